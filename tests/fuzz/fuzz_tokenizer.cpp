// Fuzz targets: tokenizer.json loading, and encoding of arbitrary text (core/tokenizer.h).
#include "fuzz_targets.h"
#include "tokenizer.h"

#include <memory>

using tokenizer_ptr = std::unique_ptr<radz_tokenizer, tokenizer_deleter>;

// Encodes text; when accepted every id is in the vocabulary and decodes (with and without the
// special tokens) without error.
static void encode_and_decode(const radz_tokenizer * tok, const std::string & text) {
    const int32_t vocab = tokenizer_vocab_size(tok);
    FUZZ_CHECK(vocab >= 0);
    for (bool add_special : { false, true }) {
        std::vector<int32_t> ids;
        std::string err;
        if (!tokenizer_encode(tok, text, add_special, &ids, &err)) {
            FUZZ_CHECK(!err.empty());
            continue;
        }
        for (int32_t id : ids) {
            FUZZ_CHECK(id >= 0 && id < vocab);
            const std::string t = tokenizer_id_to_token(tok, id);
            if (!t.empty()) FUZZ_CHECK(tokenizer_token_to_id(tok, t) >= 0);
            (void) tokenizer_is_special(tok, id);
        }
        for (bool skip : { false, true }) {
            std::string back;
            FUZZ_CHECK(tokenizer_decode(tok, ids, skip, &back, &err));
        }
    }
}

int fuzz_tokenizer_json(const uint8_t * data, size_t size) {
    std::string err;
    tokenizer_ptr tok(tokenizer_load_json(std::string((const char *) data, size), &err));
    if (!tok) {
        FUZZ_CHECK(!err.empty());
        return 0;
    }
    for (const char * text : { "", "Pleural effusion", "  a  b\tc\n", "na\xc3\xafve <s> </s> \xe2\x80\x94 \xf0\x9f\x98\x80 x-ray 12.5%" }) {
        encode_and_decode(tok.get(), text);
    }
    // Ids just outside the vocabulary are refused, never read past a table.
    std::vector<int32_t> bad = { -1 }, bad2 = { tokenizer_vocab_size(tok.get()) };
    std::string text;
    FUZZ_CHECK(!tokenizer_decode(tok.get(), bad, false, &text, &err));
    FUZZ_CHECK(!tokenizer_decode(tok.get(), bad2, false, &text, &err));
    return 0;
}

int fuzz_tokenizer_encode(const uint8_t * data, size_t size) {
    static const tokenizer_ptr tok = [] {
        std::string err;
        tokenizer_ptr t(tokenizer_load_json(fuzz_read_fixture("assets/models/radz-tiny/tokenizer.json"), &err));
        if (!t) fuzz_fail(err.c_str(), __FILE__, __LINE__);
        return t;
    }();
    encode_and_decode(tok.get(), std::string((const char *) data, size));
    return 0;
}
