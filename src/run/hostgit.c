/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's git on a repository that may be hostile (run/hostgit.h).  Its
 * config may name programs (fsmonitor, hooks, a pager): those are switched
 * off on the command line, which wins over files; a promisor remote's, by
 * the environment (RUN_GIT_NO_FETCH_ENV).  Its output is read bounded, and
 * git is killed rather than waited for once it says more than asked.
 */
#include "run/hostgit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/termesc.h"
#include "base/banned.h"

static const char *what_of(const struct run_host_git *o, const char *const *args)
{
    return o->what ? o->what : args[0];
}

static char **host_git_argv(const struct run_host_git *o, const char *git,
                            const char *const *args)
{
    static const char *const fixed[] = {
            "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
            "-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0",
            "-c", "maintenance.auto=false", "-c", "core.pager=cat",
    };
    struct strv_builder av = {0};
    strv_builder_push(&av, xstrdup(git));
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        strv_builder_push(&av, xstrdup(fixed[i]));
    for (size_t i = 0; o->config && o->config[i]; i++) {
        strv_builder_push(&av, xstrdup("-c"));
        strv_builder_push(&av, xstrdup(o->config[i]));
    }
    if (o->repo == RUN_HOST_GIT_WORK_TREE) {
        strv_builder_push(&av, xasprintf("--git-dir=%s/.git", o->dir));
        strv_builder_push(&av, xasprintf("--work-tree=%s", o->dir));
    } else {
        strv_builder_push(&av, xstrdup("-C"));
        strv_builder_push(&av, xstrdup(o->dir));
    }
    for (size_t i = 0; args[i]; i++)
        strv_builder_push(&av, xstrdup(args[i]));
    return strv_builder_steal(&av);
}

/* NAME=value when the value is an absolute path, else nothing. */
static void push_path_env(struct strv_builder *env, const char *(*getenv_fn)(const char *),
                          const char *name)
{
    const char *v = env_nonempty(getenv_fn, name);
    if (v && v[0] == '/')
        strv_builder_push(env, xasprintf("%s=%s", name, v));
}

static char **host_git_env(const char *(*getenv_fn)(const char *))
{
    static const char *const fixed[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C",
                                        "GIT_CONFIG_NOSYSTEM=1", "GIT_OPTIONAL_LOCKS=0",
                                        "GIT_TERMINAL_PROMPT=0", RUN_GIT_NO_FETCH_ENV};
    struct strv_builder env = {0};
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        strv_builder_push(&env, xstrdup(fixed[i]));
    /* The user's own config and excludesFile live there. */
    push_path_env(&env, getenv_fn, "HOME");
    push_path_env(&env, getenv_fn, "XDG_CONFIG_HOME");
    return strv_builder_steal(&env);
}

/* Starts git with stdout and stderr on fresh pipes (*out_rd, *err_rd). */
static int spawn_host_git(const struct run_host_git *o, const char *git, char **argv,
                          char **env, pid_t *pid, int *out_rd, int *err_rd,
                          struct ags_error *err)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    if (pipe2(pe, O_CLOEXEC) < 0) {
        int e = errno;
        (void)close(po[0]);
        (void)close(po[1]);
        return ags_error_set(err, -e, "pipe: %s", strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (o->repo == RUN_HOST_GIT_WORK_TREE)
        posix_spawn_file_actions_addchdir_np(&fa, o->dir);
    if (o->in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, o->in_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    int e = posix_spawn(pid, git, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    (void)close(po[1]);
    (void)close(pe[1]);
    if (e != 0) {
        (void)close(po[0]);
        (void)close(pe[0]);
        return ags_error_set(err, -e, "cannot run %s: %s", git, strerror(e));
    }
    *out_rd = po[0];
    *err_rd = pe[0];
    return 0;
}

struct host_git_io {
    struct strbuf out; /* stdout, bounded */
    char err[AGS_HOST_GIT_ERR_KEEP]; /* the end of stderr */
    size_t err_len;
};

/* Reads both pipes to their ends.  stdout beyond its bound is -EFBIG at
 * once: git would otherwise wait on the full pipe for ever. */
static int drain(int out_fd, int err_fd, struct host_git_io *io)
{
    struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (size_t i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            char buf[4096];
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0)
                fds[i].fd = -1;
            else if (i == 1)
                str_tail_keep(io->err, sizeof(io->err), &io->err_len, buf, (size_t)n);
            else if (strbuf_append(&io->out, buf, (size_t)n) < 0)
                return -EFBIG;
        }
    }
    return 0;
}

static int wait_host_git(pid_t pid, int *ret_status)
{
    while (waitpid(pid, ret_status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}

static int host_git_failed(const struct run_host_git *o, const char *what,
                           const struct host_git_io *io, int status, struct ags_error *err)
{
    _cleanup_free_ char *raw = xstrndup(io->err, io->err_len);
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == '\n' || raw[n - 1] == ' '))
        raw[--n] = '\0';
    _cleanup_free_ char *shown = term_escape_str(raw);
    /* Its end, which says why, must fit in the message whatever the
     * escaping made of it (a UTF-8 character is not cut). */
    const char *tail = shown;
    size_t len = strlen(shown);
    if (len > AGS_HOST_GIT_ERR_KEEP) {
        tail += len - AGS_HOST_GIT_ERR_KEEP;
        while ((*tail & 0xc0) == 0x80)
            tail++;
    }
    bool exited = WIFEXITED(status);
    return ags_error_set(err, -EBADMSG, "git %s failed in %s (%s %d)%s%s%s", what, o->dir,
                         exited ? "exit status" : "signal",
                         exited ? WEXITSTATUS(status) : WTERMSIG(status), shown[0] ? ": " : "",
                         tail != shown ? "..." : "", tail);
}

/* Reads git's output, reaps it and judges its status. */
static int collect(const struct run_host_git *o, const char *what, pid_t pid, int out_rd,
                   int err_rd, struct host_git_io *io, struct ags_error *err)
{
    int rd = drain(out_rd, err_rd, io);
    (void)close(out_rd);
    (void)close(err_rd);
    if (rd < 0)
        (void)kill(pid, SIGKILL);
    int status = 0;
    int w = wait_host_git(pid, &status);
    if (rd == -EFBIG)
        return ags_error_set(err, rd, "git %s in %s printed more than %zu bytes", what, o->dir,
                             o->out_max);
    if (rd < 0)
        return ags_error_set(err, rd, "reading git %s: %s", what, strerror(-rd));
    if (w < 0)
        return ags_error_set(err, w, "waiting for git %s: %s", what, strerror(-w));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return host_git_failed(o, what, io, status, err);
    return 0;
}

int run_host_git(const struct run_host_git *o, const char *const *args, char **ret,
                 size_t *ret_len, struct ags_error *err)
{
    const char *what = what_of(o, args);
    _cleanup_free_ char *git = trusted_program(env_nonempty(o->getenv_fn, "PATH"), "git");
    if (!git)
        return ags_error_set(err, -ENOENT, "no git on PATH in a directory only you or root can "
                             "change (for git %s in %s)", what, o->dir);
    _cleanup_strv_free_ char **argv = host_git_argv(o, git, args);
    _cleanup_strv_free_ char **env = host_git_env(o->getenv_fn);
    pid_t pid;
    int out_rd = -EBADF, err_rd = -EBADF;
    int r = spawn_host_git(o, git, argv, env, &pid, &out_rd, &err_rd, err);
    if (r < 0)
        return r;
    _cleanup_free_ struct host_git_io *io = xcalloc(1, sizeof(*io));
    strbuf_init(&io->out, o->out_max);
    r = collect(o, what, pid, out_rd, err_rd, io, err);
    if (r == 0 && ret_len)
        *ret_len = io->out.len;
    if (r == 0 && ret)
        *ret = strbuf_steal(&io->out);
    strbuf_done(&io->out);
    return r;
}
