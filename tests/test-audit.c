/* test-audit.c: the audit trail: the hash chain, tampering of each kind, prune, export
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

#define SEARCH_TEXT "Zéphyrine-Oyelaran"

static void
append_n (ChevetStore *store,
          guint        n)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *patient = g_strdup_printf ("p%u", i);

      if (i % 3 == 0)
        g_assert_true (chevet_audit_chart_opened (store, patient, &error));
      else if (i % 3 == 1)
        g_assert_true (chevet_audit_searched (store, i, &error));
      else
        g_assert_true (chevet_audit_append (store, CHEVET_AUDIT_PRINT, patient, CHEVET_AUDIT_SUCCESS,
                                            NULL, &error));
      g_assert_no_error (error);
    }
}

static ChevetAuditReport
verify (ChevetStore *store)
{
  g_autoptr(GError) error = NULL;
  ChevetAuditReport report;

  g_assert_true (chevet_audit_verify (store, &report, &error));
  g_assert_no_error (error);
  return report;
}

/* Tampering goes straight at the database, as someone with the key and sqlite3 would. */
static void
raw (ChevetStore *store,
     const char  *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chevet_store_exec (store, sql, &error));
  g_assert_no_error (error);
}

static void
drop_triggers (ChevetStore *store)
{
  raw (store, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
              "DROP TRIGGER audit_append_only; DROP TRIGGER audit_head");
}

static void
test_round_trip (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  ChevetAuditReport report = verify (store);
  g_autofree char *text = NULL;

  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpuint (report.n_entries, ==, 0);

  append_n (store, 10);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpuint (report.n_entries, ==, 10);
  g_assert_cmpint (report.first_seq, ==, 1);
  g_assert_cmpint (report.last_seq, ==, 10);
  g_assert_cmpuint (strlen (report.head_hash), ==, 64);
  text = chevet_audit_report_describe (&report);
  g_assert_nonnull (strstr (text, "intact"));

  /* The chart was also marked recently opened, in the same transaction. */
  {
    g_autoptr(GPtrArray) recent = NULL;
    sqlite3_stmt *stmt = chevet_store_prepare (store, "SELECT count(*) FROM recent_patients", &error);

    g_assert_nonnull (stmt);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 4);
    sqlite3_reset (stmt);
  }

  /* Survives closing and opening again. */
  g_clear_object (&store);
  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpuint (report.n_entries, ==, 10);
  test_rm_rf (path);
}

static void
test_program_cannot_change (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;

  append_n (store, 3);
  g_assert_false (chevet_store_exec (store, "UPDATE audit SET account = 'mallory' WHERE seq = 2", &error));
  g_assert_nonnull (strstr (error->message, "cannot be changed"));
  g_clear_error (&error);
  g_assert_false (chevet_store_exec (store, "DELETE FROM audit WHERE seq = 2", &error));
  g_assert_nonnull (strstr (error->message, "cannot be deleted"));
  g_clear_error (&error);
  g_assert_false (chevet_store_exec (store, "INSERT INTO audit VALUES (2, 't', 'a', 'lock', NULL, "
                                            "'success', NULL, x'00', x'00')", &error));
  g_clear_error (&error);
  g_assert_cmpint (verify (store).problem, ==, CHEVET_AUDIT_INTACT);
  test_rm_rf (path);
}

typedef struct
{
  const char         *name;
  const char         *sql;
  ChevetAuditProblem  problem;
  gint64              bad_seq;
} Tampering;

static const Tampering tamperings[] = {
  /* Edited: a field changed, the hash left. */
  { "edited", "UPDATE audit SET patient = 'p99' WHERE seq = 4", CHEVET_AUDIT_BAD_HASH, 4 },
  { "edited-time", "UPDATE audit SET time = '2020-01-01T00:00:00.000Z' WHERE seq = 7", CHEVET_AUDIT_BAD_HASH, 7 },
  /* Edited with a hash made up to match nothing before it. */
  { "edited-rehashed", "UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 2) WHERE seq = 5",
    CHEVET_AUDIT_BAD_HASH, 5 },
  /* Deleted in the middle, at the start, at the end. */
  { "deleted", "DELETE FROM audit WHERE seq = 6", CHEVET_AUDIT_MISSING, 6 },
  { "deleted-first", "DELETE FROM audit WHERE seq = 1", CHEVET_AUDIT_MISSING, 1 },
  { "deleted-last", "DELETE FROM audit WHERE seq >= 9", CHEVET_AUDIT_TRUNCATED, 9 },
  /* Inserted: at the end, and in the middle by shifting the later ones. */
  { "inserted-end", "INSERT INTO audit SELECT 11, time, account, action, NULL, outcome, detail, "
                    "hash, randomblob (32) FROM audit WHERE seq = 10", CHEVET_AUDIT_BAD_HASH, 11 },
  { "inserted-middle", "UPDATE audit SET seq = seq + 1000 WHERE seq >= 5;"
                       "UPDATE audit SET seq = seq - 999 WHERE seq >= 1005;"
                       "INSERT INTO audit SELECT 5, time, account, 'lock', NULL, outcome, NULL, "
                       "prev_hash, randomblob (32) FROM audit WHERE seq = 6", CHEVET_AUDIT_BAD_HASH, 5 },
  /* Reordered: entries 3 and 4 swapped. */
  { "reordered", "UPDATE audit SET seq = 1003 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4;"
                 "UPDATE audit SET seq = 4 WHERE seq = 1003", CHEVET_AUDIT_BAD_HASH, 3 },
  /* Replaced by an entry whose own hash is right but that follows another chain. */
  { "relinked", "UPDATE audit SET prev_hash = zeroblob (32) WHERE seq = 8", CHEVET_AUDIT_BAD_HASH, 8 },
};

static void
test_tampering (gconstpointer data)
{
  const Tampering *t = data;
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autofree char *text = NULL;
  g_autofree char *seq_text = NULL;
  ChevetAuditReport report;

  append_n (store, 10);
  g_assert_cmpint (verify (store).problem, ==, CHEVET_AUDIT_INTACT);
  drop_triggers (store);
  raw (store, t->sql);
  report = verify (store);
  g_test_message ("%s: problem %d at %" G_GINT64_FORMAT, t->name, report.problem, report.bad_seq);
  g_assert_cmpint (report.problem, ==, t->problem);
  g_assert_cmpint (report.bad_seq, ==, t->bad_seq);
  text = chevet_audit_report_describe (&report);
  seq_text = g_strdup_printf ("entry %" G_GINT64_FORMAT ":", t->bad_seq);
  g_assert_nonnull (strstr (text, seq_text));
  test_rm_rf (path);
}

/* An entry rewritten with a correct hash of its own (someone who knows the algorithm):
 * the next entry no longer follows it. */
static void
test_rewritten_tail_caught_by_head (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  ChevetAuditReport report;

  /* Someone who knows the algorithm removes entries 3 to 5 and writes a new 3 through
   * the program's own append: a valid hash, a valid link to entry 2. The head kept in
   * meta still names entry 5 (its trigger dropped, as the others). */
  append_n (store, 5);
  drop_triggers (store);
  raw (store, "DELETE FROM audit WHERE seq >= 3");
  g_assert_true (chevet_audit_append (store, CHEVET_AUDIT_LOCK, NULL, CHEVET_AUDIT_SUCCESS, NULL, &error));
  g_assert_no_error (error);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_TRUNCATED);
  g_assert_cmpint (report.bad_seq, ==, 4);
  test_rm_rf (path);
}

/* Entry 3 replaced by one with a valid hash and a valid link to entry 2 (written by the
 * program's own append): entry 4 no longer follows it. */
static void
test_forged_entry_breaks_next_link (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  ChevetAuditReport report;

  append_n (store, 5);
  drop_triggers (store);
  raw (store, "CREATE TEMP TABLE kept AS SELECT * FROM audit WHERE seq >= 4;"
              "DELETE FROM audit WHERE seq >= 3");
  g_assert_true (chevet_audit_append (store, CHEVET_AUDIT_LOCK, NULL, CHEVET_AUDIT_SUCCESS, NULL, &error));
  g_assert_no_error (error);
  raw (store, "INSERT INTO audit SELECT * FROM kept; DROP TABLE kept");
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_BAD_LINK);
  g_assert_cmpint (report.bad_seq, ==, 4);
  test_rm_rf (path);
}

static void
test_prune_keeps_chain (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) cutoff = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) future = NULL;
  ChevetAuditReport report;
  guint64 removed = 99;
  sqlite3_stmt *stmt;

  g_assert_cmpuint (chevet_audit_get_retention_days (store), ==, 365);
  /* 8 entries, then the cutoff, then 12 more (times have millisecond resolution). */
  append_n (store, 8);
  g_usleep (5000);
  cutoff = g_date_time_new_now_utc ();
  g_usleep (5000);
  append_n (store, 12);
  g_assert_true (chevet_audit_prune (store, cutoff, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 8);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpint (report.first_seq, ==, 9);
  g_assert_cmpint (report.last_seq, ==, 21);  /* the 12, and the prune's own entry */

  stmt = chevet_store_prepare (store, "SELECT count(*) FROM audit WHERE seq <= 8", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 0);
  sqlite3_reset (stmt);

  /* Pruning everything up to now: only the prune's entry is left, and verify holds. */
  now = g_date_time_new_now_utc ();
  future = g_date_time_add_seconds (now, 10);
  g_assert_true (chevet_audit_prune (store, future, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 13);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpuint (report.n_entries, ==, 1);
  g_assert_cmpint (report.first_seq, ==, 22);

  /* Deleting the first entry left after the anchor is still caught. */
  append_n (store, 3);
  drop_triggers (store);
  raw (store, "DELETE FROM audit WHERE seq = 22");
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_MISSING);
  g_assert_cmpint (report.bad_seq, ==, 22);
  test_rm_rf (path);
}

static void
test_prune_through_the_program (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 5);
  ChevetAuditReport report;
  guint64 removed = 0;

  /* With the triggers in place: the prune's own path is allowed, nothing else. */
  append_n (store, 6);
  g_assert_true (chevet_audit_set_retention_days (store, 30, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (chevet_audit_get_retention_days (store), ==, 30);
  g_assert_false (chevet_audit_set_retention_days (store, 0, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (chevet_audit_prune (store, NULL, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 0);
  g_assert_true (chevet_audit_prune (store, later, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 7);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpint (report.first_seq, ==, 8);
  append_n (store, 2);
  report = verify (store);
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpint (report.last_seq, ==, 10);
  /* Below the anchor only: the program still cannot delete a kept entry. */
  g_assert_false (chevet_store_exec (store, "DELETE FROM audit WHERE seq = 9", &error));
  g_clear_error (&error);
  test_rm_rf (path);
}

static gboolean
collect (const ChevetAuditEntry  *entry,
         gpointer                 user_data,
         GError                 **error)
{
  g_ptr_array_add (user_data, chevet_audit_entry_to_fhir (entry));
  return TRUE;
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static const char *
type_code (JsonObject *event)
{
  return json_object_get_string_member (json_object_get_object_member (event, "type"), "code");
}

static void
test_export_fhir (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  guint64 n = 0;

  g_assert_true (chevet_audit_unlocked (store, &error));
  g_assert_true (chevet_audit_chart_opened (store, "p42", &error));
  g_assert_true (chevet_audit_searched (store, 3, &error));
  g_assert_true (chevet_audit_append (store, CHEVET_AUDIT_BREAK_GLASS, "p42", CHEVET_AUDIT_SUCCESS, NULL, &error));
  g_assert_true (chevet_audit_append (store, CHEVET_AUDIT_LOCK, NULL, CHEVET_AUDIT_SUCCESS, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (chevet_audit_export_fhir (store, out, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_cmpuint (n, ==, 6);  /* and the export's own entry */
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 7);
  g_assert_cmpstr (lines[6], ==, "");

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o = parse_object (parser, lines[i]);
      JsonObject *agent, *source;

      g_assert_cmpstr (json_object_get_string_member (o, "resourceType"), ==, "AuditEvent");
      g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "recorded"), "Z"));
      g_assert_cmpstr (json_object_get_string_member (o, "outcome"), ==, "0");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "type"), "system"),
                       ==, "http://dicom.nema.org/resources/ontology/DCM");
      /* R4 requires agent.requestor and source.observer. */
      agent = json_array_get_object_element (json_object_get_array_member (o, "agent"), 0);
      g_assert_true (json_object_get_boolean_member (agent, "requestor"));
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (agent, "who"), "display"),
                       ==, TEST_ACCOUNT);
      source = json_object_get_object_member (o, "source");
      g_assert_true (json_object_has_member (source, "observer"));
      switch (i)
        {
        case 0:
          g_assert_cmpstr (type_code (o), ==, "110114");
          g_assert_cmpstr (json_object_get_string_member (o, "action"), ==, "E");
          break;
        case 1:
          {
            JsonObject *entity = json_array_get_object_element (json_object_get_array_member (o, "entity"), 0);

            g_assert_cmpstr (type_code (o), ==, "110110");
            g_assert_cmpstr (json_object_get_string_member (o, "action"), ==, "R");
            g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entity, "what"), "reference"),
                             ==, "Patient/p42");
          }
          break;
        case 2:
          g_assert_cmpstr (type_code (o), ==, "110112");
          g_assert_cmpstr (json_object_get_string_member (o, "action"), ==, "E");
          break;
        case 3:
          g_assert_cmpstr (type_code (o), ==, "110113");
          g_assert_true (json_object_has_member (o, "purposeOfEvent"));
          break;
        case 4:
          g_assert_cmpstr (type_code (o), ==, "110114");
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                             json_object_get_array_member (o, "subtype"), 0), "code"), ==, "110123");
          break;
        case 5:
          g_assert_cmpstr (type_code (o), ==, "110101");
          break;
        default:
          g_assert_not_reached ();
        }
    }
  test_rm_rf (path);
}

static void
test_search_never_holds_text (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  guint n = 0;

  /* The search API takes no text at all: only the count goes in. */
  found = chevet_store_search_patients (store, SEARCH_TEXT, 0, 50, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_audit_searched (store, found->len, &error));
  g_assert_no_error (error);
  stmt = chevet_store_prepare (store, "SELECT quote (time) || quote (account) || quote (action) || "
                                      "quote (patient) || quote (outcome) || quote (detail) FROM audit", &error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *row = (const char *) sqlite3_column_text (stmt, 0);

      g_assert_null (strstr (row, "Oyelaran"));
      g_assert_null (strstr (row, "Zéphyrine"));
      g_assert_nonnull (strstr (row, "'search'"));
      g_assert_nonnull (strstr (row, "'results=0'"));
      n++;
    }
  sqlite3_reset (stmt);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (chevet_audit_foreach (store, 0, 0, collect, events, &error));
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_null (strstr (g_ptr_array_index (events, 0), "Oyelaran"));
  test_rm_rf (path);
}

static void
test_failed_unlock_recorded_at_next_unlock (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(ChevetStore) again = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *pending = g_build_filename (path, "audit-pending", NULL);

  g_clear_object (&store);
  again = chevet_store_open (path, TEST_ACCOUNT, "not the passphrase", &error);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (chevet_audit_note_failed_unlock (path, TEST_ACCOUNT, "wrong-passphrase", &error));
  g_assert_true (chevet_audit_note_failed_unlock (path, "mallory\tx\nseq", "unknown-account", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (pending, G_FILE_TEST_EXISTS));

  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_audit_unlocked (store, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (pending, G_FILE_TEST_EXISTS));
  g_assert_true (chevet_audit_foreach (store, 0, 0, collect, events, &error));
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_nonnull (strstr (g_ptr_array_index (events, 0), "\"outcome\":\"4\""));
  g_assert_nonnull (strstr (g_ptr_array_index (events, 0), "wrong-passphrase"));
  g_assert_nonnull (strstr (g_ptr_array_index (events, 1), "mallory?x?seq"));
  g_assert_nonnull (strstr (g_ptr_array_index (events, 2), "\"outcome\":\"0\""));

  /* Put back (as after a crash before the unlink): not recorded twice. */
  g_assert_true (chevet_audit_note_failed_unlock (path, TEST_ACCOUNT, "wrong-passphrase", &error));
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (pending, &contents, NULL, NULL));
    g_assert_true (chevet_audit_unlocked (store, &error));
    g_assert_true (g_file_set_contents (pending, contents, -1, NULL));
    g_assert_true (chevet_audit_unlocked (store, &error));
    g_assert_no_error (error);
  }
  g_ptr_array_set_size (events, 0);
  g_assert_true (chevet_audit_foreach (store, 0, 0, collect, events, &error));
  g_assert_cmpuint (events->len, ==, 6);  /* + 1 failure, 2 unlocks */
  g_assert_cmpint (verify (store).problem, ==, CHEVET_AUDIT_INTACT);
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ the audit view's query */

typedef struct
{
  const char         *time;
  const char         *account;
  ChevetAuditAction   action;
  const char         *patient;
} Planted;

/* seq 1..7; seq 7 happened first (a failed unlock, recorded at the next unlock). */
static const Planted planted[] = {
  { "2026-01-10T08:00:00.000Z", "alice", CHEVET_AUDIT_CHART_OPEN, "p1" },
  { "2026-01-10T09:00:00.000Z", "bob", CHEVET_AUDIT_CHART_OPEN, "p2" },
  { "2026-01-11T10:00:00.000Z", "alice", CHEVET_AUDIT_SEARCH, NULL },
  { "2026-01-12T23:59:59.999Z", "bob", CHEVET_AUDIT_PRINT, "p1" },
  { "2026-01-13T00:00:00.000Z", "alice", CHEVET_AUDIT_BREAK_GLASS, "p2" },
  { "2026-01-14T07:30:00.000Z", "carol", CHEVET_AUDIT_CHART_OPEN, "p3" },
  { "2026-01-09T12:00:00.000Z", "mallory", CHEVET_AUDIT_UNLOCK_FAILED, NULL },
};

static void
plant (ChevetStore *store)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (planted); i++)
    {
      g_assert_true (chevet_audit_append_for_testing (store, planted[i].time, planted[i].account,
                                                      planted[i].action, planted[i].patient,
                                                      i == 6 ? CHEVET_AUDIT_DENIED : CHEVET_AUDIT_SUCCESS,
                                                      i == 2 ? "results=3" : NULL, &error));
      g_assert_no_error (error);
    }
}

static gboolean
collect_seq (const ChevetAuditEntry  *entry,
             gpointer                 user_data,
             GError                 **error)
{
  g_string_append_printf (user_data, "%s%lld", ((GString *) user_data)->len > 0 ? " " : "",
                          (long long) entry->seq);
  return TRUE;
}

/* A page's seqs, newest first, as "5 4 2 1", against @expected; the count of the filter
 * is checked against the whole of it. */
static void
assert_query (ChevetStore             *store,
              const ChevetAuditFilter *filter,
              guint64                  offset,
              guint64                  limit,
              const char              *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) seqs = g_string_new (NULL);
  g_autoptr(GString) all = g_string_new (NULL);
  gint64 n = 0;

  g_assert_true (chevet_audit_query (store, filter, offset, limit, collect_seq, seqs, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (seqs->str, ==, expected);
  g_assert_true (chevet_audit_query (store, filter, 0, 0, collect_seq, all, &error));
  for (const char *p = all->str; *p != '\0'; p++)
    n += *p == ' ';
  g_assert_cmpint (chevet_audit_count (store, filter, &error), ==, all->len > 0 ? n + 1 : 0);
  g_assert_no_error (error);
}

#define ASSERT_QUERY(store, offset, limit, expected, ...) \
  assert_query (store, &(ChevetAuditFilter) { __VA_ARGS__ }, offset, limit, expected)

static void
test_query_filters (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  const char *p1[] = { "p1", NULL };
  const char *p2[] = { "p2", NULL };
  const char *p1p2[] = { "p1", "p2", NULL };
  const char *none[] = { NULL };
  const char *unknown[] = { "p404", NULL };

  plant (store);

  /* Everything, newest first by when it happened: the failed unlock, recorded last, is
   * the oldest. */
  assert_query (store, NULL, 0, 0, "6 5 4 3 2 1 7");
  ASSERT_QUERY (store, 0, 0, "6 5 4 3 2 1 7", .max_seq = 0);

  /* By patient: that patient's entries only; several; none; one never seen. */
  ASSERT_QUERY (store, 0, 0, "4 1", .patient_ids = p1);
  ASSERT_QUERY (store, 0, 0, "5 4 2 1", .patient_ids = p1p2);
  ASSERT_QUERY (store, 0, 0, "", .patient_ids = none);
  ASSERT_QUERY (store, 0, 0, "", .patient_ids = unknown);

  /* By account, by action. */
  ASSERT_QUERY (store, 0, 0, "4 2", .account = "bob");
  ASSERT_QUERY (store, 0, 0, "5 3 1", .account = "alice");
  ASSERT_QUERY (store, 0, 0, "5", .action = "break-glass");

  /* By time: both bounds inclusive, to the millisecond. */
  ASSERT_QUERY (store, 0, 0, "4 3 2 1", .from = "2026-01-10T00:00:00.000Z", .to = "2026-01-12T23:59:59.999Z");
  ASSERT_QUERY (store, 0, 0, "6 5", .from = "2026-01-13T00:00:00.000Z");
  ASSERT_QUERY (store, 0, 0, "1 7", .to = "2026-01-10T08:00:00.000Z");

  /* Combined. */
  ASSERT_QUERY (store, 0, 0, "5", .patient_ids = p2, .account = "alice");
  ASSERT_QUERY (store, 0, 0, "3 1", .account = "alice", .to = "2026-01-12T23:59:59.999Z");
  ASSERT_QUERY (store, 0, 0, "4", .patient_ids = p1, .account = "bob", .from = "2026-01-11T00:00:00.000Z");
  ASSERT_QUERY (store, 0, 0, "", .patient_ids = p1, .account = "carol");

  /* Pages: offset and limit over the same order; the last page short, past it empty. */
  assert_query (store, NULL, 0, 3, "6 5 4");
  assert_query (store, NULL, 3, 3, "3 2 1");
  assert_query (store, NULL, 6, 3, "7");
  assert_query (store, NULL, 9, 3, "");
  ASSERT_QUERY (store, 1, 1, "3", .account = "alice");

  /* A snapshot: what was appended after the first page does not shift the next ones. */
  g_assert_cmpint (chevet_audit_get_last_seq (store, &error), ==, 7);
  g_assert_true (chevet_audit_append (store, CHEVET_AUDIT_CHART_OPEN, "p1", CHEVET_AUDIT_SUCCESS, NULL, &error));
  g_assert_no_error (error);
  ASSERT_QUERY (store, 3, 3, "3 2 1", .max_seq = 7);
  ASSERT_QUERY (store, 0, 0, "8 4 1", .patient_ids = p1);
  ASSERT_QUERY (store, 0, 0, "4 1", .patient_ids = p1, .max_seq = 7);

  /* The accounts of the trail, for the account filter: each once, sorted. */
  {
    g_auto(GStrv) accounts = chevet_audit_dup_accounts (store, &error);
    g_autofree char *joined = NULL;

    g_assert_no_error (error);
    joined = g_strjoinv (",", accounts);
    g_assert_cmpstr (joined, ==, "alice,amara,bob,carol,mallory");
  }

  /* Planted entries are chained like any other. */
  g_assert_cmpint (verify (store).problem, ==, CHEVET_AUDIT_INTACT);
  test_rm_rf (path);
}

static gboolean
has_index (ChevetStore *store,
           const char  *name)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store),
                                       "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

/* The indexes come with a migration: a trail written before them gets them, keeps its
 * entries and verifies the same; the append-only triggers still refuse changes. */
static void
test_query_indexes_migration (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;
  ChevetAuditReport before, after;
  const char *p2[] = { "p2", NULL };

  plant (store);
  before = verify (store);
  g_assert_true (has_index (store, "audit_by_patient"));
  raw (store, "DROP INDEX audit_by_time; DROP INDEX audit_by_patient; DROP INDEX audit_by_account;"
              "DROP INDEX audit_by_action; PRAGMA user_version = 6");
  g_clear_object (&store);
  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (has_index (store, "audit_by_time"));
  g_assert_true (has_index (store, "audit_by_patient"));
  g_assert_true (has_index (store, "audit_by_account"));
  g_assert_true (has_index (store, "audit_by_action"));

  after = verify (store);
  g_assert_cmpint (after.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_cmpuint (after.n_entries, ==, before.n_entries);
  g_assert_cmpstr (after.head_hash, ==, before.head_hash);
  ASSERT_QUERY (store, 0, 0, "5 2", .patient_ids = p2);

  /* Running the migration again over the indexes changes nothing. */
  raw (store, "PRAGMA user_version = 6");
  g_clear_object (&store);
  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);

  g_assert_false (chevet_store_exec (store, "UPDATE audit SET patient = 'p9' WHERE seq = 2", &error));
  g_clear_error (&error);
  g_assert_false (chevet_store_exec (store, "DELETE FROM audit WHERE seq = 2", &error));
  g_clear_error (&error);
  g_assert_cmpint (verify (store).problem, ==, CHEVET_AUDIT_INTACT);
  test_rm_rf (path);
}

static void
test_action_words (void)
{
  g_assert_cmpstr (chevet_audit_action_describe ("chart-open"), ==, "Opened chart");
  g_assert_cmpstr (chevet_audit_action_describe ("break-glass"), ==, "Break-the-glass access");
  g_assert_cmpstr (chevet_audit_action_describe ("unlock-failed"), ==, "Failed unlock");
  /* Every action has words of its own. */
  for (guint i = 0; i < CHEVET_AUDIT_N_ACTIONS; i++)
    {
      const char *code = chevet_audit_action_to_code (i);

      g_assert_nonnull (chevet_audit_action_describe (code));
      g_assert_cmpstr (chevet_audit_action_describe (code), !=, code);
    }
  /* A newer version's action shows its code rather than nothing. */
  g_assert_cmpstr (chevet_audit_action_describe ("teleport"), ==, "teleport");
  g_assert_cmpstr (chevet_audit_outcome_describe ("denied"), ==, "Denied");
}

static gboolean
count_entry (const ChevetAuditEntry *entry,
             gpointer                user_data,
             GError                **error)
{
  (*(guint *) user_data)++;
  return TRUE;
}

/* Only administrators read, export or prune the trail; anyone may verify it. */
static void
test_administrators_only (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) admin = test_store_new (&path);
  g_autoptr(ChevetStore) clinician = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  ChevetAuditReport report;
  guint n = 0;

  g_assert_true (chevet_store_add_account (admin, "nurse.sall", CHEVET_ROLE_CLINICIAN,
                                           "quiet lagoon evening", &error));
  g_assert_no_error (error);
  clinician = chevet_store_open (path, "nurse.sall", "quiet lagoon evening", &error);
  g_assert_no_error (error);

  g_assert_false (chevet_audit_query (clinician, NULL, 0, 10, count_entry, &n, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (chevet_audit_export_fhir (clinician, out, NULL, NULL, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  {
    g_autoptr(GDateTime) cutoff = g_date_time_new_now_utc ();

    g_assert_false (chevet_audit_prune (clinician, cutoff, NULL, &error));
    g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
    g_clear_error (&error);
  }
  /* The retention itself is applied whoever unlocks. */
  g_assert_true (chevet_audit_prune (clinician, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (chevet_audit_set_retention_days (clinician, 30, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (chevet_audit_get_retention_days (admin), ==, CHEVET_AUDIT_DEFAULT_RETENTION_DAYS);

  g_assert_true (chevet_audit_verify (clinician, &report, &error));
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_assert_true (chevet_audit_query (admin, NULL, 0, 10, count_entry, &n, &error));
  g_assert_cmpuint (n, >, 0);

  g_clear_object (&clinician);
  g_clear_object (&admin);
  {
    g_autofree char *dir = g_path_get_dirname (path);
    test_rm_rf (dir);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/audit/append-verify/round-trip", test_round_trip);
  g_test_add_func ("/audit/append-only/program-cannot-change-or-delete", test_program_cannot_change);
  for (guint i = 0; i < G_N_ELEMENTS (tamperings); i++)
    {
      g_autofree char *name = g_strdup_printf ("/audit/verify/detects-%s", tamperings[i].name);

      g_test_add_data_func (name, &tamperings[i], test_tampering);
    }
  g_test_add_func ("/audit/verify/rewritten-tail-caught-by-head", test_rewritten_tail_caught_by_head);
  g_test_add_func ("/audit/verify/forged-entry-breaks-next-link", test_forged_entry_breaks_next_link);
  g_test_add_func ("/audit/prune/keeps-chain-verifiable", test_prune_keeps_chain);
  g_test_add_func ("/audit/prune/through-the-program-only", test_prune_through_the_program);
  g_test_add_func ("/audit/export/fhir-auditevent-codes", test_export_fhir);
  g_test_add_func ("/audit/search/never-holds-the-text", test_search_never_holds_text);
  g_test_add_func ("/audit/unlock/failures-recorded-at-next-unlock", test_failed_unlock_recorded_at_next_unlock);

  g_test_add_func ("/audit/query/filters-pages-and-counts", test_query_filters);
  g_test_add_func ("/audit/query/indexes-by-migration-leave-verify-alone", test_query_indexes_migration);
  g_test_add_func ("/audit/query/actions-in-words", test_action_words);
  g_test_add_func ("/audit/administrators-only", test_administrators_only);

  return g_test_run ();
}
