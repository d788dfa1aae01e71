#!/usr/bin/env python3
"""Run a toml-test corpus against a decoder that speaks the toml-test interface.

usage: toml-test.py --corpus DIR [--version 1.0.0|1.1.0] [--run GLOB] [-v] -- DECODER [ARG...]

DIR holds valid/ (NAME.toml beside the tagged JSON NAME.json it decodes to)
and invalid/ (NAME.toml the decoder must reject).  Which tests belong to a
TOML version: DIR/files-toml-VERSION when the corpus lists them (newer
toml-test), else every NAME.toml under valid/ and invalid/ except those the
corpus's own version table keeps out of that version (see LATER_THAN below;
the older toml-test that Debian packages in golang-github-burntsushi-toml-dev).

The decoder reads TOML on stdin and exits 0 printing tagged JSON
({"type": T, "value": STRING} leaves), or exits non-zero for invalid TOML
(a crash or a hang is a failure either way).  A missing corpus, an empty
test list or a valid test without its JSON is a failure, never a skip.
Prints one line per failure and 'toml-test: N passed, N failed'.
"""
import argparse
import datetime as dt
import fnmatch
import json
import math
import os
import re
import subprocess
import sys

# Tests that an unlisted corpus holds but that need a later TOML than the
# version run.  Debian's corpus (BurntSushi/toml 1.2.0, internal/toml-test/
# version.go) keeps valid/string/escape-esc (\e, TOML 1.1) out of 1.0.0.
LATER_THAN = {"1.0.0": ["valid/string/escape-esc"]}

DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"([Zz]|[+-]\d{2}:\d{2})?$")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")


class CorpusError(Exception):
    pass


def test_list(corpus, version):
    """The NAME.toml paths (relative to corpus) of this TOML version."""
    if not os.path.isdir(os.path.join(corpus, "valid")) or \
            not os.path.isdir(os.path.join(corpus, "invalid")):
        raise CorpusError("no toml-test corpus in %s (valid/ and invalid/): "
                          "apt-get install golang-github-burntsushi-toml-dev" % corpus)
    listed = os.path.join(corpus, "files-toml-" + version)
    if os.path.exists(listed):
        with open(listed) as f:
            return [line.strip() for line in f if line.strip().endswith(".toml")]
    if version not in LATER_THAN:
        raise CorpusError("%s lists no tests for TOML %s (no files-toml-%s)"
                          % (corpus, version, version))
    found = []
    for top in ("valid", "invalid"):
        for d, _, files in os.walk(os.path.join(corpus, top)):
            for name in files:
                if name.endswith(".toml"):
                    found.append(os.path.relpath(os.path.join(d, name), corpus))
    later = LATER_THAN[version]
    return sorted(p for p in found if p[:-len(".toml")] not in later)


def instant(kind, text):
    """A date/time leaf as a comparable value (offsets resolved to UTC;
    the fraction compared digit by digit, trailing zeros aside)."""
    if kind in ("datetime", "datetime-local"):
        m = DATETIME.match(text)
        if not m or (kind == "datetime") != bool(m.group(8)):
            raise ValueError("not a %s" % kind)
        y, mo, d, h, mi, s = (int(g or 0) for g in m.groups()[:6])
        frac = (m.group(7) or "").rstrip("0")
        when = dt.datetime(y, mo, d, h, mi, s)
        off = m.group(8)
        if off and off not in "Zz":
            sign = -1 if off[0] == "-" else 1
            when -= sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6]))
        return (when, frac)
    if kind == "date-local":
        m = DATE.match(text)
        if not m:
            raise ValueError("not a date")
        return dt.date(*(int(g) for g in m.groups()))
    if kind == "time-local":
        m = TIME.match(text)
        if not m:
            raise ValueError("not a time")
        return (dt.time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)),
                (m.group(4) or "").rstrip("0"))
    raise ValueError("unknown type %r" % kind)


def leaf_value(kind, text):
    if kind == "integer":
        return int(text)
    if kind == "float":
        v = float(text)
        return "nan" if math.isnan(v) else v
    if kind in ("string", "bool"):
        return text
    return instant(kind, text)


def is_leaf(v):
    return isinstance(v, dict) and set(v) == {"type", "value"} and isinstance(v["type"], str)


def difference(want, got, at="$"):
    """None when got decodes to want, else where and how they differ."""
    if is_leaf(want):
        if not is_leaf(got):
            return "%s: want a %s value, got %s" % (at, want["type"], json.dumps(got)[:60])
        if got["type"] != want["type"]:
            return "%s: type %s, want %s" % (at, got["type"], want["type"])
        if not isinstance(got["value"], str):
            return "%s: the value is not a string" % at
        try:
            same = leaf_value(want["type"], got["value"]) == leaf_value(want["type"], want["value"])
        except ValueError as e:
            return "%s: %r: %s" % (at, got["value"], e)
        return None if same else "%s: %r, want %r" % (at, got["value"], want["value"])
    if isinstance(want, dict):
        if not isinstance(got, dict) or is_leaf(got):
            return "%s: want a table" % at
        if set(got) != set(want):
            return "%s: keys %s, want %s" % (at, sorted(got), sorted(want))
        for k in sorted(want):
            why = difference(want[k], got[k], "%s.%s" % (at, k))
            if why:
                return why
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: want an array of %d" % (at, len(want))
        for i, (w, g) in enumerate(zip(want, got)):
            why = difference(w, g, "%s[%d]" % (at, i))
            if why:
                return why
        return None
    return "%s: the expected JSON has a shape toml-test does not use" % at


def run_one(corpus, rel, decoder, timeout):
    """None when the decoder does what the test asks, else why not."""
    with open(os.path.join(corpus, rel), "rb") as f:
        data = f.read()
    try:
        p = subprocess.run(decoder, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hung (%gs)" % timeout
    if p.returncode < 0:
        return "killed by signal %d" % -p.returncode
    if rel.startswith("invalid/"):
        return "accepted invalid TOML" if p.returncode == 0 else None
    if p.returncode != 0:
        return "rejected valid TOML: " + p.stderr.decode("utf-8", "replace").strip()[:160]
    expected = os.path.join(corpus, rel[:-len(".toml")] + ".json")
    if not os.path.exists(expected):
        return "the corpus has no %s" % os.path.relpath(expected, corpus)
    with open(expected) as f:
        want = json.load(f)
    try:
        got = json.loads(p.stdout)
    except ValueError as e:
        return "the output is not JSON: %s" % e
    return difference(want, got)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--version", default="1.0.0", choices=["1.0.0", "1.1.0"])
    ap.add_argument("--run", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("decoder", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    decoder = a.decoder[1:] if a.decoder[:1] == ["--"] else a.decoder
    if not decoder:
        ap.error("missing DECODER")
    try:
        tests = test_list(a.corpus, a.version)
    except CorpusError as e:
        print("toml-test: %s" % e)
        return 1
    if a.run:
        tests = [t for t in tests if any(fnmatch.fnmatch(t, g) for g in a.run)]
    if not tests:
        print("toml-test: no tests to run in %s" % a.corpus)
        return 1
    passed = failed = 0
    for rel in tests:
        why = run_one(a.corpus, rel, decoder, a.timeout)
        if why:
            failed += 1
            print("FAIL %s: %s" % (rel, why))
        else:
            passed += 1
            if a.v:
                print("ok   %s" % rel)
    print("toml-test %s (TOML %s): %d passed, %d failed" % (a.corpus, a.version, passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
