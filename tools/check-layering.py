#!/usr/bin/env python3
"""Fail when a layer of src/ includes a layer it may not use, or a third-party
header leaves its adapter directory.

    base <- toml <- config <- plan <- {secrets, ssh, proxy, notify, backend} <- run <- cli
    helper (the in-sandbox program) -> {proxy, base}
    egress (the egress proxy) -> {base}: no config or plan, the policy comes as callbacks
    backend -> {podman, bwrap}: the engine clients sit below the backend and
    know nothing of config or plan (podman: base and toml only).

Siblings never include each other: ssh and proxy ask for approval through
callbacks that run wires to notify.

usage: check-layering.py SRC_DIR      check a tree (exit 1 on any violation)
       check-layering.py --self-test  prove the check catches each kind of violation
"""
import os
import re
import sys
import tempfile

# Each layer and the layers it may include (besides itself).
_BELOW_PLAN = {"base", "toml", "config", "plan"}
USES = {
    "base": set(),
    "toml": {"base"},
    "config": {"base", "toml"},
    "plan": {"base", "toml", "config"},
    "podman": {"base", "toml"},
    "bwrap": {"base"},
    "secrets": _BELOW_PLAN,
    "ssh": _BELOW_PLAN,
    "proxy": _BELOW_PLAN,
    "notify": _BELOW_PLAN,
    # The egress proxy takes its policy as callbacks: libc, pthreads and base only.
    "egress": {"base"},
    "backend": _BELOW_PLAN | {"podman", "bwrap"},
    "run": _BELOW_PLAN | {"secrets", "ssh", "proxy", "notify", "egress", "backend"},
    "cli": _BELOW_PLAN | {"secrets", "ssh", "proxy", "notify", "egress", "backend", "run"},
    "main": {"cli"},  # src/main.c
    # ags-helper, the static program mounted into the sandbox: the protocol's pure code
    # and libc, nothing that reads config or talks to the engine.
    "helper": {"base", "proxy"},
}
# Third-party headers and the only layers allowed to include them.  run: the
# lockdown staging edits the agent's ~/.claude.json (run/stage.c).
ADAPTERS = [
    (re.compile(r"^curl/"), {"podman"}),
    (re.compile(r"^jansson"), {"podman", "proxy", "run"}),
    (re.compile(r"^(libsecret/|glib|gio/)"), {"secrets", "notify"}),
    (re.compile(r"^libssh2"), {"ssh"}),
    (re.compile(r"^libnotify/"), {"notify"}),
    (re.compile(r"^seccomp"), {"bwrap"}),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(src, path):
    rel = os.path.relpath(path, src).split(os.sep)
    return rel[0] if len(rel) > 1 else "main"


def check_include(layer, where, kind, target):
    if kind == '"':
        other = target.split("/")[0]
        if other not in USES or other == "main":
            return ["%s: include \"%s\" names no layer" % (where, target)]
        if other != layer and other not in USES.get(layer, set()):
            return ["%s: layer '%s' may not include '%s' (it may use: %s)"
                    % (where, layer, target, ", ".join(sorted(USES.get(layer, ()))) or "nothing")]
        return []
    for pattern, allowed in ADAPTERS:
        if pattern.match(target) and layer not in allowed:
            return ["%s: <%s> belongs in %s only, not in '%s'"
                    % (where, target, "/".join(sorted(allowed)), layer)]
    return []


def check_file(src, path):
    layer = layer_of(src, path)
    problems = []
    if layer not in USES:
        problems.append("%s: directory '%s' is no layer (add it to tools/check-layering.py)"
                        % (os.path.relpath(path, src), layer))
        return problems
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                where = "%s:%d" % (os.path.relpath(path, src), n)
                problems += check_include(layer, where, *m.groups())
    return problems


def check_tree(src):
    problems = []
    for root, _dirs, files in os.walk(src):
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                problems += check_file(src, os.path.join(root, name))
    return problems


def write(tmp, rel, text):
    path = os.path.join(tmp, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


# (file, include lines, how many violations the check must report)
SELF_TEST = [
    ("backend/podman.c", '#include "podman/client.h"\n#include "plan/plan.h"\n', 0),
    ("run/run.c", '#include "backend/backend.h"\n#include "notify/notify.h"\n', 0),
    ("config/load.c", '#include "plan/plan.h"\n', 1),           # upward
    ("plan/plan.c", '#include "run/run.h"\n', 1),                # upward
    ("podman/spec.c", '#include "config/config.h"\n', 1),        # REST client reads config
    ("podman/http.c", '#include "plan/plan.h"\n', 1),            # ... or the plan
    ("ssh/agent.c", '#include "notify/notify.h"\n', 1),          # sibling: use a callback
    ("proxy/proxy.c", '#include "notify/notify.h"\n', 1),
    ("run/exec.c", '#include "podman/podman.h"\n', 1),           # past the backend
    ("run/net.c", '#include "egress/egress.h"\n', 0),
    ("egress/conn.c", '#include "config/config.h"\n', 1),      # egress takes callbacks
    ("egress/server.c", '#include "plan/plan.h"\n', 1),
    ("egress/x.c", '#include "proxy/http.h"\n', 1),            # sibling
    ("secrets/x.c", "#include <curl/curl.h>\n", 1),              # third party outside its adapter
    ("sandbox/x.c", "", 1),                                      # a directory that is no layer
    ("helper/open.c", '#include "proxy/proto.h"\n#include "config/config.h"\n', 1),
    ("helper/x.c", "#include <jansson.h>\n", 1),                # the static helper: libc only
]


def self_test():
    for rel, text, expected in SELF_TEST:
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, rel, text)
            found = check_tree(tmp)
            if len(found) != expected:
                print("self-test: %s with %r: expected %d violation(s), got %r"
                      % (rel, text, expected, found))
                return 1
    print("self-test: %d cases: upward, sideways, engine-client and third-party includes "
          "detected, allowed ones pass" % len(SELF_TEST))
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
