#include "jpeg_compat.h"

#include <cstdint>

// libjpeg's post-IDCT range limit: the value is masked to 10 bits, then 0..127 -> +128,
// 128..511 -> 255 (too bright), 512..895 -> 0 (too dark), 896..1023 (-128..-1) -> +128.
static unsigned char range_limit(int32_t x) {
    const int32_t v = x & 1023;
    if (v < 128) return (unsigned char) (v + 128);
    if (v < 512) return 255;
    if (v < 896) return 0;
    return (unsigned char) (v - 896);
}

static const int CONST_BITS = 13;
static const int PASS1_BITS = 2;

// FIX(x) = round(x * 2^13)
static const int64_t FIX_0_298631336 = 2446;
static const int64_t FIX_0_390180644 = 3196;
static const int64_t FIX_0_541196100 = 4433;
static const int64_t FIX_0_765366865 = 6270;
static const int64_t FIX_0_899976223 = 7373;
static const int64_t FIX_1_175875602 = 9633;
static const int64_t FIX_1_501321110 = 12299;
static const int64_t FIX_1_847759065 = 15137;
static const int64_t FIX_1_961570560 = 16069;
static const int64_t FIX_2_053119869 = 16819;
static const int64_t FIX_2_562915447 = 20995;
static const int64_t FIX_3_072711026 = 25172;

// One 1-D pass over 8 values x[0], x[s], ..., x[7s]; results scaled by 2^CONST_BITS before
// the caller's descale: out[k] for k = 0..7.
// 64-bit, as libjpeg-turbo's JLONG on 64-bit Linux: corrupt coefficients cannot overflow.
static void idct_1d(const int64_t x0, const int64_t x1, const int64_t x2, const int64_t x3, const int64_t x4,
                    const int64_t x5, const int64_t x6, const int64_t x7, int64_t out[8]) {
    // Even part.
    int64_t z1   = (x2 + x6) * FIX_0_541196100;
    int64_t tmp2 = z1 - x6 * FIX_1_847759065;
    int64_t tmp3 = z1 + x2 * FIX_0_765366865;
    int64_t tmp0 = (x0 + x4) * (1 << CONST_BITS);
    int64_t tmp1 = (x0 - x4) * (1 << CONST_BITS);
    const int64_t tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    // Odd part.
    tmp0 = x7;
    tmp1 = x5;
    tmp2 = x3;
    tmp3 = x1;
    z1         = tmp0 + tmp3;
    int64_t z2 = tmp1 + tmp2;
    int64_t z3 = tmp0 + tmp2;
    int64_t z4 = tmp1 + tmp3;
    const int64_t z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    out[0] = tmp10 + tmp3;
    out[7] = tmp10 - tmp3;
    out[1] = tmp11 + tmp2;
    out[6] = tmp11 - tmp2;
    out[2] = tmp12 + tmp1;
    out[5] = tmp12 - tmp1;
    out[3] = tmp13 + tmp0;
    out[4] = tmp13 - tmp0;
}

static int32_t descale(int64_t x, int n) {
    return (int32_t) ((x + ((int64_t) 1 << (n - 1))) >> n);  // arithmetic shift, as libjpeg's RIGHT_SHIFT
}

void jpeg_compat_idct_islow(unsigned char * out, int out_stride, short data[64]) {
    int32_t ws[64];  // libjpeg's int workspace
    int64_t r[8];
    // Pass 1: columns, into ws scaled by 2^PASS1_BITS. A column with only DC needs no IDCT
    // (the full computation gives the same values).
    for (int c = 0; c < 8; ++c) {
        const short * in = data + c;
        if (!in[8] && !in[16] && !in[24] && !in[32] && !in[40] && !in[48] && !in[56]) {
            const int32_t dc = (int32_t) in[0] * (1 << PASS1_BITS);
            for (int k = 0; k < 8; ++k) ws[8 * k + c] = dc;
            continue;
        }
        idct_1d(in[0], in[8], in[16], in[24], in[32], in[40], in[48], in[56], r);
        for (int k = 0; k < 8; ++k) ws[8 * k + c] = descale(r[k], CONST_BITS - PASS1_BITS);
    }
    // Pass 2: rows, descaled by the remaining 2^(CONST_BITS + PASS1_BITS + 3) (the 3: the 1/8
    // of the 2-D IDCT), then range-limited.
    for (int k = 0; k < 8; ++k) {
        const int32_t * w = ws + 8 * k;
        unsigned char * o = out + k * out_stride;
        idct_1d(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], r);
        for (int j = 0; j < 8; ++j) o[j] = range_limit(descale(r[j], CONST_BITS + PASS1_BITS + 3));
    }
}

unsigned char * jpeg_compat_upsample_h2v2(unsigned char * out, unsigned char * in_near, unsigned char * in_far,
                                          int w, int hs) {
    (void) hs;
    if (w == 1) {
        out[0] = out[1] = (unsigned char) ((3 * in_near[0] + in_far[0] + 2) >> 2);
        return out;
    }
    // Column sums of 3 * near + far; outputs weigh the column 3:1 with its left or right one.
    int prev = 0, cur = 3 * in_near[0] + in_far[0];
    for (int i = 0; i < w; ++i) {
        const int next = i + 1 < w ? 3 * in_near[i + 1] + in_far[i + 1] : 0;
        out[2 * i]     = (unsigned char) (i == 0 ? (cur * 4 + 8) >> 4 : (cur * 3 + prev + 8) >> 4);
        out[2 * i + 1] = (unsigned char) (i + 1 < w ? (cur * 3 + next + 7) >> 4 : (cur * 4 + 7) >> 4);
        prev = cur;
        cur  = next;
    }
    return out;
}

unsigned char * jpeg_compat_upsample_h2v1(unsigned char * out, unsigned char * in_near, unsigned char * in_far,
                                          int w, int hs) {
    (void) in_far;
    (void) hs;
    const unsigned char * in = in_near;
    if (w == 1) {
        out[0] = out[1] = in[0];
        return out;
    }
    for (int i = 0; i < w; ++i) {
        const int v = 3 * in[i];
        out[2 * i]     = (unsigned char) (i == 0 ? in[0] : (v + in[i - 1] + 1) >> 2);
        out[2 * i + 1] = (unsigned char) (i + 1 < w ? (v + in[i + 1] + 2) >> 2 : in[i]);
    }
    return out;
}

void jpeg_compat_ycc_to_rgb(unsigned char * out, const unsigned char * y, const unsigned char * pcb,
                            const unsigned char * pcr, int count, int step) {
    // FIX16(x) = round(x * 2^16): 1.40200 -> 91881, 0.34414 -> 22554, 0.71414 -> 46802, 1.77200 -> 116130.
    for (int i = 0; i < count; ++i) {
        const int32_t cb = (int32_t) pcb[i] - 128;
        const int32_t cr = (int32_t) pcr[i] - 128;
        const int32_t r  = y[i] + ((91881 * cr + 32768) >> 16);
        const int32_t g  = y[i] + ((-22554 * cb - 46802 * cr + 32768) >> 16);
        const int32_t b  = y[i] + ((116130 * cb + 32768) >> 16);
        out[0]           = (unsigned char) (r < 0 ? 0 : r > 255 ? 255 : r);
        out[1]           = (unsigned char) (g < 0 ? 0 : g > 255 ? 255 : g);
        out[2]           = (unsigned char) (b < 0 ? 0 : b > 255 ? 255 : b);
        if (step == 4) {
            out[3] = 255;
        }
        out += step;
    }
}
