// The radz commands' option table (native/cli/cli_options.h): values in both spellings, flags,
// missing and bad values, unknown options, positional arguments, the common options' checks and
// the help generated from the table.
#include "cli/cli_common.h"
#include "cli/cli_options.h"
#include "ort_options.h"
#include "ort_providers.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

// Runs the parser on "radz test ARGS..." and collects the positional arguments.
int parse(const cli_option_table & table, std::vector<std::string> args, std::vector<std::string> * positional) {
    args.insert(args.begin(), "test");
    std::vector<char *> argv;
    for (auto & a : args) {
        argv.push_back(a.data());
    }
    return cli_options_parse("test", "usage: radz test\n", table, (int) argv.size(), argv.data(),
                             [&](const std::string & a, std::string * err) {
                                 if (a == "refused") {
                                     *err = "refused '" + a + "'";
                                     return false;
                                 }
                                 positional->push_back(a);
                                 return true;
                             });
}

} // namespace

TEST_CASE("values and flags and positional arguments") {
    std::string              out, top = "5";
    bool                     json = false;
    std::vector<std::string> pos;
    const cli_option_table   table = {cli_option_string("--out", "DIR", "where", &out),
                                      cli_option_string("--top", "N", "how many", &top),
                                      cli_option_flag("--json", "as JSON", &json)};
    CHECK(parse(table, {"a.png", "--out", "x", "--top=0", "-", "--json", "b.png"}, &pos) == -1);
    CHECK(out == "x");
    CHECK(top == "0");
    CHECK(json);
    CHECK(pos == std::vector<std::string>{"a.png", "-", "b.png"});
}

TEST_CASE("usage errors") {
    std::string              out;
    bool                     json = false;
    std::vector<std::string> pos;
    cli_option_table         table = {cli_option_string("--out", "DIR", "where", &out),
                                      cli_option_flag("--json", "as JSON", &json)};
    table.push_back({"--finding", "NAME", "a finding",
                     [](const std::string & v, std::string * err) {
                         *err = "--finding: bad '" + v + "'";
                         return v != "bad";
                     },
                     "--finding needs a name"});
    CHECK(parse(table, {"--out"}, &pos) == CLI_USAGE);        // missing value
    CHECK(parse(table, {"--finding"}, &pos) == CLI_USAGE);    // missing, own message
    CHECK(parse(table, {"--finding", "bad"}, &pos) == CLI_USAGE);
    CHECK(parse(table, {"--finding=ok"}, &pos) == -1);
    CHECK(parse(table, {"--bogus"}, &pos) == CLI_USAGE);      // unknown option
    CHECK(parse(table, {"--json=1"}, &pos) == CLI_USAGE);     // a flag takes no value
    CHECK(parse(table, {"--outx", "y"}, &pos) == CLI_USAGE);  // no prefix matching
    CHECK(parse(table, {"refused"}, &pos) == CLI_USAGE);      // positional refused
    CHECK(pos.empty());
    CHECK(parse(table, {"--help", "--bogus"}, &pos) == CLI_OK);
    CHECK(parse(table, {"--bogus", "--help"}, &pos) == CLI_USAGE);  // read in order
}

TEST_CASE("common options and their checks") {
    cli_common               opt;
    cli_option_table         table;
    std::vector<std::string> pos;
    cli_common_options(&opt, &table);
    CHECK(parse(table, {"--ep", "cpu", "--threads", "4", "--variant=int8", "--verbose", "--model", "m"}, &pos) == -1);
    CHECK(opt.ep == "cpu");
    CHECK(opt.threads == 4);
    CHECK(opt.variant == "int8");
    CHECK(opt.verbose);
    CHECK(opt.model == "m");
    CHECK(parse(table, {"--ep", "tpu"}, &pos) == CLI_USAGE);
    CHECK(opt.ep == "cpu");
    for (const char * t : {"0", "1025", "x", "4x", ""}) {
        CHECK(parse(table, {"--threads", t}, &pos) == CLI_USAGE);
    }
    CHECK(opt.threads == 4);
}

TEST_CASE("the --ep option takes auto and the providers of the table in ort_providers.h") {
    cli_common               opt;
    cli_option_table         table;
    std::vector<std::string> pos;
    cli_common_options(&opt, &table);
    for (const auto & d : ort_provider_table()) {
        CHECK(parse(table, {"--ep", d.name}, &pos) == -1);
        CHECK(opt.ep == d.name);
    }
    CHECK(parse(table, {"--ep", "auto"}, &pos) == -1);
    CHECK(parse(table, {"--ep", "all"}, &pos) == CLI_USAGE);  // radz info's internal request, not an --ep
    CHECK(parse(table, {"--ep", "CPU"}, &pos) == CLI_USAGE);
    CHECK(ort_provider_choices() == "auto, cpu, webgpu or cuda");
    CHECK(ort_provider_list(" (default)") == "auto (default), cpu, webgpu, cuda");
}

TEST_CASE("the provider table: unique names, one fallback below the others, a probe each, the session entries") {
    const auto & t         = ort_provider_table();
    int          fallbacks = 0;
    for (size_t i = 0; i < t.size(); ++i) {
        CHECK(t[i].probe != nullptr);
        CHECK(ort_provider_find(t[i].name) == &t[i]);
        CHECK((t[i].separate_lib == nullptr) == (t[i].separate_lib_what == nullptr));
        if (t[i].fallback) {
            ++fallbacks;
            CHECK(t[i].append == nullptr);  // ONNX Runtime's default provider
            for (const auto & other : t) {
                CHECK((other.fallback || other.preference > t[i].preference));
            }
        }
    }
    CHECK(fallbacks == 1);
    CHECK(ort_provider_find("auto") == nullptr);
    CHECK(ort_provider_find("CUDA") == nullptr);
    // auto's order: cuda, then webgpu, then cpu.
    CHECK(ort_provider_find("cuda")->preference > ort_provider_find("webgpu")->preference);
    CHECK(ort_provider_find("webgpu")->preference > ort_provider_find("cpu")->preference);
    bool qdq = false;
    for (const auto & e : ORT_SESSION_ENTRIES) {
        qdq = qdq || (std::string(e.key) == "session.disable_quant_qdq" && std::string(e.value) == "1");
    }
    CHECK(qdq);
}

TEST_CASE("help generated from the table") {
    std::string            s;
    bool                   b = false;
    const cli_option_table table = {cli_option_string("--list", "FILE", "one per line", &s),
                                    cli_option_flag("--csv", "rows\nmore rows", &b),
                                    cli_option_heading("whole archives:"),
                                    cli_option_string("--a-very-long-option-name", "VALUE", "text", &s)};
    CHECK(cli_options_help(table) == "  --list FILE            one per line\n"
                                     "  --csv                  rows\n"
                                     "                         more rows\n"
                                     "\n"
                                     "whole archives:\n"
                                     "  --a-very-long-option-name VALUE text\n");
}
