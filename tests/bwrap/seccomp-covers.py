#!/usr/bin/env python3
"""The sandbox's compiled seccomp program is at least as strict as Podman's default profile.

usage: seccomp-covers.py SECCOMP_TOOL

Reads containers-common's profile ($AGS_SECCOMP_PROFILE, else
/usr/share/containers/seccomp.json) as it applies to a process without
capabilities on this architecture, and runs the program the tool dumps (the
bytes ags hands bwrap) in a classic-BPF interpreter for every syscall number of
every architecture the filter covers (names from `seccomp-tool list`), with
argument vectors built from the values the profile's rules compare with.
Fails when our program allows a call the profile denies, or denies with
another errno than the profile's.  Conflicting profile rules (setns is in its
allow list and in its CAP_SYS_ADMIN denial) count as denied: the stricter
reading.  On a 32-bit architecture (x86, x32, arm) only an argument's low 32
bits reach the kernel, so both sides compare those.
"""
import itertools
import os
import struct
import subprocess
import sys

from seccomp_profile import (DEFAULT_PROFILE, KERNEL_TOKEN, MASK64, NARROW, RANGES, fail,
                             load_profile, profile_verdict, read_listing, denied_rules)

GENERIC_VALUES = [0, 1, 9, 16, 0x5412, 0x541C, 0xFFFFFFFF, MASK64]
RET_ERRNO = 0x00050000

def run_bpf(prog, nr, arch, args, seen=None):
    """The program's return value; seen (a set) learns whether an argument was loaded."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, *args)
    a = x = 0
    mem = [0] * 16
    pc = 0
    while True:
        code, jt, jf, k = prog[pc]
        cls, pc = code & 0x07, pc + 1
        src = x if code & 0x08 else k
        if cls == 0x00:  # LD
            mode = code & 0xE0
            if mode == 0x20 and code & 0x18 == 0x00:
                a = struct.unpack_from("<I", data, k)[0]
                if k >= 16 and seen is not None:
                    seen.add(k)
            elif mode == 0x00:
                a = k
            elif mode == 0x60:
                a = mem[k]
            else:
                fail("BPF load 0x%x not modelled" % code)
        elif cls == 0x01:  # LDX
            x = k if code & 0xE0 == 0x00 else mem[k]
        elif cls == 0x02:
            mem[k] = a
        elif cls == 0x03:
            mem[k] = x
        elif cls == 0x04:  # ALU
            op = code & 0xF0
            fn = {0x00: lambda: a + src, 0x10: lambda: a - src, 0x20: lambda: a * src,
                  0x40: lambda: a | src, 0x50: lambda: a & src, 0x60: lambda: a << src,
                  0x70: lambda: a >> src, 0x80: lambda: -a, 0xA0: lambda: a ^ src}.get(op)
            if fn is None:
                fail("BPF ALU 0x%x not modelled" % code)
            a = fn() & 0xFFFFFFFF
        elif cls == 0x05:  # JMP
            op = code & 0xF0
            if op == 0x00:
                pc += k
                continue
            taken = {0x10: a == src, 0x20: a > src, 0x30: a >= src, 0x40: (a & src) != 0}.get(op)
            if taken is None:
                fail("BPF jump 0x%x not modelled" % code)
            pc += jt if taken else jf
        elif cls == 0x06:  # RET
            return a if code & 0x18 == 0x10 else k
        else:  # MISC
            if code == 0x07:
                x = a
            elif code == 0x87:
                a = x
            else:
                fail("BPF misc 0x%x not modelled" % code)


def our_verdict(prog, nr, token, args, seen=None):
    ret = run_bpf(prog, nr, token, args, seen)
    if ret & 0xFFFF0000 == RET_ERRNO:
        return ("errno", ret & 0xFFFF)
    if ret & 0xFFFF0000 in (0, 0x80000000, 0x00030000):  # kill thread/process, trap
        return ("kill", 0)
    return ("allow", 0)  # allow, log, trace and user notification all let the call run


def program_constants(prog):
    """Every value the program compares an argument with (a load from seccomp_data.args, then
    jumps on constants), and its neighbours."""
    found, arg_loaded = set(), False
    for code, _, _, k in prog:
        if code == 0x20:
            arg_loaded = k >= 16
        elif arg_loaded and code & 0x07 == 0x05 and code & 0xF0 in (0x10, 0x20, 0x30, 0x40):
            found.update({k, (k + 1) & 0xFFFFFFFF, (k - 1) & 0xFFFFFFFF})
    return found


def arg_vectors(rules, name, constants):
    """Zeros and all-ones; every combination, over the arguments the profile's rules for name
    look at (argument 1 when it has none: ioctl's request), of the profile's comparison values
    (around and above 32 bits) and a few generic ones; and each of those arguments run through
    every constant our program compares with while the others hold a profile value."""
    values, indices = set(GENERIC_VALUES), set()
    for r in rules:
        if name in r["names"]:
            for c in r.get("args") or []:
                indices.add(c["index"])
                for v in (c["value"], c.get("valueTwo", 0)):
                    values.update({v, (v + 1) & MASK64, (v - 1) & MASK64, v | (1 << 32),
                                   v | (0xFFFFFFFF << 32)})
    indices = sorted(indices) or [1]
    vectors = [(0,) * 6, (MASK64,) * 6]
    for combo in itertools.product(sorted(values), repeat=len(indices)):
        args = [0] * 6
        for i, v in zip(indices, combo):
            args[i] = v
        vectors.append(tuple(args))
    for i in indices:
        for rest in sorted(values):
            for v in sorted(constants):
                args = [0] * 6
                for j in indices:
                    args[j] = rest
                args[i] = v
                vectors.append(tuple(args))
    return vectors


def main():
    if len(sys.argv) != 2:
        fail("usage: seccomp-covers.py SECCOMP_TOOL")
    tool = sys.argv[1]
    profile = load_profile()
    arches, names = read_listing(tool)
    raw = subprocess.run([tool, "bpf"], check=True, capture_output=True).stdout
    prog = [struct.unpack_from("<HBBI", raw, i) for i in range(0, len(raw), 8)]
    rules = denied_rules(profile, arches[0])
    constants = program_constants(prog)
    problems, summary = [], []
    for arch in arches:
        table = names[arch]
        narrow = arch in NARROW
        numbers = sorted({n for rg in RANGES.get(arch, [range(0, 1024)]) for n in rg}
                         | {1024, 4095, 0x3FFFFFFF} - ({0x3FFFFFFF} if arch == "x32" else set()))
        allowed = denied = 0
        for nr in numbers:
            name = table.get(nr)
            any_allowed = False
            # A verdict that reads no argument holds for all of them.
            seen = set()
            our_verdict(prog, nr, KERNEL_TOKEN[arch], (0,) * 6, seen)
            profile_args = name and any(name in r["names"] and r.get("args") for r in rules)
            vectors = (arg_vectors(rules, name, constants) if seen or profile_args
                       else [(0,) * 6, (MASK64,) * 6])
            for args in vectors:
                if narrow:
                    args = tuple(v & 0xFFFFFFFF for v in args)
                ours = our_verdict(prog, nr, KERNEL_TOKEN[arch], args)
                theirs = (profile_verdict(profile, rules, name, args, narrow) if name
                          else ("errno", profile.get("defaultErrnoRet", 1)))
                any_allowed |= ours[0] == "allow"
                if ours[0] == "allow" and theirs[0] != "allow":
                    problems.append("%s: %s (nr %d) args %s: allowed here, the profile denies it"
                                    % (arch, name or "unnamed", nr, [hex(v) for v in args]))
                elif ours[0] == "errno" and theirs[0] == "errno" and ours[1] != theirs[1]:
                    problems.append("%s: %s (nr %d): errno %d here, %d in the profile"
                                    % (arch, name or "unnamed", nr, ours[1], theirs[1]))
                elif ours[0] == "kill":
                    problems.append("%s: %s (nr %d): killed" % (arch, name, nr))
            if name:
                allowed, denied = allowed + any_allowed, denied + (not any_allowed)
        summary.append("%s: %d named syscalls allowed (some by argument), %d denied"
                       % (arch, allowed, denied))
    print("\n".join(summary))
    if problems:
        print("\n".join(problems[:200]), file=sys.stderr)
        fail("%d verdicts looser than or different from the profile" % len(problems))
    print("seccomp-covers: the program is at least as strict as %s on %s"
          % (os.environ.get("AGS_SECCOMP_PROFILE") or DEFAULT_PROFILE, ", ".join(arches)))


main()
