#include <catch2/catch.hpp>

#include "file_io.h"
#include "image.h"
#include "package.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

static std::string image_path(const std::string & name) {
    return std::string(RADZ_SOURCE_DIR) + "/tests/data/images/" + name;
}

static std::vector<uint8_t> read_image(const std::string & name) {
    std::vector<uint8_t> bytes;
    std::string err;
    REQUIRE(file_read_bytes(image_path(name), &bytes, 1 << 26, &err));
    return bytes;
}

static bool preprocess_file(const std::string & name, std::vector<float> * px, std::string * err,
                            std::string * code = nullptr, image_header * hdr = nullptr) {
    const std::vector<uint8_t> bytes = read_image(name);
    return image_preprocess(bytes.data(), bytes.size(), image_limits(), 64, 64, px, hdr, err, code);
}

TEST_CASE("preprocessing matches the reference implementation bit-exactly (PNG, BMP, JPEG 4:2:0/4:2:2/4:4:4)") {
    std::string text, err;
    REQUIRE(file_read_text(image_path("expected.json"), &text, 1 << 24, &err));
    const nlohmann::json doc = nlohmann::json::parse(text);
    REQUIRE(doc["images"].size() >= 16);
    int n_png = 0, n_bmp = 0, n_jpeg = 0;
    for (const auto & e : doc["images"]) {
        const std::string file = e["file"];
        INFO(file);
        std::vector<float> px;
        image_header hdr;
        REQUIRE(preprocess_file(file, &px, &err, nullptr, &hdr));
        CHECK(hdr.format == e["format"].get<std::string>());
        CHECK(hdr.width == e["width"].get<int>());
        CHECK(hdr.height == e["height"].get<int>());
        CHECK(hdr.channels == e["channels"].get<int>());
        CHECK(hdr.bit_depth == e["bit_depth"].get<int>());
        const std::vector<double> want = e["pixels"].get<std::vector<double>>();
        REQUIRE(px.size() == want.size());
        REQUIRE(px.size() == 64 * 64);
        double max_d = 0.0;
        int n_diff = 0;
        for (size_t i = 0; i < px.size(); i++) {
            REQUIRE(px[i] >= 0.0f);
            REQUIRE(px[i] <= 1.0f);
            max_d = std::max(max_d, std::fabs((double) px[i] - want[i]));
            n_diff += px[i] != (float) want[i];
        }
        // JPEG too: core/jpeg_compat.h makes stb_image decode as libjpeg-turbo (PIL) does.
        CAPTURE(max_d);
        CHECK(e["exact"].get<bool>());
        CHECK(n_diff == 0);
        (hdr.format == "png" ? n_png : hdr.format == "bmp" ? n_bmp : n_jpeg)++;
    }
    CHECK(n_png >= 10);
    CHECK(n_bmp >= 2);
    CHECK(n_jpeg >= 5);
}

TEST_CASE("decode keeps the file's channels") {
    std::string err;
    image_u8 img;
    std::vector<uint8_t> b = read_image("grey_alpha_50x50.png");
    REQUIRE(image_decode(b.data(), b.size(), image_limits(), &img, &err));
    CHECK(img.channels == 2);
    CHECK(img.data.size() == 50 * 50 * 2);

    b = read_image("palette_trns_40x40.png");
    REQUIRE(image_decode(b.data(), b.size(), image_limits(), &img, &err));
    CHECK(img.channels == 4);

    b = read_image("one_pixel.png");
    REQUIRE(image_decode(b.data(), b.size(), image_limits(), &img, &err));
    CHECK(img.width == 1);
    CHECK(img.height == 1);
    REQUIRE(img.data.size() == 1);
    CHECK(img.data[0] == 200);
    std::vector<float> px;
    image_u8 grey;
    image_to_grey(img, &grey);
    image_resize_area(grey, 64, 64, &px);
    for (float v : px) {
        REQUIRE(v == (float) (200.0 / 255.0));
    }
}

TEST_CASE("grey as PIL's convert(\"L\")") {
    image_u8 img;
    img.width = 4; img.height = 1; img.channels = 3;
    img.data = { 255, 0, 0,   0, 255, 0,   0, 0, 255,   77, 77, 77 };
    image_u8 grey;
    image_to_grey(img, &grey);
    REQUIRE(grey.channels == 1);
    // (19595*255 + 32768) >> 16 = 76; (38470*255 + 32768) >> 16 = 150; (7471*255 + 32768) >> 16 = 29
    CHECK(grey.data == std::vector<uint8_t>({ 76, 150, 29, 77 }));

    img.channels = 2;
    img.width = 2;
    img.data = { 10, 250, 99, 0 };
    image_to_grey(img, &grey);
    CHECK(grey.data == std::vector<uint8_t>({ 10, 99 }));

    img.channels = 4;
    img.width = 1;
    img.data = { 100, 100, 100, 0 };
    image_to_grey(img, &grey);
    CHECK(grey.data == std::vector<uint8_t>({ 100 }));
}

TEST_CASE("area resize, hand-computed") {
    image_u8 g;
    g.width = 3; g.height = 1; g.channels = 1;
    g.data = { 0, 255, 51 };
    std::vector<float> out;
    // W=3 -> w=2: ox[0] = {2, 1, 0}, ox[1] = {0, 1, 2}; H=1 -> h=1: oy = {1}
    // num[0] = 0*2 + 255*1 = 255, num[1] = 255*1 + 51*2 = 357; den = 255*3*1
    image_resize_area(g, 2, 1, &out);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == (float) (255.0 / 765.0));
    CHECK(out[1] == (float) (357.0 / 765.0));

    // upscaling 1x2 -> 2x3: each output row overlaps source rows by oy; columns all weight 1.
    g.width = 1; g.height = 2;
    g.data = { 30, 90 };
    image_resize_area(g, 2, 3, &out);
    REQUIRE(out.size() == 6);
    // H=2, h=3: source y spans [3y, 3y+3), output i spans [2i, 2i+2)
    // oy[0] = {2, 0}, oy[1] = {1, 1}, oy[2] = {0, 2}; ox = {1} per column (W=1, w=2: span [j, j+1))
    // den = 255 * 1 * 2
    CHECK(out[0] == (float) (60.0 / 510.0));
    CHECK(out[1] == (float) (60.0 / 510.0));
    CHECK(out[2] == (float) (120.0 / 510.0));
    CHECK(out[4] == (float) (180.0 / 510.0));

    // a constant image stays constant, whatever the ratio
    g.width = 97; g.height = 131;
    g.data.assign(97 * 131, 255);
    image_resize_area(g, 64, 64, &out);
    for (float v : out) {
        REQUIRE(v == 1.0f);
    }
}

TEST_CASE("area resize to a modality's input size (128), hand-computed") {
    // A 224 px MRI slice to 128 (format version 3, modalities[].input_size): W = 224, w = 128.
    // Output column j spans [224 j, 224 j + 224), source column k spans [128 k, 128 k + 128):
    //   j = 0:   k = 0 overlaps 128, k = 1 overlaps 96                  -> ox[0]   = {128, 96}
    //   j = 1:   k = 1 overlaps 32, k = 2 128, k = 3 64                 -> ox[1]   = {32, 128, 64}
    //   j = 127: span [28448, 28672): k = 222 overlaps 96, k = 223 128  -> ox[127] = {96, 128}
    // One source row (H = 1) to 128 rows: every output row overlaps it by 1. L[k] = k.
    image_u8 g;
    g.width = 224; g.height = 1; g.channels = 1;
    g.data.resize(224);
    for (int k = 0; k < 224; k++) g.data[k] = (uint8_t) k;
    std::vector<float> out;
    image_resize_area(g, 128, 128, &out);
    REQUIRE(out.size() == 128 * 128);
    const double den = 255.0 * 224 * 1;  // 57120
    for (int i : { 0, 77, 127 }) {
        CHECK(out[i * 128 + 0] == (float) ((128 * 0 + 96 * 1) / den));             // 96 / 57120
        CHECK(out[i * 128 + 1] == (float) ((32 * 1 + 128 * 2 + 64 * 3) / den));    // 480 / 57120
        CHECK(out[i * 128 + 127] == (float) ((96 * 222 + 128 * 223) / den));       // 49856 / 57120
    }

    // 2x2 grey to 128x128: each source pixel covers a 64x64 block exactly (den = 255 * 2 * 2,
    // num = 2 * 2 * L: the value itself).
    g.width = 2; g.height = 2;
    g.data = { 10, 200, 0, 255 };
    image_resize_area(g, 128, 128, &out);
    REQUIRE(out.size() == 128 * 128);
    CHECK(out[0] == (float) (40.0 / 1020.0));
    CHECK(out[63 * 128 + 63] == (float) (40.0 / 1020.0));
    CHECK(out[64] == (float) (800.0 / 1020.0));
    CHECK(out[64 * 128] == 0.0f);
    CHECK(out[127 * 128 + 127] == 1.0f);

    // 192 -> 128 (ratio 3:2) on an image whose row y is the constant y. Every output column's
    // weights ox[j][k] sum to W = 192 (its span), so num[i][j] = 192 * sum_y oy[i][y] * y.
    g.width = 192; g.height = 192;
    g.data.resize(192 * 192);
    for (int y = 0; y < 192; y++) {
        for (int k = 0; k < 192; k++) g.data[y * 192 + k] = (uint8_t) y;
    }
    image_resize_area(g, 128, 128, &out);
    // H = 192, h = 128: output row i spans [192 i, 192 i + 192), source row y [128 y, 128 y + 128).
    // i = 0: y = 0 overlaps 128, y = 1 overlaps 64 -> sum = 64; den = 255 * 192 * 192.
    CHECK(out[0] == (float) (192.0 * 64.0 / (255.0 * 192 * 192)));
    CHECK(out[5] == (float) (192.0 * 64.0 / (255.0 * 192 * 192)));
    // i = 1: span [192, 384): y = 1 overlaps 64, y = 2 overlaps 128 -> 64 * 1 + 128 * 2 = 320
    CHECK(out[128 + 9] == (float) (192.0 * 320.0 / (255.0 * 192 * 192)));
}

TEST_CASE("image_decode_grey then two resizes: the fixed view and a modality's input from one grey image") {
    const std::vector<uint8_t> bytes = read_image("one_pixel.png");
    image_u8     grey;
    image_header hdr;
    std::string  err;
    double       ms = -1.0;
    REQUIRE(image_decode_grey(bytes.data(), bytes.size(), image_limits(), &grey, &hdr, &err, nullptr, &ms));
    CHECK(ms >= 0.0);
    CHECK(hdr.width == 1);
    CHECK(grey.channels == 1);
    std::vector<float> view, input, direct;
    image_resize_area(grey, 64, 64, &view);
    image_resize_area(grey, 128, 128, &input);
    REQUIRE(image_preprocess(bytes.data(), bytes.size(), image_limits(), 128, 128, &direct, nullptr, &err));
    CHECK(view.size() == 64 * 64);
    CHECK(input == direct);
    for (float v : input) {
        REQUIRE(v == (float) (200.0 / 255.0));
    }
    std::string code;
    CHECK(!image_decode_grey(nullptr, 0, image_limits(), &grey, nullptr, &err, &code));
    CHECK(err == "empty file");
    CHECK(code == "decode");
}

TEST_CASE("bad inputs are refused with the reason") {
    struct bad_case { const char * file; const char * code; const char * message; };
    const bad_case cases[] = {
        { "empty.png",        "decode", "empty file" },
        { "text.png",         "decode", "not a PNG, JPEG or BMP file" },
        { "truncated.png",    "decode", "truncated PNG (chunk IDAT ends early)" },
        { "truncated.jpg",    "decode", "truncated JPEG (no EOI marker)" },
        { "truncated.bmp",    "decode", "truncated BMP" },
        { "bad_crc.png",      "decode", "bad CRC in chunk IDAT" },
        { "huge_header.png",  "limits", "image is 100000x100000, larger than the limit of 8192 per side" },
        { "huge_header.bmp",  "limits", "image is 100000x100000, larger than the limit of 8192 per side" },
        { "zero_width.png",   "limits", "image is 0x10, a side is 0" },
    };
    for (const bad_case & c : cases) {
        INFO(c.file);
        std::vector<float> px;
        std::string err, code;
        CHECK_FALSE(preprocess_file(c.file, &px, &err, &code));
        CHECK(code == c.code);
        CHECK(err.find(c.message) != std::string::npos);
        INFO(err);
    }
}

// A PNG of one_pixel.png's chunks with one more chunk of type `type` (CRC correct) before IEND.
static std::vector<uint8_t> png_with_chunk_before_iend(const char type[4]) {
    std::vector<uint8_t> b = read_image("one_pixel.png");
    REQUIRE(b.size() >= 20);
    const size_t iend = b.size() - 12;
    REQUIRE(std::string(b.begin() + iend + 4, b.begin() + iend + 8) == "IEND");
    std::vector<uint8_t> chunk = { 0, 0, 0, 1, (uint8_t) type[0], (uint8_t) type[1], (uint8_t) type[2], (uint8_t) type[3], 7 };
    uint32_t crc = 0xffffffffu;
    for (size_t i = 4; i < chunk.size(); i++) {
        crc ^= chunk[i];
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    crc ^= 0xffffffffu;
    for (int k = 0; k < 4; k++) chunk.push_back((uint8_t) (crc >> (24 - 8 * k)));
    b.insert(b.begin() + (std::ptrdiff_t) iend, chunk.begin(), chunk.end());
    return b;
}

TEST_CASE("an unknown critical PNG chunk is refused in one line, whatever its name's bytes") {
    // Found by the image fuzz target: stb_image's own message quoted the type's four bytes as
    // they were, so a chunk named "ID\x1a\n" gave a message of two lines.
    image_u8 img;
    std::string err, code;
    const std::vector<uint8_t> bad = png_with_chunk_before_iend("ID\x1a\n");
    CHECK_FALSE(image_decode(bad.data(), bad.size(), image_limits(), &img, &err, &code));
    CHECK(code == "decode");
    CHECK(err == "corrupt PNG (unknown critical chunk ID?" "?)");  // (split: no trigraph)
    const std::vector<uint8_t> crit = png_with_chunk_before_iend("ABCD");
    CHECK_FALSE(image_decode(crit.data(), crit.size(), image_limits(), &img, &err, &code));
    CHECK(err == "corrupt PNG (unknown critical chunk ABCD)");
    // an unknown ancillary chunk (first letter lower case) is skipped, as the PNG standard says
    const std::vector<uint8_t> anc = png_with_chunk_before_iend("abCD");
    CHECK(image_decode(anc.data(), anc.size(), image_limits(), &img, &err, &code));
    CHECK(img.width == 1);
}

TEST_CASE("limits: file size and side, checked before decoding") {
    const std::vector<uint8_t> b = read_image("rgb_100x70.png");
    std::string err, code;
    image_u8 img;
    image_limits lim;
    lim.max_file_bytes = b.size() - 1;
    CHECK_FALSE(image_decode(b.data(), b.size(), lim, &img, &err, &code));
    CHECK(code == "limits");
    CHECK(err == "file is " + std::to_string(b.size()) + " bytes, larger than the limit of " + std::to_string(b.size() - 1));

    lim.max_file_bytes = b.size();  // inclusive
    CHECK(image_decode(b.data(), b.size(), lim, &img, &err, &code));

    lim.max_side = 99;
    CHECK_FALSE(image_decode(b.data(), b.size(), lim, &img, &err, &code));
    CHECK(code == "limits");
    CHECK(err == "image is 100x70, larger than the limit of 99 per side");
    lim.max_side = 100;
    CHECK(image_decode(b.data(), b.size(), lim, &img, &err, &code));
}

TEST_CASE("limits: decoded bytes, checked from the header before any pixel buffer") {
    const std::vector<uint8_t> b = read_image("rgb_100x70.png");   // 8-bit RGB: 21,000 decoded bytes
    std::string err, code;
    image_u8 img;
    image_limits lim;
    lim.max_decoded_bytes = 20999;
    CHECK_FALSE(image_decode(b.data(), b.size(), lim, &img, &err, &code));
    CHECK(code == "limits");
    CHECK(err == "decoding needs 21000 bytes (100x70, 3 channels, 8-bit), more than the limit of 20999");
    lim.max_decoded_bytes = 21000;  // inclusive
    CHECK(image_decode(b.data(), b.size(), lim, &img, &err, &code));

    const std::vector<uint8_t> g = read_image("grey16_96x96.png");  // 16-bit grey: 2 bytes a sample
    lim.max_decoded_bytes = 96 * 96 * 2 - 1;
    CHECK_FALSE(image_decode(g.data(), g.size(), lim, &img, &err, &code));
    CHECK(err == "decoding needs 18432 bytes (96x96, 1 channel, 16-bit), more than the limit of 18431");

    // A header claiming 8192 x 8192 16-bit RGBA (512 MiB): refused with the default limits from the
    // IHDR alone (no image data follows, so a decode attempt would fail differently).
    std::vector<uint8_t> png = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                 0, 0, 0x20, 0, 0, 0, 0x20, 0, 16, 6, 0, 0, 0, 0, 0, 0, 0 };
    CHECK_FALSE(image_decode(png.data(), png.size(), image_limits(), &img, &err, &code));
    CHECK(code == "limits");
    CHECK(err == "decoding needs 536870912 bytes (8192x8192, 4 channels, 16-bit), more than the limit of 268435456");
}

TEST_CASE("limits: PNG decompressed size, bounded by what the header needs before stb_image inflates") {
    // 64 x 64 8-bit grey needs 64 x (1 + 64) = 4,160 inflated bytes; zlib_bomb.png's 16 KiB IDAT
    // inflates to 16 MiB (stb_image alone would grow its buffer to that, then refuse "not enough
    // pixels"); inflates_one_byte_more.png's to 4,161 bytes.
    for (const char * name : { "zlib_bomb.png", "inflates_one_byte_more.png" }) {
        INFO(name);
        const std::vector<uint8_t> b = read_image(name);
        image_u8 img;
        std::string err, code;
        REQUIRE(image_probe(b.data(), b.size(), image_limits(), nullptr, &err, &code));  // the header is fine
        CHECK_FALSE(image_decode(b.data(), b.size(), image_limits(), &img, &err, &code));
        CHECK(code == "limits");
        CHECK(err == "PNG image data inflates to more than the 4160 bytes its header needs (64x64)");
        CHECK(img.data.empty());
    }
    // The bound is exact for every layout the contract accepts (bit depths 1 to 16, palette,
    // Adam7 passes, some empty): every good PNG of the set still decodes.
    std::string text, err;
    REQUIRE(file_read_text(image_path("expected.json"), &text, 1 << 24, &err));
    const nlohmann::json doc = nlohmann::json::parse(text);
    int n_png = 0, n_interlaced = 0;
    for (const auto & e : doc["images"]) {
        if (e["format"] != "png") continue;
        const std::string file = e["file"];
        INFO(file);
        const std::vector<uint8_t> b = read_image(file);
        image_u8 img;
        std::string code;
        CHECK(image_decode(b.data(), b.size(), image_limits(), &img, &err, &code));
        n_png++;
        n_interlaced += b.size() > 28 && b[28] == 1;
    }
    CHECK(n_png >= 16);
    CHECK(n_interlaced >= 4);
}

TEST_CASE("every truncation of a PNG, JPEG and BMP is refused without a crash") {
    for (const char * name : { "rgb_100x70.png", "grey_64x64.jpg", "rgb_65x63.bmp", "palette_70x90.png" }) {
        const std::vector<uint8_t> b = read_image(name);
        INFO(name);
        for (size_t n = 0; n < b.size(); n += (n < 64 ? 1 : 97)) {
            image_u8 img;
            std::string err;
            const bool ok = image_decode(b.data(), n, image_limits(), &img, &err);
            INFO(n);
            CHECK_FALSE(ok);
            CHECK_FALSE(err.empty());
        }
    }
}

// Mutated images (what two byte-flipping loops here did, one with the PNG CRCs fixed up after
// the damage) are the image fuzz target's: it recomputes PNG CRCs itself, its corpus and
// regression files run in tests/test_fuzz_corpus.cpp natively and in wasm, and scripts/fuzz.sh
// mutates them under libFuzzer (tests/fuzz/fuzz_image.cpp).

// The shipped package's goldens were preprocessed by the recipe (PIL + numpy): the core must
// agree bit-exactly, JPEG included (libjpeg-turbo's kernels). RADZ_TEST_PACKAGE
// points at another package folder (e.g. one the recipe just built).
TEST_CASE("golden pixels of the package agree with the recipe") {
    const char * env = getenv("RADZ_TEST_PACKAGE");
    const std::string dir = env ? env : std::string(RADZ_SOURCE_DIR) + "/assets/models/radz-tiny";
    std::string text, err;
    if (!file_read_text(dir + "/golden/golden.json", &text, 1 << 28, &err)) {
        WARN("no package goldens, skipped: " << err);
        return;
    }
    const nlohmann::json golden = nlohmann::json::parse(text);
    // The pixels are at each modality's input size (64 x 64 unless a format 3 package declares another).
    std::string  manifest;
    radz_package pkg;
    REQUIRE(file_read_text(dir + "/manifest.json", &manifest, 1 << 24, &err));
    REQUIRE(package_parse_manifest(manifest, &pkg, &err));
    int n = 0;
    for (const auto & im : golden["images"]) {
        const std::string file = im["file"];
        INFO(file);
        std::vector<uint8_t> bytes;
        REQUIRE(file_read_bytes(dir + "/golden/" + file, &bytes, 1 << 28, &err));
        std::vector<float> px;
        image_header hdr;
        int32_t w = 0, h = 0;
        REQUIRE(package_input_size(pkg, im["modality"].get<std::string>(), &w, &h));
        REQUIRE(image_preprocess(bytes.data(), bytes.size(), image_limits(), w, h, &px, &hdr, &err));
        const std::vector<double> want = im["pixels"].get<std::vector<double>>();
        REQUIRE(want.size() == px.size());
        double max_d = 0.0;
        int n_diff = 0;
        for (size_t i = 0; i < px.size(); i++) {
            max_d = std::max(max_d, std::fabs((double) px[i] - want[i]));
            n_diff += px[i] != (float) want[i];
        }
        CAPTURE(max_d);
        CHECK(n_diff == 0);  // PNG, BMP and (through core/jpeg_compat.h) JPEG alike
        n++;
    }
    CHECK(n > 0);
}
