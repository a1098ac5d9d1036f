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

G_END_DECLS
