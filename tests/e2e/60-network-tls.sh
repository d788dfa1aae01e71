#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# Network policy with the real sandbox image (issue 18): a TLS server on the
# host's 127.0.0.1 with a certificate for "localhost" from a test CA that
# only the sandbox's tools are told to trust.  In allowlist mode curl
# (HTTPS_PROXY) and node (fetch, NODE_USE_ENV_PROXY) reach it through the
# egress proxy's CONNECT with the certificate checked inside the sandbox (the
# proxy never sees the plaintext); a name off the list fails at once with
# the proxy's 403; a DNS lookup inside fails at once.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3 openssl
SANDBOX_IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
api GET "/images/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SANDBOX_IMAGE")/exists"
[ "$API_STATUS" = 204 ] ||
    e2e_abort "the sandbox image $SANDBOX_IMAGE is not in $USER's storage (e2e/update-image builds it)"

WORK=$AGS_E2E_SCRATCH/tls-repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config XDG_STATE_HOME=$AGS_E2E_SCRATCH/state
e2e_own_runtime_dir # this test's own (others run ags at the same time)
rm -rf "$WORK"
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags"
cd "$WORK" || e2e_abort "cannot enter $WORK"

# ---- a test CA and a certificate for localhost (the workspace carries the CA in)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=ags e2e test CA" -keyout "$E2E_TMP/ca.key" -out "$WORK/ca.pem" 2>/dev/null ||
    e2e_abort "openssl could not make the test CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$E2E_TMP/srv.key" -out "$E2E_TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >"$E2E_TMP/ext"
openssl x509 -req -in "$E2E_TMP/srv.csr" -CA "$WORK/ca.pem" -CAkey "$E2E_TMP/ca.key" \
    -CAcreateserial -days 2 -extfile "$E2E_TMP/ext" -out "$E2E_TMP/srv.pem" 2>/dev/null ||
    e2e_abort "openssl could not sign the server certificate"

NONCE=tls-nonce-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$E2E_TMP/www"
printf '%s\n' "$NONCE" >"$E2E_TMP/www/nonce"
python3 - "$E2E_TMP/www" "$E2E_TMP/port" "$E2E_TMP/srv.pem" "$E2E_TMP/srv.key" <<'EOF' >/dev/null 2>&1 &
import functools, http.server, os, ssl, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
EOF
e2e_defer "kill $!"
for _ in $(seq 50); do [ -s "$E2E_TMP/port" ] && break; sleep 0.1; done
P=$(cat "$E2E_TMP/port" 2>/dev/null)
[ -n "$P" ] || e2e_abort "the TLS server did not start"
check_eq "the host's TLS server answers with the test CA" "$NONCE" \
    "$(curl -sS --noproxy '*' --cacert "$WORK/ca.pem" "https://localhost:$P/nonce")"

printf '[sandbox]\nimage = "%s"\n[network]\nmode = "allowlist"\nallow = ["localhost:%s", "127.0.0.1:%s"]\n' \
    "$SANDBOX_IMAGE" "$P" "$P" >"$XDG_CONFIG_HOME/ags/config.toml"

# The server's name is localhost, the one name every host resolves to its
# loopback without an /etc/hosts entry; NO_PROXY keeps localhost direct in a
# sandbox (its own loopback), so the fetches that must go through the proxy
# run without it.
run --agent shell -- -c '
unset NO_PROXY no_proxy
curl -sS --max-time 20 --cacert ./ca.pem "https://localhost:'"$P"'/nonce" 2>&1 | sed "s/^/CURL:/"
curl -sS --max-time 20 --cacert ./ca.pem --resolve "localhost:'"$P"':127.0.0.1" --noproxy "*" -o /dev/null "https://localhost:'"$P"'/nonce" 2>&1 | sed "s/^/DIRECT:/"
t0=$EPOCHREALTIME
curl -sS --max-time 20 https://blocked.example.test/ 2>&1 | sed "s/^/BLOCKED:/"
t1=$EPOCHREALTIME; echo "BLOCKED_MS:$(( (${t1/./} - ${t0/./}) / 1000 ))"
t0=$EPOCHREALTIME
getent hosts example.com >/dev/null 2>&1 && echo DNS:answered || echo DNS:failed
t1=$EPOCHREALTIME; echo "DNS_MS:$(( (${t1/./} - ${t0/./}) / 1000 ))"
NODE_EXTRA_CA_CERTS=./ca.pem node -e "fetch(\"https://localhost:'"$P"'/nonce\").then(r => r.text()).then(t => console.log(\"NODE:\" + t.trim()), e => console.log(\"NODE-ERR:\" + (e.cause || e)))"
NODE_EXTRA_CA_CERTS=./ca.pem node -e "fetch(\"https://blocked.example.test/\").then(r => console.log(\"NODE-BLOCKED:\" + r.status), e => console.log(\"NODE-BLOCKED-ERR:\" + (e.cause || e)))"
'
check_eq "tls: the run succeeds" 0 "$RUN_RC"
check_contains "tls: curl reaches the allowed name through CONNECT, certificate checked inside" \
    "CURL:$NONCE" "$RUN_OUT"
check_contains "tls: without the proxy curl cannot connect" "DIRECT:curl: (7)" "$RUN_OUT"
check_contains "tls: a name off the list gets the proxy's 403" "BLOCKED:curl: (56) CONNECT tunnel failed, response 403" "$RUN_OUT"
ms=$(grep -o 'BLOCKED_MS:[0-9]*' <<<"$RUN_OUT" | cut -d: -f2)
check_eq "tls: the refusal comes at once" fast "$([ -n "$ms" ] && [ "$ms" -lt 3000 ] && echo fast || echo "slow (${ms:-?} ms)")"
check_contains "tls: a DNS lookup inside fails" "DNS:failed" "$RUN_OUT"
ms=$(grep -o 'DNS_MS:[0-9]*' <<<"$RUN_OUT" | cut -d: -f2)
check_eq "tls: the DNS lookup fails at once" fast "$([ -n "$ms" ] && [ "$ms" -lt 3000 ] && echo fast || echo "slow (${ms:-?} ms)")"
check_contains "tls: node's fetch goes through the proxy (NODE_USE_ENV_PROXY)" "NODE:$NONCE" "$RUN_OUT"
check_lacks "tls: node's fetch of a name off the list gets nothing" "NODE-BLOCKED:200" "$RUN_OUT"
check_contains "tls: the log has the allowed connections" '"decision":"allowed"' "$("$AGS_BIN" net-log --json)"

e2e_finish
