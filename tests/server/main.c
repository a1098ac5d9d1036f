/* main.c: chevet-fhir-test-server, the test FHIR server on its own, for the demo
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves a generated clinic over HTTPS on 127.0.0.1 until SIGINT or SIGTERM. Prints
 * "url=<base>" and "ca=<CA file>" on stdout; never prints patient data.
 */
#define G_LOG_DOMAIN "chevet-fhir-test-server"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>

#include "chevet-test-server.h"

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autofree char *token = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  int patients = 200, port = 0, lifetime = 3600;
  gint64 seed = 2026;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
      "Where the CA and certificates are written (created; required)", "DIR" },
    { "patients", 0, 0, G_OPTION_ARG_INT, &patients, "Generated patients (default 200)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Generator seed (default 2026)", "S" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (default 0: a random one)", "P" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Require this static bearer token", "TOKEN" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id,
      "Require OAuth 2.0 client credentials with this client id (token URL: /auth/token)", "ID" },
    { "client-secret", 0, 0, G_OPTION_ARG_STRING, &client_secret,
      "The client secret for --client-id", "SECRET" },
    { "token-lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime,
      "OAuth token lifetime in seconds (default 3600)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- FHIR R4 test server over HTTPS");
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetTestServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  guint n;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "A test double, not a product server: data live in memory, generated with the\n"
    "reference date of today. Trust the printed CA file to connect, for example:\n"
    "  curl --cacert \"$ca\" \"$url/Patient?_count=5\"\n"
    "Set CHEVET_TEST_SERVER_DEBUG=1 to log each request's method and path.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (dir == NULL || patients < 0 || port < 0 || port > 65535 || lifetime <= 0
      || (client_id != NULL) != (client_secret != NULL))
    {
      g_printerr ("Usage: --dir DIR is required; --client-id and --client-secret go together; "
                  "numbers must be in range. See --help.\n");
      return EXIT_FAILURE;
    }

  server = chevet_test_server_new (dir, CHEVET_TEST_CERT_VALID, port, &error);
  if (server == NULL
      || !chevet_test_server_load_generated (server, (guint64) seed, patients, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (token != NULL)
    chevet_test_server_set_bearer_token (server, token);
  if (client_id != NULL)
    chevet_test_server_set_oauth_client (server, client_id, client_secret, lifetime);

  n = chevet_test_server_count (server, NULL);
  printf ("url=%s\n", chevet_test_server_get_base_url (server));
  printf ("ca=%s\n", chevet_test_server_get_ca_file (server));
  if (client_id != NULL)
    printf ("token_url=%s\n", chevet_test_server_get_token_url (server));
  fflush (stdout);
  g_printerr ("Serving %u resources (%u patients). Ctrl+C stops.\n", n, patients);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  chevet_test_server_stop (server);
  return EXIT_SUCCESS;
}
