/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/uri.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/banned.h"

#define URI_SCHEME   "ssh://"
#define URI_HOST_MAX 253u /* a DNS name (RFC 1035); an IPv6 literal is shorter */
#define URI_USER_MAX 256u

void ssh_uri_done(struct ssh_uri *u)
{
    free(u->user);
    free(u->host);
    free(u->path);
    *u = (struct ssh_uri){0};
}

static int bad(struct ags_error *err, const char *part, const char *why)
{
    return ags_error_set(err, -EINVAL,
                         "ssh:// Podman URI: %s %s (expected ssh://[USER@]HOST"
                         "[:PORT]/path/to/podman.sock)",
                         part, why);
}

static bool unreserved_or_sub_delim(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           strchr("-._~!$&'()*+,;=", ch) != NULL;
}

/*
 * Percent-decodes s[0..n) into *ret (owned).  Each '%' must start two hex
 * digits (Go refuses anything else too); a decoded control byte or NUL is
 * refused: it would mean something else to the remote end than to a reader.
 * allowed() says which raw bytes may appear besides '%'.
 */
static int pct_decode(const char *s, size_t n, bool (*allowed)(unsigned char), char **ret,
                      const char **why)
{
    _cleanup_free_ char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            int hi = i + 2 < n ? hex_digit_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_digit_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *why = "has a '%' that does not start two hexadecimal digits";
                return -EINVAL;
            }
            ch = (unsigned char)(hi * 16 + lo);
            if (ch < 0x20 || ch == 0x7f) {
                *why = "decodes to a control character";
                return -EINVAL;
            }
            i += 2;
        } else if (!allowed(ch)) {
            *why = "holds a character that must be percent-encoded";
            return -EINVAL;
        }
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    *ret = TAKE_PTR(out);
    return 0;
}

static bool user_char(unsigned char ch)
{
    return unreserved_or_sub_delim(ch);
}

/* Raw path bytes: printable ASCII but space, '%' (an escape), '?', '#' and
 * '\\' (Go would split or keep them; a reader may not), and UTF-8 bytes. */
static bool path_char(unsigned char ch)
{
    return ch >= 0x80 || (ch > 0x20 && ch < 0x7f && !strchr("%?#\\", ch));
}

static bool host_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '-' || ch == '_';
}

static int parse_user(const char *s, size_t n, struct ssh_uri *u, struct ags_error *err)
{
    const char *why = NULL;
    if (n == 0)
        return bad(err, "the user", "is empty (leave out the '@' for your own name)");
    if (memchr(s, ':', n))
        return bad(err, "the user", "carries a password (':'); ags authenticates with keys only");
    if (n > URI_USER_MAX)
        return bad(err, "the user", "is too long");
    if (pct_decode(s, n, user_char, &u->user, &why) < 0)
        return bad(err, "the user", why);
    if (u->user[0] == '-')
        return bad(err, "the user", "starts with '-'");
    return 0;
}

static int parse_port_part(const char *s, size_t n, struct ssh_uri *u, struct ags_error *err)
{
    char digits[8];
    if (n == 0)
        return bad(err, "the port", "is empty");
    if (n >= sizeof(digits) || strspn(s, "0123456789") < n)
        return bad(err, "the port", "is not a number from 1 to 65535");
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (parse_port(digits, &u->port) < 0)
        return bad(err, "the port", "is not a number from 1 to 65535");
    return 0;
}

/* [v6]:port, [v6], name:port or name. */
static int parse_hostport(const char *s, size_t n, struct ssh_uri *u, struct ags_error *err)
{
    const char *port = NULL;
    size_t hlen;
    u->port = 22;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return bad(err, "the host", "opens '[' without closing it");
        hlen = (size_t)(close - s) - 1;
        size_t rest = n - (size_t)(close - s) - 1;
        if (rest > 0 && close[1] != ':')
            return bad(err, "the host", "has text after its ']' that is not ':PORT'");
        if (rest > 0)
            port = close + 2;
        char v6[INET6_ADDRSTRLEN + 1];
        struct in6_addr a;
        if (hlen == 0 || hlen >= sizeof(v6))
            return bad(err, "the host", "in brackets is not an IPv6 address");
        memcpy(v6, s + 1, hlen);
        v6[hlen] = '\0';
        if (inet_pton(AF_INET6, v6, &a) != 1)
            return bad(err, "the host", "in brackets is not an IPv6 address (no zone: '%')");
        u->host = xstrdup(v6);
    } else {
        const char *colon = memchr(s, ':', n);
        hlen = colon ? (size_t)(colon - s) : n;
        if (colon && memchr(colon + 1, ':', n - hlen - 1))
            return bad(err, "the host", "has more than one ':' (put an IPv6 address in brackets)");
        if (colon)
            port = colon + 1;
        if (hlen == 0)
            return bad(err, "the host", "is empty");
        if (hlen > URI_HOST_MAX)
            return bad(err, "the host", "is longer than a DNS name may be");
        for (size_t i = 0; i < hlen; i++)
            if (!host_char((unsigned char)s[i]))
                return bad(err, "the host", "may hold only letters, digits, '.', '-' and '_'");
        if (s[0] == '-')
            return bad(err, "the host", "starts with '-'");
        u->host = xstrndup(s, hlen);
    }
    return port ? parse_port_part(port, (size_t)(s + n - port), u, err) : 0;
}

static int parse_path(const char *s, struct ssh_uri *u, struct ags_error *err)
{
    const char *why = NULL;
    if (pct_decode(s, strlen(s), path_char, &u->path, &why) < 0)
        return bad(err, "the socket path", why);
    if (strcmp(u->path, "/") == 0)
        return bad(err, "the socket path", "is missing");
    if (strlen(u->path) > AGS_SSH_REMOTE_PATH_MAX)
        return bad(err, "the socket path", "is longer than a unix socket path may be");
    return 0;
}

int ssh_uri_parse(const char *text, struct ssh_uri *ret, struct ags_error *err)
{
    size_t len = strnlen(text, AGS_SSH_URI_MAX + 1);
    if (len > AGS_SSH_URI_MAX)
        return bad(err, "the URI", "is too long");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return bad(err, "the URI", "holds a control character");
    if (strncasecmp(text, URI_SCHEME, strlen(URI_SCHEME)) != 0)
        return bad(err, "the URI", "does not start with ssh://");
    if (strpbrk(text, "?#"))
        return bad(err, "the URI", "has a query or fragment ('?', '#'), which mean nothing here");
    const char *auth = text + strlen(URI_SCHEME);
    const char *slash = strchr(auth, '/');
    if (!slash)
        return bad(err, "the socket path", "is missing");
    struct ssh_uri u = {0};
    const char *at = memrchr(auth, '@', (size_t)(slash - auth));
    const char *hp = at ? at + 1 : auth;
    int r = at ? parse_user(auth, (size_t)(at - auth), &u, err) : 0;
    if (r == 0)
        r = parse_hostport(hp, (size_t)(slash - hp), &u, err);
    if (r == 0)
        r = parse_path(slash, &u, err);
    if (r < 0) {
        ssh_uri_done(&u);
        return r;
    }
    *ret = u;
    return 0;
}

/* Appends s percent-encoding every byte keep() refuses (and '%'). */
static void pct_encode(struct strbuf *sb, const char *s, bool (*keep)(unsigned char))
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (keep(ch) && ch != '%')
            (void)!strbuf_append(sb, s, 1);
        else
            (void)!strbuf_appendf(sb, "%%%02X", ch);
    }
}

char *ssh_uri_format(const struct ssh_uri *u)
{
    struct strbuf sb;
    strbuf_init(&sb, 4 * AGS_SSH_URI_MAX);
    (void)!strbuf_appendf(&sb, "%s", URI_SCHEME);
    if (u->user) {
        pct_encode(&sb, u->user, user_char);
        (void)!strbuf_appendf(&sb, "@");
    }
    bool v6 = strchr(u->host, ':') != NULL;
    (void)!strbuf_appendf(&sb, "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
    if (u->port != 22)
        (void)!strbuf_appendf(&sb, ":%u", u->port);
    pct_encode(&sb, u->path, path_char);
    return strbuf_steal(&sb);
}

char *ssh_uri_known_hosts_name(const struct ssh_uri *u)
{
    if (u->port == 22)
        return xstrdup(u->host);
    return xasprintf("[%s]:%u", u->host, u->port);
}
