#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# The sandbox PATH is the plan's PATH, also in login shells (issue 12 item 3).
# The test image has Debian-like login files (setup.sh: /etc/profile replaces
# PATH, ~/.profile prepends ~/.local/bin), the way `bash -lc` (codex runs its
# commands so), a new tmux window or `bash -l` meet them.  A tool planted in
# the agent's pnpm volume (a directory on the plan's PATH) is found and PATH
# equals the plan's, for the shell and for a fake pi planted in pi's volume.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags"
printf '[sandbox]\nimage = "%s"\n' "$AGS_E2E_IMAGE" >"$XDG_CONFIG_HOME/ags/config.toml"
cd "$WORK" || e2e_abort "cannot enter $WORK"

# The pnpm volumes of the agents this test runs: fresh before, gone after.
remove_volumes() {
    remove_volumes_named ags-shell-pnpm-home ags-pi-pnpm-home
}
remove_volumes
e2e_defer remove_volumes

plan_path() {
    "$AGS_BIN" plan --agent "$1" --json | python3 -c 'import json, sys
print(next(e["value"] for e in json.load(sys.stdin)["env"] if e["name"] == "PATH"))'
}

TOOL='#!/bin/sh
echo tool-ran'
# Prints PATH and where the tool is, as a login shell sees them.
LOGIN_PROBE='echo "$PATH"; command -v ags-path-probe; ags-path-probe'

# ---- the shell agent: plant the tool in its pnpm volume, then login shells
SHELL_PATH=$(plan_path shell)
check_contains "the plan's PATH holds the pnpm volume" ":/usr/local/pnpm:" "$SHELL_PATH"
run --agent shell -- -c 'printf "%s\n" "$1" >/usr/local/pnpm/ags-path-probe &&
    chmod 0755 /usr/local/pnpm/ags-path-probe && echo planted' _ "$TOOL"
check_eq "run 1 plants the tool in the shell's pnpm volume" planted "$RUN_OUT"
run --agent shell -- -l -c "$LOGIN_PROBE"
check_eq "bash -l: exit 0" 0 "$RUN_RC"
check_eq "bash -l: PATH is the plan's" "$SHELL_PATH" "$(sed -n 1p <<<"$RUN_OUT")"
check_eq "bash -l: the tool on the plan's PATH is found" /usr/local/pnpm/ags-path-probe \
    "$(sed -n 2p <<<"$RUN_OUT")"
check_eq "bash -l: the tool runs" tool-ran "$(sed -n 3p <<<"$RUN_OUT")"
run --agent shell -- -c 'exec /bin/sh -l -c "$0"' "$LOGIN_PROBE"
check_eq "sh -l: PATH is the plan's" "$SHELL_PATH" "$(sed -n 1p <<<"$RUN_OUT")"
check_eq "sh -l: the tool is found" /usr/local/pnpm/ags-path-probe "$(sed -n 2p <<<"$RUN_OUT")"
# The image's login files still do what they do (they are not replaced).
run --agent shell -- -l -c 'echo "$PS1"'
check_eq "bash -l: ~/.profile still ran" '\u@ags-test:\w$ ' "$RUN_OUT"
run --agent shell -- -c 'echo "$PATH"'
check_eq "bash -c (no login): PATH is the plan's" "$SHELL_PATH" "$RUN_OUT"

# ---- --tmux: the agent inside the session, and a new window (a login shell
# that tmux starts) get the plan's PATH; run on a pty, as tmux needs one
e2e_need script
cat >"$WORK/tmux-probe.sh" <<'EOF'
out=$1
echo "$PATH" >"$out/tmux-agent"
export TERM=screen # the test image has no tmux-256color entry, which the tmux client wants
tmux new-window -d -n probe
sleep 1
tmux send-keys -t probe "echo \"\$PATH\" >$out/tmux-window.tmp; command -v ags-path-probe >>$out/tmux-window.tmp; mv $out/tmux-window.tmp $out/tmux-window; exit" Enter
for _ in $(seq 50); do [ -e "$out/tmux-window" ] && break; sleep 0.2; done
EOF
WORK_REAL=$(pwd -P)
{ sleep 20; } | script -qec "'$AGS_BIN' --tmux --stop-when-done --agent shell -- '$WORK_REAL/tmux-probe.sh' '$WORK_REAL'" \
    /dev/null >"$E2E_TMP/tmux.out" 2>&1 || true
check_eq "--tmux: the agent's PATH is the plan's" "$SHELL_PATH" "$(cat "$WORK/tmux-agent" 2>&1)"
check_eq "--tmux: a new window's login shell has the plan's PATH" "$SHELL_PATH" \
    "$(sed -n 1p "$WORK/tmux-window" 2>&1)"
check_eq "--tmux: a new window finds the tool on it" /usr/local/pnpm/ags-path-probe \
    "$(sed -n 2p "$WORK/tmux-window" 2>&1)"

# ---- an agent profile: a fake pi planted in pi's own volume runs its commands
# through a login shell, as codex does with bash -lc
run --agent pi -- --version
check_eq "pi with an empty volume: not installed (127)" 127 "$RUN_RC"
PI_VOL=$(volume_dir ags-pi-pnpm-home)
[ -d "$PI_VOL" ] || e2e_abort "pi's pnpm volume has no mount point on the host: $PI_VOL"
printf '%s\n' "$TOOL" >"$PI_VOL/ags-path-probe"
printf '#!/bin/sh\necho "$PATH"\nexec /bin/bash -lc %s\n' "'$LOGIN_PROBE'" >"$PI_VOL/pi"
chmod 0755 "$PI_VOL/ags-path-probe" "$PI_VOL/pi"
PI_PATH=$(plan_path pi)
run --agent pi -- --version
check_eq "fake pi: exit 0" 0 "$RUN_RC"
check_eq "fake pi: its own PATH is the plan's" "$PI_PATH" "$(sed -n 1p <<<"$RUN_OUT")"
check_eq "fake pi's bash -lc: PATH is the plan's" "$PI_PATH" "$(sed -n 2p <<<"$RUN_OUT")"
check_eq "fake pi's bash -lc: the tool in pi's volume is found" /usr/local/pnpm/ags-path-probe \
    "$(sed -n 3p <<<"$RUN_OUT")"
check_eq "fake pi's bash -lc: the tool runs" tool-ran "$(sed -n 4p <<<"$RUN_OUT")"
check_eq "nothing is left behind" 0 "$(managed_containers)"

e2e_finish
