/* chevet-chart-row.h: the widget of one line of a chart section's list
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHEVET_TYPE_CHART_ROW (chevet_chart_row_get_type ())
G_DECLARE_FINAL_TYPE (ChevetChartRow, chevet_chart_row, CHEVET, CHART_ROW, GtkWidget)

/* A row shows either a group header or one card line; every text may be NULL, which
 * hides its label. The chart view fills rows as GtkListView binds them. */
GtkWidget  *chevet_chart_row_new            (void);
/* Forgets every text (the row is unbound, or the chart cleared). */
void        chevet_chart_row_reset          (ChevetChartRow *self);
void        chevet_chart_row_set_header     (ChevetChartRow *self,
                                             const char     *title,
                                             guint           n_items);
/* Whether the line opens or closes its card, for the rounded corners. */
void        chevet_chart_row_set_position   (ChevetChartRow *self,
                                             gboolean        first,
                                             gboolean        last);
void        chevet_chart_row_set_icon       (ChevetChartRow *self,
                                             const char     *icon_name);
void        chevet_chart_row_set_title      (ChevetChartRow *self,
                                             const char     *title);
/* A small status pill beside the title ("Completed", "Entered in error"). */
void        chevet_chart_row_set_tag        (ChevetChartRow *self,
                                             const char     *tag);
/* "Waiting to be sent": written here, not yet on the server (ChevetChartItem.pending). */
void        chevet_chart_row_set_pending    (ChevetChartRow *self,
                                             gboolean        pending);
gboolean    chevet_chart_row_get_pending    (ChevetChartRow *self);
/* "Conflict" instead: the server has another version; the outbox shows both
 * (ChevetChartItem.conflict). */
void        chevet_chart_row_set_conflict   (ChevetChartRow *self,
                                             gboolean        conflict);
gboolean    chevet_chart_row_get_conflict   (ChevetChartRow *self);
void        chevet_chart_row_set_subtitle   (ChevetChartRow *self,
                                             const char     *subtitle);
/* Dates, people, places: dim and small. */
void        chevet_chart_row_set_meta       (ChevetChartRow *self,
                                             const char     *meta);
void        chevet_chart_row_set_value      (ChevetChartRow *self,
                                             const char     *value,
                                             const char     *unit,
                                             const char     *range);
/* An interpretation flag (H, L, ...): an icon and words, never colour alone. */
void        chevet_chart_row_set_flag       (ChevetChartRow *self,
                                             const char     *flag);
/* Wrapped, selectable text always shown under the line (a note, a report). */
void        chevet_chart_row_set_text       (ChevetChartRow *self,
                                             const char     *text);
/* Text revealed on demand by a toggle button labelled @button_label, whose accessible
 * name is @button_description. */
void        chevet_chart_row_set_details    (ChevetChartRow *self,
                                             const char     *button_label,
                                             const char     *button_description,
                                             const char     *details);
gboolean    chevet_chart_row_get_details_revealed (ChevetChartRow *self);
/* Does nothing on a line without details. */
void        chevet_chart_row_set_details_revealed (ChevetChartRow *self,
                                                   gboolean        revealed);
/* Activating the line does something (a chevron shows it). */
void        chevet_chart_row_set_activatable (ChevetChartRow *self,
                                              gboolean        activatable);
/* What a screen reader says for the line: call after setting the texts. */
void        chevet_chart_row_update_accessible (ChevetChartRow *self);

G_END_DECLS
