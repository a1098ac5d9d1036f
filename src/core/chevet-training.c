/* chevet-training.c: the training workspace, always the same synthetic clinic
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "chevet-training"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chevet-audit.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-store-private.h"
#include "chevet-training.h"
#include "chevet-tutorial.h"

gboolean
chevet_training_populate (ChevetStore  *store,
                          const char   *reference_date,
                          GCancellable *cancellable,
                          GError      **error)
{
  g_autoptr(ChevetGenerator) generator = NULL;
  g_autoptr(GOutputStream) out = NULL;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  if (!chevet_store_is_training (store))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("Only a training workspace holds the training clinic"));
      return FALSE;
    }
  generator = chevet_generator_new (CHEVET_TRAINING_SEED, reference_date);
  chevet_generator_set_training (generator, TRUE);
  /* About 10,000 resources, 5 MB of NDJSON: made in memory, imported in one transaction. */
  out = g_memory_output_stream_new_resizable ();
  if (!chevet_generator_write_ndjson (generator, CHEVET_TRAINING_PATIENTS, out, NULL, NULL,
                                      cancellable, error) ||
      !g_output_stream_close (out, cancellable, error))
    return FALSE;
  return chevet_store_import_data (store,
                                   g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                   "training clinic", NULL, error);
}

ChevetStore *
chevet_training_create (const char    *path,
                        const char    *account,
                        const char    *passphrase,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(ChevetStore) store = NULL;

  store = chevet_store_create_training (path, _("Training"), account, passphrase, error);
  if (store == NULL)
    return NULL;
  if (!chevet_training_populate (store, NULL, cancellable, error))
    return NULL;
  g_debug ("training workspace made: %u patients", CHEVET_TRAINING_PATIENTS);
  return g_steal_pointer (&store);
}

gboolean
chevet_training_reset (ChevetStore  *store,
                       GCancellable *cancellable,
                       GError      **error)
{
  static const char * const clear[] = {
    "DELETE FROM recent_patients",
    "DELETE FROM outbox",
    "DELETE FROM sync_seen",
    "DELETE FROM sync_new_patients",
    "DELETE FROM patients_fts",
    "DELETE FROM resources",          /* the projections and patients follow (cascade) */
  };
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  if (!chevet_store_is_training (store))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("Only a training workspace can be reset"));
      return FALSE;
    }
  if (chevet_store_get_role (store) != CHEVET_ROLE_ADMINISTRATOR)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("Only an administrator can reset the training workspace"));
      return FALSE;
    }
  if (!chevet_store_exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (clear); i++)
    if (!chevet_store_exec (store, clear[i], error))
      {
        g_debug ("training reset: %s failed", clear[i]);
        chevet_store_exec (store, "ROLLBACK", NULL);
        return FALSE;
      }
  if (!chevet_store_exec (store, "COMMIT", error))
    {
      chevet_store_exec (store, "ROLLBACK", NULL);
      return FALSE;
    }
  /* Emptied and filled in two transactions: a failure in between leaves an empty
   * training clinic, and a reset again mends it. */
  if (!chevet_training_populate (store, NULL, cancellable, error))
    return FALSE;
  if (!chevet_audit_append (store, CHEVET_AUDIT_SETTINGS, NULL, CHEVET_AUDIT_SUCCESS,
                            "training-reset", &local_error))
    g_message ("The training reset could not be recorded: %s code %d",
               g_quark_to_string (local_error->domain), local_error->code);
  return TRUE;
}
