/* test-break-glass.c: restricted records (v3 Confidentiality R, V) and break-the-glass
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chevet-audit.h"
#include "chevet-chart.h"
#include "chevet-fhir.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

#define V3 "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
#define V3_OLD "http://hl7.org/fhir/v3/Confidentiality"
#define REASON "Unconscious in the waiting room, needs her allergy list"

/* p-r: R; p-v: V (old URI) beside N; p-n: N; p-none: no label; p-other: "R" of another
 * system (not a confidentiality label at all). */
static const char patients_ndjson[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p-r\",\"meta\":{\"security\":[{\"system\":\"" V3 "\",\"code\":\"R\"}]},"
  "\"name\":[{\"family\":\"Restrained\",\"given\":[\"Rosa\"]}]}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p-v\",\"meta\":{\"security\":[{\"system\":\"" V3 "\",\"code\":\"N\"},"
  "{\"system\":\"" V3_OLD "\",\"code\":\"V\"}]},\"name\":[{\"family\":\"Veiled\",\"given\":[\"Vera\"]}]}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p-n\",\"meta\":{\"security\":[{\"system\":\"" V3 "\",\"code\":\"N\"}]},"
  "\"name\":[{\"family\":\"Normal\",\"given\":[\"Nina\"]}]}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p-none\",\"name\":[{\"family\":\"Plain\",\"given\":[\"Paul\"]}]}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p-other\",\"meta\":{\"security\":[{\"system\":\"urn:other\",\"code\":\"R\"}]},"
  "\"name\":[{\"family\":\"Other\",\"given\":[\"Otto\"]}]}\n"
  "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/p-r\"},"
  "\"code\":{\"text\":\"Sealed diagnosis\"}}\n";

static ChevetStore *
store_with_patients (char **path)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = test_store_new (path);

  g_assert_true (chevet_store_import_data (store, patients_ndjson, -1, "patients.ndjson", NULL, &error));
  g_assert_no_error (error);
  return store;
}

static void
assert_restriction (ChevetStore *store,
                    const char  *id,
                    const char  *code,
                    gboolean     restricted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetPatient) patient = chevet_store_dup_patient (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (patient);
  g_assert_cmpstr (chevet_patient_get_confidentiality (patient), ==, code);
  g_assert_cmpint (chevet_patient_is_restricted (patient), ==, restricted);
}

static void
test_detection (void)
{
  g_assert_cmpint (chevet_fhir_confidentiality_rank (V3, "R"), ==, 5);
  g_assert_cmpint (chevet_fhir_confidentiality_rank (V3_OLD, "V"), ==, 6);
  g_assert_cmpint (chevet_fhir_confidentiality_rank (V3, "N"), ==, 4);
  g_assert_cmpint (chevet_fhir_confidentiality_rank ("urn:other", "R"), ==, 0);
  g_assert_cmpint (chevet_fhir_confidentiality_rank (V3, "RV"), ==, 0);
  g_assert_cmpint (chevet_fhir_confidentiality_rank (NULL, "R"), ==, 0);
}

/* Import sets the flag; the search results and the recent list carry it. */
static void
test_import_sets_flag (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = store_with_patients (&path);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;

  assert_restriction (store, "p-r", "R", TRUE);
  assert_restriction (store, "p-v", "V", TRUE);
  assert_restriction (store, "p-n", "N", FALSE);
  assert_restriction (store, "p-none", NULL, FALSE);
  assert_restriction (store, "p-other", NULL, FALSE);

  found = chevet_store_search_patients (store, "veiled", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_true (chevet_patient_is_restricted (g_ptr_array_index (found, 0)));

  /* A newer version without the label lifts the restriction. */
  g_assert_true (chevet_store_import_data (store,
                                           "{\"resourceType\":\"Patient\",\"id\":\"p-r\",\"meta\":{\"lastUpdated\":\"2030-01-01T00:00:00Z\"},"
                                           "\"name\":[{\"family\":\"Restrained\"}]}\n", -1, "update.ndjson", NULL, &error));
  g_assert_no_error (error);
  assert_restriction (store, "p-r", NULL, FALSE);
  test_rm_rf (path);
}

/* A workspace from before schema 8 gets the column, filled from the stored JSON. */
static void
test_migration_backfills (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = store_with_patients (&path);
  g_autoptr(GError) error = NULL;

  g_assert_true (chevet_store_exec (store, "UPDATE patients SET confidentiality = NULL; PRAGMA user_version = 6", &error));
  g_assert_no_error (error);
  g_object_unref (store);
  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  assert_restriction (store, "p-r", "R", TRUE);
  assert_restriction (store, "p-v", "V", TRUE);
  assert_restriction (store, "p-none", NULL, FALSE);

  /* And again from further back: the column already there is not added twice. */
  g_assert_true (chevet_store_exec (store, "PRAGMA user_version = 3", &error));
  g_object_unref (store);
  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  assert_restriction (store, "p-v", "V", TRUE);
  g_object_unref (store);
  test_rm_rf (path);
}

typedef struct
{
  GPtrArray *lines;
} Collect;

static gboolean
collect (const ChevetAuditEntry *entry,
         gpointer                user_data,
         GError                **error)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s|%s|%s|%s", entry->action, entry->patient ?: "",
                                               entry->outcome, entry->detail ?: ""));
  return TRUE;
}

static GPtrArray *
read_trail (ChevetStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_true (chevet_audit_foreach (store, 0, 0, collect, lines, &error));
  g_assert_no_error (error);
  return lines;
}

static void
test_reason_required (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = store_with_patients (&path);
  g_autoptr(GPtrArray) trail = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (chevet_audit_break_glass (store, "p-r", "emergency", "  \n\t ", &error));
  g_assert_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_NO_REASON);
  g_assert_cmpuint (strlen (error->message), >, 10);
  g_clear_error (&error);
  g_assert_false (chevet_audit_break_glass (store, "p-r", "emergency", NULL, &error));
  g_assert_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_NO_REASON);
  g_clear_error (&error);
  g_assert_false (chevet_audit_break_glass (store, "p-r", "curiosity", REASON, &error));
  g_assert_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_UNKNOWN_CATEGORY);
  g_assert_nonnull (strstr (error->message, "curiosity"));
  g_clear_error (&error);
  /* "Other" needs a few words, not one. */
  g_assert_false (chevet_audit_break_glass (store, "p-r", "other", "audit", &error));
  g_assert_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_NO_REASON);
  g_clear_error (&error);
  g_assert_true (chevet_audit_check_break_glass ("other", "court order received today", NULL));
  g_assert_true (chevet_audit_check_break_glass ("care", "follow-up", NULL));

  /* Nothing refused was recorded, nor marked recently opened. */
  trail = read_trail (store);
  g_assert_cmpuint (trail->len, ==, 0);
  recent = chevet_store_list_recent (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 0);
  test_rm_rf (path);
}

static void
test_access_and_record (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = store_with_patients (&path);
  g_autoptr(GPtrArray) trail = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *category = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *fhir = NULL;
  ChevetAuditReport report;
  ChevetAuditEntry entry = { 0 };

  /* Not restricted: opens as before; restricted: refused, and the attempt recorded. */
  g_assert_true (chevet_audit_check_chart_access (store, "p-n", FALSE, &error));
  g_assert_true (chevet_audit_check_chart_access (store, "p-missing", FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (chevet_audit_check_chart_access (store, "p-v", FALSE, &error));
  g_assert_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_RESTRICTED);
  g_assert_null (strstr (error->message, "Veiled"));
  g_clear_error (&error);
  g_assert_true (chevet_audit_check_chart_access (store, "p-v", TRUE, &error));

  g_assert_true (chevet_audit_break_glass (store, "p-r", "emergency", "  " REASON "\n", &error));
  g_assert_no_error (error);

  trail = read_trail (store);
  g_assert_cmpuint (trail->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (trail, 0), ==, "chart-open|p-v|denied|restricted");
  g_assert_cmpstr (g_ptr_array_index (trail, 1), ==, "break-glass|p-r|success|category=emergency reason=" REASON);
  g_assert_cmpstr (g_ptr_array_index (trail, 2), ==, "chart-open|p-r|success|break-glass");
  g_assert_true (chevet_audit_parse_break_glass_detail ("category=emergency reason=" REASON, &category, &reason));
  g_assert_cmpstr (category, ==, "emergency");
  g_assert_cmpstr (reason, ==, REASON);
  g_assert_false (chevet_audit_parse_break_glass_detail ("results=3", NULL, NULL));

  recent = chevet_store_list_recent (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 1);
  g_assert_cmpstr (chevet_patient_get_id (g_ptr_array_index (recent, 0)), ==, "p-r");
  g_assert_true (chevet_patient_is_restricted (g_ptr_array_index (recent, 0)));

  g_assert_true (chevet_audit_verify (store, &report, &error));
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);

  /* The export says break-the-glass and the category, never the clinician's words. */
  entry.seq = 2;
  entry.time = "2026-01-15T10:00:00.000Z";
  entry.account = TEST_ACCOUNT;
  entry.action = "break-glass";
  entry.patient = "p-r";
  entry.outcome = "success";
  entry.detail = "category=emergency reason=" REASON;
  fhir = chevet_audit_entry_to_fhir (&entry);
  g_assert_nonnull (strstr (fhir, "BTG"));
  g_assert_nonnull (strstr (fhir, "category=emergency"));
  g_assert_null (strstr (fhir, "Unconscious"));
  test_rm_rf (path);
}

/* The generated clinic has a few restricted records, the same ones whatever the seed. */
static void
test_generator_marks_some (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (2026, "2026-01-15");
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint n_r = 0, n_v = 0;
  sqlite3_stmt *stmt = NULL;

  chevet_generator_set_patients_only (generator, TRUE);
  g_assert_true (chevet_generator_write_ndjson (generator, 200, out, NULL, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_true (chevet_store_import_data (store,
                                           g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                           g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                           "clinic.ndjson", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store),
                                       "SELECT confidentiality FROM patients WHERE confidentiality IN ('R', 'V')",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (g_str_equal ((const char *) sqlite3_column_text (stmt, 0), "V"))
        n_v++;
      else
        n_r++;
    }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (n_r + n_v, ==, 5);
  g_assert_cmpuint (n_v, >=, 1);
  assert_restriction (store, "chv-pat-000007", "R", TRUE);
  assert_restriction (store, "chv-pat-000047", "V", TRUE);
  assert_restriction (store, "chv-pat-000008", NULL, FALSE);
  test_rm_rf (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/break-glass/confidentiality/codes-and-systems", test_detection);
  g_test_add_func ("/break-glass/confidentiality/import-sets-flag", test_import_sets_flag);
  g_test_add_func ("/break-glass/confidentiality/migration-backfills", test_migration_backfills);
  g_test_add_func ("/break-glass/audit/reason-required", test_reason_required);
  g_test_add_func ("/break-glass/audit/refused-then-recorded", test_access_and_record);
  g_test_add_func ("/break-glass/generator/some-restricted", test_generator_marks_some);
  return g_test_run ();
}
