// radz-app: the images panel (the list of opened images and batches) and the image panel (the
// selected image, zoomable).

#include "app_state.h"
#include "file_io.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

const char * state_name(image_state s) {
    switch (s) {
        case image_state::queued:    return "queued";
        case image_state::done:      return "";
        case image_state::failed:    return "failed";
        case image_state::cancelled: return "cancelled";
    }
    return "";
}

void select_image(app_state & a, int32_t i) {
    if (a.images.empty()) {
        return;
    }
    a.selected           = std::clamp(i, 0, (int32_t) a.images.size() - 1);
    a.scroll_to_selected = true;
}

void draw_images_panel(app_state & a) {
    ImGui::TextUnformatted("Images");
    ImGui::SameLine();
    if (ImGui::SmallButton("Open...")) {
        a.open_request = true;
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(a.images.empty());
    if (ImGui::SmallButton("Clear")) {
        cancel_batch(a);
        a.images.clear();
        a.selected = -1;
        app_texture_free(&a.tex);
        a.parity_dirty = true;
    }
    ImGui::EndDisabled();
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::BeginCombo("##modality", ("new images: " + modality_display(a, a.modality)).c_str())) {
        if (ImGui::Selectable("Auto-detect", a.modality == "auto")) {
            a.modality = "auto";
        }
        for (const auto & m : a.pkg.modalities) {
            if (ImGui::Selectable(m.display.c_str(), m.id == a.modality)) {
                a.modality = m.id;
            }
        }
        ImGui::EndCombo();
    }
    ImGui::BeginChild("image_list", ImVec2(0, 0), true);
    ImGuiListClipper clipper;
    clipper.Begin((int) a.images.size());
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const app_image & im   = a.images[i];
            std::string       line = file_base_name(im.path);
            // The most likely finding with signal (a no_signal finding is never shown as a probability).
            const results_finding * top = nullptr;
            for (const auto & f : im.result.findings) {
                top = !f.no_signal && (!top || f.probability > top->probability) ? &f : top;
            }
            if (im.state == image_state::done && top) {
                char buf[96];
                std::snprintf(buf, sizeof(buf), "  %s %.0f%%", top->display.c_str(), 100.0 * top->probability);
                line += buf;
            } else if (im.state != image_state::done) {
                line += std::string("  [") + state_name(im.state) + "]";
            }
            ImGui::PushID(i);
            if (ImGui::Selectable(line.c_str(), i == a.selected)) {
                a.selected = i;
            }
            if (i == a.selected && a.scroll_to_selected) {
                ImGui::SetScrollHereY(0.5f);
                a.scroll_to_selected = false;
            }
            if (ImGui::IsItemHovered() && im.state == image_state::failed && im.result.error) {
                ImGui::SetTooltip("%s", im.result.error->message.c_str());
            }
            ImGui::PopID();
        }
    }
    // The clipper skips items out of view: bring the selection into view by position.
    if (a.scroll_to_selected && a.selected >= 0) {
        ImGui::SetScrollY(std::max(0.0f, a.selected * ImGui::GetTextLineHeightWithSpacing() -
                                             ImGui::GetWindowHeight() * 0.5f));
    }
    ImGui::EndChild();
}

void draw_image_panel(app_state & a) {
    a.image_drawn = false;
    if (a.selected < 0 || a.selected >= (int32_t) a.images.size()) {
        ImGui::TextDisabled("Drop images or folders here, or press Ctrl+O.");
        return;
    }
    app_image & im = a.images[a.selected];
    if (a.tex.path != im.path) {
        app_texture_load(&a.tex, im.path);
        a.zoom = 1.0f;
    }
    ImGui::TextUnformatted(file_base_name(im.path).c_str());
    if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s", im.path.c_str());
    }
    if (a.tex.id) {
        ImGui::SameLine();
        ImGui::TextDisabled("%dx%d", a.tex.width, a.tex.height);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(130);
    if (ImGui::BeginCombo("##image_modality", modality_display(a, im.modality).c_str())) {
        if (ImGui::Selectable("Auto-detect", im.modality == "auto") && im.modality != "auto") {
            im.modality = "auto";
            classify_queue(a, {im.id});
        }
        for (const auto & m : a.pkg.modalities) {
            if (ImGui::Selectable(m.display.c_str(), m.id == im.modality) && m.id != im.modality) {
                im.modality = m.id;
                classify_queue(a, {im.id});
            }
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Fit")) {
        a.zoom = 1.0f;
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    ImGui::SliderFloat("##zoom", &a.zoom, 1.0f, 16.0f, "zoom %.1fx", ImGuiSliderFlags_Logarithmic);
    if (im.state == image_state::done && im.result.timings_ms) {
        const results_timings & t = *im.result.timings_ms;
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("ms: decode %.1f, preprocess %.1f, vision %.1f, decoder %.1f, score %.2f, total %.1f",
                           t.decode, t.preprocess, t.vision, t.decoder, t.score, t.total);
        ImGui::PopStyleColor();
    } else if (im.state == image_state::failed && im.result.error) {
        ImGui::TextColored(COLOR_FAIL, "%s", im.result.error->message.c_str());
    } else {
        ImGui::TextDisabled("%s", state_name(im.state));
    }
    if (a.tex.id && a.tex.width > 0 && a.tex.height > 0) {
        const double ratio = (double) a.tex.width / a.tex.height;
        if (ratio > 1.1 || ratio < 1 / 1.1) {
            ImGui::TextColored(COLOR_WARN, "not square: the model sees it squeezed to a square (64x64, or its modality's input size)");
        }
    }
    if (!a.tex.id) {
        ImGui::TextColored(COLOR_FAIL, "%s", a.tex.error.c_str());
        return;
    }
    ImGui::BeginChild("image_view", ImVec2(0, 0), false,
                      ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float  fit   = std::max(1e-3f, std::min(avail.x / a.tex.width, avail.y / a.tex.height));
    const ImVec2 size(a.tex.width * fit * a.zoom, a.tex.height * fit * a.zoom);
    const ImVec2 pad(std::max(0.0f, (avail.x - size.x) * 0.5f), std::max(0.0f, (avail.y - size.y) * 0.5f));
    ImGui::SetCursorPos(ImVec2(ImGui::GetCursorPosX() + pad.x, ImGui::GetCursorPosY() + pad.y));
    ImGui::Image((ImTextureID) (intptr_t) a.tex.id, size);
    ImGuiIO & io = ImGui::GetIO();
    if (ImGui::IsItemHovered()) {
        if (io.MouseWheel != 0.0f) {  // zoom about the mouse
            const ImVec2 m     = io.MousePos;
            const ImVec2 wpos  = ImGui::GetWindowPos();
            const float  old   = a.zoom;
            a.zoom             = std::clamp(a.zoom * std::pow(1.15f, io.MouseWheel), 1.0f, 16.0f);
            const float  k     = a.zoom / old;
            const float  sx    = ImGui::GetScrollX() + (m.x - wpos.x);
            const float  sy    = ImGui::GetScrollY() + (m.y - wpos.y);
            ImGui::SetScrollX(sx * k - (m.x - wpos.x));
            ImGui::SetScrollY(sy * k - (m.y - wpos.y));
        }
        if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {  // pan
            ImGui::SetScrollX(ImGui::GetScrollX() - io.MouseDelta.x);
            ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
        }
    }
    // The visible part of the image.
    const ImVec2 wmin = ImGui::GetWindowPos();
    const ImVec2 wmax(wmin.x + ImGui::GetWindowWidth(), wmin.y + ImGui::GetWindowHeight());
    const ImVec2 imin = ImGui::GetItemRectMin(), imax = ImGui::GetItemRectMax();
    a.image_min   = ImVec2(std::max(imin.x, wmin.x), std::max(imin.y, wmin.y));
    a.image_max   = ImVec2(std::min(imax.x, wmax.x), std::min(imax.y, wmax.y));
    a.image_drawn = true;
    ImGui::EndChild();
}
