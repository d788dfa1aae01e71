/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client of a run's control socket (control.h): `ags approve`, `ags deny` and
 * `ags auth-callback` ask through it.  Blocking, with one deadline for the whole exchange. */
#include "proxy/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/strbuf.h"
#include "proxy/control-line.h"
#include "base/banned.h"

bool proxy_id_valid(const char *id)
{
    size_t i = 0;
    for (; id[i] && i <= PROXY_ID_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return i == PROXY_ID_LEN;
}

/* Waits for events on fd until deadline: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r > 0)
            return 0;
    }
}

/* A connected socket to path served by our own uid (the socket sits in ags's private
 * directory; the check is a second line). */
static int connect_control(const char *path, struct ags_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return ags_error_set(err, -ENAMETOOLONG, "control socket '%s': path too long", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ags_error_set(err, -errno, "control socket: %s", strerror(errno));
    /* A unix connect waits (for a full backlog) at most SO_SNDTIMEO. */
    struct timeval tv = {.tv_sec = PROXY_CONTROL_TIMEOUT_MS / 1000,
                         .tv_usec = (PROXY_CONTROL_TIMEOUT_MS % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return ags_error_set(err, -errno, "auth proxy control socket '%s': %s", path,
                             strerror(errno));
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred) ||
        cred.uid != geteuid())
        return ags_error_set(err, -EPERM, "auth proxy control socket '%s': not served by this user",
                             path);
    return TAKE_FD(fd);
}

static int send_line(int fd, const char *line, int64_t deadline)
{
    size_t len = strlen(line), off = 0;
    while (off < len) {
        int r = wait_fd(fd, POLLOUT, deadline);
        if (r < 0)
            return r;
        ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return -errno;
        off += (size_t)n;
    }
    return 0;
}

/* The whole answer, up to the server's close. */
static int read_answer(int fd, struct strbuf *answer, int64_t deadline)
{
    for (;;) {
        int r = wait_fd(fd, POLLIN, deadline);
        if (r < 0)
            return r;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        if (strbuf_append(answer, buf, (size_t)n) < 0)
            return -EMSGSIZE;
    }
}

/* Sends line and reads the answer within PROXY_CONTROL_TIMEOUT_MS. */
static int ask(const char *path, const char *line, struct strbuf *answer, struct ags_error *err)
{
    int64_t deadline = monotonic_ms() + PROXY_CONTROL_TIMEOUT_MS;
    _cleanup_close_ int fd = connect_control(path, err);
    if (fd < 0)
        return fd;
    int r = send_line(fd, line, deadline);
    if (r == 0)
        r = read_answer(fd, answer, deadline);
    if (r == -ETIMEDOUT)
        return ags_error_set(err, r, "auth proxy '%s': no answer within %d s", path,
                             PROXY_CONTROL_TIMEOUT_MS / 1000);
    if (r == -EMSGSIZE)
        return ags_error_set(err, -EBADMSG, "auth proxy '%s': an answer over %u bytes", path,
                             PROXY_CONTROL_ANSWER_MAX);
    if (r < 0)
        return ags_error_set(err, r, "auth proxy '%s': %s", path, strerror(-r));
    return 0;
}

int proxy_control_list(const char *path, struct proxy_listing *ret, struct ags_error *err)
{
    *ret = (struct proxy_listing){0};
    _cleanup_strbuf_ struct strbuf answer;
    strbuf_init(&answer, PROXY_CONTROL_ANSWER_MAX);
    int r = ask(path, "LIST\n", &answer, err);
    if (r < 0)
        return r;
    return proxy_control_parse_listing(answer.buf ? answer.buf : "", answer.len, ret, err);
}

int proxy_control_answer(const char *path, const char *id, bool allow, struct ags_error *err)
{
    if (!proxy_id_valid(id))
        return ags_error_set(err, -EINVAL, "'%.40s' is no request id (%u lowercase hex characters)",
                             id, PROXY_ID_LEN);
    char line[32];
    (void)snprintf(line, sizeof(line), "%s %s\n", allow ? "ALLOW" : "DENY", id);
    _cleanup_strbuf_ struct strbuf answer;
    strbuf_init(&answer, PROXY_CONTROL_ANSWER_MAX);
    int r = ask(path, line, &answer, err);
    if (r < 0)
        return r;
    return proxy_control_parse_verdict(answer.buf ? answer.buf : "", answer.len, err);
}
