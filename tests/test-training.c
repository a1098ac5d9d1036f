/* test-training.c: the training workspace is the same clinic for everyone, sealed, resettable
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-fhir.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-outbox.h"
#include "chevet-server-settings.h"
#include "chevet-store.h"
#include "chevet-sync.h"
#include "chevet-training.h"
#include "chevet-tutorial.h"

#include "chevet-test-util.h"

#define TRAINER      "trainer"
#define TRAINEE      "nadia"
#define TRAINEE_PASS "quiet lagoon evening"

static void
remove_workspace (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  test_rm_rf (dir);
}

static ChevetStore *
training_new (char **out_path)
{
  g_autoptr(GError) error = NULL;
  char *path = test_tmp_path ("training");
  ChevetStore *store;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  store = chevet_training_create (path, TRAINER, TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  *out_path = path;
  return store;
}

/* The same clinic for every trainee, every resource tagged as test data. */
static void
test_made_from_the_generator (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = training_new (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) patients = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_true (chevet_store_is_training (store));
  g_assert_cmpint (chevet_store_get_role (store), ==, CHEVET_ROLE_ADMINISTRATOR);
  patients = chevet_store_search_patients (store, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (patients->len, ==, CHEVET_TRAINING_PATIENTS);

  json = chevet_store_dup_resource_json (store, "Patient", "chv-pat-000012", &error);
  g_assert_no_error (error);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_fhir_is_training_data (json_node_get_object (node)));

  g_clear_object (&store);
  remove_workspace (path);
}

/* Sealed: no server can be set, a sync is refused, and a clinical workspace refuses the
 * training data. */
static void
test_sealed (void)
{
  g_autofree char *path = NULL;
  g_autofree char *clinical_path = NULL;
  g_autoptr(ChevetStore) store = training_new (&path);
  g_autoptr(ChevetStore) clinical = test_store_new (&clinical_path);
  g_autoptr(ChevetServerSettings) settings = chevet_server_settings_new ();
  g_autoptr(ChevetSync) sync = NULL;
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (CHEVET_TRAINING_SEED, NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  chevet_server_settings_set_base_url (settings, "https://127.0.0.1:9/fhir");
  g_assert_false (chevet_server_settings_save (settings, store, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* A note written in training waits forever: the sync refuses before any connection. */
  note = chevet_outbox_add_note (store, "chv-pat-000012", NULL, "Training note.", TRAINER, &error);
  g_assert_no_error (error);
  sync = chevet_sync_new_for_store (store);
  g_assert_false (chevet_sync_run (sync, NULL, &error));
  g_assert_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_TRAINING);
  g_clear_error (&error);
  g_assert_cmpint (chevet_outbox_count_waiting (store, &error), ==, 1);

  /* The training clinic offered to a clinical workspace: refused whole. */
  chevet_generator_set_training (generator, TRUE);
  g_assert_true (chevet_generator_write_ndjson (generator, 3, out, NULL, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_false (chevet_store_import_data (clinical,
                                            g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                            g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                            "from-training.ndjson", NULL, &error));
  g_assert_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_TRAINING);
  g_assert_nonnull (strstr (error->message, "from-training.ndjson"));
  g_clear_error (&error);
  g_assert_cmpuint (test_count (clinical, "Patient"), ==, 0);

  /* Trainees exist only here; the clinical workspace refuses one. */
  g_assert_true (chevet_store_add_account (store, TRAINEE, CHEVET_ROLE_TRAINEE, TRAINEE_PASS, &error));
  g_assert_no_error (error);
  g_assert_false (chevet_store_add_account (clinical, TRAINEE, CHEVET_ROLE_TRAINEE, TRAINEE_PASS, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  {
    g_autoptr(ChevetStore) as_trainee = chevet_store_open (path, TRAINEE, TRAINEE_PASS, &error);
    g_assert_no_error (error);
    g_assert_cmpint (chevet_store_get_role (as_trainee), ==, CHEVET_ROLE_TRAINEE);
  }

  g_clear_object (&sync);
  g_clear_object (&store);
  g_clear_object (&clinical);
  remove_workspace (path);
  remove_workspace (clinical_path);
}

/* A reset brings the clinic back as it was made, keeps accounts and progress, and only
 * an administrator may do it. */
static void
test_reset (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = training_new (&path);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *progress = NULL;
  guint n_resources;

  n_resources = test_count (store, "Observation");
  note = chevet_outbox_add_note (store, "chv-pat-000012", NULL, "Training note.", TRAINER, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_audit_chart_opened (store, "chv-pat-000012", &error));
  g_assert_true (chevet_tutorial_progress_save (store, "find-patient", "{\"version\":1}", &error));
  g_assert_true (chevet_store_add_account (store, TRAINEE, CHEVET_ROLE_TRAINEE, TRAINEE_PASS, &error));
  g_assert_no_error (error);

  /* A trainee may not reset it. */
  {
    g_autoptr(ChevetStore) as_trainee = chevet_store_open (path, TRAINEE, TRAINEE_PASS, &error);
    g_assert_no_error (error);
    g_assert_false (chevet_training_reset (as_trainee, NULL, &error));
    g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
    g_clear_error (&error);
  }

  g_assert_true (chevet_training_reset (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_count_waiting (store, &error), ==, 0);
  g_assert_cmpuint (test_count (store, "DocumentReference") > 0, ==, TRUE);
  g_assert_cmpuint (test_count (store, "Observation"), ==, n_resources);
  g_assert_cmpuint (test_count (store, "Patient"), ==, CHEVET_TRAINING_PATIENTS);
  recent = chevet_store_list_recent (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 0);
  progress = chevet_tutorial_progress_load (store, "find-patient", &error);
  g_assert_cmpstr (progress, ==, "{\"version\":1}");
  /* The search still finds the patients (the word index was emptied and made again). */
  {
    g_autoptr(GPtrArray) found = chevet_store_search_patients (store, "MRN-0000012", 0, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
  }

  g_clear_object (&store);
  remove_workspace (path);
}

/* A clinical workspace cannot be reset, whoever asks. */
static void
test_clinical_not_reset (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = test_store_new (&path);
  g_autoptr(GError) error = NULL;

  g_assert_false (chevet_store_is_training (store));
  g_assert_false (chevet_training_reset (store, NULL, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);

  g_clear_object (&store);
  remove_workspace (path);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/training/made-from-the-generator", test_made_from_the_generator);
  g_test_add_func ("/training/sealed", test_sealed);
  g_test_add_func ("/training/reset", test_reset);
  g_test_add_func ("/training/clinical-not-reset", test_clinical_not_reset);
  return g_test_run ();
}
