#!/usr/bin/env bash
# Builds RadZ's web page with Emscripten into $RADZ_WEB_BUILD_DIR/web-dist (the module, the page
# files and ONNX Runtime Web's runtime files copied from node_modules/onnxruntime-web/dist).
#
#   scripts/build_web.sh            the page (target radz_web_dist)
#   scripts/build_web.sh TARGET...  other targets of the wasm build (e.g. test_pipeline_wasm)
#
# Environment: RADZ_WEB_BUILD_DIR (the one web build folder, default build-wasm: defined in
# scripts/lib/web_build_dir.cjs), JOBS (default 2). Emscripten from Debian
# (apt-get install emscripten) needs Debian's acorn, hence NODE_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=$(node scripts/lib/web_build_dir.cjs) || exit 2
JOBS=${JOBS:-2}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

if ! command -v emcmake >/dev/null; then
    echo "scripts/build_web.sh: emcmake not found (apt-get install emscripten)" >&2
    exit 1
fi
if [ ! -f node_modules/onnxruntime-web/dist/ort.wasm.min.mjs ]; then
    echo "scripts/build_web.sh: node_modules/onnxruntime-web missing (npm ci)" >&2
    exit 1
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    emcmake cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
        "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch" >/dev/null
fi
targets=("$@")
[ ${#targets[@]} = 0 ] && targets=(radz_web_dist)
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${targets[@]}"
