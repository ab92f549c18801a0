// Shared pieces of the `radz` subcommands: the options every model-running command takes,
// opening the package + backend + pipeline, a progress bar, usage errors.
#pragma once

#include "backend_ort.h"
#include "cli_options.h"
#include "pipeline.h"

#include <memory>
#include <string>

// Exit codes of every subcommand.
enum {
    CLI_OK       = 0,
    CLI_FAILED   = 1, // an input failed (the others are still reported)
    CLI_USAGE    = 2, // bad command line
};

struct cli_common {
    std::string model;        // --model DIR (else RADZ_MODEL, else the compiled-in default)
    std::string variant;      // --variant (empty: the package's default)
    std::string ep = "auto";  // --ep auto|cpu|webgpu|cuda
    std::string ort_lib;      // --ort-lib FILE (else RADZ_ORT_LIB, else node_modules' library)
    int32_t     threads = 0;  // --threads N
    bool        verbose = false;
};

// Appends the rows of the options above (cli_options.h), with their checks, to a command's table.
void cli_common_options(cli_common * opt, cli_option_table * table);

// Takes the value of an option at argv[*i]: "--name VALUE" (advances *i) or "--name=VALUE".
// Returns false when argv[*i] is not that option; sets *missing when the value is absent.
bool cli_take(int argc, char ** argv, int * i, const char * name, std::string * value, bool * missing);

// Prints "radz <cmd>: <msg>" and a hint to stderr; returns CLI_USAGE.
int cli_usage_error(const char * cmd, const std::string & msg);

// The model folder: --model, else RADZ_MODEL, else the default compiled in (the repository's
// assets/models/radz-tiny).
std::string cli_model_dir(const cli_common & opt);

// Everything a model-running command needs. pl points at be: keep the declaration order.
struct cli_session {
    radz_package             pkg;
    ort_probe                probe;
    std::unique_ptr<backend> be;
    pipeline                 pl;
};

// package_load, ort_backend_create, pipeline_open. Prints the provider choice to stderr
// ("radz: execution provider cpu (webgpu: ...; cuda: ...)") unless quiet.
bool cli_session_open(const cli_common & opt, bool quiet, cli_session * s, std::string * err);

// A progress callback drawing a one-line bar on stderr when stderr is a terminal (else none).
progress_fn cli_progress_bar(const std::string & label);

// Whether stderr is a terminal.
bool cli_stderr_is_tty();
