/* SPDX-License-Identifier: GPL-2.0-or-later */
#define AGS_BANNED_ALLOW_STRTO 1
#include "base/parse-util.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"

#include "base/banned.h"

static int parse_signed(const char *s, long long min, long long max, long long *ret)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || v < min || v > max)
        return -ERANGE;
    if (errno != 0 || *end != '\0')
        return -EINVAL;
    *ret = v;
    return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
    long long v;
    if (s && (*s == '-' || *s == '+'))
        return -EINVAL;
    int r = parse_signed(s, 0, UINT32_MAX, &v);
    if (r < 0)
        return r;
    *ret = (uint32_t)v;
    return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
    long long v;
    int r = parse_signed(s, INT64_MIN, INT64_MAX, &v);
    if (r < 0)
        return r;
    *ret = (int64_t)v;
    return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
    /* strtoull takes "-1" for ULLONG_MAX and skips blanks: digits only. */
    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || v > UINT64_MAX)
        return -ERANGE;
    if (errno != 0 || *end != '\0')
        return -EINVAL;
    *ret = (uint64_t)v;
    return 0;
}

int parse_port(const char *s, uint16_t *ret)
{
    uint32_t v;
    int r = parse_u32(s, &v);
    if (r < 0)
        return r;
    if (v == 0 || v > 65535)
        return -ERANGE;
    *ret = (uint16_t)v;
    return 0;
}

static const char *const size_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};

int parse_size(const char *s, uint64_t *ret)
{
    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    size_t digits = strspn(s, "0123456789");
    const char *unit = s + digits;
    unsigned shift = 0;
    bool known = unit[0] == '\0';
    for (unsigned u = 0; !known && u < ARRAY_SIZE(size_units); u++) {
        /* "K" alone is "KiB"; "B" is the unit of bytes */
        bool full = strcmp(unit, size_units[u]) == 0;
        bool letter = u > 0 && unit[0] == size_units[u][0] && unit[1] == '\0';
        if (full || letter) {
            known = true;
            shift = 10 * u;
        }
    }
    if (!known || digits >= 21)
        return digits >= 21 ? -ERANGE : -EINVAL;
    char num[21];
    memcpy(num, s, digits);
    num[digits] = '\0';
    uint64_t v;
    int r = parse_u64(num, &v);
    if (r < 0)
        return r;
    if (shift && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *ret = v << shift;
    return 0;
}

void size_text(uint64_t v, char out[SIZE_TEXT_MAX])
{
    unsigned u = 0;
    while (v && v % 1024 == 0 && u + 1 < ARRAY_SIZE(size_units)) {
        v /= 1024;
        u++;
    }
    (void)snprintf(out, SIZE_TEXT_MAX, "%llu%s", (unsigned long long)v, size_units[u]);
}

int hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
