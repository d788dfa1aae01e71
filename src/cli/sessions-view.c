/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What ags ps and ags stop share: the config and the sessions. */
#include "cli/sessions-view.h"

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "base/banned.h"

static void on_warn(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

int cli_sessions_gather(const char *config_path, const struct cli_engine_flags *engine,
                        struct ags_config **ret_cfg, struct run_sessions *ret)
{
    struct cli_host h;
    cli_host_init(&h);
    h.config_read_only = true; /* listing or stopping writes no config */
    h.engine = *engine;
    int rc = cli_load_config(&h, config_path, false, ret_cfg);
    cli_host_done(&h);
    _cleanup_free_ char *uri = NULL, *origin = NULL;
    if (rc == 0)
        rc = cli_engine_target(*ret_cfg, &uri, &origin);
    if (rc != 0)
        return rc;
    const struct run_owned_opts opts = {.cfg = *ret_cfg, .cb = {.warn = on_warn}};
    struct ags_error err = {0};
    if (run_sessions_gather(&opts, ret, &err) < 0) {
        cli_error("cannot list the sessions: %s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    return 0;
}

int cli_session_pick(const struct run_sessions *l, const char *name, const char *usage,
                     size_t *ret)
{
    if (name)
        return cli_session_named(l, name, ret);
    size_t found = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].supervised && l->v[i].state == BACKEND_SESSION_RUNNING && found++ == 0)
            *ret = i;
    if (found == 1)
        return 0;
    cli_error("%s\n%s", found ? "more than one session runs: name one (`ags ps` lists them)"
                              : "no detachable session of yours runs (`ags --agent AGENT --detach` "
                                "starts one)",
              usage);
    return AGS_EXIT_USAGE;
}

int cli_session_named(const struct run_sessions *l, const char *name, size_t *ret)
{
    if (run_session_find(l, name, ret) == 0)
        return 0;
    _cleanup_free_ char *shown = term_escape_str(name);
    cli_error("no session '%s' of yours: `ags ps --all` lists them", shown);
    return AGS_EXIT_FAILURE;
}
