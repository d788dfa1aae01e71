/* SPDX-License-Identifier: GPL-2.0-or-later */
/* relay_fds: two sockets spliced both ways through a pipe each (relay.h). */
#include "base/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/banned.h"

/* At most this many bytes wait in a direction's pipe (its default capacity on Linux is
 * 64 KiB; a bigger request is cut to what fits). */
#define RELAY_CHUNK (1u << 20)

/* One direction: bytes from `from` wait in the pipe until written to `to`. */
struct direction {
    int from, to;
    int pipe[2];
    size_t queued; /* bytes in the pipe */
    bool eof;      /* from's input ended */
    bool done;     /* ...and everything before it is written, to is shut down */
    uint64_t *count;
};

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

int relay_wait(int fd, short events, int stop_fd, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = stop_fd, .events = POLLIN}};
        int left = -1;
        if (deadline >= 0) {
            int64_t l = deadline - monotonic_ms();
            left = l > 0 ? (int)l : 0;
        }
        int n = poll(p, stop_fd >= 0 ? 2 : 1, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (stop_fd >= 0 && p[1].revents)
            return -ECANCELED;
        if (n > 0)
            return 1;
        if (left == 0)
            return -ETIMEDOUT;
    }
}

int relay_write_all(int fd, const void *p, size_t n, int stop_fd, int timeout_ms)
{
    const char *c = p;
    int64_t deadline = monotonic_ms() + timeout_ms;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (w > 0) {
            c += w;
            n -= (size_t)w;
            continue;
        }
        int64_t left = deadline - monotonic_ms();
        int r = relay_wait(fd, POLLOUT, stop_fd, left > 0 ? (int)left : 0);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Moves what it can: from -> pipe while the pipe is empty, pipe -> to while it holds
 * bytes.  1 when something moved, 0 when nothing could, or -errno. */
static int step(struct direction *d)
{
    bool moved = false;
    if (d->queued == 0 && !d->eof) {
        ssize_t n = splice(d->from, NULL, d->pipe[1], NULL, RELAY_CHUNK,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (n == 0)
            d->eof = true;
        if (n >= 0)
            moved = true;
        if (n > 0)
            d->queued = (size_t)n;
    }
    while (d->queued > 0) {
        ssize_t n = splice(d->pipe[0], NULL, d->to, NULL, d->queued,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (n < 0)
            return -errno;
        d->queued -= (size_t)n;
        *d->count += (uint64_t)n;
        moved = true;
    }
    if (d->eof && d->queued == 0 && !d->done) {
        d->done = true;
        (void)shutdown(d->to, SHUT_WR);
    }
    return moved ? 1 : 0;
}

/* What a direction waits for: input while its pipe is empty, room while it is not. */
static void want(const struct direction *d, struct pollfd *in, struct pollfd *out)
{
    if (d->done)
        return;
    if (d->queued == 0)
        in->events |= POLLIN;
    else
        out->events |= POLLOUT;
}

static void close_pipe(struct direction *d)
{
    for (int i = 0; i < 2; i++)
        if (d->pipe[i] >= 0)
            (void)close(d->pipe[i]);
}

static int relay_loop(struct direction d[2], int a, int b, int stop_fd, int idle_ms)
{
    int64_t last = monotonic_ms();
    while (!(d[0].done && d[1].done)) {
        int moved = 0;
        for (int i = 0; i < 2; i++) {
            int r = step(&d[i]);
            if (r < 0)
                return r;
            moved |= r;
        }
        if (moved) {
            last = monotonic_ms();
            continue;
        }
        struct pollfd p[3] = {{.fd = a}, {.fd = b}, {.fd = stop_fd, .events = POLLIN}};
        want(&d[0], &p[0], &p[1]);
        want(&d[1], &p[1], &p[0]);
        /* A side nothing is asked of is left out: its hang-up alone must not wake the loop. */
        for (int i = 0; i < 2; i++)
            if (!p[i].events)
                p[i].fd = -1;
        int left = -1;
        if (idle_ms > 0) {
            int64_t l = last + idle_ms - monotonic_ms();
            if (l <= 0)
                return -ETIMEDOUT;
            left = (int)l;
        }
        int n = poll(p, stop_fd >= 0 ? 3 : 2, left);
        if (n < 0 && errno != EINTR)
            return -errno;
        if (stop_fd >= 0 && p[2].revents)
            return -ECANCELED;
    }
    return 0;
}

int relay_fds(int a, int b, int stop_fd, int idle_ms, struct relay_counts *c)
{
    *c = (struct relay_counts){0};
    struct direction d[2] = {
            {.from = a, .to = b, .pipe = {-1, -1}, .count = &c->a_to_b},
            {.from = b, .to = a, .pipe = {-1, -1}, .count = &c->b_to_a},
    };
    int r = set_nonblocking(a);
    if (r == 0)
        r = set_nonblocking(b);
    for (int i = 0; r == 0 && i < 2; i++)
        if (pipe2(d[i].pipe, O_CLOEXEC | O_NONBLOCK) < 0)
            r = -errno;
    if (r == 0)
        r = relay_loop(d, a, b, stop_fd, idle_ms);
    close_pipe(&d[0]);
    close_pipe(&d[1]);
    return r;
}
