// Fuzz targets: the model-package reader as a whole (core/package.h, core/pipeline.h
// pipeline_open): manifest, then every file of a variant read through a reader and checked
// (size, sha256) before its parser sees it: embeddings, tokenizer, reference features, anchor
// table, evidence, both graphs (opened by a backend that accepts any bytes and declares the
// names the pipeline expects; ONNX Runtime's own parser is fuzzed upstream).
#include "fuzz_targets.h"
#include "package.h"
#include "pipeline.h"
#include "sha256.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>

#ifndef RADZ_FUZZ_DEFAULT_PACKAGE
#error "RADZ_FUZZ_DEFAULT_PACKAGE must be defined (the test package, RADZ_TEST_PACKAGE)"
#endif

namespace {

class fuzz_graph : public backend_graph {
public:
    fuzz_graph(std::vector<std::string> in, std::vector<std::string> out) : in_(std::move(in)), out_(std::move(out)) {}
    const std::vector<std::string> & input_names() const override { return in_; }
    const std::vector<std::string> & output_names() const override { return out_; }
    bool run(const std::vector<backend_input> &, const std::vector<std::string> &, std::vector<backend_output> *,
             std::string * err) override {
        if (err) *err = "fuzz backend: graphs are not run";
        return false;
    }

private:
    std::vector<std::string> in_, out_;
};

// Opens any bytes as a graph; the label (the file's name) says which it is: vision.*,
// modality.* (the modality head of formats 2 and 3, docs/model-package.md) or the decoder.
class fuzz_backend : public backend {
public:
    std::unique_ptr<backend_graph> open_graph(const uint8_t *, size_t, const std::string & label, std::string *) override {
        if (label.rfind("vision", 0) == 0) return std::make_unique<fuzz_graph>(std::vector<std::string>{ "pixels" },
                                                                                 std::vector<std::string>{ "image_tokens" });
        if (label.rfind("modality", 0) == 0) {
            return std::make_unique<fuzz_graph>(std::vector<std::string>{ "pixels" },
                                                std::vector<std::string>{ "modality_logits", "ood_distance" });
        }
        return std::make_unique<fuzz_graph>(std::vector<std::string>{ "inputs_embeds", "attention_mask", "pool_mask" },
                                            std::vector<std::string>{ "image_feature", "text_feature", "anchor_feature" });
    }
    backend_info info() const override { return { "cpu", "", 1, "fuzz" }; }
};

struct base_package {
    std::string dir;
    std::vector<std::string> paths;  // "manifest.json", then the manifest's files in its order
    std::map<std::string, std::string> bytes;
};

const base_package & base() {
    static const base_package b = [] {
        base_package p;
        const char * env = getenv("RADZ_FUZZ_PACKAGE");
        p.dir = env && *env ? env : RADZ_FUZZ_DEFAULT_PACKAGE;
        p.paths.push_back("manifest.json");
        p.bytes["manifest.json"] = fuzz_read_fixture(p.dir + "/manifest.json");
        radz_package pkg;
        std::string err;
        if (!package_parse_manifest(p.bytes["manifest.json"], &pkg, &err)) fuzz_fail(err.c_str(), __FILE__, __LINE__);
        for (const package_file & f : pkg.files) {
            p.paths.push_back(f.path);
            p.bytes[f.path] = fuzz_read_fixture(p.dir + "/" + f.path);
        }
        return p;
    }();
    return b;
}

// The manifest with the files entry of path given size and sha256 of bytes; the manifest
// unchanged when it is not JSON of that shape.
std::string manifest_fixed(const std::string & manifest, const std::string & path, const std::string & bytes) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(manifest, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_array()) return manifest;
    for (auto & f : j["files"]) {
        if (f.is_object() && f.contains("path") && f["path"] == path) {
            f["size"] = bytes.size();
            f["sha256"] = sha256_hex(bytes);
        }
    }
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

int run_package(const uint8_t * data, size_t size, bool fixup) {
    if (size == 0) return 0;
    const base_package & b = base();
    const std::string & replaced = b.paths[data[0] % b.paths.size()];
    std::map<std::string, std::string> files = b.bytes;
    files[replaced].assign((const char *) data + 1, size - 1);
    if (fixup && replaced != "manifest.json") {
        files["manifest.json"] = manifest_fixed(files["manifest.json"], replaced, files[replaced]);
    }

    radz_package pkg;
    std::string err;
    if (!package_parse_manifest(files["manifest.json"], &pkg, &err)) {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
        return 0;
    }
    const pipeline_reader reader = [&files](const std::string & path, std::vector<uint8_t> * out, std::string * e) {
        auto it = files.find(path);
        if (it == files.end()) {
            *e = path + ": not found";
            return false;
        }
        out->assign(it->second.begin(), it->second.end());
        return true;
    };
    // The variant that uses the replaced file, else the default one.
    std::string variant;
    for (const package_variant_info & v : pkg.variants) {
        if (replaced == v.vision || replaced == v.decoder || replaced == v.embeddings || replaced == v.anchors ||
            replaced == v.reference) {
            variant = v.name;
        }
    }
    fuzz_backend be;
    pipeline pl;
    const bool opened = pipeline_open(&be, pkg, variant, reader, &pl, &err);
    if (getenv("RADZ_FUZZ_VERBOSE")) fprintf(stderr, "%s: %s\n", replaced.c_str(), opened ? "opened" : err.c_str());
    if (!opened) {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
        return 0;
    }
    FUZZ_CHECK(pl.vision && pl.decoder && pl.tok);
    FUZZ_CHECK(pl.embeddings.size() == (size_t) pkg.dims.vocab_size * (size_t) pkg.dims.hidden_size);
    FUZZ_CHECK(pl.anchors.feature_dim == pkg.dims.feature_dim);
    std::vector<int32_t> ids;
    bool truncated = false;
    if (pipeline_text_ids(pl, "Pleural effusion", &ids, &truncated, &err)) {
        for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id < pkg.dims.vocab_size);
        // What the text and vision paths embed next: [bos] text [txt_cls..], [img_cls..], each
        // modality's token and [pad]; an opened package embeds all of them.
        std::vector<int32_t> seq = { pkg.special_tokens.bos };
        seq.insert(seq.end(), ids.begin(), ids.end());
        seq.insert(seq.end(), pkg.special_tokens.txt_cls.begin(), pkg.special_tokens.txt_cls.end());
        seq.insert(seq.end(), pkg.special_tokens.img_cls.begin(), pkg.special_tokens.img_cls.end());
        for (const auto & m : pkg.special_tokens.modality) seq.push_back(m.second);
        seq.push_back(pkg.special_tokens.pad);
        std::vector<float> rows;
        if (!pipeline_embed_ids(pl, seq, &rows, &err)) fuzz_fail(err.c_str(), __FILE__, __LINE__);
        FUZZ_CHECK(rows.size() == seq.size() * (size_t) pkg.dims.hidden_size);
    }
    return 0;
}

}  // namespace

int fuzz_package(const uint8_t * data, size_t size) { return run_package(data, size, false); }
int fuzz_package_fixup(const uint8_t * data, size_t size) { return run_package(data, size, true); }
