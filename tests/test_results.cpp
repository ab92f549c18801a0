#include <catch2/catch.hpp>

#include "results.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

results_doc make_results() {
    results_doc d;
    d.program_name = "radz";
    d.program_version = "0.1.0";
    d.program_build = "native";
    d.package_name = "radz-tiny";
    d.package_manifest_sha256 = std::string(64, 'a');
    d.package_variant = "fp32";
    d.backend_execution_provider = "cpu";
    d.backend_threads = 2;
    d.anchors_source = "package";
    d.anchors_sha256 = std::string(64, 'b');
    d.anchors_findings = 2;
    results_image im;
    im.file = "00000013_005.png";
    im.sha256 = std::string(64, 'c');
    im.modality = "cxr";
    im.width = 64;
    im.height = 64;
    im.feature = { 0.1f, -0.2f, 0.3333333f, 1e-8f };
    im.findings = { { "Effusion", "Effusion", 0.1234, -0.52, 0.372852234, true, "package" },
                    { "No_Finding", "No finding", 0.2, 0.75, 0.679178699, false, "package" } };
    im.timings_ms = results_timings{ 0.2, 0.1, 3.1, 4.0, 0.01, 7.5 };
    d.images.push_back(im);
    results_image bad;
    bad.file = "broken.png";
    bad.modality = "cxr";
    bad.error = results_error{ "decode", "broken.png: truncated PNG (chunk IDAT ends early)" };
    d.images.push_back(bad);
    return d;
}

TEST_CASE("results: write then read gives the same document") {
    const results_doc d = make_results();
    std::string err;
    REQUIRE(results_validate(d, "r.json", &err));
    const std::string text = results_to_json(d);
    results_doc e;
    REQUIRE(results_parse(text, "r.json", &e, &err));
    CHECK(e.program_name == "radz");
    CHECK(e.backend_threads == 2);
    CHECK_FALSE(e.backend_adapter.has_value());
    CHECK(e.anchors_findings == 2);
    REQUIRE(e.images.size() == 2);
    const results_image & a = e.images[0];
    CHECK(a.sha256 == d.images[0].sha256);
    CHECK(a.width == 64);
    REQUIRE(a.feature.size() == 4);
    CHECK(memcmp(a.feature.data(), d.images[0].feature.data(), 4 * sizeof(float)) == 0);  // float32 round-trips
    REQUIRE(a.findings.size() == 2);
    CHECK(a.findings[0].logit == -0.52);
    CHECK(a.findings[0].probability == 0.372852234);
    CHECK(a.findings[1].display == "No finding");
    CHECK_FALSE(a.findings[1].calibrated);
    REQUIRE(a.timings_ms.has_value());
    CHECK(a.timings_ms->vision == 3.1);
    const results_image & b = e.images[1];
    CHECK_FALSE(b.sha256.has_value());
    CHECK_FALSE(b.width.has_value());
    REQUIRE(b.error.has_value());
    CHECK(b.error->code == "decode");
    CHECK(b.findings.empty());

    // what the schema shows: null sha256, no findings key on an error
    const nlohmann::json j = nlohmann::json::parse(text);
    CHECK(j["schema"] == "radz-results");
    CHECK(j["images"][1]["sha256"].is_null());
    CHECK_FALSE(j["images"][1].contains("findings"));
    CHECK(j["backend"]["adapter"].is_null());
}

TEST_CASE("results: one image's JSON is the document's, parsed alike") {
    const results_doc d    = make_results();
    const std::string text = results_to_json(d);
    const auto        j    = nlohmann::json::parse(text);
    for (size_t i = 0; i < d.images.size(); ++i) {
        const std::string one = results_image_to_json(d.images[i], d.schema_version);
        CHECK(text.find(one) != std::string::npos);
        CHECK(nlohmann::json::parse(one) == j["images"][i]);
    }
}

TEST_CASE("results: numbers are written with 9 significant digits") {
    results_doc d = make_results();
    d.images[0].findings[0].cosine = 0.123456789123;
    d.images[0].feature = { 0.1f };
    const std::string text = results_to_json(d);
    CHECK(text.find("\"cosine\": 0.123456789,") != std::string::npos);
    CHECK(text.find("\"feature\": [0.100000001]") != std::string::npos);
}

TEST_CASE("results: missing keys and bad values are named") {
    const std::string text = results_to_json(make_results());
    results_doc e;
    std::string err;

    nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
    j["images"][0]["findings"][0].erase("logit");
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0].findings[0]: missing key 'logit'");

    j = nlohmann::ordered_json::parse(text);
    j.erase("backend");
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: missing key 'backend'");

    j = nlohmann::ordered_json::parse(text);
    j["images"][0].erase("findings");
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0]: missing key 'findings'");

    j = nlohmann::ordered_json::parse(text);
    j["schema_version"] = 3;
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: schema_version: expected 0, 1 or 2, found 3 (this reader knows versions 0 to 2)");

    j = nlohmann::ordered_json::parse(text);   // version 2 keys are required in version 2
    j["images"][0].erase("modality_source");
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0]: missing key 'modality_source'");

    j = nlohmann::ordered_json::parse(text);
    j["images"][0]["detection"] = {{"modality", "cxr"}, {"probabilities", {{"cxr", 0.7}, {"mri", 0.2}}}, {"other", 0.1},
                                   {"distance", 3.5}, {"contrast", 0.2}, {"verdict", "maybe"}, {"reason", nullptr},
                                   {"message", nullptr}};
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0].detection.verdict: expected pass or rejected, found \"maybe\"");
    j["images"][0]["detection"]["verdict"] = "rejected";
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0].detection: reason and message are given exactly when the verdict is rejected");
    j["images"][0]["detection"]["reason"]  = "other";
    j["images"][0]["detection"]["message"] = "not a chest X-ray or brain MRI (...)";
    REQUIRE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(e.images[0].detection->verdict == "rejected");
    CHECK(e.images[0].detection->probabilities[1].first == "mri");
    {
        results_doc back;  // written and read back: the same text
        REQUIRE(results_parse(results_to_json(e), "b.json", &back, &err));
        CHECK(results_to_json(back) == results_to_json(e));
        CHECK(results_to_json(e).find("\"verdict\": \"rejected\", \"reason\": \"other\"") != std::string::npos);
    }
    j["images"][0]["detection"]["other"] = 0.3;  // 0.7 + 0.2 + 0.3 != 1
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0].detection: probabilities and other do not sum to 1");

    j = nlohmann::ordered_json::parse(text);
    j["images"][0]["findings"][1]["probability"] = 1.5;
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0].findings[1].probability: outside [0, 1]");

    j = nlohmann::ordered_json::parse(text);
    j["images"][1]["error"]["code"] = "oops";
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[1].error.code: expected read, limits, decode, model or inference, found \"oops\"");

    j = nlohmann::ordered_json::parse(text);
    j["images"][0]["sha256"] = 5;
    CHECK_FALSE(results_parse(j.dump(), "a.json", &e, &err));
    CHECK(err == "a.json: images[0].sha256: expected a string, found 5");

    j = nlohmann::ordered_json::parse(text);
    j["unknown_later_key"] = { 1, 2 };
    j["images"][0]["another"] = "x";
    CHECK(results_parse(j.dump(), "a.json", &e, &err));
}

TEST_CASE("results: non-finite values are refused before writing") {
    results_doc d = make_results();
    d.images[0].findings[0].logit = NAN;
    std::string err;
    CHECK_FALSE(results_validate(d, "out.json", &err));
    CHECK(err == "out.json: images[0].findings[0]: cosine, logit and probability must be finite");
    CHECK_FALSE(results_save(d, "/nonexistent-dir/out.json", &err));
}

TEST_CASE("results: a golden's null manifest_sha256 reads as empty and writes back as null") {
    results_doc d = make_results();
    d.package_manifest_sha256.clear();
    const std::string text = results_to_json(d);
    CHECK(nlohmann::json::parse(text)["package"]["manifest_sha256"].is_null());
    results_doc e;
    std::string err;
    REQUIRE(results_parse(text, "golden.json", &e, &err));
    CHECK(e.package_manifest_sha256.empty());
}
