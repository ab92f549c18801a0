#include "evidence.h"

#include "json_read.h"
#include "sha256.h"

#include <cmath>
#include <cstdio>
#include <set>

namespace {

bool fail(std::string * err, const std::string & msg) {
    if (err) {
        *err = json_one_line(msg);
    }
    return false;
}

std::string fmt3(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", v);
    return buf;
}

bool parse_entry(const json_reader & r, const json & f, const std::string & w, const evidence_doc & doc,
                 evidence_entry * e) {
    if (!f.is_object()) {
        return r.fail(w, "expected an object, found " + json_describe(f));
    }
    finding_evidence & ev = e->evidence;
    if (!r.get_string(f, w, "modality", &e->modality) || !r.get_string(f, w, "id", &e->id) ||
        !r.get_string(f, w, "source", &ev.source)) {
        return false;
    }
    const auto src = doc.sources.find(ev.source);
    if (src == doc.sources.end()) {
        return r.fail(json_path(w, "source"), "'" + ev.source + "' is not a key of sources");
    }
    ev.description = src->second;
    if (f.contains("auc") || f.contains("auc_ci")) {
        const json * ci = nullptr;
        if (!r.get_number(f, w, "auc", &ev.auc) || !r.get_array(f, w, "auc_ci", &ci)) {
            return false;
        }
        if (!(ev.auc >= 0.0 && ev.auc <= 1.0)) {
            return r.fail(json_path(w, "auc"), "expected 0 .. 1, found " + json_describe(f["auc"]));
        }
        const std::string wc = json_path(w, "auc_ci");
        if (ci->size() != 2 || !r.as_number((*ci)[0], wc + "[0]", &ev.auc_low) ||
            !r.as_number((*ci)[1], wc + "[1]", &ev.auc_high) || !(ev.auc_low >= 0.0) || !(ev.auc_low <= ev.auc_high) ||
            !(ev.auc_high <= 1.0)) {
            return r.fail(wc, "expected [low, high] with 0 <= low <= high <= 1, found " + ci->dump());
        }
        ev.has_auc = true;
    }
    if (f.contains("slope")) {
        if (!r.get_number(f, w, "slope", &ev.slope)) {
            return false;
        }
        if (!std::isfinite(ev.slope)) {
            return r.fail(json_path(w, "slope"), "expected a finite number");
        }
        ev.has_slope = true;
    }
    if (!ev.has_auc && !ev.has_slope) {
        return r.fail(w, "expected auc with auc_ci, or slope; found neither");
    }
    for (const char * key : {"positives", "images"}) {
        int64_t * out = std::string(key) == "positives" ? &ev.positives : &ev.images;
        if (f.contains(key)) {
            if (!r.get_int(f, w, key, out)) {
                return false;
            }
            if (*out < 0) {
                return r.fail(json_path(w, key), "expected an integer >= 0, found " + std::to_string(*out));
            }
        }
    }
    return true;
}

} // namespace

bool evidence_parse(const std::string & text, const std::string & name, evidence_doc * doc, std::string * err) {
    *doc = evidence_doc();
    json_reader r{name, err};
    json        j;
    if (!json_parse_text(text, name, &j, err)) {
        return false;
    }
    if (!j.is_object()) {
        return r.fail("", "expected a JSON object, found " + json_describe(j));
    }
    std::string format;
    int64_t     version = -1;
    if (!r.get_string(j, "", "format", &format)) {
        return false;
    }
    if (format != "radz-evidence") {
        return r.fail("format", "expected \"radz-evidence\", found \"" + format + "\"");
    }
    if (!r.get_int(j, "", "format_version", &version)) {
        return false;
    }
    if (version != 0) {
        return r.fail("format_version",
                      "expected 0, found " + std::to_string(version) + " (this reader knows version 0 only)");
    }
    if (!r.get_string(j, "", "package", &doc->package)) {
        return false;
    }
    const json * sources = nullptr;
    if (!r.get_object(j, "", "sources", &sources)) {
        return false;
    }
    for (auto it = sources->begin(); it != sources->end(); ++it) {
        const std::string w = json_path("sources", it.key());
        if (!it.value().is_object()) {
            return r.fail(w, "expected an object, found " + json_describe(it.value()));
        }
        std::string d;
        if (!r.get_string(it.value(), w, "description", &d)) {
            return false;
        }
        if (d.empty() || d.find('\n') != std::string::npos) {
            return r.fail(json_path(w, "description"), "expected one non-empty line");
        }
        doc->sources[it.key()] = d;
    }
    const json * variants = nullptr;
    if (!r.get_object(j, "", "variants", &variants)) {
        return false;
    }
    for (auto it = variants->begin(); it != variants->end(); ++it) {
        const std::string w = json_path("variants", it.key());
        const json &      v = it.value();
        if (!v.is_object()) {
            return r.fail(w, "expected an object, found " + json_describe(v));
        }
        evidence_variant ev;
        const json *     findings = nullptr;
        if (!r.get_string(v, w, "anchors", &ev.anchors) || !r.get_string(v, w, "anchors_sha256", &ev.anchors_sha256) ||
            !r.get_array(v, w, "findings", &findings)) {
            return false;
        }
        if (!sha256_is_hex(ev.anchors_sha256)) {
            return r.fail(json_path(w, "anchors_sha256"), "expected 64 lower-case hex digits, found " +
                                                              json_describe(v["anchors_sha256"]));
        }
        std::set<std::string> seen;
        for (size_t i = 0; i < findings->size(); ++i) {
            const std::string wf = json_path(json_path(w, "findings"), i);
            evidence_entry    e;
            if (!parse_entry(r, (*findings)[i], wf, *doc, &e)) {
                return false;
            }
            if (!seen.insert(e.modality + "\n" + e.id).second) {
                return r.fail(wf, "finding " + e.modality + "/" + e.id + " is listed twice");
            }
            ev.findings.push_back(e);
        }
        doc->variants[it.key()] = ev;
    }
    return true;
}

bool evidence_no_signal(const finding_evidence & ev) {
    if (ev.has_auc) {
        return ev.auc_low <= 0.5;
    }
    if (ev.has_slope) {
        return ev.slope <= evidence_slope_floor;
    }
    return false;
}

std::string evidence_summary(const finding_evidence & ev) {
    std::string s;
    if (ev.has_auc) {
        s = "AUC " + fmt3(ev.auc) + " (95% CI " + fmt3(ev.auc_low) + "-" + fmt3(ev.auc_high) + ")";
    } else if (ev.has_slope) {
        char buf[48];
        std::snprintf(buf, sizeof(buf), "calibration slope %.4g", ev.slope);
        s = buf;
    }
    if (ev.positives >= 0) {
        s += ", " + std::to_string(ev.positives) + " positives";
        if (ev.images >= 0) {
            s += " of " + std::to_string(ev.images) + " images";
        }
    }
    return s + " [" + ev.source + "]";
}

bool evidence_from_calibration(const anchor_finding & f, finding_evidence * ev) {
    if (f.calibration.kind != "labels") {
        return false;
    }
    *ev             = finding_evidence();
    ev->source      = "calibration_scale";
    ev->description = "the anchor table's calibration scale (a version-0 package states no other evidence)";
    ev->has_slope   = true;
    ev->slope       = f.calibration.scale;
    return true;
}

namespace {

bool same_finding(const anchor_finding & a, const anchor_finding & b) {
    return a.anchor == b.anchor && a.calibration.kind == b.calibration.kind &&
           a.calibration.threshold == b.calibration.threshold && a.calibration.scale == b.calibration.scale;
}

} // namespace

void evidence_apply(anchor_table * table, const evidence_variant * ev, const anchor_table * reference) {
    for (anchor_finding & f : table->findings) {
        f.has_evidence = false;
        f.evidence     = finding_evidence();
        f.no_signal    = false;
        if (f.source != "package") {
            continue;
        }
        if (reference) {
            const int32_t k = anchor_table_find(*reference, f.modality, f.id);
            if (k < 0 || !same_finding(f, reference->findings[(size_t) k])) {
                continue;
            }
        }
        if (ev) {
            for (const evidence_entry & e : ev->findings) {
                if (e.modality == f.modality && e.id == f.id) {
                    f.has_evidence = true;
                    f.evidence     = e.evidence;
                    break;
                }
            }
        } else {
            f.has_evidence = evidence_from_calibration(f, &f.evidence);
        }
        f.no_signal = f.has_evidence && evidence_no_signal(f.evidence);
    }
}

bool evidence_check_variant(const evidence_variant & ev, const std::string & variant, const anchor_table & table,
                            const std::string & table_sha256, const std::string & name, std::string * err) {
    const std::string w = name + ": variants." + variant;
    if (ev.anchors_sha256 != table_sha256) {
        return fail(err, w + ".anchors_sha256: evidence for another anchor table (" + ev.anchors_sha256.substr(0, 12) +
                             "..., the variant's " + ev.anchors + " is " + table_sha256.substr(0, 12) + "...)");
    }
    for (size_t i = 0; i < ev.findings.size(); ++i) {
        const evidence_entry & e = ev.findings[i];
        if (anchor_table_find(table, e.modality, e.id) < 0) {
            return fail(err, w + ".findings[" + std::to_string(i) + "]: no finding " + e.modality + "/" + e.id + " in " +
                                 ev.anchors);
        }
    }
    return true;
}
