#include <catch2/catch.hpp>

#include "file_io.h"
#include "metrics.h"

#include <nlohmann/json.hpp>

#include <cmath>

// 6 items with ties: positives 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4.
// Pairs: 0.35 beats 0.1 (1); 0.8 beats all (3); 0.4 beats 0.1 and ties twice (1 + 0.5 + 0.5): 6 of 9.
static const std::vector<double>  k_scores = { 0.1, 0.4, 0.35, 0.8, 0.4, 0.4 };
static const std::vector<int32_t> k_labels = { 0, 0, 1, 1, 1, 0 };

TEST_CASE("ROC AUC with ties is the exact Mann-Whitney fraction") {
    CHECK(metrics_roc_auc(k_scores, k_labels) == 6.0 / 9.0);
    CHECK(metrics_roc_auc({ 1, 2, 3, 4 }, { 0, 0, 1, 1 }) == 1.0);
    CHECK(metrics_roc_auc({ 1, 2, 3, 4 }, { 1, 1, 0, 0 }) == 0.0);
    CHECK(metrics_roc_auc({ 5, 5, 5, 5 }, { 1, 0, 1, 0 }) == 0.5);
    // order of the items does not matter
    CHECK(metrics_roc_auc({ 0.4, 0.8, 0.1, 0.4, 0.35, 0.4 }, { 1, 1, 0, 0, 1, 0 }) == 6.0 / 9.0);
}

TEST_CASE("ROC AUC is NaN when a class is absent or the input is malformed") {
    CHECK(std::isnan(metrics_roc_auc({ 0.1, 0.2 }, { 1, 1 })));
    CHECK(std::isnan(metrics_roc_auc({ 0.1, 0.2 }, { 0, 0 })));
    CHECK(std::isnan(metrics_roc_auc({}, {})));
    CHECK(std::isnan(metrics_roc_auc({ 0.1, 0.2 }, { 0 })));
    CHECK(std::isnan(metrics_roc_auc({ 0.1, 0.2 }, { 0, 2 })));
    CHECK(std::isnan(metrics_roc_auc({ 0.1, std::nan("") }, { 0, 1 })));
    CHECK(metrics_format(metrics_roc_auc({ 0.1 }, { 1 })) == "n/a");
    CHECK(metrics_format(2.0 / 3.0) == "0.6667");
    CHECK(metrics_format(0.5, 2) == "0.50");
}

TEST_CASE("metrics at a threshold (score >= threshold is positive)") {
    const metrics_counts m = metrics_at_threshold(k_scores, k_labels, 0.4);
    CHECK(m.tp == 2);
    CHECK(m.fp == 2);
    CHECK(m.tn == 1);
    CHECK(m.fn == 1);
    CHECK(m.sensitivity == 2.0 / 3.0);
    CHECK(m.specificity == 1.0 / 3.0);
    CHECK(m.precision == 0.5);
    CHECK(m.accuracy == 0.5);
    CHECK(m.f1 == 4.0 / 7.0);
    const metrics_counts none = metrics_at_threshold(k_scores, k_labels, 2.0);
    CHECK(none.tp == 0);
    CHECK(std::isnan(none.precision));
    CHECK(none.f1 == 0.0);
    const metrics_counts no_pos = metrics_at_threshold({ 0.1 }, { 0 }, 0.5);
    CHECK(std::isnan(no_pos.sensitivity));
    CHECK(std::isnan(no_pos.f1));
}

// The cases the recipe's export.youden is checked against too (tests/test_youden.py).
TEST_CASE("Youden threshold: the shared cases of tests/data/youden_cases.json") {
    const std::string path = std::string(RADZ_SOURCE_DIR) + "/tests/data/youden_cases.json";
    std::string       text, err;
    REQUIRE(file_read_text(path, &text, 1 << 20, &err));
    const nlohmann::json doc = nlohmann::json::parse(text);
    REQUIRE(doc.at("cases").size() >= 10);
    for (const auto & c : doc.at("cases")) {
        INFO(c.at("name").get<std::string>());
        const std::vector<double>  scores = c.at("scores").get<std::vector<double>>();
        const std::vector<int32_t> labels = c.at("labels").get<std::vector<int32_t>>();
        double                     j      = 0.0;
        const double               t      = metrics_youden_threshold(scores, labels, &j);
        if (c.at("threshold").is_null()) {
            CHECK(std::isnan(t));
            CHECK(std::isnan(j));
        } else {
            CHECK(t == Approx(c.at("threshold").get<double>()).margin(1e-12).epsilon(0));
            CHECK(j == Approx(c.at("j").get<double>()).margin(1e-12).epsilon(0));
        }
    }
}

TEST_CASE("Youden threshold: a score that is not finite gives NaN") {
    double j = 0.0;
    CHECK(std::isnan(metrics_youden_threshold({ 0.1, std::nan("") }, { 0, 1 }, &j)));
    CHECK(std::isnan(j));
}

TEST_CASE("macro AUC skips undefined columns") {
    const double m = metrics_macro_auc({ k_scores, { 0.1, 0.2 }, { 0.1, 0.9 } }, { k_labels, { 0, 0 }, { 0, 1 } });
    CHECK(m == Approx((6.0 / 9.0 + 1.0) / 2.0).epsilon(1e-15));
    CHECK(std::isnan(metrics_macro_auc({ { 0.1 } }, { { 1 } })));
    CHECK(metrics_mean_finite({ 1.0, std::nan(""), 3.0 }) == 2.0);
}

TEST_CASE("confusion matrix and accuracy for single-label sets") {
    int64_t ignored = -1;
    const auto m = metrics_confusion({ 0, 1, 2, 2, 1, 5 }, { 0, 2, 2, 1, 1, 0 }, 3, &ignored);
    REQUIRE(m.size() == 3);
    CHECK(m[0] == std::vector<int64_t>({ 1, 0, 0 }));
    CHECK(m[1] == std::vector<int64_t>({ 0, 1, 1 }));
    CHECK(m[2] == std::vector<int64_t>({ 0, 1, 1 }));
    CHECK(ignored == 1);
    CHECK(metrics_accuracy({ 0, 1, 2, 2, 1 }, { 0, 2, 2, 1, 1 }) == 3.0 / 5.0);
    CHECK(std::isnan(metrics_accuracy({}, {})));
}

TEST_CASE("bootstrap resamples whole groups, reproducibly") {
    // one group: every resample is the full set
    {
        const metrics_ci ci = metrics_bootstrap_auc(k_scores, k_labels, std::vector<std::string>(6, "p"), 50, 1);
        CHECK(ci.estimate == 6.0 / 9.0);
        CHECK(ci.n_valid == 50);
        CHECK(ci.lo == ci.estimate);
        CHECK(ci.hi == ci.estimate);
    }
    // two patients, one with only positives, one with only negatives: a resample holding one
    // patient twice has a single class (skipped); one holding both is the full set again.
    // (Resampling images one by one would give many different AUCs.)
    {
        const std::vector<double> s = { 0.9, 0.3, 0.7, 0.2, 0.8, 0.5 };
        const std::vector<int32_t> l = { 1, 0, 1, 0, 1, 0 };
        const std::vector<std::string> g = { "a", "b", "a", "b", "a", "b" };
        const metrics_ci ci = metrics_bootstrap_auc(s, l, g, 400, 42);
        CHECK(ci.estimate == 1.0);
        CHECK(ci.n_boot == 400);
        CHECK(ci.n_valid > 140);
        CHECK(ci.n_valid < 260);
        CHECK(ci.lo == 1.0);
        CHECK(ci.hi == 1.0);
    }
    // same seed, same interval; the percentile interval brackets the data's spread
    {
        std::vector<double> s;
        std::vector<int32_t> l;
        std::vector<std::string> g;
        for (int i = 0; i < 60; i++) {
            s.push_back(std::fmod(i * 0.37, 1.0));
            l.push_back((i % 3 == 0) ^ (i % 7 == 0));
            g.push_back("p" + std::to_string(i / 3));
        }
        const metrics_ci a = metrics_bootstrap_auc(s, l, g, 200, 7);
        const metrics_ci b = metrics_bootstrap_auc(s, l, g, 200, 7);
        const metrics_ci c = metrics_bootstrap_auc(s, l, g, 200, 8);
        CHECK(a.lo == b.lo);
        CHECK(a.hi == b.hi);
        CHECK((a.lo != c.lo || a.hi != c.hi));
        CHECK(a.lo < a.estimate);
        CHECK(a.hi > a.estimate);
        CHECK(a.seed == 7);
        CHECK(a.level == 0.95);
    }
}
