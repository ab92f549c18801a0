#!/usr/bin/env bash
# Builds the core and its tests with Emscripten and runs them under node with ctest.
#
#   scripts/test_wasm.sh [CTEST_REGEX]
#
# Environment: RADZ_WEB_BUILD_DIR (the one web build folder, default build-wasm: defined in
# scripts/lib/web_build_dir.cjs; the page's build shares it), RADZ_WASM_TARGETS (build only these
# targets, e.g. "test_tokenizer"; default: all), JOBS (default 2).
# Emscripten comes from Debian (apt-get install emscripten); its node tools need Debian's
# acorn, hence NODE_PATH; Emscripten's output runs under `node --no-experimental-fetch`.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=$(node scripts/lib/web_build_dir.cjs) || exit 2
JOBS=${JOBS:-2}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

if ! command -v emcmake >/dev/null; then
    echo "scripts/test_wasm.sh: emcmake not found (apt-get install emscripten)" >&2
    exit 1
fi

emcmake cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch" >/dev/null

if [ -n "${RADZ_WASM_TARGETS:-}" ]; then
    # shellcheck disable=SC2086
    cmake --build "$BUILD_DIR" -j"$JOBS" --target $RADZ_WASM_TARGETS
else
    cmake --build "$BUILD_DIR" -j"$JOBS"
fi

if [ $# -ge 1 ]; then
    ctest --test-dir "$BUILD_DIR" --output-on-failure -R "$1"
else
    ctest --test-dir "$BUILD_DIR" --output-on-failure
fi
