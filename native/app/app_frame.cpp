// radz-app: one frame of the main window: the menu bar, the three panels, the status bar, the
// path prompts, and the floating windows.

#include "app_state.h"
#include "file_io.h"

#include <imgui.h>
#include <imgui_stdlib.h>

static void draw_status_bar(app_state & a) {
    const app_progress p = a.worker->progress();
    if (p.busy && !p.label.empty()) {
        ImGui::Text("%s", p.label.c_str());
        ImGui::SameLine();
        char overlay[64];
        std::snprintf(overlay, sizeof(overlay), "%lld / %lld", (long long) p.done, (long long) p.total);
        ImGui::ProgressBar(p.total > 0 ? (float) p.done / (float) p.total : 0.0f, ImVec2(260, 0),
                           p.total > 0 ? overlay : "...");
        if (p.cancellable) {
            ImGui::SameLine();
            if (ImGui::SmallButton("Cancel")) {
                cancel_batch(a);
            }
        }
        ImGui::SameLine();
        ImGui::TextDisabled("%s%s", p.item.c_str(),
                            p.queued > 0 ? (" (+" + std::to_string(p.queued) + " queued)").c_str() : "");
    } else {
        int32_t n_done = 0, n_failed = 0, n_left = 0;
        for (const auto & im : a.images) {
            n_done += im.state == image_state::done;
            n_failed += im.state == image_state::failed;
            n_left += im.state == image_state::cancelled || im.state == image_state::queued;
        }
        if (a.model_open) {
            ImGui::Text("%s %s on %s%s%s", a.pkg.name.c_str(), a.header.package_variant.c_str(),
                        a.binfo.execution_provider.c_str(), a.binfo.adapter.empty() ? "" : " ",
                        a.binfo.adapter.c_str());
        } else {
            ImGui::TextColored(COLOR_FAIL, "%s", a.model_opening ? "opening the model..." : "no model open");
        }
        ImGui::SameLine();
        ImGui::TextDisabled("| %zu images, %d done, %d failed", a.images.size(), n_done, n_failed);
        if (n_left > 0) {
            ImGui::SameLine();
            if (ImGui::SmallButton(("Classify " + std::to_string(n_left) + " left").c_str())) {
                std::vector<uint64_t> ids;
                for (const auto & im : a.images) {
                    if (im.state == image_state::cancelled || im.state == image_state::queued) {
                        ids.push_back(im.id);
                    }
                }
                classify_queue(a, ids);
            }
        }
    }
    if (!a.status.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(a.status_error ? COLOR_FAIL : COLOR_MUTED, "| %s", a.status.c_str());
    }
}

void prompt_path(app_state & a, const std::string & title, const std::string & button, const std::string & path,
                 std::function<void(const std::string &)> action) {
    a.prompt.request = true;
    a.prompt.title   = title;
    a.prompt.button  = button;
    a.prompt.path    = path;
    a.prompt.action  = std::move(action);
}

std::string in_last_folder(const app_state & a, const std::string & name) {
    return a.settings.last_folder.empty() ? name : a.settings.last_folder + "/" + name;
}

static void export_results(app_state & a, const std::string & path) {
    const results_doc doc = results_current(a);
    std::string       err;
    if (!results_validate(doc, file_base_name(path), &err) || !results_save(doc, path, &err)) {
        set_status(a, err, true);
        return;
    }
    set_status(a, "results of " + std::to_string(doc.images.size()) + " images written to " + path);
}

static void draw_popups(app_state & a) {
    if (a.open_request) {
        a.open_request = false;
        if (a.open_path.empty()) {
            a.open_path = a.settings.last_folder;
        }
        ImGui::OpenPopup("Open images");
    }
    if (ImGui::BeginPopupModal("Open images", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::TextUnformatted("A PNG, JPEG or BMP file, or a folder (all its images, recursively):");
        if (ImGui::IsWindowAppearing()) {
            ImGui::SetKeyboardFocusHere();
        }
        ImGui::SetNextItemWidth(560);
        const bool enter = ImGui::InputText("##path", &a.open_path, ImGuiInputTextFlags_EnterReturnsTrue);
        if (ImGui::Button("Open") || enter) {
            images_open(a, {a.open_path});
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
    if (a.prompt.request) {
        a.prompt.request = false;
        ImGui::OpenPopup("##prompt");
    }
    if (ImGui::BeginPopupModal("##prompt", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::TextUnformatted(a.prompt.title.c_str());
        if (ImGui::IsWindowAppearing()) {
            ImGui::SetKeyboardFocusHere();
        }
        ImGui::SetNextItemWidth(560);
        const bool enter = ImGui::InputText("##prompt_path", &a.prompt.path, ImGuiInputTextFlags_EnterReturnsTrue);
        if (ImGui::Button(a.prompt.button.c_str()) || enter) {
            if (a.prompt.action) {
                a.prompt.action(a.prompt.path);
            }
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
}

static void draw_menu(app_state & a, bool * quit) {
    if (!ImGui::BeginMenuBar()) {
        return;
    }
    if (ImGui::BeginMenu("File")) {
        if (ImGui::MenuItem("Open file or folder...", "Ctrl+O")) {
            a.open_request = true;
        }
        if (ImGui::MenuItem("Export results...", nullptr, false, !a.images.empty())) {
            prompt_path(a, "Write the results document (docs/results-schema.md):", "Export",
                        in_last_folder(a, "radz-app-results.json"), [&a](const std::string & p) { export_results(a, p); });
        }
        ImGui::Separator();
        if (ImGui::MenuItem("Quit")) {
            *quit = true;
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Findings")) {
        if (ImGui::MenuItem("Add, edit, remove...")) {
            a.show_findings = true;
        }
        if (ImGui::MenuItem("Load anchor table...", nullptr, false, a.model_open)) {
            prompt_path(a, "Load an anchor table:", "Load", in_last_folder(a, "anchors.json"),
                        [&a](const std::string & p) { anchors_load(a, p); });
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Model")) {
        if (ImGui::MenuItem("Open model package...")) {
            prompt_path(a, "A model package folder (docs/model-package.md):", "Open", a.opt.model_dir,
                        [&a](const std::string & p) {
                            app_session_options o = a.opt;
                            o.model_dir           = p;
                            o.variant.clear();
                            a.settings.model_dir = p;
                            session_open(a, o, false);
                        });
        }
        if (ImGui::BeginMenu("Variant", a.model_open)) {
            for (const auto & v : a.pkg.variants) {
                if (ImGui::MenuItem(v.name.c_str(), nullptr, v.name == a.header.package_variant)) {
                    app_session_options o = a.opt;
                    o.variant             = v.name;
                    a.settings.variant    = v.name;
                    session_open(a, o, false);
                }
            }
            ImGui::EndMenu();
        }
        if (ImGui::MenuItem("Execution provider...")) {
            a.show_providers = true;
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Parity")) {
        if (ImGui::MenuItem("Load results file...")) {
            prompt_path(a, "A results document (web page export, radz classify --json):", "Load",
                        in_last_folder(a, "results.json"), [&a](const std::string & p) { load_parity(a, p); });
        }
        ImGui::MenuItem("Parity window", nullptr, &a.show_parity);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        ImGui::MenuItem("About RadZ (licence, notices)", nullptr, &a.show_about);
        ImGui::EndMenu();
    }
    ImGui::EndMenuBar();
}

void draw_frame(app_state & a, bool * quit) {
    const ImGuiViewport * vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
    ImGui::Begin("RadZ", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_MenuBar |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImGui::PopStyleVar();
    draw_menu(a, quit);
    if (!a.model_error.empty()) {
        ImGui::TextColored(COLOR_FAIL, "model: %s", a.model_error.c_str());
    } else if (!a.model_warning.empty()) {
        ImGui::TextColored(COLOR_WARN, "%s", a.model_warning.c_str());
    }
    const float status_h = ImGui::GetFrameHeightWithSpacing();
    if (ImGui::BeginTable("main", 3, ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV,
                          ImVec2(0, ImGui::GetContentRegionAvail().y - status_h))) {
        ImGui::TableSetupColumn("images", ImGuiTableColumnFlags_WidthStretch, 0.20f);
        ImGui::TableSetupColumn("image", ImGuiTableColumnFlags_WidthStretch, 0.37f);
        ImGui::TableSetupColumn("findings", ImGuiTableColumnFlags_WidthStretch, 0.43f);
        ImGui::TableNextRow(0, ImGui::GetContentRegionAvail().y);
        ImGui::TableNextColumn();
        ImGui::BeginChild("images_panel");
        draw_images_panel(a);
        ImGui::EndChild();
        ImGui::TableNextColumn();
        ImGui::BeginChild("image_panel");
        draw_image_panel(a);
        ImGui::EndChild();
        ImGui::TableNextColumn();
        ImGui::BeginChild("findings_panel");
        draw_findings_panel(a);
        ImGui::EndChild();
        ImGui::EndTable();
    }
    draw_status_bar(a);
    draw_popups(a);
    ImGui::End();
    draw_findings_window(a);
    draw_providers_window(a);
    draw_parity_window(a);
    draw_about_window(a);
}
