// Image decoding and preprocessing, docs/model-package.md section 2, identical natively and
// in wasm: limits checked from the header before any pixel buffer is allocated; PNG (8/16 bit,
// grey, grey+alpha, RGB, RGBA, palette), JPEG (baseline, progressive) and BMP via stb_image;
// 16-bit samples reduced to their high byte; grey as PIL's convert("L"); exact integer area
// resize to the requested size (64x64 for every package's fixed view; a modality's input_size,
// format version 3); floats in [0, 1].
//
// Error messages do not name the file (these functions see bytes only): callers prefix it,
// e.g. "broken.png: " + err. err_code, when given, receives the results-schema error code:
// "limits" (file larger than max_file_bytes, a side of 0 or above max_side) or "decode" (empty
// file, not an image, corrupt, truncated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct image_limits {
    int32_t  max_side          = 8192;       // width and height each in [1, max_side]
    uint64_t max_file_bytes    = 67108864;   // 64 MiB, inclusive
    uint64_t max_decoded_bytes = 268435456;  // 256 MiB of decoded samples (width x height x channels x
                                             // bytes per sample), inclusive: 8-bit RGBA at 8192 x 8192
                                             // passes, 16-bit RGB or RGBA at that size does not
};

// 8-bit interleaved samples, row-major, channels 1 (grey), 2 (grey+alpha), 3 (RGB), 4 (RGBA).
struct image_u8 {
    int32_t width    = 0;
    int32_t height   = 0;
    int32_t channels = 0;
    std::vector<uint8_t> data;  // width * height * channels
};

// What the header says, before decoding.
struct image_header {
    std::string format;          // "png", "jpeg", "bmp"
    int32_t     width     = 0;
    int32_t     height    = 0;
    int32_t     channels  = 0;   // channels in the file (palette PNG: 3 or 4)
    int32_t     bit_depth = 8;   // 16 for 16-bit PNG, else 8
};

// Reads the signature and header (stbi_info) and checks the limits: zero bytes ("empty file"), more than
// max_file_bytes, unknown signature ("not a PNG, JPEG or BMP file"), unreadable header, a side
// of 0 or above max_side ("image is 100000x100000, larger than the limit of 8192 per side"), more
// decoded samples than max_decoded_bytes ("decoding needs 536870912 bytes (8192x8192, 4 channels,
// 16-bit), more than the limit of 268435456"); all before any pixel buffer is allocated.
bool image_probe(const uint8_t * bytes, size_t size, const image_limits & limits,
                 image_header * header, std::string * err, std::string * err_code = nullptr);

// image_probe, then decodes to 8 bits per sample (16-bit -> v >> 8), keeping the file's
// channels (palette PNG: 3, or 4 with transparency). Before stb_image decodes, the structure is
// walked so that damage stb_image would pass over is refused: PNG chunk lengths and CRCs
// (stb_image does not check CRCs: "bad CRC in chunk IDAT", "truncated PNG (chunk IDAT ends
// early)", "truncated PNG (no IEND chunk)"), JPEG segments up to EOI ("truncated JPEG (no EOI
// marker)"), BMP pixel array size ("truncated BMP: ..."). stb_image's own failure reason is
// included in other decode errors.
bool image_decode(const uint8_t * bytes, size_t size, const image_limits & limits,
                  image_u8 * img, std::string * err, std::string * err_code = nullptr);

// Grey as PIL's convert("L"): 1 channel as is, 2 channels the first, 3 or 4 channels
// (19595*R + 38470*G + 7471*B + 32768) >> 16. Output has channels == 1.
void image_to_grey(const image_u8 & img, image_u8 * grey);

// Exact integer area resize of a 1-channel image to out_w x out_h (section 2 step 5, 64-bit
// accumulators): out[i*out_w + j] = float(double(num[i][j]) / double(255 * W * H)), in [0, 1].
// Works for up- and downscaling. Requires grey.channels == 1.
void image_resize_area(const image_u8 & grey, int32_t out_w, int32_t out_h, std::vector<float> * out);

// Section 2 up to the resize: image_decode, then image_to_grey (the decoded samples freed
// before it returns). The pipeline keeps this grey image to make both of its views from it: the
// fixed-size one of the modality head and the chosen modality's input (never one from the
// other). header (optional) gets the original size and format; ms_decode (optional) the
// milliseconds spent decoding.
bool image_decode_grey(const uint8_t * bytes, size_t size, const image_limits & limits, image_u8 * grey,
                       image_header * header, std::string * err, std::string * err_code = nullptr,
                       double * ms_decode = nullptr);

// The whole section 2: decode, grey, resize; the one preprocessing of every front end (the
// pipeline, bench, the tests). pixels gets out_w*out_h floats (row-major); header (optional)
// gets the original size and format; ms_decode (optional) the milliseconds spent decoding (the
// rest of the call is grey + resize).
bool image_preprocess(const uint8_t * bytes, size_t size, const image_limits & limits,
                      int32_t out_w, int32_t out_h, std::vector<float> * pixels,
                      image_header * header, std::string * err, std::string * err_code = nullptr,
                      double * ms_decode = nullptr);
