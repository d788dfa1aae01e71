#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# e2e fixture "bwrap" cleanup (before e2e/teardown, which stops every process
# of the test user): the per-run directories that killed runs left in the
# runtime dir, and in root mode the named volumes of the bwrap store (as
# e2e/teardown prunes the user's Podman volumes).  The test image stays, like
# the Podman storage.  Safe when setup failed or never ran.
#
#   bwrap-teardown.sh STATE_DIR
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
. "$here/harness.sh"

[ $# -ge 1 ] || h_die "usage: bwrap-teardown.sh STATE_DIR"
envfile=$1/env
if [ -f "$envfile" ]; then
    # shellcheck disable=SC1090
    . "$envfile"
fi
if ! h_identity 2>/dev/null; then
    h_log "no test user ${AGS_E2E_USER:-agstest}: nothing to tear down"
    exit 0
fi
# shellcheck disable=SC2016 # expanded by the user's shell
h_as_user bash -c "$(cat "$here/bwrap-store.sh")"'
for d in "$E2E_BWRAP_DATA"/runs/ags-bwrap-*; do
    [ -d "$d" ] && [ ! -L "$d" ] || continue
    echo "e2e: removing the leftover sandbox directory $d"
    bwrap_rm_tree "$d"
done
if [ "$1" = root ] && [ -d "$E2E_BWRAP_DATA/volumes" ]; then
    for v in "$E2E_BWRAP_DATA"/volumes/*; do
        [ -d "$v" ] && [ ! -L "$v" ] && bwrap_rm_tree "$v"
    done
fi
' bwrap-teardown "$E2E_MODE" </dev/null
h_log "bwrap teardown done"
