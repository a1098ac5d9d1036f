/* chevet-vitals-dialog.h: record a set of vital signs, saved offline in the outbox
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-outbox.h"
#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_VITALS_DIALOG (chevet_vitals_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ChevetVitalsDialog, chevet_vitals_dialog, CHEVET, VITALS_DIALOG, AdwWindow)

GtkWidget  *chevet_vitals_dialog_new              (GtkWindow          *parent,
                                                   ChevetSession      *session,
                                                   const char         *patient_id,
                                                   GPtrArray          *encounters);
/* The entry of one measurement (for tests and tutorials). */
GtkEditable *chevet_vitals_dialog_get_entry       (ChevetVitalsDialog *self,
                                                   ChevetVital         kind);
GtkWidget  *chevet_vitals_dialog_get_row          (ChevetVitalsDialog *self,
                                                   ChevetVital         kind);
/* The "unusual values" question while it is asked, else NULL. */
AdwMessageDialog *chevet_vitals_dialog_get_confirmation (ChevetVitalsDialog *self);
gboolean    chevet_vitals_dialog_get_busy         (ChevetVitalsDialog *self);
/* Empties every field and closes the question (before a lock). */
void        chevet_vitals_dialog_wipe             (ChevetVitalsDialog *self);

/* Reads a decimal number as people type it: digits with at most one decimal separator,
 * which is "." or @decimal_point (the locale's when NULL, e.g. "," in French), spaces
 * around ignored. FALSE for anything else (letters, two separators, thousands groups). */
gboolean    chevet_vitals_parse_number            (const char         *text,
                                                   const char         *decimal_point,
                                                   double             *value);

G_END_DECLS
