#!/usr/bin/env bash
# Builds the ags sandbox image: a thin caller of `ags update-image`, which
# does the work in process (base choice, mmdebstrap where no registry
# answers, the host's CA bundle, Node from the npm registry, labels, removal
# of the previous image). Kept for the habit of developers who ran it.
#
#   tools/build-sandbox-image.sh [--ags PATH] [update-image flags]
#
#   --ags PATH   the ags binary (default: ./build/ags, ./build-test/ags
#                or ags on PATH, the first that exists)
#   the rest goes to `ags update-image`: [--keep-existing] [--base IMAGE]
#   [--local-base] [--config FILE]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ags=
if [ "${1:-}" = --ags ]; then
    ags=${2:?--ags needs a path}
    shift 2
fi
if [ -z "$ags" ]; then
    for c in "$top/build/ags" "$top/build-test/ags" "$(command -v ags || true)"; do
        if [ -n "$c" ] && [ -x "$c" ]; then
            ags=$c
            break
        fi
    done
fi
[ -n "$ags" ] || { echo "build-sandbox-image: no ags binary found (build it, or --ags PATH)" >&2; exit 1; }
exec "$ags" update-image "$@"
