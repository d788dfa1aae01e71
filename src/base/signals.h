/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Catching a few signals for the length of one step and putting back
 * exactly the dispositions that were there before: the run's
 * cancellation flag (run/), the attached session (podman/tty.c) and the
 * secret prompt (cli/prompt.c) each hold one.  No SA_RESTART: a blocking
 * call returns EINTR so that the caller notices the signal.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"

#define SIGNALS_MAX 8

struct signals_saved {
    size_t n;
    int sig[SIGNALS_MAX];
    struct sigaction old[SIGNALS_MAX];
};

/*
 * Records the current disposition of each of sigs[0..n) (n <= SIGNALS_MAX)
 * in *s, then installs handler (or SIG_IGN/SIG_DFL) for it.  Signals already
 * recorded in *s keep their first saved disposition, so one set can take
 * several handlers.  0, or -errno when sigaction fails; what was installed
 * before the failure is in *s and signals_restore() undoes it.
 */
int signals_catch(struct signals_saved *s, const int *sigs, size_t n, void (*handler)(int))
        _warn_unused_;
/* Puts back every saved disposition, last first; leaves *s empty.  Idempotent. */
void signals_restore(struct signals_saved *s);
