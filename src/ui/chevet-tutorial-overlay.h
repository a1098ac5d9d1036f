/* chevet-tutorial-overlay.h: the spotlight and callout of a running tutorial
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-tutorial.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_TUTORIAL_OVERLAY (chevet_tutorial_overlay_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTutorialOverlay, chevet_tutorial_overlay, CHEVET, TUTORIAL_OVERLAY, GtkWidget)

/* How long a named target may take to appear (a dialog opening) before it is an error. */
#define CHEVET_TUTORIAL_TARGET_TIMEOUT_MS 2000

/* An overlay child (gtk_overlay_add_overlay) for the window's content. @search_root is
 * where the steps' targets are looked for by widget name (NULL: the overlay's own
 * window); the application's other windows are searched too. Only the callout takes
 * input: the trainee keeps working in the window underneath. */
GtkWidget         *chevet_tutorial_overlay_new                (ChevetTutorialRun     *run,
                                                               GtkWidget             *search_root);
ChevetTutorialRun *chevet_tutorial_overlay_get_run            (ChevetTutorialOverlay *self);
/* The widget the current step points at, once found (in this or another window). */
GtkWidget         *chevet_tutorial_overlay_get_target         (ChevetTutorialOverlay *self);
/* TRUE when the current step names a target that no window holds: a broken tutorial. */
gboolean           chevet_tutorial_overlay_get_target_missing (ChevetTutorialOverlay *self);
/* The undimmed rectangle around the target, in the overlay's coordinates; FALSE when
 * nothing is dimmed (no target, a target in another window or not on screen). */
gboolean           chevet_tutorial_overlay_get_hole           (ChevetTutorialOverlay *self,
                                                               graphene_rect_t       *hole);
/* The callout card (for tests and for the window to place focus). */
GtkWidget         *chevet_tutorial_overlay_get_callout        (ChevetTutorialOverlay *self);
/* Moves the keyboard focus to the callout (also F6). */
void               chevet_tutorial_overlay_focus_callout      (ChevetTutorialOverlay *self);

G_END_DECLS
