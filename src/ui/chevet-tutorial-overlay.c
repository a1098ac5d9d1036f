/* chevet-tutorial-overlay.c: the spotlight and callout of a running tutorial
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two children: a dim layer that darkens the window except a rounded hole around the
 * step's target, and the callout card. The dim layer cannot be targeted and the overlay
 * itself contains no point (contains() is FALSE), so clicks anywhere but on the callout
 * reach the window underneath: the trainee does what the step asks there, or anything
 * else. A tick callback follows the target every frame (a resize, a scroll, a page
 * change) and the callout is placed again in size_allocate.
 *
 * A step naming a target that no window holds is a broken tutorial: after
 * CHEVET_TUTORIAL_TARGET_TIMEOUT_MS of looking (a dialog may take a few frames to
 * appear), a g_critical names the tutorial, the step and the target, fatal in tests.
 * A target that exists but is not on screen (the trainee went elsewhere) is not an
 * error: the callout waits at the bottom until it is back.
 */
#define G_LOG_DOMAIN "chevet-tutorial-overlay"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "chevet-tutorial-overlay.h"

#define MARGIN        12.0   /* between the callout and the window's edges */
#define GAP           12.0   /* between the hole and the callout */
#define HOLE_PADDING   4.0
#define HOLE_RADIUS   10.0
#define CALLOUT_WIDTH 400
#define DIM_ALPHA      0.45
#define MIN_FRAMES    10     /* looked for in at least this many frames before missing */
#define SEARCH_EVERY  10     /* frames between searches once the target is known away */

/* ------------------------------------------------------------------ the dim layer */

#define CHEVET_TYPE_TUTORIAL_DIM (chevet_tutorial_dim_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTutorialDim, chevet_tutorial_dim, CHEVET, TUTORIAL_DIM, GtkWidget)

struct _ChevetTutorialDim
{
  GtkWidget       parent_instance;
  gboolean        active;
  graphene_rect_t hole;
};

G_DEFINE_FINAL_TYPE (ChevetTutorialDim, chevet_tutorial_dim, GTK_TYPE_WIDGET)

static void
chevet_tutorial_dim_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  ChevetTutorialDim *self = CHEVET_TUTORIAL_DIM (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRoundedRect ring;
  GdkRGBA accent = { 0.21, 0.52, 0.89, 1.0 };
  cairo_t *cr;

  if (!self->active)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_rectangle (cr, 0, 0, width, height);
  {
    double x = self->hole.origin.x, y = self->hole.origin.y;
    double w = self->hole.size.width, h = self->hole.size.height;
    double r = MIN (HOLE_RADIUS, MIN (w, h) / 2);

    cairo_new_sub_path (cr);
    cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
    cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
    cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
    cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
    cairo_close_path (cr);
  }
  cairo_set_source_rgba (cr, 0, 0, 0, DIM_ALPHA);
  cairo_fill (cr);
  cairo_destroy (cr);

  /* A ring in the accent colour: the hole stays visible to those who see little
   * contrast between dimmed and not. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "accent_bg_color", &accent);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gsk_rounded_rect_init_from_rect (&ring, &self->hole,
                                   MIN (HOLE_RADIUS, MIN (self->hole.size.width, self->hole.size.height) / 2));
  gtk_snapshot_append_border (snapshot, &ring, (float[4]) { 2, 2, 2, 2 },
                              (GdkRGBA[4]) { accent, accent, accent, accent });
}

static void
chevet_tutorial_dim_class_init (ChevetTutorialDimClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = chevet_tutorial_dim_snapshot;
  gtk_widget_class_set_css_name (widget_class, "tutorialdim");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
chevet_tutorial_dim_init (ChevetTutorialDim *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_can_focus (GTK_WIDGET (self), FALSE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
}

/* ------------------------------------------------------------------ the overlay */

typedef enum
{
  TARGET_NONE,       /* the step points at nothing, or the run is finished */
  TARGET_SEARCHING,  /* not found yet */
  TARGET_HERE,       /* on screen in this window: spotlighted */
  TARGET_ELSEWHERE,  /* on screen in another window (a dialog) */
  TARGET_HIDDEN,     /* exists, not on screen (another page): the trainee went elsewhere */
  TARGET_MISSING,    /* no window holds it: a broken tutorial */
} TargetState;

struct _ChevetTutorialOverlay
{
  GtkWidget          parent_instance;

  ChevetTutorialRun *run;
  GtkWidget         *search_root;     /* weak */
  gulong             position_handler;
  gulong             finished_handler;
  gulong             hint_handler;

  GtkWidget         *dim;
  GtkWidget         *callout;
  GtkWidget         *counter_label;
  GtkWidget         *title_label;
  GtkWidget         *text_label;
  GtkWidget         *waiting_label;
  GtkWidget         *hint_revealer;
  GtkWidget         *hint_button;
  GtkWidget         *hint_label;
  GtkWidget         *choices_box;
  GtkWidget         *answer_box;
  GtkWidget         *answer_entry;
  GtkWidget         *feedback_label;
  GtkWidget         *back_button;
  GtkWidget         *skip_button;
  GtkWidget         *quit_button;
  GtkWidget         *next_button;

  TargetState        state;
  GtkWidget         *target;          /* weak */
  GObject           *typed_source;    /* weak: the target's editable or text buffer */
  gulong             typed_handler;
  graphene_rect_t    hole;
  gint64             search_start;    /* frame time the step started looking, or 0 */
  guint              search_frames;
  guint              tick_id;
  guint              seconds_id;
  gboolean           finished_emitted;
};

G_DEFINE_FINAL_TYPE (ChevetTutorialOverlay, chevet_tutorial_overlay, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_QUIT,
  SIGNAL_FINISHED,
  SIGNAL_PROGRESS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static ChevetTutorialStep *
current_step (ChevetTutorialOverlay *self)
{
  return chevet_tutorial_run_get_finished (self->run) ? NULL : chevet_tutorial_run_get_step (self->run);
}

static const char *
current_target_name (ChevetTutorialOverlay *self)
{
  ChevetTutorialStep *step = current_step (self);

  return step != NULL ? chevet_tutorial_step_get_target (step) : NULL;
}

/* ------------------------------------------------------------------ finding the target */

/* Depth first: the first mapped widget called @name (with a size), and whether any
 * widget at all is called so. Our own overlay is not searched. */
static void
find_named (ChevetTutorialOverlay *self,
            GtkWidget             *widget,
            const char            *name,
            GtkWidget            **shown,
            gboolean              *exists)
{
  if (widget == GTK_WIDGET (self))
    return;
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    {
      *exists = TRUE;
      if (*shown == NULL && gtk_widget_get_mapped (widget) &&
          gtk_widget_get_width (widget) > 0 && gtk_widget_get_height (widget) > 0)
        *shown = widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL && *shown == NULL;
       child = gtk_widget_get_next_sibling (child))
    find_named (self, child, name, shown, exists);
}

static GtkWidget *
get_search_root (ChevetTutorialOverlay *self)
{
  if (self->search_root != NULL)
    return self->search_root;
  return GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));
}

/* Looks in the search root, then in the other windows (a dialog). */
static GtkWidget *
search_target (ChevetTutorialOverlay *self,
               const char            *name,
               gboolean              *exists)
{
  GtkWidget *root = get_search_root (self);
  GtkWidget *own_window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));
  g_autoptr(GList) toplevels = NULL;
  GtkWidget *shown = NULL;

  *exists = FALSE;
  if (root != NULL)
    find_named (self, root, name, &shown, exists);
  if (shown != NULL)
    return shown;

  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL && shown == NULL; l = l->next)
    {
      GtkWidget *window = l->data;

      if (window == own_window || window == root)
        continue;
      find_named (self, window, name, &shown, exists);
    }
  return shown;
}

static gboolean
target_still_shown (ChevetTutorialOverlay *self,
                    const char            *name)
{
  return self->target != NULL && gtk_widget_get_mapped (self->target) &&
         g_strcmp0 (gtk_widget_get_name (self->target), name) == 0 &&
         gtk_widget_get_width (self->target) > 0 && gtk_widget_get_height (self->target) > 0;
}

/* What is typed in the target (an entry, or a text view) goes to the run as "typed"
 * events, for steps that wait for a value typed in a field. */
static void
on_target_text_changed (ChevetTutorialOverlay *self)
{
  g_autofree char *text = NULL;

  if (self->typed_source == NULL || self->target == NULL)
    return;
  if (GTK_IS_TEXT_BUFFER (self->typed_source))
    {
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->typed_source), &start, &end);
      text = gtk_text_buffer_get_text (GTK_TEXT_BUFFER (self->typed_source), &start, &end, FALSE);
    }
  else
    text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->typed_source)));
  chevet_tutorial_run_notify (self->run, CHEVET_TUTORIAL_EVENT_TYPED, text,
                              gtk_widget_get_name (self->target));
}

static void
watch_typed (ChevetTutorialOverlay *self,
             GtkWidget             *target)
{
  GObject *source = NULL;

  if (self->typed_source != NULL)
    g_clear_signal_handler (&self->typed_handler, self->typed_source);
  g_clear_weak_pointer (&self->typed_source);
  if (target == NULL)
    return;
  if (GTK_IS_TEXT_VIEW (target))
    source = G_OBJECT (gtk_text_view_get_buffer (GTK_TEXT_VIEW (target)));
  else if (GTK_IS_EDITABLE (target))
    source = G_OBJECT (target);
  if (source == NULL)
    return;
  g_set_weak_pointer (&self->typed_source, source);
  self->typed_handler = g_signal_connect_object (source, "changed",
                                                 G_CALLBACK (on_target_text_changed), self,
                                                 G_CONNECT_SWAPPED);
}

static void
set_target (ChevetTutorialOverlay *self,
            GtkWidget             *target)
{
  if (target != self->target)
    watch_typed (self, target);
  g_set_weak_pointer (&self->target, target);
}

static gboolean
rect_close (const graphene_rect_t *a,
            const graphene_rect_t *b)
{
  return fabsf (a->origin.x - b->origin.x) < 0.5f && fabsf (a->origin.y - b->origin.y) < 0.5f &&
         fabsf (a->size.width - b->size.width) < 0.5f && fabsf (a->size.height - b->size.height) < 0.5f;
}

static void
declare_missing (ChevetTutorialOverlay *self,
                 const char            *name)
{
  ChevetTutorialStep *step = current_step (self);

  self->state = TARGET_MISSING;
  /* A tutorial pointing at a widget that does not exist: fatal in tests, never a
   * silent skip. The callout still shows the step, at the bottom of the window. */
  g_critical ("Tutorial %s, step %s: no widget named “%s” in any window",
              chevet_tutorial_get_id (chevet_tutorial_run_get_tutorial (self->run)),
              step != NULL ? chevet_tutorial_step_get_id (step) : "?", name);
}

/* Every frame: where is the target now? Asks for a new layout when anything moved. */
static void
update_target (ChevetTutorialOverlay *self,
               gint64                 frame_time)
{
  const char *name = current_target_name (self);
  TargetState old_state = self->state;
  graphene_rect_t old_hole = self->hole;
  gboolean exists = FALSE;
  GtkWidget *found;

  if (name == NULL)
    {
      self->state = TARGET_NONE;
      set_target (self, NULL);
    }
  else if (target_still_shown (self, name))
    {
      GtkWidget *own_window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));

      self->state = GTK_WIDGET (gtk_widget_get_root (self->target)) == own_window
                    ? TARGET_HERE : TARGET_ELSEWHERE;
    }
  else
    {
      if (self->search_start == 0)
        self->search_start = frame_time;
      self->search_frames++;
      /* Looked for in every frame at first; then, gone elsewhere or missing, less often. */
      if ((self->state == TARGET_HIDDEN || self->state == TARGET_MISSING) &&
          self->search_frames % SEARCH_EVERY != 0)
        return;

      found = search_target (self, name, &exists);
      set_target (self, found);
      if (found != NULL)
        {
          GtkWidget *own_window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));

          self->state = GTK_WIDGET (gtk_widget_get_root (found)) == own_window
                        ? TARGET_HERE : TARGET_ELSEWHERE;
        }
      else if (exists)
        self->state = TARGET_HIDDEN;
      else if (self->state != TARGET_MISSING)
        {
          self->state = TARGET_SEARCHING;
          if (self->search_frames >= MIN_FRAMES &&
              frame_time - self->search_start >= CHEVET_TUTORIAL_TARGET_TIMEOUT_MS * 1000)
            declare_missing (self, name);
        }
    }

  if (self->state == TARGET_HERE)
    {
      graphene_rect_t bounds, visible;

      if (gtk_widget_compute_bounds (self->target, GTK_WIDGET (self), &bounds))
        {
          graphene_rect_inset (&bounds, -HOLE_PADDING, -HOLE_PADDING);
          /* Only what is on screen: a target scrolled away has no hole. */
          if (graphene_rect_intersection (&bounds,
                                          &GRAPHENE_RECT_INIT (0, 0,
                                                               gtk_widget_get_width (GTK_WIDGET (self)),
                                                               gtk_widget_get_height (GTK_WIDGET (self))),
                                          &visible))
            self->hole = visible;
          else
            self->state = TARGET_HIDDEN;
        }
      else
        self->state = TARGET_HIDDEN;
    }

  if (self->state != old_state || (self->state == TARGET_HERE && !rect_close (&old_hole, &self->hole)))
    {
      ChevetTutorialDim *dim = CHEVET_TUTORIAL_DIM (self->dim);

      dim->active = self->state == TARGET_HERE;
      dim->hole = self->hole;
      gtk_widget_set_visible (self->waiting_label, self->state == TARGET_HIDDEN);
      gtk_widget_queue_draw (self->dim);
      gtk_widget_queue_allocate (GTK_WIDGET (self));
    }
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  update_target (CHEVET_TUTORIAL_OVERLAY (widget), gdk_frame_clock_get_frame_time (clock));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_second (gpointer data)
{
  ChevetTutorialOverlay *self = data;

  if (!chevet_tutorial_run_get_finished (self->run))
    chevet_tutorial_run_tick (self->run, 1);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ the callout */

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    gtk_box_remove (GTK_BOX (box), child);
}

static void
set_feedback (ChevetTutorialOverlay *self,
              const char            *text,
              gboolean               wrong)
{
  gtk_label_set_text (GTK_LABEL (self->feedback_label), text != NULL ? text : "");
  gtk_widget_set_visible (self->feedback_label, text != NULL);
  if (wrong)
    gtk_widget_add_css_class (self->feedback_label, "wrong");
  else
    gtk_widget_remove_css_class (self->feedback_label, "wrong");
}

static void
update_hint (ChevetTutorialOverlay *self)
{
  gboolean due = chevet_tutorial_run_get_hint_due (self->run);

  /* A hint stops being due only when the step changes: the last step's hint goes at
   * once then, without sliding away over the new step's text. */
  if (!due)
    {
      guint duration = gtk_revealer_get_transition_duration (GTK_REVEALER (self->hint_revealer));

      gtk_revealer_set_transition_duration (GTK_REVEALER (self->hint_revealer), 0);
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->hint_revealer), FALSE);
      gtk_revealer_set_transition_duration (GTK_REVEALER (self->hint_revealer), duration);
    }
  else
    gtk_revealer_set_reveal_child (GTK_REVEALER (self->hint_revealer), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.show-hint", due);
}

/* Shows the current step in the callout. */
static void
rebuild_callout (ChevetTutorialOverlay *self)
{
  ChevetTutorial *tutorial = chevet_tutorial_run_get_tutorial (self->run);
  ChevetTutorialStep *step = current_step (self);
  g_autofree char *counter = NULL;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *description = NULL;
  g_autofree char *label = NULL;
  ChevetStepKind kind;
  guint position = chevet_tutorial_run_get_position (self->run);

  gtk_widget_set_visible (self->callout, step != NULL);
  if (step == NULL)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.next", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.back", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.skip", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.answer", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.check", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.show-hint", FALSE);
      return;
    }
  kind = chevet_tutorial_step_get_kind (step);

  /* Translators: the tutorial callout's counter, "Step 3 of 8" */
  counter = g_strdup_printf (_("Step %u of %u"), position + 1, chevet_tutorial_get_n_steps (tutorial));
  title = chevet_tutorial_run_expand (self->run, chevet_tutorial_step_get_title (step));
  text = chevet_tutorial_run_expand (self->run, chevet_tutorial_step_get_text (step));
  hint = chevet_tutorial_run_expand (self->run, chevet_tutorial_step_get_hint (step));
  gtk_label_set_text (GTK_LABEL (self->counter_label), counter);
  gtk_label_set_text (GTK_LABEL (self->title_label), title != NULL ? title : "");
  gtk_label_set_text (GTK_LABEL (self->text_label), text != NULL ? text : "");
  gtk_label_set_text (GTK_LABEL (self->hint_label), hint != NULL ? hint : "");
  gtk_widget_set_visible (self->hint_label, FALSE);
  gtk_widget_set_visible (self->hint_button, TRUE);

  clear_box (self->choices_box);
  gtk_editable_set_text (GTK_EDITABLE (self->answer_entry), "");
  set_feedback (self, NULL, FALSE);
  if (kind == CHEVET_STEP_QUESTION)
    {
      guint n = chevet_tutorial_step_get_n_choices (step);

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *choice = chevet_tutorial_run_expand (self->run, chevet_tutorial_step_get_choice_label (step, i));
          GtkWidget *button = gtk_button_new_with_label (choice);

          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "tutorial.answer");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s",
                                            chevet_tutorial_step_get_choice_value (step, i));
          gtk_widget_set_hexpand (button, TRUE);
          gtk_box_append (GTK_BOX (self->choices_box), button);
        }
      gtk_widget_set_visible (self->choices_box, n > 0);
      gtk_widget_set_visible (self->answer_box, n == 0);
    }
  else
    {
      gtk_widget_set_visible (self->choices_box, FALSE);
      gtk_widget_set_visible (self->answer_box, FALSE);
    }

  gtk_widget_set_visible (self->next_button, kind == CHEVET_STEP_EXPLANATION || kind == CHEVET_STEP_RECAP);
  gtk_button_set_label (GTK_BUTTON (self->next_button), kind == CHEVET_STEP_RECAP ? _("_Finish") : _("_Next"));
  /* Back, Skip Step and Quit are always there (greyed where they cannot act: Back on the
   * first step, Skip Step on the recap, which Finish ends). */
  gtk_widget_set_visible (self->skip_button, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.next",
                                 kind == CHEVET_STEP_EXPLANATION || kind == CHEVET_STEP_RECAP);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.skip", kind != CHEVET_STEP_RECAP);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.back", position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.answer", kind == CHEVET_STEP_QUESTION);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tutorial.check", kind == CHEVET_STEP_QUESTION);
  update_hint (self);

  /* Translators: the accessible name of the tutorial callout; %s is the tutorial's title */
  label = g_strdup_printf (_("Tutorial: %s"), chevet_tutorial_get_title (tutorial));
  /* Translators: the accessible description of the tutorial callout: "Step 3 of 8: Open the chart" */
  description = g_strdup_printf (_("%s: %s"), counter, title != NULL ? title : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->callout),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  /* Look for the new step's target from the next frame on. */
  self->search_start = 0;
  self->search_frames = 0;
  self->state = TARGET_SEARCHING;
  set_target (self, NULL);
  CHEVET_TUTORIAL_DIM (self->dim)->active = FALSE;
  gtk_widget_set_visible (self->waiting_label, FALSE);
  gtk_widget_queue_draw (self->dim);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
on_run_position (ChevetTutorialOverlay *self)
{
  rebuild_callout (self);
  g_signal_emit (self, signals[SIGNAL_PROGRESS_CHANGED], 0);
}

static void
on_run_finished (ChevetTutorialOverlay *self)
{
  rebuild_callout (self);
  if (chevet_tutorial_run_get_finished (self->run) && !self->finished_emitted)
    {
      self->finished_emitted = TRUE;
      g_signal_emit (self, signals[SIGNAL_PROGRESS_CHANGED], 0);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
    }
}

static void
answer (ChevetTutorialOverlay *self,
        const char            *value)
{
  switch (chevet_tutorial_run_answer (self->run, value))
    {
    case CHEVET_ANSWER_RIGHT:
      /* The run moved on: the callout shows the next step already. */
      break;
    case CHEVET_ANSWER_WRONG:
      set_feedback (self, _("Not quite — try again."), TRUE);
      g_signal_emit (self, signals[SIGNAL_PROGRESS_CHANGED], 0);
      break;
    case CHEVET_ANSWER_INVALID:
    default:
      set_feedback (self, _("That is not an answer yet: type a value, then press Check."), TRUE);
      break;
    }
}

static void
action_next (GtkWidget *widget, const char *name, GVariant *param)
{
  chevet_tutorial_run_next (CHEVET_TUTORIAL_OVERLAY (widget)->run);
}

static void
action_back (GtkWidget *widget, const char *name, GVariant *param)
{
  chevet_tutorial_run_back (CHEVET_TUTORIAL_OVERLAY (widget)->run);
}

static void
action_skip (GtkWidget *widget, const char *name, GVariant *param)
{
  chevet_tutorial_run_skip (CHEVET_TUTORIAL_OVERLAY (widget)->run);
}

static void
action_quit (GtkWidget *widget, const char *name, GVariant *param)
{
  g_signal_emit (widget, signals[SIGNAL_QUIT], 0);
}

static void
action_answer (GtkWidget *widget, const char *name, GVariant *param)
{
  answer (CHEVET_TUTORIAL_OVERLAY (widget), g_variant_get_string (param, NULL));
}

static void
action_check (GtkWidget *widget, const char *name, GVariant *param)
{
  ChevetTutorialOverlay *self = CHEVET_TUTORIAL_OVERLAY (widget);

  answer (self, gtk_editable_get_text (GTK_EDITABLE (self->answer_entry)));
}

static void
action_show_hint (GtkWidget *widget, const char *name, GVariant *param)
{
  ChevetTutorialOverlay *self = CHEVET_TUTORIAL_OVERLAY (widget);

  gtk_widget_set_visible (self->hint_button, FALSE);
  gtk_widget_set_visible (self->hint_label, TRUE);
  gtk_widget_queue_allocate (widget);
}

static void
action_focus (GtkWidget *widget, const char *name, GVariant *param)
{
  chevet_tutorial_overlay_focus_callout (CHEVET_TUTORIAL_OVERLAY (widget));
}

static void
on_answer_entry_activate (ChevetTutorialOverlay *self)
{
  action_check (GTK_WIDGET (self), "tutorial.check", NULL);
}

static GtkWidget *
new_label (const char *css_class,
           gboolean    wrap)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (wrap)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 48);
      gtk_label_set_width_chars (GTK_LABEL (label), 24);
    }
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static GtkWidget *
new_button (const char *label,
            const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  return button;
}

static void
build_callout (ChevetTutorialOverlay *self)
{
  GtkWidget *box, *buttons, *spacer, *hint_box, *check;

  self->callout = g_object_new (GTK_TYPE_BOX,
                                "orientation", GTK_ORIENTATION_VERTICAL,
                                "spacing", 8,
                                "accessible-role", GTK_ACCESSIBLE_ROLE_DIALOG,
                                NULL);
  gtk_widget_add_css_class (self->callout, "tutorial-callout");
  gtk_widget_set_parent (self->callout, GTK_WIDGET (self));
  box = self->callout;

  self->counter_label = new_label ("caption-heading", FALSE);
  gtk_widget_add_css_class (self->counter_label, "dim-label");
  gtk_box_append (GTK_BOX (box), self->counter_label);
  self->title_label = new_label ("title-4", TRUE);
  gtk_box_append (GTK_BOX (box), self->title_label);
  self->text_label = new_label (NULL, TRUE);
  gtk_box_append (GTK_BOX (box), self->text_label);
  self->waiting_label = new_label ("dim-label", TRUE);
  gtk_label_set_text (GTK_LABEL (self->waiting_label),
                      _("What this step points at is not on screen: go back to it to carry on."));
  gtk_widget_set_visible (self->waiting_label, FALSE);
  gtk_box_append (GTK_BOX (box), self->waiting_label);

  /* The hint: offered when the trainee seems stuck, shown when asked for. */
  self->hint_revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (self->hint_revealer), GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  hint_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->hint_button = new_button (_("Show _Hint"), "tutorial.show-hint");
  gtk_widget_set_halign (self->hint_button, GTK_ALIGN_START);
  gtk_widget_add_css_class (self->hint_button, "flat");
  gtk_box_append (GTK_BOX (hint_box), self->hint_button);
  self->hint_label = new_label ("tutorial-hint", TRUE);
  gtk_box_append (GTK_BOX (hint_box), self->hint_label);
  gtk_revealer_set_child (GTK_REVEALER (self->hint_revealer), hint_box);
  gtk_box_append (GTK_BOX (box), self->hint_revealer);

  /* Questions: a button per choice, or a typed answer. */
  self->choices_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous (GTK_BOX (self->choices_box), TRUE);
  gtk_box_append (GTK_BOX (box), self->choices_box);
  self->answer_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->answer_entry = gtk_entry_new ();
  gtk_widget_set_hexpand (self->answer_entry, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->answer_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Your answer"), -1);
  gtk_entry_set_activates_default (GTK_ENTRY (self->answer_entry), FALSE);
  g_signal_connect_swapped (self->answer_entry, "activate", G_CALLBACK (on_answer_entry_activate), self);
  gtk_box_append (GTK_BOX (self->answer_box), self->answer_entry);
  check = new_button (_("_Check"), "tutorial.check");
  gtk_widget_add_css_class (check, "suggested-action");
  gtk_box_append (GTK_BOX (self->answer_box), check);
  gtk_box_append (GTK_BOX (box), self->answer_box);
  self->feedback_label = new_label ("tutorial-feedback", TRUE);
  gtk_box_append (GTK_BOX (box), self->feedback_label);

  /* Back, Skip Step and Quit always; Next where reading is the step. */
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_top (buttons, 4);
  self->back_button = new_button (_("_Back"), "tutorial.back");
  self->skip_button = new_button (_("_Skip Step"), "tutorial.skip");
  self->quit_button = new_button (_("_Quit"), "tutorial.quit");
  self->next_button = new_button (_("_Next"), "tutorial.next");
  gtk_widget_add_css_class (self->next_button, "suggested-action");
  gtk_widget_set_tooltip_text (self->quit_button, _("Leave the tutorial; your progress is kept"));
  spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_box_append (GTK_BOX (buttons), self->quit_button);
  gtk_box_append (GTK_BOX (buttons), spacer);
  gtk_box_append (GTK_BOX (buttons), self->back_button);
  gtk_box_append (GTK_BOX (buttons), self->skip_button);
  gtk_box_append (GTK_BOX (buttons), self->next_button);
  gtk_box_append (GTK_BOX (box), buttons);
}

/* ------------------------------------------------------------------ layout */

/* Next to the target: below, else above, else beside, else in the window's corner;
 * always inside the window. */
static void
place_callout (ChevetTutorialOverlay *self,
               double                 width,
               double                 height,
               double                 w,
               double                 h,
               double                *x,
               double                *y)
{
  const graphene_rect_t *r = &self->hole;
  double max_x = MAX (MARGIN, width - w - MARGIN);
  double max_y = MAX (MARGIN, height - h - MARGIN);

  switch (self->state)
    {
    case TARGET_HERE:
      if (r->origin.y + r->size.height + GAP + h <= height - MARGIN)
        {
          *x = CLAMP (r->origin.x + r->size.width / 2 - w / 2, MARGIN, max_x);
          *y = r->origin.y + r->size.height + GAP;
        }
      else if (r->origin.y - GAP - h >= MARGIN)
        {
          *x = CLAMP (r->origin.x + r->size.width / 2 - w / 2, MARGIN, max_x);
          *y = r->origin.y - GAP - h;
        }
      else if (r->origin.x + r->size.width + GAP + w <= width - MARGIN)
        {
          *x = r->origin.x + r->size.width + GAP;
          *y = CLAMP (r->origin.y + r->size.height / 2 - h / 2, MARGIN, max_y);
        }
      else if (r->origin.x - GAP - w >= MARGIN)
        {
          *x = r->origin.x - GAP - w;
          *y = CLAMP (r->origin.y + r->size.height / 2 - h / 2, MARGIN, max_y);
        }
      else
        {
          /* A target as large as the window: the corner, over the target's end. */
          *x = max_x;
          *y = max_y;
        }
      break;

    case TARGET_ELSEWHERE:
      /* The target is in a dialog, usually centred over the window: keep to the side. */
      *x = gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL ? MARGIN : max_x;
      *y = max_y;
      break;

    case TARGET_NONE:
    case TARGET_SEARCHING:
    case TARGET_HIDDEN:
    case TARGET_MISSING:
    default:
      *x = MAX (MARGIN, (width - w) / 2);
      *y = max_y;
      break;
    }
}

static void
chevet_tutorial_overlay_measure (GtkWidget      *widget,
                                 GtkOrientation  orientation,
                                 int             for_size,
                                 int            *minimum,
                                 int            *natural,
                                 int            *minimum_baseline,
                                 int            *natural_baseline)
{
  /* An overlay: it never makes the window bigger. */
  *minimum = *natural = 0;
}

static void
chevet_tutorial_overlay_size_allocate (GtkWidget *widget,
                                       int        width,
                                       int        height,
                                       int        baseline)
{
  ChevetTutorialOverlay *self = CHEVET_TUTORIAL_OVERLAY (widget);
  int min_w, nat_w, min_h, nat_h, w, h;
  double x, y;

  gtk_widget_allocate (self->dim, width, height, -1, NULL);
  if (!gtk_widget_get_visible (self->callout))
    return;

  /* The target moved with the window: follow it now, not at the next frame. */
  if (self->state == TARGET_HERE && self->target != NULL)
    {
      graphene_rect_t bounds;

      if (gtk_widget_compute_bounds (self->target, widget, &bounds))
        {
          graphene_rect_inset (&bounds, -HOLE_PADDING, -HOLE_PADDING);
          if (graphene_rect_intersection (&bounds, &GRAPHENE_RECT_INIT (0, 0, width, height), &bounds))
            {
              self->hole = bounds;
              CHEVET_TUTORIAL_DIM (self->dim)->hole = bounds;
            }
        }
    }

  gtk_widget_measure (self->callout, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL, NULL);
  w = MAX (min_w, MIN (MIN (nat_w, CALLOUT_WIDTH), width - 2 * (int) MARGIN));
  gtk_widget_measure (self->callout, GTK_ORIENTATION_VERTICAL, w, &min_h, &nat_h, NULL, NULL);
  h = nat_h;
  place_callout (self, width, height, w, h, &x, &y);
  gtk_widget_allocate (self->callout, w, h, -1,
                       gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT ((float) x, (float) y)));
}

/* Only the callout takes the pointer: everywhere else, the window underneath does. */
static gboolean
chevet_tutorial_overlay_contains (GtkWidget *widget,
                                  double     x,
                                  double     y)
{
  return FALSE;
}

static void
chevet_tutorial_overlay_map (GtkWidget *widget)
{
  ChevetTutorialOverlay *self = CHEVET_TUTORIAL_OVERLAY (widget);

  GTK_WIDGET_CLASS (chevet_tutorial_overlay_parent_class)->map (widget);
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (widget, on_tick, NULL, NULL);
  if (self->seconds_id == 0)
    self->seconds_id = g_timeout_add_seconds (1, on_second, self);
}

static void
chevet_tutorial_overlay_unmap (GtkWidget *widget)
{
  ChevetTutorialOverlay *self = CHEVET_TUTORIAL_OVERLAY (widget);

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (widget, self->tick_id);
  self->tick_id = 0;
  g_clear_handle_id (&self->seconds_id, g_source_remove);
  GTK_WIDGET_CLASS (chevet_tutorial_overlay_parent_class)->unmap (widget);
}

static void
chevet_tutorial_overlay_dispose (GObject *object)
{
  ChevetTutorialOverlay *self = CHEVET_TUTORIAL_OVERLAY (object);

  g_clear_handle_id (&self->seconds_id, g_source_remove);
  if (self->run != NULL)
    {
      g_clear_signal_handler (&self->position_handler, self->run);
      g_clear_signal_handler (&self->finished_handler, self->run);
      g_clear_signal_handler (&self->hint_handler, self->run);
    }
  g_clear_pointer (&self->dim, gtk_widget_unparent);
  g_clear_pointer (&self->callout, gtk_widget_unparent);
  watch_typed (self, NULL);
  g_clear_weak_pointer (&self->target);
  g_clear_weak_pointer (&self->search_root);
  g_clear_object (&self->run);

  G_OBJECT_CLASS (chevet_tutorial_overlay_parent_class)->dispose (object);
}

static void
chevet_tutorial_overlay_class_init (ChevetTutorialOverlayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_tutorial_overlay_dispose;
  widget_class->measure = chevet_tutorial_overlay_measure;
  widget_class->size_allocate = chevet_tutorial_overlay_size_allocate;
  widget_class->contains = chevet_tutorial_overlay_contains;
  widget_class->map = chevet_tutorial_overlay_map;
  widget_class->unmap = chevet_tutorial_overlay_unmap;

  /* The trainee pressed Quit: the window saves the progress and removes the overlay. */
  signals[SIGNAL_QUIT] =
    g_signal_new ("quit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The run is finished (the recap's Finish): time for the summary. */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The run moved or was answered: the window saves chevet_tutorial_run_save(). */
  signals[SIGNAL_PROGRESS_CHANGED] =
    g_signal_new ("progress-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "tutorial.next", NULL, action_next);
  gtk_widget_class_install_action (widget_class, "tutorial.back", NULL, action_back);
  gtk_widget_class_install_action (widget_class, "tutorial.skip", NULL, action_skip);
  gtk_widget_class_install_action (widget_class, "tutorial.quit", NULL, action_quit);
  gtk_widget_class_install_action (widget_class, "tutorial.answer", "s", action_answer);
  gtk_widget_class_install_action (widget_class, "tutorial.check", NULL, action_check);
  gtk_widget_class_install_action (widget_class, "tutorial.show-hint", NULL, action_show_hint);
  gtk_widget_class_install_action (widget_class, "tutorial.focus", NULL, action_focus);

  gtk_widget_class_set_css_name (widget_class, "tutorialoverlay");
}

static void
chevet_tutorial_overlay_init (ChevetTutorialOverlay *self)
{
  GtkEventController *shortcuts;

  self->dim = g_object_new (CHEVET_TYPE_TUTORIAL_DIM, NULL);
  gtk_widget_set_parent (self->dim, GTK_WIDGET (self));
  build_callout (self);

  /* F6 reaches the callout from anywhere in the window (the window's own focus cycle
   * would pass through every widget first). Escape is left to the window: quitting
   * is always a deliberate press on Quit. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F6, 0),
                                                          gtk_named_action_new ("tutorial.focus")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}

GtkWidget *
chevet_tutorial_overlay_new (ChevetTutorialRun *run,
                             GtkWidget         *search_root)
{
  ChevetTutorialOverlay *self;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (run), NULL);
  g_return_val_if_fail (search_root == NULL || GTK_IS_WIDGET (search_root), NULL);

  self = g_object_new (CHEVET_TYPE_TUTORIAL_OVERLAY, NULL);
  self->run = g_object_ref (run);
  g_set_weak_pointer (&self->search_root, search_root);
  self->finished_emitted = chevet_tutorial_run_get_finished (run);
  self->position_handler = g_signal_connect_swapped (run, "notify::position", G_CALLBACK (on_run_position), self);
  self->finished_handler = g_signal_connect_swapped (run, "notify::finished", G_CALLBACK (on_run_finished), self);
  self->hint_handler = g_signal_connect_swapped (run, "notify::hint-due", G_CALLBACK (update_hint), self);
  rebuild_callout (self);
  return GTK_WIDGET (self);
}

ChevetTutorialRun *
chevet_tutorial_overlay_get_run (ChevetTutorialOverlay *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_OVERLAY (self), NULL);
  return self->run;
}

GtkWidget *
chevet_tutorial_overlay_get_target (ChevetTutorialOverlay *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_OVERLAY (self), NULL);
  return self->state == TARGET_HERE || self->state == TARGET_ELSEWHERE ? self->target : NULL;
}

gboolean
chevet_tutorial_overlay_get_target_missing (ChevetTutorialOverlay *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_OVERLAY (self), FALSE);
  return self->state == TARGET_MISSING;
}

gboolean
chevet_tutorial_overlay_get_hole (ChevetTutorialOverlay *self,
                                  graphene_rect_t       *hole)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_OVERLAY (self), FALSE);

  if (self->state != TARGET_HERE)
    return FALSE;
  if (hole != NULL)
    *hole = self->hole;
  return TRUE;
}

GtkWidget *
chevet_tutorial_overlay_get_callout (ChevetTutorialOverlay *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_OVERLAY (self), NULL);
  return self->callout;
}

void
chevet_tutorial_overlay_focus_callout (ChevetTutorialOverlay *self)
{
  g_return_if_fail (CHEVET_IS_TUTORIAL_OVERLAY (self));

  /* The step's main control first: Next, the first choice, the answer field. */
  if (gtk_widget_get_visible (self->next_button) && gtk_widget_grab_focus (self->next_button))
    return;
  if (gtk_widget_get_visible (self->choices_box) &&
      gtk_widget_child_focus (self->choices_box, GTK_DIR_TAB_FORWARD))
    return;
  if (gtk_widget_get_visible (self->answer_box) && gtk_widget_grab_focus (self->answer_entry))
    return;
  gtk_widget_child_focus (self->callout, GTK_DIR_TAB_FORWARD);
}
