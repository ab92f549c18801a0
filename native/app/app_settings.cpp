#include "app_settings.h"

#include "file_io.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

std::string app_settings_dir() {
    if (const char * x = std::getenv("XDG_CONFIG_HOME"); x && *x) {
        return std::string(x) + "/radz";
    }
    if (const char * h = std::getenv("HOME"); h && *h) {
        return std::string(h) + "/.config/radz";
    }
    return "";
}

bool app_settings_load(const std::string & dir, app_settings * s, std::string * err) {
    const std::string path = dir + "/app.json";
    uint64_t          size = 0;
    if (dir.empty() || !file_size(path, &size)) {
        return true;
    }
    std::string text;
    if (!file_read_text(path, &text, 1 << 20, err)) {
        return false;
    }
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) {
        *err = path + ": not a JSON object; using the defaults";
        return false;
    }
    auto str = [&](const char * key, std::string * dst) {
        if (j.contains(key) && j[key].is_string()) {
            *dst = j[key].get<std::string>();
        }
    };
    auto num = [&](const char * key, int32_t * dst) {
        if (j.contains(key) && j[key].is_number_integer()) {
            *dst = j[key].get<int32_t>();
        }
    };
    str("last_folder", &s->last_folder);
    str("model", &s->model_dir);
    str("variant", &s->variant);
    str("execution_provider", &s->ep);
    str("modality", &s->modality);
    num("window_x", &s->window_x);
    num("window_y", &s->window_y);
    num("window_w", &s->window_w);
    num("window_h", &s->window_h);
    if (s->window_w < 320 || s->window_h < 240) {
        s->window_w = 1280;
        s->window_h = 800;
    }
    return true;
}

bool app_settings_save(const std::string & dir, const app_settings & s, std::string * err) {
    if (dir.empty()) {
        *err = "no config folder (neither XDG_CONFIG_HOME nor HOME is set)";
        return false;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        *err = dir + ": cannot create (" + ec.message() + ")";
        return false;
    }
    nlohmann::json j;
    j["last_folder"]        = s.last_folder;
    j["model"]              = s.model_dir;
    j["variant"]            = s.variant;
    j["execution_provider"] = s.ep;
    j["modality"]           = s.modality;
    j["window_x"]           = s.window_x;
    j["window_y"]           = s.window_y;
    j["window_w"]           = s.window_w;
    j["window_h"]           = s.window_h;
    return file_write_text(dir + "/app.json", j.dump(2) + "\n", err);
}
