#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Secrets end to end (issue 6): three canaries, one per way in (from_env, a
# helper command, [sandbox].passthrough_env), reach the agent's environment
# through ephemeral Podman secrets mounted as files, and appear in no process's
# argv, in no `inspect` output of the container, in no file that ags or Podman
# keeps once the run is over, and in nothing ags prints.  Lockdown hands over
# none of them and runs no helper.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3 sha256sum base64 grep

canary() { printf 'ags-canary-%s-%s' "$1" "$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
C_ENV=$(canary env)
C_CMD=$(canary cmd)
C_PASS=$(canary pass)
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
export TMPDIR=$AGS_E2E_SCRATCH/tmp
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$TMPDIR"
HELPER=$AGS_E2E_SCRATCH/helper.sh
MARKER=$AGS_E2E_SCRATCH/helper-ran
# The helper's value lives in a file only it reads (never in its argv).
printf '%s\n' "$C_CMD" >"$AGS_E2E_SCRATCH/helper-value"
cat >"$HELPER" <<SH
#!/bin/sh
touch '$MARKER'
cat '$AGS_E2E_SCRATCH/helper-value'
SH
chmod 0755 "$HELPER"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
passthrough_env = ["CANARY_PASS"]

[[secret]]
env = "CANARY_ENV"
from_env = "CANARY_SRC"

[[secret]]
env = "CANARY_CMD"
command = ["$HELPER"]
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"

managed_secrets() {
    api GET '/secrets/json'
    python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["Spec"]["Name"].startswith("ags-")))' \
        <"$API_BODY_FILE"
}

# Every form a value may take in a file: plain, and base64 (Podman's file
# driver stores values base64-encoded in secretsdata.json).
leaks_in() { # DIR...: paths of files that hold any canary
    local c pats=()
    for c in "$C_ENV" "$C_CMD" "$C_PASS"; do
        pats+=(-e "$c" -e "$(printf '%s' "$c" | base64 -w0 | cut -c1-40)")
    done
    grep -rlsF "${pats[@]}" "$@" 2>/dev/null || true
}

host_leaks() { # files of ags's, of its store, runtime and temporary dirs holding a canary
    leaks_in "$XDG_CONFIG_HOME" "$TMPDIR" "$E2E_BWRAP_DATA" "$HOME/.config" "$HOME/.cache" \
        "$XDG_RUNTIME_DIR" "$WORK"
}

argv_leaks() { # pids whose argv holds a canary
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -e "$C_ENV" -e "$C_CMD" -e "$C_PASS" &&
            echo "${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
    done
    return 0
}

# ---- a run that keeps the sandbox up while we look around
AGENT='for v in CANARY_ENV CANARY_CMD CANARY_PASS; do printf %s "${!v}" | sha256sum | cut -d" " -f1; done
ls /run/secrets | tr "\n" " "; echo; touch agent-up
for i in $(seq 600); do [ -e looked ] && break; sleep 0.1; done'
# The sandbox stays up until the test has looked (touch looked; at most
# 60 s): a fixed sleep was too short when a loaded machine made the argv
# scan below slow.
rm -f "$MARKER" agent-up looked
CANARY_SRC=$C_ENV CANARY_PASS=$C_PASS "$AGS_BIN" --agent shell -- -c "$AGENT" </dev/null \
    >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
AGS_PID=$!
for _ in $(seq 300); do [ -e agent-up ] && break; sleep 0.1; done
check_eq "the agent started" yes "$([ -e agent-up ] && echo yes || echo no)"

# While it runs: argv of every process, the container's inspect, Podman's list.
check_eq "no process has a canary in its argv while the agent runs" "" "$(argv_leaks)"
if podman_only "the container's inspect and Podman's secret store during the run"; then
    api GET '/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ags.managed%3Dtrue%22%5D%7D'
    CID=$(python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["Id"] if l else "")' <"$API_BODY_FILE")
    check_match "the run's container is there" '^[0-9a-f]{64}$' "$CID"
    api GET "/containers/$CID/json"
    check_status "inspect of the running container" 200
    INSPECT=$API_BODY
    check_eq "inspect shows no canary (plain)" "" \
        "$(grep -F -e "$C_ENV" -e "$C_CMD" -e "$C_PASS" <<<"$INSPECT" || true)"
    check_contains "inspect lists the secrets by name only" '"Secrets":' "$INSPECT"
    check_eq "the run has one Podman secret per resolved value" 3 "$(managed_secrets)"
    # Where the values are during the run: Podman's secret store (base64, 0600,
    # the user's own storage). This also proves the leak scanner below finds them.
    check_match "during the run the values sit in Podman's secret store (and the scanner sees them)" \
        'secrets/filedriver/secretsdata\.json' "$(leaks_in "$HOME/.local/share/containers/storage/secrets")"
else
    # bwrap: the values are memory files read into the sandbox's tmpfs: no
    # file of ags's store, runtime or temporary directories holds one while
    # the agent runs (the scanner itself is proven on a file of the test's).
    check_eq "bwrap: the run's sandbox is there" 1 "$(managed_containers)"
    printf '%s\n' "$C_ENV" >"$E2E_TMP/scanner-control"
    check_eq "the leak scanner finds a canary in a file" "$E2E_TMP/scanner-control" \
        "$(leaks_in "$E2E_TMP")"
    rm -f "$E2E_TMP/scanner-control"
    check_eq "bwrap: while the agent runs no file on the host holds a canary" "" \
        "$(host_leaks)"
fi
touch looked

RC=0
wait "$AGS_PID" || RC=$?
check_eq "the run exits 0" 0 "$RC"
OUT=$(cat "$E2E_TMP/out")
check_eq "CANARY_ENV (from_env) reaches the agent intact" "$(sha "$C_ENV")" "$(sed -n 1p <<<"$OUT")"
check_eq "CANARY_CMD (helper command) reaches the agent intact" "$(sha "$C_CMD")" "$(sed -n 2p <<<"$OUT")"
check_eq "CANARY_PASS (passthrough_env) reaches the agent intact" "$(sha "$C_PASS")" "$(sed -n 3p <<<"$OUT")"
check_eq "the values sit in files named after the variables" "CANARY_CMD CANARY_ENV CANARY_PASS " \
    "$(sed -n 4p <<<"$OUT")"
check_eq "the helper ran" yes "$([ -e "$MARKER" ] && echo yes || echo no)"

# ---- once the run is over
check_eq "ags printed no canary (stdout, stderr)" "" \
    "$(grep -F -e "$C_ENV" -e "$C_CMD" -e "$C_PASS" "$E2E_TMP/out" "$E2E_TMP/err" || true)"
podman_only "the run's Podman secrets are deleted" &&
    check_eq "the run's Podman secrets are deleted" 0 "$(managed_secrets)"
check_eq "no file of ags, of Podman's storage or of the runtime dir holds a canary" "" \
    "$(leaks_in "$XDG_CONFIG_HOME" "$TMPDIR" "$HOME/.local/share/containers" "$E2E_BWRAP_DATA" \
        "$HOME/.config" "$HOME/.cache" "$XDG_RUNTIME_DIR" "$WORK")"

# ---- kill -9 mid-run: the secrets outlive ags, the next run sweeps them
kill9_run() { # a run with the secrets, killed (-9) while its agent runs
    rm -f agent-up
    CANARY_SRC=$C_ENV CANARY_PASS=$C_PASS "$AGS_BIN" --agent shell -- -c 'touch agent-up; sleep 60' \
        </dev/null >/dev/null 2>&1 &
    AGS_PID=$!
    for _ in $(seq 300); do [ -e agent-up ] && break; sleep 0.1; done
    kill -KILL "$AGS_PID"
    wait "$AGS_PID" 2>/dev/null || true
}
if podman_only "kill -9 leaves Podman secrets, swept by the next run (bwrap: they die with ags, below)"; then
    # Not ours although named like a run's (no ags.managed label): never swept.
    api DELETE '/secrets/ags-4194303-notours-0' # left by an interrupted earlier run
    api POST '/secrets/create?name=ags-4194303-notours-0&driver=file' \
        -H 'Content-Type: application/octet-stream' --data-binary 'not-a-canary'
    check_status "a look-alike secret without labels is created" 200
    kill9_run
    check_eq "kill -9 leaves the run's secrets behind" 4 "$(managed_secrets)" # + the look-alike
    RC=0
    "$AGS_BIN" --agent shell -- -c 'exit 0' </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
    check_eq "the next run succeeds" 0 "$RC"
    check_eq "the next run swept the dead run's secrets and removed its own (the look-alike stays)" 1 \
        "$(managed_secrets)"
    api GET '/secrets/ags-4194303-notours-0/json'
    check_status "a secret named like a dead run's but without ags's labels is left alone" 200
    api DELETE '/secrets/ags-4194303-notours-0'
else
    # ---- kill -9 mid-run on bwrap: the values die with ags (memory files);
    # its per-run directory stays until the next run's sweep
    kill9_run
    check_eq "bwrap: kill -9 leaves the per-run directory" 1 "$(managed_containers)"
    check_eq "bwrap: after kill -9 no file on the host holds a canary" "" \
        "$(host_leaks)"
    RC=0
    "$AGS_BIN" --agent shell -- -c 'exit 0' </dev/null >/dev/null 2>"$E2E_TMP/err" || RC=$?
    check_eq "the next run succeeds" 0 "$RC"
    check_eq "the next run swept the dead run's directory" 0 "$(managed_containers)"

    # ---- the secret files inside: the sandbox user's, 0400, on a tmpfs
    CANARY_SRC=$C_ENV CANARY_PASS=$C_PASS run --agent shell -- -c \
        'stat -c "%a %u" /run/secrets/CANARY_ENV; id -u; stat -f -c %t /run/secrets/CANARY_ENV'
    check_eq "bwrap: a secret file is 0400 and the sandbox user's" \
        "400 $(sed -n 2p <<<"$RUN_OUT")" "$(sed -n 1p <<<"$RUN_OUT")"
    check_eq "bwrap: a secret file is on a tmpfs (memory, never disk)" 1021994 \
        "$(sed -n 3p <<<"$RUN_OUT")"
fi

# ---- lockdown: nothing is resolved, no helper runs
rm -f "$MARKER"
RC=0
CANARY_SRC=$C_ENV CANARY_PASS=$C_PASS "$AGS_BIN" --agent shell --lockdown -- \
    -c 'echo "[${CANARY_ENV:-}${CANARY_CMD:-}${CANARY_PASS:-}]"; ls /run/secrets 2>/dev/null | wc -l' \
    </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RC=$?
check_eq "the lockdown run exits 0" 0 "$RC"
check_eq "lockdown: no canary reaches the agent, no secret file" $'[]\n0' "$(cat "$E2E_TMP/out")"
check_eq "lockdown: the helper never ran" no "$([ -e "$MARKER" ] && echo yes || echo no)"
podman_only "no Podman secret in lockdown" &&
    check_eq "lockdown: no Podman secret was created" 0 "$(managed_secrets)"

e2e_finish
