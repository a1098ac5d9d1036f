/* chevet-tutorial-summary.h: what a finished tutorial shows, and its completion record
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-tutorial.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_TUTORIAL_SUMMARY (chevet_tutorial_summary_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTutorialSummary, chevet_tutorial_summary, CHEVET, TUTORIAL_SUMMARY, AdwWindow)

/* A modal window over @parent for the finished @run: the tutorial, the trainee
 * (@account), @when it was finished (NULL: now), the score, the time spent and the steps
 * skipped, with Print… and Save as PDF…. The values are copied: the run may go. */
ChevetTutorialSummary *chevet_tutorial_summary_new       (GtkWindow             *parent,
                                                          ChevetTutorialRun     *run,
                                                          const char            *account,
                                                          GDateTime             *when);
/* The one-page completion record, marked "Training: synthetic patients": the print
 * dialog, or with @export_path a PDF written there without a dialog. A cancelled dialog
 * is not an error. */
gboolean               chevet_tutorial_summary_print     (ChevetTutorialSummary *self,
                                                          const char            *export_path,
                                                          GError               **error);
/* The score as the window says it: "2 of 3 questions right at the first attempt". */
const char            *chevet_tutorial_summary_get_score (ChevetTutorialSummary *self);

G_END_DECLS
