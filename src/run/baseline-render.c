/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text ags diff prints (baseline.h).  Names and contents are the
 * agent's: a name is always quoted into printable ASCII (as git quotes
 * them), so it cannot break a line or act on a terminal; content lines are
 * as they are for a pipe (a patch applies) and escaped for a terminal
 * (term_escape: a carriage return or an escape sequence is shown, never
 * obeyed, so a line cannot hide another).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "run/baseline.h"
#include "base/banned.h"

/* Text ags diff makes is bounded by what it shows: a file's diff is. */
#define TEXT_MAX (64u * 1024u * 1024u)

char *run_diff_quote_path(const char *path)
{
    size_t n = strlen(path);
    bool plain = true;
    for (size_t i = 0; i < n && plain; i++)
        plain = path[i] >= ' ' && path[i] <= '~' && path[i] != '"' && path[i] != '\\';
    if (plain)
        return xstrdup(path);
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, 4 * n + 3);
    int r = strbuf_appendc(&sb, '"');
    for (size_t i = 0; r == 0 && i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        const char *esc = c == '\n'   ? "\\n"
                          : c == '\t' ? "\\t"
                          : c == '"'  ? "\\\""
                          : c == '\\' ? "\\\\"
                                      : NULL;
        if (esc)
            r = strbuf_appends(&sb, esc);
        else if (c < ' ' || c > '~')
            r = strbuf_appendf(&sb, "\\%03o", c);
        else
            r = strbuf_appendc(&sb, (char)c);
    }
    if (r == 0)
        r = strbuf_appendc(&sb, '"');
    return strbuf_steal(&sb);
}

static const char *type_name(char t)
{
    switch (t) {
    case 'f':
        return "file";
    case 'd':
        return "directory";
    case 'l':
        return "symlink";
    case 'm':
        return "mount point";
    default:
        return "special file";
    }
}

static int what_line(struct strbuf *sb, const struct run_change *c)
{
    const struct run_change_side *o = &c->old, *n = &c->new;
    switch (c->kind) {
    case RUN_CHANGE_ADDED:
        return strbuf_appendf(sb, "new %s mode %04o\n", type_name(n->type), n->mode);
    case RUN_CHANGE_DELETED:
        return strbuf_appendf(sb, "deleted %s mode %04o\n", type_name(o->type), o->mode);
    case RUN_CHANGE_TYPE:
        return strbuf_appendf(sb, "type changed: %s -> %s\n", type_name(o->type),
                              type_name(n->type));
    case RUN_CHANGE_MODE:
        return strbuf_appendf(sb, "old mode %04o\nnew mode %04o\n", o->mode, n->mode);
    default:
        if (o->mode != n->mode && o->type != 'l')
            return strbuf_appendf(sb, "old mode %04o\nnew mode %04o\n", o->mode, n->mode);
        return 0;
    }
}

static int append_target(struct strbuf *sb, const char *label, const char *target)
{
    _cleanup_free_ char *q = run_diff_quote_path(target);
    return strbuf_appendf(sb, "%s %s\n", label, q);
}

static int content_lines(struct strbuf *sb, const struct run_change *c, const char *q, bool esc)
{
    const char *a = c->kind == RUN_CHANGE_ADDED ? "/dev/null" : "a/";
    const char *b = c->kind == RUN_CHANGE_DELETED ? "/dev/null" : "b/";
    switch (c->content) {
    case RUN_CONTENT_BINARY:
        return strbuf_appends(sb, "binary file differs\n");
    case RUN_CONTENT_TOO_LARGE:
        return strbuf_appends(sb, "modified (too large to show)\n");
    case RUN_CONTENT_NO_COPY:
        return strbuf_appendf(sb, "modified (size %llu -> %llu; no copy in the baseline)\n",
                              (unsigned long long)c->old.size, (unsigned long long)c->new.size);
    case RUN_CONTENT_DIFF:
        break;
    default:
        return 0;
    }
    if (c->diff_len == 0)
        return 0;
    int r = strbuf_appendf(sb, "--- %s%s\n+++ %s%s\n", a, a[0] == '/' ? "" : q, b,
                           b[0] == '/' ? "" : q);
    if (r < 0)
        return r;
    return esc ? term_escape(sb, c->diff, c->diff_len) : strbuf_append(sb, c->diff, c->diff_len);
}

char *run_diff_change_text(const struct run_change *c, bool escape)
{
    _cleanup_free_ char *q = run_diff_quote_path(c->path);
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, TEXT_MAX);
    int r = strbuf_appendf(&sb, "diff --ags a/%s b/%s\n", q, q);
    if (r == 0)
        r = what_line(&sb, c);
    if (r == 0 && c->old.target && c->kind != RUN_CHANGE_ADDED)
        r = append_target(&sb, "old target", c->old.target);
    if (r == 0 && c->new.target && c->kind != RUN_CHANGE_DELETED)
        r = append_target(&sb, "new target", c->new.target);
    if (r == 0)
        r = content_lines(&sb, c, q, escape);
    return strbuf_steal(&sb); /* full: what fits (a diff is bounded far below) */
}

char *run_diff_name_text(const struct run_change *c)
{
    static const char letters[] = {[RUN_CHANGE_ADDED] = 'A',
                                   [RUN_CHANGE_DELETED] = 'D',
                                   [RUN_CHANGE_MODIFIED] = 'M',
                                   [RUN_CHANGE_TYPE] = 'T',
                                   [RUN_CHANGE_MODE] = 'P'};
    _cleanup_free_ char *q = run_diff_quote_path(c->path);
    return xasprintf("%c\t%s%s\n", letters[c->kind], q,
                     (c->kind == RUN_CHANGE_ADDED ? c->new.type : c->old.type) == 'd' ? "/" : "");
}

static int head_lines(struct strbuf *sb, const struct run_diff_header *h)
{
    int r = 0;
    const char *bo = h->branch_old ? h->branch_old : "(detached)";
    const char *bn = h->branch_new ? h->branch_new : "(detached)";
    bool had = h->branch_old || h->commit_old, has = h->branch_new || h->commit_new;
    if (had && has && strcmp(bo, bn) != 0) {
        _cleanup_free_ char *a = term_escape_str(bo), *b = term_escape_str(bn);
        r = strbuf_appendf(sb, "# branch changed: %s -> %s\n", a, b);
    }
    const char *co = h->commit_old ? h->commit_old : "unknown";
    const char *cn = h->commit_new ? h->commit_new : "unknown";
    if (r == 0 && had && has && strcmp(co, cn) != 0) {
        _cleanup_free_ char *a = term_escape_str(co), *b = term_escape_str(cn);
        r = strbuf_appendf(sb, "# HEAD moved: %s -> %s\n", a, b);
    }
    if (r == 0 && had != has)
        r = strbuf_appendf(sb, "# git repository %s\n", had ? "gone" : "made");
    return r;
}

char *run_diff_header_text(const struct run_diff_header *h)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, TEXT_MAX);
    _cleanup_free_ char *wd = term_escape_str(h->workdir);
    char when[64] = "?";
    time_t t = (time_t)h->created;
    struct tm tm;
    if (localtime_r(&t, &tm))
        (void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    int r = strbuf_appendf(&sb, "# changes in %s since %s\n", wd, when);
    if (r == 0 && h->partial)
        r = strbuf_appends(&sb, "# the baseline is partial (the tree was beyond its bounds): "
                                "entries it lacks show as added\n");
    if (r == 0 && h->now_partial)
        r = strbuf_appends(&sb, "# the tree is now beyond the bounds of the walk: entries it "
                                "did not reach show as deleted\n");
    if (r == 0)
        r = head_lines(&sb, h);
    return strbuf_steal(&sb);
}

char *run_diff_counts_text(const struct run_diff_counts *n)
{
    return xasprintf("%zu added, %zu deleted, %zu modified, %zu type changed, %zu mode changed; "
                     "%zu lines added, %zu lines deleted\n",
                     n->added, n->deleted, n->modified, n->type, n->mode, n->lines_added,
                     n->lines_deleted);
}
