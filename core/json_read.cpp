#include "json_read.h"

#include <cmath>

namespace {
// SAX handler that builds the DOM like nlohmann's own parser but keeps the error message
// instead of throwing.
struct sax_keep_error : nlohmann::detail::json_sax_dom_parser<json> {
    std::string message;
    explicit sax_keep_error(json & j) : nlohmann::detail::json_sax_dom_parser<json>(j, false) {}
    // Nesting beyond json_max_depth is refused while parsing, before the DOM grows deeper.
    int depth = 0;
    bool enter() {
        if (++depth <= json_max_depth) return true;
        message = "nested deeper than " + std::to_string(json_max_depth) + " levels";
        return false;
    }
    bool start_object(std::size_t n) { return enter() && json_sax_dom_parser::start_object(n); }
    bool start_array(std::size_t n) { return enter() && json_sax_dom_parser::start_array(n); }
    bool end_object() { depth--; return json_sax_dom_parser::end_object(); }
    bool end_array() { depth--; return json_sax_dom_parser::end_array(); }
    template <class Exception>
    bool parse_error(std::size_t, const std::string &, const Exception & ex) {
        message = ex.what();
        return false;
    }
};
}  // namespace

bool json_parse_text(const std::string & text, const std::string & name, json * out, std::string * err) {
    json j;
    sax_keep_error sax(j);
    const bool ok = json::sax_parse(text, &sax, nlohmann::detail::input_format_t::json, true);
    if (!ok || !sax.message.empty()) {
        std::string m = sax.message;
        const size_t p = m.find("] ");
        if (m.rfind("[json.exception", 0) == 0 && p != std::string::npos) {
            m = m.substr(p + 2);  // drop "[json.exception.parse_error.101] "
        }
        if (err) *err = name + ": not valid JSON (" + (m.empty() ? std::string("syntax error") : m) + ")";
        return false;
    }
    *out = std::move(j);
    return true;
}

std::string json_describe(const json & v) {
    switch (v.type()) {
        case json::value_t::object:  return "an object";
        case json::value_t::array:   return "an array";
        case json::value_t::null:    return "null";
        case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
        case json::value_t::string: {
            std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
            if (s.size() > 60) s = s.substr(0, 57) + "...";
            return s;
        }
        default:
            return v.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

std::string json_path(const std::string & parent, const std::string & key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string json_path(const std::string & parent, size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

std::string json_one_line(const std::string & msg) {
    std::string o;
    o.reserve(msg.size());
    for (char c : msg) {
        if (c == '\n') {
            o += "\\n";
        } else if (c == '\r') {
            o += "\\r";
        } else {
            o += ((unsigned char) c < 0x20 && c != '\t') || c == 0x7f ? '?' : c;
        }
    }
    return o;
}

bool json_reader::fail(const std::string & where, const std::string & msg) const {
    if (err) *err = json_one_line(name + ": " + (where.empty() ? "" : where + ": ") + msg);
    return false;
}

const json * json_reader::get(const json & obj, const std::string & where, const char * key) const {
    const auto it = obj.find(key);
    if (it == obj.end()) {
        fail(where, std::string("missing key '") + key + "'");
        return nullptr;
    }
    return &*it;
}

bool json_reader::as_string(const json & v, const std::string & where, std::string * out) const {
    if (!v.is_string()) return fail(where, "expected a string, found " + json_describe(v));
    *out = v.get<std::string>();
    return true;
}

bool json_reader::as_int(const json & v, const std::string & where, int64_t * out) const {
    if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u > (uint64_t) INT64_MAX) return fail(where, "integer out of range: " + json_describe(v));
        *out = (int64_t) u;
        return true;
    }
    if (v.is_number_integer()) {
        *out = v.get<int64_t>();
        return true;
    }
    return fail(where, "expected an integer, found " + json_describe(v));
}

bool json_reader::as_number(const json & v, const std::string & where, double * out) const {
    if (!v.is_number()) return fail(where, "expected a number, found " + json_describe(v));
    *out = v.get<double>();
    if (!std::isfinite(*out)) return fail(where, "expected a finite number, found " + json_describe(v));
    return true;
}

bool json_reader::get_string(const json & obj, const std::string & where, const char * key, std::string * out) const {
    const json * v = get(obj, where, key);
    return v && as_string(*v, json_path(where, key), out);
}

bool json_reader::get_int(const json & obj, const std::string & where, const char * key, int64_t * out) const {
    const json * v = get(obj, where, key);
    return v && as_int(*v, json_path(where, key), out);
}

bool json_reader::get_int32(const json & obj, const std::string & where, const char * key, int32_t * out) const {
    int64_t x = 0;
    if (!get_int(obj, where, key, &x)) return false;
    if (x < INT32_MIN || x > INT32_MAX) return fail(json_path(where, key), "integer out of range: " + std::to_string(x));
    *out = (int32_t) x;
    return true;
}

bool json_reader::get_number(const json & obj, const std::string & where, const char * key, double * out) const {
    const json * v = get(obj, where, key);
    return v && as_number(*v, json_path(where, key), out);
}

bool json_reader::get_bool(const json & obj, const std::string & where, const char * key, bool * out) const {
    const json * v = get(obj, where, key);
    if (!v) return false;
    if (!v->is_boolean()) return fail(json_path(where, key), "expected true or false, found " + json_describe(*v));
    *out = v->get<bool>();
    return true;
}

bool json_reader::get_object(const json & obj, const std::string & where, const char * key, const json ** out) const {
    const json * v = get(obj, where, key);
    if (!v) return false;
    if (!v->is_object()) return fail(json_path(where, key), "expected an object, found " + json_describe(*v));
    *out = v;
    return true;
}

bool json_reader::get_array(const json & obj, const std::string & where, const char * key, const json ** out) const {
    const json * v = get(obj, where, key);
    if (!v) return false;
    if (!v->is_array()) return fail(json_path(where, key), "expected an array, found " + json_describe(*v));
    *out = v;
    return true;
}
