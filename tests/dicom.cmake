# The DICOM test files (issue 17), included by tests/CMakeLists.txt; natively only (the check
# runs Python and the DCMTK/GDCM tools, nothing is compiled).
#
#   dicom_testdata_up_to_date   scripts/make_dicom_testdata.py, run into the build tree, gives
#                               tests/data/dicom/ byte for byte (files, expected images,
#                               expected.json): the committed test data is what the script makes
#
# The other DICOM tests: test_dicom (core, also in wasm), test_dicom_files and test_cli_dicom
# (tests/runtime.cmake), web/test/dicom_browser_test.mjs (scripts/test_web.sh), fuzz_dicom
# (tests/fuzz/: its corpus and regression files, libFuzzer and test_fuzz_corpus).

if (EMSCRIPTEN)
    return()
endif()
set(RADZ_TEST_DATA ${CMAKE_SOURCE_DIR}/../shared/data CACHE PATH "The shared images and labels (nih1000/, brain_mri/)")
add_test(NAME dicom_testdata_up_to_date
         COMMAND bash -c "rm -rf \"$1\" && /usr/bin/python3 \"$0/scripts/make_dicom_testdata.py\" --data \"$2\" --out \"$1\" >/dev/null && diff -r \"$1\" \"$0/tests/data/dicom\" && rm -rf \"$1\""
                 ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/dicom_testdata ${RADZ_TEST_DATA})
