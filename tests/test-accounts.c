/* test-accounts.c: roles, the passphrase policy and failed-unlock delays
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "chevet-test"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "chevet-audit.h"
#include "chevet-import.h"
#include "chevet-passphrase.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

#define KOFI            "kofi"
#define KOFI_PASSPHRASE "night shift on ward two"
#define NEW_PASSPHRASE  "sunflower harbour at dawn"

static const char patients_ndjson[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Dupré\"}],\"gender\":\"female\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"Okafor\"}],\"gender\":\"male\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p3\",\"name\":[{\"family\":\"Mensah\"}],\"gender\":\"female\"}\n";

/* The clock of the delays, moved by the tests. */
static gint64 fake_now;

static gint64
fake_clock (void)
{
  return fake_now;
}

static ChevetStore *
open_ok (const char *path,
         const char *account,
         const char *passphrase)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (path, account, passphrase, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
assert_open_fails (const char *path,
                   const char *account,
                   const char *passphrase,
                   GQuark      domain,
                   int         code)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (chevet_store_open (path, account, passphrase, &error));
  g_assert_error (error, domain, code);
}

/* A clinical workspace with three patients, amara (administrator) and kofi (clinician). */
static ChevetStore *
clinic_new (char **path)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = test_store_new (path);

  g_assert_true (chevet_store_import_data (store, patients_ndjson, -1, "patients.ndjson", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_add_account (store, KOFI, CHEVET_ROLE_CLINICIAN, KOFI_PASSPHRASE, &error));
  g_assert_no_error (error);
  return store;
}

static gboolean
collect_account_entries (const ChevetAuditEntry *entry,
                         gpointer                user_data,
                         GError                **error)
{
  if (g_str_equal (entry->action, "account") || g_str_equal (entry->action, "unlock-failed"))
    g_string_append_printf (user_data, "%s %s %s %s;", entry->account, entry->action,
                            entry->outcome, entry->detail);
  return TRUE;
}

static char *
account_entries (ChevetStore *store)
{
  g_autoptr(GError) error = NULL;
  GString *seen = g_string_new (NULL);

  g_assert_true (chevet_audit_foreach (store, 0, 0, collect_account_entries, seen, &error));
  g_assert_no_error (error);
  return g_string_free (seen, FALSE);
}

/* ------------------------------------------------------------------ roles */

static void
test_clinician_cannot_manage (void)
{
  g_autofree char *path = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);
  ChevetStore *kofi;
  ChevetAccountInfo *info;

  g_assert_cmpint (chevet_store_get_role (admin), ==, CHEVET_ROLE_ADMINISTRATOR);
  g_assert_false (chevet_store_is_training (admin));

  kofi = open_ok (path, KOFI, KOFI_PASSPHRASE);
  g_assert_cmpint (chevet_store_get_role (kofi), ==, CHEVET_ROLE_CLINICIAN);
  /* A clinician reads the same charts. */
  g_assert_cmpint (chevet_store_count_patients (kofi, NULL, NULL), ==, 3);

  g_assert_false (chevet_store_add_account (kofi, "esi", CHEVET_ROLE_CLINICIAN, NEW_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "administrator"));
  g_clear_error (&error);
  g_assert_false (chevet_store_remove_account (kofi, TEST_ACCOUNT, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (chevet_store_reset_passphrase (kofi, TEST_ACCOUNT, NEW_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (chevet_store_set_role (kofi, KOFI, CHEVET_ROLE_ADMINISTRATOR, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* Nothing changed: the account was not added, amara still opens. */
  accounts = chevet_store_list_accounts (admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 2);
  info = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (info->name, ==, TEST_ACCOUNT);
  g_assert_cmpint (info->role, ==, CHEVET_ROLE_ADMINISTRATOR);
  g_assert_cmpint (info->created, >, 0);
  info = g_ptr_array_index (accounts, 1);
  g_assert_cmpstr (info->name, ==, KOFI);
  g_assert_cmpint (info->role, ==, CHEVET_ROLE_CLINICIAN);
  g_assert_cmpint (chevet_store_get_role (kofi), ==, CHEVET_ROLE_CLINICIAN);

  /* The refusals are in the audit trail, as kofi's. */
  audit = account_entries (admin);
  g_assert_cmpstr (audit, ==,
                   "amara account success add clinician:kofi;"
                   "kofi account denied add clinician:esi;"
                   "kofi account denied remove:amara;"
                   "kofi account denied reset-passphrase:amara;"
                   "kofi account denied role administrator:kofi;");

  g_assert_finalize_object (kofi);
  g_assert_finalize_object (admin);
  test_rm_rf (path);
}

static void
test_roles_change_and_last_administrator (void)
{
  g_autofree char *path = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);
  ChevetStore *kofi;

  /* The only administrator can neither go nor step down. */
  g_assert_false (chevet_store_remove_account (admin, TEST_ACCOUNT, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ADMINISTRATOR);
  g_clear_error (&error);
  g_assert_false (chevet_store_set_role (admin, TEST_ACCOUNT, CHEVET_ROLE_CLINICIAN, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ADMINISTRATOR);
  g_clear_error (&error);
  g_assert_false (chevet_store_set_role (admin, "nobody", CHEVET_ROLE_CLINICIAN, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);
  g_clear_error (&error);

  /* With a second administrator, the first may step down, and then manages nothing. */
  g_assert_true (chevet_store_set_role (admin, KOFI, CHEVET_ROLE_ADMINISTRATOR, &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_set_role (admin, TEST_ACCOUNT, CHEVET_ROLE_CLINICIAN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_store_get_role (admin), ==, CHEVET_ROLE_CLINICIAN);
  g_assert_false (chevet_store_set_role (admin, TEST_ACCOUNT, CHEVET_ROLE_ADMINISTRATOR, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* kofi, now the last administrator, opens as one. */
  kofi = open_ok (path, KOFI, KOFI_PASSPHRASE);
  g_assert_cmpint (chevet_store_get_role (kofi), ==, CHEVET_ROLE_ADMINISTRATOR);
  g_assert_false (chevet_store_set_role (kofi, KOFI, CHEVET_ROLE_CLINICIAN, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ADMINISTRATOR);
  g_clear_error (&error);
  g_assert_true (chevet_store_remove_account (kofi, TEST_ACCOUNT, &error));
  g_assert_no_error (error);
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);

  audit = account_entries (kofi);
  g_assert_nonnull (strstr (audit, "amara account success role administrator:kofi;"
                                   "amara account success role clinician:amara;"));
  g_assert_nonnull (strstr (audit, "kofi account success remove:amara;"));

  g_assert_finalize_object (kofi);
  g_assert_finalize_object (admin);
  test_rm_rf (path);
}

static void
test_trainees_only_in_training (void)
{
  g_autofree char *path = NULL;
  g_autofree char *training_path = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);
  ChevetStore *instructor, *trainee;

  g_assert_false (chevet_store_add_account (admin, "tomas", CHEVET_ROLE_TRAINEE, NEW_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "training workspace"));
  g_clear_error (&error);
  g_assert_false (chevet_store_set_role (admin, KOFI, CHEVET_ROLE_TRAINEE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  assert_open_fails (path, "tomas", NEW_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);

  /* A training workspace takes them, and stays a training workspace. */
  training_path = test_tmp_path ("training");
  instructor = chevet_store_create_training (training_path, "Training", TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_store_is_training (instructor));
  g_assert_cmpint (chevet_store_get_role (instructor), ==, CHEVET_ROLE_ADMINISTRATOR);
  g_assert_true (chevet_store_add_account (instructor, "tomas", CHEVET_ROLE_TRAINEE, NEW_PASSPHRASE, &error));
  g_assert_no_error (error);
  trainee = open_ok (training_path, "tomas", NEW_PASSPHRASE);
  g_assert_cmpint (chevet_store_get_role (trainee), ==, CHEVET_ROLE_TRAINEE);
  g_assert_true (chevet_store_is_training (trainee));
  g_assert_false (chevet_store_add_account (trainee, "other", CHEVET_ROLE_TRAINEE, NEW_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  g_assert_finalize_object (trainee);
  g_assert_finalize_object (instructor);
  g_assert_finalize_object (admin);
  test_rm_rf (training_path);
  test_rm_rf (path);
}

static void
test_trainee_slot_cannot_open_clinical (void)
{
  g_autofree char *path = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);

  /* However a trainee came to have a slot here (a copy, an edit of the database by
   * hand), it does not open a clinical workspace. */
  g_assert_true (chevet_store_exec (admin, "UPDATE accounts SET role = 'trainee' WHERE account = 'kofi'", &error));
  g_assert_no_error (error);
  g_assert_null (chevet_store_open (path, KOFI, KOFI_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_assert_cmpstr (error->message, ==,
                   "“kofi” is a trainee account: trainee accounts open only the training workspace");
  g_clear_error (&error);

  /* Noted, and in the trail at the next unlock. */
  g_assert_finalize_object (admin);
  admin = open_ok (path, TEST_ACCOUNT, TEST_PASSPHRASE);
  g_assert_true (chevet_audit_unlocked (admin, &error));
  g_assert_no_error (error);
  audit = account_entries (admin);
  g_assert_nonnull (strstr (audit, "kofi unlock-failed denied role;"));

  g_assert_finalize_object (admin);
  test_rm_rf (path);
}

static void
test_accounts_before_roles_are_administrators (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);
  ChevetStore *kofi;

  /* The workspace as schema 6 left it: key slots, no roles. */
  g_assert_true (chevet_store_exec (admin, "DROP TABLE accounts; DELETE FROM meta WHERE key = 'accounts.adopted';"
                                           "PRAGMA user_version = 6", &error));
  g_assert_no_error (error);
  g_assert_finalize_object (admin);

  kofi = open_ok (path, KOFI, KOFI_PASSPHRASE);
  g_assert_cmpint (chevet_store_get_role (kofi), ==, CHEVET_ROLE_ADMINISTRATOR);
  accounts = chevet_store_list_accounts (kofi, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 2);
  for (guint i = 0; i < accounts->len; i++)
    {
      ChevetAccountInfo *info = g_ptr_array_index (accounts, i);

      g_assert_cmpint (info->role, ==, CHEVET_ROLE_ADMINISTRATOR);
      g_assert_cmpint (info->created, ==, 0);
    }

  /* Once adopted, a key slot without a role opens nothing. */
  g_assert_true (chevet_store_exec (kofi, "DELETE FROM accounts WHERE account = 'amara'", &error));
  g_assert_no_error (error);
  assert_open_fails (path, TEST_ACCOUNT, TEST_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);

  g_assert_finalize_object (kofi);
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ passphrases */

static void
test_change_and_reset_keep_data (void)
{
  g_autofree char *path = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);
  ChevetStore *kofi;
  guint patients = test_count (admin, "Patient");

  g_assert_cmpuint (patients, ==, 3);

  /* kofi changes his own: the old one stops working, the data stay. */
  kofi = open_ok (path, KOFI, KOFI_PASSPHRASE);
  g_assert_false (chevet_store_change_passphrase (kofi, KOFI_PASSPHRASE, "password1234", &error));
  g_assert_error (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_COMMON);
  g_clear_error (&error);
  g_assert_true (chevet_store_change_passphrase (kofi, KOFI_PASSPHRASE, NEW_PASSPHRASE, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (kofi);
  assert_open_fails (path, KOFI, KOFI_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  kofi = open_ok (path, KOFI, NEW_PASSPHRASE);
  g_assert_cmpuint (test_count (kofi, "Patient"), ==, patients);
  g_assert_finalize_object (kofi);

  /* He forgot it: the administrator gives him another, without the old one. */
  g_assert_false (chevet_store_reset_passphrase (admin, KOFI, "abcdefghijklmnop", &error));
  g_assert_error (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE);
  g_clear_error (&error);
  g_assert_false (chevet_store_reset_passphrase (admin, TEST_ACCOUNT, "a fresh start for amara", &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (chevet_store_reset_passphrase (admin, "nobody", KOFI_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);
  g_clear_error (&error);
  g_assert_true (chevet_store_reset_passphrase (admin, KOFI, KOFI_PASSPHRASE, &error));
  g_assert_no_error (error);
  assert_open_fails (path, KOFI, NEW_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  kofi = open_ok (path, KOFI, KOFI_PASSPHRASE);
  g_assert_cmpuint (test_count (kofi, "Patient"), ==, patients);
  g_assert_cmpint (chevet_store_get_role (kofi), ==, CHEVET_ROLE_CLINICIAN);

  /* Recorded, without any secret. */
  audit = account_entries (admin);
  g_assert_cmpstr (audit, ==,
                   "amara account success add clinician:kofi;"
                   "kofi account success passphrase:kofi;"
                   "amara account success reset-passphrase:kofi;");
  g_assert_null (strstr (audit, KOFI_PASSPHRASE));

  g_assert_finalize_object (kofi);
  g_assert_finalize_object (admin);
  test_rm_rf (path);
}

typedef struct
{
  const char *account;
  const char *passphrase;
  int         code;  /* -1: accepted */
} PolicyCase;

static void
test_policy_messages (void)
{
  /* Each rejected one checked by hand against cracklib's dictionary on Debian 12. */
  static const PolicyCase cases[] = {
    { "amara", "short one", CHEVET_PASSPHRASE_ERROR_TOO_SHORT },
    { "amara", "élan vital", CHEVET_PASSPHRASE_ERROR_TOO_SHORT },          /* 10 characters, 12 bytes */
    { "amara", "river stone AMARA 42", CHEVET_PASSPHRASE_ERROR_CONTAINS_ACCOUNT },
    { "amara", "aramA by the river", CHEVET_PASSPHRASE_ERROR_CONTAINS_ACCOUNT }, /* backwards */
    { "amara", "encyclopedia", CHEVET_PASSPHRASE_ERROR_COMMON },
    { "amara", "Administrator1", CHEVET_PASSPHRASE_ERROR_COMMON },
    { "amara", "password1234", CHEVET_PASSPHRASE_ERROR_COMMON },
    { "amara", "monkeymonkey12", CHEVET_PASSPHRASE_ERROR_COMMON },
    { "amara", "abababababab", CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE },
    { "amara", "123456789012", CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE },
    { "amara", "zzzzzzzzzzzzzzzz", CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE },
    { "amara", "sunflower harbour 1987", -1 },
    { "amara", "élan vital du matin", -1 },
    { "kofi", "night shift on ward two", -1 },
    { NULL, "k8#Lq2!vZp0m", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint score = 1000;
      gboolean ok = chevet_passphrase_check (cases[i].account, cases[i].passphrase, &score, &error);

      g_test_message ("%s: %s", cases[i].passphrase, error != NULL ? error->message : "accepted");
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpuint (score, >, 0);
          g_assert_cmpuint (score, <=, 100);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, CHEVET_PASSPHRASE_ERROR, cases[i].code);
      g_assert_cmpuint (score, ==, 0);
      /* Our own sentence, never the passphrase itself. */
      g_assert_true (g_str_has_prefix (error->message, "This passphrase "));
      g_assert_null (strstr (error->message, cases[i].passphrase));
      if (cases[i].code == CHEVET_PASSPHRASE_ERROR_TOO_SHORT)
        g_assert_nonnull (strstr (error->message, "12 characters"));
      if (cases[i].code == CHEVET_PASSPHRASE_ERROR_CONTAINS_ACCOUNT)
        g_assert_nonnull (strstr (error->message, "“amara”"));
    }

  /* Longer scores higher: the strength bar moves as one types. */
  {
    guint short_score = 0, long_score = 0;

    g_assert_true (chevet_passphrase_check (NULL, "k8#Lq2!vZp0m", &short_score, NULL));
    g_assert_true (chevet_passphrase_check (NULL, "k8#Lq2!vZp0m river stone", &long_score, NULL));
    g_assert_cmpuint (long_score, >, short_score);
  }
}

static void
test_policy_without_dictionary (void)
{
  g_autofree char *path = test_tmp_path ("workspace");
  g_autoptr(GError) error = NULL;

  /* Fails closed: no dictionary, no new passphrase, whatever it is. */
  chevet_passphrase_set_dictionary_for_testing ("/nonexistent/cracklib_dict");
  g_assert_false (chevet_passphrase_check (TEST_ACCOUNT, "sunflower harbour 1987", NULL, &error));
  g_assert_error (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_NO_DICTIONARY);
  g_assert_nonnull (strstr (error->message, "cracklib-runtime"));
  g_clear_error (&error);
  chevet_store_set_kdf_cost_for_testing (1, 8192);
  g_assert_null (chevet_store_create (path, "Clinic", TEST_ACCOUNT, TEST_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_NO_DICTIONARY);
  g_clear_error (&error);
  g_assert_false (chevet_store_exists (path));
  chevet_passphrase_set_dictionary_for_testing (NULL);

  g_assert_null (chevet_store_create (path, "Clinic", TEST_ACCOUNT, "password1234", &error));
  g_assert_error (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_COMMON);
  g_assert_false (chevet_store_exists (path));
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ delays */

static void
assert_delay (const char *path,
              const char *account,
              gint64      seconds,
              guint       failures)
{
  g_autoptr(GError) error = NULL;
  guint n = 1000;

  g_assert_cmpint (chevet_store_get_unlock_delay (path, account, &n, &error), ==, seconds);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, failures);
}

static void
test_delays_grow_survive_and_reset (void)
{
  g_autofree char *path = NULL;
  g_autofree char *sidecar = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *store = test_store_new (&path);
  struct stat st;

  fake_now = G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC;
  chevet_store_set_clock_for_testing (fake_clock);
  g_assert_finalize_object (store);

  /* Three mistakes cost nothing. */
  for (guint i = 1; i <= 3; i++)
    {
      assert_open_fails (path, TEST_ACCOUNT, "not the passphrase", CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
      assert_delay (path, TEST_ACCOUNT, 0, i);
    }
  /* The fourth: 30 s, and meanwhile even the right passphrase is not tried. */
  assert_open_fails (path, TEST_ACCOUNT, "not the passphrase", CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  assert_delay (path, TEST_ACCOUNT, 30, 4);
  g_assert_null (chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON);
  g_assert_cmpstr (error->message, ==, "4 failed attempts: try again in 30 seconds");
  g_clear_error (&error);
  g_assert_false (chevet_store_check_unlock_delay (path, TEST_ACCOUNT, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON);
  g_clear_error (&error);
  /* Refused attempts do not count. */
  assert_delay (path, TEST_ACCOUNT, 30, 4);

  /* Remembered beside the workspace, owner-only, without the passphrases; nothing is in
   * memory between these calls, as after a restart. */
  sidecar = g_build_filename (path, "unlock-delays", NULL);
  g_assert_cmpint (g_stat (sidecar, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (sidecar, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "passphrase"));

  fake_now += 29 * G_USEC_PER_SEC;
  assert_delay (path, TEST_ACCOUNT, 1, 4);
  g_assert_null (chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error));
  g_assert_cmpstr (error->message, ==, "4 failed attempts: try again in 1 second");
  g_clear_error (&error);

  /* Then doubling at each failure. */
  fake_now += 1 * G_USEC_PER_SEC;
  assert_open_fails (path, TEST_ACCOUNT, "still not it", CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  assert_delay (path, TEST_ACCOUNT, 60, 5);
  fake_now += 60 * G_USEC_PER_SEC;
  assert_open_fails (path, TEST_ACCOUNT, "still not it", CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  assert_delay (path, TEST_ACCOUNT, 120, 6);

  /* Time moved on: the right passphrase opens, and the count starts again. */
  fake_now += 120 * G_USEC_PER_SEC;
  store = open_ok (path, TEST_ACCOUNT, TEST_PASSPHRASE);
  assert_delay (path, TEST_ACCOUNT, 0, 0);
  g_assert_finalize_object (store);

  chevet_store_set_clock_for_testing (NULL);
  test_rm_rf (path);
}

static void
test_delays_are_capped (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *store = test_store_new (&path);
  gint64 delay = 0;

  fake_now = G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC;
  chevet_store_set_clock_for_testing (fake_clock);
  g_assert_finalize_object (store);

  /* However many failures, never more than 15 minutes: never a lock-out. */
  for (guint i = 1; i <= 40; i++)
    {
      fake_now += delay * G_USEC_PER_SEC;
      assert_open_fails (path, TEST_ACCOUNT, "a wrong guess", CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
      delay = chevet_store_get_unlock_delay (path, TEST_ACCOUNT, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (delay, <=, 15 * 60);
    }
  g_assert_cmpint (delay, ==, 15 * 60);
  g_assert_null (chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON);
  g_assert_cmpstr (error->message, ==, "40 failed attempts: try again in 15 minutes");
  g_clear_error (&error);

  /* A clock set back does not make it longer. */
  fake_now -= (gint64) 3600 * G_USEC_PER_SEC;
  g_assert_cmpint (chevet_store_get_unlock_delay (path, TEST_ACCOUNT, NULL, NULL), ==, 15 * 60);
  fake_now += (gint64) (3600 + 15 * 60) * G_USEC_PER_SEC;
  store = open_ok (path, TEST_ACCOUNT, TEST_PASSPHRASE);
  g_assert_finalize_object (store);

  chevet_store_set_clock_for_testing (NULL);
  test_rm_rf (path);
}

static void
test_delays_unknown_accounts_and_reset (void)
{
  g_autofree char *path = NULL;
  g_autofree char *sidecar = NULL;
  g_autoptr(GError) error = NULL;
  ChevetStore *admin = clinic_new (&path);
  ChevetStore *kofi;
  gsize len = 0;
  g_autofree char *contents = NULL;

  fake_now = G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC;
  chevet_store_set_clock_for_testing (fake_clock);

  /* Names without an account share one count: probing names is slowed too. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("probe-%u", i);

      assert_open_fails (path, name, TEST_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);
    }
  assert_open_fails (path, "someone-else", TEST_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON);
  assert_delay (path, "anyone", 30, 4);
  /* ... without slowing the real accounts. */
  assert_delay (path, TEST_ACCOUNT, 0, 0);
  /* ... and the file does not grow with each name tried. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("probe-%u", i);

      fake_now += (gint64) 16 * 60 * G_USEC_PER_SEC;
      assert_open_fails (path, name, TEST_PASSPHRASE, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);
    }
  sidecar = g_build_filename (path, "unlock-delays", NULL);
  g_assert_true (g_file_get_contents (sidecar, &contents, &len, NULL));
  g_assert_cmpuint (len, <, 512);

  /* kofi locked out for now; an administrator's reset ends his wait. */
  for (guint i = 0; i < 5; i++)
    assert_open_fails (path, KOFI, "wrong guess", CHEVET_STORE_ERROR,
                       i < 4 ? CHEVET_STORE_ERROR_WRONG_PASSPHRASE : CHEVET_STORE_ERROR_TOO_SOON);
  assert_delay (path, KOFI, 30, 4);
  g_assert_true (chevet_store_reset_passphrase (admin, KOFI, NEW_PASSPHRASE, &error));
  g_assert_no_error (error);
  assert_delay (path, KOFI, 0, 0);
  kofi = open_ok (path, KOFI, NEW_PASSPHRASE);

  /* Guessing the old passphrase to change it counts as well. */
  for (guint i = 0; i < 4; i++)
    {
      g_assert_false (chevet_store_change_passphrase (kofi, "wrong guess", KOFI_PASSPHRASE, &error));
      g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
      g_clear_error (&error);
    }
  g_assert_false (chevet_store_change_passphrase (kofi, NEW_PASSPHRASE, KOFI_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON);
  g_clear_error (&error);

  g_assert_finalize_object (kofi);
  g_assert_finalize_object (admin);
  chevet_store_set_clock_for_testing (NULL);
  test_rm_rf (path);
}

static void
test_delays_damaged_file (void)
{
  g_autofree char *path = NULL;
  g_autofree char *sidecar = NULL;
  ChevetStore *store;

  /* The store logs a warning; in a child, where a warning is not fatal, so its output
   * can be read. */
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      store = test_store_new (&path);
      g_assert_finalize_object (store);
      sidecar = g_build_filename (path, "unlock-delays", NULL);
      g_assert_true (g_file_set_contents (sidecar, "{\"format\":\"chevet-unlock-delays\",\"accounts\":[{\"account\":7}", -1, NULL));

      /* Neither a crash nor a lock-out: the counts start again. */
      assert_delay (path, TEST_ACCOUNT, 0, 0);
      store = open_ok (path, TEST_ACCOUNT, TEST_PASSPHRASE);
      g_assert_finalize_object (store);
      test_rm_rf (path);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*failed-unlock counts of a workspace are damaged*");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/accounts/roles/clinician-cannot-manage-accounts", test_clinician_cannot_manage);
  g_test_add_func ("/accounts/roles/change-and-last-administrator", test_roles_change_and_last_administrator);
  g_test_add_func ("/accounts/roles/trainees-only-in-training", test_trainees_only_in_training);
  g_test_add_func ("/accounts/roles/trainee-slot-cannot-open-clinical", test_trainee_slot_cannot_open_clinical);
  g_test_add_func ("/accounts/roles/accounts-before-roles-are-administrators",
                   test_accounts_before_roles_are_administrators);
  g_test_add_func ("/accounts/passphrase/change-and-reset-keep-data", test_change_and_reset_keep_data);
  g_test_add_func ("/accounts/passphrase/policy-messages", test_policy_messages);
  g_test_add_func ("/accounts/passphrase/no-dictionary-fails-closed", test_policy_without_dictionary);
  g_test_add_func ("/accounts/delays/grow-survive-and-reset", test_delays_grow_survive_and_reset);
  g_test_add_func ("/accounts/delays/capped-never-locked-out", test_delays_are_capped);
  g_test_add_func ("/accounts/delays/unknown-accounts-and-admin-reset", test_delays_unknown_accounts_and_reset);
  g_test_add_func ("/accounts/delays/damaged-file-starts-again", test_delays_damaged_file);
  return g_test_run ();
}
