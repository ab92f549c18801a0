#include "results.h"

#include "file_io.h"
#include "json_read.h"
#include "json_util.h"

#include <cmath>

static const char * k_error_codes[5] = { "read", "limits", "decode", "model", "inference" };

static bool valid_error_code(const std::string & c) {
    for (const char * k : k_error_codes) {
        if (c == k) return true;
    }
    return false;
}

static std::string opt_string(const std::optional<std::string> & s) {
    return s ? json_string(*s) : "null";
}

// A string written as null when empty ("" <-> null in the schema).
static std::string string_or_null(const std::string & s) {
    return s.empty() ? std::string("null") : json_string(s);
}

std::string results_image_to_json(const results_image & im, int32_t schema_version) {
    std::string s;
    s += "    {\n";
    s += "      \"file\": " + json_string(im.file) + ",\n";
    s += "      \"sha256\": " + opt_string(im.sha256) + ",\n";
    s += "      \"modality\": " + json_string(im.modality);
    if (schema_version >= 2) {
        s += ",\n      \"modality_source\": " + json_string(im.modality_source);
        s += ",\n      \"detection\": ";
        if (!im.detection) {
            s += "null";
        } else {
            const results_detection & dt = *im.detection;
            s += "{\"modality\": " + json_string(dt.modality) + ", \"probabilities\": {";
            for (size_t k = 0; k < dt.probabilities.size(); k++) {
                s += (k ? ", " : "") + json_string(dt.probabilities[k].first) + ": " + json_number(dt.probabilities[k].second);
            }
            s += "}, \"other\": " + json_number(dt.other) + ", \"distance\": " + json_number(dt.distance) +
                 ", \"contrast\": " + json_number(dt.contrast) + ", \"verdict\": " + json_string(dt.verdict) +
                 ", \"reason\": " + string_or_null(dt.reason) +
                 ", \"message\": " + string_or_null(dt.message) + "}";
        }
        s += ",\n      \"warning\": " + string_or_null(im.warning);
    }
    if (im.dicom) {
        s += ",\n      \"dicom\": {\"modality\": " + string_or_null(im.dicom->modality) + ", \"body_part_examined\": " +
             string_or_null(im.dicom->body_part) + "}";
    }
    if (im.width && im.height) {
        s += ",\n      \"width\": " + std::to_string(*im.width) + ", \"height\": " + std::to_string(*im.height);
    }
    if (!im.feature.empty()) {
        s += ",\n      \"feature\": [";
        for (size_t k = 0; k < im.feature.size(); k++) {
            s += (k ? ", " : "") + json_number(im.feature[k]);
        }
        s += "]";
    }
    if (!im.error) {
        s += ",\n      \"findings\": [";
        for (size_t k = 0; k < im.findings.size(); k++) {
            const results_finding & f = im.findings[k];
            s += k ? ",\n" : "\n";
            s += "        {\"id\": " + json_string(f.id) + ", \"display\": " + json_string(f.display) +
                 ", \"cosine\": " + json_number(f.cosine) + ", \"logit\": " + json_number(f.logit) +
                 ", \"probability\": " + json_number(f.probability) + ", \"calibrated\": " +
                 (f.calibrated ? "true" : "false") +
                 (schema_version >= 1 ? std::string(", \"no_signal\": ") + (f.no_signal ? "true" : "false") : "") +
                 ", \"source\": " + json_string(f.source) + "}";
        }
        s += im.findings.empty() ? "]" : "\n      ]";
    }
    if (im.timings_ms) {
        const results_timings & t = *im.timings_ms;
        s += ",\n      \"timings_ms\": {\"decode\": " + json_number(t.decode) + ", \"preprocess\": " + json_number(t.preprocess) +
             ", \"vision\": " + json_number(t.vision) + ", \"decoder\": " + json_number(t.decoder) +
             ", \"score\": " + json_number(t.score) + ", \"total\": " + json_number(t.total) +
             (schema_version >= 2 ? ", \"detect\": " + json_number(t.detect) : std::string()) + "}";
    }
    if (im.error) {
        s += ",\n      \"error\": {\"code\": " + json_string(im.error->code) + ", \"message\": " + json_string(im.error->message) + "}";
    }
    s += "\n    }";
    return s;
}

std::string results_to_json(const results_doc & d) {
    std::string s;
    s += "{\n";
    s += "  \"schema\": \"radz-results\",\n";
    s += "  \"schema_version\": " + std::to_string(d.schema_version) + ",\n";
    s += "  \"program\": {\"name\": " + json_string(d.program_name) + ", \"version\": " + json_string(d.program_version) +
         ", \"build\": " + json_string(d.program_build) + "},\n";
    s += "  \"package\": {\"name\": " + json_string(d.package_name) + ", \"manifest_sha256\": " +
         string_or_null(d.package_manifest_sha256) +
         ", \"variant\": " + json_string(d.package_variant) + "},\n";
    s += "  \"backend\": {\"execution_provider\": " + json_string(d.backend_execution_provider) + ", \"adapter\": " +
         opt_string(d.backend_adapter) + ", \"threads\": " +
         (d.backend_threads ? std::to_string(*d.backend_threads) : std::string("null")) + "},\n";
    s += "  \"anchors\": {\"source\": " + json_string(d.anchors_source) + ", \"sha256\": " + json_string(d.anchors_sha256) +
         ", \"findings\": " + std::to_string(d.anchors_findings) + "},\n";
    s += "  \"images\": [";
    for (size_t i = 0; i < d.images.size(); i++) {
        s += (i ? ",\n" : "\n") + results_image_to_json(d.images[i], d.schema_version);
    }
    s += d.images.empty() ? "]\n" : "\n  ]\n";
    s += "}\n";
    return s;
}

static bool fail(std::string * err, const std::string & msg) {
    if (err) *err = json_one_line(msg);
    return false;
}

bool results_validate(const results_doc & d, const std::string & name, std::string * err) {
    if (d.schema_version < 0 || d.schema_version > 2) {
        return fail(err, name + ": schema_version: expected 0, 1 or 2, found " + std::to_string(d.schema_version));
    }
    const std::pair<const char *, const std::string *> required[] = {
        { "program.name", &d.program_name }, { "program.version", &d.program_version }, { "program.build", &d.program_build },
        { "package.name", &d.package_name }, { "package.variant", &d.package_variant },
        { "backend.execution_provider", &d.backend_execution_provider }, { "anchors.source", &d.anchors_source },
    };
    for (const auto & r : required) {
        if (r.second->empty()) return fail(err, name + ": " + r.first + ": empty");
    }
    if (d.anchors_findings < 0) return fail(err, name + ": anchors.findings: negative count");
    for (size_t i = 0; i < d.images.size(); i++) {
        const results_image & im = d.images[i];
        const std::string w = name + ": images[" + std::to_string(i) + "]";
        if (im.file.empty()) return fail(err, w + ".file: empty");
        if (im.modality.empty()) return fail(err, w + ".modality: empty");
        if (d.schema_version >= 2) {
            const std::string & src = im.modality_source;
            if (src != "user" && src != "metadata" && src != "detector" && src != "default") {
                return fail(err, w + ".modality_source: expected user, metadata, detector or default, found \"" + src + "\"");
            }
            if (im.warning.find('\n') != std::string::npos) return fail(err, w + ".warning: more than one line");
            if (im.detection) {
                const results_detection & dt = *im.detection;
                const std::string wd = w + ".detection";
                if (dt.modality.empty()) return fail(err, wd + ".modality: empty");
                if (dt.verdict != "pass" && dt.verdict != "rejected") {
                    return fail(err, wd + ".verdict: expected pass or rejected, found \"" + dt.verdict + "\"");
                }
                const bool rejected = dt.verdict == "rejected";
                if (rejected != !dt.reason.empty() || rejected != !dt.message.empty()) {
                    return fail(err, wd + ": reason and message are given exactly when the verdict is rejected");
                }
                if (!dt.reason.empty() && dt.reason != "blank" && dt.reason != "other" && dt.reason != "unlike") {
                    return fail(err, wd + ".reason: expected blank, other or unlike, found \"" + dt.reason + "\"");
                }
                if (dt.message.find('\n') != std::string::npos) return fail(err, wd + ".message: more than one line");
                double sum = dt.other;
                for (const auto & p : dt.probabilities) {
                    if (!std::isfinite(p.second) || p.second < 0.0 || p.second > 1.0) {
                        return fail(err, wd + ".probabilities." + p.first + ": outside [0, 1]");
                    }
                    sum += p.second;
                }
                if (dt.probabilities.empty()) return fail(err, wd + ".probabilities: empty");
                if (!std::isfinite(dt.other) || dt.other < 0.0 || dt.other > 1.0) return fail(err, wd + ".other: outside [0, 1]");
                if (std::fabs(sum - 1.0) > 1e-6) return fail(err, wd + ": probabilities and other do not sum to 1");
                if (!std::isfinite(dt.distance) || !std::isfinite(dt.contrast)) {
                    return fail(err, wd + ": distance and contrast must be finite");
                }
            }
        }
        if (im.width.has_value() != im.height.has_value()) return fail(err, w + ": width and height go together");
        if (im.width && (*im.width < 1 || *im.height < 1)) return fail(err, w + ": width and height must be positive");
        for (size_t k = 0; k < im.feature.size(); k++) {
            if (!std::isfinite(im.feature[k])) return fail(err, w + ".feature[" + std::to_string(k) + "]: not a finite number");
        }
        if (im.error) {
            if (!valid_error_code(im.error->code)) {
                return fail(err, w + ".error.code: expected read, limits, decode, model or inference, found \"" + im.error->code + "\"");
            }
            if (im.error->message.empty()) return fail(err, w + ".error.message: empty");
            if (im.error->message.find('\n') != std::string::npos) return fail(err, w + ".error.message: more than one line");
            if (!im.findings.empty()) return fail(err, w + ": findings and error together");
        }
        for (size_t k = 0; k < im.findings.size(); k++) {
            const results_finding & f = im.findings[k];
            const std::string wf = w + ".findings[" + std::to_string(k) + "]";
            if (f.id.empty()) return fail(err, wf + ".id: empty");
            if (!std::isfinite(f.cosine) || !std::isfinite(f.logit) || !std::isfinite(f.probability)) {
                return fail(err, wf + ": cosine, logit and probability must be finite");
            }
            if (f.probability < 0.0 || f.probability > 1.0) return fail(err, wf + ".probability: outside [0, 1]");
            for (size_t j = 0; j < k; j++) {
                if (im.findings[j].id == f.id) return fail(err, wf + ".id: '" + f.id + "' appears twice");
            }
        }
    }
    return true;
}

static bool get_opt_int32(const json_reader & r, const json & obj, const std::string & where, const char * key,
                          std::optional<int32_t> * out) {
    const json * v = r.get(obj, where, key);
    if (!v) return false;
    if (v->is_null()) {
        out->reset();
        return true;
    }
    int64_t x = 0;
    if (!r.as_int(*v, json_path(where, key), &x)) return false;
    if (x < INT32_MIN || x > INT32_MAX) return r.fail(json_path(where, key), "integer out of range");
    *out = (int32_t) x;
    return true;
}

static bool get_opt_string(const json_reader & r, const json & obj, const std::string & where, const char * key,
                           std::optional<std::string> * out) {
    const json * v = r.get(obj, where, key);
    if (!v) return false;
    if (v->is_null()) {
        out->reset();
        return true;
    }
    std::string s;
    if (!r.as_string(*v, json_path(where, key), &s)) return false;
    *out = s;
    return true;
}

// modality_source, detection and warning (schema version 2).
static bool parse_image_v2(const json_reader & r, const json & im, const std::string & w, results_image * ri) {
    if (!r.get_string(im, w, "modality_source", &ri->modality_source)) return false;
    std::optional<std::string> warning;
    if (!get_opt_string(r, im, w, "warning", &warning)) return false;
    ri->warning = warning.value_or("");
    const json * dj = r.get(im, w, "detection");
    if (!dj) return false;
    if (dj->is_null()) return true;
    const std::string wd = w + ".detection";
    if (!dj->is_object()) return r.fail(wd, "expected an object or null, found " + json_describe(*dj));
    results_detection dt;
    if (!r.get_string(*dj, wd, "modality", &dt.modality)) return false;
    const json * probs = nullptr;
    if (!r.get_object(*dj, wd, "probabilities", &probs)) return false;
    for (auto it = probs->begin(); it != probs->end(); ++it) {
        double p = 0.0;
        if (!r.as_number(it.value(), wd + ".probabilities." + it.key(), &p)) return false;
        dt.probabilities.emplace_back(it.key(), p);
    }
    if (!r.get_number(*dj, wd, "other", &dt.other)) return false;
    if (!r.get_number(*dj, wd, "distance", &dt.distance)) return false;
    if (!r.get_number(*dj, wd, "contrast", &dt.contrast)) return false;
    if (!r.get_string(*dj, wd, "verdict", &dt.verdict)) return false;
    std::optional<std::string> reason, message;
    if (!get_opt_string(r, *dj, wd, "reason", &reason)) return false;
    if (!get_opt_string(r, *dj, wd, "message", &message)) return false;
    dt.reason  = reason.value_or("");
    dt.message = message.value_or("");
    ri->detection = dt;
    return true;
}

bool results_parse(const std::string & text, const std::string & name, results_doc * out, std::string * err) {
    json_reader r{ name, err };
    json doc;
    if (!json_parse_text(text, name, &doc, err)) return false;
    if (!doc.is_object()) return r.fail("", "expected a JSON object, found " + json_describe(doc));
    results_doc d;
    std::string schema;
    if (!r.get_string(doc, "", "schema", &schema)) return false;
    if (schema != "radz-results") return r.fail("schema", "expected \"radz-results\", found \"" + schema + "\"");
    int64_t version = -1;
    if (!r.get_int(doc, "", "schema_version", &version)) return false;
    if (version < 0 || version > 2) {
        return r.fail("schema_version", "expected 0, 1 or 2, found " + std::to_string(version) + " (this reader knows versions 0 to 2)");
    }
    d.schema_version = (int32_t) version;

    const json * o = nullptr;
    if (!r.get_object(doc, "", "program", &o)) return false;
    if (!r.get_string(*o, "program", "name", &d.program_name)) return false;
    if (!r.get_string(*o, "program", "version", &d.program_version)) return false;
    if (!r.get_string(*o, "program", "build", &d.program_build)) return false;
    if (!r.get_object(doc, "", "package", &o)) return false;
    if (!r.get_string(*o, "package", "name", &d.package_name)) return false;
    std::optional<std::string> manifest_sha256;
    if (!get_opt_string(r, *o, "package", "manifest_sha256", &manifest_sha256)) return false;
    d.package_manifest_sha256 = manifest_sha256.value_or("");
    if (!r.get_string(*o, "package", "variant", &d.package_variant)) return false;
    if (!r.get_object(doc, "", "backend", &o)) return false;
    if (!r.get_string(*o, "backend", "execution_provider", &d.backend_execution_provider)) return false;
    if (!get_opt_string(r, *o, "backend", "adapter", &d.backend_adapter)) return false;
    if (!get_opt_int32(r, *o, "backend", "threads", &d.backend_threads)) return false;
    if (!r.get_object(doc, "", "anchors", &o)) return false;
    if (!r.get_string(*o, "anchors", "source", &d.anchors_source)) return false;
    if (!r.get_string(*o, "anchors", "sha256", &d.anchors_sha256)) return false;
    if (!r.get_int32(*o, "anchors", "findings", &d.anchors_findings)) return false;

    const json * images = nullptr;
    if (!r.get_array(doc, "", "images", &images)) return false;
    for (size_t i = 0; i < images->size(); i++) {
        const std::string w = json_path("images", i);
        const json & im = (*images)[i];
        if (!im.is_object()) return r.fail(w, "expected an object, found " + json_describe(im));
        results_image ri;
        if (!r.get_string(im, w, "file", &ri.file)) return false;
        if (!get_opt_string(r, im, w, "sha256", &ri.sha256)) return false;
        if (!r.get_string(im, w, "modality", &ri.modality)) return false;
        if (d.schema_version >= 2 && !parse_image_v2(r, im, w, &ri)) return false;
        if (im.contains("dicom") && !im["dicom"].is_null()) {
            const json * dj = nullptr;
            if (!r.get_object(im, w, "dicom", &dj)) return false;
            std::optional<std::string> dm, db;
            if (!get_opt_string(r, *dj, w + ".dicom", "modality", &dm) ||
                !get_opt_string(r, *dj, w + ".dicom", "body_part_examined", &db)) {
                return false;
            }
            ri.dicom = results_dicom{dm.value_or(""), db.value_or("")};
        }
        if (im.contains("width") || im.contains("height")) {
            std::optional<int32_t> wd, ht;
            if (!get_opt_int32(r, im, w, "width", &wd) || !get_opt_int32(r, im, w, "height", &ht)) return false;
            ri.width = wd;
            ri.height = ht;
        }
        if (im.contains("feature")) {
            const json * f = nullptr;
            if (!r.get_array(im, w, "feature", &f)) return false;
            for (size_t k = 0; k < f->size(); k++) {
                double x = 0.0;
                if (!r.as_number((*f)[k], json_path(w + ".feature", k), &x)) return false;
                ri.feature.push_back((float) x);
            }
        }
        if (im.contains("error") && !im["error"].is_null()) {
            const json * e = nullptr;
            if (!r.get_object(im, w, "error", &e)) return false;
            results_error re;
            if (!r.get_string(*e, w + ".error", "code", &re.code)) return false;
            if (!r.get_string(*e, w + ".error", "message", &re.message)) return false;
            ri.error = re;
        } else {
            const json * fs = nullptr;
            if (!r.get_array(im, w, "findings", &fs)) return false;
            for (size_t k = 0; k < fs->size(); k++) {
                const std::string wf = json_path(w + ".findings", k);
                const json & f = (*fs)[k];
                if (!f.is_object()) return r.fail(wf, "expected an object, found " + json_describe(f));
                results_finding rf;
                if (!r.get_string(f, wf, "id", &rf.id)) return false;
                if (!r.get_string(f, wf, "display", &rf.display)) return false;
                if (!r.get_number(f, wf, "cosine", &rf.cosine)) return false;
                if (!r.get_number(f, wf, "logit", &rf.logit)) return false;
                if (!r.get_number(f, wf, "probability", &rf.probability)) return false;
                if (!r.get_bool(f, wf, "calibrated", &rf.calibrated)) return false;
                if (d.schema_version >= 1 && !r.get_bool(f, wf, "no_signal", &rf.no_signal)) return false;
                if (!r.get_string(f, wf, "source", &rf.source)) return false;
                ri.findings.push_back(rf);
            }
        }
        if (im.contains("timings_ms") && !im["timings_ms"].is_null()) {
            const json * t = nullptr;
            if (!r.get_object(im, w, "timings_ms", &t)) return false;
            results_timings rt;
            const std::string wt = w + ".timings_ms";
            if (!r.get_number(*t, wt, "decode", &rt.decode) || !r.get_number(*t, wt, "preprocess", &rt.preprocess) ||
                !r.get_number(*t, wt, "vision", &rt.vision) || !r.get_number(*t, wt, "decoder", &rt.decoder) ||
                !r.get_number(*t, wt, "score", &rt.score) || !r.get_number(*t, wt, "total", &rt.total) ||
                (d.schema_version >= 2 && !r.get_number(*t, wt, "detect", &rt.detect))) {
                return false;
            }
            ri.timings_ms = rt;
        }
        d.images.push_back(std::move(ri));
    }
    if (!results_validate(d, name, err)) return false;
    *out = std::move(d);
    return true;
}

bool results_load(const std::string & path, results_doc * doc, std::string * err) {
    std::string text;
    if (!file_read_text(path, &text, 1u << 30, err)) return false;
    return results_parse(text, file_base_name(path), doc, err);
}

bool results_save(const results_doc & doc, const std::string & path, std::string * err) {
    if (!results_validate(doc, file_base_name(path), err)) return false;
    return file_write_text(path, results_to_json(doc), err);
}
