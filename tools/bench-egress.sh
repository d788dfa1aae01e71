#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# Benchmark: the egress proxy (issue 18). A server on the host's 127.0.0.1
# serves a 100 MiB file and a small one; one sandbox in `open` mode (with
# [network] host_loopback, through the engine's user-mode network) and one in
# `allowlist` mode (through the in-sandbox forwarder and the host's egress
# proxy) each download the big file R times and fetch the small one N times
# (a connection each) with curl. Prints the median throughput of each mode,
# "throughput ratio allowlist/open" (goal: at least 0.8) and the median time
# of one small fetch (connect + request + answer) in each mode with
# "added latency = allowlist - open" (goal: at most 2 ms).
#
#   tools/bench-egress.sh --e2e BUILD_DIR [-n N] [-r R]   (as root, after
#       `ctest -R 'e2e/(setup|update-image)$'`: the e2e user, its Podman
#       service and the sandbox image; build without sanitizers:
#       cmake -DCMAKE_BUILD_TYPE=Release -DAGS_SANITIZE=OFF)
#   tools/bench-egress.sh --ags PATH [-n N] [-r R] [--image IMG] [--backend B]
set -euo pipefail

n=50
r=3
image=localhost/ags-sandbox:latest
backend=podman
ags=
e2e=
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        -r) r=$2; shift 2 ;;
        --image) image=$2; shift 2 ;;
        --backend) backend=$2; shift 2 ;;
        --ags) ags=$2; shift 2 ;;
        --e2e) e2e=$2; shift 2 ;;
        *) echo "usage: $0 --e2e BUILD_DIR [-n N] [-r R] | --ags PATH [-n N] [-r R] [--image IMG] [--backend B]" >&2; exit 2 ;;
    esac
done
[[ $n =~ ^[1-9][0-9]*$ && $r =~ ^[1-9][0-9]*$ ]] || { echo "bench: -n and -r want positive numbers" >&2; exit 2; }

# shellcheck source=bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
if [ -n "$e2e" ]; then
    bench_e2e_env "$e2e"
    dir=$AGS_E2E_SCRATCH_ROOT/bench-egress
    rm -rf "$dir"
    mkdir -p "$dir/repo/.git" "$dir/bin" "$dir/lib/ags"
    cp "$e2e/ags" "$dir/bin/"
    cp "$e2e/ags-helper" "$dir/lib/ags/" # <PREFIX>/lib/ags beside <PREFIX>/bin
    cp "$0" "$dir/bench.sh"
    cp "$(dirname "$0")/bench-lib.sh" "$dir/bench-lib.sh"
    run=(env -i HOME="$AGS_E2E_HOME" USER="$AGS_E2E_USER" LOGNAME="$AGS_E2E_USER"
         PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$AGS_E2E_XDG_RUNTIME_DIR"
         XDG_CONFIG_HOME="$dir/config" XDG_STATE_HOME="$dir/state"
         DBUS_SESSION_BUS_ADDRESS=disabled: CONTAINER_HOST="unix://$AGS_E2E_SOCKET"
         bash "$dir/bench.sh" -n "$n" -r "$r" --image "$image" --ags "$dir/bin/ags")
    cd "$dir/repo"
    if [ "$AGS_E2E_MODE" = root ]; then
        chown -R "$AGS_E2E_UID:$AGS_E2E_GID" "$dir"
        exec setpriv --reuid="$AGS_E2E_UID" --regid="$AGS_E2E_GID" --init-groups -- "${run[@]}"
    fi
    exec "${run[@]}"
fi
[ -x "$ags" ] || { echo "bench: --ags PATH is required" >&2; exit 2; }

tmp=$(mktemp -d)
srv=
trap '[ -z "$srv" ] || kill "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/www"
head -c $((100 * 1024 * 1024)) /dev/zero >"$tmp/www/big"
printf 'small\n' >"$tmp/www/small"
python3 - "$tmp/www" "$tmp/port" <<'EOF' >/dev/null 2>&1 &
import functools, http.server, os, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
EOF
srv=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")

cfg=${XDG_CONFIG_HOME:-$HOME/.config}/ags
mkdir -p "$cfg"
# In the sandbox: R downloads of the big file (bytes per second each), then N
# small fetches (seconds each), one number per line with its kind.
probe='host=${1:-$AGS_HOST_LOOPBACK}; for i in $(seq '"$r"'); do
  env -u NO_PROXY -u no_proxy curl -sS -o /dev/null -w "BIG %{speed_download}\n" "http://$host:'"$port"'/big"; done
for i in $(seq '"$n"'); do
  env -u NO_PROXY -u no_proxy curl -sS -o /dev/null -w "SMALL %{time_total}\n" "http://$host:'"$port"'/small"; done'

printf '[sandbox]\nimage = "%s"\n[network]\nhost_loopback = true\n' "$image" >"$cfg/config.toml"
"$ags" --backend "$backend" --agent shell -- -c "$probe" >"$tmp/open" 2>"$tmp/open.err" ||
    { echo "bench: the open run failed: $(cat "$tmp/open.err")" >&2; exit 1; }
printf '[sandbox]\nimage = "%s"\n[network]\nmode = "allowlist"\nallow = ["127.0.0.1:%s"]\n' \
    "$image" "$port" >"$cfg/config.toml"
"$ags" --backend "$backend" --agent shell -- -c "$probe" _ 127.0.0.1 >"$tmp/allow" 2>"$tmp/allow.err" ||
    { echo "bench: the allowlist run failed: $(cat "$tmp/allow.err")" >&2; exit 1; }

# median KIND FILE
median() {
    grep "^$1 " "$2" | cut -d' ' -f2 | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ob=$(median BIG "$tmp/open")
ab=$(median BIG "$tmp/allow")
os=$(median SMALL "$tmp/open")
as=$(median SMALL "$tmp/allow")
echo "egress benchmark, $backend, image $image: $r downloads of 100 MiB and $n small fetches per mode"
awk -v o="$ob" -v a="$ab" 'BEGIN {
    printf "throughput open      %8.1f MiB/s (median)\n", o / 1048576
    printf "throughput allowlist %8.1f MiB/s (median)\n", a / 1048576
    printf "throughput ratio allowlist/open = %.2f (goal: at least 0.8)\n", a / o }'
awk -v o="$os" -v a="$as" 'BEGIN {
    printf "small fetch open      %7.2f ms (median)\n", o * 1000
    printf "small fetch allowlist %7.2f ms (median)\n", a * 1000
    printf "added latency = allowlist - open = %.2f ms (goal: at most 2 ms)\n", (a - o) * 1000 }'
