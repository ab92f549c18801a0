// radz classify IMAGE|FOLDER|@FILE... [--list FILE] : scores images against the findings of one modality.
#include "cli_common.h"
#include "cli_inputs.h"
#include "csv_write.h"
#include "commands.h"
#include "file_io.h"
#include "shard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static const char * const HELP =
    "usage: radz classify IMAGE|FOLDER|@FILE... [--list FILE] [options]\n"
    "\n"
    "Scores each image (PNG, JPEG, BMP or DICOM) against every finding of its modality and prints\n"
    "the most likely ones. 50% is each finding's operating point; findings without label-fitted\n"
    "calibration (user findings, held-out ones) are marked uncalibrated. Findings whose measured\n"
    "evidence shows no skill (see 'radz info') are listed apart as \"no reliable signal in this\n"
    "model\", without a percentage (--json keeps their numbers, with \"no_signal\": true).\n"
    "\n"
    "Inputs, any number and in any mix: image files; folders (their PNG, JPEG, BMP and DICOM\n"
    "files -- DICOM by its DICM preamble, whatever the name --, recursively, sorted by path,\n"
    "hidden ones skipped); --list FILE (one path per line, '-' for standard input, blank lines\n"
    "and lines starting with '#' skipped); @FILE (a response file: one argument per line,\n"
    "options too). What cannot be read is reported and skipped; the rest is still classified,\n"
    "and the exit code is 1. An image that is none of the package's modalities (the gate:\n"
    "a photo, a document, a screenshot, noise, a blank frame) is reported with the reason\n"
    "and no findings, and the exit code is 1 (--score-anyway scores it). Of a DICOM file\n"
    "only its Modality and Body Part Examined are\n"
    "written out (--json), never other header text.\n"
    "\n"
    "options:\n";

struct user_finding {
    std::string              name;
    std::vector<std::string> descriptions;
};

static void print_image(const results_image & r, int top) {
    if (r.error) {
        return;
    }
    const bool rejected = r.detection && r.detection->verdict == "rejected";
    if (rejected && r.findings.empty()) {  // the gate said no: no findings, the reason instead
        std::printf("%s  %dx%d  %.1f ms\n  %s\n", r.file.c_str(), r.width.value_or(0), r.height.value_or(0),
                    r.timings_ms ? r.timings_ms->total : 0.0, r.detection->message.c_str());
        return;
    }
    std::printf("%s  %s (%s)  %dx%d  %.1f ms\n", r.file.c_str(), r.modality.c_str(), modality_source_text(r).c_str(),
                r.width.value_or(0), r.height.value_or(0), r.timings_ms ? r.timings_ms->total : 0.0);
    if (rejected) {
        std::printf("  scored anyway (--score-anyway): %s\n", r.detection->message.c_str());
    }
    if (!r.warning.empty()) {
        std::printf("  warning: %s\n", r.warning.c_str());
    }
    if (r.width && r.height && *r.width > 0 && *r.height > 0) {
        const double ratio = (double) *r.width / *r.height;
        if (ratio > 1.1 || ratio < 1 / 1.1) {
            std::printf("  note: not square (%dx%d); it was resized to a square without keeping its aspect\n",
                        *r.width, *r.height);
        }
    }
    // Findings whose evidence shows no skill (no_signal) are listed apart, never with a percentage.
    std::vector<const results_finding *> order;
    std::string                          no_signal;
    for (const auto & f : r.findings) {
        if (f.no_signal) {
            no_signal += (no_signal.empty() ? "" : ", ") + f.display;
        } else {
            order.push_back(&f);
        }
    }
    std::stable_sort(order.begin(), order.end(), [](const results_finding * a, const results_finding * b) {
        return a->probability > b->probability;
    });
    const size_t n = top <= 0 ? order.size() : std::min(order.size(), (size_t) top);
    for (size_t i = 0; i < n; ++i) {
        const results_finding * f = order[i];
        std::printf("  %-24s %6.1f%%%s%s\n", f->display.c_str(), 100.0 * f->probability,
                    f->calibrated ? "" : "  uncalibrated", f->source == "user" ? "  (user)" : "");
    }
    if (!no_signal.empty()) {
        std::printf("  no reliable signal in this model: %s\n", no_signal.c_str());
    }
}

int cmd_classify(int argc, char ** argv) {
    cli_common                opt;
    cli_inputs                inputs;  // IMAGE, FOLDER and --list arguments, expanded (cli_inputs.h)
    std::vector<user_finding> findings;
    std::string               modality, anchors_in, anchors_out, top_s = "5";
    bool                      score_anyway = false;
    bool                      json = false;
    bool                      csv  = false;
    std::string               shard_s, shard_out = "radz-shards";  // --shard K/N, --out DIR, --resume (shard.h)
    bool                      shard_resume = false;
    std::vector<std::string> arg_list;  // argv with @FILE response files expanded
    std::vector<char *>      arg_ptrs;
    if (std::string err; !cli_inputs_expand_args(argc, argv, &arg_list, &err)) {
        return cli_usage_error("classify", err);
    }
    for (auto & a : arg_list) {
        arg_ptrs.push_back(a.data());
    }
    argc = (int) arg_ptrs.size();
    argv = arg_ptrs.data();
    cli_option_table table = {
        cli_option({"--list", "FILE", "classify the images (or folders) listed in FILE, one per line",
                    [&](const std::string & v, std::string *) {
                        cli_inputs_add_list(v, &inputs);
                        return true;
                    },
                    "--list needs a file ('-': standard input)"}),
        cli_option_string("--modality", "ID",
                          "cxr, mri (see 'radz info') or auto (the default): a DICOM's Modality\n"
                          "and Body Part Examined tags (CR, DX -> cxr; MR -> mri), else the\n"
                          "package's modality detector; a strong disagreement with your\n"
                          "choice is printed as a warning",
                          &modality),
        cli_option_flag("--score-anyway",
                        "score images the gate rejects (not a modality of the package: a photo,\n"
                        "a document, a blank frame, ...); they are still marked rejected",
                        &score_anyway),
        cli_option({"--finding", "NAME", "add a finding of the modality, described by the --description",
                    [&](const std::string & v, std::string * err) {
                        if (v.empty()) {
                            *err = "--finding needs a name";
                            return false;
                        }
                        findings.push_back({v, {}});
                        return true;
                    },
                    "--finding needs a name"}),
        cli_option({"--description", "TEXT", "options that follow it (at least one each; repeatable)",
                    [&](const std::string & v, std::string * err) {
                        if (findings.empty()) {
                            *err = "--description must follow a --finding NAME";
                            return false;
                        }
                        if (v.empty()) {
                            *err = "--finding " + findings.back().name + ": empty --description";
                            return false;
                        }
                        findings.back().descriptions.push_back(v);
                        return true;
                    },
                    "--description needs a text"}),
        cli_option_string("--top", "N", "findings shown per image (default 5; 0: all)", &top_s),
        cli_option_flag("--json", "write a results document (docs/results-schema.md) to stdout", &json),
        cli_option_flag("--csv",
                        "write one row per image to stdout: file, modality, error, no_signal,\n"
                        "then each finding's probability (empty for no_signal findings;\n"
                        "UTF-8, '.' decimals; docs/labels.md)",
                        &csv),
        cli_option_string("--anchors", "FILE", "use an anchor table saved earlier instead of the package's",
                          &anchors_in),
        cli_option_string("--save-anchors", "FILE", "save the anchor table (with the added findings); images optional",
                          &anchors_out),
        cli_option_heading("whole archives (docs/archives.md):"),
        cli_option_string("--shard", "K/N",
                          "only shard K of N of the inputs (FNV-1a 64 and fmix64 of each path\n"
                          "as given, modulo N); writes the shard's scores and results document into --out;\n"
                          "'radz merge' joins the shards into one results document",
                          &shard_s),
        cli_option_string("--out", "DIR", "the shards' folder (default: radz-shards)", &shard_out),
        cli_option_flag("--resume", "continue the shard from its partial file (images already scored kept)",
                        &shard_resume),
    };
    cli_common_options(&opt, &table);
    const int rc = cli_options_parse("classify", HELP, table, argc, argv, [&](const std::string & a, std::string *) {
        cli_inputs_add_path(a, &inputs);
        return true;
    });
    if (rc >= 0) {
        return rc;
    }
    if (json && csv) {
        return cli_usage_error("classify", "--json and --csv: choose one");
    }
    shard_spec shard;
    if (std::string err; !shard_s.empty() && !shard_spec_parse(shard_s, &shard, &err)) {
        return cli_usage_error("classify", err);
    }
    if (shard.n == 0 && shard_resume) {
        return cli_usage_error("classify", "--resume needs --shard K/N");
    }
    if (shard.n > 0 && (json || csv)) {
        return cli_usage_error("classify", "--shard writes its own files into --out: --json and --csv belong to 'radz merge'");
    }
    char * end = nullptr;
    long   top = std::strtol(top_s.c_str(), &end, 10);
    if (top_s.empty() || *end || top < 0) {
        return cli_usage_error("classify", "--top: expected a number >= 0, found '" + top_s + "'");
    }
    for (const auto & f : findings) {
        if (f.descriptions.empty()) {
            return cli_usage_error("classify", "--finding " + f.name + " needs at least one --description");
        }
    }
    if (inputs.files.empty() && inputs.problems.empty() && anchors_out.empty()) {
        return cli_usage_error("classify", "no image given");
    }
    for (const auto & p : inputs.problems) {
        std::fprintf(stderr, "radz classify: %s\n", p.c_str());
    }
    if (inputs.files.empty() && anchors_out.empty()) {
        return CLI_FAILED;
    }

    cli_session s;
    std::string err;
    if (!cli_session_open(opt, false, &s, &err)) {
        std::fprintf(stderr, "radz classify: %s\n", err.c_str());
        return CLI_FAILED;
    }
    if (!anchors_in.empty() && !pipeline_use_anchor_file(&s.pl, anchors_in, &err)) {
        std::fprintf(stderr, "radz classify: %s\n", err.c_str());
        return CLI_FAILED;
    }
    if (modality == "auto") {
        modality.clear();
    }
    if (!modality.empty() && !pipeline_check_modality(s.pl, modality, &err)) {
        return cli_usage_error("classify", "--modality: " + err);
    }
    s.pl.score_rejected = score_anyway;
    std::vector<pipeline_finding_text> adds;
    for (const auto & f : findings) {
        adds.push_back({modality.empty() ? s.pl.default_modality : modality, f.name, f.descriptions});
    }
    if (!pipeline_findings_add(s.pl, adds, &err)) {
        return cli_usage_error("classify", "--finding: " + err);
    }
    for (size_t i = 0; i < adds.size(); ++i) {
        const auto & added = s.pl.anchors.findings[s.pl.anchors.findings.size() - adds.size() + i];
        if (added.truncated) {
            std::fprintf(stderr, "radz classify: finding '%s': a description was cut to %d tokens\n",
                         adds[i].name.c_str(), s.pl.pkg.sequence.max_text_tokens);
        }
    }
    if (!anchors_out.empty()) {
        if (!anchor_table_save(s.pl.anchors, anchors_out, &err)) {
            std::fprintf(stderr, "radz classify: %s\n", err.c_str());
            return CLI_FAILED;
        }
        std::fprintf(stderr, "radz classify: anchor table saved to %s (%zu findings)\n", anchors_out.c_str(),
                     s.pl.anchors.findings.size());
    }

    if (shard.n > 0) {  // one shard: its scores and results document; radz merge joins them
        shard_header h;
        h.command = "classify";
        h.spec    = shard;
        h.args    = shard_recorded_args(argc, argv);
        const int r = shard_classify(s, h, shard_out, shard_resume, inputs.files, inputs.files, modality, "classify");
        return r == CLI_OK && !inputs.problems.empty() ? CLI_FAILED : r;
    }
    results_doc doc = pipeline_results_doc(s.pl, "radz", "native");
    const int32_t failed =
        pipeline_classify_files(s.pl, inputs.files, modality, json, cli_progress_bar("classify"), &doc.images);
    int32_t rejected = 0;
    for (const auto & r : doc.images) {
        if (r.error) {
            std::fprintf(stderr, "radz classify: %s\n", r.error->message.c_str());
        } else if (r.detection && r.detection->verdict == "rejected" && !score_anyway) {
            std::fprintf(stderr, "radz classify: %s: %s\n", r.file.c_str(), r.detection->message.c_str());
            ++rejected;
        }
    }
    if (csv) {
        const std::string text = csv_results(doc);
        std::fwrite(text.data(), 1, text.size(), stdout);
    } else if (json) {
        if (!results_validate(doc, "results", &err)) {
            std::fprintf(stderr, "radz classify: %s\n", err.c_str());
            return CLI_FAILED;
        }
        std::fputs(results_to_json(doc).c_str(), stdout);
    } else {
        for (const auto & r : doc.images) {
            print_image(r, (int) top);
        }
    }
    return failed == 0 && rejected == 0 && inputs.problems.empty() ? CLI_OK : CLI_FAILED;
}
