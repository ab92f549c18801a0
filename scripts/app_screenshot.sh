#!/usr/bin/env bash
# Makes docs/app-screenshot.png with radz-app's test mode under xvfb-run: nine chest X-rays of
# the NIH set (../shared/data/nih1000), the first selected, with a user finding added.
#
#   scripts/app_screenshot.sh [BUILD_DIR] [MODEL_DIR]
#
# BUILD_DIR holds radz-app (default build); MODEL_DIR defaults to assets/models/radz-tiny, else
# the quick package build/quick-package.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
model=${2:-assets/models/radz-tiny}
if [ ! -f "$model/manifest.json" ]; then
    model=build/quick-package
fi
data=../shared/data/nih1000/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
images=("$data/00000013_027.png" "$data"/00000001_00[0-2].png "$data"/00000002_000.png "$data"/00000003_00[0-3].png)
XDG_CONFIG_HOME="$work" xvfb-run -a -s "-screen 0 1400x900x24" "$build/radz-app" "${images[@]}" \
    --model "$model" --ep cpu --size 1280x720 \
    --finding "Rib fracture" --description "A break in the cortex of a rib." \
    --screenshot docs/app-screenshot.png --results "$work/results.json"
echo "docs/app-screenshot.png (model $model)"
