/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/base64.h"

#include <errno.h>
#include <stdbool.h>

#include "base/banned.h"

/* 0..63, or -1 for a character outside the alphabet (url: RFC 4648's
 * URL-safe one). */
static int sextet(char ch, bool url)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == (url ? '-' : '+'))
        return 62;
    if (ch == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* One group of 4 characters, the last one of the text when last is set. */
static int decode_quad(const char *q, bool last, bool url, uint8_t b[3])
{
    int v[4];
    int pad = 0;
    if (last && q[3] == '=')
        pad = q[2] == '=' ? 2 : 1;
    for (int i = 0; i < 4 - pad; i++) {
        v[i] = sextet(q[i], url);
        if (v[i] < 0)
            return -EINVAL;
    }
    for (int i = 4 - pad; i < 4; i++)
        v[i] = 0;
    uint32_t bits =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    /* The bits padding cuts off must be zero, or two texts would mean one blob. */
    if ((pad == 1 && (bits & 0xffu)) || (pad == 2 && (bits & 0xffffu)))
        return -EINVAL;
    b[0] = (uint8_t)(bits >> 16);
    b[1] = (uint8_t)(bits >> 8);
    b[2] = (uint8_t)bits;
    return 3 - pad;
}

static long decode(const char *in, size_t len, bool url, uint8_t *out, size_t max)
{
    if (len % 4 != 0)
        return -EINVAL;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint8_t b[3];
        int got = decode_quad(in + i, i + 4 == len, url, b);
        if (got < 0)
            return got;
        if ((size_t)got > max - n)
            return -E2BIG;
        for (int j = 0; j < got; j++)
            out[n++] = b[j];
    }
    return (long)n;
}

long base64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
    return decode(in, len, false, out, max);
}

long base64url_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
    return decode(in, len, true, out, max);
}

void base64_encode_nopad(const uint8_t *data, size_t n, char *out)
{
    static const char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < n)
            v |= data[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = alphabet[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = alphabet[v & 63];
    }
    out[o] = '\0';
}
