/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .agsignore matcher (see ignore.h for the syntax). */
#include "base/ignore.h"

#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/banned.h"

void ignore_list_done(struct ignore_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].pattern);
    free(l->v);
    *l = (struct ignore_list){0};
}

/* Whether s[i] is escaped by an odd number of backslashes before it. */
static bool escaped(const char *s, size_t i)
{
    size_t n = 0;
    while (i > n && s[i - n - 1] == '\\')
        n++;
    return n % 2 == 1;
}

/* One line (without its newline) into a rule; false for a line that holds none. */
static bool parse_line(const char *line, size_t len, struct ignore_rule *ret)
{
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r') &&
           !escaped(line, len - 1))
        len--;
    if (len == 0 || line[0] == '#')
        return false;
    struct ignore_rule r = {0};
    if (line[0] == '!') {
        r.negate = true;
        line++;
        len--;
    }
    if (len > 0 && line[len - 1] == '/' && !escaped(line, len - 1)) {
        r.dir_only = true;
        len--;
    }
    if (len > 0 && line[0] == '/') {
        r.anchored = true;
        line++;
        len--;
    }
    if (len == 0)
        return false;
    if (memchr(line, '/', len))
        r.anchored = true;
    r.pattern = xstrndup(line, len);
    *ret = r;
    return true;
}

int ignore_parse(const char *text, size_t len, const char *name, struct ignore_list *ret,
                 struct ags_error *err)
{
    struct ignore_list l = {0};
    size_t cap = 0;
    unsigned lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        if (end - pos > AGS_IGNORE_MAX_LINE) {
            ignore_list_done(&l);
            return ags_error_set(err, -E2BIG, "'%s' line %u is longer than %u bytes", name,
                                 lineno, AGS_IGNORE_MAX_LINE);
        }
        if (memchr(text + pos, '\0', end - pos)) {
            ignore_list_done(&l);
            return ags_error_set(err, -EINVAL, "'%s' line %u has a NUL byte", name, lineno);
        }
        struct ignore_rule r;
        if (parse_line(text + pos, end - pos, &r)) {
            if (l.n >= AGS_IGNORE_MAX_RULES) {
                free(r.pattern);
                ignore_list_done(&l);
                return ags_error_set(err, -E2BIG, "'%s' has more than %u patterns", name,
                                     AGS_IGNORE_MAX_RULES);
            }
            l.v = xgrow(l.v, &cap, l.n + 1, sizeof(*l.v));
            l.v[l.n++] = r;
        }
        pos = end + 1;
    }
    *ret = l;
    return 0;
}

/* ---- matching ---- */

/* One more step of matching; false once l has spent its budget (every
 * match after that is a miss, and ignore_exhausted says so). */
static bool spend(struct ignore_list *l)
{
    if (ignore_exhausted(l))
        return false;
    l->steps++;
    return true;
}

bool ignore_exhausted(const struct ignore_list *l)
{
    return l->steps >= (l->max_steps ? l->max_steps : AGS_IGNORE_MATCH_STEPS);
}

/* "[...]" at p (p[0] == '['): whether c is in the class; *ret_end past the
 * ']'.  An unterminated class is the literal '['. */
static bool class_match(const char *p, const char *pe, char c, const char **ret_end)
{
    const char *q = p + 1;
    bool negate = q < pe && (*q == '!' || *q == '^');
    if (negate)
        q++;
    bool hit = false;
    for (bool first = true; q < pe && (*q != ']' || first); first = false) {
        char lo = *q == '\\' && q + 1 < pe ? *++q : *q;
        q++;
        char hi = lo;
        if (q + 1 < pe && *q == '-' && q[1] != ']') {
            hi = q[1] == '\\' && q + 2 < pe ? q[2] : q[1];
            q += q[1] == '\\' && q + 2 < pe ? 3 : 2;
        }
        if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
            hit = true;
    }
    if (q >= pe) { /* no ']': a literal '[' */
        *ret_end = p + 1;
        return c == '[';
    }
    *ret_end = q + 1;
    return hit != negate;
}

/* One character of the pattern at *pp against c (not '*'); advances *pp. */
static bool char_match(const char **pp, const char *pe, char c)
{
    const char *p = *pp;
    if (*p == '?') {
        *pp = p + 1;
        return true;
    }
    if (*p == '[')
        return class_match(p, pe, c, pp);
    if (*p == '\\' && p + 1 < pe)
        p++;
    *pp = p + 1;
    return *p == c;
}

/* A pattern segment [p, pe) against a name [s, se), neither holding '/':
 * '*' with the one backtracking point, so the cost is at most their product. */
static bool segment_match(struct ignore_list *l, const char *p, const char *pe, const char *s,
                          const char *se)
{
    const char *star_p = NULL, *star_s = NULL;
    while (s < se) {
        if (!spend(l))
            return false;
        if (p < pe && *p == '*') {
            while (p < pe && *p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        const char *next = p;
        if (p < pe && char_match(&next, pe, *s)) {
            p = next;
            s++;
            continue;
        }
        if (!star_p)
            return false;
        p = star_p;
        s = ++star_s;
    }
    while (p < pe && *p == '*')
        p++;
    return p == pe;
}

/* The end of the segment starting at p (its '/' or the end). */
static const char *seg_end(const char *p, const char *pe)
{
    for (const char *q = p; q < pe; q++) {
        if (*q == '\\' && q + 1 < pe)
            q++;
        else if (*q == '/')
            return q;
    }
    return pe;
}

static bool is_starstar(const char *p, const char *e)
{
    return e - p == 2 && p[0] == '*' && p[1] == '*';
}

/* Segments of the pattern against components of the path: "**" takes any
 * number of components, with the one backtracking point again (only "**"
 * crosses a '/'), so this stays polynomial.  A trailing "**" takes at least
 * one: "a/" + "**" is what is inside a, not a. */
static bool path_match(struct ignore_list *l, const char *p, const char *pe, const char *s,
                       const char *se)
{
    const char *star_p = NULL, *star_s = NULL;
    for (;;) {
        if (!spend(l))
            return false;
        const char *e = p < pe ? seg_end(p, pe) : pe;
        if (p < pe && is_starstar(p, e)) {
            p = e < pe ? e + 1 : e;
            if (p == pe) /* trailing: anything below, at least one component */
                return s < se;
            star_p = p;
            star_s = s;
            continue;
        }
        if (p >= pe && s >= se)
            return true;
        if (p < pe && s < se) {
            const char *cs = memchr(s, '/', (size_t)(se - s));
            const char *ce = cs ? cs : se;
            if (segment_match(l, p, e, s, ce)) {
                p = e < pe ? e + 1 : e;
                s = ce < se ? ce + 1 : ce;
                continue;
            }
        }
        if (!star_p || star_s >= se)
            return false;
        /* the last "**" takes one more component */
        const char *skip = memchr(star_s, '/', (size_t)(se - star_s));
        star_s = skip ? skip + 1 : se;
        p = star_p;
        s = star_s;
    }
}

static bool rule_match(struct ignore_list *l, const struct ignore_rule *r, const char *path,
                       bool is_dir)
{
    if (r->dir_only && !is_dir)
        return false;
    const char *pe = r->pattern + strlen(r->pattern);
    const char *se = path + strlen(path);
    if (r->anchored)
        return path_match(l, r->pattern, pe, path, se);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return segment_match(l, r->pattern, pe, base, se);
}

bool ignore_match(struct ignore_list *l, const char *path, bool is_dir)
{
    for (size_t i = l->n; i-- > 0 && !ignore_exhausted(l);)
        if (rule_match(l, &l->v[i], path, is_dir))
            return !l->v[i].negate;
    return false;
}

bool ignore_path(struct ignore_list *l, const char *path, bool is_dir)
{
    if (l->n == 0 || ignore_exhausted(l))
        return false;
    size_t len = strlen(path);
    _cleanup_free_ char *prefix = xstrndup(path, len);
    for (size_t i = 0; i < len; i++) {
        if (path[i] != '/')
            continue;
        prefix[i] = '\0';
        bool hit = ignore_match(l, prefix, true);
        prefix[i] = '/';
        if (hit)
            return true;
    }
    return ignore_match(l, path, is_dir);
}
