// radz-app: the findings panel: each finding of the selected image as a bar with its probability,
// and the findings without signal listed apart, without a bar or a percentage.

#include "app_state.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

static void finding_tooltip(const app_state & a, const app_image & im, const results_finding & f) {
    const int32_t          idx = anchor_table_find(a.anchors, im.modality, f.id);
    const anchor_finding * af  = idx >= 0 ? &a.anchors.findings[idx] : nullptr;
    ImGui::BeginTooltip();
    ImGui::Text("%s  (%s, %s)", f.display.c_str(), f.id.c_str(), f.source.c_str());
    ImGui::Separator();
    if (f.no_signal) {
        // Never a probability: the measured evidence shows no skill (the core's no_signal).
        ImGui::TextColored(COLOR_WARN, "no reliable signal in this model");
    } else {
        ImGui::Text("probability  %.2f%%", 100.0 * f.probability);
    }
    ImGui::Text("cosine       %.5f", f.cosine);
    ImGui::Text("logit        %.4f", f.logit);
    if (af) {
        ImGui::Text("operating point: cosine %.5f is 50%%; scale %.3f per unit of cosine",
                    af->calibration.threshold, af->calibration.scale);
        if (af->has_evidence) {
            ImGui::Text("evidence: %s", evidence_summary(af->evidence).c_str());
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
            ImGui::TextDisabled("%s", af->evidence.description.c_str());
            ImGui::PopTextWrapPos();
        }
        if (af->calibration.kind == "labels") {
            ImGui::TextUnformatted("calibrated: fitted on labelled training images");
        } else {
            ImGui::TextColored(COLOR_WARN, "uncalibrated: label-free rule from reference images%s",
                               af->held_out ? " (held out of training)" : "");
        }
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
        for (const auto & d : af->descriptions) {
            ImGui::BulletText("%s", d.c_str());
        }
        ImGui::PopTextWrapPos();
    }
    ImGui::EndTooltip();
}

static void draw_bar(app_state & a, const app_image & im, const results_finding & f) {
    ImDrawList * dl     = ImGui::GetWindowDrawList();
    const ImVec2 p      = ImGui::GetCursorScreenPos();
    const float  avail  = ImGui::GetContentRegionAvail().x;
    const float  row_h  = ImGui::GetFrameHeight();
    const float  name_w = std::min(180.0f, avail * 0.35f);
    const float  tail_w = ImGui::CalcTextSize("100.0%  uncalibrated").x + 8.0f;
    const float  track_w = std::max(40.0f, avail - name_w - tail_w);
    ImGui::PushID(f.id.c_str());
    ImGui::InvisibleButton("bar", ImVec2(avail, row_h));
    const bool hovered = ImGui::IsItemHovered();
    ImGui::PopID();
    if (hovered) {
        dl->AddRectFilled(p, ImVec2(p.x + avail, p.y + row_h), IM_COL32(255, 255, 255, 18));
    }
    const float  ty = p.y + (row_h - ImGui::GetTextLineHeight()) * 0.5f;
    const ImVec4 clip(p.x, p.y, p.x + name_w - 6.0f, p.y + row_h);
    dl->AddText(nullptr, 0.0f, ImVec2(p.x, ty), ImGui::GetColorU32(ImGuiCol_Text), f.display.c_str(), nullptr, 0.0f,
                &clip);
    const ImVec2 t0(std::round(p.x + name_w), std::round(p.y + 4.0f));
    const ImVec2 t1(std::round(t0.x + track_w), std::round(p.y + row_h - 4.0f));
    const float  fill_w = (float) ((t1.x - t0.x) * std::clamp(f.probability, 0.0, 1.0));
    const ImU32  color  = f.calibrated ? COLOR_CALIBRATED : COLOR_UNCALIBRATED;
    dl->AddRectFilled(t0, t1, COLOR_TRACK);
    dl->AddRectFilled(t0, ImVec2(t0.x + fill_w, t1.y), color);
    // The operating point (50%) as a tick under the bar.
    const float mid = std::round((t0.x + t1.x) * 0.5f);
    dl->AddRectFilled(ImVec2(mid, t1.y), ImVec2(mid + 1.0f, t1.y + 2.0f), IM_COL32(200, 200, 200, 255));
    char pct[32];
    std::snprintf(pct, sizeof(pct), "%5.1f%%", 100.0 * f.probability);
    dl->AddText(ImVec2(t1.x + 6.0f, ty), ImGui::GetColorU32(ImGuiCol_Text), pct);
    if (!f.calibrated) {
        dl->AddText(ImVec2(t1.x + 6.0f + ImGui::CalcTextSize("100.0%  ").x, ty), ImGui::GetColorU32(COLOR_MUTED),
                    "uncalibrated");
    }
    if (hovered) {
        finding_tooltip(a, im, f);
    }
    a.bars.push_back({f.id, f.display, f.probability, f.calibrated, t0, t1, fill_w, color});
}

// A finding without signal: its name and why, no bar and no percentage.
static void draw_no_signal_row(app_state & a, const app_image & im, const results_finding & f) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::PushID(f.id.c_str());
    ImGui::TextUnformatted(f.display.c_str());
    ImGui::PopID();
    const bool   hovered = ImGui::IsItemHovered();
    const ImVec2 q       = ImGui::GetItemRectMax();
    const int32_t idx    = anchor_table_find(a.anchors, im.result.modality, f.id);
    if (idx >= 0 && a.anchors.findings[idx].has_evidence) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s%s", f.calibrated ? "" : "uncalibrated; ",
                            evidence_summary(a.anchors.findings[idx].evidence).c_str());
    }
    if (hovered) {
        finding_tooltip(a, im, f);
    }
    a.no_signal_rows.push_back({f.id, f.display, f.probability, f.calibrated, p, q, 0.0f, 0});
}

// Which modality was scored and why; the gate's verdict. False when the image was rejected and
// not scored: the panel then shows the reason and a "Score anyway" button, no bars.
static bool draw_modality_verdict(app_state & a, app_image & im) {
    const results_image & r = im.result;
    const bool rejected = r.detection && r.detection->verdict == "rejected";
    a.verdict_text.clear();
    if (rejected) {
        a.verdict_text = r.detection->message;
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(COLOR_WARN, "%s", r.detection->message.c_str());
        ImGui::PopTextWrapPos();
        if (r.findings.empty()) {
            ImGui::TextDisabled("No findings are shown for an image the model was not made for.");
            if (ImGui::Button("Score anyway")) {
                im.score_anyway = true;
                classify_queue(a, {im.id});
            }
            return false;
        }
        ImGui::TextDisabled("scored anyway, at your request: the numbers below mean little");
    }
    ImGui::TextDisabled("scored as %s (%s)", modality_display(a, r.modality).c_str(), modality_source_text(r).c_str());
    if (!r.warning.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(COLOR_WARN, "%s", r.warning.c_str());
        ImGui::PopTextWrapPos();
    }
    return true;
}

void draw_findings_panel(app_state & a) {
    a.bars.clear();
    a.no_signal_rows.clear();
    ImGui::TextUnformatted("Findings");
    ImGui::SameLine();
    if (ImGui::SmallButton("Edit findings...")) {
        a.show_findings = true;
    }
    if (a.selected < 0 || a.selected >= (int32_t) a.images.size()) {
        return;
    }
    app_image & im = a.images[a.selected];
    if (im.state != image_state::done) {
        ImGui::TextDisabled("%s", im.state == image_state::queued ? "waiting for the model..." : state_name(im.state));
        return;
    }
    if (!draw_modality_verdict(a, im)) {
        return;  // rejected by the gate: no bars
    }
    std::vector<const results_finding *> order, normal, no_signal;
    for (const auto & f : im.result.findings) {
        const int32_t idx       = anchor_table_find(a.anchors, im.result.modality, f.id);
        const bool    is_normal = idx >= 0 && a.anchors.findings[idx].kind == "normal";
        (f.no_signal ? no_signal : is_normal ? normal : order).push_back(&f);
    }
    ImGui::TextDisabled("%s: %zu findings, sorted; 50%% is each one's operating point",
                        modality_display(a, im.result.modality).c_str(), order.size() + normal.size());
    ImGui::BeginChild("bars", ImVec2(0, 0), false);
    auto by_prob = [](const results_finding * x, const results_finding * y) { return x->probability > y->probability; };
    std::stable_sort(order.begin(), order.end(), by_prob);
    std::stable_sort(normal.begin(), normal.end(), by_prob);
    for (const auto * f : order) {
        draw_bar(a, im, *f);
    }
    if (!normal.empty()) {
        ImGui::Separator();
        for (const auto * f : normal) {
            draw_bar(a, im, *f);
        }
    }
    if (!no_signal.empty()) {
        ImGui::Separator();
        ImGui::TextColored(COLOR_WARN, "No reliable signal in this model");
        ImGui::TextDisabled("their evidence shows no skill: not shown as probabilities (hover: the evidence)");
        for (const auto * f : no_signal) {
            draw_no_signal_row(a, im, *f);
        }
    }
    ImGui::Spacing();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(COLOR_CALIBRATED), "calibrated");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(COLOR_UNCALIBRATED), "uncalibrated (label-free)");
    ImGui::SameLine();
    ImGui::TextDisabled("| tick: 50%% | hover: cosine");
    ImGui::EndChild();
}
