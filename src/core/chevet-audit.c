/* chevet-audit.c: the tamper-evident audit trail inside the encrypted store
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One table, `audit` (schema 6), append-only for the program (triggers refuse UPDATE,
 * DELETE outside a prune, and INSERT anywhere but right after the last entry). Each entry
 * carries the hash of the one before it and its own:
 *   hash = BLAKE2b-256 ("chevet-audit-v1\0" || prev_hash || seq (8 bytes, big-endian) ||
 *                       time || account || action || patient || outcome || detail)
 * each text field as a 4-byte big-endian length then its bytes, NULL as length 0xffffffff.
 * The first entry's prev_hash is 32 zero bytes; after a prune, the chain starts from the
 * anchor (meta "audit.anchor-seq", "audit.anchor-hash": the last entry removed). A trigger
 * keeps meta "audit.head" ("<seq> <hex hash>" of the last entry) so that entries removed at
 * the end are noticed too.
 */
#define G_LOG_DOMAIN "chevet-audit"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chevet-audit.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"

#define HASH_BYTES     32
#define HASH_DOMAIN    "chevet-audit-v1"
#define PENDING_FILE   "audit-pending"
#define PENDING_MAX    (64 * 1024)
#define TIME_LEN       32

static const char * const action_codes[CHEVET_AUDIT_N_ACTIONS] = {
  [CHEVET_AUDIT_UNLOCK] = "unlock",
  [CHEVET_AUDIT_UNLOCK_FAILED] = "unlock-failed",
  [CHEVET_AUDIT_LOCK] = "lock",
  [CHEVET_AUDIT_CHART_OPEN] = "chart-open",
  [CHEVET_AUDIT_SEARCH] = "search",
  [CHEVET_AUDIT_PRINT] = "print",
  [CHEVET_AUDIT_EXPORT] = "export",
  [CHEVET_AUDIT_SYNC] = "sync",
  [CHEVET_AUDIT_OUTBOX_SEND] = "outbox-send",
  [CHEVET_AUDIT_ACCOUNT] = "account",
  [CHEVET_AUDIT_SETTINGS] = "settings",
  [CHEVET_AUDIT_BREAK_GLASS] = "break-glass",
  [CHEVET_AUDIT_AUDIT_EXPORT] = "audit-export",
  [CHEVET_AUDIT_AUDIT_PRUNE] = "audit-prune",
  [CHEVET_AUDIT_AUDIT_VIEW] = "audit-view",
};

const char *
chevet_audit_action_to_code (ChevetAuditAction action)
{
  g_return_val_if_fail ((guint) action < CHEVET_AUDIT_N_ACTIONS, NULL);
  return action_codes[action];
}

const char *
chevet_audit_outcome_to_code (ChevetAuditOutcome outcome)
{
  switch (outcome)
    {
    case CHEVET_AUDIT_SUCCESS:
      return "success";
    case CHEVET_AUDIT_FAILURE:
      return "failure";
    case CHEVET_AUDIT_DENIED:
      return "denied";
    default:
      g_return_val_if_reached (NULL);
    }
}

/* What an administrator reads in the audit view and `audit list`. */
static const char * const action_words[CHEVET_AUDIT_N_ACTIONS] = {
  [CHEVET_AUDIT_UNLOCK] = N_("Unlocked"),
  [CHEVET_AUDIT_UNLOCK_FAILED] = N_("Failed unlock"),
  [CHEVET_AUDIT_LOCK] = N_("Locked"),
  [CHEVET_AUDIT_CHART_OPEN] = N_("Opened chart"),
  [CHEVET_AUDIT_SEARCH] = N_("Searched"),
  [CHEVET_AUDIT_PRINT] = N_("Printed chart"),
  [CHEVET_AUDIT_EXPORT] = N_("Exported chart"),
  [CHEVET_AUDIT_SYNC] = N_("Synced"),
  [CHEVET_AUDIT_OUTBOX_SEND] = N_("Sent to server"),
  [CHEVET_AUDIT_ACCOUNT] = N_("Changed accounts"),
  [CHEVET_AUDIT_SETTINGS] = N_("Changed settings"),
  [CHEVET_AUDIT_BREAK_GLASS] = N_("Break-the-glass access"),
  [CHEVET_AUDIT_AUDIT_EXPORT] = N_("Exported audit trail"),
  [CHEVET_AUDIT_AUDIT_PRUNE] = N_("Removed old audit entries"),
  [CHEVET_AUDIT_AUDIT_VIEW] = N_("Viewed audit trail"),
};

const char *
chevet_audit_action_describe (const char *code)
{
  g_return_val_if_fail (code != NULL, NULL);

  for (guint i = 0; i < CHEVET_AUDIT_N_ACTIONS; i++)
    {
      /* An action added without words shows its code rather than nothing. */
      if (g_str_equal (action_codes[i], code))
        return action_words[i] != NULL ? _(action_words[i]) : code;
    }
  return code;  /* an action of a newer version: its code is better than nothing */
}

const char *
chevet_audit_outcome_describe (const char *code)
{
  g_return_val_if_fail (code != NULL, NULL);

  if (g_str_equal (code, "success"))
    return C_("audit outcome", "Success");
  if (g_str_equal (code, "failure"))
    return C_("audit outcome", "Failed");
  if (g_str_equal (code, "denied"))
    return C_("audit outcome", "Denied");
  return code;
}

static gboolean is_time (const char *text);

/* ------------------------------------------------------------------ hashing */

static void
format_time (gint64  usec,
             char   *out)
{
  time_t secs = (time_t) (usec / G_USEC_PER_SEC);
  struct tm tm;

  gmtime_r (&secs, &tm);
  g_snprintf (out, TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
              (int) ((usec % G_USEC_PER_SEC) / 1000));
}

char *
chevet_audit_format_time (GDateTime *time)
{
  char text[TIME_LEN];

  g_return_val_if_fail (time != NULL, NULL);

  format_time (g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time), text);
  return g_strdup (text);
}

static void
hash_field (crypto_generichash_state *state,
            const char               *text,
            int                       len)
{
  guint32 n = text == NULL ? G_MAXUINT32 : (guint32) len;
  guint8 be[4] = { n >> 24, n >> 16, n >> 8, n };

  crypto_generichash_update (state, be, sizeof be);
  if (text != NULL)
    crypto_generichash_update (state, (const guint8 *) text, len);
}

/* @fields: time, account, action, patient, outcome, detail; @lens their byte lengths. */
static void
entry_hash (const guint8 *prev_hash,
            gint64        seq,
            const char  **fields,
            const int    *lens,
            guint8       *out)
{
  crypto_generichash_state state;
  guint8 be[8];

  for (int i = 0; i < 8; i++)
    be[i] = (guint8) ((guint64) seq >> (56 - 8 * i));
  crypto_generichash_init (&state, NULL, 0, HASH_BYTES);
  crypto_generichash_update (&state, (const guint8 *) HASH_DOMAIN, sizeof HASH_DOMAIN);
  crypto_generichash_update (&state, prev_hash, HASH_BYTES);
  crypto_generichash_update (&state, be, sizeof be);
  for (int i = 0; i < 6; i++)
    hash_field (&state, fields[i], lens[i]);
  crypto_generichash_final (&state, out, HASH_BYTES);
}

/* ------------------------------------------------------------------ transactions */

static gboolean
begin (ChevetStore  *store,
       GError      **error)
{
  sqlite3_stmt *stmt = chevet_store_prepare (store, "BEGIN IMMEDIATE", error);

  return stmt != NULL && chevet_store_step_done (store, stmt, error);
}

static gboolean
commit_or_rollback (ChevetStore  *store,
                    gboolean      ok,
                    GError      **error)
{
  sqlite3_stmt *stmt;

  if (ok && (stmt = chevet_store_prepare (store, "COMMIT", error)) != NULL &&
      chevet_store_step_done (store, stmt, error))
    return TRUE;
  sqlite3_exec (chevet_store_get_db (store), "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* ------------------------------------------------------------------ anchor, head */

static gboolean
parse_hex_hash (const char *hex,
                guint8     *out)
{
  size_t len = 0;

  return hex != NULL && strlen (hex) == HASH_BYTES * 2 &&
         sodium_hex2bin (out, HASH_BYTES, hex, HASH_BYTES * 2, NULL, &len, NULL) == 0 &&
         len == HASH_BYTES;
}

/* The anchor: seq 0 and zeros when nothing was ever pruned. */
static gboolean
read_anchor (ChevetStore  *store,
             gint64       *seq,
             guint8       *hash,
             GError      **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *seq_text = chevet_store_dup_meta (store, "audit.anchor-seq", &local);
  g_autofree char *hash_text = NULL;

  *seq = 0;
  memset (hash, 0, HASH_BYTES);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (seq_text == NULL)
    return TRUE;
  hash_text = chevet_store_dup_meta (store, "audit.anchor-hash", error);
  *seq = g_ascii_strtoll (seq_text, NULL, 10);
  if (*seq <= 0 || !parse_hex_hash (hash_text, hash))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                   _("The audit trail’s starting point is damaged"));
      return FALSE;
    }
  return TRUE;
}

/* The last entry's seq and hash, or the anchor's when the table is empty. */
static gboolean
read_tail (ChevetStore  *store,
           gint64       *seq,
           guint8       *hash,
           GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = chevet_store_prepare (store, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gboolean ok = sqlite3_column_bytes (stmt, 1) == HASH_BYTES;

      *seq = sqlite3_column_int64 (stmt, 0);
      if (ok)
        memcpy (hash, sqlite3_column_blob (stmt, 1), HASH_BYTES);
      sqlite3_reset (stmt);
      if (!ok)
        g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                     _("The last entry of the audit trail is damaged"));
      return ok;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return FALSE;
    }
  return read_anchor (store, seq, hash, error);
}

/* ------------------------------------------------------------------ append */

/* Inside the caller's transaction. */
static gboolean
append_entry (ChevetStore *store,
              const char  *time_text,
              const char  *account,
              const char  *action,
              const char  *patient,
              const char  *outcome,
              const char  *detail,
              GError     **error)
{
  const char *fields[6] = { time_text, account, action, patient, outcome, detail };
  int lens[6];
  guint8 prev[HASH_BYTES], hash[HASH_BYTES];
  sqlite3_stmt *stmt;
  gint64 seq;

  if (!read_tail (store, &seq, prev, error))
    return FALSE;
  seq++;
  for (int i = 0; i < 6; i++)
    lens[i] = fields[i] != NULL ? (int) strlen (fields[i]) : 0;
  entry_hash (prev, seq, fields, lens, hash);

  stmt = chevet_store_prepare (store,
                               "INSERT INTO audit (seq, time, account, action, patient, outcome, "
                               "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  for (int i = 0; i < 6; i++)
    {
      if (fields[i] != NULL)
        sqlite3_bind_text (stmt, 2 + i, fields[i], lens[i], SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 2 + i);
    }
  sqlite3_bind_blob (stmt, 8, prev, HASH_BYTES, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 9, hash, HASH_BYTES, SQLITE_STATIC);
  return chevet_store_step_done (store, stmt, error);
}

gboolean
chevet_audit_append (ChevetStore         *store,
                     ChevetAuditAction    action,
                     const char          *patient_id,
                     ChevetAuditOutcome   outcome,
                     const char          *detail,
                     GError             **error)
{
  char now[TIME_LEN];
  gboolean own, ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail ((guint) action < CHEVET_AUDIT_N_ACTIONS, FALSE);

  format_time (g_get_real_time (), now);
  own = sqlite3_get_autocommit (chevet_store_get_db (store));
  if (own && !begin (store, error))
    return FALSE;
  ok = append_entry (store, now, chevet_store_get_account (store), action_codes[action],
                     patient_id, chevet_audit_outcome_to_code (outcome), detail, error);
  if (own)
    ok = commit_or_rollback (store, ok, error);
  return ok;
}

gboolean
chevet_audit_append_for_testing (ChevetStore         *store,
                                 const char          *time,
                                 const char          *account,
                                 ChevetAuditAction    action,
                                 const char          *patient_id,
                                 ChevetAuditOutcome   outcome,
                                 const char          *detail,
                                 GError             **error)
{
  gboolean own, ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (time != NULL && is_time (time), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);
  g_return_val_if_fail ((guint) action < CHEVET_AUDIT_N_ACTIONS, FALSE);

  own = sqlite3_get_autocommit (chevet_store_get_db (store));
  if (own && !begin (store, error))
    return FALSE;
  ok = append_entry (store, time, account, action_codes[action], patient_id,
                     chevet_audit_outcome_to_code (outcome), detail, error);
  if (own)
    ok = commit_or_rollback (store, ok, error);
  return ok;
}

gboolean
chevet_audit_chart_opened (ChevetStore  *store,
                           const char   *patient_id,
                           GError      **error)
{
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  if (!begin (store, error))
    return FALSE;
  ok = chevet_store_touch_recent (store, patient_id, error) &&
       chevet_audit_append (store, CHEVET_AUDIT_CHART_OPEN, patient_id, CHEVET_AUDIT_SUCCESS,
                            NULL, error);
  return commit_or_rollback (store, ok, error);
}

/* ------------------------------------------------------------------ break the glass */

G_DEFINE_QUARK (chevet-audit-error-quark, chevet_audit_error)

static const struct
{
  const char *code;
  const char *label;
} break_glass_categories[CHEVET_AUDIT_N_BREAK_GLASS_CATEGORIES] = {
  { "emergency", N_("Emergency care") },
  /* continuity of care */
  { "care", N_("Patient under my care") },
  { "consent", N_("Patient’s consent") },
  { "other", N_("Other reason") },
};

const char *
chevet_audit_break_glass_category_code (guint index)
{
  return index < G_N_ELEMENTS (break_glass_categories) ? break_glass_categories[index].code : NULL;
}

const char *
chevet_audit_break_glass_category_label (guint index)
{
  return index < G_N_ELEMENTS (break_glass_categories) ? _(break_glass_categories[index].label) : NULL;
}

/* Words: runs of letters or digits ("I.C.U." counts three, which is fine). */
static guint
count_words (const char *text)
{
  gboolean in_word = FALSE;
  guint n = 0;

  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean alnum = g_unichar_isalnum (g_utf8_get_char (p));

      if (alnum && !in_word)
        n++;
      in_word = alnum;
    }
  return n;
}

gboolean
chevet_audit_check_break_glass (const char  *category,
                                const char  *reason,
                                GError     **error)
{
  gboolean known = FALSE;
  guint words;

  for (guint i = 0; i < G_N_ELEMENTS (break_glass_categories); i++)
    known = known || g_strcmp0 (category, break_glass_categories[i].code) == 0;
  if (!known)
    {
      /* The category is one of our codes or a typo on a command line, never patient data. */
      g_set_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_UNKNOWN_CATEGORY,
                   _("“%s” is not a reason category: use emergency, care, consent or other"),
                   category != NULL ? category : "");
      return FALSE;
    }
  if (reason != NULL && !g_utf8_validate (reason, -1, NULL))
    reason = NULL;
  words = count_words (reason);
  if (words == 0)
    {
      g_set_error_literal (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_NO_REASON,
                           _("Say why you need this restricted record: the reason is recorded and reviewed"));
      return FALSE;
    }
  if (g_str_equal (category, "other") && words < CHEVET_AUDIT_OTHER_MIN_WORDS)
    {
      g_set_error (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_NO_REASON,
                   g_dngettext (GETTEXT_PACKAGE,
                                "With “Other reason”, explain why in at least %d word",
                                "With “Other reason”, explain why in at least %d words",
                                CHEVET_AUDIT_OTHER_MIN_WORDS),
                   CHEVET_AUDIT_OTHER_MIN_WORDS);
      return FALSE;
    }
  return TRUE;
}

#define BREAK_GLASS_CATEGORY "category="
#define BREAK_GLASS_REASON   " reason="

gboolean
chevet_audit_parse_break_glass_detail (const char  *detail,
                                       char       **category,
                                       char       **reason)
{
  const char *start, *end;

  if (detail == NULL || !g_str_has_prefix (detail, BREAK_GLASS_CATEGORY))
    return FALSE;
  start = detail + strlen (BREAK_GLASS_CATEGORY);
  /* The category is a code without spaces; the reason is everything after it. */
  end = strstr (start, BREAK_GLASS_REASON);
  if (end == NULL || memchr (start, ' ', end - start) != NULL)
    return FALSE;
  if (category != NULL)
    *category = g_strndup (start, end - start);
  if (reason != NULL)
    *reason = g_strdup (end + strlen (BREAK_GLASS_REASON));
  return TRUE;
}

gboolean
chevet_audit_check_chart_access (ChevetStore  *store,
                                 const char   *patient_id,
                                 gboolean      granted,
                                 GError      **error)
{
  g_autoptr(ChevetPatient) patient = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  if (granted)
    return TRUE;
  patient = chevet_store_dup_patient (store, patient_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (patient == NULL || !chevet_patient_is_restricted (patient))
    return TRUE;
  /* Someone went past the barrier's place: the attempt itself is worth reviewing. */
  if (!chevet_audit_append (store, CHEVET_AUDIT_CHART_OPEN, patient_id, CHEVET_AUDIT_DENIED,
                            "restricted", error))
    return FALSE;
  g_set_error_literal (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_RESTRICTED,
                       _("This record is restricted: it opens only with a reason, which is recorded and reviewed"));
  return FALSE;
}

gboolean
chevet_audit_break_glass (ChevetStore  *store,
                          const char   *patient_id,
                          const char   *category,
                          const char   *reason,
                          GError      **error)
{
  g_autofree char *stripped = NULL;
  g_autofree char *detail = NULL;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  if (!chevet_audit_check_break_glass (category, reason, error))
    return FALSE;
  stripped = g_strstrip (g_strdup (reason));
  detail = g_strconcat (BREAK_GLASS_CATEGORY, category, BREAK_GLASS_REASON, stripped, NULL);

  if (!begin (store, error))
    return FALSE;
  ok = chevet_audit_append (store, CHEVET_AUDIT_BREAK_GLASS, patient_id, CHEVET_AUDIT_SUCCESS,
                            detail, error) &&
       chevet_store_touch_recent (store, patient_id, error) &&
       chevet_audit_append (store, CHEVET_AUDIT_CHART_OPEN, patient_id, CHEVET_AUDIT_SUCCESS,
                            "break-glass", error);
  return commit_or_rollback (store, ok, error);
}

gboolean
chevet_audit_searched (ChevetStore  *store,
                       gint64        n_results,
                       GError      **error)
{
  char detail[32];

  g_snprintf (detail, sizeof detail, "results=%" G_GINT64_FORMAT, n_results);
  return chevet_audit_append (store, CHEVET_AUDIT_SEARCH, NULL, CHEVET_AUDIT_SUCCESS, detail, error);
}

/* ------------------------------------------------------------------ failed unlocks */

static gboolean
is_reason (const char *reason)
{
  return g_strcmp0 (reason, "wrong-passphrase") == 0 || g_strcmp0 (reason, "unknown-account") == 0 ||
         g_strcmp0 (reason, "role") == 0;
}

/* An account name as typed: at most 64 bytes of UTF-8, no tab, line break or control. */
static char *
sanitize_account (const char *account)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (account == NULL || !g_utf8_validate (account, -1, NULL))
    return g_strdup ("?");
  for (const char *p = account; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (out->len + 6 > 64)
        break;
      if (g_unichar_iscntrl (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
chevet_audit_note_failed_unlock (const char  *workspace_path,
                                 const char  *account,
                                 const char  *reason,
                                 GError     **error)
{
  g_autofree char *file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *line = NULL;
  char now[TIME_LEN];
  struct stat st;
  ssize_t written;
  int fd, saved_errno;

  g_return_val_if_fail (workspace_path != NULL, FALSE);
  g_return_val_if_fail (is_reason (reason), FALSE);

  if (!g_file_test (workspace_path, G_FILE_TEST_IS_DIR))
    return TRUE;  /* no workspace there: nothing to audit */
  file = g_build_filename (workspace_path, PENDING_FILE, NULL);
  fd = g_open (file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    goto failed;
  /* Bounded: someone trying passphrases all night must not fill the disk. */
  if (fstat (fd, &st) == 0 && st.st_size >= PENDING_MAX)
    {
      close (fd);
      g_debug ("failed unlock not noted: the pending file is full");
      return TRUE;
    }
  format_time (g_get_real_time (), now);
  name = sanitize_account (account);
  line = g_strdup_printf ("%s\t%s\t%s\n", now, reason, name);
  written = write (fd, line, strlen (line));
  saved_errno = errno;
  if (close (fd) != 0 || written != (ssize_t) strlen (line))
    {
      errno = saved_errno;
      goto failed;
    }
  return TRUE;

failed:
  saved_errno = errno;
  g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
               _("Could not note a failed unlock: %s"), g_strerror (saved_errno));
  return FALSE;
}

static gboolean
is_time (const char *text)
{
  /* 2026-11-28T14:21:07.123Z */
  return strlen (text) == 24 && text[4] == '-' && text[10] == 'T' && text[23] == 'Z';
}

gboolean
chevet_audit_unlocked (ChevetStore  *store,
                       GError      **error)
{
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *done = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len = 0;
  guint n_failed = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  file = g_build_filename (chevet_store_get_path (store), PENDING_FILE, NULL);
  if (g_file_get_contents (file, &contents, &len, NULL) && len <= PENDING_MAX + 4096)
    {
      guint8 raw[HASH_BYTES];
      char hex[HASH_BYTES * 2 + 1];

      crypto_generichash (raw, HASH_BYTES, (const guint8 *) contents, len, NULL, 0);
      digest = g_strdup (sodium_bin2hex (hex, sizeof hex, raw, HASH_BYTES));
      lines = g_strsplit (contents, "\n", -1);
    }

  if (!begin (store, error))
    return FALSE;
  /* A crash between the commit and the unlink must not record the same failures twice. */
  if (digest != NULL)
    done = chevet_store_dup_meta (store, "audit.pending-digest", NULL);
  if (lines != NULL && g_strcmp0 (done, digest) != 0)
    {
      for (guint i = 0; ok && lines[i] != NULL; i++)
        {
          g_auto(GStrv) f = g_strsplit (lines[i], "\t", 3);
          g_autofree char *name = NULL;
          char now[TIME_LEN];

          if (g_strv_length (f) != 3 || !is_reason (f[1]))
            continue;
          if (!is_time (f[0]))
            format_time (g_get_real_time (), now);
          name = sanitize_account (f[2]);
          /* When it happened: time is the attempt's, seq the order recorded. */
          ok = append_entry (store, is_time (f[0]) ? f[0] : now, name,
                             action_codes[CHEVET_AUDIT_UNLOCK_FAILED], NULL,
                             chevet_audit_outcome_to_code (CHEVET_AUDIT_DENIED), f[1], error);
          n_failed++;
        }
      ok = ok && chevet_store_set_meta (store, "audit.pending-digest", digest, error);
    }
  ok = ok && chevet_audit_append (store, CHEVET_AUDIT_UNLOCK, NULL, CHEVET_AUDIT_SUCCESS, NULL, error);
  if (!commit_or_rollback (store, ok, error))
    return FALSE;
  if (contents != NULL)
    g_unlink (file);
  if (n_failed > 0)
    g_debug ("%u failed unlocks recorded", n_failed);
  return TRUE;
}

/* ------------------------------------------------------------------ verify */

static gboolean
read_head (ChevetStore  *store,
           gint64       *seq,
           guint8       *hash,
           GError      **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *head = chevet_store_dup_meta (store, "audit.head", &local);
  char *end = NULL;

  *seq = -1;
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (head == NULL)
    return TRUE;
  *seq = g_ascii_strtoll (head, &end, 10);
  if (end == NULL || *end != ' ' || !parse_hex_hash (end + 1, hash))
    *seq = G_MAXINT64;  /* unreadable: reported as a broken end */
  return TRUE;
}

gboolean
chevet_audit_verify (ChevetStore        *store,
                     ChevetAuditReport  *report,
                     GError            **error)
{
  guint8 prev[HASH_BYTES], hash[HASH_BYTES], head_hash[HASH_BYTES];
  sqlite3_stmt *stmt;
  gint64 expected, head_seq;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  memset (report, 0, sizeof *report);
  /* One read transaction: a consistent snapshot while other connections append. */
  if (!chevet_store_exec (store, "BEGIN", error))
    return FALSE;
  if (!read_anchor (store, &expected, prev, error) ||
      !read_head (store, &head_seq, head_hash, error))
    goto fail;
  expected++;

  stmt = chevet_store_prepare (store,
                               "SELECT seq, time, account, action, patient, outcome, detail, "
                               "prev_hash, hash FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *fields[6];
      int lens[6];
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const guint8 *row_prev = sqlite3_column_blob (stmt, 7);
      const guint8 *row_hash;

      report->n_entries++;
      if (report->first_seq == 0)
        report->first_seq = seq;
      report->last_seq = seq;
      if (seq > expected)
        {
          report->problem = CHEVET_AUDIT_MISSING;
          report->bad_seq = expected;
          break;
        }
      for (int i = 0; i < 6; i++)
        {
          fields[i] = (const char *) sqlite3_column_text (stmt, 1 + i);
          lens[i] = sqlite3_column_bytes (stmt, 1 + i);
        }
      row_hash = sqlite3_column_blob (stmt, 8);
      if (seq < expected || sqlite3_column_bytes (stmt, 7) != HASH_BYTES ||
          sqlite3_column_bytes (stmt, 8) != HASH_BYTES)
        {
          report->problem = CHEVET_AUDIT_BAD_HASH;
          report->bad_seq = seq;
          break;
        }
      entry_hash (row_prev, seq, fields, lens, hash);
      if (sodium_memcmp (hash, row_hash, HASH_BYTES) != 0)
        {
          report->problem = CHEVET_AUDIT_BAD_HASH;
          report->bad_seq = seq;
          break;
        }
      if (sodium_memcmp (row_prev, prev, HASH_BYTES) != 0)
        {
          report->problem = CHEVET_AUDIT_BAD_LINK;
          report->bad_seq = seq;
          break;
        }
      memcpy (prev, row_hash, HASH_BYTES);
      expected++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      goto fail;
    }

  /* The end: the head written with the last entry must be the last entry read. */
  if (report->problem == CHEVET_AUDIT_INTACT &&
      (head_seq != expected - 1 ||
       (head_seq > 0 && sodium_memcmp (head_hash, prev, HASH_BYTES) != 0)))
    {
      if (head_seq == -1 && expected == 1)
        ;  /* never written: an empty trail */
      else if (head_seq == expected - 1)
        {
          report->problem = CHEVET_AUDIT_BAD_HASH;
          report->bad_seq = head_seq;
        }
      else
        {
          report->problem = CHEVET_AUDIT_TRUNCATED;
          report->bad_seq = expected;
        }
    }
  sodium_bin2hex (report->head_hash, sizeof report->head_hash, prev, HASH_BYTES);
  sqlite3_exec (chevet_store_get_db (store), "COMMIT", NULL, NULL, NULL);
  g_debug ("audit verify: %" G_GUINT64_FORMAT " entries, problem %d at seq %" G_GINT64_FORMAT,
           report->n_entries, report->problem, report->bad_seq);
  return TRUE;

fail:
  sqlite3_exec (chevet_store_get_db (store), "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

char *
chevet_audit_report_describe (const ChevetAuditReport *report)
{
  g_return_val_if_fail (report != NULL, NULL);

  switch (report->problem)
    {
    case CHEVET_AUDIT_INTACT:
      if (report->n_entries == 0)
        return g_strdup (_("The audit trail is intact: it has no entries"));
      return g_strdup_printf (_("The audit trail is intact: %llu entries, %lld to %lld, last hash %s"),
                              (unsigned long long) report->n_entries, (long long) report->first_seq,
                              (long long) report->last_seq,
                              report->head_hash);
    case CHEVET_AUDIT_BAD_HASH:
      return g_strdup_printf (_("The audit trail is broken at entry %lld: it does not match its hash "
                                "(edited, moved or inserted)"), (long long) report->bad_seq);
    case CHEVET_AUDIT_BAD_LINK:
      return g_strdup_printf (_("The audit trail is broken at entry %lld: it does not follow the entry "
                                "before it (an entry was inserted, removed or rewritten before it)"),
                              (long long) report->bad_seq);
    case CHEVET_AUDIT_MISSING:
      return g_strdup_printf (_("The audit trail is broken at entry %lld: it is missing (deleted)"),
                              (long long) report->bad_seq);
    case CHEVET_AUDIT_TRUNCATED:
      return g_strdup_printf (_("The audit trail is broken at entry %lld: it and the entries after it "
                                "are missing (deleted)"), (long long) report->bad_seq);
    default:
      g_return_val_if_reached (NULL);
    }
}

/* ------------------------------------------------------------------ reading, export */

/* Hands each row (seq, time, account, action, patient, outcome, detail) of @stmt to
 * @func, until the end, @func's FALSE or an SQL error. */
static gboolean
step_entries (ChevetStore      *store,
              sqlite3_stmt     *stmt,
              ChevetAuditFunc   func,
              gpointer          user_data,
              GError          **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ChevetAuditEntry entry = {
        sqlite3_column_int64 (stmt, 0),
        (const char *) sqlite3_column_text (stmt, 1),
        (const char *) sqlite3_column_text (stmt, 2),
        (const char *) sqlite3_column_text (stmt, 3),
        (const char *) sqlite3_column_text (stmt, 4),
        (const char *) sqlite3_column_text (stmt, 5),
        (const char *) sqlite3_column_text (stmt, 6),
      };

      if (!func (&entry, user_data, error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
chevet_audit_foreach (ChevetStore      *store,
                      gint64            after_seq,
                      guint64           limit,
                      ChevetAuditFunc   func,
                      gpointer          user_data,
                      GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  stmt = chevet_store_prepare (store,
                               "SELECT seq, time, account, action, patient, outcome, detail "
                               "FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) MIN (limit, (guint64) G_MAXINT64) : -1);
  ok = step_entries (store, stmt, func, user_data, error);
  sqlite3_reset (stmt);
  return ok;
}

/* ------------------------------------------------------------------ the audit view */

/* Appends the WHERE clause of @filter to @sql. FALSE when nothing can match (an empty
 * list of patients). The statement is built for each filter, not cached: which columns
 * are constrained decides which index SQLite takes (schema 9), and a constant statement
 * with "? IS NULL OR" for every field would take none. */
static gboolean
filter_where (const ChevetAuditFilter *filter,
              GString                 *sql)
{
  const char *glue = " WHERE ";
  /* A patient's entries are always the fewest: with a patient, the other columns are
   * written "+column" so that SQLite cannot take their index instead (without ANALYZE it
   * took (account, time) for patient + account + period and read a million entries). */
  const char *other = "";

  if (filter == NULL)
    return TRUE;
  if (filter->patient_ids != NULL)
    {
      other = "+";
      if (filter->patient_ids[0] == NULL)
        return FALSE;
      g_string_append_printf (sql, "%spatient IN (?", glue);
      for (guint i = 1; filter->patient_ids[i] != NULL; i++)
        g_string_append (sql, ", ?");
      g_string_append_c (sql, ')');
      glue = " AND ";
    }
#define CONSTRAIN(field, test) \
  if (filter->field != NULL) \
    { \
      g_string_append_printf (sql, "%s%s" test, glue, other); \
      glue = " AND "; \
    }
  CONSTRAIN (account, "account = ?")
  CONSTRAIN (action, "action = ?")
  CONSTRAIN (from, "time >= ?")
  CONSTRAIN (to, "time <= ?")
#undef CONSTRAIN
  if (filter->max_seq > 0)
    g_string_append_printf (sql, "%sseq <= ?", glue);
  return TRUE;
}

/* Binds @filter's values from parameter 1 in the order of filter_where; returns the next
 * parameter's index. */
static int
filter_bind (const ChevetAuditFilter *filter,
             sqlite3_stmt            *stmt)
{
  int n = 1;

  if (filter == NULL)
    return n;
  if (filter->patient_ids != NULL)
    {
      for (guint i = 0; filter->patient_ids[i] != NULL; i++)
        sqlite3_bind_text (stmt, n++, filter->patient_ids[i], -1, SQLITE_STATIC);
    }
  if (filter->account != NULL)
    sqlite3_bind_text (stmt, n++, filter->account, -1, SQLITE_STATIC);
  if (filter->action != NULL)
    sqlite3_bind_text (stmt, n++, filter->action, -1, SQLITE_STATIC);
  if (filter->from != NULL)
    sqlite3_bind_text (stmt, n++, filter->from, -1, SQLITE_STATIC);
  if (filter->to != NULL)
    sqlite3_bind_text (stmt, n++, filter->to, -1, SQLITE_STATIC);
  if (filter->max_seq > 0)
    sqlite3_bind_int64 (stmt, n++, filter->max_seq);
  return n;
}

static sqlite3_stmt *
prepare_once (ChevetStore  *store,
              const char   *sql,
              GError      **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (chevet_store_get_db (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      chevet_store_set_sql_error (store, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Reading, exporting and pruning the trail are for administrators (the audit view, the
 * CLI); the sync engine sends it as whoever unlocked, through chevet_audit_foreach. */
gboolean
chevet_audit_check_administrator (ChevetStore  *store,
                                  GError      **error)
{
  if (chevet_store_get_role (store) == CHEVET_ROLE_ADMINISTRATOR)
    return TRUE;
  g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
               _("Only administrators can read, export or prune the audit trail"));
  return FALSE;
}

gboolean
chevet_audit_query (ChevetStore              *store,
                    const ChevetAuditFilter  *filter,
                    guint64                   offset,
                    guint64                   limit,
                    ChevetAuditFunc           func,
                    gpointer                  user_data,
                    GError                  **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT seq, time, account, action, patient, outcome, detail "
                                         "FROM audit");
  sqlite3_stmt *stmt;
  gboolean ok;
  int n;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (!chevet_audit_check_administrator (store, error))
    return FALSE;
  if (!filter_where (filter, sql))
    return TRUE;
  /* Newest first by when it happened: failed unlocks are recorded at the next unlock with
   * their own, earlier, times. Every index of schema 9 ends in time (then seq, the
   * rowid), so one constrained column and this order need no sort. */
  g_string_append (sql, " ORDER BY time DESC, seq DESC LIMIT ? OFFSET ?");
  stmt = prepare_once (store, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  n = filter_bind (filter, stmt);
  sqlite3_bind_int64 (stmt, n, limit > 0 ? (gint64) MIN (limit, (guint64) G_MAXINT64) : -1);
  sqlite3_bind_int64 (stmt, n + 1, (gint64) MIN (offset, (guint64) G_MAXINT64));
  ok = step_entries (store, stmt, func, user_data, error);
  sqlite3_finalize (stmt);
  return ok;
}

gint64
chevet_audit_count (ChevetStore              *store,
                    const ChevetAuditFilter  *filter,
                    GError                  **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT count(*) FROM audit");
  sqlite3_stmt *stmt;
  gint64 n = -1;

  g_return_val_if_fail (CHEVET_IS_STORE (store), -1);

  if (!filter_where (filter, sql))
    return 0;
  stmt = prepare_once (store, sql->str, error);
  if (stmt == NULL)
    return -1;
  filter_bind (filter, stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    chevet_store_set_sql_error (store, error);
  sqlite3_finalize (stmt);
  return n;
}

char **
chevet_audit_dup_accounts (ChevetStore  *store,
                           GError      **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  /* One index seek per account (audit_by_account) rather than DISTINCT, which would read
   * every entry of a trail of millions for a handful of names. */
  stmt = chevet_store_prepare (store,
                               "WITH RECURSIVE a (name) AS ("
                               "  SELECT min (account) FROM audit"
                               "  UNION ALL"
                               "  SELECT (SELECT min (account) FROM audit WHERE account > a.name)"
                               "  FROM a WHERE a.name IS NOT NULL)"
                               "SELECT name FROM a WHERE name IS NOT NULL", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return NULL;
    }
  return g_strv_builder_end (builder);
}

gint64
chevet_audit_get_last_seq (ChevetStore  *store,
                           GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 seq = 0;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), -1);

  stmt = chevet_store_prepare (store, "SELECT max (seq) FROM audit", error);
  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      chevet_store_set_sql_error (store, error);
      return -1;
    }
  return seq;
}

#define DCM  "http://dicom.nema.org/resources/ontology/DCM"

typedef struct
{
  const char *type_code;
  const char *type_display;
  const char *subtype_system;
  const char *subtype_code;
  const char *subtype_display;
  const char *action;         /* C R U D E */
} FhirMapping;

/* DICOM audit event types (PS3.15 A.5, as IHE ATNA and BALP use them). */
static const FhirMapping fhir_mappings[CHEVET_AUDIT_N_ACTIONS] = {
  [CHEVET_AUDIT_UNLOCK] = { "110114", "User Authentication", DCM, "110122", "Login", "E" },
  [CHEVET_AUDIT_UNLOCK_FAILED] = { "110114", "User Authentication", DCM, "110122", "Login", "E" },
  [CHEVET_AUDIT_LOCK] = { "110114", "User Authentication", DCM, "110123", "Logout", "E" },
  [CHEVET_AUDIT_CHART_OPEN] = { "110110", "Patient Record", "http://hl7.org/fhir/restful-interaction", "read", "read", "R" },
  [CHEVET_AUDIT_SEARCH] = { "110112", "Query", "http://hl7.org/fhir/restful-interaction", "search-type", "search-type", "E" },
  [CHEVET_AUDIT_PRINT] = { "110106", "Export", NULL, NULL, NULL, "R" },
  [CHEVET_AUDIT_EXPORT] = { "110106", "Export", NULL, NULL, NULL, "R" },
  [CHEVET_AUDIT_SYNC] = { "110107", "Import", NULL, NULL, NULL, "E" },
  [CHEVET_AUDIT_OUTBOX_SEND] = { "110106", "Export", NULL, NULL, NULL, "C" },
  [CHEVET_AUDIT_ACCOUNT] = { "110137", "User Security Attributes Changed", NULL, NULL, NULL, "U" },
  [CHEVET_AUDIT_SETTINGS] = { "110100", "Application Activity", NULL, NULL, NULL, "U" },
  [CHEVET_AUDIT_BREAK_GLASS] = { "110113", "Security Alert", NULL, NULL, NULL, "E" },
  [CHEVET_AUDIT_AUDIT_EXPORT] = { "110101", "Audit Log Used", NULL, NULL, NULL, "R" },
  [CHEVET_AUDIT_AUDIT_PRUNE] = { "110101", "Audit Log Used", NULL, NULL, NULL, "D" },
  [CHEVET_AUDIT_AUDIT_VIEW] = { "110101", "Audit Log Used", NULL, NULL, NULL, "R" },
};

static void
add_coding (JsonBuilder *b,
            const char  *system,
            const char  *code,
            const char  *display)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "system");
  json_builder_add_string_value (b, system);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  if (display != NULL)
    {
      json_builder_set_member_name (b, "display");
      json_builder_add_string_value (b, display);
    }
  json_builder_end_object (b);
}

static void
add_detail (JsonBuilder *b,
            const char  *type,
            const char  *value)
{
  json_builder_set_member_name (b, "detail");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "valueString");
  json_builder_add_string_value (b, value);
  json_builder_end_object (b);
  json_builder_end_array (b);
}

/* @workspace_id NULL: the export's form, with a local id. Otherwise the form sent to a
 * server: no id (the server assigns it; some refuse one on a create), a meta.tag naming
 * the entry (the key of a conditional create, so a batch resent after a lost answer adds
 * nothing) and the workspace as the observer's identifier. */
static char *
entry_to_fhir (const ChevetAuditEntry *entry,
               const char             *workspace_id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *id = NULL;
  g_autofree char *category = NULL;
  const FhirMapping *map = NULL;
  gboolean breaks_glass;

  g_assert (entry != NULL);

  for (guint i = 0; i < CHEVET_AUDIT_N_ACTIONS; i++)
    {
      if (g_strcmp0 (action_codes[i], entry->action) == 0)
        map = &fhir_mappings[i];
    }
  if (map == NULL)
    map = &fhir_mappings[CHEVET_AUDIT_SETTINGS];  /* an action of a newer version */
  breaks_glass = g_strcmp0 (entry->action, action_codes[CHEVET_AUDIT_BREAK_GLASS]) == 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "resourceType");
  json_builder_add_string_value (b, "AuditEvent");
  if (workspace_id == NULL)
    {
      id = g_strdup_printf ("chevet-audit-%" G_GINT64_FORMAT, entry->seq);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, id);
    }
  else
    {
      g_autofree char *code = chevet_audit_entry_tag_code (workspace_id, entry->seq);

      json_builder_set_member_name (b, "meta");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tag");
      json_builder_begin_array (b);
      add_coding (b, CHEVET_AUDIT_TAG_SYSTEM, code, NULL);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "type");
  add_coding (b, DCM, map->type_code, map->type_display);
  if (map->subtype_code != NULL)
    {
      json_builder_set_member_name (b, "subtype");
      json_builder_begin_array (b);
      add_coding (b, map->subtype_system, map->subtype_code, map->subtype_display);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, map->action);
  json_builder_set_member_name (b, "recorded");
  json_builder_add_string_value (b, entry->time);
  json_builder_set_member_name (b, "outcome");
  json_builder_add_string_value (b, g_strcmp0 (entry->outcome, "success") == 0 ? "0"
                                    : g_strcmp0 (entry->outcome, "denied") == 0 ? "4" : "8");
  if (g_strcmp0 (entry->outcome, "success") != 0 && entry->detail != NULL)
    {
      json_builder_set_member_name (b, "outcomeDesc");
      json_builder_add_string_value (b, entry->detail);
    }
  if (breaks_glass)
    {
      json_builder_set_member_name (b, "purposeOfEvent");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "coding");
      json_builder_begin_array (b);
      add_coding (b, "http://terminology.hl7.org/CodeSystem/v3-ActReason", "BTG", "break the glass");
      json_builder_end_array (b);
      json_builder_end_object (b);
      json_builder_end_array (b);
    }

  /* Who: the account (a workstation account, not a FHIR resource). */
  json_builder_set_member_name (b, "agent");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "who");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "identifier");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "system");
  json_builder_add_string_value (b, "urn:chevet:account");
  json_builder_set_member_name (b, "value");
  json_builder_add_string_value (b, entry->account);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "display");
  json_builder_add_string_value (b, entry->account);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "requestor");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, "Chevet");
  json_builder_set_member_name (b, "observer");
  json_builder_begin_object (b);
  if (workspace_id != NULL)
    {
      json_builder_set_member_name (b, "identifier");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "system");
      json_builder_add_string_value (b, "urn:chevet:workspace");
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, workspace_id);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "display");
  json_builder_add_string_value (b, "Chevet workstation");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_begin_array (b);
  /* R4's display for code 1 (its definition is "End-user display device, diagnostic
   * display"; validators compare the display) */
  add_coding (b, "http://terminology.hl7.org/CodeSystem/security-source-type", "1", "User Device");
  json_builder_end_array (b);
  json_builder_end_object (b);

  /* What: the patient where one applies; a query (never its text); other details. */
  if (entry->patient != NULL || entry->detail != NULL)
    {
      gboolean query = map == &fhir_mappings[CHEVET_AUDIT_SEARCH];

      json_builder_set_member_name (b, "entity");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      if (entry->patient != NULL)
        {
          g_autofree char *reference = g_strdup_printf ("Patient/%s", entry->patient);

          json_builder_set_member_name (b, "what");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "reference");
          json_builder_add_string_value (b, reference);
          json_builder_end_object (b);
          json_builder_set_member_name (b, "type");
          add_coding (b, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person");
          json_builder_set_member_name (b, "role");
          add_coding (b, "http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient");
        }
      else
        {
          json_builder_set_member_name (b, "type");
          add_coding (b, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");
          if (query)
            {
              json_builder_set_member_name (b, "role");
              add_coding (b, "http://terminology.hl7.org/CodeSystem/object-role", "24", "Query");
            }
        }
      if (breaks_glass && chevet_audit_parse_break_glass_detail (entry->detail, &category, NULL))
        {
          /* The reason is the clinician's own words and may name the patient: it stays
           * in the encrypted store, where the audit view shows it to reviewers. */
          g_autofree char *only_category = g_strconcat (BREAK_GLASS_CATEGORY, category, NULL);

          add_detail (b, "chevet-detail", only_category);
        }
      else if (entry->detail != NULL)
        add_detail (b, "chevet-detail", entry->detail);
      json_builder_end_object (b);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

char *
chevet_audit_entry_to_fhir (const ChevetAuditEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return entry_to_fhir (entry, NULL);
}

char *
chevet_audit_entry_tag_code (const char *workspace_id,
                             gint64      seq)
{
  g_return_val_if_fail (workspace_id != NULL, NULL);
  return g_strdup_printf ("%s.%" G_GINT64_FORMAT, workspace_id, seq);
}

char *
chevet_audit_entry_to_fhir_for_server (const ChevetAuditEntry *entry,
                                       const char             *workspace_id)
{
  g_return_val_if_fail (entry != NULL, NULL);
  g_return_val_if_fail (workspace_id != NULL, NULL);
  return entry_to_fhir (entry, workspace_id);
}

typedef struct
{
  GOutputStream *out;
  GCancellable  *cancellable;
  guint64        n;
} ExportData;

static gboolean
export_one (const ChevetAuditEntry  *entry,
            gpointer                 user_data,
            GError                 **error)
{
  ExportData *data = user_data;
  g_autofree char *json = chevet_audit_entry_to_fhir (entry);

  if (!g_output_stream_write_all (data->out, json, strlen (json), NULL, data->cancellable, error) ||
      !g_output_stream_write_all (data->out, "\n", 1, NULL, data->cancellable, error))
    return FALSE;
  data->n++;
  return TRUE;
}

gboolean
chevet_audit_export_fhir (ChevetStore    *store,
                          GOutputStream  *out,
                          guint64        *n_written,
                          GCancellable   *cancellable,
                          GError        **error)
{
  ExportData data = { out, cancellable, 0 };

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (!chevet_audit_check_administrator (store, error))
    return FALSE;
  /* Reading the trail is itself recorded, first, so the export holds its own entry. */
  if (!chevet_audit_append (store, CHEVET_AUDIT_AUDIT_EXPORT, NULL, CHEVET_AUDIT_SUCCESS, NULL, error) ||
      !chevet_audit_foreach (store, 0, 0, export_one, &data, error))
    return FALSE;
  if (n_written != NULL)
    *n_written = data.n;
  g_debug ("audit export: %" G_GUINT64_FORMAT " entries", data.n);
  return TRUE;
}

/* ------------------------------------------------------------------ retention */

guint
chevet_audit_get_retention_days (ChevetStore *store)
{
  g_autofree char *text = NULL;
  guint64 days = 0;

  g_return_val_if_fail (CHEVET_IS_STORE (store), CHEVET_AUDIT_DEFAULT_RETENTION_DAYS);

  text = chevet_store_dup_meta (store, "audit.retention-days", NULL);
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, 100 * 366, &days, NULL))
    return CHEVET_AUDIT_DEFAULT_RETENTION_DAYS;
  return (guint) days;
}

gboolean
chevet_audit_set_retention_days (ChevetStore  *store,
                                 guint         days,
                                 GError      **error)
{
  g_autofree char *text = NULL;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  if (!chevet_audit_check_administrator (store, error))
    return FALSE;
  if (days < 1 || days > 100 * 366)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID,
                   _("The audit retention must be 1 to 36600 days"));
      return FALSE;
    }
  text = g_strdup_printf ("%u", days);
  if (!begin (store, error))
    return FALSE;
  ok = chevet_store_set_meta (store, "audit.retention-days", text, error);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("audit-retention-days=%u", days);
  ok = ok && chevet_audit_append (store, CHEVET_AUDIT_SETTINGS, NULL, CHEVET_AUDIT_SUCCESS, text, error);
  return commit_or_rollback (store, ok, error);
}

gboolean
chevet_audit_prune (ChevetStore  *store,
                    GDateTime    *before,
                    guint64      *n_removed,
                    GError      **error)
{
  g_autoptr(GDateTime) cutoff = NULL;
  g_autofree char *anchor_seq = NULL;
  char cutoff_text[TIME_LEN], anchor_hex[HASH_BYTES * 2 + 1], detail[48];
  guint8 anchor[HASH_BYTES];
  sqlite3_stmt *stmt;
  gint64 keep_from = 0, last;
  guint64 n;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  /* The retention is the administrators' rule, applied at every unlock whoever unlocks;
   * an earlier cut-off is an administrator's decision. */
  if (before != NULL && !chevet_audit_check_administrator (store, error))
    return FALSE;

  if (n_removed != NULL)
    *n_removed = 0;
  if (before != NULL)
    cutoff = g_date_time_to_utc (before);
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      cutoff = g_date_time_add_days (now, -(gint) chevet_audit_get_retention_days (store));
    }
  format_time (g_date_time_to_unix (cutoff) * G_USEC_PER_SEC + g_date_time_get_microsecond (cutoff),
               cutoff_text);

  if (!begin (store, error))
    return FALSE;
  /* A prefix in seq order: the chain must stay whole from the anchor on. */
  stmt = chevet_store_prepare (store, "SELECT seq FROM audit WHERE time >= ? ORDER BY seq LIMIT 1", error);
  if (stmt == NULL)
    return commit_or_rollback (store, FALSE, error);
  sqlite3_bind_text (stmt, 1, cutoff_text, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    keep_from = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return commit_or_rollback (store, FALSE, error);
    }
  if (rc == SQLITE_DONE)
    {
      /* Everything is older than the cutoff. */
      if (!read_tail (store, &last, anchor, error))
        return commit_or_rollback (store, FALSE, error);
      keep_from = last + 1;
    }

  /* The last entry removed becomes the anchor. */
  stmt = chevet_store_prepare (store, "SELECT seq, hash FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return commit_or_rollback (store, FALSE, error);
  sqlite3_bind_int64 (stmt, 1, keep_from);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          chevet_store_set_sql_error (store, error);
          return commit_or_rollback (store, FALSE, error);
        }
      /* Nothing to remove. */
      return commit_or_rollback (store, TRUE, error);
    }
  last = sqlite3_column_int64 (stmt, 0);
  ok = sqlite3_column_bytes (stmt, 1) == HASH_BYTES;
  if (ok)
    memcpy (anchor, sqlite3_column_blob (stmt, 1), HASH_BYTES);
  sqlite3_reset (stmt);
  if (!ok)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                   _("The audit trail is damaged: run “chevet-cli audit verify”"));
      return commit_or_rollback (store, FALSE, error);
    }

  anchor_seq = g_strdup_printf ("%" G_GINT64_FORMAT, last);
  sodium_bin2hex (anchor_hex, sizeof anchor_hex, anchor, HASH_BYTES);
  /* The anchor first: the delete trigger lets go only of entries at or below it. */
  ok = chevet_store_set_meta (store, "audit.anchor-seq", anchor_seq, error) &&
       chevet_store_set_meta (store, "audit.anchor-hash", anchor_hex, error);
  if (ok)
    {
      stmt = chevet_store_prepare (store, "DELETE FROM audit WHERE seq <= ?", error);
      if (stmt != NULL)
        sqlite3_bind_int64 (stmt, 1, last);
      ok = stmt != NULL && chevet_store_step_done (store, stmt, error);
    }
  n = ok ? (guint64) sqlite3_changes (chevet_store_get_db (store)) : 0;
  g_snprintf (detail, sizeof detail, "removed=%" G_GUINT64_FORMAT, n);
  ok = ok && chevet_audit_append (store, CHEVET_AUDIT_AUDIT_PRUNE, NULL, CHEVET_AUDIT_SUCCESS, detail, error);
  if (!commit_or_rollback (store, ok, error))
    return FALSE;
  if (n_removed != NULL)
    *n_removed = n;
  g_debug ("audit prune: %" G_GUINT64_FORMAT " entries removed, chain now starts after %" G_GINT64_FORMAT,
           n, last);
  return TRUE;
}
