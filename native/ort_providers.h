// The execution providers the native backend knows, by the names --ep takes: one list read by
// the backend (backend_ort.cpp), the CLI's --ep check (cli/cli_common.cpp) and the app's
// (app/app_args.cpp). Listed in the order they are probed and reported (ort_probe.providers);
// "auto" prefers cuda, then webgpu on a hardware adapter, then cpu (backend_ort.h).
//
// Still spelled out elsewhere (issue 14 item 2, not yet in this table): each provider's probe
// and session options (backend_ort.cpp), the app's CUDA library case (app/app_providers.cpp),
// and the web page's providers (web/ortweb_glue.js, web/page/worker.js).
#pragma once

#include <string>

// The providers, in probe order.
inline constexpr const char * ORT_PROVIDER_NAMES[] = {"cpu", "webgpu", "cuda"};

// Whether ep names a provider of the table or is "auto".
inline bool ort_provider_known(const std::string & ep) {
    if (ep == "auto") {
        return true;
    }
    for (const char * n : ORT_PROVIDER_NAMES) {
        if (ep == n) {
            return true;
        }
    }
    return false;
}

// What --ep accepts, for messages: "auto, cpu, webgpu or cuda".
inline std::string ort_provider_choices() {
    std::string s = "auto";
    const size_t n = sizeof(ORT_PROVIDER_NAMES) / sizeof(ORT_PROVIDER_NAMES[0]);
    for (size_t i = 0; i < n; ++i) {
        s += (i + 1 == n ? " or " : ", ") + std::string(ORT_PROVIDER_NAMES[i]);
    }
    return s;
}
