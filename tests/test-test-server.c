/* test-test-server.c: the FHIR test server behaves as the sync tests will rely on
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain synchronous SoupSession on the main thread talks to the server thread.
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "chevet-test-server.h"
#include "chevet-test-util.h"

#define REF_DATE   "2024-03-15"
#define N_PATIENTS 40
#define MRN_SYSTEM "https://chevet.example/fhir/sid/mrn"

typedef struct {
  char             *dir;
  ChevetTestServer *server;
  SoupSession      *session;
} Fixture;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  GError             *error;
  GTlsCertificateFlags tls_errors;
  JsonNode           *json;
} Reply;

static void
reply_free (Reply *r)
{
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->json, json_node_unref);
  g_clear_error (&r->error);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static SoupSession *
session_trusting (const char *ca_file)
{
  SoupSession *session = soup_session_new ();
  g_autoptr(GError) error = NULL;

  if (ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (ca_file, &error);

      g_assert_no_error (error);
      soup_session_set_tls_database (session, db);
    }
  return session;
}

static void
fixture_start (Fixture            *f,
               ChevetTestCertKind  kind)
{
  g_autoptr(GError) error = NULL;

  f->dir = test_tmp_path ("server");
  f->server = chevet_test_server_new (f->dir, kind, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (chevet_test_server_get_ca_file (f->server)));
  f->session = session_trusting (chevet_test_server_get_ca_file (f->server));
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_start (f, CHEVET_TEST_CERT_VALID);
  g_assert_true (chevet_test_server_load_generated (f->server, 7, N_PATIENTS, REF_DATE, &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (f->dir);

  g_clear_object (&f->session);
  chevet_test_server_stop (f->server);
  g_assert_finalize_object (f->server);
  test_rm_rf (parent);
  g_free (f->dir);
}

/* @path: below the base ("/Patient?...", "" for the base) or an absolute URL. Headers: name, value, ...,
 * NULL. */
static Reply *
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *body,
         ...)
{
  g_autofree char *url = path[0] == '/' || path[0] == '\0'
    ? g_strconcat (chevet_test_server_get_base_url (f->server), path, NULL) : g_strdup (path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Reply *r = g_new0 (Reply, 1);
  const char *name;
  va_list ap;

  g_assert_nonnull (msg);
  va_start (ap, body);
  while ((name = va_arg (ap, const char *)) != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), name,
                                  va_arg (ap, const char *));
  va_end (ap);
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/fhir+json", b);
    }
  r->body = soup_session_send_and_read (f->session, msg, NULL, &r->error);
  r->status = soup_message_get_status (msg);
  r->tls_errors = soup_message_get_tls_peer_certificate_errors (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (r->body != NULL && g_bytes_get_size (r->body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                      g_bytes_get_size (r->body), NULL))
        r->json = json_node_ref (json_parser_get_root (parser));
    }
  return r;
}

static JsonObject *
reply_object (Reply *r)
{
  g_assert_no_error (r->error);
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
  return json_node_get_object (r->json);
}

static const char *
bundle_link (JsonObject *bundle,
             const char *relation)
{
  JsonArray *links;

  if (!json_object_has_member (bundle, "link"))
    return NULL;
  links = json_object_get_array_member (bundle, "link");
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);

      if (g_str_equal (json_object_get_string_member (l, "relation"), relation))
        return json_object_get_string_member (l, "url");
    }
  return NULL;
}

static guint
bundle_n_entries (JsonObject *bundle)
{
  if (!json_object_has_member (bundle, "entry"))
    return 0;
  return json_array_get_length (json_object_get_array_member (bundle, "entry"));
}

static JsonObject *
bundle_entry (JsonObject *bundle,
              guint       i)
{
  return json_array_get_object_element (json_object_get_array_member (bundle, "entry"), i);
}

static JsonObject *
entry_resource (JsonObject *entry)
{
  return json_object_get_object_member (entry, "resource");
}

static const char *
meta_string (JsonObject *resource,
             const char *member)
{
  return json_object_get_string_member (json_object_get_object_member (resource, "meta"), member);
}

/* Follows next links from @path; returns the ids in order. */
static GPtrArray *
page_all_ids (Fixture    *f,
              const char *path,
              guint      *n_pages)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *url = g_strdup (path);

  *n_pages = 0;
  while (url != NULL)
    {
      g_autoptr(Reply) r = request (f, "GET", url, NULL, NULL);
      JsonObject *bundle = reply_object (r);
      const char *next;

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (bundle, "type"), ==, "searchset");
      (*n_pages)++;
      for (guint i = 0; i < bundle_n_entries (bundle); i++)
        {
          JsonObject *e = bundle_entry (bundle, i);

          g_assert_cmpstr (json_object_get_string_member (
                             json_object_get_object_member (e, "search"), "mode"), ==, "match");
          g_assert_true (g_str_has_prefix (json_object_get_string_member (e, "fullUrl"), "https://"));
          g_ptr_array_add (ids, g_strdup (json_object_get_string_member (entry_resource (e), "id")));
        }
      next = bundle_link (bundle, "next");
      g_free (url);
      url = g_strdup (next);
      if (url != NULL)
        g_assert_true (g_str_has_prefix (url, chevet_test_server_get_base_url (f->server)));
    }
  return ids;
}

static gboolean
has_duplicates (GPtrArray *ids)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < ids->len; i++)
    if (!g_hash_table_add (seen, g_ptr_array_index (ids, i)))
      return TRUE;
  return FALSE;
}

static char *
patient_json (const char *id,
              const char *mrn)
{
  return g_strdup_printf ("{\"resourceType\":\"Patient\"%s%s%s,"
                          "\"identifier\":[{\"system\":\"" MRN_SYSTEM "\",\"value\":\"%s\"}],"
                          "\"name\":[{\"family\":\"Test\",\"given\":[\"One\"]}],"
                          "\"extension\":[{\"url\":\"x\",\"valueDecimal\":7.10}]}",
                          id ? ",\"id\":\"" : "", id ? id : "", id ? "\"" : "", mrn);
}

/* ------------------------------------------------------------------ TLS */

static void
test_tls_trusted_ca (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) r = request (f, "GET", "/metadata", NULL, NULL);
  JsonObject *cs = reply_object (r);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/fhir+json");
  g_assert_cmpstr (json_object_get_string_member (cs, "resourceType"), ==, "CapabilityStatement");
  g_assert_cmpstr (json_object_get_string_member (cs, "fhirVersion"), ==, "4.0.1");
}

static void
test_tls_without_ca (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) r = NULL;

  g_clear_object (&f->session);
  f->session = session_trusting (NULL);  /* the system's CAs only */
  r = request (f, "GET", "/metadata", NULL, NULL);
  g_assert_error (r->error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_true (r->tls_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_cmpuint (chevet_test_server_get_request_count (f->server), ==, 0);
}

static void
test_tls_rejected (gconstpointer data)
{
  ChevetTestCertKind kind = GPOINTER_TO_UINT (data);
  GTlsCertificateFlags expected = kind == CHEVET_TEST_CERT_EXPIRED ? G_TLS_CERTIFICATE_EXPIRED
    : kind == CHEVET_TEST_CERT_WRONG_HOST ? G_TLS_CERTIFICATE_BAD_IDENTITY
    : G_TLS_CERTIFICATE_UNKNOWN_CA;
  Fixture f = { 0, };
  g_autoptr(Reply) r = NULL;

  fixture_start (&f, kind);
  r = request (&f, "GET", "/metadata", NULL, NULL);
  g_assert_error (r->error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_true (r->tls_errors & expected);
  g_assert_cmpuint (chevet_test_server_get_request_count (f.server), ==, 0);
  teardown (&f, NULL);
}

/* ------------------------------------------------------------------ search */

static void
test_search_pages_all (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) server_ids = chevet_test_server_dup_ids (f->server, "Patient");
  g_autoptr(GPtrArray) ids = NULL;
  guint pages;

  ids = page_all_ids (f, "/Patient?_count=7", &pages);
  g_assert_cmpuint (ids->len, ==, N_PATIENTS);
  g_assert_cmpuint (chevet_test_server_count (f->server, "Patient"), ==, N_PATIENTS);
  g_assert_false (has_duplicates (ids));
  g_assert_cmpuint (pages, ==, (N_PATIENTS + 6) / 7);
  /* default order is insertion order */
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpstr (g_ptr_array_index (ids, i), ==, server_ids[i]);
  g_assert_cmpuint (chevet_test_server_count_requests (f->server, "GET /fhir/Patient?"), ==, pages);
}

static void
test_search_summary_count (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) all = request (f, "GET", "/Observation?_summary=count", NULL, NULL);
  g_autoptr(Reply) one = request (f, "GET", "/Observation?patient=chv-pat-000003&_summary=count",
                                  NULL, NULL);
  g_autoptr(GPtrArray) ids = NULL;
  guint pages;

  g_assert_cmpuint (all->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (reply_object (all), "total"), ==,
                   chevet_test_server_count (f->server, "Observation"));
  g_assert_false (json_object_has_member (reply_object (all), "entry"));
  /* the same filter, paged, gives the same number of resources */
  ids = page_all_ids (f, "/Observation?patient=Patient/chv-pat-000003&_count=50", &pages);
  g_assert_cmpuint (ids->len, >, 0);
  g_assert_cmpint (json_object_get_int_member (reply_object (one), "total"), ==, ids->len);
  g_assert_cmpint (json_object_get_int_member (reply_object (one), "total"), <,
                   json_object_get_int_member (reply_object (all), "total"));
}

static void
test_search_last_updated (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) before = request (f, "GET", "/Patient?_id=chv-pat-000005", NULL, NULL);
  JsonObject *p = entry_resource (bundle_entry (reply_object (before), 0));
  g_autofree char *loaded = g_strdup (meta_string (p, "lastUpdated"));
  g_autofree char *path = g_strdup_printf ("/Patient?_lastUpdated=gt%s", loaded);
  g_autofree char *json = NULL;
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) after = NULL;
  g_autoptr(Reply) sorted = NULL;
  g_autoptr(Reply) none = NULL;
  g_autoptr(GError) error = NULL;

  /* every loaded resource shares one instant: nothing is after it */
  none = request (f, "GET", path, NULL, NULL);
  g_assert_cmpuint (bundle_n_entries (reply_object (none)), ==, 0);

  json = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000009");
  put = request (f, "PUT", "/Patient/chv-pat-000009", json, NULL);
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpstr (meta_string (reply_object (put), "versionId"), ==, "2");

  after = request (f, "GET", path, NULL, NULL);
  g_assert_cmpuint (bundle_n_entries (reply_object (after)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (entry_resource (bundle_entry (reply_object (after), 0)), "id"),
                   ==, "chv-pat-000009");

  /* _sort=_lastUpdated puts it last, ties broken by id */
  g_assert_true (chevet_test_server_put_resource (f->server, json, &error));
  g_assert_no_error (error);
  sorted = request (f, "GET", "/Patient?_sort=_lastUpdated&_count=1000&_lastUpdated=ge2024-01-01", NULL, NULL);
  g_assert_cmpuint (bundle_n_entries (reply_object (sorted)), ==, N_PATIENTS);
  g_assert_cmpstr (json_object_get_string_member (entry_resource (bundle_entry (reply_object (sorted), N_PATIENTS - 1)), "id"),
                   ==, "chv-pat-000009");
  g_assert_cmpstr (json_object_get_string_member (entry_resource (bundle_entry (reply_object (sorted), 0)), "id"),
                   ==, "chv-pat-000001");
}

static void
test_search_filters (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) ids = request (f, "GET", "/Patient?_id=chv-pat-000002,chv-pat-000004", NULL, NULL);
  g_autoptr(Reply) mrn = request (f, "GET", "/Patient?identifier=" MRN_SYSTEM "%7CMRN-0000003", NULL, NULL);
  g_autoptr(Reply) org = request (f, "GET", "/Patient?organization=Organization/chv-org-1&_summary=count", NULL, NULL);
  g_autoptr(Reply) other = request (f, "GET", "/Patient?organization=Organization/nope&_summary=count", NULL, NULL);
  g_autoptr(Reply) lenient = request (f, "GET", "/Patient?unknown-param=1&_summary=count", NULL, NULL);
  g_autoptr(Reply) strict = request (f, "GET", "/Patient?unknown-param=1", NULL,
                                     "Prefer", "handling=strict", NULL);
  g_autoptr(Reply) bad_date = request (f, "GET", "/Patient?_lastUpdated=gtyesterday", NULL, NULL);
  g_autoptr(Reply) subjects = request (f, "GET", "/Condition?subject=chv-pat-000001,Patient/chv-pat-000002&_summary=count", NULL, NULL);
  g_autoptr(Reply) subject1 = request (f, "GET", "/Condition?subject=Patient/chv-pat-000001&_summary=count", NULL, NULL);
  g_autoptr(Reply) subject2 = request (f, "GET", "/Condition?patient=chv-pat-000002&_summary=count", NULL, NULL);
  g_autoptr(Reply) tagged = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (bundle_n_entries (reply_object (ids)), ==, 2);
  g_assert_cmpuint (bundle_n_entries (reply_object (mrn)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (entry_resource (bundle_entry (reply_object (mrn), 0)), "id"),
                   ==, "chv-pat-000003");
  g_assert_cmpint (json_object_get_int_member (reply_object (org), "total"), ==, N_PATIENTS);
  g_assert_cmpint (json_object_get_int_member (reply_object (other), "total"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (reply_object (lenient), "total"), ==, N_PATIENTS);
  g_assert_cmpuint (strict->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (reply_object (strict), "resourceType"), ==, "OperationOutcome");
  g_assert_cmpuint (bad_date->status, ==, 400);
  /* a comma is an OR */
  g_assert_cmpint (json_object_get_int_member (reply_object (subjects), "total"), ==,
                   json_object_get_int_member (reply_object (subject1), "total")
                   + json_object_get_int_member (reply_object (subject2), "total"));
  g_assert_true (chevet_test_server_put_resource (f->server,
    "{\"resourceType\":\"Patient\",\"id\":\"tagged\",\"meta\":{\"tag\":[{\"system\":\"urn:t\",\"code\":\"demo\"}]}}",
    &error));
  g_assert_no_error (error);
  tagged = request (f, "GET", "/Patient?_tag=urn:t%7Cdemo", NULL, NULL);
  g_assert_cmpuint (bundle_n_entries (reply_object (tagged)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (entry_resource (bundle_entry (reply_object (tagged), 0)), "id"),
                   ==, "tagged");
}

/* Offset paging over the live list: a delete between two pages makes one resource
 * slip past the client, as on real servers. */
static void
delete_first_patient (ChevetTestServer *server,
                      const char       *method,
                      const char       *path,
                      const char       *query,
                      guint             number,
                      gpointer          user_data)
{
  if (number == 1)
    g_assert_true (chevet_test_server_delete_resource (server, "Patient", "chv-pat-000001"));
}

static void
test_search_paging_shifts (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = NULL;
  guint pages;

  chevet_test_server_reset_log (f->server);
  chevet_test_server_set_request_hook (f->server, delete_first_patient, NULL);
  ids = page_all_ids (f, "/Patient?_count=10", &pages);
  chevet_test_server_set_request_hook (f->server, NULL, NULL);
  g_assert_cmpuint (chevet_test_server_count (f->server, "Patient"), ==, N_PATIENTS - 1);
  /* page 1 had 1..10; with 1 gone, offset 10 starts at 12: 11 is never seen */
  g_assert_cmpuint (ids->len, ==, N_PATIENTS - 1);
  g_assert_false (has_duplicates (ids));
  g_assert_true (g_ptr_array_find_with_equal_func (ids, "chv-pat-000001", g_str_equal, NULL));
  g_assert_false (g_ptr_array_find_with_equal_func (ids, "chv-pat-000011", g_str_equal, NULL));
}

/* ------------------------------------------------------------------ read, write, history */

static void
test_read_if_none_match (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) first = request (f, "GET", "/Patient/chv-pat-000001", NULL, NULL);
  g_autoptr(Reply) same = NULL;
  g_autoptr(Reply) changed = NULL;
  g_autoptr(Reply) vread = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000001");
  const char *etag = soup_message_headers_get_one (first->headers, "ETag");
  ChevetTestRequest *logged;

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpstr (etag, ==, "W/\"1\"");
  g_assert_nonnull (soup_message_headers_get_one (first->headers, "Last-Modified"));
  g_assert_cmpmem (g_bytes_get_data (first->body, NULL), g_bytes_get_size (first->body), json, strlen (json));

  chevet_test_server_reset_log (f->server);
  same = request (f, "GET", "/Patient/chv-pat-000001", NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (same->status, ==, 304);
  log = chevet_test_server_dup_log (f->server);
  g_assert_cmpuint (log->len, ==, 1);
  logged = g_ptr_array_index (log, 0);
  g_assert_cmpstr (logged->line, ==, "GET /fhir/Patient/chv-pat-000001");
  g_assert_cmpstr (logged->if_none_match, ==, "W/\"1\"");
  g_assert_false (logged->has_authorization);

  g_assert_true (chevet_test_server_put_resource (f->server, json, &error));
  changed = request (f, "GET", "/Patient/chv-pat-000001", NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (changed->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (changed->headers, "ETag"), ==, "W/\"2\"");
  vread = request (f, "GET", "/Patient/chv-pat-000001/_history/1", NULL, NULL);
  g_assert_cmpuint (vread->status, ==, 200);
  g_assert_cmpstr (meta_string (reply_object (vread), "versionId"), ==, "1");
  missing = request (f, "GET", "/Patient/nobody", NULL, NULL);
  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_cmpstr (json_object_get_string_member (reply_object (missing), "resourceType"), ==, "OperationOutcome");
}

static void
test_update_if_match_stale (Fixture *f, gconstpointer data)
{
  g_autofree char *v1 = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000002");
  g_autofree char *v2 = NULL;
  g_autofree char *after = NULL;
  g_autoptr(Reply) ok = request (f, "PUT", "/Patient/chv-pat-000002", v1, "If-Match", "W/\"1\"", NULL);
  g_autoptr(Reply) stale = NULL;
  g_autoptr(Reply) wrong_id = NULL;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (ok->headers, "ETag"), ==, "W/\"2\"");
  v2 = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000002");
  stale = request (f, "PUT", "/Patient/chv-pat-000002", v1, "If-Match", "W/\"1\"", NULL);
  g_assert_cmpuint (stale->status, ==, 412);
  g_assert_cmpstr (json_object_get_string_member (reply_object (stale), "resourceType"), ==, "OperationOutcome");
  after = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000002");
  g_assert_cmpstr (after, ==, v2);
  wrong_id = request (f, "PUT", "/Patient/chv-pat-000003", v1, NULL);
  g_assert_cmpuint (wrong_id->status, ==, 400);
}

static void
test_create_conditional (Fixture *f, gconstpointer data)
{
  g_autofree char *json = patient_json ("client-id", "MRN-NEW-1");
  const char *cond = "identifier=" MRN_SYSTEM "|MRN-NEW-1";
  g_autoptr(Reply) first = request (f, "POST", "/Patient", json, "If-None-Exist", cond, NULL);
  g_autoptr(Reply) second = request (f, "POST", "/Patient", json, "If-None-Exist", cond, NULL);
  g_autoptr(Reply) found = request (f, "GET", "/Patient?identifier=" MRN_SYSTEM "%7CMRN-NEW-1", NULL, NULL);
  g_autoptr(GPtrArray) log = chevet_test_server_dup_log (f->server);
  const char *location = soup_message_headers_get_one (first->headers, "Location");
  const char *id = json_object_get_string_member (reply_object (first), "id");
  g_autofree char *expected_location = g_strdup_printf ("%s/Patient/%s/_history/1",
                                                        chevet_test_server_get_base_url (f->server), id);
  g_autofree char *stored = chevet_test_server_dup_resource_json (f->server, "Patient", id);

  g_assert_cmpuint (first->status, ==, 201);
  g_assert_cmpstr (id, !=, "client-id");  /* the server assigns the id */
  g_assert_cmpstr (location, ==, expected_location);
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (reply_object (second), "id"), ==, id);
  g_assert_cmpuint (chevet_test_server_count (f->server, "Patient"), ==, N_PATIENTS + 1);
  g_assert_cmpuint (bundle_n_entries (reply_object (found)), ==, 1);
  g_assert_cmpstr (((ChevetTestRequest *) g_ptr_array_index (log, 0))->if_none_exist, ==, cond);
  /* the client's bytes are kept, not reprinted */
  g_assert_nonnull (strstr (stored, "\"valueDecimal\":7.10"));
}

static void
test_history_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) del = request (f, "DELETE", "/Patient/chv-pat-000004", NULL, NULL);
  g_autoptr(Reply) gone = request (f, "GET", "/Patient/chv-pat-000004", NULL, NULL);
  g_autoptr(Reply) type_history = request (f, "GET", "/Patient/_history?_count=5", NULL, NULL);
  g_autoptr(Reply) system_history = request (f, "GET", "/_history?_count=3", NULL, NULL);
  g_autoptr(Reply) instance = request (f, "GET", "/Patient/chv-pat-000004/_history", NULL, NULL);
  g_autoptr(Reply) search = request (f, "GET", "/Patient?_id=chv-pat-000004", NULL, NULL);
  JsonObject *bundle = reply_object (type_history);
  JsonObject *e = bundle_entry (bundle, 0);
  JsonObject *req = json_object_get_object_member (e, "request");
  JsonObject *resp = json_object_get_object_member (e, "response");
  g_autofree char *since_path = NULL;
  g_autoptr(Reply) since = NULL;

  g_assert_cmpuint (del->status, ==, 200);
  g_assert_cmpuint (gone->status, ==, 410);
  g_assert_cmpstr (json_object_get_string_member (bundle, "type"), ==, "history");
  g_assert_cmpuint (bundle_n_entries (bundle), ==, 5);
  g_assert_nonnull (bundle_link (bundle, "next"));
  g_assert_cmpstr (json_object_get_string_member (req, "method"), ==, "DELETE");
  g_assert_cmpstr (json_object_get_string_member (req, "url"), ==, "Patient/chv-pat-000004");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (resp, "status"), "410"));
  g_assert_false (json_object_has_member (e, "resource"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (bundle_entry (reply_object (system_history), 0), "request"), "method"),
                   ==, "DELETE");
  g_assert_cmpuint (bundle_n_entries (reply_object (instance)), ==, 2);
  g_assert_cmpuint (bundle_n_entries (reply_object (search)), ==, 0);

  /* _since the deletion: just the deletion */
  since_path = g_strdup_printf ("/_history?_since=%s", json_object_get_string_member (resp, "lastModified"));
  since = request (f, "GET", since_path, NULL, NULL);
  g_assert_cmpuint (bundle_n_entries (reply_object (since)), ==, 1);
}

static void
test_transaction (Fixture *f, gconstpointer data)
{
  g_autofree char *patient = patient_json (NULL, "MRN-TX-1");
  g_autofree char *bundle = g_strdup_printf (
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"fullUrl\":\"urn:uuid:0d5e6a52-0000-4000-8000-000000000001\",\"resource\":%s,"
    "\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":\"identifier=" MRN_SYSTEM "|MRN-TX-1\"}},"
    "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
    "\"subject\":{\"reference\":\"urn:uuid:0d5e6a52-0000-4000-8000-000000000001\"},\"valueQuantity\":{\"value\":0.1}},"
    "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}", patient);
  g_autofree char *v1 = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000006");
  g_autofree char *v7 = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000007");
  g_autofree char *bad = g_strdup_printf (
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"Patient/chv-pat-000007\"}},"
    "{\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"Patient/chv-pat-000006\",\"ifMatch\":\"W/\\\"9\\\"\"}}]}",
    v7, v1);
  guint before = chevet_test_server_count (f->server, NULL);
  g_autoptr(Reply) r = request (f, "POST", "", bundle, NULL);
  g_autoptr(Reply) again = NULL;
  g_autoptr(Reply) failed = NULL;
  JsonObject *resp = reply_object (r);
  JsonObject *obs;
  g_autofree char *patient_ref = NULL;
  g_autofree char *after = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (resp, "type"), ==, "transaction-response");
  g_assert_cmpuint (bundle_n_entries (resp), ==, 2);
  patient_ref = g_strdup_printf ("Patient/%s",
                                 json_object_get_string_member (entry_resource (bundle_entry (resp, 0)), "id"));
  obs = entry_resource (bundle_entry (resp, 1));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obs, "subject"), "reference"),
                   ==, patient_ref);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (
                   json_object_get_object_member (bundle_entry (resp, 0), "response"), "status"), "201"));
  g_assert_cmpuint (chevet_test_server_count (f->server, NULL), ==, before + 2);

  /* the conditional create matches this time: only the Observation is new */
  again = request (f, "POST", "", bundle, NULL);
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpuint (chevet_test_server_count (f->server, NULL), ==, before + 3);

  /* all or nothing: the stale If-Match of the second entry keeps the first from landing */
  failed = request (f, "POST", "", bad, NULL);
  g_assert_cmpuint (failed->status, ==, 412);
  after = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000007");
  g_assert_cmpstr (after, ==, v7);
  g_clear_pointer (&after, g_free);
  after = chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000006");
  g_assert_cmpstr (after, ==, v1);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) invalid = request (f, "POST", "/Patient", "{\"resourceType\":", NULL);
  g_autoptr(Reply) wrong_type = request (f, "POST", "/Patient", "{\"resourceType\":\"Observation\"}", NULL);
  g_autoptr(Reply) unknown_type = request (f, "GET", "/Spaceship", NULL, NULL);
  g_autoptr(Reply) patch = request (f, "PATCH", "/Patient/chv-pat-000001", "{}", NULL);
  g_autoptr(Reply) not_fhir = request (f, "GET", "/../other", NULL, NULL);
  Reply *all[] = { invalid, wrong_type, unknown_type, patch };
  guint expected[] = { 400, 400, 404, 405 };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_assert_cmpuint (all[i]->status, ==, expected[i]);
      g_assert_cmpstr (json_object_get_string_member (reply_object (all[i]), "resourceType"), ==,
                       "OperationOutcome");
    }
  g_assert_cmpuint (not_fhir->status, ==, 404);
  g_assert_cmpuint (chevet_test_server_count (f->server, "Patient"), ==, N_PATIENTS);
}

/* ------------------------------------------------------------------ gzip */

static void
test_gzip (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) plain = NULL;
  g_autoptr(Reply) zipped = NULL;
  g_autoptr(GConverter) unzip = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  g_autoptr(GInputStream) mem = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* without libsoup's decoder, to see the bytes on the wire */
  soup_session_remove_feature_by_type (f->session, SOUP_TYPE_CONTENT_DECODER);
  plain = request (f, "GET", "/Patient?_count=20", NULL, NULL);
  g_assert_null (soup_message_headers_get_one (plain->headers, "Content-Encoding"));
  zipped = request (f, "GET", "/Patient?_count=20", NULL, "Accept-Encoding", "gzip", NULL);
  g_assert_cmpstr (soup_message_headers_get_one (zipped->headers, "Content-Encoding"), ==, "gzip");
  g_assert_cmpuint (g_bytes_get_size (zipped->body), <, g_bytes_get_size (plain->body));

  mem = g_memory_input_stream_new_from_bytes (zipped->body);
  in = g_converter_input_stream_new (mem, unzip);
  decoded = g_input_stream_read_bytes (in, 10 * 1024 * 1024, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (decoded, NULL),
                                             g_bytes_get_size (decoded), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bundle_n_entries (json_node_get_object (json_parser_get_root (parser))), ==, 20);
}

/* ------------------------------------------------------------------ auth */

static void
test_auth_bearer (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) none = NULL;
  g_autoptr(Reply) wrong = NULL;
  g_autoptr(Reply) right = NULL;
  g_autoptr(Reply) metadata = NULL;

  chevet_test_server_set_bearer_token (f->server, "s3cret-token");
  none = request (f, "GET", "/Patient?_count=1", NULL, NULL);
  g_assert_cmpuint (none->status, ==, 401);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (none->headers, "WWW-Authenticate"), "Bearer"));
  wrong = request (f, "GET", "/Patient?_count=1", NULL, "Authorization", "Bearer nope", NULL);
  g_assert_cmpuint (wrong->status, ==, 401);
  right = request (f, "GET", "/Patient?_count=1", NULL, "Authorization", "Bearer s3cret-token", NULL);
  g_assert_cmpuint (right->status, ==, 200);
  metadata = request (f, "GET", "/metadata", NULL, NULL);
  g_assert_cmpuint (metadata->status, ==, 200);
}

static char *
fetch_token (Fixture    *f,
             const char *form,
             const char *basic,
             guint      *status)
{
  const char *url = chevet_test_server_get_token_url (f->server);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  if (basic != NULL)
    {
      g_autofree char *b64 = g_base64_encode ((const guchar *) basic, strlen (basic));
      g_autofree char *value = g_strconcat ("Basic ", b64, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  reply = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                             g_bytes_get_size (reply), NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  if (*status != 200)
    return NULL;
  g_assert_cmpstr (json_object_get_string_member (o, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (o, "expires_in"), ==, 600);
  return g_strdup (json_object_get_string_member (o, "access_token"));
}

static void
test_auth_oauth (Fixture *f, gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *token2 = NULL;
  g_autofree char *header = NULL;
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) expired = NULL;
  g_autoptr(Reply) metadata = NULL;
  guint status;

  chevet_test_server_set_oauth_client (f->server, "chevet", "pw", 600);
  g_assert_null (fetch_token (f, "grant_type=client_credentials&client_id=chevet&client_secret=bad",
                              NULL, &status));
  g_assert_cmpuint (status, ==, 401);
  g_assert_null (fetch_token (f, "grant_type=password&client_id=chevet&client_secret=pw", NULL, &status));
  g_assert_cmpuint (status, ==, 400);
  token = fetch_token (f, "grant_type=client_credentials&client_id=chevet&client_secret=pw", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  token2 = fetch_token (f, "grant_type=client_credentials", "chevet:pw", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (token, !=, token2);
  g_assert_cmpuint (chevet_test_server_get_token_requests (f->server), ==, 4);

  header = g_strconcat ("Bearer ", token, NULL);
  ok = request (f, "GET", "/Patient?_count=1", NULL, "Authorization", header, NULL);
  g_assert_cmpuint (ok->status, ==, 200);
  chevet_test_server_expire_tokens (f->server);
  expired = request (f, "GET", "/Patient?_count=1", NULL, "Authorization", header, NULL);
  g_assert_cmpuint (expired->status, ==, 401);
  g_assert_nonnull (strstr (soup_message_headers_get_one (expired->headers, "WWW-Authenticate"),
                            "invalid_token"));
  metadata = request (f, "GET", "/metadata", NULL, NULL);
  g_assert_nonnull (strstr ((const char *) g_bytes_get_data (metadata->body, NULL),
                            chevet_test_server_get_token_url (f->server)));
}

/* ------------------------------------------------------------------ faults */

static void
test_fault_drop (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) in_headers = NULL;
  g_autoptr(Reply) in_body = NULL;
  g_autoptr(Reply) other_path = NULL;
  g_autoptr(Reply) after = NULL;

  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_DROP, "/fhir/Patient", 1, 20);
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_DROP, "/fhir/Patient", 1, 400);
  other_path = request (f, "GET", "/Observation?_count=1", NULL, NULL);
  g_assert_cmpuint (other_path->status, ==, 200);
  in_headers = request (f, "GET", "/Patient?_count=5", NULL, NULL);
  g_assert_nonnull (in_headers->error);
  in_body = request (f, "GET", "/Patient?_count=5", NULL, NULL);
  g_assert_nonnull (in_body->error);
  after = request (f, "GET", "/Patient?_count=5", NULL, NULL);
  g_assert_no_error (after->error);
  g_assert_cmpuint (bundle_n_entries (reply_object (after)), ==, 5);
}

static void
test_fault_status (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) a = NULL;
  g_autoptr(Reply) b = NULL;
  g_autoptr(Reply) c = NULL;
  g_autoptr(Reply) d = NULL;
  g_autoptr(Reply) e = NULL;

  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_STATUS_429, NULL, 2, 7);
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_STATUS_503, NULL, 1, 3);
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_STATUS_500, NULL, 1, 0);
  a = request (f, "GET", "/Patient", NULL, NULL);
  b = request (f, "GET", "/Patient", NULL, NULL);
  c = request (f, "GET", "/Patient", NULL, NULL);
  d = request (f, "GET", "/Patient", NULL, NULL);
  e = request (f, "GET", "/Patient", NULL, NULL);
  g_assert_cmpuint (a->status, ==, 429);
  g_assert_cmpstr (soup_message_headers_get_one (a->headers, "Retry-After"), ==, "7");
  g_assert_cmpuint (b->status, ==, 429);
  g_assert_cmpuint (c->status, ==, 503);
  g_assert_cmpstr (soup_message_headers_get_one (c->headers, "Retry-After"), ==, "3");
  g_assert_cmpuint (d->status, ==, 500);
  g_assert_cmpuint (e->status, ==, 200);

  /* a refused write changes nothing; clear_faults empties the queue */
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_STATUS_503, NULL, 1, 1);
  {
    g_autoptr(Reply) del = request (f, "DELETE", "/Patient/chv-pat-000001", NULL, NULL);

    g_assert_cmpuint (del->status, ==, 503);
    g_assert_cmpuint (chevet_test_server_count (f->server, "Patient"), ==, N_PATIENTS);
  }
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_STATUS_500, NULL, 5, 0);
  chevet_test_server_clear_faults (f->server);
  {
    g_autoptr(Reply) ok = request (f, "GET", "/Patient?_count=1", NULL, NULL);

    g_assert_cmpuint (ok->status, ==, 200);
  }
}

static void
test_fault_slow (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) r = NULL;
  gint64 start;

  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_SLOW, NULL, 1, 300);
  start = g_get_monotonic_time ();
  r = request (f, "GET", "/Patient?_count=3", NULL, NULL);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (bundle_n_entries (reply_object (r)), ==, 3);
}

static void
test_fault_invalid_body (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) r = NULL;

  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_INVALID_BODY, NULL, 1, 0);
  r = request (f, "GET", "/Patient?_count=3", NULL, NULL);
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r->body), >, 0);
  g_assert_null (r->json);
}

static void
test_fault_stall (Fixture *f, gconstpointer data)
{
  g_autoptr(Reply) stalled = NULL;
  g_autoptr(Reply) after = NULL;
  gint64 start;

  g_object_set (f->session, "timeout", 1, NULL);
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_STALL, NULL, 1, 0);
  start = g_get_monotonic_time ();
  stalled = request (f, "GET", "/Patient?_count=3", NULL, NULL);
  g_assert_error (stalled->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);
  after = request (f, "GET", "/Patient?_count=3", NULL, NULL);
  g_assert_cmpuint (after->status, ==, 200);
}

/* ------------------------------------------------------------------ features */

static gboolean
metadata_has (Fixture    *f,
              const char *needle)
{
  g_autoptr(Reply) r = request (f, "GET", "/metadata", NULL, NULL);
  g_autofree char *text = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));

  g_assert_cmpuint (r->status, ==, 200);
  return strstr (text, needle) != NULL;
}

static void
test_features_off (Fixture *f, gconstpointer data)
{
  g_autofree char *json = patient_json (NULL, "MRN-DUP");
  g_autoptr(Reply) history = NULL;
  g_autoptr(Reply) count = NULL;
  g_autoptr(Reply) sort = NULL;
  g_autoptr(Reply) read = NULL;
  g_autoptr(Reply) c1 = NULL;
  g_autoptr(Reply) c2 = NULL;

  g_assert_true (metadata_has (f, "\"history-system\""));
  g_assert_true (metadata_has (f, "\"history-type\""));
  g_assert_true (metadata_has (f, "\"_summary\""));
  g_assert_true (metadata_has (f, "\"_sort\""));
  g_assert_true (metadata_has (f, "\"conditionalCreate\":true"));
  g_assert_true (metadata_has (f, "\"versioned-update\""));

  chevet_test_server_set_features (f->server, 0);
  g_assert_false (metadata_has (f, "\"history-system\""));
  g_assert_false (metadata_has (f, "\"history-type\""));
  g_assert_false (metadata_has (f, "\"_summary\""));
  g_assert_false (metadata_has (f, "\"_sort\""));
  g_assert_false (metadata_has (f, "\"conditionalCreate\":true"));
  g_assert_false (metadata_has (f, "\"versioned-update\""));

  history = request (f, "GET", "/_history", NULL, NULL);
  g_assert_cmpuint (history->status, ==, 404);
  g_assert_cmpstr (json_object_get_string_member (reply_object (history), "resourceType"), ==, "OperationOutcome");
  count = request (f, "GET", "/Patient?_summary=count", NULL, NULL);
  g_assert_cmpuint (count->status, ==, 400);
  sort = request (f, "GET", "/Patient?_sort=_lastUpdated", NULL, NULL);
  g_assert_cmpuint (sort->status, ==, 400);
  read = request (f, "GET", "/Patient/chv-pat-000001", NULL, "If-None-Match", "W/\"1\"", NULL);
  g_assert_cmpuint (read->status, ==, 200);
  g_assert_null (soup_message_headers_get_one (read->headers, "ETag"));
  /* without conditional create, If-None-Exist is ignored: a duplicate */
  c1 = request (f, "POST", "/Patient", json, "If-None-Exist", "identifier=" MRN_SYSTEM "|MRN-DUP", NULL);
  c2 = request (f, "POST", "/Patient", json, "If-None-Exist", "identifier=" MRN_SYSTEM "|MRN-DUP", NULL);
  g_assert_cmpuint (c1->status, ==, 201);
  g_assert_cmpuint (c2->status, ==, 201);
  g_assert_cmpuint (chevet_test_server_count (f->server, "Patient"), ==, N_PATIENTS + 2);
}

/* ------------------------------------------------------------------ data API */

static void
test_data_api (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = patient_json ("api-1", "MRN-API");
  g_autofree char *stored = NULL;
  g_auto(GStrv) types = chevet_test_server_dup_types (f->server);
  g_autoptr(Reply) a = NULL;
  g_autoptr(Reply) b = NULL;

  g_assert_true (g_strv_contains ((const char * const *) types, "Patient"));
  g_assert_true (g_strv_contains ((const char * const *) types, "Observation"));
  g_assert_false (chevet_test_server_put_resource (f->server, "{\"resourceType\":\"Patient\"}", &error));
  g_assert_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID);

  /* a frozen clock: many writes share one lastUpdated */
  chevet_test_server_set_clock (f->server, G_GINT64_CONSTANT (1893456000000));  /* 2030-01-01T00:00:00Z */
  g_assert_true (chevet_test_server_put_resource (f->server, json, NULL));
  g_assert_true (chevet_test_server_delete_resource (f->server, "Patient", "chv-pat-000010"));
  g_assert_false (chevet_test_server_delete_resource (f->server, "Patient", "chv-pat-000010"));
  stored = chevet_test_server_dup_resource_json (f->server, "Patient", "api-1");
  g_assert_nonnull (strstr (stored, "\"lastUpdated\":\"2030-01-01T00:00:00.000Z\""));
  g_assert_null (chevet_test_server_dup_resource_json (f->server, "Patient", "chv-pat-000010"));
  a = request (f, "GET", "/Patient?_lastUpdated=2030-01-01T00:00:00.000Z&_summary=count", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (reply_object (a), "total"), ==, 1);
  b = request (f, "GET", "/_history?_since=2030-01-01T00:00:00Z", NULL, NULL);
  g_assert_cmpuint (bundle_n_entries (reply_object (b)), ==, 2);
  chevet_test_server_set_clock (f->server, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/test-server/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("tls/trusted-ca-accepted", test_tls_trusted_ca);
  ADD ("tls/unknown-without-ca", test_tls_without_ca);
  g_test_add_data_func ("/test-server/tls/expired-rejected",
                        GUINT_TO_POINTER (CHEVET_TEST_CERT_EXPIRED), test_tls_rejected);
  g_test_add_data_func ("/test-server/tls/wrong-host-rejected",
                        GUINT_TO_POINTER (CHEVET_TEST_CERT_WRONG_HOST), test_tls_rejected);
  g_test_add_data_func ("/test-server/tls/unknown-ca-rejected",
                        GUINT_TO_POINTER (CHEVET_TEST_CERT_UNKNOWN_CA), test_tls_rejected);
  ADD ("search/pages-return-every-patient-once", test_search_pages_all);
  ADD ("search/summary-count", test_search_summary_count);
  ADD ("search/last-updated-gt-finds-the-update", test_search_last_updated);
  ADD ("search/filters-and-strict-handling", test_search_filters);
  ADD ("search/delete-between-pages-shifts-offsets", test_search_paging_shifts);
  ADD ("read/if-none-match-304", test_read_if_none_match);
  ADD ("update/stale-if-match-412-unchanged", test_update_if_match_stale);
  ADD ("create/conditional-twice-makes-one", test_create_conditional);
  ADD ("history/delete-entry", test_history_delete);
  ADD ("transaction/references-and-atomicity", test_transaction);
  ADD ("errors/operation-outcomes", test_errors);
  ADD ("gzip/body-decodes", test_gzip);
  ADD ("auth/bearer", test_auth_bearer);
  ADD ("auth/oauth-client-credentials-and-expiry", test_auth_oauth);
  ADD ("fault/drop-connection", test_fault_drop);
  ADD ("fault/status-and-retry-after", test_fault_status);
  ADD ("fault/slow", test_fault_slow);
  ADD ("fault/invalid-body", test_fault_invalid_body);
  ADD ("fault/stall-hits-client-timeout", test_fault_stall);
  ADD ("features/switched-off", test_features_off);
  ADD ("data/api-and-frozen-clock", test_data_api);
#undef ADD

  return g_test_run ();
}
