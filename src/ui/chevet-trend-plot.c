/* chevet-trend-plot.c: one observation code over time, drawn with GtkSnapshot
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * set_series turns the items once into points sorted by date. A frame holds what
 * depends on the size (axes, ticks, labels, legend) and is rebuilt only when the size
 * or the style changes, so hovering redraws cheaply. Lines and markers go into one
 * cairo node; when points are too close for markers they are summed up per pixel
 * column (the range from lowest to highest, and the mean), which keeps 5,000 points
 * as cheap as 500 without hiding a spike. Colours come from the theme's named colours, so light, dark and high
 * contrast stay readable, and an out-of-range value differs by shape, not colour alone.
 */
#define G_LOG_DOMAIN "chevet-trend-plot"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-snapshot.h"
#include "chevet-trend-plot.h"

#define MAX_SERIES         2
#define MAX_TICKS          16
#define MAX_TIME_TICKS     7
#define MARKER_RADIUS      3.5
#define ALARM_RADIUS       5.0
#define DENSE_ALARM_RADIUS 3.0
/* Below this many pixels between points, markers would merge into a smear. */
#define MIN_MARKER_SPACING 7.0
/* Room between the value axis and the first date, so that markers are not cut. */
#define INSET              10.0
#define LABEL_SCALE        0.83
#define SYSTOLIC_CODE      "8480-6"
#define DIASTOLIC_CODE     "8462-4"

typedef enum
{
  ALARM_NONE,
  ALARM_HIGH,
  ALARM_LOW,
  ALARM_ABNORMAL,
} Alarm;

typedef enum
{
  PRECISION_YEAR,
  PRECISION_MONTH,
  PRECISION_DAY,
  PRECISION_TIME,
} Precision;

typedef struct
{
  gint64           time;             /* Unix seconds */
  double           value[MAX_SERIES];
  gboolean         has[MAX_SERIES];
  Alarm            alarm[MAX_SERIES];
  Precision        precision;
  guint            order;            /* position in the caller's series: sort stably */
  ChevetChartItem *item;
} Point;

typedef struct
{
  GdkRGBA fg;
  GdkRGBA dim;
  GdkRGBA grid;
  GdkRGBA axis;
  GdkRGBA series[MAX_SERIES];
  GdkRGBA alarm;
  GdkRGBA band;
  GdkRGBA band_edge;
  GdkRGBA focus;
  GdkRGBA callout_bg;
  GdkRGBA callout_fg;
  GdkRGBA callout_border;
  GdkRGBA shadow;
} Colors;

typedef enum
{
  LEGEND_SERIES_0,
  LEGEND_SERIES_1,
  LEGEND_BAND,
  LEGEND_ALARM,
  N_LEGEND
} LegendKind;

typedef struct
{
  int              width;
  int              height;
  graphene_rect_t  plot;          /* the box the axes enclose */
  double           x_first;       /* where t0 and t1 go */
  double           x_last;
  gint64           t0;
  gint64           t1;
  double           vlo;
  double           vhi;
  guint            n_vticks;
  double           vticks[MAX_TICKS];
  PangoLayout     *vlabels[MAX_TICKS];
  guint            n_tticks;
  gint64           tticks[MAX_TICKS];
  PangoLayout     *tlabels[MAX_TICKS];
  PangoLayout     *title;
  graphene_point_t title_pos;
  guint            n_legend;
  LegendKind       legend_kind[N_LEGEND];
  PangoLayout     *legend[N_LEGEND];
  graphene_point_t legend_pos[N_LEGEND];
  PangoLayout     *empty;
  gboolean         dense;         /* too many points for markers */
} Frame;

struct _ChevetTrendPlot
{
  GtkWidget  parent_instance;

  GPtrArray *series;
  char      *title;
  char      *unit;                /* as given, or the items' own */
  GArray    *points;              /* Point, by date */
  guint      n_series;
  char      *series_names[MAX_SERIES];
  gboolean   has_low;             /* the reference band: the latest range recorded */
  gboolean   has_high;
  double     low;
  double     high;
  gboolean   any_alarm;
  double     dmin;                /* extent of the values and the reference band */
  double     dmax;
  char      *summary;             /* the accessible label without a selection */

  int        selected;
  gboolean   hovering;
  Frame     *frame;
};

G_DEFINE_FINAL_TYPE (ChevetTrendPlot, chevet_trend_plot, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SELECTED,
  PROP_N_POINTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Data */

static Alarm
flag_alarm (const char *flag)
{
  if (flag == NULL)
    return ALARM_NONE;
  if (strcmp (flag, "H") == 0 || strcmp (flag, "HH") == 0 || strcmp (flag, "HU") == 0
      || strcmp (flag, ">") == 0)
    return ALARM_HIGH;
  if (strcmp (flag, "L") == 0 || strcmp (flag, "LL") == 0 || strcmp (flag, "LU") == 0
      || strcmp (flag, "<") == 0)
    return ALARM_LOW;
  if (strcmp (flag, "A") == 0 || strcmp (flag, "AA") == 0)
    return ALARM_ABNORMAL;
  return ALARM_NONE;
}

/* A value's own range decides; its flag, then the flag of the item it is a component
 * of, speak when there is no range. */
static Alarm
value_alarm (const ChevetChartItem *item,
             double                 value,
             const char            *parent_flag)
{
  Alarm alarm;

  if (item->has_high && value > item->high)
    return ALARM_HIGH;
  if (item->has_low && value < item->low)
    return ALARM_LOW;
  alarm = flag_alarm (item->flag);
  if (alarm != ALARM_NONE)
    return alarm;
  if (!item->has_low && !item->has_high)
    return flag_alarm (parent_flag);
  return ALARM_NONE;
}

/* FHIR dates (YYYY, YYYY-MM, YYYY-MM-DD) are local days; dateTimes carry their offset. */
static gboolean
parse_date (const char *text,
            gint64     *time,
            Precision  *precision)
{
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL)
    return FALSE;
  if (strchr (text, 'T') != NULL)
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();

      dt = g_date_time_new_from_iso8601 (text, local);
      *precision = PRECISION_TIME;
    }
  else
    {
      int year = 0, month = 1, day = 1;
      int n = sscanf (text, "%4d-%2d-%2d", &year, &month, &day);

      if (n < 1 || !g_date_valid_dmy (day, month, year))
        return FALSE;
      *precision = n == 1 ? PRECISION_YEAR : n == 2 ? PRECISION_MONTH : PRECISION_DAY;
      dt = g_date_time_new_local (year, month, day, 0, 0, 0);
    }
  if (dt == NULL)
    return FALSE;
  *time = g_date_time_to_unix (dt);
  return TRUE;
}

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const Point *pa = a;
  const Point *pb = b;

  if (pa->time != pb->time)
    return pa->time < pb->time ? -1 : 1;
  return pa->order < pb->order ? -1 : pa->order > pb->order;
}

static inline const Point *
point_at (ChevetTrendPlot *self,
          guint            i)
{
  return &g_array_index (self->points, Point, i);
}

static Alarm
point_alarm (const Point *p)
{
  for (guint k = 0; k < MAX_SERIES; k++)
    if (p->has[k] && p->alarm[k] != ALARM_NONE)
      return p->alarm[k];
  return ALARM_NONE;
}

static const char *
alarm_label (Alarm alarm)
{
  switch (alarm)
    {
    case ALARM_HIGH:
      return _("High");
    case ALARM_LOW:
      return _("Low");
    case ALARM_ABNORMAL:
      return _("Abnormal");
    case ALARM_NONE:
    default:
      return NULL;
    }
}

static char *
format_point_date (const Point *p)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (p->time);

  switch (p->precision)
    {
    case PRECISION_YEAR:
      return g_date_time_format (dt, "%Y");
    case PRECISION_MONTH:
      /* Translators: a month and year, as in “May 2024”; see g_date_time_format() */
      return g_date_time_format (dt, _("%B %Y"));
    case PRECISION_TIME:
      /* Translators: a date and time, as in “12 May 2024, 10:15”; see g_date_time_format() */
      return g_date_time_format (dt, _("%-d %b %Y, %H:%M"));
    case PRECISION_DAY:
    default:
      /* Translators: a date, as in “12 May 2024”; see g_date_time_format() */
      return g_date_time_format (dt, _("%-d %b %Y"));
    }
}

/* "72.5 kg", "140/90 mmHg": the value as the chart shows it, and the unit. */
static char *
format_point_value (ChevetTrendPlot *self,
                    const Point     *p)
{
  g_autofree char *value = chevet_chart_item_format_value (p->item);

  if (value == NULL)
    value = g_strdup ("?");
  if (self->unit == NULL || self->unit[0] == '\0')
    return g_steal_pointer (&value);
  return g_strdup_printf ("%s %s", value, self->unit);
}

static const char *
display_title (ChevetTrendPlot *self)
{
  return self->title != NULL && self->title[0] != '\0' ? self->title : _("Trend");
}

static void
update_summary (ChevetTrendPlot *self)
{
  guint n = self->points->len;

  g_clear_pointer (&self->summary, g_free);
  if (n == 0)
    {
      /* Translators: %s is what is measured, as in “Body weight” */
      self->summary = g_strdup_printf (_("%s, no values to plot"), display_title (self));
    }
  else if (n == 1)
    {
      g_autofree char *date = format_point_date (point_at (self, 0));
      g_autofree char *value = format_point_value (self, point_at (self, 0));

      /* Translators: “Body weight, one value on 12 May 2024: 72.5 kg” */
      self->summary = g_strdup_printf (_("%s, one value on %s: %s"), display_title (self), date, value);
    }
  else
    {
      g_autofree char *first = format_point_date (point_at (self, 0));
      g_autofree char *last = format_point_date (point_at (self, n - 1));
      g_autofree char *value = format_point_value (self, point_at (self, n - 1));

      /* Translators: “Body weight, 24 values from 3 Jan 2019 to 12 May 2024, latest 72.5 kg” */
      self->summary = g_strdup_printf (ngettext ("%s, %u value from %s to %s, latest %s",
                                                 "%s, %u values from %s to %s, latest %s", n),
                                       display_title (self), n, first, last, value);
    }
}

static void
update_accessible (ChevetTrendPlot *self)
{
  g_autofree char *label = chevet_trend_plot_dup_accessible_label (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static const char *
component_name (const ChevetChartItem *component,
                guint                  k)
{
  if (g_strcmp0 (component->code, SYSTOLIC_CODE) == 0)
    return _("Systolic");
  if (g_strcmp0 (component->code, DIASTOLIC_CODE) == 0)
    return _("Diastolic");
  if (component->display != NULL)
    return component->display;
  return k == 0 ? _("First value") : _("Second value");
}

static void
rebuild_points (ChevetTrendPlot *self)
{
  guint max_components = 0;

  g_array_set_size (self->points, 0);
  self->n_series = 1;
  self->has_low = self->has_high = FALSE;
  self->any_alarm = FALSE;
  for (guint k = 0; k < MAX_SERIES; k++)
    g_clear_pointer (&self->series_names[k], g_free);
  if (self->series == NULL)
    return;

  for (guint i = 0; i < self->series->len; i++)
    {
      ChevetChartItem *item = g_ptr_array_index (self->series, i);

      if (item->components != NULL)
        max_components = MAX (max_components, MIN (item->components->len, MAX_SERIES));
    }

  for (guint i = 0; i < self->series->len; i++)
    {
      ChevetChartItem *item = g_ptr_array_index (self->series, i);
      Point p = { 0 };

      if (!parse_date (item->date, &p.time, &p.precision))
        continue;
      if (item->components != NULL && item->components->len > 0)
        {
          for (guint k = 0; k < MIN (item->components->len, MAX_SERIES); k++)
            {
              ChevetChartItem *c = g_ptr_array_index (item->components, k);

              if (!c->has_number || !isfinite (c->number))
                continue;
              p.value[k] = c->number;
              p.has[k] = TRUE;
              p.alarm[k] = value_alarm (c, c->number, item->flag);
              if (self->series_names[k] == NULL)
                self->series_names[k] = g_strdup (component_name (c, k));
            }
        }
      else if (item->has_number && isfinite (item->number))
        {
          p.value[0] = item->number;
          p.has[0] = TRUE;
          p.alarm[0] = value_alarm (item, item->number, NULL);
        }
      if (!p.has[0] && !p.has[1])
        continue;
      p.order = i;
      p.item = item;
      g_array_append_val (self->points, p);
    }
  g_array_sort (self->points, compare_points);
  if (max_components > 1)
    self->n_series = max_components;

  /* The band is the most recent range: laboratories change theirs over the years.
   * Blood pressure shows the systolic one. */
  for (guint i = self->points->len; i > 0; i--)
    {
      const Point *p = point_at (self, i - 1);
      ChevetChartItem *source = p->item;

      if (source->components != NULL && source->components->len > 0)
        source = g_ptr_array_index (source->components, 0);
      if (source->has_low || source->has_high)
        {
          self->has_low = source->has_low;
          self->has_high = source->has_high;
          self->low = source->low;
          self->high = source->high;
          break;
        }
    }
  if (self->has_low && self->has_high && self->low > self->high)
    self->has_low = self->has_high = FALSE;

  self->dmin = G_MAXDOUBLE;
  self->dmax = -G_MAXDOUBLE;
  for (guint i = 0; i < self->points->len; i++)
    {
      const Point *p = point_at (self, i);

      for (guint k = 0; k < MAX_SERIES; k++)
        if (p->has[k])
          {
            self->dmin = MIN (self->dmin, p->value[k]);
            self->dmax = MAX (self->dmax, p->value[k]);
            self->any_alarm |= p->alarm[k] != ALARM_NONE;
          }
    }
  if (self->has_low)
    {
      self->dmin = MIN (self->dmin, self->low);
      self->dmax = MAX (self->dmax, self->low);
    }
  if (self->has_high)
    {
      self->dmin = MIN (self->dmin, self->high);
      self->dmax = MAX (self->dmax, self->high);
    }

  /* Without a unit from the caller, the items' own. */
  if (self->unit == NULL && self->points->len > 0)
    {
      ChevetChartItem *item = point_at (self, 0)->item;

      if (item->unit != NULL)
        self->unit = g_strdup (item->unit);
      else if (item->components != NULL && item->components->len > 0)
        self->unit = g_strdup (((ChevetChartItem *) g_ptr_array_index (item->components, 0))->unit);
    }
}

/* Colours */

static void
mix_alpha (GdkRGBA       *out,
           const GdkRGBA *color,
           double         alpha)
{
  *out = *color;
  out->alpha = color->alpha * alpha;
}

static void
named_color (GtkStyleContext *context,
             const char      *name,
             const char      *fallback,
             GdkRGBA         *out)
{
  if (!gtk_style_context_lookup_color (context, name, out))
    gdk_rgba_parse (out, fallback);
}

static void
get_colors (ChevetTrendPlot *self,
            Colors          *c)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  gboolean dark;

  gtk_style_context_get_color (context, &c->fg);
  /* Light text means a dark background. */
  dark = 0.2126 * c->fg.red + 0.7152 * c->fg.green + 0.0722 * c->fg.blue > 0.5;

  mix_alpha (&c->dim, &c->fg, 0.7);
  mix_alpha (&c->grid, &c->fg, dark ? 0.12 : 0.1);
  mix_alpha (&c->axis, &c->fg, 0.4);

  /* GNOME palette: blue and purple, one step lighter on dark. */
  gdk_rgba_parse (&c->series[0], dark ? "#62a0ea" : "#1c71d8");
  gdk_rgba_parse (&c->series[1], dark ? "#c061cb" : "#9141ac");
  named_color (context, "error_color", dark ? "#ff7b63" : "#c01c28", &c->alarm);
  c->alarm.alpha = 1;

  named_color (context, "success_color", dark ? "#8ff0a4" : "#1b8553", &c->band_edge);
  mix_alpha (&c->band, &c->band_edge, dark ? 0.1 : 0.1);
  c->band_edge.alpha = 0.55;

  named_color (context, "accent_color", dark ? "#78aeed" : "#1c71d8", &c->focus);
  c->focus.alpha = 0.5;

  named_color (context, "popover_bg_color", dark ? "#383838" : "#ffffff", &c->callout_bg);
  named_color (context, "popover_fg_color", dark ? "#ffffff" : "rgba(0,0,0,0.8)", &c->callout_fg);
  c->callout_bg.alpha = 1;
  mix_alpha (&c->callout_border, &c->fg, 0.15);
  gdk_rgba_parse (&c->shadow, dark ? "rgba(0,0,0,0.5)" : "rgba(0,0,0,0.2)");
}

static const GdkRGBA *
marker_color (const Colors *colors,
              const Point  *p,
              guint         k)
{
  return p->alarm[k] != ALARM_NONE ? &colors->alarm : &colors->series[k];
}

/* Frame: everything that depends on the size */

static void
frame_free (Frame *f)
{
  for (guint i = 0; i < f->n_vticks; i++)
    g_clear_object (&f->vlabels[i]);
  for (guint i = 0; i < f->n_tticks; i++)
    g_clear_object (&f->tlabels[i]);
  for (guint i = 0; i < f->n_legend; i++)
    g_clear_object (&f->legend[i]);
  g_clear_object (&f->title);
  g_clear_object (&f->empty);
  g_free (f);
}

static void
invalidate_frame (ChevetTrendPlot *self)
{
  g_clear_pointer (&self->frame, frame_free);
}

static PangoLayout *
make_label (ChevetTrendPlot *self,
            const char      *text,
            double           scale,
            gboolean         bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (scale != 1.0)
    pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  /* Figures of equal width keep a column of numbers aligned. */
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static int
layout_width (PangoLayout *layout)
{
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

static int
layout_height (PangoLayout *layout)
{
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

/* The finest step of 1, 2 or 5 times a power of ten that covers [@lo, @hi] in at
 * most @max_ticks ticks: the tightest axis that stays readable. */
static double
nice_step (double lo,
           double hi,
           guint  max_ticks)
{
  static const double mantissas[] = { 1, 2, 5 };
  double e = floor (log10 ((hi - lo) / max_ticks)) - 1;

  for (;; e++)
    for (guint i = 0; i < G_N_ELEMENTS (mantissas); i++)
      {
        double step = mantissas[i] * pow (10, e);

        if (ceil (hi / step - 1e-9) - floor (lo / step + 1e-9) + 1 <= max_ticks)
          return step;
      }
}

/* As many decimals as the step has: 0.25 has two, 25 none. */
static int
step_decimals (double step)
{
  int decimals = 0;

  while (decimals < 6 && fabs (step * pow (10, decimals) - round (step * pow (10, decimals))) > 1e-6)
    decimals++;
  return decimals;
}

static void
compute_value_ticks (ChevetTrendPlot *self,
                     Frame           *f,
                     double           plot_height)
{
  double lo = self->dmin;
  double hi = self->dmax;
  guint max_ticks = CLAMP ((guint) (plot_height / 28), 4, 8);
  double pad, step;
  int decimals;

  pad = hi - lo > 1e-9 ? (hi - lo) * 0.06 : (fabs (lo) > 1e-9 ? fabs (lo) * 0.1 : 1);
  /* A measure that cannot be negative does not get a negative axis. */
  lo = self->dmin >= 0 ? MAX (0, lo - pad) : lo - pad;
  hi += pad;
  step = nice_step (lo, hi, max_ticks);
  f->vlo = floor (lo / step + 1e-9) * step;
  f->vhi = ceil (hi / step - 1e-9) * step;
  decimals = step_decimals (step);

  f->n_vticks = 0;
  for (guint i = 0; i < MAX_TICKS; i++)
    {
      double v = f->vlo + i * step;
      g_autofree char *text = NULL;

      if (v > f->vhi + step * 1e-6)
        break;
      if (fabs (v) < step * 1e-6)
        v = 0;
      /* In the locale: a decimal comma where it is the custom. */
      text = g_strdup_printf ("%.*f", decimals, v);
      f->vticks[f->n_vticks] = v;
      f->vlabels[f->n_vticks] = make_label (self, text, LABEL_SCALE, FALSE);
      f->n_vticks++;
    }
  f->vhi = f->vticks[f->n_vticks - 1];
}

typedef enum
{
  UNIT_MINUTE,
  UNIT_HOUR,
  UNIT_DAY,
  UNIT_MONTH,
  UNIT_YEAR,
} TimeUnit;

static const struct
{
  TimeUnit unit;
  int      step;
  double   seconds;
} time_steps[] = {
  { UNIT_MINUTE, 15, 900 },
  { UNIT_MINUTE, 30, 1800 },
  { UNIT_HOUR, 1, 3600 },
  { UNIT_HOUR, 3, 3 * 3600 },
  { UNIT_HOUR, 6, 6 * 3600 },
  { UNIT_HOUR, 12, 12 * 3600 },
  { UNIT_DAY, 1, 86400 },
  { UNIT_DAY, 2, 2 * 86400 },
  { UNIT_DAY, 7, 7 * 86400 },
  { UNIT_DAY, 14, 14 * 86400 },
  { UNIT_MONTH, 1, 30.44 * 86400 },
  { UNIT_MONTH, 2, 2 * 30.44 * 86400 },
  { UNIT_MONTH, 3, 3 * 30.44 * 86400 },
  { UNIT_MONTH, 6, 6 * 30.44 * 86400 },
  { UNIT_YEAR, 1, 365.25 * 86400 },
  { UNIT_YEAR, 2, 2 * 365.25 * 86400 },
  { UNIT_YEAR, 5, 5 * 365.25 * 86400 },
  { UNIT_YEAR, 10, 10 * 365.25 * 86400 },
  { UNIT_YEAR, 20, 20 * 365.25 * 86400 },
  { UNIT_YEAR, 50, 50 * 365.25 * 86400 },
  { UNIT_YEAR, 100, 100 * 365.25 * 86400 },
};

/* The last tick boundary at or before @dt: weeks start on Monday, months on the 1st. */
static GDateTime *
align_down (GDateTime *dt,
            TimeUnit   unit,
            int        step)
{
  int year, month, day;

  g_date_time_get_ymd (dt, &year, &month, &day);
  switch (unit)
    {
    case UNIT_MINUTE:
      return g_date_time_new_local (year, month, day, g_date_time_get_hour (dt),
                                    g_date_time_get_minute (dt) / step * step, 0);
    case UNIT_HOUR:
      return g_date_time_new_local (year, month, day, g_date_time_get_hour (dt) / step * step, 0, 0);
    case UNIT_DAY:
      {
        GDate date;

        g_date_clear (&date, 1);
        g_date_set_dmy (&date, day, month, year);
        /* Julian day 1, 1 January of year 1, was a Monday. */
        g_date_subtract_days (&date, (g_date_get_julian (&date) - 1) % step);
        return g_date_time_new_local (g_date_get_year (&date), g_date_get_month (&date),
                                      g_date_get_day (&date), 0, 0, 0);
      }
    case UNIT_MONTH:
      return g_date_time_new_local (year, (month - 1) / step * step + 1, 1, 0, 0, 0);
    case UNIT_YEAR:
      return g_date_time_new_local (MAX (1, year / step * step), 1, 1, 0, 0, 0);
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

static GDateTime *
advance (GDateTime *dt,
         TimeUnit   unit,
         int        step)
{
  switch (unit)
    {
    case UNIT_MINUTE:
      return g_date_time_add_minutes (dt, step);
    case UNIT_HOUR:
      return g_date_time_add_hours (dt, step);
    case UNIT_DAY:
      return g_date_time_add_days (dt, step);
    case UNIT_MONTH:
      return g_date_time_add_months (dt, step);
    case UNIT_YEAR:
      return g_date_time_add_years (dt, step);
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/* The larger part of a date (the year, the day) shows on the first tick and where it
 * changes: “Nov 2023  Dec  Jan 2024  Feb”. */
static char *
format_tick (GDateTime *dt,
             GDateTime *previous,
             TimeUnit   unit)
{
  gboolean new_year = previous == NULL || g_date_time_get_year (previous) != g_date_time_get_year (dt);
  gboolean new_day = new_year || g_date_time_get_day_of_year (previous) != g_date_time_get_day_of_year (dt);

  switch (unit)
    {
    case UNIT_MINUTE:
    case UNIT_HOUR:
      if (new_day)
        /* Translators: a tick on a time axis where the day changes, as in “3 May, 14:00” */
        return g_date_time_format (dt, _("%-d %b, %H:%M"));
      /* Translators: a tick on a time axis, as in “14:00” */
      return g_date_time_format (dt, _("%H:%M"));
    case UNIT_DAY:
      if (new_year)
        /* Translators: a tick on a time axis where the year changes, as in “3 Jan 2024” */
        return g_date_time_format (dt, _("%-d %b %Y"));
      /* Translators: a tick on a time axis, as in “3 Jan” */
      return g_date_time_format (dt, _("%-d %b"));
    case UNIT_MONTH:
      if (new_year)
        /* Translators: a tick on a time axis where the year changes, as in “Jan 2024” */
        return g_date_time_format (dt, _("%b %Y"));
      /* Translators: a tick on a time axis, as in “Mar” */
      return g_date_time_format (dt, _("%b"));
    case UNIT_YEAR:
    default:
      return g_date_time_format (dt, "%Y");
    }
}

static void
clear_time_ticks (Frame *f)
{
  for (guint i = 0; i < f->n_tticks; i++)
    g_clear_object (&f->tlabels[i]);
  f->n_tticks = 0;
}

/* The finest calendar step whose labels fit, at most MAX_TIME_TICKS of them. */
static void
compute_time_ticks (ChevetTrendPlot *self,
                    Frame           *f,
                    double           plot_width)
{
  /* Ticks may fall in the margin before the first date and after the last: the
   * first of January just before values from the 3rd is worth its label. */
  gint64 margin = (gint64) (INSET / (f->x_last - f->x_first) * (double) (f->t1 - f->t0));
  gint64 from = f->t0 - margin;
  gint64 to = f->t1 + margin;
  double span = (double) (to - from);

  for (guint c = 0; c < G_N_ELEMENTS (time_steps); c++)
    {
      TimeUnit unit = time_steps[c].unit;
      int step = time_steps[c].step;
      g_autoptr(GDateTime) start = NULL;
      g_autoptr(GDateTime) dt = NULL;
      g_autoptr(GDateTime) previous = NULL;
      int widest = 0;

      if (span / time_steps[c].seconds > MAX_TIME_TICKS + 1)
        continue;

      start = g_date_time_new_from_unix_local (from);
      dt = align_down (start, unit, step);
      clear_time_ticks (f);
      while (dt != NULL && g_date_time_to_unix (dt) <= to && f->n_tticks < MAX_TICKS)
        {
          GDateTime *next = advance (dt, unit, step);

          if (g_date_time_to_unix (dt) >= from)
            {
              g_autofree char *text = format_tick (dt, previous, unit);
              PangoLayout *label = make_label (self, text, LABEL_SCALE, FALSE);

              widest = MAX (widest, layout_width (label));
              f->tticks[f->n_tticks] = g_date_time_to_unix (dt);
              f->tlabels[f->n_tticks] = label;
              f->n_tticks++;
              g_clear_pointer (&previous, g_date_time_unref);
              previous = g_date_time_ref (dt);
            }
          g_date_time_unref (dt);
          dt = next;
        }
      if (f->n_tticks <= MAX_TIME_TICKS && f->n_tticks * (widest + 24.0) <= plot_width)
        return;
    }
  /* Not even one label per century fits: the plot is too narrow for a date axis. */
  clear_time_ticks (f);
}

static void
add_legend (ChevetTrendPlot *self,
            Frame           *f,
            LegendKind       kind,
            const char      *text)
{
  f->legend_kind[f->n_legend] = kind;
  f->legend[f->n_legend] = make_label (self, text, LABEL_SCALE, FALSE);
  f->n_legend++;
}

#define LEGEND_SWATCH 10
#define LEGEND_GAP    5
#define LEGEND_SPACE  16

static Frame *
ensure_frame (ChevetTrendPlot *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) sample = NULL;
  g_autofree char *title = NULL;
  double top, bottom, left, right, legend_width = 0, legend_height = 0, header;
  int label_height, widest = 0;
  Frame *f;

  if (width <= 0 || height <= 0)
    return NULL;
  if (self->frame != NULL && self->frame->width == width && self->frame->height == height)
    return self->frame;
  invalidate_frame (self);
  f = self->frame = g_new0 (Frame, 1);
  f->width = width;
  f->height = height;

  /* The value axis title: “Body weight (kg)”. */
  if (self->title != NULL && self->unit != NULL && self->unit[0] != '\0')
    /* Translators: the title of a value axis, what is measured and its unit: “Body weight (kg)” */
    title = g_strdup_printf (_("%s (%s)"), self->title, self->unit);
  else if (self->title != NULL)
    title = g_strdup (self->title);
  else if (self->unit != NULL)
    title = g_strdup (self->unit);
  if (title != NULL)
    f->title = make_label (self, title, 0.9, TRUE);
  header = f->title != NULL ? layout_height (f->title) : 0;

  if (self->points->len == 0)
    {
      f->empty = make_label (self, _("No values to plot"), 1.0, FALSE);
      return f;
    }

  if (self->n_series > 1)
    for (guint k = 0; k < self->n_series; k++)
      add_legend (self, f, LEGEND_SERIES_0 + k, self->series_names[k] ?: "");
  if ((self->has_low || self->has_high) && self->n_series > 1)
    {
      /* Translators: the legend of the reference band when only one of two series
       * has its range drawn, as in “Systolic reference range” */
      g_autofree char *text = g_strdup_printf (_("%s reference range"), self->series_names[0] ?: "");

      add_legend (self, f, LEGEND_BAND, text);
    }
  else if (self->has_low || self->has_high)
    add_legend (self, f, LEGEND_BAND, _("Reference range"));
  if (self->any_alarm)
    add_legend (self, f, LEGEND_ALARM, _("Out of range"));
  for (guint i = 0; i < f->n_legend; i++)
    {
      legend_width += (i > 0 ? LEGEND_SPACE : 0) + LEGEND_SWATCH + LEGEND_GAP + layout_width (f->legend[i]);
      legend_height = MAX (legend_height, layout_height (f->legend[i]));
    }
  if (f->n_legend > 0)
    {
      /* Beside the title when all fits, else on lines of their own, wrapped. */
      double x, y, line_height = legend_height + 2;

      if (f->title == NULL || layout_width (f->title) + 24 + legend_width <= width)
        {
          x = width - legend_width;
          y = MAX (0, (header - legend_height) / 2);
          header = MAX (header, legend_height);
        }
      else
        {
          x = 0;
          y = header + 4;
          header += 4 + legend_height;
        }
      for (guint i = 0; i < f->n_legend; i++)
        {
          double item_width = LEGEND_SWATCH + LEGEND_GAP + layout_width (f->legend[i]);

          if (x > 0 && x + item_width > width)
            {
              x = 0;
              y += line_height;
              header += line_height;
            }
          f->legend_pos[i] = GRAPHENE_POINT_INIT (x, y);
          x += item_width + LEGEND_SPACE;
        }
      /* A legend that would squeeze the plot to a strip goes; the callout still
       * names each value and whether it is out of range. */
      if (header > height / 3.0)
        {
          for (guint i = 0; i < f->n_legend; i++)
            g_clear_object (&f->legend[i]);
          f->n_legend = 0;
          header = f->title != NULL ? layout_height (f->title) : 0;
        }
    }
  f->title_pos = GRAPHENE_POINT_INIT (0, 0);

  sample = make_label (self, "0", LABEL_SCALE, FALSE);
  label_height = layout_height (sample);
  top = header > 0 ? header + 12 : label_height / 2.0 + 2;
  bottom = label_height + 4 + 4 + 2;
  right = 8;

  compute_value_ticks (self, f, MAX (1, height - top - bottom));
  for (guint i = 0; i < f->n_vticks; i++)
    widest = MAX (widest, layout_width (f->vlabels[i]));
  left = widest + 8;

  f->plot = GRAPHENE_RECT_INIT (left, top, MAX (1, width - left - right), MAX (1, height - top - bottom));
  f->x_first = f->plot.origin.x + INSET;
  f->x_last = MAX (f->x_first + 1, f->plot.origin.x + f->plot.size.width - INSET);

  /* One point, or points within minutes: a span that still reads as dates. */
  f->t0 = point_at (self, 0)->time;
  f->t1 = point_at (self, self->points->len - 1)->time;
  if (f->t1 - f->t0 < 3600)
    {
      gint64 middle = f->t0 + (f->t1 - f->t0) / 2;
      gint64 half = f->t1 == f->t0 ? 86400 : 1800;

      f->t0 = middle - half;
      f->t1 = middle + half;
    }
  compute_time_ticks (self, f, f->plot.size.width);

  f->dense = self->points->len * MIN_MARKER_SPACING > f->x_last - f->x_first;
  return f;
}

static inline double
x_for_time (const Frame *f,
            gint64       time)
{
  return f->x_first + (double) (time - f->t0) / (double) (f->t1 - f->t0) * (f->x_last - f->x_first);
}

static inline double
y_for_value (const Frame *f,
             double       value)
{
  return f->plot.origin.y + f->plot.size.height
         - (value - f->vlo) / (f->vhi - f->vlo) * f->plot.size.height;
}

/* Drawing */

static void
path_marker (cairo_t *cr,
             double   x,
             double   y,
             double   r,
             Alarm    alarm)
{
  switch (alarm)
    {
    case ALARM_HIGH:
      cairo_move_to (cr, x, y - r * 1.2);
      cairo_line_to (cr, x + r, y + r * 0.8);
      cairo_line_to (cr, x - r, y + r * 0.8);
      cairo_close_path (cr);
      break;
    case ALARM_LOW:
      cairo_move_to (cr, x, y + r * 1.2);
      cairo_line_to (cr, x + r, y - r * 0.8);
      cairo_line_to (cr, x - r, y - r * 0.8);
      cairo_close_path (cr);
      break;
    case ALARM_ABNORMAL:
      cairo_move_to (cr, x, y - r);
      cairo_line_to (cr, x + r, y);
      cairo_line_to (cr, x, y + r);
      cairo_line_to (cr, x - r, y);
      cairo_close_path (cr);
      break;
    case ALARM_NONE:
    default:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    }
}

static void
draw_marker (cairo_t       *cr,
             const Point   *p,
             guint          k,
             double         x,
             double         y,
             const Colors  *colors,
             double         grow)
{
  double r = (p->alarm[k] != ALARM_NONE ? ALARM_RADIUS : MARKER_RADIUS) + grow;

  path_marker (cr, x, y, r, p->alarm[k]);
  gdk_cairo_set_source_rgba (cr, marker_color (colors, p, k));
  cairo_fill (cr);
}

/* Many points: per pixel column, the band from the lowest to the highest value
 * (nothing a polyline would show is lost, spikes included) and the line of the
 * column means over it, which is what a trend of 5,000 values reads as. */
static void
draw_dense_series (ChevetTrendPlot *self,
                   cairo_t         *cr,
                   const Frame     *f,
                   const Colors    *colors,
                   guint            k)
{
  int first_column = (int) floor (f->x_first);
  int n_columns = (int) ceil (f->x_last) - first_column + 1;
  g_autofree double *top = g_new (double, n_columns);
  g_autofree double *base = g_new (double, n_columns);
  g_autofree double *sum = g_new0 (double, n_columns);
  g_autofree guint *count = g_new0 (guint, n_columns);
  GdkRGBA envelope;
  gboolean started = FALSE;

  for (guint i = 0; i < self->points->len; i++)
    {
      const Point *p = point_at (self, i);
      double y;
      int c;

      if (!p->has[k])
        continue;
      c = CLAMP ((int) floor (x_for_time (f, p->time)) - first_column, 0, n_columns - 1);
      y = y_for_value (f, p->value[k]);
      if (count[c] == 0)
        top[c] = base[c] = y;
      top[c] = MIN (top[c], y);
      base[c] = MAX (base[c], y);
      sum[c] += y;
      count[c]++;
    }

  /* Forth along the highest values, back along the lowest. The envelope is at least
   * a pixel high so that a flat stretch still shows. */
  for (int c = 0; c < n_columns; c++)
    if (count[c] > 0)
      {
        if (!started)
          cairo_move_to (cr, first_column + c + 0.5, top[c] - 0.5);
        else
          cairo_line_to (cr, first_column + c + 0.5, top[c] - 0.5);
        started = TRUE;
      }
  for (int c = n_columns - 1; c >= 0; c--)
    if (count[c] > 0)
      cairo_line_to (cr, first_column + c + 0.5, base[c] + 0.5);
  cairo_close_path (cr);
  mix_alpha (&envelope, &colors->series[k], 0.3);
  gdk_cairo_set_source_rgba (cr, &envelope);
  cairo_fill (cr);

  started = FALSE;
  for (int c = 0; c < n_columns; c++)
    if (count[c] > 0)
      {
        if (!started)
          cairo_move_to (cr, first_column + c + 0.5, sum[c] / count[c]);
        else
          cairo_line_to (cr, first_column + c + 0.5, sum[c] / count[c]);
        started = TRUE;
      }
  cairo_set_line_width (cr, 1.5);
  gdk_cairo_set_source_rgba (cr, &colors->series[k]);
  cairo_stroke (cr);

  if (self->any_alarm)
    {
      /* Out-of-range values stay visible: one small marker per stretch of a few
       * pixels and per kind, on the most extreme value of the stretch. */
      const double stretch = 4 * DENSE_ALARM_RADIUS;
      const Point *extreme[ALARM_ABNORMAL + 1] = { NULL };
      int current = G_MININT;

      gdk_cairo_set_source_rgba (cr, &colors->alarm);
      for (guint i = 0; i <= self->points->len; i++)
        {
          const Point *p = i < self->points->len ? point_at (self, i) : NULL;
          int bucket = p != NULL ? (int) floor (x_for_time (f, p->time) / stretch) : G_MAXINT;
          Alarm alarm;

          if (p != NULL && (!p->has[k] || p->alarm[k] == ALARM_NONE))
            continue;
          if (bucket != current)
            {
              for (guint a = ALARM_HIGH; a <= ALARM_ABNORMAL; a++)
                if (extreme[a] != NULL)
                  path_marker (cr, x_for_time (f, extreme[a]->time), y_for_value (f, extreme[a]->value[k]),
                               DENSE_ALARM_RADIUS, a);
              memset (extreme, 0, sizeof extreme);
              current = bucket;
            }
          if (p == NULL)
            break;
          alarm = p->alarm[k];
          if (extreme[alarm] == NULL
              || (alarm == ALARM_HIGH && p->value[k] > extreme[alarm]->value[k])
              || (alarm == ALARM_LOW && p->value[k] < extreme[alarm]->value[k]))
            extreme[alarm] = p;
        }
      cairo_fill (cr);
    }
}

static void
draw_series (ChevetTrendPlot *self,
             cairo_t         *cr,
             const Frame     *f,
             const Colors    *colors,
             guint            k)
{
  gboolean started = FALSE;

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  if (f->dense)
    {
      draw_dense_series (self, cr, f, colors, k);
      return;
    }

  for (guint i = 0; i < self->points->len; i++)
    {
      const Point *p = point_at (self, i);

      if (!p->has[k])
        continue;
      if (!started)
        cairo_move_to (cr, x_for_time (f, p->time), y_for_value (f, p->value[k]));
      else
        cairo_line_to (cr, x_for_time (f, p->time), y_for_value (f, p->value[k]));
      started = TRUE;
    }
  cairo_set_line_width (cr, 2);
  gdk_cairo_set_source_rgba (cr, &colors->series[k]);
  cairo_stroke (cr);

  for (guint i = 0; i < self->points->len; i++)
    {
      const Point *p = point_at (self, i);

      if (p->has[k])
        draw_marker (cr, p, k, x_for_time (f, p->time), y_for_value (f, p->value[k]), colors, 0);
    }
}

static void
draw_legend (ChevetTrendPlot *self,
             GtkSnapshot     *snapshot,
             cairo_t         *cr,
             const Frame     *f,
             const Colors    *colors)
{
  for (guint i = 0; i < f->n_legend; i++)
    {
      double x = f->legend_pos[i].x;
      double h = layout_height (f->legend[i]);
      double cy = f->legend_pos[i].y + h / 2;
      double cx = x + LEGEND_SWATCH / 2.0;

      switch (f->legend_kind[i])
        {
        case LEGEND_SERIES_0:
        case LEGEND_SERIES_1:
          gdk_cairo_set_source_rgba (cr, &colors->series[f->legend_kind[i] - LEGEND_SERIES_0]);
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, x, cy);
          cairo_line_to (cr, x + LEGEND_SWATCH, cy);
          cairo_stroke (cr);
          cairo_arc (cr, cx, cy, MARKER_RADIUS, 0, 2 * G_PI);
          cairo_fill (cr);
          break;
        case LEGEND_BAND:
          gdk_cairo_set_source_rgba (cr, &colors->band);
          cairo_rectangle (cr, x, cy - 4, LEGEND_SWATCH, 8);
          cairo_fill (cr);
          gdk_cairo_set_source_rgba (cr, &colors->band_edge);
          cairo_set_line_width (cr, 1);
          cairo_move_to (cr, x, cy - 3.5);
          cairo_line_to (cr, x + LEGEND_SWATCH, cy - 3.5);
          cairo_move_to (cr, x, cy + 3.5);
          cairo_line_to (cr, x + LEGEND_SWATCH, cy + 3.5);
          cairo_stroke (cr);
          break;
        case LEGEND_ALARM:
          gdk_cairo_set_source_rgba (cr, &colors->alarm);
          path_marker (cr, cx, cy, 4.5, ALARM_HIGH);
          cairo_fill (cr);
          break;
        case N_LEGEND:
        default:
          g_assert_not_reached ();
        }
      chevet_snapshot_append_layout_at (snapshot, f->legend[i], x + LEGEND_SWATCH + LEGEND_GAP, f->legend_pos[i].y, &colors->dim);
    }
}

static void
draw_callout (ChevetTrendPlot *self,
              GtkSnapshot     *snapshot,
              const Frame     *f,
              const Colors    *colors,
              const Point     *p,
              double           px,
              double           py)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  g_autofree char *value = format_point_value (self, p);
  g_autofree char *date = format_point_date (p);
  g_autofree char *markup = NULL;
  const char *alarm = alarm_label (point_alarm (p));
  GskRoundedRect box;
  graphene_rect_t rect;
  double w, h, x, y;
  int lw, lh;

  if (alarm != NULL)
    {
      g_autofree char *hex = g_strdup_printf ("#%02x%02x%02x", (int) (colors->alarm.red * 255),
                                              (int) (colors->alarm.green * 255),
                                              (int) (colors->alarm.blue * 255));

      markup = g_markup_printf_escaped ("<b>%s</b>  <span foreground=\"%s\" weight=\"bold\">%s</span>\n"
                                        "<span size=\"smaller\">%s</span>",
                                        value, hex, alarm, date);
    }
  else
    markup = g_markup_printf_escaped ("<b>%s</b>\n<span size=\"smaller\">%s</span>", value, date);
  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &lw, &lh);

  w = lw + 2 * 10;
  h = lh + 2 * 6;
  x = px + 12;
  if (x + w > f->width - 2)
    x = px - 12 - w;
  x = CLAMP (x, 2, MAX (2, f->width - w - 2));
  /* Above the point, or below it rather than over the title and legend. */
  y = py - h - 10;
  if (y < f->plot.origin.y)
    y = py + 12;
  y = CLAMP (y, 2, MAX (2, f->height - h - 2));

  rect = GRAPHENE_RECT_INIT (round (x), round (y), w, h);
  gsk_rounded_rect_init_from_rect (&box, &rect, 6);
  gtk_snapshot_append_outset_shadow (snapshot, &box, &colors->shadow, 0, 1, 0, 5);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &colors->callout_bg, &rect);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &box, (float[4]) { 1, 1, 1, 1 },
                              (GdkRGBA[4]) { colors->callout_border, colors->callout_border,
                                             colors->callout_border, colors->callout_border });
  chevet_snapshot_append_layout_at (snapshot, layout, rect.origin.x + 10, rect.origin.y + 6, &colors->callout_fg);
}

static void
draw_focus (ChevetTrendPlot *self,
            GtkSnapshot     *snapshot,
            const Colors    *colors,
            int              width,
            int              height)
{
  GskRoundedRect ring;

  if (!gtk_widget_has_visible_focus (GTK_WIDGET (self)))
    return;
  /* Around the plot, not over its title and labels, which reach its edges. */
  gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (-4, -4, width + 8, height + 8), 10);
  gtk_snapshot_append_border (snapshot, &ring, (float[4]) { 2, 2, 2, 2 },
                              (GdkRGBA[4]) { colors->focus, colors->focus, colors->focus, colors->focus });
}

static void
chevet_trend_plot_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  ChevetTrendPlot *self = CHEVET_TREND_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  const graphene_rect_t *plot;
  double bottom, right;
  Colors colors;
  cairo_t *cr;
  Frame *f;

  f = ensure_frame (self);
  if (f == NULL)
    return;
  get_colors (self, &colors);

  if (f->title != NULL)
    chevet_snapshot_append_layout_at (snapshot, f->title, f->title_pos.x, f->title_pos.y, &colors.dim);

  if (f->empty != NULL)
    {
      chevet_snapshot_append_layout_at (snapshot, f->empty, (width - layout_width (f->empty)) / 2.0,
                                        (height - layout_height (f->empty)) / 2.0, &colors.dim);
      draw_focus (self, snapshot, &colors, width, height);
      return;
    }

  plot = &f->plot;
  bottom = plot->origin.y + plot->size.height;
  right = plot->origin.x + plot->size.width;

  /* Reference band, under everything. */
  if (self->has_low || self->has_high)
    {
      double top = self->has_high ? MAX (plot->origin.y, y_for_value (f, self->high)) : plot->origin.y;
      double base = self->has_low ? MIN (bottom, y_for_value (f, self->low)) : bottom;

      if (base > top)
        gtk_snapshot_append_color (snapshot, &colors.band,
                                   &GRAPHENE_RECT_INIT (plot->origin.x, top, plot->size.width, base - top));
    }

  /* Value grid and labels; the lowest line is the date axis. */
  for (guint i = 0; i < f->n_vticks; i++)
    {
      double y = floor (y_for_value (f, f->vticks[i]));

      if (i > 0)
        gtk_snapshot_append_color (snapshot, &colors.grid,
                                   &GRAPHENE_RECT_INIT (plot->origin.x, y, plot->size.width, 1));
      chevet_snapshot_append_layout_at (snapshot, f->vlabels[i], plot->origin.x - 8 - layout_width (f->vlabels[i]),
                                        y + 0.5 - layout_height (f->vlabels[i]) / 2.0, &colors.dim);
    }
  gtk_snapshot_append_color (snapshot, &colors.axis,
                             &GRAPHENE_RECT_INIT (plot->origin.x, floor (bottom), plot->size.width, 1));

  /* Date ticks, labels kept inside the widget. */
  for (guint i = 0; i < f->n_tticks; i++)
    {
      double x = floor (x_for_time (f, f->tticks[i]));
      double lw = layout_width (f->tlabels[i]);
      double lx = CLAMP (x + 0.5 - lw / 2, 0, MAX (0, width - lw));

      gtk_snapshot_append_color (snapshot, &colors.axis, &GRAPHENE_RECT_INIT (x, floor (bottom) + 1, 1, 4));
      chevet_snapshot_append_layout_at (snapshot, f->tlabels[i], lx, floor (bottom) + 1 + 4 + 2, &colors.dim);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  draw_legend (self, snapshot, cr, f, &colors);

  /* Dashed edges of the band, so that it reads without colour too. */
  if (self->has_low || self->has_high)
    {
      cairo_save (cr);
      cairo_set_dash (cr, (double[2]) { 4, 3 }, 2, 0);
      cairo_set_line_width (cr, 1);
      gdk_cairo_set_source_rgba (cr, &colors.band_edge);
      if (self->has_high && y_for_value (f, self->high) >= plot->origin.y)
        {
          cairo_move_to (cr, plot->origin.x, floor (y_for_value (f, self->high)) + 0.5);
          cairo_line_to (cr, right, floor (y_for_value (f, self->high)) + 0.5);
        }
      if (self->has_low && y_for_value (f, self->low) <= bottom)
        {
          cairo_move_to (cr, plot->origin.x, floor (y_for_value (f, self->low)) + 0.5);
          cairo_line_to (cr, right, floor (y_for_value (f, self->low)) + 0.5);
        }
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* The selection's guide, under the lines. */
  if (self->selected >= 0)
    {
      double x = floor (x_for_time (f, point_at (self, self->selected)->time)) + 0.5;

      cairo_set_line_width (cr, 1);
      gdk_cairo_set_source_rgba (cr, &colors.axis);
      cairo_move_to (cr, x, plot->origin.y);
      cairo_line_to (cr, x, bottom);
      cairo_stroke (cr);
    }

  cairo_rectangle (cr, plot->origin.x, 0, plot->size.width, height);
  cairo_clip (cr);
  for (guint k = self->n_series; k > 0; k--)
    draw_series (self, cr, f, &colors, k - 1);

  if (self->selected >= 0)
    {
      const Point *p = point_at (self, self->selected);
      double x = x_for_time (f, p->time);
      double top_y = G_MAXDOUBLE;

      for (guint k = 0; k < self->n_series; k++)
        {
          GdkRGBA halo;
          double y;

          if (!p->has[k])
            continue;
          y = y_for_value (f, p->value[k]);
          top_y = MIN (top_y, y);
          mix_alpha (&halo, marker_color (&colors, p, k), 0.25);
          gdk_cairo_set_source_rgba (cr, &halo);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, ALARM_RADIUS + 5, 0, 2 * G_PI);
          cairo_fill (cr);
          draw_marker (cr, p, k, x, y, &colors, 1.5);
        }
      cairo_destroy (cr);
      draw_callout (self, snapshot, f, &colors, p, x, top_y);
    }
  else
    cairo_destroy (cr);

  draw_focus (self, snapshot, &colors, width, height);
}

/* Selection */

static void
set_selected_internal (ChevetTrendPlot *self,
                       int              index)
{
  if (self->selected == index)
    return;
  self->selected = index;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

static void
move_selection (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChevetTrendPlot *self = CHEVET_TREND_PLOT (widget);
  int n = self->points->len;
  int current = self->selected;
  int target;

  if (n == 0)
    return;
  if (g_str_equal (action_name, "plot.first"))
    target = 0;
  else if (g_str_equal (action_name, "plot.last"))
    target = n - 1;
  else if (g_str_equal (action_name, "plot.next"))
    target = current < 0 ? 0 : MIN (current + 1, n - 1);
  else
    target = current < 0 ? n - 1 : MAX (current - 1, 0);
  set_selected_internal (self, target);
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           ChevetTrendPlot          *self)
{
  self->hovering = TRUE;
  set_selected_internal (self, chevet_trend_plot_pick (self, x, y));
}

static void
on_leave (GtkEventControllerMotion *motion,
          ChevetTrendPlot          *self)
{
  self->hovering = FALSE;
  /* Someone using the keyboard keeps the selection, for the keys to move on from. */
  if (!gtk_widget_has_visible_focus (GTK_WIDGET (self)))
    set_selected_internal (self, -1);
}

static void
on_pressed (GtkGestureClick *click,
            int              n_press,
            double           x,
            double           y,
            ChevetTrendPlot *self)
{
  set_selected_internal (self, chevet_trend_plot_pick (self, x, y));
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
chevet_trend_plot_state_flags_changed (GtkWidget     *widget,
                                       GtkStateFlags  previous)
{
  ChevetTrendPlot *self = CHEVET_TREND_PLOT (widget);
  GtkStateFlags now = gtk_widget_get_state_flags (widget);
  GtkStateFlags changed = now ^ previous;

  GTK_WIDGET_CLASS (chevet_trend_plot_parent_class)->state_flags_changed (widget, previous);

  if (changed & (GTK_STATE_FLAG_FOCUSED | GTK_STATE_FLAG_FOCUS_VISIBLE))
    {
      /* Reaching the plot with the keyboard shows the latest value. */
      if ((now & GTK_STATE_FLAG_FOCUS_VISIBLE) && (now & GTK_STATE_FLAG_FOCUSED)
          && self->selected < 0 && self->points->len > 0)
        set_selected_internal (self, self->points->len - 1);
      else if (!(now & GTK_STATE_FLAG_FOCUSED) && !self->hovering)
        set_selected_internal (self, -1);
      gtk_widget_queue_draw (widget);
    }
}

/* GtkWidget */

static void
chevet_trend_plot_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 400;
    }
  else
    {
      *minimum = 160;
      *natural = 220;
    }
}

static void
chevet_trend_plot_css_changed (GtkWidget         *widget,
                               GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (chevet_trend_plot_parent_class)->css_changed (widget, change);
  /* Fonts may have changed: labels are measured again. */
  invalidate_frame (CHEVET_TREND_PLOT (widget));
  gtk_widget_queue_draw (widget);
}

static void
chevet_trend_plot_system_setting_changed (GtkWidget         *widget,
                                          GtkSystemSetting   setting)
{
  GTK_WIDGET_CLASS (chevet_trend_plot_parent_class)->system_setting_changed (widget, setting);
  invalidate_frame (CHEVET_TREND_PLOT (widget));
  gtk_widget_queue_draw (widget);
}

/* GObject */

static void
chevet_trend_plot_finalize (GObject *object)
{
  ChevetTrendPlot *self = (ChevetTrendPlot *) object;

  invalidate_frame (self);
  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->unit, g_free);
  g_clear_pointer (&self->summary, g_free);
  for (guint k = 0; k < MAX_SERIES; k++)
    g_clear_pointer (&self->series_names[k], g_free);
  G_OBJECT_CLASS (chevet_trend_plot_parent_class)->finalize (object);
}

static void
chevet_trend_plot_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChevetTrendPlot *self = CHEVET_TREND_PLOT (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_int (value, self->selected);
      break;
    case PROP_N_POINTS:
      g_value_set_uint (value, self->points->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_trend_plot_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ChevetTrendPlot *self = CHEVET_TREND_PLOT (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      chevet_trend_plot_set_selected (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_trend_plot_class_init (ChevetTrendPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const struct
  {
    const char *action;
    guint       keys[2];
  } bindings[] = {
    { "plot.next", { GDK_KEY_Right, GDK_KEY_KP_Right } },
    { "plot.previous", { GDK_KEY_Left, GDK_KEY_KP_Left } },
    { "plot.first", { GDK_KEY_Home, GDK_KEY_KP_Home } },
    { "plot.last", { GDK_KEY_End, GDK_KEY_KP_End } },
  };

  object_class->finalize = chevet_trend_plot_finalize;
  object_class->get_property = chevet_trend_plot_get_property;
  object_class->set_property = chevet_trend_plot_set_property;

  widget_class->snapshot = chevet_trend_plot_snapshot;
  widget_class->measure = chevet_trend_plot_measure;
  widget_class->css_changed = chevet_trend_plot_css_changed;
  widget_class->system_setting_changed = chevet_trend_plot_system_setting_changed;
  widget_class->state_flags_changed = chevet_trend_plot_state_flags_changed;

  properties[PROP_SELECTED] =
    g_param_spec_int ("selected", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_POINTS] =
    g_param_spec_uint ("n-points", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    {
      gtk_widget_class_install_action (widget_class, bindings[i].action, NULL, move_selection);
      for (guint j = 0; j < G_N_ELEMENTS (bindings[i].keys); j++)
        gtk_widget_class_add_binding_action (widget_class, bindings[i].keys[j], 0, bindings[i].action, NULL);
    }

  gtk_widget_class_set_css_name (widget_class, "trendplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
update_actions (ChevetTrendPlot *self)
{
  gboolean enabled = self->points->len > 0;

  /* Empty, the arrow keys move the focus on as they do elsewhere. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plot.next", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plot.previous", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plot.first", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plot.last", enabled);
}

static void
chevet_trend_plot_init (ChevetTrendPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->selected = -1;
  self->points = g_array_new (FALSE, TRUE, sizeof (Point));

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  update_actions (self);
  update_summary (self);
  update_accessible (self);
}

/* Public */

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
  g_autoptr(GPtrArray) old = NULL;
  guint n_before;

  g_return_if_fail (CHEVET_IS_TREND_PLOT (self));

  n_before = self->points->len;
  /* The same array may come again: reference it before letting the old one go. */
  old = g_steal_pointer (&self->series);
  self->series = series != NULL ? g_ptr_array_ref (series) : NULL;
  g_free (self->title);
  self->title = g_strdup (title);
  g_free (self->unit);
  self->unit = g_strdup (unit);

  g_object_freeze_notify (G_OBJECT (self));
  /* Indexes into the old points mean nothing now. */
  if (self->selected != -1)
    {
      self->selected = -1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
    }
  rebuild_points (self);
  update_summary (self);
  invalidate_frame (self);
  update_actions (self);
  update_accessible (self);
  if (n_before != self->points->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_POINTS]);
  g_object_thaw_notify (G_OBJECT (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
chevet_trend_plot_get_n_points (ChevetTrendPlot *self)
{
  g_return_val_if_fail (CHEVET_IS_TREND_PLOT (self), 0);

  return self->points->len;
}

int
chevet_trend_plot_get_selected (ChevetTrendPlot *self)
{
  g_return_val_if_fail (CHEVET_IS_TREND_PLOT (self), -1);

  return self->selected;
}

void
chevet_trend_plot_set_selected (ChevetTrendPlot *self,
                                int              index)
{
  g_return_if_fail (CHEVET_IS_TREND_PLOT (self));
  g_return_if_fail (index >= -1 && index < (int) self->points->len);

  set_selected_internal (self, index);
}

guint
chevet_trend_plot_get_n_series (ChevetTrendPlot *self)
{
  g_return_val_if_fail (CHEVET_IS_TREND_PLOT (self), 0);

  return self->n_series;
}

char *
chevet_trend_plot_dup_accessible_label (ChevetTrendPlot *self)
{
  const Point *p;
  g_autofree char *value = NULL;
  g_autofree char *date = NULL;
  const char *alarm;

  g_return_val_if_fail (CHEVET_IS_TREND_PLOT (self), NULL);

  if (self->selected < 0)
    return g_strdup (self->summary);
  p = point_at (self, self->selected);
  value = format_point_value (self, p);
  date = format_point_date (p);
  alarm = alarm_label (point_alarm (p));
  if (alarm != NULL)
    /* Translators: the summary, then “Selected: 150 kg (High) on 12 May 2024” */
    return g_strdup_printf (_("%s. Selected: %s (%s) on %s"), self->summary, value, alarm, date);
  /* Translators: the summary, then “Selected: 72.5 kg on 12 May 2024” */
  return g_strdup_printf (_("%s. Selected: %s on %s"), self->summary, value, date);
}

int
chevet_trend_plot_pick (ChevetTrendPlot *self,
                        double           x,
                        double           y)
{
  Frame *f;
  guint n, lo, hi, best;
  double t, best_dy = G_MAXDOUBLE;
  gint64 best_time;
  guint start;

  g_return_val_if_fail (CHEVET_IS_TREND_PLOT (self), -1);

  n = self->points->len;
  f = ensure_frame (self);
  if (n == 0 || f == NULL)
    return -1;

  /* The first point at or after the date under the pointer, then the nearer of it
   * and the one before. */
  t = f->t0 + (x - f->x_first) / (f->x_last - f->x_first) * (double) (f->t1 - f->t0);
  lo = 0;
  hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if ((double) point_at (self, mid)->time < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == n)
    best = n - 1;
  else if (lo > 0 && t - point_at (self, lo - 1)->time < point_at (self, lo)->time - t)
    best = lo - 1;
  else
    best = lo;

  /* Several values on one date: the one nearest the pointer vertically. */
  best_time = point_at (self, best)->time;
  for (start = best; start > 0 && point_at (self, start - 1)->time == best_time; start--)
    ;
  for (guint i = start; i < n && point_at (self, i)->time == best_time; i++)
    {
      const Point *p = point_at (self, i);

      for (guint k = 0; k < MAX_SERIES; k++)
        {
          double dy;

          if (!p->has[k])
            continue;
          dy = fabs (y_for_value (f, p->value[k]) - y);
          if (dy < best_dy)
            {
              best_dy = dy;
              best = i;
            }
        }
    }
  return best;
}

gboolean
chevet_trend_plot_get_point (ChevetTrendPlot  *self,
                             guint             index,
                             guint             series,
                             graphene_point_t *position,
                             GdkRGBA          *color)
{
  const Point *p;
  Frame *f;

  g_return_val_if_fail (CHEVET_IS_TREND_PLOT (self), FALSE);

  if (index >= self->points->len || series >= self->n_series)
    return FALSE;
  p = point_at (self, index);
  f = ensure_frame (self);
  if (!p->has[series] || f == NULL)
    return FALSE;
  if (position != NULL)
    *position = GRAPHENE_POINT_INIT (x_for_time (f, p->time), y_for_value (f, p->value[series]));
  if (color != NULL)
    {
      Colors colors;

      get_colors (self, &colors);
      *color = *marker_color (&colors, p, series);
    }
  return TRUE;
}
