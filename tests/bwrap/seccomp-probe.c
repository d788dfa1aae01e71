/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp-probe [--unfiltered]: run inside bwrap by seccomp-probe-test.py.
 *
 * Reads "ABI NR ERRNO NAME" lines on stdin (ABI native, i386 or x32: the
 * syscalls Podman's profile denies, with the errno it gives) and calls each
 * with every argument all ones (a bad pointer, fd, length or flag set: each
 * call that gets past the filter fails harmlessly), i386 ones through
 * int $0x80.  Then: calls that must work (getpid, read, the personality
 * query, an AF_INET socket); an audit netlink socket, also with bits above
 * 32 (EINVAL); TIOCSTI and TIOCLINUX on the controlling terminal of a fresh
 * session, also with bits above 32 and through int $0x80 (EPERM).
 *
 * Prints one line per surprise and a summary.  Filtered (the default), the
 * exit status is 0 only when every verdict was the expected one; with
 * --unfiltered (bwrap without the filter) it reports what got through,
 * which the test uses to prove the probe sees a missing filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALL_ONES (~0UL)

static bool unfiltered;
static unsigned surprises;
/* Whether this kernel takes int $0x80 from a 64-bit process (some refuse it:
 * ia32_emulation=0, confidential or paravirtualised guests, where it faults). */
static bool i386_reachable;

/* The kernel's answer: >= 0, or a negative errno. */
static long native_call(long nr)
{
    long r = syscall(nr, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES);
    return r < 0 ? -errno : r;
}

#if defined(__x86_64__)
/* A 32-bit syscall from this 64-bit process: the kernel takes it as i386's. */
static long i386_call(long nr, uint32_t a, uint32_t b, uint32_t c)
{
    long r = nr;
    /* rbp is the sixth argument; below the red zone a leaf function may use. */
    __asm__ volatile("sub $128, %%rsp\n\t"
                     "push %%rbp\n\t"
                     "mov $0xffffffff, %%ebp\n\t"
                     "int $0x80\n\t"
                     "pop %%rbp\n\t"
                     "add $128, %%rsp"
                     : "+a"(r)
                     : "b"(a), "c"(b), "d"(c), "S"(0xffffffffu), "D"(0xffffffffu)
                     : "memory", "r8", "r9", "r10", "r11", "cc");
    return (long)(int)r;
}
#endif

#if defined(__x86_64__)
static bool i386_works(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(i386_call(20 /* i386 getpid */, 0, 0, 0) > 0 ? 0 : 1);
    int status;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}
#else
static bool i386_works(void)
{
    return false;
}
#endif

static void surprise(const char *what, long got, long want)
{
    surprises++;
    printf("seccomp-probe: %s: got %ld (%s), want %ld (%s)\n", what, got,
           got < 0 ? strerror((int)-got) : "success", want, strerror((int)-want));
}

static void expect(const char *what, long got, long want)
{
    if (got != want)
        surprise(what, got, want);
}

/* The list on stdin; returns how many were probed per ABI. */
static void probe_denied(unsigned counts[3])
{
    char line[256];
    while (fgets(line, sizeof(line), stdin)) {
        char abi[16], name[64];
        long nr, want;
        if (sscanf(line, "%15s %ld %ld %63s", abi, &nr, &want, name) != 4) {
            printf("seccomp-probe: bad line: %s", line);
            exit(2);
        }
        long got;
        if (strcmp(abi, "native") == 0 || strcmp(abi, "x32") == 0) {
            got = native_call(nr);
            counts[abi[0] == 'x' ? 2 : 0]++;
#if defined(__x86_64__)
        } else if (strcmp(abi, "i386") == 0) {
            if (!i386_reachable)
                continue;
            got = i386_call(nr, 0xffffffffu, 0xffffffffu, 0xffffffffu);
            counts[1]++;
#endif
        } else {
            printf("seccomp-probe: no way to call %s syscalls here\n", abi);
            exit(2);
        }
        char what[96];
        snprintf(what, sizeof(what), "%s %s (%ld)", abi, name, nr);
        expect(what, got, -want);
    }
}

static void probe_allowed(void)
{
    int p[2];
    char c = 0;
    if (getpid() <= 0 || pipe2(p, O_CLOEXEC) != 0 || write(p[1], "y", 1) != 1 ||
        read(p[0], &c, 1) != 1 || c != 'y')
        surprise("getpid, pipe2, write, read", -errno, 0);
    long persona = personality(0xffffffff);
    if (persona < 0)
        surprise("personality(0xffffffff)", -errno, 0);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        surprise("socket(AF_INET)", -errno, 0);
    close(s);
}

/* Podman's audit-socket rule, and the same socket asked with bits above 32
 * (the kernel reads ints from the low half). */
static void probe_audit_socket(void)
{
    long plain = syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    long e = plain < 0 ? -errno : plain;
    long high = syscall(SYS_socket, AF_NETLINK | (1UL << 32), SOCK_RAW | SOCK_CLOEXEC,
                        NETLINK_AUDIT | (1UL << 32));
    long eh = high < 0 ? -errno : high;
    if (unfiltered) {
        printf("seccomp-probe: audit socket: %s\n", eh >= 0 ? "created" : "refused");
        return;
    }
    expect("socket(AF_NETLINK, NETLINK_AUDIT)", e, -EINVAL);
    expect("socket(AF_NETLINK|1<<32, NETLINK_AUDIT|1<<32)", eh, -EINVAL);
}

/* In a child that is a session leader with a fresh pty as its controlling
 * terminal (where TIOCSTI works without CAP_SYS_ADMIN): the requests' verdicts
 * as exit status bits, 1 each that was not refused with EPERM. */
static int tty_child(int master, const char *slave_name)
{
    if (setsid() < 0)
        return 64;
    int slave = open(slave_name, O_RDWR);
    if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) != 0)
        return 65;
    static const char c = 'z';
    int bits = 0;
    if (ioctl(slave, TIOCSTI, &c) != -1 || errno != EPERM)
        bits |= 1;
    if (syscall(SYS_ioctl, slave, TIOCSTI | (1UL << 32), &c) != -1 || errno != EPERM)
        bits |= 2;
    if (ioctl(slave, TIOCLINUX, "\x02") != -1 || errno != EPERM)
        bits |= 4;
#if defined(__x86_64__)
    char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                     -1, 0);
    if (low == MAP_FAILED)
        return 66;
    low[0] = 'z';
    if (i386_reachable && i386_call(54 /* i386 ioctl */, (uint32_t)slave, TIOCSTI, (uint32_t)(uintptr_t)low) !=
        -EPERM)
        bits |= 8;
#endif
    (void)master;
    return bits;
}

/* How many 'z' the master read: what TIOCSTI pushed into the terminal. */
static int injected(int master)
{
    int n = 0;
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    char buf[64];
    while (poll(&pfd, 1, 200) > 0) {
        ssize_t got = read(master, buf, sizeof(buf));
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++)
            n += buf[i] == 'z';
    }
    return n;
}

static void probe_tiocsti(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        surprise("a pty for TIOCSTI", -errno, 0);
        return;
    }
    const char *slave_name = ptsname(master);
    pid_t pid = fork();
    if (pid == 0)
        _exit(tty_child(master, slave_name));
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        surprise("the TIOCSTI child", -ECHILD, 0);
        return;
    }
    int bits = WEXITSTATUS(status);
    int pushed = injected(master);
    if (unfiltered) {
        printf("seccomp-probe: tiocsti: %d bytes injected (verdict bits %d)\n", pushed, bits);
        return;
    }
    if (bits != 0 || pushed != 0) {
        surprises++;
        printf("seccomp-probe: TIOCSTI/TIOCLINUX not refused with EPERM (bits %d), %d bytes "
               "injected\n", bits, pushed);
    }
}

int main(int argc, char **argv)
{
    unfiltered = argc == 2 && strcmp(argv[1], "--unfiltered") == 0;
    unsigned counts[3] = {0};
    i386_reachable = i386_works();
    if (!i386_reachable)
        printf("seccomp-probe: i386 syscalls are unreachable here (int $0x80 of getpid "
               "faults): not probed\n");
    probe_denied(counts);
    probe_allowed();
    probe_audit_socket();
    probe_tiocsti();
    printf("seccomp-probe: %u denied syscalls probed (native %u, i386 %u, x32 %u), "
           "%u surprises%s\n",
           counts[0] + counts[1] + counts[2], counts[0], counts[1], counts[2], surprises,
           unfiltered ? " (unfiltered)" : "");
    return surprises == 0 ? 0 : 1;
}
