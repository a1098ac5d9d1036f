/* test-training-walkthrough.c: the six tutorials, walked in the real window
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A training workspace made with chevet_training_create in a temporary folder (the
 * trainer amara, the trainee lea), opened in a ChevetWindow and unlocked as the trainee.
 * Each tutorial is started from the training hub and walked to its end the way a
 * trainee would: typing in the search box, opening a chart as a row activation does,
 * switching the chart's sections, showing the creatinine trend, writing a note, opening
 * the outbox, locking and unlocking, answering in the callout. At every action step a
 * wrong gesture comes first and must not advance; at every step the target must be
 * found. Then: progress kept across a new window and session, a lock that closes a
 * tutorial on a patient (and leaves no patient text behind), no sync, the marker, and a
 * trainee refused by a clinical workspace.
 *
 * With CHEVET_TRAINING_PNG_DIR=DIR, a spotlighted step of the first tutorial is saved
 * there in English (training-tutorial.png) and in French (training-tutorial-fr.png).
 */
#define G_LOG_DOMAIN "test-training-walkthrough"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-chart-print.h"
#include "chevet-chart-view.h"
#include "chevet-note-dialog.h"
#include "chevet-outbox.h"
#include "chevet-patient.h"
#include "chevet-patients-page.h"
#include "chevet-preferences-window.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-store-private.h"
#include "chevet-sync.h"
#include "chevet-training-hub.h"
#include "chevet-training-marker.h"
#include "chevet-training.h"
#include "chevet-tutorial-overlay.h"
#include "chevet-tutorial.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define TRAINER       "amara"
#define TRAINER_PASS  "mango tree at noon"
#define TRAINEE       "lea"
#define TRAINEE_PASS  "paper boats drifting"
#define WAIT_SECONDS  30

#include "display-test-util.h"

static char *tmp_dir;
static char *training_path;
static char *clinic_path;
static char *other_patient_id;  /* a training patient no tutorial is about */

typedef struct
{
  GSettings     *settings;
  ChevetSession *session;
  ChevetWindow  *window;
} Fixture;

/* ------------------------------------------------------------------ workspaces */

static void
create_workspaces (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) training = NULL;
  g_autoptr(ChevetStore) clinic = NULL;
  g_autoptr(GPtrArray) patients = NULL;

  tmp_dir = display_make_tmpdir ("chevet-test-training-XXXXXX", &clinic_path);
  training_path = g_build_filename (tmp_dir, "training", NULL);

  training = chevet_training_create (training_path, TRAINER, TRAINER_PASS, NULL, &error);
  g_assert_no_error (error);
  /* The demo's trainee passphrase passes the policy. */
  g_assert_true (chevet_store_add_account (training, TRAINEE, CHEVET_ROLE_TRAINEE, TRAINEE_PASS, &error));
  g_assert_no_error (error);

  patients = chevet_store_search_patients (training, NULL, 0, 20, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < patients->len && other_patient_id == NULL; i++)
    {
      ChevetPatient *p = g_ptr_array_index (patients, i);

      if (!chevet_patient_is_restricted (p) && g_strcmp0 (chevet_patient_get_id (p), "chv-pat-000012") != 0)
        other_patient_id = g_strdup (chevet_patient_get_id (p));
    }
  g_assert_nonnull (other_patient_id);

  /* A clinical workspace where lea's slot somehow became a trainee's. */
  clinic = display_store_create (clinic_path, "Poste de santé", TRAINER, TRAINER_PASS, NULL);
  g_assert_true (chevet_store_add_account (clinic, TRAINEE, CHEVET_ROLE_CLINICIAN, TRAINEE_PASS, &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_exec (clinic, "UPDATE accounts SET role = 'trainee' WHERE account = 'lea'", &error));
  g_assert_no_error (error);
}

/* The training patient's chart, read by the test itself (as the trainer). */
static ChevetChart *
read_chart (const char *patient_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) store = chevet_store_open (training_path, TRAINER, TRAINER_PASS, &error);
  ChevetChart *chart;

  g_assert_no_error (error);
  chart = chevet_store_read_chart (store, patient_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (chart);
  return chart;
}

/* ------------------------------------------------------------------ fixture */

static void
fixture_open (Fixture    *f,
              const char *path)
{
  f->window = display_window_new (path, 0, 0, &f->settings, &f->session);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 760);
  gtk_window_present (GTK_WINDOW (f->window));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
  drain_main_loop ();
}

static void
fixture_close (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  drain_main_loop ();
  /* A tutorial's overlay leaves on an idle. */
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  drain_main_loop ();
  g_assert_finalize_object (f->window);
  f->window = NULL;

  display_session_finalize (&f->session);
  g_clear_object (&f->settings);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_open (f, training_path);
}

static void
fixture_setup_clinic (Fixture       *f,
                      gconstpointer  data)
{
  fixture_open (f, clinic_path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_close (f);
}

/* ------------------------------------------------------------------ widgets */

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

static ChevetUnlockPage *
unlock_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "unlock_page");
}

static ChevetTutorialOverlay *
overlay (Fixture *f)
{
  GtkWidget *o = chevet_window_get_tutorial_overlay (f->window);

  return o != NULL ? CHEVET_TUTORIAL_OVERLAY (o) : NULL;
}

static ChevetTutorialRun *
run (Fixture *f)
{
  g_assert_nonnull (overlay (f));
  return chevet_tutorial_overlay_get_run (overlay (f));
}

static guint
position (Fixture *f)
{
  return chevet_tutorial_run_get_position (run (f));
}

static void
wait_frames (Fixture *f,
             guint    n)
{
  display_wait_frames (GTK_WIDGET (f->window), n);
}

static void
try_unlock (Fixture    *f,
            const char *account,
            const char *passphrase)
{
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  display_unlock_start (f->window, account, passphrase);
}

static void
unlock_as (Fixture    *f,
           const char *account,
           const char *passphrase)
{
  try_unlock (f, account, passphrase);
  WAIT_UNTIL (chevet_session_get_unlocked (f->session));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
  /* The unlock page has faded out (screenshots). */
  WAIT_UNTIL (!gtk_stack_get_transition_running (display_template_child (f->window, CHEVET_TYPE_WINDOW, "stack")));
  WAIT_UNTIL (!chevet_patients_page_get_searching (patients_page (f)) &&
              g_strcmp0 (chevet_patients_page_get_query (patients_page (f)), "") == 0);
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
}

static void
search (Fixture    *f,
        const char *text)
{
  GtkEditable *entry = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "search_entry");

  gtk_editable_set_text (entry, text);
  WAIT_UNTIL (!chevet_patients_page_get_searching (patients_page (f)) &&
              g_strcmp0 (chevet_patients_page_get_query (patients_page (f)), text) == 0);
}

/* Opens a chart as activating its row does, and waits until it is shown. */
static void
open_patient (Fixture    *f,
              const char *patient_id)
{
  g_autoptr(ChevetChart) source = read_chart (patient_id);
  ChevetChart *chart;

  g_signal_emit_by_name (patients_page (f), "patient-activated", source->patient);
  WAIT_UNTIL ((chart = chevet_chart_view_get_chart (chart_view (f))) != NULL &&
              g_str_equal (chevet_patient_get_id (chart->patient), patient_id));
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
}

static void
show_section (Fixture    *f,
              const char *section)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-section", "s", section));
  g_assert_cmpstr (chevet_chart_view_get_section (chart_view (f)), ==, section);
}

/* The callout's button for @action (and @target), shown and enabled. */
static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action,
                    const char *target)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    {
      GVariant *t = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (widget));

      if (target == NULL ||
          (t != NULL && g_variant_is_of_type (t, G_VARIANT_TYPE_STRING) &&
           g_strcmp0 (g_variant_get_string (t, NULL), target) == 0))
        return widget;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_action_button (c, action, target);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_entry (GtkWidget *widget)
{
  if (GTK_IS_ENTRY (widget) && gtk_widget_get_visible (widget))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_entry (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button) && gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  drain_main_loop ();
}

static void
press (Fixture    *f,
       const char *action,
       const char *target)
{
  click (find_action_button (chevet_tutorial_overlay_get_callout (overlay (f)), action, target));
}

/* Whether a visible label under @widget says @text (or contains it, with @partial). */
static gboolean
shows_text (GtkWidget  *widget,
            const char *text,
            gboolean    partial)
{
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget))
    {
      const char *label = gtk_label_get_text (GTK_LABEL (widget));

      if (partial ? strstr (label, text) != NULL : g_str_equal (label, text))
        return TRUE;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (shows_text (c, text, partial))
      return TRUE;
  return FALSE;
}

/* The step's target, if it names one, is found (here or in a dialog), never missing. */
static void
assert_target_found (Fixture *f)
{
  ChevetTutorialStep *step = chevet_tutorial_run_get_step (run (f));
  const char *target = chevet_tutorial_step_get_target (step);

  wait_frames (f, 2);
  g_assert_false (chevet_tutorial_overlay_get_target_missing (overlay (f)));
  if (target == NULL)
    return;
  WAIT_UNTIL (chevet_tutorial_overlay_get_target (overlay (f)) != NULL);
  g_assert_cmpstr (gtk_widget_get_name (chevet_tutorial_overlay_get_target (overlay (f))), ==, target);
  g_assert_false (chevet_tutorial_overlay_get_target_missing (overlay (f)));
}

/* ------------------------------------------------------------------ the hub */

static ChevetTrainingHub *
open_hub (Fixture *f)
{
  GtkWindow *hub;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-tutorials", NULL));
  /* Open already, it shows the progress read again. */
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  WAIT_UNTIL ((hub = chevet_window_get_training_hub (f->window)) != NULL &&
              gtk_widget_get_mapped (GTK_WIDGET (hub)));
  return CHEVET_TRAINING_HUB (hub);
}

static guint
hub_index (ChevetTrainingHub *hub,
           const char        *id)
{
  for (guint i = 0; chevet_training_hub_get_tutorial (hub, i) != NULL; i++)
    if (g_str_equal (chevet_tutorial_get_id (chevet_training_hub_get_tutorial (hub, i)), id))
      return i;
  g_assert_not_reached ();
}

/* The hub's Start or Resume for tutorial @id; with @restart, from the beginning
 * (Restart, or Start when never started): the tests share one workspace. */
static void
start_tutorial (Fixture    *f,
                const char *id,
                gboolean    restart)
{
  ChevetTrainingHub *hub = open_hub (f);
  GtkWidget *row = chevet_training_hub_get_row (hub, hub_index (hub, id));
  GtkWidget *button = NULL;

  /* Start, Resume or Restart: the button whose target is (id, restart). */
  {
    g_autoptr(GPtrArray) stack = g_ptr_array_new ();

    g_ptr_array_add (stack, row);
    while (stack->len > 0 && button == NULL)
      {
        GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);

        if (GTK_IS_BUTTON (w) &&
            g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (w)), "training.start") == 0)
          {
            const char *tid;
            gboolean r;

            g_variant_get (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (w)), "(&sb)", &tid, &r);
            if (r == restart && g_str_equal (tid, id) && gtk_widget_is_visible (w))
              button = w;
          }
        for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (stack, c);
      }
  }
  /* Restart: a tutorial never started has only Start. */
  if (button == NULL && restart)
    {
      start_tutorial (f, id, FALSE);
      return;
    }
  click (button);
  WAIT_UNTIL (overlay (f) != NULL);
  g_assert_cmpstr (chevet_tutorial_get_id (chevet_tutorial_run_get_tutorial (run (f))), ==, id);
  /* The hub makes way for the window. */
  g_assert_null (chevet_window_get_training_hub (f->window));
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  wait_frames (f, 2);
}

/* ------------------------------------------------------------------ walking */

/* Types @text in the open note dialog's text, the "note_text" target. */
static void
type_in_note (Fixture    *f,
              const char *text)
{
  GtkWindow *dialog = chevet_chart_view_get_note_dialog (chart_view (f));
  GtkTextView *view;

  g_assert_nonnull (dialog);
  view = display_template_child (dialog, CHEVET_TYPE_NOTE_DIALOG, "text_view");
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (view)), ==, "note_text");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
}

/* Something a trainee might do instead, for an action step waiting for @event/@value:
 * reported to the run, and not what it waits for. */
static void
wrong_gesture (Fixture             *f,
               ChevetTutorialEvent  event,
               const char          *value)
{
  gboolean chart_shown = chevet_chart_view_get_chart (chart_view (f)) != NULL;

  switch (event)
    {
    case CHEVET_TUTORIAL_EVENT_SEARCH:
      search (f, "zzzq");
      break;
    case CHEVET_TUTORIAL_EVENT_PATIENT:
      /* Another patient. */
      if (g_strcmp0 (chevet_window_get_visible_page (f->window), "patients") == 0)
        open_patient (f, other_patient_id);
      break;
    case CHEVET_TUTORIAL_EVENT_SECTION:
      /* Another section. */
      if (chart_shown)
        show_section (f, g_str_equal (value, "immunizations") ? "encounters" : "immunizations");
      else
        search (f, "zzzq");
      break;
    case CHEVET_TUTORIAL_EVENT_ACTION:
      if (g_str_equal (value, "unlock.unlock"))
        {
          /* A wrong passphrase unlocks nothing. */
          GtkLabel *error_label = display_template_child (unlock_page (f), CHEVET_TYPE_UNLOCK_PAGE, "error_label");

          try_unlock (f, TRAINEE, "not the passphrase at all");
          WAIT_UNTIL (gtk_widget_get_visible (GTK_WIDGET (error_label)));
        }
      else if (g_str_equal (value, "win.show-outbox") || g_str_equal (value, "win.lock"))
        {
          /* An unrelated action, reported: a note form opened, and closed again. */
          if (chart_shown)
            {
              g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart_view (f)), "chart.add-note", NULL));
              WAIT_UNTIL (chevet_chart_view_get_note_dialog (chart_view (f)) != NULL);
              chevet_chart_view_close_dialogs (chart_view (f));
            }
          else
            search (f, "zzzq");
        }
      else
        {
          /* chart.add-note, note.save: the outbox opened instead. */
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-outbox", NULL));
          WAIT_UNTIL (chevet_window_get_outbox_window (f->window) != NULL);
          gtk_window_destroy (chevet_window_get_outbox_window (f->window));
        }
      break;
    case CHEVET_TUTORIAL_EVENT_TYPED:
      /* Typed, but not what the step asks for. */
      type_in_note (f, "Seen in clinic.");
      break;
    default:
      g_assert_not_reached ();
    }
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  drain_main_loop ();
}

/* What the step asks, done through the window's own paths. */
static void
right_gesture (Fixture             *f,
               ChevetTutorialEvent  event,
               const char          *value)
{
  switch (event)
    {
    case CHEVET_TUTORIAL_EVENT_SEARCH:
      search (f, value);
      break;
    case CHEVET_TUTORIAL_EVENT_PATIENT:
      open_patient (f, value);
      break;
    case CHEVET_TUTORIAL_EVENT_SECTION:
      if (g_str_equal (value, "list"))
        /* The back button (shown while a tutorial runs, even unfolded). */
        click (display_template_child (f->window, CHEVET_TYPE_WINDOW, "back_button"));
      else if (g_str_has_prefix (value, "trend:"))
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart_view (f)), "chart.show-trend", "s",
                                                   value + strlen ("trend:")));
      else
        show_section (f, value);
      break;
    case CHEVET_TUTORIAL_EVENT_ACTION:
      if (g_str_equal (value, "chart.add-note"))
        {
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart_view (f)), "chart.add-note", NULL));
          WAIT_UNTIL (chevet_chart_view_get_note_dialog (chart_view (f)) != NULL);
        }
      else if (g_str_equal (value, "note.save"))
        {
          GtkWindow *dialog = chevet_chart_view_get_note_dialog (chart_view (f));
          GtkTextView *text;

          g_assert_nonnull (dialog);
          text = display_template_child (dialog, CHEVET_TYPE_NOTE_DIALOG, "text_view");
          gtk_text_buffer_set_text (gtk_text_view_get_buffer (text), "Seen in clinic, training note.", -1);
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "note.save", NULL));
          WAIT_UNTIL (chevet_chart_view_get_note_dialog (chart_view (f)) == NULL);
        }
      else if (g_str_equal (value, "win.show-outbox"))
        {
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-outbox", NULL));
          WAIT_UNTIL (chevet_window_get_outbox_window (f->window) != NULL);
        }
      else if (g_str_equal (value, "win.lock"))
        {
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
          g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
        }
      else if (g_str_equal (value, "unlock.unlock"))
        unlock_as (f, TRAINEE, TRAINEE_PASS);
      else
        g_error ("no gesture for action %s", value);
      break;
    case CHEVET_TUTORIAL_EVENT_TYPED:
      /* The only field a tutorial asks to type in today is the note's text. */
      {
        g_autofree char *text = g_strdup_printf ("Seen in clinic, %s note.", value);
        type_in_note (f, text);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
do_action_step (Fixture *f)
{
  ChevetTutorialStep *step = chevet_tutorial_run_get_step (run (f));
  guint at = position (f);
  ChevetTutorialEvent event;
  const char *raw;
  g_autofree char *value = NULL;

  chevet_tutorial_step_get_condition (step, 0, &event, &raw, NULL);
  value = chevet_tutorial_run_expand (run (f), raw);

  wrong_gesture (f, event, value);
  g_assert_nonnull (overlay (f));
  g_assert_cmpuint (position (f), ==, at);

  right_gesture (f, event, value);
  WAIT_UNTIL (overlay (f) == NULL || position (f) > at);
}

static void
do_question_step (Fixture     *f,
                  ChevetChart *chart)
{
  ChevetTutorialStep *step = chevet_tutorial_run_get_step (run (f));
  GtkWidget *callout = chevet_tutorial_overlay_get_callout (overlay (f));
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  const char *fact = chevet_tutorial_step_get_fact (step);
  g_autofree char *right = NULL;
  guint at = position (f);

  /* A question on the workstation names its answer; one on the chart is computed from
   * the chart (a tutorial without a patient has none). */
  if (chart != NULL)
    right = chevet_tutorial_compute_fact (chart, fact, now);
  else if (g_str_has_prefix (fact, "answer:"))
    right = g_strdup (fact + strlen ("answer:"));

  g_assert_nonnull (right);
  if (chevet_tutorial_step_get_n_choices (step) > 0)
    {
      const char *wrong = NULL;

      for (guint c = 0; c < chevet_tutorial_step_get_n_choices (step) && wrong == NULL; c++)
        if (g_ascii_strcasecmp (chevet_tutorial_step_get_choice_value (step, c), right) != 0)
          wrong = chevet_tutorial_step_get_choice_value (step, c);
      press (f, "tutorial.answer", wrong);
      g_assert_cmpuint (position (f), ==, at);
      g_assert_true (shows_text (callout, "Not quite", TRUE));
      for (guint c = 0; c < chevet_tutorial_step_get_n_choices (step); c++)
        if (g_ascii_strcasecmp (chevet_tutorial_step_get_choice_value (step, c), right) == 0)
          press (f, "tutorial.answer", chevet_tutorial_step_get_choice_value (step, c));
    }
  else
    {
      GtkWidget *entry = find_entry (callout);

      g_assert_nonnull (entry);
      gtk_editable_set_text (GTK_EDITABLE (entry), "9999");
      press (f, "tutorial.check", NULL);
      g_assert_cmpuint (position (f), ==, at);
      gtk_editable_set_text (GTK_EDITABLE (entry), right);
      press (f, "tutorial.check", NULL);
    }
  g_assert_cmpuint (position (f), ==, at + 1);
}

/* Walks the running tutorial from where it is to the summary. */
static void
walk_to_end (Fixture *f)
{
  ChevetTutorial *tutorial = g_object_ref (chevet_tutorial_run_get_tutorial (run (f)));
  const char *patient_id = chevet_tutorial_get_patient_id (tutorial);
  g_autoptr(ChevetChart) chart = patient_id != NULL ? read_chart (patient_id) : NULL;
  GtkWindow *summary;

  while (overlay (f) != NULL && !chevet_tutorial_run_get_finished (run (f)))
    {
      ChevetTutorialStep *step = chevet_tutorial_run_get_step (run (f));

      g_test_message ("%s: step %s", chevet_tutorial_get_id (tutorial), chevet_tutorial_step_get_id (step));
      assert_target_found (f);
      switch (chevet_tutorial_step_get_kind (step))
        {
        case CHEVET_STEP_EXPLANATION:
        case CHEVET_STEP_RECAP:
          press (f, "tutorial.next", NULL);
          break;
        case CHEVET_STEP_ACTION:
          do_action_step (f);
          break;
        case CHEVET_STEP_QUESTION:
          do_question_step (f, chart);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  /* Finished: the overlay went, the summary says so. */
  WAIT_UNTIL (overlay (f) == NULL && (summary = chevet_window_get_tutorial_summary (f->window)) != NULL &&
              gtk_widget_get_mapped (GTK_WIDGET (summary)));
  g_assert_true (shows_text (GTK_WIDGET (summary), chevet_tutorial_get_title (tutorial), TRUE));
  g_assert_true (shows_text (GTK_WIDGET (summary), TRAINEE, TRUE));
  WAIT_UNTIL (!chevet_session_has_pending (f->session));

  /* And the hub says it is completed. */
  {
    ChevetTrainingHub *hub = open_hub (f);

    g_assert_true (shows_text (chevet_training_hub_get_row (hub, hub_index (hub, chevet_tutorial_get_id (tutorial))),
                               "Completed: ", TRUE));
    gtk_window_destroy (GTK_WINDOW (hub));
  }
  g_object_unref (tutorial);
}

static void
test_walk (Fixture       *f,
           gconstpointer  data)
{
  unlock_as (f, TRAINEE, TRAINEE_PASS);
  start_tutorial (f, data, TRUE);
  g_assert_cmpuint (position (f), ==, 0);
  walk_to_end (f);
}

/* ------------------------------------------------------------------ progress */

static void
test_progress_survives_restart (Fixture       *f,
                                gconstpointer  data)
{
  ChevetTrainingHub *hub;
  g_autofree char *state = NULL;
  guint at, n_steps;

  unlock_as (f, TRAINEE, TRAINEE_PASS);
  start_tutorial (f, "read-banner", TRUE);
  press (f, "tutorial.next", NULL);
  do_action_step (f);   /* opens the chart */
  at = position (f);
  g_assert_cmpuint (at, ==, 2);
  n_steps = chevet_tutorial_get_n_steps (chevet_tutorial_run_get_tutorial (run (f)));
  press (f, "tutorial.quit", NULL);
  g_assert_null (overlay (f));
  WAIT_UNTIL (!chevet_session_has_pending (f->session));

  /* Another day: a new session and window. */
  fixture_close (f);
  fixture_open (f, training_path);
  unlock_as (f, TRAINEE, TRAINEE_PASS);
  hub = open_hub (f);
  state = g_strdup_printf ("In progress: step %u of %u", at + 1, n_steps);
  g_assert_true (shows_text (chevet_training_hub_get_row (hub, hub_index (hub, "read-banner")), state, FALSE));
  g_assert_true (shows_text (chevet_training_hub_get_row (hub, hub_index (hub, "read-banner")), "Resume", FALSE));

  /* Resume: there. */
  start_tutorial (f, "read-banner", FALSE);
  g_assert_cmpuint (position (f), ==, at);
  walk_to_end (f);

  /* Progress is the account's own: the trainer has not started it. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL);
  unlock_as (f, TRAINER, TRAINER_PASS);
  hub = open_hub (f);
  g_assert_true (shows_text (chevet_training_hub_get_row (hub, hub_index (hub, "read-banner")), "Not started", FALSE));
}

/* ------------------------------------------------------------------ lock */

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
  if (GTK_IS_LABEL (widget))
    append_text (out, gtk_label_get_label (GTK_LABEL (widget)));
  if (GTK_IS_EDITABLE (widget))
    append_text (out, gtk_editable_get_text (GTK_EDITABLE (widget)));
  if (GTK_IS_BUTTON (widget))
    append_text (out, gtk_button_get_label (GTK_BUTTON (widget)));
  if (ADW_IS_WINDOW_TITLE (widget))
    append_text (out, adw_window_title_get_title (ADW_WINDOW_TITLE (widget)));
  if (GTK_IS_WINDOW (widget))
    append_text (out, gtk_window_get_title (GTK_WINDOW (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widget_text (child, out);
}

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

/* A tutorial on a patient: saved and closed at the lock, nothing of the patient left;
 * resumed from the hub afterwards. */
static void
test_lock_closes_patient_tutorial (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(ChevetChart) chart = read_chart ("chv-pat-000012");
  const char *family = chevet_patient_get_family (chart->patient);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *state = NULL;
  ChevetTrainingHub *hub;
  guint at;

  unlock_as (f, TRAINEE, TRAINEE_PASS);
  start_tutorial (f, "find-patient", TRUE);
  press (f, "tutorial.next", NULL);
  do_action_step (f);   /* search by name */
  do_action_step (f);   /* open the chart */
  at = position (f);
  before = dup_all_text ();
  g_assert_nonnull (strstr (before, family));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_null (overlay (f));
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  drain_main_loop ();
  after = dup_all_text ();
  g_assert_null (strstr (after, family));
  g_assert_null (strstr (after, chevet_patient_get_display_name (chart->patient)));
  g_assert_null (strstr (after, chevet_patient_get_identifier (chart->patient)));
  g_assert_cmpint (chevet_store_count_alive_for_testing (), ==, 0);

  unlock_as (f, TRAINEE, TRAINEE_PASS);
  hub = open_hub (f);
  state = g_strdup_printf ("In progress: step %u of %u", at + 1,
                           chevet_tutorial_get_n_steps (chevet_training_hub_get_tutorial (hub, hub_index (hub, "find-patient"))));
  g_assert_true (shows_text (chevet_training_hub_get_row (hub, hub_index (hub, "find-patient")), state, FALSE));
  start_tutorial (f, "find-patient", FALSE);
  g_assert_cmpuint (position (f), ==, at);
}

/* The privacy tutorial stays across a lock; another account unlocking closes it, and
 * nothing of it is written for them. */
static void
test_lock_other_account_closes_tutorial (Fixture       *f,
                                         gconstpointer  data)
{
  ChevetTrainingHub *hub;

  unlock_as (f, TRAINEE, TRAINEE_PASS);
  start_tutorial (f, "privacy", TRUE);
  press (f, "tutorial.next", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_nonnull (overlay (f));
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (run (f))), ==, "locked");

  unlock_as (f, TRAINER, TRAINER_PASS);
  g_assert_null (overlay (f));
  hub = open_hub (f);
  g_assert_true (shows_text (chevet_training_hub_get_row (hub, hub_index (hub, "privacy")), "Not started", FALSE));
}

/* ------------------------------------------------------------------ the workspace */

static char *
pdf_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;
  const char *argv[] = { "pdftotext", "-layout", path, "-", NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (chevet_session_sync_finish (CHEVET_SESSION (source), result, error));
  g_assert_nonnull (*error);
}

static void
test_training_workspace_looks_different (Fixture       *f,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (tmp_dir, "training-chart.pdf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(ChevetChart) chart = read_chart ("chv-pat-000012");
  GtkWidget *sync_button, *tutorials_button, *marker;
  GtkWidget *preferences;

  unlock_as (f, TRAINEE, TRAINEE_PASS);
  g_assert_true (chevet_session_get_training (f->session));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Chevet — Training");

  /* The marker above the list and in the chart header; the Tutorials button. */
  marker = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "training_marker");
  g_assert_true (gtk_widget_is_visible (marker));
  open_patient (f, "chv-pat-000012");
  g_assert_true (gtk_widget_is_visible (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_marker")));
  tutorials_button = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "tutorials_button");
  g_assert_true (gtk_widget_is_visible (tutorials_button) && gtk_widget_is_sensitive (tutorials_button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (tutorials_button), ==, "Tutorials");

  /* No sync: the action is off, and the session's sync is refused anyway. */
  sync_button = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "sync_button");
  g_assert_false (gtk_widget_is_sensitive (sync_button));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sync", NULL) &&
                  chevet_window_get_syncing (f->window));
  chevet_session_sync_async (f->session, on_sync_done, &error);
  WAIT_UNTIL (error != NULL);
  g_assert_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_TRAINING);
  g_clear_error (&error);
  WAIT_UNTIL (!chevet_session_get_syncing (f->session));

  /* Preferences: no server, and why. */
  preferences = chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings);
  chevet_preferences_window_set_session (CHEVET_PREFERENCES_WINDOW (preferences), f->session);
  g_assert_true (gtk_widget_get_visible (display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW,
                                                                 "training_group")));
  g_assert_false (gtk_widget_get_visible (display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW,
                                                                  "connection_group")));
  gtk_window_destroy (GTK_WINDOW (preferences));

  /* A printed chart says it is training. */
  if (g_find_program_in_path ("pdftotext") != NULL)
    {
      g_assert_true (chevet_chart_print (NULL, chart, "Training · lea", CHEVET_CHART_PRINT_TRAINING, pdf, &error));
      g_assert_no_error (error);
      text = pdf_text (pdf);
      g_assert_nonnull (strstr (text, chevet_training_marker_get_text ()));
      g_remove (pdf);
    }

  /* Locked, then unlocked: still the training look. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Chevet — Training");
}

static gint64
count_waiting (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) store = chevet_store_open (training_path, TRAINER, TRAINER_PASS, &error);
  gint64 n;

  g_assert_no_error (error);
  n = chevet_outbox_count_waiting (store, &error);
  g_assert_no_error (error);
  return n;
}

/* The trainer resets the training clinic from Preferences; a trainee cannot. */
static void
test_reset_by_trainer (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *preferences;
  GtkWindow *confirmation;

  {
    g_autoptr(ChevetStore) store = chevet_store_open (training_path, TRAINER, TRAINER_PASS, &error);
    g_autoptr(ChevetOutboxItem) note = NULL;

    g_assert_no_error (error);
    note = chevet_outbox_add_note (store, "chv-pat-000012", NULL, "A note before the reset.", TRAINER, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (count_waiting (), >=, 1);

  unlock_as (f, TRAINEE, TRAINEE_PASS);
  preferences = chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings);
  chevet_preferences_window_set_session (CHEVET_PREFERENCES_WINDOW (preferences), f->session);
  g_assert_false (gtk_widget_get_visible (display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW,
                                                                  "training_reset_row")));
  g_assert_false (gtk_widget_activate_action (preferences, "training.reset", NULL) &&
                  chevet_preferences_window_get_reset_confirmation (CHEVET_PREFERENCES_WINDOW (preferences)) != NULL);
  gtk_window_destroy (GTK_WINDOW (preferences));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));

  unlock_as (f, TRAINER, TRAINER_PASS);
  preferences = chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings);
  chevet_preferences_window_set_session (CHEVET_PREFERENCES_WINDOW (preferences), f->session);
  g_assert_true (gtk_widget_get_visible (display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW,
                                                                 "training_reset_row")));
  g_assert_true (gtk_widget_activate_action (preferences, "training.reset", NULL));
  confirmation = chevet_preferences_window_get_reset_confirmation (CHEVET_PREFERENCES_WINDOW (preferences));
  g_assert_nonnull (confirmation);
  /* Cancel first: nothing happens. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirmation), "cancel");
  drain_main_loop ();
  g_assert_cmpint (count_waiting (), >=, 1);

  g_assert_true (gtk_widget_activate_action (preferences, "training.reset", NULL));
  confirmation = chevet_preferences_window_get_reset_confirmation (CHEVET_PREFERENCES_WINDOW (preferences));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirmation), "reset");
  WAIT_UNTIL (chevet_session_has_pending (f->session) == FALSE &&
              gtk_widget_is_sensitive (display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW,
                                                               "training_reset_row")) &&
              count_waiting () == 0);
  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* The clinical workspace refuses a trainee, and the unlock page says why. */
static void
test_trainee_refused_by_clinic (Fixture       *f,
                                gconstpointer  data)
{
  GtkLabel *error_label = display_template_child (unlock_page (f), CHEVET_TYPE_UNLOCK_PAGE, "error_label");

  try_unlock (f, TRAINEE, TRAINEE_PASS);
  WAIT_UNTIL (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_false (chevet_session_get_unlocked (f->session));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==,
                   "“lea” is a trainee account: trainee accounts open only the training workspace");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Chevet");
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-tutorials", NULL) &&
                  chevet_window_get_training_hub (f->window) != NULL);
}

/* ------------------------------------------------------------------ screenshots */

static void
screenshot_step (const char *name)
{
  const char *dir = g_getenv ("CHEVET_TRAINING_PNG_DIR");
  Fixture fx = { 0 };
  Fixture *f = &fx;

  fixture_open (f, training_path);
  unlock_as (f, TRAINEE, TRAINEE_PASS);
  start_tutorial (f, "find-patient", TRUE);
  press (f, "tutorial.next", NULL);
  do_action_step (f);   /* the family name searched: the list shows the matches */
  assert_target_found (f);
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (run (f))), ==, "open-chart");
  g_assert_true (chevet_tutorial_overlay_get_hole (overlay (f), NULL));
  {
    /* The callout never covers what it points at. */
    graphene_rect_t hole, callout;

    g_assert_true (chevet_tutorial_overlay_get_hole (overlay (f), &hole));
    g_assert_true (gtk_widget_compute_bounds (chevet_tutorial_overlay_get_callout (overlay (f)),
                                              GTK_WIDGET (overlay (f)), &callout));
    g_assert_false (graphene_rect_intersection (&hole, &callout, NULL));
  }
  if (dir != NULL)
    display_save_png (GTK_WIDGET (f->window), dir, name);
  fixture_close (f);
}

/* In a subprocess: a workspace of its own (nothing the other tests did shows), and the
 * language read at start. */
static void
screenshot_in (const char *language,
               const char *name)
{
  if (g_test_subprocess ())
    {
      if (g_str_equal (language, "fr"))
        /* The catalogue of the build is read. */
        g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Finding a patient"), ==, "Trouver un patient");
      screenshot_step (name);
      return;
    }
  g_setenv ("CHEVET_TEST_LANGUAGE", language, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("CHEVET_TEST_LANGUAGE");
  g_test_trap_assert_passed ();
}

static void
test_screenshot (void)
{
  screenshot_in ("C", "training-tutorial.png");
}

static void
test_screenshot_french (void)
{
  screenshot_in ("fr", "training-tutorial-fr.png");
}

int
main (int   argc,
      char *argv[])
{
  const char *language = g_getenv ("CHEVET_TEST_LANGUAGE");
  int status;

  g_setenv ("LANGUAGE", language != NULL ? language : "C", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);

    bindtextdomain (GETTEXT_PACKAGE, podir);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    textdomain (GETTEXT_PACKAGE);
  }
  adw_init ();
  /* The application loads its style sheet itself (AdwApplication); here, by hand. */
  display_load_style ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  create_workspaces ();

  g_test_add ("/training/walk/find-patient", Fixture, "find-patient", fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/training/walk/read-banner", Fixture, "read-banner", fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/training/walk/problems-medications", Fixture, "problems-medications",
              fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/training/walk/vitals-labs", Fixture, "vitals-labs", fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/training/walk/offline", Fixture, "offline", fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/training/walk/privacy", Fixture, "privacy", fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/training/progress/survives-restart", Fixture, NULL,
              fixture_setup, test_progress_survives_restart, fixture_teardown);
  g_test_add ("/training/lock/closes-patient-tutorial", Fixture, NULL,
              fixture_setup, test_lock_closes_patient_tutorial, fixture_teardown);
  g_test_add ("/training/lock/other-account-closes-tutorial", Fixture, NULL,
              fixture_setup, test_lock_other_account_closes_tutorial, fixture_teardown);
  g_test_add ("/training/workspace/looks-different-and-never-syncs", Fixture, NULL,
              fixture_setup, test_training_workspace_looks_different, fixture_teardown);
  g_test_add ("/training/workspace/reset-by-trainer", Fixture, NULL,
              fixture_setup, test_reset_by_trainer, fixture_teardown);
  g_test_add ("/training/workspace/trainee-refused-by-clinic", Fixture, NULL,
              fixture_setup_clinic, test_trainee_refused_by_clinic, fixture_teardown);
  g_test_add_func ("/training/screenshot/english", test_screenshot);
  g_test_add_func ("/training/screenshot/french", test_screenshot_french);
  status = g_test_run ();

  display_remove_tmpdir (&tmp_dir, &clinic_path);
  g_free (training_path);
  g_free (other_patient_id);
  return status;
}
