// The page's WebAssembly module: one pipeline (core/pipeline.h) on ONNX Runtime Web, driven by
// the worker (web/page/worker.js).
//
// One calling style: every call is the one C export radz_web_call(name, args_json), called with
// ccall(..., {async: true}), which answers JSON text: {"ok": true, ...} or {"ok": false,
// "error"}. The calls are the rows of k_calls below. Why not embind: the calls that run graphs
// suspend on ONNX Runtime Web (ASYNCIFY), and embind in Emscripten 3.1.6 has no asynchronous
// calls; one asynchronous entry for all keeps one path, one error shape and one export (the
// link's EXPORTED_FUNCTIONS in web/CMakeLists.txt names only it). The worker never calls in
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
    std::string               ret;     // the text the last call returned
};

web_state & st() {
    static web_state s;
    return s;
}

// A call's refusal: the one-line error the page shows.
struct call_error {
    std::string message;
};

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

pipeline & open_pipeline() {
    if (!st().pl) {
        throw call_error{"no model is open"};
    }
    return *st().pl;
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

// {"backend": {...}, "package": {...}, "modalities": [...], "findings": [...]}
json info_json() {
    web_state &        s  = st();
    const pipeline &   pl = open_pipeline();
    const backend_info bi = s.be->info();
    json               mods = json::array();
    for (const auto & m : s.pkg.modalities) {
        mods.push_back({{"id", m.id}, {"display", m.display}, {"task", m.task}});
    }
    return {{"backend",
             {{"execution_provider", bi.execution_provider},
              {"adapter", bi.adapter},
              {"threads", bi.threads},
              {"runtime", bi.runtime}}},
            {"package",
             {{"name", s.pkg.name},
              {"description", s.pkg.description},
              {"variant", pl.variant.name},
              {"manifest_sha256", s.pkg.manifest_sha256}}},
            {"modalities", mods},
            {"findings", findings_json(pl)}};
}

// ----- The calls. Each takes its JSON arguments and returns its answer (without "ok"), or
// throws call_error.

// {manifest, variant}: the files of the variant (package_variant_files), before they are
// fetched. Needs no open model.
json call_package_files(const json & a) {
    radz_package pkg;
    std::string  err;
    if (!package_parse_manifest(a.at("manifest").get<std::string>(), &pkg, &err)) {
        throw call_error{err};
    }
    const std::string            name = a.at("variant").get<std::string>();
    const package_variant_info * v    = package_variant(pkg, name.empty() ? pkg.default_variant : name);
    if (!v) {
        throw call_error{"manifest.json: no variant '" + name + "'"};
    }
    return {{"files", package_variant_files(pkg, *v)}};
}

// {manifest, variant, ep ("wasm" or "webgpu"), threads (0: default)}: opens the package, its
// files already in Module.radzFiles. Answers the info.
json call_open(const json & a) {
    web_state & s = st();
    s.pl.reset();
    s.be.reset();
    s.images.clear();
    s.pkg = radz_package();
    std::string err;
    if (!package_parse_manifest(a.at("manifest").get<std::string>(), &s.pkg, &err)) {
        throw call_error{err};
    }
    ortweb_options o;
    o.ep      = a.at("ep").get<std::string>();
    o.threads = a.at("threads").get<int32_t>();
    s.be      = ortweb_backend_create(o, &err);
    if (!s.be) {
        throw call_error{err};
    }
    auto            pl     = std::make_unique<pipeline>();
    pipeline_reader reader = [](const std::string & path, std::vector<uint8_t> * bytes, std::string * e) {
        return read_js_file(path, false, bytes, e);
    };
    if (!pipeline_open(s.be.get(), s.pkg, a.at("variant").get<std::string>(), reader, pl.get(), &err)) {
        throw call_error{err};
    }
    dicom_web_use(*pl);
    s.pl = std::move(pl);
    return {{"info", info_json()}};
}

json call_info(const json &) {
    return {{"info", info_json()}};
}

// {name, modality, scoreAnyway}: classifies the bytes in Module.radzInput. Answers "image" (a results-schema
// image, with its error when it failed) as JSON text, and "error" ("" when it worked).
json call_classify(const json & a) {
    web_state &       s    = st();
    pipeline &        pl   = open_pipeline();
    const std::string name = a.at("name").get<std::string>();
    std::vector<uint8_t> bytes;
    std::string          err;
    if (!read_js_file(name, true, &bytes, &err)) {
        throw call_error{err};
    }
    results_image r;
    r.file            = name;
    pl.score_rejected = a.value("scoreAnyway", false);
    const bool ok = pipeline_classify_bytes(pl, name, bytes.data(), bytes.size(), a.at("modality").get<std::string>(),
                                            true, &r);
    pl.score_rejected = false;
    if (ok) {
        // The export keeps the latest result of each image and modality.
        for (auto it = s.images.begin(); it != s.images.end();) {
            it = (it->sha256 == r.sha256 && it->modality == r.modality) ? s.images.erase(it) : it + 1;
        }
        s.images.push_back(r);
    }
    return {{"image", results_image_to_json(r, pipeline_results_doc(pl, "radz-web", "wasm").schema_version)},
            {"error", ok ? "" : r.error->message}};
}

// {modality, name, descriptions}: adds a user finding (its anchor computed here by the
// decoder). Earlier results leave the export (they lack the finding).
json call_add_finding(const json & a) {
    web_state & s  = st();
    pipeline &  pl = open_pipeline();
    std::string err;
    if (!pipeline_findings_add(pl, {{a.at("modality").get<std::string>(), a.at("name").get<std::string>(),
                                     a.at("descriptions").get<std::vector<std::string>>()}},
                               &err)) {
        throw call_error{err};
    }
    s.images.clear();
    const anchor_finding & f = pl.anchors.findings.back();
    return {{"findingId", f.id}, {"truncated", f.truncated}, {"info", info_json()}};
}

// {modality, findingId}: removes a finding; earlier results leave the export.
json call_remove_finding(const json & a) {
    pipeline &  pl = open_pipeline();
    std::string err;
    if (!pipeline_findings_remove(pl, {{a.at("modality").get<std::string>(), a.at("findingId").get<std::string>()}},
                                  &err)) {
        throw call_error{err};
    }
    st().images.clear();
    return {{"info", info_json()}};
}

// The results document (docs/results-schema.md) of the images classified since the findings
// last changed, as text.
json call_export(const json &) {
    results_doc doc = pipeline_results_doc(open_pipeline(), "radz-web", "wasm");
    doc.images      = st().images;
    return {{"json", results_to_json(doc)}};
}

struct web_call {
    const char * name;
    json (*fn)(const json & args);
};

// The module's calls (docs/architecture.md, "The web request protocol").
const web_call k_calls[] = {
    {"package_files", call_package_files},
    {"open", call_open},
    {"info", call_info},
    {"classify", call_classify},
    {"add_finding", call_add_finding},
    {"remove_finding", call_remove_finding},
    {"export", call_export},
};

} // namespace

// The one export: runs call `name` with its JSON arguments. Returns {"ok": true, ...answer} or
// {"ok": false, "error": "..."}; the text stays valid until the next call.
extern "C" EMSCRIPTEN_KEEPALIVE const char * radz_web_call(const char * name, const char * args_json) {
    json out;
    try {
        const web_call * call = nullptr;
        for (const auto & c : k_calls) {
            if (std::string(name) == c.name) {
                call = &c;
            }
        }
        if (!call) {
            throw call_error{std::string("unknown call '") + name + "'"};
        }
        out       = call->fn(json::parse(args_json));
        out["ok"] = true;
    } catch (const call_error & e) {
        out = {{"ok", false}, {"error", e.message}};
    } catch (const std::exception & e) {
        out = {{"ok", false}, {"error", std::string(name) + ": bad arguments (" + e.what() + ")"}};
    }
    st().ret = out.dump();
    return st().ret.c_str();
}
