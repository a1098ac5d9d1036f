/* bench-ui.c: the workstation on 100,000 patients: unlock to list, search as typed,
 * chart to first frame, resident memory
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the real ChevetWindow (run under a display: xvfb-run). Every figure runs from
 * the user's action to the frame that shows its result (the frame clock's after-paint).
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>

#include "bench-heavy.h"
#include "bench-util.h"
#include "chevet-chart-view.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-patients-page.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define SEARCHES 300
#define STEPS 300
#define SCROLLS (STEPS + 50)
#define OPENS 30

static guint frames;
/* When the last frame began, finished its layout, and finished drawing. */
static double frame_begin, frame_layout, frame_paint;

static void
on_before_paint (GdkFrameClock *clock,
                 gpointer       data)
{
  frame_begin = bench_now ();
}

static void
on_layout (GdkFrameClock *clock,
           gpointer       data)
{
  frame_layout = bench_now ();
}

static void
on_paint (GdkFrameClock *clock,
          gpointer       data)
{
  frame_paint = bench_now ();
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  frames++;
}

/* Iterates until @done says so, then until one more frame is painted. */
#define UNTIL_SHOWN(done)                                  \
  G_STMT_START {                                           \
    guint _f;                                              \
    while (!(done))                                        \
      g_main_context_iteration (NULL, TRUE);               \
    _f = frames;                                           \
    while (frames == _f)                                   \
      g_main_context_iteration (NULL, TRUE);               \
  } G_STMT_END

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (p = strstr (status, "VmRSS:")) == NULL)
    return -1;
  return g_ascii_strtod (p + 6, NULL) / 1024;
}

static gpointer
child (gpointer widget, GType type, const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  g_autofree char *ws = g_build_filename (dir, "ws", NULL);
  guint n_patients = argc > 1 ? atoi (argv[1]) : 100000;
  g_autoptr(GString) heavy = bench_heavy_patient_ndjson ("heavy");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(ChevetSession) session = NULL;
  g_autoptr(GPtrArray) sample = NULL;
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ChevetPatient) heavy_patient = NULL;
  g_autofree double *search_ms = g_new (double, SEARCHES);
  g_autofree double *results_ms = g_new (double, SEARCHES);
  g_autofree double *wait_ms = g_new (double, SEARCHES);
  g_autofree double *layout_ms = g_new (double, SEARCHES);
  g_autofree double *paint_ms = g_new (double, SEARCHES);
  g_autofree double *work_ms = g_new (double, SEARCHES);
  double scroll_ms[SCROLLS];
  double open_ms[OPENS];
  double unlock_ms, t, rss_before;
  ChevetWindow *window;
  ChevetPatientsPage *page;
  ChevetChartView *view;
  GRand *rand = g_rand_new_with_seed (11);
  ChevetStore *store;
  g_autofree char *ndjson = NULL;
  g_autoptr(GFile) file = NULL;
  guint64 resources;

  gtk_init ();
  adw_init ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  store = chevet_store_create (ws, "Bench clinic", "bench", "quiet lamp over seven hills", &error);
  g_assert_no_error (error);
  ndjson = bench_generate (dir, n_patients, TRUE, &resources);
  file = g_file_new_for_path (ndjson);
  g_assert_true (chevet_store_import_file (store, file, NULL, NULL, NULL, NULL, &error));
  g_assert_true (chevet_store_import_data (store, heavy->str, heavy->len, "heavy.ndjson", NULL, &error));
  g_assert_no_error (error);
  sample = chevet_store_search_patients (store, NULL, 0, 0, &error);
  heavy_patient = chevet_store_dup_patient (store, "heavy", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < SEARCHES; i++)
    {
      ChevetPatient *p = sample->pdata[g_rand_int_range (rand, 0, sample->len)];
      g_autofree char *family = g_str_to_ascii (chevet_patient_get_family (p) ?: "x", "C");

      g_ptr_array_add (queries, g_ascii_strdown (family, MIN (strlen (family), (gsize) g_rand_int_range (rand, 2, 7))));
    }
  g_object_unref (store);
  printf ("# %u patients and one heavy chart\n", n_patients);

  settings = g_settings_new ("io.github.chevet.Chevet");
  session = chevet_session_new (ws);
  window = chevet_window_new (NULL, session, settings);
  gtk_window_present (GTK_WINDOW (window));
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

    /* Connected after GTK's own handlers: "layout" fires when GTK has laid the window
     * out, "paint" when it has drawn it. */
    g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), NULL);
    g_signal_connect (clock, "layout", G_CALLBACK (on_layout), NULL);
    g_signal_connect (clock, "paint", G_CALLBACK (on_paint), NULL);
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  }
  while (frames == 0)
    g_main_context_iteration (NULL, TRUE);

  /* Unlock to the list shown (this workspace's key slot is cheap: see bench-unlock for
   * the real Argon2id cost, which adds to this). */
  {
    ChevetUnlockPage *unlock = child (window, CHEVET_TYPE_WINDOW, "unlock_page");

    gtk_editable_set_text (child (unlock, CHEVET_TYPE_UNLOCK_PAGE, "account_row"), "bench");
    gtk_editable_set_text (child (unlock, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row"), "quiet lamp over seven hills");
    page = child (window, CHEVET_TYPE_WINDOW, "patients_page");
    t = bench_now ();
    gtk_widget_activate_action (GTK_WIDGET (unlock), "unlock.unlock", NULL);
    UNTIL_SHOWN (g_list_model_get_n_items (chevet_patients_page_get_model (page)) > 0 &&
                 !chevet_patients_page_get_searching (page));
    unlock_ms = (bench_now () - t) * 1000;
  }

  /* Search as typed: from the search to the frame showing its results. */
  for (guint i = 0; i < SEARCHES; i++)
    {
      GtkEditable *entry = child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry");
      const char *q = queries->pdata[i];

      guint f0;
      double t_model;
      gint64 until = g_get_monotonic_time () + 150 * 1000;

      /* A person types a few characters a second: let the previous results settle
       * (pages filled, frames drawn) before the next keystroke. */
      while (g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, FALSE);
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);

      t = bench_now ();
      /* What a keystroke does: the entry's own search-changed starts the search. */
      gtk_editable_set_text (entry, q);
      while (chevet_patients_page_get_searching (page) ||
             g_strcmp0 (chevet_patients_page_get_query (page), q) != 0)
        g_main_context_iteration (NULL, TRUE);
      results_ms[i] = (bench_now () - t) * 1000;
      f0 = frames;
      t_model = bench_now ();
      while (frames == f0)
        g_main_context_iteration (NULL, TRUE);
      search_ms[i] = (bench_now () - t) * 1000;
      wait_ms[i] = (frame_begin - t_model) * 1000;
      layout_ms[i] = (frame_layout - frame_begin) * 1000;
      paint_ms[i] = (frame_paint - frame_layout) * 1000;
      work_ms[i] = search_ms[i] - MAX (wait_ms[i], 0);
    }

  /* Scrolling the whole list: a step of about three rows a frame (a wheel or a touchpad),
   * and jumps to anywhere (the scrollbar dragged). Each measured from the change to its
   * frame drawn, less the wait for the frame: the program's own time. */
  gtk_editable_set_text (child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry"), "");
  while (chevet_patients_page_get_searching (page) ||
         g_strcmp0 (chevet_patients_page_get_query (page), "") != 0)
    g_main_context_iteration (NULL, TRUE);
  {
    GtkWidget *list_view = child (page, CHEVET_TYPE_PATIENTS_PAGE, "list_view");
    GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view));

    for (guint i = 0; i < SCROLLS; i++)
      {
        gboolean jump = i >= STEPS;
        double value = jump
          ? g_rand_double_range (rand, 0, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment))
          : gtk_adjustment_get_value (adjustment) + 200;
        guint f0;
        double t_start;

        while (g_main_context_pending (NULL))
          g_main_context_iteration (NULL, FALSE);
        t_start = bench_now ();
        gtk_adjustment_set_value (adjustment, value);
        f0 = frames;
        while (frames == f0)
          g_main_context_iteration (NULL, TRUE);
        scroll_ms[i] = (bench_now () - t_start - MAX (frame_begin - t_start, 0)) * 1000;
        if (jump)
          {
            /* Let the placeholders' pages arrive, as a person would look. */
            gint64 until = g_get_monotonic_time () + 100 * 1000;

            while (g_get_monotonic_time () < until)
              g_main_context_iteration (NULL, FALSE);
          }
      }
  }

  /* The heavy chart: from activation to the frame that shows its banner. */
  view = child (window, CHEVET_TYPE_WINDOW, "chart_view");
  rss_before = rss_mb ();
  for (guint i = 0; i < OPENS; i++)
    {
      t = bench_now ();
      chevet_chart_view_clear (view);
      g_signal_emit_by_name (page, "patient-activated", heavy_patient);
      UNTIL_SHOWN (chevet_chart_view_get_chart (view) != NULL);
      open_ms[i] = (bench_now () - t) * 1000;
    }

  printf ("unlock to list: %.0f ms (first page of %u patients shown; add the unlock cost)\n",
          unlock_ms, n_patients);
  printf ("search as typed, end to end (keystroke to the frame drawn): median %.1f ms, p95 %.1f ms, max %.1f ms over %d queries\n",
          bench_quantile (search_ms, SEARCHES, 0.5), bench_quantile (search_ms, SEARCHES, 0.95),
          bench_quantile (search_ms, SEARCHES, 1), SEARCHES);
  printf ("search as typed, to the results in the list model (before drawing): median %.1f ms, p95 %.1f ms\n",
          bench_quantile (results_ms, SEARCHES, 0.5), bench_quantile (results_ms, SEARCHES, 0.95));
  printf ("  of which, after the results: waiting for the frame %.1f ms, layout %.1f ms, drawing %.1f ms (medians)\n",
          bench_quantile (wait_ms, SEARCHES, 0.5), bench_quantile (layout_ms, SEARCHES, 0.5),
          bench_quantile (paint_ms, SEARCHES, 0.5));
  /* The display's frame clock runs at its refresh rate while anything animates (the
   * search entry's cursor blinks): a result ready between two frames waits for the next
   * one, up to one refresh interval, whatever the program does. */
  printf ("search as typed, the program's own time (end to end less that wait): median %.1f ms, p95 %.1f ms, max %.1f ms; target p95 <= 10 ms\n",
          bench_quantile (work_ms, SEARCHES, 0.5), bench_quantile (work_ms, SEARCHES, 0.95),
          bench_quantile (work_ms, SEARCHES, 1));
  qsort (scroll_ms, STEPS, sizeof (double), bench_compare_doubles);
  printf ("scrolling %u patients, %d steps of 200 px, the program's own time per frame: median %.1f ms, p95 %.1f ms, max %.1f ms\n",
          n_patients, STEPS, bench_quantile (scroll_ms, STEPS, 0.5), bench_quantile (scroll_ms, STEPS, 0.95),
          bench_quantile (scroll_ms, STEPS, 1));
  printf ("scrollbar jumps anywhere in the list, %d jumps, to the frame drawn (placeholders): median %.1f ms, p95 %.1f ms, max %.1f ms\n",
          SCROLLS - STEPS, bench_quantile (scroll_ms + STEPS, SCROLLS - STEPS, 0.5),
          bench_quantile (scroll_ms + STEPS, SCROLLS - STEPS, 0.95), bench_quantile (scroll_ms + STEPS, SCROLLS - STEPS, 1));
  printf ("heavy chart to first frame with its banner: median %.1f ms, p95 %.1f ms, max %.1f ms over %d opens\n",
          bench_quantile (open_ms, OPENS, 0.5), bench_quantile (open_ms, OPENS, 0.95),
          bench_quantile (open_ms, OPENS, 1), OPENS);
  printf ("resident memory: %.0f MB with %u patients open, %.0f MB with the heavy chart shown\n",
          rss_before, n_patients, rss_mb ());

  gtk_window_destroy (GTK_WINDOW (window));
  chevet_session_lock (session);
  while (chevet_session_has_pending (session))
    g_main_context_iteration (NULL, TRUE);
  g_rand_free (rand);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return bench_quantile (work_ms, SEARCHES, 0.95) <= 10 ? 0 : 1;
}
