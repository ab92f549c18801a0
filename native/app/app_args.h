// radz-app: its command line (radz-app --help): images, folders, --list and @FILE response files,
// the model and provider options, and the test mode's options (docs/app.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

struct app_args {
    std::vector<std::string> paths;     // IMAGE and FOLDER arguments, --list entries
    std::vector<std::string> problems;  // --list files that could not be read
    std::string model, variant, ep, ort_lib, modality, screenshot, results, layout;
    std::string anchors, parity, save_anchors, show, switch_ep, child_ep;
    std::vector<std::pair<std::string, std::vector<std::string>>> findings;  // name, descriptions
    int32_t     threads = 0, width = 0, height = 0;
    bool        test_mode = false;  // --screenshot, --results or --layout given
};

// Reads the command line into args (response files expanded). Returns -1 to go on, else the exit
// code: 0 after --help, 2 after a usage error (printed in one line).
int app_args_parse(int argc, char ** argv, app_args * args);

// Prints a usage error in one line; returns 2, the exit code for it.
int usage_error(const std::string & msg);
