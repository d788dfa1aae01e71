/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/banned.h"

int64_t monotonic_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_format_utc(int64_t secs, char *buf, size_t size)
{
    time_t t = (time_t)secs;
    struct tm tm;
    if (size == 0)
        return;
    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = '\0';
}

int clock_parse_utc(const char *text, int64_t *ret)
{
    struct tm tm = {0};
    /* strptime accepts more than it should (spaces, short fields): the text
     * must also come back the same. */
    const char *end = strlen(text) == 20 ? strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return -EINVAL;
    int64_t secs = (int64_t)timegm(&tm);
    char again[CLOCK_UTC_TEXT];
    clock_format_utc(secs, again, sizeof(again));
    if (strcmp(again, text) != 0)
        return -EINVAL;
    *ret = secs;
    return 0;
}
