/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>
#include <string.h>

#include "base/limits.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/banned.h"

/* A decoded string is never longer than its source, so the input bound
 * covers the buffer too; a failure here would be a parser bug. */
static int put(struct toml_parser *P, struct strbuf *sb, const char *s, size_t n)
{
    if (strbuf_append(sb, s, n) < 0)
        return toml_fail(P, P->at, -E2BIG, "string is longer than %u bytes",
                         AGS_TOML_MAX_FILE_SIZE);
    return 0;
}

/* Appends the run of ordinary characters at the cursor (no quote, backslash,
 * control character or line end). */
static int put_run(struct toml_parser *P, struct strbuf *sb, int quote, bool escapes)
{
    const char *start = P->p;
    for (;;) {
        int c = scan_peek(P);
        if (c == TOML_EOF || c == quote || (escapes && c == '\\') || toml_is_control(c))
            break;
        scan_adv(P);
    }
    return put(P, sb, start, (size_t)(P->p - start));
}

/* \uXXXX, \UXXXXXXXX or \xHH with the cursor after the letter. */
static int parse_hex_escape(struct toml_parser *P, struct toml_pos at, int letter,
                            struct strbuf *sb)
{
    unsigned ndigits = letter == 'x' ? 2 : letter == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (unsigned i = 0; i < ndigits; i++) {
        int h = hex_digit_value(scan_peek(P));
        if (h < 0)
            return toml_fail(P, at, -EINVAL,
                             "invalid escape sequence: '\\%c' needs exactly %u hex digits", letter,
                             ndigits);
        cp = (cp << 4) | (uint32_t)h;
        scan_adv(P);
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return toml_fail(P, at, -EINVAL,
                         "invalid escape sequence: U+%04X is not a Unicode scalar value",
                         (unsigned)cp);
    char out[4];
    return put(P, sb, out, utf8_encode(cp, out));
}

/* In a multi-line basic string, a backslash that ends a line swallows all
 * whitespace and newlines up to the next other character. */
static int parse_line_ending_backslash(struct toml_parser *P, struct toml_pos at)
{
    scan_skip_ws(P);
    int r = scan_newline(P);
    if (r < 0)
        return r;
    if (r == 0)
        return toml_fail(P, at, -EINVAL,
                         "invalid escape sequence: a '\\' followed by whitespace must end "
                         "the line");
    for (;;) {
        scan_skip_ws(P);
        r = scan_newline(P);
        if (r <= 0)
            return r;
    }
}

static int parse_escape(struct toml_parser *P, bool multiline, struct strbuf *sb)
{
    struct toml_pos at = P->at;
    scan_adv(P); /* the backslash */
    int c = scan_peek(P);
    const char *simple = NULL;
    switch (c) {
    case 'b':
        simple = "\b";
        break;
    case 't':
        simple = "\t";
        break;
    case 'n':
        simple = "\n";
        break;
    case 'f':
        simple = "\f";
        break;
    case 'r':
        simple = "\r";
        break;
    case '"':
        simple = "\"";
        break;
    case '\\':
        simple = "\\";
        break;
    case 'e':
        simple = "\x1b";
        break;
    default:
        break;
    }
    if ((c == 'e' || c == 'x') && P->version < TOML_1_1)
        return toml_fail(P, at, -EINVAL,
                         "invalid escape sequence '\\%c' (allowed from TOML 1.1 on)", c);
    if (simple) {
        scan_adv(P);
        return put(P, sb, simple, 1);
    }
    if (c == 'u' || c == 'U' || c == 'x') {
        scan_adv(P);
        return parse_hex_escape(P, at, c, sb);
    }
    if (multiline && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
        return parse_line_ending_backslash(P, at);
    if (c == TOML_EOF || toml_is_control(c) || c == '\n')
        return toml_fail(P, at, -EINVAL, "invalid escape sequence: '\\' at end of %s",
                         c == TOML_EOF ? "file" : "line");
    if (c >= 0x80)
        return toml_fail(P, at, -EINVAL, "invalid escape sequence: '\\' followed by '%.*s'",
                         (int)utf8_decode((const unsigned char *)P->p, (size_t)(P->end - P->p),
                                          &(uint32_t){0}),
                         P->p);
    return toml_fail(P, at, -EINVAL,
                     "invalid escape sequence '\\%c' (write '\\\\' for a backslash)", c);
}

static int fail_control(struct toml_parser *P, int c, const char *what)
{
    return toml_fail(P, P->at, -EINVAL, "control character U+%04X is not allowed in %s%s",
                     (unsigned)c, what,
                     strcmp(what, "a literal string") == 0 ? "" : " (use an escape sequence)");
}

/* "..." or '...' with the cursor after the opening quote. */
static int parse_single_line(struct toml_parser *P, struct toml_pos open, int quote,
                             struct strbuf *sb)
{
    bool basic = quote == '"';
    for (;;) {
        int r = put_run(P, sb, quote, basic);
        if (r < 0)
            return r;
        int c = scan_peek(P);
        if (c == quote) {
            scan_adv(P);
            return 0;
        }
        if (c == TOML_EOF || c == '\n' || (c == '\r' && scan_peek_at(P, 1) == '\n'))
            return toml_fail(P, open, -EINVAL,
                             "unterminated string: no closing %s before the end of the %s%s",
                             basic ? "'\"'" : "\"'\"", c == TOML_EOF ? "file" : "line",
                             c == TOML_EOF ? "" : " (use triple quotes for multi-line strings)");
        if (c == '\\') {
            r = parse_escape(P, false, sb);
            if (r < 0)
                return r;
            continue;
        }
        return fail_control(P, c, basic ? "a string" : "a literal string");
    }
}

/* Handles a run of quote characters inside a multi-line string: fewer than
 * three are content; three to five close it (the extra ones are content). */
static int multiline_quotes(struct toml_parser *P, int quote, struct strbuf *sb, bool *done)
{
    size_t n = 0;
    while (scan_peek_at(P, n) == quote && n < 5)
        n++;
    scan_advn(P, n);
    *done = n >= 3;
    char q[2] = {(char)quote, (char)quote};
    return put(P, sb, q, *done ? n - 3 : n);
}

static int parse_multiline(struct toml_parser *P, struct toml_pos open, int quote,
                           struct strbuf *sb)
{
    bool basic = quote == '"';
    int r = scan_newline(P); /* a newline right after the opening quotes is dropped */
    if (r < 0)
        return r;
    for (;;) {
        r = put_run(P, sb, quote, basic);
        if (r < 0)
            return r;
        int c = scan_peek(P);
        if (c == TOML_EOF)
            return toml_fail(P, open, -EINVAL,
                             "unterminated multi-line string: no closing %s before the end "
                             "of the file",
                             basic ? "'\"\"\"'" : "\"'''\"");
        if (c == quote) {
            bool done;
            r = multiline_quotes(P, quote, sb, &done);
            if (r < 0 || done)
                return r;
        } else if (c == '\\') {
            r = parse_escape(P, true, sb);
        } else if (c == '\n' || c == '\r') {
            r = scan_newline(P); /* CRLF is stored as LF */
            if (r > 0)
                r = put(P, sb, "\n", 1);
        } else {
            return fail_control(P, c, basic ? "a string" : "a literal string");
        }
        if (r < 0)
            return r;
    }
}

int toml_parse_string(struct toml_parser *P, bool key, char **ret, size_t *ret_len)
{
    struct toml_pos open = P->at;
    int quote = scan_peek(P);
    bool multiline = scan_peek_at(P, 1) == quote && scan_peek_at(P, 2) == quote;
    if (multiline && key)
        return toml_fail(P, open, -EINVAL, "a multi-line string cannot be used as a key");
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, AGS_TOML_MAX_FILE_SIZE);
    int r;
    if (multiline) {
        scan_advn(P, 3);
        r = parse_multiline(P, open, quote, &sb);
    } else {
        scan_adv(P);
        r = parse_single_line(P, open, quote, &sb);
    }
    if (r < 0)
        return r;
    *ret_len = sb.len;
    *ret = strbuf_steal(&sb);
    return 0;
}
