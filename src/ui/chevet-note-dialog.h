/* chevet-note-dialog.h: write a progress note, saved offline in the outbox
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_NOTE_DIALOG (chevet_note_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ChevetNoteDialog, chevet_note_dialog, CHEVET, NOTE_DIALOG, AdwWindow)

/* @encounters: the patient's ChevetChartItem encounters, most recent first (only their
 * id and labels are copied); may be NULL. */
GtkWidget *chevet_note_dialog_new      (GtkWindow        *parent,
                                        ChevetSession    *session,
                                        const char       *patient_id,
                                        GPtrArray        *encounters);
/* Empties the text and every label that could hold patient data (before a lock). */
void       chevet_note_dialog_wipe     (ChevetNoteDialog *self);
gboolean   chevet_note_dialog_get_busy (ChevetNoteDialog *self);

/* Shared with the vitals dialog: an "encounter" choice of the most recent @encounters,
 * "None" first. Fills @ids (char *, NULL for "None") in the same order. */
GtkStringList *chevet_encounter_choices_new (GPtrArray *encounters,
                                             GPtrArray *ids);

G_END_DECLS
