# The desktop app's end-to-end test (included by tests/CMakeLists.txt): radz-app's test mode
# under Xvfb, checked against the radz CLI on the runtime tests' package (tests/test_app.py).
# Natively only, and only when the app is built (RADZ_BUILD_APP, libimgui-dev, libsdl2-dev).

if (NOT EMSCRIPTEN AND TARGET radz-app AND TARGET radz)
    if (NOT RADZ_TEST_PACKAGE)
        set(RADZ_TEST_PACKAGE ${CMAKE_SOURCE_DIR}/build/quick-package)
    endif()
    add_test(NAME test_app
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_app.py
                     --app $<TARGET_FILE:radz-app> --cli $<TARGET_FILE:radz>
                     --model ${RADZ_TEST_PACKAGE} --work ${CMAKE_CURRENT_BINARY_DIR}/test_app_work)
    set_tests_properties(test_app PROPERTIES TIMEOUT 900)
    if (RADZ_SANITIZE)
        # AddressSanitizer still checks every access; leak checking is off for this test only:
        # the OpenGL stack (GLVND, Mesa) leaves allocations made from a driver it unloads at
        # exit, which LeakSanitizer cannot attribute ("<unknown module>") nor suppress. The same
        # core runs leak-checked in every other test.
        set_tests_properties(test_app PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
    endif()
endif()
