// radz-app: start-up choices and the settings remembered (app_launch.h).
#include "app_launch.h"

#include "file_io.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#ifndef RADZ_DEFAULT_MODEL
#define RADZ_DEFAULT_MODEL "assets/models/radz-tiny"
#endif

app_session_options app_launch_options(app_state & a, const app_args & args) {
    a.test_mode = args.test_mode;
    // The radz CLI beside this binary, else where the build put it.
    {
        std::error_code ec;
        const auto      self = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (!ec && std::filesystem::exists(self.parent_path() / "radz", ec)) {
            a.cli_path = (self.parent_path() / "radz").string();
        }
    }
    std::string settings_err;
    if (!a.test_mode) {  // the test mode neither reads nor writes what the user's app remembers
        a.settings_dir = app_settings_dir();
        if (!app_settings_load(a.settings_dir, &a.settings, &settings_err)) {
            std::fprintf(stderr, "radz-app: %s\n", settings_err.c_str());
        }
    }

    // The model: --model, $RADZ_MODEL, the last one used, the shipped one.
    app_session_options opt;
    uint64_t            sz = 0;
    if (!args.model.empty()) {
        opt.model_dir = args.model;
    } else if (const char * env = std::getenv("RADZ_MODEL"); env && *env) {
        opt.model_dir = env;
    } else if (!a.settings.model_dir.empty() && file_size(a.settings.model_dir + "/manifest.json", &sz)) {
        opt.model_dir = a.settings.model_dir;
    } else {
        opt.model_dir = RADZ_DEFAULT_MODEL;
    }
    opt.variant = !args.variant.empty() ? args.variant : args.model.empty() ? a.settings.variant : "";
    opt.ep      = !args.ep.empty() ? args.ep : a.test_mode ? "auto" : a.settings.ep;
    opt.ort_lib = args.ort_lib;
    opt.threads = args.threads;
    a.modality  = !args.modality.empty() ? args.modality : a.settings.modality;
    return opt;
}

void app_launch_open(app_state & a, const app_args & args, const app_session_options & opt) {
    session_open(a, opt, false);
    for (const auto & problem : args.problems) {
        set_status(a, problem, true);
    }
    if (!args.paths.empty()) {
        images_open(a, args.paths);
    }
    // Queued behind the model's opening, in this order, through the same code as the menus.
    if (!args.anchors.empty()) {
        anchors_load(a, args.anchors);
    }
    for (const auto & [name, descs] : args.findings) {
        a.edit_modality = a.modality;
        a.edit_id.clear();
        a.edit_name = name;
        a.edit_desc.clear();
        for (const auto & d : descs) {
            a.edit_desc += d + "\n";
        }
        finding_submit(a);
    }
    if (!args.parity.empty()) {
        load_parity(a, args.parity);
    }
    a.show_findings  = args.show.find("findings") != std::string::npos;
    a.show_providers = args.show.find("providers") != std::string::npos;
    a.show_parity    = a.show_parity || args.show.find("parity") != std::string::npos;
    a.show_about     = args.show.find("about") != std::string::npos;
}

void app_launch_remember(app_state & a, SDL_Window * window) {
    if (!a.test_mode) {
        SDL_GetWindowPosition(window, &a.settings.window_x, &a.settings.window_y);
        SDL_GetWindowSize(window, &a.settings.window_w, &a.settings.window_h);
        a.settings.modality = a.modality;
        a.settings.ep       = a.opt.ep;
        if (!a.opt.model_dir.empty() && a.model_open) {
            std::error_code ec;
            const auto      abs  = std::filesystem::absolute(a.opt.model_dir, ec);
            a.settings.model_dir = ec ? a.opt.model_dir : abs.lexically_normal().string();
        }
        std::string err;
        if (!app_settings_save(a.settings_dir, a.settings, &err)) {
            std::fprintf(stderr, "radz-app: %s\n", err.c_str());
        }
    }
}
