#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Several engines (issue 20 items 3 and 4) with the loopback remote host of
# remote-sshd.sh (root mode: a second user's Podman) named `test-remote` in
# containers.conf (under the test's XDG_CONFIG_HOME), beside `closed` (a port
# nothing listens on) and `silent` (a listener that never says a word: ssh's
# banner never comes):
#  - ags ps lists the sessions of the local engine and of test-remote, each
#    row with its engine (a session run on test-remote is not on the local
#    engine); the two dead connections are said on stderr and
#    cost the 2 s bound, not ssh's 10 s; a name on two engines (a look-alike
#    of the remote session's name on the local engine) is refused
#    (exit 2, naming both); with the local engine gone, ags stop NAME finds
#    the session on test-remote and stops it there, and ags logs finds the
#    one detachable session there;
#  - ags doctor has a section per connection; --connection checks one;
#  - ags update-image and ags update-agents through ssh://: a tiny image
#    FROM the test image (its own Containerfile, so the build is seconds,
#    not the real image's minutes: the same upload of the context through
#    the API) with a fake pnpm, built on test-remote with its steps streamed,
#    then `update-agents pi` installed by that pnpm in a maintenance sandbox
#    on test-remote; neither the image nor the volume is on the local engine.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need timeout python3 git
# shellcheck source=remote-sshd.sh
. "$(dirname "$0")/remote-sshd.sh"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$XDG_CONFIG_HOME/ags" "$XDG_CONFIG_HOME/containers"
git init -q "$WORK" # a remote run uploads it
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"

CLOSED=$(free_port)
SILENT=$(free_port)
# listens (so connect succeeds) but never accepts or speaks
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(600)' \
    "$SILENT" &
e2e_defer "kill $!"
cat >"$XDG_CONFIG_HOME/containers/containers.conf" <<CONF
[engine.service_destinations.test-remote]
uri = "$REMOTE_URI"
[engine.service_destinations.closed]
uri = "ssh://$ME@127.0.0.1:$CLOSED/run/user/1/podman/podman.sock"
[engine.service_destinations.silent]
uri = "ssh://$ME@127.0.0.1:$SILENT/run/user/1/podman/podman.sock"
CONF

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ---- a session on test-remote
CONTAINER_HOST=$REMOTE_URI "$AGS_BIN" --agent shell -- -c 'sleep 120' </dev/null >/dev/null 2>"$E2E_TMP/run-err" &
RUN_PID=$!
e2e_defer "kill -9 $RUN_PID 2>/dev/null || true"
names_on() { # ENGINE: the names of this test's sessions (its workdir) ags ps --json lists there
    "$AGS_BIN" ps --json 2>/dev/null |
        python3 -c 'import json, sys
print(" ".join(r["name"] for r in json.load(sys.stdin) if r["engine"] == sys.argv[1] and r["workdir"] == sys.argv[2]))' \
            "$1" "$WORK"
}
# (each ags ps waits out the silent engine's 2 s)
for _ in $(seq 30); do [ -n "$(names_on test-remote)" ] && break; sleep 0.2; done
NAME=$(names_on test-remote)
check_match "ags ps lists the session run on test-remote there" '^ags-' "$NAME"
[ -n "$NAME" ] || e2e_abort "no session on test-remote: $(cat "$E2E_TMP/run-err")"
TWIN=
if [ "$REMOTE_SEPARATE" = 1 ]; then
    check_eq "and not on the local engine (another user's Podman)" "" "$(names_on local)"
    # a session of the same name on the local engine (names are unique per engine only)
    ctr_create "$(python3 -c 'import json, sys
print(json.dumps({"image": sys.argv[1], "name": sys.argv[2], "command": ["/bin/sh", "-c", "sleep 120"],
                  "labels": {"ags.managed": "true", "ags.session": "fedcba9876543210",
                             "ags.agent": "shell"}}))' "$AGS_E2E_IMAGE" "$NAME")"
    [ -n "$CTR_ID" ] || e2e_abort "the local look-alike: HTTP $API_STATUS: $API_BODY"
    TWIN=$CTR_ID
    api POST "containers/$TWIN/start"
    check_status "a look-alike of its name runs on the local engine" 204
else
    check_eq "and on the local engine (the same Podman in user mode), under that name" "$NAME" \
        "$(names_on local)"
fi

T0=$(date +%s%N)
run ps
MS=$(ms_since "$T0")
echo "# ags ps with three connections (one silent) took ${MS} ms"
check_eq "ags ps exits 0 although two engines are unreachable" 0 "$RUN_RC"
check_match "the table has an ENGINE column" '^NAME +ENGINE +AGENT' "$RUN_OUT"
check_match "the session's row on test-remote names its engine" "$NAME +test-remote +shell" "$RUN_OUT"
check_match "the closed connection is said on stderr" \
    'engine closed: unreachable \(ssh: cannot connect to 127\.0\.0\.1' "$RUN_ERR"
check_contains "so is the silent one" "engine silent: unreachable" "$RUN_ERR"
[ "$MS" -lt 6000 ] && ok "a silent engine is given up on after the 2 s bound (${MS} ms, ssh's own is 10 s)" ||
    fail "a silent engine is given up on after the 2 s bound" "< 6000 ms" "${MS} ms"

run ps --connection test-remote --quiet
check_eq "--connection lists one engine" "$NAME" "$RUN_OUT"
check_eq "and asks no other" "" "$RUN_ERR"

T_CONN=$(date +%s%N)
run --connection test-remote --agent shell -- -c 'echo via-connection; exit 4'
check_eq "ags --connection test-remote --agent shell passes the exit status" 4 "$RUN_RC"
check_eq "and the output" via-connection "$RUN_OUT"
local_untouched_since "$T_CONN" "the run went to test-remote, not to the local engine"

run stop "$NAME"
check_eq "ags stop of a name on two engines is a usage error" 2 "$RUN_RC"
check_contains "naming both" "on several engines (local, test-remote)" "$RUN_ERR"
if [ -n "$TWIN" ]; then
    ctr_rm "$TWIN" || fail "remove the local look-alike" "HTTP 200" "HTTP $API_STATUS"
fi
T_LOCAL=$(date +%s%N)

# ---- the local engine gone: the session is found where it lives
NONE="unix://$AGS_E2E_SCRATCH/no-podman.sock"
CONTAINER_HOST=$NONE run ps --json
check_eq "with the local engine unreachable ags ps still exits 0" 0 "$RUN_RC"
check_contains "saying so" "engine local: unreachable" "$RUN_ERR"
check_contains "and listing test-remote's session" "\"engine\": \"test-remote\"" "$RUN_OUT"
CONTAINER_HOST=$NONE run stop "$NAME"
check_eq "ags stop NAME finds it on test-remote and stops it there" 0 "$RUN_RC"
check_contains "saying so" "stopped $NAME" "$RUN_OUT$RUN_ERR"
RC=0
timeout 30 tail --pid="$RUN_PID" -f /dev/null || RC=$?
check_eq "the session's own ags ended" 0 "$RC"
check_eq "no sandbox is left on test-remote" 0 "$(on_remote managed_containers)"

# ---- a detachable session: ags logs finds it where it lives (an exec through ssh://)
CONTAINER_HOST=$REMOTE_URI run --agent shell --detach -- -c 'echo hello-from-$((6*7)); sleep 120'
check_eq "a detachable session starts on test-remote" 0 "$RUN_RC"
DNAME=$(names_on test-remote)
[ -n "$DNAME" ] || e2e_abort "no detachable session: $RUN_ERR"
RC=1
for _ in $(seq 50); do
    CONTAINER_HOST=$NONE run logs
    RC=$RUN_RC
    [ "$RC" = 0 ] && [[ $RUN_OUT == *hello-from-42* ]] && break
    sleep 0.2
done
check_eq "ags logs without a name finds the one detachable session, on test-remote" 0 "$RC"
check_contains "and shows its output through ssh://" hello-from-42 "$RUN_OUT"
CONTAINER_HOST=$NONE run stop "$DNAME"
check_eq "ags stop ends it there" 0 "$RUN_RC"

# ---- ags doctor per connection
run doctor --json
doctor_check() { # NAME FIELD: a check's field of the last doctor --json
    python3 -c 'import json, sys
for c in json.loads(sys.stdin.read())["checks"]:
    if c["name"] == sys.argv[1]: print(c[sys.argv[2]])' "$1" "$2" <<<"$RUN_OUT"
}
check_eq "doctor has a section for test-remote" "Connection test-remote" \
    "$(doctor_check test-remote/podman-api section)"
check_eq "where Podman answers" ok "$(doctor_check test-remote/podman-api status)"
check_contains "through ssh://" "at $REMOTE_URI" "$(doctor_check test-remote/podman-api message)"
check_eq "rootless" ok "$(doctor_check test-remote/podman-rootless status)"
check_eq "the closed connection is a warning" warn "$(doctor_check closed/podman-api status)"
check_contains "with the reason" "Connection refused" "$(doctor_check closed/podman-api message)"
check_eq "test-remote's image is checked" "Connection test-remote" \
    "$(doctor_check test-remote/image section)"
run doctor --json --connection test-remote
check_contains "doctor --connection checks that engine" "at $REMOTE_URI" \
    "$(doctor_check podman-api message)"
check_eq "and no other" "" "$(doctor_check closed/podman-api status)"
run doctor --connection nope
check_eq "doctor --connection with an unknown name is a usage error" 2 "$RUN_RC"

# ---- update-image and update-agents through ssh://
IMAGE=localhost/ags-e2e-remote-maint:latest
CTX=$AGS_E2E_SCRATCH/ctx
mkdir -p "$CTX"
cat >"$CTX/pnpm" <<'SH'
#!/bin/sh
# the fake pnpm of e2e/remote-engines: `pnpm add -g ...` installs a pi that
# prints a version
mkdir -p /usr/local/pnpm
printf '#!/bin/sh\necho 0.0.1-e2e\n' >/usr/local/pnpm/pi
chmod 755 /usr/local/pnpm/pi
echo "fake pnpm: $*"
SH
chmod 755 "$CTX/pnpm"
printf 'FROM %s\nCOPY pnpm /usr/local/bin/pnpm\nLABEL ags-e2e.remote=1\n' "$AGS_E2E_IMAGE" \
    >"$CTX/Containerfile"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$IMAGE"
containerfile = "$CTX/Containerfile"

[image]
base = "$AGS_E2E_IMAGE"
trust_host_ca = false

[update]
minimum_release_age = 0
TOML
e2e_defer "on_remote api DELETE images/$IMAGE"
on_remote remove_volumes_named ags-pi-
e2e_defer "on_remote remove_volumes_named ags-pi-"

CONTAINER_HOST=$NONE run update-image --connection test-remote
check_eq "ags update-image --connection test-remote builds through ssh://" 0 "$RUN_RC"
check_match "its build steps stream to stderr" 'STEP 2/[0-9]+: COPY pnpm' "$RUN_ERR"
check_contains "and it says what it built" "built $IMAGE" "$RUN_OUT"
on_remote api GET "images/$IMAGE/json"
check_status "the image is in test-remote's storage" 200
check_contains "with ags's context label" "ags.image.context-sha256" "$API_BODY"

CONTAINER_HOST=$NONE run update-agents --connection test-remote pi
check_eq "ags update-agents --connection test-remote pi succeeds" 0 "$RUN_RC"
check_match "pi installed by the image's pnpm on test-remote" \
    '^pi: not installed -> 0\.0\.1-e2e \([0-9.]+ s\)$' "$RUN_OUT"
check_contains "saying what it does as it goes" "pi: installing" "$RUN_ERR"
CONTAINER_HOST=$NONE run doctor --json --connection test-remote
check_contains "doctor sees pi's volume on test-remote" "volume ags-pi-pnpm-home is there" \
    "$(doctor_check agent-pi message)"
check_eq "and test-remote's image current" ok "$(doctor_check image status)"
if [ "$REMOTE_SEPARATE" = 1 ]; then
    check_eq "the image is not in the local engine's storage" no "$(image_exists "$IMAGE")"
fi

local_untouched_since "$T_LOCAL" "the local engine saw nothing of the remote sessions, build and install"
e2e_finish
