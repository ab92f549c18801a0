# Web tests (issue 6), included by tests/CMakeLists.txt: Emscripten builds, and one node test in the native build.
#
#   test_pipeline_wasm   tests/test_pipeline.cpp unchanged, built to wasm with the backend on
#                        ONNX Runtime Web (web/test/backend_ort.h maps ort_backend_create to
#                        it), run by node: pipeline goldens, batches, user findings, bad inputs,
#                        on the package in RADZ_TEST_PACKAGE (read through -sNODERAWFS).
#   test_web_modules     (native build) the page's protocol and provider tables under node:
#                        tests/test_web_modules.mjs on web/page/protocol.mjs and providers.mjs.

if (NOT EMSCRIPTEN)
    find_program(RADZ_NODE_MODULES_TEST NAMES node PATHS /usr/bin /usr/local/bin REQUIRED)
    add_test(NAME test_web_modules COMMAND ${RADZ_NODE_MODULES_TEST} ${CMAKE_SOURCE_DIR}/tests/test_web_modules.mjs)
    set_tests_properties(test_web_modules PROPERTIES TIMEOUT 60)
    return()
endif()
get_property(_radz_web_done GLOBAL PROPERTY RADZ_WEB_TESTS_INCLUDED)
if (_radz_web_done)
    return()
endif()
set_property(GLOBAL PROPERTY RADZ_WEB_TESTS_INCLUDED TRUE)

if (NOT DEFINED RADZ_TEST_PACKAGE)
    set(RADZ_TEST_PACKAGE ${CMAKE_SOURCE_DIR}/build/quick-package
        CACHE PATH "Model package used by the runtime tests")
endif()

add_executable(test_pipeline_wasm ${CMAKE_SOURCE_DIR}/tests/test_pipeline.cpp
               ${CMAKE_SOURCE_DIR}/web/test/backend_ort_shim.cpp ${CMAKE_SOURCE_DIR}/web/test/test_main.cpp)
target_include_directories(test_pipeline_wasm PRIVATE ${CMAKE_SOURCE_DIR}/web/test)
target_include_directories(test_pipeline_wasm SYSTEM PRIVATE ${RADZ_SYSDEPS_DIR})
target_link_libraries(test_pipeline_wasm PRIVATE radz_ortweb radz_core)
target_compile_definitions(test_pipeline_wasm PRIVATE RADZ_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                           RADZ_TEST_PACKAGE="${RADZ_TEST_PACKAGE}")
target_compile_options(test_pipeline_wasm PRIVATE -fexceptions)
target_link_options(test_pipeline_wasm PRIVATE -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sENVIRONMENT=node
                    "-sEXPORTED_FUNCTIONS=[_main,_malloc,_free]")
# node itself, not the crosscompiling emulator: Emscripten's output needs --no-experimental-fetch
# under node 20, whatever emulator the build was configured with.
find_program(RADZ_WEB_NODE NAMES node PATHS /usr/bin /usr/local/bin NO_CMAKE_FIND_ROOT_PATH REQUIRED)
add_test(NAME test_pipeline_wasm COMMAND ${RADZ_WEB_NODE} --no-experimental-fetch $<TARGET_FILE:test_pipeline_wasm>)
set_tests_properties(test_pipeline_wasm PROPERTIES TIMEOUT 900
                     ENVIRONMENT "RADZ_ORT_WEB_DIR=${RADZ_ORT_WEB_DIR}")
