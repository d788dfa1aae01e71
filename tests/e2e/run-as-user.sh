#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Run one e2e test script as the test user, with a clean environment.
#
#   AGS_E2E_STATE=<build>/e2e run-as-user.sh SCRIPT [ARGS...]
#
# ctest sets AGS_E2E_STATE. The build dir (and the source tree) may be
# unreadable for the test user (a repo under /root, mode 0700), so the script,
# lib.sh and the bwrap-store.sh it sources, remote-sshd.sh (the ssh:// tests
# source it), an optional data dir
# SCRIPT-without-.sh + ".d", the built ags binary and the files in
# AGS_E2E_EXTRA_BINS (colon-separated; into bin/) are first copied into
# <per-run scratch>/<test name>/, owned by the test user.
# The test runs there with only HOME USER LOGNAME PATH XDG_RUNTIME_DIR
# CONTAINER_HOST AGS_E2E_IMAGE AGS_E2E_SCRATCH AGS_BIN AGS_E2E_BACKEND (plus
# ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS if the caller has them, and in root
# mode the remote host's AGS_E2E_REMOTE_* from the env file) set.
# AGS_E2E_BACKEND (podman, the default, or bwrap; ctest sets it for the
# e2e/bwrap/* variants) is the backend every ags the test runs uses (lib.sh).
# The exit status is the test's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
. "$here/harness.sh"

[ $# -ge 1 ] || h_die "usage: AGS_E2E_STATE=DIR run-as-user.sh SCRIPT [ARGS...]"
[ -n "${AGS_E2E_STATE:-}" ] ||
    h_die "AGS_E2E_STATE is not set (ctest sets it to <build dir>/e2e)"
envfile=$AGS_E2E_STATE/env
[ -f "$envfile" ] ||
    h_die "$envfile missing: the e2e/setup fixture has not run (run the tests through ctest -L e2e)"
# shellcheck disable=SC1090
. "$envfile"
[ "${AGS_E2E_READY:-0}" = 1 ] ||
    h_die "e2e setup did not finish (see the e2e/setup output and $AGS_E2E_SERVICE_LOG)"

h_identity || h_die "cannot resolve user $AGS_E2E_USER"
[ "$E2E_USER" = "$AGS_E2E_USER" ] ||
    h_die "setup ran for user $AGS_E2E_USER, this is $E2E_USER: rerun setup"

script=$1
shift
backend=${AGS_E2E_BACKEND:-podman}
case $backend in
    podman | bwrap) ;;
    *) h_die "AGS_E2E_BACKEND=$backend: podman or bwrap" ;;
esac
[ -f "$script" ] || h_die "no such test script: $script"
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
name=$(basename "$script" .sh)
[ -d "$AGS_E2E_SCRATCH_ROOT" ] || h_die "scratch dir $AGS_E2E_SCRATCH_ROOT is gone: rerun setup"
dir=$AGS_E2E_SCRATCH_ROOT/$name
# The bwrap variant of a script gets a directory of its own (both may run in
# one ctest invocation).
[ "$backend" = podman ] || dir=$AGS_E2E_SCRATCH_ROOT/$backend-$name

# A fresh copy per invocation.
h_remove_scratch "$dir" || h_die "cannot clear $dir"
mkdir -p "$dir/bin" "$dir/scratch"
cp "$script" "$dir/$name.sh"
cp "$here/lib.sh" "$here/bwrap-store.sh" "$here/remote-sshd.sh" "$dir/"
if [ -d "${script%.sh}.d" ]; then
    cp -r "${script%.sh}.d" "$dir/$name.d"
fi
ags=
if [ -n "${AGS_E2E_AGS_BINARY:-}" ] && [ -f "$AGS_E2E_AGS_BINARY" ]; then
    cp "$AGS_E2E_AGS_BINARY" "$dir/bin/ags"
    chmod 0755 "$dir/bin/ags"
    ags=$dir/bin/ags
    # The in-sandbox opener where an installed ags finds it (<prefix>/lib/ags).
    helper=$(dirname "$AGS_E2E_AGS_BINARY")/ags-helper
    if [ -f "$helper" ]; then
        mkdir -p "$dir/lib/ags"
        cp "$helper" "$dir/lib/ags/ags-helper"
        chmod 0755 "$dir/lib/ags/ags-helper"
    fi
fi
# Extra test binaries (e.g. podman-driver): ctest sets AGS_E2E_EXTRA_BINS to a
# colon-separated list of paths; each is copied into bin/ under its own name.
if [ -n "${AGS_E2E_EXTRA_BINS:-}" ]; then
    IFS=: read -r -a extra_bins <<<"$AGS_E2E_EXTRA_BINS"
    for b in "${extra_bins[@]}"; do
        [ -f "$b" ] || h_die "extra test binary $b is missing (build it first)"
        cp "$b" "$dir/bin/" && chmod 0755 "$dir/bin/${b##*/}"
    done
fi
if [ "$E2E_MODE" = root ]; then
    chown -R "$E2E_UID:$E2E_GID" "$dir"
fi
chmod 0700 "$dir"

env_v=(HOME="$E2E_HOME" USER="$E2E_USER" LOGNAME="$E2E_USER" PATH="$H_PATH"
       XDG_RUNTIME_DIR="$E2E_XDG" CONTAINER_HOST="unix://$AGS_E2E_SOCKET"
       AGS_E2E_IMAGE="$AGS_E2E_IMAGE" AGS_E2E_SCRATCH="$dir/scratch" AGS_BIN="$ags"
       AGS_E2E_BACKEND="$backend")
# Root mode: the ssh:// tests' remote host (setup.sh, tests/e2e/remote-sshd.sh).
if [ -n "${AGS_E2E_REMOTE_USER:-}" ]; then
    env_v+=(AGS_E2E_REMOTE_USER="$AGS_E2E_REMOTE_USER"
            AGS_E2E_REMOTE_SOCKET="$AGS_E2E_REMOTE_SOCKET"
            AGS_E2E_REMOTE_PORT="$AGS_E2E_REMOTE_PORT"
            AGS_E2E_REMOTE_HOST_KEY="$AGS_E2E_REMOTE_HOST_KEY"
            AGS_E2E_REMOTE_KEY="$AGS_E2E_REMOTE_KEY"
            AGS_E2E_REMOTE_SSHD_PID="$AGS_E2E_REMOTE_SSHD_PID"
            AGS_E2E_REMOTE_SSHD_LOG="$AGS_E2E_REMOTE_SSHD_LOG")
fi
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    if [ -n "${!v+x}" ]; then
        env_v+=("$v=${!v}")
    fi
done

cd "$dir"
if [ "$E2E_MODE" = root ]; then
    exec setpriv --reuid="$E2E_UID" --regid="$E2E_GID" --init-groups -- \
        env -i "${env_v[@]}" /bin/bash "$dir/$name.sh" "$@"
fi
exec env -i "${env_v[@]}" /bin/bash "$dir/$name.sh" "$@"
