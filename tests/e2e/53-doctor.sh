#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ags doctor against the real rootless service (issue 13 item 1): a healthy
# setup exits 0 with exactly the WARNs this host earns; Podman gone (no
# socket, or one that never answers) is a FAIL within the bound and doctor
# starts no service; the image removed is a FAIL naming `ags update-image`;
# a broken config is a FAIL with FILE:LINE:COL while the other sections still
# run; --json matches the documented schema. Prints the times it measured.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
HERE=$(cd "$(dirname "$0")" && pwd)
SCHEMA=$HERE/53-doctor.d/doctor.schema.json
VALIDATE=$HERE/53-doctor.d/validate.py
IMAGE=localhost/ags-doctor-e2e:latest
DEAD_BOUND_MS=10000 # the issue asks for 5 s; this bound only catches a hang

export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$XDG_CONFIG_HOME/ags" "$AGS_E2E_SCRATCH/repo/.git"
cd "$AGS_E2E_SCRATCH/repo" || e2e_abort "cannot enter the scratch repo"
CONFIG=$XDG_CONFIG_HOME/ags/config.toml
# A secret from the environment and one from a helper that leaves a marker.
HELPER=$AGS_E2E_SCRATCH/helper.sh
MARKER=$AGS_E2E_SCRATCH/helper-ran
printf '#!/bin/sh\ntouch %s\necho helper-canary-value\n' "$MARKER" >"$HELPER"
chmod 0755 "$HELPER"
# The agent's keys, usable (made without a passphrase: doctor never needs one).
KEYS=$AGS_E2E_SCRATCH/keys
mkdir -m 700 "$KEYS"
for k in auth signing; do
    ssh-keygen -q -t ed25519 -N '' -f "$KEYS/$k" -C "ags-agent-$k" </dev/null >/dev/null
done
write_config() { # write_config [EXTRA LINE]: the healthy config, plus one line of [sandbox]
    printf '[sandbox]\nimage = "%s"\n%s\nauth_key = "%s"\nsign_key = "%s"\n[[secret]]\nenv = "DOCTOR_TOKEN"\nfrom_env = "DOCTOR_HOST_TOKEN"\n[[secret]]\nenv = "DOCTOR_HELPED"\ncommand = ["%s"]\n' \
        "$IMAGE" "${1:-}" "$KEYS/auth" "$KEYS/signing" "$HELPER" >"$CONFIG"
}
write_config
export DOCTOR_HOST_TOKEN=env-canary-value
printf '[user]\n\tname = Doctor Test\n\temail = doctor@example.org\n\tsigningkey = %s\n[gpg]\n\tformat = ssh\n[commit]\n\tgpgsign = true\n' \
    /home/dev/.ssh/ags-agent-signing.pub >"$XDG_CONFIG_HOME/ags/gitconfig-agent"

# doctor_run ARGS...: ags doctor with RUN_* set and DOCTOR_MS its wall time.
doctor_run() {
    local t0 t1
    t0=$(date +%s%N)
    run doctor "$@"
    t1=$(date +%s%N)
    DOCTOR_MS=$(((t1 - t0) / 1000000))
}

# status_of NAME [JSON]: the status of the named check in doctor's JSON.
status_of() {
    python3 -c 'import json, sys
for c in json.loads(sys.argv[1])["checks"]:
    if c["name"] == sys.argv[2]:
        print(c["status"]); break' "${2-$RUN_OUT}" "$1"
}

# field_of NAME FIELD: a field of the named check in the last JSON.
field_of() {
    python3 -c 'import json, sys
for c in json.loads(sys.argv[1])["checks"]:
    if c["name"] == sys.argv[2]:
        print(c[sys.argv[3]] or ""); break' "$RUN_OUT" "$1" "$2"
}

# names_with STATUS: the names of the checks with that status, space-separated.
names_with() {
    python3 -c 'import json, sys
print(" ".join(c["name"] for c in json.loads(sys.argv[1])["checks"] if c["status"] == sys.argv[2]))' \
        "$RUN_OUT" "$1"
}

# schema_check DESC: the last output validates against the documented schema.
schema_check() {
    printf '%s' "$RUN_OUT" >"$E2E_TMP/doctor.json"
    local why
    if why=$(python3 "$VALIDATE" "$SCHEMA" "$E2E_TMP/doctor.json" 2>&1); then
        ok "$1"
    else
        fail "$1" "$why"
    fi
}

# ---- the image: the test image with the context label doctor expects.
# doctor's outdated WARN names the digest an image built now would carry.
label_image() { # label_image DIGEST
    ctr_create "{\"image\":\"$AGS_E2E_IMAGE\",\"command\":[\"true\"]}"
    [ -n "$CTR_ID" ] || e2e_abort "create a container to commit: HTTP $API_STATUS: $API_BODY"
    api POST commit -G --data-urlencode "container=$CTR_ID" --data-urlencode "repo=${IMAGE%:*}" \
        --data-urlencode "tag=${IMAGE##*:}" \
        --data-urlencode "changes=LABEL ags.image.context-sha256=$1" \
        --data-urlencode "changes=LABEL ags.image.built=e2e"
    [ "$API_STATUS" = 200 ] || e2e_abort "commit $IMAGE: HTTP $API_STATUS: $API_BODY"
    ctr_rm "$CTR_ID" || true
}
e2e_defer "api DELETE 'images/$IMAGE?force=true'"
label_image stale
doctor_run --json
check_eq "an image with another context label is a WARN" warn "$(status_of image)"
check_contains "the WARN says the image is outdated" "is outdated: run \`ags update-image\`" \
    "$(field_of image message)"
EXPECTED=$(field_of image message | sed -n 's/.*, now \([0-9a-f]\{64\}\)).*/\1/p')
check_match "the WARN names the current context digest" '^[0-9a-f]{64}$' "$EXPECTED"
label_image "$EXPECTED"

# ---- the agents: volumes as update-agents leaves them (made here unless
# they exist already: another test's real installs are left alone).
CREATED_VOLUMES=()
agent_volume() { # agent_volume AGENT VOLUME WHAT -> MOUNTPOINT in $VOL_PATH ("" if it existed)
    VOL_PATH=
    api GET "volumes/$2/exists"
    [ "$API_STATUS" = 404 ] || return 0
    api_json POST volumes/create "{\"Name\":\"$2\",\"Labels\":{\"ags.managed\":\"true\",\"ags.agent\":\"$1\",\"ags.volume\":\"$3\"}}"
    [ "$API_STATUS" = 201 ] || e2e_abort "create volume $2: HTTP $API_STATUS: $API_BODY"
    CREATED_VOLUMES+=("$2")
    e2e_defer "api DELETE 'volumes/$2?force=true'"
    VOL_PATH=$(jget Mountpoint)
}
declare -A WANT_VERSION
pnpm_agent() { # pnpm_agent AGENT PACKAGE VERSION
    agent_volume "$1" "ags-$1-pnpm-home" pnpm-home
    [ -n "$VOL_PATH" ] || return 0
    local store=".pnpm/${2//\//+}@$3/node_modules/$2" nm=$VOL_PATH/global/5/node_modules
    mkdir -p "$nm/$store" "$(dirname "$nm/$2")"
    printf '{"name":"%s","version":"%s"}\n' "$2" "$3" >"$nm/$store/package.json"
    if [[ $2 == */* ]]; then ln -s "../$store" "$nm/$2"; else ln -s "$store" "$nm/$2"; fi
    WANT_VERSION[$1]=$3
}
pnpm_agent pi @earendil-works/pi-coding-agent 9.1.1
pnpm_agent codex @openai/codex 9.2.2
pnpm_agent gemini @google/gemini-cli 9.3.3
pnpm_agent opencode opencode-ai 9.4.4
agent_volume claude ags-claude-install install
if [ -n "$VOL_PATH" ]; then
    mkdir -p "$VOL_PATH/npm/lib/node_modules/@anthropic-ai/claude-code"
    printf '{"version":"9.5.5"}\n' >"$VOL_PATH/npm/lib/node_modules/@anthropic-ai/claude-code/package.json"
    WANT_VERSION[claude]=9.5.5
fi

# ---- healthy: exit 0; the only WARNs are those this host earns
doctor_run --json
HEALTHY_MS=$DOCTOR_MS
check_eq "healthy: exit 0" 0 "$RUN_RC"
schema_check "healthy: --json matches the documented schema"
check_eq "healthy: no failures" "" "$(names_with fail)"
check_eq "the labelled image is current" ok "$(status_of image)"
for a in pi codex gemini opencode claude; do
    if [ -n "${WANT_VERSION[$a]:-}" ]; then
        check_contains "agent $a: its version is read from its volume" "$a ${WANT_VERSION[$a]} (volume" \
            "$(field_of "agent-$a" message)"
    else
        check_match "agent $a: a volume of another test is reported" '^(ok|warn)$' "$(status_of "agent-$a")"
    fi
done
# What this host earns: resource limits on cgroup v1 or without delegation,
# vfs where rootless overlay does not work, agents another test left uninstalled.
want_warn=()
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
    want_warn+=(resource-limits)
    check_contains "cgroup v1: limits are said not to be enforced" \
        "accepted but not enforced on this host" "$(field_of resource-limits message)"
fi
[ "$(status_of resource-limits)" = warn ] && [[ " ${want_warn[*]} " != *" resource-limits "* ]] &&
    want_warn+=(resource-limits) # v2 without delegation: the message says which
api GET info
[ "$(jget store.graphDriverName)" = vfs ] && want_warn+=(storage-driver)
for a in pi codex gemini opencode claude; do
    [ -z "${WANT_VERSION[$a]:-}" ] && [ "$(status_of "agent-$a")" = warn ] && want_warn+=("agent-$a")
done
check_eq "healthy: exactly the WARNs this host earns" \
    "$(printf '%s\n' "${want_warn[@]}" | sort | xargs)" "$(names_with warn | tr ' ' '\n' | sort | xargs)"
check_eq "Podman is reachable" ok "$(status_of podman-api)"
check_eq "the auth key is usable" ok "$(status_of key-auth)"
check_eq "the signing key is usable" ok "$(status_of key-signing)"
check_eq "the gitconfig signs commits" ok "$(status_of gitconfig-signing)"
check_match "the API check names the version" '^Podman [0-9]+\.[0-9]+' "$(field_of podman-api message)"
echo "# doctor healthy: ${HEALTHY_MS} ms"

check_eq "a secret from the environment is OK" ok "$(status_of secret-DOCTOR_TOKEN)"
check_contains "its source is named" "from_env DOCTOR_HOST_TOKEN" "$(field_of secret-DOCTOR_TOKEN message)"
check_lacks "no secret value is printed" canary-value "$RUN_OUT"
[ ! -e "$MARKER" ] && ok "without --check-secrets no helper runs" || fail "without --check-secrets no helper runs"
check_contains "the helper's secret says how to check it" "ags doctor --check-secrets" \
    "$(field_of secret-DOCTOR_HELPED message)"
doctor_run --json --check-secrets
check_eq "--check-secrets: exit 0" 0 "$RUN_RC"
[ -e "$MARKER" ] && ok "--check-secrets runs the helper" || fail "--check-secrets runs the helper"
check_contains "--check-secrets: the helper resolves it" "command $HELPER" \
    "$(field_of secret-DOCTOR_HELPED message)"
check_lacks "--check-secrets: no secret value is printed" canary-value "$RUN_OUT"

run doctor
check_eq "text: exit 0" 0 "$RUN_RC"
check_contains "text: sections" "== Podman ==" "$RUN_OUT"
check_match "text: the summary line" $'\nSummary: [0-9]+ ok, [0-9]+ warnings?, 0 failures$' "$RUN_OUT"

# ---- Podman gone: no socket at all, and doctor starts none
RUNTIME=$AGS_E2E_SCRATCH/runtime
mkdir -m 0700 "$RUNTIME"
doctor_env() { # doctor_env VAR=VALUE... -- doctor args: with a changed environment
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local t0 t1
    t0=$(date +%s%N)
    RUN_RC=0
    env "${envs[@]}" "$AGS_BIN" doctor "$@" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RUN_RC=$?
    t1=$(date +%s%N)
    DOCTOR_MS=$(((t1 - t0) / 1000000))
    RUN_OUT=$(cat "$E2E_TMP/out")
}
doctor_env -u CONTAINER_HOST XDG_RUNTIME_DIR="$RUNTIME" -- --json
check_eq "no Podman socket: exit 1" 1 "$RUN_RC"
check_eq "no Podman socket: the API check fails" fail "$(status_of podman-api)"
check_contains "the FAIL names the socket" "Podman API not reachable at unix://$RUNTIME/podman/podman.sock" \
    "$(field_of podman-api message)"
check_contains "the fix says how to start it" "systemctl --user start podman.socket" "$(field_of podman-api fix)"
[ ! -e "$RUNTIME/podman" ] && [ ! -e "$RUNTIME/ags" ] && ok "doctor started no Podman service" ||
    fail "doctor started no Podman service" "$(ls -A "$RUNTIME")"
check_eq "without Podman the other sections still run" ok "$(status_of config)"
schema_check "no Podman: --json matches the documented schema"
[ "$DOCTOR_MS" -lt "$DEAD_BOUND_MS" ] && ok "no socket: FAIL within ${DEAD_BOUND_MS} ms" ||
    fail "no socket: FAIL within ${DEAD_BOUND_MS} ms" "$DOCTOR_MS ms"
echo "# doctor with no Podman socket: ${DOCTOR_MS} ms"

# A socket that accepts and never answers (a hung service).
HUNG=$AGS_E2E_SCRATCH/hung.sock
python3 "$HERE/53-doctor.d/silent-socket.py" "$HUNG" >"$E2E_TMP/hung.log" 2>&1 &
HUNG_PID=$!
e2e_defer "kill $HUNG_PID"
for _ in $(seq 100); do grep -q ready "$E2E_TMP/hung.log" && break; sleep 0.1; done
check_contains "the hung service listens" ready "$(cat "$E2E_TMP/hung.log")"
doctor_env CONTAINER_HOST="unix://$HUNG" -- --json
check_eq "hung Podman: exit 1" 1 "$RUN_RC"
check_eq "hung Podman: the API check fails" fail "$(status_of podman-api)"
[ "$DOCTOR_MS" -lt "$DEAD_BOUND_MS" ] && ok "hung socket: FAIL within ${DEAD_BOUND_MS} ms" ||
    fail "hung socket: FAIL within ${DEAD_BOUND_MS} ms" "$DOCTOR_MS ms"
echo "# doctor with a hung Podman socket: ${DOCTOR_MS} ms"

# ---- a broken config: FAIL at FILE:LINE:COL, the other sections still run
write_config 'pids_limit = "many"'
doctor_run --json
check_eq "broken config: exit 1" 1 "$RUN_RC"
check_eq "broken config: the config check fails" fail "$(status_of config)"
check_match "the FAIL names FILE:LINE:COL" "^$CONFIG:3:[0-9]+: .*pids_limit" "$(field_of config message)"
check_eq "broken config: Podman is still checked" ok "$(status_of podman-api)"
check_match "broken config: the image is still checked (the built-in default's)" '^(ok|warn|fail)$' \
    "$(status_of image)"
schema_check "broken config: --json matches the documented schema"
write_config

# ---- the image removed: FAIL with its fix
api DELETE "images/$IMAGE?force=true"
check_status "the labelled image is removed" 200
doctor_run --json
check_eq "image removed: exit 1" 1 "$RUN_RC"
check_eq "image removed: the image check fails" fail "$(status_of image)"
check_eq "image removed: the fix builds it" "ags update-image" "$(field_of image fix)"
check_eq "image removed: nothing else fails" image "$(names_with fail)"
schema_check "image removed: --json matches the documented schema"

e2e_finish
