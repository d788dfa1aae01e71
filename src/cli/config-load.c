/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/config-load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "config/schema.h"
#include "run/run.h"
#include "base/banned.h"

void cli_host_init(struct cli_host *h)
{
    *h = (struct cli_host){0};
    h->cwd = realpath(".", NULL);
    h->host.home = env_nonempty(NULL, "HOME");
    h->host.cwd = h->cwd;
    h->host.xdg_config = env_nonempty(NULL, "XDG_CONFIG_HOME");
    h->host.xdg_cache = env_nonempty(NULL, "XDG_CACHE_HOME");
    h->host.xdg_runtime = env_nonempty(NULL, "XDG_RUNTIME_DIR");
    h->host.getenv = env_process;
}

void cli_host_done(struct cli_host *h)
{
    free(h->cwd);
    h->cwd = NULL;
}

/* Interactive only: a run without a terminal never trusts anything new. */
static enum cfg_trust_answer ask_trust(const struct cfg_trust_request *req, void *userdata _unused_)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
        return CFG_TRUST_SKIP;
    /* The config layer built the whole text, escaped (config/trust-view.c). */
    fputs(req->view, stderr);
    for (int tries = 0; tries < 3; tries++) {
        fprintf(stderr, "Trust this exact content? [y/N] ");
        char line[64];
        if (!fgets(line, sizeof(line), stdin))
            return CFG_TRUST_SKIP;
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "y") == 0 || strcmp(line, "yes") == 0)
            return CFG_TRUST_ACCEPT;
        if (line[0] == '\0' || strcmp(line, "n") == 0 || strcmp(line, "no") == 0)
            return CFG_TRUST_SKIP;
    }
    return CFG_TRUST_SKIP;
}

/* Messages quote values from files a repository controls (its overlay is
 * parsed before it is trusted): escaped, they cannot drive the terminal. */
static void print_lines(const char *prefix, char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *s = term_escape_str(lines[i]);
        fprintf(stderr, "ags: %s%s\n", prefix, s);
    }
}

static void print_diag(const struct cfg_diag *d)
{
    print_lines("", d->notes, d->n_notes);
    print_lines("warning: ", d->warnings, d->n_warnings);
    print_lines("error: ", d->errors, d->n_errors);
}

/* The flag's word was checked against the same names by the flag parser. */
static void apply_backend_flag(struct ags_config *cfg, const char *name)
{
    for (uint32_t i = 0; cfg_backend_names[i]; i++)
        if (strcmp(cfg_backend_names[i], name) == 0) {
            cfg->sandbox.backend.v = i;
            cfg->sandbox.backend.at = (struct cfg_origin){0};
        }
}

int cli_engine_target(const struct ags_config *cfg, char **ret_uri, char **ret_origin)
{
    struct ags_error err = {0};
    if (run_engine_target(cfg, env_process, ret_uri, ret_origin, &err) < 0) {
        _cleanup_free_ char *msg = term_escape_str(err.msg);
        cli_error("%s", msg);
        return AGS_EXIT_USAGE;
    }
    return 0;
}

int cli_load_config(const struct cli_host *h, const char *config_path, bool use_overlay,
                    struct ags_config **ret)
{
    if (!h->host.home || h->host.home[0] != '/') {
        cli_error("$HOME is not set to an absolute path; ags needs it to find its config");
        return AGS_EXIT_USAGE;
    }
    if (!h->cwd) {
        cli_error("cannot resolve the current directory");
        return AGS_EXIT_USAGE;
    }
    struct cfg_diag diag = {0};
    struct cfg_load_opts opts = {
        .config_path = config_path,
        .use_overlay = use_overlay,
        .read_only = h->config_read_only,
        .ask_trust = ask_trust,
    };
    int r = config_load(&h->host, &opts, ret, &diag);
    if (r == 0 && h->engine.backend)
        apply_backend_flag(*ret, h->engine.backend);
    if (r == 0 && h->engine.connection)
        (*ret)->engine.connection_flag = xstrdup(h->engine.connection);
    if (r == 0 && h->engine.url)
        (*ret)->engine.url = xstrdup(h->engine.url);
    print_diag(&diag);
    if (r < 0 && diag.n_errors > 1)
        fprintf(stderr, "ags: %zu problems in the config; nothing was changed\n", diag.n_errors);
    cfg_diag_done(&diag);
    return r < 0 ? AGS_EXIT_USAGE : 0;
}
