#!/usr/bin/env bash
# Benchmark: the latency the filtering agent proxy (src/ssh/agent-server.c)
# adds to one signature (issue 15).
#
#   tools/bench-ssh-agent.sh BUILD_DIR [N]
#
# Starts a real ssh-agent in a scratch directory with a fresh Ed25519 key
# and runs BUILD_DIR/tests/ssh-proxy-bench: N (default 2000) SSHSIG(git)
# signatures straight to the agent and N through the proxy, alternating, a
# connection each (as ssh-keygen -Y sign makes one per commit). Use a build
# without sanitizers, e.g. -DCMAKE_BUILD_TYPE=Release -DAGS_SANITIZE=OFF.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [N]" >&2; exit 2; }
bench=$1/tests/ssh-proxy-bench
n=${2:-2000}
[ -x "$bench" ] || { echo "bench-ssh-agent: no $bench (build the ssh-proxy-bench target)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ssh-agent.XXXXXX")
agent_pid=
cleanup() {
    [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
    [ -z "$agent_pid" ] || wait "$agent_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C ags-bench-signing -f "$tmp/sign"
ssh-agent -D -a "$tmp/agent.sock" >/dev/null &
agent_pid=$!
for _ in $(seq 100); do
    [ -S "$tmp/agent.sock" ] && break
    sleep 0.05
done
SSH_AUTH_SOCK=$tmp/agent.sock ssh-add -q "$tmp/sign"
"$bench" "$tmp/agent.sock" "$tmp/sign.pub" "$n"
