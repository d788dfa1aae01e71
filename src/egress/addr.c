/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egress_addr_is_special: the DNS-rebinding defence's address ranges. */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "egress/egress.h"
#include "base/banned.h"

struct range {
    uint8_t prefix[16];
    unsigned bits;
};

/* IPv4 ranges a name must not reach unless listed (RFC 6890 and friends). */
static const struct range special4[] = {
        {{0}, 8},                /* "this network", 0.0.0.0 */
        {{10}, 8},               /* RFC 1918 */
        {{100, 64}, 10},         /* CGNAT (RFC 6598) */
        {{127}, 8},              /* loopback */
        {{169, 254}, 16},        /* link-local, cloud metadata */
        {{172, 16}, 12},         /* RFC 1918 */
        {{192, 0, 0}, 24},       /* IETF protocol assignments */
        {{192, 168}, 16},        /* RFC 1918 */
        {{198, 18}, 15},         /* benchmarking */
        {{224}, 4},              /* multicast */
        {{240}, 4},              /* reserved, and 255.255.255.255 */
};

/* IPv6 ranges special in themselves; the forms that embed an IPv4 address are below. */
static const struct range special6[] = {
        {{0}, 128},                                   /* :: */
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128}, /* ::1 */
        {{0x01, 0x00}, 64},                           /* discard-only 100::/64 */
        {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48},   /* local-use NAT64 64:ff9b:1::/48 */
        {{0x20, 0x01, 0x00, 0x00}, 32},               /* Teredo: its IPv4 is obfuscated */
        {{0xfc}, 7},                                  /* unique local */
        {{0xfe, 0x80}, 10},                           /* link-local */
        {{0xfe, 0xc0}, 10},                           /* site-local (deprecated) */
        {{0xff}, 8},                                  /* multicast */
};

static bool in_range(const uint8_t *a, const struct range *r)
{
    unsigned whole = r->bits / 8, rest = r->bits % 8;
    if (memcmp(a, r->prefix, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (r->prefix[whole] & mask);
}

static bool in_any(const uint8_t *a, const struct range *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (in_range(a, &t[i]))
            return true;
    return false;
}

static bool v4_special(const uint8_t *a)
{
    return in_any(a, special4, sizeof(special4) / sizeof(special4[0]));
}

/* The IPv4 address an IPv6 one carries for translation or tunnelling, or NULL. */
static const uint8_t *embedded_v4(const uint8_t *a)
{
    static const struct range mapped = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96};
    static const struct range compatible = {{0}, 96};
    static const struct range nat64 = {{0x00, 0x64, 0xff, 0x9b}, 96};
    static const struct range six_to_four = {{0x20, 0x02}, 16};
    if (in_range(a, &mapped) || in_range(a, &compatible) || in_range(a, &nat64))
        return a + 12;
    if (in_range(a, &six_to_four))
        return a + 2;
    return NULL;
}

bool egress_addr_is_special(int family, const void *addr)
{
    if (family == AF_INET)
        return v4_special(addr);
    if (family != AF_INET6)
        return true;
    const uint8_t *a = addr;
    if (in_any(a, special6, sizeof(special6) / sizeof(special6[0])))
        return true;
    const uint8_t *v4 = embedded_v4(a);
    return v4 && v4_special(v4);
}
