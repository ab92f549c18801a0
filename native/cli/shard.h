// Sharded runs of `radz eval` and `radz classify` over a whole archive (--shard K/N), and the
// files `radz merge` joins (docs/archives.md).
//
// Which shard an input belongs to: shard_hash (64-bit FNV-1a of the input's path as written in
// the labels file or given on the command line / in the list, bytes as they are, then
// MurmurHash3's 64-bit finalizer fmix64) modulo N;
// shard K (1-based) takes the inputs whose hash % N == K - 1. The same path always lands in the
// same shard, whatever the machine, the order of the inputs or the other inputs.
//
// A shard K of N writes into its output folder:
//   shard-K-of-N.scores.tsv.partial   while it runs: a header, then one line per finished image
//                                     (appended and flushed as each image finishes; what
//                                     `--resume` continues from)
//   shard-K-of-N.results.json         when done: the shard's results document (temp + rename)
//   shard-K-of-N.scores.tsv           when done: the partial file renamed (the shard is complete
//                                     exactly when this file exists)
// Scores file: header lines "#key<TAB>value..." (radz-shard, command, shard, package, variant,
// anchors, labels, cwd, rows, shard_rows, args), then per image
// "ROW<TAB>FILE<TAB>LOGITS<TAB>RESULTS" where ROW is the input's index in the whole run, LOGITS
// the findings' logits with 17 significant digits (comma-separated; exact, for the metrics)
// and RESULTS a one-line results document (docs/results-schema.md) holding that one image.
#pragma once

#include "cli_common.h"
#include "results.h"

#include <cstdint>
#include <string>
#include <vector>

struct shard_spec {
    int32_t k = 0;  // 1-based
    int32_t n = 0;  // 0: not sharded
};

// "K/N" with 1 <= K <= N <= 100000. Error: "--shard: expected K/N with 1 <= K <= N, found '0/4'".
bool shard_spec_parse(const std::string & s, shard_spec * out, std::string * err);

// 64-bit FNV-1a of the bytes of path (offset basis 14695981039346656037, prime 1099511628211),
// then fmix64 (h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
// h ^= h >> 33): FNV-1a alone sends paths that differ in one digit to shards by that digit.
uint64_t shard_hash(const std::string & path);

// Whether path belongs to shard sp (always true when sp.n == 0).
bool shard_has(const shard_spec & sp, const std::string & path);

// What identifies a run; every shard of one run has the same header but for k and shard_rows.
struct shard_header {
    std::string              command;          // "eval" or "classify"
    shard_spec               spec;
    std::string              package, manifest_sha256, variant, anchors_sha256;
    std::string              labels, labels_sha256;  // eval: the labels file as given and its hash
    std::string              cwd;              // the folder the shard ran in (relative paths)
    std::vector<std::string> args;             // the command's arguments that select and score
    int64_t                  rows       = 0;   // inputs of the whole run
    int64_t                  shard_rows = 0;   // inputs of this shard
};

struct shard_record {
    int64_t             row = -1;
    results_image       image;
    std::vector<double> logits;  // exact, in the image's findings order
};

// "DIR/shard-K-of-N".
std::string shard_stem(const std::string & dir, const shard_spec & sp);

// Reads a scores file (complete or partial). With tolerate_tail, a last line cut short (a shard
// killed while writing it) is dropped and *good_bytes set to the length of the part kept.
bool shard_read(const std::string & path, bool tolerate_tail, shard_header * h, std::vector<shard_record> * recs,
                int64_t * good_bytes, std::string * err);

// "" when a and b belong to the same run, else what differs, naming both values:
// "variant int8, but fp32 in shard-1-of-4.scores.tsv".
std::string shard_header_mismatch(const shard_header & a, const shard_header & b, const std::string & b_name);

// The arguments of a shard command worth recording: argv[1..] without --shard, --out, --resume
// and the options that do not change results (--threads, --ep, --ort-lib, --verbose).
std::vector<std::string> shard_recorded_args(int argc, char ** argv);

// Classifies the inputs of shard h.spec (paths[i] read, keys[i] hashed; rows are indices into
// both), appending each to the partial file, then writes the results document and renames the
// partial file (docs above). resume: keep the images of an existing partial file of the same
// run (refused, naming the difference, when it belongs to another run); else any earlier output
// of this shard is replaced. Returns CLI_OK, CLI_FAILED (an image failed: recorded, the rest
// still done) or CLI_FAILED with a message on stderr when the files cannot be written.
int shard_classify(cli_session & s, shard_header h, const std::string & out_dir, bool resume,
                   const std::vector<std::string> & paths, const std::vector<std::string> & keys,
                   const std::string & modality, const char * cmd);

// What `radz merge` hands to the eval code: the shards' common header and every input's record,
// indexed by row.
struct shard_merged {
    shard_header              header;
    std::vector<shard_record> by_row;
};

// cmd_eval.cpp: the evaluation over merged shards (argv: the recorded arguments plus merge's
// output options, argv[0] "eval").
int eval_run_merged(int argc, char ** argv, const shard_merged & merged);
