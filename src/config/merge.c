/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

#define DEFAULT_PI_SPEC              "@earendil-works/pi-coding-agent"
#define DEFAULT_MIN_RELEASE_AGE      1440u
#define DEFAULT_IMAGE_BASE           "docker.io/library/debian:trixie"
#define DEFAULT_IMAGE_SUITE          "trixie"
#define DEFAULT_IMAGE_CA_BUNDLE      "/etc/ssl/certs/ca-certificates.crt"
#define DEFAULT_PIDS_LIMIT           4096u
#define DEFAULT_SERVICE_IDLE_SECONDS 600u
#define DEFAULT_NOTIFY_MIN_SECONDS   60u

struct ags_config *cfg_new(void)
{
    return xcalloc(1, sizeof(struct ags_config));
}

const char *cfg_add_file(struct ags_config *c, const char *path)
{
    c->files = xrealloc(c->files, (c->n_files + 1) * sizeof(char *));
    c->files[c->n_files] = xstrdup(path);
    return c->files[c->n_files++];
}

/* Each setting the overlay names replaces the base's; arrays are replaced whole. */
static void merge_fields(const struct cfg_table_schema *schema, void *base, void *overlay)
{
    for (size_t i = 0; i < schema->n_fields; i++) {
        const struct cfg_field *f = &schema->fields[i];
        void *bslot = (char *)base + f->off;
        void *oslot = (char *)overlay + f->off;
        if (!cfg_origin_set(cfg_field_origin(f, overlay)))
            continue;
        /* Free the base value by freeing a one-field view of it. */
        const struct cfg_table_schema one = {schema->name, false, f, 1};
        cfg_free_fields(&one, base);
        memcpy(bslot, oslot, cfg_shape_size(f->type));
        memset(oslot, 0, cfg_shape_size(f->type));
    }
}

#define APPEND(dst, n_dst, cap_dst, src, n_src)                                   \
    do {                                                                          \
        (dst) = xgrow((dst), &(cap_dst), (n_dst) + (n_src), sizeof(*(dst)));      \
        if (n_src)                                                                \
            memcpy((dst) + (n_dst), (src), (n_src) * sizeof(*(dst)));             \
        (n_dst) += (n_src);                                                       \
        free(src);                                                                \
        (src) = NULL;                                                             \
        (n_src) = 0;                                                              \
    } while (0)

void cfg_merge_layer(struct ags_config *base, struct cfg_parts *bp, struct ags_config *overlay,
                     struct cfg_parts *op)
{
    merge_fields(&cfg_schema_sandbox, &base->sandbox, &overlay->sandbox);
    merge_fields(&cfg_schema_browser, &base->browser, &overlay->browser);
    merge_fields(&cfg_schema_auth_proxy, &base->auth_proxy, &overlay->auth_proxy);
    merge_fields(&cfg_schema_update, &base->update, &overlay->update);
    merge_fields(&cfg_schema_network, &base->network, &overlay->network);
    merge_fields(&cfg_schema_ssh, &base->ssh, &overlay->ssh);
    merge_fields(&cfg_schema_engine, &base->engine, &overlay->engine);
    merge_fields(&cfg_schema_remote, &base->remote, &overlay->remote);
    merge_fields(&cfg_schema_notify, &base->notify, &overlay->notify);
    merge_fields(&cfg_schema_aliases, &base->aliases, &overlay->aliases);
    merge_fields(&cfg_schema_image, &base->image, &overlay->image);
    APPEND(bp->plain, bp->n_plain, bp->cap_plain, op->plain, op->n_plain);
    APPEND(bp->agent, bp->n_agent, bp->cap_agent, op->agent, op->n_agent);
    APPEND(bp->tool, bp->n_tool, bp->cap_tool, op->tool, op->n_tool);
    APPEND(bp->secrets, bp->n_secrets, bp->cap_secrets, op->secrets, op->n_secrets);
    APPEND(bp->tool_secrets, bp->n_tool_secrets, bp->cap_tool_secrets, op->tool_secrets,
           op->n_tool_secrets);
    APPEND(base->tools, base->n_tools, bp->cap_tools, overlay->tools, overlay->n_tools);
    /* The overlay's origins point at its file name: it moves along. */
    size_t cap_files = base->n_files;
    APPEND(base->files, base->n_files, cap_files, overlay->files, overlay->n_files);
}

static void default_str(struct cfg_str *s, char *value)
{
    if (!cfg_origin_set(&s->at) && !s->v)
        s->v = value;
    else
        free(value);
}

static void default_u32(struct cfg_u32 *u, uint32_t value)
{
    if (!cfg_origin_set(&u->at))
        u->v = value;
}

static void default_u64(struct cfg_u64 *u, uint64_t value)
{
    if (!cfg_origin_set(&u->at))
        u->v = value;
}

static void default_bool(struct cfg_bool *b, bool value)
{
    if (!cfg_origin_set(&b->at))
        b->v = value;
}

static char *xdg_dir(const char *xdg, const char *home, const char *fallback, const char *leaf)
{
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/%s", xdg, leaf);
    return xasprintf("%s/%s/%s", home ? home : "", fallback, leaf);
}

static void apply_defaults(struct ags_config *c, const struct cfg_host *h)
{
    struct cfg_sandbox *s = &c->sandbox;
    default_str(&s->containerfile, xstrdup(""));
    default_str(&s->cache_dir, xdg_dir(h->xdg_cache, h->home, ".cache", "ags"));
    default_str(&s->gitconfig_path, xdg_dir(h->xdg_config, h->home, ".config", "ags/gitconfig-agent"));
    default_str(&s->auth_key, xasprintf("%s/.ssh/ags-agent-auth", h->home ? h->home : ""));
    default_str(&s->sign_key, xasprintf("%s/.ssh/ags-agent-signing", h->home ? h->home : ""));
    default_u32(&s->pids_limit, DEFAULT_PIDS_LIMIT);
    default_u32(&s->service_idle_seconds, DEFAULT_SERVICE_IDLE_SECONDS);
    default_bool(&s->detach, false);
    default_bool(&c->browser.enabled, false);
    default_str(&c->browser.command, xstrdup(""));
    default_str(&c->browser.profile_dir, xasprintf("%s/browser-profile", s->cache_dir.v));
    default_str(&c->browser.pi_skill_path, xstrdup(""));
    default_bool(&c->auth_proxy.enabled, true);
    default_u32(&c->auth_proxy.approval_timeout, CFG_APPROVAL_TIMEOUT_DEFAULT);
    default_bool(&c->notify.enabled, true);
    default_u32(&c->notify.min_seconds, DEFAULT_NOTIFY_MIN_SECONDS);
    default_str(&c->update.pi_spec, xstrdup(DEFAULT_PI_SPEC));
    default_u32(&c->update.minimum_release_age, DEFAULT_MIN_RELEASE_AGE);
    default_u32(&c->network.mode, CFG_NETWORK_OPEN);
    default_bool(&c->network.host_loopback, false);
    default_bool(&c->network.lockdown_may_open, false);
    default_u32(&c->ssh.confirm, CFG_SSH_CONFIRM_NEVER);
    default_u64(&c->remote.max_upload, CFG_REMOTE_MAX_UPLOAD_DEFAULT);
    default_u64(&c->remote.max_pull, CFG_REMOTE_MAX_PULL_DEFAULT);
    default_u32(&c->remote.persist_seconds, CFG_REMOTE_PERSIST_DEFAULT);
    default_str(&c->image.base, xstrdup(DEFAULT_IMAGE_BASE));
    default_str(&c->image.debian_suite, xstrdup(DEFAULT_IMAGE_SUITE));
    default_bool(&c->image.trust_host_ca, true);
    default_str(&c->image.ca_bundle, xstrdup(DEFAULT_IMAGE_CA_BUNDLE));
}

static void origin_error(struct cfg_diag *diag, const struct cfg_origin *at, const char *ctx,
                         const char *msg)
{
    if (at->file)
        cfg_diag_error(diag, "%s:%u:%u: %s: %s", at->file, at->line, at->col, ctx, msg);
    else
        cfg_diag_error(diag, "%s: %s", ctx, msg);
}

static void check_browser(const struct ags_config *c, struct cfg_diag *diag)
{
    const struct cfg_browser *b = &c->browser;
    if (!b->enabled.v)
        return;
    if (!b->command.v || !b->command.v[0])
        origin_error(diag, &b->enabled.at, "browser.command",
                     "must be set when the browser is enabled");
    if (!cfg_origin_set(&b->debug_port.at))
        origin_error(diag, &b->enabled.at, "browser.debug_port",
                     "must be set when the browser is enabled");
}

static bool mounts_clash(const struct cfg_mount *a, const struct cfg_mount *b)
{
    /* A browser-only mount may share a path with another browser-only mount's
     * always-on twin only if they are never active together. */
    return a->when.v == b->when.v || a->when.v == CFG_WHEN_ALWAYS || b->when.v == CFG_WHEN_ALWAYS;
}

static int cmp_mount_ptr(const void *a, const void *b)
{
    const struct cfg_mount *x = *(const struct cfg_mount *const *)a;
    const struct cfg_mount *y = *(const struct cfg_mount *const *)b;
    int r = strcmp(x->container.v, y->container.v);
    return r ? r : (x > y) - (x < y); /* equal paths keep config order */
}

/* Two mounts on one sandbox path would silently shadow each other.  Sorting
 * keeps this O(n log n) for configs with thousands of mounts. */
static void check_duplicate_mounts(const struct ags_config *c, struct cfg_diag *diag)
{
    _cleanup_free_ const struct cfg_mount **sorted = xcalloc(c->n_mounts + 1, sizeof(*sorted));
    size_t n = 0;
    for (size_t i = 0; i < c->n_mounts; i++)
        if (c->mounts[i].container.v)
            sorted[n++] = &c->mounts[i];
    qsort(sorted, n, sizeof(*sorted), cmp_mount_ptr);
    for (size_t i = 1; i < n; i++) {
        const struct cfg_mount *b = sorted[i];
        for (size_t j = i; j-- > 0 && strcmp(sorted[j]->container.v, b->container.v) == 0;) {
            const struct cfg_mount *a = sorted[j];
            if (!mounts_clash(a, b))
                continue;
            char msg[1024];
            (void)snprintf(msg, sizeof(msg),
                           "'%s' is already mounted by the %s entry at %s:%u; remove one of them",
                           b->container.v, a->source.v ? a->source.v : "config",
                           a->at.file ? a->at.file : "default", a->at.line);
            origin_error(diag, &b->container.at, b->source.v ? b->source.v : "mount", msg);
            break;
        }
    }
}

void cfg_finalize(struct ags_config *c, struct cfg_parts *p, const struct cfg_host *host,
                  struct cfg_diag *diag)
{
    apply_defaults(c, host);
    size_t cap = 0;
    APPEND(c->mounts, c->n_mounts, cap, p->plain, p->n_plain);
    APPEND(c->mounts, c->n_mounts, cap, p->agent, p->n_agent);
    APPEND(c->mounts, c->n_mounts, cap, p->tool, p->n_tool);
    cap = 0;
    APPEND(c->secrets, c->n_secrets, cap, p->secrets, p->n_secrets);
    APPEND(c->secrets, c->n_secrets, cap, p->tool_secrets, p->n_tool_secrets);
    check_browser(c, diag);
    check_duplicate_mounts(c, diag);
}
