/* chevet-store.h: one encrypted workspace (SQLCipher database and its key slots)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_STORE_ERROR (chevet_store_error_quark ())

typedef enum
{
  CHEVET_STORE_ERROR_WRONG_PASSPHRASE,   /* the account exists, the passphrase does not match */
  CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT,    /* no key slot for that account */
  CHEVET_STORE_ERROR_NOT_A_WORKSPACE,    /* the path holds no Chevet workspace */
  CHEVET_STORE_ERROR_DAMAGED,            /* key slots or database unreadable or inconsistent */
  CHEVET_STORE_ERROR_TOO_NEW,            /* written by a newer version of Chevet */
  CHEVET_STORE_ERROR_NOT_ENCRYPTED,      /* the SQLite library linked is not SQLCipher */
  CHEVET_STORE_ERROR_EXISTS,             /* a workspace already exists there */
  CHEVET_STORE_ERROR_ACCOUNT_EXISTS,     /* that account already has a key slot */
  CHEVET_STORE_ERROR_INVALID,            /* bad argument: empty account, short passphrase, ... */
  CHEVET_STORE_ERROR_LAST_ACCOUNT,       /* refusing to remove the only key slot */
  CHEVET_STORE_ERROR_FAILED,             /* any other I/O or SQL failure */
  CHEVET_STORE_ERROR_NOT_ALLOWED,        /* the account's role does not allow it */
  CHEVET_STORE_ERROR_TOO_SOON,           /* failed unlocks: wait (chevet_store_get_unlock_delay) */
  CHEVET_STORE_ERROR_LAST_ADMINISTRATOR, /* refusing to remove or demote the last administrator */
} ChevetStoreError;

/* The shortest passphrase accepted for a new key slot, in characters; the whole policy
 * is chevet_passphrase_check (chevet-passphrase.h), applied to every new passphrase. */
#define CHEVET_STORE_MIN_PASSPHRASE 12

/* Failed unlocks: the first CHEVET_STORE_FREE_FAILURES cost nothing, then a delay of
 * CHEVET_STORE_FIRST_DELAY seconds doubling at each further failure, at most
 * CHEVET_STORE_MAX_DELAY seconds (a cap, never a lock-out). */
#define CHEVET_STORE_FREE_FAILURES 3
#define CHEVET_STORE_FIRST_DELAY   30
#define CHEVET_STORE_MAX_DELAY     (15 * 60)

/* One account of a workspace, as chevet_store_list_accounts gives it. */
struct _ChevetAccountInfo
{
  char       *name;
  ChevetRole  role;
  gint64      created;  /* microseconds since 1970 (UTC); 0 when unknown (made before roles) */
};

void         chevet_account_info_free          (ChevetAccountInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetAccountInfo, chevet_account_info_free)

/* "administrator", "clinician", "trainee": what the database and the command line use. */
const char  *chevet_role_to_string             (ChevetRole    role);
gboolean     chevet_role_from_string           (const char   *text,
                                                ChevetRole   *out_role);
/* The role for people, translated ("Administrator"). */
const char  *chevet_role_get_label             (ChevetRole    role);

#define CHEVET_TYPE_STORE (chevet_store_get_type ())
G_DECLARE_FINAL_TYPE (ChevetStore, chevet_store, CHEVET, STORE, GObject)

GQuark       chevet_store_error_quark          (void);

char        *chevet_store_dup_default_path     (const char   *workspace_name);
gboolean     chevet_store_exists               (const char   *path);

ChevetStore *chevet_store_create               (const char   *path,
                                                const char   *workspace_name,
                                                const char   *account,
                                                const char   *passphrase,
                                                GError      **error);
/* A training workspace: trainee accounts may be added to it and open it. A workspace is
 * made clinical or training once, at creation, and stays so. */
ChevetStore *chevet_store_create_training      (const char   *path,
                                                const char   *workspace_name,
                                                const char   *account,
                                                const char   *passphrase,
                                                GError      **error);
/* Refused before any key derivation while a failed-unlock delay runs (TOO_SOON); a wrong
 * passphrase or an unknown account counts a failure, a success resets the account's
 * count. A trainee account opening a clinical workspace is refused (NOT_ALLOWED) and
 * noted for the audit trail (reason "role"). */
ChevetStore *chevet_store_open                 (const char   *path,
                                                const char   *account,
                                                const char   *passphrase,
                                                GError      **error);
/* Another connection to the same workspace (for another thread), from the key this one
 * already holds: no passphrase, no key derivation. */
ChevetStore *chevet_store_open_another         (ChevetStore  *self,
                                                GError      **error);

const char  *chevet_store_get_path             (ChevetStore  *self);
const char  *chevet_store_get_account          (ChevetStore  *self);
const char  *chevet_store_get_name             (ChevetStore  *self);
/* The workspace's random uuid (from its key slots; not secret, names no one). */
const char  *chevet_store_get_workspace_id     (ChevetStore  *self);
/* The role of the account that opened the store, read at open. */
ChevetRole   chevet_store_get_role             (ChevetStore  *self);
gboolean     chevet_store_is_training          (ChevetStore  *self);

/* Accounts: none of these re-encrypts the database; each is recorded in the audit trail.
 * Adding, removing, changing a role and resetting another's passphrase need the store's
 * account to be an administrator now (NOT_ALLOWED otherwise); the last administrator can
 * be neither removed nor demoted (LAST_ADMINISTRATOR); trainees exist only in a training
 * workspace. Every new passphrase must pass chevet_passphrase_check (its errors are in
 * CHEVET_PASSPHRASE_ERROR). */
gboolean     chevet_store_add_account          (ChevetStore  *self,
                                                const char   *account,
                                                ChevetRole    role,
                                                const char   *passphrase,
                                                GError      **error);
gboolean     chevet_store_remove_account       (ChevetStore  *self,
                                                const char   *account,
                                                GError      **error);
gboolean     chevet_store_set_role             (ChevetStore  *self,
                                                const char   *account,
                                                ChevetRole    role,
                                                GError      **error);
/* A new key slot for another account, from the key this store holds; the old slot goes
 * and the account's failed-unlock count is reset. */
gboolean     chevet_store_reset_passphrase     (ChevetStore  *self,
                                                const char   *account,
                                                const char   *new_passphrase,
                                                GError      **error);
/* Anyone, for their own account: the old passphrase is proved again. */
gboolean     chevet_store_change_passphrase    (ChevetStore  *self,
                                                const char   *old_passphrase,
                                                const char   *new_passphrase,
                                                GError      **error);
/* The accounts with their roles, in the order they were added: a GPtrArray of
 * ChevetAccountInfo, or NULL with @error set. */
GPtrArray   *chevet_store_list_accounts        (ChevetStore  *self,
                                                GError      **error);
/* The account names of the key slots, readable before unlocking (they are not secret). */
char       **chevet_store_dup_accounts         (const char   *path,
                                                GError      **error);
/* Before unlocking: the seconds @account must still wait before the next attempt (0:
 * none), and in @n_failures (may be NULL) its consecutive failed unlocks; -1 with
 * @error set when @path holds no workspace. Names without a key slot share one count. */
gint64       chevet_store_get_unlock_delay     (const char   *path,
                                                const char   *account,
                                                guint        *n_failures,
                                                GError      **error);
/* FALSE with TOO_SOON (its message says how long) while @account's delay runs, as
 * chevet_store_open would; or with @error set when @path holds no workspace. */
gboolean     chevet_store_check_unlock_delay   (const char   *path,
                                                const char   *account,
                                                GError      **error);
/* The workspace's human name, readable before unlocking (it is not secret). */
char        *chevet_store_dup_workspace_name   (const char   *path,
                                                GError      **error);

/* Resource counts, one entry per resource type: (char *type) -> GUINT_TO_POINTER (count). */
GHashTable  *chevet_store_count_resources      (ChevetStore  *self,
                                                GError      **error);
/* The verbatim JSON of one resource, or NULL (no error) when absent. */
char        *chevet_store_dup_resource_json    (ChevetStore  *self,
                                                const char   *type,
                                                const char   *id,
                                                GError      **error);

/* Patient search: case- and accent-insensitive prefix search on names and identifiers;
 * a date (YYYY-MM-DD, DD/MM/YYYY) matches the birth date. Empty or NULL text lists
 * everyone. Sorted by family then given name; @limit 0 means no limit. Returns a
 * GPtrArray of ChevetPatient, or NULL with @error set. chevet_store_count_patients
 * counts the same matches, or returns -1 with @error set. */
GPtrArray   *chevet_store_search_patients      (ChevetStore  *self,
                                                const char   *text,
                                                guint         offset,
                                                guint         limit,
                                                GError      **error);
gint64       chevet_store_count_patients       (ChevetStore  *self,
                                                const char   *text,
                                                GError      **error);
ChevetPatient *chevet_store_dup_patient        (ChevetStore  *self,
                                                const char   *patient_id,
                                                GError      **error);

/* Charts opened on this workstation: recorded on open, listed most recent first. */
gboolean     chevet_store_touch_recent         (ChevetStore  *self,
                                                const char   *patient_id,
                                                GError      **error);
GPtrArray   *chevet_store_list_recent          (ChevetStore  *self,
                                                guint         limit,
                                                GError      **error);

/* Workspace settings and state kept inside the encrypted store (NULL when unset).
 * Keys in use: "workspace.kind" ("clinical" or "training", set at creation);
 * "accounts.adopted" (the key slots made before roles were given rows); "last-sync"
 * (ISO 8601 UTC time of the last completed sync); "server.*" belong to
 * chevet-server-settings.c, which writes them together; "sync.*" (cursors, the position
 * of a run, the CapabilityStatement's ETag) belong to chevet-sync.c. */
char        *chevet_store_dup_meta             (ChevetStore  *self,
                                                const char   *key,
                                                GError      **error);
gboolean     chevet_store_set_meta             (ChevetStore  *self,
                                                const char   *key,
                                                const char   *value,
                                                GError      **error);

/* Testing only: make new key slots cheap to derive. Never called by the programs. */
void         chevet_store_set_kdf_cost_for_testing (guint64   opslimit,
                                                    gsize     memlimit);
/* Testing only: how many stores are alive in the process, so how many keys are still in
 * memory (finalize wipes each). */
guint        chevet_store_count_alive_for_testing  (void);
/* Testing only: the clock of the failed-unlock delays (microseconds since 1970, as
 * g_get_real_time, which NULL restores). Never called by the programs. */
void         chevet_store_set_clock_for_testing    (gint64  (*now) (void));

G_END_DECLS
