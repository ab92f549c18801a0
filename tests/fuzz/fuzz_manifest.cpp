// Fuzz target: manifest.json (core/package.h, package_parse_manifest).
#include "fuzz_targets.h"
#include "package.h"

int fuzz_manifest(const uint8_t * data, size_t size) {
    radz_package pkg;
    std::string err;
    if (!package_parse_manifest(std::string((const char *) data, size), &pkg, &err)) {
        FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
        return 0;
    }
    FUZZ_CHECK(pkg.format_version >= 0 && pkg.format_version <= 3);
    // The modality head (section 11): present exactly from version 2 on, its graph a listed
    // file of role "modality", its classes the package's modalities then "other", its
    // thresholds in range.
    const package_modality_head & h = pkg.modality_head;
    FUZZ_CHECK(h.present == (pkg.format_version >= 2));
    if (h.present) {
        const package_file * g = package_file_find(pkg, h.graph);
        FUZZ_CHECK(g != nullptr && g->role == "modality");
        FUZZ_CHECK(h.classes.size() == pkg.modalities.size() + 1 && h.classes.back() == "other");
        for (size_t i = 0; i + 1 < h.classes.size(); i++) {
            FUZZ_CHECK(package_modality_find(pkg, h.classes[i]) != nullptr);
        }
        FUZZ_CHECK(h.view == pkg.image.width);
        FUZZ_CHECK(h.p_other_max > 0.0 && h.p_other_max <= 1.0 && h.distance_max > 0.0);
        FUZZ_CHECK(h.min_contrast >= 0.0 && h.min_contrast < 1.0);
        FUZZ_CHECK(h.strong_disagreement > 0.5 && h.strong_disagreement <= 1.0);
    }
    FUZZ_CHECK(package_k(pkg) >= 1 && package_k(pkg) <= 16);
    // Every special token id indexes the embedding table (docs/model-package.md section 1).
    const int32_t V = pkg.dims.vocab_size;
    FUZZ_CHECK(pkg.special_tokens.pad >= 0 && pkg.special_tokens.pad < V);
    FUZZ_CHECK(pkg.special_tokens.bos >= 0 && pkg.special_tokens.bos < V);
    for (int32_t id : pkg.special_tokens.img_cls) FUZZ_CHECK(id >= 0 && id < V);
    for (int32_t id : pkg.special_tokens.txt_cls) FUZZ_CHECK(id >= 0 && id < V);
    for (const auto & m : pkg.special_tokens.modality) FUZZ_CHECK(m.second >= 0 && m.second < V);
    FUZZ_CHECK(pkg.sequence.max_text_tokens == pkg.sequence.max_length - 1 - package_k(pkg));
    FUZZ_CHECK(package_variant(pkg, "") != nullptr);
    for (const std::string & name : package_variant_names(pkg)) {
        const package_variant_info * v = package_variant(pkg, name);
        FUZZ_CHECK(v != nullptr);
        for (const std::string * p : { &v->vision, &v->decoder, &v->embeddings, &v->anchors, &v->reference }) {
            FUZZ_CHECK(package_file_find(pkg, *p) != nullptr);
        }
    }
    for (const package_modality & m : pkg.modalities) FUZZ_CHECK(package_modality_find(pkg, m.id) != nullptr);
    FUZZ_CHECK(package_file_find(pkg, pkg.tokenizer_file) != nullptr);
    return 0;
}
