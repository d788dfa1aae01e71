/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The steps of a run behind the backend interface (backend/backend.h):
 * open the backend, sweep what dead ags processes left, make sure the image
 * exists, stage lockdown, install the guard assets, prepare volumes and
 * paths, hand over the secrets, create the sandbox, run it attached; then
 * undo on every way out what was done: the sandbox, the secrets, the
 * backend, the signal dispositions (run_plan: the staging).
 *
 * SIGINT, SIGTERM and SIGHUP only set a flag for the run's length (the
 * attached session has its own handlers, podman/tty.c): the backend's long
 * requests give up on it and each step checks it, so the undo runs instead
 * of the default disposition killing ags.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/signals.h"
#include "run/assets.h"
#include "run/authproxy.h"
#include "run/baseline.h"
#include "run/egress.h"
#include "run/gitdirs.h"
#include "run/internal.h"
#include "run/remote-upload.h"
#include "run/remote.h"
#include "run/stage.h"
#include "secrets/secrets.h"
#include "base/banned.h"

/* How often a taken sandbox name is replaced by a fresh one. */
#define NAME_RETRIES 5

static volatile sig_atomic_t run_signal;
static const int run_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_run_signal(int sig)
{
    if (!run_signal)
        run_signal = sig;
}

struct run_state {
    const struct run_opts *o;
    const struct run_callbacks *cb;
    const char *(*getenv)(const char *name);
    struct ags_plan *p;
    struct backend *b;
    struct mount_pins pins;
    char *id;          /* the sandbox once created */
    bool secrets_made; /* secrets_create succeeded */
    struct run_ssh ssh; /* the filtering ssh agent (plan->ssh_agent_sock) */
    struct run_authproxy proxy; /* the auth proxy (plan->auth_proxy_sock) */
    struct run_egress egress;   /* the egress proxy (plan->egress_sock, allowlist mode) */
    int agent_lock;    /* shared, until the sandbox is created */
    char *baseline;    /* a supervised session's, for ags diff (removed at the end) */
    bool ran;          /* the session ran to its end: exit status and session_ms hold */
    bool started;      /* the sandbox was started: its workspace may hold work */
    struct run_remote_pack pack; /* a remote plan's uploads, packed before the engine opens */
    int export_fd;     /* the export a remote git sandbox made itself, or -1 */
    bool exports_inside; /* a remote git sandbox: its argv makes the export */
    bool capturing;      /* capture takes the export out of its stdout */
    struct run_export_capture capture;
    uint64_t session_ms;
};

/* -EINTR with *err once a signal arrived, else 0. */
static int interrupted(struct ags_error *err)
{
    if (!run_signal)
        return 0;
    const char *name = sigabbrev_np(run_signal);
    return ags_error_set(err, -EINTR,
                         "interrupted by SIG%s before the agent started; nothing was left behind",
                         name ? name : "?");
}

/* A failed step: one that a signal aborted says only that. */
static int step_failed(int r, struct ags_error *err)
{
    return run_signal ? interrupted(err) : r;
}

/* The sweep is best effort: a failure is said and the run goes on. */
static int sweep(struct run_state *s, struct ags_error *err)
{
    struct ags_error e = {0};
    size_t swept = 0;
    int r = s->b->ops->sweep(s->b, &swept, &e);
    if (r < 0 && r != -EINTR)
        run_warnf(s->cb, "could not sweep what earlier runs left: %s", e.msg);
    /* A running supervised session keeps its staging and baseline even when
     * its supervisor is gone (docs/sessions.md). */
    struct backend_sessions live = {0};
    bool listed = s->b->ops->list_sessions && s->b->ops->list_sessions(s->b, &live, NULL) == 0;
    _cleanup_strv_free_ char **keep = run_supervised_running(&live);
    if (stage_sweep(run_tmp_dir(), keep, &swept, &e) < 0)
        run_warnf(s->cb, "could not sweep old lockdown staging: %s", e.msg);
    if (listed)
        run_sessions_sweep_baselines(&live, s->getenv);
    backend_sessions_done(&live);
    /* Only in a directory nobody else can write: there every ags-ssh-*,
     * ags-proxy-* and ags-egress-* is ours. */
    _cleanup_free_ char *priv = NULL;
    struct ags_error none = {0};
    if (run_private_dir(s->getenv, s->o->cfg->sandbox.cache_dir.v, false, &priv, &none) < 0)
        return interrupted(err);
    if (stage_sweep_prefix(priv, RUN_SSH_DIR_PREFIX, &swept, &e) < 0)
        run_warnf(s->cb, "could not sweep an old ssh agent directory: %s", e.msg);
    if (stage_sweep_prefix(priv, RUN_PROXY_DIR_PREFIX, &swept, &e) < 0)
        run_warnf(s->cb, "could not sweep an old auth proxy directory: %s", e.msg);
    if (stage_sweep_prefix(priv, RUN_EGRESS_DIR_PREFIX, &swept, &e) < 0)
        run_warnf(s->cb, "could not sweep an old egress proxy directory: %s", e.msg);
    return interrupted(err);
}

/* Lockdown staging; what it left out of the agent home is said (a few of
 * them: the agent chooses how many there are). */
static int stage_home(struct run_state *s, struct ags_error *err)
{
    struct stage_notes notes = {0};
    int r = stage_lockdown(s->p, s->o->staging_dir, &notes, err);
    for (size_t i = 0; i < STAGE_MAX_NOTES && notes.msg[i]; i++)
        run_warnf(s->cb, "%s", notes.msg[i]);
    if (notes.n > STAGE_MAX_NOTES)
        run_warnf(s->cb, "%zu more entries of the agent home were not staged",
                  notes.n - STAGE_MAX_NOTES);
    stage_notes_done(&notes);
    return r;
}

static int install_guards(struct run_state *s, struct ags_error *err)
{
    _cleanup_free_ char *shipped = s->o->assets_dir ? NULL : run_shipped_path("agent-assets");
    _cleanup_free_ char *note = NULL;
    int r = assets_install(s->p, s->o->assets_dir ? s->o->assets_dir : shipped, &note, err);
    if (r >= 0 && note)
        run_warnf(s->cb, "%s", note);
    return r < 0 ? r : 0;
}

/* Everything before the secrets: the steps a signal may cut short. */
static int prepare(struct run_state *s, struct ags_error *err)
{
    int r = sweep(s, err);
    if (r == 0)
        r = run_ensure_image(s->b, s->o->cfg, s->p->image.v, s->cb, err);
    if (r == 0 && s->p->lockdown)
        r = stage_home(s, err);
    if (r == 0)
        r = interrupted(err);
    if (r == 0 && !s->p->maintenance)
        r = install_guards(s, err);
    if (r == 0)
        r = s->b->ops->prepare(s->b, s->p, err);
    return r < 0 ? step_failed(r, err) : interrupted(err);
}

/* A remote engine's volumes get their upload_from directories
 * (run/remote-upload.h) in the created sandbox, before it starts; outside
 * git the baseline `ags pull` diffs against follows. */
static int upload_remote(struct run_state *s, struct ags_error *err)
{
    if (!s->p->remote)
        return 0;
    int r = run_remote_put(s->b, s->p, s->id, &s->pack, s->cb, err);
    if (r == 0)
        r = run_remote_after_upload(s->b, s->p, err);
    run_remote_pack_done(&s->pack);
    return r < 0 ? step_failed(r, err) : interrupted(err);
}

/* After the sandbox is gone (its volumes are free): the agent's changes
 * come back as a branch (docs/remote.md) — also after a signal or a lost
 * link, when a failure keeps the volumes for `ags pull` — or, when the
 * sandbox never started, the session's volumes go (no work is in them). */
static void end_remote(struct run_state *s)
{
    /* A remote plan refused by a local engine (check_engine) made nothing. */
    if (!s->b || !s->p->remote || !s->b->remote)
        return;
    if (s->started) {
        run_remote_bring_back(s->b, s->p, s->o->cfg, s->export_fd, s->cb);
        return;
    }
    /* By name, not by listing: a signal (why the sandbox never started)
     * cuts a listing short, never a removal. */
    _cleanup_strv_free_ char **names = run_remote_plan_volumes(s->p);
    struct ags_error e = {0};
    if (run_remote_remove_volumes(s->b, NULL, (const char *const *)names, &e) < 0)
        run_warnf(s->cb, "could not remove the session's workspace volumes: %s", e.msg);
}

/* The filtering ssh agent the plan mounts (none in lockdown). */
static int serve_ssh(struct run_state *s, struct ags_error *err)
{
    const struct run_ssh_opts so = {
        .cfg = s->o->cfg,
        .plan = s->p,
        .cb = s->cb,
        .getenv = s->getenv,
        .tty = !s->o->capture && isatty(STDIN_FILENO),
    };
    int r = run_ssh_begin(&s->ssh, &so, err);
    return r < 0 ? step_failed(r, err) : interrupted(err);
}

/* The auth proxy the plan mounts (none in lockdown). */
static int serve_auth_proxy(struct run_state *s, struct ags_error *err)
{
    const struct run_authproxy_opts ao = {
        .cfg = s->o->cfg, .plan = s->p, .cb = s->cb, .getenv = s->getenv};
    int r = run_authproxy_begin(&s->proxy, &ao, err);
    return r < 0 ? step_failed(r, err) : interrupted(err);
}

/* The egress proxy the plan mounts (allowlist mode only). */
static int serve_egress(struct run_state *s, struct ags_error *err)
{
    const struct run_egress_opts eo = {
        .cfg = s->o->cfg, .plan = s->p, .cb = s->cb, .getenv = s->getenv};
    int r = run_egress_begin(&s->egress, &eo, err);
    return r < 0 ? step_failed(r, err) : interrupted(err);
}

/* Resolves the plan's secrets (never in lockdown) and hands each value to
 * the backend; ags's copies are wiped right after. */
static int deliver_secrets(struct run_state *s, struct ags_error *err)
{
    if (s->p->lockdown || s->p->n_secrets == 0)
        return 0;
    char **helper_env = secret_helper_env(environ);
    struct secret_host host = {
        .getenv = s->getenv,
        .home = env_nonempty(s->getenv, "HOME"),
        .helper_env = helper_env,
    };
    struct secret_set set;
    secrets_resolve(s->o->cfg, s->p, &host, &set);
    strv_free(helper_env);
    for (size_t i = 0; i < set.n_warnings; i++)
        run_warnf(s->cb, "%s", set.warnings[i]);
    struct backend_secret_value *values = xcalloc(set.n + 1, sizeof(*values));
    for (size_t i = 0; i < set.n; i++)
        values[i] = (struct backend_secret_value){set.v[i].env, set.v[i].value, set.v[i].len};
    int r = s->b->ops->secrets_create(s->b, s->p, values, set.n, err);
    free(values);
    secret_set_done(&set);
    s->secrets_made = r == 0;
    return r < 0 ? step_failed(r, err) : 0;
}

/* A fresh random 4-hex suffix for a name that is already taken. */
static void rename_sandbox(struct ags_plan *p)
{
    uint16_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = (uint16_t)(getpid() ^ (pid_t)r);
    size_t n = strlen(p->name.v);
    if (n > 4)
        (void)snprintf(p->name.v + n - 4, 5, "%04x", r);
}

static int create(struct run_state *s, bool tty, struct ags_error *err)
{
    for (int attempt = 0;; attempt++) {
        int r = s->b->ops->create(s->b, s->p, tty, &s->id, err);
        if (r != -EEXIST || attempt >= NAME_RETRIES || run_signal)
            return r < 0 ? step_failed(r, err) : 0;
        rename_sandbox(s->p); /* a concurrent run picked the same name */
    }
}

static int attach(struct run_state *s, bool tty, int *ret_exit, struct ags_error *err)
{
    struct term_filter out_term, err_term;
    const struct output_filter *term_out = NULL, *term_err = NULL;
    struct backend_io io = {.in_fd = -1, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO};
    if (s->o->supervised) { /* stdout and stderr are /dev/null there */
        io.out_filter = io.err_filter = s->o->supervised;
    } else if (s->o->capture) {
        io.out_fd = io.err_fd = s->o->capture_fd;
    } else {
        io.in_fd = STDIN_FILENO;
        io.tty = tty;
        io.out_filter = term_out = run_terminal_filter(&out_term, STDOUT_FILENO, s->p->lockdown);
        io.err_filter = term_err = run_terminal_filter(&err_term, STDERR_FILENO, s->p->lockdown);
    }
    if (s->capturing)
        io.out_filter = run_export_capture_filter(&s->capture, io.out_filter);
    int r = s->b->ops->start_attached(s->b, s->id, &io, ret_exit, err);
    if (s->capturing)
        run_export_capture_end(&s->capture, io.out_fd);
    if (term_out)
        run_terminal_finish(&out_term, STDOUT_FILENO);
    if (term_err)
        run_terminal_finish(&err_term, STDERR_FILENO);
    return r;
}

/* A remote git session's sandbox makes its own export when its agent ends
 * (run_export_wrap_argv) and sends it at the end of its stdout: no second
 * container start at the end, no archive GET. */
static void wrap_for_export(struct run_state *s)
{
    struct run_remote_session rs;
    if (!s->p->remote || !run_remote_exports_inside(s->p, &rs))
        return;
    /* The base and the session name are the workspace volume's labels. */
    char **wrapped = run_export_wrap_argv((const char *const *)s->p->argv,
                                          RUN_EXPORT_INNER_PATH,
                                          s->o->cfg->remote.max_pull.v, rs.workdir, rs.base,
                                          rs.name);
    strv_free(s->p->argv);
    s->p->argv = wrapped;
    s->exports_inside = true;
    struct ags_error e = {0};
    s->capturing = run_export_capture_begin(&s->capture, s->o->cfg->remote.max_pull.v, &e) == 0;
}

/* The export of a sandbox that ran to its end, before it is removed: from
 * its stdout, else from its file; none (an image without perl, a stop too
 * late) leaves it to a helper. */
static void fetch_export(struct run_state *s)
{
    if (!s->exports_inside)
        return;
    int r = s->capturing ? run_export_capture_take(&s->capture, &s->export_fd) : -ENOENT;
    if (r != -ENOENT)
        return;
    struct ags_error e = {0};
    r = run_remote_fetch_export(s->b, s->id, s->o->cfg, &s->export_fd, &e);
    if (r < 0 && r != -ENOENT)
        run_warnf(s->cb, "the sandbox's own export could not be read (%s); a helper makes it "
                         "again", e.msg);
}

/* On success, on errors and after a signal: the sandbox goes. */
static void remove_sandbox(struct run_state *s)
{
    struct ags_error e = {0};
    int r = s->b->ops->remove(s->b, s->id, &e);
    if (r < 0 && r != -ENOENT)
        run_warnf(s->cb, "could not remove container %s: %s", s->p->name.v, e.msg);
    free(s->id);
    s->id = NULL;
}

static void unlock_agent(struct run_state *s)
{
    if (s->agent_lock >= 0)
        (void)close(s->agent_lock);
    s->agent_lock = -EBADF;
}

/* After everything is undone, so that the terminal is the user's again. */
static void tell_session_end(const struct run_state *s, int exit_status)
{
    const struct cfg_notify *n = &s->o->cfg->notify;
    const struct run_session_end e = {
            .enabled = n->enabled.v,
            .min_seconds = n->min_seconds.v,
            .maintenance = s->p->maintenance,
            .agent = plan_agent_name(s->p->agent),
            .exit_status = exit_status,
            .elapsed_ms = s->session_ms,
    };
    run_session_end_notify(&e, s->o->notify_send);
}

static int run_sandbox(struct run_state *s, int *ret_exit, struct ags_error *err)
{
    bool tty = !s->o->capture && !s->o->supervised && isatty(STDIN_FILENO) &&
               isatty(STDOUT_FILENO);
    wrap_for_export(s);
    int r = create(s, tty, err);
    unlock_agent(s); /* the sandbox exists (or never will): an update may go on */
    if (r < 0)
        return r;
    struct ags_error attach_err = {0};
    int refused = upload_remote(s, err);
    if (refused == 0)
        refused = run_copy_in(s->b, s->p, s->id, err); /* a remote plan's host files */
    if (refused == 0)
        refused = pins_verify(&s->pins, err);
    bool attached = !run_signal && refused == 0;
    int64_t start = attached ? monotonic_ms() : 0;
    s->started = attached;
    int ar = attached ? attach(s, tty, ret_exit, &attach_err) : 0;
    if (attached && ar == 0) {
        s->ran = true;
        s->session_ms = (uint64_t)(monotonic_ms() - start);
        fetch_export(s);
    }
    remove_sandbox(s);
    if (refused)
        return refused;
    if (!attached)
        return interrupted(err);
    if (ar == -EINTR)
        return ags_error_set(err, -EINTR, "%s; the sandbox was removed", attach_err.msg);
    if (ar < 0) {
        *err = attach_err;
        return step_failed(ar, err);
    }
    return 0;
}

static void say_lock_wait(const void *userdata)
{
    const struct run_state *s = userdata;
    if (s->cb->progress) {
        _cleanup_free_ char *msg = xasprintf("waiting for `ags update-agents` to finish with %s",
                                             plan_agent_name(s->p->agent));
        s->cb->progress(msg, s->cb->userdata);
    }
}

/* Shared: an update of the agent's volumes waits for the sandbox to exist,
 * and this run for an update to finish. */
static int lock_agent(struct run_state *s, struct ags_error *err)
{
    if (s->o->agent_lock_held)
        return 0;
    struct ags_error e = {0};
    _cleanup_free_ char *dir = NULL;
    if (run_private_dir(s->getenv, s->o->cfg->sandbox.cache_dir.v, true, &dir, &e) < 0) {
        run_warnf(s->cb, "%s; starting without waiting for `ags update-agents`", e.msg);
        return 0;
    }
    const struct run_agent_lock_opts lo = {
        .dir = dir,
        .agent = s->p->agent,
        .cancel = &run_signal,
        .on_wait = say_lock_wait,
        .userdata = s,
    };
    int r = run_agent_lock(&lo, &s->agent_lock, &e);
    if (r == -EINTR || run_signal)
        return interrupted(err);
    /* A lock file someone else planted must not stop the run. */
    if (r < 0)
        run_warnf(s->cb, "%s; starting without waiting for `ags update-agents`", e.msg);
    return 0;
}

/* The plan was made for the engine the CLI resolved, and opening resolves
 * it again (containers.conf, the connections file, read anew): a local
 * plan on a remote engine would bind that host's paths of the same names
 * (a home, a socket) into the sandbox, a remote one here would upload to
 * this host.  Maintenance plans mount volumes only: the same on both. */
static int check_engine(const struct run_state *s, struct ags_error *err)
{
    if (s->p->maintenance || s->b->remote == s->p->remote)
        return 0;
    if (s->p->remote) /* e.g. auto fell back to bubblewrap: Podman did not answer */
        return ags_error_set(err, -EINVAL, "this run was planned for a remote engine, but the "
                             "%s backend opened runs on this host; choose the engine with "
                             "--connection or --url", s->b->ops->name);
    return ags_error_set(err, -EINVAL, "this run was planned for a local engine, but the engine "
                         "reached now is remote (its connection changed meanwhile?); run it "
                         "again");
}

static int open_backend(struct run_state *s, struct ags_error *err)
{
    struct backend_open_opts bo;
    run_backend_open_opts(s->o->cfg, s->getenv, s->cb, &run_signal, &bo);
    run_open_backend_fn *open_fn = s->o->open_backend ? s->o->open_backend : backend_open;
    int r = open_fn(&bo, &s->b, err);
    if (r == 0)
        r = check_engine(s, err);
    return r < 0 ? step_failed(r, err) : 0;
}

static void remove_secrets(struct run_state *s)
{
    struct ags_error e = {0};
    if (s->secrets_made && s->b->ops->secrets_remove(s->b, &e) < 0)
        run_warnf(s->cb, "could not remove a secret of this run: %s (the next run removes it)",
                  e.msg);
    s->secrets_made = false;
}

/* A supervised session's workspace as it was before the agent started, for
 * ags diff (docs/sessions.md); without one the session goes on and ags diff
 * says so. */
static void record_baseline(struct run_state *s)
{
    /* A remote session's agent works on the uploaded copy, not on this
     * work dir: `ags pull` brings its changes back (docs/remote.md). */
    if (!s->o->supervised || s->p->maintenance || s->p->remote)
        return;
    struct ags_error e = {0};
    struct run_baseline_stats st = {0};
    const char *id = plan_label_value(s->p->labels, PLAN_LABEL_SESSION);
    int r = run_baseline_dir(s->getenv, id ? id : "", &s->baseline, &e);
    if (r == 0)
        r = run_baseline_record(s->p->work_dir.v, s->baseline, &st, &e);
    if (r < 0) {
        run_warnf(s->cb, "no baseline for `ags diff`: %s", e.msg);
        free(s->baseline);
        s->baseline = NULL;
    } else if (st.partial) {
        run_warnf(s->cb, "the baseline for `ags diff` is partial (a limit was reached): "
                         "`ags diff` says so");
    }
}

static int run_steps(const struct run_opts *o, int *ret_exit, struct ags_error *err)
{
    struct run_state s = {
        .o = o,
        .cb = &o->cb,
        .getenv = o->getenv ? o->getenv : env_process,
        .p = o->plan,
        .agent_lock = -EBADF,
        .export_fd = -EBADF,
        .ssh = {.log_fd = -EBADF},
        .egress = {.log_fd = -EBADF},
    };
    pins_take(o->cfg, o->plan, &s.pins);
    /* A workspace over [remote] max_upload stops the run before anything
     * reaches the remote host. */
    int r = s.p->remote ? run_remote_pack(o->cfg, s.p, s.getenv, &s.pack, err) : 0;
    if (r == 0)
        r = lock_agent(&s, err);
    if (r == 0)
        r = open_backend(&s, err);
    if (r == 0)
        r = prepare(&s, err);
    if (r == 0)
        r = serve_ssh(&s, err);
    if (r == 0)
        r = serve_auth_proxy(&s, err);
    if (r == 0)
        r = serve_egress(&s, err);
    if (r == 0)
        r = deliver_secrets(&s, err);
    if (r == 0)
        r = interrupted(err);
    if (r == 0)
        record_baseline(&s);
    if (r == 0)
        r = run_sandbox(&s, ret_exit, err);
    end_remote(&s);
    run_remote_pack_done(&s.pack);
    if (s.export_fd >= 0)
        (void)close(s.export_fd);
    if (s.capturing)
        run_export_capture_done(&s.capture);
    if (s.baseline)
        (void)run_baseline_remove(s.baseline);
    free(s.baseline);
    if (s.b)
        remove_secrets(&s);
    run_egress_end(&s.egress, s.cb);
    run_authproxy_end(&s.proxy);
    run_ssh_end(&s.ssh, s.cb);
    backend_close(s.b);
    pins_done(&s.pins);
    unlock_agent(&s);
    if (r == 0 && s.ran)
        tell_session_end(&s, *ret_exit);
    return r;
}

static int run_caught(const struct run_opts *o, int *ret_exit, struct ags_error *err)
{
    struct signals_saved saved = {0};
    run_signal = 0;
    int r = signals_catch(&saved, run_signals, ARRAY_SIZE(run_signals), on_run_signal);
    if (r < 0)
        r = ags_error_set(err, r, "cannot catch SIGINT, SIGTERM and SIGHUP for the run");
    else
        r = run_steps(o, ret_exit, err);
    signals_restore(&saved);
    return r;
}

void run_staging_discard(const char *dir, const struct run_callbacks *cb)
{
    struct ags_error e = {0};
    if (dir && stage_remove_tree(dir, &e) < 0)
        run_warnf(cb, "%s", e.msg);
}

int run_plan(const struct run_opts *o, int *ret_exit, struct ags_error *err)
{
    *ret_exit = 0;
    /* file times are coarse: a second earlier misses nothing */
    time_t since = time(NULL) - 1;
    struct gitdirs_guard guard = {0};
    if (o->plan->lockdown)
        gitdirs_guard_begin(o->plan->work_dir.v, &guard);
    int r = run_caught(o, ret_exit, err);
    if (o->plan->lockdown)
        run_warn_git_guard(o->plan, &guard, since, &o->cb);
    gitdirs_guard_done(&guard);
    run_staging_discard(o->staging_dir, &o->cb);
    return r;
}
