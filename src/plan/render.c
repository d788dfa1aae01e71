/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ags plan` output: every setting followed by where it came from. */
#include "plan/plan.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "plan/internal.h"
#include "base/banned.h"

/* The plan is built from bounded inputs; this only guards against runaway output. */
#define RENDER_MAX (64u * 1024u * 1024u)

static void put(struct strbuf *sb, const char *s)
{
    if (strbuf_appends(sb, s) < 0)
        ags_oom();
}

static void putf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);

static void putf(struct strbuf *sb, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        ags_oom(); /* callers format short, fixed-size values only */
    put(sb, buf);
}

static void putj(struct strbuf *sb, const char *s)
{
    if (!s) {
        put(sb, "null");
        return;
    }
    if (json_append_string(sb, s, strlen(s)) < 0)
        ags_oom();
}

static void putq(struct strbuf *sb, const char *s)
{
    if (plan_shell_quote(sb, s) < 0)
        ags_oom();
}

static const char *mount_type_name(enum plan_mount_type t)
{
    return t == PLAN_MOUNT_VOLUME ? "volume" : t == PLAN_MOUNT_COPY ? "copy" : "bind";
}

static const char *create_name(enum plan_create c)
{
    return c == PLAN_CREATE_DIR ? "dir" : c == PLAN_CREATE_FILE ? "file" : NULL;
}

/* The name of the user inside: the image's, or root. */
static const char *identity_user(const struct plan_identity *id)
{
    return id->uid == 0 ? "root" : "dev";
}

/* What each mode means for the sandbox, for `ags plan`. */
static const char *network_mode_text(enum plan_network_mode m)
{
    switch (m) {
    case PLAN_NETWORK_OPEN:
        return "its own stack, outbound through user-mode NAT";
    case PLAN_NETWORK_ALLOWLIST:
        return "no route out; only the entries below, through ags's egress proxy";
    case PLAN_NETWORK_NONE:
        return "no network at all";
    }
    return "?";
}

/* "1 GiB", "256 MiB", ...: the largest binary unit that divides size. */
static char *size_text(uint64_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    while (size && size % 1024 == 0 && u + 1 < ARRAY_SIZE(units)) {
        size /= 1024;
        u++;
    }
    return xasprintf("%" PRIu64 " %s", size, units[u]);
}

/* ---- text ---- */

static void text_line(struct strbuf *sb, const char *key, const char *value, const char *origin)
{
    put(sb, key);
    put(sb, ": ");
    put(sb, value);
    put(sb, "  # ");
    put(sb, origin);
    put(sb, "\n");
}

static void text_network(struct strbuf *sb, const struct plan_network *n)
{
    _cleanup_free_ char *mode = xasprintf("%s (%s)", plan_network_mode_name(n->mode),
                                          network_mode_text(n->mode));
    text_line(sb, "network", mode, n->origin);
    text_line(sb, "  host loopback", n->host_loopback ? "open" : "closed", n->loopback_origin);
    for (size_t i = 0; i < n->n_allow; i++) {
        _cleanup_free_ char *key = xasprintf("  allow %s", n->allow[i].text);
        put(sb, key);
        put(sb, "  # ");
        put(sb, n->allow[i].origin);
        put(sb, "\n");
    }
}

static void text_mounts(struct strbuf *sb, const struct ags_plan *p)
{
    put(sb, "mounts:\n");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        putf(sb, "  %s ", mount_type_name(m->type));
        put(sb, m->source);
        put(sb, " -> ");
        put(sb, m->destination);
        put(sb, m->read_only ? " (ro" : " (rw");
        if (m->type == PLAN_MOUNT_COPY)
            put(sb, ", copied in before the sandbox starts");
        if (m->upload_from) { /* a fresh volume of this session */
            put(sb, ", uploaded from ");
            put(sb, m->upload_from);
        } else if (m->create != PLAN_CREATE_NONE)
            putf(sb, ", created as %s if missing",
                 m->type == PLAN_MOUNT_VOLUME ? "volume" : create_name(m->create));
        if (m->stage_from) {
            put(sb, ", staged from ");
            put(sb, m->stage_from);
        }
        put(sb, ")  # ");
        put(sb, m->origin);
        put(sb, "\n");
    }
    for (size_t i = 0; i < p->n_tmpfs; i++) {
        const struct plan_tmpfs *t = &p->tmpfs[i];
        _cleanup_free_ char *size = size_text(t->size);
        put(sb, "  tmpfs ");
        put(sb, t->destination);
        putf(sb, " (%s, nosuid, nodev%s)  # ", size, t->noexec ? ", noexec" : "");
        put(sb, t->origin);
        put(sb, "\n");
    }
}

static void text_env(struct strbuf *sb, const struct ags_plan *p)
{
    put(sb, "env:\n");
    for (size_t i = 0; i < p->n_env; i++) {
        const struct plan_env *e = &p->env[i];
        put(sb, "  ");
        put(sb, e->name);
        put(sb, e->value ? "=" : " (value from the host environment)");
        put(sb, e->value ? e->value : "");
        put(sb, "  # ");
        put(sb, e->origin);
        put(sb, "\n");
    }
    put(sb, "secrets:\n");
    for (size_t i = 0; i < p->n_secrets; i++) {
        const struct plan_secret *s = &p->secrets[i];
        put(sb, "  ");
        put(sb, s->env);
        if (s->host_env)
            putf(sb, " <- host variable %s", s->host_env);
        else
            putf(sb, " <- secret[%ld]", s->config_index);
        putf(sb, " (resolved at launch, file " PLAN_SECRETS_DIR "/%s)  # ", s->env);
        put(sb, s->origin);
        put(sb, "\n");
    }
}

static void text_rest(struct strbuf *sb, const struct ags_plan *p)
{
    put(sb, "entrypoint:  # ");
    put(sb, p->argv_origin);
    put(sb, "\n ");
    for (size_t i = 0; i < p->argc; i++) {
        put(sb, " ");
        putq(sb, p->argv[i]);
    }
    put(sb, "\nlabels:\n");
    for (size_t i = 0; i < p->n_labels; i++)
        putf(sb, "  %s\n", p->labels[i]);
    if (p->n_notes)
        put(sb, "notes:\n");
    for (size_t i = 0; i < p->n_notes; i++) {
        put(sb, "  ");
        put(sb, p->notes[i]);
        put(sb, "\n");
    }
}

char *plan_render_text(const struct ags_plan *p)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, RENDER_MAX);
    text_line(&sb, "agent", plan_agent_name(p->agent), "flag --agent");
    text_line(&sb, "image", p->image.v, p->image.origin);
    text_line(&sb, "name", p->name.v, p->name.origin);
    text_line(&sb, "workdir", p->work_dir.v, p->work_dir.origin);
    if (p->engine.v) {
        _cleanup_free_ char *engine = p->remote ? xasprintf("%s (remote: the workspace is "
                                                            "uploaded)", p->engine.v)
                                                : xstrdup(p->engine.v);
        text_line(&sb, "engine", engine, p->engine.origin);
    }
    const struct plan_identity *id = &p->identity;
    _cleanup_free_ char *identity = xasprintf("%s (uid %u, gid %u) inside = your uid %u, gid %u "
                                              "outside", identity_user(id), id->uid, id->gid,
                                              p->uid, p->gid);
    text_line(&sb, "identity", identity, id->origin);
    const struct plan_security *s = &p->security;
    _cleanup_free_ char *sec = xasprintf("%s%slabel=disable",
                                         s->no_new_privileges ? "no-new-privileges, " : "",
                                         s->cap_drop_all ? "cap-drop=all, " : "");
    text_line(&sb, "security", sec, s->origin);
    _cleanup_free_ char *pids = xasprintf("%u", s->pids_limit);
    text_line(&sb, "pids_limit", pids, s->pids_origin);
    text_network(&sb, &p->network);
    text_mounts(&sb, p);
    text_env(&sb, p);
    text_rest(&sb, p);
    return strbuf_steal(&sb);
}

/* ---- JSON ---- */

static void json_kv(struct strbuf *sb, const char *key, const char *value, const char *origin)
{
    putf(sb, "  \"%s\": {\"value\": ", key);
    putj(sb, value);
    put(sb, ", \"origin\": ");
    putj(sb, origin);
    put(sb, "},\n");
}

static void json_strv(struct strbuf *sb, char *const *v, size_t n)
{
    put(sb, "[");
    for (size_t i = 0; i < n; i++) {
        put(sb, i ? ", " : "");
        putj(sb, v[i]);
    }
    put(sb, "]");
}

static void json_network(struct strbuf *sb, const struct ags_plan *p)
{
    const struct plan_network *n = &p->network;
    put(sb, "  \"network\": {\"mode\": ");
    putj(sb, plan_network_mode_name(n->mode));
    put(sb, ", \"origin\": ");
    putj(sb, n->origin);
    putf(sb, ", \"host_loopback\": %s, \"host_loopback_origin\": ",
         n->host_loopback ? "true" : "false");
    putj(sb, n->loopback_origin);
    put(sb, ", \"egress_sock\": ");
    putj(sb, p->egress_sock);
    put(sb, ", \"allow\": [");
    for (size_t i = 0; i < n->n_allow; i++) {
        put(sb, i ? ", {\"entry\": " : "{\"entry\": ");
        putj(sb, n->allow[i].text);
        put(sb, ", \"origin\": ");
        putj(sb, n->allow[i].origin);
        put(sb, "}");
    }
    put(sb, "]},\n");
}

static void json_mounts(struct strbuf *sb, const struct ags_plan *p)
{
    put(sb, "  \"mounts\": [");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        putf(sb, "%s\n    {\"type\": \"%s\", \"source\": ", i ? "," : "",
             mount_type_name(m->type));
        putj(sb, m->source);
        put(sb, ", \"destination\": ");
        putj(sb, m->destination);
        putf(sb, ", \"read_only\": %s, \"create\": ", m->read_only ? "true" : "false");
        putj(sb, create_name(m->create));
        put(sb, ", \"stage_from\": ");
        putj(sb, m->stage_from);
        if (m->upload_from) { /* remote engine only: local plans keep their shape */
            put(sb, ", \"upload_from\": ");
            putj(sb, m->upload_from);
        }
        put(sb, ", \"labels\": ");
        json_strv(sb, m->labels, strv_len(m->labels));
        put(sb, ", \"origin\": ");
        putj(sb, m->origin);
        put(sb, "}");
    }
    put(sb, "\n  ],\n  \"tmpfs\": [");
    for (size_t i = 0; i < p->n_tmpfs; i++) {
        put(sb, i ? ",\n    {\"destination\": " : "\n    {\"destination\": ");
        putj(sb, p->tmpfs[i].destination);
        putf(sb, ", \"size\": %" PRIu64 ", \"noexec\": %s, \"origin\": ", p->tmpfs[i].size,
             p->tmpfs[i].noexec ? "true" : "false");
        putj(sb, p->tmpfs[i].origin);
        put(sb, "}");
    }
    put(sb, "],\n");
}

static void json_env(struct strbuf *sb, const struct ags_plan *p)
{
    put(sb, "  \"env\": [");
    for (size_t i = 0; i < p->n_env; i++) {
        put(sb, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        putj(sb, p->env[i].name);
        put(sb, ", \"value\": ");
        putj(sb, p->env[i].value);
        put(sb, ", \"origin\": ");
        putj(sb, p->env[i].origin);
        put(sb, "}");
    }
    put(sb, "\n  ],\n  \"secrets\": [");
    for (size_t i = 0; i < p->n_secrets; i++) {
        const struct plan_secret *s = &p->secrets[i];
        put(sb, i ? ",\n    {\"env\": " : "\n    {\"env\": ");
        putj(sb, s->env);
        if (s->config_index >= 0)
            putf(sb, ", \"config_index\": %ld", s->config_index);
        else
            put(sb, ", \"config_index\": null");
        put(sb, ", \"host_env\": ");
        putj(sb, s->host_env);
        _cleanup_free_ char *file = xasprintf(PLAN_SECRETS_DIR "/%s", s->env);
        put(sb, ", \"file\": ");
        putj(sb, file);
        put(sb, ", \"origin\": ");
        putj(sb, s->origin);
        put(sb, "}");
    }
    put(sb, "],\n");
}

static void json_rest(struct strbuf *sb, const struct ags_plan *p)
{
    put(sb, "  \"argv\": ");
    json_strv(sb, p->argv, p->argc);
    put(sb, ",\n  \"argv_origin\": ");
    putj(sb, p->argv_origin);
    putf(sb, ",\n  \"default_args\": %zu,\n  \"labels\": {", p->n_default_args);
    for (size_t i = 0; i < p->n_labels; i++) {
        const char *eq = strchr(p->labels[i], '=');
        _cleanup_free_ char *key = xstrndup(p->labels[i], (size_t)(eq - p->labels[i]));
        put(sb, i ? ", " : "");
        putj(sb, key);
        put(sb, ": ");
        putj(sb, eq + 1);
    }
    put(sb, "},\n  \"notes\": ");
    json_strv(sb, p->notes, p->n_notes);
    put(sb, "\n}\n");
}

char *plan_render_json(const struct ags_plan *p)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, RENDER_MAX);
    put(&sb, "{\n");
    json_kv(&sb, "agent", plan_agent_name(p->agent), "flag --agent");
    json_kv(&sb, "image", p->image.v, p->image.origin);
    json_kv(&sb, "name", p->name.v, p->name.origin);
    json_kv(&sb, "work_dir", p->work_dir.v, p->work_dir.origin);
    if (p->engine.v)
        json_kv(&sb, "engine", p->engine.v, p->engine.origin);
    const struct plan_identity *id = &p->identity;
    put(&sb, "  \"identity\": {\"user\": ");
    putj(&sb, identity_user(id));
    putf(&sb, ", \"uid\": %u, \"gid\": %u, \"origin\": ", id->uid, id->gid);
    putj(&sb, id->origin);
    put(&sb, "},\n");
    putf(&sb, "  \"uid\": %u,\n  \"gid\": %u,\n  \"lockdown\": %s,\n", p->uid, p->gid,
         p->lockdown ? "true" : "false");
    if (p->remote) /* only then: local plans keep their shape */
        put(&sb, "  \"remote\": true,\n");
    const struct plan_security *s = &p->security;
    putf(&sb,
         "  \"security\": {\"no_new_privileges\": %s, \"cap_drop_all\": %s, "
         "\"selinux_disable\": %s, \"pids_limit\": %u, \"origin\": ",
         s->no_new_privileges ? "true" : "false", s->cap_drop_all ? "true" : "false",
         s->selinux_disable ? "true" : "false", s->pids_limit);
    putj(&sb, s->origin);
    put(&sb, ", \"pids_origin\": ");
    putj(&sb, s->pids_origin);
    put(&sb, "},\n");
    json_network(&sb, p);
    json_mounts(&sb, p);
    json_env(&sb, p);
    json_rest(&sb, p);
    return strbuf_steal(&sb);
}
