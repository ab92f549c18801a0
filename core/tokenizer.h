// Hugging Face `tokenizer.json` tokenizer (BPE), the same C++ natively and in WebAssembly.
//
// Supported (see docs/tokenizer.md for the full list and the exact refusals):
//   model           BPE: merges as "a b" strings or ["a","b"] pairs, byte_fallback, unk_token,
//                   fuse_unk, ignore_merges
//   added_tokens    split out of the input before normalisation (longest match first),
//                   special, lstrip, rstrip
//   normalizer      Sequence, Prepend, Replace (literal String pattern), Strip
//   pre_tokenizer   ByteLevel (add_prefix_space, use_regex = the GPT-2 pattern), Metaspace,
//                   Split (the GPT-2 and LLaMA-3 patterns, literal String patterns), Sequence
//   post_processor  TemplateProcessing (single sequence), ByteLevel, Sequence
//   decoder         ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence
// Anything else in the file is refused at load time with an error naming the field.
//
// Text in and out is UTF-8. Input that is not valid UTF-8 is rejected (encode returns false
// with "invalid UTF-8 at byte N"); the input is never read past its end.
//
// Errors: functions return false / nullptr and, when `err` is not null, store a message such as
//   tokenizer.json: model.merges[12]: expected "a b" or ["a","b"], found 42
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct radz_tokenizer;

// Limits of the contract: tokenizer.json nesting (a real one needs fewer than 10 levels) and
// the text one encode call takes (finding names and descriptions are far shorter; the pipeline
// keeps sequence.max_text_tokens tokens). Beyond them: one-line errors, nothing allocated.
constexpr int    tokenizer_max_json_depth = 64;
constexpr size_t tokenizer_max_text_bytes = 1048576;

// Loads a tokenizer.json file / text. Returns nullptr on error.
radz_tokenizer * tokenizer_load_file(const std::string & path, std::string * err);
radz_tokenizer * tokenizer_load_json(const std::string & json_text, std::string * err);
void             tokenizer_free(radz_tokenizer * tok);

// Text -> ids (text of at most tokenizer_max_text_bytes: "text is N bytes, longer than the limit
// of 1048576"). add_special: apply the post-processor's special tokens (e.g. LLaMA's BOS <s>).
// Added tokens written in the text (e.g. "<s>") are always recognised, as in `tokenizers`.
bool tokenizer_encode(const radz_tokenizer * tok, const std::string & text, bool add_special,
                      std::vector<int32_t> * ids, std::string * err);

// Ids -> text through the tokenizer.json decoder. skip_special drops the added tokens marked
// "special". An id outside the vocabulary is an error. Byte sequences that do not form valid
// UTF-8 (e.g. a lone byte-fallback token) become U+FFFD, as JavaScript's TextDecoder does.
bool tokenizer_decode(const radz_tokenizer * tok, const std::vector<int32_t> & ids, bool skip_special,
                      std::string * text, std::string * err);

// Vocabulary size: one more than the largest id (model vocabulary and added tokens).
int32_t tokenizer_vocab_size(const radz_tokenizer * tok);

// Token string -> id, or -1 when absent. id -> token string, or "" when absent.
int32_t     tokenizer_token_to_id(const radz_tokenizer * tok, const std::string & token);
std::string tokenizer_id_to_token(const radz_tokenizer * tok, int32_t id);

// Whether `id` is an added token marked "special" (e.g. <s>, </s>, <|begin_of_text|>).
bool tokenizer_is_special(const radz_tokenizer * tok, int32_t id);

// RAII helper.
struct tokenizer_deleter {
    void operator()(radz_tokenizer * tok) const { tokenizer_free(tok); }
};
