/* test-plot.c: the trend plot draws a readable trend and can be read without a mouse
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test puts a plot with a series built here in a window, waits for it to be
 * drawn, renders the widget to a texture and looks at its pixels: the plot paints on a
 * transparent background, so a painted pixel is one with some alpha. Waits iterate
 * the main loop until a frame was painted, with a deadline, and never sleep.
 *
 * With CHEVET_PLOT_PNG_DIR=DIR, the tests also save what they drew there (plot-bp.png,
 * plot-5000.png, ...) on the window's background, to look at.
 */
#define G_LOG_DOMAIN "test-plot"

#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-trend-plot.h"

#define WAIT_SECONDS 20

#include "display-test-util.h"
#define WIDTH        640
#define HEIGHT       280

typedef struct
{
  GtkWindow       *window;
  ChevetTrendPlot *plot;
  guint            frames;
  gulong           after_paint;
  gint64           paint_start;
  gint64           last_frame_usec;
} Fixture;

typedef struct
{
  int     width;
  int     height;
  gsize   stride;
  guchar *data;     /* B8G8R8A8, premultiplied: GDK_MEMORY_DEFAULT */
} Image;

/* Waiting */

static void
on_before_paint (GdkFrameClock *clock,
           Fixture       *f)
{
  f->paint_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Fixture       *f)
{
  /* From the start of the frame to painted: the plot's snapshot and the window's rendering. */
  f->last_frame_usec = g_get_monotonic_time () - f->paint_start;
  f->frames++;
}

/* Redraws the plot and waits until that frame is on screen, so that its render node,
 * which the widget paintable shows, is the new one. */
static void
wait_for_frame (Fixture *f)
{
  guint before = f->frames;

  gtk_widget_queue_draw (GTK_WIDGET (f->plot));
  WAIT_UNTIL (f->frames > before);
}

/* Series */

static ChevetChartItem *
item_new (const char *date,
          double      value,
          const char *unit)
{
  ChevetChartItem *item = chevet_chart_item_new ();

  item->type = g_strdup ("Observation");
  item->date = g_strdup (date);
  item->number = value;
  item->has_number = TRUE;
  item->unit = g_strdup (unit);
  return item;
}

static char *
date_plus_days (int days)
{
  g_autoptr(GDateTime) start = g_date_time_new_utc (2019, 1, 3, 0, 0, 0);
  g_autoptr(GDateTime) dt = g_date_time_add_days (start, days);

  return g_date_time_format (dt, "%Y-%m-%d");
}

/* Body weight every two months from 3 Jan 2019, the last one 72.5 kg. */
static GPtrArray *
weight_series (guint n)
{
  GPtrArray *series = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *date = date_plus_days (i * 61);
      double value = i + 1 == n ? 72.5 : 76 - 4.0 * i / n + 1.5 * sin (i * 0.9);

      g_ptr_array_add (series, item_new (date, round (value * 10) / 10, "kg"));
    }
  return series;
}

static ChevetChartItem *
component_new (const char *code,
               double      value,
               double      low,
               double      high)
{
  ChevetChartItem *c = item_new (NULL, value, "mm[Hg]");

  c->code = g_strdup (code);
  c->low = low;
  c->has_low = TRUE;
  c->high = high;
  c->has_high = TRUE;
  return c;
}

/* Blood pressure, systolic then diastolic as components, the 7th one high. */
static GPtrArray *
bp_series (guint n)
{
  GPtrArray *series = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *date = date_plus_days (i * 23);
      ChevetChartItem *item = chevet_chart_item_new ();
      double sys = i == 6 ? 162 : 122 + 10 * sin (i * 1.3);
      double dia = i == 6 ? 98 : 78 + 6 * sin (i * 1.1);

      item->type = g_strdup ("Observation");
      item->code = g_strdup ("85354-9");
      item->date = g_strdup (date);
      item->components = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
      g_ptr_array_add (item->components, component_new ("8480-6", round (sys), 90, 140));
      g_ptr_array_add (item->components, component_new ("8462-4", round (dia), 60, 90));
      g_ptr_array_add (series, item);
    }
  return series;
}

/* Glucose every two hours for 5,000 readings, some out of 3.9–7.8 mmol/L. */
static GPtrArray *
dense_series (guint n)
{
  GPtrArray *series = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1, 1, 6, 0, 0);
  GRand *rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GDateTime) dt = g_date_time_add_hours (start, 2 * i);
      g_autofree char *date = g_date_time_format_iso8601 (dt);
      double value = 6.2 + 1.6 * sin (i * 0.02) + g_rand_double_range (rand, -1.4, 1.4);
      ChevetChartItem *item = item_new (date, round (value * 10) / 10, "mmol/L");

      item->low = 3.9;
      item->has_low = TRUE;
      item->high = 7.8;
      item->has_high = TRUE;
      g_ptr_array_add (series, item);
    }
  g_rand_free (rand);
  return series;
}

/* Fixture */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  GdkFrameClock *clock;

  f->window = g_object_ref (GTK_WINDOW (gtk_window_new ()));
  f->plot = g_object_ref_sink (CHEVET_TREND_PLOT (chevet_trend_plot_new ()));
  gtk_widget_set_margin_start (GTK_WIDGET (f->plot), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (f->plot), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (f->plot), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (f->plot), 12);
  gtk_window_set_child (f->window, GTK_WIDGET (f->plot));
  /* @data: the plot's size when not the usual one. */
  if (data != NULL)
    gtk_window_set_default_size (f->window, ((const int *) data)[0] + 24, ((const int *) data)[1] + 24);
  else
    gtk_window_set_default_size (f->window, WIDTH, HEIGHT);
  gtk_window_present (f->window);

  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->plot)) && gtk_widget_get_width (GTK_WIDGET (f->plot)) > 0);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), f);
  f->after_paint = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), f);
  wait_for_frame (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));

  g_signal_handlers_disconnect_by_data (clock, f);
  gtk_window_destroy (f->window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (f->window);
  /* Its series goes with it. */
  g_assert_finalize_object (f->plot);
}

static void
set_series (Fixture    *f,
            GPtrArray  *series,
            const char *title,
            const char *unit)
{
  chevet_trend_plot_set_series (f->plot, series, title, unit);
  g_ptr_array_unref (series);
  /* The pointer may rest over the window: tests choose the selection. */
  chevet_trend_plot_set_selected (f->plot, -1);
  wait_for_frame (f);
}

/* Pixels */

static void
image_clear (Image *image)
{
  g_clear_pointer (&image->data, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Image, image_clear)

static GdkTexture *
render_texture (GtkWidget     *widget,
                const GdkRGBA *background,
                int            padding)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (background != NULL)
    gtk_snapshot_append_color (snapshot, background,
                               &GRAPHENE_RECT_INIT (0, 0, width + 2 * padding, height + 2 * padding));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (padding, padding));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0, width + 2 * padding, height + 2 * padding));
}

static void
render (Fixture *f,
        Image   *image)
{
  g_autoptr(GdkTexture) texture = render_texture (GTK_WIDGET (f->plot), NULL, 0);

  image->width = gdk_texture_get_width (texture);
  image->height = gdk_texture_get_height (texture);
  image->stride = image->width * 4;
  image->data = g_malloc (image->stride * image->height);
  gdk_texture_download (texture, image->data, image->stride);
}

static void
pixel (const Image *image,
       int          x,
       int          y,
       GdkRGBA     *out)
{
  const guchar *p = image->data + y * image->stride + x * 4;
  double a = p[3] / 255.0;

  *out = (GdkRGBA) { 0, 0, 0, a };
  if (a > 0)
    {
      out->red = p[2] / 255.0 / a;
      out->green = p[1] / 255.0 / a;
      out->blue = p[0] / 255.0 / a;
    }
}

static gboolean
same_color (const GdkRGBA *a,
            const GdkRGBA *b)
{
  const double tolerance = 10 / 255.0;

  return a->alpha > 0.97 && fabs (a->red - b->red) <= tolerance
         && fabs (a->green - b->green) <= tolerance && fabs (a->blue - b->blue) <= tolerance;
}

/* Pixels with some paint: the plot has no background of its own. */
static guint
count_painted (const Image *image)
{
  guint n = 0;

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      n += image->data[y * image->stride + x * 4 + 3] != 0;
  return n;
}

static guint
count_color (const Image   *image,
             const GdkRGBA *color)
{
  guint n = 0;

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        GdkRGBA c;

        pixel (image, x, y, &c);
        n += same_color (&c, color);
      }
  return n;
}

/* Whether a pixel of @color lies within @radius of (@cx, @cy). */
static gboolean
color_near (const Image            *image,
            const graphene_point_t *center,
            int                     radius,
            const GdkRGBA          *color)
{
  for (int y = MAX (0, (int) center->y - radius); y <= MIN (image->height - 1, (int) center->y + radius); y++)
    for (int x = MAX (0, (int) center->x - radius); x <= MIN (image->width - 1, (int) center->x + radius); x++)
      {
        GdkRGBA c;

        pixel (image, x, y, &c);
        if (same_color (&c, color))
          return TRUE;
      }
  return FALSE;
}

static void
save_png_when_asked (Fixture    *f,
                     const char *name)
{
  const char *dir = g_getenv ("CHEVET_PLOT_PNG_DIR");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkRGBA background;

  if (dir == NULL)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (f->window)),
                                       "window_bg_color", &background))
    gdk_rgba_parse (&background, "#fafafa");
  G_GNUC_END_IGNORE_DEPRECATIONS
  texture = render_texture (GTK_WIDGET (f->plot), &background, 12);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("saved %s", path);
}

static gboolean
contains (const char *haystack,
          const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  g_test_message ("“%s” does not contain “%s”", haystack, needle);
  return FALSE;
}

static void
assert_accessible_label_is_current (ChevetTrendPlot *plot)
{
  g_autofree char *label = chevet_trend_plot_dup_accessible_label (plot);
  g_autofree char *mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (plot),
                                                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label);

  g_assert_cmpstr (mismatch, ==, NULL);
}

/* Tests */

static guint
painted_when_empty (Fixture *f)
{
  g_auto(Image) image = { 0 };

  set_series (f, g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free),
              "Body weight", "kg");
  render (f, &image);
  return count_painted (&image);
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *label = NULL;
  guint painted;

  painted = painted_when_empty (f);
  g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 0);
  /* The title and “No values to plot”: something, but little. */
  g_assert_cmpuint (painted, >, 50);
  g_assert_cmpuint (painted, <, 4000);

  gtk_widget_activate_action (GTK_WIDGET (f->plot), "plot.last", NULL);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, -1);
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, 100, 100), ==, -1);

  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "no values"));
  assert_accessible_label_is_current (f->plot);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (f->plot), GTK_ACCESSIBLE_ROLE_IMG);
  save_png_when_asked (f, "plot-empty.png");

  /* Items without a value are not points. */
  {
    GPtrArray *series = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
    ChevetChartItem *text_only = chevet_chart_item_new ();

    text_only->date = g_strdup ("2024-03-01");
    text_only->value = g_strdup ("positive");
    g_ptr_array_add (series, text_only);
    set_series (f, series, "Culture", NULL);
    g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 0);
  }

  chevet_trend_plot_set_series (f->plot, NULL, NULL, NULL);
  g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 0);
}

static void
test_weight (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Image) image = { 0 };
  g_autofree char *label = NULL;
  guint empty, painted;
  GdkRGBA color;

  empty = painted_when_empty (f);

  set_series (f, weight_series (30), "Body weight", "kg");
  g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 30);
  g_assert_cmpuint (chevet_trend_plot_get_n_series (f->plot), ==, 1);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, -1);

  render (f, &image);
  painted = count_painted (&image);
  g_test_message ("painted pixels: %u empty, %u with 30 values", empty, painted);
  g_assert_cmpuint (painted, >, 3 * empty);

  /* Every point has a marker where the plot says it is, inside the plot. */
  for (guint i = 0; i < 30; i++)
    {
      graphene_point_t at;

      g_assert_true (chevet_trend_plot_get_point (f->plot, i, 0, &at, &color));
      g_assert_cmpfloat (at.x, >, 0);
      g_assert_cmpfloat (at.x, <, image.width);
      g_assert_cmpfloat (at.y, >, 0);
      g_assert_cmpfloat (at.y, <, image.height);
      g_assert_true (color_near (&image, &at, 1, &color));
    }
  g_assert_false (chevet_trend_plot_get_point (f->plot, 30, 0, NULL, NULL));
  g_assert_false (chevet_trend_plot_get_point (f->plot, 0, 1, NULL, NULL));

  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "Body weight, 30 values from 3 Jan 2019 to "));
  g_assert_true (contains (label, "latest 72.5 kg"));
  assert_accessible_label_is_current (f->plot);
  save_png_when_asked (f, "plot-weight.png");
}

static void
test_blood_pressure (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Image) image = { 0 };
  GdkRGBA systolic, diastolic, alarm;
  guint n_systolic, n_diastolic;
  g_autofree char *label = NULL;

  set_series (f, bp_series (24), "Blood pressure", "mmHg");
  g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 24);
  g_assert_cmpuint (chevet_trend_plot_get_n_series (f->plot), ==, 2);
  render (f, &image);

  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, NULL, &systolic));
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 1, NULL, &diastolic));
  g_assert_false (gdk_rgba_equal (&systolic, &diastolic));

  /* Both series are drawn, each in its colour, every marker where it should be; the
   * systolic one above the diastolic one. */
  n_systolic = count_color (&image, &systolic);
  n_diastolic = count_color (&image, &diastolic);
  g_test_message ("systolic pixels %u, diastolic pixels %u", n_systolic, n_diastolic);
  g_assert_cmpuint (n_systolic, >, 200);
  g_assert_cmpuint (n_diastolic, >, 200);
  for (guint i = 0; i < 24; i++)
    {
      graphene_point_t s, d;
      GdkRGBA cs, cd;

      g_assert_true (chevet_trend_plot_get_point (f->plot, i, 0, &s, &cs));
      g_assert_true (chevet_trend_plot_get_point (f->plot, i, 1, &d, &cd));
      g_assert_cmpfloat (s.y, <, d.y);
      g_assert_true (color_near (&image, &s, 1, &cs));
      g_assert_true (color_near (&image, &d, 1, &cd));
    }

  /* The 7th reading, 162/98, is high on both. */
  g_assert_true (chevet_trend_plot_get_point (f->plot, 6, 0, NULL, &alarm));
  g_assert_false (gdk_rgba_equal (&alarm, &systolic));
  g_assert_false (gdk_rgba_equal (&alarm, &diastolic));

  chevet_trend_plot_set_selected (f->plot, 6);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "Selected: 162/98 mmHg (High) on "));
  assert_accessible_label_is_current (f->plot);

  chevet_trend_plot_set_selected (f->plot, -1);
  wait_for_frame (f);
  save_png_when_asked (f, "plot-bp.png");
}

static void
test_dense (Fixture       *f,
            gconstpointer  data)
{
  g_auto(Image) image = { 0 };
  gint64 start, elapsed;
  graphene_point_t first, last;
  guint painted, line;
  GdkRGBA color;

  start = g_get_monotonic_time ();
  set_series (f, dense_series (5000), "Glucose", "mmol/L");
  g_test_message ("set_series and first frame: %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
  g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 5000);

  /* A sanity bound, not a benchmark: the worst of a few frames. */
  elapsed = 0;
  for (guint i = 0; i < 5; i++)
    {
      wait_for_frame (f);
      elapsed = MAX (elapsed, f->last_frame_usec);
    }
  g_test_message ("5,000 points: slowest frame %" G_GINT64_FORMAT " µs", elapsed);
  g_assert_cmpint (elapsed, <, 200 * 1000);

  start = g_get_monotonic_time ();
  render (f, &image);
  g_test_message ("render to texture: %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
  painted = count_painted (&image);
  g_assert_cmpuint (painted, >, 5000);
  /* Not a blot either: one line of full colour across the plot (the trend), the rest
   * translucent. */
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, NULL, &color));
  line = count_color (&image, &color);
  g_test_message ("painted %u pixels, %u of the line's colour", painted, line);
  g_assert_cmpuint (line, >, image.width / 2);
  g_assert_cmpuint (line, <, image.width * image.height / 10);

  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, &first, NULL));
  g_assert_true (chevet_trend_plot_get_point (f->plot, 4999, 0, &last, NULL));
  g_assert_cmpfloat (last.x - first.x, >, image.width / 2);

  /* Hovering and the keys still reach any point. */
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, last.x + 50, 0), ==, 4999);
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, first.x - 50, 0), ==, 0);
  save_png_when_asked (f, "plot-5000.png");
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static gboolean
has_binding (GtkWidget  *widget,
             const char *trigger,
             const char *action)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autofree char *wanted = g_strdup_printf ("action(%s)", action);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *t = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          g_autofree char *a = gtk_shortcut_action_to_string (gtk_shortcut_get_action (shortcut));

          if (g_strcmp0 (t, trigger) == 0 && g_strcmp0 (a, wanted) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *plot = GTK_WIDGET (f->plot);
  g_auto(Image) before = { 0 };
  g_auto(Image) after = { 0 };
  g_autofree char *label = NULL;
  guint notified = 0;

  set_series (f, weight_series (24), "Body weight", "kg");
  g_signal_connect (plot, "notify::selected", G_CALLBACK (count_notify), &notified);

  g_assert_true (gtk_widget_get_focusable (plot));
  g_assert_true (has_binding (plot, "Right", "plot.next"));
  g_assert_true (has_binding (plot, "Left", "plot.previous"));
  g_assert_true (has_binding (plot, "Home", "plot.first"));
  g_assert_true (has_binding (plot, "End", "plot.last"));
  g_assert_true (gtk_widget_grab_focus (plot));
  g_assert_true (gtk_widget_is_focus (plot));
  /* A click gives the focus too, and selects what it clicked, not the latest. */
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, -1);
  render (f, &before);

  g_assert_true (gtk_widget_activate_action (plot, "plot.last", NULL));
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 23);
  g_assert_cmpuint (notified, ==, 1);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "Body weight, 24 values from 3 Jan 2019 to "));
  g_assert_true (contains (label, ". Selected: 72.5 kg on "));
  assert_accessible_label_is_current (f->plot);

  /* The selection shows: a halo and a callout. */
  wait_for_frame (f);
  render (f, &after);
  g_assert_cmpuint (count_painted (&after), >, count_painted (&before) + 500);
  save_png_when_asked (f, "plot-selected.png");

  /* At the end, on stays put. */
  g_assert_true (gtk_widget_activate_action (plot, "plot.next", NULL));
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 23);
  g_assert_cmpuint (notified, ==, 1);
  gtk_widget_activate_action (plot, "plot.previous", NULL);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 22);
  gtk_widget_activate_action (plot, "plot.first", NULL);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 0);
  gtk_widget_activate_action (plot, "plot.previous", NULL);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 0);
  gtk_widget_activate_action (plot, "plot.next", NULL);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 1);
  g_assert_cmpuint (notified, ==, 4);

  g_clear_pointer (&label, g_free);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, " on 5 Mar 2019"));
  assert_accessible_label_is_current (f->plot);

  /* New values, no selection. */
  set_series (f, weight_series (3), "Body weight", "kg");
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, -1);
  g_assert_cmpuint (notified, ==, 5);
}

/* Reaching the plot with the keyboard (Tab: the focus becomes visible) shows the
 * latest value at once, and the focus ring. */
static void
test_keyboard_focus (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *plot = GTK_WIDGET (f->plot);
  g_autofree char *label = NULL;

  set_series (f, weight_series (24), "Body weight", "kg");
  gtk_window_set_focus_visible (f->window, TRUE);
  g_assert_true (gtk_widget_grab_focus (plot));
  WAIT_UNTIL (gtk_widget_has_visible_focus (plot));
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, 23);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "Selected: 72.5 kg on "));
  assert_accessible_label_is_current (f->plot);
  wait_for_frame (f);
  save_png_when_asked (f, "plot-focus.png");

  /* Leaving with the keyboard leaves no callout behind. */
  gtk_window_set_focus (f->window, NULL);
  g_assert_cmpint (chevet_trend_plot_get_selected (f->plot), ==, -1);
}

static void
test_alarm (Fixture       *f,
            gconstpointer  data)
{
  GPtrArray *series = weight_series (12);
  g_auto(Image) image = { 0 };
  GdkRGBA normal, high, flagged;
  graphene_point_t at_high, at_flagged;
  g_autofree char *label = NULL;

  for (guint i = 0; i < series->len; i++)
    {
      ChevetChartItem *item = g_ptr_array_index (series, i);

      item->low = 65;
      item->has_low = TRUE;
      item->high = 80;
      item->has_high = TRUE;
    }
  ((ChevetChartItem *) g_ptr_array_index (series, 5))->number = 88;
  /* Within the range but flagged low by the laboratory: the flag is not ignored... */
  ((ChevetChartItem *) g_ptr_array_index (series, 8))->flag = g_strdup ("L");
  set_series (f, series, "Body weight", "kg");
  render (f, &image);

  g_assert_true (chevet_trend_plot_get_point (f->plot, 4, 0, NULL, &normal));
  g_assert_true (chevet_trend_plot_get_point (f->plot, 5, 0, &at_high, &high));
  g_assert_true (chevet_trend_plot_get_point (f->plot, 8, 0, &at_flagged, &flagged));
  g_assert_false (gdk_rgba_equal (&normal, &high));
  g_assert_true (gdk_rgba_equal (&high, &flagged));
  /* ...red is red: more red than anything else. */
  g_assert_cmpfloat (high.red, >, high.green + 0.3);
  g_assert_cmpfloat (high.red, >, high.blue + 0.3);

  g_assert_true (color_near (&image, &at_high, 1, &high));
  g_assert_true (color_near (&image, &at_flagged, 1, &flagged));
  for (guint i = 0; i < 12; i++)
    {
      graphene_point_t at;
      GdkRGBA color;

      chevet_trend_plot_get_point (f->plot, i, 0, &at, &color);
      g_assert_true (gdk_rgba_equal (&color, i == 5 || i == 8 ? &high : &normal));
      g_assert_true (color_near (&image, &at, 1, &color));
    }
  /* Not colour alone: a high value is a triangle pointing up, wide at its base where a
   * dot would have ended, narrow at the top. */
  g_assert_true (color_near (&image, &GRAPHENE_POINT_INIT (at_high.x - 3, at_high.y + 3), 0, &high));
  g_assert_true (color_near (&image, &GRAPHENE_POINT_INIT (at_high.x + 3, at_high.y + 3), 0, &high));
  g_assert_false (color_near (&image, &GRAPHENE_POINT_INIT (at_high.x + 3, at_high.y - 3), 0, &high));
  g_assert_false (color_near (&image, &GRAPHENE_POINT_INIT (at_high.x - 3, at_high.y - 3), 0, &high));

  chevet_trend_plot_set_selected (f->plot, 5);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "Selected: 88 kg (High) on "));
  wait_for_frame (f);
  save_png_when_asked (f, "plot-alarm.png");
}

static void
test_pick (Fixture       *f,
           gconstpointer  data)
{
  set_series (f, weight_series (30), "Body weight", "kg");

  for (guint i = 0; i < 30; i++)
    {
      graphene_point_t at;

      g_assert_true (chevet_trend_plot_get_point (f->plot, i, 0, &at, NULL));
      g_assert_cmpint (chevet_trend_plot_pick (f->plot, at.x, at.y), ==, i);
      g_assert_cmpint (chevet_trend_plot_pick (f->plot, at.x + 1, 0), ==, i);
    }
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, -100, 0), ==, 0);
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, 10000, 0), ==, 29);
}

static void
test_dates (Fixture       *f,
            gconstpointer  data)
{
  GPtrArray *series = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
  ChevetChartItem *no_value = chevet_chart_item_new ();
  graphene_point_t a, b;
  g_autofree char *label = NULL;

  g_ptr_array_add (series, item_new ("2023", 5.1, "%"));
  g_ptr_array_add (series, item_new ("not a date", 5.5, "%"));
  g_ptr_array_add (series, item_new ("2024-03-01", 5.9, "%"));
  /* 06:00 UTC, so before the next one although written with a later hour. */
  g_ptr_array_add (series, item_new ("2024-03-01T08:00:00+02:00", 6.1, "%"));
  g_ptr_array_add (series, item_new ("2024-03-01T10:15:00Z", 6.4, "%"));
  no_value->date = g_strdup ("2024-03-02");
  g_ptr_array_add (series, no_value);
  g_ptr_array_add (series, item_new ("2024-03-02", 6.8, "%"));
  g_ptr_array_add (series, item_new ("2024-03-02", 7.2, "%"));
  set_series (f, series, "HbA1c", "%");

  g_assert_cmpuint (chevet_trend_plot_get_n_points (f->plot), ==, 6);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "HbA1c, 6 values from 2023 to 2 Mar 2024, latest 7.2 %"));

  chevet_trend_plot_set_selected (f->plot, 3);
  g_clear_pointer (&label, g_free);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_true (contains (label, "Selected: 6.4 % on 1 Mar 2024, 10:15"));

  /* Repeated dates share an x; picking tells them apart by height. */
  g_assert_true (chevet_trend_plot_get_point (f->plot, 4, 0, &a, NULL));
  g_assert_true (chevet_trend_plot_get_point (f->plot, 5, 0, &b, NULL));
  g_assert_cmpfloat (a.x, ==, b.x);
  g_assert_cmpfloat (a.y, >, b.y);
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, a.x, a.y), ==, 4);
  g_assert_cmpint (chevet_trend_plot_pick (f->plot, b.x, b.y), ==, 5);

  /* One value is a plot too. */
  series = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
  g_ptr_array_add (series, item_new ("2024-05-12", 72.5, "kg"));
  set_series (f, series, "Body weight", "kg");
  g_clear_pointer (&label, g_free);
  label = chevet_trend_plot_dup_accessible_label (f->plot);
  g_assert_cmpstr (label, ==, "Body weight, one value on 12 May 2024: 72.5 kg");
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, &a, NULL));
  g_assert_cmpfloat (a.x, >, 100);
  g_assert_cmpfloat (a.x, <, gtk_widget_get_width (GTK_WIDGET (f->plot)) - 100);
}

/* At its natural and its minimum size, with long labels: still a plot, and the
 * legend moves under the title rather than over it. */
static const int natural_size[] = { 400, 220 };
static const int minimum_size[] = { 240, 160 };

static void
test_small (Fixture       *f,
            gconstpointer  data)
{
  const int *size = data;
  g_auto(Image) image = { 0 };
  g_autofree char *name = NULL;
  GdkRGBA systolic, diastolic;

  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->plot)), ==, size[0]);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (f->plot)), ==, size[1]);
  set_series (f, bp_series (24), "Blood pressure", "mmHg");
  render (f, &image);
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, NULL, &systolic));
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 1, NULL, &diastolic));
  g_assert_cmpuint (count_color (&image, &systolic), >, 50);
  g_assert_cmpuint (count_color (&image, &diastolic), >, 50);
  for (guint i = 0; i < 24; i++)
    {
      graphene_point_t at;

      g_assert_true (chevet_trend_plot_get_point (f->plot, i, 0, &at, NULL));
      g_assert_cmpfloat (at.x, >, 0);
      g_assert_cmpfloat (at.x, <, size[0]);
      g_assert_cmpfloat (at.y, >, 0);
      g_assert_cmpfloat (at.y, <, size[1]);
    }
  name = g_strdup_printf ("plot-bp-%dx%d.png", size[0], size[1]);
  save_png_when_asked (f, name);
}

static void
test_dark (Fixture       *f,
           gconstpointer  data)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  g_auto(Image) image = { 0 };
  GdkRGBA light, dark;

  set_series (f, bp_series (24), "Blood pressure", "mmHg");
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, NULL, &light));

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  WAIT_UNTIL (adw_style_manager_get_dark (manager));
  wait_for_frame (f);
  g_assert_true (chevet_trend_plot_get_point (f->plot, 0, 0, NULL, &dark));
  /* Lighter lines on a dark background. */
  g_assert_cmpfloat (dark.red + dark.green + dark.blue, >, light.red + light.green + light.blue);
  render (f, &image);
  g_assert_cmpuint (count_color (&image, &dark), >, 200);
  save_png_when_asked (f, "plot-bp-dark.png");

  chevet_trend_plot_set_selected (f->plot, 6);
  wait_for_frame (f);
  save_png_when_asked (f, "plot-bp-dark-selected.png");

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
  WAIT_UNTIL (!adw_style_manager_get_dark (manager));
}

int
main (int   argc,
      char *argv[])
{
  /* Dates in the tests are read the same wherever the test runs. */
  g_setenv ("TZ", "UTC", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/plot/empty/says-no-values", Fixture, NULL,
              fixture_setup, test_empty, fixture_teardown);
  g_test_add ("/plot/weight/thirty-values-drawn-and-described", Fixture, NULL,
              fixture_setup, test_weight, fixture_teardown);
  g_test_add ("/plot/blood-pressure/systolic-and-diastolic-in-two-colours", Fixture, NULL,
              fixture_setup, test_blood_pressure, fixture_teardown);
  g_test_add ("/plot/dense/five-thousand-values-draw-fast", Fixture, NULL,
              fixture_setup, test_dense, fixture_teardown);
  g_test_add ("/plot/keyboard/keys-move-the-selection-and-it-is-read", Fixture, NULL,
              fixture_setup, test_keyboard, fixture_teardown);
  g_test_add ("/plot/keyboard/focus-shows-the-latest-value", Fixture, NULL,
              fixture_setup, test_keyboard_focus, fixture_teardown);
  g_test_add ("/plot/alarm/out-of-range-and-flagged-in-alarm-colour", Fixture, NULL,
              fixture_setup, test_alarm, fixture_teardown);
  g_test_add ("/plot/pick/nearest-value-by-date", Fixture, NULL,
              fixture_setup, test_pick, fixture_teardown);
  g_test_add ("/plot/dates/dates-times-offsets-and-repeats", Fixture, NULL,
              fixture_setup, test_dates, fixture_teardown);
  g_test_add ("/plot/size/natural", Fixture, natural_size,
              fixture_setup, test_small, fixture_teardown);
  g_test_add ("/plot/size/minimum", Fixture, minimum_size,
              fixture_setup, test_small, fixture_teardown);
  g_test_add ("/plot/dark/readable-on-dark", Fixture, NULL,
              fixture_setup, test_dark, fixture_teardown);

  return g_test_run ();
}
