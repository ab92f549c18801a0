// JPEG kernels that make stb_image decode exactly as libjpeg-turbo does with its defaults
// (JDCT_ISLOW, fancy upsampling), which is what PIL, and so the recipe, uses. stb_image's own
// kernels round differently (its IDCT uses 12-bit constants; its 2x upsampling and YCbCr->RGB
// conversion round every output the same way), so about 0.3% of pixels came out 1 off.
//
// The build substitutes these for stb_image's in its JPEG set-up (CMakeLists.txt writes the
// patched copy of Debian's header, stb_image_libjpeg.h, and fails if the lines it replaces are
// not found), with STBI_NO_SIMD so that no SIMD kernel overrides them. Covered: greyscale, and
// YCbCr with 4:4:4, 4:2:0 (h2v2) or 4:2:2 (h2v1) chroma, baseline or progressive. Other chroma
// layouts (4:4:0, 4:1:1, ...) keep stb_image's upsampling: within 1/255 of libjpeg-turbo.
#pragma once

// jpeg_idct_islow: libjpeg's accurate integer inverse DCT (13-bit constants, 2 extra bits in
// the first pass) of one 8x8 block of dequantized coefficients in natural order, with
// libjpeg's output range limiting (+128, clamp; wrap-around beyond +-512 as its table does).
void jpeg_compat_idct_islow(unsigned char * out, int out_stride, short data[64]);

// One output row of 2x2 ("h2v2") fancy upsampling: in_near is the nearer input row, in_far the
// other neighbour (the same row at the image edges); w input samples give 2w outputs. The
// odd outputs round down on ties (+7), the even ones up (+8), as libjpeg-turbo does.
unsigned char * jpeg_compat_upsample_h2v2(unsigned char * out, unsigned char * in_near, unsigned char * in_far,
                                          int w, int hs);

// One output row of 2x1 ("h2v1") fancy upsampling (4:2:2), libjpeg-turbo's rounding.
unsigned char * jpeg_compat_upsample_h2v1(unsigned char * out, unsigned char * in_near, unsigned char * in_far,
                                          int w, int hs);

// YCbCr -> RGB with libjpeg's 16-bit fixed-point tables (each product rounded on its own for R
// and B, the two products of G summed before rounding). step 3 (RGB) or 4 (RGBA, alpha 255).
void jpeg_compat_ycc_to_rgb(unsigned char * out, const unsigned char * y, const unsigned char * pcb,
                            const unsigned char * pcr, int count, int step);
