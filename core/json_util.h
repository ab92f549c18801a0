// Small helpers for writing JSON text the way every RadZ document is written: numbers with
// 9 significant digits (float32 round-trips), strings escaped per RFC 8259.
#pragma once

#include <string>

// "%.9g" of v; integers print without a decimal point ("64"), -0 as "0" (as JavaScript's
// JSON.stringify does: a document saved and read back is written the same). Non-finite values, which JSON
// cannot hold, print as "null" (writers validate before this, so it marks a bug, not data).
std::string json_number(double v);

// Quoted, escaped JSON string ("\"", "\\", control characters as \n, \t or \u00XX). Bytes
// >= 0x80 are copied as they are (the text is assumed to be UTF-8).
std::string json_string(const std::string & s);
