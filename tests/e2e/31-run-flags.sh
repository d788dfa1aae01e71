#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# The run flags end to end against the real rootless service: --root, --yolo,
# --add-dir/-d, --config (its mounts; a broken file), --tmux (with
# --stop-when-done), an interactive run of ags on a
# pseudo-terminal (TTY inside, window size, typed input, terminal restored),
# and committing from inside a git worktree.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need git script stty

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"


# ---- --root: root inside, capabilities kept, files still the host user's
run --root --agent shell -- -c 'id -u; grep CapEff /proc/self/status; echo x > made-as-root'
check_eq "--root: the run exits 0" 0 "$RUN_RC"
check_eq "--root: uid 0 inside" 0 "$(head -n1 <<<"$RUN_OUT")"
check_match "--root: capabilities are not all dropped" 'CapEff:[[:space:]]+0*[1-9a-f]' "$RUN_OUT"
check_eq "--root: a file written inside belongs to the host user" "$(id -u)" \
    "$(stat -c %u made-as-root 2>/dev/null)"
run --agent shell -- -c 'grep CapEff /proc/self/status'
check_match "without --root every capability is dropped" 'CapEff:[[:space:]]+0+$' "$RUN_OUT"

# ---- --yolo: the guards are told to stand down
run --yolo --agent shell -- -c 'echo "yolo=${AGS_GUARD_YOLO:-unset}"'
check_eq "--yolo sets AGS_GUARD_YOLO=1" "yolo=1" "$RUN_OUT"
run --agent shell -- -c 'echo "yolo=${AGS_GUARD_YOLO:-unset}"'
check_eq "without --yolo AGS_GUARD_YOLO is unset" "yolo=unset" "$RUN_OUT"
# The guarded agents warn (the test image has no pi or claude: exit 127 after).
run --yolo --agent pi
check_contains "--yolo with pi warns that the guard is off" \
    "warning: --yolo disables the ags pi guard for this run" "$RUN_ERR"
run --root --agent claude
check_contains "--root with claude warns about root in the sandbox" \
    "warning: --root grants root access inside the sandbox for this run" "$RUN_ERR"

# ---- --add-dir / -d: mounted at the same path, writable
EXTRA1=$AGS_E2E_SCRATCH/extra-one
EXTRA2=$AGS_E2E_SCRATCH/extra-two
mkdir -p "$EXTRA1" "$EXTRA2"
echo from-host >"$EXTRA1/in"
run --add-dir "$EXTRA1" -d "$EXTRA2" --agent shell -- \
    -c "cat '$EXTRA1/in'; echo one > '$EXTRA1/out'; echo two > '$EXTRA2/out'"
check_eq "--add-dir: the run exits 0" 0 "$RUN_RC"
check_eq "--add-dir: the host's files are visible inside" from-host "$RUN_OUT"
check_eq "--add-dir: a file written into the first dir appears on the host" one \
    "$(cat "$EXTRA1/out" 2>/dev/null)"
check_eq "-d (repeated): the second dir is writable too" two "$(cat "$EXTRA2/out" 2>/dev/null)"
check_eq "--add-dir: written files belong to the host user" "$(id -u)" "$(stat -c %u "$EXTRA1/out")"
run --add-dir "$AGS_E2E_SCRATCH/missing" --agent shell -- -c true
check_eq "--add-dir of a missing directory exits 2" 2 "$RUN_RC"
check_contains "--add-dir of a missing directory names it" "$AGS_E2E_SCRATCH/missing" "$RUN_ERR"

# ---- an interactive run on a pseudo-terminal
# script(1) gives ags a pty of 33x101; the typed line arrives after ags has
# started (typeahead would race the raw mode).
PTY_CMD="stty rows 33 cols 101; stty -g > '$E2E_TMP/stty-before';
'$AGS_BIN' --agent shell -- -c 'test -t 0 && test -t 1 && echo tty-inside; stty size; read -r line; echo \"got:\$line\"; exit 4';
echo \"ags-exit:\$?\"; stty -g > '$E2E_TMP/stty-after'"
{ sleep 4; printf 'typed-line\r'; sleep 2; } | script -qec "$PTY_CMD" /dev/null >"$E2E_TMP/pty.out" 2>&1 || true
PTY_OUT=$(tr -d '\r' <"$E2E_TMP/pty.out")
check_contains "interactive: stdin and stdout are terminals inside" tty-inside "$PTY_OUT"
check_contains "interactive: the window size reaches the sandbox" "33 101" "$PTY_OUT"
check_contains "interactive: typed input reaches the agent" "got:typed-line" "$PTY_OUT"
check_contains "interactive: the agent's exit status is ags's" "ags-exit:4" "$PTY_OUT"
check_eq "interactive: the terminal settings are restored after the run" \
    "$(cat "$E2E_TMP/stty-before" 2>/dev/null)" "$(cat "$E2E_TMP/stty-after" 2>/dev/null)"

# ---- --config FILE: another base config, its mounts applied read-only or
# read-write as declared; a broken one stops ags before anything is created
ALT=$AGS_E2E_SCRATCH/alt
mkdir -p "$ALT/ro" "$ALT/rw"
echo from-alt-config >"$ALT/ro/note"
cat >"$ALT/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"

[[mount]]
host = "$ALT/ro"
container = "/opt/alt-ro"
mode = "ro"

[[mount]]
host = "$ALT/rw"
container = "/opt/alt-rw"
mode = "rw"
TOML
run --config "$ALT/config.toml" --agent shell -- -c 'cat /opt/alt-ro/note
    if echo x 2>/dev/null >/opt/alt-ro/new; then echo ro-writable; else echo ro-refused; fi
    echo written >/opt/alt-rw/out'
check_eq "--config: the run exits 0" 0 "$RUN_RC"
check_eq "--config: its read-only mount is visible and refuses writes" \
    $'from-alt-config\nro-refused' "$RUN_OUT"
check_eq "--config: its read-write mount takes writes back to the host" written \
    "$(cat "$ALT/rw/out" 2>/dev/null)"
check_eq "--config: nothing was written into the read-only host dir" "" \
    "$(find "$ALT/ro" -mindepth 1 ! -name note)"
printf '[sandbox]\nimage = "%s"\n[[mount]]\nhost = "%s"\n' "$AGS_E2E_IMAGE" "$ALT/ro" \
    >"$ALT/broken.toml"
run --config "$ALT/broken.toml" --agent shell -- -c 'touch should-not-exist'
check_eq "--config with a broken file exits 2" 2 "$RUN_RC"
check_contains "--config with a broken file names its file:line" "$ALT/broken.toml:3" "$RUN_ERR"
check_eq "--config with a broken file runs nothing" no "$([ -e should-not-exist ] && echo yes || echo no)"
check_eq "--config with a broken file leaves no container" 0 "$(managed_containers)"

# ---- an agent whose CLI is not in its (fresh, empty) volume says so
run --agent codex
check_eq "a missing agent CLI: exit 127" 127 "$RUN_RC"
check_contains "a missing agent CLI: ags names it and the way to install it" \
    "[ags] codex is not installed in the sandbox (its runtime volume is empty). Install it with \`ags update-agents\`." \
    "$RUN_ERR"
check_eq "a missing agent CLI: no container is left" 0 "$(managed_containers)"

# ---- --tmux --stop-when-done: the agent runs inside tmux in the sandbox
TMUX_CMD="'$AGS_BIN' --tmux --stop-when-done --agent shell -- -c 'echo \"in-tmux:\${TMUX:+yes}\"; sleep 2'"
{ sleep 12; } | script -qec "$TMUX_CMD" /dev/null >"$E2E_TMP/tmux.out" 2>&1 || true
TMUX_OUT=$(tr -d '\r' <"$E2E_TMP/tmux.out")
check_contains "--tmux: the agent runs inside a tmux session" "in-tmux:yes" "$TMUX_OUT"
check_contains "--stop-when-done: the session ends with the agent" "[exited]" "$TMUX_OUT"

# ---- committing from inside a git worktree
MAIN=$AGS_E2E_SCRATCH/main-repo
git init -q "$MAIN"
git -C "$MAIN" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m initial
git -C "$MAIN" worktree add -q "$AGS_E2E_SCRATCH/wt" -b feature
cd "$AGS_E2E_SCRATCH/wt" || e2e_abort "cannot enter $AGS_E2E_SCRATCH/wt"
run --agent shell -- -c 'echo change > file && git add file &&
    git -c user.name=agent -c user.email=agent@example.invalid -c gc.auto=0 commit -qm made-inside &&
    echo committed'
check_eq "worktree: git commit inside the sandbox succeeds" committed "$RUN_OUT"
check_eq "worktree: the host repository has the commit on the worktree's branch" made-inside \
    "$(git -C "$MAIN" log -1 --format=%s feature 2>&1)"
check_eq "worktree: the host sees a clean worktree afterwards" "" "$(git status --porcelain 2>&1)"

e2e_finish
