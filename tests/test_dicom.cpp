// The core's DICOM rules (core/dicom.h) on small frames with hand-computed values; natively
// and under Emscripten (no reader: the frames are built here).
#include <catch2/catch.hpp>

#include "dicom.h"

#include <cstring>
#include <string>
#include <vector>

static dicom_frame mono8(std::vector<uint8_t> samples, int32_t cols, int32_t rows) {
    dicom_frame f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    f.rows            = rows;
    f.columns         = cols;
    f.bits_allocated  = 8;
    f.bits_stored     = 8;
    f.photometric     = "MONOCHROME2";
    f.samples         = std::move(samples);
    return f;
}

static dicom_frame mono16(const std::vector<int32_t> & values, int32_t bits_stored, bool sign) {
    dicom_frame f;
    f.transfer_syntax      = "1.2.840.10008.1.2";
    f.rows                 = 1;
    f.columns              = (int32_t) values.size();
    f.bits_allocated       = 16;
    f.bits_stored          = bits_stored;
    f.pixel_representation = sign ? 1 : 0;
    f.photometric          = "MONOCHROME2";
    for (int32_t v : values) {
        const uint16_t u = (uint16_t) v;
        f.samples.push_back((uint8_t) (u & 0xff));
        f.samples.push_back((uint8_t) (u >> 8));
    }
    return f;
}

static std::vector<uint8_t> grey_of(const dicom_frame & f, dicom_grey_info * info = nullptr) {
    image_u8    g;
    std::string err, code;
    const bool ok = dicom_frame_grey(f, image_limits(), &g, info, &err, &code);
    INFO("error: " << err);
    REQUIRE(ok);
    REQUIRE(g.channels == 1);
    REQUIRE(g.width == f.columns);
    return g.data;
}

static std::string error_of(const dicom_frame & f, std::string * code = nullptr, image_limits lim = image_limits()) {
    image_u8    g;
    std::string err, c;
    REQUIRE_FALSE(dicom_frame_grey(f, lim, &g, nullptr, &err, &c));
    REQUIRE(err.find('\n') == std::string::npos);
    if (code) *code = c;
    return err;
}

TEST_CASE("dicom: the DICM preamble at bytes 128..131 decides, not the name") {
    std::vector<uint8_t> b(132, 0);
    std::memcpy(b.data() + 128, "DICM", 4);
    CHECK(dicom_is_part10(b.data(), b.size()));
    CHECK_FALSE(dicom_is_part10(b.data(), 131));
    b[128] = 'X';
    CHECK_FALSE(dicom_is_part10(b.data(), b.size()));
    CHECK_FALSE(dicom_is_part10(nullptr, 0));
}

TEST_CASE("dicom: an 8-bit MONOCHROME2 frame without rescale or window is its own grey (default window)") {
    dicom_grey_info info;
    CHECK(grey_of(mono8({0, 1, 2, 127, 128, 200, 254, 255}, 4, 2), &info) ==
          std::vector<uint8_t>{0, 1, 2, 127, 128, 200, 254, 255});
    CHECK(info.voi == "default");
    CHECK(info.center == 128.0);  // (0 + 255 + 1) / 2
    CHECK(info.width == 256.0);
}

TEST_CASE("dicom: MONOCHROME1 is inverted after the VOI") {
    dicom_frame f = mono8({0, 10, 255}, 3, 1);
    f.photometric = "MONOCHROME1";
    dicom_grey_info info;
    CHECK(grey_of(f, &info) == std::vector<uint8_t>{255, 245, 0});
    CHECK(info.inverted);
}

TEST_CASE("dicom: window center/width, PS3.3 C.11.2.1.2.1, first of several windows") {
    // c = 100, w = 50: y = 0 for x <= 75, 255 for x > 124, else ((x - 99.5) / 49 + 0.5) * 255
    dicom_frame f    = mono16({0, 74, 75, 99, 100, 124, 125, 4095}, 12, false);
    f.window_center  = "100\\40 ";
    f.window_width   = "50\\400";
    // x = 75: ((75 - 99.5) / 49 + 0.5) * 255 = 0 -> 0; x = 99: (-0.5 / 49 + 0.5) * 255 = 124.89... -> 125;
    // x = 100: (0.5 / 49 + 0.5) * 255 = 130.10... -> 130; x = 124: (24.5 / 49 + 0.5) * 255 = 255
    dicom_grey_info info;
    CHECK(grey_of(f, &info) == std::vector<uint8_t>{0, 0, 0, 125, 130, 255, 255, 255});
    CHECK(info.voi == "window");
    CHECK(info.center == 100.0);
    CHECK(info.width == 50.0);
}

TEST_CASE("dicom: rescale slope/intercept before the window; signed samples sign-extended from bits stored") {
    // 12 bits stored in 16, signed: 0x0fff is -1, 0x0800 is -2048, and the high nibble is ignored.
    dicom_frame f       = mono16({0x0fff, 0x0800, 0x07ff, 0xf000 | 0x0010, 0}, 12, true);
    f.rescale_slope     = "2";
    f.rescale_intercept = "-1000";
    f.window_center     = "0";
    f.window_width      = "2001";
    // m = 2x - 1000: -1002, -5096, 3094, -968, -1000; window 0 / 2001: y = ((m + 0.5) / 2000 + 0.5) * 255
    // -1002 -> 0 (<= -1000.5); -5096 -> 0; 3094 -> 255; -968: ((-967.5 / 2000) + 0.5) * 255 = 4.14 -> 4;
    // -1000: ((-999.5 / 2000) + 0.5) * 255 = 0.06 -> 0
    dicom_grey_info info;
    CHECK(grey_of(f, &info) == std::vector<uint8_t>{0, 0, 255, 4, 0});
    CHECK(info.slope == 2.0);
    CHECK(info.intercept == -1000.0);
}

TEST_CASE("dicom: the default window is the whole stored range after rescale") {
    // 12 bits unsigned, slope -1, intercept 0: m in [-4095, 0], c = -2047, w = 4096:
    // y = ((m + 2047.5) / 4095 + 0.5) * 255 -> m = 0: 255, m = -4095: 0, m = -2048: 127.47 -> 127
    dicom_frame f   = mono16({0, 4095, 2048}, 12, false);
    f.rescale_slope = "-1";
    dicom_grey_info info;
    CHECK(grey_of(f, &info) == std::vector<uint8_t>{255, 0, 127});
    CHECK(info.voi == "default");
    CHECK(info.center == -2047.0);
    CHECK(info.width == 4096.0);
}

TEST_CASE("dicom: a VOI LUT comes before the window; index clamped; entries scaled from its bits") {
    dicom_frame f            = mono16({0, 9, 10, 11, 12, 13, 100}, 16, false);
    f.window_center          = "1";  // ignored
    f.window_width           = "1";
    f.voi_lut_descriptor     = {3, 10, 12};  // 3 entries for m = 10, 11, 12; 12-bit values
    f.voi_lut_data           = {0, 2048, 4095};
    // 2048 * 255 / 4095 = 127.53 -> 128
    dicom_grey_info info;
    CHECK(grey_of(f, &info) == std::vector<uint8_t>{0, 0, 0, 128, 255, 255, 255});
    CHECK(info.voi == "lut");
    f.voi_lut_data = {0, 1};
    CHECK(error_of(f) == "VOI LUT data has 2 entries, the descriptor says 3");
}

TEST_CASE("dicom: RGB interleaved and planar give PIL's grey") {
    dicom_frame f       = mono8({255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}, 4, 1);
    f.samples_per_pixel = 3;
    f.photometric       = "RGB";
    // (19595 R + 38470 G + 7471 B + 32768) >> 16: red 76, green 150, blue 29, (10,20,30) 18
    CHECK(grey_of(f) == std::vector<uint8_t>{76, 150, 29, 18});
    f.planar_configuration = 1;
    f.samples              = {255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30};
    CHECK(grey_of(f) == std::vector<uint8_t>{76, 150, 29, 18});
}

TEST_CASE("dicom: header checks give one-line errors before any decoding") {
    std::string code;
    dicom_frame f = mono8({1, 2}, 2, 1);
    f.rows = f.columns = 60000;
    CHECK(error_of(f, &code) == "frame is 60000x60000, larger than the limit of 8192 per side");
    CHECK(code == "limits");
    f                  = mono8({1, 2}, 2, 1);
    f.transfer_syntax  = "1.2.840.10008.1.2.4.100";
    CHECK(error_of(f, &code).rfind("transfer syntax 1.2.840.10008.1.2.4.100 is not supported (supported: implicit VR", 0) == 0);
    CHECK(code == "decode");
    f             = mono8({1, 2}, 2, 1);
    f.photometric = "PALETTE COLOR";
    CHECK(error_of(f) == "photometric interpretation 'PALETTE COLOR' with 1 sample per pixel is not supported "
                         "(MONOCHROME1, MONOCHROME2)");
    f                = mono8({1, 2}, 2, 1);
    f.bits_allocated = 32;
    CHECK(error_of(f) == "bits allocated 32 is not supported (8 or 16)");
    f             = mono8({1, 2}, 2, 1);
    f.bits_stored = 9;
    CHECK(error_of(f) == "bits stored 9 is not in [1, 8] (bits allocated)");
    f = mono8({1}, 2, 1);
    CHECK(error_of(f) == "truncated pixel data (1 bytes, the first frame needs 2)");
    f                  = mono8({1, 2}, 2, 1);
    f.number_of_frames = "0";
    CHECK(error_of(f) == "number of frames '0' is not a whole number in [1, 2147483647]");
    // Found by fuzz_dicom: a number of frames beyond IS's range made the size in the message
    // overflow its conversion (undefined behaviour).
    f.number_of_frames = "555555555555555555";
    CHECK(error_of(f) == "number of frames '5555555555555555...' is not a whole number in [1, 2147483647]");
    f               = mono8({1, 2}, 2, 1);
    f.window_center = "abc";
    f.window_width  = "10";
    CHECK(error_of(f) == "window center 'abc' is not a number");
    f               = mono8({1, 2}, 2, 1);
    f.window_center = "1";
    f.window_width  = "0.5";
    CHECK(error_of(f) == "window width 0.5 is below 1");
    // Decoded size of all frames against max_decoded_bytes.
    image_limits lim;
    lim.max_decoded_bytes = 1000;
    f                     = mono8(std::vector<uint8_t>(400), 20, 20);
    f.number_of_frames    = "3";
    CHECK(error_of(f, &code, lim) == "decoding needs 1200 bytes (20x20, 1 sample, 8-bit, 3 frames), more than the limit of 1000");
    CHECK(code == "limits");
}

TEST_CASE("dicom: a rescale that overflows the stored range is refused") {
    dicom_frame f   = mono16({0, 65535}, 16, false);
    f.rescale_slope = "1e305";
    CHECK(error_of(f) == "rescale slope '1e305' and intercept '' overflow the stored range");
}

TEST_CASE("dicom: multi-frame: the first frame is used") {
    dicom_frame f      = mono8({1, 2, 3, 4, 200, 200, 200, 200}, 2, 2);
    f.number_of_frames = "2";
    CHECK(grey_of(f) == std::vector<uint8_t>{1, 2, 3, 4});
}

TEST_CASE("dicom: a baseline JPEG frame is decoded by the core and checked against the header") {
    // A 1x1 grey baseline JPEG would need an encoder here: the bitstream of an empty frame is refused.
    dicom_frame f     = mono8({}, 8, 8);
    f.transfer_syntax = "1.2.840.10008.1.2.4.50";
    CHECK(error_of(f) == "no JPEG data in the first frame");
    f.jpeg = {0xff, 0xd8, 0xff, 0xd9};
    CHECK(error_of(f).rfind("JPEG frame: ", 0) == 0);
}

TEST_CASE("dicom: number parsing of DS and IS text") {
    double v = 0;
    CHECK((dicom_parse_number(" -12.5e1 \\3", &v) && v == -125.0));
    CHECK_FALSE(dicom_parse_number("", &v));
    CHECK_FALSE(dicom_parse_number("1,5", &v));
    CHECK_FALSE(dicom_parse_number("1e999", &v));
    CHECK_FALSE(dicom_parse_number("nan", &v));
}

TEST_CASE("dicom: the package modality from Modality and Body Part Examined") {
    const std::vector<std::string> pkg = {"cxr", "mri"};
    std::string                    id, err;
    CHECK((dicom_package_modality("CR", "", pkg, &id, &err) && id == "cxr"));
    CHECK((dicom_package_modality("DX ", "CHEST", pkg, &id, &err) && id == "cxr"));
    CHECK((dicom_package_modality("MR", "HEAD", pkg, &id, &err) && id == "mri"));
    CHECK((dicom_package_modality("MR", "", pkg, &id, &err) && id == "mri"));
    CHECK((dicom_package_modality("", "", pkg, &id, &err) && id.empty()));  // no say
    CHECK_FALSE(dicom_package_modality("CT", "CHEST", pkg, &id, &err));
    CHECK(err == "modality CT is not covered by this package (cxr, mri)");
    CHECK_FALSE(dicom_package_modality("DX", "HAND", pkg, &id, &err));
    CHECK(err == "DX of body part HAND is not covered by this package (cxr: chest)");
    CHECK_FALSE(dicom_package_modality("MR", "KNEE", pkg, &id, &err));
    CHECK(err == "MR of body part KNEE is not covered by this package (mri: brain)");
    CHECK_FALSE(dicom_package_modality("MR", "", {"cxr"}, &id, &err));
    CHECK(err == "modality MR is not covered by this package (cxr)");
}
