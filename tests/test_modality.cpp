// Modality detection and the out-of-distribution gate (core/modality.h, docs/model-package.md
// section 11): the gate's rule on hand-computed head outputs, the precedence of the scored
// modality, the messages, and the manifest's modality_head checks.
#include <catch2/catch.hpp>

#include "modality.h"
#include "package.h"

#include <cmath>
#include <string>
#include <vector>

static package_modality_head test_head() {
    package_modality_head h;
    h.present             = true;
    h.graph               = "modality.onnx";
    h.classes             = { "cxr", "mri", "other" };
    h.view                = 64;
    h.p_other_max         = 0.5;
    h.distance_max        = 100.0;
    h.min_contrast        = 0.01;
    h.strong_disagreement = 0.9;
    return h;
}

static radz_package test_package() {
    radz_package pkg;
    pkg.modalities    = { { "cxr", "Chest X-ray", "multilabel" }, { "mri", "Brain MRI", "multiclass" } };
    pkg.modality_head = test_head();
    return pkg;
}

TEST_CASE("modality_gate: softmax over modalities and other, hand values") {
    const package_modality_head h = test_head();
    // logits (2, 0, 0): e^2 / (e^2 + 2) = 0.786986..., 1 / (e^2 + 2) = 0.106507...
    const float logits[3] = { 2.0f, 0.0f, 0.0f };
    const modality_detection d = modality_gate(h, logits, 10.0f, 0.2);
    REQUIRE(d.available);
    REQUIRE(d.modalities == std::vector<std::string>{ "cxr", "mri" });
    CHECK(d.probabilities[0] == Approx(std::exp(2.0) / (std::exp(2.0) + 2.0)).epsilon(1e-12));
    CHECK(d.probabilities[1] == Approx(1.0 / (std::exp(2.0) + 2.0)).epsilon(1e-12));
    CHECK(d.p_other == Approx(1.0 / (std::exp(2.0) + 2.0)).epsilon(1e-12));
    CHECK(d.modality == "cxr");
    CHECK_FALSE(d.rejected);
    CHECK(d.reason.empty());
}

TEST_CASE("modality_gate: each rejection reason, in order blank > other > unlike") {
    const package_modality_head h = test_head();
    const float mri[3]   = { 0.0f, 3.0f, 0.0f };
    const float other[3] = { 0.0f, 0.0f, 0.0f };  // P(other) = 1/3 < 0.5: not rejected for it
    const float photo[3] = { 0.0f, 0.0f, 1.0f };  // P(other) = e / (e + 2) = 0.576 >= 0.5
    CHECK(modality_gate(h, mri, 10.0f, 0.2).modality == "mri");
    CHECK_FALSE(modality_gate(h, other, 100.0f, 0.2).rejected);   // distance == limit passes
    CHECK(modality_gate(h, other, 100.5f, 0.2).reason == "unlike");
    CHECK(modality_gate(h, photo, 10.0f, 0.2).reason == "other");
    CHECK(modality_gate(h, photo, 1000.0f, 0.2).reason == "other");
    CHECK(modality_gate(h, photo, 1000.0f, 0.005).reason == "blank");
    CHECK(modality_gate(h, mri, NAN, 0.2).reason == "unlike");
    // exactly at p_other_max rejects: logits (0, 0, ln 2) give P(other) = 2/4
    const float half[3] = { 0.0f, 0.0f, (float) std::log(2.0) };
    CHECK(modality_gate(h, half, 1.0f, 0.2).p_other == Approx(0.5).epsilon(1e-6));
}

TEST_CASE("modality_contrast: population standard deviation") {
    const float flat[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
    const float two[4]  = { 0.0f, 1.0f, 0.0f, 1.0f };
    CHECK(modality_contrast(flat, 4) == 0.0);
    CHECK(modality_contrast(two, 4) == Approx(0.5));
    CHECK(modality_contrast(two, 0) == 0.0);
}

TEST_CASE("modality_choose: user > metadata > detector > default, with the disagreement warning") {
    const radz_package pkg = test_package();
    const float mri_sure[3] = { 0.0f, 5.0f, 0.0f };  // P(mri) = e^5 / (e^5 + 2) = 0.9867
    const modality_detection det = modality_gate(pkg.modality_head, mri_sure, 1.0f, 0.2);

    modality_choice c = modality_choose(pkg, "cxr", "mri", det);
    CHECK(c.modality == "cxr");
    CHECK(c.source == "user");
    CHECK(c.warning == "scored as cxr (your choice), but the detector says mri (P 0.99)");

    c = modality_choose(pkg, "auto", "cxr", det);
    CHECK(c.modality == "cxr");
    CHECK(c.source == "metadata");
    CHECK(c.warning == "scored as cxr (the file's metadata), but the detector says mri (P 0.99)");

    c = modality_choose(pkg, "", "", det);
    CHECK(c.modality == "mri");
    CHECK(c.source == "detector");
    CHECK(c.warning.empty());

    c = modality_choose(pkg, "mri", "", det);  // agreement: no warning
    CHECK(c.warning.empty());

    const float unsure[3] = { 0.0f, 1.0f, 0.0f };  // P(mri) = 0.576: not a strong disagreement
    CHECK(modality_choose(pkg, "cxr", "", modality_gate(pkg.modality_head, unsure, 1.0f, 0.2)).warning.empty());

    modality_detection none;  // a package without a head
    c = modality_choose(pkg, "", "", none);
    CHECK(c.modality == "cxr");
    CHECK(c.source == "default");
}

TEST_CASE("modality_rejection_message names the package's modalities and the reason") {
    const radz_package pkg = test_package();
    const float photo[3] = { 0.0f, 0.0f, 3.0f };
    modality_detection d = modality_gate(pkg.modality_head, photo, 1.0f, 0.2);
    CHECK(modality_rejection_message(pkg, d) ==
          "not a chest X-ray or brain MRI (looks like something else, such as a photo, a document or a screenshot: P(other) 0.91)");
    d = modality_gate(pkg.modality_head, photo, 1.0f, 0.0);
    CHECK(modality_rejection_message(pkg, d) == "not a chest X-ray or brain MRI (a blank frame: no contrast (standard deviation 0.0000))");
    const float cxr[3] = { 3.0f, 0.0f, 0.0f };
    d = modality_gate(pkg.modality_head, cxr, 250.0f, 0.2);
    CHECK(modality_rejection_message(pkg, d) ==
          "not a chest X-ray or brain MRI (unlike the images the detector knows: distance 250.0, limit 100.0)");
}
