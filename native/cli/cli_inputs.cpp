#include "cli_inputs.h"

#include "dicom.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

namespace fs = std::filesystem;

namespace {

// Response files nest at most this deep (a file naming itself stops here).
constexpr int k_max_depth = 8;

// The list-file rules of cli_inputs.h over one stream.
void read_lines(std::istream & is, std::vector<std::string> * out) {
    std::string line;
    while (std::getline(is, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') {
            continue;
        }
        out->push_back(line);
    }
}

bool expand_into(const std::string & arg, int depth, std::vector<std::string> * args, std::string * err) {
    if (arg.size() < 2 || arg[0] != '@') {
        args->push_back(arg);
        return true;
    }
    if (depth >= k_max_depth) {
        *err = arg + ": response files nested more than " + std::to_string(k_max_depth) + " deep (one names itself?)";
        return false;
    }
    std::vector<std::string> lines;
    if (!cli_inputs_read_list(arg.substr(1), &lines, err)) {
        *err = "@" + *err;
        return false;
    }
    for (const auto & l : lines) {
        if (!expand_into(l, depth + 1, args, err)) {
            return false;
        }
    }
    return true;
}

// The image files under dir (cli_inputs.h), unsorted.
void walk_folder(const fs::path & dir, cli_inputs * in, std::vector<std::string> * found) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        in->problems.push_back(dir.string() + ": cannot read this folder (" + ec.message() + ")");
        return;
    }
    std::vector<fs::path> subdirs;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) {
            in->problems.push_back(dir.string() + ": cannot read this folder to the end (" + ec.message() + ")");
            break;
        }
        const fs::path    p    = it->path();
        const std::string name = p.filename().string();
        if (name.empty() || name[0] == '.') {
            continue;
        }
        std::error_code   e1;
        const fs::file_status link = it->symlink_status(e1);
        if (fs::is_directory(link)) {
            subdirs.push_back(p);
            continue;
        }
        std::error_code   e2;
        const fs::file_status st = it->status(e2);  // follows a symbolic link
        if (!cli_inputs_is_image_name(name) && !(fs::is_regular_file(st) && cli_inputs_is_dicom_file(p.string()))) {
            continue;
        }
        if (fs::is_regular_file(st)) {
            found->push_back(p.string());
        } else if (fs::is_symlink(link) && (e2 || !fs::exists(st))) {
            in->problems.push_back(p.string() + ": broken symbolic link, skipped");
        } else if (fs::is_directory(st)) {
            // a link to a folder: not followed (no loops)
        } else if (e2) {
            in->problems.push_back(p.string() + ": cannot read (" + e2.message() + "), skipped");
        } else {
            in->problems.push_back(p.string() + ": not a regular file, skipped");
        }
    }
    for (const auto & d : subdirs) {
        walk_folder(d, in, found);
    }
}

} // namespace

bool cli_inputs_is_image_name(const std::string & name) {
    const size_t dot = name.rfind('.');
    if (dot == std::string::npos || name.find('/', dot) != std::string::npos) {
        return false;
    }
    std::string ext = name.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return (char) std::tolower(c); });
    return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "jpe" || ext == "jfif" || ext == "bmp" ||
           ext == "dib" || ext == "dcm" || ext == "dicom";
}

bool cli_inputs_is_dicom_file(const std::string & path) {
    std::ifstream f(path, std::ios::binary);
    char          head[132];
    if (!f.read(head, sizeof head)) {
        return false;
    }
    return dicom_is_part10(reinterpret_cast<const uint8_t *>(head), sizeof head);
}

bool cli_inputs_expand_args(int argc, char ** argv, std::vector<std::string> * args, std::string * err) {
    args->clear();
    for (int i = 0; i < argc; ++i) {
        if (i == 0) {
            args->push_back(argv[0]);
        } else if (!expand_into(argv[i], 0, args, err)) {
            return false;
        }
    }
    return true;
}

bool cli_inputs_read_list(const std::string & list, std::vector<std::string> * entries, std::string * err) {
    entries->clear();
    if (list == "-") {
        read_lines(std::cin, entries);
        if (std::cin.bad()) {
            *err = "-: cannot read standard input";
            return false;
        }
        return true;
    }
    std::error_code ec;
    if (fs::is_directory(list, ec)) {
        *err = list + ": is a folder, expected a list file (one path per line)";
        return false;
    }
    std::ifstream f(list, std::ios::binary);
    if (!f) {
        *err = list + ": cannot read (" + std::strerror(errno) + ")";
        return false;
    }
    read_lines(f, entries);
    if (f.bad()) {
        *err = list + ": cannot read to the end (" + std::strerror(errno) + ")";
        return false;
    }
    return true;
}

void cli_inputs_add_path(const std::string & path, cli_inputs * in) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        in->files.push_back(path);  // a file, or what the classifier will report as unreadable
        return;
    }
    std::vector<std::string> found;
    const size_t             before = in->problems.size();
    walk_folder(path, in, &found);
    if (found.empty() && in->problems.size() == before) {
        in->problems.push_back(path + ": no PNG, JPEG, BMP or DICOM file in this folder (hidden ones are skipped)");
    }
    std::sort(found.begin(), found.end());
    in->files.insert(in->files.end(), found.begin(), found.end());
}

void cli_inputs_add_list(const std::string & list, cli_inputs * in) {
    if (list == "-") {
        if (in->stdin_read) {
            in->problems.push_back("--list -: standard input was already read");
            return;
        }
        in->stdin_read = true;
    }
    std::vector<std::string> entries;
    std::string              err;
    if (!cli_inputs_read_list(list, &entries, &err)) {
        in->problems.push_back(err);
        return;
    }
    if (entries.empty()) {
        in->problems.push_back((list == "-" ? std::string("standard input") : list) + ": no path in this list");
    }
    for (const auto & e : entries) {
        cli_inputs_add_path(e, in);
    }
}
