// radz-app: the About window (Help > About RadZ).

#include "app_about.h"
#include "app_state.h"

#include <imgui.h>

// Help > About RadZ: the licence and the third-party notices with the data and model
// attribution, as compiled in from LICENSE and THIRD_PARTY_NOTICES.md (app_about.h).
void draw_about_window(app_state & a) {
    a.about_drawn = false;
    if (!a.show_about) {
        return;
    }
    ImGui::SetNextWindowSize(ImVec2(760, 560), ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("About RadZ", &a.show_about)) {
        ImGui::End();
        return;
    }
    ImGui::TextWrapped("RadZ %s: zero-shot findings on chest X-rays and brain MRI. Research and demonstration "
                       "only, not a medical device, not for diagnosis.", RADZ_VERSION);
    ImGui::TextWrapped("Free software under the MIT licence. It includes Dear ImGui, SDL2, stb_image, "
                       "nlohmann/json and ONNX Runtime under their own licences; the model requires the "
                       "NIH ChestX-ray14 and brain MRI attribution below.");
    if (ImGui::BeginTabBar("about_tabs")) {
        for (int t = 0; t < 2; t++) {
            if (!ImGui::BeginTabItem(t == 0 ? "Licence" : "Third-party notices and attribution")) {
                continue;
            }
            ImGui::BeginChild(t == 0 ? "about_licence" : "about_notices", ImVec2(0, 0), true);
            const char * text = t == 0 ? app_about_licence : app_about_notices;
            const size_t size = t == 0 ? app_about_licence_size : app_about_notices_size;
            ImGui::TextUnformatted(text, text + size);
            ImGui::EndChild();
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    a.about_drawn = true;
    a.about_min   = ImGui::GetWindowPos();
    a.about_max   = ImVec2(a.about_min.x + ImGui::GetWindowWidth(), a.about_min.y + ImGui::GetWindowHeight());
    ImGui::End();
}
