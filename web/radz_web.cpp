// The page's WebAssembly module: one pipeline (core/pipeline.h) on ONNX Runtime Web, driven by
// the worker (web/page/worker.js).
//
// Calls that run graphs (open, classify, add a finding) suspend on ONNX Runtime Web, so they are
// plain C exports called with ccall(..., {async: true}) (embind in Emscripten 3.1.6 has no
// asynchronous calls); each returns a JSON text. The rest is embind. The worker never calls in
// while a call is suspended: it queues every request.
//
// Files reach the module through JavaScript: the worker fetches the package into
// Module.radzFiles (path -> Uint8Array) and puts the image to classify in Module.radzInput; the
// core checks every package file's size and sha256 against the manifest before using it.
#include "backend_ortweb.h"
#include "dicom_web.h"
#include "package.h"
#include "pipeline.h"
#include "results.h"

#include <emscripten.h>
#include <emscripten/bind.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

EM_JS(double, radz_web_file_size, (const char * path, int input), {
    var f = input ? Module.radzInput : (Module.radzFiles && Module.radzFiles.get(UTF8ToString(path)));
    return f ? f.length : -1;
});

EM_JS(void, radz_web_file_copy, (const char * path, int input, uint8_t * dst), {
    var f = input ? Module.radzInput : Module.radzFiles.get(UTF8ToString(path));
    HEAPU8.set(f, dst);
});

namespace {

using json = nlohmann::json;

struct web_state {
    radz_package              pkg;
    std::unique_ptr<backend>  be;
    std::unique_ptr<pipeline> pl;
    std::vector<results_image> images; // classified since the findings last changed
    std::string               ret;     // the text the last C export returned
};

web_state & st() {
    static web_state s;
    return s;
}

const char * ret(const json & j) {
    st().ret = j.dump();
    return st().ret.c_str();
}

const char * fail(const std::string & msg) {
    return ret({{"ok", false}, {"error", msg}});
}

bool read_js_file(const std::string & path, bool input, std::vector<uint8_t> * bytes, std::string * err) {
    const double n = radz_web_file_size(path.c_str(), input ? 1 : 0);
    if (n < 0) {
        if (err) {
            *err = path + ": cannot open (not fetched)";
        }
        return false;
    }
    bytes->resize((size_t) n);
    if (n > 0) {
        radz_web_file_copy(path.c_str(), input ? 1 : 0, bytes->data());
    }
    return true;
}

json findings_json(const pipeline & pl) {
    json out = json::array();
    for (const auto & f : pl.anchors.findings) {
        out.push_back({{"id", f.id},
                       {"display", f.display},
                       {"modality", f.modality},
                       {"kind", f.kind},
                       {"source", f.source},
                       {"calibrated", f.calibration.kind == "labels"},
                       {"held_out", f.held_out},
                       {"no_signal", f.no_signal},
                       {"evidence", f.has_evidence ? evidence_summary(f.evidence) : std::string()},
                       {"truncated", f.truncated}});
    }
    return out;
}

results_doc current_doc() {
    results_doc doc = pipeline_results_doc(*st().pl, "radz-web", "wasm");
    doc.images      = st().images;
    return doc;
}

} // namespace

extern "C" {

// Opens the package whose manifest text is given (its files already in Module.radzFiles) on the
// provider `ep` ("wasm" or "webgpu") with `threads` wasm threads (0: default).
// Returns {"ok": true, "info": ...} or {"ok": false, "error": "..."}.
EMSCRIPTEN_KEEPALIVE const char * radz_web_open(const char * manifest_text, const char * variant, const char * ep,
                                                int threads) {
    web_state & s = st();
    s.pl.reset();
    s.be.reset();
    s.images.clear();
    std::string err;
    s.pkg = radz_package();
    if (!package_parse_manifest(manifest_text, &s.pkg, &err)) {
        return fail(err);
    }
    ortweb_options o;
    o.ep      = ep;
    o.threads = threads;
    s.be      = ortweb_backend_create(o, &err);
    if (!s.be) {
        return fail(err);
    }
    auto            pl     = std::make_unique<pipeline>();
    pipeline_reader reader = [](const std::string & path, std::vector<uint8_t> * bytes, std::string * e) {
        return read_js_file(path, false, bytes, e);
    };
    if (!pipeline_open(s.be.get(), s.pkg, variant, reader, pl.get(), &err)) {
        return fail(err);
    }
    dicom_web_use(*pl);
    s.pl = std::move(pl);
    return ret({{"ok", true}});
}

// Classifies the bytes in Module.radzInput as `name` for `modality`. Returns {"ok", "image"}
// (a results-schema image, with its error when it failed) or {"ok": false, "error"}.
EMSCRIPTEN_KEEPALIVE const char * radz_web_classify(const char * name, const char * modality) {
    web_state & s = st();
    if (!s.pl) {
        return fail("no model is open");
    }
    std::vector<uint8_t> bytes;
    std::string          err;
    if (!read_js_file(name, true, &bytes, &err)) {
        return fail(err);
    }
    results_image r;
    r.file        = name;
    const bool ok = pipeline_classify_bytes(*s.pl, name, bytes.data(), bytes.size(), modality, true, &r);
    results_doc one = pipeline_results_doc(*s.pl, "radz-web", "wasm");
    one.images.push_back(r);
    json img = json::parse(results_to_json(one)).at("images").at(0);
    if (ok) {
        // The export keeps the latest result of each image and modality.
        for (auto it = s.images.begin(); it != s.images.end();) {
            it = (it->sha256 == r.sha256 && it->modality == r.modality) ? s.images.erase(it) : it + 1;
        }
        s.images.push_back(r);
    }
    return ret({{"ok", ok}, {"image", img}, {"error", ok ? "" : r.error->message}});
}

// Adds a user finding (descriptions: a JSON array of strings): its anchor is computed here by
// the decoder. Earlier results leave the export (they lack the finding).
EMSCRIPTEN_KEEPALIVE const char * radz_web_add_finding(const char * modality, const char * name,
                                                       const char * descriptions_json) {
    web_state & s = st();
    if (!s.pl) {
        return fail("no model is open");
    }
    std::vector<std::string> descriptions;
    try {
        descriptions = json::parse(descriptions_json).get<std::vector<std::string>>();
    } catch (const std::exception & e) {
        return fail(std::string("descriptions: expected a JSON array of strings (") + e.what() + ")");
    }
    std::string err;
    if (!pipeline_findings_add(*s.pl, {{modality, name, descriptions}}, &err)) {
        return fail(err);
    }
    s.images.clear();
    const anchor_finding & f = s.pl->anchors.findings.back();
    return ret({{"ok", true}, {"id", f.id}, {"truncated", f.truncated}});
}

} // extern "C"

namespace {

// {"backend": {...}, "package": {...}, "modalities": [...], "findings": [...]}
std::string radz_web_info() {
    web_state & s = st();
    if (!s.pl) {
        return json({{"error", "no model is open"}}).dump();
    }
    const backend_info bi = s.be->info();
    json               mods = json::array();
    for (const auto & m : s.pkg.modalities) {
        mods.push_back({{"id", m.id}, {"display", m.display}, {"task", m.task}});
    }
    return json({{"backend",
                  {{"execution_provider", bi.execution_provider},
                   {"adapter", bi.adapter},
                   {"threads", bi.threads},
                   {"runtime", bi.runtime}}},
                 {"package",
                  {{"name", s.pkg.name},
                   {"description", s.pkg.description},
                   {"variant", s.pl->variant.name},
                   {"manifest_sha256", s.pkg.manifest_sha256}}},
                 {"modalities", mods},
                 {"findings", findings_json(*s.pl)}})
        .dump();
}

// Removes a finding; "" or the error.
std::string radz_web_remove_finding(const std::string & modality, const std::string & id) {
    web_state & s = st();
    if (!s.pl) {
        return "no model is open";
    }
    std::string err;
    if (!pipeline_findings_remove(*s.pl, {{modality, id}}, &err)) {
        return err;
    }
    s.images.clear();
    return "";
}

// The results document (docs/results-schema.md) of the images classified since the findings
// last changed.
std::string radz_web_export() {
    if (!st().pl) {
        return "";
    }
    return results_to_json(current_doc());
}

} // namespace

EMSCRIPTEN_BINDINGS(radz_web) {
    emscripten::function("info", &radz_web_info);
    emscripten::function("removeFinding", &radz_web_remove_finding);
    emscripten::function("exportResults", &radz_web_export);
}
