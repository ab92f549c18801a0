// The browser's inference backend: core/backend.h on ONNX Runtime Web (npm onnxruntime-web
// 1.30), which runs outside our WebAssembly module. JavaScript (web/ortweb_glue.js, linked as
// --pre-js) only moves tensors between our heap and ONNX Runtime Web; every call that waits on
// it is an EM_ASYNC_JS import, so the module is built with -sASYNCIFY and callers must never
// re-enter it while a call is suspended (the worker queues requests).
//
// Where ONNX Runtime Web comes from: Module.ort when the host passed its namespace in (the
// worker imports ort.webgpu.min.mjs or ort.wasm.min.mjs), else, under node, the file
// $RADZ_ORT_WEB_DIR/ort.wasm.min.mjs.
//
// Every session gets the session config entries of native/ort_options.h (ORT_SESSION_ENTRIES:
// session.disable_quant_qdq = "1", docs/model-package.md section 8), handed to ortweb_glue.js.
#pragma once

#include "backend.h"

#include <cstdint>
#include <memory>
#include <string>

struct ortweb_options {
    std::string ep      = "wasm"; // "wasm" (ONNX Runtime Web's CPU provider; "cpu" is its alias) or "webgpu"
    int32_t     threads = 0;      // wasm threads; 0: ONNX Runtime Web's default
};

// Loads ONNX Runtime Web (once per module), sets its threads, and for "webgpu" asks for an
// adapter. Fails with one line: "webgpu: not usable: no WebGPU adapter (navigator.gpu missing)".
// The provider asked for is the one used: there is no silent fallback to another.
std::unique_ptr<backend> ortweb_backend_create(const ortweb_options & opt, std::string * err);
