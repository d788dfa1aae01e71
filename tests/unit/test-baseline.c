/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The workspace baseline and ags diff (run/baseline.h) on real temp trees,
 * and the line diff under it (base/linediff.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/linediff.h"
#include "base/rmtree.h"
#include "base/strbuf.h"
#include "run/baseline.h"

/* ---- the line diff ---- */

static const struct linediff_limits lim3 = {1000, 100, 3};

static char *udiff(const char *a, const char *b, const struct linediff_limits *l, int *ret)
{
    struct strbuf sb;
    strbuf_init(&sb, 1 << 20);
    *ret = linediff_unified(a, strlen(a), b, strlen(b), l, &sb);
    return strbuf_steal(&sb);
}

static void test_linediff_one_changed_line_has_context(void **state)
{
    (void)state;
    int r;
    _cleanup_free_ char *d =
            udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", &lim3, &r);
    assert_int_equal(r, 0);
    assert_string_equal(d, "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

static void test_linediff_far_changes_are_two_hunks(void **state)
{
    (void)state;
    int r;
    _cleanup_free_ char *d =
            udiff("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "A\nb\nc\nd\ne\nf\ng\nh\ni\nJ\n",
                  &(struct linediff_limits){1000, 100, 1}, &r);
    assert_int_equal(r, 0);
    assert_string_equal(d, "@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -9,2 +9,2 @@\n i\n-j\n+J\n");
}

static void test_linediff_add_delete_and_no_newline(void **state)
{
    (void)state;
    int r;
    _cleanup_free_ char *d = udiff("", "x\ny", &lim3, &r);
    assert_int_equal(r, 0);
    assert_string_equal(d, "@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n");
    _cleanup_free_ char *e = udiff("x\n", "", &lim3, &r);
    assert_int_equal(r, 0);
    assert_string_equal(e, "@@ -1 +0,0 @@\n-x\n");
    _cleanup_free_ char *same = udiff("x\ny\n", "x\ny\n", &lim3, &r);
    assert_int_equal(r, 0);
    assert_string_equal(same, "");
}

static void test_linediff_beyond_the_bounds_is_e2big(void **state)
{
    (void)state;
    int r;
    free(udiff("a\nb\nc\nd\n", "1\n2\n3\n4\n", &(struct linediff_limits){1000, 5, 3}, &r));
    assert_int_equal(r, -E2BIG); /* 8 edits */
    free(udiff("a\nb\nc\n", "a\n", &(struct linediff_limits){2, 100, 3}, &r));
    assert_int_equal(r, -E2BIG); /* 3 lines */
}

/* ---- trees ---- */

struct fx {
    char root[64];
    char *work, *state, *dir;
};

static char *at(const struct fx *f, const char *rel)
{
    return xasprintf("%s/%s", f->work, rel);
}

static void put(const struct fx *f, const char *rel, const char *text)
{
    _cleanup_free_ char *p = at(f, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, text, strlen(text)), 0);
    close(fd);
}

static void mkd(const struct fx *f, const char *rel)
{
    _cleanup_free_ char *p = at(f, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof(*f));
    snprintf(f->root, sizeof(f->root), "/tmp/ags-test-baseline-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char *c = realpath(f->root, NULL);
    snprintf(f->root, sizeof(f->root), "%s", c);
    free(c);
    f->work = xasprintf("%s/work", f->root);
    f->state = xasprintf("%s/state", f->root);
    f->dir = xasprintf("%s/state/ags/sessions/0123456789abcdef", f->root);
    assert_int_equal(mkdir(f->work, 0755), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    assert_int_equal(rmtree(f->root, NULL), 0);
    free(f->work);
    free(f->state);
    free(f->dir);
    free(f);
    return 0;
}

static void record_lim(const struct fx *f, const struct run_baseline_limits *l,
                       struct run_baseline_stats *st)
{
    struct ags_error err = {0};
    int r = run_baseline_record_with(f->work, f->dir, l, st, &err);
    if (r < 0)
        fail_msg("record: %s", err.msg);
}

static void record(const struct fx *f)
{
    struct run_baseline_stats st;
    record_lim(f, &run_baseline_default_limits, &st);
}

/* After the record: a change's ctime is a later tick of the clock. */
static void tick(void)
{
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

struct seen {
    enum run_change_kind kind;
    char *path, *diff, *old_target, *new_target;
    enum run_change_content content;
    uint32_t old_mode, new_mode;
    char old_type, new_type;
};

struct seen_list {
    struct seen v[64];
    size_t n;
    struct run_diff_header h;
    bool partial, now_partial;
    char *branch_old, *branch_new, *commit_old, *commit_new;
    struct run_diff_counts counts;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void on_header(const struct run_diff_header *h, void *userdata)
{
    struct seen_list *l = userdata;
    l->partial = h->partial;
    l->now_partial = h->now_partial;
    l->branch_old = dup_or_null(h->branch_old);
    l->branch_new = dup_or_null(h->branch_new);
    l->commit_old = dup_or_null(h->commit_old);
    l->commit_new = dup_or_null(h->commit_new);
}

static int on_change(const struct run_change *c, void *userdata)
{
    struct seen_list *l = userdata;
    assert_true(l->n < 64);
    l->v[l->n++] = (struct seen){
            .kind = c->kind,
            .path = xstrdup(c->path),
            .diff = c->content == RUN_CONTENT_DIFF ? xstrndup(c->diff, c->diff_len) : NULL,
            .old_target = dup_or_null(c->old.target),
            .new_target = dup_or_null(c->new.target),
            .content = c->content,
            .old_mode = c->old.mode,
            .new_mode = c->new.mode,
            .old_type = c->old.type,
            .new_type = c->new.type,
    };
    return 0;
}

static void seen_done(struct seen_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].diff);
        free(l->v[i].old_target);
        free(l->v[i].new_target);
    }
    free(l->branch_old);
    free(l->branch_new);
    free(l->commit_old);
    free(l->commit_new);
}

static void diff(const struct fx *f, struct seen_list *l)
{
    *l = (struct seen_list){0};
    struct run_diff_opts o = {.text = true,
                              .header = on_header,
                              .change = on_change,
                              .userdata = l,
                              .counts = &l->counts};
    struct ags_error err = {0};
    int r = run_baseline_diff(f->dir, NULL, &o, &err);
    if (r < 0)
        fail_msg("diff: %s", err.msg);
}

static const struct seen *find(const struct seen_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return &l->v[i];
    return NULL;
}

static void test_unchanged_tree_has_no_changes(void **state)
{
    struct fx *f = *state;
    put(f, "a.txt", "hello\n");
    mkd(f, "sub");
    put(f, "sub/b.txt", "b\n");
    record(f);
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 0);
    seen_done(&l);
}

static void test_edit_add_delete_are_reported_with_unified_diffs(void **state)
{
    struct fx *f = *state;
    put(f, "edit.txt", "one\ntwo\nthree\n");
    put(f, "gone.txt", "bye\n");
    record(f);
    tick();
    put(f, "edit.txt", "one\n2\nthree\n");
    put(f, "new.txt", "fresh\n");
    _cleanup_free_ char *gone = at(f, "gone.txt");
    assert_int_equal(unlink(gone), 0);
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 3);
    const struct seen *e = find(&l, "edit.txt"), *n = find(&l, "new.txt"),
                      *g = find(&l, "gone.txt");
    assert_non_null(e);
    assert_int_equal(e->kind, RUN_CHANGE_MODIFIED);
    assert_string_equal(e->diff, "@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n");
    assert_int_equal(n->kind, RUN_CHANGE_ADDED);
    assert_string_equal(n->diff, "@@ -0,0 +1 @@\n+fresh\n");
    assert_int_equal(g->kind, RUN_CHANGE_DELETED);
    assert_string_equal(g->diff, "@@ -1 +0,0 @@\n-bye\n");
    assert_int_equal(l.counts.added, 1);
    assert_int_equal(l.counts.deleted, 1);
    assert_int_equal(l.counts.modified, 1);
    assert_int_equal(l.counts.lines_added, 2);
    assert_int_equal(l.counts.lines_deleted, 2);
    seen_done(&l);
}

static void test_chmod_is_a_mode_change(void **state)
{
    struct fx *f = *state;
    put(f, "run.sh", "echo\n");
    record(f);
    tick();
    _cleanup_free_ char *p = at(f, "run.sh");
    assert_int_equal(chmod(p, 0755), 0);
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].kind, RUN_CHANGE_MODE);
    assert_int_equal(l.v[0].old_mode, 0644);
    assert_int_equal(l.v[0].new_mode, 0755);
    seen_done(&l);
}

static void test_symlink_retarget_is_modified_and_never_followed(void **state)
{
    struct fx *f = *state;
    _cleanup_free_ char *link = at(f, "link");
    assert_int_equal(symlink("/etc", link), 0);
    record(f);
    tick();
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink("/usr", link), 0);
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].kind, RUN_CHANGE_MODIFIED);
    assert_string_equal(l.v[0].old_target, "/etc");
    assert_string_equal(l.v[0].new_target, "/usr");
    seen_done(&l);
}

static void test_file_to_directory_is_a_type_change(void **state)
{
    struct fx *f = *state;
    put(f, "x", "file\n");
    record(f);
    tick();
    _cleanup_free_ char *p = at(f, "x");
    assert_int_equal(unlink(p), 0);
    mkd(f, "x");
    put(f, "x/inner", "in\n");
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(must_get(find(&l, "x"))->kind, RUN_CHANGE_TYPE);
    assert_int_equal(must_get(find(&l, "x"))->old_type, 'f');
    assert_int_equal(must_get(find(&l, "x"))->new_type, 'd');
    assert_int_equal(must_get(find(&l, "x/inner"))->kind, RUN_CHANGE_ADDED);
    seen_done(&l);
}

static void test_edit_with_mtime_restored_is_still_seen(void **state)
{
    struct fx *f = *state;
    put(f, "quiet.txt", "aaaa\n");
    _cleanup_free_ char *p = at(f, "quiet.txt");
    struct stat before;
    assert_int_equal(stat(p, &before), 0);
    record(f);
    tick();
    put(f, "quiet.txt", "bbbb\n"); /* same size, same inode */
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, p, times, 0), 0);
    struct stat after;
    assert_int_equal(stat(p, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].kind, RUN_CHANGE_MODIFIED);
    assert_string_equal(l.v[0].diff, "@@ -1 +1 @@\n-aaaa\n+bbbb\n");
    seen_done(&l);
}

static void test_touch_without_edit_is_no_change(void **state)
{
    struct fx *f = *state;
    put(f, "same.txt", "same\n");
    record(f);
    tick();
    put(f, "same.txt", "same\n"); /* rewritten, same content */
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 0);
    seen_done(&l);
}

static void test_binary_file_is_hashed_not_stored_and_differs(void **state)
{
    struct fx *f = *state;
    _cleanup_free_ char *p = at(f, "bin");
    assert_int_equal(write_file_atomic(p, "a\0b", 3, 0644, NULL), 0);
    struct run_baseline_stats st;
    record_lim(f, &run_baseline_default_limits, &st);
    assert_int_equal(st.stored_bytes, 0); /* hashed, not stored */
    tick();
    assert_int_equal(write_file_atomic(p, "a\0c", 3, 0644, NULL), 0);
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].content, RUN_CONTENT_BINARY);
    seen_done(&l);
}

static void test_big_file_without_copy_says_sizes(void **state)
{
    struct fx *f = *state;
    put(f, "big.txt", "0123456789abcdef0123\n");
    put(f, "small.txt", "s\n");
    struct run_baseline_limits l16 = {1000, 1 << 20, 16};
    struct run_baseline_stats st;
    record_lim(f, &l16, &st);
    assert_int_equal(st.copied_files, 1);
    tick();
    put(f, "big.txt", "short\n");
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].content, RUN_CONTENT_NO_COPY);
    struct run_change c = {.kind = RUN_CHANGE_MODIFIED,
                           .path = "big.txt",
                           .old = {'f', 0644, 21, NULL},
                           .new = {'f', 0644, 6, NULL},
                           .content = RUN_CONTENT_NO_COPY};
    _cleanup_free_ char *text = run_diff_change_text(&c, false);
    assert_non_null(strstr(text, "modified (size 21 -> 6; no copy in the baseline)\n"));
    seen_done(&l);
}

static void test_names_with_newlines_and_escapes(void **state)
{
    struct fx *f = *state;
    record(f);
    put(f, "a\nb\x1b[31m", "x\n");
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].path, "a\nb\x1b[31m");
    _cleanup_free_ char *q = run_diff_quote_path(l.v[0].path);
    assert_string_equal(q, "\"a\\nb\\033[31m\"");
    _cleanup_free_ char *plain = run_diff_quote_path("dir/file name.c");
    assert_string_equal(plain, "dir/file name.c");
    seen_done(&l);
}

static void test_terminal_text_shows_control_bytes(void **state)
{
    (void)state;
    const char *d = "@@ -1 +1 @@\n-ok\n+evil\r+fine\n";
    struct run_change c = {.kind = RUN_CHANGE_MODIFIED,
                           .path = "f",
                           .old = {'f', 0644, 3, NULL},
                           .new = {'f', 0644, 11, NULL},
                           .content = RUN_CONTENT_DIFF,
                           .diff = d,
                           .diff_len = strlen(d)};
    _cleanup_free_ char *tty = run_diff_change_text(&c, true);
    _cleanup_free_ char *pipe = run_diff_change_text(&c, false);
    assert_non_null(strstr(tty, "+evil\\x0d+fine\n"));
    assert_non_null(strstr(pipe, "+evil\r+fine\n"));
    assert_non_null(strstr(pipe, "--- a/f\n+++ b/f\n"));
}

/* A .git/config whose fsmonitor and hooksPath scripts would leave a marker:
 * neither record nor diff runs them (no git is ever run); .git's contents
 * are not reported, HEAD's move is. */
static void test_planted_git_config_never_runs(void **state)
{
    struct fx *f = *state;
    _cleanup_free_ char *marker = xasprintf("%s/marker", f->root);
    _cleanup_free_ char *script = xasprintf("#!/bin/sh\ntouch %s\n", marker);
    mkd(f, ".git");
    mkd(f, ".git/objects");
    mkd(f, ".git/refs");
    mkd(f, ".git/refs/heads");
    mkd(f, ".git/hooks");
    put(f, ".git/HEAD", "ref: refs/heads/main\n");
    put(f, ".git/refs/heads/main", "1111111111111111111111111111111111111111\n");
    put(f, ".git/fsmonitor.sh", script);
    put(f, ".git/hooks/post-checkout", script);
    _cleanup_free_ char *s1 = at(f, ".git/fsmonitor.sh"), *s2 = at(f, ".git/hooks/post-checkout");
    chmod(s1, 0755);
    chmod(s2, 0755);
    _cleanup_free_ char *cfg =
            xasprintf("[core]\n\tfsmonitor = %s\n\thooksPath = %s/.git/hooks\n", s1, f->work);
    put(f, ".git/config", cfg);
    put(f, "tracked.c", "int x;\n");
    record(f);
    tick();
    put(f, ".git/refs/heads/main", "2222222222222222222222222222222222222222\n");
    put(f, ".git/config", "[core]\n\tbare = false\n");
    put(f, "tracked.c", "int y;\n");
    struct seen_list l;
    diff(f, &l);
    assert_int_equal(access(marker, F_OK), -1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].path, "tracked.c");
    assert_string_equal(l.branch_old, "refs/heads/main");
    assert_string_equal(l.commit_old, "1111111111111111111111111111111111111111");
    assert_string_equal(l.commit_new, "2222222222222222222222222222222222222222");
    struct run_diff_header h = {.workdir = f->work,
                                .branch_old = l.branch_old,
                                .branch_new = l.branch_new,
                                .commit_old = l.commit_old,
                                .commit_new = l.commit_new};
    _cleanup_free_ char *text = run_diff_header_text(&h);
    assert_non_null(strstr(text, "# HEAD moved: 1111111111111111111111111111111111111111 -> "
                                 "2222222222222222222222222222222222222222\n"));
    seen_done(&l);
}

static void test_symlinked_sessions_dir_is_refused(void **state)
{
    struct fx *f = *state;
    _cleanup_free_ char *ags = xasprintf("%s/state/ags", f->root);
    _cleanup_free_ char *elsewhere = xasprintf("%s/elsewhere", f->root);
    _cleanup_free_ char *sessions = xasprintf("%s/sessions", ags);
    assert_int_equal(mkdir_parents(ags, 0700, NULL), 0);
    assert_int_equal(mkdir(elsewhere, 0700), 0);
    assert_int_equal(symlink(elsewhere, sessions), 0);
    struct ags_error err = {0};
    int r = run_baseline_record(f->work, f->dir, NULL, &err);
    assert_true(r == -ELOOP || r == -ENOTDIR); /* O_DIRECTORY|O_NOFOLLOW on a symlink */
    assert_non_null(strstr(err.msg, "symlink"));
    _cleanup_free_ char *in = xasprintf("%s/0123456789abcdef", elsewhere);
    assert_int_equal(access(in, F_OK), -1);
}

static void test_existing_baseline_is_never_replaced(void **state)
{
    struct fx *f = *state;
    record(f);
    struct ags_error err = {0};
    assert_true(run_baseline_record(f->work, f->dir, NULL, &err) < 0);
}

static void test_entry_cap_gives_a_partial_manifest(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 6; i++) {
        _cleanup_free_ char *name = xasprintf("f%d", i);
        put(f, name, "x\n");
    }
    struct run_baseline_limits l3 = {3, 1 << 20, 1 << 16};
    struct run_baseline_stats st;
    record_lim(f, &l3, &st);
    assert_true(st.partial);
    assert_int_equal(st.entries, 3);
    struct seen_list l;
    diff(f, &l);
    assert_true(l.partial);
    assert_int_equal(l.counts.added, 3); /* those the baseline lacks */
    seen_done(&l);
}

static void test_duplicates_are_stored_once(void **state)
{
    struct fx *f = *state;
    put(f, "a", "same content\n");
    put(f, "b", "same content\n");
    struct run_baseline_stats st;
    record_lim(f, &run_baseline_default_limits, &st);
    assert_int_equal(st.copied_files, 2);
    assert_int_equal(st.stored_bytes, strlen("same content\n"));
}

static void write_manifest(const struct fx *f, const char *text)
{
    _cleanup_free_ char *m = xasprintf("%s/manifest", f->dir);
    assert_int_equal(write_file_atomic(m, text, strlen(text), 0600, NULL), 0);
}

static void test_corrupt_manifest_is_an_error(void **state)
{
    struct fx *f = *state;
    put(f, "a", "a\n");
    record(f);
    _cleanup_free_ char *wd = NULL;
    assert_int_equal(run_baseline_workdir(f->dir, &wd, NULL), 0);
    assert_string_equal(wd, f->work);
    _cleanup_free_ char *head =
            xasprintf("ags-baseline 1\nworkdir %s\ncreated 1\nhead - -\n", f->work);
    const char *bad[] = {
            "",
            "e f 644 2 1 1 1 - a\npartial 0\nend 1\n",   /* well-formed */
            "e f 644 2 1 1 1 - a\npartial 0\nend 2\n",   /* count */
            "e f 999 2 1 1 1 - a\npartial 0\nend 1\n",   /* mode */
            "e q 644 2 1 1 1 - a\npartial 0\nend 1\n",   /* type */
            "e l 777 2 1 1 1 - a\npartial 0\nend 1\n",   /* symlink without target */
            "e f 644 -2 1 1 1 - a\npartial 0\nend 1\n",  /* size */
            "e f 644 2 1 1 1 abc a\npartial 0\nend 1\n", /* sha */
            "e f 644 2 1 1 1 - %zz\npartial 0\nend 1\n", /* encoding */
            "e f 644 2 1 1 1 - a\ne f 644 2 1 1 1 - a\npartial 0\nend 2\n", /* twice */
            "e f 644 2 1 1 1 - a\npartial 0\n",                             /* truncated */
            "e f 644 2 1 1 1 - a\npartial 0\nend 1",                        /* no last newline */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        _cleanup_free_ char *text = xasprintf("%s%s", i == 0 ? "ags-baseline 2\n" : head, bad[i]);
        write_manifest(f, text);
        struct seen_list l = {0};
        struct run_diff_opts o = {.change = on_change, .userdata = &l};
        struct ags_error err = {0};
        int r = run_baseline_diff(f->dir, NULL, &o, &err);
        if (i == 1)
            assert_int_equal(r, 0); /* the one well-formed line */
        else
            assert_int_equal(r, -EBADMSG);
        seen_done(&l);
    }
}

static void test_no_baseline_is_enoent(void **state)
{
    struct fx *f = *state;
    struct run_diff_opts o = {0};
    assert_int_equal(run_baseline_diff(f->dir, NULL, &o, NULL), -ENOENT);
    _cleanup_free_ char *wd = NULL;
    assert_int_equal(run_baseline_workdir(f->dir, &wd, NULL), -ENOENT);
}

static void test_remove_never_follows_a_symlink(void **state)
{
    struct fx *f = *state;
    put(f, "keep", "k\n");
    record(f);
    _cleanup_free_ char *planted = xasprintf("%s/objects/link", f->dir);
    assert_int_equal(symlink(f->work, planted), 0);
    assert_int_equal(run_baseline_remove(f->dir), 0);
    assert_int_equal(access(f->dir, F_OK), -1);
    _cleanup_free_ char *keep = at(f, "keep");
    assert_int_equal(access(keep, F_OK), 0);
    assert_int_equal(run_baseline_remove(f->dir), 0); /* gone is fine */
}

static const char *fake_env(const char *name)
{
    if (strcmp(name, "XDG_STATE_HOME") == 0)
        return "/state";
    if (strcmp(name, "HOME") == 0)
        return "/home/u";
    return NULL;
}

static void test_baseline_dir_takes_only_session_ids(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = NULL;
    assert_int_equal(run_baseline_dir(fake_env, "a1B2-c_3", &dir, NULL), 0);
    assert_string_equal(dir, "/state/ags/sessions/a1B2-c_3");
    const char *bad[] = {"",
                         "../x",
                         "a/b",
                         ".",
                         "a b",
                         "x\n",
                         "0123456789012345678901234567890123456789012345678901234567890123x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *d = NULL;
        assert_int_equal(run_baseline_dir(fake_env, bad[i], &d, NULL), -EINVAL);
        assert_null(d);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_linediff_one_changed_line_has_context),
            cmocka_unit_test(test_linediff_far_changes_are_two_hunks),
            cmocka_unit_test(test_linediff_add_delete_and_no_newline),
            cmocka_unit_test(test_linediff_beyond_the_bounds_is_e2big),
            T(test_unchanged_tree_has_no_changes),
            T(test_edit_add_delete_are_reported_with_unified_diffs),
            T(test_chmod_is_a_mode_change),
            T(test_symlink_retarget_is_modified_and_never_followed),
            T(test_file_to_directory_is_a_type_change),
            T(test_edit_with_mtime_restored_is_still_seen),
            T(test_touch_without_edit_is_no_change),
            T(test_binary_file_is_hashed_not_stored_and_differs),
            T(test_big_file_without_copy_says_sizes),
            T(test_names_with_newlines_and_escapes),
            cmocka_unit_test(test_terminal_text_shows_control_bytes),
            T(test_planted_git_config_never_runs),
            T(test_symlinked_sessions_dir_is_refused),
            T(test_existing_baseline_is_never_replaced),
            T(test_entry_cap_gives_a_partial_manifest),
            T(test_duplicates_are_stored_once),
            T(test_corrupt_manifest_is_an_error),
            T(test_no_baseline_is_enoent),
            T(test_remove_never_follows_a_symlink),
            cmocka_unit_test(test_baseline_dir_takes_only_session_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
