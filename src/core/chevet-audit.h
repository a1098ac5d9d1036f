/* chevet-audit.h: the tamper-evident audit trail inside the encrypted store
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

/* What was done. The short codes (chevet_audit_action_to_code) are what the table holds. */
typedef enum
{
  CHEVET_AUDIT_UNLOCK,          /* "unlock" */
  CHEVET_AUDIT_UNLOCK_FAILED,   /* "unlock-failed": recorded at the next unlock */
  CHEVET_AUDIT_LOCK,            /* "lock" */
  CHEVET_AUDIT_CHART_OPEN,      /* "chart-open" */
  CHEVET_AUDIT_SEARCH,          /* "search": never the text searched */
  CHEVET_AUDIT_PRINT,           /* "print" */
  CHEVET_AUDIT_EXPORT,          /* "export" */
  CHEVET_AUDIT_SYNC,            /* "sync" */
  CHEVET_AUDIT_OUTBOX_SEND,     /* "outbox-send" */
  CHEVET_AUDIT_ACCOUNT,         /* "account": an account added, removed, its role or passphrase changed */
  CHEVET_AUDIT_SETTINGS,        /* "settings" */
  CHEVET_AUDIT_BREAK_GLASS,     /* "break-glass" */
  CHEVET_AUDIT_AUDIT_EXPORT,    /* "audit-export": the trail itself was exported */
  CHEVET_AUDIT_AUDIT_PRUNE,     /* "audit-prune": entries past the retention were removed */
  CHEVET_AUDIT_AUDIT_VIEW,      /* "audit-view": the trail was opened in the workstation */
  CHEVET_AUDIT_N_ACTIONS
} ChevetAuditAction;

typedef enum
{
  CHEVET_AUDIT_SUCCESS,         /* "success" */
  CHEVET_AUDIT_FAILURE,         /* "failure": something went wrong */
  CHEVET_AUDIT_DENIED,          /* "denied": refused (a wrong passphrase) */
} ChevetAuditOutcome;

/* What verify found; the first problem met in seq order. */
typedef enum
{
  CHEVET_AUDIT_INTACT,
  CHEVET_AUDIT_BAD_HASH,        /* the entry's fields do not give its hash: edited, moved or made up */
  CHEVET_AUDIT_BAD_LINK,        /* its prev_hash is not the hash of the entry before it */
  CHEVET_AUDIT_MISSING,         /* the entry with that seq is gone (deleted) */
  CHEVET_AUDIT_TRUNCATED,       /* entries at the end are gone: the head names a later one */
} ChevetAuditProblem;

typedef struct
{
  ChevetAuditProblem problem;
  gint64             bad_seq;        /* the first bad entry; 0 when intact */
  guint64            n_entries;      /* entries read */
  gint64             first_seq;      /* the first entry kept (after pruning), 0 if none */
  gint64             last_seq;       /* 0 if none */
  char               head_hash[65];  /* hex BLAKE2b-256 of the last entry (or the anchor) */
} ChevetAuditReport;

/* One entry, as read; the strings live until the callback returns. */
typedef struct
{
  gint64      seq;
  const char *time;      /* UTC, 2026-11-28T14:21:07.123Z */
  const char *account;
  const char *action;    /* short code */
  const char *patient;   /* FHIR Patient id, or NULL */
  const char *outcome;   /* success, failure, denied */
  const char *detail;    /* counts, never a patient value nor a search text; or NULL */
} ChevetAuditEntry;

typedef gboolean (*ChevetAuditFunc) (const ChevetAuditEntry *entry,
                                     gpointer                user_data,
                                     GError                **error);

#define CHEVET_AUDIT_ERROR (chevet_audit_error_quark ())

typedef enum
{
  CHEVET_AUDIT_ERROR_RESTRICTED,        /* a restricted chart asked for without a reason */
  CHEVET_AUDIT_ERROR_UNKNOWN_CATEGORY,  /* a break-the-glass category we do not know */
  CHEVET_AUDIT_ERROR_NO_REASON,         /* the reason is blank, or too short for "other" */
} ChevetAuditError;

/* Break-the-glass: why a restricted chart (chevet_patient_is_restricted) is opened. The
 * categories' codes are "emergency", "care" (a patient under my care: continuity of
 * care), "consent" (the patient's consent) and "other" (then the reason must say why in
 * at least CHEVET_AUDIT_OTHER_MIN_WORDS words). */
#define CHEVET_AUDIT_N_BREAK_GLASS_CATEGORIES 4
#define CHEVET_AUDIT_OTHER_MIN_WORDS 3

/* Index 0 .. CHEVET_AUDIT_N_BREAK_GLASS_CATEGORIES - 1; NULL past the end. */
const char *chevet_audit_break_glass_category_code  (guint index);
const char *chevet_audit_break_glass_category_label (guint index);  /* translated */
/* The reason as the break-glass entry would take it: FALSE with a translated error for
 * an unknown category (CHEVET_AUDIT_ERROR_UNKNOWN_CATEGORY) or a blank or, for
 * "other", too short reason (CHEVET_AUDIT_ERROR_NO_REASON). For forms to follow. */
gboolean    chevet_audit_check_break_glass          (const char  *category,
                                                     const char  *reason,
                                                     GError     **error);
/* The detail of a "break-glass" entry, "category=<code> reason=<text>", taken apart (the
 * reason is the clinician's own text, kept only here; the FHIR export leaves it out).
 * FALSE when @detail is not of that form. */
gboolean    chevet_audit_parse_break_glass_detail   (const char  *detail,
                                                     char       **category,
                                                     char       **reason);

/* The default retention, in days (12 months). */
#define CHEVET_AUDIT_DEFAULT_RETENTION_DAYS 365

GQuark      chevet_audit_error_quark        (void);
const char *chevet_audit_action_to_code     (ChevetAuditAction   action);
const char *chevet_audit_outcome_to_code    (ChevetAuditOutcome  outcome);
/* An action or outcome code in words, for people (translated): "Opened chart"; an
 * unknown code (a newer version's) is returned as is. */
const char *chevet_audit_action_describe    (const char         *code);
const char *chevet_audit_outcome_describe   (const char         *code);
/* @time (any zone) as the trail writes it: UTC, 2026-11-28T14:21:07.123Z. */
char       *chevet_audit_format_time        (GDateTime          *time);

/* Appends one entry as the store's account, now. Inside the caller's transaction when
 * there is one (so the entry commits or rolls back with the action), else in its own.
 * @detail must hold no patient value and never a search text. */
gboolean    chevet_audit_append             (ChevetStore        *store,
                                             ChevetAuditAction   action,
                                             const char         *patient_id,
                                             ChevetAuditOutcome  outcome,
                                             const char         *detail,
                                             GError            **error);

/* Opening a chart: marks it recently opened and records "chart-open", one transaction. */
gboolean    chevet_audit_chart_opened       (ChevetStore        *store,
                                             const char         *patient_id,
                                             GError            **error);

/* Before a chart is read: TRUE when the patient is not restricted, or @granted (a reason
 * was given earlier in this session: the caller keeps that). Otherwise records a
 * "chart-open" denied (detail "restricted") and fails with CHEVET_AUDIT_ERROR_RESTRICTED.
 * An unknown patient passes: reading the chart says it is not there. */
gboolean    chevet_audit_check_chart_access (ChevetStore        *store,
                                             const char         *patient_id,
                                             gboolean            granted,
                                             GError            **error);
/* Opening a restricted chart with a reason: checks it (chevet_audit_check_break_glass),
 * then records "break-glass" (detail: the category and the reason), marks the chart
 * recently opened and records "chart-open" (detail "break-glass"), one transaction.
 * The reason is stored stripped, inside the encrypted store only; never log it. */
gboolean    chevet_audit_break_glass        (ChevetStore        *store,
                                             const char         *patient_id,
                                             const char         *category,
                                             const char         *reason,
                                             GError            **error);

/* A search: records its result count, never its text. */
gboolean    chevet_audit_searched           (ChevetStore        *store,
                                             gint64              n_results,
                                             GError            **error);

/* A failed unlock cannot be written in a database not open: it is noted in a small file
 * of the workspace (time, reason, account) and becomes an "unlock-failed" entry at the
 * next unlock. @reason is a short code ("wrong-passphrase", "unknown-account", "role": the account's
 * role may not open this workspace, noted by chevet_store_open itself). */
gboolean    chevet_audit_note_failed_unlock (const char         *workspace_path,
                                             const char         *account,
                                             const char         *reason,
                                             GError            **error);
/* A successful unlock: the noted failures, then "unlock", in one transaction. */
gboolean    chevet_audit_unlocked           (ChevetStore        *store,
                                             GError            **error);

/* NOT_ALLOWED (CHEVET_STORE_ERROR) unless the store's account is an administrator: query,
 * export, set_retention and prune with a cut-off of its own call it (the retention itself
 * is applied at every unlock, whoever unlocks); verify and foreach do not (anyone may check
 * the chain; the sync engine sends the trail as whoever unlocked). */
gboolean    chevet_audit_check_administrator (ChevetStore       *store,
                                              GError           **error);

/* Reads the whole chain and reports the first bad entry. FALSE only when it could not be
 * read (@error set); a broken chain is TRUE with @report->problem set. */
gboolean    chevet_audit_verify             (ChevetStore        *store,
                                             ChevetAuditReport  *report,
                                             GError            **error);
/* A sentence for @report, for people (translated). */
char       *chevet_audit_report_describe    (const ChevetAuditReport *report);

/* Entries with seq > @after_seq in order; @limit 0 means all. */
gboolean    chevet_audit_foreach            (ChevetStore        *store,
                                             gint64              after_seq,
                                             guint64             limit,
                                             ChevetAuditFunc     func,
                                             gpointer            user_data,
                                             GError            **error);

/* What to read of the trail; NULL fields do not filter. Bounds are inclusive and
 * compared as the trail writes times (chevet_audit_format_time): the caller turns local
 * days into UTC instants. */
typedef struct
{
  const char * const *patient_ids;  /* entries naming one of these; NULL: any (empty: none) */
  const char         *account;
  const char         *action;       /* short code */
  const char         *from;         /* UTC, inclusive */
  const char         *to;           /* UTC, inclusive */
  gint64              max_seq;      /* > 0: only entries up to it (a snapshot for paging) */
} ChevetAuditFilter;

/* The entries matching @filter (NULL: all), newest first (by time, then seq), from
 * @offset, at most @limit (0: all). Indexed (schema 9) so that a page stays fast on a
 * trail of millions. */
gboolean    chevet_audit_query              (ChevetStore              *store,
                                             const ChevetAuditFilter  *filter,
                                             guint64                   offset,
                                             guint64                   limit,
                                             ChevetAuditFunc           func,
                                             gpointer                  user_data,
                                             GError                  **error);
/* How many entries match @filter; -1 with @error set on failure. */
gint64      chevet_audit_count              (ChevetStore              *store,
                                             const ChevetAuditFilter  *filter,
                                             GError                  **error);
/* The accounts named in the trail, sorted; NULL with @error set on failure. */
char      **chevet_audit_dup_accounts       (ChevetStore              *store,
                                             GError                  **error);
/* The seq of the last entry, 0 when there is none; -1 with @error set on failure. */
gint64      chevet_audit_get_last_seq       (ChevetStore              *store,
                                             GError                  **error);

/* One FHIR R4 AuditEvent (JSON text, one line) for @entry. */
char       *chevet_audit_entry_to_fhir      (const ChevetAuditEntry *entry);

/* The system of the meta.tag that names an entry sent to a server; its code is
 * chevet_audit_entry_tag_code(): "<workspace id>.<seq>", the same on every resend. */
#define CHEVET_AUDIT_TAG_SYSTEM "urn:chevet:audit-entry"
char       *chevet_audit_entry_tag_code     (const char             *workspace_id,
                                             gint64                  seq);
/* The AuditEvent as sent to a server: no id (the server's), the tag above, and the
 * workspace as source.observer's identifier. */
char       *chevet_audit_entry_to_fhir_for_server (const ChevetAuditEntry *entry,
                                                   const char             *workspace_id);
/* Every entry as FHIR AuditEvent NDJSON to @out; records "audit-export" first. */
gboolean    chevet_audit_export_fhir        (ChevetStore        *store,
                                             GOutputStream      *out,
                                             guint64            *n_written,
                                             GCancellable       *cancellable,
                                             GError            **error);

/* Retention in days, from meta "audit.retention-days" (default 365). */
guint       chevet_audit_get_retention_days (ChevetStore        *store);
gboolean    chevet_audit_set_retention_days (ChevetStore        *store,
                                             guint               days,
                                             GError            **error);
/* Removes the oldest entries recorded before @before (UTC; NULL: now minus the
 * retention), a prefix in seq order, keeping the hash of the last one removed as the
 * anchor the chain now starts from; records "audit-prune" with the count. */
gboolean    chevet_audit_prune              (ChevetStore        *store,
                                             GDateTime          *before,
                                             guint64            *n_removed,
                                             GError            **error);

/* Testing only: appends an entry as if @account had done it at @time (UTC text as the
 * trail writes it), through the same chain. Never called by the programs. */
gboolean    chevet_audit_append_for_testing (ChevetStore        *store,
                                             const char         *time,
                                             const char         *account,
                                             ChevetAuditAction   action,
                                             const char         *patient_id,
                                             ChevetAuditOutcome  outcome,
                                             const char         *detail,
                                             GError            **error);

G_END_DECLS
