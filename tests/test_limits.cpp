// The limits of the contract that bound what a hostile file can make the core allocate or
// compute (issue 15): JSON nesting depth (every JSON document the core reads), tokenizer input
// length, CSV record length. Each gives a one-line error naming the file; one step inside the
// limit is still read. (Image limits: tests/test_image.cpp.)
#include "anchor_table.h"
#include "evidence.h"
#include "labels_csv.h"
#include "package.h"
#include "results.h"
#include "tokenizer.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>

static std::string nested(int depth) {
    return std::string((size_t) depth, '[') + std::string((size_t) depth, ']');
}

static std::string read_text(const std::string & rel) {
    std::ifstream f(std::string(RADZ_SOURCE_DIR) + "/" + rel, std::ios::binary);
    REQUIRE(f);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

TEST_CASE("JSON nested deeper than 64 levels is refused by every reader, naming the file") {
    const std::string deep = nested(65), ok = nested(64);
    std::string err;
    anchor_table t;
    CHECK_FALSE(anchor_table_parse(deep, "a.json", &t, &err));
    CHECK(err == "a.json: not valid JSON (nested deeper than 64 levels)");
    CHECK_FALSE(anchor_table_parse(ok, "a.json", &t, &err));
    CHECK(err.find("nested") == std::string::npos);  // refused for its shape, not its depth

    results_doc r;
    CHECK_FALSE(results_parse("{\"images\": " + deep + "}", "r.json", &r, &err));
    CHECK(err == "r.json: not valid JSON (nested deeper than 64 levels)");
    evidence_doc e;
    CHECK_FALSE(evidence_parse(deep, "evidence.json", &e, &err));
    CHECK(err == "evidence.json: not valid JSON (nested deeper than 64 levels)");
    radz_package p;
    CHECK_FALSE(package_parse_manifest(deep, &p, &err));
    CHECK(err == "manifest.json: not valid JSON (nested deeper than 64 levels)");
    // Objects count as arrays do.
    std::string objs;
    for (int i = 0; i < 65; i++) objs += "{\"a\":";
    objs += "1" + std::string(65, '}');
    CHECK_FALSE(anchor_table_parse(objs, "o.json", &t, &err));
    CHECK(err == "o.json: not valid JSON (nested deeper than 64 levels)");
    // Brackets inside strings are text.
    CHECK_FALSE(anchor_table_parse("{\"a\": \"" + std::string(1000, '[') + "\"}", "s.json", &t, &err));
    CHECK(err.find("nested") == std::string::npos);
}

TEST_CASE("tokenizer.json nested deeper than 64 levels and text over 1 MiB are refused") {
    std::string err;
    CHECK(tokenizer_load_json(nested(65), &err) == nullptr);
    CHECK(err == "tokenizer.json: not valid JSON: nested deeper than 64 levels");
    CHECK(tokenizer_load_json(nested(64), &err) == nullptr);
    CHECK(err.find("nested") == std::string::npos);

    std::unique_ptr<radz_tokenizer, tokenizer_deleter> tok(
        tokenizer_load_json(read_text("assets/models/radz-tiny/tokenizer.json"), &err));
    REQUIRE(tok);
    std::vector<int32_t> ids;
    std::string text;
    while (text.size() < tokenizer_max_text_bytes) text += "effusion ";
    text.resize(tokenizer_max_text_bytes);
    CHECK(tokenizer_encode(tok.get(), text, false, &ids, &err));
    CHECK(!ids.empty());
    text += "x";
    CHECK_FALSE(tokenizer_encode(tok.get(), text, false, &ids, &err));
    CHECK(err == "text is 1048577 bytes, longer than the limit of 1048576");
    CHECK(ids.empty());
}

TEST_CASE("a CSV record longer than 1 MiB is refused, naming the file and line") {
    std::string err;
    csv_table t;
    const std::string head = "path,Effusion\na.png,1\n";
    // A line of separators: millions of empty fields from a few MB (the cost the limit bounds).
    const std::string commas = head + std::string(csv_max_record_bytes + 1, ',') + "\n";
    CHECK_FALSE(csv_parse(commas, "big.csv", &t, &err));
    CHECK(err == "big.csv: line 3: a record longer than the limit of 1048576 bytes");
    const std::string quoted = head + "\"" + std::string(csv_max_record_bytes, 'x') + "\",1\n";
    CHECK_FALSE(csv_parse(quoted, "q.csv", &t, &err));
    CHECK(err == "q.csv: line 3: a record longer than the limit of 1048576 bytes");
    const std::string fits = head + std::string(csv_max_record_bytes - 2, 'x') + ",1\n";
    CHECK(csv_parse(fits, "fits.csv", &t, &err));
    CHECK(t.rows.size() == 2);
}
