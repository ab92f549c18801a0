// libFuzzer's entry point for one target, compiled once per target with
// RADZ_FUZZ_ENTRY=fuzz_<target> (tests/fuzz/CMakeLists.txt).
#include "fuzz_targets.h"

#ifndef RADZ_FUZZ_ENTRY
#error "RADZ_FUZZ_ENTRY must name the target's function"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    return RADZ_FUZZ_ENTRY(data, size);
}
