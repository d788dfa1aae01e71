/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Environment (ags-behaviour.md section 2.8, docs/run-mode.md) and secret
 * references.  No secret value is ever part of the plan: a secret is a config
 * index or a host variable name that the runner resolves at launch and hands
 * over as an ephemeral Podman secret.
 */
#include "plan/plan.h"

#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "plan/internal.h"
#include "base/banned.h"

/* System directories first: everything after them is a volume or lies under
 * the home, writable by the agent and kept between its runs, so it may add
 * programs but never replace one of the image's.  No relative or empty entry:
 * the workspace (a repo's node_modules/.bin) is never searched. */
#define SANDBOX_PATH                        \
    PLAN_SYSTEM_PATH ":/usr/local/cargo/bin" \
    ":" PLAN_HOME "/.local/bin"              \
    ":" PLAN_HOME "/.cargo/bin"              \
    ":" PLAN_HOME "/go/bin"                  \
    ":/usr/local/pnpm:/usr/local/pnpm/bin"   \
    ":" PLAN_HOME "/.npm-global/bin"

void plan_add_env(struct plan_builder *b, const char *name, const char *value,
                  const char *origin)
{
    struct ags_plan *p = b->p;
    p->env = xgrow(p->env, &b->cap_env, p->n_env + 1, sizeof(*p->env));
    p->env[p->n_env++] = (struct plan_env){
        .name = xstrdup(name),
        .value = value ? xstrdup(value) : NULL,
        .origin = xstrdup(origin),
    };
}

static bool has_mount(const struct ags_plan *p, const char *dest)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (strcmp(p->mounts[i].destination, dest) == 0)
            return true;
    return false;
}

static void add_secret(struct plan_builder *b, const char *env, long index, const char *host_env,
                       char *origin /* taken */)
{
    struct ags_plan *p = b->p;
    p->secrets = xgrow(p->secrets, &b->cap_secrets, p->n_secrets + 1, sizeof(*p->secrets));
    p->secrets[p->n_secrets++] = (struct plan_secret){
        .env = xstrdup(env),
        .config_index = index,
        .host_env = host_env ? xstrdup(host_env) : NULL,
        .origin = origin,
    };
}

static bool is_secret_target(const struct ags_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_secrets; i++)
        if (strcmp(cfg->secrets[i].env.v, name) == 0)
            return true;
    return false;
}

/* Why a secret may not set this variable, or NULL.  The entrypoint exports
 * secrets before its own commands run: a PATH (or any variable the plan sets)
 * would replace the plan's, ags_path the PATH it hands over, and these make
 * bash or the dynamic loader run a file before the agent does. */
static const char *reserved_secret_name(const struct ags_plan *p, const char *name)
{
    static const char *const startup[] = {"BASH_ENV",   "ENV",        "SHELLOPTS",
                                          "BASHOPTS",   "LD_PRELOAD", "LD_LIBRARY_PATH",
                                          "LD_AUDIT"};
    for (size_t i = 0; i < ARRAY_SIZE(startup); i++)
        if (strcmp(startup[i], name) == 0)
            return "it makes the shell or the dynamic loader run a file first";
    if (str_has_prefix(name, "ags_"))
        return "the entrypoint script uses ags_* variables itself";
    if (strcmp(name, PLAN_HOST_LOOPBACK_ENV) == 0)
        return "the sandbox sets it itself (the host loopback's address)";
    for (size_t i = 0; i < p->n_env; i++)
        if (strcmp(p->env[i].name, name) == 0)
            return "the sandbox sets it itself";
    return NULL;
}

static bool skip_reserved(struct plan_builder *b, const char *what, const char *name)
{
    const char *why = reserved_secret_name(b->p, name);
    if (why)
        plan_note(b, "%s %s skipped: %s", what, name, why);
    return why != NULL;
}

/* Every [[secret]] entry in order (the resolver keeps the first that yields a
 * value per target), then each passthrough_env name that no secret targets.
 * OP_* names are 1Password's session tokens: never handed to an agent. */
static void build_secrets(struct plan_builder *b)
{
    const struct ags_config *cfg = b->in->cfg;
    const struct cfg_strv *pass = &cfg->sandbox.passthrough_env;
    if (b->in->flags.lockdown) {
        if (cfg->n_secrets || pass->n)
            plan_note(b, "--lockdown: no secret and no passthrough_env variable is handed over");
        return;
    }
    for (size_t i = 0; i < cfg->n_secrets; i++)
        if (!skip_reserved(b, "secret", cfg->secrets[i].env.v))
            add_secret(b, cfg->secrets[i].env.v, (long)i, NULL,
                       plan_cfg_origin(&cfg->secrets[i].at));
    _cleanup_free_ char *at = plan_cfg_origin(&pass->at);
    for (size_t i = 0; i < pass->n; i++) {
        const char *name = pass->v[i];
        if (str_has_prefix(name, "OP_")) {
            plan_note(b, "passthrough_env %s skipped (OP_* variables are never passed)", name);
            continue;
        }
        if (is_secret_target(cfg, name) || skip_reserved(b, "passthrough_env", name))
            continue;
        add_secret(b, name, -1, name, xasprintf("sandbox.passthrough_env (%s)", at));
    }
}

void plan_build_env(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    bool lockdown = in->flags.lockdown;
    plan_add_env(b, "HOME", PLAN_HOME, "default");
    /* Before the system directories: the image's own xdg-open (if any)
     * cannot open anything on the host; the helper's is read-only. */
    if (has_mount(b->p, PLAN_HELPER_XDG_OPEN))
        plan_add_env(b, "PATH", PLAN_HELPER_DIR ":" SANDBOX_PATH,
                     "default, auth proxy opener first");
    else
        plan_add_env(b, "PATH", SANDBOX_PATH, "default");
    plan_add_env(b, "RUSTUP_HOME", "/usr/local/rustup", "default");
    plan_add_env(b, "AGS_SANDBOX", "1", "default");
    plan_add_env(b, "NPM_CONFIG_STORE_DIR", "/usr/local/pnpm/.store", "default");
    plan_add_env(b, "NPM_CONFIG_GLOBAL_BIN_DIR", "/usr/local/pnpm", "default");
    if (lockdown) {
        plan_add_env(b, "AGS_LOCKDOWN", "1", "flag --lockdown");
    } else {
        /* Only what is really there: a missing gitconfig or ssh agent leaves
         * no dangling variable behind (inconsistency 5). */
        if (has_mount(b->p, PLAN_GITCONFIG))
            plan_add_env(b, "GIT_CONFIG_GLOBAL", PLAN_GITCONFIG, "gitconfig");
        if (b->p->ssh_agent_sock)
            plan_add_env(b, "SSH_AUTH_SOCK", PLAN_SSH_SOCK, "ssh agent");
        plan_add_env(b, "AGS_HOST_SERVICES_HOST", PLAN_HOST_SERVICES, "default");
        plan_add_env(b, "AGS_HOST_SERVICES_HINT", PLAN_HOST_SERVICES_HINT, "default");
        plan_add_env(b, "PNPM_HOME", "/usr/local/pnpm", "agent volume");
        plan_add_env(b, "CARGO_HOME", PLAN_HOME "/.cargo", "agent cache");
        plan_add_env(b, "GOPATH", PLAN_HOME "/go", "agent cache");
        plan_add_env(b, "GOCACHE", PLAN_HOME "/.cache/go-build", "agent cache");
        plan_add_env(b, "SCCACHE_DIR", PLAN_HOME "/.cache/sccache", "agent cache");
        plan_add_env(b, "NPM_CONFIG_PREFIX", PLAN_HOME "/.npm-global", "agent volume");
    }
    if (in->flags.yolo)
        plan_add_env(b, "AGS_GUARD_YOLO", "1", "flag --yolo");
    plan_add_egress_env(b);
    if (has_mount(b->p, PLAN_HELPER_XDG_OPEN))
        plan_add_env(b, "BROWSER", PLAN_HELPER_XDG_OPEN, "auth proxy");
    if (in->flags.maintenance)
        return; /* nothing of the host: no passthrough, no secret */
    if (!lockdown) {
        static const char *const names[] = {"TERM", "COLORTERM", "EDITOR", "VISUAL"};
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
            plan_add_env(b, names[i], NULL, "host passthrough");
    }
    build_secrets(b);
}
