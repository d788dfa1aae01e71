#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# `ags update-image` for real, registry-free: the base comes from mmdebstrap
# (as this user, --mode=unshare) imported through the API, the build runs
# in process from the shipped containerfile/. Then, inside the image: Node
# >= 22.21, a CA that only the configured bundle holds is trusted (openssl
# verify of a certificate it signed, no network), the labels are there; a
# second update-image removes the previous image. Prints build time and size.
# Needs Debian's mirror and the npm registry (label `image`: ctest -L image).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need mmdebstrap
e2e_need openssl
IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$E2E_TMP/ca"
cd "$WORK" || e2e_abort "cannot enter $WORK"

# ---- a test CA only in the configured bundle, a leaf it signed, and a
# stranger's leaf (signed by a CA that nobody trusts)
make_ca() { # NAME
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ags e2e $1 CA" \
        -keyout "$E2E_TMP/ca/$1-ca.key" -out "$E2E_TMP/ca/$1-ca.pem" 2>/dev/null
}
make_leaf() { # CA NAME
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2.test" \
        -keyout "$E2E_TMP/ca/$2.key" -out "$E2E_TMP/ca/$2.csr" 2>/dev/null
    openssl x509 -req -in "$E2E_TMP/ca/$2.csr" -CA "$E2E_TMP/ca/$1-ca.pem" \
        -CAkey "$E2E_TMP/ca/$1-ca.key" -CAcreateserial -days 2 -out "$WORK/$2.pem" 2>/dev/null
}
make_ca trusted
make_ca stranger
make_leaf trusted leaf-trusted
make_leaf stranger leaf-stranger
BUNDLE=$AGS_E2E_SCRATCH/host-bundle.pem
cat /etc/ssl/certs/ca-certificates.crt "$E2E_TMP/ca/trusted-ca.pem" >"$BUNDLE"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$IMAGE"

[image]
ca_bundle = "$BUNDLE"
TOML

image_json() { # NAME: GET /images/NAME/json into API_BODY
    api GET "images/$1/json"
}
label() { # KEY: a label of the last image_json
    printf '%s' "$API_BODY" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("Labels", {}).get(sys.argv[1], ""))' "$1"
}

# ---- first build (the old test image, if any, goes first: a fresh start)
api DELETE "images/$IMAGE"
t0=$(date +%s)
run update-image
t1=$(date +%s)
check_eq "ags update-image succeeds" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || printf '%s\n' "$RUN_ERR" | tail -n 150 >&2
check_contains "the build steps stream with elapsed time" "s] STEP 1/" "$RUN_ERR"
check_contains "it says what it built" "built $IMAGE" "$RUN_OUT"
api GET "images/$IMAGE/history"
check_status "the image has a history" 200
check_lacks "the CA bundle is no build argument (not in the image history)" \
    "$(sed -n 2p "$E2E_TMP/ca/trusted-ca.pem")" "$API_BODY"
check_contains "the apt step depends on this week's refresh argument (security updates)" \
    "AGS_REFRESH=$(date -u +%G-W%V)" "$API_BODY"
image_json "$IMAGE"
check_status "the image exists" 200
ID1=$(jget Id)
SIZE=$(jget Size)
echo "# update-image: first build $((t1 - t0)) s (base included), image $((SIZE / 1000000)) MB"
printf '%s\n' "$RUN_OUT" | sed 's/^/# /'
check_match "the context digest label is there" '^[0-9a-f]{64}$' "$(label ags.image.context-sha256)"
check_match "the base label names the base" '.+' "$(label ags.image.base)"
check_match "the build time label is there" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$(label ags.image.built)"

# ---- inside the image
run --agent shell -- -c 'node --version; npm --version; pnpm --version'
check_eq "node, npm and pnpm run in the image" 0 "$RUN_RC"
NODE=$(head -n1 <<<"$RUN_OUT")
echo "# node in the image: $NODE"
check_match "Node is >= 22.21" '^v(22\.(2[1-9]|[3-9][0-9])|2[3-9]\.|[3-9][0-9]\.)' "$NODE"
run --agent shell -- -c 'openssl verify leaf-trusted.pem; openssl verify leaf-stranger.pem; echo "node: $NODE_EXTRA_CA_CERTS"'
check_contains "the CA of the configured bundle is trusted inside" "leaf-trusted.pem: OK" "$RUN_OUT"
check_lacks "a CA outside the bundle is not" "leaf-stranger.pem: OK" "$RUN_OUT"
check_contains "Node uses the system store" "node: /etc/ssl/certs/ca-certificates.crt" "$RUN_OUT"

# ---- a second update-image: a new image, the previous one removed
t2=$(date +%s)
run update-image
t3=$(date +%s)
check_eq "a second update-image succeeds" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || printf '%s\n' "$RUN_ERR" | tail -n 40 >&2
echo "# update-image: second build $((t3 - t2)) s (layers cached)"
image_json "$IMAGE"
ID2=$(jget Id)
check_match "the tag names a new image" '.+' "$([ "$ID1" != "$ID2" ] && echo new)"
check_contains "it says the previous image was removed" "Removed previous image ${ID1:0:12}" "$RUN_OUT"
image_json "$ID1"
check_status "the previous image is gone" 404

e2e_finish
