/* chevet-auto-lock.h: lock the session after a delay without input, or with the screensaver
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_AUTO_LOCK (chevet_auto_lock_get_type ())
G_DECLARE_FINAL_TYPE (ChevetAutoLock, chevet_auto_lock, CHEVET, AUTO_LOCK, GObject)

/* Microseconds on a clock that never goes back and counts suspended time. */
typedef gint64 (*ChevetAutoLockClock) (gpointer user_data);

ChevetAutoLock *chevet_auto_lock_new                   (ChevetSession       *session,
                                                        GSettings           *settings);
/* Follows @application's screensaver-active (NULL: none). */
void            chevet_auto_lock_set_application       (ChevetAutoLock      *self,
                                                        GtkApplication      *application);
/* A key press, click, pointer motion or scroll in any window: what the controllers call. */
void            chevet_auto_lock_note_activity         (ChevetAutoLock      *self);
/* Locks the session when it has been idle for the delay; TRUE when it locked. The
 * periodic check calls it; tests call it after moving their clock. */
gboolean        chevet_auto_lock_check                 (ChevetAutoLock      *self);
/* Microseconds since the last activity, on the lock's clock. */
gint64          chevet_auto_lock_get_idle_time         (ChevetAutoLock      *self);
/* Tests drive time: @clock replaces the real one (NULL restores it). */
void            chevet_auto_lock_set_clock_for_testing (ChevetAutoLock      *self,
                                                        ChevetAutoLockClock  clock,
                                                        gpointer             user_data);

G_END_DECLS
