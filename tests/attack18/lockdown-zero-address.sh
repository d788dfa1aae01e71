#!/usr/bin/env bash
# shellcheck disable=SC2016 # sandbox scripts expand inside
# FINDING (low; fixed on branch atk18): --lockdown drops allow entries that
# reach the host's loopback (127.0.0.0/8, ::1, localhost, networks around
# them) but not the unspecified 0.0.0.0 and ::, and a connect to 0.0.0.0 lands
# on the local host: "0.0.0.0:PORT" or "0.0.0.0/8" in the user's own list
# opened the host's loopback in a lockdown run ("never reachable").
. "$(dirname "$0")/lib.sh"
atk_setup
atk_loopback_server
atk_config "[network]
allow = [\"0.0.0.0:$P\"]"
out=$(atk_net_run --lockdown -- 'ask CONNECT "0.0.0.0:$1" "$2"' "$P" "$ATK_GET_NONCE" 2>&1) && rc=0 || rc=$?
echo "$out"; echo "exit $rc"
grep -q "$NONCE" <<<"$out" && works "a lockdown run reached the host's loopback through 0.0.0.0:$P"
held "0.0.0.0 was refused in lockdown (exit $rc)"
