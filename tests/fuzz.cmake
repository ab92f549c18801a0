# The fuzz targets' corpora and regression files (tests/fuzz/corpus/<target>/,
# tests/fuzz/regressions/<target>/) run once each through the same target bodies as the
# libFuzzer build (tests/fuzz/CMakeLists.txt, RADZ_FUZZ=ON): here in the normal build, natively
# under the sanitizers and in wasm. The package targets read RADZ_TEST_PACKAGE (tests/runtime.cmake).
if (NOT RADZ_TEST_PACKAGE)
    set(RADZ_TEST_PACKAGE ${CMAKE_SOURCE_DIR}/build/quick-package)
endif()
set(radz_fuzz_dir ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
radz_add_test(test_fuzz_corpus
    ${radz_fuzz_dir}/fuzz_common.cpp ${radz_fuzz_dir}/fuzz_image.cpp ${radz_fuzz_dir}/fuzz_tokenizer.cpp
    ${radz_fuzz_dir}/fuzz_manifest.cpp ${radz_fuzz_dir}/fuzz_anchors.cpp ${radz_fuzz_dir}/fuzz_results.cpp
    ${radz_fuzz_dir}/fuzz_labels_csv.cpp ${radz_fuzz_dir}/fuzz_evidence.cpp ${radz_fuzz_dir}/fuzz_package.cpp)
target_include_directories(test_fuzz_corpus PRIVATE ${radz_fuzz_dir})
target_compile_definitions(test_fuzz_corpus PRIVATE RADZ_FUZZ_DEFAULT_PACKAGE="${RADZ_TEST_PACKAGE}")

# The contract's limits on JSON nesting, tokenizer input and CSV records (issue 15).
radz_add_test(test_limits)
