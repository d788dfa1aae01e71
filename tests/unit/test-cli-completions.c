/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ags completions` is written from the flag tables the parsers match: every
 * flag a parser accepts is in the scripts of all three shells, with its
 * short form and what its value is; the parsers accept every flag of their
 * table and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli/cli.h"
#include "cli/completions.h"
#include "cli/run-flags.h"

static char *script(enum cli_shell shell)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_write_completions(f, shell);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* The contexts: run mode (cmd NULL), then each visible command. */
struct context {
    const char *cmd;
    const struct cli_flag *tables[2];
};

static size_t contexts(struct context out[32])
{
    size_t n = 0;
    out[n++] = (struct context){NULL, {cli_run_flags, NULL}};
    for (size_t i = 0; ags_commands[i]; i++) {
        const struct ags_command *c = ags_commands[i];
        if (c->hidden)
            continue;
        assert_true(n < 32);
        out[n++] = (struct context){c->name, {c->flags, c->takes_run_flags ? cli_run_flags : NULL}};
    }
    return n;
}

static bool plain_word(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
                           strlen(s);
}

/* The scripts put names and choices in unquoted: they must be plain words. */
static void test_every_flag_name_is_a_plain_word_with_its_dashes(void **state)
{
    (void)state;
    struct context ctx[32];
    size_t n = contexts(ctx), flags = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t t = 0; t < 2; t++)
            for (const struct cli_flag *f = ctx[k].tables[t]; f && f->name; f++) {
                assert_true(strncmp(f->name, "--", 2) == 0 && plain_word(f->name + 2));
                if (f->alias)
                    assert_true(f->alias[0] == '-' && plain_word(f->alias + 1) &&
                                strlen(f->alias) == 2);
                assert_non_null(f->help);
                if (f->value == CLI_VALUE_CHOICE) {
                    _cleanup_free_ char *c = xstrdup(f->choices);
                    for (char *w = c, *sp; w; w = sp ? sp + 1 : NULL) {
                        sp = strchr(w, ' ');
                        if (sp)
                            *sp = '\0';
                        assert_true(plain_word(w));
                    }
                }
                flags++;
            }
    assert_true(flags >= 25);
}

/* The bash/zsh block of a context: from "    NAME)\n" to its ";;". */
static char *sh_block(const char *text, const char *cmd)
{
    _cleanup_free_ char *head = xasprintf("\n    %s)\n", cmd ? cmd : "''");
    const char *at = strstr(text, head);
    if (!at)
        fail_msg("no block for %s", cmd ? cmd : "run mode");
    const char *end = strstr(at, "\n        ;;\n");
    assert_non_null(end);
    return xstrndup(at, (size_t)(end - at));
}

/* word appears in the block's word list: "_ags_reply words \"... word ...\"". */
static bool in_word_list(const char *block, const char *word)
{
    const char *list = strstr(block, "_ags_reply words \"");
    if (!list)
        return false;
    list += strlen("_ags_reply words \"");
    size_t n = strcspn(list, "\"");
    _cleanup_free_ char *padded = xasprintf(" %.*s ", (int)n, list);
    _cleanup_free_ char *needle = xasprintf(" %s ", word);
    return strstr(padded, needle) != NULL;
}

static const char *sh_value_reply(enum cli_value v)
{
    switch (v) {
    case CLI_VALUE_DIR:
        return "_ags_reply dir;";
    case CLI_VALUE_FILE:
        return "_ags_reply file;";
    case CLI_VALUE_AGENT:
        return "_ags_reply words 'pi claude codex gemini opencode shell';";
    default:
        return "_ags_reply words '";
    }
}

static void check_sh(enum cli_shell shell)
{
    _cleanup_free_ char *text = script(shell);
    struct context ctx[32];
    size_t n = contexts(ctx);
    for (size_t k = 0; k < n; k++) {
        _cleanup_free_ char *block = sh_block(text, ctx[k].cmd);
        for (size_t t = 0; t < 2; t++)
            for (const struct cli_flag *f = ctx[k].tables[t]; f && f->name; f++) {
                if (!in_word_list(block, f->name) || (f->alias && !in_word_list(block, f->alias)))
                    fail_msg("%s of %s not offered in:\n%s", f->name,
                             ctx[k].cmd ? ctx[k].cmd : "run mode", block);
                if (f->value == CLI_VALUE_NONE)
                    continue;
                _cleanup_free_ char *arm = xasprintf("\n        %s%s%s) %s", f->name,
                                                     f->alias ? "|" : "",
                                                     f->alias ? f->alias : "",
                                                     sh_value_reply(f->value));
                if (!strstr(block, arm))
                    fail_msg("no value arm '%s' in:\n%s", arm + 9, block);
            }
    }
    /* the first word: every visible command and --version / -V */
    _cleanup_free_ char *run = sh_block(text, NULL);
    const char *first = strstr(run, "first='");
    assert_non_null(first);
    size_t len = strcspn(first, "\n");
    _cleanup_free_ char *line = xasprintf(" %.*s ", (int)(len - 8), first + 7);
    assert_non_null(strstr(line, " --version -V "));
    for (size_t i = 0; ags_commands[i]; i++) {
        _cleanup_free_ char *needle = xasprintf(" %s ", ags_commands[i]->name);
        assert_int_equal(strstr(line, needle) != NULL, !ags_commands[i]->hidden);
    }
}

static void test_bash_offers_every_flag_of_every_context(void **state)
{
    (void)state;
    check_sh(CLI_SHELL_BASH);
}

static void test_zsh_offers_every_flag_of_every_context(void **state)
{
    (void)state;
    check_sh(CLI_SHELL_ZSH);
    _cleanup_free_ char *text = script(CLI_SHELL_ZSH);
    assert_true(strncmp(text, "#compdef ags\n", 13) == 0);
}

static const char *fish_value(enum cli_value v)
{
    switch (v) {
    case CLI_VALUE_NONE:
        return " -d ";
    case CLI_VALUE_FILE:
        return " -r -F -d ";
    case CLI_VALUE_DIR:
        return " -x -a '(__fish_complete_directories)' -d ";
    case CLI_VALUE_AGENT:
        return " -x -a 'pi claude codex gemini opencode shell' -d ";
    default:
        return " -x -a '";
    }
}

/* fish: one line per flag with the context's condition, -l, -s, and what the
 * value is. */
static void test_fish_has_a_line_for_every_flag_of_every_context(void **state)
{
    (void)state;
    _cleanup_free_ char *text = script(CLI_SHELL_FISH);
    struct context ctx[32];
    size_t n = contexts(ctx);
    for (size_t k = 0; k < n; k++)
        for (size_t t = 0; t < 2; t++)
            for (const struct cli_flag *f = ctx[k].tables[t]; f && f->name; f++) {
                _cleanup_free_ char *want = xasprintf(
                        "complete -c ags -n '__ags_in %s' -l %s%s%s%s",
                        ctx[k].cmd ? ctx[k].cmd : "\"\"", f->name + 2, f->alias ? " -s " : "",
                        f->alias ? f->alias + 1 : "", fish_value(f->value));
                if (!strstr(text, want))
                    fail_msg("no line '%s' in:\n%s", want, text);
            }
}

/* cmd->run / run mode with stdout to /dev/null. */
static int quietly(int (*fn)(int, char **), int argc, char **argv)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    assert_true(saved >= 0 && null >= 0);
    dup2(null, STDOUT_FILENO);
    int rc = fn(argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(null);
    return rc;
}

static const char *sample_value(const struct cli_flag *f)
{
    switch (f->value) {
    case CLI_VALUE_AGENT:
    case CLI_VALUE_UPDATE_AGENT:
        return "pi";
    case CLI_VALUE_DIR:
        return "/tmp";
    case CLI_VALUE_HOST:
        return "example.org:443";
    case CLI_VALUE_SECONDS:
        return "10";
    case CLI_VALUE_CHOICE: { /* its first word */
        static char word[64];
        size_t n = strcspn(f->choices, " ");
        assert_true(n > 0 && n < sizeof(word));
        memcpy(word, f->choices, n);
        word[n] = '\0';
        return word;
    }
    default:
        return "/nonexistent/x";
    }
}

/* Runs fn on a copy of words (the parsers take char **). */
static int run_words(int (*fn)(int, char **), const char *const *words)
{
    char *argv[8] = {0};
    int argc = 0;
    for (; words[argc]; argc++) {
        assert_true(argc < 7);
        argv[argc] = xstrdup(words[argc]);
    }
    int rc = quietly(fn, argc, argv);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

/* [name] [operand] FLAG [VALUE] --help: the parser must take FLAG. */
static void check_parses(int (*fn)(int, char **), const char *name, const char *operand,
                         const struct cli_flag *f, const char *spelling)
{
    const char *words[8];
    size_t n = 0;
    words[n++] = name;
    if (operand)
        words[n++] = operand;
    words[n++] = spelling;
    if (f->value != CLI_VALUE_NONE)
        words[n++] = sample_value(f);
    words[n++] = "--help";
    words[n] = NULL;
    int rc = run_words(fn, words);
    if (rc != 0)
        fail_msg("ags %s %s: the parser did not take %s (exit %d)", name, operand ? operand : "",
                 spelling, rc);
}

static void check_table_parses(int (*fn)(int, char **), const char *name, const char *operand,
                               const struct cli_flag *table)
{
    for (const struct cli_flag *f = table; f && f->name; f++) {
        check_parses(fn, name, operand, f, f->name);
        if (f->alias)
            check_parses(fn, name, operand, f, f->alias);
    }
    const char *bad[] = {name, operand ? operand : "--no-such-flag", "--no-such-flag", NULL};
    assert_int_equal(run_words(fn, bad), AGS_EXIT_USAGE);
}

static void test_each_parser_takes_every_flag_of_its_table_and_no_other(void **state)
{
    (void)state;
    check_table_parses(cli_run_mode, "ags", NULL, cli_run_flags);
    for (size_t i = 0; ags_commands[i]; i++) {
        const struct ags_command *c = ags_commands[i];
        if (c->hidden || c->not_built)
            continue;
        /* The flags are the first choice's (config: show's; connections has none). */
        char first[64] = "";
        if (c->operands == CLI_VALUE_CHOICE)
            (void)snprintf(first, sizeof(first), "%.*s",
                           (int)strcspn(c->operand_choices, " "), c->operand_choices);
        const char *operand = first[0] ? first : NULL;
        check_table_parses(c->run, c->name, operand, c->flags);
        if (c->takes_run_flags)
            check_table_parses(c->run, c->name, operand, cli_run_flags);
    }
}

/* A choice flag takes only its words (the completion offers exactly those). */
static void test_a_choice_flag_refuses_a_word_outside_its_choices(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; ags_commands[i]; i++) {
        const struct ags_command *c = ags_commands[i];
        for (const struct cli_flag *f = c->flags; f && f->name; f++) {
            if (f->value != CLI_VALUE_CHOICE)
                continue;
            const char *words[] = {c->name, f->name, "no-such-choice", NULL};
            assert_int_equal(run_words(c->run, words), AGS_EXIT_USAGE);
            checked++;
        }
    }
    assert_true(checked >= 3); /* completions --shell, create-aliases --shell and --mode */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_flag_name_is_a_plain_word_with_its_dashes),
        cmocka_unit_test(test_bash_offers_every_flag_of_every_context),
        cmocka_unit_test(test_zsh_offers_every_flag_of_every_context),
        cmocka_unit_test(test_fish_has_a_line_for_every_flag_of_every_context),
        cmocka_unit_test(test_each_parser_takes_every_flag_of_its_table_and_no_other),
        cmocka_unit_test(test_a_choice_flag_refuses_a_word_outside_its_choices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
