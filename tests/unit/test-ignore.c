/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The .agsignore matcher (base/ignore.h): the gitignore subset, each rule of
 * the syntax pinned against what git itself does with the same line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/ignore.h"
#include "base/limits.h"

static struct ignore_list parse(const char *text)
{
    struct ignore_list l;
    struct ags_error err = {0};
    assert_int_equal(ignore_parse(text, strlen(text), ".agsignore", &l, &err), 0);
    return l;
}

static bool file_ignored(const char *text, const char *path)
{
    struct ignore_list l = parse(text);
    bool r = ignore_path(&l, path, false);
    ignore_list_done(&l);
    return r;
}

static void test_a_plain_name_matches_at_any_depth(void **state)
{
    (void)state;
    assert_true(file_ignored("secret.txt\n", "secret.txt"));
    assert_true(file_ignored("secret.txt\n", "a/b/secret.txt"));
    assert_false(file_ignored("secret.txt\n", "a/secret.txt.bak"));
    assert_true(file_ignored("node_modules\n", "web/node_modules/x/index.js")); /* a parent */
}

static void test_comments_blanks_trailing_spaces_and_escapes(void **state)
{
    (void)state;
    struct ignore_list l = parse("# comment\n\n   \nkeep \n\\#hash\n\\!bang\ntail\\ \n");
    assert_int_equal(l.n, 4);
    assert_true(ignore_match(&l, "keep", false));
    assert_true(ignore_match(&l, "#hash", false));
    assert_true(ignore_match(&l, "!bang", false));
    assert_true(ignore_match(&l, "tail ", false));
    assert_false(ignore_match(&l, "# comment", false));
    ignore_list_done(&l);
}

static void test_a_trailing_slash_matches_directories_only(void **state)
{
    (void)state;
    struct ignore_list l = parse("build/\n");
    assert_true(ignore_match(&l, "build", true));
    assert_false(ignore_match(&l, "build", false));
    assert_true(ignore_path(&l, "build/out.o", false));
    assert_true(ignore_path(&l, "sub/build/out.o", false));
    ignore_list_done(&l);
}

static void test_a_slash_anchors_at_the_root(void **state)
{
    (void)state;
    assert_true(file_ignored("/todo\n", "todo"));
    assert_false(file_ignored("/todo\n", "sub/todo"));
    assert_true(file_ignored("doc/frotz\n", "doc/frotz"));
    assert_false(file_ignored("doc/frotz\n", "a/doc/frotz"));
    assert_true(file_ignored("doc/*.html\n", "doc/x.html"));
    assert_false(file_ignored("doc/*.html\n", "doc/sub/x.html")); /* '*' stays in one name */
}

static void test_wildcards_and_classes(void **state)
{
    (void)state;
    assert_true(file_ignored("*.log\n", "deep/x/run.log"));
    assert_false(file_ignored("*.log\n", "run.logs"));
    assert_true(file_ignored("?.o\n", "a.o"));
    assert_false(file_ignored("?.o\n", "ab.o"));
    assert_true(file_ignored("[abc].o\n", "b.o"));
    assert_false(file_ignored("[abc].o\n", "d.o"));
    assert_true(file_ignored("[a-c]x\n", "bx"));
    assert_true(file_ignored("[!a-c]x\n", "dx"));
    assert_false(file_ignored("[!a-c]x\n", "ax"));
    assert_true(file_ignored("\\*\n", "*"));
    assert_false(file_ignored("\\*\n", "x"));
    assert_true(file_ignored("[x\n", "[x")); /* unterminated: a literal '[' */
}

static void test_double_star_spans_directories(void **state)
{
    (void)state;
    assert_true(file_ignored("**/foo\n", "foo"));
    assert_true(file_ignored("**/foo\n", "a/b/foo"));
    assert_true(file_ignored("a/**/b\n", "a/b"));
    assert_true(file_ignored("a/**/b\n", "a/x/y/b"));
    assert_false(file_ignored("a/**/b\n", "c/a/x/b"));
    assert_true(file_ignored("abc/**\n", "abc/x/y"));
    struct ignore_list l = parse("abc/**\n");
    assert_false(ignore_match(&l, "abc", true)); /* what is inside, not abc itself */
    ignore_list_done(&l);
    assert_true(file_ignored("**/x/**/y\n", "p/x/q/x/r/y"));
}

static void test_negation_reincludes_unless_a_parent_is_excluded(void **state)
{
    (void)state;
    assert_false(file_ignored("*.log\n!keep.log\n", "keep.log"));
    assert_true(file_ignored("*.log\n!keep.log\n", "drop.log"));
    assert_true(file_ignored("!keep.log\n*.log\n", "keep.log")); /* the last match wins */
    /* as in git: a file in an excluded directory cannot come back */
    assert_true(file_ignored("logs/\n!logs/keep.log\n", "logs/keep.log"));
}

static void test_no_backtracking_blowup(void **state)
{
    (void)state;
    char path[4096];
    memset(path, 'a', sizeof(path) - 2);
    path[sizeof(path) - 2] = 'c';
    path[sizeof(path) - 1] = '\0';
    /* exponential for a naive recursive matcher; quadratic at most here */
    assert_false(file_ignored("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n", path));
    for (size_t i = 1; i < sizeof(path) - 2; i += 2)
        path[i] = '/';
    assert_false(file_ignored("**/a/**/a/**/a/**/a/**/a/**/a/**/b\n", path));
}

/* A list of patterns "**" + "/" + "*a" repeated, against a path 250
 * directories deep: quadratic per pattern, for every directory above the
 * path, seconds per path.  The list stops at its budget and says so; every
 * match after that is a miss (its caller refuses the result). */
static char *costly_list_text(void)
{
    const size_t line = 128, lines = 2000;
    char *text = xmalloc(lines * (line + 1) + 1);
    size_t n = 0;
    for (size_t i = 0; i < lines; i++) {
        for (size_t k = 0; k + 6 <= line - 2; k += 6, n += 6)
            memcpy(text + n, "**" "/*a/", 6);
        text[n++] = 'b';
        text[n++] = '\n';
    }
    text[n] = '\0';
    return text;
}

static void test_a_costly_list_stops_at_its_budget_and_says_so(void **state)
{
    (void)state;
    char *text = costly_list_text();
    struct ignore_list l = parse(text);
    free(text);
    char path[250 * 3];
    for (size_t i = 0; i < 250; i++)
        memcpy(path + 3 * i, "aa/", 3);
    path[sizeof(path) - 1] = '\0';
    l.max_steps = 1u << 20;
    assert_false(ignore_exhausted(&l));
    assert_false(ignore_path(&l, path, false));
    assert_true(ignore_exhausted(&l));
    assert_int_equal(l.steps, 1u << 20);
    /* spent: a match that would hit is a miss now */
    l.v[0] = (struct ignore_rule){.pattern = l.v[0].pattern, .anchored = false};
    l.v[0].pattern[0] = 'a';
    l.v[0].pattern[1] = '\0';
    assert_false(ignore_match(&l, "a", false));
    ignore_list_done(&l);
    /* The default budget is far above what ordinary lists spend. */
    l = parse("*.log\nnode_modules/\n/dist\nvendor/**/test\n!keep.log\n");
    for (unsigned i = 0; i < 20000; i++) {
        char p[128];
        snprintf(p, sizeof(p), "src/m%u/sub/dir/deeper/x/y/f%u.c", i % 100, i);
        assert_false(ignore_path(&l, p, false));
    }
    assert_true(ignore_path(&l, "a/b/c.log", false));
    assert_false(ignore_exhausted(&l));
    assert_true(l.steps < AGS_IGNORE_MATCH_STEPS / 1000);
    ignore_list_done(&l);
}

static void test_bounds_are_errors_naming_the_line(void **state)
{
    (void)state;
    char *text = xmalloc(AGS_IGNORE_MAX_LINE + 16);
    memcpy(text, "ok\n", 3);
    memset(text + 3, 'x', AGS_IGNORE_MAX_LINE + 1);
    text[AGS_IGNORE_MAX_LINE + 4] = '\0';
    struct ignore_list l;
    struct ags_error err = {0};
    assert_int_equal(ignore_parse(text, strlen(text), ".agsignore", &l, &err), -E2BIG);
    assert_non_null(strstr(err.msg, "'.agsignore' line 2 is longer than"));
    free(text);
    size_t n = (AGS_IGNORE_MAX_RULES + 1) * 2;
    text = xmalloc(n + 1);
    for (size_t i = 0; i < n; i += 2) {
        text[i] = 'a';
        text[i + 1] = '\n';
    }
    text[n] = '\0';
    assert_int_equal(ignore_parse(text, n, ".agsignore", &l, &err), -E2BIG);
    assert_non_null(strstr(err.msg, "more than"));
    free(text);
    assert_int_equal(ignore_parse("a\0b\n", 4, ".agsignore", &l, &err), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_plain_name_matches_at_any_depth),
        cmocka_unit_test(test_comments_blanks_trailing_spaces_and_escapes),
        cmocka_unit_test(test_a_trailing_slash_matches_directories_only),
        cmocka_unit_test(test_a_slash_anchors_at_the_root),
        cmocka_unit_test(test_wildcards_and_classes),
        cmocka_unit_test(test_double_star_spans_directories),
        cmocka_unit_test(test_negation_reincludes_unless_a_parent_is_excluded),
        cmocka_unit_test(test_no_backtracking_blowup),
        cmocka_unit_test(test_a_costly_list_stops_at_its_budget_and_says_so),
        cmocka_unit_test(test_bounds_are_errors_naming_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
