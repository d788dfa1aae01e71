/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A sandbox played for the auth proxy's tests (proxy-sandbox.h). */
#include "proxy-sandbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_WAIT_MS   30000 /* the child's bound on each of its waits */
#define REQUEST_MAX     (2u * 1024u * 1024u)
#define HELPER_TEXT_MAX 4096u

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd has events or the deadline passes: 1, 0 at the deadline, -errno. */
static int wait_until(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -errno : r;
    }
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads exactly n bytes before the deadline. */
static int read_exactly(int fd, void *p, size_t n, long long deadline)
{
    for (size_t off = 0; off < n;) {
        int r = wait_until(fd, POLLIN, deadline);
        if (r <= 0)
            return r < 0 ? r : -ETIMEDOUT;
        ssize_t got = read(fd, (char *)p + off, n - off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got < 0 ? -errno : -ECONNRESET;
        off += (size_t)got;
    }
    return 0;
}

/* ---- the child ---- */

static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct ifreq ifr = {0};
    memcpy(ifr.ifr_name, "lo", 3);
    int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(fd);
    return r < 0 ? -e : 0;
}

static int enter_netns(void)
{
    int flags = CLONE_NEWNET | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
    if (unshare(flags) < 0)
        return -errno;
    return loopback_up();
}

static int listen_on(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
        return -errno;
    return fd;
}

static void report(int fd, char type, const void *p, uint32_t len)
{
    if (write_all(fd, &type, 1) < 0 || write_all(fd, &len, sizeof(len)) < 0 ||
        write_all(fd, p, len) < 0)
        _exit(122);
}

/* `ags-helper open URL` with its stderr read here: the 'H' record (status, then text). */
static void run_helper(const struct psbx_opts *o, int report_fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        _exit(123);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(p[1], STDERR_FILENO);
        setenv("AGS_AUTH_PROXY_SOCK", o->socket, 1);
        execl(o->helper, "ags-helper", "open", o->url, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char rec[4 + HELPER_TEXT_MAX];
    size_t n = 0;
    long long deadline = mono_ms() + CHILD_WAIT_MS;
    while (n < HELPER_TEXT_MAX && wait_until(p[0], POLLIN, deadline) > 0) {
        ssize_t got = read(p[0], rec + 4 + n, HELPER_TEXT_MAX - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    int32_t code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    memcpy(rec, &code, 4);
    report(report_fd, 'H', rec, (uint32_t)(4 + n));
}

/* The request's length once its head is in: head + Content-Length, 0 while incomplete. */
static size_t request_length(const char *buf, size_t len)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - buf) + 4, body = 0;
    for (const char *p = buf; p < end; p++)
        if ((p == buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
            body = strtoul(p + 15, NULL, 10);
    return head + body <= len ? head + body : 0;
}

static void serve_one(const struct psbx_opts *o, int fd, int report_fd, char *buf)
{
    size_t len = 0, want = 0;
    long long deadline = mono_ms() + CHILD_WAIT_MS;
    while (want == 0 && len < REQUEST_MAX && wait_until(fd, POLLIN, deadline) > 0) {
        ssize_t got = read(fd, buf + len, REQUEST_MAX - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        want = request_length(buf, len);
    }
    if (o->report_requests)
        report(report_fd, 'R', buf, (uint32_t)len);
    if (o->response)
        (void)write_all(fd, o->response, o->response_len);
    else
        (void)wait_until(fd, POLLIN, mono_ms() + CHILD_WAIT_MS); /* never answers */
}

static void serve(const struct psbx_opts *o, int lfd, int report_fd)
{
    char *buf = malloc(REQUEST_MAX);
    for (unsigned i = 0; buf && i < o->max_requests; i++) {
        if (wait_until(lfd, POLLIN, mono_ms() + CHILD_WAIT_MS) <= 0)
            break;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve_one(o, fd, report_fd, buf);
        close(fd);
    }
    free(buf);
}

__attribute__((noreturn)) static void child_main(const struct psbx_opts *o, int report_fd)
{
    signal(SIGPIPE, SIG_IGN);
    if (o->own_netns && enter_netns() < 0)
        _exit(120);
    int lfd = listen_on(o->port);
    if (lfd < 0)
        _exit(121);
    if (o->helper)
        run_helper(o, report_fd);
    serve(o, lfd, report_fd);
    _exit(0);
}

int psbx_start(const struct psbx_opts *o, struct psbx *ret)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(o, p[1]);
    }
    close(p[1]);
    *ret = (struct psbx){.pid = pid, .report = p[0]};
    return 0;
}

/* The next record of the child: its type and malloc'd payload. */
static int next_record(struct psbx *s, int timeout_ms, char *type, char **payload, uint32_t *len)
{
    long long deadline = mono_ms() + timeout_ms;
    int r = read_exactly(s->report, type, 1, deadline);
    if (r == 0)
        r = read_exactly(s->report, len, sizeof(*len), deadline);
    if (r < 0)
        return r;
    *payload = malloc(*len + 1);
    if (!*payload)
        return -ENOMEM;
    r = read_exactly(s->report, *payload, *len, deadline);
    (*payload)[*len] = '\0';
    if (r < 0) {
        free(*payload);
        *payload = NULL;
    }
    return r;
}

int psbx_helper_result(struct psbx *s, int timeout_ms, int *status, char *text, size_t size)
{
    char type, *p;
    uint32_t len;
    int r = next_record(s, timeout_ms, &type, &p, &len);
    if (r < 0)
        return r;
    if (type != 'H' || len < 4) {
        free(p);
        return -EBADMSG;
    }
    int32_t code;
    memcpy(&code, p, 4);
    *status = code;
    snprintf(text, size, "%s", p + 4);
    free(p);
    return 0;
}

int psbx_next_request(struct psbx *s, int timeout_ms, char **req, size_t *len)
{
    char type;
    uint32_t n;
    int r = next_record(s, timeout_ms, &type, req, &n);
    if (r < 0)
        return r;
    if (type != 'R') {
        free(*req);
        *req = NULL;
        return -EBADMSG;
    }
    *len = n;
    return 0;
}

void psbx_stop(struct psbx *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    if (s->report >= 0)
        close(s->report);
    s->pid = -1;
    s->report = -1;
}

uint16_t psbx_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        abort();
    close(fd);
    return ntohs(sa.sin_port);
}

int psbx_http(uint16_t port, const char *req, size_t len, int timeout_ms, char **answer,
              size_t *answer_len)
{
    long long deadline = mono_ms() + timeout_ms;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = -errno;
        if (fd >= 0)
            close(fd);
        return e;
    }
    int r = write_all(fd, req, len);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (r == 0) {
        int w = wait_until(fd, POLLIN, deadline);
        if (w <= 0) {
            r = w < 0 ? w : -ETIMEDOUT;
            break;
        }
        if (n + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            r = errno == ECONNRESET ? 0 : -errno; /* a reset after the answer still ends it */
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    *answer = buf;
    *answer_len = n;
    return r;
}
