/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor sections "Podman" and "Host": pure verdicts from gathered facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "run/doctor.h"
#include "base/banned.h"

#define S_ENGINE "Podman"
#define S_HOST   "Host"

/* Rootless containers map this many ids at least (useradd's default range). */
#define DOCTOR_SUBID_MIN 65536ul

static const char *or_unknown(const char *s)
{
    return s && s[0] ? s : "unknown";
}

static void check_api(const struct doctor_engine_facts *e, struct doctor_report *r)
{
    if (e->looked_at == BACKEND_BWRAP) {
        if (e->reachable)
            doctor_add(r, S_ENGINE, "bwrap", DOCTOR_OK, NULL,
                       "bubblewrap %s runs the sandboxes ([sandbox].backend = %s)",
                       or_unknown(e->info.version), backend_kind_name(e->configured));
        else
            doctor_add(r, S_ENGINE, "bwrap", DOCTOR_FAIL, "sudo apt-get install bubblewrap",
                       "the bubblewrap backend cannot run: %s", e->error ? e->error : "unknown");
        return;
    }
    if (!e->reachable) {
        doctor_add(r, S_ENGINE, "podman-api", DOCTOR_FAIL,
                   "a run starts it (podman system service); or: systemctl --user start "
                   "podman.socket",
                   "Podman API not reachable at %s: %s (doctor never starts Podman)",
                   or_unknown(e->uri), e->error ? e->error : "no answer");
        return;
    }
    doctor_add(r, S_ENGINE, "podman-api", DOCTOR_OK, NULL, "Podman %s at %s",
               or_unknown(e->info.version), or_unknown(e->uri));
}

static void check_rootless(const struct doctor_engine_facts *e, struct doctor_report *r)
{
    if (e->info.rootless)
        doctor_add(r, S_ENGINE, "podman-rootless", DOCTOR_OK, NULL, "Podman runs rootless");
    else
        doctor_add(r, S_ENGINE, "podman-rootless", DOCTOR_WARN,
                   "run ags as an ordinary user with rootless Podman",
                   "Podman runs as root: a sandbox escape would be root on this host");
}

/* The driver that holds the image: known once there is one. */
static void check_storage(const struct doctor_image_facts *im, struct doctor_report *r)
{
    if (!im->storage_driver[0])
        return;
    if (strcmp(im->storage_driver, "vfs") == 0)
        doctor_add(r, S_ENGINE, "storage-driver", DOCTOR_WARN,
                   "write ~/.config/containers/storage.conf with [storage] driver = \"overlay\", "
                   "then `podman system reset` (it deletes every image, container and volume "
                   "of yours: the agents too)",
                   "storage driver vfs is slow: every layer and every sandbox start copies "
                   "the whole image");
    else
        doctor_add(r, S_ENGINE, "storage-driver", DOCTOR_OK, NULL, "storage driver %s",
                   im->storage_driver);
}

void doctor_check_engine(const struct doctor_facts *f, struct doctor_report *r)
{
    check_api(&f->engine, r);
    if (!f->engine.reachable || f->engine.looked_at == BACKEND_BWRAP)
        return;
    check_rootless(&f->engine, r);
    if (f->have_image && f->image.labels_r == 0)
        check_storage(&f->image, r);
}

/* "name:start:count" or "uid:start:count" lines; the counts of user's add up. */
bool doctor_subid_has_range(const char *text, const char *user, uid_t uid,
                            unsigned long *ret_count)
{
    char uid_s[16];
    (void)snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)uid);
    unsigned long total = 0;
    for (const char *line = text; line && *line;) {
        size_t len = strcspn(line, "\n");
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        size_t who = c1 ? (size_t)(c1 - line) : 0;
        bool mine = c1 && ((user && user[0] && strlen(user) == who && strncmp(line, user, who) == 0) ||
                           (strlen(uid_s) == who && strncmp(line, uid_s, who) == 0));
        char count[24];
        size_t n = c2 ? len - (size_t)(c2 + 1 - line) : 0;
        uint32_t v = 0;
        if (mine && n > 0 && n < sizeof(count)) {
            memcpy(count, c2 + 1, n);
            count[n] = '\0';
            if (parse_u32(count, &v) == 0)
                total += v;
        }
        line += len + (line[len] == '\n');
    }
    if (ret_count)
        *ret_count = total;
    return total >= DOCTOR_SUBID_MIN;
}

static void check_subid(const struct doctor_host_facts *h, const char *file, const char *text,
                        const char *name, struct doctor_report *r)
{
    unsigned long count = 0;
    const char *user = h->user && h->user[0] ? h->user : "$USER";
    _cleanup_free_ char *fix = xasprintf("sudo usermod --add-subuids 100000-165535 "
                                         "--add-subgids 100000-165535 %s", user);
    if (!text)
        doctor_add(r, S_HOST, name, DOCTOR_FAIL, fix, "%s cannot be read: rootless Podman "
                   "needs a range of ids for you there", file);
    else if (doctor_subid_has_range(text, h->user, h->uid, &count))
        doctor_add(r, S_HOST, name, DOCTOR_OK, NULL, "%s gives %s %lu ids", file, user, count);
    else if (count > 0)
        doctor_add(r, S_HOST, name, DOCTOR_WARN, fix, "%s gives %s only %lu ids (%lu wanted): "
                   "images with higher ids fail", file, user, count, DOCTOR_SUBID_MIN);
    else
        doctor_add(r, S_HOST, name, DOCTOR_FAIL, fix, "%s has no range for %s: rootless "
                   "Podman cannot map the sandbox's users", file, user);
}

static void check_tun(const struct doctor_host_facts *h, struct doctor_report *r)
{
    if (h->tun_errno == 0)
        doctor_add(r, S_HOST, "tun", DOCTOR_OK, NULL, "/dev/net/tun is usable");
    else if (h->tun_errno == ENOENT)
        doctor_add(r, S_HOST, "tun", DOCTOR_FAIL, "sudo modprobe tun",
                   "/dev/net/tun is missing: the sandbox's network cannot start");
    else
        doctor_add(r, S_HOST, "tun", DOCTOR_FAIL, "sudo chmod 0666 /dev/net/tun",
                   "/dev/net/tun cannot be opened (%s): the sandbox's network cannot start",
                   strerror(h->tun_errno));
}

static void check_net_helper(const struct doctor_host_facts *h, struct doctor_report *r)
{
    if (h->slirp4netns || h->pasta)
        doctor_add(r, S_HOST, "network-helper", DOCTOR_OK, NULL, "%s%s%s installed",
                   h->slirp4netns ? "slirp4netns" : "", h->slirp4netns && h->pasta ? " and " : "",
                   h->pasta ? "pasta" : "");
    else
        doctor_add(r, S_HOST, "network-helper", DOCTOR_FAIL,
                   "sudo apt-get install slirp4netns (or passt for pasta)",
                   "neither slirp4netns nor pasta is installed: the sandbox gets no network");
}

bool doctor_controllers_have(const char *controllers, const char *controller)
{
    size_t n = strlen(controller);
    for (const char *p = controllers; p && *p;) {
        p += strspn(p, " \t\n");
        size_t len = strcspn(p, " \t\n");
        if (len == n && strncmp(p, controller, n) == 0)
            return true;
        p += len;
    }
    return false;
}

#define DELEGATE_FIX "delegate them: a systemd drop-in user@.service.d/delegate.conf with " \
                     "[Service] Delegate=pids memory cpu io, then systemctl daemon-reload " \
                     "and log in again"
#define LIMITS_NOT_ENFORCED "resource limits ([sandbox] pids_limit) are accepted but not " \
                            "enforced on this host"

/* Rootless Podman enforces limits only on cgroup v2 with the pids and
 * memory controllers delegated to the user (systemd's user service). */
static void check_limits(const struct doctor_facts *f, struct doctor_report *r)
{
    const struct doctor_host_facts *h = &f->host;
    bool v2 = h->cgroup2;
    bool pids = doctor_controllers_have(h->controllers, "pids");
    bool memory = doctor_controllers_have(h->controllers, "memory");
    if (!v2)
        doctor_add(r, S_HOST, "resource-limits", DOCTOR_WARN,
                   "boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1 on the kernel "
                   "command line)", LIMITS_NOT_ENFORCED " (cgroup v1)");
    else if (!h->controllers)
        doctor_add(r, S_HOST, "resource-limits", DOCTOR_WARN,
                   DELEGATE_FIX,
                   LIMITS_NOT_ENFORCED " (cgroup v2, but no controllers are delegated to you)");
    else if (!pids || !memory)
        doctor_add(r, S_HOST, "resource-limits", DOCTOR_WARN,
                   DELEGATE_FIX,
                   LIMITS_NOT_ENFORCED " (cgroup v2 without the %s%s%s controller delegated "
                   "in %s)", pids ? "" : "pids", !pids && !memory ? " and " : "",
                   memory ? "" : "memory", or_unknown(h->controllers_at));
    else
        doctor_add(r, S_HOST, "resource-limits", DOCTOR_OK, NULL,
                   "resource limits are enforced (cgroup v2, pids and memory delegated)");
}

/* How a question (a signature with [ssh] confirm = "always") reaches the user. */
static void check_approval(const struct doctor_facts *f, struct doctor_report *r)
{
    const struct notify_probe *p = &f->approval;
    if (p->path == NOTIFY_PATH_SERVER)
        doctor_add(r, S_HOST, "approval-path", DOCTOR_OK, NULL,
                   "approvals ask through desktop notifications: %s", p->what);
    else if (p->path != NOTIFY_PATH_NONE)
        doctor_add(r, S_HOST, "approval-path", DOCTOR_OK, NULL, "approvals ask through %s: %s",
                   notify_path_name(p->path), p->what);
    else if (f->ssh_confirm_always)
        doctor_add(r, S_HOST, "approval-path", DOCTOR_WARN,
                   "run a notification daemon with actions (desktops have one) or install "
                   "zenity; or set [ssh] confirm = \"never\"",
                   "nothing can ask for approvals, so [ssh] confirm = \"always\" refuses every "
                   "signature: %s", p->what);
    else
        doctor_add(r, S_HOST, "approval-path", DOCTOR_OK, NULL,
                   "no desktop approvals (headless): %s", p->what);
}

/* Which engines this host can run sandboxes with, and why not. */
static void check_backends(const struct doctor_host_facts *h, struct doctor_report *r)
{
    if (h->podman)
        doctor_add(r, S_HOST, "backend-podman", DOCTOR_OK, NULL,
                   "Podman is installed: [sandbox].backend = \"podman\" can be used");
    else
        doctor_add(r, S_HOST, "backend-podman", DOCTOR_WARN,
                   "sudo apt-get install podman (or use [sandbox].backend = \"bwrap\")",
                   "Podman is not installed: the Podman backend cannot be used");
    const char *why = !h->bwrap         ? "bwrap is not installed"
                      : h->userns_off   ? h->userns_off
                      : !h->slirp4netns ? "slirp4netns is not installed (the sandbox's network)"
                                        : NULL;
    const char *fix = !h->bwrap         ? "sudo apt-get install bubblewrap"
                      : h->userns_off   ? "allow unprivileged user namespaces (sysctl)"
                      : !h->slirp4netns ? "sudo apt-get install slirp4netns"
                                        : NULL;
    if (why)
        doctor_add(r, S_HOST, "backend-bwrap", DOCTOR_WARN, fix,
                   "the bubblewrap backend cannot be used: %s", why);
    else
        doctor_add(r, S_HOST, "backend-bwrap", DOCTOR_OK, NULL,
                   "bubblewrap can run sandboxes: [sandbox].backend = \"bwrap\" can be used%s",
                   h->mmdebstrap ? "" : " (its image builds need mmdebstrap: apt-get install "
                                        "mmdebstrap)");
}

void doctor_check_host(const struct doctor_facts *f, struct doctor_report *r)
{
    check_backends(&f->host, r);
    check_subid(&f->host, "/etc/subuid", f->host.subuid, "subuid", r);
    check_subid(&f->host, "/etc/subgid", f->host.subgid, "subgid", r);
    check_tun(&f->host, r);
    check_net_helper(&f->host, r);
    check_limits(f, r);
    check_approval(f, r);
}
