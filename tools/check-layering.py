#!/usr/bin/env python3
"""Fail when a layer of src/ includes a higher layer, or a third-party header
leaves its adapter directory.

    base <- toml <- config <- {podman, sandbox, proxy, secrets, ssh, notify} <- cli

usage: check-layering.py SRC_DIR      check a tree (exit 1 on any violation)
       check-layering.py --self-test  prove the check catches an upward include
"""
import os
import re
import sys
import tempfile

RANK = {"base": 0, "toml": 1, "config": 2, "podman": 3, "sandbox": 3, "proxy": 3,
        "secrets": 3, "ssh": 3, "notify": 3, "cli": 4}
# Third-party headers and the only layers allowed to include them.
ADAPTERS = [
    (re.compile(r"^curl/"), {"podman"}),
    (re.compile(r"^jansson"), {"podman", "proxy", "sandbox"}),
    (re.compile(r"^(libsecret/|glib|gio/)"), {"secrets", "notify"}),
    (re.compile(r"^libssh2"), {"ssh"}),
    (re.compile(r"^libnotify/"), {"notify"}),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(src, path):
    rel = os.path.relpath(path, src).split(os.sep)
    return rel[0] if len(rel) > 1 else "main"


def check_file(src, path):
    layer = layer_of(src, path)
    rank = RANK.get(layer, 5)  # src/main.c sits above cli
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, target = m.groups()
            where = "%s:%d" % (os.path.relpath(path, src), n)
            if kind == '"':
                other = target.split("/")[0]
                if other not in RANK:
                    problems.append("%s: include \"%s\" names no layer" % (where, target))
                elif other != layer and RANK[other] >= rank:
                    problems.append("%s: layer '%s' may not include '%s' (layer '%s' is not below it)"
                                    % (where, layer, target, other))
                continue
            for pattern, allowed in ADAPTERS:
                if pattern.match(target) and layer not in allowed:
                    problems.append("%s: <%s> belongs in %s only, not in '%s'"
                                    % (where, target, "/".join(sorted(allowed)), layer))
    return problems


def check_tree(src):
    problems = []
    for root, _dirs, files in os.walk(src):
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                problems += check_file(src, os.path.join(root, name))
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        for layer in ("config", "podman"):
            os.makedirs(os.path.join(tmp, layer))
        good = os.path.join(tmp, "podman", "client.c")
        with open(good, "w") as f:
            f.write('#include "config/config.h"\n#include <curl/curl.h>\n')
        if check_tree(tmp):
            print("self-test: a downward include was reported")
            return 1
        with open(os.path.join(tmp, "config", "load.c"), "w") as f:
            f.write('#include "podman/client.h"\n#include <curl/curl.h>\n')
        found = check_tree(tmp)
        if len(found) != 2:
            print("self-test: expected 2 violations, got %r" % found)
            return 1
        print("self-test: upward include and misplaced third-party header detected")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    problems = check_tree(sys.argv[1])
    for p in problems:
        print(p)
    print("layering: %d violation(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
