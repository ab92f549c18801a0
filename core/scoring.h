// Scoring, docs/model-package.md section 6: cosine in float64, logit = scale*(c - threshold),
// probability = logistic(logit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "anchor_table.h"
#include "results.h"

struct finding_score {
    int32_t     index = -1;  // in the anchor table
    std::string id;
    std::string display;
    std::string source;      // "package" or "user"
    std::string kind;        // "finding" or "normal"
    double cosine      = 0.0;
    double logit       = 0.0;
    double probability = 0.0;
    bool   calibrated  = false;  // calibration.kind == "labels"
    bool   no_signal   = false;  // the finding's evidence shows no skill (core/evidence.h): still
                                 // scored, but never shown as a probability
};

// sum a[i]*b[i] accumulated in float64.
double scoring_cosine(const float * a, const float * b, size_t n);

// 1 / (1 + exp(-z)), without overflow for large |z| (exactly 0 or 1 only at the limits of double).
double scoring_logistic(double z);

// Scores one finding.
finding_score scoring_score_finding(const anchor_table & table, int32_t index, const float * feature, size_t n);

// Every finding of the modality, in table order. Refused: feature size != table.feature_dim,
// a non-finite feature value, or a modality the table does not declare.
bool scoring_score_image(const anchor_table & table, const std::string & modality, const float * feature,
                         size_t n, std::vector<finding_score> * scores, std::string * err);

// Index into scores of the largest logit (first on ties); -1 when empty.
int32_t scoring_top1(const std::vector<finding_score> & scores);

// The results document's entry for a score (docs/results-schema.md findings[]): the one copy of
// a score into a result, used by the pipeline and by front ends that score again from a kept
// feature (the app after a finding is edited).
results_finding scoring_result_entry(const finding_score & s);
