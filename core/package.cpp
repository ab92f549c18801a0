#include "package.h"

#include "file_io.h"
#include "json_read.h"
#include "sha256.h"

#include <set>

static const char * k_manifest = "manifest.json";

// modalities[].input_size (format version 3): the side of the square the vision graph sees.
static const int64_t k_input_size_min = 16;
static const int64_t k_input_size_max = 512;

static bool path_rule_ok(const std::string & p, std::string * why) {
    if (p.empty())                          { *why = "empty path"; return false; }
    if (p[0] == '/')                        { *why = "leading '/'"; return false; }
    if (p.find('\\') != std::string::npos)  { *why = "'\\' in path (use '/')"; return false; }
    if (p.find('\0') != std::string::npos)  { *why = "NUL in path"; return false; }
    size_t start = 0;
    while (true) {
        const size_t end = p.find('/', start);
        const std::string part = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (part.empty())  { *why = "empty path component"; return false; }
        if (part == "..")  { *why = "'..' in path"; return false; }
        if (part == ".")   { *why = "'.' in path"; return false; }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    if (p == k_manifest) { *why = "manifest.json lists itself"; return false; }
    return true;
}

static bool one_of(const std::string & v, std::initializer_list<const char *> allowed) {
    for (const char * a : allowed) {
        if (v == a) return true;
    }
    return false;
}

static std::string quoted_list(std::initializer_list<const char *> allowed) {
    std::string s;
    for (const char * a : allowed) {
        s += (s.empty() ? "" : ", ") + std::string("\"") + a + "\"";
    }
    return s;
}

static bool get_enum(const json_reader & r, const json & obj, const std::string & where, const char * key,
                     std::initializer_list<const char *> allowed, std::string * out) {
    if (!r.get_string(obj, where, key, out)) return false;
    if (!one_of(*out, allowed)) {
        return r.fail(json_path(where, key), "expected one of " + quoted_list(allowed) + ", found \"" + *out + "\"");
    }
    return true;
}

static bool get_positive(const json_reader & r, const json & obj, const std::string & where, const char * key, int32_t * out) {
    if (!r.get_int32(obj, where, key, out)) return false;
    if (*out < 1) return r.fail(json_path(where, key), "expected a positive integer, found " + std::to_string(*out));
    return true;
}

static bool get_int_array(const json_reader & r, const json & obj, const std::string & where, const char * key,
                          std::vector<int32_t> * out) {
    const json * a = nullptr;
    if (!r.get_array(obj, where, key, &a)) return false;
    out->clear();
    for (size_t i = 0; i < a->size(); i++) {
        int64_t x = 0;
        if (!r.as_int((*a)[i], json_path(json_path(where, key), i), &x)) return false;
        if (x < INT32_MIN || x > INT32_MAX) return r.fail(json_path(json_path(where, key), i), "integer out of range");
        out->push_back((int32_t) x);
    }
    return true;
}

// manifest.json's modality_head (section 11): the graph, its classes (the package's modalities
// in any order, then "other"), the view side and the gate's thresholds.
static bool parse_modality_head(const json_reader & r, const json & mh, radz_package * pkg) {
    package_modality_head & h = pkg->modality_head;
    const char * w = "modality_head";
    if (!r.get_string(mh, w, "graph", &h.graph)) return false;
    const json * classes = nullptr;
    if (!r.get_array(mh, w, "classes", &classes)) return false;
    for (size_t i = 0; i < classes->size(); i++) {
        std::string c;
        if (!r.as_string((*classes)[i], json_path("modality_head.classes", i), &c)) return false;
        h.classes.push_back(c);
    }
    if (h.classes.size() < 2 || h.classes.back() != "other") {
        return r.fail("modality_head.classes", "expected the package's modalities then \"other\", found " +
                      json_describe(*classes));
    }
    int64_t view = 0;
    if (!r.get_int(mh, w, "view", &view)) return false;
    if (view != pkg->image.width || view != pkg->image.height) {
        return r.fail("modality_head.view", "expected " + std::to_string(pkg->image.width) +
                      " (image.width x image.height: the head sees the section 2 pixels), found " + std::to_string(view));
    }
    h.view = (int32_t) view;
    if (!r.get_number(mh, w, "p_other_max", &h.p_other_max)) return false;
    if (!r.get_number(mh, w, "distance_max", &h.distance_max)) return false;
    if (!r.get_number(mh, w, "min_contrast", &h.min_contrast)) return false;
    if (!r.get_number(mh, w, "strong_disagreement", &h.strong_disagreement)) return false;
    if (!(h.p_other_max > 0.0 && h.p_other_max <= 1.0)) return r.fail("modality_head.p_other_max", "expected a number in (0, 1]");
    if (!(h.distance_max > 0.0)) return r.fail("modality_head.distance_max", "expected a number > 0");
    if (!(h.min_contrast >= 0.0 && h.min_contrast < 1.0)) return r.fail("modality_head.min_contrast", "expected a number in [0, 1)");
    if (!(h.strong_disagreement > 0.5 && h.strong_disagreement <= 1.0)) {
        return r.fail("modality_head.strong_disagreement", "expected a number in (0.5, 1]");
    }
    h.present = true;
    return true;
}

// Keys and types (section 1's table) plus per-field value rules. No disk, no cross-references.
static bool parse_fields(const std::string & text, radz_package * pkg, std::string * err) {
    json_reader r{ k_manifest, err };
    json doc;
    if (!json_parse_text(text, k_manifest, &doc, err)) return false;
    if (!doc.is_object()) return r.fail("", "expected a JSON object, found " + json_describe(doc));

    // format and version first: a newer package gets the version message, not a missing key
    std::string format;
    if (!r.get_string(doc, "", "format", &format)) return false;
    if (format != "radz-model-package") return r.fail("format", "expected \"radz-model-package\", found \"" + format + "\"");
    int64_t version = -1;
    if (!r.get_int(doc, "", "format_version", &version)) return false;
    if (version < 0 || version > 3) {
        return r.fail("format_version", "expected 0, 1, 2 or 3, found " + std::to_string(version) +
                      " (this reader knows versions 0 to 3)");
    }
    pkg->format_version = (int32_t) version;

    if (!r.get_string(doc, "", "name", &pkg->name)) return false;
    if (!r.get_string(doc, "", "description", &pkg->description)) return false;

    // recipe
    const json * recipe = nullptr;
    if (!r.get_object(doc, "", "recipe", &recipe)) return false;
    {
        std::string s;
        int64_t seed = 0;
        const json * config = nullptr;
        if (!r.get_string(*recipe, "recipe", "command", &s)) return false;
        if (!r.get_int(*recipe, "recipe", "seed", &seed)) return false;
        if (!r.get_object(*recipe, "recipe", "config", &config)) return false;
        const json * gc = r.get(*recipe, "recipe", "git_commit");
        if (!gc) return false;
        if (!gc->is_null() && !gc->is_string()) return r.fail("recipe.git_commit", "expected a string or null, found " + json_describe(*gc));
        if (!r.get_string(*recipe, "recipe", "torch_version", &s)) return false;
        if (!r.get_string(*recipe, "recipe", "created", &s)) return false;
        pkg->recipe_json = recipe->dump(2, ' ', false, json::error_handler_t::replace);
    }

    // files
    const json * files = nullptr;
    if (!r.get_array(doc, "", "files", &files)) return false;
    std::set<std::string> seen;
    pkg->files.clear();
    for (size_t i = 0; i < files->size(); i++) {
        const std::string w = json_path("files", i);
        const json & f = (*files)[i];
        if (!f.is_object()) return r.fail(w, "expected an object, found " + json_describe(f));
        package_file pf;
        int64_t size = 0;
        if (!r.get_string(f, w, "path", &pf.path)) return false;
        if (!r.get_string(f, w, "sha256", &pf.sha256)) return false;
        if (!r.get_int(f, w, "size", &size)) return false;
        if (pkg->format_version >= 1) {
            if (!get_enum(r, f, w, "role", { "tokenizer", "vision", "decoder", "embeddings", "anchors", "reference", "golden", "doc", "evidence", "modality" }, &pf.role)) return false;
        } else {
            if (!get_enum(r, f, w, "role", { "tokenizer", "vision", "decoder", "embeddings", "anchors", "reference", "golden", "doc" }, &pf.role)) return false;
        }
        std::string why;
        if (!path_rule_ok(pf.path, &why)) return r.fail(w + ".path", why + ": \"" + pf.path + "\"");
        if (!sha256_is_hex(pf.sha256)) return r.fail(w + ".sha256", "expected 64 lower-case hex digits, found " + json_describe(f["sha256"]));
        if (size < 0) return r.fail(w + ".size", "expected a size in bytes, found " + std::to_string(size));
        pf.size = (uint64_t) size;
        if (!seen.insert(pf.path).second) return r.fail(w + ".path", "'" + pf.path + "' is listed twice");
        pkg->files.push_back(pf);
    }

    // image
    const json * image = nullptr;
    if (!r.get_object(doc, "", "image", &image)) return false;
    {
        package_image_settings & s = pkg->image;
        int64_t mfb = 0;
        if (!get_positive(r, *image, "image", "width", &s.width)) return false;
        if (!get_positive(r, *image, "image", "height", &s.height)) return false;
        if (!r.get_int32(*image, "image", "channels", &s.channels)) return false;
        if (!get_enum(r, *image, "image", "grey", { "pil-L" }, &s.grey)) return false;
        if (!get_enum(r, *image, "image", "resize", { "area-exact" }, &s.resize)) return false;
        if (!get_positive(r, *image, "image", "max_side", &s.max_side)) return false;
        if (!r.get_int(*image, "image", "max_file_bytes", &mfb)) return false;
        if (s.channels != 1) return r.fail("image.channels", "expected 1, found " + std::to_string(s.channels));
        if (s.width > 4096 || s.height > 4096) return r.fail("image", "width and height must be at most 4096");
        if (s.max_side > 65536) return r.fail("image.max_side", "expected at most 65536, found " + std::to_string(s.max_side));
        if (mfb < 1 || mfb > INT32_MAX) return r.fail("image.max_file_bytes", "expected 1 .. 2147483647, found " + std::to_string(mfb));
        s.max_file_bytes = (uint64_t) mfb;
    }

    const json * tok = nullptr;
    if (!r.get_object(doc, "", "tokenizer", &tok)) return false;
    if (!r.get_string(*tok, "tokenizer", "file", &pkg->tokenizer_file)) return false;

    // special tokens
    const json * st = nullptr;
    if (!r.get_object(doc, "", "special_tokens", &st)) return false;
    {
        package_special_tokens & s = pkg->special_tokens;
        if (!r.get_int32(*st, "special_tokens", "pad", &s.pad)) return false;
        if (!r.get_int32(*st, "special_tokens", "bos", &s.bos)) return false;
        if (!get_int_array(r, *st, "special_tokens", "img_cls", &s.img_cls)) return false;
        if (!get_int_array(r, *st, "special_tokens", "txt_cls", &s.txt_cls)) return false;
        const json * mod = nullptr;
        if (!r.get_object(*st, "special_tokens", "modality", &mod)) return false;
        s.modality.clear();
        for (auto it = mod->begin(); it != mod->end(); ++it) {
            int64_t id = 0;
            if (!r.as_int(it.value(), "special_tokens.modality." + it.key(), &id)) return false;
            if (id < INT32_MIN || id > INT32_MAX) return r.fail("special_tokens.modality." + it.key(), "integer out of range");
            s.modality[it.key()] = (int32_t) id;
        }
    }

    const json * seq = nullptr;
    if (!r.get_object(doc, "", "sequence", &seq)) return false;
    if (!get_positive(r, *seq, "sequence", "max_length", &pkg->sequence.max_length)) return false;
    if (!get_positive(r, *seq, "sequence", "max_text_tokens", &pkg->sequence.max_text_tokens)) return false;

    const json * dims = nullptr;
    if (!r.get_object(doc, "", "dims", &dims)) return false;
    {
        package_dims & d = pkg->dims;
        if (!get_positive(r, *dims, "dims", "hidden_size", &d.hidden_size)) return false;
        if (!get_positive(r, *dims, "dims", "feature_dim", &d.feature_dim)) return false;
        if (!get_positive(r, *dims, "dims", "vocab_size", &d.vocab_size)) return false;
        if (!get_positive(r, *dims, "dims", "image_tokens", &d.image_tokens)) return false;
        if (!get_positive(r, *dims, "dims", "n_layers", &d.n_layers)) return false;
        if (!get_positive(r, *dims, "dims", "feature_layer", &d.feature_layer)) return false;
        if (d.feature_layer > d.n_layers) {
            return r.fail("dims.feature_layer", "expected 1 .. n_layers (" + std::to_string(d.n_layers) + "), found " +
                          std::to_string(d.feature_layer));
        }
    }

    const json * mods = nullptr;
    if (!r.get_array(doc, "", "modalities", &mods)) return false;
    if (mods->empty()) return r.fail("modalities", "expected at least one modality, found none");
    pkg->modalities.clear();
    for (size_t i = 0; i < mods->size(); i++) {
        const std::string w = json_path("modalities", i);
        const json & m = (*mods)[i];
        if (!m.is_object()) return r.fail(w, "expected an object, found " + json_describe(m));
        package_modality pm;
        if (!r.get_string(m, w, "id", &pm.id)) return false;
        if (!r.get_string(m, w, "display", &pm.display)) return false;
        if (!get_enum(r, m, w, "task", { "multilabel", "multiclass" }, &pm.task)) return false;
        if (pm.id.empty()) return r.fail(w + ".id", "empty modality id");
        // version 3: the vision graph's input size for this modality (section 2); absent: the
        // image section's width x height
        pm.input_width  = pkg->image.width;
        pm.input_height = pkg->image.height;
        const auto is = m.find("input_size");
        if (is != m.end()) {
            const std::string wi = w + ".input_size";
            if (pkg->format_version < 3) {
                return r.fail(wi, "needs format_version 3 or later, found " + std::to_string(pkg->format_version) +
                              " (a reader of that version would feed this modality image.width x image.height pixels)");
            }
            int64_t size = 0;
            if (!r.as_int(*is, wi, &size)) return false;
            if (size < k_input_size_min || size > k_input_size_max) {
                return r.fail(wi, "expected a side in pixels in " + std::to_string(k_input_size_min) + " .. " +
                              std::to_string(k_input_size_max) + ", found " + std::to_string(size));
            }
            pm.input_size_declared = true;
            pm.input_width = pm.input_height = (int32_t) size;
        }
        for (const package_modality & o : pkg->modalities) {
            if (o.id == pm.id) return r.fail(w + ".id", "modality '" + pm.id + "' is declared twice");
        }
        pkg->modalities.push_back(pm);
    }

    const json * dkam = nullptr;
    if (!r.get_object(doc, "", "dkam", &dkam)) return false;
    if (!r.get_string(*dkam, "dkam", "template", &pkg->dkam_template)) return false;

    // variants
    const json * variants = nullptr;
    if (!r.get_object(doc, "", "variants", &variants)) return false;
    if (variants->empty()) return r.fail("variants", "expected at least one variant, found none");
    pkg->variants.clear();
    for (auto it = variants->begin(); it != variants->end(); ++it) {
        const std::string w = "variants." + it.key();
        const json & v = it.value();
        if (!v.is_object()) return r.fail(w, "expected an object, found " + json_describe(v));
        package_variant_info pv;
        pv.name = it.key();
        int64_t bytes = 0;
        if (!r.get_string(v, w, "vision", &pv.vision)) return false;
        if (!r.get_string(v, w, "decoder", &pv.decoder)) return false;
        if (!r.get_string(v, w, "embeddings", &pv.embeddings)) return false;
        if (!r.get_string(v, w, "anchors", &pv.anchors)) return false;
        if (!get_enum(r, v, w, "embeddings_dtype", { "float32", "int8_rowwise" }, &pv.embeddings_dtype)) return false;
        const json * ref = nullptr;
        if (!r.get_object(v, w, "reference", &ref)) return false;
        if (!r.get_string(*ref, w + ".reference", "file", &pv.reference)) return false;
        const json * rows = nullptr;
        if (!r.get_object(*ref, w + ".reference", "rows", &rows)) return false;
        for (auto rt = rows->begin(); rt != rows->end(); ++rt) {
            const std::string wr = w + ".reference.rows." + rt.key();
            const json & range = rt.value();
            if (!range.is_array() || range.size() != 2) return r.fail(wr, "expected [begin, end], found " + json_describe(range));
            int64_t b = 0, e = 0;
            if (!r.as_int(range[0], wr + "[0]", &b) || !r.as_int(range[1], wr + "[1]", &e)) return false;
            if (b < 0 || e <= b) {
                return r.fail(wr, "expected 0 <= begin < end, found [" + std::to_string(b) + ", " + std::to_string(e) + "]");
            }
            pv.reference_rows[rt.key()] = { b, e };
        }
        if (!get_enum(r, v, w, "quantization", { "none", "int8-weight-only", "int4-matmulnbits" }, &pv.quantization)) return false;
        if (!r.get_number(v, w, "quantized_share", &pv.quantized_share)) return false;
        if (pv.quantized_share < 0.0 || pv.quantized_share > 1.0) {
            return r.fail(w + ".quantized_share", "expected 0 .. 1, found " + json_describe(v["quantized_share"]));
        }
        if (!r.get_int(v, w, "bytes", &bytes)) return false;
        if (bytes < 0) return r.fail(w + ".bytes", "expected a size in bytes, found " + std::to_string(bytes));
        pv.bytes = (uint64_t) bytes;
        pkg->variants.push_back(pv);
    }
    if (!r.get_string(doc, "", "default_variant", &pkg->default_variant)) return false;

    // version 1: the evidence for the scores (section 10); version 0 has none (its key is ignored)
    pkg->evidence_file.clear();
    if (pkg->format_version >= 1) {
        const json * ev = nullptr;
        if (!r.get_object(doc, "", "evidence", &ev)) return false;
        if (!r.get_string(*ev, "evidence", "file", &pkg->evidence_file)) return false;
    }

    // version 2: the modality detector and out-of-distribution gate (section 11)
    pkg->modality_head = package_modality_head{};
    if (pkg->format_version >= 2) {
        const json * mh = nullptr;
        if (!r.get_object(doc, "", "modality_head", &mh)) return false;
        if (!parse_modality_head(r, *mh, pkg)) return false;
    }

    const json * golden = nullptr;
    if (!r.get_object(doc, "", "golden", &golden)) return false;
    {
        package_golden & g = pkg->golden;
        if (!r.get_string(*golden, "golden", "file", &g.file)) return false;
        if (!r.get_string(*golden, "golden", "made_by", &g.made_by)) return false;
        if (!r.get_string(*golden, "golden", "variant", &g.variant)) return false;
        const json * tol = nullptr;
        if (!r.get_object(*golden, "golden", "tolerance", &tol)) return false;
        g.tolerance.clear();
        for (auto it = tol->begin(); it != tol->end(); ++it) {
            double x = 0.0;
            if (!r.as_number(it.value(), "golden.tolerance." + it.key(), &x)) return false;
            if (x < 0.0) return r.fail("golden.tolerance." + it.key(), "expected >= 0, found " + json_describe(it.value()));
            g.tolerance[it.key()] = x;
        }
    }
    return true;
}

// Every path named outside `files` is in `files` with the right role, and the values that
// depend on several fields agree.
static bool check_references(radz_package * pkg, std::string * err) {
    json_reader r{ k_manifest, err };
    auto check_ref = [&](const std::string & where, const std::string & path, const char * role) {
        const package_file * f = package_file_find(*pkg, path);
        if (!f) return r.fail(where, "'" + path + "' is not listed in files");
        if (f->role != role) {
            return r.fail(where, "'" + path + "' has role \"" + f->role + "\" in files, expected \"" + role + "\"");
        }
        return true;
    };
    if (!check_ref("tokenizer.file", pkg->tokenizer_file, "tokenizer")) return false;
    if (!check_ref("golden.file", pkg->golden.file, "golden")) return false;
    if (pkg->format_version >= 1 && !check_ref("evidence.file", pkg->evidence_file, "evidence")) return false;
    if (pkg->modality_head.present) {
        if (!check_ref("modality_head.graph", pkg->modality_head.graph, "modality")) return false;
        const std::vector<std::string> & c = pkg->modality_head.classes;
        for (size_t i = 0; i + 1 < c.size(); i++) {
            if (!package_modality_find(*pkg, c[i])) {
                return r.fail(json_path("modality_head.classes", i), "'" + c[i] + "' is not a modality of this package");
            }
            for (size_t j = 0; j < i; j++) {
                if (c[j] == c[i]) return r.fail(json_path("modality_head.classes", i), "'" + c[i] + "' is listed twice");
            }
        }
        if (c.size() - 1 != pkg->modalities.size()) {
            return r.fail("modality_head.classes", "expected every modality of the package (" +
                          std::to_string(pkg->modalities.size()) + ") then \"other\", found " +
                          std::to_string(c.size() - 1) + " modalities");
        }
    }
    if (!package_variant(*pkg, pkg->golden.variant)) {
        return r.fail("golden.variant", "'" + pkg->golden.variant + "' is not a variant");
    }
    if (pkg->default_variant.empty() || !package_variant(*pkg, pkg->default_variant)) {
        return r.fail("default_variant", "'" + pkg->default_variant + "' is not a variant");
    }

    const package_dims & d = pkg->dims;
    const package_special_tokens & st = pkg->special_tokens;
    const size_t K = st.img_cls.size();
    if (K < 1 || K > 16) return r.fail("special_tokens.img_cls", "expected 1 .. 16 ids, found " + std::to_string(K));
    if (st.txt_cls.size() != K) {
        return r.fail("special_tokens.txt_cls", "expected " + std::to_string(K) + " ids (as img_cls), found " +
                      std::to_string(st.txt_cls.size()));
    }
    // every special id in [0, V) and all of them distinct
    std::vector<std::pair<std::string, int32_t>> ids = { { "pad", st.pad }, { "bos", st.bos } };
    for (size_t i = 0; i < K; i++) ids.push_back({ "img_cls[" + std::to_string(i) + "]", st.img_cls[i] });
    for (size_t i = 0; i < K; i++) ids.push_back({ "txt_cls[" + std::to_string(i) + "]", st.txt_cls[i] });
    for (const package_modality & m : pkg->modalities) {
        const auto it = st.modality.find(m.id);
        if (it == st.modality.end()) return r.fail("special_tokens.modality", "no token for modality '" + m.id + "'");
        ids.push_back({ "modality." + m.id, it->second });
    }
    for (const auto & kv : st.modality) {
        if (!package_modality_find(*pkg, kv.first)) {
            return r.fail("special_tokens.modality." + kv.first, "'" + kv.first + "' is not in modalities");
        }
    }
    for (size_t i = 0; i < ids.size(); i++) {
        if (ids[i].second < 0 || ids[i].second >= d.vocab_size) {
            return r.fail("special_tokens." + ids[i].first, "id " + std::to_string(ids[i].second) + " is outside the vocabulary (0 .. " +
                          std::to_string(d.vocab_size - 1) + ")");
        }
        for (size_t j = 0; j < i; j++) {
            if (ids[i].second == ids[j].second) {
                return r.fail("special_tokens." + ids[i].first, "id " + std::to_string(ids[i].second) + " is also " + ids[j].first +
                              " (special tokens must be distinct)");
            }
        }
    }
    const int64_t want_text = (int64_t) pkg->sequence.max_length - 1 - (int64_t) K;
    if (pkg->sequence.max_text_tokens != want_text) {
        return r.fail("sequence.max_text_tokens", "expected max_length - 1 - K = " + std::to_string(want_text) + ", found " +
                      std::to_string(pkg->sequence.max_text_tokens));
    }
    const int64_t image_len = 2 + (int64_t) d.image_tokens + (int64_t) K;
    if (image_len > pkg->sequence.max_length) {
        return r.fail("sequence.max_length", "the image sequence needs " + std::to_string(image_len) + " positions, found " +
                      std::to_string(pkg->sequence.max_length));
    }

    for (const package_variant_info & v : pkg->variants) {
        const std::string w = "variants." + v.name;
        if (!check_ref(w + ".vision", v.vision, "vision")) return false;
        if (!check_ref(w + ".decoder", v.decoder, "decoder")) return false;
        if (!check_ref(w + ".embeddings", v.embeddings, "embeddings")) return false;
        if (!check_ref(w + ".anchors", v.anchors, "anchors")) return false;
        if (!check_ref(w + ".reference.file", v.reference, "reference")) return false;
        const uint64_t V = (uint64_t) d.vocab_size, D = (uint64_t) d.hidden_size, E = (uint64_t) d.feature_dim;
        const uint64_t emb_want = v.embeddings_dtype == "float32" ? 4 * V * D : 4 * V + V * D;
        const package_file * emb = package_file_find(*pkg, v.embeddings);
        if (emb->size != emb_want) {
            return r.fail(w + ".embeddings", "'" + v.embeddings + "' is " + std::to_string(emb->size) + " bytes, expected " +
                          std::to_string(emb_want) + " for " + v.embeddings_dtype + " with vocab_size " + std::to_string(V) +
                          " and hidden_size " + std::to_string(D));
        }
        const package_file * ref = package_file_find(*pkg, v.reference);
        if (ref->size % (4 * E) != 0) {
            return r.fail(w + ".reference.file", "'" + v.reference + "' is " + std::to_string(ref->size) +
                          " bytes, not a whole number of float32 rows of feature_dim " + std::to_string(E));
        }
        const int64_t n_rows = (int64_t) (ref->size / (4 * E));
        for (const package_modality & m : pkg->modalities) {
            if (!v.reference_rows.count(m.id)) return r.fail(w + ".reference.rows", "no rows for modality '" + m.id + "'");
        }
        for (const auto & kv : v.reference_rows) {
            if (!package_modality_find(*pkg, kv.first)) {
                return r.fail(w + ".reference.rows." + kv.first, "'" + kv.first + "' is not in modalities");
            }
            if (kv.second.second > n_rows) {
                return r.fail(w + ".reference.rows." + kv.first, "end " + std::to_string(kv.second.second) + " is past the " +
                              std::to_string(n_rows) + " rows of '" + v.reference + "'");
            }
        }
        const uint64_t sum = package_file_find(*pkg, v.vision)->size + package_file_find(*pkg, v.decoder)->size + emb->size +
                             package_file_find(*pkg, v.anchors)->size + ref->size;
        if (v.bytes != sum) {
            return r.fail(w + ".bytes", "expected " + std::to_string(sum) + " (the sum of its five files), found " +
                          std::to_string(v.bytes));
        }
    }
    return true;
}

bool package_parse_manifest(const std::string & manifest_text, radz_package * pkg, std::string * err) {
    *pkg = radz_package();
    if (!parse_fields(manifest_text, pkg, err)) return false;
    if (!check_references(pkg, err)) return false;
    pkg->manifest_sha256 = sha256_hex(manifest_text);
    return true;
}

static std::string short_hash(const std::string & h) {
    return h.size() > 12 ? h.substr(0, 12) + "..." : h;
}

bool package_verify_file_bytes(const radz_package & pkg, const std::string & path, const uint8_t * bytes, size_t size,
                               std::string * err) {
    const package_file * f = package_file_find(pkg, path);
    if (!f) {
        if (err) *err = path + ": not listed in manifest.json";
        return false;
    }
    if ((uint64_t) size != f->size) {
        if (err) *err = path + ": size mismatch: manifest says " + std::to_string(f->size) + " bytes, file has " + std::to_string(size);
        return false;
    }
    const std::string h = sha256_hex(bytes, size);
    if (h != f->sha256) {
        if (err) *err = path + ": sha256 mismatch: manifest says " + short_hash(f->sha256) + ", file is " + short_hash(h);
        return false;
    }
    return true;
}

bool package_load(const std::string & dir, radz_package * pkg, std::string * err) {
    std::string text;
    const std::string mpath = dir.empty() ? std::string(k_manifest) : dir + "/" + k_manifest;
    if (!file_read_text(mpath, &text, 16u << 20, err)) return false;

    *pkg = radz_package();
    if (!parse_fields(text, pkg, err)) return false;
    pkg->dir = dir;
    pkg->manifest_sha256 = sha256_hex(text);
    for (const package_file & f : pkg->files) {
        const std::string p = package_file_path(*pkg, f.path);
        uint64_t size = 0;
        if (!file_size(p, &size)) {
            if (err) *err = f.path + ": listed in manifest.json but missing from the package";
            return false;
        }
        if (size != f.size) {
            if (err) *err = f.path + ": size mismatch: manifest says " + std::to_string(f.size) + " bytes, file has " + std::to_string(size);
            return false;
        }
        std::string h;
        if (!sha256_file_hex(p, &h, err)) return false;
        if (h != f.sha256) {
            if (err) *err = f.path + ": sha256 mismatch: manifest says " + short_hash(f.sha256) + ", file is " + short_hash(h);
            return false;
        }
    }
    return check_references(pkg, err);
}

const package_variant_info * package_variant(const radz_package & pkg, const std::string & name) {
    const std::string & want = name.empty() ? pkg.default_variant : name;
    for (const package_variant_info & v : pkg.variants) {
        if (v.name == want) return &v;
    }
    return nullptr;
}

const package_modality * package_modality_find(const radz_package & pkg, const std::string & id) {
    for (const package_modality & m : pkg.modalities) {
        if (m.id == id) return &m;
    }
    return nullptr;
}

bool package_input_size(const radz_package & pkg, const std::string & modality, int32_t * width, int32_t * height) {
    const package_modality * m = package_modality_find(pkg, modality);
    if (!m) return false;
    *width  = m->input_width;
    *height = m->input_height;
    return true;
}

const package_file * package_file_find(const radz_package & pkg, const std::string & path) {
    for (const package_file & f : pkg.files) {
        if (f.path == path) return &f;
    }
    return nullptr;
}

std::string package_file_path(const radz_package & pkg, const std::string & path) {
    return pkg.dir.empty() ? path : pkg.dir + "/" + path;
}

std::vector<std::string> package_variant_files(const radz_package & pkg, const package_variant_info & v) {
    std::vector<std::string> files = {v.embeddings, pkg.tokenizer_file, v.reference, v.anchors};
    if (pkg.format_version >= 1) {
        files.push_back(pkg.evidence_file);
    }
    files.push_back(v.vision);
    files.push_back(v.decoder);
    if (pkg.modality_head.present) {
        files.push_back(pkg.modality_head.graph);
    }
    return files;
}

std::vector<std::string> package_variant_names(const radz_package & pkg) {
    std::vector<std::string> names;
    for (const package_variant_info & v : pkg.variants) names.push_back(v.name);
    return names;
}
