#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark: the ssh:// transport (issue 20; goal: <= 150 ms over the local
# engine and <= 0.8x `podman --remote run --rm`).  Starts its own sshd on a
# loopback port (a fresh host and user key, AllowStreamLocalForwarding) in
# front of this user's Podman service (CONTAINER_HOST=unix://...), then times
# N runs each (one warm-up) of
#   ags --agent shell -- -c true           on the local socket
#   the same over ssh://USER@127.0.0.1:PORT/<socket>:
#     warm: the tunnel of the run before persists (the usual case)
#     cold: a first run (the tunnel's sshd connection killed before each, so
#           the run connects, authenticates and starts a tunnel process)
#     AGS_SSH_PERSIST=0: a connection of its own per run, no tunnel process
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
# a remote run uploads it: a real repository with a commit, as a user's is
git init -q "$dir/work"
echo bench >"$dir/work/README"
git -C "$dir/work" add README
git -C "$dir/work" -c user.name=bench -c user.email=bench@localhost commit -qm base
printf '[sandbox]\nimage = "%s"\n' "$image" >"$XDG_CONFIG_HOME/ags/config.toml"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$HOME/.ssh/known_hosts"
sleep 0.5
me=$(id -un)
remote_uri="ssh://$me@127.0.0.1:$port$sock"
cd "$dir/work"

# every descendant of pid (the per-connection sshd processes of the listener)
descendants() {
    local p
    for p in $(pgrep -P "$1"); do
        echo "$p"
        descendants "$p"
    done
}
# ends every tunnel to our sshd: its connections killed, their tunnel
# processes see the link close and exit
end_tunnels() {
    local i pids
    pids=$(descendants "$sshd_pid")
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        [ -z "$(descendants "$sshd_pid")" ] && break
        sleep 0.05
    done
    sleep 0.1
}

# one VARIANT: runs it once
one() {
    case $1 in
        local) CONTAINER_HOST=$local_uri "$ags" --agent shell -- -c true ;;
        warm | cold) CONTAINER_HOST=$remote_uri "$ags" --agent shell -- -c true ;;
        own) AGS_SSH_PERSIST=0 CONTAINER_HOST=$remote_uri "$ags" --agent shell -- -c true ;;
        podman) (unset CONTAINER_HOST
                 exec podman --remote --url "$remote_uri" --identity "$dir/user_key" \
                     run --rm "$image" true) ;;
    esac
}
# timed VARIANT: one run's wall time in ms appended to $dir/t.VARIANT; a cold
# run first ends the tunnel (untimed)
timed() {
    local t0 t1
    [ "$1" != cold ] || end_tunnels
    t0=${EPOCHREALTIME/./}
    one "$1" </dev/null >/dev/null 2>"$dir/err.$1" || { cat "$dir/err.$1" >&2; return 1; }
    t1=${EPOCHREALTIME/./}
    echo $(((t1 - t0) / 1000)) >>"$dir/t.$1"
}
median() {
    sort -n "$dir/t.$1" | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}
# spread VARIANT: "min-max"
spread() {
    sort -n "$dir/t.$1" | awk 'NR == 1 {lo=$1} {hi=$1} END {print lo "-" hi}'
}

# One warm-up each, then n rounds of every variant, in turn (odd rounds in
# reverse order: a variant never always follows the same one, and the load
# of a shared machine reaches all of them alike).
variants=(local warm cold own podman)
for v in "${variants[@]}"; do
    if ! timed "$v"; then
        [ "$v" = podman ] || { echo "bench-remote: $v failed" >&2; exit 1; }
        variants=("${variants[@]/podman/}")
    fi
    : >"$dir/t.$v"
done
for ((i = 0; i < n; i++)); do
    order=("${variants[@]}")
    if ((i % 2)); then
        order=()
        for ((k = ${#variants[@]} - 1; k >= 0; k--)); do order+=("${variants[k]}"); done
    fi
    for v in "${order[@]}"; do
        [ -z "$v" ] || timed "$v" || { echo "bench-remote: $v failed" >&2; exit 1; }
    done
done
end_tunnels
local_ms=$(median local)
remote_ms=$(median warm)
cold_ms=$(median cold)
own_ms=$(median own)
echo "ags local engine:   ${local_ms} ms (median of $n; spread in ms: local $(spread local), warm $(spread warm), cold $(spread cold), own $(spread own))"
echo "ags over ssh://:    ${remote_ms} ms warm (overhead $((remote_ms - local_ms)) ms; goal <= 150)"
echo "                    ${cold_ms} ms cold, a first run (overhead $((cold_ms - local_ms)) ms)"
echo "                    ${own_ms} ms with AGS_SSH_PERSIST=0 (overhead $((own_ms - local_ms)) ms)"
if [ -s "$dir/t.podman" ]; then
    podman_ms=$(median podman)
    echo "podman --remote:    ${podman_ms} ms (ags/podman $(awk -v a="$remote_ms" -v b="$podman_ms" 'BEGIN {printf "%.2f", a / b}') warm, $(awk -v a="$cold_ms" -v b="$podman_ms" 'BEGIN {printf "%.2f", a / b}') cold; goal <= 0.8)"
else
    echo "podman --remote:    did not run here"
fi
