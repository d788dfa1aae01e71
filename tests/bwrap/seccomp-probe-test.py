#!/usr/bin/env python3
"""Every syscall Podman's default profile denies is denied inside real bwrap with our filter.

usage: seccomp-probe-test.py SECCOMP_TOOL SECCOMP_PROBE

Lists, from containers-common's profile (seccomp_profile.py) and libseccomp's
names (`seccomp-tool list`), each syscall the profile denies a process
without capabilities on this machine's ABIs (native, i386 through int $0x80,
x32) with its errno, and runs seccomp-probe on that list twice:

  bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev --proc /proc
        --seccomp FD seccomp-probe       every verdict as expected, TIOCSTI refused
  the same without --seccomp           (plus --new-session: here the calls run)
                                         the probe must see surprises, and TIOCSTI
                                         must inject when legacy_tiocsti is on: the
                                         probe can tell a missing filter.
"""
import os
import re
import shutil
import subprocess
import sys

from seccomp_profile import NARROW, fail, load_profile, profile_verdict, read_listing, \
    denied_rules

ABI = {"x86_64": "native", "aarch64": "native", "x86": "i386", "x32": "x32"}
ALL_ONES = (1 << 64) - 1
TIOCSTI_SWITCH = "/proc/sys/dev/tty/legacy_tiocsti"


def denied_list(profile, arches, names):
    rules = denied_rules(profile, arches[0])
    lines = []
    for arch in arches:
        if arch not in ABI:
            continue  # arm beside aarch64: no 32-bit entry from a 64-bit process
        args = (0xFFFFFFFF if arch in NARROW else ALL_ONES,) * 6
        for nr, name in sorted(names[arch].items()):
            verdict, errno = profile_verdict(profile, rules, name, args, arch in NARROW)
            if verdict == "errno":
                lines.append("%s %d %d %s\n" % (ABI[arch], nr, errno, name))
    return "".join(lines)


def run(argv, stdin):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    return p


def legacy_tiocsti_on():
    """On kernels before 6.2 the switch is absent and TIOCSTI always works."""
    try:
        with open(TIOCSTI_SWITCH, encoding="ascii") as f:
            return f.read().strip() == "1"
    except FileNotFoundError:
        return True


def main():
    if len(sys.argv) != 3:
        fail("usage: seccomp-probe-test.py SECCOMP_TOOL SECCOMP_PROBE")
    tool, probe = sys.argv[1], os.path.abspath(sys.argv[2])
    bwrap = shutil.which("bwrap")
    if not bwrap:
        fail("bwrap is not installed (Debian: bubblewrap)")
    profile = load_profile()
    arches, names = read_listing(tool)
    listing = denied_list(profile, arches, names)
    sandbox = [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
               "--dev", "/dev", "--proc", "/proc"]

    print("== with the filter")
    filtered = run([tool, "exec"] + sandbox + ["--seccomp", "@FD@", probe], listing)
    if filtered.returncode != 0:
        fail("the probe under the filter exited %d" % filtered.returncode)
    # A kernel that faults int $0x80 from a 64-bit process (ia32_emulation=0, some
    # paravirtualised guests) leaves the i386 entries unreachable, and the probe says so.
    want = listing.count("\n")
    if "i386 syscalls are unreachable here" in filtered.stdout:
        want -= listing.count("i386 ")
    m = re.search(r"(\d+) denied syscalls probed", filtered.stdout)
    if not m or int(m.group(1)) != want:
        fail("the probe did not probe all %d syscalls of the list" % want)

    print("== without the filter (control)")
    control = run(sandbox + ["--new-session", probe, "--unfiltered"], listing)
    m = re.search(r"(\d+) surprises", control.stdout)
    if not m or int(m.group(1)) == 0:
        fail("without the filter the probe saw no difference: it cannot tell a filter")
    m = re.search(r"tiocsti: (\d+) bytes injected", control.stdout)
    if not m:
        fail("the control run did not report TIOCSTI")
    if legacy_tiocsti_on() and int(m.group(1)) == 0:
        fail("legacy_tiocsti is on but TIOCSTI injected nothing without the filter: "
             "the TIOCSTI probe proves nothing")
    print("seccomp-probe-test: %d denied syscalls refused under bwrap with the filter; "
          "TIOCSTI refused (legacy_tiocsti %s; without the filter it injected %s bytes)"
          % (want, "on" if legacy_tiocsti_on() else "off", m.group(1)))


main()
