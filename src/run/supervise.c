/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A supervised session (docs/sessions.md): a tmux run handed to a
 * double-forked ags process of its own, the supervisor, in its own session
 * (setsid: closing the terminal does not reach it).  The supervisor carries
 * out the whole run (run_plan): the sandbox, its secrets, the ssh agent
 * filter, the auth and egress proxies, and their undo when the sandbox ends,
 * however it ends.  The labels name it as the owner (plan_set_supervisor).
 *
 * Until the session is up the supervisor reports to the ags that started it
 * over a pipe: what the run says (warnings, progress, image build output,
 * what the sandbox's main process prints before tmux runs), then "started"
 * or the error, and at the very end the exit status.  Records are at most
 * PIPE_BUF bytes and written non-blocking, so each arrives whole or not at
 * all; one that cannot be written (the starting ags went away, or is
 * attached and not reading) goes to the session's log
 * (<state>/ags/sessions/<session>.log) instead, as text.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/procid.h"
#include "base/signals.h"
#include "base/strutil.h"
#include "run/internal.h"
#include "run/stage.h"
#include "run/statelog.h"
#include "run/supervise.h"
#include "base/banned.h"

/* type, then the payload's length (2 bytes, little endian), then it */
#define RECORD_HEAD 3u
#define RECORD_MAX  PIPE_BUF
#define PAYLOAD_MAX (RECORD_MAX - RECORD_HEAD)
/* How long a record that must arrive waits for room in the pipe. */
#define REPORT_WAIT_MS 5000
/* Where the supervisor keeps its report pipe (above stdin, stdout, stderr). */
#define SUPERVISOR_REPORT_FD 3

enum record_type {
    REC_PID = 'I',      /* the supervisor's pid, decimal */
    REC_WARN = 'W',
    REC_PROGRESS = 'P',
    REC_OUTPUT = 'O',   /* build output, or the sandbox's before the session is up */
    REC_STARTED = 'S',  /* the sandbox's name: the tmux session is up */
    REC_ERROR = 'E',    /* "errno message": the run failed */
    REC_EXIT = 'X',     /* the session's exit status, decimal: the run is over */
};

/* ---- the supervisor's side ---- */

struct supervisor {
    int fd;          /* the pipe's write end, O_NONBLOCK */
    const struct run_opts *o;
    const char *(*getenv)(const char *name);
    size_t ready_match; /* bytes of PLAN_SESSION_READY seen so far */
    bool started;
    uint64_t dropped;   /* output bytes the pipe had no room for */
    /* The session's log, opened when first needed; warnings come from the
     * proxies' threads too. */
    pthread_mutex_t log_lock;
    int log_fd;
    uint64_t logged; /* bytes, at most AGS_SESSION_SUPERVISOR_LOG_MAX */
};

static void log_line(struct supervisor *s, const char *line)
{
    if (s->log_fd == -EBADF) {
        _cleanup_free_ char *path = NULL;
        struct ags_error e = {0};
        s->log_fd = run_state_log_open(s->getenv, "sessions", s->o->plan->name.v, ".log", &path,
                                       &e);
    }
    size_t len = strlen(line);
    if (s->log_fd < 0 || s->logged >= AGS_SESSION_SUPERVISOR_LOG_MAX)
        return;
    /* The agent can make warnings come (a refused URL at the auth proxy, in
     * a loop): the log stops at its cap, saying so. */
    if (s->logged + len > AGS_SESSION_SUPERVISOR_LOG_MAX) {
        line = "ags: the log reached its size limit; further messages are dropped\n";
        len = strlen(line);
        s->logged = AGS_SESSION_SUPERVISOR_LOG_MAX;
    } else {
        s->logged += len;
    }
    if (write_all(s->log_fd, line, len) < 0)
        return; /* a full disk loses the log, never the session */
}

static void log_text(struct supervisor *s, char type, const char *data, size_t len)
{
    if (type == REC_OUTPUT)
        return; /* the sandbox's output is the session's own (ags logs) */
    _cleanup_free_ char *line = xasprintf("%s: %.*s\n", type == REC_WARN ? "warning" : "ags",
                                          (int)len, data);
    (void)pthread_mutex_lock(&s->log_lock);
    log_line(s, line);
    (void)pthread_mutex_unlock(&s->log_lock);
}

/* Until the session is up the starting ags reads every record: those that
 * say how the run goes wait for room (up to REPORT_WAIT_MS, a reader that
 * went away is EPIPE at once); the sandbox's output never waits (it is
 * dropped, and how much is said).  Afterwards nothing waits but the exit
 * status, which an attached --tmux run waits for. */
static bool must_arrive(const struct supervisor *s, char type)
{
    if (type == REC_OUTPUT)
        return false;
    return !s->started || type == REC_EXIT || type == REC_ERROR || type == REC_STARTED;
}

static bool write_record(struct supervisor *s, const unsigned char *rec, size_t len, bool wait)
{
    int64_t end = monotonic_ms() + REPORT_WAIT_MS;
    for (;;) {
        /* At most PIPE_BUF bytes: the pipe takes the record whole or not at all. */
        ssize_t n = write(s->fd, rec, len);
        if (n == (ssize_t)len)
            return true;
        int64_t left = end - monotonic_ms();
        if (n >= 0 || (errno != EAGAIN && errno != EINTR) || !wait || left <= 0)
            return false;
        struct pollfd p = {.fd = s->fd, .events = POLLOUT};
        (void)poll(&p, 1, (int)(left < 1000 ? left : 1000));
    }
}

static void report(struct supervisor *s, char type, const void *data, size_t len)
{
    while (len > 0 || type != REC_OUTPUT) {
        size_t n = len < PAYLOAD_MAX ? len : PAYLOAD_MAX;
        unsigned char rec[RECORD_MAX];
        rec[0] = (unsigned char)type;
        rec[1] = (unsigned char)(n & 0xff);
        rec[2] = (unsigned char)(n >> 8);
        memcpy(rec + RECORD_HEAD, data, n);
        if (s->fd < 0 || !write_record(s, rec, RECORD_HEAD + n, must_arrive(s, type))) {
            if (type == REC_OUTPUT)
                s->dropped += n;
            log_text(s, type, data, n);
        }
        if (type != REC_OUTPUT)
            return; /* the others are one record, cut to fit */
        data = (const char *)data + n;
        len -= n;
    }
}

static void report_str(struct supervisor *s, char type, const char *text)
{
    report(s, type, text, strlen(text));
}

static void sup_warn(const char *msg, void *userdata)
{
    report(userdata, REC_WARN, msg, strlen(msg));
}

static void sup_progress(const char *msg, void *userdata)
{
    report(userdata, REC_PROGRESS, msg, strlen(msg));
}

static void sup_output(const char *text, size_t len, void *userdata)
{
    report(userdata, REC_OUTPUT, text, len);
}

static void say_dropped(struct supervisor *s)
{
    if (!s->dropped)
        return;
    _cleanup_free_ char *msg = xasprintf(
            "%" PRIu64 " bytes of the sandbox's output were not shown (the terminal was slow)",
            s->dropped);
    s->dropped = 0;
    report(s, REC_WARN, msg, strlen(msg));
}

/* The sandbox's main process: what it says before the session is up is
 * relayed (why it failed, when it does); its ready line reports the start.
 * Nothing reaches the supervisor's /dev/null stdout.  The match restarts at
 * any mismatch, which is exact because the marker's first byte (RS) occurs
 * in it only there and at its end. */
static size_t filter_main_output(void *state, const char *in, size_t n, char *out _unused_)
{
    struct supervisor *s = state;
    static const char ready[] = PLAN_SESSION_READY;
    if (s->started)
        return 0;
    for (size_t i = 0; i < n && !s->started; i++) {
        if (in[i] == ready[s->ready_match])
            s->ready_match++;
        else
            s->ready_match = in[i] == ready[0] ? 1 : 0;
        if (s->ready_match == sizeof(ready) - 1) {
            if (i + 1 > s->ready_match)
                report(s, REC_OUTPUT, in, i + 1 - s->ready_match);
            say_dropped(s);
            report(s, REC_STARTED, s->o->plan->name.v, strlen(s->o->plan->name.v));
            s->started = true;
            return 0;
        }
    }
    if (!s->started)
        report(s, REC_OUTPUT, in, n);
    return 0;
}

/* The owner of the run's leftovers is now this process: the labels, and the
 * lockdown staging's owner file, which the starting ags wrote. */
static void take_ownership(const struct run_opts *o, struct supervisor *s)
{
    struct procid self;
    char text[PROCID_MAX_TEXT];
    bool known = procid_self(&self, NULL) == 0;
    if (known)
        procid_format(&self, text, sizeof(text));
    plan_set_supervisor(o->plan, (uint32_t)getpid(), known ? text : NULL);
    struct ags_error e = {0};
    const char *session = plan_label_value(o->plan->labels, PLAN_LABEL_SESSION);
    if (o->staging_dir && (stage_rewrite_owner(o->staging_dir, &e) < 0 ||
                           (session && stage_write_session(o->staging_dir, session, &e) < 0)))
        report_str(s, REC_WARN, e.msg);
}

/* stdin, stdout and stderr on /dev/null: nothing of the session may wait on
 * or write to the terminal it was started from.  The report pipe becomes
 * fd 3 and every other descriptor the starting ags inherited is closed (a
 * caller's lock or pipe must not live as long as the session); the working
 * directory is /, not the workspace (the plan holds absolute paths). */
static int detach_fds(int report_fd)
{
    return fds_detach(report_fd, SUPERVISOR_REPORT_FD);
}

static _noreturn_ void supervise(const struct run_opts *o, int fd)
{
    fd = detach_fds(fd);
    (void)signal(SIGPIPE, SIG_IGN);
    struct supervisor s = {
        .fd = fd,
        .log_fd = -EBADF,
        .log_lock = PTHREAD_MUTEX_INITIALIZER,
        .o = o,
        .getenv = o->getenv ? o->getenv : env_process,
    };
    _cleanup_free_ char *pid = xasprintf("%ld", (long)getpid());
    report_str(&s, REC_PID, pid);
    take_ownership(o, &s);
    const struct output_filter relay = {.filter = filter_main_output, .state = &s};
    struct run_opts ro = *o;
    ro.cb = (struct run_callbacks){
            .warn = sup_warn, .progress = sup_progress, .output = sup_output, .userdata = &s};
    ro.supervised = &relay;
    int exit_status = 0;
    struct ags_error err = {0};
    int r = run_plan(&ro, &exit_status, &err);
    _cleanup_free_ char *end = r < 0 ? xasprintf("%d %s", -r, err.msg)
                                     : xasprintf("%d", exit_status);
    report_str(&s, r < 0 ? REC_ERROR : REC_EXIT, end);
    if (s.log_fd >= 0)
        (void)close(s.log_fd);
    _exit(0);
}

/* ---- the starting ags's side ---- */

static volatile sig_atomic_t fg_signal;

static void on_fg_signal(int sig)
{
    fg_signal = sig;
}

/* Reads exactly len bytes: 1, 0 at end of file, or a negative errno
 * (-EINTR when a signal came in between). */
static int read_exact(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n == 0)
            return 0;
        if (n < 0)
            return -errno;
        got += (size_t)n;
    }
    return 1;
}

/* One record into payload (NUL-terminated, PAYLOAD_MAX + 1 bytes): 1, 0 at
 * the end, or a negative errno; a signal in the middle goes on reading. */
static int read_record(int fd, char *type, char *payload, size_t *len)
{
    unsigned char head[RECORD_HEAD];
    int r;
    while ((r = read_exact(fd, head, 1)) == -EINTR)
        if (fg_signal)
            return -EINTR;
    if (r <= 0)
        return r;
    do
        r = read_exact(fd, head + 1, RECORD_HEAD - 1);
    while (r == -EINTR);
    *len = head[1] | (size_t)head[2] << 8;
    if (r <= 0 || *len > PAYLOAD_MAX)
        return r < 0 ? r : -EPROTO;
    do
        r = *len ? read_exact(fd, payload, *len) : 1;
    while (r == -EINTR);
    payload[r > 0 ? *len : 0] = '\0';
    *type = (char)head[0];
    return r <= 0 ? -EPROTO : 1;
}

/* An error record: "errno message". */
static int error_from(const char *payload, struct ags_error *err)
{
    const char *sp = strchr(payload, ' ');
    _cleanup_free_ char *num = sp ? xstrndup(payload, (size_t)(sp - payload)) : NULL;
    uint32_t code = 0;
    if (!num || parse_u32(num, &code) < 0 || code == 0 || code > 4095)
        return ags_error_set(err, -EPROTO, "the session's supervisor failed: %s", payload);
    return ags_error_set(err, -(int)code, "%s", sp + 1);
}

static int exit_from(const char *payload, int *ret_exit)
{
    uint32_t code = 0;
    *ret_exit = parse_u32(payload, &code) == 0 && code <= 255 ? (int)code : 1;
    return 0;
}

/*
 * Relays records until the one that ends the wait: STARTED (1, *name),
 * EXIT (0, *ret_exit) or ERROR (negative errno).  While the session starts
 * a signal here is passed on to the supervisor as SIGTERM (once its pid is
 * known), which then undoes the run and reports; afterwards (an attached
 * run waiting for the end) it only ends the wait (-EINTR): the session the
 * user may just have detached from goes on.
 */
static int relay_records(struct run_supervised *sv, const struct run_callbacks *cb,
                         struct build_sink *sink, bool want_start, int *ret_exit,
                         struct ags_error *err)
{
    char payload[PAYLOAD_MAX + 1];
    uint32_t pid = 0;
    bool pending = false; /* a signal came before the supervisor's pid */
    for (;;) {
        char type = 0;
        size_t len = 0;
        int r = read_record(sv->fd, &type, payload, &len);
        if (r == -EINTR && !want_start)
            return ags_error_set(err, -EINTR, "stopped waiting for the session's end");
        if (r == -EINTR) {
            pending = sv->pid <= 0;
            if (sv->pid > 0)
                (void)kill(sv->pid, SIGTERM);
            fg_signal = 0;
            continue;
        }
        if (r == 0)
            return ags_error_set(err, -EPIPE,
                                 "the session's supervisor ended without saying how the run went");
        if (r < 0)
            return ags_error_set(err, r, "reading the session's supervisor: %s", strerror(-r));
        switch (type) {
        case REC_PID:
            sv->pid = parse_u32(payload, &pid) == 0 && pid > 1 && pid <= INT32_MAX ? (pid_t)pid : 0;
            if (pending && sv->pid > 0)
                (void)kill(sv->pid, SIGTERM);
            pending = false;
            break;
        case REC_WARN:
            if (cb->warn)
                cb->warn(payload, cb->userdata);
            break;
        case REC_PROGRESS:
            if (cb->progress)
                cb->progress(payload, cb->userdata);
            break;
        case REC_OUTPUT:
            build_sink_write(payload, len, sink);
            break;
        case REC_STARTED:
            if (want_start) {
                sv->name = xstrdup(payload);
                return 1;
            }
            break;
        case REC_ERROR:
            return error_from(payload, err);
        case REC_EXIT:
            return exit_from(payload, ret_exit);
        default:
            return ags_error_set(err, -EPROTO, "the session's supervisor said something unknown");
        }
    }
}

/* Output (image builds; the sandbox's before its session is up, which the
 * agent may already reach) goes through the terminal filter when stderr is
 * one, as an attached run's build output does. */
static int relay_until(struct run_supervised *sv, const struct run_callbacks *cb,
                       bool want_start, int *ret_exit, struct ags_error *err)
{
    struct build_sink sink = {.cb = cb};
    int r = relay_records(sv, cb, &sink, want_start, ret_exit, err);
    build_sink_end(&sink);
    return r;
}

static int relay_caught(struct run_supervised *sv, const struct run_callbacks *cb,
                        bool want_start, int *ret_exit, struct ags_error *err)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct signals_saved saved = {0};
    fg_signal = 0;
    int r = signals_catch(&saved, sigs, ARRAY_SIZE(sigs), on_fg_signal);
    if (r < 0)
        r = ags_error_set(err, r, "cannot catch SIGINT, SIGTERM and SIGHUP");
    else
        r = relay_until(sv, cb, want_start, ret_exit, err);
    signals_restore(&saved);
    return r;
}

/* The middle process: a session of its own, then the supervisor. */
static _noreturn_ void fork_supervisor(const struct run_opts *o, int fd)
{
    if (setsid() < 0)
        _exit(1);
    pid_t pid = fork();
    if (pid == 0)
        supervise(o, fd);
    _exit(pid < 0 ? 1 : 0);
}

int run_supervise_start(const struct run_opts *o, struct run_supervised *ret, int *ret_exit,
                        struct ags_error *err)
{
    *ret = (struct run_supervised){.fd = -EBADF};
    *ret_exit = 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "cannot make a pipe for the session's supervisor: %m");
    if (fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0) {
        int r = ags_error_set(err, -errno, "cannot set up the supervisor's pipe: %m");
        (void)close(fds[0]);
        (void)close(fds[1]);
        return r;
    }
    /* What stdio holds would be written twice (here and in the supervisor). */
    (void)fflush(NULL);
    pid_t mid = fork();
    if (mid == 0) {
        (void)close(fds[0]);
        fork_supervisor(o, fds[1]);
    }
    int saved = errno;
    (void)close(fds[1]);
    if (mid < 0) {
        (void)close(fds[0]);
        errno = saved;
        return ags_error_set(err, -saved, "cannot start the session's supervisor: %m");
    }
    int status = 0;
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
        ;
    ret->fd = fds[0];
    int r = relay_caught(ret, &o->cb, true, ret_exit, err);
    if (r < 0)
        run_supervised_done(ret);
    return r < 0 ? r : 0;
}

int run_supervised_wait(struct run_supervised *sv, const struct run_callbacks *cb, int *ret_exit,
                        struct ags_error *err)
{
    *ret_exit = 0;
    return relay_caught(sv, cb, false, ret_exit, err);
}

void run_supervised_done(struct run_supervised *sv)
{
    if (sv->fd >= 0)
        (void)close(sv->fd);
    free(sv->name);
    *sv = (struct run_supervised){.fd = -EBADF};
}

int run_backend_can_attach(const struct run_opts *o, bool *ret, struct ags_error *err)
{
    *ret = false;
    struct backend_open_opts bo;
    run_backend_open_opts(o->cfg, o->getenv ? o->getenv : env_process, &o->cb, NULL, &bo);
    _cleanup_backend_ struct backend *b = NULL;
    int r = (o->open_backend ? o->open_backend : backend_open)(&bo, &b, err);
    if (r == 0)
        *ret = b->ops->exec_session != NULL;
    return r;
}
