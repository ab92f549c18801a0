// radz-app: what the app starts with (the command line, $RADZ_MODEL, the settings remembered from
// the last run, the shipped model) and what it remembers when it ends (app_settings.h). The test
// mode neither reads nor writes the settings.
#pragma once

#include "app_args.h"
#include "app_state.h"

#include <SDL.h>

// Sets a's test mode, the radz CLI's path, the settings and the modality of the images opened
// next; returns the session to open: --model, $RADZ_MODEL, the last one used, the shipped one.
app_session_options app_launch_options(app_state & a, const app_args & args);

// Opens the model and, queued behind it in this order through the same code as the menus, the
// images, the anchor table, the findings and the parity file of the command line; opens the
// windows named by --show.
void app_launch_open(app_state & a, const app_args & args, const app_session_options & opt);

// Saves the settings (window, modality, provider, model) unless in test mode.
void app_launch_remember(app_state & a, SDL_Window * window);
