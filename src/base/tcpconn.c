/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/tcpconn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/banned.h"

int fd_wait_until(int fd, short events, long deadline)
{
    for (;;) {
        long left = deadline - monotonic_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

/* Non-blocking connect finished by the deadline; returns the fd, blocking. */
static int connect_addr(const struct sockaddr *sa, socklen_t len, long deadline)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int r = connect(fd, sa, len);
    if (r < 0 && errno == EINPROGRESS) {
        int w = fd_wait_until(fd, POLLOUT, deadline), soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (w <= 0)
            errno = w == 0 ? ETIMEDOUT : -w;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
        r = w <= 0 || soerr ? -1 : 0;
        if (w > 0 && soerr)
            errno = soerr;
    }
    if (r == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
        r = -1;
    if (r < 0) {
        int e = errno ? errno : ECONNREFUSED;
        (void)close(fd);
        return -e;
    }
    return fd;
}

int tcp_connect_until(const char *host, uint16_t port, long deadline, struct ags_error *err)
{
    char service[8];
    (void)snprintf(service, sizeof(service), "%u", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gr = getaddrinfo(host, service, &hints, &res);
    if (gr != 0)
        return ags_error_set(err, -EHOSTUNREACH, "cannot resolve '%s': %s", host, gai_strerror(gr));
    int fd = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && fd < 0 && monotonic_ms() < deadline; ai = ai->ai_next)
        fd = connect_addr(ai->ai_addr, ai->ai_addrlen, deadline);
    freeaddrinfo(res);
    return fd;
}
