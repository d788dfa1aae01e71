/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags-helper's socket I/O: blocking, with poll for the bounds. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "helper/helper.h"
#include "proxy/proto.h"
#include "base/banned.h"

int helper_connect(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, sa, len) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int helper_connect_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    return helper_connect((const struct sockaddr *)&sa, sizeof(sa));
}

int helper_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Feeds what waits in pend: 1 when a frame is whole. */
static int feed_pending(struct helper_conn *c)
{
    size_t used;
    int rc =
            frame_reader_feed(&c->r, c->pend + c->pend_off, c->pend_len - c->pend_off, &used, NULL);
    c->pend_off += used;
    return rc;
}

int helper_read_frame(struct helper_conn *c, int timeout_ms)
{
    for (;;) {
        int rc = feed_pending(c);
        if (rc != 0)
            return rc < 0 ? rc : 0;
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&p, 1, timeout_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -errno;
        if (pr == 0)
            return -ETIMEDOUT;
        ssize_t n = read(c->fd, c->pend, sizeof(c->pend));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ECONNRESET;
        c->pend_off = 0;
        c->pend_len = (size_t)n;
    }
}
