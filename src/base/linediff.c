/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Myers' line diff and its unified hunks (linediff.h). */
#include "base/linediff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

struct line {
    const char *p;
    size_t n; /* with its newline, when it has one */
    uint64_t hash;
};

struct side {
    struct line *v;
    size_t n;
};

static void side_done(struct side *s)
{
    free(s->v);
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

static int split(const char *t, size_t len, size_t max, struct side *s)
{
    size_t cap = 0;
    *s = (struct side){0};
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(t + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (t + off)) + 1 : len - off;
        if (s->n == max)
            return -E2BIG;
        s->v = xgrow(s->v, &cap, s->n + 1, sizeof(*s->v));
        s->v[s->n++] = (struct line){t + off, n, fnv1a(t + off, n)};
        off += n;
    }
    return 0;
}

static bool same(const struct line *a, const struct line *b)
{
    return a->hash == b->hash && a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

enum op { OP_SAME = ' ', OP_DEL = '-', OP_ADD = '+' };

/* The shortest edit script, as Myers finds it: trace holds the frontier V
 * after each step d (2d+1 values from offset d*d), walked back from the end. */
struct myers {
    const struct side *a, *b;
    size_t dmax;
    int32_t *v;     /* the working frontier, index k + dmax + 1 */
    int32_t *trace; /* (dmax+1)^2 values */
};

static int32_t *vk(const struct myers *m, long k)
{
    return &m->v[k + (long)m->dmax + 1];
}

static int32_t traced(const struct myers *m, long d, long k)
{
    return m->trace[d * d + (k + d)];
}

static bool down(long k, long d, int32_t left, int32_t right)
{
    return k == -d || (k != d && left < right);
}

/* Runs the forward search; the number of steps D, or -1 past dmax. */
static long search(struct myers *m)
{
    long n = (long)m->a->n, mm = (long)m->b->n;
    *vk(m, 1) = 0;
    for (long d = 0; d <= (long)m->dmax; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = down(k, d, *vk(m, k - 1), *vk(m, k + 1)) ? *vk(m, k + 1) : *vk(m, k - 1) + 1;
            long y = x - k;
            while (x < n && y < mm && same(&m->a->v[x], &m->b->v[y])) {
                x++;
                y++;
            }
            *vk(m, k) = (int32_t)x;
            m->trace[d * d + (k + d)] = (int32_t)x;
        }
        for (long k = -d; k <= d; k += 2)
            if (*vk(m, k) >= n && *vk(m, k) - k >= mm)
                return d;
    }
    return -1;
}

/* The ops from the end back to the start, reversed into ops[0..*ret_n). */
static void walk_back(const struct myers *m, long dend, char *ops, size_t *ret_n)
{
    long x = (long)m->a->n, y = (long)m->b->n;
    size_t n = 0;
    for (long d = dend; d > 0; d--) {
        long k = x - y;
        /* As search() chose: down (an insertion) from k+1, or right (a
         * deletion) from k-1, by the frontier of step d-1. */
        bool ins = k == -d || (k != d && traced(m, d - 1, k - 1) < traced(m, d - 1, k + 1));
        long pk = ins ? k + 1 : k - 1;
        long px = traced(m, d - 1, pk), py = px - pk;
        long mx = ins ? px : px + 1, my = ins ? py + 1 : py;
        for (; x > mx && y > my; x--) {
            ops[n++] = OP_SAME;
            y--;
        }
        ops[n++] = ins ? OP_ADD : OP_DEL;
        x = px;
        y = py;
    }
    for (; x > 0; x--)
        ops[n++] = OP_SAME;
    for (size_t i = 0; i < n / 2; i++) {
        char t = ops[i];
        ops[i] = ops[n - 1 - i];
        ops[n - 1 - i] = t;
    }
    *ret_n = n;
}

/* Where a hunk that starts at op from ends (exclusive): changes closer
 * than 2*context equal lines join one hunk. */
static size_t hunk_end(const char *ops, size_t n, size_t from, unsigned context)
{
    size_t end = from;
    for (;;) {
        while (end < n && ops[end] != OP_SAME)
            end++;
        size_t eq = 0;
        while (end + eq < n && ops[end + eq] == OP_SAME)
            eq++;
        if (end + eq == n || eq > 2 * (size_t)context)
            return end + (eq < context ? eq : context);
        end += eq;
    }
}

static int append_range(struct strbuf *sb, char sign, size_t start, size_t count)
{
    /* diff -u: a range of one line is its number alone; an empty one is
     * named by the line before it. */
    if (count == 1)
        return strbuf_appendf(sb, "%c%zu", sign, start + 1);
    return strbuf_appendf(sb, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

static int append_line(struct strbuf *sb, char op, const struct line *l)
{
    int r = strbuf_appendc(sb, op);
    if (r == 0)
        r = strbuf_append(sb, l->p, l->n);
    if (r == 0 && (l->n == 0 || l->p[l->n - 1] != '\n'))
        r = strbuf_appends(sb, "\n\\ No newline at end of file\n");
    return r;
}

static int emit_hunk(const struct side *a, const struct side *b, const char *ops, size_t from,
                     size_t to, size_t ai, size_t bi, struct strbuf *sb)
{
    size_t na = 0, nb = 0;
    for (size_t i = from; i < to; i++) {
        na += ops[i] != OP_ADD;
        nb += ops[i] != OP_DEL;
    }
    int r = strbuf_appends(sb, "@@ ");
    if (r == 0)
        r = append_range(sb, '-', ai, na);
    if (r == 0)
        r = strbuf_appendc(sb, ' ');
    if (r == 0)
        r = append_range(sb, '+', bi, nb);
    if (r == 0)
        r = strbuf_appends(sb, " @@\n");
    for (size_t i = from; r == 0 && i < to; i++) {
        r = append_line(sb, ops[i], ops[i] == OP_ADD ? &b->v[bi] : &a->v[ai]);
        ai += ops[i] != OP_ADD;
        bi += ops[i] != OP_DEL;
    }
    return r;
}

static int emit(const struct side *a, const struct side *b, const char *ops, size_t n,
                unsigned context, struct strbuf *sb)
{
    size_t ai = 0, bi = 0, i = 0;
    while (i < n) {
        if (ops[i] == OP_SAME) {
            ai++;
            bi++;
            i++;
            continue;
        }
        size_t from = i > context ? i - context : 0, back = i - from;
        /* from never reaches back into the previous hunk: that one ended
         * more than 2*context equal lines before this change. */
        size_t to = hunk_end(ops, n, i, context);
        int r = emit_hunk(a, b, ops, from, to, ai - back, bi - back, sb);
        if (r < 0)
            return r;
        for (; i < to; i++) {
            ai += ops[i] != OP_ADD;
            bi += ops[i] != OP_DEL;
        }
    }
    return 0;
}

int linediff_unified(const char *a, size_t alen, const char *b, size_t blen,
                     const struct linediff_limits *l, struct strbuf *sb)
{
    _cleanup_(side_done) struct side sa = {0}, sb_ = {0};
    if (split(a, alen, l->max_lines, &sa) < 0 || split(b, blen, l->max_lines, &sb_) < 0)
        return -E2BIG;
    size_t dmax = l->max_edits < sa.n + sb_.n ? l->max_edits : sa.n + sb_.n;
    _cleanup_free_ int32_t *v = xcalloc(2 * dmax + 3, sizeof(*v));
    _cleanup_free_ int32_t *trace = xcalloc((dmax + 1) * (dmax + 1), sizeof(*trace));
    struct myers m = {.a = &sa, .b = &sb_, .dmax = dmax, .v = v, .trace = trace};
    long d = search(&m);
    if (d < 0)
        return -E2BIG;
    if (d == 0)
        return 0;
    _cleanup_free_ char *ops = xmalloc(sa.n + sb_.n);
    size_t n = 0;
    walk_back(&m, d, ops, &n);
    return emit(&sa, &sb_, ops, n, l->context, sb);
}
