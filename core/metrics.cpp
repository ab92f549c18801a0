#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <random>

static const double k_nan = std::numeric_limits<double>::quiet_NaN();

double metrics_roc_auc(const std::vector<double> & scores, const std::vector<int32_t> & labels) {
    const size_t n = scores.size();
    if (labels.size() != n) return k_nan;
    int64_t n_pos = 0, n_neg = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != 0 && labels[i] != 1) return k_nan;
        if (std::isnan(scores[i])) return k_nan;
        (labels[i] ? n_pos : n_neg)++;
    }
    if (n_pos == 0 || n_neg == 0) return k_nan;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    // sum of the midranks (1-based) of the positives, doubled to stay in integers
    int64_t rank2_pos = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
        const int64_t midrank2 = (int64_t) (i + 1) + (int64_t) (j + 1);  // 2 * mean of ranks i+1 .. j+1
        for (size_t k = i; k <= j; k++) {
            if (labels[order[k]]) rank2_pos += midrank2;
        }
        i = j + 1;
    }
    // U = R_pos - n_pos (n_pos + 1) / 2; AUC = U / (n_pos n_neg)
    const double u2 = (double) (rank2_pos - n_pos * (n_pos + 1));
    return u2 / (2.0 * (double) n_pos * (double) n_neg);
}

static double ratio(int64_t a, int64_t b) {
    return b == 0 ? k_nan : (double) a / (double) b;
}

metrics_counts metrics_at_threshold(const std::vector<double> & scores, const std::vector<int32_t> & labels, double threshold) {
    metrics_counts m;
    const size_t n = std::min(scores.size(), labels.size());
    for (size_t i = 0; i < n; i++) {
        const bool pred = scores[i] >= threshold;
        if (labels[i]) {
            (pred ? m.tp : m.fn)++;
        } else {
            (pred ? m.fp : m.tn)++;
        }
    }
    m.sensitivity = ratio(m.tp, m.tp + m.fn);
    m.specificity = ratio(m.tn, m.tn + m.fp);
    m.precision   = ratio(m.tp, m.tp + m.fp);
    m.accuracy    = ratio(m.tp + m.tn, m.tp + m.tn + m.fp + m.fn);
    m.f1          = ratio(2 * m.tp, 2 * m.tp + m.fp + m.fn);
    return m;
}

double metrics_youden_threshold(const std::vector<double> & scores, const std::vector<int32_t> & labels, double * j) {
    const size_t n = std::min(scores.size(), labels.size());
    int64_t P = 0, N = 0;
    for (size_t i = 0; i < n; i++) (labels[i] ? P : N)++;
    if (j) *j = k_nan;
    if (P == 0 || N == 0) return k_nan;
    for (size_t i = 0; i < n; i++) {
        if (!std::isfinite(scores[i])) return k_nan;
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    int64_t tp = 0, fp = 0;
    double best_j = -std::numeric_limits<double>::infinity();
    double best_t = k_nan;
    size_t i = 0;
    while (i < n) {
        const double cut = scores[order[i]];
        while (i < n && scores[order[i]] == cut) {
            (labels[order[i]] ? tp : fp)++;
            i++;
        }
        // J in float64 as tp/P - fp/N, the recipe's arithmetic (scripts/radz/export.py youden),
        // so that both sides break ties of J alike.
        const double cut_j = (double) tp / (double) P - (double) fp / (double) N;
        if (cut_j > best_j) {  // >: the first maximum from the highest cut down
            best_j = cut_j;
            best_t = i < n ? (cut + scores[order[i]]) / 2 : cut - 1e-6;
        }
    }
    if (j) *j = best_j;
    return best_t;
}

double metrics_mean_finite(const std::vector<double> & values) {
    double s = 0.0;
    int64_t n = 0;
    for (double v : values) {
        if (std::isfinite(v)) {
            s += v;
            n++;
        }
    }
    return n ? s / (double) n : k_nan;
}

double metrics_macro_auc(const std::vector<std::vector<double>> & scores, const std::vector<std::vector<int32_t>> & labels) {
    std::vector<double> aucs;
    for (size_t c = 0; c < scores.size() && c < labels.size(); c++) {
        aucs.push_back(metrics_roc_auc(scores[c], labels[c]));
    }
    return metrics_mean_finite(aucs);
}

std::vector<std::vector<int64_t>> metrics_confusion(const std::vector<int32_t> & truth, const std::vector<int32_t> & predicted,
                                                    int32_t n_classes, int64_t * n_ignored) {
    std::vector<std::vector<int64_t>> m((size_t) std::max(n_classes, 0), std::vector<int64_t>((size_t) std::max(n_classes, 0), 0));
    int64_t ignored = 0;
    const size_t n = std::min(truth.size(), predicted.size());
    for (size_t i = 0; i < n; i++) {
        if (truth[i] < 0 || truth[i] >= n_classes || predicted[i] < 0 || predicted[i] >= n_classes) {
            ignored++;
            continue;
        }
        m[(size_t) truth[i]][(size_t) predicted[i]]++;
    }
    ignored += (int64_t) (std::max(truth.size(), predicted.size()) - n);
    if (n_ignored) *n_ignored = ignored;
    return m;
}

double metrics_accuracy(const std::vector<int32_t> & truth, const std::vector<int32_t> & predicted) {
    if (truth.empty() || truth.size() != predicted.size()) return k_nan;
    int64_t ok = 0;
    for (size_t i = 0; i < truth.size(); i++) ok += truth[i] == predicted[i];
    return (double) ok / (double) truth.size();
}

// Linear interpolation between order statistics (numpy's default percentile).
static double quantile_sorted(const std::vector<double> & x, double p) {
    if (x.empty()) return k_nan;
    const double h = (double) (x.size() - 1) * p;
    const size_t lo = (size_t) std::floor(h);
    const size_t hi = std::min(lo + 1, x.size() - 1);
    return x[lo] + (h - (double) lo) * (x[hi] - x[lo]);
}

static uint64_t uniform_below(std::mt19937_64 & rng, uint64_t n) {
    const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
    uint64_t x;
    do {
        x = rng();
    } while (x >= limit);
    return x % n;
}

metrics_ci metrics_bootstrap(const std::vector<std::string> & groups, int32_t n_boot, uint64_t seed, double level,
                             const std::function<double(const std::vector<size_t> &)> & stat) {
    metrics_ci ci;
    ci.n_boot = n_boot;
    ci.seed = seed;
    ci.level = level;
    std::vector<size_t> all(groups.size());
    std::iota(all.begin(), all.end(), 0);
    ci.estimate = stat(all);

    std::map<std::string, size_t> index;
    std::vector<std::vector<size_t>> members;
    for (size_t i = 0; i < groups.size(); i++) {
        const auto it = index.emplace(groups[i], members.size());
        if (it.second) members.emplace_back();
        members[it.first->second].push_back(i);
    }
    ci.lo = ci.hi = k_nan;
    if (members.empty() || n_boot <= 0) return ci;

    std::mt19937_64 rng(seed);
    std::vector<double> values;
    std::vector<size_t> items;
    for (int32_t b = 0; b < n_boot; b++) {
        items.clear();
        for (size_t g = 0; g < members.size(); g++) {
            const std::vector<size_t> & m = members[(size_t) uniform_below(rng, members.size())];
            items.insert(items.end(), m.begin(), m.end());
        }
        const double v = stat(items);
        if (std::isfinite(v)) values.push_back(v);
    }
    ci.n_valid = (int32_t) values.size();
    std::sort(values.begin(), values.end());
    const double tail = (1.0 - level) / 2.0;
    ci.lo = quantile_sorted(values, tail);
    ci.hi = quantile_sorted(values, 1.0 - tail);
    return ci;
}

metrics_ci metrics_bootstrap_auc(const std::vector<double> & scores, const std::vector<int32_t> & labels,
                                 const std::vector<std::string> & groups, int32_t n_boot, uint64_t seed, double level) {
    std::vector<double> s;
    std::vector<int32_t> l;
    return metrics_bootstrap(groups, n_boot, seed, level, [&](const std::vector<size_t> & idx) {
        s.clear();
        l.clear();
        for (size_t i : idx) {
            if (i >= scores.size() || i >= labels.size()) return k_nan;
            s.push_back(scores[i]);
            l.push_back(labels[i]);
        }
        return metrics_roc_auc(s, l);
    });
}

std::string metrics_format(double v, int32_t decimals) {
    if (!std::isfinite(v)) return "n/a";
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*f", (int) decimals, v);
    return buf;
}
