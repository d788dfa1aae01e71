/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/strv.h"
#include "base/banned.h"

/* A config with thousands of mistakes is reported in full up to this many lines. */
#define CFG_DIAG_MAX 200

static void push(char ***v, size_t *n, size_t *cap, const char *fmt, va_list ap)
        _printf_(4, 0);

static void push(char ***v, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
    if (*n >= CFG_DIAG_MAX)
        return;
    char *line = NULL;
    if (vasprintf(&line, fmt, ap) < 0)
        ags_oom();
    *v = xgrow(*v, cap, *n + 1, sizeof(char *));
    (*v)[(*n)++] = line;
}

void cfg_diag_error(struct cfg_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push(&d->errors, &d->n_errors, &d->cap_errors, fmt, ap);
    va_end(ap);
}

void cfg_diag_warning(struct cfg_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push(&d->warnings, &d->n_warnings, &d->cap_warnings, fmt, ap);
    va_end(ap);
}

void cfg_diag_note(struct cfg_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push(&d->notes, &d->n_notes, &d->cap_notes, fmt, ap);
    va_end(ap);
}

void cfg_diag_done(struct cfg_diag *d)
{
    strv_free_n(d->errors, d->n_errors);
    strv_free_n(d->warnings, d->n_warnings);
    strv_free_n(d->notes, d->n_notes);
    *d = (struct cfg_diag){0};
}
