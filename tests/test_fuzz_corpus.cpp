// Every fuzz target (tests/fuzz/fuzz_targets.h) over each file of its committed corpus and
// regression folder, once: the same inputs the libFuzzer build's ctest runs, here natively
// under ASan + UBSan (gcc) and in wasm. A target aborts on a broken invariant, the sanitizers on
// memory errors; each file must also leave the target by returning.
#include "fuzz_targets.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

static std::vector<fs::path> files_of(const fs::path & dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto & e : fs::directory_iterator(dir)) {
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

static int run_folder(const fuzz_target & t, const fs::path & dir) {
    int n = 0;
    for (const fs::path & p : files_of(dir)) {
        std::ifstream f(p, std::ios::binary);
        const std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        INFO(p.string());
        CHECK(t.run(b.data(), b.size()) == 0);
        n++;
    }
    return n;
}

TEST_CASE("every fuzz target runs its corpus and regression files") {
    const fs::path root = fs::path(RADZ_SOURCE_DIR) / "tests" / "fuzz";
    for (const fuzz_target & t : fuzz_targets()) {
        INFO(t.name);
        const int n_corpus = run_folder(t, root / "corpus" / t.name);
        run_folder(t, root / "regressions" / t.name);
        CHECK(n_corpus > 0);  // every target has a committed corpus
    }
}

TEST_CASE("the fuzz target list names each target once") {
    for (const fuzz_target & t : fuzz_targets()) {
        CHECK(fuzz_target_find(t.name) == &t);
    }
    CHECK(fuzz_target_find("no such target") == nullptr);
}
