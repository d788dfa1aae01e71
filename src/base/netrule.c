/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/netrule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/limits.h"
#include "base/parse-util.h"
#include "base/banned.h"

#define LABEL_MAX 63u

static int fail(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return -EINVAL;
}

static unsigned addr_bits(int family)
{
    return family == AF_INET ? 32u : 128u;
}

/* The first bits of a and b are the same. */
static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned full = bits / 8u, rest = bits % 8u;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8u - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static bool host_bits_clear(const unsigned char *a, unsigned bits, unsigned prefix)
{
    for (unsigned i = prefix; i < bits; i++)
        if (a[i / 8u] & (0x80u >> (i % 8u)))
            return false;
    return true;
}

/* ::ffff:a.b.c.d is a.b.c.d: a rule and an address are judged the same way. */
static bool v4_mapped(const unsigned char *a)
{
    static const unsigned char head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, head, sizeof(head)) == 0;
}

static void unmap(struct netrule *r)
{
    if (r->family != AF_INET6 || !v4_mapped(r->addr) || r->prefix < 96u)
        return;
    memmove(r->addr, r->addr + 12, 4);
    memset(r->addr + 4, 0, 12);
    r->family = AF_INET;
    r->prefix -= 96u;
}

/* s: ADDR or ADDR/PREFIX of family (s is modified). */
static int parse_addr(char *s, int family, struct netrule *r, const char **why)
{
    char *slash = strchr(s, '/');
    if (slash)
        *slash = '\0';
    if (inet_pton(family, s, r->addr) != 1)
        return fail(why, family == AF_INET ? "not an IPv4 address (a.b.c.d)"
                                           : "not an IPv6 address");
    char back[INET6_ADDRSTRLEN];
    /* glibc takes no other IPv4 notation, but say so rather than trust it. */
    if (family == AF_INET && (!inet_ntop(AF_INET, r->addr, back, sizeof(back)) ||
                              strcmp(back, s) != 0))
        return fail(why, "not an IPv4 address in its plain form (a.b.c.d, no leading zeros)");
    r->family = family;
    r->kind = slash ? NETRULE_CIDR : NETRULE_ADDR;
    r->prefix = addr_bits(family);
    if (slash) {
        uint32_t prefix;
        if (parse_u32(slash + 1, &prefix) < 0 || prefix > addr_bits(family))
            return fail(why, family == AF_INET ? "a network prefix must be 0 to 32"
                                               : "a network prefix must be 0 to 128");
        if (!host_bits_clear(r->addr, addr_bits(family), prefix))
            return fail(why, "the address has bits set past the network prefix (write the "
                             "network's first address)");
        r->prefix = prefix;
    }
    unmap(r);
    return 0;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static bool ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* One LDH label of 1..63 characters, no '-' at either end. */
static int check_label(const char *l, size_t n, const char **why)
{
    if (n == 0)
        return fail(why, "an empty label in a host name ('..', or a leading dot)");
    if (n > LABEL_MAX)
        return fail(why, "a host name label longer than 63 characters");
    for (size_t i = 0; i < n; i++) {
        if (l[i] == '*')
            return fail(why, "'*' may only be the whole first label ('*.example.org')");
        if (!ldh(l[i]))
            return fail(why, "a host name may hold only letters, digits, '-' and '.'");
    }
    if (l[0] == '-' || l[n - 1] == '-')
        return fail(why, "a host name label may not begin or end with '-'");
    return 0;
}

/* s: a name, lower-cased in place, one trailing dot dropped. */
static int parse_name(char *s, struct netrule *r, const char **why)
{
    r->kind = NETRULE_NAME;
    if (s[0] == '*' && s[1] == '.') {
        r->kind = NETRULE_SUFFIX;
        s += 2;
    }
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    if (n == 0)
        return fail(why, r->kind == NETRULE_SUFFIX ? "'*.' needs a domain after it"
                                                   : "an empty host name");
    if (n > NETRULE_NAME_MAX)
        return fail(why, "a host name longer than 253 characters");
    const char *last = s;
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    for (const char *l = s;;) {
        size_t ln = strcspn(l, ".");
        int rc = check_label(l, ln, why);
        if (rc < 0)
            return rc;
        last = l;
        if (!l[ln])
            break;
        l += ln + 1;
    }
    /* Resolvers read "10.1" as an address: a name never ends in a number. */
    if (all_digits(last, strlen(last)))
        return fail(why, "a host name's last label may not be a number (write an IPv4 address "
                         "as a.b.c.d)");
    memcpy(r->name, s, n + 1);
    return 0;
}

/* host: a name, an IPv4 address or network, or a bare IPv6 one (no port). */
static int parse_host(char *host, struct netrule *r, const char **why)
{
    if (strchr(host, ':'))
        return parse_addr(host, AF_INET6, r, why);
    if (strchr(host, '/'))
        return parse_addr(host, AF_INET, r, why);
    const char *dot = strrchr(host, '.');
    const char *last = dot ? dot + 1 : host;
    /* "1.2.3.4." is a name to no resolver: only the name form drops the dot. */
    if (all_digits(last, strlen(last)) && host[0] != '*')
        return parse_addr(host, AF_INET, r, why);
    return parse_name(host, r, why);
}

static int parse_port_part(const char *s, struct netrule *r, const char **why)
{
    if (parse_port(s, &r->port) < 0)
        return fail(why, "a port must be a number from 1 to 65535");
    return 0;
}

int netrule_parse(const char *text, struct netrule *out, const char **why)
{
    size_t len = strnlen(text, AGS_NET_RULE_MAX_TEXT + 1);
    if (len == 0)
        return fail(why, "an empty entry");
    if (len > AGS_NET_RULE_MAX_TEXT)
        return fail(why, "longer than 300 characters");
    char buf[AGS_NET_RULE_MAX_TEXT + 1];
    memcpy(buf, text, len + 1);
    struct netrule r = {0};
    char *port = NULL;
    int rc;
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close)
            return fail(why, "'[' without its ']' (write IPv6 as [2001:db8::1]:443)");
        *close = '\0';
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return fail(why, "only ':PORT' may follow ']'");
        if (!strchr(buf + 1, ':'))
            return fail(why, "only an IPv6 address goes in brackets");
        rc = parse_addr(buf + 1, AF_INET6, &r, why);
    } else {
        char *colon = strchr(buf, ':');
        /* Two colons: a bare IPv6 address, which cannot carry a port. */
        if (colon && !strchr(colon + 1, ':')) {
            *colon = '\0';
            port = colon + 1;
        }
        rc = parse_host(buf, &r, why);
    }
    if (rc == 0 && port)
        rc = parse_port_part(port, &r, why);
    if (rc < 0)
        return rc;
    *out = r;
    return 0;
}

static bool port_ok(const struct netrule *r, uint16_t port)
{
    return r->port == 0 || r->port == port;
}

bool netrule_match_name(const struct netrule *r, const char *host, uint16_t port)
{
    if ((r->kind != NETRULE_NAME && r->kind != NETRULE_SUFFIX) || !port_ok(r, port))
        return false;
    size_t hn = strnlen(host, NETRULE_NAME_MAX + 2), sn = strlen(r->name);
    if (hn > 0 && host[hn - 1] == '.')
        hn--;
    if (r->kind == NETRULE_NAME)
        return hn == sn && strncasecmp(host, r->name, sn) == 0;
    /* A proper subdomain: at least one character and a dot before the suffix. */
    return hn > sn + 1 && host[hn - sn - 1] == '.' && strncasecmp(host + hn - sn, r->name, sn) == 0;
}

bool netrule_match_addr(const struct netrule *r, int family, const void *addr, uint16_t port)
{
    if ((r->kind != NETRULE_ADDR && r->kind != NETRULE_CIDR) || !port_ok(r, port))
        return false;
    const unsigned char *a = addr;
    if (family == AF_INET6 && v4_mapped(a)) {
        family = AF_INET;
        a += 12;
    }
    return family == r->family && prefix_equal(r->addr, a, r->prefix);
}

static bool is_name(const struct netrule *r)
{
    return r->kind == NETRULE_NAME || r->kind == NETRULE_SUFFIX;
}

/* name is a proper subdomain of suffix (both canonical). */
static bool below(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s + 1 && name[n - s - 1] == '.' && strcmp(name + n - s, suffix) == 0;
}

bool netrule_covers(const struct netrule *wide, const struct netrule *narrow)
{
    if (wide->port != 0 && wide->port != narrow->port)
        return false;
    if (is_name(wide) != is_name(narrow))
        return false;
    if (is_name(wide)) {
        bool same = strcmp(wide->name, narrow->name) == 0;
        if (wide->kind == NETRULE_NAME)
            return narrow->kind == NETRULE_NAME && same;
        /* *.a.b covers x.a.b and *.x.a.b, and *.a.b itself. */
        return below(narrow->name, wide->name) || (narrow->kind == NETRULE_SUFFIX && same);
    }
    /* An address is a network of full length. */
    return wide->family == narrow->family && wide->prefix <= narrow->prefix &&
           prefix_equal(wide->addr, narrow->addr, wide->prefix);
}

bool netrule_reaches_loopback(const struct netrule *r)
{
    static const char *const loopback[] = {"127.0.0.0/8", "::1",       "0.0.0.0",
                                           "::",          "localhost", "*.localhost"};
    struct netrule any = *r;
    any.port = 0;
    for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
        struct netrule l;
        if (netrule_parse(loopback[i], &l, NULL) < 0)
            continue;
        if (netrule_covers(&l, &any) || netrule_covers(&any, &l))
            return true;
    }
    return false;
}

int netrule_format(const struct netrule *r, char *buf, size_t size)
{
    char addr[INET6_ADDRSTRLEN] = "", net[INET6_ADDRSTRLEN + 8] = "", port[8] = "";
    if (r->port)
        (void)snprintf(port, sizeof(port), ":%u", (unsigned)r->port);
    int n;
    if (is_name(r)) {
        n = snprintf(buf, size, "%s%s%s", r->kind == NETRULE_SUFFIX ? "*." : "", r->name, port);
    } else {
        if (!inet_ntop(r->family, r->addr, addr, sizeof(addr)))
            return -EINVAL;
        if (r->kind == NETRULE_CIDR)
            (void)snprintf(net, sizeof(net), "%s/%u", addr, r->prefix);
        else
            (void)snprintf(net, sizeof(net), "%s", addr);
        bool v6 = r->family == AF_INET6;
        n = snprintf(buf, size, "%s%s%s%s", v6 ? "[" : "", net, v6 ? "]" : "", port);
    }
    if (n < 0 || (size_t)n >= size)
        return -ENOSPC;
    return n;
}

bool netrule_list_match_name(const struct netrule *rules, size_t n, const char *host,
                             uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if (netrule_match_name(&rules[i], host, port))
            return true;
    return false;
}

bool netrule_list_match_addr(const struct netrule *rules, size_t n, int family, const void *addr,
                             uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if (netrule_match_addr(&rules[i], family, addr, port))
            return true;
    return false;
}
