// radz merge SHARDS... : joins the shards of `radz eval --shard K/N` or `radz classify --shard K/N`.
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"
#include "shard.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

static const char * const HELP =
    "usage: radz merge [options] SHARDS...\n"
    "\n"
    "Joins the shards of one 'radz eval --shard K/N' or 'radz classify --shard K/N' run\n"
    "(docs/archives.md). SHARDS: the shards' folders (their shard-K-of-N.scores.tsv files) or\n"
    "scores files. Shards of different packages, variants, anchor tables, labels files or\n"
    "arguments are refused, naming them; a missing shard (with how far its partial file got) or\n"
    "a shard given twice is reported and nothing is merged (exit 1).\n"
    "eval shards: the evaluation of all their images, exactly as one unsharded 'radz eval' with\n"
    "the same arguments prints it (AUCs and bootstrap intervals over all images; the labels file\n"
    "is read again from the folder the shards ran in and must be unchanged).\n"
    "classify shards: one results document of all images, in the order of the inputs.\n"
    "\n"
    "options:\n";

static bool is_dir(const std::string & p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const std::string & s, const std::string & e) {
    return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

int cmd_merge(int argc, char ** argv) {
    bool                     json = false, csv = false;
    std::string              save_results, model;
    std::vector<std::string> inputs;
    cli_option_table table = {
        cli_option_flag("--json", "eval: the metrics as JSON (as radz eval --json); classify: the default", &json),
        cli_option_flag("--csv", "eval: the metrics as CSV", &csv),
        cli_option_string("--save-results", "FILE",
                          "the merged results document of every image (classify: instead of\n"
                          "standard output)",
                          &save_results),
        cli_option_string("--model", "DIR", "eval: the package, when not where the shards found it", &model),
    };
    const int rc = cli_options_parse("merge", HELP, table, argc, argv, [&](const std::string & a, std::string *) {
        inputs.push_back(a);
        return true;
    });
    if (rc >= 0) {
        return rc;
    }
    if (inputs.empty()) {
        return cli_usage_error("merge", "no shard folder or scores file given");
    }
    if (json && csv) {
        return cli_usage_error("merge", "--json and --csv: choose one");
    }
    // The complete shards (scores files) and the unfinished ones (partial files).
    std::vector<std::string> files, partials;
    for (const auto & in : inputs) {
        if (!is_dir(in)) {
            if (ends_with(in, ".partial")) {
                partials.push_back(in);
            } else {
                files.push_back(in);
            }
            continue;
        }
        DIR * d = opendir(in.c_str());
        if (!d) {
            std::fprintf(stderr, "radz merge: %s: cannot read this folder (%s)\n", in.c_str(), std::strerror(errno));
            return CLI_FAILED;
        }
        std::vector<std::string> names;
        while (dirent * e = readdir(d)) {
            names.push_back(e->d_name);
        }
        closedir(d);
        std::sort(names.begin(), names.end());
        for (const auto & n : names) {
            if (n.rfind("shard-", 0) == 0 && ends_with(n, ".scores.tsv")) {
                files.push_back(in + "/" + n);
            } else if (n.rfind("shard-", 0) == 0 && ends_with(n, ".scores.tsv.partial")) {
                partials.push_back(in + "/" + n);
            }
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "radz merge: no complete shard (shard-K-of-N.scores.tsv) in %s%s\n", inputs[0].c_str(),
                     inputs.size() > 1 ? " and the others" : "");
        return CLI_FAILED;
    }
    shard_merged                           m;
    std::map<int32_t, std::string>         file_of_k;
    std::map<int32_t, std::string>         partial_of_k;
    std::vector<std::vector<shard_record>> all;
    std::string                            err, first_name;
    bool                                   bad = false;
    for (size_t i = 0; i < files.size(); ++i) {
        shard_header              h;
        std::vector<shard_record> recs;
        if (!shard_read(files[i], false, &h, &recs, nullptr, &err)) {
            std::fprintf(stderr, "radz merge: %s\n", err.c_str());
            return CLI_FAILED;
        }
        if (i == 0) {
            m.header   = h;
            first_name = file_base_name(files[i]);
        } else {
            const std::string diff = shard_header_mismatch(m.header, h, files[i]);
            if (!diff.empty()) {
                std::fprintf(stderr, "radz merge: %s and %s are of different runs: %s\n", files[0].c_str(),
                             files[i].c_str(), diff.c_str());
                return CLI_FAILED;
            }
        }
        if ((int64_t) recs.size() != h.shard_rows) {
            std::fprintf(stderr, "radz merge: %s: %zu images, its header says %lld\n", files[i].c_str(), recs.size(),
                         (long long) h.shard_rows);
            return CLI_FAILED;
        }
        if (file_of_k.count(h.spec.k)) {
            std::fprintf(stderr, "radz merge: shard %d of %d given twice: %s and %s\n", h.spec.k, h.spec.n,
                         file_of_k[h.spec.k].c_str(), files[i].c_str());
            bad = true;
            continue;
        }
        file_of_k[h.spec.k] = files[i];
        all.push_back(std::move(recs));
    }
    for (const auto & p : partials) {
        shard_header              h;
        std::vector<shard_record> recs;
        if (shard_read(p, true, &h, &recs, nullptr, &err) && shard_header_mismatch(m.header, h, p).empty()) {
            partial_of_k[h.spec.k] = p + " (" + std::to_string(recs.size()) + " of " + std::to_string(h.shard_rows) +
                                     " images done; 'radz eval/classify --shard K/N --resume' continues it)";
        }
    }
    for (int32_t k = 1; k <= m.header.spec.n; ++k) {
        if (!file_of_k.count(k)) {
            std::fprintf(stderr, "radz merge: shard %d of %d missing%s%s\n", k, m.header.spec.n,
                         partial_of_k.count(k) ? ": unfinished, " : " (no scores file)",
                         partial_of_k.count(k) ? partial_of_k[k].c_str() : "");
            bad = true;
        }
    }
    if (bad) {
        return CLI_FAILED;
    }
    // Every input of the run exactly once.
    m.by_row.resize((size_t) m.header.rows);
    std::vector<int32_t> shard_of_row((size_t) m.header.rows, 0);
    for (size_t i = 0; i < all.size(); ++i) {
        for (auto & r : all[i]) {
            if (shard_of_row[(size_t) r.row]) {
                std::fprintf(stderr, "radz merge: input %lld (%s) is in two shards\n", (long long) r.row,
                             r.image.file.c_str());
                return CLI_FAILED;
            }
            shard_of_row[(size_t) r.row] = 1;
            m.by_row[(size_t) r.row]     = std::move(r);
        }
    }
    for (size_t row = 0; row < shard_of_row.size(); ++row) {
        if (!shard_of_row[row]) {
            std::fprintf(stderr, "radz merge: input %zu is in no shard\n", row);
            return CLI_FAILED;
        }
    }
    if (m.header.command == "classify") {
        if (csv) {
            return cli_usage_error("merge", "--csv: classify shards merge into a results document (--json)");
        }
        // The results document: the first shard's fields, every image in input order.
        results_doc doc;
        if (!results_load(file_of_k.begin()->second.substr(0, file_of_k.begin()->second.size() - 11) + ".results.json",
                          &doc, &err)) {
            std::fprintf(stderr, "radz merge: %s\n", err.c_str());
            return CLI_FAILED;
        }
        doc.images.clear();
        int32_t failed = 0;
        for (const auto & r : m.by_row) {
            doc.images.push_back(r.image);
            failed += r.image.error ? 1 : 0;
        }
        if (!save_results.empty()) {
            const std::string tmp = save_results + ".tmp";
            if (!results_save(doc, tmp, &err) || std::rename(tmp.c_str(), save_results.c_str()) != 0) {
                std::fprintf(stderr, "radz merge: %s\n", err.empty() ? (save_results + ": cannot write").c_str() : err.c_str());
                return CLI_FAILED;
            }
        } else {
            std::fputs(results_to_json(doc).c_str(), stdout);
        }
        std::fprintf(stderr, "radz merge: %d shards, %zu images (%d failed)\n", m.header.spec.n, m.by_row.size(), failed);
        return failed == 0 ? CLI_OK : CLI_FAILED;
    }
    if (m.header.command != "eval") {
        std::fprintf(stderr, "radz merge: %s: unknown command '%s' (expected eval or classify)\n", files[0].c_str(),
                     m.header.command.c_str());
        return CLI_FAILED;
    }
    // The evaluation, run from the folder the shards ran in (relative labels and package paths).
    char here[4096];
    if (!getcwd(here, sizeof(here))) {
        std::fprintf(stderr, "radz merge: cannot read the current folder (%s)\n", std::strerror(errno));
        return CLI_FAILED;
    }
    auto absolute = [&](const std::string & p) { return p.empty() || p[0] == '/' ? p : std::string(here) + "/" + p; };
    std::vector<std::string> args = { "eval" };
    args.insert(args.end(), m.header.args.begin(), m.header.args.end());
    args.push_back("--threads=1");
    if (json) args.push_back("--json");
    if (csv) args.push_back("--csv");
    if (!save_results.empty()) args.push_back("--save-results=" + absolute(save_results));
    if (!model.empty()) args.push_back("--model=" + absolute(model));
    if (m.header.cwd != here && chdir(m.header.cwd.c_str()) != 0) {
        std::fprintf(stderr, "radz merge: %s: cannot enter the folder the shards ran in (%s)\n", m.header.cwd.c_str(),
                     std::strerror(errno));
        return CLI_FAILED;
    }
    std::vector<char *> ptrs;
    for (auto & a : args) {
        ptrs.push_back(a.data());
    }
    ptrs.push_back(nullptr);
    return eval_run_merged((int) args.size(), ptrs.data(), m);
}
