/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What ags ps, stop, attach, logs and diff share: the config and the
 * sessions, of one engine or of every engine (issue 20 item 3). */
#include "cli/sessions-view.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "base/banned.h"

static void on_warn(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

static struct run_owned_opts owned_opts(const struct ags_config *cfg)
{
    return (struct run_owned_opts){.cfg = cfg, .cb = {.warn = on_warn}};
}

/* The config with the engine flags applied, the engine choice checked. */
static int load(const char *config_path, const struct cli_engine_flags *engine,
                struct ags_config **ret_cfg)
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
    return rc;
}

int cli_sessions_gather(const char *config_path, const struct cli_engine_flags *engine,
                        struct ags_config **ret_cfg, struct run_sessions *ret)
{
    int rc = load(config_path, engine, ret_cfg);
    if (rc != 0)
        return rc;
    const struct run_owned_opts opts = owned_opts(*ret_cfg);
    struct ags_error err = {0};
    if (run_sessions_gather(&opts, ret, &err) < 0) {
        cli_error("cannot list the sessions: %s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    return 0;
}

int cli_sessions_gather_all(const char *config_path, const struct cli_engine_flags *engine,
                            struct ags_config **ret_cfg, struct run_sessions_all *ret)
{
    *ret = (struct run_sessions_all){0};
    int rc = load(config_path, engine, ret_cfg);
    if (rc != 0)
        return rc;
    const struct run_owned_opts opts = owned_opts(*ret_cfg);
    /* An engine flag names the one engine to ask. */
    bool one = engine->backend || engine->connection || engine->url;
    struct ags_error err = {0};
    if (run_sessions_gather_all(&opts, one, ret, &err) < 0) {
        cli_error("cannot list the sessions: %s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    size_t answered = 0;
    for (size_t i = 0; i < ret->n; i++) {
        const struct run_engine_sessions *e = &ret->v[i];
        if (e->r == 0) {
            answered++;
        } else if (ret->n == 1) {
            cli_error("cannot list the sessions: %s", e->error);
        } else {
            _cleanup_free_ char *name = term_escape_str(e->engine);
            _cleanup_free_ char *why = term_escape_str(e->error);
            fprintf(stderr, "ags: engine %s: unreachable (%s)\n", name, why);
        }
    }
    if (answered > 0)
        return 0;
    run_sessions_all_done(ret);
    return AGS_EXIT_FAILURE;
}

static int no_such(const char *name)
{
    _cleanup_free_ char *shown = term_escape_str(name);
    cli_error("no session '%s' of yours: `ags ps --all` lists them", shown);
    return AGS_EXIT_FAILURE;
}

/* The engines (and rows) holding a session named name, or without a name
 * the running detachable ones. */
struct found {
    size_t n;
    struct run_engine_sessions *e;
    size_t i;
    struct strbuf where; /* "a, b" */
};

static void note(struct found *f, struct run_engine_sessions *e, size_t i)
{
    if (f->n++ == 0) {
        f->e = e;
        f->i = i;
    }
    _cleanup_free_ char *name = term_escape_str(e->engine);
    if (strbuf_appendf(&f->where, "%s%s", f->where.len ? ", " : "", name) < 0)
        return; /* bounded: a name too many is left out of the message */
}

static void find_in(struct run_sessions_all *all, const char *name, struct found *f)
{
    for (size_t k = 0; k < all->n; k++) {
        struct run_engine_sessions *e = &all->v[k];
        for (size_t i = 0; e->r == 0 && i < e->l.n; i++) {
            const struct run_session_row *x = &e->l.v[i];
            bool hit = name ? run_session_is(x, name)
                            : x->supervised && x->state == BACKEND_SESSION_RUNNING;
            if (hit)
                note(f, e, i);
        }
    }
}

static int not_one(const struct found *f, const char *name, const char *usage)
{
    if (name && f->n == 0)
        return no_such(name);
    if (name) {
        _cleanup_free_ char *shown = term_escape_str(name);
        cli_error("a session '%s' is on several engines (%s): name one with --connection NAME\n%s",
                  shown, f->where.buf, usage);
        return AGS_EXIT_USAGE;
    }
    cli_error("%s\n%s",
              f->n ? "more than one session runs: name one (`ags ps` lists them)"
                   : "no detachable session of yours runs (`ags --agent AGENT --detach` "
                     "starts one)",
              usage);
    return AGS_EXIT_USAGE;
}

int cli_sessions_reopen(const struct ags_config *cfg, struct run_engine_sessions *e)
{
    if (!e->connection)
        return 0; /* the configured engine was asked as every command asks it */
    const struct run_owned_opts opts = owned_opts(cfg);
    struct ags_error err = {0};
    if (run_sessions_reopen(&opts, e, &err) == 0)
        return 0;
    _cleanup_free_ char *name = term_escape_str(e->engine);
    cli_error("engine %s: %s", name, err.msg);
    return AGS_EXIT_FAILURE;
}

/* The engine of a session found while probing, with the usual limits: a
 * stop waits for its sandbox, an attach lasts. */
static int reopen(const struct ags_config *cfg, struct run_engine_sessions *e, size_t *i)
{
    _cleanup_free_ char *id = xstrdup(e->l.v[*i].id);
    int rc = cli_sessions_reopen(cfg, e);
    if (rc != 0 || run_session_find(&e->l, id, i) == 0)
        return rc;
    return no_such(id); /* gone meanwhile */
}

int cli_session_locate(const struct ags_config *cfg, struct run_sessions_all *all, const char *name,
                       const char *usage, struct run_sessions **ret_l, size_t *ret_i)
{
    struct found f = {0};
    strbuf_init(&f.where, AGS_CONNECTION_NAME_MAX * AGS_PS_ENGINES_MAX);
    find_in(all, name, &f);
    int rc = f.n == 1 ? reopen(cfg, f.e, &f.i) : not_one(&f, name, usage);
    strbuf_done(&f.where);
    if (rc != 0)
        return rc;
    *ret_l = &f.e->l;
    *ret_i = f.i;
    return 0;
}

int cli_session_named(const struct run_sessions *l, const char *name, size_t *ret)
{
    return run_session_find(l, name, ret) == 0 ? 0 : no_such(name);
}
