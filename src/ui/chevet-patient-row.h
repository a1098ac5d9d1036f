/* chevet-patient-row.h: one line of the patient list
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-patient-list.h"
#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_PATIENT_ROW (chevet_patient_row_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatientRow, chevet_patient_row, CHEVET, PATIENT_ROW, GtkWidget)

ChevetPatient *chevet_patient_row_get_patient       (ChevetPatientRow *self);
void           chevet_patient_row_set_patient       (ChevetPatientRow *self,
                                                     ChevetPatient    *patient);
/* A ChevetPatientItem: a patient, a placeholder that fills in, or a heading. */
ChevetPatientItem *chevet_patient_row_get_item      (ChevetPatientRow  *self);
void           chevet_patient_row_set_item          (ChevetPatientRow  *self,
                                                     ChevetPatientItem *item);
/* Every text the row draws, one per line (NULL when it draws none): what a test or a
 * screen reader can check, since the row has no labels. */
char          *chevet_patient_row_dup_text          (ChevetPatientRow  *self);

/* Shared with the rest of the UI (and tests): how a patient's facts read. */
char          *chevet_patient_format_sex            (ChevetPatient    *patient);
char          *chevet_patient_format_birth_date     (ChevetPatient    *patient);
char          *chevet_patient_format_age            (ChevetPatient    *patient,
                                                     GDateTime        *now);

G_END_DECLS
