/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "notify-server-tools.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"

const char *notify_fx_dir(void)
{
    return getenv("NOTIFY_TEST_DIR");
}

static char *in_dir(const char *name)
{
    const char *dir = notify_fx_dir();
    assert_non_null(dir);
    return xasprintf("%s/%s", dir, name);
}

char *notify_fx_text(const char *path)
{
    char *text = NULL;
    size_t len;
    if (read_file_bounded(path, 1u << 20, &text, &len, NULL) < 0)
        return xstrdup("");
    return text;
}

char *notify_fx_record(void)
{
    _cleanup_free_ char *path = in_dir("record.jsonl");
    return notify_fx_text(path);
}

void notify_fx_forget(void)
{
    _cleanup_free_ char *path = in_dir("record.jsonl");
    (void)unlink(path);
}

void notify_fx_answer(const char *how)
{
    _cleanup_free_ char *path = in_dir("answers");
    assert_int_equal(write_file_atomic(path, how, strlen(how), 0600, NULL), 0);
}

void notify_fx_expect_in(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("'%s' not in:\n%s", needle, text);
}

int64_t notify_fx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void notify_fx_await(const char *needle)
{
    int64_t deadline = notify_fx_now_ms() + 10000;
    for (;;) {
        _cleanup_free_ char *rec = notify_fx_record();
        if (strstr(rec, needle))
            return;
        if (notify_fx_now_ms() > deadline)
            fail_msg("'%s' never recorded:\n%s", needle, rec);
        (void)usleep(20000);
    }
}

long notify_fx_first_id(void)
{
    _cleanup_free_ char *rec = notify_fx_record();
    const char *id = strstr(rec, "{\"id\": ");
    assert_non_null(id);
    return strtol(id + strlen("{\"id\": "), NULL, 10);
}
