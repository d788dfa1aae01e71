#!/usr/bin/env bash
# src/notify against a real D-Bus: each MODE runs TEST_BINARY MODE in its own
# private session bus (dbus-run-session with session.conf: no activation, so
# no notification daemon of the host is started), with the test server
# notify-server.py (python3-dbus, python3-gi) owning the notification name
# or not:
#   nobus      no session bus at all (outside dbus-run-session)
#   noserver   a bus without org.freedesktop.Notifications
#   server     the test server with actions
#   noactions  the test server without actions (the dialog path)
#
#   notify-test.sh TEST_BINARY MODE...
#
# Needs (Debian 12): dbus-daemon (dbus-run-session), python3-dbus,
# python3-gi. A missing one is a failure that names the package, never a
# skip.  The server runs on /usr/bin/python3, the one with the distro modules.
set -euo pipefail

bin=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
fail() { echo "FAIL - $*" >&2; exit 1; }

if [ "${2:-}" != --inside ]; then
    shift
    command -v dbus-run-session >/dev/null || fail "dbus-run-session is missing: install the Debian package dbus-daemon"
    "$py" -c 'import dbus' 2>/dev/null || fail "$py cannot import dbus: install the Debian package python3-dbus"
    "$py" -c 'from gi.repository import GLib' 2>/dev/null || fail "$py cannot import gi: install the Debian package python3-gi"
    tmp=$(mktemp -d /tmp/ags-notify-test.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    for mode in "$@"; do
        echo "== $mode"
        if [ "$mode" = nobus ]; then
            mkdir -p "$tmp/nobus"
            env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$tmp/nobus" NOTIFY_TEST_DIR="$tmp/nobus" \
                NOTIFY_FAKE_DIALOG="$here/fake-dialog.sh" "$bin" nobus
        else
            timeout 300 dbus-run-session --config-file="$here/session.conf" -- \
                bash "$0" "$bin" --inside "$mode" "$tmp"
        fi
    done
    exit 0
fi

mode=$3
dir=$4/$mode
mkdir -p "$dir"
export NOTIFY_TEST_DIR=$dir NOTIFY_FAKE_DIALOG=$here/fake-dialog.sh
server=
case $mode in
server) "$py" "$here/notify-server.py" "$dir" & server=$! ;;
noactions) "$py" "$here/notify-server.py" "$dir" --no-actions & server=$! ;;
noserver) ;;
*) fail "unknown mode $mode" ;;
esac
if [ -n "$server" ]; then
    # Polled with a bound: the server writes ready once it owns the name.
    for _ in $(seq 200); do
        [ -e "$dir/ready" ] && break
        kill -0 "$server" 2>/dev/null || fail "notify-server.py exited before it was ready"
        sleep 0.05
    done
    [ -e "$dir/ready" ] || fail "notify-server.py was not ready within 10 s"
fi
rc=0
"$bin" "$mode" || rc=$?
if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
fi
exit "$rc"
