#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal and answers its y/N questions.

usage: answer.py TRANSCRIPT ANSWER... -- COMMAND...

Each time the terminal shows another "[y/N] ", the next ANSWER and a newline
are typed (after the question, never as typeahead).  Everything the terminal
showed goes to TRANSCRIPT.  Exits with the command's status; 124 when the
command is still running after 240 s, 125 when it asked more questions than
there are answers (the extra ones get an empty line: no).
"""
import os
import pty
import select
import sys
import time

QUESTION = b"[y/N] "
LIMIT_S = 240


def save(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    sep = sys.argv.index("--")
    transcript, answers, cmd = sys.argv[1], sys.argv[2:sep], sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    asked = 0
    extra = False
    deadline = time.monotonic() + LIMIT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        while seen.count(QUESTION) > asked:
            answer = answers[asked] if asked < len(answers) else ""
            extra = extra or asked >= len(answers)
            asked += 1
            os.write(fd, answer.encode() + b"\n")
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        save(transcript, seen)
        sys.exit(124)
    _, status = os.waitpid(pid, 0)
    save(transcript, seen)
    if extra:
        sys.exit(125)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
