/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "base/banned.h"

/* `ags config show` output can be large but never unbounded: configs are capped. */
#define RENDER_MAX (64u * 1024u * 1024u)

static void put(struct strbuf *sb, const char *s)
{
    if (strbuf_appends(sb, s) < 0)
        ags_oom();
}

static void putq(struct strbuf *sb, const char *s, bool json)
{
    int r = json ? json_append_string(sb, s, strlen(s)) : toml_append_string(sb, s);
    if (r < 0)
        ags_oom();
}

/* Appends the field's value as TOML/JSON (the syntax is the same for these shapes
 * except maps). */
static void put_value(struct strbuf *sb, const struct cfg_field *f, const void *obj, bool json)
{
    const void *slot = (const char *)obj + f->off;
    switch (cfg_shape_of(f->type)) {
    case CFG_SHAPE_BOOL:
        put(sb, ((const struct cfg_bool *)slot)->v ? "true" : "false");
        break;
    case CFG_SHAPE_U32: {
        uint32_t v = ((const struct cfg_u32 *)slot)->v;
        char num[16];
        (void)snprintf(num, sizeof(num), "%u", v);
        if (f->type == CFG_T_ENUM) /* stored as the index of its name */
            putq(sb, f->names[v], json);
        else
            put(sb, num);
        break;
    }
    case CFG_SHAPE_U64: { /* a size: the spelling the file takes */
        char text[SIZE_TEXT_MAX];
        size_text(((const struct cfg_u64 *)slot)->v, text);
        putq(sb, text, json);
        break;
    }
    case CFG_SHAPE_STRV: {
        const struct cfg_strv *v = slot;
        put(sb, "[");
        for (size_t i = 0; i < v->n; i++) {
            put(sb, i ? ", " : "");
            putq(sb, v->v[i], json);
        }
        put(sb, "]");
        break;
    }
    case CFG_SHAPE_MAP: {
        const struct cfg_map *m = slot;
        put(sb, "{");
        for (size_t i = 0; i < m->n; i++) {
            put(sb, i ? ", " : json ? "" : " ");
            putq(sb, m->v[i].key, json);
            put(sb, json ? ": " : " = ");
            putq(sb, m->v[i].value, json);
        }
        put(sb, json || m->n == 0 ? "}" : " }");
        break;
    }
    case CFG_SHAPE_STR: {
        const struct cfg_str *s = slot;
        if (s->v || !json)
            putq(sb, s->v ? s->v : "", json);
        else
            put(sb, "null");
    }
    }
}

void cfg_render_value(struct strbuf *sb, const struct cfg_field *f, const void *obj)
{
    put_value(sb, f, obj, false);
}

static bool field_present(const struct cfg_field *f, const void *obj)
{
    const void *slot = (const char *)obj + f->off;
    switch (f->type) {
    case CFG_T_MAP:
        return ((const struct cfg_map *)slot)->n > 0;
    case CFG_T_ARGV:
        return ((const struct cfg_strv *)slot)->n > 0;
    case CFG_T_STRING:
    case CFG_T_PATH:
    case CFG_T_CONTAINER_PATH:
    case CFG_T_ENV_NAME:
        return ((const struct cfg_str *)slot)->v != NULL;
    case CFG_T_ENUM:
        /* provider 0 means "none", which has no spelling */
        return f->names != cfg_provider_names || ((const struct cfg_u32 *)slot)->v != 0;
    default:
        return true;
    }
}

static void put_origin(struct strbuf *sb, const struct cfg_origin *at, bool json)
{
    if (!at->file) {
        put(sb, json ? "null" : "default");
        return;
    }
    _cleanup_free_ char *s = xasprintf("%s:%u", at->file, at->line);
    if (json)
        putq(sb, s, true);
    else
        put(sb, s);
}

/* ---- text: a valid TOML document with provenance comments ---- */

static void pad_to(struct strbuf *sb, size_t col, size_t width)
{
    static const char spaces[] = "                                        ";
    if (col < width && strbuf_append(sb, spaces, width - col) < 0)
        ags_oom();
}

static void text_fields(struct strbuf *sb, const struct cfg_table_schema *schema, const void *obj)
{
    for (size_t i = 0; i < schema->n_fields; i++) {
        const struct cfg_field *f = &schema->fields[i];
        if (!field_present(f, obj))
            continue;
        size_t start = sb->len;
        put(sb, f->key);
        put(sb, " = ");
        put_value(sb, f, obj, false);
        pad_to(sb, sb->len - start, 40);
        put(sb, "  # ");
        put_origin(sb, cfg_field_origin(f, obj), false);
        put(sb, "\n");
    }
}

static void text_header(struct strbuf *sb, const char *header, const struct cfg_origin *at)
{
    put(sb, "\n");
    put(sb, header);
    if (at) {
        pad_to(sb, strlen(header), 40);
        put(sb, "  # ");
        put_origin(sb, at, false);
    }
    put(sb, "\n");
}

char *config_render_text(const struct ags_config *c)
{
    struct strbuf sb;
    strbuf_init(&sb, RENDER_MAX);
    put(&sb, "# Effective ags configuration; each value is followed by where it came from.\n");
    for (size_t i = 0; i < c->n_files; i++) {
        put(&sb, i ? "# overlay: " : "# base:    ");
        put(&sb, c->files[i]);
        put(&sb, "\n");
    }
    text_header(&sb, "[sandbox]", NULL);
    text_fields(&sb, &cfg_schema_sandbox, &c->sandbox);
    for (size_t i = 0; i < c->n_mounts; i++) {
        text_header(&sb, "[[mount]]", &c->mounts[i].at);
        text_fields(&sb, &cfg_schema_mount, &c->mounts[i]);
    }
    for (size_t i = 0; i < c->n_tools; i++) {
        _cleanup_free_ char *note = xasprintf("# tool '%s' (%s:%u): its binary and directories "
                                              "are among the mounts above",
                                              c->tools[i].name.v ? c->tools[i].name.v : "?",
                                              c->tools[i].at.file, c->tools[i].at.line);
        text_header(&sb, note, NULL);
    }
    for (size_t i = 0; i < c->n_secrets; i++) {
        text_header(&sb, "[[secret]]", &c->secrets[i].at);
        if (c->secrets[i].tool) {
            _cleanup_free_ char *note = xasprintf("# from tool '%s'\n", c->secrets[i].tool);
            put(&sb, note);
        }
        text_fields(&sb, &cfg_schema_secret, &c->secrets[i]);
    }
    text_header(&sb, "[auth_proxy]", NULL);
    text_fields(&sb, &cfg_schema_auth_proxy, &c->auth_proxy);
    text_header(&sb, "[browser]", NULL);
    text_fields(&sb, &cfg_schema_browser, &c->browser);
    text_header(&sb, "[update]", NULL);
    text_fields(&sb, &cfg_schema_update, &c->update);
    text_header(&sb, "[network]", NULL);
    text_fields(&sb, &cfg_schema_network, &c->network);
    text_header(&sb, "[ssh]", NULL);
    text_fields(&sb, &cfg_schema_ssh, &c->ssh);
    text_header(&sb, "[engine]", NULL);
    text_fields(&sb, &cfg_schema_engine, &c->engine);
    text_header(&sb, "[remote]", NULL);
    text_fields(&sb, &cfg_schema_remote, &c->remote);
    text_header(&sb, "[notify]", NULL);
    text_fields(&sb, &cfg_schema_notify, &c->notify);
    text_header(&sb, "[aliases]", NULL);
    text_fields(&sb, &cfg_schema_aliases, &c->aliases);
    text_header(&sb, "[image]", NULL);
    text_fields(&sb, &cfg_schema_image, &c->image);
    return strbuf_steal(&sb);
}

/* ---- JSON: {"key": {"value": V, "origin": "file:line" | null}} ---- */

static void json_fields(struct strbuf *sb, const struct cfg_table_schema *schema, const void *obj)
{
    put(sb, "{");
    bool first = true;
    for (size_t i = 0; i < schema->n_fields; i++) {
        const struct cfg_field *f = &schema->fields[i];
        if (!field_present(f, obj))
            continue;
        put(sb, first ? "" : ", ");
        first = false;
        putq(sb, f->key, true);
        put(sb, ": {\"value\": ");
        put_value(sb, f, obj, true);
        put(sb, ", \"origin\": ");
        put_origin(sb, cfg_field_origin(f, obj), true);
        put(sb, "}");
    }
    put(sb, "}");
}

static void json_list(struct strbuf *sb, const char *name, const struct cfg_table_schema *schema,
                      const void *items, size_t n, size_t size,
                      const struct cfg_origin *(*origin)(const void *item),
                      const char *(*tool)(const void *item))
{
    put(sb, ", ");
    putq(sb, name, true);
    put(sb, ": [");
    for (size_t i = 0; i < n; i++) {
        const void *item = (const char *)items + i * size;
        put(sb, i ? ", {\"origin\": " : "{\"origin\": ");
        put_origin(sb, origin(item), true);
        if (tool && tool(item)) {
            put(sb, ", \"tool\": ");
            putq(sb, tool(item), true);
        }
        put(sb, ", \"settings\": ");
        json_fields(sb, schema, item);
        put(sb, "}");
    }
    put(sb, "]");
}

static const struct cfg_origin *mount_origin(const void *m)
{
    return &((const struct cfg_mount *)m)->at;
}

static const struct cfg_origin *secret_origin(const void *s)
{
    return &((const struct cfg_secret *)s)->at;
}

static const char *secret_tool(const void *s)
{
    return ((const struct cfg_secret *)s)->tool;
}

static const struct cfg_origin *tool_origin(const void *t)
{
    return &((const struct cfg_tool *)t)->at;
}

char *config_render_json(const struct ags_config *c)
{
    struct strbuf sb;
    strbuf_init(&sb, RENDER_MAX);
    put(&sb, "{\"files\": [");
    for (size_t i = 0; i < c->n_files; i++) {
        put(&sb, i ? ", " : "");
        putq(&sb, c->files[i], true);
    }
    put(&sb, "], \"sandbox\": ");
    json_fields(&sb, &cfg_schema_sandbox, &c->sandbox);
    json_list(&sb, "mount", &cfg_schema_mount, c->mounts, c->n_mounts, sizeof(*c->mounts),
              mount_origin, NULL);
    json_list(&sb, "tool", &cfg_schema_tool, c->tools, c->n_tools, sizeof(*c->tools),
              tool_origin, NULL);
    json_list(&sb, "secret", &cfg_schema_secret, c->secrets, c->n_secrets, sizeof(*c->secrets),
              secret_origin, secret_tool);
    put(&sb, ", \"auth_proxy\": ");
    json_fields(&sb, &cfg_schema_auth_proxy, &c->auth_proxy);
    put(&sb, ", \"browser\": ");
    json_fields(&sb, &cfg_schema_browser, &c->browser);
    put(&sb, ", \"update\": ");
    json_fields(&sb, &cfg_schema_update, &c->update);
    put(&sb, ", \"network\": ");
    json_fields(&sb, &cfg_schema_network, &c->network);
    put(&sb, ", \"ssh\": ");
    json_fields(&sb, &cfg_schema_ssh, &c->ssh);
    put(&sb, ", \"engine\": ");
    json_fields(&sb, &cfg_schema_engine, &c->engine);
    put(&sb, ", \"remote\": ");
    json_fields(&sb, &cfg_schema_remote, &c->remote);
    put(&sb, ", \"notify\": ");
    json_fields(&sb, &cfg_schema_notify, &c->notify);
    put(&sb, ", \"aliases\": ");
    json_fields(&sb, &cfg_schema_aliases, &c->aliases);
    put(&sb, ", \"image\": ");
    json_fields(&sb, &cfg_schema_image, &c->image);
    put(&sb, "}\n");
    return strbuf_steal(&sb);
}
