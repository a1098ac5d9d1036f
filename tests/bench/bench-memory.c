/* bench-memory.c: peak memory importing 1,000,000 resources of NDJSON
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The import runs in a child process so that its peak resident set (ru_maxrss) is its
 * own, not the generator's.
 */
#include "config.h"

#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "chevet-import.h"

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  guint64 target = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 1000000;
  g_autofree char *ndjson = NULL;
  g_autofree char *ws = g_build_filename (dir, "ws", NULL);
  guint64 resources = 0;
  guint patients = 200;
  struct rusage usage;
  int status;
  pid_t pid;
  double t0;

  /* Grow the clinic until it holds the target number of resources. */
  for (;;)
    {
      g_free (ndjson);
      ndjson = bench_generate (dir, patients, FALSE, &resources);
      if (resources >= target)
        break;
      patients = (guint) (patients * (double) target / resources * 1.02) + 1;
    }
  printf ("# %u patients, %" G_GUINT64_FORMAT " resources\n", patients, resources);

  t0 = bench_now ();
  pid = fork ();
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GFile) file = g_file_new_for_path (ndjson);
      ChevetStore *store;

      chevet_store_set_kdf_cost_for_testing (1, 8192);
      store = chevet_store_create (ws, "Bench", "bench", "quiet lamp over seven hills", &error);
      if (store == NULL || !chevet_store_import_file (store, file, NULL, NULL, NULL, NULL, &error))
        {
          fprintf (stderr, "import: %s\n", error->message);
          _exit (1);
        }
      g_object_unref (store);
      _exit (0);
    }
  g_assert_cmpint (wait4 (pid, &status, 0, &usage), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  printf ("memory: peak resident %.1f MB importing %" G_GUINT64_FORMAT " resources (%.0f resources/s); target < 200 MB\n",
          usage.ru_maxrss / 1024.0, resources, resources / (bench_now () - t0));
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return usage.ru_maxrss / 1024.0 < 200 ? 0 : 1;
}
