#include "cli_options.h"

#include "cli_common.h"

#include <cstdio>

cli_option cli_option_string(const std::string & name, const std::string & value_name, const std::string & help,
                             std::string * dst) {
    return {name, value_name, help,
            [dst](const std::string & v, std::string *) {
                *dst = v;
                return true;
            },
            ""};
}

cli_option cli_option_flag(const std::string & name, const std::string & help, bool * dst) {
    return {name, "", help,
            [dst](const std::string &, std::string *) {
                *dst = true;
                return true;
            },
            ""};
}

cli_option cli_option_heading(const std::string & title) {
    return {"", "", title, nullptr, ""};
}

std::string cli_options_help(const cli_option_table & table) {
    const size_t column = 25;  // where the help texts start
    std::string  out;
    for (const auto & o : table) {
        if (o.name.empty()) {
            out += "\n" + o.help + "\n";
            continue;
        }
        std::string line = "  " + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
        line += line.size() + 1 < column ? std::string(column - line.size(), ' ') : " ";
        for (char c : o.help) {
            line += c;
            if (c == '\n') {
                line += std::string(column, ' ');
            }
        }
        out += line + "\n";
    }
    return out;
}

int cli_options_parse(const char * cmd, const char * usage, const cli_option_table & table, int argc, char ** argv,
                      const std::function<bool(const std::string & arg, std::string * err)> & positional) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        std::string       err;
        if (a == "--help" || a == "-h") {
            std::printf("%s%s", usage, cli_options_help(table).c_str());
            return CLI_OK;
        }
        const cli_option * hit = nullptr;
        std::string        v;
        bool               missing = false;
        for (const auto & o : table) {
            if (o.name.empty()) {
                continue;
            }
            if (o.value_name.empty() ? a == o.name : cli_take(argc, argv, &i, o.name.c_str(), &v, &missing)) {
                hit = &o;
                break;
            }
        }
        if (!hit) {
            if (a.size() > 1 && a[0] == '-') {
                return cli_usage_error(cmd, "unknown option '" + a + "'");
            }
            if (!positional(a, &err)) {
                return cli_usage_error(cmd, err);
            }
            continue;
        }
        if (missing) {
            return cli_usage_error(cmd, hit->missing.empty() ? hit->name + " needs a value" : hit->missing);
        }
        if (!hit->set(v, &err)) {
            return cli_usage_error(cmd, err);
        }
    }
    return -1;
}
