// radz: zero-shot disease recognition on medical images, from the command line.
#include "commands.h"

#include <cstdio>
#include <cstring>

#ifndef RADZ_VERSION
#define RADZ_VERSION "0.0.0"
#endif

static const char * const USAGE =
    "usage: radz <command> [options]\n"
    "\n"
    "commands:\n"
    "  classify IMAGE...          score images against the findings of a modality\n"
    "  eval LABELS.csv --images DIR   AUC, F1 and accuracy over a labelled set\n"
    "  merge SHARDS...            join the shards of an eval or classify run (--shard K/N)\n"
    "  compare A.json B.json      compare two results documents within tolerances\n"
    "  info                       the model package, its variants and findings, the providers\n"
    "  bench [IMAGE]              speed by stage and variant, GEMM rate, cost of many findings\n"
    "  tokenize                   encode and decode text with a tokenizer.json\n"
    "\n"
    "'radz <command> --help' for a command's options. Exit codes: 0 success, 1 an input failed,\n"
    "2 usage error.\n";

int main(int argc, char ** argv) {
    if (argc < 2) {
        std::fputs(USAGE, stderr);
        return 2;
    }
    const char * cmd = argv[1];
    if (!std::strcmp(cmd, "--help") || !std::strcmp(cmd, "-h") || !std::strcmp(cmd, "help")) {
        std::fputs(USAGE, stdout);
        return 0;
    }
    if (!std::strcmp(cmd, "--version")) {
        std::printf("radz %s\n", RADZ_VERSION);
        return 0;
    }
    if (!std::strcmp(cmd, "classify")) {
        return cmd_classify(argc - 1, argv + 1);
    }
    if (!std::strcmp(cmd, "eval")) {
        return cmd_eval(argc - 1, argv + 1);
    }
    if (!std::strcmp(cmd, "merge")) {
        return cmd_merge(argc - 1, argv + 1);
    }
    if (!std::strcmp(cmd, "compare")) {
        return cmd_compare(argc - 1, argv + 1);
    }
    if (!std::strcmp(cmd, "info")) {
        return cmd_info(argc - 1, argv + 1);
    }
    if (!std::strcmp(cmd, "bench")) {
        return cmd_bench(argc - 1, argv + 1);
    }
    if (!std::strcmp(cmd, "tokenize")) {
        return cmd_tokenize(argc - 1, argv + 1);
    }
    std::fprintf(stderr, "radz: unknown command '%s' (try 'radz --help')\n", cmd);
    return 2;
}
