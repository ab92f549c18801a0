// Labels files for evaluation and training, as they come (docs/labels.md). Three shapes,
// recognised from the header:
//   one column per finding   path,patient_id,fold,<finding>,...   (../shared/data/nih1000/labels.csv;
//                            CheXpert's Path,Sex,Age,Frontal/Lateral,AP/PA,<observation>,...;
//                            MIMIC-CXR-JPG's labels with a path column added)
//                            values 1, 0, -1 (uncertain) or blank (not mentioned); 1.0/0.0/-1.0 too
//   ChestX-ray14             Image Index,Finding Labels,Follow-up #,Patient ID,...
//                            (Data_Entry_2017.csv: 'Cardiomegaly|Emphysema', 'No Finding')
//   one class per image      path,label   (../shared/data/brain_mri/labels.csv)
//
// The CSV itself (RFC 4180): ',' ';' or tab separated (detected from the header line, or given),
// optional "quoted" fields with "" for a quote and separators or line ends inside, \n, \r\n or
// \r line ends, a UTF-8 BOM is skipped, rows whose fields are all empty (blank lines, Excel's
// ",,,," rows) are skipped.
//
// Errors name the file, the line (1-based, the header being line 1) and the column:
// "labels.csv: no 'path' column", "labels.csv: line 7, column 'Effusion': expected 1, 0, -1 or
// blank, found '2'", "labels.csv: line 9: 3 fields, the header has 5", "labels.csv: line 4,
// column 2: unterminated quoted field".
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

// Plain CSV: the header and the rows, all rows having the header's field count.
struct csv_table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<int64_t> lines;  // line of the file where each row starts
    char sep = ',';              // the separator read
};

// sep: ',', ';' or '\t', or 0 to detect it: the one of the three found most often outside
// quotes in the header line (',' when none or on ties).
// A record (one line, or several when a quoted field holds line ends) longer than this is refused:
// "<name>: line N: a record longer than the limit of 1048576 bytes".
constexpr size_t csv_max_record_bytes = 1048576;

bool csv_parse(const std::string & text, const std::string & name, csv_table * table, std::string * err, char sep = 0);

// "comma", "semicolon", "tab".
const char * csv_sep_name(char sep);

// A label value as written in a finding column (ChestX-ray14 cells are always 0 or 1).
enum labels_value : int8_t {
    LABELS_NEGATIVE  = 0,   // "0", "0.0"
    LABELS_POSITIVE  = 1,   // "1", "1.0"
    LABELS_UNCERTAIN = -1,  // "-1", "-1.0" (CheXpert, MIMIC-CXR)
    LABELS_BLANK     = -2,  // "" (CheXpert, MIMIC-CXR: not mentioned in the report)
};

enum labels_format {
    LABELS_FORMAT_COLUMNS,       // one column per finding
    LABELS_FORMAT_CHESTXRAY14,   // Data_Entry_2017.csv: 'Finding Labels' with '|'
    LABELS_FORMAT_SINGLE_LABEL,  // a 'label' column
};

struct labels_row {
    std::string path;               // as written (relative to the images folder)
    std::string patient_id;         // "" when the file names no patient
    int32_t     fold = -1;          // -1 when there is no fold column
    int64_t     line = 0;           // line of the file where the row starts
    std::string label;              // single-label sets: the class; multi-label sets: ""
    std::vector<int8_t> values;     // one labels_value per entry of labels_set::findings
};

struct labels_set {
    std::string   name;             // file base name, for messages
    labels_format format = LABELS_FORMAT_COLUMNS;
    bool          single_label = false;
    char          sep = ',';
    std::string   patient_source;   // where patient_id came from: a column name, "Path (patientNNNNN
                                    // folder)", or "" (none: images are their own group)
    // Multi-label: the finding columns in file order (every column except the path, patient,
    // fold and known metadata columns); ChestX-ray14: its 14 findings, then any other label
    // met, in order of first appearance. Single-label: the distinct classes in order of first
    // appearance.
    std::vector<std::string> findings;
    std::vector<std::string> ignored_columns;  // metadata columns read past (Sex, Age, ...)
    std::vector<labels_row>  rows;
};

// "one column per finding", "ChestX-ray14 Data_Entry", "one class per image".
const char * labels_format_name(labels_format f);

// Parses labels CSV text (sep as for csv_parse). The shape comes from the header: 'Image Index'
// and 'Finding Labels' -> ChestX-ray14; a 'label' column -> single-label; otherwise a 'path'
// (or CheXpert's 'Path') column and at least one finding column. The patient is 'patient_id',
// 'Patient ID' or 'subject_id', else CheXpert's patientNNNNN folder in the path. fold must be an
// integer; path and label must not be empty.
bool labels_csv_parse(const std::string & text, const std::string & name, labels_set * set, std::string * err,
                      char sep = 0);
bool labels_csv_read(const std::string & path, labels_set * set, std::string * err, char sep = 0);

// Index of a finding / class in set.findings, or -1.
int32_t labels_find(const labels_set & set, const std::string & finding);

// --- policies for uncertain and blank labels ---------------------------------------------------

enum labels_policy {
    LABELS_POLICY_IGNORE,    // the image is left out of that finding's metrics (default)
    LABELS_POLICY_POSITIVE,  // counted as 1
    LABELS_POLICY_NEGATIVE,  // counted as 0
};

// "ignore", "positive", "negative" <-> the policy; false on anything else.
bool        labels_policy_parse(const std::string & s, labels_policy * out);
const char * labels_policy_name(labels_policy p);

// 1, 0, or -1 (left out) for a value under the policies.
int32_t labels_resolve(int8_t value, labels_policy uncertain, labels_policy blank);

// Counts of each value in one finding column.
struct labels_counts {
    int64_t positive = 0, negative = 0, uncertain = 0, blank = 0;
};
labels_counts labels_count(const labels_set & set, int32_t finding);

// --- finding names: the package's ids <-> the file's columns -----------------------------------

enum labels_match {
    LABELS_MATCH_NONE,     // no column for this id
    LABELS_MATCH_EXACT,    // same text
    LABELS_MATCH_NAME,     // same name up to case, spaces, '_' and '-' ("Pleural Thickening")
    LABELS_MATCH_SYNONYM,  // a known synonym ("Pleural Effusion" -> Effusion)
    LABELS_MATCH_USER,     // --map COLUMN=ID
};

// "same name", "same name up to case, spaces and '_'", "synonym", "--map", "none".
const char * labels_match_name(labels_match m);

struct labels_mapping {
    std::vector<int32_t>      column;  // per id: index in set.findings, or -1
    std::vector<labels_match> how;     // per id
    std::vector<int32_t>      unused;  // indexes of set.findings no id took, in file order
};

// A user mapping "COLUMN=ID" (the column as written in the file).
struct labels_user_map {
    std::string column, id;
};

// "COLUMN=ID" -> map; false (with a message) when there is no '=' or a side is empty.
bool labels_user_map_parse(const std::string & s, labels_user_map * out, std::string * err);

// Finds each id's column: user maps first, then the exact name, then the same name up to case,
// spaces, '_' and '-', then the built-in synonyms (labels_synonyms). A column serves one id at
// most. Fails (naming the column or id) when a user map names a column the file lacks or an id
// not in ids.
bool labels_map(const labels_set & set, const std::vector<std::string> & ids, const std::vector<labels_user_map> & user,
                labels_mapping * out, std::string * err);

// The built-in synonyms: pairs {package finding id, another name for it}.
struct labels_synonym {
    const char * id;
    const char * name;
};
const std::vector<labels_synonym> & labels_synonyms();

// Lowercase, '_' and '-' as spaces, runs of spaces as one, trimmed: "Pleural_Thickening" and
// "pleural thickening" compare equal.
std::string labels_name_key(const std::string & s);

// --- split lists (ChestX-ray14's test_list.txt, train_val_list.txt) ----------------------------

// One image name per line (\n, \r\n or \r); blank lines are skipped. Fails on an empty list.
bool labels_split_list_parse(const std::string & text, const std::string & name, std::set<std::string> * names,
                             std::string * err);
bool labels_split_list_read(const std::string & path, std::set<std::string> * names, std::string * err);

// Whether a row's path or its file name is in the list.
bool labels_split_list_has(const std::set<std::string> & names, const std::string & path);
