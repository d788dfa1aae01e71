/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `forward LISTEN_ADDR:PORT SOCKET_PATH`: the sandbox's end of the egress
 * proxy.  Listens on a TCP address in the sandbox (127.0.0.1:3128, where
 * HTTP(S)_PROXY point) and relays each connection, unread, to a fresh
 * connection to the host's proxy socket mounted at SOCKET_PATH.  The parent
 * returns once the socket listens, so `ags-helper forward ... && exec
 * agent` never races; the forwarder lives on in its own session until the
 * sandbox ends.  One process per connection, at most
 * AGS_FORWARD_MAX_CONNECTIONS at once (beyond: closed at once).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/hostport.h"
#include "base/limits.h"
#include "base/relay.h"
#include "helper/helper.h"
#include "base/banned.h"

/* A relay with no byte either way for this long is closed (the host's proxy closes its end
 * after 10 minutes too). */
#define FORWARD_IDLE_MS (15 * 60 * 1000)
/* How often the accept loop wakes to reap finished relays. */
#define FORWARD_REAP_MS 1000

static int listen_on(const char *addr, struct ags_error *err)
{
    struct host_port hp;
    int r = host_port_parse(addr, strlen(addr), 0, &hp, err);
    if (r < 0)
        return r;
    if (!hp.ip_literal)
        return ags_error_set(err, -EINVAL, "'%s': an IP address and port are needed", addr);
    struct sockaddr_storage ss = {0};
    socklen_t len;
    bool v6 = hp.host[0] == '[';
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        hp.host[strlen(hp.host) - 1] = '\0';
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(hp.port);
        (void)inet_pton(AF_INET6, hp.host + 1, &s6->sin6_addr);
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(hp.port);
        (void)inet_pton(AF_INET, hp.host, &s4->sin_addr);
        len = sizeof(*s4);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ags_error_set(err, -e, "cannot listen on %s: %s", addr, strerror(e));
    }
    return fd;
}

/* One connection's process: the relay to a fresh connection to the host's socket. */
static _noreturn_ void relay_one(int client, const char *socket_path)
{
    int host = helper_connect_unix(socket_path);
    if (host < 0)
        _exit(HELPER_EXIT_FAILED);
    struct relay_counts c;
    int r = relay_fds(client, host, -1, FORWARD_IDLE_MS, &c);
    _exit(r < 0 ? HELPER_EXIT_FAILED : HELPER_EXIT_OK);
}

static unsigned reap(unsigned running)
{
    while (running > 0 && waitpid(-1, NULL, WNOHANG) > 0)
        running--;
    return running;
}

static _noreturn_ void serve(int lfd, const char *socket_path)
{
    unsigned running = 0;
    for (;;) {
        running = reap(running);
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, FORWARD_REAP_MS) <= 0)
            continue;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                (void)poll(NULL, 0, 100);
            continue;
        }
        pid_t pid = running < AGS_FORWARD_MAX_CONNECTIONS ? fork() : -1;
        if (pid == 0) {
            close(lfd);
            relay_one(fd, socket_path);
        }
        if (pid > 0)
            running++;
        close(fd);
    }
}

/* The forwarder leaves the sandbox's session and stdio: the entrypoint goes on to exec the
 * agent, whose terminal it must not hold or write to. */
static void detach(void)
{
    (void)setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        for (int fd = 0; fd < 3; fd++)
            (void)dup2(null, fd);
        if (null > 2)
            close(null);
    }
    (void)signal(SIGPIPE, SIG_IGN);
    (void)signal(SIGHUP, SIG_IGN);
}

int helper_forward(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: ags-helper forward LISTEN_ADDR:PORT SOCKET_PATH\n", stderr);
        return HELPER_EXIT_USAGE;
    }
    struct ags_error err = {0};
    int lfd = listen_on(argv[0], &err);
    if (lfd < 0) {
        fprintf(stderr, "ags-helper forward: %s\n", err.msg);
        return HELPER_EXIT_FAILED;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "ags-helper forward: cannot fork: %s\n", strerror(errno));
        return HELPER_EXIT_FAILED;
    }
    if (pid > 0)
        return HELPER_EXIT_OK; /* the socket listens already: connections wait in its queue */
    detach();
    serve(lfd, argv[1]);
}
