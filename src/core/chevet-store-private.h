/* chevet-store-private.h: what the other core modules need of the store's insides
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "chevet-store.h"

G_BEGIN_DECLS

sqlite3       *chevet_store_get_db          (ChevetStore  *self);
/* A cached prepared statement, reset and with bindings cleared. The cache is keyed by
 * the address of @sql, which must be a string constant (static storage). */
sqlite3_stmt  *chevet_store_prepare         (ChevetStore  *self,
                                             const char   *sql,
                                             GError      **error);
/* Runs a statement that returns no row, then resets it; FALSE with @error set on failure. */
gboolean       chevet_store_step_done       (ChevetStore  *self,
                                             sqlite3_stmt *stmt,
                                             GError      **error);
gboolean       chevet_store_exec            (ChevetStore  *self,
                                             const char   *sql,
                                             GError      **error);
/* Sets @error from the connection's last error; SQLITE_CORRUPT and NOTADB become DAMAGED. */
void           chevet_store_set_sql_error   (ChevetStore  *self,
                                             GError      **error);
ChevetPatient *chevet_patient_new_from_row  (sqlite3_stmt *stmt);
/* Whether the store's account is an administrator now, asked of the database (not the
 * role read at open: an administrator demoted meanwhile is no longer one). FALSE with
 * @error set only when the database could not be read. */
gboolean       chevet_store_is_administrator_now (ChevetStore  *self,
                                                  GError      **error);

/* The schema version this build writes; a newer one is refused. */
#define CHEVET_STORE_SCHEMA_VERSION 9

/* Columns shared by every chart projection table, in this order after rid. */
#define CHEVET_CHART_COLUMNS \
  "patient, code, system, display, status, category, date, end_date, value, unit, " \
  "number, low, high, detail, flag, range, encounter, codes, extra"

/* The projection tables: chevet-projection.c */
gboolean       chevet_projection_add        (ChevetStore  *self,
                                             const char   *type,
                                             gint64        rid,
                                             const char   *id,
                                             JsonObject   *resource,
                                             GHashTable   *urn_map,
                                             const char   *where,
                                             GError      **error);
gboolean       chevet_projection_remove     (ChevetStore  *self,
                                             const char   *type,
                                             gint64        rid,
                                             GError      **error);
/* Sets patients.confidentiality again from every stored Patient (schema 8). */
gboolean       chevet_projection_backfill_confidentiality (ChevetStore  *self,
                                                           GError      **error);

/* One resource into `resources` and the projection tables, as an import would put it,
 * inside the caller's transaction (chevet-import.c; used by the outbox). @where names it
 * in error messages. */
gboolean       chevet_import_put_resource   (ChevetStore  *self,
                                             const char   *json,
                                             const char   *where,
                                             GError      **error);
/* Removes one resource and its projection rows; absent is not an error. */
gboolean       chevet_import_delete_resource (ChevetStore *self,
                                             const char   *type,
                                             const char   *id,
                                             GError      **error);

/* A Bundle (or one resource) of @length bytes, inside the caller's transaction, as
 * chevet_import_put_resource; @out_root (may be NULL) receives the parsed document,
 * read-only, so the caller can read links without parsing it again (chevet-sync.c). */
gboolean       chevet_import_put_bundle     (ChevetStore        *self,
                                             const char         *text,
                                             gsize               length,
                                             const char         *where,
                                             ChevetImportStats  *stats,
                                             JsonNode          **out_root,
                                             GError            **error);

G_END_DECLS
