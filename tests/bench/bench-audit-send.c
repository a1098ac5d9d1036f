/* bench-audit-send.c: what sending the audit trail to a server costs
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-audit-send [ENTRIES] (default 10000). A workspace with ENTRIES audit entries and
 * no patients, the FHIR test server (in this process, loopback HTTPS) accepting
 * AuditEvent: one sync sends them all, in batch Bundles of 100 with conditional creates,
 * then in a second workspace one POST each (a server without batch). A sync with
 * nothing to send is timed too: the difference is the audit phase.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "chevet-audit.h"
#include "chevet-server-settings.h"
#include "chevet-store-private.h"
#include "chevet-sync.h"
#include "chevet-test-server.h"

static ChevetStore *
workspace_with_trail (const char       *dir,
                      const char       *name,
                      ChevetTestServer *server,
                      guint             entries)
{
  g_autofree char *ws = g_build_filename (dir, name, NULL);
  g_autofree char *ca = NULL;
  g_autoptr(ChevetServerSettings) s = chevet_server_settings_new ();
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_create (ws, "Bench", "bench", "bench passphrase", &error);

  g_assert_no_error (error);
  g_assert_true (chevet_store_exec (store, "BEGIN IMMEDIATE", &error));
  for (guint i = 0; i < entries; i++)
    g_assert_true (i % 2 == 0
                   ? chevet_audit_append (store, CHEVET_AUDIT_CHART_OPEN, "chv-pat-000001",
                                          CHEVET_AUDIT_SUCCESS, NULL, &error)
                   : chevet_audit_searched (store, 12, &error));
  g_assert_true (chevet_store_exec (store, "COMMIT", &error));
  g_assert_true (g_file_get_contents (chevet_test_server_get_ca_file (server), &ca, NULL, &error));
  chevet_server_settings_set_base_url (s, chevet_test_server_get_base_url (server));
  chevet_server_settings_set_ca_pem (s, ca);
  g_assert_true (chevet_server_settings_save (s, store, &error));
  g_assert_no_error (error);
  return store;
}

static double
timed_sync (ChevetStore *store,
            guint64     *sent,
            guint       *requests)
{
  g_autoptr(ChevetSync) sync = chevet_sync_new_for_store (store);
  g_autoptr(GError) error = NULL;
  double t0 = bench_now (), t;

  if (!chevet_sync_run (sync, NULL, &error))
    g_error ("sync: %s", error->message);
  t = bench_now () - t0;
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (chevet_sync_get_audit_warning (sync) != NULL)
    g_error ("audit: %s", chevet_sync_get_audit_warning (sync));
  *sent = chevet_sync_get_audit_sent (sync);
  *requests = chevet_sync_get_requests (sync);
  return t;
}

int
main (int argc, char *argv[])
{
  guint entries = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  g_autofree char *server_dir = g_build_filename (dir, "server", NULL);
  g_autoptr(ChevetTestServer) server = NULL;
  g_autoptr(ChevetStore) batched = NULL;
  g_autoptr(ChevetStore) single = NULL;
  g_autoptr(GError) error = NULL;
  guint64 sent;
  guint requests;
  double t, idle;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  server = chevet_test_server_new (server_dir, CHEVET_TEST_CERT_VALID, 0, &error);
  g_assert_no_error (error);
  chevet_test_server_set_features (server, CHEVET_TEST_SERVER_FEATURE_ALL
                                   | CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT);

  batched = workspace_with_trail (dir, "batched", server, entries);
  t = timed_sync (batched, &sent, &requests);
  printf ("audit send, batches of 100 with conditional create: %" G_GUINT64_FORMAT " entries in %.2f s "
          "(%.0f entries/s, %u requests)\n", sent, t, sent / t, requests);
  idle = timed_sync (batched, &sent, &requests);  /* sends only the first run's own entry */
  printf ("a sync with %" G_GUINT64_FORMAT " to send: %.2f s\n", sent, idle);

  /* one POST each: a server without batch nor conditional create (plain creates) */
  chevet_test_server_set_features (server, (CHEVET_TEST_SERVER_FEATURE_ALL
                                            & ~CHEVET_TEST_SERVER_FEATURE_BATCH
                                            & ~CHEVET_TEST_SERVER_FEATURE_CONDITIONAL_CREATE)
                                   | CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT);
  single = workspace_with_trail (dir, "single", server, entries);
  t = timed_sync (single, &sent, &requests);
  printf ("audit send, one POST each: %" G_GUINT64_FORMAT " entries in %.2f s (%.0f entries/s, %u requests)\n",
          sent, t, sent / t, requests);

  g_clear_object (&batched);
  g_clear_object (&single);
  chevet_test_server_stop (server);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", dir);
  }
  return 0;
}
