/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps and ags stop on the bubblewrap backend (backend.h list_sessions,
 * stop_session, remove_session): a session is a per-run directory
 * runs/ags-bwrap-<name>/ (bwrap.h) with the run's labels and, once started,
 * the bwrap process's identity (base/procid.h), the only proof that a pid is
 * still that sandbox before it is signalled.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "base/rmtree.h"
#include "base/strv.h"
#include "base/banned.h"

/* How long a SIGKILLed sandbox may take to be gone (its owner reaps it). */
#define KILL_WAIT_MS 5000
#define POLL_NS      (50L * 1000L * 1000L)

static enum backend_session_state state_at(int run, const struct procid *self)
{
    struct stat st;
    if (fstatat(run, BWRAP_RUN_SANDBOX_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return BACKEND_SESSION_CREATED;
    return procid_file_state(run, BWRAP_RUN_SANDBOX_FILE, self) == PROCID_ALIVE
                   ? BACKEND_SESSION_RUNNING
                   : BACKEND_SESSION_EXITED;
}

/* A run directory of an older ags has no labels: its owner file stands in. */
static char **labels_at(int run)
{
    char **labels = NULL;
    if (bwrap_store_read_lines(run, BWRAP_STORE_LABELS, BWRAP_STORE_LABELS, &labels, NULL) == 0)
        return labels;
    _cleanup_free_ char *owner = read_own_line_at(run, BWRAP_RUN_OWNER_FILE, PROCID_MAX_TEXT);
    struct strv_builder sb = {0};
    strv_builder_push(&sb, xstrdup(PLAN_LABEL_MANAGED "=true"));
    if (owner && owner[0])
        strv_builder_push(&sb, xasprintf(PLAN_LABEL_OWNER "=%s", owner));
    return strv_builder_steal(&sb);
}

static void add_session(struct backend_sessions *ret, size_t *cap, int runs, const char *entry,
                        const struct procid *self)
{
    _cleanup_close_ int run = openat(runs, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (run < 0)
        return;
    ret->v = xgrow(ret->v, cap, ret->n + 1, sizeof(*ret->v));
    const char *name = entry + strlen(BWRAP_RUN_DIR_PREFIX);
    ret->v[ret->n++] = (struct backend_session){
            .id = xstrdup(name),
            .name = xstrdup(name),
            .state = state_at(run, self),
            .labels = labels_at(run),
    };
}

int bwrap_list_sessions(struct backend *base, struct backend_sessions *ret,
                        struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    *ret = (struct backend_sessions){0};
    struct procid self;
    int r = procid_self(&self, err);
    _cleanup_close_ int runs = -EBADF;
    if (r == 0)
        r = bwrap_store_open(b, BWRAP_STORE_RUNS, false, &runs, err);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    int copy = dup(runs);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        r = -errno;
        if (copy >= 0)
            (void)close(copy);
        return ags_error_set(err, r, "cannot list %s/" BWRAP_STORE_RUNS ": %s", b->data_dir,
                             strerror(-r));
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strncmp(de->d_name, BWRAP_RUN_DIR_PREFIX, strlen(BWRAP_RUN_DIR_PREFIX)) == 0 &&
            de->d_name[strlen(BWRAP_RUN_DIR_PREFIX)])
            add_session(ret, &cap, runs, de->d_name, &self);
    (void)closedir(d);
    return 0;
}

/* The run directory of a listed session, opened; -ENOENT when it is gone. */
static int open_run(struct bwrap_backend *b, const struct backend_session *s, int *ret_runs,
                    int *ret_run, struct ags_error *err)
{
    if (!s->id[0] || strchr(s->id, '/') || s->id[0] == '.')
        return ags_error_set(err, -EINVAL, "'%.64s' is no session name", s->id);
    int r = bwrap_store_open(b, BWRAP_STORE_RUNS, false, ret_runs, err);
    if (r < 0)
        return r == -ENOENT ? ags_error_set(err, -ENOENT, "no session %s", s->id) : r;
    _cleanup_free_ char *entry = xasprintf(BWRAP_RUN_DIR_PREFIX "%s", s->id);
    *ret_run = openat(*ret_runs, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*ret_run < 0)
        return ags_error_set(err, -errno, "no session %s", s->id);
    return 0;
}

/* Signals the sandbox's bwrap while its identity proves it is that
 * process: true when it was, false when it is gone. */
static bool signal_sandbox(int run, const struct procid *self, int sig)
{
    _cleanup_free_ char *text = read_own_line_at(run, BWRAP_RUN_SANDBOX_FILE, PROCID_MAX_TEXT);
    struct procid id;
    if (!text || procid_parse(text, &id) < 0 || procid_text_state(text, self) != PROCID_ALIVE)
        return false;
    return kill((pid_t)id.pid, sig) == 0;
}

/* Polls until the sandbox is gone or ms passed: whether it is gone. */
static bool wait_gone(int run, const struct procid *self, int64_t ms)
{
    int64_t end = monotonic_ms() + ms;
    while (state_at(run, self) == BACKEND_SESSION_RUNNING) {
        if (monotonic_ms() >= end)
            return false;
        struct timespec ts = {.tv_nsec = POLL_NS};
        (void)nanosleep(&ts, NULL);
    }
    return true;
}

/* SIGTERM, SIGKILL after timeout_s: 128 + the signal that ended it, or -1. */
static int end_sandbox(int run, const struct procid *self, unsigned timeout_s)
{
    if (!signal_sandbox(run, self, SIGTERM))
        return -1;
    if (wait_gone(run, self, (int64_t)timeout_s * 1000))
        return 128 + SIGTERM;
    if (!signal_sandbox(run, self, SIGKILL))
        return -1;
    return wait_gone(run, self, KILL_WAIT_MS) ? 128 + SIGKILL : -1;
}

int bwrap_stop_session(struct backend *base, const struct backend_session *s,
                       unsigned timeout_s, int *ret_exit, struct ags_error *err)
{
    *ret_exit = -1;
    struct procid self;
    _cleanup_close_ int runs = -EBADF, run = -EBADF;
    int r = procid_self(&self, err);
    if (r == 0)
        r = open_run(bwrap_of(base), s, &runs, &run, err);
    if (r == 0)
        *ret_exit = end_sandbox(run, &self, timeout_s);
    return r;
}

int bwrap_remove_session(struct backend *base, const struct backend_session *s,
                         struct ags_error *err)
{
    struct procid self;
    _cleanup_close_ int runs = -EBADF, run = -EBADF;
    int r = procid_self(&self, err);
    if (r == 0)
        r = open_run(bwrap_of(base), s, &runs, &run, err);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    if (signal_sandbox(run, &self, SIGKILL))
        (void)wait_gone(run, &self, KILL_WAIT_MS);
    /* Its secrets were memory files of the bwrap process: gone with it. */
    _cleanup_free_ char *entry = xasprintf(BWRAP_RUN_DIR_PREFIX "%s", s->id);
    r = rmtree_at(runs, entry, entry, err);
    return r == -ENOENT ? 0 : r;
}
