// radz tokenize: encode text (or decode ids) with any Hugging Face tokenizer.json, printing JSON,
// so that a tokenizer can be checked from the command line.
#include "commands.h"

#include "tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

const char * const TOKENIZE_USAGE =
    "usage: radz tokenize --tokenizer FILE [--decode] [options] [TEXT...]\n"
    "\n"
    "Encodes each TEXT, or each line of standard input when no TEXT is given (the \"\\n\" ending a\n"
    "line is removed, nothing else), and prints one JSON array of ids per input, one per line.\n"
    "\n"
    "  --tokenizer FILE   a Hugging Face tokenizer.json (BPE; see docs/tokenizer.md)\n"
    "  --decode           inputs are ids instead: a JSON array [1, 2, 3] or ids separated by\n"
    "                     spaces or commas; prints one JSON string per input\n"
    "  --no-special       encode without the post-processor's special tokens (e.g. LLaMA's <s>)\n"
    "  --skip-special     decode without the special tokens\n"
    "  --tokens           encode: print {\"ids\": [...], \"tokens\": [...]} instead of the ids\n"
    "\n"
    "Text must be UTF-8: an input that is not is reported on stderr with the byte offset, its\n"
    "output line is null, and the exit code is 1. Exit codes: 0 ok, 1 an input failed, 2 usage.\n";

int usage_error(const std::string & msg) {
    std::fprintf(stderr, "radz tokenize: %s\n(try 'radz tokenize --help')\n", msg.c_str());
    return 2;
}

bool parse_ids(const std::string & text, std::vector<int32_t> * ids, std::string * err) {
    ids->clear();
    std::string s = text;
    size_t a = s.find_first_not_of(" \t\r\n");
    if (a != std::string::npos && s[a] == '[') {
        nlohmann::json j = nlohmann::json::parse(s, nullptr, false);
        if (j.is_discarded() || !j.is_array()) {
            *err = "not a JSON array of ids";
            return false;
        }
        for (const auto & v : j) {
            if (!v.is_number_integer()) {
                *err = "not an integer id: " + v.dump();
                return false;
            }
            ids->push_back(v.get<int32_t>());
        }
        return true;
    }
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
            i++;
        }
        if (i >= s.size()) {
            break;
        }
        size_t j = i;
        if (s[j] == '-') {
            j++;
        }
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
            j++;
        }
        if (j == i || (j == i + 1 && s[i] == '-') ||
            (j < s.size() && !(s[j] == ' ' || s[j] == ',' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))) {
            *err = "not an id list: " + s.substr(i, 20);
            return false;
        }
        ids->push_back(static_cast<int32_t>(std::stol(s.substr(i, j - i))));
        i = j;
    }
    return true;
}

std::string to_json(const nlohmann::json & j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

int cmd_tokenize(int argc, char ** argv) {
    std::string file;
    bool decode = false;
    bool special = true;
    bool skip_special = false;
    bool show_tokens = false;
    std::vector<std::string> inputs;
    bool end_of_options = false;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (end_of_options || a.empty() || a[0] != '-' || a == "-") {
            inputs.push_back(a);
        } else if (a == "--") {
            end_of_options = true;
        } else if (a == "--help" || a == "-h") {
            std::fputs(TOKENIZE_USAGE, stdout);
            return 0;
        } else if (a == "--tokenizer") {
            if (i + 1 >= argc) {
                return usage_error("--tokenizer needs a FILE");
            }
            file = argv[++i];
        } else if (a.compare(0, 12, "--tokenizer=") == 0) {
            file = a.substr(12);
        } else if (a == "--decode") {
            decode = true;
        } else if (a == "--no-special") {
            special = false;
        } else if (a == "--skip-special") {
            skip_special = true;
        } else if (a == "--tokens") {
            show_tokens = true;
        } else {
            return usage_error("unknown option " + a);
        }
    }
    if (file.empty()) {
        return usage_error("--tokenizer FILE is required");
    }
    std::string err;
    std::unique_ptr<radz_tokenizer, tokenizer_deleter> tok(tokenizer_load_file(file, &err));
    if (!tok) {
        std::fprintf(stderr, "radz tokenize: %s\n", err.c_str());
        return 1;
    }

    int rc = 0;
    auto process = [&](const std::string & input, size_t n) {
        std::vector<int32_t> ids;
        if (decode) {
            std::string text;
            if (!parse_ids(input, &ids, &err) || !tokenizer_decode(tok.get(), ids, skip_special, &text, &err)) {
                std::fprintf(stderr, "radz tokenize: input %zu: %s\n", n, err.c_str());
                std::puts("null");
                rc = 1;
                return;
            }
            std::puts(to_json(text).c_str());
            return;
        }
        if (!tokenizer_encode(tok.get(), input, special, &ids, &err)) {
            std::fprintf(stderr, "radz tokenize: input %zu: %s\n", n, err.c_str());
            std::puts("null");
            rc = 1;
            return;
        }
        if (show_tokens) {
            nlohmann::json tokens = nlohmann::json::array();
            for (int32_t id : ids) {
                tokens.push_back(tokenizer_id_to_token(tok.get(), id));
            }
            std::puts(to_json(nlohmann::json{{"ids", ids}, {"tokens", tokens}}).c_str());
        } else {
            std::puts(to_json(ids).c_str());
        }
    };

    if (!inputs.empty()) {
        for (size_t i = 0; i < inputs.size(); i++) {
            process(inputs[i], i + 1);
        }
    } else {
        std::string line;
        size_t n = 0;
        while (std::getline(std::cin, line)) {
            process(line, ++n);
            std::fflush(stdout);
        }
    }
    return rc;
}
