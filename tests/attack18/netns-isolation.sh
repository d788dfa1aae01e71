#!/usr/bin/env bash
# shellcheck disable=SC2016 # sandbox scripts expand inside
# Expected to hold (exit 1).  In allowlist and none the sandbox has its own
# empty network namespace: no route (a direct connection to the host's
# loopback service, slirp4netns's 10.0.2.2 and a public address fails), no
# DNS, and none of the host's abstract unix sockets (netns-scoped: the
# sandbox's /proc/net/unix lacks one the host binds now; with slirp4netns or
# pasta it would lack it too, but there the host's loopback is the risk).
# Run with ATK_BACKEND=bwrap (default) and ATK_BACKEND=podman.
. "$(dirname "$0")/lib.sh"
atk_setup
atk_loopback_server
ABSTRACT=ags-atk18-$NONCE
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind("\0"+sys.argv[1]); s.listen(1); time.sleep(600)' "$ABSTRACT" &
ABS_PID=$!
trap 'kill "$ABS_PID" "$ATK_SERVER_PID" 2>/dev/null; rm -rf "$ATK_WWW"' EXIT
leaks=""
for mode in allowlist none; do
    out=$(atk_net_run --network "$mode" -- '
port=$1 abstract=$2
for t in "127.0.0.1 $port" "10.0.2.2 $port" "1.1.1.1 443" "::1 $port"; do
    if timeout 5 bash -c "exec 4<>/dev/tcp/${t% *}/${t#* }" 2>/dev/null; then echo "DIRECT-OK $t"; fi
done
timeout 5 getent hosts example.com >/dev/null 2>&1 && echo DNS-OK
grep -q "$abstract" /proc/net/unix && echo ABSTRACT-SEEN
echo "routes: $(grep -vc Iface /proc/net/route 2>/dev/null)"
echo done' "$P" "$ABSTRACT" 2>&1) || true
    echo "[$mode] $out"
    grep -q 'DIRECT-OK\|DNS-OK\|ABSTRACT-SEEN' <<<"$out" && leaks="$leaks $mode"
    grep -q '^done$' <<<"$out" || atk_die "the $mode run did not finish: $out"
done
[ -n "$leaks" ] && works "a route, DNS or the host's abstract sockets in:$leaks"
held "no route, no DNS, no host abstract socket in allowlist and none"
