/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The build-context ustar writer (tar.c): header layout and checksums parsed
 * here, whole archives read back by python3's tarfile (an independent
 * reader), reproducibility, and every refusal (special files, long paths,
 * long link targets, the size bound).
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/tar.h"
#include "podman/tar.h"

static char tmpdir[] = "/tmp/test-podman-tar.XXXXXX";

static void write_at(const char *rel, const char *data, mode_t mode)
{
    char *path = xasprintf("%s/%s", tmpdir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
    free(path);
}

static void mkdir_at(const char *rel)
{
    char *path = xasprintf("%s/%s", tmpdir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(chmod(path, 0755), 0);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    char *ctx = xasprintf("%s/ctx", tmpdir);
    int r = mkdir(ctx, 0755);
    free(ctx);
    return r;
}

static int teardown(void **state)
{
    (void)state;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", tmpdir, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return 0;
}

/* Archives dir (relative to tmpdir) into tmpdir/out.tar. */
static int tar_to_file(const char *dir, uint64_t max, uint64_t *size, struct ags_error *err)
{
    char *src = xasprintf("%s/%s", tmpdir, dir);
    char *out = xasprintf("%s/out.tar", tmpdir);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    int r = podman_tar_dir(src, NULL, 0, fd, max, size, err);
    close(fd);
    free(src);
    free(out);
    return r;
}

static char *read_out(size_t *len)
{
    char *path = xasprintf("%s/out.tar", tmpdir);
    char *buf = NULL;
    struct ags_error err = {0};
    assert_int_equal(read_file_bounded(path, 1 << 26, &buf, len, &err), 0);
    free(path);
    return buf;
}

/* python3 tarfile's view: "name type mode size uid gid mtime link [content]" per entry. */
static char *python_listing(void)
{
    char *path = xasprintf("%s/out.tar", tmpdir);
    char *listing = xasprintf("%s/listing.txt", tmpdir);
    char *cmd = xasprintf(
            "import tarfile, sys\n"
            "with tarfile.open(sys.argv[1], format=tarfile.USTAR_FORMAT) as t, "
            "open(sys.argv[2], 'w') as o:\n"
            "    for m in t.getmembers():\n"
            "        c = t.extractfile(m).read().decode() if m.isfile() else ''\n"
            "        o.write('%%s %%s %%o %%d %%d %%d %%d %%s %%s\\n' %% (m.name, m.type.decode(),"
            " m.mode, m.size, m.uid, m.gid, m.mtime, m.linkname or '-', c.strip() or '-'))\n");
    pid_t pid = fork();
    if (pid == 0) {
        execlp("python3", "python3", "-c", cmd, path, listing, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *buf = NULL;
    size_t len = 0;
    struct ags_error err = {0};
    assert_int_equal(read_file_bounded(listing, 1 << 20, &buf, &len, &err), 0);
    free(path);
    free(listing);
    free(cmd);
    return buf;
}

static int hdr_of(unsigned char h[TAR_BLOCK], const char *path, enum tar_type type, uint32_t mode,
                  uint64_t size, const char *link, struct ags_error *err)
{
    struct tar_entry e = {.path = path, .type = type, .mode = mode, .size = size,
                          .linkname = link};
    return tar_header(h, &e, 0, 0, err);
}

static void test_header_layout_and_checksum(void **state)
{
    (void)state;
    unsigned char h[TAR_BLOCK];
    struct ags_error err = {0};
    assert_int_equal(hdr_of(h, "dir/file", TAR_FILE, 0100755, 1234, NULL, &err),
                     0);
    assert_string_equal((char *)h, "dir/file");
    assert_string_equal((char *)h + 100, "0000755");
    assert_string_equal((char *)h + 108, "0000000");
    assert_string_equal((char *)h + 124, "00000002322");
    assert_string_equal((char *)h + 136, "00000000000");
    assert_int_equal(h[156], '0');
    assert_memory_equal(h + 257, "ustar\0" "00", 8);
    assert_int_equal(h[345], 0); /* no prefix */
    unsigned sum = 0;
    for (size_t i = 0; i < TAR_BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    char chk[8];
    snprintf(chk, sizeof(chk), "%06o", sum);
    assert_memory_equal(h + 148, chk, 6);
    assert_int_equal(h[154], 0);
    assert_int_equal(h[155], ' ');
}

static void test_header_splits_long_paths_at_a_slash(void **state)
{
    (void)state;
    unsigned char h[TAR_BLOCK];
    struct ags_error err = {0};
    char path[300];
    /* 150-byte directory + '/' + 100-byte name = 251 bytes: fits split */
    memset(path, 'd', 150);
    path[150] = '/';
    memset(path + 151, 'n', 100);
    path[251] = '\0';
    assert_int_equal(hdr_of(h, path, TAR_FILE, 0644, 0, NULL, &err), 0);
    assert_memory_equal(h + 345, path, 150);
    assert_memory_equal(h, path + 151, 100); /* exactly 100: no NUL needed */
    /* a name part of 101 bytes cannot be split anywhere */
    memset(path, 'd', 10);
    path[10] = '/';
    memset(path + 11, 'n', 101);
    path[112] = '\0';
    assert_int_equal(hdr_of(h, path, TAR_FILE, 0644, 0, NULL, &err),
                     -ENAMETOOLONG);
    assert_non_null(strstr(err.msg, "does not fit a ustar header"));
    /* a directory's trailing slash is not a split point */
    memset(path, 'd', 120);
    path[120] = '/';
    path[121] = '\0';
    assert_int_equal(hdr_of(h, path, TAR_DIR, 0755, 0, NULL, &err),
                     -ENAMETOOLONG);
    char link[120];
    memset(link, 'l', 101);
    link[101] = '\0';
    assert_int_equal(hdr_of(h, "s", TAR_SYMLINK, 0777, 0, link, &err),
                     -ENAMETOOLONG);
}

static void test_tree_reads_back_with_python_tarfile(void **state)
{
    (void)state;
    mkdir_at("ctx/sub");
    mkdir_at("ctx/sub/deeper");
    mkdir_at("ctx/sub/void"); /* an empty directory is archived too */
    write_at("ctx/Containerfile", "FROM scratch\n", 0644);
    write_at("ctx/run.sh", "#!/bin/sh\n", 0755);
    write_at("ctx/sub/deeper/data.txt", "hello\n", 0600);
    write_at("ctx/empty", "", 0644);
    char *link = xasprintf("%s/ctx/sub/link", tmpdir);
    assert_int_equal(symlink("../run.sh", link), 0);
    free(link);
    uint64_t size = 0;
    struct ags_error err = {0};
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), 0);
    size_t len = 0;
    char *raw = read_out(&len);
    assert_int_equal(len, size);
    assert_int_equal(len % TAR_BLOCK, 0);
    free(raw);
    char *listing = python_listing();
    assert_string_equal(listing, "Containerfile 0 644 13 0 0 0 - FROM scratch\n"
                                 "empty 0 644 0 0 0 0 - -\n"
                                 "run.sh 0 755 10 0 0 0 - #!/bin/sh\n"
                                 "sub 5 755 0 0 0 0 - -\n"
                                 "sub/deeper 5 755 0 0 0 0 - -\n"
                                 "sub/deeper/data.txt 0 600 6 0 0 0 - hello\n"
                                 "sub/link 2 777 0 0 0 0 ../run.sh -\n"
                                 "sub/void 5 755 0 0 0 0 - -\n");
    free(listing);
}

/* The host's CA bundle travels as a file in the context: added after the
 * tree under its own name, 0644, through a symlink; never over a tree entry. */
static void test_extra_host_file_joins_the_context(void **state)
{
    (void)state;
    write_at("ctx/Containerfile", "FROM scratch\n", 0644);
    write_at("bundle.pem", "CERT\n", 0600);
    char *target = xasprintf("%s/bundle.pem", tmpdir);
    char *link = xasprintf("%s/bundle-link.pem", tmpdir);
    assert_int_equal(symlink(target, link), 0);
    char *src = xasprintf("%s/ctx", tmpdir);
    char *out = xasprintf("%s/out.tar", tmpdir);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    const struct podman_tar_extra extra[] = {{"ags-ca-bundle.crt", link}};
    uint64_t size = 0;
    struct ags_error err = {0};
    assert_int_equal(podman_tar_dir(src, extra, 1, fd, PODMAN_TAR_MAX_SIZE, &size, &err), 0);
    char *listing = python_listing();
    assert_string_equal(listing, "Containerfile 0 644 13 0 0 0 - FROM scratch\n"
                                 "ags-ca-bundle.crt 0 644 5 0 0 0 - CERT\n");
    free(listing);
    const struct podman_tar_extra clash[] = {{"Containerfile", target}};
    assert_int_equal(podman_tar_dir(src, clash, 1, fd, PODMAN_TAR_MAX_SIZE, &size, &err),
                     -EEXIST);
    assert_non_null(strstr(err.msg, "Containerfile"));
    const struct podman_tar_extra nested[] = {{"sub/ca.crt", target}};
    assert_int_equal(podman_tar_dir(src, nested, 1, fd, PODMAN_TAR_MAX_SIZE, &size, &err),
                     -EINVAL);
    const struct podman_tar_extra dir[] = {{"ca.crt", tmpdir}};
    assert_int_equal(podman_tar_dir(src, dir, 1, fd, PODMAN_TAR_MAX_SIZE, &size, &err),
                     -EINVAL);
    close(fd);
    free(out);
    free(src);
    free(link);
    free(target);
}

static void test_archive_is_reproducible(void **state)
{
    (void)state;
    mkdir_at("ctx/a");
    write_at("ctx/a/f", "one\n", 0644);
    write_at("ctx/b", "two\n", 0644);
    uint64_t size = 0;
    struct ags_error err = {0};
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), 0);
    size_t len1 = 0, len2 = 0;
    char *first = read_out(&len1);
    /* rewritten, with other mtimes: the same bytes */
    write_at("ctx/a/f", "one\n", 0644);
    char *path = xasprintf("%s/ctx/a/f", tmpdir);
    struct timespec times[2] = {{.tv_sec = 12345}, {.tv_sec = 12345}};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    free(path);
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), 0);
    char *second = read_out(&len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(first, second, len1);
    free(first);
    free(second);
}

static void test_long_paths_in_a_tree(void **state)
{
    (void)state;
    /* a{60}/b{60}/f{60}: the inner directory (122 bytes) and the file (182)
     * need the prefix field */
    char a[64], b[64], f[128];
    memset(a, 'a', 60);
    a[60] = '\0';
    memset(b, 'b', 60);
    b[60] = '\0';
    memset(f, 'f', 60);
    f[60] = '\0';
    char *rel_a = xasprintf("ctx/%s", a);
    char *rel_b = xasprintf("ctx/%s/%s", a, b);
    char *rel_f = xasprintf("ctx/%s/%s/%s", a, b, f);
    mkdir_at(rel_a);
    mkdir_at(rel_b);
    write_at(rel_f, "x", 0644);
    uint64_t size = 0;
    struct ags_error err = {0};
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), 0);
    char *listing = python_listing();
    char *want = xasprintf("%s 5 755 0 0 0 0 - -\n%s/%s 5 755 0 0 0 0 - -\n"
                           "%s/%s/%s 0 644 1 0 0 0 - x\n", a, a, b, a, b, f);
    assert_string_equal(listing, want);
    free(listing);
    free(want);
    free(rel_f);
    /* a 101-byte file name never fits */
    memset(f, 'g', 101);
    f[101] = '\0';
    rel_f = xasprintf("%s/%s", rel_a, f);
    write_at(rel_f, "x", 0644);
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), -ENAMETOOLONG);
    assert_non_null(strstr(err.msg, "ggggg"));
    free(rel_f);
    free(rel_a);
    free(rel_b);
}

static void test_refusals(void **state)
{
    (void)state;
    uint64_t size = 0;
    struct ags_error err = {0};
    /* special file */
    char *fifo = xasprintf("%s/ctx/pipe", tmpdir);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "pipe' is not a regular file, directory or symlink"));
    unlink(fifo);
    free(fifo);
    /* a long symlink target */
    char target[150];
    memset(target, 't', 120);
    target[120] = '\0';
    char *link = xasprintf("%s/ctx/long-link", tmpdir);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(tar_to_file("ctx", PODMAN_TAR_MAX_SIZE, &size, &err), -ENAMETOOLONG);
    assert_non_null(strstr(err.msg, "the target of symlink 'long-link'"));
    unlink(link);
    free(link);
    /* the size bound */
    write_at("ctx/big", "0123456789012345678901234567890123456789", 0644);
    assert_int_equal(tar_to_file("ctx", 2048, &size, &err), 0);
    assert_int_equal(size, 2048); /* header + 1 block + 2 end blocks */
    assert_int_equal(tar_to_file("ctx", 2047, &size, &err), -EFBIG);
    assert_non_null(strstr(err.msg, "larger than 2047 bytes"));
    /* not a directory */
    assert_int_equal(tar_to_file("ctx/big", PODMAN_TAR_MAX_SIZE, &size, &err), -ENOTDIR);
}

static int clean_ctx(void **state)
{
    teardown(state);
    memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
    return setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_header_layout_and_checksum),
            cmocka_unit_test(test_header_splits_long_paths_at_a_slash),
            cmocka_unit_test_setup(test_tree_reads_back_with_python_tarfile, clean_ctx),
            cmocka_unit_test_setup(test_extra_host_file_joins_the_context, clean_ctx),
            cmocka_unit_test_setup(test_archive_is_reproducible, clean_ctx),
            cmocka_unit_test_setup(test_long_paths_in_a_tree, clean_ctx),
            cmocka_unit_test_setup(test_refusals, clean_ctx),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
