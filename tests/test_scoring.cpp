#include <catch2/catch.hpp>

#include "anchor_table.h"
#include "scoring.h"
#include "sha256.h"

#include <cmath>
#include <limits>

static anchor_table scoring_table() {
    anchor_table t;
    t.feature_dim = 2;
    t.binding = { std::string(64, 'a'), std::string(64, 'b'), std::string(64, 'c'), std::string(64, 'd'), std::string(64, 'e') };
    t.modalities = { { "cxr", 0.5, 2.0 }, { "mri", 0.5, 2.0 } };
    auto add = [&](const char * id, const char * mod, float a0, float a1, const char * kind, double thr, double scale) {
        anchor_finding f;
        f.id = id;
        f.display = std::string(id) + " (display)";
        f.modality = mod;
        f.source = "package";
        f.descriptions = { "d" };
        f.anchor = { a0, a1 };
        f.calibration = { kind, thr, scale };
        t.findings.push_back(f);
    };
    add("A", "cxr", 1.0f, 0.0f, "labels", 0.5, 10.0);
    add("glioma", "mri", 0.0f, 1.0f, "labels", 0.0, 1.0);
    add("B", "cxr", 0.0f, 1.0f, "label_free", 0.25, 4.0);
    add("C", "cxr", 0.6f, 0.8f, "labels", 0.8, 2.0);
    return t;
}

TEST_CASE("scoring: cosine, logit, probability, in table order") {
    const anchor_table t = scoring_table();
    const float f[2] = { 0.8f, 0.6f };
    std::vector<finding_score> s;
    std::string err;
    REQUIRE(scoring_score_image(t, "cxr", f, 2, &s, &err));
    REQUIRE(s.size() == 3);
    CHECK(s[0].id == "A");
    CHECK(s[1].id == "B");
    CHECK(s[2].id == "C");
    CHECK(s[0].index == 0);
    CHECK(s[1].index == 2);
    CHECK(s[0].display == "A (display)");
    // A: c = 0.8f; z = 10 (c - 0.5)
    CHECK(s[0].cosine == (double) 0.8f);
    CHECK(s[0].logit == 10.0 * ((double) 0.8f - 0.5));
    CHECK(s[0].probability == Approx(1.0 / (1.0 + std::exp(-s[0].logit))).epsilon(1e-15));
    CHECK(s[0].calibrated);
    CHECK_FALSE(s[1].calibrated);
    // C: c = 0.6f*0.8f + 0.8f*0.6f accumulated in double
    CHECK(s[2].cosine == (double) 0.6f * (double) 0.8f + (double) 0.8f * (double) 0.6f);
    // at the threshold the probability is exactly 50%
    const float g[2] = { 0.0f, 0.25f };
    REQUIRE(scoring_score_image(t, "cxr", g, 2, &s, &err));
    CHECK(s[1].probability == 0.5);
    CHECK(scoring_top1(s) == 1);
}

TEST_CASE("scoring: errors") {
    const anchor_table t = scoring_table();
    std::vector<finding_score> s;
    std::string err;
    const float f3[3] = { 1.0f, 0.0f, 0.0f };
    CHECK_FALSE(scoring_score_image(t, "cxr", f3, 3, &s, &err));
    CHECK(err == "image feature has 3 values, the anchor table's feature_dim is 2");
    const float nanf[2] = { std::numeric_limits<float>::quiet_NaN(), 0.0f };
    CHECK_FALSE(scoring_score_image(t, "cxr", nanf, 2, &s, &err));
    CHECK(err == "image feature value 0 is not finite");
    const float f[2] = { 1.0f, 0.0f };
    CHECK_FALSE(scoring_score_image(t, "ct", f, 2, &s, &err));
    CHECK(err == "modality 'ct' is not in the anchor table");
}

TEST_CASE("logistic is safe for large |z|") {
    CHECK(scoring_logistic(0.0) == 0.5);
    CHECK(scoring_logistic(800.0) == 1.0);
    CHECK(scoring_logistic(-800.0) == 0.0);
    CHECK(scoring_logistic(-700.0) > 0.0);  // exp(-700) is representable: no underflow to 0 via 1/(1+inf)
    CHECK(scoring_logistic(-700.0) == Approx(std::exp(-700.0)).epsilon(1e-12));
    CHECK(std::isfinite(scoring_logistic(-1e308)));
    CHECK(std::isfinite(scoring_logistic(1e308)));
    for (double z : { -30.0, -2.5, -1e-3, 1e-3, 2.5, 30.0 }) {
        CHECK(scoring_logistic(z) + scoring_logistic(-z) == Approx(1.0).epsilon(1e-15));
    }
}
