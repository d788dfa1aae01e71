/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small pieces the auth proxy's server shares (server-internal.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "proxy/server-internal.h"
#include "base/banned.h"

void proxy_out_init(struct proxy_out *o, size_t max)
{
    strbuf_init(&o->buf, max);
    o->off = 0;
}

void proxy_out_done(struct proxy_out *o)
{
    strbuf_done(&o->buf);
    o->off = 0;
}

bool proxy_out_busy(const struct proxy_out *o)
{
    return o->off < o->buf.len;
}

int proxy_out_flush(struct proxy_out *o, int fd)
{
    while (o->off < o->buf.len) {
        ssize_t n = send(fd, o->buf.buf + o->off, o->buf.len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n < 0)
            return -errno;
        o->off += (size_t)n;
    }
    /* All out: the buffer is reused for the next frame. */
    strbuf_reset(&o->buf);
    o->off = 0;
    return 1;
}

ssize_t proxy_recv(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = recv(fd, buf, n, MSG_DONTWAIT);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return -errno;
    }
}

void proxy_emit(const struct proxy_server *s, const struct proxy_event *e)
{
    if (s->event)
        s->event(e, s->userdata);
}

void proxy_printable_text(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src[n] && n + 1 < size && n < AGS_PROXY_MAX_TEXT; n++)
        dst[n] = src[n] >= 0x20 && src[n] <= 0x7e ? src[n] : '?';
    dst[n] = '\0';
    if (n == 0)
        (void)snprintf(dst, size, "refused");
}

void proxy_url_text(char *buf, size_t size, const char *prefix, const char *url, const char *suffix)
{
    /* Room for the prefix, the suffix and "...": the URL is what gives way. */
    size_t fixed = strlen(prefix) + strlen(suffix) + 3;
    size_t room = size > fixed + 1 ? size - fixed - 1 : 0;
    if (room > AGS_PROXY_MAX_TEXT - fixed)
        room = AGS_PROXY_MAX_TEXT - fixed;
    bool cut = strlen(url) > room;
    (void)snprintf(buf, size, "%s%.*s%s%s", prefix, (int)room, url, cut ? "..." : "", suffix);
}

void proxy_duration_text(char *buf, size_t size, int ms)
{
    if (ms % 1000 != 0)
        (void)snprintf(buf, size, "%d ms", ms);
    else
        (void)snprintf(buf, size, "%d s", ms / 1000);
}

bool proxy_peer_cred(int fd, pid_t *pid, uid_t *uid)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
        return false;
    *pid = cred.pid;
    *uid = cred.uid;
    return true;
}
