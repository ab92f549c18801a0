// radz eval LABELS.csv --images DIR : zero-shot metrics over a labelled image set.
#include "cli_common.h"
#include "csv_write.h"
#include "commands.h"
#include "file_io.h"
#include "json_util.h"
#include "labels_csv.h"
#include "metrics.h"
#include "sha256.h"
#include "shard.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

static const char * const HELP =
    "usage: radz eval LABELS.csv [--images DIR] [options]\n"
    "\n"
    "Classifies every image of a labels file and reports per finding the ROC AUC, and F1,\n"
    "accuracy, sensitivity and specificity at the operating point (50%), then their mean over\n"
    "the findings. Labels files as they come (docs/labels.md): the project's own (a 'path'\n"
    "column and 1/0 columns per finding, or a 'label' column), ChestX-ray14's\n"
    "Data_Entry_2017.csv ('Finding Labels' like Cardiomegaly|Emphysema, 'Patient ID'),\n"
    "CheXpert / MIMIC-CXR style 1 / 0 / -1 (uncertain) / blank columns; comma, semicolon or tab\n"
    "separated, any line ends, quoted fields. The file's columns are matched to the package's\n"
    "findings by name, up to case, spaces and '_', by known synonyms (Pleural Effusion ->\n"
    "Effusion) or by --map; the table of matches is printed first.\n"
    "A finding with fewer than --min-positives positives (or no negative) shows n/a and stays\n"
    "out of the mean; the normal finding (No_Finding: a 'No Finding' column, else no other\n"
    "finding) is reported but never in the mean. Single-label sets also get the top-1 accuracy\n"
    "and the confusion matrix. Exit 1 when an image failed (the others are scored).\n"
    "\n"
    "options:\n";

struct finding_eval {
    std::string          id, display;
    bool                 normal     = false;
    bool                 derived    = false; // the normal finding without a column: no other finding
    bool                 calibrated = false;
    bool                 no_signal  = false; // the package's evidence shows no skill
    int32_t              table_index = -1;
    int32_t              column     = -1;   // in the labels set
    labels_match         how        = LABELS_MATCH_NONE;
    std::vector<int32_t> label_of;          // per scored image: 1, 0 or -1 (left out by a policy)
    std::vector<double>  score_of;          // per scored image: the logit
    std::vector<double>  scores;            // the labelled images only
    std::vector<int32_t> labels;
    std::vector<std::string> groups;
    int64_t              positives = 0, negatives = 0, left_out = 0;
    double               auc = NAN, f1 = NAN, acc = NAN, sens = NAN, spec = NAN;
    metrics_ci           auc_ci;
};

static std::string ci_json(const metrics_ci & c, bool on) {
    if (!on) {
        return "null";
    }
    return "[" + json_number(c.n_valid > 0 ? c.lo : NAN) + ", " + json_number(c.n_valid > 0 ? c.hi : NAN) + "]";
}

static std::string ci_text(const metrics_ci & c, bool on) {
    if (!on || c.n_valid == 0 || !std::isfinite(c.lo)) {
        return "";
    }
    return metrics_format(c.lo, 3) + "-" + metrics_format(c.hi, 3);
}

static bool parse_int(const std::string & s, long lo, long * out) {
    char * end = nullptr;
    *out       = std::strtol(s.c_str(), &end, 10);
    return !s.empty() && *end == '\0' && *out >= lo;
}

static bool parse_sep(const std::string & s, char * out) {
    if (s == "," || s == "comma") *out = ',';
    else if (s == ";" || s == "semicolon") *out = ';';
    else if (s == "\t" || s == "tab" || s == "\\t") *out = '\t';
    else return false;
    return true;
}

static std::string quoted_list(const std::vector<std::string> & names) {
    std::string o;
    for (const auto & n : names) {
        o += (o.empty() ? "'" : ", '") + n + "'";
    }
    return o;
}

static int eval_run(int argc, char ** argv, const shard_merged * merged) {
    cli_common  opt;
    std::string csv, images_dir, modality, fold_s, limit_s, minpos_s = "3", save_results, ci_s = "1000", seed_s = "0";
    std::string sep_s, split_list, uncertain_s = "ignore", blank_s = "ignore";
    std::vector<labels_user_map> user_maps;
    std::string err0;
    bool        json = false, csv_out = false;
    std::string shard_s, shard_out = "radz-shards";  // --shard K/N, --out DIR, --resume (shard.h)
    bool        shard_resume = false;
    cli_option_table table = {
        cli_option_string("--images", "DIR",
                          "folder the file's paths are relative to (default: the file's folder)",
                          &images_dir),
        cli_option_string("--sep", "SEP", "',', ';' or tab (default: detected from the header line)", &sep_s),
        cli_option_string("--split-list", "FILE",
                          "only the rows whose image is listed (one name per line, like\n"
                          "ChestX-ray14's test_list.txt; matched on the path or its file name)",
                          &split_list),
        cli_option_string("--uncertain", "POLICY",
                          "-1 labels: ignore (left out of that finding's metrics; default),\n"
                          "positive or negative",
                          &uncertain_s),
        cli_option_string("--blank", "POLICY",
                          "blank labels (not mentioned): ignore (default), positive or negative",
                          &blank_s),
        cli_option({"--map", "COLUMN=ID",
                    "the file's column (or class) COLUMN holds finding ID (repeatable)",
                    [&](const std::string & v, std::string * err) {
                        labels_user_map m;
                        if (!labels_user_map_parse(v, &m, err)) {
                            *err = "--map: " + *err;
                            return false;
                        }
                        user_maps.push_back(m);
                        return true;
                    },
                    ""}),
        cli_option_string("--modality", "ID",
                          "default: cxr for finding columns, the multiclass modality for 'label'",
                          &modality),
        cli_option_string("--fold", "N", "only the rows of fold N (needs a 'fold' column)", &fold_s),
        cli_option_string("--limit", "N", "only the first N rows (after --fold and --split-list)", &limit_s),
        cli_option_string("--min-positives", "N", "default 3", &minpos_s),
        cli_option_string("--ci", "N",
                          "bootstrap resamples for 95% intervals of each AUC, the mean AUC and\n"
                          "the top-1 accuracy (default 1000; 0: none). Whole patients are\n"
                          "resampled when the file names them (patient_id, Patient ID,\n"
                          "subject_id, CheXpert's patientNNNNN folders), else images",
                          &ci_s),
        cli_option_string("--seed", "N", "bootstrap seed (default 0)", &seed_s),
        cli_option_flag("--json", "write the metrics as JSON to stdout", &json),
        cli_option_flag("--csv",
                        "write the metrics as CSV to stdout (one row per finding, then the\n"
                        "mean; UTF-8, '.' decimals; docs/labels.md)",
                        &csv_out),
        cli_option_string("--save-results", "FILE", "also write the results document of every image", &save_results),
        cli_option_heading("whole archives (docs/archives.md):"),
        cli_option_string("--shard", "K/N",
                          "only shard K of N: the rows whose path hashes to it (FNV-1a 64 and\n"
                          "fmix64 of the path as written in the file, modulo N); writes the shard's scores and\n"
                          "results document into --out (no metrics: 'radz merge' computes them\n"
                          "over all shards)",
                          &shard_s),
        cli_option_string("--out", "DIR", "the shards' folder (default: radz-shards)", &shard_out),
        cli_option_flag("--resume",
                        "continue the shard from its partial file (images already scored kept)",
                        &shard_resume),
    };
    cli_common_options(&opt, &table);
    const int rc = cli_options_parse("eval", HELP, table, argc, argv, [&](const std::string & a, std::string * err) {
        if (!csv.empty()) {
            *err = "one labels file expected, found also '" + a + "'";
            return false;
        }
        csv = a;
        return true;
    });
    if (rc >= 0) {
        return rc;
    }
    if (csv.empty()) {
        return cli_usage_error("eval", "no labels CSV given");
    }
    if (json && csv_out) {
        return cli_usage_error("eval", "--json and --csv: choose one");
    }
    shard_spec shard;
    if (!shard_s.empty() && !shard_spec_parse(shard_s, &shard, &err0)) {
        return cli_usage_error("eval", err0);
    }
    if (shard.n == 0 && shard_resume) {
        return cli_usage_error("eval", "--resume needs --shard K/N");
    }
    if (shard.n > 0 && (json || csv_out || !save_results.empty())) {
        return cli_usage_error("eval", "--shard writes its own files into --out: --json, --csv and --save-results "
                                       "belong to 'radz merge'");
    }
    long fold = -1, limit = -1, min_pos = 3;
    if (!fold_s.empty() && !parse_int(fold_s, 0, &fold)) {
        return cli_usage_error("eval", "--fold: expected a number >= 0, found '" + fold_s + "'");
    }
    if (!limit_s.empty() && !parse_int(limit_s, 1, &limit)) {
        return cli_usage_error("eval", "--limit: expected a number >= 1, found '" + limit_s + "'");
    }
    if (!parse_int(minpos_s, 1, &min_pos)) {
        return cli_usage_error("eval", "--min-positives: expected a number >= 1, found '" + minpos_s + "'");
    }
    long n_boot = 1000, seed = 0;
    if (!parse_int(ci_s, 0, &n_boot) || n_boot > 100000) {
        return cli_usage_error("eval", "--ci: expected a number of resamples 0..100000, found '" + ci_s + "'");
    }
    if (!parse_int(seed_s, 0, &seed)) {
        return cli_usage_error("eval", "--seed: expected a number >= 0, found '" + seed_s + "'");
    }
    char sep = 0;
    if (!sep_s.empty() && !parse_sep(sep_s, &sep)) {
        return cli_usage_error("eval", "--sep: expected ',', ';' or tab, found '" + sep_s + "'");
    }
    labels_policy uncertain = LABELS_POLICY_IGNORE, blank = LABELS_POLICY_IGNORE;
    if (!labels_policy_parse(uncertain_s, &uncertain)) {
        return cli_usage_error("eval", "--uncertain: expected ignore, positive or negative, found '" + uncertain_s + "'");
    }
    if (!labels_policy_parse(blank_s, &blank)) {
        return cli_usage_error("eval", "--blank: expected ignore, positive or negative, found '" + blank_s + "'");
    }
    const bool with_ci = n_boot > 0;
    if (images_dir.empty()) {
        const size_t p = csv.rfind('/');
        images_dir     = p == std::string::npos ? "." : csv.substr(0, p);
    }
    // Human-readable notes (the table of matches) go to stdout, or to stderr under --json/--csv.
    FILE * notes = json || csv_out ? stderr : stdout;

    std::string err;
    labels_set  set;
    if (!labels_csv_read(csv, &set, &err, sep)) {
        std::fprintf(stderr, "radz eval: %s\n", err.c_str());
        return CLI_USAGE;
    }
    std::set<std::string> split_names;
    if (!split_list.empty() && !labels_split_list_read(split_list, &split_names, &err)) {
        std::fprintf(stderr, "radz eval: %s\n", err.c_str());
        return CLI_USAGE;
    }
    if (fold >= 0 && !set.rows.empty() && set.rows[0].fold < 0) {
        return cli_usage_error("eval", "--fold: " + set.name + " has no 'fold' column");
    }
    std::vector<labels_row> rows;
    int64_t                 after_fold = 0;
    for (const auto & r : set.rows) {
        if (fold >= 0 && r.fold != fold) {
            continue;
        }
        after_fold++;
        if (!split_list.empty() && !labels_split_list_has(split_names, r.path)) {
            continue;
        }
        rows.push_back(r);
    }
    const int64_t listed = (int64_t) rows.size();
    if (limit > 0 && (long) rows.size() > limit) {
        rows.resize((size_t) limit);
    }
    if (rows.empty()) {
        std::fprintf(stderr, "radz eval: %s: no rows%s%s\n", set.name.c_str(),
                     fold >= 0 ? (" in fold " + fold_s).c_str() : "",
                     split_list.empty() ? "" : (" listed in " + file_base_name(split_list)).c_str());
        return CLI_FAILED;
    }

    std::string labels_sha256;
    if ((shard.n > 0 || merged) && !sha256_file_hex(csv, &labels_sha256, &err)) {
        std::fprintf(stderr, "radz eval: %s\n", err.c_str());
        return CLI_FAILED;
    }
    if (merged && (labels_sha256 != merged->header.labels_sha256 || (int64_t) rows.size() != merged->header.rows)) {
        std::fprintf(stderr, "radz merge: %s changed since the shards ran (sha256 %s, the shards': %s; %zu rows, the shards': %lld)\n",
                     csv.c_str(), labels_sha256.substr(0, 12).c_str(), merged->header.labels_sha256.substr(0, 12).c_str(),
                     rows.size(), (long long) merged->header.rows);
        return CLI_FAILED;
    }

    cli_session s;
    if (!cli_session_open(opt, json || csv_out || merged, &s, &err)) {
        std::fprintf(stderr, "radz eval: %s\n", err.c_str());
        return CLI_FAILED;
    }
    if (modality.empty()) {
        modality = "cxr";
        if (set.single_label) {
            for (const auto & m : s.pkg.modalities) {
                if (m.task == "multiclass") {
                    modality = m.id;
                    break;
                }
            }
        }
    }
    if (!pipeline_check_modality(s.pl, modality, &err)) {
        return cli_usage_error("eval", "--modality: " + err);
    }
    // A labelled set is scored as its modality, every image: the gate (section 11) still runs
    // and the images it would have rejected are counted below, but none is dropped from the AUCs.
    s.pl.score_rejected = true;
    const bool multiclass = package_modality_find(s.pkg, modality)->task == "multiclass";

    // The file's columns (classes) <-> the table's findings of the modality.
    std::vector<std::string> ids;
    std::vector<int32_t>     table_of;
    for (size_t t = 0; t < s.pl.anchors.findings.size(); ++t) {
        if (s.pl.anchors.findings[t].modality == modality) {
            ids.push_back(s.pl.anchors.findings[t].id);
            table_of.push_back((int32_t) t);
        }
    }
    labels_mapping mapping;
    if (!labels_map(set, ids, user_maps, &mapping, &err)) {
        return cli_usage_error("eval", err);
    }
    std::vector<finding_eval> fe;
    std::vector<std::string>  unlabelled;
    int32_t                   normal_column = -1;
    for (size_t k = 0; k < ids.size(); ++k) {
        const anchor_finding & af = s.pl.anchors.findings[(size_t) table_of[k]];
        finding_eval e;
        e.id          = af.id;
        e.display     = af.display;
        // The normal finding (No_Finding) stays out of the mean of a multi-label modality; in a
        // multiclass one (mri: notumor) every class is a finding (docs/model-package.md section 5).
        e.normal      = af.kind == "normal" && !multiclass;
        e.calibrated  = af.calibration.kind == "labels";
        e.no_signal   = af.no_signal;
        e.table_index = table_of[k];
        e.column      = mapping.column[k];
        e.how         = mapping.how[k];
        e.derived     = e.column < 0 && e.normal && !set.single_label;
        if (e.normal && e.column >= 0) {
            normal_column = e.column;
        }
        if (e.column < 0 && !e.derived) {
            unlabelled.push_back(af.id);
            continue;
        }
        fe.push_back(e);
    }
    std::vector<std::string> unused;
    for (int32_t c : mapping.unused) {
        unused.push_back(set.findings[(size_t) c]);
    }
    // Uncertain and blank values among the rows evaluated, in the columns used.
    int64_t n_uncertain = 0, n_blank = 0;
    for (const auto & e : fe) {
        for (const auto & r : rows) {
            if (e.column >= 0) {
                n_uncertain += r.values[(size_t) e.column] == LABELS_UNCERTAIN;
                n_blank += r.values[(size_t) e.column] == LABELS_BLANK;
            }
        }
    }

    std::fprintf(notes, "labels: %s, %s (%s-separated), %lld rows", set.name.c_str(), labels_format_name(set.format),
                 csv_sep_name(set.sep), (long long) set.rows.size());
    if (fold >= 0) {
        std::fprintf(notes, ", %lld in fold %ld", (long long) after_fold, fold);
    }
    std::fprintf(notes, "; patients: %s\n",
                 set.patient_source.empty() ? "none named (images are resampled)" : ("'" + set.patient_source + "'").c_str());
    if (!split_list.empty()) {
        std::fprintf(notes, "split list %s: %zu names, %zu of %lld rows listed\n", file_base_name(split_list).c_str(),
                     split_names.size(), (size_t) listed, (long long) after_fold);
    }
    std::fprintf(notes, "%s %s <- the file's %s:\n", modality.c_str(), multiclass ? "classes" : "findings",
                 set.single_label ? "classes" : "columns");
    for (const auto & e : fe) {
        if (e.derived) {
            std::fprintf(notes, "  %-20s <- no other finding (no '%s' column)\n", e.id.c_str(), e.display.c_str());
        } else {
            std::fprintf(notes, "  %-20s <- '%s' (%s)\n", e.id.c_str(), set.findings[(size_t) e.column].c_str(),
                         labels_match_name(e.how));
        }
    }
    if (!unlabelled.empty()) {
        std::string u;
        for (const auto & id : unlabelled) {
            u += (u.empty() ? "" : ", ") + id;
        }
        std::fprintf(notes, "no labels for: %s\n", u.c_str());
    }
    if (!unused.empty()) {
        std::fprintf(notes, "not used (no %s finding of that name; --map COLUMN=ID): %s\n", modality.c_str(),
                     quoted_list(unused).c_str());
    }
    if (n_uncertain + n_blank > 0) {
        std::fprintf(notes, "uncertain (-1) labels: %lld, %s; blank labels: %lld, %s\n", (long long) n_uncertain,
                     uncertain == LABELS_POLICY_IGNORE ? "left out of their finding" : ("as " + std::string(labels_policy_name(uncertain))).c_str(),
                     (long long) n_blank,
                     blank == LABELS_POLICY_IGNORE ? "left out of their finding" : ("as " + std::string(labels_policy_name(blank))).c_str());
    }
    if (fe.empty()) {
        std::fprintf(stderr, "radz eval: %s: none of its findings is in the %s anchor table\n", set.name.c_str(),
                     modality.c_str());
        return CLI_FAILED;
    }

    // Classify.
    results_doc doc = pipeline_results_doc(s.pl, "radz", "native");
    std::vector<std::string> paths;
    for (const auto & r : rows) {
        paths.push_back(images_dir + "/" + r.path);
    }
    if (shard.n > 0) {  // one shard: its scores and results document, the metrics come from radz merge
        shard_header h;
        h.command       = "eval";
        h.spec          = shard;
        h.labels        = csv;
        h.labels_sha256 = labels_sha256;
        h.args          = shard_recorded_args(argc, argv);
        std::vector<std::string> keys;
        for (const auto & r : rows) {
            keys.push_back(r.path);
        }
        return shard_classify(s, h, shard_out, shard_resume, paths, keys, modality, "eval");
    }
    int32_t failed = 0;
    if (merged) {  // radz merge: every row's image from the shards (exact logits), nothing classified
        if (merged->header.manifest_sha256 != s.pkg.manifest_sha256 || merged->header.variant != s.pl.variant.name ||
            merged->header.anchors_sha256 != s.pl.anchors_sha256) {
            std::fprintf(stderr, "radz merge: the shards ran %s %s (anchors %s), this package is %s %s (anchors %s)\n",
                         merged->header.package.c_str(), merged->header.variant.c_str(),
                         merged->header.anchors_sha256.substr(0, 12).c_str(), s.pkg.name.c_str(),
                         s.pl.variant.name.c_str(), s.pl.anchors_sha256.substr(0, 12).c_str());
            return CLI_FAILED;
        }
        for (const auto & r : merged->by_row) {
            doc.images.push_back(r.image);
            failed += r.image.error ? 1 : 0;
        }
    } else {
        failed = pipeline_classify_files(s.pl, paths, modality, !save_results.empty(), cli_progress_bar("eval"), &doc.images);
    }
    std::vector<int32_t>     truth, predicted;
    std::vector<std::string> groups;   // bootstrap groups of the scored images: patients, else images
    const bool               by_patient = !set.patient_source.empty();
    std::vector<int32_t>     column_of_id(ids.size(), -1);
    for (size_t k = 0; k < ids.size(); ++k) {
        column_of_id[k] = mapping.column[k];
    }
    auto column_of = [&](const std::string & id) {
        for (size_t k = 0; k < ids.size(); ++k) {
            if (ids[k] == id) {
                return column_of_id[k];
            }
        }
        return (int32_t) -1;
    };
    for (size_t i = 0; i < rows.size(); ++i) {
        const results_image & img = doc.images[i];
        if (img.error) {
            std::fprintf(stderr, "radz eval: %s\n", img.error->message.c_str());
            continue;
        }
        const std::string group = by_patient ? rows[i].patient_id : rows[i].path;
        groups.push_back(group);
        // The normal finding without a column: 1 when every other label is 0, 0 when one is 1,
        // left out when none is 1 and one is left out by a policy.
        int32_t no_other = 1;
        for (size_t c = 0; c < rows[i].values.size(); ++c) {
            if ((int32_t) c == normal_column) {
                continue;
            }
            const int32_t l = labels_resolve(rows[i].values[c], uncertain, blank);
            if (l == 1) {
                no_other = 0;
            } else if (l < 0 && no_other == 1) {
                no_other = -1;
            }
        }
        // Findings come in table order: index them by id.
        double  best   = -INFINITY;
        int32_t best_c = -1;
        for (auto & e : fe) {
            const results_finding * rf = nullptr;
            for (const auto & f : img.findings) {
                if (f.id == e.id) {
                    rf = &f;
                }
            }
            const int32_t l = e.derived ? no_other : labels_resolve(rows[i].values[(size_t) e.column], uncertain, blank);
            e.score_of.push_back(rf ? rf->logit : NAN);
            e.label_of.push_back(rf ? l : -1);
            if (!rf) {
                continue;
            }
            if (l < 0) {
                e.left_out++;
                continue;
            }
            e.scores.push_back(rf->logit);
            e.labels.push_back(l);
            e.groups.push_back(group);
        }
        if (set.single_label) {
            for (const auto & f : img.findings) {
                if (f.logit > best) {
                    best   = f.logit;
                    best_c = column_of(f.id);
                }
            }
            truth.push_back(labels_find(set, rows[i].label));
            predicted.push_back(best_c);
        }
    }

    // Metrics.
    std::vector<double> m_auc, m_f1, m_acc;
    for (auto & e : fe) {
        for (int32_t l : e.labels) {
            e.positives += l;
            e.negatives += !l;
        }
        if (e.positives >= min_pos && e.negatives >= 1) {
            e.auc                  = metrics_roc_auc(e.scores, e.labels);
            const metrics_counts c = metrics_at_threshold(e.scores, e.labels, 0.0);
            e.f1                   = c.f1;
            e.acc                  = c.accuracy;
            e.sens                 = c.sensitivity;
            e.spec                 = c.specificity;
        }
        if (!e.normal) {
            m_auc.push_back(e.auc);
            m_f1.push_back(e.f1);
            m_acc.push_back(e.acc);
        }
    }
    const double mean_auc = metrics_mean_finite(m_auc), mean_f1 = metrics_mean_finite(m_f1),
                 mean_acc = metrics_mean_finite(m_acc);
    int32_t n_in_mean = 0;
    for (double v : m_auc) {
        n_in_mean += std::isfinite(v) ? 1 : 0;
    }
    std::vector<std::vector<int64_t>> confusion;
    double                            top1 = NAN;
    metrics_ci                        top1_ci, mean_ci;
    if (set.single_label) {
        confusion = metrics_confusion(truth, predicted, (int32_t) set.findings.size());
        top1      = metrics_accuracy(truth, predicted);
    }
    if (with_ci) {
        std::vector<const finding_eval *> in_mean;
        for (auto & e : fe) {
            if (std::isfinite(e.auc)) {
                e.auc_ci = metrics_bootstrap_auc(e.scores, e.labels, e.groups, (int32_t) n_boot, (uint64_t) seed);
                if (!e.normal) {
                    in_mean.push_back(&e);
                }
            }
        }
        // The mean over the same findings as the estimate; a resample where one of them has no
        // positive (or no negative) is skipped, not averaged over fewer findings. Images a
        // policy left out of a finding stay out of that finding's AUC in every resample.
        std::vector<double>  s;
        std::vector<int32_t> l;
        mean_ci = metrics_bootstrap(groups, (int32_t) n_boot, (uint64_t) seed, 0.95, [&](const std::vector<size_t> & idx) {
            double sum = 0.0;
            for (const finding_eval * e : in_mean) {
                s.clear();
                l.clear();
                for (size_t i : idx) {
                    if (e->label_of[i] >= 0) {
                        s.push_back(e->score_of[i]);
                        l.push_back(e->label_of[i]);
                    }
                }
                const double a = metrics_roc_auc(s, l);
                if (!std::isfinite(a)) {
                    return (double) NAN;
                }
                sum += a;
            }
            return in_mean.empty() ? (double) NAN : sum / (double) in_mean.size();
        });
        if (set.single_label) {
            std::vector<int32_t> t, p;
            top1_ci = metrics_bootstrap(groups, (int32_t) n_boot, (uint64_t) seed, 0.95, [&](const std::vector<size_t> & idx) {
                t.clear();
                p.clear();
                for (size_t i : idx) {
                    t.push_back(truth[i]);
                    p.push_back(predicted[i]);
                }
                return metrics_accuracy(t, p);
            });
        }
    }

    if (!save_results.empty() && !results_save(doc, save_results, &err)) {
        std::fprintf(stderr, "radz eval: %s\n", err.c_str());
        return CLI_FAILED;
    }

    const int32_t n_scored = (int32_t) rows.size() - failed;
    auto column_name = [&](const finding_eval & e) { return e.derived ? std::string() : set.findings[(size_t) e.column]; };
    if (csv_out) {
        std::string o = CSV_BOM + csv_line({ "finding", "column", "match", "positives", "negatives", "left_out", "auc",
                                             "ci95_lo", "ci95_hi", "f1", "accuracy", "sensitivity", "specificity",
                                             "calibrated", "no_signal", "in_mean" });
        auto ci_cells = [&](const metrics_ci & c, double v, std::vector<std::string> * cells) {
            const bool on = with_ci && std::isfinite(v) && c.n_valid > 0;
            cells->push_back(on ? csv_number(c.lo) : "");
            cells->push_back(on ? csv_number(c.hi) : "");
        };
        for (const auto & e : fe) {
            std::vector<std::string> cells = { csv_text(e.id), csv_text(column_name(e)),
                                               csv_text(e.derived ? "no other finding" : labels_match_name(e.how)),
                                               std::to_string(e.positives), std::to_string(e.negatives),
                                               std::to_string(e.left_out), csv_number(e.auc) };
            ci_cells(e.auc_ci, e.auc, &cells);
            for (double v : { e.f1, e.acc, e.sens, e.spec }) {
                cells.push_back(csv_number(v));
            }
            cells.push_back(e.calibrated ? "yes" : "no");
            cells.push_back(e.no_signal ? "yes" : "no");
            cells.push_back(!e.normal && std::isfinite(e.auc) ? "yes" : "no");
            o += csv_line(cells);
        }
        std::vector<std::string> cells = { "mean", "", "", "", "", "", csv_number(mean_auc) };
        ci_cells(mean_ci, mean_auc, &cells);
        cells.insert(cells.end(), { csv_number(mean_f1), csv_number(mean_acc), "", "", "", "", std::to_string(n_in_mean) });
        o += csv_line(cells);
        if (set.single_label) {
            cells = { csv_text("top-1 accuracy"), "", "", "", "", "", "" };
            ci_cells(top1_ci, top1, &cells);
            cells.insert(cells.end(), { "", csv_number(top1), "", "", "", "", "" });
            o += csv_line(cells);
        }
        std::fwrite(o.data(), 1, o.size(), stdout);
    } else if (json) {
        std::string o = "{\n  \"schema\": \"radz-eval\",\n  \"schema_version\": 0,\n";
        o += "  \"labels\": " + json_string(set.name) + ",\n  \"labels_format\": " + json_string(labels_format_name(set.format)) +
             ",\n  \"modality\": " + json_string(modality) + ",\n";
        o += "  \"package\": " + json_string(s.pkg.name) + ",\n  \"variant\": " + json_string(s.pl.variant.name) + ",\n";
        o += "  \"execution_provider\": " + json_string(s.be->info().execution_provider) + ",\n";
        o += "  \"fold\": " + (fold >= 0 ? std::to_string(fold) : std::string("null")) + ",\n";
        o += "  \"split_list\": " + (split_list.empty() ? std::string("null") : json_string(file_base_name(split_list))) + ",\n";
        o += "  \"policy\": {\"uncertain\": " + json_string(labels_policy_name(uncertain)) +
             ", \"blank\": " + json_string(labels_policy_name(blank)) + "},\n";
        o += "  \"unused_columns\": [";
        for (size_t k = 0; k < unused.size(); ++k) {
            o += (k ? ", " : "") + json_string(unused[k]);
        }
        o += "],\n";
        o += "  \"images\": " + std::to_string(rows.size()) + ",\n  \"failed\": " + std::to_string(failed) + ",\n";
        o += "  \"min_positives\": " + std::to_string(min_pos) + ",\n";
        o += "  \"bootstrap\": " +
             (with_ci ? "{\"resamples\": " + std::to_string(n_boot) + ", \"seed\": " + std::to_string(seed) +
                            ", \"groups\": " + json_string(by_patient ? "patient_id" : "image") + ", \"level\": 0.95}"
                      : std::string("null")) + ",\n  \"findings\": [\n";
        for (size_t i = 0; i < fe.size(); ++i) {
            const auto & e = fe[i];
            o += "    {\"id\": " + json_string(e.id) +
                 ", \"column\": " + (e.derived ? std::string("null") : json_string(column_name(e))) +
                 ", \"match\": " + json_string(e.derived ? "no other finding" : labels_match_name(e.how)) +
                 ", \"positives\": " + std::to_string(e.positives) + ", \"negatives\": " + std::to_string(e.negatives) +
                 ", \"left_out\": " + std::to_string(e.left_out) +
                 ", \"auc\": " + json_number(e.auc) + ", \"auc_ci95\": " + ci_json(e.auc_ci, with_ci && std::isfinite(e.auc)) +
                 ", \"f1\": " + json_number(e.f1) +
                 ", \"accuracy\": " + json_number(e.acc) + ", \"sensitivity\": " + json_number(e.sens) +
                 ", \"specificity\": " + json_number(e.spec) + ", \"calibrated\": " + (e.calibrated ? "true" : "false") +
                 ", \"no_signal\": " + (e.no_signal ? "true" : "false") +
                 ", \"in_mean\": " + (!e.normal && std::isfinite(e.auc) ? "true" : "false") + "}" +
                 (i + 1 < fe.size() ? ",\n" : "\n");
        }
        o += "  ],\n  \"mean\": {\"auc\": " + json_number(mean_auc) +
             ", \"auc_ci95\": " + ci_json(mean_ci, with_ci && std::isfinite(mean_auc)) + ", \"f1\": " + json_number(mean_f1) +
             ", \"accuracy\": " + json_number(mean_acc) + ", \"findings\": " + std::to_string(n_in_mean) + "}";
        if (set.single_label) {
            o += ",\n  \"top1_accuracy\": " + json_number(top1) + ",\n  \"top1_accuracy_ci95\": " +
                 ci_json(top1_ci, with_ci && std::isfinite(top1)) + ",\n  \"confusion\": {\"classes\": [";
            for (size_t c = 0; c < set.findings.size(); ++c) {
                o += (c ? ", " : "") + json_string(set.findings[c]);
            }
            o += "], \"matrix\": [";
            for (size_t t = 0; t < confusion.size(); ++t) {
                o += t ? ", [" : "[";
                for (size_t p = 0; p < confusion[t].size(); ++p) {
                    o += (p ? ", " : "") + std::to_string(confusion[t][p]);
                }
                o += "]";
            }
            o += "]}";
        }
        o += "\n}\n";
        std::fputs(o.c_str(), stdout);
    } else {
        std::printf("%s: %d images scored (%d failed), modality %s, %s %s%s\n", set.name.c_str(), n_scored, failed,
                    modality.c_str(), s.pkg.name.c_str(), s.pl.variant.name.c_str(),
                    fold >= 0 ? (", fold " + fold_s).c_str() : "");
        int32_t gated = 0;
        for (const auto & r : doc.images) {
            gated += (r.detection && r.detection->verdict == "rejected") ? 1 : 0;
        }
        if (gated > 0) {
            std::printf("the modality gate would have rejected %d of them (scored all the same: a labelled set)\n", gated);
        }
        if (with_ci) {
            std::printf("95%% CI: %ld bootstrap resamples of %s (seed %ld)\n", n_boot, by_patient ? "patients" : "images", seed);
        }
        std::printf("%-22s %5s  %-6s %-13s  %-6s  %-6s  %-6s  %-6s\n", "finding", "pos", "AUC", with_ci ? "(95% CI)" : "",
                    "F1", "ACC", "sens", "spec");
        auto row = [&](const finding_eval & e, const char * note) {
            const std::string left = e.left_out > 0 ? "  (" + std::to_string(e.left_out) + " left out)" : "";
            std::printf("%-22s %5lld  %-6s %-13s  %-6s  %-6s  %-6s  %-6s%s%s%s%s\n", e.id.c_str(), (long long) e.positives,
                        metrics_format(e.auc).c_str(), ci_text(e.auc_ci, with_ci && std::isfinite(e.auc)).c_str(),
                        metrics_format(e.f1).c_str(), metrics_format(e.acc).c_str(),
                        metrics_format(e.sens).c_str(), metrics_format(e.spec).c_str(),
                        e.calibrated ? "" : "  uncalibrated", e.no_signal ? "  no_signal" : "", note, left.c_str());
        };
        for (const auto & e : fe) {
            if (!e.normal) {
                row(e, "");
            }
        }
        std::printf("%-22s %5s  %-6s %-13s  %-6s  %-6s   (%d findings)\n", "mean", "", metrics_format(mean_auc).c_str(),
                    ci_text(mean_ci, with_ci && std::isfinite(mean_auc)).c_str(), metrics_format(mean_f1).c_str(),
                    metrics_format(mean_acc).c_str(), n_in_mean);
        for (const auto & e : fe) {
            if (e.normal) {
                row(e, "  (not in the mean)");
            }
        }
        if (set.single_label) {
            const std::string t1ci = ci_text(top1_ci, with_ci && std::isfinite(top1));
            std::printf("top-1 accuracy %s%s%s%s\nconfusion (rows: truth, columns: predicted)\n%-12s",
                        metrics_format(top1).c_str(), t1ci.empty() ? "" : " (95% CI ", t1ci.c_str(), t1ci.empty() ? "" : ")", "");
            for (const auto & c : set.findings) {
                std::printf(" %11.11s", c.c_str());
            }
            std::printf("\n");
            for (size_t t = 0; t < confusion.size(); ++t) {
                std::printf("%-12.12s", set.findings[t].c_str());
                for (int64_t v : confusion[t]) {
                    std::printf(" %11lld", (long long) v);
                }
                std::printf("\n");
            }
        }
    }
    return failed == 0 ? CLI_OK : CLI_FAILED;
}

int cmd_eval(int argc, char ** argv) {
    return eval_run(argc, argv, nullptr);
}

int eval_run_merged(int argc, char ** argv, const shard_merged & merged) {
    return eval_run(argc, argv, &merged);
}
