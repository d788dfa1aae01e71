/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/sha1.h"

#include <endian.h>
#include <string.h>

#include "base/banned.h"

#define SHA1_BLOCK 64u

struct sha1_ctx {
    uint32_t h[5];
    uint8_t buf[SHA1_BLOCK];
    size_t n;       /* bytes in buf */
    uint64_t total; /* bytes hashed */
};

static uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void compress(uint32_t h[5], const uint8_t block[SHA1_BLOCK])
{
    uint32_t w[80];
    for (unsigned i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
               (uint32_t)block[4 * i + 2] << 8 | (uint32_t)block[4 * i + 3];
    for (unsigned i = 16; i < 80; i++)
        w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (unsigned i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rotl(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

static void sha1_init(struct sha1_ctx *c)
{
    *c = (struct sha1_ctx){.h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}};
}

static void sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->n > 0) { /* complete the block begun before */
        size_t room = SHA1_BLOCK - c->n;
        size_t take = len < room ? len : room;
        memcpy(c->buf + c->n, p, take);
        c->n += take;
        p += take;
        len -= take;
        if (c->n < SHA1_BLOCK)
            return;
        compress(c->h, c->buf);
        c->n = 0;
    }
    for (; len >= SHA1_BLOCK; p += SHA1_BLOCK, len -= SHA1_BLOCK)
        compress(c->h, p);
    memcpy(c->buf, p, len);
    c->n = len;
}

static void sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_DIGEST_SIZE])
{
    uint64_t bits = c->total * 8;
    static const uint8_t pad[SHA1_BLOCK] = {0x80};
    size_t padlen = c->n < 56 ? 56 - c->n : 120 - c->n;
    sha1_update(c, pad, padlen);
    uint64_t len_be = htobe64(bits);
    sha1_update(c, &len_be, sizeof(len_be));
    uint32_t h_be[5];
    for (unsigned i = 0; i < 5; i++)
        h_be[i] = htobe32(c->h[i]);
    memcpy(out, h_be, SHA1_DIGEST_SIZE);
}

void sha1(const void *data, size_t len, uint8_t out[SHA1_DIGEST_SIZE])
{
    struct sha1_ctx c;
    sha1_init(&c);
    sha1_update(&c, data, len);
    sha1_final(&c, out);
}

void hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
               uint8_t out[SHA1_DIGEST_SIZE])
{
    uint8_t k[SHA1_BLOCK] = {0};
    if (key_len > SHA1_BLOCK)
        sha1(key, key_len, k); /* a longer key is hashed first (RFC 2104) */
    else
        memcpy(k, key, key_len);
    uint8_t ipad[SHA1_BLOCK], opad[SHA1_BLOCK];
    for (unsigned i = 0; i < SHA1_BLOCK; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    uint8_t inner[SHA1_DIGEST_SIZE];
    struct sha1_ctx c;
    sha1_init(&c);
    sha1_update(&c, ipad, sizeof(ipad));
    sha1_update(&c, data, len);
    sha1_final(&c, inner);
    sha1_init(&c);
    sha1_update(&c, opad, sizeof(opad));
    sha1_update(&c, inner, sizeof(inner));
    sha1_final(&c, out);
}
