#include "app_worker.h"

app_worker::app_worker() : thread_([this] { loop(); }) {}

app_worker::~app_worker() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_   = true;
        cancel_ = true;
        jobs_.clear();
    }
    cv_.notify_all();
    thread_.join();
    app_session_close(&session_);
}

void app_worker::submit(const std::string & label, bool cancellable, app_job fn) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        jobs_.push_back({label, cancellable, std::move(fn)});
    }
    cv_.notify_one();
}

int32_t app_worker::poll() {
    std::vector<app_done> done;
    {
        std::lock_guard<std::mutex> lock(mu_);
        done.swap(finished_);
    }
    for (auto & d : done) {
        d();
    }
    return (int32_t) done.size();
}

void app_worker::cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ && running_cancellable_) {
        cancel_ = true;
    }
    for (auto it = jobs_.begin(); it != jobs_.end();) {
        it = it->cancellable ? jobs_.erase(it) : it + 1;
    }
}

app_progress app_worker::progress() const {
    std::lock_guard<std::mutex> lock(mu_);
    app_progress p;
    p.busy        = running_ || !jobs_.empty();
    p.label       = running_ ? label_ : std::string();
    p.done        = done_;
    p.total       = total_;
    p.item        = item_;
    p.cancellable = running_ && running_cancellable_;
    p.queued      = (int32_t) jobs_.size();
    return p;
}

bool app_worker::idle() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !running_ && jobs_.empty() && finished_.empty();
}

void app_worker::post(app_done done) {
    if (!done) {
        return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(std::move(done));
}

bool app_worker::report(int64_t done, int64_t total, const std::string & item) {
    std::lock_guard<std::mutex> lock(mu_);
    done_  = done;
    total_ = total;
    item_  = item;
    return !cancel_;
}

void app_worker::loop() {
    for (;;) {
        job j;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
            if (stop_) {
                return;
            }
            j = std::move(jobs_.front());
            jobs_.pop_front();
            running_             = true;
            running_cancellable_ = j.cancellable;
            cancel_              = false;
            label_               = j.label;
            done_                = 0;
            total_               = 0;
            item_.clear();
        }
        app_done d = j.fn(session_, *this);
        std::lock_guard<std::mutex> lock(mu_);
        if (d) {
            finished_.push_back(std::move(d));
        }
        running_ = false;
    }
}
