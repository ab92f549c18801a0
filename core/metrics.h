// Evaluation metrics for `radz eval` and the recipe's reports: ROC AUC with ties, metrics at a
// threshold, Youden's threshold, macro AUC, confusion matrix, and bootstrap confidence
// intervals that resample whole groups (patients).
//
// Conventions: labels are 0/1; a score is predicted positive when score >= threshold. A value
// that cannot be computed (a class absent, a 0/0 rate) is NaN; writers print it as "n/a".
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// ROC AUC = P(score_pos > score_neg) + 0.5 * P(equal), by Mann-Whitney with midranks.
// NaN when there is no positive or no negative, or the sizes differ.
double metrics_roc_auc(const std::vector<double> & scores, const std::vector<int32_t> & labels);

struct metrics_counts {
    int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    double sensitivity = 0.0;  // tp / (tp + fn)            NaN when no positive
    double specificity = 0.0;  // tn / (tn + fp)            NaN when no negative
    double precision   = 0.0;  // tp / (tp + fp)            NaN when nothing predicted positive
    double accuracy    = 0.0;  // (tp + tn) / n             NaN when n == 0
    double f1          = 0.0;  // 2tp / (2tp + fp + fn)     NaN when tp + fp + fn == 0
};

metrics_counts metrics_at_threshold(const std::vector<double> & scores, const std::vector<int32_t> & labels,
                                    double threshold);

// The operating point of docs/model-package.md section 6 (the recipe's export.youden, the same
// cases checked on both sides: tests/data/youden_cases.json): for the rule score >= cut over the
// distinct scores, J = tp/P - fp/N in float64; the first maximum from the highest cut down; the
// threshold returned is the midpoint between that cut and the next lower score (the cut - 1e-6
// when it is the lowest). NaN when a class is absent or a score is not finite; *j gets the J.
double metrics_youden_threshold(const std::vector<double> & scores, const std::vector<int32_t> & labels,
                                double * j = nullptr);

// Mean of the finite values; NaN when none.
double metrics_mean_finite(const std::vector<double> & values);

// Macro AUC: mean of the per-column AUCs that are defined. scores[c] and labels[c] are column c.
double metrics_macro_auc(const std::vector<std::vector<double>> & scores,
                         const std::vector<std::vector<int32_t>> & labels);

// Confusion matrix for single-label sets: m[t][p] = count of items with truth t and
// prediction p, classes 0..n_classes-1. Out-of-range values are ignored (and counted in
// *n_ignored when given).
std::vector<std::vector<int64_t>> metrics_confusion(const std::vector<int32_t> & truth,
                                                    const std::vector<int32_t> & predicted,
                                                    int32_t n_classes, int64_t * n_ignored = nullptr);

// Fraction of equal entries; NaN when empty.
double metrics_accuracy(const std::vector<int32_t> & truth, const std::vector<int32_t> & predicted);

struct metrics_ci {
    double  estimate = 0.0;  // the statistic on the full set
    double  lo = 0.0;        // percentile interval, linear interpolation between order statistics
    double  hi = 0.0;
    int32_t n_boot  = 0;     // resamples drawn
    int32_t n_valid = 0;     // resamples where the statistic was finite (the others are skipped)
    uint64_t seed = 0;
    double  level = 0.95;
};

// Bootstrap over groups: each resample draws as many groups as there are distinct keys in
// groups, with replacement, and takes every item of each drawn group. stat gets the item
// indices (with repeats) and returns the statistic (NaN if undefined). The generator is
// std::mt19937_64(seed) with unbiased rejection sampling, so results are the same everywhere.
metrics_ci metrics_bootstrap(const std::vector<std::string> & groups, int32_t n_boot, uint64_t seed,
                             double level, const std::function<double(const std::vector<size_t> &)> & stat);

// Convenience: bootstrap CI of one column's AUC.
metrics_ci metrics_bootstrap_auc(const std::vector<double> & scores, const std::vector<int32_t> & labels,
                                 const std::vector<std::string> & groups, int32_t n_boot, uint64_t seed,
                                 double level = 0.95);

// "0.8123" style formatting with NaN as "n/a".
std::string metrics_format(double v, int32_t decimals = 4);
