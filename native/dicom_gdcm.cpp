#include "dicom_gdcm.h"

#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTrace.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <sstream>

namespace {

bool fail(std::string * err, std::string * err_code, const char * code, const std::string & msg) {
    if (err) *err = msg;
    if (err_code) *err_code = code;
    return false;
}

const gdcm::ByteValue * value_of(const gdcm::DataSet & ds, uint16_t group, uint16_t element) {
    const gdcm::Tag t(group, element);
    if (!ds.FindDataElement(t)) return nullptr;
    const gdcm::DataElement & de = ds.GetDataElement(t);
    return de.IsEmpty() ? nullptr : de.GetByteValue();
}

// A text attribute (CS, DS, IS, UI) as stored, "" when absent.
std::string text_of(const gdcm::DataSet & ds, uint16_t group, uint16_t element) {
    const gdcm::ByteValue * bv = value_of(ds, group, element);
    return bv ? std::string(bv->GetPointer(), bv->GetLength()) : std::string();
}

// The k-th US value (little endian: the transfer syntaxes read are all little endian), or dflt.
int32_t us_of(const gdcm::DataSet & ds, uint16_t group, uint16_t element, int32_t dflt, size_t k = 0) {
    const gdcm::ByteValue * bv = value_of(ds, group, element);
    if (!bv || bv->GetLength() < 2 * (k + 1)) return dflt;
    const auto * p = reinterpret_cast<const uint8_t *>(bv->GetPointer()) + 2 * k;
    return (int32_t) ((uint32_t) p[0] | (uint32_t) p[1] << 8);
}

// The first item of the VOI LUT Sequence (0028,3010), if any.
void read_voi_lut(const gdcm::DataSet & ds, int32_t pixel_representation, dicom_frame * f) {
    const gdcm::Tag t(0x0028, 0x3010);
    if (!ds.FindDataElement(t)) return;
    gdcm::SmartPointer<gdcm::SequenceOfItems> sq = ds.GetDataElement(t).GetValueAsSQ();
    if (!sq || sq->GetNumberOfItems() < 1) return;
    const gdcm::DataSet & item = sq->GetItem(1).GetNestedDataSet();
    const gdcm::ByteValue * desc = value_of(item, 0x0028, 0x3002);
    const gdcm::ByteValue * data = value_of(item, 0x0028, 0x3006);
    if (desc) {
        for (size_t k = 0; k < desc->GetLength() / 2 && k < 3; k++) {
            int32_t v = us_of(item, 0x0028, 0x3002, 0, k);
            if (k == 1 && pixel_representation == 1 && v >= 32768) v -= 65536;  // first mapped value is SS then
            f->voi_lut_descriptor.push_back(v);
        }
    }
    if (data) {
        const auto * p = reinterpret_cast<const uint8_t *>(data->GetPointer());
        for (size_t k = 0; k + 1 < data->GetLength(); k += 2) {
            f->voi_lut_data.push_back((uint16_t) (p[k] | p[k + 1] << 8));
        }
    }
}

// The first frame's baseline JPEG bitstream: fragments up to the first one ending in EOI.
bool first_jpeg_frame(const gdcm::DataSet & ds, std::vector<uint8_t> * out) {
    const gdcm::Tag t(0x7fe0, 0x0010);
    const gdcm::SequenceOfFragments * sf = ds.GetDataElement(t).GetSequenceOfFragments();
    if (!sf) return false;
    for (size_t i = 0; i < sf->GetNumberOfFragments(); i++) {
        const gdcm::ByteValue * bv = sf->GetFragment(i).GetByteValue();
        if (!bv) continue;
        const auto * p = reinterpret_cast<const uint8_t *>(bv->GetPointer());
        out->insert(out->end(), p, p + bv->GetLength());
        size_t n = out->size();
        while (n > 0 && (*out)[n - 1] == 0) n--;  // fragments are padded to an even length
        if (n >= 2 && (*out)[n - 2] == 0xff && (*out)[n - 1] == 0xd9) break;
    }
    return !out->empty();
}

// GDCM reads a file cut inside the pixel data without complaint (the value keeps its declared
// length): how many bytes of the (7FE0,0010) value of length `vl` the file really holds, found
// from the end of the file (the pixel data is its last element). Where the element is not found
// as stored (a deflated file: GDCM inflated it), `vl`.
size_t stored_value_bytes(const uint8_t * b, size_t n, uint32_t vl) {
    if (n < 12) return vl;
    for (size_t i = n - 12 + 1; i-- > 0;) {
        if (b[i] == 0xe0 && b[i + 1] == 0x7f && b[i + 2] == 0x10 && b[i + 3] == 0x00) {
            const uint32_t implicit_len = (uint32_t) b[i + 4] | (uint32_t) b[i + 5] << 8 | (uint32_t) b[i + 6] << 16 |
                                          (uint32_t) b[i + 7] << 24;
            const uint32_t explicit_len = (uint32_t) b[i + 8] | (uint32_t) b[i + 9] << 8 | (uint32_t) b[i + 10] << 16 |
                                          (uint32_t) b[i + 11] << 24;
            const bool ob_ow = (b[i + 4] == 'O' && (b[i + 5] == 'B' || b[i + 5] == 'W'));
            if (ob_ow && explicit_len == vl) return n - (i + 12);
            if (!ob_ow && implicit_len == vl) return n - (i + 8);
        }
    }
    return vl;
}

// Runs decode() with file descriptor 2 pointed at a temporary file, so that what a codec prints
// itself (GDCM's OpenJPEG: "Tile part length size inconsistent with stream length", past
// gdcm::Trace) becomes part of our one-line error instead of a second line. *said gets its first
// line. Serialised: descriptor 2 is the process's.
template <typename F> bool quiet_stderr(F decode, std::string * said) {
    static std::mutex           m;
    std::lock_guard<std::mutex> lock(m);
    std::fflush(stderr);
    FILE *    tmp   = std::tmpfile();
    const int saved = tmp ? dup(2) : -1;
    if (saved < 0 || dup2(fileno(tmp), 2) < 0) {
        if (saved >= 0) close(saved);
        if (tmp) std::fclose(tmp);
        return decode();
    }
    const bool ok = decode();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::rewind(tmp);
    char line[200] = {0};
    if (std::fgets(line, sizeof line, tmp)) {
        *said = line;
        while (!said->empty() && (said->back() == '\n' || said->back() == '\r' || said->back() == ' ')) said->pop_back();
    }
    std::fclose(tmp);
    return ok;
}

} // namespace

bool dicom_gdcm_read(const uint8_t * bytes, size_t size, const image_limits & limits, dicom_frame * f,
                     std::string * err, std::string * err_code) {
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    *f = dicom_frame();
    if ((uint64_t) size > limits.max_file_bytes) {
        return fail(err, err_code, "limits", "file is " + std::to_string(size) + " bytes, larger than the limit of " +
                                                 std::to_string(limits.max_file_bytes));
    }
    const std::string  text(reinterpret_cast<const char *>(bytes), size);
    std::istringstream is(text);
    gdcm::ImageReader  reader;
    reader.SetStream(is);
    if (!reader.Read()) {
        // Why: a file GDCM cannot parse at all, or one without an image.
        std::istringstream is2(text);
        gdcm::Reader       plain;
        plain.SetStream(is2);
        if (!plain.Read()) {
            return fail(err, err_code, "decode", "cannot parse the DICOM file (truncated or corrupt)");
        }
        const gdcm::DataSet & ds = plain.GetFile().GetDataSet();
        if (!ds.FindDataElement(gdcm::Tag(0x7fe0, 0x0010))) {
            return fail(err, err_code, "decode", "no pixel data (7FE0,0010) in the DICOM file");
        }
        f->transfer_syntax = text_of(plain.GetFile().GetHeader(), 0x0002, 0x0010);
        if (!dicom_check_transfer_syntax(f->transfer_syntax, err, err_code)) {
            return false;
        }
        return fail(err, err_code, "decode", "cannot read the image of the DICOM file (its pixel attributes are inconsistent)");
    }
    const gdcm::File &    file = reader.GetFile();
    const gdcm::DataSet & ds   = file.GetDataSet();
    f->transfer_syntax         = text_of(file.GetHeader(), 0x0002, 0x0010);
    f->modality                = text_of(ds, 0x0008, 0x0060);
    f->body_part               = text_of(ds, 0x0018, 0x0015);
    f->samples_per_pixel       = us_of(ds, 0x0028, 0x0002, 1);
    f->photometric             = text_of(ds, 0x0028, 0x0004);
    f->rows                    = us_of(ds, 0x0028, 0x0010, 0);
    f->columns                 = us_of(ds, 0x0028, 0x0011, 0);
    f->bits_allocated          = us_of(ds, 0x0028, 0x0100, 0);
    f->bits_stored             = us_of(ds, 0x0028, 0x0101, f->bits_allocated);
    f->pixel_representation    = us_of(ds, 0x0028, 0x0103, 0);
    f->planar_configuration    = us_of(ds, 0x0028, 0x0006, 0);
    f->number_of_frames        = text_of(ds, 0x0028, 0x0008);
    f->rescale_intercept       = text_of(ds, 0x0028, 0x1052);
    f->rescale_slope           = text_of(ds, 0x0028, 0x1053);
    f->window_center           = text_of(ds, 0x0028, 0x1050);
    f->window_width            = text_of(ds, 0x0028, 0x1051);
    read_voi_lut(ds, f->pixel_representation, f);
    if (!ds.FindDataElement(gdcm::Tag(0x7fe0, 0x0010))) {
        return fail(err, err_code, "decode", "no pixel data (7FE0,0010) in the DICOM file");
    }
    // JPEG 2000 and JPEG-LS colour is stored as YBR_ICT / YBR_RCT and decoded to RGB.
    dicom_frame header = *f;
    const std::string ts_name = dicom_transfer_syntax_name(f->transfer_syntax);
    const std::string pi = dicom_trim(f->photometric);
    if (pi == "YBR_ICT" || pi == "YBR_RCT") header.photometric = "RGB";
    if (!dicom_check_header(header, limits, err, err_code)) {
        return false;
    }
    if (ts_name == std::string("JPEG baseline")) {
        if (!first_jpeg_frame(ds, &f->jpeg)) {
            return fail(err, err_code, "decode", "JPEG baseline without encapsulated JPEG data");
        }
        return true;
    }
    const gdcm::DataElement & pixels = ds.GetDataElement(gdcm::Tag(0x7fe0, 0x0010));
    const size_t first = (size_t) f->rows * f->columns * f->samples_per_pixel * (size_t) (f->bits_allocated / 8);
    if (!pixels.GetSequenceOfFragments()) {
        // Native (uncompressed, or inflated by GDCM): the value as stored, no codec. A short
        // one (a truncated file) is handed over as it is and refused by the core.
        const gdcm::ByteValue * bv = pixels.GetByteValue();
        if (!bv) {
            return fail(err, err_code, "decode", "no pixel data (7FE0,0010) in the DICOM file");
        }
        const auto * p = reinterpret_cast<const uint8_t *>(bv->GetPointer());
        const size_t have = std::min<size_t>(stored_value_bytes(bytes, size, bv->GetLength()), bv->GetLength());
        f->samples.assign(p, p + std::min<size_t>(first, have));
        return true;
    }
    const gdcm::Image & img = reader.GetImage();
    std::vector<char>   buf(img.GetBufferLength());
    std::string         said;  // what the codec printed (OpenJPEG writes to stderr itself)
    const bool decoded = quiet_stderr([&] { return img.GetBuffer(buf.data()); }, &said);
    if (!decoded) {
        return fail(err, err_code, "decode", std::string(ts_name) + ": the codec refused the pixel data (" +
                                                 (said.empty() ? std::string("corrupt or truncated") : said) + ")");
    }
    // What GDCM decoded to (its pixel format, planar configuration; colour codecs give RGB).
    const gdcm::PixelFormat & pf   = img.GetPixelFormat();
    const size_t              need = (size_t) f->rows * f->columns * f->samples_per_pixel * (pf.GetBitsAllocated() / 8);
    if (buf.size() < need) {
        return fail(err, err_code, "decode", std::string(ts_name) + ": the decoded image holds " +
                                                 std::to_string(buf.size()) + " bytes, the first frame needs " +
                                                 std::to_string(need));
    }
    f->samples.assign(reinterpret_cast<const uint8_t *>(buf.data()), reinterpret_cast<const uint8_t *>(buf.data()) + need);
    f->bits_allocated       = pf.GetBitsAllocated();
    f->bits_stored          = pf.GetBitsStored();
    f->pixel_representation = pf.GetPixelRepresentation();
    f->planar_configuration = (int32_t) img.GetPlanarConfiguration();
    if (pi == "YBR_ICT" || pi == "YBR_RCT") f->photometric = "RGB";
    return true;
}
