/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/signals.h"

#include <errno.h>

#include "base/banned.h"

static bool saved_already(const struct signals_saved *s, int sig)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->sig[i] == sig)
            return true;
    return false;
}

int signals_catch(struct signals_saved *s, const int *sigs, size_t n, void (*handler)(int))
{
    struct sigaction sa = {.sa_handler = handler};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < n; i++) {
        if (!saved_already(s, sigs[i])) {
            if (s->n >= SIGNALS_MAX)
                return -E2BIG;
            if (sigaction(sigs[i], NULL, &s->old[s->n]) < 0)
                return -errno;
            s->sig[s->n++] = sigs[i];
        }
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -errno;
    }
    return 0;
}

void signals_restore(struct signals_saved *s)
{
    while (s->n > 0) {
        s->n--;
        (void)sigaction(s->sig[s->n], &s->old[s->n], NULL);
    }
}
