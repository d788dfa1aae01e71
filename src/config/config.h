/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/*
 * The typed, validated, merged configuration (docs/config.md is the reference).
 *
 * Every setting remembers where it came from: a file and the line/column of its
 * value, or file == NULL for a built-in default.  `ags config show` prints that
 * provenance, and every error names it.
 *
 * Ownership: config_load() returns a config owned by the caller; free it with
 * config_free().  All strings, including origin file names, belong to it.
 */

struct cfg_origin {
    const char *file; /* NULL: built-in default */
    uint32_t line, col;
};

struct cfg_str {
    char *v;
    struct cfg_origin at;
};

struct cfg_bool {
    bool v;
    struct cfg_origin at;
};

struct cfg_u32 {
    uint32_t v;
    struct cfg_origin at;
};

/* A byte size (CFG_T_SIZE: "512MiB" in the file). */
struct cfg_u64 {
    uint64_t v;
    struct cfg_origin at;
};

struct cfg_strv {
    char **v;
    size_t n;
    struct cfg_origin at;      /* the array */
    struct cfg_origin *item_at; /* each element (NULL for a built-in default) */
};

struct cfg_kv {
    char *key;
    char *value;
};

struct cfg_map {
    struct cfg_kv *v; /* sorted by key */
    size_t n;
    struct cfg_origin at;
};

/* Enum values are indices into the name lists in schema.c. */
enum cfg_mount_mode { CFG_MODE_RO, CFG_MODE_RW };
enum cfg_mount_kind { CFG_KIND_DIR, CFG_KIND_FILE };
enum cfg_mount_when { CFG_WHEN_ALWAYS, CFG_WHEN_BROWSER };
enum cfg_provider { CFG_PROVIDER_NONE, CFG_PROVIDER_ENV, CFG_PROVIDER_SECRET_TOOL };

struct cfg_mount {
    struct cfg_str host;      /* expanded, absolute */
    struct cfg_str container; /* absolute path inside the sandbox */
    struct cfg_u32 mode;      /* enum cfg_mount_mode */
    struct cfg_u32 kind;      /* enum cfg_mount_kind */
    struct cfg_u32 when;      /* enum cfg_mount_when */
    struct cfg_bool create;
    struct cfg_bool optional;
    struct cfg_str source;    /* label shown in errors: config, agent_mount, tool:<n>:binary ... */
    struct cfg_origin at;     /* the [[header]] */
};

struct cfg_secret {
    struct cfg_str env;          /* target variable name */
    struct cfg_str from_env;     /* host variable name, or NULL */
    struct cfg_map secret_store; /* libsecret lookup attributes (n == 0: none) */
    struct cfg_strv command;     /* helper argv; [0] absolute (n == 0: none) */
    struct cfg_u32 provider;     /* legacy form: enum cfg_provider */
    struct cfg_str var;          /* provider = "env": host variable (default: env) */
    struct cfg_map attributes;   /* provider = "secret-tool" */
    char *tool;                  /* owning [[tool]] name, or NULL */
    struct cfg_origin at;
};

struct cfg_tool {
    struct cfg_str name;
    struct cfg_str path;           /* host binary */
    struct cfg_str container_path; /* where it appears in the sandbox */
    struct cfg_u32 mode;
    struct cfg_u32 when;
    struct cfg_bool optional;
    struct cfg_origin at;
};

/* [sandbox].backend: the same order as enum backend_kind (backend/backend.h). */
enum cfg_backend { CFG_BACKEND_AUTO, CFG_BACKEND_PODMAN, CFG_BACKEND_BWRAP };

struct cfg_sandbox {
    struct cfg_u32 backend; /* enum cfg_backend */
    struct cfg_str image;
    struct cfg_str containerfile; /* "" = the Containerfile shipped with ags */
    struct cfg_str cache_dir;
    struct cfg_str gitconfig_path;
    struct cfg_str auth_key;
    struct cfg_str sign_key;
    struct cfg_strv container_boot_dirs;
    struct cfg_strv passthrough_env;
    struct cfg_u32 pids_limit;
    struct cfg_u32 service_idle_seconds; /* idle timeout of a Podman service ags starts */
    struct cfg_bool detach; /* runs start as detachable sessions (--detach) */
};

struct cfg_browser {
    struct cfg_bool enabled;
    struct cfg_str command;
    struct cfg_strv command_args;
    struct cfg_str profile_dir;
    struct cfg_u32 debug_port;
    struct cfg_str pi_skill_path;
};

struct cfg_auth_proxy {
    struct cfg_bool enabled;             /* a repo overlay may only turn it off */
    struct cfg_strv auto_allow_domains;
    struct cfg_strv browser_command;     /* argv, the URL appended (n == 0: xdg-open) */
    struct cfg_u32 approval_timeout;     /* seconds an approval waits: then denied */
};

/* [auth_proxy] approval_timeout: its bounds and default (seconds). */
#define CFG_APPROVAL_TIMEOUT_MIN     10u
#define CFG_APPROVAL_TIMEOUT_MAX     3600u
#define CFG_APPROVAL_TIMEOUT_DEFAULT 300u

/* [notify]: desktop notifications beyond approvals. */
struct cfg_notify {
    struct cfg_bool enabled;
    struct cfg_u32 min_seconds; /* a session at least this long says that it ended */
};

struct cfg_update {
    struct cfg_str pi_spec;
    struct cfg_u32 minimum_release_age; /* minutes */
};

/* [network].mode, strictest last (a repo overlay may only move it right). */
enum cfg_network_mode { CFG_NETWORK_OPEN, CFG_NETWORK_ALLOWLIST, CFG_NETWORK_NONE };

/* [network]: what the sandbox may reach beyond its own stack. */
struct cfg_network {
    struct cfg_u32 mode;           /* enum cfg_network_mode */
    struct cfg_strv allow;         /* allowlist entries, each valid for netrule_parse */
    struct cfg_bool host_loopback; /* the host's 127.0.0.1; only the user's own config opens it */
    struct cfg_bool lockdown_may_open; /* --network open with --lockdown; own config only */
};

/* [remote]: what travels to and from a remote engine (docs/remote.md). */
struct cfg_remote {
    struct cfg_u64 max_upload; /* bytes of the workspace tar sent before a run */
    struct cfg_u64 max_pull;   /* bytes of the bundle or patch brought back */
    struct cfg_u32 persist_seconds; /* an ssh:// tunnel's idle wait for the next run; 0: none */
};

#define CFG_REMOTE_MAX_UPLOAD_DEFAULT (4ull << 30)
#define CFG_REMOTE_MAX_PULL_DEFAULT   (1ull << 30)
#define CFG_REMOTE_PERSIST_DEFAULT    60u
#define CFG_REMOTE_PERSIST_MAX        86400u

/* [ssh]: what the agent may do with the user's keys (the ssh-agent filter). */
enum cfg_ssh_confirm { CFG_SSH_CONFIRM_NEVER, CFG_SSH_CONFIRM_ALWAYS };

/* [engine]: which Podman service runs the sandboxes (docs/config.md). */
struct cfg_engine {
    struct cfg_str connection; /* a containers.conf service destination name, or NULL */
    /* The command line's (not keys; owned): --connection NAME and --url URI
     * choose before the environment does, [engine] connection after it. */
    char *connection_flag, *url;
};

struct cfg_ssh {
    struct cfg_u32 confirm; /* enum cfg_ssh_confirm: ask before each signature */
};

/* ags update-image (docs/config.md [image]). */
struct cfg_image {
    struct cfg_str base;          /* the base image; debian_suite names its suite */
    struct cfg_str debian_suite;  /* of the local mmdebstrap base without a registry */
    struct cfg_bool trust_host_ca; /* the host's CA bundle becomes the image's */
    struct cfg_str ca_bundle;     /* that bundle (PEM) */
};

/* [aliases]: the short names ags create-aliases writes. */
struct cfg_aliases {
    struct cfg_map commands; /* NAME = "COMMAND" (n == 0: the built-in set) */
};

struct ags_config {
    struct cfg_sandbox sandbox;
    struct cfg_network network;
    struct cfg_ssh ssh;
    struct cfg_engine engine;
    struct cfg_remote remote;
    struct cfg_aliases aliases;
    struct cfg_browser browser;
    struct cfg_auth_proxy auth_proxy;
    struct cfg_notify notify;
    struct cfg_update update;
    struct cfg_image image;
    /* [[mount]]s, then [[agent_mount]]s, then per tool its binary and directories;
     * base layer entries before overlay entries. */
    struct cfg_mount *mounts;
    size_t n_mounts;
    struct cfg_tool *tools;
    size_t n_tools;
    /* [[secret]]s, then [[tool.secret]]s; base before overlay. */
    struct cfg_secret *secrets;
    size_t n_secrets;

    char **files; /* every file that contributed, in load order (origins point here) */
    size_t n_files;
    char *base_path;    /* the base config file */
    char *overlay_path; /* the repo overlay that was applied, or NULL */
    /* The overlay's Containerfile: sha256 (hex) of the bytes trusted, which
     * the build checks again; NULL when the Containerfile is not an overlay's. */
    char *containerfile_sha256;
};

/* An overlay's Containerfile larger than this is neither trusted nor built. */
#define CFG_CONTAINERFILE_MAX_SIZE (1024u * 1024u)

/* Problems found while loading; only the cli prints them. */
struct cfg_diag {
    char **errors; /* "FILE:LINE:COL: key.path: what is wrong" */
    size_t n_errors, cap_errors;
    char **warnings;
    size_t n_warnings, cap_warnings;
    char **notes; /* e.g. "created default config at ..." */
    size_t n_notes, cap_notes;
};

void cfg_diag_done(struct cfg_diag *d);
void cfg_diag_error(struct cfg_diag *d, const char *fmt, ...) _printf_(2, 3);
void cfg_diag_warning(struct cfg_diag *d, const char *fmt, ...) _printf_(2, 3);
void cfg_diag_note(struct cfg_diag *d, const char *fmt, ...) _printf_(2, 3);

/* Host facts the loader needs, captured once by the caller (tests pass fakes). */
struct cfg_host {
    const char *home;          /* $HOME */
    const char *cwd;           /* canonical working directory */
    const char *xdg_config;    /* $XDG_CONFIG_HOME or NULL */
    const char *xdg_cache;     /* $XDG_CACHE_HOME or NULL */
    const char *xdg_runtime;   /* $XDG_RUNTIME_DIR or NULL */
    const char *(*getenv)(const char *name); /* for $VAR expansion */
};

/* How an untrusted (new or changed) overlay is handled. */
enum cfg_trust_answer {
    CFG_TRUST_SKIP,   /* do not use it this time */
    CFG_TRUST_ACCEPT, /* use it and remember its digest */
};

struct cfg_trust_request {
    const char *overlay_path;
    const char *repo_root;
    const char *digest;   /* sha256 of the overlay's bytes and resolved host paths, hex */
    bool changed;         /* the root was trusted before, with other content */
    const char *content;  /* the exact bytes that would be used */
    size_t content_len;
    /* What to show before asking: every line numbered and escaped, then a
     * summary of what the overlay adds (mounts with resolved targets, env,
     * secrets, image, tools).  Print it as is. */
    const char *view;
};

struct cfg_load_opts {
    const char *config_path; /* --config, or NULL for <XDG config>/ags/config.toml */
    bool use_overlay;        /* look for <git toplevel>/.ags/config.toml */
    /* Called for an overlay that is not trusted with its current content. */
    enum cfg_trust_answer (*ask_trust)(const struct cfg_trust_request *req, void *userdata);
    void *userdata;
    /* A missing default config is the built-in default, not written (for
     * commands that only look, or remove: df, prune, uninstall --purge). */
    bool read_only;
};

/*
 * Loads the base config (creating it from the built-in default when the default
 * path does not exist yet, unless read_only), then the trusted overlay, validates and merges them.
 * On any error in any file nothing is returned, *diag lists every problem, and
 * the result is -EINVAL (config error) or another negative errno (I/O).
 */
int config_load(const struct cfg_host *host, const struct cfg_load_opts *opts,
                struct ags_config **ret, struct cfg_diag *diag) _warn_unused_;

/* Parses one config document without any file discovery (tests, fuzzing, plan).
 * is_overlay applies the overlay restrictions. */
int config_load_buffer(const struct cfg_host *host, const char *buf, size_t len,
                       const char *filename, bool is_overlay, struct ags_config **ret,
                       struct cfg_diag *diag) _warn_unused_;

struct ags_config *config_free(struct ags_config *c); /* NULL-safe */

static inline void config_freep(struct ags_config **c)
{
    config_free(*c);
}

#define _cleanup_config_ _cleanup_(config_freep)

/* Default paths (owned by the caller). */
char *config_default_path(const struct cfg_host *host);
char *config_trust_store_path(const struct cfg_host *host);
/* <git toplevel>/.ags/config.toml when something is there, without reading it
 * (for saying that --lockdown ignored it); NULL otherwise. */
char *config_overlay_path(const struct cfg_host *host);
/* The built-in default config written on first run. */
extern const char config_default_text[];

/* Renders the effective config with each value's origin; owned string. */
char *config_render_text(const struct ags_config *c);
char *config_render_json(const struct ags_config *c);
