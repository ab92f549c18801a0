// What the app remembers between runs: the last folder, the model, the execution provider, the
// modality for new images and the window's place. Kept in <config>/radz/app.json beside Dear
// ImGui's own layout file (imgui.ini); <config> is $XDG_CONFIG_HOME, else ~/.config.
#pragma once

#include <cstdint>
#include <string>

struct app_settings {
    std::string last_folder;
    std::string model_dir;
    std::string variant;
    std::string ep = "auto";
    std::string modality = "auto";
    int32_t     window_x = -1, window_y = -1;  // -1: centred
    int32_t     window_w = 1280, window_h = 800;
};

// <config>/radz, or "" when neither XDG_CONFIG_HOME nor HOME is set.
std::string app_settings_dir();

// Reads <dir>/app.json. A missing file leaves the defaults and returns true; a broken one is
// reported in err (the defaults stay) and returns false.
bool app_settings_load(const std::string & dir, app_settings * s, std::string * err);

// Writes <dir>/app.json, creating dir.
bool app_settings_save(const std::string & dir, const app_settings & s, std::string * err);
