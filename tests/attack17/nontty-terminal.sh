#!/usr/bin/env bash
# FINDING: a run that is not a TTY run (stdin or stdout not a terminal, e.g.
# `ags ... | tee log`, or `ags ... </dev/null` on a terminal) hands ags's own
# descriptors to the sandbox: the user's terminal itself becomes the
# sandbox's stdin or stderr (--new-session only removes it as controlling
# terminal).  The agent can then change the terminal's modes (echo off,
# ^C disabled, raw), flush what the user typed, and read it; ags restores
# nothing after a non-TTY run, so the damage outlives the run.  TIOCSTI and
# TIOCLINUX are denied by the filter, so no keystroke injection.  Podman's
# non-TTY runs relay through conmon pipes: the container never holds the
# terminal.
# The probe gives ags a pseudo-terminal as stdin and stderr and a pipe as
# stdout; the sandbox runs `stty -echo -isig` on it; after ags exited the
# terminal still has ECHO and ISIG off.
. "$(dirname "$0")/lib.sh"
atk_setup
command -v python3 >/dev/null || atk_die "python3 needed"
chmod 755 "$(dirname "$0")"/lib.sh 2>/dev/null || true
out=$(python3 - "$(dirname "$0")/lib.sh" <<'PY'
import os, pty, subprocess, sys, termios
master, slave = pty.openpty()
os.chown(os.ttyname(slave), int(subprocess.check_output(["id", "-u", os.environ.get("AGS_ATK_USER", "agstest")])), -1)
before = termios.tcgetattr(slave)
cmd = ['bash', '-c', '. "$1"; atk_ags --backend bwrap --agent shell -- -c "stty -echo -isig; echo sandbox: \\$(stty)"', 'x', sys.argv[1]]
p = subprocess.run(cmd, stdin=slave, stdout=subprocess.PIPE, stderr=slave, start_new_session=True)
after = termios.tcgetattr(slave)
print(p.stdout.decode().strip())
print("exit", p.returncode)
print("echo before", bool(before[3] & termios.ECHO), "after", bool(after[3] & termios.ECHO))
print("isig before", bool(before[3] & termios.ISIG), "after", bool(after[3] & termios.ISIG))
PY
)
echo "$out"
echo "$out" | grep -q "echo before True after False" && echo "$out" | grep -q "isig before True after False" &&
    works "the sandbox of a non-TTY run turned the user's terminal's echo and signals off, and it stayed so after ags exited"
held "the terminal's modes were not changed"
