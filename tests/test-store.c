/* test-store.c: the encrypted workspace: keys, accounts, errors a user can act on, search
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chevet-audit.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-passphrase.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

/* A family name that occurs nowhere but in the patient we store. */
#define SECRET_FAMILY "Zéphyrine-Oyelaran"

static const char patients_ndjson[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Dupré\",\"given\":[\"Hélène\"]}],"
  "\"identifier\":[{\"system\":\"urn:mrn\",\"value\":\"MRN-0001\",\"type\":{\"coding\":[{\"code\":\"MR\"}]}}],"
  "\"gender\":\"female\",\"birthDate\":\"1984-03-12\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"" SECRET_FAMILY "\",\"given\":[\"Ada\"]}],"
  "\"identifier\":[{\"value\":\"MRN-0002\"}],\"gender\":\"female\",\"birthDate\":\"1990-07-01\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p3\",\"name\":[{\"family\":\"Müller\",\"given\":[\"Zoé\",\"Anne\"]}],"
  "\"identifier\":[{\"value\":\"MRN-0003\"}],\"gender\":\"female\",\"birthDate\":\"1984-03-12\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p4\",\"name\":[{\"family\":\"Helen\",\"given\":[\"Paul\"]}],"
  "\"gender\":\"male\",\"birthDate\":\"1950\"}\n";

static ChevetStore *
store_with_patients (char **path)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = test_store_new (path);

  g_assert_true (chevet_store_import_data (store, patients_ndjson, -1, "patients.ndjson", NULL, &error));
  g_assert_no_error (error);
  return store;
}

static GBytes *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *file = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (file, &contents, &len, NULL))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

static void
test_file_is_encrypted (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = store_with_patients (&path);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint files = 0;

  g_assert_finalize_object (store);

  /* No file of the workspace (database, WAL, key slots) holds the name in clear. */
  dir = g_dir_open (path, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(GBytes) bytes = read_file (path, name);
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      files++;
      g_assert_null (memmem (data, len, "Oyelaran", strlen ("Oyelaran")));
      g_assert_null (memmem (data, len, "MRN-0002", strlen ("MRN-0002")));
      if (g_str_equal (name, "chevet.db"))
        {
          g_assert_cmpuint (len, >=, 4096);
          g_assert_true (memcmp (data, "SQLite format 3", 15) != 0);
        }
    }
  g_assert_cmpuint (files, >=, 2);
  test_rm_rf (path);
}

static void
test_pragmas (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  struct { const char *sql, *expected; } checks[] = {
    { "PRAGMA cipher_page_size", "4096" },
    { "PRAGMA journal_mode", "wal" },
    { "PRAGMA foreign_keys", "1" },
    { "PRAGMA temp_store", "2" },
  };
  g_autofree char *version = g_strdup_printf ("%d", CHEVET_STORE_SCHEMA_VERSION);

  for (guint i = 0; i < G_N_ELEMENTS (checks) + 1; i++)
    {
      const char *sql = i < G_N_ELEMENTS (checks) ? checks[i].sql : "PRAGMA user_version";
      const char *expected = i < G_N_ELEMENTS (checks) ? checks[i].expected : version;
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, expected);
      sqlite3_finalize (stmt);
    }
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
assert_open_fails (const char *path,
                   const char *account,
                   const char *passphrase,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (path, account, passphrase, &error);

  g_assert_null (store);
  g_assert_error (error, CHEVET_STORE_ERROR, code);
  /* What the user reads must not leak a patient, and must not be empty. */
  g_assert_cmpuint (strlen (error->message), >, 10);
  g_assert_null (strstr (error->message, "Oyelaran"));
}

static void
test_wrong_passphrase (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = store_with_patients (&path);

  g_object_unref (store);
  assert_open_fails (path, TEST_ACCOUNT, "not the passphrase", CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  assert_open_fails (path, "nobody", TEST_PASSPHRASE, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);
  test_rm_rf (path);
}

static void
test_not_a_workspace (void)
{
  g_autofree char *path = test_tmp_path ("random");
  g_autofree char *slots = g_build_filename (path, "keyslots.json", NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_NOT_A_WORKSPACE);
  g_mkdir_with_parents (path, 0700);
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_NOT_A_WORKSPACE);
  g_assert_true (g_file_set_contents (slots, "{\"hello\": 1}", -1, NULL));
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_NOT_A_WORKSPACE);
  g_assert_true (g_file_set_contents (slots, "PK\x03\x04 zip file", -1, NULL));
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_NOT_A_WORKSPACE);
  test_rm_rf (path);
  g_rmdir (parent);
}

static void
test_damaged (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = store_with_patients (&path);
  g_autofree char *db = g_build_filename (path, "chevet.db", NULL);
  g_autofree char *slots = g_build_filename (path, "keyslots.json", NULL);
  g_autofree char *saved_slots = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  g_object_unref (store);

  /* Bytes of the database overwritten: its first page no longer authenticates. */
  g_assert_true (g_file_get_contents (db, &contents, &len, NULL));
  memset (contents + 100, 0x5a, 200);
  g_assert_true (g_file_set_contents (db, contents, len, NULL));
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_DAMAGED);

  /* The database gone. */
  g_unlink (db);
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_DAMAGED);

  /* Key slots that say they are Chevet's but lack their fields. */
  g_assert_true (g_file_get_contents (slots, &saved_slots, NULL, NULL));
  g_assert_true (g_file_set_contents (slots, "{\"format\":\"chevet-keyslots\",\"version\":1}", -1, NULL));
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_DAMAGED);
  test_rm_rf (path);
}

static void
test_too_new (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = test_store_new (&path);
  g_autofree char *slots = g_build_filename (path, "keyslots.json", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *newer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) re = g_regex_new ("\"version\" : 1", 0, 0, NULL);

  /* A newer schema in the database. */
  g_assert_true (chevet_store_exec (store, "PRAGMA user_version = 99", &error));
  g_assert_no_error (error);
  g_object_unref (store);
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_TOO_NEW);

  /* A newer key slot format. */
  g_assert_true (g_file_get_contents (slots, &contents, NULL, NULL));
  newer = g_regex_replace_literal (re, contents, -1, 0, "\"version\" : 7", 0, NULL);
  g_assert_cmpstr (newer, !=, contents);
  g_assert_true (g_file_set_contents (slots, newer, -1, NULL));
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_TOO_NEW);
  test_rm_rf (path);
}

static gboolean
collect_account_changes (const ChevetAuditEntry *entry,
                         gpointer                user_data,
                         GError                **error)
{
  if (g_str_equal (entry->action, "account"))
    g_string_append_printf (user_data, "%s ", entry->detail);
  return TRUE;
}

static void
test_accounts (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = store_with_patients (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before_bytes = NULL;
  g_autoptr(GBytes) after_bytes = NULL;
  g_auto(GStrv) accounts = NULL;
  ChevetStore *second;

  g_assert_true (chevet_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)", &error));
  before_bytes = read_file (path, "chevet.db");

  g_assert_true (chevet_store_add_account (store, "kofi", CHEVET_ROLE_CLINICIAN, "another passphrase", &error));
  g_assert_no_error (error);
  g_assert_false (chevet_store_add_account (store, "kofi", CHEVET_ROLE_CLINICIAN, "another passphrase", &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_ACCOUNT_EXISTS);
  g_clear_error (&error);
  g_assert_false (chevet_store_add_account (store, "short", CHEVET_ROLE_CLINICIAN, "abc", &error));
  g_assert_error (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_TOO_SHORT);
  g_clear_error (&error);
  g_assert_false (chevet_store_add_account (store, "", CHEVET_ROLE_CLINICIAN, "another passphrase", &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  accounts = chevet_store_dup_accounts (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (accounts), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) accounts, "kofi"));

  /* Both accounts open the same data. */
  second = chevet_store_open (path, "kofi", "another passphrase", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chevet_store_count_patients (second, NULL, NULL), ==,
                   chevet_store_count_patients (store, NULL, NULL));
  g_assert_cmpint (chevet_store_count_patients (second, NULL, NULL), ==, 4);
  g_assert_finalize_object (second);

  /* Passphrase change: the old one stops working, the data stay. */
  g_assert_false (chevet_store_change_passphrase (store, "wrong old passphrase", "brand new passphrase", &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (chevet_store_change_passphrase (store, TEST_PASSPHRASE, "brand new passphrase", &error));
  g_assert_no_error (error);
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  second = chevet_store_open (path, TEST_ACCOUNT, "brand new passphrase", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chevet_store_count_patients (second, NULL, NULL), ==, 4);
  g_assert_finalize_object (second);

  /* Removing a slot; the last one cannot go. */
  g_assert_true (chevet_store_remove_account (store, "kofi", &error));
  g_assert_no_error (error);
  assert_open_fails (path, "kofi", "another passphrase", CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);
  g_assert_false (chevet_store_remove_account (store, TEST_ACCOUNT, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ACCOUNT);
  g_clear_error (&error);

  /* The three changes are in the audit trail, by the account that made them. */
  {
    g_autoptr(GString) seen = g_string_new (NULL);
    ChevetAuditReport report;

    g_assert_true (chevet_audit_foreach (store, 0, 0, collect_account_changes, seen, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (seen->str, ==, "add clinician:kofi passphrase:" TEST_ACCOUNT " remove:kofi ");
    g_assert_true (chevet_audit_verify (store, &report, &error));
    g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  }

  /* None of this re-encrypted the database: re-encrypting rewrites every page, while
   * the audit entries of these changes touch a few. */
  g_assert_true (chevet_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)", &error));
  g_assert_finalize_object (store);
  after_bytes = read_file (path, "chevet.db");
  {
    gsize before_len, after_len, pages, changed = 0;
    const guint8 *b = g_bytes_get_data (before_bytes, &before_len);
    const guint8 *a = g_bytes_get_data (after_bytes, &after_len);

    pages = MIN (before_len, after_len) / 1024;
    g_assert_cmpuint (pages, >, 20);
    for (gsize i = 0; i < pages; i++)
      if (memcmp (a + i * 1024, b + i * 1024, 1024) != 0)
        changed++;
    g_assert_cmpuint (changed, <, pages / 4);
  }
  test_rm_rf (path);
}

static void
test_create_refuses_existing (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = test_store_new (&path);
  g_autoptr(GError) error = NULL;

  g_assert_null (chevet_store_create (path, "Again", "x", TEST_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_EXISTS);
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

static char *
search_ids (ChevetStore *store,
            const char  *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = chevet_store_search_patients (store, text, 0, 50, &error);
  g_autoptr(GString) ids = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_cmpint (chevet_store_count_patients (store, text, NULL), ==, found->len);
  for (guint i = 0; i < found->len; i++)
    g_string_append_printf (ids, "%s%s", i ? " " : "", chevet_patient_get_id (found->pdata[i]));
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_search (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = store_with_patients (&path);
  struct { const char *text, *ids; } cases[] = {
    { "helene", "p1" },        /* no accent typed finds the accented name */
    { "HÉLÈNE", "p1" },
    { "dupre hel", "p1" },      /* every word a prefix */
    { "hel", "p1 p4" },         /* Hélène Dupré and Paul Helen, sorted by family name */
    { "zoe", "p3" },
    { "mull", "p3" },
    { "anne", "p3" },           /* a second given name */
    { "MRN-0003", "p3" },       /* identifier with its punctuation */
    { "mrn0003", "p3" },        /* and without */
    { "1984-03-12", "p1 p3" },  /* birth date, ISO */
    { "12/03/1984", "p1 p3" },  /* birth date, day first */
    { "nobody", "" },
    { "", "p1 p4 p3 p2" },      /* empty: everyone, by family name */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ids = search_ids (store, cases[i].text);

      g_assert_cmpstr (ids, ==, cases[i].ids);
    }
  g_clear_object (&store);
  test_rm_rf (path);
}

/* The name search orders its matches in memory: the order and the pages must be the
 * list's (the empty search, ordered in SQL), and a write by another connection (a sync)
 * must show at the next search. */
static void
test_search_order_and_pages (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(ChevetStore) other = NULL;
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (99, "2026-01-01");
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GPtrArray) everyone = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *prefixes[] = { "a", "ma", "ko", "ber", "mrn", "e" };
  g_autofree char *renamed = NULL;
  ChevetPatient *first;

  chevet_generator_set_patients_only (generator, TRUE);
  g_assert_true (chevet_generator_write_ndjson (generator, 400, out, NULL, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_true (chevet_store_import_data (store,
                                           g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                           g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                           "generated.ndjson", NULL, &error));
  g_assert_no_error (error);
  everyone = chevet_store_search_patients (store, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (everyone->len, ==, 400);
  /* A second connection from the key this one holds (the sync engine's) reads the same. */
  {
    g_autoptr(ChevetStore) another = chevet_store_open_another (store, &error);

    g_assert_no_error (error);
    g_assert_cmpint (chevet_store_count_patients (another, NULL, &error), ==, 400);
    g_assert_cmpstr (chevet_store_get_account (another), ==, TEST_ACCOUNT);
  }

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      g_autoptr(GPtrArray) all = chevet_store_search_patients (store, prefixes[i], 0, 0, &error);
      g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      guint k = 0;

      g_assert_no_error (error);
      g_assert_cmpuint (all->len, >, 3);
      g_assert_cmpint (chevet_store_count_patients (store, prefixes[i], &error), ==, all->len);
      for (guint j = 0; j < all->len; j++)
        g_hash_table_add (ids, (gpointer) chevet_patient_get_id (all->pdata[j]));
      /* Same order as the whole list, filtered. */
      for (guint j = 0; j < everyone->len; j++)
        if (g_hash_table_contains (ids, chevet_patient_get_id (everyone->pdata[j])))
          g_assert_cmpstr (chevet_patient_get_id (all->pdata[k++]), ==, chevet_patient_get_id (everyone->pdata[j]));
      g_assert_cmpuint (k, ==, all->len);
      /* Pages of 7 put end to end give the same list. */
      for (guint offset = 0; offset < all->len; offset += 7)
        {
          g_autoptr(GPtrArray) page = chevet_store_search_patients (store, prefixes[i], offset, 7, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (page->len, ==, MIN (7, all->len - offset));
          for (guint j = 0; j < page->len; j++)
            g_assert_cmpstr (chevet_patient_get_id (page->pdata[j]), ==, chevet_patient_get_id (all->pdata[offset + j]));
        }
    }

  /* Another connection renames the last "ma" patient to come first: this one sees it. */
  found = chevet_store_search_patients (store, "ma", chevet_store_count_patients (store, "ma", NULL) - 1, 1, &error);
  g_assert_no_error (error);
  other = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  renamed = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\","
                             "\"meta\":{\"versionId\":\"9\",\"lastUpdated\":\"2030-01-01T00:00:00Z\"},"
                             "\"name\":[{\"family\":\"Aamartin\",\"given\":[\"Maud\"]}]}\n",
                             chevet_patient_get_id (found->pdata[0]));
  g_assert_true (chevet_store_import_data (other, renamed, -1, "renamed.ndjson", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&everyone, g_ptr_array_unref);
  everyone = chevet_store_search_patients (store, "ma", 0, 0, &error);
  first = everyone->pdata[0];
  g_assert_cmpstr (chevet_patient_get_id (first), ==, chevet_patient_get_id (found->pdata[0]));
  g_assert_cmpstr (chevet_patient_get_family (first), ==, "Aamartin");

  g_clear_object (&other);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_patient_fields (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = store_with_patients (&path);
  g_autoptr(ChevetPatient) p = chevet_store_dup_patient (store, "p3", NULL);
  g_autoptr(GDateTime) when = g_date_time_new_utc (2024, 3, 11, 12, 0, 0);

  g_assert_nonnull (p);
  g_assert_cmpstr (chevet_patient_get_display_name (p), ==, "MÜLLER, Zoé Anne");
  g_assert_cmpstr (chevet_patient_get_identifier (p), ==, "MRN-0003");
  g_assert_cmpstr (chevet_patient_get_birth_date (p), ==, "1984-03-12");
  /* The day before the birthday, still 39. */
  g_assert_cmpint (chevet_patient_get_age (p, when), ==, 39);
  g_assert_null (chevet_store_dup_patient (store, "absent", NULL));
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_recent_and_migration (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = store_with_patients (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autofree char *value = NULL;

  /* A workspace written by schema version 1 is brought up to date on open. */
  g_assert_true (chevet_store_exec (store, "DROP TABLE recent_patients; DROP TABLE outbox; PRAGMA user_version = 1", &error));
  g_assert_no_error (error);
  g_object_unref (store);
  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);

  g_assert_true (chevet_store_touch_recent (store, "p3", &error));
  g_usleep (2000);
  g_assert_true (chevet_store_touch_recent (store, "p1", &error));
  g_usleep (2000);
  g_assert_true (chevet_store_touch_recent (store, "p3", &error));
  g_assert_no_error (error);
  recent = chevet_store_list_recent (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 2);
  g_assert_cmpstr (chevet_patient_get_id (recent->pdata[0]), ==, "p3");
  g_assert_cmpstr (chevet_patient_get_id (recent->pdata[1]), ==, "p1");
  g_clear_pointer (&recent, g_ptr_array_unref);
  recent = chevet_store_list_recent (store, 1, &error);
  g_assert_cmpuint (recent->len, ==, 1);

  g_assert_null (chevet_store_dup_meta (store, "last-sync", &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_set_meta (store, "last-sync", "2026-11-28T10:00:00Z", &error));
  value = chevet_store_dup_meta (store, "last-sync", &error);
  g_assert_cmpstr (value, ==, "2026-11-28T10:00:00Z");
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/store/create/file-is-encrypted", test_file_is_encrypted);
  g_test_add_func ("/store/create/pragmas", test_pragmas);
  g_test_add_func ("/store/create/refuses-existing", test_create_refuses_existing);
  g_test_add_func ("/store/open/wrong-passphrase-and-unknown-account", test_wrong_passphrase);
  g_test_add_func ("/store/open/not-a-workspace", test_not_a_workspace);
  g_test_add_func ("/store/open/damaged", test_damaged);
  g_test_add_func ("/store/open/too-new", test_too_new);
  g_test_add_func ("/store/accounts/slots-never-reencrypt", test_accounts);
  g_test_add_func ("/store/search/case-accent-prefix-date", test_search);
  g_test_add_func ("/store/search/order-pages-and-other-writers", test_search_order_and_pages);
  g_test_add_func ("/store/patient/fields", test_patient_fields);
  g_test_add_func ("/store/recent-patients-and-migration", test_recent_and_migration);
  return g_test_run ();
}
