// Labels CSV files for evaluation and training, shaped like
//   ../shared/data/nih1000/labels.csv   path,patient_id,fold,<finding>,...   (0/1 per finding)
//   ../shared/data/brain_mri/labels.csv path,label                           (one class per row)
// RFC 4180 CSV: comma-separated, optional "quoted" fields with "" for a quote, \n or \r\n line
// ends, a UTF-8 BOM is skipped, an empty last line is ignored.
//
// Errors name the file, the row (1-based line of the file, the header being line 1) and the
// column: "labels.csv: no 'path' column", "labels.csv: line 7, column 'Effusion': expected 0 or 1,
// found '2'", "labels.csv: line 9: 3 fields, the header has 5".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

// Plain CSV: the header and the rows, all rows having the header's field count.
struct csv_table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<int64_t> lines;  // line of the file where each row starts
};

bool csv_parse(const std::string & text, const std::string & name, csv_table * table, std::string * err);

struct labels_row {
    std::string path;               // as written (relative to the CSV's folder)
    std::string patient_id;         // "" when there is no patient_id column
    int32_t     fold = -1;          // -1 when there is no fold column
    std::string label;              // single-label sets: the class; multi-label sets: ""
    std::vector<uint8_t> positives; // one 0/1 per entry of labels_set::findings
};

struct labels_set {
    std::string name;               // file base name, for messages
    bool single_label = false;      // a 'label' column (brain_mri) vs 0/1 columns (nih1000)
    // Multi-label: the 0/1 columns in file order (every column except path, patient_id, fold).
    // Single-label: the distinct classes in order of first appearance.
    std::vector<std::string> findings;
    std::vector<labels_row> rows;
};

// Parses labels CSV text. Requires a 'path' column; with a 'label' column the set is
// single-label (positives is one-hot over findings), otherwise every other column except
// patient_id and fold must hold 0 or 1 and there must be at least one. fold must be an
// integer; path and label must not be empty.
bool labels_csv_parse(const std::string & text, const std::string & name, labels_set * set, std::string * err);
bool labels_csv_read(const std::string & path, labels_set * set, std::string * err);

// Index of a finding / class in set.findings, or -1.
int32_t labels_find(const labels_set & set, const std::string & finding);
