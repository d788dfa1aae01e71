#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# The auth proxy (issue 16) with the real sandbox image: inside, a small
# HTTP server listens on 127.0.0.1:PORT and the agent calls $BROWSER with an
# authorize URL whose redirect_uri is http://localhost:PORT/cb; on the host a
# fake xdg-open on the test's PATH records the URL and acts as the browser
# (curl to http://127.0.0.1:PORT/cb?... on the host).  The in-sandbox server
# gets exactly that request and its answer reaches the fake browser byte for
# byte.  Variants: an auto-allowed domain (a page opens without asking, a
# login is asked all the same); `ags approve ID` from a second
# process; the desktop notification answering Open (a test notification
# server on a private session bus); `ags deny` (the agent sees the refusal,
# nothing is bound on the host, nothing opened); a POST callback with a body;
# a headless host completed with `ags approve` and `ags auth-callback`; file:,
# javascript: and a port below 1024 refused; a flood of requests (one waits, the rest are
# refused) ending in the approval timeout; lockdown has no socket, no
# BROWSER and no opener.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3 curl dbus-run-session
NOTIFY_SERVER=$(dirname "$AGS_BIN")/notify-server.py
[ -f "$NOTIFY_SERVER" ] || e2e_abort "notify-server.py missing beside ags (AGS_E2E_EXTRA_BINS)"
SYS_PY=/usr/bin/python3 # python3-dbus and python3-gi are Debian's, not a pyenv's
SANDBOX_IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
api GET "/images/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SANDBOX_IMAGE")/exists"
[ "$API_STATUS" = 204 ] ||
    e2e_abort "the sandbox image $SANDBOX_IMAGE is not in $USER's storage (e2e/update-image builds it)"

WORK=$AGS_E2E_SCRATCH/auth-repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config XDG_STATE_HOME=$AGS_E2E_SCRATCH/state
# A runtime directory of this test's own: other e2e tests run ags at the same
# time as the same user, and "nothing is left" below counts what is in it.
e2e_own_runtime_dir
rm -rf "$WORK"
mkdir -p "$WORK" "$XDG_CONFIG_HOME/ags" "$E2E_TMP/bin"
chmod 700 "$E2E_TMP/bin"
git -C "$WORK" init -q
cd "$WORK" || e2e_abort "cannot enter $WORK"
NONCE=nonce-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && echo yes || echo no; }

# ---- the fake browser: records the URL, then calls the redirect back like a browser
cat >"$E2E_TMP/bin/xdg-open" <<EOF
#!/bin/bash
printf '%s\n' "\$1" >>"$E2E_TMP/opened"
port=\$(python3 -c 'import sys, urllib.parse as u
q = u.parse_qs(u.urlsplit(sys.argv[1]).query)
print(u.urlsplit(q["redirect_uri"][0]).port if "redirect_uri" in q else "")' "\$1")
[ -n "\$port" ] || exit 0
data=()
[ -f "$E2E_TMP/post-body" ] && data=(--data-binary "@$E2E_TMP/post-body")
curl -s -m 30 -D "$E2E_TMP/browser.head" -o "$E2E_TMP/browser.body" "\${data[@]}" \
    "http://127.0.0.1:\$port/cb?code=abc-$NONCE&state=xyz"
echo "\$?" >"$E2E_TMP/browser.rc"
EOF
chmod 755 "$E2E_TMP/bin/xdg-open"
export PATH="$E2E_TMP/bin:$PATH"

config() {
    cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$SANDBOX_IMAGE"

[auth_proxy]
$1
TOML
}

# The sandbox's side: a login server on 127.0.0.1:$1 that records what it
# gets and answers with a body of its own, then $BROWSER with an authorize
# URL whose redirect is that server (host $2); waits for one callback.
cat >"$WORK/login-server.py" <<'EOF'
import http.server, sys
port, nonce = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.answer(b"")
    def do_POST(self):
        self.answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
    def answer(self, body):
        with open("seen.txt", "ab") as f:
            f.write(self.command.encode() + b" " + self.path.encode() + b" " + body + b"\n")
        out = ("login done " + nonce + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Login", "ok")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
login() { # PORT HOST [WAIT_S]
    local q="client_id=agent&redirect_uri=http%3A%2F%2Flocalhost%3A$1%2Fcb&state=xyz"
    printf '%s' '
rm -f seen.txt
python3 login-server.py '"$1 $NONCE"' & srv=$!
for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/'"$1"') 2>/dev/null && break; sleep 0.1; done
echo "BROWSER:$BROWSER"
"$BROWSER" "https://'"$2"'/authorize?'"$q"'"; echo "OPEN_RC:$?"
for i in $(seq '"$((${3:-30} * 10))"'); do [ -s seen.txt ] && break; sleep 0.1; done
sleep 0.5
echo "SEEN:$(cat seen.txt 2>/dev/null)"
kill $srv'
}
reset_browser() {
    rm -f "$E2E_TMP/opened" "$E2E_TMP/browser."* "$E2E_TMP/post-body" "$E2E_TMP/approver."*
}
expect_relayed() { # WHAT PORT CODE
    check_contains "$1: the agent's opener succeeds" "OPEN_RC:0" "$RUN_OUT"
    check_contains "$1: the login server got exactly the callback" \
        "SEEN:GET /cb?code=$3&state=xyz " "$RUN_OUT"
}
expect_browser_got_the_answer() { # WHAT
    check_eq "$1: the browser's request succeeded" 0 "$(cat "$E2E_TMP/browser.rc" 2>/dev/null)"
    check_eq "$1: the answer's body reached the browser byte for byte" "login done $NONCE" \
        "$(cat "$E2E_TMP/browser.body" 2>/dev/null)"
    check_contains "$1: with the server's headers" "X-Login: ok" \
        "$(cat "$E2E_TMP/browser.head" 2>/dev/null)"
}

approver() { # approve|deny: answers the first request `ags approve` lists
    local id
    for _ in $(seq 300); do
        id=$("$AGS_BIN" approve 2>/dev/null | awk '/asks to open a page/ { print $1; exit }')
        if [ -n "$id" ]; then
            "$AGS_BIN" "$1" "$id" >"$E2E_TMP/approver.out" 2>&1
            echo "$?" >"$E2E_TMP/approver.rc"
            return
        fi
        sleep 0.1
    done
}
# login_answered approve|deny PORT HOST [WAIT_S]: the login in the sandbox while
# a second process answers its question with `ags approve|deny ID`.
login_answered() {
    approver "$1" &
    local pid=$!
    run --agent shell -- -c "$(login "$2" "$3" "${4:-30}")"
    wait "$pid" || true
}
# ---- auto_allow_domains: a page opens without asking; a login whose callback
# would be relayed into the sandbox is asked about all the same
export DISPLAY=:e2e # a display for xdg-open to use (the fake one needs none)
config 'auto_allow_domains = ["auth.example.test"]'
reset_browser
run --agent shell -- -c '"$BROWSER" "https://docs.auth.example.test/page?x=1"; echo "OPEN_RC:$?"'
check_contains "auto-allowed page: the opener succeeds" "OPEN_RC:0" "$RUN_OUT"
check_eq "auto-allowed page: the host opened it without asking" \
    "https://docs.auth.example.test/page?x=1" "$(cat "$E2E_TMP/opened" 2>/dev/null)"
check_lacks "auto-allowed page: no question" "ags approve" "$RUN_ERR"
PORT=$(free_port)
reset_browser
login_answered approve "$PORT" login.auth.example.test
check_eq "auto-allowed login: the run succeeds" 0 "$RUN_RC"
check_eq "auto-allowed login: it was asked all the same" 0 \
    "$(cat "$E2E_TMP/approver.rc" 2>/dev/null)"
check_contains "auto-allowed login: BROWSER is ags's opener" "BROWSER:/opt/ags/bin/xdg-open" \
    "$RUN_OUT"
check_match "auto-allowed login: the host opened the URL" \
    "^https://login\\.auth\\.example\\.test/authorize\\?client_id=agent&redirect_uri=http%3A%2F%2Flocalhost%3A$PORT" \
    "$(cat "$E2E_TMP/opened" 2>/dev/null)"
expect_relayed "auto-allowed login" "$PORT" "abc-$NONCE"
expect_browser_got_the_answer "auto-allowed login"
check_eq "auto-allowed login: the relay port is closed after the run" no "$(listening "$PORT")"

# ---- asked: `ags approve ID` from a second process
config ''
PORT=$(free_port)
reset_browser
login_answered approve "$PORT" auth.other.test
check_eq "ags approve: it answered" 0 "$(cat "$E2E_TMP/approver.rc" 2>/dev/null)"
check_contains "ags approve: it says so" "approved request" "$(cat "$E2E_TMP/approver.out")"
check_contains "ags approve: the run said a request waits" "run \`ags approve\`" "$RUN_ERR"
expect_relayed "ags approve" "$PORT" "abc-$NONCE"
expect_browser_got_the_answer "ags approve"

# ---- a POST callback with a body, approved the same way
PORT=$(free_port)
reset_browser
printf 'posted=%s&x=1' "$NONCE" >"$E2E_TMP/post-body"
login_answered approve "$PORT" auth.other.test
check_contains "POST: the login server got the body" \
    "SEEN:POST /cb?code=abc-$NONCE&state=xyz posted=$NONCE&x=1" "$RUN_OUT"
expect_browser_got_the_answer "POST"

# ---- the desktop: a notification server on a private bus answers Open
PORT=$(free_port)
reset_browser
NOTE=$E2E_TMP/notify
mkdir -p "$NOTE"
echo '* allow' >"$NOTE/answers"
RUN_RC=0
dbus-run-session -- bash -c '
"'"$SYS_PY"'" "'"$NOTIFY_SERVER"'" "'"$NOTE"'" & srv=$!
for i in $(seq 100); do [ -e "'"$NOTE"'/ready" ] && break; sleep 0.05; done
"$0" --agent shell -- -c "$1" </dev/null >"'"$E2E_TMP"'/out" 2>"'"$E2E_TMP"'/err"; rc=$?
kill $srv; exit $rc' "$AGS_BIN" "$(login "$PORT" desktop.example.test)" || RUN_RC=$?
RUN_OUT=$(cat "$E2E_TMP/out")
check_eq "notification: the run succeeds" 0 "$RUN_RC"
check_contains "notification: the question names the host" "desktop.example.test" \
    "$(cat "$NOTE/record.jsonl" 2>/dev/null)"
check_contains "notification: with Open and Deny" '"Open", "deny", "Deny"' \
    "$(cat "$NOTE/record.jsonl" 2>/dev/null)"
expect_relayed "notification" "$PORT" "abc-$NONCE"
expect_browser_got_the_answer "notification"

# ---- denied: the agent sees it, nothing is opened, nothing bound on the host
PORT=$(free_port)
reset_browser
login_answered deny "$PORT" denied.example.test 2
check_eq "ags deny: it answered" 0 "$(cat "$E2E_TMP/approver.rc" 2>/dev/null)"
check_lacks "ags deny: the opener fails" "OPEN_RC:0" "$RUN_OUT"
check_contains "ags deny: the agent is told" "denied" "$RUN_OUT$RUN_ERR"
check_eq "ags deny: nothing opened on the host" no "$([ -e "$E2E_TMP/opened" ] && echo yes || echo no)"
check_eq "ags deny: the callback port was never bound" no "$(listening "$PORT")"

# ---- refused without asking: other schemes, a privileged callback port
run --agent shell -- -c '
"$BROWSER" "file:///etc/passwd"; echo "FILE_RC:$?"
"$BROWSER" "javascript:alert(1)"; echo "JS_RC:$?"
"$BROWSER" "https://auth.example.test/a?redirect_uri=http%3A%2F%2Flocalhost%3A80%2Fcb"; echo "LOW_RC:$?"'
for what in FILE JS LOW; do check_lacks "refused: $what" "${what}_RC:0" "$RUN_OUT"; done
check_match "refused: file: is named" "file" "$RUN_OUT$RUN_ERR"
check_match "refused: the port below 1024 is named" "below 1024" "$RUN_OUT$RUN_ERR"
check_eq "refused: nothing opened" no "$([ -e "$E2E_TMP/opened" ] && echo yes || echo no)"

# ---- headless: no display, no browser_command, no notification: `ags approve`
# from a second terminal, then `ags auth-callback` with the address the login
# ended on (on another device)
unset DISPLAY
config ''
PORT=$(free_port)
reset_browser
paster() {
    approver approve
    for _ in $(seq 300); do
        if "$AGS_BIN" approve 2>/dev/null | grep -q "callback on port $PORT"; then
            "$AGS_BIN" auth-callback "http://localhost:$PORT/cb?code=pasted-$NONCE&state=xyz#frag" \
                >"$E2E_TMP/paster.out" 2>&1
            echo "$?" >"$E2E_TMP/paster.rc"
            return
        fi
        sleep 0.1
    done
}
paster &
PASTER=$!
run --agent shell -- -c "$(login "$PORT" login.auth.example.test)"
wait "$PASTER" || true
check_eq "headless: ags approve answered" 0 "$(cat "$E2E_TMP/approver.rc" 2>/dev/null)"
check_contains "headless: the user is told to open the URL elsewhere" "ags auth-callback" "$RUN_ERR"
check_eq "headless: nothing opened on the host" no "$([ -e "$E2E_TMP/opened" ] && echo yes || echo no)"
check_eq "headless: ags auth-callback succeeds" 0 "$(cat "$E2E_TMP/paster.rc" 2>/dev/null)"
check_contains "headless: it reports the sandbox's answer" "answered 200" \
    "$(cat "$E2E_TMP/paster.out" 2>/dev/null)"
expect_relayed "headless" "$PORT" "pasted-$NONCE"
RC=0
"$AGS_BIN" auth-callback "http://localhost:$PORT/cb" >/dev/null 2>"$E2E_TMP/err" || RC=$?
check_eq "auth-callback for a port no session relays fails" 1 "$RC"
check_contains "and says so" "no ags session waits" "$(cat "$E2E_TMP/err")"
RC=0
"$AGS_BIN" auth-callback "https://example.test/cb" >/dev/null 2>&1 || RC=$?
check_eq "auth-callback of an address that is no loopback callback is a usage error" 2 "$RC"

# ---- a flood: one request waits, the others are refused; unanswered, it times out
config 'approval_timeout = 10'
run --agent shell -- -c '
for i in $(seq 30); do "$BROWSER" "https://flood.example.test/$i" >/tmp/o.$i 2>&1 & done
wait
cat /tmp/o.* | grep -c "another request" | sed "s/^/REFUSED_BUSY:/"
cat /tmp/o.* | grep -ci "timed out" | sed "s/^/TIMED_OUT:/"'
check_eq "flood: the run succeeds" 0 "$RUN_RC"
check_contains "flood: 29 of 30 are refused while one waits" "REFUSED_BUSY:29" "$RUN_OUT"
check_contains "flood: the one that waited timed out" "TIMED_OUT:1" "$RUN_OUT"
check_eq "flood: nothing opened" no "$([ -e "$E2E_TMP/opened" ] && echo yes || echo no)"

# ---- lockdown: no socket, no BROWSER, no opener
run --lockdown --agent shell -- -c 'echo "BROWSER:${BROWSER-unset}"; ls /opt/ags/bin/xdg-open /run/ags-auth-proxy 2>&1 | head -2'
check_contains "lockdown: no BROWSER" "BROWSER:unset" "$RUN_OUT"
check_contains "lockdown: no opener" "'/opt/ags/bin/xdg-open': No such file" "$RUN_OUT"
check_contains "lockdown: no proxy socket" "'/run/ags-auth-proxy': No such file" "$RUN_OUT"
check_eq "nothing of the proxies is left" 0 \
    "$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'ags-proxy-*' | wc -l)"
check_eq "nothing is left behind" 0 "$(managed_containers_of shell "$SANDBOX_IMAGE")"

e2e_finish
