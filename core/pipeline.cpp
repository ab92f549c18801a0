#include "pipeline.h"

#include "file_io.h"
#include "image.h"
#include "sha256.h"
#include "unicode.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <set>

#ifndef RADZ_VERSION
#define RADZ_VERSION "0.0.0"
#endif

namespace {

double now_ms() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

void set_err(std::string * err, const std::string & msg) {
    if (err) {
        *err = msg;
    }
}

// Reads a package file through the reader and checks its size and sha256 against the manifest.
bool read_checked(const radz_package & pkg, const pipeline_reader & reader, const std::string & path,
                  std::vector<uint8_t> * bytes, std::string * err) {
    const package_file * f = package_file_find(pkg, path);
    if (!f) {
        set_err(err, "manifest.json: '" + path + "' is not listed in files");
        return false;
    }
    bool ok = reader ? reader(path, bytes, err)
                     : file_read_bytes(package_file_path(pkg, path), bytes, f->size + 1, err);
    return ok && package_verify_file_bytes(pkg, path, bytes->data(), bytes->size(), err);
}

std::string sha_of(const radz_package & pkg, const std::string & path) {
    const package_file * f = package_file_find(pkg, path);
    return f ? f->sha256 : std::string();
}

std::map<std::string, std::string> binding_names(const package_variant_info & v, const std::string & tokenizer) {
    return {{"vision", v.vision},       {"decoder", v.decoder},     {"embeddings", v.embeddings},
            {"tokenizer", tokenizer},   {"reference", v.reference}};
}

bool embeddings_from_bytes(const radz_package & pkg, const package_variant_info & v, const std::vector<uint8_t> & b,
                           std::vector<float> * out, std::string * err) {
    const uint64_t V = (uint64_t) pkg.dims.vocab_size, D = (uint64_t) pkg.dims.hidden_size;
    if (v.embeddings_dtype == "float32") {
        if (b.size() != 4 * V * D) {
            set_err(err, v.embeddings + ": " + std::to_string(b.size()) + " bytes, expected 4*V*D = " +
                             std::to_string(4 * V * D));
            return false;
        }
        out->resize(V * D);
        std::memcpy(out->data(), b.data(), b.size()); // little-endian host
    } else if (v.embeddings_dtype == "int8_rowwise") {
        if (b.size() != 4 * V + V * D) {
            set_err(err, v.embeddings + ": " + std::to_string(b.size()) + " bytes, expected 4*V + V*D = " +
                             std::to_string(4 * V + V * D));
            return false;
        }
        std::vector<float> scale(V);
        std::memcpy(scale.data(), b.data(), 4 * V);
        const int8_t * q = (const int8_t *) (b.data() + 4 * V);
        out->resize(V * D);
        for (uint64_t r = 0; r < V; ++r) {
            for (uint64_t d = 0; d < D; ++d) {
                (*out)[r * D + d] = scale[r] * (float) q[r * D + d];
            }
        }
    } else {
        set_err(err, "manifest.json: variants." + v.name + ".embeddings_dtype: expected float32 or int8_rowwise, found '" +
                         v.embeddings_dtype + "'");
        return false;
    }
    for (float x : *out) {
        if (!std::isfinite(x)) {
            set_err(err, v.embeddings + ": non-finite value in the embedding table");
            return false;
        }
    }
    return true;
}

const backend_output * find_output(const std::vector<backend_output> & outs, const std::string & name) {
    for (const auto & o : outs) {
        if (o.name == name) {
            return &o;
        }
    }
    return nullptr;
}

bool check_shape(const backend_output & o, const std::vector<int64_t> & want, const std::string & label,
                 std::string * err) {
    if (o.shape != want || o.data.size() != (size_t) backend_shape_elements(want)) {
        set_err(err, label + ": output '" + o.name + "' has shape " + backend_shape_str(o.shape) + ", expected " +
                         backend_shape_str(want));
        return false;
    }
    for (float x : o.data) {
        if (!std::isfinite(x)) {
            set_err(err, label + ": output '" + o.name + "' holds a non-finite value");
            return false;
        }
    }
    return true;
}

// Runs the decoder on a padded batch of sequences given as embedding rows.
// rows[i] holds len[i] * D floats; pool[i] the positions whose pool_mask is 1.
bool run_decoder(pipeline & pl, const std::vector<std::vector<float>> & rows, const std::vector<int32_t> & lens,
                 const std::vector<std::vector<int32_t>> & pool, const std::string & head, std::vector<float> * out,
                 std::string * err) {
    const int64_t N = (int64_t) rows.size();
    const int64_t D = pl.pkg.dims.hidden_size;
    const int64_t E = pl.pkg.dims.feature_dim;
    int64_t       T = 0;
    for (int32_t l : lens) {
        T = std::max<int64_t>(T, l);
    }
    if (T > pl.pkg.sequence.max_length) {
        set_err(err, pl.variant.decoder + ": sequence of " + std::to_string(T) + " positions, more than max_length " +
                         std::to_string(pl.pkg.sequence.max_length));
        return false;
    }
    std::vector<float> pad_row;
    if (!pipeline_embed_ids(pl, {pl.pkg.special_tokens.pad}, &pad_row, err)) {
        return false;
    }
    std::vector<float>   embeds((size_t) (N * T * D));
    std::vector<int64_t> attn((size_t) (N * T), 0);
    std::vector<float>   poolm((size_t) (N * T), 0.0f);
    for (int64_t i = 0; i < N; ++i) {
        float * dst = embeds.data() + i * T * D;
        std::memcpy(dst, rows[i].data(), sizeof(float) * (size_t) (lens[i] * D));
        for (int64_t t = lens[i]; t < T; ++t) {
            std::memcpy(dst + t * D, pad_row.data(), sizeof(float) * (size_t) D);
        }
        for (int64_t t = 0; t < lens[i]; ++t) {
            attn[i * T + t] = 1;
        }
        for (int32_t p : pool[i]) {
            poolm[i * T + p] = 1.0f;
        }
    }
    std::vector<backend_input> in = {
        {"inputs_embeds", backend_dtype::f32, {N, T, D}, embeds.data()},
        {"attention_mask", backend_dtype::i64, {N, T}, attn.data()},
        {"pool_mask", backend_dtype::f32, {N, T}, poolm.data()},
    };
    std::vector<backend_output> res;
    if (!pl.decoder->run(in, {head}, &res, err)) {
        return false;
    }
    const backend_output * o = find_output(res, head);
    if (!o || !check_shape(*o, {N, E}, pl.variant.decoder, err)) {
        if (!o) {
            set_err(err, pl.variant.decoder + ": no output '" + head + "'");
        }
        return false;
    }
    *out = o->data;
    return true;
}

std::string join(const std::vector<std::string> & v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) {
        s += (i ? ", " : "") + v[i];
    }
    return s;
}

} // namespace

bool pipeline_open(backend * be, const radz_package & pkg, const std::string & variant_name,
                   const pipeline_reader & reader, pipeline * pl, std::string * err) {
    const package_variant_info * v = package_variant(pkg, variant_name);
    if (!v) {
        set_err(err, "--variant: no variant '" + variant_name + "' in package " + pkg.name + " (has: " +
                         join(package_variant_names(pkg)) + ")");
        return false;
    }
    pl->pkg     = pkg;
    pl->variant = *v;
    pl->be      = be;

    std::vector<uint8_t> bytes;
    // Embedding table.
    if (!read_checked(pkg, reader, v->embeddings, &bytes, err) ||
        !embeddings_from_bytes(pkg, *v, bytes, &pl->embeddings, err)) {
        return false;
    }
    // Tokenizer.
    if (!read_checked(pkg, reader, pkg.tokenizer_file, &bytes, err)) {
        return false;
    }
    std::string tok_err;
    pl->tok.reset(tokenizer_load_json(std::string(bytes.begin(), bytes.end()), &tok_err));
    if (!pl->tok) {
        set_err(err, tok_err.rfind(pkg.tokenizer_file, 0) == 0 ? tok_err : pkg.tokenizer_file + ": " + tok_err);
        return false;
    }
    if (tokenizer_vocab_size(pl->tok.get()) > pkg.dims.vocab_size) {
        set_err(err, pkg.tokenizer_file + ": vocabulary of " + std::to_string(tokenizer_vocab_size(pl->tok.get())) +
                         " tokens, more than dims.vocab_size " + std::to_string(pkg.dims.vocab_size));
        return false;
    }
    // Reference features.
    if (!read_checked(pkg, reader, v->reference, &bytes, err) ||
        !reference_features_from_bytes(bytes.data(), bytes.size(), pkg.dims.feature_dim, v->reference_rows,
                                       v->reference, &pl->reference, err)) {
        return false;
    }
    // Binding of this variant, then its anchor table.
    pl->binding.vision     = sha_of(pkg, v->vision);
    pl->binding.decoder    = sha_of(pkg, v->decoder);
    pl->binding.embeddings = sha_of(pkg, v->embeddings);
    pl->binding.tokenizer  = sha_of(pkg, pkg.tokenizer_file);
    pl->binding.reference  = sha_of(pkg, v->reference);
    if (!read_checked(pkg, reader, v->anchors, &bytes, err) ||
        !anchor_table_parse(std::string(bytes.begin(), bytes.end()), v->anchors, &pl->anchors, err)) {
        return false;
    }
    const auto names = binding_names(*v, pkg.tokenizer_file);
    if (!anchor_table_check_binding(pl->anchors, pl->binding, err, &names)) {
        if (err) {
            *err = v->anchors + ": " + *err;
        }
        return false;
    }
    if (pl->anchors.feature_dim != pkg.dims.feature_dim) {
        set_err(err, v->anchors + ": feature_dim " + std::to_string(pl->anchors.feature_dim) +
                         ", the package's dims.feature_dim is " + std::to_string(pkg.dims.feature_dim));
        return false;
    }
    pl->anchors_source = "package";
    pl->anchors_sha256 = sha_of(pkg, v->anchors);
    // The evidence for the scores: the core decides no_signal here, once.
    if (!pipeline_package_evidence(pkg, *v, reader, pl->anchors, &pl->evidence, &pl->has_evidence_file, err)) {
        return false;
    }
    evidence_apply(&pl->anchors, pl->has_evidence_file ? &pl->evidence : nullptr, nullptr);
    pl->package_anchors = pl->anchors;

    // Graphs.
    if (!read_checked(pkg, reader, v->vision, &bytes, err)) {
        return false;
    }
    pl->vision = be->open_graph(bytes.data(), bytes.size(), v->vision, err);
    if (!pl->vision || !backend_graph_check_names(*pl->vision, v->vision, {"pixels"}, {"image_tokens"}, err)) {
        return false;
    }
    if (!read_checked(pkg, reader, v->decoder, &bytes, err)) {
        return false;
    }
    pl->decoder = be->open_graph(bytes.data(), bytes.size(), v->decoder, err);
    if (!pl->decoder ||
        !backend_graph_check_names(*pl->decoder, v->decoder, {"inputs_embeds", "attention_mask", "pool_mask"},
                                   {"image_feature", "text_feature", "anchor_feature"}, err)) {
        return false;
    }
    pl->modality_graph.reset();
    if (!pkg.modalities.empty()) {
        pl->default_modality = pkg.modalities[0].id;
    }
    if (pkg.modality_head.present) {
        const std::string & g = pkg.modality_head.graph;
        if (!read_checked(pkg, reader, g, &bytes, err)) {
            return false;
        }
        pl->modality_graph = be->open_graph(bytes.data(), bytes.size(), g, err);
        if (!pl->modality_graph ||
            !backend_graph_check_names(*pl->modality_graph, g, {"pixels"}, {"modality_logits", "ood_distance"}, err)) {
            return false;
        }
    }
    return true;
}

bool pipeline_detect_modality(pipeline & pl, const float * pixels, int32_t n, std::vector<modality_detection> * out,
                              std::string * err) {
    out->clear();
    if (!pl.modality_graph) {
        return true;
    }
    return modality_detect(*pl.modality_graph, pl.pkg.modality_head, pixels, n, out, err);
}

bool pipeline_package_evidence(const radz_package & pkg, const package_variant_info & v, const pipeline_reader & reader,
                               const anchor_table & table, evidence_variant * ev, bool * has, std::string * err) {
    *has = false;
    *ev  = evidence_variant();
    if (pkg.format_version < 1) {
        return true;
    }
    std::vector<uint8_t> bytes;
    evidence_doc         doc;
    if (!read_checked(pkg, reader, pkg.evidence_file, &bytes, err) ||
        !evidence_parse(std::string(bytes.begin(), bytes.end()), pkg.evidence_file, &doc, err)) {
        return false;
    }
    const auto it = doc.variants.find(v.name);
    if (it == doc.variants.end()) {
        set_err(err, pkg.evidence_file + ": variants: no entry for variant '" + v.name + "'");
        return false;
    }
    if (!evidence_check_variant(it->second, v.name, table, sha_of(pkg, v.anchors), pkg.evidence_file, err)) {
        return false;
    }
    *ev  = it->second;
    *has = true;
    return true;
}

bool pipeline_use_anchor_file(pipeline * pl, const std::string & path, std::string * err) {
    std::string text;
    if (!file_read_text(path, &text, 256ull << 20, err)) {
        return false;
    }
    anchor_table t;
    if (!anchor_table_parse(text, file_base_name(path), &t, err)) {
        return false;
    }
    const auto names = binding_names(pl->variant, pl->pkg.tokenizer_file);
    if (!anchor_table_check_binding(t, pl->binding, err, &names)) {
        if (err) {
            *err = file_base_name(path) + ": " + *err;
        }
        return false;
    }
    if (t.feature_dim != pl->pkg.dims.feature_dim) {
        set_err(err, file_base_name(path) + ": feature_dim " + std::to_string(t.feature_dim) + ", the model's is " +
                         std::to_string(pl->pkg.dims.feature_dim));
        return false;
    }
    evidence_apply(&t, pl->has_evidence_file ? &pl->evidence : nullptr, &pl->package_anchors);
    pl->anchors        = std::move(t);
    pl->anchors_source = file_base_name(path);
    pl->anchors_sha256 = sha256_hex(text);
    return true;
}

bool pipeline_embed_ids(const pipeline & pl, const std::vector<int32_t> & ids, std::vector<float> * out,
                        std::string * err) {
    const int64_t V = pl.pkg.dims.vocab_size, D = pl.pkg.dims.hidden_size;
    for (int32_t id : ids) {
        if (id < 0 || id >= V) {
            set_err(err, pl.variant.embeddings + ": token id " + std::to_string(id) + " outside [0, " +
                             std::to_string(V) + ")");
            return false;
        }
        out->insert(out->end(), pl.embeddings.begin() + id * D, pl.embeddings.begin() + (id + 1) * D);
    }
    return true;
}

bool pipeline_check_modality(const pipeline & pl, const std::string & modality, std::string * err) {
    std::vector<std::string> ids;
    for (const auto & m : pl.pkg.modalities) {
        ids.push_back(m.id);
    }
    if (!package_modality_find(pl.pkg, modality) || !pl.pkg.special_tokens.modality.count(modality)) {
        set_err(err, "unknown modality '" + modality + "' (this package has: " + join(ids) + ")");
        return false;
    }
    if (!anchor_table_modality(pl.anchors, modality)) {
        set_err(err, pl.anchors_source + ": the anchor table has no modality '" + modality + "'");
        return false;
    }
    return true;
}

bool pipeline_image_features(pipeline & pl, const std::string & modality, const float * pixels, int32_t n,
                             std::vector<float> * features, double * ms_vision, double * ms_decoder,
                             std::string * err) {
    if (!pipeline_check_modality(pl, modality, err)) {
        return false;
    }
    int32_t in_w = 0, in_h = 0;
    package_input_size(pl.pkg, modality, &in_w, &in_h);  // the modality was checked above
    const int64_t N = n, H = in_h, W = in_w;
    const int64_t P = pl.pkg.dims.image_tokens, D = pl.pkg.dims.hidden_size;
    const int32_t K = package_k(pl.pkg);
    if (n < 1) {
        set_err(err, "no image to run");
        return false;
    }
    double                      t0  = now_ms();
    std::vector<backend_output> res;
    if (!pl.vision->run({{"pixels", backend_dtype::f32, {N, 1, H, W}, pixels}}, {"image_tokens"}, &res, err) ||
        !check_shape(res[0], {N, P, D}, pl.variant.vision, err)) {
        return false;
    }
    double t1 = now_ms();

    // [bos] [modality] [P image tokens] [img_cls_0 .. img_cls_K-1]
    const int32_t        len = 2 + (int32_t) P + K;
    std::vector<float>   head, tail;
    std::vector<int32_t> cls_pos;
    if (!pipeline_embed_ids(pl, {pl.pkg.special_tokens.bos, pl.pkg.special_tokens.modality.at(modality)}, &head, err) ||
        !pipeline_embed_ids(pl, pl.pkg.special_tokens.img_cls, &tail, err)) {
        return false;
    }
    for (int32_t k = 0; k < K; ++k) {
        cls_pos.push_back(2 + (int32_t) P + k);
    }
    std::vector<std::vector<float>>   rows(n);
    std::vector<int32_t>              lens(n, len);
    std::vector<std::vector<int32_t>> pool(n, cls_pos);
    for (int64_t i = 0; i < N; ++i) {
        rows[i].reserve((size_t) (len * D));
        rows[i].insert(rows[i].end(), head.begin(), head.end());
        rows[i].insert(rows[i].end(), res[0].data.begin() + i * P * D, res[0].data.begin() + (i + 1) * P * D);
        rows[i].insert(rows[i].end(), tail.begin(), tail.end());
    }
    if (!run_decoder(pl, rows, lens, pool, "image_feature", features, err)) {
        return false;
    }
    double t2 = now_ms();
    if (ms_vision) {
        *ms_vision = t1 - t0;
    }
    if (ms_decoder) {
        *ms_decoder = t2 - t1;
    }
    return true;
}

bool pipeline_text_ids(const pipeline & pl, const std::string & text, std::vector<int32_t> * ids, bool * truncated,
                       std::string * err) {
    if (text.empty()) {
        set_err(err, "empty text");
        return false;
    }
    ids->clear();
    if (!tokenizer_encode(pl.tok.get(), text, false, ids, err)) {
        return false;
    }
    if (ids->empty()) {
        set_err(err, "the text gives no tokens");
        return false;
    }
    const size_t max_n = (size_t) pl.pkg.sequence.max_text_tokens;
    *truncated         = ids->size() > max_n;
    if (*truncated) {
        ids->resize(max_n);
    }
    return true;
}

bool pipeline_text_features(pipeline & pl, const std::vector<std::string> & texts, const std::string & head,
                            std::vector<float> * features, std::vector<std::vector<int32_t>> * ids_out,
                            std::vector<bool> * truncated_out, std::string * err) {
    const int32_t K = package_k(pl.pkg);
    if (texts.empty()) {
        set_err(err, "no text to run");
        return false;
    }
    std::vector<std::vector<float>>   rows(texts.size());
    std::vector<int32_t>              lens(texts.size());
    std::vector<std::vector<int32_t>> pool(texts.size());
    if (ids_out) {
        ids_out->clear();
    }
    if (truncated_out) {
        truncated_out->clear();
    }
    for (size_t i = 0; i < texts.size(); ++i) {
        std::vector<int32_t> ids;
        bool                 truncated = false;
        if (!pipeline_text_ids(pl, texts[i], &ids, &truncated, err)) {
            return false;
        }
        // [bos] [n text ids] [txt_cls_0 .. txt_cls_K-1]
        std::vector<int32_t> seq = {pl.pkg.special_tokens.bos};
        seq.insert(seq.end(), ids.begin(), ids.end());
        seq.insert(seq.end(), pl.pkg.special_tokens.txt_cls.begin(), pl.pkg.special_tokens.txt_cls.end());
        if (!pipeline_embed_ids(pl, seq, &rows[i], err)) {
            return false;
        }
        lens[i] = (int32_t) seq.size();
        for (int32_t k = 0; k < K; ++k) {
            pool[i].push_back(1 + (int32_t) ids.size() + k);
        }
        if (ids_out) {
            ids_out->push_back(ids);
        }
        if (truncated_out) {
            truncated_out->push_back(truncated);
        }
    }
    return run_decoder(pl, rows, lens, pool, head, features, err);
}

namespace {

// The anchor table after an edit: identified by its new text.
void anchors_edited(pipeline & pl, anchor_table && table) {
    pl.anchors        = std::move(table);
    pl.anchors_sha256 = sha256_hex(anchor_table_to_json(pl.anchors));
}

std::string finding_what(const pipeline_finding_text & f) {
    return "finding '" + f.name + "'";
}

// Checks a user finding's text against `table` (and the ids in *taken, which it extends):
// name, modality, descriptions, UTF-8, a unique id. Appends its DKAM texts to *texts.
bool finding_text_check(const pipeline & pl, const anchor_table & table, const pipeline_finding_text & f,
                        std::set<std::pair<std::string, std::string>> * taken, std::vector<std::string> * texts,
                        std::string * err) {
    const std::string what = finding_what(f);
    if (f.name.empty()) {
        set_err(err, "a finding needs a name");
        return false;
    }
    if (!pipeline_check_modality(pl, f.modality, err)) {
        return false;
    }
    if (f.descriptions.empty()) {
        set_err(err, what + ": needs at least one description");
        return false;
    }
    size_t bad = 0;
    if (!utf8_validate(f.name.data(), f.name.size(), &bad)) {
        set_err(err, "finding name: invalid UTF-8 at byte " + std::to_string(bad));
        return false;
    }
    for (size_t i = 0; i < f.descriptions.size(); ++i) {
        if (!utf8_validate(f.descriptions[i].data(), f.descriptions[i].size(), &bad)) {
            set_err(err, what + ": description " + std::to_string(i + 1) + ": invalid UTF-8 at byte " + std::to_string(bad));
            return false;
        }
    }
    const std::string id = anchor_id_from_name(f.name);
    if (anchor_table_find(table, f.modality, id) >= 0 || taken->count({f.modality, id})) {
        set_err(err, what + ": the table already has a finding '" + id + "' for " + f.modality);
        return false;
    }
    const package_modality * mod = package_modality_find(pl.pkg, f.modality);
    for (size_t i = 0; i < f.descriptions.size(); ++i) {
        if (f.descriptions[i].empty()) {
            set_err(err, what + ": description " + std::to_string(i + 1) + " is empty");
            return false;
        }
        texts->push_back(dkam_fill_template(pl.pkg.dkam_template, mod->display, f.name, f.descriptions[i]));
    }
    taken->insert({f.modality, id});
    return true;
}

// Whole findings per decoder run, at most this many texts unless one finding has more.
constexpr size_t k_anchor_batch_texts = 64;

// The user findings of `findings` (checked against `table`), anchors computed, not yet calibrated.
bool user_findings_make(pipeline & pl, const anchor_table & table, const std::vector<pipeline_finding_text> & findings,
                        std::vector<anchor_finding> * out, std::string * err) {
    std::set<std::pair<std::string, std::string>> taken;
    std::vector<std::vector<std::string>> texts(findings.size());
    for (size_t i = 0; i < findings.size(); ++i) {
        if (!finding_text_check(pl, table, findings[i], &taken, &texts[i], err)) {
            return false;
        }
    }
    const size_t E = (size_t) pl.pkg.dims.feature_dim;
    out->clear();
    for (size_t first = 0; first < findings.size();) {
        size_t                   last = first;  // one past the batch's last finding
        std::vector<std::string> batch;
        while (last < findings.size() &&
               (batch.empty() || batch.size() + texts[last].size() <= k_anchor_batch_texts)) {
            batch.insert(batch.end(), texts[last].begin(), texts[last].end());
            ++last;
        }
        std::vector<float> feats;
        std::vector<bool>  truncated;
        std::string        e;
        if (!pipeline_text_features(pl, batch, "anchor_feature", &feats, nullptr, &truncated, &e)) {
            const std::string who = last - first == 1 ? finding_what(findings[first])
                                                      : "findings '" + findings[first].name + "' to '" +
                                                            findings[last - 1].name + "'";
            set_err(err, who + ": " + e);
            return false;
        }
        size_t row = 0;
        for (size_t i = first; i < last; ++i) {
            const pipeline_finding_text &   t = findings[i];
            std::vector<std::vector<float>> per(texts[i].size());
            anchor_finding                  f;
            for (size_t j = 0; j < texts[i].size(); ++j, ++row) {
                per[j].assign(feats.begin() + row * E, feats.begin() + (row + 1) * E);
                f.truncated = f.truncated || truncated[row];
            }
            if (!anchor_mean_normalised(per, &f.anchor, &e)) {
                set_err(err, finding_what(t) + ": " + e);
                return false;
            }
            f.id           = anchor_id_from_name(t.name);
            f.display      = t.name;
            f.modality     = t.modality;
            f.kind         = "finding";
            f.source       = "user";
            f.held_out     = false;
            f.descriptions = t.descriptions;
            out->push_back(std::move(f));
        }
        first = last;
    }
    return true;
}

} // namespace

bool pipeline_findings_add(pipeline & pl, const std::vector<pipeline_finding_text> & findings, std::string * err) {
    if (findings.empty()) {
        return true;
    }
    std::vector<anchor_finding> made;
    anchor_table                t = pl.anchors;
    if (!user_findings_make(pl, t, findings, &made, err)) {
        return false;
    }
    for (const auto & f : made) {
        if (!anchor_table_add(&t, f, pl.reference, err)) {
            return false;
        }
    }
    anchors_edited(pl, std::move(t));
    return true;
}

bool pipeline_findings_remove(pipeline & pl, const std::vector<pipeline_finding_ref> & which, std::string * err) {
    if (which.empty()) {
        return true;
    }
    anchor_table t = pl.anchors;
    for (const auto & w : which) {
        if (!anchor_table_remove(&t, w.modality, w.id, err)) {
            return false;
        }
    }
    anchors_edited(pl, std::move(t));
    return true;
}

bool pipeline_findings_replace(pipeline & pl, const pipeline_finding_ref & old, const pipeline_finding_text & with,
                               std::string * err) {
    anchor_table  t  = pl.anchors;
    const int32_t at = anchor_table_find(t, old.modality, old.id);
    if (!anchor_table_remove(&t, old.modality, old.id, err)) {
        return false;
    }
    std::vector<anchor_finding> made;
    if (!user_findings_make(pl, t, {with}, &made, err) || !anchor_table_add(&t, made[0], pl.reference, err)) {
        return false;
    }
    std::rotate(t.findings.begin() + at, t.findings.end() - 1, t.findings.end());  // back to old's place
    anchors_edited(pl, std::move(t));
    return true;
}

bool pipeline_use_anchor_table(pipeline & pl, const anchor_table & table, std::string * err) {
    const auto names = binding_names(pl.variant, pl.pkg.tokenizer_file);
    if (!anchor_table_check_binding(table, pl.binding, err, &names)) {
        return false;
    }
    if (table.feature_dim != pl.pkg.dims.feature_dim) {
        set_err(err, "anchor table: feature_dim " + std::to_string(table.feature_dim) + ", the model's is " +
                         std::to_string(pl.pkg.dims.feature_dim));
        return false;
    }
    if (anchor_table_to_json(table) == anchor_table_to_json(pl.anchors)) {
        return true;
    }
    anchor_table t = table;
    evidence_apply(&t, pl.has_evidence_file ? &pl.evidence : nullptr, &pl.package_anchors);
    anchors_edited(pl, std::move(t));
    return true;
}

bool pipeline_classify_bytes(pipeline & pl, const std::string & name, const uint8_t * bytes, size_t size,
                             const std::string & modality_arg, bool keep_feature, results_image * out) {
    const double      t_start  = now_ms();
    const std::string explicit_modality = modality_arg == "auto" ? std::string() : modality_arg;
    out->sha256          = sha256_hex(bytes, size);
    out->modality        = explicit_modality.empty() ? pl.default_modality : explicit_modality;
    out->modality_source = explicit_modality.empty() ? "default" : "user";
    out->detection.reset();
    out->warning.clear();
    out->dicom.reset();
    auto fail = [&](const std::string & code, const std::string & msg) {
        out->error = results_error{code, msg};
        out->findings.clear();
        return false;
    };
    std::string e, code;
    if (!explicit_modality.empty() && !pipeline_check_modality(pl, explicit_modality, &e)) {
        return fail("model", name + ": " + e);
    }
    image_limits lim;
    lim.max_side       = pl.pkg.image.max_side;
    lim.max_file_bytes = pl.pkg.image.max_file_bytes;
    if (size > 0 && (uint64_t) size > lim.max_file_bytes) {
        return fail("limits", name + ": file is " + std::to_string(size) + " bytes, larger than the limit of " +
                                  std::to_string(lim.max_file_bytes));
    }
    // Section 2's grey image: a DICOM frame through the rules of dicom.h, any other image through
    // image_decode_grey. Both views are made from it: the fixed-size one (image.width x
    // image.height) the detector sees, after any photometric correction, then the chosen
    // modality's input (its input_size; the same pixels when that is the fixed size).
    image_u8           grey;
    std::string        metadata_modality;
    double             t_dec = 0.0;  // decode: from the start to the end of decoding
    if (dicom_is_part10(bytes, size)) {
        if (!pl.dicom_read) {
            return fail("decode", name + ": a DICOM file, and this build reads none");
        }
        dicom_frame frame;
        if (!pl.dicom_read(bytes, size, lim, &frame, &e, &code)) {
            return fail(code.empty() ? "decode" : code, name + ": " + e);
        }
        out->dicom = results_dicom{dicom_trim(frame.modality), dicom_trim(frame.body_part)};
        if (!dicom_frame_grey(frame, lim, &grey, nullptr, &e, &code)) {
            return fail(code.empty() ? "decode" : code, name + ": " + e);
        }
        t_dec = now_ms();  // a DICOM's grey levels are part of its decoding (the rules of dicom.h)
        if (explicit_modality.empty()) {
            std::vector<std::string> ids;
            for (const auto & m : pl.pkg.modalities) {
                ids.push_back(m.id);
            }
            if (!dicom_package_modality(frame.modality, frame.body_part, ids, &metadata_modality, &e)) {
                return fail("model", name + ": " + e);
            }
        }
    } else {
        double ms_decode = 0.0;
        if (!image_decode_grey(bytes, size, lim, &grey, nullptr, &e, &code, &ms_decode)) {
            return fail(code.empty() ? "decode" : code, name + ": " + e);
        }
        t_dec = t_start + ms_decode;
    }
    out->width  = grey.width;
    out->height = grey.height;
    std::vector<float> view;  // the fixed-size view (section 11)
    image_resize_area(grey, pl.pkg.image.width, pl.pkg.image.height, &view);
    const double t_pre = now_ms();

    // Which modality, and whether the image is one at all (section 11).
    std::vector<modality_detection> dets;
    if (!pipeline_detect_modality(pl, view.data(), 1, &dets, &e)) {
        return fail("inference", name + ": " + e);
    }
    const modality_detection det = dets.empty() ? modality_detection() : dets[0];
    const double             t_det = now_ms();
    const modality_choice    ch    = modality_choose(pl.pkg, explicit_modality, metadata_modality, det);
    out->modality        = ch.modality;
    out->modality_source = ch.source;
    out->warning         = ch.warning;
    if (det.available) {
        results_detection rd;
        rd.modality = det.modality;
        for (size_t i = 0; i < det.modalities.size(); i++) {
            rd.probabilities.emplace_back(det.modalities[i], det.probabilities[i]);
        }
        rd.other    = det.p_other;
        rd.distance = det.distance;
        rd.contrast = det.contrast;
        rd.verdict  = det.rejected ? "rejected" : "pass";
        rd.reason   = det.reason;
        rd.message  = det.rejected ? modality_rejection_message(pl.pkg, det) : std::string();
        out->detection = rd;
    }
    if (!pipeline_check_modality(pl, ch.modality, &e)) {
        return fail("model", name + ": " + e);
    }
    out->findings.clear();
    double ms_vision = 0.0, ms_decoder = 0.0, t_inf = t_det;
    double ms_input = 0.0;  // the chosen modality's own resize, part of preprocessing
    if (!det.rejected || pl.score_rejected) {
        // The chosen modality's input, from the grey image (the view itself when the sizes agree).
        int32_t in_w = 0, in_h = 0;
        package_input_size(pl.pkg, ch.modality, &in_w, &in_h);
        std::vector<float> input;
        if (in_w != pl.pkg.image.width || in_h != pl.pkg.image.height) {
            const double t0 = now_ms();
            image_resize_area(grey, in_w, in_h, &input);
            ms_input = now_ms() - t0;
        }
        grey = image_u8();  // no longer needed: free it before the graphs run
        const std::vector<float> & pixels = input.empty() ? view : input;
        std::vector<float> feature;
        if (!pipeline_image_features(pl, ch.modality, pixels.data(), 1, &feature, &ms_vision, &ms_decoder, &e)) {
            return fail("inference", name + ": " + e);
        }
        t_inf = now_ms();
        std::vector<finding_score> scores;
        if (!scoring_score_image(pl.anchors, ch.modality, feature.data(), feature.size(), &scores, &e)) {
            return fail("inference", name + ": " + e);
        }
        for (const auto & s : scores) {
            out->findings.push_back(scoring_result_entry(s));
        }
        if (keep_feature) {
            out->feature = feature;
        }
    }
    const double    t_end = now_ms();
    results_timings t;
    t.decode          = t_dec - t_start;
    t.preprocess      = t_pre - t_dec + ms_input;
    t.detect          = t_det - t_pre;
    t.vision          = ms_vision;
    t.decoder         = ms_decoder;
    t.score           = t_end - t_inf;
    t.total           = t_end - t_start;
    out->timings_ms   = t;
    out->error.reset();
    return true;
}

bool pipeline_classify_file(pipeline & pl, const std::string & path, const std::string & modality,
                            bool keep_feature, results_image * out) {
    *out          = results_image();
    out->file     = path;
    out->modality = (modality.empty() || modality == "auto") ? pl.default_modality : modality;
    out->modality_source = (modality.empty() || modality == "auto") ? "default" : "user";
    uint64_t size = 0;
    std::vector<uint8_t> bytes;
    std::string          e;
    if (file_size(path, &size) && size > pl.pkg.image.max_file_bytes) {
        std::string sha;
        if (sha256_file_hex(path, &sha, nullptr)) {
            out->sha256 = sha;
        }
        out->error = results_error{"limits", path + ": file of " + std::to_string(size) + " bytes, more than the limit of " +
                                                 std::to_string(pl.pkg.image.max_file_bytes)};
        return false;
    }
    if (!file_read_bytes(path, &bytes, pl.pkg.image.max_file_bytes, &e)) {
        out->error = results_error{"read", e};
        return false;
    }
    return pipeline_classify_bytes(pl, path, bytes.data(), bytes.size(), modality, keep_feature, out);
}

int32_t pipeline_classify_files(pipeline & pl, const std::vector<std::string> & paths, const std::string & modality,
                                bool keep_feature, const progress_fn & progress, std::vector<results_image> * out) {
    int32_t failed = 0;
    out->clear();
    for (size_t i = 0; i < paths.size(); ++i) {
        results_image r;
        if (!pipeline_classify_file(pl, paths[i], modality, keep_feature, &r)) {
            ++failed;
        }
        out->push_back(std::move(r));
        if (!progress_report(progress, "images", (int64_t) i + 1, (int64_t) paths.size(), paths[i])) {
            return -1;
        }
    }
    return failed;
}

results_doc pipeline_results_doc(const pipeline & pl, const std::string & program_name, const std::string & build) {
    results_doc  doc;
    backend_info bi                 = pl.be->info();
    doc.schema_version              = 2;
    doc.program_name                = program_name;
    doc.program_version             = RADZ_VERSION;
    doc.program_build               = build;
    doc.package_name                = pl.pkg.name;
    doc.package_manifest_sha256     = pl.pkg.manifest_sha256;
    doc.package_variant             = pl.variant.name;
    doc.backend_execution_provider  = bi.execution_provider;
    if (!bi.adapter.empty()) {
        doc.backend_adapter = bi.adapter;
    }
    if (bi.threads > 0) {
        doc.backend_threads = bi.threads;
    }
    doc.anchors_source   = pl.anchors_source;
    doc.anchors_sha256   = pl.anchors_sha256;
    doc.anchors_findings = (int32_t) pl.anchors.findings.size();
    return doc;
}
