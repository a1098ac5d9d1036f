/* chevet-training-hub.c: the list of tutorials, with the trainee's progress in each
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The states are read from the saved progress through the engine itself
 * (chevet_tutorial_run_new with the progress), so the hub and a resumed run always
 * agree on where the trainee is.
 */
#define G_LOG_DOMAIN "chevet-training-hub"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-training-hub.h"
#include "chevet-training-marker.h"

struct _ChevetTrainingHub
{
  AdwWindow   parent_instance;

  GtkListBox *list_box;
  GPtrArray  *tutorials;
  GPtrArray  *rows;
};

G_DEFINE_FINAL_TYPE (ChevetTrainingHub, chevet_training_hub, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_START,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
chevet_training_dup_minutes_text (guint seconds)
{
  guint minutes = MAX (1, (seconds + 59) / 60);

  return g_strdup_printf (ngettext ("%u minute", "%u minutes", minutes), minutes);
}

char *
chevet_training_dup_score_text (ChevetTutorialRun *run)
{
  guint questions = 0, right = 0;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (run), NULL);

  chevet_tutorial_run_get_score (run, &questions, &right, NULL);
  if (questions == 0)
    return g_strdup (_("No questions in this tutorial"));
  /* Translators: "2 of 3 questions right at the first attempt" */
  return g_strdup_printf (ngettext ("%u of %u question right at the first attempt",
                                    "%u of %u questions right at the first attempt", questions),
                          right, questions);
}

char *
chevet_training_dup_state_text (ChevetTutorial *tutorial,
                                const char     *progress_json)
{
  g_autoptr(ChevetTutorialRun) run = NULL;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL (tutorial), NULL);

  if (progress_json == NULL)
    return g_strdup (_("Not started"));
  run = chevet_tutorial_run_new (tutorial, progress_json);
  if (chevet_tutorial_run_get_finished (run))
    {
      g_autofree char *score = chevet_training_dup_score_text (run);
      g_autofree char *time = chevet_training_dup_minutes_text (chevet_tutorial_run_get_seconds (run));

      /* Translators: "Completed: 2 of 3 questions right at the first attempt, 5 minutes" */
      return g_strdup_printf (_("Completed: %s, %s"), score, time);
    }
  /* Translators: a tutorial's state in the training hub, "In progress: step 3 of 8" */
  return g_strdup_printf (_("In progress: step %u of %u"),
                          chevet_tutorial_run_get_position (run) + 1,
                          chevet_tutorial_get_n_steps (tutorial));
}

static GtkWidget *
new_label (const char *text,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static GtkWidget *
new_start_button (ChevetTutorial *tutorial,
                  const char     *label,
                  gboolean        restart,
                  gboolean        suggested)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);
  g_autofree char *accessible = NULL;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "training.start");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(sb)",
                                    chevet_tutorial_get_id (tutorial), restart);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (suggested)
    gtk_widget_add_css_class (button, "suggested-action");
  /* Translators: accessible name of a hub button, "Resume: Finding a patient" */
  accessible = g_strdup_printf (_("%s: %s"), gtk_button_get_label (GTK_BUTTON (button)),
                                chevet_tutorial_get_title (tutorial));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return button;
}

static GtkWidget *
new_row (ChevetTutorial *tutorial,
         const char     *progress_json)
{
  g_autofree char *state = chevet_training_dup_state_text (tutorial, progress_json);
  g_autofree char *minutes = NULL;
  g_autoptr(ChevetTutorialRun) run = progress_json != NULL ? chevet_tutorial_run_new (tutorial, progress_json) : NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *state_label;
  guint n = chevet_tutorial_get_minutes (tutorial);

  /* Translators: a tutorial's estimated time in the training hub */
  minutes = g_strdup_printf (ngettext ("About %u minute", "About %u minutes", n), n);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_add_css_class (box, "training-hub-row");
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (text), new_label (chevet_tutorial_get_title (tutorial), "heading"));
  gtk_box_append (GTK_BOX (text), new_label (chevet_tutorial_get_summary (tutorial), NULL));
  gtk_box_append (GTK_BOX (text), new_label (minutes, "dim-label"));
  state_label = new_label (state, "caption-heading");
  if (run != NULL && chevet_tutorial_run_get_finished (run))
    gtk_widget_add_css_class (state_label, "success");
  else if (run != NULL)
    gtk_widget_add_css_class (state_label, "accent");
  gtk_box_append (GTK_BOX (text), state_label);
  gtk_box_append (GTK_BOX (box), text);

  if (run == NULL)
    gtk_box_append (GTK_BOX (buttons), new_start_button (tutorial, _("_Start"), FALSE, TRUE));
  else if (!chevet_tutorial_run_get_finished (run))
    {
      gtk_box_append (GTK_BOX (buttons), new_start_button (tutorial, _("_Resume"), FALSE, TRUE));
      gtk_box_append (GTK_BOX (buttons), new_start_button (tutorial, _("Res_tart"), TRUE, FALSE));
    }
  else
    gtk_box_append (GTK_BOX (buttons), new_start_button (tutorial, _("Res_tart"), TRUE, FALSE));
  gtk_widget_set_valign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  chevet_tutorial_get_title (tutorial),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, state, -1);
  return row;
}

void
chevet_training_hub_set_progress (ChevetTrainingHub *self,
                                  GHashTable        *progress)
{
  g_return_if_fail (CHEVET_IS_TRAINING_HUB (self));

  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (self->list_box, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  for (guint i = 0; i < self->tutorials->len; i++)
    {
      ChevetTutorial *t = g_ptr_array_index (self->tutorials, i);
      const char *json = progress != NULL ? g_hash_table_lookup (progress, chevet_tutorial_get_id (t)) : NULL;
      GtkWidget *row = new_row (t, json);

      gtk_list_box_append (self->list_box, row);
      g_ptr_array_add (self->rows, row);
    }
}

static void
action_start (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  const char *id;
  gboolean restart;

  g_variant_get (param, "(&sb)", &id, &restart);
  g_debug ("tutorial %s %s", id, restart ? "restarted" : "started");
  g_signal_emit (widget, signals[SIGNAL_START], 0, id, restart);
}

static void
chevet_training_hub_finalize (GObject *object)
{
  ChevetTrainingHub *self = CHEVET_TRAINING_HUB (object);

  g_clear_pointer (&self->tutorials, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (chevet_training_hub_parent_class)->finalize (object);
}

static void
chevet_training_hub_class_init (ChevetTrainingHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = chevet_training_hub_finalize;

  /* The trainee chose a tutorial: (id, restart). Restart: from the first step, the
   * saved progress forgotten. */
  signals[SIGNAL_START] =
    g_signal_new ("start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_widget_class_install_action (widget_class, "training.start", "(sb)", action_start);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);

  g_type_ensure (CHEVET_TYPE_TRAINING_MARKER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-training-hub.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetTrainingHub, list_box);
}

static void
chevet_training_hub_init (ChevetTrainingHub *self)
{
  self->rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

ChevetTrainingHub *
chevet_training_hub_new (GtkWindow  *parent,
                         GPtrArray  *tutorials,
                         GHashTable *progress)
{
  ChevetTrainingHub *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (CHEVET_TYPE_TRAINING_HUB,
                       "transient-for", parent,
                       "modal", FALSE,
                       NULL);
  if (tutorials != NULL)
    self->tutorials = g_ptr_array_ref (tutorials);
  else
    {
      g_autoptr(GError) error = NULL;

      self->tutorials = chevet_tutorial_load_all (NULL, &error);
      if (self->tutorials == NULL)
        {
          /* The tutorials are compiled in: failing to read them is a build error. */
          g_critical ("Tutorials unreadable: %s", error->message);
          self->tutorials = g_ptr_array_new_with_free_func (g_object_unref);
        }
    }
  chevet_training_hub_set_progress (self, progress);
  return self;
}

ChevetTutorial *
chevet_training_hub_get_tutorial (ChevetTrainingHub *self,
                                  guint              index)
{
  g_return_val_if_fail (CHEVET_IS_TRAINING_HUB (self), NULL);
  return index < self->tutorials->len ? g_ptr_array_index (self->tutorials, index) : NULL;
}

GtkWidget *
chevet_training_hub_get_row (ChevetTrainingHub *self,
                             guint              index)
{
  g_return_val_if_fail (CHEVET_IS_TRAINING_HUB (self), NULL);
  return index < self->rows->len ? g_ptr_array_index (self->rows, index) : NULL;
}
