/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the toml-test corpus does not pin: exact error messages and positions,
 * positions of keys and values, limits, NUL and CRLF handling, version gating
 * and the lookup helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "toml/toml.h"

static struct toml_value *parse_len(const char *text, size_t len, enum toml_version version)
{
    struct ags_error err = {0};
    struct toml_value *root = NULL;
    int r = toml_parse(text, len, "x.toml", version, &root, &err);
    if (r < 0)
        fail_msg("unexpected parse error: %s", err.msg);
    assert_non_null(root);
    return root;
}

static struct toml_value *parse(const char *text)
{
    return parse_len(text, strlen(text), TOML_1_1);
}

static void expect_error_len(const char *text, size_t len, enum toml_version version, int code,
                             const char *msg)
{
    struct ags_error err = {0};
    struct toml_value *root = NULL;
    int r = toml_parse(text, len, "x.toml", version, &root, &err);
    assert_int_equal(r, code);
    assert_int_equal(err.code, code);
    assert_null(root);
    assert_string_equal(err.msg, msg);
}

static void expect_error(const char *text, const char *msg)
{
    expect_error_len(text, strlen(text), TOML_1_1, -EINVAL, msg);
}

static void assert_pos(struct toml_pos pos, uint32_t line, uint32_t col)
{
    if (pos.line != line || pos.col != col)
        fail_msg("position %u:%u, want %u:%u", (unsigned)pos.line, (unsigned)pos.col,
                 (unsigned)line, (unsigned)col);
}

static const struct toml_kv *find(const struct toml_value *t, const char *key)
{
    const struct toml_kv *kv = toml_table_find(t, key);
    if (!kv)
        fail_msg("no key '%s'", key);
    return kv;
}

static void test_duplicate_key_names_the_first_definition(void **state)
{
    (void)state;
    struct ags_error err = {0};
    struct toml_value *root = NULL;
    const char *text = "[sandbox]\nimage = \"a\"\n    image = \"b\"\n";
    assert_int_equal(toml_parse(text, strlen(text), "config.toml", TOML_1_1, &root, &err), -EINVAL);
    assert_string_equal(err.msg, "config.toml:3:5: duplicate key 'image' (first defined at 2:1)");
    /* A dotted duplicate points at the part that clashes. */
    expect_error("a.b = 1\na . b = 2\n", "x.toml:2:5: duplicate key 'a.b' (first defined at 1:3)");
    expect_error("t = { x = 1, x = 2 }\n", "x.toml:1:14: duplicate key 'x' (first defined at 1:7)");
}

static void test_missing_value_reports_end_of_line(void **state)
{
    (void)state;
    expect_error("key = \n", "x.toml:1:7: expected a value, found end of line");
    expect_error("key = # nothing\n", "x.toml:1:7: expected a value, found a comment");
    expect_error("key =", "x.toml:1:6: expected a value, found end of file");
    expect_error("a = 1 2\n", "x.toml:1:7: expected end of line after the value, found '2'");
    expect_error("name = Tom\n", "x.toml:1:8: invalid value 'Tom' (strings must be in quotes)");
}

static void test_bad_escape_points_at_the_backslash(void **state)
{
    (void)state;
    expect_error("s = \"ab\\qc\"\n",
                 "x.toml:1:8: invalid escape sequence '\\q' (write '\\\\' for a backslash)");
    expect_error("s = \"\\uD800\"\n",
                 "x.toml:1:6: invalid escape sequence: U+D800 is not a Unicode scalar value");
    expect_error("s = \"\\u12\"\n",
                 "x.toml:1:6: invalid escape sequence: '\\u' needs exactly 4 hex digits");
}

static void test_unterminated_string_points_at_the_opening_quote(void **state)
{
    (void)state;
    expect_error("a = 1\nb = \"abc\nc = 2\n",
                 "x.toml:2:5: unterminated string: no closing '\"' before the end of the line "
                 "(use triple quotes for multi-line strings)");
    expect_error("a = '''abc\n\n",
                 "x.toml:1:5: unterminated multi-line string: no closing \"'''\" before the end "
                 "of the file");
}

static void test_invalid_utf8_names_the_byte_and_its_position(void **state)
{
    (void)state;
    /* Columns count characters: the 2-byte 'é' is one column. */
    expect_error("a = \"\xc3\xa9\xff\"\n",
                 "x.toml:1:7: invalid UTF-8 byte 0xFF: this byte never appears in UTF-8");
    expect_error("a = 1\n# \xe6\x97\xa5\xe6\x9c\xac \xc0\x80\n",
                 "x.toml:2:6: invalid UTF-8 byte 0xC0: overlong encoding");
    expect_error("a = \"\xed\xa0\x80\"\n",
                 "x.toml:1:6: invalid UTF-8 byte 0xED: UTF-16 surrogate (U+D800..U+DFFF)");
    expect_error("a = \"\xf4\x90\x80\x80\"\n",
                 "x.toml:1:6: invalid UTF-8 byte 0xF4: code point above U+10FFFF");
    expect_error("a = \"\xe2\x82\"\n",
                 "x.toml:1:6: invalid UTF-8 byte 0xE2: truncated multi-byte sequence");
}

static void test_table_redefinition_is_rejected_with_both_positions(void **state)
{
    (void)state;
    expect_error("[a]\nx = 1\n[b]\n[a]\n",
                 "x.toml:4:1: duplicate table [a] (first defined at 1:1)");
    expect_error("[fruit]\napple.color = 'red'\n[fruit.apple]\n",
                 "x.toml:3:1: table [fruit.apple] was already created by the dotted key at 2:1");
    expect_error("a = 1\n[a]\n",
                 "x.toml:2:1: table [a] conflicts with key 'a', which is already an integer "
                 "(defined at 1:1)");
    expect_error("[[a]]\n[a]\n",
                 "x.toml:2:1: table [a] conflicts with the array of tables [[a]] at 1:1");
    expect_error("a = {}\n[a.b]\n",
                 "x.toml:2:2: cannot add to inline table 'a' (defined at 1:5): an inline table "
                 "is complete once closed");
    expect_error("[a.b]\n[a]\nb.c = 1\n",
                 "x.toml:3:1: cannot add keys to table 'b' with a dotted key: it has its own "
                 "[header] at 1:1");
    /* A table created implicitly by a deeper header may still be defined once. */
    toml_free(parse("[a.b.c]\n[a.b]\nx = 1\n[a]\ny = 2\n"));
}

static void test_positions_of_keys_and_values_count_characters(void **state)
{
    (void)state;
    const char *good = "# config\n"
                       "title = \"日本語\"  # after multi-byte\n"
                       "t = { \"名\" = \"é\", b = 2 }\n"
                       "[owner]\n"
                       "  name.first = 'Tom'\n"
                       "arr = [\n"
                       "  1,\n"
                       "    \"😀\", 3 ]\n"
                       "ml = \"\"\"\n"
                       "two\n"
                       "lines\"\"\"\n"
                       "[[mount]]\n"
                       "host = '/h'\n";
    struct toml_value *root = parse(good);
    const struct toml_kv *title = find(root, "title");
    assert_pos(title->key_pos, 2, 1);
    assert_pos(title->value->pos, 2, 9);
    const struct toml_kv *t = find(root, "t");
    assert_pos(t->value->pos, 3, 5);
    assert_pos(find(t->value, "名")->key_pos, 3, 7);
    assert_pos(find(t->value, "名")->value->pos, 3, 13);
    assert_pos(find(t->value, "b")->key_pos, 3, 18);
    assert_pos(find(t->value, "b")->value->pos, 3, 22);
    const struct toml_kv *owner = find(root, "owner");
    assert_pos(owner->key_pos, 4, 2);
    assert_pos(owner->value->pos, 4, 1);
    const struct toml_kv *name = find(owner->value, "name");
    assert_pos(name->key_pos, 5, 3);
    assert_pos(find(name->value, "first")->key_pos, 5, 8);
    assert_pos(find(name->value, "first")->value->pos, 5, 16);
    const struct toml_value *arr = find(owner->value, "arr")->value;
    assert_int_equal(arr->u.arr.len, 3);
    assert_pos(arr->pos, 6, 7);
    assert_pos(arr->u.arr.items[0]->pos, 7, 3);
    assert_pos(arr->u.arr.items[1]->pos, 8, 5);
    assert_pos(arr->u.arr.items[2]->pos, 8, 10);
    const struct toml_kv *ml = find(owner->value, "ml");
    assert_pos(ml->value->pos, 9, 6);
    assert_string_equal(ml->value->u.s.ptr, "two\nlines");
    const struct toml_value *mount = find(root, "mount")->value;
    assert_true(mount->array_of_tables);
    assert_pos(mount->u.arr.items[0]->pos, 12, 1);
    assert_pos(find(mount->u.arr.items[0], "host")->value->pos, 13, 8);
    toml_free(root);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *mid,
                    const char *close, const char *tail)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)1 << 26);
    int r = strbuf_appends(&sb, head);
    for (size_t i = 0; r >= 0 && i < n; i++)
        r = strbuf_appends(&sb, unit);
    if (r >= 0)
        r = strbuf_appends(&sb, mid);
    for (size_t i = 0; r >= 0 && i < n; i++)
        r = strbuf_appends(&sb, close);
    if (r >= 0)
        r = strbuf_appends(&sb, tail);
    assert_int_equal(r, 0);
    return strbuf_steal(&sb);
}

static void test_nesting_beyond_the_depth_limit_is_a_clean_error(void **state)
{
    (void)state;
    char *arrays = repeat("a = ", "[", 20000, "", "]", "\n");
    /* The 129th '[' is character 4 + 129 of line 1. */
    expect_error_len(arrays, strlen(arrays), TOML_1_1, -E2BIG,
                     "x.toml:1:133: tables and arrays are nested more than 128 levels deep");
    free(arrays);
    char *tables = repeat("a = ", "{a = ", 20000, "1", "}", "\n");
    expect_error_len(tables, strlen(tables), TOML_1_0, -E2BIG,
                     "x.toml:1:645: tables and arrays are nested more than 128 levels deep");
    free(tables);
    char *keys = repeat("a", ".a", 20000, " = 1", "", "\n");
    expect_error_len(keys, strlen(keys), TOML_1_1, -E2BIG,
                     "x.toml:1:257: dotted key has more than 128 parts");
    free(keys);
    /* Exactly at the limit is fine. */
    char *ok = repeat("a = ", "[", AGS_TOML_MAX_DEPTH, "", "]", "\n");
    toml_free(parse(ok));
    free(ok);
}

static void write_file(const char *path, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    char *buf = xmalloc(size);
    memset(buf, '\n', size);
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    free(buf);
    close(fd);
}

static void test_file_size_limit_is_enforced_by_parse_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test-toml-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    (void)snprintf(path, sizeof(path), "%s/big.toml", dir);
    struct ags_error err = {0};
    struct toml_value *root = NULL;

    write_file(path, AGS_TOML_MAX_FILE_SIZE);
    assert_int_equal(toml_parse_file(path, TOML_1_1, &root, &err), 0);
    assert_int_equal(root->u.tab.len, 0);
    root = toml_free(root);

    write_file(path, AGS_TOML_MAX_FILE_SIZE + 1);
    assert_int_equal(toml_parse_file(path, TOML_1_1, &root, &err), -E2BIG);
    assert_null(root);
    char want[128];
    (void)snprintf(want, sizeof(want), "%s: file is larger than 8388608 bytes", path);
    assert_string_equal(err.msg, want);

    assert_int_equal(toml_parse_file("/nonexistent/x.toml", TOML_1_1, &root, &err), -ENOENT);
    unlink(path);
    rmdir(dir);
}

static void test_parse_rejects_oversized_buffers(void **state)
{
    (void)state;
    size_t len = AGS_TOML_MAX_FILE_SIZE + 1;
    char *buf = xmalloc(len);
    memset(buf, ' ', len);
    expect_error_len(buf, len, TOML_1_1, -E2BIG, "x.toml: file is larger than 8388608 bytes");
    free(buf);
}

static void test_nul_bytes_are_rejected_but_escaped_nul_is_kept(void **state)
{
    (void)state;
    static const char bare[] = "a = 1\0\n";
    expect_error_len(bare, sizeof(bare) - 1, TOML_1_1, -EINVAL,
                     "x.toml:1:6: expected end of line after the value, found control "
                     "character U+0000");
    static const char in_string[] = "a = \"x\0y\"\n";
    expect_error_len(in_string, sizeof(in_string) - 1, TOML_1_1, -EINVAL,
                     "x.toml:1:7: control character U+0000 is not allowed in a string (use an "
                     "escape sequence)");
    static const char in_comment[] = "# a\0b\n";
    expect_error_len(in_comment, sizeof(in_comment) - 1, TOML_1_1, -EINVAL,
                     "x.toml:1:4: control character U+0000 is not allowed in a comment");
    struct toml_value *root = parse("\"k\\u0000ey\" = \"x\\u0000y\"\n");
    const struct toml_kv *kv = &root->u.tab.items[0];
    assert_int_equal(kv->key_len, 4);
    assert_memory_equal(kv->key, "k\0ey", 5);
    assert_int_equal(kv->value->u.s.len, 3);
    assert_memory_equal(kv->value->u.s.ptr, "x\0y", 4);
    assert_non_null(toml_table_findn(root, "k\0ey", 4));
    assert_null(toml_table_find(root, "k"));
    toml_free(root);
}

static void test_crlf_ends_lines_and_bare_cr_is_rejected(void **state)
{
    (void)state;
    struct toml_value *root = parse("a = 1\r\nb = \"\"\"x\r\ny\"\"\"\r\n[t]  # c\r\nc = 'z'\r\n");
    assert_pos(find(root, "b")->key_pos, 2, 1);
    assert_string_equal(find(root, "b")->value->u.s.ptr, "x\ny");
    const struct toml_value *t = find(root, "t")->value;
    assert_pos(t->pos, 4, 1);
    assert_pos(find(t, "c")->value->pos, 5, 5);
    toml_free(root);
    expect_error("a = 1\rb = 2\n",
                 "x.toml:1:6: carriage return (U+000D) must be followed by a line feed");
    expect_error("a = \"\"\"x\ry\"\"\"\n",
                 "x.toml:1:9: carriage return (U+000D) must be followed by a line feed");
}

static void test_toml_1_1_features_are_errors_in_1_0_mode(void **state)
{
    (void)state;
    static const char nl[] = "t = {\n  a = 1,\n}\n";
    expect_error_len(nl, strlen(nl), TOML_1_0, -EINVAL,
                     "x.toml:1:6: an inline table must be on one line in TOML 1.0 (newlines and "
                     "comments inside are allowed from TOML 1.1 on)");
    static const char comma[] = "t = { a = 1, }\n";
    expect_error_len(comma, strlen(comma), TOML_1_0, -EINVAL,
                     "x.toml:1:12: trailing comma in an inline table (allowed from TOML 1.1 on)");
    static const char esc[] = "s = \"\\e[0m\"\n";
    expect_error_len(esc, strlen(esc), TOML_1_0, -EINVAL,
                     "x.toml:1:6: invalid escape sequence '\\e' (allowed from TOML 1.1 on)");
    static const char hex[] = "s = \"\\x41\"\n";
    expect_error_len(hex, strlen(hex), TOML_1_0, -EINVAL,
                     "x.toml:1:6: invalid escape sequence '\\x' (allowed from TOML 1.1 on)");
    static const char secs[] = "t = 13:37\n";
    expect_error_len(secs, strlen(secs), TOML_1_0, -EINVAL,
                     "x.toml:1:10: expected ':' and seconds (optional only from TOML 1.1 on)");

    struct toml_value *root = parse("t = {\n  a = 1, # one\n  b = { c = 2, },\n}\n"
                                    "s = \"\\e[0m\\x41\\xe9\"\n"
                                    "tm = 13:37\n"
                                    "dt = 1979-05-27 07:32Z\n");
    const struct toml_value *t = find(root, "t")->value;
    assert_int_equal(t->u.tab.len, 2);
    assert_pos(find(t, "b")->key_pos, 3, 3);
    assert_string_equal(find(root, "s")->value->u.s.ptr, "\x1b[0mA\xc3\xa9");
    char buf[64];
    toml_datetime_format(find(root, "tm")->value, buf, sizeof(buf));
    assert_string_equal(buf, "13:37:00");
    toml_datetime_format(find(root, "dt")->value, buf, sizeof(buf));
    assert_string_equal(buf, "1979-05-27T07:32:00Z");
    toml_free(root);
    expect_error_len("v = 1\n", 6, (enum toml_version)12, -EINVAL,
                     "x.toml: unsupported TOML version 12");
}

static void test_large_table_stays_fast_and_finds_late_duplicates(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, (size_t)1 << 24);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(strbuf_appendf(&sb, "key_%d = %d\n", i, i), 0);
    struct toml_value *root = parse_len(sb.buf, sb.len, TOML_1_1);
    assert_int_equal(root->u.tab.len, 20000);
    assert_int_equal(toml_table_get(root, "key_12345")->u.i, 12345);
    assert_pos(find(root, "key_19999")->key_pos, 20000, 1);
    assert_null(toml_table_get(root, "key_20000"));
    toml_free(root);
    assert_int_equal(strbuf_appends(&sb, "key_5000 = 1\n"), 0);
    expect_error_len(sb.buf, sb.len, TOML_1_1, -EINVAL,
                     "x.toml:20001:1: duplicate key 'key_5000' (first defined at 5001:1)");
    strbuf_done(&sb);
}

static void test_scalars_decode_to_exact_values(void **state)
{
    (void)state;
    struct toml_value *root = parse("max = 9_223_372_036_854_775_807\n"
                                    "min = -9223372036854775808\n"
                                    "hex = 0xDEAD_beef\n"
                                    "oct = 0o755\n"
                                    "bin = 0b1010\n"
                                    "pi = 3.141_592_653_589_793\n"
                                    "tiny = 4.9e-324\n"
                                    "ninf = -inf\n"
                                    "yes = true\n");
    assert_true(toml_table_get(root, "max")->u.i == INT64_MAX);
    assert_true(toml_table_get(root, "min")->u.i == INT64_MIN);
    assert_int_equal(toml_table_get(root, "hex")->u.i, 0xDEADBEEF);
    assert_int_equal(toml_table_get(root, "oct")->u.i, 0755);
    assert_int_equal(toml_table_get(root, "bin")->u.i, 10);
    assert_true(toml_table_get(root, "pi")->u.f == 3.141592653589793);
    assert_true(toml_table_get(root, "tiny")->u.f == 4.9e-324);
    assert_true(isinf(toml_table_get(root, "ninf")->u.f));
    assert_true(toml_table_get(root, "yes")->u.b);
    assert_string_equal(toml_type_name(toml_table_get(root, "pi")->type), "float");
    toml_free(root);
    expect_error("a = 9223372036854775808\n",
                 "x.toml:1:5: integer is out of range (-9223372036854775808 to "
                 "9223372036854775807)");
    expect_error("a = 1e400\n", "x.toml:1:5: float is out of range (larger than about 1.8e308)");
    expect_error("a = 012\n", "x.toml:1:5: leading zeros are not allowed in a number");
    expect_error("a = 1__0\n", "x.toml:1:6: '_' in a number must be between two digits");
    expect_error("d = 2023-02-29\n", "x.toml:1:13: invalid date: 2023-02 has days 01 to 28");
}

static void test_datetime_format_renders_rfc3339(void **state)
{
    (void)state;
    struct toml_value *root = parse("a = 1979-05-27T07:32:00.999999999999-07:30\n"
                                    "b = 1979-05-27t00:32:00.5z\n"
                                    "c = 1979-05-27 07:32:00\n"
                                    "d = 1979-05-27\n"
                                    "e = 00:32:00.123\n");
    char buf[64];
    const struct toml_value *a = toml_table_get(root, "a");
    assert_int_equal(a->type, TOML_DATETIME);
    assert_int_equal(a->u.dt.nanosecond, 999999999);
    assert_int_equal(a->u.dt.offset_minutes, -450);
    toml_datetime_format(a, buf, sizeof(buf));
    assert_string_equal(buf, "1979-05-27T07:32:00.999999999-07:30");
    toml_datetime_format(toml_table_get(root, "b"), buf, sizeof(buf));
    assert_string_equal(buf, "1979-05-27T00:32:00.5Z");
    toml_datetime_format(toml_table_get(root, "c"), buf, sizeof(buf));
    assert_string_equal(buf, "1979-05-27T07:32:00");
    assert_int_equal(toml_table_get(root, "d")->type, TOML_DATE_LOCAL);
    toml_datetime_format(toml_table_get(root, "d"), buf, sizeof(buf));
    assert_string_equal(buf, "1979-05-27");
    assert_int_equal(toml_table_get(root, "e")->type, TOML_TIME_LOCAL);
    toml_datetime_format(toml_table_get(root, "e"), buf, sizeof(buf));
    assert_string_equal(buf, "00:32:00.123");
    toml_free(root);
}

static void test_lookup_helpers_are_null_safe(void **state)
{
    (void)state;
    assert_null(toml_free(NULL));
    assert_null(toml_table_find(NULL, "a"));
    struct toml_value *root = parse("a = [1]\nb = 'x'\n");
    assert_null(toml_table_get(toml_table_get(root, "a"), "x"));
    assert_null(toml_table_get(root, NULL));
    assert_string_equal(toml_type_name(TOML_TABLE), "table");
    assert_string_equal(toml_type_name(TOML_DATETIME_LOCAL), "local date-time");
    toml_free(root);
    /* An empty document and a lone BOM are empty tables. */
    root = parse("");
    assert_int_equal(root->u.tab.len, 0);
    toml_free(root);
    root = parse("\xef\xbb\xbf"
                 "a = 1\n");
    assert_pos(find(root, "a")->key_pos, 1, 1);
    toml_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_duplicate_key_names_the_first_definition),
            cmocka_unit_test(test_missing_value_reports_end_of_line),
            cmocka_unit_test(test_bad_escape_points_at_the_backslash),
            cmocka_unit_test(test_unterminated_string_points_at_the_opening_quote),
            cmocka_unit_test(test_invalid_utf8_names_the_byte_and_its_position),
            cmocka_unit_test(test_table_redefinition_is_rejected_with_both_positions),
            cmocka_unit_test(test_positions_of_keys_and_values_count_characters),
            cmocka_unit_test(test_nesting_beyond_the_depth_limit_is_a_clean_error),
            cmocka_unit_test(test_file_size_limit_is_enforced_by_parse_file),
            cmocka_unit_test(test_parse_rejects_oversized_buffers),
            cmocka_unit_test(test_nul_bytes_are_rejected_but_escaped_nul_is_kept),
            cmocka_unit_test(test_crlf_ends_lines_and_bare_cr_is_rejected),
            cmocka_unit_test(test_toml_1_1_features_are_errors_in_1_0_mode),
            cmocka_unit_test(test_large_table_stays_fast_and_finds_late_duplicates),
            cmocka_unit_test(test_scalars_decode_to_exact_values),
            cmocka_unit_test(test_datetime_format_renders_rfc3339),
            cmocka_unit_test(test_lookup_helpers_are_null_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
