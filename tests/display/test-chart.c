/* test-chart.c: the chart view shows what the store holds, and forgets it on clear
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * main () builds one encrypted workspace of 30 synthetic patients (cheap key
 * derivation) and keeps a ChevetStore of its own open on it: the tests pick their
 * patients and their expectations from store queries, never from literals. Each test
 * unlocks a ChevetSession on the workspace, puts a ChevetChartView in a window, loads a
 * chart and checks what a clinician would see. Waits iterate the main loop until a
 * condition holds, with a deadline, and never sleep.
 *
 * With CHEVET_CHART_PNG_DIR=DIR, /chart/screenshot saves chart-summary.png and
 * chart-results.png (a trend shown) there, and a few more sections beside them
 * (CHEVET_CHART_PNG_DARK=1 uses the dark style).
 */
#define G_LOG_DOMAIN "test-chart"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-chart-entry.h"
#include "chevet-chart-row.h"
#include "chevet-chart-section.h"
#include "chevet-chart-view.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-trend-plot.h"

#define ACCOUNT      "dr.diallo"
#define PASSPHRASE   "correct horse battery staple"
#define N_PATIENTS   30
#define WAIT_SECONDS 30

#include "display-test-util.h"

/* The shared workspace, and the patients the tests need, found by store queries. */
static char        *workspace_dir;
static char        *workspace_path;
static ChevetStore *store;
static char        *allergic_id;        /* recorded allergies, and the richest such chart */
static char        *no_known_id;        /* "no known allergy" recorded */
static char        *unrecorded_id;      /* nothing recorded about allergies */
static char        *no_immunization_id; /* neither immunizations nor procedures */

typedef struct
{
  ChevetSession   *session;
  GtkWindow       *window;
  ChevetChartView *view;
  guint            chart_notifies;
  guint            section_notifies;
} Fixture;

/* Waiting */

typedef struct
{
  GtkWidget *widget;
  guint      frames;
} Frames;

static void
frame_drawn (GdkFrameClock *clock,
             Frames        *frames)
{
  frames->frames++;
  /* Nothing may need drawing again: ask, so that frames keep coming. */
  gtk_widget_queue_draw (frames->widget);
}

/* Lets the window lay out and paint @n frames: list rows exist once it has. */
static void
wait_frames (Fixture *f,
             guint    n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  Frames frames = { GTK_WIDGET (f->window), 0 };
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_drawn), &frames);

  gtk_widget_queue_draw (GTK_WIDGET (f->window));
  WAIT_UNTIL (frames.frames >= n);
  g_signal_handler_disconnect (clock, handler);
}

/* Workspace */

static ChevetStore *
create_workspace (const char *path,
                  const char *ndjson)
{
  return display_store_create (path, "Centre de santé", ACCOUNT, PASSPHRASE, ndjson);
}

static ChevetChart *
read_chart (const char *id)
{
  g_autoptr(GError) error = NULL;
  ChevetChart *chart = chevet_store_read_chart (store, id, &error);

  g_assert_no_error (error);
  return chart;
}

/* Picks the patients the tests need from what the store says. */
static void
find_patients (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) patients = chevet_store_search_patients (store, NULL, 0, 0, &error);
  guint best = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (patients->len, ==, N_PATIENTS);
  for (guint i = 0; i < patients->len; i++)
    {
      const char *id = chevet_patient_get_id (g_ptr_array_index (patients, i));
      g_autoptr(ChevetChart) chart = read_chart (id);
      guint richness = chart->encounters->len + chart->conditions->len + chart->labs->len;

      if (chart->allergies->len > 0 && chart->vitals->len > 0 && chart->labs->len > 0 && richness > best)
        {
          g_free (allergic_id);
          allergic_id = g_strdup (id);
          best = richness;
        }
      if (chart->allergies->len == 0 && chart->no_known_allergies && no_known_id == NULL)
        no_known_id = g_strdup (id);
      if (chart->allergies->len == 0 && !chart->no_known_allergies && unrecorded_id == NULL)
        unrecorded_id = g_strdup (id);
      if (chart->immunizations->len == 0 && chart->procedures->len == 0 && no_immunization_id == NULL)
        no_immunization_id = g_strdup (id);
    }
  g_assert_nonnull (allergic_id);
  g_assert_nonnull (no_known_id);
  g_assert_nonnull (unrecorded_id);
  g_assert_nonnull (no_immunization_id);
}

/* Fixture */

static void
unlocked (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chevet_session_unlock_finish (CHEVET_SESSION (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
on_chart_notify (Fixture *f)
{
  f->chart_notifies++;
}

static void
on_section_notify (Fixture *f)
{
  f->section_notifies++;
}

static void
fixture_open (Fixture    *f,
              const char *path)
{
  gboolean done = FALSE;

  f->session = chevet_session_new (path);
  chevet_session_unlock_async (f->session, ACCOUNT, PASSPHRASE, NULL, unlocked, &done);
  WAIT_UNTIL (done);

  f->view = CHEVET_CHART_VIEW (chevet_chart_view_new ());
  chevet_chart_view_set_session (f->view, f->session);
  g_signal_connect_swapped (f->view, "notify::chart", G_CALLBACK (on_chart_notify), f);
  g_signal_connect_swapped (f->view, "notify::section", G_CALLBACK (on_section_notify), f);
  f->window = g_object_ref (GTK_WINDOW (gtk_window_new ()));
  gtk_window_set_title (f->window, "Chart");
  gtk_window_set_default_size (f->window, 1100, 820);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_present (f->window);
  wait_frames (f, 1);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_open (f, workspace_path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_object_add_weak_pointer (G_OBJECT (f->view), (gpointer *) &f->view);
  gtk_window_destroy (f->window);
  drain_main_loop ();
  g_assert_finalize_object (f->window);
  /* Nothing kept the view alive either. */
  g_assert_null (f->view);

  /* The session goes once its last queued job (closing the store) came back. */
  chevet_session_lock (f->session);
  display_session_finalize (&f->session);
}

static gpointer template_child (ChevetChartView *view,
                                const char      *name);

/* Loads a chart and waits until it is shown. */
static ChevetChart *
load (Fixture    *f,
      const char *id)
{
  guint notifies = f->chart_notifies;
  ChevetChart *chart;

  chevet_chart_view_load (f->view, id);
  g_assert_true (chevet_chart_view_get_loading (f->view));
  WAIT_UNTIL (f->chart_notifies > notifies && (chart = chevet_chart_view_get_chart (f->view)) != NULL);
  g_assert_false (chevet_chart_view_get_loading (f->view));
  g_assert_cmpstr (chevet_patient_get_id (chart->patient), ==, id);
  WAIT_UNTIL (!gtk_stack_get_transition_running (template_child (f->view, "state_stack")));
  wait_frames (f, 2);
  return chart;
}

static void
show_section (Fixture    *f,
              const char *name)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.section", "s", name));
  g_assert_cmpstr (chevet_chart_view_get_section (f->view), ==, name);
  wait_frames (f, 2);
}

/* Widgets */

static gpointer
template_child (ChevetChartView *view,
                const char      *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (view), CHEVET_TYPE_CHART_VIEW, name);

  g_assert_nonnull (child);
  return child;
}

/* Every text a widget of the tree under @widget holds, visible or not. */
static void
collect_texts (GtkWidget *widget,
               GPtrArray *texts)
{
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (texts, g_strdup (gtk_label_get_label (GTK_LABEL (widget))));
  if (ADW_IS_PREFERENCES_ROW (widget))
    g_ptr_array_add (texts, g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget))));
  if (ADW_IS_ACTION_ROW (widget))
    g_ptr_array_add (texts, g_strdup (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget))));
  if (ADW_IS_EXPANDER_ROW (widget))
    g_ptr_array_add (texts, g_strdup (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (widget))));
  if (GTK_IS_EDITABLE (widget))
    g_ptr_array_add (texts, g_strdup (gtk_editable_get_text (GTK_EDITABLE (widget))));
  if (ADW_IS_STATUS_PAGE (widget))
    {
      g_ptr_array_add (texts, g_strdup (adw_status_page_get_title (ADW_STATUS_PAGE (widget))));
      g_ptr_array_add (texts, g_strdup (adw_status_page_get_description (ADW_STATUS_PAGE (widget))));
    }
  if (ADW_IS_AVATAR (widget))
    g_ptr_array_add (texts, g_strdup (adw_avatar_get_text (ADW_AVATAR (widget))));
  if (ADW_IS_PREFERENCES_GROUP (widget))
    {
      g_ptr_array_add (texts, g_strdup (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget))));
      g_ptr_array_add (texts, g_strdup (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (widget))));
    }
  if (GTK_IS_WIDGET (widget) && gtk_widget_get_tooltip_text (widget) != NULL)
    g_ptr_array_add (texts, g_strdup (gtk_widget_get_tooltip_text (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, texts);
}

static gboolean
tree_contains (gpointer    widget,
               const char *needle)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  collect_texts (GTK_WIDGET (widget), texts);
  for (guint i = 0; i < texts->len; i++)
    {
      const char *text = g_ptr_array_index (texts, i);

      if (text != NULL && strstr (text, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The first GtkLabel under @widget whose text is @text, or NULL. */
static GtkLabel *
find_label (gpointer    widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (widget), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The label is on screen: mapped, so in the visible page of every stack above it. */
static void
assert_label_shown (gpointer    widget,
                    const char *text)
{
  GtkLabel *label = find_label (widget, text);

  if (label == NULL)
    g_error ("no label reads “%s”", text);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
}

static guint
count_widgets (GtkWidget *widget)
{
  guint n = 1;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_widgets (child);
  return n;
}

static guint
count_type (GtkWidget *widget,
            GType      type)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (widget, type) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_type (child, type);
  return n;
}

/* The lines of @group in a section's list model, headers left out. */
static guint
count_entries (ChevetChartSection *section,
               ChevetChartGroup    group)
{
  GListModel *model = chevet_chart_section_get_model (section);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChevetChartEntry) entry = g_list_model_get_item (model, i);

      if (!chevet_chart_entry_is_header (entry) && chevet_chart_entry_get_group (entry) == group)
        n++;
    }
  return n;
}

/* What the store calls an active problem (chevet-chart.c sorts them first), less those
 * entered in error or refuted. */
static gboolean
store_condition_active (ChevetChartItem *c)
{
  return (g_strcmp0 (c->status, "active") == 0 || g_strcmp0 (c->status, "recurrence") == 0 ||
          g_strcmp0 (c->status, "relapse") == 0) &&
         g_strcmp0 (c->flag, "entered-in-error") != 0 && g_strcmp0 (c->flag, "refuted") != 0;
}

/* Tests: banner */

static void
test_banner_allergies (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ChevetChart) expected = read_chart (allergic_id);
  ChevetPatient *p = expected->patient;
  GtkWidget *banner = template_child (f->view, "banner");
  GtkWidget *allergies = template_child (f->view, "allergies_box");

  load (f, allergic_id);

  assert_label_shown (banner, chevet_patient_get_display_name (p));
  assert_label_shown (banner, chevet_patient_get_identifier (p));
  g_assert_cmpuint (expected->allergies->len, >, 0);
  for (guint i = 0; i < expected->allergies->len; i++)
    {
      ChevetChartItem *a = g_ptr_array_index (expected->allergies, i);
      GtkWidget *pill;

      assert_label_shown (allergies, a->display);
      /* High criticality is marked, not only coloured: the pill says so in words. */
      pill = gtk_widget_get_parent (GTK_WIDGET (find_label (allergies, a->display)));
      g_assert_true (gtk_widget_has_css_class (pill, g_strcmp0 (a->flag, "high") == 0 ? "high" : "low"));
      if (g_strcmp0 (a->flag, "high") == 0)
        g_assert_true (tree_contains (pill, "High criticality"));
      if (a->detail != NULL)
        g_assert_true (tree_contains (pill, a->detail));
    }
  g_assert_false (tree_contains (allergies, "No known allergies"));
  g_assert_false (tree_contains (allergies, "Allergies not recorded"));
  /* The banner is outside every scrolled section. */
  g_assert_null (gtk_widget_get_ancestor (banner, GTK_TYPE_SCROLLED_WINDOW));
}

static void
test_banner_no_known_allergies (Fixture       *f,
                                gconstpointer  data)
{
  GtkWidget *allergies = template_child (f->view, "allergies_box");
  GtkLabel *label;

  load (f, no_known_id);
  assert_label_shown (allergies, "No known allergies");
  label = find_label (allergies, "No known allergies");
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_parent (GTK_WIDGET (label)), "none"));
  g_assert_false (tree_contains (allergies, "Allergies not recorded"));
}

static void
test_banner_allergies_not_recorded (Fixture       *f,
                                    gconstpointer  data)
{
  GtkWidget *allergies = template_child (f->view, "allergies_box");
  GtkLabel *label;

  load (f, unrecorded_id);
  assert_label_shown (allergies, "Allergies not recorded");
  label = find_label (allergies, "Allergies not recorded");
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_parent (GTK_WIDGET (label)), "unknown"));
  g_assert_false (tree_contains (allergies, "No known allergies"));
}

/* Tests: sections */

static void
test_sections_match_store (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ChevetChart) expected = read_chart (allergic_id);
  ChevetChartSection *problems = template_child (f->view, "problems_section");
  ChevetChartSection *medications = template_child (f->view, "medications_section");
  ChevetChartSection *results = template_child (f->view, "results_section");
  ChevetChartSection *encounters = template_child (f->view, "encounters_section");
  ChevetChartSection *notes = template_child (f->view, "notes_section");
  ChevetChartSection *immunizations = template_child (f->view, "immunizations_section");
  guint active = 0, active_meds = 0;
  ChevetChartItem *first_active = NULL;

  load (f, allergic_id);

  for (guint i = 0; i < expected->conditions->len; i++)
    if (store_condition_active (g_ptr_array_index (expected->conditions, i)))
      {
        if (active++ == 0)
          first_active = g_ptr_array_index (expected->conditions, i);
      }
  for (guint i = 0; i < expected->medications->len; i++)
    if (g_strcmp0 (((ChevetChartItem *) g_ptr_array_index (expected->medications, i))->status, "active") == 0)
      active_meds++;

  g_assert_cmpuint (count_entries (problems, CHEVET_CHART_GROUP_ACTIVE_PROBLEMS), ==, active);
  g_assert_cmpuint (count_entries (problems, CHEVET_CHART_GROUP_RESOLVED_PROBLEMS), ==,
                    expected->conditions->len - active);
  g_assert_cmpuint (count_entries (medications, CHEVET_CHART_GROUP_ACTIVE_MEDICATIONS), ==, active_meds);
  g_assert_cmpuint (count_entries (medications, CHEVET_CHART_GROUP_STOPPED_MEDICATIONS), ==,
                    expected->medications->len - active_meds);
  g_assert_cmpuint (count_entries (results, CHEVET_CHART_GROUP_VITALS), ==, expected->vitals->len);
  g_assert_cmpuint (count_entries (results, CHEVET_CHART_GROUP_LABS), ==, expected->labs->len);
  g_assert_cmpuint (count_entries (encounters, CHEVET_CHART_GROUP_ENCOUNTERS), ==, expected->encounters->len);
  g_assert_cmpuint (count_entries (notes, CHEVET_CHART_GROUP_NOTES), ==, expected->documents->len);
  g_assert_cmpuint (count_entries (notes, CHEVET_CHART_GROUP_REPORTS), ==, expected->reports->len);
  g_assert_cmpuint (count_entries (immunizations, CHEVET_CHART_GROUP_IMMUNIZATIONS), ==, expected->immunizations->len);
  g_assert_cmpuint (count_entries (immunizations, CHEVET_CHART_GROUP_PROCEDURES), ==, expected->procedures->len);

  /* The summary, shown first: a vital sign's value as the store formats it, and the
   * active problems. */
  g_assert_cmpstr (chevet_chart_view_get_section (f->view), ==, "summary");
  {
    g_autofree char *value = chevet_chart_item_format_value (g_ptr_array_index (expected->vitals, 0));
    GtkWidget *summary = template_child (f->view, "summary_box");

    assert_label_shown (summary, value);
    if (first_active != NULL)
      g_assert_true (tree_contains (summary, first_active->display));
    else
      g_assert_true (tree_contains (summary, "No active problem recorded"));
  }

  /* Each section's rows show on screen once it is visible. */
  show_section (f, "problems");
  if (first_active != NULL)
    assert_label_shown (problems, first_active->display);
  show_section (f, "results");
  {
    ChevetChartItem *vital = g_ptr_array_index (expected->vitals, 0);
    g_autofree char *value = chevet_chart_item_format_value (vital);

    assert_label_shown (results, vital->display);
    assert_label_shown (results, value);
  }
  show_section (f, "encounters");
  {
    ChevetChartItem *newest = g_ptr_array_index (expected->encounters, 0);

    assert_label_shown (encounters, newest->display);
    /* Notes written during an encounter hang under it. */
    for (guint i = 0; i < expected->documents->len; i++)
      {
        ChevetChartItem *note = g_ptr_array_index (expected->documents, i);

        if (g_strcmp0 (note->encounter, newest->id) == 0 && note->extra != NULL)
          {
            g_auto(GStrv) lines = g_strsplit (note->extra, "\n", 2);

            g_assert_true (tree_contains (encounters, lines[0]));
          }
      }
  }
  if (expected->documents->len > 0)
    {
      ChevetChartItem *note = g_ptr_array_index (expected->documents, 0);
      g_autofree char *text = NULL;

      show_section (f, "notes");
      g_assert_nonnull (note->extra);
      /* The whole text, less the newline it ends with. */
      text = g_strchomp (g_strdup (note->extra));
      assert_label_shown (notes, text);
    }
}

static void
test_sections_empty_state (Fixture       *f,
                           gconstpointer  data)
{
  ChevetChartSection *immunizations = template_child (f->view, "immunizations_section");
  GtkWidget *page;

  load (f, no_immunization_id);
  show_section (f, "immunizations");
  g_assert_true (chevet_chart_section_get_empty (immunizations));
  /* The status page is what shows, with its title. */
  page = gtk_widget_get_first_child (GTK_WIDGET (immunizations));
  g_assert_true (tree_contains (immunizations, "No Immunizations or Procedures"));
  g_assert_nonnull (page);
  for (GtkWidget *w = gtk_widget_get_first_child (page); w != NULL; w = gtk_widget_get_next_sibling (w))
    if (ADW_IS_STATUS_PAGE (w))
      g_assert_true (gtk_widget_get_mapped (w));
  g_assert_cmpuint (count_type (GTK_WIDGET (immunizations), CHEVET_TYPE_CHART_ROW), ==, 0);

  /* A patient who has some: the list shows instead. */
  load (f, allergic_id);
  {
    g_autoptr(ChevetChart) expected = read_chart (allergic_id);

    g_assert_cmpint (chevet_chart_section_get_empty (immunizations), ==,
                     expected->immunizations->len == 0 && expected->procedures->len == 0);
  }
}

static void
test_sections_switch_by_action (Fixture       *f,
                                gconstpointer  data)
{
  static const char * const names[] = {
    "summary", "problems", "medications", "results", "encounters", "notes", "immunizations",
  };
  AdwViewStack *stack = template_child (f->view, "view_stack");
  guint notifies;

  load (f, allergic_id);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "summary");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      AdwViewStackPage *page = adw_view_stack_get_page (stack, adw_view_stack_get_child_by_name (stack, names[i]));

      /* Every section has a title and an icon for the switcher. */
      g_assert_nonnull (adw_view_stack_page_get_title (page));
      g_assert_nonnull (adw_view_stack_page_get_icon_name (page));
    }

  notifies = f->section_notifies;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.section", "s", "problems"));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "problems");
  g_assert_cmpstr (chevet_chart_view_get_section (f->view), ==, "problems");
  g_assert_cmpuint (f->section_notifies, ==, notifies + 1);

  /* The same section again: no notification. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.section", "s", "problems");
  g_assert_cmpuint (f->section_notifies, ==, notifies + 1);

  /* The setter and the property agree. */
  chevet_chart_view_set_section (f->view, "notes");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "notes");
  g_object_set (f->view, "section", "immunizations", NULL);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "immunizations");

  /* A name that is no section changes nothing. */
  chevet_chart_view_set_section (f->view, "billing");
  g_assert_cmpstr (chevet_chart_view_get_section (f->view), ==, "immunizations");
}

/* Activates what the view's own shortcut for @keyval with Alt does. */
static void
press_alt (Fixture *f,
           guint    keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->view));
  gboolean found = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !found; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)) && !found; j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == GDK_ALT_MASK)
            {
              g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0,
                                                           GTK_WIDGET (f->view),
                                                           gtk_shortcut_get_arguments (shortcut)));
              found = TRUE;
            }
        }
    }
  g_assert_true (found);
}

static void
test_sections_alt_digits (Fixture       *f,
                          gconstpointer  data)
{
  static const char * const names[] = {
    "summary", "problems", "medications", "results", "encounters", "notes", "immunizations",
  };

  load (f, allergic_id);
  for (guint i = G_N_ELEMENTS (names); i > 0; i--)
    {
      press_alt (f, GDK_KEY_1 + i - 1);
      g_assert_cmpstr (chevet_chart_view_get_section (f->view), ==, names[i - 1]);
    }
}

static void
test_results_trend (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ChevetChart) expected = read_chart (allergic_id);
  ChevetChartSection *results = template_child (f->view, "results_section");
  ChevetTrendPlot *plot = template_child (f->view, "trend_plot");
  GtkRevealer *revealer = template_child (f->view, "trend_revealer");
  GListModel *model = chevet_chart_section_get_model (results);
  g_autoptr(GPtrArray) series = NULL;
  g_autoptr(GError) error = NULL;
  ChevetChartItem *item = NULL;
  guint position = 0;

  load (f, allergic_id);
  show_section (f, "results");
  g_assert_false (gtk_revealer_get_reveal_child (revealer));

  /* The first line (under its header) is activated, as Enter or a click does. */
  for (position = 0; position < g_list_model_get_n_items (model); position++)
    {
      g_autoptr(ChevetChartEntry) entry = g_list_model_get_item (model, position);

      if (!chevet_chart_entry_is_header (entry))
        {
          item = chevet_chart_entry_get_item (entry);
          break;
        }
    }
  g_assert_nonnull (item);
  series = chevet_store_read_observations (store, allergic_id, item->code, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, >, 0);

  g_signal_emit_by_name (chevet_chart_section_get_list_view (results), "activate", position);
  WAIT_UNTIL (chevet_trend_plot_get_n_points (plot) == series->len);
  g_assert_true (gtk_revealer_get_reveal_child (revealer));
  WAIT_UNTIL (gtk_revealer_get_child_revealed (revealer));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (plot)));
  {
    /* The card says how many values the plot shows. */
    g_autofree char *count = g_strdup_printf ("%u value", series->len);

    g_assert_nonnull (strstr (gtk_label_get_label (template_child (f->view, "trend_subtitle")), count));
    assert_label_shown (revealer, gtk_label_get_label (template_child (f->view, "trend_subtitle")));
  }

  /* From the summary, a lab result's row opens its own trend through the action. */
  {
    ChevetChartItem *lab = g_ptr_array_index (expected->labs, 0);
    g_autoptr(GPtrArray) lab_series = chevet_store_read_observations (store, allergic_id, lab->code, &error);

    g_assert_no_error (error);
    show_section (f, "summary");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.show-trend", "s", lab->code));
    g_assert_cmpstr (chevet_chart_view_get_section (f->view), ==, "results");
    WAIT_UNTIL (chevet_trend_plot_get_n_points (plot) == lab_series->len &&
                strstr (gtk_label_get_label (template_child (f->view, "trend_subtitle")), "…") == NULL);
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.hide-trend", NULL));
  g_assert_false (gtk_revealer_get_reveal_child (revealer));
  g_assert_cmpuint (chevet_trend_plot_get_n_points (plot), ==, 0);
}

/* Tests: loading and clearing */

static void
assert_nothing_of (Fixture    *f,
                   ChevetChart *chart)
{
  ChevetPatient *p = chart->patient;

  g_assert_false (tree_contains (f->window, chevet_patient_get_family (p)));
  g_assert_false (tree_contains (f->window, chevet_patient_get_identifier (p)));
  for (guint i = 0; i < chart->allergies->len; i++)
    g_assert_false (tree_contains (f->window, ((ChevetChartItem *) g_ptr_array_index (chart->allergies, i))->display));
  for (guint i = 0; i < chart->encounters->len; i++)
    {
      ChevetChartItem *e = g_ptr_array_index (chart->encounters, i);

      if (e->detail != NULL)
        g_assert_false (tree_contains (f->window, e->detail));
    }
  for (guint i = 0; i < chart->documents->len; i++)
    {
      ChevetChartItem *n = g_ptr_array_index (chart->documents, i);
      g_auto(GStrv) lines = n->extra != NULL ? g_strsplit (n->extra, "\n", 2) : NULL;

      if (lines != NULL && lines[0] != NULL && *lines[0] != '\0')
        g_assert_false (tree_contains (f->window, lines[0]));
    }
}

static void
visit_every_section (Fixture *f)
{
  static const char * const names[] = {
    "problems", "medications", "results", "encounters", "notes", "immunizations", "summary",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    show_section (f, names[i]);
}

static void
test_clear_forgets_patient (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ChevetChart) expected = read_chart (allergic_id);
  ChevetChartItem *vital = g_ptr_array_index (expected->vitals, 0);
  ChevetTrendPlot *plot = template_child (f->view, "trend_plot");
  guint notifies;

  load (f, allergic_id);
  visit_every_section (f);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.show-trend", "s", vital->code);
  WAIT_UNTIL (chevet_trend_plot_get_n_points (plot) > 0);
  wait_frames (f, 2);
  g_assert_true (tree_contains (f->window, chevet_patient_get_family (expected->patient)));

  notifies = f->chart_notifies;
  chevet_chart_view_clear (f->view);
  g_assert_null (chevet_chart_view_get_chart (f->view));
  g_assert_cmpuint (f->chart_notifies, ==, notifies + 1);
  g_assert_cmpuint (chevet_trend_plot_get_n_points (plot), ==, 0);
  assert_nothing_of (f, expected);
  wait_frames (f, 2);
  assert_nothing_of (f, expected);
}

static void
test_lock_clears (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ChevetChart) expected = read_chart (allergic_id);

  load (f, allergic_id);
  visit_every_section (f);
  /* Locking the session is enough, whoever forgets to clear the view. */
  chevet_session_lock (f->session);
  g_assert_null (chevet_chart_view_get_chart (f->view));
  assert_nothing_of (f, expected);
}

static void
test_load_replaces_previous (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(ChevetChart) first = read_chart (allergic_id);
  g_autoptr(ChevetChart) second = read_chart (unrecorded_id);
  ChevetChart *shown;

  g_assert_cmpstr (chevet_patient_get_family (first->patient), !=, chevet_patient_get_family (second->patient));
  /* The first load is cancelled by the second: only the second chart ever shows. */
  chevet_chart_view_load (f->view, allergic_id);
  shown = load (f, unrecorded_id);
  g_assert_cmpstr (chevet_patient_get_id (shown->patient), ==, unrecorded_id);
  drain_main_loop ();
  wait_frames (f, 2);
  g_assert_cmpstr (chevet_patient_get_id (chevet_chart_view_get_chart (f->view)->patient), ==, unrecorded_id);
  assert_label_shown (template_child (f->view, "banner"), chevet_patient_get_display_name (second->patient));
  g_assert_false (tree_contains (f->window, chevet_patient_get_family (first->patient)));
}

static void
test_load_unknown_shows_error (Fixture       *f,
                               gconstpointer  data)
{
  AdwStatusPage *error_page = template_child (f->view, "error_page");

  chevet_chart_view_load (f->view, "no-such-patient");
  WAIT_UNTIL (!chevet_chart_view_get_loading (f->view));
  wait_frames (f, 2);
  g_assert_null (chevet_chart_view_get_chart (f->view));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (error_page)));
  g_assert_nonnull (adw_status_page_get_description (error_page));

  /* And a good chart after it shows as usual. */
  load (f, no_known_id);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (error_page)));
}

/* Tests: a heavy chart */

static char *
heavy_ndjson (guint n_encounters,
              guint n_observations,
              guint n_notes,
              guint n_conditions)
{
  static const struct
  {
    const char *code;
    const char *display;
    const char *unit;
    const char *category;
    double      base;
  } codes[] = {
    { "8867-4", "Heart rate", "/min", "vital-signs", 72 },
    { "8310-5", "Body temperature", "Cel", "vital-signs", 36.8 },
    { "29463-7", "Body weight", "kg", "vital-signs", 70 },
    { "9279-1", "Respiratory rate", "/min", "vital-signs", 16 },
    { "59408-5", "Oxygen saturation", "%", "vital-signs", 97 },
    { "4548-4", "Hemoglobin A1c", "%", "laboratory", 6.1 },
    { "2345-7", "Glucose", "mmol/L", "laboratory", 5.6 },
    { "718-7", "Hemoglobin", "g/dL", "laboratory", 13.5 },
    { "2160-0", "Creatinine", "umol/L", "laboratory", 80 },
    { "6690-2", "Leukocytes", "10*9/L", "laboratory", 7 },
  };
  GString *s = g_string_new (NULL);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2016, 1, 4, 9, 0, 0);

  g_string_append (s, "{\"resourceType\":\"Patient\",\"id\":\"heavy\",\"identifier\":[{\"system\":\"urn:example:mrn\","
                      "\"value\":\"MRN-HEAVY-1\"}],\"name\":[{\"family\":\"Heavyweight\",\"given\":[\"Chart\"]}],"
                      "\"gender\":\"female\",\"birthDate\":\"1950-02-03\"}\n");
  for (guint e = 0; e < n_encounters; e++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (start, e * 6);
      g_autofree char *when = g_date_time_format_iso8601 (day);

      g_string_append_printf (s, "{\"resourceType\":\"Encounter\",\"id\":\"enc-%u\",\"status\":\"finished\","
                                 "\"class\":{\"code\":\"AMB\"},\"type\":[{\"text\":\"Follow-up visit\"}],"
                                 "\"subject\":{\"reference\":\"Patient/heavy\"},\"period\":{\"start\":\"%s\"},"
                                 "\"reasonCode\":[{\"text\":\"Review %u\"}]}\n", e, when, e);
    }
  for (guint o = 0; o < n_observations; o++)
    {
      guint c = o % G_N_ELEMENTS (codes);
      guint e = (o / G_N_ELEMENTS (codes)) % n_encounters;
      g_autoptr(GDateTime) day = g_date_time_add_days (start, e * 6);
      g_autoptr(GDateTime) at = g_date_time_add_minutes (day, o / (G_N_ELEMENTS (codes) * n_encounters));
      g_autofree char *when = g_date_time_format_iso8601 (at);
      char value[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (value, sizeof value, "%.1f", codes[c].base * (0.9 + 0.2 * ((o * 7919) % 100) / 100.0));
      g_string_append_printf (s, "{\"resourceType\":\"Observation\",\"id\":\"obs-%u\",\"status\":\"final\","
                                 "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\","
                                 "\"code\":\"%s\"}]}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\","
                                 "\"display\":\"%s\"}]},\"subject\":{\"reference\":\"Patient/heavy\"},"
                                 "\"encounter\":{\"reference\":\"Encounter/enc-%u\"},\"effectiveDateTime\":\"%s\","
                                 "\"valueQuantity\":{\"value\":%s,\"unit\":\"%s\"}}\n",
                              o, codes[c].category, codes[c].code, codes[c].display, e, when, value, codes[c].unit);
    }
  for (guint n = 0; n < n_notes; n++)
    {
      guint e = n * (n_encounters / n_notes);
      g_autoptr(GDateTime) day = g_date_time_add_days (start, e * 6);
      g_autofree char *when = g_date_time_format_iso8601 (day);
      g_autofree char *text = g_strdup_printf ("Note %u. Patient reviewed, blood pressure controlled, "
                                               "continue treatment and review in three months.\n"
                                               "Plan discussed with the patient.", n);
      g_autofree char *data = g_base64_encode ((const guchar *) text, strlen (text));

      g_string_append_printf (s, "{\"resourceType\":\"DocumentReference\",\"id\":\"doc-%u\",\"status\":\"current\","
                                 "\"type\":{\"text\":\"Progress note\"},\"subject\":{\"reference\":\"Patient/heavy\"},"
                                 "\"date\":\"%s\",\"content\":[{\"attachment\":{\"contentType\":\"text/plain\","
                                 "\"title\":\"Consultation note\",\"data\":\"%s\"}}],"
                                 "\"context\":{\"encounter\":[{\"reference\":\"Encounter/enc-%u\"}]}}\n",
                              n, when, data, e);
    }
  for (guint c = 0; c < n_conditions; c++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (start, c * 10);
      g_autofree char *when = g_date_time_format_iso8601 (day);

      g_string_append_printf (s, "{\"resourceType\":\"Condition\",\"id\":\"cond-%u\","
                                 "\"clinicalStatus\":{\"coding\":[{\"code\":\"%s\"}]},"
                                 "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"%u\"}],"
                                 "\"text\":\"Condition %u\"},\"subject\":{\"reference\":\"Patient/heavy\"},"
                                 "\"onsetDateTime\":\"%s\"}\n",
                              c, c % 10 == 0 ? "active" : "resolved", 100000 + c, c, when);
    }
  return g_string_free (s, FALSE);
}

static void
test_heavy_chart (Fixture       *f,
                  gconstpointer  data)
{
  ChevetChartSection *encounters = template_child (f->view, "encounters_section");
  ChevetChartSection *notes = template_child (f->view, "notes_section");
  ChevetChart *chart;
  gint64 start;
  guint widgets;

  start = g_get_monotonic_time ();
  chart = load (f, "heavy");
  g_test_message ("heavy chart read and shown in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (chart->encounters->len, ==, 500);
  g_assert_cmpuint (chart->documents->len, ==, 200);
  g_assert_cmpuint (count_entries (encounters, CHEVET_CHART_GROUP_ENCOUNTERS), ==, 500);
  g_assert_cmpuint (count_entries (notes, CHEVET_CHART_GROUP_NOTES), ==, 200);

  /* Only the lines on screen are widgets: far fewer than the chart has lines. */
  show_section (f, "encounters");
  show_section (f, "notes");
  show_section (f, "problems");
  widgets = count_widgets (GTK_WIDGET (f->view));
  g_test_message ("%u widgets in the view, %u rows", widgets,
                  count_type (GTK_WIDGET (f->view), CHEVET_TYPE_CHART_ROW));
  /* GTK 4.8's list view keeps at most 200 rows around what is on screen. */
  g_assert_cmpuint (count_type (GTK_WIDGET (encounters), CHEVET_TYPE_CHART_ROW), <=, 210);
  g_assert_cmpuint (count_type (GTK_WIDGET (notes), CHEVET_TYPE_CHART_ROW), <=, 210);
  g_assert_cmpuint (widgets, <, 20000);
}

static void
fixture_setup_heavy (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *ndjson = heavy_ndjson (500, 10000, 200, 300);
  g_autofree char *path = g_build_filename (workspace_dir, "heavy", NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_object_unref (create_workspace (path, ndjson));
  fixture_open (f, path);
}

/* Screenshots */

static void
save_png (GtkWidget  *widget,
          const char *file)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  /* The window's background under the view, as on screen. */
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA background = dark ? (GdkRGBA) { 0.14, 0.14, 0.14, 1 } : (GdkRGBA) { 0.98, 0.98, 0.98, 1 };

  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, file));
  g_test_message ("saved %s", file);
}

static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  const char *dir = g_getenv ("CHEVET_CHART_PNG_DIR");
  g_autoptr(ChevetChart) expected = read_chart (allergic_id);
  ChevetChartItem *vital = NULL;
  g_autofree char *summary = g_build_filename (dir, "chart-summary.png", NULL);
  g_autofree char *summary_full = g_build_filename (dir, "chart-summary-full.png", NULL);
  g_autofree char *results = g_build_filename (dir, "chart-results.png", NULL);
  g_autofree char *problems = g_build_filename (dir, "chart-problems.png", NULL);
  g_autofree char *encounters = g_build_filename (dir, "chart-encounters.png", NULL);
  g_autofree char *notes = g_build_filename (dir, "chart-notes.png", NULL);
  g_autofree char *empty = g_build_filename (dir, "chart-empty.png", NULL);
  g_autofree char *narrow = g_build_filename (dir, "chart-narrow.png", NULL);
  g_autofree char *high = g_build_filename (dir, "chart-high-criticality.png", NULL);
  g_autofree char *unrecorded = g_build_filename (dir, "chart-allergies-not-recorded.png", NULL);

  if (g_getenv ("CHEVET_CHART_PNG_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  g_mkdir_with_parents (dir, 0700);
  load (f, allergic_id);
  wait_frames (f, 3);
  save_png (GTK_WIDGET (f->view), summary);
  /* The whole summary, beyond what the window shows. */
  save_png (template_child (f->view, "summary_box"), summary_full);

  /* Blood pressure, when recorded, makes the richest trend. */
  for (guint i = 0; i < expected->vitals->len; i++)
    {
      ChevetChartItem *v = g_ptr_array_index (expected->vitals, i);

      if (vital == NULL || v->components != NULL)
        vital = v;
    }
  gtk_widget_activate_action (GTK_WIDGET (f->view), "chart.show-trend", "s", vital->code);
  WAIT_UNTIL (chevet_trend_plot_get_n_points (template_child (f->view, "trend_plot")) > 0);
  WAIT_UNTIL (gtk_revealer_get_child_revealed (template_child (f->view, "trend_revealer")));
  wait_frames (f, 3);
  save_png (GTK_WIDGET (f->view), results);

  show_section (f, "problems");
  save_png (GTK_WIDGET (f->view), problems);
  show_section (f, "encounters");
  {
    /* The newest encounter with notes, unfolded. */
    GtkWidget *list = GTK_WIDGET (chevet_chart_section_get_list_view (template_child (f->view, "encounters_section")));

    for (GtkWidget *w = gtk_widget_get_first_child (list); w != NULL; w = gtk_widget_get_next_sibling (w))
      {
        GtkWidget *row = gtk_widget_get_first_child (w);

        if (!CHEVET_IS_CHART_ROW (row))
          continue;
        chevet_chart_row_set_details_revealed (CHEVET_CHART_ROW (row), TRUE);
        if (chevet_chart_row_get_details_revealed (CHEVET_CHART_ROW (row)))
          break;
      }
    wait_frames (f, 20);
  }
  save_png (GTK_WIDGET (f->view), encounters);
  show_section (f, "notes");
  save_png (GTK_WIDGET (f->view), notes);
  load (f, no_immunization_id);
  show_section (f, "immunizations");
  save_png (GTK_WIDGET (f->view), empty);

  /* A high-criticality allergy, when the clinic has one. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) patients = chevet_store_search_patients (store, NULL, 0, 0, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < patients->len; i++)
      {
        const char *id = chevet_patient_get_id (g_ptr_array_index (patients, i));
        g_autoptr(ChevetChart) chart = read_chart (id);

        if (chart->allergies->len > 0 &&
            g_strcmp0 (((ChevetChartItem *) g_ptr_array_index (chart->allergies, 0))->flag, "high") == 0)
          {
            load (f, id);
            show_section (f, "summary");
            save_png (GTK_WIDGET (f->view), high);
            break;
          }
      }
  }

  /* Nobody asked about allergies. */
  load (f, unrecorded_id);
  save_png (GTK_WIDGET (f->view), unrecorded);

  /* A narrow window: the chart beside a patient list, say. */
  load (f, allergic_id);
  gtk_window_set_default_size (f->window, 720, 800);
  wait_frames (f, 4);
  save_png (GTK_WIDGET (f->view), narrow);
}

/* main */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ndjson = NULL;
  int status;

  /* Not G_TEST_OPTION_ISOLATE_DIRS: it hides XDG_DATA_DIRS, and icons then fail to load.
   * The workspace lives in a temporary folder of its own instead. */
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  display_load_style ();

  /* Key slots derive in a blink: this is not about Argon2id. */
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  workspace_dir = display_make_tmpdir ("chevet-test-chart-XXXXXX", &workspace_path);
  ndjson = display_generate_clinic (7, N_PATIENTS);
  store = create_workspace (workspace_path, ndjson);
  find_patients ();

  g_test_add ("/chart/banner/name-identifier-and-allergies", Fixture, NULL,
              fixture_setup, test_banner_allergies, fixture_teardown);
  g_test_add ("/chart/banner/no-known-allergies-is-calm", Fixture, NULL,
              fixture_setup, test_banner_no_known_allergies, fixture_teardown);
  g_test_add ("/chart/banner/allergies-not-recorded-warns", Fixture, NULL,
              fixture_setup, test_banner_allergies_not_recorded, fixture_teardown);
  g_test_add ("/chart/sections/match-the-store", Fixture, NULL,
              fixture_setup, test_sections_match_store, fixture_teardown);
  g_test_add ("/chart/sections/empty-shows-status-page", Fixture, NULL,
              fixture_setup, test_sections_empty_state, fixture_teardown);
  g_test_add ("/chart/sections/switch-by-action", Fixture, NULL,
              fixture_setup, test_sections_switch_by_action, fixture_teardown);
  g_test_add ("/chart/sections/alt-digits-switch", Fixture, NULL,
              fixture_setup, test_sections_alt_digits, fixture_teardown);
  g_test_add ("/chart/results/activating-a-row-plots-its-series", Fixture, NULL,
              fixture_setup, test_results_trend, fixture_teardown);
  g_test_add ("/chart/clear/leaves-no-patient-string", Fixture, NULL,
              fixture_setup, test_clear_forgets_patient, fixture_teardown);
  g_test_add ("/chart/clear/lock-clears-the-view", Fixture, NULL,
              fixture_setup, test_lock_clears, fixture_teardown);
  g_test_add ("/chart/load/second-load-replaces-the-first", Fixture, NULL,
              fixture_setup, test_load_replaces_previous, fixture_teardown);
  g_test_add ("/chart/load/unknown-patient-shows-error", Fixture, NULL,
              fixture_setup, test_load_unknown_shows_error, fixture_teardown);
  g_test_add ("/chart/heavy/only-visible-lines-are-widgets", Fixture, NULL,
              fixture_setup_heavy, test_heavy_chart, fixture_teardown);
  if (g_getenv ("CHEVET_CHART_PNG_DIR") != NULL)
    g_test_add ("/chart/screenshot", Fixture, NULL,
                fixture_setup, test_screenshot, fixture_teardown);

  status = g_test_run ();

  g_clear_object (&store);
  display_remove_tmpdir (&workspace_dir, &workspace_path);
  g_free (allergic_id);
  g_free (no_known_id);
  g_free (unrecorded_id);
  g_free (no_immunization_id);
  return status;
}
