#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Run mode end to end: `ags --agent shell` against the real rootless service:
# output and exit status passthrough, stdin forwarding, keep-id ownership of
# what the agent writes, nothing left behind after normal exit, SIGTERM, and
# kill -9 (swept by the next run), ten concurrent runs, lockdown.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"


# ---- exit status and streams
run --agent shell -- -c 'echo to-stdout; echo to-stderr >&2; exit 7' </dev/null
check_eq "the agent's exit status is ags's exit status" 7 "$RUN_RC"
check_eq "stdout reaches stdout" to-stdout "$RUN_OUT"
check_contains "stderr reaches stderr" to-stderr "$RUN_ERR"
check_eq "no container is left after a normal exit" 0 "$(managed_containers)"

# ---- the engine keeps no log of what the agent prints (log driver none):
# a token it printed must not outlive the sandbox in the engine's journal
if ! on_backend bwrap; then
    MARK="no-log-$$-$RANDOM"
    "$AGS_BIN" --agent shell -- -c "echo $MARK; sleep 4" </dev/null >"$E2E_TMP/nolog" 2>&1 &
    NOLOG_PID=$!
    LOG_TYPE=""
    for _ in $(seq 100); do
        api GET '/containers/json?filters=%7B%22label%22%3A%5B%22ags.managed%3Dtrue%22%5D%7D'
        for id in $(python3 -c 'import json, sys
print(" ".join(c["Id"] for c in json.load(sys.stdin)))' <"$API_BODY_FILE"); do
            api GET "/containers/$id/json"
            case $(jget Args) in *"$MARK"*) LOG_TYPE=$(jget HostConfig.LogConfig.Type) ;; esac
        done
        [ -n "$LOG_TYPE" ] && break
        sleep 0.1
    done
    check_eq "a sandbox's output goes to no log" none "$LOG_TYPE"
    wait "$NOLOG_PID" || true
    check_eq "and still reaches the terminal" "$MARK" "$(cat "$E2E_TMP/nolog")"
fi

# ---- stdin forwarding with EOF
RUN_RC=0
printf 'abc\ndef' | "$AGS_BIN" --agent shell -- -c 'cat; echo; echo done' >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RUN_RC=$?
check_eq "stdin is forwarded and its EOF ends cat" $'abc\ndef\ndone' "$(cat "$E2E_TMP/out")"
check_eq "exit 0 after stdin EOF" 0 "$RUN_RC"

# ---- the workspace: same path, writable, files owned by the user (keep-id)
run --agent shell -- -c 'pwd; echo hi > made-inside; id -u' </dev/null
check_eq "the working directory is mounted at the same path" "$WORK" "$(head -n1 <<<"$RUN_OUT")"
check_eq "keep-id: the agent runs as the image user dev (uid 1000)" 1000 "$(tail -n1 <<<"$RUN_OUT")"
check_eq "a file written inside belongs to the host user" "$(id -u)" "$(stat -c %u "$WORK/made-inside")"

# ---- containment probes (default mode)
# A host service on loopback that the sandbox must not reach.
python3 -u -m http.server --bind 127.0.0.1 0 >"$E2E_TMP/http.log" 2>&1 &
HTTP_PID=$!
e2e_defer "kill $HTTP_PID"
for _ in $(seq 50); do
    PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$E2E_TMP/http.log" | head -n1)
    [ -n "$PORT" ] && break
    sleep 0.1
done
check_match "a loopback service runs on the host" '^[0-9]+$' "${PORT:-}"
PROBES='
grep -q "^CapEff:[[:space:]]*0000000000000000" /proc/self/status && echo caps-none
grep -q "^NoNewPrivs:[[:space:]]*1" /proc/self/status && echo nnp-on
grep -q "^Seccomp:[[:space:]]*2" /proc/self/status && echo seccomp-filter
[ "$(ls /proc | grep -c "^[0-9]")" -lt 15 ] && echo host-pids-hidden
[ ! -e '"$HOME"'/.config/containers/containers.conf ] && echo host-home-hidden
[ ! -e /etc/subuid ] && [ ! -e /etc/shadow ] && echo host-etc-hidden
[ ! -S '"${CONTAINER_HOST#unix://}"' ] && [ ! -e /run/podman/podman.sock ] && echo no-podman-socket
! wget -q -T 3 -O /dev/null http://10.0.2.2:'"$PORT"'/ 2>/dev/null && echo host-loopback-closed
touch ./probe-write && echo workspace-writable
[ -z "${SSH_AUTH_SOCK:-}" ] || [ ! -S "$SSH_AUTH_SOCK" ] && echo no-ssh-agent
[ "${AGS_SANDBOX:-}" = 1 ] && echo ags-sandbox-env
! mount -t tmpfs none /mnt 2>/dev/null && echo cannot-mount
'
run --agent shell -- -c "$PROBES" </dev/null
for p in caps-none nnp-on seccomp-filter host-pids-hidden host-home-hidden host-etc-hidden \
    no-podman-socket host-loopback-closed workspace-writable no-ssh-agent ags-sandbox-env \
    cannot-mount; do
    check_contains "default mode: $p" "$p" "$RUN_OUT"
done

# ---- lockdown: the same probes plus bounded tmpfs and the lockdown marker
run --agent shell --lockdown -- -c "$PROBES"'
[ "${AGS_LOCKDOWN:-}" = 1 ] && echo lockdown-env
grep -q " /tmp tmpfs .*size=1048576k" /proc/mounts && echo tmp-bounded
grep -q " /var/tmp tmpfs .*noexec" /proc/mounts && echo vartmp-noexec
grep -q " /var/tmp tmpfs " /proc/mounts && echo vartmp-tmpfs
[ -z "${GIT_CONFIG_GLOBAL:-}" ] && echo no-gitconfig
' </dev/null
check_eq "lockdown run exits 0" 0 "$RUN_RC"
# bwrap mounts a tmpfs without noexec (docs/bwrap.md, "Differences")
VARTMP=vartmp-noexec
on_backend bwrap && VARTMP=vartmp-tmpfs
for p in caps-none nnp-on seccomp-filter host-pids-hidden host-home-hidden no-podman-socket \
    host-loopback-closed workspace-writable no-ssh-agent lockdown-env tmp-bounded \
    "$VARTMP" no-gitconfig; do
    check_contains "lockdown: $p" "$p" "$RUN_OUT"
done
check_eq "lockdown staging is removed after the run" "" \
    "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'ags-lockdown-*' -user "$(id -u)" 2>/dev/null)"

# ---- SIGTERM, SIGHUP or SIGINT mid-run: the container (and in lockdown the
# staging) is removed, ags says which signal ended the run and exits 125.
# (A background job of a script starts with SIGINT ignored; ags installs its
# own handler, so ^C still ends the run when ags runs in the foreground.)
for SIG in TERM HUP INT; do
    EXTRA=()
    [ "$SIG" = HUP ] && EXTRA=(--lockdown)
    "$AGS_BIN" --agent shell "${EXTRA[@]}" -- -c 'sleep 60' </dev/null >"$E2E_TMP/sig.out" \
        2>"$E2E_TMP/sig.err" &
    AGS_PID=$!
    for _ in $(seq 100); do [ "$(managed_containers)" = 1 ] && break; sleep 0.1; done
    check_eq "SIG$SIG: the sleeping run has its container" 1 "$(managed_containers)"
    sleep 0.5
    kill -"$SIG" "$AGS_PID"
    SIG_RC=0
    wait "$AGS_PID" || SIG_RC=$?
    check_eq "ags exits 125 after SIG$SIG" 125 "$SIG_RC"
    check_contains "ags names SIG$SIG as the end of the run" "SIG$SIG" "$(cat "$E2E_TMP/sig.err")"
    check_eq "SIG$SIG leaves no container" 0 "$(managed_containers)"
done
check_eq "SIGHUP of a lockdown run leaves no staging" "" \
    "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'ags-lockdown-*' -user "$(id -u)" 2>/dev/null)"

if podman_only "a missing image built from the configured Containerfile, and SIGTERM during that build (bwrap builds no Containerfile: refused below)"; then
    # ---- a missing image is built from the configured Containerfile (progress
    # streamed to stderr), then run; the next run uses it without building
    BUILT_IMAGE=localhost/ags-e2e-built:$(date +%s)-$$
    mkdir -p "$E2E_TMP/built"
    printf 'FROM %s\nRUN echo built-by-ags >/built-marker\n' "$AGS_E2E_IMAGE" \
        >"$E2E_TMP/built/Containerfile"
    cat >"$E2E_TMP/built.toml" <<TOML
[sandbox]
image = "$BUILT_IMAGE"
containerfile = "$E2E_TMP/built/Containerfile"
TOML
    run --config "$E2E_TMP/built.toml" --agent shell -- -c 'cat /built-marker' </dev/null
    check_eq "missing image: the run exits 0 after building it" 0 "$RUN_RC"
    check_eq "missing image: the agent runs in the image just built" built-by-ags "$RUN_OUT"
    check_contains "missing image: ags says it builds it" "building the sandbox image $BUILT_IMAGE" \
        "$RUN_ERR"
    check_match "missing image: the build's progress is streamed" \
        '(^|[^0-9])STEP 2/[0-9]+: RUN echo built-by-ags' "$RUN_ERR"
    run --config "$E2E_TMP/built.toml" --agent shell -- -c 'cat /built-marker' </dev/null
    check_eq "an existing image: the next run exits 0" 0 "$RUN_RC"
    check_eq "an existing image is not built again" "" "$(grep -F 'building the sandbox image' <<<"$RUN_ERR")"
    api DELETE "/images/$(printf %s "$BUILT_IMAGE" | sed 's|/|%2F|g; s|:|%3A|g')?force=true"
    check_status "the built image is removed" 200

    # ---- SIGTERM before the agent starts (here: during the image build of a
    # lockdown run): ags stops the build request, removes its staging and exits 125
    # A unique tag each time: Podman finishes an abandoned build on its own, and
    # the next run of this test removes that image here.
    api GET '/images/json?filters=%7B%22reference%22%3A%5B%22localhost%2Fags-e2e-slow%22%5D%7D'
    for old in $(python3 -c 'import json,sys; print(" ".join(i["Id"] for i in json.load(sys.stdin)))' \
        <"$API_BODY_FILE" 2>/dev/null); do
        api DELETE "/images/$old?force=true"
    done
    SLOW_IMAGE=localhost/ags-e2e-slow:$(date +%s)-$$
    mkdir -p "$E2E_TMP/slow" "$E2E_TMP/stg"
    printf 'FROM %s\nRUN sleep 20\n' "$AGS_E2E_IMAGE" >"$E2E_TMP/slow/Containerfile"
    cat >"$E2E_TMP/slow.toml" <<TOML
[sandbox]
image = "$SLOW_IMAGE"
containerfile = "$E2E_TMP/slow/Containerfile"
TOML
    TMPDIR=$E2E_TMP/stg "$AGS_BIN" --config "$E2E_TMP/slow.toml" --agent shell --lockdown -- -c 'true' \
        </dev/null >"$E2E_TMP/slow.out" 2>"$E2E_TMP/slow.err" &
    AGS_PID=$!
    for _ in $(seq 200); do grep -q 'building the sandbox image' "$E2E_TMP/slow.err" && break; sleep 0.1; done
    check_contains "the missing image is being built" "building the sandbox image" "$(cat "$E2E_TMP/slow.err")"
    check_eq "lockdown staging exists while ags prepares" 1 \
        "$(find "$E2E_TMP/stg" -maxdepth 1 -name 'ags-lockdown-*' | wc -l)"
    sleep 1
    kill -TERM "$AGS_PID"
    for _ in $(seq 100); do kill -0 "$AGS_PID" 2>/dev/null || break; sleep 0.1; done
    check_eq "ags stops waiting for the build after SIGTERM (well before the 20 s RUN ends)" gone \
        "$(kill -0 "$AGS_PID" 2>/dev/null && echo running || echo gone)"
    TERM_RC=0
    wait "$AGS_PID" || TERM_RC=$?
    check_eq "ags exits 125 after SIGTERM during the build" 125 "$TERM_RC"
    check_contains "ags says it was interrupted before the agent started" \
        "interrupted by SIGTERM before the agent started" "$(cat "$E2E_TMP/slow.err")"
    check_eq "SIGTERM during the build leaves no lockdown staging" 0 \
        "$(find "$E2E_TMP/stg" -mindepth 1 | wc -l)"
    check_eq "SIGTERM during the build leaves no container" 0 "$(managed_containers)"
else
    # ---- bwrap builds no Containerfile: a configured one is refused, saying
    # what to do, before anything runs or is created
    BUILT_IMAGE=localhost/ags-e2e-built:$(date +%s)-$$
    mkdir -p "$E2E_TMP/built"
    printf 'FROM %s\nRUN echo built-by-ags >/built-marker\n' "$AGS_E2E_IMAGE" \
        >"$E2E_TMP/built/Containerfile"
    printf '[sandbox]\nimage = "%s"\ncontainerfile = "%s"\n' "$BUILT_IMAGE" \
        "$E2E_TMP/built/Containerfile" >"$E2E_TMP/built.toml"
    run --config "$E2E_TMP/built.toml" --agent shell -- -c 'echo agent-ran'
    check_match "bwrap: a configured Containerfile is refused (non-zero exit)" '^[1-9][0-9]*$' "$RUN_RC"
    check_eq "bwrap: the agent never ran" "" "$RUN_OUT"
    check_contains "bwrap: the refusal names the key" containerfile "$RUN_ERR"
    check_contains "bwrap: the refusal names the backend that builds it" "--backend podman" "$RUN_ERR"
    check_eq "bwrap: no image was made under that name" "" "$(bwrap_image_id "$BUILT_IMAGE")"
    check_eq "bwrap: the refused run leaves no sandbox" 0 "$(managed_containers)"
fi

# ---- kill -9 (of a lockdown run): the container and the staging survive
# ags, and the next run sweeps both
staging_dirs() { find "$E2E_TMP/stg" -maxdepth 1 -name 'ags-lockdown-*' | wc -l; }
mkdir -p "$E2E_TMP/stg"
TMPDIR=$E2E_TMP/stg "$AGS_BIN" --agent shell --lockdown -- -c 'sleep 60' </dev/null >/dev/null 2>&1 &
AGS_PID=$!
for _ in $(seq 100); do [ "$(managed_containers)" = 1 ] && break; sleep 0.1; done
sleep 0.5
kill -KILL "$AGS_PID"
wait "$AGS_PID" 2>/dev/null || true
check_eq "kill -9 leaves the container behind" 1 "$(managed_containers)"
if on_backend bwrap; then
    # bwrap --die-with-parent: the sandbox (and its slirp4netns) end with ags,
    # only the per-run directory is left for the sweep.
    procs_named() { # the pids of ours whose argv starts with the arguments
        local p want
        want=$(printf '%s\037' "$@")
        for p in /proc/[0-9]*; do
            [ -O "$p" ] || continue
            [[ $(tr '\0' '\037' <"$p/cmdline" 2>/dev/null) == "$want"* ]] && echo "${p#/proc/}"
        done
        return 0
    }
    for _ in $(seq 100); do
        [ -z "$(procs_named sleep 60)$(procs_named slirp4netns)" ] && break
        sleep 0.1
    done
    check_eq "bwrap: kill -9 of ags ends the sandbox's processes too" "" "$(procs_named sleep 60)"
    check_eq "bwrap: kill -9 of ags ends its slirp4netns too" "" "$(procs_named slirp4netns)"
fi
check_eq "kill -9 leaves the lockdown staging behind" 1 "$(staging_dirs)"
TMPDIR=$E2E_TMP/stg run --agent shell -- -c 'exit 0' </dev/null
check_eq "the next run succeeds" 0 "$RUN_RC"
check_eq "the next run swept the orphan" 0 "$(managed_containers)"
check_eq "the next run swept the dead run's staging" 0 "$(staging_dirs)"

# ---- ten concurrent runs in one directory
pids=()
for i in $(seq 10); do
    "$AGS_BIN" --agent shell -- -c "echo run-$i" </dev/null >"$E2E_TMP/c$i.out" 2>"$E2E_TMP/c$i.err" &
    pids+=($!)
done
bad=0
for i in $(seq 10); do
    rc=0
    wait "${pids[$((i - 1))]}" || rc=$?
    if [ "$rc" -ne 0 ] || [ "$(cat "$E2E_TMP/c$i.out")" != "run-$i" ]; then
        bad=$((bad + 1))
        echo "run $i: exit $rc, out $(cat "$E2E_TMP/c$i.out"), err $(cat "$E2E_TMP/c$i.err")"
    fi
done
check_eq "ten concurrent runs all succeed with their own output" 0 "$bad"
check_eq "ten concurrent runs leave nothing behind" 0 "$(managed_containers)"

e2e_finish
