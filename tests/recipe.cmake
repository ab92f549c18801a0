# Recipe tests (scripts/radz): build the quick model package (about a minute) and check it.
# Included by tests/CMakeLists.txt; natively only, so that CI runs it once (the wasm ctest of
# scripts/test_wasm.sh would otherwise run it again: nothing in it is compiled).
if (EMSCRIPTEN)
    return()
endif()
add_test(NAME recipe
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_recipe.py
                 --package ${CMAKE_BINARY_DIR}/quick-package)
set_tests_properties(recipe PROPERTIES TIMEOUT 900 ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE")

# The quick package with brain MRI at 128 px (radz.build --mri-size 128: format version 3, the
# package declares modalities[mri].input_size): the same checks, its own committed golden
# outputs. tests/runtime.cmake's *_mri128 tests run on what it builds.
add_test(NAME recipe_mri128
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_recipe.py --mri-size 128
                 --package ${CMAKE_BINARY_DIR}/quick-package-mri128)
set_tests_properties(recipe_mri128 PROPERTIES TIMEOUT 1800 ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE"
                     FIXTURES_SETUP quick_package_mri128)
