/* test-settings.c: the server settings: validation by field, round trip, secrets kept secret
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chevet-server-settings.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

#define TOKEN         "tok-9f8e7d6c5b4a-SECRET-BEARER"
#define CLIENT_SECRET "cs-1a2b3c4d-SECRET-CLIENT"

/* A self-signed test CA (public certificate only; its key was thrown away). */
static const char test_ca_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBmDCCAT2gAwIBAgIUOBY0sQnoJzOYSAhZJfbZ6sQxk6swCgYIKoZIzj0EAwIw\n"
  "IDEeMBwGA1UEAwwVQ2hldmV0IFRlc3QgQ2xpbmljIENBMCAXDTI2MTEyODEzMTAx\n"
  "MFoYDzIxMjYxMTA0MTMxMDEwWjAgMR4wHAYDVQQDDBVDaGV2ZXQgVGVzdCBDbGlu\n"
  "aWMgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARqWJGeAnq2pTds79ma06r6\n"
  "4t6+xUWcHnZUNkIwYTGCfOVqMNXCLv+QWy1rAY/1/4qa5YvIfXEhxD+ZTbQLg49Q\n"
  "o1MwUTAdBgNVHQ4EFgQUOy8qdAZfxie92eoq/UerItjVFBUwHwYDVR0jBBgwFoAU\n"
  "Oy8qdAZfxie92eoq/UerItjVFBUwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD\n"
  "AgNJADBGAiEAv8pUa6xokAbPuF5o7TuZsHjQ4N+C6/zPYf30P0vlEjgCIQD2Mv+V\n"
  "h6gBbrfAS9rs6/H4IxTY0bA9+2mkPnqsX1C8yw==\n"
  "-----END CERTIFICATE-----\n";

static gboolean
have_tls (void)
{
  return g_tls_backend_supports_tls (g_tls_backend_get_default ());
}

static ChevetServerSettings *
valid_settings (void)
{
  ChevetServerSettings *s = chevet_server_settings_new ();

  chevet_server_settings_set_base_url (s, "https://fhir.clinic.example/r4/");
  chevet_server_settings_set_auth_bearer (s, TOKEN);
  return s;
}

static ChevetStore *
reopen (const char *path)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);

  g_assert_no_error (error);
  return store;
}

static void
test_not_configured (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetServerSettings) s = chevet_server_settings_load (store, &error);

  g_assert_no_error (error);
  g_assert_null (s);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_round_trip (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = test_store_new (&path);
  g_autoptr(ChevetServerSettings) s = chevet_server_settings_new ();
  g_autoptr(ChevetServerSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *types[] = { "Patient", "Observation", "Organization", "Observation", NULL };
  const char * const *got;

  chevet_server_settings_set_base_url (s, "  https://fhir.clinic.example/r4/  ");
  chevet_server_settings_set_auth_client_credentials (s, "https://auth.clinic.example/token",
                                                      "chevet-ward-2", CLIENT_SECRET);
  chevet_server_settings_set_patient_scope (s, "?organization=Organization/123&_tag=http://x|ward-2");
  chevet_server_settings_set_resource_types (s, types);
  if (have_tls ())
    chevet_server_settings_set_ca_pem (s, test_ca_pem);
  g_assert_true (chevet_server_settings_save (s, store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);

  store = reopen (path);
  loaded = chevet_server_settings_load (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (chevet_server_settings_get_base_url (loaded), ==, "https://fhir.clinic.example/r4");
  g_assert_cmpint (chevet_server_settings_get_auth (loaded), ==, CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS);
  g_assert_cmpstr (chevet_server_settings_get_token_url (loaded), ==, "https://auth.clinic.example/token");
  g_assert_cmpstr (chevet_server_settings_get_client_id (loaded), ==, "chevet-ward-2");
  g_assert_cmpstr (chevet_server_settings_get_client_secret (loaded), ==, CLIENT_SECRET);
  g_assert_null (chevet_server_settings_get_token (loaded));
  g_assert_cmpstr (chevet_server_settings_get_patient_scope (loaded), ==,
                   "organization=Organization/123&_tag=http://x|ward-2");
  got = chevet_server_settings_get_resource_types (loaded);
  g_assert_cmpuint (g_strv_length ((char **) got), ==, 3);  /* the duplicate dropped */
  g_assert_cmpstr (got[0], ==, "Patient");
  g_assert_cmpstr (got[2], ==, "Organization");
  g_assert_false (chevet_server_settings_get_allow_http_loopback (loaded));
  g_assert_cmpstr (chevet_server_settings_get_ca_pem (loaded), ==, have_tls () ? test_ca_pem : NULL);

  /* For people: secrets as "set", never their value. */
  text = chevet_server_settings_describe (loaded);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Client secret: set"));
  g_assert_nonnull (strstr (text, "https://fhir.clinic.example/r4"));
  g_assert_null (strstr (text, CLIENT_SECRET));
  g_clear_pointer (&text, g_free);

  /* Back to a bearer token, and the defaults for types. */
  chevet_server_settings_set_auth_bearer (loaded, TOKEN);
  chevet_server_settings_set_resource_types (loaded, NULL);
  g_assert_true (chevet_server_settings_save (loaded, store, &error));
  g_clear_pointer (&loaded, chevet_server_settings_free);
  loaded = chevet_server_settings_load (store, &error);
  g_assert_cmpstr (chevet_server_settings_get_token (loaded), ==, TOKEN);
  g_assert_null (chevet_server_settings_get_client_secret (loaded));
  got = chevet_server_settings_get_resource_types (loaded);
  g_assert_true (g_strv_equal (got, chevet_server_settings_default_resource_types ()));
  g_assert_true (g_strv_contains (got, "DocumentReference"));
  g_assert_true (g_strv_contains (got, "Composition"));
  text = chevet_server_settings_describe (loaded);
  g_assert_nonnull (strstr (text, "Bearer token: set"));
  g_assert_null (strstr (text, TOKEN));
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

typedef void (*Change) (ChevetServerSettings *s);

static void set_http (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, "http://fhir.clinic.example/r4"); }
static void set_http_loopback (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, "http://127.0.0.1:8080/fhir"); }
static void set_http_other_with_flag (ChevetServerSettings *s)
{
  chevet_server_settings_set_base_url (s, "http://10.1.2.3/fhir");
  chevet_server_settings_set_allow_http_loopback (s, TRUE);
}
static void set_userinfo (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, "https://admin:" TOKEN "@fhir.clinic.example/"); }
static void set_fragment (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, "https://fhir.clinic.example/r4#top"); }
static void set_no_host (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, "https:///r4"); }
static void set_ftp (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, "ftp://fhir.clinic.example/"); }
static void set_no_url (ChevetServerSettings *s) { chevet_server_settings_set_base_url (s, NULL); }
static void set_bad_ca (ChevetServerSettings *s) { chevet_server_settings_set_ca_pem (s, "this is not a certificate\n"); }
static void set_ca_with_key (ChevetServerSettings *s)
{
  g_autofree char *pem = g_strconcat (test_ca_pem, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", NULL);
  chevet_server_settings_set_ca_pem (s, pem);
}
static void set_broken_ca (ChevetServerSettings *s)
{
  chevet_server_settings_set_ca_pem (s, "-----BEGIN CERTIFICATE-----\nAAAAbroken\n-----END CERTIFICATE-----\n");
}
static void set_unknown_type (ChevetServerSettings *s)
{
  const char *types[] = { "Patient", "Frobnication", NULL };
  chevet_server_settings_set_resource_types (s, types);
}
static void set_unsupported_type (ChevetServerSettings *s)
{
  const char *types[] = { "Patient", "Claim", NULL };
  chevet_server_settings_set_resource_types (s, types);
}
static void set_no_patient_type (ChevetServerSettings *s)
{
  const char *types[] = { "Observation", NULL };
  chevet_server_settings_set_resource_types (s, types);
}
static void set_scope_count (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "organization=Organization/1&_count=500"); }
static void set_scope_format (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "_format=xml"); }
static void set_scope_summary (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "_summary=true"); }
static void set_scope_elements (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "_elements=id,name"); }
static void set_scope_offset (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "_offset=100"); }
static void set_scope_no_value (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "organization"); }
static void set_scope_bad_escape (ChevetServerSettings *s) { chevet_server_settings_set_patient_scope (s, "name=%zz"); }
static void set_empty_token (ChevetServerSettings *s) { chevet_server_settings_set_auth_bearer (s, ""); }
static void set_token_with_space (ChevetServerSettings *s) { chevet_server_settings_set_auth_bearer (s, TOKEN " extra"); }
static void set_token_url_http (ChevetServerSettings *s)
{
  chevet_server_settings_set_auth_client_credentials (s, "http://auth.clinic.example/token", "id", CLIENT_SECRET);
}
static void set_no_client_secret (ChevetServerSettings *s)
{
  chevet_server_settings_set_auth_client_credentials (s, "https://auth.clinic.example/token", "id", "");
}
static void set_no_client_id (ChevetServerSettings *s)
{
  chevet_server_settings_set_auth_client_credentials (s, "https://auth.clinic.example/token", NULL, CLIENT_SECRET);
}

static void
test_validation_names_field (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(ChevetServerSettings) good = valid_settings ();
  g_autoptr(GError) error = NULL;
  struct {
    Change      change;
    int         code;
    const char *field;      /* the message names it */
    gboolean    needs_tls;
  } cases[] = {
    { set_http, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_http_loopback, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_http_other_with_flag, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_userinfo, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_fragment, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_no_host, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_ftp, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_no_url, CHEVET_SERVER_SETTINGS_ERROR_URL, "Server URL" },
    { set_bad_ca, CHEVET_SERVER_SETTINGS_ERROR_CA, "Clinic CA", TRUE },
    { set_ca_with_key, CHEVET_SERVER_SETTINGS_ERROR_CA, "Clinic CA", TRUE },
    { set_broken_ca, CHEVET_SERVER_SETTINGS_ERROR_CA, "Clinic CA", TRUE },
    { set_unknown_type, CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES, "Frobnication" },
    { set_unsupported_type, CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES, "Claim" },
    { set_no_patient_type, CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES, "Resource types" },
    { set_scope_count, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "_count" },
    { set_scope_format, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "_format" },
    { set_scope_summary, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "_summary" },
    { set_scope_elements, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "_elements" },
    { set_scope_offset, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "_offset" },
    { set_scope_no_value, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "Patient search" },
    { set_scope_bad_escape, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE, "Patient search" },
    { set_empty_token, CHEVET_SERVER_SETTINGS_ERROR_TOKEN, "Bearer token" },
    { set_token_with_space, CHEVET_SERVER_SETTINGS_ERROR_TOKEN, "Bearer token" },
    { set_token_url_http, CHEVET_SERVER_SETTINGS_ERROR_TOKEN_URL, "Token URL" },
    { set_no_client_secret, CHEVET_SERVER_SETTINGS_ERROR_CLIENT_SECRET, "Client secret" },
    { set_no_client_id, CHEVET_SERVER_SETTINGS_ERROR_CLIENT_ID, "Client id" },
  };

  g_assert_true (chevet_server_settings_save (good, store, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChevetServerSettings) s = valid_settings ();
      g_autoptr(ChevetServerSettings) still = NULL;

      if (cases[i].needs_tls && !have_tls ())
        continue;
      cases[i].change (s);
      g_assert_false (chevet_server_settings_save (s, store, &error));
      g_test_message ("case %u: %s", i, error->message);
      g_assert_error (error, CHEVET_SERVER_SETTINGS_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].field));
      /* No secret in what a user reads, even when the secret is what is wrong. */
      g_assert_null (strstr (error->message, TOKEN));
      g_assert_null (strstr (error->message, CLIENT_SECRET));
      g_clear_error (&error);

      /* What was saved before is untouched. */
      still = chevet_server_settings_load (store, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (chevet_server_settings_get_base_url (still), ==, "https://fhir.clinic.example/r4");
      g_assert_cmpstr (chevet_server_settings_get_token (still), ==, TOKEN);
    }
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_http_loopback_needs_flag (void)
{
  const char *loopbacks[] = {
    "http://127.0.0.1:8080/fhir", "http://127.8.9.10/fhir", "http://[::1]:8080/fhir",
    "http://localhost:8080/fhir", "http://LOCALHOST/fhir",
  };
  g_autofree char *path = NULL;
  ChevetStore *store = test_store_new (&path);
  g_autoptr(ChevetServerSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (loopbacks); i++)
    {
      g_autoptr(ChevetServerSettings) s = valid_settings ();

      chevet_server_settings_set_base_url (s, loopbacks[i]);
      g_assert_false (chevet_server_settings_validate (s, &error));
      g_assert_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_URL);
      g_clear_error (&error);
      chevet_server_settings_set_allow_http_loopback (s, TRUE);
      g_assert_true (chevet_server_settings_validate (s, &error));
      g_assert_no_error (error);
    }

  /* The flag is saved, so the sync engine can check it again. */
  {
    g_autoptr(ChevetServerSettings) s = valid_settings ();

    chevet_server_settings_set_base_url (s, "http://127.0.0.1:8080/fhir");
    chevet_server_settings_set_allow_http_loopback (s, TRUE);
    g_assert_true (chevet_server_settings_save (s, store, &error));
    g_assert_no_error (error);
  }
  g_assert_finalize_object (store);
  store = reopen (path);
  loaded = chevet_server_settings_load (store, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_server_settings_get_allow_http_loopback (loaded));
  g_assert_true (chevet_server_settings_validate (loaded, NULL));
  chevet_server_settings_set_allow_http_loopback (loaded, FALSE);
  g_assert_false (chevet_server_settings_validate (loaded, NULL));
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

static void
test_ca_counts_certificates (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *two = g_strconcat (test_ca_pem, test_ca_pem, NULL);

  if (!have_tls ())
    {
      g_test_skip ("no TLS backend (glib-networking) to read certificates");
      return;
    }
  g_assert_cmpuint (chevet_server_settings_count_certificates (test_ca_pem, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpuint (chevet_server_settings_count_certificates (two, &error), ==, 2);
  g_assert_cmpuint (chevet_server_settings_count_certificates ("", &error), ==, 0);
  g_assert_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA);
}

static void
assert_not_in_files (const char *dir,
                     const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (file, &contents, &len, NULL))
        continue;
      files++;
      g_assert_null (memmem (contents, len, needle, strlen (needle)));
    }
  g_assert_cmpuint (files, >=, 2);
}

static void
test_secrets_not_in_plaintext (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = test_store_new (&path);
  g_autoptr(ChevetServerSettings) bearer = valid_settings ();
  g_autoptr(ChevetServerSettings) cc = valid_settings ();
  g_autoptr(ChevetServerSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;

  chevet_server_settings_set_auth_client_credentials (cc, "https://auth.clinic.example/token", "ward-2",
                                                      CLIENT_SECRET);
  g_assert_true (chevet_server_settings_save (cc, store, &error));
  g_assert_no_error (error);
  /* While the store is open, the WAL holds the newest pages: check it too. */
  assert_not_in_files (path, CLIENT_SECRET);
  g_assert_true (chevet_server_settings_save (bearer, store, &error));
  assert_not_in_files (path, TOKEN);
  g_assert_finalize_object (store);
  assert_not_in_files (path, TOKEN);
  assert_not_in_files (path, CLIENT_SECRET);

  /* And they are really in there. */
  store = reopen (path);
  loaded = chevet_server_settings_load (store, &error);
  g_assert_cmpstr (chevet_server_settings_get_token (loaded), ==, TOKEN);
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

/* The server decides where patient data go: a clinician reads the settings, never saves. */
static void
test_clinician_cannot_save (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(ChevetStore) clinician = NULL;
  g_autoptr(ChevetServerSettings) s = valid_settings ();
  g_autoptr(ChevetServerSettings) other = valid_settings ();
  g_autoptr(ChevetServerSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (chevet_server_settings_save (s, store, &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_add_account (store, "kofi", CHEVET_ROLE_CLINICIAN, "night shift on ward two", &error));
  g_assert_no_error (error);

  clinician = chevet_store_open (path, "kofi", "night shift on ward two", &error);
  g_assert_no_error (error);
  loaded = chevet_server_settings_load (clinician, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chevet_server_settings_get_base_url (loaded), ==, "https://fhir.clinic.example/r4");

  chevet_server_settings_set_base_url (other, "https://elsewhere.example/fhir");
  g_assert_false (chevet_server_settings_save (other, clinician, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "administrator"));
  g_clear_error (&error);
  g_clear_pointer (&loaded, chevet_server_settings_free);
  loaded = chevet_server_settings_load (store, &error);
  g_assert_cmpstr (chevet_server_settings_get_base_url (loaded), ==, "https://fhir.clinic.example/r4");

  /* Promoted, the same connection may: the role is asked of the database each time. */
  g_assert_true (chevet_store_set_role (store, "kofi", CHEVET_ROLE_ADMINISTRATOR, &error));
  g_assert_true (chevet_server_settings_save (other, clinician, &error));
  g_assert_no_error (error);

  g_assert_finalize_object (g_steal_pointer (&clinician));
  g_assert_finalize_object (g_steal_pointer (&store));
  test_rm_rf (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/settings/load/none-before-first-save", test_not_configured);
  g_test_add_func ("/settings/save/round-trip-across-reopen", test_round_trip);
  g_test_add_func ("/settings/validate/each-error-names-its-field-and-keeps-saved", test_validation_names_field);
  g_test_add_func ("/settings/validate/http-loopback-only-with-flag", test_http_loopback_needs_flag);
  g_test_add_func ("/settings/validate/ca-counts-certificates", test_ca_counts_certificates);
  g_test_add_func ("/settings/secrets/not-in-workspace-files", test_secrets_not_in_plaintext);
  g_test_add_func ("/settings/save/clinician-refused", test_clinician_cannot_save);
  return g_test_run ();
}
