#!/usr/bin/env python3
"""The generated manual page renders without a warning and loses no text.

usage: check-man.py PAGE.md PAGE.1

- groff (-ww: every warning) and man --warnings (as lintian runs it) print
  nothing;
- the NAME section is what whatis/apropos index (lexgrog);
- the words of the rendered page, in order, are the words of the Markdown
  (its markup aside), so no paragraph, flag or list item is dropped.
"""
import os
import re
import subprocess
import sys

WORD = re.compile(r"[A-Za-z0-9]+")


def run(argv, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def main():
    md, page = sys.argv[1], sys.argv[2]
    failures = []
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MANROFFSEQ="")
    for argv in (["groff", "-man", "-ww", "-z", "-Tutf8", page],
                 ["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page]):
        rc, _, err = run(argv, env)
        if rc != 0 or err.strip():
            failures.append("%s: status %d: %s" % (" ".join(argv[:2]), rc, err.strip()))
    rc, out, _ = run(["lexgrog", page], env)
    if '"ags - run AI coding agents' not in out:
        failures.append("lexgrog does not find the NAME line: %s" % out.strip())
    rc, text, err = run(["groff", "-man", "-Tutf8", "-P-cbou", page], env)
    body = [l for l in text.splitlines() if l.strip()][1:-1]  # no header, footer
    got = WORD.findall("\n".join(body))
    with open(md, encoding="utf-8") as f:
        want = WORD.findall(f.read().split("\n", 1)[1])
    if got != want:
        i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b),
                 min(len(got), len(want)))
        failures.append("the rendered words differ from the Markdown's at word %d:\n"
                        "  rendered: %s\n  markdown: %s"
                        % (i, " ".join(got[max(0, i - 8):i + 8]),
                           " ".join(want[max(0, i - 8):i + 8])))
    for f in failures:
        print("FAIL " + f)
    print("man page: %d words, %d failures" % (len(got), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
