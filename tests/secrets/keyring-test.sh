#!/usr/bin/env bash
# The keyring adapter against a real secret service: a private D-Bus session
# (dbus-run-session) with a fresh gnome-keyring whose login keyring is
# created and unlocked with a test password, in a throwaway HOME.
#
#   keyring-test.sh TEST_KEYRING_BINARY
#
# Needs (Debian 12): dbus-daemon (dbus-run-session), gnome-keyring,
# libsecret-tools (secret-tool, for the interop checks). A missing one is a
# failure that names the package, never a skip.
set -euo pipefail

bin=$1
inner=${2:-}
fail() { echo "FAIL - $*" >&2; exit 1; }

if [ "$inner" != --inside ]; then
    for c in dbus-run-session:dbus-daemon gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools; do
        command -v "${c%%:*}" >/dev/null || fail "${c%%:*} is missing: install the Debian package ${c#*:}"
    done
    # No bus at all first, outside any session.
    env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR "$bin" nobus
    tmp=$(mktemp -d /tmp/ags-keyring-test.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    rc=0
    HOME=$tmp/home XDG_DATA_HOME=$tmp/home/.local/share XDG_RUNTIME_DIR=$tmp/run \
        XDG_CONFIG_HOME=$tmp/home/.config \
        timeout 120 dbus-run-session -- bash "$0" "$bin" --inside || rc=$?
    # gnome-keyring exits with its bus; make sure nothing of ours outlives the test.
    pkill -KILL -f "gnome-keyring-daemon.*--components=secrets" -U "$(id -u)" 2>/dev/null || true
    exit "$rc"
fi

mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 0700 "$XDG_RUNTIME_DIR"
# --unlock with a password on stdin creates the login keyring and unlocks it.
eval "$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
for _ in $(seq 50); do
    secret-tool search --all service nothing >/dev/null 2>&1 && break
    sleep 0.1
done

printf '  stored-by-secret-tool \n' |
    secret-tool store --label 'interop item' service st-interop user bob ||
    fail "secret-tool store failed: the keyring is not usable"

rc=0
"$bin" session || rc=$?
[ "$rc" = 0 ] || fail "test-keyring session: exit $rc"

# What ags stored is readable by secret-tool too (same items, no private schema).
got=$(secret-tool lookup service ags-test user alice 2>/dev/null || true)
if [ "$got" = 's3cr3t value with spaces inside' ]; then
    echo "ok   - secret-tool finds the item ags stored"
else
    fail "secret-tool lookup of the item ags stored gave '$got'"
fi

rc=0
"$bin" locked || rc=$?
[ "$rc" = 0 ] || fail "test-keyring locked: exit $rc"
