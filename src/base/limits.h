/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Every bound on outside input, in one place. */
#define AGS_TOML_MAX_FILE_SIZE     (8u * 1024u * 1024u) /* bytes of one TOML file */
#define AGS_TOML_MAX_DEPTH         128u                 /* nesting of arrays/inline tables/keys */
#define AGS_TOML_MAX_KEY_PARTS     128u                 /* dotted key components */
#define AGS_CONFIG_MAX_LAYERS      2u                   /* base + repo overlay */
#define AGS_PODMAN_MAX_RESPONSE    (16u * 1024u * 1024u)
#define AGS_PROXY_MAX_HEADER       (64u * 1024u)
/* One secret value: libpod's own limit; the keyring, env and prompt values are
 * held to it too so every resolved value can be delivered. */
#define AGS_SECRET_MAX_VALUE       512000u
#define AGS_TERM_SEQ_MAX           512u /* a kept terminal escape sequence (lockdown output) */
#define AGS_ROUTE_TABLE_MAX        (256u * 1024u) /* /proc/net/route: the host gateway (pasta) */
