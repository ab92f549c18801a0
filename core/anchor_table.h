// The DKAM anchor table, docs/model-package.md sections 5-7: load/save (the package's
// anchors.<variant>.json and user-saved tables), validation, binding to a variant's files,
// adding and removing findings, and the label-free calibration from reference features.
//
// Errors name the table (the file's base name, or the name given to anchor_table_parse) and
// the field: "anchors.fp32.json: findings[3].anchor: norm 0.87, expected 1 within 0.001".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// sha256 of the variant files that made the anchors and calibration.
struct anchor_binding {
    std::string vision;
    std::string decoder;
    std::string embeddings;
    std::string tokenizer;
    std::string reference;
};

struct anchor_calibration {
    std::string kind;        // "labels" or "label_free"
    double threshold = 0.0;  // cosine at 50%
    double scale     = 1.0;  // logit per unit of cosine, > 0
};

// The measured skill behind a finding's scores (core/evidence.h, docs/model-package.md
// section 10); never written into an anchor table file.
struct finding_evidence {
    std::string source;       // key into the evidence file's sources ("oof", "calibration_fit", ...)
    std::string description;  // the source's one-line description
    bool    has_auc = false;  // auc, auc_low, auc_high valid
    double  auc = 0.0, auc_low = 0.0, auc_high = 0.0;
    bool    has_slope = false;
    double  slope = 0.0;      // of the logistic calibration fit (before its floor)
    int64_t positives = -1;   // labelled positives behind the figure (-1: not stated)
    int64_t images = -1;      // images behind the figure (-1: not stated)
};

struct anchor_modality {
    std::string id;  // "cxr"
    double z = 0.0;  // label_free.z
    double k = 1.0;  // label_free.k
};

struct anchor_finding {
    std::string id;                   // unique within its modality (case-sensitive)
    std::string display;
    std::string modality;
    std::string kind   = "finding";   // "finding" or "normal"
    std::string source = "user";      // "package" or "user"
    bool held_out  = false;
    bool truncated = false;
    std::vector<std::string> descriptions;  // at least one, none empty
    std::vector<float> anchor;              // feature_dim values, unit norm
    anchor_calibration calibration;
    // Set by evidence_apply (core/evidence.h) when a package is opened, not read from or written
    // to the table's JSON: the finding's evidence, and whether it shows no skill.
    bool             has_evidence = false;
    finding_evidence evidence;
    bool             no_signal = false;
};

struct anchor_table {
    int32_t     format_version = 0;
    std::string package;   // "radz-tiny"
    std::string variant;   // "fp32"
    anchor_binding binding;
    std::string dkam_template;
    int32_t     feature_dim = 0;
    std::vector<anchor_modality> modalities;
    std::vector<anchor_finding>  findings;  // canonical order
};

// Reference image features (reference.<variant>.bin): float32 little-endian rows of E values,
// with the row range of each modality from the manifest.
struct reference_features {
    int32_t feature_dim = 0;
    int64_t n_rows = 0;
    std::vector<float> data;  // n_rows * feature_dim
    std::map<std::string, std::pair<int64_t, int64_t>> rows;  // modality -> [begin, end)
};

// Parses JSON text; name is used in errors (e.g. "anchors.fp32.json"). Validates as
// anchor_table_validate.
bool anchor_table_parse(const std::string & json_text, const std::string & name, anchor_table * table,
                        std::string * err);
bool anchor_table_load(const std::string & path, anchor_table * table, std::string * err);

// JSON text of the table (numbers with 9 significant digits), and the same written to a file.
std::string anchor_table_to_json(const anchor_table & table);
bool anchor_table_save(const anchor_table & table, const std::string & path, std::string * err);

// format_version 0, feature_dim > 0, binding hashes are sha256 hex, modalities unique with
// finite z and k > 0, every finding: id non-empty and unique within its modality, modality
// declared, kind/source values, >= 1 non-empty description, anchor of feature_dim finite values
// with |norm - 1| <= 1e-3, calibration kind "labels" or "label_free", finite threshold,
// finite scale > 0. name is used in errors.
bool anchor_table_validate(const anchor_table & table, const std::string & name, std::string * err);

// Refuses a table made by another model: every binding entry must equal expected.
// "anchors from another model: decoder.fp32.onnx differs (table ab12..., model cd34...)".
// The file names in the message come from file_names (binding key -> file), when given.
bool anchor_table_check_binding(const anchor_table & table, const anchor_binding & expected,
                                std::string * err,
                                const std::map<std::string, std::string> * file_names = nullptr);

// Index of the finding (modality, id) or -1.
int32_t anchor_table_find(const anchor_table & table, const std::string & modality, const std::string & id);

// The modality's entry; nullptr if absent.
const anchor_modality * anchor_table_modality(const anchor_table & table, const std::string & id);

// Number of findings of a modality.
int32_t anchor_table_count(const anchor_table & table, const std::string & modality);

// Adds a finding at the end of the table. Its calibration is computed by the label-free rule
// from the modality's reference rows (finding.calibration is overwritten with kind
// "label_free"). Refused: a duplicate id within the modality, an undeclared modality, an
// invalid anchor or description (as in anchor_table_validate), no reference rows.
bool anchor_table_add(anchor_table * table, const anchor_finding & finding, const reference_features & ref,
                      std::string * err);

// Removes the finding (modality, id); false with an error if absent.
bool anchor_table_remove(anchor_table * table, const std::string & modality, const std::string & id,
                         std::string * err);

// The label-free rule of section 6: c = cosine (float64) of anchor with each of the modality's
// reference rows; mu, sd = mean and population standard deviation of c;
// threshold = mu + z*sd, scale = k/sd. Refused when the modality has no rows or sd == 0.
bool anchor_label_free_calibration(const std::vector<float> & anchor, const reference_features & ref,
                                   const std::string & modality, double z, double k,
                                   anchor_calibration * cal, std::string * err);

// A finding's anchor from its descriptions' anchor_feature vectors: the L2-normalised mean
// (accumulated in float64). Refused when empty, sizes differ, or the mean is zero.
bool anchor_mean_normalised(const std::vector<std::vector<float>> & features, std::vector<float> * anchor,
                            std::string * err);

// DKAM text: template with {modality}, {name}, {description} replaced (one pass, all
// occurrences; the inserted text is not scanned again).
std::string dkam_fill_template(const std::string & tmpl, const std::string & modality_display,
                               const std::string & name, const std::string & description);

// A user finding's id from its name: spaces become '_'.
std::string anchor_id_from_name(const std::string & name);

// Reference features from bytes (the pipeline reads the file through its reader). Size must be
// a multiple of 4*feature_dim; each range must satisfy 0 <= begin < end <= n_rows. name is used
// in errors.
bool reference_features_from_bytes(const uint8_t * bytes, size_t size, int32_t feature_dim,
                                   const std::map<std::string, std::pair<int64_t, int64_t>> & rows,
                                   const std::string & name, reference_features * ref, std::string * err);
