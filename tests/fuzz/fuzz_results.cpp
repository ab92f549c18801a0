// Fuzz target: results documents and their comparison (core/results.h, core/compare.h; `radz
// compare`, the app's and the page's parity view).
#include "compare.h"
#include "fuzz_targets.h"
#include "results.h"

#include <cstring>

// A document that is accepted must save and read back to the same text.
static void check_round_trip(const results_doc & doc) {
    const std::string saved = results_to_json(doc);
    results_doc back;
    std::string err;
    if (!results_parse(saved, "saved.json", &back, &err)) fuzz_fail(err.c_str(), __FILE__, __LINE__);
    FUZZ_CHECK(results_to_json(back) == saved);
}

static void check_compare(const results_doc & a, const results_doc & b) {
    const compare_report r = compare_results(a, b, compare_tolerances());
    FUZZ_CHECK(r.n_pass + r.n_fail == r.n_images && (size_t) r.n_images == r.images.size());
    FUZZ_CHECK(!compare_report_text(r, true).empty());
    (void) compare_report_text(r, false);
}

int fuzz_results(const uint8_t * data, size_t size) {
    static const results_doc reference = [] {
        results_doc d;
        std::string err;
        if (!results_parse(fuzz_read_fixture("tests/fuzz/corpus/results/seed_two_images.json"), "seed_two_images.json", &d, &err)) {
            fuzz_fail(err.c_str(), __FILE__, __LINE__);
        }
        return d;
    }();
    // A NUL byte separates a second document (the candidate) from the first.
    const char * p = (const char *) data;
    const char * nul = (const char *) memchr(p, 0, size);
    const std::string first(p, nul ? (size_t) (nul - p) : size);

    results_doc a;
    std::string err;
    if (!results_parse(first, "a.json", &a, &err)) {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
        return 0;
    }
    check_round_trip(a);
    check_compare(a, a);
    check_compare(reference, a);
    if (nul) {
        results_doc b;
        if (results_parse(std::string(nul + 1, size - (size_t) (nul - p) - 1), "b.json", &b, &err)) {
            check_round_trip(b);
            check_compare(a, b);
            check_compare(b, a);
        } else {
            FUZZ_CHECK(!err.empty());
        }
    }
    return 0;
}
