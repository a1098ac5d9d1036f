/* chevet-patient-list.h: the patients a search found, as a lazy GListModel
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-session.h"
#include "chevet-types.h"

G_BEGIN_DECLS

/* Rows fetched by one query, and how many such pages the list keeps at most. */
#define CHEVET_PATIENT_LIST_PAGE_SIZE 50
#define CHEVET_PATIENT_LIST_MAX_PAGES 50

/* One row of a patient list: a patient, a placeholder until its page has arrived, or a
 * heading ("Recent", "All patients"). */
#define CHEVET_TYPE_PATIENT_ITEM (chevet_patient_item_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatientItem, chevet_patient_item, CHEVET, PATIENT_ITEM, GObject)

ChevetPatientItem *chevet_patient_item_new           (ChevetPatient     *patient);
ChevetPatientItem *chevet_patient_item_new_heading   (const char        *heading);
ChevetPatient     *chevet_patient_item_get_patient   (ChevetPatientItem *self);
gboolean           chevet_patient_item_get_loaded    (ChevetPatientItem *self);
const char        *chevet_patient_item_get_heading   (ChevetPatientItem *self);
gboolean           chevet_patient_item_get_activatable (ChevetPatientItem *self);

#define CHEVET_TYPE_PATIENT_LIST (chevet_patient_list_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatientList, chevet_patient_list, CHEVET, PATIENT_LIST, GObject)

ChevetPatientList *chevet_patient_list_new           (void);
ChevetSession     *chevet_patient_list_get_session   (ChevetPatientList   *self);
void               chevet_patient_list_set_session   (ChevetPatientList   *self,
                                                      ChevetSession       *session);
void               chevet_patient_list_search_async  (ChevetPatientList   *self,
                                                      const char          *text,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           chevet_patient_list_search_finish (ChevetPatientList   *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
void               chevet_patient_list_clear         (ChevetPatientList   *self);
const char        *chevet_patient_list_get_text      (ChevetPatientList   *self);
guint64            chevet_patient_list_get_total     (ChevetPatientList   *self);
guint              chevet_patient_list_get_n_pages   (ChevetPatientList   *self);
guint              chevet_patient_list_get_max_pages (ChevetPatientList   *self);
void               chevet_patient_list_set_max_pages (ChevetPatientList   *self,
                                                      guint                max_pages);

G_END_DECLS
