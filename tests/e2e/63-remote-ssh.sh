#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The ssh:// transport (issue 20 phase 1) against real OpenSSH on loopback:
# the remote host of remote-sshd.sh (root mode: a second user with its own
# Podman, behind an sshd logging in as that user), reached as
# CONTAINER_HOST=ssh://USER@127.0.0.1:PORT/<its socket>.  ags ps, a run's
# exit status, a TTY run and its resize through the tunnel; an unknown and a changed host
# key refused with the fingerprint (exit 125, no hang); identity-file auth
# without the agent; a stopped per-connection sshd reported within 10 s.
# The tunnel persists between runs (AGS_SSH_PERSIST, default 60 s): one sshd
# login serves several runs, a host key replaced in known_hosts is refused
# by the persisting tunnel (which then ends), link loss still ends the run
# and the next run sweeps the lost run's sandbox.  Every sandbox is on the
# remote engine: the local one sees nothing of these runs.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need script timeout ss git stty
# shellcheck source=remote-sshd.sh
. "$(dirname "$0")/remote-sshd.sh"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$XDG_CONFIG_HOME/ags"
git init -q "$WORK" # a remote run uploads it (64 tests what)
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"
export CONTAINER_HOST=$REMOTE_URI

# ---- the API through the tunnel
run ps --json
check_eq "ags ps --json over ssh:// exits 0" 0 "$RUN_RC"
check_match "ags ps --json over ssh:// prints a JSON array" '^\[' "$RUN_OUT"

run --agent shell -- -c 'echo over-ssh; exit 7'
check_eq "the agent's exit status passes through the tunnel" 7 "$RUN_RC"
check_eq "its output too" over-ssh "$RUN_OUT"
check_eq "no container is left on the remote engine after the run" 0 "$(on_remote managed_containers)"

# ---- host files a remote sandbox gets as copies (PLAN_MOUNT_COPY, run/copyin.c)
printf '[user]\n\tname = Remote Agent\n' >"$XDG_CONFIG_HOME/ags/gitconfig-agent"
run --agent shell -- -c 'f=$HOME/.config/ags/gitconfig; stat -c "%a %u" "$f";
    git config --global user.name; test -w "$f" || echo read-only'
check_eq "the agent gitconfig is copied into the remote sandbox, 0444, the sandbox user's" \
    "$(printf '444 1000\nRemote Agent\nread-only')" "$RUN_OUT"
run plan --agent shell
check_contains "ags plan says the engine is remote" "(remote: the workspace is uploaded)" \
    "$RUN_OUT"
check_contains "ags plan shows the copied gitconfig" \
    "copy $XDG_CONFIG_HOME/ags/gitconfig-agent -> /home/dev/.config/ags/gitconfig (ro, copied in" \
    "$RUN_OUT"
rm "$XDG_CONFIG_HOME/ags/gitconfig-agent"

RC=0
timeout 120 script -qec "$AGS_BIN --agent shell -- -c 'test -t 0 && echo tty-yes; exit 3'" /dev/null \
    >"$E2E_TMP/tty" 2>&1 </dev/null || RC=$?
check_eq "a TTY run over ssh:// passes its exit status" 3 "$RC"
check_contains "the sandbox has a terminal over ssh://" tty-yes "$(cat "$E2E_TMP/tty")"
check_eq "one sshd login served every run so far (the tunnel persists)" 1 "$(logins)"

# A resize while the sandbox runs reaches it through the tunnel: the outer
# pty (script's) is resized from here once the sandbox says it is ready;
# the sandbox prints its size once it is the new one (at most 20 s).
cat >"$E2E_TMP/winch.sh" <<'EOF'
stty rows 20 cols 60
echo $$ >"$1"
exec "$AGS_BIN" --agent shell -- -c 'echo ready-$((6*7)); i=0
    while [ "$(stty size)" != "41 123" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    stty size'
EOF
rm -f "$E2E_TMP/winch.pid"
exec 4< <(exec sleep 90 2>/dev/null)
FEEDER=$!
timeout 90 script -q -e -c "sh $E2E_TMP/winch.sh $E2E_TMP/winch.pid" /dev/null <&4 \
    >"$E2E_TMP/winch.raw" 2>&1 &
WINCH_PID=$!
exec 4<&-
for _ in $(seq 300); do
    grep -q ready-42 "$E2E_TMP/winch.raw" 2>/dev/null && break
    sleep 0.1
done
if grep -q ready-42 "$E2E_TMP/winch.raw"; then
    stty rows 41 cols 123 <"$(readlink "/proc/$(cat "$E2E_TMP/winch.pid")/fd/0")"
fi
RC=0
wait "$WINCH_PID" || RC=$?
kill "$FEEDER" 2>/dev/null || true
check_eq "a resized TTY run over ssh:// exits 0" 0 "$RC"
check_contains "the new size reached the remote sandbox" "41 123" "$(tr -d '\r' <"$E2E_TMP/winch.raw")"

AGS_SSH_PERSIST=0 run ps --json
check_eq "AGS_SSH_PERSIST=0: a connection of its own works" 0 "$RUN_RC"
check_eq "AGS_SSH_PERSIST=0: it logs in once more" 2 "$(logins)"

# ---- host keys
# A key replaced in known_hosts while the tunnel persists: refused by it.
[ -n "$(remote_sessions)" ] && ok "the tunnel's sshd connection is still up" ||
    fail "the tunnel's sshd connection is still up"
cp "$HOME/.ssh/known_hosts" "$S/known_hosts.good"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$S/other_key.pub")" >"$HOME/.ssh/known_hosts"
RC=0
timeout 30 "$AGS_BIN" --agent shell -- -c true </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
check_eq "a key replaced in known_hosts: the persisting tunnel refuses the run" 125 "$RC"
check_contains "loudly" "CHANGED" "$(cat "$E2E_TMP/err")"
for _ in $(seq 50); do
    [ -z "$(remote_sessions)" ] && break
    sleep 0.1
done
check_eq "and the tunnel ends (its sshd connection closed)" "" "$(remote_sessions)"
check_eq "no new login for the refusal" 2 "$(logins)"

rm "$HOME/.ssh/known_hosts"
RC=0
timeout 30 "$AGS_BIN" --agent shell -- -c true </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
check_eq "an unknown host key: the run is refused as a launch error" 125 "$RC"
check_contains "the refusal names the host key's SHA256 fingerprint" "$FP" "$(cat "$E2E_TMP/err")"
check_contains "and says how to add it" "ssh-keyscan" "$(cat "$E2E_TMP/err")"

echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$S/other_key.pub")" >"$HOME/.ssh/known_hosts"
RC=0
timeout 30 "$AGS_BIN" ps --json </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
check_eq "a changed host key: ags ps fails" 1 "$RC"
check_contains "loudly" "CHANGED" "$(cat "$E2E_TMP/err")"
cp "$S/known_hosts.good" "$HOME/.ssh/known_hosts"

# ---- identity file without the agent
RC=0
env -u SSH_AUTH_SOCK CONTAINER_SSHKEY="$S/user_key" timeout 30 "$AGS_BIN" ps --json \
    </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
check_eq "identity-file auth (CONTAINER_SSHKEY) works without the agent" 0 "$RC"
RC=0
env -u SSH_AUTH_SOCK timeout 30 "$AGS_BIN" ps --json </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
check_eq "no agent and no identity: refused" 1 "$RC"
check_contains "naming the remedy" "ssh-add" "$(cat "$E2E_TMP/err")"
BEFORE=$(logins)
run ps --json
run ps --json
check_eq "two runs after the host key checks: both work" 0 "$RUN_RC"
check_eq "two runs after the host key checks: one new login" $((BEFORE + 1)) "$(logins)"

# ---- a tunnel process killed outright leaves its sockets: the next run
# finds them dead and starts a new tunnel
# the tunnel processes this test's runs left (each serves a ctl socket)
tunnels() {
    ss -xlpn | awk '$5 ~ /\/ags\/ssh-[0-9a-f]+\/ctl$/' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}
kill_tunnels() {
    local t
    t=$(tunnels)
    # shellcheck disable=SC2086
    [ -z "$t" ] || kill -9 $t
    for _ in $(seq 50); do
        [ -z "$(remote_sessions)" ] && break
        sleep 0.1
    done
}
[ -n "$(tunnels)" ] && ok "a tunnel process serves its ctl socket" ||
    fail "a tunnel process serves its ctl socket"
kill_tunnels
[ -n "$(find "$XDG_RUNTIME_DIR/ags" -name ctl)" ] && ok "its sockets stay behind" ||
    fail "its sockets stay behind"
BEFORE=$(logins)
run ps --json
check_eq "a stale tunnel: the run still works" 0 "$RUN_RC"
check_eq "a stale tunnel: replaced by a new one (one new login)" $((BEFORE + 1)) "$(logins)"

# ---- runs starting together share the one tunnel they start (a lock
# beside the sockets)
kill_tunnels
BEFORE=$(logins)
PIDS=()
for i in 1 2 3; do
    "$AGS_BIN" ps --json </dev/null >/dev/null 2>"$E2E_TMP/together$i" &
    PIDS+=($!)
done
RCS=""
for p in "${PIDS[@]}"; do
    RC=0
    wait "$p" || RC=$?
    RCS="$RCS$RC"
done
check_eq "three runs starting together all work" 000 "$RCS"
check_eq "three runs starting together: one login" $((BEFORE + 1)) "$(logins)"

# ---- link loss: the per-connection sshd stopped mid-run
"$AGS_BIN" --agent shell -- -c 'sleep 30' </dev/null >"$E2E_TMP/lost-out" 2>"$E2E_TMP/lost-err" &
AGS=$!
for _ in $(seq 300); do
    [ "$(on_remote managed_containers)" -ge 1 ] && break
    sleep 0.1
done
N=$(on_remote managed_containers)
[ "$N" -ge 1 ] && ok "the run's sandbox is on the remote engine" ||
    fail "the run's sandbox is on the remote engine" ">= 1" "$N"
check_local_empty "and not on the local engine"
sleep 1
# the per-connection processes are the remote user's: stopped through a login of its own
STOPPED=$(remote_signal STOP)
[ -n "${STOPPED// /}" ] && ok "a per-connection sshd process is stopped" ||
    fail "a per-connection sshd process is stopped"
T0=$(date +%s%N)
RC=0
wait "$AGS" || RC=$?
T1=$(date +%s%N)
remote_signal CONT >/dev/null
MS=$(((T1 - T0) / 1000000))
echo "# link loss reported after ${MS} ms"
check_eq "a lost link ends the run as a launch error" 125 "$RC"
[ "$MS" -le 11000 ] && ok "the lost engine is reported within 10 s (${MS} ms)" ||
    fail "the lost engine is reported within 10 s" "<= 10000 ms" "${MS} ms"
check_contains "naming the lost connection" "lost the connection" "$(cat "$E2E_TMP/lost-err")"
check_eq "the lost run's sandbox stays on the remote engine" 1 "$(on_remote managed_containers)"
run --agent shell -- -c 'echo after-loss'
check_eq "the next run works" after-loss "$RUN_OUT"
check_eq "and sweeps the lost run's sandbox" 0 "$(on_remote managed_containers)"

local_untouched_since "$T_START" "the local engine saw nothing of the remote runs"
e2e_finish
