// The app's background thread: jobs that touch the model (opening a package, classifying images,
// computing anchors) run here, one at a time and in order, so the window keeps drawing while a
// graph runs. A job returns a closure that the UI thread runs later (app_worker::poll) to take
// its results; a long job may post closures as it goes and report progress, and it stops early
// when cancelled.
//
// Only jobs touch the session; the UI thread keeps its own copies of what it shows.
#pragma once

#include "app_session.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Runs on the UI thread.
using app_done = std::function<void()>;

class app_worker;

// Runs on the worker thread; may return nullptr.
using app_job = std::function<app_done(app_session & s, app_worker & w)>;

struct app_progress {
    bool        busy  = false;   // a job is running or queued
    std::string label;           // the running job's label ("classify", "open model", ...)
    int64_t     done  = 0;
    int64_t     total = 0;       // 0: unknown
    std::string item;            // what was last finished
    bool        cancellable = false;
    int32_t     queued = 0;      // jobs waiting behind the running one
};

class app_worker {
public:
    app_worker();
    ~app_worker();  // drops queued jobs, cancels the running one, joins the thread

    // Queues a job. A cancellable job is dropped by cancel() while queued and told to stop when
    // running.
    void submit(const std::string & label, bool cancellable, app_job job);

    // Runs the closures finished jobs left, in order, on the calling thread. Returns how many.
    int32_t poll();

    // Drops queued cancellable jobs and asks the running one, if cancellable, to stop.
    void cancel();

    app_progress progress() const;

    // No job running or queued, and no closure waiting for poll().
    bool idle() const;

    // For jobs: hands a closure to the UI thread now.
    void post(app_done done);

    // For jobs: records progress; false when the job should stop (cancelled).
    bool report(int64_t done, int64_t total, const std::string & item);

private:
    struct job {
        std::string label;
        bool        cancellable = false;
        app_job     fn;
    };

    void loop();

    mutable std::mutex      mu_;
    std::condition_variable cv_;
    std::deque<job>         jobs_;
    std::vector<app_done>   finished_;
    bool                    stop_    = false;
    bool                    running_ = false;
    bool                    cancel_  = false;
    bool                    running_cancellable_ = false;
    std::string             label_;
    int64_t                 done_  = 0;
    int64_t                 total_ = 0;
    std::string             item_;
    app_session             session_;  // touched by jobs only
    std::thread             thread_;   // last: started once the members above exist
};
