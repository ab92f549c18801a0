// The evidence for a package's scores (core/evidence.h, docs/model-package.md section 10): the
// no_signal rule, evidence.json parsing and its errors, applying evidence to anchor tables
// (version-1 evidence, the version-0 fallback from the calibration scale, saved tables, user
// findings), and the flag reaching scores and results documents.
#include <catch2/catch.hpp>

#include "evidence.h"
#include "results.h"
#include "scoring.h"
#include "sha256.h"

#include <nlohmann/json.hpp>

#include <string>

using ojson = nlohmann::ordered_json;

static anchor_finding ev_finding(const std::string & id, const std::string & modality, std::vector<float> anchor,
                                 anchor_calibration cal) {
    anchor_finding f;
    f.id           = id;
    f.display      = id;
    f.modality     = modality;
    f.source       = "package";
    f.descriptions = {"description of " + id};
    f.anchor       = anchor;
    f.calibration  = cal;
    return f;
}

// Like the shipped table: a finding whose fit clamped a non-positive slope to the 0.001 floor,
// one with a real slope, a held-out (label-free) one, and a brain MRI class.
static anchor_table ev_table() {
    anchor_table t;
    t.package     = "radz-tiny";
    t.variant     = "fp32";
    t.binding     = {sha256_hex(std::string("v")), sha256_hex(std::string("d")), sha256_hex(std::string("e")),
                     sha256_hex(std::string("t")), sha256_hex(std::string("r"))};
    t.feature_dim = 2;
    t.modalities  = {{"cxr", 0.2, 0.6}, {"mri", 0.5, 4.0}};
    t.findings.push_back(ev_finding("Nodule", "cxr", {0.6f, 0.8f}, {"labels", -0.4, 0.001}));
    t.findings.push_back(ev_finding("Effusion", "cxr", {0.8f, 0.6f}, {"labels", -0.25, 11.45}));
    t.findings.push_back(ev_finding("Emphysema", "cxr", {1.0f, 0.0f}, {"label_free", -0.38, 9.2}));
    t.findings.back().held_out = true;
    t.findings.push_back(ev_finding("glioma", "mri", {0.0f, 1.0f}, {"labels", 0.08, 23.6}));
    return t;
}

static ojson ev_json() {
    return {{"format", "radz-evidence"},
            {"format_version", 0},
            {"package", "radz-tiny"},
            {"sources",
             {{"oof", {{"description", "pooled 5-fold out-of-fold evaluation"}}},
              {"calibration_fit", {{"description", "logistic fit of the training labels"}}}}},
            {"variants",
             {{"fp32",
               {{"anchors", "anchors.fp32.json"},
                {"anchors_sha256", sha256_hex(std::string("anchors"))},
                {"findings",
                 {{{"modality", "cxr"}, {"id", "Nodule"}, {"source", "oof"}, {"auc", 0.26},
                   {"auc_ci", {0.187, 0.375}}, {"positives", 39}, {"images", 1000}},
                  {{"modality", "cxr"}, {"id", "Effusion"}, {"source", "oof"}, {"auc", 0.687},
                   {"auc_ci", {0.598, 0.764}}, {"positives", 170}, {"images", 1000}},
                  {{"modality", "cxr"}, {"id", "Emphysema"}, {"source", "oof"}, {"auc", 0.36},
                   {"auc_ci", {0.198, 0.471}}, {"positives", 37}, {"images", 1000}},
                  {{"modality", "mri"}, {"id", "glioma"}, {"source", "calibration_fit"}, {"slope", 23.6}}}}}}}}};
}

static std::string parse_error(const ojson & j) {
    evidence_doc doc;
    std::string  err;
    if (evidence_parse(j.dump(), "evidence.json", &doc, &err)) {
        return "";
    }
    return err;
}

TEST_CASE("evidence: the no_signal rule") {
    finding_evidence ev;
    CHECK_FALSE(evidence_no_signal(ev));  // no evidence: not marked
    ev.has_auc = true;
    ev.auc     = 0.26;
    ev.auc_low = 0.187;
    ev.auc_high = 0.375;
    CHECK(evidence_no_signal(ev));        // below 0.5
    ev.auc     = 0.523;
    ev.auc_low = 0.365;
    ev.auc_high = 0.689;
    CHECK(evidence_no_signal(ev));        // the interval includes 0.5
    ev.auc_low = 0.5;
    CHECK(evidence_no_signal(ev));        // touching 0.5 is including it
    ev.auc_low = 0.501;
    CHECK_FALSE(evidence_no_signal(ev));
    // An AUC decides over a slope.
    ev.has_slope = true;
    ev.slope     = -3.0;
    CHECK_FALSE(evidence_no_signal(ev));
    ev.has_auc = false;
    CHECK(evidence_no_signal(ev));        // a negative slope
    ev.slope = 0.0;
    CHECK(evidence_no_signal(ev));
    ev.slope = evidence_slope_floor;      // the calibration's floor: the fit found no positive slope
    CHECK(evidence_no_signal(ev));
    ev.slope = 0.5;
    CHECK_FALSE(evidence_no_signal(ev));
}

TEST_CASE("evidence: evidence.json parses, with the source's description") {
    evidence_doc doc;
    std::string  err;
    REQUIRE(evidence_parse(ev_json().dump(), "evidence.json", &doc, &err));
    CHECK(doc.package == "radz-tiny");
    REQUIRE(doc.variants.count("fp32") == 1);
    const evidence_variant & v = doc.variants.at("fp32");
    REQUIRE(v.findings.size() == 4);
    CHECK(v.findings[0].id == "Nodule");
    CHECK(v.findings[0].evidence.has_auc);
    CHECK_FALSE(v.findings[0].evidence.has_slope);
    CHECK(v.findings[0].evidence.auc_low == 0.187);
    CHECK(v.findings[0].evidence.positives == 39);
    CHECK(v.findings[0].evidence.description == "pooled 5-fold out-of-fold evaluation");
    CHECK(v.findings[3].evidence.has_slope);
    CHECK(v.findings[3].evidence.positives == -1);
    CHECK(evidence_summary(v.findings[0].evidence) ==
          "AUC 0.260 (95% CI 0.187-0.375), 39 positives of 1000 images [oof]");
    CHECK(evidence_summary(v.findings[3].evidence) == "calibration slope 23.6 [calibration_fit]");
}

TEST_CASE("evidence: bad evidence.json is refused naming the field") {
    ojson j = ev_json();
    j["format"] = "radz-something";
    CHECK(parse_error(j) == "evidence.json: format: expected \"radz-evidence\", found \"radz-something\"");
    j = ev_json();
    j["format_version"] = 1;
    CHECK(parse_error(j) == "evidence.json: format_version: expected 0, found 1 (this reader knows version 0 only)");
    j = ev_json();
    j["variants"]["fp32"]["findings"][0]["source"] = "rumour";
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[0].source: 'rumour' is not a key of sources");
    j = ev_json();
    j["variants"]["fp32"]["findings"][1]["auc_ci"] = {0.8, 0.6};
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[1].auc_ci: expected [low, high] with 0 <= low "
                            "<= high <= 1, found [0.8,0.6]");
    j = ev_json();
    j["variants"]["fp32"]["findings"][1].erase("auc_ci");
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[1]: missing key 'auc_ci'");
    j = ev_json();
    j["variants"]["fp32"]["findings"][1]["auc"] = 1.5;
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[1].auc: expected 0 .. 1, found 1.5");
    j = ev_json();
    j["variants"]["fp32"]["findings"][3].erase("slope");
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[3]: expected auc with auc_ci, or slope; found neither");
    j = ev_json();
    j["variants"]["fp32"]["findings"][3]["id"] = "Nodule";
    j["variants"]["fp32"]["findings"][3]["modality"] = "cxr";
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[3]: finding cxr/Nodule is listed twice");
    j = ev_json();
    j["variants"]["fp32"]["findings"][0]["positives"] = -2;
    CHECK(parse_error(j) == "evidence.json: variants.fp32.findings[0].positives: expected an integer >= 0, found -2");
    j = ev_json();
    j["variants"]["fp32"]["anchors_sha256"] = "abc";
    CHECK(parse_error(j) == "evidence.json: variants.fp32.anchors_sha256: expected 64 lower-case hex digits, found \"abc\"");
    j = ev_json();
    j["sources"]["oof"]["description"] = "two\nlines";
    CHECK(parse_error(j) == "evidence.json: sources.oof.description: expected one non-empty line");
    CHECK(parse_error(ojson::array()) == "evidence.json: expected a JSON object, found an array");
}

TEST_CASE("evidence: checked against the variant's anchor table") {
    evidence_doc doc;
    std::string  err;
    REQUIRE(evidence_parse(ev_json().dump(), "evidence.json", &doc, &err));
    const anchor_table       t   = ev_table();
    const evidence_variant & v   = doc.variants.at("fp32");
    const std::string        sha = sha256_hex(std::string("anchors"));
    CHECK(evidence_check_variant(v, "fp32", t, sha, "evidence.json", &err));
    CHECK_FALSE(evidence_check_variant(v, "fp32", t, sha256_hex(std::string("other")), "evidence.json", &err));
    CHECK(err.rfind("evidence.json: variants.fp32.anchors_sha256: evidence for another anchor table", 0) == 0);
    anchor_table fewer = t;
    fewer.findings.erase(fewer.findings.begin());
    CHECK_FALSE(evidence_check_variant(v, "fp32", fewer, sha, "evidence.json", &err));
    CHECK(err == "evidence.json: variants.fp32.findings[0]: no finding cxr/Nodule in anchors.fp32.json");
}

TEST_CASE("evidence: applied to the package's table, held-out findings included") {
    evidence_doc doc;
    std::string  err;
    REQUIRE(evidence_parse(ev_json().dump(), "evidence.json", &doc, &err));
    anchor_table t = ev_table();
    evidence_apply(&t, &doc.variants.at("fp32"), nullptr);
    CHECK(t.findings[0].has_evidence);
    CHECK(t.findings[0].no_signal);        // Nodule: AUC 0.26
    CHECK(t.findings[1].has_evidence);
    CHECK_FALSE(t.findings[1].no_signal);  // Effusion: 0.598-0.764
    CHECK(t.findings[2].no_signal);        // Emphysema, held out: its out-of-fold AUC says so
    CHECK(t.findings[2].calibration.kind == "label_free");  // and it stays uncalibrated
    CHECK_FALSE(t.findings[3].no_signal);  // glioma: slope 23.6
    CHECK(t.findings[3].evidence.has_slope);

    // Scores are unchanged; the flag travels with them.
    const float feature[2] = {0.6f, 0.8f};
    std::vector<finding_score> scores;
    REQUIRE(scoring_score_image(t, "cxr", feature, 2, &scores, &err));
    REQUIRE(scores.size() == 3);
    CHECK(scores[0].no_signal);
    CHECK_FALSE(scores[1].no_signal);
    anchor_table plain = ev_table();
    std::vector<finding_score> plain_scores;
    REQUIRE(scoring_score_image(plain, "cxr", feature, 2, &plain_scores, &err));
    for (size_t i = 0; i < scores.size(); ++i) {
        CHECK(scores[i].logit == plain_scores[i].logit);
        CHECK(scores[i].probability == plain_scores[i].probability);
    }
}

TEST_CASE("evidence: a version-0 package's evidence comes from the calibration scale") {
    anchor_table t = ev_table();
    evidence_apply(&t, nullptr, nullptr);
    CHECK(t.findings[0].has_evidence);
    CHECK(t.findings[0].evidence.source == "calibration_scale");
    CHECK(t.findings[0].no_signal);         // Nodule: scale 0.001, the floor of a non-positive slope
    CHECK(t.findings[1].has_evidence);
    CHECK_FALSE(t.findings[1].no_signal);   // Effusion: 11.45
    CHECK_FALSE(t.findings[2].has_evidence); // held out, label-free, no evaluation: no evidence
    CHECK_FALSE(t.findings[2].no_signal);
}

TEST_CASE("evidence: user findings and changed package findings of a saved table have none") {
    evidence_doc doc;
    std::string  err;
    REQUIRE(evidence_parse(ev_json().dump(), "evidence.json", &doc, &err));
    anchor_table reference = ev_table();
    evidence_apply(&reference, &doc.variants.at("fp32"), nullptr);

    anchor_table saved = ev_table();
    saved.findings[1].calibration.threshold = -0.1;  // Effusion recalibrated by someone
    anchor_finding user = ev_finding("Rib_fracture", "cxr", {0.0f, 1.0f}, {"label_free", 0.1, 3.0});
    user.source = "user";
    saved.findings.push_back(user);
    anchor_finding fake = ev_finding("Nodule", "mri", {0.0f, 1.0f}, {"labels", 0.1, 3.0});
    saved.findings.push_back(fake);  // same id, other modality: not the package's finding
    evidence_apply(&saved, &doc.variants.at("fp32"), &reference);
    CHECK(saved.findings[0].no_signal);          // Nodule unchanged: keeps the package's evidence
    CHECK_FALSE(saved.findings[1].has_evidence); // changed: the evidence was about another calibration
    CHECK(saved.findings[2].has_evidence);
    CHECK_FALSE(saved.findings[4].has_evidence); // user finding: uncalibrated, no evidence until evaluated
    CHECK_FALSE(saved.findings[4].no_signal);
    CHECK_FALSE(saved.findings[5].has_evidence);

    // The anchor table file does not carry evidence: saving and reading give the table's bytes.
    const std::string text = anchor_table_to_json(reference);
    CHECK(text.find("no_signal") == std::string::npos);
    CHECK(text.find("evidence") == std::string::npos);
}

TEST_CASE("evidence: results documents carry no_signal (schema version 1) and still read version 0") {
    results_doc d;
    d.program_name               = "radz";
    d.program_version            = "0.1.0";
    d.program_build              = "native";
    d.package_name               = "radz-tiny";
    d.package_variant            = "fp32";
    d.backend_execution_provider = "cpu";
    d.anchors_source             = "package";
    d.anchors_sha256             = std::string(64, 'b');
    results_image im;
    im.file     = "a.png";
    im.sha256   = std::string(64, 'c');
    im.modality = "cxr";
    results_finding nodule{"Nodule", "Nodule", 0.1, 0.0001, 0.500025, true, "package"};
    nodule.no_signal = true;
    im.findings = {nodule, {"Effusion", "Effusion", 0.2, 0.5, 0.62, true, "package"}};
    d.images.push_back(im);
    CHECK(d.schema_version == 2);
    std::string err;
    const std::string text = results_to_json(d);
    CHECK(text.find("\"no_signal\": true") != std::string::npos);
    results_doc e;
    REQUIRE(results_parse(text, "r.json", &e, &err));
    CHECK(e.schema_version == 2);
    CHECK(e.images[0].findings[0].no_signal);
    CHECK_FALSE(e.images[0].findings[1].no_signal);
    CHECK(e.images[0].findings[0].probability == 0.500025);  // the numbers stay in the document

    ojson j = ojson::parse(text);
    j["images"][0]["findings"][0].erase("no_signal");
    CHECK_FALSE(results_parse(j.dump(), "r.json", &e, &err));
    CHECK(err == "r.json: images[0].findings[0]: missing key 'no_signal'");
    j["schema_version"] = 0;  // a version-0 document (goldens, the recipe's results) has none
    REQUIRE(results_parse(j.dump(), "r.json", &e, &err));
    CHECK_FALSE(e.images[0].findings[0].no_signal);
    d.schema_version = 0;
    CHECK(results_to_json(d).find("no_signal") == std::string::npos);
}
