/* chevet-session.c: the unlocked workspace and the one worker thread that talks to it
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ChevetStore connection is not thread-safe, and unlocking it costs a deliberate
 * Argon2id derivation, so the session owns one dedicated worker thread and every store
 * call runs there, one after the other. The store pointer is touched only by that thread
 * (and by finalize, once the thread is gone).
 *
 * Each operation is a Job wrapping a GTask. The worker does the work, then hands the job
 * back to the task's main context, where the task returns. So every GTask reference, and
 * with it every reference to the session, is dropped on the main thread: the session can
 * never be finalized from the worker (which would then wait for itself).
 *
 * Locking bumps a generation counter; results of jobs started before the lock come back
 * as G_IO_ERROR_CANCELLED, so no patient row reaches a window after it locked.
 *
 * The sync engine gets a connection of its own: unlock opens a second one from the key
 * the first holds (chevet_store_open_another: no second key derivation), and the main
 * thread wraps that store in the session's ChevetSync; the passphrase is never kept.
 * A run goes on in its GTask thread; lock cancels it and forgets the ChevetSync at once,
 * and the run's own reference keeps that store (and its key) until the thread has
 * stopped, when it is closed and wiped. "syncing" stays TRUE until then, so no second
 * run can overlap it.
 */
#define G_LOG_DOMAIN "chevet-session"

#include "config.h"

#include <glib/gi18n.h>
#include <sodium.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-chart.h"
#include "chevet-outbox.h"
#include "chevet-patient.h"
#include "chevet-server-settings.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-sync.h"
#include "chevet-training.h"
#include "chevet-tutorial.h"

struct _ChevetSession
{
  GObject      parent_instance;

  char        *path;
  GThreadPool *worker;

  /* Worker thread only. */
  ChevetStore *store;

  /* Main thread only. */
  GHashTable  *grants;             /* patient ids opened with a reason since the unlock */
  ChevetSync  *sync;               /* NULL while locked */
  GCancellable *sync_cancellable;  /* of the run going on */
  char        *workspace_name;
  char        *account;
  ChevetRole   role;
  guint        generation;
  guint        n_pending;
  guint        unlocked : 1;
  guint        unlocking : 1;
  guint        syncing : 1;
  guint        server_configured : 1;
  guint        training : 1;         /* the kind, known from the first unlock on */
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_UNLOCKED,
  PROP_WORKSPACE_NAME,
  PROP_ACCOUNT,
  PROP_SYNCING,
  PROP_SERVER_CONFIGURED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_LOCKING,
  SIGNAL_TRAINING_RESET,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetSession, chevet_session, G_TYPE_OBJECT)

typedef struct _Job Job;

/* work runs on the worker; done runs on the task's main context and returns the task. */
typedef void (*JobFunc) (ChevetSession *self,
                         Job           *job);

struct _Job
{
  GTask          *task;
  JobFunc         work;
  JobFunc         done;
  guint           generation;
  gpointer        result;
  GDestroyNotify  result_free;
  GError         *error;
};

static void
job_free (Job *job)
{
  if (job->result != NULL && job->result_free != NULL)
    job->result_free (job->result);
  g_clear_error (&job->error);
  g_clear_object (&job->task);
  g_free (job);
}

static gboolean
job_is_stale (ChevetSession *self,
              Job           *job)
{
  return g_task_return_error_if_cancelled (job->task) ||
         job->generation != self->generation;
}

static gboolean
job_complete (gpointer data)
{
  Job *job = data;
  ChevetSession *self = g_task_get_source_object (job->task);

  g_assert (g_main_context_is_owner (g_task_get_context (job->task)));
  g_assert (self->n_pending > 0);
  self->n_pending--;
  job->done (self, job);
  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
worker_run (gpointer data,
            gpointer user_data)
{
  Job *job = data;
  ChevetSession *self = user_data;
  GSource *source;

  /* A queued search that was superseded: skip the SQL. */
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (job->task)))
    job->work (self, job);

  /* Always a source, never g_main_context_invoke (): that one runs the function right
   * here, on the worker, whenever no thread happens to own the context at the time. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, job_complete, job, NULL);
  g_source_set_static_name (source, "[chevet] session job done");
  g_source_attach (source, g_task_get_context (job->task));
  g_source_unref (source);
}

static void
session_push (ChevetSession *self,
              GTask         *task,
              JobFunc        work,
              JobFunc        done)
{
  Job *job = g_new0 (Job, 1);

  job->task = task;
  job->work = work;
  job->done = done;
  job->generation = self->generation;
  self->n_pending++;
  g_thread_pool_push (self->worker, job, NULL);
}

/* close */

/* Records "lock" (or, from finalize, the workstation quitting unlocked) and closes. */
static void
close_store (ChevetSession *self,
             const char    *detail)
{
  g_autoptr(GError) error = NULL;

  if (self->store == NULL)
    return;
  if (!chevet_audit_append (self->store, CHEVET_AUDIT_LOCK, NULL, CHEVET_AUDIT_SUCCESS, detail, &error))
    g_message ("The lock could not be recorded in the audit trail: %s code %d",
               g_quark_to_string (error->domain), error->code);
  g_debug ("closing the workspace");
  g_clear_object (&self->store);
}

static void
close_work (ChevetSession *self,
            Job           *job)
{
  close_store (self, g_task_get_task_data (job->task));
}

static void
close_done (ChevetSession *self,
            Job           *job)
{
  g_task_return_boolean (job->task, TRUE);
}

/* @reason: the lock entry's detail ("idle", "screensaver"), or NULL for a lock asked
 * for by hand. */
static void
session_push_close (ChevetSession *self,
                    const char    *reason)
{
  GTask *task = g_task_new (self, NULL, NULL, NULL);

  g_task_set_source_tag (task, session_push_close);
  g_task_set_task_data (task, g_strdup (reason), g_free);
  session_push (self, task, close_work, close_done);
}

/* unlock */

typedef struct
{
  char *account;
  char *passphrase;  /* sodium_malloc'd: wiped when freed */
} UnlockData;

typedef struct
{
  char        *workspace_name;
  char        *account;
  ChevetRole   role;
  ChevetStore *sync_store;  /* the sync engine's connection, or NULL */
  gboolean     server_configured;
  gboolean     training;
} UnlockResult;

static void
unlock_data_free (UnlockData *data)
{
  g_free (data->account);
  if (data->passphrase != NULL)
    sodium_free (data->passphrase);
  g_free (data);
}

static void
unlock_result_free (UnlockResult *result)
{
  g_free (result->workspace_name);
  g_free (result->account);
  g_clear_object (&result->sync_store);
  g_free (result);
}

static void
unlock_work (ChevetSession *self,
             Job           *job)
{
  UnlockData *data = g_task_get_task_data (job->task);
  ChevetStore *store;
  UnlockResult *result;

  g_autoptr(ChevetStore) sync_store = NULL;
  g_autoptr(ChevetServerSettings) settings = NULL;
  g_autoptr(GError) local = NULL;

  store = chevet_store_open (self->path, data->account, data->passphrase, &job->error);
  sodium_memzero (data->passphrase, strlen (data->passphrase));
  if (store == NULL)
    {
      /* The database is not open: noted beside it, recorded at the next unlock. */
      if (g_error_matches (job->error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE) ||
          g_error_matches (job->error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT))
        chevet_audit_note_failed_unlock (self->path, data->account,
                                         job->error->code == CHEVET_STORE_ERROR_WRONG_PASSPHRASE
                                         ? "wrong-passphrase" : "unknown-account", NULL);
      return;
    }
  /* No unlock without its audit entry. */
  if (!chevet_audit_unlocked (store, &job->error))
    {
      g_object_unref (store);
      return;
    }
  /* Entries past the retention go at unlock (cheap when there are none). */
  if (!chevet_audit_prune (store, NULL, NULL, &local))
    {
      g_message ("The audit trail could not be pruned: %s code %d",
                 g_quark_to_string (local->domain), local->code);
      g_clear_error (&local);
    }
  /* The sync engine's own connection, from the key already unwrapped. Without it the
   * workstation still works; it just cannot sync. */
  sync_store = chevet_store_open_another (store, &local);
  if (sync_store == NULL)
    g_message ("The sync engine's connection could not be opened: %s code %d",
               g_quark_to_string (local->domain), local->code);
  settings = chevet_server_settings_load (store, NULL);

  g_clear_object (&self->store);
  self->store = store;

  result = g_new0 (UnlockResult, 1);
  result->workspace_name = g_strdup (chevet_store_get_name (store));
  result->account = g_strdup (chevet_store_get_account (store));
  result->role = chevet_store_get_role (store);
  result->training = chevet_store_is_training (store);
  result->sync_store = g_steal_pointer (&sync_store);
  result->server_configured = settings != NULL;
  job->result = result;
  job->result_free = (GDestroyNotify) unlock_result_free;
}

static void
unlock_done (ChevetSession *self,
             Job           *job)
{
  UnlockResult *result = job->result;

  self->unlocking = FALSE;

  if (job_is_stale (self, job))
    {
      /* Opened for nobody: close it again. */
      if (result != NULL)
        session_push_close (self, NULL);
      if (!g_task_had_error (job->task))
        g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The workspace was locked"));
      return;
    }
  if (job->error != NULL)
    {
      g_task_return_error (job->task, g_steal_pointer (&job->error));
      return;
    }

  g_assert (result != NULL);
  g_free (self->workspace_name);
  self->workspace_name = g_steal_pointer (&result->workspace_name);
  g_free (self->account);
  self->account = g_steal_pointer (&result->account);
  self->role = result->role;
  self->training = result->training;
  self->unlocked = TRUE;
  /* Created here, so that its notifications come to the main context. */
  g_clear_object (&self->sync);
  if (result->sync_store != NULL)
    self->sync = chevet_sync_new_for_store (result->sync_store);
  g_clear_object (&result->sync_store);
  g_debug ("workspace unlocked");
  if (self->server_configured != result->server_configured)
    {
      self->server_configured = result->server_configured;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_CONFIGURED]);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNLOCKED]);

  g_task_return_boolean (job->task, TRUE);
}

void
chevet_session_unlock_async (ChevetSession       *self,
                             const char          *account,
                             const char          *passphrase,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  UnlockData *data;
  gsize len;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (account != NULL);
  g_return_if_fail (passphrase != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chevet_session_unlock_async);

  if (self->unlocking)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The workspace is already being unlocked"));
      return;
    }

  len = strlen (passphrase);
  data = g_new0 (UnlockData, 1);
  data->account = g_strdup (account);
  data->passphrase = sodium_malloc (len + 1);
  g_task_set_task_data (task, data, (GDestroyNotify) unlock_data_free);
  if (data->passphrase == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               _("Could not allocate protected memory"));
      return;
    }
  memcpy (data->passphrase, passphrase, len + 1);

  self->unlocking = TRUE;
  session_push (self, g_steal_pointer (&task), unlock_work, unlock_done);
}

gboolean
chevet_session_unlock_finish (ChevetSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chevet_session_unlock_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* calls: one store function on the worker, its result handed back as the task's */

typedef gpointer (*StoreCall) (ChevetStore  *store,
                               gpointer      data,
                               GError      **error);

typedef struct
{
  StoreCall       call;
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  result_free;
} CallData;

static void
call_data_free (CallData *call)
{
  if (call->data_free != NULL)
    call->data_free (call->data);
  g_free (call);
}

static void
call_work (ChevetSession *self,
           Job           *job)
{
  CallData *call = g_task_get_task_data (job->task);

  if (self->store == NULL)
    {
      g_set_error (&job->error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The workspace is locked"));
      return;
    }
  job->result = call->call (self->store, call->data, &job->error);
  job->result_free = call->result_free;
  if (job->result == NULL && job->error == NULL)
    g_set_error (&job->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("Nothing was found"));
}

static void
call_done (ChevetSession *self,
           Job           *job)
{
  CallData *call = g_task_get_task_data (job->task);

  if (job_is_stale (self, job))
    {
      if (!g_task_had_error (job->task))
        g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The workspace was locked"));
      return;
    }
  if (job->error != NULL)
    {
      g_task_return_error (job->task, g_steal_pointer (&job->error));
      return;
    }
  job->result_free = NULL;
  g_task_return_pointer (job->task, g_steal_pointer (&job->result), call->result_free);
}

static void
session_call (ChevetSession       *self,
              gpointer             source_tag,
              StoreCall            fn,
              gpointer             data,
              GDestroyNotify       data_free,
              GDestroyNotify       result_free,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  CallData *call;

  g_task_set_source_tag (task, source_tag);
  if (!self->unlocked)
    {
      if (data_free != NULL)
        data_free (data);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The workspace is locked"));
      return;
    }
  call = g_new0 (CallData, 1);
  call->call = fn;
  call->data = data;
  call->data_free = data_free;
  call->result_free = result_free;
  g_task_set_task_data (task, call, (GDestroyNotify) call_data_free);
  session_push (self, g_steal_pointer (&task), call_work, call_done);
}

static gpointer
session_call_finish (ChevetSession  *self,
                     GAsyncResult   *result,
                     gpointer        source_tag,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* search */

typedef struct
{
  char   *text;
  guint   offset;
  guint   limit;
  gint64 *audit_total;  /* first pages: the count, for the audit job queued after (not owned) */
} SearchData;

typedef struct
{
  GPtrArray *patients;
  gint64     total;
} SearchResult;

static void
search_data_free (SearchData *data)
{
  g_free (data->text);
  g_free (data);
}

static void
search_result_free (SearchResult *result)
{
  g_clear_pointer (&result->patients, g_ptr_array_unref);
  g_free (result);
}

static gpointer
search_call (ChevetStore  *store,
             gpointer      user_data,
             GError      **error)
{
  SearchData *data = user_data;
  g_autoptr(GPtrArray) patients = NULL;
  SearchResult *result;
  gint64 total;

  patients = chevet_store_search_patients (store, data->text, data->offset, data->limit, error);
  if (patients == NULL)
    return NULL;
  /* Only the first page is counted, and not when everything fit in it: later pages are
   * of a search whose count is known, and a count can cost more than the page itself
   * (a broad prefix over 100,000 patients), holding up the next search on this worker. */
  if (data->offset == 0 && patients->len < data->limit)
    total = patients->len;
  else if (data->offset > 0)
    total = data->offset + patients->len;
  else if ((total = chevet_store_count_patients (store, data->text, error)) < 0)
    return NULL;
  /* The audit job queued right after this one records it, once the results are on
   * their way to the window. */
  if (data->audit_total != NULL)
    *data->audit_total = total;

  result = g_new0 (SearchResult, 1);
  result->patients = g_steal_pointer (&patients);
  result->total = total;
  return result;
}

/* Runs after the search whose count is in @user_data; -1: it did not run (overtaken by
 * the next keystroke, cancelled, failed), and nothing is recorded. */
static gpointer
audit_search_call (ChevetStore  *store,
                   gpointer      user_data,
                   GError      **error)
{
  gint64 total = *(gint64 *) user_data;
  g_autoptr(GError) local = NULL;

  if (total >= 0 && !chevet_audit_searched (store, total, &local))
    g_message ("A search could not be recorded in the audit trail: %s code %d",
               g_quark_to_string (local->domain), local->code);
  return NULL;
}

typedef struct
{
  ChevetAuditAction   action;
  ChevetAuditOutcome  outcome;
  char               *patient_id;
  char               *detail;
} RecordData;

static void
record_data_free (RecordData *data)
{
  g_free (data->patient_id);
  g_free (data->detail);
  g_free (data);
}

static gpointer
record_call (ChevetStore  *store,
             gpointer      user_data,
             GError      **error)
{
  RecordData *data = user_data;
  g_autoptr(GError) local = NULL;

  if (!chevet_audit_append (store, data->action, data->patient_id, data->outcome, data->detail, &local))
    g_message ("An action (%s) could not be recorded in the audit trail: %s code %d",
               chevet_audit_action_to_code (data->action), g_quark_to_string (local->domain), local->code);
  return NULL;
}

void
chevet_session_record (ChevetSession      *self,
                       ChevetAuditAction   action,
                       const char         *patient_id,
                       ChevetAuditOutcome  outcome,
                       const char         *detail)
{
  RecordData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));

  data = g_new0 (RecordData, 1);
  data->action = action;
  data->outcome = outcome;
  data->patient_id = g_strdup (patient_id);
  data->detail = g_strdup (detail);
  session_call (self, chevet_session_record, record_call, data, (GDestroyNotify) record_data_free,
                NULL, NULL, NULL, NULL);
}

void
chevet_session_search_async (ChevetSession       *self,
                             const char          *text,
                             guint                offset,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SearchData *data;
  gint64 *audit_total;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (limit > 0);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (SearchData, 1);
  data->text = g_strdup (text);
  data->offset = offset;
  data->limit = limit;
  if (offset == 0)
    {
      data->audit_total = g_new (gint64, 1);
      *data->audit_total = -1;
    }
  audit_total = data->audit_total;
  session_call (self, chevet_session_search_async, search_call, data,
                (GDestroyNotify) search_data_free, (GDestroyNotify) search_result_free,
                cancellable, callback, user_data);
  /* One audit entry per search run (its first page), with the count, never the text:
   * the next job on the same worker, so the results do not wait for the write. */
  if (audit_total != NULL)
    session_call (self, audit_search_call, audit_search_call, audit_total, g_free, NULL,
                  NULL, NULL, NULL);
}

GPtrArray *
chevet_session_search_finish (ChevetSession  *self,
                              GAsyncResult   *result,
                              guint64        *total,
                              GError        **error)
{
  SearchResult *search;
  GPtrArray *patients;

  g_return_val_if_fail (CHEVET_IS_SESSION (self), NULL);

  search = session_call_finish (self, result, chevet_session_search_async, error);
  if (search == NULL)
    return NULL;
  if (total != NULL)
    *total = (guint64) search->total;
  patients = g_steal_pointer (&search->patients);
  search_result_free (search);
  return patients;
}

typedef struct
{
  char     *patient_id;
  char     *category;
  char     *reason;     /* the clinician's words: wiped when freed */
  gboolean  granted;    /* a reason was given for this patient since the unlock */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->patient_id);
  g_free (data->category);
  if (data->reason != NULL)
    sodium_memzero (data->reason, strlen (data->reason));
  g_free (data->reason);
  g_free (data);
}

/* Opening a chart reads it, then records it among the recent ones and in the audit
 * trail, in one transaction: no chart reaches the window without its audit entry. A
 * restricted chart is not even read without a reason given in this session (the window
 * shows its barrier before asking; this is the check that does not trust the window). */
static gpointer
open_chart_call (ChevetStore  *store,
                 gpointer      user_data,
                 GError      **error)
{
  OpenData *data = user_data;
  ChevetChart *chart;

  if (!chevet_audit_check_chart_access (store, data->patient_id, data->granted, error))
    return NULL;
  chart = chevet_store_read_chart (store, data->patient_id, error);
  if (chart != NULL && !chevet_audit_chart_opened (store, data->patient_id, error))
    g_clear_pointer (&chart, chevet_chart_free);
  return chart;
}

void
chevet_session_open_chart_async (ChevetSession       *self,
                                 const char          *patient_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  OpenData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (patient_id != NULL);

  data = g_new0 (OpenData, 1);
  data->patient_id = g_strdup (patient_id);
  data->granted = chevet_session_has_access (self, patient_id);
  session_call (self, chevet_session_open_chart_async, open_chart_call, data,
                (GDestroyNotify) open_data_free, (GDestroyNotify) chevet_chart_free,
                cancellable, callback, user_data);
}

ChevetChart *
chevet_session_open_chart_finish (ChevetSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return session_call_finish (self, result, chevet_session_open_chart_async, error);
}

/* The break-glass entry, the recent list and chart-open commit together, after the chart
 * was read: a chart that cannot be read leaves no claim that it was seen. */
static gpointer
break_glass_call (ChevetStore  *store,
                  gpointer      user_data,
                  GError      **error)
{
  OpenData *data = user_data;
  ChevetChart *chart;

  if (!chevet_audit_check_break_glass (data->category, data->reason, error))
    return NULL;
  chart = chevet_store_read_chart (store, data->patient_id, error);
  if (chart != NULL &&
      !chevet_audit_break_glass (store, data->patient_id, data->category, data->reason, error))
    g_clear_pointer (&chart, chevet_chart_free);
  return chart;
}

void
chevet_session_break_glass_async (ChevetSession       *self,
                                  const char          *patient_id,
                                  const char          *category,
                                  const char          *reason,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  OpenData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (patient_id != NULL);

  data = g_new0 (OpenData, 1);
  data->patient_id = g_strdup (patient_id);
  data->category = g_strdup (category);
  data->reason = g_strdup (reason);
  session_call (self, chevet_session_break_glass_async, break_glass_call, data,
                (GDestroyNotify) open_data_free, (GDestroyNotify) chevet_chart_free,
                cancellable, callback, user_data);
}

ChevetChart *
chevet_session_break_glass_finish (ChevetSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  ChevetChart *chart = session_call_finish (self, result, chevet_session_break_glass_async, error);
  CallData *call = g_task_get_task_data (G_TASK (result));

  /* The result of a job from before a lock comes back cancelled: no grant survives it. */
  if (chart != NULL)
    g_hash_table_add (self->grants, g_strdup (((OpenData *) call->data)->patient_id));
  return chart;
}

gboolean
chevet_session_has_access (ChevetSession *self,
                           const char    *patient_id)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  return self->unlocked && g_hash_table_contains (self->grants, patient_id);
}

static gpointer
read_series_call (ChevetStore  *store,
                  gpointer      data,
                  GError      **error)
{
  char **args = data;

  return chevet_store_read_observations (store, args[0], args[1], error);
}

void
chevet_session_read_series_async (ChevetSession       *self,
                                  const char          *patient_id,
                                  const char          *code,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  char **args;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (patient_id != NULL && code != NULL);

  args = g_new0 (char *, 3);
  args[0] = g_strdup (patient_id);
  args[1] = g_strdup (code);
  session_call (self, chevet_session_read_series_async, read_series_call, args,
                (GDestroyNotify) g_strfreev, (GDestroyNotify) g_ptr_array_unref,
                cancellable, callback, user_data);
}

GPtrArray *
chevet_session_read_series_finish (ChevetSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return session_call_finish (self, result, chevet_session_read_series_async, error);
}

static gpointer
recent_call (ChevetStore  *store,
             gpointer      data,
             GError      **error)
{
  return chevet_store_list_recent (store, GPOINTER_TO_UINT (data), error);
}

void
chevet_session_list_recent_async (ChevetSession       *self,
                                  guint                limit,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_list_recent_async, recent_call, GUINT_TO_POINTER (limit),
                NULL, (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
chevet_session_list_recent_finish (ChevetSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return session_call_finish (self, result, chevet_session_list_recent_async, error);
}

static gpointer
meta_call (ChevetStore  *store,
           gpointer      data,
           GError      **error)
{
  char *value = chevet_store_dup_meta (store, data, error);

  /* Unset is not an error: an empty string stands for it. */
  return value != NULL || (error != NULL && *error != NULL) ? value : g_strdup ("");
}

void
chevet_session_get_meta_async (ChevetSession       *self,
                               const char          *key,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_get_meta_async, meta_call, g_strdup (key), g_free, g_free,
                cancellable, callback, user_data);
}

char *
chevet_session_get_meta_finish (ChevetSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return session_call_finish (self, result, chevet_session_get_meta_async, error);
}

/* The outbox: what is written here, saved at once in the chart and queued for the server */

typedef struct
{
  char         *patient_id;
  char         *encounter_id;
  char         *text;        /* note text: wiped when freed */
  ChevetVitals *vitals;
  guint         confirmed;
  char         *author;
} AddData;

static void
add_data_free (AddData *data)
{
  g_free (data->patient_id);
  g_free (data->encounter_id);
  if (data->text != NULL)
    {
      sodium_memzero (data->text, strlen (data->text));
      g_free (data->text);
    }
  g_clear_pointer (&data->vitals, chevet_vitals_free);
  g_free (data->author);
  g_free (data);
}

static gpointer
add_note_call (ChevetStore  *store,
               gpointer      user_data,
               GError      **error)
{
  AddData *data = user_data;

  return chevet_outbox_add_note (store, data->patient_id, data->encounter_id, data->text,
                                 data->author, error);
}

/* Saves a progress note (chevet_outbox_add_note) as the unlocked account; the result
 * is the new ChevetOutboxItem. */
void
chevet_session_add_note_async (ChevetSession       *self,
                               const char          *patient_id,
                               const char          *encounter_id,
                               const char          *text,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  AddData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (patient_id != NULL);
  g_return_if_fail (text != NULL);

  data = g_new0 (AddData, 1);
  data->patient_id = g_strdup (patient_id);
  data->encounter_id = g_strdup (encounter_id);
  data->text = g_strdup (text);
  data->author = g_strdup (self->account);
  session_call (self, chevet_session_add_note_async, add_note_call, data,
                (GDestroyNotify) add_data_free, g_object_unref, cancellable, callback, user_data);
}

ChevetOutboxItem *
chevet_session_add_note_finish (ChevetSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return session_call_finish (self, result, chevet_session_add_note_async, error);
}

static gpointer
add_vitals_call (ChevetStore  *store,
                 gpointer      user_data,
                 GError      **error)
{
  AddData *data = user_data;

  return chevet_outbox_add_vitals (store, data->patient_id, data->encounter_id, data->vitals,
                                   data->confirmed, data->author, error);
}

/* Saves a set of vital signs (chevet_outbox_add_vitals) with the warnings in
 * @confirmed_warnings confirmed; the result is a GPtrArray of ChevetOutboxItem. */
void
chevet_session_add_vitals_async (ChevetSession       *self,
                                 const char          *patient_id,
                                 const char          *encounter_id,
                                 const ChevetVitals  *vitals,
                                 guint                confirmed_warnings,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  AddData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (patient_id != NULL);
  g_return_if_fail (vitals != NULL);

  data = g_new0 (AddData, 1);
  data->patient_id = g_strdup (patient_id);
  data->encounter_id = g_strdup (encounter_id);
  data->vitals = chevet_vitals_copy (vitals);
  data->confirmed = confirmed_warnings;
  data->author = g_strdup (self->account);
  session_call (self, chevet_session_add_vitals_async, add_vitals_call, data,
                (GDestroyNotify) add_data_free, (GDestroyNotify) g_ptr_array_unref,
                cancellable, callback, user_data);
}

GPtrArray *
chevet_session_add_vitals_finish (ChevetSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return session_call_finish (self, result, chevet_session_add_vitals_async, error);
}

static gpointer
list_outbox_call (ChevetStore  *store,
                  gpointer      data,
                  GError      **error)
{
  return chevet_outbox_list (store, error);
}

/* Every outbox item, oldest first (a GListModel of ChevetOutboxItem). */
void
chevet_session_list_outbox_async (ChevetSession       *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_list_outbox_async, list_outbox_call, NULL, NULL,
                g_object_unref, cancellable, callback, user_data);
}

GListModel *
chevet_session_list_outbox_finish (ChevetSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return session_call_finish (self, result, chevet_session_list_outbox_async, error);
}

static gpointer
count_waiting_call (ChevetStore  *store,
                    gpointer      data,
                    GError      **error)
{
  gint64 n = chevet_outbox_count_waiting (store, error);
  gint64 *result;

  if (n < 0)
    return NULL;
  result = g_new (gint64, 1);
  *result = n;
  return result;
}

/* How many items the sync engine still has to send (waiting or sending). */
void
chevet_session_count_waiting_async (ChevetSession       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_count_waiting_async, count_waiting_call, NULL, NULL,
                g_free, cancellable, callback, user_data);
}

/* -1 with @error set on failure. */
gint64
chevet_session_count_waiting_finish (ChevetSession  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_autofree gint64 *n = session_call_finish (self, result, chevet_session_count_waiting_async, error);

  return n != NULL ? *n : -1;
}

/* Server settings */

typedef struct
{
  ChevetServerSettings *settings;  /* NULL: none saved yet */
} LoadedSettings;

static void
loaded_settings_free (LoadedSettings *loaded)
{
  g_clear_pointer (&loaded->settings, chevet_server_settings_free);
  g_free (loaded);
}

static gpointer
load_settings_call (ChevetStore  *store,
                    gpointer      data,
                    GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  LoadedSettings *loaded = g_new0 (LoadedSettings, 1);

  loaded->settings = chevet_server_settings_load (store, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      loaded_settings_free (loaded);
      return NULL;
    }
  return loaded;
}

void
chevet_session_load_server_settings_async (ChevetSession       *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_load_server_settings_async, load_settings_call, NULL, NULL,
                (GDestroyNotify) loaded_settings_free, cancellable, callback, user_data);
}

/* The saved settings, or NULL: with @error on failure, without when none are saved. */
ChevetServerSettings *
chevet_session_load_server_settings_finish (ChevetSession  *self,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  LoadedSettings *loaded = session_call_finish (self, result, chevet_session_load_server_settings_async, error);
  ChevetServerSettings *settings;

  if (loaded == NULL)
    return NULL;
  settings = g_steal_pointer (&loaded->settings);
  loaded_settings_free (loaded);
  return settings;
}

static gpointer
save_settings_call (ChevetStore  *store,
                    gpointer      data,
                    GError      **error)
{
  if (!chevet_server_settings_save (data, store, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

/* Validates and saves (chevet_server_settings_save); nothing is written when a field
 * is wrong, and the error's code names it. */
void
chevet_session_save_server_settings_async (ChevetSession              *self,
                                           const ChevetServerSettings *settings,
                                           GCancellable               *cancellable,
                                           GAsyncReadyCallback         callback,
                                           gpointer                    user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (settings != NULL);

  session_call (self, chevet_session_save_server_settings_async, save_settings_call,
                chevet_server_settings_copy (settings), (GDestroyNotify) chevet_server_settings_free,
                NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_save_server_settings_finish (ChevetSession  *self,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  if (session_call_finish (self, result, chevet_session_save_server_settings_async, error) == NULL)
    return FALSE;
  if (!self->server_configured)
    {
      self->server_configured = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_CONFIGURED]);
    }
  return TRUE;
}

/* Accounts */

typedef struct
{
  char       *account;
  ChevetRole  role;
  char       *passphrase;      /* sodium_malloc'd, wiped when freed (sodium_free) */
  char       *old_passphrase;  /* idem */
} AccountData;

static void
account_data_free (AccountData *data)
{
  g_free (data->account);
  if (data->passphrase != NULL)
    sodium_free (data->passphrase);
  if (data->old_passphrase != NULL)
    sodium_free (data->old_passphrase);
  g_free (data);
}

/* A copy of @text in guarded memory, or NULL when none could be had. */
static char *
dup_secret (const char *text)
{
  gsize len = strlen (text);
  char *copy = sodium_malloc (len + 1);

  if (copy != NULL)
    memcpy (copy, text, len + 1);
  return copy;
}

static void
wipe_secret (char *secret)
{
  if (secret != NULL)
    sodium_memzero (secret, strlen (secret));
}

/* Pushes @fn with @data, or refuses at once: no guarded memory for a passphrase
 * (@secrets_ok FALSE), or not an administrator (unless @anyone). The store asks its
 * database again on the worker, whatever is let through here. */
static void
account_call (ChevetSession       *self,
              gpointer             source_tag,
              StoreCall            fn,
              AccountData         *data,
              gboolean             anyone,
              gboolean             secrets_ok,
              GDestroyNotify       result_free,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  if (!secrets_ok || (!anyone && self->unlocked && self->role != CHEVET_ROLE_ADMINISTRATOR))
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, source_tag);
      account_data_free (data);
      if (!secrets_ok)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                 _("Could not allocate protected memory"));
      else
        g_task_return_new_error (task, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                                 _("Only an administrator can add or remove accounts, change roles or reset "
                                   "passphrases: “%s” is not an administrator"), self->account);
      return;
    }
  session_call (self, source_tag, fn, data, (GDestroyNotify) account_data_free, result_free,
                cancellable, callback, user_data);
}

static gpointer
list_accounts_call (ChevetStore  *store,
                    gpointer      data,
                    GError      **error)
{
  return chevet_store_list_accounts (store, error);
}

/* The workspace's accounts (a GPtrArray of ChevetAccountInfo, in the order they were
 * added). Administrators only (CHEVET_STORE_ERROR_NOT_ALLOWED). */
void
chevet_session_list_accounts_async (ChevetSession       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  account_call (self, chevet_session_list_accounts_async, list_accounts_call, g_new0 (AccountData, 1),
                FALSE, TRUE, (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
chevet_session_list_accounts_finish (ChevetSession  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), NULL);
  return session_call_finish (self, result, chevet_session_list_accounts_async, error);
}

static gpointer
add_account_call (ChevetStore  *store,
                  gpointer      user_data,
                  GError      **error)
{
  AccountData *data = user_data;
  gboolean ok = chevet_store_add_account (store, data->account, data->role, data->passphrase, error);

  wipe_secret (data->passphrase);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

static gpointer
remove_account_call (ChevetStore  *store,
                     gpointer      user_data,
                     GError      **error)
{
  AccountData *data = user_data;

  return chevet_store_remove_account (store, data->account, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static gpointer
set_role_call (ChevetStore  *store,
               gpointer      user_data,
               GError      **error)
{
  AccountData *data = user_data;

  return chevet_store_set_role (store, data->account, data->role, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static gpointer
reset_passphrase_call (ChevetStore  *store,
                       gpointer      user_data,
                       GError      **error)
{
  AccountData *data = user_data;
  gboolean ok = chevet_store_reset_passphrase (store, data->account, data->passphrase, error);

  wipe_secret (data->passphrase);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

static gpointer
change_passphrase_call (ChevetStore  *store,
                        gpointer      user_data,
                        GError      **error)
{
  AccountData *data = user_data;
  gboolean ok = chevet_store_change_passphrase (store, data->old_passphrase, data->passphrase, error);

  wipe_secret (data->old_passphrase);
  wipe_secret (data->passphrase);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

/* Adds @account with @role and @passphrase (copied into guarded memory before this
 * returns; the caller wipes its own copy). Administrators only. The store's errors:
 * ACCOUNT_EXISTS, NOT_ALLOWED (a trainee outside a training workspace), the policy's
 * CHEVET_PASSPHRASE_ERROR. */
void
chevet_session_add_account_async (ChevetSession       *self,
                                  const char          *account,
                                  ChevetRole           role,
                                  const char          *passphrase,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AccountData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (account != NULL);
  g_return_if_fail (passphrase != NULL);

  data = g_new0 (AccountData, 1);
  data->account = g_strdup (account);
  data->role = role;
  data->passphrase = dup_secret (passphrase);
  account_call (self, chevet_session_add_account_async, add_account_call, data, FALSE,
                data->passphrase != NULL, NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_add_account_finish (ChevetSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return session_call_finish (self, result, chevet_session_add_account_async, error) != NULL;
}

/* Removes @account's key slot, then its role. Administrators only; LAST_ADMINISTRATOR. */
void
chevet_session_remove_account_async (ChevetSession       *self,
                                     const char          *account,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  AccountData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (account != NULL);

  data = g_new0 (AccountData, 1);
  data->account = g_strdup (account);
  account_call (self, chevet_session_remove_account_async, remove_account_call, data, FALSE, TRUE,
                NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_remove_account_finish (ChevetSession  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return session_call_finish (self, result, chevet_session_remove_account_async, error) != NULL;
}

/* Administrators only; LAST_ADMINISTRATOR, NOT_ALLOWED (a trainee outside training). */
void
chevet_session_set_role_async (ChevetSession       *self,
                               const char          *account,
                               ChevetRole           role,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  AccountData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (account != NULL);

  data = g_new0 (AccountData, 1);
  data->account = g_strdup (account);
  data->role = role;
  account_call (self, chevet_session_set_role_async, set_role_call, data, FALSE, TRUE,
                NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_set_role_finish (ChevetSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return session_call_finish (self, result, chevet_session_set_role_async, error) != NULL;
}

/* A new key slot for another account (chevet_store_reset_passphrase). Administrators only. */
void
chevet_session_reset_passphrase_async (ChevetSession       *self,
                                       const char          *account,
                                       const char          *new_passphrase,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  AccountData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (account != NULL);
  g_return_if_fail (new_passphrase != NULL);

  data = g_new0 (AccountData, 1);
  data->account = g_strdup (account);
  data->passphrase = dup_secret (new_passphrase);
  account_call (self, chevet_session_reset_passphrase_async, reset_passphrase_call, data, FALSE,
                data->passphrase != NULL, NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_reset_passphrase_finish (ChevetSession  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return session_call_finish (self, result, chevet_session_reset_passphrase_async, error) != NULL;
}

/* Anyone, for the unlocked account: @old_passphrase is proved again (a wrong one is
 * WRONG_PASSPHRASE and counts as a failed unlock). */
void
chevet_session_change_passphrase_async (ChevetSession       *self,
                                        const char          *old_passphrase,
                                        const char          *new_passphrase,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  AccountData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (old_passphrase != NULL);
  g_return_if_fail (new_passphrase != NULL);

  data = g_new0 (AccountData, 1);
  data->passphrase = dup_secret (new_passphrase);
  data->old_passphrase = dup_secret (old_passphrase);
  account_call (self, chevet_session_change_passphrase_async, change_passphrase_call, data, TRUE,
                data->passphrase != NULL && data->old_passphrase != NULL, NULL,
                cancellable, callback, user_data);
}

gboolean
chevet_session_change_passphrase_finish (ChevetSession  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return session_call_finish (self, result, chevet_session_change_passphrase_async, error) != NULL;
}

/* sync */

typedef struct
{
  guint generation;
} SyncData;

static void
set_syncing (ChevetSession *self,
             gboolean       syncing)
{
  if (self->syncing == !!syncing)
    return;
  self->syncing = !!syncing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCING]);
}

static void
on_sync_run_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChevetSession *self = g_task_get_source_object (task);
  SyncData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = chevet_sync_run_finish (CHEVET_SYNC (source), result, &error);
  g_clear_object (&self->sync_cancellable);
  set_syncing (self, FALSE);
  if (data->generation != self->generation)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The workspace was locked"));
  else if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Runs the sync engine on its own connection, in a thread. One run at a time
 * (G_IO_ERROR_PENDING otherwise); chevet_session_cancel_sync() or a lock stops it. The
 * run's state is the properties of chevet_session_get_sync(). */
void
chevet_session_sync_async (ChevetSession       *self,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SyncData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, chevet_session_sync_async);
  if (!self->unlocked)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The workspace is locked"));
      return;
    }
  if (self->syncing)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, _("A sync is already running"));
      return;
    }
  if (self->sync == NULL)
    {
      g_task_return_new_error (task, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_FAILED,
                               _("The workspace could not be opened for syncing"));
      return;
    }
  data = g_new0 (SyncData, 1);
  data->generation = self->generation;
  g_task_set_task_data (task, data, g_free);
  self->sync_cancellable = g_cancellable_new ();
  set_syncing (self, TRUE);
  chevet_sync_run_async (self->sync, self->sync_cancellable, on_sync_run_done, g_steal_pointer (&task));
}

gboolean
chevet_session_sync_finish (ChevetSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chevet_session_sync_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stops the run going on, if any; its callback gets G_IO_ERROR_CANCELLED. */
void
chevet_session_cancel_sync (ChevetSession *self)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));
  if (self->sync_cancellable != NULL)
    g_cancellable_cancel (self->sync_cancellable);
}

/* The sync engine of this unlocked session (its phase and progress), or NULL. */
ChevetSync *
chevet_session_get_sync (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), NULL);
  return self->sync;
}

/* TRUE from the start of a run until its thread has stopped (even after a lock). */
gboolean
chevet_session_get_syncing (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return self->syncing;
}

/* Whether the unlocked workspace has server settings saved. */
gboolean
chevet_session_get_server_configured (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return self->server_configured;
}

/* Forgets the unlocked store at once for the main thread; the worker drops it after
 * whatever it is doing. Results of operations started before come back cancelled. */
void
chevet_session_lock (ChevetSession *self)
{
  chevet_session_lock_for_reason (self, NULL);
}

/* The same, saying in the audit trail why the workstation locked by itself ("idle",
 * "screensaver"); NULL: asked for by hand. */
void
chevet_session_lock_for_reason (ChevetSession *self,
                                const char    *reason)
{
  gboolean was_unlocked;

  g_return_if_fail (CHEVET_IS_SESSION (self));

  /* Still unlocked: what a handler queues runs before the store closes (its result
   * comes back cancelled). */
  if (self->unlocked)
    g_signal_emit (self, signals[SIGNAL_LOCKING], 0);

  was_unlocked = self->unlocked;
  self->generation++;
  self->unlocked = FALSE;
  /* Access to a restricted chart lasts until the workstation locks. */
  g_hash_table_remove_all (self->grants);
  /* The run's own reference keeps its store until the thread has stopped. */
  chevet_session_cancel_sync (self);
  g_clear_object (&self->sync);
  session_push_close (self, reason);

  if (was_unlocked)
    {
      g_debug ("workspace locked");
      g_clear_pointer (&self->workspace_name, g_free);
      g_clear_pointer (&self->account, g_free);
      if (self->server_configured)
        {
          self->server_configured = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_CONFIGURED]);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE_NAME]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNLOCKED]);
    }
}

/* GObject */

static void
chevet_session_constructed (GObject *object)
{
  ChevetSession *self = (ChevetSession *) object;
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (chevet_session_parent_class)->constructed (object);

  g_assert (self->path != NULL);

  /* Exclusive and at most one thread: the store sees one caller, in order. */
  self->worker = g_thread_pool_new (worker_run, self, 1, TRUE, &error);
  if (self->worker == NULL)
    g_error ("Cannot start the workspace thread: %s", error->message);
}

static void
chevet_session_finalize (GObject *object)
{
  ChevetSession *self = (ChevetSession *) object;

  /* Every job holds a reference on us through its task: the queue is empty now. */
  g_thread_pool_free (self->worker, FALSE, TRUE);
  close_store (self, "quit");
  g_clear_object (&self->sync);
  g_clear_object (&self->sync_cancellable);
  g_clear_pointer (&self->grants, g_hash_table_unref);
  g_free (self->path);
  g_free (self->workspace_name);
  g_free (self->account);

  G_OBJECT_CLASS (chevet_session_parent_class)->finalize (object);
}

static void
chevet_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChevetSession *self = CHEVET_SESSION (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_UNLOCKED:
      g_value_set_boolean (value, self->unlocked);
      break;
    case PROP_WORKSPACE_NAME:
      g_value_set_string (value, self->workspace_name);
      break;
    case PROP_ACCOUNT:
      g_value_set_string (value, self->account);
      break;
    case PROP_SYNCING:
      g_value_set_boolean (value, self->syncing);
      break;
    case PROP_SERVER_CONFIGURED:
      g_value_set_boolean (value, self->server_configured);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChevetSession *self = CHEVET_SESSION (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_session_class_init (ChevetSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = chevet_session_constructed;
  object_class->finalize = chevet_session_finalize;
  object_class->get_property = chevet_session_get_property;
  object_class->set_property = chevet_session_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNLOCKED] =
    g_param_spec_boolean ("unlocked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WORKSPACE_NAME] =
    g_param_spec_string ("workspace-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCOUNT] =
    g_param_spec_string ("account", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNCING] =
    g_param_spec_boolean ("syncing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_CONFIGURED] =
    g_param_spec_boolean ("server-configured", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* About to lock, still unlocked: the last moment to queue a write on the worker (the
   * window saves a running tutorial's progress). */
  /* The training workspace was reset (chevet_session_reset_training_async). */
  signals[SIGNAL_TRAINING_RESET] =
    g_signal_new ("training-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LOCKING] =
    g_signal_new ("locking", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
chevet_session_init (ChevetSession *self)
{
  self->grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

ChevetSession *
chevet_session_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  if (sodium_init () < 0)
    g_error ("Cannot initialize libsodium");

  return g_object_new (CHEVET_TYPE_SESSION, "path", path, NULL);
}

const char *
chevet_session_get_path (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), NULL);
  return self->path;
}

gboolean
chevet_session_workspace_exists (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return chevet_store_exists (self->path);
}

gboolean
chevet_session_get_unlocked (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return self->unlocked;
}

/* The name the workspace was created with; NULL while locked. */
const char *
chevet_session_get_workspace_name (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), NULL);
  return self->workspace_name;
}

/* The role of the account that unlocked the workspace (meaningless while locked). */
ChevetRole
chevet_session_get_role (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), CHEVET_ROLE_CLINICIAN);

  return self->role;
}

/* Whether the workspace is a training one (chevet_store_is_training): read at unlock,
 * kept after a lock (a workspace's kind never changes); FALSE until the first unlock. */
gboolean
chevet_session_get_training (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return self->training;
}

/* The account that unlocked the workspace; NULL while locked. */
const char *
chevet_session_get_account (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), NULL);
  return self->account;
}

/* Whether some operation has not come back yet (its callback not run). */
gboolean
chevet_session_has_pending (ChevetSession *self)
{
  g_return_val_if_fail (CHEVET_IS_SESSION (self), FALSE);
  return self->n_pending > 0;
}

/* Outbox conflicts: both versions in words, and a person's decision. (The include is
 * here so this block stays in one piece.) */

#include <json-glib/json-glib.h>

void
chevet_outbox_conflict_free (ChevetOutboxConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_clear_pointer (&conflict->mine, chevet_chart_item_free);
  g_clear_pointer (&conflict->server, chevet_chart_item_free);
  g_free (conflict->server_version);
  g_free (conflict->server_last_updated);
  g_free (conflict->mine_json);
  g_free (conflict->server_json);
  g_free (conflict);
}

typedef struct
{
  char *mine_json;
  char *server_json;
} ConflictData;

static void
conflict_data_free (ConflictData *data)
{
  g_free (data->mine_json);
  g_free (data->server_json);
  g_free (data);
}

static char *
indent_json (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  return node != NULL ? json_to_string (node, TRUE) : g_strdup (json);
}

static gpointer
read_conflict_call (ChevetStore  *store,
                    gpointer      user_data,
                    GError      **error)
{
  ConflictData *data = user_data;
  g_autoptr(ChevetOutboxConflict) conflict = g_new0 (ChevetOutboxConflict, 1);

  conflict->mine = chevet_chart_item_new_from_json (data->mine_json, NULL, NULL, error);
  if (conflict->mine == NULL)
    return NULL;
  conflict->server = chevet_chart_item_new_from_json (data->server_json, &conflict->server_version,
                                                      &conflict->server_last_updated, error);
  if (conflict->server == NULL)
    return NULL;
  conflict->mine_json = indent_json (data->mine_json);
  conflict->server_json = indent_json (data->server_json);
  return g_steal_pointer (&conflict);
}

/* Reads @item's two versions (it must be in conflict) off the main thread. */
void
chevet_session_read_conflict_async (ChevetSession       *self,
                                    ChevetOutboxItem    *item,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  ConflictData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (CHEVET_IS_OUTBOX_ITEM (item));
  g_return_if_fail (chevet_outbox_item_get_server_json (item) != NULL);

  /* Copies: the worker never reads an object the main thread holds. */
  data = g_new0 (ConflictData, 1);
  data->mine_json = g_strdup (chevet_outbox_item_get_body (item));
  data->server_json = g_strdup (chevet_outbox_item_get_server_json (item));
  session_call (self, chevet_session_read_conflict_async, read_conflict_call, data,
                (GDestroyNotify) conflict_data_free, (GDestroyNotify) chevet_outbox_conflict_free,
                cancellable, callback, user_data);
}

ChevetOutboxConflict *
chevet_session_read_conflict_finish (ChevetSession  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return session_call_finish (self, result, chevet_session_read_conflict_async, error);
}

typedef struct
{
  gint64                 seq;
  ChevetOutboxResolution resolution;
} ResolveData;

static gpointer
resolve_conflict_call (ChevetStore  *store,
                       gpointer      user_data,
                       GError      **error)
{
  ResolveData *data = user_data;
  g_autoptr(GListModel) items = chevet_outbox_list (store, error);

  if (items == NULL)
    return NULL;
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(ChevetOutboxItem) item = g_list_model_get_item (items, i);

      if (chevet_outbox_item_get_seq (item) != data->seq)
        continue;
      if (!chevet_outbox_resolve_conflict (store, item, data->resolution, error))
        return NULL;
      return g_steal_pointer (&item);
    }
  g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_NOT_FOUND,
               _("The item is no longer in the outbox"));
  return NULL;
}

/* A person's decision on a conflict (a ChevetOutboxResolution): keep mine (sent again as
 * an update) or take the server's (mine is dropped, the chart shows the server's). */
void
chevet_session_resolve_conflict_async (ChevetSession       *self,
                                       ChevetOutboxItem    *item,
                                       int                  resolution,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ResolveData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (CHEVET_IS_OUTBOX_ITEM (item));
  g_return_if_fail (resolution == CHEVET_OUTBOX_KEEP_MINE || resolution == CHEVET_OUTBOX_TAKE_SERVER);

  data = g_new0 (ResolveData, 1);
  data->seq = chevet_outbox_item_get_seq (item);
  data->resolution = resolution;
  session_call (self, chevet_session_resolve_conflict_async, resolve_conflict_call, data, g_free,
                g_object_unref, cancellable, callback, user_data);
}

ChevetOutboxItem *
chevet_session_resolve_conflict_finish (ChevetSession  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return session_call_finish (self, result, chevet_session_resolve_conflict_async, error);
}

/* The audit view: administrators only, checked on the worker against the store's
 * account (chevet_audit_check_administrator), whatever the window let through. */

void
chevet_audit_page_free (ChevetAuditPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->items, g_ptr_array_unref);
  g_free (page);
}

typedef struct
{
  char    *patient_text;
  char    *account;
  char    *action;
  char    *from;
  char    *to;
  gint64   max_seq;
  guint    offset;
  guint    limit;
} AuditQueryData;

static void
audit_query_data_free (AuditQueryData *data)
{
  g_free (data->patient_text);
  g_free (data->account);
  g_free (data->action);
  g_free (data->from);
  g_free (data->to);
  g_free (data);
}

typedef struct
{
  ChevetStore *store;
  GHashTable  *names;  /* patient id → name, or "" when the cache does not have it */
  GPtrArray   *items;
} AuditCollect;

static gboolean
collect_audit_item (const ChevetAuditEntry  *entry,
                    gpointer                 user_data,
                    GError                 **error)
{
  AuditCollect *collect = user_data;
  const char *name = NULL;

  if (entry->patient != NULL)
    {
      name = g_hash_table_lookup (collect->names, entry->patient);
      if (name == NULL)
        {
          g_autoptr(GError) local = NULL;
          g_autoptr(ChevetPatient) patient = chevet_store_dup_patient (collect->store, entry->patient, &local);

          if (local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          name = patient != NULL ? chevet_patient_get_display_name (patient) : "";
          g_hash_table_insert (collect->names, g_strdup (entry->patient), g_strdup (name));
          name = g_hash_table_lookup (collect->names, entry->patient);
        }
      if (*name == '\0')
        name = NULL;
    }
  g_ptr_array_add (collect->items, chevet_audit_item_new (entry, name));
  return TRUE;
}

static gpointer
query_audit_call (ChevetStore  *store,
                  gpointer      user_data,
                  GError      **error)
{
  AuditQueryData *data = user_data;
  g_autoptr(ChevetAuditPage) page = g_new0 (ChevetAuditPage, 1);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) ids = NULL;
  ChevetAuditFilter filter = {
    NULL, data->account, data->action, data->from, data->to, data->max_seq
  };
  AuditCollect collect = { store, names, NULL };

  if (!chevet_audit_check_administrator (store, error))
    return NULL;
  if (data->max_seq == 0 && (filter.max_seq = chevet_audit_get_last_seq (store, error)) < 0)
    return NULL;
  page->max_seq = filter.max_seq;
  if (filter.max_seq == 0)
    filter.max_seq = -1;  /* an empty trail: nothing before the first entry either */

  if (data->patient_text != NULL)
    {
      g_autoptr(GPtrArray) patients = chevet_store_search_patients (store, data->patient_text, 0,
                                                                    CHEVET_SESSION_AUDIT_MAX_PATIENTS + 1,
                                                                    error);

      if (patients == NULL)
        return NULL;
      page->more_patients = patients->len > CHEVET_SESSION_AUDIT_MAX_PATIENTS;
      page->n_patients = MIN (patients->len, CHEVET_SESSION_AUDIT_MAX_PATIENTS);
      ids = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < page->n_patients; i++)
        g_ptr_array_add (ids, g_strdup (chevet_patient_get_id (g_ptr_array_index (patients, i))));
      /* An id as typed: a patient the cache no longer has is still in the trail. */
      g_ptr_array_add (ids, g_strdup (data->patient_text));
      g_ptr_array_add (ids, NULL);
      filter.patient_ids = (const char * const *) ids->pdata;
    }

  page->items = g_ptr_array_new_with_free_func (g_object_unref);
  collect.items = page->items;
  if (!chevet_audit_query (store, &filter, data->offset, data->limit, collect_audit_item, &collect, error))
    return NULL;
  page->total = -1;
  if (data->offset == 0 && (page->total = chevet_audit_count (store, &filter, error)) < 0)
    return NULL;
  /* Counts only: what the filter held may name a patient. */
  g_debug ("audit page: %u entries from %u, of %" G_GINT64_FORMAT, page->items->len, data->offset,
           page->total);
  return g_steal_pointer (&page);
}

void
chevet_session_query_audit_async (ChevetSession            *self,
                                  const ChevetAuditFilter  *filter,
                                  const char               *patient_text,
                                  guint                     offset,
                                  guint                     limit,
                                  GCancellable             *cancellable,
                                  GAsyncReadyCallback       callback,
                                  gpointer                  user_data)
{
  AuditQueryData *data;

  g_return_if_fail (CHEVET_IS_SESSION (self));

  data = g_new0 (AuditQueryData, 1);
  if (patient_text != NULL && *patient_text != '\0')
    data->patient_text = g_strstrip (g_strdup (patient_text));
  if (data->patient_text != NULL && *data->patient_text == '\0')
    g_clear_pointer (&data->patient_text, g_free);
  if (filter != NULL)
    {
      data->account = g_strdup (filter->account);
      data->action = g_strdup (filter->action);
      data->from = g_strdup (filter->from);
      data->to = g_strdup (filter->to);
      data->max_seq = filter->max_seq;
    }
  data->offset = offset;
  data->limit = limit;
  session_call (self, chevet_session_query_audit_async, query_audit_call, data,
                (GDestroyNotify) audit_query_data_free, (GDestroyNotify) chevet_audit_page_free,
                cancellable, callback, user_data);
}

ChevetAuditPage *
chevet_session_query_audit_finish (ChevetSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return session_call_finish (self, result, chevet_session_query_audit_async, error);
}

void
chevet_audit_settings_free (ChevetAuditSettings *settings)
{
  if (settings == NULL)
    return;
  g_strfreev (settings->accounts);
  g_free (settings);
}

static gpointer
read_audit_settings_call (ChevetStore  *store,
                          gpointer      user_data,
                          GError      **error)
{
  g_autoptr(ChevetAuditSettings) settings = g_new0 (ChevetAuditSettings, 1);

  if (!chevet_audit_check_administrator (store, error) ||
      (settings->accounts = chevet_audit_dup_accounts (store, error)) == NULL)
    return NULL;
  settings->retention_days = chevet_audit_get_retention_days (store);
  return g_steal_pointer (&settings);
}

void
chevet_session_read_audit_settings_async (ChevetSession       *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_read_audit_settings_async, read_audit_settings_call, NULL, NULL,
                (GDestroyNotify) chevet_audit_settings_free, cancellable, callback, user_data);
}

ChevetAuditSettings *
chevet_session_read_audit_settings_finish (ChevetSession  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return session_call_finish (self, result, chevet_session_read_audit_settings_async, error);
}

static gpointer
set_audit_retention_call (ChevetStore  *store,
                          gpointer      user_data,
                          GError      **error)
{
  if (!chevet_audit_set_retention_days (store, GPOINTER_TO_UINT (user_data), error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

void
chevet_session_set_audit_retention_async (ChevetSession       *self,
                                          guint                days,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_set_audit_retention_async, set_audit_retention_call,
                GUINT_TO_POINTER (days), NULL, NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_set_audit_retention_finish (ChevetSession  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return session_call_finish (self, result, chevet_session_set_audit_retention_async, error) != NULL;
}

static gpointer
verify_audit_call (ChevetStore  *store,
                   gpointer      user_data,
                   GError      **error)
{
  g_autofree ChevetAuditReport *report = g_new0 (ChevetAuditReport, 1);

  if (!chevet_audit_check_administrator (store, error) || !chevet_audit_verify (store, report, error))
    return NULL;
  return g_steal_pointer (&report);
}

void
chevet_session_verify_audit_async (ChevetSession       *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));

  session_call (self, chevet_session_verify_audit_async, verify_audit_call, NULL, NULL, g_free,
                cancellable, callback, user_data);
}

ChevetAuditReport *
chevet_session_verify_audit_finish (ChevetSession  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return session_call_finish (self, result, chevet_session_verify_audit_async, error);
}

static gpointer
export_audit_call (ChevetStore  *store,
                   gpointer      user_data,
                   GError      **error)
{
  GFile *file = user_data;
  g_autoptr(GFileOutputStream) out = NULL;
  guint64 n = 0;
  gint64 *result;

  if (!chevet_audit_check_administrator (store, error))
    return NULL;
  /* Private: the export names patients by id. */
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        NULL, error);
  if (out == NULL ||
      !chevet_audit_export_fhir (store, G_OUTPUT_STREAM (out), &n, NULL, error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error))
    return NULL;
  result = g_new (gint64, 1);
  *result = (gint64) n;
  return result;
}

void
chevet_session_export_audit_async (ChevetSession       *self,
                                   GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (file));

  session_call (self, chevet_session_export_audit_async, export_audit_call, g_object_ref (file),
                g_object_unref, g_free, cancellable, callback, user_data);
}

/* -1 with @error set on failure. */
gint64
chevet_session_export_audit_finish (ChevetSession  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_autofree gint64 *n = session_call_finish (self, result, chevet_session_export_audit_async, error);

  return n != NULL ? *n : -1;
}

/* ------------------------------------------------------------------ tutorials */

/* A training workspace only: a clinical one never hands a chart to a tutorial. */
static gboolean
check_training (ChevetStore  *store,
                GError      **error)
{
  if (chevet_store_is_training (store))
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       _("Tutorials run only in a training workspace"));
  return FALSE;
}

/* The chart the tutorial's questions are checked against: read, not opened (not shown,
 * so neither recent nor recorded as opened; the trainee opens it). */
static gpointer
tutorial_chart_call (ChevetStore  *store,
                     gpointer      data,
                     GError      **error)
{
  if (!check_training (store, error))
    return NULL;
  return chevet_store_read_chart (store, data, error);
}

void
chevet_session_read_tutorial_chart_async (ChevetSession       *self,
                                          const char          *patient_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (patient_id != NULL);

  session_call (self, chevet_session_read_tutorial_chart_async, tutorial_chart_call, g_strdup (patient_id),
                g_free, (GDestroyNotify) chevet_chart_free, cancellable, callback, user_data);
}

ChevetChart *
chevet_session_read_tutorial_chart_finish (ChevetSession  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return session_call_finish (self, result, chevet_session_read_tutorial_chart_async, error);
}

static gpointer
load_progress_call (ChevetStore  *store,
                    gpointer      data,
                    GError      **error)
{
  char **ids = data;
  g_autoptr(GHashTable) progress = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!check_training (store, error))
    return NULL;
  for (guint i = 0; ids[i] != NULL; i++)
    {
      GError *local = NULL;
      char *json = chevet_tutorial_progress_load (store, ids[i], &local);

      if (local != NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      if (json != NULL)
        g_hash_table_insert (progress, g_strdup (ids[i]), json);
    }
  return g_steal_pointer (&progress);
}

void
chevet_session_load_tutorial_progress_async (ChevetSession       *self,
                                             const char * const  *tutorial_ids,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (tutorial_ids != NULL);

  session_call (self, chevet_session_load_tutorial_progress_async, load_progress_call,
                g_strdupv ((char **) tutorial_ids), (GDestroyNotify) g_strfreev,
                (GDestroyNotify) g_hash_table_unref, cancellable, callback, user_data);
}

GHashTable *
chevet_session_load_tutorial_progress_finish (ChevetSession  *self,
                                              GAsyncResult   *result,
                                              GError        **error)
{
  return session_call_finish (self, result, chevet_session_load_tutorial_progress_async, error);
}

static gpointer
save_progress_call (ChevetStore  *store,
                    gpointer      data,
                    GError      **error)
{
  char **args = data;  /* account, tutorial id, progress */

  if (!check_training (store, error))
    return NULL;
  /* Progress is per account: never written for whoever unlocked since. */
  if (g_strcmp0 (chevet_store_get_account (store), args[0]) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("The tutorial belongs to another account"));
      return NULL;
    }
  if (!chevet_tutorial_progress_save (store, args[1], args[2], error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

static gpointer
reset_training_call (ChevetStore  *store,
                     gpointer      data,
                     GError      **error)
{
  return chevet_training_reset (store, NULL, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static void
on_reset_training_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChevetSession *self = CHEVET_SESSION (source);
  GError *error = NULL;

  if (session_call_finish (self, result, reset_training_call, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* The list, a chart shown and the outbox are out of date: whoever shows them reloads. */
  g_signal_emit (self, signals[SIGNAL_TRAINING_RESET], 0);
  g_task_return_boolean (task, TRUE);
}

/* chevet_training_reset on the worker (administrators of a training workspace); then
 * "training-reset" is emitted. */
void
chevet_session_reset_training_async (ChevetSession       *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHEVET_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chevet_session_reset_training_async);
  session_call (self, reset_training_call, reset_training_call, NULL, NULL, NULL, cancellable,
                on_reset_training_done, task);
}

gboolean
chevet_session_reset_training_finish (ChevetSession  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Saves @progress_json (chevet_tutorial_run_save) for @account, refused when another
 * account holds the workspace now. Queued before a lock (the session's "locking"), it
 * is still written; its result then comes back cancelled. */
void
chevet_session_save_tutorial_progress_async (ChevetSession       *self,
                                             const char          *account,
                                             const char          *tutorial_id,
                                             const char          *progress_json,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  char **args;

  g_return_if_fail (CHEVET_IS_SESSION (self));
  g_return_if_fail (account != NULL && tutorial_id != NULL && progress_json != NULL);

  args = g_new0 (char *, 4);
  args[0] = g_strdup (account);
  args[1] = g_strdup (tutorial_id);
  args[2] = g_strdup (progress_json);
  session_call (self, chevet_session_save_tutorial_progress_async, save_progress_call, args,
                (GDestroyNotify) g_strfreev, NULL, cancellable, callback, user_data);
}

gboolean
chevet_session_save_tutorial_progress_finish (ChevetSession  *self,
                                              GAsyncResult   *result,
                                              GError        **error)
{
  return session_call_finish (self, result, chevet_session_save_tutorial_progress_async, error) != NULL;
}
