/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags df and ags prune (run/prune.c, run/prune-dirs.c, base/du.c): which
 * engine objects are ags's, who uses them, what prune and prune --all
 * remove, from injected lists; the staging and cache directories and the
 * bounded, symlink-proof size walk on a scratch tree.
 */
#include <errno.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/du.h"
#include "base/strv.h"
#include "run/internal.h"
#include "run/stage.h"

#define IMAGE "localhost/ags:latest"

/* Owner labels the fake state function understands. */
#define LIVE    "ags.owner=live"
#define DEAD    "ags.owner=dead"
#define UNKNOWN "ags.owner=unknown"
#define REBOOT  "ags.owner=reboot" /* proven dead by a new boot: not while in use */

static enum procid_state fake_state(const char *owner, bool in_use, void *userdata)
{
    (void)userdata;
    if (strcmp(owner, "dead") == 0)
        return PROCID_DEAD;
    if (strcmp(owner, "reboot") == 0)
        return in_use ? PROCID_UNKNOWN : PROCID_DEAD;
    return strcmp(owner, "live") == 0 ? PROCID_ALIVE : PROCID_UNKNOWN;
}

static const struct run_owned_facts facts = {.image = IMAGE, .owner_state = fake_state};

/* strv from a '|'-separated list ("" = empty). */
static char **split(const char *s)
{
    struct strv_builder b = {0};
    while (s && *s) {
        const char *bar = strchr(s, '|');
        size_t n = bar ? (size_t)(bar - s) : strlen(s);
        strv_builder_push(&b, xstrndup(s, n));
        s = bar ? bar + 1 : s + n;
    }
    return strv_builder_steal(&b);
}

static void add(struct backend_objects *o, enum backend_object_kind kind, const char *id,
                const char *labels, const char *tags, const char *users, bool running)
{
    o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
    char **t = split(tags);
    o->v[o->n++] = (struct backend_object){
            .kind = kind,
            .id = xstrdup(id),
            .name = xstrdup(kind == BACKEND_OBJ_IMAGE ? (t[0] ? t[0] : "") : id),
            .labels = split(labels),
            .tags = t,
            .users = split(users),
            .size = 1000,
            .size_known = true,
            .running = running,
    };
}

static const struct run_owned *find(const struct run_owned_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

static enum run_prune_when when_of(const struct run_owned_list *l, const char *name)
{
    const struct run_owned *x = find(l, name);
    if (!x)
        fail_abort("%s is not listed", name);
    return x->when;
}

static void classify(struct backend_objects *o, struct run_owned_list *l)
{
    *l = (struct run_owned_list){0};
    run_owned_classify(o, &facts, l);
}

static void done(struct backend_objects *o, struct run_owned_list *l)
{
    run_owned_done(l);
    backend_objects_done(o);
}

static void test_only_containers_of_runs_proven_dead_are_pruned(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "c-live", "ags.managed=true|" LIVE, "", "", true);
    add(&o, BACKEND_OBJ_CONTAINER, "c-dead", "ags.managed=true|" DEAD, "", "", true);
    add(&o, BACKEND_OBJ_CONTAINER, "c-unknown", "ags.managed=true|" UNKNOWN, "", "", false);
    add(&o, BACKEND_OBJ_CONTAINER, "c-old-label", "ags.managed=true|ags.pid=1", "", "", false);
    add(&o, BACKEND_OBJ_CONTAINER, "c-reboot-running", "ags.managed=true|" REBOOT, "", "", true);
    add(&o, BACKEND_OBJ_CONTAINER, "c-reboot-exited", "ags.managed=true|" REBOOT, "", "", false);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(l.n, 6);
    assert_int_equal(when_of(&l, "c-live"), RUN_PRUNE_NEVER);
    assert_int_equal(must_get(find(&l, "c-live"))->use, RUN_USE_LIVE);
    assert_int_equal(when_of(&l, "c-dead"), RUN_PRUNE_ALWAYS);
    assert_int_equal(must_get(find(&l, "c-dead"))->use, RUN_USE_DEAD);
    assert_int_equal(when_of(&l, "c-unknown"), RUN_PRUNE_NEVER);
    assert_int_equal(when_of(&l, "c-old-label"), RUN_PRUNE_NEVER);
    /* A running sandbox is only proven dead by its pid, never by a reboot. */
    assert_int_equal(when_of(&l, "c-reboot-running"), RUN_PRUNE_NEVER);
    assert_int_equal(when_of(&l, "c-reboot-exited"), RUN_PRUNE_ALWAYS);
    done(&o, &l);
}

static void test_a_secret_whose_session_runs_is_kept(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "c1", "ags.managed=true|ags.session=s1|" LIVE, "", "", true);
    add(&o, BACKEND_OBJ_SECRET, "ags-1-s1-0", "ags.managed=true|ags.session=s1|" REBOOT, "", "",
        false);
    add(&o, BACKEND_OBJ_SECRET, "ags-2-s2-0", "ags.managed=true|ags.session=s2|" REBOOT, "", "",
        false);
    add(&o, BACKEND_OBJ_SECRET, "ags-3-s3-0", "ags.managed=true|ags.session=s3|" LIVE, "", "",
        false);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(when_of(&l, "ags-1-s1-0"), RUN_PRUNE_NEVER);
    assert_int_equal(when_of(&l, "ags-2-s2-0"), RUN_PRUNE_ALWAYS);
    assert_int_equal(when_of(&l, "ags-3-s3-0"), RUN_PRUNE_NEVER);
    done(&o, &l);
}

/* A detached session outlives its supervisor: while it runs neither it nor
 * its secret is pruned, even with its owner proven dead; once it has ended,
 * both are a dead run's leftovers. */
static void test_a_running_supervised_session_and_its_secret_outlive_a_dead_owner(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "c-sup-running",
        "ags.managed=true|ags.session=s1|ags.supervised=true|" DEAD, "", "", true);
    add(&o, BACKEND_OBJ_SECRET, "ags-1-s1-0", "ags.managed=true|ags.session=s1|" DEAD, "", "",
        false);
    add(&o, BACKEND_OBJ_CONTAINER, "c-sup-exited",
        "ags.managed=true|ags.session=s2|ags.supervised=true|" DEAD, "", "", false);
    add(&o, BACKEND_OBJ_SECRET, "ags-2-s2-0", "ags.managed=true|ags.session=s2|" DEAD, "", "",
        false);
    add(&o, BACKEND_OBJ_CONTAINER, "c-sup-false",
        "ags.managed=true|ags.session=s3|ags.supervised=yes|" DEAD, "", "", true);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(when_of(&l, "c-sup-running"), RUN_PRUNE_NEVER);
    assert_int_equal(when_of(&l, "ags-1-s1-0"), RUN_PRUNE_NEVER);
    assert_int_equal(when_of(&l, "c-sup-exited"), RUN_PRUNE_ALWAYS);
    assert_int_equal(when_of(&l, "ags-2-s2-0"), RUN_PRUNE_ALWAYS);
    assert_int_equal(when_of(&l, "c-sup-false"), RUN_PRUNE_ALWAYS); /* only "true" counts */
    done(&o, &l);
}

static void test_agent_volumes_need_all_and_old_shared_volumes_go_with_prune(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_VOLUME, "ags-pi-cargo", "ags.managed=true|ags.agent=pi", "", "", false);
    add(&o, BACKEND_OBJ_VOLUME, "ags-shared-cargo", "ags.managed=true|ags.agent=shared", "", "",
        false);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(when_of(&l, "ags-pi-cargo"), RUN_PRUNE_ALL);
    assert_int_equal(when_of(&l, "ags-shared-cargo"), RUN_PRUNE_ALWAYS);
    assert_int_equal(must_get(find(&l, "ags-pi-cargo"))->use, RUN_USE_NONE);
    assert_true(must_get(find(&l, "ags-pi-cargo"))->size_known);
    done(&o, &l);
}

static void test_workspace_volumes_are_named_and_go_only_with_workspaces(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "live", "ags.managed=true|" LIVE, "", "", true);
    add(&o, BACKEND_OBJ_VOLUME, "ags-ws-0123456789abcdef",
        "ags.managed=true|ags.volume=workspace|ags.name=ags-pi-1", "", "", false);
    add(&o, BACKEND_OBJ_VOLUME, "ags-ws-0123456789abcdef-base",
        "ags.managed=true|ags.volume=workspace-base|ags.name=ags-pi-1", "", "", false);
    add(&o, BACKEND_OBJ_VOLUME, "ags-ws-1111111111111111",
        "ags.managed=true|ags.volume=workspace|ags.name=ags-pi-2", "", "live", false);
    struct run_owned_list l;
    classify(&o, &l);
    const char *ws = "ags-ws-0123456789abcdef (workspace of session ags-pi-1, not brought back)";
    assert_int_equal(when_of(&l, ws), RUN_PRUNE_WORKSPACES);
    assert_int_equal(when_of(&l, "ags-ws-0123456789abcdef-base (workspace of session ags-pi-1, "
                                 "not brought back)"),
                     RUN_PRUNE_WORKSPACES);
    /* A running session's stays whatever the flags. */
    assert_int_equal(when_of(&l, "ags-ws-1111111111111111 (workspace of session ags-pi-2, not "
                                 "brought back)"),
                     RUN_PRUNE_NEVER);
    assert_false(run_prune_selected(RUN_PRUNE_WORKSPACES, 0));
    assert_false(run_prune_selected(RUN_PRUNE_WORKSPACES, RUN_PRUNE_SCOPE_ALL));
    assert_true(run_prune_selected(RUN_PRUNE_WORKSPACES, RUN_PRUNE_SCOPE_WORKSPACES));
    assert_false(run_prune_selected(RUN_PRUNE_ALL, RUN_PRUNE_SCOPE_WORKSPACES));
    assert_true(run_prune_selected(RUN_PRUNE_ALWAYS, 0));
    assert_false(run_prune_selected(RUN_PRUNE_NEVER, RUN_PRUNE_SCOPE_ALL | RUN_PRUNE_SCOPE_WORKSPACES));
    done(&o, &l);
}

static void test_a_volume_a_live_session_or_another_container_uses_is_never_removed(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "live", "ags.managed=true|" LIVE, "", "", true);
    add(&o, BACKEND_OBJ_CONTAINER, "dead", "ags.managed=true|" DEAD, "", "", true);
    add(&o, BACKEND_OBJ_VOLUME, "v-live", "ags.managed=true|ags.agent=pi", "", "live|dead", false);
    add(&o, BACKEND_OBJ_VOLUME, "v-other", "ags.managed=true|ags.agent=pi", "", "not-ags", false);
    add(&o, BACKEND_OBJ_VOLUME, "v-dead", "ags.managed=true|ags.agent=pi", "", "dead", false);
    add(&o, BACKEND_OBJ_VOLUME, "v-shared-live", "ags.managed=true|ags.agent=shared", "", "live",
        false);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(when_of(&l, "v-live"), RUN_PRUNE_NEVER);
    assert_int_equal(must_get(find(&l, "v-live"))->use, RUN_USE_LIVE);
    assert_int_equal(when_of(&l, "v-other"), RUN_PRUNE_NEVER);
    assert_int_equal(must_get(find(&l, "v-other"))->use, RUN_USE_OTHER);
    /* Only a dead run uses it: prune --all removes that container first. */
    assert_int_equal(when_of(&l, "v-dead"), RUN_PRUNE_ALL);
    assert_int_equal(must_get(find(&l, "v-dead"))->use, RUN_USE_DEAD);
    assert_int_equal(when_of(&l, "v-shared-live"), RUN_PRUNE_NEVER);
    done(&o, &l);
}

static void test_images_are_ags_s_by_label_and_name_built_before_base(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    const char *ctx = "ags.image.context-sha256=abc|ags.image.imported-base=bookworm";
    add(&o, BACKEND_OBJ_IMAGE, "base", "ags.image.imported-base=bookworm",
        "localhost/ags-base:bookworm", "", false);
    add(&o, BACKEND_OBJ_IMAGE, "built", ctx, IMAGE, "", false);
    /* an earlier build that a sandbox (dead here) still holds */
    add(&o, BACKEND_OBJ_CONTAINER, "dead", "ags.managed=true|" DEAD, "", "", true);
    add(&o, BACKEND_OBJ_IMAGE, "old-build", ctx, "", "dead", false);
    add(&o, BACKEND_OBJ_IMAGE, "users-own", ctx, "localhost/mine:1", "", false);
    /* the user rebuilt mine:1: its old image, untagged, inherits ags's labels */
    add(&o, BACKEND_OBJ_IMAGE, "users-old", ctx, "", "", false);
    add(&o, BACKEND_OBJ_IMAGE, "users-old-used", ctx, "", "not-ags", false);
    add(&o, BACKEND_OBJ_IMAGE, "base-renamed", "ags.image.imported-base=x", "docker.io/x:1", "",
        false);
    add(&o, BACKEND_OBJ_IMAGE, "lookalike", "other=1", "localhost/ags-base:fake", "", false);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(l.n, 4); /* the container, then three images */
    assert_int_equal(l.v[0].kind, RUN_OWNED_CONTAINER);
    assert_string_equal(l.v[1].name, IMAGE);
    assert_string_equal(l.v[2].name, "<none> old-build");
    assert_string_equal(l.v[3].name, "localhost/ags-base:bookworm"); /* after what is built on it */
    for (size_t i = 1; i < l.n; i++)
        assert_int_equal(l.v[i].when, RUN_PRUNE_ALL);
    assert_null(find(&l, "<none> users-old"));
    assert_null(find(&l, "<none> users-old-used"));
    done(&o, &l);
}

static void test_an_image_a_live_session_uses_is_kept(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "live", "ags.managed=true|" LIVE, "", "", true);
    add(&o, BACKEND_OBJ_IMAGE, "built", "ags.image.context-sha256=abc", IMAGE, "live", false);
    struct run_owned_list l;
    classify(&o, &l);
    assert_int_equal(when_of(&l, IMAGE), RUN_PRUNE_NEVER);
    assert_int_equal(must_get(find(&l, IMAGE))->use, RUN_USE_LIVE);
    done(&o, &l);
}

static void test_base_cache_files_by_age(void **state)
{
    (void)state;
    const int64_t day = 24 * 3600;
    assert_int_equal(run_base_cache_when("debian-bookworm.tar", day), RUN_PRUNE_ALL);
    assert_int_equal(run_base_cache_when("debian-bookworm.tar", 8 * day), RUN_PRUNE_ALWAYS);
    assert_int_equal(run_base_cache_when("debian-bookworm.tar.part", 60), RUN_PRUNE_NEVER);
    assert_int_equal(run_base_cache_when("debian-bookworm.tar.part", day), RUN_PRUNE_ALWAYS);
    assert_int_equal(run_base_cache_when("notes.txt", 30 * day), RUN_PRUNE_NEVER);
    assert_int_equal(run_base_cache_when("other.tar", 30 * day), RUN_PRUNE_NEVER);
}

/* ---- run_prune_remove through a fake backend ---- */

struct fake {
    struct backend base;
    char removed[256];
    int result_for_v2; /* what removing "v2" returns */
};

static int fake_remove(struct backend *b, const struct backend_object *o, struct ags_error *err)
{
    struct fake *f = (struct fake *)b;
    size_t n = strlen(f->removed);
    (void)snprintf(f->removed + n, sizeof(f->removed) - n, "%s ", o->id);
    if (strcmp(o->id, "v2") == 0 && f->result_for_v2 < 0)
        return ags_error_set(err, f->result_for_v2, "fake failure");
    return 0;
}

static void fake_close(struct backend *b)
{
    (void)b;
}

static const struct backend_ops fake_ops = {.name = "fake", .remove_owned = fake_remove,
                                            .close = fake_close};

static void count_done(const struct run_owned *x, int r, const char *why, void *userdata)
{
    (void)x;
    (void)why;
    if (r < 0)
        (*(int *)userdata)++;
}

static size_t prune_with_run(int v2_result, bool all, bool pi_starting, char *removed,
                             size_t size)
{
    struct fake f = {.base.ops = &fake_ops, .result_for_v2 = v2_result};
    char lock_dir[] = "/tmp/ags-test-prune-lock-XXXXXX";
    assert_non_null(mkdtemp(lock_dir));
    int run_lock = -1; /* a run of pi between its prepare and its create */
    if (pi_starting) {
        const struct run_agent_lock_opts lo = {.dir = lock_dir, .agent = PLAN_AGENT_PI};
        assert_int_equal(run_agent_lock(&lo, &run_lock, NULL), 0);
    }
    struct backend_objects o = {0};
    add(&o, BACKEND_OBJ_CONTAINER, "dead", "ags.managed=true|" DEAD, "", "", true);
    add(&o, BACKEND_OBJ_CONTAINER, "live", "ags.managed=true|" LIVE, "", "", true);
    add(&o, BACKEND_OBJ_VOLUME, "v1", "ags.managed=true|ags.agent=pi", "", "dead", false);
    add(&o, BACKEND_OBJ_VOLUME, "v2", "ags.managed=true|ags.agent=shared", "", "", false);
    add(&o, BACKEND_OBJ_VOLUME, "v3", "ags.managed=true|ags.agent=pi", "", "live", false);
    struct run_owned_list l = {.backend = &f.base, .lock_dir = xstrdup(lock_dir)};
    run_owned_classify(&o, &facts, &l);
    l.objs = o;
    int reported = 0;
    size_t failed = run_prune_remove(&l, all, count_done, &reported);
    assert_int_equal((size_t)reported, failed);
    (void)snprintf(removed, size, "%s", f.removed);
    run_owned_done(&l);
    if (run_lock >= 0)
        (void)close(run_lock);
    _cleanup_free_ char *lock = xasprintf("%s/ags-agent-%ld-pi.lock", lock_dir, (long)geteuid());
    (void)unlink(lock);
    assert_int_equal(rmdir(lock_dir), 0);
    return failed;
}

static size_t prune_with(int v2_result, bool all, char *removed, size_t size)
{
    return prune_with_run(v2_result, all, false, removed, size);
}

static void test_prune_removes_dead_runs_first_and_all_adds_agent_volumes(void **state)
{
    (void)state;
    char removed[256];
    assert_int_equal(prune_with(0, false, removed, sizeof(removed)), 0);
    assert_string_equal(removed, "dead v2 ");
    assert_int_equal(prune_with(0, true, removed, sizeof(removed)), 0);
    assert_string_equal(removed, "dead v1 v2 ");
    /* Gone meanwhile is fine; in use is a failure that does not stop the rest. */
    assert_int_equal(prune_with(-ENOENT, true, removed, sizeof(removed)), 0);
    assert_int_equal(prune_with(-EBUSY, true, removed, sizeof(removed)), 1);
    assert_string_equal(removed, "dead v1 v2 ");
}

/* A run of pi that is starting holds pi's lock: prune --all keeps pi's
 * volume (a failure to report, try again) instead of removing it under it. */
static void test_prune_all_keeps_the_volumes_of_an_agent_whose_run_is_starting(void **state)
{
    (void)state;
    char removed[256];
    assert_int_equal(prune_with_run(0, true, true, removed, sizeof(removed)), 1);
    assert_string_equal(removed, "dead v2 ");
}

/* ---- directories ---- */

static char *scratch(void)
{
    char *d = xstrdup("/tmp/ags-test-prune-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void write_file(const char *path, size_t bytes)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    char buf[4096];
    memset(buf, 'x', sizeof(buf));
    for (size_t done_bytes = 0; done_bytes < bytes; done_bytes += sizeof(buf))
        assert_true(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    close(fd);
}

static void test_du_counts_a_symlink_as_itself_never_its_target(void **state)
{
    (void)state;
    _cleanup_free_ char *d = scratch();
    _cleanup_free_ char *big = xasprintf("%s/big", d);
    _cleanup_free_ char *tree = xasprintf("%s/tree", d);
    _cleanup_free_ char *link = xasprintf("%s/tree/link", d);
    _cleanup_free_ char *dirlink = xasprintf("%s/tree/dirlink", d);
    write_file(big, 1 << 20);
    assert_int_equal(mkdir(tree, 0700), 0);
    assert_int_equal(symlink(big, link), 0);
    assert_int_equal(symlink(d, dirlink), 0);
    struct du_result r;
    assert_int_equal(du_tree_at(AT_FDCWD, tree, &r), 0);
    assert_true(r.complete);
    assert_int_equal(r.entries, 3);
    assert_true(r.bytes < 64 * 1024);
    assert_int_equal(du_tree_at(AT_FDCWD, big, &r), 0);
    assert_true(r.bytes >= 1 << 20);
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(d, &err), 0);
}

/* One 1 MiB file hard-linked 200 times inside the tree counts about once,
 * not 200 times (a lockdown agent could inflate what df shows). */
static void test_du_counts_a_hard_linked_file_about_once(void **state)
{
    (void)state;
    _cleanup_free_ char *d = scratch();
    _cleanup_free_ char *big = xasprintf("%s/big", d);
    write_file(big, 1 << 20);
    for (int i = 0; i < 200; i++) {
        _cleanup_free_ char *l = xasprintf("%s/link%d", d, i);
        assert_int_equal(link(big, l), 0);
    }
    struct du_result r;
    assert_int_equal(du_tree_at(AT_FDCWD, d, &r), 0);
    assert_true(r.complete);
    assert_true(r.bytes >= 1 << 20);
    assert_true(r.bytes < 2u << 20);
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(d, &err), 0);
}

static void test_du_stops_at_its_depth_bound(void **state)
{
    (void)state;
    _cleanup_free_ char *d = scratch();
    _cleanup_free_ char *path = xstrdup(d);
    for (unsigned i = 0; i < DU_MAX_DEPTH + 4; i++) {
        char *next = xasprintf("%s/d", path);
        free(path);
        path = next;
        assert_int_equal(mkdir(path, 0700), 0);
    }
    struct du_result r;
    assert_int_equal(du_tree_at(AT_FDCWD, d, &r), 0);
    assert_false(r.complete);
    assert_true(r.entries <= DU_MAX_DEPTH + 1);
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(d, &err), 0);
}

/* An owner file naming a process that is gone (a reaped child). */
static void write_dead_owner(const char *dir)
{
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    struct procid id;
    assert_int_equal(procid_self(&id, NULL), 0);
    id.pid = (uint32_t)child;
    char text[PROCID_MAX_TEXT];
    procid_format(&id, text, sizeof(text));
    _cleanup_free_ char *owner = xasprintf("%s/owner", dir);
    int fd = open(owner, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static void test_staging_of_a_dead_run_is_pruned_a_live_one_and_symlinks_never(void **state)
{
    (void)state;
    _cleanup_free_ char *tmp = scratch();
    _cleanup_free_ char *dead = xasprintf("%s/" STAGE_PREFIX "1-pi-aaaaaa", tmp);
    _cleanup_free_ char *live = xasprintf("%s/" STAGE_PREFIX "2-pi-bbbbbb", tmp);
    _cleanup_free_ char *link = xasprintf("%s/" STAGE_PREFIX "3-pi-cccccc", tmp);
    _cleanup_free_ char *outside = xasprintf("%s/outside", tmp);
    _cleanup_free_ char *planted = xasprintf("%s/out", dead);
    assert_int_equal(mkdir(dead, 0700), 0);
    assert_int_equal(mkdir(live, 0700), 0);
    assert_int_equal(mkdir(outside, 0700), 0);
    assert_int_equal(symlink(outside, link), 0);
    assert_int_equal(symlink(outside, planted), 0);
    write_dead_owner(dead);
    struct procid self;
    assert_int_equal(procid_self(&self, NULL), 0);
    struct run_owned_list l = {0};
    run_owned_add_dirs(tmp, NULL, &self, NULL, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(when_of(&l, dead), RUN_PRUNE_ALWAYS);
    assert_int_equal(must_get(find(&l, dead))->kind, RUN_OWNED_STAGING);
    assert_int_equal(when_of(&l, live), RUN_PRUNE_NEVER); /* no owner file: nothing proven */
    assert_null(find(&l, link));
    assert_int_equal(run_prune_remove(&l, false, NULL, NULL), 0);
    struct stat st;
    assert_int_equal(lstat(dead, &st), -1);
    assert_int_equal(lstat(live, &st), 0);
    assert_int_equal(lstat(outside, &st), 0);
    run_owned_done(&l);
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(tmp, &err), 0);
}

static void test_base_cache_lists_ags_s_tarballs_only(void **state)
{
    (void)state;
    _cleanup_free_ char *cache = scratch();
    _cleanup_free_ char *base = xasprintf("%s/base", cache);
    _cleanup_free_ char *tar = xasprintf("%s/debian-bookworm.tar", base);
    _cleanup_free_ char *other = xasprintf("%s/notes.txt", base);
    assert_int_equal(mkdir(base, 0700), 0);
    write_file(tar, 8192);
    write_file(other, 4096);
    struct procid self;
    assert_int_equal(procid_self(&self, NULL), 0);
    struct run_owned_list l = {0};
    run_owned_add_dirs("/nonexistent-ags-test", cache, &self, NULL, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].kind, RUN_OWNED_CACHE);
    assert_int_equal(l.v[0].when, RUN_PRUNE_ALL);
    assert_true(l.v[0].size >= 8192);
    assert_int_equal(run_prune_remove(&l, false, NULL, NULL), 0);
    struct stat st;
    assert_int_equal(stat(tar, &st), 0); /* fresh: only --all */
    assert_int_equal(run_prune_remove(&l, true, NULL, NULL), 0);
    assert_int_equal(stat(tar, &st), -1);
    assert_int_equal(stat(other, &st), 0);
    run_owned_done(&l);
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(cache, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_containers_of_runs_proven_dead_are_pruned),
        cmocka_unit_test(test_a_secret_whose_session_runs_is_kept),
        cmocka_unit_test(test_a_running_supervised_session_and_its_secret_outlive_a_dead_owner),
        cmocka_unit_test(test_agent_volumes_need_all_and_old_shared_volumes_go_with_prune),
        cmocka_unit_test(test_workspace_volumes_are_named_and_go_only_with_workspaces),
        cmocka_unit_test(test_a_volume_a_live_session_or_another_container_uses_is_never_removed),
        cmocka_unit_test(test_images_are_ags_s_by_label_and_name_built_before_base),
        cmocka_unit_test(test_an_image_a_live_session_uses_is_kept),
        cmocka_unit_test(test_base_cache_files_by_age),
        cmocka_unit_test(test_prune_removes_dead_runs_first_and_all_adds_agent_volumes),
        cmocka_unit_test(test_prune_all_keeps_the_volumes_of_an_agent_whose_run_is_starting),
        cmocka_unit_test(test_du_counts_a_symlink_as_itself_never_its_target),
        cmocka_unit_test(test_du_counts_a_hard_linked_file_about_once),
        cmocka_unit_test(test_du_stops_at_its_depth_bound),
        cmocka_unit_test(test_staging_of_a_dead_run_is_pruned_a_live_one_and_symlinks_never),
        cmocka_unit_test(test_base_cache_lists_ags_s_tarballs_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
