/* test-tutorial-ui.c: the tutorial spotlight and callout, the training hub, the summary
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The overlay tests put a ChevetTutorialOverlay over a small window holding widgets
 * named like the workstation's (search_entry, lock_button) and run a tutorial read from
 * a string; they check what a trainee sees: the dimming and its hole around the target,
 * the callout next to it and following it when the window is resized, clicks reaching
 * the window through the dimming, the buttons, the hint, the questions. A target no
 * window holds is a critical (checked in a subprocess, where it is fatal).
 *
 * With CHEVET_TUTORIAL_PNG_DIR=DIR, screenshots of a spotlighted step, of a question,
 * of the hub and of the summary are saved there.
 */
#define G_LOG_DOMAIN "test-tutorial-ui"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "chevet-training-hub.h"
#include "chevet-training-marker.h"
#include "chevet-tutorial-overlay.h"
#include "chevet-tutorial-summary.h"
#include "chevet-tutorial.h"

#include "display-test-util.h"

static const char tutorial_xml[] =
  "<tutorial id='ui-test' order='1' minutes='3'>"
  "  <title>Trying the tutorials</title><summary>For the tests.</summary>"
  "  <step id='welcome' kind='explanation'><title>Welcome</title>"
  "    <text>This window has a search box, a lock button and a button at the bottom.</text></step>"
  "  <step id='search' kind='action' target='search_entry'><title>Search</title>"
  "    <text>Type “abc” in the search box.</text><hint>The box at the top of the window.</hint>"
  "    <when event='search' value='abc'/></step>"
  "  <step id='lock' kind='action' target='lock_button'><title>Lock</title>"
  "    <text>Lock the window.</text><hint>The padlock at the top right.</hint>"
  "    <when event='action' value='win.lock'/></step>"
  "  <step id='question' kind='question' fact='answer:yes'><title>A question</title>"
  "    <text>Is this a test?</text><hint>It is.</hint>"
  "    <choice value='no'>No</choice><choice value='yes'>Yes</choice></step>"
  "  <step id='corner' kind='action' target='corner_button'><title>The corner</title>"
  "    <text>Press the button in the bottom corner.</text>"
  "    <when event='action' value='win.corner'/></step>"
  "  <step id='done' kind='recap'><title>Done</title><text>That was all.</text></step>"
  "</tutorial>";

static const char missing_xml[] =
  "<tutorial id='broken' order='1' minutes='1'>"
  "  <title>Broken</title><summary>Points at nothing.</summary>"
  "  <step id='nowhere' kind='action' target='no_such_widget'><title>Nowhere</title>"
  "    <text>Press it.</text><when event='action' value='win.nothing'/></step>"
  "  <step id='end' kind='recap'><title>End</title><text>End.</text></step>"
  "</tutorial>";

typedef struct
{
  ChevetTutorial    *tutorial;
  ChevetTutorialRun *run;
  GtkWindow         *window;
  GtkWidget         *overlay_box;     /* the GtkOverlay */
  GtkWidget         *search_entry;
  GtkWidget         *lock_button;
  GtkWidget         *corner_button;
  GtkWidget         *overlay;         /* ChevetTutorialOverlay */
  guint              quits;
  guint              finishes;
  guint              progress_changes;
  guint              lock_clicks;
} Fixture;

static ChevetTutorial *
tutorial_from (const char *xml)
{
  g_autoptr(GError) error = NULL;
  ChevetTutorial *tutorial = chevet_tutorial_new_from_data (xml, strlen (xml), "test.tutorial", &error);

  g_assert_no_error (error);
  return tutorial;
}

static void
on_lock_clicked (Fixture *f)
{
  f->lock_clicks++;
}

static void on_quit (Fixture *f) { f->quits++; }
static void on_finished (Fixture *f) { f->finishes++; }
static void on_progress (Fixture *f) { f->progress_changes++; }

static void
wait_frames (Fixture *f,
             guint    n)
{
  display_wait_frames (GTK_WIDGET (f->window), n);
}

static void
fixture_setup_with (Fixture    *f,
                    const char *xml)
{
  GtkWidget *box, *header, *middle, *bottom;

  f->tutorial = tutorial_from (xml);
  f->run = chevet_tutorial_run_new (f->tutorial, NULL);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 600);
  f->overlay_box = gtk_overlay_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 12);
  f->search_entry = gtk_search_entry_new ();
  gtk_widget_set_name (f->search_entry, "search_entry");
  gtk_widget_set_hexpand (f->search_entry, TRUE);
  f->lock_button = gtk_button_new_from_icon_name ("system-lock-screen-symbolic");
  gtk_widget_set_name (f->lock_button, "lock_button");
  gtk_widget_set_tooltip_text (f->lock_button, "Lock");
  g_signal_connect_swapped (f->lock_button, "clicked", G_CALLBACK (on_lock_clicked), f);
  gtk_box_append (GTK_BOX (header), f->search_entry);
  gtk_box_append (GTK_BOX (header), f->lock_button);
  middle = gtk_label_new ("Patients");
  gtk_widget_set_vexpand (middle, TRUE);
  bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  f->corner_button = gtk_button_new_with_label ("Corner");
  gtk_widget_set_name (f->corner_button, "corner_button");
  gtk_widget_set_halign (f->corner_button, GTK_ALIGN_END);
  gtk_widget_set_hexpand (f->corner_button, TRUE);
  gtk_widget_set_margin_end (f->corner_button, 12);
  gtk_widget_set_margin_bottom (f->corner_button, 12);
  gtk_box_append (GTK_BOX (bottom), f->corner_button);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), middle);
  gtk_box_append (GTK_BOX (box), bottom);
  gtk_overlay_set_child (GTK_OVERLAY (f->overlay_box), box);

  f->overlay = chevet_tutorial_overlay_new (f->run, box);
  g_object_ref (f->overlay);
  g_signal_connect_swapped (f->overlay, "quit", G_CALLBACK (on_quit), f);
  g_signal_connect_swapped (f->overlay, "finished", G_CALLBACK (on_finished), f);
  g_signal_connect_swapped (f->overlay, "progress-changed", G_CALLBACK (on_progress), f);
  gtk_overlay_add_overlay (GTK_OVERLAY (f->overlay_box), f->overlay);
  gtk_window_set_child (f->window, f->overlay_box);
  gtk_window_present (f->window);
  WAIT_UNTIL (gtk_widget_get_mapped (f->overlay) && gtk_widget_get_width (f->overlay) > 0);
  wait_frames (f, 2);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_with (f, tutorial_xml);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  drain_main_loop ();
  g_assert_finalize_object (f->overlay);
  g_assert_finalize_object (f->run);
  g_assert_finalize_object (f->tutorial);
}

/* The button of the callout bound to @action, visible and enabled. */
static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action,
                    const char *target)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    {
      GVariant *t = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (widget));

      if (target == NULL || (t != NULL && g_strcmp0 (g_variant_get_string (t, NULL), target) == 0))
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

static gboolean
button_shown (GtkWidget *button)
{
  return button != NULL && gtk_widget_is_visible (button) && gtk_widget_is_sensitive (button);
}

/* Clicks the callout's button for @action, as a trainee would. */
static void
press (Fixture    *f,
       const char *action,
       const char *target)
{
  GtkWidget *button = find_action_button (chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay)),
                                          action, target);

  g_assert_true (button_shown (button));
  g_signal_emit_by_name (button, "clicked");
  drain_main_loop ();
}

/* Whether a visible label of @widget says @text (or contains it, with @partial). */
static gboolean
shows_text (GtkWidget  *widget,
            const char *text,
            gboolean    partial)
{
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return FALSE;
  if (GTK_IS_REVEALER (widget) && !gtk_revealer_get_reveal_child (GTK_REVEALER (widget)))
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

/* Whether every revealer under @widget has finished its transition. */
static gboolean
revealer_done (GtkWidget *widget)
{
  if (GTK_IS_REVEALER (widget) &&
      gtk_revealer_get_reveal_child (GTK_REVEALER (widget)) != gtk_revealer_get_child_revealed (GTK_REVEALER (widget)))
    return FALSE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (!revealer_done (c))
      return FALSE;
  return TRUE;
}

static gboolean
callout_says (Fixture    *f,
              const char *text)
{
  return shows_text (chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay)), text, TRUE);
}

static graphene_rect_t
bounds_in_overlay (Fixture   *f,
                   GtkWidget *widget)
{
  graphene_rect_t r;

  g_assert_true (gtk_widget_compute_bounds (widget, f->overlay, &r));
  return r;
}

static gboolean
has_hole (Fixture *f)
{
  return chevet_tutorial_overlay_get_hole (CHEVET_TUTORIAL_OVERLAY (f->overlay), NULL);
}

/* The hole is around @target: the target's bounds, a few pixels of padding aside. */
static void
assert_hole_around (Fixture   *f,
                    GtkWidget *target)
{
  graphene_rect_t hole, t = bounds_in_overlay (f, target);

  g_assert_true (chevet_tutorial_overlay_get_hole (CHEVET_TUTORIAL_OVERLAY (f->overlay), &hole));
  g_assert_cmpfloat_with_epsilon (hole.origin.x, t.origin.x, 6);
  g_assert_cmpfloat_with_epsilon (hole.origin.y, t.origin.y, 6);
  g_assert_cmpfloat_with_epsilon (hole.origin.x + hole.size.width, t.origin.x + t.size.width, 6);
  g_assert_cmpfloat_with_epsilon (hole.origin.y + hole.size.height, t.origin.y + t.size.height, 6);
  g_assert_true (chevet_tutorial_overlay_get_target (CHEVET_TUTORIAL_OVERLAY (f->overlay)) == target);
}

static void
assert_inside_window (Fixture         *f,
                      graphene_rect_t *r)
{
  g_assert_cmpfloat (r->origin.x, >=, 0);
  g_assert_cmpfloat (r->origin.y, >=, 0);
  g_assert_cmpfloat (r->origin.x + r->size.width, <=, gtk_widget_get_width (f->overlay));
  g_assert_cmpfloat (r->origin.y + r->size.height, <=, gtk_widget_get_height (f->overlay));
}

static void
save_png (Fixture    *f,
          const char *name)
{
  const char *dir = g_getenv ("CHEVET_TUTORIAL_PNG_DIR");

  if (dir != NULL)
    display_save_png (GTK_WIDGET (f->window), dir, name);
}

/* ------------------------------------------------------------------ the overlay */

static void
test_spotlight_follows_target (Fixture       *f,
                               gconstpointer  data)
{
  GtkWidget *callout = chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay));
  graphene_rect_t c, hole, before, after;

  /* An explanation points at nothing: no dimming, the callout at the bottom middle. */
  g_assert_true (callout_says (f, "Step 1 of 6"));
  g_assert_true (callout_says (f, "Welcome"));
  g_assert_false (has_hole (f));
  c = bounds_in_overlay (f, callout);
  g_assert_cmpfloat (c.origin.y + c.size.height, >, gtk_widget_get_height (f->overlay) - 40);
  g_assert_cmpfloat_with_epsilon (c.origin.x + c.size.width / 2, gtk_widget_get_width (f->overlay) / 2.0, 2);

  press (f, "tutorial.next", NULL);
  g_assert_cmpuint (chevet_tutorial_run_get_position (f->run), ==, 1);
  WAIT_UNTIL (has_hole (f));
  wait_frames (f, 2);
  assert_hole_around (f, f->search_entry);
  g_assert_false (chevet_tutorial_overlay_get_target_missing (CHEVET_TUTORIAL_OVERLAY (f->overlay)));
  /* Below the search box, inside the window. */
  c = bounds_in_overlay (f, callout);
  chevet_tutorial_overlay_get_hole (CHEVET_TUTORIAL_OVERLAY (f->overlay), &hole);
  g_assert_cmpfloat (c.origin.y, >=, hole.origin.y + hole.size.height);
  assert_inside_window (f, &c);
  save_png (f, "tutorial-spotlight.png");

  /* The trainee's search reaches the run the way the window will report it. */
  chevet_tutorial_run_notify (f->run, CHEVET_TUTORIAL_EVENT_SEARCH, "abc", NULL);
  g_assert_true (callout_says (f, "Lock the window."));
  WAIT_UNTIL (chevet_tutorial_overlay_get_target (CHEVET_TUTORIAL_OVERLAY (f->overlay)) == f->lock_button);
  wait_frames (f, 2);
  assert_hole_around (f, f->lock_button);

  /* Skip to the corner step: the callout sits above the corner button, and moves
   * with it when the window grows. */
  press (f, "tutorial.skip", NULL);
  chevet_tutorial_run_answer (f->run, "yes");
  g_assert_true (callout_says (f, "Press the button in the bottom corner."));
  WAIT_UNTIL (chevet_tutorial_overlay_get_target (CHEVET_TUTORIAL_OVERLAY (f->overlay)) == f->corner_button);
  wait_frames (f, 2);
  assert_hole_around (f, f->corner_button);
  before = bounds_in_overlay (f, callout);
  chevet_tutorial_overlay_get_hole (CHEVET_TUTORIAL_OVERLAY (f->overlay), &hole);
  g_assert_cmpfloat (before.origin.y + before.size.height, <=, hole.origin.y);
  assert_inside_window (f, &before);

  gtk_window_set_default_size (f->window, 1000, 720);
  WAIT_UNTIL (gtk_widget_get_width (f->overlay) == 1000 && gtk_widget_get_height (f->overlay) == 720);
  wait_frames (f, 3);
  assert_hole_around (f, f->corner_button);
  after = bounds_in_overlay (f, callout);
  g_assert_cmpfloat (after.origin.y, >, before.origin.y + 100);
  g_assert_cmpfloat (after.origin.x, >, before.origin.x + 100);
  chevet_tutorial_overlay_get_hole (CHEVET_TUTORIAL_OVERLAY (f->overlay), &hole);
  g_assert_cmpfloat (after.origin.y + after.size.height, <=, hole.origin.y);
  assert_inside_window (f, &after);
}

static void
test_clicks_reach_window (Fixture       *f,
                          gconstpointer  data)
{
  graphene_rect_t t;
  GtkWidget *picked;
  double x, y;

  press (f, "tutorial.next", NULL);
  chevet_tutorial_run_notify (f->run, CHEVET_TUTORIAL_EVENT_SEARCH, "abc", NULL);
  WAIT_UNTIL (has_hole (f));
  wait_frames (f, 2);
  assert_hole_around (f, f->lock_button);

  /* Through the hole: the target itself. */
  g_assert_true (gtk_widget_compute_bounds (f->lock_button, GTK_WIDGET (f->window), &t));
  gtk_widget_translate_coordinates (f->lock_button, GTK_WIDGET (f->window),
                                    t.size.width / 2, t.size.height / 2, &x, &y);
  picked = gtk_widget_pick (GTK_WIDGET (f->window), x, y, GTK_PICK_DEFAULT);
  g_assert_true (picked == f->lock_button || gtk_widget_is_ancestor (picked, f->lock_button));

  /* Through the dimming too: the trainee may do anything else meanwhile. */
  g_assert_true (gtk_widget_compute_bounds (f->search_entry, GTK_WIDGET (f->window), &t));
  picked = gtk_widget_pick (GTK_WIDGET (f->window), t.origin.x + t.size.width / 2,
                            t.origin.y + t.size.height / 2, GTK_PICK_DEFAULT);
  g_assert_true (picked == f->search_entry || gtk_widget_is_ancestor (picked, f->search_entry));

  /* The callout is the only part that takes the pointer. */
  g_assert_true (gtk_widget_compute_bounds (chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay)),
                                            GTK_WIDGET (f->window), &t));
  picked = gtk_widget_pick (GTK_WIDGET (f->window), t.origin.x + 8, t.origin.y + t.size.height / 2, GTK_PICK_DEFAULT);
  g_assert_true (picked == chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay)) ||
                 gtk_widget_is_ancestor (picked, chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay))));

  /* And a click is a click: the button underneath works, the tutorial still runs. */
  g_signal_emit_by_name (f->lock_button, "clicked");
  g_assert_cmpuint (f->lock_clicks, ==, 1);
  g_assert_cmpuint (chevet_tutorial_run_get_position (f->run), ==, 2);
}

static void
test_buttons (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *callout = chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay));
  guint progress;

  /* First step: Next, Skip Step and Quit; Back is there, greyed: nowhere to go. */
  g_assert_true (button_shown (find_action_button (callout, "tutorial.next", NULL)));
  g_assert_true (button_shown (find_action_button (callout, "tutorial.quit", NULL)));
  g_assert_false (button_shown (find_action_button (callout, "tutorial.back", NULL)));
  g_assert_true (gtk_widget_is_visible (find_action_button (callout, "tutorial.back", NULL)));
  g_assert_true (button_shown (find_action_button (callout, "tutorial.skip", NULL)));

  press (f, "tutorial.next", NULL);
  g_assert_true (callout_says (f, "Step 2 of 6"));
  g_assert_cmpuint (f->progress_changes, ==, 1);
  /* An action step is not passed by Next: Back, Skip Step and Quit. */
  g_assert_false (button_shown (find_action_button (callout, "tutorial.next", NULL)));
  g_assert_true (button_shown (find_action_button (callout, "tutorial.skip", NULL)));

  press (f, "tutorial.back", NULL);
  g_assert_true (callout_says (f, "Step 1 of 6"));
  press (f, "tutorial.next", NULL);
  press (f, "tutorial.skip", NULL);
  g_assert_true (callout_says (f, "Step 3 of 6"));
  progress = f->progress_changes;
  g_assert_cmpuint (progress, ==, 4);

  /* Quit is the trainee's to press; Escape does not quit. */
  gtk_widget_activate_action (f->overlay, "tutorial.focus", NULL);
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (f->window), callout));
  g_assert_cmpuint (f->quits, ==, 0);
  press (f, "tutorial.quit", NULL);
  g_assert_cmpuint (f->quits, ==, 1);

  /* To the end: the recap's Finish finishes the run, once. */
  press (f, "tutorial.skip", NULL);
  press (f, "tutorial.skip", NULL);
  press (f, "tutorial.skip", NULL);
  g_assert_true (callout_says (f, "That was all."));
  g_assert_true (callout_says (f, "Finish"));
  press (f, "tutorial.next", NULL);
  g_assert_true (chevet_tutorial_run_get_finished (f->run));
  g_assert_cmpuint (f->finishes, ==, 1);
  g_assert_false (gtk_widget_get_visible (callout));
  g_assert_false (has_hole (f));
}

static void
test_hint_and_question (Fixture       *f,
                        gconstpointer  data)
{
  GtkWidget *callout = chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay));
  guint progress;

  press (f, "tutorial.next", NULL);
  /* No hint at first; after the delay on the step, offered; shown when asked for. */
  g_assert_false (button_shown (find_action_button (callout, "tutorial.show-hint", NULL)) &&
                  callout_says (f, "The box at the top of the window."));
  g_assert_false (shows_text (callout, "Show Hint", FALSE));
  chevet_tutorial_run_tick (f->run, CHEVET_TUTORIAL_HINT_DELAY - 1);
  g_assert_false (shows_text (callout, "Show Hint", FALSE));
  chevet_tutorial_run_tick (f->run, 1);
  WAIT_UNTIL (shows_text (callout, "Show Hint", FALSE));
  g_assert_false (callout_says (f, "The box at the top of the window."));
  press (f, "tutorial.show-hint", NULL);
  g_assert_true (callout_says (f, "The box at the top of the window."));
  g_assert_false (shows_text (callout, "Show Hint", FALSE));
  WAIT_UNTIL (has_hole (f) && revealer_done (callout));
  save_png (f, "tutorial-hint.png");

  /* A new step hides the hint again. */
  press (f, "tutorial.skip", NULL);
  g_assert_false (shows_text (callout, "Show Hint", FALSE));
  press (f, "tutorial.skip", NULL);

  /* A question: one button per choice; a wrong one says so and stays. */
  g_assert_true (callout_says (f, "Is this a test?"));
  g_assert_true (button_shown (find_action_button (callout, "tutorial.answer", "no")));
  progress = f->progress_changes;
  press (f, "tutorial.answer", "no");
  g_assert_true (callout_says (f, "Not quite — try again."));
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (f->run)), ==, "question");
  g_assert_cmpuint (f->progress_changes, ==, progress + 1);
  save_png (f, "tutorial-question.png");
  press (f, "tutorial.answer", "yes");
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (f->run)), ==, "corner");
  g_assert_false (callout_says (f, "Not quite"));
}

/* The broken tutorial's critical, in a subprocess where it is not fatal. */
static void
test_missing_target (void)
{
  if (g_test_subprocess ())
    {
      Fixture fx = { 0 };
      Fixture *f = &fx;

      /* Criticals are fatal in tests: here the test wants to see what follows one. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      fixture_setup_with (f, missing_xml);
      g_assert_false (chevet_tutorial_overlay_get_target_missing (CHEVET_TUTORIAL_OVERLAY (f->overlay)));
      WAIT_UNTIL (chevet_tutorial_overlay_get_target_missing (CHEVET_TUTORIAL_OVERLAY (f->overlay)));
      /* Never a silent skip: the step stays, the callout shows it at the bottom. */
      g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (f->run)), ==, "nowhere");
      g_assert_true (gtk_widget_get_visible (chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay))));
      g_assert_true (callout_says (f, "Press it."));
      g_assert_false (has_hole (f));
      g_print ("target-missing\n");
      fixture_teardown (f, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*target-missing*");
  g_test_trap_assert_stderr ("*CRITICAL*Tutorial broken, step nowhere*no_such_widget*");
}

/* And where it is fatal, as in every other test: a broken tutorial fails the test. */
static void
test_missing_target_fatal (void)
{
  if (g_test_subprocess ())
    {
      Fixture fx = { 0 };

      fixture_setup_with (&fx, missing_xml);
      WAIT_UNTIL (FALSE);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*no_such_widget*");
  g_test_trap_assert_stderr_unmatched ("*timed out*");
}

/* A target that appears late (a dialog opening) is found, and no critical. */
static void
test_target_appears_late (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *late;

  press (f, "tutorial.next", NULL);
  gtk_widget_set_name (f->search_entry, "renamed");
  wait_frames (f, 5);
  g_assert_false (has_hole (f));
  /* The widget comes a few frames later, as a dialog's would. */
  late = gtk_button_new_with_label ("Late");
  gtk_widget_set_name (late, "search_entry");
  gtk_box_append (GTK_BOX (gtk_overlay_get_child (GTK_OVERLAY (f->overlay_box))), late);
  WAIT_UNTIL (chevet_tutorial_overlay_get_target (CHEVET_TUTORIAL_OVERLAY (f->overlay)) == late);
  wait_frames (f, 2);
  assert_hole_around (f, late);
  g_assert_false (chevet_tutorial_overlay_get_target_missing (CHEVET_TUTORIAL_OVERLAY (f->overlay)));
}

/* A target in another window (the note dialog): found there, nothing dimmed. */
static void
test_target_in_other_window (Fixture       *f,
                             gconstpointer  data)
{
  GtkWindow *dialog = GTK_WINDOW (gtk_window_new ());
  GtkWidget *entry = gtk_entry_new ();
  graphene_rect_t c;

  gtk_widget_set_name (f->lock_button, "elsewhere");
  gtk_widget_set_name (entry, "lock_button");
  gtk_window_set_child (dialog, entry);
  gtk_window_set_transient_for (dialog, f->window);
  gtk_window_present (dialog);
  WAIT_UNTIL (gtk_widget_get_mapped (entry));

  press (f, "tutorial.next", NULL);
  chevet_tutorial_run_notify (f->run, CHEVET_TUTORIAL_EVENT_SEARCH, "abc", NULL);
  WAIT_UNTIL (chevet_tutorial_overlay_get_target (CHEVET_TUTORIAL_OVERLAY (f->overlay)) == entry);
  wait_frames (f, 2);
  g_assert_false (has_hole (f));
  c = bounds_in_overlay (f, chevet_tutorial_overlay_get_callout (CHEVET_TUTORIAL_OVERLAY (f->overlay)));
  assert_inside_window (f, &c);
  gtk_window_destroy (dialog);
}

/* ------------------------------------------------------------------ the hub */

static char *
progress_after (ChevetTutorial *tutorial,
                guint           steps,
                gboolean        finish)
{
  g_autoptr(ChevetTutorialRun) run = chevet_tutorial_run_new (tutorial, NULL);

  for (guint i = 0; i < steps; i++)
    chevet_tutorial_run_skip (run);
  if (finish)
    {
      while (!chevet_tutorial_run_get_finished (run))
        if (!chevet_tutorial_run_next (run))
          chevet_tutorial_run_skip (run);
    }
  chevet_tutorial_run_tick (run, 0);
  return chevet_tutorial_run_save (run);
}

static void
on_start (ChevetTrainingHub *hub,
          const char        *id,
          gboolean           restart,
          GString           *out)
{
  g_string_append_printf (out, "%s:%s;", id, restart ? "restart" : "start");
}

static void
test_hub_lists_tutorials (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tutorials = chevet_tutorial_load_all (NULL, &error);
  g_autoptr(GHashTable) progress = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GString) started = g_string_new (NULL);
  g_autofree char *in_progress = NULL;
  ChevetTutorial *first, *second;
  ChevetTrainingHub *hub;
  GtkWidget *row;

  g_assert_no_error (error);
  g_assert_cmpuint (tutorials->len, ==, 6);
  first = g_ptr_array_index (tutorials, 0);
  second = g_ptr_array_index (tutorials, 1);
  g_hash_table_insert (progress, (char *) chevet_tutorial_get_id (first), progress_after (first, 2, FALSE));
  g_hash_table_insert (progress, (char *) chevet_tutorial_get_id (second), progress_after (second, 0, TRUE));

  hub = chevet_training_hub_new (NULL, tutorials, progress);
  g_signal_connect (hub, "start", G_CALLBACK (on_start), started);
  gtk_window_set_default_size (GTK_WINDOW (hub), 640, 900);
  gtk_window_present (GTK_WINDOW (hub));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (hub)));
  display_wait_frames (GTK_WIDGET (hub), 2);

  g_assert_true (shows_text (GTK_WIDGET (hub), chevet_training_marker_get_text (), FALSE));
  for (guint i = 0; i < tutorials->len; i++)
    {
      ChevetTutorial *t = g_ptr_array_index (tutorials, i);
      g_autofree char *minutes = g_strdup_printf ("About %u minutes", chevet_tutorial_get_minutes (t));

      row = chevet_training_hub_get_row (hub, i);
      g_assert_true (chevet_training_hub_get_tutorial (hub, i) == t);
      g_assert_true (shows_text (row, chevet_tutorial_get_title (t), FALSE));
      g_assert_true (shows_text (row, minutes, FALSE));
      if (i >= 2)
        {
          g_assert_true (shows_text (row, "Not started", FALSE));
          g_assert_true (button_shown (find_action_button (row, "training.start", NULL)));
        }
    }

  in_progress = g_strdup_printf ("In progress: step 3 of %u", chevet_tutorial_get_n_steps (first));
  row = chevet_training_hub_get_row (hub, 0);
  g_assert_true (shows_text (row, in_progress, FALSE));
  g_assert_true (shows_text (row, "Resume", FALSE));
  g_assert_true (shows_text (row, "Restart", FALSE));
  row = chevet_training_hub_get_row (hub, 1);
  g_assert_true (shows_text (row, "Completed: ", TRUE));
  g_assert_true (shows_text (row, "questions right at the first attempt", TRUE));
  g_assert_false (shows_text (row, "Resume", FALSE));

  {
    const char *dir = g_getenv ("CHEVET_TUTORIAL_PNG_DIR");

    if (dir != NULL)
      display_save_png (GTK_WIDGET (hub), dir, "training-hub.png");
  }

  /* Resume the first, start the third. */
  g_signal_emit_by_name (find_action_button (chevet_training_hub_get_row (hub, 0), "training.start", NULL), "clicked");
  g_signal_emit_by_name (find_action_button (chevet_training_hub_get_row (hub, 2), "training.start", NULL), "clicked");
  g_assert_cmpstr (started->str, ==, "find-patient:start;problems-medications:start;");
  g_assert_cmpstr (chevet_tutorial_get_id (g_ptr_array_index (tutorials, 2)), ==, "problems-medications");

  /* Progress given again: the row follows. */
  g_hash_table_remove_all (progress);
  chevet_training_hub_set_progress (hub, progress);
  g_assert_true (shows_text (chevet_training_hub_get_row (hub, 0), "Not started", FALSE));

  g_object_ref (hub);
  gtk_window_destroy (GTK_WINDOW (hub));
  drain_main_loop ();
  g_assert_finalize_object (hub);
}

/* ------------------------------------------------------------------ the summary */

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
test_summary_record (void)
{
  g_autoptr(ChevetTutorial) tutorial = tutorial_from (tutorial_xml);
  g_autoptr(ChevetTutorialRun) run = chevet_tutorial_run_new (tutorial, NULL);
  g_autoptr(GDateTime) when = g_date_time_new_local (2026, 3, 14, 10, 30, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chevet-summary-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  ChevetTutorialSummary *summary;

  g_assert_no_error (error);
  chevet_tutorial_run_next (run);
  chevet_tutorial_run_tick (run, 130);
  chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_SEARCH, "abc", NULL);
  chevet_tutorial_run_skip (run);
  g_assert_cmpint (chevet_tutorial_run_answer (run, "yes"), ==, CHEVET_ANSWER_RIGHT);
  chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_ACTION, "win.corner", NULL);
  chevet_tutorial_run_next (run);
  g_assert_true (chevet_tutorial_run_get_finished (run));

  summary = chevet_tutorial_summary_new (NULL, run, "dr.diallo", when);
  g_assert_cmpstr (chevet_tutorial_summary_get_score (summary), ==, "1 of 1 question right at the first attempt");
  gtk_window_present (GTK_WINDOW (summary));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (summary)));
  g_assert_true (shows_text (GTK_WIDGET (summary), "1 of 1 question right at the first attempt", FALSE));
  g_assert_true (shows_text (GTK_WIDGET (summary), "3 minutes", FALSE));
  g_assert_true (shows_text (GTK_WIDGET (summary), "1 step", FALSE));
  g_assert_true (shows_text (GTK_WIDGET (summary), "dr.diallo", FALSE));
  g_assert_true (shows_text (GTK_WIDGET (summary), chevet_training_marker_get_text (), FALSE));
  {
    const char *png_dir = g_getenv ("CHEVET_TUTORIAL_PNG_DIR");

    if (png_dir != NULL)
      display_save_png (GTK_WIDGET (summary), png_dir, "tutorial-summary.png");
  }

  path = g_build_filename (dir, "record.pdf", NULL);
  g_assert_true (chevet_tutorial_summary_print (summary, path, &error));
  g_assert_no_error (error);
  text = pdf_text (path);
  g_assert_nonnull (strstr (text, "Training: synthetic patients"));
  g_assert_nonnull (strstr (text, "Trying the tutorials"));
  g_assert_nonnull (strstr (text, "1 of 1 question right at the first attempt"));
  g_assert_nonnull (strstr (text, "dr.diallo"));
  g_assert_nonnull (strstr (text, "3 minutes"));
  {
    const char *png_dir = g_getenv ("CHEVET_TUTORIAL_PNG_DIR");

    if (png_dir != NULL)
      {
        g_autofree char *copy = g_build_filename (png_dir, "training-record.pdf", NULL);
        g_autofree char *contents = NULL;
        gsize length;

        g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
        g_assert_true (g_file_set_contents (copy, contents, length, NULL));
      }
  }

  g_object_ref (summary);
  gtk_window_destroy (GTK_WINDOW (summary));
  drain_main_loop ();
  g_assert_finalize_object (summary);
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application loads its style sheet itself (AdwApplication); here, by hand. */
  display_load_style ();

  g_test_add ("/tutorial-ui/overlay/spotlight-follows-target", Fixture, NULL,
              fixture_setup, test_spotlight_follows_target, fixture_teardown);
  g_test_add ("/tutorial-ui/overlay/clicks-reach-window", Fixture, NULL,
              fixture_setup, test_clicks_reach_window, fixture_teardown);
  g_test_add ("/tutorial-ui/overlay/buttons", Fixture, NULL,
              fixture_setup, test_buttons, fixture_teardown);
  g_test_add ("/tutorial-ui/overlay/hint-and-question", Fixture, NULL,
              fixture_setup, test_hint_and_question, fixture_teardown);
  g_test_add ("/tutorial-ui/overlay/target-appears-late", Fixture, NULL,
              fixture_setup, test_target_appears_late, fixture_teardown);
  g_test_add ("/tutorial-ui/overlay/target-in-other-window", Fixture, NULL,
              fixture_setup, test_target_in_other_window, fixture_teardown);
  g_test_add_func ("/tutorial-ui/overlay/missing-target-is-critical", test_missing_target);
  g_test_add_func ("/tutorial-ui/overlay/missing-target-fails-tests", test_missing_target_fatal);
  g_test_add_func ("/tutorial-ui/hub/lists-tutorials-with-progress", test_hub_lists_tutorials);
  g_test_add_func ("/tutorial-ui/summary/record-as-pdf", test_summary_record);
  return g_test_run ();
}
