#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# e2e fixture "bwrap" setup: the test image of the Podman fixture (setup.sh's
# image context: static busybox and bash, tmux, git, the user dev) installed
# into the test user's bubblewrap store as src/backend/bwrap.h lays it out:
#
#   rootfs/<id>/root/  the tree, extracted by tar as the test user (every file
#                      the user's), busybox's applets linked into /bin as the
#                      Containerfile's `busybox --install -s /bin` does
#   rootfs/<id>/labels ags-e2e.context-digest=<sha256 of the context tarball>
#   rootfs/<id>/env    the Containerfile's ENV (PATH, LANG)
#   rootfs/<id>/created
#   rootfs/tags/<name> -> <id>
#
# <id> is the sha256 of the tree as a reproducible tarball (what an import of
# it would get).  No Podman is involved.  Skipped when the tag already names
# an image of the same context digest.
#
#   bwrap-setup.sh STATE_DIR
#
# Runs after e2e/setup (fixture podman: the user, its runtime dir, the image
# context, the env file), as root or as the test user.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
. "$here/harness.sh"

[ $# -ge 1 ] || h_die "usage: bwrap-setup.sh STATE_DIR"
state=$(cd "$1" && pwd)
envfile=$state/env
[ -f "$envfile" ] || h_die "$envfile missing: e2e/setup has not run"
# shellcheck disable=SC1090
. "$envfile"
[ "${AGS_E2E_READY:-0}" = 1 ] || h_die "e2e/setup did not finish"
h_identity || h_die "cannot resolve user $AGS_E2E_USER"
for c in bwrap slirp4netns tar sha256sum; do
    command -v "$c" >/dev/null 2>&1 || h_die "'$c' not found: apt-get install bubblewrap slirp4netns"
done
ctx=$state/image-context
tarball=$state/image-context.tar
[ -d "$ctx/rootfs" ] && [ -f "$tarball" ] || h_die "no image context in $state: rerun e2e/setup"
digest=$(sha256sum "$tarball" | cut -d' ' -f1)
t0=$(date +%s.%N)

# The context goes to the user as a tar stream on stdin (the build dir may be
# unreadable for it); bwrap-store.sh extracts it as the user.
tar -C "$ctx" -cf - rootfs home-dev |
    h_as_user bash -c "$(cat "$here/bwrap-store.sh")" bwrap-store.sh \
        install-context "$AGS_E2E_IMAGE" "$digest"

"$H_PY" -c 'import sys; a, b = map(float, sys.argv[1:]); print("e2e: timing: bwrap image %.2f s" % (b - a))' \
    "$t0" "$(date +%s.%N)"
