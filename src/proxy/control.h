/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control socket of a run's auth proxy (server.h): how `ags approve`,
 * `ags deny` and `ags auth-callback` of the same user reach a session's
 * proxy.  The socket lives in ags's private directory beside the sandbox's
 * socket and is never mounted into a sandbox; the server answers only a peer
 * whose SO_PEERCRED uid is its own.
 *
 * One request per connection, a line of at most PROXY_CONTROL_LINE_MAX bytes
 * ending in "\n"; the answer is lines, the last one "END\n", then the server
 * closes:
 *
 *   LIST\n          -> "PENDING <id> <relay port> <host> <url>\n" (0 or 1)
 *                      "RELAY <port>\n" for each open relay window
 *                      "END\n"
 *   ALLOW <id>\n    -> "OK\n" or "UNKNOWN\n", then "END\n"
 *   DENY <id>\n     -> the same
 *
 * Fields are separated by one space; ids are PROXY_ID_LEN lowercase hex
 * characters; hosts and URLs are visible ASCII (proxy_url_parse admits no
 * space), so a line cannot carry a field into another.  Anything else gets
 * "ERROR <text>\n" "END\n".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "proxy/server.h"

#define PROXY_CONTROL_LINE_MAX (AGS_PROXY_MAX_URL + 256u)
/* An answer is at most this long (a LIST: one pending and the relays). */
#define PROXY_CONTROL_ANSWER_MAX (2u * PROXY_CONTROL_LINE_MAX + 64u * 16u)
/* How long a client waits for a server's whole answer. */
#define PROXY_CONTROL_TIMEOUT_MS 5000

struct proxy_pending {
    char id[PROXY_ID_LEN + 1];
    uint16_t relay_port;
    char *host;
    char *url;
};

struct proxy_listing {
    bool has_pending;
    struct proxy_pending pending;
    uint16_t relays[16];
    size_t n_relays;
};

/* LIST of the proxy whose control socket is path.  -ECONNREFUSED/-ENOENT when
 * no proxy serves there (a session that ended), -EBADMSG for an answer that
 * does not parse. */
int proxy_control_list(const char *path, struct proxy_listing *ret, struct ags_error *err)
        _warn_unused_;
void proxy_listing_done(struct proxy_listing *l);

/* ALLOW or DENY id: 1 when that proxy had it pending (now answered), 0 when
 * it did not (UNKNOWN), negative errno when it could not be asked. */
int proxy_control_answer(const char *path, const char *id, bool allow, struct ags_error *err)
        _warn_unused_;

/* Is id PROXY_ID_LEN lowercase hex characters?  (The cli checks before asking.) */
bool proxy_id_valid(const char *id);
