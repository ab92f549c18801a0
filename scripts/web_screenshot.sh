#!/usr/bin/env bash
# Refreshes docs/web-screenshot.png: the page in headless Chromium (wasm) with a real chest X-ray
# from the package's samples and its finding bars (the browser test's screenshot).
#
#   scripts/web_screenshot.sh [PACKAGE]   (default: assets/models/radz-tiny, else build/quick-package)
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE=${1:-assets/models/radz-tiny}
if [ ! -f "$PACKAGE/manifest.json" ]; then
    echo "scripts/web_screenshot.sh: no package at $PACKAGE; using build/quick-package" >&2
    PACKAGE=build/quick-package
fi
BUILD=$(node scripts/lib/web_build_dir.cjs) || exit 2
NATIVE=${RADZ_BUILD_DIR:-build}
OUT=$BUILD/screenshot
node web/test/browser_test.mjs --only wasm --as-is --model "$PACKAGE" --radz "$NATIVE/radz" --out "$OUT"
cp "$OUT/web-page.png" docs/web-screenshot.png
echo "wrote docs/web-screenshot.png (package $(basename "$PACKAGE"))"
