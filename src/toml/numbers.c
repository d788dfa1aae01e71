/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

static int digit_value(int c, unsigned base)
{
    int d = -1;
    if (c >= '0' && c <= '9')
        d = c - '0';
    else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
    return d >= 0 && (unsigned)d < base ? d : -1;
}

static const char *base_name(unsigned base)
{
    return base == 16  ? "a hex digit"
           : base == 8 ? "an octal digit"
           : base == 2 ? "a binary digit"
                       : "a digit";
}

/*
 * Scans DIGIT *( DIGIT / "_" DIGIT ) in the given base, calling emit for each
 * digit.  An underscore must sit between two digits.
 */
struct digit_sink {
    void (*emit)(struct digit_sink *s, unsigned d);
    void *data;
};

static int scan_digits(struct toml_parser *P, unsigned base, struct digit_sink *sink,
                       const char *where)
{
    int d = digit_value(scan_peek(P), base);
    if (d < 0) {
        char what[96];
        (void)snprintf(what, sizeof(what), "%s %s", base_name(base), where);
        return scan_expected(P, what);
    }
    for (;;) {
        sink->emit(sink, (unsigned)d);
        scan_adv(P);
        int c = scan_peek(P);
        if (c == '_') {
            if (digit_value(scan_peek_at(P, 1), base) < 0)
                return toml_fail(P, P->at, -EINVAL, "'_' in a number must be between two digits");
            scan_adv(P);
            c = scan_peek(P);
        }
        d = digit_value(c, base);
        if (d < 0)
            return 0;
    }
}

struct int_acc {
    uint64_t v;
    uint64_t limit;
    bool overflow;
    size_t ndigits;
    unsigned base;
};

static void int_add(struct int_acc *a, unsigned d)
{
    a->ndigits++;
    if (a->overflow || a->v > (a->limit - d) / a->base)
        a->overflow = true;
    else
        a->v = a->v * a->base + d;
}

static void emit_int(struct digit_sink *s, unsigned d)
{
    int_add(s->data, d);
}

/* Significant digits of a float go into a toml_decimal (see toml-internal.h). */
struct float_acc {
    struct toml_decimal *dec;
    bool frac;
};

static void float_add(struct float_acc *a, unsigned d)
{
    struct toml_decimal *dec = a->dec;
    if (dec->n == 0 && d == 0) {
        if (a->frac)
            dec->exp10--;
        return;
    }
    if (dec->n < TOML_DEC_MAX_DIGITS) {
        dec->digits[dec->n++] = (unsigned char)d;
        if (a->frac)
            dec->exp10--;
    } else {
        if (d != 0)
            dec->truncated = true;
        if (!a->frac)
            dec->exp10++;
    }
}

static void emit_float(struct digit_sink *s, unsigned d)
{
    float_add(s->data, d);
}

/* The integer part feeds both: we learn which kind of number it is afterwards. */
struct dec_acc {
    struct int_acc i;
    struct float_acc f;
};

static void emit_dec(struct digit_sink *s, unsigned d)
{
    struct dec_acc *a = s->data;
    int_add(&a->i, d);
    float_add(&a->f, d);
}

static void emit_exp(struct digit_sink *s, unsigned d)
{
    int64_t *e = s->data;
    if (*e < 100000000) /* saturate: anything this large over- or underflows anyway */
        *e = *e * 10 + d;
}

/* 0x, 0o, 0b integers: no sign, at most INT64_MAX. */
static int parse_prefixed(struct toml_parser *P, struct toml_pos start, struct toml_value *v)
{
    int letter = scan_peek_at(P, 1);
    unsigned base = letter == 'x' ? 16 : letter == 'o' ? 8 : 2;
    scan_advn(P, 2);
    struct int_acc acc = {.limit = INT64_MAX, .base = base};
    struct digit_sink sink = {emit_int, &acc};
    char where[32];
    (void)snprintf(where, sizeof(where), "after '0%c'", letter);
    int r = scan_digits(P, base, &sink, where);
    if (r < 0)
        return r;
    if (acc.overflow)
        return toml_fail(P, start, -EINVAL, "integer is too large (the maximum is %lld)",
                         (long long)INT64_MAX);
    v->type = TOML_INTEGER;
    v->u.i = (int64_t)acc.v;
    return 0;
}

static int parse_inf_nan(struct toml_parser *P, struct toml_pos start, bool neg,
                         struct toml_value *v)
{
    bool full = (size_t)(P->end - P->p) >= 3;
    bool inf = full && memcmp(P->p, "inf", 3) == 0, nan = full && memcmp(P->p, "nan", 3) == 0;
    if (!inf && !nan) {
        size_t n = 0;
        while (P->p + n < P->end && n < 20 && toml_is_bare_key_char((unsigned char)P->p[n]))
            n++;
        return toml_fail(P, start, -EINVAL, "invalid value '%s%.*s' (did you mean %sinf or %snan?)",
                         neg ? "-" : "+", (int)n, P->p, neg ? "-" : "+", neg ? "-" : "+");
    }
    scan_advn(P, 3);
    v->type = TOML_FLOAT;
    if (inf)
        v->u.f = neg ? -INFINITY : INFINITY;
    else
        v->u.f = neg ? -NAN : NAN;
    return 0;
}

/* The optional fraction and exponent of a float. */
static int parse_float_tail(struct toml_parser *P, struct float_acc *acc)
{
    struct digit_sink sink = {emit_float, acc};
    if (scan_peek(P) == '.') {
        scan_adv(P);
        acc->frac = true;
        int r = scan_digits(P, 10, &sink, "after the decimal point");
        if (r < 0)
            return r;
    }
    int c = scan_peek(P);
    if (c == 'e' || c == 'E') {
        scan_adv(P);
        bool eneg = scan_peek(P) == '-';
        if (eneg || scan_peek(P) == '+')
            scan_adv(P);
        int64_t e = 0;
        struct digit_sink esink = {emit_exp, &e};
        int r = scan_digits(P, 10, &esink, "in the exponent");
        if (r < 0)
            return r;
        acc->dec->exp10 += eneg ? -e : e;
    }
    return 0;
}

static int parse_decimal(struct toml_parser *P, struct toml_pos start, bool neg,
                         struct toml_value *v)
{
    struct toml_pos digits_at = P->at;
    bool leading_zero = scan_peek(P) == '0';
    struct toml_decimal dec; /* only the header needs zeroing */
    dec.n = 0;
    dec.truncated = false;
    dec.neg = neg;
    dec.exp10 = 0;
    struct dec_acc acc = {
            .i = {.limit = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, .base = 10},
            .f = {.dec = &dec},
    };
    struct digit_sink sink = {emit_dec, &acc};
    int r = scan_digits(P, 10, &sink, start.col != digits_at.col ? "after the sign" : "here");
    if (r < 0)
        return r;
    if (leading_zero && acc.i.ndigits > 1)
        return toml_fail(P, digits_at, -EINVAL, "leading zeros are not allowed in a number");
    int c = scan_peek(P);
    if (c == '.' || c == 'e' || c == 'E') {
        r = parse_float_tail(P, &acc.f);
        if (r < 0)
            return r;
        v->type = TOML_FLOAT;
        if (toml_decimal_to_double(&dec, &v->u.f) < 0)
            return toml_fail(P, start, -EINVAL,
                             "float is out of range (larger than about 1.8e308)");
        return 0;
    }
    if (acc.i.overflow)
        return toml_fail(P, start, -EINVAL, "integer is out of range (%lld to %lld)",
                         (long long)INT64_MIN, (long long)INT64_MAX);
    v->type = TOML_INTEGER;
    if (neg)
        v->u.i = acc.i.v > INT64_MAX ? INT64_MIN : -(int64_t)acc.i.v;
    else
        v->u.i = (int64_t)acc.i.v;
    return 0;
}

int toml_parse_number(struct toml_parser *P, struct toml_value *v)
{
    struct toml_pos start = P->at;
    int c = scan_peek(P);
    bool neg = c == '-';
    if (c == '+' || c == '-') {
        scan_adv(P);
        c = scan_peek(P);
    }
    if (c == 'i' || c == 'n')
        return parse_inf_nan(P, start, neg, v);
    int letter = scan_peek_at(P, 1);
    if (c == '0' && (letter == 'x' || letter == 'o' || letter == 'b')) {
        if (start.col != P->at.col)
            return toml_fail(P, start, -EINVAL,
                             "hex, octal and binary integers cannot have a sign");
        return parse_prefixed(P, start, v);
    }
    return parse_decimal(P, start, neg, v);
}
