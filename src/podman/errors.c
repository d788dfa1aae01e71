/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "podman/errors.h"

#include <jansson.h>
#include <string.h>

#include "base/banned.h"

static int errno_for(long status, const char *cause)
{
    if (cause && (strstr(cause, "no such") || strstr(cause, "not known") ||
                  strstr(cause, "failed to find")))
        return -ENOENT;
    if (cause && (strstr(cause, "in use") || strstr(cause, "is being used") ||
                  strstr(cause, "already exists") || strstr(cause, "improper")))
        return -EBUSY;
    switch (status) {
    case 304:
        return -EALREADY;
    case 400:
        return -EINVAL;
    case 404:
        return -ENOENT;
    case 409:
        return -EBUSY;
    default:
        return -EIO;
    }
}

static const char *hint_for(const char *cause)
{
    if (!cause)
        return "";
    if (strstr(cause, "image not known") || strstr(cause, "failed to find image"))
        return " (build it with `ags update-image`)";
    if (strstr(cause, "name is already in use"))
        return " (another container has this name; `ags` sweeps stale ones on the next run)";
    return "";
}

/* Podman's messages may carry newlines; ags reports one line. */
static void one_line(struct ags_error *err)
{
    if (!err)
        return;
    size_t n = strlen(err->msg);
    while (n && (err->msg[n - 1] == '\n' || err->msg[n - 1] == '\r' || err->msg[n - 1] == ' '))
        err->msg[--n] = '\0';
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

int podman_reply_error(const struct podman_reply *reply, const char *what, struct ags_error *err)
{
    json_error_t jerr;
    json_t *root = reply->body && reply->len
                           ? json_loadb(reply->body, reply->len, JSON_DISABLE_EOF_CHECK, &jerr)
                           : NULL;
    const char *message = NULL, *cause = NULL;
    if (json_is_object(root)) {
        message = json_string_value(json_object_get(root, "message"));
        cause = json_string_value(json_object_get(root, "cause"));
    }
    int code = errno_for(reply->status, cause);
    if (message)
        ags_error_set(err, code, "%s: %s (HTTP %ld)%s", what, message, reply->status,
                      hint_for(cause));
    else if (reply->body && reply->len)
        ags_error_set(err, code, "%s: HTTP %ld: %.*s", what, reply->status,
                      (int)strcspn(reply->body, "\r\n"), reply->body);
    else
        ags_error_set(err, code, "%s: HTTP %ld", what, reply->status);
    json_decref(root);
    one_line(err);
    return code;
}
