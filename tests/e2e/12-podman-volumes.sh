#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Volumes through the podman layer: create with labels, exists, labels,
# list by two labels with AND semantics (libpod itself ORs volume label
# filters), a duplicate name (EEXIST), remove while a container uses the
# volume (EBUSY, never forced), remove, remove again (ENOENT).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DRIVER=$(cd "$(dirname "$0")" && pwd)/bin/podman-driver
[ -x "$DRIVER" ] || e2e_abort "$DRIVER missing: ctest passes it in AGS_E2E_EXTRA_BINS"


run=${E2E_RUN#ags-e2e-}
v1=ags-e2e-$run-v1
v2=ags-e2e-$run-v2
v3=ags-e2e-$run-v3
app=ags-e2e.app=$run
for v in "$v1" "$v2" "$v3"; do
    e2e_defer "api DELETE 'volumes/$v?force=true' >/dev/null"
done

drv volume-create "$v1" "$app" session=s1 "note=with spaces = and equals"
check_eq "create $v1 with labels" 0 "$DRV_RC"
drv volume-create "$v2" "$app" session=s2
check_eq "create $v2" 0 "$DRV_RC"
drv volume-create "$v3" session=s1
check_eq "create $v3 (session=s1 but not the app label)" 0 "$DRV_RC"

drv volume-exists "$v1"
check_eq "exists" yes "$DRV_OUT"
drv volume-exists "ags-e2e-$run-none"
check_eq "a missing volume does not" no "$DRV_OUT"
drv volume-labels "$v1"
check_eq "labels (sorted key=value)" "$app
note=with spaces = and equals
session=s1" "$DRV_OUT"

drv volume-list "$app"
check_eq "list by one label" "$v1 $v2" "$(sort <<<"$DRV_OUT" | tr '\n' ' ' | sed 's/ $//')"
drv volume-list "$app" session=s1
check_eq "list by two labels is an AND" "$v1" "$DRV_OUT"
drv volume-list session=s1 "$app"
check_eq "in either order" "$v1" "$DRV_OUT"
drv volume-list "$app" session=s3
check_eq "no volume has both" "" "$DRV_OUT"
drv volume-list "$app" note
check_eq "a bare key matches any value" "$v1" "$DRV_OUT"
# What libpod does on its own (why the layer filters): both labels OR-ed.
api GET volumes/json -G --data-urlencode "filters={\"label\":[\"$app\",\"session=s1\"]}"
n=$(printf '%s' "$API_BODY" | python3 -c "import json,sys; print(len([v for v in json.load(sys.stdin) if v['Name'].startswith('ags-e2e-$run-')]))")
check_eq "(libpod alone ORs the two labels: all three match)" 3 "$n"

drv volume-create "$v1"
check_eq "a duplicate name fails" 1 "$DRV_RC"
check_contains "with EEXIST" "[EEXIST]" "$DRV_ERR"
drv volume-create "ags-e2e-$run-bad" "no-equals-sign"
check_contains "a label without '=' is refused" "label 'no-equals-sign' is not KEY=VALUE [EINVAL]" "$DRV_ERR"

ctr_create "{\"image\":\"$AGS_E2E_IMAGE\",\"command\":[\"true\"],
             \"volumes\":[{\"Name\":\"$v1\",\"Dest\":\"/data\",\"Options\":[]}]}"
check_status "a container using $v1" 201
drv volume-remove "$v1"
check_eq "removing a volume in use fails" 1 "$DRV_RC"
check_match "with EBUSY and the reason" "cannot remove volume '$v1': a container uses it .*remove that container first \[EBUSY\]" "$DRV_ERR"
api GET "containers/$CTR_ID/exists"
check_status "and never forces: the container is still there" 204
ctr_rm "$CTR_ID"

for v in "$v1" "$v2" "$v3"; do
    drv volume-remove "$v"
    check_eq "remove $v" 0 "$DRV_RC"
done
drv volume-exists "$v1"
check_eq "gone" no "$DRV_OUT"
drv volume-remove "$v1"
check_contains "removing it again is ENOENT" "[ENOENT]" "$DRV_ERR"
drv volume-list "$app"
check_eq "the list is empty" "" "$DRV_OUT"

e2e_finish
