#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `ags update-image` on the bubblewrap backend for real: mmdebstrap as this
# user with containerfile/setup.sh run in its chroot, the tarball imported
# into the store (~/.local/share/ags/rootfs, here under XDG_DATA_HOME) by tar
# as this user. Then the tree: every file this user's, no setuid file, no
# device, the setup directory gone, the labels and the Containerfile's ENV
# kept; inside bwrap from that root, Node >= 22.21, npm and pnpm run and a CA
# that only the configured bundle holds is trusted. Prints the build time and
# size. Needs Debian's mirror and the npm registry (label `image`).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need mmdebstrap
e2e_need openssl
e2e_need bwrap
IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
WORK=$AGS_E2E_SCRATCH/bwrap-repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/bwrap-config
export XDG_DATA_HOME=$AGS_E2E_SCRATCH/bwrap-data
STORE=$XDG_DATA_HOME/ags
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$E2E_TMP/ca"
rm -rf "$STORE" # a fresh start: every run is a full build
cd "$WORK" || e2e_abort "cannot enter $WORK"

# ---- a test CA only in the configured bundle, and a leaf it signed
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ags e2e bwrap CA" \
    -keyout "$E2E_TMP/ca/ca.key" -out "$E2E_TMP/ca/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=leaf.test" \
    -keyout "$E2E_TMP/ca/leaf.key" -out "$E2E_TMP/ca/leaf.csr" 2>/dev/null
openssl x509 -req -in "$E2E_TMP/ca/leaf.csr" -CA "$E2E_TMP/ca/ca.pem" \
    -CAkey "$E2E_TMP/ca/ca.key" -CAcreateserial -days 2 -out "$WORK/leaf.pem" 2>/dev/null
BUNDLE=$AGS_E2E_SCRATCH/bwrap-host-bundle.pem
cat /etc/ssl/certs/ca-certificates.crt "$E2E_TMP/ca/ca.pem" >"$BUNDLE"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$IMAGE"
backend = "bwrap"

[image]
ca_bundle = "$BUNDLE"
TOML

t0=$(date +%s)
run update-image
t1=$(date +%s)
check_eq "ags update-image on bwrap succeeds" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || printf '%s\n' "$RUN_ERR" | tail -n 150 >&2
check_contains "it says what it built" "built $IMAGE" "$RUN_OUT"
check_contains "mmdebstrap's output streams through" "mmdebstrap" "$RUN_ERR"
check_contains "setup.sh ran in the chroot" "pnpm" "$RUN_ERR"

TAG="$STORE/rootfs/tags/$(printf '%s' "$IMAGE" | sed 's,/,%2F,g; s,:,%3A,g; s,\.,%2E,g')"
ID=$(head -n1 "$TAG" 2>/dev/null)
check_match "the tag names an image id" '^[0-9a-f]{64}$' "$ID"
ENTRY=$STORE/rootfs/$ID
ROOT=$ENTRY/root
SIZE=$(du -sm "$ROOT" 2>/dev/null | cut -f1)
echo "# update-image bwrap: $((t1 - t0)) s, ${SIZE:-?} MB"
printf '%s\n' "$RUN_OUT" | sed 's/^/# /'

# ---- the tree in the store
check_eq "every file of the image is this user's" "" \
    "$(find "$ROOT" ! -user "$(id -u)" -print -quit 2>&1)"
check_eq "no setuid or setgid file" "" "$(find "$ROOT" -perm /6000 -print -quit 2>&1)"
check_eq "no device node" "" "$(find "$ROOT" \( -type b -o -type c \) -print -quit 2>&1)"
check_eq "the setup directory is gone" "no" "$([ -e "$ROOT/tmp/ags-setup" ] && echo yes || echo no)"
check_eq "the tarball is gone" "" "$(find "${XDG_CACHE_HOME:-$HOME/.cache}/ags/base" -name 'bwrap-image-*' -print -quit 2>/dev/null)"
check_eq "tmux.conf is dev's ~/.tmux.conf" "yes" "$([ -s "$ROOT/home/dev/.tmux.conf" ] && echo yes)"
check_match "the context digest label is there" '^ags.image.context-sha256=[0-9a-f]{64}$' \
    "$(grep '^ags.image.context-sha256=' "$ENTRY/labels")"
check_match "the build time label is there" '^ags.image.built=[0-9]{4}-' \
    "$(grep '^ags.image.built=' "$ENTRY/labels")"
check_contains "the Containerfile's ENV is the image's (HOME)" "HOME=/home/dev" "$(cat "$ENTRY/env")"
check_contains "the Containerfile's ENV is the image's (PATH)" "PATH=/usr/local/sbin:/usr/local/bin:" \
    "$(cat "$ENTRY/env")"
check_eq "the store is private" "700" "$(stat -c %a "$STORE")"

# ---- inside bwrap from that root (read-only, as the launch half binds it)
in_image() { # CMD...: run in the image's root with its environment
    local env_args=() kv
    while IFS= read -r kv; do env_args+=(--setenv "${kv%%=*}" "${kv#*=}"); done <"$ENTRY/env"
    bwrap --ro-bind "$ROOT" / --proc /proc --dev /dev --tmpfs /tmp \
        --ro-bind "$WORK" /workspace --chdir /workspace --unshare-all --die-with-parent \
        --clearenv "${env_args[@]}" "$@"
}
NODE=$(in_image node --version 2>&1)
echo "# node in the image: $NODE"
check_match "Node is >= 22.21" '^v(22\.(2[1-9]|[3-9][0-9])|2[3-9]\.|[3-9][0-9]\.)' "$NODE"
check_match "npm runs" '^[0-9]+\.' "$(in_image npm --version 2>&1)"
check_match "pnpm runs" '^10\.' "$(in_image pnpm --version 2>&1)"
check_contains "the CA of the configured bundle is trusted inside" "leaf.pem: OK" \
    "$(in_image openssl verify leaf.pem 2>&1)"
check_contains "files inside belong to the sandbox's own uid" "$(id -u)" \
    "$(in_image stat -c %u /usr/local/bin/node 2>&1)"

# ---- ags update-agents on bwrap: pi into its volumes (directories of the
# store), then pi runs in a bwrap sandbox from them.
t0=$(date +%s)
run update-agents pi
t1=$(date +%s)
echo "# update-agents bwrap pi: $((t1 - t0)) s"
check_eq "ags update-agents pi on bwrap succeeds" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || printf '%s\n' "$RUN_ERR" | tail -n 60 >&2
check_match "it installed pi" '^pi: not installed -> [0-9]' "$(grep '^pi: ' <<<"$RUN_OUT")"
check_eq "pi's volumes are directories of the store" "yes" \
    "$([ -d "$STORE/volumes/ags-pi-pnpm-home/_data" ] && echo yes)"
run --agent pi -- --version </dev/null
check_eq "pi --version in a bwrap sandbox exits 0" 0 "$RUN_RC"
check_match "pi --version prints a version" '[0-9]+\.[0-9]+\.[0-9]+' "$RUN_OUT$RUN_ERR"
echo "# pi in bwrap: $(printf '%s' "$RUN_OUT" | head -n1)"

e2e_finish
