/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags setup (run/setup.c, run/setup-gitconfig.c): the image's state from its
 * labels, which agents count as installed (a fake backend hands out volume
 * directories a hostile sandbox could have filled), what setup offers in
 * each mode, and the agent gitconfig: its text, created once, never through
 * a symlink, never over the user's own file, and its commit-signing lines
 * added to ags's own file without touching what the user edited; the agent
 * keys: what setup does about each, and how it runs ssh-keygen.
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
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "run/keys.h"
#include "run/setup.h"

static char tmpdir[] = "/tmp/test-setup.XXXXXX";

static char *at(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
}

static void put_file(const char *rel, const char *data)
{
    _cleanup_free_ char *path = at(rel);
    struct ags_error err = {0};
    assert_int_equal(write_file_atomic(path, data, strlen(data), 0644, &err), 0);
}

static void put_dir(const char *rel)
{
    _cleanup_free_ char *path = at(rel);
    struct ags_error err = {0};
    assert_int_equal(mkdir_parents(path, 0755, &err), 0);
}

static void put_link(const char *target, const char *rel)
{
    _cleanup_free_ char *path = at(rel);
    assert_int_equal(symlink(target, path), 0);
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    struct ags_error err = {0};
    assert_int_equal(read_file_bounded(path, 1 << 16, &buf, &len, &err), 0);
    return buf;
}

/* A config as the loader makes it; xdg_config is where the defaults point. */
static struct ags_config *load(const char *toml, const char *xdg_config)
{
    const struct cfg_host host = {.home = tmpdir, .cwd = tmpdir, .xdg_config = xdg_config};
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    int r = config_load_buffer(&host, toml, strlen(toml), "test.toml", false, &cfg, &diag);
    if (r < 0)
        fail_msg("config: %s", diag.n_errors ? diag.errors[0] : "?");
    cfg_diag_done(&diag);
    return cfg;
}

/* ---- the image ---- */

static void test_image_state_from_its_context_label(void **state)
{
    (void)state;
    const char *current[] = {"a=b", RUN_IMAGE_LABEL_CONTEXT "=abc", NULL};
    const char *other[] = {RUN_IMAGE_LABEL_CONTEXT "=abd", NULL};
    const char *prefix[] = {RUN_IMAGE_LABEL_CONTEXT "x=abc", NULL};
    const char *none[] = {"org.opencontainers.image.title=mine", NULL};
    assert_int_equal(run_setup_image_state(false, NULL, "abc"), RUN_SETUP_IMAGE_MISSING);
    assert_int_equal(run_setup_image_state(true, current, "abc"), RUN_SETUP_IMAGE_CURRENT);
    assert_int_equal(run_setup_image_state(true, other, "abc"), RUN_SETUP_IMAGE_OUTDATED);
    /* Not built by ags: never offered for a rebuild that would replace it. */
    assert_int_equal(run_setup_image_state(true, none, "abc"), RUN_SETUP_IMAGE_FOREIGN);
    assert_int_equal(run_setup_image_state(true, prefix, "abc"), RUN_SETUP_IMAGE_FOREIGN);
    assert_int_equal(run_setup_image_state(true, NULL, "abc"), RUN_SETUP_IMAGE_FOREIGN);
}

static void test_image_is_offered_when_missing_or_outdated_by_mode(void **state)
{
    (void)state;
    const enum run_setup_image needs[] = {RUN_SETUP_IMAGE_MISSING, RUN_SETUP_IMAGE_OUTDATED};
    for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
        struct run_setup_facts f = {.image = needs[i]};
        assert_int_equal(run_setup_image_action(&f, RUN_SETUP_ASK), RUN_SETUP_ASK_USER);
        assert_int_equal(run_setup_image_action(&f, RUN_SETUP_YES), RUN_SETUP_DO);
        assert_int_equal(run_setup_image_action(&f, RUN_SETUP_NO_TTY), RUN_SETUP_SKIP);
    }
    const enum run_setup_image fine[] = {RUN_SETUP_IMAGE_CURRENT, RUN_SETUP_IMAGE_FOREIGN};
    const enum run_setup_mode modes[] = {RUN_SETUP_ASK, RUN_SETUP_YES, RUN_SETUP_NO_TTY};
    for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
        for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
            struct run_setup_facts f = {.image = fine[i]};
            assert_int_equal(run_setup_image_action(&f, modes[m]), RUN_SETUP_NOTHING);
        }
}

/* ---- the agents ---- */

static void all_installed(struct run_setup_facts *f)
{
    for (size_t i = 0; i < RUN_UPDATE_N_AGENTS; i++)
        f->installed[run_update_agents[i]] = true;
}

static void test_agents_offered_only_when_missing_and_the_image_is_there(void **state)
{
    (void)state;
    struct run_setup_facts f = {.image = RUN_SETUP_IMAGE_CURRENT};
    all_installed(&f);
    enum plan_agent missing[RUN_UPDATE_N_AGENTS];
    assert_int_equal(run_setup_missing_agents(&f, missing), 0);
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_YES, true), RUN_SETUP_NOTHING);
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_ASK, false), RUN_SETUP_NOTHING);

    f.installed[PLAN_AGENT_CLAUDE] = false;
    f.installed[PLAN_AGENT_PI] = false;
    assert_int_equal(run_setup_missing_agents(&f, missing), 2);
    assert_int_equal(missing[0], PLAN_AGENT_PI); /* update-agents' order */
    assert_int_equal(missing[1], PLAN_AGENT_CLAUDE);
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_ASK, true), RUN_SETUP_ASK_USER);
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_YES, true), RUN_SETUP_DO);
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_NO_TTY, true), RUN_SETUP_SKIP);
    /* No image (declined, or no terminal): installing would build it. */
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_YES, false), RUN_SETUP_NEEDS_IMAGE);
    assert_int_equal(run_setup_agents_action(&f, RUN_SETUP_ASK, false), RUN_SETUP_NEEDS_IMAGE);
}

static void test_each_agent_program_lives_in_one_of_its_volumes(void **state)
{
    (void)state;
    for (size_t i = 0; i < RUN_UPDATE_N_AGENTS; i++) {
        enum plan_agent a = run_update_agents[i];
        _cleanup_free_ char *vol = NULL;
        const char *rel = NULL;
        assert_int_equal(plan_agent_volume_of(a, run_update_command(a), &vol, &rel), 0);
        _cleanup_free_ char *prefix = xasprintf("ags-%s-", plan_agent_name(a));
        assert_int_equal(strncmp(vol, prefix, strlen(prefix)), 0);
        assert_true(rel[0] && rel[0] != '/');
    }
    _cleanup_free_ char *vol = NULL;
    const char *rel = NULL;
    assert_int_equal(plan_agent_volume_of(PLAN_AGENT_PI, "/usr/local/pnpm/pi", &vol, &rel), 0);
    assert_string_equal(vol, "ags-pi-pnpm-home");
    assert_string_equal(rel, "pi");
    free(vol);
    vol = NULL;
    assert_int_equal(plan_agent_volume_of(PLAN_AGENT_CLAUDE, run_update_command(PLAN_AGENT_CLAUDE),
                                          &vol, &rel), 0);
    assert_string_equal(vol, "ags-claude-install");
    assert_string_equal(rel, ".local/bin/claude");
    /* A prefix of a name is not its directory; claude's volume is claude's. */
    assert_int_equal(plan_agent_volume_of(PLAN_AGENT_PI, "/usr/local/pnpmx/pi", &vol, &rel),
                     -ENOENT);
    assert_int_equal(plan_agent_volume_of(PLAN_AGENT_PI, "/opt/claude-home/x", &vol, &rel),
                     -ENOENT);
    assert_null(run_update_command(PLAN_AGENT_SHELL));
}

/* A backend that knows one image's labels and hands out volume directories
 * under tmpdir/volumes. */
struct fake_backend {
    struct backend base;
};
static const char *const *g_labels; /* NULL: no image */

static int fake_image_info(struct backend *b, const char *image, struct backend_image_info *ret,
                           struct ags_error *err)
{
    (void)b;
    assert_string_equal(image, "localhost/setup-test:1");
    *ret = (struct backend_image_info){0};
    if (!g_labels)
        return ags_error_set(err, -ENOENT, "no image");
    struct strv_builder sb = {0};
    for (size_t i = 0; g_labels[i]; i++)
        strv_builder_push(&sb, xstrdup(g_labels[i]));
    ret->labels = strv_builder_steal(&sb);
    return 0;
}

static int fake_volume_path(struct backend *b, const char *name, char **ret,
                            struct ags_error *err)
{
    (void)b;
    _cleanup_free_ char *rel = xasprintf("volumes/%s", name);
    char *path = at(rel);
    struct stat st;
    if (lstat(path, &st) < 0) {
        free(path);
        return ags_error_set(err, -ENOENT, "no volume");
    }
    *ret = path;
    return 0;
}

static void fake_close(struct backend *b)
{
    free(b);
}

static const struct backend_ops fake_ops = {
    .name = "fake",
    .close = fake_close,
    .image_info = fake_image_info,
    .volume_path = fake_volume_path,
};

static int fake_open(const struct backend_open_opts *o, struct backend **ret,
                     struct ags_error *err)
{
    (void)o;
    (void)err;
    struct fake_backend *fb = xcalloc(1, sizeof(*fb));
    fb->base.ops = &fake_ops;
    *ret = &fb->base;
    return 0;
}

static struct ags_config *image_config(void)
{
    put_dir("ctx");
    put_file("ctx/Containerfile", "FROM scratch\n");
    _cleanup_free_ char *toml = xasprintf("[sandbox]\nimage = \"localhost/setup-test:1\"\n"
                                          "containerfile = \"%s/ctx/Containerfile\"\n"
                                          "[image]\ntrust_host_ca = false\n", tmpdir);
    return load(toml, tmpdir);
}

static void look(const struct ags_config *cfg, struct run_setup_facts *f)
{
    const struct run_setup_request req = {.cfg = cfg, .open_backend = fake_open};
    struct ags_error err = {0};
    if (run_setup_look(&req, f, &err) < 0)
        fail_msg("run_setup_look: %s", err.msg);
}

static void test_look_compares_the_label_with_the_context_there_now(void **state)
{
    (void)state;
    _cleanup_config_ struct ags_config *cfg = image_config();
    char digest[65];
    struct ags_error err = {0};
    assert_int_equal(run_image_expected_digest(cfg, digest, &err), 0);
    _cleanup_free_ char *label = xasprintf(RUN_IMAGE_LABEL_CONTEXT "=%s", digest);
    const char *labels[] = {label, NULL};
    struct run_setup_facts f;
    g_labels = labels;
    look(cfg, &f);
    assert_int_equal(f.image, RUN_SETUP_IMAGE_CURRENT);
    put_file("ctx/extra.conf", "changed\n"); /* the installed containerfile/ changed */
    look(cfg, &f);
    assert_int_equal(f.image, RUN_SETUP_IMAGE_OUTDATED);
    g_labels = NULL;
    look(cfg, &f);
    assert_int_equal(f.image, RUN_SETUP_IMAGE_MISSING);
}

/* Installed: the program's name is in the volume (a file, or a symlink that
 * is not followed).  A symlink on the way, a directory or nothing: not. */
static void test_look_finds_agents_by_name_without_following_the_volume(void **state)
{
    (void)state;
    _cleanup_config_ struct ags_config *cfg = image_config();
    put_dir("volumes/ags-pi-pnpm-home");
    put_file("volumes/ags-pi-pnpm-home/pi", "#!/bin/sh\n");
    put_dir("volumes/ags-codex-pnpm-home/codex"); /* a directory is no program */
    /* gemini: no volume at all */
    put_dir("volumes/ags-opencode-pnpm-home");
    put_link("/nowhere/opencode", "volumes/ags-opencode-pnpm-home/opencode");
    /* claude's .local planted as a symlink to a tree that has bin/claude */
    put_dir("elsewhere/bin");
    put_file("elsewhere/bin/claude", "#!/bin/sh\n");
    put_dir("volumes/ags-claude-install");
    _cleanup_free_ char *elsewhere = at("elsewhere");
    put_link(elsewhere, "volumes/ags-claude-install/.local");
    g_labels = NULL;
    struct run_setup_facts f;
    look(cfg, &f);
    assert_true(f.installed[PLAN_AGENT_PI]);
    assert_false(f.installed[PLAN_AGENT_CODEX]);
    assert_false(f.installed[PLAN_AGENT_GEMINI]);
    assert_true(f.installed[PLAN_AGENT_OPENCODE]);
    assert_false(f.installed[PLAN_AGENT_CLAUDE]);
}

/* ---- the agent gitconfig ---- */

static void test_gitconfig_text_is_managed_and_quotes_the_identity(void **state)
{
    (void)state;
    _cleanup_free_ char *text = NULL;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig_text("Jane \"JD\" Doe\\", "jd@example.org", &text, &err),
                     0);
    assert_non_null(strstr(text, "# Managed by ags"));
    assert_non_null(strstr(text, "\n[user]\n"
                                 "\tname = \"Jane \\\"JD\\\" Doe\\\\\"\n"
                                 "\temail = \"jd@example.org\"\n"));
    free(text);
    text = NULL;
    /* A newline would start a new config line (an include, a hook path). */
    assert_int_equal(run_setup_gitconfig_text("J\n[core]\n\thooksPath = /x", "a@b", &text, &err),
                     -EINVAL);
    assert_null(text);
    assert_non_null(strstr(err.msg, "control character"));
    assert_int_equal(run_setup_gitconfig_text("J", "a@b\x1b]52", &text, &err), -EINVAL);
}

static int g_git_calls;
static const char *g_name, *g_email;

static int fake_git(const char *key, char *buf, size_t size, struct ags_error *err)
{
    g_git_calls++;
    const char *v = strcmp(key, "user.name") == 0 ? g_name : g_email;
    if (!v)
        return ags_error_set(err, -ENOENT, "%s is not set in your git config", key);
    (void)snprintf(buf, size, "%s", v);
    return 0;
}

static void test_gitconfig_created_once_0600_then_left_as_is(void **state)
{
    (void)state;
    _cleanup_config_ struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n", tmpdir);
    _cleanup_free_ char *path = at("ags/gitconfig-agent");
    assert_string_equal(cfg->sandbox.gitconfig_path.v, path);
    g_name = "Jane Doe";
    g_email = "jane@example.org";
    struct run_gitconfig_result what;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_WRITTEN);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    _cleanup_free_ char *first = slurp(path);
    assert_non_null(strstr(first, "\tname = \"Jane Doe\"\n"));
    assert_non_null(strstr(first, "\temail = \"jane@example.org\"\n"));

    /* Second run: another identity by now, the file is still left alone. */
    g_name = "Somebody Else";
    g_git_calls = 0;
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_THERE);
    assert_int_equal(g_git_calls, 0);
    _cleanup_free_ char *second = slurp(path);
    assert_string_equal(first, second);
    assert_int_equal(unlink(path), 0);
}

static void test_gitconfig_symlink_refused_and_its_target_untouched(void **state)
{
    (void)state;
    _cleanup_config_ struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n", tmpdir);
    put_dir("ags");
    put_file("victim", "precious\n");
    _cleanup_free_ char *victim = at("victim");
    put_link(victim, "ags/gitconfig-agent");
    /* A dangling one must not create its target either. */
    g_name = "Jane Doe";
    g_email = "jane@example.org";
    struct run_gitconfig_result what;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), -ELOOP);
    assert_non_null(strstr(err.msg, "is a symlink"));
    _cleanup_free_ char *content = slurp(victim);
    assert_string_equal(content, "precious\n");
    _cleanup_free_ char *link = at("ags/gitconfig-agent");
    assert_int_equal(unlink(link), 0);
    _cleanup_free_ char *gone = at("not-there");
    assert_int_equal(symlink(gone, link), 0);
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), -ELOOP);
    struct stat st;
    assert_int_equal(lstat(gone, &st), -1);
    assert_int_equal(unlink(link), 0);
}

static void test_gitconfig_without_identity_or_on_users_own_path_writes_nothing(void **state)
{
    (void)state;
    _cleanup_free_ char *fresh = at("fresh");
    _cleanup_config_ struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n", fresh);
    g_name = "Jane Doe";
    g_email = NULL;
    struct run_gitconfig_result what;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_NO_IDENTITY);
    assert_non_null(strstr(err.msg, "user.email is not set"));
    struct stat st;
    assert_int_equal(lstat(fresh, &st), -1); /* not even its directory */

    _cleanup_free_ char *mine = at("my-gitconfig");
    _cleanup_free_ char *toml =
            xasprintf("[sandbox]\nimage = \"i\"\ngitconfig_path = \"%s\"\n", mine);
    _cleanup_config_ struct ags_config *own = load(toml, tmpdir);
    g_email = "jane@example.org";
    g_git_calls = 0;
    assert_int_equal(run_setup_gitconfig(own, fake_git, false, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_USERS);
    assert_int_equal(g_git_calls, 0);
    assert_int_equal(lstat(mine, &st), -1);
}


/* ---- commit signing in the agent gitconfig ---- */

static void test_gitconfig_signing_is_read_as_git_reads_it(void **state)
{
    (void)state;
    struct run_gitconfig_signing s;
    run_gitconfig_signing_of("# Managed by ags: x\n[user]\n\tname = J\n", &s);
    assert_true(s.managed);
    assert_false(s.has_format || s.has_signingkey || s.has_gpgsign);
    run_gitconfig_signing_of("[GPG]\n  FORMAT = \"ssh\" ; mine\n"
                             "[user] signingKey = /home/dev/.ssh/ags-agent-signing.pub\n"
                             "[commit]\n\tgpgsign\n", &s);
    assert_false(s.managed);
    assert_true(s.has_format && s.format_ssh);
    assert_true(s.has_signingkey && s.signingkey_ours);
    assert_true(s.has_gpgsign && s.gpgsign_on);
    /* A subsection is another section; the last value wins. */
    run_gitconfig_signing_of("[gpg \"ssh\"]\n\tformat = ssh\n[commit]\n\tgpgsign = true\n"
                             "\tgpgsign = off\n# [user]\n# signingkey = x\n", &s);
    assert_false(s.has_format);
    assert_false(s.has_signingkey);
    assert_true(s.has_gpgsign);
    assert_false(s.gpgsign_on);
    run_gitconfig_signing_of(NULL, &s);
    assert_false(s.managed || s.has_format);
}

static void test_new_gitconfig_signs_only_with_a_usable_signing_key(void **state)
{
    (void)state;
    _cleanup_free_ char *xdg = at("sign-new");
    _cleanup_config_ struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n", xdg);
    g_name = "Jane Doe";
    g_email = "jane@example.org";
    struct run_gitconfig_result what;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, true, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_WRITTEN);
    assert_string_equal(what.added, "gpg.format, user.signingkey, commit.gpgsign");
    assert_true(what.signing);
    _cleanup_free_ char *text = slurp(cfg->sandbox.gitconfig_path.v);
    assert_non_null(strstr(text, "\tname = \"Jane Doe\"\n"));
    assert_non_null(strstr(text, "[gpg]\n\tformat = ssh\n"));
    assert_non_null(strstr(text, "[user]\n\tsigningkey = /home/dev/.ssh/ags-agent-signing.pub\n"));
    assert_non_null(strstr(text, "[commit]\n\tgpgsign = true\n"));
    assert_int_equal(unlink(cfg->sandbox.gitconfig_path.v), 0);
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_WRITTEN);
    assert_string_equal(what.added, "");
    _cleanup_free_ char *plain = slurp(cfg->sandbox.gitconfig_path.v);
    assert_null(strstr(plain, "gpgsign"));
    assert_null(strstr(plain, "signingkey"));
}

/* ags's file gains only the keys it lacks, appended: every line the user
 * wrote stays, a value the user chose (even false) is never overridden. */
static void test_managed_gitconfig_gains_missing_signing_lines_and_keeps_user_edits(void **state)
{
    (void)state;
    _cleanup_free_ char *xdg = at("sign-merge");
    _cleanup_config_ struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n", xdg);
    const char *path = cfg->sandbox.gitconfig_path.v;
    static const char edited[] = "# Managed by ags: `ags setup` wrote it\n[user]\n"
                                 "\tname = \"Jane\"\n\temail = \"j@e.org\"\n"
                                 "[alias]\n\tst = status\n"
                                 "[commit]\n\tgpgsign = false"; /* no final newline */
    put_dir("sign-merge/ags");
    put_file("sign-merge/ags/gitconfig-agent", edited);
    assert_int_equal(chmod(path, 0600), 0);
    g_git_calls = 0;
    struct run_gitconfig_result what;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, true, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_ADDED);
    assert_string_equal(what.added, "gpg.format, user.signingkey");
    assert_int_equal(g_git_calls, 0);
    _cleanup_free_ char *text = slurp(path);
    assert_memory_equal(text, edited, strlen(edited)); /* the user's bytes first, unchanged */
    assert_int_equal(text[strlen(edited)], '\n');
    assert_non_null(strstr(text, "[gpg]\n\tformat = ssh\n"));
    assert_null(strstr(text, "gpgsign = true"));
    struct run_gitconfig_signing s;
    run_gitconfig_signing_of(text, &s);
    assert_true(run_gitconfig_signing_complete(&s));
    assert_false(s.gpgsign_on);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    /* Again: nothing left to add, nothing written. */
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, true, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_THERE);
    assert_string_equal(what.added, "");
    _cleanup_free_ char *again = slurp(path);
    assert_string_equal(text, again);
}

static void test_gitconfig_without_header_or_signing_key_is_left_as_is(void **state)
{
    (void)state;
    _cleanup_free_ char *xdg = at("sign-theirs");
    _cleanup_config_ struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n", xdg);
    const char *path = cfg->sandbox.gitconfig_path.v;
    put_dir("sign-theirs/ags");
    put_file("sign-theirs/ags/gitconfig-agent", "[user]\n\tname = Me\n");
    struct run_gitconfig_result what;
    struct ags_error err = {0};
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, true, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_NOT_OURS);
    _cleanup_free_ char *text = slurp(path);
    assert_string_equal(text, "[user]\n\tname = Me\n");
    put_file("sign-theirs/ags/gitconfig-agent", "# Managed by ags\n[user]\n\tname = Me\n");
    assert_int_equal(run_setup_gitconfig(cfg, fake_git, false, &what, &err), 0);
    assert_int_equal(what.what, RUN_GITCONFIG_THERE);
    assert_false(what.signing);
    _cleanup_free_ char *managed = slurp(path);
    assert_string_equal(managed, "# Managed by ags\n[user]\n\tname = Me\n");
}

/* ---- the agent keys ---- */

static void test_key_action_makes_keys_only_with_a_terminal(void **state)
{
    (void)state;
    assert_int_equal(run_setup_key_action(SSH_KEY_OK, false), RUN_SETUP_KEY_READY);
    assert_int_equal(run_setup_key_action(SSH_KEY_MISSING, true), RUN_SETUP_KEY_CREATE);
    assert_int_equal(run_setup_key_action(SSH_KEY_MISSING, false), RUN_SETUP_KEY_TELL);
    static const enum ssh_key_verdict broken[] = {
            SSH_KEY_PUB_ONLY, SSH_KEY_UNREADABLE, SSH_KEY_EMPTY, SSH_KEY_NOT_A_KEY,
            SSH_KEY_PUB_MISSING, SSH_KEY_PUB_EMPTY, SSH_KEY_PUB_INVALID, SSH_KEY_MISMATCH,
            SSH_KEY_TYPE_REFUSED};
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        assert_int_equal(run_setup_key_action(broken[i], true), RUN_SETUP_KEY_PROBLEM);
        assert_int_equal(run_setup_key_action(broken[i], false), RUN_SETUP_KEY_PROBLEM);
    }
    _cleanup_free_ char *cmd = run_keygen_command(RUN_KEY_SIGNING, "/home/j d/.ssh/k");
    assert_string_equal(cmd, "ssh-keygen -t ed25519 -a 64 -f '/home/j d/.ssh/k' "
                             "-C ags-agent-signing");
}

/* A stand-in ssh-keygen in a private directory: it records its argv and
 * stdin's kind, and writes the two files as the real one would. */
static char *fake_keygen_dir(void)
{
    put_dir("bin");
    assert_int_equal(chmod(tmpdir, 0700), 0);
    _cleanup_free_ char *bin = at("bin");
    assert_int_equal(chmod(bin, 0700), 0);
    _cleanup_free_ char *log = at("keygen.args");
    _cleanup_free_ char *script = xasprintf(
            "#!/bin/sh\nprintf '%%s\\n' \"$@\" > '%s'\n"
            "while [ $# -gt 0 ]; do [ \"$1\" = -f ] && f=$2; shift; done\n"
            "echo key > \"$f\" && echo 'ssh-ed25519 AAAA c' > \"$f.pub\"\n", log);
    put_file("bin/ssh-keygen", script);
    _cleanup_free_ char *exe = at("bin/ssh-keygen");
    assert_int_equal(chmod(exe, 0700), 0);
    return TAKE_PTR(bin);
}

static void test_key_create_runs_ssh_keygen_without_a_passphrase_in_argv(void **state)
{
    (void)state;
    _cleanup_free_ char *bin = fake_keygen_dir();
    _cleanup_free_ char *key = at("home/.ssh/agent-auth");
    struct ags_error err = {0};
    assert_int_equal(run_setup_key_create(RUN_KEY_AUTH, key, bin, &err), 0);
    _cleanup_free_ char *log = at("keygen.args");
    _cleanup_free_ char *args = slurp(log);
    _cleanup_free_ char *want = xasprintf("-t\ned25519\n-a\n64\n-f\n%s\n-C\nags-agent-auth\n", key);
    assert_string_equal(args, want); /* no -N, no passphrase: ssh-keygen asks the user */
    _cleanup_free_ char *home = at("home");
    _cleanup_free_ char *ssh = at("home/.ssh");
    struct stat st;
    assert_int_equal(lstat(home, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(lstat(ssh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    /* Made: a second call refuses to replace it. */
    assert_int_equal(run_setup_key_create(RUN_KEY_AUTH, key, bin, &err), -EEXIST);
    /* No trusted ssh-keygen on the PATH given: nothing runs. */
    assert_int_equal(run_setup_key_create(RUN_KEY_AUTH, key, "relative/bin:", &err), -ENOENT);
}

static void test_key_create_never_writes_through_a_link(void **state)
{
    (void)state;
    _cleanup_free_ char *bin = fake_keygen_dir();
    _cleanup_free_ char *log = at("keygen.args");
    (void)unlink(log);
    /* A dangling link where the key goes: ssh-keygen would write through it. */
    put_dir("lk/.ssh");
    _cleanup_free_ char *lkssh = at("lk/.ssh");
    assert_int_equal(chmod(lkssh, 0700), 0);
    _cleanup_free_ char *victim = at("victim-key");
    put_link(victim, "lk/.ssh/k");
    _cleanup_free_ char *key = at("lk/.ssh/k");
    struct ags_error err = {0};
    assert_int_equal(run_setup_key_create(RUN_KEY_SIGNING, key, bin, &err), -EEXIST);
    assert_non_null(strstr(err.msg, "a symlink"));
    struct stat st;
    assert_int_equal(lstat(victim, &st), -1);
    /* A key directory that is a link is refused, not followed. */
    put_dir("elsewhere");
    _cleanup_free_ char *elsewhere = at("elsewhere");
    assert_int_equal(chmod(elsewhere, 0700), 0);
    put_link(elsewhere, "lk/linked");
    _cleanup_free_ char *key2 = at("lk/linked/k");
    assert_int_equal(run_setup_key_create(RUN_KEY_SIGNING, key2, bin, &err), -ELOOP);
    /* A directory others can write: refused. */
    put_dir("open");
    _cleanup_free_ char *open_dir = at("open");
    assert_int_equal(chmod(open_dir, 0777), 0);
    _cleanup_free_ char *key3 = at("open/k");
    assert_int_equal(run_setup_key_create(RUN_KEY_SIGNING, key3, bin, &err), -EPERM);
    assert_int_equal(lstat(log, &st), -1); /* ssh-keygen never ran */
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_image_state_from_its_context_label),
            cmocka_unit_test(test_image_is_offered_when_missing_or_outdated_by_mode),
            cmocka_unit_test(test_agents_offered_only_when_missing_and_the_image_is_there),
            cmocka_unit_test(test_each_agent_program_lives_in_one_of_its_volumes),
            cmocka_unit_test(test_look_compares_the_label_with_the_context_there_now),
            cmocka_unit_test(test_look_finds_agents_by_name_without_following_the_volume),
            cmocka_unit_test(test_gitconfig_text_is_managed_and_quotes_the_identity),
            cmocka_unit_test(test_gitconfig_created_once_0600_then_left_as_is),
            cmocka_unit_test(test_gitconfig_symlink_refused_and_its_target_untouched),
            cmocka_unit_test(test_gitconfig_without_identity_or_on_users_own_path_writes_nothing),
            cmocka_unit_test(test_gitconfig_signing_is_read_as_git_reads_it),
            cmocka_unit_test(test_new_gitconfig_signs_only_with_a_usable_signing_key),
            cmocka_unit_test(test_managed_gitconfig_gains_missing_signing_lines_and_keeps_user_edits),
            cmocka_unit_test(test_gitconfig_without_header_or_signing_key_is_left_as_is),
            cmocka_unit_test(test_key_action_makes_keys_only_with_a_terminal),
            cmocka_unit_test(test_key_create_runs_ssh_keygen_without_a_passphrase_in_argv),
            cmocka_unit_test(test_key_create_never_writes_through_a_link),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
