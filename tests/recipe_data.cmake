# Recipe data tests (scripts/radz: text, bpe, splits). Python + node, no build needed.
# Included by tests/CMakeLists.txt.
if (NOT EMSCRIPTEN)
    add_test(NAME recipe_bpe COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_bpe.py)
    add_test(NAME recipe_text_leaks COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_text_leaks.py)
    add_test(NAME recipe_splits COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_splits.py)
    set_tests_properties(recipe_bpe recipe_text_leaks PROPERTIES TIMEOUT 300)
    set_tests_properties(recipe_splits PROPERTIES TIMEOUT 600)
endif()
