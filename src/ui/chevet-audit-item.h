/* chevet-audit-item.h: one audit trail entry as the audit view shows it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chevet-audit.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_AUDIT_ITEM (chevet_audit_item_get_type ())
G_DECLARE_FINAL_TYPE (ChevetAuditItem, chevet_audit_item, CHEVET, AUDIT_ITEM, GObject)

/* @patient_name: the patient's name as the store knows it now, or NULL. */
ChevetAuditItem *chevet_audit_item_new              (const ChevetAuditEntry *entry,
                                                     const char             *patient_name);

gint64           chevet_audit_item_get_seq          (ChevetAuditItem        *self);
/* When it happened; NULL when the stored time cannot be read. */
GDateTime       *chevet_audit_item_get_time         (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_time_text    (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_account      (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_action       (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_patient_id   (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_patient_name (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_outcome      (ChevetAuditItem        *self);
const char      *chevet_audit_item_get_detail       (ChevetAuditItem        *self);
gboolean         chevet_audit_item_get_break_glass  (ChevetAuditItem        *self);

G_END_DECLS
