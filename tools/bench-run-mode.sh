#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark: run mode. `ags --agent shell -- -c true` against the same
# container started by the podman CLI and by the bare client sequence.
#
#   tools/bench-run-mode.sh --e2e BUILD_DIR [-n N] [--old AGS]        (as root)
#   tools/bench-run-mode.sh --ags PATH --podman-run PATH [-n N] [--image IMG] [--old AGS]
#
# Times, alternately in one run (after one warm-up each), N times (default 15):
#   ags     ags --agent shell -- -c true     (config, plan, connect, sweep,
#                                             image and volume checks, create,
#                                             attach, start, wait, remove)
#   client  podman-run run FLAGS IMG ...     (create, attach, start, wait,
#                                             remove through src/podman with
#                                             the spec ags builds for that run)
#   cli     podman run --rm FLAGS IMG ...    (the podman CLI, same spec)
# and prints each median, min and max, "ratio ags/cli = R" (goal: at most
# 0.9) and "ags overhead = ags - client" (goal: at most 20 ms). For scale,
# `ags plan --agent shell` (process start, config, git facts, the plan; no
# Podman) is timed too.
#
# --old AGS: another ags binary (say, built from the commit before a
# restructure) timed the same way in the same alternation; prints
# "ratio new/old = R" (no slowdown: R within noise of 1.00).
#
# --e2e BUILD_DIR: as the e2e test user against the service that
# tests/e2e/setup.sh started for BUILD_DIR, with its test image; ags and
# podman-run come from BUILD_DIR. Build without sanitizers for meaningful
# numbers (cmake -DCMAKE_BUILD_TYPE=Release -DAGS_SANITIZE=OFF).
set -euo pipefail

n=15
image=${AGS_E2E_IMAGE:-localhost/ags-test:latest}
ags=
pr=
e2e=
old=
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        --image) image=$2; shift 2 ;;
        --ags) ags=$2; shift 2 ;;
        --podman-run) pr=$2; shift 2 ;;
        --e2e) e2e=$2; shift 2 ;;
        --old) old=$2; shift 2 ;;
        *) echo "usage: $0 --e2e BUILD_DIR [-n N] [--old AGS] | --ags PATH --podman-run PATH [-n N] [--image IMG] [--old AGS]" >&2
           exit 2 ;;
    esac
done
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: -n wants a positive number" >&2; exit 2; }

if [ -n "$e2e" ]; then
    envfile=$e2e/e2e/env
    [ -f "$envfile" ] || { echo "bench: $envfile missing: run tests/e2e/setup.sh first" >&2; exit 1; }
    # shellcheck disable=SC1090
    . "$envfile"
    [ "${AGS_E2E_READY:-0}" = 1 ] || { echo "bench: the e2e service is not ready" >&2; exit 1; }
    dir=$AGS_E2E_SCRATCH_ROOT/bench-run
    rm -rf "$dir"
    mkdir -p "$dir/repo/.git"
    cp "$e2e/ags" "$dir/ags"
    cp "${pr:-$e2e/tests/podman-run}" "$dir/podman-run"
    cp "$0" "$dir/bench.sh"
    cp "$(dirname "$0")/bench-lib.sh" "$dir/bench-lib.sh"
    oldargs=()
    if [ -n "$old" ]; then
        cp "$old" "$dir/ags-old"
        oldargs=(--old "$dir/ags-old")
    fi
    run=(env -i HOME="$AGS_E2E_HOME" USER="$AGS_E2E_USER" LOGNAME="$AGS_E2E_USER"
         PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$AGS_E2E_XDG_RUNTIME_DIR"
         XDG_CONFIG_HOME="$dir/config" DBUS_SESSION_BUS_ADDRESS=disabled:
         CONTAINER_HOST="unix://$AGS_E2E_SOCKET"
         bash "$dir/bench.sh" -n "$n" --image "$AGS_E2E_IMAGE" --ags "$dir/ags"
         --podman-run "$dir/podman-run" "${oldargs[@]}")
    cd "$dir/repo"
    if [ "$AGS_E2E_MODE" = root ]; then
        chown -R "$AGS_E2E_UID:$AGS_E2E_GID" "$dir"
        exec setpriv --reuid="$AGS_E2E_UID" --regid="$AGS_E2E_GID" --init-groups -- "${run[@]}"
    fi
    exec "${run[@]}"
fi

[ -x "$ags" ] || { echo "bench: --ags PATH is required" >&2; exit 2; }
[ -x "$pr" ] || { echo "bench: --podman-run PATH is required" >&2; exit 2; }
[ -z "$old" ] || [ -x "$old" ] || { echo "bench: --old $old is not an executable" >&2; exit 2; }
[ -n "${CONTAINER_HOST:-}" ] || { echo "bench: CONTAINER_HOST is not set" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench: podman is not installed" >&2; exit 1; }

# ags's config for this directory: the image, nothing else.
cfg=${XDG_CONFIG_HOME:-$HOME/.config}/ags
mkdir -p "$cfg"
printf '[sandbox]\nimage = "%s"\n' "$image" >"$cfg/config.toml"

# The spec ags builds for `--agent shell -- -c true` here (see `ags plan`).
wd=$PWD
script='ags_path=$PATH; PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; mkdir -p /home/dev/.local/share/opencode /home/dev/.cache/opencode; if [ -t 1 ]; then echo '\''[ags] Host services: use host.containers.internal (localhost is container-local)'\'' >&2; fi; PATH=$ags_path; exec /bin/bash "$@"'
# shellcheck disable=SC2054 # commas belong to the option values
spec=(--userns keep-id:uid=1000,gid=1000 --cap-drop-all --no-new-privileges --label-disable
      --pids-limit 4096 --network slirp4netns:allow_host_loopback=false
      -v "$wd:$wd" -w "$wd"
      -v ags-shell-pnpm-home:/usr/local/pnpm -v ags-shell-cargo:/home/dev/.cargo
      -v ags-shell-go:/home/dev/go -v ags-shell-go-build:/home/dev/.cache/go-build
      -v ags-shell-sccache:/home/dev/.cache/sccache -v ags-shell-npm-global:/home/dev/.npm-global
      -e HOME=/home/dev -e AGS_SANDBOX=1 -e PNPM_HOME=/usr/local/pnpm
      --label ags.managed=true --label ags.agent=shell)
# shellcheck disable=SC2054
cli_spec=(--userns keep-id:uid=1000,gid=1000 --cap-drop all
          --security-opt no-new-privileges --security-opt label=disable
          --pids-limit 4096 --network slirp4netns:allow_host_loopback=false
          -v "$wd:$wd" -w "$wd"
          -v ags-shell-pnpm-home:/usr/local/pnpm -v ags-shell-cargo:/home/dev/.cargo
          -v ags-shell-go:/home/dev/go -v ags-shell-go-build:/home/dev/.cache/go-build
          -v ags-shell-sccache:/home/dev/.cache/sccache -v ags-shell-npm-global:/home/dev/.npm-global
          -e HOME=/home/dev -e AGS_SANDBOX=1 -e PNPM_HOME=/usr/local/pnpm
          --label ags.managed=true --label ags.agent=shell)

one() {
    case $1 in
        ags) "$ags" --agent shell -- -c true ;;
        old) "$old" --agent shell -- -c true ;;
        plan) "$ags" plan --agent shell ;;
        client) "$pr" run -i "${spec[@]}" --entrypoint /bin/bash "$image" -c "$script" _ -c true ;;
        cli) podman run --rm -i "${cli_spec[@]}" --entrypoint /bin/bash "$image" -c "$script" _ -c true ;;
    esac
}

variants=(ags client cli plan)
[ -z "$old" ] || variants+=(old)
# shellcheck source=bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bench_rounds "$n" "${variants[@]}"

echo "podman $(podman --version | awk '{print $3}'), image $image, $n runs each, alternated"
declare -A median
for v in "${variants[@]}"; do
    read -r med lo hi < <(bench_stats "$v")
    median[$v]=$med
    case $v in
        ags) what="ags --agent shell -- -c true" ;;
        client) what="podman-run run SPEC (bare client)" ;;
        cli) what="podman run --rm SPEC (CLI)" ;;
        plan) what="ags plan --agent shell (no Podman)" ;;
        old) what="old ags --agent shell -- -c true" ;;
    esac
    printf '%-36s median %7.1f ms  min %7.1f  max %7.1f\n' "$what" "$med" "$lo" "$hi"
done
awk -v a="${median[ags]}" -v c="${median[cli]}" -v b="${median[client]}" 'BEGIN {
    printf "ratio ags/cli = %.2f (goal <= 0.9)\n", a / c
    printf "ags overhead = ags - client = %.1f ms (goal <= 20 ms)\n", a - b }'
if [ -n "$old" ]; then
    awk -v a="${median[ags]}" -v o="${median[old]}" -v c="${median[cli]}" 'BEGIN {
        printf "ratio new/old = %.3f (old ags/cli = %.2f)\n", a / o, o / c }'
fi
