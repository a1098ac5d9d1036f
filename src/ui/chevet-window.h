/* chevet-window.h: the main window, from unlock to the patient list and the chart
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-auto-lock.h"
#include "chevet-session.h"
#include "chevet-tutorial.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_WINDOW (chevet_window_get_type ())
G_DECLARE_FINAL_TYPE (ChevetWindow, chevet_window, CHEVET, WINDOW, AdwApplicationWindow)

ChevetWindow  *chevet_window_new              (GtkApplication *application,
                                               ChevetSession  *session,
                                               GSettings      *settings);
ChevetSession *chevet_window_get_session      (ChevetWindow   *self);
const char    *chevet_window_get_visible_page (ChevetWindow   *self);
GtkWindow     *chevet_window_get_outbox_window (ChevetWindow  *self);
GtkWindow     *chevet_window_get_audit_window  (ChevetWindow  *self);
gboolean       chevet_window_get_syncing      (ChevetWindow   *self);
ChevetAutoLock *chevet_window_get_auto_lock   (ChevetWindow   *self);
GtkWidget     *chevet_window_get_tutorial_overlay (ChevetWindow *self);
GtkWindow     *chevet_window_get_training_hub     (ChevetWindow *self);
GtkWindow     *chevet_window_get_tutorial_summary (ChevetWindow *self);

/* What the trainee did, for the running tutorial of the ChevetWindow @widget is in (or
 * whose dialog it is in); nothing when no tutorial runs. One line at each place the
 * tutorials wait for: a search, a chart shown, a section, an action. */
void           chevet_window_report           (GtkWidget           *widget,
                                               ChevetTutorialEvent  event,
                                               const char          *value);

G_END_DECLS
