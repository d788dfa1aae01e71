#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Terminal output in lockdown (issue 10 item 14), on a real pseudo-terminal:
# an agent that writes escape sequences acting on the host (OSC 52 clipboard,
# tmux passthrough, kitty graphics, hyperlinks, window ops, the printer, C1
# controls) gets none of them to the user's terminal, while its screen
# drawing (colours, alternate screen, title) passes; stdout to a file keeps
# the exact bytes, stderr on the terminal is filtered on its own; default
# mode is not filtered.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need git script

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$XDG_CONFIG_HOME/ags"
git init -q "$WORK"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"

# What a hostile agent writes: every class the filter drops, between the
# screen drawing it keeps.  Octal escapes: the sandbox's printf is bash's.
cat >"$WORK/emit.sh" <<'AGENT'
printf 'start-of-output\n'
printf '\033]52;c;SGVsbG8=\a'
printf '\033]52;p;SGVsbG8=\033\\'
printf '\033Ptmux;\033\033]52;c;SGVsbG8=\a\033\\'
printf '\033P$qm\033\\'
printf '\033_Gf=100,t=f;L2V0Yy9wYXNzd2Q=\033\\'
printf '\033]8;;https://example.invalid/\033\\link-text\033]8;;\033\\\n'
printf '\033]9;notified\a\033]777;notify;a;b\a\033]1337;File=name=eA==:eA==\a'
printf '\033[21t\033[8;5;5t\033[5i\033[2;1;1;1;1;1*y'
printf '\302\23552;c;SGVsbG8=\a'
printf '\23552;c;SGVsbG8=\a\233?1049h'
printf '\033]0;ags-title\a'
printf '\033[?1049h\033[?2004h\033[?1049l\033[?2004l'
printf '\033[31mred\033[0m\n'
printf 'end-of-output\n'
AGENT

# check_bytes DESC NEEDLE HAYSTACK (byte-wise)
check_bytes() {
    local LC_ALL=C
    if [[ $3 == *"$2"* ]]; then
        ok "$1"
    else
        fail "$1" "'$(printf '%q' "$2")'" "$(printf '%q' "$3")"
    fi
}

# on_pty NAME COMMAND: runs COMMAND (a shell line) under script(1); PTY is
# what the terminal received.  stdin stays open while ags runs (script
# would send EOF), and the command's exit status is checked.
on_pty() {
    { sleep 10; } | script -qfec "$2; echo \"[pty-exit:\$?]\"" /dev/null \
        >"$E2E_TMP/$1.pty" 2>&1 || true
    PTY=$(cat "$E2E_TMP/$1.pty")
}

DROPPED=(
    $'\e]52' $'\eP' $'\e_' $'\e]8;' $'\e]9;' $'\e]777' $'\e]1337' $'\e[21t' $'\e[8;5;5t'
    $'\e[5i' '*y' $'\302\235' $'\235' $'\233'
)

# ---- lockdown, TTY: the attach stream is filtered
on_pty lockdown-tty "'$AGS_BIN' --agent shell --lockdown -- emit.sh"
check_bytes "lockdown tty: the run completes with status 0" "[pty-exit:0]" "$PTY"
check_bytes "lockdown tty: text passes" "end-of-output" "$PTY"
for s in "${DROPPED[@]}"; do
    check_lacks "lockdown tty: $(printf '%q' "$s") is dropped" "$s" "$PTY"
done
check_bytes "lockdown tty: SGR colours pass" $'\e[31mred\e[0m' "$PTY"
check_bytes "lockdown tty: alternate screen and bracketed paste pass" \
    $'\e[?1049h\e[?2004h\e[?1049l\e[?2004l' "$PTY"
check_bytes "lockdown tty: the window title passes" $'\e]0;ags-title\a' "$PTY"
check_bytes "lockdown tty: a hyperlink's text stays" "link-text" "$PTY"

# ---- lockdown --tmux: tmux's full-screen drawing passes the filter; what
# the agent writes inside tmux still loses its OSC 52
on_pty lockdown-tmux "'$AGS_BIN' --agent shell --lockdown --tmux --stop-when-done -- -c 'echo \"in-tmux:\${TMUX:+yes}\"; bash emit.sh; sleep 2'"
check_bytes "lockdown tmux: the agent runs inside tmux" "in-tmux:yes" "$PTY"
check_bytes "lockdown tmux: the session ends with the agent" "[exited]" "$PTY"
check_bytes "lockdown tmux: tmux switches to the alternate screen" $'\e[?1049h' "$PTY"
check_lacks "lockdown tmux: OSC 52 is dropped" $'\e]52' "$PTY"

# ---- lockdown, no TTY: stderr on the terminal is filtered, stdout to a
# file keeps the exact bytes
on_pty lockdown-split "'$AGS_BIN' --agent shell --lockdown -- -c 'bash emit.sh; bash emit.sh >&2' </dev/null >'$E2E_TMP/split.out'"
check_bytes "lockdown stderr: the run completes with status 0" "[pty-exit:0]" "$PTY"
check_bytes "lockdown stderr: text passes" "end-of-output" "$PTY"
check_lacks "lockdown stderr on a terminal: OSC 52 is dropped" $'\e]52' "$PTY"
check_lacks "lockdown stderr on a terminal: APC is dropped" $'\e_' "$PTY"
check_bytes "lockdown stderr on a terminal: SGR colours pass" $'\e[31mred\e[0m' "$PTY"
SPLIT_OUT=$(cat "$E2E_TMP/split.out")
EMITTED=$(bash "$WORK/emit.sh")
check_eq "lockdown stdout to a file: the exact bytes" "$(printf '%q' "$EMITTED")" \
    "$(printf '%q' "$SPLIT_OUT")"

# ---- a terminal that is not UTF-8 (a Latin-1 xterm obeys 8-bit C1:
# the UTF-8 continuation byte 0x9D is its OSC) gets ASCII only
cat >"$WORK/latin1.sh" <<'AGENT'
printf '\303\23552;c;SGVsbG8=\a'
printf 'caf\303\251-end\n'
AGENT
on_pty lockdown-c-locale "LC_ALL=C '$AGS_BIN' --agent shell --lockdown -- latin1.sh"
check_bytes "C locale: the run completes with status 0" "[pty-exit:0]" "$PTY"
check_lacks "C locale: no UTF-8 lead byte 0xC3 reaches the terminal" $'\303' "$PTY"
check_lacks "C locale: no byte 0x9D reaches the terminal" $'\235' "$PTY"
check_bytes "C locale: a character beyond ASCII shows as '?'" "caf?-end" "$PTY"
on_pty lockdown-utf8-locale "LC_ALL=C.UTF-8 '$AGS_BIN' --agent shell --lockdown -- latin1.sh"
check_bytes "C.UTF-8 locale: UTF-8 text passes" $'caf\303\251-end' "$PTY"

# ---- an agent that leaves the alternate screen, mouse reporting
# and bracketed paste on and hides the cursor gets them reset at the end of
# the run; urgency and raise-on-bell (1042/1043) never reach the terminal
on_pty lockdown-modes "'$AGS_BIN' --agent shell --lockdown -- -c 'printf \"\\033[?1049h\\033[?1000;1006h\\033[?2004h\\033[?25l\\033[?1042h\\033[?1043hmodes-set\\n\"'"
check_bytes "modes left set: the run completes with status 0" "[pty-exit:0]" "$PTY"
check_bytes "modes left set: the agent set them" $'\e[?1049h\e[?1000;1006h' "$PTY"
check_bytes "modes left set: ags resets them after the run" \
    $'\e[?1049l\e[?25h\e[?1000l\e[?1006l\e[?2004l' "$PTY"
check_lacks "mode 1042 (urgency on BEL) is dropped" $'\e[?1042h' "$PTY"
check_lacks "mode 1043 (raise window on BEL) is dropped" $'\e[?1043h' "$PTY"

if podman_only "image build output on a terminal (bwrap builds no Containerfile)"; then
    # ---- image build output on a terminal is filtered too (RUN steps
    # print what packages from the network print)
    BUILD_IMAGE=localhost/ags-e2e-term-build:$(date +%s)-$$
    mkdir -p "$E2E_TMP/termbuild"
    printf 'FROM %s\nRUN printf "\\033]52;c;QlVJTEQ=\\a build-step-ran\\n"\n' "$AGS_E2E_IMAGE" \
        >"$E2E_TMP/termbuild/Containerfile"
    cat >"$E2E_TMP/termbuild.toml" <<TOML
[sandbox]
image = "$BUILD_IMAGE"
containerfile = "$E2E_TMP/termbuild/Containerfile"
TOML
    on_pty build-output "'$AGS_BIN' --config '$E2E_TMP/termbuild.toml' --agent shell -- -c 'echo agent-ran'"
    check_bytes "build on a terminal: the run completes with status 0" "[pty-exit:0]" "$PTY"
    check_bytes "build on a terminal: the build step's text is shown" "build-step-ran" "$PTY"
    check_lacks "build on a terminal: its OSC 52 is dropped" $'\e]52' "$PTY"
    api DELETE "/images/$(printf %s "$BUILD_IMAGE" | sed 's|/|%2F|g; s|:|%3A|g')?force=true"
    check_status "the built image is removed" 200
fi
# ---- ags's own messages are escaped: a name with an OSC 52 in it does not
# reach the terminal raw
on_pty escaped-message "'$AGS_BIN' \"\$(printf 'frob\\033]52;c;SGk=\\007')\""
check_bytes "an unknown command is named escaped" "frob\\x1b]52;c;SGk=\\x07" "$PTY"
check_lacks "ags's message carries no raw OSC 52" $'\e]52' "$PTY"

# ---- default mode is not filtered (docs/security.md)
on_pty default-tty "'$AGS_BIN' --agent shell -- emit.sh"
check_bytes "default tty: the run completes with status 0" "[pty-exit:0]" "$PTY"
check_bytes "default tty: OSC 52 passes" $'\e]52;c;SGVsbG8=\a' "$PTY"
check_bytes "default tty: DCS passes" $'\eP$qm\e\\' "$PTY"

e2e_finish
