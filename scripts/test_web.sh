#!/usr/bin/env bash
# RadZ's web tests:
#   1. the core's Catch2 tests built to wasm and run under node by ctest, with the pipeline
#      goldens through ONNX Runtime Web (test_pipeline_wasm, tests/web.cmake);
#   2. the page in real Chromium as scripts/serve builds and serves it (web/test/browser_test.mjs):
#      the page's assembled folder (web-dist) is removed first, so scripts/serve must build it
#      into the one web build folder and serve that (on a fresh clone there is no build folder at
#      all and it builds everything); / and runtime.json with COOP/COEP/CSP; samples on wasm and
#      WebGPU vs the native CLI, a user finding, privacy, offline, progress, main thread,
#      axe-core, keyboard, 375 px, screenshots;
#   3. DICOM files dropped on the page (web/test/dicom_browser_test.mjs, issue 17);
#   4. the page on the quick package with brain MRI at 128 px (format version 3, a modality's
#      input_size; RADZ_TEST_PACKAGE_MRI128, default build/quick-package-mri128): its golden
#      samples on wasm equal the native CLI's results (browser_test.mjs --only wasm).
# Last line: "N passed, N failed" (ctest's tests plus the browser checks).
#
#   scripts/test_web.sh
#
# Environment: RADZ_WEB_BUILD_DIR (the one web build folder, default build-wasm: defined in
# scripts/lib/web_build_dir.cjs; shared with scripts/test_wasm.sh), RADZ_BUILD_DIR (native build holding the radz CLI, default build),
# RADZ_TEST_PACKAGE (default build/quick-package), RADZ_TEST_PACKAGE_MRI128 (default
# build/quick-package-mri128: scripts/build_package.sh --quick --mri-size 128 build/quick-package-mri128),
# RADZ_WEB_SKIP_CTEST=1 (browser checks only),
# JOBS (default 2).
set -uo pipefail
cd "$(dirname "$0")/.."

WEB_DIR=$(node scripts/lib/web_build_dir.cjs) || exit 2
NATIVE_DIR=${RADZ_BUILD_DIR:-build}
PACKAGE=${RADZ_TEST_PACKAGE:-$PWD/build/quick-package}
PACKAGE_MRI128=${RADZ_TEST_PACKAGE_MRI128:-$PWD/build/quick-package-mri128}
OUT=$WEB_DIR/test-web
JOBS=${JOBS:-2}
mkdir -p "$OUT"

if [ ! -f "$PACKAGE/manifest.json" ]; then
    echo "scripts/test_web.sh: no model package at $PACKAGE (scripts/build_package.sh --quick build/quick-package)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

n_pass=0
n_fail=0

# The radz CLI for the native reference results.
RADZ=$NATIVE_DIR/radz
if [ ! -x "$RADZ" ]; then
    cmake -S . -B "$NATIVE_DIR" >/dev/null && cmake --build "$NATIVE_DIR" -j"$JOBS" --target radz >/dev/null || true
fi

# 1. test_pipeline_wasm: built and run by ctest under node.
if [ "${RADZ_WEB_SKIP_CTEST:-0}" != 1 ]; then
    if ! scripts/build_web.sh test_pipeline_wasm; then
        echo "scripts/test_web.sh: the wasm build failed"
        echo "0 passed, 1 failed"
        exit 1
    fi
    ctest --test-dir "$WEB_DIR" --output-on-failure -R '^test_pipeline_wasm$' 2>&1 | tee "$OUT/ctest.log"
    line=$(grep -E '^[0-9]+% tests passed' "$OUT/ctest.log" | tail -1)
    if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
        n_fail=$((n_fail + BASH_REMATCH[1]))
        n_pass=$((n_pass + BASH_REMATCH[2] - BASH_REMATCH[1]))
    else
        n_fail=$((n_fail + 1))
    fi
fi

# 2. Chromium.
if [ ! -x "$RADZ" ]; then
    echo "FAIL  no radz CLI at $RADZ (native reference): cmake --build $NATIVE_DIR --target radz"
    n_fail=$((n_fail + 1))
else
    # No page: scripts/serve (started by the browser test) must build it where it serves from.
    rm -rf "$WEB_DIR/web-dist"
    node web/test/browser_test.mjs --model "$PACKAGE" --radz "$RADZ" --out "$OUT" 2>&1 | tee "$OUT/browser.log"
    line=$(tail -1 "$OUT/browser.log")
    if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        n_pass=$((n_pass + BASH_REMATCH[1]))
        n_fail=$((n_fail + BASH_REMATCH[2]))
    else
        n_fail=$((n_fail + 1))
    fi
    # DICOM files dropped on the page (issue 17): the same grey images as natively, the modality
    # from the tags, bad files, privacy.
    node web/test/dicom_browser_test.mjs --model "$PACKAGE" --radz "$RADZ" --out "$OUT" 2>&1 | tee "$OUT/dicom_browser.log"
    line=$(tail -1 "$OUT/dicom_browser.log")
    if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        n_pass=$((n_pass + BASH_REMATCH[1]))
        n_fail=$((n_fail + BASH_REMATCH[2]))
    else
        n_fail=$((n_fail + 1))
    fi
    # A package whose brain MRI input is 128 px (format version 3): the page runs the vision
    # graph on the modality's own input size as the CLI does (the same answers, 1e-4).
    if [ ! -f "$PACKAGE_MRI128/manifest.json" ]; then
        echo "FAIL  no model package at $PACKAGE_MRI128 (scripts/build_package.sh --quick --mri-size 128 $PACKAGE_MRI128)"
        n_fail=$((n_fail + 1))
    else
        mkdir -p "$OUT/mri128"
        node web/test/browser_test.mjs --only wasm --model "$PACKAGE_MRI128" --radz "$RADZ" --out "$OUT/mri128" 2>&1 \
            | tee "$OUT/mri128/browser.log"
        line=$(tail -1 "$OUT/mri128/browser.log")
        if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            n_pass=$((n_pass + BASH_REMATCH[1]))
            n_fail=$((n_fail + BASH_REMATCH[2]))
        else
            n_fail=$((n_fail + 1))
        fi
    fi
fi

echo "screenshots and results: $OUT"
echo "$n_pass passed, $n_fail failed"
[ "$n_fail" = 0 ]
