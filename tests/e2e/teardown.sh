#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# e2e fixture cleanup: remove test containers, stop the service that setup
# started, make sure no process of the test user is left behind (root mode),
# remove the socket and the per-run scratch dir. Root mode: then the same for
# the ssh:// tests' remote host (its sshd, its user's service and processes:
# this script again on STATE_DIR/remote).
#
#   teardown.sh STATE_DIR
#
# Safe to run when setup failed half-way or never ran. Exits non-zero only
# if a process of ours refuses to die. AGS_E2E_KEEP_SCRATCH=1 keeps the
# scratch dir for post-mortems.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
. "$here/harness.sh"

[ $# -ge 1 ] || h_die "usage: teardown.sh STATE_DIR"
envfile=$1/env
AGS_E2E_SCRATCH_ROOT=
if [ -f "$envfile" ]; then
    # shellcheck disable=SC1090
    . "$envfile"
fi
if ! h_identity 2>/dev/null; then
    h_log "no test user ${AGS_E2E_USER:-agstest}: nothing to tear down"
    exit 0
fi
rc=0

# 1. Containers: all of the dedicated test user's (root mode), or the ones
#    carrying the e2e label (user mode: the developer's own are left alone).
if h_ping; then
    if [ "$E2E_MODE" = root ]; then
        h_sweep_containers "" || true
        h_api POST volumes/prune -o /dev/null || true
    else
        h_sweep_containers ags-e2e || true
    fi
fi

# 2. The service, and the remote host's sshd (its pid file beside the service's).
h_stop_service || { h_log "error: the podman service does not die"; rc=1; }
sshd_pid=$(cat "$E2E_XDG/ags-e2e-sshd.pid" 2>/dev/null || true)
if h_pid_is "$sshd_pid" sshd; then
    h_log "stopping the remote host's sshd (pid $sshd_pid)"
    h_kill_wait "$sshd_pid" 2 || { h_log "error: the sshd does not die"; rc=1; }
fi
rm -f "$E2E_XDG/ags-e2e-sshd.pid"

# 3. Root mode: the user belongs to the harness; nothing of it may outlive
#    the run (the pause process, conmon, slirp4netns, catatonit).
if [ "$E2E_MODE" = root ]; then
    for pid in $(h_user_pids); do
        h_alive "$pid" || continue
        h_log "stopping leftover process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        # 1 s of SIGTERM grace: an exec session's conmon (ags attach and
        # logs run through Podman's exec) lingers with --exit-delay 300 and
        # does not stop on SIGTERM; 5 s each made teardown take a minute.
        h_kill_wait "$pid" 1 || { h_log "error: process $pid does not die"; rc=1; }
    done
fi

# 4. Socket, scratch, env file.
rm -f "$E2E_SOCK"
if [ "${AGS_E2E_KEEP_SCRATCH:-0}" = 1 ]; then
    h_log "keeping $AGS_E2E_SCRATCH_ROOT (AGS_E2E_KEEP_SCRATCH=1)"
else
    h_remove_scratch "$AGS_E2E_SCRATCH_ROOT" || true
fi
if [ -f "$envfile" ]; then
    sed -i 's/^AGS_E2E_READY=1$/AGS_E2E_READY=0/' "$envfile"
fi

# 5. Root mode: the remote host's user, as this user's.
if [ "$E2E_MODE" = root ] && [ -f "$1/remote/env" ]; then
    h_log "tearing down the remote host (user ${AGS_E2E_REMOTE_USER:-agsremote})"
    "$BASH" "$here/teardown.sh" "$1/remote" || rc=1
    case ${AGS_E2E_REMOTE_KEY:-} in
        /run/ags-e2e/*-ssh/user_key) rm -rf "${AGS_E2E_REMOTE_KEY%/user_key}" ;;
    esac
fi
h_log "teardown done"
exit "$rc"
