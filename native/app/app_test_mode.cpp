// radz-app: the test mode's output (--screenshot, --results, --layout: docs/app.md).

#include "app_about.h"
#include "app_test_mode.h"
#include "file_io.h"
#include "sha256.h"

#include <imgui.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

bool write_layout(const app_state & a, const std::string & path, int32_t fb_w, int32_t fb_h,
                  std::string * err) {
    const ImVec2   s = ImGui::GetIO().DisplayFramebufferScale;
    nlohmann::json j;
    j["window"] = {{"width", fb_w}, {"height", fb_h}};
    j["frames"] = {{"count", a.frames}, {"first_ms", a.frame_first_ms}, {"max_interval_ms", a.frame_max_ms}};
    auto rect = [&](ImVec2 mn, ImVec2 mx) {
        return nlohmann::json{{"x", mn.x * s.x}, {"y", mn.y * s.y}, {"w", (mx.x - mn.x) * s.x}, {"h", (mx.y - mn.y) * s.y}};
    };
    if (a.image_drawn && a.selected >= 0) {
        j["image"]         = rect(a.image_min, a.image_max);
        j["image"]["file"] = a.images[a.selected].path;
    } else {
        j["image"] = nullptr;
    }
    j["bars"] = nlohmann::json::array();
    for (const auto & b : a.bars) {
        nlohmann::json o;
        o["id"]          = b.id;
        o["display"]     = b.display;
        o["probability"] = b.probability;
        o["calibrated"]  = b.calibrated;
        o["track"]       = rect(b.track_min, b.track_max);
        o["fill"]        = rect(b.track_min, ImVec2(b.track_min.x + b.fill_w, b.track_max.y));
        const ImVec4 c   = ImGui::ColorConvertU32ToFloat4(b.color);
        o["fill_color"]  = {std::lround(c.x * 255), std::lround(c.y * 255), std::lround(c.z * 255)};
        j["bars"].push_back(o);
    }
    j["no_signal"] = nlohmann::json::array();
    for (const auto & b : a.no_signal_rows) {
        j["no_signal"].push_back({{"id", b.id}, {"display", b.display}, {"row", rect(b.track_min, b.track_max)}});
    }
    if (a.image_drawn && a.selected >= 0) {  // the selected image's modality and the gate's verdict
        const results_image & r = a.images[a.selected].result;
        j["modality"]        = r.modality;
        j["modality_source"] = r.modality_source;
        j["verdict"]         = r.detection ? nlohmann::json(r.detection->verdict) : nlohmann::json(nullptr);
        j["verdict_text"]    = a.verdict_text;
    }
    if (a.about_drawn) {
        j["about"]                   = rect(a.about_min, a.about_max);
        j["about"]["licence_sha256"] = sha256_hex((const uint8_t *) app_about_licence, app_about_licence_size);
        j["about"]["notices_sha256"] = sha256_hex((const uint8_t *) app_about_notices, app_about_notices_size);
    } else {
        j["about"] = nullptr;
    }
    j["images"]   = a.images.size();
    j["provider"] = a.binfo.execution_provider;
    if (a.has_parity) {
        const compare_report & r = a.parity;
        j["parity"] = {{"reference", a.parity_name}, {"pass", r.pass}, {"images", r.n_images}, {"pass_images", r.n_pass},
                       {"fail_images", r.n_fail}, {"max_d_prob", r.max_d_prob}};
    } else {
        j["parity"] = nullptr;
    }
    return file_write_text(path, j.dump(2) + "\n", err);
}

void app_test_mode_start(app_state & a, const app_args & args, std::chrono::steady_clock::time_point t_start,
                         app_test_run * t) {
    app_state *      ap   = &a;
    const app_args * argp = &args;
    if (!args.switch_ep.empty()) {
        t->after_ready.push_back([ap, argp] { provider_use(*ap, argp->switch_ep); });
    }
    if (!args.child_ep.empty()) {
        t->after_ready.push_back([ap, argp] { child_run(*ap, argp->child_ep, ap->opt.ort_lib); });
    }
    t->t_start = t_start;
}

bool app_test_mode_frame(app_state & a, const app_args & args, app_test_run & t, int32_t fb_w, int32_t fb_h,
                         int * exit_code) {
    bool all_done = !a.images.empty();
    for (const auto & im : a.images) {
        all_done = all_done && (im.state == image_state::done || im.state == image_state::failed);
    }
    const bool ready = (all_done && a.worker->idle() && !a.model_opening) || (!a.model_opening && !a.model_open);
    t.ready_frames   = ready ? t.ready_frames + 1 : 0;
    if (t.ready_frames >= 2 && a.model_open && t.next_action < t.after_ready.size()) {
        t.after_ready[t.next_action++]();
        t.ready_frames = 0;
    }
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t.t_start).count();
    if (t.ready_frames >= 4 || waited > 600.0) {  // a few frames: the layout settles
        std::string err;
        if (!a.model_open || a.n_errors > 0) {  // the errors were printed by set_status
            *exit_code = 1;
        } else if (waited > 600.0) {
            std::fprintf(stderr, "radz-app: test mode: images not classified after 600 s\n");
            *exit_code = 1;
        }
        if (!args.screenshot.empty() && !app_screenshot_png(args.screenshot, fb_w, fb_h, &err)) {
            std::fprintf(stderr, "radz-app: %s\n", err.c_str());
            *exit_code = 1;
        }
        if (!args.results.empty() && a.model_open) {
            const results_doc doc = results_current(a);
            if (!results_validate(doc, file_base_name(args.results), &err) ||
                !results_save(doc, args.results, &err)) {
                std::fprintf(stderr, "radz-app: %s\n", err.c_str());
                *exit_code = 1;
            }
            for (const auto & im : doc.images) {
                if (im.error) {
                    std::fprintf(stderr, "radz-app: %s\n", im.error->message.c_str());
                    *exit_code = 1;
                }
            }
        }
        if (!args.save_anchors.empty() && a.model_open && !anchor_table_save(a.anchors, args.save_anchors, &err)) {
            std::fprintf(stderr, "radz-app: %s\n", err.c_str());
            *exit_code = 1;
        }
        parity_update(a);
        if (!args.layout.empty() && !write_layout(a, args.layout, fb_w, fb_h, &err)) {
            std::fprintf(stderr, "radz-app: %s\n", err.c_str());
            *exit_code = 1;
        }
        return true;
    }
    return false;
}
