// Progress reporting for long operations (batches of images, anchors for many findings,
// evaluation runs). The core calls it; front ends draw a bar, a status line or nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

struct progress_event {
    const char * stage = "";  // "images", "anchors", "load", ...
    int64_t      done  = 0;   // items finished so far
    int64_t      total = 0;   // items in all (0 if unknown)
    std::string  item;        // what was just finished (a file name, a finding id), may be empty
};

// Returns false to ask the operation to stop early (it then fails with "cancelled").
using progress_fn = std::function<bool(const progress_event & ev)>;

// Calls `fn` if set; true (go on) when unset.
inline bool progress_report(const progress_fn & fn, const char * stage, int64_t done, int64_t total,
                            const std::string & item = std::string()) {
    if (!fn) {
        return true;
    }
    progress_event ev;
    ev.stage = stage;
    ev.done  = done;
    ev.total = total;
    ev.item  = item;
    return fn(ev);
}
