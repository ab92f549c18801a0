// The execution provider table (ort_providers.h) and each provider's probe and session options.
#include "ort_providers.h"

#include "vulkan_probe.h"

#include <onnxruntime_c_api.h>

#include <dlfcn.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace {

bool has(const std::vector<std::string> & v, const char * s) {
    for (const auto & x : v) {
        if (x == s) {
            return true;
        }
    }
    return false;
}

bool file_exists(const std::string & path) {
    struct stat sb;
    return stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

std::string dir_of(const std::string & path) {
    const size_t p = path.rfind('/');
    return p == std::string::npos ? "." : path.substr(0, p);
}

std::string cpu_model_name() {
    std::ifstream f("/proc/cpuinfo");
    std::string   line;
    while (std::getline(f, line)) {
        if (line.rfind("model name", 0) == 0) {
            const size_t p = line.find(':');
            if (p != std::string::npos) {
                std::istringstream words(line.substr(p + 1));  // white space folded, none at the ends
                std::string        name, w;
                while (words >> w) {
                    name += (name.empty() ? "" : " ") + w;
                }
                return name;
            }
        }
    }
    return "CPU";
}

// The first CUDA device's name through the driver API, or a reason why there is none.
bool cuda_device_name(std::string * name, std::string * reason) {
    void * h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        *reason = "no NVIDIA driver (libcuda.so.1 not found)";
        return false;
    }
    using init_fn  = int (*)(unsigned);
    using count_fn = int (*)(int *);
    using get_fn   = int (*)(int *, int);
    using name_fn  = int (*)(char *, int, int);
    auto cu_init   = (init_fn) dlsym(h, "cuInit");
    auto cu_count  = (count_fn) dlsym(h, "cuDeviceGetCount");
    auto cu_get    = (get_fn) dlsym(h, "cuDeviceGet");
    auto cu_name   = (name_fn) dlsym(h, "cuDeviceGetName");
    if (!cu_init || !cu_count || !cu_get || !cu_name) {
        *reason = "libcuda.so.1 lacks the CUDA driver API";
        return false;
    }
    int rc = cu_init(0);
    if (rc != 0) {
        *reason = "the NVIDIA driver does not start (cuInit error " + std::to_string(rc) + ")";
        return false;
    }
    int n = 0;
    if (cu_count(&n) != 0 || n < 1) {
        *reason = "no CUDA device";
        return false;
    }
    int  dev      = 0;
    char buf[256] = {};
    if (cu_get(&dev, 0) == 0 && cu_name(buf, sizeof(buf) - 1, dev) == 0) {
        *name = buf;
    } else {
        *name = "CUDA device 0";
    }
    return true; // the driver stays loaded: the CUDA provider uses it
}

// ----- cpu: ONNX Runtime's default provider, always there.

void probe_cpu(const ort_probe_env & env, ort_provider * p) {
    p->adapter = cpu_model_name();
    p->usable  = env.try_session(p->name, &p->reason);
}

// ----- webgpu: Dawn runs on Vulkan here; look at the Vulkan devices first.

void probe_webgpu(const ort_probe_env & env, ort_provider * p) {
    std::vector<vulkan_device> devs;
    std::string                vk_err;
    if (!has(env.available, "WebGpuExecutionProvider")) {
        p->reason = "not in this ONNX Runtime build";
        return;
    }
    if (!vulkan_list_devices(&devs, nullptr, &vk_err)) {
        p->reason = vk_err;
        return;
    }
    if (devs.empty()) {
        p->reason = "no Vulkan device (a software one: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)";
        return;
    }
    const vulkan_device * pick = nullptr;
    for (const auto & d : devs) {
        if (!d.software) {
            pick = &d;
            break;
        }
    }
    p->software = pick == nullptr;
    p->adapter  = pick ? pick->name : devs[0].name;
    if (p->software && env.want == "auto") {
        p->reason = "only a software adapter (" + p->adapter + "): auto never picks it; --ep webgpu forces it";
    } else if (env.try_session(p->name, &p->reason)) {
        p->usable = true;
        if (p->software) {
            p->reason = "a software adapter: auto never picks it; --ep webgpu forces it";
        }
    }
}

OrtStatus * append_webgpu(const OrtApi * api, OrtSessionOptions * so) {
    return api->SessionOptionsAppendExecutionProvider(so, "WebGPU", nullptr, nullptr, 0);
}

// ----- cuda: the provider library must sit beside the core library, and a driver must be present.

void probe_cuda(const ort_probe_env & env, ort_provider * p) {
    const ort_provider_def * def = ort_provider_find(p->name);
    if (!has(env.available, "CUDAExecutionProvider")) {
        p->reason = "not in this ONNX Runtime build";
    } else if (!file_exists(dir_of(env.lib_path) + "/libonnxruntime_providers_cuda.so")) {
        p->reason = "no libonnxruntime_providers_cuda.so beside " + env.lib_path + " (scripts/setup.sh --cuda, then --ort-lib " +
                    def->separate_lib + ")";
    } else if (cuda_device_name(&p->adapter, &p->reason) && env.try_session(p->name, &p->reason)) {
        p->usable = true;
    }
}

OrtStatus * append_cuda(const OrtApi * api, OrtSessionOptions * so) {
    OrtCUDAProviderOptionsV2 * cuda = nullptr;
    OrtStatus *                st   = api->CreateCUDAProviderOptions(&cuda);
    if (st) {
        return st;
    }
    st = api->SessionOptionsAppendExecutionProvider_CUDA_V2(so, cuda);
    api->ReleaseCUDAProviderOptions(cuda);
    return st;
}

} // namespace

const std::vector<ort_provider_def> & ort_provider_table() {
    // name, title, preference, fallback, adapter_in_results, separate_lib, separate_lib_what,
    // probe, append
    static const std::vector<ort_provider_def> table = {
        {"cpu", "CPU", 0, true, false, nullptr, nullptr, probe_cpu, nullptr},
        {"webgpu", "WebGPU", 1, false, true, nullptr, nullptr, probe_webgpu, append_webgpu},
        {"cuda", "CUDA", 2, false, true, "third_party/onnxruntime-cuda/libonnxruntime.so", "the 1.29 set", probe_cuda,
         append_cuda},
    };
    return table;
}

const ort_provider_def * ort_provider_find(const std::string & name) {
    for (const auto & d : ort_provider_table()) {
        if (name == d.name) {
            return &d;
        }
    }
    return nullptr;
}

bool ort_provider_known(const std::string & ep) {
    return ep == "auto" || ort_provider_find(ep) != nullptr;
}

std::string ort_provider_choices() {
    std::string  s = "auto";
    const auto & t = ort_provider_table();
    for (size_t i = 0; i < t.size(); ++i) {
        s += (i + 1 == t.size() ? " or " : ", ") + std::string(t[i].name);
    }
    return s;
}

std::string ort_provider_list(const std::string & default_note) {
    std::string s = "auto" + default_note;
    for (const auto & d : ort_provider_table()) {
        s += ", " + std::string(d.name);
    }
    return s;
}
