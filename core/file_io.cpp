#include "file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

bool file_size(const std::string & path, uint64_t * size) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return false;
    }
    *size = (uint64_t) st.st_size;
    return true;
}

bool file_read_bytes(const std::string & path, std::vector<uint8_t> * bytes, uint64_t max_bytes,
                     std::string * err) {
    FILE * f = fopen(path.c_str(), "rb");
    if (!f) {
        if (err) *err = path + ": cannot open (" + strerror(errno) + ")";
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        if (err) *err = path + ": not a regular file";
        return false;
    }
    const uint64_t size = (uint64_t) st.st_size;
    if (size > max_bytes) {
        fclose(f);
        if (err) *err = path + ": " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes);
        return false;
    }
    bytes->resize((size_t) size);
    const size_t n = size > 0 ? fread(bytes->data(), 1, (size_t) size, f) : 0;
    const bool ok = n == size && !ferror(f);
    fclose(f);
    if (!ok) {
        bytes->clear();
        if (err) *err = path + ": read error";
        return false;
    }
    return true;
}

bool file_read_text(const std::string & path, std::string * text, uint64_t max_bytes, std::string * err) {
    std::vector<uint8_t> bytes;
    if (!file_read_bytes(path, &bytes, max_bytes, err)) {
        return false;
    }
    text->assign(bytes.begin(), bytes.end());
    return true;
}

bool file_write_text(const std::string & path, const std::string & text, std::string * err) {
    FILE * f = fopen(path.c_str(), "wb");
    if (!f) {
        if (err) *err = path + ": cannot write (" + strerror(errno) + ")";
        return false;
    }
    const size_t n = fwrite(text.data(), 1, text.size(), f);
    const bool ok = n == text.size() && fclose(f) == 0;
    if (!ok) {
        if (err) *err = path + ": write error";
        return false;
    }
    return true;
}

std::string file_base_name(const std::string & path) {
    const size_t pos = path.find_last_of("/\\");
    return pos == std::string::npos ? path : path.substr(pos + 1);
}
