# shellcheck shell=bash
# Host-side helpers shared by setup.sh, teardown.sh and run-as-user.sh.
# (Test scripts use lib.sh instead; this file never runs inside a test.)
#
# Two modes:
#   root: CI. Tests run as a dedicated unprivileged user (AGS_E2E_USER,
#         default agstest) that the harness creates and owns completely.
#   user: a developer running ctest as themselves. Tests run as that user;
#         the harness only touches its own service, socket and scratch dirs.

# The system python (a version manager's shim on the caller's PATH can cost
# a third of a second per call).
if [ -x /usr/bin/python3 ]; then H_PY=/usr/bin/python3; else H_PY=python3; fi

h_die() {
    printf 'e2e: error: %s\n' "$*" >&2
    exit 1
}

h_log() {
    printf 'e2e: %s\n' "$*"
}

# PATH given to everything that runs as the test user.
H_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

# Sets E2E_MODE, E2E_USER, E2E_UID, E2E_GID, E2E_HOME, E2E_XDG, E2E_SOCK,
# E2E_PIDFILE.
h_identity() {
    if [ "$(id -u)" -eq 0 ]; then
        E2E_MODE=root
        E2E_USER=${AGS_E2E_USER:-agstest}
    else
        E2E_MODE=user
        E2E_USER=$(id -un)
    fi
    local pw
    pw=$(getent passwd "$E2E_USER") || return 1
    E2E_UID=$(cut -d: -f3 <<<"$pw")
    E2E_GID=$(cut -d: -f4 <<<"$pw")
    E2E_HOME=$(cut -d: -f6 <<<"$pw")
    if [ "$E2E_MODE" = root ]; then
        E2E_XDG=/run/ags-e2e/$E2E_UID
    else
        E2E_XDG=${TMPDIR:-/tmp}/ags-e2e-run.$E2E_UID
    fi
    E2E_SOCK=$E2E_XDG/podman/podman.sock
    E2E_PIDFILE=$E2E_XDG/ags-e2e-service.pid
}

# The clean environment for processes of the test user (env -i NAME=VALUE...).
# DBUS_SESSION_BUS_ADDRESS points nowhere on purpose: without it podman runs
# dbus-launch, which leaves a session dbus-daemon behind for every command.
h_clean_env() {
    H_ENV=(HOME="$E2E_HOME" USER="$E2E_USER" LOGNAME="$E2E_USER" PATH="$H_PATH"
           XDG_RUNTIME_DIR="$E2E_XDG"
           DBUS_SESSION_BUS_ADDRESS=disabled:)
}

# h_as_user CMD [ARGS...]: run CMD as the test user with the clean environment
# plus any extra NAME=VALUE pairs in the H_EXTRA_ENV array, in the user's
# home (the caller's cwd, e.g. a build dir under /root, may be unreadable for
# the user; podman refuses to start there). A subshell: the cd stays local.
h_as_user() (
    cd "$E2E_HOME" 2>/dev/null || cd /
    h_clean_env
    local -a extra=("${H_EXTRA_ENV[@]+"${H_EXTRA_ENV[@]}"}")
    if [ "$E2E_MODE" = root ]; then
        exec setpriv --reuid="$E2E_UID" --regid="$E2E_GID" --init-groups -- \
            env -i "${H_ENV[@]}" "${extra[@]}" "$@"
    fi
    exec env -i "${H_ENV[@]}" "${extra[@]}" "$@"
)

# True if PID is alive, belongs to the test user and its command line
# contains NEEDLE.
h_pid_is() {
    local pid=$1 needle=$2
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    h_pid_uid "$pid" || return 1
    [ "$H_UID" = "$E2E_UID" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$needle"
}

# True while PID exists and is not a zombie (zombies wait for init to reap
# them, which can take a while in some sandboxes).
h_alive() {
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# PIDs of all live processes of the test user (from /proc: no procps needed).
h_user_pids() {
    local d
    for d in /proc/[0-9]*; do
        h_pid_uid "${d#/proc/}" || continue
        [ "$H_UID" = "$E2E_UID" ] || continue
        h_alive "${d#/proc/}" && printf '%s\n' "${d#/proc/}"
    done
    return 0
}

# PIDs whose parent is PID.
h_children() {
    local d stat rest
    for d in /proc/[0-9]*; do
        read -r stat 2>/dev/null <"$d/stat" || continue
        rest=${stat##*) }         # "S PPID ..."
        rest=${rest#* }
        [ "${rest%% *}" = "$1" ] && printf '%s\n' "${d#/proc/}"
    done
    return 0
}

# Sets H_UID to the real uid of PID (pure bash, no fork: this runs for
# every process on the machine).
h_pid_uid() {
    local k v _
    H_UID=
    while read -r k v _; do
        if [ "$k" = Uid: ]; then
            H_UID=$v
            return 0
        fi
    done 2>/dev/null <"/proc/$1/status"
    return 1
}

# Send SIGTERM, wait up to SECS (default 10) seconds, then SIGKILL.
h_kill_wait() {
    local pid=$1 secs=${2:-10} i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < secs * 20; i++)); do
        h_alive "$pid" || return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
        h_alive "$pid" || return 0
        sleep 0.05
    done
    return 1
}

# Stop the service recorded in the pid file (ours only). Returns non-zero if
# a service process survived SIGKILL.
h_stop_service() {
    local pid rc=0
    [ -f "$E2E_PIDFILE" ] || return 0
    pid=$(cat "$E2E_PIDFILE" 2>/dev/null || true)
    if h_pid_is "$pid" "system service"; then
        h_log "stopping podman service (pid $pid)"
        # Rootless podman re-executes itself inside the user namespace: the
        # pid we started forwards signals to a child that does the work.
        local kids kid
        kids=$(h_children "$pid")
        h_kill_wait "$pid" 10 || rc=1
        for kid in $kids; do
            h_kill_wait "$kid" 10 || rc=1
        done
    fi
    rm -f "$E2E_PIDFILE"
    return "$rc"
}

# curl on the service socket. Prints the body; exits non-zero on HTTP >= 400.
h_api() {
    local method=$1 path=$2
    shift 2
    curl -sS --fail --max-time "${H_CURL_TIME:-30}" --unix-socket "$E2E_SOCK" \
        -X "$method" "$@" "http://d/v4.0.0/libpod/$path"
}

# h_sweep_containers [LABEL_FILTER]: force-remove the test user's containers
# (all of them, or those matching a label filter such as "ags-e2e").
# Returns non-zero if one could not be removed.
h_sweep_containers() {
    local q=all=true ids id rc=0
    [ -z "${1:-}" ] || q="$q&filters=$(h_urlencode "{\"label\":[\"$1\"]}")"
    ids=$(h_api GET "containers/json?$q" |
        "$H_PY" -c 'import json, sys; print(" ".join(c["Id"] for c in json.load(sys.stdin)))') ||
        return 1
    for id in $ids; do
        h_log "removing container ${id:0:12}"
        H_CURL_TIME=60 h_api DELETE "containers/$id?force=true&volumes=true&timeout=2" -o /dev/null ||
            { h_log "warning: could not remove container ${id:0:12}"; rc=1; }
    done
    return "$rc"
}

h_ping() {
    [ -S "$E2E_SOCK" ] || return 1
    [ "$(curl -s --max-time 2 --unix-socket "$E2E_SOCK" http://d/_ping 2>/dev/null)" = OK ]
}

h_urlencode() {
    "$H_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# Write one NAME=VALUE line (shell-quoted) for the env file.
h_env_line() {
    printf '%s=%q\n' "$1" "$2"
}

# Remove a per-run scratch dir (only paths the harness creates). Files that
# containers wrote without keep-id belong to sub-uids: root removes them
# directly, an ordinary user needs `podman unshare`.
h_remove_scratch() {
    local dir=$1
    case $dir in
        */ags-e2e-[0-9]*) ;;
        *) return 0 ;;
    esac
    [ -d "$dir" ] || return 0
    rm -rf "$dir" 2>/dev/null && return 0
    if [ "$E2E_MODE" = user ]; then
        h_as_user podman unshare rm -rf "$dir" </dev/null >/dev/null 2>&1 || true
    fi
    [ ! -e "$dir" ] || { h_log "warning: could not remove $dir"; return 1; }
}
