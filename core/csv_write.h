// Writing CSV that a spreadsheet opens cleanly (docs/labels.md, "Results for spreadsheets"):
// UTF-8 with a byte-order mark (Excel then reads UTF-8), a header line, ',' separators, CRLF line
// ends (RFC 4180), numbers with a '.' decimal point whatever the locale, text quoted when it
// holds a separator, a quote or a line end. `radz eval --csv` and `radz classify --csv` use it.
#pragma once

#include "results.h"

#include <string>
#include <vector>

// The UTF-8 byte-order mark written first.
extern const char * const CSV_BOM;

// A text cell: quoted (with "" for ") when it holds ',', '"', '\r', '\n' or starts or ends with a
// space. Text starting with '=', '+', '-' or '@' gets a leading "'" so that a spreadsheet shows
// it instead of running it as a formula (a file named "=cmd|..." stays a name).
std::string csv_text(const std::string & s);

// A number cell: "%.*g" with a '.' decimal point; "" for NaN or infinity (an empty cell).
std::string csv_number(double v, int digits = 9);

// The cells joined by ',' and ended by "\r\n".
std::string csv_line(const std::vector<std::string> & cells);

// One row per image of a results document: file, modality, error (the message, empty when
// scored), rejected (the modality gate's one-line message when it rejected the image, empty when
// it passed or the package has no detector; such an image has no probabilities unless it was
// scored anyway), no_signal (the ids of the image's findings whose evidence shows no skill, separated
// by spaces: their probabilities are not to be read as such), then one column per finding id
// (in order of first appearance over the images) holding its probability; empty where an image
// has no such finding (another modality, an error). Starts with CSV_BOM.
std::string csv_results(const results_doc & doc);
