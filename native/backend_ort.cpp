#include "backend_ort.h"

#include "ort_cmdline.h"
#include "ort_providers.h"

#include <onnxruntime_c_api.h>

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
// ONNX Runtime keeps a few allocations to the end of the process on purpose (it is never
// unloaded); LeakSanitizer must not count them against RadZ. GDCM 3.0.21's JPEG 2000 codec
// (native/dicom_gdcm.cpp) does not free OpenJPEG's decoder state when a codestream is corrupt
// (112 bytes in two allocations of libopenjp2 per such file, tests/data/dicom/bad_corrupt_j2k.dcm).
extern "C" const char * __lsan_default_suppressions() {
    return "leak:libonnxruntime.so\nleak:libopenjp2.so\n";
}
extern "C" const char * __lsan_default_options() {
    return "print_suppressions=0";
}
#endif

#ifndef RADZ_ORT_DEFAULT_LIB
#define RADZ_ORT_DEFAULT_LIB "libonnxruntime.so.1"
#endif

namespace {

// A tiny ONNX model, y = x + x on float32 [1, 4] (opset 17), used to check that a provider
// really opens and runs a session.
const uint8_t k_probe_model[] = {
    0x08, 0x08, 0x12, 0x04, 0x72, 0x61, 0x64, 0x7a, 0x3a, 0x41, 0x0a, 0x0e, 0x0a, 0x01, 0x78, 0x0a, 0x01,
    0x78, 0x12, 0x01, 0x79, 0x22, 0x03, 0x41, 0x64, 0x64, 0x12, 0x05, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x5a,
    0x13, 0x0a, 0x01, 0x78, 0x12, 0x0e, 0x0a, 0x0c, 0x08, 0x01, 0x12, 0x08, 0x0a, 0x02, 0x08, 0x01, 0x0a,
    0x02, 0x08, 0x04, 0x62, 0x13, 0x0a, 0x01, 0x79, 0x12, 0x0e, 0x0a, 0x0c, 0x08, 0x01, 0x12, 0x08, 0x0a,
    0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x04, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x11,
};

// One ONNX Runtime library per process: it cannot be unloaded, and it allows one OrtEnv.
struct ort_lib {
    std::string    path;
    std::string    resolved_path; // the file dlopen found
    const OrtApi * api = nullptr;
    OrtEnv *       env = nullptr;
    std::string    version;
};

std::mutex g_lib_mutex;
ort_lib *  g_lib = nullptr;

// ONNX Runtime messages may span lines and start with a source location
// ("/onnxruntime_src/...cc:136 ... was false. Failed to get a WebGPU adapter: ..."): keep one
// line, and the part after the location when there is one.
std::string one_line(const std::string & msg) {
    std::string s = msg;
    if (!s.empty() && s[0] == '/') {
        const size_t p = s.find(" was false. ");
        if (p != std::string::npos) {
            s = s.substr(p + 12);
        }
    }
    std::string out;
    bool        space = false;
    for (char c : s) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
    }
    return out;
}

// Takes the status: true when null, else its message into err (prefixed) and false.
bool ort_ok(const OrtApi * api, OrtStatus * st, const std::string & what, std::string * err) {
    if (!st) {
        return true;
    }
    if (err) {
        *err = what + ": " + one_line(api->GetErrorMessage(st));
    }
    api->ReleaseStatus(st);
    return false;
}

bool file_exists(const std::string & path) {
    struct stat sb;
    return stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

ort_lib * ort_lib_get(const std::string & path, bool verbose, std::string * err) {
    std::lock_guard<std::mutex> lock(g_lib_mutex);
    if (g_lib) {
        if (g_lib->path != path) {
            if (err) {
                *err = path + ": another ONNX Runtime library (" + g_lib->path + ") is already loaded";
            }
            return nullptr;
        }
        return g_lib;
    }
    // The 1.30 library parses /proc/self/cmdline when the OrtEnv is created and overflows the
    // stack on a long one: ort_cmdline.h keeps it short, or the library is not loaded.
    std::string cmdline_err;
    if (!ort_cmdline_check(&cmdline_err)) {
        if (err) {
            *err = path + ": not loaded: " + cmdline_err;
        }
        return nullptr;
    }
    // A bare file name would be searched on the library path: a file here means this one.
    const std::string open_path = path.find('/') == std::string::npos && file_exists(path) ? "./" + path : path;
    void *            h         = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char * e = dlerror();
        if (err) {
            *err = path + ": cannot load the ONNX Runtime library (" + (e ? one_line(e) : "dlopen failed") +
                   "); run scripts/setup.sh, or name one with --ort-lib or RADZ_ORT_LIB";
        }
        return nullptr;
    }
    using get_api_base_fn = const OrtApiBase * (*) ();
    auto get_api_base     = (get_api_base_fn) dlsym(h, "OrtGetApiBase");
    if (!get_api_base) {
        if (err) {
            *err = path + ": not an ONNX Runtime library (no OrtGetApiBase)";
        }
        return nullptr; // never dlclose: see above
    }
    const OrtApiBase * base = get_api_base();
    const OrtApi *     api  = base ? base->GetApi(ORT_API_VERSION) : nullptr;
    if (!api) {
        if (err) {
            *err = path + ": ONNX Runtime " + (base ? base->GetVersionString() : "?") + " does not provide API version " +
                   std::to_string(ORT_API_VERSION) + " (RadZ needs 1." + std::to_string(ORT_API_VERSION) + " or newer)";
        }
        return nullptr;
    }
    auto * lib    = new ort_lib;
    lib->path     = path;
    lib->api      = api;
    lib->version  = base->GetVersionString();
    Dl_info info  = {};
    lib->resolved_path = dladdr((void *) get_api_base, &info) && info.dli_fname ? info.dli_fname : path;
    if (!ort_ok(api, api->CreateEnv(verbose ? ORT_LOGGING_LEVEL_WARNING : ORT_LOGGING_LEVEL_FATAL, "radz", &lib->env),
                path + ": CreateEnv", err)) {
        delete lib;
        return nullptr;
    }
    g_lib = lib; // kept for the life of the process
    return g_lib;
}

std::vector<std::string> available_providers(const ort_lib * lib) {
    std::vector<std::string> out;
    char **                  names = nullptr;
    int                      n     = 0;
    if (lib->api->GetAvailableProviders(&names, &n) == nullptr) {
        for (int i = 0; i < n; ++i) {
            out.push_back(names[i]);
        }
        ort_ok(lib->api, lib->api->ReleaseAvailableProviders(names, n), "", nullptr);
    }
    return out;
}

int32_t default_threads(int32_t threads) {
    if (threads > 0) {
        return threads;
    }
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? (int32_t) n : 1;
}

// Session options for one provider.
OrtSessionOptions * make_session_options(const ort_lib * lib, const std::string & ep, int32_t threads,
                                         std::string * err) {
    const OrtApi *      api = lib->api;
    OrtSessionOptions * so  = nullptr;
    if (!ort_ok(api, api->CreateSessionOptions(&so), "CreateSessionOptions", err)) {
        return nullptr;
    }
    bool ok = ort_ok(api, api->SetIntraOpNumThreads(so, threads), "SetIntraOpNumThreads", err) &&
              ort_ok(api, api->SetInterOpNumThreads(so, 1), "SetInterOpNumThreads", err);
    for (const auto & e : ORT_SESSION_ENTRIES) {
        ok = ok && ort_ok(api, api->AddSessionConfigEntry(so, e.key, e.value), "AddSessionConfigEntry", err);
    }
    const ort_provider_def * def = ort_provider_find(ep);
    if (ok && !def) {
        if (err) {
            *err = "unknown execution provider '" + ep + "' (expected " + ort_provider_choices() + ")";
        }
        ok = false;
    }
    if (ok && def->append) {
        ok = ort_ok(api, def->append(api, so), std::string(def->title) + " provider", err);
    }
    if (!ok) {
        api->ReleaseSessionOptions(so);
        return nullptr;
    }
    return so;
}

class ort_graph : public backend_graph {
public:
    ort_graph(const ort_lib * lib, OrtSession * session, std::string label) :
        lib_(lib), session_(session), label_(std::move(label)) {}

    ~ort_graph() override {
        if (session_) {
            lib_->api->ReleaseSession(session_);
        }
        if (mem_) {
            lib_->api->ReleaseMemoryInfo(mem_);
        }
    }

    bool init(std::string * err) {
        const OrtApi * api = lib_->api;
        OrtAllocator * alloc = nullptr;
        if (!ort_ok(api, api->GetAllocatorWithDefaultOptions(&alloc), label_, err)) {
            return false;
        }
        size_t n_in = 0, n_out = 0;
        if (!ort_ok(api, api->SessionGetInputCount(session_, &n_in), label_, err) ||
            !ort_ok(api, api->SessionGetOutputCount(session_, &n_out), label_, err)) {
            return false;
        }
        for (size_t i = 0; i < n_in + n_out; ++i) {
            char * name = nullptr;
            OrtStatus * st = i < n_in ? api->SessionGetInputName(session_, i, alloc, &name)
                                      : api->SessionGetOutputName(session_, i - n_in, alloc, &name);
            if (!ort_ok(api, st, label_, err)) {
                return false;
            }
            (i < n_in ? inputs_ : outputs_).push_back(name);
            ort_ok(api, api->AllocatorFree(alloc, name), label_, nullptr);
        }
        return ort_ok(api, api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &mem_), label_, err);
    }

    const std::vector<std::string> & input_names() const override { return inputs_; }
    const std::vector<std::string> & output_names() const override { return outputs_; }

    bool run(const std::vector<backend_input> & inputs, const std::vector<std::string> & outputs,
             std::vector<backend_output> * result, std::string * err) override {
        const OrtApi * api = lib_->api;
        result->clear();
        std::vector<OrtValue *>   in_vals(inputs.size(), nullptr);
        std::vector<OrtValue *>   out_vals(outputs.size(), nullptr);
        std::vector<const char *> in_names, out_names;
        auto release = [&]() {
            for (OrtValue * v : in_vals) {
                if (v) {
                    api->ReleaseValue(v);
                }
            }
            for (OrtValue * v : out_vals) {
                if (v) {
                    api->ReleaseValue(v);
                }
            }
        };
        for (size_t i = 0; i < inputs.size(); ++i) {
            const backend_input & in = inputs[i];
            const int64_t         n  = backend_shape_elements(in.shape);
            if (n < 0 || (n > 0 && !in.data)) {
                if (err) {
                    *err = label_ + ": input '" + in.name + "' has an invalid shape " + backend_shape_str(in.shape);
                }
                release();
                return false;
            }
            const bool   f32   = in.dtype == backend_dtype::f32;
            const size_t bytes = (size_t) n * (f32 ? sizeof(float) : sizeof(int64_t));
            static const int64_t k_dummy = 0; // ORT wants a non-null pointer even for 0 elements
            void * data = const_cast<void *>(n > 0 ? in.data : (const void *) &k_dummy);
            const ONNXTensorElementDataType type =
                f32 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
            if (!ort_ok(api,
                        api->CreateTensorWithDataAsOrtValue(mem_, data, bytes, in.shape.data(), in.shape.size(), type,
                                                            &in_vals[i]),
                        label_ + ": input '" + in.name + "'", err)) {
                release();
                return false;
            }
            in_names.push_back(in.name.c_str());
        }
        for (const auto & name : outputs) {
            out_names.push_back(name.c_str());
        }
        if (!ort_ok(api,
                    api->Run(session_, nullptr, in_names.data(), in_vals.data(), in_vals.size(), out_names.data(),
                             out_names.size(), out_vals.data()),
                    label_, err)) {
            release();
            return false;
        }
        for (size_t i = 0; i < outputs.size(); ++i) {
            OrtTensorTypeAndShapeInfo * ti = nullptr;
            if (!ort_ok(api, api->GetTensorTypeAndShape(out_vals[i], &ti), label_ + ": output '" + outputs[i] + "'",
                        err)) {
                release();
                return false;
            }
            ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
            size_t                    nd   = 0;
            backend_output            out;
            out.name = outputs[i];
            bool ok  = api->GetTensorElementType(ti, &type) == nullptr && api->GetDimensionsCount(ti, &nd) == nullptr;
            if (ok) {
                out.shape.resize(nd);
                ok = api->GetDimensions(ti, out.shape.data(), nd) == nullptr;
            }
            api->ReleaseTensorTypeAndShapeInfo(ti);
            if (!ok || type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
                if (err) {
                    *err = label_ + ": output '" + outputs[i] + "' is not a float32 tensor (element type " +
                           std::to_string((int) type) + ")";
                }
                release();
                return false;
            }
            const int64_t n    = backend_shape_elements(out.shape);
            void *        data = nullptr;
            if (n > 0 && !ort_ok(api, api->GetTensorMutableData(out_vals[i], &data), label_, err)) {
                release();
                return false;
            }
            out.data.assign((const float *) data, (const float *) data + (n > 0 ? n : 0));
            result->push_back(std::move(out));
        }
        release();
        return true;
    }

private:
    const ort_lib *          lib_;
    OrtSession *             session_ = nullptr;
    OrtMemoryInfo *          mem_     = nullptr;
    std::string              label_;
    std::vector<std::string> inputs_, outputs_;
};

std::unique_ptr<backend_graph> open_session(const ort_lib * lib, const std::string & ep, int32_t threads,
                                            const uint8_t * data, size_t size, const std::string & label,
                                            std::string * err) {
    OrtSessionOptions * so = make_session_options(lib, ep, threads, err);
    if (!so) {
        return nullptr;
    }
    OrtSession * session = nullptr;
    OrtStatus *  st      = lib->api->CreateSessionFromArray(lib->env, data, size, so, &session);
    lib->api->ReleaseSessionOptions(so);
    if (!ort_ok(lib->api, st, label, err)) {
        return nullptr;
    }
    auto g = std::make_unique<ort_graph>(lib, session, label);
    if (!g->init(err)) {
        return nullptr;
    }
    return g;
}

// Opens and runs the probe model on `ep`.
bool try_provider(const ort_lib * lib, const std::string & ep, std::string * reason) {
    std::string err;
    auto        g = open_session(lib, ep, 1, k_probe_model, sizeof(k_probe_model), "probe graph", &err);
    if (!g) {
        *reason = err;
        return false;
    }
    const float                 x[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    std::vector<backend_output> out;
    if (!g->run({{"x", backend_dtype::f32, {1, 4}, x}}, {"y"}, &out, &err)) {
        *reason = err;
        return false;
    }
    if (out.size() != 1 || out[0].data.size() != 4 || out[0].data[3] != 8.0f) {
        *reason = "the probe graph gave a wrong result";
        return false;
    }
    return true;
}

class ort_backend : public backend {
public:
    ort_backend(const ort_lib * lib, std::string ep, std::string adapter, int32_t threads) :
        lib_(lib), ep_(std::move(ep)), adapter_(std::move(adapter)), threads_(threads) {}

    std::unique_ptr<backend_graph> open_graph(const uint8_t * data, size_t size, const std::string & label,
                                              std::string * err) override {
        return open_session(lib_, ep_, threads_, data, size, label, err);
    }

    backend_info info() const override {
        backend_info bi;
        bi.execution_provider = ep_;
        bi.adapter            = ort_provider_find(ep_)->adapter_in_results ? adapter_ : "";
        bi.threads            = threads_;
        bi.runtime            = "onnxruntime " + lib_->version;
        return bi;
    }

private:
    const ort_lib * lib_;
    std::string     ep_;
    std::string     adapter_;
    int32_t         threads_;
};

} // namespace

std::string ort_default_lib_path() {
    if (const char * env = std::getenv("RADZ_ORT_LIB"); env && *env) {
        return env;
    }
    return RADZ_ORT_DEFAULT_LIB;
}

bool ort_probe_providers(const ort_options & opt, ort_probe * probe, std::string * err) {
    *probe          = ort_probe();
    probe->lib_path = opt.lib_path.empty() ? ort_default_lib_path() : opt.lib_path;
    const std::string & want = opt.ep;
    if (!ort_provider_known(want) && want != "all") {
        if (err) {
            *err = "--ep: unknown execution provider '" + want + "' (expected " + ort_provider_choices() + ")";
        }
        return false;
    }
    ort_lib * lib = ort_lib_get(probe->lib_path, opt.verbose, err);
    if (!lib) {
        return false;
    }
    probe->version = lib->version;
    const bool all   = want == "all"; // probe everything, choose as auto would (radz info)
    const bool autom = want == "auto" || all;

    ort_probe_env env;
    env.want        = want;
    env.available   = available_providers(lib);
    env.lib_path    = lib->resolved_path;
    env.try_session = [lib](const std::string & ep, std::string * reason) { return try_provider(lib, ep, reason); };

    // Probed in order of preference; auto (not "all") skips the ones below a usable hardware one.
    const auto &              table = ort_provider_table();
    std::vector<ort_provider> ps(table.size());
    std::vector<size_t>       order;
    for (size_t i = 0; i < table.size(); ++i) {
        ps[i].name = table[i].name;
        order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return table[a].preference > table[b].preference; });
    std::string preferred;  // the first usable hardware provider probed
    for (size_t i : order) {
        const ort_provider_def & def = table[i];
        ort_provider &           p   = ps[i];
        if (!def.fallback && !autom && want != def.name) {
            p.reason = "not asked for (--ep " + want + ")";
            continue;
        }
        if (!def.fallback && autom && !all && !preferred.empty()) {
            p.reason = "not probed: " + preferred + " is preferred";
            continue;
        }
        def.probe(env, &p);
        if (def.fallback && !p.usable) {
            if (err) {
                *err = probe->lib_path + ": the " + def.title + " provider does not run: " + p.reason;
            }
            return false;
        }
        if (p.usable && !p.software && preferred.empty()) {
            preferred = p.name;
        }
    }

    // Auto: the preferred usable provider, never a software adapter (a fallback is always usable).
    if (autom) {
        probe->chosen = preferred;
    } else if (ps[(size_t) (ort_provider_find(want) - table.data())].usable) {
        probe->chosen = want;
    }
    for (ort_provider & p : ps) {
        if (p.name == probe->chosen) {
            p.reason.clear();
        } else if (p.usable && autom && !p.software) {
            p.reason = probe->chosen + " is preferred";
        } else if (p.usable && !autom) {
            p.reason = "--ep " + want + " asked for";
        }
    }
    probe->providers = ps;
    return true;
}

std::unique_ptr<backend> ort_backend_create(const ort_options & opt, ort_probe * probe_out, std::string * err) {
    ort_probe probe;
    if (!ort_probe_providers(opt, &probe, err)) {
        return nullptr;
    }
    if (probe_out) {
        *probe_out = probe;
    }
    if (probe.chosen.empty()) {
        std::string reason = "not usable";
        for (const auto & p : probe.providers) {
            if (p.name == opt.ep) {
                reason = p.reason;
            }
        }
        if (err) {
            *err = "--ep " + opt.ep + ": not usable: " + reason;
        }
        return nullptr;
    }
    ort_lib *   lib = ort_lib_get(probe.lib_path, opt.verbose, err);
    std::string adapter;
    for (const auto & p : probe.providers) {
        if (p.name == probe.chosen) {
            adapter = p.adapter;
        }
    }
    return std::make_unique<ort_backend>(lib, probe.chosen, adapter, default_threads(opt.threads));
}

std::string ort_probe_report(const ort_probe & probe) {
    std::string s;
    for (const auto & p : probe.providers) {
        std::string line = p.name;
        line.resize(8, ' ');
        line += p.name == probe.chosen ? "chosen  " : p.usable ? "usable  " : "no      ";
        std::string detail = p.adapter;
        if (!p.reason.empty()) {
            detail += (detail.empty() ? "" : ": ") + p.reason;
        }
        s += line + detail + "\n";
    }
    return s;
}
