/* chevet-patients-page.h: search the workspace's patients
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-session.h"

G_BEGIN_DECLS

/* How many patients one search brings back; the rest is counted, not loaded. */
#define CHEVET_PATIENTS_PAGE_SIZE 200

#define CHEVET_TYPE_PATIENTS_PAGE (chevet_patients_page_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatientsPage, chevet_patients_page, CHEVET, PATIENTS_PAGE, GtkWidget)

ChevetSession *chevet_patients_page_get_session  (ChevetPatientsPage *self);
void           chevet_patients_page_set_session  (ChevetPatientsPage *self,
                                                  ChevetSession      *session);
GListModel    *chevet_patients_page_get_model    (ChevetPatientsPage *self);
const char    *chevet_patients_page_get_query    (ChevetPatientsPage *self);
gboolean       chevet_patients_page_get_searching(ChevetPatientsPage *self);
void           chevet_patients_page_reload       (ChevetPatientsPage *self);
void           chevet_patients_page_reset        (ChevetPatientsPage *self);
void           chevet_patients_page_focus_search (ChevetPatientsPage *self);

G_END_DECLS
