/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/agent-log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "ssh/agent-proto.h"
#include "base/banned.h"

void agent_log_request_name(char *buf, size_t size, int type)
{
    const char *name = type >= 0 ? agent_msg_name((unsigned)type) : NULL;
    if (name)
        (void)snprintf(buf, size, "%s", name);
    else if (type >= 0)
        (void)snprintf(buf, size, "message type %d", type);
    else
        (void)snprintf(buf, size, "empty message");
}

/* Printable ASCII stays; anything else (a newline, an escape, UTF-8) becomes '?'. */
static void make_printable(char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
            p[i] = '?';
}

size_t agent_log_format(char *buf, size_t size, time_t when, const struct agent_log_entry *e)
{
    if (size < 2)
        return 0;
    struct tm tm;
    char stamp[32] = "?", pid[24] = "?", key[160] = "";
    if (gmtime_r(&when, &tm))
        (void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (e->pid > 0)
        (void)snprintf(pid, sizeof(pid), "%ld", (long)e->pid);
    if (e->key)
        (void)snprintf(key, sizeof(key), " key=%s (%s)", e->key->comment,
                       ssh_key_purpose_name(e->key->purpose));
    int n = snprintf(buf, size - 1, "%s pid=%s %s %s%s: %s", stamp, pid, e->verdict, e->what, key,
                     e->reason ? e->reason : "");
    size_t len = n < 0 ? 0 : (size_t)n < size - 1 ? (size_t)n : size - 2;
    make_printable(buf, len);
    buf[len++] = '\n';
    buf[len] = '\0';
    return len;
}

/* Room kept at the end of the budget for the log's own two lines. */
#define OWN_LINES_ROOM (2u * AGENT_LOG_LINE_MAX)

void agent_log_init(struct agent_log *log, int fd, size_t budget)
{
    *log = (struct agent_log){
            .fd = fd, .budget = budget < AGENT_LOG_BUDGET_MIN ? AGENT_LOG_BUDGET_MIN : budget};
}

/* Where a share of the budget ends. */
static size_t share_end(const struct agent_log *log, enum agent_log_share share)
{
    return share == AGENT_LOG_SIGNATURE ? log->budget - OWN_LINES_ROOM : log->budget / 2;
}

static void append(struct agent_log *log, const char *line, size_t len)
{
    log->written += len;
    /* One write per line: with O_APPEND the line lands whole at the end. */
    ssize_t w;
    do
        w = write(log->fd, line, len);
    while (w < 0 && errno == EINTR);
}

/* One of the log's own lines ("pid=? log truncated: ..."), always within the kept room. */
static void say_truncated(struct agent_log *log, const char *fmt, ...) _printf_(2, 3);

static void say_truncated(struct agent_log *log, const char *fmt, ...)
{
    char reason[AGENT_LOG_LINE_MAX], line[AGENT_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    struct agent_log_entry e = {.verdict = "log", .what = "truncated", .reason = reason};
    append(log, line, agent_log_format(line, sizeof(line), time(NULL), &e));
}

void agent_log_write(struct agent_log *log, enum agent_log_share share,
                     const struct agent_log_entry *e)
{
    if (log->fd < 0)
        return;
    char line[AGENT_LOG_LINE_MAX];
    size_t len = agent_log_format(line, sizeof(line), time(NULL), e);
    if (log->written + len <= share_end(log, share)) {
        append(log, line, len);
        return;
    }
    log->left_out++;
    if (share == AGENT_LOG_SIGNATURE)
        log->left_out_signatures++;
    if (!log->cut_said)
        say_truncated(log,
                      "past %zu bytes only signatures are logged, past %zu nothing; how many "
                      "lines were left out is logged at stop",
                      share_end(log, AGENT_LOG_COMMON), share_end(log, AGENT_LOG_SIGNATURE));
    log->cut_said = true;
}

void agent_log_finish(struct agent_log *log)
{
    if (log->fd < 0 || log->left_out == 0)
        return;
    say_truncated(log, "%zu more lines not logged (%zu of them signatures)", log->left_out,
                  log->left_out_signatures);
}
