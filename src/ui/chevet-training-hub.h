/* chevet-training-hub.h: the list of tutorials, with the trainee's progress in each
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-tutorial.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_TRAINING_HUB (chevet_training_hub_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTrainingHub, chevet_training_hub, CHEVET, TRAINING_HUB, AdwWindow)

/* @tutorials: ChevetTutorial, in order (NULL: Chevet's own, chevet_tutorial_load_all).
 * @progress: tutorial id -> progress JSON (chevet_tutorial_run_save), NULL for none.
 * Emits "start" (id, restart) when the trainee starts, resumes or restarts one. */
ChevetTrainingHub *chevet_training_hub_new           (GtkWindow         *parent,
                                                      GPtrArray         *tutorials,
                                                      GHashTable        *progress);
/* Shows the states again, after a run moved on. */
void               chevet_training_hub_set_progress  (ChevetTrainingHub *self,
                                                      GHashTable        *progress);
/* The tutorial listed at @index (for tests), or NULL. */
ChevetTutorial    *chevet_training_hub_get_tutorial  (ChevetTrainingHub *self,
                                                      guint              index);
/* The row of tutorial @index: its title, summary, time and state are its labels. */
GtkWidget         *chevet_training_hub_get_row       (ChevetTrainingHub *self,
                                                      guint              index);

/* "Not started", "In progress: step 3 of 8", "Completed: 2 of 3 questions right at the
 * first attempt, 5 minutes", for @progress_json (NULL: not started). */
char              *chevet_training_dup_state_text    (ChevetTutorial    *tutorial,
                                                      const char        *progress_json);
/* "2 of 3 questions right at the first attempt" (the summary and the record say it too). */
char              *chevet_training_dup_score_text    (ChevetTutorialRun *run);
/* "5 minutes": time spent, rounded up, at least one. */
char              *chevet_training_dup_minutes_text  (guint              seconds);

G_END_DECLS
