/* test-stock-sqlite.c: the store refuses to work when SQLite cannot encrypt
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This program is the one place where chevet-core is linked with the stock libsqlite3
 * instead of SQLCipher, as would happen if libsoup's libsqlite3 won the symbol
 * resolution: PRAGMA key would then be a silent no-op. The store must refuse, and must
 * leave no plaintext database behind.
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "chevet-test-util.h"

static void
test_refuses_stock_sqlite (void)
{
  g_autofree char *path = test_tmp_path ("workspace");
  g_autofree char *db = g_build_filename (path, "chevet.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *probe = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean has_cipher;

  /* Make sure this binary really runs without SQLCipher, or the test proves nothing. */
  g_assert_cmpint (sqlite3_open (":memory:", &probe), ==, SQLITE_OK);
  has_cipher = sqlite3_prepare_v2 (probe, "PRAGMA cipher_version", -1, &stmt, NULL) == SQLITE_OK &&
               sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  sqlite3_close (probe);
  g_assert_false (has_cipher);

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  g_assert_null (chevet_store_create (path, "Clinic", TEST_ACCOUNT, TEST_PASSPHRASE, &error));
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ENCRYPTED);
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  g_assert_false (chevet_store_exists (path));
  test_rm_rf (path);
}

/* A real workspace, made by chevet-cli (which has SQLCipher), does not open either: the
 * passphrase is right, but this SQLite could only read it as plaintext. */
static void
test_open_refused (void)
{
  const char *cli = g_getenv ("CHEVET_CLI");
  g_autofree char *path = test_tmp_path ("workspace");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *pass = g_build_filename (dir, "pass", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  ChevetStore *store;

  if (cli == NULL)
    {
      g_test_skip ("CHEVET_CLI is not set: no SQLCipher-linked tool to make a workspace with");
      return;
    }
  g_assert_true (g_file_set_contents (pass, TEST_PASSPHRASE "\n", -1, NULL));
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           cli, "init", "--workspace", path, "--account", TEST_ACCOUNT,
                           "--passphrase-file", pass, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_exists (path));

  store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_null (store);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ENCRYPTED);
  test_rm_rf (path);
  g_unlink (pass);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/store/stock-sqlite/create-refused", test_refuses_stock_sqlite);
  g_test_add_func ("/store/stock-sqlite/open-refused", test_open_refused);
  return g_test_run ();
}
