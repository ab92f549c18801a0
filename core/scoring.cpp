#include "scoring.h"

#include <cmath>

double scoring_cosine(const float * a, const float * b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double) a[i] * (double) b[i];
    return s;
}

double scoring_logistic(double z) {
    if (z >= 0.0) {
        return 1.0 / (1.0 + std::exp(-z));
    }
    const double e = std::exp(z);  // no overflow for very negative z
    return e / (1.0 + e);
}

finding_score scoring_score_finding(const anchor_table & table, int32_t index, const float * feature, size_t n) {
    const anchor_finding & f = table.findings[(size_t) index];
    finding_score s;
    s.index       = index;
    s.id          = f.id;
    s.display     = f.display;
    s.source      = f.source;
    s.kind        = f.kind;
    s.cosine      = scoring_cosine(feature, f.anchor.data(), n < f.anchor.size() ? n : f.anchor.size());
    s.logit       = f.calibration.scale * (s.cosine - f.calibration.threshold);
    s.probability = scoring_logistic(s.logit);
    s.calibrated  = f.calibration.kind == "labels";
    s.no_signal   = f.no_signal;
    return s;
}

bool scoring_score_image(const anchor_table & table, const std::string & modality, const float * feature,
                         size_t n, std::vector<finding_score> * scores, std::string * err) {
    scores->clear();
    if ((int64_t) n != table.feature_dim) {
        if (err) *err = "image feature has " + std::to_string(n) + " values, the anchor table's feature_dim is " +
                        std::to_string(table.feature_dim);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!std::isfinite(feature[i])) {
            if (err) *err = "image feature value " + std::to_string(i) + " is not finite";
            return false;
        }
    }
    if (!anchor_table_modality(table, modality)) {
        if (err) *err = "modality '" + modality + "' is not in the anchor table";
        return false;
    }
    for (size_t i = 0; i < table.findings.size(); i++) {
        if (table.findings[i].modality == modality) {
            scores->push_back(scoring_score_finding(table, (int32_t) i, feature, n));
        }
    }
    return true;
}

int32_t scoring_top1(const std::vector<finding_score> & scores) {
    int32_t best = -1;
    for (size_t i = 0; i < scores.size(); i++) {
        if (best < 0 || scores[i].logit > scores[(size_t) best].logit) best = (int32_t) i;
    }
    return best;
}

results_finding scoring_result_entry(const finding_score & s) {
    results_finding f;
    f.id          = s.id;
    f.display     = s.display;
    f.cosine      = s.cosine;
    f.logit       = s.logit;
    f.probability = s.probability;
    f.calibrated  = s.calibrated;
    f.no_signal   = s.no_signal;
    f.source      = s.source;
    return f;
}
