/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <time.h>

#include "base/clock.h"
#include "base/banned.h"

int64_t monotonic_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
