/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ssh agent of a run (run/ssh.c) with real OpenSSH: the per-run dir is
 * made fresh and private and goes at the end; the socket serves only the
 * configured keys of the user's agent; a key the agent lacks is named with
 * the ssh-add command when there is no terminal; without a user's agent ags
 * starts its own (once, when runs start together); an existing per-run dir
 * is refused, not reused; the sweep removes a dead run's dir only; a cache
 * dir that others may write is refused and what is in the own agent's place
 * that is not a socket of ours is never used.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/procid.h"
#include "config/config.h"
#include "plan/plan.h"
#include "run/internal.h"
#include "run/stage.h"
#include "ssh/agent-query.h"

#define SESSION "0123456789abcdef"

static struct {
    char root[128];
    char priv[160], state[160], user_sock[160], keys[160];
    char *sock_path;
    char user_agent_pid[32];
    bool user_agent;
    bool no_runtime; /* no XDG_RUNTIME_DIR: a su/ssh/cron session */
    char *warnings[16];
    size_t n_warnings;
} t;

static const char *fake_getenv(const char *name)
{
    if (strcmp(name, "SSH_AUTH_SOCK") == 0)
        return t.user_agent ? t.user_sock : NULL;
    if (strcmp(name, "XDG_RUNTIME_DIR") == 0)
        return t.no_runtime ? NULL : t.priv;
    if (strcmp(name, "XDG_STATE_HOME") == 0)
        return t.state;
    if (strcmp(name, "HOME") == 0)
        return t.root;
    return NULL;
}

static void on_warn(const char *msg, void *userdata _unused_)
{
    if (t.n_warnings < 16)
        t.warnings[t.n_warnings++] = xstrdup(msg);
}

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* A real ssh-agent at t.user_sock holding the keys named (auth, signing, other). */
static void start_user_agent(const char *keys)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "ssh-agent -a %s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\).*/\\1/p'",
                   t.user_sock);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(t.user_agent_pid, sizeof(t.user_agent_pid), f));
    t.user_agent_pid[strcspn(t.user_agent_pid, "\n")] = '\0';
    assert_int_equal(pclose(f), 0);
    t.user_agent = true;
    sh("cd %s && for k in %s; do SSH_AUTH_SOCK=%s ssh-add -q $k 2>/dev/null || exit 1; done",
       t.keys, keys, t.user_sock);
}

static int setup(void **state _unused_)
{
    memset(&t, 0, sizeof(t));
    (void)snprintf(t.root, sizeof(t.root), "/tmp/ags-run-ssh-XXXXXX");
    assert_non_null(mkdtemp(t.root));
    (void)snprintf(t.priv, sizeof(t.priv), "%s/rt", t.root);
    (void)snprintf(t.state, sizeof(t.state), "%s/state", t.root);
    (void)snprintf(t.user_sock, sizeof(t.user_sock), "%s/user.sock", t.root);
    (void)snprintf(t.keys, sizeof(t.keys), "%s/keys", t.root);
    assert_int_equal(mkdir(t.priv, 0700), 0);
    assert_int_equal(mkdir(t.keys, 0700), 0);
    sh("cd %s && for k in auth signing other; do ssh-keygen -q -t ed25519 -N '' -C ags-agent-$k "
       "-f $k || exit 1; done", t.keys);
    t.sock_path = run_ssh_sock_path(t.priv, SESSION);
    return 0;
}

static int teardown(void **state _unused_)
{
    if (t.user_agent)
        (void)kill((pid_t)atoi(t.user_agent_pid), SIGTERM);
    for (size_t i = 0; i < t.n_warnings; i++)
        free(t.warnings[i]);
    free(t.sock_path);
    sh("rm -rf %s", t.root);
    return 0;
}

struct fx {
    struct ags_config cfg;
    struct ags_plan plan;
    char label[64];
    char *labels[2];
    char auth[200], sign[200];
    struct run_callbacks cb;
    struct run_ssh rs;
};

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    (void)snprintf(f->auth, sizeof(f->auth), "%s/auth", t.keys);
    (void)snprintf(f->sign, sizeof(f->sign), "%s/signing", t.keys);
    f->cfg.sandbox.auth_key.v = f->auth;
    f->cfg.sandbox.sign_key.v = f->sign;
    (void)snprintf(f->label, sizeof(f->label), "%s", PLAN_LABEL_SESSION "=" SESSION);
    f->labels[0] = f->label;
    f->plan.labels = f->labels;
    f->plan.ssh_agent_sock = t.sock_path;
    f->cb.warn = on_warn;
}

static int begin(struct fx *f)
{
    const struct run_ssh_opts o = {
        .cfg = &f->cfg, .plan = &f->plan, .cb = &f->cb, .getenv = fake_getenv, .tty = false};
    struct ags_error err = {0};
    int r = run_ssh_begin(&f->rs, &o, &err);
    if (r < 0)
        print_message("run_ssh_begin: %s\n", err.msg);
    return r;
}

static void assert_listed(const char *sock, size_t want)
{
    struct ssh_agent_keys k = {0};
    struct ags_error err = {0};
    assert_int_equal(ssh_agent_list(sock, 5000, &k, &err), 0);
    assert_int_equal(k.n, want);
    ssh_agent_keys_done(&k);
}

static bool warned(const char *needle)
{
    for (size_t i = 0; i < t.n_warnings; i++)
        if (strstr(t.warnings[i], needle))
            return true;
    return false;
}

static void test_begin_serves_only_the_configured_keys_from_a_fresh_private_dir(void **s _unused_)
{
    start_user_agent("auth signing other");
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), 0);
    struct stat st;
    assert_int_equal(stat(f.rs.dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(t.sock_path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    char owner[256];
    (void)snprintf(owner, sizeof(owner), "%s/owner", f.rs.dir);
    assert_int_equal(access(owner, F_OK), 0);
    assert_listed(t.sock_path, 2);      /* the proxy: auth and signing */
    assert_listed(t.user_sock, 3);      /* the user's agent is untouched */
    char log[256];
    (void)snprintf(log, sizeof(log), "%s/ags/ssh/%s.log", t.state, SESSION);
    assert_int_equal(stat(log, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    _cleanup_free_ char *dir = xstrdup(f.rs.dir);
    run_ssh_end(&f.rs, &f.cb);
    assert_int_equal(access(dir, F_OK), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(t.n_warnings, 0);
}

static void test_a_key_the_agent_lacks_is_named_with_its_ssh_add_command(void **s _unused_)
{
    start_user_agent("signing");
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), 0);
    assert_listed(t.sock_path, 1);
    char want[256];
    (void)snprintf(want, sizeof(want), "ssh-add %s", f.auth);
    assert_true(warned(want));
    assert_true(warned("auth key is not in the ssh agent"));
    run_ssh_end(&f.rs, &f.cb);
}

/* The pid that made the listening socket (SO_PEERCRED): ssh-agent's before
 * it detached, so the same pid means the same agent. */
static pid_t listener_pid(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    (void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct ucred uc;
    socklen_t n = sizeof(uc);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &n), 0);
    (void)close(fd);
    return uc.pid;
}

static void test_without_a_user_agent_ags_starts_its_own_in_the_private_dir(void **s _unused_)
{
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), 0);
    char own[256];
    (void)snprintf(own, sizeof(own), "%s/" RUN_SSH_OWN_AGENT, t.priv);
    assert_listed(own, 0); /* it answers; no terminal, so nothing was added */
    assert_listed(t.sock_path, 0);
    assert_true(warned("ssh-add"));
    run_ssh_end(&f.rs, &f.cb);
    /* A second run finds it and does not start another. */
    pid_t pid = listener_pid(own);
    fx_init(&f);
    assert_int_equal(begin(&f), 0);
    assert_int_equal(listener_pid(own), pid);
    run_ssh_end(&f.rs, &f.cb);
    sh("pkill -f '[s]sh-agent -a %s'", own); /* [s]: not this shell's own command line */
}

static void test_an_existing_run_dir_is_refused_and_left_alone(void **s _unused_)
{
    start_user_agent("auth");
    char dir[256];
    (void)snprintf(dir, sizeof(dir), "%s/" RUN_SSH_DIR_PREFIX SESSION, t.priv);
    assert_int_equal(mkdir(dir, 0755), 0);
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), -EEXIST);
    run_ssh_end(&f.rs, &f.cb);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
}

static void test_the_sweep_removes_a_dead_runs_dir_and_keeps_a_live_one(void **s _unused_)
{
    start_user_agent("auth");
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), 0); /* live: this process */
    struct procid self;
    assert_int_equal(procid_self(&self, NULL), 0);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    struct procid dead = self;
    dead.pid = (uint32_t)child;
    char text[PROCID_MAX_TEXT], dead_dir[256];
    procid_format(&dead, text, sizeof(text));
    (void)snprintf(dead_dir, sizeof(dead_dir), "%s/" RUN_SSH_DIR_PREFIX "dead", t.priv);
    assert_int_equal(mkdir(dead_dir, 0700), 0);
    sh("printf %%s '%s' >%s/owner && touch %s/agent.sock", text, dead_dir, dead_dir);
    size_t removed = 0;
    struct ags_error err = {0};
    assert_int_equal(stage_sweep_prefix(t.priv, RUN_SSH_DIR_PREFIX, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(access(dead_dir, F_OK), -1);
    assert_int_equal(access(t.sock_path, F_OK), 0); /* the live run's socket stays */
    run_ssh_end(&f.rs, &f.cb);
}

static void test_month_old_logs_go_and_a_run_that_asked_nothing_leaves_no_log(void **s _unused_)
{
    start_user_agent("auth");
    sh("mkdir -p %s/ags/ssh && cd %s/ags/ssh && touch -d '31 days ago' old.log && "
       "touch -d '29 days ago' recent.log && touch -d '31 days ago' old.txt", t.state, t.state);
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), 0);
    char path[256];
    (void)snprintf(path, sizeof(path), "%s/ags/ssh/old.log", t.state);
    assert_int_equal(access(path, F_OK), -1);
    (void)snprintf(path, sizeof(path), "%s/ags/ssh/recent.log", t.state);
    assert_int_equal(access(path, F_OK), 0);
    (void)snprintf(path, sizeof(path), "%s/ags/ssh/old.txt", t.state); /* not a log of ours */
    assert_int_equal(access(path, F_OK), 0);
    (void)snprintf(path, sizeof(path), "%s/ags/ssh/%s.log", t.state, SESSION);
    assert_int_equal(access(path, F_OK), 0);
    run_ssh_end(&f.rs, &f.cb); /* nothing asked: the empty log goes */
    assert_int_equal(access(path, F_OK), -1);
}

/* A listening socket at path that nobody accepts on (connections queue up). */
static int listen_at(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(chmod(path, 0777), 0);
    assert_int_equal(listen(fd, 16), 0);
    return fd;
}

/* Without a private XDG_RUNTIME_DIR the cache dir holds ags's own agent; one
 * that others may write is refused: another user's socket planted there
 * would be taken for ags's agent and ssh-add would hand it the private key. */
static void test_a_cache_dir_others_may_write_is_refused_and_a_planted_agent_is_never_asked(
        void **s _unused_)
{
    t.no_runtime = true;
    char shared[200], planted[260];
    (void)snprintf(shared, sizeof(shared), "%s/shared-cache", t.root);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    (void)snprintf(planted, sizeof(planted), "%s/" RUN_SSH_OWN_AGENT, shared);
    int lfd = listen_at(planted);
    struct fx f;
    fx_init(&f);
    f.cfg.sandbox.cache_dir.v = shared;
    _cleanup_free_ char *sock = run_ssh_sock_path(shared, SESSION);
    f.plan.ssh_agent_sock = sock;
    const struct run_ssh_opts o = {
        .cfg = &f.cfg, .plan = &f.plan, .cb = &f.cb, .getenv = fake_getenv, .tty = true};
    struct ags_error err = {0};
    assert_int_equal(run_ssh_begin(&f.rs, &o, &err), -EPERM);
    assert_non_null(strstr(err.msg, "chmod 0700"));
    run_ssh_end(&f.rs, &f.cb);
    assert_int_equal(accept(lfd, NULL, NULL), -1); /* nobody connected to it */
    assert_int_equal(errno, EAGAIN);
    (void)close(lfd);
    char dir[260];
    (void)snprintf(dir, sizeof(dir), "%s/" RUN_SSH_DIR_PREFIX SESSION, shared);
    assert_int_equal(access(dir, F_OK), -1); /* nothing made there either */

    /* doctor's probe says the same without creating anything */
    struct run_ssh_agent_probe p;
    run_ssh_agent_probe(fake_getenv, shared, false, &p);
    assert_int_equal(p.r, -EPERM);
    assert_null(p.path);
    run_ssh_agent_probe_done(&p);
}

/* Something that is not a socket of ours where ags's own agent listens is
 * left alone and not used; the run still serves its socket (every request
 * fails). */
static void test_a_file_in_the_own_agents_place_is_left_alone(void **s _unused_)
{
    char own[256];
    (void)snprintf(own, sizeof(own), "%s/" RUN_SSH_OWN_AGENT, t.priv);
    sh("echo not-a-socket >%s", own);
    struct fx f;
    fx_init(&f);
    assert_int_equal(begin(&f), 0);
    assert_true(warned("is in the way of ags's ssh agent"));
    struct stat st;
    assert_int_equal(lstat(t.sock_path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    run_ssh_end(&f.rs, &f.cb);
    sh("grep -q not-a-socket %s", own);
}

static int own_agents_running(const char *own)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd),
                   "ps -eo comm=,args= | awk -v p='%s' '$1 == \"ssh-agent\" && index($0, p)' "
                   "| wc -l", own);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int n = -1;
    assert_int_equal(fscanf(f, "%d", &n), 1);
    assert_int_equal(pclose(f), 0);
    return n;
}

/* Runs that start together with no agent running take turns: one starts
 * ags's own agent and the others use it (none is left with no agent, none
 * removes the socket of one that runs). */
static void test_runs_starting_together_share_one_own_agent(void **s _unused_)
{
    char own[256];
    (void)snprintf(own, sizeof(own), "%s/" RUN_SSH_OWN_AGENT, t.priv);
    for (int round = 0; round < 3; round++) {
        pid_t kids[3];
        for (int k = 0; k < 3; k++) {
            kids[k] = fork();
            assert_true(kids[k] >= 0);
            if (kids[k] > 0)
                continue;
            struct fx f;
            fx_init(&f);
            char sess[32];
            (void)snprintf(sess, sizeof(sess), "00000000000000%d%d", round, k);
            (void)snprintf(f.label, sizeof(f.label), PLAN_LABEL_SESSION "=%s", sess);
            f.plan.ssh_agent_sock = run_ssh_sock_path(t.priv, sess);
            int r = begin(&f);
            /* Served by an agent that answers: no warning about an unusable one. */
            bool ok = r == 0 && !warned("no usable ssh agent");
            run_ssh_end(&f.rs, &f.cb);
            _exit(ok ? 0 : 1);
        }
        for (int k = 0; k < 3; k++) {
            int status = 0;
            assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        assert_int_equal(own_agents_running(own), 1);
        assert_listed(own, 0);
        sh("pkill -f '[s]sh-agent -a %s'", own);
        for (int i = 0; i < 100 && own_agents_running(own) > 0; i++)
            (void)usleep(20000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
                test_begin_serves_only_the_configured_keys_from_a_fresh_private_dir, setup,
                teardown),
        cmocka_unit_test_setup_teardown(test_a_key_the_agent_lacks_is_named_with_its_ssh_add_command,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
                test_without_a_user_agent_ags_starts_its_own_in_the_private_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_existing_run_dir_is_refused_and_left_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_sweep_removes_a_dead_runs_dir_and_keeps_a_live_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
                test_month_old_logs_go_and_a_run_that_asked_nothing_leaves_no_log, setup,
                teardown),
        cmocka_unit_test_setup_teardown(
                test_a_cache_dir_others_may_write_is_refused_and_a_planted_agent_is_never_asked,
                setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_file_in_the_own_agents_place_is_left_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runs_starting_together_share_one_own_agent, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
