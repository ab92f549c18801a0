// The inference pipeline over a verified model package (docs/model-package.md):
//
//   image bytes -> pixels (section 2) -> vision graph -> image sequence (section 4: embedding
//   rows of bos and modality, image tokens, img_cls rows) -> decoder -> image_feature -> scores
//   (section 6) against the anchor table;
//   finding text -> DKAM template (section 5) -> tokens -> text sequence (bos, ids, txt_cls)
//   -> decoder -> anchor_feature -> the finding's anchor (mean of its descriptions, normalised)
//   -> label-free calibration.
//
// Runs on any `backend` (core/backend.h). Files are read through a reader callback (native:
// from the package folder; web: fetched bytes) and every file's bytes are checked against the
// manifest's size and sha256 before they are used.
#pragma once

#include "anchor_table.h"
#include "backend.h"
#include "dicom.h"
#include "evidence.h"
#include "package.h"
#include "progress.h"
#include "results.h"
#include "scoring.h"
#include "tokenizer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

// Reads a package file (path relative to the package folder).
using pipeline_reader = std::function<bool(const std::string & path, std::vector<uint8_t> * bytes, std::string * err)>;

struct pipeline {
    radz_package                                     pkg;
    package_variant_info                             variant;
    backend *                                        be = nullptr;
    std::unique_ptr<backend_graph>                   vision;
    std::unique_ptr<backend_graph>                   decoder;
    std::unique_ptr<radz_tokenizer, tokenizer_deleter> tok;
    std::vector<float>                               embeddings; // V * D, dequantized
    reference_features                               reference;
    anchor_binding                                   binding;    // sha256 of this variant's files
    anchor_table                                     anchors;    // the variant's table (or a loaded one);
                                                                 // its findings carry evidence and no_signal
    anchor_table                                     package_anchors; // the variant's own table, as in the package
    bool                                             has_evidence_file = false; // format version 1
    evidence_variant                                 evidence;   // the variant's evidence (version 1)
    std::string                                      anchors_source = "package"; // or the table file's name
    std::string                                      anchors_sha256;
    // Image inputs (section 2). dicom_read: the front end's DICOM reader (native GDCM, the
    // web's JS reader); null: DICOM files are refused. With an automatic modality ("") the
    // modality is, in this order: the DICOM's tags (dicom_package_modality), then
    // image_modality_hint (the image-based detector, issue 13; null: none; "" from it: no
    // say), then default_modality.
    dicom_reader                                     dicom_read;
    std::function<std::string(const image_u8 & grey)> image_modality_hint;
    std::string                                      default_modality = "cxr";
};

// Opens `variant_name` ("" = the default) of a package loaded with package_load (or parsed
// with package_parse_manifest): reads and checks the embeddings, tokenizer, reference features
// and anchor table, checks the table's binding, opens both graphs on `be` and checks their
// input and output names. `reader` null: files are read from pkg.dir.
bool pipeline_open(backend * be, const radz_package & pkg, const std::string & variant_name,
                   const pipeline_reader & reader, pipeline * pl, std::string * err);

// The evidence of one variant (docs/model-package.md section 10): for a version-1 package reads
// and checks evidence.file (size, sha256, format, anchors_sha256 = the variant's anchor table,
// every entry a finding of `table`) into *ev with *has = true; a version-0 package has none
// (*has = false). `table` is the variant's own anchor table. `reader` null: from pkg.dir.
bool pipeline_package_evidence(const radz_package & pkg, const package_variant_info & v, const pipeline_reader & reader,
                               const anchor_table & table, evidence_variant * ev, bool * has, std::string * err);

// Replaces the anchor table by one loaded from a file (a table saved by a front end). Refused
// when it was made by another model ("anchors from another model: ...") or is invalid. Its
// package findings keep the package's evidence only where their anchor and calibration are the
// package's own; user findings have none.
bool pipeline_use_anchor_file(pipeline * pl, const std::string & path, std::string * err);

// The embedding rows of `ids`, appended to `out` (D floats each). False for an id outside [0, V).
bool pipeline_embed_ids(const pipeline & pl, const std::vector<int32_t> & ids, std::vector<float> * out,
                        std::string * err);

// Image features of N preprocessed images (pixels: N * 64 * 64 floats, section 2) for one
// modality: features gets N * E floats. Timings of the vision and decoder runs, when given.
bool pipeline_image_features(pipeline & pl, const std::string & modality, const float * pixels, int32_t n,
                             std::vector<float> * features, double * ms_vision, double * ms_decoder,
                             std::string * err);

// Token ids of one text for the text sequence: the tokenizer's ids, no special tokens, cut to
// sequence.max_text_tokens (*truncated set). Refused: empty text, invalid UTF-8.
bool pipeline_text_ids(const pipeline & pl, const std::string & text, std::vector<int32_t> * ids, bool * truncated,
                       std::string * err);

// One feature per text through the text sequence, batched with right padding. `head` is
// "anchor_feature" (DKAM) or "text_feature". features gets texts.size() * E floats; ids and
// truncated (optional) get each text's ids after truncation.
bool pipeline_text_features(pipeline & pl, const std::vector<std::string> & texts, const std::string & head,
                            std::vector<float> * features, std::vector<std::vector<int32_t>> * ids,
                            std::vector<bool> * truncated, std::string * err);

// A user finding (section 5): DKAM texts of its descriptions, their anchor_feature, the
// normalised mean as anchor, id from the name, label-free calibration; added at the end of
// pl->anchors. Refused: no description, an empty one, invalid UTF-8, a duplicate id, an unknown
// modality.
bool pipeline_add_finding(pipeline & pl, const std::string & modality, const std::string & name,
                          const std::vector<std::string> & descriptions, std::string * err);

// Scores one image file's bytes (`name` names it in errors and in the result). On failure the
// result carries `error` (code read, limits, decode, model, inference) and the function returns
// false. `modality` "" chooses it automatically (the order at pipeline::dicom_read; out->modality
// gets the one used); a DICOM file (dicom_is_part10) goes through pl.dicom_read and
// dicom_frame_grey, its Modality and Body Part Examined tags into out->dicom.
bool pipeline_classify_bytes(pipeline & pl, const std::string & name, const uint8_t * bytes, size_t size,
                             const std::string & modality, bool keep_feature, results_image * out);

// The same, reading the file (a missing or unreadable file gives error code "read").
bool pipeline_classify_file(pipeline & pl, const std::string & path, const std::string & modality,
                            bool keep_feature, results_image * out);

// Classifies files in order, reporting progress ("images"). Returns the number that failed;
// -1 when cancelled by the progress callback.
int32_t pipeline_classify_files(pipeline & pl, const std::vector<std::string> & paths, const std::string & modality,
                                bool keep_feature, const progress_fn & progress, std::vector<results_image> * out);

// A results document with the program, package, backend and anchors fields filled, no images.
results_doc pipeline_results_doc(const pipeline & pl, const std::string & program_name, const std::string & build);

// Checks a modality id against the package and the anchor table:
// "unknown modality 'xyz' (this package has: cxr, mri)".
bool pipeline_check_modality(const pipeline & pl, const std::string & modality, std::string * err);
