// The pipeline end to end through the real ONNX Runtime backend (CPU provider) on a model
// package (RADZ_TEST_PACKAGE, the recipe's quick package by default; the environment variable
// RADZ_TEST_PACKAGE_DIR, when set, names another: tests/runtime.cmake runs it on the quick package
// with brain MRI at 128 px too), against the package's
// golden/golden.json written by PyTorch: pixels, token ids, anchor features, image features and
// probabilities within the tolerances of docs/model-package.md section 9; batch vs single;
// quantized variants at task level; bad inputs.
#include "backend_ort.h"
#include "file_io.h"
#include "image.h"
#include "package.h"
#include "pipeline.h"
#include "sha256.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#ifndef RADZ_TEST_PACKAGE
#define RADZ_TEST_PACKAGE "build/quick-package"
#endif

namespace {

using json = nlohmann::json;

std::string test_package_dir() {
    const char * dir = std::getenv("RADZ_TEST_PACKAGE_DIR");
    return dir && *dir ? std::string(dir) : std::string(RADZ_TEST_PACKAGE);
}

const std::string k_pkg_dir = test_package_dir();

// One backend and one opened pipeline per variant for the whole test run.
struct fixture {
    radz_package                                 pkg;
    std::unique_ptr<backend>                     be;
    std::map<std::string, std::unique_ptr<pipeline>> pl;
    json                                         golden;
};

fixture & fx() {
    static fixture * f = [] {
        auto        owned = std::make_unique<fixture>();
        fixture *   f     = owned.get();
        std::string err;
        struct stat sb;
        if (stat((k_pkg_dir + "/manifest.json").c_str(), &sb) != 0) {
            FAIL("no model package at " << k_pkg_dir << " (build it: scripts/build_package.sh --quick "
                                          "build/quick-package, or set -DRADZ_TEST_PACKAGE=DIR)");
        }
        if (!package_load(k_pkg_dir, &f->pkg, &err)) {
            FAIL("package_load: " << err);
        }
        ort_options o;
        o.ep      = "cpu";
        o.threads = 1;
        f->be     = ort_backend_create(o, nullptr, &err);
        if (!f->be) {
            FAIL("ort_backend_create: " << err);
        }
        for (const auto & v : f->pkg.variants) {
            auto p = std::make_unique<pipeline>();
            if (!pipeline_open(f->be.get(), f->pkg, v.name, nullptr, p.get(), &err)) {
                FAIL("pipeline_open " << v.name << ": " << err);
            }
            f->pl[v.name] = std::move(p);
        }
        std::string text;
        if (!file_read_text(package_file_path(f->pkg, f->pkg.golden.file), &text, 1ull << 30, &err)) {
            FAIL(err);
        }
        f->golden = json::parse(text);
        return owned.release();
    }();
    return *f;
}

pipeline & fp32() {
    return *fx().pl.at(fx().pkg.golden.variant.empty() ? "fp32" : fx().pkg.golden.variant);
}

double tol(const char * key) {
    return fx().pkg.golden.tolerance.at(key);
}

double max_abs_diff(const std::vector<float> & a, const std::vector<float> & b) {
    REQUIRE(a.size() == b.size());
    double m = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        m = std::max(m, std::fabs((double) a[i] - (double) b[i]));
    }
    return m;
}

std::vector<float> floats(const json & j) {
    std::vector<float> v;
    for (const auto & x : j) {
        v.push_back(x.get<float>());
    }
    return v;
}

std::vector<uint8_t> golden_bytes(const std::string & file) {
    std::vector<uint8_t> bytes;
    std::string          err;
    REQUIRE(file_read_bytes(k_pkg_dir + "/golden/" + file, &bytes, 1ull << 28, &err));
    return bytes;
}

bool is_jpeg(const std::string & f) {
    return f.size() > 4 && (f.substr(f.size() - 4) == ".jpg" || f.substr(f.size() - 5) == ".jpeg");
}

double dot(const float * a, const float * b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        s += (double) a[i] * b[i];
    }
    return s;
}

} // namespace

TEST_CASE("golden images: pixels, image features and probabilities match PyTorch") {
    pipeline &   pl = fp32();
    const auto & gi = fx().golden.at("images");
    REQUIRE(gi.size() >= 2);
    const json & gres = fx().golden.at("results").at("images");
    for (const auto & g : gi) {
        const std::string file = g.at("file");
        INFO("golden image " << file);
        const auto bytes = golden_bytes(file);

        // The pixels at the modality's input size (section 2; 64 x 64 unless the package declares
        // its input_size), as golden.json has them.
        std::vector<float> pixels;
        std::string        err;
        image_limits       lim;
        int32_t            in_w = 0, in_h = 0;
        REQUIRE(package_input_size(pl.pkg, g.at("modality"), &in_w, &in_h));
        REQUIRE(image_preprocess(bytes.data(), bytes.size(), lim, in_w, in_h, &pixels, nullptr, &err));
        REQUIRE(floats(g.at("pixels")).size() == (size_t) in_w * in_h);
        const double dpix = max_abs_diff(pixels, floats(g.at("pixels")));
        CHECK(dpix <= (is_jpeg(file) ? tol("pixels_jpeg") : tol("pixels_png")));

        // Features from the golden pixels: the graphs and the sequence assembly alone.
        std::vector<float> feat;
        REQUIRE(pipeline_image_features(pl, g.at("modality"), floats(g.at("pixels")).data(), 1, &feat, nullptr, nullptr,
                                        &err));
        CHECK(max_abs_diff(feat, floats(g.at("image_feature"))) <= tol("features"));

        // The image sequence's fixed rows.
        const std::vector<int32_t> fixed = {pl.pkg.special_tokens.bos, pl.pkg.special_tokens.modality.at(g.at("modality"))};
        CHECK(g.at("token_ids").get<std::vector<int32_t>>() == fixed);

        // From the file's bytes to probabilities.
        results_image r;
        REQUIRE(pipeline_classify_bytes(pl, file, bytes.data(), bytes.size(), g.at("modality"), true, &r));
        const json * ref = nullptr;
        for (const auto & x : gres) {
            if (x.at("file") == file) {
                ref = &x;
            }
        }
        REQUIRE(ref != nullptr);
        CHECK(r.sha256.value() == ref->at("sha256").get<std::string>());
        REQUIRE(r.findings.size() == ref->at("findings").size());
        const double tol_feat = is_jpeg(file) ? 1e-2 : tol("features"); // JPEG pixels may differ by 1/255
        const double tol_prob = is_jpeg(file) ? 1e-2 : tol("probabilities");
        CHECK(max_abs_diff(r.feature, floats(ref->at("feature"))) <= tol_feat);
        for (size_t i = 0; i < r.findings.size(); ++i) {
            const auto & rf = ref->at("findings")[i];
            INFO("finding " << rf.at("id"));
            CHECK(r.findings[i].id == rf.at("id").get<std::string>()); // table order
            CHECK(std::fabs(r.findings[i].probability - rf.at("probability").get<double>()) <= tol_prob);
            CHECK(std::fabs(r.findings[i].cosine - rf.at("cosine").get<double>()) <= tol_feat);
            CHECK(r.findings[i].calibrated == rf.at("calibrated").get<bool>());
        }
    }
}

TEST_CASE("the detector sees the fixed 64 px view, the vision graph the chosen modality's input") {
    pipeline &   pl = fp32();
    if (!pl.modality_graph) {
        SUCCEED("a package of format version 0 or 1: no modality head");
        return;
    }
    for (const auto & g : fx().golden.at("images")) {
        const std::string file = g.at("file");
        INFO("golden image " << file);
        const auto         bytes = golden_bytes(file);
        std::string        err;
        std::vector<float> view;
        REQUIRE(image_preprocess(bytes.data(), bytes.size(), image_limits(), pl.pkg.image.width, pl.pkg.image.height, &view,
                                 nullptr, &err));
        std::vector<modality_detection> det;
        REQUIRE(pipeline_detect_modality(pl, view.data(), 1, &det, &err));
        REQUIRE(det.size() == 1);
        // Auto-detected: the detection is the view's, bit for bit, whatever the input sizes.
        results_image r;
        pl.score_rejected = true;
        REQUIRE(pipeline_classify_bytes(pl, file, bytes.data(), bytes.size(), "auto", true, &r));
        pl.score_rejected = false;
        REQUIRE(r.detection.has_value());
        CHECK(r.detection->distance == det[0].distance);
        CHECK(r.detection->contrast == det[0].contrast);
        REQUIRE(r.detection->probabilities.size() == det[0].probabilities.size());
        for (size_t i = 0; i < det[0].probabilities.size(); ++i) {
            CHECK(r.detection->probabilities[i].second == det[0].probabilities[i]);
        }
        // The scored modality's features are those of its own input size.
        int32_t in_w = 0, in_h = 0;
        REQUIRE(package_input_size(pl.pkg, r.modality, &in_w, &in_h));
        std::vector<float> input, feat;
        REQUIRE(image_preprocess(bytes.data(), bytes.size(), image_limits(), in_w, in_h, &input, nullptr, &err));
        REQUIRE(pipeline_image_features(pl, r.modality, input.data(), 1, &feat, nullptr, nullptr, &err));
        CHECK(max_abs_diff(r.feature, feat) == 0.0);
    }
}

TEST_CASE("golden texts: token ids, truncation and anchor features match PyTorch") {
    pipeline & pl = fp32();
    const auto & gt = fx().golden.at("texts");
    REQUIRE(gt.size() >= 2);
    bool saw_truncated = false, saw_short = false;
    for (const auto & t : gt) {
        const std::string text = t.at("text");
        INFO("golden text '" << text.substr(0, 60) << "'");
        std::vector<int32_t> ids;
        bool                 truncated = false;
        std::string          err;
        REQUIRE(pipeline_text_ids(pl, text, &ids, &truncated, &err));
        CHECK(ids == t.at("token_ids").get<std::vector<int32_t>>());
        CHECK(truncated == t.at("truncated").get<bool>());
        saw_truncated = saw_truncated || truncated;
        saw_short     = saw_short || ids.size() <= 2;

        std::vector<float> feat;
        REQUIRE(pipeline_text_features(pl, {text}, "anchor_feature", &feat, nullptr, nullptr, &err));
        CHECK(max_abs_diff(feat, floats(t.at("anchor_feature"))) <= tol("features"));
    }
    CHECK(saw_truncated);
    CHECK(saw_short);
}

TEST_CASE("package findings: anchors recomputed from their descriptions equal the table's") {
    pipeline & pl = fp32();
    int        n  = 0;
    for (const auto & f : pl.anchors.findings) {
        if (f.source != "package") {
            continue;
        }
        INFO("finding " << f.id);
        const package_modality * m = package_modality_find(pl.pkg, f.modality);
        REQUIRE(m != nullptr);
        std::vector<std::string> texts;
        for (const auto & d : f.descriptions) {
            texts.push_back(dkam_fill_template(pl.pkg.dkam_template, m->display, f.display, d));
        }
        std::vector<float> feats;
        std::string        err;
        REQUIRE(pipeline_text_features(pl, texts, "anchor_feature", &feats, nullptr, nullptr, &err));
        const size_t                    E = (size_t) pl.pkg.dims.feature_dim;
        std::vector<std::vector<float>> per;
        for (size_t i = 0; i < texts.size(); ++i) {
            per.emplace_back(feats.begin() + i * E, feats.begin() + (i + 1) * E);
        }
        std::vector<float> anchor;
        REQUIRE(anchor_mean_normalised(per, &anchor, &err));
        CHECK(max_abs_diff(anchor, f.anchor) <= 1e-4);
        ++n;
    }
    CHECK(n >= 4);
}

TEST_CASE("a batch gives the same features as one at a time") {
    pipeline &   pl = fp32();
    const auto & gi = fx().golden.at("images");
    std::string  err;
    for (const char * modality : {"cxr", "mri"}) {
        // Every golden image at this modality's input size.
        int32_t in_w = 0, in_h = 0;
        REQUIRE(package_input_size(pl.pkg, modality, &in_w, &in_h));
        std::vector<float> pixels;
        int32_t            n = 0;
        for (const auto & g : gi) {
            const auto         bytes = golden_bytes(g.at("file"));
            std::vector<float> p;
            REQUIRE(image_preprocess(bytes.data(), bytes.size(), image_limits(), in_w, in_h, &p, nullptr, &err));
            pixels.insert(pixels.end(), p.begin(), p.end());
            ++n;
        }
        std::vector<float> batch;
        REQUIRE(pipeline_image_features(pl, modality, pixels.data(), n, &batch, nullptr, nullptr, &err));
        const size_t E = (size_t) pl.pkg.dims.feature_dim;
        REQUIRE(batch.size() == n * E);
        for (int32_t i = 0; i < n; ++i) {
            std::vector<float> one;
            REQUIRE(pipeline_image_features(pl, modality, pixels.data() + (size_t) i * in_w * in_h, 1, &one, nullptr, nullptr,
                                            &err));
            CHECK(max_abs_diff(one, std::vector<float>(batch.begin() + i * E, batch.begin() + (i + 1) * E)) <= 1e-5);
        }
    }
    // Texts of very different lengths: right padding must not change the short ones.
    std::vector<std::string> texts;
    for (const auto & t : fx().golden.at("texts")) {
        texts.push_back(t.at("text"));
    }
    std::vector<float> batch;
    REQUIRE(pipeline_text_features(pl, texts, "anchor_feature", &batch, nullptr, nullptr, &err));
    const size_t E = (size_t) pl.pkg.dims.feature_dim;
    for (size_t i = 0; i < texts.size(); ++i) {
        std::vector<float> one;
        REQUIRE(pipeline_text_features(pl, {texts[i]}, "anchor_feature", &one, nullptr, nullptr, &err));
        CHECK(max_abs_diff(one, std::vector<float>(batch.begin() + i * E, batch.begin() + (i + 1) * E)) <= 1e-5);
    }
}

TEST_CASE("quantized variants agree with fp32 at task level") {
    const auto & gi = fx().golden.at("images");
    for (const auto & [name, p] : fx().pl) {
        if (name == "fp32") {
            continue;
        }
        INFO("variant " << name);
        for (const auto & g : gi) {
            const std::string file = g.at("file");
            INFO("image " << file);
            const auto    bytes = golden_bytes(file);
            results_image a, b;
            REQUIRE(pipeline_classify_bytes(fp32(), file, bytes.data(), bytes.size(), g.at("modality"), true, &a));
            REQUIRE(pipeline_classify_bytes(*p, file, bytes.data(), bytes.size(), g.at("modality"), true, &b));
            CHECK(dot(a.feature.data(), b.feature.data(), a.feature.size()) >= 0.99);
        }
    }
}

TEST_CASE("user findings get a label-free anchor and can be saved and loaded") {
    radz_package pkg = fx().pkg;
    pipeline     pl;
    std::string  err;
    REQUIRE(pipeline_open(fx().be.get(), pkg, "fp32", nullptr, &pl, &err));
    const size_t n0 = pl.anchors.findings.size();
    REQUIRE(pipeline_findings_add(pl, {{"cxr", "Rib fracture", {"A break in one of the ribs.", "Cortical step of a rib."}}},
                                 &err));
    REQUIRE(pl.anchors.findings.size() == n0 + 1);
    const anchor_finding & f = pl.anchors.findings.back();
    CHECK(f.id == "Rib_fracture");
    CHECK(f.source == "user");
    CHECK(f.calibration.kind == "label_free");
    CHECK(f.calibration.scale > 0);
    CHECK(!f.truncated);
    CHECK(std::fabs(dot(f.anchor.data(), f.anchor.data(), f.anchor.size()) - 1.0) < 1e-5);

    // A duplicate id, no description, an empty one, invalid UTF-8, an unknown modality.
    CHECK(!pipeline_findings_add(pl, {{"cxr", "Rib fracture", {"again"}}}, &err));
    CHECK(err.find("already") != std::string::npos);
    CHECK(!pipeline_findings_add(pl, {{"cxr", "X", {}}}, &err));
    CHECK(!pipeline_findings_add(pl, {{"cxr", "X", {""}}}, &err));
    CHECK(err.find("empty") != std::string::npos);
    CHECK(!pipeline_findings_add(pl, {{"cxr", "X", {std::string("bad \xff\xfe text")}}}, &err));
    CHECK(err.find("UTF-8") != std::string::npos);
    CHECK(!pipeline_findings_add(pl, {{"pet", "X", {"y"}}}, &err));
    CHECK(err.find("unknown modality 'pet'") != std::string::npos);

    // A long description is truncated and said to be.
    std::string longtext;
    for (int i = 0; i < 200; ++i) {
        longtext += "opacity ";
    }
    REQUIRE(pipeline_findings_add(pl, {{"cxr", "Long one", {longtext}}}, &err));
    CHECK(pl.anchors.findings.back().truncated);

    // Save, load into a fresh pipeline: the same scores.
    const std::string path = "test_pipeline_anchors.json";
    REQUIRE(anchor_table_save(pl.anchors, path, &err));
    pipeline pl2;
    REQUIRE(pipeline_open(fx().be.get(), pkg, "fp32", nullptr, &pl2, &err));
    REQUIRE(pipeline_use_anchor_file(&pl2, path, &err));
    CHECK(pl2.anchors.findings.size() == pl.anchors.findings.size());
    CHECK(pl2.anchors_source == path);
    const auto    bytes = golden_bytes(fx().golden.at("images")[0].at("file"));
    results_image a, b;
    REQUIRE(pipeline_classify_bytes(pl, "x.png", bytes.data(), bytes.size(), "cxr", false, &a));
    REQUIRE(pipeline_classify_bytes(pl2, "x.png", bytes.data(), bytes.size(), "cxr", false, &b));
    REQUIRE(a.findings.size() == b.findings.size());
    for (size_t i = 0; i < a.findings.size(); ++i) {
        CHECK(std::fabs(a.findings[i].probability - b.findings[i].probability) < 1e-6);
    }

    // A table from another variant is refused.
    if (fx().pl.count("int8")) {
        REQUIRE(anchor_table_save(fx().pl.at("int8")->anchors, path, &err));
        CHECK(!pipeline_use_anchor_file(&pl2, path, &err));
        CHECK(err.find("anchors from another model") != std::string::npos);
    }
    std::remove(path.c_str());
}

TEST_CASE("package_variant_files names exactly the files pipeline_open reads, in its order") {
    const radz_package & pkg = fx().pkg;
    for (const auto & v : pkg.variants) {
        std::vector<std::string> read;
        pipeline_reader          reader = [&](const std::string & path, std::vector<uint8_t> * bytes, std::string * e) {
            read.push_back(path);
            return file_read_bytes(package_file_path(pkg, path), bytes, 1ull << 31, e);
        };
        pipeline    pl;
        std::string err;
        REQUIRE(pipeline_open(fx().be.get(), pkg, v.name, reader, &pl, &err));
        CHECK(read == package_variant_files(pkg, v));
    }
}

TEST_CASE("finding edits: batched add, remove, replace in place, all or nothing, the table's sha256 follows it") {
    radz_package pkg = fx().pkg;
    pipeline     pl;
    std::string  err;
    REQUIRE(pipeline_open(fx().be.get(), pkg, "fp32", nullptr, &pl, &err));
    const std::string package_sha = pl.anchors_sha256;
    CHECK(package_sha == package_file_find(pkg, pl.variant.anchors)->sha256);
    const auto table_sha = [&]() { return sha256_hex(anchor_table_to_json(pl.anchors)); };
    const anchor_table before = pl.anchors;
    const size_t       n0     = before.findings.size();

    // Nothing to do: nothing changes, not even the identity.
    REQUIRE(pipeline_findings_add(pl, {}, &err));
    REQUIRE(pipeline_findings_remove(pl, {}, &err));
    CHECK(pl.anchors_sha256 == package_sha);

    // A batch whose last finding is refused adds none of them.
    err.clear();
    CHECK(!pipeline_findings_add(pl, {{"cxr", "Rib fracture", {"A break in one of the ribs."}},
                                      {"cxr", "Bad", {"fine", ""}}},
                                 &err));
    CHECK(err == "finding 'Bad': description 2 is empty");
    CHECK(anchor_table_to_json(pl.anchors) == anchor_table_to_json(before));
    CHECK(pl.anchors_sha256 == package_sha);
    // The same id twice in one batch.
    CHECK(!pipeline_findings_add(pl, {{"cxr", "Rib fracture", {"a"}}, {"cxr", "Rib_fracture", {"b"}}}, &err));
    CHECK(err.find("already has a finding 'Rib_fracture'") != std::string::npos);
    CHECK(pl.anchors.findings.size() == n0);

    // A batch of three; each anchor is the one its finding gets when added alone.
    REQUIRE(pipeline_findings_add(pl, {{"cxr", "Rib fracture", {"A break in one of the ribs."}},
                                       {"cxr", "Pneumoperitoneum", {"Free air under the diaphragm.", "Air below it."}},
                                       {"cxr", "Line", {"A central venous catheter."}}},
                                  &err));
    REQUIRE(pl.anchors.findings.size() == n0 + 3);
    CHECK(pl.anchors_sha256 == table_sha());
    CHECK(pl.anchors_sha256 != package_sha);
    pipeline alone;
    REQUIRE(pipeline_open(fx().be.get(), pkg, "fp32", nullptr, &alone, &err));
    REQUIRE(pipeline_findings_add(alone, {{"cxr", "Pneumoperitoneum", {"Free air under the diaphragm.", "Air below it."}}},
                                  &err));
    const anchor_finding & batched = pl.anchors.findings[n0 + 1];
    const anchor_finding & single  = alone.anchors.findings.back();
    CHECK(batched.id == "Pneumoperitoneum");
    CHECK(dot(batched.anchor.data(), single.anchor.data(), single.anchor.size()) > 1.0 - 1e-5);

    // Replace in place: the same position, a new name and descriptions; the old id is gone.
    REQUIRE(pipeline_findings_replace(pl, {"cxr", "Pneumoperitoneum"}, {"cxr", "Free air", {"Air under the diaphragm."}},
                                      &err));
    CHECK(pl.anchors.findings[n0 + 1].id == "Free_air");
    CHECK(pl.anchors.findings[n0 + 1].descriptions == std::vector<std::string>{"Air under the diaphragm."});
    CHECK(anchor_table_find(pl.anchors, "cxr", "Pneumoperitoneum") < 0);
    CHECK(pl.anchors_sha256 == table_sha());
    // An edit that keeps the id.
    REQUIRE(pipeline_findings_replace(pl, {"cxr", "Free_air"}, {"cxr", "Free air", {"Gas under the diaphragm."}}, &err));
    CHECK(pl.anchors.findings[n0 + 1].id == "Free_air");

    // A refused replacement leaves the old finding where it was.
    const anchor_table    edited     = pl.anchors;
    const std::string     edited_sha = pl.anchors_sha256;
    CHECK(!pipeline_findings_replace(pl, {"cxr", "Free_air"}, {"cxr", "Line", {"a"}}, &err));
    CHECK(err.find("already has a finding 'Line'") != std::string::npos);
    CHECK(!pipeline_findings_replace(pl, {"cxr", "Free_air"}, {"cxr", "Free air", {std::string("x \xff")}}, &err));
    CHECK(err.find("UTF-8") != std::string::npos);
    CHECK(!pipeline_findings_replace(pl, {"cxr", "Nope"}, {"cxr", "Free air", {"a"}}, &err));
    CHECK(err == "no finding 'Nope' in modality 'cxr'");
    CHECK(anchor_table_to_json(pl.anchors) == anchor_table_to_json(edited));
    CHECK(pl.anchors_sha256 == edited_sha);

    // Remove: a batch with one absent finding removes none.
    CHECK(!pipeline_findings_remove(pl, {{"cxr", "Line"}, {"cxr", "Nope"}}, &err));
    CHECK(anchor_table_find(pl.anchors, "cxr", "Line") >= 0);
    CHECK(pl.anchors_sha256 == edited_sha);
    REQUIRE(pipeline_findings_remove(pl, {{"cxr", "Line"}, {"cxr", "Free_air"}, {"cxr", "Rib_fracture"}}, &err));
    CHECK(anchor_table_to_json(pl.anchors) == anchor_table_to_json(before));
    CHECK(pl.anchors_sha256 == table_sha());  // the same findings, but no longer the package's file

    // An earlier pipeline's table: used as it is, or refused when from another model.
    pipeline next;
    REQUIRE(pipeline_open(fx().be.get(), pkg, "fp32", nullptr, &next, &err));
    REQUIRE(pipeline_use_anchor_table(next, before, &err));
    CHECK(next.anchors_sha256 == package_sha);  // the same table: nothing changed
    REQUIRE(pipeline_use_anchor_table(next, edited, &err));
    CHECK(next.anchors.findings.size() == edited.findings.size());
    CHECK(next.anchors_sha256 == edited_sha);
    if (fx().pl.count("int8")) {
        CHECK(!pipeline_use_anchor_table(next, fx().pl.at("int8")->anchors, &err));
        CHECK(err.find("anchors from another model") != std::string::npos);
        CHECK(next.anchors_sha256 == edited_sha);
    }
}

TEST_CASE("evidence: the core marks no_signal when the package opens and scores stay unchanged and bad evidence is refused") {
    // The package's evidence.json (format version 1 and later), served changed through a reader: no disk copy.
    radz_package pkg = fx().pkg;
    REQUIRE(pkg.format_version >= 1);
    std::string err, text;
    REQUIRE(file_read_text(package_file_path(pkg, pkg.evidence_file), &text, 1u << 26, &err));
    const json  original = json::parse(text);
    auto        serve    = [&](const json & ev, radz_package * p) {
        const std::string bytes = ev.dump();
        for (auto & f : p->files) {
            if (f.path == p->evidence_file) {
                f.size   = bytes.size();
                f.sha256 = sha256_hex(bytes);
            }
        }
        return pipeline_reader([bytes, p](const std::string & path, std::vector<uint8_t> * out, std::string * e) {
            if (path == p->evidence_file) {
                out->assign(bytes.begin(), bytes.end());
                return true;
            }
            return file_read_bytes(package_file_path(*p, path), out, 1ull << 30, e);
        });
    };
    pipeline & ref = fp32();
    CHECK(ref.has_evidence_file);
    for (const auto & f : ref.anchors.findings) {
        CHECK(f.no_signal == (f.has_evidence && evidence_no_signal(f.evidence)));
    }

    // Effusion's evidence made to show no skill: marked, still scored exactly as before.
    json ev = original;
    ev["sources"]["test"] = {{"description", "made up by test_pipeline"}};
    for (auto & e : ev["variants"]["fp32"]["findings"]) {
        if (e["id"] == "Effusion") {
            e = {{"modality", "cxr"}, {"id", "Effusion"}, {"source", "test"}, {"auc", 0.3}, {"auc_ci", {0.2, 0.45}}};
        }
    }
    radz_package p1 = pkg;
    pipeline     pl;
    REQUIRE(pipeline_open(fx().be.get(), p1, "fp32", serve(ev, &p1), &pl, &err));
    const int32_t k = anchor_table_find(pl.anchors, "cxr", "Effusion");
    REQUIRE(k >= 0);
    CHECK(pl.anchors.findings[k].no_signal);
    CHECK(pl.anchors.findings[k].evidence.description == "made up by test_pipeline");
    const auto    bytes = golden_bytes(fx().golden.at("images")[0].at("file"));
    results_image a, b;
    REQUIRE(pipeline_classify_bytes(ref, "x.png", bytes.data(), bytes.size(), "cxr", false, &a));
    REQUIRE(pipeline_classify_bytes(pl, "x.png", bytes.data(), bytes.size(), "cxr", false, &b));
    REQUIRE(a.findings.size() == b.findings.size());
    for (size_t i = 0; i < a.findings.size(); ++i) {
        CHECK(a.findings[i].probability == b.findings[i].probability);
        CHECK(b.findings[i].no_signal == (b.findings[i].id == "Effusion" || a.findings[i].no_signal));
    }

    // A user finding has no evidence; a saved table keeps the package findings' evidence.
    REQUIRE(pipeline_findings_add(pl, {{"cxr", "Rib fracture", {"A break in one of the ribs."}}}, &err));
    CHECK(!pl.anchors.findings.back().has_evidence);
    CHECK(!pl.anchors.findings.back().no_signal);
    const std::string path = "test_pipeline_evidence_anchors.json";
    REQUIRE(anchor_table_save(pl.anchors, path, &err));
    pipeline pl2;
    REQUIRE(pipeline_open(fx().be.get(), p1, "fp32", serve(ev, &p1), &pl2, &err));
    REQUIRE(pipeline_use_anchor_file(&pl2, path, &err));
    CHECK(pl2.anchors.findings[k].no_signal);
    CHECK(!pl2.anchors.findings.back().has_evidence);
    std::remove(path.c_str());

    // Evidence for another anchor table, for a finding the table lacks, or missing a variant.
    radz_package p2 = pkg;
    ev = original;
    ev["variants"]["fp32"]["anchors_sha256"] = sha256_hex(std::string("another table"));
    pipeline bad;
    CHECK(!pipeline_open(fx().be.get(), p2, "fp32", serve(ev, &p2), &bad, &err));
    CHECK(err.rfind(pkg.evidence_file + ": variants.fp32.anchors_sha256: evidence for another anchor table", 0) == 0);
    ev = original;
    ev["variants"]["fp32"]["findings"].push_back({{"modality", "cxr"}, {"id", "Unicorn"}, {"source",
                                                   ev["variants"]["fp32"]["findings"][0]["source"]}, {"slope", 1.0}});
    pipeline bad2;
    CHECK(!pipeline_open(fx().be.get(), p2, "fp32", serve(ev, &p2), &bad2, &err));
    CHECK(err.find("no finding cxr/Unicorn in") != std::string::npos);
    ev = original;
    ev["variants"].erase("fp32");
    pipeline bad3;
    CHECK(!pipeline_open(fx().be.get(), p2, "fp32", serve(ev, &p2), &bad3, &err));
    CHECK(err == pkg.evidence_file + ": variants: no entry for variant 'fp32'");
}

TEST_CASE("bad inputs give one-line errors with the right code") {
    pipeline &    pl = fp32();
    results_image r;
    std::string   err;

    const std::vector<uint8_t> empty;
    CHECK(!pipeline_classify_bytes(pl, "empty.png", empty.data(), 0, "cxr", false, &r));
    REQUIRE(r.error);
    CHECK(r.error->code == "decode");
    CHECK(r.error->message.rfind("empty.png: ", 0) == 0);
    CHECK(r.findings.empty());

    const std::string text = "this is not an image";
    CHECK(!pipeline_classify_bytes(pl, "text.png", (const uint8_t *) text.data(), text.size(), "cxr", false, &r));
    CHECK(r.error->code == "decode");
    CHECK(r.error->message.find("not a PNG, JPEG or BMP") != std::string::npos);

    auto bytes = golden_bytes(fx().golden.at("images")[0].at("file"));
    bytes.resize(bytes.size() / 2);
    CHECK(!pipeline_classify_bytes(pl, "half.png", bytes.data(), bytes.size(), "cxr", false, &r));
    CHECK(r.error->code == "decode");

    bytes = golden_bytes(fx().golden.at("images")[0].at("file"));
    CHECK(!pipeline_classify_bytes(pl, "ok.png", bytes.data(), bytes.size(), "pet", false, &r));
    CHECK(r.error->message.find("unknown modality 'pet'") != std::string::npos);

    CHECK(!pipeline_classify_file(pl, "no/such/file.png", "cxr", false, &r));
    CHECK(r.error->code == "read");
    CHECK(r.error->message.find("no/such/file.png") != std::string::npos);
    CHECK(!r.sha256);

    std::vector<int32_t> ids;
    bool                 truncated = false;
    CHECK(!pipeline_text_ids(pl, "", &ids, &truncated, &err));
    CHECK(!pipeline_text_ids(pl, std::string("\xc3\x28"), &ids, &truncated, &err));

    std::vector<float> rows;
    CHECK(!pipeline_embed_ids(pl, {pl.pkg.dims.vocab_size}, &rows, &err));
    CHECK(err.find("outside") != std::string::npos);

    std::vector<float> feat;
    CHECK(!pipeline_image_features(pl, "cxr", nullptr, 0, &feat, nullptr, nullptr, &err));
}

TEST_CASE("tampered package files are refused before a graph is opened") {
    const radz_package & pkg = fx().pkg;
    const std::string    decoder = package_variant(pkg, "fp32")->decoder;
    // A reader that flips one byte of the decoder.
    pipeline_reader reader = [&](const std::string & path, std::vector<uint8_t> * bytes, std::string * err) {
        if (!file_read_bytes(package_file_path(pkg, path), bytes, 1ull << 30, err)) {
            return false;
        }
        if (path == decoder && !bytes->empty()) {
            (*bytes)[bytes->size() / 2] ^= 0x01;
        }
        return true;
    };
    pipeline    pl;
    std::string err;
    CHECK(!pipeline_open(fx().be.get(), pkg, "fp32", reader, &pl, &err));
    CHECK(err.find(decoder) != std::string::npos);
    CHECK(err.find("sha256") != std::string::npos);

    CHECK(!pipeline_open(fx().be.get(), pkg, "int3", nullptr, &pl, &err));
    CHECK(err.find("no variant 'int3'") != std::string::npos);
}

TEST_CASE("the backend refuses bad graphs and wrong inputs with the graph's name") {
    std::string                    err;
    const std::string              junk = "not an onnx model";
    std::unique_ptr<backend_graph> g =
        fx().be->open_graph((const uint8_t *) junk.data(), junk.size(), "junk.onnx", &err);
    CHECK(!g);
    CHECK(err.rfind("junk.onnx: ", 0) == 0);
    CHECK(err.find('\n') == std::string::npos);

    pipeline &                  pl = fp32();
    std::vector<backend_output> out;
    std::vector<float>          px(64 * 64, 0.5f);
    CHECK(!pl.vision->run({{"pixels", backend_dtype::f32, {1, 1, 32, 128}, px.data()}}, {"image_tokens"}, &out, &err));
    CHECK(err.find(pl.variant.vision) != std::string::npos);
    CHECK(!pl.vision->run({{"pixels", backend_dtype::f32, {1, 1, 64, 64}, px.data()}}, {"nope"}, &out, &err));
    CHECK(!backend_graph_check_names(*pl.vision, "vision", {"pixels", "extra"}, {"image_tokens"}, &err));
    CHECK(err.find("no input 'extra'") != std::string::npos);

    const backend_info bi = fx().be->info();
    CHECK(bi.execution_provider == "cpu");
    CHECK(bi.threads == 1);
    CHECK(bi.runtime.rfind("onnxruntime ", 0) == 0);
}
