#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark: the ssh:// transport (issue 20; goal: <= 150 ms over the local
# engine and <= 0.8x `podman --remote run --rm`).  Starts its own sshd on a
# loopback port (a fresh host and user key, AllowStreamLocalForwarding) in
# front of this user's Podman service (CONTAINER_HOST=unix://...), then times
# N runs each (one warm-up) of
#   ags --agent shell -- -c true           on the local socket
#   the same over ssh://USER@127.0.0.1:PORT/<socket>
#   podman --remote --url ssh://... --identity KEY run --rm IMAGE true
# and prints the medians and the overheads in ms.
#
#   tools/bench-remote.sh --e2e BUILD_DIR [-n N]
#       (as root, after `ctest -R 'e2e/setup$'`, under flock /work/e2e.lock:
#       as the e2e user with its Podman service and the test image)
#   tools/bench-remote.sh --ags PATH [-n N] [--image IMG]
#       (as a user with rootless Podman and the test image, e.g. the e2e
#       user through setpriv as tools/bench-ps.sh does; a build without
#       sanitizers measures ags, not ASan)
set -euo pipefail

n=15
image=${AGS_E2E_IMAGE:-localhost/ags-test:latest}
ags=
e2e=
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        --image) image=$2; shift 2 ;;
        --ags) ags=$2; shift 2 ;;
        --e2e) e2e=$2; shift 2 ;;
        *) echo "usage: $0 --e2e BUILD_DIR | --ags PATH [-n N] [--image IMG]" >&2; exit 2 ;;
    esac
done
if [ -n "$e2e" ]; then
    # shellcheck source=bench-lib.sh
    . "$(dirname "$0")/bench-lib.sh"
    bench_e2e_exec "$e2e" bench-remote "$0" -n "$n"
fi
[ -x "$ags" ] || { echo "bench-remote: --ags PATH is required" >&2; exit 2; }
case ${CONTAINER_HOST:-} in
    unix://*) ;;
    *) echo "bench-remote: CONTAINER_HOST must name this user's Podman socket (unix://...)" >&2; exit 2 ;;
esac
local_uri=$CONTAINER_HOST
sock=${local_uri#unix://}

dir=$(mktemp -d)
sshd_pid=
agent_pid=
cleanup() {
    [ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true
    [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key"
cp "$dir/user_key.pub" "$dir/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PidFile $dir/sshd.pid
AllowStreamLocalForwarding yes
PasswordAuthentication no
CFG
/usr/sbin/sshd -D -f "$dir/sshd_config" -e 2>"$dir/sshd.log" &
sshd_pid=$!
eval "$(ssh-agent -s)" >/dev/null
agent_pid=$SSH_AGENT_PID
ssh-add -q "$dir/user_key" 2>/dev/null
export HOME=$dir/home XDG_CONFIG_HOME=$dir/config
mkdir -p "$HOME/.ssh" "$XDG_CONFIG_HOME/ags"
git init -q "$dir/work" # a remote run uploads it: a real (empty) repository
printf '[sandbox]\nimage = "%s"\n' "$image" >"$XDG_CONFIG_HOME/ags/config.toml"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$HOME/.ssh/known_hosts"
sleep 0.5
me=$(id -un)
remote_uri="ssh://$me@127.0.0.1:$port$sock"
cd "$dir/work"

# median_ms CMD...: the median wall time of n runs (after one warm-up), in ms
median_ms() {
    "$@" >/dev/null 2>&1 </dev/null || { echo "bench-remote: failed: $*" >&2; exit 1; }
    local i t0 t1 times=()
    for ((i = 0; i < n; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 </dev/null
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}

local_ms=$(CONTAINER_HOST=$local_uri median_ms "$ags" --agent shell -- -c true)
remote_ms=$(CONTAINER_HOST=$remote_uri median_ms "$ags" --agent shell -- -c true)
echo "ags local engine:   ${local_ms} ms (median of $n)"
echo "ags over ssh://:    ${remote_ms} ms (overhead $((remote_ms - local_ms)) ms; goal <= 150)"
# a subshell, not env -u: median_ms is a function
if podman_ms=$(unset CONTAINER_HOST; median_ms podman --remote --url "$remote_uri" \
        --identity "$dir/user_key" run --rm "$image" true 2>/dev/null); then
    echo "podman --remote:    ${podman_ms} ms (ags/podman $(awk -v a="$remote_ms" -v b="$podman_ms" 'BEGIN {printf "%.2f", a / b}'); goal <= 0.8)"
else
    echo "podman --remote:    did not run here"
fi
