// Under Emscripten, the native backend's entry point (native/backend_ort.h) on ONNX Runtime Web,
// so that tests/test_pipeline.cpp runs unchanged in wasm, under node, through
// web/backend_ortweb.cpp. Only what the tests use: ort_backend_create
// (ort_options is native/ort_options.h, the same struct).
#pragma once

#include "backend.h"
#include "../../native/ort_options.h"  // the one ort_options, shared with the native backend

#include <memory>
#include <string>

struct ort_probe;

// ortweb_backend_create with the provider mapped ("auto" -> "wasm"); probe must be null.
std::unique_ptr<backend> ort_backend_create(const ort_options & opt, ort_probe * probe, std::string * err);
