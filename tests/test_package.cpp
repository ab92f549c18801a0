#include <catch2/catch.hpp>

#include "file_io.h"
#include "package.h"
#include "sha256.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using ojson = nlohmann::ordered_json;

// A tiny fake package in a fresh temporary folder: every file of section 1 with made-up bytes
// of the right sizes (V = 20, D = 4, E = 3, K = 2), variants fp32 and int8.
struct fake_package {
    std::string dir;
    ojson manifest;

    fake_package() {
        char tmpl[] = "/tmp/radz_test_package_XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        REQUIRE(mkdir((dir + "/golden").c_str(), 0755) == 0);
        manifest = {
            { "format", "radz-model-package" },
            { "format_version", 0 },
            { "name", "fake-tiny" },
            { "description", "a fake package for the tests" },
            { "recipe", { { "command", "make fake" }, { "seed", 1 }, { "config", { { "lr", 0.001 } } },
                          { "git_commit", nullptr }, { "torch_version", "1.13" }, { "created", "2026-11-27T00:00:00Z" } } },
            { "files", ojson::array() },
            { "image", { { "width", 64 }, { "height", 64 }, { "channels", 1 }, { "grey", "pil-L" },
                         { "resize", "area-exact" }, { "max_side", 8192 }, { "max_file_bytes", 67108864 } } },
            { "tokenizer", { { "file", "tokenizer.json" } } },
            { "special_tokens", { { "pad", 0 }, { "bos", 1 }, { "img_cls", { 2, 3 } }, { "txt_cls", { 4, 5 } },
                                  { "modality", { { "cxr", 6 }, { "mri", 7 } } } } },
            { "sequence", { { "max_length", 10 }, { "max_text_tokens", 7 } } },
            { "dims", { { "hidden_size", 4 }, { "feature_dim", 3 }, { "vocab_size", 20 }, { "image_tokens", 2 },
                        { "n_layers", 2 }, { "feature_layer", 2 } } },
            { "modalities", { { { "id", "cxr" }, { "display", "Chest X-ray" }, { "task", "multilabel" } },
                              { { "id", "mri" }, { "display", "Brain MRI" }, { "task", "multiclass" } } } },
            { "dkam", { { "template", "Instruction: recognise this finding on a {modality}. Finding: {name}. Description: {description}" } } },
            { "variants", ojson::object() },
            { "default_variant", "fp32" },
            { "golden", { { "file", "golden/golden.json" }, { "made_by", "make fake" }, { "variant", "fp32" },
                          { "tolerance", { { "pixels_png", 0 }, { "pixels_jpeg", 0.003922 }, { "features", 1e-4 },
                                           { "probabilities", 1e-4 } } } } },
        };
        add_file("tokenizer.json", "tokenizer", std::string("{\"model\": {}}"));
        add_file("golden/golden.json", "golden", std::string("{}"));
        add_file("README.md", "doc", std::string("# fake\n"));
        add_variant("fp32", "float32", 4 * 20 * 4, "none", 0.0);
        add_variant("int8", "int8_rowwise", 4 * 20 + 20 * 4, "int8-weight-only", 0.95);
        write_manifest();
    }

    ~fake_package() {
        std::string cmd = "rm -rf '" + dir + "'";
        if (system(cmd.c_str()) != 0) {
            // nothing to do: a leftover temporary folder
        }
    }

    void add_file(const std::string & path, const std::string & role, const std::string & bytes) {
        std::string err;
        REQUIRE(file_write_text(dir + "/" + path, bytes, &err));
        manifest["files"].push_back({ { "path", path }, { "sha256", sha256_hex(bytes) }, { "size", bytes.size() }, { "role", role } });
    }

    void add_variant(const std::string & v, const std::string & dtype, size_t emb_size, const std::string & q, double share) {
        const std::string vision = "vision." + v + ".onnx", decoder = "decoder." + v + ".onnx";
        const std::string emb = "embeddings." + v + ".bin", anchors = "anchors." + v + ".json", ref = "reference." + v + ".bin";
        add_file(vision, "vision", "vision graph " + v);
        add_file(decoder, "decoder", "decoder graph " + v);
        add_file(emb, "embeddings", std::string(emb_size, '\x01'));
        add_file(anchors, "anchors", "{\"anchors\": \"" + v + "\"}");
        add_file(ref, "reference", std::string(4 * 3 * 6, '\0'));
        size_t bytes = 0;
        for (const auto & f : manifest["files"]) {
            const std::string p = f["path"];
            if (p == vision || p == decoder || p == emb || p == anchors || p == ref) bytes += f["size"].get<size_t>();
        }
        manifest["variants"][v] = {
            { "vision", vision }, { "decoder", decoder }, { "embeddings", emb }, { "anchors", anchors },
            { "embeddings_dtype", dtype },
            { "reference", { { "file", ref }, { "rows", { { "cxr", { 0, 4 } }, { "mri", { 4, 6 } } } } } },
            { "quantization", q }, { "quantized_share", share }, { "bytes", bytes },
        };
    }

    void write_manifest() {
        std::string err;
        REQUIRE(file_write_text(dir + "/manifest.json", manifest.dump(2), &err));
    }

    std::string load_error() {
        write_manifest();
        radz_package pkg;
        std::string err;
        if (package_load(dir, &pkg, &err)) return "";
        return err;
    }
};

TEST_CASE("a valid package loads, with its accessors") {
    fake_package fp;
    radz_package pkg;
    std::string err;
    REQUIRE(package_load(fp.dir, &pkg, &err));
    CHECK(pkg.name == "fake-tiny");
    CHECK(pkg.dims.hidden_size == 4);
    CHECK(pkg.dims.feature_dim == 3);
    CHECK(package_k(pkg) == 2);
    CHECK(pkg.special_tokens.modality.at("mri") == 7);
    CHECK(pkg.sequence.max_text_tokens == 7);
    CHECK(pkg.image.max_side == 8192);
    CHECK(pkg.image.max_file_bytes == 67108864u);
    CHECK(pkg.dkam_template.find("{description}") != std::string::npos);
    REQUIRE(pkg.modalities.size() == 2);
    CHECK(package_modality_find(pkg, "mri")->display == "Brain MRI");
    CHECK(package_modality_find(pkg, "ct") == nullptr);
    CHECK(package_variant_names(pkg) == std::vector<std::string>({ "fp32", "int8" }));
    const package_variant_info * v = package_variant(pkg, "");
    REQUIRE(v);
    CHECK(v->name == "fp32");
    v = package_variant(pkg, "int8");
    REQUIRE(v);
    CHECK(v->embeddings_dtype == "int8_rowwise");
    CHECK(v->reference_rows.at("mri") == std::make_pair<int64_t, int64_t>(4, 6));
    CHECK(package_variant(pkg, "int4") == nullptr);
    CHECK(package_file_path(pkg, v->decoder) == fp.dir + "/decoder.int8.onnx");
    CHECK(pkg.golden.tolerance.at("pixels_jpeg") == 0.003922);

    std::string text;
    REQUIRE(file_read_text(fp.dir + "/manifest.json", &text, 1 << 20, &err));
    CHECK(pkg.manifest_sha256 == sha256_hex(text));
    CHECK(pkg.recipe_json.find("make fake") != std::string::npos);
}

TEST_CASE("unknown keys are ignored, files on disk not listed are ignored") {
    fake_package fp;
    fp.manifest["later_addition"] = { { "x", 1 } };
    fp.manifest["dims"]["extra"] = "y";
    std::string err;
    REQUIRE(file_write_text(fp.dir + "/notes.txt", "not listed", &err));
    CHECK(fp.load_error() == "");
}

TEST_CASE("files: missing, size and sha256 mismatches name the file") {
    {
        fake_package fp;
        REQUIRE(unlink((fp.dir + "/decoder.fp32.onnx").c_str()) == 0);
        CHECK(fp.load_error() == "decoder.fp32.onnx: listed in manifest.json but missing from the package");
    }
    {
        fake_package fp;
        std::string err;
        const std::string good = "decoder graph fp32";
        std::string bad = good;
        bad[3] ^= 1;  // same size, one byte changed
        REQUIRE(file_write_text(fp.dir + "/decoder.fp32.onnx", bad, &err));
        CHECK(fp.load_error() == "decoder.fp32.onnx: sha256 mismatch: manifest says " + sha256_hex(good).substr(0, 12) +
                                 "..., file is " + sha256_hex(bad).substr(0, 12) + "...");
    }
    {
        fake_package fp;
        std::string err;
        REQUIRE(file_write_text(fp.dir + "/golden/golden.json", "{} ", &err));
        CHECK(fp.load_error() == "golden/golden.json: size mismatch: manifest says 2 bytes, file has 3");
    }
}

TEST_CASE("format, version and required keys") {
    fake_package fp;
    fp.manifest["format_version"] = 4;
    CHECK(fp.load_error() == "manifest.json: format_version: expected 0, 1, 2 or 3, found 4 (this reader knows versions 0 to 3)");
    fp.manifest["format_version"] = -1;
    CHECK(fp.load_error() == "manifest.json: format_version: expected 0, 1, 2 or 3, found -1 (this reader knows versions 0 to 3)");
    fp.manifest["format_version"] = 0;
    fp.manifest["format"] = "something-else";
    CHECK(fp.load_error() == "manifest.json: format: expected \"radz-model-package\", found \"something-else\"");
    fp.manifest["format"] = "radz-model-package";

    fp.manifest["dims"].erase("hidden_size");
    CHECK(fp.load_error() == "manifest.json: dims: missing key 'hidden_size'");
    fp.manifest["dims"]["hidden_size"] = "4";
    CHECK(fp.load_error() == "manifest.json: dims.hidden_size: expected an integer, found \"4\"");
    fp.manifest["dims"]["hidden_size"] = 4.5;
    CHECK(fp.load_error() == "manifest.json: dims.hidden_size: expected an integer, found 4.5");
    fp.manifest["dims"]["hidden_size"] = 4;

    fp.manifest.erase("golden");
    CHECK(fp.load_error() == "manifest.json: missing key 'golden'");
}

TEST_CASE("not JSON") {
    fake_package fp;
    std::string err;
    REQUIRE(file_write_text(fp.dir + "/manifest.json", "{\"format\": ", &err));
    radz_package pkg;
    CHECK_FALSE(package_load(fp.dir, &pkg, &err));
    CHECK(err.rfind("manifest.json: not valid JSON (", 0) == 0);
}

TEST_CASE("path rule") {
    for (const char * bad : { "../outside", "/etc/passwd", "a//b", "a/./b", "dir\\file", "" }) {
        fake_package fp;
        fp.manifest["files"][0]["path"] = bad;
        const std::string e = fp.load_error();
        INFO(bad);
        CHECK(e.rfind("manifest.json: files[0].path: ", 0) == 0);
    }
}

TEST_CASE("cross-references: every path named is in files with its role") {
    {
        fake_package fp;
        auto & files = fp.manifest["files"];
        for (size_t i = 0; i < files.size(); i++) {
            if (files[i]["path"] == "decoder.int8.onnx") {
                files.erase(i);
                break;
            }
        }
        CHECK(fp.load_error() == "manifest.json: variants.int8.decoder: 'decoder.int8.onnx' is not listed in files");
    }
    {
        fake_package fp;
        fp.manifest["variants"]["fp32"]["vision"] = "decoder.fp32.onnx";
        CHECK(fp.load_error() == "manifest.json: variants.fp32.vision: 'decoder.fp32.onnx' has role \"decoder\" in files, expected \"vision\"");
    }
    {
        fake_package fp;
        fp.manifest["tokenizer"]["file"] = "tok.json";
        CHECK(fp.load_error() == "manifest.json: tokenizer.file: 'tok.json' is not listed in files");
    }
    {
        fake_package fp;
        fp.manifest["default_variant"] = "int4";
        CHECK(fp.load_error() == "manifest.json: default_variant: 'int4' is not a variant");
    }
}

TEST_CASE("files are verified before cross-references") {
    fake_package fp;
    fp.manifest["tokenizer"]["file"] = "tok.json";
    std::string err;
    REQUIRE(file_write_text(fp.dir + "/README.md", "# fakE\n", &err));
    CHECK(fp.load_error().rfind("README.md: sha256 mismatch", 0) == 0);
}

TEST_CASE("values that depend on several fields") {
    {
        fake_package fp;
        fp.manifest["sequence"]["max_text_tokens"] = 8;
        CHECK(fp.load_error() == "manifest.json: sequence.max_text_tokens: expected max_length - 1 - K = 7, found 8");
    }
    {
        fake_package fp;
        fp.manifest["special_tokens"]["txt_cls"] = { 4, 2 };
        CHECK(fp.load_error() == "manifest.json: special_tokens.txt_cls[1]: id 2 is also img_cls[0] (special tokens must be distinct)");
    }
    {
        fake_package fp;
        fp.manifest["special_tokens"]["txt_cls"] = { 4 };
        CHECK(fp.load_error() == "manifest.json: special_tokens.txt_cls: expected 2 ids (as img_cls), found 1");
    }
    {
        fake_package fp;
        fp.manifest["special_tokens"]["bos"] = 20;
        CHECK(fp.load_error() == "manifest.json: special_tokens.bos: id 20 is outside the vocabulary (0 .. 19)");
    }
    {
        fake_package fp;
        fp.manifest["special_tokens"]["modality"].erase("mri");
        CHECK(fp.load_error() == "manifest.json: special_tokens.modality: no token for modality 'mri'");
    }
    {
        fake_package fp;
        fp.manifest["variants"]["int8"]["embeddings_dtype"] = "float32";
        CHECK(fp.load_error() == "manifest.json: variants.int8.embeddings: 'embeddings.int8.bin' is 160 bytes, expected 320 for "
                                 "float32 with vocab_size 20 and hidden_size 4");
    }
    {
        fake_package fp;
        fp.manifest["variants"]["fp32"]["bytes"] = 1;
        CHECK(fp.load_error().rfind("manifest.json: variants.fp32.bytes: expected ", 0) == 0);
    }
    {
        fake_package fp;
        fp.manifest["variants"]["fp32"]["reference"]["rows"]["mri"] = { 4, 7 };
        CHECK(fp.load_error() == "manifest.json: variants.fp32.reference.rows.mri: end 7 is past the 6 rows of 'reference.fp32.bin'");
    }
    {
        fake_package fp;
        fp.manifest["variants"]["fp32"]["quantization"] = "int2";
        CHECK(fp.load_error() == "manifest.json: variants.fp32.quantization: expected one of \"none\", \"int8-weight-only\", "
                                 "\"int4-matmulnbits\", found \"int2\"");
    }
    {
        fake_package fp;
        fp.manifest["image"]["grey"] = "bt601";
        CHECK(fp.load_error() == "manifest.json: image.grey: expected one of \"pil-L\", found \"bt601\"");
    }
}

TEST_CASE("package_parse_manifest and package_verify_file_bytes (no disk)") {
    fake_package fp;
    radz_package pkg;
    std::string err;
    REQUIRE(package_parse_manifest(fp.manifest.dump(), &pkg, &err));
    CHECK(pkg.dir.empty());
    const std::string good = "decoder graph fp32";
    CHECK(package_verify_file_bytes(pkg, "decoder.fp32.onnx", (const uint8_t *) good.data(), good.size(), &err));
    const std::string bad = "decoder graph fp33";
    CHECK_FALSE(package_verify_file_bytes(pkg, "decoder.fp32.onnx", (const uint8_t *) bad.data(), bad.size(), &err));
    CHECK(err.rfind("decoder.fp32.onnx: sha256 mismatch: manifest says ", 0) == 0);
    CHECK_FALSE(package_verify_file_bytes(pkg, "nope.bin", (const uint8_t *) bad.data(), bad.size(), &err));
    CHECK(err == "nope.bin: not listed in manifest.json");
}

TEST_CASE("format version 1: the evidence file is required, with its role") {
    fake_package fp;
    fp.add_file("evidence.json", "evidence", std::string("{}"));
    CHECK(fp.load_error() == "manifest.json: files[13].role: expected one of \"tokenizer\", \"vision\", \"decoder\", "
                             "\"embeddings\", \"anchors\", \"reference\", \"golden\", \"doc\", found \"evidence\"");
    fp.manifest["format_version"] = 1;
    CHECK(fp.load_error() == "manifest.json: missing key 'evidence'");
    fp.manifest["evidence"] = { { "file", "README.md" } };
    CHECK(fp.load_error() == "manifest.json: evidence.file: 'README.md' has role \"doc\" in files, expected \"evidence\"");
    fp.manifest["evidence"] = { { "file", "evidence.json" } };
    radz_package pkg;
    std::string err;
    fp.write_manifest();
    REQUIRE(package_load(fp.dir, &pkg, &err));
    CHECK(pkg.format_version == 1);
    CHECK(pkg.evidence_file == "evidence.json");
}

TEST_CASE("format version 2: the modality head is required, with its role, classes and thresholds") {
    fake_package fp;
    fp.add_file("evidence.json", "evidence", std::string("{}"));
    fp.manifest["format_version"] = 2;
    fp.manifest["evidence"]       = { { "file", "evidence.json" } };
    CHECK(fp.load_error() == "manifest.json: missing key 'modality_head'");
    fp.add_file("modality.onnx", "modality", std::string("modality graph"));
    fp.manifest["modality_head"] = { { "graph", "modality.onnx" }, { "classes", { "mri", "cxr", "other" } },
                                     { "view", 64 }, { "p_other_max", 0.5 }, { "distance_max", 97.5 },
                                     { "min_contrast", 0.01 }, { "strong_disagreement", 0.9 } };
    radz_package pkg;
    std::string  err;
    fp.write_manifest();
    REQUIRE(package_load(fp.dir, &pkg, &err));
    CHECK(pkg.format_version == 2);
    CHECK(pkg.modality_head.present);
    CHECK(pkg.modality_head.classes == std::vector<std::string>{ "mri", "cxr", "other" });
    CHECK(pkg.modality_head.distance_max == 97.5);

    ojson h = fp.manifest["modality_head"];
    fp.manifest["modality_head"]["classes"] = { "cxr", "mri" };
    CHECK(fp.load_error() == "manifest.json: modality_head.classes: expected the package's modalities then \"other\", "
                             "found an array");
    fp.manifest["modality_head"]["classes"] = { "cxr", "ct", "other" };
    CHECK(fp.load_error() == "manifest.json: modality_head.classes[1]: 'ct' is not a modality of this package");
    fp.manifest["modality_head"]["classes"] = { "cxr", "other" };
    CHECK(fp.load_error() == "manifest.json: modality_head.classes: expected every modality of the package (2) then "
                             "\"other\", found 1 modalities");
    fp.manifest["modality_head"] = h;
    fp.manifest["modality_head"]["view"] = 128;
    CHECK(fp.load_error() == "manifest.json: modality_head.view: expected 64 (image.width x image.height: the head sees "
                             "the section 2 pixels), found 128");
    fp.manifest["modality_head"] = h;
    fp.manifest["modality_head"]["distance_max"] = -1;
    CHECK(fp.load_error() == "manifest.json: modality_head.distance_max: expected a number > 0");
    fp.manifest["modality_head"] = h;
    fp.manifest["modality_head"]["graph"] = "README.md";
    CHECK(fp.load_error() == "manifest.json: modality_head.graph: 'README.md' has role \"doc\" in files, expected \"modality\"");
}

// A version 2 fake package (evidence and modality head) with format_version set to `version`.
static void make_version(fake_package & fp, int version) {
    fp.add_file("evidence.json", "evidence", std::string("{}"));
    fp.add_file("modality.onnx", "modality", std::string("modality graph"));
    fp.manifest["format_version"] = version;
    fp.manifest["evidence"]       = { { "file", "evidence.json" } };
    fp.manifest["modality_head"]  = { { "graph", "modality.onnx" }, { "classes", { "cxr", "mri", "other" } },
                                      { "view", 64 }, { "p_other_max", 0.5 }, { "distance_max", 97.5 },
                                      { "min_contrast", 0.01 }, { "strong_disagreement", 0.9 } };
}

TEST_CASE("format version 3: a modality may declare its input size, absent the image section's") {
    fake_package fp;
    make_version(fp, 3);
    fp.manifest["modalities"][1]["input_size"] = 128;
    radz_package pkg;
    std::string  err;
    fp.write_manifest();
    REQUIRE(package_load(fp.dir, &pkg, &err));
    CHECK(pkg.format_version == 3);
    const package_modality * cxr = package_modality_find(pkg, "cxr");
    const package_modality * mri = package_modality_find(pkg, "mri");
    REQUIRE(cxr);
    REQUIRE(mri);
    CHECK(!cxr->input_size_declared);
    CHECK(cxr->input_width == 64);
    CHECK(cxr->input_height == 64);
    CHECK(mri->input_size_declared);
    CHECK(mri->input_width == 128);
    CHECK(mri->input_height == 128);
    int32_t w = 0, h = 0;
    CHECK(package_input_size(pkg, "mri", &w, &h));
    CHECK((w == 128 && h == 128));
    CHECK(package_input_size(pkg, "cxr", &w, &h));
    CHECK((w == 64 && h == 64));
    w = h = -1;
    CHECK(!package_input_size(pkg, "ct", &w, &h));
    CHECK((w == -1 && h == -1));
    // the fixed view stays the image section's: the modality head sees 64 x 64 whatever the inputs
    CHECK(pkg.modality_head.view == 64);

    // the range ends
    fp.manifest["modalities"][1]["input_size"] = 16;
    CHECK(fp.load_error() == "");
    fp.manifest["modalities"][1]["input_size"] = 512;
    CHECK(fp.load_error() == "");
    fp.manifest["modalities"][0]["input_size"] = 64;  // declared and equal to the image section's: allowed
    CHECK(fp.load_error() == "");
    fp.manifest["modalities"][0].erase("input_size");
}

TEST_CASE("format version 3: a bad input_size is refused with the field, expected and found") {
    fake_package fp;
    make_version(fp, 3);
    auto err_for = [&](const ojson & v) {
        fp.manifest["modalities"][1]["input_size"] = v;
        return fp.load_error();
    };
    CHECK(err_for(15) == "manifest.json: modalities[1].input_size: expected a side in pixels in 16 .. 512, found 15");
    CHECK(err_for(513) == "manifest.json: modalities[1].input_size: expected a side in pixels in 16 .. 512, found 513");
    CHECK(err_for(0) == "manifest.json: modalities[1].input_size: expected a side in pixels in 16 .. 512, found 0");
    CHECK(err_for(-128) == "manifest.json: modalities[1].input_size: expected a side in pixels in 16 .. 512, found -128");
    CHECK(err_for(128.5) == "manifest.json: modalities[1].input_size: expected an integer, found 128.5");
    CHECK(err_for("128") == "manifest.json: modalities[1].input_size: expected an integer, found \"128\"");
    CHECK(err_for(nullptr) == "manifest.json: modalities[1].input_size: expected an integer, found null");
    // one size per modality: a list of sizes is not one
    CHECK(err_for(ojson::array({ 128, 224 })) == "manifest.json: modalities[1].input_size: expected an integer, found an array");
    CHECK(err_for(ojson::object({ { "width", 128 }, { "height", 128 } })) ==
          "manifest.json: modalities[1].input_size: expected an integer, found an object");
    CHECK(err_for(128) == "");

    // Before version 3 the key is refused rather than ignored: a reader of that version would
    // feed the modality image.width x image.height pixels.
    for (int version : { 0, 1, 2 }) {
        fake_package old;
        if (version >= 1) make_version(old, version);
        old.manifest["modalities"][1]["input_size"] = 128;
        CHECK(old.load_error() == "manifest.json: modalities[1].input_size: needs format_version 3 or later, found " +
                                      std::to_string(version) +
                                      " (a reader of that version would feed this modality image.width x image.height pixels)");
    }
}

TEST_CASE("format versions 0 to 2: every modality's input is the image section's size") {
    for (int version : { 0, 1, 2 }) {
        fake_package fp;
        if (version >= 1) make_version(fp, version);
        fp.write_manifest();
        radz_package pkg;
        std::string  err;
        REQUIRE(package_load(fp.dir, &pkg, &err));
        for (const package_modality & m : pkg.modalities) {
            CHECK(!m.input_size_declared);
            CHECK(m.input_width == 64);
            CHECK(m.input_height == 64);
        }
    }
}
