// Inference backend interface: open an ONNX graph from bytes, run it on named tensors.
//
// The core never includes an inference library. Front ends provide an implementation:
// natively `native/backend_ort.h` (ONNX Runtime C API, loaded with dlopen), in the browser one
// on onnxruntime-web. Graphs in a model package take float32 and int64 inputs and give float32
// outputs (docs/model-package.md, section 4), so that is all the interface carries.
//
// Errors: functions return false / nullptr and store a one-line message in `err` (when not
// null), naming the graph's label (e.g. "vision.fp32.onnx") and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

enum class backend_dtype : int32_t {
    f32 = 0,
    i64 = 1,
};

// An input: points at caller-owned data for the duration of backend_graph::run.
struct backend_input {
    std::string          name;
    backend_dtype        dtype = backend_dtype::f32;
    std::vector<int64_t> shape;
    const void *         data  = nullptr; // float or int64_t, product(shape) elements
};

// An output: owned float32 data, row-major.
struct backend_output {
    std::string          name;
    std::vector<int64_t> shape;
    std::vector<float>   data;
};

// Element count of a shape (1 for a scalar); -1 if a dimension is negative.
int64_t backend_shape_elements(const std::vector<int64_t> & shape);

// "[1, 64, 64]"
std::string backend_shape_str(const std::vector<int64_t> & shape);

// What a backend runs on, for results documents (`backend` in docs/results-schema.md).
struct backend_info {
    std::string execution_provider; // "cpu", "webgpu", "cuda", "wasm"
    std::string adapter;            // GPU adapter description, empty if none
    int32_t     threads = 0;        // intra-op threads, 0 if unknown
    std::string runtime;            // e.g. "onnxruntime 1.30.0"
};

// One opened graph (an inference session).
class backend_graph {
public:
    virtual ~backend_graph() = default;

    // The graph's declared input and output names, in graph order.
    virtual const std::vector<std::string> & input_names() const  = 0;
    virtual const std::vector<std::string> & output_names() const = 0;

    // Runs the graph on `inputs` and returns the requested outputs, in the order asked.
    // Every output must be float32. Safe to call repeatedly; not from two threads at once.
    virtual bool run(const std::vector<backend_input> & inputs, const std::vector<std::string> & outputs,
                     std::vector<backend_output> * result, std::string * err) = 0;
};

class backend {
public:
    virtual ~backend() = default;

    // Opens a graph from its ONNX bytes. `label` names it in errors (the package file name).
    virtual std::unique_ptr<backend_graph> open_graph(const uint8_t * data, size_t size, const std::string & label,
                                                      std::string * err) = 0;

    virtual backend_info info() const = 0;
};

// Checks that `graph` declares exactly the `inputs` and at least the `outputs` named.
// Error: "decoder.fp32.onnx: graph has no input 'pool_mask' (inputs: inputs_embeds, attention_mask)".
bool backend_graph_check_names(const backend_graph & graph, const std::string & label,
                               const std::vector<std::string> & inputs, const std::vector<std::string> & outputs,
                               std::string * err);
