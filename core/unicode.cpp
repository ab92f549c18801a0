#include "unicode.h"

uint8_t unicode_flags(uint32_t cp) {
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') return UNICODE_LETTER;
        if (cp >= 'A' && cp <= 'Z') return UNICODE_LETTER;
        if (cp >= '0' && cp <= '9') return UNICODE_NUMBER;
        if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return UNICODE_WHITESPACE;
        return 0;
    }
    size_t lo = 0;
    size_t hi = unicode_range_count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (unicode_ranges[mid].last < cp) {
            lo = mid + 1;
        } else if (unicode_ranges[mid].first > cp) {
            hi = mid;
        } else {
            return unicode_ranges[mid].flags;
        }
    }
    return 0;
}

bool utf8_validate(const char * data, size_t size, size_t * bad_offset) {
    const unsigned char * p = reinterpret_cast<const unsigned char *>(data);
    size_t i = 0;
    while (i < size) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0; // overlong
            if (c == 0xED) hi = 0x9F; // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90; // overlong
            if (c == 0xF4) hi = 0x8F; // above U+10FFFF
        } else {
            if (bad_offset) *bad_offset = i;
            return false;
        }
        if (need > size - i - 1) { // truncated: checked before any read past the end
            if (bad_offset) *bad_offset = i;
            return false;
        }
        if (p[i + 1] < lo || p[i + 1] > hi) {
            if (bad_offset) *bad_offset = i;
            return false;
        }
        for (size_t k = 2; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                if (bad_offset) *bad_offset = i;
                return false;
            }
        }
        i += need + 1;
    }
    return true;
}

uint32_t utf8_next(const std::string & s, size_t & i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = utf8_len(c);
    if (n == 1 || i + n > s.size()) {
        i++;
        return c;
    }
    uint32_t cp = n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; k++) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += n;
    return cp;
}

void utf8_append(std::string & out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string utf8_sanitize(const std::string & bytes) {
    // WHATWG Encoding Standard, "UTF-8 decoder", with error mode "replacement".
    std::string out;
    out.reserve(bytes.size());
    uint32_t cp = 0;
    int needed = 0;
    int seen = 0;
    unsigned char lower = 0x80;
    unsigned char upper = 0xBF;
    size_t i = 0;
    while (i < bytes.size()) {
        const unsigned char b = static_cast<unsigned char>(bytes[i]);
        if (needed == 0) {
            i++;
            if (b <= 0x7F) {
                out += static_cast<char>(b);
            } else if (b >= 0xC2 && b <= 0xDF) {
                needed = 1;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                if (b == 0xE0) lower = 0xA0;
                if (b == 0xED) upper = 0x9F;
                needed = 2;
                cp = b & 0x0F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                if (b == 0xF0) lower = 0x90;
                if (b == 0xF4) upper = 0x8F;
                needed = 3;
                cp = b & 0x07;
            } else {
                utf8_append(out, 0xFFFD);
            }
            continue;
        }
        if (b < lower || b > upper) {
            // Invalid continuation: emit U+FFFD and process b again as a lead byte.
            cp = 0;
            needed = 0;
            seen = 0;
            lower = 0x80;
            upper = 0xBF;
            utf8_append(out, 0xFFFD);
            continue;
        }
        i++;
        lower = 0x80;
        upper = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
        seen++;
        if (seen == needed) {
            utf8_append(out, cp);
            cp = 0;
            needed = 0;
            seen = 0;
        }
    }
    if (needed != 0) {
        utf8_append(out, 0xFFFD);
    }
    return out;
}
