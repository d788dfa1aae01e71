/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An ssh:// Podman URI (CONTAINER_HOST, --url, containers.conf: outside
 * input) through ssh_uri_parse: accepted or refused with a message and
 * without a crash; what is accepted has a host, an absolute path within the
 * bound and no control byte in any decoded part, and its canonical text
 * parses back to the same fields.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "ssh/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_controls(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > AGS_SSH_URI_MAX + 16)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct ssh_uri u, v;
    struct ags_error err = {0};
    if (ssh_uri_parse(text, &u, &err) == 0) {
        if (!u.host[0] || u.path[0] != '/' || strlen(u.path) > AGS_SSH_REMOTE_PATH_MAX ||
            u.port == 0)
            abort();
        no_controls(u.user);
        no_controls(u.host);
        no_controls(u.path);
        char *f = ssh_uri_format(&u);
        if (ssh_uri_parse(f, &v, NULL) != 0 || strcmp(u.host, v.host) != 0 ||
            strcmp(u.path, v.path) != 0 || u.port != v.port || !u.user != !v.user ||
            (u.user && strcmp(u.user, v.user) != 0))
            abort();
        ssh_uri_done(&v);
        free(f);
        ssh_uri_done(&u);
    } else if (err.code != -EINVAL || !err.msg[0]) {
        abort();
    }
    free(text);
    return 0;
}
