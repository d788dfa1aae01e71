#!/usr/bin/env bash
# Benchmark: the latency the auth proxy's callback relay (src/proxy/server*.c and
# ags-helper's relay) adds to an OAuth callback (issue 16).
#
#   tools/bench-auth-relay.sh BUILD_DIR [N]
#
# Runs BUILD_DIR/tests/auth-relay-bench: the proxy, a sandbox played by a child in a
# network namespace of its own (its callback server and the real BUILD_DIR/ags-helper)
# and the same callback server on the host's loopback; N (default 1000) callbacks
# through the relay and N straight to the server, alternating, a connection each. The
# namespace needs root or unprivileged user namespaces. Use a build without sanitizers,
# e.g. -DCMAKE_BUILD_TYPE=Release -DAGS_SANITIZE=OFF.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [N]" >&2; exit 2; }
bench=$1/tests/auth-relay-bench
helper=$1/ags-helper
n=${2:-1000}
for f in "$bench" "$helper"; do
    [ -x "$f" ] || { echo "bench-auth-relay: no $f (build the auth-relay-bench and ags-helper targets)" >&2; exit 2; }
done
"$bench" "$helper" "$n"
