#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Images through the podman layer: exists / id / remove (409 while a container
# uses the image: -EBUSY naming the container; never forced), builds from a
# context dir tarred in-process (FROM the test image, a build arg that reaches
# RUN, labels, output streamed, the id returned; a second build hits the layer
# cache; RUN false fails with the build's own error text; RUN steps see no
# network, or only slirp4netns's with --network, never the host's), and
# import of a rootfs tarball.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DRIVER=$(cd "$(dirname "$0")" && pwd)/bin/podman-driver
[ -x "$DRIVER" ] || e2e_abort "$DRIVER missing: ctest passes it in AGS_E2E_EXTRA_BINS"


tag=localhost/ags-e2e-build:${E2E_RUN##*-}
bad=localhost/ags-e2e-bad:${E2E_RUN##*-}
netted=localhost/ags-e2e-build:${E2E_RUN##*-}-net
imported=localhost/ags-e2e-import:${E2E_RUN##*-}
for t in "$tag" "$netted" "$bad" "$imported"; do
    e2e_defer "api DELETE 'images/$t' >/dev/null"
done

# ------------------------------------------------------------ exists / id
drv image-exists "$AGS_E2E_IMAGE"
check_eq "the test image exists" yes "$DRV_OUT"
drv image-exists localhost/ags-e2e-no-such-image:1
check_eq "a missing image does not" no "$DRV_OUT"
drv image-id "$AGS_E2E_IMAGE"
api GET "images/$AGS_E2E_IMAGE/json"
check_eq "image-id is the inspect Id" "$(jget Id)" "$DRV_OUT"
drv image-id localhost/ags-e2e-no-such-image:1
check_contains "image-id of a missing image is ENOENT" "[ENOENT]" "$DRV_ERR"

# ------------------------------------------------------------ build
ctx=$AGS_E2E_SCRATCH/ctx
mkdir -p "$ctx/files"
cat >"$ctx/Containerfile.e2e" <<EOF
FROM $AGS_E2E_IMAGE
ARG GREETING
ARG RUN_ID
RUN echo "\$GREETING \$RUN_ID" > /greeting && echo "building-\$RUN_ID"
COPY files/ /files/
RUN cat /proc/net/dev
EOF
echo "payload" >"$ctx/files/data.txt"
ln -s data.txt "$ctx/files/link"

drv build "$ctx" "$tag" -f Containerfile.e2e --arg GREETING=hello-from-e2e \
    --arg "RUN_ID=$E2E_RUN" --label ags-e2e.build=yes
uncached_ms=$DRV_MS
check_eq "build (exit status)" 0 "$DRV_RC"
[ "$DRV_RC" = 0 ] || printf '%s\n' "$DRV_ERR"
check_contains "the build output is streamed" "building-$E2E_RUN" "$DRV_OUT"
id=$(sed -n 's/^id=//p' <<<"$DRV_OUT")
check_match "the build returns a 64-hex id" '^[0-9a-f]{64}$' "$id"
api GET "images/$tag/json"
check_eq "the id is the tagged image's" "$(jget Id)" "$id"
label=$(printf '%s' "$API_BODY" |
    python3 -c 'import json, sys; print((json.load(sys.stdin).get("Labels") or {}).get("ags-e2e.build", ""))')
check_eq "the label is set" yes "$label"
netdev=$(grep -E '^ *[a-z0-9]+:' <<<"$DRV_OUT" | sed 's/:.*//; s/ //g' | sort | tr '\n' ' ')
check_eq "RUN sees no network (loopback only: not the host's)" "lo " "$netdev"

if ctr_run "{\"image\":\"$tag\",\"entrypoint\":[\"/bin/sh\",\"-c\"],
             \"command\":[\"cat /greeting /files/data.txt; readlink /files/link\"]}"; then
    check_eq "the build arg reached RUN; the context's files and symlink arrived" \
        "hello-from-e2e $E2E_RUN
payload
data.txt" "$CTR_STDOUT"
    ctr_rm "$CTR_ID"
else
    fail "run the built image" "create/start/wait/logs succeed" "$CTR_ERROR"
fi

# The same context, written afresh (new mtimes): the layer cache still hits.
touch "$ctx/files/data.txt" "$ctx/Containerfile.e2e"
drv build "$ctx" "$tag" -f Containerfile.e2e --arg GREETING=hello-from-e2e \
    --arg "RUN_ID=$E2E_RUN" --label ags-e2e.build=yes
cached_ms=$DRV_MS
check_eq "second build (exit status)" 0 "$DRV_RC"
check_contains "the second build hits the layer cache" "Using cache" "$DRV_OUT"
check_eq "and gives the same image" "id=$id" "$(tail -n1 <<<"$DRV_OUT")"
misses=$(grep -c '^STEP' <<<"$DRV_OUT" || true)
hits=$(grep -c 'Using cache' <<<"$DRV_OUT" || true)
echo "timing: build uncached $uncached_ms ms, cached $cached_ms ms ($hits of $misses steps from cache)"

drv build "$ctx" "$netted" -f Containerfile.e2e --arg GREETING=x --arg "RUN_ID=$E2E_RUN" --network
check_eq "a build with --network (exit status)" 0 "$DRV_RC"
netdev=$(grep -E '^ *[a-z0-9]+:' <<<"$DRV_OUT" | sed 's/:.*//; s/ //g' | sort | tr '\n' ' ')
check_eq "RUN gets a private slirp4netns network, not the host's" "lo tap0 " "$netdev"

# ------------------------------------------------------------ failing builds
printf 'FROM %s\nRUN echo step-before-failure\nRUN echo about-to-fail && false\n' \
    "$AGS_E2E_IMAGE" >"$ctx/Containerfile.bad"
drv build "$ctx" "$bad" -f Containerfile.bad
check_eq "RUN false fails the build" 1 "$DRV_RC"
check_contains "with the build's own error text" \
    'the image build failed: step 3/3 (RUN echo about-to-fail && false) failed: while running runtime: exit status 1 [EIO]' \
    "$DRV_ERR"
check_contains "after streaming the output so far" "about-to-fail" "$DRV_OUT"
drv image-exists "$bad"
check_eq "and tags nothing" no "$DRV_OUT"
drv build "$ctx" "$bad" -f Containerfile.missing
check_contains "a missing Containerfile is reported before anything is sent" \
    "no Containerfile 'Containerfile.missing' in the build context" "$DRV_ERR"
mkfifo "$ctx/a-fifo"
drv build "$ctx" "$bad" -f Containerfile.bad
check_contains "a special file in the context is refused, not skipped" \
    "a-fifo' is not a regular file, directory or symlink" "$DRV_ERR"
rm -f "$ctx/a-fifo"

# ------------------------------------------------------------ remove, 409
ctr_create "{\"image\":\"$tag\",\"command\":[\"true\"]}"
check_status "a container using the built image" 201
drv image-remove "$tag"
check_eq "removing an image in use fails" 1 "$DRV_RC"
check_contains "with EBUSY naming the container" \
    "cannot remove image '$tag': container ${CTR_ID:0:12} uses it; remove that container first [EBUSY]" \
    "$DRV_ERR"
api GET "containers/$CTR_ID/exists"
check_status "and never forces: the container is still there" 204
ctr_rm "$CTR_ID"
drv image-remove "$tag"
check_eq "without the container it is removed" 0 "$DRV_RC"
drv image-exists "$tag"
check_eq "and gone" no "$DRV_OUT"
drv image-remove "$tag"
check_contains "removing it again is ENOENT" "[ENOENT]" "$DRV_ERR"

# ------------------------------------------------------------ import
mkdir -p "$E2E_TMP/rootfs/etc"
echo imported >"$E2E_TMP/rootfs/etc/marker"
tar -C "$E2E_TMP/rootfs" -cf "$E2E_TMP/rootfs.tar" .
drv image-import "$E2E_TMP/rootfs.tar" "$imported"
check_eq "import (exit status)" 0 "$DRV_RC"
check_match "import returns an id" '^[0-9a-f]{64}$' "$DRV_OUT"
import_id=$DRV_OUT
drv image-id "$imported"
check_eq "the imported image has that id" "$import_id" "$DRV_OUT"
drv image-remove "$imported"
check_eq "the imported image is removed" 0 "$DRV_RC"

e2e_finish
