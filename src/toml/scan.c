/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

int toml_fail(struct toml_parser *P, struct toml_pos at, int code, const char *fmt, ...)
{
    char msg[AGS_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ags_error_set(P->err, code, "%s:%u:%u: %s", P->filename, (unsigned)at.line,
                         (unsigned)at.col, msg);
}

const char *scan_describe(const struct toml_parser *P, char *buf, size_t size)
{
    int c = scan_peek(P);
    if (c == TOML_EOF)
        return "end of file";
    if (c == '\n' || (c == '\r' && scan_peek_at(P, 1) == '\n'))
        return "end of line";
    if (c == '#')
        return "a comment";
    if (c == '\t')
        return "a tab";
    if (toml_is_control(c)) {
        (void)snprintf(buf, size, "control character U+%04X", (unsigned)c);
        return buf;
    }
    if (c < 0x80) {
        (void)snprintf(buf, size, "'%c'", c);
        return buf;
    }
    uint32_t cp = 0;
    size_t n = utf8_decode((const unsigned char *)P->p, (size_t)(P->end - P->p), &cp);
    (void)snprintf(buf, size, "'%.*s' (U+%04X)", (int)n, P->p, (unsigned)cp);
    return buf;
}

int scan_expected(struct toml_parser *P, const char *what)
{
    char buf[48];
    return toml_fail(P, P->at, -EINVAL, "expected %s, found %s", what,
                     scan_describe(P, buf, sizeof(buf)));
}

void scan_skip_ws(struct toml_parser *P)
{
    while (P->p < P->end && (*P->p == ' ' || *P->p == '\t')) {
        P->p++;
        P->at.col++;
    }
}

int scan_skip_comment(struct toml_parser *P)
{
    if (scan_peek(P) != '#')
        return 0;
    scan_adv(P);
    for (;;) {
        int c = scan_peek(P);
        if (c == TOML_EOF || c == '\n')
            return 0;
        if (c == '\r' && scan_peek_at(P, 1) == '\n')
            return 0;
        if (toml_is_control(c))
            return toml_fail(P, P->at, -EINVAL,
                             "control character U+%04X is not allowed in a comment", (unsigned)c);
        scan_adv(P);
    }
}

int scan_newline(struct toml_parser *P)
{
    int c = scan_peek(P);
    if (c == '\n') {
        scan_adv(P);
        return 1;
    }
    if (c == '\r') {
        if (scan_peek_at(P, 1) != '\n')
            return toml_fail(P, P->at, -EINVAL,
                             "carriage return (U+000D) must be followed by a line feed");
        scan_advn(P, 2);
        return 1;
    }
    return 0;
}

int scan_skip_wscn(struct toml_parser *P)
{
    for (;;) {
        scan_skip_ws(P);
        int r = scan_skip_comment(P);
        if (r < 0)
            return r;
        r = scan_newline(P);
        if (r <= 0)
            return r;
    }
}

int scan_end_of_line(struct toml_parser *P, const char *after)
{
    scan_skip_ws(P);
    int r = scan_skip_comment(P);
    if (r < 0)
        return r;
    if (scan_peek(P) == TOML_EOF)
        return 0;
    r = scan_newline(P);
    if (r != 0)
        return r < 0 ? r : 0;
    char what[64];
    (void)snprintf(what, sizeof(what), "end of line after %s", after);
    return scan_expected(P, what);
}
