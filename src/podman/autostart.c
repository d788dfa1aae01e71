/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The zero-setup default: when no Podman service answers, ags starts
 * `podman system service` on a socket of its own and uses it.
 *
 * The service runs in a new session (setsid) with all three standard streams
 * redirected, so it never holds our terminal and outlives ags; it exits by
 * itself after --time=IDLE seconds without clients.  It is spawned directly
 * (posix_spawn, no shell).  While ags runs it is ags's child: should it idle
 * out before ags exits, it stays a zombie until then (the podman layer does
 * not touch SIGCHLD, which belongs to the program).
 */
#include "podman/connect-internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strv.h"
#include "base/fileio.h"
#include "base/banned.h"


#define LOCK_WAIT_MS  (PODMAN_AUTOSTART_WAIT_MS + 5000L)
#define POLL_STEP_MS  50
#define LOG_TAIL_MAX  (64u * 1024u)

static void sleep_ms(int ms)
{
    (void)poll(NULL, 0, ms);
}

/* Only a `podman` that it and every directory above it are trusted:
 * another user who could write there could replace the `podman` ags starts
 * (it gets every secret). */
char *podman_find_binary(const struct podman_connect_opts *opts)
{
    return trusted_program(podman_opts_getenv(opts, "PATH"), "podman");
}

/* The runtime dir (resolved: a symlink is the user's own setup, e.g. in
 * $XDG_RUNTIME_DIR) exists and is private to us; created 0700 if missing. */
static int private_runtime_dir(const char *runtime_dir, char **ret, struct ags_error *err)
{
    if (mkdir(runtime_dir, 0700) < 0 && errno != EEXIST)
        return ags_error_set(err, -errno, "cannot create the runtime directory '%s': %m",
                             runtime_dir);
    _cleanup_free_ char *real = realpath(runtime_dir, NULL);
    if (!real)
        return ags_error_set(err, -errno, "cannot resolve '%s': %m", runtime_dir);
    if (!podman_dir_is_private(real, geteuid()))
        return ags_error_set(err, -EPERM, "the runtime directory '%s' is not private to you "
                                          "(it must be a directory of yours, mode 0700): "
                                          "another user could serve or swap the Podman socket "
                                          "in it. Set XDG_RUNTIME_DIR to a directory of yours",
                             runtime_dir);
    *ret = TAKE_PTR(real);
    return 0;
}

static int take_lock(const char *dir, int *ret_fd, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/podman.lock", dir);
    return lockfile_take(path, LOCK_WAIT_MS, ret_fd, err);
}

/* The last non-empty line of the service log, for error messages. */
static char *log_tail(const char *path)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    if (read_file_bounded(path, LOG_TAIL_MAX, &buf, &len, NULL) < 0 || len == 0)
        return xstrdup("(the log is empty)");
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    const char *line = memrchr(buf, '\n', len);
    line = line ? line + 1 : buf;
    return xasprintf("%.300s", line);
}

static int spawn_service(const char *bin, const char *runtime_dir, const char *sock,
                         const char *log_path, uint32_t idle, pid_t *ret_pid,
                         struct ags_error *err)
{
    _cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    _cleanup_close_ int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
                                   O_NOFOLLOW | O_NOCTTY, 0600);
    if (devnull < 0 || log < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m",
                             devnull < 0 ? "/dev/null" : log_path);
    char a_system[] = "system", a_service[] = "service";
    _cleanup_free_ char *a_bin = xstrdup(bin);
    _cleanup_free_ char *a_time = xasprintf("--time=%u", idle);
    _cleanup_free_ char *a_uri = xasprintf("unix://%s", sock);
    char *argv[] = {a_bin, a_system, a_service, a_time, a_uri, NULL};

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    /* dup2 clears O_CLOEXEC on the target: only these three survive exec. */
    posix_spawn_file_actions_adddup2(&fa, devnull, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, log, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, log, STDERR_FILENO);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    const int reset[] = {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGTSTP, SIGTTIN,
                         SIGTTOU, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < ARRAY_SIZE(reset); i++)
        sigaddset(&dfl, reset[i]);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
    _cleanup_free_ char *xdg = NULL;
    /* XDG_RUNTIME_DIR set to the runtime dir ags checked: without it, Podman
     * picks its own (/tmp/podman-run-UID, which another user may plant as a
     * symlink to a dir of theirs) and keeps its runRoot there. */
    _cleanup_free_ char **env = strv_env_with(environ, "XDG_RUNTIME_DIR", runtime_dir, &xdg);
    int e = posix_spawn(ret_pid, bin, &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (e != 0)
        return ags_error_set(err, -e, "cannot run '%s': %s", bin, strerror(e));
    return 0;
}

static void stop_service(pid_t pid)
{
    if (kill(pid, SIGTERM) < 0)
        return;
    for (int i = 0; i < 40; i++) {
        if (waitpid(pid, NULL, WNOHANG) != 0)
            return;
        sleep_ms(POLL_STEP_MS);
    }
    (void)kill(pid, SIGKILL);
    (void)waitpid(pid, NULL, 0);
}

static int wait_ready(pid_t pid, const char *uri, const char *log_path, struct ags_error *err)
{
    long deadline = monotonic_ms() + PODMAN_AUTOSTART_WAIT_MS;
    for (;;) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            _cleanup_free_ char *tail = log_tail(log_path);
            return ags_error_set(err, -ECHILD, "`podman system service` exited with status %d: "
                                               "%s (log: %s)",
                                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                                 tail, log_path);
        }
        if (podman_ping_uri(uri, 1000, NULL) == 0)
            return 0;
        if (monotonic_ms() > deadline) {
            stop_service(pid);
            _cleanup_free_ char *tail = log_tail(log_path);
            return ags_error_set(err, -ETIMEDOUT, "`podman system service` did not answer "
                                                  "within %ld s: %s (log: %s)",
                                 PODMAN_AUTOSTART_WAIT_MS / 1000, tail, log_path);
        }
        sleep_ms(POLL_STEP_MS);
    }
}

int podman_autostart(const char *podman_bin, const char *runtime_dir, uint32_t idle_seconds,
                     char **ret_uri, struct ags_error *err)
{
    _cleanup_free_ char *real = NULL;
    int r = private_runtime_dir(runtime_dir, &real, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *dir = xasprintf("%s/ags", real);
    _cleanup_free_ char *sock = xasprintf("%s/podman.sock", dir);
    _cleanup_free_ char *uri = xasprintf("unix://%s", sock);
    _cleanup_free_ char *log_path = xasprintf("%s/podman-service.log", dir);
    struct stat st;
    r = mkdir_private(dir, err);
    _cleanup_close_ int lock = -EBADF;
    if (r == 0)
        r = take_lock(dir, &lock, err);
    if (r < 0)
        return r;
    /* Another ags may have started it while we waited for the lock. */
    if (podman_ping_uri(uri, PODMAN_PING_TIMEOUT_MS, NULL) < 0) {
        /* A socket left by a service that idled out or crashed. */
        if (lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
            (void)unlink(sock);
        pid_t pid = 0;
        r = spawn_service(podman_bin, real, sock, log_path, idle_seconds, &pid, err);
        if (r == 0)
            r = wait_ready(pid, uri, log_path, err);
        if (r < 0)
            return r;
    }
    *ret_uri = TAKE_PTR(uri);
    return 0;
}
