// Fuzz target: anchor tables (core/anchor_table.h): a table that is accepted must save and read
// back as an equal table.
#include "anchor_table.h"
#include "fuzz_targets.h"

int fuzz_anchors(const uint8_t * data, size_t size) {
    anchor_table t;
    std::string err;
    if (!anchor_table_parse(std::string((const char *) data, size), "fuzz.json", &t, &err)) {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
        return 0;
    }
    FUZZ_CHECK(anchor_table_validate(t, "fuzz.json", &err));
    for (const anchor_finding & f : t.findings) {
        FUZZ_CHECK((int32_t) f.anchor.size() == t.feature_dim);
        FUZZ_CHECK(!f.descriptions.empty() && f.calibration.scale > 0);
        FUZZ_CHECK(anchor_table_modality(t, f.modality) != nullptr);
    }
    anchor_table back;
    const std::string saved = anchor_table_to_json(t);
    if (!anchor_table_parse(saved, "saved.json", &back, &err)) fuzz_fail(err.c_str(), __FILE__, __LINE__);
    FUZZ_CHECK(back.findings.size() == t.findings.size() && back.modalities.size() == t.modalities.size());
    FUZZ_CHECK(anchor_table_to_json(back) == saved);
    return 0;
}
