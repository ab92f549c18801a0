// A structure-aware mutation for the JSON targets (libFuzzer's LLVMFuzzerCustomMutator,
// tests/fuzz/fuzz_entry.cpp): one number of the text, outside strings, is replaced by a value
// that sits on a bound (0, -1, 2^31, ...) or next to the old one (v + 1, v - 1, -v, 2v, 10v,
// v + 10^6). Byte flips and dictionary words rarely turn a one-digit token id into one past the
// vocabulary (the manifest's planted bug went unfound in 1.1 M executions); this does it in one
// step and leaves the rest of the document valid.
#include "fuzz_mutate_json.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uint64_t next_random(uint64_t * s) {
    // xorshift64*
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

bool number_start(uint8_t c) { return c == '-' || (c >= '0' && c <= '9'); }
bool number_char(uint8_t c) { return number_start(c) || c == '.' || c == 'e' || c == 'E' || c == '+'; }

}  // namespace

size_t fuzz_mutate_json_number(uint8_t * data, size_t size, size_t max_size, uint64_t seed) {
    // The number tokens outside strings (a string's escapes skipped), as [start, end).
    std::vector<std::pair<size_t, size_t>> numbers;
    bool in_string = false;
    for (size_t i = 0; i < size; i++) {
        const uint8_t c = data[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (number_start(c)) {
            size_t j = i;
            while (j < size && number_char(data[j])) j++;
            numbers.emplace_back(i, j);
            i = j - 1;
        }
    }
    if (numbers.empty()) return 0;
    uint64_t s = seed | 1;
    const std::pair<size_t, size_t> n = numbers[next_random(&s) % numbers.size()];
    const std::string old((const char *) data + n.first, n.second - n.first);
    // the old value, kept within +-10^15 so that the arithmetic below cannot overflow
    const long long v = std::max(-1000000000000000ll, std::min(1000000000000000ll, strtoll(old.c_str(), nullptr, 10)));

    static const char * const bounds[] = { "0", "1", "-1", "2", "255", "256", "65535", "65536", "2147483647",
                                           "2147483648", "-2147483648", "4294967296", "9007199254740993",
                                           "1e9", "1e308", "-0", "0.5", "1.5" };
    const size_t n_bounds = sizeof(bounds) / sizeof(bounds[0]);
    const long long near[] = { v + 1, v - 1, -v, v * 2, v * 10, v + 1000000 };
    const size_t n_near = sizeof(near) / sizeof(near[0]);
    const size_t pick = next_random(&s) % (n_bounds + n_near);
    char buf[32];
    if (pick < n_bounds) {
        snprintf(buf, sizeof(buf), "%s", bounds[pick]);
    } else {
        snprintf(buf, sizeof(buf), "%lld", near[pick - n_bounds]);
    }
    const size_t len = strlen(buf), old_len = n.second - n.first;
    if (size - old_len + len > max_size || (len == old_len && memcmp(buf, data + n.first, len) == 0)) return 0;
    memmove(data + n.first + len, data + n.second, size - n.second);
    memcpy(data + n.first, buf, len);
    return size - old_len + len;
}
