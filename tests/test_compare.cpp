#include <catch2/catch.hpp>

#include "compare.h"

#include <cmath>

static results_doc base_doc() {
    results_doc d;
    d.program_name = "radz";
    d.program_version = "0.1.0";
    d.program_build = "native";
    d.package_name = "radz-tiny";
    d.package_manifest_sha256 = std::string(64, 'a');
    d.package_variant = "fp32";
    d.backend_execution_provider = "cpu";
    d.anchors_source = "package";
    d.anchors_sha256 = std::string(64, 'b');
    d.anchors_findings = 3;
    auto image = [](const char * file, char h, double l0, double l1, double l2) {
        results_image im;
        im.file = file;
        im.sha256 = std::string(64, h);
        im.modality = "mri";
        im.width = 64;
        im.height = 64;
        im.feature = { 0.6f, 0.8f };
        const double ls[3] = { l0, l1, l2 };
        const char * ids[3] = { "glioma", "meningioma", "notumor" };
        for (int k = 0; k < 3; k++) {
            results_finding f;
            f.id = ids[k];
            f.display = ids[k];
            f.logit = ls[k];
            f.cosine = 0.1 * ls[k];
            f.probability = 1.0 / (1.0 + std::exp(-ls[k]));
            f.calibrated = true;
            f.source = "package";
            im.findings.push_back(f);
        }
        return im;
    };
    d.images.push_back(image("a.jpg", 'c', 2.0, -1.0, 0.5));
    d.images.push_back(image("b.jpg", 'd', 0.3, 0.3005, -2.0));  // top-2 margin 5e-4 < logit tolerance
    return d;
}

TEST_CASE("compare: identical documents pass") {
    const results_doc a = base_doc();
    const compare_report r = compare_results(a, a, compare_tolerances());
    CHECK(r.pass);
    CHECK(r.n_images == 2);
    CHECK(r.n_pass == 2);
    CHECK(r.max_d_prob == 0.0);
    CHECK(r.any_feature_cos);
    CHECK(r.min_feature_cos == Approx(1.0).epsilon(1e-12));
    REQUIRE(r.images.size() == 2);
    CHECK(r.images[0].matched_by == "sha256");
    CHECK(r.images[0].top1_reference == "glioma");
    CHECK(r.images[0].top2_margin == 1.5);
    CHECK(compare_report_text(r, false).rfind("PASS: 2 images, 0 failed", 0) == 0);
}

TEST_CASE("compare: differences within and beyond tolerance") {
    const results_doc a = base_doc();
    results_doc b = a;
    b.images[0].findings[2].probability += 5e-5;  // within 1e-4
    b.images[0].findings[2].logit += 5e-4;        // within 1e-3
    compare_report r = compare_results(a, b, compare_tolerances());
    CHECK(r.pass);
    CHECK(r.max_d_prob == Approx(5e-5));

    b.images[0].findings[1].probability += 3e-4;
    r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.n_fail == 1);
    REQUIRE(r.images[0].problems.size() == 1);
    CHECK(r.images[0].problems[0] == "meningioma: |d probability| 3.00e-04 > 1.00e-04");
    CHECK_FALSE(r.images[0].findings[1].pass);
    CHECK(r.images[0].findings[2].pass);
    const std::string text = compare_report_text(r, false);
    CHECK(text.find("FAIL a.jpg (feature cosine 1)\n    meningioma: |d probability| 3.00e-04 > 1.00e-04\n") != std::string::npos);
    CHECK(text.find("b.jpg") == std::string::npos);  // passing images are listed only when verbose
    CHECK(compare_report_text(r, true).find("PASS b.jpg") != std::string::npos);
    CHECK(text.find("FAIL: 2 images, 1 failed") != std::string::npos);

    compare_tolerances loose;
    loose.prob = 1e-3;
    CHECK(compare_results(a, b, loose).pass);
}

TEST_CASE("compare: top-1 must agree unless the reference's top-2 margin is within the logit tolerance") {
    const results_doc a = base_doc();
    results_doc b = a;
    // image b: meningioma 0.3005 vs glioma 0.3 in the reference; the candidate swaps them
    b.images[1].findings[0].logit = 0.3003;
    b.images[1].findings[0].probability = 1.0 / (1.0 + std::exp(-0.3003));
    b.images[1].findings[1].logit = 0.3002;
    b.images[1].findings[1].probability = 1.0 / (1.0 + std::exp(-0.3002));
    compare_report r = compare_results(a, b, compare_tolerances());
    CHECK(r.pass);
    CHECK(r.images[1].top1_waived);
    CHECK_FALSE(r.images[1].top1_agree);
    CHECK(r.n_top1_waived == 1);

    // image a: a swap with margin 1.5 fails (the logits differ too, loose tolerances)
    results_doc c = a;
    c.images[0].findings[2].logit = 2.5;
    compare_tolerances loose;
    loose.prob = loose.cos = 1.0;
    loose.logit = 1.0;
    r = compare_results(a, c, loose);
    CHECK_FALSE(r.pass);
    CHECK(r.images[0].problems.back() == "top-1 differs: glioma vs notumor (reference margin 1.5)");
}

TEST_CASE("compare: one-sided images and findings fail, matching by sha256 then file") {
    const results_doc a = base_doc();
    results_doc b = a;
    b.images.pop_back();
    compare_report r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.images[1].problems == std::vector<std::string>({ "only in the reference" }));

    b = a;
    b.images[0].findings.pop_back();
    r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.images[0].problems == std::vector<std::string>({ "notumor: only in the reference" }));

    b = a;
    results_finding extra = b.images[0].findings[0];
    extra.id = "user_thing";
    extra.logit = -5;
    b.images[0].findings.push_back(extra);
    r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.images[0].problems == std::vector<std::string>({ "user_thing: only in the candidate" }));

    // order does not matter, hashes do
    b = a;
    std::swap(b.images[0], b.images[1]);
    b.images[0].file = "renamed.jpg";
    r = compare_results(a, b, compare_tolerances());
    CHECK(r.pass);

    // a side without a hash is matched by file name
    b = a;
    b.images[0].sha256.reset();
    r = compare_results(a, b, compare_tolerances());
    CHECK(r.pass);
    CHECK(r.images[0].matched_by == "file");

    // different hashes with the same name are different images
    b = a;
    b.images[0].sha256 = std::string(64, 'f');
    r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.n_images == 3);
    CHECK(r.images[2].problems == std::vector<std::string>({ "only in the candidate" }));
}

TEST_CASE("compare: features and errors") {
    const results_doc a = base_doc();
    results_doc b = a;
    b.images[0].feature = { 0.8f, 0.6f };
    compare_report r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.images[0].feature_cos == Approx(0.96).epsilon(1e-6));
    CHECK(r.images[0].problems[0].rfind("feature cosine 0.96", 0) == 0);
    b.images[0].feature.clear();  // one side without features: not compared
    CHECK(compare_results(a, b, compare_tolerances()).pass);

    b = a;
    b.images[1].findings.clear();
    b.images[1].error = results_error{ "decode", "b.jpg: truncated JPEG (no EOI marker)" };
    r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    CHECK(r.images[1].problems[0] == "candidate failed (decode: b.jpg: truncated JPEG (no EOI marker)), reference did not");
    results_doc c = b;
    CHECK(compare_results(b, c, compare_tolerances()).pass);  // failed the same way on both sides
    c.images[1].error->code = "limits";
    CHECK_FALSE(compare_results(b, c, compare_tolerances()).pass);
}

TEST_CASE("compare: the modality detector (schema 2) must agree; older documents are not checked for it") {
    results_doc a = base_doc();
    results_detection det;
    det.modality      = "mri";
    det.probabilities = { { "cxr", 0.01 }, { "mri", 0.98 } };
    det.other         = 0.01;
    det.distance      = 40.0;
    det.contrast      = 0.2;
    det.verdict       = "pass";
    for (auto & im : a.images) {
        im.modality_source = "detector";
        im.detection       = det;
    }
    CHECK(compare_results(a, a, compare_tolerances()).pass);

    results_doc b = a;
    b.images[0].detection->verdict = "rejected";
    b.images[0].detection->reason  = "unlike";
    b.images[0].detection->message = "not a chest X-ray or brain MRI (...)";
    compare_report r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.pass);
    REQUIRE_FALSE(r.images[0].problems.empty());
    CHECK(r.images[0].problems[0] == "gate verdict differs: pass vs rejected (unlike)");
    CHECK(r.images[1].pass);

    b = a;
    b.images[1].detection->probabilities[1].second = 0.98 + 2e-4;  // beyond the 1e-4 probability tolerance
    b.images[1].detection->distance = 40.0 + 0.05;                  // beyond 1e-3 relative
    r = compare_results(a, b, compare_tolerances());
    CHECK_FALSE(r.images[1].pass);
    CHECK(r.images[1].problems.size() == 2);

    b = a;
    b.images[0].modality_source = "user";
    b.images[1].detection.reset();
    r = compare_results(a, b, compare_tolerances());
    CHECK(r.images[0].problems[0] == "modality chosen by detector vs user");
    CHECK(r.images[1].problems[0] == "modality detection on the reference only");

    b.schema_version = 1;  // a version-1 candidate (the recipe's per-image results) has none of it
    CHECK(compare_results(a, b, compare_tolerances()).pass);
}
