#include "dicom.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static bool fail(std::string * err, std::string * err_code, const char * code, const std::string & msg) {
    if (err) *err = msg;
    if (err_code) *err_code = code;
    return false;
}

std::string dicom_trim(const std::string & text) {
    size_t a = 0, b = text.size();
    while (a < b && (text[a] == ' ' || text[a] == '\0')) a++;
    while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\0')) b--;
    return text.substr(a, b - a);
}

bool dicom_is_part10(const uint8_t * bytes, size_t size) {
    return size >= 132 && std::memcmp(bytes + 128, "DICM", 4) == 0;
}

namespace {

struct transfer_syntax {
    const char * uid;
    const char * name;
};

// The transfer syntaxes both builds read; docs/model-package.md section 2 step 0 says which
// library decodes each.
const transfer_syntax k_transfer_syntaxes[] = {
    {"1.2.840.10008.1.2", "implicit VR little endian"},
    {"1.2.840.10008.1.2.1", "explicit VR little endian"},
    {"1.2.840.10008.1.2.1.99", "deflated explicit VR little endian"},
    {"1.2.840.10008.1.2.5", "RLE lossless"},
    {"1.2.840.10008.1.2.4.50", "JPEG baseline"},
    {"1.2.840.10008.1.2.4.57", "JPEG lossless (process 14)"},
    {"1.2.840.10008.1.2.4.70", "JPEG lossless (process 14, SV1)"},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS lossless"},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS near-lossless"},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 lossless"},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000"},
};

std::string trim(const std::string & s) { return dicom_trim(s); }

// A DICOM text attribute for messages: printable ASCII, at most `most` characters.
std::string shown(const std::string & s, size_t most = 16) {
    std::string o;
    for (char c : trim(s)) {
        if (o.size() >= most) {
            o += "...";
            break;
        }
        o += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return o;
}

uint32_t sample_at(const uint8_t * p, int32_t bytes) {
    return bytes == 1 ? p[0] : (uint32_t) p[0] | (uint32_t) p[1] << 8;
}

} // namespace

const char * dicom_transfer_syntax_name(const std::string & uid) {
    const std::string u = trim(uid);
    for (const auto & t : k_transfer_syntaxes) {
        if (u == t.uid) return t.name;
    }
    return "";
}

bool dicom_check_transfer_syntax(const std::string & uid, std::string * err, std::string * err_code) {
    if (*dicom_transfer_syntax_name(uid)) {
        return true;
    }
    std::string names;
    for (const auto & t : k_transfer_syntaxes) {
        names += std::string(names.empty() ? "" : ", ") + t.name;
    }
    return fail(err, err_code, "decode",
                "transfer syntax " + (trim(uid).empty() ? std::string("(none)") : shown(uid, 64)) +
                    " is not supported (supported: " + names + ")");
}

bool dicom_parse_number(const std::string & text, double * value) {
    const size_t bs = text.find('\\');
    const std::string first = trim(text.substr(0, bs));
    if (first.empty() || first.size() > 64) return false;
    for (char c : first) {
        if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E')) return false;
    }
    char * end = nullptr;
    const double v = std::strtod(first.c_str(), &end);
    if (end != first.c_str() + first.size() || !std::isfinite(v)) return false;
    *value = v;
    return true;
}

bool dicom_check_header(const dicom_frame & f, const image_limits & limits, std::string * err, std::string * err_code) {
    if (!dicom_check_transfer_syntax(f.transfer_syntax, err, err_code)) {
        return false;
    }
    if (f.rows < 1 || f.columns < 1 || f.rows > limits.max_side || f.columns > limits.max_side) {
        return fail(err, err_code, f.rows < 1 || f.columns < 1 ? "decode" : "limits",
                    "frame is " + std::to_string(f.columns) + "x" + std::to_string(f.rows) + ", " +
                        (f.rows < 1 || f.columns < 1 ? std::string("a side is 0 (Rows or Columns missing?)")
                                                     : "larger than the limit of " + std::to_string(limits.max_side) +
                                                           " per side"));
    }
    const std::string pi = trim(f.photometric);
    const bool jpeg = trim(f.transfer_syntax) == "1.2.840.10008.1.2.4.50";
    if (f.samples_per_pixel == 1) {
        if (pi != "MONOCHROME1" && pi != "MONOCHROME2") {
            return fail(err, err_code, "decode", "photometric interpretation '" + shown(pi) +
                                                     "' with 1 sample per pixel is not supported (MONOCHROME1, MONOCHROME2)");
        }
    } else if (f.samples_per_pixel == 3) {
        if (pi != "RGB" && !(jpeg && (pi == "YBR_FULL" || pi == "YBR_FULL_422"))) {
            return fail(err, err_code, "decode", "photometric interpretation '" + shown(pi) +
                                                     "' with 3 samples per pixel is not supported (RGB; YBR_FULL in JPEG)");
        }
    } else {
        return fail(err, err_code, "decode",
                    "samples per pixel " + std::to_string(f.samples_per_pixel) + " is not supported (1 or 3)");
    }
    if (f.bits_allocated != 8 && f.bits_allocated != 16) {
        return fail(err, err_code, "decode", "bits allocated " + std::to_string(f.bits_allocated) +
                                                 " is not supported (8 or 16)");
    }
    if (f.samples_per_pixel == 3 && f.bits_allocated != 8) {
        return fail(err, err_code, "decode", "colour with bits allocated " + std::to_string(f.bits_allocated) +
                                                 " is not supported (8)");
    }
    if (f.bits_stored < 1 || f.bits_stored > f.bits_allocated) {
        return fail(err, err_code, "decode", "bits stored " + std::to_string(f.bits_stored) + " is not in [1, " +
                                                 std::to_string(f.bits_allocated) + "] (bits allocated)");
    }
    if (f.pixel_representation != 0 && f.pixel_representation != 1) {
        return fail(err, err_code, "decode", "pixel representation " + std::to_string(f.pixel_representation) +
                                                 " is not 0 or 1");
    }
    if (f.planar_configuration != 0 && f.planar_configuration != 1) {
        return fail(err, err_code, "decode", "planar configuration " + std::to_string(f.planar_configuration) +
                                                 " is not 0 or 1");
    }
    double frames = 1.0;
    if (!trim(f.number_of_frames).empty() &&
        (!dicom_parse_number(f.number_of_frames, &frames) || frames < 1 || frames > 2147483647.0 ||
         frames != std::floor(frames))) {
        // IS is a 32-bit integer: at most 2^31 - 1 frames (the product below stays below 2^64).
        return fail(err, err_code, "decode", "number of frames '" + shown(f.number_of_frames) +
                                                 "' is not a whole number in [1, 2147483647]");
    }
    if (jpeg && f.bits_allocated != 8) {
        return fail(err, err_code, "decode", "JPEG baseline with bits allocated " + std::to_string(f.bits_allocated) +
                                                 " (baseline JPEG is 8-bit)");
    }
    // rows, columns <= 65535 (US), samples <= 3, bytes <= 2, frames < 2^31: exact in a double,
    // below 2^64 (5.6e19 would not be: hence the checks above come first; rows and columns are
    // also <= max_side by now).
    const double decoded = (double) f.rows * f.columns * f.samples_per_pixel * (f.bits_allocated / 8) * frames;
    if (decoded > (double) limits.max_decoded_bytes) {
        char need[32];
        std::snprintf(need, sizeof need, "%.0f", decoded);
        return fail(err, err_code, "limits",
                    "decoding needs " + std::string(need) + " bytes (" + std::to_string(f.columns) + "x" +
                        std::to_string(f.rows) + ", " + std::to_string(f.samples_per_pixel) + " sample" +
                        (f.samples_per_pixel == 1 ? "" : "s") + ", " + std::to_string(f.bits_allocated) + "-bit, " +
                        std::to_string((uint64_t) frames) + " frame" + (frames == 1 ? "" : "s") +
                        "), more than the limit of " + std::to_string(limits.max_decoded_bytes));
    }
    return true;
}

bool dicom_frame_grey(const dicom_frame & frame, const image_limits & limits, image_u8 * grey, dicom_grey_info * info,
                      std::string * err, std::string * err_code) {
    if (!dicom_check_header(frame, limits, err, err_code)) {
        return false;
    }
    const int64_t n   = (int64_t) frame.rows * frame.columns;
    const int32_t spp = frame.samples_per_pixel;
    // The samples: the reader's, or the core's own decoding of a baseline JPEG frame.
    image_u8        jpeg_img;
    const uint8_t * samples     = frame.samples.data();
    size_t          samples_len = frame.samples.size();
    int32_t         planar      = frame.planar_configuration;
    if (trim(frame.transfer_syntax) == "1.2.840.10008.1.2.4.50") {
        std::string e, code;
        if (frame.jpeg.empty()) {
            return fail(err, err_code, "decode", "no JPEG data in the first frame");
        }
        if (!image_decode(frame.jpeg.data(), frame.jpeg.size(), limits, &jpeg_img, &e, &code)) {
            return fail(err, err_code, code.empty() ? "decode" : code.c_str(), "JPEG frame: " + e);
        }
        if (jpeg_img.width != frame.columns || jpeg_img.height != frame.rows || jpeg_img.channels != spp) {
            return fail(err, err_code, "decode",
                        "JPEG frame is " + std::to_string(jpeg_img.width) + "x" + std::to_string(jpeg_img.height) + " with " +
                            std::to_string(jpeg_img.channels) + " components, the header says " +
                            std::to_string(frame.columns) + "x" + std::to_string(frame.rows) + " with " +
                            std::to_string(spp));
        }
        samples     = jpeg_img.data.data();
        samples_len = jpeg_img.data.size();
        planar      = 0;  // the decoder interleaves
    }
    const int32_t bytes = frame.bits_allocated / 8;
    const size_t  need  = (size_t) n * spp * bytes;
    if (samples_len < need) {
        return fail(err, err_code, "decode",
                    "truncated pixel data (" + std::to_string(samples_len) + " bytes, the first frame needs " +
                        std::to_string(need) + ")");
    }
    grey->width    = frame.columns;
    grey->height   = frame.rows;
    grey->channels = 1;
    if (spp == 3) {
        image_u8 rgb;
        rgb.width    = frame.columns;
        rgb.height   = frame.rows;
        rgb.channels = 3;
        rgb.data.resize((size_t) n * 3);
        for (int64_t i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                rgb.data[(size_t) (i * 3 + c)] = planar ? samples[(size_t) (c * n + i)] : samples[(size_t) (i * 3 + c)];
            }
        }
        image_to_grey(rgb, grey);
        if (info) *info = dicom_grey_info{"colour", 0.0, 0.0, 1.0, 0.0, false};
        return true;
    }

    // Monochrome: modality LUT (rescale), then VOI LUT or window, then MONOCHROME1.
    dicom_grey_info gi;
    if (!trim(frame.rescale_slope).empty() && !dicom_parse_number(frame.rescale_slope, &gi.slope)) {
        return fail(err, err_code, "decode", "rescale slope '" + shown(frame.rescale_slope) + "' is not a number");
    }
    if (!trim(frame.rescale_intercept).empty() && !dicom_parse_number(frame.rescale_intercept, &gi.intercept)) {
        return fail(err, err_code, "decode", "rescale intercept '" + shown(frame.rescale_intercept) + "' is not a number");
    }
    if (gi.slope == 0.0) {
        return fail(err, err_code, "decode", "rescale slope is 0");
    }
    const int32_t bs      = frame.bits_stored;
    const bool    sign    = frame.pixel_representation == 1;
    const int64_t lo      = sign ? -((int64_t) 1 << (bs - 1)) : 0;
    const int64_t hi      = sign ? ((int64_t) 1 << (bs - 1)) - 1 : ((int64_t) 1 << bs) - 1;
    const uint32_t mask   = bs >= 32 ? 0xffffffffu : (((uint32_t) 1 << bs) - 1);
    auto           stored = [&](int64_t i) -> int64_t {
        const uint32_t v = sample_at(samples + i * bytes, bytes) & mask;
        if (sign && (v >> (bs - 1)) & 1u) {
            return (int64_t) v - ((int64_t) 1 << bs);
        }
        return (int64_t) v;
    };

    const bool has_lut = !frame.voi_lut_descriptor.empty() || !frame.voi_lut_data.empty();
    int64_t    lut_n = 0, lut_first = 0;
    double     lut_max = 0.0;
    if (has_lut) {
        if (frame.voi_lut_descriptor.size() != 3) {
            return fail(err, err_code, "decode", "VOI LUT descriptor has " + std::to_string(frame.voi_lut_descriptor.size()) +
                                                     " values, expected 3");
        }
        lut_n               = frame.voi_lut_descriptor[0] == 0 ? 65536 : frame.voi_lut_descriptor[0];
        lut_first           = frame.voi_lut_descriptor[1];
        const int32_t lbits = frame.voi_lut_descriptor[2];
        if (lut_n < 1 || lut_n > 65536 || lbits < 8 || lbits > 16) {
            return fail(err, err_code, "decode", "VOI LUT descriptor (" + std::to_string(frame.voi_lut_descriptor[0]) + ", " +
                                                     std::to_string(lut_first) + ", " + std::to_string(lbits) +
                                                     ") is not supported (1..65536 entries, 8..16 bits)");
        }
        if ((int64_t) frame.voi_lut_data.size() < lut_n) {
            return fail(err, err_code, "decode", "VOI LUT data has " + std::to_string(frame.voi_lut_data.size()) +
                                                     " entries, the descriptor says " + std::to_string(lut_n));
        }
        lut_max = (double) (((int64_t) 1 << lbits) - 1);
        gi.voi  = "lut";
    } else if (!trim(frame.window_center).empty() || !trim(frame.window_width).empty()) {
        if (!dicom_parse_number(frame.window_center, &gi.center)) {
            return fail(err, err_code, "decode", "window center '" + shown(frame.window_center) + "' is not a number");
        }
        if (!dicom_parse_number(frame.window_width, &gi.width)) {
            return fail(err, err_code, "decode", "window width '" + shown(frame.window_width) + "' is not a number");
        }
        if (gi.width < 1.0) {
            return fail(err, err_code, "decode", "window width " + shown(frame.window_width) + " is below 1");
        }
        gi.voi = "window";
    } else {
        double a = (double) lo * gi.slope + gi.intercept, b = (double) hi * gi.slope + gi.intercept;
        if (a > b) std::swap(a, b);
        gi.center = (a + b + 1.0) / 2.0;
        gi.width  = b - a + 1.0;
        gi.voi    = "default";
        if (!std::isfinite(gi.center) || !std::isfinite(gi.width)) {
            return fail(err, err_code, "decode", "rescale slope '" + shown(frame.rescale_slope) +
                                                     "' and intercept '" + shown(frame.rescale_intercept) +
                                                     "' overflow the stored range");
        }
    }
    gi.inverted = trim(frame.photometric) == "MONOCHROME1";

    const double c = gi.center, w = gi.width;
    const double below = c - 0.5 - (w - 1.0) / 2.0, above = c - 0.5 + (w - 1.0) / 2.0;
    grey->data.resize((size_t) n);
    for (int64_t i = 0; i < n; i++) {
        const double m = (double) stored(i) * gi.slope + gi.intercept;
        double       y;
        if (has_lut) {
            const double  fm  = std::floor(m) - (double) lut_first;
            const int64_t idx = fm <= 0.0 ? 0 : fm >= (double) (lut_n - 1) ? lut_n - 1 : (int64_t) fm;
            y                 = (double) frame.voi_lut_data[(size_t) idx] * 255.0 / lut_max;
        } else if (m <= below) {
            y = 0.0;
        } else if (m > above) {
            y = 255.0;
        } else {
            y = ((m - (c - 0.5)) / (w - 1.0) + 0.5) * 255.0;
        }
        double g = std::floor(y + 0.5);
        g        = !(g >= 0.0) ? 0.0 : g > 255.0 ? 255.0 : g;  // NaN (never from checked input) -> 0
        const uint8_t v = (uint8_t) g;
        grey->data[(size_t) i] = gi.inverted ? (uint8_t) (255 - v) : v;
    }
    if (info) *info = gi;
    return true;
}

bool dicom_package_modality(const std::string & dicom_modality, const std::string & body_part,
                            const std::vector<std::string> & package_modalities, std::string * id, std::string * err) {
    const std::string mod = trim(dicom_modality), part = trim(body_part);
    id->clear();
    if (mod.empty()) {
        return true;  // no say: the next rule decides (modality_choose: the detector, then the default)
    }
    std::string want, wanted_part;
    if (mod == "CR" || mod == "DX") {
        want        = "cxr";
        wanted_part = "CHEST";
    } else if (mod == "MR") {
        want = "mri";
        if (part != "HEAD" && part != "BRAIN") wanted_part = "BRAIN";
    }
    std::string have;
    bool        in_package = false;
    for (const auto & m : package_modalities) {
        have += (have.empty() ? "" : ", ") + m;
        in_package = in_package || m == want;
    }
    if (want.empty() || !in_package) {
        *err = "modality " + shown(mod) + " is not covered by this package (" + have + ")";
        return false;
    }
    if (!part.empty() && !wanted_part.empty() && part != wanted_part) {
        *err = mod + " of body part " + shown(part) + " is not covered by this package (" + want + ": " +
               (want == "cxr" ? "chest" : "brain") + ")";
        return false;
    }
    *id = want;
    return true;
}
