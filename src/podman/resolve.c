/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which Podman service to talk to: podman 4.3's own resolution order. */
#include "podman/connect-internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "podman/http.h"
#include "toml/toml.h"
#include "base/banned.h"

void podman_resolved_done(struct podman_resolved *r)
{
    free(r->uri);
    free(r->runtime_dir);
    free(r->identity);
    free(r->origin);
    *r = (struct podman_resolved){0};
}

const char *podman_opts_getenv(const struct podman_connect_opts *opts, const char *name)
{
    const char *v = opts->getenv ? opts->getenv(name) : getenv(name);
    return v && v[0] ? v : NULL;
}

/* ---- the list of files ---- */

static int list_add(struct strv_builder *l, char *path, struct ags_error *err)
{
    if (l->n + 1 >= PODMAN_MAX_CONF_FILES) {
        free(path);
        return ags_error_set(err, -E2BIG, "more than %u containers.conf files",
                             PODMAN_MAX_CONF_FILES - 1);
    }
    strv_builder_push(l, path);
    return 0;
}

static int add_if_exists(struct strv_builder *l, const char *path, struct ags_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return 0;
    return list_add(l, xstrdup(path), err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* DIR/ *.conf in lexical order (containers/common addConfigs). */
static int add_dropins(struct strv_builder *l, const char *dir, struct ags_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t first = l->n;
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
            continue;
        r = list_add(l, xasprintf("%s/%s", dir, de->d_name), err);
    }
    closedir(d);
    if (r == 0 && l->n - first > 1) /* l->v is NULL while the list is empty */
        qsort(l->v + first, l->n - first, sizeof(*l->v), cmp_str);
    return r;
}

int podman_conf_files(const struct podman_connect_opts *opts, bool root, char ***ret,
                      struct ags_error *err)
{
    struct strv_builder l = {0};
    int r = 0;
    const char *only = podman_opts_getenv(opts, "CONTAINERS_CONF");
    struct stat st;
    if (only && stat(only, &st) < 0) {
        r = ags_error_set(err, -errno, "CONTAINERS_CONF='%s': %m", only);
    } else if (only) {
        r = list_add(&l, xstrdup(only), err);
    } else {
        r = add_if_exists(&l, "/usr/share/containers/containers.conf", err);
        if (r == 0)
            r = add_if_exists(&l, "/etc/containers/containers.conf", err);
        if (r == 0)
            r = add_dropins(&l, "/etc/containers/containers.conf.d", err);
        const char *xdg = opts->xdg_config ? opts->xdg_config
                                           : podman_opts_getenv(opts, "XDG_CONFIG_HOME");
        const char *home = opts->home ? opts->home : podman_opts_getenv(opts, "HOME");
        _cleanup_free_ char *user =
                xdg ? xasprintf("%s/containers/containers.conf", xdg)
                    : home ? xasprintf("%s/.config/containers/containers.conf", home) : NULL;
        if (r == 0 && user && !root) {
            _cleanup_free_ char *dropins = xasprintf("%s.d", user);
            r = add_if_exists(&l, user, err);
            if (r == 0)
                r = add_dropins(&l, dropins, err);
        }
    }
    if (r < 0) {
        strv_builder_done(&l);
        return r;
    }
    *ret = strv_builder_steal(&l); /* never NULL */
    return 0;
}

/* ---- reading them ---- */

struct conf_set {
    struct toml_value *trees[PODMAN_MAX_CONF_FILES];
    const char *paths[PODMAN_MAX_CONF_FILES];
    size_t n;
};

static void conf_set_done(struct conf_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        toml_free(s->trees[i]);
    s->n = 0;
}

/* A symlink may lead to our own file or root's, never to another user's: a
 * file someone else can rewrite would choose where our code runs. */
static int check_link_owner(const char *path, struct ags_error *err)
{
    struct stat lst, st;
    if (lstat(path, &lst) < 0 || !S_ISLNK(lst.st_mode) || stat(path, &st) < 0)
        return 0; /* not a symlink, or a dangling one: the read reports it */
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return ags_error_set(err, -EPERM,
                             "'%s' is a symlink to a file of another user (uid %u); not read",
                             path, (unsigned)st.st_uid);
    return 0;
}

static int conf_load(const char *const *files, struct conf_set *s, struct ags_error *err)
{
    for (size_t i = 0; files[i] && s->n < PODMAN_MAX_CONF_FILES; i++) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = check_link_owner(files[i], err);
        if (r == 0)
            r = read_file_bounded(files[i], AGS_TOML_MAX_FILE_SIZE, &buf, &len, err);
        if (r == -ENOENT)
            continue;
        if (r == 0)
            r = toml_parse(buf, len, files[i], TOML_1_1, &s->trees[s->n], err);
        if (r < 0) {
            if (err)
                (void)ags_error_prefix(err, "reading containers.conf");
            return r;
        }
        s->paths[s->n++] = files[i];
    }
    return 0;
}

/* "engine.service_destinations.x.uri" into buf (truncated if need be). */
static const char *dotted(const char *const *keys, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; keys[k] && used < size; k++) {
        int n = snprintf(buf + used, size - used, "%s%s", k ? "." : "", keys[k]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/*
 * The string at engine.<k1>[.<k2>.<k3>] in the file of highest precedence
 * that sets it (later files override earlier ones).  *ret = NULL if unset.
 */
static int conf_string_at(const struct conf_set *s, const char *const *keys, const char **ret,
                          char **ret_at, struct ags_error *err)
{
    *ret = NULL;
    for (size_t i = s->n; i-- > 0;) {
        const struct toml_value *v = s->trees[i];
        for (size_t k = 0; keys[k] && v; k++)
            v = toml_table_get(v, keys[k]);
        if (!v)
            continue;
        char name[256];
        if (v->type != TOML_STRING || strlen(v->u.s.ptr) != v->u.s.len)
            return ags_error_set(err, -EINVAL, "%s:%u:%u: %s must be a string", s->paths[i],
                                 v->pos.line, v->pos.col, dotted(keys, name, sizeof(name)));
        if (v->u.s.len > PODMAN_MAX_URI)
            return ags_error_set(err, -E2BIG, "%s:%u:%u: value longer than %u bytes",
                                 s->paths[i], v->pos.line, v->pos.col, PODMAN_MAX_URI);
        *ret = v->u.s.len ? v->u.s.ptr : NULL;
        if (ret_at && *ret)
            *ret_at = xasprintf("%s:%u:%u", s->paths[i], v->pos.line, v->pos.col);
        return 0;
    }
    return 0;
}

static int conf_string(const struct conf_set *s, const char *const *keys, const char **ret,
                       struct ags_error *err)
{
    return conf_string_at(s, keys, ret, NULL, err);
}

static const struct toml_value *destinations_of(const struct toml_value *tree)
{
    const struct toml_value *t = toml_table_get(tree, "engine");
    t = t ? toml_table_get(t, "service_destinations") : NULL;
    return t && t->type == TOML_TABLE ? t : NULL;
}

/* Whether a file before the i-th names the destination too (listed once). */
static bool named_before(const struct conf_set *s, size_t i, const char *name)
{
    for (size_t j = 0; j < i; j++) {
        const struct toml_value *t = destinations_of(s->trees[j]);
        if (t && toml_table_get(t, name))
            return true;
    }
    return false;
}

/* "; the connections there are: a b (files read: F G)" from every file's
 * [engine.service_destinations] (at most PODMAN_MAX_LISTED_NAMES names): what
 * an unknown name is told with.  A message too long for sb is cut. */
static void list_destinations(const struct conf_set *s, struct strbuf *sb)
{
    size_t listed = 0;
    int r = strbuf_appends(sb, "; the connections there are:");
    for (size_t i = 0; i < s->n; i++) {
        const struct toml_value *t = destinations_of(s->trees[i]);
        for (size_t k = 0; t && k < t->u.tab.len; k++) {
            const char *name = t->u.tab.items[k].key;
            if (r == 0 && !named_before(s, i, name) && listed++ < PODMAN_MAX_LISTED_NAMES)
                r = strbuf_appendf(sb, " %s", name);
        }
    }
    if (r == 0)
        r = strbuf_appends(sb, listed == 0                           ? " none"
                               : listed > PODMAN_MAX_LISTED_NAMES ? " ..."
                                                                   : "");
    if (r == 0)
        r = strbuf_appends(sb, " (files read:");
    for (size_t i = 0; r == 0 && i < s->n; i++)
        r = strbuf_appendf(sb, " %s", s->paths[i]);
    if (r == 0)
        r = strbuf_appends(sb, s->n ? ")" : " none)");
}

int podman_conf_connections(const struct podman_connect_opts *opts, char ***ret,
                            struct ags_error *err)
{
    char **files = NULL;
    struct conf_set s = {0};
    int r = podman_conf_files(opts, geteuid() == 0, &files, err);
    if (r == 0)
        r = conf_load((const char *const *)files, &s, err);
    struct strv_builder names = {0};
    for (size_t i = 0; r == 0 && i < s.n; i++) {
        const struct toml_value *t = destinations_of(s.trees[i]);
        for (size_t k = 0; t && k < t->u.tab.len; k++)
            if (!named_before(&s, i, t->u.tab.items[k].key))
                strv_builder_push(&names, xstrdup(t->u.tab.items[k].key));
    }
    conf_set_done(&s);
    strv_free(files);
    if (r < 0) {
        strv_builder_done(&names);
        return r;
    }
    *ret = strv_builder_steal(&names);
    return 0;
}

/* [engine.service_destinations.NAME]: its uri (required) and identity, and
 * where the uri was set.  why says who named it (messages, res->origin). */
static int conf_destination(const struct conf_set *s, const char *name, const char *why,
                            struct podman_resolved *res, struct ags_error *err)
{
    const char *uri = NULL, *identity = NULL;
    _cleanup_free_ char *at = NULL;
    int r = conf_string_at(s, (const char *[]){"engine", "service_destinations", name, "uri",
                                               NULL}, &uri, &at, err);
    if (r == 0)
        r = conf_string(s, (const char *[]){"engine", "service_destinations", name,
                                            "identity", NULL}, &identity, err);
    if (r < 0)
        return r;
    if (!uri) {
        _cleanup_strbuf_ struct strbuf sb;
        strbuf_init(&sb, AGS_ERROR_MSG_MAX);
        if (strbuf_appendf(&sb, "%s names the connection '%s', but no containers.conf has "
                                "[engine.service_destinations.%s] with a uri",
                           why, name, name) == 0)
            list_destinations(s, &sb);
        return ags_error_set(err, -ENOENT, "%s", sb.buf ? sb.buf : why);
    }
    res->uri = xstrdup(uri);
    res->identity = identity ? xstrdup(identity) : NULL;
    res->origin = xasprintf("%s, containers.conf %s", why, at);
    return 0;
}

/* The names in order: --connection, CONTAINER_CONNECTION, [engine] connection,
 * active_service; then remote_uri.  res->uri stays NULL if none. */
static int resolve_from_conf(const struct podman_connect_opts *opts, const char *const *files,
                             struct podman_resolved *res, struct ags_error *err)
{
    struct conf_set s = {0};
    int r = conf_load(files, &s, err);
    const char *env = podman_opts_getenv(opts, "CONTAINER_CONNECTION");
    const char *active = NULL, *remote = NULL;
    _cleanup_free_ char *why = NULL, *at = NULL;
    if (r == 0 && opts->connection)
        why = xasprintf("--connection %s", opts->connection);
    else if (r == 0 && env)
        why = xasprintf("CONTAINER_CONNECTION=%s", env);
    else if (r == 0 && opts->conf_connection)
        why = xasprintf("[engine] connection = \"%s\" (%s:%u:%u)", opts->conf_connection,
                        opts->conf_connection_file ? opts->conf_connection_file : "ags config",
                        opts->conf_connection_line, opts->conf_connection_col);
    else if (r == 0)
        r = conf_string_at(&s, (const char *[]){"engine", "active_service", NULL}, &active,
                           &at, err);
    if (r == 0 && !why && active)
        why = xasprintf("containers.conf [engine] active_service (%s)", at);
    const char *name = opts->connection  ? opts->connection
                       : env             ? env
                       : opts->conf_connection ? opts->conf_connection
                                         : active;
    if (r == 0 && why && strlen(name) > AGS_CONNECTION_NAME_MAX)
        r = ags_error_set(err, -E2BIG, "%.64s...: a connection name is at most %u bytes", why,
                          AGS_CONNECTION_NAME_MAX);
    if (r == 0 && why)
        r = conf_destination(&s, name, why, res, err);
    else if (r == 0)
        r = conf_string_at(&s, (const char *[]){"engine", "remote_uri", NULL}, &remote, &at,
                           err);
    const char *remote_identity = NULL;
    if (r == 0 && remote)
        r = conf_string(&s, (const char *[]){"engine", "remote_identity", NULL},
                        &remote_identity, err);
    if (r == 0 && remote) {
        res->uri = xstrdup(remote);
        res->identity = remote_identity ? xstrdup(remote_identity) : NULL;
        res->origin = xasprintf("containers.conf %s remote_uri", at);
    }
    conf_set_done(&s);
    return r;
}

/* ---- the default ---- */

bool podman_dir_is_private(const char *dir, uid_t uid)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
           (st.st_mode & 0700) == 0700 && (st.st_mode & 022) == 0;
}

/*
 * Podman's rule (containers/storage GetRuntimeDir, Podman 4.3 util.
 * GetRuntimeDir): /run/user/UID, then $TMPDIR/podman-run-UID (created 0700
 * first), each only when it is ours and 0700, else $HOME/rundir.  Stricter
 * than Podman in two ways: a symlink never counts, nor a directory that group
 * or others may write to (they could swap the socket in it).
 */
char *podman_runtime_dir(const struct podman_connect_opts *opts, bool root)
{
    const char *xdg = opts->xdg_runtime ? opts->xdg_runtime
                                        : podman_opts_getenv(opts, "XDG_RUNTIME_DIR");
    if (xdg && xdg[0])
        return xstrdup(xdg);
    if (root)
        return xstrdup("/run");
    uid_t uid = geteuid();
    _cleanup_free_ char *run_user = xasprintf("/run/user/%u", (unsigned)uid);
    if (podman_dir_is_private(run_user, uid))
        return TAKE_PTR(run_user);
    const char *tmp = podman_opts_getenv(opts, "TMPDIR");
    _cleanup_free_ char *tmp_run = xasprintf("%s/podman-run-%u", tmp ? tmp : "/tmp",
                                             (unsigned)uid);
    /* As Podman does: once it is ours, nobody else can take the name. */
    (void)mkdir(tmp_run, 0700);
    if (podman_dir_is_private(tmp_run, uid))
        return TAKE_PTR(tmp_run);
    const char *home = opts->home ? opts->home : podman_opts_getenv(opts, "HOME");
    /* Without a home, the name another user holds: the peer check refuses it. */
    return home ? xasprintf("%s/rundir", home) : TAKE_PTR(tmp_run);
}

static int check_uri(const char *uri, const char *what, struct ags_error *err)
{
    if (strlen(uri) > PODMAN_MAX_URI)
        return ags_error_set(err, -E2BIG, "%s is longer than %u bytes", what, PODMAN_MAX_URI);
    return 0;
}

int podman_resolve_uri(const struct podman_connect_opts *opts, const char *const *conf_files,
                       bool root, struct podman_resolved *ret, struct ags_error *err)
{
    struct podman_resolved res = {0};
    const char *env = podman_opts_getenv(opts, "CONTAINER_HOST");
    int r = 0;
    if (opts->url && opts->url[0]) {
        r = check_uri(opts->url, "the Podman URL", err);
        res.uri = xstrdup(opts->url);
        res.source = PODMAN_URI_OPTION;
        res.origin = xstrdup("--url");
    } else if (env && !opts->connection) {
        r = check_uri(env, "CONTAINER_HOST", err);
        res.uri = xstrdup(env);
        res.source = PODMAN_URI_ENV;
        res.origin = xstrdup("CONTAINER_HOST");
    } else {
        char **own = NULL;
        if (!conf_files) {
            r = podman_conf_files(opts, root, &own, err);
            conf_files = (const char *const *)own;
        }
        if (r == 0)
            r = resolve_from_conf(opts, conf_files, &res, err);
        strv_free(own);
        res.source = opts->connection ? PODMAN_URI_OPTION : PODMAN_URI_CONF;
    }
    if (r == 0 && !res.uri) {
        /* Only the default needs it: finding it may create $TMPDIR/podman-run-UID. */
        res.runtime_dir = podman_runtime_dir(opts, root);
        res.source = PODMAN_URI_DEFAULT;
        free(res.origin);
        res.origin = xstrdup("default");
        res.uri = root ? xstrdup("unix:///run/podman/podman.sock")
                       : xasprintf("unix://%s/podman/podman.sock", res.runtime_dir);
    }
    if (r < 0) {
        podman_resolved_done(&res);
        return r;
    }
    *ret = res;
    return 0;
}

int podman_connect_target(const struct podman_connect_opts *opts, char **ret_uri,
                          char **ret_origin, struct ags_error *err)
{
    struct podman_resolved res = {0};
    int r = podman_resolve_uri(opts, NULL, geteuid() == 0, &res, err);
    if (r == 0)
        *ret_uri = TAKE_PTR(res.uri);
    if (r == 0 && ret_origin)
        *ret_origin = TAKE_PTR(res.origin);
    podman_resolved_done(&res);
    return r;
}

static bool host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0)
        return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    char bare[INET6_ADDRSTRLEN + 1];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(bare)) {
        memcpy(bare, host + 1, n - 2);
        bare[n - 2] = '\0';
        host = bare;
    }
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) != 1)
        return false;
    if (IN6_IS_ADDR_V4MAPPED(&a6))
        return a6.s6_addr[12] == 127;
    return IN6_IS_ADDR_LOOPBACK(&a6);
}

bool podman_uri_is_remote(const char *uri)
{
    struct podman_endpoint ep = {0};
    if (podman_endpoint_parse(uri, &ep, NULL) < 0)
        return false; /* podman_connect reports it */
    bool remote = ep.kind == PODMAN_EP_SSH;
    podman_endpoint_done(&ep);
    return remote;
}

bool podman_uri_is_network(const char *uri)
{
    struct podman_endpoint ep = {0};
    if (podman_endpoint_parse(uri, &ep, NULL) < 0)
        return false; /* podman_connect reports it */
    bool network = ep.kind == PODMAN_EP_TCP && !host_is_loopback(ep.host);
    podman_endpoint_done(&ep);
    return network;
}
