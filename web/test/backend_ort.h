// Under Emscripten, the native backend's entry point (native/backend_ort.h) on ONNX Runtime Web,
// so that tests/test_pipeline.cpp runs unchanged in wasm, under node, through
// web/backend_ortweb.cpp. Only what the tests use: ort_options and ort_backend_create.
#pragma once

#include "backend.h"

#include <cstdint>
#include <memory>
#include <string>

struct ort_options {
    std::string lib_path;        // ignored: ONNX Runtime Web is found by web/ortweb_glue.js
    std::string ep = "auto";     // "auto" and "cpu": ONNX Runtime Web's CPU (wasm) provider; "webgpu"
    int32_t     threads = 0;     // wasm threads; 0: ONNX Runtime Web's default
    bool        verbose = false; // ignored
};

struct ort_probe;

// ortweb_backend_create with the provider mapped ("auto" -> "wasm"); probe must be null.
std::unique_ptr<backend> ort_backend_create(const ort_options & opt, ort_probe * probe, std::string * err);
