#include "sha256.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

static const uint32_t k_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t state[8], const uint8_t * p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4*i] << 24 | (uint32_t) p[4*i + 1] << 16 | (uint32_t) p[4*i + 2] << 8 | (uint32_t) p[4*i + 3];
    }
    for (int i = 16; i < 64; i++) {
        const uint32_t s0 = rotr(w[i-15], 7) ^ rotr(w[i-15], 18) ^ (w[i-15] >> 3);
        const uint32_t s1 = rotr(w[i-2], 17) ^ rotr(w[i-2], 19) ^ (w[i-2] >> 10);
        w[i] = w[i-16] + s0 + w[i-7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        const uint32_t s1  = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const uint32_t ch  = (e & f) ^ (~e & g);
        const uint32_t t1  = h + s1 + ch + k_sha256_k[i] + w[i];
        const uint32_t s0  = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        const uint32_t t2  = s0 + maj;
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

void sha256_init(sha256_ctx * ctx) {
    static const uint32_t h0[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(ctx->state, h0, sizeof(h0));
    ctx->n_bytes = 0;
    ctx->n_block = 0;
}

void sha256_update(sha256_ctx * ctx, const void * data, size_t size) {
    const uint8_t * p = (const uint8_t *) data;
    ctx->n_bytes += size;
    if (ctx->n_block > 0) {
        const size_t take = size < 64 - ctx->n_block ? size : 64 - ctx->n_block;
        memcpy(ctx->block + ctx->n_block, p, take);
        ctx->n_block += (uint32_t) take;
        p += take;
        size -= take;
        if (ctx->n_block < 64) {
            return;
        }
        sha256_block(ctx->state, ctx->block);
        ctx->n_block = 0;
    }
    while (size >= 64) {
        sha256_block(ctx->state, p);
        p += 64;
        size -= 64;
    }
    if (size > 0) {
        memcpy(ctx->block, p, size);
        ctx->n_block = (uint32_t) size;
    }
}

void sha256_final(sha256_ctx * ctx, uint8_t digest[32]) {
    const uint64_t n_bits = ctx->n_bytes * 8;
    uint8_t pad[72] = { 0x80 };
    const size_t n_pad = (ctx->n_block < 56 ? 56 : 120) - ctx->n_block;
    uint8_t len[8];
    for (int i = 0; i < 8; i++) {
        len[i] = (uint8_t) (n_bits >> (56 - 8*i));
    }
    sha256_update(ctx, pad, n_pad);
    sha256_update(ctx, len, 8);
    for (int i = 0; i < 8; i++) {
        digest[4*i]     = (uint8_t) (ctx->state[i] >> 24);
        digest[4*i + 1] = (uint8_t) (ctx->state[i] >> 16);
        digest[4*i + 2] = (uint8_t) (ctx->state[i] >> 8);
        digest[4*i + 3] = (uint8_t) (ctx->state[i]);
    }
}

std::string sha256_digest_hex(const uint8_t digest[32]) {
    static const char hex[] = "0123456789abcdef";
    std::string s(64, '0');
    for (int i = 0; i < 32; i++) {
        s[2*i]     = hex[digest[i] >> 4];
        s[2*i + 1] = hex[digest[i] & 15];
    }
    return s;
}

std::string sha256_hex(const uint8_t * data, size_t size) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, data, size);
    uint8_t digest[32];
    sha256_final(&ctx, digest);
    return sha256_digest_hex(digest);
}

std::string sha256_hex(const std::string & bytes) {
    return sha256_hex((const uint8_t *) bytes.data(), bytes.size());
}

bool sha256_file_hex(const std::string & path, std::string * hex, std::string * err) {
    FILE * f = fopen(path.c_str(), "rb");
    if (!f) {
        if (err) *err = path + ": cannot open (" + strerror(errno) + ")";
        return false;
    }
    sha256_ctx ctx;
    sha256_init(&ctx);
    static const size_t n_buf = 1 << 16;
    uint8_t * buf = new uint8_t[n_buf];
    size_t n;
    while ((n = fread(buf, 1, n_buf, f)) > 0) {
        sha256_update(&ctx, buf, n);
    }
    const bool ok = !ferror(f);
    delete[] buf;
    fclose(f);
    if (!ok) {
        if (err) *err = path + ": read error";
        return false;
    }
    uint8_t digest[32];
    sha256_final(&ctx, digest);
    *hex = sha256_digest_hex(digest);
    return true;
}

bool sha256_is_hex(const std::string & s) {
    if (s.size() != 64) {
        return false;
    }
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}
