# Runtime tests (included by tests/CMakeLists.txt): the pipeline through the real ONNX Runtime
# backend, and the radz CLI, on a model package. Natively only.
#
# RADZ_TEST_PACKAGE: the package tested (the recipe's quick package by default; scripts/test.sh
# builds it). A missing package makes these tests fail, never skip.

set(RADZ_TEST_PACKAGE ${CMAKE_SOURCE_DIR}/build/quick-package
    CACHE PATH "Model package used by the runtime tests")

if (NOT EMSCRIPTEN AND TARGET radz_native AND TARGET radz)
    radz_add_test(test_pipeline)
    target_link_libraries(test_pipeline PRIVATE radz_native)
    target_compile_definitions(test_pipeline PRIVATE RADZ_TEST_PACKAGE="${RADZ_TEST_PACKAGE}")

    # The DICOM test files (tests/data/dicom/, scripts/make_dicom_testdata.py) through the native
    # GDCM reader and the core's rules, against the expected grey images of a second route.
    radz_add_test(test_dicom_files)
    target_link_libraries(test_dicom_files PRIVATE radz_native)
    if (RADZ_SANITIZE)
        # LeakSanitizer's suppressions (native/backend_ort.cpp: OpenJPEG's leak on a corrupt
        # JPEG 2000 codestream) live in an object this test would not otherwise link.
        target_link_options(test_dicom_files PRIVATE -Wl,--undefined=__lsan_default_suppressions)
    endif()

    # radz classify on the DICOM files: modality from the tags, errors, no header text written
    # out, the same feature as the source PNG for lossless files.
    add_test(NAME test_cli_dicom
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_dicom.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE}
                     ${CMAKE_CURRENT_BINARY_DIR}/test_cli_dicom_work ${CMAKE_CURRENT_SOURCE_DIR}/data/dicom
                     ${CMAKE_SOURCE_DIR}/../shared/data/nih1000/images/00000001_000.png)
    set_tests_properties(test_cli_dicom PROPERTIES TIMEOUT 600)

    # The commands' option table (native/cli/cli_options.h) and the common options' checks.
    radz_add_test(test_cli_options ${CMAKE_SOURCE_DIR}/native/cli/cli_options.cpp
                  ${CMAKE_SOURCE_DIR}/native/cli/cli_common.cpp)
    target_link_libraries(test_cli_options PRIVATE radz_native)

    add_test(NAME test_cli
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE}
                     ${CMAKE_CURRENT_BINARY_DIR}/test_cli_work)
    set_tests_properties(test_cli PROPERTIES TIMEOUT 600)

    # 5,000 inputs every way (command line, --list, @FILE, standard input, a folder), unreadable
    # ones, and the guards against ONNX Runtime 1.30 parsing /proc/self/cmdline (issue 18,
    # docs/ort-cmdline.md). Symbolic links to tests/data/images, made and removed in the build tree.
    add_test(NAME test_cli_inputs
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_inputs.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE}
                     ${CMAKE_CURRENT_BINARY_DIR}/test_cli_inputs_work ${CMAKE_CURRENT_SOURCE_DIR}/data/images)
    # 20,000 classifications with --json under AddressSanitizer, on this shared 2-core machine:
    # 46 s at load 2, 130 s at load 11, 534 s at load 15.
    set_tests_properties(test_cli_inputs PROPERTIES TIMEOUT 1800)

    # radz eval on the package's held-out NIH fold and the brain MRI test split, every variant,
    # against the recipe's per-image results (PACKAGE-results/, written by radz.package_results).
    set(RADZ_TEST_DATA ${CMAKE_SOURCE_DIR}/../shared/data CACHE PATH "The shared images and labels (nih1000/, brain_mri/)")
    add_test(NAME test_recipe_results
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_recipe_results.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE}
                     ${RADZ_TEST_PACKAGE}-results ${RADZ_TEST_DATA} ${CMAKE_CURRENT_BINARY_DIR}/test_recipe_results_work)
    set_tests_properties(test_recipe_results PROPERTIES TIMEOUT 1200)

    # The same two on the quick package with brain MRI at 128 px (format version 3; built by
    # recipe_mri128, tests/recipe.cmake): the pipeline against its PyTorch goldens (MRI pixels at
    # 128, the detector on the 64 px view), and radz eval against the recipe's own results.
    set(RADZ_TEST_PACKAGE_MRI128 ${CMAKE_BINARY_DIR}/quick-package-mri128)
    add_test(NAME test_pipeline_mri128 COMMAND test_pipeline)
    set_tests_properties(test_pipeline_mri128 PROPERTIES TIMEOUT 900
                         ENVIRONMENT "RADZ_TEST_PACKAGE_DIR=${RADZ_TEST_PACKAGE_MRI128}"
                         FIXTURES_REQUIRED quick_package_mri128)
    add_test(NAME test_recipe_results_mri128
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_recipe_results.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE_MRI128}
                     ${RADZ_TEST_PACKAGE_MRI128}-results ${RADZ_TEST_DATA} ${CMAKE_CURRENT_BINARY_DIR}/test_recipe_results_mri128_work)
    set_tests_properties(test_recipe_results_mri128 PROPERTIES TIMEOUT 1800 FIXTURES_REQUIRED quick_package_mri128)

    # radz eval on labels files as they come (CRLF/BOM/';'/tab, ChestX-ray14 Data_Entry,
    # CheXpert / MIMIC-CXR with uncertain-label policies) against the project's format, and the
    # --csv outputs read back (tests/data/labels/, docs/labels.md).
    add_test(NAME test_label_formats
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_label_formats.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE}
                     ${RADZ_TEST_DATA} ${CMAKE_CURRENT_BINARY_DIR}/test_label_formats_work)
    set_tests_properties(test_label_formats PROPERTIES TIMEOUT 900)

    # radz eval/classify --shard K/N and radz merge (docs/archives.md): 3 shards of 61 rows merge
    # exactly into the unsharded eval; mismatched, missing, doubled shards; resume.
    add_test(NAME test_cli_shard
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_shard.sh $<TARGET_FILE:radz> ${RADZ_TEST_PACKAGE}
                     ${RADZ_TEST_DATA} ${CMAKE_CURRENT_BINARY_DIR}/test_cli_shard_work)
    set_tests_properties(test_cli_shard PROPERTIES TIMEOUT 900)
    # The shipped package and its per-image results are in the repository: no EXISTS guard, so
    # that a renamed folder fails these tests instead of dropping them.
    add_test(NAME test_recipe_results_shipped
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_recipe_results.sh $<TARGET_FILE:radz>
                     ${CMAKE_SOURCE_DIR}/assets/models/radz-tiny ${CMAKE_SOURCE_DIR}/assets/models/radz-tiny-results
                     ${RADZ_TEST_DATA} ${CMAKE_CURRENT_BINARY_DIR}/test_recipe_results_shipped_work)
    set_tests_properties(test_recipe_results_shipped PROPERTIES TIMEOUT 1200)

    # The same end-to-end checks on the package RadZ ships: its golden images through the CLI
    # must match the recipe's PyTorch results.
    add_test(NAME test_cli_shipped
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli.sh $<TARGET_FILE:radz>
                     ${CMAKE_SOURCE_DIR}/assets/models/radz-tiny ${CMAKE_CURRENT_BINARY_DIR}/test_cli_shipped_work)
    set_tests_properties(test_cli_shipped PROPERTIES TIMEOUT 600)

    # Modality detection and the gate (issue 13) on the shipped package's head.
    add_test(NAME test_cli_modality
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_modality.sh $<TARGET_FILE:radz>
                     ${CMAKE_SOURCE_DIR}/assets/models/radz-tiny ${CMAKE_CURRENT_BINARY_DIR}/test_cli_modality_work
                     ${CMAKE_CURRENT_SOURCE_DIR}/data/ood)
    set_tests_properties(test_cli_modality PROPERTIES TIMEOUT 600)
endif()
