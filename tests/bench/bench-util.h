/* bench-util.h: timing and statistics shared by the benchmarks
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdlib.h>

#include "chevet-generator.h"
#include "chevet-store.h"

static int
bench_compare_doubles (const void *a,
                       const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* The value at quantile @q (0..1) of @n samples, sorted in place. */
static inline double
bench_quantile (double *v,
                guint   n,
                double  q)
{
  guint i;

  qsort (v, n, sizeof (double), bench_compare_doubles);
  i = (guint) (q * (n - 1) + 0.5);
  return v[MIN (i, n - 1)];
}

static inline double
bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* Writes @n_patients of the synthetic clinic to a temporary NDJSON file. */
static inline char *
bench_generate (const char *dir,
                guint       n_patients,
                gboolean    patients_only,
                guint64    *resources)
{
  g_autoptr(ChevetGenerator) gen = chevet_generator_new (42, "2026-01-15");
  g_autofree char *path = g_build_filename (dir, "clinic.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_autoptr(GOutputStream) buffered = NULL;
  GHashTableIter iter;
  gpointer n;

  g_assert_no_error (error);
  buffered = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (out), 1 << 20);
  chevet_generator_set_patients_only (gen, patients_only);
  if (!chevet_generator_write_ndjson (gen, n_patients, buffered, NULL, NULL, NULL, &error) ||
      !g_output_stream_close (buffered, NULL, &error))
    g_error ("generate: %s", error->message);
  *resources = 0;
  g_hash_table_iter_init (&iter, chevet_generator_get_counts (gen));
  while (g_hash_table_iter_next (&iter, NULL, &n))
    *resources += GPOINTER_TO_UINT (n);
  return g_steal_pointer (&path);
}
