#include "labels_csv.h"

#include "file_io.h"

#include <set>

static bool fail(std::string * err, const std::string & msg) {
    if (err) *err = msg;
    return false;
}

bool csv_parse(const std::string & text, const std::string & name, csv_table * table, std::string * err) {
    csv_table t;
    size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
    int64_t line = 1;
    const size_t n = text.size();
    bool first = true;
    while (i < n) {
        // one record
        const int64_t start_line = line;
        std::vector<std::string> fields;
        std::string field;
        bool end_of_record = false;
        while (!end_of_record) {
            field.clear();
            if (i < n && text[i] == '"') {
                const int64_t quote_line = line;
                i++;
                while (true) {
                    if (i >= n) return fail(err, name + ": line " + std::to_string(quote_line) + ": unterminated quoted field");
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (c == '\n') line++;
                    field += c;
                    i++;
                }
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    return fail(err, name + ": line " + std::to_string(line) + ": unexpected character after a quoted field");
                }
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"') {
                        return fail(err, name + ": line " + std::to_string(line) + ": '\"' inside an unquoted field");
                    }
                    field += text[i++];
                }
            }
            fields.push_back(field);
            if (i >= n) {
                end_of_record = true;
            } else if (text[i] == ',') {
                i++;
            } else {
                if (text[i] == '\r') i++;
                if (i < n && text[i] == '\n') i++;
                line++;
                end_of_record = true;
            }
        }
        if (first) {
            t.header = fields;
            first = false;
            continue;
        }
        if (fields.size() != t.header.size()) {
            return fail(err, name + ": line " + std::to_string(start_line) + ": " + std::to_string(fields.size()) +
                        (fields.size() == 1 ? " field" : " fields") + ", the header has " + std::to_string(t.header.size()));
        }
        t.rows.push_back(std::move(fields));
        t.lines.push_back(start_line);
    }
    if (first) return fail(err, name + ": empty file (no header line)");
    *table = std::move(t);
    return true;
}

static bool parse_int(const std::string & s, int64_t * out) {
    if (s.empty() || s.size() > 18) return false;
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return false;
    int64_t v = 0;
    for (; i < s.size(); i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = s[0] == '-' ? -v : v;
    return true;
}

bool labels_csv_parse(const std::string & text, const std::string & name, labels_set * set, std::string * err) {
    csv_table t;
    if (!csv_parse(text, name, &t, err)) return false;
    int32_t c_path = -1, c_patient = -1, c_fold = -1, c_label = -1;
    std::set<std::string> seen;
    for (size_t c = 0; c < t.header.size(); c++) {
        const std::string & h = t.header[c];
        if (h.empty()) return fail(err, name + ": column " + std::to_string(c + 1) + " has an empty name");
        if (!seen.insert(h).second) return fail(err, name + ": column '" + h + "' appears twice");
        if (h == "path") c_path = (int32_t) c;
        else if (h == "patient_id") c_patient = (int32_t) c;
        else if (h == "fold") c_fold = (int32_t) c;
        else if (h == "label") c_label = (int32_t) c;
    }
    if (c_path < 0) return fail(err, name + ": no 'path' column");

    labels_set s;
    s.name = name;
    s.single_label = c_label >= 0;
    std::vector<int32_t> finding_cols;
    if (!s.single_label) {
        for (size_t c = 0; c < t.header.size(); c++) {
            if ((int32_t) c != c_path && (int32_t) c != c_patient && (int32_t) c != c_fold) {
                finding_cols.push_back((int32_t) c);
                s.findings.push_back(t.header[c]);
            }
        }
        if (finding_cols.empty()) return fail(err, name + ": no 'label' column and no 0/1 finding columns");
    }
    for (size_t r = 0; r < t.rows.size(); r++) {
        const std::vector<std::string> & f = t.rows[r];
        const std::string at = name + ": line " + std::to_string(t.lines[r]);
        labels_row row;
        row.path = f[(size_t) c_path];
        if (row.path.empty()) return fail(err, at + ", column 'path': empty path");
        if (c_patient >= 0) row.patient_id = f[(size_t) c_patient];
        if (c_fold >= 0) {
            int64_t fold = 0;
            if (!parse_int(f[(size_t) c_fold], &fold) || fold < 0 || fold > INT32_MAX) {
                return fail(err, at + ", column 'fold': expected a non-negative integer, found '" + f[(size_t) c_fold] + "'");
            }
            row.fold = (int32_t) fold;
        }
        if (s.single_label) {
            row.label = f[(size_t) c_label];
            if (row.label.empty()) return fail(err, at + ", column 'label': empty label");
            if (labels_find(s, row.label) < 0) s.findings.push_back(row.label);
        } else {
            for (size_t k = 0; k < finding_cols.size(); k++) {
                const std::string & v = f[(size_t) finding_cols[k]];
                if (v != "0" && v != "1") {
                    return fail(err, at + ", column '" + s.findings[k] + "': expected 0 or 1, found '" + v + "'");
                }
                row.positives.push_back(v == "1" ? 1 : 0);
            }
        }
        s.rows.push_back(std::move(row));
    }
    if (s.single_label) {
        for (labels_row & row : s.rows) {
            row.positives.assign(s.findings.size(), 0);
            row.positives[(size_t) labels_find(s, row.label)] = 1;
        }
    }
    *set = std::move(s);
    return true;
}

bool labels_csv_read(const std::string & path, labels_set * set, std::string * err) {
    std::string text;
    if (!file_read_text(path, &text, 256u << 20, err)) return false;
    return labels_csv_parse(text, file_base_name(path), set, err);
}

int32_t labels_find(const labels_set & set, const std::string & finding) {
    for (size_t i = 0; i < set.findings.size(); i++) {
        if (set.findings[i] == finding) return (int32_t) i;
    }
    return -1;
}
