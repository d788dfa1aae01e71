/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Git discovery that trusts only metadata belonging to this work tree
 * (gitdirs.h).  Every check is made on canonical paths with lstat; the few
 * small files are read without following a symlink or blocking on a FIFO.
 */
#include "run/gitdirs.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "base/banned.h"

/* A small regular file, never a symlink, FIFO or device (read_regular_file_at
 * opens without blocking and checks what it opened). */
static int read_small(const char *path, size_t max, char **ret)
{
    size_t len = 0;
    return read_regular_file_at(AT_FDCWD, path, path, max, ret, &len, NULL, NULL);
}

/* The first line of a small file, or NULL (missing, not regular, empty). */
static char *first_line(const char *path)
{
    char *text = NULL;
    if (read_small(path, GITDIRS_FILE_MAX, &text) < 0)
        return NULL;
    text[strcspn(text, "\r\n")] = '\0';
    if (text[0] == '\0') {
        free(text);
        return NULL;
    }
    return text;
}

static char *resolve(const char *base, const char *p)
{
    _cleanup_free_ char *joined = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", base, p);
    return realpath(joined, NULL);
}

/* lstat mode of dir/name, 0 when it cannot be seen. */
static mode_t lmode(const char *dir, const char *name)
{
    _cleanup_free_ char *p = name ? xasprintf("%s/%s", dir, name) : xstrdup(dir);
    struct stat st;
    return lstat(p, &st) == 0 ? st.st_mode : 0;
}

static enum plan_git_entry entry_kind(mode_t m)
{
    if (m == 0)
        return PLAN_GIT_MISSING;
    return S_ISDIR(m) ? PLAN_GIT_DIR : S_ISREG(m) ? PLAN_GIT_FILE : PLAN_GIT_ODD;
}

/* git's own test (is_git_directory): HEAD, objects/ and refs/; here none of
 * them, nor the directory, may be a symlink. */
static bool is_git_dir(const char *path)
{
    return S_ISDIR(lmode(path, NULL)) && S_ISREG(lmode(path, "HEAD")) &&
           S_ISDIR(lmode(path, "objects")) && S_ISDIR(lmode(path, "refs"));
}

static void reject(struct gitdirs *g, const char *fmt, ...) _printf_(2, 3);
static void reject(struct gitdirs *g, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    g->rejected = xasprintf("%s; git metadata not mounted", buf);
}

static void accept(struct gitdirs *g, enum gitdirs_kind kind, char *git_dir, char *common)
{
    g->kind = kind;
    g->git_dir = git_dir;
    g->common_dir = common;
}

/* A linked worktree's git dir X: HEAD, commondir and gitdir; gitdir names
 * this .git, commondir a git directory C with C/worktrees/<name> = X. */
static void worktree(const char *dotgit, char *x, struct gitdirs *g)
{
    _cleanup_free_ char *gd = xasprintf("%s/gitdir", x);
    _cleanup_free_ char *cd = xasprintf("%s/commondir", x);
    _cleanup_free_ char *back = first_line(gd);
    _cleanup_free_ char *back_path = back ? resolve(x, back) : NULL;
    if (!S_ISREG(lmode(x, "HEAD")) || !back_path || strcmp(back_path, dotgit) != 0) {
        reject(g, "%s names %s, whose gitdir file does not point back at it", dotgit, x);
        free(x);
        return;
    }
    _cleanup_free_ char *rel = first_line(cd);
    _cleanup_free_ char *common = rel ? resolve(x, rel) : NULL;
    const char *name = strrchr(x, '/') + 1;
    _cleanup_free_ char *slot = common ? xasprintf("%s/worktrees/%s", common, name) : NULL;
    _cleanup_free_ char *slot_path = slot ? realpath(slot, NULL) : NULL;
    if (!common || !is_git_dir(common) || !slot_path || strcmp(slot_path, x) != 0) {
        reject(g, "%s: the commondir of %s is not a git directory holding worktrees/%s", dotgit,
               x, name);
        free(x);
        return;
    }
    accept(g, GITDIRS_WORKTREE, x, TAKE_PTR(common));
}

/* core.worktree of a git config, or NULL: the last value in a [core]
 * section, quotes removed.  Anything unusual just does not match. */
static char *core_worktree(const char *config)
{
    char *value = NULL;
    bool in_core = false;
    for (const char *p = config; *p;) {
        size_t n = strcspn(p, "\n");
        _cleanup_free_ char *line = xasprintf("%.*s", (int)n, p);
        p += n + (p[n] == '\n');
        char *s = line + strspn(line, " \t");
        if (*s == '[') {
            in_core = strncasecmp(s, "[core]", 6) == 0;
            continue;
        }
        if (!in_core || strncasecmp(s, "worktree", 8) != 0)
            continue;
        s += 8 + strspn(s + 8, " \t");
        if (*s++ != '=')
            continue;
        s += strspn(s, " \t");
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
            s++;
            len -= 2;
        }
        free(value);
        value = xasprintf("%.*s", (int)len, s);
    }
    return value;
}

/* A submodule's git dir X: a git directory below "<git dir>/modules/" whose
 * core.worktree is this work tree. */
static void submodule(const char *top, const char *dotgit, char *x, struct gitdirs *g)
{
    bool under_modules = false;
    for (char *m = strstr(x, "/modules/"); m && !under_modules; m = strstr(m + 1, "/modules/")) {
        _cleanup_free_ char *super = xasprintf("%.*s", (int)(m - x), x);
        under_modules = is_git_dir(super);
    }
    _cleanup_free_ char *cfile = xasprintf("%s/config", x);
    _cleanup_free_ char *config = NULL;
    _cleanup_free_ char *wt = NULL;
    if (is_git_dir(x) && under_modules && read_small(cfile, GITDIRS_CONFIG_MAX, &config) == 0)
        wt = core_worktree(config);
    _cleanup_free_ char *wt_path = wt ? resolve(x, wt) : NULL;
    if (!wt_path || strcmp(wt_path, top) != 0) {
        reject(g, "%s names %s, which is neither a linked worktree's git dir nor a submodule's "
                  "(under a git dir's modules/, with core.worktree = %s)",
               dotgit, x, top);
        free(x);
        return;
    }
    accept(g, GITDIRS_SUBMODULE, x, xstrdup(x));
}

static void from_file(const char *top, const char *dotgit, struct gitdirs *g)
{
    _cleanup_free_ char *line = first_line(dotgit);
    if (!line || strncmp(line, "gitdir: ", 8) != 0) {
        reject(g, "%s is not a \"gitdir: PATH\" file", dotgit);
        return;
    }
    char *x = resolve(top, line + 8);
    if (!x || !S_ISDIR(lmode(x, NULL))) {
        reject(g, "%s names %s, which is not a directory", dotgit, line + 8);
        free(x);
        return;
    }
    if (lmode(x, "commondir") != 0)
        worktree(dotgit, x, g);
    else
        submodule(top, dotgit, x, g);
}

static void from_dir(const char *dotgit, struct gitdirs *g)
{
    if (!is_git_dir(dotgit))
        reject(g, "%s is not a git directory (HEAD, objects/ and refs/)", dotgit);
    else if (lmode(dotgit, "commondir") != 0)
        reject(g, "%s has a commondir file, which only a linked worktree's git dir has", dotgit);
    else
        accept(g, GITDIRS_PLAIN, xstrdup(dotgit), xstrdup(dotgit));
}

/* git's safe.directory rule: the work tree, the .git entry, the git dir and
 * the common dir belong to the user.  Another user's repository (a .git in a
 * shared parent such as /tmp) is never mounted. */
static void check_owner(struct gitdirs *g, const char *path, const char *what, uid_t uid)
{
    struct stat st;
    if (g->rejected || !path || lstat(path, &st) < 0 || st.st_uid == uid)
        return;
    free(g->git_dir);
    free(g->common_dir);
    g->git_dir = g->common_dir = NULL;
    g->kind = GITDIRS_NONE;
    reject(g, "%s (%s) belongs to uid %lu, not to you (uid %lu); git itself refuses such a "
              "repository (safe.directory)",
           path, what, (unsigned long)st.st_uid, (unsigned long)uid);
}

static const char *kind_name(mode_t m)
{
    return S_ISLNK(m) ? "symlink" : S_ISFIFO(m) ? "FIFO" : S_ISSOCK(m) ? "socket" : "device";
}

int gitdirs_find(const char *cwd, uid_t uid, struct gitdirs *ret, struct ags_error *err)
{
    *ret = (struct gitdirs){0};
    if (!cwd || cwd[0] != '/')
        return ags_error_set(err, -EINVAL, "git discovery needs an absolute directory");
    _cleanup_free_ char *top = xstrdup(cwd);
    for (;;) {
        char *dotgit = xasprintf("%s/.git", strcmp(top, "/") == 0 ? "" : top);
        mode_t m = lmode(dotgit, NULL);
        if (m != 0) {
            ret->dotgit = dotgit;
            ret->dotgit_kind = entry_kind(m);
            break;
        }
        free(dotgit);
        char *slash = strrchr(top, '/');
        if (strcmp(top, "/") == 0)
            return 0;
        slash[slash == top ? 1 : 0] = '\0';
    }
    if (ret->dotgit_kind == PLAN_GIT_DIR) {
        ret->dotgit_config = entry_kind(lmode(ret->dotgit, "config"));
        ret->dotgit_hooks = entry_kind(lmode(ret->dotgit, "hooks"));
        ret->dotgit_modules = entry_kind(lmode(ret->dotgit, "modules"));
        ret->dotgit_worktrees = entry_kind(lmode(ret->dotgit, "worktrees"));
        ret->dotgit_config_worktree = entry_kind(lmode(ret->dotgit, "config.worktree"));
        from_dir(ret->dotgit, ret);
    } else if (ret->dotgit_kind == PLAN_GIT_FILE) {
        from_file(top, ret->dotgit, ret);
    } else {
        reject(ret, "%s is a %s, not a git directory or gitdir file", ret->dotgit,
               kind_name(lmode(ret->dotgit, NULL)));
    }
    check_owner(ret, top, "the work tree", uid);
    check_owner(ret, ret->dotgit, "its .git", uid);
    check_owner(ret, ret->git_dir, "its git dir", uid);
    check_owner(ret, ret->common_dir, "its common dir", uid);
    return 0;
}

void gitdirs_done(struct gitdirs *g)
{
    free(g->git_dir);
    free(g->common_dir);
    free(g->dotgit);
    free(g->rejected);
    *g = (struct gitdirs){0};
}

static char **list_take(struct strv_builder *l, size_t *ret_n)
{
    *ret_n = l->n;
    return strv_builder_steal(l);
}

struct scan {
    time_t since;
    bool top_protected;
    struct strv_builder dotgits, bare, unreadable, too_deep;
    size_t budget;
    bool truncated;
};

static bool changed_since(const struct stat *st, time_t since)
{
    return st->st_ctim.tv_sec >= since;
}

static bool child_changed(int dfd, const char *name, time_t since)
{
    struct stat st;
    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && changed_since(&st, since);
}

static int open_dir_at(int dfd, const char *name)
{
    return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

static bool is_kind_at(int dfd, const char *name, mode_t kind)
{
    struct stat st;
    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == kind;
}

/* git's is_git_directory shape: HEAD, objects/ and refs/. */
static bool bare_shaped_at(int dfd)
{
    return is_kind_at(dfd, "HEAD", S_IFREG) && is_kind_at(dfd, "objects", S_IFDIR) &&
           is_kind_at(dfd, "refs", S_IFDIR);
}

/* A git directory's config, hooks/ or any hook changed since. */
static bool git_dir_changed(int g, time_t since)
{
    if (child_changed(g, "config", since) || child_changed(g, "hooks", since))
        return true;
    int h = open_dir_at(g, "hooks");
    DIR *d = h >= 0 ? fdopendir(h) : NULL;
    if (!d) {
        if (h >= 0)
            (void)close(h);
        return false;
    }
    bool hit = false;
    for (struct dirent *e; !hit && (e = readdir(d));)
        hit = e->d_name[0] != '.' && child_changed(h, e->d_name, since);
    (void)closedir(d);
    return hit;
}

static bool dotgit_dir_changed(int parent, time_t since)
{
    _cleanup_close_ int g = open_dir_at(parent, ".git");
    return g >= 0 && git_dir_changed(g, since);
}

static void scan_dir(int dfd, const char *rel, unsigned depth, struct scan *s);

static void scan_subdir(int dfd, const char *name, char *path, unsigned depth, struct scan *s)
{
    /* Not seen is not safe: the agent may hide a repository deeper than the
     * walk goes or in a directory the walk cannot open (chmod 0311). */
    if (depth + 1 >= GITDIRS_SCAN_MAX_DEPTH) {
        strv_builder_push(&s->too_deep, path);
        return;
    }
    int sub = open_dir_at(dfd, name);
    if (sub < 0) {
        strv_builder_push(&s->unreadable, path);
        return;
    }
    if (bare_shaped_at(sub)) {
        if (child_changed(sub, "HEAD", s->since) || git_dir_changed(sub, s->since))
            strv_builder_push(&s->bare, TAKE_PTR(path));
        (void)close(sub);
        free(path);
        return;
    }
    scan_dir(sub, path, depth + 1, s);
    free(path);
}

static void scan_entry(int dfd, const char *rel, const char *name, unsigned depth, struct scan *s)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return;
    char *path = rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
    if (strcmp(name, ".git") == 0) {
        bool counts = depth > 0 || !s->top_protected;
        if (counts && (changed_since(&st, s->since) ||
                       (S_ISDIR(st.st_mode) && dotgit_dir_changed(dfd, s->since))))
            strv_builder_push(&s->dotgits, TAKE_PTR(path));
        free(path);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        free(path);
        return;
    }
    scan_subdir(dfd, name, path, depth, s);
}

/* Takes fd. */
static void scan_dir(int fd, const char *rel, unsigned depth, struct scan *s)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        (void)close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (s->budget == 0) {
            s->truncated = true;
            break;
        }
        s->budget--;
        scan_entry(dirfd(d), rel, e->d_name, depth, s);
    }
    (void)closedir(d);
}

int gitdirs_planted(const char *workdir, time_t since, bool top_protected,
                    struct gitdirs_planted *ret, struct ags_error *err)
{
    *ret = (struct gitdirs_planted){0};
    int fd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", workdir);
    struct scan s = {.since = since, .top_protected = top_protected,
                     .budget = GITDIRS_SCAN_MAX_ENTRIES};
    scan_dir(fd, "", 0, &s);
    ret->dotgits = list_take(&s.dotgits, &ret->n_dotgits);
    ret->bare = list_take(&s.bare, &ret->n_bare);
    ret->unreadable = list_take(&s.unreadable, &ret->n_unreadable);
    ret->too_deep = list_take(&s.too_deep, &ret->n_too_deep);
    ret->truncated = s.truncated;
    return 0;
}

void gitdirs_planted_done(struct gitdirs_planted *p)
{
    strv_free(p->dotgits);
    strv_free(p->bare);
    strv_free(p->unreadable);
    strv_free(p->too_deep);
    *p = (struct gitdirs_planted){0};
}

/* ---- the check after a lockdown run (gitdirs.h, struct gitdirs_guard) ---- */

static bool present_at(int dfd, const char *name)
{
    struct stat st;
    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* HEAD as git would take it: a regular file with a valid content. */
char *gitdirs_valid_head_at(int dfd)
{
    char *text = NULL;
    size_t len = 0;
    if (read_regular_file_at(dfd, "HEAD", "HEAD", GITDIRS_FILE_MAX, &text, &len, NULL, NULL) < 0)
        return NULL;
    if (strlen(text) != len || !plan_git_head_valid(text)) {
        free(text);
        return NULL;
    }
    return text;
}

void gitdirs_guard_begin(const char *workdir, struct gitdirs_guard *g)
{
    *g = (struct gitdirs_guard){.workdir = xstrdup(workdir)};
    _cleanup_free_ char *dotgit = xasprintf("%s/.git", workdir);
    mode_t m = lmode(dotgit, NULL);
    g->top_protected = S_ISDIR(m) || S_ISREG(m);
    _cleanup_close_ int fd = open(dotgit, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
                                                  O_CLOEXEC);
    if (fd < 0 || !bare_shaped_at(fd))
        return;
    g->dotgit_dir = true;
    g->head = gitdirs_valid_head_at(fd);
    g->had_commondir = present_at(fd, "commondir");
    g->had_gitdir = present_at(fd, "gitdir");
    g->had_alternates = fstatat(fd, "objects/info/alternates", &g->alternates,
                                AT_SYMLINK_NOFOLLOW) == 0;
}

void gitdirs_guard_done(struct gitdirs_guard *g)
{
    free(g->workdir);
    free(g->head);
    *g = (struct gitdirs_guard){0};
}

void gitdirs_events_free(struct gitdirs_event *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].path);
        free(e[i].moved);
    }
    free(e);
}

struct events {
    struct gitdirs_event *v;
    size_t n, cap;
};

static void event(struct events *ev, enum gitdirs_event_kind kind, char *path, char *moved)
{
    ev->v = xgrow(ev->v, &ev->cap, ev->n + 1, sizeof(*ev->v));
    ev->v[ev->n++] = (struct gitdirs_event){kind, path, moved};
}

/* Renames dir/name (relative to dfd) aside to name.ags-quarantine, or with a
 * random suffix when the agent took that name, never over anything.  git
 * reads none of those names. */
static void quarantine(int dfd, const char *dir, const char *name, struct events *ev)
{
    char *path = xasprintf("%s/%s", dir, name);
    int r = -EEXIST;
    for (unsigned i = 0; i < 16 && r == -EEXIST; i++) {
        uint32_t rnd = 0;
        if (i && getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
            rnd = (uint32_t)getpid() * 2654435761u + i;
        _cleanup_free_ char *to = i ? xasprintf("%s.ags-quarantine-%08x", name, rnd)
                                    : xasprintf("%s.ags-quarantine", name);
        r = renameat2(dfd, name, dfd, to, RENAME_NOREPLACE) == 0 ? 0 : -errno;
        if (r == 0) {
            event(ev, GITDIRS_QUARANTINED, path, xasprintf("%s/%s", dir, to));
            return;
        }
    }
    event(ev, GITDIRS_FAILED, path, xasprintf("cannot rename it aside: %s", strerror(-r)));
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void check_alternates(const struct gitdirs_guard *g, int fd, const char *dotgit,
                             struct events *ev)
{
    struct stat now;
    bool has = fstatat(fd, "objects/info/alternates", &now, AT_SYMLINK_NOFOLLOW) == 0;
    _cleanup_close_ int info = has ? open_dir_at(fd, "objects/info") : -1;
    _cleanup_free_ char *dir = xasprintf("%s/objects/info", dotgit);
    if (has && !g->had_alternates && info >= 0)
        quarantine(info, dir, "alternates", ev);
    else if (has != g->had_alternates || (has && !same_file(&now, &g->alternates)))
        event(ev, GITDIRS_CHANGED, xasprintf("%s/alternates", dir), NULL);
}

/* Only a HEAD that was valid at launch is put back (a symlinked HEAD of an
 * old repository is not read, and left as it is). */
static void check_head(const struct gitdirs_guard *g, int fd, const char *dotgit,
                       struct events *ev)
{
    _cleanup_free_ char *head = g->head ? gitdirs_valid_head_at(fd) : NULL;
    if (!g->head || head)
        return;
    struct ags_error err = {0};
    char *path = xasprintf("%s/HEAD", dotgit);
    if (write_file_atomic_at(fd, dotgit, "HEAD", g->head, strlen(g->head), 0644, &err) < 0)
        event(ev, GITDIRS_FAILED, path, xstrdup(err.msg));
    else
        event(ev, GITDIRS_RESTORED, path, NULL);
}

static void check_dotgit(const struct gitdirs_guard *g, struct events *ev)
{
    _cleanup_free_ char *dotgit = xasprintf("%s/.git", g->workdir);
    _cleanup_close_ int fd = open(dotgit, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
                                                  O_CLOEXEC);
    if (fd < 0) {
        event(ev, GITDIRS_BROKEN, TAKE_PTR(dotgit), NULL);
        return;
    }
    if (!g->had_commondir && present_at(fd, "commondir"))
        quarantine(fd, dotgit, "commondir", ev);
    if (!g->had_gitdir && present_at(fd, "gitdir"))
        quarantine(fd, dotgit, "gitdir", ev);
    check_alternates(g, fd, dotgit, ev);
    check_head(g, fd, dotgit, ev);
    _cleanup_free_ char *head = g->head ? gitdirs_valid_head_at(fd) : NULL;
    if (!bare_shaped_at(fd) || (g->head && !head))
        event(ev, GITDIRS_BROKEN, TAKE_PTR(dotgit), NULL);
}

/* The workdir itself bare-shaped: git takes it for a repository whenever
 * .git is not one (and in the sandbox's next run, always as the agent's). */
static void check_root(const struct gitdirs_guard *g, time_t since, struct events *ev)
{
    _cleanup_close_ int fd = open(g->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                      O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || !bare_shaped_at(fd))
        return;
    event(ev, GITDIRS_BARE, xstrdup(g->workdir), NULL);
    if (child_changed(fd, "HEAD", since))
        quarantine(fd, g->workdir, "HEAD", ev);
}

void gitdirs_guard_check(const struct gitdirs_guard *g, time_t since, struct gitdirs_event **ret,
                         size_t *ret_n)
{
    struct events ev = {0};
    if (g->dotgit_dir)
        check_dotgit(g, &ev);
    check_root(g, since, &ev);
    *ret = ev.v;
    *ret_n = ev.n;
}
