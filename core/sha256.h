// SHA-256 (FIPS 180-4): one-shot, streaming, and of a file. Used for package file hashes,
// anchor table bindings and the results document's image hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

// Streaming context: sha256_init, any number of sha256_update, then sha256_final.
struct sha256_ctx {
    uint32_t state[8];
    uint64_t n_bytes;    // total bytes fed so far
    uint8_t  block[64];  // pending partial block
    uint32_t n_block;    // bytes pending in block
};

void sha256_init  (sha256_ctx * ctx);
void sha256_update(sha256_ctx * ctx, const void * data, size_t size);
void sha256_final (sha256_ctx * ctx, uint8_t digest[32]);

// 32-byte digest -> 64 lower-case hex characters.
std::string sha256_digest_hex(const uint8_t digest[32]);

// Lower-case hex digest of a buffer.
std::string sha256_hex(const uint8_t * data, size_t size);
std::string sha256_hex(const std::string & bytes);

// Lower-case hex digest of a file, read in blocks. On error returns false and sets *err to
// "<path>: cannot open (<reason>)" or "<path>: read error".
bool sha256_file_hex(const std::string & path, std::string * hex, std::string * err);

// Whether s is 64 lower-case hex characters.
bool sha256_is_hex(const std::string & s);
