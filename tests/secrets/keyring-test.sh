#!/usr/bin/env bash
# The keyring adapter against a real secret service: a private D-Bus session
# (dbus-run-session) with a fresh gnome-keyring whose login keyring is
# created and unlocked with a test password, in a throwaway HOME.
#
#   keyring-test.sh TEST_KEYRING_BINARY AGS_BINARY
#
# Needs (Debian 12): dbus-daemon (dbus-run-session), gnome-keyring,
# libsecret-tools (secret-tool, for the interop checks). A missing one is a
# failure that names the package, never a skip.
set -euo pipefail

bin=$1
ags=$2
inner=${3:-}
fail() { echo "FAIL - $*" >&2; exit 1; }

if [ "$inner" != --inside ]; then
    for c in dbus-run-session:dbus-daemon gnome-keyring-daemon:gnome-keyring \
        secret-tool:libsecret-tools script:bsdutils ssh-keygen:openssh-client; do
        command -v "${c%%:*}" >/dev/null || fail "${c%%:*} is missing: install the Debian package ${c#*:}"
    done
    # No bus at all first, outside any session.
    env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR "$bin" nobus
    tmp=$(mktemp -d /tmp/ags-keyring-test.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    rc=0
    HOME=$tmp/home XDG_DATA_HOME=$tmp/home/.local/share XDG_RUNTIME_DIR=$tmp/run \
        XDG_CONFIG_HOME=$tmp/home/.config \
        timeout 120 dbus-run-session -- bash "$0" "$bin" "$ags" --inside || rc=$?
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

# ags setup on a terminal (script(1) gives it a pty): the typed value is not
# echoed, lands in the keyring under the configured attributes, and an empty
# answer skips the target.  No Podman here (CONTAINER_HOST names a socket
# nobody listens on, so none is started; as root the step is refused): its
# step fails last, exit 1.
cat >"$HOME/setup.toml" <<'TOML'
[sandbox]
image = "i"
[[secret]]
env = "TOKEN_A"
secret_store = { service = "ags-setup", account = "a" }
[[secret]]
env = "TOKEN_B"
secret_store = { service = "ags-setup", account = "b" }
TOML
# The agent's keys exist already: otherwise setup's keys step runs
# ssh-keygen, whose passphrase prompt would take the answers meant for the
# secrets (e2e/setup-first-run covers the keys step).
mkdir -p "$HOME/.ssh" && chmod 0700 "$HOME/.ssh"
for k in auth signing; do
    ssh-keygen -q -t ed25519 -N '' -f "$HOME/.ssh/ags-agent-$k" -C "ags-agent-$k" </dev/null >/dev/null
done
typed=typed-value-$RANDOM$RANDOM
rc=0
# The answers come after ags has had time to turn echo off (typeahead would
# be echoed by the terminal before any program could stop it).
{ sleep 2; printf '%s\n' "$typed"; sleep 1; printf '\n'; } |
    script -qec "CONTAINER_HOST=unix://$HOME/no-podman.sock '$ags' setup --config '$HOME/setup.toml'" \
        /dev/null >"$HOME/transcript" 2>&1 ||
    rc=$?
[ "$rc" = 1 ] || fail "ags setup exited $rc, not 1 (Podman's step): $(cat "$HOME/transcript")"
grep -q 'image, agents: \(not checked\|skipped: as root\)' "$HOME/transcript" ||
    fail "ags setup did not say why it failed: $(cat "$HOME/transcript")"
if grep -q 'could not store' "$HOME/transcript"; then
    fail "ags setup failed to store: $(cat "$HOME/transcript")"
fi
grep -q 'TOKEN_A: ' "$HOME/transcript" || fail "ags setup did not prompt for TOKEN_A"
if grep -qF "$typed" "$HOME/transcript"; then
    fail "ags setup echoed the secret on the terminal"
fi
echo "ok   - ags setup prompts without echo"
grep -q 'Stored TOKEN_A in the keyring (account=a service=ags-setup)' "$HOME/transcript" ||
    fail "ags setup did not report storing TOKEN_A: $(cat "$HOME/transcript")"
grep -q 'Skipped TOKEN_B' "$HOME/transcript" || fail "an empty answer did not skip TOKEN_B"
[ "$(secret-tool lookup service ags-setup account a)" = "$typed" ] ||
    fail "the value ags setup stored is not in the keyring"
echo "ok   - ags setup stores the value under the configured attributes; empty skips"
[ -z "$(secret-tool lookup service ags-setup account b 2>/dev/null)" ] ||
    fail "TOKEN_B was stored although skipped"

rc=0
"$bin" locked || rc=$?
[ "$rc" = 0 ] || fail "test-keyring locked: exit $rc"
