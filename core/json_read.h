// Internal to the core's .cpp files (not a public header): reading JSON documents with
// nlohmann::json without exceptions, and typed field access whose errors name the document,
// the field path, what was expected and what was found:
//   manifest.json: dims.hidden_size: expected an integer, found "128"
//   manifest.json: variants.int8: missing key 'decoder'
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

using json = nlohmann::ordered_json;

// Deepest nesting of objects and arrays json_parse_text accepts (the package's documents need
// fewer than 10 levels).
constexpr int json_max_depth = 64;

// Parses text; on a syntax error returns false with "<name>: not valid JSON (<reason>)"; nesting
// deeper than json_max_depth: "<name>: not valid JSON (nested deeper than 64 levels)".
bool json_parse_text(const std::string & text, const std::string & name, json * out, std::string * err);

// A short rendering of a value for messages: "\"abc\"", "3", "an object", "an array", "null".
std::string json_describe(const json & v);

// An error message on one line whatever the document put in it (a key, a string value):
// line breaks shown as \n and \r, other control characters as '?'. Every error of the
// document readers (json_reader::fail, anchor tables, evidence, results) goes through it.
std::string json_one_line(const std::string & msg);

// "a.b" joined path; an empty parent gives the key alone.
std::string json_path(const std::string & parent, const std::string & key);
std::string json_path(const std::string & parent, size_t index);

// Field readers: obj must be an object. where is obj's path ("" at the top). Each returns false
// and sets *err when the key is missing or has the wrong type.
struct json_reader {
    std::string name;   // document name for messages ("manifest.json")
    std::string * err;

    bool fail(const std::string & where, const std::string & msg) const;

    const json * get(const json & obj, const std::string & where, const char * key) const;  // missing -> error
    bool get_string(const json & obj, const std::string & where, const char * key, std::string * out) const;
    bool get_int   (const json & obj, const std::string & where, const char * key, int64_t * out) const;
    bool get_int32 (const json & obj, const std::string & where, const char * key, int32_t * out) const;
    bool get_number(const json & obj, const std::string & where, const char * key, double * out) const;
    bool get_bool  (const json & obj, const std::string & where, const char * key, bool * out) const;
    bool get_object(const json & obj, const std::string & where, const char * key, const json ** out) const;
    bool get_array (const json & obj, const std::string & where, const char * key, const json ** out) const;

    // value checks on a value already found at path `where`
    bool as_string(const json & v, const std::string & where, std::string * out) const;
    bool as_int   (const json & v, const std::string & where, int64_t * out) const;
    bool as_number(const json & v, const std::string & where, double * out) const;
};
