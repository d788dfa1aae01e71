# shellcheck shell=bash disable=SC2034
# remote-sshd.sh: the loopback "remote host" of the ssh:// tests (issue 20),
# sourced after lib.sh by 63-remote-ssh.sh and 66-remote-maint.sh: our own
# sshd (a host key, a user key, AllowStreamLocalForwarding) on a free
# loopback port in front of the test user's own Podman service, an ssh-agent
# holding the user key, and a known_hosts with the host key.  It sets
#   S           its scratch directory (keys, sshd_config, sshd.log)
#   PORT        the sshd's port; SSHD its pid (killed at exit)
#   FP          the host key's SHA256 fingerprint
#   LOCAL       the local engine's URI (CONTAINER_HOST as the fixture set it)
#   ME          the test user's name
#   REMOTE_URI  ssh://ME@127.0.0.1:PORT/<the local socket's path>
# and exports HOME (with ~/.ssh/known_hosts) and SSH_AUTH_SOCK.

e2e_need /usr/sbin/sshd ssh-keygen ssh-agent ssh-add
S=$AGS_E2E_SCRATCH/ssh
export HOME=$AGS_E2E_SCRATCH/home
mkdir -p "$S" "$HOME/.ssh"
chmod 700 "$S" "$HOME/.ssh"

ssh-keygen -q -t ed25519 -N '' -C host -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -C other -f "$S/other_key"
ssh-keygen -q -t ed25519 -N '' -C user -f "$S/user_key"
cp "$S/user_key.pub" "$S/authorized_keys"
# free_port: a loopback port nothing listens on (bound and released)
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
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
/usr/sbin/sshd -D -f "$S/sshd_config" -e 2>"$S/sshd.log" &
SSHD=$!
e2e_defer "kill $SSHD"
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
    sleep 0.1
done
eval "$(ssh-agent -s)" >/dev/null
e2e_defer "kill $SSH_AGENT_PID"
ssh-add -q "$S/user_key" 2>/dev/null
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$S/host_key.pub")" >"$HOME/.ssh/known_hosts"
FP=$(ssh-keygen -lf "$S/host_key.pub" | cut -d' ' -f2)
LOCAL=$CONTAINER_HOST
ME=$(id -un)
REMOTE_URI="ssh://$ME@127.0.0.1:$PORT${LOCAL#unix://}"
