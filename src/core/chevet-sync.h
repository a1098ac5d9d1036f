/* chevet-sync.h: fill the encrypted cache from a FHIR R4 server, then send the outbox
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One ChevetSync is one run against the server saved in the workspace's settings
 * (chevet-server-settings.h). It works on its OWN store connection: either it opens the
 * workspace itself (chevet_sync_new) or it is handed a store nobody else uses while it
 * runs (chevet_sync_new_for_store).
 *
 * Threads: chevet_sync_run() blocks; it may be called from any thread, and it creates
 * its synchronous SoupSession in that thread (under a GMainContext of its own).
 * chevet_sync_run_async() runs it in a GTask thread. Either way, property notifications
 * are emitted on the GMainContext that was thread-default when the ChevetSync was
 * created, rate-limited (about 10 a second), never from the worker.
 *
 * A run may be cancelled at any moment: every page is committed with its cursor in one
 * transaction, so the next run resumes where this one stopped (src/DESIGN.md, "Sync").
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_SYNC_ERROR (chevet_sync_error_quark ())

/* What a user can act on. Messages are translated and carry no secret, no query string
 * and no patient value. */
typedef enum
{
  CHEVET_SYNC_ERROR_NOT_CONFIGURED,  /* no server saved in this workspace */
  CHEVET_SYNC_ERROR_SETTINGS,        /* saved settings refused (e.g. http:// without the flag) */
  CHEVET_SYNC_ERROR_NO_NETWORK,      /* this computer has no route to the network */
  CHEVET_SYNC_ERROR_UNREACHABLE,     /* no answer: name, refused, timed out, connection lost */
  CHEVET_SYNC_ERROR_CERTIFICATE,     /* the server's certificate is not trusted (reason given) */
  CHEVET_SYNC_ERROR_CREDENTIALS,     /* token or client credentials refused (401/403) */
  CHEVET_SYNC_ERROR_SERVER,          /* the server answered an error status (given) */
  CHEVET_SYNC_ERROR_INVALID_DATA,    /* unusable answer; says where (URL path, entry) */
  CHEVET_SYNC_ERROR_NOT_SUPPORTED,   /* not a FHIR R4 server, or no search on Patient */
  CHEVET_SYNC_ERROR_FAILED,          /* the local store failed */
  CHEVET_SYNC_ERROR_TRAINING,        /* a training workspace: sealed, it never syncs */
} ChevetSyncError;

typedef enum
{
  CHEVET_SYNC_PHASE_IDLE,
  CHEVET_SYNC_PHASE_CONNECTING,  /* settings, TLS, token, /metadata */
  CHEVET_SYNC_PHASE_PATIENTS,
  CHEVET_SYNC_PHASE_RESOURCES,   /* the chart types, then the referenced types */
  CHEVET_SYNC_PHASE_HISTORY,     /* deletions */
  CHEVET_SYNC_PHASE_OUTBOX,
  CHEVET_SYNC_PHASE_AUDIT,       /* the audit trail to the server (when allowed and asked) */
  CHEVET_SYNC_PHASE_DONE,
  CHEVET_SYNC_PHASE_FAILED,
} ChevetSyncPhase;

#define CHEVET_TYPE_SYNC_PHASE (chevet_sync_phase_get_type ())
GType chevet_sync_phase_get_type (void) G_GNUC_CONST;

#define CHEVET_TYPE_SYNC (chevet_sync_get_type ())
G_DECLARE_FINAL_TYPE (ChevetSync, chevet_sync, CHEVET, SYNC, GObject)

GQuark          chevet_sync_error_quark        (void);

/* Opens the workspace itself, in the thread that runs the sync. The passphrase is kept
 * in guarded memory until the run has opened the store, then wiped. */
ChevetSync     *chevet_sync_new                (const char          *workspace_path,
                                                const char          *account,
                                                const char          *passphrase);
/* Takes a reference on @store; nobody else may use that connection while a run is going. */
ChevetSync     *chevet_sync_new_for_store      (ChevetStore         *store);

/* Blocking; see the threads note above. Returns FALSE with @error (CHEVET_SYNC_ERROR,
 * a CHEVET_STORE_ERROR when the workspace does not open, or G_IO_ERROR_CANCELLED). */
gboolean        chevet_sync_run                (ChevetSync          *self,
                                                GCancellable        *cancellable,
                                                GError             **error);
void            chevet_sync_run_async          (ChevetSync          *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        chevet_sync_run_finish         (ChevetSync          *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* State (properties of the same names, notified on the creating context). */
ChevetSyncPhase chevet_sync_get_phase          (ChevetSync          *self);
guint64         chevet_sync_get_resources_done (ChevetSync          *self);
/* -1 while unknown (the server does not offer _summary=count). */
gint64          chevet_sync_get_resources_expected (ChevetSync      *self);
double          chevet_sync_get_rate           (ChevetSync          *self);  /* resources/s */
const char     *chevet_sync_get_last_error     (ChevetSync          *self);  /* or NULL */

/* Counters of the last run, for tests and the benchmark (read after it returned). */
guint           chevet_sync_get_requests       (ChevetSync          *self);
guint64         chevet_sync_get_deleted        (ChevetSync          *self);
guint           chevet_sync_get_sent           (ChevetSync          *self);
/* The audit trail: entries the server accepted during the last run, and, when sending
 * stopped on an error (the run's data still succeeded; the next run tries again), a
 * translated sentence saying why. NULL when nothing went wrong. */
guint64         chevet_sync_get_audit_sent     (ChevetSync          *self);
const char     *chevet_sync_get_audit_warning  (ChevetSync          *self);
/* TRUE when the last run reconciled ids (see chevet_sync_set_reconcile). */
gboolean        chevet_sync_get_reconciled     (ChevetSync          *self);

/* Deletions on a server without _history, and patients who left the patient scope, are
 * found by a reconciliation: the ids the server lists are compared with the cache and
 * what it no longer has is deleted (never a local outbox copy, nor a patient with outbox
 * items not sent). It runs on its own at most every 10 syncs or 24 hours, for the types
 * without history (and Patient in a scoped sync); TRUE here makes the next run reconcile
 * every type (what "chevet-cli sync --reconcile" does). */
void            chevet_sync_set_reconcile      (ChevetSync          *self,
                                                gboolean             reconcile);

/* Tuning, before a run. Defaults: timeout 30 s, 5 tries, 200 resources a page, a
 * 120 s cursor margin, Retry-After capped at 60 s, first back-off 500 ms, 100 audit
 * entries a batch. */
void            chevet_sync_set_audit_batch_size (ChevetSync        *self,
                                                guint                count);
void            chevet_sync_set_timeout        (ChevetSync          *self,
                                                guint                seconds);
void            chevet_sync_set_max_tries      (ChevetSync          *self,
                                                guint                tries);
void            chevet_sync_set_page_size      (ChevetSync          *self,
                                                guint                count);
void            chevet_sync_set_cursor_margin  (ChevetSync          *self,
                                                guint                seconds);
void            chevet_sync_set_backoff        (ChevetSync          *self,
                                                guint                first_ms,
                                                guint                retry_after_cap_s);

/* A connection test with settings not saved (e.g. typed in a form): the checks, TLS
 * trust and authentication of a run, then GET /metadata (and, with credentials, one
 * search to have them checked). Needs no store and writes nothing. On success,
 * @fhir_version is the CapabilityStatement's fhirVersion and @software its
 * "name version" (NULL when the server does not say). Errors as chevet_sync_run's. */
void            chevet_sync_test_connection_async  (const ChevetServerSettings *settings,
                                                    GCancellable               *cancellable,
                                                    GAsyncReadyCallback         callback,
                                                    gpointer                    user_data);
gboolean        chevet_sync_test_connection_finish (GAsyncResult               *result,
                                                    char                      **fhir_version,
                                                    char                      **software,
                                                    GError                    **error);

const char     *chevet_sync_phase_to_string    (ChevetSyncPhase      phase);  /* translated */

G_END_DECLS
