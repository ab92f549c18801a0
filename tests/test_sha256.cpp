#include <catch2/catch.hpp>

#include "sha256.h"

#include <cstdio>
#include <string>

TEST_CASE("sha256 of the FIPS 180-2 vectors") {
    CHECK(sha256_hex(std::string()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex(std::string("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex(std::string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 streaming equals one-shot for every split") {
    std::string s;
    for (int i = 0; i < 300; i++) {
        s += (char) (i * 37 + 11);
    }
    const std::string want = sha256_hex(s);
    // splits around the 55/56/64-byte padding boundaries
    for (size_t len : { 0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300 }) {
        const std::string part = s.substr(0, len);
        const std::string one = sha256_hex(part);
        for (size_t cut = 0; cut <= len; cut += 7) {
            sha256_ctx ctx;
            sha256_init(&ctx);
            sha256_update(&ctx, part.data(), cut);
            sha256_update(&ctx, part.data() + cut, len - cut);
            uint8_t d[32];
            sha256_final(&ctx, d);
            CHECK(sha256_digest_hex(d) == one);
        }
    }
    // byte at a time
    sha256_ctx ctx;
    sha256_init(&ctx);
    for (char c : s) {
        sha256_update(&ctx, &c, 1);
    }
    uint8_t d[32];
    sha256_final(&ctx, d);
    CHECK(sha256_digest_hex(d) == want);
}

TEST_CASE("sha256 of a file") {
    const std::string path = std::string(RADZ_SOURCE_DIR) + "/tests/data/images/text.png";
    std::string hex, err;
    REQUIRE(sha256_file_hex(path, &hex, &err));
    CHECK(hex == sha256_hex(std::string("this is not an image\n")));
    CHECK(sha256_is_hex(hex));

    CHECK_FALSE(sha256_file_hex(path + ".missing", &hex, &err));
    CHECK(err.find("text.png.missing: cannot open") != std::string::npos);
}

TEST_CASE("sha256_is_hex") {
    CHECK(sha256_is_hex(std::string(64, 'a')));
    CHECK_FALSE(sha256_is_hex(std::string(64, 'A')));
    CHECK_FALSE(sha256_is_hex(std::string(63, 'a')));
    CHECK_FALSE(sha256_is_hex(std::string(63, 'a') + "g"));
}
