#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Another local user impersonating Podman (issue 10, item 2).  A second user
# (nobody, 65534) serves fake Podman sockets in a world-writable directory
# and records every byte it receives; ags, run as the test user with a
# secret configured, must send it nothing:
#   - CONTAINER_HOST names the stranger's socket: refused, the error names the
#     socket and uid 65534;
#   - CONTAINER_HOST names a loopback port the stranger listens on: refused
#     (the owner of the listener, from /proc/net/tcp);
#   - no XDG_RUNTIME_DIR, TMPDIR shared: the stranger planted
#     $TMPDIR/podman-run-UID/podman/podman.sock; Podman's own rule skips a
#     runtime dir that is not ours and ags looks in $HOME/rundir instead.
# And the sweep (item 13) removes only what it can prove dead: containers
# and secrets whose ags.owner is a live process in another PID namespace
# (made with unshare) are kept; a dead owner of this namespace, or a live pid
# with another start time (reused), is swept.
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
tcp = socket.socket(socket.AF_INET)
tcp.bind(('127.0.0.1', 0))
tcp.listen(16)
socks.append(tcp)
with open(os.path.join(shared, 'tcp-port'), 'w') as f:
    f.write('%d\n' % tcp.getsockname()[1])
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

if podman_only "a second user's fake Podman socket and port refused by name (bwrap talks to no Podman: below)"; then
    # ---- CONTAINER_HOST names another user's socket
    RC=0
    CONTAINER_HOST=unix://$shared/evil.sock CANARY_SRC=$C_SECRET \
        "$AGS_BIN" --agent shell -- -c true </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RC=$?
    ERR=$(cat "$E2E_TMP/err")
    check_eq "CONTAINER_HOST at another user's socket: ags fails" 1 "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
    check_contains "the error names the socket and the stranger's uid" \
        "refusing to talk to the Podman socket $shared/evil.sock: it is served by uid 65534" "$ERR"
    check_eq "the stranger received nothing (no _ping, no secret)" 0 "$(received)"

    # ---- CONTAINER_HOST names a loopback port another user serves (any local
    # user can listen there while the user's Podman does not)
    read -r TCP_PORT <"$shared/tcp-port"
    RC=0
    CONTAINER_HOST=tcp://127.0.0.1:$TCP_PORT CANARY_SRC=$C_SECRET \
        "$AGS_BIN" --agent shell -- -c true </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RC=$?
    ERR=$(cat "$E2E_TMP/err")
    check_eq "CONTAINER_HOST at another user's loopback port: ags fails" 1 \
        "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
    check_contains "the error names the port and the stranger's uid" \
        "refusing to talk to Podman at tcp://127.0.0.1:$TCP_PORT: port $TCP_PORT is served by uid 65534" \
        "$ERR"
    check_eq "the stranger on the port received nothing" 0 "$(received)"

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

else
    # ---- bwrap: ags talks to no Podman at all, whatever CONTAINER_HOST says:
    # the stranger gets nothing and the run goes on without it
    read -r TCP_PORT <"$shared/tcp-port"
    for HOST in "unix://$shared/evil.sock" "tcp://127.0.0.1:$TCP_PORT"; do
        RC=0
        CONTAINER_HOST=$HOST CANARY_SRC=$C_SECRET "$AGS_BIN" --agent shell -- -c 'echo ran' \
            </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RC=$?
        check_eq "bwrap, CONTAINER_HOST=$HOST (another user's): the run exits 0" 0 "$RC"
        check_eq "bwrap, CONTAINER_HOST=$HOST: the agent ran" ran "$(cat "$E2E_TMP/out")"
    done
    check_eq "bwrap: the stranger received nothing" 0 "$(received)"
fi

# ---- the sweep: only proven-dead owners
boot=$(tr -d '-' </proc/sys/kernel/random/boot_id)
machine=$(cat /etc/machine-id 2>/dev/null || echo -)
ourns=$(stat -L -c %i /proc/self/ns/pid)
ident() { printf '1:%s:%s:%s:%s:%s' "$machine" "$boot" "$1" "$2" "$3"; } # NS PID START
# A process of this namespace that has exited (reaped): its pid and start time.
read -r DEAD_PID DEAD_START < <(bash -c 'read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ st _ </proc/self/stat; echo "$$ $st"')
# A live process in its own PID namespace (Flatpak, toolbox), as the test user.
OTHER=$E2E_TMP/other-ns
# unshare ignores SIGTERM while it waits: SIGKILL, and --kill-child takes
# the namespace's init (which ignores signals from outside) with it.
unshare --user --map-root-user --pid --fork --kill-child --mount --mount-proc sh -c \
    "echo \$(stat -L -c %i /proc/self/ns/pid) \$(cut -d' ' -f22 /proc/self/stat) >'$OTHER.tmp'; mv '$OTHER.tmp' '$OTHER'; exec sleep 300" \
    </dev/null >/dev/null 2>&1 &
OTHER_PID=$!
e2e_defer "kill -KILL $OTHER_PID"
for _ in $(seq 100); do [ -s "$OTHER" ] && break; sleep 0.1; done
read -r OTHER_NS OTHER_START <"$OTHER" || e2e_abort "unshare --pid did not start a process"
check_eq "the other process lives in another PID namespace" 1 \
    "$([ "$OTHER_NS" != "$ourns" ] && echo 1 || echo 0)"
OWN_START=$(cut -d' ' -f22 /proc/$$/stat)
if podman_only "the sweep of Podman containers and secrets by owner (bwrap: per-run directories, below)"; then
    # labels PID OWNER: ags.managed, ags.pid=PID (what an older ags decided by)
    # and, unless OWNER is empty, ags.owner=OWNER; as JSON.
    # labels PID OWNER [SESSION]: ... and ags.session=SESSION when given.
    labels() {
        python3 -c 'import json, sys
l = {"ags.managed": "true", "ags.pid": sys.argv[1]}
if sys.argv[2]:
    l["ags.owner"] = sys.argv[2]
if len(sys.argv) > 3:
    l["ags.session"] = sys.argv[3]
print(json.dumps(l))' "$@"
    }
    owned() { # DESC PID OWNER [SESSION [COMMAND]]: a managed container; sets CTR_ID
        ctr_create "{\"image\":\"$AGS_E2E_IMAGE\",\"command\":[\"${5:-true}\"${5:+,\"300\"}],\"labels\":$(labels "$2" "$3" ${4:+"$4"})}"
        check_status "created the container of $1" 201
    }
    owned_secret() { # NAME OWNER [SESSION] (the pid in the name is the dead one)
        local q
        q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
            "$(labels "$DEAD_PID" "$2" ${3:+"$3"})")
        api POST "secrets/create?name=$1&driver=file&labels=$q" \
            -H 'Content-Type: application/octet-stream' --data-binary x
        check_status "created secret $1" 200
        e2e_defer "api DELETE secrets/$1"
    }

    # Its pid means nothing here: as ags.pid, a number that has no process here.
    owned "a live owner in another PID namespace" "$DEAD_PID" "$(ident "$OTHER_NS" 1 "$OTHER_START")"
    C_OTHER=$CTR_ID
    owned "a dead owner of this namespace" "$DEAD_PID" "$(ident "$ourns" "$DEAD_PID" "$DEAD_START")"
    C_DEAD=$CTR_ID
    owned "a reused pid (this shell, another start time)" $$ "$(ident "$ourns" $$ $((OWN_START + 1)))"
    C_REUSED=$CTR_ID
    owned "this shell itself (alive)" $$ "$(ident "$ourns" $$ "$OWN_START")"
    C_LIVE=$CTR_ID
    owned "an older ags (ags.pid only)" "$DEAD_PID" ""
    C_LEGACY=$CTR_ID
    tag=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
    S_OTHER=ags-$DEAD_PID-e2e$tag-0
    S_DEAD=ags-$DEAD_PID-e2e$tag-1
    owned_secret "$S_OTHER" "$(ident "$OTHER_NS" 1 "$OTHER_START")"
    owned_secret "$S_DEAD" "$(ident "$ourns" "$DEAD_PID" "$DEAD_START")"
    # Same machine id, another boot id: a rebooted machine, or a cloned VM or an
    # nspawn container sharing this engine.  Proof enough only for what no longer
    # runs; a running container and the secret of its session are kept.
    other_boot=$(ident "$ourns" "$DEAD_PID" "$DEAD_START" | sed "s/$boot/00000000000000000000000000000001/")
    owned "another boot, running" "$DEAD_PID" "$other_boot" "e2e$tag-run" sleep
    C_BOOT_RUNNING=$CTR_ID
    e2e_defer "api DELETE 'containers/$C_BOOT_RUNNING?force=true'"
    api POST "containers/$C_BOOT_RUNNING/start"
    check_status "started the container of another boot" 204
    owned "another boot, not running" "$DEAD_PID" "$other_boot" "e2e$tag-old"
    C_BOOT_OLD=$CTR_ID
    S_BOOT_RUNNING=ags-$DEAD_PID-e2e$tag-2
    S_BOOT_OLD=ags-$DEAD_PID-e2e$tag-3
    owned_secret "$S_BOOT_RUNNING" "$other_boot" "e2e$tag-run"
    owned_secret "$S_BOOT_OLD" "$other_boot" "e2e$tag-old"

    RC=0
    CANARY_SRC=$C_SECRET "$AGS_BIN" --agent shell -- -c true </dev/null >"$E2E_TMP/out" \
        2>"$E2E_TMP/err" || RC=$?
    check_eq "a run (which sweeps first) succeeds" 0 "$RC"
    exists() { api GET "$1/json"; [ "$API_STATUS" = 200 ] && echo kept || echo "gone ($API_STATUS)"; }
    check_eq "kept: the container of a live owner in another PID namespace" kept \
        "$(exists "containers/$C_OTHER")"
    check_eq "swept: the container of a dead owner" "gone (404)" "$(exists "containers/$C_DEAD")"
    check_eq "swept: the container of a reused pid" "gone (404)" "$(exists "containers/$C_REUSED")"
    check_eq "kept: the container of a live owner" kept "$(exists "containers/$C_LIVE")"
    check_eq "kept: a container with only an old ags.pid label (nothing proven)" kept \
        "$(exists "containers/$C_LEGACY")"
    check_eq "kept: the secret of a live owner in another PID namespace" kept \
        "$(exists "secrets/$S_OTHER")"
    check_eq "swept: the secret of a dead owner" "gone (404)" "$(exists "secrets/$S_DEAD")"
    check_eq "kept: a running container of another boot id" kept \
        "$(exists "containers/$C_BOOT_RUNNING")"
    check_eq "kept: the secret of that running container's session" kept \
        "$(exists "secrets/$S_BOOT_RUNNING")"
    check_eq "swept: a stopped container of another boot id (rebooted)" "gone (404)" \
        "$(exists "containers/$C_BOOT_OLD")"
    check_eq "swept: the secret of another boot id, no running session" "gone (404)" \
        "$(exists "secrets/$S_BOOT_OLD")"

else
    # ---- bwrap: the per-run directories <store>/runs/ags-bwrap-<name>/ of runs
    # whose owner file (the same text as the label ags.owner) proves them dead
    # are swept; a live owner's (here or in another PID namespace), and one
    # without an owner file, stay
    tag=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
    rundir() { # SUFFIX [OWNER]: plants a per-run directory; sets RUNDIR
        RUNDIR=$E2E_BWRAP_DATA/runs/ags-bwrap-ags-e2e$tag-$1
        [ -d "$E2E_BWRAP_DATA/runs" ] || mkdir -m 0700 "$E2E_BWRAP_DATA/runs"
        mkdir -m 0700 "$RUNDIR"
        [ $# -lt 2 ] || printf '%s' "$2" >"$RUNDIR/owner"
        e2e_defer "bwrap_rm_tree '$RUNDIR'"
    }
    rundir other "$(ident "$OTHER_NS" 1 "$OTHER_START")"
    D_OTHER=$RUNDIR
    rundir dead "$(ident "$ourns" "$DEAD_PID" "$DEAD_START")"
    D_DEAD=$RUNDIR
    rundir reused "$(ident "$ourns" $$ $((OWN_START + 1)))"
    D_REUSED=$RUNDIR
    rundir live "$(ident "$ourns" $$ "$OWN_START")"
    D_LIVE=$RUNDIR
    rundir no-owner
    D_NONE=$RUNDIR
    RC=0
    CANARY_SRC=$C_SECRET "$AGS_BIN" --agent shell -- -c true </dev/null >"$E2E_TMP/out" \
        2>"$E2E_TMP/err" || RC=$?
    check_eq "a run (which sweeps first) succeeds" 0 "$RC"
    present() { [ -d "$1" ] && echo kept || echo gone; }
    check_eq "kept: the directory of a live owner in another PID namespace" kept "$(present "$D_OTHER")"
    check_eq "swept: the directory of a dead owner" gone "$(present "$D_DEAD")"
    check_eq "swept: the directory of a reused pid" gone "$(present "$D_REUSED")"
    check_eq "kept: the directory of a live owner" kept "$(present "$D_LIVE")"
    check_eq "kept: a directory without an owner file (nothing proven)" kept "$(present "$D_NONE")"
fi

e2e_finish
