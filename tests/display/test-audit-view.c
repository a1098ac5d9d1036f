/* test-audit-view.c: the audit trail as an administrator reads it in the workstation
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small synthetic clinic, an entry planted 60 days back by another account and one two
 * days back by a third, then what the test does through the window (unlock, a search,
 * two charts opened, a break-the-glass access) and win.show-audit. The test reads the
 * rows as drawn (the column view's labels), filters by patient, account and dates
 * through the window's own widgets, verifies, and locks.
 *
 * With CHEVET_AUDIT_PNG_DIR=DIR, it saves audit-view.png there.
 */
#define G_LOG_DOMAIN "test-audit-view"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-audit-item.h"
#include "chevet-audit-window.h"
#include "chevet-chart.h"
#include "chevet-chart-view.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-patients-page.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define ACCOUNT      "dr.ndiaye"
#define PASSPHRASE   "correct horse battery staple"
#define OLD_ACCOUNT  "dr.old"
#define NURSE        "nurse.sall"
#define N_PATIENTS   6
#define WAIT_SECONDS 30

#include "display-test-util.h"

typedef struct
{
  char          *tmpdir;
  char          *path;
  ChevetPatient *a;
  ChevetPatient *b;
  GSettings     *settings;
  ChevetSession *session;
  ChevetWindow  *window;
} Fixture;

static char *clinic_ndjson;

static char *
days_ago (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, -days);

  return chevet_audit_format_time (then);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old = days_ago (60);
  g_autofree char *recent = days_ago (2);

  f->tmpdir = display_make_tmpdir ("chevet-test-audit-view-XXXXXX", &f->path);
  store = display_store_create (f->path, "Poste de santé", ACCOUNT, PASSPHRASE, clinic_ndjson);
  patients = chevet_store_search_patients (store, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (patients->len, >=, 2);
  f->a = g_object_ref (g_ptr_array_index (patients, 0));
  f->b = g_object_ref (g_ptr_array_index (patients, 1));

  /* Entries of other accounts, at chosen times, through the chain like any other. */
  g_assert_true (chevet_audit_append_for_testing (store, old, OLD_ACCOUNT, CHEVET_AUDIT_CHART_OPEN,
                                                  chevet_patient_get_id (f->a), CHEVET_AUDIT_SUCCESS,
                                                  NULL, &error));
  g_assert_true (chevet_audit_append_for_testing (store, recent, NURSE, CHEVET_AUDIT_CHART_OPEN,
                                                  chevet_patient_get_id (f->b), CHEVET_AUDIT_SUCCESS,
                                                  NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  f->window = display_window_open (f->path, 1100, 760, &f->settings, &f->session);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_window_close (f->window, &f->session, &f->settings);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  display_remove_tmpdir (&f->tmpdir, &f->path);
}

static void
unlock (Fixture *f)
{
  display_unlock (f->window, ACCOUNT, PASSPHRASE);
}

static void
open_chart (Fixture       *f,
            ChevetPatient *patient)
{
  ChevetChartView *view = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_view");
  ChevetChart *chart;

  g_signal_emit_by_name (display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page"),
                         "patient-activated", patient);
  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (view)) != NULL && !chevet_chart_view_get_loading (view) &&
              g_strcmp0 (chevet_patient_get_id (chart->patient), chevet_patient_get_id (patient)) == 0);
}

static gboolean
audit_action_enabled (ChevetAuditWindow *audit,
                      const char        *name)
{
  GtkBox *box = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "verify_box");
  GtkWidget *button = gtk_button_new ();
  gboolean enabled;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), name);
  gtk_box_append (box, button);
  enabled = gtk_widget_get_sensitive (button);
  gtk_box_remove (box, button);
  return enabled;
}

/* Every label under @widget, in tree order. */
static void
collect_labels (GtkWidget *widget,
                GPtrArray *labels)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (labels, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, labels);
}

static GtkLabel *
find_label (GtkWidget  *widget,
            const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_labels (widget, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_label (labels->pdata[i]), text) == 0)
      return labels->pdata[i];
  return NULL;
}

static guint
count_labels (GtkWidget  *widget,
              const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  guint n = 0;

  collect_labels (widget, labels);
  for (guint i = 0; i < labels->len; i++)
    n += g_strcmp0 (gtk_label_get_label (labels->pdata[i]), text) == 0;
  return n;
}

/* Waits until the window has read what its filters ask for. */
static void
wait_read (ChevetAuditWindow *audit)
{
  drain_main_loop ();
  WAIT_UNTIL (!chevet_audit_window_get_busy (audit) && chevet_audit_window_get_total (audit) >= 0);
  drain_main_loop ();
}

/* The actions of the entries shown, newest first, as "search chart-open ...". */
static char *
shown_actions (ChevetAuditWindow *audit)
{
  GListModel *model = chevet_audit_window_get_model (audit);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChevetAuditItem) item = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%s%s", i > 0 ? " " : "", chevet_audit_item_get_action (item));
    }
  return g_string_free (out, FALSE);
}

static gboolean
all_entries (ChevetAuditWindow *audit,
             const char        *account,
             const char        *patient_id)
{
  GListModel *model = chevet_audit_window_get_model (audit);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChevetAuditItem) item = g_list_model_get_item (model, i);

      if ((account != NULL && g_strcmp0 (chevet_audit_item_get_account (item), account) != 0) ||
          (patient_id != NULL && g_strcmp0 (chevet_audit_item_get_patient_id (item), patient_id) != 0))
        return FALSE;
    }
  return TRUE;
}

/* Whether every entry shown names one of @patients. */
static gboolean
all_among (ChevetAuditWindow *audit,
           GPtrArray         *patients)
{
  GListModel *model = chevet_audit_window_get_model (audit);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChevetAuditItem) item = g_list_model_get_item (model, i);
      gboolean found = FALSE;

      for (guint j = 0; j < patients->len; j++)
        found |= g_strcmp0 (chevet_patient_get_id (patients->pdata[j]),
                            chevet_audit_item_get_patient_id (item)) == 0;
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static gboolean
find_patient (ChevetAuditWindow *audit,
              const char        *patient_id)
{
  GListModel *model = chevet_audit_window_get_model (audit);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChevetAuditItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (chevet_audit_item_get_patient_id (item), patient_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
select_account (ChevetAuditWindow *audit,
                const char        *account)
{
  GtkDropDown *dropdown = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "account_dropdown");
  GListModel *accounts = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (accounts), i), account) == 0)
      {
        gtk_drop_down_set_selected (dropdown, i);
        return;
      }
  g_error ("account %s not offered", account);
}

static void
test_audit_view (Fixture       *f,
                 gconstpointer  data)
{
  ChevetPatientsPage *patients_page = display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page");
  ChevetAuditWindow *audit;
  GtkWidget *column_view;
  GtkLabel *label;
  GtkWidget *box;
  g_autofree char *actions = NULL;
  const char *tooltip;
  const char *png_dir = g_getenv ("CHEVET_AUDIT_PNG_DIR");
  const char *id_a = chevet_patient_get_id (f->a);
  const char *id_b = chevet_patient_get_id (f->b);
  GtkSearchEntry *patient_entry;

  /* Locked: nobody reads the trail. */
  g_assert_false (display_win_action_enabled (f->window, "win.show-audit"));
  g_assert_null (chevet_window_get_audit_window (f->window));

  unlock (f);
  /* The list read at unlock (a search of everyone), then a search typed, two charts, a
   * break-the-glass access. */
  WAIT_UNTIL (chevet_patients_page_get_model (patients_page) != NULL &&
              g_list_model_get_n_items (chevet_patients_page_get_model (patients_page)) == N_PATIENTS &&
              !chevet_patients_page_get_searching (patients_page));
  gtk_editable_set_text (display_template_child (patients_page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry"), "a");
  WAIT_UNTIL (g_strcmp0 (chevet_patients_page_get_query (patients_page), "a") == 0 &&
              !chevet_patients_page_get_searching (patients_page));
  open_chart (f, f->a);
  open_chart (f, f->b);
  chevet_session_record (f->session, CHEVET_AUDIT_BREAK_GLASS, id_b, CHEVET_AUDIT_SUCCESS, "reason=emergency");

  g_assert_true (display_win_action_enabled (f->window, "win.show-audit"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-audit", NULL));
  g_assert_nonnull (chevet_window_get_audit_window (f->window));
  audit = CHEVET_AUDIT_WINDOW (chevet_window_get_audit_window (f->window));
  g_object_add_weak_pointer (G_OBJECT (audit), (gpointer *) &audit);
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (audit)));
  wait_read (audit);
  column_view = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "column_view");
  patient_entry = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "patient_entry");

  /* The last 30 days, newest first: the view itself, what the test did (the list read at
   * unlock is a search too), the nurse's entry two days back; not the one 60 days back. */
  actions = shown_actions (audit);
  g_assert_cmpstr (actions, ==, "audit-view break-glass chart-open chart-open search search unlock chart-open");
  g_assert_cmpint (chevet_audit_window_get_total (audit), ==, 8);
  g_assert_cmpstr (adw_window_title_get_subtitle (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW,
                                                                          "window_title")), ==, "8 entries");
  /* Rows are made when the list is laid out. */
  WAIT_UNTIL (find_label (column_view, "Viewed audit trail") != NULL &&
              find_label (column_view, "Break-the-glass access") != NULL);
  /* As drawn: actions in words, accounts, patients by name with the id in a tooltip, "—"
   * where no patient applies. */
  g_assert_nonnull (find_label (column_view, "Viewed audit trail"));
  g_assert_cmpuint (count_labels (column_view, "Opened chart"), ==, 3);
  g_assert_nonnull (find_label (column_view, "Searched"));
  g_assert_nonnull (find_label (column_view, "Unlocked"));
  g_assert_nonnull (find_label (column_view, NURSE));
  g_assert_null (find_label (column_view, OLD_ACCOUNT));
  g_assert_cmpuint (count_labels (column_view, "—"), ==, 4);  /* audit-view, searches, unlock */
  label = find_label (column_view, chevet_patient_get_display_name (f->a));
  g_assert_nonnull (label);
  tooltip = gtk_widget_get_tooltip_text (GTK_WIDGET (label));
  g_assert_nonnull (tooltip);
  g_assert_nonnull (strstr (tooltip, id_a));
  g_assert_cmpuint (count_labels (column_view, chevet_patient_get_display_name (f->b)), ==, 3);

  /* Break-the-glass stands out: an icon and bold words, not only a colour. */
  label = find_label (column_view, "Break-the-glass access");
  g_assert_nonnull (label);
  box = gtk_widget_get_parent (GTK_WIDGET (label));
  g_assert_true (gtk_widget_has_css_class (box, "break-glass"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "heading"));
  g_assert_true (GTK_IS_IMAGE (gtk_widget_get_first_child (box)));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_first_child (box)));
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (gtk_widget_get_first_child (box))), ==,
                   "dialog-warning-symbolic");
  /* ... and nothing else does. */
  label = find_label (column_view, "Searched");
  box = gtk_widget_get_parent (GTK_WIDGET (label));
  g_assert_false (gtk_widget_has_css_class (box, "break-glass"));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_first_child (box)));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (label), "heading"));

  if (png_dir != NULL)
    display_save_png (GTK_WIDGET (audit), png_dir, "audit-view.png");

  /* By patient: a name stands for the patients it matches; an id as typed finds that
   * patient only. */
  gtk_editable_set_text (GTK_EDITABLE (patient_entry), id_a);
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 1);
  wait_read (audit);
  g_assert_true (all_entries (audit, ACCOUNT, id_a));
  {
    g_autoptr(GPtrArray) matching = NULL;
    g_autoptr(ChevetStore) store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, NULL);

    g_assert_nonnull (store);
    matching = chevet_store_search_patients (store, chevet_patient_get_family (f->b), 0, 0, NULL);
    g_assert_cmpuint (matching->len, >=, 1);
    /* Replacing the text empties it first, and an empty search entry reads everything at
     * once: wait for the rows of the name itself. */
    gtk_editable_set_text (GTK_EDITABLE (patient_entry), chevet_patient_get_family (f->b));
    WAIT_UNTIL (!chevet_audit_window_get_busy (audit) && chevet_audit_window_get_total (audit) >= 3 &&
                all_among (audit, matching));
    g_assert_true (find_patient (audit, id_b));
  }
  gtk_editable_set_text (GTK_EDITABLE (patient_entry), "");
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 8);

  /* By account: the accounts of the trail are offered. */
  select_account (audit, NURSE);
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 1);
  wait_read (audit);
  g_assert_true (all_entries (audit, NURSE, id_b));
  select_account (audit, OLD_ACCOUNT);
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW,
                                                                             "stack")), ==, "empty");

  /* All time brings the entry 60 days back; dates around it keep only that one. */
  gtk_drop_down_set_selected (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "period_dropdown"), 4);
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 1);
  wait_read (audit);
  g_assert_true (all_entries (audit, OLD_ACCOUNT, id_a));
  select_account (audit, "All accounts");
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 9);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autoptr(GDateTime) from = g_date_time_add_days (now, -61);
    g_autoptr(GDateTime) to = g_date_time_add_days (now, -59);

    gtk_calendar_select_day (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "from_calendar"), from);
    gtk_calendar_select_day (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "to_calendar"), to);
  }
  WAIT_UNTIL (chevet_audit_window_get_total (audit) == 1);
  wait_read (audit);
  g_assert_true (all_entries (audit, OLD_ACCOUNT, id_a));
  g_assert_cmpuint (gtk_drop_down_get_selected (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW,
                                                                        "period_dropdown")), ==, 5);

  /* Verify, on the worker. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (audit), "audit.verify", NULL));
  WAIT_UNTIL (gtk_revealer_get_reveal_child (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW,
                                                                     "verify_revealer")));
  label = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "verify_label");
  g_assert_true (g_str_has_prefix (gtk_label_get_label (label), "The audit trail is intact: 9 entries"));
  g_assert_true (gtk_widget_has_css_class (display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "verify_box"),
                                           "success"));

  /* Lock takes the window, and with it every name it showed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  WAIT_UNTIL (!chevet_session_get_unlocked (f->session));
  g_assert_null (chevet_window_get_audit_window (f->window));
  WAIT_UNTIL (audit == NULL);
  g_assert_false (display_win_action_enabled (f->window, "win.show-audit"));
}

/* The retention is kept in the store, in days, and saving it is itself recorded. */
static void
test_audit_retention (Fixture       *f,
                      gconstpointer  data)
{
  ChevetAuditWindow *audit;
  GtkSpinButton *spin;

  unlock (f);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-audit", NULL));
  audit = CHEVET_AUDIT_WINDOW (chevet_window_get_audit_window (f->window));
  g_assert_nonnull (audit);
  wait_read (audit);
  spin = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "retention_spin");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 12);
  g_assert_false (audit_action_enabled (audit, "audit.save-retention"));
  gtk_spin_button_set_value (spin, 24);
  g_assert_true (audit_action_enabled (audit, "audit.save-retention"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (audit), "audit.save-retention", NULL));
  WAIT_UNTIL (!chevet_audit_window_get_busy (audit) &&
              g_list_model_get_n_items (chevet_audit_window_get_model (audit)) > 0 &&
              g_strcmp0 (chevet_audit_item_get_action (g_list_model_get_item (chevet_audit_window_get_model (audit), 0)),
                         "settings") == 0);
  g_object_unref (g_list_model_get_item (chevet_audit_window_get_model (audit), 0));
  g_object_unref (g_list_model_get_item (chevet_audit_window_get_model (audit), 0));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ChevetStore) store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (chevet_audit_get_retention_days (store), ==, 730);
  }

  /* Open again: the saved value is shown. */
  gtk_window_destroy (GTK_WINDOW (audit));
  g_assert_null (chevet_window_get_audit_window (f->window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-audit", NULL));
  audit = CHEVET_AUDIT_WINDOW (chevet_window_get_audit_window (f->window));
  wait_read (audit);
  spin = display_template_child (audit, CHEVET_TYPE_AUDIT_WINDOW, "retention_spin");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 24);
  g_assert_false (audit_action_enabled (audit, "audit.save-retention"));
}

static void
on_query_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GError **error = user_data;
  ChevetAuditPage *page = chevet_session_query_audit_finish (CHEVET_SESSION (source), result, error);

  g_assert_null (page);
}

/* A clinician neither sees the audit view nor can read the trail through the session. */
static void
test_audit_clinician (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(ChevetStore) store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);

    g_assert_no_error (error);
    g_assert_true (chevet_store_add_account (store, NURSE, CHEVET_ROLE_CLINICIAN,
                                             "quiet lagoon evening", &error));
    g_assert_no_error (error);
  }
  display_unlock (f->window, NURSE, "quiet lagoon evening");
  g_assert_cmpint (chevet_session_get_role (f->session), ==, CHEVET_ROLE_CLINICIAN);

  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-audit", NULL) &&
                  chevet_window_get_audit_window (f->window) != NULL);
  g_assert_null (chevet_window_get_audit_window (f->window));

  chevet_session_query_audit_async (f->session, NULL, NULL, 0, 10, NULL, on_query_done, &error);
  WAIT_UNTIL (error != NULL);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
}

int
main (int argc, char *argv[])
{
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  clinic_ndjson = display_generate_clinic (11, N_PATIENTS);

  g_test_add ("/audit-view/entries-filters-break-glass-verify-lock", Fixture, NULL, fixture_setup,
              test_audit_view, fixture_teardown);
  g_test_add ("/audit-view/retention-saved-in-months", Fixture, NULL, fixture_setup,
              test_audit_retention, fixture_teardown);
  g_test_add ("/audit-view/clinician-sees-no-trail", Fixture, NULL, fixture_setup,
              test_audit_clinician, fixture_teardown);
  status = g_test_run ();
  g_free (clinic_ndjson);
  return status;
}
