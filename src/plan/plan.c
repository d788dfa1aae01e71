/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "plan/internal.h"
#include "base/banned.h"

static const char *const agent_names[PLAN_AGENT_COUNT] = {
    [PLAN_AGENT_PI] = "pi",         [PLAN_AGENT_CLAUDE] = "claude",
    [PLAN_AGENT_CODEX] = "codex",   [PLAN_AGENT_GEMINI] = "gemini",
    [PLAN_AGENT_OPENCODE] = "opencode", [PLAN_AGENT_SHELL] = "shell",
};

const char *plan_agent_name(enum plan_agent a)
{
    return (unsigned)a < PLAN_AGENT_COUNT ? agent_names[a] : "?";
}

int plan_agent_from_name(const char *name, enum plan_agent *ret)
{
    for (unsigned i = 0; i < PLAN_AGENT_COUNT; i++)
        if (strcmp(name, agent_names[i]) == 0) {
            *ret = (enum plan_agent)i;
            return 0;
        }
    return -EINVAL;
}

void plan_note(struct plan_builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[2048];
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct ags_plan *p = b->p;
    p->notes = xgrow(p->notes, &b->cap_notes, p->n_notes + 2, sizeof(*p->notes));
    p->notes[p->n_notes++] = xstrdup(msg);
    p->notes[p->n_notes] = NULL;
}

char *plan_cfg_origin(const struct cfg_origin *at)
{
    if (!at || !at->file)
        return xstrdup("default");
    return xasprintf("config %s:%u", at->file, at->line);
}

char *plan_cfg_origin_col(const struct cfg_origin *at)
{
    if (!at || !at->file)
        return xstrdup("default");
    return xasprintf("config %s:%u:%u", at->file, at->line, at->col);
}


struct plan_mount *plan_add_mount(struct plan_builder *b, enum plan_mount_type type,
                                  const char *source, const char *destination, bool read_only,
                                  char *origin)
{
    struct ags_plan *p = b->p;
    p->mounts = xgrow(p->mounts, &b->cap_mounts, p->n_mounts + 1, sizeof(*p->mounts));
    struct plan_mount *m = &p->mounts[p->n_mounts++];
    *m = (struct plan_mount){
        .type = type,
        .source = xstrdup(source),
        .destination = xstrdup(destination),
        .read_only = read_only,
        .origin = origin,
    };
    return m;
}

static void str_done(struct plan_str *s)
{
    free(s->v);
    free(s->origin);
}

/* Section 2.3: --root trades the image user dev and the hardening for root
 * in the sandbox; inside ids map to the caller either way. */
static void build_security(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    struct ags_plan *p = b->p;
    bool root = in->flags.root;
    p->identity.uid = root ? 0 : PLAN_SANDBOX_UID;
    p->identity.gid = root ? 0 : PLAN_SANDBOX_GID;
    p->identity.origin = xstrdup(root ? "flag --root" : "default");
    p->uid = in->host.uid;
    p->gid = in->host.gid;
    p->security.no_new_privileges = !root;
    p->security.cap_drop_all = !root;
    p->security.selinux_disable = true;
    p->security.origin = xstrdup(root ? "flag --root" : in->flags.lockdown ? "flag --lockdown"
                                                                           : "default");
    p->security.pids_limit = in->cfg->sandbox.pids_limit.v;
    p->security.pids_origin = plan_cfg_origin(&in->cfg->sandbox.pids_limit.at);
}

/* The labels ags ps shows: outside input there (any byte in a path), so the
 * work dir is percent-encoded into one printable word that every engine and
 * the bwrap store's line files keep as it is. */
static void add_session_labels(const struct plan_input *in, struct ags_plan *p)
{
    _cleanup_free_ char *dir = str_pct_encode(p->work_dir.v);
    p->labels[p->n_labels++] = xasprintf(PLAN_LABEL_WORKDIR "=%s", dir);
    p->labels[p->n_labels++] =
            xasprintf(PLAN_LABEL_LOCKDOWN "=%s", p->lockdown ? "true" : "false");
    p->labels[p->n_labels++] =
            xasprintf(PLAN_LABEL_NETWORK "=%s", plan_network_mode_name(p->network.mode));
    char started[CLOCK_UTC_TEXT];
    clock_format_utc(in->host.started, started, sizeof(started));
    if (in->host.started > 0 && started[0])
        p->labels[p->n_labels++] = xasprintf(PLAN_LABEL_STARTED "=%s", started);
}

static void build_labels(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    struct ags_plan *p = b->p;
    p->labels = xcalloc(PLAN_LABELS_MAX + 1, sizeof(*p->labels));
    p->labels[0] = xstrdup(PLAN_LABEL_MANAGED "=true");
    p->labels[1] = xasprintf(PLAN_LABEL_SESSION "=%s", in->host.session_id);
    p->labels[2] = xasprintf(PLAN_LABEL_AGENT "=%s", plan_agent_name(in->agent));
    p->labels[3] = xasprintf(PLAN_LABEL_PID "=%u", in->host.pid);
    p->n_labels = 4;
    /* Without it (no /proc) nothing this run leaves can be proven dead: the
     * sweep keeps it. */
    if (in->host.owner)
        p->labels[p->n_labels++] = xasprintf(PLAN_LABEL_OWNER "=%s", in->host.owner);
    add_session_labels(in, p);
}

/* The label key=... in p->labels, replaced by key=value (or added). */
static void label_put(struct ags_plan *p, const char *key, const char *value)
{
    size_t n = strlen(key), i = 0;
    while (i < p->n_labels && !(strncmp(p->labels[i], key, n) == 0 && p->labels[i][n] == '='))
        i++;
    if (i == p->n_labels) {
        if (p->n_labels >= PLAN_LABELS_MAX)
            return; /* cannot happen: PLAN_LABELS_MAX counts every label there is */
        p->n_labels++;
    }
    free(p->labels[i]);
    p->labels[i] = xasprintf("%s=%s", key, value);
}

void plan_set_supervisor(struct ags_plan *p, uint32_t pid, const char *owner)
{
    char text[16];
    (void)snprintf(text, sizeof(text), "%u", pid);
    label_put(p, PLAN_LABEL_PID, text);
    if (owner)
        label_put(p, PLAN_LABEL_OWNER, owner);
    label_put(p, PLAN_LABEL_SUPERVISED, "true");
}

static int check_input(const struct plan_input *in, struct ags_error *err)
{
    const struct plan_flags *f = &in->flags;
    if ((unsigned)in->agent >= PLAN_AGENT_COUNT)
        return ags_error_set(err, -EINVAL, "invalid agent");
    if (f->stop_when_done && !f->tmux)
        return ags_error_set(err, -EINVAL, "--stop-when-done requires --tmux");
    if (f->detach && !f->tmux)
        return ags_error_set(err, -EINVAL, "--detach runs the agent in tmux: set tmux too");
    if (f->lockdown && f->root)
        return ags_error_set(err, -EINVAL, "--lockdown cannot be combined with --root");
    if (f->maintenance && (f->lockdown || f->root || f->tmux || f->detach || f->n_add_dirs || f->n_passthrough ||
                           f->network_set || f->n_allow))
        return ags_error_set(err, -EINVAL, "a maintenance run takes no run flags");
    if (!in->host.cwd || in->host.cwd[0] != '/')
        return ags_error_set(err, -EINVAL, "the working directory must be an absolute path");
    if (f->lockdown && !in->host.lockdown_staging_dir)
        return ags_error_set(err, -EINVAL, "--lockdown needs a staging directory");
    if (!in->host.session_id || !in->host.path_exists || !in->cfg)
        return ags_error_set(err, -EINVAL, "incomplete plan input");
    /* Lockdown is for repositories you do not trust: their overlay could
     * supply staging sources, the image or pids_limit (issue 10 item 5). */
    if (f->lockdown && in->cfg->overlay_path)
        return ags_error_set(err, -EINVAL,
                             "--lockdown never uses a repository's overlay, but the config "
                             "includes %s", in->cfg->overlay_path);
    return 0;
}

int plan_build(const struct plan_input *in, struct ags_plan **ret, struct ags_error *err)
{
    int r = check_input(in, err);
    if (r < 0)
        return r;
    _cleanup_plan_ struct ags_plan *p = xcalloc(1, sizeof(*p));
    struct plan_builder b = {.in = in, .p = p, .err = err};
    p->agent = in->agent;
    p->lockdown = in->flags.lockdown;
    p->tmux = in->flags.tmux;
    p->detach = in->flags.detach;
    p->root = in->flags.root;
    p->yolo = in->flags.yolo;
    p->image.v = xstrdup(in->cfg->sandbox.image.v);
    p->image.origin = plan_cfg_origin(&in->cfg->sandbox.image.at);
    p->maintenance = in->flags.maintenance != NULL;
    p->remote = in->host.remote_engine && !p->maintenance;
    if (p->maintenance) {
        /* Nothing of the host is mounted: it works in the sandbox home. */
        p->work_dir.v = xstrdup(PLAN_HOME);
        p->work_dir.origin = xstrdup("maintenance");
        p->name.v = xasprintf("ags-update-%s-%04x", plan_agent_name(in->agent),
                              (unsigned)in->host.name_rand);
        p->name.origin = xstrdup("maintenance + random suffix");
    } else {
        p->work_dir.v = xstrdup(in->host.cwd);
        p->work_dir.origin = xstrdup("working directory");
        p->name.v = plan_container_name(in->host.cwd, in->host.git_dir,
                                        in->host.git_common_dir, in->host.name_rand);
        p->name.origin = xstrdup("working directory (worktrees: main repository) + random suffix");
    }
    if (in->flags.lockdown && in->host.ignored_overlay)
        plan_note(&b, "repo-local config %s ignored: --lockdown never reads a repository's "
                      "overlay", in->host.ignored_overlay);
    build_security(&b);
    r = plan_remote_check(&b);
    if (r < 0)
        return r;
    r = plan_build_network(&b);
    if (r < 0)
        return r;
    r = plan_build_mounts(&b);
    if (r < 0)
        return r;
    plan_build_env(&b);
    plan_build_entrypoint(&b);
    build_labels(&b);
    *ret = TAKE_PTR(p);
    return 0;
}

const char *plan_label_value(char *const *labels, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; labels && labels[i]; i++)
        if (strncmp(labels[i], key, n) == 0 && labels[i][n] == '=')
            return labels[i] + n + 1;
    return NULL;
}

bool plan_label_is_true(char *const *labels, const char *key)
{
    const char *v = plan_label_value(labels, key);
    return v && strcmp(v, "true") == 0;
}

struct ags_plan *plan_free(struct ags_plan *p)
{
    if (!p)
        return NULL;
    str_done(&p->image);
    str_done(&p->name);
    str_done(&p->work_dir);
    str_done(&p->engine);
    free(p->identity.origin);
    free(p->security.origin);
    free(p->security.pids_origin);
    free(p->network.origin);
    free(p->network.loopback_origin);
    for (size_t i = 0; i < p->network.n_allow; i++) {
        free(p->network.allow[i].text);
        free(p->network.allow[i].origin);
    }
    free(p->network.allow);
    free(p->ssh_agent_sock);
    free(p->auth_proxy_sock);
    free(p->egress_sock);
    for (size_t i = 0; i < p->n_mounts; i++) {
        struct plan_mount *m = &p->mounts[i];
        free(m->source);
        free(m->destination);
        free(m->stage_from);
        free(m->upload_from);
        strv_free(m->labels);
        free(m->origin);
    }
    free(p->mounts);
    for (size_t i = 0; i < p->n_tmpfs; i++) {
        free(p->tmpfs[i].destination);
        free(p->tmpfs[i].origin);
    }
    free(p->tmpfs);
    for (size_t i = 0; i < p->n_env; i++) {
        free(p->env[i].name);
        free(p->env[i].value);
        free(p->env[i].origin);
    }
    free(p->env);
    for (size_t i = 0; i < p->n_secrets; i++) {
        free(p->secrets[i].env);
        free(p->secrets[i].host_env);
        free(p->secrets[i].origin);
    }
    free(p->secrets);
    strv_free(p->argv);
    free(p->argv_origin);
    strv_free(p->labels);
    strv_free(p->notes);
    free(p);
    return NULL;
}
