/* chevet-session.h: the unlocked workspace and the one worker thread that talks to it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-audit.h"
#include "chevet-audit-item.h"

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_SESSION (chevet_session_get_type ())
G_DECLARE_FINAL_TYPE (ChevetSession, chevet_session, CHEVET, SESSION, GObject)

ChevetSession *chevet_session_new                (const char           *path);

const char    *chevet_session_get_path           (ChevetSession        *self);
gboolean       chevet_session_workspace_exists   (ChevetSession        *self);
gboolean       chevet_session_get_unlocked       (ChevetSession        *self);
const char    *chevet_session_get_workspace_name (ChevetSession        *self);
const char    *chevet_session_get_account        (ChevetSession        *self);
ChevetRole     chevet_session_get_role           (ChevetSession        *self);
gboolean       chevet_session_get_training       (ChevetSession        *self);

void           chevet_session_unlock_async       (ChevetSession        *self,
                                                  const char           *account,
                                                  const char           *passphrase,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       chevet_session_unlock_finish      (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* A page of matches; @total (of _finish) is the number of matches for the first page
 * (offset 0) only: later pages are not counted again. */
void           chevet_session_search_async       (ChevetSession        *self,
                                                  const char           *text,
                                                  guint                 offset,
                                                  guint                 limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray     *chevet_session_search_finish      (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  guint64              *total,
                                                  GError              **error);

/* Reads a patient's chart (ChevetChart, free with chevet_chart_free) and records it
 * among the recently opened ones. */
void           chevet_session_open_chart_async   (ChevetSession        *self,
                                                  const char           *patient_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
ChevetChart   *chevet_session_open_chart_finish  (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* A restricted chart (chevet_patient_is_restricted) refuses chevet_session_open_chart_async
 * with CHEVET_AUDIT_ERROR_RESTRICTED until a reason is given here: the chart is read and
 * "break-glass" and "chart-open" are recorded (chevet_audit_break_glass). The reason then
 * holds for that patient until the workstation locks (chevet_session_has_access): kept in
 * memory only, taken by _finish. Errors: CHEVET_AUDIT_ERROR_UNKNOWN_CATEGORY, _NO_REASON. */
void           chevet_session_break_glass_async  (ChevetSession        *self,
                                                  const char           *patient_id,
                                                  const char           *category,
                                                  const char           *reason,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
ChevetChart   *chevet_session_break_glass_finish (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
gboolean       chevet_session_has_access         (ChevetSession        *self,
                                                  const char           *patient_id);
/* Every value of one code for a patient, oldest first (GPtrArray of ChevetChartItem). */
void           chevet_session_read_series_async  (ChevetSession        *self,
                                                  const char           *patient_id,
                                                  const char           *code,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray     *chevet_session_read_series_finish (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Recently opened patients, most recent first (GPtrArray of ChevetPatient). */
void           chevet_session_list_recent_async  (ChevetSession        *self,
                                                  guint                 limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray     *chevet_session_list_recent_finish (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* A workspace meta value ("last-sync", ...); "" when unset. */
void           chevet_session_get_meta_async     (ChevetSession        *self,
                                                  const char           *key,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
char          *chevet_session_get_meta_finish    (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* The outbox (chevet-outbox.h), as the unlocked account. */
void              chevet_session_add_note_async      (ChevetSession        *self,
                                                      const char           *patient_id,
                                                      const char           *encounter_id,
                                                      const char           *text,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
ChevetOutboxItem *chevet_session_add_note_finish     (ChevetSession        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void              chevet_session_add_vitals_async    (ChevetSession        *self,
                                                      const char           *patient_id,
                                                      const char           *encounter_id,
                                                      const ChevetVitals   *vitals,
                                                      guint                 confirmed_warnings,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray        *chevet_session_add_vitals_finish   (ChevetSession        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void              chevet_session_list_outbox_async   (ChevetSession        *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GListModel       *chevet_session_list_outbox_finish  (ChevetSession        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void              chevet_session_count_waiting_async (ChevetSession        *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gint64            chevet_session_count_waiting_finish (ChevetSession       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Server settings (chevet-server-settings.h). */
void                  chevet_session_load_server_settings_async  (ChevetSession              *self,
                                                                  GCancellable               *cancellable,
                                                                  GAsyncReadyCallback         callback,
                                                                  gpointer                    user_data);
ChevetServerSettings *chevet_session_load_server_settings_finish (ChevetSession              *self,
                                                                  GAsyncResult               *result,
                                                                  GError                    **error);
void                  chevet_session_save_server_settings_async  (ChevetSession              *self,
                                                                  const ChevetServerSettings *settings,
                                                                  GCancellable               *cancellable,
                                                                  GAsyncReadyCallback         callback,
                                                                  gpointer                    user_data);
gboolean              chevet_session_save_server_settings_finish (ChevetSession              *self,
                                                                  GAsyncResult               *result,
                                                                  GError                    **error);

/* Accounts (chevet-store.h), with the store's errors and messages. All but changing
 * one's own passphrase are for administrators: refused at once here for any other role
 * (CHEVET_STORE_ERROR_NOT_ALLOWED), and by the store again on the worker. Passphrases
 * are copied into guarded memory before these return and wiped once used. */
void           chevet_session_list_accounts_async       (ChevetSession        *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
GPtrArray     *chevet_session_list_accounts_finish      (ChevetSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void           chevet_session_add_account_async         (ChevetSession        *self,
                                                         const char           *account,
                                                         ChevetRole            role,
                                                         const char           *passphrase,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean       chevet_session_add_account_finish        (ChevetSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void           chevet_session_remove_account_async      (ChevetSession        *self,
                                                         const char           *account,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean       chevet_session_remove_account_finish     (ChevetSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void           chevet_session_set_role_async            (ChevetSession        *self,
                                                         const char           *account,
                                                         ChevetRole            role,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean       chevet_session_set_role_finish           (ChevetSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void           chevet_session_reset_passphrase_async    (ChevetSession        *self,
                                                         const char           *account,
                                                         const char           *new_passphrase,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean       chevet_session_reset_passphrase_finish   (ChevetSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void           chevet_session_change_passphrase_async   (ChevetSession        *self,
                                                         const char           *old_passphrase,
                                                         const char           *new_passphrase,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean       chevet_session_change_passphrase_finish  (ChevetSession        *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

/* Sync (chevet-sync.h) on the engine's own connection, opened at unlock. */
void           chevet_session_sync_async         (ChevetSession        *self,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       chevet_session_sync_finish        (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void           chevet_session_cancel_sync        (ChevetSession        *self);
ChevetSync    *chevet_session_get_sync           (ChevetSession        *self);
gboolean       chevet_session_get_syncing        (ChevetSession        *self);
gboolean       chevet_session_get_server_configured (ChevetSession     *self);

void           chevet_session_lock               (ChevetSession        *self);
void           chevet_session_lock_for_reason    (ChevetSession        *self,
                                                  const char           *reason);
/* Records an action in the audit trail, on the worker, after what is queued; a failure
 * is logged by its code. @detail: no patient value, never a search text. */
void           chevet_session_record             (ChevetSession        *self,
                                                  ChevetAuditAction     action,
                                                  const char           *patient_id,
                                                  ChevetAuditOutcome    outcome,
                                                  const char           *detail);
gboolean       chevet_session_has_pending        (ChevetSession        *self);

/* An outbox conflict (chevet-outbox.h) in words: both versions read as chart lines on
 * the worker (chevet_chart_item_new_from_json), with the server's meta and both JSON
 * texts, indented, for IT staff. */
typedef struct
{
  ChevetChartItem *mine;
  ChevetChartItem *server;
  char            *server_version;       /* meta.versionId, may be NULL */
  char            *server_last_updated;  /* meta.lastUpdated, may be NULL */
  char            *mine_json;
  char            *server_json;
} ChevetOutboxConflict;

void                  chevet_outbox_conflict_free            (ChevetOutboxConflict   *conflict);

void                  chevet_session_read_conflict_async     (ChevetSession          *self,
                                                              ChevetOutboxItem       *item,
                                                              GCancellable           *cancellable,
                                                              GAsyncReadyCallback     callback,
                                                              gpointer                user_data);
ChevetOutboxConflict *chevet_session_read_conflict_finish    (ChevetSession          *self,
                                                              GAsyncResult           *result,
                                                              GError                **error);
/* chevet_outbox_resolve_conflict on the worker, on a fresh snapshot of @item's row; the
 * result is that snapshot, in its new state. */
void                  chevet_session_resolve_conflict_async  (ChevetSession          *self,
                                                              ChevetOutboxItem       *item,
                                                              int                     resolution,
                                                              GCancellable           *cancellable,
                                                              GAsyncReadyCallback     callback,
                                                              gpointer                user_data);
ChevetOutboxItem     *chevet_session_resolve_conflict_finish (ChevetSession          *self,
                                                              GAsyncResult           *result,
                                                              GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetOutboxConflict, chevet_outbox_conflict_free)

/* The audit view: administrators only (each call is refused on the worker, with
 * G_IO_ERROR_PERMISSION_DENIED, for any other role). */
typedef struct
{
  GPtrArray *items;           /* ChevetAuditItem, newest first, patient names resolved */
  gint64     total;           /* entries matching, for the first page; -1 for the others */
  gint64     max_seq;         /* the snapshot pages are read at: pass it back for the next ones */
  guint      n_patients;      /* patients whose name or identifier matched @patient_text */
  gboolean   more_patients;   /* ... and more matched than the filter takes */
} ChevetAuditPage;

/* How many patients a typed name may stand for in the patient filter. */
#define CHEVET_SESSION_AUDIT_MAX_PATIENTS 200

void             chevet_audit_page_free                 (ChevetAuditPage          *page);

/* A page of the trail. @patient_text: a name or identifier as typed in the patient search
 * (every matching patient, up to CHEVET_SESSION_AUDIT_MAX_PATIENTS) or a patient id
 * exactly (a patient no longer in the cache); NULL or "": any. @filter's patient_ids are
 * ignored; its max_seq 0 on a first page takes the last entry now. The first page (offset
 * 0) is counted. */
void             chevet_session_query_audit_async       (ChevetSession            *self,
                                                         const ChevetAuditFilter  *filter,
                                                         const char               *patient_text,
                                                         guint                     offset,
                                                         guint                     limit,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
ChevetAuditPage *chevet_session_query_audit_finish      (ChevetSession            *self,
                                                         GAsyncResult             *result,
                                                         GError                  **error);
/* The accounts named in the trail (a GStrv) and the retention in days. */
typedef struct
{
  char  **accounts;
  guint   retention_days;
} ChevetAuditSettings;

void                 chevet_audit_settings_free              (ChevetAuditSettings  *settings);
void                 chevet_session_read_audit_settings_async  (ChevetSession        *self,
                                                                GCancellable         *cancellable,
                                                                GAsyncReadyCallback   callback,
                                                                gpointer              user_data);
ChevetAuditSettings *chevet_session_read_audit_settings_finish (ChevetSession        *self,
                                                                GAsyncResult         *result,
                                                                GError              **error);
void                 chevet_session_set_audit_retention_async  (ChevetSession        *self,
                                                                guint                 days,
                                                                GCancellable         *cancellable,
                                                                GAsyncReadyCallback   callback,
                                                                gpointer              user_data);
gboolean             chevet_session_set_audit_retention_finish (ChevetSession        *self,
                                                                GAsyncResult         *result,
                                                                GError              **error);
/* chevet_audit_verify; the report is g_free'd by the caller. */
void                 chevet_session_verify_audit_async         (ChevetSession        *self,
                                                                GCancellable         *cancellable,
                                                                GAsyncReadyCallback   callback,
                                                                gpointer              user_data);
ChevetAuditReport   *chevet_session_verify_audit_finish        (ChevetSession        *self,
                                                                GAsyncResult         *result,
                                                                GError              **error);
/* chevet_audit_export_fhir into @file (replaced, private); returns the entries written. */
void                 chevet_session_export_audit_async         (ChevetSession        *self,
                                                                GFile                *file,
                                                                GCancellable         *cancellable,
                                                                GAsyncReadyCallback   callback,
                                                                gpointer              user_data);
gint64               chevet_session_export_audit_finish        (ChevetSession        *self,
                                                                GAsyncResult         *result,
                                                                GError              **error);

/* Tutorials (chevet-tutorial.h), in a training workspace only (refused elsewhere with
 * G_IO_ERROR_PERMISSION_DENIED). The training patient's chart, read for the run's
 * placeholders and facts (not recorded as opened: the trainee opens it). */
void         chevet_session_read_tutorial_chart_async     (ChevetSession        *self,
                                                           const char           *patient_id,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
ChevetChart *chevet_session_read_tutorial_chart_finish    (ChevetSession        *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
/* The unlocked account's progress: tutorial id -> progress JSON, for those started. */
void         chevet_session_load_tutorial_progress_async  (ChevetSession        *self,
                                                           const char * const   *tutorial_ids,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
GHashTable  *chevet_session_load_tutorial_progress_finish (ChevetSession        *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
/* Back to the training clinic's initial state (chevet_training_reset: administrators of a
 * training workspace); "training-reset" is emitted when done. */
void         chevet_session_reset_training_async          (ChevetSession        *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean     chevet_session_reset_training_finish         (ChevetSession        *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
void         chevet_session_save_tutorial_progress_async  (ChevetSession        *self,
                                                           const char           *account,
                                                           const char           *tutorial_id,
                                                           const char           *progress_json,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean     chevet_session_save_tutorial_progress_finish (ChevetSession        *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetAuditPage, chevet_audit_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetAuditSettings, chevet_audit_settings_free)

G_END_DECLS
