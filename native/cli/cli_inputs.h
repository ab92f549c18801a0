// Image inputs the way command-line users give them, shared by `radz classify` and radz-app:
//
//   IMAGE        a file, taken as given (the core reads PNG, JPEG, BMP and DICOM by their
//                signature, whatever the name); a missing or unreadable one is reported by the
//                classifier
//   FOLDER       its image files (cli_inputs_is_image_name, or any other name whose content
//                is a DICOM Part 10 file: PACS exports name files by UID or not at all),
//                recursively, sorted by path
//                bytewise (as `LC_ALL=C sort`); names starting with '.' (hidden files and
//                folders) skipped; symbolic links to files followed, to folders not (no loops);
//                only regular files (a FIFO named x.png would block)
//   --list FILE  a list file: one path (IMAGE or FOLDER) per line; '-' reads standard input
//   @FILE        a response file: one argument per line (options too), expanded in place before
//                the options are parsed; @FILE lines in it expand too (8 levels at most)
//
// List and response files: LF or CRLF line ends; blank lines and lines starting with '#' are
// skipped; any other line is taken verbatim (no quoting: spaces are part of the path; write
// ./#name or ./@name for such names). Relative paths are relative to the current folder, as
// with xargs or tar -T, not to the list file.
//
// What cannot be read (a folder, a list file, a folder without images, a broken link) is
// reported as one line naming the path and why, and skipped; the rest is still returned.
#pragma once

#include <string>
#include <vector>

struct cli_inputs {
    std::vector<std::string> files;     // the images, in the order given, folders expanded
    std::vector<std::string> problems;  // one line each: "scans/: cannot read this folder (Permission denied)"
    bool                     stdin_read = false;  // '--list -' was read
};

// Whether a file name has the extension of a format the core reads (image.h, dicom.h): .png,
// .jpg, .jpeg, .jpe, .jfif, .bmp, .dib, .dcm, .dicom, in any case. Used for the files of
// folders only.
bool cli_inputs_is_image_name(const std::string & name);

// Whether the file's bytes 128..131 are "DICM" (dicom_is_part10); false when it cannot be read.
bool cli_inputs_is_dicom_file(const std::string & path);

// Replaces every argument "@FILE" (after argv[0]) by FILE's lines (the rules above); the other
// arguments are kept. False with a one-line error when a response file cannot be read or
// response files nest more than 8 deep (a response file may hold options: nothing is guessed).
bool cli_inputs_expand_args(int argc, char ** argv, std::vector<std::string> * args, std::string * err);

// The entries of a list file ('-': standard input), the rules above. False with a one-line
// error ("list.txt: cannot read (No such file or directory)") when it cannot be read.
bool cli_inputs_read_list(const std::string & list, std::vector<std::string> * entries, std::string * err);

// Adds one IMAGE or FOLDER argument to in->files; problems to in->problems.
void cli_inputs_add_path(const std::string & path, cli_inputs * in);

// Adds the entries of a list file ('-': standard input, once), each as cli_inputs_add_path.
void cli_inputs_add_list(const std::string & list, cli_inputs * in);
