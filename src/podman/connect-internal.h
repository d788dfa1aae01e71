/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Endpoint resolution, version checks and the private service ags starts
 * (internal to src/podman: resolve.c, connect.c, autostart.c; unit-tested).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/strv.h"
#include "podman/podman.h"

/* Bounds on what the environment and containers.conf may hand us. */
#define PODMAN_MAX_URI         4096u
#define PODMAN_MAX_CONF_FILES  64u  /* containers.conf plus drop-ins in *.d */
#define PODMAN_MAX_LISTED_NAMES 32u /* connections named in an unknown-name error */
#define PODMAN_PING_TIMEOUT_MS 5000L
#define PODMAN_AUTOSTART_WAIT_MS 10000L

/* Where the URI came from: only the default may be replaced by a service ags starts. */
enum podman_uri_source {
    PODMAN_URI_OPTION,  /* opts->url (--url) */
    PODMAN_URI_ENV,     /* CONTAINER_HOST */
    PODMAN_URI_CONF,    /* containers.conf (CONTAINER_CONNECTION, active_service, remote_uri) */
    PODMAN_URI_DEFAULT, /* the rootless or root default socket */
};

struct podman_resolved {
    char *uri;                     /* owned */
    enum podman_uri_source source;
    char *runtime_dir;             /* owned; the user's runtime dir (autostart lives below it);
                                      PODMAN_URI_DEFAULT only, else NULL */
    char *identity;                /* owned; a service destination's identity=, or NULL */
    char *origin;                  /* owned; what chose uri: "--url", "CONTAINER_HOST",
                                      "--connection N, containers.conf F:L:C", "default"... */
};

void podman_resolved_done(struct podman_resolved *r);

/* opts->getenv, or getenv() when the caller gave none. */
const char *podman_opts_getenv(const struct podman_connect_opts *opts, const char *name);

/*
 * The containers.conf files podman reads, lowest precedence first (later ones
 * override earlier ones, key by key): $CONTAINERS_CONF alone when set (it must
 * exist); else /usr/share/containers/containers.conf, /etc/containers/
 * containers.conf and /etc/containers/containers.conf.d/ *.conf, then (rootless
 * only, as podman does) $XDG_CONFIG_HOME/containers/containers.conf (or
 * ~/.config/...) and its containers.conf.d/ *.conf.  Files that do not exist
 * are left out.  Returns an owned NULL-terminated list (strv_free()).
 */
int podman_conf_files(const struct podman_connect_opts *opts, bool root, char ***ret,
                      struct ags_error *err) _warn_unused_;

/*
 * Resolves the endpoint URI like podman 4.3 (cmd/podman/root.go and
 * containers/common config.ActiveDestination): opts->url; CONTAINER_HOST;
 * CONTAINER_CONNECTION naming [engine.service_destinations.NAME]; [engine]
 * active_service naming one; [engine] remote_uri; else the default socket
 * (root: /run/podman/podman.sock; rootless: <runtime dir>/podman/podman.sock).
 * conf_files is the list of podman_conf_files() (lowest precedence first).
 */
int podman_resolve_uri(const struct podman_connect_opts *opts, const char *const *conf_files,
                       bool root, struct podman_resolved *ret, struct ags_error *err)
        _warn_unused_;

/* The runtime dir as podman finds it: $XDG_RUNTIME_DIR, else /run/user/UID or
 * $TMPDIR/podman-run-UID (created if missing) when private to us, else
 * $HOME/rundir; /run for root.  Owned. */
char *podman_runtime_dir(const struct podman_connect_opts *opts, bool root);
/* dir is a real directory (not a symlink) of uid's, rwx for it and not
 * writable by group or others: nobody else can put a socket in it. */
bool podman_dir_is_private(const char *dir, uid_t uid);

/* "4.3.1" -> ok; older than 4.0 or unparsable -> -EPROTONOSUPPORT / -EPROTO. */
int podman_check_version(const char *version, struct ags_error *err) _warn_unused_;

struct podman_endpoint;
/* GET /_ping on a fresh raw connection, connect + send + receive bounded by
 * timeout_ms together.  *ret_version: the Libpod-Api-Version header (owned),
 * NULL when the reply has none.  Transport errors read like http.c's. */
int podman_raw_ping(const struct podman_endpoint *ep, long timeout_ms, char **ret_version,
                    struct ags_error *err) _warn_unused_;

/* One GET /_ping on a fresh connection to uri, bounded by timeout_ms. */
int podman_ping_uri(const char *uri, long timeout_ms, struct ags_error *err) _warn_unused_;

/* The resolved path of the first executable `podman` on opts' PATH that
 * only root or we can replace (file and every directory above it); NULL if
 * none. */
char *podman_find_binary(const struct podman_connect_opts *opts);

/*
 * Starts `podman system service --time=IDLE unix://RUNTIME_DIR/ags/podman.sock`
 * in a new session with its standard streams on /dev/null and
 * RUNTIME_DIR/ags/podman-service.log, unless one already answers there, and
 * waits (PODMAN_AUTOSTART_WAIT_MS at most) until it answers _ping.  A lock
 * file serialises concurrent ags processes.  *ret_uri: owned.
 */
int podman_autostart(const char *podman_bin, const char *runtime_dir, uint32_t idle_seconds,
                     char **ret_uri, struct ags_error *err) _warn_unused_;
