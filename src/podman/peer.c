/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who is at the other end of a unix socket.  Anyone who can create the
 * socket path (another user in a shared /tmp, a leftover directory) can
 * listen there and read what ags sends, secret values included.  So every
 * unix connection is checked with SO_PEERCRED before its first byte: the
 * peer must be us, or root (who can read our memory anyway).
 */
#include "podman/http.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/banned.h"

bool podman_peer_allowed(uid_t peer, uid_t self)
{
    return peer == self || peer == 0;
}

int podman_peer_check(int fd, const char *path, struct ags_error *err)
{
    struct ucred cred = {0};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
        return ags_error_set(err, -EPERM, "refusing to talk to the Podman socket %s: cannot "
                                          "tell who serves it (SO_PEERCRED: %m)", path);
    if (podman_peer_allowed(cred.uid, geteuid()))
        return 0;
    return ags_error_set(err, -EPERM,
                         "refusing to talk to the Podman socket %s: it is served by uid %u, "
                         "not by you (uid %u) or root; another user may be impersonating "
                         "Podman. Nothing was sent. Point CONTAINER_HOST at your own Podman "
                         "socket, or remove the socket and its directory",
                         path, (unsigned)cred.uid, (unsigned)geteuid());
}

int podman_connect_error(const struct podman_endpoint *ep, int e, struct ags_error *err)
{
    switch (e) {
    case ENOENT:
        return ags_error_set(err, -ENOENT, "no Podman service at %s (the socket does not exist)",
                             ep->uri);
    case ECONNREFUSED:
        return ags_error_set(err, -ECONNREFUSED, "no Podman service answers at %s (%s)", ep->uri,
                             ep->kind == PODMAN_EP_UNIX ? "stale socket, nothing listening"
                                                        : "nothing listening");
    case EACCES:
        return ags_error_set(err, -EACCES, "permission denied connecting to %s", ep->uri);
    default:
        return ags_error_set(err, -e, "cannot connect to Podman at %s: %s", ep->uri,
                             strerror(e));
    }
}

int podman_unix_connect(int fd, const struct podman_endpoint *ep, long timeout_ms,
                        struct ags_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(ep->path) >= sizeof(sa.sun_path))
        return ags_error_set(err, -ENAMETOOLONG, "socket path '%s' is too long", ep->path);
    memcpy(sa.sun_path, ep->path, strlen(ep->path) + 1);
    /* A blocking unix connect waits for room in a full backlog up to the
     * send timeout: that bounds it. */
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int r;
    do
        r = connect(fd, (const struct sockaddr *)&sa, sizeof(sa));
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return podman_connect_error(ep, errno == EAGAIN ? ETIMEDOUT : errno, err);
    tv = (struct timeval){0};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return podman_peer_check(fd, ep->path, err);
}
