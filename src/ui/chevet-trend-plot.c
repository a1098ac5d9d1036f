/* chevet-trend-plot.c: one observation code over time, drawn with GtkSnapshot
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placeholder: being written (issue 3).
 */
#define G_LOG_DOMAIN "chevet-trend-plot"

#include "config.h"

#include "chevet-trend-plot.h"

struct _ChevetTrendPlot
{
  GtkWidget  parent_instance;
  GPtrArray *series;
  int        selected;
};

G_DEFINE_FINAL_TYPE (ChevetTrendPlot, chevet_trend_plot, GTK_TYPE_WIDGET)

static void
chevet_trend_plot_finalize (GObject *object)
{
  ChevetTrendPlot *self = (ChevetTrendPlot *) object;

  g_clear_pointer (&self->series, g_ptr_array_unref);
  G_OBJECT_CLASS (chevet_trend_plot_parent_class)->finalize (object);
}

static void
chevet_trend_plot_class_init (ChevetTrendPlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_trend_plot_finalize;
}

static void
chevet_trend_plot_init (ChevetTrendPlot *self)
{
  self->selected = -1;
}

GtkWidget *
chevet_trend_plot_new (void)
{
  return g_object_new (CHEVET_TYPE_TREND_PLOT, NULL);
}

void
chevet_trend_plot_set_series (ChevetTrendPlot *self,
                              GPtrArray       *series,
                              const char      *title,
                              const char      *unit)
{
  g_clear_pointer (&self->series, g_ptr_array_unref);
  self->series = series != NULL ? g_ptr_array_ref (series) : NULL;
}

guint
chevet_trend_plot_get_n_points (ChevetTrendPlot *self)
{
  return self->series != NULL ? self->series->len : 0;
}

int
chevet_trend_plot_get_selected (ChevetTrendPlot *self)
{
  return self->selected;
}

void
chevet_trend_plot_set_selected (ChevetTrendPlot *self,
                                int              index)
{
  self->selected = index;
}
