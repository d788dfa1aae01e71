/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bubblewrap backend's store (backend/bwrap-store*.c) on a temporary data
 * directory, with real tarballs made by tar and real tar extraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "base/rmtree.h"
#include "base/strv.h"

static char top[64];  /* the test's temporary directory */
static char *xdg;     /* XDG_DATA_HOME: the store is xdg/ags */
static char *store;   /* xdg/ags */

static const char *fake_env(const char *name)
{
    if (strcmp(name, "PATH") == 0)
        return "/usr/bin:/bin";
    if (strcmp(name, "XDG_DATA_HOME") == 0)
        return xdg;
    if (strcmp(name, "HOME") == 0)
        return top;
    return NULL;
}

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char cmd[4096];
    (void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

static struct backend *open_store(void)
{
    struct backend_open_opts o = {.kind = BACKEND_BWRAP, .getenv = fake_env};
    struct backend *b = NULL;
    struct ags_error err = {0};
    int r = backend_bwrap_open(&o, &b, &err);
    if (r < 0)
        fail_msg("%s", err.msg);
    return b;
}

static int setup(void **state)
{
    (void)state;
    (void)snprintf(top, sizeof(top), "/tmp/ags-bwstore-XXXXXX");
    assert_non_null(mkdtemp(top));
    xdg = xasprintf("%s/xdg", top);
    store = xasprintf("%s/ags", xdg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(rmtree(top, NULL), 0);
    free(xdg);
    free(store);
    return 0;
}

/* A tarball of the tree `src` (under top) after the shell commands in make. */
static char *tarball(const char *name, const char *make)
{
    sh("set -e; mkdir -p %s/%s.src; cd %s/%s.src; %s; tar -cf ../%s.tar .", top, name, top, name,
       make, name);
    return xasprintf("%s/%s.tar", top, name);
}

static void import_ok(struct backend *b, const char *tar, const char *image,
                      const char *const *labels, const char *const *env)
{
    struct ags_error err = {0};
    int r = b->ops->image_import(b, tar, image, labels, env, &err);
    if (r < 0)
        fail_msg("import: %s", err.msg);
}

static char *id_of(struct backend *b, const char *image)
{
    char *id = NULL;
    assert_int_equal(b->ops->image_id(b, image, &id, NULL), 0);
    return id;
}

static uid_t walk_uid;
static int walk_foreign;
static int count_foreign(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)path, (void)flag, (void)f;
    if (st->st_uid != walk_uid)
        walk_foreign++;
    return 0;
}

/* The mode of rel in image id's root. */
static mode_t mode_of(const char *id, const char *rel)
{
    _cleanup_free_ char *p = xasprintf("%s/rootfs/%s/root/%s", store, id, rel);
    struct stat st;
    if (lstat(p, &st) < 0)
        fail_msg("%s: %s", p, strerror(errno));
    return st.st_mode;
}

static void test_import_makes_every_file_the_users_drops_setuid_and_skips_dev(void **s _unused_)
{
    _cleanup_free_ char *tar = tarball("img", "mkdir -p bin sgid etc dev; cp /bin/true bin/su; "
                                              "chmod 4755 bin/su; chmod 2755 sgid; "
                                              "echo hi > etc/motd; ln -s /etc/passwd etc/abs");
    sh("tar -rf %s -C / dev/null", tar);
    _cleanup_(backend_closep) struct backend *b = open_store();
    import_ok(b, tar, "localhost/img:1", NULL, NULL);
    _cleanup_free_ char *id = id_of(b, "localhost/img:1");
    /* The id is the tarball's sha256. */
    _cleanup_free_ char *body = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(tar, 1u << 26, &body, &len, NULL), 0);
    char hex[SHA256_HEX_SIZE];
    sha256_hex(body, len, hex);
    assert_string_equal(id, hex);

    assert_false(mode_of(id, "bin/su") & S_ISUID);
    assert_true(mode_of(id, "bin/su") & S_IXUSR);
    assert_false(mode_of(id, "sgid") & S_ISGID);
    assert_true(S_ISLNK(mode_of(id, "etc/abs"))); /* kept as a link, for inside */
    _cleanup_free_ char *null_path = xasprintf("%s/rootfs/%s/root/dev/null", store, id);
    struct stat st;
    assert_int_equal(lstat(null_path, &st), -1);
    assert_int_equal(errno, ENOENT);
    _cleanup_free_ char *root = xasprintf("%s/rootfs/%s/root", store, id);
    walk_uid = geteuid();
    walk_foreign = 0;
    assert_int_equal(nftw(root, count_foreign, 16, FTW_PHYS), 0);
    assert_int_equal(walk_foreign, 0);
    /* The store is private: another user reads nothing of it. */
    assert_int_equal(stat(store, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
}

static size_t entries_in(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_import_keeps_dotdot_and_symlinked_members_inside(void **s _unused_)
{
    sh("set -e; cd %s; mkdir -p s1 s2/link s3 outside; ln -s %s/outside s1/link; "
       "echo p > s2/link/planted; echo x > s3/escape; tar -cf evil.tar -C s1 link; "
       "tar -rf evil.tar -C s2 link/planted; "
       "tar -rf evil.tar -C s3 --transform 's,^,../,' escape 2>/dev/null",
       top, top);
    _cleanup_free_ char *tar = xasprintf("%s/evil.tar", top);
    _cleanup_(backend_closep) struct backend *b = open_store();
    struct ags_error err = {0};
    int r = b->ops->image_import(b, tar, "evil", NULL, NULL, &err);
    assert_int_equal(r, -EIO); /* tar refuses both members and says so */
    assert_non_null(strstr(err.msg, "tar could not extract"));
    _cleanup_free_ char *outside = xasprintf("%s/outside", top);
    assert_int_equal(entries_in(outside), 0);
    _cleanup_free_ char *escaped = xasprintf("%s/rootfs/escape", store);
    struct stat st;
    assert_int_equal(lstat(escaped, &st), -1);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", store);
    assert_int_equal(entries_in(rootfs), 0); /* no half entry, no temporary left */
    bool exists = true;
    assert_int_equal(b->ops->image_exists(b, "evil", &exists, NULL), 0);
    assert_false(exists);
}

static void test_a_new_import_moves_the_tag_and_the_old_image_stays_until_removed(void **s _unused_)
{
    _cleanup_free_ char *t1 = tarball("one", "echo 1 > f");
    _cleanup_free_ char *t2 = tarball("two", "echo 2 > f");
    _cleanup_(backend_closep) struct backend *b = open_store();
    import_ok(b, t1, "localhost/ags-sandbox:latest", NULL, NULL);
    _cleanup_free_ char *id1 = id_of(b, "localhost/ags-sandbox:latest");
    import_ok(b, t2, "localhost/ags-sandbox:latest", NULL, NULL);
    _cleanup_free_ char *id2 = id_of(b, "localhost/ags-sandbox:latest");
    assert_string_not_equal(id1, id2);
    bool exists = false;
    assert_int_equal(b->ops->image_exists(b, id1, &exists, NULL), 0);
    assert_true(exists);
    _cleanup_free_ char *by_prefix = xasprintf("sha256:%s", id1);
    assert_int_equal(b->ops->image_exists(b, by_prefix, &exists, NULL), 0);
    assert_true(exists);
    assert_int_equal(b->ops->image_remove(b, id1, NULL), 0);
    assert_int_equal(b->ops->image_exists(b, id1, &exists, NULL), 0);
    assert_false(exists);
    assert_int_equal(b->ops->image_remove(b, id1, NULL), -ENOENT);
    _cleanup_free_ char *still = id_of(b, "localhost/ags-sandbox:latest");
    assert_string_equal(still, id2);
    assert_int_equal(b->ops->image_remove(b, "localhost/ags-sandbox:latest", NULL), 0);
    assert_int_equal(b->ops->image_exists(b, "localhost/ags-sandbox:latest", &exists, NULL), 0);
    assert_false(exists);
    _cleanup_free_ char *tags = xasprintf("%s/rootfs/tags", store);
    assert_int_equal(entries_in(tags), 0);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", store);
    assert_int_equal(entries_in(rootfs), 1); /* tags/ alone */
}

static void test_info_labels_and_the_environment_round_trip(void **s _unused_)
{
    _cleanup_free_ char *t = tarball("env", "mkdir -p usr/bin");
    _cleanup_(backend_closep) struct backend *b = open_store();
    const char *labels[] = {"ags.context=abc", "ags.built=2026-12-03T00:00:00Z", NULL};
    const char *env[] = {"LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin", "EMPTY=", NULL};
    import_ok(b, t, "x:1", labels, env);
    struct backend_image_info info = {0};
    assert_int_equal(b->ops->image_info(b, "x:1", &info, NULL), 0);
    assert_string_equal(info.storage_driver, "dir");
    assert_int_equal(strv_len(info.labels), 2);
    assert_string_equal(info.labels[0], labels[0]);
    assert_string_equal(info.labels[1], labels[1]);
    strv_free(info.labels);
    _cleanup_free_ char *root = NULL;
    _cleanup_strv_free_ char **got = NULL;
    assert_int_equal(bwrap_store_image_root(bwrap_of(b), "x:1", &root, &got, NULL, NULL), 0);
    assert_int_equal(strv_len(got), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(got[i], env[i]);
    _cleanup_free_ char *id = id_of(b, "x:1");
    _cleanup_free_ char *want = xasprintf("%s/rootfs/%s/root", store, id);
    assert_string_equal(root, want);
    /* A newline would make two entries of one: refused. */
    const char *bad[] = {"A=1\nB=2", NULL};
    assert_int_equal(b->ops->image_import(b, t, "y", NULL, bad, NULL), -EINVAL);
    assert_int_equal(b->ops->image_info(b, "nothing", &info, NULL), -ENOENT);
}

/* A per-run directory as the launch half leaves it. */
static void plant_run(const char *name, const char *id, const struct procid *owner)
{
    _cleanup_free_ char *runs = xasprintf("%s/ags/" BWRAP_STORE_RUNS, xdg);
    (void)mkdir(runs, 0700);
    _cleanup_free_ char *dir = xasprintf("%s/" BWRAP_RUN_DIR_PREFIX "%s", runs, name);
    assert_int_equal(mkdir(dir, 0700), 0);
    char text[PROCID_MAX_TEXT + 1];
    procid_format(owner, text, PROCID_MAX_TEXT);
    strcat(text, "\n"); /* as bwrap-run.c writes it */
    _cleanup_free_ char *o = xasprintf("%s/" BWRAP_RUN_OWNER_FILE, dir);
    _cleanup_free_ char *i = xasprintf("%s/" BWRAP_RUN_IMAGE_FILE, dir);
    assert_int_equal(write_file_atomic(o, text, strlen(text), 0600, NULL), 0);
    assert_int_equal(write_file_atomic(i, id, strlen(id), 0600, NULL), 0);
}

static void test_remove_refuses_an_image_a_live_run_uses_but_not_a_dead_runs(void **s _unused_)
{
    _cleanup_free_ char *t = tarball("busy", "echo b > f");
    _cleanup_(backend_closep) struct backend *b = open_store();
    import_ok(b, t, "busy", NULL, NULL);
    _cleanup_free_ char *id = id_of(b, "busy");
    struct procid self, dead;
    assert_int_equal(procid_self(&self, NULL), 0);
    dead = self;
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    dead.pid = (uint32_t)child; /* reaped: gone */
    plant_run("gone", id, &dead);
    plant_run("live", id, &self);
    struct ags_error err = {0};
    assert_int_equal(b->ops->image_remove(b, "busy", &err), -EBUSY);
    assert_non_null(strstr(err.msg, "live"));
    _cleanup_free_ char *live = xasprintf("%s/ags/" BWRAP_STORE_RUNS "/" BWRAP_RUN_DIR_PREFIX "live", xdg);
    assert_int_equal(rmtree(live, NULL), 0);
    assert_int_equal(b->ops->image_remove(b, "busy", NULL), 0);
}

/* A volume mount of the plan (owned: mounts_done). */
static struct plan_mount volume(const char *name, const char *dest, const char *label)
{
    return (struct plan_mount){.type = PLAN_MOUNT_VOLUME, .source = xstrdup(name),
                               .destination = xstrdup(dest), .labels = strv_new(1, label)};
}

static void mounts_done(struct plan_mount *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].source);
        free(m[i].destination);
        strv_free(m[i].labels);
    }
}

static struct ags_plan plan_of(char *image, struct plan_mount *m, size_t n)
{
    return (struct ags_plan){.image = {.v = image}, .mounts = m, .n_mounts = n};
}

static void test_prepare_fills_new_volumes_from_the_image_and_keeps_existing_ones(void **s _unused_)
{
    _cleanup_free_ char *t = tarball(
            "vol", "mkdir -p home/dev/.cache/sub; echo a > home/dev/.cache/a; "
                   "chmod 0640 home/dev/.cache/a; cp /bin/true home/dev/.cache/s; "
                   "chmod 4755 home/dev/.cache/s; echo in > home/dev/.cache/sub/f; "
                   "chmod 0500 home/dev/.cache/sub; ln -s a home/dev/.cache/rel; "
                   "ln -s /etc/passwd home/dev/.cache/abs; ln -s /etc etcl");
    _cleanup_(backend_closep) struct backend *b = open_store();
    import_ok(b, t, "vol:1", NULL, NULL);
    const char *label = "ags.managed=true";
    struct plan_mount mounts[] = {
            volume("ags-cache", "/home/dev/.cache", label),
            volume("ags-empty", "/not/in/image", label),
            volume("ags-through-link", "/etcl", label),
            {.type = PLAN_MOUNT_BIND, .source = xasprintf("%s/host/made", top),
             .destination = xstrdup("/h"), .create = PLAN_CREATE_DIR},
    };
    const char *host = mounts[3].source;
    char image[] = "vol:1";
    struct ags_plan p = plan_of(image, mounts, 4);
    struct ags_error err = {0};
    if (b->ops->prepare(b, &p, &err) < 0)
        fail_msg("prepare: %s", err.msg);
    _cleanup_free_ char *data = NULL;
    assert_int_equal(b->ops->volume_path(b, "ags-cache", &data, NULL), 0);
    struct stat st;
    _cleanup_free_ char *a = xasprintf("%s/a", data), *sx = xasprintf("%s/s", data),
                        *sub = xasprintf("%s/sub/f", data), *rel = xasprintf("%s/rel", data),
                        *abs = xasprintf("%s/abs", data);
    assert_int_equal(lstat(a, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(lstat(sx, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(lstat(sub, &st), 0);
    assert_int_equal(lstat(rel, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char target[64] = {0};
    assert_int_equal(readlink(abs, target, sizeof(target) - 1), strlen("/etc/passwd"));
    assert_string_equal(target, "/etc/passwd");
    _cleanup_free_ char *empty = NULL, *linked = NULL;
    assert_int_equal(b->ops->volume_path(b, "ags-empty", &empty, NULL), 0);
    assert_int_equal(entries_in(empty), 0);
    assert_int_equal(b->ops->volume_path(b, "ags-through-link", &linked, NULL), 0);
    assert_int_equal(entries_in(linked), 0); /* the host's /etc is not copied */
    assert_int_equal(stat(host, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* An existing volume is the sandbox's: a second prepare leaves it alone. */
    _cleanup_free_ char *mine = xasprintf("%s/written-by-the-agent", data);
    assert_int_equal(write_file_atomic(mine, "x", 1, 0600, NULL), 0);
    assert_int_equal(unlink(a), 0);
    assert_int_equal(b->ops->prepare(b, &p, NULL), 0);
    assert_int_equal(lstat(mine, &st), 0);
    assert_int_equal(lstat(a, &st), -1);
    _cleanup_free_ char *label_file = xasprintf("%s/volumes/ags-cache/labels", store);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(label_file, 4096, &text, &len, NULL), 0);
    assert_string_equal(text, "ags.managed=true\n");
    assert_int_equal(b->ops->volume_path(b, "no-such", &empty, NULL), -ENOENT);
    mounts_done(mounts, 4);
}

/* `--backend auto` falls back to bwrap when Podman does not answer: a plan
 * made for a remote engine (an uploaded workspace volume) is not run here,
 * and nothing of it is made. */
static void test_prepare_refuses_a_plan_made_for_a_remote_engine(void **s _unused_)
{
    _cleanup_(backend_closep) struct backend *b = open_store();
    struct plan_mount mounts[] = {volume("ags-ws-s1", "/work", "ags.volume=workspace")};
    char image[] = "vol:1";
    struct ags_plan p = plan_of(image, mounts, 1);
    p.remote = true;
    struct ags_error err = {0};
    assert_int_equal(b->ops->prepare(b, &p, &err), -EINVAL);
    assert_string_equal(err.msg, "this run was planned for a remote engine, and the bubblewrap "
                                 "backend runs on this host only; choose the engine with "
                                 "--connection or --url");
    _cleanup_free_ char *data = NULL;
    assert_int_equal(b->ops->volume_path(b, "ags-ws-s1", &data, NULL), -ENOENT);
    mounts_done(mounts, 1);
}

static const struct backend_object *find(const struct backend_objects *o,
                                         enum backend_object_kind kind, const char *id)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->v[i].kind == kind && strcmp(o->v[i].id, id) == 0)
            return &o->v[i];
    return NULL;
}

static void test_list_and_remove_owned_cope_with_a_locked_tree_and_never_follow_links(
        void **s _unused_)
{
    _cleanup_free_ char *t = tarball("own", "mkdir -p home/dev/v");
    _cleanup_free_ char *t2 = tarball("other", "echo other > f");
    _cleanup_(backend_closep) struct backend *b = open_store();
    const char *labels[] = {"ags.context=1", NULL};
    import_ok(b, t, "localhost/ags-sandbox:latest", labels, NULL);
    import_ok(b, t2, "someone-elses", NULL, NULL);
    struct plan_mount mounts[] = {volume("ags-v", "/home/dev/v", "ags.managed=true"),
                                  volume("not-ags", "/home/dev/v", "x=y")};
    char image[] = "localhost/ags-sandbox:latest";
    struct ags_plan p = plan_of(image, mounts, 2);
    assert_int_equal(b->ops->prepare(b, &p, NULL), 0);
    mounts_done(mounts, 2);
    /* What a hostile agent leaves in its volume. */
    sh("set -e; cd %s/volumes/ags-v/_data; mkdir -p locked/deep outside-link-target; "
       "echo s > locked/deep/f; ln -s /etc etc; ln -s %s/keep keep; chmod 000 locked/deep; "
       "chmod 000 locked; echo k > %s/keep",
       store, top, top);
    const char *keys[] = {"ags.context", NULL};
    struct backend_objects o = {0};
    assert_int_equal(b->ops->list_owned(b, keys, &o, NULL), 0);
    _cleanup_free_ char *id = id_of(b, "localhost/ags-sandbox:latest");
    const struct backend_object *img = find(&o, BACKEND_OBJ_IMAGE, id);
    assert_non_null(img);
    assert_string_equal(img->name, "localhost/ags-sandbox:latest");
    assert_int_equal(strv_len(img->tags), 1);
    assert_true(img->size_known);
    assert_int_equal(strv_len(img->users), 0);
    _cleanup_free_ char *other = id_of(b, "someone-elses");
    assert_null(find(&o, BACKEND_OBJ_IMAGE, other)); /* without the asked labels */
    const struct backend_object *vol = find(&o, BACKEND_OBJ_VOLUME, "ags-v");
    assert_non_null(vol);
    assert_true(vol->size > 0);
    assert_null(find(&o, BACKEND_OBJ_VOLUME, "not-ags"));
    struct ags_error err = {0};
    if (b->ops->remove_owned(b, vol, &err) < 0)
        fail_msg("remove: %s", err.msg);
    assert_int_equal(b->ops->remove_owned(b, vol, NULL), -ENOENT);
    assert_int_equal(b->ops->remove_owned(b, img, NULL), 0);
    backend_objects_done(&o);
    _cleanup_free_ char *keep = xasprintf("%s/keep", top);
    struct stat st;
    assert_int_equal(stat(keep, &st), 0);
    assert_int_equal(stat("/etc/passwd", &st), 0);
    _cleanup_free_ char *vols = xasprintf("%s/volumes", store);
    assert_int_equal(entries_in(vols), 1); /* not-ags */
}

static void test_a_store_dir_planted_as_a_symlink_is_refused(void **s _unused_)
{
    _cleanup_free_ char *t = tarball("sym", "echo s > f");
    _cleanup_free_ char *elsewhere = xasprintf("%s/elsewhere", top);
    sh("mkdir -p %s %s && ln -s %s %s/rootfs && ln -s %s %s/volumes", elsewhere, store,
       elsewhere, store, elsewhere, store);
    _cleanup_(backend_closep) struct backend *b = open_store();
    assert_int_equal(b->ops->image_import(b, t, "sym", NULL, NULL, NULL), -ELOOP);
    struct plan_mount m = volume("v", "/", "ags.managed=true");
    char image[] = "sym";
    struct ags_plan p = plan_of(image, &m, 1);
    assert_int_equal(b->ops->prepare(b, &p, NULL), -ELOOP);
    mounts_done(&m, 1);
    _cleanup_free_ char *path = NULL;
    assert_int_equal(b->ops->volume_path(b, "v", &path, NULL), -ELOOP);
    assert_int_equal(entries_in(elsewhere), 0);
    /* The data directory itself as a symlink. */
    sh("rm -rf %s && ln -s %s %s", store, elsewhere, store);
    int r = b->ops->image_import(b, t, "sym", NULL, NULL, NULL);
    assert_true(r == -ELOOP || r == -ENOTDIR);
    assert_int_equal(entries_in(elsewhere), 0);
}

static void test_tag_files_encode_every_name_reversibly_and_never_as_a_path(void **s _unused_)
{
    const char *names[] = {"localhost/ags-sandbox:latest", "..", ".", "a/../b", "x%2F", NULL};
    for (size_t i = 0; names[i]; i++) {
        _cleanup_free_ char *f = bwrap_store_tag_file(names[i]);
        assert_null(strchr(f, '/'));
        assert_null(strchr(f, '.'));
        _cleanup_free_ char *back = bwrap_store_tag_name(f);
        assert_string_equal(back, names[i]);
    }
    _cleanup_free_ char *abc = bwrap_store_tag_file("a/b:c");
    assert_string_equal(abc, "a%2Fb%3Ac");
    assert_null(bwrap_store_tag_name("a%41"));  /* not how ags writes "aA" */
    assert_null(bwrap_store_tag_name("a%2f"));
    assert_null(bwrap_store_tag_name("a%00"));
    assert_null(bwrap_store_tag_name("a.b"));
    assert_null(bwrap_store_tag_file(""));
}

static void test_pull_and_build_say_where_the_image_comes_from(void **s _unused_)
{
    _cleanup_(backend_closep) struct backend *b = open_store();
    struct ags_error err = {0};
    assert_int_equal(b->ops->image_pull(b, "docker.io/library/debian:trixie", 20, &err),
                     -ENOTSUP);
    assert_non_null(strstr(err.msg, "ags update-image"));
    struct backend_image_build o = {0};
    assert_int_equal(b->ops->image_build(b, "x", &o, &err), -ENOTSUP);
    assert_non_null(strstr(err.msg, "Containerfile"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
                test_import_makes_every_file_the_users_drops_setuid_and_skips_dev, setup,
                teardown),
        cmocka_unit_test_setup_teardown(test_import_keeps_dotdot_and_symlinked_members_inside,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
                test_a_new_import_moves_the_tag_and_the_old_image_stays_until_removed, setup,
                teardown),
        cmocka_unit_test_setup_teardown(test_info_labels_and_the_environment_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
                test_remove_refuses_an_image_a_live_run_uses_but_not_a_dead_runs, setup,
                teardown),
        cmocka_unit_test_setup_teardown(
                test_prepare_fills_new_volumes_from_the_image_and_keeps_existing_ones, setup,
                teardown),
        cmocka_unit_test_setup_teardown(test_prepare_refuses_a_plan_made_for_a_remote_engine,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
                test_list_and_remove_owned_cope_with_a_locked_tree_and_never_follow_links,
                setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_store_dir_planted_as_a_symlink_is_refused, setup,
                                        teardown),
        cmocka_unit_test(test_tag_files_encode_every_name_reversibly_and_never_as_a_path),
        cmocka_unit_test_setup_teardown(test_pull_and_build_say_where_the_image_comes_from,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
