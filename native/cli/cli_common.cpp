#include "cli_common.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifndef RADZ_DEFAULT_MODEL
#define RADZ_DEFAULT_MODEL "assets/models/radz-tiny"
#endif

const char * const CLI_COMMON_HELP =
    "  --model DIR        model package folder (default: $RADZ_MODEL, else " RADZ_DEFAULT_MODEL ")\n"
    "  --variant NAME     fp32, int8 or int4 (default: the package's default variant)\n"
    "  --ep NAME          execution provider: auto (default), cpu, webgpu, cuda\n"
    "  --ort-lib FILE     ONNX Runtime library to load (default: $RADZ_ORT_LIB, else node_modules')\n"
    "  --threads N        intra-op threads (default: one per hardware thread)\n"
    "  --verbose          let ONNX Runtime log warnings\n";

bool cli_take(int argc, char ** argv, int * i, const char * name, std::string * value, bool * missing) {
    const char * a = argv[*i];
    const size_t n = std::strlen(name);
    if (std::strncmp(a, name, n) != 0) {
        return false;
    }
    if (a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (a[n] != '\0') {
        return false;
    }
    if (*i + 1 >= argc) {
        *missing = true;
        return true;
    }
    *value = argv[++*i];
    return true;
}

int cli_parse_common(int argc, char ** argv, int * i, cli_common * opt, std::string * err) {
    std::string v;
    bool        missing = false;
    const char * a      = argv[*i];
    auto value = [&](const char * name, std::string * dst) {
        if (!cli_take(argc, argv, i, name, &v, &missing)) {
            return 0;
        }
        if (missing) {
            *err = std::string(name) + " needs a value";
            return -1;
        }
        *dst = v;
        return 1;
    };
    int r;
    if ((r = value("--model", &opt->model)) != 0) {
        return r;
    }
    if ((r = value("--variant", &opt->variant)) != 0) {
        return r;
    }
    if ((r = value("--ort-lib", &opt->ort_lib)) != 0) {
        return r;
    }
    if ((r = value("--ep", &opt->ep)) != 0) {
        if (r > 0 && opt->ep != "auto" && opt->ep != "cpu" && opt->ep != "webgpu" && opt->ep != "cuda") {
            *err = "--ep: expected auto, cpu, webgpu or cuda, found '" + opt->ep + "'";
            return -1;
        }
        return r;
    }
    std::string threads;
    if ((r = value("--threads", &threads)) != 0) {
        if (r < 0) {
            return r;
        }
        char * end = nullptr;
        long   n   = std::strtol(threads.c_str(), &end, 10);
        if (threads.empty() || *end || n < 1 || n > 1024) {
            *err = "--threads: expected a number from 1 to 1024, found '" + threads + "'";
            return -1;
        }
        opt->threads = (int32_t) n;
        return 1;
    }
    if (std::strcmp(a, "--verbose") == 0) {
        opt->verbose = true;
        return 1;
    }
    return 0;
}

int cli_usage_error(const char * cmd, const std::string & msg) {
    std::fprintf(stderr, "radz %s: %s (try 'radz %s --help')\n", cmd, msg.c_str(), cmd);
    return CLI_USAGE;
}

std::string cli_model_dir(const cli_common & opt) {
    if (!opt.model.empty()) {
        return opt.model;
    }
    if (const char * env = std::getenv("RADZ_MODEL"); env && *env) {
        return env;
    }
    return RADZ_DEFAULT_MODEL;
}

bool cli_session_open(const cli_common & opt, bool quiet, cli_session * s, std::string * err) {
    const std::string dir = cli_model_dir(opt);
    if (!package_load(dir, &s->pkg, err)) {
        if (err && err->find(dir) == std::string::npos) {
            *err = dir + ": " + *err;
        }
        return false;
    }
    ort_options o;
    o.lib_path = opt.ort_lib;
    o.ep       = opt.ep;
    o.threads  = opt.threads;
    o.verbose  = opt.verbose;
    s->be      = ort_backend_create(o, &s->probe, err);
    if (!s->be) {
        return false;
    }
    if (!quiet) {
        std::string others;
        for (const auto & p : s->probe.providers) {
            if (p.name != s->probe.chosen) {
                others += (others.empty() ? "" : "; ") + p.name + ": " + p.reason;
            }
        }
        const backend_info bi = s->be->info();
        std::fprintf(stderr, "radz: execution provider %s%s%s, %d threads (%s)\n", bi.execution_provider.c_str(),
                     bi.adapter.empty() ? "" : " on ", bi.adapter.c_str(), bi.threads, others.c_str());
    }
    return pipeline_open(s->be.get(), s->pkg, opt.variant, nullptr, &s->pl, err);
}

bool cli_stderr_is_tty() {
    return isatty(STDERR_FILENO) == 1;
}

progress_fn cli_progress_bar(const std::string & label) {
    if (!cli_stderr_is_tty()) {
        return nullptr;
    }
    return [label](const progress_event & ev) {
        const int width = 30;
        const int fill  = ev.total > 0 ? (int) (width * ev.done / ev.total) : 0;
        std::string bar(fill, '#');
        bar.resize(width, '.');
        std::fprintf(stderr, "\r%s [%s] %lld/%lld", label.c_str(), bar.c_str(), (long long) ev.done,
                     (long long) ev.total);
        if (ev.done >= ev.total) {
            std::fprintf(stderr, "\r\033[K");
        }
        std::fflush(stderr);
        return true;
    };
}
