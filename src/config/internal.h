/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the files of src/config only. */

#include <stdbool.h>

#include "base/sha256.h"
#include "base/strbuf.h"
#include "config/config.h"
#include "config/schema.h"
#include "toml/toml.h"

/* A host path a repo overlay names, as written (after expansion) and as
 * resolved at load time; the trust digest and the trust prompt cover both. */
enum cfg_path_type { CFG_PATH_MISSING, CFG_PATH_FILE, CFG_PATH_DIR, CFG_PATH_OTHER };

struct cfg_resolved {
    char *declared; /* expanded, absolute, symlinks not resolved */
    char *resolved; /* canonical; for a missing path, its canonical parent + the rest */
    enum cfg_path_type type;
    char *key;      /* "mount[0].host" */
    char *content;  /* sandbox.containerfile: sha256 (hex) of its bytes, or NULL */
};

/* What one file contributes, kept apart until the layers are merged so that
 * the final order is: every [[mount]], every [[agent_mount]], every tool. */
struct cfg_parts {
    struct cfg_mount *plain, *agent, *tool;
    size_t n_plain, cap_plain, n_agent, cap_agent, n_tool, cap_tool;
    struct cfg_secret *secrets, *tool_secrets;
    size_t n_secrets, cap_secrets, n_tool_secrets, cap_tool_secrets;
    size_t cap_tools;
    struct cfg_resolved *resolved; /* overlay only: every host path, in file order */
    size_t n_resolved, cap_resolved;
};

struct cfg_decoder {
    const struct cfg_host *host;
    struct cfg_diag *diag;
    const char *file;     /* owned by the config's files list */
    char *file_dir;       /* relative host paths resolve against it */
    bool is_overlay;
    const char *repo_root; /* overlay: host paths must resolve inside it; NULL: not checked */
    struct ags_config *cfg; /* singular sections and tools of this layer */
    struct cfg_parts parts;
};

/* decode.c: generic, schema-driven decoding of one table into obj. extra_keys
 * (NULL-terminated, may be NULL) are sub-tables the caller decodes itself. */
void cfg_decode_fields(struct cfg_decoder *d, const struct toml_value *table, const char *ctx,
                       const struct cfg_table_schema *schema, void *obj,
                       const char *const *extra_keys);
void cfg_report_error(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                      const char *fmt, ...) _printf_(4, 5);
void cfg_report_warning(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                        const char *fmt, ...) _printf_(4, 5);
/* Warns about key at pos, naming the closest of candidates (NULL-terminated). */
void cfg_warn_unknown_key(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                          const char *key, const char *const *candidates);
bool cfg_origin_set(const struct cfg_origin *at);
/* Where the value of field f inside obj came from (file NULL: not set / default). */
const struct cfg_origin *cfg_field_origin(const struct cfg_field *f, const void *obj);
struct cfg_origin cfg_origin_at(const struct cfg_decoder *d, struct toml_pos pos);

/* sections.c: the whole document of one layer. */
void cfg_decode_document(struct cfg_decoder *d, const struct toml_value *root);

/* overlay.c: the rules of a repo overlay (docs/config.md "Repo overlay rules"). */
/* Why an overlay may not set table.key, or NULL when it may. */
const char *cfg_overlay_forbidden(const char *table, const char *key);
/* Why an overlay may not give table.key the value v (it may only make the
 * setting stricter), or NULL when it may. */
const char *cfg_overlay_loosens(const char *table, const char *key, const struct toml_value *v);
/* [network] of an overlay against the base it would be merged into: mode
 * only stricter, and over an allowlist base every allow entry covered by one
 * of the base's (netrule_covers); errors at the overlay's FILE:LINE:COL. */
void cfg_overlay_check_network(const struct ags_config *base, const struct ags_config *overlay,
                               struct cfg_diag *diag);
/* Resolves an overlay's expanded host path inside d->repo_root and records it;
 * takes path, returns the resolved path or NULL after reporting why not. */
char *cfg_overlay_resolve(struct cfg_decoder *d, struct toml_pos pos, const char *ctx, char *path);
/* SHA-256 (hex) of the overlay's bytes and, when there are any, of its resolved paths. */
void cfg_overlay_digest(const char *buf, size_t len, const struct cfg_parts *p,
                        char out[SHA256_HEX_SIZE]);
const char *cfg_path_type_name(enum cfg_path_type t);
/* An overlay that sets sandbox.containerfile builds only under its own tag
 * and sets d->cfg's image to localhost/ags-repo-<hash of the repository
 * and the Containerfile's bytes> and records the bytes' digest. */
void cfg_overlay_pin_image(struct cfg_decoder *d);

/* trust-view.c: the text the trust prompt shows (the cli prints it as is). */
char *cfg_trust_view(const struct cfg_trust_request *req, const struct ags_config *overlay,
                     const struct cfg_parts *parts);

/* render.c: one field's value as TOML. */
void cfg_render_value(struct strbuf *sb, const struct cfg_field *f, const void *obj);

/* expand.c */
int cfg_expand_path(const struct cfg_host *host, const char *in, const char *base_dir,
                    char **ret, struct ags_error *err) _warn_unused_;
int cfg_expand_command(const struct cfg_host *host, const char *in, char **ret,
                       struct ags_error *err) _warn_unused_;
char *cfg_path_dirname(const char *path);

/* free.c: frees what a schema field table describes inside obj. */
void cfg_free_fields(const struct cfg_table_schema *schema, void *obj);
void cfg_mount_done(struct cfg_mount *m);
void cfg_secret_done(struct cfg_secret *s);
void cfg_parts_done(struct cfg_parts *p);

/* merge.c: overlay's settings replace base's (field by field); lists append. */
void cfg_merge_layer(struct ags_config *base, struct cfg_parts *base_parts,
                     struct ags_config *overlay, struct cfg_parts *overlay_parts);
/* Applies defaults, assembles mounts and secrets, runs cross-field checks. */
void cfg_finalize(struct ags_config *c, struct cfg_parts *parts, const struct cfg_host *host,
                  struct cfg_diag *diag);
struct ags_config *cfg_new(void);
const char *cfg_add_file(struct ags_config *c, const char *path);
