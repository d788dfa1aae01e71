/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The auth proxy's host server (src/proxy/server*.c, pending.c, the control
 * socket) over real sockets: the real ags-helper as the sandbox's opener, in
 * a network namespace of its own with the agent's callback server on its
 * 127.0.0.1:PORT (proxy-sandbox.c), this test as the browser on the host's
 * 127.0.0.1:PORT, and raw sandbox clients that misbehave (a second request,
 * a stall mid-frame, 40 connections, another protocol version).  The
 * approval and open callbacks and the events are recorded here.
 *
 * `test-proxy-server other-uid` (ctest unit/proxy-control-other-uid, root
 * only) checks that a control client of another uid is closed unanswered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "proxy-sandbox.h"
#include "proxy/control.h"
#include "proxy/proto.h"
#include "proxy/server-internal.h"
#include "proxy/server.h"

#define WAIT_MS    10000 /* a bound for each step, never a sleep */
#define MAX_EVENTS 128

/* ---- what the callbacks saw ---- */

struct seen_event {
    enum proxy_event_kind kind;
    char *text, *url;
    uint16_t port, status;
    char qid[PROXY_ID_LEN + 1];
};

enum approve_mode {
    APPROVE_YES,
    APPROVE_NO,
    APPROVE_NOTSUP, /* no way to ask here */
    APPROVE_BLOCK,  /* waits for cancel_fd */
};

struct fixture {
    char dir[64], sock[128], ctl[128];
    struct proxy_server *srv;
    struct psbx sandbox;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct seen_event ev[MAX_EVENTS];
    size_t n_ev;
    int open_result;
    char *opened;
    int n_opened;
    enum approve_mode mode;
    int approve_calls;
    bool cancel_seen;

    struct asked { /* what approve was asked, copied */
        char *id, *url, *host;
        uint16_t relay_port;
        pid_t peer_pid;
    } q;

    int approve_timeout;
};

static char auth_example[] = "auth.example";
static char *const allow_auth[] = {auth_example, NULL};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_event(const struct proxy_event *e, void *userdata)
{
    struct fixture *f = userdata;
    pthread_mutex_lock(&f->mu);
    if (f->n_ev < MAX_EVENTS) {
        struct seen_event *s = &f->ev[f->n_ev++];
        *s = (struct seen_event){.kind = e->kind,
                                 .text = dup_or_null(e->text),
                                 .url = dup_or_null(e->url),
                                 .port = e->port,
                                 .status = e->status};
        if (e->question)
            snprintf(s->qid, sizeof(s->qid), "%s", e->question->id);
    }
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

static int on_open(const char *url, char *why, size_t why_size, void *userdata)
{
    struct fixture *f = userdata;
    pthread_mutex_lock(&f->mu);
    free(f->opened);
    f->opened = strdup(url);
    f->n_opened++;
    pthread_mutex_unlock(&f->mu);
    if (f->open_result < 0)
        snprintf(why, why_size, "no browser on this host");
    return f->open_result;
}

/* Waits on cancel_fd up to timeout_ms, as a desktop question would. */
static bool cancelled_within(int cancel_fd, int timeout_ms)
{
    struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) == 1;
}

static int on_approve(const struct proxy_question *q, int cancel_fd, int timeout_ms, char *why,
                      size_t why_size, void *userdata)
{
    struct fixture *f = userdata;
    pthread_mutex_lock(&f->mu);
    f->approve_calls++;
    free(f->q.id);
    free(f->q.url);
    free(f->q.host);
    f->q = (struct asked){.id = strdup(q->id),
                          .url = strdup(q->url),
                          .host = strdup(q->host),
                          .relay_port = q->relay_port,
                          .peer_pid = q->peer_pid};
    f->approve_timeout = timeout_ms;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
    switch (f->mode) {
    case APPROVE_YES:
        return 1;
    case APPROVE_NO:
        snprintf(why, why_size, "Deny was clicked");
        return 0;
    case APPROVE_NOTSUP:
        snprintf(why, why_size, "no notification server");
        return -ENOTSUP;
    case APPROVE_BLOCK:
        break;
    }
    bool c = cancelled_within(cancel_fd, timeout_ms);
    pthread_mutex_lock(&f->mu);
    f->cancel_seen = c;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* The next event of kind from *cursor on, waiting for it within WAIT_MS. */
static const struct seen_event *wait_event(struct fixture *f, enum proxy_event_kind kind,
                                           size_t *cursor)
{
    struct timespec ts;
    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&f->mu);
    const struct seen_event *found = NULL;
    while (!found) {
        for (size_t i = *cursor; i < f->n_ev && !found; i++)
            if (f->ev[i].kind == kind) {
                found = &f->ev[i];
                *cursor = i + 1;
            }
        if (!found && pthread_cond_timedwait(&f->cond, &f->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&f->mu);
    assert_non_null(found);
    return found;
}

static size_t count_events(struct fixture *f, enum proxy_event_kind kind)
{
    pthread_mutex_lock(&f->mu);
    size_t n = 0;
    for (size_t i = 0; i < f->n_ev; i++)
        n += f->ev[i].kind == kind;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* Waits until the approval callback was called n times (or, with cancel, saw cancel_fd). */
static void wait_approve(struct fixture *f, int n, bool cancel)
{
    struct timespec ts;
    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&f->mu);
    while ((f->approve_calls < n || (cancel && !f->cancel_seen)) &&
           pthread_cond_timedwait(&f->cond, &f->mu, &ts) != ETIMEDOUT)
        ;
    bool ok = f->approve_calls >= n && (!cancel || f->cancel_seen);
    pthread_mutex_unlock(&f->mu);
    assert_true(ok);
}

/* ---- fixture ---- */

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/ags-psrv-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/auth-proxy.sock", f->dir);
    snprintf(f->ctl, sizeof(f->ctl), "%s/control.sock", f->dir);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->sandbox = (struct psbx){.pid = -1, .report = -1};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    proxy_server_stop(f->srv);
    psbx_stop(&f->sandbox);
    for (size_t i = 0; i < f->n_ev; i++) {
        free(f->ev[i].text);
        free(f->ev[i].url);
    }
    free(f->opened);
    free(f->q.id);
    free(f->q.url);
    free(f->q.host);
    unlink(f->sock);
    unlink(f->ctl);
    rmdir(f->dir);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cond);
    free(f);
    return 0;
}

static struct proxy_server_opts base_opts(struct fixture *f)
{
    return (struct proxy_server_opts){.sandbox_socket = f->sock,
                                      .control_socket = f->ctl,
                                      .approve = on_approve,
                                      .open = on_open,
                                      .event = on_event,
                                      .userdata = f};
}

/* ... with auth.example and below allowed without asking. */
static struct proxy_server_opts auto_opts(struct fixture *f)
{
    struct proxy_server_opts o = base_opts(f);
    o.auto_allow = allow_auth;
    return o;
}

static void start(struct fixture *f, const struct proxy_server_opts *o)
{
    struct ags_error err = {0};
    int r = proxy_server_start(o, &f->srv, &err);
    if (r < 0)
        fail_msg("proxy_server_start: %s", err.msg);
}

/* ---- a raw sandbox client ---- */

static int sandbox_connect(const struct fixture *f)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, f->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_bytes(int fd, const void *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void send_open(int fd, const char *url)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_open(&out, url, strlen(url)), 0);
    send_bytes(fd, out.buf, out.len);
}

static void read_exactly(int fd, void *buf, size_t n)
{
    for (size_t off = 0; off < n;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t got = read(fd, (char *)buf + off, n - off);
        assert_true(got > 0);
        off += (size_t)got;
    }
}

struct host_msg {
    uint8_t *body;
    struct proxy_msg m;
};

static void read_msg(int fd, struct host_msg *hm)
{
    uint8_t len4[4];
    read_exactly(fd, len4, 4);
    uint32_t n =
            (uint32_t)len4[0] << 24 | (uint32_t)len4[1] << 16 | (uint32_t)len4[2] << 8 | len4[3];
    assert_true(n > 0 && n <= AGS_PROXY_MAX_MESSAGE);
    hm->body = malloc(n);
    read_exactly(fd, hm->body, n);
    assert_int_equal(proxy_msg_parse(hm->body, n, PROXY_FROM_HOST, &hm->m, NULL), 0);
}

static void msg_done(struct host_msg *hm)
{
    proxy_msg_done(&hm->m);
    free(hm->body);
}

static const char waiting_text[] =
        "waiting for approval: run `ags approve` on the host, or answer the notification";

/* The next frame that is not the WAITING of a question (a relayed login is
 * always asked about, auto-allowed or not: the callback approves it at once). */
static void read_msg_past_question(int fd, struct host_msg *hm)
{
    for (;;) {
        read_msg(fd, hm);
        if (hm->m.type != PROXY_WAITING || hm->m.text.len != strlen(waiting_text) ||
            memcmp(hm->m.text.p, waiting_text, hm->m.text.len) != 0)
            return;
        msg_done(hm);
    }
}

/* The next frame is a text of type holding want. */
static void expect_text(int fd, uint8_t type, const char *want)
{
    struct host_msg hm;
    if (strcmp(want, waiting_text) == 0)
        read_msg(fd, &hm);
    else
        read_msg_past_question(fd, &hm);
    char text[AGS_PROXY_MAX_TEXT + 1];
    snprintf(text, sizeof(text), "%.*s", (int)hm.m.text.len, hm.m.text.p);
    if (hm.m.type != type || !strstr(text, want))
        fail_msg("expected %s holding '%s', got %s '%s'", proxy_msg_name(type), want,
                 proxy_msg_name(hm.m.type), text);
    msg_done(&hm);
}

static uint16_t expect_opened(int fd)
{
    struct host_msg hm;
    read_msg_past_question(fd, &hm);
    assert_int_equal(hm.m.type, PROXY_OPENED);
    uint16_t port = hm.m.port;
    msg_done(&hm);
    return port;
}

static void expect_closed(int fd)
{
    char c;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    assert_true(read(fd, &c, 1) <= 0);
}

/* An authorize URL whose redirect_uri is http://HOST:port/cb. */
static void login_url_on(char *buf, size_t size, const char *site, const char *host, uint16_t port)
{
    snprintf(buf, size,
             "https://%s/authorize?client_id=x&redirect_uri=http%%3A%%2F%%2F%s%%3A%u%%2Fcb&state=s",
             site, host, (unsigned)port);
}

/* ... on a port the kernel had free: the port. */
static uint16_t login_url(char *buf, size_t size, const char *site, const char *host)
{
    uint16_t port = psbx_free_port();
    login_url_on(buf, size, site, host, port);
    return port;
}

/* A raw sandbox connection that sent OPEN url. */
static int ask_open(const struct fixture *f, const char *url)
{
    int fd = sandbox_connect(f);
    send_open(fd, url);
    return fd;
}

static bool port_listens(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static bool port_listens6(uint16_t port)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    sa.sin6_addr = in6addr_loopback;
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* A listener on [::1]:port (0: any), or -1 when this host has no IPv6 loopback. */
static int listen6(uint16_t *port)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(*port)};
    sa.sin6_addr = in6addr_loopback;
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin6_port);
    return fd;
}

/* A server whose approval callback blocks on its cancel_fd, and a raw connection whose
 * request it is asked about (approval_timeout_ms: timeout, 0 the default). */
static int ask_blocking(struct fixture *f, int timeout, const char *url)
{
    f->mode = APPROVE_BLOCK;
    struct proxy_server_opts o = base_opts(f);
    o.approval_timeout_ms = timeout;
    start(f, &o);
    int fd = ask_open(f, url);
    expect_text(fd, PROXY_WAITING, waiting_text);
    wait_approve(f, 1, false);
    return fd;
}

/* ---- sockets ---- */

static void test_sockets_are_0600_and_stop_removes_them(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    struct stat st;
    assert_int_equal(stat(f->sock, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(f->ctl, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    proxy_server_stop(f->srv);
    f->srv = NULL;
    assert_int_equal(stat(f->sock, &st), -1);
    assert_int_equal(stat(f->ctl, &st), -1);
}

/* A path someone put there is refused and left alone; nothing of ours is left behind. */
static void test_an_existing_path_is_refused_and_left_alone(void **state)
{
    struct fixture *f = *state;
    FILE *planted = fopen(f->ctl, "w");
    assert_non_null(planted);
    fclose(planted);
    struct proxy_server_opts o = base_opts(f);
    struct ags_error err = {0};
    assert_int_equal(proxy_server_start(&o, &f->srv, &err), -EADDRINUSE);
    assert_non_null(strstr(err.msg, "exists already"));
    struct stat st;
    assert_int_equal(stat(f->ctl, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(stat(f->sock, &st), -1);
}

/* ---- opening ---- */

static void start_helper(struct fixture *f, const char *url, bool own_netns, uint16_t port,
                         const char *response)
{
    struct psbx_opts so = {.own_netns = own_netns,
                           .helper = AGS_HELPER_PATH,
                           .socket = f->sock,
                           .url = url,
                           .port = port ? port : psbx_free_port(),
                           .response = response,
                           .response_len = response ? strlen(response) : 0,
                           .max_requests = port ? 4 : 0,
                           .report_requests = true};
    assert_int_equal(psbx_start(&so, &f->sandbox), 0);
}

static void helper_result(struct fixture *f, int want_status, const char *want_text)
{
    int status;
    char text[4096];
    assert_int_equal(psbx_helper_result(&f->sandbox, WAIT_MS, &status, text, sizeof(text)), 0);
    if (status != want_status || !strstr(text, want_text))
        fail_msg("ags-helper: status %d (want %d), stderr '%s' (want '%s')", status, want_status,
                 text, want_text);
}

static void test_an_auto_allowed_url_is_opened_at_once(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    start_helper(f, "https://api.auth.example/login?x=1", false, 0, NULL);
    helper_result(f, 0, "opened on the host: https://api.auth.example/login?x=1");
    size_t at = 0;
    const struct seen_event *e = wait_event(f, PROXY_EV_OPENED, &at);
    assert_string_equal(e->url, "https://api.auth.example/login?x=1");
    assert_string_equal(e->text, "auto-allowed");
    assert_int_equal(e->port, 0);
    assert_string_equal(f->opened, "https://api.auth.example/login?x=1");
    assert_int_equal(f->approve_calls, 0);
    assert_int_equal(count_events(f, PROXY_EV_PENDING), 0);
}

static void test_the_approval_callback_allows_a_url_it_was_asked_about(void **state)
{
    struct fixture *f = *state;
    f->mode = APPROVE_YES;
    struct proxy_server_opts o = base_opts(f);
    o.approval_timeout_ms = 7000;
    start(f, &o);
    int fd = ask_open(f, "https://Login.Example/a?b=c");
    expect_text(fd, PROXY_WAITING, waiting_text);
    assert_int_equal(expect_opened(fd), 0);
    expect_closed(fd);
    close(fd);
    assert_int_equal(f->approve_calls, 1);
    assert_true(proxy_id_valid(f->q.id));
    assert_string_equal(f->q.url, "https://Login.Example/a?b=c");
    assert_string_equal(f->q.host, "login.example");
    assert_int_equal(f->q.relay_port, 0);
    assert_int_equal(f->q.peer_pid, getpid());
    /* The server's timer comes first; the callback's is a second later. */
    assert_int_equal(f->approve_timeout, 8000);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_PENDING, &at)->qid, f->q.id);
    assert_string_equal(wait_event(f, PROXY_EV_ALLOWED, &at)->qid, f->q.id);
    assert_string_equal(wait_event(f, PROXY_EV_OPENED, &at)->text, "approved");
    assert_string_equal(f->opened, "https://Login.Example/a?b=c");
}

static void test_a_denied_url_is_refused_and_nothing_is_opened_or_bound(void **state)
{
    struct fixture *f = *state;
    f->mode = APPROVE_NO;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "login.example", "localhost");
    int fd = ask_open(f, url);
    expect_text(fd, PROXY_WAITING, waiting_text);
    char want[300];
    snprintf(want, sizeof(want), "the user denied opening %s", url);
    expect_text(fd, PROXY_REFUSED, want);
    expect_closed(fd);
    close(fd);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_DENIED, &at)->text, "Deny was clicked");
    assert_int_equal(f->n_opened, 0);
    assert_false(port_listens(port));
}

/* approve has no way to ask: the request waits, `ags approve` (the control socket) lists
 * and allows it, and the relay's port is listed while its window is open. */
static void test_without_a_way_to_ask_ags_approve_lists_and_allows_it(void **state)
{
    struct fixture *f = *state;
    f->mode = APPROVE_NOTSUP;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "login.example", "127.0.0.1");
    int fd = ask_open(f, url);
    expect_text(fd, PROXY_WAITING, waiting_text);
    wait_approve(f, 1, false);

    struct proxy_listing l;
    struct ags_error err = {0};
    assert_int_equal(proxy_control_list(f->ctl, &l, &err), 0);
    assert_true(l.has_pending);
    assert_string_equal(l.pending.id, f->q.id);
    assert_string_equal(l.pending.url, url);
    assert_string_equal(l.pending.host, "login.example");
    assert_int_equal(l.pending.relay_port, port);
    assert_int_equal(l.n_relays, 0);
    char id[PROXY_ID_LEN + 1];
    strcpy(id, l.pending.id);
    proxy_listing_done(&l);

    assert_int_equal(proxy_control_answer(f->ctl, id, true, &err), 1);
    assert_int_equal(expect_opened(fd), port);
    assert_true(port_listens(port));
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_ALLOWED, &at)->text, "allowed with `ags approve`");
    assert_string_equal(f->opened, url);

    assert_int_equal(proxy_control_list(f->ctl, &l, &err), 0);
    assert_false(l.has_pending);
    assert_int_equal(l.n_relays, 1);
    assert_int_equal(l.relays[0], port);
    proxy_listing_done(&l);
    /* Answered once: the id is no longer known. */
    assert_int_equal(proxy_control_answer(f->ctl, id, false, &err), 0);
    close(fd);
}

static void test_an_answer_from_ags_approve_withdraws_the_question(void **state)
{
    struct fixture *f = *state;
    int fd = ask_blocking(f, 0, "https://login.example/");
    struct ags_error err = {0};
    assert_int_equal(proxy_control_answer(f->ctl, f->q.id, false, &err), 1);
    expect_text(fd, PROXY_REFUSED, "the user denied opening https://login.example/");
    wait_approve(f, 1, true);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_DENIED, &at)->text, "denied with `ags deny`");
    close(fd);
}

static void test_an_unanswered_request_times_out_as_denied(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = base_opts(f);
    o.approve = NULL;
    o.approval_timeout_ms = 300;
    start(f, &o);
    int fd = ask_open(f, "https://login.example/slow");
    expect_text(fd, PROXY_WAITING, waiting_text);
    expect_text(fd, PROXY_REFUSED, "the request to open https://login.example/slow timed out");
    expect_closed(fd);
    close(fd);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_DENIED, &at)->text, "no answer within 300 ms");
    assert_int_equal(f->n_opened, 0);
}

/* The question is withdrawn when the answer can no longer matter: the sandbox gave up, or
 * the request timed out. */
static void test_a_question_is_withdrawn_when_the_sandbox_leaves_or_time_is_up(void **state)
{
    struct fixture *f = *state;
    /* The callback's own bound is the server's: the server's timer answers first. */
    int fd = ask_blocking(f, 400, "https://login.example/slow");
    expect_text(fd, PROXY_REFUSED, "timed out");
    wait_approve(f, 1, true);
    close(fd);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_DENIED, &at)->text, "no answer within 400 ms");
    /* A timeout starts no cool-down (a withdrawal does, so the sandbox leaves second). */
    pthread_mutex_lock(&f->mu);
    f->cancel_seen = false;
    pthread_mutex_unlock(&f->mu);
    fd = ask_open(f, "https://login.example/left");
    expect_text(fd, PROXY_WAITING, waiting_text);
    wait_approve(f, 2, false);
    close(fd);
    wait_approve(f, 2, true);
    assert_string_equal(wait_event(f, PROXY_EV_DENIED, &at)->text,
                        "the sandbox closed the connection");
}

static void test_a_second_request_while_one_waits_is_refused(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = base_opts(f);
    o.approve = NULL;
    start(f, &o);
    int first = ask_open(f, "https://one.example/");
    expect_text(first, PROXY_WAITING, waiting_text);
    int second = ask_open(f, "https://two.example/");
    expect_text(second, PROXY_REFUSED, "another request waits for approval");
    expect_closed(second);
    close(second);
    /* The first still waits, alone. */
    struct proxy_listing l;
    struct ags_error err = {0};
    assert_int_equal(proxy_control_list(f->ctl, &l, &err), 0);
    assert_true(l.has_pending);
    assert_string_equal(l.pending.url, "https://one.example/");
    assert_int_equal(proxy_control_answer(f->ctl, l.pending.id, true, &err), 1);
    proxy_listing_done(&l);
    assert_int_equal(expect_opened(first), 0);
    close(first);
    assert_int_equal(count_events(f, PROXY_EV_PENDING), 1);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_REFUSED, &at)->url, "https://two.example/");
}

static void test_urls_that_cannot_be_opened_are_refused_without_asking(void **state)
{
    struct fixture *f = *state;
    f->mode = APPROVE_YES;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);

    static const struct {
        const char *url, *why;
    } cases[] = {
            {"file:///etc/passwd", "file"},
            {"javascript:alert(1)", "javascript"},
            {"https://auth.example/a?redirect_uri=http%3A%2F%2Flocalhost%3A80%2Fcb", "below 1024"},
            {"https://auth.example/a?redirect_uri=http%3A%2F%2Flocalhost%3A631%2Fcb", "below 1024"},
            {"http://127.0.0.1:8080/", "loopback"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int fd = ask_open(f, cases[i].url);
        expect_text(fd, PROXY_REFUSED, cases[i].why);
        expect_closed(fd);
        close(fd);
    }
    assert_int_equal(f->approve_calls, 0);
    assert_int_equal(f->n_opened, 0);
    assert_int_equal(count_events(f, PROXY_EV_REFUSED), 5);
}

/* The opener sends what it cannot judge (the callback's port); the host refuses it. */
static void test_ags_helper_prints_the_refusal_of_a_port_below_1024(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    start_helper(f, "https://auth.example/a?redirect_uri=http://localhost:443/cb", false, 0, NULL);
    helper_result(f, 1, "the callback port 443 is below 1024");
    assert_int_equal(f->n_opened, 0);
}

static void test_a_port_in_use_on_the_host_is_refused_and_nothing_opened(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(taken, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(taken, 1), 0);
    assert_int_equal(getsockname(taken, (struct sockaddr *)&sa, &len), 0);
    uint16_t port = ntohs(sa.sin_port);
    char url[256], want[64];
    login_url_on(url, sizeof(url), "auth.example", "127.0.0.1", port);
    int fd = ask_open(f, url);
    snprintf(want, sizeof(want), "port %u is in use on the host", (unsigned)port);
    expect_text(fd, PROXY_REFUSED, want);
    close(fd);
    close(taken);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_REFUSED, &at)->text, want);
    assert_int_equal(f->n_opened, 0);
    assert_int_equal(count_events(f, PROXY_EV_OPENED), 0);
}

/* A browser may resolve localhost to ::1: a localhost or [::1] redirect is bound there too
 * when the host has IPv6 loopback (and a port taken there refuses the login), a 127.0.0.1
 * redirect only on 127.0.0.1. */
static void test_a_localhost_redirect_is_bound_on_both_loopbacks(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    uint16_t probe = 0;
    int v6 = listen6(&probe);
    if (v6 >= 0)
        close(v6);
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "localhost");
    int fd = ask_open(f, url);
    assert_int_equal(expect_opened(fd), port);
    assert_true(port_listens(port));
    assert_int_equal(port_listens6(port), v6 >= 0);
    close(fd);
    port = login_url(url, sizeof(url), "auth.example", "127.0.0.1");
    fd = ask_open(f, url);
    assert_int_equal(expect_opened(fd), port);
    assert_true(port_listens(port));
    assert_false(port_listens6(port));
    close(fd);
    if (v6 < 0)
        return; /* no IPv6 loopback here: 127.0.0.1 was all there was to bind */
    uint16_t taken = 0;
    int held = listen6(&taken);
    assert_true(held >= 0);
    login_url_on(url, sizeof(url), "auth.example", "[::1]", taken);
    fd = ask_open(f, url);
    char want[64];
    snprintf(want, sizeof(want), "port %u is in use on the host", (unsigned)taken);
    expect_text(fd, PROXY_REFUSED, want);
    close(fd);
    close(held);
    assert_false(port_listens(taken));
}

/* No browser here: the event says so, the sandbox hears it, the relay stays open for
 * `ags auth-callback`. */
static void test_an_open_that_fails_keeps_the_relay_open(void **state)
{
    struct fixture *f = *state;
    f->open_result = -ENOENT;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "localhost");
    int fd = ask_open(f, url);
    expect_text(fd, PROXY_WAITING, "the host could not open the URL");
    assert_int_equal(expect_opened(fd), port);
    size_t at = 0;
    const struct seen_event *e = wait_event(f, PROXY_EV_OPEN_FAILED, &at);
    assert_string_equal(e->text, "no browser on this host");
    assert_int_equal(e->port, port);
    assert_true(port_listens(port));
    close(fd);
    /* The sandbox left: its window closes. */
    assert_int_equal(wait_event(f, PROXY_EV_RELAY_DONE, &at)->port, port);
    assert_false(port_listens(port));
}

static void test_another_protocol_version_is_refused_naming_both(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    int fd = sandbox_connect(f);
    /* OPEN, version 2, URL "https://a.example/" (18 bytes). */
    static const uint8_t open_v2[] = {0,   0,   0,   27,  1,   0,   0,   0,   2,   0,   0,
                                      0,   18,  'h', 't', 't', 'p', 's', ':', '/', '/', 'a',
                                      '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '/'};
    send_bytes(fd, open_v2, sizeof(open_v2));
    expect_text(fd, PROXY_REFUSED, "protocol version 1, this opener version 2");
    expect_closed(fd);
    close(fd);
}

/* ---- the relay ---- */

static const char callback_response[] = "HTTP/1.1 200 OK\r\n"
                                        "Content-Type: text/html\r\n"
                                        "Set-Cookie: a=1\r\n"
                                        "Set-Cookie: b=2\r\n"
                                        "Content-Length: 26\r\n"
                                        "\r\n"
                                        "<p>You are logged in.</p>\n";

/* The agent's login through ags-helper: auto-allowed, relay window on port. */
static uint16_t relayed_login(struct fixture *f, const struct proxy_server_opts *o,
                              const char *response)
{
    start(f, o);
    char url[256], want[96];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "localhost");
    start_helper(f, url, true, port, response);
    snprintf(want, sizeof(want), "relaying its callback to 127.0.0.1:%u", (unsigned)port);
    helper_result(f, 0, want);
    size_t at = 0;
    assert_int_equal(wait_event(f, PROXY_EV_OPENED, &at)->port, port);
    return port;
}

static void browser(uint16_t port, const char *req, size_t len, char **answer, size_t *n)
{
    assert_int_equal(psbx_http(port, req, len, WAIT_MS, answer, n), 0);
}

/* A callback GET from the browser: its answer starts with status_line and holds text. */
static void browser_get(uint16_t port, const char *status_line, const char *text)
{
    static const char req[] = "GET /cb?code=1 HTTP/1.1\r\nHost: localhost\r\n\r\n";
    char *answer;
    size_t len;
    browser(port, req, sizeof(req) - 1, &answer, &len);
    if (strncmp(answer, status_line, strlen(status_line)) != 0 || !strstr(answer, text))
        fail_msg("the browser got '%s'", answer);
    free(answer);
}

static void sandbox_received(struct fixture *f, const char *want, size_t want_len)
{
    char *got;
    size_t len;
    assert_int_equal(psbx_next_request(&f->sandbox, WAIT_MS, &got, &len), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
}

static void test_a_get_callback_is_relayed_through_ags_helper_without_cookies(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    uint16_t port = relayed_login(f, &o, callback_response);
    char req[256];
    int n = snprintf(req, sizeof(req),
                     "GET /cb?code=abc%%2F1&state=s HTTP/1.1\r\nHost: localhost:%u\r\n"
                     "User-Agent: test-browser\r\nAccept: */*\r\nCookie: x=1; y=2\r\n\r\n",
                     (unsigned)port);
    char *answer;
    size_t len;
    browser(port, req, (size_t)n, &answer, &len);
    /* The sandbox's cookies stay out of the browser, its page is sandboxed. */
    static const char want_answer[] = "HTTP/1.1 200 OK\r\n"
                                      "Content-Type: text/html\r\n"
                                      "Content-Security-Policy: sandbox\r\n"
                                      "X-Content-Type-Options: nosniff\r\n"
                                      "Content-Length: 26\r\n"
                                      "Connection: close\r\n"
                                      "\r\n"
                                      "<p>You are logged in.</p>\n";
    if (len != sizeof(want_answer) - 1 || memcmp(answer, want_answer, len) != 0)
        fail_msg("the browser got '%s'", answer);
    free(answer);
    char want_req[256];
    int wn = snprintf(want_req, sizeof(want_req),
                      "GET /cb?code=abc%%2F1&state=s HTTP/1.1\r\nHost: localhost:%u\r\n"
                      "User-Agent: test-browser\r\nAccept: */*\r\n" /* no Cookie */
                      "Connection: close\r\n\r\n",
                      (unsigned)port);
    sandbox_received(f, want_req, (size_t)wn);
    size_t at = 0;
    const struct seen_event *e = wait_event(f, PROXY_EV_RELAYED, &at);
    assert_int_equal(e->port, port);
    assert_int_equal(e->status, 200);
}

static void test_a_post_callback_with_a_body_is_relayed_byte_for_byte(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    /* A body with every byte value a form post could carry, and a binary answer. */
    static const char response[] = "HTTP/1.1 302 Found\r\nLocation: /done\r\nContent-Length: 4\r\n"
                                   "\r\n\x01\x00\xff\n";
    start(f, &o);
    char url[256], want[96];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "127.0.0.1");
    struct psbx_opts so = {.own_netns = true,
                           .helper = AGS_HELPER_PATH,
                           .socket = f->sock,
                           .url = url,
                           .port = port,
                           .response = response,
                           .response_len = sizeof(response) - 1,
                           .max_requests = 1,
                           .report_requests = true};
    assert_int_equal(psbx_start(&so, &f->sandbox), 0);
    snprintf(want, sizeof(want), "relaying its callback to 127.0.0.1:%u", (unsigned)port);
    helper_result(f, 0, want);

    char req[512];
    static const char body[] = "code=a%20b&state=\x00\x01\xfe\xff\r\n";
    int n = snprintf(req, sizeof(req),
                     "POST /cb HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
                     "\r\n",
                     (unsigned)port, sizeof(body) - 1);
    memcpy(req + n, body, sizeof(body) - 1);
    size_t req_len = (size_t)n + sizeof(body) - 1;
    char *answer;
    size_t len;
    browser(port, req, req_len, &answer, &len);
    static const char want_answer[] = "HTTP/1.1 302 Found\r\nLocation: /done\r\n"
                                      "Content-Security-Policy: sandbox\r\n"
                                      "X-Content-Type-Options: nosniff\r\n"
                                      "Content-Length: 4\r\nConnection: close\r\n\r\n"
                                      "\x01\x00\xff\n";
    assert_int_equal(len, sizeof(want_answer) - 1);
    assert_memory_equal(answer, want_answer, len);
    free(answer);
    char want_req[512];
    int wn = snprintf(want_req, sizeof(want_req),
                      "POST /cb HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      (unsigned)port, sizeof(body) - 1);
    memcpy(want_req + wn, body, sizeof(body) - 1);
    sandbox_received(f, want_req, (size_t)wn + sizeof(body) - 1);
    size_t at = 0;
    assert_int_equal(wait_event(f, PROXY_EV_RELAYED, &at)->status, 302);
}

static void test_a_sandbox_that_does_not_answer_gives_the_browser_504(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    o.relay_ms = 500;
    uint16_t port = relayed_login(f, &o, NULL);
    browser_get(port, "HTTP/1.1 504 Gateway Timeout\r\n",
                "the sandbox did not answer within 500 ms");
    size_t at = 0;
    const struct seen_event *e = wait_event(f, PROXY_EV_RELAYED, &at);
    assert_int_equal(e->status, 504);
}

static void test_a_malformed_browser_request_gets_its_4xx_without_reaching_the_sandbox(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "127.0.0.1");
    int s = ask_open(f, url);
    assert_int_equal(expect_opened(s), port);

    static const struct {
        const char *req, *status;
    } cases[] = {
            {"GET /cb HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
            {"GET /cb HTTP/1.1\r\nX: a\nb\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
            {"POST /cb HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             "HTTP/1.1 411 Length Required\r\n"},
            {"POST /cb HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n",
             "HTTP/1.1 413 Content Too Large\r\n"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *answer;
        size_t len;
        browser(port, cases[i].req, strlen(cases[i].req), &answer, &len);
        if (strncmp(answer, cases[i].status, strlen(cases[i].status)) != 0)
            fail_msg("request %zu: '%s'", i, answer);
        free(answer);
    }
    /* Nothing reached the sandbox: no CALLBACK_REQUEST waits on its connection. */
    struct pollfd p = {.fd = s, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_int_equal(count_events(f, PROXY_EV_RELAYED), 0);
    close(s);
}

static void test_the_window_closes_with_done_after_the_linger(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    o.linger_ms = 300;
    uint16_t port = relayed_login(f, &o, callback_response);
    browser_get(port, "HTTP/1.1 200 OK\r\n", "You are logged in.");
    size_t at = 0;
    wait_event(f, PROXY_EV_RELAYED, &at);
    assert_int_equal(wait_event(f, PROXY_EV_RELAY_DONE, &at)->port, port);
    assert_false(port_listens(port));
    struct proxy_listing l;
    struct ags_error err = {0};
    assert_int_equal(proxy_control_list(f->ctl, &l, &err), 0);
    assert_int_equal(l.n_relays, 0);
    proxy_listing_done(&l);
}

/* ---- the relay against a raw sandbox ---- */

/* A browser that sent its request and reads the answer later. */
static int browser_send(uint16_t port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    send_bytes(fd, req, strlen(req));
    return fd;
}

/* Its answer to the server's close (malloc'd). */
static char *browser_answer(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 65536 > cap)
            buf = realloc(buf, cap = 2 * cap + 65536);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t got = read(fd, buf + n, cap - n - 1);
        assert_true(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The next frame is a CALLBACK_REQUEST: its id. */
static uint32_t expect_callback_request(int fd, const char *target)
{
    struct host_msg hm;
    read_msg(fd, &hm);
    assert_int_equal(hm.m.type, PROXY_CALLBACK_REQUEST);
    assert_int_equal(hm.m.http.target.len, strlen(target));
    assert_memory_equal(hm.m.http.target.p, target, strlen(target));
    uint32_t id = hm.m.id;
    msg_done(&hm);
    return id;
}

static void send_response(int fd, uint32_t id, const char *body, size_t len)
{
    struct proxy_header h = {.name = {"Content-Type", 12}, .value = {"text/plain", 10}};
    struct proxy_http resp = {.status = 200, .headers = &h, .n_headers = 1, .body = {body, len}};
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_callback_response(&out, id, &resp), 0);
    send_bytes(fd, out.buf, out.len);
}

/* An auto-allowed login from a raw sandbox connection: its relay port. */
static uint16_t raw_login(struct fixture *f, int *fd)
{
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "127.0.0.1");
    *fd = ask_open(f, url);
    assert_int_equal(expect_opened(*fd), port);
    return port;
}

/* After a 504 the sandbox's late answer is read and dropped; the next callback is relayed. */
static void test_a_late_answer_after_a_504_is_dropped(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    o.relay_ms = 300;
    start(f, &o);
    int s;
    uint16_t port = raw_login(f, &s);
    int b1 = browser_send(port, "GET /one HTTP/1.1\r\n\r\n");
    uint32_t id1 = expect_callback_request(s, "/one");
    size_t len;
    char *answer = browser_answer(b1, &len);
    assert_non_null(strstr(answer, "HTTP/1.1 504 Gateway Timeout\r\n"));
    free(answer);
    send_response(s, id1, "late", 4);
    int b2 = browser_send(port, "GET /two HTTP/1.1\r\n\r\n");
    uint32_t id2 = expect_callback_request(s, "/two");
    assert_int_equal(id2, id1 + 1);
    send_response(s, id2, "second", 6);
    answer = browser_answer(b2, &len);
    assert_non_null(strstr(answer, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(answer, "\r\n\r\nsecond"));
    free(answer);
    close(s);
}

/* An answer with an id no request had: the sandbox is out of step, the browser gets 502
 * and the window closes. */
static void test_an_answer_out_of_step_ends_the_relay_with_502(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int s;
    uint16_t port = raw_login(f, &s);
    int b = browser_send(port, "GET /cb HTTP/1.1\r\n\r\n");
    uint32_t id = expect_callback_request(s, "/cb");
    send_response(s, id + 7, "forged", 6);
    size_t len;
    char *answer = browser_answer(b, &len);
    assert_non_null(strstr(answer, "HTTP/1.1 502 Bad Gateway\r\n"));
    free(answer);
    expect_closed(s);
    close(s);
    size_t at = 0;
    assert_int_equal(wait_event(f, PROXY_EV_RELAY_DONE, &at)->port, port);
    assert_false(port_listens(port));
}

/* The bounds' largest answer (a 1 MiB body) reaches the browser whole. */
static void test_a_megabyte_answer_is_relayed_whole(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int s;
    uint16_t port = raw_login(f, &s);
    int b = browser_send(port, "GET /cb HTTP/1.1\r\n\r\n");
    uint32_t id = expect_callback_request(s, "/cb");
    char *body = malloc(AGS_PROXY_MAX_BODY);
    for (size_t i = 0; i < AGS_PROXY_MAX_BODY; i++)
        body[i] = (char)(i * 7 + 3);
    send_response(s, id, body, AGS_PROXY_MAX_BODY);
    size_t len;
    char *answer = browser_answer(b, &len);
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Security-Policy: sandbox\r\n"
                               "X-Content-Type-Options: nosniff\r\n"
                               "Content-Length: 1048576\r\nConnection: close\r\n\r\n";
    assert_int_equal(len, sizeof(head) - 1 + AGS_PROXY_MAX_BODY);
    assert_memory_equal(answer, head, sizeof(head) - 1);
    assert_memory_equal(answer + sizeof(head) - 1, body, AGS_PROXY_MAX_BODY);
    free(answer);
    free(body);
    close(s);
}

/* The next CALLBACK_REQUEST's headers as "Name: value\n" lines, and its id. */
static uint32_t callback_request_headers(int fd, char *lines, size_t size)
{
    struct host_msg hm;
    read_msg(fd, &hm);
    assert_int_equal(hm.m.type, PROXY_CALLBACK_REQUEST);
    size_t n = 0;
    lines[0] = '\0';
    for (size_t i = 0; i < hm.m.http.n_headers && n < size; i++) {
        const struct proxy_header *h = &hm.m.http.headers[i];
        n += (size_t)snprintf(lines + n, size - n, "%.*s: %.*s\n", (int)h->name.len, h->name.p,
                              (int)h->value.len, h->value.p);
    }
    uint32_t id = hm.m.id;
    msg_done(&hm);
    return id;
}

/* The sandbox answers 302 with these headers: what the browser gets (malloc'd). */
static char *relay_answer(int s, uint16_t port, struct proxy_header *h, size_t n)
{
    int b = browser_send(port, "GET /cb HTTP/1.1\r\n\r\n");
    uint32_t id = expect_callback_request(s, "/cb");
    struct proxy_http resp = {.status = 302, .headers = h, .n_headers = n};
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_callback_response(&out, id, &resp), 0);
    send_bytes(s, out.buf, out.len);
    size_t len;
    return browser_answer(b, &len);
}

#define HDR(n, v) {.name = {n, sizeof(n) - 1}, .value = {v, sizeof(v) - 1}}

/* A browser sends every localhost cookie to every port: none reaches the sandbox. */
static void test_the_browsers_cookies_never_reach_the_sandbox(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int s;
    uint16_t port = raw_login(f, &s);
    int b = browser_send(port, "GET /cb?code=c HTTP/1.1\r\nHost: localhost\r\n"
                               "Cookie: username-localhost-8888=\"2|1:0|JUPYTER\"\r\n"
                               "cOOKIE: _xsrf=XSRF\r\nAccept: */*\r\n\r\n");
    char lines[1024];
    uint32_t id = callback_request_headers(s, lines, sizeof(lines));
    assert_string_equal(lines, "Host: localhost\nAccept: */*\n");
    send_response(s, id, "ok", 2);
    size_t len;
    free(browser_answer(b, &len));
    close(s);
}

/* The sandbox's answer sets no cookie for localhost and sends the browser to no other
 * service on the host's loopback (which the proxy refuses to open), and the page is
 * sandboxed: the sandbox's own CSP is replaced, not doubled. */
static void test_the_sandboxs_cookies_and_loopback_redirects_never_reach_the_browser(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int s;
    uint16_t port = raw_login(f, &s);
    struct proxy_header evil[] = {
            HDR("Location", "http://localhost:631/admin?op=add-printer"),
            HDR("Set-Cookie", "username-localhost-8888=ATTACKER; Path=/"),
            HDR("set-cookie2", "b=2"),
            HDR("Refresh", "0; url=http://127.0.0.1:8888/"),
            HDR("Content-Security-Policy", "default-src *"),
            HDR("x-content-type-options", "off"),
            HDR("Cache-Control", "no-store"),
    };
    char *answer = relay_answer(s, port, evil, sizeof(evil) / sizeof(evil[0]));
    static const char want[] = "HTTP/1.1 302 Found\r\nCache-Control: no-store\r\n"
                               "Content-Security-Policy: sandbox\r\n"
                               "X-Content-Type-Options: nosniff\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    if (strcmp(answer, want) != 0)
        fail_msg("the browser got '%s'", answer);
    free(answer);
    close(s);
}

/* A path on the relay and the relay's own loopback origin are followed as before. */
static void test_a_relative_or_same_port_redirect_reaches_the_browser(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int s;
    uint16_t port = raw_login(f, &s);
    char same[64], want[96];
    snprintf(same, sizeof(same), "http://localhost:%u/done?x=1", (unsigned)port);
    const char *kept[] = {"/done", same, "https://auth.example/consent"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        struct proxy_header h = {.name = {"Location", 8}, .value = {kept[i], strlen(kept[i])}};
        char *answer = relay_answer(s, port, &h, 1);
        snprintf(want, sizeof(want), "\r\nLocation: %s\r\n", kept[i]);
        if (!strstr(answer, want) || !strstr(answer, "Content-Security-Policy: sandbox\r\n"))
            fail_msg("the browser got '%s'", answer);
        free(answer);
    }
    close(s);
}

static void test_a_location_is_kept_only_on_the_relay_or_a_public_page(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        bool kept;
    } cases[] = {
            {"/done", true},
            {"/", true},
            {"//evil.example/", false},
            {"/\\evil.example/", false},
            {"/a b", false},
            {"", false},
            {"done", false},
            {"http://localhost:40000/cb", true},
            {"http://127.0.0.1:40000/", true},
            {"http://[::1]:40000/", true},
            {"http://localhost:40001/", false},
            {"http://127.0.0.1:8888/", false},
            {"https://localhost:40000/", false},
            {"http://localhost/", false},
            {"http://user@localhost:40000/", false},
            {"https://auth.example/next", true},
            {"http://auth.example/next", true},
            {"http://127.0.0.2:40000/", false},
            {"http://0.0.0.0:40000/", false},
            {"javascript:alert(1)", false},
            {"file:///etc/passwd", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct proxy_str v = {cases[i].v, strlen(cases[i].v)};
        if (relay_location_allowed(v, 40000) != cases[i].kept)
            fail_msg("Location '%s': %s", cases[i].v, cases[i].kept ? "dropped" : "kept");
    }
}

static void test_a_window_without_a_callback_closes_with_done(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    o.first_callback_ms = 300;
    start(f, &o);
    char url[256];
    uint16_t port = login_url(url, sizeof(url), "auth.example", "127.0.0.1");
    int fd = ask_open(f, url);
    assert_int_equal(expect_opened(fd), port);
    struct host_msg hm;
    read_msg(fd, &hm);
    assert_int_equal(hm.m.type, PROXY_DONE);
    msg_done(&hm);
    expect_closed(fd);
    close(fd);
    size_t at = 0;
    assert_int_equal(wait_event(f, PROXY_EV_RELAY_DONE, &at)->port, port);
    assert_false(port_listens(port));
}

/* ---- the control socket ---- */

static void control_exchange(const struct fixture *f, const char *line, size_t len, char *answer,
                             size_t size)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, f->ctl);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    send_bytes(fd, line, len);
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t got = read(fd, answer + n, size - 1 - n);
        /* The server closed with bytes of ours unread (a line past the bound): the
         * kernel says so after the answer. */
        if (got < 0 && errno == ECONNRESET)
            break;
        assert_true(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    answer[n] = '\0';
    close(fd);
}

static void test_a_malformed_control_line_gets_error(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    char answer[512];
    control_exchange(f, "HELLO\n", 6, answer, sizeof(answer));
    assert_string_equal(answer, "ERROR unknown request (LIST, ALLOW ID or DENY ID)\nEND\n");
    control_exchange(f, "ALLOW 0123456789AB\n", 19, answer, sizeof(answer));
    assert_string_equal(answer, "ERROR an id is 12 lowercase hex characters\nEND\n");
    control_exchange(f, "LIST \n", 6, answer, sizeof(answer));
    assert_string_equal(answer, "ERROR unknown request (LIST, ALLOW ID or DENY ID)\nEND\n");
    char *longline = malloc(PROXY_CONTROL_LINE_MAX + 10);
    memset(longline, 'A', PROXY_CONTROL_LINE_MAX + 10);
    control_exchange(f, longline, PROXY_CONTROL_LINE_MAX + 10, answer, sizeof(answer));
    free(longline);
    assert_string_equal(answer, "ERROR the request line is too long\nEND\n");
    control_exchange(f, "LIST\n", 5, answer, sizeof(answer));
    assert_string_equal(answer, "END\n");
    /* An unknown id is answered UNKNOWN; a session that ended, refused by the kernel. */
    struct ags_error err = {0};
    assert_int_equal(proxy_control_answer(f->ctl, "0123456789ab", true, &err), 0);
    assert_int_equal(proxy_control_answer(f->ctl, "../../etc", true, &err), -EINVAL);
    proxy_server_stop(f->srv);
    f->srv = NULL;
    struct proxy_listing l;
    assert_int_equal(proxy_control_list(f->ctl, &l, &err), -ENOENT);
}

/* ---- stop, bounds, stalls ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asks for url and says what came back: true for WAITING, false for REFUSED holding want. */
static bool asked_or_refused(const struct fixture *f, const char *url, const char *want, int *fd)
{
    *fd = ask_open(f, url);
    struct host_msg hm;
    read_msg(*fd, &hm);
    char text[AGS_PROXY_MAX_TEXT + 1];
    snprintf(text, sizeof(text), "%.*s", (int)hm.m.text.len, hm.m.text.p);
    bool waiting = hm.m.type == PROXY_WAITING;
    if (!waiting && (hm.m.type != PROXY_REFUSED || !strstr(text, want)))
        fail_msg("expected WAITING or REFUSED holding '%s', got %s '%s'", want,
                 proxy_msg_name(hm.m.type), text);
    msg_done(&hm);
    return waiting;
}

/* Asks until a question is put (a retry each 100 ms within WAIT_MS): its connection. */
static int ask_after_the_cool_down(const struct fixture *f, const char *url)
{
    int64_t t0 = mono_ms();
    for (;;) {
        int fd;
        if (asked_or_refused(f, url, "wait: the last request was withdrawn or denied", &fd))
            return fd;
        close(fd);
        assert_true(mono_ms() - t0 < WAIT_MS);
        (void)poll(NULL, 0, 100);
    }
}

/* A sandbox that asks and hangs up in a loop puts one question, not hundreds a second; the
 * next is asked once the cool-down is over, and a denial doubles it. */
static void test_questions_withdrawn_in_a_loop_wait_a_cool_down_that_doubles(void **state)
{
    struct fixture *f = *state;
    f->mode = APPROVE_BLOCK;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    const char *urls[] = {"https://auth.example/authorize", "https://evil.example/authorize"};
    int64_t t0 = mono_ms(), first_hangup = 0;
    int refused = 0;
    for (int i = 0; mono_ms() - t0 < 1000; i++) {
        int fd;
        if (!asked_or_refused(f, urls[i & 1], "(ask again in 2 s)", &fd))
            refused++;
        close(fd);
        if (!first_hangup)
            first_hangup = mono_ms();
        (void)poll(NULL, 0, 10);
    }
    pthread_mutex_lock(&f->mu);
    int asked = f->approve_calls;
    pthread_mutex_unlock(&f->mu);
    assert_true(asked <= 2);
    assert_true(count_events(f, PROXY_EV_PENDING) <= 2);
    assert_true(refused > 10);

    int fd = ask_after_the_cool_down(f, urls[0]);
    assert_true(mono_ms() - first_hangup >= 1900);
    wait_approve(f, asked + 1, false);
    struct ags_error err = {0};
    assert_int_equal(proxy_control_answer(f->ctl, f->q.id, false, &err), 1);
    expect_text(fd, PROXY_REFUSED, "the user denied opening");
    close(fd);
    fd = ask_open(f, urls[1]);
    expect_text(fd, PROXY_REFUSED,
                "wait: the last request was withdrawn or denied 0 s ago (ask again in 4 s)");
    close(fd);
}

/* An allowed request ends the cool-down: the next withdrawal starts again at 2 s. */
static void test_an_allowed_request_resets_the_cool_down(void **state)
{
    struct fixture *f = *state;
    f->mode = APPROVE_BLOCK;
    struct proxy_server_opts o = base_opts(f);
    start(f, &o);
    int fd = ask_open(f, "https://auth.example/one");
    expect_text(fd, PROXY_WAITING, waiting_text);
    wait_approve(f, 1, false);
    close(fd); /* withdrawn: 2 s */
    fd = ask_after_the_cool_down(f, "https://auth.example/two");
    wait_approve(f, 2, false);
    struct ags_error err = {0};
    assert_int_equal(proxy_control_answer(f->ctl, f->q.id, true, &err), 1);
    assert_int_equal(expect_opened(fd), 0);
    close(fd);
    /* Right after an allow a question is asked at once, and its withdrawal counts from 2 s
     * again (without the reset: 4 s). */
    fd = ask_open(f, "https://auth.example/three");
    expect_text(fd, PROXY_WAITING, waiting_text);
    wait_approve(f, 3, false);
    close(fd);
    wait_approve(f, 3, true);
    fd = ask_open(f, "https://auth.example/four");
    expect_text(fd, PROXY_REFUSED, "(ask again in 2 s)");
    close(fd);
}

static void test_stop_with_a_pending_question_cancels_it_and_returns_promptly(void **state)
{
    struct fixture *f = *state;
    int fd = ask_blocking(f, 60000, "https://login.example/");
    int64_t t0 = mono_ms();
    proxy_server_stop(f->srv);
    f->srv = NULL;
    /* Far below the approval's own 60 s: stop did not wait for it. */
    assert_true(mono_ms() - t0 < 5000);
    assert_true(f->cancel_seen);
    expect_text(fd, PROXY_REFUSED, "ags stopped before the request was answered");
    close(fd);
    size_t at = 0;
    assert_string_equal(wait_event(f, PROXY_EV_DENIED, &at)->text, "the session ended");
}

static void test_40_connections_at_once_keep_the_bound_and_the_server(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    start(f, &o);
    int fds[40];
    for (int i = 0; i < 40; i++)
        fds[i] = sandbox_connect(f);
    /* Beyond 32 each is refused at once. */
    for (int i = 32; i < 40; i++) {
        expect_text(fds[i], PROXY_REFUSED, "serves 32 requests at once");
        close(fds[i]);
    }
    /* Garbage on some, whole OPENs on the rest: each is answered or dropped alone. */
    for (int i = 0; i < 32; i++) {
        if (i % 4 == 0) {
            static const uint8_t junk[] = {0, 0, 0, 5, 99, 1, 2, 3, 4};
            send_bytes(fds[i], junk, sizeof(junk));
        } else {
            send_open(fds[i], "https://auth.example/x");
        }
    }
    for (int i = 0; i < 32; i++) {
        if (i % 4 == 0)
            expect_text(fds[i], PROXY_REFUSED, "auth proxy:");
        else
            assert_int_equal(expect_opened(fds[i]), 0);
        expect_closed(fds[i]);
        close(fds[i]);
    }
    assert_int_equal(count_events(f, PROXY_EV_OPENED), 24);
    int fd = ask_open(f, "https://auth.example/after");
    assert_int_equal(expect_opened(fd), 0);
    close(fd);
}

static void test_a_sandbox_that_stalls_mid_frame_is_dropped_at_its_deadline(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = auto_opts(f);
    o.relay_ms = 300;
    start(f, &o);
    int stalled = sandbox_connect(f);
    static const uint8_t half[] = {0, 0, 0, 30, 1, 0};
    send_bytes(stalled, half, sizeof(half));
    int silent = sandbox_connect(f);
    /* Others are served meanwhile. */
    int fd = ask_open(f, "https://auth.example/meanwhile");
    assert_int_equal(expect_opened(fd), 0);
    close(fd);
    expect_closed(stalled);
    expect_closed(silent);
    close(stalled);
    close(silent);
    /* A length over the bound is refused from its 4 bytes. */
    int big = sandbox_connect(f);
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    send_bytes(big, huge, sizeof(huge));
    expect_closed(big);
    close(big);
}

/* ---- another uid (root only: ctest unit/proxy-control-other-uid) ---- */

static void test_a_control_client_of_another_uid_is_closed_unanswered(void **state)
{
    struct fixture *f = *state;
    struct proxy_server_opts o = base_opts(f);
    o.approve = NULL;
    start(f, &o);
    int fd = ask_open(f, "https://login.example/");
    expect_text(fd, PROXY_WAITING, waiting_text);
    /* Let nobody reach the socket: only the peer check stands in the way. */
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(chmod(f->ctl, 0666), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(10);
        struct proxy_listing l;
        int r = proxy_control_list(f->ctl, &l, NULL);
        /* Our own client refuses a server of another uid before asking; ask raw too. */
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, f->ctl);
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            _exit(11);
        /* Closed at once: the send may already meet the close. */
        if (send(s, "LIST\n", 5, MSG_NOSIGNAL) != 5 && errno != EPIPE && errno != ECONNRESET)
            _exit(12);
        char buf[64];
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (poll(&p, 1, WAIT_MS) != 1)
            _exit(13);
        ssize_t got = read(s, buf, sizeof(buf));
        _exit(r == -EPERM && got <= 0 ? 0 : 14);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* The request still waits, unanswered. */
    struct proxy_listing l;
    struct ags_error err = {0};
    assert_int_equal(proxy_control_list(f->ctl, &l, &err), 0);
    assert_true(l.has_pending);
    proxy_listing_done(&l);
    close(fd);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    if (argc > 1 && strcmp(argv[1], "other-uid") == 0) {
        const struct CMUnitTest root_tests[] = {
                T(test_a_control_client_of_another_uid_is_closed_unanswered),
        };
        return cmocka_run_group_tests(root_tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
            T(test_sockets_are_0600_and_stop_removes_them),
            T(test_an_existing_path_is_refused_and_left_alone),
            T(test_an_auto_allowed_url_is_opened_at_once),
            T(test_the_approval_callback_allows_a_url_it_was_asked_about),
            T(test_a_denied_url_is_refused_and_nothing_is_opened_or_bound),
            T(test_without_a_way_to_ask_ags_approve_lists_and_allows_it),
            T(test_an_answer_from_ags_approve_withdraws_the_question),
            T(test_an_unanswered_request_times_out_as_denied),
            T(test_a_question_is_withdrawn_when_the_sandbox_leaves_or_time_is_up),
            T(test_a_second_request_while_one_waits_is_refused),
            T(test_urls_that_cannot_be_opened_are_refused_without_asking),
            T(test_ags_helper_prints_the_refusal_of_a_port_below_1024),
            T(test_a_port_in_use_on_the_host_is_refused_and_nothing_opened),
            T(test_a_localhost_redirect_is_bound_on_both_loopbacks),
            T(test_an_open_that_fails_keeps_the_relay_open),
            T(test_another_protocol_version_is_refused_naming_both),
            T(test_a_get_callback_is_relayed_through_ags_helper_without_cookies),
            T(test_a_post_callback_with_a_body_is_relayed_byte_for_byte),
            T(test_a_sandbox_that_does_not_answer_gives_the_browser_504),
            T(test_a_malformed_browser_request_gets_its_4xx_without_reaching_the_sandbox),
            T(test_the_window_closes_with_done_after_the_linger),
            T(test_a_window_without_a_callback_closes_with_done),
            T(test_a_late_answer_after_a_504_is_dropped),
            T(test_an_answer_out_of_step_ends_the_relay_with_502),
            T(test_a_megabyte_answer_is_relayed_whole),
            T(test_the_browsers_cookies_never_reach_the_sandbox),
            T(test_the_sandboxs_cookies_and_loopback_redirects_never_reach_the_browser),
            T(test_a_relative_or_same_port_redirect_reaches_the_browser),
            T(test_a_location_is_kept_only_on_the_relay_or_a_public_page),
            T(test_a_malformed_control_line_gets_error),
            T(test_questions_withdrawn_in_a_loop_wait_a_cool_down_that_doubles),
            T(test_an_allowed_request_resets_the_cool_down),
            T(test_stop_with_a_pending_question_cancels_it_and_returns_promptly),
            T(test_40_connections_at_once_keep_the_bound_and_the_server),
            T(test_a_sandbox_that_stalls_mid_frame_is_dropped_at_its_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
