#!/usr/bin/env bash
# Benchmark: how long `ags doctor` takes (issue 13: under 1 s when healthy,
# a FAIL within 5 s when Podman is gone).
#
#   tools/bench-doctor.sh [-n N] [--ags PATH]
#
# Runs `ags doctor` N times (default 10) in the caller's environment (its
# CONTAINER_HOST, config, repository), then N times with CONTAINER_HOST at a
# socket that does not exist and N times at one that accepts and never
# answers, and prints the median, min and max wall time of each in ms and the
# exit statuses seen. Use a build without sanitizers (ASan's exit-time leak
# scan alone adds ~0.5 s): e.g. the clang build, --ags build-clang/ags.
# As the e2e test user, against the service of tests/e2e/setup.sh:
#   runuser -u USER -- env HOME=~USER XDG_RUNTIME_DIR=<its runtime dir> \
#       CONTAINER_HOST=unix://<its socket> tools/bench-doctor.sh --ags <copy of ags>
set -euo pipefail

n=10
ags=${AGS_BIN:-build/ags}
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        --ags) ags=$2; shift 2 ;;
        *) echo "usage: $0 [-n N] [--ags PATH]" >&2; exit 2 ;;
    esac
done
[ -x "$ags" ] || { echo "bench-doctor: no ags binary at $ags" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-doctor: python3 is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-doctor.XXXXXX")
hung_pid=
cleanup() {
    [ -z "$hung_pid" ] || kill "$hung_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# variant NAME [VAR=VALUE...]: N timed runs; prints "NAME median min max (exit statuses)".
variant() {
    local name=$1 i t0 t1 rc
    shift
    : >"$tmp/$name"
    : >"$tmp/$name.rc"
    for ((i = 0; i < n; i++)); do
        t0=${EPOCHREALTIME/./}
        rc=0
        env "$@" "$ags" doctor </dev/null >/dev/null 2>&1 || rc=$?
        t1=${EPOCHREALTIME/./}
        echo $(((t1 - t0) / 1000)) >>"$tmp/$name"
        echo "$rc" >>"$tmp/$name.rc"
    done
    sort -n "$tmp/$name" | awk -v name="$name" -v rcs="$(sort -u "$tmp/$name.rc" | xargs)" '
        { v[NR] = $1 }
        END { printf "%-8s median %5d ms  min %5d ms  max %5d ms  (exit %s)\n",
              name, v[int((NR + 1) / 2)], v[1], v[NR], rcs }'
}

python3 "$(dirname "$0")/../tests/e2e/53-doctor.d/silent-socket.py" "$tmp/hung.sock" \
    >"$tmp/hung.log" 2>&1 &
hung_pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/hung.log" 2>/dev/null && break; sleep 0.1; done

echo "ags doctor, $n runs each ($ags)"
variant current
variant no-podman CONTAINER_HOST="unix://$tmp/absent.sock"
variant hung CONTAINER_HOST="unix://$tmp/hung.sock"
