/* chevet-chart-entry.c: one line of a chart section's list, for GtkListView
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Entries are small: a reference to the section's array of items and an index, so a
 * list store of thousands of them costs little, and only the rows on screen become
 * widgets.
 */
#define G_LOG_DOMAIN "chevet-chart-entry"

#include "config.h"

#include "chevet-chart.h"
#include "chevet-chart-entry.h"

struct _ChevetChartEntry
{
  GObject          parent_instance;
  GPtrArray       *items;
  guint            index;
  guint            n_items;
  ChevetChartGroup group;
  guint            header : 1;
  guint            first : 1;
  guint            last : 1;
};

G_DEFINE_FINAL_TYPE (ChevetChartEntry, chevet_chart_entry, G_TYPE_OBJECT)

static void
chevet_chart_entry_finalize (GObject *object)
{
  ChevetChartEntry *self = (ChevetChartEntry *) object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  G_OBJECT_CLASS (chevet_chart_entry_parent_class)->finalize (object);
}

static void
chevet_chart_entry_class_init (ChevetChartEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_chart_entry_finalize;
}

static void
chevet_chart_entry_init (ChevetChartEntry *self)
{
}

ChevetChartEntry *
chevet_chart_entry_new_item (ChevetChartGroup  group,
                             GPtrArray        *items,
                             guint             index,
                             gboolean          first,
                             gboolean          last)
{
  ChevetChartEntry *self;

  g_return_val_if_fail (items != NULL && index < items->len, NULL);

  self = g_object_new (CHEVET_TYPE_CHART_ENTRY, NULL);
  self->group = group;
  self->items = g_ptr_array_ref (items);
  self->index = index;
  self->n_items = 1;
  self->first = !!first;
  self->last = !!last;
  return self;
}

ChevetChartEntry *
chevet_chart_entry_new_header (ChevetChartGroup group,
                               guint            n_items)
{
  ChevetChartEntry *self = g_object_new (CHEVET_TYPE_CHART_ENTRY, NULL);

  self->group = group;
  self->header = TRUE;
  self->n_items = n_items;
  return self;
}

gboolean
chevet_chart_entry_is_header (ChevetChartEntry *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ENTRY (self), FALSE);
  return self->header;
}

ChevetChartGroup
chevet_chart_entry_get_group (ChevetChartEntry *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ENTRY (self), 0);
  return self->group;
}

ChevetChartItem *
chevet_chart_entry_get_item (ChevetChartEntry *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ENTRY (self), NULL);
  return self->items != NULL ? g_ptr_array_index (self->items, self->index) : NULL;
}

guint
chevet_chart_entry_get_n_items (ChevetChartEntry *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ENTRY (self), 0);
  return self->n_items;
}

gboolean
chevet_chart_entry_get_first (ChevetChartEntry *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ENTRY (self), FALSE);
  return self->first;
}

gboolean
chevet_chart_entry_get_last (ChevetChartEntry *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ENTRY (self), FALSE);
  return self->last;
}
