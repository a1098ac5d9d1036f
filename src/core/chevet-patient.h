/* chevet-patient.h: one patient as the patient list and the banner show it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_PATIENT (chevet_patient_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatient, chevet_patient, CHEVET, PATIENT, GObject)

/* All strings may be NULL where the record does not say. */
const char *chevet_patient_get_id          (ChevetPatient *self);  /* FHIR resource id */
const char *chevet_patient_get_family      (ChevetPatient *self);
const char *chevet_patient_get_given       (ChevetPatient *self);  /* given names, space-separated */
const char *chevet_patient_get_display_name(ChevetPatient *self);  /* "FAMILY, Given" */
const char *chevet_patient_get_gender      (ChevetPatient *self);  /* FHIR code: male, female, other, unknown */
const char *chevet_patient_get_birth_date  (ChevetPatient *self);  /* YYYY, YYYY-MM or YYYY-MM-DD */
const char *chevet_patient_get_identifier  (ChevetPatient *self);  /* main identifier value */
gboolean    chevet_patient_get_deceased    (ChevetPatient *self);
const char *chevet_patient_get_deceased_date (ChevetPatient *self);
const char *chevet_patient_get_organization(ChevetPatient *self);  /* reference, e.g. Organization/1 */
const char *chevet_patient_get_security    (ChevetPatient *self);  /* security label codes, space-separated */
/* The strongest v3 Confidentiality label of meta.security (U, L, M, N, R, V), or NULL. */
const char *chevet_patient_get_confidentiality (ChevetPatient *self);
/* R (restricted) or V (very restricted): the chart opens only with a reason, recorded as
 * break-the-glass (chevet_audit_break_glass). Property "restricted". */
gboolean    chevet_patient_is_restricted   (ChevetPatient *self);

/* Whole years at @when (today when NULL); -1 when the birth date is unknown. */
int         chevet_patient_get_age         (ChevetPatient *self,
                                            GDateTime     *when);

G_END_DECLS
