# shellcheck shell=bash
# The bubblewrap backend's store as the e2e tests write it (the layout is
# src/backend/bwrap.h's), with shell tools only, as the test user.  Sourced by
# lib.sh (tests) and run by bwrap-setup.sh (the fixture's test image):
#
#   bash bwrap-store.sh install-context IMAGE DIGEST <CONTEXT.tar
#
# installs setup.sh's image context (rootfs/, home-dev/) as IMAGE, labelled
# ags-e2e.context-digest=DIGEST, unless IMAGE already names such an image.

E2E_BWRAP_DATA=${XDG_DATA_HOME:-$HOME/.local/share}/ags

# bwrap_tag_file IMAGE: the tag file of an image name (every byte outside
# [A-Za-z0-9_-] percent-encoded, as bwrap_store_tag_file does).
bwrap_tag_file() {
    local name=$1 out='' c i LC_ALL=C
    for ((i = 0; i < ${#name}; i++)); do
        c=${name:i:1}
        case $c in
            [A-Za-z0-9_-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s/rootfs/tags/%s\n' "$E2E_BWRAP_DATA" "$out"
}

# bwrap_image_id IMAGE: the id its tag names (empty: no such image).
bwrap_image_id() {
    local f
    f=$(bwrap_tag_file "$1")
    if [ -f "$f" ] && [ ! -L "$f" ]; then head -n1 "$f"; fi
    return 0
}

# bwrap_rm_tree DIR: removes a tree a sandbox may have written (directories
# made 0000 or 0500 included); never follows its symlinks.
bwrap_rm_tree() {
    [ -e "$1" ] || [ -L "$1" ] || return 0
    find "$1" -type d ! -perm -u=rwx -exec chmod u+rwx {} + 2>/dev/null || true
    rm -rf "$1"
}

# bwrap_store_dirs: the store's directories, 0700 (bwrap.h).
bwrap_store_dirs() {
    mkdir -p "$E2E_BWRAP_DATA/rootfs/tags" "$E2E_BWRAP_DATA/volumes"
    chmod 0700 "$E2E_BWRAP_DATA" "$E2E_BWRAP_DATA/rootfs" "$E2E_BWRAP_DATA/rootfs/tags" \
        "$E2E_BWRAP_DATA/volumes"
}

# bwrap_image_add IMAGE TMPDIR ENV LABEL...: makes TMPDIR/root (a directory in
# the store's rootfs/) an image: id = sha256 of the tree as a reproducible
# tarball, ENV ("KEY=VALUE" lines), the labels, the creation time; renamed into
# place (an image of that id already there is kept) and tagged IMAGE.
# Prints the id.  TMPDIR is gone afterwards.
bwrap_image_add() {
    local image=$1 tmp=$2 env=$3 id tag
    shift 3
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
        -C "$tmp/root" -cf "$tmp/image.tar" .
    id=$(sha256sum "$tmp/image.tar" | cut -d' ' -f1)
    rm -f "$tmp/image.tar"
    printf '%s\n' "$env" >"$tmp/env"
    printf '%s\n' "$@" >"$tmp/labels"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/created"
    if [ -d "$E2E_BWRAP_DATA/rootfs/$id/root" ]; then
        bwrap_rm_tree "$tmp"
    else
        bwrap_rm_tree "$E2E_BWRAP_DATA/rootfs/$id" # half an entry of an interrupted run
        mv -T "$tmp" "$E2E_BWRAP_DATA/rootfs/$id"
    fi
    tag=$(bwrap_tag_file "$image")
    printf '%s\n' "$id" >"$tag.tmp"
    mv -f "$tag.tmp" "$tag"
    printf '%s\n' "$id"
}

# bwrap_image_derive NEW FROM 'SHELL CODE': image NEW, a copy of image FROM
# changed by SHELL CODE run in the copy's root: the bwrap counterpart of a
# Containerfile `FROM <FROM>` with RUN and COPY steps.  Prints the id.
bwrap_image_derive() {
    local new=$1 from=$2 code=$3 fid tmp
    fid=$(bwrap_image_id "$from")
    [ -n "$fid" ] || { echo "bwrap_image_derive: no image $from" >&2; return 1; }
    tmp=$(mktemp -d "$E2E_BWRAP_DATA/rootfs/.e2e-derive.XXXXXX")
    cp -a "$E2E_BWRAP_DATA/rootfs/$fid/root" "$tmp/root"
    if ! (cd "$tmp/root" && eval "$code"); then
        bwrap_rm_tree "$tmp"
        echo "bwrap_image_derive $new: the change failed" >&2
        return 1
    fi
    bwrap_image_add "$new" "$tmp" "$(cat "$E2E_BWRAP_DATA/rootfs/$fid/env")" \
        "ags-e2e.derived-from=$fid"
}

# bwrap_image_remove IMAGE: its tag, and its tree unless another tag names it.
bwrap_image_remove() {
    local id tag
    id=$(bwrap_image_id "$1")
    rm -f "$(bwrap_tag_file "$1")"
    [ -n "$id" ] || return 1
    for tag in "$E2E_BWRAP_DATA"/rootfs/tags/*; do
        [ "$(head -n1 "$tag" 2>/dev/null)" != "$id" ] || return 0
    done
    bwrap_rm_tree "$E2E_BWRAP_DATA/rootfs/$id"
}

# install-context IMAGE DIGEST <TAR: the fixture's test image (see the top).
bwrap_install_context() {
    local image=$1 digest=$2 old tmp root a id
    umask 077
    bwrap_store_dirs
    old=$(bwrap_image_id "$image")
    if [ -n "$old" ] && [ -d "$E2E_BWRAP_DATA/rootfs/$old/root" ] &&
        grep -qxF "ags-e2e.context-digest=$digest" "$E2E_BWRAP_DATA/rootfs/$old/labels" 2>/dev/null; then
        echo "e2e: bwrap image $image is up to date ($old): install skipped"
        cat >/dev/null # the context nobody needs (its writer must not die of SIGPIPE)
        return 0
    fi
    tmp=$(mktemp -d "$E2E_BWRAP_DATA/rootfs/.e2e-setup.XXXXXX")
    mkdir "$tmp/ctx" "$tmp/root"
    # As the user, owners not kept: every file is the user's (bwrap.h).
    tar -C "$tmp/ctx" --no-same-owner -xf -
    root=$tmp/root
    cp -a "$tmp/ctx/rootfs/." "$root/"
    mkdir -p "$root/home/dev"
    cp -a "$tmp/ctx/home-dev/." "$root/home/dev/"
    bwrap_rm_tree "$tmp/ctx"
    # RUN ["/bin/busybox", "--install", "-s", "/bin"]: a symlink per applet
    # not there yet (bash stays the static bash).
    for a in $("$root/bin/busybox" --list); do
        [ -e "$root/bin/$a" ] || [ -L "$root/bin/$a" ] || ln -s /bin/busybox "$root/bin/$a"
    done
    # The directories of every Debian root file system (the real image's) that
    # Podman's runtime makes in a container of this FROM-scratch image; bwrap
    # binds the tree read-only and mounts onto them.
    mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/mnt" "$root/opt" \
        "$root/var/tmp" "$root/usr/local/bin"
    chmod 1777 "$root/var/tmp"
    # The Containerfile's ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8
    id=$(bwrap_image_add "$image" "$tmp" $'PATH=/usr/local/bin:/usr/bin:/bin\nLANG=C.UTF-8' \
        "ags-e2e.context-digest=$digest")
    if [ -n "$old" ] && [ "$old" != "$id" ]; then # the image this one replaces
        bwrap_rm_tree "$E2E_BWRAP_DATA/rootfs/$old"
    fi
    echo "e2e: bwrap image $image installed: $id ($(du -sm "$E2E_BWRAP_DATA/rootfs/$id" | cut -f1) MB)"
}

# Run (bash FILE or bash -c) with the command, not sourced.
if [ "${BASH_SOURCE[0]:-$0}" = "$0" ] && [ "${1:-}" = install-context ]; then
    set -euo pipefail
    [ $# -eq 3 ] || { echo "usage: bwrap-store.sh install-context IMAGE DIGEST <TAR" >&2; exit 2; }
    bwrap_install_context "$2" "$3"
fi
