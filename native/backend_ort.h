// The native inference backend: ONNX Runtime's C API, loaded at start with dlopen so that the
// library set is chosen at run time:
//   - the 1.30 library from node_modules/onnxruntime-node (CPU and WebGPU providers), the default;
//   - the 1.29 set with the CUDA provider (scripts/setup.sh --cuda, third_party/onnxruntime-cuda/).
//
// Execution providers: the rows of native/ort_providers.h (cpu, webgpu, cuda), or "auto": the
// usable provider of highest preference (CUDA, then WebGPU on a hardware adapter, then CPU).
// Auto never picks a software adapter (SwiftShader, llvmpipe); `--ep webgpu` may still force one.
// Every provider is probed for real (a tiny graph is opened and run on it), and the probe says
// why each one that was not chosen was not.
#pragma once

#include "backend.h"
#include "ort_options.h"
#include "ort_providers.h"

#include <memory>
#include <string>
#include <vector>

struct ort_probe {
    std::string               lib_path;  // the library loaded
    std::string               version;   // e.g. "1.30.0"
    std::vector<ort_provider> providers; // one per row of ort_provider_table(), in its order
    std::string               chosen;    // the provider "auto" (or the one asked for) resolves to
};

// RADZ_ORT_LIB if set, else the library in this repository's node_modules (compile definition).
std::string ort_default_lib_path();

// Loads the library and probes every provider. `ep` is the request ("auto" or a name); when a
// named provider is not usable, `chosen` stays empty and its `reason` says why.
bool ort_probe_providers(const ort_options & opt, ort_probe * probe, std::string * err);

// Loads the library and creates a backend on the requested provider. `probe` (optional)
// receives what was probed and chosen. Errors: the library cannot be loaded, or the provider
// asked for is not usable ("--ep cuda: not usable: no NVIDIA driver (libcuda.so.1 not found)").
std::unique_ptr<backend> ort_backend_create(const ort_options & opt, ort_probe * probe, std::string * err);

// One line per provider: "cpu     yes  AMD EPYC ..." / "webgpu  no   only a software adapter ...".
std::string ort_probe_report(const ort_probe & probe);
