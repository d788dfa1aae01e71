/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Real OpenSSH for the ssh tests (ssh-tools.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "ssh-tools.h"

char ssh_test_dir[] = "/tmp/ags-test-ssh-XXXXXX";

char *path_in(const char *name)
{
    return xasprintf("%s/%s", ssh_test_dir, name);
}

void ssh_test_dir_make(void)
{
    assert_non_null(mkdtemp(ssh_test_dir));
    char *askpass = path_in("askpass");
    assert_int_equal(write_file_atomic(askpass, "#!/bin/sh\necho pw\n", 18, 0700, NULL), 0);
    free(askpass);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int ssh_test_dir_remove(void)
{
    return nftw(ssh_test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void redirect(const char *path, int fd, int flags)
{
    int f = open(path ? path : "/dev/null", flags | O_CLOEXEC, 0600);
    if (f < 0 || dup2(f, fd) < 0)
        _exit(126);
}

pid_t start(char *const argv[], const struct child_io *io)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (io->sock)
            setenv("SSH_AUTH_SOCK", io->sock, 1);
        else
            unsetenv("SSH_AUTH_SOCK");
        char *askpass = path_in("askpass");
        setenv("SSH_ASKPASS", askpass, 1);
        setenv("SSH_ASKPASS_REQUIRE", "force", 1);
        redirect(io->in, 0, O_RDONLY);
        redirect(io->out, 1, O_WRONLY | O_CREAT | O_TRUNC);
        /* stderr stays: ctest shows what the tools said when a test fails. */
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int wait_status(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int run(char *const argv[], const struct child_io *io)
{
    return wait_status(start(argv, io));
}

int connect_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

void keygen(const char *name, const char *type, const char *comment)
{
    char *path = path_in(name);
    char *argv[] = {MUT("ssh-keygen"), MUT("-q"),    MUT("-t"), MUT(type), MUT("-N"), MUT(""),
                    MUT("-C"),         MUT(comment), MUT("-f"), path,      NULL};
    struct child_io io = {0};
    assert_int_equal(run(argv, &io), 0);
    free(path);
}

void agent_add(const char *sock, const char *name)
{
    char *path = path_in(name);
    char *argv[] = {MUT("ssh-add"), MUT("-q"), path, NULL};
    struct child_io io = {.sock = sock};
    assert_int_equal(run(argv, &io), 0);
    free(path);
}

pid_t start_agent(const char *sock)
{
    char *argv[] = {MUT("ssh-agent"), MUT("-D"), MUT("-a"), MUT(sock), NULL};
    struct child_io io = {0};
    pid_t pid = start(argv, &io);
    struct stat st = {0};
    for (int i = 0; i < 500 && stat(sock, &st) < 0; i++)
        usleep(10000);
    assert_true(S_ISSOCK(st.st_mode));
    return pid;
}

void pub_only(const char *name)
{
    _cleanup_free_ char *from = path_in(name), *dir = path_in("pub"), *to = NULL;
    _cleanup_free_ char *src = xasprintf("%s.pub", from), *text = NULL;
    size_t len;
    to = xasprintf("%s/%s.pub", dir, name);
    (void)mkdir(dir, 0700);
    assert_int_equal(read_file_bounded(src, 65536, &text, &len, NULL), 0);
    assert_int_equal(write_file_atomic(to, text, len, 0600, NULL), 0);
}

char *slurp(const char *name)
{
    _cleanup_free_ char *path = path_in(name);
    char *text = NULL;
    size_t len;
    assert_int_equal(read_file_bounded(path, 1u << 20, &text, &len, NULL), 0);
    return text;
}

size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

char *key_words(const char *pub_name)
{
    char *text = slurp(pub_name);
    size_t first = strcspn(text, " ");
    assert_int_equal(text[first], ' ');
    size_t second = first + 1 + strcspn(text + first + 1, " ");
    assert_int_equal(text[second], ' ');
    text[second] = '\0';
    return text;
}

void ssh_fixture_up(struct ssh_fixture *f)
{
    ssh_test_dir_make();
    keygen("auth", "ed25519", "ags-agent-auth");
    keygen("sign", "ed25519", "ags-agent-signing");
    keygen("other", "ecdsa", "someone's other key");
    keygen("extra", "ed25519", "a key the sandbox made");
    pub_only("auth");
    pub_only("sign");
    f->agent_sock = path_in("agent.sock");
    f->agent_pid = start_agent(f->agent_sock);
    agent_add(f->agent_sock, "auth");
    agent_add(f->agent_sock, "sign");
    agent_add(f->agent_sock, "other");
    _cleanup_free_ char *auth = path_in("auth.pub"), *sign = path_in("sign.pub");
    assert_int_equal(ssh_pubkey_load(auth, SSH_KEY_AUTH, &f->keys[0], NULL), 0);
    assert_int_equal(ssh_pubkey_load(sign, SSH_KEY_SIGN, &f->keys[1], NULL), 0);
}

int ssh_fixture_down(struct ssh_fixture *f)
{
    if (f->agent_pid > 0) {
        kill(f->agent_pid, SIGTERM);
        (void)waitpid(f->agent_pid, NULL, 0);
    }
    ssh_pubkey_done(&f->keys[0]);
    ssh_pubkey_done(&f->keys[1]);
    free(f->agent_sock);
    return ssh_test_dir_remove();
}

size_t assert_log_shape(const char *text)
{
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z "
                             "pid=([1-9][0-9]*|[?]) ((allowed|refused|failed|dropped) "
                             "(SSH_AGENTC_[A-Z_]+|message type [0-9]+|empty message|connection)"
                             "( key=[ -~]+ [(](auth|signing)[)])?|log truncated): [ -~]+$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    _cleanup_free_ char *copy = xstrdup(text);
    size_t lines = 0;
    for (char *line = copy, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        if (regexec(&re, line, 0, NULL, 0) != 0)
            fail_msg("log line of another shape: %s", line);
        lines++;
    }
    regfree(&re);
    return lines;
}

struct ssh_proxy_opts ssh_fixture_proxy_opts(const struct ssh_fixture *f, const char *sock,
                                             int log_fd)
{
    return (struct ssh_proxy_opts){
            .listen_path = sock,
            .upstream_path = f->agent_sock,
            .keys = f->keys,
            .n_keys = 2,
            .confirm = SSH_CONFIRM_NEVER,
            .log_fd = log_fd,
    };
}

struct ssh_proxy *ssh_fixture_proxy_up(const struct ssh_proxy_opts *o)
{
    struct ssh_proxy *p = NULL;
    struct ags_error err = {0};
    if (ssh_proxy_start(o, &p, &err) < 0)
        fail_msg("ssh_proxy_start: %s", err.msg);
    return p;
}

int log_open(const char *name, char **ret_path)
{
    *ret_path = path_in(name);
    int fd = open(*ret_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    return fd;
}
