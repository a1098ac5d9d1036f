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
} ChevetStoreError;

/* The shortest passphrase accepted for a new key slot. */
#define CHEVET_STORE_MIN_PASSPHRASE 8

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
/* The role of the account that opened the store. */
ChevetRole   chevet_store_get_role             (ChevetStore  *self);

/* Key slots: none of these re-encrypts the database. */
gboolean     chevet_store_add_account          (ChevetStore  *self,
                                                const char   *account,
                                                const char   *passphrase,
                                                GError      **error);
gboolean     chevet_store_remove_account       (ChevetStore  *self,
                                                const char   *account,
                                                GError      **error);
gboolean     chevet_store_change_passphrase    (ChevetStore  *self,
                                                const char   *old_passphrase,
                                                const char   *new_passphrase,
                                                GError      **error);
char       **chevet_store_dup_accounts         (const char   *path,
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
 * Keys in use: "last-sync" (ISO 8601 UTC time of the last completed sync); "server.*"
 * belong to chevet-server-settings.c, which writes them together; "sync.*" (cursors, the
 * position of a run, the CapabilityStatement's ETag) belong to chevet-sync.c. */
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

G_END_DECLS
