/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launch plan as a bwrap command line (backend/bwrap-args.h). */
#include "backend/bwrap-args.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bwrap.h"
#include "base/alloc.h"
#include "base/macro.h"
#include "base/strv.h"
#include "base/banned.h"

#define OP_MAX_WORDS 6
/* What a shadow's tmpfs holds: mount points only. */
#define SHADOW_TMPFS_SIZE "1048576"
/* /run outside lockdown (lockdown's plan sizes it): sockets and small files. */
#define RUN_TMPFS_SIZE (64u * 1024u * 1024u)

/* One file-system step of the command line, its words and where it goes. */
struct fs_op {
    size_t depth;
    size_t order; /* insertion order: ties keep it */
    char *w[OP_MAX_WORDS];
};

struct op_list {
    struct fs_op *v;
    size_t n, cap;
};

size_t bwrap_path_depth(const char *path)
{
    size_t d = 0;
    for (const char *p = path; *p; p++)
        if (*p == '/' && p[1] && p[1] != '/')
            d++;
    return d;
}

/* Adds an op at dest's depth: words up to OP_MAX_WORDS, NULL-ended. */
static void op(struct op_list *l, const char *dest, ...)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    struct fs_op *o = &l->v[l->n];
    *o = (struct fs_op){.depth = bwrap_path_depth(dest), .order = l->n};
    va_list ap;
    va_start(ap, dest);
    for (size_t i = 0; i < OP_MAX_WORDS; i++) {
        const char *w = va_arg(ap, const char *);
        if (!w)
            break;
        o->w[i] = xstrdup(w);
    }
    va_end(ap);
    l->n++;
}

static int op_cmp(const void *a, const void *b)
{
    const struct fs_op *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The image's own directories that the sandbox gets fresh instead. */
static bool replaced_top(const char *path)
{
    static const char *const fresh[] = {"/proc", "/dev", "/tmp", "/run", "/home", "/sys"};
    for (size_t i = 0; i < ARRAY_SIZE(fresh); i++)
        if (strcmp(path, fresh[i]) == 0)
            return true;
    return false;
}

static char *join(const char *dir, const char *name)
{
    return xasprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name);
}

static void add_shadow(struct op_list *l, const char *root, const struct bwrap_shadow *s)
{
    if (strcmp(s->path, "/") != 0)
        op(l, s->path, "--size", SHADOW_TMPFS_SIZE, "--tmpfs", s->path, NULL);
    for (size_t i = 0; i < s->n_entries; i++) {
        const struct bwrap_entry *e = &s->entries[i];
        _cleanup_free_ char *dest = join(s->path, e->name);
        if (replaced_top(dest))
            continue;
        if (e->kind == BWRAP_ENTRY_LINK) {
            op(l, dest, "--symlink", e->target, dest, NULL);
            continue;
        }
        _cleanup_free_ char *src = xasprintf("%s%s", root, dest);
        op(l, dest, "--ro-bind", src, dest, NULL);
    }
}

static const struct plan_tmpfs *plan_tmpfs_at(const struct ags_plan *p, const char *dest)
{
    for (size_t i = 0; i < p->n_tmpfs; i++)
        if (strcmp(p->tmpfs[i].destination, dest) == 0)
            return &p->tmpfs[i];
    return NULL;
}

static void add_sized_tmpfs(struct op_list *l, const char *dest, uint64_t size)
{
    char num[32];
    (void)snprintf(num, sizeof(num), "%" PRIu64, size);
    op(l, dest, "--perms", "1777", "--size", num, "--tmpfs", dest, NULL);
}

/* The plan's sized tmpfs (lockdown), else host_dir (per-run, on disk), else
 * a tmpfs of fallback_size. */
static void add_scratch(struct op_list *l, const struct ags_plan *p, const char *dest,
                        const char *host_dir, uint64_t fallback_size)
{
    const struct plan_tmpfs *t = plan_tmpfs_at(p, dest);
    if (t)
        add_sized_tmpfs(l, dest, t->size);
    else if (host_dir)
        op(l, dest, "--bind", host_dir, dest, NULL);
    else
        add_sized_tmpfs(l, dest, fallback_size);
}

static void add_fresh(struct op_list *l, const struct bwrap_args_in *in)
{
    const struct ags_plan *p = in->plan;
    op(l, "/proc", "--proc", "/proc", NULL);
    op(l, "/dev", "--dev", "/dev", NULL);
    add_scratch(l, p, "/tmp", in->tmp_dir, RUN_TMPFS_SIZE);
    add_scratch(l, p, "/run", NULL, RUN_TMPFS_SIZE);
    add_scratch(l, p, "/var/tmp", in->var_tmp_dir, RUN_TMPFS_SIZE);
    /* Any other tmpfs the plan asks for. */
    for (size_t i = 0; i < p->n_tmpfs; i++) {
        const char *d = p->tmpfs[i].destination;
        if (strcmp(d, "/tmp") && strcmp(d, "/run") && strcmp(d, "/var/tmp"))
            add_sized_tmpfs(l, d, p->tmpfs[i].size);
    }
    op(l, "/home", "--bind", in->home_copy, "/home", NULL);
}

static void add_plan_mounts(struct op_list *l, const struct bwrap_args_in *in)
{
    const struct ags_plan *p = in->plan;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        const char *src = m->type == PLAN_MOUNT_VOLUME ? in->volume_dirs[i] : m->source;
        op(l, m->destination, m->read_only ? "--ro-bind" : "--bind", src, m->destination,
           NULL);
    }
}

static void add_secrets(struct op_list *l, const struct bwrap_args_in *in)
{
    if (in->n_secrets == 0)
        return;
    op(l, PLAN_SECRETS_DIR, "--perms", "0755", "--dir", PLAN_SECRETS_DIR, NULL);
    for (size_t i = 0; i < in->n_secrets; i++) {
        _cleanup_free_ char *dest = join(PLAN_SECRETS_DIR, in->secret_names[i]);
        char fd[16];
        (void)snprintf(fd, sizeof(fd), "%d", in->secret_fds[i]);
        op(l, dest, "--perms", "0400", "--file", fd, dest, NULL);
    }
}

static void add_data_file(struct op_list *l, int fd, const char *dest)
{
    if (fd < 0)
        return;
    char num[16];
    (void)snprintf(num, sizeof(num), "%d", fd);
    op(l, dest, "--perms", "0644", "--ro-bind-data", num, dest, NULL);
}

static void push(struct strv_builder *b, const char *s)
{
    strv_builder_push(b, xstrdup(s));
}

static void push_u32(struct strv_builder *b, uint32_t v)
{
    strv_builder_push(b, xasprintf("%" PRIu32, v));
}

/* What a plan that keeps capabilities (--root) gets: Podman's default set
 * (containers.conf default_capabilities), so that root inside means the same
 * on both backends (bwrap's uid 0 would keep every capability). */
static const char *const root_caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE",     "CAP_FOWNER",  "CAP_FSETID",
    "CAP_KILL",   "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
    "CAP_SETPCAP", "CAP_SETUID",          "CAP_SYS_CHROOT",
};

static void add_namespaces(struct strv_builder *b, const struct bwrap_args_in *in)
{
    const struct ags_plan *p = in->plan;
    static const char *const fixed[] = {
        "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-net",  "--unshare-cgroup-try", "--disable-userns", "--die-with-parent",
        "--cap-drop",     "ALL",
    };
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        push(b, fixed[i]);
    for (size_t i = 0; !p->security.cap_drop_all && i < ARRAY_SIZE(root_caps); i++) {
        push(b, "--cap-add");
        push(b, root_caps[i]);
    }
    push(b, "--uid");
    push_u32(b, p->identity.uid);
    push(b, "--gid");
    push_u32(b, p->identity.gid);
    push(b, "--hostname");
    push(b, p->name.v);
    if (!in->tty)
        push(b, "--new-session");
    if (in->seccomp_fd >= 0) {
        push(b, "--seccomp");
        push_u32(b, (uint32_t)in->seccomp_fd);
    }
}

static void add_fs(struct strv_builder *b, const struct bwrap_args_in *in)
{
    struct op_list l = {0};
    for (size_t i = 0; i < in->n_shadows; i++)
        add_shadow(&l, in->root, &in->shadows[i]);
    add_fresh(&l, in);
    add_plan_mounts(&l, in);
    add_secrets(&l, in);
    add_data_file(&l, in->hosts_fd, "/etc/hosts");
    add_data_file(&l, in->resolv_fd, "/etc/resolv.conf");
    qsort(l.v, l.n, sizeof(*l.v), op_cmp);
    for (size_t i = 0; i < l.n; i++)
        for (size_t k = 0; k < OP_MAX_WORDS && l.v[i].w[k]; k++)
            strv_builder_push(b, l.v[i].w[k]);
    free(l.v);
    /* After every mount point in them is made (not recursive: what is
     * mounted on them keeps its own mode). */
    for (size_t i = 0; i < in->n_shadows; i++) {
        push(b, "--remount-ro");
        push(b, in->shadows[i].path);
    }
}

static void add_command(struct strv_builder *b, const struct ags_plan *p)
{
    push(b, "--chdir");
    push(b, p->work_dir.v);
    push(b, "--");
    for (size_t i = 0; p->argv[i]; i++)
        push(b, p->argv[i]);
}

char **bwrap_args_build(const struct bwrap_args_in *in)
{
    struct strv_builder b = {0};
    add_namespaces(&b, in);
    add_fs(&b, in);
    add_command(&b, in->plan);
    return strv_builder_steal(&b);
}

/* name's entry in a "KEY=VALUE" list, or NULL. */
static char **env_slot(char **env, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; env[i]; i++)
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
            return &env[i];
    return NULL;
}

static void env_set(struct strv_builder *b, const char *name, const char *value)
{
    char *entry = xasprintf("%s=%s", name, value);
    char **slot = b->v ? env_slot(b->v, name) : NULL;
    if (slot) {
        free(*slot);
        *slot = entry;
        return;
    }
    strv_builder_push(b, entry);
}

char **bwrap_env_build(const char *const *image_env, const struct ags_plan *p,
                       const char *(*getenv_fn)(const char *name), const char *host_loopback,
                       bool tty)
{
    struct strv_builder b = {0};
    for (size_t i = 0; image_env && image_env[i]; i++) {
        const char *eq = strchr(image_env[i], '=');
        if (!eq || eq == image_env[i])
            continue;
        _cleanup_free_ char *name = xstrndup(image_env[i], (size_t)(eq - image_env[i]));
        env_set(&b, name, eq + 1);
    }
    for (size_t i = 0; i < p->n_env; i++) {
        const char *value = p->env[i].value;
        if (!value)
            value = getenv_fn ? getenv_fn(p->env[i].name) : NULL;
        if (value)
            env_set(&b, p->env[i].name, value);
    }
    if (host_loopback)
        env_set(&b, PLAN_HOST_LOOPBACK_ENV, host_loopback);
    /* A terminal run without TERM gets Podman's (a tty container's TERM=xterm):
     * tmux refuses a terminal it knows nothing of. */
    if (tty && !(b.v && env_slot(b.v, "TERM")))
        env_set(&b, "TERM", "xterm");
    return strv_builder_steal(&b);
}

void bwrap_shadow_done(struct bwrap_shadow *s)
{
    for (size_t i = 0; i < s->n_entries; i++) {
        free(s->entries[i].name);
        free(s->entries[i].target);
    }
    free(s->entries);
    free(s->path);
    *s = (struct bwrap_shadow){0};
}
