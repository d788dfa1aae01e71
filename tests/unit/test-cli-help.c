/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ags --help` lists the command table: every visible command with its
 * summary and args, the not-built ones marked, the hidden ones left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/cli.h"

static char *help_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_write_help(f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* The help line that names cmd in the command column, or NULL. */
static const char *entry_of(const char *help, const char *name)
{
    _cleanup_free_ char *needle = xasprintf("\n  %s ", name);
    const char *at = strstr(help, needle);
    return at ? at + 1 : NULL;
}

static void test_every_visible_command_of_the_table_is_in_help(void **state)
{
    (void)state;
    _cleanup_free_ char *help = help_text();
    size_t listed = 0;
    for (size_t i = 0; ags_commands[i]; i++) {
        const struct ags_command *cmd = ags_commands[i];
        const char *line = entry_of(help, cmd->name);
        if (cmd->hidden) {
            assert_null(line);
            continue;
        }
        assert_non_null(line);
        size_t line_len = strcspn(line, "\n");
        _cleanup_free_ char *first = xstrndup(line, line_len);
        assert_non_null(strstr(first, cmd->summary));
        const char *mark = "  (not built yet)";
        bool marked = line_len >= strlen(mark) &&
                      strcmp(first + line_len - strlen(mark), mark) == 0;
        assert_int_equal(marked, cmd->not_built);
        if (cmd->args) {
            /* the synopsis line below: name, then the args' first part */
            _cleanup_free_ char *head = xstrndup(cmd->args, strcspn(cmd->args, " "));
            _cleanup_free_ char *synopsis = xasprintf("%s %s", cmd->name, head);
            assert_non_null(strstr(line + line_len, synopsis));
        }
        listed++;
    }
    assert_true(listed >= 10);
}

static void test_long_args_wrap_at_80_columns_between_optional_parts(void **state)
{
    (void)state;
    _cleanup_free_ char *help = help_text();
    size_t synopsis_lines = 0;
    for (const char *p = help; *p;) {
        size_t len = strcspn(p, "\n");
        if (strncmp(p, "                         ", 25) == 0) { /* below a summary */
            synopsis_lines++;
            if (len > 80)
                fail_msg("synopsis line of %zu columns: %.*s", len, (int)len, p);
            const char *text = p + strspn(p, " ");
            if (text[0] == '[') /* a wrapped line starts with a whole optional part */
                assert_non_null(memchr(text, ']', len - (size_t)(text - p)));
        }
        p += len + (p[len] == '\n');
    }
    size_t with_args = 0;
    for (size_t i = 0; ags_commands[i]; i++)
        with_args += !ags_commands[i]->hidden && ags_commands[i]->args;
    assert_true(synopsis_lines > with_args); /* create-aliases takes two */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_visible_command_of_the_table_is_in_help),
        cmocka_unit_test(test_long_args_wrap_at_80_columns_between_optional_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
