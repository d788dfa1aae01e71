#!/usr/bin/env bash
# Shared set-up of the attack probes (issue 17, bubblewrap backend).
# Run each probe as root on the dev machine: it drops to the test user
# (AGS_ATK_USER, default agstest) with a private HOME/XDG tree under
# $ATK_DIR, a copy of that user's test image, and the ags binary in AGS_BIN
# (default /tmp/atk/ags, world-readable).  A probe exits 0 when the attack
# WORKS (the finding is reproduced), 1 when it is blocked, 2 on set-up errors.
set -euo pipefail
ATK_USER=${AGS_ATK_USER:-agstest}
ATK_BIN=${AGS_BIN:-/tmp/atk/ags}
ATK_DIR=${ATK_DIR:-/tmp/atk-u}
ATK_IMAGE=${ATK_IMAGE:-localhost/ags-test:latest}
ATK_HOME_SRC=$(getent passwd "$ATK_USER" | cut -d: -f6)

atk_die() { echo "setup: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || atk_die "run as root (it drops to $ATK_USER)"
[ -x "$ATK_BIN" ] || atk_die "no ags binary at $ATK_BIN (cp build-test/ags there, chmod 755)"

# Runs "$@" as the test user with the probe's private environment.
as_user() {
    runuser -u "$ATK_USER" -- env -i HOME="$ATK_DIR/home" USER="$ATK_USER" LOGNAME="$ATK_USER" \
        PATH=/usr/local/bin:/usr/bin:/bin XDG_CONFIG_HOME="$ATK_DIR/cfg" \
        XDG_DATA_HOME="$ATK_DIR/data" XDG_RUNTIME_DIR="${ATK_RT-$ATK_DIR/rt}" \
        ${ATK_EXTRA_ENV:-} "$@"
}

# A fresh private tree with a copy of the test image and a workspace.
atk_setup() {
    if [ -d "$ATK_DIR" ]; then
        chmod -R u+rwX "$ATK_DIR" 2>/dev/null || true
        rm -rf "$ATK_DIR"
    fi
    mkdir -p "$ATK_DIR"
    chown "$ATK_USER:" "$ATK_DIR"
    chmod 0700 "$ATK_DIR"
    as_user sh -c 'mkdir -p "$HOME" "$XDG_CONFIG_HOME/ags" "$XDG_DATA_HOME/ags" "$XDG_RUNTIME_DIR" &&
        chmod 0700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME/ags"'
    cp -a "$ATK_HOME_SRC/.local/share/ags/rootfs" "$ATK_DIR/data/ags/rootfs"
    chown -R "$ATK_USER:" "$ATK_DIR/data/ags/rootfs"
    as_user mkdir -p "$ATK_DIR/work/repo/.git"
    atk_config ''
}

# The user's config: bwrap, the test image, then the lines given.
atk_config() {
    as_user sh -c 'cat >"$XDG_CONFIG_HOME/ags/config.toml"' <<EOC
[sandbox]
backend = "bwrap"
image = "$ATK_IMAGE"
$*
EOC
}

# ags as the test user in the workspace; the agent is the shell.
atk_ags() {
    as_user sh -c 'cd "$0" && exec "$@"' "${ATK_WORK:-$ATK_DIR/work/repo}" "$ATK_BIN" "$@"
}

# A shell command run in the sandbox (non-tty).
atk_run() {
    atk_ags --backend bwrap --agent shell -- -c "$1" </dev/null
}

works() { echo "ATTACK WORKS: $*"; exit 0; }
held() { echo "held: $*"; exit 1; }
