# shellcheck shell=bash disable=SC2034
# sshd.sh: the loopback "remote" of the ssh:// tests (63, 64), sourced after
# lib.sh: our own sshd (a host key, a user key, AllowStreamLocalForwarding)
# in front of the test user's own Podman service.
#
#   e2e_sshd_start DIR
#
# makes DIR/host_key, DIR/user_key (loaded into a fresh ssh-agent), an
# sshd on a free port of 127.0.0.1 (stopped at exit), ~/.ssh/known_hosts
# with its host key, and sets PORT, SSHD (its pid), FP (the host key's
# SHA256 fingerprint), LOCAL (the unix:// CONTAINER_HOST it had) and exports
# CONTAINER_HOST=ssh://USER@127.0.0.1:PORT/<the same socket>.  At exit the
# ags-ws-* volumes remote runs left are removed.  HOME must be set to the
# test's own.

e2e_sshd_start() {
    local dir=$1 hostkey
    mkdir -p "$dir" "$HOME/.ssh"
    chmod 700 "$dir" "$HOME/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C host -f "$dir/host_key"
    ssh-keygen -q -t ed25519 -N '' -C user -f "$dir/user_key"
    cp "$dir/user_key.pub" "$dir/authorized_keys"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$dir/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PidFile $dir/sshd.pid
AllowStreamLocalForwarding yes
PasswordAuthentication no
KbdInteractiveAuthentication no
CFG
    /usr/sbin/sshd -D -f "$dir/sshd_config" -e 2>"$dir/sshd.log" &
    SSHD=$!
    e2e_defer "kill $SSHD"
    for _ in $(seq 50); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
        sleep 0.1
    done
    eval "$(ssh-agent -s)" >/dev/null
    e2e_defer "kill $SSH_AGENT_PID"
    ssh-add -q "$dir/user_key" 2>/dev/null
    hostkey=$(cut -d' ' -f1,2 "$dir/host_key.pub")
    echo "[127.0.0.1]:$PORT $hostkey" >"$HOME/.ssh/known_hosts"
    FP=$(ssh-keygen -lf "$dir/host_key.pub" | cut -d' ' -f2)
    LOCAL=$CONTAINER_HOST
    CONTAINER_HOST="ssh://$(id -un)@127.0.0.1:$PORT${LOCAL#unix://}"
    export CONTAINER_HOST
    # the workspace volumes remote runs leave (bringing them back is ags pull's)
    e2e_defer "remove_volumes_named ags-ws-"
}
