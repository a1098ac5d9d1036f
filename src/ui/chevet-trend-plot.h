/* chevet-trend-plot.h: one observation code over time, drawn with GtkSnapshot
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_TREND_PLOT (chevet_trend_plot_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTrendPlot, chevet_trend_plot, CHEVET, TREND_PLOT, GtkWidget)

GtkWidget *chevet_trend_plot_new          (void);
/* @series: ChevetChartItem, oldest first, as chevet_store_read_observations gives them;
 * blood pressure items carry components (systolic first). NULL clears the plot. The
 * plot keeps a reference to @series. @title and @unit label the value axis. */
void       chevet_trend_plot_set_series   (ChevetTrendPlot *self,
                                           GPtrArray       *series,
                                           const char      *title,
                                           const char      *unit);
guint      chevet_trend_plot_get_n_points (ChevetTrendPlot *self);
/* The point under the pointer or with keyboard focus, -1 when none. */
int        chevet_trend_plot_get_selected (ChevetTrendPlot *self);
void       chevet_trend_plot_set_selected (ChevetTrendPlot *self,
                                           int              index);

/* Points are the items that have a value (or numeric components), in date order;
 * the indexes above and below count those. A plot has one series, or two for blood
 * pressure (0 systolic, 1 diastolic). */
guint      chevet_trend_plot_get_n_series         (ChevetTrendPlot  *self);
/* What assistive technologies read: the summary, then the selected value. */
char      *chevet_trend_plot_dup_accessible_label (ChevetTrendPlot  *self);
/* The point nearest to @x (widget coordinates), then to @y among points of the
 * same date; -1 when the plot is empty. What hovering selects. */
int        chevet_trend_plot_pick                 (ChevetTrendPlot  *self,
                                                   double            x,
                                                   double            y);
/* Where the marker of point @index in @series is drawn at the current size, and its
 * colour (the alarm colour when out of range); FALSE when that point has no value
 * in @series or the plot has no size yet. For tests. */
gboolean   chevet_trend_plot_get_point            (ChevetTrendPlot  *self,
                                                   guint             index,
                                                   guint             series,
                                                   graphene_point_t *position,
                                                   GdkRGBA          *color);

G_END_DECLS
