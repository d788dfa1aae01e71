#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# Network policy (issue 18) against real runs: a plain HTTP server on the
# host's 127.0.0.1 only (never the LAN address) answers a random nonce.
#  - allowlist: the sandbox has no route out; through the egress proxy
#    (HTTP_PROXY, the in-sandbox forwarder on 127.0.0.1:3128) an allowed
#    name reaches the server by plain HTTP and by CONNECT; a name not on the
#    list gets the 403 at once and ags says so on stderr; a listed name whose
#    address is the loopback is refused unless the address is listed too; an
#    IP literal only when listed; a direct connection and a DNS lookup fail at
#    once; every attempt is in `ags net-log` with its decision and bytes;
#  - none: no proxy, nothing leaves; open: no proxy variables (unchanged);
#  - lockdown: allowlist by default (the agent's hosts only; the host's
#    loopback never, even when listed), `--network open --lockdown` refused
#    unless the user's own config says lockdown_may_open;
#  - a repo overlay may narrow the list, never widen it (FILE:LINE:COL).
# The sandbox side speaks HTTP with bash's /dev/tcp, so the test image
# (static bash and busybox) serves on both backends.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3

WORK=$AGS_E2E_SCRATCH/net-repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config XDG_STATE_HOME=$AGS_E2E_SCRATCH/state
# A runtime directory of this test's own (other tests run ags at the same time
# as the same user): "nothing is left" below counts ags-egress-* in it.
e2e_own_runtime_dir
rm -rf "$WORK" "$XDG_STATE_HOME/ags/network"
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$E2E_TMP/www"
cd "$WORK" || e2e_abort "cannot enter $WORK"
WORK=$(pwd -P)

NONCE=nonce-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$NONCE" >"$E2E_TMP/www/nonce"
python3 - "$E2E_TMP/www" "$E2E_TMP/port" <<'EOF' >/dev/null 2>&1 &
import functools, http.server, os, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
EOF
e2e_defer "kill $!"
for _ in $(seq 50); do [ -s "$E2E_TMP/port" ] && break; sleep 0.1; done
P=$(cat "$E2E_TMP/port" 2>/dev/null)
[ -n "$P" ] || e2e_abort "the loopback server did not start"

config() {
    { printf '[sandbox]\nimage = "%s"\n' "$AGS_E2E_IMAGE"; printf '%s\n' "$@"; } \
        >"$XDG_CONFIG_HOME/ags/config.toml"
}

# In the sandbox: ask METHOD TARGET [EXTRA]: one request through the proxy
# variable's address, the answer on stdout, then "ELAPSED_MS:<n>".  A
# CONNECT sends a GET of the nonce inside the tunnel right behind its head.
LIB='
ask() {
    local t0=$EPOCHREALTIME hp=${HTTP_PROXY#http://}
    if exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}"; then
        printf "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n%s" "$1" "$2" "${2#http://}" "${3-}" >&3
        timeout 10 cat <&3
        exec 3<&-
    else
        echo "NO-PROXY"
    fi
    local t1=$EPOCHREALTIME
    echo "ELAPSED_MS:$(( (${t1/./} - ${t0/./}) / 1000 ))"
}
direct() {
    local t0=$EPOCHREALTIME
    if (exec 4<>"/dev/tcp/$1/$2") 2>/dev/null; then echo "DIRECT:connected"; else echo "DIRECT:failed"; fi
    local t1=$EPOCHREALTIME
    echo "DIRECT_MS:$(( (${t1/./} - ${t0/./}) / 1000 ))"
}
'
GET_NONCE=$'GET /nonce HTTP/1.0\r\n\r\n'
# elapsed NAME: the ELAPSED_MS of the last ask in $RUN_OUT
elapsed() { grep -o "$1:[0-9]*" <<<"$RUN_OUT" | tail -n1 | cut -d: -f2; }
fast() { local ms; ms=$(elapsed "$1"); [ -n "$ms" ] && [ "$ms" -lt 3000 ] && echo fast || echo "slow (${ms:-?} ms)"; }

# ---- allowlist: the name and its loopback address listed
config '[network]' 'mode = "allowlist"' "allow = [\"localhost:$P\", \"127.0.0.1:$P\"]"
PLAN_TEXT=$("$AGS_BIN" plan --agent shell 2>&1)
check_contains "plan: the mode and its origin" "allowlist" "$PLAN_TEXT"
check_contains "plan: each entry with its origin" "localhost:$P" "$PLAN_TEXT"
run --agent shell -- -c "$LIB"'
echo "HTTP_PROXY=$HTTP_PROXY https_proxy=$https_proxy NO_PROXY=$NO_PROXY NODE_USE_ENV_PROXY=$NODE_USE_ENV_PROXY"
ask GET "http://localhost:'"$P"'/nonce"'
check_eq "allowlist: the run succeeds" 0 "$RUN_RC"
check_contains "allowlist: the proxy variables point at the forwarder" \
    "HTTP_PROXY=http://127.0.0.1:3128 https_proxy=http://127.0.0.1:3128 NO_PROXY=localhost,127.0.0.1,::1 NODE_USE_ENV_PROXY=1" "$RUN_OUT"
check_contains "allowlist: plain HTTP to an allowed name reaches the host's server" "$NONCE" "$RUN_OUT"

run --agent shell -- -c "$LIB"'ask CONNECT "localhost:'"$P"'" "$1"' _ "$GET_NONCE"
check_contains "allowlist: CONNECT to an allowed name is established" "200 Connection established" "$RUN_OUT"
check_contains "allowlist: and the tunnel reaches the server" "$NONCE" "$RUN_OUT"

run --agent shell -- -c "$LIB"'
ask CONNECT blocked.example.test:443
ask GET http://blocked.example.test/x'
check_contains "refused name: 403" "HTTP/1.1 403" "$RUN_OUT"
check_contains "refused name: the body names the host and the key" \
    "blocked by ags network policy: blocked.example.test:443 (add it to [network].allow)" "$RUN_OUT"
check_eq "refused name: at once, no timeout" fast "$(fast ELAPSED_MS)"
check_contains "refused name: ags says so on its stderr" "blocked.example.test:443" "$RUN_ERR"
check_lacks "refused name: the server never saw it" "$NONCE" "$RUN_OUT"

run --agent shell -- -c "$LIB"'
direct 192.0.2.1 80
direct 10.0.2.2 '"$P"'
direct 127.0.0.1 '"$P"'
t0=$EPOCHREALTIME
if timeout 10 getent hosts example.com >/dev/null 2>&1 || timeout 10 nslookup example.com >/dev/null 2>&1; then echo DNS:answered; else echo DNS:failed; fi
t1=$EPOCHREALTIME; echo "DNS_MS:$(( (${t1/./} - ${t0/./}) / 1000 ))"'
check_eq "allowlist: no direct connection gets out (3 tries)" 3 "$(grep -c DIRECT:failed <<<"$RUN_OUT")"
check_eq "allowlist: a direct connection fails at once" fast "$(fast DIRECT_MS)"
check_contains "allowlist: a DNS lookup fails" "DNS:failed" "$RUN_OUT"
check_eq "allowlist: and at once" fast "$(fast DNS_MS)"

# ---- a listed name resolving to the loopback, its address not listed; an IP literal
config '[network]' 'mode = "allowlist"' "allow = [\"localhost:$P\"]"
run --agent shell -- -c "$LIB"'
ask GET "http://localhost:'"$P"'/nonce"
ask CONNECT "127.0.0.1:'"$P"'"'
check_eq "rebinding: a name that resolves to the loopback is refused" 2 "$(grep -c 'HTTP/1.1 403' <<<"$RUN_OUT")"
check_lacks "rebinding: nothing reached the server" "$NONCE" "$RUN_OUT"

# ---- the audit log: one line per attempt of the last run
LOG_JSON=$("$AGS_BIN" net-log --json 2>&1)
check_eq "net-log: one line per attempt" 2 "$(grep -c '"decision"' <<<"$LOG_JSON")"
check_eq "net-log: both refused" 2 "$(grep -c '"decision":"refused"' <<<"$LOG_JSON")"
check_contains "net-log: the host and port" "\"host\":\"localhost\",\"port\":$P" "$LOG_JSON"
mapfile -t SESSIONS < <(find "$XDG_STATE_HOME/ags/network" -name '*.jsonl' -printf '%f\n' | sort)
ALLOWED_LOG=
for s in "${SESSIONS[@]}"; do
    t=$("$AGS_BIN" net-log --json "${s%.jsonl}")
    if grep -q '"method":"CONNECT","host":"localhost"' <<<"$t" && grep -q '"decision":"allowed"' <<<"$t"; then
        ALLOWED_LOG=$t
    fi
done
check_contains "net-log: the allowed CONNECT, its address" "\"address\":\"127.0.0.1\"" "$ALLOWED_LOG"
down=$(grep -o '"bytes_down":[0-9]*' <<<"$ALLOWED_LOG" | head -n1 | cut -d: -f2)
check_eq "net-log: the bytes that came down are counted" yes \
    "$([ "${down:-0}" -ge "$(wc -c <"$E2E_TMP/www/nonce")" ] && echo yes || echo "no (${down:-none})")"
check_contains "net-log: the text view" "refused" "$("$AGS_BIN" net-log 2>&1)"
run net-log ../../etc/passwd
check_eq "net-log: a bad session id is a usage error" 2 "$RUN_RC"

# ---- no audit log, no run: an allowlist sandbox never connects unrecorded
chmod 500 "$XDG_STATE_HOME/ags/network"
run --agent shell --network allowlist -- -c 'echo ran'
chmod 700 "$XDG_STATE_HOME/ags/network"
check_eq "no audit log: the run fails" 125 "$RUN_RC"
check_contains "no audit log: says why" "network audit log" "$RUN_ERR"
check_eq "no audit log: nothing ran" "" "$RUN_OUT"

# ---- none: no proxy, nothing leaves
config '[network]' 'mode = "none"'
run --agent shell -- -c "$LIB"'echo "HTTP_PROXY=${HTTP_PROXY-unset}"; HTTP_PROXY=http://127.0.0.1:3128 ask GET http://localhost/; direct 192.0.2.1 80'
check_eq "none: the run succeeds" 0 "$RUN_RC"
check_contains "none: no proxy variable" "HTTP_PROXY=unset" "$RUN_OUT"
check_contains "none: no forwarder" "NO-PROXY" "$RUN_OUT"
check_contains "none: no direct connection" "DIRECT:failed" "$RUN_OUT"

# ---- open (the default): unchanged, no proxy variables
config
run --agent shell -- -c 'echo "HTTP_PROXY=${HTTP_PROXY-unset} NODE_USE_ENV_PROXY=${NODE_USE_ENV_PROXY-unset}"'
check_eq "open: no proxy variables" "HTTP_PROXY=unset NODE_USE_ENV_PROXY=unset" "$RUN_OUT"

# ---- flags
run --agent shell --network allowlist --allow "localhost:$P" --allow "127.0.0.1:$P" -- -c "$LIB"'ask GET "http://localhost:'"$P"'/nonce"'
check_contains "--network allowlist --allow: the allowed name is reached" "$NONCE" "$RUN_OUT"
run --agent shell --network bogus -- -c true
check_eq "--network bogus: a usage error" 2 "$RUN_RC"
check_contains "--network bogus: names the flag" "--network" "$RUN_ERR"
run --agent shell --allow 'bad host!' -- -c true
check_eq "--allow with a bad entry: a usage error" 2 "$RUN_RC"

# ---- lockdown: allowlist by default, the host's loopback never
config '[network]' "allow = [\"localhost:$P\", \"127.0.0.1:$P\"]"
PLAN_TEXT=$("$AGS_BIN" plan --agent shell --lockdown 2>&1)
check_contains "lockdown: allowlist by default" "--lockdown" "$(grep -i allowlist <<<"$PLAN_TEXT")"
run --agent shell --lockdown --allow "127.0.0.1:$P" -- -c "$LIB"'
ask GET "http://localhost:'"$P"'/nonce"
ask CONNECT "127.0.0.1:'"$P"'" "$1"' _ "$GET_NONCE"
check_eq "lockdown: the run succeeds" 0 "$RUN_RC"
check_eq "lockdown: the host's loopback is refused even when listed" 2 "$(grep -c 'HTTP/1.1 403' <<<"$RUN_OUT")"
check_lacks "lockdown: nothing reached the server" "$NONCE" "$RUN_OUT"
run --agent shell --lockdown --network open -- -c 'echo ran'
check_eq "--network open --lockdown: refused" 2 "$RUN_RC"
check_contains "--network open --lockdown: says what allows it" "lockdown_may_open" "$RUN_ERR"
check_eq "--network open --lockdown: nothing ran" "" "$RUN_OUT"
config '[network]' 'lockdown_may_open = true'
run --agent shell --lockdown --network open -- -c 'echo "ran HTTP_PROXY=${HTTP_PROXY-unset}"'
check_eq "lockdown_may_open: --network open --lockdown runs open" "ran HTTP_PROXY=unset" "$RUN_OUT"

# ---- a repo overlay may narrow the list, never widen it
config '[network]' 'mode = "allowlist"' "allow = [\"localhost:$P\", \"127.0.0.1:$P\"]"
mkdir -p "$WORK/.ags"
trust() {
    printf '%s %s\n' "$(sha256sum <"$WORK/.ags/config.toml" | cut -c1-64)" "$WORK" \
        >"$XDG_CONFIG_HOME/ags/trusted-overlays"
}
printf '[network]\nallow = ["localhost:%s", "evil.example.test"]\n' "$P" >"$WORK/.ags/config.toml"
trust
run --agent shell -- -c 'echo ran'
check_eq "overlay widening: a config error" 2 "$RUN_RC"
check_contains "overlay widening: names the entry's line and column" "$WORK/.ags/config.toml:2:" "$RUN_ERR"
check_eq "overlay widening: nothing ran" "" "$RUN_OUT"
printf '[network]\nmode = "open"\n' >"$WORK/.ags/config.toml"
trust
run --agent shell -- -c 'echo ran'
check_eq "overlay opening the network: a config error" 2 "$RUN_RC"
check_contains "overlay opening the network: names the line" "$WORK/.ags/config.toml:2:" "$RUN_ERR"
printf '[network]\nmode = "none"\n' >"$WORK/.ags/config.toml"
trust
run --agent shell -- -c 'echo "HTTP_PROXY=${HTTP_PROXY-unset}"'
check_eq "overlay narrowing to none: applies" "HTTP_PROXY=unset" "$RUN_OUT"
rm -rf "$WORK/.ags"

check_eq "nothing of the egress proxies is left" 0 \
    "$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'ags-egress-*' | wc -l)"
check_eq "nothing is left behind" 0 "$(managed_containers)"

e2e_finish
