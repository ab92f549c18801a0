# The licence notices (issue 12), included by tests/CMakeLists.txt; natively only (the check
# reads files, nothing is compiled).
#
#   notices_up_to_date   THIRD_PARTY_NOTICES.md == scripts/gen_notices.py's output (from
#                        package-lock.json, node_modules/ and Debian's copyright files), so it
#                        cannot go stale; LICENSE is the MIT licence package.json names.

if (EMSCRIPTEN)
    return()
endif()
add_test(NAME notices_up_to_date
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/scripts/gen_notices.py --check)
