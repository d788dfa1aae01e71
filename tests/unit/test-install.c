/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags install / uninstall: the manifest, what counts as install's own, and
 * that uninstall removes exactly what install wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/install.h"

#define DIGEST_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_manifest_round_trips(void **state _unused_)
{
    struct run_manifest m = {0};
    run_manifest_add(&m, RUN_MANIFEST_DIR, "/h/.local/share/ags", NULL, 0);
    run_manifest_add(&m, RUN_MANIFEST_FILE, "/h/.local/bin/my ags", DIGEST_A, 0755);
    run_manifest_add(&m, RUN_MANIFEST_LINK, "/h/.local/bin/x", "/opt/ags/ags", 0);
    _cleanup_free_ char *text = run_manifest_render(&m);
    assert_non_null(strstr(text, "file\t0755\t" DIGEST_A "\t/h/.local/bin/my ags\n"));
    assert_non_null(strstr(text, "link\t/opt/ags/ags\t/h/.local/bin/x\n"));
    assert_non_null(strstr(text, "dir\t/h/.local/share/ags\n"));
    struct run_manifest back;
    assert_int_equal(run_manifest_parse(text, "M", &back, NULL), 0);
    assert_int_equal(back.n, 3);
    _cleanup_free_ char *again = run_manifest_render(&back);
    assert_string_equal(again, text);
    const struct run_manifest_entry *e = run_manifest_find(&back, "/h/.local/bin/my ags");
    assert_non_null(e);
    assert_int_equal(e->mode, 0755);
    run_manifest_done(&back);
    run_manifest_done(&m);
}

static void test_manifest_lines_ags_did_not_write_are_refused_with_their_line(void **state _unused_)
{
    const char *bad[] = {
        "# c\nfile\t0644\tnothex\t/h/x\n",
        "# c\nfile\t0644\t" DIGEST_A "\trelative\n",
        "# c\nrm\t/h/x\n",
        "# c\ndir\t/h/x\textra\n",
        "# c\nfile\t9999\t" DIGEST_A "\t/h/x\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct run_manifest m;
        struct ags_error err = {0};
        assert_int_equal(run_manifest_parse(bad[i], "/h/M", &m, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "/h/M:2:"));
        assert_int_equal(m.n, 0);
    }
}

/* ---- on disk: a fake source tree and a throwaway home ---- */

struct fx {
    char root[64];
    char *home, *src, *exe, *helper;
};

static void put(const char *path, const char *text, unsigned mode)
{
    _cleanup_free_ char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(mkdir_parents(dir, 0755, NULL), 0);
    assert_int_equal(write_file_atomic(path, text, strlen(text), mode, NULL), 0);
}

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    snprintf(fx->root, sizeof(fx->root), "/tmp/ags-test-install-XXXXXX");
    if (!mkdtemp(fx->root))
        return -1;
    fx->home = xasprintf("%s/home", fx->root);
    fx->src = xasprintf("%s/src", fx->root);
    fx->exe = xasprintf("%s/build/ags", fx->root);
    fx->helper = xasprintf("%s/build/ags-helper", fx->root);
    if (mkdir(fx->home, 0700) < 0)
        return -1;
    _cleanup_free_ char *cf = xasprintf("%s/containerfile/Containerfile", fx->src);
    _cleanup_free_ char *guard = xasprintf("%s/agent-assets/claude/guard.sh", fx->src);
    _cleanup_free_ char *ts = xasprintf("%s/agent-assets/pi/guard.ts", fx->src);
    put(cf, "FROM debian\n", 0644);
    put(guard, "#!/bin/sh\n", 0755);
    put(ts, "export {}\n", 0644);
    put(fx->exe, "\177ELF pretend\n", 0755);
    put(fx->helper, "\177ELF helper\n", 0755);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", fx->root);
    int r = system(cmd);
    free(fx->home);
    free(fx->src);
    free(fx->exe);
    free(fx->helper);
    free(fx);
    return r == 0 ? 0 : -1;
}

/* Every path below home with its type and mode, sorted: the tree to compare. */
static char *tree(const char *home)
{
    _cleanup_free_ char *cmd =
            xasprintf("cd '%s' && find . -printf '%%y %%m %%p\\n' | LC_ALL=C sort", home);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(read_fd_bounded(fileno(p), 1 << 20, &out, &len, NULL), 0);
    assert_int_equal(pclose(p), 0);
    return out;
}

/* ags install as cmd-install does it; returns how many items were in the way. */
static int install(struct fx *fx, bool link_self, bool force)
{
    _cleanup_free_ char *cf = xasprintf("%s/containerfile", fx->src);
    _cleanup_free_ char *assets = xasprintf("%s/agent-assets", fx->src);
    const struct run_install_opts o = {.home = fx->home, .exe = fx->exe, .helper = fx->helper,
                                       .containerfile_dir = cf, .assets_dir = assets,
                                       .link_self = link_self};
    struct run_install_items items;
    struct run_manifest m;
    assert_int_equal(run_install_collect(&o, &items, NULL), 0);
    assert_int_equal(run_install_manifest_load(fx->home, &m, NULL), 0);
    enum run_install_state *st = xcalloc(items.n, sizeof(*st));
    int blocked = 0;
    for (size_t i = 0; i < items.n; i++) {
        assert_int_equal(run_install_state_of(fx->home, &items.v[i], &m, &st[i], NULL), 0);
        blocked += st[i] == RUN_INSTALL_FOREIGN || st[i] == RUN_INSTALL_DIRECTORY;
    }
    if (blocked == 0 || force)
        assert_int_equal(run_install_write(fx->home, &items, st, &m, NULL), 0);
    free(st);
    run_install_items_done(&items);
    run_manifest_done(&m);
    return blocked;
}

static struct run_uninstall_result uninstall(struct fx *fx, bool force)
{
    struct run_uninstall_result res;
    assert_int_equal(run_uninstall(fx->home, force, NULL, NULL, &res, NULL), 0);
    return res;
}

static char *read_at(const char *home, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", home, rel);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(path, 1 << 20, &data, &len, NULL), 0);
    return data;
}

static unsigned mode_at(const char *home, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", home, rel);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_install_copies_binary_and_assets_with_their_modes(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(install(fx, false, false), 0);
    _cleanup_free_ char *bin = read_at(fx->home, ".local/bin/ags");
    assert_string_equal(bin, "\177ELF pretend\n");
    assert_int_equal(mode_at(fx->home, ".local/bin/ags"), 0755);
    /* The helper where an installed ags looks for it (run_helper_path). */
    _cleanup_free_ char *helper = read_at(fx->home, ".local/lib/ags/ags-helper");
    assert_string_equal(helper, "\177ELF helper\n");
    assert_int_equal(mode_at(fx->home, ".local/lib/ags/ags-helper"), 0755);
    assert_int_equal(mode_at(fx->home, ".local/share/ags/agent-assets/claude/guard.sh"), 0755);
    assert_int_equal(mode_at(fx->home, ".local/share/ags/agent-assets/pi/guard.ts"), 0644);
    _cleanup_free_ char *cf = read_at(fx->home, ".local/share/ags/containerfile/Containerfile");
    assert_string_equal(cf, "FROM debian\n");
    _cleanup_free_ char *m = read_at(fx->home, ".local/share/ags/install-manifest");
    assert_non_null(strstr(m, "/.local/bin/ags\n"));
    assert_non_null(strstr(m, "/.local/lib/ags/ags-helper\n"));
    assert_non_null(strstr(m, "dir\t"));
}

static void test_a_second_install_finds_everything_its_own(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(install(fx, false, false), 0);
    _cleanup_free_ char *before = tree(fx->home);
    assert_int_equal(install(fx, false, false), 0);
    _cleanup_free_ char *after = tree(fx->home);
    assert_string_equal(after, before);
}

static void test_a_file_install_did_not_write_is_in_the_way_unless_forced(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *mine = xasprintf("%s/.local/bin/ags", fx->home);
    put(mine, "#!/bin/sh\necho my own ags\n", 0755);
    assert_int_equal(install(fx, false, false), 1);
    _cleanup_free_ char *kept = read_at(fx->home, ".local/bin/ags");
    assert_string_equal(kept, "#!/bin/sh\necho my own ags\n");
    _cleanup_free_ char *manifest = xasprintf("%s/.local/share/ags/install-manifest", fx->home);
    assert_int_equal(access(manifest, F_OK), -1);
    assert_int_equal(install(fx, false, true), 1);
    _cleanup_free_ char *now = read_at(fx->home, ".local/bin/ags");
    assert_string_equal(now, "\177ELF pretend\n");
}

static void test_an_installed_file_changed_by_the_user_is_in_the_way(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(install(fx, false, false), 0);
    _cleanup_free_ char *ts = xasprintf("%s/.local/share/ags/agent-assets/pi/guard.ts", fx->home);
    put(ts, "edited\n", 0644);
    assert_int_equal(install(fx, false, false), 1);
    _cleanup_free_ char *kept = read_at(fx->home, ".local/share/ags/agent-assets/pi/guard.ts");
    assert_string_equal(kept, "edited\n");
}

static void test_uninstall_leaves_exactly_the_tree_from_before(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *other = xasprintf("%s/.local/share/other/keep", fx->home);
    put(other, "not ags's\n", 0600);
    _cleanup_free_ char *before = tree(fx->home);
    assert_int_equal(install(fx, false, false), 0);
    assert_int_equal(install(fx, false, false), 0);
    struct run_uninstall_result res = uninstall(fx, false);
    assert_int_equal(res.kept, 0);
    _cleanup_free_ char *after = tree(fx->home);
    assert_string_equal(after, before);
}

static void test_uninstall_keeps_a_changed_file_and_lists_it_again(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(install(fx, false, false), 0);
    _cleanup_free_ char *ts = xasprintf("%s/.local/share/ags/agent-assets/pi/guard.ts", fx->home);
    put(ts, "edited\n", 0644);
    struct run_uninstall_result res = uninstall(fx, false);
    assert_int_equal(res.kept, 1);
    _cleanup_free_ char *kept = read_at(fx->home, ".local/share/ags/agent-assets/pi/guard.ts");
    assert_string_equal(kept, "edited\n");
    _cleanup_free_ char *bin = xasprintf("%s/.local/bin/ags", fx->home);
    assert_int_equal(access(bin, F_OK), -1);
    res = uninstall(fx, true);
    assert_int_equal(res.kept, 0);
    assert_int_equal(access(ts, F_OK), -1);
    _cleanup_free_ char *local = xasprintf("%s/.local", fx->home);
    assert_int_equal(access(local, F_OK), -1);
}

/* A manifest line naming a place install never writes, or a place reached
 * through a symlink below ~/.local, is kept even with --force. */
static void test_uninstall_removes_only_places_install_writes_never_through_a_link(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(install(fx, false, false), 0);
    _cleanup_free_ char *keyring = xasprintf("%s/.local/share/keyrings/login.keyring", fx->home);
    _cleanup_free_ char *outside = xasprintf("%s/outside/victim", fx->root);
    _cleanup_free_ char *link = xasprintf("%s/.local/share/ags/agent-assets/linkdir", fx->home);
    _cleanup_free_ char *through = xasprintf("%s/victim", link);
    _cleanup_free_ char *outside_dir = xasprintf("%s/outside", fx->root);
    put(keyring, "secret\n", 0600);
    put(outside, "v\n", 0644);
    assert_int_equal(symlink(outside_dir, link), 0);
    struct run_manifest m;
    assert_int_equal(run_install_manifest_load(fx->home, &m, NULL), 0);
    static const char digest[] = "00000000000000000000000000000000"
                                 "00000000000000000000000000000000";
    run_manifest_add(&m, RUN_MANIFEST_FILE, keyring, digest, 0600);
    run_manifest_add(&m, RUN_MANIFEST_FILE, through, digest, 0644);
    _cleanup_free_ char *text = run_manifest_render(&m);
    _cleanup_free_ char *path = run_install_manifest_path(fx->home);
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
    run_manifest_done(&m);
    struct run_uninstall_result res = uninstall(fx, true);
    assert_int_equal(res.kept, 2);
    assert_int_equal(access(keyring, F_OK), 0);
    assert_int_equal(access(outside, F_OK), 0);
}

/* The manifest records paths as HOME spells them: only a plain spelling. */
static void test_only_a_plain_absolute_home_is_used(void **state _unused_)
{
    assert_true(run_install_path_plain("/home/u"));
    assert_true(run_install_path_plain("/home/u.v/x..y"));
    assert_false(run_install_path_plain(NULL));
    assert_false(run_install_path_plain("/"));
    assert_false(run_install_path_plain("home/u"));
    assert_false(run_install_path_plain("/home/u/"));
    assert_false(run_install_path_plain("/home//u"));
    assert_false(run_install_path_plain("/home/./u"));
    assert_false(run_install_path_plain("/tmp/x/sub/.."));
    assert_false(run_install_path_plain("/tmp/x/."));
}

static void test_uninstall_without_a_manifest_says_so(void **state)
{
    struct fx *fx = *state;
    struct run_uninstall_result res;
    struct ags_error err = {0};
    assert_int_equal(run_uninstall(fx->home, false, NULL, NULL, &res, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "install-manifest"));
}

static void test_link_self_links_and_uninstall_removes_only_the_link(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(install(fx, true, false), 0);
    _cleanup_free_ char *bin = xasprintf("%s/.local/bin/ags", fx->home);
    char target[256] = {0};
    assert_true(readlink(bin, target, sizeof(target) - 1) > 0);
    assert_string_equal(target, fx->exe);
    _cleanup_free_ char *helper = xasprintf("%s/.local/lib/ags/ags-helper", fx->home);
    memset(target, 0, sizeof(target));
    assert_true(readlink(helper, target, sizeof(target) - 1) > 0);
    assert_string_equal(target, fx->helper);
    assert_int_equal(install(fx, false, false), 0); /* our link becomes a copy */
    assert_int_equal(mode_at(fx->home, ".local/bin/ags"), 0755);
    assert_int_equal(install(fx, true, false), 0);
    assert_int_equal(uninstall(fx, false).kept, 0);
    assert_int_equal(access(fx->exe, F_OK), 0);
    assert_int_equal(access(fx->helper, F_OK), 0);
}

/* An install without the helper would give runs no auth proxy: refused. */
static void test_install_without_a_helper_installs_nothing_and_says_why(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *cf = xasprintf("%s/containerfile", fx->src);
    _cleanup_free_ char *assets = xasprintf("%s/agent-assets", fx->src);
    const struct run_install_opts o = {.home = fx->home, .exe = fx->exe,
                                       .containerfile_dir = cf, .assets_dir = assets};
    struct run_install_items items;
    struct ags_error err = {0};
    assert_int_equal(run_install_collect(&o, &items, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "ags-helper, the program ags mounts into its sandboxes, is "
                                    "not beside this ags"));
}

static void test_a_binary_beside_a_cmake_cache_is_in_a_build_tree(void **state)
{
    struct fx *fx = *state;
    assert_false(run_install_exe_in_build_tree(fx->exe));
    _cleanup_free_ char *cache = xasprintf("%s/build/CMakeCache.txt", fx->root);
    put(cache, "", 0644);
    assert_true(run_install_exe_in_build_tree(fx->exe));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_round_trips),
        cmocka_unit_test(test_manifest_lines_ags_did_not_write_are_refused_with_their_line),
        T(test_install_copies_binary_and_assets_with_their_modes),
        T(test_a_second_install_finds_everything_its_own),
        T(test_a_file_install_did_not_write_is_in_the_way_unless_forced),
        T(test_an_installed_file_changed_by_the_user_is_in_the_way),
        T(test_uninstall_leaves_exactly_the_tree_from_before),
        T(test_uninstall_keeps_a_changed_file_and_lists_it_again),
        T(test_uninstall_removes_only_places_install_writes_never_through_a_link),
        T(test_uninstall_without_a_manifest_says_so),
        cmocka_unit_test(test_only_a_plain_absolute_home_is_used),
        T(test_link_self_links_and_uninstall_removes_only_the_link),
        T(test_install_without_a_helper_installs_nothing_and_says_why),
        T(test_a_binary_beside_a_cmake_cache_is_in_a_build_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
