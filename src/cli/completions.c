/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ags completions`: bash, zsh and fish scripts written from the same tables
 * the parsers match (cli/flags.h), so a flag ags accepts is a flag the shell
 * offers.  bash and zsh share one body (a `case` on the command, then on the
 * previous word); fish gets one `complete` line per flag.  Names and choices
 * in the tables are plain words (the unit test holds them to [a-zA-Z0-9-]),
 * so they go into the scripts unquoted; descriptions are quoted.
 */
#include "cli/completions.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run-flags.h"
#include "plan/plan.h"
#include "run/run.h"
#include "base/banned.h"

int cli_shell_from_name(const char *name, enum cli_shell *ret)
{
    static const char *const names[] = {
        [CLI_SHELL_BASH] = "bash", [CLI_SHELL_ZSH] = "zsh", [CLI_SHELL_FISH] = "fish"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(name, names[i]) == 0) {
            *ret = (enum cli_shell)i;
            return 0;
        }
    return -EINVAL;
}

/* Where the words being completed are: run mode (cmd NULL) or a command. */
struct context {
    const char *cmd;
    const struct cli_flag *tables[2]; /* either may be NULL */
    enum cli_value operands;
    const char *operand_choices;
};

static struct context command_context(const struct ags_command *c)
{
    return (struct context){
        .cmd = c->name,
        .tables = {c->flags, c->takes_run_flags ? cli_run_flags : NULL},
        .operands = c->operands,
        .operand_choices = c->operand_choices,
    };
}

static const struct context run_mode = {.tables = {cli_run_flags, NULL}};

/* Space-separated words, in order. */
struct words {
    FILE *out;
    bool any;
    bool fish; /* command substitution is (...) there, $(...) in bash and zsh */
};

static void put_word(struct words *w, const char *word)
{
    if (!word)
        return;
    fprintf(w->out, "%s%s", w->any ? " " : "", word);
    w->any = true;
}

/* The words a value (or operand) of kind v may be; nothing for free text,
 * files and directories, which the shells complete themselves. */
static void put_value_words(struct words *w, enum cli_value v, const char *choices)
{
    switch (v) {
    case CLI_VALUE_AGENT:
        for (int a = 0; a < PLAN_AGENT_COUNT; a++)
            put_word(w, plan_agent_name((enum plan_agent)a));
        break;
    case CLI_VALUE_UPDATE_AGENT:
        for (size_t i = 0; i < RUN_UPDATE_N_AGENTS; i++)
            put_word(w, plan_agent_name(run_update_agents[i]));
        break;
    case CLI_VALUE_CHOICE:
        put_word(w, choices);
        break;
    case CLI_VALUE_SESSION: /* asked when completing: sessions come and go */
        put_word(w, w->fish ? "(command ags ps --all --quiet 2>/dev/null)"
                            : "$(command ags ps --all --quiet 2>/dev/null)");
        break;
    case CLI_VALUE_WORKSPACE: /* asked when completing: pulls remove them */
        put_word(w, w->fish ? "(command ags pull --list 2>/dev/null)"
                            : "$(command ags pull --list 2>/dev/null)");
        break;
    case CLI_VALUE_CONNECTION: /* asked when completing: containers.conf may change */
        put_word(w, w->fish ? "(command ags config connections 2>/dev/null)"
                            : "$(command ags config connections 2>/dev/null)");
        break;
    default:
        break;
    }
}

static void put_flag_words(struct words *w, const struct cli_flag *table)
{
    for (const struct cli_flag *f = table; f && f->name; f++) {
        put_word(w, f->name);
        put_word(w, f->alias);
    }
}

/* ---- bash and zsh ---- */

/* `_ags_reply KIND [WORDS]`: each shell's prologue defines it. */
static void sh_reply(FILE *out, enum cli_value v, const char *choices)
{
    if (v == CLI_VALUE_DIR || v == CLI_VALUE_FILE) {
        fputs(v == CLI_VALUE_DIR ? "_ags_reply dir" : "_ags_reply file", out);
        return;
    }
    struct words w = {.out = out};
    fputs("_ags_reply words '", out);
    put_value_words(&w, v, choices);
    fputs("'", out);
}

/* One arm of `case $prev` per value flag: its value is completed, not a flag. */
static void sh_value_arms(FILE *out, const struct cli_flag *table)
{
    for (const struct cli_flag *f = table; f && f->name; f++) {
        if (f->value == CLI_VALUE_NONE)
            continue;
        fprintf(out, "        %s%s%s) ", f->name, f->alias ? "|" : "", f->alias ? f->alias : "");
        sh_reply(out, f->value, f->choices);
        fputs("; return ;;\n", out);
    }
}

static void sh_context(FILE *out, const struct context *c)
{
    fprintf(out, "    %s)\n        case $prev in\n", c->cmd ? c->cmd : "''");
    for (size_t t = 0; t < ARRAY_SIZE(c->tables); t++)
        sh_value_arms(out, c->tables[t]);
    fputs("        esac\n", out);
    struct words w = {.out = out};
    if (!c->cmd) { /* the first word may also be a command or --version */
        fputs("        local first=\n        ((pos == 1)) && first='", out);
        put_flag_words(&w, cli_main_flags);
        for (size_t i = 0; ags_commands[i]; i++)
            if (!ags_commands[i]->hidden)
                put_word(&w, ags_commands[i]->name);
        fputs("'\n", out);
        w.any = false;
    }
    fputs("        _ags_reply words \"", out);
    for (size_t t = 0; t < ARRAY_SIZE(c->tables); t++)
        put_flag_words(&w, c->tables[t]);
    put_value_words(&w, c->operands, c->operand_choices);
    fputs(c->cmd ? "\"\n        ;;\n" : " $first\"\n        ;;\n", out);
}

/* The shared body: $cmd (the command, empty in run mode), $prev (the word
 * before the cursor) and $pos (the cursor's word, 1 = first after ags) are
 * set by each shell's prologue. */
static void sh_body(FILE *out)
{
    fputs("    case $cmd in\n", out);
    sh_context(out, &run_mode);
    for (size_t i = 0; ags_commands[i]; i++) {
        const struct ags_command *c = ags_commands[i];
        if (c->hidden)
            continue;
        struct context ctx = command_context(c);
        sh_context(out, &ctx);
    }
    fputs("    esac\n", out);
}

static const char generated[] =
        "generated by `ags completions` from the tables ags parses its command line with";

static void write_bash(FILE *out)
{
    fprintf(out,
            "# bash completion for ags, %s.\n"
            "_ags_reply()\n"
            "{\n"
            "    case $1 in\n"
            "    dir) compopt -o filenames 2>/dev/null\n"
            "        mapfile -t COMPREPLY < <(compgen -d -- \"$cur\") ;;\n"
            "    file) compopt -o filenames 2>/dev/null\n"
            "        mapfile -t COMPREPLY < <(compgen -f -- \"$cur\") ;;\n"
            "    *) mapfile -t COMPREPLY < <(compgen -W \"$2\" -- \"$cur\") ;;\n"
            "    esac\n"
            "}\n"
            "\n"
            "_ags()\n"
            "{\n"
            "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
            "    local pos=$COMP_CWORD cmd= i\n"
            "    COMPREPLY=()\n"
            "    # The words after -- are the agent's own.\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        [[ ${COMP_WORDS[i]} == -- ]] && return 0\n"
            "    done\n"
            "    if ((pos > 1)) && [[ ${COMP_WORDS[1]} != -* ]]; then\n"
            "        cmd=${COMP_WORDS[1]}\n"
            "    fi\n",
            generated);
    sh_body(out);
    fputs("}\n\ncomplete -F _ags ags\n", out);
}

static void write_zsh(FILE *out)
{
    fprintf(out,
            "#compdef ags\n"
            "# zsh completion for ags, %s.\n"
            "_ags_reply()\n"
            "{\n"
            "    case $1 in\n"
            "    dir) _files -/ ;;\n"
            "    file) _files ;;\n"
            "    *) local -a w=(${=2}); compadd -a w ;;\n"
            "    esac\n"
            "}\n"
            "\n"
            "_ags()\n"
            "{\n"
            "    local prev=${words[CURRENT-1]} pos=$((CURRENT - 1)) cmd= i\n"
            "    # The words after -- are the agent's own.\n"
            "    for ((i = 2; i < CURRENT; i++)); do\n"
            "        [[ ${words[i]} == -- ]] && return 1\n"
            "    done\n"
            "    if ((pos > 1)) && [[ ${words[2]} != -* ]]; then\n"
            "        cmd=${words[2]}\n"
            "    fi\n",
            generated);
    sh_body(out);
    fputs("}\n\n"
          "# Autoloaded from $fpath the file is _ags's body; sourced, it registers _ags.\n"
          "if [[ $funcstack[1] == _ags ]]; then\n"
          "    _ags \"$@\"\n"
          "else\n"
          "    compdef _ags ags\n"
          "fi\n",
          out);
}

/* ---- fish ---- */

/* A fish single-quoted string: only \ and ' are special inside. */
static void fish_quote(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\\' || *s == '\'')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('\'', out);
}

static void fish_condition(FILE *out, const char *cmd)
{
    fprintf(out, "complete -c ags -n '__ags_in %s'", cmd ? cmd : "\"\"");
}

static void fish_flag(FILE *out, const char *cmd, const struct cli_flag *f)
{
    fish_condition(out, cmd);
    fprintf(out, " -l %s", f->name + 2);
    if (f->alias)
        fprintf(out, " -s %s", f->alias + 1);
    if (f->value == CLI_VALUE_FILE) {
        fputs(" -r -F", out);
    } else if (f->value == CLI_VALUE_DIR) {
        fputs(" -x -a '(__fish_complete_directories)'", out);
    } else if (f->value != CLI_VALUE_NONE) {
        struct words w = {.out = out, .fish = true};
        fputs(" -x -a '", out);
        put_value_words(&w, f->value, f->choices);
        fputs("'", out);
    }
    fputs(" -d ", out);
    fish_quote(out, f->help);
    fputc('\n', out);
}

static void fish_context(FILE *out, const struct context *c)
{
    for (size_t t = 0; t < ARRAY_SIZE(c->tables); t++)
        for (const struct cli_flag *f = c->tables[t]; f && f->name; f++)
            fish_flag(out, c->cmd, f);
    if (c->operands == CLI_VALUE_NONE)
        return;
    struct words w = {.out = out, .fish = true};
    fish_condition(out, c->cmd);
    fputs(" -a '", out);
    put_value_words(&w, c->operands, c->operand_choices);
    fputs("'\n", out);
}

static void write_fish(FILE *out)
{
    fprintf(out,
            "# fish completion for ags, %s.\n"
            "function __ags_in --description 'the command before the cursor is $argv[1] (\"\" in "
            "run mode) and no -- came'\n"
            "    set -l w (commandline -opc)\n"
            "    contains -- -- $w; and return 1\n"
            "    set -l cmd ''\n"
            "    if set -q w[2]; and not string match -q -- '-*' $w[2]\n"
            "        set cmd $w[2]\n"
            "    end\n"
            "    test \"$cmd\" = \"$argv[1]\"\n"
            "end\n"
            "\n"
            "complete -c ags -f\n",
            generated);
    for (size_t i = 0; ags_commands[i]; i++) {
        const struct ags_command *c = ags_commands[i];
        if (c->hidden)
            continue;
        fputs("complete -c ags -n 'test (count (commandline -opc)) -eq 1' -a ", out);
        fputs(c->name, out);
        fputs(" -d ", out);
        fish_quote(out, c->summary);
        fputc('\n', out);
    }
    for (const struct cli_flag *f = cli_main_flags; f->name; f++) {
        fputs("complete -c ags -n 'test (count (commandline -opc)) -eq 1'", out);
        fprintf(out, " -l %s%s%s -d ", f->name + 2, f->alias ? " -s " : "",
                f->alias ? f->alias + 1 : "");
        fish_quote(out, f->help);
        fputc('\n', out);
    }
    fish_context(out, &run_mode);
    for (size_t i = 0; ags_commands[i]; i++) {
        if (ags_commands[i]->hidden)
            continue;
        struct context ctx = command_context(ags_commands[i]);
        fish_context(out, &ctx);
    }
}

void cli_write_completions(FILE *out, enum cli_shell shell)
{
    switch (shell) {
    case CLI_SHELL_BASH:
        write_bash(out);
        break;
    case CLI_SHELL_ZSH:
        write_zsh(out);
        break;
    case CLI_SHELL_FISH:
        write_fish(out);
        break;
    }
}
