#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# The filtering ssh agent (issue 15), with real OpenSSH on both sides: the
# host's ssh-agent holds three keys (auth, signing, another), the real sandbox
# image talks to ags's proxy.  Inside, `ssh-add -L` lists exactly the two
# configured keys; deleting, locking and adding keys fail and the host agent
# still holds its three; the auth key will not sign an SSHSIG and the signing
# key signs only namespace git; `git commit -S` makes a commit that
# `git verify-commit` on the host accepts; `ssh` to a real sshd on the host's
# loopback (started here, never the LAN address) gets in with the auth key
# and not with the third key although sshd would take it; every request is
# in the session's log; confirm = "always" with no desktop refuses the
# signature and the log says why; lockdown has no agent, no keys, no
# gitconfig; a run killed with -9 leaves its socket dir, which the next run
# sweeps.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3 ssh-agent ssh-add ssh-keygen git
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || e2e_abort "$SSHD is missing (Debian package openssh-server)"
SANDBOX_IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
api GET "/images/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SANDBOX_IMAGE")/exists"
[ "$API_STATUS" = 204 ] ||
    e2e_abort "the sandbox image $SANDBOX_IMAGE is not in $USER's storage (e2e/update-image builds it)"

WORK=$AGS_E2E_SCRATCH/ssh-repo
KEYS=$E2E_TMP/keys
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config XDG_STATE_HOME=$AGS_E2E_SCRATCH/state
# A runtime directory of this test's own: other e2e tests run ags at the same
# time as the same user, and "nothing is left" below counts what is in it.
e2e_own_runtime_dir
rm -rf "$WORK" "$XDG_STATE_HOME/ags/ssh"
mkdir -p "$WORK" "$XDG_CONFIG_HOME/ags" "$KEYS"
chmod 700 "$KEYS"
git -C "$WORK" init -q
cd "$WORK" || e2e_abort "cannot enter $WORK"
NONCE=nonce-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

for k in auth signing other; do
    ssh-keygen -q -t ed25519 -N '' -C "ags-agent-$k" -f "$KEYS/$k" || e2e_abort "ssh-keygen $k"
done
cp "$KEYS/other.pub" "$WORK/other.pub"

# ---- the user's agent, holding all three
eval "$(ssh-agent -s -a "$E2E_TMP/agent.sock")" >/dev/null || e2e_abort "ssh-agent did not start"
e2e_defer "kill $SSH_AGENT_PID"
export SSH_AUTH_SOCK
for k in auth signing other; do ssh-add -q "$KEYS/$k" 2>/dev/null || e2e_abort "ssh-add $k"; done
check_eq "the host agent holds three keys" 3 "$(ssh-add -l | wc -l)"

# ---- sshd on 127.0.0.1 as this user: it takes the auth key and the third key
mkdir -p "$E2E_TMP/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$E2E_TMP/sshd/host_key"
cat "$KEYS/auth.pub" "$KEYS/other.pub" >"$E2E_TMP/sshd/authorized_keys"
chmod 600 "$E2E_TMP/sshd/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$E2E_TMP/sshd/config" <<EOF
ListenAddress 127.0.0.1:$PORT
HostKey $E2E_TMP/sshd/host_key
AuthorizedKeysFile $E2E_TMP/sshd/authorized_keys
PidFile $E2E_TMP/sshd/pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
"$SSHD" -D -e -f "$E2E_TMP/sshd/config" 2>"$E2E_TMP/sshd/log" &
e2e_defer "kill $!"
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
check_eq "sshd answers on the host's loopback" ok \
    "$(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o IdentitiesOnly=yes -i "$KEYS/other" -p "$PORT" "$USER@127.0.0.1" echo ok 2>/dev/null)"

cat >"$E2E_TMP/gitconfig" <<'EOF'
[user]
	name = Agent
	email = agent@example.invalid
	signingkey = /home/dev/.ssh/ags-agent-signing.pub
[gpg]
	format = ssh
[commit]
	gpgsign = true
EOF
config() {
    cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$SANDBOX_IMAGE"
auth_key = "$KEYS/auth"
sign_key = "$KEYS/signing"
gitconfig_path = "$E2E_TMP/gitconfig"

[network]
host_loopback = true
$1
TOML
}
config ''

SSH_OPTS="-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -p $PORT"
INSIDE='
echo "SOCK:${SSH_AUTH_SOCK-unset}"
echo "LIST:$(ssh-add -L | cut -d" " -f3 | sort | tr "\n" ,)"
ssh-add -D >/dev/null 2>&1; echo "DELETE:$?"
printf "#!/bin/sh\necho pw\n" >/tmp/askpass; chmod +x /tmp/askpass
SSH_ASKPASS=/tmp/askpass SSH_ASKPASS_REQUIRE=force ssh-add -x </dev/null >/dev/null 2>&1; echo "LOCK:$?"
ssh-keygen -q -t ed25519 -N "" -f /tmp/new && ssh-add /tmp/new >/dev/null 2>&1; echo "ADD:$?"
echo data >/tmp/msg
ssh-keygen -Y sign -n git -f ~/.ssh/ags-agent-auth.pub /tmp/msg >/dev/null 2>&1; echo "AUTH_SSHSIG:$?"
ssh-keygen -Y sign -n file -f ~/.ssh/ags-agent-signing.pub /tmp/msg >/dev/null 2>&1; echo "SIGN_FILE:$?"
git commit -q --allow-empty -m "signed in the sandbox" 2>/tmp/commit.err; echo "COMMIT:$?"; cat /tmp/commit.err
ssh '"$SSH_OPTS"' -i ~/.ssh/ags-agent-auth.pub "'"$USER"'@$AGS_HOST_LOOPBACK" echo "in-'"$NONCE"'" 2>/dev/null; echo "SSH_AUTH:$?"
ssh '"$SSH_OPTS"' -i other.pub "'"$USER"'@$AGS_HOST_LOOPBACK" echo "in-other" 2>/dev/null; echo "SSH_OTHER:$?"
'
run --agent shell -- -c "$INSIDE"
check_eq "the run succeeds" 0 "$RUN_RC"
check_contains "SSH_AUTH_SOCK is the proxy's socket" "SOCK:/ssh-agent" "$RUN_OUT"
check_contains "ssh-add -L lists exactly the two configured keys" \
    "LIST:ags-agent-auth,ags-agent-signing," "$RUN_OUT"
for what in DELETE LOCK ADD AUTH_SSHSIG SIGN_FILE SSH_OTHER; do
    check_lacks "$what is refused" "$what:0" "$RUN_OUT"
    check_contains "$what ran" "$what:" "$RUN_OUT"
done
check_eq "the host agent still holds its three keys" 3 "$(ssh-add -l | wc -l)"
check_contains "git commit -S works in the sandbox" "COMMIT:0" "$RUN_OUT"
printf 'agent@example.invalid namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$KEYS/signing.pub")" \
    >"$E2E_TMP/allowed_signers"
check_eq "git verify-commit on the host accepts the sandbox's commit" 0 \
    "$(git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$E2E_TMP/allowed_signers" \
        verify-commit HEAD >/dev/null 2>&1; echo $?)"
check_contains "ssh to the host's sshd gets in with the auth key" "in-$NONCE" "$RUN_OUT"
check_contains "ssh with the auth key exits 0" "SSH_AUTH:0" "$RUN_OUT"
check_lacks "the third key does not get in" "in-other" "$RUN_OUT"

LOGS=("$XDG_STATE_HOME"/ags/ssh/*.log)
check_eq "the session has one ssh log" 1 "${#LOGS[@]}"
LOG=$(cat "${LOGS[0]}" 2>/dev/null)
check_match "the log has an allowed git signature" \
    '^[0-9-]+T[0-9:]+Z pid=[0-9]+ allowed .*ags-agent-signing' "$LOG"
check_match "the log has the refused removal" 'refused .*REMOVE_ALL_IDENTITIES' "$LOG"
check_match "the log has the refused lock" 'refused .*LOCK' "$LOG"
check_eq "the log is the user's alone" 600 "$(stat -c %a "${LOGS[0]}")"

# ---- confirm = "always" with no desktop to ask: the signature is refused
rm -rf "$XDG_STATE_HOME/ags/ssh"
config '[ssh]
confirm = "always"'
run --agent shell -- -c 'echo data >/tmp/msg
ssh-keygen -Y sign -n git -f ~/.ssh/ags-agent-signing.pub /tmp/msg >/dev/null 2>&1; echo "CONFIRM_SIGN:$?"'
check_contains "confirm = always: the run ends normally" "CONFIRM_SIGN:" "$RUN_OUT"
check_lacks "confirm = always without a desktop: no signature" "CONFIRM_SIGN:0" "$RUN_OUT"
check_match "the log says there was no way to ask" 'refused .*no way to ask' \
    "$(cat "$XDG_STATE_HOME"/ags/ssh/*.log 2>/dev/null)"
config ''

# ---- lockdown: no agent, no keys, no gitconfig
run --lockdown --agent shell -- -c 'echo "SOCK:${SSH_AUTH_SOCK-unset}"; ls -a /ssh-agent ~/.ssh 2>&1 | head -3; echo "GIT:${GIT_CONFIG_GLOBAL-unset}"'
check_contains "lockdown: no SSH_AUTH_SOCK" "SOCK:unset" "$RUN_OUT"
check_contains "lockdown: no agent socket" "'/ssh-agent': No such file" "$RUN_OUT"
check_lacks "lockdown: no public keys" "ags-agent" "$RUN_OUT"
check_contains "lockdown: no gitconfig" "GIT:unset" "$RUN_OUT"

# ---- kill -9: the socket dir stays behind, the next run sweeps it (and the
# container).  The kill comes once the sandbox runs: killed while Podman
# still creates the container, the container appears after the next run's
# sweep (the run after that one sweeps it).
rm -f agent-up
"$AGS_BIN" --agent shell -- -c 'touch agent-up; sleep 60' </dev/null >/dev/null 2>&1 &
AGS_PID=$!
DIRS=()
for _ in $(seq 300); do
    mapfile -t DIRS < <(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'ags-ssh-*' -type d 2>/dev/null)
    [ "${#DIRS[@]}" -gt 0 ] && [ -S "${DIRS[0]}/agent.sock" ] && [ -e agent-up ] && break
    sleep 0.1
done
check_eq "a run serves its socket in one dir" 1 "${#DIRS[@]}"
kill -9 "$AGS_PID"
wait "$AGS_PID" 2>/dev/null || true
check_eq "kill -9 leaves the dir" yes "$([ -d "${DIRS[0]:-/nonexistent}" ] && echo yes)"
run --agent shell -- -c true
check_eq "the next run succeeds" 0 "$RUN_RC"
check_eq "the next run swept the dead run's dir" no "$([ -d "${DIRS[0]:-/nonexistent}" ] && echo yes || echo no)"
check_eq "and left none of its own" 0 \
    "$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'ags-ssh-*' | wc -l)"
check_eq "nothing is left behind" 0 "$(managed_containers_of shell "$SANDBOX_IMAGE")"

e2e_finish
