/* chevet-break-glass-page.h: the barrier in front of a restricted chart
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_BREAK_GLASS_PAGE (chevet_break_glass_page_get_type ())
G_DECLARE_FINAL_TYPE (ChevetBreakGlassPage, chevet_break_glass_page, CHEVET, BREAK_GLASS_PAGE, GtkWidget)

/* Asks for a reason to open @patient's chart: a fresh category and an empty text. Only
 * the patient's name is shown, as the list already shows it. "open" (patient id, category
 * code, reason) when the reason is accepted by chevet_audit_check_break_glass and Open
 * Record is pressed (action "break-glass.open"); "cancel" for Cancel ("break-glass.cancel",
 * Escape). */
void        chevet_break_glass_page_set_patient    (ChevetBreakGlassPage *self,
                                                    ChevetPatient        *patient);
/* The patient asked about, NULL after clear. */
const char *chevet_break_glass_page_get_patient_id (ChevetBreakGlassPage *self);
/* Forgets the patient and wipes the reason typed (on lock, on cancel, once opened). */
void        chevet_break_glass_page_clear          (ChevetBreakGlassPage *self);
/* The reason's category row and text, for tests. */
GtkWidget  *chevet_break_glass_page_get_category_row (ChevetBreakGlassPage *self);
GtkTextBuffer *chevet_break_glass_page_get_reason_buffer (ChevetBreakGlassPage *self);

G_END_DECLS
