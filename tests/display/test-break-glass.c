/* test-break-glass.c: a restricted record shows a barrier, opens with a reason, and the
 * reason is recorded as break-the-glass
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test builds a small encrypted workspace (cheap key derivation): Hélène Dupré, an
 * ordinary record, and Vera Veiled, whose Patient is labelled R (restricted) and whose
 * chart holds a problem and a medication the barrier must not show. The window is driven
 * through its actions, as a clinician's clicks would; the audit trail is read back from a
 * second connection. With the barrier shown, it is saved as break-glass-barrier.png in
 * the build folder of the tests (G_TEST_BUILDDIR).
 */
#define G_LOG_DOMAIN "test-break-glass"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-break-glass-page.h"
#include "chevet-chart.h"
#include "chevet-chart-view.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-patient-list.h"
#include "chevet-patient-row.h"
#include "chevet-patients-page.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define ACCOUNT     "dr.martin"
#define PASSPHRASE  "correct horse battery staple"
#define PROBLEM     "Sealed diagnosis Quixotia"
#define MEDICATION  "Clandestinol 20 mg"
#define REASON      "Brought in unconscious, need her medications"

#include "display-test-util.h"

static const char patients_ndjson[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"identifier\":[{\"value\":\"MRN-2001\"}],"
  "\"name\":[{\"family\":\"Dupré\",\"given\":[\"Hélène\"]}],\"gender\":\"female\",\"birthDate\":\"1984-03-12\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p-r\",\"meta\":{\"security\":[{\"system\":"
  "\"http://terminology.hl7.org/CodeSystem/v3-Confidentiality\",\"code\":\"R\"}]},"
  "\"identifier\":[{\"value\":\"MRN-2777\"}],"
  "\"name\":[{\"family\":\"Veiled\",\"given\":[\"Vera\"]}],\"gender\":\"female\",\"birthDate\":\"1979-05-04\"}\n"
  "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/p-r\"},"
  "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},\"code\":{\"text\":\"" PROBLEM "\"},"
  "\"onsetDateTime\":\"2020-02-02\"}\n"
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"m1\",\"status\":\"active\",\"intent\":\"order\","
  "\"subject\":{\"reference\":\"Patient/p-r\"},\"medicationCodeableConcept\":{\"text\":\"" MEDICATION "\"},"
  "\"authoredOn\":\"2024-01-01\"}\n";

typedef struct
{
  char          *tmpdir;
  char          *path;
  GSettings     *settings;
  ChevetSession *session;
  ChevetWindow  *window;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = display_make_tmpdir ("chevet-test-break-glass-XXXXXX", &f->path);
  g_object_unref (display_store_create (f->path, "Maison de santé", ACCOUNT, PASSPHRASE, patients_ndjson));
  f->window = display_window_open (f->path, 1100, 760, &f->settings, &f->session);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_window_close (f->window, &f->session, &f->settings);
  display_remove_tmpdir (&f->tmpdir, &f->path);
}

/* Widgets */

static ChevetPatientsPage *
patients_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page");
}

static ChevetBreakGlassPage *
barrier (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "break_glass_page");
}

static ChevetChartView *
chart_view (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_view");
}

static const char *
chart_page (Fixture *f)
{
  return gtk_stack_get_visible_child_name (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack"));
}

static gboolean
open_sensitive (Fixture *f)
{
  return gtk_widget_get_sensitive (display_template_child (barrier (f), CHEVET_TYPE_BREAK_GLASS_PAGE, "open_button"));
}

static void
unlock (Fixture *f)
{
  ChevetUnlockPage *page = display_template_child (f->window, CHEVET_TYPE_WINDOW, "unlock_page");

  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  display_unlock_start (f->window, ACCOUNT, PASSPHRASE);
  WAIT_UNTIL (!chevet_unlock_page_get_busy (page));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
  WAIT_UNTIL (!chevet_patients_page_get_searching (patients_page (f)) &&
              g_strcmp0 (chevet_patients_page_get_query (patients_page (f)), "") == 0);
}

static void
wait_for_chart (Fixture    *f,
                const char *patient_id)
{
  ChevetChart *chart;

  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (chart_view (f))) != NULL &&
              g_strcmp0 (chevet_patient_get_id (chart->patient), patient_id) == 0);
}

/* Whether any text a user could see or reach in the tree under @widget has @needle. */
static gboolean
tree_shows_text (GtkWidget  *widget,
                 const char *needle)
{
  g_autofree char *owned = NULL;
  const char *text = NULL;

  if (CHEVET_IS_PATIENT_ROW (widget))
    text = owned = chevet_patient_row_dup_text (CHEVET_PATIENT_ROW (widget));
  else if (GTK_IS_LABEL (widget))
    text = gtk_label_get_label (GTK_LABEL (widget));
  else if (GTK_IS_EDITABLE (widget))
    text = gtk_editable_get_text (GTK_EDITABLE (widget));
  else if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget)), &start, &end);
      text = owned = gtk_text_buffer_get_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget)), &start, &end, TRUE);
    }
  else if (ADW_IS_WINDOW_TITLE (widget))
    text = adw_window_title_get_title (ADW_WINDOW_TITLE (widget));
  if (text != NULL && strstr (text, needle) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (tree_shows_text (child, needle))
      return TRUE;
  return FALSE;
}

static void
type_reason (Fixture    *f,
             guint       category,
             const char *text)
{
  adw_combo_row_set_selected (ADW_COMBO_ROW (chevet_break_glass_page_get_category_row (barrier (f))), category);
  gtk_text_buffer_set_text (chevet_break_glass_page_get_reason_buffer (barrier (f)), text, -1);
}

static char *
dup_reason (Fixture *f)
{
  GtkTextBuffer *buffer = chevet_break_glass_page_get_reason_buffer (barrier (f));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
}

static gboolean
collect (const ChevetAuditEntry *entry,
         gpointer                user_data,
         GError                **error)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s|%s|%s|%s", entry->action, entry->patient ?: "",
                                               entry->outcome, entry->detail ?: ""));
  return TRUE;
}

/* The audit trail as "action|patient|outcome|detail" lines, from a connection of its own. */
static GPtrArray *
read_trail (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  g_assert_true (chevet_audit_foreach (store, 0, 0, collect, lines, &error));
  g_assert_no_error (error);
  return lines;
}

static guint
count_lines (GPtrArray  *lines,
             const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < lines->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (lines, i), prefix);
  return n;
}

static gboolean
keep_painting (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

/* Tests */

static void
test_barrier_then_reason_opens (Fixture       *f,
                                gconstpointer  data)
{
  AdwWindowTitle *title = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_title");
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *typed = NULL;
  guint tick;

  unlock (f);
  /* The list tags the restricted record before anyone opens it. */
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (patients_page (f)), "VEILED, Vera"));
  g_assert_true (tree_shows_text (GTK_WIDGET (patients_page (f)), "Restricted"));

  display_activate_row (f->window, "p-r");
  drain_main_loop ();
  g_assert_cmpstr (chart_page (f), ==, "restricted");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "Restricted Record");
  g_assert_cmpstr (chevet_break_glass_page_get_patient_id (barrier (f)), ==, "p-r");
  /* The name, as in the list; nothing of the chart, which was not even read. */
  g_assert_true (tree_shows_text (GTK_WIDGET (f->window), "VEILED, Vera"));
  g_assert_null (chevet_chart_view_get_chart (chart_view (f)));
  g_assert_false (chevet_chart_view_get_loading (chart_view (f)));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), PROBLEM));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), MEDICATION));
  /* The list shows the identifier, as for anyone; the chart pane does not. */
  g_assert_false (tree_shows_text (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_pane"), "MRN-2777"));
  before = read_trail (f);
  g_assert_cmpuint (count_lines (before, "chart-open|p-r"), ==, 0);

  /* No reason, no opening; "Other" wants a few words. */
  g_assert_false (open_sensitive (f));
  type_reason (f, 0, "   ");
  g_assert_false (open_sensitive (f));
  type_reason (f, 3, "curious");
  g_assert_false (open_sensitive (f));
  g_assert_true (gtk_widget_get_visible (display_template_child (barrier (f), CHEVET_TYPE_BREAK_GLASS_PAGE, "hint_label")));
  type_reason (f, 0, REASON);
  g_assert_true (open_sensitive (f));

  /* After the crossfade from the unlock page, so the picture shows the barrier alone. */
  WAIT_UNTIL (!gtk_stack_get_transition_running (display_template_child (f->window, CHEVET_TYPE_WINDOW, "stack")));
  /* display_save_png counts frames: a tick callback keeps the clock painting. */
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (f->window), keep_painting, NULL, NULL);
  display_save_png (GTK_WIDGET (f->window), g_getenv ("G_TEST_BUILDDIR") ?: ".", "break-glass-barrier.png");
  gtk_widget_remove_tick_callback (GTK_WIDGET (f->window), tick);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (barrier (f)), "break-glass.open", NULL));
  /* The typed reason does not stay in the widget once it was used. */
  typed = dup_reason (f);
  g_assert_cmpstr (typed, ==, "");
  wait_for_chart (f, "p-r");
  g_assert_cmpstr (chart_page (f), ==, "chart");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "VEILED, Vera");
  /* The chart is there now, so the strings checked above were really absent. */
  chevet_chart_view_set_section (chart_view (f), "problems");
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), PROBLEM));

  after = read_trail (f);
  expected = g_strdup_printf ("break-glass|p-r|success|category=emergency reason=%s", REASON);
  g_assert_true (g_ptr_array_find_with_equal_func (after, expected, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (after, "chart-open|p-r|success|break-glass", g_str_equal, NULL));
  g_assert_cmpuint (count_lines (after, "break-glass|"), ==, 1);

  /* Until the lock, the reason holds: back to the record without the barrier. */
  display_activate_row (f->window, "p1");
  wait_for_chart (f, "p1");
  display_activate_row (f->window, "p-r");
  g_assert_cmpstr (chart_page (f), ==, "chart");
  wait_for_chart (f, "p-r");
  g_clear_pointer (&after, g_ptr_array_unref);
  after = read_trail (f);
  g_assert_cmpuint (count_lines (after, "break-glass|"), ==, 1);
  g_assert_cmpuint (count_lines (after, "chart-open|p-r|success"), ==, 2);

  /* Lock, unlock: the barrier again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), PROBLEM));
  unlock (f);
  display_activate_row (f->window, "p-r");
  drain_main_loop ();
  g_assert_cmpstr (chart_page (f), ==, "restricted");
  g_assert_null (chevet_chart_view_get_chart (chart_view (f)));
  g_assert_false (open_sensitive (f));
}

static void
test_cancel_goes_back (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) trail = NULL;
  g_autofree char *reason = NULL;

  unlock (f);
  display_activate_row (f->window, "p-r");
  drain_main_loop ();
  g_assert_cmpstr (chart_page (f), ==, "restricted");
  type_reason (f, 1, "Her GP asked me to look");
  g_assert_true (open_sensitive (f));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (barrier (f)), "break-glass.cancel", NULL));
  drain_main_loop ();
  g_assert_cmpstr (chart_page (f), ==, "empty");
  g_assert_null (chevet_break_glass_page_get_patient_id (barrier (f)));
  reason = dup_reason (f);
  g_assert_cmpstr (reason, ==, "");
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "Her GP"));
  g_assert_null (chevet_chart_view_get_chart (chart_view (f)));
  trail = read_trail (f);
  g_assert_cmpuint (count_lines (trail, "break-glass|"), ==, 0);
  g_assert_cmpuint (count_lines (trail, "chart-open|p-r"), ==, 0);
}

/* What is typed goes with the lock, and no reason survives it. */
static void
test_lock_wipes_reason (Fixture       *f,
                        gconstpointer  data)
{
  unlock (f);
  display_activate_row (f->window, "p-r");
  drain_main_loop ();
  type_reason (f, 2, "She agreed on the phone");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "agreed on the phone"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "VEILED"));
  g_assert_null (chevet_break_glass_page_get_patient_id (barrier (f)));
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GError **error = data;
  ChevetChart *chart = chevet_session_open_chart_finish (CHEVET_SESSION (source), result, error);

  g_assert_null (chart);
  g_assert_nonnull (*error);
}

/* Whatever the window does, the session does not hand out a restricted chart without a
 * reason, and says why. */
static void
test_session_refuses_without_reason (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) trail = NULL;

  unlock (f);
  g_assert_false (chevet_session_has_access (f->session, "p-r"));
  chevet_session_open_chart_async (f->session, "p-r", NULL, on_opened, &error);
  WAIT_UNTIL (error != NULL);
  g_assert_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_RESTRICTED);
  g_assert_null (strstr (error->message, "Veiled"));
  trail = read_trail (f);
  g_assert_true (g_ptr_array_find_with_equal_func (trail, "chart-open|p-r|denied|restricted", g_str_equal, NULL));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  display_load_style ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);

  g_test_add ("/break-glass/barrier/reason-opens-and-is-recorded", Fixture, NULL,
              fixture_setup, test_barrier_then_reason_opens, fixture_teardown);
  g_test_add ("/break-glass/barrier/cancel-goes-back", Fixture, NULL,
              fixture_setup, test_cancel_goes_back, fixture_teardown);
  g_test_add ("/break-glass/barrier/lock-wipes-the-reason", Fixture, NULL,
              fixture_setup, test_lock_wipes_reason, fixture_teardown);
  g_test_add ("/break-glass/session/refuses-without-reason", Fixture, NULL,
              fixture_setup, test_session_refuses_without_reason, fixture_teardown);
  return g_test_run ();
}
