/* chevet-preferences-window.h: the workstation's preferences, over GSettings
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_PREFERENCES_WINDOW (chevet_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPreferencesWindow, chevet_preferences_window, CHEVET, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *chevet_preferences_window_new          (GtkWindow               *parent,
                                                   GSettings               *settings);
GSettings *chevet_preferences_window_get_settings (ChevetPreferencesWindow *self);
void       chevet_preferences_window_set_session  (ChevetPreferencesWindow *self,
                                                   ChevetSession           *session);
/* TRUE while server settings are being read or saved. */
gboolean   chevet_preferences_window_get_server_busy (ChevetPreferencesWindow *self);
/* What the last "Test Connection" said, or NULL (none shown). */
const char *chevet_preferences_window_get_test_result (ChevetPreferencesWindow *self);

GtkWindow *chevet_preferences_window_get_reset_confirmation (ChevetPreferencesWindow *self);

G_END_DECLS
