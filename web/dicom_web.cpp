// The browser's DICOM reader (core/dicom.h's dicom_reader): the file is parsed and its first
// frame decoded in JavaScript (web/page/dicom.js: dicom-parser and the Cornerstone wasm codecs,
// in their own worker); what they found reaches the module as Module.radzDicom =
// {attrs: JSON text of the attributes, samples: Uint8Array, jpeg: Uint8Array} or
// {error, code}, and the core's rules (dicom_frame_grey) do the rest, as natively.
// dicomCheckHeader (embind) is the check the JavaScript side runs before decoding anything.
#include "dicom_web.h"

#include <emscripten.h>
#include <emscripten/bind.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

EM_JS(char *, radz_web_dicom_text, (const char * key), {
    var d = Module.radzDicom;
    var v = d ? d[UTF8ToString(key)] : undefined;
    var s = typeof v === "string" ? v : "";
    var n = lengthBytesUTF8(s) + 1;
    var p = _malloc(n);
    stringToUTF8(s, p, n);
    return p;
});

EM_JS(double, radz_web_dicom_bytes_size, (const char * key), {
    var d = Module.radzDicom;
    var v = d ? d[UTF8ToString(key)] : null;
    return v && v.length !== undefined ? v.length : 0;
});

EM_JS(void, radz_web_dicom_bytes_copy, (const char * key, uint8_t * dst), {
    HEAPU8.set(Module.radzDicom[UTF8ToString(key)], dst);
});

namespace {

std::string text(const char * key) {
    char *      p = radz_web_dicom_text(key);
    std::string s(p);
    std::free(p);
    return s;
}

void bytes(const char * key, std::vector<uint8_t> * out) {
    out->resize((size_t) radz_web_dicom_bytes_size(key));
    if (!out->empty()) {
        radz_web_dicom_bytes_copy(key, out->data());
    }
}

image_limits g_limits;  // the open package's (dicom_web_use)

bool fail(std::string * err, std::string * err_code, const std::string & code, const std::string & msg) {
    if (err) *err = msg;
    if (err_code) *err_code = code;
    return false;
}

} // namespace

bool dicom_web_attributes(const std::string & attrs_json, dicom_frame * f, std::string * err) {
    using json = nlohmann::json;
    json j;
    try {
        j = json::parse(attrs_json);
    } catch (const std::exception & e) {
        *err = std::string("DICOM attributes: not JSON (") + e.what() + ")";
        return false;
    }
    if (!j.is_object()) {
        *err = "DICOM attributes: expected an object";
        return false;
    }
    auto s = [&](const char * k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    auto n = [&](const char * k, int32_t d) {
        return j.contains(k) && j[k].is_number_integer() ? (int32_t) j[k].get<int64_t>() : d;
    };
    f->transfer_syntax      = s("transfer_syntax");
    f->modality             = s("modality");
    f->body_part            = s("body_part");
    f->rows                 = n("rows", 0);
    f->columns              = n("columns", 0);
    f->samples_per_pixel    = n("samples_per_pixel", 1);
    f->bits_allocated       = n("bits_allocated", 0);
    f->bits_stored          = n("bits_stored", f->bits_allocated);
    f->pixel_representation = n("pixel_representation", 0);
    f->planar_configuration = n("planar_configuration", 0);
    f->photometric          = s("photometric");
    f->number_of_frames     = s("number_of_frames");
    f->rescale_slope        = s("rescale_slope");
    f->rescale_intercept    = s("rescale_intercept");
    f->window_center        = s("window_center");
    f->window_width         = s("window_width");
    f->voi_lut_descriptor.clear();
    f->voi_lut_data.clear();
    if (j.contains("voi_lut_descriptor") && j["voi_lut_descriptor"].is_array()) {
        for (const auto & v : j["voi_lut_descriptor"]) {
            f->voi_lut_descriptor.push_back(v.is_number_integer() ? (int32_t) v.get<int64_t>() : 0);
        }
    }
    if (j.contains("voi_lut_data") && j["voi_lut_data"].is_array()) {
        for (const auto & v : j["voi_lut_data"]) {
            f->voi_lut_data.push_back(v.is_number_unsigned() ? (uint16_t) v.get<uint64_t>() : 0);
        }
    }
    return true;
}

bool dicom_web_read(const uint8_t *, size_t, const image_limits & limits, dicom_frame * f, std::string * err,
                    std::string * err_code) {
    *f = dicom_frame();
    const std::string e = text("error");
    if (!e.empty()) {
        const std::string code = text("code");
        return fail(err, err_code, code.empty() ? "decode" : code, e);
    }
    const std::string attrs = text("attrs");
    if (attrs.empty()) {
        return fail(err, err_code, "decode", "the DICOM file was not decoded by the page");
    }
    if (!dicom_web_attributes(attrs, f, err)) {
        if (err_code) *err_code = "decode";
        return false;
    }
    if (!dicom_check_header(*f, limits, err, err_code)) {
        return false;
    }
    bytes("samples", &f->samples);
    bytes("jpeg", &f->jpeg);
    return true;
}

void dicom_web_use(pipeline & pl) {
    g_limits.max_side       = pl.pkg.image.max_side;
    g_limits.max_file_bytes = pl.pkg.image.max_file_bytes;
    pl.dicom_read           = dicom_web_read;
}

namespace {

// "" when the attributes pass dicom_check_header with the open package's limits, else
// "code\tmessage".
std::string dicom_web_check_header(const std::string & attrs_json) {
    dicom_frame f;
    std::string err, code = "decode";
    if (!dicom_web_attributes(attrs_json, &f, &err) || !dicom_check_header(f, g_limits, &err, &code)) {
        return code + "\t" + err;
    }
    return "";
}

// The grey image the core's rules make of the frame in Module.radzDicom (for the page to show):
// {width, height, grey: Uint8Array}, or null when it cannot be made.
emscripten::val dicom_web_grey() {
    dicom_frame f;
    image_u8    grey;
    std::string err, code;
    if (!dicom_web_read(nullptr, 0, g_limits, &f, &err, &code) || !dicom_frame_grey(f, g_limits, &grey, nullptr, &err, &code)) {
        return emscripten::val::null();
    }
    emscripten::val out = emscripten::val::object();
    out.set("width", grey.width);
    out.set("height", grey.height);
    emscripten::val view(emscripten::typed_memory_view(grey.data.size(), grey.data.data()));
    out.set("grey", emscripten::val::global("Uint8Array").new_(view));  // a copy: grey is freed on return
    return out;
}

} // namespace

EMSCRIPTEN_BINDINGS(radz_dicom_web) {
    emscripten::function("dicomCheckHeader", &dicom_web_check_header);
    emscripten::function("dicomGrey", &dicom_web_grey);
}
