#include "shard.h"

#include "file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

bool shard_spec_parse(const std::string & s, shard_spec * out, std::string * err) {
    const size_t slash = s.find('/');
    char *       end   = nullptr;
    long         k = -1, n = -1;
    if (slash != std::string::npos && slash > 0 && slash + 1 < s.size()) {
        const std::string ks = s.substr(0, slash), ns = s.substr(slash + 1);
        k = std::strtol(ks.c_str(), &end, 10);
        if (*end != '\0') {
            k = -1;
        }
        n = std::strtol(ns.c_str(), &end, 10);
        if (*end != '\0') {
            n = -1;
        }
    }
    if (k < 1 || n < 1 || k > n || n > 100000) {
        *err = "--shard: expected K/N with 1 <= K <= N <= 100000, found '" + s + "'";
        return false;
    }
    out->k = (int32_t) k;
    out->n = (int32_t) n;
    return true;
}

uint64_t shard_hash(const std::string & path) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a 64
    for (unsigned char c : path) {
        h ^= c;
        h *= 1099511628211ull;
    }
    // MurmurHash3's fmix64: FNV-1a's low bits depend only on the bytes' low bits (paths that
    // differ in one digit would fall into shards by that digit alone, modulo a power of two)
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

bool shard_has(const shard_spec & sp, const std::string & path) {
    return sp.n == 0 || (int64_t) (shard_hash(path) % (uint64_t) sp.n) == (int64_t) sp.k - 1;
}

std::string shard_stem(const std::string & dir, const shard_spec & sp) {
    return dir + "/shard-" + std::to_string(sp.k) + "-of-" + std::to_string(sp.n);
}

static bool has_line_break_or_tab(const std::string & s) {
    return s.find_first_of("\t\r\n") != std::string::npos;
}

static std::vector<std::string> split_tabs(const std::string & line) {
    std::vector<std::string> out;
    size_t                   p = 0;
    for (;;) {
        const size_t t = line.find('\t', p);
        out.push_back(line.substr(p, t == std::string::npos ? std::string::npos : t - p));
        if (t == std::string::npos) {
            return out;
        }
        p = t + 1;
    }
}

static std::string header_text(const shard_header & h) {
    std::string o = "#radz-shard\t1\n#command\t" + h.command + "\n#shard\t" + std::to_string(h.spec.k) + "\t" +
                    std::to_string(h.spec.n) + "\n#package\t" + h.package + "\t" + h.manifest_sha256 + "\n#variant\t" +
                    h.variant + "\n#anchors\t" + h.anchors_sha256 + "\n#labels\t" + h.labels + "\t" + h.labels_sha256 +
                    "\n#cwd\t" + h.cwd + "\n#rows\t" + std::to_string(h.rows) + "\n#shard_rows\t" +
                    std::to_string(h.shard_rows) + "\n#args";
    for (const auto & a : h.args) {
        o += "\t" + a;
    }
    return o + "\n";
}

static bool parse_i64(const std::string & s, int64_t * out) {
    char * end = nullptr;
    errno      = 0;
    *out       = std::strtoll(s.c_str(), &end, 10);
    return !s.empty() && *end == '\0' && errno == 0 && *out >= 0;
}

bool shard_read(const std::string & path, bool tolerate_tail, shard_header * h, std::vector<shard_record> * recs,
                int64_t * good_bytes, std::string * err) {
    const std::string name = file_base_name(path);
    std::string       text;
    if (!file_read_text(path, &text, (uint64_t) 1 << 40, err)) {
        return false;
    }
    *h = shard_header();
    recs->clear();
    size_t  p = 0, kept = 0;
    int64_t line_no = 0;
    bool    seen_magic = false, seen_args = false;
    while (p < text.size()) {
        const size_t nl = text.find('\n', p);
        line_no++;
        const std::string where = name + " line " + std::to_string(line_no);
        if (nl == std::string::npos) {
            if (!tolerate_tail) {
                *err = where + ": cut short (no line end; the shard was stopped while writing it)";
                return false;
            }
            break;  // a shard killed while writing its last line: that image is done again
        }
        const std::string line = text.substr(p, nl - p);
        p                      = nl + 1;
        const auto f           = split_tabs(line);
        if (!line.empty() && line[0] == '#') {
            const std::string & key = f[0];
            auto need = [&](size_t n) {
                if (f.size() != n) {
                    *err = where + ": '" + key + "': expected " + std::to_string(n - 1) + " fields, found " +
                           std::to_string(f.size() - 1);
                    return false;
                }
                return true;
            };
            if (line_no == 1) {
                if (key != "#radz-shard" || f.size() != 2 || f[1] != "1") {
                    *err = where + ": expected '#radz-shard<TAB>1' (a scores file of radz eval/classify --shard), found '" +
                           line.substr(0, 40) + "'";
                    return false;
                }
                seen_magic = true;
            } else if (key == "#command") {
                if (!need(2)) return false;
                h->command = f[1];
            } else if (key == "#shard") {
                if (!need(3)) return false;
                if (!shard_spec_parse(f[1] + "/" + f[2], &h->spec, err)) {
                    *err = where + ": " + *err;
                    return false;
                }
            } else if (key == "#package") {
                if (!need(3)) return false;
                h->package         = f[1];
                h->manifest_sha256 = f[2];
            } else if (key == "#variant") {
                if (!need(2)) return false;
                h->variant = f[1];
            } else if (key == "#anchors") {
                if (!need(2)) return false;
                h->anchors_sha256 = f[1];
            } else if (key == "#labels") {
                if (!need(3)) return false;
                h->labels        = f[1];
                h->labels_sha256 = f[2];
            } else if (key == "#cwd") {
                if (!need(2)) return false;
                h->cwd = f[1];
            } else if (key == "#rows" || key == "#shard_rows") {
                if (!need(2)) return false;
                if (!parse_i64(f[1], key == "#rows" ? &h->rows : &h->shard_rows)) {
                    *err = where + ": " + key.substr(1) + ": expected a count, found '" + f[1] + "'";
                    return false;
                }
            } else if (key == "#args") {
                h->args.assign(f.begin() + 1, f.end());
                seen_args = true;
            } else {
                *err = where + ": unknown header line '" + key + "'";
                return false;
            }
            kept = p;
            continue;
        }
        if (!seen_magic || !seen_args) {
            *err = where + ": an image line before the header's '#radz-shard' and '#args' lines";
            return false;
        }
        if (f.size() != 4) {
            *err = where + ": expected 4 tab-separated fields (row, file, logits, results), found " + std::to_string(f.size());
            return false;
        }
        shard_record r;
        if (!parse_i64(f[0], &r.row) || r.row >= h->rows) {
            *err = where + ": row: expected 0.." + std::to_string(h->rows - 1) + ", found '" + f[0] + "'";
            return false;
        }
        results_doc d;
        if (!results_parse(f[3], where, &d, err)) {
            return false;
        }
        if (d.images.size() != 1) {
            *err = where + ": expected a results document of one image, found " + std::to_string(d.images.size());
            return false;
        }
        r.image = std::move(d.images[0]);
        if (!f[2].empty()) {
            size_t q = 0;
            while (q <= f[2].size()) {
                const size_t c = f[2].find(',', q);
                const std::string v = f[2].substr(q, c == std::string::npos ? std::string::npos : c - q);
                char *       end = nullptr;
                const double x   = std::strtod(v.c_str(), &end);
                if (v.empty() || *end != '\0' || !std::isfinite(x)) {
                    *err = where + ": logits: expected numbers, found '" + v + "'";
                    return false;
                }
                r.logits.push_back(x);
                if (c == std::string::npos) break;
                q = c + 1;
            }
        }
        if (r.logits.size() != r.image.findings.size()) {
            *err = where + ": " + std::to_string(r.logits.size()) + " logits for " +
                   std::to_string(r.image.findings.size()) + " findings";
            return false;
        }
        for (size_t j = 0; j < r.logits.size(); ++j) {
            r.image.findings[j].logit = r.logits[j];  // exact: the results part has 9 digits
        }
        recs->push_back(std::move(r));
        kept = p;
    }
    if (!seen_magic || !seen_args) {
        *err = name + ": no complete header (expected '#radz-shard' ... '#args' lines)";
        return false;
    }
    if (good_bytes) {
        *good_bytes = (int64_t) kept;
    }
    return true;
}

std::string shard_header_mismatch(const shard_header & a, const shard_header & b, const std::string & b_name) {
    auto differ = [&](const char * what, const std::string & x, const std::string & y) {
        return std::string(what) + " " + (x.empty() ? "(none)" : x) + ", but " + (y.empty() ? "(none)" : y) + " in " + b_name;
    };
    if (a.command != b.command) return differ("command", a.command, b.command);
    if (a.spec.n != b.spec.n) return differ("shard count", std::to_string(a.spec.n), std::to_string(b.spec.n));
    if (a.manifest_sha256 != b.manifest_sha256 || a.package != b.package) {
        return differ("package", a.package + " (manifest sha256 " + a.manifest_sha256.substr(0, 12) + ")",
                      b.package + " (manifest sha256 " + b.manifest_sha256.substr(0, 12) + ")");
    }
    if (a.variant != b.variant) return differ("variant", a.variant, b.variant);
    if (a.anchors_sha256 != b.anchors_sha256) return differ("anchor table sha256", a.anchors_sha256, b.anchors_sha256);
    if (a.labels_sha256 != b.labels_sha256) {
        return differ("labels file", a.labels + " (sha256 " + a.labels_sha256.substr(0, 12) + ")",
                      b.labels + " (sha256 " + b.labels_sha256.substr(0, 12) + ")");
    }
    if (a.rows != b.rows) return differ("inputs in the run", std::to_string(a.rows), std::to_string(b.rows));
    if (a.args != b.args) {
        std::string x, y;
        for (const auto & s : a.args) x += (x.empty() ? "" : " ") + s;
        for (const auto & s : b.args) y += (y.empty() ? "" : " ") + s;
        return differ("arguments", "'" + x + "'", "'" + y + "'");
    }
    return "";
}

std::vector<std::string> shard_recorded_args(int argc, char ** argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        bool              skipped = false;
        for (const char * o : { "--shard", "--out", "--threads", "--ep", "--ort-lib" }) {
            if (a == o) {
                ++i;  // its value
                skipped = true;
            } else if (a.rfind(std::string(o) + "=", 0) == 0) {
                skipped = true;
            }
        }
        if (skipped || a == "--resume" || a == "--verbose") {
            continue;
        }
        out.push_back(a);
    }
    return out;
}

static bool path_exists(const std::string & p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

// An image the modality gate rejected and the run did not score anyway: reported and counted as
// 'radz classify' does without --shard (exit 1), never silently passed.
static bool gate_rejected(const results_image & img, bool score_rejected) {
    return !img.error && img.detection && img.detection->verdict == "rejected" && !score_rejected;
}

int shard_classify(cli_session & s, shard_header h, const std::string & out_dir, bool resume,
                   const std::vector<std::string> & paths, const std::vector<std::string> & keys,
                   const std::string & modality, const char * cmd) {
    const std::string who = std::string("radz ") + cmd + ": ";
    char              cwd[4096];
    if (!getcwd(cwd, sizeof(cwd))) {
        std::fprintf(stderr, "%scannot read the current folder (%s)\n", who.c_str(), std::strerror(errno));
        return CLI_FAILED;
    }
    h.cwd             = cwd;
    h.package         = s.pkg.name;
    h.manifest_sha256 = s.pkg.manifest_sha256;
    h.variant         = s.pl.variant.name;
    h.anchors_sha256  = s.pl.anchors_sha256;
    h.rows            = (int64_t) keys.size();
    std::vector<int64_t> rows;
    for (size_t i = 0; i < keys.size(); ++i) {
        if (shard_has(h.spec, keys[i])) {
            rows.push_back((int64_t) i);
        }
    }
    h.shard_rows = (int64_t) rows.size();
    for (const std::string * v : { (const std::string *) &h.cwd, (const std::string *) &h.labels, &out_dir }) {
        if (has_line_break_or_tab(*v)) {
            std::fprintf(stderr, "%s--shard: '%s' holds a tab or a line break (not allowed in a shard's header)\n",
                         who.c_str(), v->c_str());
            return CLI_USAGE;
        }
    }
    for (const auto & a : h.args) {
        if (has_line_break_or_tab(a)) {
            std::fprintf(stderr, "%s--shard: the argument '%s' holds a tab or a line break\n", who.c_str(), a.c_str());
            return CLI_USAGE;
        }
    }
    if (mkdir(out_dir.c_str(), 0777) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "%s%s: cannot create the folder (%s)\n", who.c_str(), out_dir.c_str(), std::strerror(errno));
        return CLI_FAILED;
    }
    const std::string stem = shard_stem(out_dir, h.spec), final_scores = stem + ".scores.tsv",
                      partial = final_scores + ".partial", results = stem + ".results.json";
    const std::string tag = "shard " + std::to_string(h.spec.k) + "/" + std::to_string(h.spec.n);
    std::string       err;
    std::map<int64_t, shard_record> done;
    int64_t                         keep_bytes = -1;
    if (resume && path_exists(final_scores)) {
        shard_header              old;
        std::vector<shard_record> recs;
        if (!shard_read(final_scores, false, &old, &recs, nullptr, &err)) {
            std::fprintf(stderr, "%s%s\n", who.c_str(), err.c_str());
            return CLI_FAILED;
        }
        std::string diff = shard_header_mismatch(h, old, file_base_name(final_scores));
        if (diff.empty() && old.spec.k != h.spec.k) diff = "another shard in " + file_base_name(final_scores);
        if (!diff.empty()) {
            std::fprintf(stderr, "%s--resume: %s is of another run (%s); rerun without --resume to replace it\n",
                         who.c_str(), final_scores.c_str(), diff.c_str());
            return CLI_FAILED;
        }
        int32_t failed = 0, rejected = 0;
        for (const auto & r : recs) {
            failed += r.image.error ? 1 : 0;
            rejected += gate_rejected(r.image, s.pl.score_rejected) ? 1 : 0;
        }
        std::fprintf(stderr, "%s%s already complete: %zu images (%d failed, %d rejected) in %s\n", who.c_str(),
                     tag.c_str(), recs.size(), failed, rejected, final_scores.c_str());
        return failed == 0 && rejected == 0 ? CLI_OK : CLI_FAILED;
    }
    if (resume && path_exists(partial)) {
        shard_header              old;
        std::vector<shard_record> recs;
        if (!shard_read(partial, true, &old, &recs, &keep_bytes, &err)) {
            std::fprintf(stderr, "%s--resume: %s (rerun without --resume to start the shard again)\n", who.c_str(),
                         err.c_str());
            return CLI_FAILED;
        }
        std::string diff = shard_header_mismatch(h, old, file_base_name(partial));
        if (diff.empty() && old.spec.k != h.spec.k) diff = "another shard in " + file_base_name(partial);
        if (!diff.empty()) {
            std::fprintf(stderr, "%s--resume: %s is of another run (%s); rerun without --resume to replace it\n",
                         who.c_str(), partial.c_str(), diff.c_str());
            return CLI_FAILED;
        }
        for (auto & r : recs) {
            if (r.row < (int64_t) keys.size() && shard_has(h.spec, keys[(size_t) r.row])) {
                done[r.row] = std::move(r);
            }
        }
    } else {
        std::remove(final_scores.c_str());
        std::remove(results.c_str());
    }
    FILE * f = nullptr;
    if (keep_bytes >= 0) {
        if (truncate(partial.c_str(), (off_t) keep_bytes) != 0 || !(f = std::fopen(partial.c_str(), "ab"))) {
            std::fprintf(stderr, "%s%s: cannot append (%s)\n", who.c_str(), partial.c_str(), std::strerror(errno));
            return CLI_FAILED;
        }
    } else {
        f = std::fopen(partial.c_str(), "wb");
        const std::string head = header_text(h);
        if (!f || std::fwrite(head.data(), 1, head.size(), f) != head.size() || std::fflush(f) != 0) {
            std::fprintf(stderr, "%s%s: cannot write (%s)\n", who.c_str(), partial.c_str(), std::strerror(errno));
            if (f) std::fclose(f);
            return CLI_FAILED;
        }
    }
    const size_t resumed = done.size();
    results_doc  base     = pipeline_results_doc(s.pl, "radz", "native");
    progress_fn  progress = cli_progress_bar(std::string(cmd) + " " + tag);
    int64_t      n_done   = (int64_t) resumed;
    for (int64_t row : rows) {
        if (done.count(row)) {
            continue;
        }
        shard_record r;
        r.row = row;
        pipeline_classify_file(s.pl, paths[(size_t) row], modality, false, &r.image);
        if (r.image.error) {
            std::fprintf(stderr, "%s%s\n", who.c_str(), r.image.error->message.c_str());
        } else if (gate_rejected(r.image, s.pl.score_rejected)) {
            std::fprintf(stderr, "%s%s: %s\n", who.c_str(), r.image.file.c_str(), r.image.detection->message.c_str());
        }
        std::string logits;
        for (const auto & fi : r.image.findings) {
            char buf[40];
            std::snprintf(buf, sizeof(buf), "%.17g", fi.logit);
            logits += (logits.empty() ? "" : ",") + std::string(buf);
            r.logits.push_back(fi.logit);
        }
        base.images.assign(1, r.image);
        std::string json = results_to_json(base);
        for (char & c : json) {
            if (c == '\n') c = ' ';
        }
        std::string file = paths[(size_t) row];
        for (char & c : file) {
            if (c == '\t' || c == '\n' || c == '\r') c = ' ';
        }
        const std::string line = std::to_string(row) + "\t" + file + "\t" + logits + "\t" + json + "\n";
        if (std::fwrite(line.data(), 1, line.size(), f) != line.size() || std::fflush(f) != 0) {
            std::fprintf(stderr, "%s%s: write error (%s)\n", who.c_str(), partial.c_str(), std::strerror(errno));
            std::fclose(f);
            return CLI_FAILED;
        }
        done[row] = std::move(r);
        progress_report(progress, "images", ++n_done, (int64_t) rows.size(), paths[(size_t) row]);
    }
    if (std::fclose(f) != 0) {
        std::fprintf(stderr, "%s%s: write error (%s)\n", who.c_str(), partial.c_str(), std::strerror(errno));
        return CLI_FAILED;
    }
    int32_t failed = 0, rejected = 0;
    base.images.clear();
    for (auto & kv : done) {
        failed += kv.second.image.error ? 1 : 0;
        rejected += gate_rejected(kv.second.image, s.pl.score_rejected) ? 1 : 0;
        base.images.push_back(kv.second.image);
    }
    const std::string tmp = results + ".tmp";
    if (!results_save(base, tmp, &err) || std::rename(tmp.c_str(), results.c_str()) != 0) {
        std::fprintf(stderr, "%s%s\n", who.c_str(), err.empty() ? (results + ": cannot write").c_str() : err.c_str());
        return CLI_FAILED;
    }
    if (std::rename(partial.c_str(), final_scores.c_str()) != 0) {
        std::fprintf(stderr, "%s%s: cannot rename to %s (%s)\n", who.c_str(), partial.c_str(), final_scores.c_str(),
                     std::strerror(errno));
        return CLI_FAILED;
    }
    std::fprintf(stderr, "%s%s: %zu of %lld inputs (%d failed, %d rejected, %zu resumed) -> %s\n", who.c_str(),
                 tag.c_str(), rows.size(), (long long) h.rows, failed, rejected, resumed, final_scores.c_str());
    return failed == 0 && rejected == 0 ? CLI_OK : CLI_FAILED;
}
