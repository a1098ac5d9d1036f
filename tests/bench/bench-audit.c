/* bench-audit.c: what the audit trail costs: per chart opened, and verify over 1,000,000
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Chart open is measured on the store, as the session's worker runs it: the heavy chart
 * read, then either the recent list alone (before the audit trail) or the recent list
 * and the audit entry in one transaction (now). Both in the same run, alternating, so the
 * machine's state is shared. Then 1,000,000 entries are appended (one transaction) and
 * the whole chain is verified, and the audit view's filtered pages and counts are read
 * from it.
 */
#include "config.h"

#include <stdio.h>

#include "bench-heavy.h"
#include "bench-util.h"
#include "chevet-audit.h"
#include "chevet-chart.h"
#include "chevet-import.h"
#include "chevet-store-private.h"

#define RUNS     200
#define ENTRIES  1000000
#define VERIFIES 3
#define QUERIES  20
#define PAGE     100

static void
report (const char *what,
        double     *v,
        guint       n)
{
  printf ("%s: median %.3f ms, min %.3f, max %.3f over %u\n", what,
          bench_quantile (v, n, 0.5), bench_quantile (v, n, 0), bench_quantile (v, n, 1), n);
}

static gboolean
count_row (const ChevetAuditEntry  *entry,
           gpointer                 user_data,
           GError                 **error)
{
  (*(guint *) user_data)++;
  return TRUE;
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  g_autofree char *ws = g_build_filename (dir, "ws", NULL);
  g_autoptr(GString) heavy = bench_heavy_patient_ndjson ("heavy");
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *clinic = NULL;
  g_autoptr(GFile) file = NULL;
  static double without[RUNS], with[RUNS], touch[RUNS], touch_audit[RUNS], verify_s[VERIFIES];
  double median_without, median_with, t, gen_s;
  ChevetAuditReport rep;
  guint64 others;
  int status = 0;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  store = chevet_store_create (ws, "Bench", "bench", "quiet lamp over seven hills", &error);
  g_assert_no_error (error);
  clinic = bench_generate (dir, 500, FALSE, &others);
  file = g_file_new_for_path (clinic);
  g_assert_true (chevet_store_import_file (store, file, NULL, NULL, NULL, NULL, &error));
  g_assert_true (chevet_store_import_data (store, heavy->str, heavy->len, "heavy.ndjson", NULL, &error));
  g_assert_no_error (error);

  for (int i = 0; i < RUNS; i++)
    {
      ChevetChart *chart;

      t = bench_now ();
      chart = chevet_store_read_chart (store, "heavy", &error);
      g_assert_true (chevet_store_touch_recent (store, "heavy", &error));
      without[i] = (bench_now () - t) * 1000;
      chevet_chart_free (chart);

      t = bench_now ();
      chart = chevet_store_read_chart (store, "heavy", &error);
      g_assert_true (chevet_audit_chart_opened (store, "heavy", &error));
      with[i] = (bench_now () - t) * 1000;
      chevet_chart_free (chart);
      g_assert_no_error (error);

      /* The write alone, without the read that dominates the figures above. */
      t = bench_now ();
      g_assert_true (chevet_store_touch_recent (store, "heavy", &error));
      touch[i] = (bench_now () - t) * 1000;
      t = bench_now ();
      g_assert_true (chevet_audit_chart_opened (store, "heavy", &error));
      touch_audit[i] = (bench_now () - t) * 1000;
    }
  printf ("# heavy chart among %" G_GUINT64_FORMAT " other resources; %d opens each way, alternating\n",
          others, RUNS);
  report ("chart open without audit (read + recent list)", without, RUNS);
  report ("chart open with audit (read + recent list + audit entry, one transaction)", with, RUNS);
  median_without = bench_quantile (without, RUNS, 0.5);
  median_with = bench_quantile (with, RUNS, 0.5);
  printf ("audit cost per chart open: %+.3f ms (ratio %.3f); target < 1 ms\n",
          median_with - median_without, median_with / median_without);
  report ("recent list alone", touch, RUNS);
  report ("recent list + audit entry alone", touch_audit, RUNS);
  printf ("audit entry alone: %+.3f ms\n",
          bench_quantile (touch_audit, RUNS, 0.5) - bench_quantile (touch, RUNS, 0.5));
  if (median_with - median_without >= 1.0)
    status = 1;

  /* 1,000,000 entries through the real append, in one transaction. */
  t = bench_now ();
  g_assert_true (chevet_store_exec (store, "BEGIN IMMEDIATE", &error));
  for (guint i = 0; i < ENTRIES; i++)
    {
      char patient[16];

      g_snprintf (patient, sizeof patient, "p%u", i % 5000);
      if (!chevet_audit_append (store, i % 2 ? CHEVET_AUDIT_CHART_OPEN : CHEVET_AUDIT_SEARCH,
                                i % 2 ? patient : NULL, CHEVET_AUDIT_SUCCESS,
                                i % 2 ? NULL : "results=12", &error))
        g_error ("append: %s", error->message);
    }
  g_assert_true (chevet_store_exec (store, "COMMIT", &error));
  gen_s = bench_now () - t;
  printf ("appended %d entries in %.1f s (%.1f µs each, one transaction)\n",
          ENTRIES, gen_s, gen_s * 1e6 / ENTRIES);

  for (int i = 0; i < VERIFIES; i++)
    {
      t = bench_now ();
      g_assert_true (chevet_audit_verify (store, &rep, &error));
      verify_s[i] = bench_now () - t;
      g_assert_cmpint (rep.problem, ==, CHEVET_AUDIT_INTACT);
    }
  printf ("audit verify over %" G_GUINT64_FORMAT " entries: median %.2f s, min %.2f, max %.2f over %d runs\n",
          rep.n_entries, bench_quantile (verify_s, VERIFIES, 0.5), bench_quantile (verify_s, VERIFIES, 0),
          bench_quantile (verify_s, VERIFIES, 1), VERIFIES);

  /* The audit view: a page of 100 newest first and the count of the same filter. */
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) month_ago = g_date_time_add_days (now, -30);
    g_autoptr(GDateTime) year_ago = g_date_time_add_days (now, -365);
    g_autofree char *from = chevet_audit_format_time (month_ago);
    g_autofree char *old = chevet_audit_format_time (year_ago);
    const char *patient[] = { "p4243", NULL };  /* chart-open entries: odd i */
    struct {
      const char        *name;
      ChevetAuditFilter  filter;
    } cases[] = {
      { "no filter", { 0 } },
      { "patient (100 of 1M entries)", { .patient_ids = patient } },
      { "account + last 30 days (every entry)", { .account = "bench", .from = from } },
      { "patient + account + last 30 days", { .patient_ids = patient, .account = "bench", .from = from } },
      { "action chart-open (half)", { .action = "chart-open" } },
      { "account + a year ago (no entry)", { .account = "bench", .to = old } },
    };
    static double page_ms[QUERIES], count_ms[QUERIES];

    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        gint64 n = 0;

        for (int i = 0; i < QUERIES; i++)
          {
            guint rows = 0;

            t = bench_now ();
            g_assert_true (chevet_audit_query (store, &cases[c].filter, 0, PAGE, count_row, &rows, &error));
            page_ms[i] = (bench_now () - t) * 1000;
            t = bench_now ();
            n = chevet_audit_count (store, &cases[c].filter, &error);
            count_ms[i] = (bench_now () - t) * 1000;
            g_assert_no_error (error);
            g_assert_cmpuint (rows, ==, MIN ((gint64) PAGE, n));
          }
        printf ("audit view, %s: %" G_GINT64_FORMAT " entries; page of %d median %.3f ms (max %.3f), "
                "count median %.3f ms (max %.3f)\n", cases[c].name, n, PAGE,
                bench_quantile (page_ms, QUERIES, 0.5), bench_quantile (page_ms, QUERIES, 1),
                bench_quantile (count_ms, QUERIES, 0.5), bench_quantile (count_ms, QUERIES, 1));
        /* A page is what the view waits for; the count follows it. */
        if (bench_quantile (page_ms, QUERIES, 0.5) >= 50.0)
          status = 1;
      }
    for (int i = 0; i < QUERIES; i++)
      {
        g_auto(GStrv) accounts = NULL;

        t = bench_now ();
        accounts = chevet_audit_dup_accounts (store, &error);
        page_ms[i] = (bench_now () - t) * 1000;
        g_assert_nonnull (accounts);
      }
    report ("audit view, accounts in the trail", page_ms, QUERIES);
  }

  g_clear_object (&store);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return status;
}
