#!/usr/bin/env bash
# Builds and runs every RadZ test:
#   1. the quick model package (build/quick-package) and the one with brain MRI at 128 px
#      (build/quick-package-mri128, format version 3), built by the recipe if missing;
#   2. the native build with AddressSanitizer + UBSan (build/);
#   3. ctest: the C++ core tests, the runtime tests (pipeline, CLI), the tokenizer tests and the
#      recipe's Python tests;
#   4. the fuzz targets over their corpora (clang libFuzzer build, build-fuzz/);
#   5. the page in Chromium as scripts/serve builds and serves it (scripts/test_web.sh), then the
#      WebAssembly tests (scripts/test_wasm.sh), in the one web build folder.
# Prints each stage's time and exits non-zero on any failure; the last line is ctest's summary.
#
#   scripts/test.sh            everything
#   JOBS=N scripts/test.sh     build and test parallelism (default 2)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

JOBS=${JOBS:-2}
BUILD_DIR=${RADZ_BUILD_DIR:-build}
PACKAGE=${RADZ_TEST_PACKAGE:-$PWD/build/quick-package}
PACKAGE_MRI128=${RADZ_TEST_PACKAGE_MRI128:-$PWD/build/quick-package-mri128}
log_dir=$BUILD_DIR/test-logs
mkdir -p "$log_dir"
rm -f "$log_dir/ctest.log"

status=0
summary=()
t_all=$(date +%s)

# stage NAME COMMAND...: runs a stage, prints its time, records failure.
stage() {
    local name="$1"
    shift
    local t0 rc
    t0=$(date +%s)
    echo "=== $name"
    "$@"
    rc=$?
    local dt=$(($(date +%s) - t0))
    if [ $rc = 0 ]; then
        summary+=("$(printf '%-28s ok      %4d s' "$name" "$dt")")
    else
        summary+=("$(printf '%-28s FAILED  %4d s (exit %d)' "$name" "$dt" "$rc")")
        status=1
    fi
    echo "=== $name: $([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)") in ${dt} s"
    return $rc
}

build_package() {
    # Packages from before evidence.json (format version 0; docs/model-package.md section 10):
    # built again, the front-end tests need the evidence the recipe now writes.
    if [ -f "$PACKAGE/manifest.json" ] && ! grep -q '"format_version": [1-9]' "$PACKAGE/manifest.json"; then
        echo "$PACKAGE: format version 0 (no evidence.json): building it again"
        rm -f "$PACKAGE/manifest.json"
    fi
    if [ -f "$PACKAGE/manifest.json" ]; then
        echo "using $PACKAGE"
        # Packages built before the recipe wrote per-image results: add them (seconds).
        if [ ! -d "$PACKAGE-results" ]; then
            (cd scripts && /usr/bin/python3 -m radz.package_results --package "$PACKAGE") || return 1
        fi
    else
        scripts/build_package.sh --quick "$PACKAGE" || return 1
    fi
    # The quick package with brain MRI at 128 px (format version 3), for the page's test
    # (scripts/test_web.sh); ctest's recipe_mri128 builds and checks its own copy.
    if [ -f "$PACKAGE_MRI128/manifest.json" ]; then
        echo "using $PACKAGE_MRI128"
        return 0
    fi
    scripts/build_package.sh --quick --mri-size 128 "$PACKAGE_MRI128"
}

configure_and_build() {
    # -O0 -g1: under ASan+UBSan, -O2 -g takes ~9x longer to compile (121 s vs 13 s for
    # core/package.cpp, measured here); the tests' run time is dominated by ONNX Runtime anyway.
    cmake -S . -B "$BUILD_DIR" -DRADZ_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
        -DRADZ_TEST_PACKAGE="$PACKAGE" >"$log_dir/configure.log" 2>&1 \
        || { cat "$log_dir/configure.log"; return 1; }
    cmake --build "$BUILD_DIR" -j"$JOBS"
}

# The libFuzzer targets (tests/fuzz/, clang, ASan + UBSan) once over each file of their committed
# corpora and regression folders; only the core and the targets are built (build-fuzz/, shared
# with scripts/fuzz.sh). The sanitized build above runs the same files through gcc
# (test_fuzz_corpus), test_wasm.sh under wasm.
fuzz_corpus() {
    local dir=${RADZ_FUZZ_BUILD_DIR:-build-fuzz}
    cmake -S . -B "$dir" -DRADZ_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
        -DRADZ_FUZZ_TEST_PACKAGE="$PACKAGE" >"$log_dir/fuzz-configure.log" 2>&1 \
        || { cat "$log_dir/fuzz-configure.log"; return 1; }
    cmake --build "$dir" -j"$JOBS" && ctest --test-dir "$dir" --output-on-failure -j"$JOBS"
}

run_ctest() {
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" 2>&1 | tee "$log_dir/ctest.log"
    return "${PIPESTATUS[0]}"
}

stage "quick model package" build_package
stage "native build (sanitized)" configure_and_build && stage "ctest (native)" run_ctest
stage "fuzz corpus (libFuzzer)" fuzz_corpus
if [ -x scripts/test_web.sh ]; then
    # The Chromium part only (test_wasm.sh below runs test_pipeline_wasm under node). It runs
    # first so that, on a fresh clone, scripts/serve builds the page from no web build folder at
    # all, as a user's first `scripts/serve` does; test_wasm.sh then builds the rest of that
    # same folder (nothing is built twice).
    stage "web (Chromium)" env RADZ_WEB_SKIP_CTEST=1 scripts/test_web.sh
fi
if [ -x scripts/test_wasm.sh ]; then
    stage "wasm build + tests" scripts/test_wasm.sh
fi

echo
echo "=== summary ($(($(date +%s) - t_all)) s in all)"
printf '%s\n' "${summary[@]}"
ctest_line=$(grep -E '^[0-9]+% tests passed' "$log_dir/ctest.log" 2>/dev/null | tail -1)
if [ -z "$ctest_line" ]; then
    ctest_line="ctest did not run"
    status=1
fi
echo "$ctest_line"
exit $status
