/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where ags finds the files it ships, for an injected executable path: a
 * <PREFIX>/bin/ags uses <PREFIX>/share/ags (whatever the prefix), the build
 * tree's binary the source tree, and a place another user can change is
 * never used. */
#include <setjmp.h>
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
#include "run/internal.h"
#include "run/stage.h"

#define CF "containerfile/Containerfile"

static char tmpdir[] = "/tmp/test-shipped.XXXXXX";

static char *at(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
}

/* Creates tmpdir/rel (and its directories) holding a line, with mode. */
static void put_mode(const char *rel, unsigned mode)
{
    char *path = at(rel), *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    struct ags_error err = {0};
    assert_int_equal(mkdir_parents(dir, 0755, &err), 0);
    free(dir);
    assert_int_equal(write_file_atomic(path, "x\n", 2, mode, &err), 0);
    free(path);
}

static void put(const char *rel)
{
    put_mode(rel, 0644);
}

#define HELPER "lib/ags/ags-helper"

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(tmpdir));
    put("src/" CF);                   /* the source tree */
    put("build/CMakeCache.txt");      /* the build tree (its binary: build/ags) */
    put("usr/share/ags/" CF);         /* a package's prefix */
    put("home/.local/share/ags/" CF); /* an `ags install` prefix */
    put("share/ags/" CF);             /* what build/../share/ags would be */
    put("open/share/ags/" CF);        /* a prefix another user can write */
    put_mode("usr/" HELPER, 0755);               /* the package's helper */
    put_mode("build/ags-helper", 0755);          /* the build tree's */
    put_mode(HELPER, 0755);                      /* what build/../lib/ags would be */
    put_mode("open/" HELPER, 0755);              /* in the prefix others can write */
    put_mode("home/.local/" HELPER, 0644);       /* not executable */
    put_mode("dir/" HELPER "/inside", 0644);     /* a directory in its place */
    char *writable = at("open/share/ags");
    assert_int_equal(chmod(writable, 0777), 0);
    free(writable);
    writable = at("open/lib/ags");
    assert_int_equal(chmod(writable, 0777), 0);
    free(writable);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(tmpdir, &err), 0);
    return 0;
}

/* The path chosen for the executable exe (relative to tmpdir), relative to
 * tmpdir again. */
static char *chosen(const char *exe_rel)
{
    char *exe = at(exe_rel), *build = at("build"), *src = at("src");
    const struct shipped_tree tree = {build, src};
    char *path = run_shipped_path_for(exe, &tree, CF);
    free(exe);
    free(build);
    free(src);
    assert_int_equal(strncmp(path, tmpdir, strlen(tmpdir)), 0);
    char *rel = xstrdup(path + strlen(tmpdir) + 1);
    free(path);
    return rel;
}

static void test_an_installed_binary_uses_the_share_dir_of_its_own_prefix(void **state)
{
    (void)state;
    char *usr = chosen("usr/bin/ags"), *local = chosen("home/.local/bin/ags");
    assert_string_equal(usr, "usr/share/ags/" CF);
    assert_string_equal(local, "home/.local/share/ags/" CF);
    free(usr);
    free(local);
}

static void test_the_build_tree_binary_uses_the_source_tree_even_beside_a_prefix(void **state)
{
    (void)state;
    char *p = chosen("build/ags"); /* build/../share/ags exists too */
    assert_string_equal(p, "src/" CF);
    free(p);
}

static void test_a_prefix_without_the_file_falls_back_to_the_source_tree(void **state)
{
    (void)state;
    char *p = chosen("opt/bin/ags");
    assert_string_equal(p, "src/" CF);
    free(p);
}

static void test_a_prefix_another_user_can_write_is_not_used(void **state)
{
    (void)state;
    char *p = chosen("open/bin/ags");
    assert_string_equal(p, "src/" CF);
    free(p);
}

/* A build directory that is gone, re-created by someone as a link to the
 * installed copy's bin/: the installed copy still uses its own prefix. */
static void test_a_build_dir_recreated_as_a_link_does_not_redirect_an_installed_copy(void **state)
{
    (void)state;
    char *gone = at("gone-build"), *bin = at("home/.local/bin"), *exe = at("home/.local/bin/ags");
    char *src = at("src");
    assert_int_equal(symlink(bin, gone), 0);
    const struct shipped_tree tree = {gone, src};
    char *path = run_shipped_path_for(exe, &tree, CF);
    char *want = at("home/.local/share/ags/" CF);
    assert_string_equal(path, want);
    free(gone);
    free(bin);
    free(exe);
    free(src);
    free(path);
    free(want);
}

/* A source tree reached through a link in a directory others can write is
 * not used, although the link leads to a tree of ours. */
static void test_a_source_tree_behind_a_link_others_could_swap_is_not_used(void **state)
{
    (void)state;
    char *link = at("open/share/ags/src-link"), *src = at("src"), *build = at("build");
    char *exe = at("opt/bin/ags");
    assert_int_equal(symlink(src, link), 0);
    const struct shipped_tree tree = {build, link};
    char *path = run_shipped_path_for(exe, &tree, CF);
    char *want = at("opt/share/ags/" CF); /* where it belongs: for the error */
    assert_string_equal(path, want);
    free(link);
    free(src);
    free(build);
    free(exe);
    free(path);
    free(want);
}

/* With the file nowhere, the path names where it belongs (for the error). */
static void test_a_missing_file_is_named_in_the_prefix_or_the_source_tree(void **state)
{
    (void)state;
    const struct shipped_tree tree = {"/nonexistent-build", "/nonexistent-src"};
    char *usr = run_shipped_path_for("/nonexistent-usr/bin/ags", &tree, CF);
    char *root = run_shipped_path_for("/ags", &tree, CF);
    char *none = run_shipped_path_for(NULL, &tree, CF);
    char *rel = run_shipped_path_for("ags", &tree, CF);
    assert_string_equal(usr, "/nonexistent-usr/share/ags/" CF);
    assert_string_equal(root, "/share/ags/" CF);
    assert_string_equal(none, "/nonexistent-src/" CF);
    assert_string_equal(rel, "/nonexistent-src/" CF);
    free(usr);
    free(root);
    free(none);
    free(rel);
}

/* This test binary is not in the build tree's top directory and has no
 * share/ags beside it: it gets the source tree's file. */
static void test_this_process_finds_the_source_tree_file(void **state)
{
    (void)state;
    char *p = run_shipped_path(CF);
    assert_string_equal(p, AGS_SOURCE_DIR "/" CF);
    free(p);
}

/* ---- ags-helper, mounted into every sandbox ---- */

/* The helper chosen for the executable exe (relative to tmpdir), relative to
 * tmpdir again, or NULL. */
static char *helper_for(const char *exe_rel)
{
    char *exe = at(exe_rel), *build = at("build");
    char *path = run_helper_path_for(exe, build);
    free(exe);
    free(build);
    if (!path)
        return NULL;
    assert_int_equal(strncmp(path, tmpdir, strlen(tmpdir)), 0);
    char *rel = xstrdup(path + strlen(tmpdir) + 1);
    free(path);
    return rel;
}

static void test_an_installed_binary_uses_the_helper_in_its_prefix_lib(void **state)
{
    (void)state;
    char *usr = helper_for("usr/bin/ags");
    assert_string_equal(usr, "usr/" HELPER);
    free(usr);
}

static void test_the_build_tree_binary_uses_its_own_helper_even_beside_a_prefix(void **state)
{
    (void)state;
    char *p = helper_for("build/ags"); /* build/../lib/ags/ags-helper exists too */
    assert_string_equal(p, "build/ags-helper");
    free(p);
}

/* No fallback: an installed copy never mounts a build tree's helper. */
static void test_a_prefix_without_the_helper_has_none(void **state)
{
    (void)state;
    assert_null(helper_for("opt/bin/ags"));
    assert_null(run_helper_path_for(NULL, "/nonexistent"));
    assert_null(run_helper_path_for("ags", "/nonexistent"));
}

static void test_a_helper_others_could_change_or_not_executable_is_not_used(void **state)
{
    (void)state;
    assert_null(helper_for("open/bin/ags"));
    assert_null(helper_for("home/.local/bin/ags"));
    assert_null(helper_for("dir/bin/ags"));
}

/* A link to the helper is followed: what is mounted is the file it names. */
static void test_a_linked_helper_resolves_to_its_file(void **state)
{
    (void)state;
    char *target = at("usr/" HELPER), *link = at("linked/" HELPER);
    char *dir = xstrdup(link);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(mkdir_parents(dir, 0755, NULL), 0);
    assert_int_equal(symlink(target, link), 0);
    char *p = helper_for("linked/bin/ags");
    assert_string_equal(p, "usr/" HELPER);
    free(p);
    free(target);
    free(link);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_an_installed_binary_uses_the_share_dir_of_its_own_prefix),
            cmocka_unit_test(test_the_build_tree_binary_uses_the_source_tree_even_beside_a_prefix),
            cmocka_unit_test(test_a_prefix_without_the_file_falls_back_to_the_source_tree),
            cmocka_unit_test(test_a_prefix_another_user_can_write_is_not_used),
            cmocka_unit_test(test_a_missing_file_is_named_in_the_prefix_or_the_source_tree),
            cmocka_unit_test(test_a_build_dir_recreated_as_a_link_does_not_redirect_an_installed_copy),
            cmocka_unit_test(test_a_source_tree_behind_a_link_others_could_swap_is_not_used),
            cmocka_unit_test(test_this_process_finds_the_source_tree_file),
            cmocka_unit_test(test_an_installed_binary_uses_the_helper_in_its_prefix_lib),
            cmocka_unit_test(test_the_build_tree_binary_uses_its_own_helper_even_beside_a_prefix),
            cmocka_unit_test(test_a_prefix_without_the_helper_has_none),
            cmocka_unit_test(test_a_helper_others_could_change_or_not_executable_is_not_used),
            cmocka_unit_test(test_a_linked_helper_resolves_to_its_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
