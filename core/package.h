// The model package, docs/model-package.md section 1: reads and validates manifest.json and
// verifies every listed file (path rule, existence, size, then sha256) before anything else
// reads it. Plain structs; the JSON library stays inside package.cpp.
//
// Errors name the file and the field, expected vs found, e.g.
//   manifest.json: variants.int8.decoder: 'decoder.int8.onnx' is not listed in files
//   decoder.fp32.onnx: sha256 mismatch: manifest says ab12..., file is cd34...
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

struct package_file {
    std::string path;    // relative, '/'-separated
    std::string sha256;  // lower-case hex
    uint64_t    size = 0;
    std::string role;    // tokenizer, vision, decoder, embeddings, anchors, reference, golden, doc,
                         // evidence (format version 1), modality (format version 2)
};

struct package_image_settings {
    int32_t     width  = 64;
    int32_t     height = 64;
    int32_t     channels = 1;
    std::string grey   = "pil-L";
    std::string resize = "area-exact";
    int32_t     max_side = 8192;
    uint64_t    max_file_bytes = 67108864;
};

struct package_special_tokens {
    int32_t pad = -1;
    int32_t bos = -1;
    std::vector<int32_t> img_cls;             // K distinct ids
    std::vector<int32_t> txt_cls;             // K distinct ids
    std::map<std::string, int32_t> modality;  // modality id -> token id
};

struct package_sequence {
    int32_t max_length      = 0;
    int32_t max_text_tokens = 0;  // = max_length - 1 - K
};

struct package_dims {
    int32_t hidden_size   = 0;  // D
    int32_t feature_dim   = 0;  // E
    int32_t vocab_size    = 0;  // V
    int32_t image_tokens  = 0;  // P
    int32_t n_layers      = 0;
    int32_t feature_layer = 0;  // 1-based
};

struct package_modality {
    std::string id;       // "cxr", "mri", ...
    std::string display;  // "Chest X-ray"
    std::string task;     // "multilabel" or "multiclass"
    // The vision graph's input for this modality (section 2): input_size x input_size pixels
    // when the manifest declares `input_size` (format version 3, 16..512), else the image
    // section's width x height (every modality of a version 0 to 2 package).
    bool    input_size_declared = false;
    int32_t input_width  = 64;
    int32_t input_height = 64;
};

struct package_variant_info {
    std::string name;              // "fp32", "int8", "int4"
    std::string vision;            // paths into files
    std::string decoder;
    std::string embeddings;
    std::string anchors;
    std::string embeddings_dtype;  // "float32" or "int8_rowwise"
    std::string reference;         // reference.file
    std::map<std::string, std::pair<int64_t, int64_t>> reference_rows;  // modality -> [begin, end)
    std::string quantization;      // "none", "int8-weight-only", "int4-matmulnbits"
    double      quantized_share = 0.0;
    uint64_t    bytes = 0;         // sum of the sizes of its five files (checked)
};

struct package_golden {
    std::string file;      // "golden/golden.json"
    std::string made_by;
    std::string variant;
    std::map<std::string, double> tolerance;  // pixels_png, pixels_jpeg, features, probabilities
};

// The modality detector and out-of-distribution gate (format version 2, section 11).
struct package_modality_head {
    bool        present = false;     // false for version 0 and 1 packages: no detection
    std::string graph;               // "modality.onnx" (role "modality"): pixels -> modality_logits, ood_distance
    std::vector<std::string> classes; // the package's modalities in the graph's order, then "other"
    int32_t     view = 64;           // the head sees the section 2 pixels (image.width x image.height)
    double      p_other_max = 0.5;   // rejected when P(other) >= this
    double      distance_max = 0.0;  // rejected when ood_distance > this
    double      min_contrast = 0.0;  // rejected when the pixels' standard deviation < this
    double      strong_disagreement = 0.9; // a chosen modality whose detected probability is below
                                           // 1 - this (another modality above this) is warned about
};

struct radz_package {
    std::string dir;              // folder as given to package_load
    std::string manifest_sha256;  // of manifest.json's bytes
    int32_t     format_version = 0;  // 0, 1, 2 or 3
    std::string name;
    std::string description;
    std::string recipe_json;      // the "recipe" object, serialised (shown by `radz info`)
    std::vector<package_file> files;
    package_image_settings image;
    std::string tokenizer_file;   // tokenizer.file
    package_special_tokens special_tokens;
    package_sequence sequence;
    package_dims dims;
    std::vector<package_modality> modalities;      // manifest order
    std::string dkam_template;
    std::vector<package_variant_info> variants;    // manifest order
    std::string default_variant;
    package_golden golden;
    std::string evidence_file;    // evidence.file (version 1, role "evidence"); empty in version 0
    package_modality_head modality_head;  // version 2
};

// Parses and validates manifest.json text: format, format_version (0 to 3; 3 adds the optional
// `input_size` of each modality; 2 adds the required `modality_head` key and the "modality"
// role; 1 adds the required `evidence` key and the "evidence" role), every required key
// and its type, the path rule, roles, cross-references (every path named elsewhere is in files
// with the right role), special tokens (ids in [0, vocab_size), K in 1..16, distinct, one per
// modality), sequence.max_text_tokens == max_length - 1 - K, image settings this reader
// implements, each variant's embeddings size and bytes. Does not touch the disk; pkg->dir stays
// empty and manifest_sha256 is computed from the text.
bool package_parse_manifest(const std::string & manifest_text, radz_package * pkg, std::string * err);

// Checks one listed file's bytes against its size and sha256 (e.g. bytes fetched by the web
// page). path must be in pkg.files.
bool package_verify_file_bytes(const radz_package & pkg, const std::string & path,
                               const uint8_t * bytes, size_t size, std::string * err);

// Reads <dir>/manifest.json, package_parse_manifest, then checks every file of `files` on disk:
// it exists, its size, then its sha256, in manifest order.
bool package_load(const std::string & dir, radz_package * pkg, std::string * err);

// The variant called name, or the default variant when name is empty; nullptr if absent.
const package_variant_info * package_variant(const radz_package & pkg, const std::string & name);

// The modality called id; nullptr if absent.
const package_modality * package_modality_find(const radz_package & pkg, const std::string & id);

// The vision graph's input size for a modality (section 2): its input_width x input_height;
// false (w, h untouched) when the package has no such modality.
bool package_input_size(const radz_package & pkg, const std::string & modality, int32_t * width, int32_t * height);

// The files entry for path; nullptr if absent.
const package_file * package_file_find(const radz_package & pkg, const std::string & path);

// <dir>/<path> (dir empty: path).
std::string package_file_path(const radz_package & pkg, const std::string & path);

// The files pipeline_open reads for variant v, in the order it reads them: embeddings,
// tokenizer, reference features, anchor table, evidence (version 1), vision graph, decoder graph.
// A front end that fetches files (the page's worker) fetches these.
std::vector<std::string> package_variant_files(const radz_package & pkg, const package_variant_info & v);

// Names of the variants, manifest order.
std::vector<std::string> package_variant_names(const radz_package & pkg);

// K, the number of <ImgCls>/<TxtCls> tokens.
inline int32_t package_k(const radz_package & pkg) { return (int32_t) pkg.special_tokens.img_cls.size(); }
