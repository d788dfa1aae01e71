/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/schema.h"

#include <stddef.h>

#include "base/macro.h"
#include "config/internal.h"
#include "base/banned.h"

/* The one table from field type to storage. */
static const enum cfg_shape shape_of_type[] = {
    [CFG_T_STRING] = CFG_SHAPE_STR,
    [CFG_T_PATH] = CFG_SHAPE_STR,
    [CFG_T_CONTAINER_PATH] = CFG_SHAPE_STR,
    [CFG_T_ENV_NAME] = CFG_SHAPE_STR,
    [CFG_T_BOOL] = CFG_SHAPE_BOOL,
    [CFG_T_U32] = CFG_SHAPE_U32,
    [CFG_T_PORT] = CFG_SHAPE_U32,
    [CFG_T_ENUM] = CFG_SHAPE_U32,
    [CFG_T_STRV] = CFG_SHAPE_STRV,
    [CFG_T_ENV_NAMES] = CFG_SHAPE_STRV,
    [CFG_T_CONTAINER_PATHS] = CFG_SHAPE_STRV,
    [CFG_T_NET_RULES] = CFG_SHAPE_STRV,
    [CFG_T_ARGV] = CFG_SHAPE_STRV,
    [CFG_T_MAP] = CFG_SHAPE_MAP,
    [CFG_T_SIZE] = CFG_SHAPE_U64,
};

static const struct {
    size_t size, at_off;
} shapes[] = {
    [CFG_SHAPE_STR] = {sizeof(struct cfg_str), offsetof(struct cfg_str, at)},
    [CFG_SHAPE_BOOL] = {sizeof(struct cfg_bool), offsetof(struct cfg_bool, at)},
    [CFG_SHAPE_U32] = {sizeof(struct cfg_u32), offsetof(struct cfg_u32, at)},
    [CFG_SHAPE_STRV] = {sizeof(struct cfg_strv), offsetof(struct cfg_strv, at)},
    [CFG_SHAPE_MAP] = {sizeof(struct cfg_map), offsetof(struct cfg_map, at)},
    [CFG_SHAPE_U64] = {sizeof(struct cfg_u64), offsetof(struct cfg_u64, at)},
};

/* A type added without its shape would silently be stored as a string. */
_Static_assert(ARRAY_SIZE(shape_of_type) == CFG_T_SIZE + 1, "every field type has a shape");

enum cfg_shape cfg_shape_of(enum cfg_ftype t)
{
    return shape_of_type[t];
}

size_t cfg_shape_size(enum cfg_ftype t)
{
    return shapes[shape_of_type[t]].size;
}

const struct cfg_origin *cfg_field_origin(const struct cfg_field *f, const void *obj)
{
    /* through void *: the offset comes from offsetof, so the origin is aligned */
    const void *at = (const char *)obj + f->off + shapes[shape_of_type[f->type]].at_off;
    return at;
}

const char *const cfg_mode_names[] = {"ro", "rw", NULL};
const char *const cfg_kind_names[] = {"dir", "file", NULL};
const char *const cfg_when_names[] = {"always", "browser", NULL};
/* Index 0 (no provider) is never written in a file. */
const char *const cfg_provider_names[] = {"", "env", "secret-tool", NULL};
const char *const cfg_ssh_confirm_names[] = {"never", "always", NULL};
const char *const cfg_backend_names[] = {"auto", "podman", "bwrap", NULL};
const char *const cfg_network_mode_names[] = {"open", "allowlist", "none", NULL};

#define F(struct_, key, type, member, required) \
    {key, type, offsetof(struct_, member), required, NULL, 0, 0}
#define E(struct_, key, member, required, names) \
    {key, CFG_T_ENUM, offsetof(struct_, member), required, names, 0, 0}
/* An integer that must lie in min..max. */
#define R(struct_, key, member, min, max) \
    {key, CFG_T_U32, offsetof(struct_, member), false, NULL, min, max}

static const struct cfg_field sandbox_fields[] = {
    E(struct cfg_sandbox, "backend", backend, false, cfg_backend_names),
    F(struct cfg_sandbox, "image", CFG_T_STRING, image, true),
    F(struct cfg_sandbox, "containerfile", CFG_T_PATH, containerfile, false),
    F(struct cfg_sandbox, "cache_dir", CFG_T_PATH, cache_dir, false),
    F(struct cfg_sandbox, "gitconfig_path", CFG_T_PATH, gitconfig_path, false),
    F(struct cfg_sandbox, "auth_key", CFG_T_PATH, auth_key, false),
    F(struct cfg_sandbox, "sign_key", CFG_T_PATH, sign_key, false),
    F(struct cfg_sandbox, "container_boot_dirs", CFG_T_CONTAINER_PATHS, container_boot_dirs, false),
    F(struct cfg_sandbox, "passthrough_env", CFG_T_ENV_NAMES, passthrough_env, false),
    F(struct cfg_sandbox, "pids_limit", CFG_T_U32, pids_limit, false),
    F(struct cfg_sandbox, "service_idle_seconds", CFG_T_U32, service_idle_seconds, false),
    F(struct cfg_sandbox, "detach", CFG_T_BOOL, detach, false),
};

static const struct cfg_field mount_fields[] = {
    F(struct cfg_mount, "host", CFG_T_PATH, host, true),
    F(struct cfg_mount, "container", CFG_T_CONTAINER_PATH, container, true),
    E(struct cfg_mount, "mode", mode, true, cfg_mode_names),
    E(struct cfg_mount, "kind", kind, false, cfg_kind_names),
    E(struct cfg_mount, "when", when, false, cfg_when_names),
    F(struct cfg_mount, "create", CFG_T_BOOL, create, false),
    F(struct cfg_mount, "optional", CFG_T_BOOL, optional, false),
    F(struct cfg_mount, "source", CFG_T_STRING, source, false),
};

static const struct cfg_field agent_mount_fields[] = {
    F(struct cfg_mount, "host", CFG_T_PATH, host, true),
    F(struct cfg_mount, "container", CFG_T_CONTAINER_PATH, container, true),
    E(struct cfg_mount, "kind", kind, false, cfg_kind_names),
};

static const struct cfg_field tool_fields[] = {
    F(struct cfg_tool, "name", CFG_T_STRING, name, true),
    F(struct cfg_tool, "path", CFG_T_PATH, path, true),
    F(struct cfg_tool, "container_path", CFG_T_CONTAINER_PATH, container_path, true),
    E(struct cfg_tool, "mode", mode, false, cfg_mode_names),
    E(struct cfg_tool, "when", when, false, cfg_when_names),
    F(struct cfg_tool, "optional", CFG_T_BOOL, optional, false),
};

static const struct cfg_field secret_fields[] = {
    F(struct cfg_secret, "env", CFG_T_ENV_NAME, env, true),
    F(struct cfg_secret, "from_env", CFG_T_ENV_NAME, from_env, false),
    F(struct cfg_secret, "secret_store", CFG_T_MAP, secret_store, false),
    F(struct cfg_secret, "command", CFG_T_ARGV, command, false),
    E(struct cfg_secret, "provider", provider, false, cfg_provider_names),
    F(struct cfg_secret, "var", CFG_T_ENV_NAME, var, false),
    F(struct cfg_secret, "attributes", CFG_T_MAP, attributes, false),
};

static const struct cfg_field browser_fields[] = {
    F(struct cfg_browser, "enabled", CFG_T_BOOL, enabled, false),
    F(struct cfg_browser, "command", CFG_T_STRING, command, false),
    F(struct cfg_browser, "command_args", CFG_T_STRV, command_args, false),
    F(struct cfg_browser, "profile_dir", CFG_T_PATH, profile_dir, false),
    F(struct cfg_browser, "debug_port", CFG_T_PORT, debug_port, false),
    F(struct cfg_browser, "pi_skill_path", CFG_T_CONTAINER_PATH, pi_skill_path, false),
};

static const struct cfg_field auth_proxy_fields[] = {
    F(struct cfg_auth_proxy, "enabled", CFG_T_BOOL, enabled, false),
    F(struct cfg_auth_proxy, "auto_allow_domains", CFG_T_STRV, auto_allow_domains, false),
    F(struct cfg_auth_proxy, "browser_command", CFG_T_ARGV, browser_command, false),
    R(struct cfg_auth_proxy, "approval_timeout", approval_timeout, CFG_APPROVAL_TIMEOUT_MIN,
      CFG_APPROVAL_TIMEOUT_MAX),
};

static const struct cfg_field notify_fields[] = {
    F(struct cfg_notify, "enabled", CFG_T_BOOL, enabled, false),
    F(struct cfg_notify, "min_seconds", CFG_T_U32, min_seconds, false),
};

static const struct cfg_field update_fields[] = {
    F(struct cfg_update, "pi_spec", CFG_T_STRING, pi_spec, false),
    F(struct cfg_update, "minimum_release_age", CFG_T_U32, minimum_release_age, false),
};

static const struct cfg_field network_fields[] = {
    E(struct cfg_network, "mode", mode, false, cfg_network_mode_names),
    F(struct cfg_network, "allow", CFG_T_NET_RULES, allow, false),
    F(struct cfg_network, "host_loopback", CFG_T_BOOL, host_loopback, false),
    F(struct cfg_network, "lockdown_may_open", CFG_T_BOOL, lockdown_may_open, false),
};

static const struct cfg_field ssh_fields[] = {
    E(struct cfg_ssh, "confirm", confirm, false, cfg_ssh_confirm_names),
};

static const struct cfg_field engine_fields[] = {
    F(struct cfg_engine, "connection", CFG_T_STRING, connection, false),
};

static const struct cfg_field remote_fields[] = {
    F(struct cfg_remote, "max_upload", CFG_T_SIZE, max_upload, false),
    F(struct cfg_remote, "max_pull", CFG_T_SIZE, max_pull, false),
    R(struct cfg_remote, "persist_seconds", persist_seconds, 0, CFG_REMOTE_PERSIST_MAX),
};

static const struct cfg_field image_fields[] = {
    F(struct cfg_image, "base", CFG_T_STRING, base, false),
    F(struct cfg_image, "debian_suite", CFG_T_STRING, debian_suite, false),
    F(struct cfg_image, "trust_host_ca", CFG_T_BOOL, trust_host_ca, false),
    F(struct cfg_image, "ca_bundle", CFG_T_PATH, ca_bundle, false),
};

static const struct cfg_field aliases_fields[] = {
    F(struct cfg_aliases, "commands", CFG_T_MAP, commands, false),
};

#define SCHEMA(var, name, array, fields) \
    const struct cfg_table_schema var = {name, array, fields, ARRAY_SIZE(fields)}

SCHEMA(cfg_schema_sandbox, "sandbox", false, sandbox_fields);
SCHEMA(cfg_schema_mount, "mount", true, mount_fields);
SCHEMA(cfg_schema_agent_mount, "agent_mount", true, agent_mount_fields);
SCHEMA(cfg_schema_tool, "tool", true, tool_fields);
SCHEMA(cfg_schema_tool_directory, "tool.directory", true, mount_fields);
SCHEMA(cfg_schema_secret, "secret", true, secret_fields);
SCHEMA(cfg_schema_tool_secret, "tool.secret", true, secret_fields);
SCHEMA(cfg_schema_browser, "browser", false, browser_fields);
SCHEMA(cfg_schema_auth_proxy, "auth_proxy", false, auth_proxy_fields);
SCHEMA(cfg_schema_update, "update", false, update_fields);
SCHEMA(cfg_schema_network, "network", false, network_fields);
SCHEMA(cfg_schema_ssh, "ssh", false, ssh_fields);
SCHEMA(cfg_schema_engine, "engine", false, engine_fields);
SCHEMA(cfg_schema_remote, "remote", false, remote_fields);
SCHEMA(cfg_schema_notify, "notify", false, notify_fields);
SCHEMA(cfg_schema_image, "image", false, image_fields);
SCHEMA(cfg_schema_aliases, "aliases", false, aliases_fields);

const struct cfg_table_schema *const cfg_schemas[] = {
    &cfg_schema_sandbox,        &cfg_schema_mount,  &cfg_schema_agent_mount,
    &cfg_schema_tool,           &cfg_schema_tool_directory, &cfg_schema_tool_secret,
    &cfg_schema_secret,         &cfg_schema_auth_proxy, &cfg_schema_browser,
    &cfg_schema_update,         &cfg_schema_network, &cfg_schema_ssh, &cfg_schema_engine,
    &cfg_schema_remote,         &cfg_schema_notify,
    &cfg_schema_image,          &cfg_schema_aliases, NULL,
};
