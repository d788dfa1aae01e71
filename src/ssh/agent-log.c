/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/agent-log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

void agent_log_write(int fd, const struct agent_log_entry *e)
{
    if (fd < 0)
        return;
    char line[AGENT_LOG_LINE_MAX];
    size_t len = agent_log_format(line, sizeof(line), time(NULL), e);
    /* One write per line: with O_APPEND the line lands whole at the end. */
    ssize_t w;
    do
        w = write(fd, line, len);
    while (w < 0 && errno == EINTR);
}
