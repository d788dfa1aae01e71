/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/base64.h"
#include "base/error.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/sha1.h"
#include "base/sha256.h"
#include "base/signals.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/termesc.h"
#include "base/utf8.h"

static void test_sha256_matches_fips_180_vectors(void **state)
{
    (void)state;
    char hex[SHA256_HEX_SIZE];
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two_blocks, sizeof(two_blocks) - 1, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void hex_of(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        (void)snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180 examples, and a message of a million bytes (many blocks). */
static void test_sha1_matches_fips_180_vectors(void **state)
{
    (void)state;
    uint8_t d[SHA1_DIGEST_SIZE];
    char hex[2 * SHA1_DIGEST_SIZE + 1];
    sha1("", 0, d);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sha1("abc", 3, d);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha1(two_blocks, sizeof(two_blocks) - 1, d);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    char *million = malloc(1000000);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    sha1(million, 1000000, d);
    free(million);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* RFC 2202 test cases 1, 2 and 6 (a key longer than a block is hashed first). */
static void test_hmac_sha1_matches_rfc_2202_vectors(void **state)
{
    (void)state;
    uint8_t key[80], d[SHA1_DIGEST_SIZE];
    char hex[2 * SHA1_DIGEST_SIZE + 1];
    memset(key, 0x0b, 20);
    hmac_sha1(key, 20, "Hi There", 8, d);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
    hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, d);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    memset(key, 0xaa, sizeof(key));
    static const char msg[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_sha1(key, sizeof(key), msg, sizeof(msg) - 1, d);
    hex_of(d, sizeof(d), hex);
    assert_string_equal(hex, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

/* Pieces of every size across block boundaries give the one-shot digest. */
static void test_sha256_in_pieces_equals_the_one_shot_digest(void **state)
{
    (void)state;
    char data[300];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7 + 3);
    char want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
    sha256_hex(data, sizeof(data), want);
    for (size_t piece = 1; piece <= 130; piece++) {
        struct sha256_ctx c;
        sha256_init(&c);
        for (size_t off = 0; off < sizeof(data); off += piece)
            sha256_update(&c, data + off, off + piece > sizeof(data) ? sizeof(data) - off : piece);
        uint8_t d[SHA256_DIGEST_SIZE];
        sha256_final(&c, d);
        sha256_hex_of(d, got);
        assert_string_equal(got, want);
    }
}

static void test_strbuf_refuses_to_grow_past_its_cap(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 5);
    assert_int_equal(strbuf_appends(&sb, "abc"), 0);
    assert_int_equal(strbuf_appends(&sb, "def"), -E2BIG);
    assert_string_equal(sb.buf, "abc");
    assert_int_equal(strbuf_appends(&sb, "de"), 0);
    assert_int_equal(strbuf_appendc(&sb, 'x'), -E2BIG);
    assert_string_equal(sb.buf, "abcde");
    strbuf_done(&sb);
}

static void test_parse_u32_rejects_signs_spaces_garbage_and_overflow(void **state)
{
    (void)state;
    uint32_t v = 7;
    assert_int_equal(parse_u32("4294967295", &v), 0);
    assert_int_equal(v, 4294967295u);
    assert_int_equal(parse_u32("4294967296", &v), -ERANGE);
    assert_int_equal(parse_u32("-1", &v), -EINVAL);
    assert_int_equal(parse_u32(" 1", &v), -EINVAL);
    assert_int_equal(parse_u32("1x", &v), -EINVAL);
    assert_int_equal(parse_u32("", &v), -EINVAL);
    uint16_t port;
    assert_int_equal(parse_port("0", &port), -ERANGE);
    assert_int_equal(parse_port("65535", &port), 0);
    assert_int_equal(port, 65535);
}

static void test_parse_size_takes_binary_units_and_refuses_the_ambiguous(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(parse_size("512MiB", &v), 0);
    assert_int_equal(v, 512ull << 20);
    assert_int_equal(parse_size("4G", &v), 0);
    assert_int_equal(v, 4ull << 30);
    assert_int_equal(parse_size("1000", &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(parse_size("3B", &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(parse_size("2TiB", &v), 0);
    assert_int_equal(v, 2ull << 40);
    v = 7;
    assert_int_equal(parse_size("1MB", &v), -EINVAL); /* 1000 or 1024? */
    assert_int_equal(parse_size("1 MiB", &v), -EINVAL);
    assert_int_equal(parse_size("1mib", &v), -EINVAL);
    assert_int_equal(parse_size("MiB", &v), -EINVAL);
    assert_int_equal(parse_size("-1", &v), -EINVAL);
    assert_int_equal(parse_size("", &v), -EINVAL);
    assert_int_equal(parse_size("16777216TiB", &v), -ERANGE); /* 2^64 */
    assert_int_equal(parse_size("18446744073709551616", &v), -ERANGE);
    assert_int_equal(parse_size("99999999999999999999999", &v), -ERANGE);
    assert_int_equal(v, 7);
    assert_int_equal(parse_size("16777215TiB", &v), 0);
}

static void test_size_text_reads_back_through_parse_size(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {1, 1000, 1024, 4ull << 30, (1ull << 30) + 1, 3ull << 40,
                                     5ull << 50, UINT64_MAX};
    static const char *const texts[] = {"1B", "1000B", "1KiB", "4GiB", "1073741825B", "3TiB",
                                        "5120TiB", "18446744073709551615B"};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char text[SIZE_TEXT_MAX];
        size_text(sizes[i], text);
        assert_string_equal(text, texts[i]);
        uint64_t back = 0;
        assert_int_equal(parse_size(text, &back), 0);
        assert_true(back == sizes[i]);
    }
}

static void test_error_prefix_keeps_the_root_cause_after_the_context(void **state)
{
    (void)state;
    struct ags_error err;
    assert_int_equal(ags_error_set(&err, ENOENT, "no such file"), -ENOENT);
    assert_int_equal(ags_error_prefix(&err, "loading '%s'", "x.toml"), -ENOENT);
    assert_string_equal(err.msg, "loading 'x.toml': no such file");
    assert_int_equal(ags_error_set(NULL, -EIO, "ignored"), -EIO);
}

static void test_edit_distance_finds_typos_and_caps_early(void **state)
{
    (void)state;
    assert_int_equal(str_edit_distance("image", "imgae", 10), 2);
    assert_int_equal(str_edit_distance("pasthrough_env", "passthrough_env", 10), 1);
    assert_int_equal(str_edit_distance("a", "abcdefgh", 3), 4);
}

static void test_json_string_escapes_controls_quotes_and_nul(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1024);
    assert_int_equal(json_append_string(&sb, "a\"b\\c\n\x01\0z", 9), 0);
    assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\n\\u0001\\u0000z\"");
    strbuf_done(&sb);
}

/* Outside text (a file name an agent chose) never makes invalid JSON nor
 * carries what a terminal acts on: invalid UTF-8 -> U+FFFD, C1 (CSI), bidi
 * override and line separator -> \uXXXX; other UTF-8 passes as it is. */
static void test_json_string_stays_valid_utf8_and_escapes_c1_and_bidi(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1024);
    const char in[] = "x\xff\xc2\x9b" "31m\xe2\x80\xae" "Z\xe2\x80\xa8\xc3\xa9\xc2";
    assert_int_equal(json_append_string(&sb, in, sizeof(in) - 1), 0);
    assert_string_equal(sb.buf, "\"x\\ufffd\\u009b31m\\u202eZ\\u2028\xc3\xa9\\ufffd\"");
    assert_true(utf8_valid(sb.buf, sb.len));
    strbuf_done(&sb);
}

static void test_term_escape_shows_controls_c1_bidi_and_invalid_utf8(void **state)
{
    (void)state;
    static const char in[] = "a\tb\x01" "c\r\x7f" "d\xc2\x9b" "e\xe2\x80\xae" "f\xe2\x81\xa6"
                             "g\xe2\x80\x8f" "h\xff" "i\xc0\xaf" "j\xc3\xa9 \\x1b\n"
                             "k\xe2\x80";
    struct strbuf sb;
    strbuf_init(&sb, 4096);
    assert_int_equal(term_escape(&sb, in, sizeof(in) - 1), 0);
    assert_string_equal(sb.buf, "a\tb\\x01c\\x0d\\x7fd\\u{9b}e\\u{202e}f\\u{2066}g\\u{200f}h\\xff"
                                "i\\xc0\\xafj\xc3\xa9 \\x1b\nk\\xe2\\x80");
    strbuf_done(&sb);
    char *s = term_escape_str("\xc2\x9b" "2J");
    assert_string_equal(s, "\\u{9b}2J");
    free(s);
}

static void test_strv_builder_stays_null_terminated_and_steals_an_empty_vector(void **state)
{
    (void)state;
    struct strv_builder s = {0};
    char **empty = strv_builder_steal(&s);
    assert_non_null(empty);
    assert_null(empty[0]);
    assert_true(strv_empty((const char *const *)empty));
    strv_free(empty);
    for (int i = 0; i < 100; i++)
        strv_builder_push(&s, xasprintf("%d", i));
    assert_int_equal(s.n, 100);
    assert_string_equal(s.v[99], "99");
    assert_null(s.v[100]);
    assert_int_equal(strv_len(s.v), 100);
    strv_builder_done(&s);
    assert_null(s.v);
    assert_int_equal(s.n, 0);
    strv_free(NULL);
}

static void test_strv_env_with_replaces_only_the_named_variable(void **state)
{
    (void)state;
    char *env[] = {(char *)(uintptr_t)"A=1", (char *)(uintptr_t)"SSH_AUTH_SOCK=/old",
                   (char *)(uintptr_t)"SSH_AUTH_SOCKET=keep", NULL};
    char *own = NULL;
    _cleanup_free_ char **v = strv_env_with(env, "SSH_AUTH_SOCK", "/new", &own);
    assert_int_equal(strv_len(v), 3);
    assert_string_equal(v[0], "A=1");
    assert_string_equal(v[1], "SSH_AUTH_SOCKET=keep"); /* a longer name is another variable */
    assert_string_equal(v[2], "SSH_AUTH_SOCK=/new");
    assert_ptr_equal(v[2], own);
    free(own);
}

static void test_strv_new_copies_and_len_counts_to_the_null(void **state)
{
    (void)state;
    char arg[] = "b";
    _cleanup_strv_free_ char **v = strv_new(3, "a", arg, "");
    arg[0] = 'x'; /* a copy, not the caller's storage */
    assert_int_equal(strv_len(v), 3);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "b");
    assert_string_equal(v[2], "");
    assert_null(v[3]);
    assert_false(strv_empty((const char *const *)v));
    assert_int_equal(strv_len(NULL), 0);
    assert_true(strv_empty(NULL));
    /* strv_free_n stops at n: freeing the literal past it would crash under ASan. */
    char **counted = xcalloc(3, sizeof(char *));
    counted[0] = xstrdup("owned");
    counted[1] = arg;
    strv_free_n(counted, 1);
    strv_free_n(NULL, 3);
}

static volatile sig_atomic_t g_caught;

static void note_signal(int sig)
{
    g_caught = sig;
}

static void other_handler(int sig)
{
    (void)sig;
}

static void (*handler_of(int sig))(int)
{
    struct sigaction sa;
    assert_int_equal(sigaction(sig, NULL, &sa), 0);
    return sa.sa_handler;
}

/* A private directory: made 0700, a loose one of ours tightened, a symlink
 * or a file in its place refused. */
static void test_mkdir_private_makes_tightens_and_refuses(void **state)
{
    (void)state;
    char dir[] = "/tmp/ags-test-private-XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *made = xasprintf("%s/made", dir);
    _cleanup_free_ char *loose = xasprintf("%s/loose", dir);
    _cleanup_free_ char *link = xasprintf("%s/link", dir);
    _cleanup_free_ char *file = xasprintf("%s/file", dir);
    struct stat st;
    assert_int_equal(mkdir_private(made, NULL), 0);
    assert_int_equal(lstat(made, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(mkdir(loose, 0755), 0);
    assert_int_equal(mkdir_private(loose, NULL), 0);
    assert_int_equal(lstat(loose, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(symlink(made, link), 0);
    struct ags_error err = {0};
    assert_int_equal(mkdir_private(link, &err), -EPERM);
    assert_non_null(strstr(err.msg, "not a directory of yours"));
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    (void)fclose(f);
    assert_int_equal(mkdir_private(file, NULL), -EPERM);
    (void)unlink(file);
    (void)unlink(link);
    (void)rmdir(loose);
    (void)rmdir(made);
    (void)rmdir(dir);
}

/* A lock another holder keeps is refused after the wait; released, taken. */
static void test_lockfile_take_waits_then_gives_up(void **state)
{
    (void)state;
    char dir[] = "/tmp/ags-test-lock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *path = xasprintf("%s/lock", dir);
    int a = -1, b = -1;
    assert_int_equal(lockfile_take(path, 0, &a, NULL), 0);
    struct ags_error err = {0};
    assert_int_equal(lockfile_take(path, 100, &b, &err), -ETIMEDOUT);
    assert_non_null(strstr(err.msg, "another ags has held"));
    (void)close(a);
    assert_int_equal(lockfile_take(path, 100, &b, NULL), 0);
    (void)close(b);
    (void)unlink(path);
    (void)rmdir(dir);
}

/* Files ags builds from or runs are taken only when nobody but root and us
 * can change them or any directory above them. */
static void test_trusted_realpath_refuses_what_another_user_could_change(void **state)
{
    (void)state;
    char dir[] = "/tmp/ags-test-trust-XXXXXX"; /* /tmp: sticky, root's */
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *sub = xasprintf("%s/containerfile", dir);
    _cleanup_free_ char *file = xasprintf("%s/Containerfile", sub);
    assert_int_equal(mkdir(sub, 0755), 0);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    (void)fclose(f);

    _cleanup_free_ char *ok = trusted_realpath(file);
    assert_non_null(ok);
    assert_string_equal(ok, file);

    assert_int_equal(chmod(sub, 0777), 0); /* anyone may swap the file */
    assert_null(trusted_realpath(file));
    assert_int_equal(chmod(sub, 01777), 0); /* sticky: others' own files only */
    _cleanup_free_ char *sticky = trusted_realpath(file);
    assert_non_null(sticky);
    assert_int_equal(chmod(sub, 0755), 0);
    if (geteuid() == 0) { /* a directory another user owns */
        assert_int_equal(chown(sub, 65534, 65534), 0);
        assert_null(trusted_realpath(file));
        assert_int_equal(chown(sub, 0, 0), 0);
    }
    _cleanup_free_ char *absent = xasprintf("%s/nothing", dir);
    assert_null(trusted_realpath(absent));

    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Runs body in a child; returns what it wrote to the pipe whose write end
 * it got (up to 7 bytes) and its exit status. */
static int in_child(void (*body)(int fd), char out[8], int *status)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        (void)close(p[0]);
        body(p[1]);
        _exit(0);
    }
    (void)close(p[1]);
    memset(out, 0, 8);
    ssize_t n = read(p[0], out, 7);
    (void)close(p[0]);
    assert_int_equal(waitpid(pid, status, 0), pid);
    return (int)n;
}

/* close_range refused (an old kernel: ENOSYS; a container runtime's seccomp
 * profile that predates it: EPERM): the descriptor that should have been
 * closed is still open when fds_detach returns. */
static void detach_under_no_close_range(int fd)
{
    int leak = dup2(fd, 20); /* not close-on-exec: a starter's pipe or lock */
    int keep = open("/dev/null", O_WRONLY | O_CLOEXEC);
    struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    (void)close(fd);
    if (leak != 20 || keep < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        _exit(2);
    (void)fds_detach(keep, 3);
    (void)!write(20, "leaked", 6);
}

static void test_fds_detach_never_returns_with_descriptors_left_open(void **state)
{
    (void)state;
    char out[8];
    int status = 0;
    assert_int_equal(in_child(detach_under_no_close_range, out, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
}

/* A starter whose stdin was closed (`ags ps <&-`) gets its report pipe at
 * fd 0: it must reach fd 3, not be replaced by /dev/null on the way. */
static void detach_keeping_stdin(int fd)
{
    if (dup2(fd, 0) != 0)
        _exit(2);
    (void)close(fd);
    int at = fds_detach(0, 3);
    (void)!write(at, "kept", 4);
}

static void test_fds_detach_keeps_a_descriptor_given_at_0_to_2(void **state)
{
    (void)state;
    char out[8];
    int status = 0;
    assert_int_equal(in_child(detach_keeping_stdin, out, &status), 4);
    assert_string_equal(out, "kept");
}

static void test_signals_restore_puts_back_the_exact_dispositions(void **state)
{
    (void)state;
    /* A disposition with flags and a mask the catch does not use. */
    struct sigaction before = {.sa_handler = other_handler, .sa_flags = SA_RESTART};
    sigemptyset(&before.sa_mask);
    sigaddset(&before.sa_mask, SIGQUIT);
    assert_int_equal(sigaction(SIGUSR1, &before, NULL), 0);
    assert_int_equal(sigaction(SIGUSR2, &(struct sigaction){.sa_handler = SIG_DFL}, NULL), 0);

    struct signals_saved saved = {0};
    static const int sigs[] = {SIGUSR1, SIGUSR2};
    assert_int_equal(signals_catch(&saved, sigs, 2, note_signal), 0);
    assert_int_equal(saved.n, 2);
    assert_ptr_equal(handler_of(SIGUSR1), note_signal);
    assert_ptr_equal(handler_of(SIGUSR2), note_signal);
    g_caught = 0;
    assert_int_equal(raise(SIGUSR2), 0);
    assert_int_equal(g_caught, SIGUSR2);

    signals_restore(&saved);
    assert_int_equal(saved.n, 0);
    struct sigaction after;
    assert_int_equal(sigaction(SIGUSR1, NULL, &after), 0);
    assert_ptr_equal(after.sa_handler, other_handler);
    assert_true(after.sa_flags & SA_RESTART);
    assert_true(sigismember(&after.sa_mask, SIGQUIT));
    assert_ptr_equal(handler_of(SIGUSR2), SIG_DFL);
    signals_restore(&saved); /* idempotent: nothing left to put back */
    assert_ptr_equal(handler_of(SIGUSR1), other_handler);
    assert_int_equal(sigaction(SIGUSR1, &(struct sigaction){.sa_handler = SIG_DFL}, NULL), 0);
}

static void test_signals_caught_twice_keep_the_first_saved_disposition(void **state)
{
    (void)state;
    assert_int_equal(sigaction(SIGUSR1, &(struct sigaction){.sa_handler = other_handler}, NULL),
                     0);
    struct signals_saved saved = {0};
    static const int usr1[] = {SIGUSR1};
    assert_int_equal(signals_catch(&saved, usr1, 1, note_signal), 0);
    assert_int_equal(signals_catch(&saved, usr1, 1, SIG_IGN), 0);
    assert_int_equal(saved.n, 1);
    assert_ptr_equal(handler_of(SIGUSR1), SIG_IGN); /* the latest install is in force */
    signals_restore(&saved);
    assert_ptr_equal(handler_of(SIGUSR1), other_handler); /* not note_signal */
    assert_int_equal(sigaction(SIGUSR1, &(struct sigaction){.sa_handler = SIG_DFL}, NULL), 0);
}

static void test_signals_catch_refuses_more_than_signals_max(void **state)
{
    (void)state;
    int sigs[SIGNALS_MAX + 1];
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
        sigs[i] = SIGRTMIN + (int)i;
    struct signals_saved saved = {0};
    assert_int_equal(signals_catch(&saved, sigs, ARRAY_SIZE(sigs), SIG_IGN), -E2BIG);
    assert_int_equal(saved.n, SIGNALS_MAX);
    assert_ptr_equal(handler_of(sigs[SIGNALS_MAX - 1]), SIG_IGN);
    assert_ptr_equal(handler_of(sigs[SIGNALS_MAX]), SIG_DFL); /* the one too many: untouched */
    signals_restore(&saved);
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
        assert_ptr_equal(handler_of(sigs[i]), SIG_DFL);
}

/* Podman's stat header is Go's base64.URLEncoding: '-' and '_', never '+' and '/'. */
static void test_base64url_takes_the_url_alphabet_only(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(base64url_decode("-_-_", 4, out, sizeof(out)), 3);
    assert_memory_equal(out, "\xfb\xff\xbf", 3);
    assert_int_equal(base64url_decode("eyJhIjoxfQ==", 12, out, sizeof(out)), 7);
    assert_memory_equal(out, "{\"a\":1}", 7);
    assert_int_equal(base64url_decode("+/+/", 4, out, sizeof(out)), -EINVAL);
    assert_int_equal(base64_decode("-_-_", 4, out, sizeof(out)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_matches_fips_180_vectors),
        cmocka_unit_test(test_sha1_matches_fips_180_vectors),
        cmocka_unit_test(test_mkdir_private_makes_tightens_and_refuses),
        cmocka_unit_test(test_lockfile_take_waits_then_gives_up),
        cmocka_unit_test(test_hmac_sha1_matches_rfc_2202_vectors),
        cmocka_unit_test(test_sha256_in_pieces_equals_the_one_shot_digest),
        cmocka_unit_test(test_strbuf_refuses_to_grow_past_its_cap),
        cmocka_unit_test(test_parse_u32_rejects_signs_spaces_garbage_and_overflow),
        cmocka_unit_test(test_parse_size_takes_binary_units_and_refuses_the_ambiguous),
        cmocka_unit_test(test_size_text_reads_back_through_parse_size),
        cmocka_unit_test(test_error_prefix_keeps_the_root_cause_after_the_context),
        cmocka_unit_test(test_edit_distance_finds_typos_and_caps_early),
        cmocka_unit_test(test_json_string_escapes_controls_quotes_and_nul),
        cmocka_unit_test(test_json_string_stays_valid_utf8_and_escapes_c1_and_bidi),
        cmocka_unit_test(test_term_escape_shows_controls_c1_bidi_and_invalid_utf8),
        cmocka_unit_test(test_strv_builder_stays_null_terminated_and_steals_an_empty_vector),
        cmocka_unit_test(test_strv_new_copies_and_len_counts_to_the_null),
        cmocka_unit_test(test_strv_env_with_replaces_only_the_named_variable),
        cmocka_unit_test(test_trusted_realpath_refuses_what_another_user_could_change),
        cmocka_unit_test(test_fds_detach_never_returns_with_descriptors_left_open),
        cmocka_unit_test(test_fds_detach_keeps_a_descriptor_given_at_0_to_2),
        cmocka_unit_test(test_signals_restore_puts_back_the_exact_dispositions),
        cmocka_unit_test(test_signals_caught_twice_keep_the_first_saved_disposition),
        cmocka_unit_test(test_signals_catch_refuses_more_than_signals_max),
        cmocka_unit_test(test_base64url_takes_the_url_alphabet_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
