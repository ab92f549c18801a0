#include <catch2/catch.hpp>

#include "jpeg_compat.h"

#include <cmath>
#include <cstdint>
#include <vector>

// The kernels against their definitions. Whole-image agreement with PIL (libjpeg-turbo) is
// tests/test_image.cpp's golden check on JPEGs of every covered chroma layout.

// Floating-point 2-D IDCT of dequantized coefficients (natural order), +128: what the integer
// ISLOW approximates to within one level.
static double idct_float(const short * c, int y, int x) {
    double s = 0.0;
    for (int v = 0; v < 8; ++v) {
        for (int u = 0; u < 8; ++u) {
            const double cu = u == 0 ? std::sqrt(0.5) : 1.0, cv = v == 0 ? std::sqrt(0.5) : 1.0;
            s += cu * cv * c[v * 8 + u] * std::cos((2 * x + 1) * u * M_PI / 16) * std::cos((2 * y + 1) * v * M_PI / 16);
        }
    }
    return s / 4.0 + 128.0;
}

TEST_CASE("jpeg_compat_idct_islow: a DC-only block is flat at round(dc / 8) + 128") {
    for (int dc : { -1024, -300, -9, -4, -3, 0, 3, 4, 5, 12, 100, 1016, 2000 }) {
        short block[64] = {};
        block[0]        = (short) dc;
        unsigned char out[64];
        jpeg_compat_idct_islow(out, 8, block);
        // libjpeg: DESCALE(dc << 2, 5) = (4 dc + 16) >> 5 = floor((dc + 4) / 8), then +128, clamped.
        const int want = std::min(255, std::max(0, (int) std::floor((dc + 4) / 8.0) + 128));
        INFO("dc " << dc);
        for (int i = 0; i < 64; ++i) {
            REQUIRE((int) out[i] == want);
        }
    }
}

TEST_CASE("jpeg_compat_idct_islow: within one level of the exact IDCT on random blocks") {
    uint32_t state = 12345u;
    auto     next  = [&state]() {
        state = state * 1664525u + 1013904223u;
        return (int) (state >> 16);
    };
    for (int t = 0; t < 500; ++t) {
        short block[64];
        for (int i = 0; i < 64; ++i) {
            const int range = i == 0 ? 800 : 200 / (1 + i / 8 + i % 8);  // energy falls with frequency
            block[i]        = (short) (next() % (2 * range + 1) - range);
        }
        unsigned char out[64];
        jpeg_compat_idct_islow(out, 8, block);
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) {
                const double want = std::min(255.0, std::max(0.0, idct_float(block, y, x)));
                INFO("block " << t << " pixel " << y << "," << x);
                REQUIRE(std::fabs(out[y * 8 + x] - want) <= 1.0);
            }
        }
    }
}

TEST_CASE("jpeg_compat_idct_islow: out-of-range values clamp, as libjpeg's range-limit table does") {
    short bright[64] = {};
    bright[0]        = 3000;  // 3000 / 8 + 128 > 255
    short dark[64]   = {};
    dark[0]          = -3000;
    unsigned char out[64];
    jpeg_compat_idct_islow(out, 8, bright);
    CHECK((int) out[0] == 255);
    jpeg_compat_idct_islow(out, 8, dark);
    CHECK((int) out[0] == 0);
}

TEST_CASE("jpeg_compat_upsample_h2v2: libjpeg-turbo's weights and rounding") {
    unsigned char near_row[4] = { 10, 20, 30, 40 };
    unsigned char far_row[4]  = { 50, 60, 70, 80 };
    unsigned char out[8];
    jpeg_compat_upsample_h2v2(out, near_row, far_row, 4, 2);
    // column sums 3 * near + far: 80, 120, 160, 200
    const int t[4] = { 80, 120, 160, 200 };
    CHECK((int) out[0] == (t[0] * 4 + 8) >> 4);
    CHECK((int) out[1] == (t[0] * 3 + t[1] + 7) >> 4);
    CHECK((int) out[2] == (t[1] * 3 + t[0] + 8) >> 4);
    CHECK((int) out[5] == (t[2] * 3 + t[3] + 7) >> 4);
    CHECK((int) out[6] == (t[3] * 3 + t[2] + 8) >> 4);
    CHECK((int) out[7] == (t[3] * 4 + 7) >> 4);
    // A tie: 3 * 1 + 2 = 5 -> 5*16/16... odd outputs round ties down, even ones up.
    unsigned char a[2] = { 0, 1 }, b[2] = { 0, 1 }, o2[4];
    jpeg_compat_upsample_h2v2(o2, a, b, 2, 2);  // sums 0, 4
    CHECK((int) o2[1] == (0 * 3 + 4 + 7) >> 4);
    CHECK((int) o2[2] == (4 * 3 + 0 + 8) >> 4);
    unsigned char one[1] = { 7 }, one_far[1] = { 9 }, o1[2];
    jpeg_compat_upsample_h2v2(o1, one, one_far, 1, 2);
    CHECK((int) o1[0] == (3 * 7 + 9 + 2) >> 2);
    CHECK((int) o1[1] == (int) o1[0]);
}

TEST_CASE("jpeg_compat_upsample_h2v1: libjpeg-turbo's 4:2:2 weights and rounding") {
    unsigned char in[3] = { 10, 21, 33 };
    unsigned char out[6];
    jpeg_compat_upsample_h2v1(out, in, in, 3, 2);
    CHECK((int) out[0] == 10);                       // edges copy
    CHECK((int) out[1] == (3 * 10 + 21 + 2) >> 2);
    CHECK((int) out[2] == (3 * 21 + 10 + 1) >> 2);
    CHECK((int) out[3] == (3 * 21 + 33 + 2) >> 2);
    CHECK((int) out[4] == (3 * 33 + 21 + 1) >> 2);
    CHECK((int) out[5] == 33);
}

TEST_CASE("jpeg_compat_ycc_to_rgb: libjpeg's tables; grey stays grey; RGBA gets alpha 255") {
    const unsigned char y[4] = { 0, 77, 200, 255 }, cb[4] = { 128, 128, 0, 255 }, cr[4] = { 128, 128, 255, 0 };
    std::vector<unsigned char> out(16, 7);
    jpeg_compat_ycc_to_rgb(out.data(), y, cb, cr, 4, 4);
    CHECK(((int) out[0] == 0 && (int) out[1] == 0 && (int) out[2] == 0 && (int) out[3] == 255));
    CHECK(((int) out[4] == 77 && (int) out[5] == 77 && (int) out[6] == 77));
    // y 200, cb -128, cr +127: R = 200 + round(1.402 * 127) = 378 -> 255; B = 200 - round(1.772 * 128) < 0 -> 0
    CHECK(((int) out[8] == 255 && (int) out[10] == 0));
    const int g = 200 + ((-22554 * -128 - 46802 * 127 + 32768) >> 16);
    CHECK((int) out[9] == g);
    std::vector<unsigned char> rgb(12, 7);
    jpeg_compat_ycc_to_rgb(rgb.data(), y, cb, cr, 4, 3);
    CHECK((int) rgb[3] == 77);  // step 3: no alpha written into the next pixel
}
