// Fuzz target: evidence.json (core/evidence.h).
#include "evidence.h"
#include "fuzz_targets.h"

int fuzz_evidence(const uint8_t * data, size_t size) {
    evidence_doc doc;
    std::string err;
    if (!evidence_parse(std::string((const char *) data, size), "evidence.json", &doc, &err)) {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
        return 0;
    }
    for (const auto & v : doc.variants) {
        for (const evidence_entry & e : v.second.findings) {
            FUZZ_CHECK(doc.sources.count(e.evidence.source) == 1);
            FUZZ_CHECK(!evidence_summary(e.evidence).empty());
            (void) evidence_no_signal(e.evidence);
        }
    }
    return 0;
}
