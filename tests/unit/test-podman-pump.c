/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output filter hook of the attach/exec pump (podman/io.c) over a real
 * socket pair: a TTY stream goes through out_filter, non-TTY frames through
 * the filter of their own fd only, input longer than the pump's buffer is
 * filtered in pieces with the filter's state kept, podman_check_io
 * refuses a filter without a function or with too much slack, and stdout
 * beyond out_max ends the run with -EFBIG (stderr does not count).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "podman/io.h"
#include "base/ttysession.h"

/* Drops every 'x'; counts its calls and the largest input it was given. */
struct drop_x {
    size_t calls, largest;
};

static size_t drop_x(void *state, const char *in, size_t n, char *out)
{
    struct drop_x *d = state;
    d->calls++;
    if (n > d->largest)
        d->largest = n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i] != 'x')
            out[k++] = in[i];
    return k;
}

static int tmp_fd(void)
{
    int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    return fd;
}

static size_t read_back(int fd, char *buf, size_t size)
{
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    ssize_t n = read(fd, buf, size);
    assert_true(n >= 0);
    return (size_t)n;
}

/* Pumps `stream` (sent by the peer, then closed) and `pending` into io;
 * the pump's result. */
static int pump_r(const struct podman_io *io, const char *stream, size_t n, const char *pending,
                  size_t n_pending)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(write(sv[1], stream, n), (ssize_t)n);
    close(sv[1]);
    struct tty_session session = TTY_SESSION_INIT;
    struct ags_error err = {0};
    assert_int_equal(tty_session_begin(&session, io->in_fd, io->tty, &err), 0);
    struct podman_pump p = {.sock = sv[0],
                            .pending = pending,
                            .n_pending = n_pending,
                            .io = io,
                            .session = &session};
    bool detach = true;
    int r = podman_pump_run(&p, &detach, &err);
    tty_session_end(&session);
    close(sv[0]);
    if (r == 0)
        assert_false(detach);
    return r;
}

static void pump(const struct podman_io *io, const char *stream, size_t n, const char *pending,
                 size_t n_pending)
{
    assert_int_equal(pump_r(io, stream, n, pending, n_pending), 0);
}

/* Two stdout frames of 4 bytes around a stderr frame of 8. */
static const char out_frames[] = "\1\0\0\0\0\0\0\4"
                                 "abcd"
                                 "\2\0\0\0\0\0\0\10"
                                 "errerrer"
                                 "\1\0\0\0\0\0\0\4"
                                 "efgh";

static void test_stdout_beyond_out_max_ends_the_run(void **state)
{
    (void)state;
    int out = tmp_fd(), errfd = tmp_fd();
    struct podman_io io = {.in_fd = -1, .out_fd = out, .err_fd = errfd, .out_max = 7};
    assert_int_equal(pump_r(&io, out_frames, sizeof(out_frames) - 1, NULL, 0), -EFBIG);
    char buf[64];
    /* Nothing of the frame that crossed the bound is written. */
    assert_int_equal(read_back(out, buf, sizeof(buf)), 4);
    assert_int_equal(read_back(errfd, buf, sizeof(buf)), 8);
    close(out);
    close(errfd);
}

static void test_stdout_of_exactly_out_max_passes(void **state)
{
    (void)state;
    int out = tmp_fd(), errfd = tmp_fd();
    struct podman_io io = {.in_fd = -1, .out_fd = out, .err_fd = errfd, .out_max = 8};
    pump(&io, out_frames, sizeof(out_frames) - 1, NULL, 0);
    char buf[64];
    assert_int_equal(read_back(out, buf, sizeof(buf)), 8);
    assert_memory_equal(buf, "abcdefgh", 8);
    close(out);
    close(errfd);
}

static void test_tty_stream_goes_through_the_out_filter(void **state)
{
    (void)state;
    struct drop_x d = {0};
    struct output_filter f = {.filter = drop_x, .state = &d};
    int out = tmp_fd();
    struct podman_io io = {.in_fd = -1, .out_fd = out, .err_fd = -1, .tty = true, .out_filter = &f};
    pump(&io, "bxc", 3, "ax", 2);
    char buf[64];
    size_t n = read_back(out, buf, sizeof(buf));
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "abc", 3);
    assert_true(d.calls >= 2);
    close(out);
}

static void test_frames_go_through_the_filter_of_their_own_fd(void **state)
{
    (void)state;
    struct drop_x d = {0};
    struct output_filter f = {.filter = drop_x, .state = &d};
    int out = tmp_fd(), errfd = tmp_fd();
    struct podman_io io = {.in_fd = -1, .out_fd = out, .err_fd = errfd, .err_filter = &f};
    static const char frames[] = "\1\0\0\0\0\0\0\2"
                                 "1x"
                                 "\2\0\0\0\0\0\0\2"
                                 "2x";
    pump(&io, frames, sizeof(frames) - 1, NULL, 0);
    char buf[64];
    size_t n = read_back(out, buf, sizeof(buf));
    assert_int_equal(n, 2);
    assert_memory_equal(buf, "1x", 2);
    n = read_back(errfd, buf, sizeof(buf));
    assert_int_equal(n, 1);
    assert_memory_equal(buf, "2", 1);
    close(out);
    close(errfd);
}

static void test_long_input_is_filtered_in_pieces(void **state)
{
    (void)state;
    const size_t len = 300u * 1024u;
    char *in = malloc(len), *buf = malloc(len);
    assert_non_null(in);
    assert_non_null(buf);
    for (size_t i = 0; i < len; i++)
        in[i] = i % 2 ? 'x' : (char)('a' + i % 26);
    struct drop_x d = {0};
    struct output_filter f = {.filter = drop_x, .state = &d};
    int out = tmp_fd();
    struct podman_io io = {.in_fd = -1, .out_fd = out, .err_fd = -1, .tty = true, .out_filter = &f};
    pump(&io, "", 0, in, len);
    size_t n = read_back(out, buf, len);
    assert_int_equal(n, len / 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(buf[i], 'a' + (2 * i) % 26);
    assert_true(d.calls > 1);
    assert_true(d.largest < len);
    free(in);
    free(buf);
    close(out);
}

static void test_check_io_refuses_bad_filters(void **state)
{
    (void)state;
    struct drop_x d = {0};
    struct output_filter no_fn = {.state = &d};
    struct output_filter big = {.filter = drop_x, .slack = OUTPUT_FILTER_SLACK_MAX + 1};
    struct output_filter ok = {.filter = drop_x, .slack = OUTPUT_FILTER_SLACK_MAX};
    struct podman_io io = {.in_fd = -1, .out_fd = 1, .err_fd = 2, .out_filter = &no_fn};
    struct ags_error err = {0};
    assert_int_equal(podman_check_io(&io, &err), -EINVAL);
    io.out_filter = &ok;
    io.err_filter = &big;
    assert_int_equal(podman_check_io(&io, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "slack"));
    io.err_filter = &ok;
    assert_int_equal(podman_check_io(&io, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tty_stream_goes_through_the_out_filter),
            cmocka_unit_test(test_frames_go_through_the_filter_of_their_own_fd),
            cmocka_unit_test(test_long_input_is_filtered_in_pieces),
            cmocka_unit_test(test_check_io_refuses_bad_filters),
        cmocka_unit_test(test_stdout_beyond_out_max_ends_the_run),
        cmocka_unit_test(test_stdout_of_exactly_out_max_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
