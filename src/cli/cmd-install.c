/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags install [--link-self] [--force]: the per-user install below ~/.local
 * (run/install.h).  Nothing is written while something in the way is not
 * install's own, unless --force.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/completions.h"
#include "run/install.h"
#include "base/banned.h"

#define USAGE "usage: ags install [--link-self] [--force]"

struct install_args {
    bool link_self, force, help;
};

#define AT(field) offsetof(struct install_args, field)
static const struct cli_flag install_flags[] = {
    {"--link-self", NULL, CLI_VALUE_NONE, NULL, "link to this binary instead of copying it",
     AT(link_self)},
    {"--force", NULL, CLI_VALUE_NONE, NULL, "replace files install did not write", AT(force)},
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAGS_END,
};
#undef AT

static int parse_args(int argc, char **argv, struct install_args *a)
{
    *a = (struct install_args){0};
    return cli_flags_parse(install_flags, argc, argv, USAGE, a);
}

/* Who may install where, before anything is read. */
static int check_caller(const struct install_args *a, const char *exe)
{
    if (geteuid() == 0) {
        cli_error("ags install installs for one user below ~/.local and does not run as root; "
                  "for a system-wide install use the Debian package (apt install "
                  "./ags_VERSION_ARCH.deb) or cmake --install");
        return AGS_EXIT_USAGE;
    }
    if (!exe) {
        cli_error("cannot find the running ags binary through /proc/self/exe");
        return AGS_EXIT_FAILURE;
    }
    if (strpbrk(exe, "\t\n")) {
        _cleanup_free_ char *shown = term_escape_str(exe);
        cli_error("the running binary's path '%s' holds a tab or a newline, which the install "
                  "manifest cannot record: move it and run ags install again", shown);
        return AGS_EXIT_USAGE;
    }
    if (a->link_self && !a->force && run_install_exe_in_build_tree(exe)) {
        _cleanup_free_ char *shown = term_escape_str(exe);
        cli_error("--link-self would link ~/.local/bin/ags to '%s' in a build directory, which "
                  "the next clean build removes: add --force to link it anyway, or leave out "
                  "--link-self to install a copy", shown);
        return AGS_EXIT_USAGE;
    }
    return 0;
}

/* Where each shell looks for a user's completions below ~/.local:
 * bash-completion's XDG_DATA_HOME directory, fish's user vendor directory,
 * and for zsh a site-functions directory that ~/.zshrc adds to fpath
 * (report() says how). */
static const struct {
    enum cli_shell shell;
    const char *rel;
} completion_files[] = {
    {CLI_SHELL_BASH, "share/bash-completion/completions/ags"},
    {CLI_SHELL_ZSH, "share/zsh/site-functions/_ags"},
    {CLI_SHELL_FISH, "share/fish/vendor_completions.d/ags.fish"},
};

static void add_completions(struct run_install_items *items)
{
    for (size_t i = 0; i < ARRAY_SIZE(completion_files); i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
            ags_oom();
        cli_write_completions(f, completion_files[i].shell);
        if (fclose(f) != 0)
            ags_oom();
        run_install_items_add(items, completion_files[i].rel, buf, len, 0644);
    }
}

static int gather(const char *home, const struct install_args *a, const char *exe,
                  struct run_install_items *items, struct run_manifest *m)
{
    _cleanup_free_ char *cf = run_install_shipped_dir("containerfile");
    _cleanup_free_ char *assets = run_install_shipped_dir("agent-assets");
    _cleanup_free_ char *helper = run_install_helper();
    const struct run_install_opts o = {.home = home, .exe = exe, .helper = helper,
                                       .containerfile_dir = cf, .assets_dir = assets,
                                       .link_self = a->link_self};
    struct ags_error err = {0};
    int r = run_install_collect(&o, items, &err);
    if (r == 0)
        add_completions(items);
    if (r == 0) {
        r = run_install_manifest_load(home, m, &err);
        if (r < 0)
            run_install_items_done(items);
    }
    if (r < 0)
        cli_error("%s", err.msg);
    return r < 0 ? AGS_EXIT_FAILURE : 0;
}

static const char *in_the_way(enum run_install_state s)
{
    return s == RUN_INSTALL_DIRECTORY ? "a directory is there; move it away"
                                      : "ags install did not write it, or it changed since";
}

/* States of every item; the ones in the way are named.  Returns how many are
 * in the way (directories always, others unless force), or -1. */
static int judge(const char *home, const struct run_install_items *items,
                 const struct run_manifest *m, bool force, enum run_install_state *states)
{
    int blocked = 0;
    for (size_t i = 0; i < items->n; i++) {
        struct ags_error err = {0};
        if (run_install_state_of(home, &items->v[i], m, &states[i], &err) < 0) {
            cli_error("%s", err.msg);
            return -1;
        }
        bool dir = states[i] == RUN_INSTALL_DIRECTORY;
        if (!dir && states[i] != RUN_INSTALL_FOREIGN)
            continue;
        _cleanup_free_ char *shown = term_escape_str(items->v[i].rel);
        if (dir || !force) {
            cli_error("~/.local/%s: %s", shown, in_the_way(states[i]));
            blocked++;
        } else {
            cli_warning("replacing ~/.local/%s (--force): %s", shown, in_the_way(states[i]));
        }
    }
    return blocked;
}

static void report(const char *home, const struct run_install_items *items,
                   const enum run_install_state *states)
{
    size_t same = 0;
    for (size_t i = 0; i < items->n; i++)
        same += states[i] == RUN_INSTALL_SAME;
    _cleanup_free_ char *shown = term_escape_str(home);
    printf("installed %zu files below %s/.local (%zu written, %zu unchanged)\n", items->n, shown,
           items->n - same, same);
    _cleanup_free_ char *bin = xasprintf("%s/.local/bin", home);
    const char *path = env_nonempty(NULL, "PATH");
    bool on_path = false;
    for (const char *p = path; p && *p && !on_path;) {
        size_t n = strcspn(p, ":");
        on_path = n == strlen(bin) && strncmp(p, bin, n) == 0;
        p += n + (p[n] == ':');
    }
    if (!on_path)
        cli_warning("%s/.local/bin is not on $PATH: add it in your shell's profile", shown);
    printf("completions: bash and fish find them; zsh needs "
           "'fpath=(~/.local/share/zsh/site-functions $fpath)' before compinit in ~/.zshrc\n");
}

static int install_items(const char *home, const struct install_args *a,
                         const struct run_install_items *items, struct run_manifest *m)
{
    _cleanup_free_ enum run_install_state *states = xcalloc(items->n + 1, sizeof(*states));
    int blocked = judge(home, items, m, a->force, states);
    if (blocked != 0) {
        if (blocked > 0)
            cli_error("nothing installed: %d file%s in the way%s", blocked,
                      blocked == 1 ? " is" : "s are",
                      a->force ? "" : " (--force replaces files that are not directories)");
        return AGS_EXIT_FAILURE;
    }
    struct ags_error err = {0};
    if (run_install_write(home, items, states, m, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    report(home, items, states);
    return AGS_EXIT_OK;
}

static int install_run(int argc, char **argv)
{
    struct install_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc || a.help) {
        if (a.help)
            printf("%s\n", USAGE);
        return rc;
    }
    _cleanup_free_ char *exe = run_install_self_exe();
    rc = check_caller(&a, exe);
    const char *home = env_nonempty(NULL, "HOME");
    if (rc == 0 && !run_install_path_plain(home)) {
        cli_error("$HOME is not a plain absolute path (no '.', '..', '//' or trailing '/'); ags "
                  "install writes below $HOME/.local and records those paths as written");
        rc = AGS_EXIT_USAGE;
    }
    _cleanup_free_ char *bin = home ? xasprintf("%s/.local/bin/ags", home) : NULL;
    if (rc == 0 && a.link_self && strcmp(exe, bin) == 0) {
        cli_error("--link-self: this ags is ~/.local/bin/ags itself; run --link-self from the "
                  "binary the link should point to");
        rc = AGS_EXIT_USAGE;
    }
    if (rc)
        return rc;
    struct run_install_items items;
    struct run_manifest m;
    rc = gather(home, &a, exe, &items, &m);
    if (rc)
        return rc;
    rc = install_items(home, &a, &items, &m);
    run_install_items_done(&items);
    run_manifest_done(&m);
    return fflush(stdout) == 0 ? rc : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_install = {
    .name = "install",
    .summary = "install ags for this user below ~/.local",
    .args = "[--link-self] [--force]",
    .flags = install_flags,
    .run = install_run,
};
