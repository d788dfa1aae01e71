/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>

#include "base/banned.h"

bool toml_looks_like_datetime(const struct toml_parser *P)
{
    bool d2 = toml_is_digit(scan_peek_at(P, 0)) && toml_is_digit(scan_peek_at(P, 1));
    if (d2 && scan_peek_at(P, 2) == ':')
        return true;
    return d2 && toml_is_digit(scan_peek_at(P, 2)) && toml_is_digit(scan_peek_at(P, 3)) &&
           scan_peek_at(P, 4) == '-';
}

/* Exactly n digits (n <= 4). */
static int read_digits(struct toml_parser *P, unsigned n, const char *field, int *ret)
{
    int v = 0;
    for (unsigned i = 0; i < n; i++) {
        int c = scan_peek_at(P, i);
        if (!toml_is_digit(c))
            return toml_fail(P, P->at, -EINVAL, "expected %u digits for the %s", n, field);
        v = v * 10 + (c - '0');
    }
    scan_advn(P, n);
    *ret = v;
    return 0;
}

static int expect_char(struct toml_parser *P, int c, const char *what)
{
    if (scan_peek(P) != c)
        return scan_expected(P, what);
    scan_adv(P);
    return 0;
}

static bool is_leap(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int parse_date(struct toml_parser *P, struct toml_datetime *dt)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int r = read_digits(P, 4, "year", &dt->year);
    if (r >= 0)
        r = expect_char(P, '-', "'-' after the year");
    struct toml_pos month_at = P->at;
    if (r >= 0)
        r = read_digits(P, 2, "month", &dt->month);
    if (r >= 0)
        r = expect_char(P, '-', "'-' after the month");
    struct toml_pos day_at = P->at;
    if (r >= 0)
        r = read_digits(P, 2, "day", &dt->day);
    if (r < 0)
        return r;
    if (dt->month < 1 || dt->month > 12)
        return toml_fail(P, month_at, -EINVAL, "invalid date: month %02d is not 01 to 12",
                         dt->month);
    int days = mdays[dt->month - 1] + (dt->month == 2 && is_leap(dt->year));
    if (dt->day < 1 || dt->day > days)
        return toml_fail(P, day_at, -EINVAL, "invalid date: %04d-%02d has days 01 to %02d",
                         dt->year, dt->month, days);
    return 0;
}

static int parse_fraction(struct toml_parser *P, struct toml_datetime *dt)
{
    scan_adv(P); /* '.' */
    if (!toml_is_digit(scan_peek(P)))
        return scan_expected(P, "digits after the decimal point in the seconds");
    /* Beyond nanoseconds the spec says to truncate, not round. */
    uint32_t ns = 0;
    int n = 0;
    while (toml_is_digit(scan_peek(P))) {
        if (n < 9) {
            ns = ns * 10 + (uint32_t)(scan_peek(P) - '0');
            n++;
        }
        scan_adv(P);
    }
    dt->frac_digits = n;
    for (int i = n; i < 9; i++)
        ns *= 10;
    dt->nanosecond = ns;
    return 0;
}

static int parse_time(struct toml_parser *P, struct toml_datetime *dt)
{
    struct toml_pos at = P->at;
    int r = read_digits(P, 2, "hour", &dt->hour);
    if (r >= 0)
        r = expect_char(P, ':', "':' after the hour");
    if (r >= 0)
        r = read_digits(P, 2, "minute", &dt->minute);
    if (r < 0)
        return r;
    if (scan_peek(P) == ':') {
        scan_adv(P);
        r = read_digits(P, 2, "second", &dt->second);
        if (r >= 0 && scan_peek(P) == '.')
            r = parse_fraction(P, dt);
        if (r < 0)
            return r;
    } else if (P->version < TOML_1_1) {
        return toml_fail(P, P->at, -EINVAL,
                         "expected ':' and seconds (optional only from TOML 1.1 on)");
    }
    if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
        return toml_fail(P, at, -EINVAL,
                         "invalid time %02d:%02d:%02d: hour must be 00-23, minute 00-59, "
                         "second 00-60",
                         dt->hour, dt->minute, dt->second);
    return 0;
}

static int parse_offset(struct toml_parser *P, struct toml_datetime *dt)
{
    int c = scan_peek(P);
    if (c == 'Z' || c == 'z') {
        scan_adv(P);
        dt->offset_z = true;
        return 0;
    }
    struct toml_pos at = P->at;
    scan_adv(P);
    int h = 0, m = 0;
    int r = read_digits(P, 2, "offset hours", &h);
    if (r >= 0)
        r = expect_char(P, ':', "':' in the time offset");
    if (r >= 0)
        r = read_digits(P, 2, "offset minutes", &m);
    if (r < 0)
        return r;
    if (h > 23 || m > 59)
        return toml_fail(P, at, -EINVAL, "invalid time offset %c%02d:%02d", c, h, m);
    dt->offset_minutes = (c == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

/* After a date: 'T', 't' or a space followed by a time. */
static bool time_follows(const struct toml_parser *P)
{
    int c = scan_peek(P);
    if (c == 'T' || c == 't')
        return true;
    return c == ' ' && toml_is_digit(scan_peek_at(P, 1)) && toml_is_digit(scan_peek_at(P, 2)) &&
           scan_peek_at(P, 3) == ':';
}

int toml_parse_datetime(struct toml_parser *P, struct toml_value *v)
{
    struct toml_datetime *dt = &v->u.dt;
    *dt = (struct toml_datetime){0};
    int r;
    if (scan_peek_at(P, 2) == ':') {
        r = parse_time(P, dt);
        if (r < 0)
            return r;
        int c = scan_peek(P);
        if (c == 'Z' || c == 'z' || c == '+' || c == '-')
            return toml_fail(P, P->at, -EINVAL, "a time without a date cannot have a time offset");
        v->type = TOML_TIME_LOCAL;
        return 0;
    }
    r = parse_date(P, dt);
    if (r < 0)
        return r;
    if (!time_follows(P)) {
        v->type = TOML_DATE_LOCAL;
        return 0;
    }
    scan_adv(P);
    r = parse_time(P, dt);
    if (r < 0)
        return r;
    int c = scan_peek(P);
    if (c == 'Z' || c == 'z' || c == '+' || c == '-') {
        r = parse_offset(P, dt);
        if (r < 0)
            return r;
        v->type = TOML_DATETIME;
        return 0;
    }
    v->type = TOML_DATETIME_LOCAL;
    return 0;
}
