// The list of fuzz targets and the helpers they share (tests/fuzz/fuzz_targets.h).
#include "fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef RADZ_SOURCE_DIR
#error "RADZ_SOURCE_DIR must be defined (tests/fuzz/CMakeLists.txt, tests/CMakeLists.txt)"
#endif

const std::vector<fuzz_target> & fuzz_targets() {
    static const std::vector<fuzz_target> all = {
        { "image", fuzz_image },
        { "tokenizer_json", fuzz_tokenizer_json },
        { "tokenizer_encode", fuzz_tokenizer_encode },
        { "manifest", fuzz_manifest },
        { "anchors", fuzz_anchors },
        { "results", fuzz_results },
        { "labels_csv", fuzz_labels_csv },
        { "evidence", fuzz_evidence },
        { "package", fuzz_package },
        { "package_fixup", fuzz_package_fixup },
        { "dicom", fuzz_dicom },
    };
    return all;
}

const fuzz_target * fuzz_target_find(const std::string & name) {
    for (const fuzz_target & t : fuzz_targets()) {
        if (name == t.name) return &t;
    }
    return nullptr;
}

void fuzz_fail(const char * what, const char * file, int line) {
    fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

std::string fuzz_read_fixture(const std::string & path) {
    const std::string full = !path.empty() && path[0] == '/' ? path : std::string(RADZ_SOURCE_DIR) + "/" + path;
    std::ifstream f(full, std::ios::binary);
    if (!f) {
        fprintf(stderr, "%s: cannot open (a fixture of the fuzz targets)\n", full.c_str());
        abort();
    }
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}
