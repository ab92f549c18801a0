// The options of a `radz` command as one table: each option's name, whether it takes a value,
// its help text and what it sets. The command's --help is generated from the table, and one
// parser reads every command's arguments (as llama.cpp's common/arg.cpp does for its tools).
#pragma once

#include <functional>
#include <string>
#include <vector>

// One row of a command's table. A row without a name is a section heading in the help.
struct cli_option {
    std::string name;        // "--model"; "" for a heading
    std::string value_name;  // "DIR" (in the help); "" for a flag, which takes no value
    std::string help;        // the help text; '\n' starts another line, aligned under the first
    // Takes the value (a flag gets ""); false with a one-line message in *err for a bad value.
    std::function<bool(const std::string & value, std::string * err)> set;
    std::string missing;     // the error when the value is absent (default: "NAME needs a value")
};

using cli_option_table = std::vector<cli_option>;

// Rows for the common shapes: a value stored as given, a flag set to true, a section heading.
cli_option cli_option_string(const std::string & name, const std::string & value_name, const std::string & help,
                             std::string * dst);
cli_option cli_option_flag(const std::string & name, const std::string & help, bool * dst);
cli_option cli_option_heading(const std::string & title);

// The table's help: one line per option, "  --name VALUE" then the help text from column 25;
// headings after a blank line.
std::string cli_options_help(const cli_option_table & table);

// Reads argv[1..argc) with the table: "--name VALUE" or "--name=VALUE" for options with a value,
// "--name" for flags; --help (-h) prints usage, the table's help and returns CLI_OK; an unknown
// option or a missing or bad value is a usage error of `cmd` (cli_usage_error). Every other
// argument ('-' included) goes to positional, which may refuse it (message in *err). Returns -1
// when the command should go on, else the exit code to return.
int cli_options_parse(const char * cmd, const char * usage, const cli_option_table & table, int argc, char ** argv,
                      const std::function<bool(const std::string & arg, std::string * err)> & positional);
