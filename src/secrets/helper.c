/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helper commands for secrets: exec without a shell, in a process group of
 * their own that is killed as a whole (timeout, too much output, and always
 * once the helper exits), with nothing of ags's environment but the
 * allowlist.  The child side of fork() only makes async-signal-safe calls:
 * libsecret may have started GLib threads in this process.
 */
#include "secrets/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "base/banned.h"

/* Sets the reason (a fixed text, never output) and returns code. */
static int because(const char **ret_reason, const char *text, int code)
{
    *ret_reason = text;
    return code;
}

long secret_output_check(const char *out, size_t len, const char **ret_reason)
{
    if (len > 0 && out[len - 1] == '\n') {
        len--;
        if (len > 0 && out[len - 1] == '\r')
            len--;
    }
    if (len == 0)
        return because(ret_reason, "helper stdout was empty", -EINVAL);
    if (memchr(out, '\0', len))
        return because(ret_reason, "helper stdout contained a NUL byte", -EINVAL);
    if (memchr(out, '\n', len) || memchr(out, '\r', len))
        return because(ret_reason, "helper stdout contained an embedded newline", -EINVAL);
    if (!utf8_valid(out, len))
        return because(ret_reason, "helper stdout was not valid UTF-8", -EINVAL);
    return (long)len;
}

/* In the child: stdio wired, own process group, cwd, then exec.  An exec
 * failure reports errno through the CLOEXEC pipe (it closes on success). */
_noreturn_ static void child_exec(char *const argv[], const char *cwd, char *const envp[],
                                  int out_fd, int err_fd)
{
    (void)setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(null_fd, STDERR_FILENO) < 0)
        goto fail;
    if (chdir(cwd) < 0 && chdir("/") < 0)
        goto fail;
    /* Default dispositions: a helper must not inherit ags's ignored SIGPIPE. */
    (void)signal(SIGPIPE, SIG_DFL);
    execve(argv[0], argv, envp);
fail:;
    int e = errno;
    (void)!write(err_fd, &e, sizeof(e));
    _exit(127);
}

struct run {
    pid_t pid;
    int out_fd, pid_fd;
    char *buf;
    size_t len, max;
    bool too_big, timed_out, exited;
    int status;
};

static void kill_group(struct run *r)
{
    (void)kill(-r->pid, SIGKILL);
}

static void reap(struct run *r, int flags)
{
    if (r->exited)
        return;
    pid_t p;
    while ((p = waitpid(r->pid, &r->status, flags)) < 0 && errno == EINTR)
        ;
    if (p == r->pid) {
        r->exited = true;
        /* The helper is done: whatever it left in its group goes too. */
        kill_group(r);
    }
}

/* Appends one read's worth; false (and too_big) past the cap. */
static bool take(struct run *r, char *chunk, size_t got)
{
    bool fits = r->len + got <= r->max;
    if (fits) {
        memcpy(r->buf + r->len, chunk, got);
        r->len += got;
    } else {
        r->too_big = true;
    }
    explicit_bzero(chunk, got);
    return fits;
}

/* Once the helper has exited and its group is dead, everything it wrote is
 * already in the pipe: read what is there and stop, without waiting for an
 * EOF that a daemon in a session of its own (gpg-agent) may never send. */
static void drain(struct run *r)
{
    char chunk[4096];
    ssize_t got;
    while ((got = read(r->out_fd, chunk, sizeof(chunk))) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && !take(r, chunk, (size_t)got))
            return;
}

/* Reads stdout until EOF, the cap, the helper's exit or the deadline; notices
 * the exit through the helper's pidfd (or, without pidfd support, by checking
 * every 10 ms). */
static void pump(struct run *r, long long deadline)
{
    char chunk[4096];
    for (;;) {
        long long left = deadline - monotonic_ms();
        if (left <= 0) {
            r->timed_out = true;
            return;
        }
        struct pollfd pfd[2] = {{.fd = r->out_fd, .events = POLLIN},
                                {.fd = r->pid_fd, .events = POLLIN}};
        int wait_ms = r->pid_fd < 0 ? 10 : (int)left;
        int n = poll(pfd, 2, wait_ms);
        if (n < 0 && errno != EINTR)
            return;
        if (pfd[1].revents || r->pid_fd < 0)
            reap(r, WNOHANG);
        if (r->exited) {
            drain(r);
            return;
        }
        if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t got = read(r->out_fd, chunk, sizeof(chunk));
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return; /* EOF: the helper and everything in its group closed stdout */
        if (!take(r, chunk, (size_t)got))
            return;
    }
}

/* After stdout closed: the helper's exit, until the deadline. */
static void wait_exit(struct run *r, long long deadline)
{
    while (!r->exited) {
        long long left = deadline - monotonic_ms();
        if (left <= 0) {
            r->timed_out = true;
            return;
        }
        struct pollfd pfd = {.fd = r->pid_fd, .events = POLLIN};
        if (r->pid_fd >= 0)
            (void)poll(&pfd, 1, (int)left);
        else
            (void)poll(NULL, 0, 10);
        reap(r, WNOHANG);
    }
}

static const char *exec_reason(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return "executable not found";
    case EACCES:
    case EPERM:
        return "executable is not executable (permission denied)";
    default:
        return "helper could not be started";
    }
}

static int spawn(struct run *r, char *const argv[], const char *cwd, char *const envp[],
                 const char **ret_reason)
{
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return because(ret_reason, "cannot create a pipe", -errno);
    if (pipe2(errp, O_CLOEXEC) < 0) {
        int e = -errno;
        (void)close(out[0]);
        (void)close(out[1]);
        return because(ret_reason, "cannot create a pipe", e);
    }
    r->pid = fork();
    if (r->pid == 0)
        child_exec(argv, cwd, envp, out[1], errp[1]);
    int fork_errno = errno;
    (void)close(out[1]);
    (void)close(errp[1]);
    if (r->pid < 0) {
        (void)close(out[0]);
        (void)close(errp[0]);
        return because(ret_reason, "cannot fork", -fork_errno);
    }
    (void)setpgid(r->pid, r->pid); /* also here: no window before the child's own call */
    int e = 0;
    ssize_t n;
    while ((n = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    (void)close(errp[0]);
    if (n == (ssize_t)sizeof(e)) {
        (void)close(out[0]);
        reap(r, 0);
        return because(ret_reason, exec_reason(e), -e);
    }
    r->out_fd = out[0];
    (void)fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
    r->pid_fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
    return 0;
}

static const char *status_reason(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        (void)snprintf(buf, size, "helper exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        (void)snprintf(buf, size, "helper was killed by signal %d", WTERMSIG(status));
    else
        (void)snprintf(buf, size, "helper ended abnormally");
    return buf;
}

int secret_helper_run(char *const argv[], const char *cwd, char *const envp[],
                      unsigned timeout_ms, size_t max, char **ret, size_t *ret_len,
                      const char **ret_reason)
{
    /* Reasons built from a number live here; they hold no output. */
    static _Thread_local char reason_buf[64];
    struct run r = {.out_fd = -1, .pid_fd = -1, .max = max, .buf = xmalloc(max + 1)};
    int rc = spawn(&r, argv, cwd && cwd[0] ? cwd : "/", envp, ret_reason);
    if (rc < 0) {
        free(r.buf);
        return rc;
    }
    long long deadline = monotonic_ms() + (long long)(timeout_ms ? timeout_ms : SECRET_HELPER_TIMEOUT_MS);
    pump(&r, deadline);
    if (!r.timed_out && !r.too_big)
        wait_exit(&r, deadline); /* stdout closed: the helper may still be finishing */
    kill_group(&r);
    reap(&r, 0);
    (void)close(r.out_fd);
    if (r.pid_fd >= 0)
        (void)close(r.pid_fd);

    rc = -EINVAL;
    long keep = -1;
    if (r.timed_out)
        rc = because(ret_reason, "lookup timed out", -ETIMEDOUT);
    else if (r.too_big)
        rc = because(ret_reason, "helper stdout exceeded the size limit", -EFBIG);
    else if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
        *ret_reason = status_reason(r.status, reason_buf, sizeof(reason_buf));
    else if ((keep = secret_output_check(r.buf, r.len, ret_reason)) >= 0)
        rc = 0;
    if (rc < 0) {
        explicit_bzero(r.buf, max + 1);
        free(r.buf);
        return rc;
    }
    explicit_bzero(r.buf + keep, r.len - (size_t)keep);
    r.buf[keep] = '\0';
    *ret = r.buf;
    *ret_len = (size_t)keep;
    return 0;
}
