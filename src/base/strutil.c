/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "base/utf8.h"
#include "base/termesc.h"
#include "base/banned.h"

size_t str_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    _cleanup_free_ size_t *row = xcalloc(lb + 1, sizeof(size_t));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = diag + cost;
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

bool str_is_env_name(const char *s)
{
    if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return false;
    for (s++; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

char *str_pct_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p > ' ' && *p < 0x7f && *p != '%') {
            *o++ = (char)*p;
            continue;
        }
        *o++ = '%';
        *o++ = hex[*p >> 4];
        *o++ = hex[*p & 15];
    }
    *o = '\0';
    return out;
}

int str_pct_decode(const char *s, char **ret)
{
    _cleanup_free_ char *out = xmalloc(strlen(s) + 1);
    char *o = out;
    for (const char *p = s; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        int hi = hex_digit_value(p[1]), lo = hi < 0 ? -1 : hex_digit_value(p[2]);
        if (lo < 0 || (hi | lo) == 0)
            return -EINVAL;
        *o++ = (char)(hi << 4 | lo);
        p += 2;
    }
    *o = '\0';
    *ret = TAKE_PTR(out);
    return 0;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The escapes used are valid in both JSON strings and TOML basic strings.
 * The text may come from outside (file names an agent chose, link targets in
 * a repository): invalid UTF-8 becomes U+FFFD, so the output is always valid
 * JSON/TOML, and C1 controls, bidi overrides and the other invisible
 * characters of term_invisible are written as \uXXXX escapes, so that a
 * terminal or a viewer shows them instead of acting on them. */
static int append_escaped(struct strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    int r = strbuf_appendc(sb, '"');
    for (size_t i = 0; r == 0 && i < len;) {
        unsigned char c = p[i];
        uint32_t cp = c;
        size_t n = c < 0x80 ? 1 : utf8_decode(p + i, len - i, &cp);
        if (n == 0) { /* not UTF-8 */
            r = strbuf_append(sb, "\\ufffd", 6);
            i++;
            continue;
        }
        if (c == '"')
            r = strbuf_append(sb, "\\\"", 2);
        else if (c == '\\')
            r = strbuf_append(sb, "\\\\", 2);
        else if (c == '\n')
            r = strbuf_append(sb, "\\n", 2);
        else if (c == '\t')
            r = strbuf_append(sb, "\\t", 2);
        else if (c == '\r')
            r = strbuf_append(sb, "\\r", 2);
        else if (c < 0x20 || c == 0x7f || (c >= 0x80 && term_invisible(cp)))
            r = strbuf_appendf(sb, "\\u%c%c%c%c", hex[(cp >> 12) & 15], hex[(cp >> 8) & 15],
                               hex[(cp >> 4) & 15], hex[cp & 15]);
        else
            r = strbuf_append(sb, s + i, n);
        i += n;
    }
    return r ? r : strbuf_appendc(sb, '"');
}

int json_append_string(struct strbuf *sb, const char *s, size_t len)
{
    return append_escaped(sb, s, len);
}

int toml_append_string(struct strbuf *sb, const char *s)
{
    return append_escaped(sb, s, strlen(s));
}

bool path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const char *env_process(const char *name)
{
    return getenv(name);
}

const char *env_nonempty(const char *(*getenv_fn)(const char *name), const char *name)
{
    const char *v = getenv_fn ? getenv_fn(name) : getenv(name);
    return v && *v ? v : NULL;
}

void str_tail_keep(char *buf, size_t cap, size_t *len, const char *in, size_t n)
{
    if (n >= cap) {
        memcpy(buf, in + n - cap, cap);
        *len = cap;
        return;
    }
    size_t keep = *len + n > cap ? cap - n : *len;
    memmove(buf, buf + *len - keep, keep);
    memcpy(buf + keep, in, n);
    *len = keep + n;
}
