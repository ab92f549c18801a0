// OpenGL glue of the app: the selected image as a texture, and a screenshot of the frame.
#pragma once

#include <cstdint>
#include <string>

struct app_texture {
    uint32_t    id = 0;      // GL texture name, 0 when none
    int32_t     width  = 0;  // the image's size
    int32_t     height = 0;
    std::string path;        // the file it shows
    std::string error;       // why it could not be shown
};

// Decodes the file with the core's decoder (the same limits and formats as the pipeline) and
// uploads it as RGBA. On failure tex->error says why and tex->id stays 0.
void app_texture_load(app_texture * tex, const std::string & path);

void app_texture_free(app_texture * tex);

// Reads the current framebuffer (width x height, before the swap) and writes it as a PNG.
bool app_screenshot_png(const std::string & path, int32_t width, int32_t height, std::string * err);
