/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET /_ping on a raw socket, bounded by one deadline for connect, send and
 * receive.  The transport (http.c) does not hand out reply headers, and the
 * version is in the Libpod-Api-Version header: GET /version would also tell,
 * but costs 1.1-1.6 s on Podman 4.3 (it runs conmon and the OCI runtime to
 * ask for their versions), against ~1 ms for _ping.
 */
#include "podman/connect-internal.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/dialer.h"
#include "base/strbuf.h"
#include "base/tcpconn.h"
#include "podman/http.h"
#include "base/banned.h"

#define PING_MAX_HEADERS (16u * 1024u)
#define PING_REQUEST "GET /_ping HTTP/1.1\r\nHost: d\r\nUser-Agent: ags\r\nConnection: close\r\n\r\n"

static int open_endpoint(const struct podman_endpoint *ep, long deadline, struct ags_error *err)
{
    if (ep->kind == PODMAN_EP_UNIX) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return ags_error_set(err, -errno, "socket: %m");
        long left = deadline - monotonic_ms();
        int r = podman_unix_connect(fd, ep, left > 0 ? left : 1, err);
        if (r < 0)
            (void)close(fd);
        return r < 0 ? r : fd;
    }
    if (ep->kind == PODMAN_EP_SSH) {
        long left = deadline - monotonic_ms();
        return ep->dialer->dial(ep->dialer, left > 0 ? left : 1, err);
    }
    struct ags_error resolve_err = {0};
    int fd = tcp_connect_until(ep->host, ep->port, deadline, &resolve_err);
    if (fd == -EHOSTUNREACH && resolve_err.code) {
        if (err)
            *err = resolve_err;
        return fd;
    }
    if (fd < 0)
        return podman_connect_error(ep, -fd, err);
    int r = podman_tcp_peer_check(fd, ep->uri, err);
    if (r < 0) {
        (void)close(fd);
        return r;
    }
    return fd;
}

static int stalled(const struct podman_endpoint *ep, long timeout_ms, struct ags_error *err)
{
    return ags_error_set(err, -ETIMEDOUT, "the Podman service at %s did not answer within %ld s "
                                          "(is it stalled?)", ep->uri, timeout_ms / 1000);
}

/* Sends the request and reads up to the end of the reply headers. */
static int exchange(int fd, const struct podman_endpoint *ep, long deadline, long timeout_ms,
                    struct strbuf *sb, struct ags_error *err)
{
    const char *req = PING_REQUEST;
    size_t off = 0, len = strlen(req);
    while (off < len) {
        int w = fd_wait_until(fd, POLLOUT, deadline);
        if (w <= 0)
            return w == 0 ? stalled(ep, timeout_ms, err) : ags_error_set(err, w, "poll: %m");
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return ags_error_set(err, -errno, "sending to %s: %m", ep->uri);
        off += n > 0 ? (size_t)n : 0;
    }
    while (!sb->len || !strstr(sb->buf, "\r\n\r\n")) {
        int w = fd_wait_until(fd, POLLIN, deadline);
        if (w <= 0)
            return w == 0 ? stalled(ep, timeout_ms, err) : ags_error_set(err, w, "poll: %m");
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return ags_error_set(err, n < 0 ? -errno : -EPROTO,
                                 "%s closed the connection without answering _ping", ep->uri);
        if (strbuf_append(sb, chunk, (size_t)n) < 0)
            return ags_error_set(err, -EPROTO, "%s answered _ping with over %u bytes of headers",
                                 ep->uri, PING_MAX_HEADERS);
    }
    return 0;
}

/* The value of header name (case-insensitive) in the reply head; NULL if absent. */
static char *header_value(const char *head, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2] != '\r';
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nlen) != 0 || h[nlen] != ':')
            continue;
        h += nlen + 1;
        h += strspn(h, " \t");
        size_t vlen = strcspn(h, "\r\n");
        while (vlen > 0 && (h[vlen - 1] == ' ' || h[vlen - 1] == '\t'))
            vlen--;
        return xstrndup(h, vlen);
    }
    return NULL;
}

int podman_raw_ping(const struct podman_endpoint *ep, long timeout_ms, char **ret_version,
                    struct ags_error *err)
{
    long deadline = monotonic_ms() + timeout_ms;
    int fd = open_endpoint(ep, deadline, err);
    if (fd < 0)
        return fd;
    struct strbuf sb;
    strbuf_init(&sb, PING_MAX_HEADERS);
    int r = exchange(fd, ep, deadline, timeout_ms, &sb, err);
    (void)close(fd);
    /* "HTTP/1.1 200 OK" */
    if (r == 0 && (strncmp(sb.buf, "HTTP/1.", 7) != 0 || strncmp(sb.buf + 8, " 200 ", 5) != 0)) {
        size_t show = strcspn(sb.buf, "\r\n");
        r = ags_error_set(err, -EPROTO, "%s does not look like a Podman service (_ping: '%.*s')",
                          ep->uri, (int)(show < 80 ? show : 80), sb.buf);
    }
    if (r == 0) {
        char *v = header_value(sb.buf, "Libpod-Api-Version");
        if (v && strlen(v) > 64) {
            free(v);
            v = NULL;
        }
        *ret_version = v;
    }
    strbuf_done(&sb);
    return r;
}
