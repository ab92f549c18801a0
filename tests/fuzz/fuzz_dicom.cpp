// Fuzz target: DICOM input (issue 17; core/dicom.h). Two kinds of input, told apart by the Part 10
// preamble (bytes 128..131 "DICM", dicom_is_part10, as the pipeline tells them):
//
// - A Part 10 file: what the front ends do with one (core/pipeline.cpp): the native reader
//   (GDCM, native/dicom_gdcm.cpp), then dicom_frame_grey, image_resize_area to 64x64 and
//   dicom_package_modality. Built where the reader is (RADZ_FUZZ_DICOM_READER: the libFuzzer
//   build and the native test build); the wasm build has no C++ reader (the page's is
//   dicom-parser, web/page/dicom.js), so there a Part 10 input is only recognised.
// - Anything else: a frame as a reader hands it to the core, built from the bytes, through
//   dicom_check_header, dicom_frame_grey and dicom_package_modality, so the rules see values no
//   reader would pass on. Layout: 16 bytes of numbers (rows and columns 1..64, samples per
//   pixel, bits allocated, bits stored, pixel representation, planar configuration, photometric
//   and transfer syntax choices, LUT descriptor), then 7 NUL-terminated texts (number of frames,
//   rescale slope, intercept, window center, width, Modality, Body Part Examined), then 2-byte
//   LUT entries (as many as byte 14 says), then the samples (or, for baseline JPEG, the
//   bitstream).
//
// Invariants: a refusal has a one-line message and the code decode or limits; an accepted
// frame passed dicom_check_header and gives a rows x columns grey image; a monochrome frame's
// MONOCHROME1 grey is the inverse of its MONOCHROME2 grey; the package modality is one the
// package has.
#include "dicom.h"
#include "fuzz_targets.h"

#ifdef RADZ_FUZZ_DICOM_READER
#include "dicom_gdcm.h"
#endif

#include <string>
#include <vector>

namespace {

bool one_line(const std::string & s) {
    return !s.empty() && s.find('\n') == std::string::npos && s.find('\r') == std::string::npos;
}

bool refusal_ok(const std::string & err, const std::string & code) {
    return one_line(err) && (code == "decode" || code == "limits");
}

// The rules on a frame: grey image, the MONOCHROME1/2 inversion, the package modality.
void check_rules(const dicom_frame & f, const image_limits & lim, bool header_ok) {
    image_u8        grey;
    dicom_grey_info info;
    std::string     err, code;
    const bool      ok = dicom_frame_grey(f, lim, &grey, &info, &err, &code);
    if (ok) {
        FUZZ_CHECK(header_ok);
        FUZZ_CHECK(grey.channels == 1 && grey.width == f.columns && grey.height == f.rows);
        FUZZ_CHECK(grey.data.size() == (size_t) f.rows * f.columns);
        if (f.samples_per_pixel == 1 && f.jpeg.empty()) {
            FUZZ_CHECK(info.voi == "lut" || info.voi == "window" || info.voi == "default");
            dicom_frame other = f;
            other.photometric = dicom_trim(f.photometric) == "MONOCHROME1" ? "MONOCHROME2" : "MONOCHROME1";
            image_u8 g2;
            FUZZ_CHECK(dicom_frame_grey(other, lim, &g2, nullptr, &err, &code));
            for (size_t i = 0; i < grey.data.size(); i++) FUZZ_CHECK(grey.data[i] == 255 - g2.data[i]);
        }
        std::vector<float> pixels;
        image_resize_area(grey, 64, 64, &pixels);
        FUZZ_CHECK(pixels.size() == 64 * 64);
        for (float v : pixels) FUZZ_CHECK(v >= 0.0f && v <= 1.0f);
    } else {
        FUZZ_CHECK(refusal_ok(err, code));
    }
    std::string id;
    err.clear();
    if (dicom_package_modality(f.modality, f.body_part, {"cxr", "mri"}, &id, &err)) {
        FUZZ_CHECK(id.empty() || id == "cxr" || id == "mri");
    } else {
        FUZZ_CHECK(one_line(err));
    }
}

void run_part10(const uint8_t * data, size_t size) {
#ifdef RADZ_FUZZ_DICOM_READER
    image_limits lim;  // small limits: a fuzzed header must not make each run decode megabytes
    lim.max_side          = 1024;
    lim.max_decoded_bytes = 4u << 20;
    dicom_frame f;
    std::string err, code;
    if (!dicom_gdcm_read(data, size, lim, &f, &err, &code)) {
        FUZZ_CHECK(refusal_ok(err, code));
        return;
    }
    // The reader's contract: nothing is decoded before dicom_check_header passed, and what it
    // hands over still passes it (codecs' output in its own pixel format).
    const bool header_ok = dicom_check_header(f, lim, &err, &code);
    FUZZ_CHECK(header_ok);
    check_rules(f, lim, header_ok);
#else
    (void) data;
    (void) size;
#endif
}

void run_frame(const uint8_t * data, size_t size) {
    if (size < 16) return;
    static const char * const photometric[] = {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "PALETTE COLOR", ""};
    static const char * const syntaxes[]    = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50",
                                               "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.2", ""};
    dicom_frame f;
    f.rows                 = 1 + data[0] % 64;
    f.columns              = 1 + data[1] % 64;
    f.samples_per_pixel    = data[2] % 4;
    f.bits_allocated       = data[3] % 2 ? 16 : (data[3] & 2 ? 8 : data[3]);
    f.bits_stored          = data[4] % 18;
    f.pixel_representation = data[5] % 3;
    f.planar_configuration = data[6] % 3;
    f.photometric          = photometric[data[7] % 6];
    f.transfer_syntax      = syntaxes[data[8] % 6];
    if (data[9] & 1) {
        f.voi_lut_descriptor = {(int32_t) (data[10] | data[11] << 8), (int32_t) (int8_t) data[12], data[13] % 20};
    }
    size_t      pos = 16;
    std::string texts[7];
    for (auto & t : texts) {
        while (pos < size && data[pos] != 0 && t.size() < 80) t += (char) data[pos++];
        if (pos < size) pos++;
    }
    f.number_of_frames  = texts[0];
    f.rescale_slope     = texts[1];
    f.rescale_intercept = texts[2];
    f.window_center     = texts[3];
    f.window_width      = texts[4];
    f.modality          = texts[5];
    f.body_part         = texts[6];
    for (int i = 0; i < data[14] % 40 && pos + 1 < size; i++, pos += 2) {
        f.voi_lut_data.push_back((uint16_t) (data[pos] | data[pos + 1] << 8));
    }
    std::vector<uint8_t> rest(data + pos, data + size);
    if (f.transfer_syntax == std::string("1.2.840.10008.1.2.4.50")) {
        f.jpeg = rest;
    } else {
        f.samples = rest;
    }
    image_limits lim;
    lim.max_side          = 64;
    lim.max_decoded_bytes = 1u << 20;
    std::string err, code;
    const bool  header_ok = dicom_check_header(f, lim, &err, &code);
    FUZZ_CHECK(header_ok || refusal_ok(err, code));
    check_rules(f, lim, header_ok);
}

} // namespace

int fuzz_dicom(const uint8_t * data, size_t size) {
    if (dicom_is_part10(data, size)) {
        run_part10(data, size);
    } else {
        run_frame(data, size);
    }
    return 0;
}
