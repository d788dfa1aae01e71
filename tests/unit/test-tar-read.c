/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The single-file tar reader (base/tar-read.h): archives of base/tar.c's
 * writer and of GNU tar come back byte for byte; crafted hostile archives
 * (another name, a symlink, a directory, a hard link, two members, truncated
 * data, a bad checksum, too large a file, lying or malformed pax records, no
 * member at all) are refused, and nothing reaches the output then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/tar-read.h"
#include "base/tar.h"

#define NAME "ags-export"
#define MAX  (1u << 20)

static int memfd(const void *data, size_t len)
{
    int fd = memfd_create("test-tar-read", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, data, len), 0);
    return fd;
}

/* Bytes with every value, so that no byte is mistaken for padding. */
static char *pattern(size_t len)
{
    char *p = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        p[i] = (char)(i * 7 + i / 251);
    p[len] = '\0';
    return p;
}

/* An archive of base/tar.c's writer: one regular file path holding data. */
static int written(const char *path, bool pax, const char *data, size_t len)
{
    int src = memfd(data, len);
    assert_int_equal(lseek(src, 0, SEEK_SET), 0);
    struct stat st;
    assert_int_equal(fstat(src, &st), 0);
    int fd = memfd("", 0);
    struct tar_writer w;
    tar_writer_init(&w, fd, 1ull << 30, 10, "the test archive");
    w.pax = pax;
    struct ags_error err = {0};
    struct tar_entry e = {.path = path, .type = TAR_FILE, .mode = 0644, .mtime = 1};
    assert_int_equal(tar_put_file(&w, &e, src, &st, path, &err), 0);
    assert_int_equal(tar_finish(&w, &err), 0);
    tar_writer_done(&w);
    close(src);
    return fd;
}

/* One header block of type t for path with size (checksum right). */
static void header(unsigned char h[TAR_BLOCK], const char *path, char t, uint64_t size)
{
    struct tar_entry e = {.path = path, .type = (enum tar_type)t, .mode = 0644, .size = size};
    if (t == TAR_SYMLINK)
        e.linkname = "/etc/shadow";
    assert_int_equal(tar_header(h, &e, 0, 0, NULL), 0);
}

/* An archive from pieces: each header, its data padded, then the end. */
struct piece {
    char type;
    const char *path;
    const char *data;    /* NULL: none */
    uint64_t size;       /* the header's (may lie) */
};

static int crafted(const struct piece *pieces, size_t n)
{
    int fd = memfd("", 0);
    static const unsigned char zeros[2 * TAR_BLOCK];
    for (size_t i = 0; i < n; i++) {
        unsigned char h[TAR_BLOCK];
        header(h, pieces[i].path, pieces[i].type, pieces[i].size);
        assert_int_equal(write_all(fd, h, sizeof(h)), 0);
        if (!pieces[i].data)
            continue;
        size_t len = strlen(pieces[i].data);
        assert_int_equal(write_all(fd, pieces[i].data, len), 0);
        if (len % TAR_BLOCK)
            assert_int_equal(write_all(fd, zeros, TAR_BLOCK - len % TAR_BLOCK), 0);
    }
    assert_int_equal(write_all(fd, zeros, sizeof(zeros)), 0);
    return fd;
}

/* What the reader wrote to out (from its start). */
static char *output(int out, size_t *ret_len)
{
    assert_int_equal(lseek(out, 0, SEEK_SET), 0);
    char *buf = NULL;
    struct ags_error err = {0};
    assert_int_equal(read_fd_bounded(out, 1u << 24, &buf, ret_len, &err), 0);
    return buf;
}

/* Reads tar as the file NAME into a fresh output: its errno; the output's
 * length into *ret_out_len. */
static int read_tar(int tar, uint64_t max, struct ags_error *err, size_t *ret_out_len)
{
    int out = memfd("", 0);
    uint64_t size = 12345;
    int r = tar_read_single_file(tar, NAME, max, out, &size, err);
    size_t len = 0;
    free(output(out, &len));
    if (r == 0)
        assert_int_equal(size, len);
    else
        assert_int_equal(size, 12345); /* untouched on failure */
    if (ret_out_len)
        *ret_out_len = len;
    close(out);
    close(tar);
    return r;
}

static void assert_refused(int tar, int code, const char *msg_part)
{
    struct ags_error err = {0};
    size_t out_len = 99;
    assert_int_equal(read_tar(tar, MAX, &err, &out_len), code);
    if (!strstr(err.msg, msg_part))
        fail_msg("'%s' does not say '%s'", err.msg, msg_part);
    assert_int_equal(out_len, 0); /* checked whole before a byte is copied */
}

static void round_trip(const char *path, bool pax, size_t len)
{
    char *data = pattern(len);
    int tar = written(path, pax, data, len);
    int out = memfd("", 0);
    uint64_t size = 0;
    struct ags_error err = {0};
    int r = tar_read_single_file(tar, path, MAX, out, &size, &err);
    if (r < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(size, len);
    size_t got_len = 0;
    char *got = output(out, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, data, len);
    free(got);
    free(data);
    close(out);
    close(tar);
}

static void test_a_ustar_file_comes_back_byte_for_byte(void **state)
{
    (void)state;
    round_trip(NAME, false, 1000);        /* not a multiple of the block */
    round_trip(NAME, false, 3 * TAR_BLOCK); /* exactly blocks: no padding */
    round_trip(NAME, false, 0);
    round_trip(NAME, false, 200000);      /* beyond one copy chunk */
}

/* What the Podman backend does: the archive spooled in the output file,
 * the file's bytes moved down over it in place. */
static void test_the_archive_file_itself_can_take_the_contents(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 511, 512, 65536 + 7, 300000};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        char *data = pattern(lens[k]);
        char name[151];
        memset(name, 'p', sizeof(name) - 1); /* a pax header too: the data starts later */
        name[sizeof(name) - 1] = '\0';
        int fd = written(k % 2 ? name : NAME, k % 2, data, lens[k]);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        uint64_t size = 0;
        struct ags_error err = {0};
        if (tar_read_single_file(fd, k % 2 ? name : NAME, MAX, fd, &size, &err) < 0)
            fail_msg("%zu: %s", lens[k], err.msg);
        assert_int_equal(size, lens[k]);
        assert_int_equal(ftruncate(fd, (off_t)size), 0);
        size_t len = 0;
        char *got = output(fd, &len);
        assert_int_equal(len, lens[k]);
        assert_memory_equal(got, data, lens[k]);
        free(got);
        free(data);
        close(fd);
    }
}

static void test_a_long_name_comes_back_through_its_pax_path_record(void **state)
{
    (void)state;
    char name[151];
    memset(name, 'n', sizeof(name) - 1); /* no '/': the ustar header cannot hold it */
    name[sizeof(name) - 1] = '\0';
    round_trip(name, true, 777);
}

static void test_a_dot_slash_name_is_the_same_file(void **state)
{
    (void)state;
    const struct piece p[] = {{'0', "./" NAME, "hello\n", 6}};
    size_t len = 0;
    struct ags_error err = {0};
    assert_int_equal(read_tar(crafted(p, 1), MAX, &err, &len), 0);
    assert_int_equal(len, 6);
}

static void test_a_pax_path_record_renames_the_member(void **state)
{
    (void)state;
    static const char records[] = "21 path=ags-export-2\n";
    const struct piece p[] = {{'x', "PaxHeaders/x", records, sizeof(records) - 1},
                              {'0', NAME, "data", 4}};
    assert_refused(crafted(p, 2), -EBADMSG, "holds 'ags-export-2', not 'ags-export'");
}

/* GNU tar is an independent writer: its pax format carries records this
 * reader ignores (mtime, atime, ctime), its gnu format another magic. */
static void test_archives_of_gnu_tar_are_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/test-tar-read.XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const formats[] = {"pax", "gnu", "ustar"};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        char *cmd = xasprintf("cd %s && printf 'from gnu tar\\n' > " NAME " && "
                              "tar --format=%s -cf a.tar " NAME, dir, formats[i]);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        char *path = xasprintf("%s/a.tar", dir);
        int tar = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(tar >= 0);
        free(path);
        size_t len = 0;
        struct ags_error err = {0};
        if (read_tar(tar, MAX, &err, &len) < 0)
            fail_msg("%s: %s", formats[i], err.msg);
        assert_int_equal(len, 13);
    }
    char *cmd = xasprintf("rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void test_another_name_is_refused_naming_it(void **state)
{
    (void)state;
    assert_refused(written("other", false, "x", 1), -EBADMSG,
                   "the archive holds 'other', not 'ags-export'");
    assert_refused(written("dir/" NAME, false, "x", 1), -EBADMSG, "holds 'dir/ags-export'");
}

static void test_a_symlink_member_is_refused(void **state)
{
    (void)state;
    const struct piece p[] = {{'2', NAME, NULL, 0}};
    assert_refused(crafted(p, 1), -EBADMSG, "'ags-export' in the archive is not a regular file "
                                            "(a symlink)");
}

static void test_a_directory_a_hard_link_and_a_fifo_are_refused(void **state)
{
    (void)state;
    const struct piece dir[] = {{'5', NAME, NULL, 0}};
    assert_refused(crafted(dir, 1), -EBADMSG, "not a regular file (a directory)");
    const struct piece link[] = {{'1', NAME, NULL, 0}};
    assert_refused(crafted(link, 1), -EBADMSG, "not a regular file (a hard link)");
    const struct piece fifo[] = {{'6', NAME, NULL, 0}};
    assert_refused(crafted(fifo, 1), -EBADMSG, "not a regular file (a fifo)");
    const struct piece longname[] = {{'L', NAME, NULL, 0}};
    assert_refused(crafted(longname, 1), -EBADMSG, "not a regular file (a GNU long name)");
}

static void test_a_second_member_is_refused(void **state)
{
    (void)state;
    const struct piece p[] = {{'0', NAME, "one", 3}, {'0', "evil", "two", 3}};
    assert_refused(crafted(p, 2), -EBADMSG, "the archive holds more than 'ags-export' (another "
                                            "member or data at offset 1024)");
}

static void test_truncated_data_is_refused(void **state)
{
    (void)state;
    char *data = pattern(5000);
    int tar = written(NAME, false, data, 5000);
    free(data);
    assert_int_equal(ftruncate(tar, TAR_BLOCK + 4000), 0);
    assert_refused(tar, -EBADMSG, "truncated: 'ags-export' has 5000 bytes, only 4000 follow");
    const struct piece p[] = {{'0', NAME, NULL, 1}}; /* a size and no data at all */
    tar = crafted(p, 1);
    assert_int_equal(ftruncate(tar, TAR_BLOCK), 0);
    assert_refused(tar, -EBADMSG, "truncated");
    tar = written(NAME, false, "x", 1);
    assert_int_equal(ftruncate(tar, 300), 0); /* inside the header */
    assert_refused(tar, -EBADMSG, "ends at offset 300 without a file");
}

static void test_a_bad_checksum_is_refused(void **state)
{
    (void)state;
    int tar = written(NAME, false, "content", 7);
    assert_int_equal(pwrite(tar, "\x01", 1, TAR_OFF_MODE + 7), 1);
    assert_refused(tar, -EBADMSG, "the header at offset 0 has a bad checksum");
    tar = written(NAME, false, "content", 7);
    assert_int_equal(pwrite(tar, "9", 1, TAR_OFF_CHKSUM), 1); /* no octal digit */
    assert_refused(tar, -EBADMSG, "bad checksum");
}

static void test_a_header_without_the_ustar_magic_is_refused(void **state)
{
    (void)state;
    unsigned char h[TAR_BLOCK];
    header(h, NAME, '0', 0);
    /* The same sum, so only the magic is wrong: 3 taken from the magic's
     * first byte, given to the mode's last digit ('4' -> '7'). */
    h[TAR_OFF_MAGIC] = 'r';
    h[TAR_OFF_MODE + 6] = (unsigned char)(h[TAR_OFF_MODE + 6] + ('u' - 'r'));
    int tar = memfd(h, sizeof(h));
    static const unsigned char end[2 * TAR_BLOCK];
    assert_int_equal(write_all(tar, end, sizeof(end)), 0);
    assert_refused(tar, -EBADMSG, "not a ustar header");
}

static void test_a_file_over_max_is_refused_naming_both_sizes(void **state)
{
    (void)state;
    char *data = pattern(4097);
    int tar = written(NAME, false, data, 4097);
    free(data);
    struct ags_error err = {0};
    size_t len = 1;
    assert_int_equal(read_tar(tar, 4096, &err, &len), -EFBIG);
    assert_string_equal(err.msg, "'ags-export' has 4097 bytes, more than the 4096 allowed");
    assert_int_equal(len, 0);
}

static void test_a_pax_size_record_bigger_than_the_data_is_refused(void **state)
{
    (void)state;
    static const char records[] = "13 size=9999\n";
    const struct piece p[] = {{'x', "PaxHeaders/x", records, sizeof(records) - 1},
                              {'0', NAME, "short", 5}};
    assert_refused(crafted(p, 2), -EBADMSG, "truncated: 'ags-export' has 9999 bytes");
}

static void test_a_pax_size_record_smaller_than_the_data_leaves_data_behind(void **state)
{
    (void)state;
    static const char records[] = "10 size=1\n";
    char data[TAR_BLOCK + 11];
    memset(data, 'a', sizeof(data) - 1); /* crafted() takes text */
    data[sizeof(data) - 1] = '\0';
    const struct piece p[] = {{'x', "PaxHeaders/x", records, sizeof(records) - 1},
                              {'0', NAME, data, TAR_BLOCK + 10}};
    assert_refused(crafted(p, 2), -EBADMSG, "the archive holds more than 'ags-export'");
}

static void test_malformed_pax_records_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "14 size=9999\n",  /* says 14, has 13 */
        "12 size=9999\n",  /* says 12: its last byte is no newline */
        "x size=1\n",      /* no length */
        "9 size=1x\n",     /* wrong length, and no number */
        "11 size=1x\n",    /* no number */
        "8 sizeX\n",       /* no '=' */
        "6 =ab\n",         /* no key */
        "0 \n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const struct piece p[] = {{'x', "PaxHeaders/x", bad[i], strlen(bad[i])},
                                  {'0', NAME, "data", 4}};
        assert_refused(crafted(p, 2), -EBADMSG, "the pax header at offset 0 has");
    }
}

static void test_unknown_pax_keys_and_global_headers_are_skipped(void **state)
{
    (void)state;
    static const char ext[] = "20 mtime=1700000000\n25 SCHILY.xattr.user.a=b\n";
    static const char glob[] = "20 comment=anything\n";
    const struct piece p[] = {{'g', "pax_global_header", glob, sizeof(glob) - 1},
                              {'x', "PaxHeaders/x", ext, sizeof(ext) - 1},
                              {'0', NAME, "data", 4}};
    struct ags_error err = {0};
    size_t len = 0;
    int r = read_tar(crafted(p, 3), MAX, &err, &len);
    if (r < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(len, 4);
}

static void test_too_many_pax_headers_in_a_row_are_refused(void **state)
{
    (void)state;
    static const char ext[] = "20 comment=anything\n";
    struct piece p[12];
    for (size_t i = 0; i < 11; i++)
        p[i] = (struct piece){'x', "PaxHeaders/x", ext, sizeof(ext) - 1};
    p[11] = (struct piece){'0', NAME, "data", 4};
    assert_refused(crafted(p, 12), -EBADMSG, "more than 8 pax headers in a row");
}

static void test_an_archive_without_a_member_is_refused(void **state)
{
    (void)state;
    assert_refused(memfd("", 0), -EBADMSG, "the archive is empty");
    assert_refused(crafted(NULL, 0), -EBADMSG, "the archive holds no file");
    static const char ext[] = "20 comment=anything\n";
    const struct piece p[] = {{'x', "PaxHeaders/x", ext, sizeof(ext) - 1}};
    assert_refused(crafted(p, 1), -EBADMSG, "the archive holds no file");
}

static void test_junk_after_the_end_is_refused(void **state)
{
    (void)state;
    int tar = written(NAME, false, "x", 1);
    assert_int_equal(lseek(tar, 0, SEEK_END), 4 * TAR_BLOCK); /* header, data, end */
    assert_int_equal(write_all(tar, "junk", 4), 0);
    assert_refused(tar, -EBADMSG, "data at offset 2048");
    tar = written(NAME, false, "x", 1);
    assert_int_equal(ftruncate(tar, 4 * 1024 * 1024), 0); /* zeros, but too many of them */
    assert_refused(tar, -EBADMSG, "bytes follow it");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_ustar_file_comes_back_byte_for_byte),
        cmocka_unit_test(test_the_archive_file_itself_can_take_the_contents),
        cmocka_unit_test(test_a_long_name_comes_back_through_its_pax_path_record),
        cmocka_unit_test(test_a_dot_slash_name_is_the_same_file),
        cmocka_unit_test(test_a_pax_path_record_renames_the_member),
        cmocka_unit_test(test_archives_of_gnu_tar_are_read),
        cmocka_unit_test(test_another_name_is_refused_naming_it),
        cmocka_unit_test(test_a_symlink_member_is_refused),
        cmocka_unit_test(test_a_directory_a_hard_link_and_a_fifo_are_refused),
        cmocka_unit_test(test_a_second_member_is_refused),
        cmocka_unit_test(test_truncated_data_is_refused),
        cmocka_unit_test(test_a_bad_checksum_is_refused),
        cmocka_unit_test(test_a_header_without_the_ustar_magic_is_refused),
        cmocka_unit_test(test_a_file_over_max_is_refused_naming_both_sizes),
        cmocka_unit_test(test_a_pax_size_record_bigger_than_the_data_is_refused),
        cmocka_unit_test(test_a_pax_size_record_smaller_than_the_data_leaves_data_behind),
        cmocka_unit_test(test_malformed_pax_records_are_refused),
        cmocka_unit_test(test_unknown_pax_keys_and_global_headers_are_skipped),
        cmocka_unit_test(test_too_many_pax_headers_in_a_row_are_refused),
        cmocka_unit_test(test_an_archive_without_a_member_is_refused),
        cmocka_unit_test(test_junk_after_the_end_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
