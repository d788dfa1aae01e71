/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Rewrites the bytes bound for one output fd on their way there (the
 * lockdown terminal filter, base/termfilter.h).  Every backend's attached
 * run takes one per output stream.  It may hold bytes back for a later call;
 * what it holds at the end of the stream is never written.  filter() writes
 * at most n + slack bytes to out and returns how many.
 */

#include <stddef.h>

struct output_filter {
    size_t (*filter)(void *state, const char *in, size_t n, char *out);
    void *state;
    size_t slack; /* at most OUTPUT_FILTER_SLACK_MAX */
};

#define OUTPUT_FILTER_SLACK_MAX (64u * 1024u)
