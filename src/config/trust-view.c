/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the trust prompt shows (issue 10 item 4): the whole overlay, numbered and
 * escaped so that no byte can hide a line, then a summary of what it would add.
 * Built here, below the cli, so the unit tests pin the exact text.
 */
#include "config/trust-view.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "config/internal.h"
#include "base/banned.h"

/* The view of an 8 MiB cap would not be read; TRUST_VIEW_MAX_BYTES keeps it small. */
#define TRUST_VIEW_TEXT_MAX (16u * TRUST_VIEW_MAX_BYTES + 1024u * 1024u)

static void esc(struct strbuf *sb, const char *s)
{
    if (term_escape(sb, s, strlen(s)) < 0)
        ags_oom();
}

static void putf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);

static void putf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        ags_oom();
    va_end(ap);
    esc(sb, s);
}

static void put_lines(struct strbuf *sb, const char *buf, size_t len)
{
    unsigned line = 1;
    for (const char *p = buf, *end = buf + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (strbuf_appendf(sb, "%6u | ", line) < 0 || term_escape(sb, p, n) < 0 ||
            strbuf_appends(sb, nl ? "\n" : "   (no newline at the end)\n") < 0)
            ags_oom();
        p += n + (nl ? 1 : 0);
    }
}

static void put_env_names(struct strbuf *sb, const struct cfg_strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        putf(sb, "  passes host variable %s into the sandbox (the agent can read its value)  "
                 "# line %u\n",
             v->v[i], v->at.line);
}

/* Every key of a singular table the overlay sets. */
static void put_settings(struct strbuf *sb, const struct cfg_table_schema *schema, const void *obj)
{
    for (size_t i = 0; i < schema->n_fields; i++) {
        const struct cfg_field *f = &schema->fields[i];
        const struct cfg_origin *at = cfg_field_origin(f, obj);
        if (!cfg_origin_set(at))
            continue;
        if (f->type == CFG_T_ENV_NAMES) {
            const void *slot = (const char *)obj + f->off;
            put_env_names(sb, slot);
            continue;
        }
        _cleanup_strbuf_ struct strbuf v;
        strbuf_init(&v, TRUST_VIEW_TEXT_MAX);
        cfg_render_value(&v, f, obj);
        bool unlimited = f->type == CFG_T_U32 && strcmp(f->key, "pids_limit") == 0 &&
                         strcmp(v.buf, "0") == 0;
        putf(sb, "  sets %s.%s = %s%s  # line %u\n", schema->name, f->key, v.buf,
             unlimited ? " (no limit on processes)" : "", at->line);
    }
}

static void put_mounts(struct strbuf *sb, const struct cfg_mount *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct cfg_mount *m = &v[i];
        putf(sb, "  mounts %s -> %s (%s%s%s)  # %s, line %u\n", m->host.v ? m->host.v : "?",
             m->container.v ? m->container.v : "?", cfg_mode_names[m->mode.v],
             m->create.v ? ", created if missing" : "", m->optional.v ? ", optional" : "",
             m->source.v ? m->source.v : "mount", m->at.line);
    }
}

static void put_map(struct strbuf *sb, const struct cfg_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        putf(sb, "%s%s=%s", i ? ", " : "", m->v[i].key, m->v[i].value);
}

static void put_secrets(struct strbuf *sb, const struct cfg_secret *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct cfg_secret *s = &v[i];
        putf(sb, "  secret %s", s->env.v ? s->env.v : "?");
        if (s->from_env.v)
            putf(sb, " from host variable %s", s->from_env.v);
        if (s->secret_store.n) {
            putf(sb, " from your keyring (");
            put_map(sb, &s->secret_store);
            putf(sb, ")");
        }
        if (s->provider.v == CFG_PROVIDER_ENV)
            putf(sb, " from host variable %s", s->var.v ? s->var.v : s->env.v ? s->env.v : "?");
        if (s->provider.v == CFG_PROVIDER_SECRET_TOOL) {
            putf(sb, " from your keyring (");
            put_map(sb, &s->attributes);
            putf(sb, ")");
        }
        putf(sb, "%s%s  # line %u\n", s->tool ? " for tool " : "", s->tool ? s->tool : "",
             s->at.line);
    }
}

static void put_resolved(struct strbuf *sb, const struct cfg_parts *p)
{
    if (p->n_resolved == 0)
        return;
    putf(sb, "Host paths it names, resolved now (what is mounted; a change asks again):\n");
    for (size_t i = 0; i < p->n_resolved; i++) {
        const struct cfg_resolved *r = &p->resolved[i];
        putf(sb, "  %s: %s -> %s (%s)\n", r->key, r->declared, r->resolved,
             cfg_path_type_name(r->type));
    }
}

static void put_summary(struct strbuf *sb, const struct ags_config *o, const struct cfg_parts *p)
{
    putf(sb, "What it adds or changes:\n");
    size_t header = sb->len;
    put_settings(sb, &cfg_schema_sandbox, &o->sandbox);
    put_settings(sb, &cfg_schema_browser, &o->browser);
    put_settings(sb, &cfg_schema_auth_proxy, &o->auth_proxy);
    put_settings(sb, &cfg_schema_update, &o->update);
    put_settings(sb, &cfg_schema_network, &o->network);
    put_settings(sb, &cfg_schema_ssh, &o->ssh);
    put_settings(sb, &cfg_schema_engine, &o->engine);
    put_settings(sb, &cfg_schema_remote, &o->remote);
    put_settings(sb, &cfg_schema_notify, &o->notify);
    put_settings(sb, &cfg_schema_aliases, &o->aliases);
    put_settings(sb, &cfg_schema_image, &o->image);
    put_mounts(sb, p->plain, p->n_plain);
    put_mounts(sb, p->agent, p->n_agent);
    put_mounts(sb, p->tool, p->n_tool);
    put_secrets(sb, p->secrets, p->n_secrets);
    put_secrets(sb, p->tool_secrets, p->n_tool_secrets);
    if (sb->len == header)
        putf(sb, "  nothing (no settings, mounts or secrets)\n");
    put_resolved(sb, p);
}

char *cfg_trust_view(const struct cfg_trust_request *req, const struct ags_config *overlay,
                     const struct cfg_parts *parts)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, TRUST_VIEW_TEXT_MAX);
    putf(&sb, "ags: the repo-local config %s %s.\n", req->overlay_path,
         req->changed ? "has CHANGED since you trusted it (or a path it names now resolves "
                        "elsewhere)"
                      : "is not trusted yet");
    putf(&sb, "It can add mounts, secrets and settings for agents started in %s.\n",
         req->repo_root);
    putf(&sb, "All of it, line by line (control and invisible characters shown as \\xNN or "
              "\\u{...}):\n");
    put_lines(&sb, req->content, req->content_len);
    put_summary(&sb, overlay, parts);
    return strbuf_steal(&sb);
}
