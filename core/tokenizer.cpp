// Hugging Face tokenizer.json: loading, encoding and decoding. See tokenizer.h and
// docs/tokenizer.md. The behaviour follows the `tokenizers` format as implemented by the
// reference used in the tests (@lenml/tokenizers, a fork of transformers.js); the places
// where that differs from the Rust `tokenizers` crate are listed in docs/tokenizer.md.

#include "tokenizer.h"
#include "unicode.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

using json = nlohmann::json;

namespace {

struct tok_error : std::runtime_error {
    explicit tok_error(const std::string & msg) : std::runtime_error(msg) {}
};

std::string describe(const json & j) {
    std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > 80) {
        s = s.substr(0, 77) + "...";
    }
    return s;
}

[[noreturn]] void fail(const std::string & path, const std::string & msg) {
    throw tok_error("tokenizer.json: " + path + ": " + msg);
}

const json * find_field(const json & obj, const char * key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

std::string get_string(const json & obj, const std::string & path, const char * key) {
    const json * v = find_field(obj, key);
    if (!v || !v->is_string()) {
        fail(path + "." + key, std::string("expected a string, found ") + (v ? describe(*v) : "nothing"));
    }
    return v->get<std::string>();
}

bool get_bool(const json & obj, const std::string & path, const char * key, bool def) {
    const json * v = find_field(obj, key);
    if (!v) {
        return def;
    }
    if (!v->is_boolean()) {
        fail(path + "." + key, "expected true or false, found " + describe(*v));
    }
    return v->get<bool>();
}

int64_t get_int(const json & obj, const std::string & path, const char * key, int64_t def) {
    const json * v = find_field(obj, key);
    if (!v) {
        return def;
    }
    if (!v->is_number_integer()) {
        fail(path + "." + key, "expected an integer, found " + describe(*v));
    }
    return v->get<int64_t>();
}

const json & get_array(const json & obj, const std::string & path, const char * key) {
    const json * v = find_field(obj, key);
    if (!v || !v->is_array()) {
        fail(path + "." + key, std::string("expected an array, found ") + (v ? describe(*v) : "nothing"));
    }
    return *v;
}

std::string type_of(const json & obj, const std::string & path) {
    if (!obj.is_object()) {
        fail(path, "expected an object, found " + describe(obj));
    }
    return get_string(obj, path, "type");
}

std::string index_path(const std::string & path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

void replace_all(std::string & s, const std::string & from, const std::string & to) {
    if (from.empty()) {
        return;
    }
    std::string out;
    size_t pos = 0;
    while (true) {
        const size_t hit = s.find(from, pos);
        if (hit == std::string::npos) {
            break;
        }
        out.append(s, pos, hit - pos);
        out += to;
        pos = hit + from.size();
    }
    if (pos == 0) {
        return;
    }
    out.append(s, pos, std::string::npos);
    s.swap(out);
}

// Whitespace trimming with the tokenizer's whitespace class (JavaScript's trim()).
std::string trim_start(const std::string & s) {
    size_t i = 0;
    while (i < s.size()) {
        size_t j = i;
        const uint32_t cp = utf8_next(s, j);
        if (!unicode_is_whitespace(cp)) {
            break;
        }
        i = j;
    }
    return s.substr(i);
}

std::string trim_end(const std::string & s) {
    size_t end = 0; // end of the last non-whitespace code point
    size_t i = 0;
    while (i < s.size()) {
        const uint32_t cp = utf8_next(s, i);
        if (!unicode_is_whitespace(cp)) {
            end = i;
        }
    }
    return s.substr(0, end);
}

// A literal pattern {"String": "..."}; a {"Regex": ...} is refused.
std::string get_literal_pattern(const json & obj, const std::string & path) {
    const json * p = find_field(obj, "pattern");
    if (!p || !p->is_object()) {
        fail(path + ".pattern", std::string("expected {\"String\": ...}, found ") + (p ? describe(*p) : "nothing"));
    }
    if (p->contains("Regex")) {
        fail(path + ".pattern.Regex", "regular expression patterns are not supported here, only {\"String\": ...}; found " +
                                          describe((*p)["Regex"]));
    }
    const std::string s = get_string(*p, path + ".pattern", "String");
    if (s.empty()) {
        fail(path + ".pattern.String", "empty pattern");
    }
    return s;
}

// ---------------------------------------------------------------------------------------------
// Byte-level (GPT-2) byte <-> character map.

struct byte_level_map {
    uint32_t byte_to_cp[256];
    int16_t  cp_to_byte[512];

    byte_level_map() {
        for (int16_t & b : cp_to_byte) { b = -1; }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            const bool keep = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            byte_to_cp[b] = keep ? b : 256 + n++;
            cp_to_byte[byte_to_cp[b]] = static_cast<int16_t>(b);
        }
    }
};

const byte_level_map & byte_map() {
    static const byte_level_map m;
    return m;
}

std::string byte_level_encode(const std::string & s) {
    const byte_level_map & m = byte_map();
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char c : s) {
        utf8_append(out, m.byte_to_cp[c]);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Pipeline components.

enum norm_type { NORM_SEQUENCE, NORM_PREPEND, NORM_REPLACE, NORM_STRIP };

struct normalizer {
    norm_type type = NORM_SEQUENCE;
    std::string a; // prepend text / replace pattern
    std::string b; // replace content
    bool left = false;
    bool right = false;
    std::vector<normalizer> children;
};

enum pre_type { PRE_SEQUENCE, PRE_BYTE_LEVEL, PRE_METASPACE, PRE_SPLIT };
enum split_kind { SPLIT_GPT2, SPLIT_LLAMA3, SPLIT_STRING };
enum prepend_scheme { PREPEND_ALWAYS, PREPEND_FIRST, PREPEND_NEVER };

struct pre_tokenizer {
    pre_type type = PRE_SEQUENCE;
    // ByteLevel
    bool add_prefix_space = false;
    bool use_regex = true;
    // Metaspace
    std::string replacement;
    bool prefix = false;
    prepend_scheme scheme = PREPEND_ALWAYS;
    bool split = false;
    // Split
    split_kind kind = SPLIT_GPT2;
    std::string literal;
    bool removed = false;
    std::vector<pre_tokenizer> children;
};

enum post_type { POST_TEMPLATE, POST_BYTE_LEVEL, POST_SEQUENCE };

struct template_piece {
    bool special = false;
    std::vector<int32_t> ids;
};

struct post_processor {
    post_type type = POST_SEQUENCE;
    std::vector<template_piece> single;
    std::vector<post_processor> children;
};

enum dec_type { DEC_BYTE_LEVEL, DEC_METASPACE, DEC_REPLACE, DEC_BYTE_FALLBACK, DEC_FUSE, DEC_STRIP, DEC_SEQUENCE };

struct decoder {
    dec_type type = DEC_SEQUENCE;
    std::string a; // pattern / replacement / strip content
    std::string b; // replace content
    bool strip_prefix = false;
    int64_t start = 0;
    int64_t stop = 0;
    std::vector<decoder> children;
};

struct added_token {
    std::string content;
    int32_t id = -1;
    bool special = false;
    bool lstrip = false;
    bool rstrip = false;
};

struct merge_info {
    int32_t rank;
    int32_t result; // piece id of the merged string
};

const char * const GPT2_PATTERN =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const char * const LLAMA3_PATTERN =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

} // namespace

struct radz_tokenizer {
    // Vocabulary: the model's vocab with the added tokens laid over it.
    std::unordered_map<std::string, int32_t> token_to_id;
    std::vector<std::string> id_to_token;
    std::vector<uint8_t> id_present;
    std::vector<uint8_t> id_special;
    std::vector<uint8_t> id_added;

    // BPE. Pieces are vocabulary ids, or ids >= piece_base for merge parts outside the vocab.
    std::unordered_map<uint64_t, merge_info> merges;
    std::unordered_map<std::string, int32_t> extra_pieces;
    int32_t piece_base = 0;
    int32_t unk_id = -1;
    std::string unk_token;
    bool byte_fallback = false;
    bool fuse_unk = false;
    bool ignore_merges = false;
    int32_t byte_ids[256];

    std::vector<added_token> added;
    std::vector<std::vector<size_t>> added_by_byte; // first byte -> indices into `added`

    bool has_normalizer = false;
    normalizer norm;
    bool has_pre = false;
    pre_tokenizer pre;
    bool has_post = false;
    post_processor post;
    bool has_decoder = false;
    decoder dec;
};

namespace {

// ---------------------------------------------------------------------------------------------
// Loading.

int32_t piece_of(const radz_tokenizer & t, const std::string & s) {
    auto it = t.token_to_id.find(s);
    if (it != t.token_to_id.end()) {
        return it->second;
    }
    auto jt = t.extra_pieces.find(s);
    if (jt != t.extra_pieces.end()) {
        return jt->second;
    }
    return -1;
}

int32_t piece_add(radz_tokenizer & t, const std::string & s) {
    const int32_t p = piece_of(t, s);
    if (p >= 0) {
        return p;
    }
    const int32_t id = t.piece_base + static_cast<int32_t>(t.extra_pieces.size());
    t.extra_pieces.emplace(s, id);
    return id;
}

uint64_t merge_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

normalizer parse_normalizer(const json & j, const std::string & path) {
    const std::string type = type_of(j, path);
    normalizer n;
    if (type == "Sequence") {
        n.type = NORM_SEQUENCE;
        const json & arr = get_array(j, path, "normalizers");
        for (size_t i = 0; i < arr.size(); i++) {
            n.children.push_back(parse_normalizer(arr[i], index_path(path + ".normalizers", i)));
        }
    } else if (type == "Prepend") {
        n.type = NORM_PREPEND;
        n.a = get_string(j, path, "prepend");
    } else if (type == "Replace") {
        n.type = NORM_REPLACE;
        n.a = get_literal_pattern(j, path);
        n.b = get_string(j, path, "content");
    } else if (type == "Strip") {
        n.type = NORM_STRIP;
        n.left = get_bool(j, path, "strip_left", false);
        n.right = get_bool(j, path, "strip_right", false);
    } else {
        fail(path + ".type", "unsupported normalizer \"" + type +
                                 "\" (supported: Sequence, Prepend, Replace, Strip; Unicode normalisation "
                                 "forms NFC/NFD/NFKC/NFKD, Lowercase, BertNormalizer and Precompiled are not)");
    }
    return n;
}

pre_tokenizer parse_pre_tokenizer(const json & j, const std::string & path) {
    const std::string type = type_of(j, path);
    pre_tokenizer p;
    if (type == "Sequence") {
        p.type = PRE_SEQUENCE;
        const json & arr = get_array(j, path, "pretokenizers");
        for (size_t i = 0; i < arr.size(); i++) {
            p.children.push_back(parse_pre_tokenizer(arr[i], index_path(path + ".pretokenizers", i)));
        }
    } else if (type == "ByteLevel") {
        p.type = PRE_BYTE_LEVEL;
        p.add_prefix_space = get_bool(j, path, "add_prefix_space", false);
        p.use_regex = get_bool(j, path, "use_regex", true);
    } else if (type == "Metaspace") {
        p.type = PRE_METASPACE;
        p.replacement = get_string(j, path, "replacement");
        if (find_field(j, "str_rep")) {
            p.replacement = get_string(j, path, "str_rep");
        }
        if (p.replacement.empty()) {
            fail(path + ".replacement", "empty replacement");
        }
        const json * scheme = find_field(j, "prepend_scheme");
        if (scheme) {
            const std::string s = scheme->is_string() ? scheme->get<std::string>() : "";
            if (s == "always") {
                p.scheme = PREPEND_ALWAYS;
            } else if (s == "first") {
                p.scheme = PREPEND_FIRST;
            } else if (s == "never") {
                p.scheme = PREPEND_NEVER;
            } else {
                fail(path + ".prepend_scheme", "expected \"always\", \"first\" or \"never\", found " + describe(*scheme));
            }
        }
        p.prefix = find_field(j, "add_prefix_space") ? get_bool(j, path, "add_prefix_space", false)
                                                     : p.scheme != PREPEND_NEVER;
        p.split = get_bool(j, path, "split", true); // `tokenizers` splits unless told not to
    } else if (type == "Split") {
        p.type = PRE_SPLIT;
        if (get_bool(j, path, "invert", false)) {
            fail(path + ".invert", "invert = true is not supported");
        }
        const std::string behavior = get_string(j, path, "behavior");
        if (behavior == "Isolated") {
            p.removed = false;
        } else if (behavior == "Removed") {
            p.removed = true;
        } else {
            fail(path + ".behavior", "unsupported split behavior \"" + behavior + "\" (supported: Isolated, Removed)");
        }
        const json * pat = find_field(j, "pattern");
        if (!pat || !pat->is_object()) {
            fail(path + ".pattern", std::string("expected {\"Regex\": ...} or {\"String\": ...}, found ") +
                                        (pat ? describe(*pat) : "nothing"));
        }
        if (pat->contains("Regex")) {
            const std::string re = get_string(*pat, path + ".pattern", "Regex");
            if (re == GPT2_PATTERN) {
                p.kind = SPLIT_GPT2;
            } else if (re == LLAMA3_PATTERN) {
                p.kind = SPLIT_LLAMA3;
            } else {
                fail(path + ".pattern.Regex", "unsupported regular expression " + describe(json(re)) +
                                                  " (supported: the GPT-2 and the LLaMA-3 byte-level patterns, "
                                                  "implemented by hand; there is no general regex engine)");
            }
        } else {
            p.kind = SPLIT_STRING;
            p.literal = get_literal_pattern(j, path);
            if (!p.removed && behavior != "Isolated") {
                fail(path + ".behavior", "unsupported");
            }
        }
    } else {
        fail(path + ".type", "unsupported pre-tokenizer \"" + type +
                                 "\" (supported: Sequence, ByteLevel, Metaspace, Split)");
    }
    return p;
}

int32_t special_token_id(const radz_tokenizer & t, const json & root, const std::string & name, const std::string & path) {
    // Prefer the processor's own special_tokens map, as `tokenizers` does.
    const json * specials = find_field(root, "special_tokens");
    if (specials && specials->is_object()) {
        auto it = specials->find(name);
        if (it != specials->end() && it->is_object()) {
            const json * ids = find_field(*it, "ids");
            if (ids && ids->is_array() && ids->size() == 1 && (*ids)[0].is_number_integer()) {
                // inside the vocabulary, like every id the model gives (found by the
                // tokenizer_json fuzz target: an id of -2147483648 came out of tokenizer_encode)
                const int64_t id = (*ids)[0].get<int64_t>();
                const int64_t size = static_cast<int64_t>(t.id_to_token.size());
                if (id < 0 || id >= size) {
                    fail(path + ".special_tokens." + name + ".ids", "id " + (*ids)[0].dump() +
                                                                     " is outside the vocabulary (0 .. " + std::to_string(size - 1) + ")");
                }
                if (!t.id_present[static_cast<size_t>(id)]) {  // a gap in the ids: decoding would refuse it
                    fail(path + ".special_tokens." + name + ".ids", "id " + std::to_string(id) + " is not in the vocabulary (no token has it)");
                }
                return static_cast<int32_t>(id);
            }
            if (ids) {
                fail(path + ".special_tokens." + name + ".ids", "expected exactly one id, found " + describe(*ids));
            }
        }
    }
    auto it = t.token_to_id.find(name);
    if (it == t.token_to_id.end()) {
        fail(path, "special token " + describe(json(name)) + " is not in the vocabulary");
    }
    return it->second;
}

post_processor parse_post_processor(const radz_tokenizer & t, const json & j, const std::string & path) {
    const std::string type = type_of(j, path);
    post_processor p;
    if (type == "TemplateProcessing") {
        p.type = POST_TEMPLATE;
        const json & single = get_array(j, path, "single");
        for (size_t i = 0; i < single.size(); i++) {
            const std::string ip = index_path(path + ".single", i);
            const json & item = single[i];
            template_piece piece;
            if (item.is_object() && item.contains("SpecialToken")) {
                piece.special = true;
                const std::string name = get_string(item["SpecialToken"], ip + ".SpecialToken", "id");
                piece.ids.push_back(special_token_id(t, j, name, path));
            } else if (item.is_object() && item.contains("Sequence")) {
                const std::string id = get_string(item["Sequence"], ip + ".Sequence", "id");
                if (id != "A") {
                    fail(ip + ".Sequence.id", "a single-sequence template can only use sequence \"A\", found " +
                                                  describe(json(id)));
                }
            } else {
                fail(ip, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}, found " + describe(item));
            }
            p.single.push_back(piece);
        }
    } else if (type == "BertProcessing" || type == "RobertaProcessing") {
        p.type = POST_TEMPLATE;
        for (const char * key : {"cls", "sep"}) {
            const json & pair = get_array(j, path, key);
            if (pair.size() != 2 || !pair[0].is_string() || !pair[1].is_number_integer()) {
                fail(path + "." + key, "expected [\"token\", id], found " + describe(pair));
            }
            template_piece piece;
            piece.special = true;
            piece.ids.push_back(pair[1].get<int32_t>());
            if (std::strcmp(key, "sep") == 0) {
                p.single.push_back(template_piece()); // sequence A
            }
            p.single.push_back(piece);
        }
    } else if (type == "ByteLevel") {
        p.type = POST_BYTE_LEVEL;
    } else if (type == "Sequence") {
        p.type = POST_SEQUENCE;
        const json & arr = get_array(j, path, "processors");
        for (size_t i = 0; i < arr.size(); i++) {
            p.children.push_back(parse_post_processor(t, arr[i], index_path(path + ".processors", i)));
        }
    } else {
        fail(path + ".type", "unsupported post-processor \"" + type +
                                 "\" (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)");
    }
    return p;
}

decoder parse_decoder(const json & j, const std::string & path) {
    const std::string type = type_of(j, path);
    decoder d;
    if (type == "Sequence") {
        d.type = DEC_SEQUENCE;
        const json & arr = get_array(j, path, "decoders");
        for (size_t i = 0; i < arr.size(); i++) {
            d.children.push_back(parse_decoder(arr[i], index_path(path + ".decoders", i)));
        }
    } else if (type == "ByteLevel") {
        d.type = DEC_BYTE_LEVEL;
    } else if (type == "Metaspace") {
        d.type = DEC_METASPACE;
        d.a = get_string(j, path, "replacement");
        if (d.a.empty()) {
            fail(path + ".replacement", "empty replacement");
        }
        if (find_field(j, "add_prefix_space")) {
            d.strip_prefix = get_bool(j, path, "add_prefix_space", false);
        } else {
            const json * scheme = find_field(j, "prepend_scheme");
            d.strip_prefix = !(scheme && scheme->is_string() && scheme->get<std::string>() == "never");
        }
    } else if (type == "Replace") {
        d.type = DEC_REPLACE;
        d.a = get_literal_pattern(j, path);
        d.b = get_string(j, path, "content");
    } else if (type == "ByteFallback") {
        d.type = DEC_BYTE_FALLBACK;
    } else if (type == "Fuse") {
        d.type = DEC_FUSE;
    } else if (type == "Strip") {
        d.type = DEC_STRIP;
        d.a = get_string(j, path, "content");
        size_t i = 0;
        if (d.a.empty() || (utf8_next(d.a, i), i != d.a.size())) {
            fail(path + ".content", "expected a single character, found " + describe(json(d.a)));
        }
        d.start = get_int(j, path, "start", 0);
        d.stop = get_int(j, path, "stop", 0);
        if (d.start < 0 || d.stop < 0) {
            fail(path, "start and stop must not be negative");
        }
    } else {
        fail(path + ".type", "unsupported decoder \"" + type +
                                 "\" (supported: Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip)");
    }
    return d;
}

void check_valid_utf8_field(const std::string & s, const std::string & path) {
    size_t bad = 0;
    if (!utf8_validate(s.data(), s.size(), &bad)) {
        fail(path, "invalid UTF-8 at byte " + std::to_string(bad));
    }
}

void load_model(radz_tokenizer & t, const json & root) {
    const json * mp = find_field(root, "model");
    if (!mp || !mp->is_object()) {
        fail("model", std::string("expected an object, found ") + (mp ? describe(*mp) : "nothing"));
    }
    const json & m = *mp;
    const json * type = find_field(m, "type");
    if (type) {
        if (!type->is_string() || type->get<std::string>() != "BPE") {
            fail("model.type", "unsupported model " + describe(*type) + " (supported: BPE; WordPiece and Unigram are not)");
        }
    } else if (!m.contains("merges")) {
        fail("model.type", "missing, and the model has no merges: only BPE models are supported");
    }
    const json * dropout = find_field(m, "dropout");
    if (dropout && !(dropout->is_number() && dropout->get<double>() == 0.0)) {
        fail("model.dropout", "BPE dropout is not supported (expected null), found " + describe(*dropout));
    }
    for (const char * key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        const json * v = find_field(m, key);
        if (v && !(v->is_string() && v->get<std::string>().empty())) {
            fail(std::string("model.") + key, "not supported (expected null), found " + describe(*v));
        }
    }
    t.byte_fallback = get_bool(m, "model", "byte_fallback", false);
    t.fuse_unk = get_bool(m, "model", "fuse_unk", false);
    t.ignore_merges = get_bool(m, "model", "ignore_merges", false);

    const json * vocab = find_field(m, "vocab");
    if (!vocab || !vocab->is_object()) {
        fail("model.vocab", std::string("expected an object {token: id}, found ") + (vocab ? describe(*vocab) : "nothing"));
    }
    const int64_t max_id = 1 << 24;
    t.token_to_id.reserve(vocab->size() + 16);
    int64_t size = 0;
    for (auto it = vocab->begin(); it != vocab->end(); ++it) {
        if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() >= max_id) {
            fail("model.vocab[" + describe(json(it.key())) + "]", "expected an id in [0, 2^24), found " + describe(it.value()));
        }
        const int64_t id = it.value().get<int64_t>();
        check_valid_utf8_field(it.key(), "model.vocab");
        t.token_to_id[it.key()] = static_cast<int32_t>(id);
        size = std::max(size, id + 1);
    }

    // Added tokens lie over the vocabulary.
    std::vector<added_token> added;
    const json * at = find_field(root, "added_tokens");
    if (at) {
        if (!at->is_array()) {
            fail("added_tokens", "expected an array, found " + describe(*at));
        }
        for (size_t i = 0; i < at->size(); i++) {
            const std::string ip = index_path("added_tokens", i);
            const json & e = (*at)[i];
            if (!e.is_object()) {
                fail(ip, "expected an object, found " + describe(e));
            }
            added_token a;
            a.content = get_string(e, ip, "content");
            check_valid_utf8_field(a.content, ip + ".content");
            const int64_t id = get_int(e, ip, "id", -1);
            if (id < 0 || id >= max_id) {
                fail(ip + ".id", "expected an id in [0, 2^24), found " + describe(e.value("id", json())));
            }
            a.id = static_cast<int32_t>(id);
            a.special = get_bool(e, ip, "special", false);
            a.lstrip = get_bool(e, ip, "lstrip", false);
            a.rstrip = get_bool(e, ip, "rstrip", false);
            t.token_to_id[a.content] = a.id;
            size = std::max(size, id + 1);
            added.push_back(a);
        }
    }

    t.id_to_token.assign(static_cast<size_t>(size), std::string());
    t.id_present.assign(static_cast<size_t>(size), 0);
    t.id_special.assign(static_cast<size_t>(size), 0);
    t.id_added.assign(static_cast<size_t>(size), 0);
    for (auto it = vocab->begin(); it != vocab->end(); ++it) {
        const int32_t id = it.value().get<int32_t>();
        t.id_to_token[id] = it.key();
        t.id_present[id] = 1;
    }
    t.added_by_byte.assign(256, std::vector<size_t>());
    for (const added_token & a : added) {
        t.id_to_token[a.id] = a.content;
        t.id_present[a.id] = 1;
        t.id_added[a.id] = 1;
        t.id_special[a.id] = a.special ? 1 : 0;
        if (!a.content.empty()) {
            t.added_by_byte[static_cast<unsigned char>(a.content[0])].push_back(t.added.size());
            t.added.push_back(a);
        }
    }
    t.piece_base = static_cast<int32_t>(size);

    const json * unk = find_field(m, "unk_token");
    if (unk) {
        if (!unk->is_string()) {
            fail("model.unk_token", "expected a string or null, found " + describe(*unk));
        }
        t.unk_token = unk->get<std::string>();
        auto it = t.token_to_id.find(t.unk_token);
        t.unk_id = it == t.token_to_id.end() ? -1 : it->second;
    }

    for (int b = 0; b < 256; b++) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        auto it = t.token_to_id.find(name);
        t.byte_ids[b] = it == t.token_to_id.end() ? -1 : it->second;
    }

    const json & merges = get_array(m, "model", "merges");
    t.merges.reserve(merges.size() * 2);
    for (size_t i = 0; i < merges.size(); i++) {
        const json & e = merges[i];
        std::string a;
        std::string b;
        bool ok = false;
        if (e.is_string()) {
            const std::string & s = e.get_ref<const std::string &>();
            const size_t sp = s.find(' ');
            if (sp != std::string::npos && sp > 0 && sp + 1 < s.size() && s.find(' ', sp + 1) == std::string::npos) {
                a = s.substr(0, sp);
                b = s.substr(sp + 1);
                ok = true;
            }
        } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
            a = e[0].get<std::string>();
            b = e[1].get<std::string>();
            ok = !a.empty() && !b.empty();
        }
        if (!ok) {
            fail(index_path("model.merges", i), "expected \"a b\" or [\"a\",\"b\"], found " + describe(e));
        }
        check_valid_utf8_field(a, index_path("model.merges", i));
        check_valid_utf8_field(b, index_path("model.merges", i));
        const int32_t pa = piece_add(t, a);
        const int32_t pb = piece_add(t, b);
        const int32_t pr = piece_add(t, a + b);
        // The first occurrence of a pair wins (its rank is the lowest).
        t.merges.emplace(merge_key(pa, pb), merge_info{static_cast<int32_t>(i), pr});
    }
}

void load(radz_tokenizer & t, const json & root) {
    if (!root.is_object()) {
        fail("(root)", "expected an object, found " + describe(root));
    }
    load_model(t, root);
    if (const json * n = find_field(root, "normalizer")) {
        t.norm = parse_normalizer(*n, "normalizer");
        t.has_normalizer = true;
    }
    if (const json * p = find_field(root, "pre_tokenizer")) {
        t.pre = parse_pre_tokenizer(*p, "pre_tokenizer");
        t.has_pre = true;
    }
    if (const json * p = find_field(root, "post_processor")) {
        t.post = parse_post_processor(t, *p, "post_processor");
        t.has_post = true;
    }
    if (const json * d = find_field(root, "decoder")) {
        t.dec = parse_decoder(*d, "decoder");
        t.has_decoder = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding.

void normalize(const normalizer & n, std::string & s) {
    switch (n.type) {
        case NORM_SEQUENCE:
            for (const normalizer & c : n.children) {
                normalize(c, s);
            }
            break;
        case NORM_PREPEND:
            s = n.a + s;
            break;
        case NORM_REPLACE:
            replace_all(s, n.a, n.b);
            break;
        case NORM_STRIP:
            if (n.left) s = trim_start(s);
            if (n.right) s = trim_end(s);
            break;
    }
}

// The code points of s with their byte offsets (offsets has one more entry: s.size()).
void split_code_points(const std::string & s, std::vector<uint32_t> & cps, std::vector<size_t> & offsets) {
    cps.clear();
    offsets.clear();
    size_t i = 0;
    while (i < s.size()) {
        offsets.push_back(i);
        cps.push_back(utf8_next(s, i));
    }
    offsets.push_back(s.size());
}

inline bool is_other(uint32_t cp) {
    return (unicode_flags(cp) & (UNICODE_LETTER | UNICODE_NUMBER | UNICODE_WHITESPACE)) == 0;
}

inline uint32_t ascii_lower(uint32_t c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// Length (in code points) of the contraction at i, 0 if none. case_insensitive: ASCII only,
// as in the reference's rewrite of (?i:...).
size_t match_contraction(const std::vector<uint32_t> & c, size_t i, bool case_insensitive) {
    const size_t n = c.size();
    if (c[i] != '\'' || i + 1 >= n) {
        return 0;
    }
    auto low = [&](size_t k) { return case_insensitive ? ascii_lower(c[k]) : c[k]; };
    const uint32_t a = low(i + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        return 2;
    }
    if (i + 2 < n) {
        const uint32_t b = low(i + 2);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
            return 3;
        }
    }
    return 0;
}

size_t whitespace_run(const std::vector<uint32_t> & c, size_t i) {
    size_t j = i;
    while (j < c.size() && unicode_is_whitespace(c[j])) {
        j++;
    }
    return j - i;
}

// \s+(?!\S) then \s+
size_t match_whitespace(const std::vector<uint32_t> & c, size_t i) {
    const size_t m = whitespace_run(c, i);
    if (m == 0) {
        return 0;
    }
    if (i + m == c.size() || m == 1) {
        return m; // (?!\S) holds at the end; a single space falls through to \s+
    }
    return m - 1;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t match_gpt2(const std::vector<uint32_t> & c, size_t i) {
    const size_t n = c.size();
    if (size_t k = match_contraction(c, i, false)) {
        return k;
    }
    const size_t s = (c[i] == ' ' && i + 1 < n) ? i + 1 : i;
    const uint8_t want[3] = {UNICODE_LETTER, UNICODE_NUMBER, 0};
    for (uint8_t cls : want) {
        auto in = [&](uint32_t cp) { return cls ? (unicode_flags(cp) & cls) != 0 : is_other(cp); };
        if (in(c[s])) {
            size_t j = s;
            while (j < n && in(c[j])) {
                j++;
            }
            return j - i;
        }
    }
    return match_whitespace(c, i);
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
size_t match_llama3(const std::vector<uint32_t> & c, size_t i) {
    const size_t n = c.size();
    if (size_t k = match_contraction(c, i, true)) {
        return k;
    }
    const uint32_t c0 = c[i];
    const uint8_t f0 = unicode_flags(c0);
    // [^\r\n\p{L}\p{N}]?\p{L}+
    {
        size_t s = i;
        if (c0 != '\r' && c0 != '\n' && !(f0 & (UNICODE_LETTER | UNICODE_NUMBER)) && i + 1 < n &&
            unicode_is_letter(c[i + 1])) {
            s = i + 1;
        }
        if (unicode_is_letter(c[s])) {
            size_t j = s;
            while (j < n && unicode_is_letter(c[j])) {
                j++;
            }
            return j - i;
        }
    }
    // \p{N}{1,3}
    if (f0 & UNICODE_NUMBER) {
        size_t j = i;
        while (j < n && j - i < 3 && unicode_is_number(c[j])) {
            j++;
        }
        return j - i;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    {
        const size_t s = (c0 == ' ' && i + 1 < n) ? i + 1 : i;
        if (is_other(c[s])) {
            size_t j = s;
            while (j < n && is_other(c[j])) {
                j++;
            }
            while (j < n && (c[j] == '\r' || c[j] == '\n')) {
                j++;
            }
            return j - i;
        }
    }
    // \s*[\r\n]+ : up to and including the last newline of the whitespace run
    const size_t m = whitespace_run(c, i);
    for (size_t k = m; k > 0; k--) {
        if (c[i + k - 1] == '\r' || c[i + k - 1] == '\n') {
            return k;
        }
    }
    return match_whitespace(c, i);
}

// Splits s with one of the hand-written patterns. keep_gaps: text between matches is kept
// as pieces (Split, behavior Isolated); otherwise dropped (ByteLevel's use_regex).
void regex_split(const std::string & s, split_kind kind, bool keep_gaps, std::vector<std::string> & out) {
    std::vector<uint32_t> cps;
    std::vector<size_t> off;
    split_code_points(s, cps, off);
    size_t i = 0;
    size_t gap = 0;
    while (i < cps.size()) {
        const size_t len = kind == SPLIT_GPT2 ? match_gpt2(cps, i) : match_llama3(cps, i);
        if (len == 0) {
            i++;
            continue;
        }
        if (keep_gaps && gap < i) {
            out.push_back(s.substr(off[gap], off[i] - off[gap]));
        }
        out.push_back(s.substr(off[i], off[i + len] - off[i]));
        i += len;
        gap = i;
    }
    if (keep_gaps && gap < cps.size()) {
        out.push_back(s.substr(off[gap]));
    }
}

void pre_tokenize_one(const pre_tokenizer & p, const std::string & text, size_t section_index,
                      std::vector<std::string> & out);

void pre_tokenize(const pre_tokenizer & p, const std::vector<std::string> & in, size_t section_index,
                  std::vector<std::string> & out) {
    for (const std::string & s : in) {
        pre_tokenize_one(p, s, section_index, out);
    }
}

void pre_tokenize_one(const pre_tokenizer & p, const std::string & text, size_t section_index,
                      std::vector<std::string> & out) {
    switch (p.type) {
        case PRE_SEQUENCE: {
            std::vector<std::string> cur(1, text);
            for (const pre_tokenizer & c : p.children) {
                std::vector<std::string> next;
                pre_tokenize(c, cur, section_index, next);
                cur.swap(next);
            }
            out.insert(out.end(), cur.begin(), cur.end());
            break;
        }
        case PRE_BYTE_LEVEL: {
            std::string s = text;
            if (p.add_prefix_space && (s.empty() || s[0] != ' ')) {
                s = " " + s;
            }
            std::vector<std::string> parts;
            if (p.use_regex) {
                regex_split(s, SPLIT_GPT2, false, parts);
            } else {
                parts.push_back(s);
            }
            for (const std::string & part : parts) {
                out.push_back(byte_level_encode(part));
            }
            break;
        }
        case PRE_METASPACE: {
            std::string s = text;
            replace_all(s, " ", p.replacement);
            const bool starts = s.compare(0, p.replacement.size(), p.replacement) == 0;
            if (p.prefix && !starts &&
                (p.scheme == PREPEND_ALWAYS || (p.scheme == PREPEND_FIRST && section_index == 0))) {
                s = p.replacement + s;
            }
            if (!p.split) {
                out.push_back(s);
                break;
            }
            // Each occurrence of the replacement starts a new piece (MergedWithNext).
            size_t start = 0;
            size_t pos = s.empty() ? std::string::npos : s.find(p.replacement, 1);
            while (pos != std::string::npos) {
                if (pos > start) {
                    out.push_back(s.substr(start, pos - start));
                }
                start = pos;
                pos = s.find(p.replacement, pos + p.replacement.size());
            }
            if (start < s.size()) {
                out.push_back(s.substr(start));
            }
            break;
        }
        case PRE_SPLIT: {
            if (p.kind != SPLIT_STRING) {
                regex_split(text, p.kind, true, out);
                break;
            }
            size_t start = 0;
            while (true) {
                const size_t hit = text.find(p.literal, start);
                const size_t end = hit == std::string::npos ? text.size() : hit;
                if (end > start) {
                    out.push_back(text.substr(start, end - start));
                }
                if (hit == std::string::npos) {
                    break;
                }
                if (!p.removed) {
                    out.push_back(p.literal);
                }
                start = hit + p.literal.size();
            }
            break;
        }
    }
}

struct bpe_symbol {
    int32_t piece;  // -1: not a known piece (cannot merge)
    uint32_t start; // byte offset in the word
    uint32_t len;   // bytes
    int32_t prev;
    int32_t next;
};

struct bpe_candidate {
    int32_t rank;
    int32_t left;   // symbol index (= original position: ties go to the leftmost pair)
    int32_t right;
    uint32_t size;  // left.len + right.len when queued, to detect stale entries
    int32_t result;
};

struct bpe_candidate_greater {
    bool operator()(const bpe_candidate & a, const bpe_candidate & b) const {
        if (a.rank != b.rank) return a.rank > b.rank;
        return a.left > b.left;
    }
};

void push_unk(const radz_tokenizer & t, const std::string & what, std::vector<int32_t> & ids) {
    if (t.unk_id < 0) {
        throw tok_error("cannot encode " + describe(json(what)) +
                        ": not in the vocabulary and the model has no usable unk_token");
    }
    ids.push_back(t.unk_id);
}

// BPE of one pre-token, with the lowest-rank, leftmost merge applied first.
void bpe_word(const radz_tokenizer & t, const std::string & word, std::vector<int32_t> & ids) {
    if (word.empty()) {
        return;
    }
    if (t.ignore_merges) {
        auto it = t.token_to_id.find(word);
        if (it != t.token_to_id.end()) {
            ids.push_back(it->second);
            return;
        }
    }
    std::vector<bpe_symbol> sym;
    sym.reserve(word.size());
    size_t i = 0;
    while (i < word.size()) {
        const size_t n = utf8_len(static_cast<unsigned char>(word[i]));
        bpe_symbol s;
        s.start = static_cast<uint32_t>(i);
        s.len = static_cast<uint32_t>(std::min(n, word.size() - i));
        s.piece = piece_of(t, word.substr(i, s.len));
        s.prev = static_cast<int32_t>(sym.size()) - 1;
        s.next = static_cast<int32_t>(sym.size()) + 1;
        sym.push_back(s);
        i += s.len;
    }
    sym.back().next = -1;

    std::priority_queue<bpe_candidate, std::vector<bpe_candidate>, bpe_candidate_greater> queue;
    auto try_add = [&](int32_t l, int32_t r) {
        if (l < 0 || r < 0 || sym[l].piece < 0 || sym[r].piece < 0) {
            return;
        }
        auto it = t.merges.find(merge_key(sym[l].piece, sym[r].piece));
        if (it == t.merges.end()) {
            return;
        }
        queue.push(bpe_candidate{it->second.rank, l, r, sym[l].len + sym[r].len, it->second.result});
    };
    for (int32_t k = 0; k + 1 < static_cast<int32_t>(sym.size()); k++) {
        try_add(k, k + 1);
    }
    while (!queue.empty()) {
        const bpe_candidate c = queue.top();
        queue.pop();
        bpe_symbol & l = sym[c.left];
        bpe_symbol & r = sym[c.right];
        if (l.len == 0 || r.len == 0 || l.next != c.right || l.len + r.len != c.size) {
            continue; // stale
        }
        l.len += r.len;
        l.piece = c.result;
        r.len = 0;
        l.next = r.next;
        if (r.next >= 0) {
            sym[r.next].prev = c.left;
        }
        try_add(l.prev, c.left);
        try_add(c.left, l.next);
    }

    for (int32_t k = 0; k >= 0; k = sym[k].next) {
        const bpe_symbol & s = sym[k];
        if (s.piece >= 0 && s.piece < t.piece_base) {
            ids.push_back(s.piece);
            continue;
        }
        const std::string text = word.substr(s.start, s.len);
        if (t.byte_fallback) {
            bool all = true;
            for (unsigned char b : text) {
                all = all && t.byte_ids[b] >= 0;
            }
            if (all) {
                for (unsigned char b : text) {
                    ids.push_back(t.byte_ids[b]);
                }
                continue;
            }
        }
        push_unk(t, text, ids);
    }
}

struct section {
    std::string text;
    int32_t added = -1; // index into radz_tokenizer::added, or -1 for plain text
};

// Splits the text on added tokens: at each position the longest added token wins.
std::vector<section> split_added(const radz_tokenizer & t, const std::string & text) {
    std::vector<section> out;
    size_t start = 0;
    size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        int32_t best = -1;
        size_t best_len = 0;
        for (size_t k : t.added_by_byte[c]) {
            const std::string & content = t.added[k].content;
            if (content.size() > best_len && content.size() <= text.size() - i &&
                text.compare(i, content.size(), content) == 0) {
                best = static_cast<int32_t>(k);
                best_len = content.size();
            }
        }
        if (best < 0) {
            i += utf8_len(c);
            continue;
        }
        if (i > start) {
            out.push_back(section{text.substr(start, i - start), -1});
        }
        out.push_back(section{t.added[best].content, best});
        i += best_len;
        start = i;
    }
    if (start < text.size()) {
        out.push_back(section{text.substr(start), -1});
    }
    return out;
}

void post_process(const post_processor & p, bool add_special, std::vector<int32_t> & ids) {
    switch (p.type) {
        case POST_BYTE_LEVEL:
            break;
        case POST_SEQUENCE:
            for (const post_processor & c : p.children) {
                post_process(c, add_special, ids);
            }
            break;
        case POST_TEMPLATE: {
            std::vector<int32_t> out;
            for (const template_piece & piece : p.single) {
                if (!piece.special) {
                    out.insert(out.end(), ids.begin(), ids.end());
                } else if (add_special) {
                    out.insert(out.end(), piece.ids.begin(), piece.ids.end());
                }
            }
            ids.swap(out);
            break;
        }
    }
}

void encode(const radz_tokenizer & t, const std::string & text, bool add_special, std::vector<int32_t> & ids) {
    size_t bad = 0;
    if (!utf8_validate(text.data(), text.size(), &bad)) {
        throw tok_error("invalid UTF-8 at byte " + std::to_string(bad) + " of " + std::to_string(text.size()));
    }
    std::vector<section> sections = split_added(t, text);
    for (size_t i = 0; i < sections.size(); i++) {
        if (sections[i].added < 0) {
            continue;
        }
        const added_token & a = t.added[sections[i].added];
        if (a.lstrip && i > 0 && sections[i - 1].added < 0) {
            sections[i - 1].text = trim_end(sections[i - 1].text);
        }
        if (a.rstrip && i + 1 < sections.size() && sections[i + 1].added < 0) {
            sections[i + 1].text = trim_start(sections[i + 1].text);
        }
    }
    ids.clear();
    for (size_t i = 0; i < sections.size(); i++) {
        if (sections[i].added >= 0) {
            ids.push_back(t.added[sections[i].added].id);
            continue;
        }
        std::string s = sections[i].text;
        if (s.empty()) {
            continue;
        }
        if (t.has_normalizer) {
            normalize(t.norm, s);
        }
        if (s.empty()) {
            continue;
        }
        std::vector<std::string> words;
        if (t.has_pre) {
            pre_tokenize_one(t.pre, s, i, words);
        } else {
            words.push_back(s);
        }
        const size_t first = ids.size();
        for (const std::string & w : words) {
            bpe_word(t, w, ids);
        }
        if (t.fuse_unk && t.unk_id >= 0) {
            size_t w = first;
            for (size_t r = first; r < ids.size(); r++) {
                if (ids[r] == t.unk_id && w > first && ids[w - 1] == t.unk_id) {
                    continue;
                }
                ids[w++] = ids[r];
            }
            ids.resize(w);
        }
    }
    if (t.has_post) {
        post_process(t.post, add_special, ids);
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding.

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "<0xHH>" -> HH, or -1.
int byte_token_value(const std::string & s) {
    if (s.size() != 6 || s.compare(0, 3, "<0x") != 0 || s[5] != '>') {
        return -1;
    }
    const int hi = hex_value(s[3]);
    const int lo = hex_value(s[4]);
    return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}

std::string byte_level_decode(const std::string & s) {
    const byte_level_map & m = byte_map();
    std::string bytes;
    size_t i = 0;
    while (i < s.size()) {
        const size_t at = i;
        const uint32_t cp = utf8_next(s, i);
        if (cp < 512 && m.cp_to_byte[cp] >= 0) {
            bytes += static_cast<char>(m.cp_to_byte[cp]);
        } else {
            bytes.append(s, at, i - at); // not a byte-level character: kept as it is
        }
    }
    return utf8_sanitize(bytes);
}

void decode_chain(const radz_tokenizer & t, const decoder & d, std::vector<std::string> & tokens,
                  const std::vector<uint8_t> & is_added) {
    switch (d.type) {
        case DEC_SEQUENCE:
            for (const decoder & c : d.children) {
                decode_chain(t, c, tokens, is_added);
            }
            break;
        case DEC_BYTE_LEVEL: {
            // Added tokens are kept as they are; runs of other tokens are byte-decoded together.
            std::vector<std::string> out;
            std::string run;
            bool in_run = false;
            for (size_t i = 0; i < tokens.size(); i++) {
                if (i < is_added.size() && is_added[i]) {
                    if (in_run) {
                        out.push_back(byte_level_decode(run));
                        run.clear();
                        in_run = false;
                    }
                    out.push_back(tokens[i]);
                } else {
                    run += tokens[i];
                    in_run = true;
                }
            }
            if (in_run) {
                out.push_back(byte_level_decode(run));
            }
            tokens.swap(out);
            break;
        }
        case DEC_METASPACE:
            for (size_t i = 0; i < tokens.size(); i++) {
                replace_all(tokens[i], d.a, " ");
                if (d.strip_prefix && i == 0 && !tokens[i].empty() && tokens[i][0] == ' ') {
                    tokens[i].erase(0, 1);
                }
            }
            break;
        case DEC_REPLACE:
            for (std::string & s : tokens) {
                replace_all(s, d.a, d.b);
            }
            break;
        case DEC_BYTE_FALLBACK: {
            std::vector<std::string> out;
            std::string bytes;
            bool in_run = false;
            for (const std::string & s : tokens) {
                const int b = byte_token_value(s);
                if (b >= 0) {
                    bytes += static_cast<char>(b);
                    in_run = true;
                    continue;
                }
                if (in_run) {
                    out.push_back(utf8_sanitize(bytes));
                    bytes.clear();
                    in_run = false;
                }
                out.push_back(s);
            }
            if (in_run) {
                out.push_back(utf8_sanitize(bytes));
            }
            tokens.swap(out);
            break;
        }
        case DEC_FUSE: {
            std::string all;
            for (const std::string & s : tokens) {
                all += s;
            }
            tokens.assign(1, all);
            break;
        }
        case DEC_STRIP:
            for (std::string & s : tokens) {
                size_t begin = 0;
                for (int64_t k = 0; k < d.start && s.compare(begin, d.a.size(), d.a) == 0; k++) {
                    begin += d.a.size();
                }
                size_t end = s.size();
                for (int64_t k = 0; k < d.stop && end >= begin + d.a.size() &&
                                    s.compare(end - d.a.size(), d.a.size(), d.a) == 0; k++) {
                    end -= d.a.size();
                }
                s = s.substr(begin, end - begin);
            }
            break;
    }
}

bool read_file(const std::string & path, std::string & out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        return false;
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return static_cast<bool>(f) || f.eof();
}

void set_err(std::string * err, const std::string & msg) {
    if (err) {
        *err = msg;
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Public API.

// Deepest nesting of [ and { outside strings (stops counting past limit + 1).
static int json_nesting_depth(const std::string & text, int limit) {
    int depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size() && deepest <= limit; i++) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return deepest;
}

radz_tokenizer * tokenizer_load_json(const std::string & json_text, std::string * err) {
    if (json_nesting_depth(json_text, tokenizer_max_json_depth) > tokenizer_max_json_depth) {
        set_err(err, "tokenizer.json: not valid JSON: nested deeper than " + std::to_string(tokenizer_max_json_depth) +
                     " levels");
        return nullptr;
    }
    json root = json::parse(json_text, nullptr, false);
    if (root.is_discarded()) {
        // Parse again with exceptions on, only to get the position of the error.
        try {
            root = json::parse(json_text);
        } catch (const std::exception & e) {
            set_err(err, std::string("tokenizer.json: not valid JSON: ") + e.what());
            return nullptr;
        }
        set_err(err, "tokenizer.json: not valid JSON");
        return nullptr;
    }
    radz_tokenizer * t = new radz_tokenizer();
    try {
        load(*t, root);
    } catch (const std::exception & e) {
        set_err(err, e.what());
        delete t;
        return nullptr;
    }
    return t;
}

radz_tokenizer * tokenizer_load_file(const std::string & path, std::string * err) {
    std::string text;
    if (!read_file(path, text)) {
        set_err(err, "cannot read " + path);
        return nullptr;
    }
    radz_tokenizer * t = tokenizer_load_json(text, err);
    if (!t && err) {
        *err = path + ": " + *err;
    }
    return t;
}

void tokenizer_free(radz_tokenizer * tok) {
    delete tok;
}

bool tokenizer_encode(const radz_tokenizer * tok, const std::string & text, bool add_special,
                      std::vector<int32_t> * ids, std::string * err) {
    if (!tok || !ids) {
        set_err(err, "tokenizer_encode: null argument");
        return false;
    }
    if (text.size() > tokenizer_max_text_bytes) {
        ids->clear();
        set_err(err, "text is " + std::to_string(text.size()) + " bytes, longer than the limit of " +
                         std::to_string(tokenizer_max_text_bytes));
        return false;
    }
    try {
        encode(*tok, text, add_special, *ids);
    } catch (const std::exception & e) {
        ids->clear();
        set_err(err, e.what());
        return false;
    }
    return true;
}

bool tokenizer_decode(const radz_tokenizer * tok, const std::vector<int32_t> & ids, bool skip_special,
                      std::string * text, std::string * err) {
    if (!tok || !text) {
        set_err(err, "tokenizer_decode: null argument");
        return false;
    }
    std::vector<std::string> tokens;
    std::vector<uint8_t> is_added;
    tokens.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); i++) {
        const int32_t id = ids[i];
        if (id < 0 || id >= static_cast<int32_t>(tok->id_to_token.size()) || !tok->id_present[id]) {
            set_err(err, "tokenizer_decode: id " + std::to_string(id) + " at position " + std::to_string(i) +
                             " is not in the vocabulary");
            return false;
        }
        if (skip_special && tok->id_special[id]) {
            continue;
        }
        tokens.push_back(tok->id_to_token[id]);
        is_added.push_back(tok->id_added[id]);
    }
    std::string out;
    if (tok->has_decoder) {
        decode_chain(*tok, tok->dec, tokens, is_added);
        for (const std::string & s : tokens) {
            out += s;
        }
    } else {
        for (size_t i = 0; i < tokens.size(); i++) {
            if (i > 0) out += ' ';
            out += tokens[i];
        }
    }
    *text = out;
    return true;
}

int32_t tokenizer_vocab_size(const radz_tokenizer * tok) {
    return tok ? static_cast<int32_t>(tok->id_to_token.size()) : 0;
}

int32_t tokenizer_token_to_id(const radz_tokenizer * tok, const std::string & token) {
    if (!tok) return -1;
    auto it = tok->token_to_id.find(token);
    return it == tok->token_to_id.end() ? -1 : it->second;
}

std::string tokenizer_id_to_token(const radz_tokenizer * tok, int32_t id) {
    if (!tok || id < 0 || id >= static_cast<int32_t>(tok->id_to_token.size()) || !tok->id_present[id]) {
        return std::string();
    }
    return tok->id_to_token[id];
}

bool tokenizer_is_special(const radz_tokenizer * tok, int32_t id) {
    return tok && id >= 0 && id < static_cast<int32_t>(tok->id_special.size()) && tok->id_special[id] != 0;
}
