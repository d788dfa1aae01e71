/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps and ags stop (run/sessions-render.c, run/sessions.c): a listed
 * sandbox's labels as a row, which rows are shown, the owner column, the
 * table and JSON with hostile label values, finding a session by name; the
 * label encoding and the RFC 3339 round trip they rely on (base).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/run.h"
#include "conf-fixture.h"

#define T0 1714564800 /* 2024-05-01T12:00:00Z */
/* One engine's list as the renderers take lists. */
#define ONE(l) ((const struct run_sessions *const[]){(l)})

static const char *const labels_hostile[] = {
        "ags.managed=true",
        "ags.session=0123456789abcdef",
        "ags.agent=pi",
        "ags.workdir=/w/evil%0A%1B]0;pwned%07%E2%80%AEtxt.sh",
        "ags.lockdown=true",
        "ags.network=allowlist",
        "ags.started=2024-05-01T12:00:00Z",
        NULL,
};

/* A listed session with copies of name and labels (session_done). */
static struct backend_session session(const char *name, enum backend_session_state st,
                                      const char *const *labels)
{
    struct strv_builder sb = {0};
    for (size_t i = 0; labels[i]; i++)
        strv_builder_push(&sb, xstrdup(labels[i]));
    return (struct backend_session){.id = xstrdup(name), .name = xstrdup(name), .state = st,
                                    .labels = strv_builder_steal(&sb)};
}

static void session_done(struct backend_session *s, size_t n)
{
    struct backend_sessions all = {.v = xcalloc(n, sizeof(*s)), .n = n};
    memcpy(all.v, s, n * sizeof(*s));
    backend_sessions_done(&all);
}

static void list_of(struct run_sessions *l, const struct backend_session *s,
                    const enum procid_state *owner, size_t n)
{
    *l = (struct run_sessions){.backend_name = "podman"};
    l->v = xcalloc(n, sizeof(*l->v));
    for (l->n = 0; l->n < n; l->n++)
        run_session_row_from(&s[l->n], owner[l->n], &l->v[l->n]);
}

/* Only the rows: raw and backend are the caller's in these tests. */
static void rows_done(struct run_sessions *l)
{
    for (size_t i = 0; i < l->n; i++)
        run_session_row_done(&l->v[i]);
    free(l->v);
}

static void test_row_decodes_the_workdir_and_reads_mode_network_and_start(void **state)
{
    (void)state;
    struct backend_session s = session("ags-w-1a2b", BACKEND_SESSION_RUNNING, labels_hostile);
    struct run_session_row r;
    run_session_row_from(&s, PROCID_ALIVE, &r);
    assert_string_equal(r.workdir, "/w/evil\n\x1b]0;pwned\a\xe2\x80\xaetxt.sh");
    assert_true(r.lockdown);
    assert_string_equal(r.network, "allowlist");
    assert_string_equal(r.agent, "pi");
    assert_string_equal(r.session, "0123456789abcdef");
    assert_int_equal(r.started, T0);
    assert_int_equal(r.owner, RUN_OWNER_ALIVE);
    struct run_sessions l = {.v = &r, .n = 1};
    size_t i = 9;
    assert_int_equal(run_session_find(&l, "ags-w-1a2b", &i), 0);
    assert_int_equal(i, 0);
    assert_int_equal(run_session_find(&l, "0123456789abcdef", &i), 0);
    assert_int_equal(run_session_find(&l, "ags-w", &i), -ENOENT);
    assert_int_equal(run_session_find(&l, "", &i), -ENOENT);
    l.v = xcalloc(1, sizeof(r));
    l.v[0] = r;
    rows_done(&l);
    session_done(&s, 1);
}

static void test_row_of_missing_or_malformed_labels_is_unknown_not_trusted(void **state)
{
    (void)state;
    static const char *const labels[] = {"ags.managed=true", "ags.workdir=/a%zz", "ags.lockdown=yes",
                      "ags.started=2024-05-01 12:00:00", NULL};
    struct backend_session s = session("x", BACKEND_SESSION_EXITED, labels);
    struct run_sessions l;
    enum procid_state o = PROCID_DEAD;
    list_of(&l, &s, &o, 1);
    assert_string_equal(l.v[0].workdir, "/a%zz"); /* shown as written, escaped on output */
    assert_false(l.v[0].lockdown);                 /* only "true" is lockdown */
    assert_int_equal(l.v[0].started, 0);
    assert_string_equal(l.v[0].agent, "");
    assert_int_equal(l.v[0].owner, RUN_OWNER_GONE);
    _cleanup_free_ char *json = run_sessions_json(ONE(&l), 1, true, T0);
    assert_non_null(strstr(json, "\"agent\": null"));
    assert_non_null(strstr(json, "\"started\": null, \"age_seconds\": null"));
    assert_non_null(strstr(json, "\"owner\": \"owner gone\", \"supervised\": false, \"leftover\": true"));
    rows_done(&l);
    session_done(&s, 1);
}

static void test_ps_shows_running_sessions_and_all_adds_created_and_exited(void **state)
{
    (void)state;
    struct backend_session s[] = {
            session("ags-run-0001", BACKEND_SESSION_RUNNING, labels_hostile),
            session("ags-new-0002", BACKEND_SESSION_CREATED, labels_hostile),
            session("ags-old-0003", BACKEND_SESSION_EXITED, labels_hostile),
            session("ags-orphan-0004", BACKEND_SESSION_RUNNING, labels_hostile),
    };
    enum procid_state o[] = {PROCID_ALIVE, PROCID_ALIVE, PROCID_DEAD, PROCID_DEAD};
    struct run_sessions l;
    list_of(&l, s, o, 4);
    _cleanup_free_ char *text = run_sessions_text(ONE(&l), 1, false, T0 + 125);
    assert_non_null(strstr(text, "ags-run-0001"));
    assert_null(strstr(text, "ags-new-0002"));
    assert_null(strstr(text, "ags-old-0003"));
    /* a running sandbox whose ags is gone: the user must see it to stop it */
    assert_non_null(strstr(text, "ags-orphan-0004"));
    assert_non_null(strstr(text, "owner gone"));
    assert_non_null(strstr(text, " 2m "));
    _cleanup_free_ char *all = run_sessions_text(ONE(&l), 1, true, T0 + 125);
    assert_non_null(strstr(all, "ags-new-0002"));
    assert_non_null(strstr(all, "created"));
    assert_non_null(strstr(all, "ags-old-0003"));
    assert_non_null(strstr(all, "exited"));
    rows_done(&l);
    session_done(s, 4);
}

static void test_text_escapes_label_bytes_one_line_per_session(void **state)
{
    (void)state;
    struct backend_session s = session("ags-w-1a2b", BACKEND_SESSION_RUNNING, labels_hostile);
    enum procid_state o = PROCID_ALIVE;
    struct run_sessions l;
    list_of(&l, &s, &o, 1);
    _cleanup_free_ char *text = run_sessions_text(ONE(&l), 1, false, T0);
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\a'));
    assert_null(strstr(text, "\xe2\x80\xae")); /* the bidi override */
    assert_non_null(strstr(text, "/w/evil\\n\\x1b]0;pwned\\x07\\u{202e}txt.sh"));
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2); /* the header and the session */
    assert_non_null(strstr(text, "attached"));
    assert_non_null(strstr(text, "lockdown"));
    rows_done(&l);
    session_done(&s, 1);
}

static void test_json_is_ascii_with_the_documented_fields(void **state)
{
    (void)state;
    struct backend_session s = session("ags-w-1a2b", BACKEND_SESSION_RUNNING, labels_hostile);
    enum procid_state o = PROCID_UNKNOWN;
    struct run_sessions l;
    list_of(&l, &s, &o, 1);
    _cleanup_free_ char *json = run_sessions_json(ONE(&l), 1, false, T0 + 7);
    for (const unsigned char *p = (const unsigned char *)json; *p; p++)
        assert_true(*p < 0x7f && (*p >= 0x20 || *p == '\n'));
    assert_string_equal(
            json,
            "[\n  {\"name\": \"ags-w-1a2b\", \"id\": \"ags-w-1a2b\", \"session\": "
            "\"0123456789abcdef\", \"agent\": \"pi\", \"workdir\": "
            "\"/w/evil\\n\\u001b]0;pwned\\u0007\\u202etxt.sh\", \"lockdown\": true, "
            "\"network\": \"allowlist\", \"state\": \"running\", \"started\": "
            "\"2024-05-01T12:00:00Z\", \"age_seconds\": 7, \"owner\": \"unknown\", "
            "\"supervised\": false, \"leftover\": false, \"backend\": \"podman\", "
            "\"engine\": \"local\"}\n]\n");
    _cleanup_free_ char *empty = NULL;
    l.v[0].state = BACKEND_SESSION_EXITED;
    empty = run_sessions_json(ONE(&l), 1, false, T0);
    assert_string_equal(empty, "[]\n");
    rows_done(&l);
    session_done(&s, 1);
}

static void test_supervised_session_shows_its_services_and_is_no_leftover_while_running(void **state)
{
    (void)state;
    static const char *const sup[] = {"ags.managed=true", "ags.session=0123456789abcdef",
                                      "ags.supervised=true", NULL};
    struct backend_session s[3] = {session("a", BACKEND_SESSION_RUNNING, sup),
                                   session("b", BACKEND_SESSION_RUNNING, sup),
                                   session("c", BACKEND_SESSION_EXITED, sup)};
    enum procid_state o[3] = {PROCID_ALIVE, PROCID_DEAD, PROCID_DEAD};
    struct run_sessions l;
    list_of(&l, s, o, 3);
    assert_true(l.v[0].supervised);
    assert_string_equal(run_session_owner_name(&l.v[0]), "services up");
    assert_string_equal(run_session_owner_name(&l.v[1]), "services gone");
    assert_false(run_session_leftover(&l.v[1])); /* the sweep keeps it: it runs */
    assert_true(run_session_leftover(&l.v[2]));  /* ended and ownerless: swept */
    _cleanup_free_ char *json = run_sessions_json(ONE(&l), 1, true, T0);
    assert_non_null(strstr(json, "\"owner\": \"services gone\", \"supervised\": true, "
                                 "\"leftover\": false"));
    rows_done(&l);
    session_done(s, 3);
}

static const char *const labels_started_late[] = {"ags.managed=true", "ags.agent=shell",
                                                   "ags.started=2024-05-01T13:00:00Z", NULL};
static const char *const labels_started_early[] = {"ags.managed=true", "ags.agent=shell",
                                                    "ags.started=2024-05-01T11:00:00Z", NULL};
static const char *const labels_no_start[] = {"ags.managed=true", "ags.agent=shell", NULL};

/* ags ps across engines: the configured engine's rows first, then each
 * connection's in containers.conf order; within an engine the oldest first
 * (an unknown start before any), the name breaking ties; --all decides per row. */
static void test_merge_orders_by_engine_then_start_then_name(void **state)
{
    (void)state;
    struct backend_session here[] = {
            session("h-late", BACKEND_SESSION_RUNNING, labels_started_late),
            session("h-early", BACKEND_SESSION_RUNNING, labels_started_early),
            session("h-exited", BACKEND_SESSION_EXITED, labels_started_early),
    };
    struct backend_session far[] = {
            session("f-b", BACKEND_SESSION_RUNNING, labels_started_early),
            session("f-unknown", BACKEND_SESSION_RUNNING, labels_no_start),
            session("f-a", BACKEND_SESSION_RUNNING, labels_started_early),
    };
    enum procid_state o[] = {PROCID_ALIVE, PROCID_ALIVE, PROCID_DEAD};
    struct run_sessions a, b;
    list_of(&a, here, o, 3);
    list_of(&b, far, o, 3);
    const struct run_sessions *lists[] = {&a, &b};
    size_t n = 0;
    _cleanup_free_ struct run_session_ref *refs = run_sessions_merge(lists, 2, false, &n);
    const char *want[] = {"h-early", "h-late", "f-unknown", "f-a", "f-b"};
    assert_int_equal(n, ARRAY_SIZE(want));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(lists[refs[i].list]->v[refs[i].row].name, want[i]);
    _cleanup_free_ struct run_session_ref *all = run_sessions_merge(lists, 2, true, &n);
    assert_int_equal(n, 6);
    assert_string_equal(a.v[all[1].row].name, "h-exited"); /* early, then by name */
    assert_int_equal(all[1].list, 0);
    /* The engines the other way round: their rows follow. */
    const struct run_sessions *swapped[] = {&b, &a};
    _cleanup_free_ struct run_session_ref *sw = run_sessions_merge(swapped, 2, false, &n);
    assert_string_equal(swapped[sw[0].list]->v[sw[0].row].name, "f-unknown");
    assert_string_equal(swapped[sw[n - 1].list]->v[sw[n - 1].row].name, "h-late");
    _cleanup_free_ struct run_session_ref *none = run_sessions_merge(lists, 0, true, &n);
    assert_int_equal(n, 0);
    assert_non_null(none); /* an empty array, never NULL */
    rows_done(&a);
    rows_done(&b);
    session_done(here, 3);
    session_done(far, 3);
}

/* Each row names its engine: "local" for the configured one, else the
 * connection's name, escaped in the table (containers.conf is outside text). */
static void test_table_and_json_name_each_rows_engine(void **state)
{
    (void)state;
    struct backend_session here = session("ags-here", BACKEND_SESSION_RUNNING, labels_started_early);
    struct backend_session far = session("ags-far", BACKEND_SESSION_RUNNING, labels_started_early);
    enum procid_state o = PROCID_UNKNOWN;
    struct run_sessions a, b;
    list_of(&a, &here, &o, 1);
    list_of(&b, &far, &o, 1);
    b.engine = "gpu\x1b[2Jbox";
    const struct run_sessions *lists[] = {&a, &b};
    _cleanup_free_ char *text = run_sessions_text(lists, 2, false, T0);
    assert_non_null(strstr(text, "NAME                         ENGINE     AGENT"));
    assert_non_null(strstr(text, "ags-here                     local      shell"));
    assert_null(strchr(text, '\x1b'));
    const char *far_row = strstr(text, "ags-far ");
    assert_non_null(far_row);
    assert_non_null(strstr(far_row, "gpu\\x1b[2Jbox")); /* escaped, not acted on */
    assert_true(strstr(text, "ags-here") < far_row);
    b.engine = "gpu-box";
    _cleanup_free_ char *json = run_sessions_json(lists, 2, false, T0);
    assert_non_null(strstr(json, "\"name\": \"ags-here\""));
    assert_non_null(strstr(json, "\"backend\": \"podman\", \"engine\": \"local\"}"));
    assert_non_null(strstr(json, "\"backend\": \"podman\", \"engine\": \"gpu-box\"}"));
    assert_true(strstr(json, "ags-here") < strstr(json, "ags-far"));
    rows_done(&a);
    rows_done(&b);
    session_done(&here, 1);
    session_done(&far, 1);
}

/* ---- ags ps across engines through a fake backend ---- */

/* What each open was asked (the probes run on threads of their own). */
struct opened {
    char what[32]; /* the connection name, or "configured" */
    long timeout_ms;
    bool no_autostart;
    enum backend_kind kind;
};
static struct opened opened[8];
static size_t n_opened;
static pthread_mutex_t opened_lock = PTHREAD_MUTEX_INITIALIZER;

struct fake_backend {
    struct backend base;
    char what[32];
};

static int fake_list(struct backend *b, struct backend_sessions *ret, struct ags_error *err)
{
    static const char *const labels[] = {"ags.managed=true", "ags.agent=shell", NULL};
    const char *what = ((struct fake_backend *)b)->what;
    if (strcmp(what, "down") == 0)
        return ags_error_set(err, -ECONNREFUSED, "ssh: cannot connect to down: refused");
    ret->v = xcalloc(1, sizeof(*ret->v));
    ret->v[ret->n++] = session(what, BACKEND_SESSION_RUNNING, labels);
    return 0;
}

static void fake_close(struct backend *b)
{
    free(b);
}

static const struct backend_ops fake_ops = {
    .name = "fake",
    .close = fake_close,
    .list_sessions = fake_list,
};

static int fake_open(const struct backend_open_opts *o, struct backend **ret,
                     struct ags_error *err _unused_)
{
    struct fake_backend *b = xcalloc(1, sizeof(*b));
    b->base.ops = &fake_ops;
    (void)snprintf(b->what, sizeof(b->what), "%s", o->connection ? o->connection : "configured");
    if (o->warn && o->connection && strcmp(o->connection, "gpu") == 0)
        o->warn("gpu says hello", o->userdata);
    pthread_mutex_lock(&opened_lock);
    if (n_opened < ARRAY_SIZE(opened)) {
        opened[n_opened] = (struct opened){.timeout_ms = o->timeout_ms,
                                           .no_autostart = o->no_autostart,
                                           .kind = o->kind};
        memcpy(opened[n_opened].what, b->what, sizeof(b->what));
        n_opened++;
    }
    pthread_mutex_unlock(&opened_lock);
    *ret = &b->base;
    return 0;
}

static const struct opened *opened_for(const char *what)
{
    for (size_t i = 0; i < n_opened; i++)
        if (strcmp(opened[i].what, what) == 0)
            return &opened[i];
    fail_abort("%s was not opened", what);
}

static struct strv_builder warned;
static void keep_warning(const char *msg, void *userdata _unused_)
{
    strv_builder_push(&warned, xstrdup(msg));
}

/* The configured engine (named by the connection whose URI it is) and each
 * other connection, every one asked: the others bounded and never started,
 * the configured one as usual; one that fails is its own entry's error; the
 * warnings come after, named by engine.  An engine flag asks one only. */
static void test_gather_all_asks_each_engine_and_keeps_failures_apart(void **state)
{
    (void)state;
    static const char conf[] =
            "[engine]\nactive_service = \"here\"\n"
            "[engine.service_destinations.here]\nuri = \"unix:///run/x.sock\"\n"
            "[engine.service_destinations.gpu]\nuri = \"ssh://u@gpu.example/s.sock\"\n"
            "[engine.service_destinations.down]\nuri = \"ssh://u@down.example/s.sock\"\n";
    write_conf(conf);
    static const struct cfg_host host = {.home = "/nonexistent-home", .cwd = "/"};
    static const char text[] = "[sandbox]\nimage = \"localhost/t:1\"\nbackend = \"podman\"\n";
    struct ags_config *cfg = NULL;
    struct cfg_diag d = {0};
    assert_int_equal(config_load_buffer(&host, text, strlen(text), "t.toml", false, &cfg, &d), 0);
    cfg_diag_done(&d);
    const struct run_owned_opts o = {
            .cfg = cfg,
            .cb = {.warn = keep_warning},
            .open_backend = fake_open,
            .getenv = conf_env,
    };
    struct run_sessions_all all;
    struct ags_error err = {0};
    n_opened = 0;
    assert_int_equal(run_sessions_gather_all(&o, false, &all, &err), 0);
    assert_int_equal(all.n, 3);
    assert_string_equal(all.v[0].engine, "here"); /* the configured engine's own name */
    assert_null(all.v[0].connection);
    assert_int_equal(all.v[0].r, 0);
    assert_string_equal(all.v[0].l.engine, "here");
    assert_string_equal(all.v[0].l.v[0].name, "configured");
    assert_string_equal(all.v[1].engine, "gpu");
    assert_int_equal(all.v[1].r, 0);
    assert_string_equal(all.v[1].l.v[0].name, "gpu");
    assert_string_equal(all.v[2].engine, "down");
    assert_int_equal(all.v[2].r, -ECONNREFUSED);
    assert_string_equal(all.v[2].error, "ssh: cannot connect to down: refused");
    assert_int_equal(n_opened, 3);
    assert_int_equal(must_get(opened_for("configured"))->timeout_ms, 0);
    assert_false(must_get(opened_for("configured"))->no_autostart);
    assert_int_equal(must_get(opened_for("gpu"))->timeout_ms, RUN_ENGINE_PROBE_MS);
    assert_true(must_get(opened_for("gpu"))->no_autostart);
    assert_int_equal(must_get(opened_for("down"))->kind, BACKEND_PODMAN);
    assert_true(must_get(opened_for("down"))->no_autostart);
    assert_int_equal(warned.n, 1);
    assert_string_equal(warned.v[0], "engine gpu: gpu says hello");
    size_t n = 0;
    _cleanup_free_ const struct run_sessions **lists = run_sessions_all_lists(&all, &n);
    assert_int_equal(n, 2); /* down has none */
    assert_ptr_equal(lists[1], &all.v[1].l);
    /* gpu asked again for a stop: no bound now */
    assert_int_equal(run_sessions_reopen(&o, &all.v[1], &err), 0);
    assert_int_equal(opened[n_opened - 1].timeout_ms, 0);
    assert_string_equal(all.v[1].l.engine, "gpu");
    run_sessions_all_done(&all);
    strv_builder_done(&warned);

    n_opened = 0;
    assert_int_equal(run_sessions_gather_all(&o, true, &all, &err), 0);
    assert_int_equal(all.n, 1);
    assert_string_equal(all.v[0].engine, "local");
    assert_int_equal(n_opened, 1);
    run_sessions_all_done(&all);
    unlink(conf_path);
    config_free(cfg);
}

/* ags logs --follow prints what is new between two captures of the pane,
 * also when lines left the top of a full scrollback. */
static void test_logs_follow_finds_the_new_lines_after_a_scroll(void **state)
{
    (void)state;
    const char *prev[] = {"a", "b", "c"};
    const char *grown[] = {"a", "b", "c", "d"};
    assert_int_equal(run_logs_new_from(prev, 3, grown, 4), 3);
    const char *scrolled[] = {"b", "c", "d", "e"}; /* "a" left the top */
    assert_int_equal(run_logs_new_from(prev, 3, scrolled, 4), 2);
    const char *redrawn[] = {"a", "b", "X"}; /* the last line was redrawn */
    assert_int_equal(run_logs_new_from(prev, 3, redrawn, 3), 2);
    const char *other[] = {"x", "y"};
    assert_int_equal(run_logs_new_from(prev, 3, other, 2), 0);
    assert_int_equal(run_logs_new_from(NULL, 0, other, 2), 0);
}

static void test_age_is_shown_in_its_largest_unit(void **state)
{
    (void)state;
    char b[32];
    run_session_age(T0, T0 + 59, b, sizeof(b));
    assert_string_equal(b, "59s");
    run_session_age(T0, T0 + 3599, b, sizeof(b));
    assert_string_equal(b, "59m");
    run_session_age(T0, T0 + 7200, b, sizeof(b));
    assert_string_equal(b, "2h");
    run_session_age(T0, T0 + 3 * 86400, b, sizeof(b));
    assert_string_equal(b, "3d");
    run_session_age(0, T0, b, sizeof(b));
    assert_string_equal(b, "-");
    run_session_age(T0 + 10, T0, b, sizeof(b)); /* a start in the future: a lie */
    assert_string_equal(b, "-");
}

static void test_label_encoding_round_trips_any_byte(void **state)
{
    (void)state;
    const char in[] = "/a b/%/\n\t\x7f\xff=x";
    _cleanup_free_ char *enc = str_pct_encode(in);
    assert_string_equal(enc, "/a%20b/%25/%0A%09%7F%FF=x");
    _cleanup_free_ char *dec = NULL;
    assert_int_equal(str_pct_decode(enc, &dec), 0);
    assert_string_equal(dec, in);
    char *bad = NULL;
    assert_int_equal(str_pct_decode("%0", &bad), -EINVAL);
    assert_int_equal(str_pct_decode("%00", &bad), -EINVAL); /* would cut the string */
    assert_int_equal(str_pct_decode("%g1", &bad), -EINVAL);
    assert_null(bad);
}

static void test_utc_text_round_trips_and_refuses_look_alikes(void **state)
{
    (void)state;
    char b[CLOCK_UTC_TEXT];
    clock_format_utc(T0, b, sizeof(b));
    assert_string_equal(b, "2024-05-01T12:00:00Z");
    int64_t t = 0;
    assert_int_equal(clock_parse_utc(b, &t), 0);
    assert_int_equal(t, T0);
    assert_int_equal(clock_parse_utc("2024-05-01T12:00:00", &t), -EINVAL);
    assert_int_equal(clock_parse_utc("2024-05-01T12:00:00Zx", &t), -EINVAL);
    assert_int_equal(clock_parse_utc("2024-5-01T12:00:00Z  ", &t), -EINVAL);
    assert_int_equal(clock_parse_utc("2024-02-30T12:00:00Z", &t), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_decodes_the_workdir_and_reads_mode_network_and_start),
        cmocka_unit_test(test_row_of_missing_or_malformed_labels_is_unknown_not_trusted),
        cmocka_unit_test(test_ps_shows_running_sessions_and_all_adds_created_and_exited),
        cmocka_unit_test(test_text_escapes_label_bytes_one_line_per_session),
        cmocka_unit_test(test_json_is_ascii_with_the_documented_fields),
        cmocka_unit_test(test_supervised_session_shows_its_services_and_is_no_leftover_while_running),
        cmocka_unit_test(test_merge_orders_by_engine_then_start_then_name),
        cmocka_unit_test(test_table_and_json_name_each_rows_engine),
        cmocka_unit_test(test_gather_all_asks_each_engine_and_keeps_failures_apart),
        cmocka_unit_test(test_logs_follow_finds_the_new_lines_after_a_scroll),
        cmocka_unit_test(test_age_is_shown_in_its_largest_unit),
        cmocka_unit_test(test_label_encoding_round_trips_any_byte),
        cmocka_unit_test(test_utc_text_round_trips_and_refuses_look_alikes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
