/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egress_request_parse and _rewrite (request.h). */
#include "egress/request.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/banned.h"

/* RFC 9110 tchar: what a method and a header name are made of. */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool all_tchar(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_tchar(p[i]))
            return false;
    return n > 0;
}

static bool all_visible(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
            return false;
    return true;
}

static bool prefix_nocase(const char *p, size_t n, const char *prefix)
{
    size_t pn = strlen(prefix);
    return n >= pn && strncasecmp(p, prefix, pn) == 0;
}

/* "http://authority[/path]": the target and the path; nothing else is proxied as plain
 * HTTP (https goes through CONNECT). */
static int absolute_target(const char *t, size_t n, struct egress_request *req)
{
    if (!prefix_nocase(t, n, "http://"))
        return -EBADMSG;
    t += 7;
    n -= 7;
    size_t a = 0;
    while (a < n && t[a] != '/' && t[a] != '?')
        a++;
    if (memchr(t, '@', a) || memchr(t, '#', n))
        return -EBADMSG; /* user information or a fragment: never sent by a client */
    if (host_port_parse(t, a, 80, &req->target, NULL) < 0)
        return -EBADMSG;
    req->path = t + a;
    req->path_len = n - a;
    return 0;
}

static int request_line(const char *p, size_t n, struct egress_request *req)
{
    const char *sp1 = memchr(p, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(p + n - sp1 - 1)) : NULL;
    if (!sp2)
        return -EBADMSG;
    size_t mlen = (size_t)(sp1 - p), tlen = (size_t)(sp2 - sp1 - 1), vlen = (size_t)(p + n - sp2 - 1);
    const char *target = sp1 + 1, *version = sp2 + 1;
    if (mlen > EGRESS_METHOD_MAX || !all_tchar(p, mlen) || tlen == 0 ||
        !all_visible(target, tlen) || vlen != 8 || memcmp(version, "HTTP/1.", 7) != 0 ||
        (version[7] != '0' && version[7] != '1'))
        return -EBADMSG;
    memcpy(req->method, p, mlen);
    req->method[mlen] = '\0';
    req->version = version[7];
    req->connect = strcmp(req->method, "CONNECT") == 0;
    if (!req->connect)
        return absolute_target(target, tlen, req);
    /* authority-form: host:port and nothing else. */
    if (memchr(target, '@', tlen) || memchr(target, '/', tlen) ||
        host_port_parse(target, tlen, 0, &req->target, NULL) < 0)
        return -EBADMSG;
    return 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int header_line(const char *p, size_t n, struct egress_request *req)
{
    const char *colon = memchr(p, ':', n);
    if (!colon || !all_tchar(p, (size_t)(colon - p)))
        return -EBADMSG; /* no name, a space before the colon, or folding */
    const char *v = colon + 1, *end = p + n;
    while (v < end && is_ows(*v))
        v++;
    while (end > v && is_ows(end[-1]))
        end--;
    for (const char *c = v; c < end; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            return -EBADMSG;
    if (req->n_headers == AGS_EGRESS_MAX_HEADERS)
        return -EMSGSIZE;
    req->headers[req->n_headers++] = (struct egress_header){
            .name = p, .name_len = (size_t)(colon - p), .value = v, .value_len = (size_t)(end - v)};
    return 0;
}

int egress_request_parse(const char *buf, size_t len, struct egress_request *req)
{
    size_t scan = len < AGS_EGRESS_MAX_HEAD ? len : AGS_EGRESS_MAX_HEAD;
    const char *blank = memmem(buf, scan, "\r\n\r\n", 4);
    if (!blank)
        return len >= AGS_EGRESS_MAX_HEAD ? -EMSGSIZE : 0;
    memset(req, 0, sizeof(*req));
    req->head_len = (size_t)(blank - buf) + 4;
    size_t off = 0, end = req->head_len - 2; /* the empty line's CRLF stays out */
    while (off < end) {
        const char *crlf = memmem(buf + off, end - off, "\r\n", 2);
        size_t line = (size_t)(crlf - (buf + off));
        if (memchr(buf + off, '\r', line) || memchr(buf + off, '\n', line) ||
            memchr(buf + off, '\0', line))
            return -EBADMSG; /* a bare CR or LF ends lines differently for other parsers */
        int r = off == 0 ? request_line(buf, line, req) : header_line(buf + off, line, req);
        if (r < 0)
            return r;
        off += line + 2;
    }
    return 1;
}

/* The headers of the client's hop only (every Proxy-* header: they are meant
 * for this proxy, never for the server), and Host, which is replaced by the
 * checked one. */
static bool dropped(const struct egress_header *h)
{
    static const char *const names[] = {"host", "connection", "keep-alive"};
    if (h->name_len >= 6 && strncasecmp(h->name, "proxy-", 6) == 0)
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (h->name_len == strlen(names[i]) && strncasecmp(h->name, names[i], h->name_len) == 0)
            return true;
    return false;
}

int egress_request_rewrite(const struct egress_request *req, struct strbuf *out)
{
    const char *slash = req->path_len > 0 && req->path[0] == '/' ? "" : "/";
    int r = strbuf_appendf(out, "%s %s%.*s HTTP/1.%c\r\nHost: %s", req->method, slash,
                           (int)req->path_len, req->path, req->version, req->target.host);
    if (r == 0 && req->target.port != 80)
        r = strbuf_appendf(out, ":%u", (unsigned)req->target.port);
    if (r == 0)
        r = strbuf_appends(out, "\r\n");
    for (size_t i = 0; r == 0 && i < req->n_headers; i++) {
        const struct egress_header *h = &req->headers[i];
        if (!dropped(h))
            r = strbuf_appendf(out, "%.*s: %.*s\r\n", (int)h->name_len, h->name,
                               (int)h->value_len, h->value);
    }
    return r == 0 ? strbuf_appends(out, "Connection: close\r\n\r\n") : r;
}
