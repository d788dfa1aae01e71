/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The attached sandbox: its terminal or filtered streams relayed until bwrap
 * exits, and the stop (bwrap/launch.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/macro.h"
#include "base/ttysession.h"
#include "bwrap/internal.h"
#include "bwrap/launch.h"
#include "base/banned.h"

#define RELAY_BUF 16384
/* How often the wait looks at the cancel flag when nothing else happens. */
#define CANCEL_POLL_MS 200

/* One output stream: what the sandbox wrote, through its filter. */
struct out_stream {
    int from;
    int to;
    const struct output_filter *filter;
    char *scratch; /* RELAY_BUF + slack, when filtered */
};

/* Moves what is there; 0 when the stream ended (EOF, or EIO: the pty's last
 * writer closed it), 1 when it may bring more, or a negative errno. */
static int pump_out(struct out_stream *s)
{
    char buf[RELAY_BUF];
    ssize_t n = read(s->from, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n == 0 || (n < 0 && errno == EIO))
        return 0;
    if (n < 0)
        return -errno;
    if (!s->filter)
        return write_all(s->to, buf, (size_t)n) < 0 ? -EPIPE : 1;
    size_t m = s->filter->filter(s->filter->state, buf, (size_t)n, s->scratch);
    return write_all(s->to, s->scratch, m) < 0 ? -EPIPE : 1;
}

static int pump_in(int from, int to)
{
    char buf[RELAY_BUF];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;
    return write_all(to, buf, (size_t)n) < 0 ? 0 : 1; /* the sandbox's input closed */
}

static void resize(const struct bwrap_start_opts *o, int master)
{
    unsigned rows, cols;
    if (tty_term_size(o->out_fd, o->in_fd, &rows, &cols) < 0)
        return;
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    (void)ioctl(master, TIOCSWINSZ, &ws);
}

static void set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

enum { P_SIG, P_EXIT, P_IN, P_OUT, P_ERR, P_N };

struct relay {
    struct pollfd pfd[P_N];
    struct out_stream out, err;
    int in_to; /* the pty's master or a relayed stdin's pipe, or -1: stdin goes to the
                * sandbox directly */
};

static void relay_init(struct relay *r, struct bwrap_proc *p, const struct bwrap_start_opts *o,
                       int sig_fd, int pidfd)
{
    *r = (struct relay){.in_to = -1};
    for (size_t i = 0; i < P_N; i++)
        r->pfd[i] = (struct pollfd){.fd = -1, .events = POLLIN};
    r->pfd[P_SIG].fd = sig_fd;
    r->pfd[P_EXIT].fd = pidfd;
    size_t slack = 0;
    if (o->out_filter)
        slack = o->out_filter->slack;
    if (o->err_filter && o->err_filter->slack > slack)
        slack = o->err_filter->slack;
    if (p->tty) {
        r->out = (struct out_stream){p->master, o->out_fd, o->out_filter, NULL};
        r->pfd[P_OUT].fd = p->master;
        if (o->in_fd >= 0) {
            r->pfd[P_IN].fd = o->in_fd;
            r->in_to = p->master;
        }
    } else {
        r->out = (struct out_stream){p->out_rd, o->out_fd, o->out_filter, NULL};
        r->err = (struct out_stream){p->err_rd, o->err_fd, o->err_filter, NULL};
        r->pfd[P_OUT].fd = p->out_rd;
        r->pfd[P_ERR].fd = p->err_rd;
        if (p->in_wr >= 0) {
            r->pfd[P_IN].fd = o->in_fd;
            r->in_to = p->in_wr;
        }
    }
    if (r->out.filter)
        r->out.scratch = xmalloc(RELAY_BUF + slack);
    if (r->err.filter)
        r->err.scratch = xmalloc(RELAY_BUF + slack);
    for (size_t i = P_OUT; i <= P_ERR; i++)
        if (r->pfd[i].fd >= 0)
            set_nonblock(r->pfd[i].fd);
}

static void relay_done(struct relay *r)
{
    free(r->out.scratch);
    free(r->err.scratch);
}

/* The rest of the output once bwrap is gone (every writer is gone too: the
 * sandbox's PID namespace died with its init). */
static int drain(struct relay *r)
{
    struct out_stream *s[] = {&r->out, &r->err};
    for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
        if (s[i]->from < 0 || r->pfd[P_OUT + i].fd < 0)
            continue;
        int k;
        for (int rounds = 0; (k = pump_out(s[i])) == 1 && rounds < 4096; rounds++) {
            struct pollfd pfd = {.fd = s[i]->from, .events = POLLIN};
            if (poll(&pfd, 1, 0) <= 0)
                break;
        }
        if (k < 0)
            return k;
    }
    return 0;
}

static int exit_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
}

/* One round of the relay: 1 to go on, 0 when bwrap exited, or -errno. */
static int relay_round(struct relay *r, struct tty_session *ts, struct bwrap_proc *p,
                       const struct bwrap_start_opts *o, const volatile sig_atomic_t *cancel)
{
    int n = poll(r->pfd, P_N, CANCEL_POLL_MS);
    if (n < 0 && errno != EINTR)
        return -errno;
    bool winch = false;
    if (tty_session_poll_signals(ts, &winch) || (cancel && *cancel))
        return -EINTR;
    if (winch && p->master >= 0)
        resize(o, p->master);
    if (n <= 0)
        return 1;
    if (r->pfd[P_IN].revents && pump_in(r->pfd[P_IN].fd, r->in_to) == 0) {
        r->pfd[P_IN].fd = -1;
        if (!p->tty)
            close_fd(&p->in_wr); /* the sandbox's stdin sees the end */
    }
    struct out_stream *s[] = {&r->out, &r->err};
    for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
        if (!r->pfd[P_OUT + i].revents)
            continue;
        int k = pump_out(s[i]);
        if (k < 0)
            return k;
        if (k == 0)
            r->pfd[P_OUT + i].fd = -1;
    }
    return r->pfd[P_EXIT].revents ? 0 : 1;
}

int bwrap_attach(struct bwrap_proc *p, const struct bwrap_start_opts *o,
                 const volatile sig_atomic_t *cancel, int *ret_exit, struct ags_error *err)
{
    int pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (pidfd < 0)
        return ags_error_set(err, -errno, "pidfd_open: %m");
    _cleanup_(tty_session_end) struct tty_session ts = TTY_SESSION_INIT;
    int r = tty_session_begin(&ts, p->tty ? o->in_fd : -1, p->tty, err);
    if (r < 0) {
        (void)close(pidfd);
        return r;
    }
    struct relay rl;
    relay_init(&rl, p, o, ts.sig_rd, pidfd);
    while ((r = relay_round(&rl, &ts, p, o, cancel)) == 1)
        ;
    if (r == 0)
        r = drain(&rl);
    int sig = tty_session_interrupted(); /* named as the Podman attach names it */
    relay_done(&rl);
    (void)close(pidfd);
    tty_session_restore_tty(&ts);
    if (r == -EINTR) {
        const char *name = sig ? sigabbrev_np(sig) : NULL;
        return ags_error_set(err, -EINTR, "interrupted by SIG%s", name ? name : "?");
    }
    if (r < 0)
        return ags_error_set(err, r, "relaying the sandbox's output: %s", strerror(-r));
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0)
        if (errno != EINTR)
            return ags_error_set(err, -errno, "waiting for bwrap: %m");
    p->pid = 0;
    p->status = status;
    *ret_exit = exit_status(status);
    return 0;
}

static void kill_reap(pid_t *pid)
{
    if (*pid <= 0)
        return;
    (void)kill(*pid, SIGKILL);
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
        ;
    *pid = 0;
}

void bwrap_stop(struct bwrap_proc *p)
{
    kill_reap(&p->pid);
    /* slirp4netns ends when its exit fd closes; its sandbox is gone anyway. */
    close_fd(&p->slirp_exit_wr);
    kill_reap(&p->slirp_pid);
    close_fd(&p->master);
    close_fd(&p->out_rd);
    close_fd(&p->err_rd);
    close_fd(&p->in_wr);
}

int bwrap_version(const char *program, char *buf, size_t size, struct ags_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    _cleanup_free_ char *prog = xstrdup(program);
    char version_flag[] = "--version";
    char *argv[] = {prog, version_flag, NULL};
    static const char *const no_env[] = {NULL};
    const int std[3] = {null, fds[1], null};
    pid_t pid;
    int r = bwrap_fork_exec(program, argv, no_env, std, -1, NULL, 0, &pid, err);
    (void)close(fds[1]);
    char out[128] = "";
    size_t len = 0;
    ssize_t n;
    while (r == 0 && len < sizeof(out) - 1 &&
           ((n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
        len += n > 0 ? (size_t)n : 0;
    out[len] = '\0';
    (void)close(fds[0]);
    if (r == 0)
        kill_reap(&pid);
    /* "bubblewrap 0.8.0" */
    const char *v = strchr(out, ' ');
    if (r == 0 && (!v || !v[1]))
        r = ags_error_set(err, -EPROTO, "%s --version said nothing that names a version",
                          program);
    if (r == 0)
        (void)snprintf(buf, size, "%.*s", (int)strcspn(v + 1, "\r\n"), v + 1);
    return r;
}
