// radz compare REFERENCE.json CANDIDATE.json : two results documents within tolerances.
#include "cli_common.h"
#include "commands.h"
#include "compare.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>

static const char * const HELP =
    "usage: radz compare REFERENCE.json CANDIDATE.json [options]\n"
    "\n"
    "Matches images by sha256 (then file name) and findings by id, and checks the absolute\n"
    "differences of probability, logit and cosine, the feature cosine and the top-1 finding\n"
    "(docs/results-schema.md). Exit 0 when everything passes, 1 otherwise, 2 on usage errors\n"
    "or an unreadable document.\n"
    "\n"
    "options:\n";

static bool parse_number(const std::string & s, double * out) {
    char * end = nullptr;
    *out       = std::strtod(s.c_str(), &end);
    return !s.empty() && *end == '\0' && std::isfinite(*out) && *out >= 0;
}

int cmd_compare(int argc, char ** argv) {
    compare_tolerances       tol;
    std::vector<std::string> files;
    bool                     verbose = false;
    cli_option_table table;
    for (auto [name, dst, deflt] : {std::tuple<const char *, double *, const char *>{"--tol-prob", &tol.prob, "1e-4"},
                                    {"--tol-cos", &tol.cos, "1e-4"},
                                    {"--tol-logit", &tol.logit, "1e-3"},
                                    {"--min-feature-cos", &tol.min_feature_cos, "0.9999"}}) {
        const std::string n = name;
        double *          d = dst;
        table.push_back({n, "X", std::string("default ") + deflt,
                         [n, d](const std::string & v, std::string * err) {
                             if (!parse_number(v, d)) {
                                 *err = n + ": expected a number >= 0, found '" + v + "'";
                                 return false;
                             }
                             return true;
                         },
                         n + ": expected a number >= 0, found ''"});
    }
    table.push_back(cli_option_flag("--verbose", "a line for every image, not only the failing ones", &verbose));
    const int r = cli_options_parse("compare", HELP, table, argc, argv, [&](const std::string & a, std::string *) {
        files.push_back(a);
        return true;
    });
    if (r >= 0) {
        return r;
    }
    if (files.size() != 2) {
        return cli_usage_error("compare", "expected two results documents, found " + std::to_string(files.size()));
    }
    results_doc ref, cand;
    std::string err;
    if (!results_load(files[0], &ref, &err) || !results_load(files[1], &cand, &err)) {
        std::fprintf(stderr, "radz compare: %s\n", err.c_str());
        return CLI_USAGE;
    }
    const compare_report report = compare_results(ref, cand, tol);
    std::fputs(compare_report_text(report, verbose).c_str(), stdout);
    return report.pass ? CLI_OK : CLI_FAILED;
}
