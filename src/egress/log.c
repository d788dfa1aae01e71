/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The egress proxy's audit log lines and its rate-limited refusal warnings. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/strutil.h"
#include "egress/internal.h"
#include "base/banned.h"

/* Room always kept for the not_logged line at stop. */
#define LOG_FINAL_RESERVE 1024u

static const char *decision_name(enum egress_decision d)
{
    return d == EGRESS_ALLOWED ? "allowed" : d == EGRESS_REFUSED ? "refused" : "failed";
}

/* 2026-12-03T10:00:00.123Z */
static int append_time(struct strbuf *out, int64_t unix_ms)
{
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&secs, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return strbuf_appends(out, "\"?\"");
    return strbuf_appendf(out, "\"%s.%03dZ\"", buf, (int)(unix_ms % 1000));
}

/* ,"key":"value" with JSON escaping of any byte. */
static int append_kv(struct strbuf *out, const char *key, const char *value)
{
    int r = strbuf_appendf(out, ",\"%s\":", key);
    return r ? r : json_append_string(out, value ? value : "", value ? strlen(value) : 0);
}

static int append_head(struct strbuf *out, int64_t unix_ms, const char *session, const char *agent)
{
    int r = strbuf_appends(out, "{\"time\":");
    if (r == 0)
        r = append_time(out, unix_ms);
    if (r == 0)
        r = append_kv(out, "session", session);
    return r ? r : append_kv(out, "agent", agent);
}

int egress_log_format(struct strbuf *out, const char *session, const char *agent,
                      const struct egress_attempt *a)
{
    int r = append_head(out, a->start_unix_ms, session, agent);
    if (r == 0)
        r = append_kv(out, "method", a->method);
    if (r == 0)
        r = append_kv(out, "host", a->host);
    if (r == 0)
        r = strbuf_appendf(out, ",\"port\":%u", (unsigned)a->port);
    if (r == 0)
        r = append_kv(out, "address", a->address);
    if (r == 0)
        r = append_kv(out, "decision", decision_name(a->decision));
    if (r == 0)
        r = append_kv(out, "reason", a->reason);
    if (r == 0)
        r = strbuf_appendf(out,
                           ",\"bytes_up\":%" PRIu64 ",\"bytes_down\":%" PRIu64
                           ",\"duration_ms\":%" PRIu64 "}\n",
                           a->bytes_up, a->bytes_down, a->duration_ms);
    return r;
}

static void write_line(struct egress_log *l, const struct strbuf *line)
{
    /* One write: lines of concurrent attempts never interleave (O_APPEND). */
    ssize_t w = write(l->fd, line->buf, line->len);
    if (w > 0)
        l->written += (size_t)w;
}

void egress_log_write(struct egress_log *l, const struct egress_attempt *a)
{
    if (l->fd < 0)
        return;
    _cleanup_strbuf_ struct strbuf line;
    strbuf_init(&line, EGRESS_LOG_LINE_MAX);
    /* A refusal costs the client nothing: a flood of them may fill half the log, never the
     * room the lines of connections that went out need. */
    size_t budget = a->decision == EGRESS_ALLOWED ? l->budget : l->budget / 2;
    if (egress_log_format(&line, l->session, l->agent, a) < 0 ||
        l->written + line.len + LOG_FINAL_RESERVE > budget) {
        l->left_out++;
        return;
    }
    write_line(l, &line);
}

void egress_log_finish(struct egress_log *l, int64_t now_unix_ms)
{
    if (l->fd < 0 || l->left_out == 0)
        return;
    _cleanup_strbuf_ struct strbuf line;
    strbuf_init(&line, EGRESS_LOG_LINE_MAX);
    if (append_head(&line, now_unix_ms, l->session, l->agent) == 0 &&
        strbuf_appendf(&line, ",\"not_logged\":%" PRIu64 "}\n", l->left_out) == 0)
        write_line(l, &line);
}

static void say_held_back(struct egress_warn *w)
{
    if (w->held_back == 0)
        return;
    char line[128];
    snprintf(line, sizeof(line), "blocked by network policy: ... and %" PRIu64
             " more refused (ags net-log)", w->held_back);
    w->fn(w->ctx, line);
    w->held_back = 0;
}

void egress_warn_refusal(struct egress_warn *w, int64_t now_ms, const char *line)
{
    if (!w->fn)
        return;
    if (w->in_window == 0 || now_ms - w->window_start >= EGRESS_WARN_WINDOW_MS) {
        say_held_back(w);
        w->window_start = now_ms;
        w->in_window = 0;
    }
    if (w->in_window < EGRESS_WARN_BURST) {
        w->in_window++;
        w->fn(w->ctx, line);
    } else {
        w->held_back++;
    }
}

void egress_warn_finish(struct egress_warn *w)
{
    if (w->fn)
        say_held_back(w);
}
