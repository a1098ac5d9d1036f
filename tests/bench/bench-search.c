/* bench-search.c: patient search over 100,000 patients, median and p95 per query
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The queries are what a clinician types: the first 2 to 6 letters of a family or given
 * name (without accents, in any case), a family name and a given prefix, an identifier
 * prefix, a birth date. Each query fetches the first page (50 rows) and the match count,
 * as the patient list does.
 */
#include "config.h"

#include <stdio.h>

#include "bench-util.h"
#include "chevet-import.h"
#include "chevet-patient.h"

#define QUERIES 3000

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  guint patients = argc > 1 ? atoi (argv[1]) : 100000;
  g_autofree char *ndjson = NULL;
  g_autofree char *ws = g_build_filename (dir, "ws", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sample = NULL;
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *times = g_new (double, QUERIES);
  g_autofree double *hits = g_new (double, QUERIES);
  GRand *rand = g_rand_new_with_seed (7);
  guint64 resources;
  gint64 total;
  double t0;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  ndjson = bench_generate (dir, patients, TRUE, &resources);
  file = g_file_new_for_path (ndjson);
  store = chevet_store_create (ws, "Bench", "bench", "quiet lamp over seven hills", &error);
  g_assert_no_error (error);
  t0 = bench_now ();
  if (!chevet_store_import_file (store, file, NULL, NULL, NULL, NULL, &error))
    g_error ("import: %s", error->message);
  total = chevet_store_count_patients (store, NULL, NULL);
  printf ("# %" G_GINT64_FORMAT " patients imported in %.1f s\n", total, bench_now () - t0);

  /* Queries drawn from real rows of the store. */
  sample = chevet_store_search_patients (store, NULL, 0, (guint) total, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < QUERIES; i++)
    {
      ChevetPatient *p = sample->pdata[g_rand_int_range (rand, 0, sample->len)];
      g_autofree char *family = g_str_to_ascii (chevet_patient_get_family (p) ?: "x", "C");
      g_autofree char *given = g_str_to_ascii (chevet_patient_get_given (p) ?: "x", "C");
      int kind = g_rand_int_range (rand, 0, 10);
      guint len = g_rand_int_range (rand, 2, 7);

      if (kind < 4)
        g_ptr_array_add (queries, g_ascii_strdown (family, MIN (len, strlen (family))));
      else if (kind < 6)
        g_ptr_array_add (queries, g_ascii_strdown (given, MIN (len, strlen (given))));
      else if (kind < 8)
        g_ptr_array_add (queries, g_strdup_printf ("%s %.*s", family, 2, given));
      else if (kind < 9 && chevet_patient_get_identifier (p) != NULL)
        g_ptr_array_add (queries, g_strndup (chevet_patient_get_identifier (p),
                                             strlen (chevet_patient_get_identifier (p)) - 2));
      else
        g_ptr_array_add (queries, g_strdup (chevet_patient_get_birth_date (p) ?: "1980-01-01"));
    }
  g_clear_pointer (&sample, g_ptr_array_unref);

  for (guint i = 0; i < QUERIES; i++)
    {
      g_autoptr(GPtrArray) found = NULL;
      double t = bench_now ();
      gint64 n;

      found = chevet_store_search_patients (store, queries->pdata[i], 0, 50, &error);
      n = chevet_store_count_patients (store, queries->pdata[i], &error);
      g_assert_no_error (error);
      times[i] = (bench_now () - t) * 1000;
      hits[i] = n;
    }
  printf ("search: %d queries over %" G_GINT64_FORMAT " patients (first 50 rows + count): "
          "median %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; target p95 <= 10 ms\n",
          QUERIES, total, bench_quantile (times, QUERIES, 0.5), bench_quantile (times, QUERIES, 0.95),
          bench_quantile (times, QUERIES, 0.99), bench_quantile (times, QUERIES, 1.0));
  printf ("# matches per query: median %.0f, p95 %.0f, max %.0f\n", bench_quantile (hits, QUERIES, 0.5),
          bench_quantile (hits, QUERIES, 0.95), bench_quantile (hits, QUERIES, 1.0));
  g_rand_free (rand);
  g_clear_object (&store);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return bench_quantile (times, QUERIES, 0.95) <= 10.0 ? 0 : 1;
}
