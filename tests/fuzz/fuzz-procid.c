/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ags.owner label (Podman hands it back: outside input) through
 * procid_parse: anything is accepted or refused without a crash; what is
 * accepted formats back into text that parses to the same identity and fits
 * PROCID_MAX_TEXT; the sweep's decision on it is one of the three states.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/procid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_start_time(uint32_t pid, uint64_t *ret)
{
    *ret = pid; /* pid n started at tick n: a pid is "reused" when start != pid */
    return pid % 3 == 0 ? -ESRCH : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * PROCID_MAX_TEXT)
        return 0;
    char text[4 * PROCID_MAX_TEXT + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    struct procid id;
    if (procid_parse(text, &id) < 0)
        return 0;
    char again[PROCID_MAX_TEXT];
    procid_format(&id, again, sizeof(again));
    if (strlen(again) + 1 >= sizeof(again))
        abort(); /* formatted text truncated */
    struct procid back;
    if (procid_parse(again, &back) < 0 || memcmp(&id, &back, sizeof(id)) != 0)
        abort();
    struct procid self = id;
    self.pid ^= 1;
    enum procid_state s = procid_owner_state(&id, &self, fake_start_time);
    if (s != PROCID_ALIVE && s != PROCID_DEAD && s != PROCID_UNKNOWN)
        abort();
    return 0;
}
