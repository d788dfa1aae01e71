/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proxy's requests to the user's real agent: one nonblocking connection per request. */
#include "ssh/agent-client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/banned.h"

void agent_upstream_init(struct agent_upstream *u)
{
    *u = (struct agent_upstream){.fd = -1};
    strbuf_init(&u->req, AGENT_FRAME_MAX);
    agent_reader_init(&u->answer);
}

void agent_upstream_close(struct agent_upstream *u)
{
    if (u->fd >= 0)
        (void)close(u->fd);
    u->fd = -1;
    u->connecting = false;
    u->req_off = 0;
    strbuf_reset(&u->req);
    agent_reader_next(&u->answer);
}

static int fail(char *why, size_t why_size, int code, const char *what)
{
    (void)snprintf(why, why_size, "the real agent: %s: %s", what, strerror(-code));
    return code;
}

int agent_upstream_open(struct agent_upstream *u, const char *path, char *why, size_t why_size)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return fail(why, why_size, -ENAMETOOLONG, "cannot connect");
    memcpy(sa.sun_path, path, strlen(path) + 1);
    u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (u->fd < 0)
        return fail(why, why_size, -errno, "cannot connect");
    if (connect(u->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        /* EAGAIN: the agent's backlog is full; it is as unavailable as a gone one. */
        if (errno != EINPROGRESS)
            return fail(why, why_size, -errno, "cannot connect");
        u->connecting = true;
    }
    return 0;
}

static int finish_connect(struct agent_upstream *u, char *why, size_t why_size)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr != 0)
        return fail(why, why_size, -soerr, "cannot connect");
    u->connecting = false;
    return 0;
}

static int send_request(struct agent_upstream *u, char *why, size_t why_size)
{
    while (u->req_off < u->req.len) {
        ssize_t n = send(u->fd, u->req.buf + u->req_off, u->req.len - u->req_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n < 0)
            return fail(why, why_size, -errno, "sending the request");
        u->req_off += (size_t)n;
    }
    return 0;
}

static int read_answer(struct agent_upstream *u, char *why, size_t why_size)
{
    uint8_t buf[AGENT_CLIENT_CHUNK];
    for (;;) {
        ssize_t n = recv(u->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n < 0)
            return fail(why, why_size, -errno, "reading the answer");
        if (n == 0)
            return fail(why, why_size, -ECONNRESET, "closed without an answer");
        size_t used;
        struct ags_error err;
        int r = agent_reader_feed(&u->answer, buf, (size_t)n, &used, &err);
        if (r < 0) {
            (void)snprintf(why, why_size, "the real agent's answer: %s", err.msg);
            return r;
        }
        /* Bytes after the one answer are ignored: the connection ends here. */
        if (r == 1)
            return 1;
    }
}

int agent_upstream_pump(struct agent_upstream *u, char *why, size_t why_size)
{
    int r;
    if (u->connecting && (r = finish_connect(u, why, why_size)) < 0)
        return r;
    if (u->req_off < u->req.len) {
        r = send_request(u, why, why_size);
        if (r < 0 || u->req_off < u->req.len)
            return r;
    }
    return read_answer(u, why, why_size);
}

short agent_upstream_events(const struct agent_upstream *u)
{
    return u->connecting || u->req_off < u->req.len ? POLLOUT : POLLIN;
}
