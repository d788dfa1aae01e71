/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hijacked connections (attach, exec start) on a raw socket, and endpoint URIs. */
#include "podman/http.h"

#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/alloc.h"
#include "base/dialer.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "podman/errors.h"
#include "base/banned.h"

/* Attach initialises the container (conmon, runc create), which takes many
 * seconds on a loaded machine; giving up early and removing the container
 * while Podman still holds its lock only makes things worse. */
#define HIJACK_TIMEOUT_MS 120000

int podman_endpoint_parse(const char *uri, struct podman_endpoint *ret, struct ags_error *err)
{
    struct podman_endpoint ep = {.uri = xstrdup(uri)};
    if (strncmp(uri, "unix://", 7) == 0) {
        const char *path = uri + 7;
        if (path[0] != '/') {
            podman_endpoint_done(&ep);
            return ags_error_set(err, -EINVAL, "'%s': the socket path must be absolute "
                                               "(unix:///path/to/podman.sock)", uri);
        }
        ep.kind = PODMAN_EP_UNIX;
        ep.path = xstrdup(path);
    } else if (strncmp(uri, "tcp://", 6) == 0) {
        const char *hostport = uri + 6;
        const char *colon = strrchr(hostport, ':');
        _cleanup_free_ char *port = colon ? xstrndup(colon + 1, strcspn(colon + 1, "/")) : NULL;
        if (!colon || colon == hostport || parse_port(port, &ep.port) < 0) {
            podman_endpoint_done(&ep);
            return ags_error_set(err, -EINVAL, "'%s': expected tcp://HOST:PORT", uri);
        }
        ep.kind = PODMAN_EP_TCP;
        size_t hlen = (size_t)(colon - hostport);
        /* tcp://[::1]:N: getaddrinfo wants the address without brackets */
        if (hlen > 2 && hostport[0] == '[' && hostport[hlen - 1] == ']')
            ep.host = xstrndup(hostport + 1, hlen - 2);
        else
            ep.host = xstrndup(hostport, hlen);
    } else if (strncasecmp(uri, "ssh://", 6) == 0) {
        ep.kind = PODMAN_EP_SSH; /* the dialer parses the rest (ssh/uri.c) */
    } else if (uri[0] == '/') {
        ep.kind = PODMAN_EP_UNIX;
        ep.path = xstrdup(uri);
    } else {
        podman_endpoint_done(&ep);
        return ags_error_set(err, -EINVAL, "'%s' is not a Podman URL (unix:///path, tcp://host:"
                                           "port, ssh://[user@]host[:port]/path)", uri);
    }
    *ret = ep;
    return 0;
}

void podman_stream_done(struct podman_stream *s)
{
    if (s->fd >= 0)
        (void)close(s->fd);
    free(s->pending);
    *s = (struct podman_stream){.fd = -1};
}

static int connect_unix(const struct podman_endpoint *ep, struct ags_error *err)
{
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ags_error_set(err, -errno, "socket: %m");
    int r = podman_unix_connect(fd, ep, HIJACK_TIMEOUT_MS, err);
    return r < 0 ? r : TAKE_FD(fd);
}

static int connect_tcp(const struct podman_endpoint *ep, struct ags_error *err)
{
    const char *host = ep->host;
    uint16_t port = ep->port;
    char service[8];
    (void)snprintf(service, sizeof(service), "%u", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gr = getaddrinfo(host, service, &hints, &res);
    if (gr != 0)
        return ags_error_set(err, -EHOSTUNREACH, "cannot resolve '%s': %s", host,
                             gai_strerror(gr));
    int fd = -1, e = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            e = -errno;
            (void)close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return ags_error_set(err, e, "cannot connect to Podman at %s:%u: %s", host, port,
                             strerror(-e));
    int r = podman_tcp_peer_check(fd, ep->uri, err);
    if (r < 0) {
        (void)close(fd);
        return r;
    }
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until the end of the reply headers; *hdr_len = bytes of headers. */
static int read_headers(int fd, struct strbuf *sb, size_t *hdr_len, struct ags_error *err)
{
    for (;;) {
        char *end = sb->len ? strstr(sb->buf, "\r\n\r\n") : NULL;
        if (end) {
            *hdr_len = (size_t)(end - sb->buf) + 4;
            return 0;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, HIJACK_TIMEOUT_MS);
        if (pr == 0)
            return ags_error_set(err, -ETIMEDOUT, "Podman did not answer the attach request in "
                                                  "%d s", HIJACK_TIMEOUT_MS / 1000);
        if (pr < 0 && errno != EINTR)
            return ags_error_set(err, -errno, "poll: %m");
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(err, -errno, "reading Podman's reply: %m");
        if (n == 0)
            return ags_error_set(err, -EPIPE, "Podman closed the connection before replying");
        if (strbuf_append(sb, chunk, (size_t)n) < 0)
            return ags_error_set(err, -EFBIG, "Podman's reply headers exceed %zu bytes", sb->max);
    }
}

static long parse_status(const char *headers)
{
    /* "HTTP/1.1 101 UPGRADED" */
    const char *sp = strchr(headers, ' ');
    if (!sp || sp[1] < '1' || sp[1] > '5')
        return -1;
    return (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
}

int podman_hijack(const struct podman_endpoint *ep, const char *path, const char *query,
                  const char *json_body, struct podman_stream *ret, struct ags_error *err)
{
    int fd = ep->kind == PODMAN_EP_UNIX  ? connect_unix(ep, err)
             : ep->kind == PODMAN_EP_SSH ? ep->dialer->dial(ep->dialer, HIJACK_TIMEOUT_MS, err)
                                         : connect_tcp(ep, err);
    if (fd < 0)
        return fd;
    _cleanup_close_ int sock = fd;
    size_t body_len = json_body ? strlen(json_body) : 0;
    _cleanup_free_ char *request = xasprintf(
            "POST %s%s%s%s HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
            PODMAN_API_PREFIX, path, query && query[0] ? "?" : "", query ? query : "", body_len,
            json_body ? json_body : "");
    int r = write_all(sock, request, strlen(request));
    if (r < 0)
        return ags_error_set(err, r, "sending the attach request: %s", strerror(-r));
    struct strbuf sb;
    strbuf_init(&sb, AGS_PROXY_MAX_HEADER);
    size_t hdr_len = 0;
    r = read_headers(sock, &sb, &hdr_len, err);
    if (r < 0) {
        strbuf_done(&sb);
        return r;
    }
    long status = parse_status(sb.buf);
    if (status != 101 && status != 200) {
        /* The body (a libpod error object) follows the headers. */
        struct podman_reply reply = {.status = status, .body = sb.buf + hdr_len,
                                     .len = sb.len - hdr_len};
        r = podman_reply_error(&reply, path, err);
        strbuf_done(&sb);
        return r;
    }
    *ret = (struct podman_stream){.fd = TAKE_FD(sock), .n_pending = sb.len - hdr_len};
    ret->pending = xmalloc(ret->n_pending + 1);
    memcpy(ret->pending, sb.buf + hdr_len, ret->n_pending);
    strbuf_done(&sb);
    return 0;
}
