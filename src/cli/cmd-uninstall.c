/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags uninstall [--force]: removes what ags install wrote, as its manifest
 * lists it (run/install.h), and nothing else: never the config, the volumes
 * or the images.
 *
 * ags uninstall --purge [--yes] [--config FILE]: also everything ags keeps
 * for this user: what `ags prune --all` removes (the sandbox image, the
 * agents' volumes, ...) and ags's config, state and cache directories.  It
 * lists all of it and asks first (--yes: without asking; no terminal and no
 * --yes: refused), and removes nothing when the answer is no.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/owned-view.h"
#include "cli/prompt.h"
#include "run/install.h"
#include "base/banned.h"

#define USAGE "usage: ags uninstall [--force] [--purge [--yes] [--config FILE]]"

struct uninstall_args {
    const char *config_path;
    bool force, purge, yes, help;
};

#define AT(field) offsetof(struct uninstall_args, field)
static const struct cli_flag uninstall_flags[] = {
    {"--force", NULL, CLI_VALUE_NONE, NULL, "remove files changed since install", AT(force)},
    {"--purge", NULL, CLI_VALUE_NONE, NULL, "also the config, cache, image and volumes",
     AT(purge)},
    {"--yes", "-y", CLI_VALUE_NONE, NULL, "purge without asking", AT(yes)},
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAGS_END,
};
#undef AT

/* What --purge removes besides the installed files. */
struct purge {
    struct run_owned_list owned;
    bool owned_listed; /* false: Podman could not be asked (said why) */
    struct run_purge_dirs dirs;
};

static void on_kept(const char *path, const char *why, void *userdata _unused_)
{
    _cleanup_free_ char *shown = term_escape_str(path);
    cli_warning("kept %s: %s", shown, why);
}

static int check_args(const struct uninstall_args *a)
{
    if (!a->purge && (a->yes || a->config_path)) {
        cli_error("%s goes with --purge\n" USAGE, a->yes ? "--yes" : "--config");
        return AGS_EXIT_USAGE;
    }
    if (a->purge && !a->yes && !isatty(STDIN_FILENO)) {
        cli_error("uninstall --purge lists what it removes and asks first, but stdin is not a "
                  "terminal: add --yes to remove it without asking");
        return AGS_EXIT_USAGE;
    }
    return 0;
}

static int purge_gather(const struct uninstall_args *a, const char *home, struct purge *p)
{
    _cleanup_config_ struct ags_config *cfg = NULL;
    const struct cli_owned_flags f = {.config_path = a->config_path};
    int rc = cli_owned_config(&f, false, &cfg);
    if (rc != 0)
        return rc;
    p->owned_listed = cli_owned_gather(cfg, &p->owned) == 0;
    if (!p->owned_listed)
        cli_warning("ags's Podman objects (image, volumes) are kept: ags prune --all removes "
                    "them once Podman answers");
    run_purge_dirs_find(home, env_nonempty(NULL, "XDG_CONFIG_HOME"),
                        env_nonempty(NULL, "XDG_STATE_HOME"), cfg->sandbox.cache_dir.v,
                        &p->dirs);
    return 0;
}

static void purge_done(struct purge *p)
{
    if (p->owned_listed)
        run_owned_done(&p->owned);
    run_purge_dirs_done(&p->dirs);
}

/* The list, on stderr; then the question unless --yes.  true: go ahead. */
static bool purge_confirmed(const struct uninstall_args *a, const struct purge *p)
{
    fprintf(stderr, "ags uninstall --purge removes:\n  the files ags install wrote\n");
    if (p->owned_listed)
        (void)cli_owned_print_removals(stderr, &p->owned, RUN_PRUNE_SCOPE_ALL);
    for (size_t i = 0; i < p->dirs.n; i++) {
        const struct run_purge_dir *d = &p->dirs.v[i];
        _cleanup_free_ char *path = term_escape_str(d->path);
        if (d->kept_why)
            fprintf(stderr, "  (not the %s directory %s: %s)\n", d->what, path, d->kept_why);
        else
            fprintf(stderr, "  the %s directory %s (%.1f MB)\n", d->what, path,
                    (double)d->bytes / 1e6);
    }
    if (a->yes)
        return true;
    if (cli_prompt_yes_no("Remove all of this (the config too)?"))
        return true;
    fprintf(stderr, "ags: nothing removed\n");
    return false;
}

/* Returns how many things were kept or failed. */
static size_t purge_remove(struct purge *p)
{
    size_t failed = 0;
    if (p->owned_listed)
        failed += run_prune_remove(&p->owned, RUN_PRUNE_SCOPE_ALL, cli_owned_report_removed, NULL);
    else
        failed++;
    for (size_t i = 0; i < p->dirs.n; i++) {
        const struct run_purge_dir *d = &p->dirs.v[i];
        struct ags_error err = {0};
        _cleanup_free_ char *path = term_escape_str(d->path);
        if (run_purge_dir_remove(d, &err) < 0) {
            cli_warning("%s", err.msg);
            failed++;
        } else {
            printf("removed the %s directory %s\n", d->what, path);
        }
    }
    return failed;
}

static int uninstall_files(const char *home, bool force, bool purge)
{
    struct run_uninstall_result res;
    struct ags_error err = {0};
    int r = run_uninstall(home, force, on_kept, NULL, &res, &err);
    if (r == -ENOENT && purge) /* nothing installed (a package or a build): purge the rest */
        return AGS_EXIT_OK;
    if (r < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    printf("removed %zu, kept %zu, already gone %zu\n", res.removed, res.kept, res.absent);
    return res.kept == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

static int uninstall_run(int argc, char **argv)
{
    struct uninstall_args a = {0};
    int rc = cli_flags_parse(uninstall_flags, argc, argv, USAGE, &a);
    if (rc == 0 && a.help) {
        puts(USAGE);
        return AGS_EXIT_OK;
    }
    if (rc == 0)
        rc = check_args(&a);
    if (rc != 0)
        return rc;
    if (geteuid() == 0) {
        cli_error("ags uninstall removes a per-user install below ~/.local and does not run as "
                  "root (run it as the user who installed; the Debian package goes with apt "
                  "remove ags)");
        return AGS_EXIT_USAGE;
    }
    const char *home = env_nonempty(NULL, "HOME");
    if (!run_install_path_plain(home)) {
        cli_error("$HOME is not a plain absolute path (no '.', '..', '//' or trailing '/'); ags "
                  "uninstall removes below $HOME/.local what install recorded there");
        return AGS_EXIT_USAGE;
    }
    struct purge p = {0};
    if (a.purge) {
        rc = purge_gather(&a, home, &p);
        if (rc == 0 && !purge_confirmed(&a, &p))
            rc = AGS_EXIT_FAILURE;
        if (rc != 0) {
            purge_done(&p);
            return rc;
        }
    }
    rc = uninstall_files(home, a.force, a.purge);
    if (a.purge && purge_remove(&p) > 0)
        rc = AGS_EXIT_FAILURE;
    purge_done(&p);
    if (rc == AGS_EXIT_OK)
        printf("Uninstall complete.\n");
    return fflush(stdout) == 0 ? rc : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_uninstall = {
    .name = "uninstall",
    .summary = "remove what ags install wrote (--purge: and all ags keeps)",
    .args = "[--force] [--purge [--yes] [--config FILE]]",
    .flags = uninstall_flags,
    .run = uninstall_run,
};
