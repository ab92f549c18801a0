// Structure-aware mutation of JSON text for the libFuzzer JSON targets (tests/fuzz/fuzz_entry.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

// Replaces one number token of data[0, size) (outside strings; picked by seed) with a value on a
// bound or next to the old one, in place; returns the new size, or 0 when the text has no number
// or the result would exceed max_size (data unchanged then).
size_t fuzz_mutate_json_number(uint8_t * data, size_t size, size_t max_size, uint64_t seed);
