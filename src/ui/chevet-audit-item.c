/* chevet-audit-item.c: one audit trail entry as the audit view shows it
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A copy of the entry read on the session's worker, with the patient's name resolved
 * there too, so the view never reads the store. GTK-free, like the session.
 */
#define G_LOG_DOMAIN "chevet-audit-item"

#include "config.h"

#include "chevet-audit-item.h"

struct _ChevetAuditItem
{
  GObject    parent_instance;

  gint64     seq;
  GDateTime *time;
  char      *time_text;
  char      *account;
  char      *action;
  char      *patient_id;
  char      *patient_name;
  char      *outcome;
  char      *detail;
};

G_DEFINE_FINAL_TYPE (ChevetAuditItem, chevet_audit_item, G_TYPE_OBJECT)

static void
chevet_audit_item_finalize (GObject *object)
{
  ChevetAuditItem *self = CHEVET_AUDIT_ITEM (object);

  g_clear_pointer (&self->time, g_date_time_unref);
  g_free (self->time_text);
  g_free (self->account);
  g_free (self->action);
  g_free (self->patient_id);
  g_free (self->patient_name);
  g_free (self->outcome);
  g_free (self->detail);

  G_OBJECT_CLASS (chevet_audit_item_parent_class)->finalize (object);
}

static void
chevet_audit_item_class_init (ChevetAuditItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_audit_item_finalize;
}

static void
chevet_audit_item_init (ChevetAuditItem *self)
{
}

ChevetAuditItem *
chevet_audit_item_new (const ChevetAuditEntry *entry,
                       const char             *patient_name)
{
  ChevetAuditItem *self;

  g_return_val_if_fail (entry != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_AUDIT_ITEM, NULL);
  self->seq = entry->seq;
  self->time_text = g_strdup (entry->time);
  self->time = entry->time != NULL ? g_date_time_new_from_iso8601 (entry->time, NULL) : NULL;
  self->account = g_strdup (entry->account);
  self->action = g_strdup (entry->action);
  self->patient_id = g_strdup (entry->patient);
  self->patient_name = g_strdup (patient_name);
  self->outcome = g_strdup (entry->outcome);
  self->detail = g_strdup (entry->detail);
  return self;
}

#define GETTER(type, field) \
  type \
  chevet_audit_item_get_##field (ChevetAuditItem *self) \
  { \
    g_return_val_if_fail (CHEVET_IS_AUDIT_ITEM (self), 0); \
    return self->field; \
  }

GETTER (gint64, seq)
GETTER (GDateTime *, time)
GETTER (const char *, time_text)
GETTER (const char *, account)
GETTER (const char *, action)
GETTER (const char *, patient_id)
GETTER (const char *, patient_name)
GETTER (const char *, outcome)
GETTER (const char *, detail)

gboolean
chevet_audit_item_get_break_glass (ChevetAuditItem *self)
{
  g_return_val_if_fail (CHEVET_IS_AUDIT_ITEM (self), FALSE);
  return g_strcmp0 (self->action, chevet_audit_action_to_code (CHEVET_AUDIT_BREAK_GLASS)) == 0;
}
