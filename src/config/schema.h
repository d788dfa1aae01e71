/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/*
 * The config schema as data: one field table per TOML table.  Decoding,
 * `ags config show` and the documentation test all walk these tables, so a key
 * added here is decoded, shown and required to be documented in one step.
 */
enum cfg_ftype {
    CFG_T_STRING,          /* any string (non-empty when required) */
    CFG_T_PATH,            /* host path: ~ and $VAR expanded, made absolute */
    CFG_T_CONTAINER_PATH,  /* absolute path inside the sandbox, taken literally */
    CFG_T_ENV_NAME,        /* [A-Za-z_][A-Za-z0-9_]* */
    CFG_T_BOOL,
    CFG_T_U32,
    CFG_T_PORT,            /* 1..65535, stored in a cfg_u32 */
    CFG_T_ENUM,            /* string from names[], case-insensitive, stored as index */
    CFG_T_STRV,            /* array of non-empty strings */
    CFG_T_ENV_NAMES,       /* array of variable names */
    CFG_T_CONTAINER_PATHS, /* array of absolute sandbox paths */
    CFG_T_MAP,             /* table of strings, at least one key */
    CFG_T_NET_RULES,       /* array of allowlist entries (base/netrule.h) */
    CFG_T_ARGV,            /* array of strings, [0] expanded and absolute */
    CFG_T_SIZE,            /* "512MiB" (base/parse-util.h parse_size) or bytes, > 0 (the last) */
};

/* The value struct a field type is stored in: what freeing, merging, origin
 * lookup and rendering depend on (decoding and presence depend on the type). */
enum cfg_shape {
    CFG_SHAPE_STR,  /* struct cfg_str */
    CFG_SHAPE_BOOL, /* struct cfg_bool */
    CFG_SHAPE_U32,  /* struct cfg_u32 */
    CFG_SHAPE_STRV, /* struct cfg_strv */
    CFG_SHAPE_MAP,  /* struct cfg_map */
    CFG_SHAPE_U64,  /* struct cfg_u64 */
};
enum cfg_shape cfg_shape_of(enum cfg_ftype t);
/* sizeof the value struct of type t. */
size_t cfg_shape_size(enum cfg_ftype t);

struct cfg_field {
    const char *key;
    enum cfg_ftype type;
    size_t off;               /* of the cfg_str/cfg_u32/... inside the struct */
    bool required;
    const char *const *names; /* CFG_T_ENUM: NULL-terminated */
    uint32_t min, max;        /* CFG_T_U32: the range when max > 0 (else 0 .. UINT32_MAX) */
};

struct cfg_table_schema {
    const char *name;          /* "sandbox", "mount", "tool.directory", ... */
    bool array;                /* [[name]] rather than [name] */
    const struct cfg_field *fields;
    size_t n_fields;
};

extern const struct cfg_table_schema cfg_schema_sandbox, cfg_schema_image, cfg_schema_mount, cfg_schema_agent_mount,
        cfg_schema_tool, cfg_schema_tool_directory, cfg_schema_secret, cfg_schema_tool_secret,
        cfg_schema_browser, cfg_schema_auth_proxy, cfg_schema_update,
        cfg_schema_network, cfg_schema_ssh, cfg_schema_engine, cfg_schema_remote, cfg_schema_aliases, cfg_schema_notify;

/* Every table, NULL-terminated, in documentation order. */
extern const struct cfg_table_schema *const cfg_schemas[];

extern const char *const cfg_mode_names[];
extern const char *const cfg_kind_names[];
extern const char *const cfg_when_names[];
extern const char *const cfg_provider_names[];
extern const char *const cfg_ssh_confirm_names[];
extern const char *const cfg_backend_names[];
extern const char *const cfg_network_mode_names[];

/* Sub-tables that are not plain fields of their parent. */
#define CFG_TOOL_DIRECTORY_KEY "directory"
#define CFG_TOOL_SECRET_KEY    "secret"
