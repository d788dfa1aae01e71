#!/usr/bin/env bash
# Builds the ags sandbox image from containerfile/ with rootless Podman, the
# way ags builds it, for developers. Not run by CI (a full Debian userland is
# slow to build with the vfs storage driver).
#
#   tools/build-sandbox-image.sh [options]
#
#   --image NAME        image to build (default localhost/ags-sandbox:latest,
#                       ags's default [sandbox].image)
#   --suite SUITE       Debian suite of the base (default trixie)
#   --base IMAGE        use this base image as is (skips the choice below)
#   --local-base        always build the base locally with mmdebstrap
#   --rebuild-base      rebuild the local base even if it exists
#   --ca-file FILE      extra CA certificate(s), PEM, trusted inside the image
#                       (repeatable)
#                       (for networks that intercept TLS; build arg EXTRA_CA_CERTS)
#   --build-arg K=V     passed to podman build (repeatable), e.g.
#                       DCG_VERSION=... DCG_SHA256=... or PNPM_VERSION=10
#   --work DIR          where the base tarball goes (default: a temp dir,
#                       removed afterwards)
#
# Steps:
#   1. Base image. --base wins. Otherwise docker.io/library/debian:SUITE when
#      it is already in local storage or a registry answers; otherwise (no
#      registry reachable, as on the build machines) a local base
#      localhost/ags-base:SUITE: `mmdebstrap --mode=unshare --variant=apt`
#      as the current (unprivileged) user writes a tarball, `podman import`
#      turns it into an image. Reused on later runs.
#   2. `podman build --pull=never --build-arg BASE_IMAGE=<base> -t <image>
#      -f containerfile/Containerfile containerfile/` (the Containerfile's
#      RUN step needs the Debian mirror and the npm registry).
#   3. Prints the build time and the image size.
#
# Needs: podman (rootless: sub-uid/sub-gid ranges for the user), and for a
# local base mmdebstrap and uidmap (apt-get install mmdebstrap uidmap).
# Run it as the user whose image storage ags uses, never as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
image=localhost/ags-sandbox:latest
suite=trixie
base=
local_base=0
rebuild_base=0
work=
build_args=()
ca_pem=

die() {
    echo "build-sandbox-image: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --image) image=${2:?}; shift 2 ;;
    --suite) suite=${2:?}; shift 2 ;;
    --base) base=${2:?}; shift 2 ;;
    --local-base) local_base=1; shift ;;
    --rebuild-base) rebuild_base=1; local_base=1; shift ;;
    --build-arg) build_args+=(--build-arg "${2:?}"); shift 2 ;;
    --ca-file)
        [ -r "${2:?}" ] || die "cannot read CA file: $2"
        ca_pem+=$(cat "$2")$'\n'
        shift 2
        ;;
    --work) work=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
    esac
done

[ "$(id -u)" -ne 0 ] || die "run as an ordinary user: ags uses rootless Podman and the user's own image storage"
command -v podman >/dev/null || die "podman is not installed"

start=$(date +%s)

registry_answers() {
    # The registry answers 401 to an anonymous /v2/ request when reachable.
    local code
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' https://registry-1.docker.io/v2/ 2>/dev/null) || true
    [ "$code" = 401 ] || [ "$code" = 200 ]
}

make_local_base() {
    local ref=localhost/ags-base:$suite tar
    if [ "$rebuild_base" -eq 0 ] && podman image exists "$ref"; then
        echo "build-sandbox-image: reusing local base $ref" >&2
        base=$ref
        return
    fi
    command -v mmdebstrap >/dev/null || die "no registry reachable and mmdebstrap is missing (apt-get install mmdebstrap uidmap)"
    local cleanup_work=0
    if [ -z "$work" ]; then
        work=$(mktemp -d "${TMPDIR:-/tmp}/ags-base.XXXXXX")
        cleanup_work=1
    fi
    mkdir -p "$work"
    tar=$work/ags-base-$suite.tar
    local security=http://deb.debian.org/debian-security
    echo "build-sandbox-image: mmdebstrap $suite -> $tar" >&2
    local t0
    t0=$(date +%s)
    # --mode=unshare works as an unprivileged user (sub-uid ranges); the apt
    # variant is Essential + apt, like the official debian image. The sources
    # are the ones the official image has (main, updates, security).
    mmdebstrap --mode=unshare --variant=apt \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --aptopt='Acquire::Retries "3"' \
        "$suite" "$tar" \
        "deb http://deb.debian.org/debian $suite main" \
        "deb http://deb.debian.org/debian $suite-updates main" \
        "deb $security $suite-security main"
    echo "build-sandbox-image: base tarball in $(($(date +%s) - t0)) s, $(du -h "$tar" | cut -f1)" >&2
    podman import --change 'CMD ["/bin/bash"]' --message "mmdebstrap $suite for ags" "$tar" "$ref" >/dev/null
    if [ "$cleanup_work" -eq 1 ]; then
        rm -rf "$work"
    else
        rm -f "$tar"
    fi
    base=$ref
}

if [ -z "$base" ]; then
    if [ "$local_base" -eq 1 ]; then
        make_local_base
    elif podman image exists "docker.io/library/debian:$suite"; then
        base=docker.io/library/debian:$suite
    elif registry_answers; then
        podman pull "docker.io/library/debian:$suite"
        base=docker.io/library/debian:$suite
    else
        echo "build-sandbox-image: no container registry reachable; building a local base" >&2
        make_local_base
    fi
fi

[ -z "$ca_pem" ] || build_args+=(--build-arg "EXTRA_CA_CERTS=$ca_pem")
echo "build-sandbox-image: building $image from $base" >&2
t1=$(date +%s)
# --pull=never: the base is local by now (a local base cannot be pulled at all).
podman build --pull=never --layers \
    --build-arg "BASE_IMAGE=$base" "${build_args[@]}" \
    -t "$image" -f "$top/containerfile/Containerfile" "$top/containerfile"
end=$(date +%s)

size=$(podman image inspect --format '{{.Size}}' "$image")
echo "build-sandbox-image: built $image in $((end - t1)) s (total $((end - start)) s), size $((size / 1000000)) MB"
