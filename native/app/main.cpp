// radz-app: the desktop app. One SDL2 window drawn with Dear ImGui (OpenGL 3): a list of opened
// images, the selected one as a zoomable texture, every finding as a bar with its probability,
// findings added/edited/removed and anchor tables saved/loaded, the execution provider chooser,
// batches with progress and cancel, results export and a parity view against results files from
// the web page or the CLI. Inference runs on a worker thread (app_worker.h).
//
// Test mode (--screenshot/--results/--layout): opens the images given with --image, renders
// until they are classified, writes a screenshot, the results document and the layout of the
// image and the bars as JSON, and exits. See docs/app.md.
//
// This file: the window, the event loop and the shut-down. The state and what acts on it:
// app_state.h; the panels and windows: app_*_panel.cpp, app_*_window.cpp, app_findings_editor.cpp,
// app_providers.cpp, app_parity.cpp, app_frame.cpp; the command line: app_args.h; start-up and
// settings: app_launch.h; the test mode: app_test_mode.h.
#include "app_args.h"
#include "app_launch.h"
#include "app_state.h"
#include "app_test_mode.h"

#include <SDL.h>
#include <SDL_opengl.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

int main(int argc, char ** argv) {
    app_args args;
    if (const int rc = app_args_parse(argc, argv, &args); rc >= 0) {
        return rc;
    }
    app_state                 a;
    const app_session_options opt = app_launch_options(a, args);

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
    app_launch_open(a, args, opt);

    bool         quit      = false;
    int          exit_code = 0;
    const auto   t_start   = std::chrono::steady_clock::now();
    auto         t_frame   = t_start;
    app_test_run test;
    app_test_mode_start(a, args, t_start, &test);
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

        if (a.test_mode && app_test_mode_frame(a, args, test, fb_w, fb_h, &exit_code)) {
            quit = true;
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

    app_launch_remember(a, window);
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
