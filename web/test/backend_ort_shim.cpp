#include "backend_ort.h"

#include "backend_ortweb.h"

std::unique_ptr<backend> ort_backend_create(const ort_options & opt, ort_probe * probe, std::string * err) {
    if (probe) {
        if (err) {
            *err = "ort_backend_create: provider probing is native only";
        }
        return nullptr;
    }
    ortweb_options o;
    o.ep      = opt.ep == "auto" ? "wasm" : opt.ep;
    o.threads = opt.threads;
    return ortweb_backend_create(o, err);
}
