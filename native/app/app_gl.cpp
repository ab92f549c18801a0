#include "app_gl.h"

#include "file_io.h"
#include "image.h"

#define GL_GLEXT_PROTOTYPES
#include <SDL_opengl.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include <vector>

void app_texture_load(app_texture * tex, const std::string & path) {
    app_texture_free(tex);
    tex->path = path;
    image_limits         lim;
    std::vector<uint8_t> bytes;
    std::string          err;
    if (!file_read_bytes(path, &bytes, lim.max_file_bytes, &err)) {
        tex->error = err;
        return;
    }
    image_u8 img;
    if (!image_decode(bytes.data(), bytes.size(), lim, &img, &err)) {
        tex->error = file_base_name(path) + ": " + err;
        return;
    }
    const size_t         n = (size_t) img.width * img.height;
    std::vector<uint8_t> rgba(n * 4);
    for (size_t i = 0; i < n; ++i) {
        const uint8_t * p = &img.data[i * img.channels];
        uint8_t *       q = &rgba[i * 4];
        if (img.channels <= 2) {
            q[0] = q[1] = q[2] = p[0];
        } else {
            q[0] = p[0];
            q[1] = p[1];
            q[2] = p[2];
        }
        q[3] = 255;  // alpha is ignored, as by the model
    }
    GLuint id = 0;
    glGenTextures(1, &id);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, img.width, img.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
    tex->id     = id;
    tex->width  = img.width;
    tex->height = img.height;
}

void app_texture_free(app_texture * tex) {
    if (tex->id) {
        GLuint id = tex->id;
        glDeleteTextures(1, &id);
    }
    *tex = app_texture();
}

bool app_screenshot_png(const std::string & path, int32_t width, int32_t height, std::string * err) {
    std::vector<uint8_t> px((size_t) width * height * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    // GL rows start at the bottom; PNG rows at the top. Drop alpha (the window is opaque).
    std::vector<uint8_t> rgb((size_t) width * height * 3);
    for (int32_t y = 0; y < height; ++y) {
        const uint8_t * src = &px[(size_t) (height - 1 - y) * width * 4];
        uint8_t *       dst = &rgb[(size_t) y * width * 3];
        for (int32_t x = 0; x < width; ++x) {
            dst[x * 3 + 0] = src[x * 4 + 0];
            dst[x * 3 + 1] = src[x * 4 + 1];
            dst[x * 3 + 2] = src[x * 4 + 2];
        }
    }
    if (!stbi_write_png(path.c_str(), width, height, 3, rgb.data(), width * 3)) {
        *err = path + ": cannot write the PNG";
        return false;
    }
    return true;
}
