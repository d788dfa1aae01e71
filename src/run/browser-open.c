/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening an approved URL in the user's browser (run/authproxy.h): the
 * configured [auth_proxy].browser_command with the URL as its last argument,
 * else xdg-open; found in directories only root or the user can change,
 * started in a session of its own with nothing of ags's terminal (a text
 * browser that xdg-open falls back to on a console would otherwise take the
 * terminal the agent shares), and reaped by a detached thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/authproxy.h"
#include "run/internal.h"
#include "base/banned.h"

static void *reap(void *arg)
{
    pid_t pid = (pid_t)(intptr_t)arg;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return NULL;
}

/* The program of argv0: a path as it is (if trusted), a name on PATH. */
static char *find_program(const char *argv0, const char *path_env)
{
    if (strchr(argv0, '/')) {
        _cleanup_free_ char *p = trusted_realpath(argv0);
        return p && access(p, X_OK) == 0 ? TAKE_PTR(p) : NULL;
    }
    return trusted_program(path_env, argv0);
}

static int spawn_detached(const char *prog, char **argv, char *why, size_t why_size)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    for (int fd = 0; fd <= 2; fd++)
        posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int e = posix_spawn(&pid, prog, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (e != 0) {
        (void)snprintf(why, why_size, "cannot run %s: %s", prog, strerror(e));
        return -e;
    }
    pthread_t t;
    pthread_attr_t ta;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &ta, reap, (void *)(intptr_t)pid) != 0)
        (void)waitpid(pid, NULL, WNOHANG); /* left to exit's reaping */
    pthread_attr_destroy(&ta);
    return 0;
}

int run_open_url(const struct run_browser *b, const char *url, char *why, size_t why_size)
{
    bool configured = b->command && b->command[0];
    if (!configured && !env_nonempty(b->getenv, "DISPLAY") &&
        !env_nonempty(b->getenv, "WAYLAND_DISPLAY")) {
        (void)snprintf(why, why_size, "no display here (DISPLAY and WAYLAND_DISPLAY are unset)");
        return -ENOTSUP;
    }
    const char *argv0 = configured ? b->command[0] : "xdg-open";
    _cleanup_free_ char *prog = find_program(argv0, env_nonempty(b->getenv, "PATH"));
    if (!prog) {
        (void)snprintf(why, why_size, "no %s on PATH in a directory only root or you can change%s",
                       argv0, configured ? " ([auth_proxy].browser_command)" : " (xdg-utils)");
        return -ENOENT;
    }
    struct strv_builder sb = {0};
    strv_builder_push(&sb, xstrdup(argv0));
    for (size_t i = 1; configured && b->command[i]; i++)
        strv_builder_push(&sb, xstrdup(b->command[i]));
    strv_builder_push(&sb, xstrdup(url));
    _cleanup_strv_free_ char **argv = strv_builder_steal(&sb);
    return spawn_detached(prog, argv, why, why_size);
}
