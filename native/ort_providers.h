// The execution providers of the native ONNX Runtime backend, in one table (ort_providers.cpp):
// each row has the name --ep takes, auto's preference, its availability probe, what it adds to
// a session's options, and the separate library set that carries it when the default one does
// not. The backend (backend_ort.cpp) probes, chooses and loads through the table; the CLI's and
// the app's --ep checks and messages, and the app's provider window, read it. Adding a provider
// is adding a row and its probe.
//
// The page's providers (wasm, webgpu) are the other language side's table: web/page/providers.mjs.
#pragma once

#include <functional>
#include <string>
#include <vector>

struct OrtApi;
struct OrtSessionOptions;
struct OrtStatus;

// What the probe found for one provider (ort_probe.providers, in table order).
struct ort_provider {
    std::string name;             // "cpu", "webgpu", "cuda"
    bool        usable   = false; // a session opens and runs on it
    bool        software = false; // a software adapter (never chosen by auto)
    std::string adapter;          // the device it runs on, when known
    std::string reason;           // why it is not usable / was not chosen; empty for the chosen one
};

// What a provider's probe sees of the loaded library.
struct ort_probe_env {
    std::string              want;       // the request: "auto", "all" (probe all, choose as auto) or a name
    std::vector<std::string> available;  // ONNX Runtime's GetAvailableProviders
    std::string              lib_path;   // the library file as loaded
    // Opens and runs a tiny graph on the provider; false with the reason.
    std::function<bool(const std::string & name, std::string * reason)> try_session;
};

struct ort_provider_def {
    const char * name;        // --ep NAME, ort_provider.name and backend_info.execution_provider
    const char * title;       // in messages: "the CUDA provider does not run: ..."
    int          preference;  // auto chooses the usable, non-software provider of highest preference
    bool         fallback;    // always probed, even when another is asked for; the library is refused
                              // when it does not run (cpu)
    bool         adapter_in_results;  // backend_info.adapter (results documents) names its device
    // A library set that carries the provider when the default library lacks it, relative to
    // the repository (scripts/setup.sh), and what to call it; nullptr: none.
    const char * separate_lib;
    const char * separate_lib_what;
    // Sets usable, software, adapter and reason; calls env.try_session last, when it can run.
    void (*probe)(const ort_probe_env & env, ort_provider * p);
    // Adds the provider to session options; nullptr: nothing to add (ONNX Runtime's default).
    OrtStatus * (*append)(const OrtApi * api, OrtSessionOptions * so);
};

// The table, in the order providers are probed and reported (cpu, webgpu, cuda).
const std::vector<ort_provider_def> & ort_provider_table();

// The row named `name`, or nullptr.
const ort_provider_def * ort_provider_find(const std::string & name);

// Whether ep names a provider of the table or is "auto".
bool ort_provider_known(const std::string & ep);

// What --ep accepts, for messages: "auto, cpu, webgpu or cuda".
std::string ort_provider_choices();

// The same for help texts: "auto (default), cpu, webgpu, cuda" (default_note after "auto").
std::string ort_provider_list(const std::string & default_note);
