// radz-app: the findings editor (Findings > Add, edit, remove): a finding added, changed in its
// place or removed, anchor tables loaded and saved.

#include "app_state.h"
#include "file_io.h"

#include <imgui.h>
#include <imgui_stdlib.h>


static std::vector<std::string> split_lines(const std::string & text) {
    std::vector<std::string> out;
    size_t                   p = 0;
    while (p <= text.size()) {
        size_t      e    = text.find('\n', p);
        std::string line = text.substr(p, e == std::string::npos ? std::string::npos : e - p);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.pop_back();
        }
        if (!line.empty()) {
            out.push_back(line);
        }
        if (e == std::string::npos) {
            break;
        }
        p = e + 1;
    }
    return out;
}

// Adds a finding, or replaces finding edit_id by the new name and descriptions in its place.
void finding_submit(app_state & a) {
    const std::string              modality = a.edit_modality;
    const std::string              name     = a.edit_name;
    const std::string              old_id   = a.edit_id;
    const std::vector<std::string> descs    = split_lines(a.edit_desc);
    const std::string              msg = (old_id.empty() ? "added finding '" : "changed finding '") + name + "'";
    anchors_job(a, old_id.empty() ? "add finding" : "edit finding",
                [modality, name, old_id, descs](app_session & s, std::string * err) {
                    // "auto" (a finding given on the command line before the model was open):
                    // the package's first modality.
                    const std::string m = modality == "auto" || modality.empty() ? s.pl.default_modality : modality;
                    const pipeline_finding_text f = {m, name, descs};
                    return old_id.empty() ? pipeline_findings_add(s.pl, {f}, err)
                                          : pipeline_findings_replace(s.pl, {m, old_id}, f, err);
                },
                msg);
    a.edit_id.clear();
    a.edit_name.clear();
    a.edit_desc.clear();
}

void finding_remove(app_state & a, const std::string & modality, const std::string & id) {
    anchors_job(a, "remove finding",
                [modality, id](app_session & s, std::string * err) {
                    return pipeline_findings_remove(s.pl, {{modality, id}}, err);
                },
                "removed finding '" + id + "'");
}

void anchors_load(app_state & a, const std::string & path) {
    anchors_job(a, "load anchor table",
                [path](app_session & s, std::string * err) { return pipeline_use_anchor_file(&s.pl, path, err); },
                "anchor table " + file_base_name(path) + " loaded");
}

void draw_findings_window(app_state & a) {
    if (!a.show_findings) {
        return;
    }
    ImGui::SetNextWindowSize(ImVec2(720, 520), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_FirstUseEver, ImVec2(0.5f, 0.5f));
    if (!ImGui::Begin("Findings", &a.show_findings)) {
        ImGui::End();
        return;
    }
    if (a.edit_modality.empty() || !package_modality_find(a.pkg, a.edit_modality)) {
        a.edit_modality = package_modality_find(a.pkg, a.modality) || a.pkg.modalities.empty() ? a.modality
                                                                                               : a.pkg.modalities[0].id;
    }
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo("modality", modality_display(a, a.edit_modality).c_str())) {
        for (const auto & m : a.pkg.modalities) {
            if (ImGui::Selectable(m.display.c_str(), m.id == a.edit_modality)) {
                a.edit_modality = m.id;
                a.edit_id.clear();
            }
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (ImGui::Button("Load table...")) {
        prompt_path(a, "Load an anchor table (saved by radz-app or radz classify --save-anchors):", "Load",
                    in_last_folder(a, "anchors.json"), [&a](const std::string & p) { anchors_load(a, p); });
    }
    ImGui::SameLine();
    if (ImGui::Button("Save table...")) {
        prompt_path(a, "Save the anchor table (every finding, with the model's binding):", "Save",
                    in_last_folder(a, "anchors.json"), [&a](const std::string & p) {
                        std::string err;
                        if (anchor_table_save(a.anchors, p, &err)) {
                            set_status(a, "anchor table saved to " + p);
                        } else {
                            set_status(a, err, true);
                        }
                    });
    }
    ImGui::TextDisabled("table: %s, %zu findings", a.header.anchors_source.c_str(), a.anchors.findings.size());
    const float form_h = ImGui::GetTextLineHeightWithSpacing() * 9.0f;
    if (ImGui::BeginTable("findings_table", 5,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                              ImGuiTableFlags_Resizable,
                          ImVec2(0, ImGui::GetContentRegionAvail().y - form_h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("finding");
        ImGui::TableSetupColumn("source", ImGuiTableColumnFlags_WidthFixed, 60);
        ImGui::TableSetupColumn("calibration", ImGuiTableColumnFlags_WidthFixed, 100);
        ImGui::TableSetupColumn("descriptions");
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 110);
        ImGui::TableHeadersRow();
        std::string remove_id;
        for (const auto & f : a.anchors.findings) {
            if (f.modality != a.edit_modality) {
                continue;
            }
            ImGui::TableNextRow();
            ImGui::PushID(f.id.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%s%s", f.display.c_str(), f.kind == "normal" ? " (normal)" : "");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(f.source.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(f.calibration.kind == "labels" ? "calibrated" : "uncalibrated");
            ImGui::TableNextColumn();
            ImGui::Text("%zu%s: %s", f.descriptions.size(), f.truncated ? " (cut)" : "",
                        f.descriptions.empty() ? "" : f.descriptions[0].c_str());
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
                for (const auto & d : f.descriptions) {
                    ImGui::BulletText("%s", d.c_str());
                }
                ImGui::PopTextWrapPos();
                ImGui::EndTooltip();
            }
            ImGui::TableNextColumn();
            if (ImGui::SmallButton("Edit")) {
                a.edit_id   = f.id;
                a.edit_name = f.display;
                a.edit_desc.clear();
                for (const auto & d : f.descriptions) {
                    a.edit_desc += d + "\n";
                }
            }
            ImGui::SameLine();
            if (ImGui::SmallButton("Remove")) {
                remove_id = f.id;
            }
            ImGui::PopID();
        }
        ImGui::EndTable();
        if (!remove_id.empty()) {
            finding_remove(a, a.edit_modality, remove_id);
            if (a.edit_id == remove_id) {
                a.edit_id.clear();
            }
        }
    }
    ImGui::Separator();
    if (a.edit_id.empty()) {
        ImGui::TextUnformatted("New finding (its anchor comes from the decoder; it is uncalibrated):");
    } else {
        ImGui::Text("Editing %s (saved as a user finding, uncalibrated):", a.edit_id.c_str());
    }
    ImGui::SetNextItemWidth(-FLT_MIN);
    ImGui::InputTextWithHint("##name", "name, e.g. Rib fracture", &a.edit_name);
    ImGui::InputTextMultiline("##desc", &a.edit_desc,
                              ImVec2(-FLT_MIN, ImGui::GetTextLineHeightWithSpacing() * 4.0f));
    ImGui::TextDisabled("one description per line");
    ImGui::SameLine();
    ImGui::BeginDisabled(!a.model_open || a.edit_name.empty() || split_lines(a.edit_desc).empty());
    if (ImGui::Button(a.edit_id.empty() ? "Add" : "Save")) {
        finding_submit(a);
    }
    ImGui::EndDisabled();
    if (!a.edit_id.empty()) {
        ImGui::SameLine();
        if (ImGui::Button("Cancel edit")) {
            a.edit_id.clear();
            a.edit_name.clear();
            a.edit_desc.clear();
        }
    }
    ImGui::End();
}
