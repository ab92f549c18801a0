// radz-app: the jobs handed to the worker thread (app_worker.h): opening the model, classifying
// images, changing the anchor table; and opening images and folders.

#include "app_state.h"
#include "cli/cli_inputs.h"
#include "file_io.h"

#include <filesystem>
#include <memory>

// ---------------------------------------------------------------------------------------------
// Jobs on the worker

void classify_queue(app_state & a, const std::vector<uint64_t> & ids) {
    struct item {
        uint64_t    id;
        std::string path, modality;
        bool        score_anyway;
    };
    std::vector<item> items;
    for (uint64_t id : ids) {
        if (app_image * im = image_by_id(a, id)) {
            im->state = image_state::queued;
            items.push_back({id, im->path, im->modality, im->score_anyway});
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
            s.pl.score_rejected = items[i].score_anyway;
            pipeline_classify_file(s.pl, items[i].path, items[i].modality, true, &r);
            s.pl.score_rejected = false;
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

void cancel_batch(app_state & a) {
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
void session_open(app_state & a, const app_session_options & opt, bool keep_anchors) {
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
void anchors_job(app_state & a, const std::string & label,
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

// ---------------------------------------------------------------------------------------------
// Opening images

// Files as they are; folders: their images, recursively, sorted, hidden ones skipped, as the
// radz CLI expands them (cli/cli_inputs.h). Opened as one batch; what cannot be read is
// reported (status line, stderr) and skipped. The folder remembered is the first path's.
void images_open(app_state & a, const std::vector<std::string> & paths) {
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
