/* bench-startup.c: cold start of chevet to its unlock screen, process start to first frame
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts the real program (CHEVET_APP) several times with CHEVET_STARTUP_TIMING=1, which
 * makes it print when it drew its first frame, counted from its own process start.
 */
#include "config.h"

#include <stdio.h>

#include "bench-util.h"

#define RUNS 9

int
main (int argc, char *argv[])
{
  const char *app = g_getenv ("CHEVET_APP");
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  g_autofree char *ws = g_build_filename (dir, "ws", NULL);
  double ms[RUNS];
  ChevetStore *store;

  g_assert_nonnull (app);
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  store = chevet_store_create (ws, "Bench", "bench", "quiet lamp over seven hills", NULL);
  g_object_unref (store);

  for (int i = 0; i < RUNS; i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(GDataInputStream) err = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;

      g_subprocess_launcher_setenv (launcher, "CHEVET_STARTUP_TIMING", "1", TRUE);
      proc = g_subprocess_launcher_spawn (launcher, &error, app, "--workspace", ws, NULL);
      g_assert_no_error (error);
      err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
      while ((line = g_data_input_stream_read_line (err, NULL, NULL, &error)) != NULL &&
             sscanf (line, "chevet: first frame %lf ms", &ms[i]) != 1)
        g_clear_pointer (&line, g_free);
      g_assert_nonnull (line);
      g_subprocess_force_exit (proc);
      g_subprocess_wait (proc, NULL, NULL);
    }
  printf ("cold start to the unlock screen (process start to first frame): median %.0f ms, min %.0f, max %.0f "
          "over %d starts; target < 500 ms\n",
          bench_quantile (ms, RUNS, 0.5), bench_quantile (ms, RUNS, 0), bench_quantile (ms, RUNS, 1), RUNS);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return bench_quantile (ms, RUNS, 0.5) < 500 ? 0 : 1;
}
