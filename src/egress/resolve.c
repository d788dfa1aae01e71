/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egress_resolve: getaddrinfo that cannot hold a connection (or the stop) for longer than
 * its bound.  glibc's getaddrinfo cannot be cancelled, so it runs on a detached thread of
 * its own; the job is freed by whichever of the two ends last. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/relay.h"
#include "base/usock.h"
#include "egress/internal.h"
#include "base/banned.h"

struct job {
    pthread_mutex_t lock;
    unsigned refs; /* the resolver thread and the waiter */
    char host[AGS_PROXY_MAX_HOST + 1], port[8];
    int done_pipe[2]; /* the thread writes a byte when it is done */
    int rc;
    struct addrinfo *res;
};

static void job_unref(struct job *j)
{
    pthread_mutex_lock(&j->lock);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (!last)
        return;
    if (j->res)
        freeaddrinfo(j->res);
    (void)close(j->done_pipe[0]);
    (void)close(j->done_pipe[1]);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

static void *resolve_main(void *arg)
{
    struct job *j = arg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(j->host, j->port, &hints, &res);
    pthread_mutex_lock(&j->lock);
    j->rc = rc;
    j->res = res;
    pthread_mutex_unlock(&j->lock);
    (void)!write(j->done_pipe[1], "", 1);
    job_unref(j);
    return NULL;
}

static struct job *job_new(const char *host, uint16_t port)
{
    struct job *j = xcalloc(1, sizeof(*j));
    pthread_mutex_init(&j->lock, NULL);
    j->refs = 2;
    snprintf(j->host, sizeof(j->host), "%s", host);
    snprintf(j->port, sizeof(j->port), "%u", (unsigned)port);
    if (pipe2(j->done_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(j);
        return NULL;
    }
    return j;
}

static int start(struct job *j)
{
    pthread_t t;
    int r = thread_start_signals_blocked(&t, resolve_main, j);
    if (r < 0)
        return r;
    (void)pthread_detach(t);
    return 0;
}

int egress_resolve(const char *host, uint16_t port, int stop_fd, int timeout_ms,
                   struct addrinfo **ret, const char **reason)
{
    *reason = "";
    struct job *j = job_new(host, port);
    if (!j)
        return -errno;
    int r = start(j);
    if (r < 0) {
        j->refs = 1;
        job_unref(j);
        return r;
    }
    r = relay_wait(j->done_pipe[0], POLLIN, stop_fd, timeout_ms);
    if (r > 0) {
        pthread_mutex_lock(&j->lock);
        int rc = j->rc;
        *ret = j->res;
        j->res = NULL;
        pthread_mutex_unlock(&j->lock);
        r = 0;
        if (rc != 0) {
            *reason = gai_strerror(rc);
            r = rc == EAI_NONAME || rc == EAI_NODATA ? -ENOENT : -EIO;
        }
    }
    job_unref(j);
    return r;
}
