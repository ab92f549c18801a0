#include "csv_write.h"

#include <cmath>
#include <cstdio>

const char * const CSV_BOM = "\xEF\xBB\xBF";

std::string csv_text(const std::string & s) {
    std::string v = s;
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
    const bool quote = v.find_first_of(",\"\r\n") != std::string::npos ||
                       (!v.empty() && (v.front() == ' ' || v.back() == ' '));
    if (!quote) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csv_number(double v, int digits) {
    if (!std::isfinite(v)) return "";
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
    std::string s = buf;
    // A program that set a decimal-comma locale would get "0,5": the point is the contract.
    for (char & c : s) {
        if (c == ',') c = '.';
    }
    return s;
}

std::string csv_line(const std::vector<std::string> & cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); i++) {
        if (i) out += ',';
        out += cells[i];
    }
    return out + "\r\n";
}

std::string csv_results(const results_doc & doc) {
    std::vector<std::string> ids;
    for (const results_image & img : doc.images) {
        for (const results_finding & f : img.findings) {
            bool seen = false;
            for (const std::string & id : ids) seen = seen || id == f.id;
            if (!seen) ids.push_back(f.id);
        }
    }
    std::vector<std::string> cells = { "file", "modality", "error", "rejected", "no_signal" };
    for (const std::string & id : ids) cells.push_back(csv_text(id));
    std::string out = CSV_BOM + csv_line(cells);
    for (const results_image & img : doc.images) {
        std::string no_signal;
        for (const results_finding & f : img.findings) {
            if (f.no_signal) no_signal += (no_signal.empty() ? "" : " ") + f.id;
        }
        const bool rejected = img.detection && img.detection->verdict == "rejected";
        cells = { csv_text(img.file), csv_text(img.modality), csv_text(img.error ? img.error->message : ""),
                  csv_text(rejected ? img.detection->message : ""), csv_text(no_signal) };
        for (const std::string & id : ids) {
            std::string cell;
            for (const results_finding & f : img.findings) {
                // No probability for a finding without measured skill: the no_signal column names it.
                if (f.id == id && !f.no_signal) cell = csv_number(f.probability);
            }
            cells.push_back(cell);
        }
        out += csv_line(cells);
    }
    return out;
}
