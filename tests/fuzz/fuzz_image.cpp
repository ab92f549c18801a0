// Fuzz target: image decoding and preprocessing (PNG, JPEG with the libjpeg-compatible kernels,
// BMP: core/image.h, core/jpeg_compat.h).
#include "fuzz_targets.h"
#include "image.h"

#include <algorithm>
#include <cmath>

// PNG only: every chunk's CRC recomputed, so mutations get past image_decode's CRC check and
// reach stb_image's inflate, filters and palette code (the structure-aware part of this target;
// the CRC check itself is covered by tests/test_image.cpp). Stops at a chunk that overruns.
static uint32_t crc32_png(const uint8_t * p, size_t n) {
    static uint32_t table[256];
    static bool ready = false;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = true;
    }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void png_fix_crcs(std::vector<uint8_t> & b) {
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (b.size() < 8 || !std::equal(sig, sig + 8, b.begin())) return;
    size_t pos = 8;
    while (pos + 12 <= b.size()) {
        const uint32_t len = (uint32_t) b[pos] << 24 | (uint32_t) b[pos + 1] << 16 | (uint32_t) b[pos + 2] << 8 | b[pos + 3];
        if (len > b.size() - pos - 12) return;
        const uint32_t crc = crc32_png(b.data() + pos + 4, (size_t) len + 4);
        for (int k = 0; k < 4; k++) b[pos + 8 + len + k] = (uint8_t) (crc >> (24 - 8 * k));
        pos += 12 + len;
    }
}

int fuzz_image(const uint8_t * data, size_t size) {
    std::vector<uint8_t> b(data, data + size);
    png_fix_crcs(b);
    const image_limits lim;

    image_header h;
    std::string err, code;
    const bool probed = image_probe(b.data(), b.size(), lim, &h, &err, &code);
    FUZZ_CHECK(probed || (!err.empty() && (code == "limits" || code == "decode")));
    if (probed) {
        FUZZ_CHECK(h.width >= 1 && h.width <= lim.max_side && h.height >= 1 && h.height <= lim.max_side);
    }

    image_u8 img;
    err.clear();
    code.clear();
    if (image_decode(b.data(), b.size(), lim, &img, &err, &code)) {
        FUZZ_CHECK(probed);
        FUZZ_CHECK(img.width == h.width && img.height == h.height);
        FUZZ_CHECK(img.channels >= 1 && img.channels <= 4);
        FUZZ_CHECK(img.data.size() == (size_t) img.width * img.height * img.channels);
    } else {
        FUZZ_CHECK(!err.empty() && (code == "limits" || code == "decode"));
        FUZZ_CHECK(err.find('\n') == std::string::npos);
    }

    std::vector<float> px;
    err.clear();
    if (image_preprocess(b.data(), b.size(), lim, 64, 64, &px, nullptr, &err)) {
        FUZZ_CHECK(px.size() == 64 * 64);
        for (float v : px) FUZZ_CHECK(std::isfinite(v) && v >= 0.0f && v <= 1.0f);
    } else {
        FUZZ_CHECK(!err.empty());
    }
    return 0;
}
