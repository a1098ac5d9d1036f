/* chevet-patient-list.h: the patients a search found, as a GListModel
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_PATIENT_LIST (chevet_patient_list_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatientList, chevet_patient_list, CHEVET, PATIENT_LIST, GObject)

ChevetPatientList *chevet_patient_list_new         (void);
void               chevet_patient_list_set_results (ChevetPatientList *self,
                                                    GPtrArray         *patients,
                                                    guint64            total);
void               chevet_patient_list_clear       (ChevetPatientList *self);
guint64            chevet_patient_list_get_total   (ChevetPatientList *self);
gboolean           chevet_patient_list_is_partial  (ChevetPatientList *self);

G_END_DECLS
