/* chevet-preferences-window.c: the workstation's preferences, over GSettings
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placeholder: being written (issue 3).
 */
#define G_LOG_DOMAIN "chevet-preferences"

#include "config.h"

#include "chevet-preferences-window.h"

struct _ChevetPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (ChevetPreferencesWindow, chevet_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
chevet_preferences_window_class_init (ChevetPreferencesWindowClass *klass)
{
}

static void
chevet_preferences_window_init (ChevetPreferencesWindow *self)
{
}

GtkWidget *
chevet_preferences_window_new (GtkWindow *parent,
                               GSettings *settings)
{
  return g_object_new (CHEVET_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
}
