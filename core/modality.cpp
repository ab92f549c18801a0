#include "modality.h"

#include <cctype>
#include <cmath>
#include <cstdio>

double modality_contrast(const float * pixels, size_t n) {
    if (n == 0) return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += pixels[i];
    const double mean = sum / (double) n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = pixels[i] - mean;
        ss += d * d;
    }
    return std::sqrt(ss / (double) n);
}

modality_detection modality_gate(const package_modality_head & head, const float * logits, float distance,
                                 double contrast) {
    modality_detection det;
    det.available = true;
    const size_t c = head.classes.size();
    double mx = -INFINITY;
    for (size_t i = 0; i < c; i++) mx = std::fmax(mx, (double) logits[i]);
    std::vector<double> e(c);
    double sum = 0.0;
    for (size_t i = 0; i < c; i++) {
        e[i] = std::exp((double) logits[i] - mx);
        sum += e[i];
    }
    size_t best = 0;
    for (size_t i = 0; i + 1 < c; i++) {
        det.modalities.push_back(head.classes[i]);
        det.probabilities.push_back(e[i] / sum);
        if (e[i] > e[best]) best = i;
    }
    det.p_other  = e[c - 1] / sum;
    det.distance = distance;
    det.contrast = contrast;
    det.modality = head.classes[best];
    if (contrast < head.min_contrast) {
        det.rejected = true;
        det.reason   = "blank";
    } else if (det.p_other >= head.p_other_max) {
        det.rejected = true;
        det.reason   = "other";
    } else if (!(distance <= head.distance_max)) {  // NaN rejects too
        det.rejected = true;
        det.reason   = "unlike";
    }
    return det;
}

bool modality_detect(backend_graph & graph, const package_modality_head & head, const float * pixels, int32_t n,
                     std::vector<modality_detection> * out, std::string * err) {
    out->clear();
    if (n <= 0) return true;
    const int64_t side = head.view;
    backend_input in;
    in.name  = "pixels";
    in.dtype = backend_dtype::f32;
    in.shape = { n, 1, side, side };
    in.data  = pixels;
    std::vector<backend_output> res;
    if (!graph.run({ in }, { "modality_logits", "ood_distance" }, &res, err)) return false;
    const size_t c = head.classes.size();
    if (res.size() != 2 || res[0].shape != std::vector<int64_t>{ n, (int64_t) c } ||
        res[1].shape != std::vector<int64_t>{ n }) {
        if (err) {
            *err = head.graph + ": expected outputs modality_logits [" + std::to_string(n) + ", " + std::to_string(c) +
                   "] and ood_distance [" + std::to_string(n) + "], found " +
                   (res.size() == 2 ? backend_shape_str(res[0].shape) + " and " + backend_shape_str(res[1].shape)
                                    : std::to_string(res.size()) + " outputs");
        }
        return false;
    }
    const size_t per = (size_t) (side * side);
    for (int32_t i = 0; i < n; i++) {
        const double contrast = modality_contrast(pixels + (size_t) i * per, per);
        out->push_back(modality_gate(head, res[0].data.data() + (size_t) i * c, res[1].data[(size_t) i], contrast));
    }
    return true;
}

// "Chest X-ray" -> "chest X-ray"; "MRI" stays.
static std::string lower_first(const std::string & s) {
    if (s.size() >= 2 && std::isupper((unsigned char) s[0]) && std::islower((unsigned char) s[1])) {
        return std::string(1, (char) std::tolower((unsigned char) s[0])) + s.substr(1);
    }
    return s;
}

std::string modality_rejection_message(const radz_package & pkg, const modality_detection & det) {
    std::string names;
    for (size_t i = 0; i < pkg.modalities.size(); i++) {
        if (i > 0) names += (i + 1 == pkg.modalities.size()) ? " or " : ", ";
        names += lower_first(pkg.modalities[i].display);
    }
    char buf[160];
    if (det.reason == "blank") {
        std::snprintf(buf, sizeof buf, "a blank frame: no contrast (standard deviation %.4f)", det.contrast);
    } else if (det.reason == "other") {
        std::snprintf(buf, sizeof buf, "looks like something else, such as a photo, a document or a screenshot: P(other) %.2f",
                      det.p_other);
    } else {
        std::snprintf(buf, sizeof buf, "unlike the images the detector knows: distance %.1f, limit %.1f", det.distance,
                      pkg.modality_head.distance_max);
    }
    return "not a " + names + " (" + buf + ")";
}

std::string modality_source_text(const results_image & r) {
    if (r.modality_source == "user") return "your choice";
    if (r.modality_source == "metadata") return "DICOM tags";
    if (r.modality_source == "detector" && r.detection) {
        for (const auto & p : r.detection->probabilities) {
            if (p.first == r.modality) {
                char buf[48];
                std::snprintf(buf, sizeof buf, "detected, P %.2f", p.second);
                return buf;
            }
        }
    }
    return "default: this package has no modality detector";
}

modality_choice modality_choose(const radz_package & pkg, const std::string & explicit_modality,
                                const std::string & metadata_modality, const modality_detection & det) {
    modality_choice ch;
    auto given = [](const std::string & m) { return !m.empty() && m != "auto"; };
    if (given(explicit_modality)) {
        ch.modality = explicit_modality;
        ch.source   = "user";
    } else if (given(metadata_modality)) {
        ch.modality = metadata_modality;
        ch.source   = "metadata";
    } else if (det.available) {
        ch.modality = det.modality;
        ch.source   = "detector";
    } else {
        ch.modality = pkg.modalities.empty() ? std::string() : pkg.modalities[0].id;
        ch.source   = "default";
    }
    if (det.available && !det.rejected && ch.source != "detector") {
        const double thr = pkg.modality_head.strong_disagreement;
        for (size_t i = 0; i < det.modalities.size(); i++) {
            if (det.modalities[i] != ch.modality && det.probabilities[i] >= thr) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.2f", det.probabilities[i]);
                ch.warning = "scored as " + ch.modality + " (" + (ch.source == "user" ? "your choice" : "the file's metadata") +
                             "), but the detector says " + det.modalities[i] + " (P " + buf + ")";
                break;
            }
        }
    }
    return ch;
}
