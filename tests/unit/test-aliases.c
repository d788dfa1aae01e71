/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create-aliases: the wrapper text, the alias block and its in-place edit of
 * an rc file, and which existing files a wrapper may replace. */
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
#include "run/aliases.h"

static const struct run_alias two[] = {
    {"aspi", "ags --agent pi --"},
    {"q", "echo 'it''s'"},
};
static const char two_block[] = "# >>> ags managed aliases >>>\n"
                                "alias aspi='ags --agent pi --'\n"
                                "alias q='echo '\\''it'\\'''\\''s'\\'''\n"
                                "# <<< ags managed aliases <<<\n";

static void test_wrapper_runs_the_command_with_the_users_arguments(void **state _unused_)
{
    _cleanup_free_ char *t = run_alias_wrapper_text("ags --agent pi --");
    assert_string_equal(t, "#!/usr/bin/env bash\n# AGS_MANAGED_ALIAS\nset -euo pipefail\n"
                           "exec ags --agent pi -- \"$@\"\n");
    assert_true(run_alias_is_managed(t));
    assert_false(run_alias_is_managed("#!/bin/sh\necho mine # AGS_MANAGED_ALIAS\n"));
    assert_false(run_alias_is_managed("# AGS_MANAGED_ALIAS\n"));
}

static void test_default_names_are_the_originals_and_valid(void **state _unused_)
{
    assert_int_equal(run_n_default_aliases, 14);
    for (size_t i = 0; i < run_n_default_aliases; i++)
        assert_true(run_alias_name_valid(run_default_aliases[i].name));
    assert_string_equal(run_default_aliases[0].name, "asco");
    assert_string_equal(run_default_aliases[0].command,
                        "ags --agent claude --defaults -- --model opus");
    assert_false(run_alias_name_valid(""));
    assert_false(run_alias_name_valid("../x"));
    assert_false(run_alias_name_valid("-rf"));
    assert_false(run_alias_name_valid("a b"));
    assert_false(run_alias_name_valid(".hidden"));
    assert_false(run_alias_name_valid("ags")); /* the wrapper would run itself */
    assert_true(run_alias_command_valid("ags --agent pi --"));
    assert_false(run_alias_command_valid(""));
    assert_false(run_alias_command_valid("ags\nrm -rf ~"));
    assert_false(run_alias_command_valid("ags\x1b[2J"));
}

static void test_block_quotes_single_quotes(void **state _unused_)
{
    _cleanup_free_ char *b = run_alias_block(two, 2, false);
    assert_string_equal(b, two_block);
}

/* fish's single quotes take \' and \\ as escapes: both are escaped there,
 * and a ' is not written the POSIX way. */
static void test_fish_block_escapes_backslashes_and_quotes_the_fish_way(void **state _unused_)
{
    const struct run_alias a[] = {{"q", "echo A\\'; touch X; echo \\' C:\\"}};
    _cleanup_free_ char *b = run_alias_block(a, 1, true);
    assert_string_equal(b, RUN_ALIAS_BLOCK_BEGIN "\n"
                           "alias q='echo A\\\\\\'; touch X; echo \\\\\\' C:\\\\'\n"
                           RUN_ALIAS_BLOCK_END "\n");
}

static char *update(const char *rc, const char *block)
{
    char *out = NULL;
    struct ags_error err = {0};
    assert_int_equal(run_alias_rc_update(rc, block, "rc", &out, &err), 0);
    return out;
}

static void test_block_is_appended_after_a_blank_line(void **state _unused_)
{
    _cleanup_free_ char *a = update("", "B\n");
    assert_string_equal(a, "B\n");
    _cleanup_free_ char *b = update("export X=1\n", "B\n");
    assert_string_equal(b, "export X=1\n\nB\n");
    _cleanup_free_ char *c = update("export X=1", "B\n");
    assert_string_equal(c, "export X=1\n\nB\n");
}

static void test_block_is_replaced_in_place_and_a_second_run_changes_nothing(void **state _unused_)
{
    _cleanup_free_ char *block = run_alias_block(two, 1, false);
    _cleanup_free_ char *first = update("a\n" RUN_ALIAS_BLOCK_BEGIN "\nalias old='x'\n"
                                        RUN_ALIAS_BLOCK_END "\nb\n", block);
    _cleanup_free_ char *want = xasprintf("a\n%sb\n", block);
    assert_string_equal(first, want);
    _cleanup_free_ char *second = update(first, block);
    assert_string_equal(second, first);
}

static void test_markers_inside_a_line_are_not_the_block(void **state _unused_)
{
    const char *rc = "echo '" RUN_ALIAS_BLOCK_BEGIN "'\n";
    _cleanup_free_ char *out = update(rc, "B\n");
    assert_string_equal(out, "echo '" RUN_ALIAS_BLOCK_BEGIN "'\n\nB\n");
}

static void test_a_begin_marker_without_an_end_is_refused_with_its_line(void **state _unused_)
{
    char *out = NULL;
    struct ags_error err = {0};
    assert_int_equal(run_alias_rc_update("x\ny\n" RUN_ALIAS_BLOCK_BEGIN "\nalias a='b'\n", "B\n",
                                         "/h/.bashrc", &out, &err),
                     -EINVAL);
    assert_null(out);
    assert_non_null(strstr(err.msg, "/h/.bashrc:3:"));
}

/* ---- wrappers on disk ---- */

struct fx {
    char dir[64];
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/ags-test-aliases-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", fx->dir);
    int r = system(cmd);
    free(fx);
    return r == 0 ? 0 : -1;
}

static char *slurp(const char *dir, const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(path, 1 << 20, &data, &len, NULL), 0);
    return data;
}

static void put(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
}

static enum run_alias_outcome wrap(const char *dir, bool force)
{
    enum run_alias_outcome o = RUN_ALIAS_WRITTEN;
    struct ags_error err = {0};
    assert_int_equal(run_alias_write_wrapper(dir, &two[0], force, &o, &err), 0);
    return o;
}

static void test_wrapper_is_written_0755_then_unchanged(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *bin = xasprintf("%s/.local/bin", fx->dir);
    assert_int_equal(wrap(bin, false), RUN_ALIAS_WRITTEN);
    _cleanup_free_ char *path = xasprintf("%s/aspi", bin);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(wrap(bin, false), RUN_ALIAS_UNCHANGED);
}

static void test_users_own_file_is_kept_unless_forced(void **state)
{
    struct fx *fx = *state;
    put(fx->dir, "aspi", "#!/bin/sh\necho mine\n");
    assert_int_equal(wrap(fx->dir, false), RUN_ALIAS_SKIPPED_FOREIGN);
    _cleanup_free_ char *kept = slurp(fx->dir, "aspi");
    assert_string_equal(kept, "#!/bin/sh\necho mine\n");
    assert_int_equal(wrap(fx->dir, true), RUN_ALIAS_WRITTEN);
    _cleanup_free_ char *now = slurp(fx->dir, "aspi");
    assert_true(run_alias_is_managed(now));
}

static void test_an_older_managed_wrapper_is_rewritten(void **state)
{
    struct fx *fx = *state;
    put(fx->dir, "aspi", "#!/usr/bin/env bash\n# AGS_MANAGED_ALIAS\nexec old \"$@\"\n");
    assert_int_equal(wrap(fx->dir, false), RUN_ALIAS_WRITTEN);
    _cleanup_free_ char *now = slurp(fx->dir, "aspi");
    assert_non_null(strstr(now, "exec ags --agent pi --"));
}

static void test_a_symlink_is_not_followed_and_kept_unless_forced(void **state)
{
    struct fx *fx = *state;
    put(fx->dir, "target", "precious\n");
    _cleanup_free_ char *lnk = xasprintf("%s/aspi", fx->dir);
    assert_int_equal(symlink("target", lnk), 0);
    assert_int_equal(wrap(fx->dir, false), RUN_ALIAS_SKIPPED_SYMLINK);
    assert_int_equal(wrap(fx->dir, true), RUN_ALIAS_WRITTEN);
    _cleanup_free_ char *target = slurp(fx->dir, "target");
    assert_string_equal(target, "precious\n");
    struct stat st;
    assert_int_equal(lstat(lnk, &st), 0);
    assert_true(S_ISREG(st.st_mode));
}

static void test_a_directory_of_that_name_is_skipped(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *d = xasprintf("%s/aspi", fx->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(wrap(fx->dir, true), RUN_ALIAS_SKIPPED_DIR);
}

static void test_rc_through_a_dotfiles_symlink_is_edited_where_it_points(void **state)
{
    struct fx *fx = *state;
    put(fx->dir, "dotfiles-bashrc", "export A=1\n");
    _cleanup_free_ char *rc = xasprintf("%s/.bashrc", fx->dir);
    assert_int_equal(symlink("dotfiles-bashrc", rc), 0);
    bool changed = false;
    assert_int_equal(run_alias_write_rc(rc, two, 2, false, &changed, NULL), 0);
    assert_true(changed);
    _cleanup_free_ char *text = slurp(fx->dir, "dotfiles-bashrc");
    _cleanup_free_ char *want = xasprintf("export A=1\n\n%s", two_block);
    assert_string_equal(text, want);
    struct stat st;
    assert_int_equal(lstat(rc, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(run_alias_write_rc(rc, two, 2, false, &changed, NULL), 0);
    assert_false(changed);
}

static void test_missing_fish_config_is_created_with_its_directory(void **state)
{
    struct fx *fx = *state;
    _cleanup_free_ char *rc = xasprintf("%s/.config/fish/config.fish", fx->dir);
    bool changed = false;
    assert_int_equal(run_alias_write_rc(rc, two, 2, false, &changed, NULL), 0);
    assert_true(changed);
    _cleanup_free_ char *dir = xasprintf("%s/.config/fish", fx->dir);
    _cleanup_free_ char *text = slurp(dir, "config.fish");
    assert_string_equal(text, two_block);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapper_runs_the_command_with_the_users_arguments),
        cmocka_unit_test(test_default_names_are_the_originals_and_valid),
        cmocka_unit_test(test_block_quotes_single_quotes),
        cmocka_unit_test(test_fish_block_escapes_backslashes_and_quotes_the_fish_way),
        cmocka_unit_test(test_block_is_appended_after_a_blank_line),
        cmocka_unit_test(test_block_is_replaced_in_place_and_a_second_run_changes_nothing),
        cmocka_unit_test(test_markers_inside_a_line_are_not_the_block),
        cmocka_unit_test(test_a_begin_marker_without_an_end_is_refused_with_its_line),
        T(test_wrapper_is_written_0755_then_unchanged),
        T(test_users_own_file_is_kept_unless_forced),
        T(test_an_older_managed_wrapper_is_rewritten),
        T(test_a_symlink_is_not_followed_and_kept_unless_forced),
        T(test_a_directory_of_that_name_is_skipped),
        T(test_rc_through_a_dotfiles_symlink_is_edited_where_it_points),
        T(test_missing_fish_config_is_created_with_its_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
