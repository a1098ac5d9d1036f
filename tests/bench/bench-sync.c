/* bench-sync.c: first sync over loopback HTTPS against the local import of the same data
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-sync [PATIENTS [RSS_PATIENTS]] (defaults 1000 and 2000). The test server (in
 * this process) holds the generator's clinic; each sync runs in a child process (this
 * program with --child), so its peak RSS (VmHWM) is the sync's alone. The import rate
 * of the same NDJSON is measured in the same run. Prints medians and min–max.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "chevet-import.h"
#include "chevet-server-settings.h"
#include "chevet-sync.h"
#include "chevet-test-server.h"

#define RUNS       3
#define REF_DATE   "2026-01-15"
#define ACCOUNT    "bench"
#define PASSPHRASE "quiet lamp over seven hills"

static long
vm_hwm_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, "VmHWM:");
  return p ? strtol (p + 6, NULL, 10) : -1;
}

/* The child: one sync of the workspace at argv[2]; prints "resources seconds requests kb". */
static int
child_main (const char *path)
{
  g_autoptr(ChevetSync) sync = chevet_sync_new (path, ACCOUNT, PASSPHRASE);
  g_autoptr(GError) error = NULL;
  double t0 = bench_now ();

  if (!chevet_sync_run (sync, NULL, &error))
    {
      g_printerr ("sync: %s\n", error->message);
      return 1;
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  printf ("%" G_GUINT64_FORMAT " %.3f %u %ld\n", chevet_sync_get_resources_done (sync),
          bench_now () - t0, chevet_sync_get_requests (sync), vm_hwm_kb ());
  return 0;
}

typedef struct {
  guint64 resources;
  double  seconds;
  guint   requests;
  long    kb;
} ChildResult;

static ChildResult
spawn_sync (const char *self_exe,
            const char *path)
{
  const char *argv[] = { self_exe, "--child", path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  ChildResult r = { 0, };
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                     &out, NULL, &status, &error) || !g_spawn_check_wait_status (status, &error))
    g_error ("child: %s", error->message);
  if (sscanf (out, "%" G_GUINT64_FORMAT " %lf %u %ld", &r.resources, &r.seconds, &r.requests, &r.kb) != 4)
    g_error ("child said: %s", out);
  return r;
}

static char *
new_workspace (const char       *dir,
               const char       *name,
               ChevetTestServer *server)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(ChevetStore) store = chevet_store_create (path, "Bench", ACCOUNT, PASSPHRASE, NULL);
  g_autoptr(ChevetServerSettings) s = chevet_server_settings_new ();
  g_autofree char *ca = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (store);
  if (server != NULL)
    {
      g_assert_true (g_file_get_contents (chevet_test_server_get_ca_file (server), &ca, NULL, NULL));
      chevet_server_settings_set_base_url (s, chevet_test_server_get_base_url (server));
      chevet_server_settings_set_ca_pem (s, ca);
      chevet_server_settings_set_resource_types (s, (const char * const *)
        (const char *[]) { "Patient", "AllergyIntolerance", "Condition", "MedicationRequest",
                           "MedicationStatement", "Observation", "Encounter", "Immunization",
                           "Procedure", "DiagnosticReport", "DocumentReference", "Composition",
                           "Organization", "Practitioner", NULL });
      if (!chevet_server_settings_save (s, store, &error))
        g_error ("settings: %s", error->message);
    }
  return g_steal_pointer (&path);
}

static void
report (const char *what,
        double     *v,
        guint       n,
        const char *unit)
{
  double lo, hi, med;

  med = bench_quantile (v, n, 0.5);
  lo = v[0];
  hi = v[n - 1];
  if (med < 10)
    printf ("  %-34s median %10.2f %s   (min %.2f – max %.2f)\n", what, med, unit, lo, hi);
  else
    printf ("  %-34s median %10.1f %s   (min %.1f – max %.1f)\n", what, med, unit, lo, hi);
}

static void
bench_patients (const char *self_exe,
                guint       n_patients,
                gboolean    full)
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-sync-XXXXXX", NULL);
  g_autofree char *certs = g_build_filename (dir, "certs", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetTestServer) server = chevet_test_server_new (certs, CHEVET_TEST_CERT_VALID, 0, &error);
  g_autofree char *ndjson = NULL;
  guint64 generated;
  double sync_rate[RUNS], import_rate[RUNS], ratio[RUNS], rss[RUNS], inc_s[RUNS], inc_req[RUNS];
  guint runs = full ? RUNS : 1;

  g_assert_no_error (error);
  /* loaded "yesterday", so an incremental sync's cursor margin does not reach them */
  chevet_test_server_set_clock (server, (g_get_real_time () / 1000) - 24 * 3600 * 1000);
  if (!chevet_test_server_load_generated (server, 42, n_patients, REF_DATE, &error))
    g_error ("load: %s", error->message);
  chevet_test_server_set_clock (server, 0);
  ndjson = bench_generate (dir, n_patients, FALSE, &generated);
  printf ("%u patients, %" G_GUINT64_FORMAT " resources (server: %u)\n", n_patients, generated,
          chevet_test_server_count (server, NULL));

  for (guint r = 0; r < runs; r++)
    {
      g_autofree char *name = g_strdup_printf ("sync-%u", r);
      g_autofree char *imp_name = g_strdup_printf ("import-%u", r);
      g_autofree char *path = new_workspace (dir, name, server);
      g_autofree char *imp_path = new_workspace (dir, imp_name, NULL);
      g_autoptr(ChevetStore) imp = chevet_store_open (imp_path, ACCOUNT, PASSPHRASE, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (ndjson);
      ChevetImportStats stats = { 0, };
      ChildResult first, again;
      double t0;

      first = spawn_sync (self_exe, path);
      t0 = bench_now ();
      if (!chevet_store_import_file (imp, file, &stats, NULL, NULL, NULL, &error))
        g_error ("import: %s", error->message);
      import_rate[r] = stats.read / (bench_now () - t0);
      sync_rate[r] = first.resources / first.seconds;
      ratio[r] = sync_rate[r] / import_rate[r];
      rss[r] = first.kb / 1024.0;
      again = spawn_sync (self_exe, path);
      inc_s[r] = again.seconds * 1000;
      inc_req[r] = again.requests;
      printf ("  run %u: sync %" G_GUINT64_FORMAT " resources in %.2f s (%u requests), "
              "import %" G_GUINT64_FORMAT " in %.2f s; incremental %" G_GUINT64_FORMAT
              " resources, %u requests\n", r + 1, first.resources, first.seconds, first.requests,
              stats.read, stats.read / import_rate[r], again.resources, again.requests);
    }
  if (full)
    {
      report ("first sync, resources/s", sync_rate, runs, "/s");
      report ("local import, resources/s", import_rate, runs, "/s");
      report ("ratio sync/import (target >= 0.5)", ratio, runs, "");
      report ("incremental, nothing new", inc_s, runs, "ms");
      report ("incremental, requests", inc_req, runs, "");
    }
  report ("peak RSS of the sync (target < 150)", rss, runs, "MB");
  chevet_test_server_stop (server);
}

int
main (int argc, char *argv[])
{
  guint n = 1000, n_rss = 2000;

  if (argc == 3 && g_str_equal (argv[1], "--child"))
    return child_main (argv[2]);
  if (argc > 1)
    n = atoi (argv[1]);
  if (argc > 2)
    n_rss = atoi (argv[2]);
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  g_setenv ("CHEVET_BENCH", "1", TRUE);
  printf ("bench-sync: first sync over loopback HTTPS vs local import (%d runs)\n", RUNS);
  bench_patients (argv[0], n, TRUE);
  if (n_rss > 0)
    bench_patients (argv[0], n_rss, FALSE);
  return 0;
}
