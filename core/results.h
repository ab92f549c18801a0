// The results document, docs/results-schema.md (schema "radz-results", version 1; version 0
// documents, without `no_signal`, are still read): structs,
// JSON writing (numbers with 9 significant digits) and reading with validation. A missing
// required key is an error naming the key: "a.json: images[2].findings[0]: missing key 'logit'".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct results_finding {
    std::string id;
    std::string display;
    double cosine      = 0.0;
    double logit       = 0.0;
    double probability = 0.0;
    bool   calibrated  = false;
    std::string source;  // "package" or "user"
    bool   no_signal   = false;  // version 1: the finding's evidence shows no skill; front ends
                                 // never show its probability (version 0: absent, false)
};

struct results_timings {
    double decode = 0.0, preprocess = 0.0, vision = 0.0, decoder = 0.0, score = 0.0, total = 0.0;
    double detect = 0.0;  // version 2: the modality head (section 11)
};

struct results_error {
    std::string code;     // read, limits, decode, model, inference
    std::string message;  // one line naming the file
};

// What the modality detector and the out-of-distribution gate said (schema version 2;
// docs/model-package.md section 11). Absent when the package has no detector.
struct results_detection {
    std::string modality;                                   // the most probable modality
    std::vector<std::pair<std::string, double>> probabilities;  // per package modality, head order
    double      other    = 0.0;                             // P(other)
    double      distance = 0.0;                             // ood_distance
    double      contrast = 0.0;                             // standard deviation of the pixels
    std::string verdict;                                    // "pass" or "rejected"
    std::string reason;                                     // "" (pass), "blank", "other", "unlike"
    std::string message;                                    // "" (pass), or the one-line rejection
};

// The two header attributes of a DICOM input written out (nothing else of its header is).
struct results_dicom {
    std::string modality;   // (0008,0060), "" when absent (written as null)
    std::string body_part;  // (0018,0015) Body Part Examined, "" when absent (null)
};

struct results_image {
    std::string file;
    std::optional<std::string> sha256;  // null only if the file could not be read
    std::string modality;               // the modality scored (a rejected image: the detector's guess)
    std::string modality_source = "default"; // version 2: "user", "metadata", "detector" or "default"
    std::optional<results_detection> detection;  // version 2: null when the package has no detector
    std::string warning;                // version 2: "" <-> null; e.g. the chosen and detected modality disagree
    std::optional<int32_t> width;       // present if decoded
    std::optional<int32_t> height;
    std::vector<float> feature;         // empty: absent
    std::vector<results_finding> findings;  // anchor table order; absent when error is set; empty
                                            // when the gate rejected the image and it was not scored
    std::optional<results_timings> timings_ms;
    std::optional<results_error> error;
    std::optional<results_dicom> dicom;  // DICOM inputs only (optional key, version 1)
};

struct results_doc {
    int32_t schema_version = 2;    // 2 adds modality_source, detection, warning per image;
                                   // 1 writes findings[].no_signal; 0 (older documents) has none
    std::string program_name;      // radz, radz-app, radz-web, recipe
    std::string program_version;
    std::string program_build;     // native, wasm, pytorch, onnxruntime-node
    std::string package_name;
    std::string package_manifest_sha256;  // "" <-> null (goldens: golden.json is itself in the manifest)
    std::string package_variant;
    std::string backend_execution_provider;  // cpu, webgpu, cuda, wasm, pytorch
    std::optional<std::string> backend_adapter;
    std::optional<int32_t> backend_threads;
    std::string anchors_source;    // "package" or the anchor table's file name
    std::string anchors_sha256;
    int32_t     anchors_findings = 0;
    std::vector<results_image> images;
};

// JSON text of the document (2-space indentation, features on one line). Non-finite numbers
// cannot be written: results_to_json replaces them by null, so callers validate first with
// results_validate.
std::string results_to_json(const results_doc & doc);

// JSON text of one image as results_to_json writes it inside "images" (indented for that place,
// no trailing newline): for a front end that passes on one result (the page's worker).
std::string results_image_to_json(const results_image & image, int32_t schema_version);

// Parses and validates; name is used in errors (e.g. the file's base name).
bool results_parse(const std::string & json_text, const std::string & name, results_doc * doc, std::string * err);
bool results_load (const std::string & path, results_doc * doc, std::string * err);
bool results_save (const results_doc & doc, const std::string & path, std::string * err);

// Checks what the schema requires of a document built in memory: non-empty
// required strings, schema_version 0 to 2, finite numbers, probability in [0, 1], an image has either findings
// (possibly empty) or an error, an error code among the five.
bool results_validate(const results_doc & doc, const std::string & name, std::string * err);
