#include "backend_ortweb.h"

#include "ort_options.h"

#include <emscripten.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

// The asynchronous imports (the module's ASYNCIFY_IMPORTS): each awaits ONNX Runtime Web.
EM_ASYNC_JS(int, radz_ortweb_init, (const char * ep, int threads, const char * session_config), {
    return await Module.radzOrtweb.init(UTF8ToString(ep), threads, JSON.parse(UTF8ToString(session_config)));
});

EM_ASYNC_JS(int, radz_ortweb_create, (const uint8_t * data, size_t size, const char * label), {
    return await Module.radzOrtweb.create(data, size, UTF8ToString(label));
});

EM_ASYNC_JS(int, radz_ortweb_run, (int id, const char * desc, const char * label), {
    return await Module.radzOrtweb.run(id, UTF8ToString(desc), UTF8ToString(label));
});

// Synchronous helpers. Strings come back in malloc'ed memory the caller frees.
EM_JS(char *, radz_ortweb_string, (int what, int id), {
    var g = Module.radzOrtweb;
    var s = what == 0 ? g.lastError() : what == 1 ? g.info() : g.names(id);
    var n = lengthBytesUTF8(s) + 1;
    var p = _malloc(n);
    stringToUTF8(s, p, n);
    return p;
});

EM_JS(int, radz_ortweb_output_ndim, (int i), {
    return Module.radzOrtweb.outputDims(i).length;
});

EM_JS(double, radz_ortweb_output_dim, (int i, int d), {
    return Module.radzOrtweb.outputDims(i)[d];
});

EM_JS(void, radz_ortweb_output_copy, (int i, float * dst), {
    Module.radzOrtweb.outputCopy(i, dst);
});

EM_JS(void, radz_ortweb_outputs_clear, (), {
    Module.radzOrtweb.outputsClear();
});

EM_JS(void, radz_ortweb_release, (int id), {
    Module.radzOrtweb.release(id);
});

namespace {

using json = nlohmann::json;

std::string js_string(int what, int id = 0) {
    char *      p = radz_ortweb_string(what, id);
    std::string s = p ? p : "";
    free(p);
    return s;
}

void set_err(std::string * err, const std::string & msg) {
    if (err) {
        *err = msg;
    }
}

class ortweb_graph : public backend_graph {
public:
    ortweb_graph(int id, std::string label) : id_(id), label_(std::move(label)) {
        json names = json::parse(js_string(2, id_));
        inputs_    = names.at("inputs").get<std::vector<std::string>>();
        outputs_   = names.at("outputs").get<std::vector<std::string>>();
    }
    ~ortweb_graph() override { radz_ortweb_release(id_); }

    const std::vector<std::string> & input_names() const override { return inputs_; }
    const std::vector<std::string> & output_names() const override { return outputs_; }

    bool run(const std::vector<backend_input> & inputs, const std::vector<std::string> & outputs,
             std::vector<backend_output> * result, std::string * err) override {
        json desc;
        desc["inputs"] = json::array();
        for (const auto & in : inputs) {
            const int64_t n = backend_shape_elements(in.shape);
            if (n < 0 || (n > 0 && !in.data)) {
                set_err(err, label_ + ": input '" + in.name + "' has shape " + backend_shape_str(in.shape) +
                                 " and no data");
                return false;
            }
            desc["inputs"].push_back({{"name", in.name},
                                      {"dtype", in.dtype == backend_dtype::i64 ? "i64" : "f32"},
                                      {"shape", in.shape},
                                      {"ptr", (uintptr_t) in.data},
                                      {"n", n}});
        }
        for (const auto & name : outputs) {
            bool known = false;
            for (const auto & o : outputs_) {
                known = known || o == name;
            }
            if (!known) {
                set_err(err, label_ + ": graph has no output '" + name + "'");
                return false;
            }
        }
        desc["outputs"] = outputs;
        if (!radz_ortweb_run(id_, desc.dump().c_str(), label_.c_str())) {
            set_err(err, js_string(0));
            return false;
        }
        result->clear();
        for (size_t i = 0; i < outputs.size(); ++i) {
            backend_output o;
            o.name        = outputs[i];
            const int ndim = radz_ortweb_output_ndim((int) i);
            for (int d = 0; d < ndim; ++d) {
                o.shape.push_back((int64_t) radz_ortweb_output_dim((int) i, d));
            }
            o.data.resize((size_t) backend_shape_elements(o.shape));
            if (!o.data.empty()) {
                radz_ortweb_output_copy((int) i, o.data.data());
            }
            result->push_back(std::move(o));
        }
        radz_ortweb_outputs_clear();
        return true;
    }

private:
    int                      id_;
    std::string              label_;
    std::vector<std::string> inputs_;
    std::vector<std::string> outputs_;
};

class ortweb_backend : public backend {
public:
    std::unique_ptr<backend_graph> open_graph(const uint8_t * data, size_t size, const std::string & label,
                                              std::string * err) override {
        const int id = radz_ortweb_create(data, size, label.c_str());
        if (id <= 0) {
            set_err(err, js_string(0));
            return nullptr;
        }
        return std::make_unique<ortweb_graph>(id, label);
    }

    backend_info info() const override {
        json         j = json::parse(js_string(1));
        backend_info bi;
        bi.execution_provider = j.at("ep").get<std::string>();
        bi.adapter            = j.at("adapter").get<std::string>();
        bi.threads            = j.at("threads").get<int32_t>();
        bi.runtime            = "onnxruntime " + j.at("version").get<std::string>() + " (onnxruntime-web)";
        return bi;
    }
};

} // namespace

std::unique_ptr<backend> ortweb_backend_create(const ortweb_options & opt, std::string * err) {
    nlohmann::json config = nlohmann::json::object();  // the native side's entries (native/ort_options.h)
    for (const auto & e : ORT_SESSION_ENTRIES) {
        config[std::string(e.key).substr(std::string(e.key).find('.') + 1)] = e.value;
    }
    if (!radz_ortweb_init(opt.ep.c_str(), opt.threads, config.dump().c_str())) {
        set_err(err, js_string(0));
        return nullptr;
    }
    return std::make_unique<ortweb_backend>();
}
