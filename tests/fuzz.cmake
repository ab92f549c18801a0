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
    ${radz_fuzz_dir}/fuzz_labels_csv.cpp ${radz_fuzz_dir}/fuzz_evidence.cpp ${radz_fuzz_dir}/fuzz_package.cpp
    ${radz_fuzz_dir}/fuzz_dicom.cpp)
target_include_directories(test_fuzz_corpus PRIVATE ${radz_fuzz_dir})
target_compile_definitions(test_fuzz_corpus PRIVATE RADZ_FUZZ_DEFAULT_PACKAGE="${RADZ_TEST_PACKAGE}")
if (NOT EMSCRIPTEN)
    # The dicom target's Part 10 files through the native reader (GDCM), as in the libFuzzer
    # build; the wasm build has no C++ DICOM reader (the page's is dicom-parser, in JavaScript),
    # so there only its frames run through the core's rules (tests/fuzz/fuzz_dicom.cpp).
    find_package(GDCM 3 REQUIRED CONFIG)
    find_package(ZLIB REQUIRED)
    target_sources(test_fuzz_corpus PRIVATE ${CMAKE_SOURCE_DIR}/native/dicom_gdcm.cpp
                   ${CMAKE_SOURCE_DIR}/native/dicom_lengths.cpp)
    target_include_directories(test_fuzz_corpus PRIVATE ${CMAKE_SOURCE_DIR}/native)
    target_include_directories(test_fuzz_corpus SYSTEM PRIVATE ${GDCM_INCLUDE_DIRS})
    target_link_libraries(test_fuzz_corpus PRIVATE gdcmMSFF ZLIB::ZLIB)
    target_compile_definitions(test_fuzz_corpus PRIVATE RADZ_FUZZ_DICOM_READER)
endif()

# The contract's limits on JSON nesting, tokenizer input and CSV records (issue 15).
radz_add_test(test_limits)
