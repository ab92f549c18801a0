// radz-app: the command line (app_args.h).
#include "app_args.h"

#include "cli/cli_inputs.h"
#include "ort_providers.h"

#include <cstdio>
#include <cstdlib>

#ifndef RADZ_DEFAULT_MODEL
#define RADZ_DEFAULT_MODEL "assets/models/radz-tiny"
#endif

// The --help text; @EP@ stands for the provider list (ort_providers.h).
static const char * const HELP =
    "usage: radz-app [IMAGE|FOLDER|@FILE...] [--list FILE] [options]\n"
    "\n"
    "The RadZ desktop app. Drop images or folders on the window, or open them with Ctrl+O.\n"
    "\n"
    "options:\n"
    "  --model DIR          model package (default: $RADZ_MODEL, the last one used, else " RADZ_DEFAULT_MODEL ")\n"
    "  --variant NAME       fp32, int8 or int4 (default: the package's default)\n"
    "  --ep NAME            execution provider: @EP@ (default: the last one used)\n"
    "  --ort-lib FILE       ONNX Runtime library (default: $RADZ_ORT_LIB, else node_modules')\n"
    "  --threads N          intra-op threads\n"
    "  --modality ID        modality of the images opened: cxr, mri or auto (default: detected)\n"
    "  --image FILE         an image to open (repeatable; same as a plain argument)\n"
    "  --list FILE          open the images (or folders) listed in FILE, one per line ('-': standard\n"
    "                       input; blank lines and lines starting with '#' skipped)\n"
    "  @FILE                a response file: one argument per line, options too\n"
    "\n"
    "test mode (renders until the images are classified, writes these files and exits):\n"
    "  --screenshot FILE    PNG of the window\n"
    "  --results FILE       results document (docs/results-schema.md)\n"
    "  --layout FILE        JSON: rectangles of the image and of each finding's bar\n"
    "  --size WxH           window size (default 1280x800)\n"
    "  --anchors FILE       load an anchor table first (as Findings > Load anchor table)\n"
    "  --finding NAME       add a finding described by the --description options that follow it\n"
    "  --description TEXT   (as Findings > Add; repeatable)\n"
    "  --parity FILE        load a results file into the parity view (the layout gets its summary)\n"
    "  --save-anchors FILE  save the anchor table on exit (as Findings > Save table)\n"
    "  --show WINDOWS       open windows: findings, providers, parity, about (comma-separated)\n"
    "  --switch-ep NAME     once classified, switch to this provider (as its Use button)\n"
    "  --child-ep NAME      once classified, run the images on it in a child process (Compare)\n";

int usage_error(const std::string & msg) {
    std::fprintf(stderr, "radz-app: %s (try 'radz-app --help')\n", msg.c_str());
    return 2;
}

int app_args_parse(int argc, char ** argv, app_args * args) {
    std::vector<std::string> arg_list;  // argv with @FILE response files expanded (cli/cli_inputs.h)
    std::vector<char *>      arg_ptrs;
    if (std::string err; !cli_inputs_expand_args(argc, argv, &arg_list, &err)) {
        return usage_error(err);
    }
    for (auto & s : arg_list) {
        arg_ptrs.push_back(s.data());
    }
    argc = (int) arg_ptrs.size();
    argv = arg_ptrs.data();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char * name, std::string * dst) {
            if (a != name) {
                return false;
            }
            if (i + 1 >= argc) {
                std::exit(usage_error(std::string(name) + " needs a value"));
            }
            *dst = argv[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            std::string help = HELP;
            help.replace(help.find("@EP@"), 4, ort_provider_list(""));
            std::printf("%s", help.c_str());
            return 0;
        }
        if (value("--model", &args->model) || value("--variant", &args->variant) || value("--ep", &args->ep) ||
            value("--ort-lib", &args->ort_lib) || value("--modality", &args->modality) ||
            value("--screenshot", &args->screenshot) || value("--results", &args->results) ||
            value("--layout", &args->layout) || value("--anchors", &args->anchors) ||
            value("--parity", &args->parity) || value("--save-anchors", &args->save_anchors) ||
            value("--show", &args->show) || value("--switch-ep", &args->switch_ep) ||
            value("--child-ep", &args->child_ep)) {
            continue;
        }
        if (value("--image", &v)) {
            args->paths.push_back(v);
        } else if (value("--list", &v)) {
            std::vector<std::string> entries;
            std::string              err;
            if (!cli_inputs_read_list(v, &entries, &err)) {
                args->problems.push_back(err);
            } else if (entries.empty()) {
                args->problems.push_back(v + ": no path in this list");
            }
            args->paths.insert(args->paths.end(), entries.begin(), entries.end());
        } else if (value("--finding", &v)) {
            args->findings.push_back({v, {}});
        } else if (value("--description", &v)) {
            if (args->findings.empty()) {
                return usage_error("--description must follow a --finding NAME");
            }
            args->findings.back().second.push_back(v);
        } else if (value("--threads", &v)) {
            args->threads = std::atoi(v.c_str());
            if (args->threads < 1 || args->threads > 1024) {
                return usage_error("--threads: expected a number from 1 to 1024, found '" + v + "'");
            }
        } else if (value("--size", &v)) {
            if (std::sscanf(v.c_str(), "%dx%d", &args->width, &args->height) != 2 || args->width < 320 ||
                args->height < 240 || args->width > 8192 || args->height > 8192) {
                return usage_error("--size: expected WxH of at least 320x240, found '" + v + "'");
            }
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option '" + a + "'");
        } else {
            args->paths.push_back(a);
        }
    }
    if (!args->ep.empty() && !ort_provider_known(args->ep)) {
        return usage_error("--ep: expected " + ort_provider_choices() + ", found '" + args->ep + "'");
    }
    args->test_mode = !args->screenshot.empty() || !args->results.empty() || !args->layout.empty();
    if (args->test_mode && args->paths.empty()) {
        return usage_error("test mode (--screenshot, --results, --layout) needs images (--image FILE, a folder, "
                           "--list FILE)");
    }
    return -1;
}
