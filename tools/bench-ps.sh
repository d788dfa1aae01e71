#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark: ags ps with 20 sessions (issue 19, goal: median below 100 ms).
# Starts S background runs (default 20) of `ags --agent shell -- -c 'sleep 120'`,
# waits until ags ps lists all of them, times `ags ps` N times (default 15,
# one warm-up), prints the median, then stops them all (ags stop --all).
# --detach: the sessions are detachable ones (`ags --agent shell --detach`,
# one after the other), and the median time of such a start (until ags
# returns: the session's tmux runs) is printed too.
#
#   tools/bench-ps.sh --e2e BUILD_DIR [-n N] [-s S] [--backend podman|bwrap]
#       (as root, after `ctest -R 'e2e/setup$'` (and e2e/bwrap-setup for
#       bwrap), under flock /work/e2e.lock: the e2e user, its Podman service
#       and the test image; a build without sanitizers measures ags, not ASan)
#   tools/bench-ps.sh --ags PATH [-n N] [-s S] [--backend B] [--image IMG]
set -euo pipefail

n=15
sessions=20
backend=podman
image=${AGS_E2E_IMAGE:-localhost/ags-test:latest}
ags=
e2e=
detach=
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        -s) sessions=$2; shift 2 ;;
        --backend) backend=$2; shift 2 ;;
        --image) image=$2; shift 2 ;;
        --ags) ags=$2; shift 2 ;;
        --e2e) e2e=$2; shift 2 ;;
        --detach) detach=1; shift ;;
        *) echo "usage: $0 --e2e BUILD_DIR | --ags PATH [-n N] [-s S] [--backend B] [--image IMG]" >&2; exit 2 ;;
    esac
done
[[ $n =~ ^[1-9][0-9]*$ && $sessions =~ ^[1-9][0-9]*$ ]] ||
    { echo "bench: -n and -s want positive numbers" >&2; exit 2; }

# shellcheck source=bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
if [ -n "$e2e" ]; then
    # shellcheck disable=SC2086 # --detach or nothing
    bench_e2e_exec "$e2e" bench-ps "$0" -n "$n" -s "$sessions" --backend "$backend" ${detach:+--detach}
fi
[ -x "$ags" ] || { echo "bench: --ags PATH is required" >&2; exit 2; }

cfg=${XDG_CONFIG_HOME:-$HOME/.config}/ags
mkdir -p "$cfg"
printf '[sandbox]\nimage = "%s"\nbackend = "%s"\n' "$image" "$backend" >"$cfg/config.toml"
tmp=$(mktemp -d)
pids=()
cleanup() {
    "$ags" stop --all --timeout 1 >/dev/null 2>&1 || true
    kill "${pids[@]}" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

starts=()
for ((i = 0; i < sessions; i++)); do
    mkdir -p "$tmp/w$i"
    if [ -n "$detach" ]; then
        t0=$(date +%s%N)
        (cd "$tmp/w$i" && "$ags" --agent shell --detach </dev/null >/dev/null 2>&1)
        starts+=($((($(date +%s%N) - t0) / 1000000)))
        continue
    fi
    (cd "$tmp/w$i" && exec "$ags" --agent shell -- -c 'sleep 120' </dev/null >/dev/null 2>&1) &
    pids+=($!)
done
if [ -n "$detach" ]; then
    printf '%s\n' "${starts[@]}" | sort -n |
        awk '{ v[NR] = $1 } END { printf "ags --detach start (until it returns), median of %d: %d ms\n", NR, v[int((NR + 1) / 2)] }'
fi
listed() { "$ags" ps 2>/dev/null | tail -n +2 | grep -c . || true; }
for _ in $(seq 900); do [ "$(listed)" -ge "$sessions" ] && break; sleep 0.2; done
[ "$(listed)" -ge "$sessions" ] || { echo "bench: only $(listed) of $sessions sessions started" >&2; exit 1; }

one() { "$ags" ps; }
bench_rounds "$n" ps
echo "ags ps on $backend, $sessions sessions, $n runs"
declare -A median
bench_report ps "ags ps"
awk -v m="${median[ps]}" 'BEGIN { exit !(m < 100) }' && echo "goal (< 100 ms): met" ||
    echo "goal (< 100 ms): NOT met"
