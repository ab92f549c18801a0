// libFuzzer's entry point for one target, compiled once per target with
// RADZ_FUZZ_ENTRY=fuzz_<target> (tests/fuzz/CMakeLists.txt). The targets that read JSON are
// compiled with RADZ_FUZZ_JSON_NUMBERS: a quarter of their mutations replace one number of the
// text (fuzz_mutate_json.h), the rest are libFuzzer's own (with the target's dictionary).
#include "fuzz_targets.h"

#ifndef RADZ_FUZZ_ENTRY
#error "RADZ_FUZZ_ENTRY must name the target's function"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    return RADZ_FUZZ_ENTRY(data, size);
}

#ifdef RADZ_FUZZ_JSON_NUMBERS
#include "fuzz_mutate_json.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t * data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t * data, size_t size, size_t max_size, unsigned int seed) {
    if (seed % 4 == 0) {
        const size_t n = fuzz_mutate_json_number(data, size, max_size, (uint64_t) seed * 0x9e3779b97f4a7c15ull);
        if (n > 0) return n;
    }
    return LLVMFuzzerMutate(data, size, max_size);
}
#endif
