#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016
# Exec through ags's client (src/podman/exec.c, sharing attach's pump):
# exit codes, stdout/stderr apart, stdin with EOF, env/user/workdir,
# binary data, a TTY with the outer pty's size, a missing command (127), a
# bad working directory, and exec in a container that is not running.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_need script timeout sha256sum head
PR=$(cd "$(dirname "$0")" && pwd)/bin/podman-run
[ -x "$PR" ] || e2e_abort "podman-run is missing (AGS_E2E_EXTRA_BINS)"
img=$AGS_E2E_IMAGE
lbl="$E2E_LABEL=$E2E_LABEL_VALUE"
out=$E2E_TMP/out
err=$E2E_TMP/err
export PR

prun() {
    RC=0
    "$PR" "$@" >"$out" 2>"$err" </dev/null || RC=$?
}

prun create --label "$lbl" "$img" sleep 300
id=$(cat "$out")
[ -n "$id" ] || e2e_abort "create a container to exec in: $(cat "$err")"
prun exec "$id" true
check_contains "exec in a created (not running) container fails" "running" "$(cat "$err")"
check_eq "... with status 125" 125 "$RC"
prun start "$id"
check_eq "start the container" 0 "$RC"

# ------------------------------------------------------------ non-TTY
rc=0
printf 'hello-stdin\n' | "$PR" exec -i -e E=1 -u 1000 -w /bin "$id" \
    sh -c 'echo "out:$(cat)"; echo err >&2; id -u; pwd; echo "E=$E"; exit 42' \
    >"$out" 2>"$err" || rc=$?
check_eq "exec: exit code" 42 "$rc"
check_eq "exec: stdout (stdin, user, workdir, env)" \
    "$(printf 'out:hello-stdin\n1000\n/bin\nE=1')" "$(cat "$out")"
check_eq "exec: stderr apart" err "$(cat "$err")"

head -c 262144 /dev/urandom >"$E2E_TMP/rnd"
got=$("$PR" exec -i "$id" cat <"$E2E_TMP/rnd" 2>"$err" | sha256sum)
check_eq "exec: 256 KiB of binary stdin round-trip" "$(sha256sum <"$E2E_TMP/rnd")" "$got"

prun exec "$id" /no/such/command
check_eq "exec: a missing command exits 127" 127 "$RC"
prun exec -w /no/such/dir "$id" true
check_eq "exec: a bad working directory fails (127, as podman reports it)" 127 "$RC"
prun exec -e 9X=1 "$id" true
check_contains "exec: an invalid env name is refused" "NAME=VALUE" "$(cat "$err")"

# ------------------------------------------------------------ TTY
exec 3< <(exec sleep 60 2>/dev/null)
feeder=$!
rc=0
timeout 60 script -q -e -c 'stty rows 20 cols 70; "$PR" exec -t -i '"$id"' sh -c "stty size; tty; exit 5"' \
    /dev/null <&3 >"$E2E_TMP/pty.raw" 2>&1 || rc=$?
exec 3<&-
kill "$feeder" 2>/dev/null || true
check_eq "exec -t: exit code" 5 "$rc"
check_eq "exec -t: the outer pty's size and a pty inside" "$(printf '20 70\n/dev/pts/0')" \
    "$(tr -d '\r' <"$E2E_TMP/pty.raw")"

# ------------------------------------------------------------ after the container
prun kill "$id" SIGKILL
prun wait "$id"
prun exec "$id" true
check_eq "exec in an exited container: status 125" 125 "$RC"
check_contains "... saying it does not run" "running" "$(cat "$err")"

e2e_finish
