/* chevet-chart-entry.h: one line of a chart section's list, for GtkListView
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "chevet-types.h"

G_BEGIN_DECLS

/* The groups a chart section's list shows, each under a header line. */
typedef enum
{
  CHEVET_CHART_GROUP_ACTIVE_PROBLEMS,
  CHEVET_CHART_GROUP_RESOLVED_PROBLEMS,
  CHEVET_CHART_GROUP_ACTIVE_MEDICATIONS,
  CHEVET_CHART_GROUP_STOPPED_MEDICATIONS,
  CHEVET_CHART_GROUP_VITALS,
  CHEVET_CHART_GROUP_LABS,
  CHEVET_CHART_GROUP_ENCOUNTERS,
  CHEVET_CHART_GROUP_NOTES,
  CHEVET_CHART_GROUP_REPORTS,
  CHEVET_CHART_GROUP_IMMUNIZATIONS,
  CHEVET_CHART_GROUP_PROCEDURES,
} ChevetChartGroup;

#define CHEVET_TYPE_CHART_ENTRY (chevet_chart_entry_get_type ())
G_DECLARE_FINAL_TYPE (ChevetChartEntry, chevet_chart_entry, CHEVET, CHART_ENTRY, GObject)

/* A line for @items[@index]; keeps a reference to @items, so the item outlives the chart. */
ChevetChartEntry *chevet_chart_entry_new_item    (ChevetChartGroup  group,
                                                  GPtrArray        *items,
                                                  guint             index,
                                                  gboolean          first,
                                                  gboolean          last);
/* The header line of a group of @n_items lines. */
ChevetChartEntry *chevet_chart_entry_new_header  (ChevetChartGroup  group,
                                                  guint             n_items);

gboolean          chevet_chart_entry_is_header   (ChevetChartEntry *self);
ChevetChartGroup  chevet_chart_entry_get_group   (ChevetChartEntry *self);
/* NULL for a header. */
ChevetChartItem  *chevet_chart_entry_get_item    (ChevetChartEntry *self);
guint             chevet_chart_entry_get_n_items (ChevetChartEntry *self);
/* Whether the line opens or closes its group (for the rounded corners of a card). */
gboolean          chevet_chart_entry_get_first   (ChevetChartEntry *self);
gboolean          chevet_chart_entry_get_last    (ChevetChartEntry *self);

G_END_DECLS
