/* bench-import.c: NDJSON import into the encrypted store, against the raw insert limit
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The limit is what SQLCipher itself can do with the same rows: every row the import
 * wrote (resources, patients, FTS, projections), read back into memory, then inserted
 * into a fresh store of the same schema with prepared statements in one transaction.
 * Both are measured in the same run, several times; medians are compared.
 */
#include "config.h"

#include <stdio.h>

#include "bench-util.h"
#include "chevet-import.h"
#include "chevet-store-private.h"

#define RUNS 5

static const char * const tables[] = {
  "resources", "patients", "conditions", "medications", "allergies", "observations",
  "observation_components", "encounters", "immunizations", "procedures", "reports",
  "documents",
};

typedef struct
{
  char         *insert;
  int           n_cols;
  GPtrArray    *rows;   /* of sqlite3_value*[n_cols] */
} Table;

static void
table_free (Table *t)
{
  for (guint i = 0; i < t->rows->len; i++)
    {
      sqlite3_value **row = g_ptr_array_index (t->rows, i);

      for (int c = 0; c < t->n_cols; c++)
        sqlite3_value_free (row[c]);
      g_free (row);
    }
  g_ptr_array_unref (t->rows);
  g_free (t->insert);
  g_free (t);
}

static Table *
load_table (sqlite3    *db,
            const char *select,
            const char *name)
{
  Table *t = g_new0 (Table, 1);
  sqlite3_stmt *stmt = NULL;
  GString *insert;

  g_assert_cmpint (sqlite3_prepare_v2 (db, select, -1, &stmt, NULL), ==, SQLITE_OK);
  t->n_cols = sqlite3_column_count (stmt);
  t->rows = g_ptr_array_new ();
  insert = g_string_new (NULL);
  g_string_append_printf (insert, "INSERT INTO %s (", name);
  for (int c = 0; c < t->n_cols; c++)
    g_string_append_printf (insert, "%s%s", c ? "," : "", sqlite3_column_name (stmt, c));
  g_string_append (insert, ") VALUES (");
  for (int c = 0; c < t->n_cols; c++)
    g_string_append (insert, c ? ",?" : "?");
  g_string_append (insert, ")");
  t->insert = g_string_free (insert, FALSE);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      sqlite3_value **row = g_new (sqlite3_value *, t->n_cols);

      for (int c = 0; c < t->n_cols; c++)
        row[c] = sqlite3_value_dup (sqlite3_column_value (stmt, c));
      g_ptr_array_add (t->rows, row);
    }
  sqlite3_finalize (stmt);
  return t;
}

static guint64
insert_tables (sqlite3   *db,
               GPtrArray *loaded)
{
  guint64 rows = 0;

  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < loaded->len; i++)
    {
      Table *t = g_ptr_array_index (loaded, i);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, t->insert, -1, &stmt, NULL), ==, SQLITE_OK);
      for (guint r = 0; r < t->rows->len; r++)
        {
          sqlite3_value **row = g_ptr_array_index (t->rows, r);

          for (int c = 0; c < t->n_cols; c++)
            sqlite3_bind_value (stmt, c + 1, row[c]);
          if (sqlite3_step (stmt) != SQLITE_DONE)
            g_error ("limit insert into %s: %s", t->insert, sqlite3_errmsg (db));
          sqlite3_reset (stmt);
          rows++;
        }
      sqlite3_finalize (stmt);
    }
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  return rows;
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-bench-XXXXXX", NULL);
  guint patients = argc > 1 ? atoi (argv[1]) : 4000;
  g_autofree char *ndjson = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  double import_rate[RUNS], limit_rate[RUNS], ratio[RUNS];
  guint64 resources = 0, rows = 0;
  double t0;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  t0 = bench_now ();
  ndjson = bench_generate (dir, patients, FALSE, &resources);
  file = g_file_new_for_path (ndjson);
  printf ("# %u patients, %" G_GUINT64_FORMAT " resources generated in %.1f s\n",
          patients, resources, bench_now () - t0);

  for (int run = 0; run < RUNS; run++)
    {
      g_autofree char *a = g_strdup_printf ("%s/import-%d", dir, run);
      g_autofree char *b = g_strdup_printf ("%s/limit-%d", dir, run);
      g_autoptr(ChevetStore) store = chevet_store_create (a, "Bench", "bench", "quiet lamp over seven hills", NULL);
      g_autoptr(ChevetStore) limit = chevet_store_create (b, "Limit", "bench", "quiet lamp over seven hills", NULL);
      g_autoptr(GError) error = NULL;
      ChevetImportStats stats;
      double t;

      t = bench_now ();
      if (!chevet_store_import_file (store, file, &stats, NULL, NULL, NULL, &error))
        g_error ("import: %s", error->message);
      t = bench_now () - t;
      g_assert_cmpuint (stats.created, ==, resources);
      import_rate[run] = resources / t;

      if (loaded == NULL)
        {
          loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) table_free);
          for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
            {
              g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s", tables[i]);
              g_ptr_array_add (loaded, load_table (chevet_store_get_db (store), sql, tables[i]));
            }
          g_ptr_array_add (loaded, load_table (chevet_store_get_db (store),
                                               "SELECT docid, names, identifiers FROM patients_fts",
                                               "patients_fts"));
        }
      t = bench_now ();
      rows = insert_tables (chevet_store_get_db (limit), loaded);
      t = bench_now () - t;
      /* The limit in resources per second: the same rows, the same resources. */
      limit_rate[run] = resources / t;
      ratio[run] = import_rate[run] / limit_rate[run];
      printf ("# run %d: import %.0f resources/s, raw insert of the same %" G_GUINT64_FORMAT
              " rows %.0f resources/s, ratio %.2f\n", run + 1, import_rate[run], rows,
              limit_rate[run], ratio[run]);
    }

  printf ("import: median %.0f resources/s (min %.0f, max %.0f) over %d runs\n",
          bench_quantile (import_rate, RUNS, 0.5), bench_quantile (import_rate, RUNS, 0),
          bench_quantile (import_rate, RUNS, 1), RUNS);
  printf ("limit: median %.0f resources/s (min %.0f, max %.0f): the same %" G_GUINT64_FORMAT
          " rows inserted raw\n", bench_quantile (limit_rate, RUNS, 0.5),
          bench_quantile (limit_rate, RUNS, 0), bench_quantile (limit_rate, RUNS, 1), rows);
  printf ("ratio: median %.2f (min %.2f, max %.2f); targets: >= 20000 resources/s and >= 0.40\n",
          bench_quantile (ratio, RUNS, 0.5), bench_quantile (ratio, RUNS, 0), bench_quantile (ratio, RUNS, 1));
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return bench_quantile (import_rate, RUNS, 0.5) >= 20000 && bench_quantile (ratio, RUNS, 0.5) >= 0.40 ? 0 : 1;
}
