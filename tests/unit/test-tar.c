/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tar writer (base/tar.h) for a workspace: entries written with modes,
 * mtimes, an owner, long paths and link targets (pax) and names in any
 * bytes, then unpacked by GNU tar (an independent reader) and compared; the
 * bounds; a file changed after it was chosen.
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

static char tmpdir[] = "/tmp/test-tar.XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

/* The paths of this test hold no quote, so a shell line is safe. */
static int sh(const char *cmd)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int r = sh(cmd);
    free(cmd);
    return r;
}

static int out_fd(const char *name)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    free(path);
    return fd;
}

/* A source file with content, for tar_put_file. */
static int src_file(const char *content, struct stat *st)
{
    int fd = out_fd("src");
    assert_int_equal(write_all(fd, content, strlen(content)), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(fstat(fd, st), 0);
    return fd;
}

static char *long_path(size_t len, char fill)
{
    char *p = xmalloc(len + 1);
    memset(p, fill, len);
    for (size_t i = 50; i < len; i += 51)
        p[i] = '/';
    p[len] = '\0';
    return p;
}

static void test_workspace_entries_unpack_intact_with_gnu_tar(void **state)
{
    (void)state;
    int fd = out_fd("ws.tar");
    struct tar_writer w;
    tar_writer_init(&w, fd, 1 << 20, 100, "the workspace");
    w.uid = 1000;
    w.gid = 1000;
    w.pax = true;
    struct ags_error err = {0};
    char *deep = long_path(300, 'd'); /* a directory path beyond the 256 of ustar */
    char *deep_dir = xasprintf("%s/", deep);
    char *deep_file = xasprintf("%s/f", deep);
    char *far = long_path(150, 't');  /* a link target beyond 100 */
    struct tar_entry dirs[] = {
        {.path = "bin/", .type = TAR_DIR, .mode = 0750, .mtime = 1000000000},
    };
    assert_int_equal(tar_put_entry(&w, &dirs[0], &err), 0);
    /* the parents of the deep directory: GNU tar makes missing ones anyway */
    struct tar_entry e = {.path = deep_dir, .type = TAR_DIR, .mode = 0755, .mtime = 1};
    assert_int_equal(tar_put_entry(&w, &e, &err), 0);
    struct stat st;
    int src = src_file("#!/bin/sh\necho hi\n", &st);
    e = (struct tar_entry){.path = "bin/run.sh", .mode = 0755, .mtime = 1234567890};
    assert_int_equal(tar_put_file(&w, &e, src, &st, "run.sh", &err), 0);
    assert_int_equal(lseek(src, 0, SEEK_SET), 0);
    e = (struct tar_entry){.path = deep_file, .mode = 0600, .mtime = 1234567890};
    assert_int_equal(tar_put_file(&w, &e, src, &st, "deep", &err), 0);
    assert_int_equal(lseek(src, 0, SEEK_SET), 0);
    e = (struct tar_entry){.path = "caf\xc3\xa9-\xff.txt", .mode = 0644, .mtime = 42};
    assert_int_equal(tar_put_file(&w, &e, src, &st, "name", &err), 0);
    close(src);
    e = (struct tar_entry){.path = "link", .type = TAR_SYMLINK, .mode = 0777,
                           .linkname = "bin/run.sh", .mtime = 5};
    assert_int_equal(tar_put_entry(&w, &e, &err), 0);
    e = (struct tar_entry){.path = "farlink", .type = TAR_SYMLINK, .mode = 0777,
                           .linkname = far};
    assert_int_equal(tar_put_entry(&w, &e, &err), 0);
    assert_int_equal(tar_finish(&w, &err), 0);
    assert_int_equal(w.size % TAR_BLOCK, 0);
    tar_writer_done(&w);
    close(fd);

    char *x = xasprintf("%s/x", tmpdir);
    char *tarfile = xasprintf("%s/ws.tar", tmpdir);
    assert_int_equal(mkdir(x, 0700), 0);
    char *cmd = xasprintf("tar -x -p -f '%s' -C '%s'", tarfile, x);
    assert_int_equal(sh(cmd), 0);
    free(cmd);
    char *p = xasprintf("%s/bin/run.sh", x);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(st.st_mtime, 1234567890);
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(p, 4096, &buf, &len, &err), 0);
    assert_string_equal(buf, "#!/bin/sh\necho hi\n");
    free(buf);
    free(p);
    p = xasprintf("%s/%s", x, deep_file);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    free(p);
    p = xasprintf("%s/caf\xc3\xa9-\xff.txt", x);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mtime, 42);
    free(p);
    char target[256];
    p = xasprintf("%s/link", x);
    ssize_t n = readlink(p, target, sizeof(target));
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, "bin/run.sh");
    free(p);
    p = xasprintf("%s/farlink", x);
    n = readlink(p, target, sizeof(target));
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, far);
    free(p);
    /* a directory's mode as written (GNU tar sets it after its contents) */
    p = xasprintf("%s/bin", x);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0750);
    free(p);
    /* the owner as written, as GNU tar lists it */
    char *list = xasprintf("%s/list", tmpdir);
    cmd = xasprintf("tar --numeric-owner -tvf '%s' > '%s'", tarfile, list);
    assert_int_equal(sh(cmd), 0);
    assert_int_equal(read_file_bounded(list, 1 << 16, &buf, &len, &err), 0);
    assert_non_null(strstr(buf, "1000/1000"));
    assert_null(strstr(buf, " 0/0 "));
    assert_null(strstr(buf, "PaxHeaders")); /* read as headers, never as files */
    free(buf);
    free(list);
    free(cmd);
    free(x);
    free(tarfile);
    free(deep);
    free(deep_dir);
    free(deep_file);
    free(far);
}

static void test_without_pax_long_names_are_refused_by_name(void **state)
{
    (void)state;
    int fd = out_fd("plain.tar");
    struct tar_writer w;
    tar_writer_init(&w, fd, 1 << 20, 100, "the build context 'x'");
    struct ags_error err = {0};
    char *deep = long_path(300, 'd');
    struct tar_entry e = {.path = deep, .type = TAR_FILE, .mode = 0644};
    assert_int_equal(tar_put_entry(&w, &e, &err), -ENAMETOOLONG);
    assert_non_null(strstr(err.msg, "does not fit a ustar header"));
    tar_writer_done(&w);
    close(fd);
    free(deep);
}

static void test_size_and_entry_bounds(void **state)
{
    (void)state;
    int fd = out_fd("bound.tar");
    struct tar_writer w;
    tar_writer_init(&w, fd, 3 * TAR_BLOCK, 2, "the workspace");
    struct ags_error err = {0};
    struct tar_entry e = {.path = "a/", .type = TAR_DIR, .mode = 0755};
    assert_int_equal(tar_put_entry(&w, &e, &err), 0);
    assert_int_equal(tar_put_entry(&w, &e, &err), 0);
    assert_int_equal(tar_put_entry(&w, &e, &err), -E2BIG);
    assert_non_null(strstr(err.msg, "the workspace has more than 2 entries"));
    w.max_entries = 10;
    assert_int_equal(tar_put_entry(&w, &e, &err), 0);
    assert_int_equal(tar_finish(&w, &err), -EFBIG); /* 3 headers + 2 end blocks > 3 blocks */
    assert_non_null(strstr(err.msg, "the workspace is larger than 1536 bytes"));
    tar_writer_done(&w);
    close(fd);
}

static void test_a_file_swapped_after_it_was_chosen_is_refused(void **state)
{
    (void)state;
    int fd = out_fd("swap.tar");
    struct tar_writer w;
    tar_writer_init(&w, fd, 1 << 20, 10, "the workspace");
    struct ags_error err = {0};
    struct stat st;
    int src = src_file("12345", &st);
    st.st_size = 3; /* what was listed is not what is there */
    struct tar_entry e = {.path = "f", .mode = 0644};
    assert_int_equal(tar_put_file(&w, &e, src, &st, "f", &err), -EAGAIN);
    assert_non_null(strstr(err.msg, "'f' changed while the workspace was written"));
    close(src);
    tar_writer_done(&w);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workspace_entries_unpack_intact_with_gnu_tar),
        cmocka_unit_test(test_without_pax_long_names_are_refused_by_name),
        cmocka_unit_test(test_size_and_entry_bounds),
        cmocka_unit_test(test_a_file_swapped_after_it_was_chosen_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
