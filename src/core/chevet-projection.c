/* chevet-projection.c: the indexed tables the chart reads, derived from each resource
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The verbatim JSON stays in `resources`; these rows are what the patient list and the
 * chart query. Each reader checks the JSON types it relies on and says where a value is
 * wrong, so a malformed resource is refused on import instead of misread later. Values
 * are never put in error messages: they may identify a patient.
 */
#define G_LOG_DOMAIN "chevet-projection"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-fhir.h"
#include "chevet-import.h"
#include "chevet-store-private.h"

typedef struct
{
  GHashTable  *urn_map;
  const char  *where;
  GError     **error;
} Ctx;

#define FAIL_TYPE(ctx, path, what) \
  g_set_error ((ctx)->error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE, \
               _("%s: “%s” must be %s"), (ctx)->where, (path), (what))

/* Typed member access. A wrong type sets the error once; callers check ctx->error. */
static JsonNode *
member (Ctx        *ctx,
        JsonObject *o,
        const char *name)
{
  if (o == NULL || (ctx->error != NULL && *ctx->error != NULL))
    return NULL;
  return json_object_get_member (o, name);
}

static const char *
get_str (Ctx        *ctx,
         JsonObject *o,
         const char *name)
{
  JsonNode *n = member (ctx, o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (json_node_get_value_type (n) != G_TYPE_STRING)
    {
      FAIL_TYPE (ctx, name, _("a string"));
      return NULL;
    }
  return json_node_get_string (n);
}

static JsonObject *
get_obj (Ctx        *ctx,
         JsonObject *o,
         const char *name)
{
  JsonNode *n = member (ctx, o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      FAIL_TYPE (ctx, name, _("an object"));
      return NULL;
    }
  return json_node_get_object (n);
}

static JsonArray *
get_arr (Ctx        *ctx,
         JsonObject *o,
         const char *name)
{
  JsonNode *n = member (ctx, o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      FAIL_TYPE (ctx, name, _("a list"));
      return NULL;
    }
  return json_node_get_array (n);
}

static gboolean
get_num (Ctx        *ctx,
         JsonObject *o,
         const char *name,
         double     *out)
{
  JsonNode *n = member (ctx, o, name);
  GType t;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (!JSON_NODE_HOLDS_VALUE (n) || (t != G_TYPE_DOUBLE && t != G_TYPE_INT64))
    {
      FAIL_TYPE (ctx, name, _("a number"));
      return FALSE;
    }
  *out = t == G_TYPE_DOUBLE ? json_node_get_double (n) : (double) json_node_get_int (n);
  return TRUE;
}

/* The element of a list as an object (NULL and an error when it is not one). */
static JsonObject *
arr_obj (Ctx        *ctx,
         JsonArray  *a,
         guint       i,
         const char *name)
{
  JsonNode *n;

  if (a == NULL || i >= json_array_get_length (a) || (ctx->error != NULL && *ctx->error != NULL))
    return NULL;
  n = json_array_get_element (a, i);
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      FAIL_TYPE (ctx, name, _("a list of objects"));
      return NULL;
    }
  return json_node_get_object (n);
}

static JsonObject *
first_obj (Ctx        *ctx,
           JsonObject *o,
           const char *name)
{
  return arr_obj (ctx, get_arr (ctx, o, name), 0, name);
}

static gboolean
failed (Ctx *ctx)
{
  return ctx->error != NULL && *ctx->error != NULL;
}

static const char *
get_date (Ctx        *ctx,
          JsonObject *o,
          const char *name)
{
  const char *s = get_str (ctx, o, name);

  if (s != NULL && !chevet_fhir_is_valid_date (s))
    {
      g_set_error (ctx->error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_INVALID_VALUE,
                   _("%s: “%s” is not a valid date"), ctx->where, name);
      return NULL;
    }
  return s;
}

/* ------------------------------------------------------------- FHIR datatypes */

/* The first coding, preferring @preferred_system when given. */
static JsonObject *
cc_coding (Ctx        *ctx,
           JsonObject *cc,
           const char *preferred_system)
{
  JsonArray *codings = get_arr (ctx, cc, "coding");
  JsonObject *first = NULL;

  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    {
      JsonObject *c = arr_obj (ctx, codings, i, "coding");

      if (c == NULL)
        return NULL;
      if (first == NULL)
        first = c;
      if (preferred_system != NULL && g_strcmp0 (get_str (ctx, c, "system"), preferred_system) == 0)
        return c;
    }
  return first;
}

static char *
cc_text (Ctx        *ctx,
         JsonObject *cc,
         JsonObject *coding)
{
  const char *s = get_str (ctx, cc, "text");

  if (s == NULL && coding != NULL)
    s = get_str (ctx, coding, "display");
  if (s == NULL && coding != NULL)
    s = get_str (ctx, coding, "code");
  return g_strdup (s);
}

static char *
cc_codes (Ctx        *ctx,
          JsonObject *cc)
{
  JsonArray *codings = get_arr (ctx, cc, "coding");
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    {
      JsonObject *c = arr_obj (ctx, codings, i, "coding");

      if (c == NULL)
        break;
      g_string_append_printf (s, "%s%s|%s|%s", s->len ? "\n" : "",
                              get_str (ctx, c, "system") ?: "", get_str (ctx, c, "code") ?: "",
                              get_str (ctx, c, "display") ?: "");
    }
  return s->len ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

/* Fills code, system, display and codes of @item from a CodeableConcept. */
static void
item_set_code (Ctx             *ctx,
               ChevetChartItem *item,
               JsonObject      *cc,
               const char      *preferred_system)
{
  JsonObject *coding = cc_coding (ctx, cc, preferred_system);

  if (cc == NULL)
    return;
  item->code = g_strdup (get_str (ctx, coding, "code"));
  item->system = g_strdup (get_str (ctx, coding, "system"));
  item->display = cc_text (ctx, cc, coding);
  item->codes = cc_codes (ctx, cc);
}

static const char *
cc_first_code (Ctx        *ctx,
               JsonObject *cc)
{
  return get_str (ctx, cc_coding (ctx, cc, NULL), "code");
}

/* "Type/id" of a Reference, through the bundle's urn:uuid map; the id when it is of @type. */
static char *
ref_id (Ctx        *ctx,
        JsonObject *o,
        const char *name,
        const char *type)
{
  JsonObject *ref = get_obj (ctx, o, name);
  const char *s = get_str (ctx, ref, "reference");
  g_autofree char *t = NULL;
  char *id = NULL;

  if (s == NULL)
    return NULL;
  if (ctx->urn_map != NULL && g_str_has_prefix (s, "urn:"))
    s = g_hash_table_lookup (ctx->urn_map, s);
  if (s != NULL && chevet_fhir_parse_reference (s, &t, &id) && g_strcmp0 (t, type) != 0)
    g_clear_pointer (&id, g_free);
  return id;
}

static char *
ref_display (Ctx        *ctx,
             JsonObject *o,
             const char *name)
{
  JsonObject *ref = get_obj (ctx, o, name);
  const char *s = get_str (ctx, ref, "display");

  if (s == NULL)
    s = get_str (ctx, ref, "reference");
  return g_strdup (s);
}

/* Display (or reference) of the first Reference of a list. */
static char *
ref_list_display (Ctx        *ctx,
                  JsonObject *o,
                  const char *name)
{
  JsonObject *ref = first_obj (ctx, o, name);
  const char *s = get_str (ctx, ref, "display");

  if (s == NULL)
    s = get_str (ctx, ref, "reference");
  return g_strdup (s);
}

static char *
format_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* 15 significant digits: 0.1 stays "0.1", not 0.10000000000000001. */
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", v));
}

static void
item_set_quantity (Ctx             *ctx,
                   ChevetChartItem *item,
                   JsonObject      *q)
{
  const char *unit;

  if (q == NULL)
    return;
  if (get_num (ctx, q, "value", &item->number))
    {
      item->has_number = TRUE;
      item->value = format_number (item->number);
    }
  unit = get_str (ctx, q, "unit");
  if (unit == NULL)
    unit = get_str (ctx, q, "code");
  item->unit = g_strdup (unit);
  if (item->value != NULL && get_str (ctx, q, "comparator") != NULL)
    {
      char *v = g_strconcat (get_str (ctx, q, "comparator"), item->value, NULL);

      g_free (item->value);
      item->value = v;
    }
}

/* value[x] of an Observation or a component. */
static void
item_set_value (Ctx             *ctx,
                ChevetChartItem *item,
                JsonObject      *o)
{
  JsonObject *cc;
  const char *s;
  double n;

  if ((cc = get_obj (ctx, o, "valueQuantity")) != NULL)
    item_set_quantity (ctx, item, cc);
  else if ((cc = get_obj (ctx, o, "valueCodeableConcept")) != NULL)
    item->value = cc_text (ctx, cc, cc_coding (ctx, cc, NULL));
  else if ((s = get_str (ctx, o, "valueString")) != NULL)
    item->value = g_strdup (s);
  else if (member (ctx, o, "valueBoolean") != NULL)
    {
      JsonNode *b = member (ctx, o, "valueBoolean");

      if (json_node_get_value_type (b) != G_TYPE_BOOLEAN)
        FAIL_TYPE (ctx, "valueBoolean", _("true or false"));
      else
        item->value = g_strdup (json_node_get_boolean (b) ? "true" : "false");
    }
  else if (get_num (ctx, o, "valueInteger", &n))
    {
      item->number = n;
      item->has_number = TRUE;
      item->value = format_number (n);
    }
  else if ((s = get_date (ctx, o, "valueDateTime")) != NULL)
    item->value = g_strdup (s);
}

static void
item_set_range (Ctx             *ctx,
                ChevetChartItem *item,
                JsonObject      *o)
{
  JsonObject *range = first_obj (ctx, o, "referenceRange");
  JsonObject *low = get_obj (ctx, range, "low");
  JsonObject *high = get_obj (ctx, range, "high");
  const char *text = get_str (ctx, range, "text");
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;

  if (range == NULL)
    return;
  if (get_num (ctx, low, "value", &item->low))
    {
      item->has_low = TRUE;
      lo = format_number (item->low);
    }
  if (get_num (ctx, high, "value", &item->high))
    {
      item->has_high = TRUE;
      hi = format_number (item->high);
    }
  if (text != NULL)
    item->range = g_strdup (text);
  else if (lo != NULL && hi != NULL)
    item->range = g_strdup_printf ("%s–%s", lo, hi);
  else if (lo != NULL)
    item->range = g_strdup_printf ("≥ %s", lo);
  else if (hi != NULL)
    item->range = g_strdup_printf ("≤ %s", hi);
}

static void
item_set_interpretation (Ctx             *ctx,
                         ChevetChartItem *item,
                         JsonObject      *o)
{
  JsonObject *cc = first_obj (ctx, o, "interpretation");

  if (cc != NULL)
    item->flag = g_strdup (cc_first_code (ctx, cc));
}

/* First of several dateTime choices, e.g. effectiveDateTime, effectivePeriod.start. */
static const char *
choice_date (Ctx        *ctx,
             JsonObject *o,
             const char *prefix)
{
  g_autofree char *dt = g_strconcat (prefix, "DateTime", NULL);
  g_autofree char *period = g_strconcat (prefix, "Period", NULL);
  g_autofree char *instant = g_strconcat (prefix, "Instant", NULL);
  const char *s;

  if ((s = get_date (ctx, o, dt)) != NULL)
    return s;
  if ((s = get_date (ctx, get_obj (ctx, o, period), "start")) != NULL)
    return s;
  return get_date (ctx, o, instant);
}

/* Inline text of an Attachment (text/... with data or nothing). */
static char *
attachment_text (Ctx        *ctx,
                 JsonObject *att)
{
  const char *type = get_str (ctx, att, "contentType");
  const char *data = get_str (ctx, att, "data");
  g_autofree guchar *raw = NULL;
  gsize len = 0;

  if (data == NULL || (type != NULL && !g_str_has_prefix (type, "text/")))
    return NULL;
  raw = g_base64_decode (data, &len);
  if (raw == NULL || !g_utf8_validate ((const char *) raw, len, NULL))
    return NULL;
  return g_strndup ((const char *) raw, len);
}

/* Narrative XHTML to plain text, for Composition sections. */
static char *
xhtml_to_text (const char *div)
{
  g_autoptr(GString) s = g_string_new (NULL);
  gboolean in_tag = FALSE;

  for (const char *p = div; p != NULL && *p; p++)
    {
      if (*p == '<')
        {
          in_tag = TRUE;
          if (g_str_has_prefix (p, "<br") || g_str_has_prefix (p, "<p") ||
              g_str_has_prefix (p, "<li") || g_str_has_prefix (p, "<tr"))
            g_string_append_c (s, '\n');
        }
      else if (*p == '>')
        in_tag = FALSE;
      else if (!in_tag)
        {
          if (g_str_has_prefix (p, "&lt;"))
            g_string_append_c (s, '<'), p += 3;
          else if (g_str_has_prefix (p, "&gt;"))
            g_string_append_c (s, '>'), p += 3;
          else if (g_str_has_prefix (p, "&amp;"))
            g_string_append_c (s, '&'), p += 4;
          else if (g_str_has_prefix (p, "&quot;"))
            g_string_append_c (s, '"'), p += 5;
          else
            g_string_append_c (s, *p);
        }
    }
  return g_strstrip (g_string_free (g_steal_pointer (&s), FALSE));
}

/* ------------------------------------------------------------- writers */

#define INSERT_CHART(table) \
  "INSERT INTO " table " (rid, " CHEVET_CHART_COLUMNS ") " \
  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

static void
bind_text (sqlite3_stmt *stmt,
           int           col,
           const char   *s)
{
  if (s != NULL)
    sqlite3_bind_text (stmt, col, s, -1, SQLITE_STATIC);
}

static gboolean
write_item (ChevetStore      *store,
            const char       *sql,
            gint64            rid,
            ChevetChartItem  *item,
            const char       *patient,
            GError          **error)
{
  sqlite3_stmt *stmt = chevet_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  bind_text (stmt, 2, patient);
  bind_text (stmt, 3, item->code);
  bind_text (stmt, 4, item->system);
  bind_text (stmt, 5, item->display);
  bind_text (stmt, 6, item->status);
  bind_text (stmt, 7, item->category);
  bind_text (stmt, 8, item->date);
  bind_text (stmt, 9, item->end_date);
  bind_text (stmt, 10, item->value);
  bind_text (stmt, 11, item->unit);
  if (item->has_number)
    sqlite3_bind_double (stmt, 12, item->number);
  if (item->has_low)
    sqlite3_bind_double (stmt, 13, item->low);
  if (item->has_high)
    sqlite3_bind_double (stmt, 14, item->high);
  bind_text (stmt, 15, item->detail);
  bind_text (stmt, 16, item->flag);
  bind_text (stmt, 17, item->range);
  bind_text (stmt, 18, item->encounter);
  bind_text (stmt, 19, item->codes);
  bind_text (stmt, 20, item->extra);
  if (!chevet_store_step_done (store, stmt, error))
    return FALSE;
  return TRUE;
}

static gboolean
write_components (ChevetStore      *store,
                  gint64            rid,
                  ChevetChartItem  *item,
                  GError          **error)
{
  for (guint i = 0; item->components != NULL && i < item->components->len; i++)
    {
      ChevetChartItem *c = g_ptr_array_index (item->components, i);
      sqlite3_stmt *stmt;

      stmt = chevet_store_prepare (store,
                                   "INSERT INTO observation_components (rid, position, code, system, "
                                   "display, value, unit, number, low, high, flag, range) "
                                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, rid);
      sqlite3_bind_int (stmt, 2, i);
      bind_text (stmt, 3, c->code);
      bind_text (stmt, 4, c->system);
      bind_text (stmt, 5, c->display);
      bind_text (stmt, 6, c->value);
      bind_text (stmt, 7, c->unit);
      if (c->has_number)
        sqlite3_bind_double (stmt, 8, c->number);
      if (c->has_low)
        sqlite3_bind_double (stmt, 9, c->low);
      if (c->has_high)
        sqlite3_bind_double (stmt, 10, c->high);
      bind_text (stmt, 11, c->flag);
      bind_text (stmt, 12, c->range);
      if (!chevet_store_step_done (store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------- per resource type */

static gboolean
project_patient (ChevetStore *store,
                 Ctx         *ctx,
                 gint64       rid,
                 const char  *id,
                 JsonObject  *r)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) identifiers = g_string_new (NULL);
  g_autoptr(GString) all_identifiers = g_string_new (NULL);
  g_autoptr(GString) given = g_string_new (NULL);
  g_autoptr(GString) security = g_string_new (NULL);
  g_autofree char *folded_names = NULL;
  g_autofree char *folded_ids = NULL;
  g_autofree char *sort_key = NULL;
  g_autofree char *organization = NULL;
  const char *family = NULL;
  const char *main_identifier = NULL;
  const char *birth_date, *gender, *deceased_date;
  const char *confidentiality = NULL;
  int confidentiality_rank = 0;
  gboolean deceased = FALSE;
  JsonArray *a;
  JsonObject *chosen = NULL;
  JsonNode *n;
  sqlite3_stmt *stmt;

  /* Every name is searchable; the official (or usual, or first) one is displayed. */
  a = get_arr (ctx, r, "name");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *name = arr_obj (ctx, a, i, "name");
      JsonArray *parts;
      const char *use = get_str (ctx, name, "use");

      if (name == NULL)
        return FALSE;
      if (chosen == NULL || (g_strcmp0 (use, "official") == 0 &&
                             g_strcmp0 (get_str (ctx, chosen, "use"), "official") != 0))
        {
          if (g_strcmp0 (use, "old") != 0 || chosen == NULL)
            chosen = name;
        }
      g_string_append_printf (names, "%s %s ", get_str (ctx, name, "family") ?: "",
                              get_str (ctx, name, "text") ?: "");
      parts = get_arr (ctx, name, "given");
      for (guint j = 0; parts != NULL && j < json_array_get_length (parts); j++)
        {
          JsonNode *g = json_array_get_element (parts, j);

          if (json_node_get_value_type (g) != G_TYPE_STRING)
            {
              FAIL_TYPE (ctx, "name.given", _("a list of strings"));
              return FALSE;
            }
          g_string_append_printf (names, "%s ", json_node_get_string (g));
        }
    }
  if (failed (ctx))
    return FALSE;
  if (chosen != NULL)
    {
      JsonArray *parts = get_arr (ctx, chosen, "given");

      family = get_str (ctx, chosen, "family");
      for (guint j = 0; parts != NULL && j < json_array_get_length (parts); j++)
        g_string_append_printf (given, "%s%s", given->len ? " " : "",
                                json_node_get_string (json_array_get_element (parts, j)));
      if (family == NULL && given->len == 0 && get_str (ctx, chosen, "text") != NULL)
        g_string_append (given, get_str (ctx, chosen, "text"));
    }

  a = get_arr (ctx, r, "identifier");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *ident = arr_obj (ctx, a, i, "identifier");
      const char *value = get_str (ctx, ident, "value");
      const char *type_code = cc_first_code (ctx, get_obj (ctx, ident, "type"));

      if (failed (ctx))
        return FALSE;
      if (value == NULL)
        continue;
      /* The medical record number is the main identifier; else the first official one. */
      if (main_identifier == NULL || g_strcmp0 (type_code, "MR") == 0)
        main_identifier = value;
      g_string_append_printf (all_identifiers, "%s%s", all_identifiers->len ? " " : "", value);
      g_string_append_printf (identifiers, "%s ", value);
      /* Also without punctuation, so "MRN0042" finds "MRN-0042". */
      for (const char *p = value; *p; p++)
        if (g_ascii_isalnum (*p) || (guchar) *p >= 0x80)
          g_string_append_c (identifiers, *p);
      g_string_append_c (identifiers, ' ');
    }

  gender = get_str (ctx, r, "gender");
  birth_date = get_date (ctx, r, "birthDate");
  deceased_date = get_date (ctx, r, "deceasedDateTime");
  n = member (ctx, r, "deceasedBoolean");
  if (n != NULL)
    {
      if (json_node_get_value_type (n) != G_TYPE_BOOLEAN)
        FAIL_TYPE (ctx, "deceasedBoolean", _("true or false"));
      else
        deceased = json_node_get_boolean (n);
    }
  deceased = deceased || deceased_date != NULL;
  organization = ref_id (ctx, r, "managingOrganization", "Organization");

  a = get_arr (ctx, get_obj (ctx, r, "meta"), "security");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *label = arr_obj (ctx, a, i, "meta.security");
      const char *code = get_str (ctx, label, "code");
      int rank = chevet_fhir_confidentiality_rank (get_str (ctx, label, "system"), code);

      if (code != NULL)
        g_string_append_printf (security, "%s%s", security->len ? " " : "", code);
      /* The most restrictive confidentiality label wins: the list knows from it, without
       * reading the chart, which patients need a reason to open. */
      if (rank > confidentiality_rank)
        {
          confidentiality_rank = rank;
          confidentiality = code;
        }
    }
  if (failed (ctx))
    return FALSE;

  sort_key = chevet_fhir_fold (family != NULL ? family : given->str);
  if (family != NULL)
    {
      g_autofree char *g = chevet_fhir_fold (given->str);
      char *k = g_strconcat (sort_key, " ", g, NULL);

      g_free (sort_key);
      sort_key = k;
    }

  stmt = chevet_store_prepare (store,
                               "INSERT INTO patients (rid, id, family, given, sort_key, gender, "
                               "birth_date, deceased, deceased_date, identifier, identifiers, "
                               "organization, security, confidentiality) "
                               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               ctx->error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  bind_text (stmt, 2, id);
  bind_text (stmt, 3, family);
  bind_text (stmt, 4, given->len ? given->str : NULL);
  bind_text (stmt, 5, sort_key);
  bind_text (stmt, 6, gender);
  bind_text (stmt, 7, birth_date);
  sqlite3_bind_int (stmt, 8, deceased);
  bind_text (stmt, 9, deceased_date);
  bind_text (stmt, 10, main_identifier);
  bind_text (stmt, 11, all_identifiers->len ? all_identifiers->str : NULL);
  bind_text (stmt, 12, organization);
  bind_text (stmt, 13, security->len ? security->str : NULL);
  bind_text (stmt, 14, confidentiality);
  if (!chevet_store_step_done (store, stmt, ctx->error))
    return FALSE;

  folded_names = chevet_fhir_fold (names->str);
  folded_ids = chevet_fhir_fold (identifiers->str);
  stmt = chevet_store_prepare (store,
                               "INSERT INTO patients_fts (docid, names, identifiers) VALUES (?,?,?)",
                               ctx->error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  bind_text (stmt, 2, folded_names);
  bind_text (stmt, 3, folded_ids);
  if (!chevet_store_step_done (store, stmt, ctx->error))
    return FALSE;
  return TRUE;
}

static const char *
status_code (Ctx        *ctx,
             JsonObject *r,
             const char *name)
{
  return cc_first_code (ctx, get_obj (ctx, r, name));
}

static void
fill_condition (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonObject *abatement_period;

  item_set_code (ctx, item, get_obj (ctx, r, "code"), "http://snomed.info/sct");
  item->status = g_strdup (status_code (ctx, r, "clinicalStatus"));
  item->flag = g_strdup (status_code (ctx, r, "verificationStatus"));
  item->category = g_strdup (cc_first_code (ctx, first_obj (ctx, r, "category")));
  item->date = g_strdup (choice_date (ctx, r, "onset"));
  if (item->date == NULL)
    item->date = g_strdup (get_date (ctx, r, "recordedDate"));
  item->end_date = g_strdup (get_date (ctx, r, "abatementDateTime"));
  abatement_period = get_obj (ctx, r, "abatementPeriod");
  if (item->end_date == NULL && abatement_period != NULL)
    item->end_date = g_strdup (get_date (ctx, abatement_period, "end"));
  item->extra = g_strdup (get_str (ctx, first_obj (ctx, r, "note"), "text"));
}

static void
fill_medication (Ctx *ctx, JsonObject *r, const char *type, ChevetChartItem *item)
{
  gboolean request = g_str_equal (type, "MedicationRequest");
  JsonObject *dosage = first_obj (ctx, r, request ? "dosageInstruction" : "dosage");
  JsonObject *period;

  item_set_code (ctx, item, get_obj (ctx, r, "medicationCodeableConcept"), NULL);
  if (item->display == NULL)
    item->display = ref_display (ctx, r, "medicationReference");
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->category = g_strdup (type);
  item->flag = g_strdup (get_str (ctx, r, "intent"));
  if (request)
    {
      item->date = g_strdup (get_date (ctx, r, "authoredOn"));
      period = get_obj (ctx, get_obj (ctx, r, "dispenseRequest"), "validityPeriod");
      item->extra = ref_display (ctx, r, "requester");
    }
  else
    {
      item->date = g_strdup (choice_date (ctx, r, "effective"));
      if (item->date == NULL)
        item->date = g_strdup (get_date (ctx, r, "dateAsserted"));
      period = get_obj (ctx, r, "effectivePeriod");
      item->extra = ref_display (ctx, r, "informationSource");
    }
  item->end_date = g_strdup (get_date (ctx, period, "end"));
  item->value = g_strdup (get_str (ctx, dosage, "text"));
  item->detail = cc_text (ctx, get_obj (ctx, dosage, "route"),
                          cc_coding (ctx, get_obj (ctx, dosage, "route"), NULL));
  item->encounter = ref_id (ctx, r, request ? "encounter" : "context", "Encounter");
}

static const char *
max_severity (const char *a,
              const char *b)
{
  static const char * const order[] = { "mild", "moderate", "severe" };
  int ia = -1, ib = -1;

  for (int i = 0; i < 3; i++)
    {
      if (g_strcmp0 (a, order[i]) == 0)
        ia = i;
      if (g_strcmp0 (b, order[i]) == 0)
        ib = i;
    }
  return ib > ia ? b : a;
}

static void
fill_allergy (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  g_autoptr(GString) reactions = g_string_new (NULL);
  JsonArray *a = get_arr (ctx, r, "reaction");
  JsonArray *categories = get_arr (ctx, r, "category");
  const char *severity = NULL;

  item_set_code (ctx, item, get_obj (ctx, r, "code"), "http://snomed.info/sct");
  item->status = g_strdup (status_code (ctx, r, "clinicalStatus"));
  if (categories != NULL && json_array_get_length (categories) > 0 &&
      json_node_get_value_type (json_array_get_element (categories, 0)) == G_TYPE_STRING)
    item->category = g_strdup (json_array_get_string_element (categories, 0));
  item->flag = g_strdup (get_str (ctx, r, "criticality"));
  item->date = g_strdup (choice_date (ctx, r, "onset"));
  if (item->date == NULL)
    item->date = g_strdup (get_date (ctx, r, "recordedDate"));
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *reaction = arr_obj (ctx, a, i, "reaction");
      JsonArray *manifestations = get_arr (ctx, reaction, "manifestation");
      const char *s = get_str (ctx, reaction, "severity");

      severity = max_severity (severity, s);
      for (guint j = 0; manifestations != NULL && j < json_array_get_length (manifestations); j++)
        {
          JsonObject *cc = arr_obj (ctx, manifestations, j, "reaction.manifestation");
          g_autofree char *text = cc_text (ctx, cc, cc_coding (ctx, cc, NULL));

          if (text != NULL)
            g_string_append_printf (reactions, "%s%s", reactions->len ? ", " : "", text);
        }
    }
  item->value = g_strdup (severity);
  item->detail = reactions->len ? g_strdup (reactions->str) : NULL;
  item->extra = g_strdup (get_str (ctx, r, "type"));
  item->end_date = g_strdup (status_code (ctx, r, "verificationStatus"));
}

static void
fill_observation (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonArray *components = get_arr (ctx, r, "component");

  item_set_code (ctx, item, get_obj (ctx, r, "code"), "http://loinc.org");
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->category = g_strdup (cc_first_code (ctx, first_obj (ctx, r, "category")));
  item->date = g_strdup (choice_date (ctx, r, "effective"));
  if (item->date == NULL)
    item->date = g_strdup (get_date (ctx, r, "issued"));
  item_set_value (ctx, item, r);
  item_set_range (ctx, item, r);
  item_set_interpretation (ctx, item, r);
  item->encounter = ref_id (ctx, r, "encounter", "Encounter");
  if (item->value == NULL)
    {
      JsonObject *absent = get_obj (ctx, r, "dataAbsentReason");

      if (absent != NULL)
        item->detail = cc_text (ctx, absent, cc_coding (ctx, absent, NULL));
    }

  for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
    {
      JsonObject *c = arr_obj (ctx, components, i, "component");
      ChevetChartItem *ci;

      if (c == NULL)
        return;
      ci = chevet_chart_item_new ();
      if (item->components == NULL)
        item->components = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
      g_ptr_array_add (item->components, ci);
      item_set_code (ctx, ci, get_obj (ctx, c, "code"), "http://loinc.org");
      item_set_value (ctx, ci, c);
      item_set_range (ctx, ci, c);
      item_set_interpretation (ctx, ci, c);
    }

  /* A panel without a value of its own (blood pressure) reads as its components. */
  if (item->value == NULL && item->components != NULL)
    {
      g_autoptr(GString) v = g_string_new (NULL);

      /* Systolic before diastolic, whatever order the components came in. */
      for (guint i = 1; i < item->components->len; i++)
        if (g_strcmp0 (((ChevetChartItem *) g_ptr_array_index (item->components, i))->code, "8480-6") == 0)
          {
            gpointer tmp = item->components->pdata[0];

            item->components->pdata[0] = item->components->pdata[i];
            item->components->pdata[i] = tmp;
          }
      for (guint i = 0; i < item->components->len; i++)
        {
          ChevetChartItem *ci = g_ptr_array_index (item->components, i);

          g_string_append_printf (v, "%s%s", i ? "/" : "", ci->value ?: "?");
          if (item->unit == NULL && ci->unit != NULL)
            item->unit = g_strdup (ci->unit);
          if (item->flag == NULL && ci->flag != NULL && g_strcmp0 (ci->flag, "N") != 0)
            item->flag = g_strdup (ci->flag);
        }
      item->value = g_string_free (g_steal_pointer (&v), FALSE);
    }
}

static void
fill_encounter (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonObject *klass = get_obj (ctx, r, "class");
  JsonObject *period = get_obj (ctx, r, "period");
  JsonObject *reason = first_obj (ctx, r, "reasonCode");
  JsonObject *location = first_obj (ctx, r, "location");
  JsonObject *participant = first_obj (ctx, r, "participant");

  item_set_code (ctx, item, first_obj (ctx, r, "type"), NULL);
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->category = g_strdup (get_str (ctx, klass, "code"));
  item->date = g_strdup (get_date (ctx, period, "start"));
  item->end_date = g_strdup (get_date (ctx, period, "end"));
  if (reason != NULL)
    item->detail = cc_text (ctx, reason, cc_coding (ctx, reason, NULL));
  else
    item->detail = ref_list_display (ctx, r, "reasonReference");
  if (location != NULL)
    item->extra = ref_display (ctx, location, "location");
  if (participant != NULL)
    item->value = ref_display (ctx, participant, "individual");
}

static void
fill_immunization (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonObject *route = get_obj (ctx, r, "route");

  item_set_code (ctx, item, get_obj (ctx, r, "vaccineCode"), NULL);
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->date = g_strdup (get_date (ctx, r, "occurrenceDateTime"));
  if (item->date == NULL)
    item->date = g_strdup (get_date (ctx, r, "recorded"));
  item->detail = cc_text (ctx, route, cc_coding (ctx, route, NULL));
  item->extra = g_strdup (get_str (ctx, r, "lotNumber"));
  item->encounter = ref_id (ctx, r, "encounter", "Encounter");
}

static void
fill_procedure (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonObject *reason = first_obj (ctx, r, "reasonCode");

  item_set_code (ctx, item, get_obj (ctx, r, "code"), "http://snomed.info/sct");
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->date = g_strdup (choice_date (ctx, r, "performed"));
  item->end_date = g_strdup (get_date (ctx, get_obj (ctx, r, "performedPeriod"), "end"));
  if (reason != NULL)
    item->detail = cc_text (ctx, reason, cc_coding (ctx, reason, NULL));
  item->encounter = ref_id (ctx, r, "encounter", "Encounter");
}

static void
fill_report (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonArray *forms = get_arr (ctx, r, "presentedForm");
  JsonArray *results = get_arr (ctx, r, "result");
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) refs = g_string_new (NULL);

  item_set_code (ctx, item, get_obj (ctx, r, "code"), "http://loinc.org");
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->category = g_strdup (cc_first_code (ctx, first_obj (ctx, r, "category")));
  item->date = g_strdup (choice_date (ctx, r, "effective"));
  if (item->date == NULL)
    item->date = g_strdup (get_date (ctx, r, "issued"));
  item->value = g_strdup (get_str (ctx, r, "conclusion"));
  item->encounter = ref_id (ctx, r, "encounter", "Encounter");
  for (guint i = 0; forms != NULL && i < json_array_get_length (forms); i++)
    {
      g_autofree char *t = attachment_text (ctx, arr_obj (ctx, forms, i, "presentedForm"));

      if (t != NULL)
        g_string_append_printf (text, "%s%s", text->len ? "\n\n" : "", t);
    }
  for (guint i = 0; results != NULL && i < json_array_get_length (results); i++)
    {
      JsonObject *ref = arr_obj (ctx, results, i, "result");
      const char *s = get_str (ctx, ref, "reference");
      g_autofree char *t = NULL;
      g_autofree char *rid = NULL;

      if (s != NULL && ctx->urn_map != NULL && g_str_has_prefix (s, "urn:"))
        s = g_hash_table_lookup (ctx->urn_map, s);
      if (s != NULL && chevet_fhir_parse_reference (s, &t, &rid))
        g_string_append_printf (refs, "%s%s", refs->len ? " " : "", rid);
    }
  item->extra = text->len ? g_strdup (text->str) : NULL;
  item->detail = refs->len ? g_strdup (refs->str) : NULL;
}

static void
fill_document (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonArray *content = get_arr (ctx, r, "content");
  JsonObject *context = get_obj (ctx, r, "context");
  g_autoptr(GString) text = g_string_new (NULL);

  item_set_code (ctx, item, get_obj (ctx, r, "type"), "http://loinc.org");
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->category = g_strdup (cc_first_code (ctx, first_obj (ctx, r, "category")));
  item->date = g_strdup (get_date (ctx, r, "date"));
  if (item->date == NULL)
    item->date = g_strdup (get_date (ctx, get_obj (ctx, context, "period"), "start"));
  item->value = g_strdup (get_str (ctx, r, "description"));
  item->detail = ref_list_display (ctx, r, "author");
  for (guint i = 0; content != NULL && i < json_array_get_length (content); i++)
    {
      JsonObject *c = arr_obj (ctx, content, i, "content");
      JsonObject *att = get_obj (ctx, c, "attachment");
      g_autofree char *t = attachment_text (ctx, att);

      if (item->unit == NULL)
        item->unit = g_strdup (get_str (ctx, att, "language"));
      if (item->value == NULL)
        item->value = g_strdup (get_str (ctx, att, "title"));
      if (t != NULL)
        g_string_append_printf (text, "%s%s", text->len ? "\n\n" : "", t);
    }
  item->extra = text->len ? g_strdup (text->str) : NULL;
  if (context != NULL)
    {
      JsonObject *enc = first_obj (ctx, context, "encounter");

      if (enc != NULL)
        {
          const char *s = get_str (ctx, enc, "reference");
          g_autofree char *t = NULL;

          if (s != NULL && ctx->urn_map != NULL && g_str_has_prefix (s, "urn:"))
            s = g_hash_table_lookup (ctx->urn_map, s);
          if (s != NULL && chevet_fhir_parse_reference (s, &t, &item->encounter) &&
              g_strcmp0 (t, "Encounter") != 0)
            g_clear_pointer (&item->encounter, g_free);
        }
    }
}

static void
fill_composition (Ctx *ctx, JsonObject *r, ChevetChartItem *item)
{
  JsonArray *sections = get_arr (ctx, r, "section");
  g_autoptr(GString) text = g_string_new (NULL);

  item_set_code (ctx, item, get_obj (ctx, r, "type"), "http://loinc.org");
  item->status = g_strdup (get_str (ctx, r, "status"));
  item->category = g_strdup (cc_first_code (ctx, first_obj (ctx, r, "category")));
  item->date = g_strdup (get_date (ctx, r, "date"));
  item->value = g_strdup (get_str (ctx, r, "title"));
  item->encounter = ref_id (ctx, r, "encounter", "Encounter");
  for (guint i = 0; sections != NULL && i < json_array_get_length (sections); i++)
    {
      JsonObject *s = arr_obj (ctx, sections, i, "section");
      g_autofree char *body = xhtml_to_text (get_str (ctx, get_obj (ctx, s, "text"), "div"));

      g_string_append_printf (text, "%s%s%s%s", text->len ? "\n\n" : "",
                              get_str (ctx, s, "title") ?: "",
                              get_str (ctx, s, "title") ? "\n" : "", body ?: "");
    }
  item->extra = text->len ? g_strdup (text->str) : NULL;
}

typedef struct
{
  const char *type;
  const char *table;
  const char *insert;
  const char *remove;
  const char *patient_member;
} Projection;

static const Projection projections[] = {
  { "AllergyIntolerance", "allergies", INSERT_CHART ("allergies"), "DELETE FROM allergies WHERE rid = ?", "patient" },
  { "Composition", "documents", INSERT_CHART ("documents"), "DELETE FROM documents WHERE rid = ?", "subject" },
  { "Condition", "conditions", INSERT_CHART ("conditions"), "DELETE FROM conditions WHERE rid = ?", "subject" },
  { "DiagnosticReport", "reports", INSERT_CHART ("reports"), "DELETE FROM reports WHERE rid = ?", "subject" },
  { "DocumentReference", "documents", INSERT_CHART ("documents"), "DELETE FROM documents WHERE rid = ?", "subject" },
  { "Encounter", "encounters", INSERT_CHART ("encounters"), "DELETE FROM encounters WHERE rid = ?", "subject" },
  { "Immunization", "immunizations", INSERT_CHART ("immunizations"), "DELETE FROM immunizations WHERE rid = ?", "patient" },
  { "MedicationRequest", "medications", INSERT_CHART ("medications"), "DELETE FROM medications WHERE rid = ?", "subject" },
  { "MedicationStatement", "medications", INSERT_CHART ("medications"), "DELETE FROM medications WHERE rid = ?", "subject" },
  { "Observation", "observations", INSERT_CHART ("observations"), "DELETE FROM observations WHERE rid = ?", "subject" },
  { "Procedure", "procedures", INSERT_CHART ("procedures"), "DELETE FROM procedures WHERE rid = ?", "subject" },
};

static const Projection *
find_projection (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (projections); i++)
    if (g_str_equal (projections[i].type, type))
      return &projections[i];
  return NULL;
}

static void
fill_item (Ctx             *ctx,
           const char      *type,
           JsonObject      *resource,
           ChevetChartItem *item)
{
  if (g_str_equal (type, "Condition"))
    fill_condition (ctx, resource, item);
  else if (g_str_equal (type, "MedicationRequest") || g_str_equal (type, "MedicationStatement"))
    fill_medication (ctx, resource, type, item);
  else if (g_str_equal (type, "AllergyIntolerance"))
    fill_allergy (ctx, resource, item);
  else if (g_str_equal (type, "Observation"))
    fill_observation (ctx, resource, item);
  else if (g_str_equal (type, "Encounter"))
    fill_encounter (ctx, resource, item);
  else if (g_str_equal (type, "Immunization"))
    fill_immunization (ctx, resource, item);
  else if (g_str_equal (type, "Procedure"))
    fill_procedure (ctx, resource, item);
  else if (g_str_equal (type, "DiagnosticReport"))
    fill_report (ctx, resource, item);
  else if (g_str_equal (type, "DocumentReference"))
    fill_document (ctx, resource, item);
  else if (g_str_equal (type, "Composition"))
    fill_composition (ctx, resource, item);
  else
    g_assert_not_reached ();
}

gboolean
chevet_projection_add (ChevetStore  *store,
                       const char   *type,
                       gint64        rid,
                       const char   *id,
                       JsonObject   *resource,
                       GHashTable   *urn_map,
                       const char   *where,
                       GError      **error)
{
  g_autoptr(ChevetChartItem) item = NULL;
  g_autofree char *patient = NULL;
  const Projection *p;
  g_autoptr(GError) local_error = NULL;
  Ctx ctx = { urn_map, where, &local_error };

  if (g_str_equal (type, "Patient"))
    {
      if (!project_patient (store, &ctx, rid, id, resource))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }
  p = find_projection (type);
  if (p == NULL)
    return TRUE;

  item = chevet_chart_item_new ();
  fill_item (&ctx, type, resource, item);

  patient = ref_id (&ctx, resource, p->patient_member, "Patient");
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Not about a patient (a Group, a Device): kept verbatim, not in any chart. */
  if (patient == NULL)
    return TRUE;
  return write_item (store, p->insert, rid, item, patient, error) &&
         write_components (store, rid, item, error);
}

gboolean
chevet_projection_remove (ChevetStore  *store,
                          const char   *type,
                          gint64        rid,
                          GError      **error)
{
  static const char * const patient_sql[] = {
    "DELETE FROM patients_fts WHERE docid = ?",
    "DELETE FROM patients WHERE rid = ?",
  };
  static const char * const observation_sql[] = {
    "DELETE FROM observation_components WHERE rid = ?",
    "DELETE FROM observations WHERE rid = ?",
  };
  const char * const *sql = NULL;
  const char *single[1];
  guint n = 0;

  if (g_str_equal (type, "Patient"))
    sql = patient_sql, n = 2;
  else if (g_str_equal (type, "Observation"))
    sql = observation_sql, n = 2;
  else
    {
      const Projection *p = find_projection (type);

      if (p == NULL)
        return TRUE;
      single[0] = p->remove;
      sql = single, n = 1;
    }
  for (guint i = 0; i < n; i++)
    {
      sqlite3_stmt *stmt = chevet_store_prepare (store, sql[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, rid);
      if (!chevet_store_step_done (store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* The same reading without a store: what a resource would look like in the chart, for
 * the outbox's conflict view (mine and the server's, side by side). */
ChevetChartItem *
chevet_chart_item_new_from_json (const char  *json,
                                 char       **version_id,
                                 char       **last_updated,
                                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ChevetChartItem) item = NULL;
  g_autoptr(GError) local_error = NULL;
  Ctx ctx = { NULL, "resource", &local_error };
  JsonObject *resource, *meta;
  const char *type;

  g_return_val_if_fail (json != NULL, NULL);

  if (!json_parser_load_from_data (parser, json, -1, &local_error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_MALFORMED,
                   _("The resource is not a JSON object"));
      return NULL;
    }
  resource = json_node_get_object (json_parser_get_root (parser));
  type = get_str (&ctx, resource, "resourceType");
  if (type == NULL || find_projection (type) == NULL)
    {
      g_set_error (error, CHEVET_IMPORT_ERROR, CHEVET_IMPORT_ERROR_UNKNOWN_TYPE,
                   _("The resource is not one the chart shows"));
      return NULL;
    }
  item = chevet_chart_item_new ();
  item->type = g_strdup (type);
  item->id = g_strdup (get_str (&ctx, resource, "id"));
  fill_item (&ctx, type, resource, item);
  meta = get_obj (&ctx, resource, "meta");
  if (version_id != NULL)
    *version_id = g_strdup (get_str (&ctx, meta, "versionId"));
  if (last_updated != NULL)
    *last_updated = g_strdup (get_str (&ctx, meta, "lastUpdated"));
  if (local_error != NULL)
    {
      if (version_id != NULL)
        g_clear_pointer (version_id, g_free);
      if (last_updated != NULL)
        g_clear_pointer (last_updated, g_free);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&item);
}

/* The strongest confidentiality code of a stored Patient's meta.security, NULL if none.
 * The JSON was checked when it was imported; anything odd now just counts as no label. */
static char *
dup_confidentiality (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  Ctx ctx = { NULL, "", &local_error };
  JsonNode *root;
  JsonArray *a;
  const char *best = NULL;
  int best_rank = 0;

  if (!json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  a = get_arr (&ctx, get_obj (&ctx, json_node_get_object (root), "meta"), "security");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *label = arr_obj (&ctx, a, i, "meta.security");
      const char *code = get_str (&ctx, label, "code");
      int rank = chevet_fhir_confidentiality_rank (get_str (&ctx, label, "system"), code);

      if (rank > best_rank)
        {
          best_rank = rank;
          best = code;
        }
    }
  return local_error == NULL ? g_strdup (best) : NULL;
}

gboolean
chevet_projection_backfill_confidentiality (ChevetStore  *store,
                                            GError      **error)
{
  sqlite3 *db = chevet_store_get_db (store);
  sqlite3_stmt *select = NULL;
  sqlite3_stmt *update = NULL;
  gboolean ok = TRUE;
  int rc = SQLITE_DONE;

  /* Only Patients that name the code system can carry a label: the rest stay NULL,
   * so a migration over 100,000 patients parses a handful of them. */
  if (sqlite3_prepare_v2 (db,
                          "SELECT p.rid, r.json FROM patients p JOIN resources r ON r.rid = p.rid "
                          "WHERE r.json LIKE '%Confidentiality%'", -1, &select, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "UPDATE patients SET confidentiality = ? WHERE rid = ?",
                          -1, &update, NULL) != SQLITE_OK)
    {
      chevet_store_set_sql_error (store, error);
      sqlite3_finalize (select);
      return FALSE;
    }
  while (ok && (rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      g_autofree char *code = dup_confidentiality ((const char *) sqlite3_column_text (select, 1));

      sqlite3_bind_text (update, 1, code, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (update, 2, sqlite3_column_int64 (select, 0));
      ok = sqlite3_step (update) == SQLITE_DONE;
      sqlite3_reset (update);
    }
  if (!ok || rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      ok = FALSE;
    }
  sqlite3_finalize (select);
  sqlite3_finalize (update);
  return ok;
}
