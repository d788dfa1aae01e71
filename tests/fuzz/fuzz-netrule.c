/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A [network].allow entry (a repository's overlay or a flag: outside input)
 * through netrule_parse: anything is accepted or refused with a reason and
 * without a crash; what is accepted formats to a canonical text within
 * NETRULE_FORMAT_MAX that parses back to the same rule, covers itself, and
 * (a name) matches the name it holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/limits.h"
#include "base/netrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct netrule *a, const struct netrule *b)
{
    return a->kind == b->kind && strcmp(a->name, b->name) == 0 && a->family == b->family &&
           memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 && a->prefix == b->prefix &&
           a->port == b->port;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * AGS_NET_RULE_MAX_TEXT)
        return 0;
    char text[2 * AGS_NET_RULE_MAX_TEXT + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    struct netrule r;
    const char *why = NULL;
    if (netrule_parse(text, &r, &why) < 0) {
        if (!why)
            abort(); /* every refusal says why */
        return 0;
    }
    char canon[NETRULE_FORMAT_MAX];
    if (netrule_format(&r, canon, sizeof(canon)) < 0)
        abort();
    struct netrule back;
    if (netrule_parse(canon, &back, &why) < 0 || !same(&r, &back))
        abort();
    if (!netrule_covers(&r, &r))
        abort();
    uint16_t port = r.port ? r.port : 443;
    if (r.kind == NETRULE_NAME && !netrule_match_name(&r, r.name, port))
        abort();
    if (r.kind == NETRULE_ADDR && !netrule_match_addr(&r, r.family, r.addr, port))
        abort();
    return 0;
}
