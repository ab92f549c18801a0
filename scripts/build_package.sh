#!/bin/sh
# Build a RadZ model package in one command: train -> export -> quantize -> check -> golden -> manifest.
#   scripts/build_package.sh [--quick] [more radz.build options] OUT_DIR
# OUT_DIR is the package folder (overwritten); work files (checkpoints, reports) go to OUT_DIR-work/.
# The quick package is a smoke test: build it under build/, never into assets/.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 [--quick] [radz.build options] OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
args=""
out=""
for a in "$@"; do
    if [ -n "$out" ]; then args="$args $out"; fi
    out=$a
done
case "$out" in
    /*) ;;
    *) out="$(pwd)/$out" ;;
esac
cd "$here"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# shellcheck disable=SC2086
exec /usr/bin/python3 -m radz.build $args --out "$out"
