#include "compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

static std::string fmt_e(double v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%.2e", v);
    return buf;
}

static std::string fmt_g(double v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%.9g", v);
    return buf;
}

static int32_t top1_index(const std::vector<results_finding> & f) {
    int32_t best = -1;
    for (size_t i = 0; i < f.size(); i++) {
        if (best < 0 || f[i].logit > f[(size_t) best].logit) best = (int32_t) i;
    }
    return best;
}

// The modality detector and gate (schema version 2): the verdict, reason and detected modality
// agree, the probabilities within the probability tolerance, the distance within the logit
// tolerance relative to its size. A detection on one side only fails. Only for two version-2
// documents (a version-1 or 0 document has none of these).
static void compare_detection(const results_image & a, const results_image & b, const compare_tolerances & tol,
                              compare_image * ci) {
    if (a.modality_source != b.modality_source) {
        ci->problems.push_back("modality chosen by " + a.modality_source + " vs " + b.modality_source);
    }
    if (!a.detection || !b.detection) {
        if (a.detection.has_value() != b.detection.has_value() && !a.error && !b.error) {
            ci->problems.push_back(std::string("modality detection on the ") + (a.detection ? "reference" : "candidate") +
                                   " only");
        }
        return;
    }
    const results_detection & x = *a.detection;
    const results_detection & y = *b.detection;
    if (x.verdict != y.verdict || x.reason != y.reason) {
        ci->problems.push_back("gate verdict differs: " + x.verdict + (x.reason.empty() ? "" : " (" + x.reason + ")") +
                               " vs " + y.verdict + (y.reason.empty() ? "" : " (" + y.reason + ")"));
    }
    if (x.modality != y.modality) {
        ci->problems.push_back("detected modality differs: " + x.modality + " vs " + y.modality);
    }
    char buf[160];
    double d = std::fabs(x.other - y.other);
    for (const auto & p : x.probabilities) {
        bool found = false;
        for (const auto & q : y.probabilities) {
            if (q.first == p.first) {
                d     = std::fmax(d, std::fabs(p.second - q.second));
                found = true;
            }
        }
        if (!found) {
            ci->problems.push_back("detection: modality " + p.first + " on the reference only");
        }
    }
    if (d > tol.prob) {
        std::snprintf(buf, sizeof buf, "detection: |d probability| %.2e > %.0e", d, tol.prob);
        ci->problems.push_back(buf);
    }
    const double dd = std::fabs(x.distance - y.distance);
    if (dd > tol.logit * std::fmax(1.0, std::fabs(x.distance))) {
        std::snprintf(buf, sizeof buf, "detection: |d distance| %.3g > %.0e of %.4g", dd, tol.logit, x.distance);
        ci->problems.push_back(buf);
    }
}

// check_no_signal: both documents are schema version 1 (they carry no_signal), which must agree;
// check_detection: both are version 2 (they say who chose the modality and what the detector saw).
static void compare_pair(const results_image & a, const results_image & b, const compare_tolerances & tol,
                         bool check_no_signal, bool check_detection, compare_image * ci, compare_report * rep) {
    if (a.modality != b.modality) {
        ci->problems.push_back("modality differs: " + a.modality + " vs " + b.modality);
    }
    if (check_detection) {
        compare_detection(a, b, tol, ci);
    }
    if (a.error || b.error) {
        if (a.error && b.error) {
            if (a.error->code != b.error->code) {
                ci->problems.push_back("both failed, with different codes: " + a.error->code + " vs " + b.error->code);
            }
        } else if (a.error) {
            ci->problems.push_back("reference failed (" + a.error->code + ": " + a.error->message + "), candidate did not");
        } else {
            ci->problems.push_back("candidate failed (" + b.error->code + ": " + b.error->message + "), reference did not");
        }
        return;
    }
    if (a.width && b.width && (*a.width != *b.width || *a.height != *b.height)) {
        ci->problems.push_back("size differs: " + std::to_string(*a.width) + "x" + std::to_string(*a.height) + " vs " +
                               std::to_string(*b.width) + "x" + std::to_string(*b.height));
    }

    // findings by id: reference order, then candidate-only ones
    std::vector<bool> used(b.findings.size(), false);
    for (const results_finding & fa : a.findings) {
        compare_finding cf;
        cf.id = fa.id;
        cf.in_reference = true;
        for (size_t k = 0; k < b.findings.size(); k++) {
            if (!used[k] && b.findings[k].id == fa.id) {
                const results_finding & fb = b.findings[k];
                used[k] = true;
                cf.in_candidate = true;
                cf.d_prob  = std::fabs(fa.probability - fb.probability);
                cf.d_logit = std::fabs(fa.logit - fb.logit);
                cf.d_cos   = std::fabs(fa.cosine - fb.cosine);
                cf.no_signal_differs = fa.no_signal != fb.no_signal;
                break;
            }
        }
        if (!cf.in_candidate) {
            ci->problems.push_back(fa.id + ": only in the reference");
        } else {
            cf.pass = cf.d_prob <= tol.prob && cf.d_logit <= tol.logit && cf.d_cos <= tol.cos;
            if (cf.d_prob > tol.prob) ci->problems.push_back(fa.id + ": |d probability| " + fmt_e(cf.d_prob) + " > " + fmt_e(tol.prob));
            if (cf.d_logit > tol.logit) ci->problems.push_back(fa.id + ": |d logit| " + fmt_e(cf.d_logit) + " > " + fmt_e(tol.logit));
            if (cf.d_cos > tol.cos) ci->problems.push_back(fa.id + ": |d cosine| " + fmt_e(cf.d_cos) + " > " + fmt_e(tol.cos));
            if (check_no_signal && cf.no_signal_differs) {
                cf.pass = false;
                ci->problems.push_back(fa.id + ": no_signal differs (" + (fa.no_signal ? "true" : "false") + " vs " +
                                       (fa.no_signal ? "false" : "true") + ")");
            }
            rep->max_d_prob  = std::max(rep->max_d_prob, cf.d_prob);
            rep->max_d_logit = std::max(rep->max_d_logit, cf.d_logit);
            rep->max_d_cos   = std::max(rep->max_d_cos, cf.d_cos);
        }
        ci->findings.push_back(cf);
    }
    for (size_t k = 0; k < b.findings.size(); k++) {
        if (!used[k]) {
            compare_finding cf;
            cf.id = b.findings[k].id;
            cf.in_candidate = true;
            ci->findings.push_back(cf);
            ci->problems.push_back(cf.id + ": only in the candidate");
        }
    }

    // features
    if (!a.feature.empty() && !b.feature.empty()) {
        if (a.feature.size() != b.feature.size()) {
            ci->problems.push_back("feature sizes differ: " + std::to_string(a.feature.size()) + " vs " + std::to_string(b.feature.size()));
        } else {
            double dot = 0.0, na = 0.0, nb = 0.0;
            for (size_t k = 0; k < a.feature.size(); k++) {
                dot += (double) a.feature[k] * (double) b.feature[k];
                na  += (double) a.feature[k] * (double) a.feature[k];
                nb  += (double) b.feature[k] * (double) b.feature[k];
            }
            ci->has_feature_cos = true;
            ci->feature_cos = (na > 0.0 && nb > 0.0) ? dot / std::sqrt(na * nb) : 0.0;
            rep->any_feature_cos = true;
            rep->min_feature_cos = std::min(rep->min_feature_cos, ci->feature_cos);
            if (!(ci->feature_cos >= tol.min_feature_cos)) {
                ci->problems.push_back("feature cosine " + fmt_g(ci->feature_cos) + " < " + fmt_g(tol.min_feature_cos));
            }
        }
    }

    // top-1
    const int32_t ta = top1_index(a.findings), tb = top1_index(b.findings);
    if (ta >= 0) {
        ci->top1_reference = a.findings[(size_t) ta].id;
        double second = -INFINITY;
        for (size_t k = 0; k < a.findings.size(); k++) {
            if ((int32_t) k != ta) second = std::max(second, a.findings[k].logit);
        }
        ci->top2_margin = std::isfinite(second) ? a.findings[(size_t) ta].logit - second : INFINITY;
    }
    if (tb >= 0) ci->top1_candidate = b.findings[(size_t) tb].id;
    ci->top1_agree = ci->top1_reference == ci->top1_candidate;
    if (!ci->top1_agree) {
        if (ci->top2_margin <= tol.logit) {
            ci->top1_waived = true;
            rep->n_top1_waived++;
        } else {
            ci->problems.push_back("top-1 differs: " + ci->top1_reference + " vs " + ci->top1_candidate + " (reference margin " +
                                   fmt_g(ci->top2_margin) + ")");
        }
    }
}

compare_report compare_results(const results_doc & ref, const results_doc & cand, const compare_tolerances & tol) {
    compare_report rep;
    rep.tol = tol;
    if (ref.package_name != cand.package_name) rep.notes.push_back("package differs: " + ref.package_name + " vs " + cand.package_name);
    if (ref.package_variant != cand.package_variant) rep.notes.push_back("variant differs: " + ref.package_variant + " vs " + cand.package_variant);
    if (!ref.package_manifest_sha256.empty() && !cand.package_manifest_sha256.empty() &&
        ref.package_manifest_sha256 != cand.package_manifest_sha256) {
        rep.notes.push_back("manifest sha256 differs");
    }
    if (ref.anchors_sha256 != cand.anchors_sha256) rep.notes.push_back("anchor table sha256 differs");

    const size_t na = ref.images.size(), nb = cand.images.size();
    std::vector<int64_t> match(na, -1);
    std::vector<bool> taken(nb, false);
    std::vector<std::string> how(na);
    for (size_t i = 0; i < na; i++) {
        if (!ref.images[i].sha256) continue;
        for (size_t j = 0; j < nb; j++) {
            if (!taken[j] && cand.images[j].sha256 && *cand.images[j].sha256 == *ref.images[i].sha256) {
                match[i] = (int64_t) j;
                taken[j] = true;
                how[i] = "sha256";
                break;
            }
        }
    }
    for (size_t i = 0; i < na; i++) {
        if (match[i] >= 0) continue;
        for (size_t j = 0; j < nb; j++) {
            if (!taken[j] && (!ref.images[i].sha256 || !cand.images[j].sha256) && cand.images[j].file == ref.images[i].file) {
                match[i] = (int64_t) j;
                taken[j] = true;
                how[i] = "file";
                break;
            }
        }
    }
    for (size_t i = 0; i < na; i++) {
        const results_image & a = ref.images[i];
        compare_image ci;
        ci.file = a.file;
        ci.sha256 = a.sha256 ? *a.sha256 : "";
        ci.in_reference = true;
        ci.matched_by = how[i];
        if (match[i] < 0) {
            ci.problems.push_back("only in the reference");
        } else {
            ci.in_candidate = true;
            compare_pair(a, cand.images[(size_t) match[i]], tol, ref.schema_version >= 1 && cand.schema_version >= 1,
                         ref.schema_version >= 2 && cand.schema_version >= 2, &ci, &rep);
        }
        ci.pass = ci.problems.empty();
        rep.images.push_back(std::move(ci));
    }
    for (size_t j = 0; j < nb; j++) {
        if (taken[j]) continue;
        compare_image ci;
        ci.file = cand.images[j].file;
        ci.sha256 = cand.images[j].sha256 ? *cand.images[j].sha256 : "";
        ci.in_candidate = true;
        ci.problems.push_back("only in the candidate");
        rep.images.push_back(std::move(ci));
    }
    for (const compare_image & ci : rep.images) {
        rep.n_images++;
        (ci.pass ? rep.n_pass : rep.n_fail)++;
    }
    rep.pass = rep.n_fail == 0;
    return rep;
}

std::string compare_report_text(const compare_report & rep, bool verbose) {
    std::string s;
    for (const std::string & n : rep.notes) s += "note: " + n + "\n";
    for (const compare_image & ci : rep.images) {
        if (ci.pass && !verbose) continue;
        s += std::string(ci.pass ? "PASS " : "FAIL ") + ci.file;
        if (ci.has_feature_cos) s += " (feature cosine " + fmt_g(ci.feature_cos) + ")";
        if (ci.top1_waived) s += " (top-1 " + ci.top1_reference + " vs " + ci.top1_candidate + " waived: margin " + fmt_g(ci.top2_margin) + ")";
        s += "\n";
        for (const std::string & p : ci.problems) s += "    " + p + "\n";
    }
    s += std::string(rep.pass ? "PASS" : "FAIL") + ": " + std::to_string(rep.n_images) + " images, " +
         std::to_string(rep.n_fail) + " failed; max |d prob| " + fmt_e(rep.max_d_prob) + " (tol " + fmt_e(rep.tol.prob) +
         "), max |d logit| " + fmt_e(rep.max_d_logit) + " (tol " + fmt_e(rep.tol.logit) + "), max |d cos| " +
         fmt_e(rep.max_d_cos) + " (tol " + fmt_e(rep.tol.cos) + ")";
    if (rep.any_feature_cos) s += ", min feature cosine " + fmt_g(rep.min_feature_cos) + " (min " + fmt_g(rep.tol.min_feature_cos) + ")";
    if (rep.n_top1_waived) s += ", top-1 waived " + std::to_string(rep.n_top1_waived);
    s += "\n";
    return s;
}
