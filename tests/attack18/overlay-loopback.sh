#!/usr/bin/env bash
# shellcheck disable=SC2016 # sandbox scripts expand inside
# FINDING (high; fixed on branch atk18): a repository's overlay reaches the
# host's loopback.  Over the user's default (open) network a repo overlay may
# set mode = "allowlist" with ANY list ("tighter whatever it lists"), but the
# egress proxy connects from the host: an entry "127.0.0.1:PORT" (or
# 0.0.0.0:PORT, [::1]:PORT, 0.0.0.0/0) reaches services on the host's
# loopback, which the open sandbox never reaches and which only the user's
# own host_loopback may open (an overlay naming host_loopback is an error).
# The user trusted an overlay that docs/security.md says may only tighten.
# Also without a mode of its own: `--network allowlist` then uses its list.
. "$(dirname "$0")/lib.sh"
atk_setup
atk_loopback_server
as_user mkdir -p "$ATK_DIR/work/repo/.ags"
as_user sh -c 'printf "[network]\nmode = \"allowlist\"\nallow = [\"127.0.0.1:%s\"]\n" "$1" \
    >"$2/.ags/config.toml"' _ "$P" "$ATK_DIR/work/repo"
atk_trust_overlay
out=$(atk_net_run -- 'ask CONNECT "127.0.0.1:$1" "$2"' "$P" "$ATK_GET_NONCE" 2>&1) && rc=0 || rc=$?
echo "$out"; echo "exit $rc"
grep -q "$NONCE" <<<"$out" && works "the overlay's allowlist reached the host's 127.0.0.1:$P"
# Variant: no mode in the overlay, the user asks for an allowlist by flag.
as_user sh -c 'printf "[network]\nallow = [\"0.0.0.0:%s\"]\n" "$1" >"$2/.ags/config.toml"' \
    _ "$P" "$ATK_DIR/work/repo"
atk_trust_overlay
out=$(atk_net_run --network allowlist -- 'ask CONNECT "0.0.0.0:$1" "$2"' "$P" "$ATK_GET_NONCE" 2>&1) \
    && rc=0 || rc=$?
echo "$out"; echo "exit $rc"
grep -q "$NONCE" <<<"$out" && works "--network allowlist with the overlay's 0.0.0.0:$P reached the host's loopback"
held "the overlay's loopback entries were refused (exit $rc)"
