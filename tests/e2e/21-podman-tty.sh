#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016
# TTY runs through ags's client, in a real pty made by script(1): the size
# inside equals the outer pty at start and after a resize (SIGWINCH), typed
# keys reach the process raw (^C becomes the container's SIGINT, not ours),
# ctrl-p ctrl-q detaches and leaves the container running, and SIGTERM to
# podman-run mid-run restores the terminal settings (stty -g equal before
# and after; raw in between), kills and removes the container, exits 143.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_need script timeout stty
PR=$(cd "$(dirname "$0")" && pwd)/bin/podman-run
[ -x "$PR" ] || e2e_abort "podman-run is missing (AGS_E2E_EXTRA_BINS)"
img=$AGS_E2E_IMAGE
lbl="$E2E_LABEL=$E2E_LABEL_VALUE"
T=$E2E_TMP
export PR img lbl

# wait_running KEY=VALUE: until a container with that label runs (10 s).
wait_running() {
    for _ in $(seq 100); do
        "$PR" ls "$1" 2>/dev/null | grep -q ' running ' && return 0
        sleep 0.1
    done
    return 1
}

# in_pty FEED CMD: runs CMD (sh) in a new pty; what FEED (shell code) prints
# is typed into it. Sets RC (CMD's status) and PTY_OUT (output, CRs dropped).
in_pty() {
    local feed=$1 cmd=$2 feeder
    RC=0
    exec 3< <({ eval "$feed"; exec sleep 60; } 2>/dev/null)
    feeder=$!
    timeout 60 script -q -e -c "$cmd" /dev/null <&3 >"$T/pty.raw" 2>&1 || RC=$?
    exec 3<&-
    kill "$feeder" 2>/dev/null || true
    PTY_OUT=$(tr -d '\r' <"$T/pty.raw")
}

# pty_bg NAME SCRIPT ARGS: runs `sh SCRIPT ARGS` in a new pty in the
# background (stdin kept open, nothing typed); output in $T/NAME.raw.
pty_bg() {
    local name=$1
    shift
    exec 4< <(exec sleep 60 2>/dev/null)
    BG_FEEDER=$!
    timeout 60 script -q -e -c "sh $*" /dev/null <&4 >"$T/$name.raw" 2>&1 &
    BG_PID=$!
    exec 4<&-
}

pty_bg_wait() {
    BG_RC=0
    wait "$BG_PID" || BG_RC=$?
    kill "$BG_FEEDER" 2>/dev/null || true
}

# ------------------------------------------------------------ size at start
in_pty : 'stty rows 33 cols 101; "$PR" run -t -i --label "$lbl" "$img" stty size'
check_eq "tty: exit status" 0 "$RC"
check_eq "tty: the size inside equals the outer pty" "33 101" "$PTY_OUT"
in_pty : 'stty rows 12 cols 34; "$PR" run -t --label "$lbl" "$img" sh -c "stty size; tty"'
check_eq "tty without -i: size and a pty inside" "$(printf '12 34\n/dev/pts/0')" "$PTY_OUT"

# ------------------------------------------------------------ typing, ^C
key="ags-e2e-tty=$$-type"
in_pty "wait_running $key; sleep 0.3; printf 'echo typed-\$((6*7))\r'; sleep 0.3; printf 'exit 3\r'" \
    '"$PR" run -t -i --label "$lbl" --label '"$key"' "$img" sh'
check_eq "typing: exit status of the shell" 3 "$RC"
check_contains "typing: the shell ran what was typed" "typed-42" "$PTY_OUT"

key="ags-e2e-tty=$$-intr"
in_pty "wait_running $key; sleep 0.5; printf '\003'" \
    '"$PR" run -t -i --label "$lbl" --label '"$key"' "$img" sh -c "trap \"echo got-INT; exit 9\" INT; echo ready; while :; do sleep 0.1; done"'
check_eq "^C: the container's shell got SIGINT (its trap's status)" 9 "$RC"
check_contains "^C: the trap ran" "got-INT" "$PTY_OUT"

# ------------------------------------------------------------ SIGWINCH
# The container prints its size once it is the new one (at most 10 s):
# GNU stty sets rows and cols with one ioctl each, so a container that
# stopped at the first change could see "41 60" in between.
key="ags-e2e-tty=$$-winch"
cat >"$T/winch.sh" <<'EOF'
stty rows 20 cols 60
echo $$ >"$1"
exec "$PR" run -t -i --label "$lbl" --label "$2" "$img" \
    sh -c 'i=0; while [ "$(stty size)" != "41 123" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; stty size'
EOF
rm -f "$T/pid"
pty_bg winch "$T/winch.sh" "$T/pid" "$key"
if wait_running "$key"; then
    pts=$(readlink "/proc/$(cat "$T/pid")/fd/0")
    stty rows 41 cols 123 <"$pts"
    pty_bg_wait
    check_eq "SIGWINCH: exit status" 0 "$BG_RC"
    check_eq "SIGWINCH: the new size reached the container" "41 123" "$(tr -d '\r' <"$T/winch.raw")"
else
    fail "SIGWINCH: the container runs" "running" "$(cat "$T/winch.raw")"
    kill "$BG_PID" 2>/dev/null || true
    pty_bg_wait
fi

# ------------------------------------------------------------ detach
key="ags-e2e-tty=$$-detach"
in_pty "wait_running $key; sleep 0.3; printf '\020'; sleep 0.3; printf '\021'" \
    '"$PR" run -t -i --label "$lbl" --label '"$key"' "$img" sleep 60'
check_eq "detach: podman-run exits 0" 0 "$RC"
check_contains "detach: says so" "detached from" "$PTY_OUT"
check_match "detach: the container keeps running" ' running ' "$("$PR" ls "$key")"

# ------------------------------------------------------------ SIGTERM
key="ags-e2e-tty=$$-term"
cat >"$T/term.sh" <<'EOF'
stty -g >"$1/before"
sh -c 'echo $$ >"$1/pid"; exec "$PR" run -t -i --label "$lbl" --label "$2" "$img" sleep 60' \
    sh "$1" "$2"
echo $? >"$1/rc"
stty -g >"$1/after"
EOF
rm -f "$T/pid" "$T/before" "$T/after" "$T/rc"
pty_bg term "$T/term.sh" "$T" "$key"
if wait_running "$key"; then
    pid=$(cat "$T/pid")
    pts=$(readlink "/proc/$pid/fd/0")
    during=$(stty -g <"$pts")
    kill -TERM "$pid"
    pty_bg_wait
    check_eq "SIGTERM: podman-run exits 128+15" 143 "$(cat "$T/rc" 2>&1)"
    if [ "$(cat "$T/before")" != "$during" ]; then
        ok "SIGTERM: the terminal was in raw mode during the run"
    else
        fail "SIGTERM: the terminal was in raw mode during the run" "not $(cat "$T/before")" "$during"
    fi
    check_eq "SIGTERM: stty -g after equals before" "$(cat "$T/before")" "$(cat "$T/after" 2>&1)"
    check_eq "SIGTERM: the container is gone" "" "$("$PR" ls "$key")"
else
    fail "SIGTERM: the container runs" "running" "$(cat "$T/term.raw")"
    kill "$BG_PID" 2>/dev/null || true
    pty_bg_wait
fi

e2e_finish
