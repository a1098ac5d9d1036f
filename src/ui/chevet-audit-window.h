/* chevet-audit-window.h: the audit trail, for administrators
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_AUDIT_WINDOW (chevet_audit_window_get_type ())
G_DECLARE_FINAL_TYPE (ChevetAuditWindow, chevet_audit_window, CHEVET, AUDIT_WINDOW, AdwWindow)

/* Records "audit-view" and reads the first page (the last 30 days). */
GtkWidget  *chevet_audit_window_new         (GtkWindow         *parent,
                                             ChevetSession     *session);
/* Reads the trail again from the first page, with the filters shown. */
void        chevet_audit_window_reload      (ChevetAuditWindow *self);
/* The entries read so far (ChevetAuditItem), newest first. */
GListModel *chevet_audit_window_get_model   (ChevetAuditWindow *self);
/* How many entries match the filters; -1 until counted. */
gint64      chevet_audit_window_get_total   (ChevetAuditWindow *self);
/* TRUE while a page, the settings, a verify, an export or a save is on its way. */
gboolean    chevet_audit_window_get_busy    (ChevetAuditWindow *self);

G_END_DECLS
