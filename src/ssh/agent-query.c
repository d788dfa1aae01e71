/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/macro.h"
#include "ssh/agent-query.h"
#include "ssh/agent-proto.h"
#include "base/banned.h"

void ssh_agent_keys_done(struct ssh_agent_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->blob[i]);
    free(k->blob);
    free(k->len);
    *k = (struct ssh_agent_keys){0};
}

/* Waits for events on fd until the deadline: 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

static int connect_agent(const char *path, int *ret_fd, struct ags_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return ags_error_set(err, -ENAMETOOLONG, "the ssh agent socket path %s is too long", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ags_error_set(err, -errno, "socket: %m");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
        int r = ags_error_set(err, -errno, "no ssh agent answers at %s: %m", path);
        (void)close(fd);
        return r;
    }
    *ret_fd = fd;
    return 0;
}

static int send_request(int fd, const char *path, int64_t deadline, struct ags_error *err)
{
    uint8_t req[5] = {0, 0, 0, 1, AGENTC_REQUEST_IDENTITIES};
    size_t off = 0;
    while (off < sizeof(req)) {
        ssize_t n = send(fd, req + off, sizeof(req) - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        int r = n < 0 && (errno == EAGAIN || errno == EINTR) ? wait_fd(fd, POLLOUT, deadline)
                                                              : -errno;
        if (r < 0)
            return ags_error_set(err, r, "cannot ask the ssh agent at %s for its keys: %s", path,
                                 strerror(-r));
    }
    return 0;
}

/* Reads one whole answer into r. */
static int read_answer(int fd, const char *path, int64_t deadline, struct agent_reader *r,
                       struct ags_error *err)
{
    for (;;) {
        uint8_t buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0)
            return ags_error_set(err, -ECONNRESET, "the ssh agent at %s hung up without an "
                                                   "answer", path);
        if (n < 0) {
            int w = errno == EAGAIN || errno == EINTR ? wait_fd(fd, POLLIN, deadline) : -errno;
            if (w < 0)
                return ags_error_set(err, w, "no answer from the ssh agent at %s: %s", path,
                                     strerror(-w));
            continue;
        }
        size_t used = 0;
        int k = agent_reader_feed(r, buf, (size_t)n, &used, err);
        if (k != 0)
            return k < 0 ? k : 0; /* an agent answers once: bytes after it are ignored */
    }
}

static void keep_blobs(const struct agent_identity *ids, size_t n, struct ssh_agent_keys *ret)
{
    ret->blob = xcalloc(n + 1, sizeof(*ret->blob));
    ret->len = xcalloc(n + 1, sizeof(*ret->len));
    for (size_t i = 0; i < n; i++) {
        ret->blob[i] = xmalloc(ids[i].blob.len + 1);
        memcpy(ret->blob[i], ids[i].blob.p, ids[i].blob.len);
        ret->len[i] = ids[i].blob.len;
    }
    ret->n = n;
}

int ssh_agent_list(const char *socket_path, int timeout_ms, struct ssh_agent_keys *ret,
                   struct ags_error *err)
{
    *ret = (struct ssh_agent_keys){0};
    int64_t deadline = monotonic_ms() + timeout_ms;
    _cleanup_close_ int fd = -EBADF;
    int r = connect_agent(socket_path, &fd, err);
    if (r < 0)
        return r;
    r = wait_fd(fd, POLLOUT, deadline);
    if (r < 0)
        return ags_error_set(err, r, "no ssh agent answers at %s in time", socket_path);
    r = send_request(fd, socket_path, deadline, err);
    if (r < 0)
        return r;
    struct agent_reader reader;
    agent_reader_init(&reader);
    r = read_answer(fd, socket_path, deadline, &reader, err);
    if (r == 0) {
        size_t len = 0;
        const uint8_t *body = agent_reader_body(&reader, &len);
        struct agent_identity *ids = NULL;
        size_t n = 0;
        r = agent_parse_identities_answer(body, len, &ids, &n, err);
        if (r == 0)
            keep_blobs(ids, n, ret);
        else
            (void)ags_error_prefix(err, "the ssh agent at %s", socket_path);
        free(ids);
    }
    agent_reader_done(&reader);
    return r;
}

bool ssh_agent_keys_have(const struct ssh_agent_keys *k, const struct ssh_pubkey *key)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->len[i] == key->blob_len && memcmp(k->blob[i], key->blob, key->blob_len) == 0)
            return true;
    return false;
}
