/* chevet-training-marker.h: the "Training: synthetic patients" marker
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHEVET_TYPE_TRAINING_MARKER (chevet_training_marker_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTrainingMarker, chevet_training_marker, CHEVET, TRAINING_MARKER, GtkWidget)

/* A small coloured pill (style class "training-marker"), for a header bar or a page:
 * whoever sees the window knows the patients in it are synthetic. */
GtkWidget  *chevet_training_marker_new       (void);
/* The marker's words, translated: also what printed records carry. */
const char *chevet_training_marker_get_text  (void);

G_END_DECLS
