/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor facts the engine holds: itself, the image, the agents' volumes.
 * The engine is never started here, and a silent one is given up on after
 * DOCTOR_ENGINE_TIMEOUT_MS for the connect and each request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/doctor-internal.h"
#include "run/internal.h"
#include "base/banned.h"

/* Once the engine timed out, asking it more only adds to the wait. */
static bool gave_up(int r)
{
    return r == -ETIMEDOUT;
}

static int gather_image(struct backend *b, const struct ags_config *cfg,
                        struct doctor_image_facts *im)
{
    im->image = xstrdup(cfg->sandbox.image.v);
    im->own_containerfile = cfg->sandbox.containerfile.v && cfg->sandbox.containerfile.v[0];
    struct ags_error err = {0};
    if (run_image_expected_digest(cfg, im->expected, &err) < 0) {
        im->expected[0] = '\0';
        im->expected_error = xstrdup(err.msg);
    }
    err = (struct ags_error){0};
    struct backend_image_info info = {0};
    im->labels_r = b->ops->image_info(b, im->image, &info, &err);
    im->labels = info.labels;
    memcpy(im->storage_driver, info.storage_driver, sizeof(im->storage_driver));
    if (im->labels_r < 0 && im->labels_r != -ENOENT)
        im->labels_error = xstrdup(err.msg);
    return im->labels_r;
}

/* The name in a package spec: "@scope/name@1.2" -> "@scope/name". */
static char *package_name(const char *spec)
{
    const char *at = spec[0] ? strchr(spec + 1, '@') : NULL;
    return at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
}

/* A volume of a remote engine lives on that host: its path means nothing
 * here, so only whether it is there is asked. */
static int gather_agent(struct backend *b, const struct ags_config *cfg, bool remote,
                        enum plan_agent a, struct doctor_agent_facts *af)
{
    bool claude = a == PLAN_AGENT_CLAUDE;
    af->agent = a;
    (void)snprintf(af->volume, sizeof(af->volume), "ags-%s-%s", plan_agent_name(a),
                   claude ? "install" : "pnpm-home");
    _cleanup_free_ char *mountpoint = NULL;
    struct ags_error err = {0};
    af->r = b->ops->volume_path(b, af->volume, &mountpoint, &err);
    if (af->r == 0 && !remote) {
        _cleanup_free_ char *pkg = package_name(run_update_package(a, cfg->update.pi_spec.v));
        af->r = claude ? doctor_npm_version(mountpoint, pkg, af->version, sizeof(af->version), &err)
                       : doctor_pnpm_version(mountpoint, pkg, af->version, sizeof(af->version),
                                             &err);
    }
    if (af->r < 0 && af->r != -ENOENT)
        af->error = xstrdup(err.msg);
    return af->r;
}

/* What one engine holds: itself, the image, each agent. */
struct engine_out {
    struct doctor_engine_facts *e;
    bool *have_image;
    struct doctor_image_facts *image;
    struct doctor_agent_facts *agents; /* RUN_UPDATE_N_AGENTS */
    size_t *n_agents;
};

static bool is_remote(const char *uri)
{
    return uri && strncmp(uri, "ssh://", 6) == 0;
}

/* Asks the engine bo names (never started, bounded) into out. */
static void gather_at(const struct run_doctor_opts *o, const struct ags_config *cfg,
                      const struct backend_open_opts *bo, const struct engine_out *out)
{
    run_open_backend_fn *open = o->open_backend ? o->open_backend : backend_open;
    _cleanup_backend_ struct backend *b = NULL;
    struct ags_error err = {0};
    if (open(bo, &b, &err) < 0) {
        out->e->error = xstrdup(err.msg);
        return;
    }
    out->e->reachable = true;
    if (b->ops->engine_info(b, &out->e->info, &err) < 0)
        out->e->info = (struct backend_engine_info){0}; /* unknown: said as such */
    *out->have_image = true;
    if (gave_up(gather_image(b, cfg, out->image)))
        return;
    for (size_t i = 0; i < RUN_UPDATE_N_AGENTS; i++) {
        int r = gather_agent(b, cfg, is_remote(out->e->uri), run_update_agents[i],
                             &out->agents[(*out->n_agents)++]);
        if (gave_up(r))
            return;
    }
}

static void bounded(struct backend_open_opts *bo)
{
    bo->no_autostart = true;
    bo->timeout_ms = DOCTOR_ENGINE_TIMEOUT_MS;
}

void doctor_gather_engine(const struct run_doctor_opts *o, const struct ags_config *cfg,
                          struct doctor_facts *f)
{
    const struct run_callbacks quiet = {0};
    struct backend_open_opts bo;
    run_backend_open_opts(cfg, o->getenv, &quiet, NULL, &bo);
    bounded(&bo);
    struct doctor_engine_facts *e = &f->engine;
    e->configured = bo.kind;
    /* Doctor never starts Podman, so "auto" is decided as a run would: Podman
     * where it is installed (a run starts its service), else bubblewrap. */
    if (bo.kind == BACKEND_AUTO)
        bo.kind = f->host.podman || env_nonempty(bo.getenv, "CONTAINER_HOST") ||
                                  bo.connection || bo.conf_connection || bo.url
                          ? BACKEND_PODMAN
                          : BACKEND_BWRAP;
    e->looked_at = bo.kind;
    if (backend_podman_target(&bo, &e->uri, NULL, NULL) < 0)
        e->uri = xstrdup("");
    const struct engine_out out = {e, &f->have_image, &f->image, f->agents, &f->n_agents};
    gather_at(o, cfg, &bo, &out);
}

void doctor_gather_connections(const struct run_doctor_opts *o, const struct ags_config *cfg,
                               struct doctor_facts *f)
{
    _cleanup_strv_free_ char **names = NULL;
    if (o->connection || run_engine_others(cfg, o->getenv, &names, NULL, NULL) < 0)
        return; /* a broken containers.conf is the configured engine's verdict */
    size_t n = strv_len(names);
    f->connections = xcalloc(n ? n : 1, sizeof(*f->connections));
    for (size_t i = 0; i < n && i < AGS_PS_ENGINES_MAX; i++) {
        struct doctor_connection_facts *c = &f->connections[f->n_connections++];
        c->name = xstrdup(names[i]);
        const struct run_callbacks quiet = {0};
        struct backend_open_opts bo;
        run_backend_open_opts(cfg, o->getenv, &quiet, NULL, &bo);
        bounded(&bo);
        bo.kind = BACKEND_PODMAN;
        bo.connection = c->name;
        bo.url = NULL;
        c->engine.configured = c->engine.looked_at = BACKEND_PODMAN;
        if (backend_podman_target(&bo, &c->engine.uri, NULL, NULL) < 0)
            c->engine.uri = xstrdup("");
        const struct engine_out out = {&c->engine, &c->have_image, &c->image, c->agents,
                                       &c->n_agents};
        gather_at(o, cfg, &bo, &out);
    }
}
