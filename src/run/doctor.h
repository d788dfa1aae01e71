/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ags doctor (docs/ags.1.md): what is wrong with this host, config, image,
 * agents and secrets, and the command that fixes each.  Two halves:
 *  - the gatherer (doctor-gather*.c) reads the host and asks the engine,
 *    never starting one and never following a link the sandbox may have
 *    planted, into struct doctor_facts;
 *  - the checks (doctor-check-*.c) are pure functions of those facts, so the
 *    unit tests drive every verdict without a host or an engine.
 * Nothing prints; cli/cmd-doctor.c renders the report as text or JSON.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "backend/backend.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "config/config.h"
#include "notify/notify.h"
#include "run/internal.h"
#include "run/keys.h"
#include "run/run.h"
#include "run/setup.h"
#include "secrets/secrets.h"

enum doctor_status { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

/* "ok", "warn", "fail" (the JSON words). */
const char *doctor_status_name(enum doctor_status s);

struct doctor_check {
    char *section;       /* "Podman", "Host", "Image", ..., "Connection NAME" */
    char *name;          /* stable id: "podman-api", "agent-pi", "secret-GH_TOKEN" */
    enum doctor_status status;
    char *message;       /* one line, may quote outside text (escape it to print) */
    char *fix;           /* the command or step that fixes a WARN/FAIL; NULL for OK */
};

struct doctor_report {
    struct doctor_check *checks; /* in section order */
    size_t n, cap;
    size_t n_ok, n_warn, n_fail;
};

void doctor_report_free(struct doctor_report *r);
/* Adds a check (fix may be NULL; both strings copied). */
void doctor_add(struct doctor_report *r, const char *section, const char *name,
                enum doctor_status status, const char *fix, const char *fmt, ...) _printf_(6, 7);

/* ---- the facts ---- */

struct doctor_engine_facts {
    enum backend_kind configured; /* [sandbox].backend (or --backend) */
    enum backend_kind looked_at;  /* the one doctor opened: Podman or bubblewrap */
    char *uri;     /* the endpoint tried ("" unknown) */
    bool reachable;
    char *error;   /* why not, when !reachable */
    struct backend_engine_info info;
};

struct doctor_host_facts {
    char *user;         /* login name, NULL unknown */
    uid_t uid;
    char *subuid;       /* /etc/subuid and /etc/subgid contents, NULL unreadable */
    char *subgid;
    int tun_errno;      /* 0: /dev/net/tun opens read-write, else why not */
    bool slirp4netns, pasta;
    /* The backends this host can use (docs/bwrap.md). */
    bool podman;          /* the podman program is installed */
    bool bwrap;           /* bwrap is installed where only root can change it */
    bool mmdebstrap;      /* bwrap's image builds need it */
    char *userns_off;     /* why unprivileged user namespaces are off, NULL: they are on */
    /* cgroups */
    bool cgroup2;          /* /sys/fs/cgroup is the unified hierarchy */
    char *controllers;     /* cgroup.controllers delegated to the user, NULL unknown */
    char *controllers_at;  /* the file it came from */
};

struct doctor_image_facts {
    char *image;         /* [sandbox].image */
    bool own_containerfile; /* [sandbox].containerfile is the user's or an overlay's */
    int labels_r;        /* 0: present with labels; -ENOENT: absent; else the error */
    char **labels;       /* "key=value" */
    char storage_driver[BACKEND_INFO_WORD]; /* that holds the image, "" unknown */
    char *labels_error;
    char expected[65];   /* the digest an image built now would carry, "" unknown */
    char *expected_error;
};

struct doctor_agent_facts {
    enum plan_agent agent;
    char volume[64];     /* where its CLI is installed */
    int r;               /* 0: version read (or, remote, the volume is there); -ENOENT:
                            not installed; else error */
    char version[RUN_VERSION_MAX]; /* "" with r == 0: on a remote engine, not read */
    char *error;
};

/* Another engine than the configured one: a connection of containers.conf
 * (ags doctor checks each, Podman only, never started, bounded). */
struct doctor_connection_facts {
    char *name;
    struct doctor_engine_facts engine;
    bool have_image; /* it answered */
    struct doctor_image_facts image;
    struct doctor_agent_facts agents[RUN_UPDATE_N_AGENTS];
    size_t n_agents;
};

enum doctor_overlay { DOCTOR_OVERLAY_NONE, DOCTOR_OVERLAY_TRUSTED, DOCTOR_OVERLAY_UNTRUSTED };

struct doctor_config_facts {
    char *path;           /* the base config file, NULL unknown */
    bool loaded;
    bool missing;         /* no config file yet: the built-in default applies */
    char **errors;        /* "FILE:LINE:COL: key: what is wrong" when !loaded */
    size_t n_errors;
    enum doctor_overlay overlay;
    char *overlay_path;   /* present: where */
};

struct doctor_file_facts {
    char *assets_dir;      /* the shipped agent-assets */
    char **missing_assets; /* files of it that are missing or unreadable */
    char *gitconfig;       /* [sandbox].gitconfig_path */
    int gitconfig_r;       /* 0: a regular file; -ENOENT; -ELOOP: a symlink; ... */
    bool gitconfig_identity; /* it names user.name and user.email */
    struct run_gitconfig_signing gitconfig_signing; /* its commit-signing lines */
};

/* The agent's ssh keys (sandbox.auth_key, sandbox.sign_key). */
struct doctor_key_facts {
    char *path;                     /* NULL: no config to name it */
    struct ssh_keyfile_facts files; /* the key and its .pub */
};

struct doctor_secret_facts {
    size_t n_keyring_users; /* secret sources that need the keyring */
    int keyring_r;          /* secrets_keyring_probe: 0 reachable */
    char *keyring_error;
    bool checked_helpers;   /* --check-secrets: helper commands were run */
    struct secret_check *checks;
    size_t n_checks;
};

struct doctor_facts {
    struct doctor_engine_facts engine;
    struct doctor_host_facts host;
    bool have_image; /* the engine answered and a config (or the default) named one */
    struct doctor_image_facts image;
    struct doctor_agent_facts agents[RUN_UPDATE_N_AGENTS];
    size_t n_agents;
    struct doctor_config_facts config;
    struct doctor_file_facts files;
    struct doctor_key_facts keys[RUN_KEY_ROLES];
    bool have_ssh_agent; /* a key's .pub parsed, so a run serves the ssh agent */
    struct run_ssh_agent_probe ssh_agent;
    bool have_secrets; /* the config loaded */
    struct doctor_secret_facts secrets;
    struct notify_probe approval; /* how a question would reach the user (notify_probe) */
    bool ssh_confirm_always;      /* [ssh] confirm = "always": each signature needs an answer */
    struct doctor_connection_facts *connections; /* the other engines, containers.conf order */
    size_t n_connections;
};

void doctor_facts_done(struct doctor_facts *f);

/* ---- the checks (pure) ---- */

void doctor_check_engine(const struct doctor_facts *f, struct doctor_report *r);
void doctor_check_host(const struct doctor_facts *f, struct doctor_report *r);
void doctor_check_image(const struct doctor_facts *f, struct doctor_report *r);
void doctor_check_agents(const struct doctor_facts *f, struct doctor_report *r);
void doctor_check_config(const struct doctor_facts *f, struct doctor_report *r);
/* "Keys": each key usable, and the gitconfig signing with the signing key. */
void doctor_check_keys(const struct doctor_facts *f, struct doctor_report *r);
void doctor_check_secrets(const struct doctor_facts *f, struct doctor_report *r);
/* A section "Connection NAME" per other engine: reachable (a WARN when not:
 * the configured engine is what runs use), rootless, the image, the agents. */
void doctor_check_connections(const struct doctor_facts *f, struct doctor_report *r);
/* Every section in order. */
void doctor_check_all(const struct doctor_facts *f, struct doctor_report *r);

/* Pieces of the host checks, exposed for their tests. */
/* Whether the subid file text gives user (or uid) a range of at least 65536. */
bool doctor_subid_has_range(const char *text, const char *user, uid_t uid, unsigned long *ret_count);
/* Whether a cgroup.controllers line lists controller. */
bool doctor_controllers_have(const char *controllers, const char *controller);
/* The version of package.json text ("" none): the top-level "version". */
void doctor_package_version(const char *json, char *out, size_t size);

/* ---- rendering (for the cli) ---- */

/* The report as the documented JSON object (docs/ags.1.md), owned. */
char *doctor_report_json(const struct doctor_report *r);
/* The report as text: "== Section ==", "[OK] message", "  fix: ..." under a
 * WARN or FAIL, "Summary: N ok, N warnings, N failures"; outside text escaped
 * for a terminal.  Owned. */
char *doctor_report_text(const struct doctor_report *r);
/* The summary line alone (no newline), owned: `ags setup` ends with it. */
char *doctor_summary_line(const struct doctor_report *r);

/* ---- running it ---- */

struct run_doctor_opts {
    const struct cfg_host *host;
    const char *config_path;  /* --config, or NULL */
    bool check_secrets;       /* run secret helper commands (they may prompt) */
    const char *(*getenv)(const char *name); /* NULL: the process environment */
    run_open_backend_fn *open_backend;       /* NULL: backend_open */
    const char *assets_dir;   /* NULL: the shipped agent-assets */
    /* --connection NAME: that engine is the one checked (as a run would use
     * it), no other connection; NULL: the configured engine, then every
     * other connection of containers.conf. */
    const char *connection;
};

/* The engine is given up on after this long per request (a hung service). */
#define DOCTOR_ENGINE_TIMEOUT_MS 2000L

/* Gathers the facts (doctor-gather*.c). */
void doctor_gather(const struct run_doctor_opts *o, struct doctor_facts *ret);

/* Gathers and checks: the report is the caller's (doctor_report_free).
 * Fails only when it cannot check at all. */
int run_doctor(const struct run_doctor_opts *o, struct doctor_report *ret,
               struct ags_error *err) _warn_unused_;
