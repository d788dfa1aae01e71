/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <stdlib.h>

#include "base/strv.h"

#include "base/banned.h"

static void cfg_strv_free(struct cfg_strv *v)
{
    strv_free_n(v->v, v->n);
    free(v->item_at);
    *v = (struct cfg_strv){0};
}

static void map_free(struct cfg_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].key);
        free(m->v[i].value);
    }
    free(m->v);
    *m = (struct cfg_map){0};
}

void cfg_free_fields(const struct cfg_table_schema *schema, void *obj)
{
    for (size_t i = 0; i < schema->n_fields; i++) {
        const struct cfg_field *f = &schema->fields[i];
        void *slot = (char *)obj + f->off;
        switch (cfg_shape_of(f->type)) {
        case CFG_SHAPE_STR: {
            struct cfg_str *s = slot;
            free(s->v);
            *s = (struct cfg_str){0};
            break;
        }
        case CFG_SHAPE_STRV:
            cfg_strv_free(slot);
            break;
        case CFG_SHAPE_MAP:
            map_free(slot);
            break;
        case CFG_SHAPE_BOOL:
        case CFG_SHAPE_U32:
        case CFG_SHAPE_U64:
            break;
        }
    }
}

void cfg_mount_done(struct cfg_mount *m)
{
    /* The mount schema covers every owned member, including source. */
    cfg_free_fields(&cfg_schema_mount, m);
}

void cfg_secret_done(struct cfg_secret *s)
{
    cfg_free_fields(&cfg_schema_secret, s);
    free(s->tool);
    s->tool = NULL;
}

static void mounts_free(struct cfg_mount *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cfg_mount_done(&v[i]);
    free(v);
}

static void secrets_free(struct cfg_secret *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cfg_secret_done(&v[i]);
    free(v);
}

void cfg_parts_done(struct cfg_parts *p)
{
    mounts_free(p->plain, p->n_plain);
    mounts_free(p->agent, p->n_agent);
    mounts_free(p->tool, p->n_tool);
    secrets_free(p->secrets, p->n_secrets);
    secrets_free(p->tool_secrets, p->n_tool_secrets);
    for (size_t i = 0; i < p->n_resolved; i++) {
        free(p->resolved[i].declared);
        free(p->resolved[i].resolved);
        free(p->resolved[i].key);
        free(p->resolved[i].content);
    }
    free(p->resolved);
    *p = (struct cfg_parts){0};
}

struct ags_config *config_free(struct ags_config *c)
{
    if (!c)
        return NULL;
    cfg_free_fields(&cfg_schema_sandbox, &c->sandbox);
    cfg_free_fields(&cfg_schema_browser, &c->browser);
    cfg_free_fields(&cfg_schema_auth_proxy, &c->auth_proxy);
    cfg_free_fields(&cfg_schema_update, &c->update);
    cfg_free_fields(&cfg_schema_network, &c->network);
    cfg_free_fields(&cfg_schema_ssh, &c->ssh);
    cfg_free_fields(&cfg_schema_engine, &c->engine);
    cfg_free_fields(&cfg_schema_remote, &c->remote);
    free(c->engine.connection_flag);
    free(c->engine.url);
    cfg_free_fields(&cfg_schema_notify, &c->notify);
    cfg_free_fields(&cfg_schema_aliases, &c->aliases);
    cfg_free_fields(&cfg_schema_image, &c->image);
    mounts_free(c->mounts, c->n_mounts);
    for (size_t i = 0; i < c->n_tools; i++)
        cfg_free_fields(&cfg_schema_tool, &c->tools[i]);
    free(c->tools);
    secrets_free(c->secrets, c->n_secrets);
    strv_free_n(c->files, c->n_files);
    free(c->base_path);
    free(c->overlay_path);
    free(c->containerfile_sha256);
    free(c);
    return NULL;
}
