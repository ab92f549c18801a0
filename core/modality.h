// Modality detection and the out-of-distribution gate (docs/model-package.md section 11).
//
// One view of the image, the section 2 pixels (before anything modality-specific), goes through
// the package's modality head (`modality.onnx`: pixels -> modality_logits [N, M+1],
// ood_distance [N]). The gate rejects an image that is none of the package's modalities:
//   blank   the pixels' standard deviation is below min_contrast (no image to see)
//   other   P(other) >= p_other_max (looks like a photo, a document, a screenshot, ...)
//   unlike  ood_distance > distance_max (far from every modality the head was fitted on)
// Which modality an image is scored as follows one precedence in every front end:
//   the user's explicit choice > the file's own metadata (DICOM Modality / Body Part) >
//   the detector > the package's first modality (a package without a head)
// and a strong disagreement between the chosen modality and the detector is a warning.
#pragma once

#include "backend.h"
#include "package.h"
#include "results.h"

#include <cstdint>
#include <string>
#include <vector>

struct modality_detection {
    bool        available = false;        // the package has a head and it ran
    std::vector<std::string> modalities;  // the package's modalities, head order
    std::vector<double> probabilities;    // P(modality) for each, softmax over modalities + other
    double      p_other   = 0.0;
    double      distance  = 0.0;          // ood_distance
    double      contrast  = 0.0;          // standard deviation of the pixels
    std::string modality;                 // the most probable modality
    bool        rejected  = false;
    std::string reason;                   // "", "blank", "other" or "unlike"
};

// Where the scored modality came from.
struct modality_choice {
    std::string modality;  // the modality scored (empty only when rejected and not forced)
    std::string source;    // "user", "metadata", "detector" or "default"
    std::string warning;   // empty, or one line: the choice and the detector disagree strongly
};

// Standard deviation of n pixels, in float64 (the gate's contrast).
double modality_contrast(const float * pixels, size_t n);

// Runs the head on N images' pixels (N * view * view floats) and applies the gate to each.
// Errors name the graph ("modality.onnx: ...").
bool modality_detect(backend_graph & graph, const package_modality_head & head, const float * pixels, int32_t n,
                     std::vector<modality_detection> * out, std::string * err);

// The gate's verdict from the head's outputs for one image (logits: classes.size() values).
// Pure: the same function natively and in wasm, tested with hand values.
modality_detection modality_gate(const package_modality_head & head, const float * logits, float distance,
                                 double contrast);

// One line for a rejected image: "not a chest X-ray or brain MRI (looks like something else:
// P(other) 0.97)"; display names from the package.
std::string modality_rejection_message(const radz_package & pkg, const modality_detection & det);

// Why a result was scored as its modality, as front ends show it beside the modality:
// "detected, P 0.99", "your choice", "DICOM tags", "default: this package has no modality detector".
std::string modality_source_text(const results_image & r);

// The precedence above. explicit_modality / metadata_modality: "" (or "auto") when absent.
modality_choice modality_choose(const radz_package & pkg, const std::string & explicit_modality,
                                const std::string & metadata_modality, const modality_detection & det);
