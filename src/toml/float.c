/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decimal to binary64 conversion, correctly rounded (ties to even), without
 * strtod (locale-dependent, and banned with the rest of strto*).
 *
 * Small inputs take Clinger's fast path: an exact integer times an exact
 * power of ten rounds once.  Everything else is done exactly with a small
 * bignum: value = X / Y * 2^e (X = digits * 5^e or Y = 5^-e), a 64-bit
 * quotient plus a sticky remainder bit, then one rounding step.  At most
 * TOML_DEC_MAX_DIGITS digits are kept; dropped nonzero digits become a final
 * sticky 1, which cannot change the rounding of a binary64 (767 digits
 * suffice to tell any two halfway cases apart).
 */
#include "toml/toml-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define BIG_LIMBS 128 /* 4096 bits; the largest operand needs about 2700 */

struct big {
    uint32_t l[BIG_LIMBS];
    size_t n; /* limbs in use; l[n-1] != 0 unless n == 0 */
};

static void big_trim(struct big *b)
{
    while (b->n > 0 && b->l[b->n - 1] == 0)
        b->n--;
}

static void big_mul_add(struct big *b, uint32_t m, uint32_t add)
{
    uint64_t carry = add;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->l[i] * m + carry;
        b->l[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        if (b->n >= BIG_LIMBS)
            abort(); /* unreachable: operand sizes are bounded by the callers */
        b->l[b->n++] = (uint32_t)carry;
    }
}

static void big_mul_pow5(struct big *b, uint64_t e)
{
    static const uint32_t pow5[13] = {1,     5,      25,      125,     625,      3125,     15625,
                                      78125, 390625, 1953125, 9765625, 48828125, 244140625};
    for (; e >= 13; e -= 13)
        big_mul_add(b, 1220703125u, 0); /* 5^13 */
    if (e)
        big_mul_add(b, pow5[e], 0);
}

static void big_shl(struct big *b, uint64_t bits)
{
    if (b->n == 0)
        return;
    size_t limbs = (size_t)(bits / 32);
    unsigned sh = (unsigned)(bits % 32);
    if (b->n + limbs + 1 > BIG_LIMBS)
        abort(); /* unreachable, as above */
    size_t n = b->n;
    b->l[n + limbs] = 0;
    for (size_t i = n; i-- > 0;) {
        uint32_t v = b->l[i];
        if (sh) {
            b->l[i + limbs + 1] |= v >> (32 - sh);
            b->l[i + limbs] = v << sh;
        } else {
            b->l[i + limbs] = v;
        }
    }
    for (size_t i = 0; i < limbs; i++)
        b->l[i] = 0;
    b->n = n + limbs + 1;
    big_trim(b);
}

static void big_shr1(struct big *b)
{
    for (size_t i = 0; i < b->n; i++) {
        uint32_t hi = i + 1 < b->n ? b->l[i + 1] : 0;
        b->l[i] = (b->l[i] >> 1) | (hi << 31);
    }
    big_trim(b);
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (size_t i = a->n; i-- > 0;)
        if (a->l[i] != b->l[i])
            return a->l[i] < b->l[i] ? -1 : 1;
    return 0;
}

/* a -= b, with a >= b. */
static void big_sub(struct big *a, const struct big *b)
{
    uint64_t borrow = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t sub = (i < b->n ? b->l[i] : 0) + borrow;
        uint64_t cur = a->l[i];
        borrow = cur < sub;
        a->l[i] = (uint32_t)(cur - sub);
    }
    big_trim(a);
}

static int64_t big_bitlen(const struct big *b)
{
    if (b->n == 0)
        return 0;
    return (int64_t)(b->n - 1) * 32 + (32 - __builtin_clz(b->l[b->n - 1]));
}

static double bits_to_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

/* Rounds (q + sticky fraction) * 2^bexp, q >= 2^62, to a double (magnitude). */
static int round_to_double(uint64_t q, bool sticky, int64_t bexp, double *ret)
{
    int len = 64 - __builtin_clzll(q);
    int64_t e2 = len - 1 + bexp; /* the value is in [2^e2, 2^(e2+1)) */
    if (e2 > 1023)
        return -ERANGE;
    int64_t keep = e2 >= -1022 ? 53 : 53 - (-1022 - e2);
    if (keep <= 0) {
        /* Below half the smallest subnormal rounds to 0; exactly half is a tie
         * that rounds to the even 0. */
        bool above_half = keep == 0 && ((q & (q - 1)) != 0 || sticky);
        *ret = above_half ? bits_to_double(1) : 0.0;
        return 0;
    }
    unsigned drop = (unsigned)(len - keep);
    uint64_t mant = q >> drop, rem = q & ((UINT64_C(1) << drop) - 1);
    uint64_t half = UINT64_C(1) << (drop - 1);
    if (rem > half || (rem == half && (sticky || (mant & 1))))
        mant++;
    if (e2 < -1022) {
        *ret = bits_to_double(mant); /* subnormal; a carry lands on the smallest normal */
        return 0;
    }
    if (mant == UINT64_C(1) << 53) {
        mant >>= 1;
        if (++e2 > 1023)
            return -ERANGE;
    }
    *ret = bits_to_double(((uint64_t)(e2 + 1023) << 52) | (mant & ((UINT64_C(1) << 52) - 1)));
    return 0;
}

static int slow_path(const struct toml_decimal *d, double *ret)
{
    struct big x = {.n = 0}, y = {.l = {1}, .n = 1}, t;
    int64_t e = d->exp10;
    for (size_t i = 0; i < d->n; i++)
        big_mul_add(&x, 10, d->digits[i]);
    if (d->truncated) {
        big_mul_add(&x, 10, 1);
        e--;
    }
    if (e >= 0)
        big_mul_pow5(&x, (uint64_t)e);
    else
        big_mul_pow5(&y, (uint64_t)-e);
    int64_t s = big_bitlen(&y) - big_bitlen(&x) + 63;
    if (s >= 0)
        big_shl(&x, (uint64_t)s);
    else
        big_shl(&y, (uint64_t)-s);
    /* Now x / y is in (2^62, 2^64): long division, one quotient bit at a time. */
    t = y;
    big_shl(&t, 63);
    uint64_t q = 0;
    for (int i = 63; i >= 0; i--) {
        if (big_cmp(&x, &t) >= 0) {
            big_sub(&x, &t);
            q |= UINT64_C(1) << i;
        }
        big_shr1(&t);
    }
    return round_to_double(q, x.n != 0, e - s, ret);
}

int toml_decimal_to_double(const struct toml_decimal *d, double *ret)
{
    static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double v = 0.0;
    int64_t mag = (int64_t)d->n + d->exp10; /* the value is below 10^mag */
    if (d->n == 0 || mag <= -324) {
        v = 0.0;
    } else if (mag > 310) {
        return -ERANGE;
    } else if (!d->truncated && d->n <= 15 && d->exp10 >= -22 && d->exp10 <= 22) {
        uint64_t m = 0;
        for (size_t i = 0; i < d->n; i++)
            m = m * 10 + d->digits[i];
        v = (double)m; /* exact: below 2^53 */
        v = d->exp10 < 0 ? v / pow10[-d->exp10] : v * pow10[d->exp10];
    } else {
        int r = slow_path(d, &v);
        if (r < 0)
            return r;
    }
    *ret = d->neg ? -v : v;
    return 0;
}
