/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bringing a remote session's changes back (run/remote.h): the export
 * script's framing, the script itself run by the host's sh and git on temp
 * repositories (as a helper container runs it), and the host's side:
 * bundle verify + fetch into ags/<name>, refusals, the patch file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/rmtree.h"
#include "base/strv.h"
#include "config/config.h"
#include "plan/plan.h"
#include "run/run.h"
#include "run/remote.h"

struct t {
    char root[64];
    char *local;  /* the host's repository */
    char *ws;     /* the workspace as the helper sees it */
    char *script; /* run_export_script as a file */
    char *out;    /* the export's stdout */
    char base[65];
};

_printf_(1, 2) static int sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *cmd = NULL;
    assert_true(vasprintf(&cmd, fmt, ap) >= 0);
    va_end(ap);
    int r = system(cmd);
    return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* The first line of a command's output. */
_printf_(1, 2) static char *sh_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *cmd = NULL;
    assert_true(vasprintf(&cmd, fmt, ap) >= 0);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[4096] = "";
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    (void)pclose(f);
    line[strcspn(line, "\n")] = '\0';
    return xstrdup(line);
}

#define GIT "env -i PATH=/usr/bin:/bin HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 " \
            "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t git"

static int setup(void **state)
{
    struct t *t = xcalloc(1, sizeof(*t));
    snprintf(t->root, sizeof(t->root), "/tmp/ags-remote-test-XXXXXX");
    assert_non_null(mkdtemp(t->root));
    t->local = xasprintf("%s/local", t->root);
    t->ws = xasprintf("%s/ws", t->root);
    t->script = xasprintf("%s/export.sh", t->root);
    t->out = xasprintf("%s/out", t->root);
    assert_int_equal(write_file_atomic(t->script, run_export_script, strlen(run_export_script),
                                       0600, NULL),
                     0);
    /* The host's repository at upload: two files, one commit. */
    assert_int_equal(sh("mkdir %s && cd %s && " GIT " init -q -b main . && echo one >a && "
                        "echo gone >d && printf 'bin\\0ary' >bin && " GIT " add a d bin && " GIT
                        " commit -qm base",
                        t->local, t->local),
                     0);
    _cleanup_free_ char *base = sh_out("cd %s && git rev-parse HEAD", t->local);
    snprintf(t->base, sizeof(t->base), "%s", base);
    /* The upload: the same files and the whole .git. */
    assert_int_equal(sh("cp -a %s %s", t->local, t->ws), 0);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;
    assert_int_equal(rmtree(t->root, NULL), 0);
    free(t->local);
    free(t->ws);
    free(t->script);
    free(t->out);
    free(t);
    return 0;
}

/* The export as a helper runs it; its exit status. */
static int export(struct t *t, const char *mode, const char *base, const char *bdir)
{
    return sh("cd / && env -i PATH=/usr/bin:/bin sh %s %s %s %s sess1 %s >%s 2>%s.err",
              t->script, mode, t->ws, base, bdir, t->out, t->out);
}

static struct run_export_header header_of(const char *path)
{
    char buf[AGS_EXPORT_HEADER_MAX] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    assert_true(n >= 0);
    struct run_export_header h;
    assert_int_equal(run_export_parse_header(buf, (size_t)n, &h, NULL), 0);
    return h;
}

/* The bundle after the header, as a file of its own. */
static char *bundle_of(struct t *t, const struct run_export_header *h)
{
    char *path = xasprintf("%s/b.bundle", t->root);
    assert_int_equal(sh("tail -c +%zu %s >%s", h->len + 1, t->out, path), 0);
    return path;
}

/* The export's bundle fetched into t->local as ags/sess1...; its header. */
static struct run_export_header fetch_export(struct t *t, struct run_pull_result *res)
{
    assert_int_equal(export(t, "git", t->base, "-"), 0);
    struct run_export_header h = header_of(t->out);
    assert_int_equal(h.kind, RUN_EXPORT_BUNDLE);
    _cleanup_free_ char *bundle = bundle_of(t, &h);
    *res = (struct run_pull_result){0};
    assert_int_equal(run_pull_fetch_bundle(t->local, bundle, "sess1", t->base, res, NULL), 0);
    return h;
}

/* The agent's session: a commit (an edit, an add, a delete), then an
 * uncommitted edit, an untracked file and a deletion left as they are. */
static void agent_works(struct t *t)
{
    assert_int_equal(sh("cd %s && echo two >>a && echo new >n && " GIT " add n && " GIT
                        " rm -q d && " GIT " commit -qm agent && echo three >>a && "
                        "echo untracked >u && rm bin && echo ignored >x.log && "
                        "echo '*.log' >.gitignore",
                        t->ws),
                     0);
}

/* The agent's session exported: its bundle as a file of its own. */
static char *agent_bundle(struct t *t)
{
    agent_works(t);
    assert_int_equal(export(t, "git", t->base, "-"), 0);
    struct run_export_header h = header_of(t->out);
    return bundle_of(t, &h);
}

/* ---- framing ---- */

static void test_header_kinds_are_told_apart(void **state)
{
    (void)state;
    struct run_export_header h;
    assert_int_equal(run_export_parse_header("AGS-EXPORT/1 none\n", 18, &h, NULL), 0);
    assert_int_equal(h.kind, RUN_EXPORT_NONE);
    assert_int_equal(h.len, 18);
    assert_int_equal(run_export_parse_header("AGS-EXPORT/1 bundle 1\n# v2 git bundle\n", 38, &h,
                                             NULL),
                     0);
    assert_int_equal(h.kind, RUN_EXPORT_BUNDLE);
    assert_true(h.uncommitted);
    assert_int_equal(h.len, 22);
    assert_int_equal(run_export_parse_header("AGS-EXPORT/1 bundle 0\n", 22, &h, NULL), 0);
    assert_false(h.uncommitted);
    assert_int_equal(run_export_parse_header("AGS-EXPORT/1 patch\ndiff", 23, &h, NULL), 0);
    assert_int_equal(h.kind, RUN_EXPORT_PATCH);
    assert_int_equal(run_export_parse_header("AGS-EXPORT/1 baseline\n", 22, &h, NULL), 0);
    assert_int_equal(h.kind, RUN_EXPORT_BASELINE);
}

static void test_header_anything_else_is_refused(void **state)
{
    (void)state;
    struct run_export_header h;
    static const char *const bad[] = {
            "",
            "AGS-EXPORT/1 none",        /* no newline: cut short */
            "AGS-EXPORT/1 bundle 2\n",
            "AGS-EXPORT/1 bundle\n",
            "AGS-EXPORT/2 none\n",
            "ags-export/1 none\n",
            " AGS-EXPORT/1 none\n",
            "AGS-EXPORT/1 none \n",
            "# v2 git bundle\n",
            "diff --git a/a b/a\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(run_export_parse_header(bad[i], strlen(bad[i]), &h, NULL), -EBADMSG);
    /* The header is the prefix, never found later in the output. */
    assert_int_equal(run_export_parse_header("x\nAGS-EXPORT/1 none\n", 20, &h, NULL), -EBADMSG);
}

static void test_names_for_branches_and_files(void **state)
{
    (void)state;
    assert_true(run_pull_name_ok("ags-claude-3f2a"));
    assert_true(run_pull_name_ok("a.b_c-1"));
    assert_false(run_pull_name_ok(""));
    assert_false(run_pull_name_ok(NULL));
    assert_false(run_pull_name_ok("../x"));
    assert_false(run_pull_name_ok("a..b"));
    assert_false(run_pull_name_ok("a/b"));
    assert_false(run_pull_name_ok(".hidden"));
    assert_false(run_pull_name_ok("-flag"));
    assert_false(run_pull_name_ok("x.lock"));
    assert_false(run_pull_name_ok("x."));
    assert_false(run_pull_name_ok("a b"));
    assert_true(run_export_base_ok("0123456789abcdef0123456789abcdef01234567"));
    assert_false(run_export_base_ok("0123456789ABCDEF0123456789abcdef01234567"));
    assert_false(run_export_base_ok("none"));
    assert_false(run_export_base_ok("-"));
}

static void test_argv_is_the_fixed_script_with_its_operands(void **state)
{
    (void)state;
    const char *argv[10];
    run_export_argv(RUN_EXPORT_MODE_PLAIN, "/w", "-", "s", argv);
    assert_string_equal(argv[0], "/bin/sh");
    assert_string_equal(argv[1], "-c");
    assert_ptr_equal(argv[2], run_export_script);
    assert_string_equal(argv[4], "plain");
    assert_string_equal(argv[5], "/w");
    assert_string_equal(argv[8], RUN_EXPORT_BASE_DIR);
    assert_null(argv[9]);
}

/* ---- the workspaces left ---- */

static void push_obj(struct backend_objects *o, const char *name, char **labels)
{
    o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
    o->v[o->n++] = (struct backend_object){.kind = BACKEND_OBJ_VOLUME,
                                           .id = xstrdup(name),
                                           .name = xstrdup(name),
                                           .labels = labels,
                                           .tags = strv_new(0),
                                           .users = strv_new(0)};
}

static void test_workspaces_are_the_labelled_workspace_volumes(void **state)
{
    (void)state;
    struct backend_objects o = {0};
    push_obj(&o, "ags-ws-0123456789abcdef",
             strv_new(5, "ags.volume=workspace", "ags.session=0123456789abcdef",
                      "ags.name=ags-pi-1", "ags.workdir=/home/u/my%20repo",
                      "ags.base=0123456789abcdef0123456789abcdef01234567"));
    /* Its baseline, a volume named unlike its session, a bad name. */
    push_obj(&o, "ags-ws-0123456789abcdef-base",
             strv_new(3, "ags.volume=workspace-base", "ags.session=0123456789abcdef",
                      "ags.name=ags-pi-1"));
    push_obj(&o, "other", strv_new(3, "ags.volume=workspace", "ags.session=1111111111111111",
                                   "ags.name=ags-pi-2"));
    push_obj(&o, "ags-ws-2222222222222222",
             strv_new(3, "ags.volume=workspace", "ags.session=2222222222222222",
                      "ags.name=../x"));
    push_obj(&o, "ags-ws-3333333333333333",
             strv_new(2, "ags.volume=workspace", "ags.session=3333333333333333"));
    push_obj(&o, "ags-ws-4444444444444444",
             strv_new(3, "ags.volume=workspace", "ags.session=4444444444444444",
                      "ags.name=ags-pi-4"));
    struct backend_session running = {.state = BACKEND_SESSION_RUNNING,
                                      .labels = strv_new(1, "ags.session=4444444444444444")};
    const struct backend_sessions ss = {&running, 1};
    struct run_workspaces w = {0};
    run_workspaces_from(&o, &ss, &w);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.v[0].name, "ags-pi-1");
    assert_string_equal(w.v[0].workdir, "/home/u/my repo");
    assert_string_equal(w.v[0].base, "0123456789abcdef0123456789abcdef01234567");
    assert_false(w.v[0].running);
    assert_string_equal(w.v[1].name, "ags-pi-4");
    assert_string_equal(w.v[1].base, "none");
    assert_true(w.v[1].running);
    run_workspaces_done(&w);
    strv_free(running.labels);
    backend_objects_done(&o);
}

static void test_a_plan_names_its_remote_session_by_its_workspace_volume(void **state)
{
    (void)state;
    _cleanup_free_ char *src0 = xstrdup("ags-pi-pnpm"), *dst0 = xstrdup("/p");
    _cleanup_free_ char *src1 = xstrdup("ags-ws-0123456789abcdef"), *dst1 = xstrdup("/home/u/w");
    _cleanup_free_ char *image = xstrdup("img");
    _cleanup_strv_free_ char **other = strv_new(1, "ags.volume=pnpm-home");
    _cleanup_strv_free_ char **labels =
            strv_new(5, "ags.managed=true", "ags.session=0123456789abcdef",
                     "ags.volume=workspace", "ags.name=ags-pi-7", "ags.base=none");
    struct plan_mount mounts[] = {
            {.type = PLAN_MOUNT_VOLUME, .source = src0, .destination = dst0, .labels = other},
            {.type = PLAN_MOUNT_VOLUME, .source = src1, .destination = dst1, .labels = labels},
    };
    struct ags_plan p = {.mounts = mounts, .n_mounts = 2};
    p.image.v = image;
    p.identity.uid = 1000;
    p.identity.gid = 1000;
    struct run_remote_session s;
    assert_int_equal(run_remote_session_from_plan(&p, &s), 0);
    assert_string_equal(s.name, "ags-pi-7");
    assert_string_equal(s.session, "0123456789abcdef");
    assert_string_equal(s.workdir, "/home/u/w");
    assert_string_equal(s.base, "none");
    assert_string_equal(s.image, "img");
    assert_int_equal(s.uid, 1000);
    /* A local plan has none. */
    p.n_mounts = 1;
    assert_int_equal(run_remote_session_from_plan(&p, &s), -ENOENT);
}

static void test_volume_names_of_a_session(void **state)
{
    (void)state;
    _cleanup_free_ char *ws = run_remote_workspace_volume("0123456789abcdef");
    _cleanup_free_ char *base = run_remote_base_volume("0123456789abcdef");
    assert_string_equal(ws, "ags-ws-0123456789abcdef");
    assert_string_equal(base, "ags-ws-0123456789abcdef-base");
}

/* ---- the steps of a run through a fake backend ---- */

struct fake {
    struct backend base;
    const char *out;  /* what the helper writes */
    int status, r;    /* its exit status, helper_run's result */
    const char *err;  /* its stderr */
    char *argv4;      /* the script's mode */
    bool ws_read_only;
    size_t removed;
    bool listed;      /* list_owned was asked */
    int export_fd;    /* what the sandbox exported itself, or -1 */
    char *msgs;       /* progress and warnings, "P: ...\n" / "W: ...\n" */
};

static int fake_helper_run(struct backend *b, const struct backend_helper *h,
                           const char *const *argv, int out_fd, uint64_t max_out, int *ret_exit,
                           char **ret_stderr, struct ags_error *err)
{
    struct fake *f = (struct fake *)b;
    free(f->argv4);
    f->argv4 = xstrdup(argv[4]);
    f->ws_read_only = h->n_volumes >= 1 && h->volumes[0].read_only;
    assert_true(max_out > 0);
    assert_int_equal(write_all(out_fd, f->out, strlen(f->out)), 0);
    *ret_exit = f->status;
    *ret_stderr = xstrdup(f->err ? f->err : "");
    return f->r < 0 ? ags_error_set(err, f->r, "fake") : 0;
}

static int fake_list_owned(struct backend *b, const char *const *image_labels,
                           struct backend_objects *ret, struct ags_error *err)
{
    (void)image_labels;
    (void)err;
    ((struct fake *)b)->listed = true;
    static const char *const names[] = {"ags-ws-0123456789abcdef", "ags-ws-0123456789abcdef-base",
                                         "ags-ws-0123456789abcdef-1", "ags-ws-0123456789abcdefff",
                                         "ags-pi-cargo"};
    ret->n = sizeof(names) / sizeof(names[0]);
    ret->v = xcalloc(ret->n, sizeof(*ret->v));
    for (size_t i = 0; i < ret->n; i++)
        ret->v[i] = (struct backend_object){.kind = BACKEND_OBJ_VOLUME,
                                            .id = xstrdup(names[i]),
                                            .name = xstrdup(names[i]),
                                            .labels = strv_new(0),
                                            .tags = strv_new(0),
                                            .users = strv_new(0)};
    return 0;
}

static int fake_remove_owned(struct backend *b, const struct backend_object *o,
                             struct ags_error *err)
{
    (void)err;
    struct fake *f = (struct fake *)b;
    assert_non_null(strstr(o->name, "ags-ws-0123456789abcdef"));
    assert_null(strstr(o->name, "abcdefff"));
    f->removed++;
    return 0;
}

static const struct backend_ops fake_ops = {
        .name = "fake",
        .helper_run = fake_helper_run,
        .list_owned = fake_list_owned,
        .remove_owned = fake_remove_owned,
};

static void fake_msg(struct fake *f, const char *kind, const char *msg)
{
    char *old = f->msgs;
    f->msgs = xasprintf("%s%s: %s\n", old ? old : "", kind, msg);
    free(old);
}

static void on_progress(const char *msg, void *userdata)
{
    fake_msg(userdata, "P", msg);
}

static void on_warn(const char *msg, void *userdata)
{
    fake_msg(userdata, "W", msg);
}

/* A remote plan: its workspace volume with the labels the plan gives it,
 * and a second uploaded volume (the claude hooks'). */
struct remote_plan {
    struct ags_plan p;
    struct plan_mount m[2];
};

static void remote_plan(struct remote_plan *rp, const char *base)
{
    _cleanup_free_ char *base_label = xasprintf("ags.base=%s", base);
    rp->m[0] = (struct plan_mount){.type = PLAN_MOUNT_VOLUME,
                                .source = xstrdup("ags-ws-0123456789abcdef"),
                                .destination = xstrdup("/nonexistent/w"),
                                .labels = strv_new(4, "ags.session=0123456789abcdef",
                                                   "ags.volume=workspace", "ags.name=ags-pi-7",
                                                   base_label)};
    rp->m[1] = (struct plan_mount){.type = PLAN_MOUNT_VOLUME,
                                   .source = xstrdup("ags-ws-0123456789abcdef-1"),
                                   .destination = xstrdup("/nonexistent/hooks"),
                                   .read_only = true,
                                   .labels = strv_new(0)};
    rp->p = (struct ags_plan){.mounts = rp->m, .n_mounts = 2};
    rp->p.image.v = xstrdup("img");
}

static void remote_plan_done(struct remote_plan *rp)
{
    for (size_t i = 0; i < 2; i++) {
        free(rp->m[i].source);
        free(rp->m[i].destination);
        strv_free(rp->m[i].labels);
    }
    free(rp->p.image.v);
}

static void run_bring_back(struct fake *f, const char *base, const char *state_home)
{
    struct remote_plan rp;
    remote_plan(&rp, base);
    struct ags_config cfg = {0};
    cfg.remote.max_pull.v = 1 << 20;
    const struct run_callbacks cb = {.warn = on_warn, .progress = on_progress, .userdata = f};
    assert_int_equal(setenv("XDG_STATE_HOME", state_home, 1), 0);
    run_remote_bring_back(&f->base, &rp.p, &cfg, f->export_fd, &cb);
    remote_plan_done(&rp);
}

static void test_a_run_that_changed_nothing_says_so_and_removes_the_volumes(void **state)
{
    struct t *t = *state;
    struct fake f = {.base = {.ops = &fake_ops}, .export_fd = -1, .out = "AGS-EXPORT/1 none\n"};
    run_bring_back(&f, "none", t->root);
    assert_string_equal(f.argv4, "plain");
    assert_true(f.ws_read_only);
    assert_string_equal(f.msgs, "P: ags-pi-7: nothing changed\n");
    /* By name, the plan's two uploaded volumes and the baseline's: a run
     * knows them and lists nothing. */
    assert_int_equal(f.removed, 3);
    assert_false(f.listed);
    free(f.argv4);
    free(f.msgs);
}

/* The patch a pull saved for session ags-pi-7 under the state dir is want. */
static void assert_saved_patch(const struct t *t, const char *want)
{
    _cleanup_free_ char *path = xasprintf("%s/ags/sessions/ags-pi-7.patch", t->root);
    _cleanup_free_ char *text = NULL;
    size_t n = 0;
    assert_int_equal(read_file_bounded(path, 4096, &text, &n, NULL), 0);
    assert_string_equal(text, want);
}

static void test_an_export_the_sandbox_made_is_taken_without_a_helper(void **state)
{
    struct t *t = *state;
    struct fake f = {.base = {.ops = &fake_ops}, .out = "AGS-EXPORT/1 none\n"};
    f.export_fd = memfd_create("export", MFD_CLOEXEC);
    assert_true(f.export_fd >= 0);
    static const char patch[] = "AGS-EXPORT/1 patch\ndiff --git a/b b/b\n";
    assert_int_equal(write_all(f.export_fd, patch, strlen(patch)), 0);
    run_bring_back(&f, "none", t->root);
    assert_null(f.argv4); /* no helper ran */
    assert_saved_patch(t, "diff --git a/b b/b\n");
    assert_int_equal(f.removed, 3);
    (void)close(f.export_fd);
    free(f.msgs);
}

static void test_ags_pull_removes_the_listed_volumes_of_that_session_only(void **state)
{
    struct t *t = *state;
    struct fake f = {.base = {.ops = &fake_ops}, .export_fd = -1, .out = "AGS-EXPORT/1 none\n"};
    const struct run_remote_session s = {.name = "ags-pi-7",
                                         .session = "0123456789abcdef",
                                         .workdir = "/nonexistent/w",
                                         .base = "none",
                                         .image = "img"};
    const struct run_pull_opts o = {.max_pull = 1 << 20, .state_dir = t->root};
    struct run_pull_result res;
    assert_int_equal(run_remote_pull(&f.base, &s, &o, &res, NULL), 0);
    assert_true(f.listed);
    /* -base and -1 of the session and the session's own; not ...abcdefff,
     * another session's (fake_remove_owned refuses it), nor ags-pi-cargo */
    assert_int_equal(f.removed, 3);
    assert_true(res.volumes_removed);
    run_pull_result_done(&res);
    free(f.argv4);
}

static void test_a_failed_export_keeps_the_volumes_and_names_ags_pull(void **state)
{
    struct t *t = *state;
    struct fake f = {.base = {.ops = &fake_ops}, .export_fd = -1,
                     .out = "",
                     .status = 3,
                     .err = "ags-export: the workspace has no .git directory\n\033[2J"};
    run_bring_back(&f, "0123456789abcdef0123456789abcdef01234567", t->root);
    assert_string_equal(f.argv4, "git");
    assert_non_null(strstr(f.msgs, "W: the changes of session ags-pi-7 were not brought back"));
    assert_non_null(strstr(f.msgs, "no .git directory"));
    assert_non_null(strstr(f.msgs, "`ags pull ags-pi-7`"));
    assert_null(strchr(f.msgs, '\033')); /* the helper's words are escaped */
    assert_int_equal(f.removed, 0);
    free(f.argv4);
    free(f.msgs);
    /* More than max_pull, and output without a header: refused the same way. */
    struct fake big = {.base = {.ops = &fake_ops}, .export_fd = -1, .out = "", .r = -EFBIG};
    run_bring_back(&big, "none", t->root);
    assert_non_null(strstr(big.msgs, "larger than [remote] max_pull"));
    assert_int_equal(big.removed, 0);
    free(big.argv4);
    free(big.msgs);
    struct fake junk = {.base = {.ops = &fake_ops}, .export_fd = -1, .out = "# v2 git bundle\n"};
    run_bring_back(&junk, "none", t->root);
    assert_non_null(strstr(junk.msgs, "no valid header"));
    assert_int_equal(junk.removed, 0);
    free(junk.argv4);
    free(junk.msgs);
}

static void test_a_patch_comes_back_as_a_file_under_the_state_dir(void **state)
{
    struct t *t = *state;
    struct fake f = {.base = {.ops = &fake_ops}, .export_fd = -1, .out = "AGS-EXPORT/1 patch\ndiff --git a/a b/a\n"};
    run_bring_back(&f, "none", t->root);
    _cleanup_free_ char *want = xasprintf("P: ags-pi-7: patch %s/ags/sessions/ags-pi-7.patch", t->root);
    assert_non_null(strstr(f.msgs, want));
    assert_saved_patch(t, "diff --git a/a b/a\n");
    assert_int_equal(f.removed, 3);
    free(f.argv4);
    free(f.msgs);
}

/* ---- the in-sandbox export: the wrapped argv run here, with the host's perl ---- */

/* [remote] max_pull as the wrapper gets it. */
static uint64_t wrap_max = 1 << 20;

/* Runs the agent script (sh -c) wrapped as a remote git session's sandbox
 * runs it, PATH path, in the fixture's workspace; after `term_when` exists
 * (NULL: never) SIGTERM goes to the wrapper, as podman stop sends it to the
 * sandbox's main process.  Its wait status. */
static int run_wrapped(struct t *t, const char *agent, const char *path, const char *term_when)
{
    const char *const cmd[] = {"/bin/sh", "-c", agent, NULL};
    char **argv = run_export_wrap_argv(cmd, t->out, wrap_max, t->ws, t->base, "sess1");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _cleanup_free_ char *env_path = xasprintf("PATH=%s", path);
        char *const envp[] = {env_path, NULL};
        _cleanup_free_ char *stdout_path = xasprintf("%s/stdout", t->root);
        int out = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out >= 0 && dup2(out, STDOUT_FILENO) == STDOUT_FILENO && chdir(t->ws) == 0)
            execve(argv[0], argv, envp);
        _exit(126);
    }
    strv_free(argv);
    for (int i = 0; term_when && i < 1000 && access(term_when, F_OK) != 0; i++)
        (void)usleep(10 * 1000);
    if (term_when)
        assert_int_equal(kill(pid, SIGTERM), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* What ags takes from the wrapper's stdout (run_export_capture, fed in
 * small chunks as a stream comes): the text that passes on (owned) and
 * run_export_capture_take's answer, the export in *ret_fd when 1. */
static int capture_stdout(struct t *t, char **ret_text, int *ret_fd)
{
    assert_int_equal(setenv("XDG_STATE_HOME", t->root, 1), 0);
    _cleanup_free_ char *path = xasprintf("%s/stdout", t->root);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(path, 1 << 24, &data, &len, NULL), 0);
    struct run_export_capture c;
    assert_int_equal(run_export_capture_begin(&c, 1 << 20, NULL), 0);
    const struct output_filter *f = run_export_capture_filter(&c, NULL);
    char *text = xmalloc(len + 7 + f->slack);
    size_t n_text = 0;
    for (size_t off = 0; off < len; off += 7) {
        size_t k = len - off < 7 ? len - off : 7;
        n_text += f->filter(f->state, data + off, k, text + n_text);
    }
    text[n_text] = '\0';
    *ret_fd = -1;
    int r = run_export_capture_take(&c, ret_fd);
    run_export_capture_done(&c);
    free(data);
    *ret_text = text;
    return r;
}

/* The export file's bytes and the captured export's are the same. */
static void assert_captured_is_the_file(int fd, const char *file)
{
    char *want = NULL;
    size_t n_want = 0;
    assert_int_equal(read_file_bounded(file, 1 << 24, &want, &n_want, NULL), 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    assert_int_equal((size_t)sb.st_size, n_want);
    char *got = xmalloc(n_want + 1);
    assert_int_equal(pread(fd, got, n_want + 1, 0), (ssize_t)n_want);
    assert_memory_equal(got, want, n_want);
    free(got);
    free(want);
}

static void test_a_wrapped_agent_exits_with_its_status_and_leaves_its_export(void **state)
{
    struct t *t = *state;
    int st = run_wrapped(t, "echo two >>a; echo said; exit 7", "/usr/bin:/bin", NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 7);
    struct run_export_header h = header_of(t->out);
    assert_int_equal(h.kind, RUN_EXPORT_BUNDLE);
    assert_true(h.uncommitted);
    _cleanup_free_ char *tmp = xasprintf("%s.tmp", t->out);
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* The same export ends the stdout, which otherwise is the agent's. */
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int fd = -1;
    assert_int_equal(capture_stdout(t, &text, &fd), 1);
    assert_string_equal(text, "said\n");
    assert_captured_is_the_file(fd, t->out);
}

static void test_an_export_over_max_pull_is_not_sent_but_said_to_be_missing(void **state)
{
    struct t *t = *state;
    wrap_max = 10; /* the export's header line alone is longer */
    int st = run_wrapped(t, "echo two >>a", "/usr/bin:/bin", NULL);
    wrap_max = 1 << 20;
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(header_of(t->out).kind, RUN_EXPORT_BUNDLE); /* the file is there */
    _cleanup_free_ char *text = NULL;
    int fd = -1;
    assert_int_equal(capture_stdout(t, &text, &fd), 0); /* a helper makes it, bounded */
    assert_int_equal(fd, -1);
    assert_string_equal(text, "");
}

static void test_a_frame_the_agent_forges_on_its_stdout_is_overruled_by_the_real_one(void **state)
{
    struct t *t = *state;
    /* "AGS-EXPORT/1 none\n" as a frame: the work would be dropped. */
    int st = run_wrapped(t,
                         "echo two >>a; printf '\\033_" RUN_EXPORT_FRAME_TAG
                         ";18;4147532d4558504f52542f31206e6f6e650a\\033\\\\'",
                         "/usr/bin:/bin", NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int fd = -1;
    assert_int_equal(capture_stdout(t, &text, &fd), 1);
    assert_string_equal(text, "");
    assert_captured_is_the_file(fd, t->out);
    assert_int_equal(header_of(t->out).kind, RUN_EXPORT_BUNDLE);
}

static void test_a_wrapped_agent_killed_by_a_signal_exits_128_plus_n(void **state)
{
    struct t *t = *state;
    int st = run_wrapped(t, "kill -KILL $$", "/usr/bin:/bin", NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 128 + SIGKILL);
    assert_int_equal(header_of(t->out).kind, RUN_EXPORT_NONE);
}

static void test_sigterm_to_the_wrapper_reaches_the_agent_and_the_export_still_runs(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *ready = xasprintf("%s/ready", t->root);
    _cleanup_free_ char *agent = xasprintf("trap 'echo got >marker; exit 0' TERM; touch %s; "
                                           "while :; do sleep 0.02; done", ready);
    int st = run_wrapped(t, agent, "/usr/bin:/bin", ready);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    struct run_export_header h = header_of(t->out); /* the marker is a change */
    assert_int_equal(h.kind, RUN_EXPORT_BUNDLE);
}

static void test_a_perl_planted_on_the_agents_path_never_becomes_the_main_process(void **state)
{
    struct t *t = *state;
    /* A volume directory first on PATH (as ~/.local/bin is), holding a
     * "perl" that would forge the export: the system one runs. */
    _cleanup_free_ char *bin = xasprintf("%s/planted", t->root);
    _cleanup_free_ char *marker = xasprintf("%s/planted-ran", t->root);
    assert_int_equal(sh("mkdir %s && printf '#!/bin/sh\\ntouch %s\\nexit 9\\n' >%s/perl && "
                        "chmod +x %s/perl",
                        bin, marker, bin, bin),
                     0);
    _cleanup_free_ char *path = xasprintf("%s:/usr/bin:/bin", bin);
    int st = run_wrapped(t, "exit 5", path, NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 5);
    assert_int_not_equal(access(marker, F_OK), 0);
    assert_int_equal(header_of(t->out).kind, RUN_EXPORT_NONE);
}

static void test_what_the_agent_plants_at_the_export_path_is_never_written_through(void **state)
{
    struct t *t = *state;
    /* A link at OUT and a directory at OUT.tmp: the link is removed, not
     * followed; the export cannot be written, so there is none (a helper
     * makes it), and the agent's status still passes. */
    _cleanup_free_ char *target = xasprintf("%s/target", t->root);
    assert_int_equal(sh("echo mine >%s", target), 0);
    _cleanup_free_ char *agent = xasprintf("ln -s %s %s && mkdir %s.tmp && touch %s.tmp/x; exit 4",
                                           target, t->out, t->out, t->out);
    int st = run_wrapped(t, agent, "/usr/bin:/bin", NULL);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 4);
    assert_int_equal(sh("test \"$(cat %s)\" = mine", target), 0);
    struct stat sb;
    assert_int_not_equal(lstat(t->out, &sb), 0);
    /* Its stdout says so with an empty frame: a helper makes the export. */
    _cleanup_free_ char *text = NULL;
    int fd = -1;
    assert_int_equal(capture_stdout(t, &text, &fd), 0);
    assert_int_equal(fd, -1);
}

static void test_the_baseline_step_runs_only_outside_git(void **state)
{
    (void)state;
    struct remote_plan rp;
    remote_plan(&rp, "0123456789abcdef0123456789abcdef01234567");
    struct fake f = {.base = {.ops = &fake_ops}, .export_fd = -1, .out = "AGS-EXPORT/1 baseline\n"};
    assert_int_equal(run_remote_after_upload(&f.base, &rp.p, NULL), 0);
    assert_null(f.argv4);
    remote_plan_done(&rp);
    remote_plan(&rp, "none");
    assert_int_equal(run_remote_after_upload(&f.base, &rp.p, NULL), 0);
    assert_string_equal(f.argv4, "baseline");
    f.out = "AGS-EXPORT/1 none\n";
    assert_int_equal(run_remote_after_upload(&f.base, &rp.p, NULL), -EBADMSG);
    remote_plan_done(&rp);
    free(f.argv4);
}

/* ---- the script and the host's side, git ---- */

static void test_commits_and_uncommitted_changes_come_back_as_a_branch(void **state)
{
    struct t *t = *state;
    agent_works(t);
    _cleanup_free_ char *head_before = sh_out("cd %s && git rev-parse HEAD", t->local);
    struct run_pull_result res;
    assert_true(fetch_export(t, &res).uncommitted);
    assert_string_equal(res.branch, "ags/sess1");
    assert_int_equal(res.commits, 2);
    /* Exactly the agent's work tree: edits, adds, deletes; ignored files not. */
    _cleanup_free_ char *a = sh_out("cd %s && git show ags/sess1:a | tr '\\n' ,", t->local);
    assert_string_equal(a, "one,two,three,");
    assert_int_equal(sh("cd %s && test \"$(git show ags/sess1:u)\" = untracked", t->local), 0);
    assert_int_equal(sh("cd %s && test \"$(git show ags/sess1:n)\" = new", t->local), 0);
    assert_int_not_equal(sh("cd %s && git cat-file -e ags/sess1:d 2>/dev/null", t->local), 0);
    assert_int_not_equal(sh("cd %s && git cat-file -e ags/sess1:bin 2>/dev/null", t->local), 0);
    assert_int_not_equal(sh("cd %s && git cat-file -e ags/sess1:x.log 2>/dev/null", t->local), 0);
    _cleanup_free_ char *subject = sh_out("cd %s && git log -1 --format=%%s ags/sess1", t->local);
    assert_string_equal(subject, "ags: uncommitted changes of session sess1");
    _cleanup_free_ char *parent = sh_out("cd %s && git log -1 --format=%%s ags/sess1^", t->local);
    assert_string_equal(parent, "agent");
    /* The host's work tree, index and HEAD are untouched. */
    _cleanup_free_ char *head_after = sh_out("cd %s && git rev-parse HEAD", t->local);
    assert_string_equal(head_before, head_after);
    _cleanup_free_ char *status = sh_out("cd %s && git status --porcelain | wc -l", t->local);
    assert_string_equal(status, "0");
    _cleanup_free_ char *cur = sh_out("cd %s && git symbolic-ref --short HEAD", t->local);
    assert_string_equal(cur, "main");
    /* The workspace's repository is not written by the export. */
    _cleanup_free_ char *ws_refs = sh_out("cd %s && git for-each-ref | wc -l", t->ws);
    assert_string_equal(ws_refs, "1");
    run_pull_result_done(&res);
}

static void test_an_existing_branch_is_never_overwritten(void **state)
{
    struct t *t = *state;
    agent_works(t);
    assert_int_equal(sh("cd %s && git branch ags/sess1 && git branch ags/sess1-2", t->local), 0);
    struct run_pull_result res;
    fetch_export(t, &res);
    assert_string_equal(res.branch, "ags/sess1-3");
    _cleanup_free_ char *kept = sh_out("cd %s && git rev-parse ags/sess1", t->local);
    assert_string_equal(kept, t->base);
    run_pull_result_done(&res);
}

/* A base this repository no longer has (deleted and pruned since the
 * upload): the branch is made and every commit its tip reaches counts;
 * a full hex id "verifies" in rev-parse whether or not the object exists,
 * so the count must not take it for a commit. */
static void test_a_base_gone_from_the_host_still_counts_and_succeeds(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *bundle = agent_bundle(t);
    static const char gone[] = "1234567890123456789012345678901234567890";
    struct run_pull_result res = {0};
    struct ags_error err = {0};
    assert_int_equal(run_pull_fetch_bundle(t->local, bundle, "sess1", gone, &res, &err), 0);
    assert_string_equal(res.branch, "ags/sess1");
    _cleanup_free_ char *all = sh_out("cd %s && git rev-list --count ags/sess1", t->local);
    assert_int_equal(res.commits, strtoull(all, NULL, 10));
    run_pull_result_done(&res);
}

static void test_missing_prerequisites_are_refused(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *bundle = agent_bundle(t);
    /* A repository that never had the base commit. */
    _cleanup_free_ char *other = xasprintf("%s/other", t->root);
    assert_int_equal(sh("mkdir %s && cd %s && " GIT " init -q . && echo x >x && " GIT
                        " add x && " GIT " commit -qm other",
                        other, other),
                     0);
    struct run_pull_result res = {0};
    struct ags_error err = {0};
    assert_int_equal(run_pull_fetch_bundle(other, bundle, "sess1", t->base, &res, &err),
                     -EBADMSG);
    assert_non_null(strstr(err.msg, "bundle verify"));
    assert_int_not_equal(sh("cd %s && git rev-parse -q --verify ags/sess1 >/dev/null", other), 0);
}

static void test_a_corrupt_bundle_is_refused(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *bundle = agent_bundle(t);
    /* Bytes of the pack overwritten (its header and objects sit after the refs). */
    assert_int_equal(sh("size=$(stat -c %%s %s) && printf 'garbagegarbagegarbage' | "
                        "dd of=%s bs=1 seek=$((size - 40)) conv=notrunc status=none",
                        bundle, bundle),
                     0);
    struct run_pull_result res = {0};
    assert_int_equal(run_pull_fetch_bundle(t->local, bundle, "sess1", t->base, &res, NULL),
                     -EBADMSG);
    assert_int_not_equal(sh("cd %s && git rev-parse -q --verify ags/sess1 >/dev/null", t->local),
                         0);
    /* And a bundle of some other head than the export's. */
    assert_int_equal(sh("cd %s && git bundle create -q %s/other.bundle main 2>/dev/null", t->ws,
                        t->root),
                     0);
    _cleanup_free_ char *other = xasprintf("%s/other.bundle", t->root);
    struct ags_error err = {0};
    assert_int_equal(run_pull_fetch_bundle(t->local, other, "sess1", t->base, &res, &err),
                     -EBADMSG);
    assert_non_null(strstr(err.msg, "head"));
}

static void test_a_bundle_with_a_malformed_object_is_refused(void **state)
{
    struct t *t = *state;
    /* A commit no git would write (an author without a closing '>'), on
     * the base: git fetch of a bundle would take it without a word. */
    _cleanup_free_ char *bundle = xasprintf("%s/bad.bundle", t->root);
    assert_int_equal(sh("cd %s && tree=$(git rev-parse HEAD^{tree}) && "
                        "printf 'tree %%s\\nparent %%s\\nauthor bad <no-close 1 +0000\\n"
                        "committer x <x@x> 1 +0000\\n\\nmsg\\n' $tree %s >c && "
                        "c=$(git hash-object -t commit -w --literally c) && "
                        "git update-ref refs/heads/ags-export $c && "
                        "git bundle create -q %s refs/heads/ags-export ^%s 2>/dev/null",
                        t->ws, t->base, bundle, t->base),
                     0);
    struct run_pull_result res = {0};
    struct ags_error err = {0};
    assert_int_equal(run_pull_fetch_bundle(t->local, bundle, "sess1", t->base, &res, &err),
                     -EBADMSG);
    assert_non_null(strstr(err.msg, "index-pack"));
    assert_int_not_equal(sh("cd %s && git rev-parse -q --verify ags/sess1 >/dev/null", t->local),
                         0);
}

static void test_nothing_changed_says_none(void **state)
{
    struct t *t = *state;
    assert_int_equal(export(t, "git", t->base, "-"), 0);
    struct run_export_header h = header_of(t->out);
    assert_int_equal(h.kind, RUN_EXPORT_NONE);
    struct stat st;
    assert_int_equal(stat(t->out, &st), 0);
    assert_int_equal(st.st_size, h.len);
}

static void test_base_missing_and_detached_head_still_come_back(void **state)
{
    struct t *t = *state;
    /* The agent detached HEAD onto a history that does not hold the base. */
    assert_int_equal(sh("cd %s && " GIT " checkout -q --orphan fresh && " GIT " rm -rq --cached . "
                        "&& rm -f a d bin && echo only >o && " GIT " add o && " GIT
                        " commit -qm fresh && " GIT " checkout -q --detach && " GIT
                        " branch -D main -q && " GIT " reflog expire --expire=now --all && " GIT
                        " gc -q --prune=now",
                        t->ws),
                     0);
    struct run_pull_result res;
    assert_false(fetch_export(t, &res).uncommitted);
    assert_int_equal(res.commits, 1);
    assert_int_equal(sh("cd %s && test \"$(git show ags/sess1:o)\" = only", t->local), 0);
    run_pull_result_done(&res);
}

static void test_planted_hooks_and_fsmonitor_never_run(void **state)
{
    struct t *t = *state;
    agent_works(t);
    _cleanup_free_ char *mark = xasprintf("%s/PWNED", t->root);
    assert_int_equal(sh("cd %s && mkdir -p .git/hooks && for h in post-checkout pre-commit "
                        "post-commit reference-transaction post-index-change; do "
                        "printf '#!/bin/sh\\ntouch %s\\n' >.git/hooks/$h; chmod +x .git/hooks/$h; "
                        "done && git config core.fsmonitor 'touch %s #' && "
                        "git config core.hooksPath .git/hooks",
                        t->ws, mark, mark),
                     0);
    /* The host's repository with a hook of its own that the fetch and the
     * branch update would run were hooks on. */
    assert_int_equal(sh("cp -a %s/.git/hooks/reference-transaction %s/.git/hooks/", t->ws,
                        t->local),
                     0);
    struct run_pull_result res;
    fetch_export(t, &res);
    assert_int_not_equal(access(mark, F_OK), 0);
    run_pull_result_done(&res);
}

/* Makes repo say it is a partial clone whose promisor remote's uploadpack
 * (run through the shell by a fetch from a path) touches mark. */
static void make_promisor(const struct t *t, const char *repo, const char *mark)
{
    assert_int_equal(sh("mkdir -p %s/nowhere && cd %s && "
                        "git config core.repositoryformatversion 1 && "
                        "git config extensions.partialClone origin && "
                        "git config remote.origin.url %s/nowhere && "
                        "git config remote.origin.promisor true && "
                        "git config protocol.file.allow always && "
                        "git config remote.origin.uploadpack 'touch %s; false'",
                        t->root, repo, t->root, mark),
                     0);
}

/* The agent's bundle is thin: its delta bases are the host's objects.  One
 * the host lacks in a repository that says it is a partial clone would be
 * fetched from the promisor remote by index-pack --fix-thin, and a fetch
 * runs what the host repository's config names (remote.origin.uploadpack
 * through the shell for a path; for a real partial clone: the network with
 * the user's credentials, at the agent's choosing). */
static void test_a_thin_bundle_never_makes_the_host_fetch(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *mark = xasprintf("%s/PWNED", t->root);
    assert_int_equal(sh("cd %s && seq 1 3000 >big && " GIT " add big && " GIT " commit -qm big && "
                        "rm -rf %s && cp -a %s %s",
                        t->local, t->ws, t->local, t->ws),
                     0);
    _cleanup_free_ char *base = sh_out("cd %s && git rev-parse HEAD", t->local);
    _cleanup_free_ char *blob = sh_out("cd %s && git rev-parse HEAD:big", t->local);
    assert_int_equal(sh("cd %s && seq 1 3001 >big && " GIT " commit -qam edit", t->ws), 0);
    assert_int_equal(sh("cd / && env -i PATH=/usr/bin:/bin sh %s git %s %s sess1 - >%s 2>%s.err",
                        t->script, t->ws, base, t->out, t->out),
                     0);
    struct run_export_header h = header_of(t->out);
    assert_int_equal(h.kind, RUN_EXPORT_BUNDLE);
    _cleanup_free_ char *bundle = bundle_of(t, &h);
    /* The host lacks the delta base and says a promisor remote has it. */
    assert_int_equal(sh("rm %s/.git/objects/%.2s/%s", t->local, blob, blob + 2), 0);
    make_promisor(t, t->local, mark);
    struct run_pull_result res = {0};
    struct ags_error err = {0};
    assert_int_equal(run_pull_fetch_bundle(t->local, bundle, "sess1", base, &res, &err),
                     -EBADMSG);
    assert_non_null(strstr(err.msg, "index-pack"));
    assert_int_not_equal(access(mark, F_OK), 0);
    assert_int_not_equal(sh("cd %s && git rev-parse -q --verify ags/sess1 >/dev/null", t->local),
                         0);
}

/* The export reads HEAD in the agent's repository with rev-parse; a config
 * there that makes it a partial clone would have a missing commit fetched
 * from its promisor remote, which runs its uploadpack through the shell. */
static void test_the_export_never_fetches_for_the_agents_repository(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *mark = xasprintf("%s/PWNED", t->root);
    make_promisor(t, t->ws, mark);
    assert_int_equal(sh("echo 1234567890123456789012345678901234567890 >%s/.git/refs/heads/main",
                        t->ws),
                     0);
    (void)export(t, "git", t->base, "-");
    assert_int_not_equal(access(mark, F_OK), 0);
}

/* ---- outside git: the baseline and the patch ---- */

static void test_outside_git_a_patch_is_saved_0600(void **state)
{
    struct t *t = *state;
    _cleanup_free_ char *bdir = xasprintf("%s/base", t->root);
    assert_int_equal(sh("rm -rf %s/.git && mkdir %s && echo '*.tmp' >%s/.agsignore", t->ws, bdir,
                        t->ws),
                     0);
    assert_int_equal(export(t, "baseline", "-", bdir), 0);
    assert_int_equal(header_of(t->out).kind, RUN_EXPORT_BASELINE);
    assert_int_equal(export(t, "plain", "-", bdir), 0);
    assert_int_equal(header_of(t->out).kind, RUN_EXPORT_NONE);
    assert_int_equal(sh("cd %s && echo two >>a && rm d && echo new >n && echo junk >j.tmp && "
                        "printf 'bin\\0ary2' >bin",
                        t->ws),
                     0);
    assert_int_equal(export(t, "plain", "-", bdir), 0);
    struct run_export_header h = header_of(t->out);
    assert_int_equal(h.kind, RUN_EXPORT_PATCH);
    _cleanup_free_ char *dir = xasprintf("%s/state/sessions", t->root);
    int fd = open(t->out, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    _cleanup_free_ char *p1 = NULL, *p2 = NULL;
    assert_int_equal(run_pull_save_patch(dir, "sess1", fd, h.len, &p1, NULL), 0);
    assert_int_equal(run_pull_save_patch(dir, "sess1", fd, h.len, &p2, NULL), 0);
    close(fd);
    _cleanup_free_ char *want1 = xasprintf("%s/sess1.patch", dir);
    _cleanup_free_ char *want2 = xasprintf("%s/sess1-2.patch", dir);
    assert_string_equal(p1, want1);
    assert_string_equal(p2, want2);
    struct stat st;
    assert_int_equal(stat(p1, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* It applies to the original tree and gives exactly the agent's. */
    assert_int_equal(sh("cd %s && rm -rf .git && git apply --binary %s && test \"$(cat a)\" = "
                        "\"$(printf 'one\\ntwo')\" && test ! -e d && test \"$(cat n)\" = new && "
                        "test ! -e j.tmp && cmp -s bin %s/bin",
                        t->local, p1, t->ws),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_header_kinds_are_told_apart),
            cmocka_unit_test(test_header_anything_else_is_refused),
            cmocka_unit_test(test_names_for_branches_and_files),
            cmocka_unit_test(test_argv_is_the_fixed_script_with_its_operands),
            cmocka_unit_test(test_workspaces_are_the_labelled_workspace_volumes),
            cmocka_unit_test(test_volume_names_of_a_session),
            cmocka_unit_test(test_a_plan_names_its_remote_session_by_its_workspace_volume),
            cmocka_unit_test_setup_teardown(
                    test_a_run_that_changed_nothing_says_so_and_removes_the_volumes, setup,
                    teardown),
            cmocka_unit_test_setup_teardown(
                    test_a_failed_export_keeps_the_volumes_and_names_ags_pull, setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_ags_pull_removes_the_listed_volumes_of_that_session_only, setup,
                    teardown),
            cmocka_unit_test_setup_teardown(
                    test_an_export_the_sandbox_made_is_taken_without_a_helper, setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_a_patch_comes_back_as_a_file_under_the_state_dir, setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_a_wrapped_agent_exits_with_its_status_and_leaves_its_export, setup,
                    teardown),
            cmocka_unit_test_setup_teardown(
                    test_a_wrapped_agent_killed_by_a_signal_exits_128_plus_n, setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_a_frame_the_agent_forges_on_its_stdout_is_overruled_by_the_real_one,
                    setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_an_export_over_max_pull_is_not_sent_but_said_to_be_missing, setup,
                    teardown),
            cmocka_unit_test_setup_teardown(
                    test_sigterm_to_the_wrapper_reaches_the_agent_and_the_export_still_runs,
                    setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_a_perl_planted_on_the_agents_path_never_becomes_the_main_process, setup,
                    teardown),
            cmocka_unit_test_setup_teardown(
                    test_what_the_agent_plants_at_the_export_path_is_never_written_through,
                    setup, teardown),
            cmocka_unit_test(test_the_baseline_step_runs_only_outside_git),
            cmocka_unit_test_setup_teardown(
                    test_commits_and_uncommitted_changes_come_back_as_a_branch, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_base_gone_from_the_host_still_counts_and_succeeds,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_an_existing_branch_is_never_overwritten, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_missing_prerequisites_are_refused, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_a_corrupt_bundle_is_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_bundle_with_a_malformed_object_is_refused,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_nothing_changed_says_none, setup, teardown),
            cmocka_unit_test_setup_teardown(test_base_missing_and_detached_head_still_come_back,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_thin_bundle_never_makes_the_host_fetch, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_the_export_never_fetches_for_the_agents_repository,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_planted_hooks_and_fsmonitor_never_run, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_outside_git_a_patch_is_saved_0600, setup,
                                            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
