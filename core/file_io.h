// Whole-file reads and writes with one-line errors naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

// Reads a whole file. A file larger than max_bytes is refused ("<path>: N bytes, more than the
// limit of M") before it is read. Errors: "<path>: cannot open (<reason>)", "<path>: read error".
bool file_read_bytes(const std::string & path, std::vector<uint8_t> * bytes, uint64_t max_bytes,
                     std::string * err);
bool file_read_text (const std::string & path, std::string * text, uint64_t max_bytes, std::string * err);

// Size of a file in bytes; false if it does not exist or is not a regular file.
bool file_size(const std::string & path, uint64_t * size);

// Writes (replaces) a file.
bool file_write_text(const std::string & path, const std::string & text, std::string * err);

// "a/b/c.png" -> "c.png"
std::string file_base_name(const std::string & path);
