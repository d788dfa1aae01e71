/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The baseline's manifest (baseline.h): text, one line each, every name
 * percent-encoded (str_pct_encode: any byte but NUL, no blank), so a line
 * is a fixed number of blank-separated words:
 *
 *   ags-baseline 1
 *   workdir <pct>
 *   created <seconds>
 *   head <branch pct|-> <commit|->
 *   e <type> <mode octal> <size> <ino> <mtime ns> <ctime ns> <sha256|-> <path pct> [<target pct>]
 *   ...
 *   partial 0|1
 *   end <entries>
 *
 * ags writes it, but it lies in a directory of the user's that may have been
 * damaged: it is parsed strictly and anything out of form is -EBADMSG.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "base/strutil.h"
#include "run/baseline-internal.h"
#include "base/banned.h"

#define MAX_WORDS 11

static int append_pct(struct strbuf *sb, const char *s)
{
    if (!s)
        return strbuf_appends(sb, " -");
    _cleanup_free_ char *enc = str_pct_encode(s);
    int r = strbuf_appendc(sb, ' ');
    return r < 0 ? r : strbuf_appends(sb, enc);
}

int bl_manifest_header(struct strbuf *sb, const char *workdir, int64_t created, const char *branch,
                       const char *commit)
{
    _cleanup_free_ char *wd = str_pct_encode(workdir);
    int r = strbuf_appendf(sb, BL_MAGIC "\nworkdir %s\ncreated %lld\nhead", wd, (long long)created);
    if (r == 0)
        r = append_pct(sb, branch);
    if (r == 0)
        r = append_pct(sb, commit);
    return r < 0 ? r : strbuf_appendc(sb, '\n');
}

int bl_manifest_entry(struct strbuf *sb, const struct bl_entry *e)
{
    char sha[SHA256_HEX_SIZE] = "-";
    if (e->has_sha)
        sha256_hex_of(e->sha, sha);
    int r = strbuf_appendf(sb, "e %c %o %llu %llu %lld %lld %s", e->type, (unsigned)e->mode,
                           (unsigned long long)e->size, (unsigned long long)e->ino,
                           (long long)e->mtime_ns, (long long)e->ctime_ns, sha);
    if (r == 0)
        r = append_pct(sb, e->path);
    if (r == 0 && e->target)
        r = append_pct(sb, e->target);
    return r < 0 ? r : strbuf_appendc(sb, '\n');
}

int bl_manifest_footer(struct strbuf *sb, bool partial, size_t entries)
{
    return strbuf_appendf(sb, "partial %d\nend %zu\n", partial ? 1 : 0, entries);
}

void bl_manifest_done(struct bl_manifest *m)
{
    free(m->workdir);
    free(m->branch);
    free(m->commit);
    for (size_t i = 0; i < m->n; i++)
        bl_entry_done(&m->v[i]);
    free(m->v);
    *m = (struct bl_manifest){0};
}

int bl_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct bl_entry *)a)->path, ((const struct bl_entry *)b)->path);
}

/* The lines of the text, one at a time, split into words in place. */
struct cursor {
    char *p, *end;
    char *w[MAX_WORDS];
    size_t nw;
    size_t line; /* of the last line read */
};

static bool next_line(struct cursor *c)
{
    if (c->p >= c->end)
        return false;
    char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!nl)
        return false; /* every line ends with a newline */
    *nl = '\0';
    c->nw = 0;
    c->line++;
    for (char *s = c->p; *s && c->nw < MAX_WORDS; c->nw++) {
        c->w[c->nw] = s;
        s += strcspn(s, " ");
        if (*s)
            *s++ = '\0';
    }
    c->p = nl + 1;
    return true;
}

static bool words_are(const struct cursor *c, const char *first, size_t n)
{
    return c->nw == n && strcmp(c->w[0], first) == 0;
}

static int decode_opt(const char *w, char **ret)
{
    *ret = NULL;
    if (strcmp(w, "-") == 0)
        return 0;
    return str_pct_decode(w, ret) < 0 || !**ret ? -EBADMSG : 0;
}

static int parse_mode(const char *s, uint32_t *ret)
{
    uint32_t v = 0;
    size_t n = strspn(s, "01234567");
    if (n == 0 || n > 4 || s[n])
        return -EBADMSG;
    for (size_t i = 0; i < n; i++)
        v = v * 8 + (uint32_t)(s[i] - '0');
    *ret = v;
    return 0;
}

static int parse_sha(const char *s, struct bl_entry *e)
{
    if (strcmp(s, "-") == 0)
        return 0;
    if (strlen(s) != 2 * SHA256_DIGEST_SIZE)
        return -EBADMSG;
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
        int hi = hex_digit_value(s[2 * i]), lo = hex_digit_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EBADMSG;
        e->sha[i] = (uint8_t)(hi * 16 + lo);
    }
    e->has_sha = true;
    return 0;
}

static int parse_entry(const struct cursor *c, struct bl_entry *e)
{
    *e = (struct bl_entry){0};
    if (c->nw < 9 || c->nw > 10 || strcmp(c->w[0], "e") != 0 || strlen(c->w[1]) != 1 ||
        !strchr("fdlom", c->w[1][0]))
        return -EBADMSG;
    e->type = c->w[1][0];
    if (parse_mode(c->w[2], &e->mode) < 0 || parse_u64(c->w[3], &e->size) < 0 ||
        parse_u64(c->w[4], &e->ino) < 0 || parse_i64(c->w[5], &e->mtime_ns) < 0 ||
        parse_i64(c->w[6], &e->ctime_ns) < 0 || parse_sha(c->w[7], e) < 0 ||
        decode_opt(c->w[8], &e->path) < 0 || !e->path ||
        (c->nw == 10 && decode_opt(c->w[9], &e->target) < 0))
        return -EBADMSG;
    /* A symlink has its target, nothing else has one. */
    return (e->type == 'l') == (e->target != NULL) ? 0 : -EBADMSG;
}

static int parse_header(struct cursor *c, struct bl_manifest *m)
{
    if (!next_line(c) || !words_are(c, "ags-baseline", 2) || strcmp(c->w[1], "1") != 0)
        return -EBADMSG;
    if (!next_line(c) || !words_are(c, "workdir", 2) || decode_opt(c->w[1], &m->workdir) < 0 ||
        !m->workdir || m->workdir[0] != '/')
        return -EBADMSG;
    if (!next_line(c) || !words_are(c, "created", 2) || parse_i64(c->w[1], &m->created) < 0)
        return -EBADMSG;
    if (!next_line(c) || !words_are(c, "head", 3) || decode_opt(c->w[1], &m->branch) < 0 ||
        decode_opt(c->w[2], &m->commit) < 0)
        return -EBADMSG;
    return 0;
}

static int parse_entries(struct cursor *c, struct bl_manifest *m)
{
    size_t cap = 0;
    while (next_line(c) && c->nw > 0 && strcmp(c->w[0], "e") == 0) {
        if (m->n >= AGS_BASELINE_MAX_ENTRIES)
            return -EBADMSG;
        m->v = xgrow(m->v, &cap, m->n + 1, sizeof(*m->v));
        if (parse_entry(c, &m->v[m->n]) < 0) {
            bl_entry_done(&m->v[m->n]);
            return -EBADMSG;
        }
        m->n++;
    }
    uint64_t count = 0;
    if (!words_are(c, "partial", 2) || strlen(c->w[1]) != 1 || !strchr("01", c->w[1][0]))
        return -EBADMSG;
    m->partial = c->w[1][0] == '1';
    if (!next_line(c) || !words_are(c, "end", 2) || parse_u64(c->w[1], &count) < 0 ||
        count != m->n || c->p != c->end)
        return -EBADMSG;
    if (m->n)
        qsort(m->v, m->n, sizeof(*m->v), bl_entry_cmp);
    for (size_t i = 1; i < m->n; i++)
        if (strcmp(m->v[i - 1].path, m->v[i].path) == 0)
            return -EBADMSG;
    return 0;
}

int bl_manifest_parse(const char *text, size_t len, bool header_only, struct bl_manifest *ret,
                      struct ags_error *err)
{
    *ret = (struct bl_manifest){0};
    _cleanup_free_ char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    struct cursor c = {.p = copy, .end = copy + len};
    int r = strlen(copy) != len ? -EBADMSG : parse_header(&c, ret);
    if (r == 0 && !header_only)
        r = parse_entries(&c, ret);
    if (r < 0) {
        bl_manifest_done(ret);
        return ags_error_set(err, -EBADMSG, "the baseline's manifest is damaged (line %zu)",
                             c.line);
    }
    return 0;
}
