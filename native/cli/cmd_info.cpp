// radz info : the model package, its variants and findings, and the execution providers.
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

static const char * const HELP =
    "usage: radz info [options]\n"
    "\n"
    "Shows the model package (verified: every file's size and sha256), its variants and sizes,\n"
    "the findings of each modality, and every execution provider with why it is or is not\n"
    "usable. Exit 1 when the package or the ONNX Runtime library cannot be loaded.\n"
    "\n"
    "options:\n";

static std::string mib(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f MiB", bytes / 1048576.0);
    return buf;
}

int cmd_info(int argc, char ** argv) {
    cli_common opt;
    cli_option_table table;
    cli_common_options(&opt, &table);
    const int r = cli_options_parse("info", HELP, table, argc, argv, [](const std::string & a, std::string * err) {
        *err = "unknown argument '" + a + "'";
        return false;
    });
    if (r >= 0) {
        return r;
    }
    int         rc = CLI_OK;
    std::string err;

    // The package.
    const std::string dir = cli_model_dir(opt);
    radz_package      pkg;
    if (!package_load(dir, &pkg, &err)) {
        std::fprintf(stderr, "radz info: %s%s\n", err.find(dir) == std::string::npos ? (dir + ": ").c_str() : "",
                     err.c_str());
        rc = CLI_FAILED;
    } else {
        std::printf("package   %s (format %d), %s\n", pkg.name.c_str(), pkg.format_version, dir.c_str());
        std::printf("          %s\n", pkg.description.c_str());
        std::printf("manifest  sha256 %s, %zu files verified\n", pkg.manifest_sha256.c_str(), pkg.files.size());
        const auto recipe = nlohmann::json::parse(pkg.recipe_json, nullptr, false);
        if (recipe.is_object()) {
            auto str = [&](const char * k) {
                return recipe.contains(k) ? (recipe[k].is_string() ? recipe[k].get<std::string>() : recipe[k].dump())
                                          : std::string("?");
            };
            std::printf("recipe    %s (seed %s, commit %s, torch %s, %s)\n", str("command").c_str(), str("seed").c_str(),
                        str("git_commit").c_str(), str("torch_version").c_str(), str("created").c_str());
        }
        std::printf("dims      D %d, E %d, V %d, P %d image tokens, K %d, decoder %d of %d layers, max_length %d\n",
                    pkg.dims.hidden_size, pkg.dims.feature_dim, pkg.dims.vocab_size, pkg.dims.image_tokens,
                    package_k(pkg), pkg.dims.feature_layer, pkg.dims.n_layers, pkg.sequence.max_length);
        std::printf("variants\n");
        for (const auto & v : pkg.variants) {
            std::printf("  %-6s%s %10s  %-18s quantized share %.3f, embeddings %s\n", v.name.c_str(),
                        v.name == pkg.default_variant ? "*" : " ", mib(v.bytes).c_str(), v.quantization.c_str(),
                        v.quantized_share, v.embeddings_dtype.c_str());
        }
        const package_variant_info * v = package_variant(pkg, opt.variant);
        anchor_table                 table;
        if (!v) {
            std::fprintf(stderr, "radz info: --variant: no variant '%s'\n", opt.variant.c_str());
            rc = CLI_FAILED;
        } else if (!anchor_table_load(package_file_path(pkg, v->anchors), &table, &err)) {
            std::fprintf(stderr, "radz info: %s\n", err.c_str());
            rc = CLI_FAILED;
        } else {
            // The evidence for the scores (section 10 of docs/model-package.md), as the pipeline
            // applies it: the core decides no_signal.
            evidence_variant ev;
            bool             has_ev = false;
            if (!pipeline_package_evidence(pkg, *v, nullptr, table, &ev, &has_ev, &err)) {
                std::fprintf(stderr, "radz info: %s\n", err.c_str());
                rc = CLI_FAILED;
            }
            evidence_apply(&table, has_ev ? &ev : nullptr, nullptr);
            std::printf("evidence  %s (variant %s); no_signal: the 95%% CI of the AUC includes or lies below 0.5,\n"
                        "          or the calibration slope is at most 0.001\n",
                        has_ev ? pkg.evidence_file.c_str() : "none in the package (format 0): the calibration scale",
                        v->name.c_str());
            std::map<std::string, std::string> sources;
            for (const auto & f : table.findings) {
                if (f.has_evidence) {
                    sources[f.evidence.source] = f.evidence.description;
                }
            }
            for (const auto & kv : sources) {
                std::printf("  [%s] %s\n", kv.first.c_str(), kv.second.c_str());
            }
            for (const auto & m : pkg.modalities) {
                std::printf("modality  %s (%s, %s, input %dx%d): %d findings\n", m.id.c_str(), m.display.c_str(),
                            m.task.c_str(), m.input_width, m.input_height, anchor_table_count(table, m.id));
                for (const auto & f : table.findings) {
                    if (f.modality != m.id) {
                        continue;
                    }
                    std::printf("  %-22s %-22s %s%s%s%s\n", f.id.c_str(), f.display.c_str(),
                                f.calibration.kind == "labels" ? "calibrated" : "uncalibrated",
                                f.held_out ? ", held out" : "", f.kind == "normal" ? ", normal" : "",
                                f.no_signal ? ", no_signal" : "");
                    std::printf("  %-22s evidence: %s\n", "",
                                f.has_evidence ? evidence_summary(f.evidence).c_str() : "none");
                }
            }
        }
    }

    // The providers.
    ort_options o;
    o.lib_path = opt.ort_lib;
    o.ep       = "all";
    o.threads  = opt.threads;
    o.verbose  = opt.verbose;
    ort_probe probe;
    if (!ort_probe_providers(o, &probe, &err)) {
        std::fprintf(stderr, "radz info: %s\n", err.c_str());
        return CLI_FAILED;
    }
    std::printf("runtime   onnxruntime %s, %s\n", probe.version.c_str(), probe.lib_path.c_str());
    std::printf("providers (auto picks: %s)\n", probe.chosen.c_str());
    std::string report = ort_probe_report(probe);
    size_t      start  = 0;
    while (start < report.size()) {
        const size_t nl = report.find('\n', start);
        std::printf("  %s\n", report.substr(start, nl - start).c_str());
        start = nl + 1;
    }
    return rc;
}
