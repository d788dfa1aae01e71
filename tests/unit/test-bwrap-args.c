/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bubblewrap backend's mapping of a launch plan (backend/bwrap-args.c):
 * namespaces, identity, the image shadowed under "/", fresh /proc /dev /tmp
 * /run /var/tmp, the per-run /home, the plan's mounts parents first, secrets
 * as 0400 files from fds, the pids limit and the environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bwrap-args.h"
#include "base/strv.h"
#include "config/config.h"
#include "plan/plan.h"

#include "backend-fixture.h"

static const char toml[] = "[sandbox]\n"
                           "image = \"img:1\"\n"
                           "pids_limit = 321\n"
                           "[[mount]]\n"
                           "host = \"/data/ro\"\ncontainer = \"/data/deep/ro\"\nmode = \"ro\"\n"
                           "[[mount]]\n"
                           "host = \"/data/rw\"\ncontainer = \"/out\"\nmode = \"rw\"\n";

struct fx {
    struct ags_config *cfg;
    struct plan_input in;
    struct ags_plan *p;
    char **argv;
    struct bwrap_entry top[4];
    struct bwrap_shadow root;
};

static void fx_build_flags(struct fx *f, struct plan_flags flags, bool tty, size_t n_secrets);

static void fx_build(struct fx *f, bool lockdown, bool tty, size_t n_secrets)
{
    fx_build_flags(f, (struct plan_flags){.lockdown = lockdown}, tty, n_secrets);
}

static void fx_build_flags(struct fx *f, struct plan_flags flags, bool tty, size_t n_secrets)
{
    *f = (struct fx){0};
    struct cfg_diag diag = {0};
    assert_int_equal(config_load_buffer(&cfg_host, toml, strlen(toml), "/etc/ags.toml", false,
                                        &f->cfg, &diag),
                     0);
    cfg_diag_done(&diag);
    f->in = (struct plan_input){
        .cfg = f->cfg,
        .agent = PLAN_AGENT_SHELL,
        .flags = flags,
        .host = {.cwd = "/work/repo", .uid = 1234, .gid = 4321, .pid = 4242,
                 .session_id = "s123", .name_rand = 0xbeef,
                 .lockdown_staging_dir = "/tmp/ags-lockdown-x", .path_exists = fake_exists,
                 .egress_sock = "/run/user/1234/ags/ags-egress-s123/egress.sock",
                 .helper_path = "/usr/lib/ags/ags-helper"},
    };
    struct ags_error err = {0};
    int r = plan_build(&f->in, &f->p, &err);
    if (r < 0)
        print_message("plan error: %s\n", err.msg);
    assert_int_equal(r, 0);
    char usr[] = "usr", bin[] = "bin", tmp[] = "tmp", home[] = "home", target[] = "usr/bin";
    f->top[0] = (struct bwrap_entry){usr, BWRAP_ENTRY_DIR, NULL};
    f->top[1] = (struct bwrap_entry){bin, BWRAP_ENTRY_LINK, target};
    f->top[2] = (struct bwrap_entry){tmp, BWRAP_ENTRY_DIR, NULL};
    f->top[3] = (struct bwrap_entry){home, BWRAP_ENTRY_DIR, NULL};
    char slash[] = "/";
    f->root = (struct bwrap_shadow){slash, f->top, 4};
    const char *vols[16] = {0};
    static const char *const names[] = {"API_KEY", "OTHER"};
    static const int fds[] = {7, 8};
    const struct bwrap_args_in in = {
        .plan = f->p, .root = "/store/root", .shadows = &f->root, .n_shadows = 1,
        .home_copy = "/run/u/ags-bwrap-x/home", .tmp_dir = "/run/u/ags-bwrap-x/tmp",
        .var_tmp_dir = "/run/u/ags-bwrap-x/var-tmp", .volume_dirs = vols, .seccomp_fd = 5,
        .secret_names = names, .secret_fds = fds, .n_secrets = n_secrets,
        .hosts_fd = 9, .resolv_fd = -1, .tty = tty,
    };
    assert_true(f->p->n_mounts < 16);
    f->argv = bwrap_args_build(&in);
}

static void fx_done(struct fx *f)
{
    strv_free(f->argv);
    plan_free(f->p);
    config_free(f->cfg);
}

/* The index of the word sequence a, b (b may be NULL) in argv, or -1. */
static long find2(char *const *argv, const char *a, const char *b)
{
    for (size_t i = 0; argv[i]; i++)
        if (strcmp(argv[i], a) == 0 && (!b || (argv[i + 1] && strcmp(argv[i + 1], b) == 0)))
            return (long)i;
    return -1;
}

static long find3(char *const *argv, const char *a, const char *b, const char *c)
{
    for (size_t i = 0; argv[i] && argv[i + 1]; i++)
        if (strcmp(argv[i], a) == 0 && strcmp(argv[i + 1], b) == 0 && argv[i + 2] &&
            strcmp(argv[i + 2], c) == 0)
            return (long)i;
    return -1;
}

static void test_namespaces_identity_and_privileges(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 0);
    static const char *const want[] = {"--unshare-user", "--unshare-pid", "--unshare-ipc",
                                       "--unshare-uts", "--unshare-net", "--disable-userns",
                                       "--die-with-parent", "--new-session"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_true(find2(f.argv, want[i], NULL) >= 0);
    assert_true(find2(f.argv, "--cap-drop", "ALL") >= 0);
    assert_true(find2(f.argv, "--uid", "1000") >= 0);
    assert_true(find2(f.argv, "--gid", "1000") >= 0);
    assert_true(find2(f.argv, "--seccomp", "5") >= 0);
    assert_true(find2(f.argv, "--hostname", f.p->name.v) >= 0);
    assert_true(find2(f.argv, "--chdir", "/work/repo") >= 0);
    fx_done(&f);
}

static void test_a_tty_run_gets_no_new_session_but_its_own_pty(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, true, 0);
    assert_int_equal(find2(f.argv, "--new-session", NULL), -1);
    fx_done(&f);
}

static void test_the_image_is_bound_read_only_entry_by_entry_and_links_are_links(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 0);
    assert_true(find3(f.argv, "--ro-bind", "/store/root/usr", "/usr") >= 0);
    assert_true(find3(f.argv, "--symlink", "usr/bin", "/bin") >= 0);
    /* /tmp and /home of the image are replaced, never bound. */
    assert_int_equal(find3(f.argv, "--ro-bind", "/store/root/tmp", "/tmp"), -1);
    assert_int_equal(find3(f.argv, "--ro-bind", "/store/root/home", "/home"), -1);
    assert_true(find3(f.argv, "--bind", "/run/u/ags-bwrap-x/home", "/home") >= 0);
    /* /tmp and /var/tmp on disk as a container's own layer; /run a sized tmpfs. */
    assert_true(find3(f.argv, "--bind", "/run/u/ags-bwrap-x/tmp", "/tmp") >= 0);
    assert_true(find3(f.argv, "--bind", "/run/u/ags-bwrap-x/var-tmp", "/var/tmp") >= 0);
    assert_true(find3(f.argv, "67108864", "--tmpfs", "/run") >= 0);
    assert_true(find2(f.argv, "--proc", "/proc") >= 0);
    /* "/" holds mount points only: read-only once they are made, after every mount. */
    long ro = find2(f.argv, "--remount-ro", "/");
    assert_true(ro > find3(f.argv, "--bind", "/work/repo", "/work/repo"));
    assert_true(ro > find2(f.argv, "--ro-bind-data", "9"));
    assert_true(find2(f.argv, "--dev", "/dev") >= 0);
    fx_done(&f);
}

static void test_plan_mounts_keep_their_mode_and_come_after_their_parents(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 0);
    long ro = find3(f.argv, "--ro-bind", "/data/ro", "/data/deep/ro");
    long rw = find3(f.argv, "--bind", "/data/rw", "/out");
    long ws = find3(f.argv, "--bind", "/work/repo", "/work/repo");
    assert_true(ro >= 0 && rw >= 0 && ws >= 0);
    /* Depth order: /out (1) before /work/repo (2) before /data/deep/ro (3), all after
     * the image's top level. */
    long usr = find3(f.argv, "--ro-bind", "/store/root/usr", "/usr");
    assert_true(usr < rw && rw < ws && ws < ro);
    fx_done(&f);
}

static void test_secrets_are_0400_files_from_their_fds_and_never_values(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 2);
    long a = find3(f.argv, "--file", "7", "/run/secrets/API_KEY");
    long b = find3(f.argv, "--file", "8", "/run/secrets/OTHER");
    assert_true(a >= 2 && b >= 2);
    assert_string_equal(f.argv[a - 2], "--perms");
    assert_string_equal(f.argv[a - 1], "0400");
    /* After the tmpfs on /run that holds them. */
    assert_true(find3(f.argv, "67108864", "--tmpfs", "/run") < a);
    assert_true(find3(f.argv, "--ro-bind-data", "9", "/etc/hosts") >= 0);
    assert_int_equal(find2(f.argv, "--ro-bind-data", "-1"), -1);
    fx_done(&f);
}

static void test_lockdown_tmpfs_keep_the_plans_sizes(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, true, false, 0);
    char size[32];
    for (size_t i = 0; i < f.p->n_tmpfs; i++) {
        snprintf(size, sizeof(size), "%llu", (unsigned long long)f.p->tmpfs[i].size);
        long at = find3(f.argv, size, "--tmpfs", f.p->tmpfs[i].destination);
        assert_true(at >= 1);
        assert_string_equal(f.argv[at - 1], "--size");
    }
    assert_true(f.p->n_tmpfs >= 3);
    fx_done(&f);
}

static void test_the_command_is_the_plans_entrypoint_word_for_word(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 0);
    long dd = find2(f.argv, "--", NULL);
    assert_true(dd > 0);
    size_t i = 0;
    for (; f.p->argv[i]; i++)
        assert_string_equal(f.argv[dd + 1 + (long)i], f.p->argv[i]);
    assert_null(f.argv[dd + 1 + (long)i]);
    fx_done(&f);
}

static void test_environment_is_the_images_then_the_plans(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 0);
    const char *const image_env[] = {"PATH=/image/path", "LANG=C.UTF-8", "junk", NULL};
    char **env = bwrap_env_build(image_env, f.p, host_env, "10.0.2.2", true);
    bool lang = false, term = false, loop = false;
    for (size_t i = 0; env[i]; i++) {
        assert_string_not_equal(env[i], "PATH=/image/path"); /* the plan's PATH wins */
        assert_string_not_equal(env[i], "junk");
        lang |= strcmp(env[i], "LANG=C.UTF-8") == 0;
        term |= strcmp(env[i], "TERM=xterm-256color") == 0;
        loop |= strcmp(env[i], "AGS_HOST_LOOPBACK=10.0.2.2") == 0;
    }
    assert_true(lang && term && loop);
    strv_free(env);
    fx_done(&f);
}

static bool env_has(char **env, const char *entry)
{
    for (size_t i = 0; env[i]; i++)
        if (strcmp(env[i], entry) == 0)
            return true;
    return false;
}

static void test_a_terminal_without_term_gets_xterm_as_on_podman(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, true, 0);
    char **tty = bwrap_env_build(NULL, f.p, NULL, NULL, true); /* the host has no TERM */
    char **pipe = bwrap_env_build(NULL, f.p, NULL, NULL, false);
    assert_true(env_has(tty, "TERM=xterm"));
    for (size_t i = 0; pipe[i]; i++)
        assert_false(strncmp(pipe[i], "TERM=", 5) == 0);
    strv_free(tty);
    strv_free(pipe);
    fx_done(&f);
}

static void test_root_keeps_podmans_default_capabilities_only(void **state)
{
    (void)state;
    struct fx f;
    fx_build(&f, false, false, 0);
    assert_int_equal(find2(f.argv, "--cap-add", NULL), -1);
    fx_done(&f);
    fx_build_flags(&f, (struct plan_flags){.root = true}, false, 0);
    assert_true(find2(f.argv, "--uid", "0") >= 0);
    long drop = find2(f.argv, "--cap-drop", "ALL");
    assert_true(drop >= 0);
    assert_true(find2(f.argv, "--cap-add", "CAP_SETUID") > drop);
    assert_true(find2(f.argv, "--cap-add", "CAP_CHOWN") > drop);
    assert_int_equal(find2(f.argv, "--cap-add", "CAP_SYS_ADMIN"), -1);
    assert_int_equal(find2(f.argv, "--cap-add", "ALL"), -1);
    fx_done(&f);
}

static void test_path_depth(void **state)
{
    (void)state;
    assert_int_equal(bwrap_path_depth("/"), 0);
    assert_int_equal(bwrap_path_depth("/a"), 1);
    assert_int_equal(bwrap_path_depth("/a/b/"), 2);
    assert_int_equal(bwrap_path_depth("/a//b"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespaces_identity_and_privileges),
        cmocka_unit_test(test_a_tty_run_gets_no_new_session_but_its_own_pty),
        cmocka_unit_test(test_the_image_is_bound_read_only_entry_by_entry_and_links_are_links),
        cmocka_unit_test(test_plan_mounts_keep_their_mode_and_come_after_their_parents),
        cmocka_unit_test(test_secrets_are_0400_files_from_their_fds_and_never_values),
        cmocka_unit_test(test_lockdown_tmpfs_keep_the_plans_sizes),
        cmocka_unit_test(test_the_command_is_the_plans_entrypoint_word_for_word),
        cmocka_unit_test(test_environment_is_the_images_then_the_plans),
        cmocka_unit_test(test_root_keeps_podmans_default_capabilities_only),
        cmocka_unit_test(test_a_terminal_without_term_gets_xterm_as_on_podman),
        cmocka_unit_test(test_path_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
