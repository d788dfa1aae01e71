/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ~/.ssh/known_hosts text (the user's file, which other tools and people
 * write) through ssh_known_hosts_verdict for a plain and a [host]:port name
 * and one ed25519 key: no crash, a verdict of the enum, and the same
 * answer as OpenSSH in the one way every input allows to check: once a
 * correct plain line for the name is appended, the key matches (or is
 * revoked, when a @revoked line names it), and what matched still matches;
 * the handshake's host key methods are always the four types ags checks,
 * each once, in some order.
 */
#include <libssh2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/base64.h"
#include "ssh/known-hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "AAAAC3NzaC1lZDI1NTE5AAAAIIvvbi/5m78Hg485EpIIXTF5zlWdxWUCxK0VyA7Y9riy"

static enum ssh_kh_verdict verdict(const char *text, size_t len, const char *name,
                                   const struct ssh_host_key *k)
{
    enum ssh_kh_verdict v = SSH_KH_UNKNOWN;
    struct ags_error err = {0};
    if (ssh_known_hosts_verdict(text, len, name, k, &v, &err) != 0)
        abort(); /* a supported key type: never an error */
    if (v != SSH_KH_MATCH && v != SSH_KH_UNKNOWN && v != SSH_KH_OTHER_TYPE && v != SSH_KH_CHANGED &&
        v != SSH_KH_REVOKED_KEY)
        abort();
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > AGS_SSH_KNOWN_HOSTS_LINE * 4)
        return 0;
    uint8_t blob[128];
    long n = base64_decode(KEY, strlen(KEY), blob, sizeof(blob));
    if (n <= 0)
        abort();
    struct ssh_host_key k = {.blob = blob, .len = (size_t)n, .type = LIBSSH2_HOSTKEY_TYPE_ED25519};
    static const char *const names[] = {"gpu.example.org", "[127.0.0.1]:2222"};
    char *text = malloc(size + 256);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        memcpy(text, data, size);
        enum ssh_kh_verdict before = verdict(text, size, names[i], &k);
        size_t len = size;
        len += (size_t)snprintf(text + len, 256, "\n%s ssh-ed25519 %s\n", names[i], KEY);
        enum ssh_kh_verdict after = verdict(text, len, names[i], &k);
        if (after != SSH_KH_MATCH && after != SSH_KH_REVOKED_KEY)
            abort();
        if (before == SSH_KH_MATCH && after != SSH_KH_MATCH)
            abort();
        if (before == SSH_KH_REVOKED_KEY && after != SSH_KH_REVOKED_KEY)
            abort();
    }
    free(text);
    char methods[SSH_KH_METHODS_MAX];
    ssh_known_hosts_methods((const char *)data, size, names[0], methods);
    static const char *const types[] = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                                        "ecdsa-sha2-nistp521"};
    size_t total = 0;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char *at = strstr(methods, types[i]);
        if (!at || strstr(at + 1, types[i]))
            abort();
        total += strlen(types[i]) + 1;
    }
    if (strlen(methods) + 1 != total)
        abort();
    return 0;
}
