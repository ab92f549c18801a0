#include "anchor_table.h"

#include "file_io.h"
#include "json_read.h"
#include "json_util.h"
#include "sha256.h"

#include <cmath>
#include <cstring>

static const char * k_binding_keys[5] = { "vision", "decoder", "embeddings", "tokenizer", "reference" };

static std::string * binding_field(anchor_binding & b, int i) {
    std::string * f[5] = { &b.vision, &b.decoder, &b.embeddings, &b.tokenizer, &b.reference };
    return f[i];
}

static const std::string & binding_field(const anchor_binding & b, int i) {
    const std::string * f[5] = { &b.vision, &b.decoder, &b.embeddings, &b.tokenizer, &b.reference };
    return *f[i];
}

static bool fail(std::string * err, const std::string & msg) {
    if (err) *err = json_one_line(msg);
    return false;
}

static std::string fmt_num(double v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
}

// Checks of one finding that do not depend on the rest of the table (where = "name: findings[3]").
static bool validate_finding(const anchor_finding & f, int32_t feature_dim, const std::string & where, std::string * err) {
    if (f.id.empty()) return fail(err, where + ".id: empty id");
    if (f.display.empty()) return fail(err, where + ".display: empty display name");
    if (f.kind != "finding" && f.kind != "normal") {
        return fail(err, where + ".kind: expected \"finding\" or \"normal\", found \"" + f.kind + "\"");
    }
    if (f.source != "package" && f.source != "user") {
        return fail(err, where + ".source: expected \"package\" or \"user\", found \"" + f.source + "\"");
    }
    if (f.descriptions.empty()) return fail(err, where + ".descriptions: expected at least one description, found none");
    for (size_t i = 0; i < f.descriptions.size(); i++) {
        if (f.descriptions[i].empty()) return fail(err, where + ".descriptions[" + std::to_string(i) + "]: empty description");
    }
    if ((int32_t) f.anchor.size() != feature_dim) {
        return fail(err, where + ".anchor: expected " + std::to_string(feature_dim) + " values (feature_dim), found " +
                    std::to_string(f.anchor.size()));
    }
    double ss = 0.0;
    for (size_t i = 0; i < f.anchor.size(); i++) {
        if (!std::isfinite(f.anchor[i])) return fail(err, where + ".anchor[" + std::to_string(i) + "]: not a finite number");
        ss += (double) f.anchor[i] * (double) f.anchor[i];
    }
    const double norm = std::sqrt(ss);
    if (std::fabs(norm - 1.0) > 1e-3) {
        return fail(err, where + ".anchor: L2 norm " + fmt_num(norm) + ", expected 1 within 0.001");
    }
    const anchor_calibration & c = f.calibration;
    if (c.kind != "labels" && c.kind != "label_free") {
        return fail(err, where + ".calibration.kind: expected \"labels\" or \"label_free\", found \"" + c.kind + "\"");
    }
    if (!std::isfinite(c.threshold)) return fail(err, where + ".calibration.threshold: not a finite number");
    if (!std::isfinite(c.scale) || c.scale <= 0.0) {
        return fail(err, where + ".calibration.scale: expected a finite number > 0, found " + fmt_num(c.scale));
    }
    return true;
}

bool anchor_table_validate(const anchor_table & t, const std::string & name, std::string * err) {
    if (t.format_version != 0) {
        return fail(err, name + ": format_version: expected 0, found " + std::to_string(t.format_version));
    }
    if (t.feature_dim < 1) return fail(err, name + ": feature_dim: expected a positive integer, found " + std::to_string(t.feature_dim));
    for (int i = 0; i < 5; i++) {
        if (!sha256_is_hex(binding_field(t.binding, i))) {
            return fail(err, name + ": binding." + k_binding_keys[i] + ": expected 64 lower-case hex digits, found \"" +
                        binding_field(t.binding, i) + "\"");
        }
    }
    for (size_t i = 0; i < t.modalities.size(); i++) {
        const anchor_modality & m = t.modalities[i];
        const std::string w = name + ": modalities[" + std::to_string(i) + "]";
        if (m.id.empty()) return fail(err, w + ".id: empty id");
        for (size_t j = 0; j < i; j++) {
            if (t.modalities[j].id == m.id) return fail(err, w + ".id: modality '" + m.id + "' is declared twice");
        }
        if (!std::isfinite(m.z)) return fail(err, w + ".label_free.z: not a finite number");
        if (!std::isfinite(m.k) || m.k <= 0.0) return fail(err, w + ".label_free.k: expected a finite number > 0, found " + fmt_num(m.k));
    }
    for (size_t i = 0; i < t.findings.size(); i++) {
        const anchor_finding & f = t.findings[i];
        const std::string w = name + ": findings[" + std::to_string(i) + "]";
        if (!validate_finding(f, t.feature_dim, w, err)) return false;
        if (!anchor_table_modality(t, f.modality)) {
            return fail(err, w + ".modality: '" + f.modality + "' is not in modalities");
        }
        for (size_t j = 0; j < i; j++) {
            if (t.findings[j].modality == f.modality && t.findings[j].id == f.id) {
                return fail(err, w + ".id: '" + f.id + "' is already findings[" + std::to_string(j) + "] of modality '" + f.modality + "'");
            }
        }
    }
    return true;
}

bool anchor_table_parse(const std::string & text, const std::string & name, anchor_table * table, std::string * err) {
    json_reader r{ name, err };
    json doc;
    if (!json_parse_text(text, name, &doc, err)) return false;
    if (!doc.is_object()) return r.fail("", "expected a JSON object, found " + json_describe(doc));
    anchor_table t;
    std::string format;
    if (!r.get_string(doc, "", "format", &format)) return false;
    if (format != "radz-anchor-table") return r.fail("format", "expected \"radz-anchor-table\", found \"" + format + "\"");
    int64_t version = -1;
    if (!r.get_int(doc, "", "format_version", &version)) return false;
    if (version != 0) return r.fail("format_version", "expected 0, found " + std::to_string(version) + " (this reader knows version 0 only)");
    if (!r.get_string(doc, "", "package", &t.package)) return false;
    if (!r.get_string(doc, "", "variant", &t.variant)) return false;
    const json * binding = nullptr;
    if (!r.get_object(doc, "", "binding", &binding)) return false;
    for (int i = 0; i < 5; i++) {
        if (!r.get_string(*binding, "binding", k_binding_keys[i], binding_field(t.binding, i))) return false;
    }
    if (!r.get_string(doc, "", "dkam_template", &t.dkam_template)) return false;
    if (!r.get_int32(doc, "", "feature_dim", &t.feature_dim)) return false;
    if (t.feature_dim < 1 || t.feature_dim > 65536) {
        return r.fail("feature_dim", "expected 1 .. 65536, found " + std::to_string(t.feature_dim));
    }

    const json * mods = nullptr;
    if (!r.get_array(doc, "", "modalities", &mods)) return false;
    for (size_t i = 0; i < mods->size(); i++) {
        const std::string w = json_path("modalities", i);
        const json & m = (*mods)[i];
        if (!m.is_object()) return r.fail(w, "expected an object, found " + json_describe(m));
        anchor_modality am;
        const json * lf = nullptr;
        if (!r.get_string(m, w, "id", &am.id)) return false;
        if (!r.get_object(m, w, "label_free", &lf)) return false;
        if (!r.get_number(*lf, w + ".label_free", "z", &am.z)) return false;
        if (!r.get_number(*lf, w + ".label_free", "k", &am.k)) return false;
        t.modalities.push_back(am);
    }

    const json * findings = nullptr;
    if (!r.get_array(doc, "", "findings", &findings)) return false;
    for (size_t i = 0; i < findings->size(); i++) {
        const std::string w = json_path("findings", i);
        const json & f = (*findings)[i];
        if (!f.is_object()) return r.fail(w, "expected an object, found " + json_describe(f));
        anchor_finding af;
        if (!r.get_string(f, w, "id", &af.id)) return false;
        if (!r.get_string(f, w, "display", &af.display)) return false;
        if (!r.get_string(f, w, "modality", &af.modality)) return false;
        if (!r.get_string(f, w, "kind", &af.kind)) return false;
        if (!r.get_string(f, w, "source", &af.source)) return false;
        if (!r.get_bool(f, w, "held_out", &af.held_out)) return false;
        if (!r.get_bool(f, w, "truncated", &af.truncated)) return false;
        const json * descs = nullptr;
        if (!r.get_array(f, w, "descriptions", &descs)) return false;
        for (size_t k = 0; k < descs->size(); k++) {
            std::string d;
            if (!r.as_string((*descs)[k], json_path(w + ".descriptions", k), &d)) return false;
            af.descriptions.push_back(d);
        }
        const json * anchor = nullptr;
        if (!r.get_array(f, w, "anchor", &anchor)) return false;
        af.anchor.reserve(anchor->size());
        for (size_t k = 0; k < anchor->size(); k++) {
            double x = 0.0;
            if (!r.as_number((*anchor)[k], json_path(w + ".anchor", k), &x)) return false;
            af.anchor.push_back((float) x);
        }
        const json * cal = nullptr;
        if (!r.get_object(f, w, "calibration", &cal)) return false;
        if (!r.get_string(*cal, w + ".calibration", "kind", &af.calibration.kind)) return false;
        if (!r.get_number(*cal, w + ".calibration", "threshold", &af.calibration.threshold)) return false;
        if (!r.get_number(*cal, w + ".calibration", "scale", &af.calibration.scale)) return false;
        t.findings.push_back(std::move(af));
    }
    if (!anchor_table_validate(t, name, err)) return false;
    *table = std::move(t);
    return true;
}

bool anchor_table_load(const std::string & path, anchor_table * table, std::string * err) {
    std::string text;
    if (!file_read_text(path, &text, 256u << 20, err)) return false;
    return anchor_table_parse(text, file_base_name(path), table, err);
}

std::string anchor_table_to_json(const anchor_table & t) {
    std::string s;
    s += "{\n";
    s += "  \"format\": \"radz-anchor-table\",\n";
    s += "  \"format_version\": " + std::to_string(t.format_version) + ",\n";
    s += "  \"package\": " + json_string(t.package) + ",\n";
    s += "  \"variant\": " + json_string(t.variant) + ",\n";
    s += "  \"binding\": {";
    for (int i = 0; i < 5; i++) {
        s += std::string(i ? ", " : "") + "\"" + k_binding_keys[i] + "\": " + json_string(binding_field(t.binding, i));
    }
    s += "},\n";
    s += "  \"dkam_template\": " + json_string(t.dkam_template) + ",\n";
    s += "  \"feature_dim\": " + std::to_string(t.feature_dim) + ",\n";
    s += "  \"modalities\": [";
    for (size_t i = 0; i < t.modalities.size(); i++) {
        const anchor_modality & m = t.modalities[i];
        s += std::string(i ? ",\n" : "\n") + "    {\"id\": " + json_string(m.id) + ", \"label_free\": {\"z\": " + json_number(m.z) +
             ", \"k\": " + json_number(m.k) + "}}";
    }
    s += t.modalities.empty() ? "],\n" : "\n  ],\n";
    s += "  \"findings\": [";
    for (size_t i = 0; i < t.findings.size(); i++) {
        const anchor_finding & f = t.findings[i];
        s += i ? ",\n" : "\n";
        s += "    {\"id\": " + json_string(f.id) + ", \"display\": " + json_string(f.display) +
             ", \"modality\": " + json_string(f.modality) + ", \"kind\": " + json_string(f.kind) +
             ", \"source\": " + json_string(f.source) + ",\n";
        s += std::string("     \"held_out\": ") + (f.held_out ? "true" : "false") +
             ", \"truncated\": " + (f.truncated ? "true" : "false") + ",\n";
        s += "     \"descriptions\": [";
        for (size_t k = 0; k < f.descriptions.size(); k++) {
            s += (k ? ", " : "") + json_string(f.descriptions[k]);
        }
        s += "],\n     \"anchor\": [";
        for (size_t k = 0; k < f.anchor.size(); k++) {
            s += (k ? ", " : "") + json_number(f.anchor[k]);
        }
        s += "],\n     \"calibration\": {\"kind\": " + json_string(f.calibration.kind) + ", \"threshold\": " +
             json_number(f.calibration.threshold) + ", \"scale\": " + json_number(f.calibration.scale) + "}}";
    }
    s += t.findings.empty() ? "]\n" : "\n  ]\n";
    s += "}\n";
    return s;
}

bool anchor_table_save(const anchor_table & table, const std::string & path, std::string * err) {
    if (!anchor_table_validate(table, file_base_name(path), err)) return false;
    return file_write_text(path, anchor_table_to_json(table), err);
}

bool anchor_table_check_binding(const anchor_table & table, const anchor_binding & expected, std::string * err,
                                const std::map<std::string, std::string> * file_names) {
    for (int i = 0; i < 5; i++) {
        const std::string & have = binding_field(table.binding, i);
        const std::string & want = binding_field(expected, i);
        if (have != want) {
            std::string what = k_binding_keys[i];
            if (file_names) {
                const auto it = file_names->find(k_binding_keys[i]);
                if (it != file_names->end()) what = it->second;
            }
            return fail(err, "anchors from another model: " + what + " differs (table " + have.substr(0, 12) + "..., model " +
                        want.substr(0, 12) + "...)");
        }
    }
    return true;
}

int32_t anchor_table_find(const anchor_table & table, const std::string & modality, const std::string & id) {
    for (size_t i = 0; i < table.findings.size(); i++) {
        if (table.findings[i].modality == modality && table.findings[i].id == id) return (int32_t) i;
    }
    return -1;
}

const anchor_modality * anchor_table_modality(const anchor_table & table, const std::string & id) {
    for (const anchor_modality & m : table.modalities) {
        if (m.id == id) return &m;
    }
    return nullptr;
}

int32_t anchor_table_count(const anchor_table & table, const std::string & modality) {
    int32_t n = 0;
    for (const anchor_finding & f : table.findings) n += f.modality == modality;
    return n;
}

bool anchor_label_free_calibration(const std::vector<float> & anchor, const reference_features & ref,
                                   const std::string & modality, double z, double k,
                                   anchor_calibration * cal, std::string * err) {
    if ((int32_t) anchor.size() != ref.feature_dim) {
        return fail(err, "anchor has " + std::to_string(anchor.size()) + " values, the reference features " +
                    std::to_string(ref.feature_dim));
    }
    const auto it = ref.rows.find(modality);
    if (it == ref.rows.end() || it->second.second <= it->second.first) {
        return fail(err, "no reference features for modality '" + modality + "'");
    }
    const int64_t b = it->second.first, e = it->second.second;
    if (b < 0 || e > ref.n_rows) return fail(err, "reference rows of '" + modality + "' are outside the features");
    const size_t E = (size_t) ref.feature_dim;
    std::vector<double> c((size_t) (e - b));
    double sum = 0.0;
    for (int64_t r = b; r < e; r++) {
        const float * row = ref.data.data() + (size_t) r * E;
        double s = 0.0;
        for (size_t d = 0; d < E; d++) s += (double) row[d] * (double) anchor[d];
        c[(size_t) (r - b)] = s;
        sum += s;
    }
    const double mu = sum / (double) c.size();
    double ss = 0.0;
    for (double x : c) ss += (x - mu) * (x - mu);
    const double sd = std::sqrt(ss / (double) c.size());
    if (!(sd > 0.0) || !std::isfinite(sd)) {
        return fail(err, "label-free calibration of modality '" + modality + "': the cosine to the reference features has no spread");
    }
    cal->kind = "label_free";
    cal->threshold = mu + z * sd;
    cal->scale = k / sd;
    return true;
}

bool anchor_table_add(anchor_table * table, const anchor_finding & finding, const reference_features & ref, std::string * err) {
    const std::string where = "finding '" + finding.id + "'";
    const anchor_modality * m = anchor_table_modality(*table, finding.modality);
    if (!m) return fail(err, where + ": modality '" + finding.modality + "' is not in the anchor table");
    if (anchor_table_find(*table, finding.modality, finding.id) >= 0) {
        return fail(err, where + ": the modality '" + finding.modality + "' already has a finding with this id");
    }
    if (ref.feature_dim != table->feature_dim) {
        return fail(err, where + ": reference features have " + std::to_string(ref.feature_dim) + " values per row, the table " +
                    std::to_string(table->feature_dim));
    }
    anchor_finding f = finding;
    f.calibration.kind = "label_free";
    f.calibration.threshold = 0.0;
    f.calibration.scale = 1.0;
    if (!validate_finding(f, table->feature_dim, where, err)) return false;
    if (!anchor_label_free_calibration(f.anchor, ref, f.modality, m->z, m->k, &f.calibration, err)) return false;
    table->findings.push_back(std::move(f));
    return true;
}

bool anchor_table_remove(anchor_table * table, const std::string & modality, const std::string & id, std::string * err) {
    const int32_t i = anchor_table_find(*table, modality, id);
    if (i < 0) return fail(err, "no finding '" + id + "' in modality '" + modality + "'");
    table->findings.erase(table->findings.begin() + i);
    return true;
}

bool anchor_mean_normalised(const std::vector<std::vector<float>> & features, std::vector<float> * anchor, std::string * err) {
    if (features.empty()) return fail(err, "no description features to average");
    const size_t E = features[0].size();
    if (E == 0) return fail(err, "empty description feature");
    std::vector<double> sum(E, 0.0);
    for (size_t i = 0; i < features.size(); i++) {
        if (features[i].size() != E) {
            return fail(err, "description feature " + std::to_string(i) + " has " + std::to_string(features[i].size()) +
                        " values, expected " + std::to_string(E));
        }
        for (size_t d = 0; d < E; d++) sum[d] += (double) features[i][d];
    }
    double ss = 0.0;
    for (size_t d = 0; d < E; d++) {
        sum[d] /= (double) features.size();
        ss += sum[d] * sum[d];
    }
    const double norm = std::sqrt(ss);
    if (!(norm > 0.0) || !std::isfinite(norm)) return fail(err, "the mean of the description features is zero or not finite");
    anchor->resize(E);
    for (size_t d = 0; d < E; d++) (*anchor)[d] = (float) (sum[d] / norm);
    return true;
}

std::string dkam_fill_template(const std::string & tmpl, const std::string & modality_display,
                               const std::string & name, const std::string & description) {
    static const char * keys[3] = { "{modality}", "{name}", "{description}" };
    const std::string * values[3] = { &modality_display, &name, &description };
    std::string out;
    size_t i = 0;
    while (i < tmpl.size()) {
        bool replaced = false;
        if (tmpl[i] == '{') {
            for (int k = 0; k < 3; k++) {
                const size_t n = strlen(keys[k]);
                if (tmpl.compare(i, n, keys[k]) == 0) {
                    out += *values[k];
                    i += n;
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) out += tmpl[i++];
    }
    return out;
}

std::string anchor_id_from_name(const std::string & name) {
    std::string id = name;
    for (char & c : id) {
        if (c == ' ') c = '_';
    }
    return id;
}

bool reference_features_from_bytes(const uint8_t * bytes, size_t size, int32_t feature_dim,
                                   const std::map<std::string, std::pair<int64_t, int64_t>> & rows,
                                   const std::string & name, reference_features * ref, std::string * err) {
    if (feature_dim < 1) return fail(err, name + ": feature_dim must be positive");
    const size_t row_bytes = 4 * (size_t) feature_dim;
    if (size % row_bytes != 0) {
        return fail(err, name + ": " + std::to_string(size) + " bytes, not a whole number of float32 rows of " +
                    std::to_string(feature_dim));
    }
    reference_features r;
    r.feature_dim = feature_dim;
    r.n_rows = (int64_t) (size / row_bytes);
    for (const auto & kv : rows) {
        if (kv.second.first < 0 || kv.second.second <= kv.second.first || kv.second.second > r.n_rows) {
            return fail(err, name + ": rows of '" + kv.first + "' [" + std::to_string(kv.second.first) + ", " +
                        std::to_string(kv.second.second) + ") are outside the file's " + std::to_string(r.n_rows) + " rows");
        }
    }
    r.rows = rows;
    r.data.resize(size / 4);
    for (size_t i = 0; i < r.data.size(); i++) {
        const uint8_t * p = bytes + 4 * i;
        const uint32_t u = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
        float f;
        memcpy(&f, &u, 4);
        if (!std::isfinite(f)) {
            return fail(err, name + ": row " + std::to_string(i / feature_dim) + " holds a value that is not finite");
        }
        r.data[i] = f;
    }
    *ref = std::move(r);
    return true;
}
