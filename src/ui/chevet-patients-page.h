/* chevet-patients-page.h: search the workspace's patients
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_PATIENTS_PAGE (chevet_patients_page_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPatientsPage, chevet_patients_page, CHEVET, PATIENTS_PAGE, GtkWidget)

ChevetSession *chevet_patients_page_get_session         (ChevetPatientsPage *self);
void           chevet_patients_page_set_session         (ChevetPatientsPage *self,
                                                         ChevetSession      *session);
GListModel    *chevet_patients_page_get_model           (ChevetPatientsPage *self);
GListModel    *chevet_patients_page_get_rows            (ChevetPatientsPage *self);
const char    *chevet_patients_page_get_query           (ChevetPatientsPage *self);
gboolean       chevet_patients_page_get_searching       (ChevetPatientsPage *self);
guint          chevet_patients_page_get_recent_limit    (ChevetPatientsPage *self);
void           chevet_patients_page_set_recent_limit    (ChevetPatientsPage *self,
                                                         guint               limit);
void           chevet_patients_page_set_network_monitor (ChevetPatientsPage *self,
                                                         GNetworkMonitor    *monitor);
void           chevet_patients_page_reload              (ChevetPatientsPage *self);
void           chevet_patients_page_refresh_recent      (ChevetPatientsPage *self);
void           chevet_patients_page_refresh_outbox      (ChevetPatientsPage *self);
void           chevet_patients_page_reset               (ChevetPatientsPage *self);
void           chevet_patients_page_set_sync            (ChevetPatientsPage *self,
                                                         ChevetSync         *sync);
ChevetSync    *chevet_patients_page_get_sync            (ChevetPatientsPage *self);
void           chevet_patients_page_set_sync_offline    (ChevetPatientsPage *self,
                                                         gboolean            offline);
void           chevet_patients_page_set_training        (ChevetPatientsPage *self,
                                                         gboolean            training);
void           chevet_patients_page_focus_search        (ChevetPatientsPage *self);
gboolean       chevet_patients_page_focus_list          (ChevetPatientsPage *self);

/* "Never synced", "Synced 5 minutes ago", ... for a "last-sync" meta value (ISO 8601). */
char          *chevet_patients_page_format_last_sync    (const char         *last_sync,
                                                         GDateTime          *now);

G_END_DECLS
