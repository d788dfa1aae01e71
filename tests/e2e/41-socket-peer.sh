#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Another local user impersonating Podman (issue 10, item 2).  A second user
# (nobody, 65534) serves fake Podman sockets in a world-writable directory
# and records every byte it receives; ags, run as the test user with a
# secret configured, must send it nothing:
#   - CONTAINER_HOST names the stranger's socket: refused, the error names the
#     socket and uid 65534;
#   - no XDG_RUNTIME_DIR, TMPDIR shared: the stranger planted
#     $TMPDIR/podman-run-UID/podman/podman.sock; Podman's own rule skips a
#     runtime dir that is not ours and ags looks in $HOME/rundir instead.
#
# Needs root (ctest as root, as CI runs e2e): only root can start a process
# of a second user.  Run by ctest as root ("outer"): it starts the stranger,
# then runs itself as the test user ("inner", through run-as-user.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${1:-}" != inner ]; then
    # shellcheck source=harness.sh
    . "$here/harness.sh"
    [ -n "${AGS_E2E_STATE:-}" ] || h_die "AGS_E2E_STATE is not set (ctest sets it)"
    # shellcheck disable=SC1090
    . "$AGS_E2E_STATE/env"
    h_identity || h_die "cannot resolve user $AGS_E2E_USER"
    [ "$E2E_MODE" = root ] ||
        h_die "needs root: the fake Podman must run as a second user (FAIL, not a skip)"
    shared=$(mktemp -d /tmp/ags-e2e-stranger.XXXXXX)
    chmod 1777 "$shared"
    cat >"$shared/stranger.py" <<'PY'
import os, socket, sys, threading
shared, uid = sys.argv[1], sys.argv[2]
log = open(os.path.join(shared, 'received'), 'ab', buffering=0)
reply = b'HTTP/1.1 200 OK\r\nLibpod-Api-Version: 4.3.1\r\nContent-Length: 2\r\n\r\nOK'
def listen(path):
    os.makedirs(os.path.dirname(path), mode=0o777, exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    os.chmod(path, 0o777)
    s.listen(16)
    return s
def serve(s):
    while True:
        c, _ = s.accept()
        while True:
            b = c.recv(65536)
            if not b:
                break
            log.write(b)
            c.sendall(reply)
        c.close()
os.umask(0)
socks = [listen(os.path.join(shared, 'evil.sock')),
         listen(os.path.join(shared, 'podman-run-' + uid, 'podman', 'podman.sock'))]
open(os.path.join(shared, 'ready'), 'w').close()
for s in socks[1:]:
    threading.Thread(target=serve, args=(s,), daemon=True).start()
serve(socks[0])
PY
    setpriv --reuid=65534 --regid=65534 --clear-groups -- \
        "$H_PY" "$shared/stranger.py" "$shared" "$E2E_UID" &
    stranger=$!
    cleanup() {
        kill "$stranger" 2>/dev/null || true
        wait "$stranger" 2>/dev/null || true
        rm -rf "$shared"
    }
    trap cleanup EXIT
    for _ in $(seq 100); do [ -e "$shared/ready" ] && break; sleep 0.1; done
    [ -e "$shared/ready" ] || h_die "the fake Podman of uid 65534 did not start"
    rc=0
    bash "$here/run-as-user.sh" "$here/41-socket-peer.sh" inner "$shared" || rc=$?
    exit "$rc"
fi

# ---------------------------------------------------------------- inner
shared=$2
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"

C_SECRET=ags-canary-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"

[[secret]]
env = "CANARY"
from_env = "CANARY_SRC"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"

received() { wc -c <"$shared/received" | tr -d ' '; }
check_eq "the stranger is uid 65534 and serving" "65534" "$(stat -c %u "$shared/evil.sock")"

# ---- CONTAINER_HOST names another user's socket
RC=0
CONTAINER_HOST=unix://$shared/evil.sock CANARY_SRC=$C_SECRET \
    "$AGS_BIN" --agent shell -- -c true </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RC=$?
ERR=$(cat "$E2E_TMP/err")
check_eq "CONTAINER_HOST at another user's socket: ags fails" 1 "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
check_contains "the error names the socket and the stranger's uid" \
    "refusing to talk to the Podman socket $shared/evil.sock: it is served by uid 65534" "$ERR"
check_eq "the stranger received nothing (no _ping, no secret)" 0 "$(received)"

# ---- the fallback runtime dir was planted by another user
RC=0
env -u XDG_RUNTIME_DIR -u CONTAINER_HOST TMPDIR="$shared" PATH=/nonexistent \
    CANARY_SRC="$C_SECRET" "$AGS_BIN" --agent shell -- -c true \
    </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RC=$?
ERR=$(cat "$E2E_TMP/err")
check_eq "a planted \$TMPDIR/podman-run-UID: ags fails (nothing else to talk to)" 1 \
    "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
check_contains "ags looked in \$HOME/rundir, Podman's fallback, instead" \
    "$HOME/rundir/podman/podman.sock" "$ERR"
check_eq "the stranger still received nothing" 0 "$(received)"
check_eq "no canary in anything the stranger has" "" \
    "$(grep -lF "$C_SECRET" "$shared/received" 2>/dev/null || true)"

e2e_finish
