/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps's rows and output, pure: every text in a row comes from labels a
 * run wrote into its sandbox's metadata, and a hostile workspace path is
 * one of them, so the table escapes it for the terminal (base/termesc.h, and
 * newline and tab too: one line per session) and the JSON is ASCII-safe
 * (json_append_string).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "run/internal.h"
#include "base/banned.h"

/* Bounds the output: a label is held to AGS_SESSION_LABEL_MAX, so a row is
 * far below this unless the engine lists absurdly many sessions. */
#define PS_OUTPUT_MAX (64u * 1024u * 1024u)

const char *run_session_state_name(enum backend_session_state s)
{
    switch (s) {
    case BACKEND_SESSION_CREATED:
        return "created";
    case BACKEND_SESSION_RUNNING:
        return "running";
    case BACKEND_SESSION_EXITED:
        return "exited";
    }
    return "?";
}

const char *run_session_owner_name(const struct run_session_row *x)
{
    /* A supervised session's owner is the supervisor holding its host
     * services (ssh agent filter, auth and egress proxies). */
    if (x->supervised)
        return x->owner == RUN_OWNER_ALIVE  ? "services up"
               : x->owner == RUN_OWNER_GONE ? "services gone"
                                            : "unknown";
    switch (x->owner) {
    case RUN_OWNER_ALIVE:
        return "attached";
    case RUN_OWNER_GONE:
        return "owner gone";
    case RUN_OWNER_UNKNOWN:
        return "unknown";
    }
    return "?";
}

bool run_session_leftover(const struct run_session_row *x)
{
    return x->owner == RUN_OWNER_GONE &&
           !(x->supervised && x->state == BACKEND_SESSION_RUNNING);
}

/* A copy held to AGS_SESSION_LABEL_MAX bytes. */
static char *bounded(const char *s)
{
    return xstrndup(s, strnlen(s, AGS_SESSION_LABEL_MAX));
}

/* A label's value, bounded; "" when absent. */
static char *label_text(char *const *labels, const char *key)
{
    const char *v = plan_label_value(labels, key);
    return bounded(v ? v : "");
}

void run_session_row_from(const struct backend_session *s, enum procid_state owner,
                          struct run_session_row *ret)
{
    char *const *l = s->labels;
    *ret = (struct run_session_row){
            .name = bounded(s->name),
            .id = bounded(s->id),
            .session = label_text(l, PLAN_LABEL_SESSION),
            .agent = label_text(l, PLAN_LABEL_AGENT),
            .network = label_text(l, PLAN_LABEL_NETWORK),
            .state = s->state,
            .supervised = plan_label_is_true(l, PLAN_LABEL_SUPERVISED),
            .owner = owner == PROCID_ALIVE  ? RUN_OWNER_ALIVE
                     : owner == PROCID_DEAD ? RUN_OWNER_GONE
                                            : RUN_OWNER_UNKNOWN,
    };
    _cleanup_free_ char *dir = label_text(l, PLAN_LABEL_WORKDIR);
    /* Not the encoding ags writes: shown as it is (printable or escaped). */
    if (str_pct_decode(dir, &ret->workdir) < 0)
        ret->workdir = TAKE_PTR(dir);
    const char *lockdown = plan_label_value(l, PLAN_LABEL_LOCKDOWN);
    ret->lockdown = lockdown && strcmp(lockdown, "true") == 0;
    const char *started = plan_label_value(l, PLAN_LABEL_STARTED);
    if (!started || clock_parse_utc(started, &ret->started) < 0)
        ret->started = 0;
}

void run_session_row_done(struct run_session_row *r)
{
    free(r->name);
    free(r->id);
    free(r->session);
    free(r->agent);
    free(r->network);
    free(r->workdir);
    *r = (struct run_session_row){0};
}

bool run_session_shown(const struct run_session_row *r, bool all)
{
    return all || r->state == BACKEND_SESSION_RUNNING;
}

void run_session_age(int64_t started, int64_t now, char *buf, size_t size)
{
    if (started <= 0 || now < started) {
        (void)snprintf(buf, size, "-");
        return;
    }
    int64_t d = now - started;
    if (d < 60)
        (void)snprintf(buf, size, "%" PRId64 "s", d);
    else if (d < 3600)
        (void)snprintf(buf, size, "%" PRId64 "m", d / 60);
    else if (d < 86400)
        (void)snprintf(buf, size, "%" PRId64 "h", d / 3600);
    else
        (void)snprintf(buf, size, "%" PRId64 "d", d / 86400);
}

/* Outside text for one table cell: escaped, newline and tab shown as \n
 * and \t, "-" for nothing. */
static char *cell(const char *s)
{
    if (!s[0])
        return xstrdup("-");
    _cleanup_free_ char *esc = term_escape_str(s);
    struct strbuf sb;
    strbuf_init(&sb, PS_OUTPUT_MAX);
    for (const char *p = esc; *p; p++) {
        int r = *p == '\n'   ? strbuf_append(&sb, "\\n", 2)
                : *p == '\t' ? strbuf_append(&sb, "\\t", 2)
                             : strbuf_appendc(&sb, *p);
        if (r < 0)
            break;
    }
    return strbuf_steal(&sb);
}

/* Merge order: engine (list) first, then the oldest first, then the name. */
struct merge_key {
    const struct run_sessions *const *lists;
    struct run_session_ref ref;
};

static const struct run_session_row *row_of(const struct run_sessions *const *lists,
                                            struct run_session_ref r)
{
    return &lists[r.list]->v[r.row];
}

static int merge_cmp(const void *pa, const void *pb)
{
    const struct merge_key *a = pa, *b = pb;
    if (a->ref.list != b->ref.list)
        return a->ref.list < b->ref.list ? -1 : 1;
    const struct run_session_row *x = row_of(a->lists, a->ref), *y = row_of(b->lists, b->ref);
    if (x->started != y->started)
        return x->started < y->started ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return a->ref.row < b->ref.row ? -1 : a->ref.row > b->ref.row; /* qsort is not stable */
}

struct run_session_ref *run_sessions_merge(const struct run_sessions *const *lists, size_t n,
                                           bool all, size_t *ret_n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lists[i]->n;
    struct merge_key *k = xcalloc(total ? total : 1, sizeof(*k));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < lists[i]->n; j++)
            if (run_session_shown(&lists[i]->v[j], all))
                k[m++] = (struct merge_key){lists, {i, j}};
    if (m > 1)
        qsort(k, m, sizeof(*k), merge_cmp);
    struct run_session_ref *out = xcalloc(m ? m : 1, sizeof(*out));
    for (size_t i = 0; i < m; i++)
        out[i] = k[i].ref;
    free(k);
    *ret_n = m;
    return out;
}

static const char *engine_of(const struct run_sessions *l)
{
    return l->engine ? l->engine : "local";
}

#define TEXT_ROW "%-28s %-10s %-8s %-8s %-8s %-11s %-9s %-8s %s\n"

char *run_sessions_text(const struct run_sessions *const *lists, size_t n, bool all, int64_t now)
{
    struct strbuf sb;
    strbuf_init(&sb, PS_OUTPUT_MAX);
    int r = strbuf_appendf(&sb, TEXT_ROW, "NAME", "ENGINE", "AGENT", "STATE", "STARTED", "OWNER",
                           "NETWORK", "MODE", "WORKDIR");
    size_t m = 0;
    _cleanup_free_ struct run_session_ref *refs = run_sessions_merge(lists, n, all, &m);
    for (size_t i = 0; r == 0 && i < m; i++) {
        const struct run_session_row *x = row_of(lists, refs[i]);
        char age[32];
        run_session_age(x->started, now, age, sizeof(age));
        _cleanup_free_ char *name = cell(x->name), *agent = cell(x->agent), *net = cell(x->network),
                            *dir = cell(x->workdir), *engine = cell(engine_of(lists[refs[i].list]));
        r = strbuf_appendf(&sb, TEXT_ROW, name, engine, agent, run_session_state_name(x->state),
                           age, run_session_owner_name(x), net, x->lockdown ? "lockdown" : "normal",
                           dir);
    }
    return strbuf_steal(&sb);
}

static int json_field(struct strbuf *sb, const char *key, const char *value, bool first)
{
    int r = strbuf_appendf(sb, "%s\"%s\": ", first ? "" : ", ", key);
    if (r == 0 && !value)
        return strbuf_append(sb, "null", 4);
    return r == 0 ? json_append_string(sb, value, strlen(value)) : r;
}

static int json_row(struct strbuf *sb, const struct run_session_row *x,
                    const struct run_sessions *l, int64_t now)
{
    char started[CLOCK_UTC_TEXT] = "";
    if (x->started > 0)
        clock_format_utc(x->started, started, sizeof(started));
    int r = strbuf_append(sb, "  {", 3);
    if (r == 0)
        r = json_field(sb, "name", x->name, true);
    if (r == 0)
        r = json_field(sb, "id", x->id, false);
    if (r == 0)
        r = json_field(sb, "session", x->session[0] ? x->session : NULL, false);
    if (r == 0)
        r = json_field(sb, "agent", x->agent[0] ? x->agent : NULL, false);
    if (r == 0)
        r = json_field(sb, "workdir", x->workdir[0] ? x->workdir : NULL, false);
    if (r == 0)
        r = strbuf_appendf(sb, ", \"lockdown\": %s", x->lockdown ? "true" : "false");
    if (r == 0)
        r = json_field(sb, "network", x->network[0] ? x->network : NULL, false);
    if (r == 0)
        r = json_field(sb, "state", run_session_state_name(x->state), false);
    if (r == 0)
        r = json_field(sb, "started", started[0] ? started : NULL, false);
    if (r == 0 && x->started > 0 && now >= x->started)
        r = strbuf_appendf(sb, ", \"age_seconds\": %" PRId64, now - x->started);
    else if (r == 0)
        r = strbuf_appendf(sb, ", \"age_seconds\": null");
    if (r == 0)
        r = json_field(sb, "owner", run_session_owner_name(x), false);
    if (r == 0)
        r = strbuf_appendf(sb, ", \"supervised\": %s, \"leftover\": %s",
                           x->supervised ? "true" : "false",
                           run_session_leftover(x) ? "true" : "false");
    if (r == 0)
        r = json_field(sb, "backend", l->backend_name ? l->backend_name : "", false);
    if (r == 0)
        r = json_field(sb, "engine", engine_of(l), false);
    return r == 0 ? strbuf_append(sb, "}", 1) : r;
}

char *run_sessions_json(const struct run_sessions *const *lists, size_t n, bool all, int64_t now)
{
    struct strbuf sb;
    strbuf_init(&sb, PS_OUTPUT_MAX);
    size_t m = 0;
    _cleanup_free_ struct run_session_ref *refs = run_sessions_merge(lists, n, all, &m);
    int r = strbuf_append(&sb, "[", 1);
    for (size_t i = 0; r == 0 && i < m; i++) {
        r = strbuf_appends(&sb, i ? ",\n" : "\n");
        if (r == 0)
            r = json_row(&sb, row_of(lists, refs[i]), lists[refs[i].list], now);
    }
    if (r == 0)
        r = strbuf_appends(&sb, m ? "\n]\n" : "]\n");
    return strbuf_steal(&sb);
}
