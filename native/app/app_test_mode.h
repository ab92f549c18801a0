// radz-app: the test mode (--screenshot, --results, --layout: docs/app.md): renders until the
// images are classified, takes the actions asked for (--switch-ep, --child-ep) one at a time,
// writes the files asked for and ends the run.
#pragma once

#include "app_args.h"
#include "app_state.h"

#include <chrono>
#include <functional>
#include <vector>

struct app_test_run {
    std::vector<std::function<void()>> after_ready;  // actions, each once everything before it has finished
    size_t next_action  = 0;
    int    ready_frames = 0;  // frames in a row with nothing left to do
    std::chrono::steady_clock::time_point t_start;
};

// The actions of --switch-ep and --child-ep, in this order; t_start: when the main loop started.
void app_test_mode_start(app_state & a, const app_args & args, std::chrono::steady_clock::time_point t_start,
                         app_test_run * t);

// After each frame drawn (a framebuffer of fb_w x fb_h): takes the next action once ready; a few
// frames after everything is done (or after 600 s) writes the screenshot, the results, the anchor
// table and the layout asked for and returns true, with *exit_code 1 when anything failed.
bool app_test_mode_frame(app_state & a, const app_args & args, app_test_run & t, int32_t fb_w, int32_t fb_h,
                         int * exit_code);
