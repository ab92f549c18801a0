#include "json_util.h"

#include <cmath>
#include <cstdio>

std::string json_number(double v) {
    if (!std::isfinite(v)) {
        return "null";
    }
    if (v == 0.0) {
        return "0";  // -0 too: read back it is the integer 0, and "-0" would not round-trip
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%.9g", v);
    return buf;
}

std::string json_string(const std::string & s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':  out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n";  break;
            case '\r': out += "\\r";  break;
            case '\t': out += "\\t";  break;
            case '\b': out += "\\b";  break;
            case '\f': out += "\\f";  break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    snprintf(buf, sizeof(buf), "\\u%04x", c);
                    out += buf;
                } else {
                    out += (char) c;
                }
        }
    }
    out += '"';
    return out;
}
