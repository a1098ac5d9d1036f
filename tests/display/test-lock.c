/* test-lock.c: the idle lock, what a lock leaves behind, and where unlocking returns
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One workspace of generated patients with two accounts. Each test opens a ChevetWindow
 * on a memory GSettings backend and replaces its auto-lock's clock with a variable the
 * test moves: minutes pass without any sleep, and the test runs the lock's check at
 * once (chevet_auto_lock_check), as its periodic timer would.
 *
 * What a person could read is collected from every toplevel: labels, editables, button
 * labels, tooltips, text views, avatars, the drawn patient rows
 * (chevet_patient_row_dup_text, also their accessible label) and window titles. GTK 4.8
 * has no public getter for an arbitrary widget's accessible label; the ones set in .ui
 * files are static text.
 *
 * The key: the test counts the ChevetStore objects alive in the process
 * (chevet_store_count_alive_for_testing). Their finalize is what wipes the key; after a
 * lock none may remain, the sync engine's connection included.
 */
#define G_LOG_DOMAIN "test-lock"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-auto-lock.h"
#include "chevet-chart.h"
#include "chevet-chart-view.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-note-dialog.h"
#include "chevet-patient.h"
#include "chevet-patient-row.h"
#include "chevet-patients-page.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define ACCOUNT      "dr.sow"
#define PASSPHRASE   "correct horse battery staple"
#define OTHER        "nurse.bangoura"
#define OTHER_PASS   "another long passphrase"
#define N_PATIENTS   40
#define MINUTE       ((gint64) 60 * G_USEC_PER_SEC)
#define WAIT_SECONDS 30

#include "display-test-util.h"

static char *workspace_dir;
static char *workspace_path;

typedef struct
{
  GSettings      *settings;
  ChevetSession  *session;
  ChevetWindow   *window;
  ChevetAutoLock *auto_lock;
  gint64          now;      /* the auto-lock's clock */
} Fixture;

/* Workspace */

static void
create_workspace (void)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ndjson = display_generate_clinic (11, N_PATIENTS);

  workspace_dir = display_make_tmpdir ("chevet-test-lock-XXXXXX", &workspace_path);
  store = display_store_create (workspace_path, "Poste de santé", ACCOUNT, PASSPHRASE, ndjson);
  g_assert_true (chevet_store_add_account (store, OTHER, CHEVET_ROLE_CLINICIAN, OTHER_PASS, &error));
  g_assert_no_error (error);
}

/* Keeps the detail of the last "lock" entry. */
static gboolean
last_lock_detail (const ChevetAuditEntry *entry,
                  gpointer                user_data,
                  GError                **error)
{
  char **detail = user_data;

  if (g_strcmp0 (entry->action, "lock") == 0)
    {
      g_free (*detail);
      *detail = g_strdup (entry->detail);
    }
  return TRUE;
}

static ChevetStore *
open_store (void)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (workspace_path, ACCOUNT, PASSPHRASE, &error);

  g_assert_no_error (error);
  return store;
}

/* Every patient of the workspace, from a store of the test's own. */
static GPtrArray *
all_patients (void)
{
  g_autoptr(ChevetStore) store = open_store ();
  g_autoptr(GError) error = NULL;
  GPtrArray *patients = chevet_store_search_patients (store, NULL, 0, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (patients->len, ==, N_PATIENTS);
  return patients;
}

/* What no window may show after a lock: each patient's names (as the list and the
 * banner write them, and the family name alone when it is long enough not to be a word
 * of the unlock page), identifier and birth date. */
static GPtrArray *
patient_strings (void)
{
  g_autoptr(GPtrArray) patients = all_patients ();
  GPtrArray *needles = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < patients->len; i++)
    {
      ChevetPatient *p = g_ptr_array_index (patients, i);
      const char *family = chevet_patient_get_family (p);

      g_ptr_array_add (needles, g_strdup (chevet_patient_get_display_name (p)));
      g_ptr_array_add (needles, g_strdup_printf ("%s %s", chevet_patient_get_given (p), family));
      if (strlen (family) >= 5)
        g_ptr_array_add (needles, g_strdup (family));
      g_ptr_array_add (needles, g_strdup (chevet_patient_get_identifier (p)));
      g_ptr_array_add (needles, g_strdup (chevet_patient_get_birth_date (p)));
    }
  return needles;
}

/* Clock */

static gint64
test_clock (gpointer data)
{
  return ((Fixture *) data)->now;
}

/* Fixture */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->window = display_window_new (workspace_path, 0, 0, &f->settings, &f->session);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 760);
  f->auto_lock = chevet_window_get_auto_lock (f->window);
  g_assert_nonnull (f->auto_lock);
  f->now = 1000 * MINUTE;
  chevet_auto_lock_set_clock_for_testing (f->auto_lock, test_clock, f);
  gtk_window_present (GTK_WINDOW (f->window));
  drain_main_loop ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_window_close (f->window, &f->session, &f->settings);
}

/* Widgets */

static ChevetPatientsPage *
patients_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page");
}

static ChevetChartView *
chart_view (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_view");
}

static GtkEditable *
search_entry (Fixture *f)
{
  return display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "search_entry");
}

static void
wait_frames (Fixture *f,
             guint    n)
{
  display_wait_frames (GTK_WIDGET (f->window), n);
}

static void
unlock_as (Fixture    *f,
           const char *account,
           const char *passphrase)
{
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  display_unlock (f->window, account, passphrase);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
  WAIT_UNTIL (!chevet_patients_page_get_searching (patients_page (f)) &&
              g_strcmp0 (chevet_patients_page_get_query (patients_page (f)), "") == 0);
}

static void
search (Fixture    *f,
        const char *text)
{
  gtk_editable_set_text (search_entry (f), text);
  WAIT_UNTIL (!chevet_patients_page_get_searching (patients_page (f)) &&
              g_strcmp0 (chevet_patients_page_get_query (patients_page (f)), text) == 0);
}

/* Opens @patient's chart as activating its row does, and waits until it is shown. */
static ChevetChart *
open_chart (Fixture       *f,
            ChevetPatient *patient)
{
  ChevetChart *chart;

  g_signal_emit_by_name (patients_page (f), "patient-activated", patient);
  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (chart_view (f))) != NULL &&
              g_str_equal (chevet_patient_get_id (chart->patient), chevet_patient_get_id (patient)));
  /* The recent patients are read again after a chart opens: let them land. */
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  wait_frames (f, 2);
  return chart;
}

static void
lock (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_false (chevet_session_get_unlocked (f->session));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
}

/* Reading the widget tree */

static void
append_text (GString    *out,
             const char *text)
{
  if (text != NULL && *text != '\0')
    {
      g_string_append (out, text);
      g_string_append_c (out, '\n');
    }
}

static void
collect_widget_text (GtkWidget *widget,
                     GString   *out)
{
  append_text (out, gtk_widget_get_tooltip_text (widget));
  if (CHEVET_IS_PATIENT_ROW (widget))
    {
      g_autofree char *drawn = chevet_patient_row_dup_text (CHEVET_PATIENT_ROW (widget));

      append_text (out, drawn);
    }
  if (GTK_IS_LABEL (widget))
    append_text (out, gtk_label_get_label (GTK_LABEL (widget)));
  if (GTK_IS_EDITABLE (widget))
    append_text (out, gtk_editable_get_text (GTK_EDITABLE (widget)));
  if (GTK_IS_BUTTON (widget))
    append_text (out, gtk_button_get_label (GTK_BUTTON (widget)));
  if (ADW_IS_AVATAR (widget))
    append_text (out, adw_avatar_get_text (ADW_AVATAR (widget)));
  if (ADW_IS_WINDOW_TITLE (widget))
    {
      append_text (out, adw_window_title_get_title (ADW_WINDOW_TITLE (widget)));
      append_text (out, adw_window_title_get_subtitle (ADW_WINDOW_TITLE (widget)));
    }
  if (GTK_IS_WINDOW (widget))
    append_text (out, gtk_window_get_title (GTK_WINDOW (widget)));
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
      append_text (out, text);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widget_text (child, out);
}

/* Everything readable in every window of the process. */
static char *
dup_all_text (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      collect_widget_text (window, out);
    }
  return g_string_free (out, FALSE);
}

static void
assert_no_patient_text (GPtrArray *needles)
{
  g_autofree char *text = dup_all_text ();

  g_assert_cmpuint (strlen (text), >, 0);
  for (guint i = 0; i < needles->len; i++)
    if (strstr (text, g_ptr_array_index (needles, i)) != NULL)
      g_error ("a patient string is still in a window after the lock (needle %u)", i);
}

static gboolean
has_capture_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_LEGACY (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE &&
          g_strcmp0 (gtk_event_controller_get_name (controller), "chevet-auto-lock") == 0)
        return TRUE;
    }
  return FALSE;
}

/* Tests */

/* A chart open, a note being typed, a search typed: the idle delay passes and the
 * window keeps nothing of any patient, nor does any other window; no store (no key)
 * is left alive. */
static void
test_idle_lock_forgets_everything (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GPtrArray) patients = all_patients ();
  g_autoptr(GPtrArray) needles = patient_strings ();
  ChevetPatient *patient = g_ptr_array_index (patients, 3);
  GtkWindow *note;
  GtkTextView *note_text;
  g_autofree char *before = NULL;
  g_autofree char *banner_details = NULL;
  ChevetChart *chart;

  unlock_as (f, ACCOUNT, PASSPHRASE);
  /* The session's store and the sync engine's: both hold the key. */
  g_assert_cmpint (chevet_store_count_alive_for_testing (), ==, 2);

  chart = open_chart (f, patient);
  g_assert_nonnull (chart);
  banner_details = g_strdup (gtk_label_get_label (display_template_child (chart_view (f), CHEVET_TYPE_CHART_VIEW,
                                                                          "details_label")));
  g_assert_cmpstr (banner_details, !=, "");
  g_ptr_array_add (needles, g_strdup (banner_details));
  /* The window's own title (window lists, screen sharing) never names the patient. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Chevet");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart_view (f)), "chart.add-note", NULL));
  WAIT_UNTIL ((note = chevet_chart_view_get_note_dialog (chart_view (f))) != NULL);
  g_assert_true (has_capture_controller (GTK_WIDGET (note)));
  note_text = display_template_child (note, CHEVET_TYPE_NOTE_DIALOG, "text_view");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (note_text), "Reports chest pain since Tuesday", -1);
  g_ptr_array_add (needles, g_strdup ("chest pain"));
  search (f, chevet_patient_get_family (patient));
  wait_frames (f, 2);

  /* The reader finds what a person sees: the test could fail. */
  before = dup_all_text ();
  g_assert_nonnull (strstr (before, chevet_patient_get_display_name (patient)));
  g_assert_nonnull (strstr (before, chevet_patient_get_identifier (patient)));
  g_assert_nonnull (strstr (before, banner_details));
  g_assert_nonnull (strstr (before, "chest pain"));

  /* Idle one second short of the default five minutes: still unlocked. */
  f->now += 5 * MINUTE - G_USEC_PER_SEC;
  g_assert_false (chevet_auto_lock_check (f->auto_lock));
  g_assert_true (chevet_session_get_unlocked (f->session));
  /* Then past it. */
  f->now += 2 * G_USEC_PER_SEC;
  g_assert_true (chevet_auto_lock_check (f->auto_lock));

  g_assert_false (chevet_session_get_unlocked (f->session));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  g_assert_null (chevet_chart_view_get_note_dialog (chart_view (f)));
  g_assert_null (chevet_chart_view_get_chart (chart_view (f)));
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_model (patients_page (f))), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_rows (patients_page (f))), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (search_entry (f)), ==, "");
  assert_no_patient_text (needles);
  /* And after the window drew again (rows are recycled, not rebuilt). */
  wait_frames (f, 2);
  assert_no_patient_text (needles);

  /* Both connections closed: their finalize wiped the key. */
  WAIT_UNTIL (!chevet_session_has_pending (f->session) &&
              chevet_store_count_alive_for_testing () == 0);

  /* The trail says the workstation locked itself for want of use. */
  {
    g_autoptr(ChevetStore) store = open_store ();
    g_autoptr(GError) error = NULL;
    g_autofree char *detail = NULL;

    g_assert_true (chevet_audit_foreach (store, 0, 0, last_lock_detail, &detail, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (detail, ==, "idle");
  }
}

/* Input before the delay starts it again; the check finds nothing to do until the delay
 * has passed since the last input. */
static void
test_activity_postpones (Fixture       *f,
                         gconstpointer  data)
{
  unlock_as (f, ACCOUNT, PASSPHRASE);
  /* Each window gets its controller, in the capture phase (before any widget). */
  g_assert_true (has_capture_controller (GTK_WIDGET (f->window)));

  f->now += 4 * MINUTE;
  g_assert_false (chevet_auto_lock_check (f->auto_lock));
  /* What the window's controller calls for a key press, a click, a motion or a scroll. */
  chevet_auto_lock_note_activity (f->auto_lock);
  f->now += 4 * MINUTE;
  g_assert_false (chevet_auto_lock_check (f->auto_lock));
  g_assert_true (chevet_session_get_unlocked (f->session));
  g_assert_cmpint (chevet_auto_lock_get_idle_time (f->auto_lock), ==, 4 * MINUTE);

  f->now += MINUTE;
  g_assert_true (chevet_auto_lock_check (f->auto_lock));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  /* Locked, nothing to check any more. */
  f->now += 60 * MINUTE;
  g_assert_false (chevet_auto_lock_check (f->auto_lock));
}

static gboolean
count_chart_opens (const ChevetAuditEntry  *entry,
                   gpointer                 user_data,
                   GError                 **error)
{
  if (g_str_equal (entry->action, "chart-open"))
    (*(guint *) user_data)++;
  return TRUE;
}

static guint
audited_chart_opens (void)
{
  g_autoptr(ChevetStore) store = open_store ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (chevet_audit_foreach (store, 0, 0, count_chart_opens, &n, &error));
  g_assert_no_error (error);
  return n;
}

/* The same account comes back to the chart and section it left, the opening recorded
 * again; another account starts at the list, empty search, first section; and the
 * first account's place is forgotten after that. */
static void
test_unlock_returns_or_starts_fresh (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GPtrArray) patients = all_patients ();
  ChevetPatient *patient = g_ptr_array_index (patients, 7);
  AdwLeaflet *leaflet = display_template_child (f->window, CHEVET_TYPE_WINDOW, "leaflet");
  GtkStack *chart_stack = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack");
  ChevetChart *chart;
  guint opens;

  unlock_as (f, ACCOUNT, PASSPHRASE);
  open_chart (f, patient);
  chevet_chart_view_set_section (chart_view (f), "medications");
  search (f, chevet_patient_get_family (patient));
  lock (f);
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  opens = audited_chart_opens ();

  /* Same account: the chart again, on the same section; the search starts empty. */
  unlock_as (f, ACCOUNT, PASSPHRASE);
  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (chart_view (f))) != NULL);
  g_assert_cmpstr (chevet_patient_get_id (chart->patient), ==, chevet_patient_get_id (patient));
  g_assert_cmpstr (chevet_chart_view_get_section (chart_view (f)), ==, "medications");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack), ==, "chart");
  g_assert_cmpstr (gtk_editable_get_text (search_entry (f)), ==, "");
  lock (f);
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  g_assert_cmpuint (audited_chart_opens (), ==, opens + 1);

  /* Another account: the list, nothing open, the first section for the next chart. */
  unlock_as (f, OTHER, OTHER_PASS);
  drain_main_loop ();
  g_assert_null (chevet_chart_view_get_chart (chart_view (f)));
  g_assert_false (chevet_chart_view_get_loading (chart_view (f)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack), ==, "empty");
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (patients_page (f)));
  g_assert_cmpstr (gtk_editable_get_text (search_entry (f)), ==, "");
  g_assert_cmpstr (chevet_chart_view_get_section (chart_view (f)), ==, "summary");
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_model (patients_page (f))), ==, N_PATIENTS);
  lock (f);

  /* The first account's place went when the other one unlocked. */
  unlock_as (f, ACCOUNT, PASSPHRASE);
  drain_main_loop ();
  g_assert_null (chevet_chart_view_get_chart (chart_view (f)));
  g_assert_false (chevet_chart_view_get_loading (chart_view (f)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack), ==, "empty");
}

/* A delay changed in Preferences applies to the running session at once. */
static void
test_preference_applies_at_once (Fixture       *f,
                                 gconstpointer  data)
{
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 5);
  unlock_as (f, ACCOUNT, PASSPHRASE);

  f->now += 3 * MINUTE;
  g_assert_false (chevet_auto_lock_check (f->auto_lock));
  g_settings_set_uint (f->settings, "auto-lock-minutes", 2);
  g_assert_true (chevet_auto_lock_check (f->auto_lock));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");

  /* And longer: 30 minutes idle is not enough for 45. */
  g_settings_set_uint (f->settings, "auto-lock-minutes", 45);
  unlock_as (f, ACCOUNT, PASSPHRASE);
  f->now += 30 * MINUTE;
  g_assert_false (chevet_auto_lock_check (f->auto_lock));
  f->now += 15 * MINUTE;
  g_assert_true (chevet_auto_lock_check (f->auto_lock));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  create_workspace ();

  g_test_add ("/lock/idle/chart-open-leaves-no-patient-string", Fixture, NULL,
              fixture_setup, test_idle_lock_forgets_everything, fixture_teardown);
  g_test_add ("/lock/idle/activity-postpones", Fixture, NULL,
              fixture_setup, test_activity_postpones, fixture_teardown);
  g_test_add ("/lock/unlock/same-account-returns-other-starts-fresh", Fixture, NULL,
              fixture_setup, test_unlock_returns_or_starts_fresh, fixture_teardown);
  g_test_add ("/lock/preferences/delay-applies-without-restart", Fixture, NULL,
              fixture_setup, test_preference_applies_at_once, fixture_teardown);

  status = g_test_run ();
  display_remove_tmpdir (&workspace_dir, &workspace_path);
  return status;
}
