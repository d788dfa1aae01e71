/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The filtering ssh agent of a run (issue 15, docs/security.md "The ssh
 * agent"): the sandbox never sees the user's agent.  Before the sandbox
 * starts, ags makes a private per-run directory, finds the user's agent
 * ($SSH_AUTH_SOCK) or starts its own in the private dir when none answers
 * (the original ags always starts its own), has ssh-add load a configured key
 * the agent lacks (its passphrase asked on the terminal, before the agent
 * shares it), opens the session's log and serves the socket the plan mounts
 * through the filter of src/ssh.  After the sandbox is gone the proxy stops
 * and the directory goes; a run killed with -9 leaves it to the next run's
 * sweep (its owner file).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "notify/notify.h"
#include "run/approve.h"
#include "run/internal.h"
#include "run/sessiondir.h"
#include "run/statelog.h"
#include "run/stage.h"
#include "ssh/agent-query.h"
#include "ssh/agent-server.h"
#include "base/banned.h"

/* How long a real agent may take to list its keys. */
#define AGENT_LIST_TIMEOUT_MS 5000

char *run_ssh_sock_path(const char *private_dir, const char *session_id)
{
    return xasprintf("%s/" RUN_SSH_DIR_PREFIX "%s/" RUN_SSH_SOCK_NAME, private_dir, session_id);
}

static void load_keys(struct run_ssh *rs, const struct ags_config *cfg,
                      const struct run_callbacks *cb)
{
    const char *paths[2] = {cfg->sandbox.auth_key.v, cfg->sandbox.sign_key.v};
    const enum ssh_key_purpose purposes[2] = {SSH_KEY_AUTH, SSH_KEY_SIGN};
    for (size_t i = 0; i < 2; i++) {
        if (!paths[i])
            continue;
        _cleanup_free_ char *pub = xasprintf("%s.pub", paths[i]);
        struct ags_error e = {0};
        int r = ssh_pubkey_load(pub, purposes[i], &rs->keys[rs->n_keys], &e);
        if (r == 0)
            rs->n_keys++;
        else if (r != -ENOENT)
            run_warnf(cb, "the sandbox's ssh agent does not offer the %s key: %s",
                      ssh_key_purpose_name(purposes[i]), e.msg);
    }
}

/* Runs args (a NULL-terminated list; args[0] found by trusted_program on
 * path_env, never a look-alike that another user could put on PATH) with
 * envp and waits: on the terminal, or with stdin and stdout on /dev/null. */
static int spawn_wait(const char *path_env, const char *const args[], char *const envp[],
                      bool terminal, int *status, struct ags_error *err)
{
    _cleanup_free_ char *prog = trusted_program(path_env, args[0]);
    if (!prog)
        return ags_error_set(err, -ENOENT, "no %s on PATH in a directory only root or you can "
                                           "change (install openssh-client)", args[0]);
    size_t n = 0;
    while (args[n])
        n++;
    _cleanup_strv_free_ char **argv = xcalloc(n + 1, sizeof(*argv));
    for (size_t i = 0; i < n; i++)
        argv[i] = xstrdup(args[i]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    if (!terminal) {
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid;
    int e = posix_spawn(&pid, prog, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0)
        return ags_error_set(err, -e, "cannot run %s: %s", prog, strerror(e));
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return ags_error_set(err, -errno, "waiting for %s: %m", prog);
    return 0;
}

/* Nothing at sock (-ENOENT), or a socket of ours (0); anything else is in
 * the way (-EPERM). */
static int own_socket_check(const char *sock, struct ags_error *err)
{
    struct stat st;
    if (lstat(sock, &st) < 0)
        return ags_error_set(err, -errno, "no ssh agent at %s: %m", sock);
    if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid())
        return ags_error_set(err, -EPERM, "%s is in the way of ags's ssh agent and is not a "
                                          "socket of yours: remove it", sock);
    return 0;
}

/* ags's own agent at sock: its keys, when it is ours and answers. */
static int list_own(const char *sock, struct ssh_agent_keys *keys, struct ags_error *err)
{
    int r = own_socket_check(sock, err);
    return r < 0 ? r : ssh_agent_list(sock, AGENT_LIST_TIMEOUT_MS, keys, err);
}

/* Starts ags's own agent at sock (ssh-agent -a: it detaches itself).  A
 * socket of ours is removed first only when nothing listens on it
 * (was_r, what listing it gave, is -ECONNREFUSED): an agent that was merely
 * slow keeps its socket. */
static int start_own_agent(const char *path_env, const char *sock, int was_r,
                           struct ags_error *err)
{
    if (was_r == -ECONNREFUSED)
        (void)unlink(sock);
    else if (was_r != -ENOENT)
        return ags_error_set(err, was_r, "ags's ssh agent at %s does not answer", sock);
    const char *argv[] = {"ssh-agent", "-a", sock, NULL};
    int status = 0;
    int r = spawn_wait(path_env, argv, environ, false, &status, err);
    if (r < 0)
        return r;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ags_error_set(err, -EIO, "ssh-agent -a %s failed", sock);
    return 0;
}

void run_ssh_agent_probe(const char *(*getenv_fn)(const char *name), const char *cache_dir,
                         bool create, struct run_ssh_agent_probe *ret)
{
    *ret = (struct run_ssh_agent_probe){0};
    struct ags_error e = {0};
    const char *user = env_nonempty(getenv_fn, "SSH_AUTH_SOCK");
    if (user && user[0] == '/' &&
        ssh_agent_list(user, AGENT_LIST_TIMEOUT_MS, &ret->keys, &e) == 0) {
        ret->path = xstrdup(user);
        return;
    }
    if (user)
        ret->user_error = user[0] == '/' ? xstrdup(e.msg)
                                         : xasprintf("SSH_AUTH_SOCK=%s is not an absolute "
                                                     "path", user);
    ret->own = true;
    ags_error_clear(&e);
    _cleanup_free_ char *dir = NULL;
    int r = run_private_dir(getenv_fn, cache_dir, create, &dir, &e);
    if (r == -ENOENT) /* no cache dir yet (!create): no agent of ours either */
        ret->path = xasprintf("%s/" RUN_SSH_OWN_AGENT, cache_dir);
    else if (r == 0)
        ret->path = xasprintf("%s/" RUN_SSH_OWN_AGENT, dir);
    if (r == 0)
        r = list_own(ret->path, &ret->keys, &e);
    ret->r = r;
    if (r < 0)
        ret->error = xstrdup(e.msg);
}

void run_ssh_agent_probe_done(struct run_ssh_agent_probe *p)
{
    free(p->path);
    free(p->user_error);
    free(p->error);
    ssh_agent_keys_done(&p->keys);
    *p = (struct run_ssh_agent_probe){0};
}

/* How long a run waits for another that is starting ags's own agent. */
#define OWN_AGENT_LOCK_TIMEOUT_MS 15000

static int lock_within(int fd, const char *path, struct ags_error *err)
{
    for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 50) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return ags_error_set(err, -errno, "cannot take the lock %s: %m", path);
        if (waited >= OWN_AGENT_LOCK_TIMEOUT_MS)
            return ags_error_set(err, -ETIMEDOUT, "another ags holds %s for too long", path);
        const struct timespec ts = {.tv_sec = 0, .tv_nsec = 50L * 1000L * 1000L};
        (void)nanosleep(&ts, NULL);
    }
    return 0;
}

/* Starts ags's own agent at p->path unless another run started it first:
 * runs starting together take turns (a lock beside the socket), the second
 * finds the first one's agent answering. */
static int start_own_agent_once(const char *path_env, struct run_ssh_agent_probe *p,
                                struct ags_error *err)
{
    _cleanup_free_ char *lock_path = xasprintf("%s.lock", p->path);
    _cleanup_close_ int fd = -EBADF;
    int r = run_lock_file_open(lock_path, &fd, err);
    if (r == 0)
        r = lock_within(fd, lock_path, err);
    if (r < 0)
        return r;
    ssh_agent_keys_done(&p->keys);
    r = list_own(p->path, &p->keys, err);
    if (r == 0 || (r != -ECONNREFUSED && r != -ENOENT))
        return r;
    ags_error_clear(err);
    r = start_own_agent(path_env, p->path, r, err);
    if (r == 0 && (r = ssh_agent_list(p->path, AGENT_LIST_TIMEOUT_MS, &p->keys, err)) < 0)
        (void)ags_error_prefix(err, "ags started ssh-agent");
    return r;
}

/* The real agent: $SSH_AUTH_SOCK when it answers, else ags's own (started
 * when it does not answer either).  *ret: its socket, also when it failed
 * (the proxy asks it again for each request); *keys: what it holds. */
static int find_upstream(const struct run_ssh_opts *o, char **ret, struct ssh_agent_keys *keys,
                         struct ags_error *err)
{
    struct run_ssh_agent_probe p;
    run_ssh_agent_probe(o->getenv, o->cfg->sandbox.cache_dir.v, true, &p);
    if (p.user_error)
        run_warnf(o->cb, "%s; using ags's own ssh agent", p.user_error);
    int r = p.r;
    if (r < 0 && p.path && (r == -ECONNREFUSED || r == -ENOENT))
        r = start_own_agent_once(env_nonempty(o->getenv, "PATH"), &p, err);
    else if (r < 0)
        r = ags_error_set(err, r, "%s", p.error);
    *ret = TAKE_PTR(p.path);
    if (r == 0) {
        *keys = p.keys;
        p.keys = (struct ssh_agent_keys){0};
    }
    run_ssh_agent_probe_done(&p);
    return r;
}

/* ssh-add for each configured key the agent lacks: on the terminal, where it
 * asks for the passphrase; without one the user is told the command. */
static void add_missing_keys(const struct run_ssh *rs, const struct run_ssh_opts *o,
                             const char *upstream, const struct ssh_agent_keys *held)
{
    const char *paths[2] = {o->cfg->sandbox.auth_key.v, o->cfg->sandbox.sign_key.v};
    for (size_t i = 0; i < rs->n_keys; i++) {
        const struct ssh_pubkey *k = &rs->keys[i];
        const char *path = paths[k->purpose == SSH_KEY_AUTH ? 0 : 1];
        if (ssh_agent_keys_have(held, k))
            continue;
        if (!o->tty) {
            run_warnf(o->cb, "your %s key is not in the ssh agent, so the sandbox cannot use it; "
                             "load it with: SSH_AUTH_SOCK=%s ssh-add %s",
                      ssh_key_purpose_name(k->purpose), upstream, path);
            continue;
        }
        if (o->cb->progress) {
            _cleanup_free_ char *msg = xasprintf("adding your %s key %s to the ssh agent",
                                                 ssh_key_purpose_name(k->purpose), path);
            o->cb->progress(msg, o->cb->userdata);
        }
        _cleanup_free_ char *set = NULL;
        _cleanup_free_ char **envp = strv_env_with(environ, "SSH_AUTH_SOCK", upstream, &set);
        const char *argv[] = {"ssh-add", "--", path, NULL};
        int status = 0;
        struct ags_error e = {0};
        if (spawn_wait(env_nonempty(o->getenv, "PATH"), argv, envp, true, &status, &e) < 0)
            run_warnf(o->cb, "%s", e.msg);
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            run_warnf(o->cb, "ssh-add %s failed: the sandbox cannot use your %s key", path,
                      ssh_key_purpose_name(k->purpose));
    }
}

/* <state dir>/ssh/<session>.log (run/statelog.h): one line per request. */
static void open_log(struct run_ssh *rs, const struct run_ssh_opts *o)
{
    struct ags_error e = {0};
    const char *session = plan_label_value(o->plan->labels, PLAN_LABEL_SESSION);
    rs->log_fd = run_state_log_open(o->getenv, "ssh", session, ".log", &rs->log_path, &e);
    if (rs->log_fd < 0)
        run_warnf(o->cb, "the ssh agent's requests are not logged: %s", e.msg);
}

int run_ssh_begin(struct run_ssh *rs, const struct run_ssh_opts *o, struct ags_error *err)
{
    *rs = (struct run_ssh){.log_fd = -EBADF};
    const char *sock = o->plan->ssh_agent_sock;
    if (!sock)
        return 0;
    int r = run_session_dir_make(o->getenv, o->cfg->sandbox.cache_dir.v, sock, RUN_SSH_DIR_PREFIX,
                                 RUN_SSH_SOCK_NAME, &rs->dir, err);
    if (r < 0)
        return r;
    load_keys(rs, o->cfg, o->cb);
    _cleanup_free_ char *upstream = NULL;
    struct ssh_agent_keys held = {0};
    struct ags_error e = {0};
    /* Without a real agent the proxy still serves the socket the plan
     * mounts: it answers every request with a failure. */
    if (find_upstream(o, &upstream, &held, &e) < 0)
        run_warnf(o->cb, "the sandbox has no usable ssh agent: %s", e.msg);
    else
        add_missing_keys(rs, o, upstream, &held);
    ssh_agent_keys_done(&held);
    open_log(rs, o);
    const struct ssh_proxy_opts po = {
        .listen_path = sock,
        .upstream_path = upstream ? upstream : "/nonexistent",
        .keys = rs->keys,
        .n_keys = rs->n_keys,
        .confirm = o->cfg->ssh.confirm.v == CFG_SSH_CONFIRM_ALWAYS ? SSH_CONFIRM_ALWAYS
                                                                 : SSH_CONFIRM_NEVER,
        .approve = run_ssh_approve, /* a desktop question (run/approve.h) */
        .log_fd = rs->log_fd,
    };
    return ssh_proxy_start(&po, &rs->proxy, err);
}

void run_ssh_end(struct run_ssh *rs, const struct run_callbacks *cb)
{
    /* A signature still waiting for the user is refused now: the proxy's
     * thread, which waits for the answer, is joined next. */
    if (rs->proxy)
        notify_cancel_questions();
    ssh_proxy_stop(rs->proxy);
    rs->proxy = NULL;
    run_state_log_close(rs->log_fd, rs->log_path);
    rs->log_fd = -EBADF;
    free(rs->log_path);
    rs->log_path = NULL;
    for (size_t i = 0; i < rs->n_keys; i++)
        ssh_pubkey_done(&rs->keys[i]);
    rs->n_keys = 0;
    struct ags_error e = {0};
    if (rs->dir && stage_remove_tree(rs->dir, &e) < 0)
        run_warnf(cb, "%s (the next run removes it)", e.msg);
    free(rs->dir);
    rs->dir = NULL;
}
