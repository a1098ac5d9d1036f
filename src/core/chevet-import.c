/* chevet-import.c: FHIR R4 Bundles and NDJSON into the store
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib parses and validates; a small scanner then finds each entry's resource in the
 * source text, so that what is stored is the server's own bytes (json-glib would reprint
 * decimals such as 0.1 as 0.10000000000000001, losing FHIR's significant digits). The only
 * edits ever made to a resource's text are those a FHIR server makes when it applies a
 * transaction: urn:uuid: references replaced by Type/id, and an id given to a POSTed
 * resource that had none.
 */
#define G_LOG_DOMAIN "chevet-import"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "chevet-fhir.h"
#include "chevet-import.h"
#include "chevet-store-private.h"

G_DEFINE_QUARK (chevet-import-error-quark, chevet_import_error)

typedef struct
{
  ChevetStore       *store;
  JsonParser        *parser;
  ChevetImportStats  stats;
  const char        *origin;
  gboolean           refuse_training;  /* a clinical workspace importing files */
} Importer;

/* ------------------------------------------------------------------ raw JSON spans */

typedef struct
{
  const char *p;
  const char *end;
  const char *base;  /* offsets in spans are from here */
} Scan;

typedef struct
{
  gsize start;
  gsize end;
} Span;

static void
scan_ws (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* At a '"': moves past the closing quote. */
static void
scan_string (Scan *s)
{
  s->p++;
  while (s->p < s->end && *s->p != '"')
    s->p += *s->p == '\\' ? 2 : 1;
  s->p++;
}

/* Inside an object (after its '{'): moves to the next member's value, giving its key, or
 * past the closing '}' and returns FALSE. */
static gboolean
scan_next_member (Scan        *s,
                  const char **key,
                  gsize       *key_len)
{
  scan_ws (s);
  if (s->p < s->end && *s->p == ',')
    {
      s->p++;
      scan_ws (s);
    }
  if (s->p >= s->end || *s->p == '}')
    {
      s->p++;
      return FALSE;
    }
  *key = s->p + 1;
  scan_string (s);
  *key_len = s->p - 1 - *key;
  scan_ws (s);
  s->p++; /* ':' */
  scan_ws (s);
  return TRUE;
}

/* Inside an array (after its '['): moves to the next element, or past the closing ']'
 * and returns FALSE. */
static gboolean
scan_next_element (Scan *s)
{
  scan_ws (s);
  if (s->p < s->end && *s->p == ',')
    {
      s->p++;
      scan_ws (s);
    }
  if (s->p >= s->end || *s->p == ']')
    {
      s->p++;
      return FALSE;
    }
  return TRUE;
}

#define KEY_IS(key, len, literal) ((len) == sizeof (literal) - 1 && memcmp ((key), literal, (len)) == 0)

/* Skips one value of JSON that json-glib has already accepted. Adds to @refs the span
 * (quotes included) of each string that is the value of a "reference" member. */
static void
scan_value (Scan     *s,
            GArray   *refs,
            gboolean  is_reference)
{
  const char *key;
  gsize key_len;

  scan_ws (s);
  if (s->p >= s->end)
    return;
  if (*s->p == '"')
    {
      const char *start = s->p;

      scan_string (s);
      if (is_reference && refs != NULL)
        {
          Span span = { start - s->base, s->p - s->base };
          g_array_append_val (refs, span);
        }
    }
  else if (*s->p == '{')
    {
      s->p++;
      while (scan_next_member (s, &key, &key_len))
        scan_value (s, refs, KEY_IS (key, key_len, "reference"));
    }
  else if (*s->p == '[')
    {
      s->p++;
      while (scan_next_element (s))
        scan_value (s, refs, is_reference);
    }
  else
    {
      /* A number or literal. Always move on, even over a character that has no business
       * here (json-glib accepts comments, which this scanner does not know): never loop. */
      const char *start = s->p;

      while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' &&
             *s->p != ' ' && *s->p != '\n' && *s->p != '\r' && *s->p != '\t')
        s->p++;
      if (s->p == start)
        s->p++;
    }
}

/* The span of each Bundle.entry[i].resource in @text ({0, 0} where there is none). */
static GArray *
scan_bundle_resources (const char *text,
                       gsize       len)
{
  GArray *spans = g_array_new (FALSE, TRUE, sizeof (Span));
  Scan s = { text, text + len, text };
  const char *key;
  gsize key_len;

  scan_ws (&s);
  if (s.p >= s.end || *s.p != '{')
    return spans;
  s.p++;
  while (scan_next_member (&s, &key, &key_len))
    {
      if (!KEY_IS (key, key_len, "entry") || *s.p != '[')
        {
          scan_value (&s, NULL, FALSE);
          continue;
        }
      /* A repeated "entry" member: json-glib keeps the last one, and so do we. */
      g_array_set_size (spans, 0);
      s.p++;
      while (scan_next_element (&s))
        {
          Span span = { 0, 0 };

          if (*s.p != '{')
            scan_value (&s, NULL, FALSE);
          else
            {
              s.p++;
              while (scan_next_member (&s, &key, &key_len))
                {
                  if (KEY_IS (key, key_len, "resource"))
                    span.start = s.p - text;
                  scan_value (&s, NULL, FALSE);
                  if (KEY_IS (key, key_len, "resource"))
                    span.end = s.p - text;
                }
            }
          g_array_append_val (spans, span);
        }
    }
  return spans;
}

/* The resource's text with urn:uuid: references resolved and, when @new_id is set, an
 * id member added. */
static char *
rewrite_resource (const char *text,
                  gsize       len,
                  GHashTable *urn_map,
                  const char *new_id)
{
  g_autoptr(GArray) refs = g_array_new (FALSE, FALSE, sizeof (Span));
  GString *out = g_string_sized_new (len + 64);
  Scan s = { text, text + len, text };
  gsize at = 0;

  if (urn_map != NULL && g_hash_table_size (urn_map) > 0 &&
      g_strstr_len (text, len, "\"urn:") != NULL)
    scan_value (&s, refs, FALSE);
  for (guint i = 0; i < refs->len; i++)
    {
      Span *r = &g_array_index (refs, Span, i);
      const char *start = text + r->start;
      gsize n = r->end - r->start;
      g_autofree char *value = NULL;
      const char *target;

      if (n < 3)
        continue;
      value = g_strndup (start + 1, n - 2);
      target = g_hash_table_lookup (urn_map, value);
      if (target == NULL)
        continue;
      g_string_append_len (out, text + at, start - text - at);
      g_string_append_printf (out, "\"%s\"", target);
      at = start + n - text;
    }
  g_string_append_len (out, text + at, len - at);

  if (new_id != NULL)
    {
      /* After the opening brace: {"id":"...", ... */
      const char *brace = memchr (out->str, '{', out->len);
      g_autofree char *member = g_strdup_printf ("\"id\":\"%s\",", new_id);

      g_assert (brace != NULL);
      g_string_insert (out, brace - out->str + 1, member);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ validation */

/* Members whose FHIR type is date, dateTime or instant (R4 names, not exhaustive). A
 * switch on the first letter: this runs for every string of every resource. */
static gboolean
is_date_member (const char *n)
{
  switch (n[0])
    {
    case 'a':
      return g_str_equal (n, "abatementDateTime") || g_str_equal (n, "authoredOn");
    case 'b':
      return g_str_equal (n, "birthDate");
    case 'c':
      return g_str_equal (n, "created");
    case 'd':
      return g_str_equal (n, "date") || g_str_equal (n, "deceasedDateTime") ||
             g_str_equal (n, "dateAsserted") || g_str_equal (n, "dateWritten");
    case 'e':
      return g_str_equal (n, "end") || g_str_equal (n, "effectiveDateTime") ||
             g_str_equal (n, "effectiveInstant") || g_str_equal (n, "expirationDate");
    case 'i':
      return g_str_equal (n, "issued");
    case 'l':
      return g_str_equal (n, "lastUpdated") || g_str_equal (n, "lastOccurrence");
    case 'o':
      return g_str_equal (n, "onsetDateTime") || g_str_equal (n, "occurrenceDateTime");
    case 'p':
      return g_str_equal (n, "performedDateTime");
    case 'r':
      return g_str_equal (n, "recordedDate") || g_str_equal (n, "recorded");
    case 's':
      return g_str_equal (n, "start");
    case 't':
      return g_str_equal (n, "timestamp");
    case 'v':
      return g_str_equal (n, "valueDateTime") || g_str_equal (n, "valueDate") ||
             g_str_equal (n, "valueInstant");
    case 'w':
      return g_str_equal (n, "whenHandedOver") || g_str_equal (n, "whenPrepared");
    default:
      return FALSE;
    }
}

typedef struct
{
  const char *where;
  GError    **error;
  int         depth;
} Walk;

/* Checks every member: sizes, dates, nesting depth. Values are never echoed. */
static gboolean
walk_node (Walk       *w,
           const char *name,
           JsonNode   *node)
{
  if (++w->depth > 64)
    {
      g_set_error (w->error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_TOO_LARGE,
                   _("%s: nested more than 64 levels deep"), w->where);
      return FALSE;
    }
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *member;
        JsonNode *child;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &member, &child))
          if (!walk_node (w, member, child))
            return FALSE;
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (a); i++)
          if (!walk_node (w, name, json_array_get_element (a, i)))
            return FALSE;
      }
      break;
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *s = json_node_get_string (node);
          gsize len = strlen (s);

          if (len > CHEVET_IMPORT_MAX_STRING_BYTES)
            {
              g_set_error (w->error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_TOO_LARGE,
                           _("%s: “%s” holds %llu MB of text, more than the %d MB allowed"),
                           w->where, name, (unsigned long long) (len / (1024 * 1024)),
                           CHEVET_IMPORT_MAX_STRING_BYTES / (1024 * 1024));
              return FALSE;
            }
          if (name != NULL && is_date_member (name) && !chevet_fhir_is_valid_date (s))
            {
              g_set_error (w->error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                           _("%s: “%s” is not a valid date"), w->where, name);
              return FALSE;
            }
        }
      else if (name != NULL && is_date_member (name))
        {
          g_set_error (w->error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                       _("%s: “%s” must be a date written as text"), w->where, name);
          return FALSE;
        }
      break;
    case JSON_NODE_NULL:
      break;
    default:
      g_assert_not_reached ();
    }
  w->depth--;
  return TRUE;
}

static const char *
string_member (JsonObject *o,
               const char *name,
               gboolean   *wrong_type)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  if (n == NULL)
    return NULL;
  if (json_node_get_value_type (n) != G_TYPE_STRING)
    {
      *wrong_type = TRUE;
      return NULL;
    }
  return json_node_get_string (n);
}

/* resourceType, id and meta; @id_fallback stands in for a missing id (bundle POSTs). */
static gboolean
check_resource (JsonNode     *node,
                const char   *where,
                const char   *id_fallback,
                const char  **out_type,
                const char  **out_id,
                const char  **out_version,
                const char  **out_updated,
                GError      **error)
{
  JsonObject *o, *meta = NULL;
  JsonNode *meta_node;
  gboolean wrong = FALSE;
  const char *type, *id;
  Walk w = { where, error, 0 };

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                   _("%s: a resource must be a JSON object"), where);
      return FALSE;
    }
  o = json_node_get_object (node);
  type = string_member (o, "resourceType", &wrong);
  if (wrong || (type == NULL && json_object_has_member (o, "resourceType")))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                   _("%s: “resourceType” must be a string"), where);
      return FALSE;
    }
  if (type == NULL)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MISSING,
                   _("%s: “resourceType” is missing"), where);
      return FALSE;
    }
  if (!chevet_fhir_is_resource_type (type))
    {
      g_autofree char *shown = g_utf8_make_valid (type, MIN (strlen (type), 64));

      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_UNKNOWN_TYPE,
                   _("%s: “%s” is not a FHIR R4 resource type"), where, shown);
      return FALSE;
    }
  id = string_member (o, "id", &wrong);
  if (wrong)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                   _("%s: “id” must be a string"), where);
      return FALSE;
    }
  if (id == NULL)
    id = id_fallback;
  if (id == NULL)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MISSING,
                   _("%s: the %s has no “id”"), where, type);
      return FALSE;
    }
  if (!chevet_fhir_is_valid_id (id))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                   _("%s: the %s id is not valid (1 to 64 letters, digits, “-” or “.”)"),
                   where, type);
      return FALSE;
    }
  meta_node = json_object_get_member (o, "meta");
  if (meta_node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (meta_node))
        {
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                       _("%s: “meta” must be an object"), where);
          return FALSE;
        }
      meta = json_node_get_object (meta_node);
    }
  *out_version = string_member (meta, "versionId", &wrong);
  *out_updated = string_member (meta, "lastUpdated", &wrong);
  if (wrong)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                   _("%s: “meta.versionId” and “meta.lastUpdated” must be strings"), where);
      return FALSE;
    }
  if (!walk_node (&w, NULL, node))
    return FALSE;
  *out_type = type;
  *out_id = id;
  return TRUE;
}

/* The training workspace's data carry the HL7 "HTEST" tag (test health data): they are
 * refused in a clinical workspace, so nothing of training reaches a real chart. */
static gboolean
refuse_training_data (Importer    *imp,
                      JsonNode    *node,
                      const char  *where,
                      GError     **error)
{
  if (!imp->refuse_training || !chevet_fhir_is_training_data (json_node_get_object (node)))
    return TRUE;
  g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_TRAINING,
               _("%s: this is training data (tagged HTEST), which a clinical workspace refuses"),
               where);
  return FALSE;
}

/* ------------------------------------------------------------------ writing */

static gboolean
delete_resource (Importer    *imp,
                 const char  *type,
                 const char  *id,
                 GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 rid = -1;

  stmt = chevet_store_prepare (imp->store, "SELECT rid FROM resources WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    rid = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rid < 0)
    return TRUE;
  if (!chevet_projection_remove (imp->store, type, rid, error))
    return FALSE;
  stmt = chevet_store_prepare (imp->store, "DELETE FROM resources WHERE rid = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  if (!chevet_store_step_done (imp->store, stmt, error))
    return FALSE;
  imp->stats.deleted++;
  return TRUE;
}

/* Which of two versions of one resource is newer: > 0 when the incoming one is. */
static int
compare_versions (const char *in_version,
                  const char *in_updated,
                  const char *old_version,
                  const char *old_updated)
{
  int c = 0;

  if (in_updated != NULL && old_updated != NULL)
    c = chevet_fhir_compare_instants (in_updated, old_updated);
  if (c == 0 && in_version != NULL && old_version != NULL)
    c = chevet_fhir_compare_versions (in_version, old_version);
  return c;
}

static gboolean
upsert_resource (Importer    *imp,
                 JsonNode    *node,
                 const char  *type,
                 const char  *id,
                 const char  *version,
                 const char  *updated,
                 const char  *text,
                 gsize        len,
                 GHashTable  *urn_map,
                 const char  *where,
                 GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 rid = -1;
  g_autofree char *old_version = NULL;
  g_autofree char *old_updated = NULL;
  int rc;

  stmt = chevet_store_prepare (imp->store,
                               "SELECT rid, version_id, last_updated FROM resources "
                               "WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      rid = sqlite3_column_int64 (stmt, 0);
      old_version = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      old_updated = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (imp->store, error);
      return FALSE;
    }

  if (rid >= 0)
    {
      int c = compare_versions (version, updated, old_version, old_updated);

      if (c < 0)
        {
          imp->stats.older++;
          return TRUE;
        }
      if (c == 0)
        {
          g_autofree char *old_json = NULL;

          /* Same version: nothing to do. Without any version, the bytes decide. */
          if ((version != NULL && old_version != NULL) || (updated != NULL && old_updated != NULL))
            {
              imp->stats.unchanged++;
              return TRUE;
            }
          old_json = chevet_store_dup_resource_json (imp->store, type, id, error);
          if (old_json != NULL && strlen (old_json) == len && memcmp (old_json, text, len) == 0)
            {
              imp->stats.unchanged++;
              return TRUE;
            }
        }
      if (!chevet_projection_remove (imp->store, type, rid, error))
        return FALSE;
      stmt = chevet_store_prepare (imp->store,
                                   "UPDATE resources SET version_id = ?, last_updated = ?, json = ? "
                                   "WHERE rid = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 4, rid);
      imp->stats.updated++;
    }
  else
    {
      stmt = chevet_store_prepare (imp->store,
                                   "INSERT INTO resources (version_id, last_updated, json, type, id) "
                                   "VALUES (?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 4, type, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, id, -1, SQLITE_STATIC);
      imp->stats.created++;
    }
  if (version != NULL)
    sqlite3_bind_text (stmt, 1, version, -1, SQLITE_STATIC);
  if (updated != NULL)
    sqlite3_bind_text (stmt, 2, updated, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, text, len, SQLITE_STATIC);
  if (!chevet_store_step_done (imp->store, stmt, error))
    return FALSE;
  if (rid < 0)
    rid = sqlite3_last_insert_rowid (chevet_store_get_db (imp->store));
  return chevet_projection_add (imp->store, type, rid, id, json_node_get_object (node),
                                urn_map, where, error);
}

/* ------------------------------------------------------------------ bundles */

static gboolean import_node (Importer *imp, JsonNode *node, const char *text, gsize len,
                             const char *where, GError **error);

static const char *
entry_request (JsonObject  *entry,
               const char **url)
{
  JsonNode *rn = json_object_get_member (entry, "request");
  JsonObject *request;
  gboolean wrong = FALSE;

  *url = NULL;
  if (rn == NULL || !JSON_NODE_HOLDS_OBJECT (rn))
    return NULL;
  request = json_node_get_object (rn);
  *url = string_member (request, "url", &wrong);
  return string_member (request, "method", &wrong);
}

static gboolean
import_bundle (Importer    *imp,
               JsonObject  *bundle,
               const char  *text,
               gsize        len,
               const char  *where,
               GError     **error)
{
  static const char * const types[] = {
    "transaction", "batch", "collection", "searchset", "history", "document", "message",
    "transaction-response", "batch-response",
  };
  g_autoptr(GHashTable) urn_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GArray) spans = NULL;
  JsonArray *entries = NULL;
  JsonNode *en;
  gboolean wrong = FALSE, known = FALSE;
  const char *type = string_member (bundle, "type", &wrong);

  for (guint i = 0; type != NULL && i < G_N_ELEMENTS (types); i++)
    known = known || g_str_equal (type, types[i]);
  if (!known)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_UNSUPPORTED,
                   _("%s: the Bundle has no known “type” (transaction, batch, collection, searchset or history)"),
                   where);
      return FALSE;
    }
  en = json_object_get_member (bundle, "entry");
  if (en != NULL && !JSON_NODE_HOLDS_ARRAY (en))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                   _("%s: “entry” must be a list"), where);
      return FALSE;
    }
  if (en == NULL)
    return TRUE;
  entries = json_node_get_array (en);
  spans = scan_bundle_resources (text, len);
  if (spans->len != json_array_get_length (entries))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                   _("%s: the Bundle’s entries could not be read"), where);
      return FALSE;
    }

  /* First pass: what each urn:uuid: full URL stands for, as a server would assign it. */
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *e = json_array_get_element (entries, i);
      JsonNode *r;
      const char *full_url, *rtype, *rid;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        continue;
      full_url = string_member (json_node_get_object (e), "fullUrl", &wrong);
      r = json_object_get_member (json_node_get_object (e), "resource");
      if (full_url == NULL || !g_str_has_prefix (full_url, "urn:") || r == NULL ||
          !JSON_NODE_HOLDS_OBJECT (r))
        continue;
      rtype = string_member (json_node_get_object (r), "resourceType", &wrong);
      rid = string_member (json_node_get_object (r), "id", &wrong);
      if (rid == NULL && g_str_has_prefix (full_url, "urn:uuid:"))
        rid = full_url + strlen ("urn:uuid:");
      if (rtype != NULL && rid != NULL)
        g_hash_table_insert (urn_map, g_strdup (full_url), g_strdup_printf ("%s/%s", rtype, rid));
    }

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *e = json_array_get_element (entries, i);
      Span *span = &g_array_index (spans, Span, i);
      g_autofree char *entry_where = NULL;
      g_autofree char *rewritten = NULL;
      g_autofree char *post_id = NULL;
      JsonObject *entry;
      JsonNode *r, *search;
      const char *method, *url, *full_url;
      const char *type_ = NULL, *id = NULL, *version = NULL, *updated = NULL;

      entry_where = g_strdup_printf (_("%s, entry %u"), where, i + 1);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                       _("%s: an entry must be a JSON object"), entry_where);
          return FALSE;
        }
      entry = json_node_get_object (e);
      method = entry_request (entry, &url);
      r = json_object_get_member (entry, "resource");
      search = json_object_get_member (entry, "search");

      if (g_strcmp0 (method, "DELETE") == 0)
        {
          g_autofree char *dtype = NULL;
          g_autofree char *did = NULL;

          if (url == NULL || strchr (url, '?') != NULL ||
              !chevet_fhir_parse_reference (url, &dtype, &did))
            {
              g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_UNSUPPORTED,
                           _("%s: only a DELETE of one resource (Type/id) can be applied"),
                           entry_where);
              return FALSE;
            }
          imp->stats.read++;
          if (!delete_resource (imp, dtype, did, error))
            return FALSE;
          continue;
        }
      if (g_strcmp0 (method, "PATCH") == 0)
        {
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_UNSUPPORTED,
                       _("%s: PATCH entries cannot be applied"), entry_where);
          return FALSE;
        }
      if (r == NULL)
        {
          /* GET and HEAD requests of a batch carry nothing to keep. */
          if (g_strcmp0 (method, "GET") == 0 || g_strcmp0 (method, "HEAD") == 0)
            {
              imp->stats.skipped++;
              continue;
            }
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MISSING,
                       _("%s: the entry has no resource"), entry_where);
          return FALSE;
        }
      if (search != NULL && JSON_NODE_HOLDS_OBJECT (search) &&
          g_strcmp0 (string_member (json_node_get_object (search), "mode", &wrong), "outcome") == 0)
        {
          imp->stats.skipped++;
          continue;
        }

      /* A POSTed resource without an id gets the one its urn:uuid: full URL gave it;
       * a PUT without one gets the id of its URL. */
      full_url = string_member (entry, "fullUrl", &wrong);
      if (JSON_NODE_HOLDS_OBJECT (r) && !json_object_has_member (json_node_get_object (r), "id"))
        {
          g_autofree char *utype = NULL;

          if (full_url != NULL && g_str_has_prefix (full_url, "urn:uuid:"))
            post_id = g_strdup (full_url + strlen ("urn:uuid:"));
          else if (g_strcmp0 (method, "PUT") == 0 && url != NULL)
            chevet_fhir_parse_reference (url, &utype, &post_id);
        }
      if (!check_resource (r, entry_where, post_id, &type_, &id, &version, &updated, error) ||
          !refuse_training_data (imp, r, entry_where, error))
        return FALSE;
      if (g_str_equal (type_, "Bundle"))
        {
          if (!import_node (imp, r, text + span->start, span->end - span->start, entry_where, error))
            return FALSE;
          continue;
        }
      if (span->end <= span->start || span->end > len || text[span->start] != '{')
        {
          /* JSON that json-glib accepts but is not plain JSON (comments, say). */
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                       _("%s: the resource could not be read exactly as written"), entry_where);
          return FALSE;
        }
      rewritten = rewrite_resource (text + span->start, span->end - span->start, urn_map,
                                    post_id != NULL && g_str_equal (id, post_id) ? post_id : NULL);
      imp->stats.read++;
      if (!upsert_resource (imp, r, type_, id, version, updated, rewritten, strlen (rewritten),
                            urn_map, entry_where, error))
        return FALSE;
    }
  return TRUE;
}

/* One JSON value: a Bundle, or one resource. @text is its source. */
static gboolean
import_node (Importer    *imp,
             JsonNode    *node,
             const char  *text,
             gsize        len,
             const char  *where,
             GError     **error)
{
  const char *type, *id, *version, *updated;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      gboolean wrong = FALSE;

      if (g_strcmp0 (string_member (json_node_get_object (node), "resourceType", &wrong),
                     "Bundle") == 0)
        return import_bundle (imp, json_node_get_object (node), text, len, where, error);
    }
  if (!check_resource (node, where, NULL, &type, &id, &version, &updated, error) ||
      !refuse_training_data (imp, node, where, error))
    return FALSE;
  imp->stats.read++;
  return upsert_resource (imp, node, type, id, version, updated, text, len, NULL, where, error);
}

/* json-glib says "<data>:3:14: Parse error: …": make it "line 3, column 14: …" (or only
 * the column when the text is one NDJSON line, whose number @where already gives). */
static char *
json_error_reason (const char *message,
                   gboolean    is_line)
{
  unsigned line = 0, column = 0;
  int consumed = 0;
  const char *rest;

  if (sscanf (message, "<data>:%u:%u: %n", &line, &column, &consumed) < 2 || consumed == 0)
    return g_strdup (message);
  rest = message + consumed;
  if (g_str_has_prefix (rest, "Parse error: "))
    rest += strlen ("Parse error: ");
  if (is_line)
    return g_strdup_printf (_("column %u: %s"), column, rest);
  return g_strdup_printf (_("line %u, column %u: %s"), line, column, rest);
}

static gboolean
import_text (Importer    *imp,
             const char  *text,
             gsize        len,
             gboolean     is_line,
             const char  *where,
             GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  const char *bad;
  Scan scan;

  if (!g_utf8_validate_len (text, len, &bad))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                   _("%s: not valid UTF-8 text (byte %llu)"), where,
                   (unsigned long long) (bad - text) + 1);
      return FALSE;
    }
  if (!json_parser_load_from_data (imp->parser, text, len, &parse_error))
    {
      g_autofree char *reason = json_error_reason (parse_error->message, is_line);

      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                   _("%s: not valid JSON (%s)"), where, reason);
      return FALSE;
    }
  /* json-glib stops after the first value: anything after it would be lost silently. */
  scan.p = text;
  scan.end = text + len;
  scan.base = text;
  scan_value (&scan, NULL, FALSE);
  scan_ws (&scan);
  if (scan.p < scan.end)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                   _("%s: more than one JSON value (for one resource per line, name the file .ndjson)"),
                   where);
      return FALSE;
    }
  return import_node (imp, json_parser_get_root (imp->parser), text, len, where, error);
}

/* ------------------------------------------------------------------ files */

static gboolean
run_in_transaction (Importer    *imp,
                    gboolean   (*body) (Importer *, gpointer, GError **),
                    gpointer     data,
                    GError     **error)
{
  if (!chevet_store_exec (imp->store, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!body (imp, data, error))
    {
      sqlite3_exec (chevet_store_get_db (imp->store), "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (!chevet_store_exec (imp->store, "COMMIT", error))
    {
      sqlite3_exec (chevet_store_get_db (imp->store), "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GInputStream         *stream;
  gboolean              ndjson;
  ChevetImportProgress  progress;
  gpointer              user_data;
  GCancellable         *cancellable;
} Source;

static gboolean
progress_due (gint64 *last)
{
  gint64 now = g_get_monotonic_time ();

  if (now - *last < G_USEC_PER_SEC / 4)
    return FALSE;
  *last = now;
  return TRUE;
}

/* Streams NDJSON line by line: memory holds one line at a time, bounded. */
static gboolean
import_ndjson_stream (Importer  *imp,
                      gpointer   data,
                      GError   **error)
{
  Source *src = data;
  g_autofree char *buf = g_malloc (256 * 1024);
  g_autoptr(GString) line = g_string_sized_new (64 * 1024);
  guint64 line_no = 0, bytes = 0;
  gint64 last_progress = g_get_monotonic_time ();
  gboolean eof = FALSE;
  gsize have = 0, pos = 0;

  while (!eof || pos < have || line->len > 0)
    {
      char *nl;

      if (pos == have && !eof)
        {
          gssize n = g_input_stream_read (src->stream, buf, 256 * 1024, src->cancellable, error);

          if (n < 0)
            {
              g_prefix_error (error, "%s: ", imp->origin);
              return FALSE;
            }
          have = n;
          pos = 0;
          bytes += n;
          eof = n == 0;
          continue;
        }
      nl = memchr (buf + pos, '\n', have - pos);
      if (nl == NULL && !eof)
        {
          g_string_append_len (line, buf + pos, have - pos);
          pos = have;
        }
      else
        {
          g_autofree char *where = NULL;
          char *text;
          gsize len;

          if (nl != NULL)
            {
              g_string_append_len (line, buf + pos, nl - (buf + pos));
              pos = nl - buf + 1;
            }
          line_no++;
          text = line->str;
          len = line->len;
          if (line_no == 1 && len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
            text += 3, len -= 3;
          while (len > 0 && g_ascii_isspace (text[len - 1]))
            len--;
          while (len > 0 && g_ascii_isspace (*text))
            text++, len--;
          if (len > 0)
            {
              where = g_strdup_printf (_("%s, line %llu"), imp->origin, (unsigned long long) line_no);
              if (!import_text (imp, text, len, TRUE, where, error))
                return FALSE;
            }
          g_string_truncate (line, 0);
          if (src->progress != NULL && progress_due (&last_progress))
            src->progress (imp->stats.read, bytes, src->user_data);
          if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
            return FALSE;
          if (eof && pos >= have)
            break;
        }
      if (line->len > CHEVET_IMPORT_MAX_RESOURCE_BYTES)
        {
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_TOO_LARGE,
                       _("%s, line %llu: longer than the %d MB a resource may take"),
                       imp->origin, (unsigned long long) line_no + 1, CHEVET_IMPORT_MAX_RESOURCE_BYTES / (1024 * 1024));
          return FALSE;
        }
    }
  if (src->progress != NULL)
    src->progress (imp->stats.read, bytes, src->user_data);
  return TRUE;
}

/* A whole JSON document (a Bundle or one resource), read into memory within limits. */
static gboolean
import_json_stream (Importer  *imp,
                    gpointer   data,
                    GError   **error)
{
  Source *src = data;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint8 chunk[64 * 1024];

  for (;;)
    {
      gssize n = g_input_stream_read (src->stream, chunk, sizeof chunk, src->cancellable, error);

      if (n < 0)
        {
          g_prefix_error (error, "%s: ", imp->origin);
          return FALSE;
        }
      if (n == 0)
        break;
      g_byte_array_append (bytes, chunk, n);
      if (bytes->len > 16 * (gsize) CHEVET_IMPORT_MAX_RESOURCE_BYTES)
        {
          g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_TOO_LARGE,
                       _("%s: a JSON file larger than %d MB cannot be imported; use NDJSON"),
                       imp->origin, 16 * CHEVET_IMPORT_MAX_RESOURCE_BYTES / (1024 * 1024));
          return FALSE;
        }
    }
  if (bytes->len >= 3 && memcmp (bytes->data, "\xef\xbb\xbf", 3) == 0)
    g_byte_array_remove_range (bytes, 0, 3);
  if (!import_text (imp, (const char *) bytes->data, bytes->len, FALSE, imp->origin, error))
    return FALSE;
  if (src->progress != NULL)
    src->progress (imp->stats.read, bytes->len, src->user_data);
  return TRUE;
}

static gboolean
import_source (Importer  *imp,
               gpointer   data,
               GError   **error)
{
  Source *src = data;

  return src->ndjson ? import_ndjson_stream (imp, data, error)
                     : import_json_stream (imp, data, error);
}

static void
importer_init (Importer    *imp,
               ChevetStore *store,
               const char  *origin)
{
  memset (imp, 0, sizeof *imp);
  imp->store = store;
  imp->origin = origin;
  imp->parser = json_parser_new_immutable ();
}

/* NDJSON when the name says so, or when the first line alone is a whole JSON object
 * and more follows. */
static gboolean
sniff_ndjson (GBufferedInputStream *in,
              const char           *name,
              GCancellable         *cancellable)
{
  g_autoptr(JsonParser) parser = NULL;
  const char *peek;
  const char *nl;
  gsize n;

  if (g_str_has_suffix (name, ".ndjson") || g_str_has_suffix (name, ".jsonl") ||
      g_str_has_suffix (name, ".ndjson.gz") || g_str_has_suffix (name, ".jsonl.gz"))
    return TRUE;
  g_buffered_input_stream_fill (in, -1, cancellable, NULL);
  peek = g_buffered_input_stream_peek_buffer (in, &n);
  nl = memchr (peek, '\n', n);
  if (nl == NULL)
    return FALSE;
  for (const char *p = nl; p < peek + n; p++)
    if (!g_ascii_isspace (*p))
      {
        parser = json_parser_new_immutable ();
        return json_parser_load_from_data (parser, peek, nl - peek, NULL) &&
               JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
      }
  return FALSE;
}

gboolean
chevet_store_import_file (ChevetStore           *store,
                          GFile                 *file,
                          ChevetImportStats     *stats,
                          ChevetImportProgress   progress,
                          gpointer               user_data,
                          GCancellable          *cancellable,
                          GError               **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GFileInputStream) raw = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  Importer imp;
  Source src = { 0 };
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  name = g_file_get_basename (file);
  raw = g_file_read (file, cancellable, &local_error);
  if (raw == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code, _("%s: cannot be read (%s)"),
                   name, local_error->message);
      return FALSE;
    }
  if (g_str_has_suffix (name, ".gz"))
    {
      g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      g_autoptr(GInputStream) conv = g_converter_input_stream_new (G_INPUT_STREAM (raw),
                                                                   G_CONVERTER (z));

      in = g_buffered_input_stream_new_sized (conv, 64 * 1024);
    }
  else
    in = g_buffered_input_stream_new_sized (G_INPUT_STREAM (raw), 64 * 1024);

  importer_init (&imp, store, name);
  imp.refuse_training = !chevet_store_is_training (store);
  src.stream = in;
  src.ndjson = sniff_ndjson (G_BUFFERED_INPUT_STREAM (in), name, cancellable);
  src.progress = progress;
  src.user_data = user_data;
  src.cancellable = cancellable;
  ok = run_in_transaction (&imp, import_source, &src, error);
  g_object_unref (imp.parser);
  g_debug ("import of %s: %s, %" G_GUINT64_FORMAT " resources read",
           src.ndjson ? "NDJSON" : "JSON", ok ? "committed" : "rolled back", imp.stats.read);
  if (ok && stats != NULL)
    *stats = imp.stats;
  return ok;
}

gboolean
chevet_store_import_data (ChevetStore        *store,
                          const char         *data,
                          gssize              length,
                          const char         *origin,
                          ChevetImportStats  *stats,
                          GError            **error)
{
  g_autoptr(GInputStream) mem = NULL;
  g_autoptr(GInputStream) in = NULL;
  Importer imp;
  Source src = { 0 };
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (origin == NULL)
    origin = "data";
  mem = g_memory_input_stream_new_from_data (data, length < 0 ? (gssize) strlen (data) : length, NULL);
  in = g_buffered_input_stream_new_sized (mem, 64 * 1024);
  importer_init (&imp, store, origin);
  imp.refuse_training = !chevet_store_is_training (store);
  src.stream = in;
  src.ndjson = sniff_ndjson (G_BUFFERED_INPUT_STREAM (in), origin, NULL);
  ok = run_in_transaction (&imp, import_source, &src, error);
  g_object_unref (imp.parser);
  if (ok && stats != NULL)
    *stats = imp.stats;
  return ok;
}

gboolean
chevet_import_put_resource (ChevetStore  *store,
                            const char   *json,
                            const char   *where,
                            GError      **error)
{
  Importer imp;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  importer_init (&imp, store, where);
  ok = import_text (&imp, json, strlen (json), FALSE, where, error);
  g_object_unref (imp.parser);
  return ok;
}

gboolean
chevet_import_delete_resource (ChevetStore  *store,
                               const char   *type,
                               const char   *id,
                               GError      **error)
{
  Importer imp;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  importer_init (&imp, store, type);
  ok = delete_resource (&imp, type, id, error);
  g_object_unref (imp.parser);
  return ok;
}

gboolean
chevet_import_put_bundle (ChevetStore        *store,
                          const char         *text,
                          gsize               length,
                          const char         *where,
                          ChevetImportStats  *stats,
                          JsonNode          **out_root,
                          GError            **error)
{
  Importer imp;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  importer_init (&imp, store, where);
  ok = import_text (&imp, text, length, FALSE, where, error);
  if (ok && stats != NULL)
    *stats = imp.stats;
  if (ok && out_root != NULL)
    *out_root = json_node_ref (json_parser_get_root (imp.parser));
  g_object_unref (imp.parser);
  return ok;
}
