// What a front end asks of the ONNX Runtime backend: the one ort_options, read by the native
// backend (native/backend_ort.h) and by the wasm test shim that maps it onto ONNX Runtime Web
// (web/test/backend_ort.h), so that tests/test_pipeline.cpp builds unchanged on both; and the
// session config entries every ONNX Runtime session gets, natively and in the browser.
#pragma once

#include <cstdint>
#include <string>

struct ort_options {
    std::string lib_path;        // libonnxruntime.so path; empty: ort_default_lib_path()
                                 // (wasm: ignored, ONNX Runtime Web is found by web/ortweb_glue.js)
    std::string ep = "auto";     // "auto", "cpu", "webgpu", "cuda" (wasm: "auto" and "cpu" are
                                 // ONNX Runtime Web's CPU (wasm) provider)
    int32_t     threads = 0;     // intra-op threads; 0: one per hardware thread (wasm: ORT Web's default)
    bool        verbose = false; // let ONNX Runtime log warnings to stderr (wasm: ignored)
};

// Session config entries of every session: native/backend_ort.cpp sets them, web/backend_ortweb.cpp
// hands them to ONNX Runtime Web (web/ortweb_glue.js). session.disable_quant_qdq = "1": int8
// graphs must not have their activations quantized by the CPU provider's QDQ fusion
// (docs/model-package.md section 8). The recipe's Python check sets its own (scripts/radz/export.py).
struct ort_session_entry {
    const char * key;
    const char * value;
};
inline constexpr ort_session_entry ORT_SESSION_ENTRIES[] = {{"session.disable_quant_qdq", "1"}};
