#include "labels_csv.h"

#include "file_io.h"

#include <cctype>

// Every error is one line: a quoted field may hold line breaks, and a message quoting it shows
// them as \n and \r (found by the labels_csv fuzz target).
static bool fail(std::string * err, const std::string & msg) {
    if (err) {
        err->clear();
        for (char c : msg) {
            if (c == '\n') *err += "\\n";
            else if (c == '\r') *err += "\\r";
            else *err += c;
        }
    }
    return false;
}

// --- CSV ---------------------------------------------------------------------------------------

const char * csv_sep_name(char sep) {
    switch (sep) {
        case ';': return "semicolon";
        case '\t': return "tab";
        default: return "comma";
    }
}

// The separator found most often outside quotes in the first line (',' on ties or none).
static char csv_detect_sep(const std::string & text, size_t i) {
    int64_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (; i < text.size(); i++) {
        const char c = text[i];
        if (c == '"') quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r')) break;
        else if (!quoted && c == ',') comma++;
        else if (!quoted && c == ';') semicolon++;
        else if (!quoted && c == '\t') tab++;
    }
    if (semicolon > comma && semicolon >= tab) return ';';
    if (tab > comma && tab > semicolon) return '\t';
    return ',';
}

// Skips one line end (\r\n, \r or \n) at i, if any; true when there was one.
static bool skip_line_end(const std::string & text, size_t * i) {
    if (*i < text.size() && text[*i] == '\r') {
        (*i)++;
        if (*i < text.size() && text[*i] == '\n') (*i)++;
        return true;
    }
    if (*i < text.size() && text[*i] == '\n') {
        (*i)++;
        return true;
    }
    return false;
}

bool csv_parse(const std::string & text, const std::string & name, csv_table * table, std::string * err, char sep) {
    if (sep != 0 && sep != ',' && sep != ';' && sep != '\t') {
        return fail(err, name + ": the separator must be ',', ';' or a tab");
    }
    csv_table t;
    size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
    t.sep = sep != 0 ? sep : csv_detect_sep(text, i);
    const char s = t.sep;
    int64_t line = 1;
    const size_t n = text.size();
    bool first = true;
    while (i < n) {
        // one record
        const int64_t start_line = line;
        const size_t record_start = i;
        std::vector<std::string> fields;
        std::string field;
        bool end_of_record = false;
        bool all_empty = true;
        while (!end_of_record) {
            field.clear();
            const std::string at = name + ": line " + std::to_string(line) + ", column " + std::to_string(fields.size() + 1);
            if (i < n && text[i] == '"') {
                all_empty = false;
                i++;
                while (true) {
                    if (i >= n) return fail(err, at + ": unterminated quoted field");
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
                    if (c == '\r' || c == '\n') {
                        // a line end inside the field: kept as written, counted once
                        const size_t from = i;
                        skip_line_end(text, &i);
                        field.append(text, from, i - from);
                        line++;
                        continue;
                    }
                    field += c;
                    i++;
                }
                if (i < n && text[i] != s && text[i] != '\n' && text[i] != '\r') {
                    return fail(err, name + ": line " + std::to_string(line) + ", column " + std::to_string(fields.size() + 1) +
                                         ": unexpected character after a quoted field");
                }
            } else {
                while (i < n && text[i] != s && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"') return fail(err, at + ": '\"' inside an unquoted field");
                    field += text[i++];
                }
                if (!field.empty()) all_empty = false;
            }
            fields.push_back(field);
            if (i - record_start > csv_max_record_bytes) {
                return fail(err, name + ": line " + std::to_string(start_line) + ": a record longer than the limit of " +
                                     std::to_string(csv_max_record_bytes) + " bytes");
            }
            if (i >= n) {
                end_of_record = true;
            } else if (text[i] == s) {
                i++;
            } else {
                skip_line_end(text, &i);
                line++;
                end_of_record = true;
            }
        }
        if (all_empty) continue;  // a blank line, or Excel's ",,,," row
        if (first) {
            t.header = fields;
            first = false;
            continue;
        }
        if (fields.size() != t.header.size()) {
            return fail(err, name + ": line " + std::to_string(start_line) + ": " + std::to_string(fields.size()) +
                        (fields.size() == 1 ? " field" : " fields") + ", the header has " + std::to_string(t.header.size()) +
                        " (" + csv_sep_name(s) + "-separated)");
        }
        t.rows.push_back(std::move(fields));
        t.lines.push_back(start_line);
    }
    if (first) return fail(err, name + ": empty file (no header line)");
    *table = std::move(t);
    return true;
}

// --- labels ------------------------------------------------------------------------------------

const char * labels_format_name(labels_format f) {
    switch (f) {
        case LABELS_FORMAT_CHESTXRAY14: return "ChestX-ray14 Data_Entry";
        case LABELS_FORMAT_SINGLE_LABEL: return "one class per image";
        default: return "one column per finding";
    }
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

static bool parse_value(const std::string & v, int8_t * out) {
    if (v == "1" || v == "1.0") *out = LABELS_POSITIVE;
    else if (v == "0" || v == "0.0") *out = LABELS_NEGATIVE;
    else if (v == "-1" || v == "-1.0") *out = LABELS_UNCERTAIN;
    else if (v.empty()) *out = LABELS_BLANK;
    else return false;
    return true;
}

// ChestX-ray14's findings, in the order of its README.
static const char * const CHESTXRAY14_FINDINGS[] = {
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
};

// Columns read past in a per-finding file: CheXpert's and MIMIC-CXR's metadata.
static bool is_metadata_column(const std::string & h) {
    static const char * const names[] = { "Sex", "Age", "Frontal/Lateral", "AP/PA", "study_id", "dicom_id", "ViewPosition" };
    for (const char * m : names) {
        if (h == m) return true;
    }
    return false;
}

// CheXpert's patient: the "patientNNNNN" folder of the path, or "".
static std::string chexpert_patient(const std::string & path) {
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        const std::string seg = path.substr(start, end - start);
        if (seg.size() > 7 && seg.compare(0, 7, "patient") == 0) {
            bool digits = true;
            for (size_t k = 7; k < seg.size(); k++) digits = digits && seg[k] >= '0' && seg[k] <= '9';
            if (digits) return seg;
        }
        start = end + 1;
    }
    return "";
}

static bool parse_chestxray14(const csv_table & t, const std::string & name, labels_set * s, std::string * err) {
    int32_t c_image = -1, c_labels = -1, c_patient = -1;
    for (size_t c = 0; c < t.header.size(); c++) {
        const std::string & h = t.header[c];
        if (h == "Image Index") c_image = (int32_t) c;
        else if (h == "Finding Labels") c_labels = (int32_t) c;
        else if (h == "Patient ID") c_patient = (int32_t) c;
        else if (!h.empty()) s->ignored_columns.push_back(h);  // the 2017 file ends every line with ','
    }
    s->format = LABELS_FORMAT_CHESTXRAY14;
    if (c_patient >= 0) s->patient_source = "Patient ID";
    for (const char * f : CHESTXRAY14_FINDINGS) s->findings.push_back(f);
    std::vector<std::vector<std::string>> row_labels;
    for (size_t r = 0; r < t.rows.size(); r++) {
        const std::vector<std::string> & f = t.rows[r];
        const std::string at = name + ": line " + std::to_string(t.lines[r]);
        labels_row row;
        row.line = t.lines[r];
        row.path = f[(size_t) c_image];
        if (row.path.empty()) return fail(err, at + ", column 'Image Index': empty image name");
        if (c_patient >= 0) {
            row.patient_id = f[(size_t) c_patient];
            if (row.patient_id.empty()) return fail(err, at + ", column 'Patient ID': empty patient");
        }
        const std::string & cell = f[(size_t) c_labels];
        std::vector<std::string> names;
        size_t start = 0;
        while (true) {
            const size_t bar = cell.find('|', start);
            names.push_back(cell.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
            if (bar == std::string::npos) break;
            start = bar + 1;
        }
        for (const std::string & l : names) {
            if (l.empty()) {
                return fail(err, at + ", column 'Finding Labels': expected findings separated by '|' or 'No Finding', found '" +
                                     cell + "'");
            }
            if (l == "No Finding") {
                if (names.size() > 1) {
                    return fail(err, at + ", column 'Finding Labels': 'No Finding' together with findings in '" + cell + "'");
                }
                continue;
            }
            if (labels_find(*s, l) < 0) s->findings.push_back(l);
        }
        row_labels.push_back(names);
        s->rows.push_back(std::move(row));
    }
    for (size_t r = 0; r < s->rows.size(); r++) {
        s->rows[r].values.assign(s->findings.size(), LABELS_NEGATIVE);
        for (const std::string & l : row_labels[r]) {
            const int32_t k = labels_find(*s, l);
            if (k >= 0) s->rows[r].values[(size_t) k] = LABELS_POSITIVE;
        }
    }
    return true;
}

bool labels_csv_parse(const std::string & text, const std::string & name, labels_set * set, std::string * err, char sep) {
    csv_table t;
    if (!csv_parse(text, name, &t, err, sep)) return false;
    labels_set s;
    s.name = name;
    s.sep = t.sep;
    int32_t c_path = -1, c_patient = -1, c_fold = -1, c_label = -1;
    bool has_image_index = false, has_finding_labels = false, has_study = false;
    std::set<std::string> seen;
    for (size_t c = 0; c < t.header.size(); c++) {
        const std::string & h = t.header[c];
        if (!h.empty() && !seen.insert(h).second) return fail(err, name + ": column '" + h + "' appears twice");
        has_image_index = has_image_index || h == "Image Index";
        has_finding_labels = has_finding_labels || h == "Finding Labels";
        has_study = has_study || h == "study_id";
    }
    if (has_image_index && has_finding_labels) {
        if (!parse_chestxray14(t, name, &s, err)) return false;
        *set = std::move(s);
        return true;
    }
    for (size_t c = 0; c < t.header.size(); c++) {
        const std::string & h = t.header[c];
        if (h.empty()) return fail(err, name + ": column " + std::to_string(c + 1) + " has an empty name");
        if (h == "path" || (h == "Path" && c_path < 0)) c_path = (int32_t) c;
        else if (h == "patient_id" || h == "Patient ID" || (h == "subject_id" && c_patient < 0)) c_patient = (int32_t) c;
        else if (h == "fold") c_fold = (int32_t) c;
        else if (h == "label") c_label = (int32_t) c;
    }
    if (c_path < 0) {
        if (has_study) {
            return fail(err, name + ": no 'path' column (MIMIC-CXR labels are per study: add each image's path from "
                                    "mimic-cxr-2.0.0-metadata.csv, see docs/labels.md)");
        }
        return fail(err, name + ": no 'path' column");
    }
    if (c_patient >= 0) s.patient_source = t.header[(size_t) c_patient];
    s.single_label = c_label >= 0;
    s.format = s.single_label ? LABELS_FORMAT_SINGLE_LABEL : LABELS_FORMAT_COLUMNS;
    std::vector<int32_t> finding_cols;
    for (size_t c = 0; c < t.header.size(); c++) {
        const int32_t ci = (int32_t) c;
        if (ci == c_path || ci == c_patient || ci == c_fold || ci == c_label) continue;
        if (is_metadata_column(t.header[c]) || t.header[c] == "path" || t.header[c] == "Path" ||
            t.header[c] == "subject_id") {
            s.ignored_columns.push_back(t.header[c]);
        } else if (!s.single_label) {
            finding_cols.push_back(ci);
            s.findings.push_back(t.header[c]);
        } else {
            s.ignored_columns.push_back(t.header[c]);
        }
    }
    if (!s.single_label && finding_cols.empty()) {
        return fail(err, name + ": no 'label' column and no finding columns (1, 0, -1 or blank)");
    }
    bool patient_from_path = c_patient < 0 && !t.rows.empty();
    for (size_t r = 0; r < t.rows.size(); r++) {
        const std::vector<std::string> & f = t.rows[r];
        const std::string at = name + ": line " + std::to_string(t.lines[r]);
        labels_row row;
        row.line = t.lines[r];
        row.path = f[(size_t) c_path];
        if (row.path.empty()) return fail(err, at + ", column '" + t.header[(size_t) c_path] + "': empty path");
        if (c_patient >= 0) row.patient_id = f[(size_t) c_patient];
        else row.patient_id = chexpert_patient(row.path);
        patient_from_path = patient_from_path && !row.patient_id.empty();
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
                int8_t value = 0;
                if (!parse_value(v, &value)) {
                    return fail(err, at + ", column '" + s.findings[k] + "': expected 1, 0, -1 or blank, found '" + v + "'");
                }
                row.values.push_back(value);
            }
        }
        s.rows.push_back(std::move(row));
    }
    if (c_patient < 0) {
        if (patient_from_path) {
            s.patient_source = "Path (patientNNNNN folder)";
        } else {
            for (labels_row & row : s.rows) row.patient_id.clear();  // some rows only: none
        }
    }
    if (s.single_label) {
        for (labels_row & row : s.rows) {
            row.values.assign(s.findings.size(), LABELS_NEGATIVE);
            row.values[(size_t) labels_find(s, row.label)] = LABELS_POSITIVE;
        }
    }
    *set = std::move(s);
    return true;
}

bool labels_csv_read(const std::string & path, labels_set * set, std::string * err, char sep) {
    std::string text;
    if (!file_read_text(path, &text, 256u << 20, err)) return false;
    return labels_csv_parse(text, file_base_name(path), set, err, sep);
}

int32_t labels_find(const labels_set & set, const std::string & finding) {
    for (size_t i = 0; i < set.findings.size(); i++) {
        if (set.findings[i] == finding) return (int32_t) i;
    }
    return -1;
}

// --- policies ----------------------------------------------------------------------------------

bool labels_policy_parse(const std::string & s, labels_policy * out) {
    if (s == "ignore") *out = LABELS_POLICY_IGNORE;
    else if (s == "positive") *out = LABELS_POLICY_POSITIVE;
    else if (s == "negative") *out = LABELS_POLICY_NEGATIVE;
    else return false;
    return true;
}

const char * labels_policy_name(labels_policy p) {
    switch (p) {
        case LABELS_POLICY_POSITIVE: return "positive";
        case LABELS_POLICY_NEGATIVE: return "negative";
        default: return "ignore";
    }
}

static int32_t apply_policy(labels_policy p) {
    return p == LABELS_POLICY_POSITIVE ? 1 : p == LABELS_POLICY_NEGATIVE ? 0 : -1;
}

int32_t labels_resolve(int8_t value, labels_policy uncertain, labels_policy blank) {
    switch (value) {
        case LABELS_POSITIVE: return 1;
        case LABELS_NEGATIVE: return 0;
        case LABELS_UNCERTAIN: return apply_policy(uncertain);
        default: return apply_policy(blank);
    }
}

labels_counts labels_count(const labels_set & set, int32_t finding) {
    labels_counts c;
    if (finding < 0 || (size_t) finding >= set.findings.size()) return c;
    for (const labels_row & r : set.rows) {
        switch (r.values[(size_t) finding]) {
            case LABELS_POSITIVE: c.positive++; break;
            case LABELS_NEGATIVE: c.negative++; break;
            case LABELS_UNCERTAIN: c.uncertain++; break;
            default: c.blank++; break;
        }
    }
    return c;
}

// --- mapping -----------------------------------------------------------------------------------

const char * labels_match_name(labels_match m) {
    switch (m) {
        case LABELS_MATCH_EXACT: return "same name";
        case LABELS_MATCH_NAME: return "same name up to case, spaces and '_'";
        case LABELS_MATCH_SYNONYM: return "synonym";
        case LABELS_MATCH_USER: return "--map";
        default: return "none";
    }
}

const std::vector<labels_synonym> & labels_synonyms() {
    // Names other data sets use for the package's findings: CheXpert / MIMIC-CXR
    // (Pleural Effusion), PadChest (infiltrates, pulmonary fibrosis, hiatal hernia), and the
    // brain tumour sets' folder names (glioma_tumor, no_tumor).
    static const std::vector<labels_synonym> table = {
        { "Effusion", "Pleural Effusion" },
        { "Effusion", "Pleural effusions" },
        { "Infiltration", "Infiltrate" },
        { "Infiltration", "Infiltrates" },
        { "Fibrosis", "Pulmonary Fibrosis" },
        { "Edema", "Pulmonary Edema" },
        { "Hernia", "Hiatal Hernia" },
        { "No_Finding", "Normal" },
        { "glioma", "glioma tumor" },
        { "meningioma", "meningioma tumor" },
        { "pituitary", "pituitary tumor" },
        { "notumor", "no tumor" },
    };
    return table;
}

std::string labels_name_key(const std::string & s) {
    std::string k;
    for (char c : s) {
        if (c == '_' || c == '-' || c == ' ' || c == '\t') {
            if (!k.empty() && k.back() != ' ') k += ' ';
        } else {
            k += (char) std::tolower((unsigned char) c);
        }
    }
    if (!k.empty() && k.back() == ' ') k.pop_back();
    return k;
}

bool labels_user_map_parse(const std::string & s, labels_user_map * out, std::string * err) {
    const size_t eq = s.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
        return fail(err, "expected COLUMN=ID, found '" + s + "'");
    }
    out->column = s.substr(0, eq);
    out->id = s.substr(eq + 1);
    return true;
}

bool labels_map(const labels_set & set, const std::vector<std::string> & ids, const std::vector<labels_user_map> & user,
                labels_mapping * out, std::string * err) {
    labels_mapping m;
    m.column.assign(ids.size(), -1);
    m.how.assign(ids.size(), LABELS_MATCH_NONE);
    std::vector<bool> taken(set.findings.size(), false);
    auto id_index = [&](const std::string & id) {
        for (size_t i = 0; i < ids.size(); i++) {
            if (ids[i] == id) return (int32_t) i;
        }
        return (int32_t) -1;
    };
    for (const labels_user_map & u : user) {
        const int32_t c = labels_find(set, u.column);
        if (c < 0) {
            return fail(err, "--map " + u.column + "=" + u.id + ": " + set.name + " has no finding column or class '" +
                                 u.column + "'");
        }
        const int32_t i = id_index(u.id);
        if (i < 0) return fail(err, "--map " + u.column + "=" + u.id + ": no finding '" + u.id + "' in the anchor table");
        if (m.column[(size_t) i] >= 0) return fail(err, "--map: finding '" + u.id + "' mapped twice");
        if (taken[(size_t) c]) return fail(err, "--map: column '" + u.column + "' mapped twice");
        m.column[(size_t) i] = c;
        m.how[(size_t) i] = LABELS_MATCH_USER;
        taken[(size_t) c] = true;
    }
    // Three passes, strictest first, so "Effusion" takes the column 'Effusion' even when
    // 'Pleural Effusion' is there too.
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < ids.size(); i++) {
            if (m.column[i] >= 0) continue;
            for (size_t c = 0; c < set.findings.size() && m.column[i] < 0; c++) {
                if (taken[c]) continue;
                const std::string & col = set.findings[c];
                bool hit = false;
                if (pass == 0) {
                    hit = col == ids[i];
                } else if (pass == 1) {
                    hit = labels_name_key(col) == labels_name_key(ids[i]);
                } else {
                    for (const labels_synonym & syn : labels_synonyms()) {
                        hit = hit || (ids[i] == syn.id && labels_name_key(col) == labels_name_key(syn.name));
                    }
                }
                if (hit) {
                    m.column[i] = (int32_t) c;
                    m.how[i] = pass == 0 ? LABELS_MATCH_EXACT : pass == 1 ? LABELS_MATCH_NAME : LABELS_MATCH_SYNONYM;
                    taken[c] = true;
                }
            }
        }
    }
    for (size_t c = 0; c < set.findings.size(); c++) {
        if (!taken[c]) m.unused.push_back((int32_t) c);
    }
    *out = std::move(m);
    return true;
}

// --- split lists -------------------------------------------------------------------------------

bool labels_split_list_parse(const std::string & text, const std::string & name, std::set<std::string> * names,
                             std::string * err) {
    std::set<std::string> out;
    size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
    while (i < text.size()) {
        size_t end = i;
        while (end < text.size() && text[end] != '\n' && text[end] != '\r') end++;
        std::string l = text.substr(i, end - i);
        while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.pop_back();
        if (!l.empty()) out.insert(l);
        i = end;
        skip_line_end(text, &i);
    }
    if (out.empty()) return fail(err, name + ": no image names (expected one per line, like test_list.txt)");
    *names = std::move(out);
    return true;
}

bool labels_split_list_read(const std::string & path, std::set<std::string> * names, std::string * err) {
    std::string text;
    if (!file_read_text(path, &text, 64u << 20, err)) return false;
    return labels_split_list_parse(text, file_base_name(path), names, err);
}

bool labels_split_list_has(const std::set<std::string> & names, const std::string & path) {
    if (names.count(path)) return true;
    const size_t slash = path.rfind('/');
    return slash != std::string::npos && names.count(path.substr(slash + 1)) > 0;
}
