// The bodies of the fuzz targets (tests/fuzz/fuzz_<target>.cpp): one function per entry point
// of the core that takes outside bytes. Each runs one input through the parser and, where the
// parser accepts it, through what the front ends do next (preprocess, encode, save and read
// back, compare), and aborts (a crash for libFuzzer, a failed test for test_fuzz_corpus) when an
// accepted input breaks a stated invariant or a refusal comes without a message.
//
// The same functions run three ways: as libFuzzer targets (cmake -DRADZ_FUZZ=ON, clang,
// tests/fuzz/CMakeLists.txt, scripts/fuzz.sh), and over the committed corpora and regression
// files (tests/fuzz/corpus/<target>/, tests/fuzz/regressions/<target>/) in the normal test
// suite, natively under ASan + UBSan and in wasm (tests/test_fuzz_corpus.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// One fuzz target: its name (the corpus folder's name) and its body (returns 0).
struct fuzz_target {
    const char * name;
    int (*run)(const uint8_t * data, size_t size);
};

// Every target, in a fixed order.
const std::vector<fuzz_target> & fuzz_targets();

// The target called name; nullptr if none.
const fuzz_target * fuzz_target_find(const std::string & name);

// Image bytes (PNG with every chunk's CRC recomputed first, so that mutations reach inflate and
// the filters), image_probe, image_decode, image_preprocess to 64x64.
int fuzz_image(const uint8_t * data, size_t size);
// tokenizer.json text: tokenizer_load_json, then encode/decode of fixed sentences.
int fuzz_tokenizer_json(const uint8_t * data, size_t size);
// Arbitrary text through the bundled tokenizer (assets/models/radz-tiny/tokenizer.json).
int fuzz_tokenizer_encode(const uint8_t * data, size_t size);
// manifest.json text: package_parse_manifest and the lookups on the result.
int fuzz_manifest(const uint8_t * data, size_t size);
// An anchor table: anchor_table_parse; an accepted table must save and read back.
int fuzz_anchors(const uint8_t * data, size_t size);
// A results document, or two separated by a NUL byte: results_parse, save and read back,
// compare_results of the two (the second: a fixed reference when absent) and its report.
int fuzz_results(const uint8_t * data, size_t size);
// A labels CSV: csv_parse, labels_csv_parse, labels_map to the package findings,
// labels_split_list_parse.
int fuzz_labels_csv(const uint8_t * data, size_t size);
// evidence.json text: evidence_parse, evidence_summary, evidence_no_signal.
int fuzz_evidence(const uint8_t * data, size_t size);
// The package reader as a whole, sha256 checks on: the first byte picks one file of the test
// package (RADZ_FUZZ_PACKAGE, else the build's RADZ_TEST_PACKAGE; 0 = manifest.json), the rest
// replaces its bytes; then package_parse_manifest and pipeline_open (a backend that opens any
// graph with the expected names) through a reader of those bytes.
int fuzz_package(const uint8_t * data, size_t size);
// As fuzz_package, but the manifest's size and sha256 of the replaced file are rewritten to
// match it (the fuzzing-only way past the checksum), so mutations reach the file's parser.
int fuzz_package_fixup(const uint8_t * data, size_t size);
// A DICOM Part 10 file through the native reader (GDCM, where the build has it) and the core's
// rules (core/dicom.h), or a frame as a reader hands it to the core (tests/fuzz/fuzz_dicom.cpp).
int fuzz_dicom(const uint8_t * data, size_t size);

// Aborts with a message when cond is false (an invariant the target checks).
#define FUZZ_CHECK(cond) ((cond) ? (void) 0 : fuzz_fail(#cond, __FILE__, __LINE__))
[[noreturn]] void fuzz_fail(const char * what, const char * file, int line);

// Reads a file of the source tree (RADZ_SOURCE_DIR) or an absolute path; aborts when missing.
std::string fuzz_read_fixture(const std::string & path);
