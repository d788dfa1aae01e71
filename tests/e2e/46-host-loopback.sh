#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# [network] host_loopback (issue 12): a tiny HTTP server on the host's
# 127.0.0.1 only (never the LAN address) answers a random nonce.  With the key
# on, the sandbox reaches it through $AGS_HOST_LOOPBACK and prints the nonce;
# by default, and in lockdown with the key on, it cannot and AGS_HOST_LOOPBACK
# is unset; a repo overlay that names the key is refused (exit 2, FILE:LINE:COL).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$E2E_TMP/www"
cd "$WORK" || e2e_abort "cannot enter $WORK"
WORK=$(pwd -P)

NONCE=nonce-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$NONCE" >"$E2E_TMP/www/nonce"

# The server binds 127.0.0.1 on a free port and writes the port down.
python3 - "$E2E_TMP/www" "$E2E_TMP/port" <<'EOF' >/dev/null 2>&1 &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
EOF
SERVER_PID=$!
e2e_defer "kill $SERVER_PID"
for _ in $(seq 50); do [ -s "$E2E_TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$E2E_TMP/port" 2>/dev/null)
[ -n "$PORT" ] || e2e_abort "the loopback server did not start"
check_eq "the server answers on the host's loopback" "$NONCE" \
    "$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:" + sys.argv[1] + "/nonce", timeout=5).read().decode().strip())' "$PORT")"

config() {
    { printf '[sandbox]\nimage = "%s"\n' "$AGS_E2E_IMAGE"; printf '%s\n' "$@"; } \
        >"$XDG_CONFIG_HOME/ags/config.toml"
}

# Prints AGS_HOST_LOOPBACK (or "unset"), then the nonce or "unreachable".  The
# closed case probes slirp4netns's 10.0.2.2, the address an open run uses.
# busybox nc: the static busybox's wget crashes in the test image.
PROBE='echo "${AGS_HOST_LOOPBACK-unset}"; addr=${AGS_HOST_LOOPBACK:-10.0.2.2}
out=$(printf "GET /nonce HTTP/1.0\r\n\r\n" | timeout 5 nc "$addr" '"$PORT"' 2>/dev/null | tail -n1)
echo "${out:-unreachable}"'

# ---- on: the sandbox reaches the host's loopback through $AGS_HOST_LOOPBACK
config '[network]' 'host_loopback = true'
PLAN_TEXT=$("$AGS_BIN" plan --agent shell)
check_contains "ags plan: host loopback open, with the key's origin" \
    "  host loopback: open  # config $XDG_CONFIG_HOME/ags/config.toml:4" "$PLAN_TEXT"
run --agent shell -- -c "$PROBE"
check_eq "on: exit 0" 0 "$RUN_RC"
check_eq "on: AGS_HOST_LOOPBACK is slirp4netns's host address" 10.0.2.2 "$(head -n1 <<<"$RUN_OUT")"
check_eq "on: the sandbox reads the nonce from the host's 127.0.0.1" "$NONCE" \
    "$(tail -n1 <<<"$RUN_OUT")"

# ---- lockdown: the key is ignored, with a note
run --agent shell --lockdown -- -c "$PROBE"
check_eq "lockdown: exit 0" 0 "$RUN_RC"
check_eq "lockdown: AGS_HOST_LOOPBACK is unset" unset "$(head -n1 <<<"$RUN_OUT")"
check_eq "lockdown: the host's loopback is unreachable" unreachable "$(tail -n1 <<<"$RUN_OUT")"
check_contains "lockdown: ags plan says the key was ignored" \
    "network.host_loopback (config $XDG_CONFIG_HOME/ags/config.toml:4) ignored: --lockdown" \
    "$("$AGS_BIN" plan --agent shell --lockdown)"

# ---- default (no key): closed
config
run --agent shell -- -c "$PROBE"
check_eq "default: exit 0" 0 "$RUN_RC"
check_eq "default: AGS_HOST_LOOPBACK is unset" unset "$(head -n1 <<<"$RUN_OUT")"
check_eq "default: the host's loopback is unreachable" unreachable "$(tail -n1 <<<"$RUN_OUT")"
check_eq "default: the nonce never reached the sandbox" "" "$(grep -F "$NONCE" <<<"$RUN_OUT")"

# ---- a repo overlay may not open it (not even name it), trusted or not
mkdir -p "$WORK/.ags"
printf '[network]\nhost_loopback = true\n' >"$WORK/.ags/config.toml"
printf '%s %s\n' "$(sha256sum <"$WORK/.ags/config.toml" | cut -c1-64)" "$WORK" \
    >"$XDG_CONFIG_HOME/ags/trusted-overlays"
run --agent shell -- -c "$PROBE"
check_eq "overlay: refused as a config error" 2 "$RUN_RC"
check_contains "overlay: the error names the overlay's line and column" \
    "$WORK/.ags/config.toml:2:1: network.host_loopback: a repo-local config may not set" "$RUN_ERR"
check_eq "overlay: nothing ran" "" "$RUN_OUT"
rm -rf "$WORK/.ags"
check_eq "nothing is left behind" 0 "$(managed_containers)"

e2e_finish
