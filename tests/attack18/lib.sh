#!/usr/bin/env bash
# shellcheck disable=SC2016 # sandbox scripts expand inside
# Shared set-up of the attack probes of issue 18 (network policy): the
# issue-17 probes' set-up (root drops to the test user with a private
# HOME/XDG tree, a copy of the test image, ags at AGS_BIN), plus a plain
# HTTP server on the host's 127.0.0.1 only that answers a nonce, and `ask`,
# a request through the sandbox's proxy variable written with bash's
# /dev/tcp (the test image has static bash and busybox).
# Exit 0: the attack WORKS; 1: it was blocked; 2: set-up error.
# shellcheck source=../attack17/lib.sh
. "$(dirname "$0")/../attack17/lib.sh"
ATK_BACKEND=${ATK_BACKEND:-bwrap}

# Starts the loopback server as root; sets P (its port) and NONCE.
atk_loopback_server() {
    local www
    www=$(mktemp -d /tmp/atk18-www-XXXXXX)
    NONCE=nonce-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$NONCE" >"$www/nonce"
    python3 - "$www" "$www/port" <<'PY' >/dev/null 2>&1 &
import functools, http.server, os, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
PY
    ATK_SERVER_PID=$!
    ATK_WWW=$www
    trap 'kill "$ATK_SERVER_PID" 2>/dev/null; rm -rf "$ATK_WWW"' EXIT
    for _ in $(seq 50); do [ -s "$www/port" ] && break; sleep 0.1; done
    P=$(cat "$www/port" 2>/dev/null) || true
    [ -n "$P" ] || atk_die "the loopback server did not start"
}

# The sandbox's helper: ask METHOD TARGET [BYTES]: one request through
# $HTTP_PROXY, the answer on stdout.
ATK_LIB='
ask() {
    local hp=${HTTP_PROXY#http://}
    if exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}"; then
        printf "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n%s" "$1" "$2" "${2#http://}" "${3-}" >&3
        timeout 10 cat <&3
        exec 3<&-
    else
        echo "NO-PROXY"
    fi
}
'
export ATK_GET_NONCE=$'GET /nonce HTTP/1.0\r\n\r\n'

# Runs a sandbox script with ags flags before "--": atk_net_run FLAGS... -- SCRIPT [ARGS]
atk_net_run() {
    local flags=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
    shift
    local script=$1
    shift
    atk_ags --backend "$ATK_BACKEND" --agent shell "${flags[@]}" -- -c "$ATK_LIB$script" _ "$@" </dev/null
}

# The user trusts the workspace's overlay as it is now.
atk_trust_overlay() {
    local repo=$ATK_DIR/work/repo
    as_user sh -c 'printf "%s %s\n" "$(sha256sum <"$1/.ags/config.toml" | cut -c1-64)" "$1" \
        >"$XDG_CONFIG_HOME/ags/trusted-overlays"' _ "$repo"
}
