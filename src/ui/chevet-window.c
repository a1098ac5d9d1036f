/* chevet-window.c: the main window, from unlock to the patient list and the chart
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One stack, three pages: "missing" (no workspace at the path yet), "unlock" and
 * "patients". The window follows the session's unlocked property: locking, from the
 * button, Ctrl+L or anywhere else, resets the patients page, clears the chart and shows
 * the unlock page.
 *
 * "patients" is a leaflet: the patient list as a sidebar, then the chart pane (a
 * ChevetChartView, or "No Patient Selected"). In a narrow window the leaflet folds and
 * shows one pane at a time; opening a patient then goes to the chart pane, whose header
 * has a back button. win.print and win.export-pdf follow the chart view's "chart": they
 * are enabled only while a chart is shown.
 *
 * A training workspace (the session says so at unlock) looks different: the training
 * marker above the list and in the chart header, "Chevet — Training" as the title, no
 * sync, and a Tutorials button (win.show-tutorials) opening the training hub. One
 * tutorial runs at a time, its ChevetTutorialOverlay over the stack; the workstation
 * reports what the trainee does through chevet_window_report(), and the progress is
 * saved through the session at each step, per account.
 */
#define G_LOG_DOMAIN "chevet-window"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chevet-auto-lock.h"
#include "chevet-break-glass-page.h"
#include "chevet-chart.h"
#include "chevet-chart-print.h"
#include "chevet-chart-view.h"
#include "chevet-audit-window.h"
#include "chevet-outbox-window.h"
#include "chevet-patient.h"
#include "chevet-patients-page.h"
#include "chevet-store.h"
#include "chevet-sync.h"
#include "chevet-training-hub.h"
#include "chevet-training-marker.h"
#include "chevet-tutorial-overlay.h"
#include "chevet-tutorial-summary.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

struct _ChevetWindow
{
  AdwApplicationWindow  parent_instance;

  ChevetSession        *session;
  GSettings            *settings;
  ChevetAutoLock       *auto_lock;

  /* Where the account was when the session locked, to return there if the same account
   * unlocks: the account name, the chart's Patient resource id (never a name), its
   * section. Forgotten when another account unlocks. */
  char                 *unlocked_account;
  char                 *resume_account;
  char                 *resume_patient_id;
  char                 *resume_section;
  char                 *open_patient_id;  /* the chart last opened while unlocked */

  GtkFileChooserNative *export_chooser;
  GtkWidget            *outbox_window;
  GtkWidget            *audit_window;
  AdwToast             *toast;
  gboolean              sync_running;  /* a run this window started, not back yet */

  /* Training: the tutorials (loaded once), the hub, the running tutorial's overlay and
   * the account it runs for, the summary of the last one finished. */
  GCancellable         *cancellable;
  GPtrArray            *tutorials;
  GtkWidget            *hub;
  GtkWidget            *tutorial_overlay;
  char                 *tutorial_account;
  GtkWidget            *summary;
  guint                 tutorial_serial;  /* a start still reading: dropped if it moved on */

  AdwToastOverlay      *toast_overlay;
  GtkOverlay           *tutorial_box;
  GtkStack             *stack;
  AdwStatusPage        *missing_page;
  GtkLabel             *command_label;
  GtkButton            *retry_button;
  ChevetUnlockPage     *unlock_page;
  AdwLeaflet           *leaflet;
  ChevetPatientsPage   *patients_page;
  GtkWidget            *chart_pane;
  AdwHeaderBar         *chart_header_bar;
  AdwWindowTitle       *chart_title;
  GtkButton            *back_button;
  GtkButton            *print_button;
  GtkWidget            *chart_marker;
  GtkStack             *chart_stack;
  AdwStatusPage        *no_patient_page;
  ChevetChartView      *chart_view;
  ChevetBreakGlassPage *break_glass_page;

  const char           *page;  /* interned */
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  PROP_VISIBLE_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetWindow, chevet_window, ADW_TYPE_APPLICATION_WINDOW)

static void
update_missing_page (ChevetWindow *self)
{
  const char *path = chevet_session_get_path (self->session);
  g_autofree char *default_path = chevet_store_dup_default_path ("clinic");
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *quoted = g_shell_quote (display);
  g_autofree char *escaped = g_markup_printf_escaped ("<b>%s</b>", display);
  g_autofree char *description = NULL;
  g_autofree char *command = NULL;
  /* Translators: stands for the clinician's account name in a command line */
  const char *name = _("NAME");

  /* Translators: %s is a folder */
  description = g_strdup_printf (_("Chevet keeps patient records encrypted in a workspace, and there is none in %s yet. Create one in a terminal, then try again."),
                                 escaped);
  adw_status_page_set_description (self->missing_page, description);

  if (g_strcmp0 (path, default_path) == 0)
    command = g_strdup_printf ("chevet-cli init --account %s", name);
  else
    command = g_strdup_printf ("chevet-cli init --workspace %s --account %s", quoted, name);
  gtk_label_set_label (self->command_label, command);
}

/* Chart pane */

static void
update_chart_actions (ChevetWindow *self)
{
  gboolean shown = chevet_session_get_unlocked (self->session) &&
                   chevet_chart_view_get_chart (self->chart_view) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.print", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-pdf", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-section", shown);
}

static void
update_chart_title (ChevetWindow *self)
{
  ChevetChart *chart = chevet_chart_view_get_chart (self->chart_view);
  const char *name = NULL;

  if (chart != NULL && chart->patient != NULL)
    name = chevet_patient_get_display_name (chart->patient);
  else if (chevet_break_glass_page_get_patient_id (self->break_glass_page) != NULL)
    name = _("Restricted Record");
  adw_window_title_set_title (self->chart_title, name != NULL ? name : _("Chart"));
}

static void
on_chart_view_chart_changed (ChevetWindow *self)
{
  update_chart_title (self);
  update_chart_actions (self);
  /* The session recorded the opening: the recent patients changed. */
  if (chevet_chart_view_get_chart (self->chart_view) != NULL)
    chevet_patients_page_refresh_recent (self->patients_page);
}

static void
show_toast (ChevetWindow *self,
            const char   *title)
{
  if (self->toast != NULL)
    adw_toast_dismiss (self->toast);
  g_clear_object (&self->toast);
  self->toast = adw_toast_new (title);
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->toast));
}

static void
close_export_chooser (ChevetWindow *self)
{
  if (self->export_chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->export_chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
  g_clear_object (&self->export_chooser);
}

static void
close_outbox_window (ChevetWindow *self)
{
  if (self->outbox_window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->outbox_window)));
}

/* The audit view shows patient names: it never outlives the lock. */
static void
close_audit_window (ChevetWindow *self)
{
  if (self->audit_window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->audit_window)));
}

/* Back to the list and no patient: on lock, before anything else is shown. The note
 * and vitals dialogs go with the chart (chevet_chart_view_clear wipes them). */
static void
clear_chart (ChevetWindow *self)
{
  close_export_chooser (self);
  close_outbox_window (self);
  close_audit_window (self);
  if (self->toast != NULL)
    adw_toast_dismiss (self->toast);
  g_clear_object (&self->toast);
  chevet_chart_view_clear (self->chart_view);
  /* A reason typed and not yet used goes too; the session forgot the reasons given. */
  chevet_break_glass_page_clear (self->break_glass_page);
  gtk_stack_set_visible_child_name (self->chart_stack, "empty");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->patients_page));
  update_chart_title (self);
  update_chart_actions (self);
}

static char *
dup_print_footer (ChevetWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* Translators: when a chart summary was printed; see g_date_time_format() */
  g_autofree char *when = g_date_time_format (now, _("%-d %b %Y %H:%M"));

  /* Translators: a printed page's footer: workspace · account · date and time */
  return g_strdup_printf (_("%s · %s · %s"),
                          chevet_session_get_workspace_name (self->session),
                          chevet_session_get_account (self->session),
                          when);
}

static ChevetChartPrintFlags
print_flags (ChevetWindow *self)
{
  return chevet_session_get_training (self->session) ? CHEVET_CHART_PRINT_TRAINING : CHEVET_CHART_PRINT_NONE;
}

static void
show_chart_pane (ChevetWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->chart_pane);
  /* Folded, the list (and the focus in it) just went away. */
  if (adw_leaflet_get_folded (self->leaflet))
    gtk_widget_child_focus (self->chart_pane, GTK_DIR_TAB_FORWARD);
}

/* The one way an unrestricted chart opens: from the list, or back where the account was
 * at unlock. A restricted chart opened through the barrier is not remembered for the
 * return after unlock: its access ended with the lock. */
static void
open_chart (ChevetWindow *self,
            const char   *patient_id)
{
  g_debug ("opening the chart of patient %s", patient_id);
  g_free (self->open_patient_id);
  self->open_patient_id = g_strdup (patient_id);
  chevet_break_glass_page_clear (self->break_glass_page);
  chevet_chart_view_load (self->chart_view, patient_id);
  gtk_stack_set_visible_child_name (self->chart_stack, "chart");
  show_chart_pane (self);
}

static void
on_patients_page_patient_activated (ChevetWindow  *self,
                                    ChevetPatient *patient)
{
  const char *id = chevet_patient_get_id (patient);

  /* A restricted record shows the barrier instead: nothing of the chart is read until a
   * reason is given (the session refuses it too), and the chart shown before goes. */
  if (chevet_patient_is_restricted (patient) && !chevet_session_has_access (self->session, id))
    {
      g_debug ("patient %s is restricted: asking for a reason", id);
      g_clear_pointer (&self->open_patient_id, g_free);
      chevet_chart_view_clear (self->chart_view);
      chevet_break_glass_page_set_patient (self->break_glass_page, patient);
      gtk_stack_set_visible_child_name (self->chart_stack, "restricted");
      update_chart_title (self);
      update_chart_actions (self);
      show_chart_pane (self);
      return;
    }
  if (chevet_patient_is_restricted (patient))
    {
      /* Access granted earlier in this unlock: open, but never resume after a lock. */
      open_chart (self, id);
      g_clear_pointer (&self->open_patient_id, g_free);
      return;
    }
  open_chart (self, id);
}

static void
on_break_glass_page_open (ChevetWindow *self,
                          const char   *patient_id,
                          const char   *category,
                          const char   *reason)
{
  g_autofree char *id = g_strdup (patient_id);

  g_debug ("opening the restricted chart of patient %s with a reason", id);
  g_clear_pointer (&self->open_patient_id, g_free);
  chevet_chart_view_load_with_reason (self->chart_view, id, category, reason);
  chevet_break_glass_page_clear (self->break_glass_page);
  gtk_stack_set_visible_child_name (self->chart_stack, "chart");
  update_chart_title (self);
}

static void
on_break_glass_page_cancel (ChevetWindow *self)
{
  chevet_break_glass_page_clear (self->break_glass_page);
  gtk_stack_set_visible_child_name (self->chart_stack, "empty");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->patients_page));
  update_chart_title (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->patients_page));
}

/* Reads the chart shown again, after a commit that may change it. A chart still loading
 * is read again too: its read may have run before the commit. */
static void
reload_chart (ChevetWindow *self)
{
  if (chevet_chart_view_get_chart (self->chart_view) != NULL ||
      chevet_chart_view_get_loading (self->chart_view))
    gtk_widget_activate_action (GTK_WIDGET (self->chart_view), "chart.reload", NULL);
}

static void
on_chart_view_outbox_changed (ChevetWindow *self,
                              const char   *message)
{
  show_toast (self, message);
  chevet_patients_page_refresh_outbox (self->patients_page);
  if (self->outbox_window != NULL)
    chevet_outbox_window_reload (CHEVET_OUTBOX_WINDOW (self->outbox_window));
}

static void
on_outbox_window_destroy (ChevetWindow *self,
                          GtkWidget    *window)
{
  if (self->outbox_window == window)
    self->outbox_window = NULL;
}

/* A person chose between the two versions of a conflict: the chart and the count show
 * what is now true (the server's version, or mine waiting again). */
static void
on_conflict_resolved (ChevetWindow *self)
{
  chevet_patients_page_refresh_outbox (self->patients_page);
  reload_chart (self);
}

static void
show_outbox_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  if (!chevet_session_get_unlocked (self->session))
    return;
  if (self->outbox_window == NULL)
    {
      self->outbox_window = chevet_outbox_window_new (GTK_WINDOW (self), self->session);
      g_signal_connect_object (self->outbox_window, "destroy", G_CALLBACK (on_outbox_window_destroy),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->outbox_window, "conflict-resolved", G_CALLBACK (on_conflict_resolved),
                               self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (GTK_WINDOW (self->outbox_window));
  chevet_window_report (widget, CHEVET_TUTORIAL_EVENT_ACTION, "win.show-outbox");
}

static void
on_audit_window_destroy (ChevetWindow *self,
                         GtkWidget    *window)
{
  if (self->audit_window == window)
    self->audit_window = NULL;
}

/* The audit trail: administrators only (the action is disabled for every other role, and
 * the session refuses the reads on the worker anyway). */
static gboolean
can_read_audit (ChevetWindow *self)
{
  return chevet_session_get_unlocked (self->session) &&
         chevet_session_get_role (self->session) == CHEVET_ROLE_ADMINISTRATOR;
}

static void
show_audit_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  if (!can_read_audit (self))
    return;
  if (self->audit_window == NULL)
    {
      self->audit_window = chevet_audit_window_new (GTK_WINDOW (self), self->session);
      g_signal_connect_object (self->audit_window, "destroy", G_CALLBACK (on_audit_window_destroy),
                               self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (GTK_WINDOW (self->audit_window));
}

/* win.sync: a run of the sync engine on its own connection (ChevetSession), its
 * progress in the patients page, then the list, the chart and the outbox read again.
 * Failures are a toast saying what to do; never a patient value (the engine's messages
 * carry none). */

static void update_sync_actions (ChevetWindow *self);

static void
show_toast_with_button (ChevetWindow *self,
                        const char   *title,
                        const char   *button_label,
                        const char   *action_name)
{
  show_toast (self, title);
  adw_toast_set_button_label (self->toast, button_label);
  adw_toast_set_action_name (self->toast, action_name);
  adw_toast_set_timeout (self->toast, 10);
}

static void
show_sync_error (ChevetWindow *self,
                 const GError *error)
{
  g_autofree char *text = NULL;

  if (error->domain != CHEVET_SYNC_ERROR)
    {
      /* Translators: %s says why (a local failure, never a patient value) */
      text = g_strdup_printf (_("Sync failed: %s"), error->message);
      show_toast (self, text);
      return;
    }
  switch ((ChevetSyncError) error->code)
    {
    case CHEVET_SYNC_ERROR_NO_NETWORK:
    case CHEVET_SYNC_ERROR_UNREACHABLE:
      chevet_patients_page_set_sync_offline (self->patients_page, TRUE);
      if (error->code == CHEVET_SYNC_ERROR_NO_NETWORK)
        show_toast (self, _("Offline: your notes are kept and will be sent later"));
      else
        {
          /* Translators: %s says which server and why, e.g. “The server … refused the connection” */
          text = g_strdup_printf (_("%s. Your notes are kept and will be sent later."), error->message);
          show_toast (self, text);
        }
      break;
    case CHEVET_SYNC_ERROR_CERTIFICATE:
      /* Translators: %s names the certificate problem */
      text = g_strdup_printf (_("%s. Check the clinic certificate in Preferences."), error->message);
      show_toast_with_button (self, text, _("Preferences"), "app.preferences");
      break;
    case CHEVET_SYNC_ERROR_CREDENTIALS:
      /* Translators: %s says the server refused the credentials */
      text = g_strdup_printf (_("%s. Check the access token in Preferences."), error->message);
      show_toast_with_button (self, text, _("Preferences"), "app.preferences");
      break;
    case CHEVET_SYNC_ERROR_NOT_CONFIGURED:
    case CHEVET_SYNC_ERROR_SETTINGS:
      text = g_strdup_printf (_("%s. Set the server in Preferences."), error->message);
      show_toast_with_button (self, text, _("Preferences"), "app.preferences");
      break;
    case CHEVET_SYNC_ERROR_SERVER:
      text = g_strdup_printf (_("%s. Try again later."), error->message);
      show_toast (self, text);
      break;
    case CHEVET_SYNC_ERROR_INVALID_DATA:
    case CHEVET_SYNC_ERROR_NOT_SUPPORTED:
      text = g_strdup_printf (_("%s. Contact your IT support."), error->message);
      show_toast (self, text);
      break;
    case CHEVET_SYNC_ERROR_TRAINING:
      show_toast (self, error->message);
      break;
    case CHEVET_SYNC_ERROR_FAILED:
    default:
      text = g_strdup_printf (_("Sync failed: %s"), error->message);
      show_toast (self, text);
      break;
    }
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChevetWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = chevet_session_sync_finish (CHEVET_SESSION (source), result, &error);

  /* Locked meanwhile (the lock already cleared everything), or the window is going. */
  if (!self->sync_running)
    return;
  self->sync_running = FALSE;
  chevet_patients_page_set_sync (self->patients_page, NULL);
  update_sync_actions (self);
  if (!chevet_session_get_unlocked (self->session))
    return;

  /* Whatever happened, what was committed is in the cache now: read it again. */
  chevet_patients_page_reload (self->patients_page);
  reload_chart (self);
  if (self->outbox_window != NULL)
    chevet_outbox_window_reload (CHEVET_OUTBOX_WINDOW (self->outbox_window));

  if (ok)
    {
      ChevetSync *sync = chevet_session_get_sync (self->session);

      chevet_patients_page_set_sync_offline (self->patients_page, FALSE);
      /* the data are synced; only the audit trail is late, and the next sync retries */
      if (sync != NULL && chevet_sync_get_audit_warning (sync) != NULL)
        show_toast (self, _("Records synced, but the audit trail could not be sent; the next sync tries again"));
      else
        show_toast (self, _("Records synced"));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (self, _("Sync cancelled; the next one goes on from there"));
  else
    {
      g_debug ("sync failed: %s code %d", g_quark_to_string (error->domain), error->code);
      show_sync_error (self, error);
    }
}

static void
sync_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  if (!chevet_session_get_unlocked (self->session) || chevet_session_get_syncing (self->session))
    return;
  self->sync_running = TRUE;
  chevet_session_sync_async (self->session, on_sync_done, g_object_ref (self));
  chevet_patients_page_set_sync (self->patients_page, chevet_session_get_sync (self->session));
  update_sync_actions (self);
}

static void
cancel_sync_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  if (self->sync_running)
    chevet_session_cancel_sync (self->session);
}

static void
update_sync_actions (ChevetWindow *self)
{
  gboolean unlocked = chevet_session_get_unlocked (self->session);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync",
                                 unlocked && chevet_session_get_server_configured (self->session)
                                 && !chevet_session_get_training (self->session)
                                 && !chevet_session_get_syncing (self->session));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-sync", unlocked && self->sync_running);
}

/* Whether a sync this window started is running (for tests and tutorials). */
gboolean
chevet_window_get_syncing (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), FALSE);
  return self->sync_running;
}

/* Ctrl+N and Ctrl+Shift+V wherever the focus is, as Alt+1…7 (the chart view's own keys
 * work only inside it). */
static gboolean
chart_shortcut (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);
  const char *action = g_variant_get_string (args, NULL);

  if (chevet_chart_view_get_chart (self->chart_view) == NULL)
    return FALSE;
  return gtk_widget_activate_action (GTK_WIDGET (self->chart_view), action, NULL);
}

/* The audit window while it is open (for tests). */
GtkWindow *
chevet_window_get_audit_window (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return (GtkWindow *) self->audit_window;
}

/* The outbox window while it is open (for tests and tutorials). */
GtkWindow *
chevet_window_get_outbox_window (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return (GtkWindow *) self->outbox_window;
}

static void
on_back_button_clicked (ChevetWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->patients_page));
  /* Unfolded (a tutorial shows the button then), the list is already in sight. */
  if (!adw_leaflet_get_folded (self->leaflet))
    chevet_patients_page_focus_search (self->patients_page);
}

/* Folded, or while a tutorial runs: a tutorial step points at it in any window size. */
static void
update_back_button (ChevetWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          adw_leaflet_get_folded (self->leaflet) || self->tutorial_overlay != NULL);
}

/* The patient list became the pane in sight (back button, Alt+←, a lock). */
static void
on_leaflet_visible_child (ChevetWindow *self)
{
  if (adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->patients_page))
    chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_SECTION, "list");
}

/* ------------------------------------------------------------------ training */

static void
update_training (ChevetWindow *self)
{
  gboolean training = chevet_session_get_training (self->session);

  gtk_window_set_title (GTK_WINDOW (self),
                        /* Translators: the window's title in a training workspace */
                        training ? _("Chevet — Training") : _("Chevet"));
  chevet_patients_page_set_training (self->patients_page, training);
  gtk_widget_set_visible (self->chart_marker, training);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-tutorials",
                                 training && chevet_session_get_unlocked (self->session));
}

static ChevetTutorialRun *
tutorial_run (ChevetWindow *self)
{
  if (self->tutorial_overlay == NULL)
    return NULL;
  return chevet_tutorial_overlay_get_run (CHEVET_TUTORIAL_OVERLAY (self->tutorial_overlay));
}

static void
on_progress_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Saved at a lock, the result comes back cancelled though it was written. */
  if (!chevet_session_save_tutorial_progress_finish (CHEVET_SESSION (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("A tutorial's progress could not be saved: %s code %d",
               g_quark_to_string (error->domain), error->code);
}

/* The running tutorial's progress, for the account it runs for, while that account
 * holds the workspace (locked, or someone else: nothing is written). */
static void
save_tutorial (ChevetWindow *self)
{
  ChevetTutorialRun *run = tutorial_run (self);
  g_autofree char *json = NULL;

  if (run == NULL || !chevet_session_get_unlocked (self->session) ||
      g_strcmp0 (chevet_session_get_account (self->session), self->tutorial_account) != 0)
    return;
  json = chevet_tutorial_run_save (run);
  /* No cancellable: the progress is written even if the window goes meanwhile. */
  chevet_session_save_tutorial_progress_async (self->session, self->tutorial_account,
                                               chevet_tutorial_get_id (chevet_tutorial_run_get_tutorial (run)),
                                               json, NULL, on_progress_saved, NULL);
}

static gboolean
drop_reference (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* Removes the running tutorial (not saved here). Its overlay may be the one emitting
 * (Quit, Finish): its last reference goes once that is over. */
static void
close_tutorial (ChevetWindow *self)
{
  GtkWidget *overlay = g_steal_pointer (&self->tutorial_overlay);

  if (overlay == NULL)
    return;
  g_debug ("tutorial %s closed",
           chevet_tutorial_get_id (chevet_tutorial_run_get_tutorial (chevet_tutorial_overlay_get_run (CHEVET_TUTORIAL_OVERLAY (overlay)))));
  g_signal_handlers_disconnect_by_data (overlay, self);
  g_object_ref (overlay);
  gtk_overlay_remove_overlay (self->tutorial_box, overlay);
  g_idle_add_full (G_PRIORITY_DEFAULT, drop_reference, overlay, NULL);
  g_clear_pointer (&self->tutorial_account, g_free);
  update_back_button (self);
}

static void
close_hub (ChevetWindow *self)
{
  if (self->hub != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->hub)));
}

static void
close_summary (ChevetWindow *self)
{
  if (self->summary != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->summary)));
}

static void
on_overlay_progress_changed (ChevetWindow *self)
{
  save_tutorial (self);
}

static void
on_overlay_quit (ChevetWindow *self)
{
  save_tutorial (self);
  close_tutorial (self);
}

static void
on_summary_destroy (ChevetWindow *self,
                    GtkWidget    *summary)
{
  if (self->summary == summary)
    self->summary = NULL;
}

static void
on_overlay_finished (ChevetWindow *self)
{
  g_autoptr(ChevetTutorialRun) run = g_object_ref (tutorial_run (self));
  g_autofree char *account = g_strdup (self->tutorial_account);

  save_tutorial (self);
  close_tutorial (self);
  close_summary (self);
  self->summary = GTK_WIDGET (chevet_tutorial_summary_new (GTK_WINDOW (self), run, account, NULL));
  g_signal_connect_object (self->summary, "destroy", G_CALLBACK (on_summary_destroy), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->summary));
}

static ChevetTutorial *
find_tutorial (ChevetWindow *self,
               const char   *id)
{
  for (guint i = 0; self->tutorials != NULL && i < self->tutorials->len; i++)
    if (g_strcmp0 (chevet_tutorial_get_id (g_ptr_array_index (self->tutorials, i)), id) == 0)
      return g_ptr_array_index (self->tutorials, i);
  return NULL;
}

/* Resumed past the step that opens the training patient's chart: the chart is opened
 * again (the list's own path, so recorded), at the last section a step asked for, so
 * the steps that point into it find their target. */
static void
resume_chart (ChevetWindow   *self,
              ChevetTutorial *tutorial,
              guint           position)
{
  const char *section = NULL;
  gboolean opened = FALSE;

  for (guint i = 0; i < position; i++)
    {
      ChevetTutorialStep *step = chevet_tutorial_get_step (tutorial, i);

      for (guint c = 0; c < chevet_tutorial_step_get_n_conditions (step); c++)
        {
          ChevetTutorialEvent event;
          const char *value;

          chevet_tutorial_step_get_condition (step, c, &event, &value, NULL);
          if (event == CHEVET_TUTORIAL_EVENT_PATIENT)
            opened = TRUE;
          else if (event == CHEVET_TUTORIAL_EVENT_SECTION && !g_str_equal (value, "list") &&
                   !g_str_has_prefix (value, "trend:"))
            section = value;
        }
    }
  if (!opened)
    return;
  chevet_chart_view_set_section (self->chart_view, section != NULL ? section : "summary");
  open_chart (self, chevet_tutorial_get_patient_id (tutorial));
}

static void
begin_tutorial (ChevetWindow   *self,
                ChevetTutorial *tutorial,
                const char     *progress_json,
                ChevetChart    *chart)
{
  g_autoptr(ChevetTutorialRun) run = NULL;

  run = chevet_tutorial_run_new (tutorial, progress_json);
  /* Finished before: Start begins it again. */
  if (chevet_tutorial_run_get_finished (run))
    {
      g_clear_object (&run);
      run = chevet_tutorial_run_new (tutorial, NULL);
    }
  if (chart != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      chevet_tutorial_run_set_chart (run, chart, now);
    }
  g_debug ("tutorial %s started at step %u", chevet_tutorial_get_id (tutorial),
           chevet_tutorial_run_get_position (run));
  if (chart != NULL)
    resume_chart (self, tutorial, chevet_tutorial_run_get_position (run));
  self->tutorial_overlay = chevet_tutorial_overlay_new (run, NULL);
  self->tutorial_account = g_strdup (chevet_session_get_account (self->session));
  g_signal_connect_object (self->tutorial_overlay, "progress-changed",
                           G_CALLBACK (on_overlay_progress_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tutorial_overlay, "quit",
                           G_CALLBACK (on_overlay_quit), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tutorial_overlay, "finished",
                           G_CALLBACK (on_overlay_finished), self, G_CONNECT_SWAPPED);
  gtk_overlay_add_overlay (self->tutorial_box, self->tutorial_overlay);
  update_back_button (self);
  /* A restart forgets the earlier progress now. */
  save_tutorial (self);
  chevet_tutorial_overlay_focus_callout (CHEVET_TUTORIAL_OVERLAY (self->tutorial_overlay));
}

/* Starting takes the worker twice (the saved progress, then the training patient's
 * chart); a lock or another start meanwhile drops it. */
typedef struct
{
  ChevetWindow   *self;
  ChevetTutorial *tutorial;
  char           *progress;
  guint           serial;
} StartData;

static void
start_data_free (StartData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->tutorial);
  g_free (data->progress);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StartData, start_data_free)

static gboolean
start_failed (StartData    *data,
              const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_message ("Tutorial %s could not start: %s code %d", chevet_tutorial_get_id (data->tutorial),
                 g_quark_to_string (error->domain), error->code);
      show_toast (data->self, _("The tutorial could not be started"));
    }
  return TRUE;
}

static void
on_tutorial_chart_read (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(StartData) data = user_data;
  g_autoptr(GError) error = NULL;
  ChevetChart *chart = chevet_session_read_tutorial_chart_finish (CHEVET_SESSION (source), result, &error);

  if (start_failed (data, error))
    return;
  if (data->serial != data->self->tutorial_serial)
    {
      chevet_chart_free (chart);
      return;
    }
  begin_tutorial (data->self, data->tutorial, data->progress, chart);
}

static void
read_tutorial_chart (StartData *data)
{
  ChevetWindow *self = data->self;
  const char *patient_id = chevet_tutorial_get_patient_id (data->tutorial);

  if (patient_id == NULL)
    {
      begin_tutorial (self, data->tutorial, data->progress, NULL);
      start_data_free (data);
      return;
    }
  chevet_session_read_tutorial_chart_async (self->session, patient_id, self->cancellable,
                                            on_tutorial_chart_read, data);
}

static void
on_start_progress_loaded (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(StartData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) progress = chevet_session_load_tutorial_progress_finish (CHEVET_SESSION (source),
                                                                                 result, &error);

  if (start_failed (data, error) || data->serial != data->self->tutorial_serial)
    return;
  data->progress = g_strdup (g_hash_table_lookup (progress, chevet_tutorial_get_id (data->tutorial)));
  read_tutorial_chart (g_steal_pointer (&data));
}

static void
on_hub_start (ChevetWindow      *self,
              const char        *id,
              gboolean           restart,
              ChevetTrainingHub *hub)
{
  ChevetTutorial *tutorial = find_tutorial (self, id);
  StartData *data;

  if (tutorial == NULL || !chevet_session_get_unlocked (self->session))
    return;
  /* One tutorial at a time: the one running is kept where it is and closed. */
  save_tutorial (self);
  close_tutorial (self);
  close_hub (self);

  data = g_new0 (StartData, 1);
  data->self = g_object_ref (self);
  data->tutorial = g_object_ref (tutorial);
  data->serial = ++self->tutorial_serial;
  if (restart)
    read_tutorial_chart (data);
  else
    {
      const char *ids[] = { id, NULL };

      chevet_session_load_tutorial_progress_async (self->session, ids, self->cancellable,
                                                   on_start_progress_loaded, data);
    }
}

static void
on_hub_destroy (ChevetWindow *self,
                GtkWidget    *hub)
{
  if (self->hub == hub)
    self->hub = NULL;
}

static void
on_hub_progress_loaded (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(ChevetWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) progress = chevet_session_load_tutorial_progress_finish (CHEVET_SESSION (source),
                                                                                 result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (progress == NULL)
    {
      g_message ("The tutorials' progress could not be read: %s code %d",
                 g_quark_to_string (error->domain), error->code);
      show_toast (self, _("The tutorials could not be opened"));
      return;
    }
  if (self->hub == NULL)
    {
      self->hub = GTK_WIDGET (chevet_training_hub_new (GTK_WINDOW (self), self->tutorials, progress));
      g_signal_connect_object (self->hub, "start", G_CALLBACK (on_hub_start), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->hub, "destroy", G_CALLBACK (on_hub_destroy), self, G_CONNECT_SWAPPED);
    }
  else
    chevet_training_hub_set_progress (CHEVET_TRAINING_HUB (self->hub), progress);
  gtk_window_present (GTK_WINDOW (self->hub));
}

static void
show_tutorials_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) ids = NULL;

  if (!chevet_session_get_unlocked (self->session) || !chevet_session_get_training (self->session))
    return;
  if (self->tutorials == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->tutorials = chevet_tutorial_load_all (NULL, &error);
      if (self->tutorials == NULL)
        {
          /* Compiled in: unreadable is a build error. */
          g_critical ("Tutorials unreadable: %s", error->message);
          return;
        }
    }
  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->tutorials->len; i++)
    g_strv_builder_add (builder, chevet_tutorial_get_id (g_ptr_array_index (self->tutorials, i)));
  ids = g_strv_builder_end (builder);
  /* The progress now (a tutorial may have moved on since the hub was last shown). */
  chevet_session_load_tutorial_progress_async (self->session, (const char * const *) ids, self->cancellable,
                                               on_hub_progress_loaded, g_object_ref (self));
}

/* About to lock, still unlocked: the running tutorial's place is written. */
/* The training clinic was made again: the list, the recent patients and the outbox are
 * new, and the chart shown is gone (it is read again from the new data when opened). */
static void
on_training_reset (ChevetWindow *self)
{
  if (!chevet_session_get_unlocked (self->session))
    return;
  clear_chart (self);
  chevet_patients_page_reload (self->patients_page);
  chevet_patients_page_refresh_outbox (self->patients_page);
}

static void
on_session_locking (ChevetWindow *self)
{
  save_tutorial (self);
}

/* Locked: a tutorial on a patient's chart goes (its run holds the chart); one without
 * a patient stays, its next step may be the unlock. The hub and the summary go too:
 * another account may unlock. */
static void
close_training_at_lock (ChevetWindow *self)
{
  ChevetTutorialRun *run = tutorial_run (self);

  self->tutorial_serial++;
  close_hub (self);
  close_summary (self);
  if (run != NULL && chevet_tutorial_get_patient_id (chevet_tutorial_run_get_tutorial (run)) != NULL)
    close_tutorial (self);
}

void
chevet_window_report (GtkWidget           *widget,
                      ChevetTutorialEvent  event,
                      const char          *value)
{
  GtkRoot *root;
  GtkWindow *window;
  ChevetWindow *self = NULL;
  ChevetTutorialRun *run;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  root = gtk_widget_get_root (widget);
  window = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
  /* A dialog: its parent, or the parent's parent. */
  for (guint depth = 0; window != NULL && self == NULL && depth < 4; depth++)
    {
      if (CHEVET_IS_WINDOW (window))
        self = CHEVET_WINDOW (window);
      else
        window = gtk_window_get_transient_for (window);
    }
  if (self == NULL || value == NULL || (run = tutorial_run (self)) == NULL)
    return;
  chevet_tutorial_run_notify (run, event, value, NULL);
}

/* The running tutorial's overlay, or NULL (for tests). */
GtkWidget *
chevet_window_get_tutorial_overlay (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return self->tutorial_overlay;
}

/* The training hub while it is open (for tests). */
GtkWindow *
chevet_window_get_training_hub (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return (GtkWindow *) self->hub;
}

/* The summary of the tutorial last finished, while it is open (for tests). */
GtkWindow *
chevet_window_get_tutorial_summary (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return (GtkWindow *) self->summary;
}

static void
update_page (ChevetWindow *self)
{
  const char *page;
  gboolean unlocked = chevet_session_get_unlocked (self->session);

  if (unlocked)
    page = "patients";
  else if (chevet_session_workspace_exists (self->session))
    page = "unlock";
  else
    page = "missing";

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", unlocked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-outbox", unlocked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-audit", can_read_audit (self));
  update_training (self);
  update_sync_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", unlocked);
  update_chart_actions (self);

  if (g_str_equal (page, "missing"))
    update_missing_page (self);
  if (self->page != NULL && g_str_equal (page, self->page))
    return;

  self->page = g_intern_static_string (page);
  gtk_stack_set_visible_child_name (self->stack, page);

  if (g_str_equal (page, "unlock"))
    {
      gtk_window_set_default_widget (GTK_WINDOW (self),
                                     chevet_unlock_page_get_default_widget (self->unlock_page));
      chevet_unlock_page_focus (self->unlock_page);
    }
  else
    gtk_window_set_default_widget (GTK_WINDOW (self), NULL);

  if (g_str_equal (page, "patients"))
    chevet_patients_page_focus_search (self->patients_page);
  else if (g_str_equal (page, "missing"))
    /* Rather than the command, which would show all selected. */
    gtk_widget_grab_focus (GTK_WIDGET (self->retry_button));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE]);
}

/* Unlocked again: the same account returns to the chart it had open (opened again, so
 * recorded again in the audit trail); another one starts at the list, with the first
 * section, and the previous account's place is forgotten. The search is empty either
 * way: what was typed may have been a name. */
static void
resume_or_start_fresh (ChevetWindow *self)
{
  const char *account = chevet_session_get_account (self->session);
  g_autofree char *patient_id = g_steal_pointer (&self->resume_patient_id);
  g_autofree char *section = g_steal_pointer (&self->resume_section);
  g_autofree char *resume_account = g_steal_pointer (&self->resume_account);

  g_free (self->unlocked_account);
  self->unlocked_account = g_strdup (account);

  if (patient_id != NULL && g_strcmp0 (account, resume_account) == 0)
    {
      chevet_chart_view_set_section (self->chart_view, section);
      open_chart (self, patient_id);
    }
  else
    chevet_chart_view_set_section (self->chart_view, "summary");
}

static void
on_session_unlocked_changed (ChevetWindow *self)
{
  if (chevet_session_get_unlocked (self->session))
    {
      /* A tutorial kept across the lock is the account's own: another one does not
       * get it, nor is it saved to them. */
      if (self->tutorial_overlay != NULL &&
          g_strcmp0 (self->tutorial_account, chevet_session_get_account (self->session)) != 0)
        close_tutorial (self);
      g_settings_set_string (self->settings, "last-account",
                             chevet_session_get_account (self->session));
      chevet_unlock_page_reset (self->unlock_page);
      chevet_patients_page_reload (self->patients_page);
      update_page (self);
      resume_or_start_fresh (self);
      chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_ACTION, "unlock.unlock");
      save_tutorial (self);
      return;
    }

  /* Before anything else: no patient string may outlive the lock. The session
   * cancelled the sync; its result is ignored (sync_running). Only the resource id of
   * the chart that was open stays, for the same account's return. */
  close_training_at_lock (self);
  g_clear_pointer (&self->resume_patient_id, g_free);
  g_clear_pointer (&self->resume_section, g_free);
  g_clear_pointer (&self->resume_account, g_free);
  if (self->open_patient_id != NULL && self->unlocked_account != NULL)
    {
      self->resume_patient_id = g_steal_pointer (&self->open_patient_id);
      self->resume_section = g_strdup (chevet_chart_view_get_section (self->chart_view));
      self->resume_account = g_steal_pointer (&self->unlocked_account);
    }
  g_clear_pointer (&self->open_patient_id, g_free);
  g_clear_pointer (&self->unlocked_account, g_free);
  self->sync_running = FALSE;
  chevet_patients_page_set_sync (self->patients_page, NULL);
  clear_chart (self);
  chevet_patients_page_reset (self->patients_page);
  chevet_unlock_page_reset (self->unlock_page);
  update_page (self);
}

static void
lock_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  /* Reported first: the privacy tutorial, which stays across the lock, waits for it. */
  chevet_window_report (widget, CHEVET_TUTORIAL_EVENT_ACTION, "win.lock");
  chevet_session_lock (self->session);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  if (!chevet_session_get_unlocked (self->session))
    return;
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->patients_page));
  chevet_patients_page_focus_search (self->patients_page);
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);
  ChevetChart *chart = chevet_chart_view_get_chart (self->chart_view);
  g_autofree char *footer = NULL;
  g_autoptr(GError) error = NULL;

  if (chart == NULL)
    return;
  footer = dup_print_footer (self);
  if (!chevet_chart_print (GTK_WINDOW (self), chart, footer, print_flags (self), NULL, &error))
    {
      g_debug ("printing failed: %s code %d", g_quark_to_string (error->domain), error->code);
      show_toast (self, error->message);
    }
  /* The print asked for, in the audit trail (the dialog may still be cancelled). */
  chevet_session_record (self->session, CHEVET_AUDIT_PRINT, chevet_patient_get_id (chart->patient),
                         error == NULL ? CHEVET_AUDIT_SUCCESS : CHEVET_AUDIT_FAILURE, "summary");
}

static void
on_export_chooser_response (ChevetWindow         *self,
                            int                   response,
                            GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *footer = NULL;
  g_autoptr(GError) error = NULL;
  ChevetChart *chart;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  close_export_chooser (self);

  /* The chart shown now: locking meanwhile closed the chooser. */
  chart = chevet_chart_view_get_chart (self->chart_view);
  if (file == NULL || chart == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_toast (self, _("Chart summaries can only be exported to a local folder"));
      return;
    }

  footer = dup_print_footer (self);
  if (!chevet_chart_print (GTK_WINDOW (self), chart, footer, print_flags (self), path, &error))
    {
      g_autofree char *message = NULL;

      g_debug ("export failed: %s code %d", g_quark_to_string (error->domain), error->code);
      /* Translators: %s says why */
      message = g_strdup_printf (_("Could not export the chart summary: %s"), error->message);
      show_toast (self, message);
      chevet_session_record (self->session, CHEVET_AUDIT_EXPORT, chevet_patient_get_id (chart->patient),
                             CHEVET_AUDIT_FAILURE, "pdf");
      return;
    }
  /* Where it went stays with the clinician: the trail says a PDF was made, not where. */
  chevet_session_record (self->session, CHEVET_AUDIT_EXPORT, chevet_patient_get_id (chart->patient),
                         CHEVET_AUDIT_SUCCESS, "pdf");
  show_toast (self, _("Chart summary exported"));
}

static void
export_pdf_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (chevet_chart_view_get_chart (self->chart_view) == NULL)
    return;
  close_export_chooser (self);

  self->export_chooser = gtk_file_chooser_native_new (_("Export Chart Summary as PDF"),
                                                      GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SAVE,
                                                      _("_Export"),
                                                      _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  /* Never the patient's name: file names end up in recent-file lists and backups. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_chooser), "chart-summary.pdf");
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->export_chooser), filter);
  g_signal_connect_swapped (self->export_chooser, "response",
                            G_CALLBACK (on_export_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

static void
show_section_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  /* Alt+1…7 wherever the focus is (the chart view's own keys work only inside it). */
  if (chevet_chart_view_get_chart (self->chart_view) != NULL)
    chevet_chart_view_set_section (self->chart_view, g_variant_get_string (parameter, NULL));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  update_page (CHEVET_WINDOW (widget));
}

static gboolean
chevet_window_close_request (GtkWindow *window)
{
  ChevetWindow *self = CHEVET_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (chevet_window_parent_class)->close_request (window);
}

static void
on_application_changed (ChevetWindow *self)
{
  if (self->auto_lock != NULL)
    chevet_auto_lock_set_application (self->auto_lock, gtk_window_get_application (GTK_WINDOW (self)));
}

static void
chevet_window_constructed (GObject *object)
{
  ChevetWindow *self = (ChevetWindow *) object;
  g_autofree char *account = NULL;

  G_OBJECT_CLASS (chevet_window_parent_class)->constructed (object);

  g_assert (CHEVET_IS_SESSION (self->session));
  g_assert (G_IS_SETTINGS (self->settings));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  account = g_settings_get_string (self->settings, "last-account");
  chevet_unlock_page_set_account (self->unlock_page, account);
  chevet_unlock_page_set_session (self->unlock_page, self->session);
  chevet_patients_page_set_session (self->patients_page, self->session);
  chevet_chart_view_set_session (self->chart_view, self->session);
  g_settings_bind (self->settings, "recent-patients-limit", self->patients_page, "recent-limit",
                   G_SETTINGS_BIND_GET);

  g_signal_connect_object (self->session, "notify::unlocked",
                           G_CALLBACK (on_session_unlocked_changed), self,
                           G_CONNECT_SWAPPED);
  self->auto_lock = chevet_auto_lock_new (self->session, self->settings);
  /* "application" is set after construction. */
  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_changed), NULL);
  g_signal_connect_object (self->session, "notify::syncing",
                           G_CALLBACK (update_sync_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::server-configured",
                           G_CALLBACK (update_sync_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "locking",
                           G_CALLBACK (on_session_locking), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "training-reset",
                           G_CALLBACK (on_training_reset), self, G_CONNECT_SWAPPED);
  if (chevet_session_get_unlocked (self->session))
    chevet_patients_page_reload (self->patients_page);
  update_page (self);
}

static void
chevet_window_dispose (GObject *object)
{
  ChevetWindow *self = (ChevetWindow *) object;

  close_export_chooser (self);
  close_outbox_window (self);
  close_audit_window (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  close_tutorial (self);
  close_hub (self);
  close_summary (self);
  g_clear_pointer (&self->tutorials, g_ptr_array_unref);
  g_clear_object (&self->toast);
  if (self->sync_running && self->session != NULL)
    chevet_session_cancel_sync (self->session);
  self->sync_running = FALSE;
  if (self->auto_lock != NULL)
    g_object_run_dispose (G_OBJECT (self->auto_lock));
  g_clear_object (&self->auto_lock);
  g_clear_pointer (&self->unlocked_account, g_free);
  g_clear_pointer (&self->resume_account, g_free);
  g_clear_pointer (&self->resume_patient_id, g_free);
  g_clear_pointer (&self->resume_section, g_free);
  g_clear_pointer (&self->open_patient_id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_WINDOW);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (chevet_window_parent_class)->dispose (object);
}

static void
chevet_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChevetWindow *self = CHEVET_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_VISIBLE_PAGE:
      g_value_set_string (value, chevet_window_get_visible_page (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ChevetWindow *self = CHEVET_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_window_class_init (ChevetWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  /* Alt+1…7, in the order of the chart's sections. */
  static const char * const sections[] = {
    "summary", "problems", "medications", "results", "encounters", "notes", "immunizations",
  };
  guint i;

  object_class->constructed = chevet_window_constructed;
  object_class->dispose = chevet_window_dispose;
  object_class->get_property = chevet_window_get_property;
  object_class->set_property = chevet_window_set_property;

  window_class->close_request = chevet_window_close_request;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CHEVET_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* io.github.chevet.Chevet settings: window size, last account. */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* "missing", "unlock" or "patients" */
  properties[PROP_VISIBLE_PAGE] =
    g_param_spec_string ("visible-page", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHEVET_TYPE_UNLOCK_PAGE);
  g_type_ensure (CHEVET_TYPE_PATIENTS_PAGE);
  g_type_ensure (CHEVET_TYPE_CHART_VIEW);
  g_type_ensure (CHEVET_TYPE_BREAK_GLASS_PAGE);
  g_type_ensure (CHEVET_TYPE_TRAINING_MARKER);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, tutorial_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, missing_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, command_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, patients_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, chart_pane);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, chart_header_bar);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, chart_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, print_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, chart_marker);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, chart_stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, no_patient_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, chart_view);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, break_glass_page);
  gtk_widget_class_bind_template_callback (widget_class, on_break_glass_page_open);
  gtk_widget_class_bind_template_callback (widget_class, on_break_glass_page_cancel);
  gtk_widget_class_bind_template_callback (widget_class, on_patients_page_patient_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_back_button_clicked);

  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "win.export-pdf", NULL, export_pdf_action);
  gtk_widget_class_install_action (widget_class, "win.show-section", "s", show_section_action);
  gtk_widget_class_install_action (widget_class, "win.show-outbox", NULL, show_outbox_action);
  gtk_widget_class_install_action (widget_class, "win.show-audit", NULL, show_audit_action);
  gtk_widget_class_install_action (widget_class, "win.sync", NULL, sync_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-sync", NULL, cancel_sync_action);
  gtk_widget_class_install_action (widget_class, "win.show-tutorials", NULL, show_tutorials_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.sync", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, chart_shortcut, "s", "chart.add-note");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_V, GDK_CONTROL_MASK | GDK_SHIFT_MASK, chart_shortcut,
                                "s", "chart.add-vitals");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.lock", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.print", NULL);
  for (i = 0; i < G_N_ELEMENTS (sections); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-section", "s", sections[i]);
}

/* CHEVET_STARTUP_TIMING=1 prints, once, how long after the process started the window
 * drew its first frame: what a cold start costs, exec and library loading included
 * (tests/bench/bench-startup.c reads it). Nothing else is printed. */
static double
ms_since_process_start (void)
{
#ifdef __linux__
  g_autofree char *stat = NULL;
  unsigned long long start_ticks = 0;
  struct timespec now;
  const char *p;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      (p = strrchr (stat, ')')) == NULL ||
      sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &start_ticks) != 1 ||
      clock_gettime (CLOCK_BOOTTIME, &now) != 0)
    return -1;
  return (now.tv_sec + now.tv_nsec / 1e9 - (double) start_ticks / sysconf (_SC_CLK_TCK)) * 1000;
#else
  return -1;
#endif
}

static void
on_first_frame (GdkFrameClock *clock,
                ChevetWindow  *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_frame, self);
  g_printerr ("chevet: first frame %.0f ms after process start\n", ms_since_process_start ());
}

static void
on_map_for_timing (ChevetWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_signal_handlers_disconnect_by_func (self, on_map_for_timing, NULL);
  if (clock != NULL)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_frame), self);
}

static void
chevet_window_init (ChevetWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (g_getenv ("CHEVET_STARTUP_TIMING") != NULL)
    g_signal_connect (self, "map", G_CALLBACK (on_map_for_timing), NULL);

  g_signal_connect_object (self->chart_view, "notify::chart",
                           G_CALLBACK (on_chart_view_chart_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chart_view, "outbox-changed",
                           G_CALLBACK (on_chart_view_outbox_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::folded",
                           G_CALLBACK (update_back_button), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::visible-child",
                           G_CALLBACK (on_leaflet_visible_child), self, G_CONNECT_SWAPPED);
  self->cancellable = g_cancellable_new ();
  update_back_button (self);
  update_chart_title (self);

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

ChevetWindow *
chevet_window_new (GtkApplication *application,
                   ChevetSession  *session,
                   GSettings      *settings)
{
  g_return_val_if_fail (!application || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CHEVET_TYPE_WINDOW,
                       "application", application,
                       "session", session,
                       "settings", settings,
                       NULL);
}

ChevetSession *
chevet_window_get_session (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return self->session;
}

/* The idle lock (for tests, which drive its clock). */
ChevetAutoLock *
chevet_window_get_auto_lock (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return self->auto_lock;
}

/* "missing", "unlock" or "patients": for tests and tutorials. */
const char *
chevet_window_get_visible_page (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return self->page;
}
