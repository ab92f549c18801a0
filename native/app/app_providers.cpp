// radz-app: the execution provider window (Model > Execution provider): switching the session's
// provider, and running the images on another one in a child process (the radz CLI).

#include "app_state.h"
#include "file_io.h"

#include <imgui.h>
#include <unistd.h>

#include <filesystem>
#include <map>

static std::string temp_dir() {
    std::error_code ec;
    std::string     d = (std::filesystem::temp_directory_path(ec) / ("radz-app-" + std::to_string(getpid()))).string();
    std::filesystem::create_directories(d, ec);
    return d;
}

// Runs the images on another provider (or another ONNX Runtime library) in a child process, the
// radz CLI with the app's current anchor table, and shows the parity against this session.
void child_run(app_state & a, const std::string & ep, const std::string & ort_lib) {
    std::map<std::string, std::vector<std::string>> by_modality;
    for (const auto & im : a.images) {
        by_modality[im.modality].push_back(im.path);
    }
    if (by_modality.empty()) {
        set_status(a, "no images to run", true);
        return;
    }
    const std::string dir     = temp_dir();
    const std::string anchors = dir + "/anchors.json";
    std::string       err;
    if (!anchor_table_save(a.anchors, anchors, &err)) {
        set_status(a, err, true);
        return;
    }
    app_state *               ap  = &a;
    const app_session_options opt = a.opt;
    const std::string         cli = a.cli_path;
    a.worker->submit("child process (" + ep + ")", false,
                     [ap, opt, cli, ep, ort_lib, anchors, dir, by_modality](app_session &, app_worker & w) -> app_done {
                         results_doc all;
                         int32_t     n = 0;
                         for (const auto & [modality, paths] : by_modality) {
                             results_doc doc;
                             std::string err;
                             w.report(n, 0, "radz classify --ep " + ep + " (" + modality + ")");
                             if (!app_session_run_child(cli, opt, ep, ort_lib, anchors, modality, paths,
                                                        dir + "/child-" + ep + "-" + modality + ".json", &doc, &err)) {
                                 return [ap, err]() { set_status(*ap, err, true); };
                             }
                             if (n++ == 0) {
                                 all = doc;
                             } else {
                                 all.images.insert(all.images.end(), doc.images.begin(), doc.images.end());
                             }
                         }
                         return [ap, all, ep]() {
                             parity_set(*ap, all, "radz classify --ep " + ep + " (child process)");
                             set_status(*ap, "child process on " + ep + ": " + std::to_string(all.images.size()) +
                                                 " images; see Parity");
                         };
                     });
}

// Reopens the model on another provider of the same library, keeping the findings; the results
// so far become the parity reference and every image is classified again.
void provider_use(app_state & a, const std::string & ep) {
    if (!a.images.empty()) {
        parity_set(a, results_current(a), "this app before switching (" + a.binfo.execution_provider + ")");
    }
    app_session_options o = a.opt;
    o.ep                  = ep;
    a.settings.ep         = ep;
    session_open(a, o, true);
}

void draw_providers_window(app_state & a) {
    if (!a.show_providers) {
        return;
    }
    ImGui::SetNextWindowSize(ImVec2(860, 300), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_FirstUseEver, ImVec2(0.5f, 0.5f));
    if (!ImGui::Begin("Execution provider", &a.show_providers)) {
        ImGui::End();
        return;
    }
    ImGui::Text("ONNX Runtime %s: %s", a.probe.version.c_str(), a.probe.lib_path.c_str());
    ImGui::TextDisabled("in use: %s%s%s, %d threads", a.binfo.execution_provider.c_str(),
                        a.binfo.adapter.empty() ? "" : " on ", a.binfo.adapter.c_str(), a.binfo.threads);
    if (ImGui::BeginTable("providers", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("provider", ImGuiTableColumnFlags_WidthFixed, 70);
        ImGui::TableSetupColumn("status", ImGuiTableColumnFlags_WidthFixed, 90);
        ImGui::TableSetupColumn("device / reason");
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 250);
        ImGui::TableHeadersRow();
        for (const auto & p : a.probe.providers) {
            const bool in_use = p.name == a.binfo.execution_provider;
            // A provider the loaded library cannot run may have a library set of its own that
            // can, in a child process (the CUDA provider: the 1.29 set).
            const ort_provider_def & def      = *ort_provider_find(p.name);
            const std::string        sep_lib  = app_separate_lib_path(def);
            uint64_t                 size     = 0;
            const bool               have_sep = !p.usable && !sep_lib.empty() && file_size(sep_lib, &size);
            ImGui::TableNextRow();
            ImGui::PushID(p.name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(p.name.c_str());
            ImGui::TableNextColumn();
            if (in_use) {
                ImGui::TextColored(COLOR_PASS, "in use");
            } else if (p.usable) {
                ImGui::TextUnformatted(p.software ? "software" : "available");
            } else {
                ImGui::TextColored(COLOR_FAIL, "unavailable");
            }
            ImGui::TableNextColumn();
            std::string detail = p.adapter;
            if (!p.reason.empty()) {
                detail += (detail.empty() ? "" : ": ") + p.reason;
            }
            if (have_sep) {
                detail += "; " + std::string(def.separate_lib_what) + " at " + sep_lib + " can run in a child process (Compare)";
            }
            ImGui::TextWrapped("%s", detail.c_str());
            ImGui::TableNextColumn();
            ImGui::BeginDisabled(!p.usable || in_use || a.model_opening);
            if (ImGui::SmallButton("Use")) {
                provider_use(a, p.name);
            }
            ImGui::EndDisabled();
            ImGui::SameLine();
            const bool child_ok = (p.usable && !in_use) || have_sep;
            ImGui::BeginDisabled(!child_ok || a.images.empty());
            if (ImGui::SmallButton("Compare in a child process")) {
                child_run(a, p.name, have_sep ? sep_lib : a.opt.ort_lib);
            }
            ImGui::EndDisabled();
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    ImGui::TextDisabled("Use: reopens the model on that provider and classifies every image again; the previous");
    ImGui::TextDisabled("results become the parity reference. Compare: runs the radz CLI on that provider (or library).");
    ImGui::End();
}
