// radz-app: the desktop app. One SDL2 window drawn with Dear ImGui (OpenGL 3): a list of opened
// images, the selected one as a zoomable texture, every finding as a bar with its probability,
// findings added/edited/removed and anchor tables saved/loaded, the execution provider chooser,
// batches with progress and cancel, results export and a parity view against results files from
// the web page or the CLI. Inference runs on a worker thread (app_worker.h).
//
// Test mode (--screenshot/--results/--layout): opens the images given with --image, renders
// until they are classified, writes a screenshot, the results document and the layout of the
// image and the bars as JSON, and exits. See docs/app.md.
#include "app_about.h"
#include "app_gl.h"
#include "app_session.h"
#include "app_settings.h"
#include "app_worker.h"
#include "cli/cli_inputs.h"
#include "compare.h"
#include "file_io.h"
#include "results.h"
#include "scoring.h"
#include "sha256.h"

#include <SDL.h>
#include <SDL_opengl.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>
#include <imgui_stdlib.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#ifndef RADZ_DEFAULT_MODEL
#define RADZ_DEFAULT_MODEL "assets/models/radz-tiny"
#endif
#ifndef RADZ_CLI_PATH
#define RADZ_CLI_PATH "radz"
#endif

static const char * const HELP =
    "usage: radz-app [IMAGE|FOLDER|@FILE...] [--list FILE] [options]\n"
    "\n"
    "The RadZ desktop app. Drop images or folders on the window, or open them with Ctrl+O.\n"
    "\n"
    "options:\n"
    "  --model DIR          model package (default: $RADZ_MODEL, the last one used, else " RADZ_DEFAULT_MODEL ")\n"
    "  --variant NAME       fp32, int8 or int4 (default: the package's default)\n"
    "  --ep NAME            execution provider: auto, cpu, webgpu, cuda (default: the last one used)\n"
    "  --ort-lib FILE       ONNX Runtime library (default: $RADZ_ORT_LIB, else node_modules')\n"
    "  --threads N          intra-op threads\n"
    "  --modality ID        modality of the images opened (default cxr)\n"
    "  --image FILE         an image to open (repeatable; same as a plain argument)\n"
    "  --list FILE          open the images (or folders) listed in FILE, one per line ('-': standard\n"
    "                       input; blank lines and lines starting with '#' skipped)\n"
    "  @FILE                a response file: one argument per line, options too\n"
    "\n"
    "test mode (renders until the images are classified, writes these files and exits):\n"
    "  --screenshot FILE    PNG of the window\n"
    "  --results FILE       results document (docs/results-schema.md)\n"
    "  --layout FILE        JSON: rectangles of the image and of each finding's bar\n"
    "  --size WxH           window size (default 1280x800)\n"
    "  --anchors FILE       load an anchor table first (as Findings > Load anchor table)\n"
    "  --finding NAME       add a finding described by the --description options that follow it\n"
    "  --description TEXT   (as Findings > Add; repeatable)\n"
    "  --parity FILE        load a results file into the parity view (the layout gets its summary)\n"
    "  --save-anchors FILE  save the anchor table on exit (as Findings > Save table)\n"
    "  --show WINDOWS       open windows: findings, providers, parity, about (comma-separated)\n"
    "  --switch-ep NAME     once classified, switch to this provider (as its Use button)\n"
    "  --child-ep NAME      once classified, run the images on it in a child process (Compare)\n";

// ---------------------------------------------------------------------------------------------
// State

enum class image_state { queued, done, failed, cancelled };

struct app_image {
    uint64_t      id = 0;
    std::string   path;
    std::string   modality;
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
    bool          about_drawn = false;  // the About window's texts were drawn in the last frame
    ImVec2        about_min, about_max;
};

static void set_status(app_state & a, const std::string & msg, bool error = false) {
    a.status       = msg;
    a.status_error = error;
    a.n_errors += error ? 1 : 0;
    if (a.test_mode || error) {
        std::fprintf(stderr, "radz-app: %s\n", msg.c_str());
    }
}

static app_image * image_by_id(app_state & a, uint64_t id) {
    for (auto & im : a.images) {
        if (im.id == id) {
            return &im;
        }
    }
    return nullptr;
}

static std::string modality_display(const app_state & a, const std::string & id) {
    const package_modality * m = package_modality_find(a.pkg, id);
    return m ? m->display : id;
}

// ---------------------------------------------------------------------------------------------
// Results

// Findings of a done image scored again against the current table (after a finding was added,
// edited or removed, or a table loaded). The same scoring as the pipeline's, from the kept feature.
static void rescore(app_state & a, app_image & im) {
    if (im.state != image_state::done || im.result.feature.empty()) {
        return;
    }
    std::vector<finding_score> scores;
    std::string                err;
    if (!scoring_score_image(a.anchors, im.modality, im.result.feature.data(), im.result.feature.size(), &scores,
                             &err)) {
        im.state        = image_state::failed;
        im.result.error = results_error{"model", im.path + ": " + err};
        im.result.findings.clear();
        return;
    }
    im.result.findings.clear();
    for (const auto & s : scores) {
        im.result.findings.push_back({s.id, s.display, s.cosine, s.logit, s.probability, s.calibrated, s.source});
        im.result.findings.back().no_signal = s.no_signal;
    }
}

static void rescore_all(app_state & a) {
    for (auto & im : a.images) {
        rescore(a, im);
    }
    a.parity_dirty = true;
}

// The app's results document: every finished image, in the order opened.
static results_doc results_current(const app_state & a) {
    results_doc doc = a.header;
    for (const auto & im : a.images) {
        if (im.state == image_state::done || im.state == image_state::failed) {
            doc.images.push_back(im.result);
        }
    }
    return doc;
}

static void parity_update(app_state & a) {
    if (!a.has_parity) {
        return;
    }
    a.parity       = compare_results(a.parity_ref, results_current(a), a.tol);
    a.parity_dirty = false;
}

static void parity_set(app_state & a, results_doc ref, const std::string & name) {
    a.parity_ref  = std::move(ref);
    a.parity_name = name;
    a.has_parity  = true;
    a.parity_sel  = -1;
    a.show_parity = true;
    parity_update(a);
}

// ---------------------------------------------------------------------------------------------
// Jobs on the worker

static void classify_queue(app_state & a, const std::vector<uint64_t> & ids) {
    struct item {
        uint64_t    id;
        std::string path, modality;
    };
    std::vector<item> items;
    for (uint64_t id : ids) {
        if (app_image * im = image_by_id(a, id)) {
            im->state = image_state::queued;
            items.push_back({id, im->path, im->modality});
        }
    }
    if (items.empty()) {
        return;
    }
    app_state * ap = &a;
    a.worker->submit("classify", true, [items, ap](app_session & s, app_worker & w) -> app_done {
        if (!s.open) {
            return nullptr;
        }
        for (size_t i = 0; i < items.size(); ++i) {
            results_image r;
            pipeline_classify_file(s.pl, items[i].path, items[i].modality, true, &r);
            const uint64_t id = items[i].id;
            w.post([ap, id, r]() {
                if (app_image * im = image_by_id(*ap, id)) {
                    im->result = r;
                    im->state  = r.error ? image_state::failed : image_state::done;
                    ap->parity_dirty = true;
                }
            });
            if (!w.report((int64_t) i + 1, (int64_t) items.size(), file_base_name(items[i].path))) {
                break;
            }
        }
        return nullptr;
    });
}

static void cancel_batch(app_state & a) {
    a.worker->cancel();
    int32_t n = 0;
    for (auto & im : a.images) {
        if (im.state == image_state::queued) {
            im.state = image_state::cancelled;
            ++n;
        }
    }
    set_status(a, "cancelled: " + std::to_string(n) + " images left unclassified (Classify again to resume)");
}

// What a finished job hands back about the session.
struct session_view {
    radz_package pkg;
    ort_probe    probe;
    backend_info binfo;
    anchor_table anchors;
    results_doc  header;
};

static session_view session_view_of(const app_session & s) {
    return {s.pkg, s.probe, s.be->info(), s.pl.anchors, pipeline_results_doc(s.pl, "radz-app", "native")};
}

static void session_view_apply(app_state & a, const session_view & v) {
    a.pkg     = v.pkg;
    a.probe   = v.probe;
    a.binfo   = v.binfo;
    a.anchors = v.anchors;
    a.header  = v.header;
}

// Opens (or reopens on another provider) the model. keep_anchors: the user's findings survive.
// Every opened image is classified again on the new session.
static void session_open(app_state & a, const app_session_options & opt, bool keep_anchors) {
    a.model_opening = true;
    a.model_error.clear();
    a.model_warning.clear();
    std::unique_ptr<anchor_table> keep;
    if (keep_anchors && a.model_open) {
        keep = std::make_unique<anchor_table>(a.anchors);
    }
    app_state * ap = &a;
    std::shared_ptr<anchor_table> keep_shared(keep.release());
    a.worker->submit("open model", false, [ap, opt, keep_shared](app_session & s, app_worker &) -> app_done {
        std::string warning, err;
        const bool  ok = app_session_open(&s, opt, keep_shared.get(), &warning, &err);
        if (!ok) {
            return [ap, err, opt]() {
                ap->model_opening = false;
                ap->model_open    = false;
                ap->opt           = opt;
                ap->model_error   = err;
                set_status(*ap, err, true);
            };
        }
        session_view v = session_view_of(s);
        return [ap, opt, v, warning]() {
            ap->model_opening = false;
            ap->model_open    = true;
            ap->opt           = opt;
            ap->model_warning = warning;
            session_view_apply(*ap, v);
            set_status(*ap, "model " + v.pkg.name + " (" + v.header.package_variant + ") on " +
                                v.binfo.execution_provider + (warning.empty() ? "" : ": " + warning),
                       !warning.empty());
            std::vector<uint64_t> ids;
            for (const auto & im : ap->images) {
                ids.push_back(im.id);
            }
            classify_queue(*ap, ids);
        };
    });
    a.opt = opt;
}

// A change of the anchor table on the worker; on success the UI takes the new table and scores
// every image again.
static void anchors_job(app_state & a, const std::string & label,
                        std::function<bool(app_session & s, std::string * err)> change, std::string done_msg) {
    app_state * ap = &a;
    a.worker->submit(label, false, [ap, change, done_msg](app_session & s, app_worker &) -> app_done {
        std::string err;
        if (!s.open) {
            err = "no model is open";
        } else if (change(s, &err)) {
            session_view v = session_view_of(s);
            return [ap, v, done_msg]() {
                session_view_apply(*ap, v);
                rescore_all(*ap);
                set_status(*ap, done_msg);
            };
        }
        return [ap, err]() { set_status(*ap, err, true); };
    });
}

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
static void finding_submit(app_state & a) {
    const std::string              modality = a.edit_modality;
    const std::string              name     = a.edit_name;
    const std::string              old_id   = a.edit_id;
    const std::vector<std::string> descs    = split_lines(a.edit_desc);
    const std::string              msg = (old_id.empty() ? "added finding '" : "changed finding '") + name + "'";
    anchors_job(a, old_id.empty() ? "add finding" : "edit finding",
                [modality, name, old_id, descs](app_session & s, std::string * err) {
                    const anchor_table before = s.pl.anchors;
                    int32_t            at     = -1;
                    if (!old_id.empty()) {
                        at = anchor_table_find(s.pl.anchors, modality, old_id);
                        if (!anchor_table_remove(&s.pl.anchors, modality, old_id, err)) {
                            return false;
                        }
                    }
                    if (!pipeline_add_finding(s.pl, modality, name, descs, err)) {
                        s.pl.anchors = before;
                        app_session_anchors_changed(&s);
                        return false;
                    }
                    if (at >= 0) {  // back to the place the finding had
                        auto & f = s.pl.anchors.findings;
                        std::rotate(f.begin() + at, f.end() - 1, f.end());
                    }
                    app_session_anchors_changed(&s);
                    return true;
                },
                msg);
    a.edit_id.clear();
    a.edit_name.clear();
    a.edit_desc.clear();
}

static void finding_remove(app_state & a, const std::string & modality, const std::string & id) {
    anchors_job(a, "remove finding",
                [modality, id](app_session & s, std::string * err) {
                    if (!anchor_table_remove(&s.pl.anchors, modality, id, err)) {
                        return false;
                    }
                    app_session_anchors_changed(&s);
                    return true;
                },
                "removed finding '" + id + "'");
}

static void anchors_load(app_state & a, const std::string & path) {
    anchors_job(a, "load anchor table",
                [path](app_session & s, std::string * err) { return pipeline_use_anchor_file(&s.pl, path, err); },
                "anchor table " + file_base_name(path) + " loaded");
}

static std::string temp_dir() {
    std::error_code ec;
    std::string     d = (std::filesystem::temp_directory_path(ec) / ("radz-app-" + std::to_string(getpid()))).string();
    std::filesystem::create_directories(d, ec);
    return d;
}

// Runs the images on another provider (or another ONNX Runtime library) in a child process, the
// radz CLI with the app's current anchor table, and shows the parity against this session.
static void child_run(app_state & a, const std::string & ep, const std::string & ort_lib) {
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

// ---------------------------------------------------------------------------------------------
// Opening images

// Files as they are; folders: their images, recursively, sorted, hidden ones skipped, as the
// radz CLI expands them (cli/cli_inputs.h). Opened as one batch; what cannot be read is
// reported (status line, stderr) and skipped. The folder remembered is the first path's.
static void images_open(app_state & a, const std::vector<std::string> & paths) {
    cli_inputs in;
    for (const auto & p : paths) {
        std::error_code ec;
        if (!std::filesystem::exists(p, ec)) {
            in.problems.push_back(p + ": no such file or folder");  // no results document to hold it
        } else {
            cli_inputs_add_path(p, &in);
        }
    }
    for (const auto & problem : in.problems) {
        set_status(a, problem, true);
    }
    const std::vector<std::string> & files = in.files;
    if (files.empty() || paths.empty()) {
        return;
    }
    const std::string & path = paths[0];
    std::error_code     ec;
    const bool      is_dir = std::filesystem::is_directory(path, ec);
    const auto abs         = std::filesystem::absolute(path, ec);
    a.settings.last_folder = (ec ? std::filesystem::path(path) : abs).string();
    if (!is_dir) {
        a.settings.last_folder = std::filesystem::path(a.settings.last_folder).parent_path().string();
    }
    std::vector<uint64_t> ids;
    const bool            first = a.images.empty();
    for (const auto & f : files) {
        app_image im;
        im.id       = a.next_id++;
        im.path     = f;
        im.modality = a.modality;
        a.images.push_back(im);
        ids.push_back(im.id);
    }
    if (first || a.selected < 0) {
        a.selected           = (int32_t) (a.images.size() - files.size());
        a.scroll_to_selected = true;
    }
    set_status(a, "opened " + std::to_string(files.size()) + (files.size() == 1 ? " image" : " images") +
                      (is_dir && paths.size() == 1 ? " from " + path : "") +
                      (in.problems.empty() ? "" : "; " + std::to_string(in.problems.size()) + " could not be read"),
               !in.problems.empty());
    if (a.model_open) {
        classify_queue(a, ids);
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

static const ImU32 COLOR_TRACK        = IM_COL32(52, 52, 60, 255);
static const ImU32 COLOR_CALIBRATED   = IM_COL32(66, 150, 250, 255);
static const ImU32 COLOR_UNCALIBRATED = IM_COL32(235, 160, 50, 255);
static const ImVec4 COLOR_PASS        = ImVec4(0.35f, 0.85f, 0.35f, 1.0f);
static const ImVec4 COLOR_FAIL        = ImVec4(1.0f, 0.4f, 0.35f, 1.0f);
static const ImVec4 COLOR_MUTED       = ImVec4(0.6f, 0.6f, 0.65f, 1.0f);
static const ImVec4 COLOR_WARN        = ImVec4(0.92f, 0.63f, 0.2f, 1.0f);

static const char * state_name(image_state s) {
    switch (s) {
        case image_state::queued:    return "queued";
        case image_state::done:      return "";
        case image_state::failed:    return "failed";
        case image_state::cancelled: return "cancelled";
    }
    return "";
}

static void select_image(app_state & a, int32_t i) {
    if (a.images.empty()) {
        return;
    }
    a.selected           = std::clamp(i, 0, (int32_t) a.images.size() - 1);
    a.scroll_to_selected = true;
}

static void draw_images_panel(app_state & a) {
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

static void draw_image_panel(app_state & a) {
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
            ImGui::TextColored(COLOR_WARN, "not square: the model sees it squeezed to 64x64");
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
    const int32_t idx    = anchor_table_find(a.anchors, im.modality, f.id);
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

static void draw_findings_panel(app_state & a) {
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
    const app_image & im = a.images[a.selected];
    if (im.state != image_state::done) {
        ImGui::TextDisabled("%s", im.state == image_state::queued ? "waiting for the model..." : state_name(im.state));
        return;
    }
    std::vector<const results_finding *> order, normal, no_signal;
    for (const auto & f : im.result.findings) {
        const int32_t idx       = anchor_table_find(a.anchors, im.modality, f.id);
        const bool    is_normal = idx >= 0 && a.anchors.findings[idx].kind == "normal";
        (f.no_signal ? no_signal : is_normal ? normal : order).push_back(&f);
    }
    ImGui::TextDisabled("%s: %zu findings, sorted; 50%% is each one's operating point",
                        modality_display(a, im.modality).c_str(), order.size() + normal.size());
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

static void prompt_path(app_state & a, const std::string & title, const std::string & button, const std::string & path,
                        std::function<void(const std::string &)> action) {
    a.prompt.request = true;
    a.prompt.title   = title;
    a.prompt.button  = button;
    a.prompt.path    = path;
    a.prompt.action  = std::move(action);
}

static std::string in_last_folder(const app_state & a, const std::string & name) {
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

static void load_parity(app_state & a, const std::string & path) {
    results_doc doc;
    std::string err;
    if (!results_load(path, &doc, &err)) {
        set_status(a, err, true);
        return;
    }
    parity_set(a, doc, file_base_name(path) + " (" + doc.program_name + ", " + doc.backend_execution_provider + ")");
    set_status(a, "parity against " + path);
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

static void draw_findings_window(app_state & a) {
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
        a.edit_modality = a.modality;
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

// Reopens the model on another provider of the same library, keeping the findings; the results
// so far become the parity reference and every image is classified again.
static void provider_use(app_state & a, const std::string & ep) {
    if (!a.images.empty()) {
        parity_set(a, results_current(a), "this app before switching (" + a.binfo.execution_provider + ")");
    }
    app_session_options o = a.opt;
    o.ep                  = ep;
    a.settings.ep         = ep;
    session_open(a, o, true);
}

static void draw_providers_window(app_state & a) {
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
    const std::string cuda_lib      = app_cuda_lib_path();
    uint64_t          size          = 0;
    const bool        have_cuda_lib = file_size(cuda_lib, &size);
    if (ImGui::BeginTable("providers", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("provider", ImGuiTableColumnFlags_WidthFixed, 70);
        ImGui::TableSetupColumn("status", ImGuiTableColumnFlags_WidthFixed, 90);
        ImGui::TableSetupColumn("device / reason");
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 250);
        ImGui::TableHeadersRow();
        for (const auto & p : a.probe.providers) {
            const bool in_use = p.name == a.binfo.execution_provider;
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
            if (p.name == "cuda" && !p.usable && have_cuda_lib) {
                detail += "; the 1.29 set at " + cuda_lib + " can run in a child process (Compare)";
            }
            ImGui::TextWrapped("%s", detail.c_str());
            ImGui::TableNextColumn();
            ImGui::BeginDisabled(!p.usable || in_use || a.model_opening);
            if (ImGui::SmallButton("Use")) {
                provider_use(a, p.name);
            }
            ImGui::EndDisabled();
            ImGui::SameLine();
            const bool child_ok = (p.usable && !in_use) || (p.name == "cuda" && have_cuda_lib);
            ImGui::BeginDisabled(!child_ok || a.images.empty());
            if (ImGui::SmallButton("Compare in a child process")) {
                child_run(a, p.name, p.name == "cuda" && !p.usable ? cuda_lib : a.opt.ort_lib);
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

static void draw_parity_window(app_state & a) {
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

// Help > About RadZ: the licence and the third-party notices with the data and model
// attribution, as compiled in from LICENSE and THIRD_PARTY_NOTICES.md (app_about.h).
static void draw_about_window(app_state & a) {
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

static void draw_frame(app_state & a, bool * quit) {
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

// ---------------------------------------------------------------------------------------------
// Test mode output

static bool write_layout(const app_state & a, const std::string & path, int32_t fb_w, int32_t fb_h,
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

// ---------------------------------------------------------------------------------------------

struct app_args {
    std::vector<std::string> paths;     // IMAGE and FOLDER arguments, --list entries
    std::vector<std::string> problems;  // --list files that could not be read
    std::string model, variant, ep, ort_lib, modality, screenshot, results, layout;
    std::string anchors, parity, save_anchors, show, switch_ep, child_ep;
    std::vector<std::pair<std::string, std::vector<std::string>>> findings;  // name, descriptions
    int32_t     threads = 0, width = 0, height = 0;
};

static int usage_error(const std::string & msg) {
    std::fprintf(stderr, "radz-app: %s (try 'radz-app --help')\n", msg.c_str());
    return 2;
}

int main(int argc, char ** argv) {
    app_args                 args;
    std::vector<std::string> arg_list;  // argv with @FILE response files expanded (cli/cli_inputs.h)
    std::vector<char *>      arg_ptrs;
    if (std::string err; !cli_inputs_expand_args(argc, argv, &arg_list, &err)) {
        return usage_error(err);
    }
    for (auto & s : arg_list) {
        arg_ptrs.push_back(s.data());
    }
    argc = (int) arg_ptrs.size();
    argv = arg_ptrs.data();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char * name, std::string * dst) {
            if (a != name) {
                return false;
            }
            if (i + 1 >= argc) {
                std::exit(usage_error(std::string(name) + " needs a value"));
            }
            *dst = argv[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            std::printf("%s", HELP);
            return 0;
        }
        if (value("--model", &args.model) || value("--variant", &args.variant) || value("--ep", &args.ep) ||
            value("--ort-lib", &args.ort_lib) || value("--modality", &args.modality) ||
            value("--screenshot", &args.screenshot) || value("--results", &args.results) ||
            value("--layout", &args.layout) || value("--anchors", &args.anchors) ||
            value("--parity", &args.parity) || value("--save-anchors", &args.save_anchors) ||
            value("--show", &args.show) || value("--switch-ep", &args.switch_ep) ||
            value("--child-ep", &args.child_ep)) {
            continue;
        }
        if (value("--image", &v)) {
            args.paths.push_back(v);
        } else if (value("--list", &v)) {
            std::vector<std::string> entries;
            std::string              err;
            if (!cli_inputs_read_list(v, &entries, &err)) {
                args.problems.push_back(err);
            } else if (entries.empty()) {
                args.problems.push_back(v + ": no path in this list");
            }
            args.paths.insert(args.paths.end(), entries.begin(), entries.end());
        } else if (value("--finding", &v)) {
            args.findings.push_back({v, {}});
        } else if (value("--description", &v)) {
            if (args.findings.empty()) {
                return usage_error("--description must follow a --finding NAME");
            }
            args.findings.back().second.push_back(v);
        } else if (value("--threads", &v)) {
            args.threads = std::atoi(v.c_str());
            if (args.threads < 1 || args.threads > 1024) {
                return usage_error("--threads: expected a number from 1 to 1024, found '" + v + "'");
            }
        } else if (value("--size", &v)) {
            if (std::sscanf(v.c_str(), "%dx%d", &args.width, &args.height) != 2 || args.width < 320 ||
                args.height < 240 || args.width > 8192 || args.height > 8192) {
                return usage_error("--size: expected WxH of at least 320x240, found '" + v + "'");
            }
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option '" + a + "'");
        } else {
            args.paths.push_back(a);
        }
    }
    if (!args.ep.empty() && args.ep != "auto" && args.ep != "cpu" && args.ep != "webgpu" && args.ep != "cuda") {
        return usage_error("--ep: expected auto, cpu, webgpu or cuda, found '" + args.ep + "'");
    }

    app_state a;
    a.test_mode = !args.screenshot.empty() || !args.results.empty() || !args.layout.empty();
    if (a.test_mode && args.paths.empty()) {
        return usage_error("test mode (--screenshot, --results, --layout) needs images (--image FILE, a folder, "
                           "--list FILE)");
    }
    // The radz CLI beside this binary, else where the build put it.
    {
        std::error_code ec;
        const auto      self = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (!ec && std::filesystem::exists(self.parent_path() / "radz", ec)) {
            a.cli_path = (self.parent_path() / "radz").string();
        }
    }
    std::string settings_err;
    if (!a.test_mode) {  // the test mode neither reads nor writes what the user's app remembers
        a.settings_dir = app_settings_dir();
        if (!app_settings_load(a.settings_dir, &a.settings, &settings_err)) {
            std::fprintf(stderr, "radz-app: %s\n", settings_err.c_str());
        }
    }

    // The model: --model, $RADZ_MODEL, the last one used, the shipped one.
    app_session_options opt;
    uint64_t            sz = 0;
    if (!args.model.empty()) {
        opt.model_dir = args.model;
    } else if (const char * env = std::getenv("RADZ_MODEL"); env && *env) {
        opt.model_dir = env;
    } else if (!a.settings.model_dir.empty() && file_size(a.settings.model_dir + "/manifest.json", &sz)) {
        opt.model_dir = a.settings.model_dir;
    } else {
        opt.model_dir = RADZ_DEFAULT_MODEL;
    }
    opt.variant = !args.variant.empty() ? args.variant : args.model.empty() ? a.settings.variant : "";
    opt.ep      = !args.ep.empty() ? args.ep : a.test_mode ? "auto" : a.settings.ep;
    opt.ort_lib = args.ort_lib;
    opt.threads = args.threads;
    a.modality  = !args.modality.empty() ? args.modality : a.settings.modality;

    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        std::fprintf(stderr, "radz-app: cannot start SDL: %s\n", SDL_GetError());
        return 1;
    }
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
    const int32_t win_w = args.width > 0 ? args.width : a.test_mode ? 1280 : a.settings.window_w;
    const int32_t win_h = args.height > 0 ? args.height : a.test_mode ? 800 : a.settings.window_h;
    const int32_t win_x = a.settings.window_x >= 0 && !a.test_mode ? a.settings.window_x : (int32_t) SDL_WINDOWPOS_CENTERED;
    const int32_t win_y = a.settings.window_y >= 0 && !a.test_mode ? a.settings.window_y : (int32_t) SDL_WINDOWPOS_CENTERED;
    SDL_Window * window = SDL_CreateWindow("RadZ", win_x, win_y, win_w, win_h,
                                           SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!window) {
        std::fprintf(stderr, "radz-app: cannot open a window: %s\n", SDL_GetError());
        SDL_Quit();
        return 1;
    }
    SDL_GLContext gl = SDL_GL_CreateContext(window);
    if (!gl) {
        std::fprintf(stderr, "radz-app: no OpenGL 3.3 context: %s\n", SDL_GetError());
        SDL_DestroyWindow(window);
        SDL_Quit();
        return 1;
    }
    SDL_GL_MakeCurrent(window, gl);
    SDL_GL_SetSwapInterval(a.test_mode ? 0 : 1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO &         io = ImGui::GetIO();
    const std::string ini_path = a.settings_dir.empty() ? std::string() : a.settings_dir + "/imgui.ini";
    if (!ini_path.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(a.settings_dir, ec);
    }
    io.IniFilename = ini_path.empty() ? nullptr : ini_path.c_str();
    ImGui::StyleColorsDark();
    ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w = 1.0f;  // floating windows hide what is behind
    ImGui_ImplSDL2_InitForOpenGL(window, gl);
    ImGui_ImplOpenGL3_Init("#version 330");

    app_worker worker;
    a.worker = &worker;
    session_open(a, opt, false);
    for (const auto & problem : args.problems) {
        set_status(a, problem, true);
    }
    if (!args.paths.empty()) {
        images_open(a, args.paths);
    }
    // Queued behind the model's opening, in this order, through the same code as the menus.
    if (!args.anchors.empty()) {
        anchors_load(a, args.anchors);
    }
    for (const auto & [name, descs] : args.findings) {
        a.edit_modality = a.modality;
        a.edit_id.clear();
        a.edit_name = name;
        a.edit_desc.clear();
        for (const auto & d : descs) {
            a.edit_desc += d + "\n";
        }
        finding_submit(a);
    }
    if (!args.parity.empty()) {
        load_parity(a, args.parity);
    }
    a.show_findings  = args.show.find("findings") != std::string::npos;
    a.show_providers = args.show.find("providers") != std::string::npos;
    a.show_parity    = a.show_parity || args.show.find("parity") != std::string::npos;
    a.show_about     = args.show.find("about") != std::string::npos;

    // Test mode: actions taken, one at a time, each once everything before it has finished.
    std::vector<std::function<void()>> after_ready;
    if (!args.switch_ep.empty()) {
        after_ready.push_back([&] { provider_use(a, args.switch_ep); });
    }
    if (!args.child_ep.empty()) {
        after_ready.push_back([&] { child_run(a, args.child_ep, a.opt.ort_lib); });
    }
    size_t next_action = 0;

    bool       quit      = false;
    int        exit_code = 0;
    int        ready_frames = 0;
    const auto t_start   = std::chrono::steady_clock::now();
    auto       t_frame   = t_start;
    while (!quit) {
        SDL_Event ev;
        // Never a busy loop: wait for input, up to 250 ms when idle, 30 ms while jobs run (the
        // progress bar moves; the model, on the CPU or a software GPU, keeps the cores).
        const int wait_ms = worker.idle() ? (a.test_mode ? 5 : 250) : 30;
        if (SDL_WaitEventTimeout(&ev, wait_ms)) {
            SDL_PushEvent(&ev);
        }
        while (SDL_PollEvent(&ev)) {
            ImGui_ImplSDL2_ProcessEvent(&ev);
            if (ev.type == SDL_QUIT ||
                (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_CLOSE &&
                 ev.window.windowID == SDL_GetWindowID(window))) {
                quit = true;
            } else if (ev.type == SDL_DROPFILE) {
                images_open(a, {ev.drop.file});
                SDL_free(ev.drop.file);
            } else if (ev.type == SDL_KEYDOWN) {
                const bool ctrl = (ev.key.keysym.mod & KMOD_CTRL) != 0;
                if (ctrl && ev.key.keysym.sym == SDLK_o) {
                    a.open_request = true;
                } else if (!io.WantTextInput && !ctrl) {
                    switch (ev.key.keysym.sym) {
                        case SDLK_DOWN: case SDLK_RIGHT: case SDLK_j: select_image(a, a.selected + 1); break;
                        case SDLK_UP: case SDLK_LEFT: case SDLK_k: select_image(a, a.selected - 1); break;
                        case SDLK_PAGEDOWN: select_image(a, a.selected + 10); break;
                        case SDLK_PAGEUP: select_image(a, a.selected - 10); break;
                        case SDLK_HOME: select_image(a, 0); break;
                        case SDLK_END: select_image(a, (int32_t) a.images.size() - 1); break;
                        default: break;
                    }
                }
            }
        }
        worker.poll();

        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        ImGui::NewFrame();
        draw_frame(a, &quit);
        ImGui::Render();
        int fb_w = 0, fb_h = 0;
        SDL_GL_GetDrawableSize(window, &fb_w, &fb_h);
        glViewport(0, 0, fb_w, fb_h);
        glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

        if (a.test_mode) {
            bool all_done = !a.images.empty();
            for (const auto & im : a.images) {
                all_done = all_done && (im.state == image_state::done || im.state == image_state::failed);
            }
            const bool ready = (all_done && worker.idle() && !a.model_opening) || (!a.model_opening && !a.model_open);
            ready_frames     = ready ? ready_frames + 1 : 0;
            if (ready_frames >= 2 && a.model_open && next_action < after_ready.size()) {
                after_ready[next_action++]();
                ready_frames = 0;
            }
            const double waited =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
            if (ready_frames >= 4 || waited > 600.0) {  // a few frames: the layout settles
                std::string err;
                if (!a.model_open || a.n_errors > 0) {  // the errors were printed by set_status
                    exit_code = 1;
                } else if (waited > 600.0) {
                    std::fprintf(stderr, "radz-app: test mode: images not classified after 600 s\n");
                    exit_code = 1;
                }
                if (!args.screenshot.empty() && !app_screenshot_png(args.screenshot, fb_w, fb_h, &err)) {
                    std::fprintf(stderr, "radz-app: %s\n", err.c_str());
                    exit_code = 1;
                }
                if (!args.results.empty() && a.model_open) {
                    const results_doc doc = results_current(a);
                    if (!results_validate(doc, file_base_name(args.results), &err) ||
                        !results_save(doc, args.results, &err)) {
                        std::fprintf(stderr, "radz-app: %s\n", err.c_str());
                        exit_code = 1;
                    }
                    for (const auto & im : doc.images) {
                        if (im.error) {
                            std::fprintf(stderr, "radz-app: %s\n", im.error->message.c_str());
                            exit_code = 1;
                        }
                    }
                }
                if (!args.save_anchors.empty() && a.model_open && !anchor_table_save(a.anchors, args.save_anchors, &err)) {
                    std::fprintf(stderr, "radz-app: %s\n", err.c_str());
                    exit_code = 1;
                }
                parity_update(a);
                if (!args.layout.empty() && !write_layout(a, args.layout, fb_w, fb_h, &err)) {
                    std::fprintf(stderr, "radz-app: %s\n", err.c_str());
                    exit_code = 1;
                }
                quit = true;
            }
        }
        SDL_GL_SwapWindow(window);
        const auto   t_now = std::chrono::steady_clock::now();
        const double dt_ms = std::chrono::duration<double, std::milli>(t_now - t_frame).count();
        if (a.frames == 0) {
            a.frame_first_ms = dt_ms;  // OpenGL and ImGui set-up: not a measure of responsiveness
        } else {
            a.frame_max_ms = std::max(a.frame_max_ms, dt_ms);
        }
        t_frame = t_now;
        ++a.frames;
    }

    if (!a.test_mode) {
        SDL_GetWindowPosition(window, &a.settings.window_x, &a.settings.window_y);
        SDL_GetWindowSize(window, &a.settings.window_w, &a.settings.window_h);
        a.settings.modality = a.modality;
        a.settings.ep       = a.opt.ep;
        if (!a.opt.model_dir.empty() && a.model_open) {
            std::error_code ec;
            const auto      abs  = std::filesystem::absolute(a.opt.model_dir, ec);
            a.settings.model_dir = ec ? a.opt.model_dir : abs.lexically_normal().string();
        }
        std::string err;
        if (!app_settings_save(a.settings_dir, a.settings, &err)) {
            std::fprintf(stderr, "radz-app: %s\n", err.c_str());
        }
    }
    worker.cancel();
    app_texture_free(&a.tex);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
    a.worker = nullptr;  // the worker thread ends when `worker` goes out of scope
    SDL_GL_DeleteContext(gl);
    SDL_DestroyWindow(window);
    SDL_Quit();
    return exit_code;
}
