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
