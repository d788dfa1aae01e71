/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags update-agents [--config FILE] [AGENT...]: installs or updates the agent
 * CLIs in their volumes (run/update.c), one line per agent on stdout, progress
 * on stderr.  Exit 1 when any agent failed; the others are still updated.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/maintain.h"
#include "run/run.h"
#include "base/banned.h"

#define USAGE "usage: ags update-agents [--config FILE] [--backend auto|podman|bwrap] [--connection NAME] [pi|claude|codex|gemini|opencode ...]"

enum { UF_HELP, UF_CONFIG, UF_BACKEND, UF_CONNECTION };
static const struct cli_flag update_agents_flags[] = {
    [UF_HELP] = CLI_FLAG_HELP,
    [UF_CONFIG] = CLI_FLAG_CONFIG,
    [UF_BACKEND] = CLI_FLAG_BACKEND_AT(0),
    [UF_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
    CLI_FLAGS_END,
};

struct update_args {
    const char *config_path;
    struct cli_engine_flags engine;
    bool help;
    bool wanted[PLAN_AGENT_COUNT];
    size_t n_wanted;
};

static int want_agent(struct update_args *a, const char *name)
{
    enum plan_agent agent;
    if (plan_agent_from_name(name, &agent) < 0 || agent == PLAN_AGENT_SHELL) {
        cli_error("'%s' is not an agent ags installs (pi, claude, codex, gemini, opencode)\n"
                  USAGE, name);
        return AGS_EXIT_USAGE;
    }
    a->n_wanted += !a->wanted[agent];
    a->wanted[agent] = true;
    return 0;
}

static int parse_args(int argc, char **argv, struct update_args *a)
{
    *a = (struct update_args){0};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(update_agents_flags, argc, argv, &i, USAGE, &f, &val);
        if (c > 1)
            return c;
        if (c == 1 && f - update_agents_flags == UF_HELP) {
            a->help = true;
        } else if (c == 1 && f - update_agents_flags == UF_BACKEND) {
            a->engine.backend = val;
        } else if (c == 1 && f - update_agents_flags == UF_CONNECTION) {
            a->engine.connection = val;
        } else if (c == 1) {
            a->config_path = val;
        } else if (argv[i][0] == '-') {
            cli_error("unknown option '%s'\n" USAGE, argv[i]);
            return AGS_EXIT_USAGE;
        } else {
            int rc = want_agent(a, argv[i]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void update_warning(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

static void update_progress(const char *msg, void *userdata _unused_)
{
    fprintf(stderr, "ags: %s\n", msg);
}

static void update_output(const char *text, size_t len, void *userdata _unused_)
{
    (void)fwrite(text, 1, len, stderr);
}

int cli_update_agents(const struct run_request *req, const bool wanted[PLAN_AGENT_COUNT])
{
    const struct run_update_request u = {
        .req = req,
        .cb = {.warn = update_warning, .progress = update_progress, .output = update_output},
    };
    int rc = AGS_EXIT_OK;
    for (size_t i = 0; i < RUN_UPDATE_N_AGENTS; i++) {
        enum plan_agent agent = run_update_agents[i];
        if (wanted && !wanted[agent])
            continue;
        struct run_update_result res;
        struct ags_error err = {0};
        int r = run_update_agent(&u, agent, &res, &err);
        _cleanup_free_ char *line = run_update_line(agent, &res);
        printf("%s\n", line);
        (void)fflush(stdout);
        if (r < 0 || !res.ok)
            rc = AGS_EXIT_FAILURE;
    }
    return rc;
}

static int update_agents_run(int argc, char **argv)
{
    struct update_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc || a.help) {
        if (a.help)
            printf("%s\n", USAGE);
        return rc;
    }
    struct cli_host ch;
    cli_host_init(&ch);
    ch.engine = a.engine;
    _cleanup_config_ struct ags_config *cfg = NULL;
    /* The volumes are the user's, not a repository's: no repo overlay. */
    rc = cli_load_config(&ch, a.config_path, false, &cfg);
    _cleanup_free_ char *uri = NULL, *origin = NULL;
    if (rc == 0)
        rc = cli_engine_target(cfg, &uri, &origin);
    if (rc == 0) {
        /* A maintenance plan mounts volumes only: the same on a remote engine. */
        const struct run_request req = {.cfg = cfg, .host = &ch.host,
                                        .remote_engine = run_engine_is_remote(uri)};
        rc = cli_update_agents(&req, a.n_wanted ? a.wanted : NULL);
    }
    cli_host_done(&ch);
    return rc;
}

const struct ags_command cmd_update_agents = {
    .name = "update-agents",
    .summary = "install or update the agent CLIs",
    .args = "[--config FILE] [--backend B] [--connection NAME] [AGENT...]",
    .not_built = false,
    .hidden = false,
    .flags = update_agents_flags,
    .operands = CLI_VALUE_UPDATE_AGENT,
    .run = update_agents_run,
};
