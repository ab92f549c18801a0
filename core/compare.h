// Comparison of two results documents (`radz compare REFERENCE.json CANDIDATE.json`, the
// app/web parity report), docs/results-schema.md: images matched by sha256 (then by file when a
// side has no hash), findings by id; absolute differences of probability, logit and cosine
// against tolerances; feature cosine where both sides carry a feature; top-1 (largest logit)
// must agree unless the reference's top-2 logit margin is within the logit tolerance (waived);
// an image or finding on one side only fails; when both documents are schema version 1 a
// finding's no_signal must agree (its numbers are compared like any other finding's); both schema
// version 2: who chose the modality, the detector's verdict, reason, modality, probabilities
// (probability tolerance) and distance (logit tolerance, relative) must agree. An image with an error on both sides passes when
// the error codes agree; an error on one side only fails.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "results.h"

struct compare_tolerances {
    double prob  = 1e-4;
    double cos   = 1e-4;
    double logit = 1e-3;
    double min_feature_cos = 0.9999;
};

struct compare_finding {
    std::string id;
    bool in_reference = false;
    bool in_candidate = false;
    double d_prob  = 0.0;   // |reference - candidate| (0 when one-sided)
    double d_logit = 0.0;
    double d_cos   = 0.0;
    bool no_signal_differs = false;  // schema version 1 on both sides: a failure
    bool pass = false;
};

struct compare_image {
    std::string file;            // reference's file name (candidate's when only there)
    std::string sha256;          // "" when unknown
    std::string matched_by;      // "sha256", "file" or "" (one-sided)
    bool in_reference = false;
    bool in_candidate = false;
    std::vector<compare_finding> findings;  // reference order, then candidate-only ones
    bool   has_feature_cos = false;
    double feature_cos     = 0.0;
    std::string top1_reference;  // id of the largest logit, "" when no findings
    std::string top1_candidate;
    double top2_margin   = 0.0;  // reference's largest minus second largest logit
    bool   top1_agree    = true;
    bool   top1_waived   = false;  // disagreement waived: top2_margin <= logit tolerance
    std::vector<std::string> problems;  // one line each, e.g. "Effusion: |d probability| 3.2e-04 > 1e-04"
    bool pass = false;
};

struct compare_report {
    compare_tolerances tol;
    std::vector<compare_image> images;  // reference order, then candidate-only ones
    int32_t n_images = 0;
    int32_t n_pass   = 0;
    int32_t n_fail   = 0;
    int32_t n_top1_waived = 0;
    double max_d_prob  = 0.0;
    double max_d_logit = 0.0;
    double max_d_cos   = 0.0;
    double min_feature_cos = 1.0;  // over images where both have features
    bool   any_feature_cos = false;
    std::vector<std::string> notes;  // document-level remarks (different variant, package...)
    bool pass = false;
};

compare_report compare_results(const results_doc & reference, const results_doc & candidate,
                               const compare_tolerances & tol);

// Human-readable report: one line per failing image (every image when verbose) with its
// problems, then a summary line "PASS: 12 images, max |d prob| 3.1e-06 ..." or "FAIL: ...".
std::string compare_report_text(const compare_report & report, bool verbose);
