// The model the app runs: package, ONNX Runtime backend on one execution provider, pipeline.
// Lives on the worker thread (app_worker.h). One ONNX Runtime library per process: a provider
// that needs another library (the 1.29 set for CUDA) runs in a child process, the `radz` CLI,
// whose results the app reads back (app_session_run_child).
#pragma once

#include "backend_ort.h"
#include "pipeline.h"

#include <memory>
#include <string>
#include <vector>

struct app_session_options {
    std::string model_dir;
    std::string variant;      // "" = the package's default
    std::string ep = "auto";  // auto, cpu, webgpu, cuda
    std::string ort_lib;      // "" = ort_default_lib_path()
    int32_t     threads = 0;
};

struct app_session {
    app_session_options      opt;
    radz_package             pkg;
    ort_probe                probe;  // every provider of the loaded library, probed
    std::unique_ptr<backend> be;     // before pl: pl's graphs point into it
    pipeline                 pl;
    bool                     open = false;
};

// Loads and verifies the package, probes every provider, creates the backend on opt.ep and opens
// the pipeline. When opt.ep is not usable the session falls back to "auto" and *warning says
// why. keep_anchors (optional): a table to use instead of the package's (a provider switch keeps
// the user's findings); it must be bound to the same files.
bool app_session_open(app_session * s, const app_session_options & opt, const anchor_table * keep_anchors,
                      std::string * warning, std::string * err);

// Releases the pipeline, then the backend.
void app_session_close(app_session * s);

// Where the separate library set carrying a provider would be in this checkout
// (ort_provider_def.separate_lib, e.g. the 1.29 set with CUDA from scripts/setup.sh --cuda); ""
// when the provider has none.
std::string app_separate_lib_path(const ort_provider_def & def);

// Runs `radz classify --json` in a child process on `images` with the given provider and
// library, the session's package and variant, and `anchors_file` (the app's current table, saved
// by the caller); reads its results document. cli_path: the radz binary.
bool app_session_run_child(const std::string & cli_path, const app_session_options & opt, const std::string & ep,
                           const std::string & ort_lib, const std::string & anchors_file,
                           const std::string & modality, const std::vector<std::string> & images,
                           const std::string & out_json, results_doc * doc, std::string * err);
