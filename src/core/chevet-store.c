/* chevet-store.c: one encrypted workspace (SQLCipher database and its key slots)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A workspace is a directory holding two files:
 *   chevet.db      the SQLCipher database, encrypted with a random 256-bit raw key;
 *   keyslots.json  that key, wrapped once per account (XChaCha20-Poly1305 under a key
 *                  derived from the account's passphrase with Argon2id).
 * and, beside them, two small files written before the database can be read:
 *   audit-pending  failed unlocks waiting for the audit trail (chevet-audit.c);
 *   unlock-delays  consecutive failed unlocks per account, for the delays.
 * Adding an account, removing one or changing a passphrase rewrites keyslots.json only:
 * the database is never re-encrypted. Roles live in the encrypted database (`accounts`),
 * where they cannot be changed without the key. The raw key lives in libsodium's guarded, locked
 * memory, readable only while it is being used, and is wiped when the store goes.
 */
#define G_LOG_DOMAIN "chevet-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-fhir.h"
#include "chevet-passphrase.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"

#define KEYSLOTS_FILE    "keyslots.json"
#define DATABASE_FILE    "chevet.db"
#define KEYSLOTS_FORMAT  "chevet-keyslots"
#define KEYSLOTS_VERSION 1
#define KEY_BYTES        32
#define SALT_BYTES       crypto_pwhash_SALTBYTES
#define NONCE_BYTES      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define APPLICATION_ID   0x43485654  /* "CHVT" */
#define DELAYS_FILE      "unlock-delays"
#define DELAYS_FORMAT    "chevet-unlock-delays"
#define DELAYS_MAX_BYTES (64 * 1024)
/* Names without a key slot all count under this one name, which no account can have. */
#define UNKNOWN_ACCOUNTS ""

struct _ChevetStore
{
  GObject     parent_instance;

  char       *path;
  char       *account;
  char       *name;
  char       *workspace_id;
  ChevetRole  role;         /* of the account that opened it, read at open */
  gboolean    training;     /* meta "workspace.kind" is "training" */
  sqlite3    *db;
  guint8     *key;          /* sodium_malloc'd, PROT_NONE while unused */
  GHashTable *statements;   /* sql -> sqlite3_stmt */

  /* Patient search: each patient's place in the list's order (rid -> rank + 1), read
   * once and again when "patients-serial" (bumped by triggers on every write to
   * patients, from any connection) has moved. */
  GHashTable *ranks;
  gint64      ranks_serial;
};

G_DEFINE_FINAL_TYPE (ChevetStore, chevet_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (chevet-store-error-quark, chevet_store_error)

/* Argon2id cost for new key slots. MODERATE (3 passes, 256 MiB) takes about 0.5 s on
 * this project's 2-core reference machine: see README, "Performance". */
static guint64 kdf_opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
static gsize   kdf_memlimit = crypto_pwhash_MEMLIMIT_MODERATE;

/* The clock of the failed-unlock delays; tests move it. */
static gint64 (*delay_clock) (void) = g_get_real_time;

typedef struct
{
  char    *account;
  guint64  opslimit;
  gsize    memlimit;
  guint8   salt[SALT_BYTES];
  guint8   nonce[NONCE_BYTES];
  guint8   wrapped[KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
} KeySlot;

typedef struct
{
  char      *workspace_id;
  char      *name;
  GPtrArray *slots;         /* KeySlot */
} KeySlots;

static void
key_slot_free (KeySlot *slot)
{
  g_free (slot->account);
  sodium_memzero (slot, sizeof *slot);
  g_free (slot);
}

static void
key_slots_free (KeySlots *ks)
{
  g_free (ks->workspace_id);
  g_free (ks->name);
  g_ptr_array_unref (ks->slots);
  g_free (ks);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeySlots, key_slots_free)

/* Stores whose key is not wiped yet (counted in init and finalize). */
static gint n_keyed_stores;

guint
chevet_store_count_alive_for_testing (void)
{
  return (guint) g_atomic_int_get (&n_keyed_stores);
}

void
chevet_store_set_clock_for_testing (gint64 (*now) (void))
{
  delay_clock = now != NULL ? now : g_get_real_time;
}

void
chevet_store_set_kdf_cost_for_testing (guint64 opslimit,
                                       gsize   memlimit)
{
  kdf_opslimit = MAX (opslimit, crypto_pwhash_OPSLIMIT_MIN);
  kdf_memlimit = MAX (memlimit, crypto_pwhash_MEMLIMIT_MIN);
}

static gboolean
ensure_sodium (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("The cryptography library could not be initialised"));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ key slots */

static char *
slot_associated_data (const char *workspace_id,
                      const char *account,
                      gsize      *len)
{
  /* Binds a slot to its workspace and account: a slot copied elsewhere won't open. */
  char *ad = g_strdup_printf ("chevet-keyslot-v1%c%s%c%s", 0, workspace_id, 0, account);

  *len = strlen ("chevet-keyslot-v1") + 1 + strlen (workspace_id) + 1 + strlen (account);
  return ad;
}

static gboolean
derive_slot_key (const char *passphrase,
                 KeySlot    *slot,
                 guint8     *out_key,
                 GError    **error)
{
  g_autofree char *nfc = NULL;
  int r;

  /* "é" typed as one code point or as e + accent is the same passphrase. */
  if (g_utf8_validate (passphrase, -1, NULL))
    nfc = g_utf8_normalize (passphrase, -1, G_NORMALIZE_NFC);
  if (nfc != NULL)
    passphrase = nfc;
  r = crypto_pwhash (out_key, KEY_BYTES, passphrase, strlen (passphrase), slot->salt,
                     slot->opslimit, slot->memlimit, crypto_pwhash_ALG_ARGON2ID13);
  if (nfc != NULL)
    sodium_memzero (nfc, strlen (nfc));
  if (r != 0)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Not enough memory to derive the key from the passphrase"));
      return FALSE;
    }
  return TRUE;
}

static KeySlot *
key_slot_new (const char   *workspace_id,
              const char   *account,
              const char   *passphrase,
              const guint8 *db_key,
              GError      **error)
{
  g_autofree char *ad = NULL;
  KeySlot *slot;
  guint8 *kek;
  gsize ad_len;

  slot = g_new0 (KeySlot, 1);
  slot->account = g_strdup (account);
  slot->opslimit = kdf_opslimit;
  slot->memlimit = kdf_memlimit;
  randombytes_buf (slot->salt, sizeof slot->salt);
  randombytes_buf (slot->nonce, sizeof slot->nonce);

  kek = sodium_malloc (KEY_BYTES);
  if (kek == NULL || !derive_slot_key (passphrase, slot, kek, error))
    {
      if (kek != NULL)
        sodium_free (kek);
      if (error != NULL && *error == NULL)
        g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                     _("Not enough memory to derive the key from the passphrase"));
      key_slot_free (slot);
      return NULL;
    }
  ad = slot_associated_data (workspace_id, account, &ad_len);
  crypto_aead_xchacha20poly1305_ietf_encrypt (slot->wrapped, NULL, db_key, KEY_BYTES,
                                              (guint8 *) ad, ad_len, NULL, slot->nonce, kek);
  sodium_free (kek);
  return slot;
}

/* Unwraps @slot into @db_key (KEY_BYTES of locked memory). */
static gboolean
key_slot_unwrap (KeySlot    *slot,
                 const char *workspace_id,
                 const char *passphrase,
                 guint8     *db_key,
                 GError    **error)
{
  g_autofree char *ad = NULL;
  guint8 *kek;
  gsize ad_len;
  int r;

  kek = sodium_malloc (KEY_BYTES);
  if (kek == NULL || !derive_slot_key (passphrase, slot, kek, error))
    {
      if (kek != NULL)
        sodium_free (kek);
      if (error != NULL && *error == NULL)
        g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                     _("Not enough memory to derive the key from the passphrase"));
      return FALSE;
    }
  ad = slot_associated_data (workspace_id, slot->account, &ad_len);
  r = crypto_aead_xchacha20poly1305_ietf_decrypt (db_key, NULL, NULL, slot->wrapped,
                                                  sizeof slot->wrapped, (guint8 *) ad, ad_len,
                                                  slot->nonce, kek);
  sodium_free (kek);
  if (r != 0)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE,
                   _("Wrong passphrase for account “%s”"), slot->account);
      return FALSE;
    }
  return TRUE;
}

static gboolean
decode_b64 (JsonObject *o,
            const char *member,
            guint8     *out,
            gsize       len)
{
  g_autofree guchar *raw = NULL;
  const char *s;
  gsize n = 0;

  if (!json_object_has_member (o, member) ||
      json_node_get_value_type (json_object_get_member (o, member)) != G_TYPE_STRING)
    return FALSE;
  s = json_object_get_string_member (o, member);
  raw = g_base64_decode (s, &n);
  if (n != len)
    return FALSE;
  memcpy (out, raw, len);
  sodium_memzero (raw, n);
  return TRUE;
}

static const char *
get_string_member (JsonObject *o,
                   const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static KeySlots *
key_slots_load (const char  *path,
                GError     **error)
{
  g_autofree char *file = g_build_filename (path, KEYSLOTS_FILE, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(KeySlots) ks = NULL;
  JsonObject *root;
  JsonArray *slots;
  const char *format;
  gsize len;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) ||
      !g_file_get_contents (file, &contents, &len, NULL))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_A_WORKSPACE,
                   _("“%s” is not a Chevet workspace"), path);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, contents, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      g_strcmp0 (get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                    "format"), KEYSLOTS_FORMAT) != 0)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_A_WORKSPACE,
                   _("“%s” is not a Chevet workspace"), path);
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  format = get_string_member (root, "format");
  g_assert (format != NULL);
  if (!json_object_has_member (root, "version") ||
      json_node_get_value_type (json_object_get_member (root, "version")) != G_TYPE_INT64)
    goto damaged;
  if (json_object_get_int_member (root, "version") > KEYSLOTS_VERSION)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_NEW,
                   _("The workspace “%s” was written by a newer version of Chevet: update Chevet to open it"),
                   path);
      return NULL;
    }

  ks = g_new0 (KeySlots, 1);
  ks->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) key_slot_free);
  ks->workspace_id = g_strdup (get_string_member (root, "workspace"));
  ks->name = g_strdup (get_string_member (root, "name"));
  if (ks->workspace_id == NULL || ks->name == NULL ||
      !json_object_has_member (root, "slots") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "slots")))
    goto damaged;
  slots = json_object_get_array_member (root, "slots");
  for (guint i = 0; i < json_array_get_length (slots); i++)
    {
      JsonNode *node = json_array_get_element (slots, i);
      JsonObject *o;
      KeySlot *slot;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        goto damaged;
      o = json_node_get_object (node);
      slot = g_new0 (KeySlot, 1);
      g_ptr_array_add (ks->slots, slot);
      slot->account = g_strdup (get_string_member (o, "account"));
      if (slot->account == NULL ||
          g_strcmp0 (get_string_member (o, "kdf"), "argon2id13") != 0 ||
          !json_object_has_member (o, "opslimit") || !json_object_has_member (o, "memlimit") ||
          !decode_b64 (o, "salt", slot->salt, sizeof slot->salt) ||
          !decode_b64 (o, "nonce", slot->nonce, sizeof slot->nonce) ||
          !decode_b64 (o, "wrapped", slot->wrapped, sizeof slot->wrapped))
        goto damaged;
      slot->opslimit = json_object_get_int_member (o, "opslimit");
      slot->memlimit = json_object_get_int_member (o, "memlimit");
      if (slot->opslimit < crypto_pwhash_OPSLIMIT_MIN || slot->opslimit > crypto_pwhash_OPSLIMIT_MAX ||
          slot->memlimit < crypto_pwhash_MEMLIMIT_MIN || slot->memlimit > (gsize) 4 * 1024 * 1024 * 1024)
        goto damaged;
    }
  return g_steal_pointer (&ks);

damaged:
  g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
               _("The key slots of workspace “%s” are damaged"), path);
  return NULL;
}

static gboolean
key_slots_save (KeySlots    *ks,
                const char  *path,
                GError     **error)
{
  g_autofree char *file = g_build_filename (path, KEYSLOTS_FILE, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, KEYSLOTS_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, KEYSLOTS_VERSION);
  json_builder_set_member_name (b, "workspace");
  json_builder_add_string_value (b, ks->workspace_id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, ks->name);
  json_builder_set_member_name (b, "slots");
  json_builder_begin_array (b);
  for (guint i = 0; i < ks->slots->len; i++)
    {
      KeySlot *slot = g_ptr_array_index (ks->slots, i);
      g_autofree char *salt = g_base64_encode (slot->salt, sizeof slot->salt);
      g_autofree char *nonce = g_base64_encode (slot->nonce, sizeof slot->nonce);
      g_autofree char *wrapped = g_base64_encode (slot->wrapped, sizeof slot->wrapped);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "account");
      json_builder_add_string_value (b, slot->account);
      json_builder_set_member_name (b, "kdf");
      json_builder_add_string_value (b, "argon2id13");
      json_builder_set_member_name (b, "opslimit");
      json_builder_add_int_value (b, slot->opslimit);
      json_builder_set_member_name (b, "memlimit");
      json_builder_add_int_value (b, slot->memlimit);
      json_builder_set_member_name (b, "salt");
      json_builder_add_string_value (b, salt);
      json_builder_set_member_name (b, "nonce");
      json_builder_add_string_value (b, nonce);
      json_builder_set_member_name (b, "wrapped");
      json_builder_add_string_value (b, wrapped);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  /* Atomic replace: a crash leaves the old slots or the new ones, never half of each. */
  if (!g_file_set_contents_full (file, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not save the key slots: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static KeySlot *
key_slots_find (KeySlots   *ks,
                const char *account)
{
  for (guint i = 0; i < ks->slots->len; i++)
    {
      KeySlot *slot = g_ptr_array_index (ks->slots, i);

      if (g_strcmp0 (slot->account, account) == 0)
        return slot;
    }
  return NULL;
}

/* ------------------------------------------------------------------ database */

static void
chevet_store_finalize (GObject *object)
{
  ChevetStore *self = (ChevetStore *) object;

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->ranks, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  if (self->key != NULL)
    {
      sodium_mprotect_readwrite (self->key);
      sodium_free (self->key);
    }
  g_free (self->path);
  g_free (self->account);
  g_free (self->name);
  g_free (self->workspace_id);
  g_atomic_int_dec_and_test (&n_keyed_stores);

  G_OBJECT_CLASS (chevet_store_parent_class)->finalize (object);
}

static void
chevet_store_class_init (ChevetStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_store_finalize;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
chevet_store_init (ChevetStore *self)
{
  /* Keyed by the address of the SQL text: callers pass string constants. */
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_statement);  g_atomic_int_inc (&n_keyed_stores);
}

sqlite3 *
chevet_store_get_db (ChevetStore *self)
{
  return self->db;
}

void
chevet_store_set_sql_error (ChevetStore  *self,
                            GError      **error)
{
  int code = sqlite3_errcode (self->db) & 0xff;

  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                 _("The workspace “%s” is damaged (%s)"), self->path, sqlite3_errmsg (self->db));
  else
    g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                 _("Database error: %s"), sqlite3_errmsg (self->db));
}

sqlite3_stmt *
chevet_store_prepare (ChevetStore  *self,
                      const char   *sql,
                      GError      **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      chevet_store_set_sql_error (self, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

gboolean
chevet_store_step_done (ChevetStore   *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
chevet_store_exec (ChevetStore  *self,
                   const char   *sql,
                   GError      **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      chevet_store_set_sql_error (self, error);
      return FALSE;
    }
  return TRUE;
}

/* The projection tables of the chart all share the columns of a ChevetChartItem. */
#define CHART_TABLE(name) \
  "CREATE TABLE " name " (" \
  "  rid INTEGER PRIMARY KEY REFERENCES resources (rid) ON DELETE CASCADE," \
  "  patient TEXT NOT NULL, code TEXT, system TEXT, display TEXT, status TEXT," \
  "  category TEXT, date TEXT, end_date TEXT, value TEXT, unit TEXT, number REAL," \
  "  low REAL, high REAL," \
  "  detail TEXT, flag TEXT, range TEXT, encounter TEXT, codes TEXT, extra TEXT);" \
  "CREATE INDEX " name "_by_patient ON " name " (patient, date);"

static const char schema_v1[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
  /* Every resource as the server sent it. */
  "CREATE TABLE resources ("
  "  rid INTEGER PRIMARY KEY,"
  "  type TEXT NOT NULL, id TEXT NOT NULL,"
  "  version_id TEXT, last_updated TEXT,"
  "  json TEXT NOT NULL,"
  "  UNIQUE (type, id));"
  "CREATE TABLE patients ("
  "  rid INTEGER PRIMARY KEY REFERENCES resources (rid) ON DELETE CASCADE,"
  "  id TEXT NOT NULL UNIQUE,"
  "  family TEXT, given TEXT, sort_key TEXT NOT NULL,"
  "  gender TEXT, birth_date TEXT, deceased INTEGER NOT NULL DEFAULT 0, deceased_date TEXT,"
  "  identifier TEXT, identifiers TEXT, organization TEXT, security TEXT);"
  "CREATE INDEX patients_by_sort_key ON patients (sort_key);"
  "CREATE INDEX patients_by_birth_date ON patients (birth_date);"
  /* Folded (lower case, no accents) names and identifiers; docid = patients.rid. */
  "CREATE VIRTUAL TABLE patients_fts USING fts4 (names, identifiers, tokenize=unicode61, prefix=\"2,3\");"
  CHART_TABLE ("conditions")
  CHART_TABLE ("medications")
  CHART_TABLE ("allergies")
  CHART_TABLE ("observations")
  "CREATE INDEX observations_by_code ON observations (patient, code, date);"
  "CREATE TABLE observation_components ("
  "  rid INTEGER NOT NULL REFERENCES resources (rid) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL, code TEXT, system TEXT, display TEXT,"
  "  value TEXT, unit TEXT, number REAL, low REAL, high REAL, flag TEXT, range TEXT,"
  "  PRIMARY KEY (rid, position)) WITHOUT ROWID;"
  CHART_TABLE ("encounters")
  CHART_TABLE ("immunizations")
  CHART_TABLE ("procedures")
  CHART_TABLE ("reports")
  CHART_TABLE ("documents");

typedef struct
{
  int         version;
  const char *sql;
  /* Run after @sql in the same transaction, for what SQL cannot say idempotently. */
  gboolean  (*run) (ChevetStore  *self,
                    GError      **error);
} Migration;

/* Charts opened on this workstation, most recent first in the patient list. */
static const char schema_v2[] =
  "CREATE TABLE recent_patients ("
  "  patient TEXT PRIMARY KEY, account TEXT NOT NULL, opened_at INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX recent_patients_by_time ON recent_patients (opened_at);";

/* The offline outbox (chevet-outbox.c): one row per resource written on this workstation
 * and not yet known to be on the server, in the order it was written. Server settings need
 * no table: they are rows of `meta` ("server.*", chevet-server-settings.c). */
static const char schema_v3[] =
  "CREATE TABLE outbox ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  uuid TEXT NOT NULL UNIQUE,"
  "  group_uuid TEXT NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('note', 'vitals')),"
  "  operation TEXT NOT NULL DEFAULT 'create' CHECK (operation IN ('create', 'update')),"
  "  type TEXT NOT NULL, local_id TEXT NOT NULL,"
  "  patient TEXT NOT NULL, encounter TEXT, author TEXT NOT NULL,"
  "  body TEXT NOT NULL, base_version TEXT,"
  "  state TEXT NOT NULL DEFAULT 'waiting'"
  "    CHECK (state IN ('waiting', 'sending', 'sent', 'conflict', 'failed')),"
  "  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
  "  server_id TEXT, server_version TEXT, server_json TEXT);"
  "CREATE UNIQUE INDEX outbox_by_local_id ON outbox (type, local_id);"
  "CREATE INDEX outbox_by_state ON outbox (state, seq);";

/* The sync engine's work tables (chevet-sync.c), emptied at the end of each run:
 * patients new to the cache in this run (they get their whole chart), and the ids a
 * reconciliation has seen on the server so far (resumable across pages). "IF NOT EXISTS":
 * the first sync engine created sync_new_patients itself, outside the migrations. */
static const char schema_v4[] =
  "CREATE TABLE IF NOT EXISTS sync_new_patients (id TEXT PRIMARY KEY) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS sync_seen ("
  "  type TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (type, id)) WITHOUT ROWID;";

/* A serial bumped by every write to patients, whichever connection makes it: the patient
 * search keeps the list's order in memory and reads it again when the serial moved. */
static const char schema_v5[] =
  "INSERT OR REPLACE INTO meta (key, value) VALUES ('patients-serial', 0);"
  "CREATE TRIGGER IF NOT EXISTS patients_serial_insert AFTER INSERT ON patients BEGIN"
  "  UPDATE meta SET value = value + 1 WHERE key = 'patients-serial'; END;"
  "CREATE TRIGGER IF NOT EXISTS patients_serial_update AFTER UPDATE ON patients BEGIN"
  "  UPDATE meta SET value = value + 1 WHERE key = 'patients-serial'; END;"
  "CREATE TRIGGER IF NOT EXISTS patients_serial_delete AFTER DELETE ON patients BEGIN"
  "  UPDATE meta SET value = value + 1 WHERE key = 'patients-serial'; END;";

/* The audit trail (chevet-audit.c): append-only for the program. UPDATE is refused;
 * DELETE only of entries at or below the prune anchor (set first in a prune's
 * transaction); INSERT only right after the last entry. Every insert moves the head kept
 * in meta, so entries removed at the end are noticed. "IF NOT EXISTS": tests bring older
 * schemas back by lowering user_version. */
static const char schema_v6[] =
  "CREATE TABLE IF NOT EXISTS audit ("
  "  seq INTEGER PRIMARY KEY,"
  "  time TEXT NOT NULL, account TEXT NOT NULL, action TEXT NOT NULL, patient TEXT,"
  "  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),"
  "  detail TEXT, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
  "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN"
  "  SELECT RAISE (ABORT, 'audit entries cannot be changed'); END;"
  "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
  "  WHEN OLD.seq > coalesce ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'audit.anchor-seq'), 0)"
  "  BEGIN SELECT RAISE (ABORT, 'audit entries cannot be deleted'); END;"
  "CREATE TRIGGER IF NOT EXISTS audit_append_only BEFORE INSERT ON audit"
  "  WHEN NEW.seq IS NOT coalesce ((SELECT max (seq) FROM audit),"
  "    (SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'audit.anchor-seq'), 0) + 1"
  "  BEGIN SELECT RAISE (ABORT, 'audit entries are appended at the end'); END;"
  "CREATE TRIGGER IF NOT EXISTS audit_head AFTER INSERT ON audit BEGIN"
  "  INSERT OR REPLACE INTO meta (key, value) VALUES ('audit.head', NEW.seq || ' ' || lower (hex (NEW.hash))); END;";

/* Accounts and their roles (chevet_store_add_account ...), authoritative here, inside the
 * encrypted database: the key slots beside it only say who can decrypt. created_at is in
 * microseconds since 1970, NULL for the accounts made before roles. */
static const char schema_v7[] =
  "CREATE TABLE IF NOT EXISTS accounts ("
  "  account TEXT PRIMARY KEY,"
  "  role TEXT NOT NULL CHECK (role IN ('administrator', 'clinician', 'trainee')),"
  "  created_at INTEGER) WITHOUT ROWID;";

static gboolean
has_column (ChevetStore *self,
            const char  *table,
            const char  *column)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA table_info (%s)", table);
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  while (!found && sqlite3_step (stmt) == SQLITE_ROW)
    found = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), column) == 0;
  sqlite3_finalize (stmt);
  return found;
}

/* The patient's strongest v3 Confidentiality label (U L M N R V, chevet-fhir.h), so the
 * list and the window know who is restricted without reading a chart. SQLite has no
 * "ADD COLUMN IF NOT EXISTS" and tests run migrations again by lowering user_version:
 * the column is added only when missing, then filled from the stored JSON. */
static gboolean
migrate_confidentiality (ChevetStore  *self,
                         GError      **error)
{
  if (!has_column (self, "patients", "confidentiality") &&
      !chevet_store_exec (self, "ALTER TABLE patients ADD COLUMN confidentiality TEXT", error))
    return FALSE;
  return chevet_projection_backfill_confidentiality (self, error);
}

/* The audit view (chevet_audit_query): by patient, account, action, or time alone, each
 * ending in time (then seq, the rowid) so that a filtered page newest first is read
 * straight from the index, without a sort, on a trail of millions. Indexes change nothing
 * that verify reads or hashes, and the append-only triggers stand. "IF NOT EXISTS": tests
 * lower user_version and run the migrations again. */
static const char schema_v9[] =
  "CREATE INDEX IF NOT EXISTS audit_by_time ON audit (time);"
  "CREATE INDEX IF NOT EXISTS audit_by_patient ON audit (patient, time);"
  "CREATE INDEX IF NOT EXISTS audit_by_account ON audit (account, time);"
  "CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action, time);";

static const Migration migrations[] = {
  { 1, schema_v1, NULL },
  { 2, schema_v2, NULL },
  { 3, schema_v3, NULL },
  { 4, schema_v4, NULL },
  { 5, schema_v5, NULL },
  { 6, schema_v6, NULL },
  { 7, schema_v7, NULL },
  { 8, NULL, migrate_confidentiality },
  { 9, schema_v9, NULL },
};

static gboolean
migrate (ChevetStore  *self,
         int           from,
         GError      **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (migrations); i++)
    {
      g_autofree char *bump = NULL;

      if (migrations[i].version <= from)
        continue;
      bump = g_strdup_printf ("PRAGMA user_version = %d", migrations[i].version);
      if (!chevet_store_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if ((migrations[i].sql != NULL && !chevet_store_exec (self, migrations[i].sql, error)) ||
          (migrations[i].run != NULL && !migrations[i].run (self, error)) ||
          !chevet_store_exec (self, bump, error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!chevet_store_exec (self, "COMMIT", error))
        return FALSE;
      g_debug ("workspace schema migrated to version %d", migrations[i].version);
    }
  return TRUE;
}

static int
query_int (sqlite3    *db,
           const char *sql,
           int        *out)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  return rc;
}

/* Opens (or creates) chevet.db with the raw key in self->key. */
static gboolean
open_database (ChevetStore  *self,
               gboolean      create,
               GError      **error)
{
  g_autofree char *file = g_build_filename (self->path, DATABASE_FILE, NULL);
  sqlite3_stmt *stmt = NULL;
  gboolean is_sqlcipher;
  char *pragma;
  int version = 0;
  int app_id = 0;
  int rc;
  static const char hex_prefix[] = "PRAGMA key = \"x'";
  gsize pragma_len = sizeof hex_prefix - 1 + KEY_BYTES * 2 + 3;

  if (!create && !g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                   _("The workspace “%s” is damaged: its database file is missing"), self->path);
      return FALSE;
    }
  rc = sqlite3_open_v2 (file, &self->db,
                        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                        SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not open the workspace database: %s"),
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return FALSE;
    }

  /* A plaintext store must be impossible: if the stock SQLite won the symbol
   * resolution, PRAGMA key would silently do nothing. */
  is_sqlcipher = sqlite3_prepare_v2 (self->db, "PRAGMA cipher_version", -1, &stmt, NULL) == SQLITE_OK &&
                 sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  if (!is_sqlcipher)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ENCRYPTED,
                   _("Refusing to open the workspace: the SQLite library in use cannot encrypt (SQLCipher is required)"));
      return FALSE;
    }

  /* The key travels as a raw 256-bit key (no PBKDF2), built in locked memory. */
  pragma = sodium_malloc (pragma_len + 1);
  if (pragma == NULL)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not allocate protected memory"));
      return FALSE;
    }
  memcpy (pragma, hex_prefix, sizeof hex_prefix - 1);
  sodium_mprotect_readonly (self->key);
  sodium_bin2hex (pragma + sizeof hex_prefix - 1, KEY_BYTES * 2 + 1, self->key, KEY_BYTES);
  sodium_mprotect_noaccess (self->key);
  memcpy (pragma + sizeof hex_prefix - 1 + KEY_BYTES * 2, "'\"", 3);
  rc = sqlite3_exec (self->db, pragma, NULL, NULL, NULL);
  sodium_free (pragma);
  if (rc != SQLITE_OK ||
      sqlite3_exec (self->db, "PRAGMA cipher_page_size = 4096", NULL, NULL, NULL) != SQLITE_OK)
    {
      chevet_store_set_sql_error (self, error);
      return FALSE;
    }

  /* The key was authenticated by its slot: a failure to read now means damage. */
  rc = query_int (self->db, "SELECT count(*) FROM sqlite_master", &version);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                   _("The workspace “%s” is damaged: its database cannot be read"), self->path);
      return FALSE;
    }
  if (query_int (self->db, "PRAGMA user_version", &version) != SQLITE_OK ||
      query_int (self->db, "PRAGMA application_id", &app_id) != SQLITE_OK)
    {
      chevet_store_set_sql_error (self, error);
      return FALSE;
    }
  if (version > CHEVET_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_NEW,
                   _("The workspace “%s” was written by a newer version of Chevet: update Chevet to open it"),
                   self->path);
      return FALSE;
    }
  if (!create && app_id != APPLICATION_ID)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_DAMAGED,
                   _("The workspace “%s” is damaged: its database is not a Chevet store"), self->path);
      return FALSE;
    }

  if (!chevet_store_exec (self,
                          "PRAGMA journal_mode = WAL;"
                          "PRAGMA synchronous = NORMAL;"
                          "PRAGMA foreign_keys = ON;"
                          "PRAGMA temp_store = MEMORY;"
                          "PRAGMA cache_size = -16384;", error))
    return FALSE;
  sqlite3_busy_timeout (self->db, 10000);
  if (create)
    {
      g_autofree char *set_id = g_strdup_printf ("PRAGMA application_id = %d", APPLICATION_ID);

      if (!chevet_store_exec (self, set_id, error))
        return FALSE;
    }
  return migrate (self, version, error);
}

char *
chevet_store_dup_default_path (const char *workspace_name)
{
  g_return_val_if_fail (workspace_name != NULL, NULL);

  return g_build_filename (g_get_user_data_dir (), "chevet", workspace_name, NULL);
}

gboolean
chevet_store_exists (const char *path)
{
  g_autofree char *file = g_build_filename (path, KEYSLOTS_FILE, NULL);

  return g_file_test (file, G_FILE_TEST_IS_REGULAR);
}

static gboolean
check_new_slot (const char  *account,
                const char  *passphrase,
                GError     **error)
{
  if (account == NULL || *account == '\0' || !g_utf8_validate (account, -1, NULL) ||
      strlen (account) > 64)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID,
                   _("An account name must be 1 to 64 characters long"));
      return FALSE;
    }
  /* The policy applies when a passphrase is set; the ones set before keep working. */
  return chevet_passphrase_check (account, passphrase, NULL, error);
}

/* ------------------------------------------------------------------ unlock delays */

/* The sidecar "unlock-delays": per account, consecutive failed unlocks and the time of
 * the last, as JSON. It lives outside the database because it must be read before the
 * key is known. Small by construction: accounts with a key slot, plus one entry shared
 * by every name without one. */
typedef struct
{
  guint  failures;
  gint64 last;      /* microseconds since 1970 */
} DelayEntry;

static GHashTable *
delays_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Never fails: a missing file is no failure yet, a damaged one is forgotten (with a
 * warning) rather than locking anyone out or crashing. */
static GHashTable *
delays_load (const char *path)
{
  g_autofree char *file = g_build_filename (path, DELAYS_FILE, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) delays = delays_new ();
  JsonObject *root;
  JsonArray *entries;
  gsize len = 0;

  if (!g_file_get_contents (file, &contents, &len, NULL))
    return g_steal_pointer (&delays);
  if (len > DELAYS_MAX_BYTES ||
      !json_parser_load_from_data (parser, contents, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto damaged;
  root = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (get_string_member (root, "format"), DELAYS_FORMAT) != 0 ||
      !json_object_has_member (root, "accounts") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "accounts")))
    goto damaged;
  entries = json_object_get_array_member (root, "accounts");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      JsonNode *failures, *last;
      DelayEntry *entry;
      const char *name;
      JsonObject *o;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        goto damaged;
      o = json_node_get_object (node);
      name = get_string_member (o, "account");
      failures = json_object_get_member (o, "failures");
      last = json_object_get_member (o, "last");
      if (name == NULL || failures == NULL || last == NULL ||
          json_node_get_value_type (failures) != G_TYPE_INT64 ||
          json_node_get_value_type (last) != G_TYPE_INT64 ||
          json_node_get_int (failures) < 0 || json_node_get_int (failures) > G_MAXUINT)
        goto damaged;
      entry = g_new0 (DelayEntry, 1);
      entry->failures = json_node_get_int (failures);
      entry->last = json_node_get_int (last);
      g_hash_table_replace (delays, g_strdup (name), entry);
    }
  return g_steal_pointer (&delays);

damaged:
  g_warning ("The failed-unlock counts of a workspace are damaged: they start again from zero");
  g_hash_table_remove_all (delays);
  return g_steal_pointer (&delays);
}

static gboolean
delays_save (GHashTable  *delays,
             const char  *path,
             GError     **error)
{
  g_autofree char *file = g_build_filename (path, DELAYS_FILE, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  GHashTableIter iter;
  gpointer key, value;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, DELAYS_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "accounts");
  json_builder_begin_array (b);
  g_hash_table_iter_init (&iter, delays);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DelayEntry *entry = value;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "account");
      json_builder_add_string_value (b, key);
      json_builder_set_member_name (b, "failures");
      json_builder_add_int_value (b, entry->failures);
      json_builder_set_member_name (b, "last");
      json_builder_add_int_value (b, entry->last);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  /* Atomic: a crash leaves the old counts or the new ones. */
  if (!g_file_set_contents_full (file, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not save the failed-unlock counts: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The name @account counts under: itself when it has a key slot. */
static const char *
delay_name (KeySlots   *ks,
            const char *account)
{
  return key_slots_find (ks, account) != NULL ? account : UNKNOWN_ACCOUNTS;
}

static gint64
delay_for_failures (guint failures)
{
  if (failures <= CHEVET_STORE_FREE_FAILURES)
    return 0;
  if (failures - CHEVET_STORE_FREE_FAILURES - 1 >= 6)  /* 30 s << 5 is past the cap */
    return CHEVET_STORE_MAX_DELAY;
  return MIN ((gint64) CHEVET_STORE_FIRST_DELAY << (failures - CHEVET_STORE_FREE_FAILURES - 1),
              CHEVET_STORE_MAX_DELAY);
}

/* Seconds left, rounded up; never more than the delay itself, even when the clock went
 * back (a last failure "in the future" must not lock anyone out). */
static gint64
delay_remaining (const DelayEntry *entry)
{
  gint64 delay, elapsed;

  if (entry == NULL)
    return 0;
  delay = delay_for_failures (entry->failures);
  elapsed = delay_clock () - entry->last;
  if (delay == 0 || elapsed >= delay * G_USEC_PER_SEC)
    return 0;
  if (elapsed < 0)
    return delay;
  return (delay * G_USEC_PER_SEC - elapsed + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

static void
set_too_soon_error (GError **error,
                    guint    failures,
                    gint64   seconds)
{
  g_autofree char *attempts = NULL;

  /* Translators: the start of "5 failed attempts: try again in 30 seconds" */
  attempts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed attempt", "%u failed attempts",
                                           failures), failures);
  if (seconds <= 90)
    g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON,
                 /* Translators: %s is "5 failed attempts" */
                 g_dngettext (GETTEXT_PACKAGE, "%s: try again in %lld second",
                              "%s: try again in %lld seconds", (gulong) seconds),
                 attempts, (long long) seconds);
  else
    g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON,
                 /* Translators: %s is "5 failed attempts" */
                 g_dngettext (GETTEXT_PACKAGE, "%s: try again in %lld minute",
                              "%s: try again in %lld minutes", (gulong) (seconds + 59) / 60),
                 attempts, (long long) (seconds + 59) / 60);
}

/* FALSE with TOO_SOON while @account's delay runs: checked before deriving any key. */
static gboolean
check_unlock_delay (KeySlots    *ks,
                    const char  *path,
                    const char  *account,
                    GError     **error)
{
  g_autoptr(GHashTable) delays = delays_load (path);
  DelayEntry *entry = g_hash_table_lookup (delays, delay_name (ks, account));
  gint64 remaining = delay_remaining (entry);

  if (remaining > 0)
    {
      set_too_soon_error (error, entry->failures, remaining);
      return FALSE;
    }
  return TRUE;
}

/* Counts a failed unlock. Not saving it is logged, not fatal: the refusal stands. */
static void
count_unlock_failure (KeySlots   *ks,
                      const char *path,
                      const char *account)
{
  g_autoptr(GHashTable) delays = delays_load (path);
  g_autoptr(GError) local_error = NULL;
  const char *name = delay_name (ks, account);
  DelayEntry *entry = g_hash_table_lookup (delays, name);
  GHashTableIter iter;
  gpointer key;

  if (entry == NULL)
    {
      entry = g_new0 (DelayEntry, 1);
      g_hash_table_insert (delays, g_strdup (name), entry);
    }
  if (entry->failures < G_MAXUINT)
    entry->failures++;
  entry->last = delay_clock ();
  /* Bounded: only accounts that still have a key slot, and the one shared entry. */
  g_hash_table_iter_init (&iter, delays);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (strcmp (key, UNKNOWN_ACCOUNTS) != 0 && key_slots_find (ks, key) == NULL)
      g_hash_table_iter_remove (&iter);
  if (!delays_save (delays, path, &local_error))
    g_message ("A failed unlock was not counted: %s", local_error->message);
}

static void
reset_unlock_failures (const char *path,
                       const char *account)
{
  g_autoptr(GHashTable) delays = delays_load (path);
  g_autoptr(GError) local_error = NULL;

  if (g_hash_table_remove (delays, account) && !delays_save (delays, path, &local_error))
    g_message ("The failed-unlock count was not reset: %s", local_error->message);
}

gint64
chevet_store_get_unlock_delay (const char  *path,
                               const char  *account,
                               guint       *n_failures,
                               GError     **error)
{
  g_autoptr(KeySlots) ks = NULL;
  g_autoptr(GHashTable) delays = NULL;
  DelayEntry *entry;

  g_return_val_if_fail (path != NULL, -1);
  g_return_val_if_fail (account != NULL, -1);

  if (n_failures != NULL)
    *n_failures = 0;
  if ((ks = key_slots_load (path, error)) == NULL)
    return -1;
  delays = delays_load (path);
  entry = g_hash_table_lookup (delays, delay_name (ks, account));
  if (n_failures != NULL && entry != NULL)
    *n_failures = entry->failures;
  return delay_remaining (entry);
}

gboolean
chevet_store_check_unlock_delay (const char  *path,
                                 const char  *account,
                                 GError     **error)
{
  g_autoptr(KeySlots) ks = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if ((ks = key_slots_load (path, error)) == NULL)
    return FALSE;
  return check_unlock_delay (ks, path, account, error);
}

/* ------------------------------------------------------------------ roles */

void
chevet_account_info_free (ChevetAccountInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info);
}

static const char * const role_codes[] = {
  [CHEVET_ROLE_ADMINISTRATOR] = "administrator",
  [CHEVET_ROLE_CLINICIAN] = "clinician",
  [CHEVET_ROLE_TRAINEE] = "trainee",
};

const char *
chevet_role_to_string (ChevetRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_codes), NULL);
  return role_codes[role];
}

gboolean
chevet_role_from_string (const char *text,
                         ChevetRole *out_role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_codes); i++)
    if (g_strcmp0 (text, role_codes[i]) == 0)
      {
        *out_role = i;
        return TRUE;
      }
  return FALSE;
}

const char *
chevet_role_get_label (ChevetRole role)
{
  switch (role)
    {
    case CHEVET_ROLE_ADMINISTRATOR:
      return _("Administrator");
    case CHEVET_ROLE_CLINICIAN:
      return _("Clinician");
    case CHEVET_ROLE_TRAINEE:
      return _("Trainee");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The role of @account in the database now; FALSE without error when it has no row. */
static gboolean
read_role (ChevetStore  *self,
           const char   *account,
           ChevetRole   *out_role,
           GError      **error)
{
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  int rc;

  stmt = chevet_store_prepare (self, "SELECT role FROM accounts WHERE account = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    found = chevet_role_from_string ((const char *) sqlite3_column_text (stmt, 0), out_role);
  else if (rc != SQLITE_DONE)
    chevet_store_set_sql_error (self, error);
  sqlite3_reset (stmt);
  return found;
}

static gboolean
write_role (ChevetStore  *self,
            const char   *account,
            ChevetRole    role,
            gint64        created,
            GError      **error)
{
  sqlite3_stmt *stmt;

  stmt = chevet_store_prepare (self,
                               "INSERT OR REPLACE INTO accounts (account, role, created_at) "
                               "VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, chevet_role_to_string (role), -1, SQLITE_STATIC);
  if (created > 0)
    sqlite3_bind_int64 (stmt, 3, created);
  else
    sqlite3_bind_null (stmt, 3);
  return chevet_store_step_done (self, stmt, error);
}

/* Workspaces made before roles: every account with a key slot was an administrator, and
 * is given that row once. After that, a key slot without a row was not made by Chevet
 * and opens nothing (a restored old keyslots.json must not bring a removed account back
 * as an administrator). */
static gboolean
adopt_accounts (ChevetStore  *self,
                KeySlots     *ks,
                GError      **error)
{
  g_autofree char *adopted = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok = TRUE;

  adopted = chevet_store_dup_meta (self, "accounts.adopted", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (adopted != NULL)
    return TRUE;
  if (!chevet_store_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; ok && i < ks->slots->len; i++)
    {
      KeySlot *slot = g_ptr_array_index (ks->slots, i);
      ChevetRole role;

      if (read_role (self, slot->account, &role, &local_error))
        continue;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          ok = FALSE;
        }
      else
        ok = write_role (self, slot->account, CHEVET_ROLE_ADMINISTRATOR, 0, error);
    }
  ok = ok && chevet_store_set_meta (self, "accounts.adopted", "1", error);
  if (!ok)
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (!chevet_store_exec (self, "COMMIT", error))
    return FALSE;
  g_debug ("%u accounts made before roles are administrators", ks->slots->len);
  return TRUE;
}

/* Reads the kind of workspace and the role of the account that opens it. */
static gboolean
load_role (ChevetStore  *self,
           KeySlots     *ks,
           GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *kind = NULL;

  if (!adopt_accounts (self, ks, error))
    return FALSE;
  kind = chevet_store_dup_meta (self, "workspace.kind", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Anything but "training" is clinical: the stricter kind for trainees. */
  self->training = g_strcmp0 (kind, "training") == 0;
  if (!read_role (self, self->account, &self->role, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                     _("The account “%s” has no role in this workspace: an administrator must add it again"),
                     self->account);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ create, open */

static ChevetStore *
create_workspace (const char  *path,
                  const char  *workspace_name,
                  const char  *account,
                  const char  *passphrase,
                  gboolean     training,
                  GError     **error)
{
  g_autoptr(ChevetStore) self = NULL;
  g_autoptr(KeySlots) ks = NULL;
  g_autofree char *db_file = NULL;
  KeySlot *slot;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (workspace_name != NULL, NULL);

  if (!ensure_sodium (error) || !check_new_slot (account, passphrase, error))
    return NULL;
  db_file = g_build_filename (path, DATABASE_FILE, NULL);
  if (chevet_store_exists (path) || g_file_test (db_file, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_EXISTS,
                   _("A workspace already exists in “%s”"), path);
      return NULL;
    }
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not create the folder “%s”: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (CHEVET_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->account = g_strdup (account);
  self->name = g_strdup (workspace_name);
  /* The creator manages the workspace. */
  self->role = CHEVET_ROLE_ADMINISTRATOR;
  self->training = training;
  /* Not a secret: it only binds key slots to this workspace. */
  self->workspace_id = g_uuid_string_random ();
  self->key = sodium_malloc (KEY_BYTES);
  if (self->key == NULL)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not allocate protected memory"));
      return NULL;
    }
  randombytes_buf (self->key, KEY_BYTES);

  ks = g_new0 (KeySlots, 1);
  ks->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) key_slot_free);
  ks->workspace_id = g_strdup (self->workspace_id);
  ks->name = g_strdup (workspace_name);
  slot = key_slot_new (self->workspace_id, account, passphrase, self->key, error);
  sodium_mprotect_noaccess (self->key);
  if (slot == NULL)
    return NULL;
  g_ptr_array_add (ks->slots, slot);

  /* Database first, key slots last: a crash in between leaves no half workspace
   * that would pass for a whole one. */
  if (!open_database (self, TRUE, error) ||
      !chevet_store_exec (self, "BEGIN IMMEDIATE", error) ||
      !write_role (self, account, CHEVET_ROLE_ADMINISTRATOR, delay_clock (), error) ||
      !chevet_store_set_meta (self, "accounts.adopted", "1", error) ||
      !chevet_store_set_meta (self, "workspace.kind", training ? "training" : "clinical", error) ||
      !chevet_store_exec (self, "COMMIT", error))
    {
      g_clear_pointer (&self->statements, g_hash_table_unref);
      sqlite3_close_v2 (g_steal_pointer (&self->db));
      g_unlink (db_file);
      return NULL;
    }
  g_chmod (db_file, 0600);
  if (!key_slots_save (ks, path, error))
    return NULL;
  g_debug ("workspace created with one key slot");
  return g_steal_pointer (&self);
}

ChevetStore *
chevet_store_create (const char  *path,
                     const char  *workspace_name,
                     const char  *account,
                     const char  *passphrase,
                     GError     **error)
{
  return create_workspace (path, workspace_name, account, passphrase, FALSE, error);
}

ChevetStore *
chevet_store_create_training (const char  *path,
                              const char  *workspace_name,
                              const char  *account,
                              const char  *passphrase,
                              GError     **error)
{
  return create_workspace (path, workspace_name, account, passphrase, TRUE, error);
}

ChevetStore *
chevet_store_open (const char  *path,
                   const char  *account,
                   const char  *passphrase,
                   GError     **error)
{
  g_autoptr(ChevetStore) self = NULL;
  g_autoptr(KeySlots) ks = NULL;
  g_autoptr(GError) local_error = NULL;
  KeySlot *slot;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (account != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  if (!ensure_sodium (error) || (ks = key_slots_load (path, error)) == NULL)
    return NULL;
  /* Before any key derivation: a guess during the delay costs the guesser nothing, and
   * must not cost us Argon2id either. */
  if (!check_unlock_delay (ks, path, account, error))
    return NULL;
  slot = key_slots_find (ks, account);
  if (slot == NULL)
    {
      count_unlock_failure (ks, path, account);
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT,
                   _("There is no account “%s” in this workspace"), account);
      return NULL;
    }

  self = g_object_new (CHEVET_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->account = g_strdup (account);
  self->name = g_strdup (ks->name);
  self->workspace_id = g_strdup (ks->workspace_id);
  self->key = sodium_malloc (KEY_BYTES);
  if (self->key == NULL)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not allocate protected memory"));
      return NULL;
    }
  if (!key_slot_unwrap (slot, ks->workspace_id, passphrase, self->key, &local_error))
    {
      if (g_error_matches (local_error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE))
        count_unlock_failure (ks, path, account);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  sodium_mprotect_noaccess (self->key);
  /* The passphrase was right: the count starts again, whatever comes next. */
  reset_unlock_failures (path, account);
  if (!open_database (self, FALSE, &local_error) || !load_role (self, ks, &local_error))
    {
      if (g_error_matches (local_error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED))
        {
          g_clear_object (&self);
          chevet_audit_note_failed_unlock (path, account, "role", NULL);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (self->role == CHEVET_ROLE_TRAINEE && !self->training)
    {
      /* The key goes before anything else happens. */
      g_clear_object (&self);
      chevet_audit_note_failed_unlock (path, account, "role", NULL);
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("“%s” is a trainee account: trainee accounts open only the training workspace"),
                   account);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* A second connection to the same workspace, for another thread (the sync engine's),
 * with the key already unwrapped: no passphrase, no second key derivation. */
ChevetStore *
chevet_store_open_another (ChevetStore  *self,
                           GError      **error)
{
  g_autoptr(ChevetStore) other = NULL;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);
  g_return_val_if_fail (self->key != NULL, NULL);

  other = g_object_new (CHEVET_TYPE_STORE, NULL);
  other->path = g_strdup (self->path);
  other->account = g_strdup (self->account);
  other->name = g_strdup (self->name);
  other->workspace_id = g_strdup (self->workspace_id);
  other->role = self->role;
  other->training = self->training;
  other->key = sodium_malloc (KEY_BYTES);
  if (other->key == NULL)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                   _("Could not allocate protected memory"));
      return NULL;
    }
  sodium_mprotect_readonly (self->key);
  memcpy (other->key, self->key, KEY_BYTES);
  sodium_mprotect_noaccess (self->key);
  sodium_mprotect_noaccess (other->key);
  if (!open_database (other, FALSE, error))
    return NULL;
  return g_steal_pointer (&other);
}

const char *
chevet_store_get_path (ChevetStore *self)
{
  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);
  return self->path;
}

const char *
chevet_store_get_account (ChevetStore *self)
{
  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);
  return self->account;
}

ChevetRole
chevet_store_get_role (ChevetStore *self)
{
  g_return_val_if_fail (CHEVET_IS_STORE (self), CHEVET_ROLE_TRAINEE);
  return self->role;
}

gboolean
chevet_store_is_training (ChevetStore *self)
{
  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);
  return self->training;
}

const char *
chevet_store_get_name (ChevetStore *self)
{
  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);
  return self->name;
}

const char *
chevet_store_get_workspace_id (ChevetStore *self)
{
  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);
  return self->workspace_id;
}

/* ------------------------------------------------------------------ accounts */

/* An account change in the audit trail: "<what>:<account>", never a secret. */
static gboolean
record_account_change (ChevetStore         *self,
                       const char          *what,
                       const char          *account,
                       ChevetAuditOutcome   outcome,
                       GError             **error)
{
  g_autofree char *detail = g_strdup_printf ("%s:%s", what, account);

  return chevet_audit_append (self, CHEVET_AUDIT_ACCOUNT, NULL, outcome, detail, error);
}

gboolean
chevet_store_is_administrator_now (ChevetStore  *self,
                                   GError      **error)
{
  ChevetRole role;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);

  return read_role (self, self->account, &role, error) && role == CHEVET_ROLE_ADMINISTRATOR;
}

/* Asked of the database each time, not of the role read at open: an administrator
 * demoted by another session since stops being one here too. A refusal is recorded. */
static gboolean
require_administrator (ChevetStore  *self,
                       const char   *what,
                       const char   *account,
                       GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  ChevetRole role;

  if (read_role (self, self->account, &role, &local_error) && role == CHEVET_ROLE_ADMINISTRATOR)
    return TRUE;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  record_account_change (self, what, account, CHEVET_AUDIT_DENIED, NULL);
  g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
               _("Only an administrator can add or remove accounts, change roles or reset "
                 "passphrases: “%s” is not an administrator"), self->account);
  return FALSE;
}

static gboolean
check_role_allowed (ChevetStore  *self,
                    const char   *account,
                    ChevetRole    role,
                    GError      **error)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_codes), FALSE);

  if (role == CHEVET_ROLE_TRAINEE && !self->training)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("“%s” cannot be a trainee here: trainee accounts exist only in the training workspace"),
                   account);
      return FALSE;
    }
  return TRUE;
}

/* How many accounts with a key slot are administrators; -1 with @error set. */
static gint
count_administrators (ChevetStore  *self,
                      KeySlots     *ks,
                      GError      **error)
{
  sqlite3_stmt *stmt;
  gint n = 0;
  int rc;

  stmt = chevet_store_prepare (self, "SELECT account FROM accounts WHERE role = 'administrator'", error);
  if (stmt == NULL)
    return -1;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (key_slots_find (ks, (const char *) sqlite3_column_text (stmt, 0)) != NULL)
      n++;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      return -1;
    }
  return n;
}

/* FALSE with LAST_ADMINISTRATOR when @account is the last administrator. */
static gboolean
check_not_last_administrator (ChevetStore  *self,
                              KeySlots     *ks,
                              const char   *account,
                              GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  ChevetRole role;
  gint n;

  if (!read_role (self, account, &role, &local_error))
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (role != CHEVET_ROLE_ADMINISTRATOR)
    return TRUE;
  if ((n = count_administrators (self, ks, error)) < 0)
    return FALSE;
  if (n <= 1)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ADMINISTRATOR,
                   _("“%s” is the last administrator of this workspace: make another account "
                     "an administrator first"), account);
      return FALSE;
    }
  return TRUE;
}

static KeySlot *
find_slot_or_fail (KeySlots    *ks,
                   const char  *account,
                   GError     **error)
{
  KeySlot *slot = key_slots_find (ks, account);

  if (slot == NULL)
    g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT,
                 _("There is no account “%s” in this workspace"), account);
  return slot;
}

gboolean
chevet_store_add_account (ChevetStore  *self,
                          const char   *account,
                          ChevetRole    role,
                          const char   *passphrase,
                          GError      **error)
{
  g_autoptr(KeySlots) ks = NULL;
  g_autofree char *what = NULL;
  KeySlot *slot;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);

  what = g_strdup_printf ("add %s", chevet_role_to_string (role));
  if (!require_administrator (self, what, account != NULL ? account : "", error) ||
      !check_role_allowed (self, account, role, error) ||
      !check_new_slot (account, passphrase, error) ||
      (ks = key_slots_load (self->path, error)) == NULL)
    return FALSE;
  if (key_slots_find (ks, account) != NULL)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_ACCOUNT_EXISTS,
                   _("The account “%s” already exists"), account);
      return FALSE;
    }
  sodium_mprotect_readonly (self->key);
  slot = key_slot_new (self->workspace_id, account, passphrase, self->key, error);
  sodium_mprotect_noaccess (self->key);
  if (slot == NULL)
    return FALSE;
  g_ptr_array_add (ks->slots, slot);
  /* The role first: a crash before the slot is saved leaves a row that opens nothing. */
  if (!write_role (self, account, role, delay_clock (), error))
    return FALSE;
  return key_slots_save (ks, self->path, error) &&
         record_account_change (self, what, account, CHEVET_AUDIT_SUCCESS, error);
}

gboolean
chevet_store_remove_account (ChevetStore  *self,
                             const char   *account,
                             GError      **error)
{
  g_autoptr(KeySlots) ks = NULL;
  sqlite3_stmt *stmt;
  KeySlot *slot;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!require_administrator (self, "remove", account, error) ||
      (ks = key_slots_load (self->path, error)) == NULL ||
      (slot = find_slot_or_fail (ks, account, error)) == NULL)
    return FALSE;
  if (ks->slots->len == 1)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ACCOUNT,
                   _("The account “%s” is the only one that can open this workspace"), account);
      return FALSE;
    }
  if (!check_not_last_administrator (self, ks, account, error))
    return FALSE;
  g_ptr_array_remove (ks->slots, slot);
  /* The slot first: once it is gone the account opens nothing, row or not. */
  if (!key_slots_save (ks, self->path, error))
    return FALSE;
  stmt = chevet_store_prepare (self, "DELETE FROM accounts WHERE account = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  return chevet_store_step_done (self, stmt, error) &&
         record_account_change (self, "remove", account, CHEVET_AUDIT_SUCCESS, error);
}

gboolean
chevet_store_set_role (ChevetStore  *self,
                       const char   *account,
                       ChevetRole    role,
                       GError      **error)
{
  g_autoptr(KeySlots) ks = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *what = NULL;
  sqlite3_stmt *stmt;
  ChevetRole current;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  what = g_strdup_printf ("role %s", chevet_role_to_string (role));
  if (!require_administrator (self, what, account, error) ||
      (ks = key_slots_load (self->path, error)) == NULL ||
      find_slot_or_fail (ks, account, error) == NULL ||
      !check_role_allowed (self, account, role, error))
    return FALSE;
  if (read_role (self, account, &current, &local_error) && current == role)
    return TRUE;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (role != CHEVET_ROLE_ADMINISTRATOR && !check_not_last_administrator (self, ks, account, error))
    return FALSE;

  /* The change and its audit entry commit together. */
  if (!chevet_store_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt = chevet_store_prepare (self, "UPDATE accounts SET role = ? WHERE account = ?", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, chevet_role_to_string (role), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, account, -1, SQLITE_STATIC);
      ok = chevet_store_step_done (self, stmt, error);
    }
  if (ok && sqlite3_changes (self->db) == 0)
    ok = write_role (self, account, role, 0, error);
  ok = ok && record_account_change (self, what, account, CHEVET_AUDIT_SUCCESS, error);
  if (!ok)
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (!chevet_store_exec (self, "COMMIT", error))
    return FALSE;
  if (g_strcmp0 (account, self->account) == 0)
    self->role = role;
  return TRUE;
}

/* Puts a new slot for @account, wrapping the key this store holds, in place of @slot. */
static gboolean
replace_slot (ChevetStore  *self,
              KeySlots     *ks,
              KeySlot      *slot,
              const char   *account,
              const char   *new_passphrase,
              GError      **error)
{
  KeySlot *fresh;
  guint index;

  sodium_mprotect_readonly (self->key);
  fresh = key_slot_new (self->workspace_id, account, new_passphrase, self->key, error);
  sodium_mprotect_noaccess (self->key);
  if (fresh == NULL)
    return FALSE;
  g_assert (g_ptr_array_find (ks->slots, slot, &index));
  g_ptr_array_index (ks->slots, index) = fresh;
  key_slot_free (slot);
  return key_slots_save (ks, self->path, error);
}

gboolean
chevet_store_reset_passphrase (ChevetStore  *self,
                               const char   *account,
                               const char   *new_passphrase,
                               GError      **error)
{
  g_autoptr(KeySlots) ks = NULL;
  KeySlot *slot;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!require_administrator (self, "reset-passphrase", account, error))
    return FALSE;
  /* One's own needs the old passphrase: an unlocked session left unattended must not be
   * enough to take the account over. */
  if (g_strcmp0 (account, self->account) == 0)
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID,
                   _("To change your own passphrase, give the old one (change the passphrase "
                     "instead of resetting it)"));
      return FALSE;
    }
  if (!check_new_slot (account, new_passphrase, error) ||
      (ks = key_slots_load (self->path, error)) == NULL ||
      (slot = find_slot_or_fail (ks, account, error)) == NULL ||
      !replace_slot (self, ks, slot, account, new_passphrase, error))
    return FALSE;
  /* An administrator vouched for the account: its delay ends. */
  reset_unlock_failures (self->path, account);
  return record_account_change (self, "reset-passphrase", account, CHEVET_AUDIT_SUCCESS, error);
}

gboolean
chevet_store_change_passphrase (ChevetStore  *self,
                                const char   *old_passphrase,
                                const char   *new_passphrase,
                                GError      **error)
{
  g_autoptr(KeySlots) ks = NULL;
  g_autoptr(GError) local_error = NULL;
  KeySlot *slot;
  guint8 *check;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);
  g_return_val_if_fail (old_passphrase != NULL, FALSE);

  if (!check_new_slot (self->account, new_passphrase, error) ||
      (ks = key_slots_load (self->path, error)) == NULL ||
      (slot = find_slot_or_fail (ks, self->account, error)) == NULL)
    return FALSE;
  /* Prove the old passphrase again: an unlocked session left unattended is not enough.
   * The guesses count as failed unlocks, or this would be a way around the delays. */
  if (!check_unlock_delay (ks, self->path, self->account, error))
    return FALSE;
  check = sodium_malloc (KEY_BYTES);
  ok = check != NULL && key_slot_unwrap (slot, ks->workspace_id, old_passphrase, check, &local_error);
  if (check != NULL)
    sodium_free (check);
  if (!ok)
    {
      if (g_error_matches (local_error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE))
        count_unlock_failure (ks, self->path, self->account);
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_FAILED,
                     _("Could not allocate protected memory"));
      return FALSE;
    }
  reset_unlock_failures (self->path, self->account);
  return replace_slot (self, ks, slot, self->account, new_passphrase, error) &&
         record_account_change (self, "passphrase", self->account, CHEVET_AUDIT_SUCCESS, error);
}

GPtrArray *
chevet_store_list_accounts (ChevetStore  *self,
                            GError      **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_account_info_free);
  g_autoptr(KeySlots) ks = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  if ((ks = key_slots_load (self->path, error)) == NULL)
    return NULL;
  stmt = chevet_store_prepare (self, "SELECT role, created_at FROM accounts WHERE account = ?", error);
  if (stmt == NULL)
    return NULL;
  /* The key slots' order, the order they were added; a slot without a row opens
   * nothing and is not an account. */
  for (guint i = 0; i < ks->slots->len; i++)
    {
      KeySlot *slot = g_ptr_array_index (ks->slots, i);
      ChevetAccountInfo *info;
      ChevetRole role;
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, slot->account, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          chevet_store_set_sql_error (self, error);
          sqlite3_reset (stmt);
          return NULL;
        }
      if (rc == SQLITE_ROW &&
          chevet_role_from_string ((const char *) sqlite3_column_text (stmt, 0), &role))
        {
          info = g_new0 (ChevetAccountInfo, 1);
          info->name = g_strdup (slot->account);
          info->role = role;
          info->created = sqlite3_column_int64 (stmt, 1);
          g_ptr_array_add (result, info);
        }
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&result);
}

char *
chevet_store_dup_workspace_name (const char  *path,
                                 GError     **error)
{
  g_autoptr(KeySlots) ks = key_slots_load (path, error);

  return ks != NULL ? g_strdup (ks->name) : NULL;
}

char **
chevet_store_dup_accounts (const char  *path,
                           GError     **error)
{
  g_autoptr(KeySlots) ks = key_slots_load (path, error);
  GPtrArray *names;

  if (ks == NULL)
    return NULL;
  names = g_ptr_array_new ();
  for (guint i = 0; i < ks->slots->len; i++)
    g_ptr_array_add (names, g_strdup (((KeySlot *) g_ptr_array_index (ks->slots, i))->account));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* ------------------------------------------------------------------ queries */

GHashTable *
chevet_store_count_resources (ChevetStore  *self,
                              GError      **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  stmt = chevet_store_prepare (self, "SELECT type, count(*) FROM resources GROUP BY type", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (counts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GUINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&counts);
}

char *
chevet_store_dup_resource_json (ChevetStore  *self,
                                const char   *type,
                                const char   *id,
                                GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  stmt = chevet_store_prepare (self, "SELECT json FROM resources WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      char *json = g_strdup ((const char *) sqlite3_column_text (stmt, 0));

      sqlite3_reset (stmt);
      return json;
    }
  if (rc != SQLITE_DONE)
    chevet_store_set_sql_error (self, error);
  sqlite3_reset (stmt);
  return NULL;
}

#define PATIENT_COLUMNS \
  "p.id, p.family, p.given, p.gender, p.birth_date, p.deceased, p.deceased_date, " \
  "p.identifier, p.organization, p.security, p.confidentiality"

/* A date typed in the search box: 1984-03-12, 12/03/1984 or 12.03.1984 (day first). */
static char *
parse_search_date (const char *text)
{
  int y, m, d;
  char sep;

  if (sscanf (text, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen (text) == 10)
    ;
  else if (sscanf (text, "%2d%c%2d%c%4d", &d, &sep, &m, &sep, &y) == 5 &&
           (sep == '/' || sep == '.') && strlen (text) == 10)
    ;
  else
    return NULL;
  if (!g_date_valid_dmy (d, m, y))
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02d", y, m, d);
}

/* Turns what the user typed into an FTS4 query: every word a prefix, all required. */
static char *
build_match (const char *text)
{
  g_autofree char *folded = chevet_fhir_fold (text);
  g_autoptr(GString) match = g_string_new (NULL);
  g_autoptr(GString) word = g_string_new (NULL);

  for (const char *p = folded;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          if (match->len > 0)
            g_string_append_c (match, ' ');
          g_string_append_printf (match, "%s*", word->str);
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }
  return match->len > 0 ? g_string_free (g_steal_pointer (&match), FALSE) : NULL;
}

/* The list's order of every patient (sort key, then rid for ties), kept in memory for
 * the name search; read again when a write to patients moved "patients-serial". */
static gboolean
ensure_ranks (ChevetStore  *self,
              GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 serial = -1;
  guint rank = 0;
  int rc;

  stmt = chevet_store_prepare (self, "SELECT value FROM meta WHERE key = 'patients-serial'", error);
  if (stmt == NULL)
    return FALSE;
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    serial = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      return FALSE;
    }
  if (self->ranks != NULL && serial == self->ranks_serial)
    return TRUE;

  g_clear_pointer (&self->ranks, g_hash_table_unref);
  stmt = chevet_store_prepare (self, "SELECT rid FROM patients ORDER BY sort_key, rid", error);
  if (stmt == NULL)
    return FALSE;
  self->ranks = g_hash_table_new (NULL, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (self->ranks, GSIZE_TO_POINTER ((gsize) sqlite3_column_int64 (stmt, 0)),
                         GUINT_TO_POINTER (++rank));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      g_clear_pointer (&self->ranks, g_hash_table_unref);
      return FALSE;
    }
  self->ranks_serial = serial;
  g_debug ("patient order read: %u patients", rank);
  return TRUE;
}

typedef struct
{
  guint  rank;
  gint64 rid;
} Ranked;

static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  guint ra = ((const Ranked *) a)->rank, rb = ((const Ranked *) b)->rank;

  return ra < rb ? -1 : ra > rb;
}

/* A name or identifier search: the full-text index gives the matches, the ranks in
 * memory order them, and only the rows of the page asked for are read. Sorting the
 * matches in SQL read every matching row (13 ms for a 2-letter prefix matching 13,000
 * of 100,000 patients); this reads none but the page's. */
static gboolean
search_by_match (ChevetStore  *self,
                 const char   *match,
                 guint         offset,
                 guint         limit,
                 GPtrArray    *result,
                 GError      **error)
{
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (Ranked));
  sqlite3_stmt *stmt;
  guint end;
  int rc;

  if (!ensure_ranks (self, error))
    return FALSE;

  stmt = chevet_store_prepare (self, "SELECT docid FROM patients_fts WHERE patients_fts MATCH ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Ranked hit = { 0, sqlite3_column_int64 (stmt, 0) };

      hit.rank = GPOINTER_TO_UINT (g_hash_table_lookup (self->ranks, GSIZE_TO_POINTER ((gsize) hit.rid)));
      /* 0: written by another connection after the order was read; last, until the
       * next search reads the order again. */
      if (hit.rank == 0)
        hit.rank = G_MAXUINT;
      g_array_append_val (hits, hit);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      return FALSE;
    }
  g_array_sort (hits, compare_ranked);

  end = limit > 0 ? MIN ((guint64) hits->len, (guint64) offset + limit) : hits->len;
  stmt = chevet_store_prepare (self, "SELECT " PATIENT_COLUMNS " FROM patients p WHERE p.rid = ?", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = offset; i < end; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (hits, Ranked, i).rid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (result, chevet_patient_new_from_row (stmt));
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          chevet_store_set_sql_error (self, error);
          return FALSE;
        }
    }
  return TRUE;
}

GPtrArray *
chevet_store_search_patients (ChevetStore  *self,
                              const char   *text,
                              guint         offset,
                              guint         limit,
                              GError      **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *trimmed = text != NULL ? g_strstrip (g_strdup (text)) : NULL;
  g_autofree char *date = NULL;
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  if (trimmed != NULL && (date = parse_search_date (trimmed)) == NULL &&
      (match = build_match (text)) != NULL)
    {
      if (!search_by_match (self, match, offset, limit, result, error))
        return NULL;
      g_debug ("patient search: %u results", result->len);
      return g_steal_pointer (&result);
    }

  if (date != NULL)
    {
      stmt = chevet_store_prepare (self,
                                   "SELECT " PATIENT_COLUMNS " FROM patients p "
                                   "WHERE p.birth_date = ?1 ORDER BY p.sort_key, p.rid LIMIT ?2 OFFSET ?3",
                                   error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, date, -1, SQLITE_STATIC);
    }
  else
    {
      stmt = chevet_store_prepare (self,
                                   "SELECT " PATIENT_COLUMNS " FROM patients p "
                                   "ORDER BY p.sort_key, p.rid LIMIT ?2 OFFSET ?3", error);
      if (stmt == NULL)
        return NULL;
    }
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 3, offset);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (result, chevet_patient_new_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  g_debug ("patient search: %u results", result->len);
  return g_steal_pointer (&result);
}

gint64
chevet_store_count_patients (ChevetStore  *self,
                             const char   *text,
                             GError      **error)
{
  g_autofree char *trimmed = text != NULL ? g_strstrip (g_strdup (text)) : NULL;
  g_autofree char *date = NULL;
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;
  gint64 n = -1;

  g_return_val_if_fail (CHEVET_IS_STORE (self), -1);

  if (trimmed != NULL && (date = parse_search_date (trimmed)) != NULL)
    {
      stmt = chevet_store_prepare (self, "SELECT count(*) FROM patients WHERE birth_date = ?", error);
      if (stmt != NULL)
        sqlite3_bind_text (stmt, 1, date, -1, SQLITE_STATIC);
    }
  else if (text != NULL && (match = build_match (text)) != NULL)
    {
      stmt = chevet_store_prepare (self, "SELECT count(*) FROM patients_fts WHERE patients_fts MATCH ?", error);
      if (stmt != NULL)
        sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
    }
  else
    stmt = chevet_store_prepare (self, "SELECT count(*) FROM patients", error);
  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    chevet_store_set_sql_error (self, error);
  sqlite3_reset (stmt);
  return n;
}

ChevetPatient *
chevet_store_dup_patient (ChevetStore  *self,
                          const char   *patient_id,
                          GError      **error)
{
  ChevetPatient *patient = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  stmt = chevet_store_prepare (self, "SELECT " PATIENT_COLUMNS " FROM patients p WHERE p.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    patient = chevet_patient_new_from_row (stmt);
  else if (rc != SQLITE_DONE)
    chevet_store_set_sql_error (self, error);
  sqlite3_reset (stmt);
  return patient;
}

/* ------------------------------------------------------------------ recent, meta */

gboolean
chevet_store_touch_recent (ChevetStore  *self,
                           const char   *patient_id,
                           GError      **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  stmt = chevet_store_prepare (self,
                               "INSERT OR REPLACE INTO recent_patients (patient, account, opened_at) "
                               "VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, self->account, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!chevet_store_step_done (self, stmt, error))
    return FALSE;
  return TRUE;
}

GPtrArray *
chevet_store_list_recent (ChevetStore  *self,
                          guint         limit,
                          GError      **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  stmt = chevet_store_prepare (self,
                               "SELECT " PATIENT_COLUMNS " FROM recent_patients r "
                               "JOIN patients p ON p.id = r.patient "
                               "ORDER BY r.opened_at DESC LIMIT ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (result, chevet_patient_new_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}

char *
chevet_store_dup_meta (ChevetStore  *self,
                       const char   *key,
                       GError      **error)
{
  sqlite3_stmt *stmt;
  char *value = NULL;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (self), NULL);

  stmt = chevet_store_prepare (self, "SELECT value FROM meta WHERE key = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    chevet_store_set_sql_error (self, error);
  sqlite3_reset (stmt);
  return value;
}

gboolean
chevet_store_set_meta (ChevetStore  *self,
                       const char   *key,
                       const char   *value,
                       GError      **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (self), FALSE);

  stmt = chevet_store_prepare (self, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  if (!chevet_store_step_done (self, stmt, error))
    return FALSE;
  return TRUE;
}
