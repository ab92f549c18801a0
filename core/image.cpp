#include "image.h"

#include <chrono>
#include <climits>
#include <cstring>
#include <memory>

#include <stb/stb_image.h>

static void set_err(std::string * err, std::string * err_code, const char * code, const std::string & msg) {
    if (err) *err = msg;
    if (err_code) *err_code = code;
}

static uint32_t read_be32(const uint8_t * p) {
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static uint32_t read_le32(const uint8_t * p) {
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint32_t read_le16(const uint8_t * p) { return (uint32_t) p[0] | (uint32_t) p[1] << 8; }

static const uint8_t k_png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static std::string detect_format(const uint8_t * b, size_t n) {
    if (n >= 8 && memcmp(b, k_png_signature, 8) == 0) return "png";
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return "jpeg";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
    return "";
}

static const char * format_upper(const std::string & f) {
    return f == "png" ? "PNG" : f == "jpeg" ? "JPEG" : "BMP";
}

// ---- PNG: chunk walk with CRC ------------------------------------------------------------

static uint32_t crc32_update(uint32_t crc, const uint8_t * p, size_t n) {
    static uint32_t table[256];
    static bool init = false;
    if (!init) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        init = true;
    }
    for (size_t i = 0; i < n; i++) {
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return crc;
}

static std::string chunk_name(const uint8_t * p) {
    std::string s;
    for (int i = 0; i < 4; i++) {
        const char c = (char) p[i];
        s += ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ? c : '?';
    }
    return s;
}

// stb_image's failure reason for a message: printable ASCII only (one line whatever it quotes).
static std::string stb_reason() {
    const char * r = stbi_failure_reason();
    std::string  s;
    for (const char * p = r ? r : "no reason given"; *p; p++) {
        s += (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    }
    return s;
}

static bool png_header(const uint8_t * b, size_t n, int64_t * w, int64_t * h, std::string * msg) {
    if (n < 8 + 8 + 13 + 4 || memcmp(b + 12, "IHDR", 4) != 0 || read_be32(b + 8) != 13) {
        *msg = n < 8 + 8 + 13 + 4 ? "truncated PNG (no complete IHDR chunk)" : "corrupt PNG (first chunk is not IHDR)";
        return false;
    }
    *w = read_be32(b + 16);
    *h = read_be32(b + 20);
    return true;
}

static bool png_check_chunks(const uint8_t * b, size_t n, std::string * msg) {
    size_t pos = 8;
    while (true) {
        if (n - pos < 8) {
            *msg = "truncated PNG (no IEND chunk)";
            return false;
        }
        const uint32_t len = read_be32(b + pos);
        const std::string name = chunk_name(b + pos + 4);
        if (len > 0x7fffffffu) {
            *msg = "corrupt PNG (chunk " + name + " has length " + std::to_string(len) + ")";
            return false;
        }
        if ((uint64_t) n - pos - 8 < (uint64_t) len + 4) {
            *msg = "truncated PNG (chunk " + name + " ends early)";
            return false;
        }
        const uint32_t crc = crc32_update(0xffffffffu, b + pos + 4, (size_t) len + 4) ^ 0xffffffffu;
        if (crc != read_be32(b + pos + 8 + len)) {
            *msg = "bad CRC in chunk " + name;
            return false;
        }
        if (memcmp(b + pos + 4, "IEND", 4) == 0) {
            return true;
        }
        // A critical chunk (bit 5 of its first byte clear) stb_image does not know: refused
        // here as stb_image would, without its message (which quotes the four bytes as they are,
        // line breaks included, from a static buffer shared by every thread).
        if ((b[pos + 4] & 0x20) == 0 && memcmp(b + pos + 4, "IHDR", 4) != 0 && memcmp(b + pos + 4, "PLTE", 4) != 0 &&
            memcmp(b + pos + 4, "IDAT", 4) != 0 && memcmp(b + pos + 4, "CgBI", 4) != 0) {
            *msg = "corrupt PNG (unknown critical chunk " + name + ")";
            return false;
        }
        pos += 12 + (size_t) len;
    }
}

// Bytes of filtered scanlines (a filter byte and the packed samples of each row, each Adam7
// pass for an interlaced image) the IHDR says the zlib stream must inflate to; 0 when IHDR
// names no valid colour type and bit depth (stbi_info refuses those first).
static uint64_t png_raw_bytes(const uint8_t * b) {
    const uint64_t w = read_be32(b + 16), h = read_be32(b + 20);
    const int depth = b[24], colour = b[25], interlace = b[28];
    const int channels = colour == 0 ? 1 : colour == 2 ? 3 : colour == 3 ? 1 : colour == 4 ? 2 : colour == 6 ? 4 : 0;
    if (channels == 0 || (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16)) {
        return 0;
    }
    const auto rows = [&](uint64_t pw, uint64_t ph) { return ph * (1 + (pw * channels * depth + 7) / 8); };
    if (interlace == 0) {
        return rows(w, h);
    }
    static const int x0[7] = { 0, 4, 0, 2, 0, 1, 0 }, y0[7] = { 0, 0, 4, 0, 2, 0, 1 };
    static const int dx[7] = { 8, 8, 4, 4, 2, 2, 1 }, dy[7] = { 8, 8, 8, 4, 4, 2, 2 };
    uint64_t total = 0;
    for (int p = 0; p < 7; p++) {
        const uint64_t pw = w > (uint64_t) x0[p] ? (w - x0[p] + dx[p] - 1) / dx[p] : 0;
        const uint64_t ph = h > (uint64_t) y0[p] ? (h - y0[p] + dy[p] - 1) / dy[p] : 0;
        if (pw && ph) total += rows(pw, ph);
    }
    return total;
}

// The decompressed-size limit: stb_image inflates the IDAT stream into a buffer it doubles as
// needed and checks the pixel count only afterwards, so a small zlib stream could make it
// allocate up to the file size times zlib's ratio. Here the stream (chunks already checked by
// png_check_chunks) is inflated into a buffer of exactly the size the header needs, which
// stb_image's zlib cannot grow: more output is refused ("limits"), before stb_image decodes.
// A stream that inflates to less, or is corrupt, is left to stb_image's own refusal.
static bool png_check_inflated_size(const uint8_t * b, size_t n, std::string * msg) {
    const uint64_t need = png_raw_bytes(b);
    if (need == 0 || need > (uint64_t) INT_MAX) {
        return true;  // stbi_info refused the header, or the decoded-bytes limit did
    }
    // The IDAT chunks' data, in place when there is one chunk (most files), else concatenated.
    std::vector<char> joined;
    const uint8_t * first = nullptr;
    size_t first_len = 0, n_idat = 0;
    for (size_t pos = 8; n - pos >= 12;) {
        const uint32_t len = read_be32(b + pos);
        if (memcmp(b + pos + 4, "IEND", 4) == 0) break;
        if (memcmp(b + pos + 4, "IDAT", 4) == 0) {
            if (n_idat++ == 0) {
                first = b + pos + 8;
                first_len = len;
            } else {
                if (joined.empty()) joined.assign(first, first + first_len);
                joined.insert(joined.end(), b + pos + 8, b + pos + 8 + len);
            }
        }
        pos += 12 + (size_t) len;
    }
    const char * idat = n_idat > 1 ? joined.data() : (const char *) first;
    const size_t idat_len = n_idat > 1 ? joined.size() : first_len;
    if (!idat || idat_len > (size_t) INT_MAX) {
        return true;  // no image data: stb_image refuses it
    }
    std::unique_ptr<char[]> raw(new char[(size_t) need]);  // not zeroed: the inflate writes it
    const int got = stbi_zlib_decode_buffer(raw.get(), (int) need, idat, (int) idat_len);
    if (got < 0 && strcmp(stbi_failure_reason(), "output buffer limit") == 0) {
        *msg  = "PNG image data inflates to more than the " + std::to_string(need) + " bytes its header needs (" +
                std::to_string(read_be32(b + 16)) + "x" + std::to_string(read_be32(b + 20)) + ")";
        return false;
    }
    return true;
}

// ---- JPEG: marker walk ------------------------------------------------------------------

static bool is_sof(uint8_t m) {
    return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

// Walks the segments from SOI. header_only: stop at the first SOF (size read into w, h);
// otherwise walk every segment and entropy-coded scan until EOI.
static bool jpeg_walk(const uint8_t * b, size_t n, bool header_only, int64_t * w, int64_t * h, std::string * msg) {
    size_t pos = 2;
    bool have_sof = false, progressive = false;
    bool dc_defined[4] = { false, false, false, false }, ac_defined[4] = { false, false, false, false };
    while (true) {
        // next marker (fill bytes 0xff skipped)
        while (pos < n && b[pos] != 0xff) pos++;
        while (pos < n && b[pos] == 0xff) pos++;
        if (pos >= n) {
            *msg = have_sof ? "truncated JPEG (no EOI marker)" : "truncated JPEG (no frame header)";
            return false;
        }
        const uint8_t m = b[pos++];
        if (m == 0xd9) {
            if (!have_sof) {
                *msg = "corrupt JPEG (no frame header)";
                return false;
            }
            return true;
        }
        if ((m >= 0xd0 && m <= 0xd7) || m == 0x01 || m == 0xd8) {
            continue;
        }
        if (n - pos < 2) {
            *msg = "truncated JPEG (segment ends early)";
            return false;
        }
        const size_t len = (size_t) b[pos] << 8 | b[pos + 1];
        if (len < 2 || n - pos < len) {
            *msg = len < 2 ? "corrupt JPEG (bad segment length)" : "truncated JPEG (segment ends early)";
            return false;
        }
        if (m == 0xc4) {
            // stb_image 2.27 does not bound the symbol count of a Huffman table (a corrupt one
            // overflows its 257-byte size table), so every table is checked here first.
            size_t p = pos + 2;
            const size_t end = pos + len;
            while (p < end) {
                if (end - p < 17) {
                    *msg = "corrupt JPEG (bad Huffman table)";
                    return false;
                }
                const uint8_t tc = b[p] >> 4, th = b[p] & 15;
                size_t n_sym = 0;
                for (int i = 1; i <= 16; i++) n_sym += b[p + i];
                if (tc > 1 || th > 3 || n_sym > 256 || end - p - 17 < n_sym) {
                    *msg = "corrupt JPEG (bad Huffman table)";
                    return false;
                }
                (tc == 0 ? dc_defined : ac_defined)[th] = true;
                p += 17 + n_sym;
            }
        }
        if (is_sof(m)) {
            if (len < 8) {
                *msg = "corrupt JPEG (short frame header)";
                return false;
            }
            *h = (int64_t) b[pos + 3] << 8 | b[pos + 4];
            *w = (int64_t) b[pos + 5] << 8 | b[pos + 6];
            have_sof = true;
            progressive = m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce;
            if (header_only) {
                return true;
            }
        }
        if (m == 0xda && have_sof) {
            // stb_image 2.27 decodes a scan with whatever its Huffman table holds, defined or
            // not (uninitialised memory: a symbol index far outside the table, found by the
            // image fuzz target), so every table a scan decodes with must be defined before it.
            // A progressive DC refinement scan (Ss = 0, Ah > 0) reads raw bits, no table.
            // Scan headers stb_image refuses itself (bad length, component count, table ids
            // above 3) are left to it.
            const size_t ns = len >= 3 ? b[pos + 2] : 0;  // the segment is b[pos, pos + len)
            if (ns >= 1 && ns <= 4 && len == 6 + 2 * ns) {
                const uint8_t ss = b[pos + 3 + 2 * ns], ah = b[pos + 5 + 2 * ns] >> 4;
                for (size_t k = 0; k < ns; k++) {
                    const uint8_t td = b[pos + 4 + 2 * k] >> 4, ta = b[pos + 4 + 2 * k] & 15;
                    if (td > 3 || ta > 3) continue;
                    const bool uses_dc = progressive ? ss == 0 && ah == 0 : true;
                    const bool uses_ac = progressive ? ss > 0 : true;
                    if ((uses_dc && !dc_defined[td]) || (uses_ac && !ac_defined[ta])) {
                        *msg = std::string("corrupt JPEG (a scan uses Huffman table ") + (uses_dc && !dc_defined[td] ? "DC " : "AC ") +
                               std::to_string(uses_dc && !dc_defined[td] ? td : ta) + ", which is not defined)";
                        return false;
                    }
                }
            }
        }
        pos += len;
        if (m == 0xda) {
            // entropy-coded data: ends at a marker other than a stuffed 0xff00 or a restart
            while (true) {
                while (pos < n && b[pos] != 0xff) pos++;
                if (n - pos < 2) {
                    pos = n;
                    break;
                }
                const uint8_t next = b[pos + 1];
                if (next == 0x00 || (next >= 0xd0 && next <= 0xd7) || next == 0xff) {
                    pos += next == 0xff ? 1 : 2;
                    continue;
                }
                break;
            }
        }
    }
}

// ---- BMP ------------------------------------------------------------------------------

static bool bmp_header(const uint8_t * b, size_t n, int64_t * w, int64_t * h, std::string * msg) {
    if (n < 26) {
        *msg = "truncated BMP (no complete header)";
        return false;
    }
    const uint32_t hsz = read_le32(b + 14);
    if (hsz == 12) {
        *w = (int16_t) read_le16(b + 18);
        *h = (int16_t) read_le16(b + 20);
    } else {
        if (n < 30) {
            *msg = "truncated BMP (no complete header)";
            return false;
        }
        *w = (int32_t) read_le32(b + 18);
        *h = (int32_t) read_le32(b + 22);
    }
    if (*h < 0) *h = -*h;  // top-down
    return true;
}

static bool bmp_check_size(const uint8_t * b, size_t n, int64_t w, int64_t h, std::string * msg) {
    const uint32_t hsz = read_le32(b + 14);
    if (hsz < 40 || n < 34) {
        return true;  // OS/2 headers: stb_image validates the rest
    }
    const uint32_t bpp = read_le16(b + 28);
    const uint32_t compression = read_le32(b + 30);
    if (compression != 0 && compression != 3 && compression != 6) {
        return true;  // stb_image refuses RLE and others with its own reason
    }
    const uint64_t offset = read_le32(b + 10);
    const uint64_t stride = ((uint64_t) w * bpp + 31) / 32 * 4;
    const uint64_t need = offset + stride * (uint64_t) h;
    if (need > n) {
        *msg = "truncated BMP (" + std::to_string(n) + " bytes, the pixel data needs " + std::to_string(need) + ")";
        return false;
    }
    return true;
}

// ---- public ---------------------------------------------------------------------------

bool image_probe(const uint8_t * bytes, size_t size, const image_limits & limits,
                 image_header * header, std::string * err, std::string * err_code) {
    if (size == 0) {
        set_err(err, err_code, "decode", "empty file");
        return false;
    }
    if ((uint64_t) size > limits.max_file_bytes) {
        set_err(err, err_code, "limits", "file is " + std::to_string(size) + " bytes, larger than the limit of " +
                std::to_string(limits.max_file_bytes));
        return false;
    }
    const std::string format = detect_format(bytes, size);
    if (format.empty()) {
        set_err(err, err_code, "decode", "not a PNG, JPEG or BMP file");
        return false;
    }
    if (size > (size_t) INT_MAX) {
        set_err(err, err_code, "limits", "file is too large for the decoder");
        return false;
    }
    int64_t w = 0, h = 0;
    std::string msg;
    const bool ok = format == "png"  ? png_header(bytes, size, &w, &h, &msg) :
                    format == "jpeg" ? jpeg_walk(bytes, size, true, &w, &h, &msg) :
                                       bmp_header(bytes, size, &w, &h, &msg);
    if (!ok) {
        set_err(err, err_code, "decode", msg);
        return false;
    }
    if (w < 1 || h < 1 || w > limits.max_side || h > limits.max_side) {
        set_err(err, err_code, "limits", "image is " + std::to_string(w) + "x" + std::to_string(h) + ", " +
                (w < 1 || h < 1 ? std::string("a side is 0") :
                 "larger than the limit of " + std::to_string(limits.max_side) + " per side"));
        return false;
    }
    int sw = 0, sh = 0, sc = 0;
    if (!stbi_info_from_memory(bytes, (int) size, &sw, &sh, &sc)) {
        set_err(err, err_code, "decode", std::string("cannot read the ") + format_upper(format) + " header (" +
                stb_reason() + ")");
        return false;
    }
    if (sw != w || sh != h) {
        set_err(err, err_code, "decode", std::string("corrupt ") + format_upper(format) + " header");
        return false;
    }
    const int      bit_depth = stbi_is_16_bit_from_memory(bytes, (int) size) ? 16 : 8;
    const uint64_t decoded   = (uint64_t) w * (uint64_t) h * (uint64_t) sc * (uint64_t) (bit_depth / 8);
    if (decoded > limits.max_decoded_bytes) {
        set_err(err, err_code, "limits", "decoding needs " + std::to_string(decoded) + " bytes (" + std::to_string(w) +
                "x" + std::to_string(h) + ", " + std::to_string(sc) + " channel" + (sc == 1 ? "" : "s") + ", " +
                std::to_string(bit_depth) + "-bit), more than the limit of " + std::to_string(limits.max_decoded_bytes));
        return false;
    }
    if (header) {
        header->format    = format;
        header->width     = (int32_t) w;
        header->height    = (int32_t) h;
        header->channels  = sc;
        header->bit_depth = bit_depth;
    }
    return true;
}

bool image_decode(const uint8_t * bytes, size_t size, const image_limits & limits,
                  image_u8 * img, std::string * err, std::string * err_code) {
    image_header hdr;
    if (!image_probe(bytes, size, limits, &hdr, err, err_code)) {
        return false;
    }
    std::string msg;
    int64_t w = 0, h = 0;
    const bool ok = hdr.format == "png"  ? png_check_chunks(bytes, size, &msg) :
                    hdr.format == "jpeg" ? jpeg_walk(bytes, size, false, &w, &h, &msg) :
                                           bmp_check_size(bytes, size, hdr.width, hdr.height, &msg);
    if (!ok) {
        set_err(err, err_code, "decode", msg);
        return false;
    }
    if (hdr.format == "png" && !png_check_inflated_size(bytes, size, &msg)) {
        set_err(err, err_code, "limits", msg);
        return false;
    }
    int dw = 0, dh = 0, dc = 0;
    img->data.clear();
    if (hdr.bit_depth == 16) {
        stbi_us * p = stbi_load_16_from_memory(bytes, (int) size, &dw, &dh, &dc, 0);
        if (p) {
            const size_t n = (size_t) dw * dh * dc;
            img->data.resize(n);
            for (size_t i = 0; i < n; i++) {
                img->data[i] = (uint8_t) (p[i] >> 8);
            }
            stbi_image_free(p);
        }
    } else {
        stbi_uc * p = stbi_load_from_memory(bytes, (int) size, &dw, &dh, &dc, 0);
        if (p) {
            img->data.assign(p, p + (size_t) dw * dh * dc);
            stbi_image_free(p);
        }
    }
    if (img->data.empty()) {
        set_err(err, err_code, "decode", std::string("cannot decode ") + format_upper(hdr.format) + " (" +
                stb_reason() + ")");
        return false;
    }
    if (dw != hdr.width || dh != hdr.height || dc < 1 || dc > 4) {
        img->data.clear();
        set_err(err, err_code, "decode", std::string("corrupt ") + format_upper(hdr.format) + " (decoded size differs from header)");
        return false;
    }
    img->width    = dw;
    img->height   = dh;
    img->channels = dc;
    return true;
}

void image_to_grey(const image_u8 & img, image_u8 * grey) {
    const size_t n = (size_t) img.width * img.height;
    const int c = img.channels;
    grey->width    = img.width;
    grey->height   = img.height;
    grey->channels = 1;
    grey->data.resize(n);
    for (size_t i = 0; i < n; i++) {
        const uint8_t * p = img.data.data() + i * c;
        if (c <= 2) {
            grey->data[i] = p[0];
        } else {
            grey->data[i] = (uint8_t) ((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16);
        }
    }
}

// ov[j*n_src + k]: overlap of source cell k (span [k*n_out, (k+1)*n_out)) with output cell j
// (span [j*n_src, (j+1)*n_src)); stored sparsely as (first k, weights).
struct area_weights {
    std::vector<int64_t> first;                 // per output cell
    std::vector<std::vector<uint64_t>> weight;  // per output cell, for k = first ...
};

static area_weights make_area_weights(int64_t n_src, int64_t n_out) {
    area_weights aw;
    aw.first.resize(n_out);
    aw.weight.resize(n_out);
    for (int64_t j = 0; j < n_out; j++) {
        const int64_t lo = j * n_src, hi = (j + 1) * n_src;
        const int64_t k0 = lo / n_out;
        const int64_t k1 = (hi + n_out - 1) / n_out;  // exclusive
        aw.first[j] = k0;
        for (int64_t k = k0; k < k1; k++) {
            const int64_t a = k * n_out > lo ? k * n_out : lo;
            const int64_t b = (k + 1) * n_out < hi ? (k + 1) * n_out : hi;
            aw.weight[j].push_back((uint64_t) (b - a));
        }
    }
    return aw;
}

void image_resize_area(const image_u8 & grey, int32_t out_w, int32_t out_h, std::vector<float> * out) {
    const int64_t W = grey.width, H = grey.height;
    const area_weights ax = make_area_weights(W, out_w);
    const area_weights ay = make_area_weights(H, out_h);
    // horizontal pass: tmp[y][j] = sum_k ox[j][k] * L[y][k]   (<= 255 * W)
    std::vector<uint64_t> tmp((size_t) H * out_w);
    for (int64_t y = 0; y < H; y++) {
        const uint8_t * row = grey.data.data() + y * W;
        for (int32_t j = 0; j < out_w; j++) {
            uint64_t s = 0;
            const int64_t k0 = ax.first[j];
            for (size_t t = 0; t < ax.weight[j].size(); t++) {
                s += ax.weight[j][t] * row[k0 + (int64_t) t];
            }
            tmp[(size_t) (y * out_w + j)] = s;
        }
    }
    // vertical pass: num[i][j] = sum_y oy[i][y] * tmp[y][j]   (<= 255 * W * H)
    const double den = 255.0 * (double) W * (double) H;
    out->assign((size_t) out_w * out_h, 0.0f);
    std::vector<uint64_t> num((size_t) out_w);
    for (int32_t i = 0; i < out_h; i++) {
        std::fill(num.begin(), num.end(), 0);
        const int64_t y0 = ay.first[i];
        for (size_t t = 0; t < ay.weight[i].size(); t++) {
            const uint64_t wy = ay.weight[i][t];
            const uint64_t * row = tmp.data() + (y0 + (int64_t) t) * out_w;
            for (int32_t j = 0; j < out_w; j++) {
                num[j] += wy * row[j];
            }
        }
        for (int32_t j = 0; j < out_w; j++) {
            (*out)[(size_t) i * out_w + j] = (float) ((double) num[j] / den);
        }
    }
}

bool image_decode_grey(const uint8_t * bytes, size_t size, const image_limits & limits, image_u8 * grey,
                       image_header * header, std::string * err, std::string * err_code, double * ms_decode) {
    const auto t0 = std::chrono::steady_clock::now();
    // image_decode probes first itself: the separate probe only when the caller wants the header.
    image_header hdr;
    if (header && !image_probe(bytes, size, limits, &hdr, err, err_code)) {
        return false;
    }
    image_u8 img;
    if (!image_decode(bytes, size, limits, &img, err, err_code)) {
        return false;
    }
    if (ms_decode) {
        *ms_decode = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    image_to_grey(img, grey);
    if (header) {
        *header = hdr;
    }
    return true;
}

bool image_preprocess(const uint8_t * bytes, size_t size, const image_limits & limits,
                      int32_t out_w, int32_t out_h, std::vector<float> * pixels,
                      image_header * header, std::string * err, std::string * err_code,
                      double * ms_decode) {
    image_u8 grey;
    if (!image_decode_grey(bytes, size, limits, &grey, header, err, err_code, ms_decode)) {
        return false;
    }
    image_resize_area(grey, out_w, out_h, pixels);
    return true;
}
