#include "app_session.h"

#include "dicom_gdcm.h"
#include "file_io.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#ifndef RADZ_SOURCE_DIR
#define RADZ_SOURCE_DIR "."
#endif

static bool session_open_on(app_session * s, const std::string & ep, const anchor_table * keep_anchors,
                            std::string * err) {
    ort_options o;
    o.lib_path = s->opt.ort_lib;
    o.ep       = ep;
    o.threads  = s->opt.threads;
    ort_probe probe;
    s->be = ort_backend_create(o, &probe, err);
    if (!s->be) {
        return false;
    }
    if (!pipeline_open(s->be.get(), s->pkg, s->opt.variant, nullptr, &s->pl, err)) {
        return false;
    }
    s->pl.dicom_read = dicom_gdcm_read;
    return !keep_anchors || pipeline_use_anchor_table(s->pl, *keep_anchors, err);
}

bool app_session_open(app_session * s, const app_session_options & opt, const anchor_table * keep_anchors,
                      std::string * warning, std::string * err) {
    app_session_close(s);
    s->opt = opt;
    if (!package_load(opt.model_dir, &s->pkg, err)) {
        if (err->find(opt.model_dir) == std::string::npos) {
            *err = opt.model_dir + ": " + *err;
        }
        return false;
    }
    // Every provider, for the chooser: "all" probes each one and chooses as auto would.
    ort_options o;
    o.lib_path = opt.ort_lib;
    o.ep       = "all";
    o.threads  = opt.threads;
    if (!ort_probe_providers(o, &s->probe, err)) {
        return false;
    }
    std::string e;
    if (!session_open_on(s, opt.ep, keep_anchors, &e)) {
        if (opt.ep == "auto") {
            *err = e;
            return false;
        }
        app_session_close(s);
        if (!package_load(opt.model_dir, &s->pkg, err) || !ort_probe_providers(o, &s->probe, err) ||
            !session_open_on(s, "auto", keep_anchors, err)) {
            return false;
        }
        *warning = e + "; using " + s->be->info().execution_provider + " instead";
    }
    s->open = true;
    return true;
}

void app_session_close(app_session * s) {
    s->pl   = pipeline();
    s->be.reset();
    s->pkg  = radz_package();
    s->open = false;
}

std::string app_separate_lib_path(const ort_provider_def & def) {
    return def.separate_lib ? std::string(RADZ_SOURCE_DIR) + "/" + def.separate_lib : std::string();
}

bool app_session_run_child(const std::string & cli_path, const app_session_options & opt, const std::string & ep,
                           const std::string & ort_lib, const std::string & anchors_file,
                           const std::string & modality, const std::vector<std::string> & images,
                           const std::string & out_json, results_doc * doc, std::string * err) {
    std::vector<std::string> args = {cli_path, "classify", "--json", "--model", opt.model_dir, "--ep", ep,
                                     "--modality", modality, "--anchors", anchors_file};
    if (!opt.variant.empty()) {
        args.insert(args.end(), {"--variant", opt.variant});
    }
    if (!ort_lib.empty()) {
        args.insert(args.end(), {"--ort-lib", ort_lib});
    }
    args.insert(args.end(), images.begin(), images.end());
    const std::string log_path = out_json + ".log";

    const int fd_out = open(out_json.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fd_err = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd_out < 0 || fd_err < 0) {
        *err = out_json + ": cannot write (" + std::strerror(errno) + ")";
        if (fd_out >= 0) {
            close(fd_out);
        }
        if (fd_err >= 0) {
            close(fd_err);
        }
        return false;
    }
    std::vector<char *> argv;
    for (auto & a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fd_out, STDOUT_FILENO);
        dup2(fd_err, STDERR_FILENO);
        execv(argv[0], argv.data());
        std::fprintf(stderr, "%s: cannot run (%s)\n", argv[0], std::strerror(errno));
        _exit(127);
    }
    close(fd_out);
    close(fd_err);
    if (pid < 0) {
        *err = std::string("cannot start a child process (") + std::strerror(errno) + ")";
        return false;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::string last_line;
    {
        std::ifstream     f(log_path);
        std::string       line;
        while (std::getline(f, line)) {
            if (!line.empty()) {
                last_line = line;
            }
        }
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    // Exit 1 with a document means some image failed; the document still tells which.
    if (code != 0 && code != 1) {
        *err = "radz classify --ep " + ep + " exited with " + std::to_string(code) +
               (last_line.empty() ? "" : ": " + last_line);
        return false;
    }
    if (!results_load(out_json, doc, err)) {
        if (!last_line.empty()) {
            *err += " (" + last_line + ")";
        }
        return false;
    }
    return true;
}
