/* chevet-auto-lock.c: lock the session after a delay without input, or with the screensaver
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Activity is input a person gives: a key press, a click or touch, pointer motion or a
 * scroll, in any of the program's windows (dialogs, the outbox and preferences
 * included). Every toplevel gets one GtkEventControllerLegacy in the capture phase, so
 * it sees each event before any widget can stop it, and lets it go on. Nothing else
 * counts: a long sync, a chart loading or a toast are not a person at the keyboard.
 *
 * Time is read from a clock that counts suspended time (CLOCK_BOOTTIME on Linux): a
 * laptop closed for an hour comes back idle for an hour, and locks at the next check.
 * The check runs every CHECK_SECONDS while the session is unlocked, and reads the delay
 * ("auto-lock-minutes") each time, so a change in Preferences applies at once. Tests
 * replace the clock and call chevet_auto_lock_check () themselves: no test sleeps.
 *
 * The desktop's screensaver or lock screen (GtkApplication:screensaver-active, which
 * GTK tracks only for an application with register-session) locks at once.
 */
#define G_LOG_DOMAIN "chevet-auto-lock"

#include "config.h"

#include <time.h>

#include "chevet-auto-lock.h"

/* How often the idle time is compared with the delay: a lock comes at most this late. */
#define CHECK_SECONDS 5

struct _ChevetAutoLock
{
  GObject              parent_instance;

  ChevetSession       *session;
  GSettings           *settings;
  GtkApplication      *application;
  GListModel          *toplevels;
  char                *data_key;   /* where each window keeps this lock's controller */

  ChevetAutoLockClock  clock;
  gpointer             clock_data;
  gint64               last_activity;
  guint                check_id;
};

G_DEFINE_FINAL_TYPE (ChevetAutoLock, chevet_auto_lock, G_TYPE_OBJECT)

static gint64
real_clock (gpointer user_data)
{
#ifdef CLOCK_BOOTTIME
  struct timespec now;

  if (clock_gettime (CLOCK_BOOTTIME, &now) == 0)
    return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
#endif
  return g_get_monotonic_time ();
}

static gint64
now (ChevetAutoLock *self)
{
  return self->clock (self->clock_data);
}

static gboolean
on_check (gpointer data)
{
  chevet_auto_lock_check (CHEVET_AUTO_LOCK (data));
  return G_SOURCE_CONTINUE;
}

/* The check runs only while there is something to lock. */
static void
on_session_unlocked (ChevetAutoLock *self)
{
  if (chevet_session_get_unlocked (self->session))
    {
      self->last_activity = now (self);
      if (self->check_id == 0)
        {
          self->check_id = g_timeout_add_seconds (CHECK_SECONDS, on_check, self);
          g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->check_id),
                                    "[chevet] auto-lock check");
        }
    }
  else
    g_clear_handle_id (&self->check_id, g_source_remove);
}

static gboolean
on_event (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          ChevetAutoLock           *self)
{
  GdkEventType type = gdk_event_get_event_type (event);

  /* Not crossing, focus or configure events: a window appearing under a still pointer
   * is not someone at the workstation. */
  if (type == GDK_KEY_PRESS || type == GDK_BUTTON_PRESS || type == GDK_MOTION_NOTIFY ||
      type == GDK_SCROLL || type == GDK_TOUCH_BEGIN || type == GDK_TOUCH_UPDATE ||
      type == GDK_TOUCHPAD_SWIPE || type == GDK_TOUCHPAD_PINCH || type == GDK_TOUCHPAD_HOLD)
    chevet_auto_lock_note_activity (self);
  return GDK_EVENT_PROPAGATE;
}

static void
watch_window (ChevetAutoLock *self,
              GtkWindow      *window)
{
  GtkEventController *controller;

  if (g_object_get_data (G_OBJECT (window), self->data_key) != NULL)
    return;
  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_name (controller, "chevet-auto-lock");
  g_signal_connect_object (controller, "event", G_CALLBACK (on_event), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), controller);
  g_object_set_data (G_OBJECT (window), self->data_key, controller);
}

/* New windows (a dialog opening) get their controller as they appear. */
static void
on_toplevels_changed (ChevetAutoLock *self)
{
  guint n = g_list_model_get_n_items (self->toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (self->toplevels, i);

      watch_window (self, window);
    }
}

static void
unwatch_windows (ChevetAutoLock *self)
{
  guint n = g_list_model_get_n_items (self->toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (self->toplevels, i);
      GtkEventController *controller = g_object_get_data (G_OBJECT (window), self->data_key);

      if (controller != NULL)
        {
          gtk_widget_remove_controller (GTK_WIDGET (window), controller);
          g_object_set_data (G_OBJECT (window), self->data_key, NULL);
        }
    }
}

static void
on_screensaver_active (ChevetAutoLock *self)
{
  gboolean active = FALSE;

  g_object_get (self->application, "screensaver-active", &active, NULL);
  if (active && chevet_session_get_unlocked (self->session))
    {
      g_debug ("the screensaver started: locking");
      chevet_session_lock_for_reason (self->session, "screensaver");
    }
}

void
chevet_auto_lock_set_application (ChevetAutoLock *self,
                                  GtkApplication *application)
{
  g_return_if_fail (CHEVET_IS_AUTO_LOCK (self));
  g_return_if_fail (application == NULL || GTK_IS_APPLICATION (application));

  if (self->application == application)
    return;
  if (self->application != NULL)
    g_signal_handlers_disconnect_by_func (self->application, on_screensaver_active, self);
  g_set_object (&self->application, application);
  if (application != NULL)
    g_signal_connect_object (application, "notify::screensaver-active",
                             G_CALLBACK (on_screensaver_active), self, G_CONNECT_SWAPPED);
}

void
chevet_auto_lock_note_activity (ChevetAutoLock *self)
{
  g_return_if_fail (CHEVET_IS_AUTO_LOCK (self));
  self->last_activity = now (self);
}

gint64
chevet_auto_lock_get_idle_time (ChevetAutoLock *self)
{
  g_return_val_if_fail (CHEVET_IS_AUTO_LOCK (self), 0);
  return now (self) - self->last_activity;
}

gboolean
chevet_auto_lock_check (ChevetAutoLock *self)
{
  guint minutes;

  g_return_val_if_fail (CHEVET_IS_AUTO_LOCK (self), FALSE);

  if (!chevet_session_get_unlocked (self->session))
    return FALSE;
  /* The schema keeps it in 1–60; a value from elsewhere is held to that too. */
  minutes = CLAMP (g_settings_get_uint (self->settings, "auto-lock-minutes"), 1, 60);
  if (chevet_auto_lock_get_idle_time (self) < (gint64) minutes * 60 * G_USEC_PER_SEC)
    return FALSE;
  g_debug ("no activity for %u minutes: locking", minutes);
  chevet_session_lock_for_reason (self->session, "idle");
  return TRUE;
}

void
chevet_auto_lock_set_clock_for_testing (ChevetAutoLock      *self,
                                        ChevetAutoLockClock  clock,
                                        gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_AUTO_LOCK (self));

  self->clock = clock != NULL ? clock : real_clock;
  self->clock_data = clock != NULL ? user_data : NULL;
  /* Idle from now on the new clock, as at unlock. */
  self->last_activity = now (self);
}

static void
chevet_auto_lock_dispose (GObject *object)
{
  ChevetAutoLock *self = (ChevetAutoLock *) object;

  g_clear_handle_id (&self->check_id, g_source_remove);
  if (self->toplevels != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->toplevels, on_toplevels_changed, self);
      unwatch_windows (self);
      self->toplevels = NULL;  /* GTK's own, not ours */
    }
  chevet_auto_lock_set_application (self, NULL);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (chevet_auto_lock_parent_class)->dispose (object);
}

static void
chevet_auto_lock_finalize (GObject *object)
{
  ChevetAutoLock *self = (ChevetAutoLock *) object;

  g_free (self->data_key);

  G_OBJECT_CLASS (chevet_auto_lock_parent_class)->finalize (object);
}

static void
chevet_auto_lock_class_init (ChevetAutoLockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chevet_auto_lock_dispose;
  object_class->finalize = chevet_auto_lock_finalize;
}

static void
chevet_auto_lock_init (ChevetAutoLock *self)
{
  self->clock = real_clock;
  self->data_key = g_strdup_printf ("chevet-auto-lock-%p", (void *) self);
}

ChevetAutoLock *
chevet_auto_lock_new (ChevetSession *session,
                      GSettings     *settings)
{
  ChevetAutoLock *self;

  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CHEVET_TYPE_AUTO_LOCK, NULL);
  self->session = g_object_ref (session);
  self->settings = g_object_ref (settings);
  self->last_activity = now (self);

  self->toplevels = gtk_window_get_toplevels ();
  g_signal_connect_object (self->toplevels, "items-changed",
                           G_CALLBACK (on_toplevels_changed), self, G_CONNECT_SWAPPED);
  on_toplevels_changed (self);

  g_signal_connect_object (session, "notify::unlocked",
                           G_CALLBACK (on_session_unlocked), self, G_CONNECT_SWAPPED);
  on_session_unlocked (self);
  return self;
}
