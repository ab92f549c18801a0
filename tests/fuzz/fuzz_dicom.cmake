# The DICOM rules' libFuzzer target (tests/fuzz/fuzz_dicom.cpp, issue 17), included by
# tests/fuzz/CMakeLists.txt. Standalone (its own LLVMFuzzerTestOneInput, no corpus folder yet);
# ctest runs 20,000 generated inputs from a fixed seed.
add_executable(fuzz_dicom ${CMAKE_CURRENT_LIST_DIR}/fuzz_dicom.cpp)
target_link_libraries(fuzz_dicom PRIVATE radz_core)
target_link_options(fuzz_dicom PRIVATE -fsanitize=fuzzer)
add_test(NAME fuzz_dicom_runs COMMAND fuzz_dicom -runs=20000 -seed=1)
