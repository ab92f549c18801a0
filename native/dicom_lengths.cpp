#include "dicom_lengths.h"

#include "dicom.h"

#include <gdcmDictEntry.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmTag.h>
#include <gdcmVR.h>

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr uint32_t k_undefined = 0xffffffffu;  // an undefined length (sequences, items, fragments)
constexpr int      k_max_depth = 32;           // sequences inside sequences

uint16_t le16(const uint8_t * p) { return (uint16_t) (p[0] | p[1] << 8); }
uint32_t le32(const uint8_t * p) { return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24; }

// The explicit VRs (PS3.5 6.2), and those whose header has two reserved bytes and a 4-byte
// length (PS3.5 7.1.2).
bool vr_in(const uint8_t * v, const char * const * list, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (v[0] == (uint8_t) list[i][0] && v[1] == (uint8_t) list[i][1]) return true;
    }
    return false;
}
bool known_vr(const uint8_t * v) {
    static const char * const k[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL",
                                     "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US",
                                     "UT", "UV"};
    return vr_in(v, k, sizeof k / sizeof k[0]);
}
bool long_vr(const uint8_t * v) {
    static const char * const k[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
    return vr_in(v, k, sizeof k / sizeof k[0]);
}

std::string tag_text(uint16_t g, uint16_t e) {
    char t[16];
    std::snprintf(t, sizeof t, "(%04X,%04X)", g, e);
    return t;
}

enum class walk { ok, refused };

class length_walk {
public:
    length_walk(const uint8_t * b, size_t n) : b_(b), n_(n) {}

    // Elements from pos to end: up to end, an item delimitation (in_item), or, for the meta
    // group (meta), the first element of another group. *next: where it ended.
    walk data_set(size_t pos, size_t end, bool explicit_vr, int depth, bool in_item, bool meta, size_t * next) {
        while (true) {
            *next = pos;
            if (pos >= end || end - pos < 8) {
                // the data set's end; a few stray bytes after the top level's last element are
                // left to GDCM (no length to allocate in them)
                if (pos == end || (depth == 0 && !in_item && pos < end)) return walk::ok;
                return corrupt(pos, in_item ? "an item without its delimitation" : "an element cut short");
            }
            const uint16_t g = le16(b_ + pos), e = le16(b_ + pos + 2);
            if (meta && g != 0x0002) return walk::ok;
            if (g == 0xfffe) {
                if (in_item && e == 0xe00d) {
                    *next = pos + 8;
                    return walk::ok;
                }
                return corrupt(pos, "an item or delimiter " + tag_text(g, e) + " where an element belongs");
            }
            uint32_t len = 0;
            size_t   hdr = 8;
            bool     sq = false, un = false;
            if (explicit_vr && known_vr(b_ + pos + 4)) {
                sq = b_[pos + 4] == 'S' && b_[pos + 5] == 'Q';
                un = b_[pos + 4] == 'U' && b_[pos + 5] == 'N';
                if (long_vr(b_ + pos + 4)) {
                    if (end - pos < 12) return corrupt(pos, "an element cut short");
                    len = le32(b_ + pos + 8);
                    hdr = 12;
                } else {
                    len = le16(b_ + pos + 6);
                }
            } else if (explicit_vr) {
                // GDCM re-reads such a file in other encodings (16-bit lengths for every VR, then
                // implicit VR), where the lengths are other numbers than the ones checked here.
                return corrupt(pos, "element " + tag_text(g, e) + " without a valid VR");
            } else {
                // Implicit VR: a sequence where GDCM's dictionary says so, or where the value
                // starts as one.
                len = le32(b_ + pos + 4);
                sq  = implicit_sq(g, e, pos + 8, len);
            }
            const size_t value      = pos + hdr;
            const bool   pixel_data = g == 0x7fe0 && e == 0x0010;
            if (meta && g == 0x0002 && e == 0x0010 && len != k_undefined && len <= n_ - value) {
                transfer_syntax.assign((const char *) b_ + value, len);
            }
            if (len == k_undefined) {
                walk w;
                if (pixel_data || (explicit_vr && !sq && !un)) {
                    w = fragments(value, end, next);  // encapsulated pixel data (or an OB of undefined length)
                } else {
                    // a sequence; an explicit UN of undefined length holds implicit VR (PS3.5 6.2.2)
                    w = sequence(value, end, explicit_vr && !un, depth + 1, false, next);
                }
                if (w != walk::ok) return w;
                pos = *next;
                continue;
            }
            if (len > n_ - value && pixel_data && depth == 0 && top_level_pixels) {
                // A file cut inside its pixel data (the last element): the length the caller
                // gives GDCM instead, so that the core can say how much of the frame is there.
                pixel_length_at = value - 4;
                pixel_bytes     = (uint32_t) (n_ - value);
                pos             = n_;
                continue;
            }
            if (len > n_ - value) {
                return refuse("element " + tag_text(g, e) + " declares " + std::to_string(len) + " bytes, " +
                              std::to_string(n_ - value) + " are left");
            }
            if (sq && len > 0 && !pixel_data) {
                size_t inner = 0;
                if (sequence(value, value + len, explicit_vr, depth + 1, true, &inner) == walk::refused) {
                    return walk::refused;
                }
            }
            pos = value + len;
        }
    }

    // Items from pos: up to end (a sequence of defined length) or its delimitation.
    walk sequence(size_t pos, size_t end, bool explicit_vr, int depth, bool defined, size_t * next) {
        if (depth > k_max_depth) {
            return refuse("sequences nested deeper than " + std::to_string(k_max_depth) + " levels");
        }
        while (true) {
            *next = pos;
            if (pos >= end || end - pos < 8) {
                if (defined && pos == end) return walk::ok;
                return corrupt(pos, "a sequence without its delimitation");
            }
            const uint16_t g = le16(b_ + pos), e = le16(b_ + pos + 2);
            const uint32_t len = le32(b_ + pos + 4);
            if (g != 0xfffe || (e != 0xe0dd && e != 0xe000)) {
                return corrupt(pos, tag_text(g, e) + " where a sequence's item belongs");
            }
            if (e == 0xe0dd) {
                *next = pos + 8;
                return walk::ok;
            }
            if (len == k_undefined) {
                const walk w = data_set(pos + 8, end, explicit_vr, depth, true, false, next);
                if (w != walk::ok) return w;
                pos = *next;
                continue;
            }
            if (len > n_ - (pos + 8)) {
                return refuse("an item declares " + std::to_string(len) + " bytes, " + std::to_string(n_ - (pos + 8)) +
                              " are left");
            }
            size_t inner = 0;
            if (data_set(pos + 8, pos + 8 + len, explicit_vr, depth, false, false, &inner) == walk::refused) {
                return walk::refused;
            }
            pos = pos + 8 + len;
        }
    }

    // Fragments (items of bytes) up to the sequence delimitation.
    walk fragments(size_t pos, size_t end, size_t * next) {
        while (true) {
            *next = pos;
            if (pos >= end || end - pos < 8) return corrupt(pos, "encapsulated pixel data without its delimitation");
            const uint16_t g = le16(b_ + pos), e = le16(b_ + pos + 2);
            const uint32_t len = le32(b_ + pos + 4);
            if (g == 0xfffe && e == 0xe0dd) {
                *next = pos + 8;
                return walk::ok;
            }
            if (g != 0xfffe || e != 0xe000 || len == k_undefined) {
                return corrupt(pos, tag_text(g, e) + " where a pixel data fragment belongs");
            }
            if (len > n_ - (pos + 8)) {
                return refuse("a pixel data fragment declares " + std::to_string(len) + " bytes, " +
                              std::to_string(n_ - (pos + 8)) + " are left");
            }
            pos += 8 + (size_t) len;
        }
    }

    std::string error;
    std::string transfer_syntax;           // the meta group's (0002,0010), as stored
    size_t      offset           = 0;      // of the bytes walked in the file (messages)
    bool        top_level_pixels = false;  // a short pixel data element is noted, not refused
    size_t      pixel_length_at  = 0;      // where its 4-byte length is (0: none)
    uint32_t    pixel_bytes      = 0;      // the bytes of it the file holds

private:
    walk refuse(const std::string & why) {
        error = why;
        return walk::refused;
    }
    walk corrupt(size_t pos, const std::string & what) {
        return refuse("truncated or corrupt: " + what + " at byte " + std::to_string(pos + offset));
    }

    bool implicit_sq(uint16_t g, uint16_t e, size_t value, uint32_t len) const {
        if (g == 0x7fe0 && e == 0x0010) return false;
        if (len != k_undefined && len >= 4 && value <= n_ - 4 && le16(b_ + value) == 0xfffe && le16(b_ + value + 2) == 0xe000) {
            return true;
        }
        const gdcm::DictEntry & de = gdcm::Global::GetInstance().GetDicts().GetDictEntry(gdcm::Tag(g, e));
        return de.GetVR() == gdcm::VR::SQ;
    }

    const uint8_t * b_;
    size_t          n_;
};

// Inflates a deflated data set (raw deflate, PS3.5 A.5) into *out, at most `most` bytes.
// -1: corrupt (GDCM will say so), 0: more than `most`, 1: done.
int inflate_bounded(const uint8_t * b, size_t n, uint64_t most, std::vector<uint8_t> * out) {
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return -1;
    zs.next_in  = const_cast<Bytef *>(b);
    zs.avail_in = (uInt) std::min<size_t>(n, 0x7fffffff);
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (out->size() >= most) {
            inflateEnd(&zs);
            return 0;
        }
        const size_t have = out->size(), chunk = (size_t) std::min<uint64_t>(65536, most - have);
        out->resize(have + chunk);
        zs.next_out  = out->data() + have;
        zs.avail_out = (uInt) chunk;
        rc           = inflate(&zs, Z_NO_FLUSH);
        out->resize(have + chunk - zs.avail_out);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // the input ends without a final block
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END ? 1 : -1;
}

bool fail(std::string * err, std::string * err_code, const char * code, const std::string & msg) {
    if (err) *err = msg;
    if (err_code) *err_code = code;
    return false;
}

} // namespace

bool dicom_check_lengths(const uint8_t * bytes, size_t size, const image_limits & limits, size_t * pixel_length_at,
                         uint32_t * pixel_bytes, std::string * err, std::string * err_code) {
    if (pixel_length_at) *pixel_length_at = 0;
    if (pixel_bytes) *pixel_bytes = 0;
    if (!dicom_is_part10(bytes, size)) return true;
    length_walk meta(bytes, size);
    size_t      pos = 0;
    const walk  m   = meta.data_set(132, size, true, 0, false, true, &pos);
    if (m == walk::refused) {
        return fail(err, err_code, "decode", "cannot parse the DICOM file (" + meta.error + ")");
    }
    // A transfer syntax RadZ does not read (or none stated) is refused before GDCM parses the
    // data set, with the message dicom_check_header gives after it.
    const std::string ts = dicom_trim(meta.transfer_syntax);
    if (!dicom_check_transfer_syntax(ts, err, err_code)) {
        return false;
    }
    if (ts == "1.2.840.10008.1.2.1.99") {
        std::vector<uint8_t> inflated;
        const uint64_t       most = limits.max_file_bytes + limits.max_decoded_bytes;
        if (inflate_bounded(bytes + pos, size - pos, most, &inflated) == 0) {
            return fail(err, err_code, "limits", "the deflated data set inflates to more than " + std::to_string(most) + " bytes");
        }
        // A corrupt or cut deflate stream: what inflates is what GDCM will read.
        length_walk body(inflated.data(), inflated.size());
        size_t      end = 0;
        if (body.data_set(0, inflated.size(), true, 0, false, false, &end) == walk::refused) {
            return fail(err, err_code, "decode", "cannot parse the DICOM file (" + body.error + " of the inflated data set)");
        }
        return true;
    }
    length_walk body(bytes, size);
    size_t      end       = 0;
    body.top_level_pixels = true;
    if (body.data_set(pos, size, ts != "1.2.840.10008.1.2", 0, false, false, &end) == walk::refused) {
        return fail(err, err_code, "decode", "cannot parse the DICOM file (" + body.error + ")");
    }
    if (pixel_length_at) {
        *pixel_length_at = body.pixel_length_at;
        *pixel_bytes     = body.pixel_bytes;
    }
    return true;
}
