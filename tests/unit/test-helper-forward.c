/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ags-helper forward` (src/helper/forward.c), the built static helper run
 * for real: it listens on 127.0.0.1:PORT before its parent exits (a
 * connection right after needs no retry), relays each connection both ways
 * and half-close aware to a fresh connection to a unix socket (an echo
 * server played here), and refuses an address it cannot listen on with a
 * message and a non-zero status.  This test is the forwarder's subreaper,
 * so it finds and ends the daemon it started.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS 10000 /* a bound for each step, never a sleep */

struct fixture {
    char dir[64], sock[128];
    int lfd;
    uint16_t port;
};

/* A port nothing listens on now (the kernel's pick, released). */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/ags-forward-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/egress.sock", f->dir);
    f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, f->sock);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(f->lfd, 4), 0);
    f->port = free_port();
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    *state = f;
    return 0;
}

/* Our children: the forwarder daemon and its relays, reparented to us. */
static void end_children(void)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *fp = fopen(path, "re");
        if (!fp)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        const char *close_paren = strrchr(buf, ')');
        int ppid = 0;
        char st;
        if (close_paren && sscanf(close_paren + 1, " %c %d", &st, &ppid) == 2 && ppid == getpid())
            kill(atoi(e->d_name), SIGKILL);
    }
    closedir(d);
    while (waitpid(-1, NULL, 0) > 0)
        ;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    end_children();
    close(f->lfd);
    unlink(f->sock);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs the helper to its exit: its status; its stderr in err. */
static int run_forward(const char *listen, const char *sock, char *err, size_t size)
{
    int pipefd[2];
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 2);
        /* sock NULL: one operand only */
        execl(AGS_HELPER_PATH, "ags-helper", "forward", listen, sock, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    ssize_t n = read(pipefd[0], err, size - 1);
    err[n > 0 ? n : 0] = '\0';
    close(pipefd[0]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
}

static void test_forward_listens_before_exiting_and_relays_both_ways(void **state)
{
    struct fixture *f = *state;
    char listen_addr[32], err[256];
    snprintf(listen_addr, sizeof(listen_addr), "127.0.0.1:%u", f->port);
    assert_int_equal(run_forward(listen_addr, f->sock, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    /* No retry: the parent is gone, so the port listens. */
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(f->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(c, "CONNECT x:1 HTTP/1.1\r\n\r\n", 24, MSG_NOSIGNAL), 24);
    assert_int_equal(shutdown(c, SHUT_WR), 0);
    /* The host's end: everything up to the client's EOF, then an answer and its EOF. */
    wait_readable(f->lfd);
    int h = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(h >= 0);
    char got[64] = "";
    size_t len = 0;
    for (;;) {
        wait_readable(h);
        ssize_t n = read(h, got + len, sizeof(got) - 1 - len);
        assert_true(n >= 0);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    got[len] = '\0';
    assert_string_equal(got, "CONNECT x:1 HTTP/1.1\r\n\r\n");
    assert_int_equal(send(h, "HTTP/1.1 403 Forbidden\r\n\r\nno", 28, MSG_NOSIGNAL), 28);
    close(h);
    char back[64];
    len = 0;
    for (;;) {
        wait_readable(c);
        ssize_t n = read(c, back + len, sizeof(back) - 1 - len);
        assert_true(n >= 0);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    back[len] = '\0';
    assert_string_equal(back, "HTTP/1.1 403 Forbidden\r\n\r\nno");
    close(c);
}

static void test_forward_fails_when_it_cannot_listen(void **state)
{
    struct fixture *f = *state;
    char err[256];
    /* Not an address of this host. */
    assert_int_equal(run_forward("192.0.2.1:3128", f->sock, err, sizeof(err)), 1);
    assert_non_null(strstr(err, "ags-helper forward: cannot listen on 192.0.2.1:3128"));
    assert_int_equal(run_forward("localhost:3128", f->sock, err, sizeof(err)), 1);
    assert_non_null(strstr(err, "an IP address and port are needed"));
    assert_int_equal(run_forward("127.0.0.1", f->sock, err, sizeof(err)), 1);
    assert_int_equal(run_forward("127.0.0.1:3128", NULL, err, sizeof(err)), 2); /* usage */
    assert_non_null(strstr(err, "usage: ags-helper forward LISTEN_ADDR:PORT SOCKET_PATH"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_forward_listens_before_exiting_and_relays_both_ways,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_forward_fails_when_it_cannot_listen, setup,
                                            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
