#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ags ps and ags stop end to end (issue 19): two background runs in two
# workdirs (one with a hostile name), ps lists both and its JSON holds the
# documented fields; stop of one ends its ags and removes its sandbox while
# the other stays; kill -9 of the other's ags makes ps say "owner gone" and
# stop then removes its sandbox and its secret; an unknown name is status 1.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3

export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
export TMPDIR=$AGS_E2E_SCRATCH/tmp
export CANARY_SRC=ags-sessions-canary
A=$AGS_E2E_SCRATCH/one
B=$AGS_E2E_SCRATCH/$'two \e[31mred'
mkdir -p "$A" "$B" "$XDG_CONFIG_HOME/ags" "$TMPDIR"
# A secret, so that a killed owner leaves one for stop to remove (Podman).
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"

[[secret]]
env = "CANARY_ENV"
from_env = "CANARY_SRC"
TOML

start() { # DIR OUT: a background run that sleeps; echoes its pid
    (cd "$1" && exec "$AGS_BIN" --agent shell -- -c 'sleep 300' </dev/null >"$2.out" 2>"$2.err") &
    echo $!
}
PID_A=$(start "$A" "$E2E_TMP/a")
PID_B=$(start "$B" "$E2E_TMP/b")
e2e_defer "kill -9 $PID_A $PID_B 2>/dev/null || true"

ps_json() { "$AGS_BIN" ps --all --json 2>"$E2E_TMP/ps.err" || true; }
count_running() {
    ps_json | python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["state"] == "running"))'
}
for _ in $(seq 600); do [ "$(count_running)" = 2 ] && break; sleep 0.1; done
check_eq "ps lists both background runs as running" 2 "$(count_running)"

ps_json >"$E2E_TMP/ps.json"
rc=0
python3 - "$A" "$B" "$E2E_TMP/ps.json" >"$E2E_TMP/check.out" 2>&1 <<'PY' || rc=$?
import json, sys
a, b, path = sys.argv[1], sys.argv[2], sys.argv[3]
raw = open(path, "rb").read()
assert all(c < 0x80 for c in raw), "the JSON is ASCII"
rows = json.loads(raw)
fields = {"name", "id", "session", "agent", "workdir", "lockdown", "network", "state",
          "started", "age_seconds", "owner", "supervised", "leftover", "backend", "engine"}
for r in rows:
    assert set(r) == fields, sorted(r)
    assert r["engine"] == "local", r
    assert r["agent"] == "shell" and r["state"] == "running", r
    assert r["owner"] == "attached" and r["leftover"] is False, r
    assert r["lockdown"] is False and r["network"] == "open", r
    assert len(r["session"]) == 16 and r["started"].endswith("Z"), r
    assert 0 <= r["age_seconds"] < 600, r
assert sorted(r["workdir"] for r in rows) == sorted([a, b]), [r["workdir"] for r in rows]
for r in rows:
    print(("A" if r["workdir"] == a else "B") + " " + r["name"])
PY
[ "$rc" = 0 ] || cat "$E2E_TMP/check.out"
check_eq "ps --json has the documented fields and values" 0 "$rc"
NAME_A=$(sed -n 's/^A //p' "$E2E_TMP/check.out")
NAME_B=$(sed -n 's/^B //p' "$E2E_TMP/check.out")
[ -n "$NAME_A" ] && [ -n "$NAME_B" ] || e2e_abort "no names: $(cat "$E2E_TMP/check.out")"

run ps
check_contains "ps lists the first session by name" "$NAME_A" "$RUN_OUT"
check_lacks "ps escapes the workdir's escape byte" $'\e' "$RUN_OUT"
check_contains "ps shows the workdir escaped" 'two \x1b[31mred' "$RUN_OUT"

run stop "$NAME_A" --timeout 2
check_eq "stop of the first session succeeds" 0 "$RUN_RC"
check_match "stop reports the exit status" "^stopped $NAME_A( \\(exit [0-9]+\\))?$" "$RUN_OUT"
for _ in $(seq 100); do kill -0 "$PID_A" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID_A" 2>/dev/null; then fail "the stopped session's ags exits"; else ok "the stopped session's ags exits"; fi
ps_json >"$E2E_TMP/ps2.json"
check_lacks "the stopped session's sandbox is gone" "\"$NAME_A\"" "$(cat "$E2E_TMP/ps2.json")"
check_contains "the other session is still listed" "\"$NAME_B\"" "$(cat "$E2E_TMP/ps2.json")"

kill -9 "$PID_B"
wait "$PID_B" 2>/dev/null || true
for _ in $(seq 50); do
    ps_json | grep -q '"owner gone"' && break
    sleep 0.1
done
run ps --all
check_contains "ps shows the killed owner as gone" "owner gone" "$RUN_OUT"

run stop "$NAME_B" --timeout 1
check_eq "stop of the ownerless session succeeds" 0 "$RUN_RC"
check_eq "nothing of ags's is left" 0 "$(managed_containers)"
if podman_only "secrets of a killed run"; then
    api GET '/secrets/json'
    left=$(python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["Spec"]["Name"].startswith("ags-")))' <"$API_BODY_FILE")
    check_eq "stop removed the killed run's secret" 0 "$left"
fi

run stop ags-no-such-session
check_eq "stop of an unknown name is status 1" 1 "$RUN_RC"
check_contains "and points at ags ps" "ags ps" "$RUN_ERR"

e2e_finish
