/* test-outbox-ui.c: writing a note and vital signs offline, the outbox, server settings
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test builds a small synthetic clinic (our generator, cheap key derivation) in a
 * temporary folder, opens a ChevetWindow on it with settings of its own, unlocks it
 * through the unlock page and opens a chart, then drives the dialogs through their
 * actions and widgets as a clinician would. A second store connection checks what was
 * written. Waits iterate the main loop until a condition holds, with a deadline.
 *
 * With CHEVET_OUTBOX_PNG_DIR=DIR, the vitals test saves vitals-error.png (a refused
 * temperature) and vitals-confirm.png there.
 */
#define G_LOG_DOMAIN "test-outbox-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-chart-row.h"
#include "chevet-chart-view.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-note-dialog.h"
#include "chevet-outbox.h"
#include "chevet-outbox-window.h"
#include "chevet-patient.h"
#include "chevet-patients-page.h"
#include "chevet-preferences-window.h"
#include "chevet-server-settings.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-vitals-dialog.h"
#include "chevet-window.h"

#define ACCOUNT      "dr.ndiaye"
#define PASSPHRASE   "correct horse battery staple"
#define N_PATIENTS   6
#define WAIT_SECONDS 30
/* What the tests type, so the widget tree can be searched for it. */
#define NOTE_TEXT    "Seen today. Cough for 3 days, no fever. Marker-7Q4Z."
#define NOTE_MARKER  "Marker-7Q4Z"

#include "display-test-util.h"

static char *clinic_ndjson;

typedef struct
{
  char          *tmpdir;
  char          *path;
  char          *patient_id;  /* a patient with encounters */
  GSettings     *settings;
  ChevetSession *session;
  ChevetWindow  *window;
} Fixture;

/* Workspace and window */

static ChevetStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);

  g_assert_no_error (error);
  return store;
}

static ChevetChartView *
chart_view (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_view");
}

static void
unlock (Fixture *f)
{
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  display_unlock (f->window, ACCOUNT, PASSPHRASE);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
}

/* Opens the chart as activating the patient's row does, and waits until it is shown. */
static ChevetChart *
open_chart (Fixture *f)
{
  ChevetChartView *view = chart_view (f);
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GPtrArray) found = chevet_store_search_patients (store, NULL, 0, 0, NULL);
  ChevetChart *chart;

  for (guint i = 0; i < found->len; i++)
    if (g_strcmp0 (chevet_patient_get_id (g_ptr_array_index (found, i)), f->patient_id) == 0)
      g_signal_emit_by_name (display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page"),
                             "patient-activated", g_ptr_array_index (found, i));
  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (view)) != NULL && !chevet_chart_view_get_loading (view));
  g_assert_cmpstr (chevet_patient_get_id (chart->patient), ==, f->patient_id);
  return chart;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;

  f->tmpdir = display_make_tmpdir ("chevet-test-outbox-ui-XXXXXX", &f->path);
  store = display_store_create (f->path, "Poste de santé", ACCOUNT, PASSPHRASE, clinic_ndjson);
  /* The patient with the most encounters: the note can name one. */
  patients = chevet_store_search_patients (store, NULL, 0, 0, &error);
  g_assert_no_error (error);
  {
    guint best = 0;

    for (guint i = 0; i < patients->len; i++)
      {
        const char *id = chevet_patient_get_id (g_ptr_array_index (patients, i));
        g_autoptr(ChevetChart) chart = chevet_store_read_chart (store, id, &error);

        g_assert_no_error (error);
        if (f->patient_id == NULL || chart->encounters->len > best)
          {
            g_free (f->patient_id);
            f->patient_id = g_strdup (id);
            best = chart->encounters->len;
          }
      }
    g_assert_cmpuint (best, >, 0);
  }
  g_clear_object (&store);

  f->window = display_window_open (f->path, 1100, 760, &f->settings, &f->session);
  unlock (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_window_close (f->window, &f->session, &f->settings);
  display_remove_tmpdir (&f->tmpdir, &f->path);
  g_free (f->patient_id);
}

/* Frames and pictures */

static void
save_png_when_asked (GtkWidget  *widget,
                     const char *name)
{
  const char *dir = g_getenv ("CHEVET_OUTBOX_PNG_DIR");

  if (dir != NULL)
    display_save_png (widget, dir, name);
}

/* Texts */

/* Whether any text held under @widget (labels, editables, text buffers, rows, status
 * pages, tooltips) contains @needle. */
static gboolean
tree_holds_text (GtkWidget  *widget,
                 const char *needle)
{
  const char *texts[4] = { NULL, };
  g_autofree char *buffer_text = NULL;
  GtkWidget *child;

  if (GTK_IS_LABEL (widget))
    texts[0] = gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_EDITABLE (widget))
    texts[1] = gtk_editable_get_text (GTK_EDITABLE (widget));
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      buffer_text = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
      texts[2] = buffer_text;
    }
  if (ADW_IS_ACTION_ROW (widget))
    texts[3] = adw_action_row_get_subtitle (ADW_ACTION_ROW (widget));
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] != NULL && strstr (texts[i], needle) != NULL)
      return TRUE;
  if (gtk_widget_get_tooltip_text (widget) != NULL && strstr (gtk_widget_get_tooltip_text (widget), needle) != NULL)
    return TRUE;

  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (tree_holds_text (child, needle))
      return TRUE;
  return FALSE;
}

/* Any toplevel of the process (the window, dialogs, popovers' surfaces). */
static gboolean
any_window_holds_text (const char *needle)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (tree_holds_text (window, needle))
        return TRUE;
    }
  return FALSE;
}

/* The first ChevetChartRow under @widget showing "Waiting to be sent" whose texts hold
 * @needle. */
static ChevetChartRow *
find_pending_row (GtkWidget  *widget,
                  const char *needle)
{
  GtkWidget *child;

  if (CHEVET_IS_CHART_ROW (widget) && gtk_widget_get_visible (widget) &&
      chevet_chart_row_get_pending (CHEVET_CHART_ROW (widget)) && tree_holds_text (widget, needle))
    return CHEVET_CHART_ROW (widget);
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      ChevetChartRow *row = find_pending_row (child, needle);

      if (row != NULL)
        return row;
    }
  return NULL;
}

static ChevetChartItem *
find_pending_note (ChevetChart *chart,
                   const char  *needle)
{
  for (guint i = 0; i < chart->documents->len; i++)
    {
      ChevetChartItem *n = g_ptr_array_index (chart->documents, i);

      if (n->pending && n->extra != NULL && strstr (n->extra, needle) != NULL)
        return n;
    }
  return NULL;
}

static gint64
count_waiting (Fixture *f)
{
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GError) error = NULL;
  gint64 n = chevet_outbox_count_waiting (store, &error);

  g_assert_no_error (error);
  return n;
}

static void
set_note_text (ChevetNoteDialog *dialog,
               const char       *text)
{
  GtkTextView *view = display_template_child (dialog, CHEVET_TYPE_NOTE_DIALOG, "text_view");

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
}

static ChevetNoteDialog *
open_note_dialog (Fixture *f)
{
  GtkWindow *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart_view (f)), "chart.add-note", NULL));
  dialog = chevet_chart_view_get_note_dialog (chart_view (f));
  g_assert_true (CHEVET_IS_NOTE_DIALOG (dialog));
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (f->window));
  g_assert_true (gtk_window_get_modal (dialog));
  return CHEVET_NOTE_DIALOG (dialog);
}

static ChevetVitalsDialog *
open_vitals_dialog (Fixture *f)
{
  GtkWindow *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart_view (f)), "chart.add-vitals", NULL));
  dialog = chevet_chart_view_get_vitals_dialog (chart_view (f));
  g_assert_true (CHEVET_IS_VITALS_DIALOG (dialog));
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (f->window));
  return CHEVET_VITALS_DIALOG (dialog);
}

static GtkWidget *
save_button (gpointer dialog,
             GType    type)
{
  return display_template_child (dialog, type, "save_button");
}

/* Tests */

static void
test_note_saved_and_waiting (Fixture       *f,
                             gconstpointer  data)
{
  ChevetNoteDialog *dialog;
  ChevetChart *chart;
  GtkWidget *save;
  GtkLabel *waiting;
  AdwComboRow *encounter_row;
  ChevetChartRow *row;

  chart = open_chart (f);
  g_assert_null (find_pending_note (chart, NOTE_MARKER));
  dialog = open_note_dialog (f);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  save = save_button (dialog, CHEVET_TYPE_NOTE_DIALOG);

  /* Nothing to save yet, nor blanks. */
  g_assert_false (gtk_widget_get_sensitive (save));
  set_note_text (dialog, "  \n\t ");
  g_assert_false (gtk_widget_get_sensitive (save));

  /* The encounter is a choice of the patient's recent ones, none by default. */
  encounter_row = display_template_child (dialog, CHEVET_TYPE_NOTE_DIALOG, "encounter_row");
  g_assert_cmpuint (adw_combo_row_get_selected (encounter_row), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (encounter_row)), ==,
                    MIN (chart->encounters->len, 10) + 1);

  set_note_text (dialog, NOTE_TEXT);
  g_assert_true (gtk_widget_get_sensitive (save));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "note.save", NULL));

  /* Saved: the dialog goes, and the chart read again shows the note, waiting. */
  WAIT_UNTIL (dialog == NULL);
  g_assert_null (chevet_chart_view_get_note_dialog (chart_view (f)));
  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (chart_view (f))) != NULL &&
              find_pending_note (chart, NOTE_MARKER) != NULL);
  g_assert_cmpint (count_waiting (f), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-section", "s", "notes"));
  display_wait_frames (GTK_WIDGET (f->window), 3);
  row = find_pending_row (GTK_WIDGET (chart_view (f)), NOTE_MARKER);
  g_assert_nonnull (row);
  g_assert_true (tree_holds_text (GTK_WIDGET (row), "Waiting to be sent"));
  /* The header counts what waits. */
  waiting = display_template_child (display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page"),
                            CHEVET_TYPE_PATIENTS_PAGE, "waiting_label");
  WAIT_UNTIL (g_strcmp0 (gtk_label_get_label (waiting), "1 waiting to be sent") == 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (waiting)));

  /* Locked and unlocked again (a new store connection): still there, still waiting. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  g_assert_false (any_window_holds_text (NOTE_MARKER));
  unlock (f);
  chart = open_chart (f);
  g_assert_nonnull (find_pending_note (chart, NOTE_MARKER));
}

static void
test_note_error_keeps_text (Fixture       *f,
                            gconstpointer  data)
{
  ChevetNoteDialog *dialog;
  GtkLabel *error_label;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  /* A patient the workspace does not have: the store refuses the note. */
  dialog = CHEVET_NOTE_DIALOG (chevet_note_dialog_new (GTK_WINDOW (f->window), f->session, "no-such-patient", NULL));
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  set_note_text (dialog, NOTE_TEXT);
  error_label = display_template_child (dialog, CHEVET_TYPE_NOTE_DIALOG, "error_label");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "note.save", NULL));
  g_assert_true (chevet_note_dialog_get_busy (dialog));
  g_assert_false (gtk_widget_get_sensitive (save_button (dialog, CHEVET_TYPE_NOTE_DIALOG)));
  WAIT_UNTIL (!chevet_note_dialog_get_busy (dialog));

  /* The error shows in the dialog; the text stays, ready to save again. */
  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_cmpstr (gtk_label_get_label (error_label), !=, "");
  g_assert_null (strstr (gtk_label_get_label (error_label), NOTE_MARKER));
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (display_template_child (dialog, CHEVET_TYPE_NOTE_DIALOG, "text_view")),
                              &start, &end);
  text = gtk_text_iter_get_text (&start, &end);
  g_assert_cmpstr (text, ==, NOTE_TEXT);
  g_assert_true (gtk_widget_get_sensitive (save_button (dialog, CHEVET_TYPE_NOTE_DIALOG)));
  g_assert_cmpint (count_waiting (f), ==, 0);

  /* Cancel closes it, and what was typed goes with it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  drain_main_loop ();
  WAIT_UNTIL (dialog == NULL);
  g_assert_false (any_window_holds_text (NOTE_MARKER));
}

static void
test_vitals_impossible_value (Fixture       *f,
                              gconstpointer  data)
{
  ChevetVitalsDialog *dialog;
  GtkEditable *temperature;
  AdwActionRow *row;
  GtkWidget *save;

  open_chart (f);
  dialog = open_vitals_dialog (f);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  save = save_button (dialog, CHEVET_TYPE_VITALS_DIALOG);
  temperature = chevet_vitals_dialog_get_entry (dialog, CHEVET_VITAL_TEMPERATURE);
  row = ADW_ACTION_ROW (chevet_vitals_dialog_get_row (dialog, CHEVET_VITAL_TEMPERATURE));

  /* Units in sight, beside each field. */
  g_assert_true (tree_holds_text (GTK_WIDGET (row), "°C"));
  g_assert_true (tree_holds_text (chevet_vitals_dialog_get_row (dialog, CHEVET_VITAL_WEIGHT), "kg"));
  g_assert_false (gtk_widget_get_sensitive (save));

  /* 385 for 38.5: refused as typed, with the accepted range under the field. */
  gtk_editable_set_text (temperature, "385");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (temperature), "error"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), "25"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), "45"));
  g_assert_false (gtk_widget_get_sensitive (save));
  save_png_when_asked (GTK_WIDGET (dialog), "vitals-error.png");

  /* Corrected: the mark goes, Save can be pressed. */
  gtk_editable_set_text (temperature, "38.5");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (temperature), "error"));
  g_assert_null (strstr (adw_action_row_get_subtitle (row), "not possible"));
  g_assert_true (gtk_widget_get_sensitive (save));

  /* Letters are no number. */
  gtk_editable_set_text (temperature, "38.5.1");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (temperature), "error"));
  g_assert_false (gtk_widget_get_sensitive (save));

  /* Half a blood pressure is not enough. */
  gtk_editable_set_text (temperature, "");
  gtk_editable_set_text (chevet_vitals_dialog_get_entry (dialog, CHEVET_VITAL_SYSTOLIC), "120");
  g_assert_false (gtk_widget_get_sensitive (save));
  gtk_editable_set_text (chevet_vitals_dialog_get_entry (dialog, CHEVET_VITAL_DIASTOLIC), "80");
  g_assert_true (gtk_widget_get_sensitive (save));

  gtk_window_close (GTK_WINDOW (dialog));
  WAIT_UNTIL (dialog == NULL);
  g_assert_cmpint (count_waiting (f), ==, 0);
}

static void
test_vitals_unusual_confirmed (Fixture       *f,
                               gconstpointer  data)
{
  ChevetVitalsDialog *dialog;
  AdwMessageDialog *question;
  ChevetChart *chart;
  const char *body;
  gboolean found = FALSE;

  open_chart (f);
  dialog = open_vitals_dialog (f);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_editable_set_text (chevet_vitals_dialog_get_entry (dialog, CHEVET_VITAL_TEMPERATURE), "34");
  gtk_editable_set_text (chevet_vitals_dialog_get_entry (dialog, CHEVET_VITAL_HEART_RATE), "72");
  g_assert_true (gtk_widget_get_sensitive (save_button (dialog, CHEVET_TYPE_VITALS_DIALOG)));

  /* Save asks first, naming the unusual value and its usual range. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "vitals.save", NULL));
  question = chevet_vitals_dialog_get_confirmation (dialog);
  g_assert_nonnull (question);
  body = adw_message_dialog_get_body (question);
  g_assert_nonnull (strstr (body, "34"));
  g_assert_nonnull (strstr (body, "35"));
  g_assert_null (strstr (body, "72"));
  save_png_when_asked (GTK_WIDGET (question), "vitals-confirm.png");

  /* "Correct": nothing saved, back to the form. */
  g_object_add_weak_pointer (G_OBJECT (question), (gpointer *) &question);
  /* As its button does: the response, then the dialog closes. */
  adw_message_dialog_response (question, "correct");
  gtk_window_close (GTK_WINDOW (question));
  WAIT_UNTIL (question == NULL);
  g_assert_null (chevet_vitals_dialog_get_confirmation (dialog));
  g_assert_nonnull (dialog);
  g_assert_cmpint (count_waiting (f), ==, 0);

  /* "Save anyway": saved, with that warning confirmed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "vitals.save", NULL));
  question = chevet_vitals_dialog_get_confirmation (dialog);
  g_assert_nonnull (question);
  adw_message_dialog_response (question, "save");
  gtk_window_close (GTK_WINDOW (question));
  WAIT_UNTIL (dialog == NULL);
  g_assert_cmpint (count_waiting (f), ==, 2);

  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (chart_view (f))) != NULL &&
              !chevet_chart_view_get_loading (chart_view (f)));
  for (guint i = 0; i < chart->vitals->len; i++)
    {
      ChevetChartItem *o = g_ptr_array_index (chart->vitals, i);

      if (g_strcmp0 (o->code, "8310-5") == 0)
        {
          g_assert_true (o->pending);
          g_assert_cmpfloat_with_epsilon (o->number, 34, 1e-9);
          found = TRUE;
        }
    }
  g_assert_true (found);
}

static void
test_parse_number (void)
{
  double v = 0;

  /* A French user: the comma, and the point too. */
  g_assert_true (chevet_vitals_parse_number ("38,5", ",", &v));
  g_assert_cmpfloat (v, ==, 38.5);
  g_assert_true (chevet_vitals_parse_number ("38.5", ",", &v));
  g_assert_cmpfloat (v, ==, 38.5);
  g_assert_true (chevet_vitals_parse_number (" 72 ", ",", &v));
  g_assert_cmpfloat (v, ==, 72);
  g_assert_true (chevet_vitals_parse_number ("0,2", ",", &v));
  g_assert_cmpfloat (v, ==, 0.2);
  /* Where "," groups thousands, it is no decimal separator. */
  g_assert_true (chevet_vitals_parse_number ("38.5", ".", &v));
  g_assert_cmpfloat (v, ==, 38.5);
  g_assert_false (chevet_vitals_parse_number ("38,5", ".", &v));
  /* Not numbers. */
  g_assert_false (chevet_vitals_parse_number ("", ",", &v));
  g_assert_false (chevet_vitals_parse_number (",", ",", &v));
  g_assert_false (chevet_vitals_parse_number ("38,5,1", ",", &v));
  g_assert_false (chevet_vitals_parse_number ("38.5,1", ",", &v));
  g_assert_false (chevet_vitals_parse_number ("38 5", ",", &v));
  g_assert_false (chevet_vitals_parse_number ("-3", ",", &v));
  g_assert_false (chevet_vitals_parse_number ("1e3", ",", &v));
  g_assert_false (chevet_vitals_parse_number ("38.5°", ",", &v));
  g_assert_false (chevet_vitals_parse_number (NULL, ",", &v));
  /* The C locale of the test: the point. */
  g_assert_true (chevet_vitals_parse_number ("36.6", NULL, &v));
  g_assert_cmpfloat (v, ==, 36.6);
}

static void
test_lock_wipes_dialogs (Fixture       *f,
                         gconstpointer  data)
{
  ChevetNoteDialog *note;
  ChevetVitalsDialog *vitals;
  g_autoptr(GtkTextBuffer) buffer = NULL;
  g_autoptr(GtkEntryBuffer) entry_buffer = NULL;
  GtkTextIter start, end;
  g_autofree char *left = NULL;

  open_chart (f);
  note = open_note_dialog (f);
  g_object_add_weak_pointer (G_OBJECT (note), (gpointer *) &note);
  set_note_text (note, NOTE_TEXT);
  buffer = g_object_ref (gtk_text_view_get_buffer (display_template_child (note, CHEVET_TYPE_NOTE_DIALOG, "text_view")));
  vitals = open_vitals_dialog (f);
  g_object_add_weak_pointer (G_OBJECT (vitals), (gpointer *) &vitals);
  gtk_editable_set_text (chevet_vitals_dialog_get_entry (vitals, CHEVET_VITAL_WEIGHT), "61.37");
  entry_buffer = g_object_ref (gtk_entry_get_buffer (GTK_ENTRY (chevet_vitals_dialog_get_entry (vitals, CHEVET_VITAL_WEIGHT))));
  /* An unusual value being asked about goes too. */
  gtk_editable_set_text (chevet_vitals_dialog_get_entry (vitals, CHEVET_VITAL_TEMPERATURE), "34");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (vitals), "vitals.save", NULL));
  g_assert_nonnull (chevet_vitals_dialog_get_confirmation (vitals));
  g_assert_true (any_window_holds_text (NOTE_MARKER));
  g_assert_true (any_window_holds_text ("61.37"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  WAIT_UNTIL (note == NULL && vitals == NULL);
  g_assert_null (chevet_chart_view_get_note_dialog (chart_view (f)));
  g_assert_null (chevet_chart_view_get_vitals_dialog (chart_view (f)));

  /* Their buffers were emptied, not only their windows dropped. */
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  left = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
  g_assert_cmpstr (left, ==, "");
  g_assert_cmpstr (gtk_entry_buffer_get_text (entry_buffer), ==, "");

  /* No window of the process holds what was typed. */
  g_assert_false (any_window_holds_text (NOTE_MARKER));
  g_assert_false (any_window_holds_text ("61.37"));
  g_assert_false (any_window_holds_text ("34 °C"));
  g_assert_cmpint (count_waiting (f), ==, 0);
}

static void
test_outbox_window (Fixture       *f,
                    gconstpointer  data)
{
  ChevetOutboxWindow *outbox;
  ChevetNoteDialog *dialog;
  GListModel *model;

  open_chart (f);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-outbox", NULL));
  outbox = CHEVET_OUTBOX_WINDOW (chevet_window_get_outbox_window (f->window));
  g_assert_nonnull (outbox);
  g_object_add_weak_pointer (G_OBJECT (outbox), (gpointer *) &outbox);
  WAIT_UNTIL (!chevet_outbox_window_get_loading (outbox));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "stack")),
                   ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "empty_page")),
                   ==, "Nothing Waiting to Be Sent");
  gtk_window_destroy (GTK_WINDOW (outbox));
  WAIT_UNTIL (outbox == NULL);

  dialog = open_note_dialog (f);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  set_note_text (dialog, NOTE_TEXT);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "note.save", NULL));
  WAIT_UNTIL (dialog == NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-outbox", NULL));
  outbox = CHEVET_OUTBOX_WINDOW (chevet_window_get_outbox_window (f->window));
  g_object_add_weak_pointer (G_OBJECT (outbox), (gpointer *) &outbox);
  WAIT_UNTIL (!chevet_outbox_window_get_loading (outbox));
  model = chevet_outbox_window_get_model (outbox);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "stack")),
                   ==, "list");
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Progress note"));
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Waiting to be sent"));
  /* Never the note's text. */
  g_assert_false (tree_holds_text (GTK_WIDGET (outbox), NOTE_MARKER));

  /* The sync button is there, insensitive without a server (tests/display/test-sync-ui.c). */
  {
    GtkWidget *sync = display_template_child (display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page"),
                                      CHEVET_TYPE_PATIENTS_PAGE, "sync_button");

    g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (sync)), ==, "win.sync");
    g_assert_false (gtk_widget_get_sensitive (sync));
  }

  /* Lock closes it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  WAIT_UNTIL (outbox == NULL);
}

static void
test_server_settings (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *preferences = g_object_ref (chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings));
  ChevetPreferencesWindow *prefs = CHEVET_PREFERENCES_WINDOW (preferences);
  AdwEntryRow *url_row = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "url_row");
  AdwEntryRow *token_row = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "token_row");
  AdwComboRow *auth_row = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "auth_row");
  GtkLabel *connection_error = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "connection_error_label");
  GtkWidget *test_button = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "test_connection_button");
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetServerSettings) saved = NULL;
  g_autoptr(GError) error = NULL;

  chevet_preferences_window_set_session (prefs, f->session);
  gtk_window_present (GTK_WINDOW (preferences));
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, "");
  /* Test Connection works on what is typed (tests/display/test-sync-ui.c). */
  g_assert_true (gtk_widget_get_sensitive (test_button));

  /* Plain http to a host on the network: the URL row says no, nothing is saved. */
  gtk_editable_set_text (GTK_EDITABLE (url_row), "http://example.org");
  g_assert_true (gtk_widget_activate_action (preferences, "server.save", NULL));
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (url_row), "error"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (connection_error)));
  g_assert_cmpstr (gtk_label_get_label (connection_error), !=, "");
  /* What was typed stays. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, "http://example.org");
  store = open_store (f);
  saved = chevet_server_settings_load (store, &error);
  g_assert_no_error (error);
  g_assert_null (saved);
  g_clear_object (&store);

  /* A good one, with a bearer token: saved, read back, the token never shown. */
  gtk_editable_set_text (GTK_EDITABLE (url_row), "https://ehr.clinique-test.org/fhir");
  adw_combo_row_set_selected (auth_row, CHEVET_SERVER_AUTH_BEARER);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (token_row)));
  gtk_editable_set_text (GTK_EDITABLE (token_row), "tok-Zx81-secret");
  g_assert_true (gtk_widget_activate_action (preferences, "server.save", NULL));
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs) &&
              g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (token_row)), "") == 0);
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (url_row), "error"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (connection_error)));

  store = open_store (f);
  saved = chevet_server_settings_load (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (saved);
  g_assert_cmpstr (chevet_server_settings_get_base_url (saved), ==, "https://ehr.clinique-test.org/fhir");
  g_assert_cmpint (chevet_server_settings_get_auth (saved), ==, CHEVET_SERVER_AUTH_BEARER);
  g_assert_cmpstr (chevet_server_settings_get_token (saved), ==, "tok-Zx81-secret");
  g_clear_pointer (&saved, chevet_server_settings_free);
  g_clear_object (&store);

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, "https://ehr.clinique-test.org/fhir");
  g_assert_cmpuint (adw_combo_row_get_selected (auth_row), ==, CHEVET_SERVER_AUTH_BEARER);
  g_assert_true (gtk_widget_get_visible (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "token_set_label")));
  g_assert_false (tree_holds_text (preferences, "tok-Zx81-secret"));

  /* The audit trail goes to the server unless switched off. */
  g_assert_true (gtk_switch_get_active (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "send_audit_switch")));

  /* Saving again without typing a token keeps it. */
  gtk_editable_set_text (GTK_EDITABLE (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "scope_row")),
                         "organization=Organization/1");
  gtk_switch_set_active (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "send_audit_switch"), FALSE);
  g_assert_true (gtk_widget_activate_action (preferences, "server.save", NULL));
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs));
  drain_main_loop ();
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs));
  store = open_store (f);
  saved = chevet_server_settings_load (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chevet_server_settings_get_token (saved), ==, "tok-Zx81-secret");
  g_assert_cmpstr (chevet_server_settings_get_patient_scope (saved), ==, "organization=Organization/1");
  g_assert_false (chevet_server_settings_get_send_audit (saved));

  /* Locking empties the page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, "");
  g_assert_false (tree_holds_text (preferences, "clinique-test"));

  gtk_window_destroy (GTK_WINDOW (preferences));
  drain_main_loop ();
  g_assert_finalize_object (preferences);
}

/* Conflicts */

#define SERVER_TEXT   "Seen today by the night team. Cough resolved. Marker-S3RV."
#define SERVER_MARKER "Marker-S3RV"

/* Puts a note in conflict through the core API, as the sync engine would after a 412:
 * the server's version is a DocumentReference with other text and meta.versionId "2". */
static gint64
make_conflict (Fixture *f)
{
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetOutboxItem) item = NULL;
  g_autofree char *data = g_base64_encode ((const guchar *) SERVER_TEXT, strlen (SERVER_TEXT));
  g_autofree char *server_id = NULL;
  g_autofree char *server_json = NULL;

  item = chevet_outbox_add_note (store, f->patient_id, NULL, NOTE_TEXT, "Dr Ndiaye", &error);
  g_assert_no_error (error);
  g_assert_true (chevet_outbox_mark_sending (store, item, &error));
  g_assert_no_error (error);
  server_id = g_strdup_printf ("srv-%" G_GINT64_FORMAT, chevet_outbox_item_get_seq (item));
  server_json = g_strdup_printf ("{\"resourceType\":\"DocumentReference\",\"id\":\"%s\","
                                 "\"meta\":{\"versionId\":\"2\",\"lastUpdated\":\"2026-01-15T09:30:00Z\"},"
                                 "\"status\":\"current\",\"docStatus\":\"final\","
                                 "\"type\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11506-3\","
                                 "\"display\":\"Progress note\"}],\"text\":\"Progress note\"},"
                                 "\"subject\":{\"reference\":\"Patient/%s\"},"
                                 "\"date\":\"2026-01-15T09:00:00Z\",\"author\":[{\"display\":\"Dr Sow\"}],"
                                 "\"content\":[{\"attachment\":{\"contentType\":\"text/plain;charset=utf-8\","
                                 "\"data\":\"%s\"}}]}",
                                 server_id, f->patient_id, data);
  g_assert_true (chevet_outbox_mark_conflict (store, item, server_json, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_item_get_state (item), ==, CHEVET_OUTBOX_STATE_CONFLICT);
  return chevet_outbox_item_get_seq (item);
}

/* The item's row, read again from the store. */
static ChevetOutboxItem *
read_item (Fixture *f,
           gint64   seq)
{
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) items = chevet_outbox_list (store, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(ChevetOutboxItem) item = g_list_model_get_item (items, i);

      if (chevet_outbox_item_get_seq (item) == seq)
        return g_steal_pointer (&item);
    }
  g_assert_not_reached ();
  return NULL;
}

static ChevetOutboxWindow *
open_outbox (Fixture *f)
{
  ChevetOutboxWindow *outbox;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-outbox", NULL));
  outbox = CHEVET_OUTBOX_WINDOW (chevet_window_get_outbox_window (f->window));
  g_assert_nonnull (outbox);
  WAIT_UNTIL (!chevet_outbox_window_get_loading (outbox));
  return outbox;
}

/* The list row of the conflict, activated as a click or Enter does. */
static void
activate_conflict_row (ChevetOutboxWindow *outbox,
                       gint64              seq)
{
  GListModel *model = chevet_outbox_window_get_model (outbox);
  GtkListBox *list_box = display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "list_box");

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChevetOutboxItem) item = g_list_model_get_item (model, i);
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (list_box, i);

      if (chevet_outbox_item_get_seq (item) != seq)
        continue;
      g_assert_true (gtk_list_box_row_get_activatable (row));
      g_assert_true (tree_holds_text (GTK_WIDGET (row), "Conflict: changed on the server"));
      g_signal_emit_by_name (list_box, "row-activated", row);
      WAIT_UNTIL (chevet_outbox_window_get_conflict (outbox) != NULL && !chevet_outbox_window_get_busy (outbox));
      g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "stack")),
                       ==, "conflict");
      return;
    }
  g_assert_not_reached ();
}

static ChevetChartRow *
find_chart_row (GtkWidget  *widget,
                const char *needle)
{
  GtkWidget *child;

  if (CHEVET_IS_CHART_ROW (widget) && gtk_widget_get_visible (widget) && tree_holds_text (widget, needle))
    return CHEVET_CHART_ROW (widget);
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      ChevetChartRow *row = find_chart_row (child, needle);

      if (row != NULL)
        return row;
    }
  return NULL;
}

static void
show_notes (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-section", "s", "notes"));
  drain_main_loop ();
}

static void
test_conflict_keep_mine (Fixture       *f,
                         gconstpointer  data)
{
  ChevetOutboxWindow *outbox;
  g_autoptr(ChevetOutboxItem) after = NULL;
  ChevetChartRow *row;
  gint64 seq = make_conflict (f);

  /* The chart says "Conflict", not "Waiting to be sent". */
  open_chart (f);
  show_notes (f);
  WAIT_UNTIL ((row = find_chart_row (GTK_WIDGET (chart_view (f)), NOTE_MARKER)) != NULL);
  g_assert_true (chevet_chart_row_get_conflict (row));
  g_assert_true (tree_holds_text (GTK_WIDGET (row), "Conflict"));
  g_assert_false (tree_holds_text (GTK_WIDGET (row), "Waiting to be sent"));

  outbox = open_outbox (f);
  g_object_add_weak_pointer (G_OBJECT (outbox), (gpointer *) &outbox);
  /* The list never shows the text, even of a conflict. */
  g_assert_false (tree_holds_text (GTK_WIDGET (outbox), NOTE_MARKER));
  activate_conflict_row (outbox, seq);

  /* Both versions, in words: texts, authors, the server's version; not JSON. */
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), NOTE_TEXT));
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), SERVER_TEXT));
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Dr Ndiaye"));
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Dr Sow"));
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Version on the server"));
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Differs"));
  g_assert_false (tree_holds_text (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "mine_group"), "resourceType"));
  /* The raw FHIR is there for IT staff, folded away. */
  g_assert_false (gtk_expander_get_expanded (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "fhir_expander")));
  g_assert_true (tree_holds_text (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "server_json_label"),
                                  "\"versionId\" : \"2\""));

  /* Back and in again changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (outbox), "outbox.back", NULL));
  g_assert_null (chevet_outbox_window_get_conflict (outbox));
  g_assert_false (tree_holds_text (GTK_WIDGET (outbox), NOTE_MARKER));
  g_assert_false (tree_holds_text (GTK_WIDGET (outbox), SERVER_MARKER));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (outbox), "outbox.show-conflict", "x", seq));
  WAIT_UNTIL (chevet_outbox_window_get_conflict (outbox) != NULL && !chevet_outbox_window_get_busy (outbox));

  /* Keep mine: no question, sent again as an update of the server's version 2. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (outbox), "outbox.keep-mine", NULL));
  g_assert_null (chevet_outbox_window_get_confirmation (outbox));
  WAIT_UNTIL (chevet_outbox_window_get_conflict (outbox) == NULL && !chevet_outbox_window_get_busy (outbox) &&
              !chevet_outbox_window_get_loading (outbox));
  after = read_item (f, seq);
  g_assert_cmpint (chevet_outbox_item_get_state (after), ==, CHEVET_OUTBOX_STATE_WAITING);
  g_assert_true (chevet_outbox_item_is_update (after));
  g_assert_cmpstr (chevet_outbox_item_get_base_version (after), ==, "2");
  /* The list shows the new state, and the page is emptied. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "stack")),
                   ==, "list");
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Waiting to be sent"));
  g_assert_false (tree_holds_text (GTK_WIDGET (outbox), "Conflict: changed on the server"));
  g_assert_false (tree_holds_text (GTK_WIDGET (outbox), SERVER_MARKER));

  gtk_window_destroy (GTK_WINDOW (outbox));
  WAIT_UNTIL (outbox == NULL);
}

static void
test_conflict_take_server (Fixture       *f,
                           gconstpointer  data)
{
  ChevetOutboxWindow *outbox;
  GtkWidget *confirmation;
  g_autoptr(ChevetOutboxItem) after = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  ChevetChartRow *row;
  gint64 seq = make_conflict (f);
  gboolean found = FALSE;

  open_chart (f);
  outbox = open_outbox (f);
  g_object_add_weak_pointer (G_OBJECT (outbox), (gpointer *) &outbox);
  activate_conflict_row (outbox, seq);

  /* Cancel in the confirmation changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (outbox), "outbox.take-server", NULL));
  confirmation = chevet_outbox_window_get_confirmation (outbox);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (confirmation));
  g_object_add_weak_pointer (G_OBJECT (confirmation), (gpointer *) &confirmation);
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (confirmation), "discard"),
                   ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (confirmation)), ==, "cancel");
  /* Nothing can be chosen while the question is open. */
  g_assert_false (gtk_widget_get_sensitive (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "keep_button")));
  g_assert_false (gtk_widget_get_sensitive (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "take_button")));
  /* As its button does: the response, then the dialog closes. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirmation), "cancel");
  gtk_window_close (GTK_WINDOW (confirmation));
  WAIT_UNTIL (confirmation == NULL);
  drain_main_loop ();
  g_assert_null (chevet_outbox_window_get_confirmation (outbox));
  g_assert_nonnull (chevet_outbox_window_get_conflict (outbox));
  after = read_item (f, seq);
  g_assert_cmpint (chevet_outbox_item_get_state (after), ==, CHEVET_OUTBOX_STATE_CONFLICT);
  g_assert_cmpstr (chevet_outbox_item_get_server_version (after), ==, "2");
  g_clear_object (&after);
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), NOTE_TEXT));

  /* Discard mine, confirmed: sent, and the chart has the server's text only. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (outbox), "outbox.take-server", NULL));
  confirmation = chevet_outbox_window_get_confirmation (outbox);
  g_object_add_weak_pointer (G_OBJECT (confirmation), (gpointer *) &confirmation);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirmation), "discard");
  gtk_window_close (GTK_WINDOW (confirmation));
  WAIT_UNTIL (confirmation == NULL && chevet_outbox_window_get_conflict (outbox) == NULL &&
              !chevet_outbox_window_get_busy (outbox) && !chevet_outbox_window_get_loading (outbox));
  after = read_item (f, seq);
  g_assert_cmpint (chevet_outbox_item_get_state (after), ==, CHEVET_OUTBOX_STATE_SENT);
  g_assert_true (tree_holds_text (GTK_WIDGET (outbox), "Sent"));

  store = open_store (f);
  chart = chevet_store_read_chart (store, f->patient_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < chart->documents->len; i++)
    {
      ChevetChartItem *n = g_ptr_array_index (chart->documents, i);

      g_assert_true (n->extra == NULL || strstr (n->extra, NOTE_MARKER) == NULL);
      if (n->extra != NULL && strstr (n->extra, SERVER_MARKER) != NULL)
        {
          found = TRUE;
          g_assert_false (n->pending);
          g_assert_false (n->conflict);
        }
    }
  g_assert_true (found);

  /* The open chart reads itself again after the decision: the server's note, as any other. */
  show_notes (f);
  WAIT_UNTIL ((row = find_chart_row (GTK_WIDGET (chart_view (f)), SERVER_MARKER)) != NULL);
  gtk_window_destroy (GTK_WINDOW (outbox));
  WAIT_UNTIL (outbox == NULL);
  g_assert_false (chevet_chart_row_get_conflict (row));
  g_assert_false (chevet_chart_row_get_pending (row));
  g_assert_false (any_window_holds_text (NOTE_MARKER));
}

static void
test_conflict_lock_clears (Fixture       *f,
                           gconstpointer  data)
{
  ChevetOutboxWindow *outbox;
  GtkWidget *confirmation;
  g_autoptr(ChevetOutboxItem) after = NULL;
  gint64 seq = make_conflict (f);

  open_chart (f);
  outbox = open_outbox (f);
  g_object_add_weak_pointer (G_OBJECT (outbox), (gpointer *) &outbox);
  activate_conflict_row (outbox, seq);
  gtk_expander_set_expanded (display_template_child (outbox, CHEVET_TYPE_OUTBOX_WINDOW, "fhir_expander"), TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (outbox), "outbox.take-server", NULL));
  confirmation = chevet_outbox_window_get_confirmation (outbox);
  g_object_add_weak_pointer (G_OBJECT (confirmation), (gpointer *) &confirmation);
  g_assert_true (any_window_holds_text (SERVER_MARKER));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  WAIT_UNTIL (outbox == NULL && confirmation == NULL);
  g_assert_false (any_window_holds_text (NOTE_MARKER));
  g_assert_false (any_window_holds_text (SERVER_MARKER));
  g_assert_false (any_window_holds_text ("Dr Sow"));

  /* Lock is no decision: still in conflict. */
  after = read_item (f, seq);
  g_assert_cmpint (chevet_outbox_item_get_state (after), ==, CHEVET_OUTBOX_STATE_CONFLICT);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  display_load_style ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  clinic_ndjson = display_generate_clinic (7, N_PATIENTS);

  g_test_add ("/outbox-ui/note/saved-shown-waiting-and-kept", Fixture, NULL,
              fixture_setup, test_note_saved_and_waiting, fixture_teardown);
  g_test_add ("/outbox-ui/note/error-shown-text-kept", Fixture, NULL,
              fixture_setup, test_note_error_keeps_text, fixture_teardown);
  g_test_add ("/outbox-ui/vitals/impossible-value-marks-field", Fixture, NULL,
              fixture_setup, test_vitals_impossible_value, fixture_teardown);
  g_test_add ("/outbox-ui/vitals/unusual-value-saved-only-once-confirmed", Fixture, NULL,
              fixture_setup, test_vitals_unusual_confirmed, fixture_teardown);
  g_test_add_func ("/outbox-ui/vitals/parse-comma-and-point", test_parse_number);
  g_test_add ("/outbox-ui/lock/destroys-dialogs-and-wipes-buffers", Fixture, NULL,
              fixture_setup, test_lock_wipes_dialogs, fixture_teardown);
  g_test_add ("/outbox-ui/outbox/lists-items-without-text", Fixture, NULL,
              fixture_setup, test_outbox_window, fixture_teardown);
  g_test_add ("/outbox-ui/conflict/chart-tagged-both-shown-keep-mine-sends-update", Fixture, NULL,
              fixture_setup, test_conflict_keep_mine, fixture_teardown);
  g_test_add ("/outbox-ui/conflict/use-server-asks-cancel-keeps-discard-sends", Fixture, NULL,
              fixture_setup, test_conflict_take_server, fixture_teardown);
  g_test_add ("/outbox-ui/conflict/lock-clears-page-and-question", Fixture, NULL,
              fixture_setup, test_conflict_lock_clears, fixture_teardown);

  g_test_add ("/outbox-ui/server/http-refused-on-url-row-then-saved-secret-hidden", Fixture, NULL,
              fixture_setup, test_server_settings, fixture_teardown);

  status = g_test_run ();
  g_free (clinic_ndjson);
  return status;
}
