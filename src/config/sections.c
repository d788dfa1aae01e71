/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

/* Sections of the original ags that this ags does not implement (yet). */
static const char *const unsupported_sections[] = {
    "host_ui", "clipboard", "desktop_passthrough", "psp", NULL,
};

static const char *const top_level_keys[] = {
    "sandbox", "mount", "agent_mount", "tool", "secret", "auth_proxy", "browser", "update", "network",
    "ssh", "engine", "remote", "notify", "image", "aliases", NULL,
};

static bool want_table(struct cfg_decoder *d, const struct toml_value *v, const char *ctx)
{
    if (v->type == TOML_TABLE)
        return true;
    cfg_report_error(d, v->pos, ctx, "expected a table ([%s]), found %s", ctx,
                     toml_type_name(v->type));
    return false;
}

/* Calls fn for every table of an array of tables; reports other shapes. */
static void each_entry(struct cfg_decoder *d, const struct toml_value *v, const char *name,
                       void (*fn)(struct cfg_decoder *, const struct toml_value *, const char *,
                                  void *),
                       void *userdata)
{
    if (v->type != TOML_ARRAY) {
        cfg_report_error(d, v->pos, name, "expected an array of tables ([[%s]]), found %s", name,
                         toml_type_name(v->type));
        return;
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        _cleanup_free_ char *ctx = xasprintf("%s[%zu]", name, i);
        const struct toml_value *item = v->u.arr.items[i];
        if (item->type != TOML_TABLE) {
            cfg_report_error(d, item->pos, ctx, "expected a table, found %s",
                             toml_type_name(item->type));
            continue;
        }
        fn(d, item, ctx, userdata);
    }
}

static struct cfg_mount *push_mount(struct cfg_mount **v, size_t *n, size_t *cap)
{
    *v = xgrow(*v, cap, *n + 1, sizeof(**v));
    struct cfg_mount *m = &(*v)[(*n)++];
    *m = (struct cfg_mount){0};
    return m;
}

static struct cfg_secret *push_secret(struct cfg_secret **v, size_t *n, size_t *cap)
{
    *v = xgrow(*v, cap, *n + 1, sizeof(**v));
    struct cfg_secret *s = &(*v)[(*n)++];
    *s = (struct cfg_secret){0};
    return s;
}

static void set_label(struct cfg_str *label, const char *text)
{
    if (!label->v)
        label->v = xstrdup(text);
}

static void decode_mount(struct cfg_decoder *d, const struct toml_value *t, const char *ctx,
                         void *userdata _unused_)
{
    struct cfg_mount *m = push_mount(&d->parts.plain, &d->parts.n_plain, &d->parts.cap_plain);
    m->at = cfg_origin_at(d, t->pos);
    cfg_decode_fields(d, t, ctx, &cfg_schema_mount, m, NULL);
    set_label(&m->source, "config");
}

static void decode_agent_mount(struct cfg_decoder *d, const struct toml_value *t, const char *ctx,
                               void *userdata _unused_)
{
    struct cfg_mount *m = push_mount(&d->parts.agent, &d->parts.n_agent, &d->parts.cap_agent);
    m->at = cfg_origin_at(d, t->pos);
    cfg_decode_fields(d, t, ctx, &cfg_schema_agent_mount, m, NULL);
    /* Agent homes are always mounted read-write and must exist. */
    m->mode = (struct cfg_u32){.v = CFG_MODE_RW, .at = m->at};
    set_label(&m->source, "agent_mount");
}

static void check_secret_sources(struct cfg_decoder *d, const struct toml_value *t,
                                 const char *ctx, const struct cfg_secret *s)
{
    if (s->command.n && d->is_overlay) {
        const struct toml_kv *kv = toml_table_find(t, "command");
        cfg_report_error(d, kv ? kv->key_pos : t->pos, ctx,
                         "a repo-local config may not define a 'command' secret source (it "
                         "would run a program of the repository's choosing on your machine); "
                         "move it to your own config");
    }
    bool has_provider = cfg_origin_set(&s->provider.at);
    if (!s->from_env.v && !s->secret_store.n && !s->command.n && !has_provider &&
        !toml_table_find(t, "command") && !toml_table_find(t, "secret_store") &&
        !toml_table_find(t, "from_env") && !toml_table_find(t, "provider"))
        cfg_report_error(d, t->pos, ctx,
                         "must define at least one source: from_env, secret_store, command, or "
                         "provider");
    if (s->provider.v == CFG_PROVIDER_SECRET_TOOL && !s->attributes.n &&
        !toml_table_find(t, "attributes"))
        cfg_report_error(d, t->pos, ctx, "provider 'secret-tool' needs an 'attributes' table");
    if (s->provider.v != CFG_PROVIDER_ENV && cfg_origin_set(&s->var.at))
        cfg_report_warning(d, t->pos, ctx, "'var' is only used with provider = \"env\"; ignoring");
}

static void decode_secret_into(struct cfg_decoder *d, const struct toml_value *t, const char *ctx,
                               const struct cfg_table_schema *schema, struct cfg_secret *s)
{
    s->at = cfg_origin_at(d, t->pos);
    cfg_decode_fields(d, t, ctx, schema, s, NULL);
    check_secret_sources(d, t, ctx, s);
}

static void decode_secret(struct cfg_decoder *d, const struct toml_value *t, const char *ctx,
                          void *userdata _unused_)
{
    struct cfg_secret *s =
            push_secret(&d->parts.secrets, &d->parts.n_secrets, &d->parts.cap_secrets);
    decode_secret_into(d, t, ctx, &cfg_schema_secret, s);
}

struct tool_ctx {
    const char *name;
};

static void decode_tool_directory(struct cfg_decoder *d, const struct toml_value *t,
                                  const char *ctx, void *userdata)
{
    const struct tool_ctx *tc = userdata;
    struct cfg_mount *m = push_mount(&d->parts.tool, &d->parts.n_tool, &d->parts.cap_tool);
    m->at = cfg_origin_at(d, t->pos);
    cfg_decode_fields(d, t, ctx, &cfg_schema_tool_directory, m, NULL);
    _cleanup_free_ char *label = xasprintf("tool:%s:directory", tc->name);
    set_label(&m->source, label);
}

static void decode_tool_secret(struct cfg_decoder *d, const struct toml_value *t, const char *ctx,
                               void *userdata)
{
    const struct tool_ctx *tc = userdata;
    struct cfg_secret *s = push_secret(&d->parts.tool_secrets, &d->parts.n_tool_secrets,
                                       &d->parts.cap_tool_secrets);
    decode_secret_into(d, t, ctx, &cfg_schema_tool_secret, s);
    s->tool = xstrdup(tc->name);
}

/* The tool's binary becomes a file mount ahead of its directories. */
static void add_tool_binary(struct cfg_decoder *d, const struct cfg_tool *tool)
{
    if (!tool->path.v || !tool->container_path.v)
        return;
    struct cfg_mount *m = push_mount(&d->parts.tool, &d->parts.n_tool, &d->parts.cap_tool);
    m->at = tool->at;
    m->host = (struct cfg_str){xstrdup(tool->path.v), tool->path.at};
    m->container = (struct cfg_str){xstrdup(tool->container_path.v), tool->container_path.at};
    m->mode = tool->mode;
    m->kind = (struct cfg_u32){.v = CFG_KIND_FILE, .at = tool->at};
    m->when = tool->when;
    m->optional = tool->optional;
    m->source = (struct cfg_str){xasprintf("tool:%s:binary", tool->name.v), tool->at};
}

static void decode_tool(struct cfg_decoder *d, const struct toml_value *t, const char *ctx,
                        void *userdata _unused_)
{
    static const char *const subtables[] = {CFG_TOOL_DIRECTORY_KEY, CFG_TOOL_SECRET_KEY, NULL};
    struct ags_config *c = d->cfg;
    c->tools = xgrow(c->tools, &d->parts.cap_tools, c->n_tools + 1, sizeof(*c->tools));
    struct cfg_tool *tool = &c->tools[c->n_tools++];
    *tool = (struct cfg_tool){.at = cfg_origin_at(d, t->pos)};
    cfg_decode_fields(d, t, ctx, &cfg_schema_tool, tool, subtables);
    add_tool_binary(d, tool);

    struct tool_ctx tc = {.name = tool->name.v ? tool->name.v : "?"};
    const struct toml_value *dirs = toml_table_get(t, CFG_TOOL_DIRECTORY_KEY);
    if (dirs) {
        _cleanup_free_ char *dctx = xasprintf("%s.directory", ctx);
        each_entry(d, dirs, dctx, decode_tool_directory, &tc);
    }
    const struct toml_value *secrets = toml_table_get(t, CFG_TOOL_SECRET_KEY);
    if (secrets) {
        _cleanup_free_ char *sctx = xasprintf("%s.secret", ctx);
        each_entry(d, secrets, sctx, decode_tool_secret, &tc);
    }
}

static bool is_unsupported(const char *key)
{
    for (size_t i = 0; unsupported_sections[i]; i++)
        if (strcmp(key, unsupported_sections[i]) == 0)
            return true;
    return false;
}

static void decode_top_level(struct cfg_decoder *d, const struct toml_kv *kv)
{
    const char *k = kv->key;
    const struct toml_value *v = kv->value;
    struct ags_config *c = d->cfg;
    if (strcmp(k, "sandbox") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_sandbox, &c->sandbox, NULL);
    } else if (strcmp(k, "browser") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_browser, &c->browser, NULL);
    } else if (strcmp(k, "auth_proxy") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_auth_proxy, &c->auth_proxy, NULL);
    } else if (strcmp(k, "update") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_update, &c->update, NULL);
    } else if (strcmp(k, "network") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_network, &c->network, NULL);
    } else if (strcmp(k, "ssh") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_ssh, &c->ssh, NULL);
    } else if (strcmp(k, "engine") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_engine, &c->engine, NULL);
    } else if (strcmp(k, "remote") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_remote, &c->remote, NULL);
    } else if (strcmp(k, "notify") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_notify, &c->notify, NULL);
    } else if (strcmp(k, "image") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_image, &c->image, NULL);
    } else if (strcmp(k, "aliases") == 0) {
        if (want_table(d, v, k))
            cfg_decode_fields(d, v, k, &cfg_schema_aliases, &c->aliases, NULL);
    } else if (strcmp(k, "mount") == 0) {
        each_entry(d, v, k, decode_mount, NULL);
    } else if (strcmp(k, "agent_mount") == 0) {
        each_entry(d, v, k, decode_agent_mount, NULL);
    } else if (strcmp(k, "tool") == 0) {
        each_entry(d, v, k, decode_tool, NULL);
    } else if (strcmp(k, "secret") == 0) {
        each_entry(d, v, k, decode_secret, NULL);
    } else if (is_unsupported(k)) {
        cfg_report_warning(d, kv->key_pos, k,
                           "section [%s] is not supported by this version of ags; ignoring", k);
    } else {
        cfg_warn_unknown_key(d, kv->key_pos, "config", k, top_level_keys);
    }
}

void cfg_decode_document(struct cfg_decoder *d, const struct toml_value *root)
{
    for (size_t i = 0; i < root->u.tab.len; i++)
        decode_top_level(d, &root->u.tab.items[i]);
    if (!d->is_overlay && !toml_table_get(root, "sandbox"))
        cfg_report_error(d, (struct toml_pos){1, 1}, "sandbox",
                         "missing required table [sandbox] (it needs at least image = \"...\")");
}
