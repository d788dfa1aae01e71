#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark: ags's libpod client against the podman CLI, for `true`.
#
#   tools/bench-podman-client.sh [-n N] [--remote] [--image IMG] [--podman-run PATH]
#   tools/bench-podman-client.sh --e2e BUILD_DIR [-n N] [--remote]   (as root)
#
# Times, alternately in one run (after one warm-up each), N times (default 15):
#   client  podman-run run IMG true   (create, attach, start, stream, wait,
#                                      remove through src/podman, over the
#                                      service at CONTAINER_HOST)
#   cli     podman run --rm IMG true  (the local CLI, same user and storage)
#   remote  podman --remote run --rm IMG true   (only with --remote)
# and prints each median, min and max, then "ratio client/cli = R" (goal:
# at most 0.9). Wall time per run comes from bash's EPOCHREALTIME, so no
# helper process start is counted.
#
# --e2e BUILD_DIR: run as the e2e test user against the service that
# tests/e2e/setup.sh started for BUILD_DIR (BUILD_DIR/e2e/env), with its
# test image; podman-run is BUILD_DIR/tests/podman-run, copied to the
# user's scratch dir. Build it without sanitizers for meaningful numbers
# (cmake -DCMAKE_BUILD_TYPE=Release).
set -euo pipefail

n=15
remote=0
image=${AGS_E2E_IMAGE:-localhost/ags-test:latest}
pr=
e2e=
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        --remote) remote=1; shift ;;
        --image) image=$2; shift 2 ;;
        --podman-run) pr=$2; shift 2 ;;
        --e2e) e2e=$2; shift 2 ;;
        *) echo "usage: $0 [-n N] [--remote] [--image IMG] [--podman-run PATH] [--e2e BUILD_DIR]" >&2
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
    dir=$AGS_E2E_SCRATCH_ROOT/bench
    mkdir -p "$dir"
    cp "${pr:-$e2e/tests/podman-run}" "$dir/podman-run"
    cp "$0" "$dir/bench.sh"
    cp "$(dirname "$0")/bench-lib.sh" "$dir/bench-lib.sh"
    args=(-n "$n" --image "$AGS_E2E_IMAGE" --podman-run "$dir/podman-run")
    [ "$remote" = 0 ] || args+=(--remote)
    run=(env -i HOME="$AGS_E2E_HOME" USER="$AGS_E2E_USER" LOGNAME="$AGS_E2E_USER"
         PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$AGS_E2E_XDG_RUNTIME_DIR"
         DBUS_SESSION_BUS_ADDRESS=disabled: CONTAINER_HOST="unix://$AGS_E2E_SOCKET"
         bash "$dir/bench.sh" "${args[@]}")
    cd "$dir"
    if [ "$AGS_E2E_MODE" = root ]; then
        chown -R "$AGS_E2E_UID:$AGS_E2E_GID" "$dir"
        exec setpriv --reuid="$AGS_E2E_UID" --regid="$AGS_E2E_GID" --init-groups -- "${run[@]}"
    fi
    exec "${run[@]}"
fi

[ -n "${CONTAINER_HOST:-}" ] || { echo "bench: CONTAINER_HOST is not set (the service podman-run talks to)" >&2; exit 1; }
pr=${pr:-$(dirname "$0")/../build/tests/podman-run}
[ -x "$pr" ] || { echo "bench: no podman-run at $pr (build the podman-run target)" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench: podman is not installed" >&2; exit 1; }

variants=(client cli)
[ "$remote" = 0 ] || variants+=(remote)

one() {
    case $1 in
        client) "$pr" run "$image" true ;;
        cli) podman run --rm "$image" true ;;
        remote) podman --remote --url "$CONTAINER_HOST" run --rm "$image" true ;;
    esac
}

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
        client) what="podman-run run IMG true (ags client)" ;;
        cli) what="podman run --rm IMG true (CLI)" ;;
        remote) what="podman --remote run --rm IMG true" ;;
    esac
    printf '%-40s median %7.1f ms  min %7.1f  max %7.1f\n' "$what" "$med" "$lo" "$hi"
done
awk -v a="${median[client]}" -v b="${median[cli]}" \
    'BEGIN { printf "ratio client/cli = %.3f (goal <= 0.9)\n", a / b }'
if [ "$remote" = 1 ]; then
    awk -v a="${median[client]}" -v b="${median[remote]}" \
        'BEGIN { printf "ratio client/remote = %.3f\n", a / b }'
fi
