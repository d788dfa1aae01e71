/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host_port_parse: "host[:port]" as a URL or a CONNECT request names it. */
#include "base/hostport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "base/parse-util.h"
#include "base/banned.h"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool all_digits(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* Exactly a.b.c.d in decimal, 0..255, no leading zero: what every parser agrees on. */
static bool dotted_quad(const char *h)
{
    struct in_addr a;
    char back[INET_ADDRSTRLEN];
    return inet_pton(AF_INET, h, &a) == 1 && inet_ntop(AF_INET, &a, back, sizeof(back)) &&
           strcmp(back, h) == 0;
}

/* A browser or resolver reads a name whose last label is a number (or 0x...) as an IPv4
 * address in any of several notations ("2130706433", "0x7f.1"): only the dotted quad is
 * taken, so the host checked is the one connected to. */
static bool looks_numeric(const char *h, size_t n)
{
    if (n > 0 && h[n - 1] == '.')
        n--;
    size_t start = n;
    while (start > 0 && h[start - 1] != '.')
        start--;
    const char *last = h + start;
    size_t ln = n - start;
    return all_digits(last, ln) || (ln >= 2 && last[0] == '0' && last[1] == 'x');
}

static int check_dns_name(const char *h, size_t n, struct ags_error *err)
{
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '.') {
            if (label == 0)
                return ags_error_set(err, -EINVAL, "a host with an empty label");
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return ags_error_set(err, -EINVAL, "a host with the character '%c'", c);
        if (++label > 63)
            return ags_error_set(err, -EINVAL, "a host label of more than 63 characters");
    }
    return 0;
}

static int take_host(const char *h, size_t n, struct host_port *hp, struct ags_error *err)
{
    if (n == 0)
        return ags_error_set(err, -EINVAL, "no host");
    if (n > AGS_PROXY_MAX_HOST)
        return ags_error_set(err, -EINVAL, "a host of more than %u characters", AGS_PROXY_MAX_HOST);
    for (size_t i = 0; i < n; i++)
        hp->host[i] = lower(h[i]);
    hp->host[n] = '\0';
    if (hp->host[0] == '[') {
        struct in6_addr a6;
        char inner[AGS_PROXY_MAX_HOST + 1];
        if (n < 3 || hp->host[n - 1] != ']')
            return ags_error_set(err, -EINVAL, "an IPv6 host without its ']'");
        memcpy(inner, hp->host + 1, n - 2);
        inner[n - 2] = '\0';
        /* inet_pton takes no zone ("%eth0") and no other notation. */
        if (inet_pton(AF_INET6, inner, &a6) != 1)
            return ags_error_set(err, -EINVAL, "an IPv6 host that is no IPv6 address");
        hp->ip_literal = true;
        return 0;
    }
    if (looks_numeric(hp->host, n)) {
        if (!dotted_quad(hp->host))
            return ags_error_set(err, -EINVAL,
                                 "a numeric host that is not a dotted-quad IPv4 address");
        hp->ip_literal = true;
        return 0;
    }
    return check_dns_name(hp->host, n, err);
}

static int take_port(const char *p, size_t n, struct host_port *hp, struct ags_error *err)
{
    char digits[8];
    if (n == 0 || n >= sizeof(digits) || !all_digits(p, n))
        return ags_error_set(err, -EINVAL, "a port that is not a number");
    memcpy(digits, p, n);
    digits[n] = '\0';
    if (parse_port(digits, &hp->port) < 0)
        return ags_error_set(err, -EINVAL, "a port that is not 1 to 65535");
    return 0;
}

int host_port_parse(const char *a, size_t n, uint16_t default_port, struct host_port *ret,
                    struct ags_error *err)
{
    *ret = (struct host_port){.port = default_port};
    size_t host_end = n;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        host_end = close ? (size_t)(close - a) + 1 : n;
    } else {
        const char *colon = memchr(a, ':', n);
        host_end = colon ? (size_t)(colon - a) : n;
    }
    if (host_end < n && a[host_end] != ':')
        return ags_error_set(err, -EINVAL, "characters after an IPv6 host");
    int r = take_host(a, host_end, ret, err);
    if (r == 0 && host_end < n)
        r = take_port(a + host_end + 1, n - host_end - 1, ret, err);
    if (r == 0 && ret->port == 0)
        r = ags_error_set(err, -EINVAL, "no port");
    return r;
}
