/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags create-aliases [--shell fish|zsh|bash] [--mode wrappers|aliases|both]
 * [--force]: short names for the agent commands (run/aliases.h), as wrapper
 * scripts in ~/.local/bin and/or an alias block in the shell's rc file.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "run/aliases.h"
#include "base/banned.h"

#define USAGE "usage: ags create-aliases [--shell fish|zsh|bash] [--mode wrappers|aliases|both] " \
              "[--force] [--config FILE]"

struct alias_args {
    const char *shell, *mode, *config_path;
    bool force, help, wrappers, aliases;
};

#define AT(field) offsetof(struct alias_args, field)
static const struct cli_flag alias_flags[] = {
    {"--shell", NULL, CLI_VALUE_CHOICE, "fish zsh bash", "the shell whose rc file gets aliases",
     AT(shell)},
    {"--mode", NULL, CLI_VALUE_CHOICE, "wrappers aliases both", "what to write", AT(mode)},
    {"--force", NULL, CLI_VALUE_NONE, NULL, "replace files ags did not write", AT(force)},
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAGS_END,
};
#undef AT

static int parse_args(int argc, char **argv, struct alias_args *a)
{
    *a = (struct alias_args){.mode = "wrappers"};
    int rc = cli_flags_parse(alias_flags, argc, argv, USAGE, a);
    a->wrappers = strcmp(a->mode, "aliases") != 0;
    a->aliases = strcmp(a->mode, "wrappers") != 0;
    return rc;
}

static const char *why_skipped(enum run_alias_outcome o)
{
    switch (o) {
    case RUN_ALIAS_SKIPPED_DIR:
        return "it is a directory";
    case RUN_ALIAS_SKIPPED_SYMLINK:
        return "it is a symlink ags did not make (--force replaces it)";
    default:
        return "it is a file ags did not write (--force replaces it)";
    }
}

struct alias_set {
    struct run_alias *v;
    size_t n;
};

/* [aliases] commands, else the built-in names; a name or command that cannot
 * be written is an error at its place in the config. */
static int pick_aliases(const struct ags_config *cfg, struct alias_set *ret)
{
    const struct cfg_map *m = &cfg->aliases.commands;
    *ret = (struct alias_set){0};
    if (m->n == 0) {
        ret->v = xcalloc(run_n_default_aliases, sizeof(*ret->v));
        memcpy(ret->v, run_default_aliases, run_n_default_aliases * sizeof(*ret->v));
        ret->n = run_n_default_aliases;
        return 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        bool name_ok = run_alias_name_valid(m->v[i].key);
        if (name_ok && run_alias_command_valid(m->v[i].value))
            continue;
        _cleanup_free_ char *key = term_escape_str(m->v[i].key);
        _cleanup_free_ char *file = term_escape_str(m->at.file ? m->at.file : "config");
        cli_error("%s:%u:%u: aliases.commands.%s: %s", file, m->at.line, m->at.col, key,
                  name_ok ? "the command is empty or holds a control character"
                          : "not a name for a wrapper or an alias (letters, digits and _, "
                            "then also - and ., at most 64; not ags itself)");
        return AGS_EXIT_USAGE;
    }
    ret->v = xcalloc(m->n, sizeof(*ret->v));
    for (size_t i = 0; i < m->n; i++)
        ret->v[i] = (struct run_alias){.name = m->v[i].key, .command = m->v[i].value};
    ret->n = m->n;
    return 0;
}

static int write_wrappers(const char *home, const struct alias_set *set, bool force)
{
    _cleanup_free_ char *bindir = xasprintf("%s/.local/bin", home);
    _cleanup_free_ char *shown_dir = term_escape_str(bindir);
    size_t counts[RUN_ALIAS_SKIPPED_FOREIGN + 1] = {0};
    for (size_t i = 0; i < set->n; i++) {
        const struct run_alias *a = &set->v[i];
        enum run_alias_outcome o = RUN_ALIAS_UNCHANGED;
        struct ags_error err = {0};
        if (run_alias_write_wrapper(bindir, a, force, &o, &err) < 0) {
            cli_error("%s", err.msg);
            return AGS_EXIT_FAILURE;
        }
        counts[o]++;
        if (o >= RUN_ALIAS_SKIPPED_DIR)
            cli_warning("kept %s/%s: %s", shown_dir, a->name, why_skipped(o));
    }
    size_t skipped = counts[RUN_ALIAS_SKIPPED_DIR] + counts[RUN_ALIAS_SKIPPED_SYMLINK] +
                     counts[RUN_ALIAS_SKIPPED_FOREIGN];
    printf("wrappers in %s: %zu written, %zu unchanged, %zu skipped\n", shown_dir,
           counts[RUN_ALIAS_WRITTEN], counts[RUN_ALIAS_UNCHANGED], skipped);
    return AGS_EXIT_OK;
}

static char *rc_path(const struct cfg_host *h, const char *shell)
{
    /* XDG: a relative XDG_CONFIG_HOME is ignored (it would name a file in
     * whatever directory ags runs in, a repository's say). */
    if (strcmp(shell, "fish") == 0)
        return h->xdg_config && h->xdg_config[0] == '/'
                       ? xasprintf("%s/fish/config.fish", h->xdg_config)
                       : xasprintf("%s/.config/fish/config.fish", h->home);
    return xasprintf("%s/.%src", h->home, shell);
}

/* --shell, else the basename of $SHELL when it is one ags knows. */
static const char *const shells[] = {"fish", "zsh", "bash", NULL};

static const char *pick_shell(const char *flag)
{
    if (flag)
        return flag;
    const char *sh = env_nonempty(NULL, "SHELL");
    const char *base = sh ? strrchr(sh, '/') : NULL;
    base = base ? base + 1 : sh;
    for (size_t i = 0; base && shells[i]; i++)
        if (strcmp(base, shells[i]) == 0)
            return shells[i];
    cli_error("could not autodetect shell; use --shell fish|zsh|bash");
    return NULL;
}

static int write_aliases(const struct cfg_host *h, const struct alias_set *set,
                         const char *shell_flag)
{
    const char *shell = pick_shell(shell_flag);
    if (!shell)
        return AGS_EXIT_USAGE;
    _cleanup_free_ char *rc = rc_path(h, shell);
    bool changed = false;
    struct ags_error err = {0};
    if (run_alias_write_rc(rc, set->v, set->n, strcmp(shell, "fish") == 0, &changed, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    _cleanup_free_ char *shown = term_escape_str(rc);
    printf("aliases in %s: %s\n", shown, changed ? "written" : "unchanged");
    return AGS_EXIT_OK;
}

static int create_aliases_run(int argc, char **argv)
{
    struct alias_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc || a.help) {
        if (a.help)
            printf("%s\n", USAGE);
        return rc;
    }
    struct cli_host ch;
    cli_host_init(&ch);
    if (!ch.host.home) {
        cli_host_done(&ch);
        cli_error("$HOME is not set; create-aliases writes below it");
        return AGS_EXIT_USAGE;
    }
    /* What the wrappers run is the user's decision: no repo overlay. */
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct alias_set set = {0};
    rc = cli_load_config(&ch, a.config_path, false, &cfg);
    if (rc == 0)
        rc = pick_aliases(cfg, &set);
    if (rc == 0 && a.aliases)
        rc = write_aliases(&ch.host, &set, a.shell);
    if (rc == 0 && a.wrappers)
        rc = write_wrappers(ch.host.home, &set, a.force);
    free(set.v);
    cli_host_done(&ch);
    return fflush(stdout) == 0 ? rc : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_create_aliases = {
    .name = "create-aliases",
    .summary = "write wrapper scripts or shell aliases",
    .args = "[--shell fish|zsh|bash] [--mode wrappers|aliases|both] [--force] [--config FILE]",
    .flags = alias_flags,
    .run = create_aliases_run,
};
