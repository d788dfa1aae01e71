/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private listening unix sockets and quiet server threads (usock.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/usock.h"
#include "base/banned.h"

int usock_connect_within(int fd, const struct sockaddr_un *sa, long timeout_ms)
{
    /* a blocking unix connect waits for room in the queue up to SO_SNDTIMEO */
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    if (timeout_ms <= 0)
        tv = (struct timeval){.tv_usec = 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int r;
    do
        r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
    while (r < 0 && errno == EINTR);
    int e = r < 0 ? errno : 0;
    tv = (struct timeval){0};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return e == EAGAIN ? -ETIMEDOUT : -e;
}

int usock_listen_private(const char *path, const char *what, int backlog, int *ret_fd,
                         struct ags_error *err)
{
    return usock_listen_private_type(path, what, SOCK_STREAM, backlog, ret_fd, err);
}

int usock_listen_private_type(const char *path, const char *what, int type, int backlog,
                              int *ret_fd, struct ags_error *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof(sa.sun_path))
        return ags_error_set(err, -ENAMETOOLONG,
                             "%s '%s': longer than a unix socket path may be (%zu)", what, path,
                             sizeof(sa.sun_path) - 1);
    memcpy(sa.sun_path, path, len + 1);
    _cleanup_close_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ags_error_set(err, -errno, "%s: %s", what, strerror(errno));
    /* bind never replaces an existing file: a path planted there is refused, not removed. */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return ags_error_set(err, -errno, "%s '%s': %s", what, path,
                             errno == EADDRINUSE ? "the path exists already" : strerror(errno));
    /* Nobody can connect before listen, so the mode is right before anyone can. */
    if (chmod(path, 0600) < 0 || listen(fd, backlog) < 0) {
        int e = -errno;
        (void)unlink(path);
        return ags_error_set(err, e, "%s '%s': %s", what, path, strerror(-e));
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

int thread_start_signals_blocked(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    (void)sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(t, NULL, fn, arg);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    return -r;
}
