/* test-import.c: FHIR R4 import: real Synthea bundles, idempotence, versions, bad input
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

/* ------------------------------------------------------------------ Synthea */

static const char *
synthea_dir (void)
{
  const char *dir = g_getenv ("CHEVET_SHARED_FHIR");

  return dir != NULL && g_file_test (dir, G_FILE_TEST_IS_DIR) ? dir : NULL;
}

/* Distinct (type, id) per type, counted from the file by json-glib, independently of
 * the importer (ids from the resource, else from the urn:uuid: full URL). */
static void
count_bundle (const char *file,
              GHashTable *seen,
              GHashTable *counts)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *entries;

  json_parser_load_from_file (parser, file, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "entry");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);
      JsonObject *r = json_object_get_object_member (e, "resource");
      const char *type = json_object_get_string_member (r, "resourceType");
      const char *id = json_object_has_member (r, "id") ? json_object_get_string_member (r, "id")
                                                         : json_object_get_string_member (e, "fullUrl") + 9;
      char *key = g_strdup_printf ("%s/%s", type, id);

      if (!g_hash_table_add (seen, key))
        continue;
      g_hash_table_insert (counts, g_strdup (type),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, type)) + 1));
    }
}

static void
assert_counts_equal (ChevetStore *store,
                     GHashTable  *expected)
{
  g_autoptr(GHashTable) actual = chevet_store_count_resources (store, NULL);
  GHashTableIter iter;
  gpointer type, n;

  g_assert_cmpuint (g_hash_table_size (actual), ==, g_hash_table_size (expected));
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &type, &n))
    {
      if (GPOINTER_TO_UINT (g_hash_table_lookup (actual, type)) != GPOINTER_TO_UINT (n))
        g_error ("%s: %u in the store, %u in the file", (char *) type,
                 GPOINTER_TO_UINT (g_hash_table_lookup (actual, type)), GPOINTER_TO_UINT (n));
    }
}

static void
test_synthea_counts (void)
{
  const char *dir = synthea_dir ();
  g_autofree char *all_path = NULL;
  g_autoptr(ChevetStore) all = NULL;
  g_autoptr(GHashTable) all_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) all_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint files = 0;

  if (dir == NULL)
    {
      g_test_skip ("../shared/fhir/synthea is absent: the real Synthea bundles cannot be checked");
      return;
    }
  all = test_store_new (&all_path);
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_autoptr(GFile) gfile = g_file_new_for_path (file);
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autoptr(ChevetStore) one = NULL;
      ChevetImportStats stats;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      files++;
      count_bundle (file, seen, counts);
      count_bundle (file, all_seen, all_counts);

      /* Each file alone, in a store of its own: every resource of every type is there. */
      one = test_store_new (&path);
      g_assert_true (chevet_store_import_file (one, gfile, &stats, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      assert_counts_equal (one, counts);
      g_assert_cmpuint (stats.created, ==, g_hash_table_size (seen));
      g_clear_object (&one);
      test_rm_rf (path);

      g_assert_true (chevet_store_import_file (all, gfile, NULL, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (files, ==, 13);
  /* Together: Organizations and Practitioners shared between files are stored once. */
  assert_counts_equal (all, all_counts);
  g_clear_object (&all);
  test_rm_rf (all_path);
}

/* The chart of a Synthea patient holds what the bundle says about that patient. */
static void
test_synthea_chart (void)
{
  const char *dir = synthea_dir ();
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GFile) gfile = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ChevetChart) chart = NULL;
  g_autofree char *json = NULL;
  const char *patient_id = NULL;
  JsonArray *entries;
  guint conditions = 0, encounters = 0, vitals_codes = 0;
  g_autoptr(GHashTable) vital_codes = g_hash_table_new (g_str_hash, g_str_equal);

  if (dir == NULL)
    {
      g_test_skip ("../shared/fhir/synthea is absent: the real Synthea bundles cannot be checked");
      return;
    }
  file = g_build_filename (dir, "Adán_Pulido_7694b55e-b670-44a5-b426-c56027e97986.json", NULL);
  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the Synthea bundle with a non-ASCII name is absent");
      return;
    }
  json_parser_load_from_file (parser, file, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "entry");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *r = json_object_get_object_member (json_array_get_object_element (entries, i), "resource");
      const char *type = json_object_get_string_member (r, "resourceType");

      if (g_str_equal (type, "Patient"))
        patient_id = json_object_get_string_member (r, "id");
      else if (g_str_equal (type, "Condition"))
        conditions++;
      else if (g_str_equal (type, "Encounter"))
        encounters++;
      else if (g_str_equal (type, "Observation"))
        {
          JsonArray *cat = json_object_get_array_member (r, "category");
          JsonObject *coding = json_array_get_object_element (
            json_object_get_array_member (json_array_get_object_element (cat, 0), "coding"), 0);

          if (g_str_equal (json_object_get_string_member (coding, "code"), "vital-signs"))
            g_hash_table_add (vital_codes, (gpointer) json_object_get_string_member (
              json_array_get_object_element (json_object_get_array_member (
                json_object_get_object_member (r, "code"), "coding"), 0), "code"));
        }
    }
  vitals_codes = g_hash_table_size (vital_codes);
  g_assert_nonnull (patient_id);

  store = test_store_new (&path);
  gfile = g_file_new_for_path (file);
  g_assert_true (chevet_store_import_file (store, gfile, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* urn:uuid: references were resolved: the chart finds everything by patient id. */
  chart = chevet_store_read_chart (store, patient_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chart->conditions->len, ==, conditions);
  g_assert_cmpuint (chart->encounters->len, ==, encounters);
  g_assert_cmpuint (chart->vitals->len, ==, vitals_codes);
  g_assert_true (chevet_patient_get_deceased (chart->patient));
  g_assert_cmpstr (chevet_patient_get_given (chart->patient), ==, "Adán");
  json = chevet_store_dup_resource_json (store, "Patient", patient_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "us-core-race"));  /* extensions we do not show are kept */
  g_clear_pointer (&json, g_free);

  /* A stored Condition refers to its patient as Patient/id, not urn:uuid:. */
  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store),
                                         "SELECT count(*) FROM resources WHERE json LIKE '%\"urn:uuid:%'",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_finalize (stmt);
  }
  g_clear_pointer (&chart, chevet_chart_free);
  g_clear_object (&store);
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ semantics */

static char *
store_digest (ChevetStore *store)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store),
                                       "SELECT type, id, coalesce(version_id, ''), json FROM resources ORDER BY type, id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (int i = 0; i < 4; i++)
      g_checksum_update (sum, sqlite3_column_text (stmt, i), -1);
  sqlite3_finalize (stmt);
  g_checksum_update (sum, (const guchar *) "|", 1);
  {
    g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, chevet_store_count_patients (store, NULL, NULL));
    g_checksum_update (sum, (const guchar *) n, -1);
  }
  return g_strdup (g_checksum_get_string (sum));
}

static const char obs_v1[] =
  "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"2024-01-01T10:00:00Z\"},"
  "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]},"
  "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2024-01-01\","
  "\"valueQuantity\":{\"value\":7.10,\"unit\":\"%\"}}";
static const char obs_v2[] =
  "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{\"versionId\":\"2\",\"lastUpdated\":\"2024-02-01T10:00:00Z\"},"
  "\"status\":\"amended\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]},"
  "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2024-01-01\","
  "\"valueQuantity\":{\"value\":0.1,\"unit\":\"%\"}}";

static void
test_idempotent (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autofree char *data = g_strdup_printf ("%s\n%s\n", obs_v2,
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Okafor\"}]}");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  ChevetImportStats stats;
  g_autoptr(GError) error = NULL;

  g_assert_true (chevet_store_import_data (store, data, -1, "a.ndjson", &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.created, ==, 2);
  first = store_digest (store);
  g_assert_true (chevet_store_import_data (store, data, -1, "a.ndjson", &stats, &error));
  g_assert_cmpuint (stats.created, ==, 0);
  g_assert_cmpuint (stats.updated, ==, 0);
  g_assert_cmpuint (stats.unchanged, ==, 2);
  second = store_digest (store);
  g_assert_cmpstr (first, ==, second);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_version_order (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GPtrArray) series = NULL;
  ChevetImportStats stats;

  /* Newer first, then older: the older never overwrites. */
  g_assert_true (chevet_store_import_data (store, obs_v2, -1, "v2.json", &stats, &error));
  g_assert_true (chevet_store_import_data (store, obs_v1, -1, "v1.json", &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.older, ==, 1);
  json = chevet_store_dup_resource_json (store, "Observation", "o1", NULL);
  g_assert_cmpstr (json, ==, obs_v2);
  g_clear_pointer (&json, g_free);

  /* The decimal is kept as the server wrote it, and the projection follows the version. */
  series = chevet_store_read_observations (store, "p1", "4548-4", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 1);
  g_assert_cmpfloat (((ChevetChartItem *) series->pdata[0])->number, ==, 0.1);
  g_assert_cmpstr (((ChevetChartItem *) series->pdata[0])->status, ==, "amended");
  g_clear_object (&store);
  test_rm_rf (path);

  /* Older first, then newer: replaced; trailing zeros of 7.10 kept in the verbatim copy. */
  g_clear_pointer (&path, g_free);
  store = test_store_new (&path);
  g_assert_true (chevet_store_import_data (store, obs_v1, -1, "v1.json", &stats, &error));
  json = chevet_store_dup_resource_json (store, "Observation", "o1", NULL);
  g_assert_nonnull (strstr (json, "7.10"));
  g_clear_pointer (&json, g_free);
  g_assert_true (chevet_store_import_data (store, obs_v2, -1, "v2.json", &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.updated, ==, 1);
  json = chevet_store_dup_resource_json (store, "Observation", "o1", NULL);
  g_assert_cmpstr (json, ==, obs_v2);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_bundle_semantics (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  ChevetImportStats stats;
  /* A transaction POSTing a patient without id, and a condition pointing at it. */
  const char *tx =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"fullUrl\":\"urn:uuid:11111111-2222-3333-4444-555555555555\","
    " \"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Mensah\",\"given\":[\"Kwame\"]}]},"
    " \"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
    "{\"fullUrl\":\"urn:uuid:aaaaaaaa-2222-3333-4444-555555555555\","
    " \"resource\":{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"urn:uuid:11111111-2222-3333-4444-555555555555\"},"
    "  \"code\":{\"text\":\"Malaria\"},\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]}},"
    " \"request\":{\"method\":\"POST\",\"url\":\"Condition\"}}]}";
  const char *history =
    "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":["
    "{\"request\":{\"method\":\"DELETE\",\"url\":\"Condition/c1\"}},"
    "{\"search\":{\"mode\":\"outcome\"},\"resource\":{\"resourceType\":\"OperationOutcome\",\"issue\":[]}}]}";

  g_assert_true (chevet_store_import_data (store, tx, -1, "tx.json", &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.created, ==, 2);
  json = chevet_store_dup_resource_json (store, "Condition", "c1", NULL);
  g_assert_nonnull (strstr (json, "\"Patient/11111111-2222-3333-4444-555555555555\""));
  g_clear_pointer (&json, g_free);
  json = chevet_store_dup_resource_json (store, "Patient", "11111111-2222-3333-4444-555555555555", NULL);
  g_assert_nonnull (json);
  chart = chevet_store_read_chart (store, "11111111-2222-3333-4444-555555555555", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chart->conditions->len, ==, 1);
  g_clear_pointer (&chart, chevet_chart_free);

  g_assert_true (chevet_store_import_data (store, history, -1, "history.json", &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.deleted, ==, 1);
  g_assert_cmpuint (stats.skipped, ==, 1);
  g_assert_cmpuint (test_count (store, "Condition"), ==, 0);
  chart = chevet_store_read_chart (store, "11111111-2222-3333-4444-555555555555", &error);
  g_assert_cmpuint (chart->conditions->len, ==, 0);
  g_clear_object (&store);
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ bad input */

typedef struct
{
  const char *name;
  const char *data;
  int         code;
  const char *where;   /* what the message must point at */
} BadCase;

static void
test_bad_input (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *huge_line = NULL;
  const char *good = "{\"resourceType\":\"Patient\",\"id\":\"ok1\",\"name\":[{\"family\":\"Traoré\"}]}\n";
  BadCase cases[] = {
    { "malformed.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\": \n",
      CHEVET_IMPORT_ERROR_MALFORMED, "line 2" },
    { "no-type.ndjson", "{\"id\":\"a\"}\n", CHEVET_IMPORT_ERROR_MISSING, "line 1" },
    { "no-id.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\"}\n",
      CHEVET_IMPORT_ERROR_MISSING, "line 2" },
    { "bad-id.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a/b\"}\n", CHEVET_IMPORT_ERROR_INVALID_VALUE, "line 1" },
    { "type-as-number.ndjson", "{\"resourceType\":42,\"id\":\"a\"}\n", CHEVET_IMPORT_ERROR_INVALID_VALUE, "line 1" },
    { "name-as-string.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\",\"name\":\"Jean\"}\n",
      CHEVET_IMPORT_ERROR_INVALID_VALUE, "line 1" },
    { "value-as-string.ndjson",
      "{\"resourceType\":\"Observation\",\"id\":\"a\",\"subject\":{\"reference\":\"Patient/p\"},"
      "\"valueQuantity\":{\"value\":\"high\"}}\n", CHEVET_IMPORT_ERROR_INVALID_VALUE, "line 1" },
    { "impossible-date.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\",\"birthDate\":\"2021-02-30\"}\n",
      CHEVET_IMPORT_ERROR_INVALID_VALUE, "line 1" },
    { "date-as-number.ndjson", "{\"resourceType\":\"Encounter\",\"id\":\"a\",\"period\":{\"start\":20210101}}\n",
      CHEVET_IMPORT_ERROR_INVALID_VALUE, "line 1" },
    { "unknown-type.ndjson", "{\"resourceType\":\"Spaceship\",\"id\":\"a\"}\n", CHEVET_IMPORT_ERROR_UNKNOWN_TYPE, "line 1" },
    { "not-an-object.ndjson", "[1,2,3]\n", CHEVET_IMPORT_ERROR_MALFORMED, "line 1" },
    { "bad-utf8.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\",\"gender\":\"\xff\xfe\"}\n",
      CHEVET_IMPORT_ERROR_MALFORMED, "line 1" },
    { "bundle.json",
      "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b1\"}},"
      "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b2\",\"deceasedBoolean\":\"yes\"}}]}",
      CHEVET_IMPORT_ERROR_INVALID_VALUE, "entry 2" },
    { "bundle-type.json", "{\"resourceType\":\"Bundle\",\"type\":\"party\",\"entry\":[]}",
      CHEVET_IMPORT_ERROR_UNSUPPORTED, "bundle-type.json" },
    { "two-values.json", "{\"resourceType\":\"Patient\",\"id\":\"a\"} {\"resourceType\":\"Patient\",\"id\":\"b\"}",
      CHEVET_IMPORT_ERROR_MALFORMED, "two-values.json" },
    { "comment.json",
      "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\": /* c */ "
      "{\"resourceType\":\"Patient\",\"id\":\"c1\"}}]}", CHEVET_IMPORT_ERROR_MALFORMED, "comment.json" },
    { "huge-string.ndjson", NULL, CHEVET_IMPORT_ERROR_TOO_LARGE, "line 2" },
    { "huge-line.ndjson", NULL, CHEVET_IMPORT_ERROR_TOO_LARGE, "line 2" },
  };

  /* 17 MB of text in one string; then a line longer than the 64 MB a resource may take. */
  {
    gsize n = CHEVET_IMPORT_MAX_STRING_BYTES + 1024;
    GString *s = g_string_new (good);

    g_string_append (s, "{\"resourceType\":\"Patient\",\"id\":\"big\",\"gender\":\"");
    for (gsize i = 0; i < n; i++)
      g_string_append_c (s, 'a');
    g_string_append (s, "\"}\n");
    huge = g_string_free (s, FALSE);
    cases[G_N_ELEMENTS (cases) - 2].data = huge;

    s = g_string_new (good);
    g_string_append (s, "{\"resourceType\":\"Patient\",\"id\":\"big\",\"text\":\"");
    for (gsize i = 0; i < CHEVET_IMPORT_MAX_RESOURCE_BYTES + 1024; i++)
      g_string_append_c (s, 'a');
    huge_line = g_string_free (s, FALSE);
    cases[G_N_ELEMENTS (cases) - 1].data = huge_line;
  }

  g_assert_true (chevet_store_import_data (store, good, -1, "good.ndjson", NULL, &error));
  g_assert_no_error (error);
  before = store_digest (store);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* A good resource first: it must be rolled back with the bad one. */
      g_autofree char *data = g_str_has_suffix (cases[i].name, ".ndjson") && cases[i].data != huge && cases[i].data != huge_line
                                ? g_strconcat ("{\"resourceType\":\"Patient\",\"id\":\"new1\"}\n", cases[i].data, NULL)
                                : g_strdup (cases[i].data);
      g_autofree char *after = NULL;
      const char *where = cases[i].where;
      g_autofree char *shifted = NULL;

      /* The extra first line moves NDJSON line numbers by one. */
      if (data != NULL && g_str_has_prefix (data, "{\"resourceType\":\"Patient\",\"id\":\"new1\"}") &&
          g_str_has_prefix (where, "line "))
        {
          shifted = g_strdup_printf ("line %d", atoi (where + 5) + 1);
          where = shifted;
        }
      g_assert_false (chevet_store_import_data (store, data, -1, cases[i].name, NULL, &error));
      if (error == NULL || error->domain != CHEVET_IMPORT_ERROR || error->code != cases[i].code)
        g_error ("%s: expected code %d, got %s", cases[i].name, cases[i].code,
                 error ? error->message : "no error");
      g_assert_nonnull (strstr (error->message, cases[i].name));
      if (strstr (error->message, where) == NULL)
        g_error ("%s: the message “%s” does not point at %s", cases[i].name, error->message, where);
      /* Nothing of the patient leaks into the message. */
      g_assert_null (strstr (error->message, "2021-02-30"));
      g_assert_null (strstr (error->message, "Jean"));
      g_clear_error (&error);

      after = store_digest (store);
      g_assert_cmpstr (after, ==, before);
    }
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_file_errors (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/chevet/import.ndjson");

  g_assert_false (chevet_store_import_file (store, missing, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "import.ndjson"));
  g_clear_object (&store);
  test_rm_rf (path);
}

/* Random damage to valid input never crashes or hangs the importer, and a refused file
 * leaves the store as it was. Deterministic: the same seed every run. */
static void
test_mutations (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(ChevetGenerator) gen = chevet_generator_new (3, "2026-01-15");
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) ndjson = NULL;
  g_autoptr(GString) bundle = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  static const char alphabet[] = "{}[],:\"\\/*0123456789.-eE tfn\n\xc3\xa9";
  g_auto(GStrv) lines = NULL;
  const char *inputs[2];
  gsize lengths[2];
  guint refused = 0, accepted = 0;

  g_assert_true (chevet_generator_write_ndjson (gen, 3, out, NULL, NULL, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  ndjson = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  lines = g_strsplit (g_bytes_get_data (ndjson, NULL), "\n", 40);
  for (guint i = 0; lines[i] != NULL && i < 39; i++)
    if (*lines[i] != '\0')
      g_string_append_printf (bundle, "%s{\"fullUrl\":\"urn:uuid:0000-%u\",\"resource\":%s,"
                              "\"request\":{\"method\":\"PUT\",\"url\":\"x\"}}", i ? "," : "", i, lines[i]);
  g_string_append (bundle, "]}");
  inputs[0] = g_bytes_get_data (ndjson, &lengths[0]);
  lengths[0] = MIN (lengths[0], 20000);
  inputs[1] = bundle->str;
  lengths[1] = bundle->len;

  for (guint i = 0; i < 1200; i++)
    {
      guint which = i % 2;
      g_autofree char *data = g_memdup2 (inputs[which], lengths[which]);
      g_autofree char *before = store_digest (store);
      g_autoptr(GError) error = NULL;
      int n = g_rand_int_range (rand, 1, 6);

      for (int k = 0; k < n; k++)
        data[g_rand_int_range (rand, 0, lengths[which])] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      if (chevet_store_import_data (store, data, lengths[which], which ? "m.json" : "m.ndjson", NULL, &error))
        accepted++;
      else
        {
          g_autofree char *after = store_digest (store);

          g_assert_nonnull (error);
          g_assert_cmpstr (after, ==, before);
          refused++;
        }
    }
  /* Both outcomes happened: the damage was neither always fatal nor always harmless. */
  g_assert_cmpuint (refused, >, 100);
  g_assert_cmpuint (accepted, >, 10);
  g_clear_object (&store);
  test_rm_rf (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/import/synthea/every-resource-counted", test_synthea_counts);
  g_test_add_func ("/import/synthea/chart-and-references", test_synthea_chart);
  g_test_add_func ("/import/idempotent", test_idempotent);
  g_test_add_func ("/import/versions/older-never-overwrites", test_version_order);
  g_test_add_func ("/import/bundle/post-reference-delete-outcome", test_bundle_semantics);
  g_test_add_func ("/import/bad-input/named-and-store-unchanged", test_bad_input);
  g_test_add_func ("/import/bad-input/missing-file", test_file_errors);
  g_test_add_func ("/import/bad-input/mutations-never-crash", test_mutations);
  return g_test_run ();
}
