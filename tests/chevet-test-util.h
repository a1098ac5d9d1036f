/* chevet-test-util.h: helpers shared by the displayless tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "test-log.h"
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "chevet-store.h"

#define TEST_ACCOUNT    "amara"
#define TEST_PASSPHRASE "correct horse battery"

/* A fresh temporary folder path (not created), removed by test_rm_rf. */
static inline char *
test_tmp_path (const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-test-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static inline void
test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        test_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A new workspace whose key slot is cheap to derive (tests only). */
static inline ChevetStore *
test_store_new (char **out_path)
{
  g_autoptr(GError) error = NULL;
  char *path = test_tmp_path ("workspace");
  ChevetStore *store;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  store = chevet_store_create (path, "Test clinic", TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  *out_path = path;
  return store;
}

static inline guint
test_count (ChevetStore *store,
            const char  *type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) counts = chevet_store_count_resources (store, &error);

  g_assert_no_error (error);
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, type));
}
