#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Self-test of the e2e harness, curl only: the private service answers, the
# test image exists and runs (busybox sh, static bash), the API mechanics the
# other tests rely on work (create, attach, start, wait, logs, demux, delete),
# keep-id maps the test user's uid onto a bind mount, the copied ags binary
# runs as the test user, and the label sweep removes leftovers.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

img=$AGS_E2E_IMAGE
uid=$(id -u)
gid=$(id -g)

# ------------------------------------------------------------ service, image
api GET _ping
check_eq "_ping answers OK" "200 OK" "$API_STATUS $API_BODY"
api GET "images/$img/exists"
check_status "test image $img exists" 204

# ------------------------------------------------------------ the ags copy
if [ -z "${AGS_BIN:-}" ]; then
    fail "AGS_BIN names the ags binary" "a path" "empty: the ags target was not built (cmake --build first)"
else
    rc=0
    out=$("$AGS_BIN" --version 2>&1) || rc=$?
    check_eq "ags --version runs as $(id -un) (exit status)" 0 "$rc"
    check_match "ags --version prints the version" '^ags [0-9]+\.[0-9]+' "$out"
fi

# ------------------------------------------------------------ full cycle
ctr_create "{\"image\":\"$img\",\"entrypoint\":[\"/bin/sh\",\"-c\"],
             \"command\":[\"echo to-stdout; echo to-stderr >&2; exit 7\"]}"
check_status "create" 201
check_match "create returns a 64-hex id" '^[0-9a-f]{64}$' "$CTR_ID"
[ -n "$CTR_ID" ] || e2e_abort "no container to continue with"
id=$CTR_ID

# Attach before start (a plain POST, no Upgrade: the server answers 200 and
# streams raw frames until the container exits). curl -v shows the response
# header on stderr as soon as it arrives; with -i it would only be written
# with the first body bytes, after start.
attach_raw=$E2E_TMP/attach.raw
attach_err=$E2E_TMP/attach.err
curl -sS -v -N --max-time 30 --unix-socket "$E2E_SOCK" -X POST -o "$attach_raw" \
    "$E2E_API/containers/$id/attach?stream=true&stdout=true&stderr=true" 2>"$attach_err" &
attach_pid=$!
e2e_defer "kill $attach_pid 2>/dev/null || true"
attach_ready() { grep -qa $'^<[[:space:]]*$' "$attach_err" 2>/dev/null; }
for _ in $(seq 200); do
    attach_ready && break
    sleep 0.05
done
if attach_ready; then
    ok "attach answers with its header before start"
else
    fail "attach answers with its header before start" "an HTTP header within 10 s" "$(cat "$attach_err")"
fi

api POST "containers/$id/start"
check_status "start" 204
api POST "containers/$id/wait?condition=exited"
check_status "wait" 200
check_eq "wait returns the exit status" 7 "$(printf '%s' "$API_BODY" | tr -d '[:space:]')"

rc=0
wait "$attach_pid" || rc=$?
check_eq "attach stream ends when the container exits (curl status)" 0 "$rc"
check_match "attach status line" '^< HTTP/1\.1 (101|200) ' "$(grep -a '^< HTTP' "$attach_err")"
check_contains "attach content type" "application/vnd.docker.raw-stream" "$(cat "$attach_err")"
if err=$(demux "$E2E_TMP/attach.raw" "$E2E_TMP/a" 2>&1); then
    ok "attach stream demultiplexes"
    check_eq "attach: stream 1 (stdout)" "to-stdout" "$(cat "$E2E_TMP/a.1")"
    check_eq "attach: stream 2 (stderr)" "to-stderr" "$(cat "$E2E_TMP/a.2")"
else
    fail "attach stream demultiplexes" "well-formed frames" "$err"
fi

api GET "containers/$id/logs?stdout=true&stderr=true"
check_status "logs" 200
if err=$(demux "$API_BODY_FILE" "$E2E_TMP/l" 2>&1); then
    ok "logs stream demultiplexes"
    check_eq "logs: stream 1 (stdout)" "to-stdout" "$(cat "$E2E_TMP/l.1")"
    check_eq "logs: stream 2 (stderr)" "to-stderr" "$(cat "$E2E_TMP/l.2")"
else
    fail "logs stream demultiplexes" "well-formed frames" "$err"
fi

api DELETE "containers/$id?force=true"
check_status "delete ?force=true" 200
api GET "containers/$id/exists"
check_status "the container is gone (exists)" 404

# ------------------------------------------------------------ static bash
if ctr_run "{\"image\":\"$img\",\"entrypoint\":[\"/bin/bash\",\"-c\",\"echo \\\"bash \$BASH_VERSION\\\"\"]}"; then
    check_eq "bash -c exits 0" 0 "$CTR_EXIT"
    check_match "/bin/bash runs in the image" '^bash [45]\.[0-9]+' "$CTR_STDOUT"
else
    fail "run /bin/bash in the image" "create, start, wait and logs succeed" "$CTR_ERROR"
fi

# ------------------------------------------------------------ keep-id
wdir=$AGS_E2E_SCRATCH/keepid
mkdir "$wdir"
mount="\"mounts\":[{\"destination\":\"/w\",\"type\":\"bind\",\"source\":$(json_str "$wdir"),\"options\":[\"rw\"]}]"
if ctr_run "{\"image\":\"$img\",\"userns\":{\"nsmode\":\"keep-id\"},$mount,
             \"entrypoint\":[\"/bin/sh\",\"-c\",\"id -u; echo hi >/w/made-in-ctr\"]}"; then
    check_eq "keep-id: the container exits 0" 0 "$CTR_EXIT"
    check_eq "keep-id: uid inside = host uid" "$uid" "$CTR_STDOUT"
    check_eq "keep-id: the file is the test user's on the host" "$uid:$gid" \
        "$(stat -c %u:%g "$wdir/made-in-ctr" 2>&1)"
    check_eq "keep-id: file content" hi "$(cat "$wdir/made-in-ctr" 2>&1)"
else
    fail "run with keep-id and a bind mount" "create, start, wait and logs succeed" "$CTR_ERROR"
fi
# Control: without keep-id the process is root inside the user namespace.
if ctr_run "{\"image\":\"$img\",\"entrypoint\":[\"/bin/sh\",\"-c\",\"id -u\"]}"; then
    check_eq "no keep-id: uid inside is 0" 0 "$CTR_STDOUT"
else
    fail "run without keep-id" "create, start, wait and logs succeed" "$CTR_ERROR"
fi

# ------------------------------------------------------------ label sweep
# The containers above (not deleted explicitly) carry this test's label.
count() {
    api GET containers/json -G --data-urlencode all=true \
        --data-urlencode "filters={\"label\":[\"$E2E_LABEL=$E2E_LABEL_VALUE\"]}"
    printf '%s' "$API_BODY" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}
check_eq "containers left for the sweep" 3 "$(count)"
_e2e_sweep
check_eq "the label sweep removed them" 0 "$(count)"

e2e_finish
