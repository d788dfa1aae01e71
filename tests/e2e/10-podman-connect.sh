#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# podman_connect against the real service: ping and version through
# CONTAINER_HOST and through containers.conf (active_service); a missing
# socket and a stalled one (accepts, never answers) fail with clear errors
# within ~5 s; ssh:// is refused; with nothing configured and the default
# socket silent, --autostart starts a private `podman system service` in its
# own session (stdin /dev/null, no terminal) and a second call reuses it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DRIVER=$(cd "$(dirname "$0")" && pwd)/bin/podman-driver
[ -x "$DRIVER" ] || e2e_abort "$DRIVER missing: ctest passes it in AGS_E2E_EXTRA_BINS"


# ------------------------------------------------------------ CONTAINER_HOST
drv ping
check_eq "ping through CONTAINER_HOST (exit status)" 0 "$DRV_RC"
check_match "the version is 4.x or newer" '^version=([4-9]|[1-9][0-9])\.[0-9]+' "$DRV_OUT"
check_contains "the uri is CONTAINER_HOST" "uri=$CONTAINER_HOST" "$DRV_OUT"
version=$(sed -n 's/^version=//p' <<<"$DRV_OUT")
api GET version
check_eq "the version is the service's own" "$(jget Version)" "$version"
best=$DRV_MS
for _ in 1 2 3 4; do
    drv ping
    [ "$DRV_MS" -ge "$best" ] || best=$DRV_MS
done
echo "timing: driver ping (process start + connect + _ping), best of 5: $best ms"
check_match "connect + ping is fast (no GET /version: it costs >1 s on 4.3)" '^[0-9]{1,3}$' "$best"

# ------------------------------------------------------------ containers.conf
conf=$E2E_TMP/xdg
mkdir -p "$conf/containers"
cat >"$conf/containers/containers.conf" <<EOF
[engine]
remote_uri = "unix:///nonexistent/remote.sock"
active_service = "e2e"

[engine.service_destinations.e2e]
uri = "$CONTAINER_HOST"
EOF
rc=0
out=$(env -u CONTAINER_HOST XDG_CONFIG_HOME="$conf" "$DRIVER" ping 2>&1) || rc=$?
check_eq "ping through containers.conf active_service (exit status)" 0 "$rc"
check_contains "the uri is the destination's" "uri=$CONTAINER_HOST" "$out"
rc=0
out=$(env -u CONTAINER_HOST XDG_CONFIG_HOME="$conf" CONTAINER_CONNECTION=nope "$DRIVER" ping 2>&1) || rc=$?
check_eq "CONTAINER_CONNECTION naming no destination fails" 1 "$rc"
check_contains "and says so" "CONTAINER_CONNECTION=nope names the connection 'nope'" "$out"

# ------------------------------------------------------------ failures
drv --url "unix://$AGS_E2E_SCRATCH/none.sock" ping
check_eq "a missing socket fails" 1 "$DRV_RC"
check_eq "with a clear error" \
    "podman-driver: no Podman service at unix://$AGS_E2E_SCRATCH/none.sock (the socket does not exist) [ENOENT]" \
    "$DRV_ERR"

# The bare client has no ssh transport of its own (ags wires src/ssh in
# through base/dialer.h; e2e/remote-ssh runs it): it says so, never dials.
drv --url "ssh://dev@host:22/run/user/1000/podman/podman.sock" ping
check_eq "ssh:// without a transport fails" 1 "$DRV_RC"
check_contains "saying the program has none" "this program has no ssh transport" "$DRV_ERR"

stall=$E2E_TMP/stall.sock
python3 - "$stall" <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
held = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        held.append(s.accept())   # accept, read nothing, answer nothing
    except socket.timeout:
        pass
EOF
stall_pid=$!
e2e_defer "kill $stall_pid 2>/dev/null || true"
for _ in $(seq 50); do [ -S "$stall" ] && break; sleep 0.1; done
drv --url "unix://$stall" ping
check_eq "a stalled service fails" 1 "$DRV_RC"
check_contains "with a clear error" "did not answer within 5 s (is it stalled?) [ETIMEDOUT]" "$DRV_ERR"
echo "timing: stalled service reported after $DRV_MS ms"
if [ "$DRV_MS" -ge 4500 ] && [ "$DRV_MS" -lt 8000 ]; then
    ok "and after about 5 s (no hang)"
else
    fail "and after about 5 s (no hang)" "4500..8000 ms" "$DRV_MS ms"
fi

# A service that answers _ping, starts a build's 200 stream, then goes quiet:
# the build fails after the stall limit instead of hanging.
quiet=$E2E_TMP/quiet.sock
python3 - "$quiet" <<'EOF' &
import socket, sys, threading, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk:
            return
        data += chunk
    if data.startswith(b"GET /_ping"):
        c.sendall(b"HTTP/1.1 200 OK\r\nLibpod-Api-Version: 4.3.1\r\nContent-Length: 2\r\n\r\nOK")
        serve(c)
        return
    body = b'{"stream":"STEP 1/2: FROM scratch\\n"}\n'
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n")
    time.sleep(60)  # then nothing: a stuck build
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
quiet_pid=$!
e2e_defer "kill $quiet_pid 2>/dev/null || true"
for _ in $(seq 50); do [ -S "$quiet" ] && break; sleep 0.1; done
mkdir -p "$E2E_TMP/quiet-ctx"
printf 'FROM scratch\n' >"$E2E_TMP/quiet-ctx/Containerfile"
drv --url "unix://$quiet" build "$E2E_TMP/quiet-ctx" localhost/ags-e2e-quiet:x --stall 2
check_eq "a build whose stream goes quiet fails" 1 "$DRV_RC"
check_contains "saying that Podman sent nothing" \
    "sent nothing for 2 s during POST /build (is it stalled?) [ETIMEDOUT]" "$DRV_ERR"
check_contains "after showing what did arrive" "STEP 1/2: FROM scratch" "$DRV_OUT$DRV_ERR"
echo "timing: quiet build stream reported after $DRV_MS ms"

# ------------------------------------------------------------ autostart
# A fresh runtime dir (short path: unix socket paths are limited to 108 bytes).
rt=$(mktemp -d /tmp/ags-e2e-rt.XXXXXX)
chmod 0700 "$rt"
sock=$rt/ags/podman.sock

# PIDs of live processes whose command line mentions the autostart socket
# (pure bash: this runs for every process on the machine).
service_pids() {
    local d stat args=()
    for d in /proc/[0-9]*; do
        read -r stat 2>/dev/null <"$d/stat" || continue
        stat=${stat##*) }
        [ "${stat%% *}" != Z ] || continue
        mapfile -d '' args 2>/dev/null <"$d/cmdline" || continue
        [[ "${args[*]}" == *"$sock"* ]] && printf '%s\n' "${d#/proc/}"
    done
    return 0
}
# shellcheck disable=SC2317 # called through e2e_defer
stop_autostarted() {
    local p pids
    pids=$(service_pids)
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 100); do [ -z "$(service_pids)" ] && break; sleep 0.1; done
    for p in $(service_pids); do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$rt"
}
e2e_defer stop_autostarted

autostart() {
    rc=0
    out=$(env -u CONTAINER_HOST XDG_RUNTIME_DIR="$rt" XDG_CONFIG_HOME="$E2E_TMP/empty" \
          DBUS_SESSION_BUS_ADDRESS=disabled: "$DRIVER" "$@" ping 2>&1) || rc=$?
}
autostart
check_eq "without --autostart the silent default socket is an error" 1 "$rc"
check_contains "that says how to start the service" "systemctl --user enable --now podman.socket" "$out"

t0=$(date +%s%N)
autostart --autostart --idle 120
t1=$(date +%s%N)
echo "timing: autostart (spawn + first _ping) $(((t1 - t0) / 1000000)) ms"
check_eq "--autostart starts a service (exit status)" 0 "$rc"
check_contains "and uses it" "uri=unix://$sock" "$out"
check_contains "of the same version" "version=$version" "$out"
pids=$(service_pids)
# The process ags spawned (rootless podman re-executes itself as a child).
first=
for p in $pids; do
    read -r stat <"/proc/$p/stat"
    rest=${stat##*) }
    read -r _state ppid _ <<<"$rest"
    grep -qx -- "$ppid" <<<"$pids" || first=$p
done
if [ -z "$first" ]; then
    fail "the autostarted service is running" "a process for $sock" "none"
else
    read -r stat <"/proc/$first/stat"
    rest=${stat##*) }
    read -r _state _ppid _pgrp session tty _ <<<"$rest"
    check_eq "it leads its own session (setsid)" "$first" "$session"
    check_eq "it has no controlling terminal" 0 "$tty"
    check_eq "its stdin is /dev/null" /dev/null "$(readlink "/proc/$first/fd/0")"
    check_eq "its stdout goes to the log" "$rt/ags/podman-service.log" "$(readlink "/proc/$first/fd/1")"
    check_match "its idle timeout is passed on" "--time=120" "$(tr '\0' ' ' <"/proc/$first/cmdline")"
fi
autostart --autostart
check_eq "a second call succeeds" 0 "$rc"
check_eq "and reuses the same service" "$pids" "$(service_pids)"
stat -c '%a' "$rt/ags" >"$E2E_TMP/mode"
check_eq "the ags runtime dir is private" 700 "$(cat "$E2E_TMP/mode")"

e2e_finish
