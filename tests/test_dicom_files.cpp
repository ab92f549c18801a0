// The DICOM test files of tests/data/dicom/ (scripts/make_dicom_testdata.py) through the native
// reader (native/dicom_gdcm.cpp, GDCM) and the core's rules: every file gives exactly the grey
// image the script computed by its second route (DCMTK/GDCM command-line decompression, pydicom,
// the rules in numpy; PIL for baseline JPEG), the VOI rule it names and the package modality of
// its tags; the bad files give one-line errors with their code.
#include <catch2/catch.hpp>

#include "dicom_gdcm.h"
#include "file_io.h"
#include "image.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

static std::string dicom_path(const std::string & name) {
    return std::string(RADZ_SOURCE_DIR) + "/tests/data/dicom/" + name;
}

static std::vector<uint8_t> read_file(const std::string & path) {
    std::vector<uint8_t> bytes;
    std::string          err;
    INFO(err);
    REQUIRE(file_read_bytes(path, &bytes, 1 << 26, &err));
    return bytes;
}

static nlohmann::json expected_json() {
    std::string text, err;
    REQUIRE(file_read_text(dicom_path("expected.json"), &text, 1 << 24, &err));
    return nlohmann::json::parse(text);
}

TEST_CASE("dicom files: each file's grey image is the second route's, exactly") {
    const nlohmann::json doc = expected_json();
    REQUIRE(doc["files"].size() >= 20);
    const std::vector<std::string> pkg = {"cxr", "mri"};
    int                            n_lossless = 0;
    for (const auto & [name, e] : doc["files"].items()) {
        INFO(name);
        const std::vector<uint8_t> bytes = read_file(dicom_path(name));
        REQUIRE(dicom_is_part10(bytes.data(), bytes.size()));
        dicom_frame     frame;
        image_u8        grey;
        dicom_grey_info info;
        std::string     err, code;
        const bool      read = dicom_gdcm_read(bytes.data(), bytes.size(), image_limits(), &frame, &err, &code);
        INFO("read: " << err);
        REQUIRE(read);
        const bool ok = dicom_frame_grey(frame, image_limits(), &grey, &info, &err, &code);
        INFO("grey: " << err);
        REQUIRE(ok);
        CHECK(info.voi == e["voi"].get<std::string>());
        CHECK(frame.transfer_syntax.substr(0, e["transfer_syntax"].get<std::string>().size()) ==
              e["transfer_syntax"].get<std::string>());

        std::string png = name;
        if (png.size() > 4 && png.substr(png.size() - 4) == ".dcm") png.resize(png.size() - 4);
        const std::vector<uint8_t> pb = read_file(dicom_path("expected/" + png + ".png"));
        image_u8                   want;
        REQUIRE(image_decode(pb.data(), pb.size(), image_limits(), &want, &err));
        REQUIRE(want.channels == 1);
        REQUIRE(grey.width == want.width);
        REQUIRE(grey.height == want.height);
        size_t differ = 0;
        for (size_t i = 0; i < grey.data.size(); i++) differ += grey.data[i] != want.data[i];
        CHECK(differ == 0);
        n_lossless += e["lossless"].get<bool>();

        std::string id;
        if (e.contains("modality_error")) {
            CHECK_FALSE(dicom_package_modality(frame.modality, frame.body_part, pkg, &id, &err));
            CHECK(err == e["modality_error"].get<std::string>());
        } else {
            CHECK(dicom_package_modality(frame.modality, frame.body_part, pkg, &id, &err));
            CHECK(id == e["modality"].get<std::string>());
        }
    }
    CHECK(n_lossless >= 12);
}

TEST_CASE("dicom files: bad files give one-line errors and their code") {
    struct bad_case {
        const char * file;
        const char * code;
        const char * message;  // the start of the error
    };
    const bad_case cases[] = {
        {"bad_truncated.dcm", "decode", "truncated pixel data ("},
        {"bad_unknown_syntax.dcm", "decode", "transfer syntax 1.2.840.10008.1.2.4.100 is not supported (supported: "},
        {"bad_corrupt_j2k.dcm", "decode", "JPEG 2000 lossless: the codec refused the pixel data ("},
        {"bad_corrupt_rle.dcm", "decode", "RLE lossless: the codec refused the pixel data ("},
        {"bad_truncated_jpeg.dcm", "decode", "JPEG frame: truncated JPEG"},
        {"bad_huge_frame.dcm", "limits", "frame is 60000x60000, larger than the limit of 8192 per side"},
        {"bad_no_pixel_data.dcm", "decode", "no pixel data (7FE0,0010) in the DICOM file"},
    };
    const nlohmann::json doc = expected_json();
    REQUIRE(doc["bad"].size() == sizeof cases / sizeof cases[0]);
    for (const auto & c : cases) {
        INFO(c.file);
        REQUIRE(doc["bad"].contains(c.file));
        CHECK(doc["bad"][c.file].get<std::string>() == c.code);
        const std::vector<uint8_t> bytes = read_file(dicom_path(c.file));
        dicom_frame                frame;
        image_u8                   grey;
        std::string                err, code;
        const bool ok = dicom_gdcm_read(bytes.data(), bytes.size(), image_limits(), &frame, &err, &code) &&
                        dicom_frame_grey(frame, image_limits(), &grey, nullptr, &err, &code);
        REQUIRE_FALSE(ok);
        INFO(err);
        CHECK(err.rfind(c.message, 0) == 0);
        CHECK(err.find('\n') == std::string::npos);
        CHECK(code == c.code);
    }
}

TEST_CASE("dicom files: lengths are checked before GDCM allocates them, GDCM's aborts are one refusal") {
    // tests/fuzz/regressions/dicom/: what the dicom fuzz target found (a declared length GDCM
    // allocated before reading, an element GDCM's re-reads allocated 4 GiB for, a fragment
    // followed by an element, on which GDCM asserted) and the same length checks by hand.
    struct case_ {
        const char * file;
        const char * message;
    };
    const case_ cases[] = {
        {"element_length_beyond_the_file.dcm",
         "cannot parse the DICOM file (element (0002,0001) declares 4026531840 bytes, 4610 are left)"},
        {"implicit_element_length_beyond_the_file.dcm",
         "cannot parse the DICOM file (element (0008,0060) declares 4294967280 bytes, 4348 are left)"},
        {"element_without_a_valid_vr.dcm",
         "cannot parse the DICOM file (truncated or corrupt: element (7FE0,0010) without a valid VR at byte 562)"},
        {"fragment_followed_by_an_element.dcm",
         "cannot parse the DICOM file (truncated or corrupt: (D13C,1F40) where a pixel data fragment belongs at byte 7052)"},
    };
    for (const auto & c : cases) {
        INFO(c.file);
        const std::vector<uint8_t> bytes =
            read_file(std::string(RADZ_SOURCE_DIR) + "/tests/fuzz/regressions/dicom/" + c.file);
        dicom_frame frame;
        std::string err, code;
        CHECK_FALSE(dicom_gdcm_read(bytes.data(), bytes.size(), image_limits(), &frame, &err, &code));
        CHECK(err == c.message);
        CHECK(code == "decode");
    }
    // A file cut inside its pixel data still reaches the core, which says how much is there.
    const std::vector<uint8_t> cut = read_file(dicom_path("bad_truncated.dcm"));
    dicom_frame                frame;
    std::string                err, code;
    REQUIRE(dicom_gdcm_read(cut.data(), cut.size(), image_limits(), &frame, &err, &code));
    CHECK(frame.samples.size() == 1713);
}
