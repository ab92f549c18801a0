// Fuzz target: labels CSV files and split lists (core/labels_csv.h; `radz eval`).
#include "fuzz_targets.h"
#include "labels_csv.h"

int fuzz_labels_csv(const uint8_t * data, size_t size) {
    const std::string text((const char *) data, size);
    std::string err;

    csv_table t;
    if (csv_parse(text, "fuzz.csv", &t, &err)) {
        FUZZ_CHECK(t.rows.size() == t.lines.size());
        for (const auto & row : t.rows) FUZZ_CHECK(row.size() == t.header.size());
    } else {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
    }

    labels_set set;
    err.clear();
    if (labels_csv_parse(text, "fuzz.csv", &set, &err)) {
        if (!set.single_label) {
            for (const labels_row & r : set.rows) FUZZ_CHECK(r.values.size() == set.findings.size());
        }
        for (const std::string & f : set.findings) FUZZ_CHECK(labels_find(set, f) >= 0);
        static const std::vector<std::string> ids = { "Atelectasis", "Cardiomegaly", "Effusion", "Pneumonia",
                                                      "No_Finding", "glioma", "notumor" };
        labels_mapping m;
        if (labels_map(set, ids, {}, &m, &err)) {
            FUZZ_CHECK(m.column.size() == ids.size());
            for (int32_t c : m.column) FUZZ_CHECK(c >= -1 && c < (int32_t) set.findings.size());
        }
    } else {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
    }

    std::set<std::string> names;
    if (labels_split_list_parse(text, "list.txt", &names, &err)) FUZZ_CHECK(!names.empty());
    return 0;
}
