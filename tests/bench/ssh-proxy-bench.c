/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-process timing of the agent proxy for tools/bench-ssh-agent.sh:
 *   ssh-proxy-bench AGENT_SOCK KEY.pub N
 * signs N SSHSIG(git) blobs with the key straight at the real agent and N
 * through an ssh_proxy in front of it (logging to a file, as a run does),
 * alternating, each over a fresh connection as ssh-keygen -Y sign makes one,
 * and prints mean, p50 and p99 of both in microseconds and what the proxy adds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "ssh/agent-proto.h"
#include "ssh/agent-server.h"
#include "ssh/pubkey.h"

#define WARMUP 20

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The data git's ssh-keygen -Y sign -n git asks an agent to sign (PROTOCOL.sshsig). */
static void sshsig_blob(struct strbuf *out)
{
    static const uint8_t hash[64] = {1, 2, 3};
    if (strbuf_append(out, "SSHSIG", 6) < 0 || agent_put_string(out, "git", 3) < 0 ||
        agent_put_string(out, "", 0) < 0 || agent_put_string(out, "sha512", 6) < 0 ||
        agent_put_string(out, hash, sizeof(hash)) < 0)
        abort();
}

/* One signature over a fresh connection: 0, or -1 when it was not a SIGN_RESPONSE. */
static int sign_once(const char *sock, const struct strbuf *frame)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, sock, strlen(sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        write_all(fd, frame->buf, frame->len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct agent_reader r;
    agent_reader_init(&r);
    int rc = 0;
    uint8_t buf[1024];
    while (rc == 0) {
        ssize_t n = read(fd, buf, sizeof(buf));
        size_t used;
        rc = n <= 0 ? -1 : agent_reader_feed(&r, buf, (size_t)n, &used, NULL);
    }
    size_t len = 0;
    const uint8_t *body = rc == 1 ? agent_reader_body(&r, &len) : NULL;
    int ok = body && agent_msg_type(body, len) == AGENT_SIGN_RESPONSE ? 0 : -1;
    agent_reader_done(&r);
    close(fd);
    return ok;
}

static void report(const char *name, double *t, uint32_t n)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof(double), cmp_double);
    printf("%-6s mean %7.1f us  p50 %7.1f us  p99 %7.1f us\n", name, sum / n, t[n / 2],
           t[(size_t)((double)n * 0.99)]);
}

int main(int argc, char **argv)
{
    uint32_t n;
    if (argc != 4 || parse_u32(argv[3], &n) < 0 || n == 0) {
        fprintf(stderr, "usage: ssh-proxy-bench AGENT_SOCK KEY.pub N\n");
        return 2;
    }
    struct ags_error err;
    struct ssh_pubkey key;
    if (ssh_pubkey_load(argv[2], SSH_KEY_SIGN, &key, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    char dir[] = "/tmp/ags-bench-ssh-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    _cleanup_free_ char *listen = xasprintf("%s/proxy.sock", dir);
    _cleanup_free_ char *log = xasprintf("%s/proxy.log", dir);
    int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct ssh_proxy_opts o = {.listen_path = listen,
                               .upstream_path = argv[1],
                               .keys = &key,
                               .n_keys = 1,
                               .log_fd = log_fd};
    struct ssh_proxy *proxy = NULL;
    if (ssh_proxy_start(&o, &proxy, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct strbuf data, frame;
    strbuf_init(&data, 4096);
    strbuf_init(&frame, 8192);
    sshsig_blob(&data);
    struct agent_sign_request req = {
            .key_blob = {key.blob, key.blob_len},
            .data = {(const uint8_t *)data.buf, data.len},
    };
    if (agent_build_sign_request(&frame, &req) < 0)
        return 1;
    double *direct = xcalloc(n, sizeof(double)), *via = xcalloc(n, sizeof(double));
    int failed = 0;
    for (uint32_t i = 0; i < WARMUP; i++)
        failed |= sign_once(argv[1], &frame) | sign_once(listen, &frame);
    for (uint32_t i = 0; i < n && !failed; i++) {
        /* Alternating which goes first spreads any drift over both. */
        for (int k = 0; k < 2; k++) {
            bool proxied = (i + (uint32_t)k) % 2;
            double t0 = now_us();
            failed |= sign_once(proxied ? listen : argv[1], &frame);
            (proxied ? via : direct)[i] = now_us() - t0;
        }
    }
    ssh_proxy_stop(proxy);
    close(log_fd);
    unlink(log);
    rmdir(dir);
    if (failed) {
        fprintf(stderr, "ssh-proxy-bench: a signature failed\n");
        return 1;
    }
    double sum_d = 0, sum_v = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum_d += direct[i];
        sum_v += via[i];
    }
    printf("%u SSHSIG(git) signatures with %s, a connection each\n", n, key.type);
    report("agent", direct, n);
    report("proxy", via, n);
    printf("added  mean %7.1f us  p50 %7.1f us per signature\n", (sum_v - sum_d) / n,
           via[n / 2] - direct[n / 2]);
    free(direct);
    free(via);
    strbuf_done(&data);
    strbuf_done(&frame);
    ssh_pubkey_done(&key);
    return 0;
}
