// radz eval LABELS.csv --images DIR : zero-shot metrics over a labelled image set.
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"
#include "json_util.h"
#include "labels_csv.h"
#include "metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

static const char * const HELP =
    "usage: radz eval LABELS.csv [--images DIR] [options]\n"
    "\n"
    "Classifies every image of a labels CSV (shaped like ../shared/data/*/labels.csv: a 'path'\n"
    "column and 0/1 columns per finding, or a 'label' column) and reports per finding the ROC\n"
    "AUC, and F1, accuracy, sensitivity and specificity at the operating point (50%), then their\n"
    "mean over the findings. A finding with fewer than --min-positives positives (or no\n"
    "negative) shows n/a and stays out of the mean; the normal finding (No_Finding, label = no\n"
    "other finding) is reported but never in the mean. Single-label sets also get the top-1\n"
    "accuracy and the confusion matrix. Exit 1 when an image failed (the others are scored).\n"
    "\n"
    "options:\n"
    "  --images DIR           folder the CSV's paths are relative to (default: the CSV's folder)\n"
    "  --modality ID          default: cxr for 0/1 columns, the multiclass modality for 'label'\n"
    "  --fold N               only the rows of fold N (needs a 'fold' column)\n"
    "  --limit N              only the first N rows (after --fold)\n"
    "  --min-positives N      default 3\n"
    "  --ci N                 bootstrap resamples for 95% intervals of each AUC, the mean AUC and\n"
    "                         the top-1 accuracy (default 1000; 0: none). Whole patients are\n"
    "                         resampled when the CSV has a 'patient_id' column, else images\n"
    "  --seed N               bootstrap seed (default 0)\n"
    "  --json                 write the metrics as JSON to stdout\n"
    "  --save-results FILE    also write the results document of every image\n";

struct finding_eval {
    std::string          id, display;
    bool                 normal     = false;
    bool                 calibrated = false;
    int32_t              table_index = -1;
    int32_t              column     = -1; // in the labels set; -1 for the normal finding
    std::vector<double>  scores;          // logits
    std::vector<int32_t> labels;
    int64_t              positives = 0;
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

int cmd_eval(int argc, char ** argv) {
    cli_common  opt;
    std::string csv, images_dir, modality, fold_s, limit_s, minpos_s = "3", save_results, ci_s = "1000", seed_s = "0";
    bool        json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        std::string       err;
        bool              missing = false;
        if (a == "--help" || a == "-h") {
            std::printf("%s%s", HELP, CLI_COMMON_HELP);
            return CLI_OK;
        }
        const int r = cli_parse_common(argc, argv, &i, &opt, &err);
        if (r < 0) {
            return cli_usage_error("eval", err);
        }
        if (r > 0) {
            continue;
        }
        if (cli_take(argc, argv, &i, "--images", &images_dir, &missing) ||
            cli_take(argc, argv, &i, "--modality", &modality, &missing) ||
            cli_take(argc, argv, &i, "--fold", &fold_s, &missing) ||
            cli_take(argc, argv, &i, "--limit", &limit_s, &missing) ||
            cli_take(argc, argv, &i, "--min-positives", &minpos_s, &missing) ||
            cli_take(argc, argv, &i, "--save-results", &save_results, &missing) ||
            cli_take(argc, argv, &i, "--ci", &ci_s, &missing) || cli_take(argc, argv, &i, "--seed", &seed_s, &missing)) {
            if (missing) {
                return cli_usage_error("eval", a + " needs a value");
            }
        } else if (a == "--json") {
            json = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return cli_usage_error("eval", "unknown option '" + a + "'");
        } else if (csv.empty()) {
            csv = a;
        } else {
            return cli_usage_error("eval", "one labels CSV expected, found also '" + a + "'");
        }
    }
    if (csv.empty()) {
        return cli_usage_error("eval", "no labels CSV given");
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
    const bool with_ci = n_boot > 0;
    if (images_dir.empty()) {
        const size_t p = csv.rfind('/');
        images_dir     = p == std::string::npos ? "." : csv.substr(0, p);
    }

    std::string err;
    labels_set  set;
    if (!labels_csv_read(csv, &set, &err)) {
        std::fprintf(stderr, "radz eval: %s\n", err.c_str());
        return CLI_USAGE;
    }
    std::vector<labels_row> rows;
    for (const auto & r : set.rows) {
        if (fold >= 0 && r.fold != fold) {
            continue;
        }
        rows.push_back(r);
    }
    if (fold >= 0 && !set.rows.empty() && set.rows[0].fold < 0) {
        return cli_usage_error("eval", "--fold: " + set.name + " has no 'fold' column");
    }
    if (limit > 0 && (long) rows.size() > limit) {
        rows.resize((size_t) limit);
    }
    if (rows.empty()) {
        std::fprintf(stderr, "radz eval: %s: no rows%s\n", set.name.c_str(),
                     fold >= 0 ? (" in fold " + fold_s).c_str() : "");
        return CLI_FAILED;
    }

    cli_session s;
    if (!cli_session_open(opt, json, &s, &err)) {
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

    // The findings evaluated: the table's findings of the modality that have labels.
    std::vector<finding_eval> fe;
    std::vector<std::string>  unlabelled;
    for (size_t t = 0; t < s.pl.anchors.findings.size(); ++t) {
        const anchor_finding & af = s.pl.anchors.findings[t];
        if (af.modality != modality) {
            continue;
        }
        finding_eval e;
        e.id          = af.id;
        e.display     = af.display;
        // The normal finding (No_Finding) stays out of the mean of a multi-label modality; in a
        // multiclass one (mri: notumor) every class is a finding (docs/model-package.md section 5).
        e.normal      = af.kind == "normal" && package_modality_find(s.pkg, modality)->task != "multiclass";
        e.calibrated  = af.calibration.kind == "labels";
        e.table_index = (int32_t) t;
        e.column      = labels_find(set, af.id);
        if (e.column < 0 && !(e.normal && !set.single_label)) {
            unlabelled.push_back(af.id);
            continue;
        }
        fe.push_back(e);
    }
    for (const auto & col : set.findings) {
        if (anchor_table_find(s.pl.anchors, modality, col) < 0) {
            std::fprintf(stderr, "radz eval: %s: column '%s' has no finding in the %s table: ignored\n",
                         set.name.c_str(), col.c_str(), modality.c_str());
        }
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
    const int32_t failed =
        pipeline_classify_files(s.pl, paths, modality, !save_results.empty(), cli_progress_bar("eval"), &doc.images);
    std::vector<int32_t>     truth, predicted;
    std::vector<std::string> groups;   // bootstrap groups of the scored images: patients, else images
    const bool               by_patient = !rows.empty() && !rows[0].patient_id.empty();
    for (size_t i = 0; i < rows.size(); ++i) {
        const results_image & img = doc.images[i];
        if (img.error) {
            std::fprintf(stderr, "radz eval: %s\n", img.error->message.c_str());
            continue;
        }
        groups.push_back(by_patient ? rows[i].patient_id : rows[i].path);
        bool any_positive = false;
        for (uint8_t p : rows[i].positives) {
            any_positive = any_positive || p;
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
            if (!rf) {
                continue;
            }
            e.scores.push_back(rf->logit);
            e.labels.push_back(e.column >= 0 ? rows[i].positives[(size_t) e.column] : !any_positive);
        }
        if (set.single_label) {
            for (const auto & f : img.findings) {
                if (f.logit > best) {
                    best   = f.logit;
                    best_c = labels_find(set, f.id);
                }
            }
            truth.push_back(labels_find(set, rows[i].label));
            predicted.push_back(best_c);
        }
    }

    // Metrics.
    std::vector<double> m_auc, m_f1, m_acc;
    for (auto & e : fe) {
        int64_t neg = 0;
        for (int32_t l : e.labels) {
            e.positives += l;
            neg += !l;
        }
        if (e.positives >= min_pos && neg >= 1) {
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
                e.auc_ci = metrics_bootstrap_auc(e.scores, e.labels, groups, (int32_t) n_boot, (uint64_t) seed);
                if (!e.normal) {
                    in_mean.push_back(&e);
                }
            }
        }
        // The mean over the same findings as the estimate; a resample where one of them has no
        // positive (or no negative) is skipped, not averaged over fewer findings.
        std::vector<double>  s;
        std::vector<int32_t> l;
        mean_ci = metrics_bootstrap(groups, (int32_t) n_boot, (uint64_t) seed, 0.95, [&](const std::vector<size_t> & idx) {
            double sum = 0.0;
            for (const finding_eval * e : in_mean) {
                s.clear();
                l.clear();
                for (size_t i : idx) {
                    s.push_back(e->scores[i]);
                    l.push_back(e->labels[i]);
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
    if (json) {
        std::string o = "{\n  \"schema\": \"radz-eval\",\n  \"schema_version\": 0,\n";
        o += "  \"labels\": " + json_string(set.name) + ",\n  \"modality\": " + json_string(modality) + ",\n";
        o += "  \"package\": " + json_string(s.pkg.name) + ",\n  \"variant\": " + json_string(s.pl.variant.name) + ",\n";
        o += "  \"execution_provider\": " + json_string(s.be->info().execution_provider) + ",\n";
        o += "  \"fold\": " + (fold >= 0 ? std::to_string(fold) : std::string("null")) + ",\n";
        o += "  \"images\": " + std::to_string(rows.size()) + ",\n  \"failed\": " + std::to_string(failed) + ",\n";
        o += "  \"min_positives\": " + std::to_string(min_pos) + ",\n";
        o += "  \"bootstrap\": " +
             (with_ci ? "{\"resamples\": " + std::to_string(n_boot) + ", \"seed\": " + std::to_string(seed) +
                            ", \"groups\": " + json_string(by_patient ? "patient_id" : "image") + ", \"level\": 0.95}"
                      : std::string("null")) + ",\n  \"findings\": [\n";
        for (size_t i = 0; i < fe.size(); ++i) {
            const auto & e = fe[i];
            o += "    {\"id\": " + json_string(e.id) + ", \"positives\": " + std::to_string(e.positives) +
                 ", \"auc\": " + json_number(e.auc) + ", \"auc_ci95\": " + ci_json(e.auc_ci, with_ci && std::isfinite(e.auc)) +
                 ", \"f1\": " + json_number(e.f1) +
                 ", \"accuracy\": " + json_number(e.acc) + ", \"sensitivity\": " + json_number(e.sens) +
                 ", \"specificity\": " + json_number(e.spec) + ", \"calibrated\": " + (e.calibrated ? "true" : "false") +
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
        if (with_ci) {
            std::printf("95%% CI: %ld bootstrap resamples of %s (seed %ld)\n", n_boot, by_patient ? "patients" : "images", seed);
        }
        std::printf("%-22s %5s  %-6s %-13s  %-6s  %-6s  %-6s  %-6s\n", "finding", "pos", "AUC", with_ci ? "(95% CI)" : "",
                    "F1", "ACC", "sens", "spec");
        auto row = [&](const finding_eval & e, const char * note) {
            std::printf("%-22s %5lld  %-6s %-13s  %-6s  %-6s  %-6s  %-6s%s%s\n", e.id.c_str(), (long long) e.positives,
                        metrics_format(e.auc).c_str(), ci_text(e.auc_ci, with_ci && std::isfinite(e.auc)).c_str(),
                        metrics_format(e.f1).c_str(), metrics_format(e.acc).c_str(),
                        metrics_format(e.sens).c_str(), metrics_format(e.spec).c_str(),
                        e.calibrated ? "" : "  uncalibrated", note);
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
        if (!unlabelled.empty()) {
            std::string u;
            for (const auto & id : unlabelled) {
                u += (u.empty() ? "" : ", ") + id;
            }
            std::printf("no labels for: %s\n", u.c_str());
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
