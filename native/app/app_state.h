// radz-app: the app's state (one app_state, owned by main() and touched only on the UI thread)
// and the functions the panels, windows and jobs call on it, by the file that defines them.
// Jobs run on the worker thread (app_worker.h) and hand their results back as closures that
// run on the UI thread.
#pragma once

#include "app_gl.h"
#include "app_session.h"
#include "app_settings.h"
#include "app_worker.h"
#include "compare.h"
#include "results.h"

#include <imgui.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#ifndef RADZ_CLI_PATH
#define RADZ_CLI_PATH "radz"
#endif

enum class image_state { queued, done, failed, cancelled };

struct app_image {
    uint64_t      id = 0;
    std::string   path;
    std::string   modality;              // as asked: "auto" or a modality id; the one scored is result.modality
    bool          score_anyway = false;  // score it even when the modality gate rejects it
    image_state   state = image_state::queued;
    results_image result;  // when done or failed
};

// A finding's bar as drawn (test mode writes these).
struct bar_record {
    std::string id, display;
    double      probability = 0.0;
    bool        calibrated  = false;
    ImVec2      track_min, track_max;  // the whole bar (100%)
    float       fill_w = 0.0f;
    ImU32       color  = 0;
};

struct path_prompt {
    bool        request = false;
    std::string title, button, path;
    std::function<void(const std::string &)> action;
};

struct app_state {
    app_settings settings;
    std::string  settings_dir;
    bool         test_mode = false;
    int64_t      frames         = 0;    // frames drawn so far
    double       frame_first_ms = 0.0;  // from the main loop's start to the first frame drawn
    double       frame_max_ms   = 0.0;  // the longest time between two later frames (responsiveness)
    std::string  cli_path  = RADZ_CLI_PATH;

    app_worker * worker = nullptr;

    // A copy of the session, taken when a job finishes.
    app_session_options opt;
    bool          model_open    = false;
    bool          model_opening = false;
    std::string   model_error, model_warning;
    radz_package  pkg;
    ort_probe     probe;
    backend_info  binfo;
    anchor_table  anchors;
    results_doc   header;  // program, package, backend and anchors fields

    std::vector<app_image> images;
    int32_t       selected = -1;
    bool          scroll_to_selected = false;
    uint64_t      next_id  = 1;
    std::string   modality = "cxr";  // for images opened next

    app_texture   tex;
    float         zoom = 1.0f;  // 1: fit the panel

    std::string   status;
    bool          status_error = false;
    int32_t       n_errors     = 0;  // errors shown so far (the test mode exits 1 when any)
    bool          open_request = false;
    std::string   open_path;
    path_prompt   prompt;

    bool          show_findings  = false;
    std::string   edit_id;  // finding being edited; "" = a new one
    std::string   edit_name, edit_desc, edit_modality;

    bool          show_providers = false;

    bool          show_about  = false;  // Help > About RadZ: LICENSE and THIRD_PARTY_NOTICES.md

    bool          show_parity = false;
    bool          has_parity  = false;
    bool          parity_dirty = false;
    std::string   parity_name;
    results_doc   parity_ref;
    compare_tolerances tol;
    compare_report parity;
    int32_t       parity_sel = -1;

    // What the last frame drew, for the test mode's layout file.
    bool          image_drawn = false;
    ImVec2        image_min, image_max;
    std::vector<bar_record> bars;
    std::vector<bar_record> no_signal_rows;  // findings listed apart, without a bar or a percentage
    std::string             verdict_text;    // the gate's rejection shown for the selected image ("" if none)
    bool          about_drawn = false;  // the About window's texts were drawn in the last frame
    ImVec2        about_min, about_max;
};

// Colours of the bars and of pass/fail/muted/warning texts.
inline const ImU32 COLOR_TRACK        = IM_COL32(52, 52, 60, 255);
inline const ImU32 COLOR_CALIBRATED   = IM_COL32(66, 150, 250, 255);
inline const ImU32 COLOR_UNCALIBRATED = IM_COL32(235, 160, 50, 255);
inline const ImVec4 COLOR_PASS        = ImVec4(0.35f, 0.85f, 0.35f, 1.0f);
inline const ImVec4 COLOR_FAIL        = ImVec4(1.0f, 0.4f, 0.35f, 1.0f);
inline const ImVec4 COLOR_MUTED       = ImVec4(0.6f, 0.6f, 0.65f, 1.0f);
inline const ImVec4 COLOR_WARN        = ImVec4(0.92f, 0.63f, 0.2f, 1.0f);

// app_state.cpp
// The status line; an error is also printed on stderr (always, in test mode) and counted.
void set_status(app_state & a, const std::string & msg, bool error = false);
// The opened image with this id, or null.
app_image * image_by_id(app_state & a, uint64_t id);
// The package's display name of a modality id (the id itself when the package has none).
std::string modality_display(const app_state & a, const std::string & id);
// A done image's findings scored again against the current table, from its kept feature.
void rescore(app_state & a, app_image & im);
// Every image scored again; the parity view is brought up to date on its next frame.
void rescore_all(app_state & a);
// The app's results document: every finished image, in the order opened.
results_doc results_current(const app_state & a);

// app_jobs.cpp
// Classifies these images on the worker, one by one, with progress (the batch can be cancelled).
void classify_queue(app_state & a, const std::vector<uint64_t> & ids);
// Cancels the batch; the images not yet classified are marked cancelled.
void cancel_batch(app_state & a);
// Opens (or reopens on another provider) the model; keep_anchors: the user's findings survive.
// Every opened image is classified again on the new session.
void session_open(app_state & a, const app_session_options & opt, bool keep_anchors);
// A change of the anchor table on the worker; on success the UI takes the new table, scores every
// image again and shows done_msg.
void anchors_job(app_state & a, const std::string & label,
                 std::function<bool(app_session & s, std::string * err)> change, std::string done_msg);
// Opens files and folders (as the radz CLI expands them) as one batch; what cannot be read is reported.
void images_open(app_state & a, const std::vector<std::string> & paths);

// app_findings_editor.cpp
// Adds the finding in edit_name/edit_desc, or replaces finding edit_id by it in its place.
void finding_submit(app_state & a);
void finding_remove(app_state & a, const std::string & modality, const std::string & id);
void anchors_load(app_state & a, const std::string & path);
void draw_findings_window(app_state & a);

// app_providers.cpp
// Runs the images on another provider (or ONNX Runtime library) in a child process, the radz CLI
// with the app's current anchor table, and shows the parity against this session.
void child_run(app_state & a, const std::string & ep, const std::string & ort_lib);
// Reopens the model on another provider, keeping the findings; the results so far become the
// parity reference.
void provider_use(app_state & a, const std::string & ep);
void draw_providers_window(app_state & a);

// app_parity.cpp
// Compares the current results with the reference again (when one is loaded).
void parity_update(app_state & a);
// Takes ref as the parity reference, named name, and opens the parity window.
void parity_set(app_state & a, results_doc ref, const std::string & name);
// Loads a results file as the parity reference.
void load_parity(app_state & a, const std::string & path);
void draw_parity_window(app_state & a);

// app_images_panel.cpp
// An image's state as shown beside it ("" when done).
const char * state_name(image_state s);
// Selects image i (clamped to the list), scrolled into view.
void select_image(app_state & a, int32_t i);
void draw_images_panel(app_state & a);
void draw_image_panel(app_state & a);

// app_findings_panel.cpp
void draw_findings_panel(app_state & a);

// app_about_window.cpp
void draw_about_window(app_state & a);

// app_frame.cpp
// Asks for a path in a modal popup on the next frame; action runs with the path entered.
void prompt_path(app_state & a, const std::string & title, const std::string & button, const std::string & path,
                 std::function<void(const std::string &)> action);
// name in the folder last opened from.
std::string in_last_folder(const app_state & a, const std::string & name);
// The whole frame: main window, menu, panels, status bar, popups and the floating windows.
void draw_frame(app_state & a, bool * quit);

// app_test_mode.cpp
// Writes the layout of the last frame (image, bars, no-signal rows, About window, frames, parity)
// as JSON (docs/app.md).
bool write_layout(const app_state & a, const std::string & path, int32_t fb_w, int32_t fb_h, std::string * err);
