# shellcheck shell=bash
# The loopback "remote engine" of the issue 20 tests, sourced after lib.sh:
# our own sshd (its own host key, a user key, AllowStreamLocalForwarding) on
# a free loopback port in front of the test user's own Podman service, an
# ssh-agent holding the user key and a known_hosts entry for it.
# remote_sshd_start sets S (key/config dir), PORT, SSHD (listener pid),
# HOSTKEY, FP (its SHA256 fingerprint), LOCAL (the local CONTAINER_HOST),
# REMOTE_URL (ssh://USER@127.0.0.1:PORT/<socket>) and defers the cleanup;
# remote_conf NAME writes a containers.conf naming REMOTE_URL as NAME.

remote_sshd_start() {
    e2e_need /usr/sbin/sshd ssh-keygen ssh-agent ssh-add
    S=$AGS_E2E_SCRATCH/ssh
    mkdir -p "$S" "$HOME/.ssh"
    chmod 700 "$S" "$HOME/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C host -f "$S/host_key"
    ssh-keygen -q -t ed25519 -N '' -C other -f "$S/other_key"
    ssh-keygen -q -t ed25519 -N '' -C user -f "$S/user_key"
    cp "$S/user_key.pub" "$S/authorized_keys"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
LogLevel VERBOSE
CFG
    /usr/sbin/sshd -D -f "$S/sshd_config" -e 2>"$S/sshd.log" &
    SSHD=$!
    e2e_defer "kill $SSHD"
    local _
    for _ in $(seq 50); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
        sleep 0.1
    done
    eval "$(ssh-agent -s)" >/dev/null
    e2e_defer "kill $SSH_AGENT_PID"
    ssh-add -q "$S/user_key" 2>/dev/null
    HOSTKEY=$(cut -d' ' -f1,2 "$S/host_key.pub")
    echo "[127.0.0.1]:$PORT $HOSTKEY" >"$HOME/.ssh/known_hosts"
    # shellcheck disable=SC2034 # the sourcing test reads it
    FP=$(ssh-keygen -lf "$S/host_key.pub" | cut -d' ' -f2)
    LOCAL=$CONTAINER_HOST
    REMOTE_URL="ssh://$(id -un)@127.0.0.1:$PORT${LOCAL#unix://}"
}

remote_conf() {
    mkdir -p "$XDG_CONFIG_HOME/containers"
    cat >"$XDG_CONFIG_HOME/containers/containers.conf" <<CONF
[engine.service_destinations.$1]
uri = "$REMOTE_URL"
CONF
}
