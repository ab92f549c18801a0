// radz-app: the state's small helpers: the status line, images by id, the current results
// document and the findings scored again against the current table.

#include "app_state.h"

#include <cstdio>

void set_status(app_state & a, const std::string & msg, bool error) {
    a.status       = msg;
    a.status_error = error;
    a.n_errors += error ? 1 : 0;
    if (a.test_mode || error) {
        std::fprintf(stderr, "radz-app: %s\n", msg.c_str());
    }
}

app_image * image_by_id(app_state & a, uint64_t id) {
    for (auto & im : a.images) {
        if (im.id == id) {
            return &im;
        }
    }
    return nullptr;
}

std::string modality_display(const app_state & a, const std::string & id) {
    if (id == "auto" || id.empty()) {
        return "Auto-detect";
    }
    const package_modality * m = package_modality_find(a.pkg, id);
    return m ? m->display : id;
}

// ---------------------------------------------------------------------------------------------
// Results

// Findings of a done image scored again against the current table (after a finding was added,
// edited or removed, or a table loaded). The same scoring as the pipeline's, from the kept feature.
void rescore(app_state & a, app_image & im) {
    if (im.state != image_state::done || im.result.feature.empty()) {
        return;
    }
    std::vector<finding_score> scores;
    std::string                err;
    if (!scoring_score_image(a.anchors, im.result.modality, im.result.feature.data(), im.result.feature.size(), &scores,
                             &err)) {
        im.state        = image_state::failed;
        im.result.error = results_error{"model", im.path + ": " + err};
        im.result.findings.clear();
        return;
    }
    im.result.findings.clear();
    for (const auto & s : scores) {
        im.result.findings.push_back(scoring_result_entry(s));
    }
}

void rescore_all(app_state & a) {
    for (auto & im : a.images) {
        rescore(a, im);
    }
    a.parity_dirty = true;
}

// The app's results document: every finished image, in the order opened.
results_doc results_current(const app_state & a) {
    results_doc doc = a.header;
    for (const auto & im : a.images) {
        if (im.state == image_state::done || im.state == image_state::failed) {
            doc.images.push_back(im.result);
        }
    }
    return doc;
}
