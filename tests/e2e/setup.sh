#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# e2e fixture setup: test user, private Podman service, test image, env file.
#
#   setup.sh STATE_DIR [AGS_BINARY]
#
# STATE_DIR (ctest: ${CMAKE_BINARY_DIR}/e2e) receives the env file that
# run-as-user.sh and teardown.sh read, the service log and the image context.
# Run as root (CI): creates/reuses the user agstest (override: AGS_E2E_USER),
# and the ssh:// tests' "remote host": a second user agsremote (override:
# AGS_E2E_REMOTE_USER) with its own Podman service (this script again, with
# AGS_E2E_ROLE=remote, in STATE_DIR/remote) behind an sshd on a loopback
# port that logs in as that user.
# Run as an ordinary user: uses that user, its own private runtime dir and
# its own service socket; the ssh:// tests then reach that same user's
# Podman through an sshd of their own (tests/e2e/remote-sshd.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
. "$here/harness.sh"

[ $# -ge 1 ] || h_die "usage: setup.sh STATE_DIR [AGS_BINARY]"
state=$1
ags_bin=${2:-}
image=localhost/ags-test:latest
ping_timeout=${AGS_E2E_PING_TIMEOUT:-30}
# test: the test user (and, in root mode, the remote host after it);
# remote: the recursive call that sets up the remote host's user and Podman.
role=${AGS_E2E_ROLE:-test}
case $role in
    test | remote) ;;
    *) h_die "AGS_E2E_ROLE=$role: test or remote" ;;
esac
t_start=$(date +%s.%N)

# ---------------------------------------------------------------- commands
need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 ||
            h_die "'$c' not found: install the packages listed in tests/e2e/README.md"
    done
}
need podman runc slirp4netns newuidmap newgidmap curl python3 tar sha256sum setsid tmux git ldd
[ "$(id -u)" -ne 0 ] || need setpriv useradd usermod getent /usr/sbin/sshd ssh-keygen
[ "$role" = test ] || [ "$(id -u)" -eq 0 ] || h_die "AGS_E2E_ROLE=remote needs root"
for f in /bin/busybox /bin/bash-static; do
    [ -x "$f" ] || h_die "$f missing: install busybox-static and bash-static"
done

mkdir -p "$state"
state=$(cd "$state" && pwd)
envfile=$state/env

# ---------------------------------------------------------------- the user
add_subids() { # FILE FLAG
    local file=$1 flag=$2 start
    if grep -q -e "^$E2E_USER:" -e "^$E2E_UID:" "$file" 2>/dev/null; then
        return 0
    fi
    start=$(awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' \
        "$file" 2>/dev/null || echo 100000)
    h_log "adding $file range $start-$((start + 65535)) for $E2E_USER"
    usermod "$flag" "$start-$((start + 65535))" "$E2E_USER"
}

if [ "$(id -u)" -eq 0 ]; then
    user=${AGS_E2E_USER:-agstest}
    if ! getent passwd "$user" >/dev/null; then
        h_log "creating user $user"
        useradd -m -s /bin/bash "$user"
    fi
    h_identity || h_die "cannot resolve user $user"
    [ "$E2E_UID" -ne 0 ] || h_die "$user must not be uid 0"
    [ -d "$E2E_HOME" ] || install -d -m 0755 -o "$E2E_UID" -g "$E2E_GID" "$E2E_HOME"
    add_subids /etc/subuid --add-subuids
    add_subids /etc/subgid --add-subgids
    # rootless slirp4netns opens /dev/net/tun; it is 0600 on the build machines.
    [ -c /dev/net/tun ] || h_die "/dev/net/tun is missing (slirp4netns needs it)"
    chmod 0666 /dev/net/tun
else
    h_identity || h_die "cannot resolve the current user"
    grep -q -e "^$E2E_USER:" -e "^$E2E_UID:" /etc/subuid ||
        h_die "no /etc/subuid range for $E2E_USER (root: usermod --add-subuids 100000-165535 $E2E_USER)"
    grep -q -e "^$E2E_USER:" -e "^$E2E_UID:" /etc/subgid ||
        h_die "no /etc/subgid range for $E2E_USER (root: usermod --add-subgids 100000-165535 $E2E_USER)"
    if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
        h_die "/dev/net/tun is not read/writable (root: chmod 0666 /dev/net/tun)"
    fi
fi
h_log "mode $E2E_MODE, user $E2E_USER ($E2E_UID:$E2E_GID), runtime dir $E2E_XDG"

# ---------------------------------------------------------------- runtime dir
if [ "$E2E_MODE" = root ]; then
    install -d -m 0755 -o root -g root /run/ags-e2e
    if [ -e "$E2E_XDG" ] && [ "$(stat -c %u "$E2E_XDG")" != "$E2E_UID" ]; then
        rm -rf "$E2E_XDG"
    fi
    install -d -m 0700 -o "$E2E_UID" -g "$E2E_GID" "$E2E_XDG"
else
    if [ -e "$E2E_XDG" ] && { [ ! -d "$E2E_XDG" ] || [ -L "$E2E_XDG" ] ||
        [ "$(stat -c %u "$E2E_XDG")" != "$E2E_UID" ]; }; then
        h_die "$E2E_XDG exists and is not a directory owned by $E2E_USER"
    fi
    mkdir -p "$E2E_XDG"
    chmod 0700 "$E2E_XDG"
fi

# ---------------------------------------------------------------- containers.conf
conf_dir=$E2E_HOME/.config/containers
conf=$conf_dir/containers.conf
want_conf=$'# written by ags tests/e2e/setup.sh\n[engine]\nruntime = "runc"\nevents_logger = "file"\n'
if [ "$E2E_MODE" = root ]; then
    # The test user belongs to the harness: always make its config ours.
    h_as_user mkdir -p "$conf_dir"
    if [ "$(cat "$conf" 2>/dev/null)"$'\n' != "$want_conf" ]; then
        # shellcheck disable=SC2016
        printf '%s' "$want_conf" | h_as_user sh -c 'cat >"$1"' sh "$conf"
    fi
elif [ ! -e "$conf" ]; then
    mkdir -p "$conf_dir"
    printf '%s' "$want_conf" >"$conf"
elif ! grep -q '^[[:space:]]*runtime[[:space:]]*=' "$conf"; then
    h_log "note: $conf sets no runtime; crun fails on hybrid-cgroup hosts (use runc)"
fi

# ---------------------------------------------------------------- stale state
# A service (or a whole run) left over from an earlier, interrupted run.
if [ "$E2E_MODE" = root ] && h_ping; then
    h_sweep_containers "" || true # while the old service can still do it cleanly
fi
h_stop_service || h_die "an old podman service of $E2E_USER does not die"
if [ -f "$envfile" ]; then
    # shellcheck disable=SC1090
    old_scratch=$(. "$envfile" && printf '%s' "${AGS_E2E_SCRATCH_ROOT:-}") || old_scratch=
    h_remove_scratch "$old_scratch" || true
    rm -f "$envfile"
fi
if [ "$E2E_MODE" = root ]; then
    # The user is ours: no process of it may survive from an earlier run
    # (pause process, conmon, slirp4netns of a crashed run).
    stale=0
    for pid in $(h_user_pids); do
        stale=1
        h_log "stopping stale process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        h_kill_wait "$pid" 1 || h_die "stale process $pid of $E2E_USER does not die"
    done
    if [ "$stale" = 1 ]; then
        # Containers whose conmon was killed leave podman's state pointing at
        # dead processes ("invalid internal status ... podman system
        # migrate"): reset it. Quick, and it leaves no process behind.
        h_log "resetting podman state of $E2E_USER (podman system migrate)"
        # It may complain about containers whose exit was never recorded;
        # the state is usable anyway and the sweep below removes them.
        h_as_user podman system migrate </dev/null >"$state/podman-migrate.log" 2>&1 ||
            h_log "podman system migrate reported errors (see $state/podman-migrate.log)"
    fi
    rm -rf "${E2E_HOME:?}"/ags-e2e-*
fi
rm -f "$E2E_SOCK"
t_clean=$(date +%s.%N)

# ---------------------------------------------------------------- storage
# Root mode: the test user's images live on the kernel's rootless overlay.
# Podman falls back to vfs here, which copies every layer: the real sandbox
# image then builds ~3x slower (docs: CONTRIBUTING.md). A store made with
# another driver is reset once; where overlay does not work, vfs stays.
storage_driver() { # prints the driver the user's Podman uses (file, not a
    # pipe: the first podman command may leave a pause process holding it)
    h_as_user podman info --format '{{.Store.GraphDriverName}}' \
        </dev/null >"$state/storage-driver" 2>>"$state/podman-info.log" || true
    cat "$state/storage-driver"
}
if [ "$E2E_MODE" = root ]; then
    storage_conf=$conf_dir/storage.conf
    want_storage=$'# written by ags tests/e2e/setup.sh\n[storage]\ndriver = "overlay"\n'
    if [ "$(cat "$storage_conf" 2>/dev/null)"$'\n' != "$want_storage" ]; then
        # shellcheck disable=SC2016
        printf '%s' "$want_storage" | h_as_user sh -c 'cat >"$1"' sh "$storage_conf"
    fi
    driver=$(storage_driver)
    if [ "$driver" != overlay ]; then
        h_log "resetting the container storage of $E2E_USER (${driver:-unknown} -> overlay)"
        h_as_user podman system reset --force </dev/null >>"$state/podman-info.log" 2>&1 || true
        driver=$(storage_driver)
    fi
    if [ "$driver" != overlay ]; then
        h_log "rootless overlay does not work here: $E2E_USER keeps ${driver:-vfs} (slow builds)"
        rm -f "$storage_conf"
    fi
    h_log "storage driver of $E2E_USER: $(storage_driver)"
fi

# ---------------------------------------------------------------- service
log=$state/podman-service.log
: >"$log"
h_as_user mkdir -p "$E2E_XDG/podman"
h_log "starting podman system service on $E2E_SOCK (log: $log)"
# setsid: out of ctest's process group. All three standard streams go to the
# log, so neither the service nor the pause process it forks keeps ctest's
# pipes open. The shell records its own pid, then becomes the service.
# shellcheck disable=SC2016
h_as_user setsid sh -c 'echo $$ >"$1" && exec podman system service --time=0 "unix://$2"' \
    sh "$E2E_PIDFILE" "$E2E_SOCK" </dev/null >>"$log" 2>&1 &

deadline=$(($(date +%s) + ping_timeout))
until h_ping; do
    pid=$(cat "$E2E_PIDFILE" 2>/dev/null || true)
    if [ -n "$pid" ] && ! h_alive "$pid"; then
        printf 'e2e: the podman service (pid %s) exited. Log tail:\n' "$pid" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        printf 'e2e: no answer on %s/_ping within %ss. Log tail:\n' "$E2E_SOCK" "$ping_timeout" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
    sleep 0.1
done
t_ping=$(date +%s.%N)
h_log "service answers _ping (pid $(cat "$E2E_PIDFILE"))"
if [ "$E2E_MODE" = root ]; then
    # Containers of an interrupted run (their processes were killed above).
    h_sweep_containers "" || h_die "cannot remove the stale containers of $E2E_USER"
fi

# ---------------------------------------------------------------- scratch
run_id=$(date +%Y%m%d-%H%M%S)-$$
if [ "$E2E_MODE" = root ]; then
    scratch_base=$E2E_HOME
else
    scratch_base=${TMPDIR:-/tmp}
fi
scratch=$scratch_base/ags-e2e-$run_id
h_as_user mkdir -m 0700 "$scratch"

write_env() {
    {
        echo "# written by tests/e2e/setup.sh; read by run-as-user.sh and teardown.sh"
        h_env_line AGS_E2E_MODE "$E2E_MODE"
        h_env_line AGS_E2E_USER "$E2E_USER"
        h_env_line AGS_E2E_UID "$E2E_UID"
        h_env_line AGS_E2E_GID "$E2E_GID"
        h_env_line AGS_E2E_HOME "$E2E_HOME"
        h_env_line AGS_E2E_XDG_RUNTIME_DIR "$E2E_XDG"
        h_env_line AGS_E2E_SOCKET "$E2E_SOCK"
        h_env_line AGS_E2E_SERVICE_PID "$(cat "$E2E_PIDFILE")"
        h_env_line AGS_E2E_SERVICE_LOG "$log"
        h_env_line AGS_E2E_RUN_ID "$run_id"
        h_env_line AGS_E2E_SCRATCH_ROOT "$scratch"
        h_env_line AGS_E2E_AGS_BINARY "$ags_bin"
        h_env_line AGS_E2E_IMAGE "$image"
        h_env_line AGS_E2E_IMAGE_ID "${image_id:-}"
        if [ -n "${remote_port:-}" ]; then
            h_env_line AGS_E2E_REMOTE_USER "$remote_user"
            h_env_line AGS_E2E_REMOTE_SOCKET "$r_sock"
            h_env_line AGS_E2E_REMOTE_PORT "$remote_port"
            h_env_line AGS_E2E_REMOTE_HOST_KEY "$remote_dir/host_key.pub"
            h_env_line AGS_E2E_REMOTE_KEY "$remote_dir/user_key"
            h_env_line AGS_E2E_REMOTE_SSHD_PID "$remote_sshd_pid"
            h_env_line AGS_E2E_REMOTE_SSHD_LOG "$remote_dir/sshd.log"
        fi
        h_env_line AGS_E2E_READY "${ready:-0}"
    } >"$envfile.tmp"
    mv "$envfile.tmp" "$envfile"
}
# Written now so that teardown finds the service even if the build fails.
write_env

# ---------------------------------------------------------------- test image
# The build context: its digest is the image's cache key (a label).
make_context() {
    ctx=$state/image-context
    rm -rf "$ctx"
    mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/tmp" "$ctx/rootfs/root" \
        "$ctx/rootfs/workspace" "$ctx/home-dev"
    cp /bin/busybox "$ctx/rootfs/bin/busybox"
    cp /bin/bash-static "$ctx/rootfs/bin/bash"
    chmod 0755 "$ctx/rootfs/bin/busybox" "$ctx/rootfs/bin/bash"
    # tmux (for --tmux), git (committing from a worktree) and perl (a remote
    # session's sandbox exports its own changes), with the shared
    # libraries ldd names (same paths inside) and the terminfo entries tmux needs.
    for b in /usr/bin/tmux /usr/bin/git /usr/bin/perl; do
        mkdir -p "$ctx/rootfs/usr/bin"
        cp "$b" "$ctx/rootfs$b"
        for lib in $(ldd "$b" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
            mkdir -p "$ctx/rootfs$(dirname "$lib")"
            cp -L "$lib" "$ctx/rootfs$lib"
        done
    done
    # tmux insists on a UTF-8 locale: glibc's C.UTF-8, as in the product image.
    mkdir -p "$ctx/rootfs/usr/lib/locale"
    cp -r /usr/lib/locale/C.utf8 "$ctx/rootfs/usr/lib/locale/"
    for t in x/xterm x/xterm-256color s/screen s/screen-256color d/dumb l/linux v/vt100; do
        if [ -e "/lib/terminfo/$t" ]; then
            mkdir -p "$ctx/rootfs/usr/share/terminfo/${t%/*}"
            cp -L "/lib/terminfo/$t" "$ctx/rootfs/usr/share/terminfo/$t"
        fi
    done
    # The directories the product image prepares for dev, so volumes and boot dirs
    # mounted below them do not leave root-owned parents behind.
    mkdir -p "$ctx/home-dev/.cache" "$ctx/home-dev/.local/bin" "$ctx/home-dev/.local/share" \
        "$ctx/home-dev/.config/ags/hooks" "$ctx/home-dev/.npm-global" "$ctx/home-dev/.cargo" \
        "$ctx/home-dev/go" "$ctx/home-dev/.cache/go-build" "$ctx/home-dev/.cache/sccache"
    chmod 1777 "$ctx/rootfs/tmp"
    chmod 0700 "$ctx/rootfs/root"
    chmod 0755 "$ctx/rootfs/workspace" "$ctx/home-dev"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'dev:x:1000:1000:dev:/home/dev:/bin/bash' \
        'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$ctx/rootfs/etc/passwd"
    printf '%s\n' 'root:x:0:' 'dev:x:1000:' 'nogroup:x:65534:' >"$ctx/rootfs/etc/group"
    # Login files like Debian's: /etc/profile replaces PATH and ~/.profile prepends
    # ~/.local/bin, so the e2e tests meet what agents' login shells meet there.
    cat >"$ctx/rootfs/etc/profile" <<'EOF'
if [ "$(id -u)" -eq 0 ]; then
  PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
else
  PATH="/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
fi
export PATH
EOF
    printf '%s\n' 'export PS1="\u@ags-test:\w\$ "' \
        'if [ -d "$HOME/.local/bin" ]; then PATH="$HOME/.local/bin:$PATH"; fi' >"$ctx/home-dev/.profile"
    cat >"$ctx/Containerfile" <<'EOF'
# ags e2e test image: static busybox + static bash, tmux and git.
FROM scratch
COPY rootfs/ /
COPY --chown=1000:1000 home-dev/ /home/dev/
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8
WORKDIR /workspace
CMD ["/bin/sh"]
EOF
    # A reproducible tar (fixed order, owners and times): its digest is the cache key.
    tarball=$state/image-context.tar
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
        -C "$ctx" -cf "$tarball" .
    digest=$(sha256sum "$tarball" | cut -d' ' -f1)
}
if [ "$role" = remote ]; then
    # The test user's setup made the context and its image just before.
    digest=${AGS_E2E_IMAGE_DIGEST:?the remote role is given the context digest}
else
    make_context
fi
label_key=ags-e2e.context-digest

inspect=$state/image-inspect.json
existing_id=
if h_api GET "images/$image/json" -o "$inspect" 2>/dev/null; then
    read -r existing_id existing_digest < <("$H_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d.get("Id", ""), ((d.get("Config") or {}).get("Labels") or d.get("Labels") or {}).get(sys.argv[2], "-"))
' "$inspect" "$label_key")
fi

if [ -n "$existing_id" ] && [ "$existing_digest" = "$digest" ]; then
    image_id=$existing_id
    h_log "image $image is up to date (context $digest): build skipped"
elif [ "$role" = remote ]; then
    # The same image, copied from the test user's service: an export and a
    # load take seconds, a build of the same context again much longer.
    h_log "copying $image from $AGS_E2E_IMAGE_FROM"
    archive=$state/image.tar
    q_image=$(h_urlencode "$image")
    curl -sS --fail --max-time 300 --unix-socket "$AGS_E2E_IMAGE_FROM" -o "$archive" \
        "http://d/v4.0.0/libpod/images/$q_image/get?format=docker-archive" ||
        h_die "cannot export $image from $AGS_E2E_IMAGE_FROM"
    H_CURL_TIME=300 h_api POST images/load -H 'Content-Type: application/x-tar' \
        --data-binary "@$archive" -o "$state/image-load.json" ||
        h_die "cannot load $image into the service of $E2E_USER"
    rm -f "$archive"
    h_api GET "images/$image/json" -o "$inspect" || h_die "$image is missing after the load"
    image_id=$("$H_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["Id"])' "$inspect")
    if [ -n "$existing_id" ] && [ "$existing_id" != "$image_id" ]; then
        h_api DELETE "images/$existing_id" -o /dev/null 2>/dev/null || true
    fi
else
    h_log "building $image (context sha256 $digest)"
    build_log=$state/image-build.log
    q_format=$(h_urlencode application/vnd.oci.image.manifest.v1+json)
    q_ns=$(h_urlencode '[{"Name":"network","Host":false}]')
    q_labels=$(h_urlencode "{\"$label_key\":\"$digest\"}")
    q_tag=$(h_urlencode "$image")
    status=$(curl -sS --max-time 600 --unix-socket "$E2E_SOCK" -X POST \
        -H 'Content-Type: application/x-tar' -H 'Expect:' \
        --data-binary "@$tarball" -o "$build_log" -w '%{http_code}' \
        "http://d/v4.0.0/libpod/build?t=$q_tag&layers=true&rm=true&outputformat=$q_format&nsoptions=$q_ns&networkmode=NetworkDisabled&labels=$q_labels") ||
        { cat "$build_log" >&2 2>/dev/null; h_die "build request failed (curl)"; }
    [ "$status" = 200 ] || { cat "$build_log" >&2; h_die "build: HTTP $status"; }
    # The build reports failure inside the 200 stream: any line with an
    # "error" key, or no final line that is the 64-hex image id.
    image_id=$("$H_PY" - "$build_log" <<'EOF'
import json, re, sys
last_id, errors = None, []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    line = line.strip()
    if not line:
        continue
    try:
        obj = json.loads(line)
    except ValueError:
        errors.append("line %d is not JSON: %s" % (n, line))
        continue
    if "error" in obj:
        errors.append("line %d: %s" % (n, str(obj["error"]).strip()))
    s = str(obj.get("stream", "")).strip()
    last_id = s if re.fullmatch(r"[0-9a-f]{64}", s) else last_id
if errors or not last_id:
    for e in errors or ["the stream ended without an image id"]:
        print("build failed: " + e, file=sys.stderr)
    sys.exit(1)
print(last_id)
EOF
    ) || {
        echo "--- build output (tail) ---" >&2
        tail -n 20 "$build_log" >&2
        h_die "image build failed"
    }
    h_log "built $image: $image_id"
    # Drop the image this build replaced (now untagged); ignore "in use".
    if [ -n "$existing_id" ] && [ "$existing_id" != "$image_id" ]; then
        h_api DELETE "images/$existing_id" -o /dev/null 2>/dev/null || true
        # Its intermediate layer images too (vfs copies every layer). Only
        # for the harness's own user: a developer's dangling images stay.
        if [ "$E2E_MODE" = root ]; then
            h_api POST images/prune -o /dev/null 2>/dev/null || true
        fi
    fi
fi
t_end=$(date +%s.%N)

# ---------------------------------------------------------------- remote host
# Root mode: the ssh:// tests' remote host (issue 20) is a second user with
# its own subuids, runtime dir, containers.conf, storage and Podman service
# (this script again, for that user) and its own sshd on a free loopback
# port. The sshd runs as that user (a non-root sshd logs in only its own
# user, and every per-connection process is that user's: the tests stop
# them through a second login). The test user gets the user key pair and,
# through the remote user's group, the remote socket (tests inspect the
# remote engine directly).
start_remote_sshd() {
    local uid gid xdg group i
    read -r uid gid xdg r_sock < <(. "$state/remote/env" && printf '%s %s %s %s\n' \
        "$AGS_E2E_UID" "$AGS_E2E_GID" "$AGS_E2E_XDG_RUNTIME_DIR" "$AGS_E2E_SOCKET")
    group=$(getent group "$gid" | cut -d: -f1)
    [ -n "$group" ] || h_die "the group $gid of $remote_user has no name"
    if ! id -nG "$E2E_USER" | tr ' ' '\n' | grep -qxF "$group"; then
        h_log "adding $E2E_USER to the group $group (the remote engine's socket)"
        usermod -a -G "$group" "$E2E_USER"
    fi
    chgrp "$gid" "$xdg" "$xdg/podman" "$r_sock"
    chmod 0710 "$xdg" "$xdg/podman"
    chmod 0660 "$r_sock"

    remote_dir=/run/ags-e2e/$uid-ssh
    rm -rf "$remote_dir"
    install -d -m 0755 -o root -g root "$remote_dir"
    ssh-keygen -q -t ed25519 -N '' -C ags-e2e-remote-host -f "$remote_dir/host_key"
    ssh-keygen -q -t ed25519 -N '' -C "$E2E_USER@ags-e2e" -f "$remote_dir/user_key"
    chown "$uid:$gid" "$remote_dir/host_key"
    chown "$E2E_UID:$E2E_GID" "$remote_dir/user_key"
    install -m 0644 "$remote_dir/user_key.pub" "$remote_dir/authorized_keys"
    remote_port=$("$H_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$remote_dir/sshd_config" <<CFG
# written by tests/e2e/setup.sh: the ssh:// tests' remote host
ListenAddress 127.0.0.1
Port $remote_port
HostKey $remote_dir/host_key
AuthorizedKeysFile $remote_dir/authorized_keys
AllowUsers $remote_user
StrictModes no
UsePAM no
PidFile none
AllowStreamLocalForwarding yes
PasswordAuthentication no
KbdInteractiveAuthentication no
CFG
    : >"$remote_dir/sshd.log"
    chmod 0644 "$remote_dir/sshd.log"
    h_log "starting sshd for $remote_user on 127.0.0.1:$remote_port (log: $remote_dir/sshd.log)"
    # shellcheck disable=SC2016
    (
        AGS_E2E_USER=$remote_user
        h_identity
        h_as_user setsid sh -c 'echo $$ >"$1" && exec /usr/sbin/sshd -D -e -f "$2"' \
            sh "$E2E_XDG/ags-e2e-sshd.pid" "$remote_dir/sshd_config" \
            </dev/null >>"$remote_dir/sshd.log" 2>&1 &
    )
    for ((i = 0; i < 100; i++)); do
        remote_sshd_pid=$(cat "$xdg/ags-e2e-sshd.pid" 2>/dev/null || true)
        "$H_PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
            "$remote_port" 2>/dev/null && [ -n "$remote_sshd_pid" ] && return 0
        sleep 0.05
    done
    cat "$remote_dir/sshd.log" >&2
    h_die "the sshd of $remote_user does not listen on 127.0.0.1:$remote_port"
}
t_remote=$t_end
if [ "$E2E_MODE" = root ] && [ "$role" = test ]; then
    remote_user=${AGS_E2E_REMOTE_USER:-agsremote}
    [ "$remote_user" != "$E2E_USER" ] || h_die "AGS_E2E_REMOTE_USER must not be the test user"
    h_log "setting up the remote host: user $remote_user (state: $state/remote)"
    AGS_E2E_ROLE=remote AGS_E2E_USER=$remote_user AGS_E2E_IMAGE_FROM=$E2E_SOCK \
        AGS_E2E_IMAGE_DIGEST=$digest "$BASH" "$here/setup.sh" "$state/remote" ||
        h_die "the remote host's setup failed"
    start_remote_sshd
    t_remote=$(date +%s.%N)
fi

ready=1
write_env
h_log "env file: $envfile"
"$H_PY" -c 'import sys; a, b, c, d, e = map(float, sys.argv[1:]); print("e2e: timing: checks+stale cleanup %.2f s, service start %.2f s, image %.2f s, remote host %.2f s, setup total %.2f s" % (b - a, c - b, d - c, e - d, e - a))' \
    "$t_start" "$t_clean" "$t_ping" "$t_end" "$t_remote"
