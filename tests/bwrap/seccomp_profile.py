"""containers-common's seccomp profile (seccomp.json) as it applies to a process without
capabilities: shared by seccomp-covers.py and seccomp-probe-test.py."""
import json
import os
import subprocess
import sys

DEFAULT_PROFILE = "/usr/share/containers/seccomp.json"
# The profile's names for the native architecture ("includes.arches").
PROFILE_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
# What the kernel puts in seccomp_data.arch (x32 calls carry x86_64's token and bit 30).
KERNEL_TOKEN = {"x86_64": 0xC000003E, "x86": 0x40000003, "x32": 0xC000003E,
                "aarch64": 0xC00000B7, "arm": 0x40000028}
NARROW = {"x86", "x32", "arm"}
# Syscall numbers per architecture: the usual table; x32 (bit 30); arm (its private calls too).
RANGES = {"x32": [range(0x40000000, 0x40000400)],
          "arm": [range(0, 1024), range(0xF0000, 0xF0100)]}
MASK64 = (1 << 64) - 1


def fail(msg):
    print("%s: %s" % (os.path.basename(sys.argv[0]), msg), file=sys.stderr)
    sys.exit(1)


def load_profile():
    path = os.environ.get("AGS_SECCOMP_PROFILE") or DEFAULT_PROFILE
    if not os.path.exists(path):
        fail("%s is missing: install containers-common (Debian: golang-github-containers-common, "
             "which podman pulls in) or point AGS_SECCOMP_PROFILE at a copy of its seccomp.json"
             % path)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def applies(rule, arch):
    inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
    if inc.get("caps"):
        return False  # a sandbox process has no capabilities
    if inc.get("arches") and arch not in inc["arches"]:
        return False
    return not (exc.get("arches") and arch in exc["arches"])


def cond_holds(c, args, narrow):
    width = 0xFFFFFFFF if narrow else MASK64
    a, v, v2 = args[c["index"]] & width, c["value"] & width, c.get("valueTwo", 0) & width
    op = c["op"]
    if op == "SCMP_CMP_MASKED_EQ":
        return (a & v) == v2
    return {"SCMP_CMP_EQ": a == v, "SCMP_CMP_NE": a != v, "SCMP_CMP_LT": a < v,
            "SCMP_CMP_LE": a <= v, "SCMP_CMP_GE": a >= v, "SCMP_CMP_GT": a > v}[op]


def profile_verdict(profile, rules, name, args, narrow):
    """("allow", 0) or ("errno", N): any matching denial wins over an allowance."""
    matching = [r for r in rules if name in r["names"]
                and all(cond_holds(c, args, narrow) for c in (r.get("args") or []))]
    denials = [r for r in matching if r["action"] == "SCMP_ACT_ERRNO"]
    if denials:
        return ("errno", denials[0].get("errnoRet", profile.get("defaultErrnoRet", 1)))
    if any(r["action"] == "SCMP_ACT_ALLOW" for r in matching):
        return ("allow", 0)
    if profile["defaultAction"] != "SCMP_ACT_ERRNO":
        fail("the profile's default action %s is not modelled" % profile["defaultAction"])
    return ("errno", profile.get("defaultErrnoRet", 1))


def read_listing(tool):
    """`seccomp-tool list`: the filter's architectures (native first) and, per architecture,
    {number: name} of every syscall libseccomp names there (x32's carry bit 30)."""
    out = subprocess.run([tool, "list"], check=True, capture_output=True, text=True).stdout
    arches, by_token, names = [], {}, {}
    for f in (line.split() for line in out.splitlines()):
        if f[0] == "arch":
            arches.append(f[2])
            by_token[int(f[1])] = f[2]
            names[f[2]] = {}
        else:
            arch, nr = by_token[int(f[1])], int(f[2])
            if any(nr in rg for rg in RANGES.get(arch, [range(0, 1024)])):
                names[arch][nr] = f[3]
    if arches[0] not in PROFILE_ARCH:
        fail("no profile architecture name for %s" % arches[0])
    return arches, names


def denied_rules(profile, native):
    return [r for r in profile["syscalls"] if applies(r, PROFILE_ARCH[native])]

