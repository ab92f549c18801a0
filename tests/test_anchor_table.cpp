#include <catch2/catch.hpp>

#include "anchor_table.h"
#include "file_io.h"
#include "sha256.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unistd.h>

static anchor_finding make_finding(const std::string & id, const std::string & modality, std::vector<float> anchor) {
    anchor_finding f;
    f.id = id;
    f.display = id;
    f.modality = modality;
    f.kind = "finding";
    f.source = "package";
    f.descriptions = { "description of " + id };
    f.anchor = anchor;
    f.calibration = { "labels", 0.125, 21.5 };
    return f;
}

static anchor_table make_table() {
    anchor_table t;
    t.package = "radz-tiny";
    t.variant = "fp32";
    t.binding = { sha256_hex(std::string("v")), sha256_hex(std::string("d")), sha256_hex(std::string("e")),
                  sha256_hex(std::string("t")), sha256_hex(std::string("r")) };
    t.dkam_template = "Instruction: recognise this finding on a {modality}. Finding: {name}. Description: {description}";
    t.feature_dim = 2;
    t.modalities = { { "cxr", 0.8, 1.7 }, { "mri", -0.25, 2.0 } };
    t.findings.push_back(make_finding("Effusion", "cxr", { 0.6f, 0.8f }));
    t.findings.push_back(make_finding("No_Finding", "cxr", { 1.0f, 0.0f }));
    t.findings.back().kind = "normal";
    t.findings.push_back(make_finding("glioma", "mri", { 0.0f, 1.0f }));
    t.findings.back().calibration = { "label_free", -0.0123456789, 3.25 };
    t.findings.back().held_out = true;
    t.findings.back().descriptions.push_back("a second \"quoted\" description\nwith a newline");
    return t;
}

static std::string temp_path(const char * name) {
    char tmpl[] = "/tmp/radz_test_anchor_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return std::string(tmpl) + "/" + name;
}

TEST_CASE("anchor table: save then load gives the same table") {
    const anchor_table t = make_table();
    std::string err;
    REQUIRE(anchor_table_validate(t, "t", &err));
    const std::string path = temp_path("anchors.fp32.json");
    REQUIRE(anchor_table_save(t, path, &err));
    anchor_table u;
    REQUIRE(anchor_table_load(path, &u, &err));
    CHECK(u.package == t.package);
    CHECK(u.variant == t.variant);
    CHECK(u.binding.decoder == t.binding.decoder);
    CHECK(u.dkam_template == t.dkam_template);
    REQUIRE(u.modalities.size() == 2);
    CHECK(u.modalities[1].z == -0.25);
    REQUIRE(u.findings.size() == t.findings.size());
    for (size_t i = 0; i < t.findings.size(); i++) {
        CHECK(u.findings[i].id == t.findings[i].id);
        CHECK(u.findings[i].kind == t.findings[i].kind);
        CHECK(u.findings[i].held_out == t.findings[i].held_out);
        CHECK(u.findings[i].descriptions == t.findings[i].descriptions);
        CHECK(u.findings[i].anchor == t.findings[i].anchor);  // float32 round-trips exactly with 9 digits
        CHECK(u.findings[i].calibration.kind == t.findings[i].calibration.kind);
        CHECK(u.findings[i].calibration.threshold == Approx(t.findings[i].calibration.threshold).epsilon(1e-8));
    }
    // the written text is what the contract shows: 9 significant digits
    std::string text;
    REQUIRE(file_read_text(path, &text, 1 << 20, &err));
    CHECK(text.find("\"threshold\": -0.0123456789") != std::string::npos);
    CHECK(nlohmann::json::parse(text)["format"] == "radz-anchor-table");
    unlink(path.c_str());
    rmdir(path.substr(0, path.rfind('/')).c_str());
}

TEST_CASE("anchor table: float32 anchors round-trip bit-exactly") {
    anchor_table t = make_table();
    t.feature_dim = 64;
    uint32_t seed = 7;
    for (anchor_finding & f : t.findings) {
        f.anchor.resize(64);
        double ss = 0.0;
        for (float & v : f.anchor) {
            seed = seed * 1664525u + 1013904223u;
            v = (float) ((double) (seed >> 8) / (1 << 24) - 0.5);
            ss += (double) v * v;
        }
        for (float & v : f.anchor) v = (float) (v / std::sqrt(ss));
    }
    anchor_table u;
    std::string err;
    REQUIRE(anchor_table_parse(anchor_table_to_json(t), "x.json", &u, &err));
    for (size_t i = 0; i < t.findings.size(); i++) {
        REQUIRE(memcmp(u.findings[i].anchor.data(), t.findings[i].anchor.data(), 64 * sizeof(float)) == 0);
    }
}

TEST_CASE("anchor table: validation errors name the table and field") {
    std::string err;
    anchor_table t = make_table();
    t.findings[0].anchor = { 0.6f, 0.7f };
    CHECK_FALSE(anchor_table_validate(t, "anchors.fp32.json", &err));
    CHECK(err == "anchors.fp32.json: findings[0].anchor: L2 norm 0.921954, expected 1 within 0.001");

    t = make_table();
    t.findings[0].anchor = { 0.6f, 0.8f, 0.0f };
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[0].anchor: expected 2 values (feature_dim), found 3");

    t = make_table();
    t.findings[1].anchor[1] = std::numeric_limits<float>::quiet_NaN();
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[1].anchor[1]: not a finite number");

    t = make_table();
    t.findings[1].id = "Effusion";
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[1].id: 'Effusion' is already findings[0] of modality 'cxr'");

    t = make_table();
    t.findings[2].id = "Effusion";  // same id in another modality is fine
    CHECK(anchor_table_validate(t, "a.json", &err));
    t.findings[2].id = "effusion";  // ids compare case-sensitively
    CHECK(anchor_table_validate(t, "a.json", &err));

    t = make_table();
    t.findings[0].calibration.kind = "guess";
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[0].calibration.kind: expected \"labels\" or \"label_free\", found \"guess\"");

    t = make_table();
    t.findings[0].calibration.scale = 0.0;
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[0].calibration.scale: expected a finite number > 0, found 0");

    t = make_table();
    t.findings[0].modality = "ct";
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[0].modality: 'ct' is not in modalities");

    t = make_table();
    t.findings[0].descriptions = { "" };
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: findings[0].descriptions[0]: empty description");

    t = make_table();
    t.binding.tokenizer = "ABC";
    CHECK_FALSE(anchor_table_validate(t, "a.json", &err));
    CHECK(err == "a.json: binding.tokenizer: expected 64 lower-case hex digits, found \"ABC\"");
}

TEST_CASE("anchor table: parse errors") {
    nlohmann::json j = nlohmann::json::parse(anchor_table_to_json(make_table()));
    anchor_table t;
    std::string err;
    j["findings"][1].erase("calibration");
    CHECK_FALSE(anchor_table_parse(j.dump(), "anchors.fp32.json", &t, &err));
    CHECK(err == "anchors.fp32.json: findings[1]: missing key 'calibration'");

    j = nlohmann::json::parse(anchor_table_to_json(make_table()));
    j["findings"][0]["anchor"][1] = "0.8";
    CHECK_FALSE(anchor_table_parse(j.dump(), "anchors.fp32.json", &t, &err));
    CHECK(err == "anchors.fp32.json: findings[0].anchor[1]: expected a number, found \"0.8\"");

    j = nlohmann::json::parse(anchor_table_to_json(make_table()));
    j["format_version"] = 2;
    CHECK_FALSE(anchor_table_parse(j.dump(), "user.json", &t, &err));
    CHECK(err == "user.json: format_version: expected 0, found 2 (this reader knows version 0 only)");

    CHECK_FALSE(anchor_table_parse("[1, 2", "user.json", &t, &err));
    CHECK(err.rfind("user.json: not valid JSON (", 0) == 0);

    // Found by the anchors fuzz target: a value quoted in an error, and a key in its path, are
    // shown on one line (tests/fuzz/regressions/anchors/error_quotes_a_line_break.json).
    j = nlohmann::json::parse(anchor_table_to_json(make_table()));
    j["format"] = "radz-\nchor-table";
    CHECK_FALSE(anchor_table_parse(j.dump(), "a.json", &t, &err));
    CHECK(err == "a.json: format: expected \"radz-anchor-table\", found \"radz-\\nchor-table\"");
    j = nlohmann::json::parse(anchor_table_to_json(make_table()));
    j["findings"][0]["kind"] = "find\r\ning\x01";
    CHECK_FALSE(anchor_table_parse(j.dump(), "a.json", &t, &err));
    CHECK(err.find('\n') == std::string::npos);
    CHECK(err.find("found \"find\\r\\ning?\"") != std::string::npos);
}

TEST_CASE("anchor table: binding to the running variant") {
    const anchor_table t = make_table();
    anchor_binding b = t.binding;
    std::string err;
    CHECK(anchor_table_check_binding(t, b, &err));
    b.decoder = sha256_hex(std::string("another decoder"));
    const std::map<std::string, std::string> names = { { "decoder", "decoder.fp32.onnx" } };
    CHECK_FALSE(anchor_table_check_binding(t, b, &err, &names));
    CHECK(err == "anchors from another model: decoder.fp32.onnx differs (table " + t.binding.decoder.substr(0, 12) +
                 "..., model " + b.decoder.substr(0, 12) + "...)");
    CHECK_FALSE(anchor_table_check_binding(t, b, &err));
    CHECK(err.rfind("anchors from another model: decoder differs", 0) == 0);
}

static reference_features make_reference() {
    // E = 2; cxr rows 0..3, mri rows 4..5
    const float rows[6][2] = { { 1.0f, 0.0f }, { 0.0f, 1.0f }, { 0.6f, 0.8f }, { 0.8f, 0.6f }, { 1.0f, 0.0f }, { 0.0f, 1.0f } };
    std::vector<uint8_t> bytes(sizeof(rows));
    memcpy(bytes.data(), rows, sizeof(rows));  // little-endian host
    reference_features ref;
    std::string err;
    REQUIRE(reference_features_from_bytes(bytes.data(), bytes.size(), 2, { { "cxr", { 0, 4 } }, { "mri", { 4, 6 } } }, "ref.bin", &ref, &err));
    return ref;
}

TEST_CASE("label-free calibration, hand-computed") {
    const reference_features ref = make_reference();
    CHECK(ref.n_rows == 6);
    anchor_calibration cal;
    std::string err;
    // cosines with (1, 0) over cxr: 1, 0, 0.6f, 0.8f
    REQUIRE(anchor_label_free_calibration({ 1.0f, 0.0f }, ref, "cxr", 0.8, 1.7, &cal, &err));
    const double c[4] = { 1.0, 0.0, (double) 0.6f, (double) 0.8f };
    const double mu = (c[0] + c[1] + c[2] + c[3]) / 4;
    double var = 0;
    for (double x : c) var += (x - mu) * (x - mu);
    const double sd = std::sqrt(var / 4);  // population sd
    CHECK(sd == Approx(std::sqrt(0.14)).epsilon(1e-6));
    CHECK(cal.kind == "label_free");
    CHECK(cal.threshold == Approx(mu + 0.8 * sd).epsilon(1e-14));
    CHECK(cal.scale == Approx(1.7 / sd).epsilon(1e-14));

    // no spread: every mri row has the same cosine with (0.6, 0.8)? rows (1,0), (0,1) -> 0.6, 0.8: spread 0.1
    REQUIRE(anchor_label_free_calibration({ 0.6f, 0.8f }, ref, "mri", 0.0, 1.0, &cal, &err));
    CHECK(cal.scale == Approx(10.0).epsilon(1e-6));
    CHECK_FALSE(anchor_label_free_calibration({ 0.70710678f, 0.70710678f }, ref, "mri", 0.0, 1.0, &cal, &err));
    CHECK(err == "label-free calibration of modality 'mri': the cosine to the reference features has no spread");
    CHECK_FALSE(anchor_label_free_calibration({ 1.0f, 0.0f }, ref, "ct", 0.0, 1.0, &cal, &err));
    CHECK(err == "no reference features for modality 'ct'");
}

TEST_CASE("anchor table: add, find, remove") {
    anchor_table t = make_table();
    const reference_features ref = make_reference();
    std::string err;
    anchor_finding f = make_finding("Pneumonia_in_the_left_lobe", "cxr", { 1.0f, 0.0f });
    f.source = "user";
    f.calibration = { "labels", 9.0, 9.0 };  // overwritten: user findings are label-free
    REQUIRE(anchor_table_add(&t, f, ref, &err));
    REQUIRE(t.findings.size() == 4);
    CHECK(anchor_table_find(t, "cxr", "Pneumonia_in_the_left_lobe") == 3);
    CHECK(t.findings[3].calibration.kind == "label_free");
    anchor_calibration want;
    REQUIRE(anchor_label_free_calibration({ 1.0f, 0.0f }, ref, "cxr", 0.8, 1.7, &want, &err));
    CHECK(t.findings[3].calibration.threshold == want.threshold);
    CHECK(t.findings[3].calibration.scale == want.scale);
    CHECK(anchor_table_count(t, "cxr") == 3);
    CHECK(anchor_table_validate(t, "t", &err));

    CHECK_FALSE(anchor_table_add(&t, f, ref, &err));
    CHECK(err == "finding 'Pneumonia_in_the_left_lobe': the modality 'cxr' already has a finding with this id");
    f.modality = "mri";  // the same id in another modality is a different finding
    CHECK(anchor_table_add(&t, f, ref, &err));
    f.id = "x";
    f.modality = "ct";
    CHECK_FALSE(anchor_table_add(&t, f, ref, &err));
    CHECK(err == "finding 'x': modality 'ct' is not in the anchor table");
    f.modality = "cxr";
    f.anchor = { 2.0f, 0.0f };
    CHECK_FALSE(anchor_table_add(&t, f, ref, &err));
    CHECK(err == "finding 'x'.anchor: L2 norm 2, expected 1 within 0.001");

    CHECK(anchor_table_remove(&t, "cxr", "Effusion", &err));
    CHECK(anchor_table_find(t, "cxr", "Effusion") == -1);
    CHECK(anchor_table_find(t, "cxr", "No_Finding") == 0);
    CHECK_FALSE(anchor_table_remove(&t, "cxr", "Effusion", &err));
    CHECK(err == "no finding 'Effusion' in modality 'cxr'");
}

TEST_CASE("anchor from description features, DKAM template, user ids") {
    std::vector<float> a;
    std::string err;
    REQUIRE(anchor_mean_normalised({ { 1.0f, 0.0f }, { 0.0f, 1.0f } }, &a, &err));
    CHECK(a[0] == (float) (0.5 / std::sqrt(0.5)));
    CHECK(a[1] == a[0]);
    CHECK_FALSE(anchor_mean_normalised({}, &a, &err));
    CHECK_FALSE(anchor_mean_normalised({ { 1.0f, 0.0f }, { -1.0f, 0.0f } }, &a, &err));
    CHECK_FALSE(anchor_mean_normalised({ { 1.0f, 0.0f }, { 1.0f } }, &a, &err));

    CHECK(dkam_fill_template("Instruction: recognise this finding on a {modality}. Finding: {name}. Description: {description}",
                             "Chest X-ray", "Effusion", "Blunting of the costophrenic angle") ==
          "Instruction: recognise this finding on a Chest X-ray. Finding: Effusion. Description: Blunting of the costophrenic angle");
    CHECK(dkam_fill_template("{name}/{name} {description} {other}", "M", "N", "uses {name} literally") ==
          "N/N uses {name} literally {other}");

    CHECK(anchor_id_from_name("Pleural thickening") == "Pleural_thickening");
}

TEST_CASE("reference features: sizes and ranges") {
    std::vector<uint8_t> bytes(4 * 2 * 3 + 4, 0);
    reference_features ref;
    std::string err;
    CHECK_FALSE(reference_features_from_bytes(bytes.data(), bytes.size(), 2, {}, "reference.fp32.bin", &ref, &err));
    CHECK(err == "reference.fp32.bin: 28 bytes, not a whole number of float32 rows of 2");
    bytes.resize(24);
    CHECK_FALSE(reference_features_from_bytes(bytes.data(), bytes.size(), 2, { { "cxr", { 1, 4 } } }, "reference.fp32.bin", &ref, &err));
    CHECK(err == "reference.fp32.bin: rows of 'cxr' [1, 4) are outside the file's 3 rows");
    CHECK(reference_features_from_bytes(bytes.data(), bytes.size(), 2, { { "cxr", { 1, 3 } } }, "reference.fp32.bin", &ref, &err));
}
