/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ags_error_set(struct ags_error *err, int code, const char *fmt, ...)
{
    if (code > 0)
        code = -code;
    if (code == 0)
        code = -EINVAL;
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int ags_error_prefix(struct ags_error *err, const char *fmt, ...)
{
    if (!err)
        return -EINVAL;
    char prefix[AGS_ERROR_MSG_MAX];
    char old[AGS_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Deliberate truncation: a long chain of context keeps its head. */
    size_t n = strnlen(prefix, sizeof(prefix) - 1);
    memcpy(err->msg, prefix, n);
    size_t room = sizeof(err->msg) - n;
    if (room > 2) {
        err->msg[n++] = ':';
        err->msg[n++] = ' ';
        room -= 2;
        size_t m = strnlen(old, room - 1);
        memcpy(err->msg + n, old, m);
        n += m;
    }
    err->msg[n] = '\0';
    return err->code ? err->code : -EINVAL;
}

void ags_error_clear(struct ags_error *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}
