// The evidence for a package's scores, docs/model-package.md section 10: per variant and per
// finding, how well the finding's score was measured to separate positives from negatives
// (an AUC with its 95% interval from an evaluation on images the model never saw, or the slope
// of the calibration fit), and the one rule that marks a finding `no_signal`.
//
// The evidence changes no score: a no_signal finding is still scored (results documents and
// `radz eval` keep its numbers); front ends show it apart, never as a probability.
//
// Errors name the file and the field: "evidence.json: variants.fp32.findings[2].auc_ci:
// expected [low, high] with 0 <= low <= high <= 1, found [0.6, 0.2]".
#pragma once

#include "anchor_table.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// A slope at or below this (logit per unit of cosine) is no signal: it is the calibration's
// floor, written by the recipe when the fit's slope was not positive (section 6).
constexpr double evidence_slope_floor = 0.001;

struct evidence_entry {
    std::string      modality;
    std::string      id;
    finding_evidence evidence;
};

struct evidence_variant {
    std::string                 anchors;         // the variant's anchor table file
    std::string                 anchors_sha256;  // its sha256: the evidence is about exactly that table
    std::vector<evidence_entry> findings;
};

struct evidence_doc {
    int32_t                                 format_version = 0;
    std::string                             package;
    std::map<std::string, std::string>      sources;   // key -> one-line description
    std::map<std::string, evidence_variant> variants;  // variant name -> its evidence
};

// Parses evidence.json text (name is used in errors): format "radz-evidence", format_version 0,
// sources (key -> {"description": ...}), variants (name -> {anchors, anchors_sha256, findings}).
// A finding entry has modality, id, source (a key of sources) and at least one of: auc with
// auc_ci [low, high] (0 <= low <= high <= 1, auc in [0, 1]), slope (finite); optional positives
// and images (integers >= 0). (modality, id) is unique within a variant.
bool evidence_parse(const std::string & json_text, const std::string & name, evidence_doc * doc, std::string * err);

// The rule, decided here only: no skill shown when the AUC's 95% interval includes or lies below
// 0.5 (auc_low <= 0.5), or the calibration slope is at or below evidence_slope_floor.
bool evidence_no_signal(const finding_evidence & ev);

// One line for people: "AUC 0.260 (95% CI 0.187-0.375), 39 positives of 1000 images [oof]" (the
// source's key; its description is in ev.description).
std::string evidence_summary(const finding_evidence & ev);

// Evidence of a version-0 package (no evidence file): a finding calibrated with labels has its
// calibration scale as slope (source "calibration_scale": a scale at the floor means the fit's
// slope was not positive). False (no evidence) for label-free findings.
bool evidence_from_calibration(const anchor_finding & f, finding_evidence * ev);

// Sets every finding's evidence and no_signal in `table` (a table as loaded; findings of source
// "user" get none). ev: the variant's evidence, or nullptr for a version-0 package (then
// evidence_from_calibration). reference: the package's own table for this variant, or nullptr
// when `table` is that table; otherwise evidence is given only to package findings whose anchor
// and calibration equal the reference's (a saved table that kept them unchanged).
void evidence_apply(anchor_table * table, const evidence_variant * ev, const anchor_table * reference);

// Checks a variant's evidence against its anchor table: anchors_sha256 equals table_sha256 and
// every entry names a finding of the table. name is used in errors ("evidence.json").
bool evidence_check_variant(const evidence_variant & ev, const std::string & variant, const anchor_table & table,
                            const std::string & table_sha256, const std::string & name, std::string * err);
