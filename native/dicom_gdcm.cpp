#include "dicom_gdcm.h"

#include "dicom_lengths.h"

#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTrace.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
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

// GDCM's part: parses the file (lengths already checked), fills *f, decodes the first frame.
bool gdcm_read(const std::string & text, const image_limits & limits, dicom_frame * f, std::string * err,
               std::string * err_code) {
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
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
        // one (a truncated file, its length cut to what is there above) is handed over as it
        // is and refused by the core.
        const gdcm::ByteValue * bv = pixels.GetByteValue();
        if (!bv) {
            return fail(err, err_code, "decode", "no pixel data (7FE0,0010) in the DICOM file");
        }
        const auto * p = reinterpret_cast<const uint8_t *>(bv->GetPointer());
        f->samples.assign(p, p + std::min<size_t>(first, bv->GetLength()));
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

// What the child process hands back: gdcm_read's result, its error and the frame, as
// length-prefixed fields (the two processes are the same program).
void put_bytes(std::string * o, const void * p, size_t n) {
    const uint64_t len = n;
    o->append(reinterpret_cast<const char *>(&len), sizeof len);
    o->append(reinterpret_cast<const char *>(p), n);
}
void put_string(std::string * o, const std::string & s) { put_bytes(o, s.data(), s.size()); }
template <typename T> void put_vector(std::string * o, const std::vector<T> & v) { put_bytes(o, v.data(), v.size() * sizeof(T)); }

struct reader_in {
    const std::string & b;
    size_t              pos = 0;
    bool                ok  = true;
    bool bytes(std::string * out) {
        uint64_t len = 0;
        if (!ok || b.size() - pos < sizeof len) return ok = false;
        std::memcpy(&len, b.data() + pos, sizeof len);
        pos += sizeof len;
        if (b.size() - pos < len) return ok = false;
        out->assign(b.data() + pos, (size_t) len);
        pos += (size_t) len;
        return true;
    }
    template <typename T> void vec(std::vector<T> * v) {
        std::string s;
        if (!bytes(&s) || s.size() % sizeof(T)) {
            ok = false;
            return;
        }
        v->resize(s.size() / sizeof(T));
        if (!s.empty()) std::memcpy(v->data(), s.data(), s.size());
    }
};

std::string frame_to_bytes(bool ok, const std::string & err, const std::string & code, const dicom_frame & f) {
    std::string o;
    put_string(&o, ok ? "1" : "0");
    put_string(&o, err);
    put_string(&o, code);
    for (const std::string * t : {&f.transfer_syntax, &f.modality, &f.body_part, &f.photometric, &f.number_of_frames,
                                  &f.rescale_slope, &f.rescale_intercept, &f.window_center, &f.window_width}) {
        put_string(&o, *t);
    }
    const std::vector<int32_t> ints = {f.rows, f.columns, f.samples_per_pixel, f.bits_allocated, f.bits_stored,
                                       f.pixel_representation, f.planar_configuration};
    put_vector(&o, ints);
    put_vector(&o, f.voi_lut_descriptor);
    put_vector(&o, f.voi_lut_data);
    put_vector(&o, f.samples);
    put_vector(&o, f.jpeg);
    return o;
}

bool frame_from_bytes(const std::string & b, bool * ok, std::string * err, std::string * code, dicom_frame * f) {
    reader_in   r{b};
    std::string flag;
    r.bytes(&flag);
    r.bytes(err);
    r.bytes(code);
    for (std::string * t : {&f->transfer_syntax, &f->modality, &f->body_part, &f->photometric, &f->number_of_frames,
                            &f->rescale_slope, &f->rescale_intercept, &f->window_center, &f->window_width}) {
        r.bytes(t);
    }
    std::vector<int32_t> ints;
    r.vec(&ints);
    if (!r.ok || ints.size() != 7) return false;
    f->rows                 = ints[0];
    f->columns              = ints[1];
    f->samples_per_pixel    = ints[2];
    f->bits_allocated       = ints[3];
    f->bits_stored          = ints[4];
    f->pixel_representation = ints[5];
    f->planar_configuration = ints[6];
    r.vec(&f->voi_lut_descriptor);
    r.vec(&f->voi_lut_data);
    r.vec(&f->samples);
    r.vec(&f->jpeg);
    *ok = flag == "1";
    return r.ok && r.pos == b.size();
}

// gdcm_read in a child process. Debian builds GDCM with its assertions on, and its codecs assert
// on corrupt streams (GDCM's JPEG codec on a libjpeg warning, VR16ExplicitDataElement on an
// element it cannot place: both found by the dicom fuzz target), which would abort the CLI or
// the app; a child that dies, or runs past `seconds`, is one refused file instead.
bool gdcm_read_isolated(const std::string & text, const image_limits & limits, int seconds, dicom_frame * f,
                        std::string * err, std::string * err_code) {
    int fds[2];
    if (pipe(fds) != 0) {
        return fail(err, err_code, "decode", std::string("cannot start the DICOM reader (pipe: ") + std::strerror(errno) + ")");
    }
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return fail(err, err_code, "decode", std::string("cannot start the DICOM reader (fork: ") + std::strerror(errno) + ")");
    }
    if (pid == 0) {
        close(fds[0]);
        // The child dies by GDCM's own abort, not by a handler of the parent's (a fuzzer's,
        // a sanitizer's) reporting it as the parent's crash.
        for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
        dicom_frame child;
        std::string e, c;
        const bool  ok  = gdcm_read(text, limits, &child, &e, &c);
        const std::string out = frame_to_bytes(ok, e, c, child);
        for (size_t at = 0; at < out.size();) {
            const ssize_t w = write(fds[1], out.data() + at, out.size() - at);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) _exit(3);
            at += (size_t) w;
        }
        _exit(0);  // no atexit handlers, no stdio flush: the parent's
    }
    close(fds[1]);
    std::string got;
    char        chunk[65536];
    bool        timed_out = false;
    const auto  deadline  = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd pfd{fds[0], POLLIN, 0};
        const int pr = poll(&pfd, 1, (int) std::min<long long>(left, 1000));
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) break;
        if (pr == 0) continue;
        const ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got.append(chunk, (size_t) n);
    }
    close(fds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        return fail(err, err_code, "decode", "the DICOM reader (GDCM) did not finish within " + std::to_string(seconds) + " s");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const std::string how = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                    : "exit code " + std::to_string(WEXITSTATUS(status));
        return fail(err, err_code, "decode", "the DICOM reader (GDCM) failed on this file (" + how + ")");
    }
    bool ok = false;
    if (!frame_from_bytes(got, &ok, err, err_code, f)) {
        *f = dicom_frame();
        return fail(err, err_code, "decode", "the DICOM reader (GDCM) handed back no result");
    }
    return ok;
}

} // namespace

bool dicom_gdcm_read(const uint8_t * bytes, size_t size, const image_limits & limits, dicom_frame * f,
                     std::string * err, std::string * err_code) {
    *f = dicom_frame();
    if ((uint64_t) size > limits.max_file_bytes) {
        return fail(err, err_code, "limits", "file is " + std::to_string(size) + " bytes, larger than the limit of " +
                                                 std::to_string(limits.max_file_bytes));
    }
    // GDCM allocates each value at its declared length before reading it: the lengths are
    // checked against the file first (native/dicom_lengths.h).
    size_t   pixel_length_at = 0;
    uint32_t pixel_bytes     = 0;
    if (!dicom_check_lengths(bytes, size, limits, &pixel_length_at, &pixel_bytes, err, err_code)) {
        return false;
    }
    std::string text(reinterpret_cast<const char *>(bytes), size);
    if (pixel_length_at) {
        // A file cut inside its pixel data: GDCM reads the bytes there are (not a buffer of the
        // declared length), the core then says how much of the frame is missing.
        for (int k = 0; k < 4; k++) text[pixel_length_at + k] = (char) (pixel_bytes >> (8 * k));
    }
    return gdcm_read_isolated(text, limits, 60, f, err, err_code);
}
