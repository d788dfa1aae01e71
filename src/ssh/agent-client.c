/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One client of the agent proxy: reading requests, deciding, answering (agent-client.h). */
#include "ssh/agent-client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "ssh/agent-log.h"
#include "base/banned.h"

/* Reads per step, besides SSH_PROXY_REQUESTS_PER_STEP: a client that keeps sending a
 * large message cannot hold the loop either. */
#define CLIENT_READS_PER_STEP 16

struct agent_client *agent_client_new(int fd, pid_t pid)
{
    struct agent_client *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->pid = pid;
    c->state = CLIENT_READ;
    agent_reader_init(&c->reader);
    strbuf_init(&c->out, AGENT_FRAME_MAX);
    agent_upstream_init(&c->up);
    return c;
}

void agent_client_free(struct agent_client *c)
{
    if (!c)
        return;
    agent_upstream_close(&c->up);
    strbuf_done(&c->up.req);
    agent_reader_done(&c->up.answer);
    agent_reader_done(&c->reader);
    strbuf_done(&c->out);
    if (c->fd >= 0)
        (void)close(c->fd);
    free(c);
}

bool agent_client_has_unserved(const struct agent_client *c)
{
    return c->state == CLIENT_READ && c->in_off < c->in_len;
}

short agent_client_events(const struct agent_client *c, int *up_fd, short *up_events)
{
    *up_fd = -1;
    *up_events = 0;
    switch (c->state) {
    case CLIENT_READ:
        return POLLIN;
    case CLIENT_WRITE:
        return POLLOUT;
    case CLIENT_UPSTREAM:
        *up_fd = c->up.fd;
        *up_events = agent_upstream_events(&c->up);
        return 0; /* a hangup is still reported */
    }
    return 0;
}

/* ---- the log ---- */

static void log_request(const struct agent_serve_conf *conf, const struct agent_client *c,
                        enum agent_log_share share, const char *verdict, const char *fmt, ...)
        _printf_(5, 6);

static void log_request(const struct agent_serve_conf *conf, const struct agent_client *c,
                        enum agent_log_share share, const char *verdict, const char *fmt, ...)
{
    char what[64], reason[AGENT_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    agent_log_request_name(what, sizeof(what), c->d.type);
    struct agent_log_entry e = {
            .pid = c->pid, .verdict = verdict, .what = what, .key = c->d.key, .reason = reason};
    agent_log_write(conf->log, share, &e);
}

/* The share of the log budget of a request that went (or was on its way) to the
 * real agent: a signature keeps its own, so that no flood can hide it. */
static enum agent_log_share forwarded_share(const struct agent_client *c)
{
    return c->d.action == AGENT_FORWARD_SIGN ? AGENT_LOG_SIGNATURE : AGENT_LOG_COMMON;
}

/* false, after the log line saying why the client is dropped. */
static bool drop(const struct agent_serve_conf *conf, const struct agent_client *c, const char *why)
{
    struct agent_log_entry e = {
            .pid = c->pid, .verdict = "dropped", .what = "connection", .reason = why};
    agent_log_write(conf->log, AGENT_LOG_COMMON, &e);
    return false;
}

/* ---- answering ---- */

/* Writes what it can of the answer; the rest waits for POLLOUT. */
static bool flush(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (c->state != CLIENT_WRITE)
                c->deadline = now + conf->timeout_ms;
            c->state = CLIENT_WRITE;
            return true;
        }
        if (n < 0) {
            char why[128];
            (void)snprintf(why, sizeof(why), "writing the answer: %s", strerror(errno));
            return drop(conf, c, why);
        }
        c->out_off += (size_t)n;
    }
    strbuf_reset(&c->out);
    c->out_off = 0;
    c->state = CLIENT_READ;
    c->deadline = 0;
    return true;
}

/* SSH_AGENT_FAILURE: 5 bytes, which the out buffer always has room for. */
static bool answer_failure(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    c->failures_in_row++;
    strbuf_reset(&c->out);
    if (agent_build_empty(&c->out, AGENT_FAILURE) < 0)
        return drop(conf, c, "no room for SSH_AGENT_FAILURE");
    return flush(conf, c, now);
}

/* ---- the real agent's answer ---- */

static bool upstream_failed(const struct agent_serve_conf *conf, struct agent_client *c,
                            const char *why, int64_t now)
{
    agent_upstream_close(&c->up);
    log_request(conf, c, forwarded_share(c), "failed", "%s; %s", c->d.reason, why);
    return answer_failure(conf, c, now);
}

static bool upstream_answered(const struct agent_serve_conf *conf, struct agent_client *c,
                              int64_t now)
{
    size_t len, n_listed;
    const uint8_t *body = agent_reader_body(&c->up.answer, &len);
    struct ags_error err = {0};
    int r;
    strbuf_reset(&c->out);
    if (c->d.action == AGENT_LIST_IDENTITIES) {
        r = agent_filter_identities(conf->keys, conf->n_keys, body, len, &c->out, &n_listed, &err);
        if (r < 0)
            return upstream_failed(conf, c, err.msg, now);
        log_request(conf, c, AGENT_LOG_COMMON, "allowed", "%s; %zu listed", c->d.reason, n_listed);
        c->failures_in_row = 0;
    } else {
        r = agent_filter_sign_reply(body, len, &c->out, &err);
        if (r == 1)
            log_request(conf, c, AGENT_LOG_SIGNATURE, "allowed", "%s; signed", c->d.reason);
        else if (r == 0)
            log_request(conf, c, AGENT_LOG_SIGNATURE, "failed",
                        "%s; the real agent refused to sign", c->d.reason);
        else
            log_request(conf, c, AGENT_LOG_SIGNATURE, "failed", "%s; %s", c->d.reason, err.msg);
        c->failures_in_row = r == 1 ? 0 : c->failures_in_row + 1;
        /* Only when not even FAILURE fitted is out empty. */
        if (c->out.len == 0 && agent_build_empty(&c->out, AGENT_FAILURE) < 0)
            return drop(conf, c, "no room for SSH_AGENT_FAILURE");
    }
    agent_upstream_close(&c->up);
    return flush(conf, c, now);
}

static bool pump_upstream(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    char why[AGENT_REASON_MAX + 64];
    int r = agent_upstream_pump(&c->up, why, sizeof(why));
    if (r < 0)
        return upstream_failed(conf, c, why, now);
    if (r == 1)
        return upstream_answered(conf, c, now);
    return true;
}

static bool ask_upstream(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    char why[AGENT_REASON_MAX + 64];
    if (agent_upstream_open(&c->up, conf->upstream_path, why, sizeof(why)) < 0)
        return upstream_failed(conf, c, why, now);
    c->state = CLIENT_UPSTREAM;
    c->deadline = now + conf->timeout_ms;
    return c->up.connecting ? true : pump_upstream(conf, c, now);
}

/* ---- a request ---- */

/* confirm = "always": 1 when the approval callback said yes, else 0 with why. */
static int approved(const struct agent_serve_conf *conf, const struct agent_client *c, char *why,
                    size_t why_size)
{
    if (conf->confirm != SSH_CONFIRM_ALWAYS)
        return 1;
    if (!conf->approve) {
        (void)snprintf(why, why_size,
                       "no way to ask: no desktop notifications (confirm = \"always\")");
        return 0;
    }
    char answer[256] = "";
    struct ssh_sign_question q = {.key = c->d.key, .what = c->d.reason, .peer_pid = c->pid};
    int r = conf->approve(&q, answer, sizeof(answer), conf->approve_data);
    if (r > 0)
        return 1;
    if (r == 0)
        (void)snprintf(why, why_size, "not approved: %s", answer[0] ? answer : "the user said no");
    else
        (void)snprintf(why, why_size, "no way to ask: %s (confirm = \"always\")",
                       answer[0] ? answer : strerror(-r));
    return 0;
}

static bool handle_request(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    /* A client that only asks what is refused (a flood of 5-byte LOCKs, each a log
     * line) is cut off; an honest one does not fail this often on one connection. */
    if (c->failures_in_row >= SSH_PROXY_FAILURES_IN_ROW) {
        char why[96];
        (void)snprintf(why, sizeof(why), "%u requests in a row refused or failed",
                       SSH_PROXY_FAILURES_IN_ROW);
        return drop(conf, c, why);
    }
    size_t len;
    const uint8_t *body = agent_reader_body(&c->reader, &len);
    agent_upstream_close(&c->up);
    /* The decision and the rebuilt frame no longer point into body.  A frame too
     * large to rebuild is a refusal, which the decision says already. */
    if (agent_filter_request(conf->keys, conf->n_keys, body, len, &c->up.req, &c->d) < 0)
        c->d.action = AGENT_REFUSE;
    agent_reader_next(&c->reader);
    if (c->d.action == AGENT_REFUSE) {
        log_request(conf, c, AGENT_LOG_COMMON, "refused", "%s", c->d.reason);
        return answer_failure(conf, c, now);
    }
    char why[320];
    if (c->d.action == AGENT_FORWARD_SIGN && !approved(conf, c, why, sizeof(why))) {
        log_request(conf, c, AGENT_LOG_COMMON, "refused", "%s; %s", c->d.reason, why);
        return answer_failure(conf, c, now);
    }
    return ask_upstream(conf, c, now);
}

/* Feeds what was read; a whole request is handled at once, up to *served_left of
 * them (the rest stays in c->in for the next step). */
static bool feed(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now,
                 unsigned *served_left)
{
    while (*served_left > 0 && c->state == CLIENT_READ && c->in_off < c->in_len) {
        size_t used;
        struct ags_error err;
        int r = agent_reader_feed(&c->reader, c->in + c->in_off, c->in_len - c->in_off, &used,
                                  &err);
        if (r < 0)
            return drop(conf, c, err.msg);
        c->in_off += used;
        if (r == 1) {
            (*served_left)--;
            if (!handle_request(conf, c, now))
                return false;
        }
    }
    return true;
}

static bool read_requests(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    unsigned served_left = SSH_PROXY_REQUESTS_PER_STEP;
    for (int i = 0;; i++) {
        if (!feed(conf, c, now, &served_left))
            return false;
        if (c->state != CLIENT_READ)
            return true;
        /* This step's requests are served: the rest of c->in waits for the next
         * step (without poll waiting), what is in the socket for the next POLLIN. */
        if (served_left == 0)
            break;
        /* All that was read is fed: what the client sends on waits for the next POLLIN. */
        if (i == CLIENT_READS_PER_STEP)
            break;
        ssize_t n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            char why[128];
            (void)snprintf(why, sizeof(why), "reading: %s", strerror(errno));
            return drop(conf, c, why);
        }
        if (n == 0)
            return agent_reader_partial(&c->reader) ? drop(conf, c, "left mid-message") : false;
        c->in_off = 0;
        c->in_len = (size_t)n;
    }
    /* Only a message begun and not finished has a deadline; an idle client may stay. */
    if (!agent_reader_partial(&c->reader))
        c->deadline = 0;
    else if (c->deadline == 0)
        c->deadline = now + conf->timeout_ms;
    return true;
}

static bool timed_out(const struct agent_serve_conf *conf, struct agent_client *c, int64_t now)
{
    char why[128];
    switch (c->state) {
    case CLIENT_UPSTREAM:
        (void)snprintf(why, sizeof(why), "the real agent did not answer within %d ms",
                       conf->timeout_ms);
        return upstream_failed(conf, c, why, now);
    case CLIENT_WRITE:
        (void)snprintf(why, sizeof(why), "did not read its answer within %d ms", conf->timeout_ms);
        return drop(conf, c, why);
    case CLIENT_READ:
        break;
    }
    (void)snprintf(why, sizeof(why), "stalled mid-message for %d ms", conf->timeout_ms);
    return drop(conf, c, why);
}

bool agent_client_step(const struct agent_serve_conf *conf, struct agent_client *c, short revents,
                       short up_revents, int64_t now)
{
    if (c->state == CLIENT_UPSTREAM && up_revents && !pump_upstream(conf, c, now))
        return false;
    if (c->state == CLIENT_WRITE && revents && !flush(conf, c, now))
        return false;
    /* A finished write lets the requests sent ahead in. */
    if (c->state == CLIENT_READ && (revents || c->in_off < c->in_len) &&
        !read_requests(conf, c, now))
        return false;
    /* A client that hung up while its request was with the real agent. */
    if (c->state == CLIENT_UPSTREAM && (revents & (POLLHUP | POLLERR)))
        return drop(conf, c, "left before the answer");
    if (c->deadline != 0 && now >= c->deadline)
        return timed_out(conf, c, now);
    return true;
}
