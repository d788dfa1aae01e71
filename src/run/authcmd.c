/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ags approve`, `ags deny` and `ags auth-callback` (authproxy.h): the
 * running sessions' auth proxies found by their control sockets in ags's
 * private directory (only there: nobody else can put a socket in it), asked
 * through src/proxy's control client; a pasted callback address sent to the
 * port a session relays, as the browser would have.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strbuf.h"
#include "proxy/http.h"
#include "proxy/url.h"
#include "run/authproxy.h"
#include "run/internal.h"
#include "base/banned.h"

/* The relay answers within its own bound (60 s); a little more for the way. */
#define CALLBACK_TIMEOUT_MS 70000

static void push_session(struct run_proxy_sessions *s, const char *priv, const char *name)
{
    _cleanup_free_ char *control =
            xasprintf("%s/%s/" RUN_PROXY_CONTROL_NAME, priv, name);
    struct proxy_listing l;
    struct ags_error e = {0};
    if (proxy_control_list(control, &l, &e) < 0)
        return; /* a session that ended (its dir goes with the next run's sweep) */
    s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->v[s->n++] = (struct run_proxy_session){
        .session = xstrdup(name + strlen(RUN_PROXY_DIR_PREFIX)),
        .control = TAKE_PTR(control),
        .listing = l,
    };
}

int run_proxy_sessions_list(const char *(*getenv_fn)(const char *name), const char *cache_dir,
                            struct run_proxy_sessions *ret, struct ags_error *err)
{
    *ret = (struct run_proxy_sessions){0};
    _cleanup_free_ char *priv = NULL;
    int r = run_private_dir(getenv_fn, cache_dir, false, &priv, err);
    if (r == -ENOENT)
        return 0; /* no cache dir yet: no session either */
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(priv, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d)
        return ags_error_set(err, -errno, "cannot read %s: %m", priv);
    TAKE_FD(fd);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (strncmp(e->d_name, RUN_PROXY_DIR_PREFIX, strlen(RUN_PROXY_DIR_PREFIX)) != 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        push_session(ret, priv, e->d_name);
    }
    closedir(d);
    return 0;
}

void run_proxy_sessions_done(struct run_proxy_sessions *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].session);
        free(s->v[i].control);
        proxy_listing_done(&s->v[i].listing);
    }
    free(s->v);
    *s = (struct run_proxy_sessions){0};
}

int run_proxy_answer(const struct run_proxy_sessions *s, const char *id, bool allow,
                     const struct run_proxy_session **which, struct ags_error *err)
{
    *which = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const struct proxy_listing *l = &s->v[i].listing;
        if (!l->has_pending || strcmp(l->pending.id, id) != 0)
            continue;
        int r = proxy_control_answer(s->v[i].control, id, allow, err);
        if (r > 0)
            *which = &s->v[i];
        return r;
    }
    return 0;
}

static const struct run_proxy_session *relaying(const struct run_proxy_sessions *s,
                                                uint16_t port)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->v[i].listing.n_relays; k++)
            if (s->v[i].listing.relays[k] == port)
                return &s->v[i];
    return NULL;
}

static int connect_loopback(uint16_t port, int *ret_fd, struct ags_error *err)
{
    _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ags_error_set(err, -errno, "socket: %m");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return ags_error_set(err, -errno, "cannot connect to 127.0.0.1:%u: %m", (unsigned)port);
    *ret_fd = TAKE_FD(fd);
    return 0;
}

static int send_all(int fd, const char *p, size_t n, struct ags_error *err)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ags_error_set(err, -errno, "sending the callback: %m");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads the whole response (bounded like the relay) and parses its status. */
static int read_status(int fd, uint16_t *status, struct ags_error *err)
{
    struct strbuf in, body;
    strbuf_init(&in, AGS_PROXY_MAX_HEADER + AGS_PROXY_MAX_BODY + 4096u);
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    int64_t deadline = monotonic_ms() + CALLBACK_TIMEOUT_MS;
    int r = 0;
    for (bool eof = false; r == 0;) {
        struct proxy_http h = {0};
        size_t used = 0;
        r = proxy_http_parse(in.buf ? in.buf : "", in.len, PROXY_HTTP_RESPONSE, eof, &h, &body,
                             &used, err);
        if (r > 0)
            *status = h.status;
        proxy_http_done(&h);
        strbuf_reset(&body);
        if (r != 0)
            break;
        if (eof) {
            r = ags_error_set(err, -EBADMSG, "the relay closed before a whole answer");
            break;
        }
        int64_t left = deadline - monotonic_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            r = ags_error_set(err, -ETIMEDOUT, "no answer from the relay within %d s",
                              CALLBACK_TIMEOUT_MS / 1000);
            break;
        }
        char buf[16384];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = ags_error_set(err, -errno, "reading the relay's answer: %m");
            break;
        }
        eof = n == 0;
        if (n > 0 && strbuf_append(&in, buf, (size_t)n) < 0)
            r = ags_error_set(err, -EMSGSIZE, "the relay's answer is too large");
    }
    strbuf_done(&in);
    strbuf_done(&body);
    return r < 0 ? r : 0;
}

int run_auth_callback(const struct run_proxy_sessions *s, const char *url, uint16_t *status,
                      struct ags_error *err)
{
    size_t len = strcspn(url, "#"); /* a browser never sends the fragment */
    uint16_t port = 0;
    size_t target_off = 0;
    if (proxy_url_loopback_callback(url, len, &port, &target_off, err) < 0)
        return -EINVAL;
    if (!relaying(s, port))
        return ags_error_set(err, -ENOENT, "no ags session waits for a login callback on port %u "
                                           "(`ags approve` lists the ports that do)",
                             (unsigned)port);
    _cleanup_free_ char *target = target_off < len ? xstrndup(url + target_off, len - target_off)
                                                   : xstrdup("/");
    if (target[0] != '/')
        return ags_error_set(err, -EINVAL, "the address has no path after the port");
    _cleanup_free_ char *host = xasprintf("localhost:%u", (unsigned)port);
    struct proxy_header hdr = {.name = {"Host", 4}, .value = {host, strlen(host)}};
    const struct proxy_http req = {
        .method = {"GET", 3},
        .target = {target, strlen(target)},
        .headers = &hdr,
        .n_headers = 1,
    };
    struct strbuf out;
    strbuf_init(&out, AGS_PROXY_MAX_HEADER);
    int r = proxy_http_write_request(&out, &req);
    if (r < 0)
        r = ags_error_set(err, r, "the address cannot be sent as a request (too long?)");
    _cleanup_close_ int fd = -EBADF;
    if (r == 0)
        r = connect_loopback(port, &fd, err);
    if (r == 0)
        r = send_all(fd, out.buf, out.len, err);
    strbuf_done(&out);
    return r < 0 ? r : read_status(fd, status, err);
}
