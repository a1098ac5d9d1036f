/* chevet-chart-view.c: a patient's chart: the banner that never scrolls, and its sections
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placeholder: being written (issue 3).
 */
#define G_LOG_DOMAIN "chevet-chart-view"

#include "config.h"

#include "chevet-chart.h"
#include "chevet-chart-view.h"

struct _ChevetChartView
{
  GtkWidget      parent_instance;
  ChevetSession *session;
  ChevetChart   *chart;
  char          *section;
};

G_DEFINE_FINAL_TYPE (ChevetChartView, chevet_chart_view, GTK_TYPE_WIDGET)

static void
chevet_chart_view_finalize (GObject *object)
{
  ChevetChartView *self = (ChevetChartView *) object;

  g_clear_object (&self->session);
  g_clear_pointer (&self->chart, chevet_chart_free);
  g_free (self->section);
  G_OBJECT_CLASS (chevet_chart_view_parent_class)->finalize (object);
}

static void
chevet_chart_view_class_init (ChevetChartViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_chart_view_finalize;
}

static void
chevet_chart_view_init (ChevetChartView *self)
{
  self->section = g_strdup ("summary");
}

GtkWidget *
chevet_chart_view_new (void)
{
  return g_object_new (CHEVET_TYPE_CHART_VIEW, NULL);
}

void
chevet_chart_view_set_session (ChevetChartView *self,
                               ChevetSession   *session)
{
  g_set_object (&self->session, session);
}

void
chevet_chart_view_load (ChevetChartView *self,
                        const char      *patient_id)
{
}

void
chevet_chart_view_clear (ChevetChartView *self)
{
  g_clear_pointer (&self->chart, chevet_chart_free);
}

ChevetChart *
chevet_chart_view_get_chart (ChevetChartView *self)
{
  return self->chart;
}

const char *
chevet_chart_view_get_section (ChevetChartView *self)
{
  return self->section;
}

void
chevet_chart_view_set_section (ChevetChartView *self,
                               const char      *name)
{
  g_free (self->section);
  self->section = g_strdup (name);
}
