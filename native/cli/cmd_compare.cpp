// radz compare REFERENCE.json CANDIDATE.json : two results documents within tolerances.
#include "cli_common.h"
#include "commands.h"
#include "compare.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

static const char * const HELP =
    "usage: radz compare REFERENCE.json CANDIDATE.json [options]\n"
    "\n"
    "Matches images by sha256 (then file name) and findings by id, and checks the absolute\n"
    "differences of probability, logit and cosine, the feature cosine and the top-1 finding\n"
    "(docs/results-schema.md). Exit 0 when everything passes, 1 otherwise, 2 on usage errors\n"
    "or an unreadable document.\n"
    "\n"
    "options:\n"
    "  --tol-prob X           default 1e-4\n"
    "  --tol-cos X            default 1e-4\n"
    "  --tol-logit X          default 1e-3\n"
    "  --min-feature-cos X    default 0.9999\n"
    "  --verbose              a line for every image, not only the failing ones\n";

static bool parse_number(const std::string & s, double * out) {
    char * end = nullptr;
    *out       = std::strtod(s.c_str(), &end);
    return !s.empty() && *end == '\0' && std::isfinite(*out) && *out >= 0;
}

int cmd_compare(int argc, char ** argv) {
    compare_tolerances       tol;
    std::vector<std::string> files;
    bool                     verbose = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        std::string       v;
        bool              missing = false;
        double *          target  = nullptr;
        if (a == "--help" || a == "-h") {
            std::fputs(HELP, stdout);
            return CLI_OK;
        }
        std::string name;
        for (auto [opt, dst] : {std::pair<const char *, double *>{"--tol-prob", &tol.prob},
                                {"--tol-cos", &tol.cos},
                                {"--tol-logit", &tol.logit},
                                {"--min-feature-cos", &tol.min_feature_cos}}) {
            if (!target && cli_take(argc, argv, &i, opt, &v, &missing)) {
                target = dst;
                name   = opt;
            }
        }
        if (target) {
            if (missing || !parse_number(v, target)) {
                return cli_usage_error("compare", name + ": expected a number >= 0, found '" + v + "'");
            }
        } else if (a == "--verbose") {
            verbose = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return cli_usage_error("compare", "unknown option '" + a + "'");
        } else {
            files.push_back(a);
        }
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
