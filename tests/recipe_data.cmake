# Recipe data tests (scripts/radz: text, bpe, splits, the Youden operating point). Python +
# node, no build needed.
# Included by tests/CMakeLists.txt.
if (NOT EMSCRIPTEN)
    add_test(NAME recipe_bpe COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_bpe.py)
    add_test(NAME recipe_text_leaks COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_text_leaks.py)
    add_test(NAME recipe_splits COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_splits.py)
    # export.youden on tests/data/youden_cases.json, the cases test_metrics checks the C++ one on
    add_test(NAME recipe_youden COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_youden.py)
    # the recipe levers and ablation baselines (radz.ablate, vqa, clip, VisionCnn): small tensors, hand values
    add_test(NAME recipe_ablate COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_ablate.py)
    # per-modality input sizes (format version 3): block-mean pooling, ONNX with dynamic H and W at 64
    # and 128, batches of two sizes, augment
    add_test(NAME recipe_input_size COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_input_size.py)
    # the WordNet gloss corpus of the text-knowledge lever (radz.glosses): a hand-written data.noun, the leak filter
    add_test(NAME recipe_glosses COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_glosses.py)
    set_tests_properties(recipe_bpe recipe_text_leaks recipe_youden recipe_ablate recipe_input_size recipe_glosses
        PROPERTIES TIMEOUT 300)
    set_tests_properties(recipe_splits PROPERTIES TIMEOUT 600)
endif()
