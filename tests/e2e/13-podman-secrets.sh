#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Secrets through the podman layer: create with labels (the value read from
# stdin and sent as the request body), list by labels with AND semantics
# (4.3 lists no labels: each secret is inspected), a duplicate (EEXIST),
# remove.  The value reaches a container intact, and it never appears in the
# argv of any process (checked while the driver holds it, and after) nor in
# anything the driver prints.  The value itself is never passed to an
# external command here either: it lives in a file (grep reads it with -f) and
# the argv scan is pure bash.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DRIVER=$(cd "$(dirname "$0")" && pwd)/bin/podman-driver
[ -x "$DRIVER" ] || e2e_abort "$DRIVER missing: ctest passes it in AGS_E2E_EXTRA_BINS"

# Everything the driver prints, for the final leak check.
ALL_OUT=$E2E_TMP/all-driver-output
: >"$ALL_OUT"
export DRV_LOG=$ALL_OUT # read by drv (lib.sh)

run=${E2E_RUN#ags-e2e-}
s1=ags-e2e-$run-s1
s2=ags-e2e-$run-s2
app=ags-e2e.app=$run
for s in "$s1" "$s2"; do
    e2e_defer "api DELETE 'secrets/$s' >/dev/null"
done

# A value with URL-special characters: it must travel only as the body.
valfile=$E2E_TMP/value
printf 's3cr3t&x=1?y=%%20#%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" >"$valfile"
value=$(cat "$valfile")

# Processes whose argv contains the value (pure bash: no helper process
# ever gets the value in its own argv).
argv_leaks() {
    local d found='' args=()
    for d in /proc/[0-9]*; do
        mapfile -d '' args 2>/dev/null <"$d/cmdline" || continue
        if [[ "${args[*]}" == *"$value"* ]]; then
            found="$found ${d#/proc/}:${args[0]:0:40}"
        fi
    done
    printf '%s' "$found"
}

# ------------------------------------------------------------ create
fifo=$E2E_TMP/value.fifo
mkfifo "$fifo"
"$DRIVER" secret-create "$s1" "$app" session=s1 <"$fifo" >"$E2E_TMP/c.out" 2>"$E2E_TMP/c.err" &
dpid=$!
exec 7>"$fifo"
cat "$valfile" >&7          # the driver now holds the value, before EOF
sleep 0.3
check_eq "while the driver holds the value, no argv contains it" "" "$(argv_leaks)"
exec 7>&-
rc=0
wait "$dpid" || rc=$?
cat "$E2E_TMP/c.out" "$E2E_TMP/c.err" >>"$ALL_OUT"
check_eq "create $s1 with labels, value on stdin" 0 "$rc"
printf 'second-value' >"$E2E_TMP/value2"
drv secret-create "$s2" "$app" session=s2 <"$E2E_TMP/value2"
check_eq "create $s2" 0 "$DRV_RC"

if ctr_run "{\"image\":\"$AGS_E2E_IMAGE\",\"entrypoint\":[\"/bin/sh\",\"-c\"],
             \"command\":[\"cat /run/secrets/$s1\"],
             \"secrets\":[{\"Source\":\"$s1\",\"Target\":\"\",\"UID\":0,\"GID\":0,\"Mode\":0}]}"; then
    if [ "$CTR_STDOUT" = "$value" ]; then
        ok "the value reaches a container intact"
    else
        fail "the value reaches a container intact" "(the value)" "(something else, ${#CTR_STDOUT} bytes)"
    fi
    ctr_rm "$CTR_ID"
else
    fail "run a container with the secret" "create/start/wait/logs succeed" "$CTR_ERROR"
fi

# ------------------------------------------------------------ list
drv secret-list "$app"
check_eq "list by one label" "$s1 $s2" "$(grep "ags-e2e-$run-" <<<"$DRV_OUT" | sort | tr '\n' ' ' | sed 's/ $//')"
drv secret-list "$app" session=s1
check_eq "list by two labels is an AND" "$s1" "$DRV_OUT"
drv secret-list "$app" session=nope
check_eq "no secret has both" "" "$DRV_OUT"
drv secret-list
check_contains "list without labels has all" "$s2" "$DRV_OUT"

# ------------------------------------------------------------ errors
drv secret-create "$s1" "$app" <"$valfile"
check_eq "a duplicate name fails" 1 "$DRV_RC"
check_contains "with EEXIST" "[EEXIST]" "$DRV_ERR"
drv secret-create "ags-e2e-$run-empty" </dev/null
check_contains "an empty value is refused" "must be 1 to 512000 bytes (it has 0) [EINVAL]" "$DRV_ERR"
drv secret-create "bad name!" <"$valfile"
check_contains "a bad name is refused before anything is sent" "is not a valid secret name" "$DRV_ERR"

# ------------------------------------------------------------ remove
drv secret-remove "$s1"
check_eq "remove $s1" 0 "$DRV_RC"
drv secret-remove "$s2"
check_eq "remove $s2" 0 "$DRV_RC"
drv secret-remove "$s1"
check_contains "removing it again is ENOENT" "[ENOENT]" "$DRV_ERR"
drv secret-list "$app"
check_eq "the list is empty" "" "$DRV_OUT"

# ------------------------------------------------------------ leaks
check_eq "after all that, no argv contains the value" "" "$(argv_leaks)"
if grep -qF -f "$valfile" "$ALL_OUT"; then
    fail "the value never appears in the driver's output"
else
    ok "the value never appears in the driver's output ($(wc -l <"$ALL_OUT") lines checked)"
fi

e2e_finish
