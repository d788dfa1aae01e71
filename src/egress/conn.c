/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One connection of the egress proxy: head, policy, resolution, connection, relay. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/relay.h"
#include "egress/internal.h"
#include "egress/request.h"
#include "base/banned.h"

#define RESPONSE_TIMEOUT_MS 5000 /* writing one of our own short answers */
#define ADDRESS_TEXT_MAX    INET6_ADDRSTRLEN

/* What one connection learns on its way; the log line is made of it. */
struct attempt {
    struct egress_server *s;
    int client;
    int64_t start_ms;
    struct egress_attempt a;
    char authority[AGS_PROXY_MAX_HOST + 8]; /* host:port as the messages show it */
    char method[EGRESS_METHOD_MAX + 1], host[AGS_PROXY_MAX_HOST + 1];
    char address[ADDRESS_TEXT_MAX];
    char reason[160];
    const char *warn; /* the user's line for a policy refusal */
    char warn_buf[AGS_PROXY_MAX_HOST + 160];
};

static int stop_fd(const struct attempt *t)
{
    return t->s->stop_pipe[0];
}

static void respond(struct attempt *t, int code, const char *phrase, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     code, phrase, strlen(body));
    /* A client that does not read its answer only loses it. */
    int r = relay_write_all(t->client, head, (size_t)n, stop_fd(t), RESPONSE_TIMEOUT_MS);
    if (r == 0)
        r = relay_write_all(t->client, body, strlen(body), stop_fd(t), RESPONSE_TIMEOUT_MS);
    (void)r;
}

static void set_reason(struct attempt *t, enum egress_decision d, const char *fmt, ...)
        _printf_(3, 4);

static void set_reason(struct attempt *t, enum egress_decision d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
    va_end(ap);
    t->a.decision = d;
}

/* 403 for a name or address the policy does not allow; tail says which rule to add. */
static void refuse(struct attempt *t, const char *why, const char *tail)
{
    char body[sizeof(t->warn_buf) + 64];
    snprintf(body, sizeof(body), "blocked by ags network policy: %s%s %s\n", t->authority, why,
             tail);
    respond(t, 403, "Forbidden", body);
    snprintf(t->warn_buf, sizeof(t->warn_buf), "blocked by network policy: %s%s %s",
             t->authority, why, tail);
    t->warn = t->warn_buf;
    set_reason(t, EGRESS_REFUSED, "%s", why[0] ? why + 1 : "not in the allowlist");
}

static void fail(struct attempt *t, int code, const char *phrase, const char *reason)
{
    char body[sizeof(t->authority) + sizeof(t->reason) + 32];
    snprintf(body, sizeof(body), "ags egress proxy: %s: %s\n", t->authority, reason);
    respond(t, code, phrase, body);
    set_reason(t, EGRESS_FAILED, "%s", reason);
}

/* Reads until the head is whole: 1 parsed, or 0 after answering or recording why not. */
static int read_head(struct attempt *t, struct strbuf *in, struct egress_request *req)
{
    int64_t deadline = monotonic_ms() + t->s->o.head_timeout_ms;
    for (;;) {
        int r = egress_request_parse(in->buf ? in->buf : "", in->len, req);
        if (r == 1)
            return 1;
        if (r < 0) {
            bool big = r == -EMSGSIZE;
            respond(t, big ? 431 : 400, big ? "Request Header Fields Too Large" : "Bad Request",
                    big ? "ags egress proxy: request head too large\n"
                        : "ags egress proxy: not a CONNECT or http:// proxy request\n");
            set_reason(t, EGRESS_REFUSED, big ? "request head too large" : "malformed request");
            return 0;
        }
        int64_t left = deadline - monotonic_ms();
        r = relay_wait(t->client, POLLIN, stop_fd(t), left > 0 ? (int)left : 0);
        char buf[4096];
        size_t room = AGS_EGRESS_MAX_HEAD - in->len;
        ssize_t n = r > 0 ? recv(t->client, buf, room < sizeof(buf) ? room : sizeof(buf), 0) : -1;
        if (n <= 0 && !(n < 0 && r > 0 && (errno == EAGAIN || errno == EINTR))) {
            set_reason(t, EGRESS_FAILED, "%s",
                       r == -ETIMEDOUT ? "no whole request head in time"
                       : r == -ECANCELED ? "proxy stopped"
                                         : "client closed before a whole request head");
            return 0;
        }
        if (n > 0 && strbuf_append(in, buf, (size_t)n) < 0)
            return -E2BIG; /* cannot be: the bound is the head's */
    }
}

/* The address inside a sockaddr_in or sockaddr_in6 (by offset: no cast to a stricter
 * alignment). */
static const void *in_addr_of(const struct sockaddr *sa)
{
    size_t off = sa->sa_family == AF_INET ? offsetof(struct sockaddr_in, sin_addr)
                                          : offsetof(struct sockaddr_in6, sin6_addr);
    return (const char *)sa + off;
}

static void address_text(struct attempt *t, const struct sockaddr *sa)
{
    if (!inet_ntop(sa->sa_family, in_addr_of(sa), t->address, sizeof(t->address)))
        t->address[0] = '\0';
}

/* The policy's word on one address: a special one, or any IP literal, only when listed. */
static bool addr_ok(struct attempt *t, const struct sockaddr *sa, bool literal)
{
    const struct egress_policy *p = &t->s->o.policy;
    const void *a = in_addr_of(sa);
    if (!literal && !egress_addr_is_special(sa->sa_family, a))
        return true;
    return p->addr_listed && p->addr_listed(p->ctx, sa->sa_family, a, t->a.port);
}

/* Connects to one checked address within the bound: the socket, or -errno. */
static int connect_one(struct attempt *t, const struct addrinfo *ai)
{
    _cleanup_close_ int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
        return -errno;
    int r = relay_wait(fd, POLLOUT, stop_fd(t), t->s->o.connect_timeout_ms);
    if (r < 0)
        return r;
    int e = 0;
    socklen_t el = sizeof(e);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
        return -errno;
    return e ? -e : TAKE_FD(fd);
}

/* Tries every address the policy allows, in order: the socket, or -1 after answering. */
static int connect_checked(struct attempt *t, const struct addrinfo *list, bool literal)
{
    int last = 0;
    bool any = false;
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        address_text(t, ai->ai_addr);
        if (!addr_ok(t, ai->ai_addr, literal))
            continue;
        any = true;
        int fd = connect_one(t, ai);
        if (fd >= 0)
            return fd;
        last = fd;
        if (fd == -ECANCELED)
            break;
    }
    if (!any && literal) {
        refuse(t, "", "(add it to [network].allow)");
    } else if (!any) {
        refuse(t, " resolves only to private/loopback addresses",
               "(list the address in [network].allow)");
    } else {
        char why[96];
        snprintf(why, sizeof(why), "cannot connect: %s",
                 last == -ETIMEDOUT ? "timed out" : strerror(-last));
        fail(t, 502, "Bad Gateway", why);
    }
    return -1;
}

/* The server socket for req, every policy check passed: the socket, or -1 after answering. */
static int open_upstream(struct attempt *t, const struct egress_request *req)
{
    const struct egress_policy *p = &t->s->o.policy;
    if (req->target.ip_literal) {
        /* Parsed by host_port_parse: the literal resolves without a lookup. */
        struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                                 .ai_socktype = SOCK_STREAM};
        char host[AGS_PROXY_MAX_HOST + 1], port[8];
        size_t n = strlen(req->target.host);
        bool v6 = req->target.host[0] == '[';
        snprintf(host, sizeof(host), "%.*s", (int)(v6 ? n - 2 : n), req->target.host + v6);
        snprintf(port, sizeof(port), "%u", (unsigned)req->target.port);
        struct addrinfo *res = NULL;
        if (getaddrinfo(host, port, &hints, &res) != 0) {
            fail(t, 400, "Bad Request", "an address that is no address");
            return -1;
        }
        int fd = connect_checked(t, res, true);
        freeaddrinfo(res);
        return fd;
    }
    if (!p->name_allowed || !p->name_allowed(p->ctx, req->target.host, req->target.port)) {
        refuse(t, "", "(add it to [network].allow)");
        return -1;
    }
    struct addrinfo *res = NULL;
    const char *why;
    int r = egress_resolve(req->target.host, req->target.port, stop_fd(t),
                           t->s->o.resolve_timeout_ms, &res, &why);
    if (r < 0) {
        char reason[96];
        snprintf(reason, sizeof(reason), "cannot resolve the name: %s",
                 r == -ETIMEDOUT ? "timed out" : r == -ECANCELED ? "proxy stopped" : why);
        fail(t, 502, "Bad Gateway", reason);
        return -1;
    }
    int fd = connect_checked(t, res, false);
    freeaddrinfo(res);
    return fd;
}

/* The first bytes the server gets: for CONNECT the client's early data; for plain HTTP the
 * rewritten head and then the early data (the start of a body). */
static int send_first(struct attempt *t, int server, const struct egress_request *req,
                      const struct strbuf *in)
{
    const char *early = in->buf + req->head_len;
    size_t early_len = in->len - req->head_len;
    int r = 0;
    if (req->connect) {
        static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        r = relay_write_all(t->client, ok, sizeof(ok) - 1, stop_fd(t), RESPONSE_TIMEOUT_MS);
    } else {
        _cleanup_strbuf_ struct strbuf head;
        strbuf_init(&head, AGS_EGRESS_MAX_HEAD + 64);
        r = egress_request_rewrite(req, &head);
        if (r == 0)
            r = relay_write_all(server, head.buf, head.len, stop_fd(t), t->s->o.idle_timeout_ms);
    }
    if (r == 0 && early_len > 0)
        r = relay_write_all(server, early, early_len, stop_fd(t), t->s->o.idle_timeout_ms);
    if (r == 0)
        t->a.bytes_up += early_len;
    return r;
}

static void relay(struct attempt *t, int server, const struct egress_request *req,
                  const struct strbuf *in)
{
    t->a.decision = EGRESS_ALLOWED;
    int r = send_first(t, server, req, in);
    struct relay_counts c = {0};
    if (r == 0)
        r = relay_fds(t->client, server, stop_fd(t), t->s->o.idle_timeout_ms, &c);
    t->a.bytes_up += c.a_to_b;
    t->a.bytes_down += c.b_to_a;
    if (r == -ETIMEDOUT)
        snprintf(t->reason, sizeof(t->reason), "idle timeout");
    else if (r == -ECANCELED)
        snprintf(t->reason, sizeof(t->reason), "proxy stopped");
    else if (r < 0)
        snprintf(t->reason, sizeof(t->reason), "relay ended: %s", strerror(-r));
}

static void serve(struct attempt *t)
{
    _cleanup_strbuf_ struct strbuf in;
    strbuf_init(&in, AGS_EGRESS_MAX_HEAD);
    _cleanup_free_ struct egress_request *req = xcalloc(1, sizeof(*req));
    if (read_head(t, &in, req) != 1)
        return;
    snprintf(t->method, sizeof(t->method), "%s", req->method);
    snprintf(t->host, sizeof(t->host), "%s", req->target.host);
    t->a.port = req->target.port;
    snprintf(t->authority, sizeof(t->authority), "%s:%u", req->target.host,
             (unsigned)req->target.port);
    _cleanup_close_ int server = open_upstream(t, req);
    if (server >= 0)
        relay(t, server, req, &in);
}

void *egress_conn_main(void *arg)
{
    struct egress_conn *c = arg;
    struct attempt t = {.s = c->s, .client = c->fd, .start_ms = monotonic_ms()};
    free(c);
    t.a = (struct egress_attempt){.method = t.method, .host = t.host, .address = t.address,
                                  .reason = t.reason, .start_unix_ms = egress_now_unix_ms()};
    serve(&t);
    t.a.duration_ms = (uint64_t)(monotonic_ms() - t.start_ms);
    /* Recorded before the client sees its end: the warning and the log line are there by the
     * time the refused tool reports its failure. */
    egress_record(t.s, &t.a, t.a.decision == EGRESS_REFUSED ? t.warn : NULL);
    (void)close(t.client);
    return NULL;
}
