/* chevet-patient-list.c: the patients a search found, as a GListModel
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Today it holds the first page of results and knows how many match in all; the
 * GListModel interface is what the views see, so a later model can fetch pages as the
 * view scrolls without the views changing.
 */
#define G_LOG_DOMAIN "chevet-patient-list"

#include "config.h"

#include "chevet-patient.h"
#include "chevet-patient-list.h"

struct _ChevetPatientList
{
  GObject    parent_instance;

  GPtrArray *items;  /* ChevetPatient */
  guint64    total;
};

enum {
  PROP_0,
  PROP_N_ITEMS,
  PROP_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
chevet_patient_list_get_item_type (GListModel *model)
{
  return CHEVET_TYPE_PATIENT;
}

static guint
chevet_patient_list_get_n_items (GListModel *model)
{
  return CHEVET_PATIENT_LIST (model)->items->len;
}

static gpointer
chevet_patient_list_get_item (GListModel *model,
                              guint       position)
{
  ChevetPatientList *self = CHEVET_PATIENT_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = chevet_patient_list_get_item_type;
  iface->get_n_items = chevet_patient_list_get_n_items;
  iface->get_item = chevet_patient_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (ChevetPatientList, chevet_patient_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
chevet_patient_list_finalize (GObject *object)
{
  ChevetPatientList *self = (ChevetPatientList *) object;

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (chevet_patient_list_parent_class)->finalize (object);
}

static void
chevet_patient_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChevetPatientList *self = CHEVET_PATIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    case PROP_TOTAL:
      g_value_set_uint64 (value, self->total);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_list_class_init (ChevetPatientListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chevet_patient_list_finalize;
  object_class->get_property = chevet_patient_list_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How many patients match in the store: n-items when every one is loaded. */
  properties[PROP_TOTAL] =
    g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chevet_patient_list_init (ChevetPatientList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

ChevetPatientList *
chevet_patient_list_new (void)
{
  return g_object_new (CHEVET_TYPE_PATIENT_LIST, NULL);
}

static void
replace (ChevetPatientList *self,
         GPtrArray         *patients,
         guint64            total)
{
  g_autoptr(GPtrArray) old = g_steal_pointer (&self->items);
  guint64 old_total = self->total;
  guint i;

  self->items = g_ptr_array_new_full (patients != NULL ? patients->len : 0, g_object_unref);
  for (i = 0; patients != NULL && i < patients->len; i++)
    g_ptr_array_add (self->items, g_object_ref (g_ptr_array_index (patients, i)));
  self->total = MAX (total, self->items->len);

  if (old->len > 0 || self->items->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old->len, self->items->len);
  if (old->len != self->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  if (old_total != self->total)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
}

/* Shows @patients (refs taken) out of @total matches. */
void
chevet_patient_list_set_results (ChevetPatientList *self,
                                 GPtrArray         *patients,
                                 guint64            total)
{
  g_return_if_fail (CHEVET_IS_PATIENT_LIST (self));
  g_return_if_fail (patients != NULL);

  replace (self, patients, total);
}

/* Drops every patient, so no patient string stays reachable from the views. */
void
chevet_patient_list_clear (ChevetPatientList *self)
{
  g_return_if_fail (CHEVET_IS_PATIENT_LIST (self));

  replace (self, NULL, 0);
}

guint64
chevet_patient_list_get_total (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), 0);
  return self->total;
}

/* Whether more patients match than the list holds. */
gboolean
chevet_patient_list_is_partial (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), FALSE);
  return self->total > self->items->len;
}
