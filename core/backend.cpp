#include "backend.h"

int64_t backend_shape_elements(const std::vector<int64_t> & shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) {
            return -1;
        }
        n *= d;
    }
    return n;
}

std::string backend_shape_str(const std::vector<int64_t> & shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) {
            s += ", ";
        }
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

static std::string join_names(const std::vector<std::string> & names) {
    std::string s;
    for (size_t i = 0; i < names.size(); ++i) {
        s += (i ? ", " : "") + names[i];
    }
    return s.empty() ? "none" : s;
}

static bool contains(const std::vector<std::string> & names, const std::string & name) {
    for (const auto & n : names) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

bool backend_graph_check_names(const backend_graph & graph, const std::string & label,
                               const std::vector<std::string> & inputs, const std::vector<std::string> & outputs,
                               std::string * err) {
    const auto & gin  = graph.input_names();
    const auto & gout = graph.output_names();
    for (const auto & name : inputs) {
        if (!contains(gin, name)) {
            if (err) {
                *err = label + ": graph has no input '" + name + "' (inputs: " + join_names(gin) + ")";
            }
            return false;
        }
    }
    for (const auto & name : gin) {
        if (!contains(inputs, name)) {
            if (err) {
                *err = label + ": graph has an unexpected input '" + name + "' (expected: " + join_names(inputs) + ")";
            }
            return false;
        }
    }
    for (const auto & name : outputs) {
        if (!contains(gout, name)) {
            if (err) {
                *err = label + ": graph has no output '" + name + "' (outputs: " + join_names(gout) + ")";
            }
            return false;
        }
    }
    return true;
}
