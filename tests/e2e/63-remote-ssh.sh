#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The ssh:// transport (issue 20 phase 1) against real OpenSSH on loopback:
# our own sshd (a host key, a user key, AllowStreamLocalForwarding) in front
# of the test user's own Podman service, reached as
# CONTAINER_HOST=ssh://USER@127.0.0.1:PORT/<its socket>.  ags ps, a run's
# exit status and a TTY run through the tunnel; an unknown and a changed host
# key refused with the fingerprint (exit 125, no hang); identity-file auth
# without the agent; a stopped per-connection sshd reported within 10 s.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need script timeout
# shellcheck source=remote-sshd.sh
. "$(dirname "$0")/remote-sshd.sh"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags"
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
check_eq "no container is left after the run" 0 "$(CONTAINER_HOST=$LOCAL managed_containers)"

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

# ---- host keys
mv "$HOME/.ssh/known_hosts" "$S/known_hosts.good"
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

# ---- link loss: the per-connection sshd stopped mid-run
"$AGS_BIN" --agent shell -- -c 'sleep 30' </dev/null >"$E2E_TMP/lost-out" 2>"$E2E_TMP/lost-err" &
AGS=$!
for _ in $(seq 300); do
    [ "$(CONTAINER_HOST=$LOCAL managed_containers)" -ge 1 ] && break
    sleep 0.1
done
sleep 1
# every descendant of the listener: the per-connection sshd and its children
descendants() {
    local p
    for p in $(pgrep -P "$1"); do
        echo "$p"
        descendants "$p"
    done
}
STOPPED=$(descendants "$SSHD" | tr '\n' ' ')
[ -n "$STOPPED" ] || fail "a per-connection sshd process exists"
# shellcheck disable=SC2086
kill -STOP $STOPPED
T0=$(date +%s%N)
RC=0
wait "$AGS" || RC=$?
T1=$(date +%s%N)
# shellcheck disable=SC2086
kill -CONT $STOPPED 2>/dev/null || true
MS=$(((T1 - T0) / 1000000))
echo "# link loss reported after ${MS} ms"
check_eq "a lost link ends the run as a launch error" 125 "$RC"
[ "$MS" -le 11000 ] && ok "the lost engine is reported within 10 s (${MS} ms)" ||
    fail "the lost engine is reported within 10 s" "<= 10000 ms" "${MS} ms"
check_contains "naming the lost connection" "lost the connection" "$(cat "$E2E_TMP/lost-err")"

e2e_finish
