/* chevet-chart-section.h: one long section of the chart: a list, or its empty state
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHEVET_TYPE_CHART_SECTION (chevet_chart_section_get_type ())
G_DECLARE_FINAL_TYPE (ChevetChartSection, chevet_chart_section, CHEVET, CHART_SECTION, GtkWidget)

/* A list of objects shown by a GtkListView made by a factory (only the rows on screen
 * become widgets), or an AdwStatusPage while the list is empty. */
/* Replaces the objects listed (NULL and 0 empty the list). While the section is not on
 * screen its list view lets go of the list, so that nothing is built for a section
 * nobody looks at; it takes it back when shown. */
void         chevet_chart_section_set_items     (ChevetChartSection *self,
                                                 gpointer           *items,
                                                 guint               n_items);
/* The objects listed. */
GListModel  *chevet_chart_section_get_model     (ChevetChartSection *self);
void         chevet_chart_section_set_factory   (ChevetChartSection *self,
                                                 GtkListItemFactory *factory);
GtkListView *chevet_chart_section_get_list_view (ChevetChartSection *self);
/* TRUE while the empty state shows. */
gboolean     chevet_chart_section_get_empty     (ChevetChartSection *self);
void         chevet_chart_section_scroll_to_top (ChevetChartSection *self);

G_END_DECLS
