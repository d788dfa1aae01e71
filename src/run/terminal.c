/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The terminal filter (base/termfilter.h) on the run's output: lockdown
 * output that reaches a terminal (docs/security.md, "Terminal output in
 * lockdown"), and image build output on a terminal in every mode (RUN steps
 * print what packages and scripts from the network print).  The agent must
 * not reach the host's clipboard, notifications, window or printer through
 * escape sequences.  Output to a pipe or a file keeps its exact bytes.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "run/baseline.h"
#include "run/internal.h"
#include "base/banned.h"

/* Whether the user's terminal takes UTF-8, from the locale (LC_ALL,
 * LC_CTYPE, LANG) as the terminal's own programs see it; a locale that is
 * named but not installed is judged by its name.  When unsure: no. */
static bool terminal_is_utf8(void)
{
    locale_t loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
    if (loc != (locale_t)0) {
        const char *cs = nl_langinfo_l(CODESET, loc);
        bool utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0);
        freelocale(loc);
        return utf8;
    }
    const char *name = env_nonempty(NULL, "LC_ALL");
    if (!name)
        name = env_nonempty(NULL, "LC_CTYPE");
    if (!name)
        name = env_nonempty(NULL, "LANG");
    return name && (strcasestr(name, ".utf-8") || strcasestr(name, ".utf8"));
}

static void filter_init_for_terminal(struct termfilter *f)
{
    if (terminal_is_utf8())
        termfilter_init(f);
    else
        termfilter_init_ascii(f);
}

static size_t filter_terminal(void *state, const char *in, size_t n, char *out)
{
    return termfilter_feed(state, in, n, out);
}

const struct output_filter *run_terminal_filter(struct term_filter *f, int fd, bool lockdown)
{
    if (!lockdown || !isatty(fd))
        return NULL;
    filter_init_for_terminal(&f->state);
    f->hook = (struct output_filter){
        .filter = filter_terminal, .state = &f->state, .slack = TERMFILTER_SLACK};
    return &f->hook;
}

/* What the agent set and left set (the alternate screen, mouse reporting,
 * ...) would outlive the run in the user's terminal. */
void run_terminal_finish(struct term_filter *f, int fd)
{
    char reset[TERMFILTER_RESET_MAX];
    int r = write_all(fd, reset, termfilter_finish(&f->state, reset));
    (void)r; /* a terminal that is gone has nothing left to reset */
}

static void sink_emit(const struct build_sink *s, const char *text, size_t len)
{
    if (s->cb->output && len)
        s->cb->output(text, len, s->cb->userdata);
}

void build_sink_write(const char *text, size_t len, void *userdata)
{
    struct build_sink *s = userdata;
    if (!s->started) {
        s->started = true;
        s->filtered = isatty(STDERR_FILENO);
        filter_init_for_terminal(&s->f);
    }
    if (!s->filtered) {
        sink_emit(s, text, len);
        return;
    }
    char out[4096 + TERMFILTER_SLACK];
    for (size_t off = 0; off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        sink_emit(s, out, termfilter_feed(&s->f, text + off, n, out));
    }
}

void build_sink_end(struct build_sink *s)
{
    if (s->filtered) {
        char reset[TERMFILTER_RESET_MAX];
        sink_emit(s, reset, termfilter_finish(&s->f, reset));
    }
    s->started = s->filtered = false;
}

void run_diff_terminal_init(struct termfilter *f)
{
    filter_init_for_terminal(f);
}
