# shellcheck shell=bash disable=SC2034
# remote-sshd.sh: the loopback "remote host" of the ssh:// tests (issue 20),
# sourced after lib.sh by 63-remote-ssh.sh .. 66-remote-engines.sh.
#
# Root mode (CI): the remote host is a second user (AGS_E2E_REMOTE_USER,
# default agsremote) with its own rootless Podman, reached through the sshd
# that setup.sh started as that user on a loopback port (its own host key;
# the test user's key pair from setup).  The remote engine is another
# engine: REMOTE_SEPARATE=1, and tests check that a remote run leaves
# nothing on the local one.
# User mode (a developer running e2e as themselves, no second user can be
# made): an sshd of this script's, as the test user, in front of the test
# user's own Podman (REMOTE_SEPARATE=0: "remote" and "local" are one engine,
# the checks of the local engine are skipped).
#
# It sets
#   S              its scratch directory (keys, known_hosts copies)
#   PORT           the sshd's port; SSHD the listener's pid
#   SSHD_LOG       the sshd's log (shared by the tests: count from LOG0 on)
#   FP             the host key's SHA256 fingerprint
#   LOCAL          the local engine's URI (CONTAINER_HOST as the fixture set it)
#   ME             the remote user's name
#   REMOTE_SOCK    the remote engine's socket path (on the remote host)
#   REMOTE_URI     ssh://ME@127.0.0.1:PORT/REMOTE_SOCK
#   T_START        when it was sourced, in unix nanoseconds (local_untouched_since)
# and exports HOME (with ~/.ssh/known_hosts) and SSH_AUTH_SOCK.  $S/user_key
# is the user key (identity-file auth).  The tunnels ags leaves for later
# runs (AGS_SSH_PERSIST) end with their sshd connections, which the cleanup
# ends (remote_signal TERM).

e2e_need /usr/sbin/sshd ssh ssh-keygen ssh-agent ssh-add pgrep
S=$AGS_E2E_SCRATCH/ssh
export HOME=$AGS_E2E_SCRATCH/home
mkdir -p "$S" "$HOME/.ssh"
chmod 700 "$S" "$HOME/.ssh"
T_START=$(date +%s%N)
LOCAL=$CONTAINER_HOST
ssh-keygen -q -t ed25519 -N '' -C other -f "$S/other_key"

# free_port: a loopback port nothing listens on (bound and released)
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ -n "${AGS_E2E_REMOTE_USER:-}" ]; then
    REMOTE_SEPARATE=1
    ME=$AGS_E2E_REMOTE_USER
    PORT=$AGS_E2E_REMOTE_PORT
    SSHD=$AGS_E2E_REMOTE_SSHD_PID
    SSHD_LOG=$AGS_E2E_REMOTE_SSHD_LOG
    REMOTE_SOCK=$AGS_E2E_REMOTE_SOCKET
    cp "$AGS_E2E_REMOTE_HOST_KEY" "$S/host_key.pub"
    cp "$AGS_E2E_REMOTE_KEY" "$S/user_key"
    chmod 600 "$S/user_key"
    echo "# remote host: user $ME, its own Podman, sshd on 127.0.0.1:$PORT (setup.sh)"
else
    REMOTE_SEPARATE=0
    echo "# remote host: this user's own Podman behind a test sshd (no second user" \
        "outside root mode): the checks of the local engine are skipped"
    ssh-keygen -q -t ed25519 -N '' -C host -f "$S/host_key"
    ssh-keygen -q -t ed25519 -N '' -C user -f "$S/user_key"
    cp "$S/user_key.pub" "$S/authorized_keys"
    PORT=$(free_port)
    SSHD_LOG=$S/sshd.log
    cat >"$S/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $S/host_key
AuthorizedKeysFile $S/authorized_keys
StrictModes no
UsePAM no
PidFile $S/sshd.pid
AllowStreamLocalForwarding yes
PasswordAuthentication no
KbdInteractiveAuthentication no
CFG
    /usr/sbin/sshd -D -f "$S/sshd_config" -e 2>"$SSHD_LOG" &
    SSHD=$!
    e2e_defer "kill $SSHD"
    for _ in $(seq 50); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
        sleep 0.1
    done
    ME=$(id -un)
    REMOTE_SOCK=${LOCAL#unix://}
fi
LOG0=$(wc -l <"$SSHD_LOG")
REMOTE_URI="ssh://$ME@127.0.0.1:$PORT$REMOTE_SOCK"
eval "$(ssh-agent -s)" >/dev/null
e2e_defer "kill $SSH_AGENT_PID"
ssh-add -q "$S/user_key" 2>/dev/null
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$S/host_key.pub")" >"$HOME/.ssh/known_hosts"
cp "$HOME/.ssh/known_hosts" "$S/known_hosts.fixed"
FP=$(ssh-keygen -lf "$S/host_key.pub" | cut -d' ' -f2)

# logins: the sshd logins since this script was sourced
logins() {
    tail -n "+$((LOG0 + 1))" "$SSHD_LOG" | grep -c 'Accepted publickey' || true
}

# remote_sessions [PID]: every descendant of the listener (or of PID): the
# per-connection sshd processes and their children (/proc shows them to any
# user; only their owner may signal them: remote_signal)
remote_sessions() {
    local p
    for p in $(pgrep -P "${1:-$SSHD}"); do
        echo "$p"
        remote_sessions "$p"
    done
}

# remote_signal SIG: sends SIG to every sshd connection (and its children)
# but the one it opens itself: a login as the remote user, who owns them.
# Prints the pids it signalled.
remote_signal() {
    if [ "$REMOTE_SEPARATE" = 0 ]; then
        local pids
        pids=$(remote_sessions | tr '\n' ' ')
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill "-$1" $pids 2>/dev/null || true
        echo "$pids"
        return 0
    fi
    # shellcheck disable=SC2016 # runs on the remote host
    ssh -F /dev/null -p "$PORT" -i "$S/user_key" -o IdentitiesOnly=yes -o IdentityAgent=none \
        -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$S/known_hosts.fixed" \
        "$ME@127.0.0.1" bash -s -- "$1" "$SSHD" <<'SH'
sig=$1 top=$2 mine=" " p=$$
# this login's own processes: its ancestors below the listener
while [ "$p" -gt 1 ] && [ "$p" != "$top" ]; do
    mine="$mine$p "
    p=$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' "/proc/$p/stat")
done
tree() { local c; for c in $(pgrep -P "$1"); do echo "$c"; tree "$c"; done; }
pids=$(for c in $(pgrep -P "$top"); do
    case $mine in *" $c "*) continue ;; esac
    echo "$c"
    tree "$c"
done | tr '\n' ' ')
[ -z "$pids" ] || kill "-$sig" $pids 2>/dev/null || true
echo "$pids"
SH
}
e2e_defer 'remote_signal TERM >/dev/null'

# on_remote CMD [ARGS...]: a lib.sh API helper (api, managed_containers,
# remove_volumes_named, volume_dir, ctr_create, ...) on the remote engine
# (root mode: the test user is in the remote user's group, which may use
# its socket)
on_remote() {
    local E2E_SOCK=$REMOTE_SOCK
    "$@"
}

# ws_volumes_on local|remote: the number of workspace volumes (ags-ws-*) there
ws_volumes_on() {
    if [ "$1" = remote ]; then on_remote api GET /volumes/json; else api GET /volumes/json; fi
    python3 -c 'import json,sys; print(sum(1 for v in json.load(sys.stdin) or [] if v["Name"].startswith("ags-ws-")))' <"$API_BODY_FILE"
}

# check_local_empty DESC: the local engine has no sandbox of ags's and no
# workspace volume (while a remote run is on).  Skipped in user mode.
check_local_empty() {
    if [ "$REMOTE_SEPARATE" = 0 ]; then
        echo "# skipped (the remote host is the local engine): $1"
        return 0
    fi
    check_eq "$1" "0 sandboxes, 0 workspace volumes" \
        "$(managed_containers) sandboxes, $(ws_volumes_on local) workspace volumes"
}

# local_untouched_since T DESC: the local engine saw no container, volume
# or image event after T (unix nanoseconds: a test before this one may end
# in T's second): a remote run lands nothing there.
# Skipped when the remote is the local engine (user mode).
local_untouched_since() {
    if [ "$REMOTE_SEPARATE" = 0 ]; then
        echo "# skipped (the remote host is the local engine): $2"
        return 0
    fi
    local f
    f=$(python3 -c 'import json, urllib.parse as u; print(u.quote(json.dumps({"type": ["container", "volume", "image"]})))')
    api GET "/events?stream=false&since=$(($1 / 1000000000))&filters=$f"
    [ "$API_STATUS" = 200 ] || { fail "$2" "HTTP 200 from /events" "HTTP $API_STATUS: $API_BODY"; return 0; }
    check_eq "$2" "" "$(tr -d '\000' <"$API_BODY_FILE" | python3 -c 'import json, sys
print(" ".join("%s/%s" % (e.get("Type"), e.get("Action") or e.get("status"))
               for e in map(json.loads, filter(None, sys.stdin.read().splitlines()))
               if int(e.get("timeNano", 0)) > int(sys.argv[1])))' "$1")"
}

# the workspace volumes remote runs leave (bringing them back is ags pull's)
e2e_defer "on_remote remove_volumes_named ags-ws-"
# and the containers this test made on the remote engine (lib.sh sweeps the local one)
e2e_defer "on_remote _e2e_sweep"
