#include "cli_common.h"

#include "dicom_gdcm.h"
#include "ort_providers.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifndef RADZ_DEFAULT_MODEL
#define RADZ_DEFAULT_MODEL "assets/models/radz-tiny"
#endif

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

void cli_common_options(cli_common * opt, cli_option_table * table) {
    table->push_back(cli_option_string("--model", "DIR",
                                       "model package folder (default: $RADZ_MODEL, else " RADZ_DEFAULT_MODEL ")",
                                       &opt->model));
    table->push_back(cli_option_string("--variant", "NAME", "fp32, int8 or int4 (default: the package's default variant)",
                                       &opt->variant));
    table->push_back({"--ep", "NAME", "execution provider: " + ort_provider_list(" (default)"),
                      [opt](const std::string & v, std::string * err) {
                          if (!ort_provider_known(v)) {
                              *err = "--ep: expected " + ort_provider_choices() + ", found '" + v + "'";
                              return false;
                          }
                          opt->ep = v;
                          return true;
                      },
                      ""});
    table->push_back(cli_option_string("--ort-lib", "FILE",
                                       "ONNX Runtime library to load (default: $RADZ_ORT_LIB, else node_modules')",
                                       &opt->ort_lib));
    table->push_back({"--threads", "N", "intra-op threads (default: one per hardware thread)",
                      [opt](const std::string & v, std::string * err) {
                          char * end = nullptr;
                          long   n   = std::strtol(v.c_str(), &end, 10);
                          if (v.empty() || *end || n < 1 || n > 1024) {
                              *err = "--threads: expected a number from 1 to 1024, found '" + v + "'";
                              return false;
                          }
                          opt->threads = (int32_t) n;
                          return true;
                      },
                      ""});
    table->push_back(cli_option_flag("--verbose", "let ONNX Runtime log warnings", &opt->verbose));
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
    if (!pipeline_open(s->be.get(), s->pkg, opt.variant, nullptr, &s->pl, err)) {
        return false;
    }
    s->pl.dicom_read = dicom_gdcm_read;
    return true;
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
