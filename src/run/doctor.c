/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags doctor: the report, its text and JSON, and the whole run. */
#include "run/doctor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "base/banned.h"

/* A report is a few dozen short lines. */
#define DOCTOR_OUTPUT_MAX (1024u * 1024u)

const char *doctor_status_name(enum doctor_status s)
{
    return s == DOCTOR_OK ? "ok" : s == DOCTOR_WARN ? "warn" : "fail";
}

void doctor_add(struct doctor_report *r, const char *section, const char *name,
                enum doctor_status status, const char *fix, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        ags_oom();
    r->checks = xgrow(r->checks, &r->cap, r->n + 1, sizeof(*r->checks));
    r->checks[r->n++] = (struct doctor_check){
        .section = xstrdup(section),
        .name = xstrdup(name),
        .status = status,
        .message = msg,
        .fix = fix && status != DOCTOR_OK ? xstrdup(fix) : NULL,
    };
    r->n_ok += status == DOCTOR_OK;
    r->n_warn += status == DOCTOR_WARN;
    r->n_fail += status == DOCTOR_FAIL;
}

void doctor_report_free(struct doctor_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->checks[i].section);
        free(r->checks[i].name);
        free(r->checks[i].message);
        free(r->checks[i].fix);
    }
    free(r->checks);
    *r = (struct doctor_report){0};
}

void doctor_check_all(const struct doctor_facts *f, struct doctor_report *r)
{
    doctor_check_engine(f, r);
    doctor_check_host(f, r);
    doctor_check_image(f, r);
    doctor_check_agents(f, r);
    doctor_check_config(f, r);
    doctor_check_keys(f, r);
    doctor_check_secrets(f, r);
    doctor_check_connections(f, r);
}

int run_doctor(const struct run_doctor_opts *o, struct doctor_report *ret, struct ags_error *err)
{
    if (!o->host || !o->host->home || o->host->home[0] != '/')
        return ags_error_set(err, -EINVAL, "$HOME is not set to an absolute path; ags needs it "
                                           "to find its config");
    if (o->connection) { /* an unknown name is a usage error, as for every command */
        const struct backend_open_opts bo = {
                .kind = BACKEND_PODMAN,
                .getenv = o->getenv ? o->getenv : env_process,
                .connection = o->connection,
        };
        _cleanup_free_ char *uri = NULL;
        int r = backend_podman_target(&bo, &uri, NULL, err);
        if (r < 0)
            return r;
    }
    struct doctor_facts f;
    doctor_gather(o, &f);
    *ret = (struct doctor_report){0};
    doctor_check_all(&f, ret);
    doctor_facts_done(&f);
    return 0;
}

/* ---- rendering ---- */

static void put(struct strbuf *sb, const char *s)
{
    if (strbuf_appends(sb, s) < 0)
        ags_oom();
}

static void putj(struct strbuf *sb, const char *s)
{
    if (!s)
        put(sb, "null");
    else if (json_append_string(sb, s, strlen(s)) < 0)
        ags_oom();
}

static void put_escaped(struct strbuf *sb, const char *s)
{
    if (term_escape(sb, s, strlen(s)) < 0)
        ags_oom();
}

char *doctor_summary_line(const struct doctor_report *r)
{
    return xasprintf("Summary: %zu ok, %zu warning%s, %zu failure%s", r->n_ok, r->n_warn,
                     r->n_warn == 1 ? "" : "s", r->n_fail, r->n_fail == 1 ? "" : "s");
}

char *doctor_report_text(const struct doctor_report *r)
{
    struct strbuf sb;
    strbuf_init(&sb, DOCTOR_OUTPUT_MAX);
    static const char *const tags[] = {"[OK]", "[WARN]", "[FAIL]"};
    const char *section = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const struct doctor_check *c = &r->checks[i];
        if (!section || strcmp(section, c->section) != 0) {
            put(&sb, section ? "\n== " : "== ");
            put_escaped(&sb, c->section); /* "Connection NAME": containers.conf's text */
            put(&sb, " ==\n");
            section = c->section;
        }
        put(&sb, tags[c->status]);
        put(&sb, " ");
        put_escaped(&sb, c->message);
        put(&sb, "\n");
        if (c->fix) {
            put(&sb, "  fix: ");
            put_escaped(&sb, c->fix);
            put(&sb, "\n");
        }
    }
    _cleanup_free_ char *summary = doctor_summary_line(r);
    put(&sb, r->n ? "\n" : "");
    put(&sb, summary);
    put(&sb, "\n");
    return strbuf_steal(&sb);
}

char *doctor_report_json(const struct doctor_report *r)
{
    struct strbuf sb;
    strbuf_init(&sb, DOCTOR_OUTPUT_MAX);
    put(&sb, "{\"checks\":[");
    for (size_t i = 0; i < r->n; i++) {
        const struct doctor_check *c = &r->checks[i];
        put(&sb, i ? ",{\"section\":" : "{\"section\":");
        putj(&sb, c->section);
        put(&sb, ",\"name\":");
        putj(&sb, c->name);
        put(&sb, ",\"status\":");
        putj(&sb, doctor_status_name(c->status));
        put(&sb, ",\"message\":");
        putj(&sb, c->message);
        put(&sb, ",\"fix\":");
        putj(&sb, c->fix);
        put(&sb, "}");
    }
    char tail[160];
    (void)snprintf(tail, sizeof(tail),
                   "],\"summary\":{\"ok\":%zu,\"warnings\":%zu,\"failures\":%zu,\"healthy\":%s}}\n",
                   r->n_ok, r->n_warn, r->n_fail, r->n_fail ? "false" : "true");
    put(&sb, tail);
    return strbuf_steal(&sb);
}
