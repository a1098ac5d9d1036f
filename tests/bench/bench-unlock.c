/* bench-unlock.c: unlock (Argon2id at the cost the programs use) and store open time
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "bench-util.h"

#define RUNS 7

static double
time_open (const char *ws)
{
  g_autoptr(GError) error = NULL;
  double t = bench_now ();
  ChevetStore *store = chevet_store_open (ws, "bench", "quiet lamp over seven hills", &error);

  t = bench_now () - t;
  g_assert_no_error (error);
  g_object_unref (store);
  return t * 1000;
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  g_autofree char *real = g_build_filename (dir, "real", NULL);
  g_autofree char *cheap = g_build_filename (dir, "cheap", NULL);
  double unlock[RUNS], open[RUNS];
  ChevetStore *store;

  /* The programs' own cost (chevet and chevet-cli never lower it). */
  store = chevet_store_create (real, "Bench", "bench", "quiet lamp over seven hills", NULL);
  g_object_unref (store);
  /* The same store with a trivial KDF: what remains is opening the database. */
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  store = chevet_store_create (cheap, "Bench", "bench", "quiet lamp over seven hills", NULL);
  g_object_unref (store);

  for (int i = 0; i < RUNS; i++)
    {
      unlock[i] = time_open (real);
      open[i] = time_open (cheap);
    }
  printf ("unlock: median %.0f ms (min %.0f, max %.0f) with Argon2id opslimit 3, memlimit 256 MiB; target 300-1000 ms\n",
          bench_quantile (unlock, RUNS, 0.5), bench_quantile (unlock, RUNS, 0), bench_quantile (unlock, RUNS, 1));
  printf ("open: median %.1f ms (min %.1f, max %.1f) for the database alone (raw key, no KDF)\n",
          bench_quantile (open, RUNS, 0.5), bench_quantile (open, RUNS, 0), bench_quantile (open, RUNS, 1));
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return 0;
}
