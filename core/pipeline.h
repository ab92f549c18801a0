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
#include "modality.h"
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

// An open model. Front ends read its fields and never write them: the pipeline_* functions below
// keep them consistent (the anchor table changes only through pipeline_findings_add / _remove /
// _replace and pipeline_use_anchor_file / _table, which keep anchors_sha256 following it).
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
    // web's JS reader); null: DICOM files are refused. With an automatic modality ("" or
    // "auto") the modality is, in this order (modality_choose): the DICOM's tags
    // (dicom_package_modality), then the detector (modality_graph), then default_modality.
    dicom_reader                                     dicom_read;
    std::string                                      default_modality = "cxr";
    // The modality detector and gate (section 11; null for a package of version 0 or 1), and
    // whether an image the gate rejects is scored anyway (the user's "score anyway").
    std::unique_ptr<backend_graph>                   modality_graph;
    bool                                             score_rejected = false;
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

// Image features of N preprocessed images for one modality (pixels: N * S * S floats, section 2,
// with S the modality's input size, package_input_size: 64 unless the package declares another):
// features gets N * E floats. Timings of the vision and decoder runs, when given.
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

// Finding edits (docs/model-package.md section 5): the one place a front end changes the anchor
// table. Each is all or nothing: on failure the table, anchors_sha256 and anchors_source are as
// before and err names the finding. On success anchors_sha256 becomes the sha256 of the table's
// JSON text (anchor_table_to_json): the table is no longer the file it was read from.

// A user finding as a front end's form gives it: its id comes from the name (spaces become '_').
struct pipeline_finding_text {
    std::string              modality;
    std::string              name;
    std::vector<std::string> descriptions;
};

// A finding of the table.
struct pipeline_finding_ref {
    std::string modality;
    std::string id;
};

// Adds user findings at the end of the table, in order: DKAM texts of their descriptions, their
// anchor_feature (whole findings batched together, at most 64 texts a decoder run unless one
// finding has more), the normalised mean as anchor, label-free calibration. Refused: no name, no
// description, an empty one, invalid UTF-8, an id already in the table or twice in `findings`,
// an unknown modality. Nothing to add: true, the table unchanged.
bool pipeline_findings_add(pipeline & pl, const std::vector<pipeline_finding_text> & findings, std::string * err);

// Removes findings; refused when one is not in the table. Nothing to remove: true, unchanged.
bool pipeline_findings_remove(pipeline & pl, const std::vector<pipeline_finding_ref> & which, std::string * err);

// Replaces finding `old` by the user finding `with`, in the place `old` had (an edit that keeps
// the id is allowed). Refused: `old` absent, or `with` refused as pipeline_findings_add would.
bool pipeline_findings_replace(pipeline & pl, const pipeline_finding_ref & old, const pipeline_finding_text & with,
                               std::string * err);

// Uses `table` (one held by an earlier pipeline on the same model, e.g. before the app changed
// provider) as the anchor table; refused when made by another model or of another feature_dim.
// Its package findings get evidence as in pipeline_use_anchor_file. anchors_source is kept; a
// table equal to the current one changes nothing.
bool pipeline_use_anchor_table(pipeline & pl, const anchor_table & table, std::string * err);

// Runs the modality head on N images' pixels (section 11); an empty result when the package has
// no head.
bool pipeline_detect_modality(pipeline & pl, const float * pixels, int32_t n, std::vector<modality_detection> * out,
                              std::string * err);

// Scores one image file's bytes (`name` names it in errors and in the result). On failure the
// result carries `error` (code read, limits, decode, model, inference) and the function returns
// false. `modality` "" or "auto" chooses it automatically (the order at pipeline::dicom_read;
// out->modality and out->modality_source say which and why); a DICOM file (dicom_is_part10)
// goes through pl.dicom_read and dicom_frame_grey, its Modality and Body Part Examined tags into
// out->dicom. With a modality head, out->detection carries the detector's view and the gate's
// verdict; an image the gate rejects is not scored (findings empty, the function returns true)
// unless pl.score_rejected.
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
