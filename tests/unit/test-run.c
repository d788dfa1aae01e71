/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The run's undo (run/run.h) on every way out, with a fake backend that
 * records each operation: for each step failing in turn and for each signal
 * arriving during each step, exactly what was created is removed again (the
 * sandbox iff created, the secrets iff handed over, the backend closed iff
 * opened, the lockdown staging always), and the signal dispositions are
 * those from before.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "config/config.h"
#include "plan/plan.h"
#include "run/internal.h"
#include "run/run.h"
#include "run/stage.h"

enum op {
    OP_OPEN,
    OP_SWEEP,
    OP_IMAGE_EXISTS,
    OP_IMAGE_BUILD,
    OP_PREPARE,
    OP_SECRETS_CREATE,
    OP_CREATE,
    OP_START,
    OP_REMOVE,
    OP_SECRETS_REMOVE,
    OP_CLOSE,
    OP_COUNT,
    OP_NONE = OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    "open", "sweep", "image_exists", "image_build", "prepare", "secrets_create",
    "create", "start_attached", "remove", "secrets_remove", "close",
};

#define FAKE_EXIT 42
#define MAX_NAMES 8
#define MAX_WARNINGS 32

/* What the fake does and what it saw; reset before each run. */
static struct {
    enum op fail_at;   /* this op fails with -EIO */
    enum op signal_at; /* this op raises signal */
    int signal;
    int clashes;       /* create says -EEXIST this many times */
    int calls[OP_COUNT];
    int created;       /* sandboxes there now */
    int created_total; /* creates that succeeded */
    int secrets_made;  /* secret sets there now */
    int secrets_total; /* secrets_create that succeeded */
    size_t n_secret_values;
    char names[MAX_NAMES][128];
    int n_names;
    char *warnings[MAX_WARNINGS];
    int n_warnings;
    size_t output_bytes;
    bool closed;
    int base_lookups; /* image_exists of the base */
    bool base_arg;    /* the build got BASE_IMAGE=<the stored base> */
    bool ca_file;     /* the build context got the host's CA bundle */
    bool remote;      /* the engine fake_open reaches is remote */
} fk;

static int fake_step(enum op op, struct ags_error *err)
{
    fk.calls[op]++;
    if (fk.signal_at == op)
        (void)raise(fk.signal);
    if (fk.fail_at == op)
        return ags_error_set(err, -EIO, "fake %s failed", op_names[op]);
    return 0;
}

/* The long steps give up once the run's cancel flag is set, like Podman's. */
static const volatile sig_atomic_t *fake_cancel;

static int fake_long_step(enum op op, struct ags_error *err)
{
    int r = fake_step(op, err);
    if (r == 0 && fake_cancel && *fake_cancel)
        return ags_error_set(err, -EINTR, "fake %s interrupted", op_names[op]);
    return r;
}

static int fake_sweep(struct backend *b _unused_, size_t *ret_removed, struct ags_error *err)
{
    *ret_removed = 0;
    return fake_long_step(OP_SWEEP, err);
}

/* The base of the shipped Containerfile ([image] base) is in storage: the
 * first build of a run then needs no registry and no mmdebstrap. */
static int fake_image_exists(struct backend *b _unused_, const char *image, bool *ret,
                             struct ags_error *err)
{
    if (strcmp(image, "docker.io/library/debian:trixie") == 0) {
        fk.base_lookups++;
        *ret = true;
        return 0;
    }
    *ret = false;
    return fake_long_step(OP_IMAGE_EXISTS, err);
}

static int fake_image_build(struct backend *b _unused_, const char *image _unused_,
                            const struct backend_image_build *o, struct ags_error *err)
{
    for (size_t i = 0; o->buildargs && o->buildargs[i]; i++)
        fk.base_arg = strcmp(o->buildargs[i], "BASE_IMAGE=docker.io/library/debian:trixie") == 0;
    for (size_t i = 0; i < o->n_files; i++)
        fk.ca_file = strcmp(o->files[i].name, "ags-ca-bundle.crt") == 0;
    if (o->on_output)
        o->on_output("STEP 1/1\n", 9, o->userdata);
    return fake_long_step(OP_IMAGE_BUILD, err);
}

static int fake_prepare(struct backend *b _unused_, const struct ags_plan *p _unused_,
                        struct ags_error *err)
{
    return fake_long_step(OP_PREPARE, err);
}

static int fake_secrets_create(struct backend *b _unused_, const struct ags_plan *p _unused_,
                               const struct backend_secret_value *values _unused_, size_t n,
                               struct ags_error *err)
{
    int r = fake_step(OP_SECRETS_CREATE, err);
    fk.n_secret_values = n;
    fk.secrets_made += r == 0;
    fk.secrets_total += r == 0;
    return r;
}

static int fake_create(struct backend *b _unused_, const struct ags_plan *p, bool tty _unused_,
                       char **ret_id, struct ags_error *err)
{
    if (fk.n_names < MAX_NAMES)
        (void)snprintf(fk.names[fk.n_names++], sizeof(fk.names[0]), "%s", p->name.v);
    int r = fake_step(OP_CREATE, err);
    if (r == 0 && fk.clashes > 0) {
        fk.clashes--;
        return ags_error_set(err, -EEXIST, "the name %s is in use", p->name.v);
    }
    if (r == 0) {
        fk.created++;
        fk.created_total++;
        *ret_id = xstrdup("c0ffee");
    }
    return r;
}

static int fake_start(struct backend *b _unused_, const char *id, const struct backend_io *io,
                      int *ret_exit, struct ags_error *err)
{
    assert_string_equal(id, "c0ffee");
    assert_int_equal(io->out_fd, STDOUT_FILENO);
    int r = fake_step(OP_START, err);
    if (r == 0 && fk.signal_at == OP_START) /* the attached session's own handling */
        return ags_error_set(err, -EINTR, "interrupted by SIG%s", sigabbrev_np(fk.signal));
    if (r == 0)
        *ret_exit = FAKE_EXIT;
    return r;
}

static int fake_remove(struct backend *b _unused_, const char *id, struct ags_error *err)
{
    assert_string_equal(id, "c0ffee");
    int r = fake_step(OP_REMOVE, err);
    if (r == 0)
        fk.created--;
    return r;
}

static int fake_secrets_remove(struct backend *b _unused_, struct ags_error *err)
{
    int r = fake_step(OP_SECRETS_REMOVE, err);
    fk.secrets_made--; /* all of them go even when one fails (backend.h) */
    return r;
}

static void fake_close(struct backend *b)
{
    fk.calls[OP_CLOSE]++;
    fk.closed = true;
    free(b);
}

/* What copy_in got: the tar, where, and when (the sandbox made, not started). */
static struct {
    int calls;
    bool fail;
    char dir[64];
    char tar[8192];
    size_t len;
    bool created_not_started;
} copied;

static int fake_copy_in(struct backend *b _unused_, const char *id, const char *dir, int tar_fd,
                        struct ags_error *err)
{
    assert_string_equal(id, "c0ffee");
    copied.calls++;
    (void)snprintf(copied.dir, sizeof(copied.dir), "%s", dir);
    ssize_t n = pread(tar_fd, copied.tar, sizeof(copied.tar), 0);
    assert_true(n > 0);
    copied.len = (size_t)n;
    copied.created_not_started = fk.created == 1 && fk.calls[OP_START] == 0;
    return copied.fail ? ags_error_set(err, -EIO, "fake copy_in failed") : 0;
}

static const struct backend_ops fake_ops = {
    .name = "fake",
    .sweep = fake_sweep,
    .image_exists = fake_image_exists,
    .image_build = fake_image_build,
    .builds_containerfiles = true,
    .prepare = fake_prepare,
    .secrets_create = fake_secrets_create,
    .create = fake_create,
    .copy_in = fake_copy_in,
    .start_attached = fake_start,
    .remove = fake_remove,
    .secrets_remove = fake_secrets_remove,
    .close = fake_close,
};

static int fake_open(const struct backend_open_opts *o, struct backend **ret,
                     struct ags_error *err)
{
    fake_cancel = o->cancel;
    int r = fake_step(OP_OPEN, err);
    if (r < 0)
        return r;
    struct backend *b = xcalloc(1, sizeof(*b));
    b->ops = &fake_ops;
    b->remote = fk.remote;
    *ret = b;
    return 0;
}

static const char *fake_env(const char *name)
{
    if (strcmp(name, "HOST_GH") == 0)
        return "token-from-host";
    return getenv(name);
}

static void record_warning(const char *msg, void *userdata _unused_)
{
    if (fk.n_warnings < MAX_WARNINGS)
        fk.warnings[fk.n_warnings++] = xstrdup(msg);
}

/* The session-end notifications a run sent (never to the real desktop). */
static struct {
    int calls;
    char title[128], body[128];
} sent;

static int record_notify(const char *title, const char *body, char *why _unused_,
                         size_t why_size _unused_)
{
    sent.calls++;
    (void)snprintf(sent.title, sizeof(sent.title), "%s", title);
    (void)snprintf(sent.body, sizeof(sent.body), "%s", body);
    return 0;
}

static void record_output(const char *text _unused_, size_t len, void *userdata _unused_)
{
    fk.output_bytes += len;
}

static bool warned(const char *part)
{
    for (int i = 0; i < fk.n_warnings; i++)
        if (strstr(fk.warnings[i], part))
            return true;
    return false;
}

/* ---- a plan from a small config in a private directory ---- */

static char root[] = "/tmp/ags-test-run-XXXXXX";
static char *home_dir, *work_dir, *tmp_dir;

static void make_dir(const char *path)
{
    assert_int_equal(mkdir(path, 0700), 0);
}

static int setup_dirs(void **state _unused_)
{
    assert_non_null(mkdtemp(root));
    home_dir = xasprintf("%s/home", root);
    work_dir = xasprintf("%s/work", root);
    tmp_dir = xasprintf("%s/tmp", root);
    make_dir(home_dir);
    make_dir(work_dir);
    make_dir(tmp_dir);
    _cleanup_free_ char *pi = xasprintf("%s/.pi", home_dir);
    make_dir(pi);
    /* Lockdown staging and its sweep live in $TMPDIR. */
    assert_int_equal(setenv("TMPDIR", tmp_dir, 1), 0);
    assert_int_equal(unsetenv("XDG_RUNTIME_DIR"), 0);
    return 0;
}

static int teardown_dirs(void **state _unused_)
{
    assert_int_equal(stage_remove_tree(root, NULL), 0);
    free(home_dir);
    free(work_dir);
    free(tmp_dir);
    return 0;
}

struct fixture {
    struct cfg_host host;
    struct ags_config *cfg;
    struct ags_plan *plan;
    char *staging;
};

/* extra: more config after the fixture's; auth_proxy: run_request's. */
static void fixture_build_with(struct fixture *f, bool lockdown, const char *extra,
                               bool auth_proxy)
{
    _cleanup_free_ char *toml = xasprintf(
            "[sandbox]\n"
            "image = \"ags-test-run:1\"\n"
            "[[agent_mount]]\n"
            "host = \"%s/.pi\"\ncontainer = \"/home/dev/.pi\"\n"
            "[[secret]]\n"
            "env = \"GH_TOKEN\"\nfrom_env = \"HOST_GH\"\n%s",
            home_dir, extra);
    f->host = (struct cfg_host){.home = home_dir, .cwd = work_dir, .getenv = fake_env};
    struct cfg_diag diag = {0};
    int r = config_load_buffer(&f->host, toml, strlen(toml), "/etc/ags.toml", false, &f->cfg,
                               &diag);
    for (size_t i = 0; i < diag.n_errors; i++)
        print_message("config error: %s\n", diag.errors[i]);
    cfg_diag_done(&diag);
    assert_int_equal(r, 0);
    const struct run_request req = {
        .cfg = f->cfg,
        .agent = PLAN_AGENT_PI,
        /* Lockdown's default allowlist needs ags-helper for its forwarder,
         * and this test binary has none beside it: none keeps every other
         * lockdown rule under test (unit/plan pins the allowlist). */
        .flags = {.lockdown = lockdown, .network_set = lockdown, .network = PLAN_NETWORK_NONE},
        .host = &f->host,
        .auth_proxy = auth_proxy,
    };
    struct ags_error err = {0};
    f->staging = NULL;
    r = run_build_plan(&req, true, &f->plan, &f->staging, &err);
    if (r < 0)
        print_message("plan error: %s\n", err.msg);
    assert_int_equal(r, 0);
    assert_int_equal(f->staging != NULL, lockdown);
}

static void fixture_build(struct fixture *f, bool lockdown)
{
    fixture_build_with(f, lockdown, "", false);
}

static void fixture_done(struct fixture *f)
{
    plan_free(f->plan);
    config_free(f->cfg);
    free(f->staging);
    for (int i = 0; i < fk.n_warnings; i++)
        free(fk.warnings[i]);
    fk.n_warnings = 0;
}

/* ---- the signal dispositions around the run ---- */

static volatile sig_atomic_t test_handler_hits;

static void test_handler(int sig _unused_)
{
    test_handler_hits++;
}

static const int run_sigs[] = {SIGINT, SIGTERM, SIGHUP};

static void install_test_handlers(void)
{
    struct sigaction sa = {.sa_handler = test_handler};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(run_sigs); i++)
        assert_int_equal(sigaction(run_sigs[i], &sa, NULL), 0);
    test_handler_hits = 0;
}

static void assert_test_handlers_back(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(run_sigs); i++) {
        struct sigaction now;
        assert_int_equal(sigaction(run_sigs[i], NULL, &now), 0);
        assert_ptr_equal(now.sa_handler, test_handler);
    }
    /* The run caught every signal raised during it. */
    assert_int_equal(test_handler_hits, 0);
}

/* How often the next run's create finds its name taken. */
static int next_clashes;
/* Whether the engine the next run opens is remote. */
static bool next_remote;

struct outcome {
    int r;
    int exit_status;
    struct ags_error err;
};

static struct outcome run_fixture(struct fixture *f, enum op fail_at, enum op signal_at,
                                  int sig)
{
    memset(&fk, 0, sizeof(fk));
    memset(&sent, 0, sizeof(sent));
    fk.fail_at = fail_at;
    fk.signal_at = signal_at;
    fk.signal = sig;
    fk.clashes = next_clashes;
    next_clashes = 0;
    fk.remote = next_remote;
    next_remote = false;
    install_test_handlers();
    const struct run_opts o = {
        .cfg = f->cfg,
        .plan = f->plan,
        .staging_dir = f->staging,
        .cb = {.warn = record_warning, .output = record_output},
        .open_backend = fake_open,
        .getenv = fake_env,
        .notify_send = record_notify,
    };
    struct outcome out = {0};
    out.r = run_plan(&o, &out.exit_status, &out.err);
    return out;
}

/* Exactly what was made is gone again. */
static void assert_all_undone(const struct fixture *f)
{
    assert_int_equal(fk.created, 0);
    assert_int_equal(fk.calls[OP_REMOVE], fk.created_total);
    assert_int_equal(fk.secrets_made, 0);
    assert_int_equal(fk.calls[OP_SECRETS_REMOVE], fk.secrets_total);
    assert_int_equal(fk.calls[OP_CLOSE], fk.calls[OP_OPEN] - (fk.fail_at == OP_OPEN));
    struct stat st;
    if (f->staging)
        assert_int_equal(lstat(f->staging, &st), -1);
    assert_test_handlers_back();
}

/* Nothing after the step that ended the run was started. */
static void assert_stopped_after(enum op last)
{
    for (enum op op = last + 1; op <= OP_START; op++)
        if (op != OP_SECRETS_CREATE || last < OP_SECRETS_CREATE)
            assert_int_equal(fk.calls[op], 0);
}

static void expect_failure_undone(bool lockdown, enum op step)
{
    struct fixture f;
    fixture_build(&f, lockdown);
    struct outcome out = run_fixture(&f, step, OP_NONE, 0);
    assert_int_equal(out.r, -EIO);
    _cleanup_free_ char *msg = xasprintf("fake %s failed", op_names[step]);
    assert_non_null(strstr(out.err.msg, msg));
    assert_int_equal(fk.calls[step], 1);
    assert_stopped_after(step);
    assert_all_undone(&f);
    fixture_done(&f);
}

static void expect_signal_undone(bool lockdown, enum op step, int sig)
{
    struct fixture f;
    fixture_build(&f, lockdown);
    struct outcome out = run_fixture(&f, OP_NONE, step, sig);
    assert_int_equal(out.r, -EINTR);
    _cleanup_free_ char *what = xasprintf("interrupted by SIG%s", sigabbrev_np(sig));
    assert_non_null(strstr(out.err.msg, what));
    assert_non_null(strstr(out.err.msg, step == OP_START
                                                 ? "; the sandbox was removed"
                                                 : " before the agent started; nothing was "
                                                   "left behind"));
    assert_int_equal(fk.calls[OP_START], step == OP_START);
    assert_all_undone(&f);
    fixture_done(&f);
}

/* ---- success ---- */

static void test_run_passes_the_agent_exit_status_through_and_undoes_everything(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(out.exit_status, FAKE_EXIT);
    for (enum op op = OP_OPEN; op < OP_COUNT; op++)
        assert_int_equal(fk.calls[op], 1);
    assert_int_equal(fk.n_secret_values, 1);
    assert_int_equal(fk.output_bytes, 9);
    assert_int_equal(fk.base_lookups, 1);
    assert_true(fk.base_arg);
    assert_true(fk.ca_file);
    assert_all_undone(&f);
    fixture_done(&f);
}

static void test_run_in_lockdown_hands_over_no_secrets_and_removes_the_staging(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, true);
    struct stat st;
    assert_int_equal(lstat(f.staging, &st), 0);
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(out.exit_status, FAKE_EXIT);
    assert_int_equal(fk.calls[OP_SECRETS_CREATE], 0);
    assert_int_equal(fk.calls[OP_SECRETS_REMOVE], 0);
    assert_int_equal(fk.calls[OP_REMOVE], 1);
    assert_all_undone(&f);
    fixture_done(&f);
}

static void test_run_renames_the_sandbox_when_its_name_is_taken(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    next_clashes = 2;
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(out.exit_status, FAKE_EXIT);
    assert_int_equal(fk.calls[OP_CREATE], 3);
    assert_string_not_equal(fk.names[0], fk.names[1]);
    assert_string_not_equal(fk.names[1], fk.names[2]);
    assert_int_equal(strlen(fk.names[0]), strlen(fk.names[2]));
    assert_int_equal(fk.calls[OP_REMOVE], 1);
    assert_all_undone(&f);
    fixture_done(&f);
}

static void test_run_gives_up_after_five_renames(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    next_clashes = 100;
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, -EEXIST);
    assert_int_equal(fk.calls[OP_CREATE], 6);
    assert_int_equal(fk.calls[OP_START], 0);
    assert_all_undone(&f);
    fixture_done(&f);
}

/* ---- failures that only warn ---- */

static void test_failed_sweep_warns_and_the_run_goes_on(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    struct outcome out = run_fixture(&f, OP_SWEEP, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(out.exit_status, FAKE_EXIT);
    assert_true(warned("could not sweep what earlier runs left: fake sweep failed"));
    assert_int_equal(fk.calls[OP_START], 1);
    assert_all_undone(&f);
    fixture_done(&f);
}

/* [notify]: the session's end is told once it ran (here min_seconds = 0:
 * every session), with the agent and its exit status; the default 60 s
 * keeps a short session quiet, and a run that failed or was interrupted
 * before its end says nothing. */
static void test_a_session_that_ran_long_enough_is_told_when_it_ends(void **s _unused_)
{
    struct fixture f;
    fixture_build_with(&f, false, "[notify]\nmin_seconds = 0\n", false);
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(sent.calls, 1);
    assert_string_equal(sent.title, "ags: pi session ended");
    _cleanup_free_ char *body = xasprintf("exit status %d after 0 min 0 s", FAKE_EXIT);
    assert_string_equal(sent.body, body);
    out = run_fixture(&f, OP_CREATE, OP_NONE, 0);
    assert_int_equal(out.r, -EIO);
    assert_int_equal(sent.calls, 0);
    out = run_fixture(&f, OP_NONE, OP_START, SIGTERM);
    assert_int_equal(out.r, -EINTR);
    assert_int_equal(sent.calls, 0);
    fixture_done(&f);
    fixture_build(&f, false);
    out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(sent.calls, 0);
    fixture_done(&f);
}

/* A run that asked for the auth proxy had its socket planned in ags's
 * private dir: this test binary has no ags-helper beside it, so the plan
 * leaves the proxy out and says why; lockdown plans none at all. */
static void test_a_run_asking_for_the_auth_proxy_needs_the_helper(void **s _unused_)
{
    struct fixture f;
    fixture_build_with(&f, false, "", true);
    assert_null(f.plan->auth_proxy_sock);
    bool noted = false;
    for (size_t i = 0; i < f.plan->n_notes; i++)
        noted = noted || strstr(f.plan->notes[i], "auth proxy off: ags-helper was not found");
    assert_true(noted);
    fixture_done(&f);
    fixture_build_with(&f, true, "", true);
    for (size_t i = 0; i < f.plan->n_notes; i++)
        assert_null(strstr(f.plan->notes[i], "auth proxy"));
    fixture_done(&f);
    _cleanup_free_ char *path = run_proxy_sock_path("/run/user/1000", "0123abcd");
    assert_string_equal(path, "/run/user/1000/ags-proxy-0123abcd/auth-proxy.sock");
}

static void test_failed_removal_warns_and_keeps_the_exit_status(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    struct outcome out = run_fixture(&f, OP_REMOVE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(out.exit_status, FAKE_EXIT);
    assert_true(warned("could not remove container"));
    assert_int_equal(fk.calls[OP_SECRETS_REMOVE], 1);
    assert_int_equal(fk.calls[OP_CLOSE], 1);
    assert_test_handlers_back();
    fixture_done(&f);
}

static void test_failed_secret_removal_warns_and_keeps_the_exit_status(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    struct outcome out = run_fixture(&f, OP_SECRETS_REMOVE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(out.exit_status, FAKE_EXIT);
    assert_true(warned("could not remove a secret of this run: fake secrets_remove failed"));
    assert_all_undone(&f);
    fixture_done(&f);
}

/* ---- each step failing ---- */

#define FAILING(step, lockdown, name)                                                      \
    static void test_failing_##name(void **s _unused_)                                    \
    {                                                                                     \
        expect_failure_undone(lockdown, step);                                            \
    }

FAILING(OP_OPEN, false, open_leaves_nothing_to_undo)
FAILING(OP_IMAGE_EXISTS, false, image_lookup_closes_the_backend)
FAILING(OP_IMAGE_BUILD, false, image_build_closes_the_backend)
FAILING(OP_PREPARE, false, prepare_closes_the_backend)
FAILING(OP_SECRETS_CREATE, false, secrets_create_closes_the_backend)
FAILING(OP_CREATE, false, create_removes_the_secrets)
FAILING(OP_START, false, start_removes_the_sandbox_and_the_secrets)
FAILING(OP_OPEN, true, open_in_lockdown_removes_the_staging)
FAILING(OP_IMAGE_EXISTS, true, image_lookup_in_lockdown_removes_the_staging)
FAILING(OP_IMAGE_BUILD, true, image_build_in_lockdown_removes_the_staging)
FAILING(OP_PREPARE, true, prepare_in_lockdown_removes_the_staging)
FAILING(OP_CREATE, true, create_in_lockdown_removes_the_staging)
FAILING(OP_START, true, start_in_lockdown_removes_the_sandbox_and_the_staging)

/* ---- each signal during each step ---- */

static const enum op signalled_steps[] = {
    OP_OPEN, OP_SWEEP, OP_IMAGE_EXISTS, OP_IMAGE_BUILD, OP_PREPARE,
    OP_SECRETS_CREATE, OP_CREATE, OP_START,
};

static void each_signal_during_each_step(bool lockdown)
{
    for (size_t i = 0; i < ARRAY_SIZE(signalled_steps); i++) {
        for (size_t j = 0; j < ARRAY_SIZE(run_sigs); j++) {
            if (lockdown && signalled_steps[i] == OP_SECRETS_CREATE)
                continue; /* lockdown hands over no secrets */
            print_message("signal %s during %s\n", sigabbrev_np(run_sigs[j]),
                          op_names[signalled_steps[i]]);
            expect_signal_undone(lockdown, signalled_steps[i], run_sigs[j]);
        }
    }
}

static void test_each_signal_during_each_step_is_interrupted_and_undone(void **s _unused_)
{
    each_signal_during_each_step(false);
}

static void test_each_signal_during_each_lockdown_step_removes_the_staging(void **s _unused_)
{
    each_signal_during_each_step(true);
}


/* ---- a remote plan's host files (PLAN_MOUNT_COPY) ---- */

#define GITCONFIG_TEXT "[user]\n\tname = Agent\n"

/* The plan of a remote engine copies the gitconfig instead of binding it. */
static void add_copy(struct ags_plan *p, const char *source, const char *destination)
{
    p->mounts = xrealloc(p->mounts, (p->n_mounts + 1) * sizeof(*p->mounts));
    p->mounts[p->n_mounts++] = (struct plan_mount){
        .type = PLAN_MOUNT_COPY,
        .source = xstrdup(source),
        .destination = xstrdup(destination),
        .read_only = true,
        .origin = xstrdup("gitconfig"),
    };
}

static unsigned long tar_octal(const char *field, size_t n)
{
    char text[16] = {0};
    memcpy(text, field, n < sizeof(text) - 1 ? n : sizeof(text) - 1);
    return strtoul(text, NULL, 8);
}

static void test_a_remote_plans_host_files_are_copied_in_after_create_before_start(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    _cleanup_free_ char *src = xasprintf("%s/gitconfig", home_dir);
    assert_int_equal(write_file_atomic(src, GITCONFIG_TEXT, strlen(GITCONFIG_TEXT), 0600, NULL), 0);
    add_copy(f.plan, src, "/home/dev/.config/ags/gitconfig");
    memset(&copied, 0, sizeof(copied));
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, 0);
    assert_int_equal(copied.calls, 1);
    assert_true(copied.created_not_started);
    assert_string_equal(copied.dir, "/");
    /* One ustar entry: the path below /, read-only, the sandbox user's. */
    assert_true(copied.len >= 4 * 512);
    assert_string_equal(copied.tar, "home/dev/.config/ags/gitconfig");
    assert_int_equal(tar_octal(copied.tar + 100, 8), 0444);
    assert_int_equal(tar_octal(copied.tar + 108, 8), PLAN_SANDBOX_UID);
    assert_int_equal(tar_octal(copied.tar + 116, 8), PLAN_SANDBOX_GID);
    assert_int_equal(tar_octal(copied.tar + 124, 12), strlen(GITCONFIG_TEXT));
    assert_int_equal(copied.tar[156], '0');
    assert_memory_equal(copied.tar + 512, GITCONFIG_TEXT, strlen(GITCONFIG_TEXT));
    assert_int_equal(fk.calls[OP_START], 1);
    assert_all_undone(&f);
    fixture_done(&f);
}

/* The engine is resolved again when the run opens it: one that is not the
 * kind the plan was made for (the connection changed meanwhile) is refused
 * before anything is made.  A local plan there would bind the remote host's
 * paths of the same names; a remote one here would upload to this host. */
static void test_a_plan_for_another_kind_of_engine_is_refused_before_anything(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    next_remote = true;
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, -EINVAL);
    assert_string_equal(out.err.msg, "this run was planned for a local engine, but the engine "
                                     "reached now is remote (its connection changed "
                                     "meanwhile?); run it again");
    assert_int_equal(fk.calls[OP_PREPARE], 0);
    assert_int_equal(fk.calls[OP_CREATE], 0);
    assert_all_undone(&f);
    f.plan->remote = true;
    out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, -EINVAL);
    assert_string_equal(out.err.msg, "this run was planned for a remote engine, but the fake "
                                     "backend opened runs on this host; choose the engine with "
                                     "--connection or --url");
    assert_int_equal(fk.calls[OP_PREPARE], 0);
    assert_all_undone(&f);
    f.plan->remote = false;
    fixture_done(&f);
}

/* A copy that fails (or a file that is gone) ends the run before the
 * agent starts, and the sandbox goes. */
static void test_a_failed_copy_in_removes_the_sandbox_and_starts_nothing(void **s _unused_)
{
    struct fixture f;
    fixture_build(&f, false);
    _cleanup_free_ char *src = xasprintf("%s/gitconfig", home_dir);
    assert_int_equal(write_file_atomic(src, GITCONFIG_TEXT, strlen(GITCONFIG_TEXT), 0600, NULL), 0);
    add_copy(f.plan, src, "/home/dev/.config/ags/gitconfig");
    memset(&copied, 0, sizeof(copied));
    copied.fail = true;
    struct outcome out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, -EIO);
    assert_string_equal(out.err.msg, "fake copy_in failed");
    assert_int_equal(fk.calls[OP_START], 0);
    assert_all_undone(&f);
    copied.fail = false;
    assert_int_equal(unlink(src), 0);
    out = run_fixture(&f, OP_NONE, OP_NONE, 0);
    assert_int_equal(out.r, -ENOENT);
    assert_non_null(strstr(out.err.msg, "cannot open "));
    assert_non_null(strstr(out.err.msg, "/gitconfig to copy it into the sandbox"));
    assert_int_equal(fk.calls[OP_START], 0);
    assert_int_equal(fk.calls[OP_REMOVE], 1);
    assert_all_undone(&f);
    fixture_done(&f);
}

/* A remote run's plan carries the work tree's HEAD commit, read without git,
 * as the workspace volume's base (and "none" outside git). */
static void test_a_remote_plan_names_the_head_commit_as_the_workspace_base(void **s _unused_)
{
    static const char toml[] = "[sandbox]\nimage = \"ags-test-run:1\"\n";
    static const char head[] = "89abcdef0123456789abcdef0123456789abcdef";
    struct cfg_host host = {.home = home_dir, .cwd = work_dir, .getenv = fake_env};
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    assert_int_equal(config_load_buffer(&host, toml, strlen(toml), "/etc/ags.toml", false, &cfg,
                                        &diag), 0);
    cfg_diag_done(&diag);
    const struct run_request req = {.cfg = cfg, .agent = PLAN_AGENT_SHELL, .host = &host,
                                    .remote_engine = true};
    for (int git = 0; git < 2; git++) {
        if (git) {
            _cleanup_free_ char *dot = xasprintf("%s/.git", work_dir);
            _cleanup_free_ char *refs = xasprintf("%s/refs", dot), *heads = xasprintf("%s/heads", refs);
            _cleanup_free_ char *objects = xasprintf("%s/objects", dot);
            make_dir(dot);
            make_dir(refs);
            make_dir(heads);
            make_dir(objects);
            _cleanup_free_ char *h = xasprintf("%s/HEAD", dot), *ref = xasprintf("%s/main", heads);
            assert_int_equal(write_file_atomic(h, "ref: refs/heads/main\n", 21, 0644, NULL), 0);
            _cleanup_free_ char *line = xasprintf("%s\n", head);
            assert_int_equal(write_file_atomic(ref, line, strlen(line), 0644, NULL), 0);
        }
        struct ags_plan *p = NULL;
        struct ags_error err = {0};
        int r = run_build_plan(&req, false, &p, NULL, &err);
        if (r < 0)
            print_message("plan error: %s\n", err.msg);
        assert_int_equal(r, 0);
        assert_true(p->remote);
        assert_string_equal(plan_label_value(p->mounts[0].labels, PLAN_LABEL_BASE),
                            git ? head : "none");
        plan_free(p);
    }
    _cleanup_free_ char *dot = xasprintf("%s/.git", work_dir);
    assert_int_equal(stage_remove_tree(dot, NULL), 0);
    config_free(cfg);
}

/* run_build_plan of the shell agent with --add-dir dir on host: its status,
 * the message in *err. */
static int plan_with_add_dir(const struct cfg_host *host, const char *dir, struct ags_error *err)
{
    static const char toml[] = "[sandbox]\nimage = \"ags-test-run:1\"\n";
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    assert_int_equal(config_load_buffer(host, toml, strlen(toml), "/etc/ags.toml", false, &cfg,
                                        &diag),
                     0);
    cfg_diag_done(&diag);
    const char *const dirs[] = {dir};
    const struct run_request req = {
            .cfg = cfg,
            .agent = PLAN_AGENT_SHELL,
            .host = host,
            .flags = {.add_dirs = dirs, .n_add_dirs = 1},
    };
    struct ags_plan *p = NULL;
    int r = run_build_plan(&req, false, &p, NULL, err);
    if (r == 0)
        plan_free(p);
    config_free(cfg);
    return r;
}

static const char *env_without_runtime_dir(const char *name)
{
    return strcmp(name, "XDG_RUNTIME_DIR") == 0 ? NULL : fake_env(name);
}

/* Without XDG_RUNTIME_DIR an ssh tunnel keeps its sockets in Podman's
 * runtime directory (root: /run/ags): a directory holding them is a place
 * never mounted, as $XDG_RUNTIME_DIR/ags is (a sandbox of the user's uid
 * there would drive the remote engine through the tunnel). */
static void test_add_dir_holding_the_tunnel_sockets_is_refused_without_xdg_runtime_dir(
        void **s _unused_)
{
    if (geteuid() != 0)
        skip(); /* root's Podman runtime directory is /run; CI runs as root */
    struct cfg_host host = {.home = home_dir, .cwd = work_dir, .getenv = env_without_runtime_dir};
    struct ags_error err = {0};
    assert_true(plan_with_add_dir(&host, "/run", &err) < 0);
    assert_non_null(strstr(err.msg, "/run/ags"));
}

/* Without a private XDG_RUNTIME_DIR the sessions' sockets (the agent
 * filter's, the proxies') live in [sandbox] cache_dir: a read-only mount of
 * it would let a sandbox connect to another session's (its keys, its
 * allowlist).  Refused whatever the mode; read-only stays allowed when
 * the sockets live elsewhere. */
static void test_read_only_mount_of_the_cache_dir_holding_sockets_is_refused(void **s _unused_)
{
    _cleanup_free_ char *cache = xasprintf("%s/cache", root);
    make_dir(cache);
    assert_int_equal(chmod(cache, 0700), 0);
    _cleanup_free_ char *toml = xasprintf("[sandbox]\nimage = \"ags-test-run:1\"\n"
                                          "cache_dir = \"%s\"\n"
                                          "[[mount]]\nhost = \"%s\"\ncontainer = \"/c\"\n"
                                          "mode = \"ro\"\n",
                                          cache, cache);
    for (int xdg = 0; xdg < 2; xdg++) {
        struct cfg_host host = {.home = home_dir,
                                .cwd = work_dir,
                                .getenv = xdg ? fake_env : env_without_runtime_dir};
        const char *rt = xdg ? getenv("XDG_RUNTIME_DIR") : NULL;
        struct stat st;
        if (xdg && (!rt || stat(rt, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)))
            continue; /* no private runtime directory here: the sockets are in the cache */
        host.xdg_runtime = rt;
        struct ags_config *cfg = NULL;
        struct cfg_diag diag = {0};
        assert_int_equal(config_load_buffer(&host, toml, strlen(toml), "/etc/ags.toml", false,
                                            &cfg, &diag),
                         0);
        cfg_diag_done(&diag);
        const struct run_request req = {.cfg = cfg, .agent = PLAN_AGENT_SHELL, .host = &host};
        struct ags_plan *p = NULL;
        struct ags_error err = {0};
        int r = run_build_plan(&req, false, &p, NULL, &err);
        if (r == 0)
            plan_free(p);
        if (xdg) {
            assert_int_equal(r, 0);
        } else {
            assert_true(r < 0);
            assert_non_null(strstr(err.msg, "sockets answer through a read-only mount"));
        }
        config_free(cfg);
    }
}

/* The local Podman API socket's directory ($XDG_RUNTIME_DIR/podman) is a
 * place never mounted, read-only included: connect(2) works through a
 * read-only mount, and the API would let the sandbox start anything. */
static void test_add_dir_of_the_podman_socket_directory_is_refused(void **s _unused_)
{
    char rt[] = "/tmp/ags-test-rt-XXXXXX";
    assert_non_null(mkdtemp(rt));
    _cleanup_free_ char *podman = xasprintf("%s/podman", rt);
    assert_int_equal(mkdir(podman, 0700), 0);
    struct cfg_host host = {.home = home_dir, .cwd = work_dir, .getenv = fake_env,
                            .xdg_runtime = rt};
    struct ags_error err = {0};
    int r = plan_with_add_dir(&host, podman, &err);
    (void)rmdir(podman);
    (void)rmdir(rt);
    assert_true(r < 0);
    assert_non_null(strstr(err.msg, "Podman's socket"));
}

/* Only ssh:// is another host: tcp:// is documented as this machine. */
static void test_only_an_ssh_engine_is_remote(void **s _unused_)
{
    assert_true(run_engine_is_remote("ssh://me@build/run/user/1000/podman/podman.sock"));
    assert_true(run_engine_is_remote("SSH://me@build:2222/run/podman.sock"));
    assert_false(run_engine_is_remote("unix:///run/user/1000/podman/podman.sock"));
    assert_false(run_engine_is_remote("/run/podman/podman.sock"));
    assert_false(run_engine_is_remote("tcp://127.0.0.1:8080"));
    assert_false(run_engine_is_remote("tcp://build.example:8080"));
    assert_false(run_engine_is_remote("http://x"));
    assert_false(run_engine_is_remote(NULL)); /* bwrap */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_passes_the_agent_exit_status_through_and_undoes_everything),
        cmocka_unit_test(test_run_in_lockdown_hands_over_no_secrets_and_removes_the_staging),
        cmocka_unit_test(test_run_renames_the_sandbox_when_its_name_is_taken),
        cmocka_unit_test(test_run_gives_up_after_five_renames),
        cmocka_unit_test(test_failed_sweep_warns_and_the_run_goes_on),
        cmocka_unit_test(test_a_remote_plans_host_files_are_copied_in_after_create_before_start),
        cmocka_unit_test(test_a_failed_copy_in_removes_the_sandbox_and_starts_nothing),
        cmocka_unit_test(test_a_plan_for_another_kind_of_engine_is_refused_before_anything),
        cmocka_unit_test(test_a_remote_plan_names_the_head_commit_as_the_workspace_base),
        cmocka_unit_test(test_only_an_ssh_engine_is_remote),
        cmocka_unit_test(test_add_dir_of_the_podman_socket_directory_is_refused),
        cmocka_unit_test(test_add_dir_holding_the_tunnel_sockets_is_refused_without_xdg_runtime_dir),
        cmocka_unit_test(test_read_only_mount_of_the_cache_dir_holding_sockets_is_refused),
        cmocka_unit_test(test_failed_removal_warns_and_keeps_the_exit_status),
        cmocka_unit_test(test_a_session_that_ran_long_enough_is_told_when_it_ends),
        cmocka_unit_test(test_a_run_asking_for_the_auth_proxy_needs_the_helper),
        cmocka_unit_test(test_failed_secret_removal_warns_and_keeps_the_exit_status),
        cmocka_unit_test(test_failing_open_leaves_nothing_to_undo),
        cmocka_unit_test(test_failing_image_lookup_closes_the_backend),
        cmocka_unit_test(test_failing_image_build_closes_the_backend),
        cmocka_unit_test(test_failing_prepare_closes_the_backend),
        cmocka_unit_test(test_failing_secrets_create_closes_the_backend),
        cmocka_unit_test(test_failing_create_removes_the_secrets),
        cmocka_unit_test(test_failing_start_removes_the_sandbox_and_the_secrets),
        cmocka_unit_test(test_failing_open_in_lockdown_removes_the_staging),
        cmocka_unit_test(test_failing_image_lookup_in_lockdown_removes_the_staging),
        cmocka_unit_test(test_failing_image_build_in_lockdown_removes_the_staging),
        cmocka_unit_test(test_failing_prepare_in_lockdown_removes_the_staging),
        cmocka_unit_test(test_failing_create_in_lockdown_removes_the_staging),
        cmocka_unit_test(test_failing_start_in_lockdown_removes_the_sandbox_and_the_staging),
        cmocka_unit_test(test_each_signal_during_each_step_is_interrupted_and_undone),
        cmocka_unit_test(test_each_signal_during_each_lockdown_step_removes_the_staging),
    };
    return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
