/* SPDX-License-Identifier: GPL-2.0-or-later */
#define AGS_BANNED_ALLOW_STRTO 1
#include "base/parse-util.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>

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
