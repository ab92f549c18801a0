// The one translation unit that compiles stb_image (Debian's libstb-dev header), with only the
// formats of docs/model-package.md section 2. Bytes are read by the caller, so no stdio.
// JPEG decodes with libjpeg-turbo's kernels (core/jpeg_compat.h) through the copy of the header
// that CMakeLists.txt writes, stb_image_libjpeg.h; no SIMD kernel may replace them.
#include "jpeg_compat.h"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_NO_SIMD
// A safety net only: image.cpp checks the package's max_side (8192) from the header first.
#define STBI_MAX_DIMENSIONS (1 << 16)

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include <stb_image_libjpeg.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
