/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags diff: the work tree now against its baseline (baseline.h).  An entry
 * is unchanged when its type, mode, size, inode and ctime are: the agent can
 * set a file's mtime back (utimensat) but not its ctime (that takes the
 * clock), so an edit hidden that way is still seen.  A regular file whose
 * ctime or inode changed is compared by content when the baseline holds a
 * copy: the same content (a touch, an editor's save of the same text) is no
 * change; without a copy it is "modified" with both sizes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/linediff.h"
#include "run/baseline-internal.h"
#include "run/gitdirs.h"
#include "base/banned.h"

/* The unified diff of one file: both sides' lines with a sign each. */
#define DIFF_TEXT_MAX (2u * AGS_BASELINE_COPY_FILE_MAX + 4u * AGS_DIFF_MAX_LINES + 4096u)

struct tree {
    struct bl_entry *v;
    size_t n, cap;
};

static void tree_done(struct tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        bl_entry_done(&t->v[i]);
    free(t->v);
}

static int collect(struct bl_walk *w, int dfd, const char *name, struct bl_entry *e)
{
    (void)dfd;
    (void)name;
    struct tree *t = w->userdata;
    t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
    t->v[t->n] = *e;
    t->v[t->n].path = xstrdup(e->path);
    t->v[t->n].target = e->target ? xstrdup(e->target) : NULL;
    t->n++;
    return 0;
}

struct differ {
    const struct run_diff_opts *o;
    int wfd, ofd; /* the work tree, the baseline's objects */
    struct run_diff_counts n;
};

/* A file of the tree now, up to a copy's bound: -EFBIG beyond. */
static int read_now(const struct differ *d, const char *path, char **ret, size_t *ret_len)
{
    int fd = bl_open_below(d->wfd, path);
    if (fd < 0)
        return fd;
    int r = read_fd_bounded(fd, AGS_BASELINE_COPY_FILE_MAX, ret, ret_len, NULL);
    (void)close(fd);
    return r;
}

static int read_copy(const struct differ *d, const struct bl_entry *e, char **ret, size_t *ret_len)
{
    char hex[SHA256_HEX_SIZE];
    sha256_hex_of(e->sha, hex);
    return read_regular_file_at(d->ofd, hex, hex, AGS_BASELINE_COPY_FILE_MAX, ret, ret_len, NULL,
                                NULL);
}

static bool binary(const char *p, size_t n)
{
    return memchr(p, '\0', n < BL_BINARY_PROBE ? n : BL_BINARY_PROBE) != NULL;
}

static void count_lines(const char *t, struct run_diff_counts *n)
{
    for (const char *l = t; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        n->lines_added += l[0] == '+';
        n->lines_deleted += l[0] == '-';
    }
}

/* c's content from a[alen] to b[blen], then the callback. */
static int report_text(struct differ *d, struct run_change *c, const char *a, size_t alen,
                       const char *b, size_t blen)
{
    static const struct linediff_limits lim = {AGS_DIFF_MAX_LINES, AGS_DIFF_MAX_EDITS, 3};
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, DIFF_TEXT_MAX);
    if (binary(a, alen) || binary(b, blen)) {
        c->content = RUN_CONTENT_BINARY;
    } else if (linediff_unified(a, alen, b, blen, &lim, &sb) < 0) {
        c->content = RUN_CONTENT_TOO_LARGE;
    } else {
        c->content = RUN_CONTENT_DIFF;
        c->diff = sb.buf;
        c->diff_len = sb.len;
        count_lines(sb.buf, &d->n);
    }
    return d->o->change ? d->o->change(c, d->o->userdata) : 0;
}

static int report(struct differ *d, struct run_change *c)
{
    return d->o->change ? d->o->change(c, d->o->userdata) : 0;
}

static struct run_change_side side_of(const struct bl_entry *e)
{
    return (struct run_change_side){e->type, e->mode, e->size, e->target};
}

static int added(struct differ *d, const struct bl_entry *e)
{
    struct run_change c = {.kind = RUN_CHANGE_ADDED, .path = e->path, .new = side_of(e)};
    d->n.added++;
    _cleanup_free_ char *now = NULL;
    size_t len = 0;
    if (e->type != 'f' || !d->o->text)
        return report(d, &c);
    if (read_now(d, e->path, &now, &len) < 0) {
        c.content = RUN_CONTENT_TOO_LARGE;
        return report(d, &c);
    }
    return report_text(d, &c, "", 0, now, len);
}

static int deleted(struct differ *d, const struct bl_entry *e)
{
    struct run_change c = {.kind = RUN_CHANGE_DELETED, .path = e->path, .old = side_of(e)};
    d->n.deleted++;
    _cleanup_free_ char *then = NULL;
    size_t len = 0;
    if (e->type != 'f' || !d->o->text)
        return report(d, &c);
    if (!e->has_sha || read_copy(d, e, &then, &len) < 0) {
        c.content = e->has_sha ? RUN_CONTENT_BINARY : RUN_CONTENT_NO_COPY;
        return report(d, &c);
    }
    return report_text(d, &c, then, len, "", 0);
}

static bool same_meta(const struct bl_entry *a, const struct bl_entry *b)
{
    return a->mode == b->mode && a->size == b->size && a->ino == b->ino &&
           a->ctime_ns == b->ctime_ns;
}

/* A regular file whose metadata changed. */
static int file_changed(struct differ *d, const struct bl_entry *o, const struct bl_entry *e,
                        struct run_change *c)
{
    _cleanup_free_ char *now = NULL, *then = NULL;
    size_t nlen = 0, tlen = 0;
    if (!o->has_sha) {
        c->content = RUN_CONTENT_NO_COPY;
        d->n.modified++;
        return report(d, c);
    }
    int r = read_now(d, e->path, &now, &nlen);
    uint8_t sha[SHA256_DIGEST_SIZE];
    if (r == 0)
        sha256(now, nlen, sha);
    if (r == 0 && memcmp(sha, o->sha, sizeof(sha)) == 0) {
        if (o->mode == e->mode)
            return 0; /* the same content: touched, or saved unchanged */
        c->kind = RUN_CHANGE_MODE;
        d->n.mode++;
        return report(d, c);
    }
    d->n.modified++;
    if (r < 0 || !d->o->text) {
        c->content = r < 0 ? RUN_CONTENT_TOO_LARGE : RUN_CONTENT_NONE;
        return report(d, c);
    }
    if (read_copy(d, o, &then, &tlen) < 0) {
        c->content = RUN_CONTENT_BINARY; /* hashed, not stored: it was binary */
        return report(d, c);
    }
    return report_text(d, c, then, tlen, now, nlen);
}

static int compare(struct differ *d, const struct bl_entry *o, const struct bl_entry *e)
{
    struct run_change c = {
            .kind = RUN_CHANGE_MODIFIED, .path = e->path, .old = side_of(o), .new = side_of(e)};
    if (o->type != e->type) {
        c.kind = RUN_CHANGE_TYPE;
        d->n.type++;
        return report(d, &c);
    }
    if (o->type == 'f')
        return same_meta(o, e) ? 0 : file_changed(d, o, e, &c);
    if (o->type == 'l' && strcmp(o->target, e->target) != 0) {
        d->n.modified++;
        return report(d, &c);
    }
    if (o->type == 'l' || o->mode == e->mode)
        return 0;
    c.kind = RUN_CHANGE_MODE;
    d->n.mode++;
    return report(d, &c);
}

static int merge(struct differ *d, const struct bl_manifest *m, const struct tree *t)
{
    size_t i = 0, j = 0;
    int r = 0;
    while (r >= 0 && (i < m->n || j < t->n)) {
        int cmp = i == m->n ? 1 : j == t->n ? -1 : strcmp(m->v[i].path, t->v[j].path);
        if (cmp < 0)
            r = deleted(d, &m->v[i++]);
        else if (cmp > 0)
            r = added(d, &t->v[j++]);
        else
            r = compare(d, &m->v[i++], &t->v[j++]);
    }
    return r;
}

static int load(int dfd, const char *dir, struct bl_manifest *m, struct ags_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_regular_file_at(dfd, BL_MANIFEST, BL_MANIFEST, BL_MANIFEST_MAX, &text, &len, NULL,
                                 err);
    if (r == -ENOENT)
        return ags_error_set(err, -ENOENT, "no baseline in %s", dir);
    if (r < 0)
        return r;
    return bl_manifest_parse(text, len, false, m, err);
}

/* Everything after the manifest: the tree now and the comparison. */
static int diff_tree(struct differ *d, const struct bl_manifest *m, const char *wd,
                     struct ags_error *err)
{
    _cleanup_(tree_done) struct tree t = {0};
    struct bl_walk w = {.max_entries = AGS_BASELINE_MAX_ENTRIES, .entry = collect, .userdata = &t};
    int r = bl_walk(&w, fcntl(d->wfd, F_DUPFD_CLOEXEC, 0));
    if (r < 0)
        return ags_error_set(err, r, "cannot walk %s: %s", wd, strerror(-r));
    if (t.n)
        qsort(t.v, t.n, sizeof(*t.v), bl_entry_cmp);
    _cleanup_free_ char *branch = NULL, *commit = NULL;
    gitdirs_head(wd, geteuid(), &branch, &commit);
    struct run_diff_header h = {.workdir = wd,
                                .created = m->created,
                                .entries = m->n,
                                .partial = m->partial,
                                .now_partial = w.partial,
                                .branch_old = m->branch,
                                .branch_new = branch,
                                .commit_old = m->commit,
                                .commit_new = commit};
    if (d->o->header)
        d->o->header(&h, d->o->userdata);
    r = merge(d, m, &t);
    if (d->o->counts)
        *d->o->counts = d->n;
    return r < 0 ? ags_error_set(err, r, "ags diff stopped: %s", strerror(-r)) : 0;
}

int run_baseline_diff(const char *dir, const char *workdir, const struct run_diff_opts *o,
                      struct ags_error *err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return ags_error_set(err, errno == ENOENT ? -ENOENT : -errno, "no baseline in %s: %m", dir);
    _cleanup_(bl_manifest_done) struct bl_manifest m = {0};
    int r = load(dfd, dir, &m, err);
    if (r < 0)
        return r;
    const char *wd = workdir ? workdir : m.workdir;
    _cleanup_close_ int wfd = open(wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int ofd =
            openat(dfd, BL_OBJECTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (wfd < 0 || ofd < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", wfd < 0 ? wd : "its objects");
    struct differ d = {.o = o, .wfd = wfd, .ofd = ofd};
    return diff_tree(&d, &m, wd, err);
}
