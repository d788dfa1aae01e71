/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules of a repo overlay (issue 10 item 3, docs/config.md): it may not
 * name the user's private files, and every host path it names must resolve,
 * symlinks followed, inside its repository.  The resolved targets are part of
 * what the user trusts (cfg_overlay_digest) and what the plan mounts, so a
 * symlink swapped after the approval asks again instead of widening the mount.
 */
#include "config/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/netrule.h"
#include "base/strutil.h"
#include "base/fileio.h"
#include "base/banned.h"

struct forbidden_key {
    const char *table, *key, *why;
};

/* Keys that name the user's own files or programs, never the repo's, or that
 * act beyond this repository. */
static const struct forbidden_key forbidden[] = {
    {"sandbox", "auth_key", "it names your private ssh key"},
    {"sandbox", "sign_key", "it names your private signing key"},
    {"sandbox", "gitconfig_path", "it names your own git config"},
    {"sandbox", "cache_dir", "it names ags's cache, which every run shares"},
    {"browser", "profile_dir", "it names your browser profile"},
    {"browser", "command", "it names a program ags would run on your machine"},
    {"auth_proxy", "browser_command", "it names a program ags would run on your machine"},
    /* Host-side approvals and what every later run of every repository executes. */
    {"auth_proxy", "auto_allow_domains", "it would open URLs on your machine without asking"},
    {"auth_proxy", "approval_timeout", "it decides how long a URL the sandbox asks to open waits "
                                       "for your answer"},
    {"update", "pi_spec", "it picks the package pi runs from in every repository"},
    {"update", "minimum_release_age", "it shortens the wait before new releases are trusted"},
    /* The image every repository's runs start from, and what it trusts. */
    {"image", "base", "it picks the base of the image every repository runs in"},
    {"image", "debian_suite", "it picks the base of the image every repository runs in"},
    {"image", "trust_host_ca", "it decides which CAs the shared image trusts"},
    {"image", "ca_bundle", "it decides which CAs the shared image trusts"},
    {"sandbox", "backend", "it picks the engine that contains every run on your machine"},
    {"sandbox", "service_idle_seconds",
     "it sets how long a Podman service ags starts keeps running on your machine"},
    /* Even "false": the key is the user's decision alone, and a repository
     * that names it at all is asking for a hole in the sandbox. */
    {"network", "host_loopback",
     "it would open your machine's loopback (127.0.0.1 services) to the sandbox"},
    {"network", "lockdown_may_open",
     "it decides whether a --lockdown run may have an open network"},
    {"aliases", "commands", "it decides what the wrappers in ~/.local/bin run"},
    /* Even "always": whether the agent may use the user's keys unasked is
     * the user's decision alone. */
    /* Where the code runs: another machine is a trust decision of the user's. */
    {"engine", "connection", "it picks the machine whose Podman runs your code"},
    /* What a run sends to the remote engine and what ags takes back onto
     * your disk from a sandbox the agent wrote. */
    {"remote", "max_upload", "it decides how much of your machine a run sends to a remote engine"},
    {"remote", "max_pull", "it decides how much a remote sandbox may write onto your disk"},
    {"remote", "persist_seconds", "it decides how long your ssh connection stays open"},
    {"ssh", "confirm", "it decides whether the sandbox may use your ssh keys without asking"},
};

const char *cfg_overlay_forbidden(const char *table, const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(forbidden); i++)
        if (strcmp(forbidden[i].table, table) == 0 && strcmp(forbidden[i].key, key) == 0)
            return forbidden[i].why;
    return NULL;
}

/* Switches a repository may only turn the careful way: off what lets the
 * sandbox reach the host, never on again after the user turned it off. */
struct stricter_only {
    const char *table, *key;
    bool allowed; /* the one value an overlay may write */
    const char *why;
};

static const struct stricter_only stricter_only[] = {
    {"auth_proxy", "enabled", false,
     "only false: whether the sandbox may ask to open URLs on your machine is yours to allow"},
};

const char *cfg_overlay_loosens(const char *table, const char *key, const struct toml_value *v)
{
    for (size_t i = 0; i < ARRAY_SIZE(stricter_only); i++) {
        const struct stricter_only *s = &stricter_only[i];
        if (strcmp(s->table, table) == 0 && strcmp(s->key, key) == 0)
            return v->type == TOML_BOOL && v->u.b != s->allowed ? s->why : NULL;
    }
    return NULL;
}

static void network_error(struct cfg_diag *diag, const struct cfg_origin *at, const char *ctx,
                          const char *msg)
{
    cfg_diag_error(diag, "%s:%u:%u: %s: %s", at->file, at->line, at->col, ctx, msg);
}

static char *origin_text(const struct cfg_origin *at)
{
    return at->file ? xasprintf("%s:%u:%u", at->file, at->line, at->col) : xstrdup("default");
}

/* Whether some base entry allows everything entry does. */
static bool base_covers(const struct cfg_strv *base, const char *entry)
{
    struct netrule narrow, wide;
    if (netrule_parse(entry, &narrow, NULL) < 0)
        return false; /* decoding reported it */
    for (size_t i = 0; i < base->n; i++)
        if (netrule_parse(base->v[i], &wide, NULL) == 0 && netrule_covers(&wide, &narrow))
            return true;
    return false;
}

/* Why an overlay's entry would allow more than the user's own config does, or NULL.  Over
 * the user's allowlist each entry must be covered by one of theirs.  Over open (or none)
 * a list is tighter, except toward the host's loopback: the egress proxy connects from
 * the host, and an open sandbox reaches the loopback only with host_loopback. */
static const char *allow_widens(const struct cfg_network *b, const char *entry)
{
    /* Your own list is the widest an overlay's may be, also when your mode is
     * open (`--network allowlist` makes your list the run's). */
    if (b->mode.v == CFG_NETWORK_ALLOWLIST || b->allow.n > 0)
        return base_covers(&b->allow, entry)
                       ? NULL
                       : "widens the base's [network].allow; a repository may only narrow it "
                         "(no entry of your own config allows all that it does)";
    struct netrule r;
    if (netrule_parse(entry, &r, NULL) < 0 || !netrule_reaches_loopback(&r))
        return NULL;
    if (b->mode.v == CFG_NETWORK_OPEN && b->host_loopback.v)
        return NULL;
    return "reaches the host's loopback, which your own config keeps closed (only your "
           "config may open it: network.host_loopback, or the entry in its allow list)";
}

void cfg_overlay_check_network(const struct ags_config *base, const struct ags_config *overlay,
                               struct cfg_diag *diag)
{
    const struct cfg_network *b = &base->network, *o = &overlay->network;
    if (cfg_origin_set(&o->mode.at) && o->mode.v < b->mode.v) {
        _cleanup_free_ char *at = origin_text(&b->mode.at);
        char msg[1024];
        (void)snprintf(msg, sizeof(msg),
                       "a repo-local config may only make it stricter (open < allowlist < none): "
                       "'%s' is looser than your own config's '%s' (%s)",
                       cfg_network_mode_names[o->mode.v], cfg_network_mode_names[b->mode.v], at);
        network_error(diag, &o->mode.at, "network.mode", msg);
        return;
    }
    /* Whatever the overlay's own mode, `--network allowlist` can make its list the run's. */
    for (size_t i = 0; i < o->allow.n; i++) {
        const char *why = allow_widens(b, o->allow.v[i]);
        if (!why)
            continue;
        char ctx[64], msg[1024];
        (void)snprintf(ctx, sizeof(ctx), "network.allow[%zu]", i);
        (void)snprintf(msg, sizeof(msg), "'%s' %s", o->allow.v[i], why);
        network_error(diag, &o->allow.item_at[i], ctx, msg);
    }
}

const char *cfg_path_type_name(enum cfg_path_type t)
{
    static const char *const names[] = {"missing", "file", "dir", "other"};
    return names[t];
}

static enum cfg_path_type type_of(const char *canon)
{
    struct stat st;
    if (stat(canon, &st) < 0)
        return CFG_PATH_MISSING;
    return S_ISDIR(st.st_mode) ? CFG_PATH_DIR : S_ISREG(st.st_mode) ? CFG_PATH_FILE
                                                                    : CFG_PATH_OTHER;
}

/* A missing rest may not climb back out ("new/../../x"). */
static bool plain_components(const char *rest)
{
    for (const char *p = rest; *p;) {
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n + (p[n] == '/');
    }
    return true;
}

/* realpath() of a path that may not exist yet: its nearest existing ancestor,
 * canonical, plus the missing rest.  An existing entry in the way that cannot
 * be resolved (a dangling symlink) yields NULL with *dangling set. */
static char *resolve_missing(const char *path, const char **dangling_end)
{
    struct stat st;
    if (lstat(path, &st) == 0) { /* there, yet realpath() found nothing */
        *dangling_end = path + strlen(path);
        return NULL;
    }
    _cleanup_free_ char *prefix = xstrdup(path);
    for (;;) {
        char *slash = strrchr(prefix, '/');
        if (!slash || slash == prefix)
            return NULL;
        *slash = '\0';
        if (lstat(prefix, &st) < 0)
            continue;
        char *canon = realpath(prefix, NULL);
        if (!canon) {
            *dangling_end = path + strlen(prefix);
            return NULL;
        }
        const char *rest = path + strlen(prefix) + 1;
        if (!plain_components(rest)) {
            free(canon);
            return NULL;
        }
        char *out = xasprintf("%s/%s", strcmp(canon, "/") ? canon : "", rest);
        free(canon);
        return out;
    }
}

/* The Containerfile's bytes are part of what the user trusts: a changed file
 * is a changed overlay, and its digest names the image it builds. */
static int content_digest(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                          const char *canon, enum cfg_path_type type, char **ret)
{
    *ret = NULL;
    if (strcmp(ctx, "sandbox.containerfile") != 0 || type != CFG_PATH_FILE)
        return 0;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    struct ags_error err;
    /* Never blocks on a FIFO swapped in meanwhile, nor follows a new symlink. */
    if (read_regular_file_at(AT_FDCWD, canon, canon, CFG_CONTAINERFILE_MAX_SIZE, &buf, &len,
                             NULL, &err) < 0) {
        cfg_report_error(d, pos, ctx, "%s", err.msg);
        return -EINVAL;
    }
    *ret = xmalloc(SHA256_HEX_SIZE);
    sha256_hex(buf, len, *ret);
    return 0;
}

static void record(struct cfg_decoder *d, const char *ctx, const char *declared,
                   const char *resolved, enum cfg_path_type type, char *content)
{
    struct cfg_parts *p = &d->parts;
    p->resolved = xgrow(p->resolved, &p->cap_resolved, p->n_resolved + 1, sizeof(*p->resolved));
    p->resolved[p->n_resolved++] = (struct cfg_resolved){
        .declared = xstrdup(declared),
        .resolved = xstrdup(resolved),
        .type = type,
        .key = xstrdup(ctx),
        .content = content,
    };
}

char *cfg_overlay_resolve(struct cfg_decoder *d, struct toml_pos pos, const char *ctx, char *path)
{
    _cleanup_free_ char *declared = path;
    char *canon = realpath(declared, NULL);
    enum cfg_path_type type = CFG_PATH_MISSING;
    if (canon) {
        type = type_of(canon);
    } else if (errno == ENOENT) {
        const char *dangling = NULL;
        canon = resolve_missing(declared, &dangling);
        if (!canon && dangling) {
            cfg_report_error(d, pos, ctx,
                             "'%s' leads through the dangling symlink '%.*s', which counts as "
                             "outside the repository %s; a repo-local config may only name paths "
                             "inside its repository (remove the symlink, or move this entry to "
                             "your own config)",
                             declared, (int)(dangling - declared), declared, d->repo_root);
            return NULL;
        }
        if (!canon) {
            cfg_report_error(d, pos, ctx, "cannot resolve '%s' ('.' or '..' after a missing "
                                          "directory); write the path out", declared);
            return NULL;
        }
    } else {
        cfg_report_error(d, pos, ctx, "cannot resolve '%s': %m", declared);
        return NULL;
    }
    if (!path_under(canon, d->repo_root)) {
        cfg_report_error(d, pos, ctx,
                         "'%s' resolves to '%s', outside the repository %s; a repo-local config "
                         "may only name paths inside its repository (move the file into the "
                         "repository, or put this entry in your own config)",
                         declared, canon, d->repo_root);
        free(canon);
        return NULL;
    }
    char *content = NULL;
    if (content_digest(d, pos, ctx, canon, type, &content) < 0) {
        free(canon);
        return NULL;
    }
    record(d, ctx, declared, canon, type, content);
    return canon;
}

static void put_field(struct strbuf *sb, const char *s)
{
    if (strbuf_appendf(sb, "%zu:", strlen(s)) < 0 || strbuf_appends(sb, s) < 0)
        ags_oom();
}

void cfg_overlay_digest(const char *buf, size_t len, const struct cfg_parts *p,
                        char out[SHA256_HEX_SIZE])
{
    if (p->n_resolved == 0) { /* the digest earlier versions recorded */
        sha256_hex(buf, len, out);
        return;
    }
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, SIZE_MAX / 2);
    if (strbuf_append(&sb, buf, len) < 0 || strbuf_appends(&sb, "\n#ags-resolved-paths\n") < 0)
        ags_oom();
    for (size_t i = 0; i < p->n_resolved; i++) {
        const struct cfg_resolved *r = &p->resolved[i];
        put_field(&sb, r->declared);
        put_field(&sb, r->resolved);
        put_field(&sb, cfg_path_type_name(r->type));
        if (r->content)
            put_field(&sb, r->content);
    }
    sha256_hex(sb.buf, sb.len, out);
}

void cfg_overlay_pin_image(struct cfg_decoder *d)
{
    struct cfg_sandbox *s = &d->cfg->sandbox;
    if (!d->repo_root || !cfg_origin_set(&s->containerfile.at))
        return;
    const char *content = "missing";
    for (size_t i = 0; i < d->parts.n_resolved; i++)
        if (strcmp(d->parts.resolved[i].key, "sandbox.containerfile") == 0 &&
            d->parts.resolved[i].content)
            content = d->parts.resolved[i].content;
    _cleanup_free_ char *both = xasprintf("%s%c%s", d->repo_root, '\0', content);
    char id[SHA256_HEX_SIZE];
    sha256_hex(both, strlen(d->repo_root) + 1 + strlen(content), id);
    free(s->image.v);
    s->image.v = xasprintf("localhost/ags-repo-%.16s:latest", id);
    s->image.at = s->containerfile.at;
    free(d->cfg->containerfile_sha256);
    d->cfg->containerfile_sha256 = strcmp(content, "missing") ? xstrdup(content) : NULL;
}
