#!/usr/bin/env bash
# Regenerates docs/results/parity.md: the web page (headless Chromium, wasm and WebGPU on
# SwiftShader) vs the native CLI on the package's golden samples. Keeps its "## Real GPU" section.
#
#   scripts/parity.sh [PACKAGE]      (default: assets/models/radz-tiny, else build/quick-package)
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE=${1:-assets/models/radz-tiny}
if [ ! -f "$PACKAGE/manifest.json" ]; then
    echo "scripts/parity.sh: no package at $PACKAGE; using build/quick-package" >&2
    PACKAGE=build/quick-package
fi
BUILD=$(node scripts/lib/web_build_dir.cjs) || exit 2
NATIVE=${RADZ_BUILD_DIR:-build}
OUT=$BUILD/parity
mkdir -p "$OUT" docs/results
node web/test/browser_test.mjs --only wasm,webgpu --model "$PACKAGE" \
    --radz "$NATIVE/radz" --out "$OUT" || true
node web/test/parity_report.mjs "$OUT" docs/results/parity.md \
    "package $(basename "$PACKAGE"), $(/usr/bin/chromium --version 2>/dev/null | head -1), $(nproc) CPU threads"
