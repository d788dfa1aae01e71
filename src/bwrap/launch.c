/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting bwrap with its handshake and slirp4netns (bwrap/launch.h). */
#include "bwrap/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/parse-util.h"
#include "base/macro.h"
#include "base/strv.h"
#include "base/ttysession.h"
#include "bwrap/internal.h"
#include "base/banned.h"

/* How long bwrap may take to make the namespaces, and slirp4netns to say it
 * is ready, before the launch is given up. */
#define SETUP_TIMEOUT_MS 30000
#define INFO_MAX         4096

/* Everything the forked child needs, made before the fork: after it only
 * async-signal-safe calls run (other threads of ags may hold locks). */
struct child_plan {
    pid_t parent;
    const char *program;
    char *const *argv;
    const char *const *envp;
    int std[3];      /* the child's stdin, stdout, stderr */
    int ctty;        /* the pty's slave to make the controlling terminal, or -1 */
    const int *keep;
    size_t n_keep;
};

static void keep_fd(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

_noreturn_ static void child_exec(const struct child_plan *c)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != c->parent)
        _exit(127);
    if (c->ctty >= 0 && (setsid() < 0 || ioctl(c->ctty, TIOCSCTTY, 0) < 0))
        _exit(127);
    for (int i = 0; i < 3; i++) {
        if (c->std[i] == i)
            keep_fd(i);
        else if (dup2(c->std[i], i) < 0)
            _exit(127);
    }
    /* Whatever ags inherited without O_CLOEXEC must not reach the sandbox. */
    if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
        _exit(127);
    for (size_t i = 0; i < c->n_keep; i++)
        keep_fd(c->keep[i]);
    /* execve's prototype predates const; it changes neither. */
    execve(c->program, c->argv, (char *const *)(uintptr_t)c->envp);
    _exit(127);
}

int bwrap_fork_exec(const char *program, char *const *argv, const char *const *envp,
                    const int std[3], int ctty, const int *keep, size_t n_keep, pid_t *ret_pid,
                    struct ags_error *err)
{
    const struct child_plan c = {
        .parent = getpid(),
        .program = program,
        .argv = argv,
        .envp = envp,
        .std = {std[0], std[1], std[2]},
        .ctty = ctty,
        .keep = keep,
        .n_keep = n_keep,
    };
    pid_t pid = fork();
    if (pid < 0)
        return ags_error_set(err, -errno, "cannot start %s: fork: %m", program);
    if (pid == 0)
        child_exec(&c);
    *ret_pid = pid;
    return 0;
}

/* "child-pid": N in what bwrap wrote to its info fd; 0 when not (yet) there. */
static pid_t info_child_pid(const char *info)
{
    const char *p = strstr(info, "\"child-pid\"");
    if (!p)
        return 0;
    p += strlen("\"child-pid\"");
    p += strspn(p, " \t\r\n");
    if (*p != ':')
        return 0;
    p++;
    p += strspn(p, " \t\r\n");
    size_t digits = strspn(p, "0123456789");
    /* The number must be whole: something follows it in what was read. */
    if (digits == 0 || digits > 10 || !p[digits])
        return 0;
    char num[11];
    memcpy(num, p, digits);
    num[digits] = '\0';
    uint32_t v;
    if (parse_u32(num, &v) < 0 || v <= 1 || v > INT32_MAX)
        return 0;
    return (pid_t)v;
}

/* One read of fd once it is readable before deadline (ms): the bytes read,
 * 0 at its end, -ETIMEDOUT, or another negative errno. */
static ssize_t read_by(int fd, void *buf, size_t size, int64_t deadline)
{
    for (;;) {
        int64_t now = monotonic_ms();
        if (now >= deadline)
            return -ETIMEDOUT;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = poll(&pfd, 1, (int)(deadline - now));
        if (n < 0 && errno != EINTR)
            return -errno;
        if (n <= 0)
            continue;
        ssize_t got = read(fd, buf, size);
        if (got >= 0 || errno != EINTR)
            return got < 0 ? -errno : got;
    }
}

/* Reads the info pipe until the sandbox's pid is in it; 0 when bwrap
 * closed it first (it failed: it says why on its stderr). */
static int read_child_pid(int fd, pid_t *ret, struct ags_error *err)
{
    char buf[INFO_MAX + 1] = "";
    size_t len = 0;
    int64_t deadline = monotonic_ms() + SETUP_TIMEOUT_MS;
    *ret = 0;
    /* To its closing brace: bwrap dies of SIGPIPE if the pipe closes while
     * it still writes. */
    while ((!*ret || !strchr(buf, '}')) && len < INFO_MAX) {
        ssize_t got = read_by(fd, buf + len, INFO_MAX - len, deadline);
        if (got == -ETIMEDOUT)
            return ags_error_set(err, -ETIMEDOUT,
                                 "bwrap did not set the sandbox up within %d s",
                                 SETUP_TIMEOUT_MS / 1000);
        if (got < 0)
            return ags_error_set(err, (int)got, "reading bwrap's info: %s",
                                 strerror((int)-got));
        if (got == 0)
            return 0;
        len += (size_t)got;
        buf[len] = '\0';
        *ret = info_child_pid(buf);
    }
    if (!*ret)
        return ags_error_set(err, -EPROTO, "bwrap's info names no sandbox pid");
    return 0;
}

/* Waits for slirp4netns's one ready byte. */
static int wait_ready(int fd, struct ags_error *err)
{
    char b;
    ssize_t got = read_by(fd, &b, 1, monotonic_ms() + SETUP_TIMEOUT_MS);
    if (got == 1)
        return 0;
    if (got == -ETIMEDOUT)
        return ags_error_set(err, -ETIMEDOUT, "slirp4netns was not ready within %d s",
                             SETUP_TIMEOUT_MS / 1000);
    return ags_error_set(err, -EIO,
                         "slirp4netns could not set up the sandbox's network (it exited)");
}

/* slirp4netns into the sandbox's network namespace, through the user
 * namespace that owns it (the parent of the sandbox's own: bwrap nests one). */
static int start_slirp(const struct bwrap_start_opts *o, pid_t child, struct bwrap_proc *p,
                       struct ags_error *err)
{
    char path[64];
    (void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
    _cleanup_close_ int netns = open(path, O_RDONLY | O_CLOEXEC);
    if (netns < 0)
        return ags_error_set(err, -errno, "cannot open the sandbox's network namespace: %m");
    _cleanup_close_ int userns = ioctl(netns, NS_GET_USERNS);
    if (userns < 0)
        return ags_error_set(err, -errno, "cannot find the owner of the sandbox's network "
                                          "namespace: %m");
    int ready[2], quit[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    if (pipe2(quit, O_CLOEXEC) < 0) {
        int e = -errno;
        (void)close(ready[0]);
        (void)close(ready[1]);
        return ags_error_set(err, e, "pipe: %m");
    }
    struct strv_builder a = {0};
    static const char *const fixed[] = {"--configure", "--mtu=65520", "--enable-seccomp",
                                        "--netns-type=path"};
    strv_builder_push(&a, xstrdup(o->slirp4netns));
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        strv_builder_push(&a, xstrdup(fixed[i]));
    if (!o->host_loopback)
        strv_builder_push(&a, xstrdup("--disable-host-loopback"));
    strv_builder_push(&a, xasprintf("--ready-fd=%d", ready[1]));
    strv_builder_push(&a, xasprintf("--exit-fd=%d", quit[0]));
    strv_builder_push(&a, xasprintf("--userns-path=/proc/self/fd/%d", userns));
    strv_builder_push(&a, xasprintf("/proc/self/fd/%d", netns));
    strv_builder_push(&a, xstrdup("tap0"));
    _cleanup_strv_free_ char **argv = strv_builder_steal(&a);
    static const char *const no_env[] = {NULL};
    _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log = o->slirp_log_fd >= 0 ? o->slirp_log_fd : null;
    const int std[3] = {null, log, log};
    const int keep[] = {ready[1], quit[0], userns, netns};
    int r = bwrap_fork_exec(o->slirp4netns, argv, no_env, std, -1, keep, ARRAY_SIZE(keep),
                            &p->slirp_pid, err);
    (void)close(ready[1]);
    (void)close(quit[0]);
    p->slirp_exit_wr = quit[1];
    if (r == 0)
        r = wait_ready(ready[0], err);
    (void)close(ready[0]);
    return r;
}

/* The pty the sandbox gets instead of the caller's terminal, sized like it. */
static int open_pty(const struct bwrap_start_opts *o, int *ret_master, int *ret_slave,
                    struct ags_error *err)
{
    _cleanup_close_ int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return ags_error_set(err, -errno, "cannot open a pseudo-terminal: %m");
    char name[128];
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)))
        return ags_error_set(err, -errno, "cannot set the pseudo-terminal up: %m");
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", name);
    unsigned rows, cols;
    if (tty_term_size(o->out_fd, o->in_fd, &rows, &cols) == 0) {
        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
        (void)ioctl(master, TIOCSWINSZ, &ws);
    }
    *ret_master = TAKE_FD(master);
    *ret_slave = slave;
    return 0;
}

/* The child's three streams (and what the parent keeps of them). */
struct streams {
    int std[3];
    int ctty;
    int close_after[4]; /* the child's ends, closed in the parent after the fork */
    size_t n_close;
};

static void streams_done(struct streams *s)
{
    for (size_t i = 0; i < s->n_close; i++)
        (void)close(s->close_after[i]);
    s->n_close = 0;
}

/* A pipe between the child's stream and the relay; out: the child writes. */
static int pipe_for(bool out, int *ret_child_end, int *ret_parent_end, struct streams *s,
                    struct ags_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    *ret_parent_end = fds[out ? 0 : 1];
    *ret_child_end = fds[out ? 1 : 0];
    s->close_after[s->n_close++] = *ret_child_end;
    return 0;
}

static int make_streams(const struct bwrap_start_opts *o, struct bwrap_proc *p,
                        struct streams *s, struct ags_error *err)
{
    *s = (struct streams){.ctty = -1};
    if (o->tty) {
        int slave = -1;
        int r = open_pty(o, &p->master, &slave, err);
        if (r < 0)
            return r;
        s->std[0] = s->std[1] = s->std[2] = s->ctty = slave;
        s->close_after[s->n_close++] = slave;
        return 0;
    }
    s->std[0] = o->in_fd;
    int r = 0;
    if (o->in_fd >= 0 && isatty(o->in_fd))
        r = pipe_for(false, &s->std[0], &p->in_wr, s, err);
    if (o->in_fd < 0) {
        s->std[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (s->std[0] < 0)
            return ags_error_set(err, -errno, "cannot open /dev/null: %m");
        s->close_after[s->n_close++] = s->std[0];
    }
    s->std[1] = o->out_fd;
    s->std[2] = o->err_fd;
    if (r == 0 && (o->out_filter || isatty(o->out_fd)))
        r = pipe_for(true, &s->std[1], &p->out_rd, s, err);
    if (r == 0 && (o->err_filter || isatty(o->err_fd)))
        r = pipe_for(true, &s->std[2], &p->err_rd, s, err);
    return r;
}

/* [program, --info-fd I, --block-fd B, args...] */
static char **full_argv(const struct bwrap_start_opts *o, int info_wr, int block_rd)
{
    struct strv_builder a = {0};
    strv_builder_push(&a, xstrdup(o->program));
    strv_builder_push(&a, xstrdup("--info-fd"));
    strv_builder_push(&a, xasprintf("%d", info_wr));
    strv_builder_push(&a, xstrdup("--block-fd"));
    strv_builder_push(&a, xasprintf("%d", block_rd));
    for (size_t i = 0; o->args[i]; i++)
        strv_builder_push(&a, xstrdup(o->args[i]));
    return strv_builder_steal(&a);
}

static int spawn_bwrap(const struct bwrap_start_opts *o, const struct streams *s, int info_wr,
                       int block_rd, struct bwrap_proc *p, struct ags_error *err)
{
    _cleanup_strv_free_ char **argv = full_argv(o, info_wr, block_rd);
    int *keep = xcalloc(o->n_keep_fds + 2, sizeof(int));
    if (o->n_keep_fds)
        memcpy(keep, o->keep_fds, o->n_keep_fds * sizeof(int));
    keep[o->n_keep_fds] = info_wr;
    keep[o->n_keep_fds + 1] = block_rd;
    int r = bwrap_fork_exec(o->program, argv, o->envp, s->std, s->ctty, keep,
                            o->n_keep_fds + 2, &p->pid, err);
    free(keep);
    return r;
}

/* Whether lo of child's network namespace is up: its ::1 is in
 * /proc/PID/net/if_inet6 (the kernel adds it when lo goes up).  1 up, 0 not
 * yet, -1 no way to tell (no IPv6, or the sandbox is gone). */
static int loopback_up(pid_t child)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/net/if_inet6", (int)child);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return strstr(buf, "00000000000000000000000000000001 ") != NULL;
}

/*
 * bwrap's sandbox process brings up its loopback (netlink) before it waits
 * on the block fd; slirp4netns, started as soon as the pid is known, talks
 * netlink to the same namespace.  Run at once, bwrap's request failed now and
 * then ("loopback: Failed RTM_NEWADDR", ten concurrent runs in CI) and the
 * sandbox never started.  So slirp4netns waits until lo is up (at most
 * LOOPBACK_WAIT_MS; without IPv6 there is no sign to wait for).
 */
#define LOOPBACK_WAIT_MS 2000
static void wait_loopback(pid_t child)
{
    int64_t deadline = monotonic_ms() + LOOPBACK_WAIT_MS;
    while (loopback_up(child) == 0 && monotonic_ms() < deadline) {
        const struct timespec ms = {0, 1000000};
        (void)nanosleep(&ms, NULL);
    }
}

int bwrap_start(const struct bwrap_start_opts *o, struct bwrap_proc *ret, struct ags_error *err)
{
    struct bwrap_proc p = BWRAP_PROC_INIT;
    p.tty = o->tty;
    struct streams s;
    int info[2] = {-1, -1}, block[2] = {-1, -1};
    int r = make_streams(o, &p, &s, err);
    /* The block fd is a socket so that releasing a bwrap that already
     * exited is EPIPE, not SIGPIPE. */
    if (r == 0 && (pipe2(info, O_CLOEXEC) < 0 ||
                   socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, block) < 0))
        r = ags_error_set(err, -errno, "pipe: %m");
    if (r == 0)
        r = spawn_bwrap(o, &s, info[1], block[0], &p, err);
    streams_done(&s);
    close_fd(&info[1]);
    close_fd(&block[0]);
    pid_t child = 0;
    if (r == 0)
        r = read_child_pid(info[0], &child, err);
    close_fd(&info[0]);
    if (r == 0 && child && o->nproc_limit) {
        const struct rlimit lim = {o->nproc_limit, o->nproc_limit};
        if (prlimit(child, RLIMIT_NPROC, &lim, NULL) < 0)
            r = ags_error_set(err, -errno, "cannot limit the sandbox's processes: %m");
    }
    if (r == 0 && child && o->slirp4netns) {
        wait_loopback(child);
        r = start_slirp(o, child, &p, err);
    }
    /* Released: the command runs now (or, when bwrap failed, nothing waits). */
    if (r == 0 && child && send(block[1], "x", 1, MSG_NOSIGNAL) != 1)
        r = ags_error_set(err, -errno, "cannot release the sandbox: %m");
    close_fd(&block[1]);
    if (r < 0) {
        bwrap_stop(&p);
        return r;
    }
    *ret = p;
    return 0;
}
