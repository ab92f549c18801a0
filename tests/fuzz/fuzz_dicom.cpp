// libFuzzer target for the core's DICOM rules (core/dicom.h), issue 17: what a reader hands the
// core (attributes, their text values, a VOI LUT, samples or a JPEG bitstream) built from the
// input, then dicom_check_header, dicom_frame_grey and dicom_package_modality. The parsing of
// DICOM files themselves is GDCM's (natively) and dicom-parser's (browser), not the core's.
//
// Input layout: 16 bytes of numbers (rows and columns 1..64, samples per pixel, bits allocated,
// bits stored, pixel representation, planar configuration, photometric and transfer syntax
// choices, LUT descriptor), then 7 NUL-terminated texts (number of frames, rescale slope,
// intercept, window center, width, Modality, Body Part Examined), then 2-byte LUT entries (as
// many as the descriptor's third byte says), then the samples (or, for baseline JPEG, the
// bitstream). Invariants: a refusal has a one-line message and a code (decode, limits); an
// accepted frame gives a rows x columns grey image; MONOCHROME1 is the inverse of MONOCHROME2.
#include "dicom.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define DICOM_CHECK(c) ((c) ? (void) 0 : (std::fprintf(stderr, "fuzz_dicom: %s (line %d)\n", #c, __LINE__), std::abort()))

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size < 16) return 0;
    static const char * const photometric[] = {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "PALETTE COLOR", ""};
    static const char * const syntaxes[] = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50",
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
    size_t pos = 16;
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
    for (int i = 0; i < data[14] % 40 && pos + 1 < size; i++, pos += 2) f.voi_lut_data.push_back((uint16_t) (data[pos] | data[pos + 1] << 8));
    std::vector<uint8_t> rest(data + pos, data + size);
    if (f.transfer_syntax == std::string("1.2.840.10008.1.2.4.50")) f.jpeg = rest; else f.samples = rest;

    image_limits lim;
    lim.max_side          = 64;
    lim.max_decoded_bytes = 1u << 20;
    image_u8        grey;
    dicom_grey_info info;
    std::string     err, code;
    const bool header_ok = dicom_check_header(f, lim, &err, &code);
    DICOM_CHECK(header_ok || (!err.empty() && err.find('\n') == std::string::npos && (code == "decode" || code == "limits")));
    err.clear();
    code.clear();
    const bool ok = dicom_frame_grey(f, lim, &grey, &info, &err, &code);
    if (ok) {
        DICOM_CHECK(header_ok);
        DICOM_CHECK(grey.channels == 1 && grey.width == f.columns && grey.height == f.rows);
        DICOM_CHECK(grey.data.size() == (size_t) f.rows * f.columns);
        if (f.samples_per_pixel == 1 && f.jpeg.empty()) {
            dicom_frame other = f;
            other.photometric = f.photometric == "MONOCHROME1" ? "MONOCHROME2" : "MONOCHROME1";
            image_u8 g2;
            DICOM_CHECK(dicom_frame_grey(other, lim, &g2, nullptr, &err, &code));
            for (size_t i = 0; i < grey.data.size(); i++) DICOM_CHECK(grey.data[i] == 255 - g2.data[i]);
        }
    } else {
        DICOM_CHECK(!err.empty() && err.find('\n') == std::string::npos && (code == "decode" || code == "limits"));
    }
    std::string id;
    err.clear();
    if (dicom_package_modality(f.modality, f.body_part, {"cxr", "mri"}, &id, &err)) {
        DICOM_CHECK(id.empty() || id == "cxr" || id == "mri");
    } else {
        DICOM_CHECK(!err.empty() && err.find('\n') == std::string::npos);
    }
    return 0;
}
