// DICOM Part 10 input, docs/model-package.md section 2 step 0: what the core owns of a DICOM
// file, identical natively and in wasm. Parsing the file and running its codecs is the
// reader's job (a well-kept library on each side: GDCM natively, native/dicom_gdcm.cpp;
// dicom-parser and the Cornerstone wasm codecs in the browser, web/page/dicom.js); the reader
// fills a dicom_frame (the attributes below, as text where the file holds text, and the first
// frame's samples) and the core turns it into the model's grey image by one set of rules:
//
//   stored value (Bits Stored, Pixel Representation) -> Rescale Slope/Intercept -> VOI LUT, or
//   the first Window Center/Width, or the default window (the whole range of Bits Stored after
//   rescale) -> MONOCHROME1 inverted -> 8-bit grey -> image_resize_area as any other image.
//
// Baseline JPEG frames (1.2.840.10008.1.2.4.50) are not decoded by the reader: it hands the
// frame's bitstream over (dicom_frame::jpeg) and the core decodes it with its own
// libjpeg-compatible decoder (image.h, jpeg_compat.h), so both builds get the same pixels.
// Multi-frame files: the first frame only is classified.
//
// Error messages do not name the file (callers prefix it); err_code receives the
// results-schema code: "limits" (a frame too large) or "decode" (anything else).
#pragma once

#include "image.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// What a reader found in the file and the first frame's samples. Absent attributes keep the
// defaults below (text ones empty).
struct dicom_frame {
    std::string transfer_syntax;            // (0002,0010) UID
    std::string modality;                   // (0008,0060) CS, e.g. "CR", "DX", "MR", "CT"
    std::string body_part;                  // (0018,0015) CS, e.g. "CHEST"
    int32_t     rows                 = 0;   // (0028,0010)
    int32_t     columns              = 0;   // (0028,0011)
    int32_t     samples_per_pixel    = 1;   // (0028,0002): 1 or 3
    int32_t     bits_allocated       = 0;   // (0028,0100): 8 or 16
    int32_t     bits_stored          = 0;   // (0028,0101): 1 .. bits_allocated (high bit = bits_stored - 1)
    int32_t     pixel_representation = 0;   // (0028,0103): 0 unsigned, 1 two's complement
    int32_t     planar_configuration = 0;   // (0028,0006): 0 interleaved (R G B R G B), 1 planar
    std::string photometric;                // (0028,0004): MONOCHROME1, MONOCHROME2, RGB (YBR_FULL
                                            // only in a baseline JPEG frame, converted by the decoder)
    std::string number_of_frames;           // (0028,0008) IS text; "" = 1
    std::string rescale_slope;              // (0028,1053) DS text; "" = 1
    std::string rescale_intercept;          // (0028,1052) DS text; "" = 0
    std::string window_center;              // (0028,1050) DS text, values separated by '\'
    std::string window_width;               // (0028,1051) DS text, values separated by '\'
    std::vector<int32_t>  voi_lut_descriptor;  // (0028,3010) first item's (0028,3002): entries
                                               // (0 = 65536), first mapped value, bits per entry
    std::vector<uint16_t> voi_lut_data;        // that item's (0028,3006)
    std::vector<uint8_t>  samples;   // the first frame as decoded: bits_allocated / 8 bytes per
                                     // sample, little-endian, planar_configuration's order
    std::vector<uint8_t>  jpeg;      // baseline JPEG: the first frame's bitstream (samples empty)
};

// A reader (core/backend.h's pattern): parses `bytes` (a Part 10 file), checks the header with
// dicom_check_header before decoding anything, and fills *frame. False with a one-line error
// and its code ("decode", "limits") otherwise.
using dicom_reader = std::function<bool(const uint8_t * bytes, size_t size, const image_limits & limits,
                                        dicom_frame * frame, std::string * err, std::string * err_code)>;

// A text attribute without its padding (trailing spaces or NUL, leading spaces).
std::string dicom_trim(const std::string & text);

// True when bytes 128..131 are "DICM" (the Part 10 preamble), whatever the file's name.
bool dicom_is_part10(const uint8_t * bytes, size_t size);

// The transfer syntaxes both builds read (docs/model-package.md section 2 step 0 has the
// table of which library decodes each). "" for another UID.
const char * dicom_transfer_syntax_name(const std::string & uid);

// "transfer syntax 1.2.840.10008.1.2.4.100 is not supported (supported: implicit VR little
// endian, ...)" for a UID not in the table; true otherwise.
bool dicom_check_transfer_syntax(const std::string & uid, std::string * err, std::string * err_code = nullptr);

// The header checks every reader runs before decoding: a supported transfer syntax; rows and
// columns in [1, max_side]; samples per pixel 1 (MONOCHROME1/2) or 3 (RGB, or YBR_FULL in a
// baseline JPEG frame); bits allocated 8 or 16 (8 for colour); bits stored in [1, allocated];
// pixel representation 0 or 1; planar configuration 0 or 1; number of frames >= 1; the decoded
// frames (rows x columns x samples x bytes x frames) within max_decoded_bytes.
bool dicom_check_header(const dicom_frame & frame, const image_limits & limits, std::string * err,
                        std::string * err_code = nullptr);

// The first value of a DS or IS text ("40\400" -> 40; spaces around it allowed). False for an
// empty, non-numeric or non-finite value.
bool dicom_parse_number(const std::string & text, double * value);

// How the grey levels were obtained (for tests and the parity report).
struct dicom_grey_info {
    std::string voi;           // "lut", "window" or "default"
    double      center = 0.0;  // the window used ("window", "default")
    double      width  = 0.0;
    double      slope  = 1.0, intercept = 0.0;
    bool        inverted = false;  // MONOCHROME1
};

// The rules of the file comment, on a frame a reader filled: dicom_check_header, the samples'
// size checked against the header (or the JPEG decoded and its size checked), then for
// monochrome frames
//   x = stored value (low bits_stored bits, sign-extended when pixel_representation is 1)
//   m = x * slope + intercept                                      (modality LUT, float64)
//   VOI LUT present: y = lut[clamp(floor(m) - first, 0, n - 1)] * 255 / (2^bits - 1)
//   else window (c, w) -- the first Window Center/Width pair, or the default c = (lo + hi + 1)
//   / 2, w = hi - lo + 1 with lo, hi the rescaled ends of the stored range -- as PS3.3
//   C.11.2.1.2.1 (linear): y = 0 when m <= c - 0.5 - (w - 1) / 2, 255 when
//   m > c - 0.5 + (w - 1) / 2, else ((m - (c - 0.5)) / (w - 1) + 0.5) * 255
//   grey = floor(y + 0.5); MONOCHROME1: 255 - grey
// and for colour frames (8-bit RGB, planar or interleaved) PIL's convert("L") (image_to_grey).
// An 8-bit unsigned MONOCHROME2 frame without rescale or window is therefore its own grey.
bool dicom_frame_grey(const dicom_frame & frame, const image_limits & limits, image_u8 * grey,
                      dicom_grey_info * info, std::string * err, std::string * err_code = nullptr);

// The package modality of a DICOM's Modality and Body Part Examined tags, when the user chose
// none: CR, DX -> "cxr" unless a body part other than CHEST is named; MR -> "mri"; the id must
// be among `package_modalities`. Otherwise false with "modality CT is not covered by this
// package (cxr, mri)" (or "DX of body part HAND ...", "no Modality tag ...").
bool dicom_package_modality(const std::string & dicom_modality, const std::string & body_part,
                            const std::vector<std::string> & package_modalities, std::string * id,
                            std::string * err);
