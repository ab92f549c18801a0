// radz-app: the parity view: the current results compared with a reference results document (a
// file from the web page or the CLI, a child process, the session before a provider switch).

#include "app_state.h"
#include "file_io.h"

#include <imgui.h>
#include <imgui_stdlib.h>

void parity_update(app_state & a) {
    if (!a.has_parity) {
        return;
    }
    a.parity       = compare_results(a.parity_ref, results_current(a), a.tol);
    a.parity_dirty = false;
}

void parity_set(app_state & a, results_doc ref, const std::string & name) {
    a.parity_ref  = std::move(ref);
    a.parity_name = name;
    a.has_parity  = true;
    a.parity_sel  = -1;
    a.show_parity = true;
    parity_update(a);
}

void load_parity(app_state & a, const std::string & path) {
    results_doc doc;
    std::string err;
    if (!results_load(path, &doc, &err)) {
        set_status(a, err, true);
        return;
    }
    parity_set(a, doc, file_base_name(path) + " (" + doc.program_name + ", " + doc.backend_execution_provider + ")");
    set_status(a, "parity against " + path);
}

void draw_parity_window(app_state & a) {
    if (!a.show_parity) {
        return;
    }
    ImGui::SetNextWindowSize(ImVec2(900, 560), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_FirstUseEver, ImVec2(0.5f, 0.5f));
    if (!ImGui::Begin("Parity", &a.show_parity)) {
        ImGui::End();
        return;
    }
    if (ImGui::Button("Load results file...")) {
        prompt_path(a, "A results document (web page export, radz classify --json, radz-app export):", "Load",
                    in_last_folder(a, "results.json"), [&a](const std::string & p) { load_parity(a, p); });
    }
    if (!a.has_parity) {
        ImGui::TextDisabled("No reference loaded.");
        ImGui::End();
        return;
    }
    if (a.parity_dirty) {
        parity_update(a);
    }
    ImGui::SameLine();
    ImGui::Text("reference: %s  |  candidate: this app (%s)", a.parity_name.c_str(),
                a.binfo.execution_provider.c_str());
    bool changed = false;
    ImGui::SetNextItemWidth(110);
    changed |= ImGui::InputDouble("prob", &a.tol.prob, 0, 0, "%.1e");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    changed |= ImGui::InputDouble("cosine", &a.tol.cos, 0, 0, "%.1e");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    changed |= ImGui::InputDouble("logit", &a.tol.logit, 0, 0, "%.1e");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    changed |= ImGui::InputDouble("min feature cos", &a.tol.min_feature_cos, 0, 0, "%.6f");
    if (changed) {
        parity_update(a);
    }
    const compare_report & r = a.parity;
    ImGui::TextColored(r.pass ? COLOR_PASS : COLOR_FAIL, "%s: %d images, %d pass, %d fail; max |d prob| %.2e, |d logit| %.2e, |d cos| %.2e%s",
                       r.pass ? "PASS" : "FAIL", r.n_images, r.n_pass, r.n_fail, r.max_d_prob, r.max_d_logit,
                       r.max_d_cos, r.n_top1_waived ? "; top-1 waived on close calls" : "");
    for (const auto & n : r.notes) {
        ImGui::TextDisabled("%s", n.c_str());
    }
    const float h = ImGui::GetContentRegionAvail().y * 0.5f;
    if (ImGui::BeginTable("parity_images", 6,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                              ImGuiTableFlags_Resizable,
                          ImVec2(0, h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("image");
        ImGui::TableSetupColumn("result", ImGuiTableColumnFlags_WidthFixed, 50);
        ImGui::TableSetupColumn("max |d prob|", ImGuiTableColumnFlags_WidthFixed, 90);
        ImGui::TableSetupColumn("feature cos", ImGuiTableColumnFlags_WidthFixed, 90);
        ImGui::TableSetupColumn("top-1 ref / this");
        ImGui::TableSetupColumn("problems");
        ImGui::TableHeadersRow();
        for (int32_t i = 0; i < (int32_t) r.images.size(); ++i) {
            const compare_image & ci = r.images[i];
            double                md = 0.0;
            for (const auto & f : ci.findings) {
                md = std::max(md, f.d_prob);
            }
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushID(i);
            if (ImGui::Selectable(file_base_name(ci.file).c_str(), i == a.parity_sel,
                                  ImGuiSelectableFlags_SpanAllColumns)) {
                a.parity_sel = i;
                for (int32_t k = 0; k < (int32_t) a.images.size(); ++k) {  // select it in the app too
                    if (a.images[k].result.sha256 && *a.images[k].result.sha256 == ci.sha256) {
                        select_image(a, k);
                    }
                }
            }
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextColored(ci.pass ? COLOR_PASS : COLOR_FAIL, ci.pass ? "pass" : "FAIL");
            ImGui::TableNextColumn();
            ImGui::Text("%.2e", md);
            ImGui::TableNextColumn();
            if (ci.has_feature_cos) {
                ImGui::Text("%.6f", ci.feature_cos);
            } else {
                ImGui::TextDisabled("-");
            }
            ImGui::TableNextColumn();
            ImGui::Text("%s / %s%s", ci.top1_reference.c_str(), ci.top1_candidate.c_str(),
                        ci.top1_waived ? " (waived)" : "");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(ci.problems.empty() ? "" : ci.problems[0].c_str());
            if (ci.problems.size() > 1 && ImGui::IsItemHovered()) {
                std::string all;
                for (const auto & p : ci.problems) {
                    all += p + "\n";
                }
                ImGui::SetTooltip("%s", all.c_str());
            }
        }
        ImGui::EndTable();
    }
    if (a.parity_sel >= 0 && a.parity_sel < (int32_t) r.images.size()) {
        const compare_image & ci = r.images[a.parity_sel];
        ImGui::Text("%s, per finding (reference - this app):", file_base_name(ci.file).c_str());
        if (ImGui::BeginTable("parity_findings", 5,
                              ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV)) {
            ImGui::TableSetupScrollFreeze(0, 1);
            ImGui::TableSetupColumn("finding");
            ImGui::TableSetupColumn("|d prob|");
            ImGui::TableSetupColumn("|d logit|");
            ImGui::TableSetupColumn("|d cos|");
            ImGui::TableSetupColumn("result");
            ImGui::TableHeadersRow();
            for (const auto & f : ci.findings) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::Text("%s%s", f.id.c_str(),
                            !f.in_reference ? " (only here)" : !f.in_candidate ? " (only in the reference)" : "");
                ImGui::TableNextColumn();
                ImGui::Text("%.2e", f.d_prob);
                ImGui::TableNextColumn();
                ImGui::Text("%.2e", f.d_logit);
                ImGui::TableNextColumn();
                ImGui::Text("%.2e", f.d_cos);
                ImGui::TableNextColumn();
                ImGui::TextColored(f.pass ? COLOR_PASS : COLOR_FAIL, f.pass ? "pass" : "FAIL");
            }
            ImGui::EndTable();
        }
    }
    ImGui::End();
}
