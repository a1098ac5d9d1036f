/* chevet-test-server-fhir.c: the FHIR R4 interactions of the test server, one function each
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All run in the server thread with the data lock held and fill a Response.
 * Behaviour chosen to look like a lenient HAPI server:
 * - search: unknown parameters are ignored unless "Prefer: handling=strict" (then 400);
 *   paging is offset-based over the live, sorted list (_getpagesoffset), so a write
 *   between two pages shifts them; Bundle.total only with _total=accurate (or _count=0,
 *   _summary=count); default order is insertion order; _elements=id gives entries with
 *   only resourceType, id and a SUBSETTED tag (other _elements: 400).
 * - history: newest first (write order), deleted versions as DELETE entries with
 *   response.status "410 Gone" and no resource; paged like search.
 * - _lastUpdated and _since honour the precision of the value: "gt2024-03-15" means
 *   after that whole day, "gt...T08:00:00Z" after that whole second.
 * - transaction: all or nothing; batch (FEATURE_BATCH): POST Type entries only, each on
 *   its own, response.status per entry and an OperationOutcome for a failed one.
 * - AuditEvent (FEATURE_AUDIT_EVENT, off by default): created, read, searched, never
 *   updated; a create must have recorded, agent[0].requestor and source.observer.
 */
#define G_LOG_DOMAIN "chevet-test-server"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chevet-fhir.h"
#include "chevet-test-server-private.h"

#define DEFAULT_COUNT 50
#define MAX_COUNT     1000

/* ---------------------------------------------------------------- responses */

void
response_set_json (Response *resp,
                   guint     status,
                   GString  *body)
{
  resp->status = status;
  g_free (resp->content_type);
  resp->content_type = g_strdup (FHIR_JSON);
  g_clear_pointer (&resp->body, g_bytes_unref);
  resp->body = g_bytes_new (body->str, body->len);
}

void
response_set_outcome (Response   *resp,
                      guint       status,
                      const char *code,
                      const char *diagnostics)
{
  g_autoptr(GString) b = g_string_new ("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":");

  json_append_string (b, status < 300 ? "information" : "error");
  g_string_append (b, ",\"code\":");
  json_append_string (b, code);
  g_string_append (b, ",\"diagnostics\":");
  json_append_string (b, diagnostics);
  g_string_append (b, "}]}");
  response_set_json (resp, status, b);
}

static void
response_set_version (ChevetTestServer *self,
                      Response         *resp,
                      guint             status,
                      Version          *v)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (v->last_updated / 1000);
  g_autofree char *modified = soup_date_time_to_string (dt, SOUP_DATE_HTTP);

  if (self->features & CHEVET_TEST_SERVER_FEATURE_ETAG)
    {
      g_autofree char *etag = g_strdup_printf ("W/\"%u\"", v->vid);

      soup_message_headers_replace (resp->headers, "ETag", etag);
    }
  soup_message_headers_replace (resp->headers, "Last-Modified", modified);
  if (v->json != NULL)
    {
      resp->status = status;
      g_free (resp->content_type);
      resp->content_type = g_strdup (FHIR_JSON);
      g_clear_pointer (&resp->body, g_bytes_unref);
      resp->body = g_bytes_new (v->json, strlen (v->json));
    }
}

static void
set_location (ChevetTestServer *self,
              Response         *resp,
              Version          *v)
{
  g_autofree char *location = g_strdup_printf ("%s/%s/%s/_history/%u", self->base_url,
                                               v->resource->type, v->resource->id, v->vid);

  soup_message_headers_replace (resp->headers, "Location", location);
}

/* W/"3", "3" or * in an If-None-Match or If-Match list. */
static gboolean
etag_matches (const char *header,
              guint       vid)
{
  g_auto(GStrv) tags = g_strsplit (header, ",", -1);

  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *t = g_strstrip (tags[i]);
      g_autofree char *want = g_strdup_printf ("\"%u\"", vid);

      if (g_str_has_prefix (t, "W/"))
        t += 2;
      if (g_str_equal (t, "*") || g_str_equal (t, want))
        return TRUE;
    }
  return FALSE;
}

/* ---------------------------------------------------------------- dates */

/* The instants a FHIR date or dateTime covers: [*lo, *hi) in ms. */
static gboolean
parse_date_range (const char *s,
                  gint64     *lo,
                  gint64     *hi)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  const char *t = strchr (s, 'T');

  if (t != NULL)
    {
      gint64 precision = 1;
      guint colons = 0;

      start = g_date_time_new_from_iso8601 (s, utc);
      if (start == NULL)
        return FALSE;
      for (const char *c = t; *c != '\0' && *c != 'Z' && *c != '+' && *c != '-'; c++)
        colons += *c == ':';
      if (strchr (t, '.') == NULL)
        precision = colons >= 2 ? 1000 : 60000;
      *lo = g_date_time_to_unix (start) * 1000 + g_date_time_get_microsecond (start) / 1000;
      *hi = *lo + precision;
      return TRUE;
    }
  else
    {
      int y = 0, m = 0, d = 0;
      gsize len = strlen (s);

      if (!chevet_fhir_is_valid_date (s))
        return FALSE;
      if (sscanf (s, "%4d-%2d-%2d", &y, &m, &d) < 1)
        return FALSE;
      start = g_date_time_new_utc (y, MAX (m, 1), MAX (d, 1), 0, 0, 0);
      if (start == NULL)
        return FALSE;
      end = len == 4 ? g_date_time_add_years (start, 1)
          : len == 7 ? g_date_time_add_months (start, 1) : g_date_time_add_days (start, 1);
      *lo = g_date_time_to_unix (start) * 1000;
      *hi = g_date_time_to_unix (end) * 1000;
      return TRUE;
    }
}

/* ---------------------------------------------------------------- search */

typedef enum {
  CRIT_ID,
  CRIT_PATIENT,
  CRIT_SUBJECT,
  CRIT_ORGANIZATION,
  CRIT_TAG,
  CRIT_IDENTIFIER,
} CritKind;

typedef struct {
  CritKind  kind;
  char    **values;  /* OR */
} Criterion;

typedef enum {
  CMP_EQ,
  CMP_GT,
  CMP_GE,
  CMP_LT,
  CMP_LE,
} Cmp;

typedef struct {
  Cmp    cmp;
  gint64 lo;
  gint64 hi;
} DateCrit;

typedef enum {
  SORT_NONE,
  SORT_LAST_UPDATED,
  SORT_LAST_UPDATED_DESC,
  SORT_ID,
} SortKind;

typedef struct {
  GPtrArray *criteria;  /* Criterion */
  GArray    *dates;     /* DateCrit */
  guint      count;
  guint      offset;
  SortKind   sort;
  gboolean   summary_count;
  gboolean   elements_id;
  gboolean   total;
} Search;

static void
criterion_free (Criterion *c)
{
  g_strfreev (c->values);
  g_free (c);
}

static void
search_clear (Search *s)
{
  g_clear_pointer (&s->criteria, g_ptr_array_unref);
  g_clear_pointer (&s->dates, g_array_unref);
}

static gboolean
parse_uint (const char *value,
            guint      *out)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &n, NULL))
    return FALSE;
  *out = n;
  return TRUE;
}

/* Shared by search and history: _count and _getpagesoffset. */
static gboolean
parse_paging (Param    *p,
              Search   *s,
              Response *resp)
{
  guint n;

  if (!parse_uint (p->value, &n))
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                            "_count and _getpagesoffset take a whole number");
      return FALSE;
    }
  if (g_str_equal (p->name, "_count"))
    s->count = MIN (n, MAX_COUNT);
  else
    s->offset = n;
  return TRUE;
}

static gboolean
unknown_param (Request    *req,
               const char *name,
               Response   *resp)
{
  g_autofree char *message = NULL;

  if (!req->strict)
    return TRUE;  /* lenient: ignored */
  message = g_strdup_printf ("Unknown search parameter %s", name);
  response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported", message);
  return FALSE;
}

static gboolean
parse_search (ChevetTestServer *self,
              Request          *req,
              const char       *type,
              GPtrArray        *params,
              Search           *s,
              Response         *resp)
{
  gboolean is_patient = g_str_equal (type, "Patient");

  s->criteria = g_ptr_array_new_with_free_func ((GDestroyNotify) criterion_free);
  s->dates = g_array_new (FALSE, FALSE, sizeof (DateCrit));
  s->count = DEFAULT_COUNT;

  for (guint i = 0; i < params->len; i++)
    {
      Param *p = g_ptr_array_index (params, i);
      const char *n = p->name;
      int kind = -1;

      if (g_str_equal (n, "_count") || g_str_equal (n, "_getpagesoffset"))
        {
          if (!parse_paging (p, s, resp))
            return FALSE;
        }
      else if (g_str_equal (n, "_lastUpdated"))
        {
          static const char * const prefixes[] = { "eq", "gt", "ge", "lt", "le" };
          DateCrit d = { CMP_EQ, 0, 0 };
          const char *v = p->value;

          for (guint k = 0; k < G_N_ELEMENTS (prefixes); k++)
            if (g_str_has_prefix (v, prefixes[k]))
              {
                d.cmp = k;
                v += 2;
                break;
              }
          if (!parse_date_range (v, &d.lo, &d.hi))
            {
              response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                                    "_lastUpdated takes [prefix]date or [prefix]instant");
              return FALSE;
            }
          g_array_append_val (s->dates, d);
        }
      else if (g_str_equal (n, "_sort"))
        {
          if (!(self->features & CHEVET_TEST_SERVER_FEATURE_SORT))
            {
              response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported",
                                    "_sort is not supported");
              return FALSE;
            }
          if (g_str_equal (p->value, "_lastUpdated"))
            s->sort = SORT_LAST_UPDATED;
          else if (g_str_equal (p->value, "-_lastUpdated"))
            s->sort = SORT_LAST_UPDATED_DESC;
          else if (g_str_equal (p->value, "_id"))
            s->sort = SORT_ID;
          else
            {
              response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported",
                                    "_sort supports _lastUpdated, -_lastUpdated and _id");
              return FALSE;
            }
        }
      else if (g_str_equal (n, "_summary"))
        {
          if (g_str_equal (p->value, "count"))
            {
              if (!(self->features & CHEVET_TEST_SERVER_FEATURE_SUMMARY_COUNT))
                {
                  response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported",
                                        "_summary=count is not supported");
                  return FALSE;
                }
              s->summary_count = TRUE;
            }
          /* other summaries: the full resources, as a server may do */
        }
      else if (g_str_equal (n, "_elements"))
        {
          if (!(self->features & CHEVET_TEST_SERVER_FEATURE_ELEMENTS)
              || !g_str_equal (p->value, "id"))
            {
              response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported",
                                    "_elements supports only id");
              return FALSE;
            }
          s->elements_id = TRUE;
        }
      else if (g_str_equal (n, "_total"))
        s->total = g_str_equal (p->value, "accurate");
      else if (g_str_equal (n, "_format") || g_str_equal (n, "_pretty"))
        ;
      else if (g_str_equal (n, "_id"))
        kind = CRIT_ID;
      else if (g_str_equal (n, "_tag"))
        kind = CRIT_TAG;
      else if (g_str_equal (n, "identifier"))
        kind = CRIT_IDENTIFIER;
      else if (is_patient && g_str_equal (n, "organization"))
        kind = CRIT_ORGANIZATION;
      else if (!is_patient && g_str_equal (n, "patient"))
        kind = CRIT_PATIENT;
      else if (!is_patient && g_str_equal (n, "subject"))
        kind = CRIT_SUBJECT;
      else if (!unknown_param (req, n, resp))
        return FALSE;

      if (kind >= 0)
        {
          Criterion *c = g_new0 (Criterion, 1);

          c->kind = kind;
          c->values = g_strsplit (p->value, ",", -1);
          g_ptr_array_add (s->criteria, c);
        }
    }
  return TRUE;
}

/* "x" or "Type/x" or "<base>/Type/x" as "Type/x". */
static char *
normalize_reference (ChevetTestServer *self,
                     const char       *value,
                     const char       *type)
{
  gsize base_len = strlen (self->base_url);

  if (strncmp (value, self->base_url, base_len) == 0 && value[base_len] == '/')
    return g_strdup (value + base_len + 1);
  if (strchr (value, '/') != NULL)
    return g_strdup (value);
  return g_strdup_printf ("%s/%s", type, value);
}

static gboolean
token_matches (GPtrArray  *tokens,
               const char *query)
{
  const char *bar = strchr (query, '|');

  for (guint i = 0; i < tokens->len; i++)
    {
      const char *t = g_ptr_array_index (tokens, i);

      if (bar == NULL)
        {
          if (g_str_equal (strchr (t, '|') + 1, query))
            return TRUE;
        }
      else if (bar[1] == '\0')
        {
          if (strncmp (t, query, bar - query + 1) == 0)
            return TRUE;
        }
      else if (g_str_equal (t, query))
        return TRUE;
    }
  return FALSE;
}

static gboolean
criterion_matches (ChevetTestServer *self,
                   Resource         *r,
                   Criterion        *c)
{
  for (guint i = 0; c->values[i] != NULL; i++)
    {
      const char *v = c->values[i];
      g_autofree char *ref = NULL;

      switch (c->kind)
        {
        case CRIT_ID:
          if (g_str_equal (r->id, v))
            return TRUE;
          break;
        case CRIT_PATIENT:
        case CRIT_SUBJECT:
          ref = normalize_reference (self, v, "Patient");
          if (g_strcmp0 (c->kind == CRIT_PATIENT ? r->patient_ref : r->subject_ref, ref) == 0)
            return TRUE;
          break;
        case CRIT_ORGANIZATION:
          ref = normalize_reference (self, v, "Organization");
          if (g_strcmp0 (r->organization_ref, ref) == 0)
            return TRUE;
          break;
        case CRIT_TAG:
          if (token_matches (r->tags, v))
            return TRUE;
          break;
        case CRIT_IDENTIFIER:
          if (token_matches (r->identifiers, v))
            return TRUE;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return FALSE;
}

static gboolean
date_matches (gint64    t,
              DateCrit *d)
{
  switch (d->cmp)
    {
    case CMP_EQ: return t >= d->lo && t < d->hi;
    case CMP_GT: return t >= d->hi;
    case CMP_GE: return t >= d->lo;
    case CMP_LT: return t < d->lo;
    case CMP_LE: return t < d->hi;
    default: g_assert_not_reached ();
    }
}

static int
compare_last_updated (gconstpointer a,
                      gconstpointer b)
{
  Resource *ra = *(Resource **) a, *rb = *(Resource **) b;
  gint64 ta = resource_current (ra)->last_updated, tb = resource_current (rb)->last_updated;

  if (ta != tb)
    return ta < tb ? -1 : 1;
  return strcmp (ra->id, rb->id);
}

static int
compare_last_updated_desc (gconstpointer a,
                           gconstpointer b)
{
  return compare_last_updated (b, a);
}

static int
compare_id (gconstpointer a,
            gconstpointer b)
{
  return strcmp ((*(Resource **) a)->id, (*(Resource **) b)->id);
}

/* The live resources of @type matching @s, in the order asked. */
static GPtrArray *
run_search (ChevetTestServer *self,
            const char       *type,
            Search           *s)
{
  GPtrArray *out = g_ptr_array_new ();
  TypeTable *t = server_get_table (self, type, FALSE);

  for (guint i = 0; t != NULL && i < t->order->len; i++)
    {
      Resource *r = g_ptr_array_index (t->order, i);
      Version *v = resource_current (r);
      gboolean ok = !v->deleted;

      for (guint k = 0; ok && k < s->criteria->len; k++)
        ok = criterion_matches (self, r, g_ptr_array_index (s->criteria, k));
      for (guint k = 0; ok && k < s->dates->len; k++)
        ok = date_matches (v->last_updated, &g_array_index (s->dates, DateCrit, k));
      if (ok)
        g_ptr_array_add (out, r);
    }
  /* g_ptr_array_sort is stable; the comparators break ties by id anyway */
  if (s->sort == SORT_LAST_UPDATED)
    g_ptr_array_sort (out, compare_last_updated);
  else if (s->sort == SORT_LAST_UPDATED_DESC)
    g_ptr_array_sort (out, compare_last_updated_desc);
  else if (s->sort == SORT_ID)
    g_ptr_array_sort (out, compare_id);
  return out;
}

/* ---------------------------------------------------------------- bundles */

static char *
self_link (ChevetTestServer *self,
           Request          *req)
{
  GString *url = g_string_new (self->origin);

  g_string_append (url, req->path);
  for (guint i = 0; i < req->params->len; i++)
    {
      g_string_append_c (url, i == 0 ? '?' : '&');
      g_string_append (url, ((Param *) g_ptr_array_index (req->params, i))->raw);
    }
  return g_string_free (url, FALSE);
}

static char *
next_link (ChevetTestServer *self,
           Request          *req,
           guint             offset,
           guint             count)
{
  GString *url = g_string_new (self->origin);

  g_string_append_printf (url, "%s?_getpagesoffset=%u&_count=%u", req->path, offset, count);
  for (guint i = 0; i < req->params->len; i++)
    {
      Param *p = g_ptr_array_index (req->params, i);

      if (!g_str_equal (p->name, "_getpagesoffset") && !g_str_equal (p->name, "_count"))
        g_string_append_printf (url, "&%s", p->raw);
    }
  return g_string_free (url, FALSE);
}

/* The Bundle around @entries (a comma-separated list, may be empty); @total < 0: none. */
static GString *
bundle_new (const char *type,
            gint64      total,
            const char *self_url,
            const char *next_url,
            GString    *entries)
{
  GString *b = g_string_new ("{\"resourceType\":\"Bundle\",\"id\":");
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = format_instant (g_get_real_time () / 1000);

  json_append_string (b, id);
  g_string_append (b, ",\"meta\":{\"lastUpdated\":");
  json_append_string (b, now);
  g_string_append (b, "},\"type\":");
  json_append_string (b, type);
  if (total >= 0)
    g_string_append_printf (b, ",\"total\":%" G_GINT64_FORMAT, total);
  if (self_url != NULL)
    {
      g_string_append (b, ",\"link\":[{\"relation\":\"self\",\"url\":");
      json_append_string (b, self_url);
      g_string_append_c (b, '}');
      if (next_url != NULL)
        {
          g_string_append (b, ",{\"relation\":\"next\",\"url\":");
          json_append_string (b, next_url);
          g_string_append_c (b, '}');
        }
      g_string_append_c (b, ']');
    }
  if (entries != NULL && entries->len > 0)
    g_string_append_printf (b, ",\"entry\":[%s]", entries->str);
  g_string_append_c (b, '}');
  return b;
}

static void
append_full_url (ChevetTestServer *self,
                 GString          *e,
                 Resource         *r)
{
  g_autofree char *url = g_strdup_printf ("%s/%s/%s", self->base_url, r->type, r->id);

  g_string_append (e, "{\"fullUrl\":");
  json_append_string (e, url);
}

/* ---------------------------------------------------------------- interactions */

static int
compare_str_ptrs (gconstpointer a,
                  gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
fhir_metadata (ChevetTestServer *self,
               Response         *resp)
{
  static const char * const base_types[] = {
    "AllergyIntolerance", "Composition", "Condition", "DiagnosticReport", "DocumentReference",
    "Encounter", "Immunization", "MedicationRequest", "MedicationStatement", "Observation",
    "Organization", "Patient", "Practitioner", "Procedure",
  };
  ChevetTestServerFeatures f = self->features & ~self->unlisted;
  gboolean history = (f & CHEVET_TEST_SERVER_FEATURE_HISTORY) != 0;
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autoptr(GPtrArray) types = g_ptr_array_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *now = format_instant (g_get_real_time () / 1000);
  g_autofree char *text = NULL;
  g_autoptr(GString) body = NULL;
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < G_N_ELEMENTS (base_types); i++)
    g_ptr_array_add (types, (gpointer) base_types[i]);
  if (self->features & CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT)
    g_ptr_array_add (types, (gpointer) "AuditEvent");
  g_hash_table_iter_init (&iter, self->types);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_ptr_array_find_with_equal_func (types, key, g_str_equal, NULL)
        && !g_str_equal (key, "AuditEvent"))
      g_ptr_array_add (types, key);
  g_ptr_array_sort (types, compare_str_ptrs);

  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "resourceType");
  json_builder_add_string_value (jb, "CapabilityStatement");
  json_builder_set_member_name (jb, "status");
  json_builder_add_string_value (jb, "active");
  json_builder_set_member_name (jb, "date");
  json_builder_add_string_value (jb, now);
  json_builder_set_member_name (jb, "kind");
  json_builder_add_string_value (jb, "instance");
  json_builder_set_member_name (jb, "software");
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "name");
  json_builder_add_string_value (jb, "Chevet FHIR test server");
  json_builder_end_object (jb);
  json_builder_set_member_name (jb, "fhirVersion");
  json_builder_add_string_value (jb, "4.0.1");
  json_builder_set_member_name (jb, "format");
  json_builder_begin_array (jb);
  json_builder_add_string_value (jb, "json");
  json_builder_end_array (jb);
  json_builder_set_member_name (jb, "rest");
  json_builder_begin_array (jb);
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "mode");
  json_builder_add_string_value (jb, "server");

  if (self->client_id != NULL || self->bearer_token != NULL)
    {
      json_builder_set_member_name (jb, "security");
      json_builder_begin_object (jb);
      if (self->client_id != NULL)
        {
          json_builder_set_member_name (jb, "extension");
          json_builder_begin_array (jb);
          json_builder_begin_object (jb);
          json_builder_set_member_name (jb, "url");
          json_builder_add_string_value (jb, "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
          json_builder_set_member_name (jb, "extension");
          json_builder_begin_array (jb);
          json_builder_begin_object (jb);
          json_builder_set_member_name (jb, "url");
          json_builder_add_string_value (jb, "token");
          json_builder_set_member_name (jb, "valueUri");
          json_builder_add_string_value (jb, self->token_url);
          json_builder_end_object (jb);
          json_builder_end_array (jb);
          json_builder_end_object (jb);
          json_builder_end_array (jb);
        }
      json_builder_set_member_name (jb, "description");
      json_builder_add_string_value (jb, "Bearer tokens (static, or OAuth 2.0 client credentials)");
      json_builder_end_object (jb);
    }

  json_builder_set_member_name (jb, "resource");
  json_builder_begin_array (jb);
  for (guint i = 0; i < types->len; i++)
    {
      const char *type = g_ptr_array_index (types, i);
      gboolean is_patient = g_str_equal (type, "Patient");
      gboolean is_audit = g_str_equal (type, "AuditEvent");
      /* an audit record is written once and never changed */
      const char *interactions[] = {
        "read", "vread", "search-type", "create", is_audit ? NULL : "update",
        is_audit ? NULL : "delete",
        history ? "history-type" : NULL, history ? "history-instance" : NULL,
      };
      const char *params[][2] = {
        { "_id", "token" }, { "_lastUpdated", "date" }, { "_tag", "token" },
        { "identifier", "token" },
        { is_patient ? "organization" : "patient", "reference" },
        { is_patient ? NULL : "subject", "reference" },
        /* Not search parameters in R4: listed ("special") so a client can see them go */
        { (f & CHEVET_TEST_SERVER_FEATURE_SORT) ? "_sort" : NULL, "special" },
        { (f & CHEVET_TEST_SERVER_FEATURE_SUMMARY_COUNT) ? "_summary" : NULL, "special" },
      };

      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "type");
      json_builder_add_string_value (jb, type);
      json_builder_set_member_name (jb, "interaction");
      json_builder_begin_array (jb);
      for (guint k = 0; k < G_N_ELEMENTS (interactions); k++)
        {
          if (interactions[k] == NULL)
            continue;
          json_builder_begin_object (jb);
          json_builder_set_member_name (jb, "code");
          json_builder_add_string_value (jb, interactions[k]);
          json_builder_end_object (jb);
        }
      json_builder_end_array (jb);
      json_builder_set_member_name (jb, "versioning");
      json_builder_add_string_value (jb, (f & CHEVET_TEST_SERVER_FEATURE_ETAG)
                                         ? "versioned-update" : "no-version");
      json_builder_set_member_name (jb, "readHistory");
      json_builder_add_boolean_value (jb, history);
      json_builder_set_member_name (jb, "updateCreate");
      json_builder_add_boolean_value (jb, TRUE);
      json_builder_set_member_name (jb, "conditionalCreate");
      json_builder_add_boolean_value (jb, (f & CHEVET_TEST_SERVER_FEATURE_CONDITIONAL_CREATE) != 0);
      json_builder_set_member_name (jb, "conditionalRead");
      json_builder_add_string_value (jb, (f & CHEVET_TEST_SERVER_FEATURE_ETAG)
                                         ? "not-match" : "not-supported");
      json_builder_set_member_name (jb, "searchParam");
      json_builder_begin_array (jb);
      for (guint k = 0; k < G_N_ELEMENTS (params); k++)
        {
          if (params[k][0] == NULL)
            continue;
          json_builder_begin_object (jb);
          json_builder_set_member_name (jb, "name");
          json_builder_add_string_value (jb, params[k][0]);
          json_builder_set_member_name (jb, "type");
          json_builder_add_string_value (jb, params[k][1]);
          json_builder_end_object (jb);
        }
      json_builder_end_array (jb);
      json_builder_end_object (jb);
    }
  json_builder_end_array (jb);

  json_builder_set_member_name (jb, "interaction");
  json_builder_begin_array (jb);
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "code");
  json_builder_add_string_value (jb, "transaction");
  json_builder_end_object (jb);
  if (f & CHEVET_TEST_SERVER_FEATURE_BATCH)
    {
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "code");
      json_builder_add_string_value (jb, "batch");
      json_builder_end_object (jb);
    }
  if (history)
    {
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "code");
      json_builder_add_string_value (jb, "history-system");
      json_builder_end_object (jb);
    }
  json_builder_end_array (jb);
  json_builder_end_object (jb);
  json_builder_end_array (jb);
  json_builder_end_object (jb);

  root = json_builder_get_root (jb);
  text = json_to_string (root, FALSE);
  body = g_string_new (text);
  response_set_json (resp, SOUP_STATUS_OK, body);
}

/* What identifies a search apart from its page: type, features and parameters. */
static char *
search_key (ChevetTestServer *self,
            Request          *req,
            const char       *type)
{
  GString *key = g_string_new (type);

  g_string_append_printf (key, "|%u|%u", (guint) self->features, (guint) self->unlisted);
  for (guint i = 0; i < req->params->len; i++)
    {
      Param *p = g_ptr_array_index (req->params, i);

      if (!g_str_equal (p->name, "_getpagesoffset") && !g_str_equal (p->name, "_count"))
        g_string_append_printf (key, "&%s", p->raw);
    }
  return g_string_free (key, FALSE);
}

static void
fhir_search (ChevetTestServer *self,
             Request          *req,
             const char       *type,
             Response         *resp)
{
  g_autofree char *key = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GString) entries = g_string_new (NULL);
  g_autoptr(GString) body = NULL;
  g_autofree char *self_url = NULL;
  g_autofree char *next_url = NULL;
  Search s = { 0, };
  guint end;

  if (!parse_search (self, req, type, req->params, &s, resp))
    {
      search_clear (&s);
      return;
    }
  key = search_key (self, req, type);
  if (self->search_matches != NULL && self->search_generation == self->generation &&
      g_strcmp0 (self->search_key, key) == 0)
    matches = g_ptr_array_ref (self->search_matches);
  else
    {
      matches = run_search (self, type, &s);
      g_free (self->search_key);
      self->search_key = g_steal_pointer (&key);
      self->search_generation = self->generation;
      g_clear_pointer (&self->search_matches, g_ptr_array_unref);
      self->search_matches = g_ptr_array_ref (matches);
    }
  self_url = self_link (self, req);
  if (s.summary_count || s.count == 0)
    {
      body = bundle_new ("searchset", matches->len, self_url, NULL, NULL);
      response_set_json (resp, SOUP_STATUS_OK, body);
      search_clear (&s);
      return;
    }

  end = MIN (matches->len, (guint64) s.offset + s.count);
  for (guint i = s.offset; i < end; i++)
    {
      Resource *r = g_ptr_array_index (matches, i);

      if (entries->len > 0)
        g_string_append_c (entries, ',');
      append_full_url (self, entries, r);
      if (s.elements_id)
        {
          g_string_append (entries, ",\"resource\":{\"resourceType\":");
          json_append_string (entries, r->type);
          g_string_append (entries, ",\"id\":");
          json_append_string (entries, r->id);
          g_string_append (entries, ",\"meta\":{\"tag\":[{\"system\":"
                           "\"http://terminology.hl7.org/CodeSystem/v3-ObservationValue\","
                           "\"code\":\"SUBSETTED\"}]}},\"search\":{\"mode\":\"match\"}}");
        }
      else
        g_string_append_printf (entries, ",\"resource\":%s,\"search\":{\"mode\":\"match\"}}",
                                resource_current (r)->json);
    }
  if (end < matches->len)
    next_url = next_link (self, req, end, s.count);
  body = bundle_new ("searchset", s.total ? (gint64) matches->len : -1, self_url, next_url,
                     entries);
  response_set_json (resp, SOUP_STATUS_OK, body);
  search_clear (&s);
}

static void
fhir_history (ChevetTestServer *self,
              Request          *req,
              const char       *type,
              const char       *id,
              Response         *resp)
{
  g_autoptr(GString) entries = g_string_new (NULL);
  g_autoptr(GString) body = NULL;
  g_autofree char *self_url = NULL;
  g_autofree char *next_url = NULL;
  Search s = { 0, };
  gint64 since = G_MININT64;
  guint matched = 0;

  if (!(self->features & CHEVET_TEST_SERVER_FEATURE_HISTORY))
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-supported",
                            "History is not supported");
      return;
    }
  if (id != NULL && server_lookup (self, type, id) == NULL)
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-found", "Unknown resource");
      return;
    }
  s.count = DEFAULT_COUNT;
  for (guint i = 0; i < req->params->len; i++)
    {
      Param *p = g_ptr_array_index (req->params, i);
      gint64 hi;

      if (g_str_equal (p->name, "_count") || g_str_equal (p->name, "_getpagesoffset"))
        {
          if (!parse_paging (p, &s, resp))
            return;
        }
      else if (g_str_equal (p->name, "_since"))
        {
          if (!parse_date_range (p->value, &since, &hi))
            {
              response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                                    "_since takes an instant");
              return;
            }
        }
      else if (!g_str_equal (p->name, "_format") && !unknown_param (req, p->name, resp))
        return;
    }

  for (guint i = self->all_versions->len; i-- > 0; )
    {
      Version *v = g_ptr_array_index (self->all_versions, i);
      Resource *r = v->resource;
      g_autofree char *etag = NULL;
      g_autofree char *modified = NULL;

      if ((type != NULL && !g_str_equal (r->type, type))
          || (id != NULL && !g_str_equal (r->id, id))
          || v->last_updated < since)
        continue;
      if (matched++ < s.offset)
        continue;
      if (matched > (guint64) s.offset + s.count)
        break;

      if (entries->len > 0)
        g_string_append_c (entries, ',');
      append_full_url (self, entries, r);
      if (v->json != NULL)
        g_string_append_printf (entries, ",\"resource\":%s", v->json);
      if (v->deleted)
        g_string_append_printf (entries, ",\"request\":{\"method\":\"DELETE\",\"url\":\"%s/%s\"}",
                                r->type, r->id);
      else if (g_str_equal (v->method, "POST"))
        g_string_append_printf (entries, ",\"request\":{\"method\":\"POST\",\"url\":\"%s\"}",
                                r->type);
      else
        g_string_append_printf (entries, ",\"request\":{\"method\":\"PUT\",\"url\":\"%s/%s\"}",
                                r->type, r->id);
      modified = format_instant (v->last_updated);
      g_string_append_printf (entries, ",\"response\":{\"status\":\"%s\",\"etag\":\"W/\\\"%u\\\"\","
                              "\"lastModified\":\"%s\"}}",
                              v->deleted ? "410 Gone" : v->created ? "201 Created" : "200 OK",
                              v->vid, modified);
    }
  self_url = self_link (self, req);
  if (s.count > 0 && matched > (guint64) s.offset + s.count)
    next_url = next_link (self, req, s.offset + s.count, s.count);
  body = bundle_new ("history", -1, self_url, next_url, entries);
  response_set_json (resp, SOUP_STATUS_OK, body);
}

static void
fhir_read (ChevetTestServer *self,
           Request          *req,
           Resource         *r,
           Response         *resp)
{
  Version *v = resource_current (r);
  const char *inm = soup_message_headers_get_one (req->headers, "If-None-Match");

  if (v->deleted)
    {
      response_set_outcome (resp, SOUP_STATUS_GONE, "deleted", "The resource was deleted");
      return;
    }
  if (inm != NULL && (self->features & CHEVET_TEST_SERVER_FEATURE_ETAG)
      && etag_matches (inm, v->vid))
    {
      Version headers_only = *v;

      headers_only.json = NULL;
      response_set_version (self, resp, SOUP_STATUS_NOT_MODIFIED, &headers_only);
      resp->status = SOUP_STATUS_NOT_MODIFIED;
      return;
    }
  response_set_version (self, resp, SOUP_STATUS_OK, v);
}

static void
fhir_vread (ChevetTestServer *self,
            Resource         *r,
            const char       *vid_text,
            Response         *resp)
{
  guint vid;

  if (!parse_uint (vid_text, &vid) || vid == 0 || vid > r->versions->len)
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-found", "Unknown version");
      return;
    }
  if (((Version *) g_ptr_array_index (r->versions, vid - 1))->deleted)
    {
      response_set_outcome (resp, SOUP_STATUS_GONE, "deleted", "This version is a deletion");
      return;
    }
  response_set_version (self, resp, SOUP_STATUS_OK, g_ptr_array_index (r->versions, vid - 1));
}

/* If-None-Exist: the existing resource, or NULL to create. FALSE: @resp has the error. */
static gboolean
find_existing (ChevetTestServer *self,
               Request          *req,
               const char       *type,
               const char       *condition,
               Resource        **existing,
               Response         *resp)
{
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  Request strict = *req;
  Search s = { 0, };
  const char *q;

  *existing = NULL;
  if (condition == NULL || !(self->features & CHEVET_TEST_SERVER_FEATURE_CONDITIONAL_CREATE))
    return TRUE;
  /* "identifier=x|y" or "Patient?identifier=x|y" */
  q = strchr (condition, '?');
  params = server_parse_query (q ? q + 1 : condition);
  strict.strict = TRUE;
  if (!parse_search (self, &strict, type, params, &s, resp))
    {
      search_clear (&s);
      return FALSE;
    }
  matches = run_search (self, type, &s);
  search_clear (&s);
  if (matches->len > 1)
    {
      response_set_outcome (resp, SOUP_STATUS_PRECONDITION_FAILED, "duplicate",
                            "If-None-Exist matches more than one resource");
      return FALSE;
    }
  if (matches->len == 1)
    *existing = g_ptr_array_index (matches, 0);
  return TRUE;
}

/* The minimum of an AuditEvent (R4: recorded, agent with requestor, source.observer);
 * FALSE: @resp has the 400. */
static gboolean
check_audit_event (JsonObject *root,
                   Response   *resp)
{
  JsonNode *agent = json_object_get_member (root, "agent");
  JsonNode *source = json_object_get_member (root, "source");
  JsonObject *first;

  if (json_object_get_string_member_with_default (root, "recorded", NULL) == NULL
      || agent == NULL || !JSON_NODE_HOLDS_ARRAY (agent)
      || json_array_get_length (json_node_get_array (agent)) == 0
      || !JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (agent), 0))
      || source == NULL || !JSON_NODE_HOLDS_OBJECT (source)
      || !json_object_has_member (json_node_get_object (source), "observer"))
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "required",
                            "An AuditEvent needs recorded, agent and source.observer");
      return FALSE;
    }
  first = json_array_get_object_element (json_node_get_array (agent), 0);
  if (!json_object_has_member (first, "requestor"))
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "required",
                            "AuditEvent.agent.requestor is required");
      return FALSE;
    }
  return TRUE;
}

static void
fhir_create (ChevetTestServer *self,
             Request          *req,
             const char       *type,
             Response         *resp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *id = NULL;
  const char *text = g_bytes_get_data (req->body, NULL);
  gsize len = g_bytes_get_size (req->body);
  Resource *existing;
  Version *v;

  node = server_parse_resource (text ? text : "", len, type, &error);
  if (node == NULL)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", error->message);
      return;
    }
  if (g_str_equal (type, "AuditEvent") && !check_audit_event (json_node_get_object (node), resp))
    return;
  if (!find_existing (self, req, type,
                      soup_message_headers_get_one (req->headers, "If-None-Exist"),
                      &existing, resp))
    return;
  if (existing != NULL)
    {
      response_set_version (self, resp, SOUP_STATUS_OK, resource_current (existing));
      return;
    }
  id = server_new_id (self, type);
  v = server_store (self, "POST", type, id, text, len, json_node_get_object (node));
  response_set_version (self, resp, SOUP_STATUS_CREATED, v);
  set_location (self, resp, v);
}

/* If-Match against @r (NULL: no such resource). FALSE: @resp has the 412. */
static gboolean
check_if_match (ChevetTestServer *self,
                const char       *if_match,
                Resource         *r,
                Response         *resp)
{
  if (if_match == NULL || !(self->features & CHEVET_TEST_SERVER_FEATURE_ETAG))
    return TRUE;
  if (r != NULL && etag_matches (if_match, resource_current (r)->vid))
    return TRUE;
  response_set_outcome (resp, SOUP_STATUS_PRECONDITION_FAILED, "conflict",
                        "If-Match does not match the current version");
  return FALSE;
}

static void
fhir_update (ChevetTestServer *self,
             Request          *req,
             const char       *type,
             const char       *id,
             Response         *resp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *text = g_bytes_get_data (req->body, NULL);
  gsize len = g_bytes_get_size (req->body);
  Resource *r = server_lookup (self, type, id);
  gboolean live = r != NULL && !resource_current (r)->deleted;
  Version *v;

  node = server_parse_resource (text ? text : "", len, type, &error);
  if (node == NULL)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", error->message);
      return;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node), "id", NULL),
                 id) != 0)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                            "The resource id must match the URL");
      return;
    }
  if (!check_if_match (self, soup_message_headers_get_one (req->headers, "If-Match"), r, resp))
    return;
  v = server_store (self, "PUT", type, id, text, len, json_node_get_object (node));
  response_set_version (self, resp, live ? SOUP_STATUS_OK : SOUP_STATUS_CREATED, v);
  if (!live)
    set_location (self, resp, v);
}

static void
fhir_delete (ChevetTestServer *self,
             Resource         *r,
             Response         *resp)
{
  Version *v = resource_current (r);

  if (!v->deleted)
    v = server_delete (self, r);
  response_set_outcome (resp, SOUP_STATUS_OK, "informational", "Deleted");
  if (self->features & CHEVET_TEST_SERVER_FEATURE_ETAG)
    {
      g_autofree char *etag = g_strdup_printf ("W/\"%u\"", v->vid);

      soup_message_headers_replace (resp->headers, "ETag", etag);
    }
}

/* One entry of a transaction, planned before anything is written. */
typedef struct {
  char       *type;
  char       *id;
  char       *full_url;
  GString    *text;      /* the resource as sent */
  Resource   *existing;  /* If-None-Exist matched: nothing to write */
  gboolean    create;    /* POST */
  Version    *done;
} Planned;

static void
planned_free (Planned *p)
{
  g_free (p->type);
  g_free (p->id);
  g_free (p->full_url);
  if (p->text != NULL)
    g_string_free (p->text, TRUE);
  g_free (p);
}

static void
replace_all (GString    *s,
             const char *from,
             const char *to)
{
  gsize from_len = strlen (from);
  const char *hit;
  gsize pos = 0;

  while ((hit = strstr (s->str + pos, from)) != NULL)
    {
      pos = hit - s->str;
      g_string_erase (s, pos, from_len);
      g_string_insert (s, pos, to);
      pos += strlen (to);
    }
}

/* Plans entry @i (@entry, its resource text at [@rs, @re) of the bundle). */
static gboolean
plan_entry (ChevetTestServer *self,
            Request          *req,
            JsonObject       *entry,
            const char       *text,
            gsize             rs,
            gsize             re,
            GPtrArray        *plan,
            Response         *resp)
{
  JsonNode *request_node = json_object_get_member (entry, "request");
  JsonObject *request;
  const char *method, *url;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  Planned *p;

  if (request_node == NULL || !JSON_NODE_HOLDS_OBJECT (request_node) || re <= rs)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                            "Each entry needs a request and a resource");
      return FALSE;
    }
  request = json_node_get_object (request_node);
  method = json_object_get_string_member_with_default (request, "method", "");
  url = json_object_get_string_member_with_default (request, "url", "");
  parts = g_strsplit (url, "/", -1);

  p = g_new0 (Planned, 1);
  g_ptr_array_add (plan, p);
  p->type = g_strdup (parts[0]);
  p->full_url = g_strdup (json_object_get_string_member_with_default (entry, "fullUrl", NULL));
  p->text = g_string_new_len (text + rs, re - rs);
  node = server_parse_resource (p->text->str, p->text->len, p->type, &error);
  if (node == NULL)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", error->message);
      return FALSE;
    }
  if (g_str_equal (method, "POST") && g_strv_length (parts) == 1)
    {
      p->create = TRUE;
      if (!find_existing (self, req, p->type,
                          json_object_get_string_member_with_default (request, "ifNoneExist", NULL),
                          &p->existing, resp))
        return FALSE;
      p->id = p->existing != NULL ? g_strdup (p->existing->id) : server_new_id (self, p->type);
      /* next_id only grows: two creates in one transaction get two ids */
      return TRUE;
    }
  if (g_str_equal (method, "PUT") && g_strv_length (parts) == 2)
    {
      Resource *r = server_lookup (self, p->type, parts[1]);

      p->id = g_strdup (parts[1]);
      if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node), "id", NULL),
                     p->id) != 0)
        {
          response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                                "The resource id must match request.url");
          return FALSE;
        }
      return check_if_match (self, json_object_get_string_member_with_default (request, "ifMatch", NULL),
                             r, resp);
    }
  response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported",
                        "Transactions take POST Type and PUT Type/id entries");
  return FALSE;
}

static void fhir_batch (ChevetTestServer *self, Request *req, const char *text, gsize len,
                        JsonObject *root, Response *resp);

static void
fhir_transaction (ChevetTestServer *self,
                  Request          *req,
                  Response         *resp)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func ((GDestroyNotify) planned_free);
  g_autoptr(GString) entries = g_string_new (NULL);
  g_autoptr(GString) body = NULL;
  const char *text = g_bytes_get_data (req->body, NULL);
  gsize len = g_bytes_get_size (req->body);
  JsonObject *root;
  JsonArray *array = NULL;
  gsize es = 0, ee = 0, i;

  if (text == NULL || !g_utf8_validate (text, len, NULL)
      || !json_parser_load_from_data (parser, text, len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", "Not a JSON object");
      return;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  if ((self->features & CHEVET_TEST_SERVER_FEATURE_BATCH)
      && g_strcmp0 (json_object_get_string_member_with_default (root, "resourceType", NULL), "Bundle") == 0
      && g_strcmp0 (json_object_get_string_member_with_default (root, "type", NULL), "batch") == 0)
    {
      fhir_batch (self, req, text, len, root, resp);
      return;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (root, "resourceType", NULL), "Bundle") != 0
      || g_strcmp0 (json_object_get_string_member_with_default (root, "type", NULL), "transaction") != 0)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                            "POST to the base takes a transaction Bundle");
      return;
    }
  if (json_object_has_member (root, "entry"))
    {
      if (!JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "entry"))
          || !json_text_find_member (text, len, 0, "entry", &es, &ee))
        {
          response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", "entry is not an array");
          return;
        }
      array = json_object_get_array_member (root, "entry");
    }

  /* Plan every entry (checks, conditions, ids) before writing anything: all or nothing. */
  i = json_text_skip_ws (text, len, es + 1);
  for (guint n = 0; array != NULL && n < json_array_get_length (array); n++)
    {
      JsonNode *e = json_array_get_element (array, n);
      gsize end = json_text_skip_value (text, len, i);
      gsize rs = 0, re = 0;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", "An entry is not an object");
          return;
        }
      json_text_find_member (text, len, i, "resource", &rs, &re);
      if (!plan_entry (self, req, json_node_get_object (e), text, rs, re, plan, resp))
        return;
      i = json_text_skip_ws (text, len, end);
      if (i < len && text[i] == ',')
        i = json_text_skip_ws (text, len, i + 1);
    }
  for (guint a = 0; a < plan->len; a++)
    for (guint b = a + 1; b < plan->len; b++)
      {
        Planned *pa = g_ptr_array_index (plan, a), *pb = g_ptr_array_index (plan, b);

        if (g_str_equal (pa->type, pb->type) && g_str_equal (pa->id, pb->id))
          {
            response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                                  "Two entries write the same resource");
            return;
          }
      }

  /* Write: urn:uuid references become Type/id, as a server does. */
  for (guint a = 0; a < plan->len; a++)
    {
      Planned *p = g_ptr_array_index (plan, a);
      g_autoptr(JsonNode) node = NULL;

      if (p->existing != NULL)
        continue;
      for (guint b = 0; b < plan->len; b++)
        {
          Planned *q = g_ptr_array_index (plan, b);
          g_autofree char *from = NULL;
          g_autofree char *to = NULL;

          if (q->full_url == NULL || !g_str_has_prefix (q->full_url, "urn:uuid:"))
            continue;
          from = g_strdup_printf ("\"%s\"", q->full_url);
          to = g_strdup_printf ("\"%s/%s\"", q->type, q->id);
          replace_all (p->text, from, to);
        }
      node = server_parse_resource (p->text->str, p->text->len, p->type, NULL);
      g_assert (node != NULL);  /* same text, checked above, but for references */
      p->done = server_store (self, p->create ? "POST" : "PUT", p->type, p->id,
                              p->text->str, p->text->len, json_node_get_object (node));
    }

  for (guint a = 0; a < plan->len; a++)
    {
      Planned *p = g_ptr_array_index (plan, a);
      Version *v = p->done != NULL ? p->done : resource_current (p->existing);
      g_autofree char *modified = format_instant (v->last_updated);

      if (entries->len > 0)
        g_string_append_c (entries, ',');
      append_full_url (self, entries, v->resource);
      g_string_append_printf (entries, ",\"resource\":%s,\"response\":{\"status\":\"%s\","
                              "\"location\":\"%s/%s/_history/%u\",\"etag\":\"W/\\\"%u\\\"\","
                              "\"lastModified\":\"%s\"}}",
                              v->json,
                              p->done == NULL ? "200 OK" : v->created ? "201 Created" : "200 OK",
                              p->type, p->id, v->vid, v->vid, modified);
    }
  body = bundle_new ("transaction-response", -1, NULL, NULL, entries);
  response_set_json (resp, SOUP_STATUS_OK, body);
}

/* One entry of a batch, on its own: POST Type (with ifNoneExist) only. Fills @resp as
 * a create would (the resource, or an OperationOutcome). */
static void
batch_entry (ChevetTestServer *self,
             Request          *req,
             JsonObject       *entry,
             const char       *text,
             gsize             rs,
             gsize             re,
             Response         *resp)
{
  JsonNode *request_node = json_object_get_member (entry, "request");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *request;
  const char *method, *url, *condition;
  Resource *existing;
  Version *v;
  g_autofree char *id = NULL;

  if (request_node == NULL || !JSON_NODE_HOLDS_OBJECT (request_node) || re <= rs)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid",
                            "Each entry needs a request and a resource");
      return;
    }
  request = json_node_get_object (request_node);
  method = json_object_get_string_member_with_default (request, "method", "");
  url = json_object_get_string_member_with_default (request, "url", "");
  if (!g_str_equal (method, "POST") || strchr (url, '/') != NULL || strchr (url, '?') != NULL
      || !chevet_fhir_is_resource_type (url))
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "not-supported",
                            "Batches take POST Type entries");
      return;
    }
  if (g_str_equal (url, "AuditEvent") && !(self->features & CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT))
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-supported", "Unknown resource type");
      return;
    }
  node = server_parse_resource (text + rs, re - rs, url, &error);
  if (node == NULL)
    {
      response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", error->message);
      return;
    }
  if (g_str_equal (url, "AuditEvent") && !check_audit_event (json_node_get_object (node), resp))
    return;
  condition = json_object_get_string_member_with_default (request, "ifNoneExist", NULL);
  if (!find_existing (self, req, url, condition, &existing, resp))
    return;
  if (existing != NULL)
    {
      response_set_version (self, resp, SOUP_STATUS_OK, resource_current (existing));
      return;
    }
  id = server_new_id (self, url);
  v = server_store (self, "POST", url, id, text + rs, re - rs, json_node_get_object (node));
  response_set_version (self, resp, SOUP_STATUS_CREATED, v);
}

/* POST of a batch Bundle to the base: each entry succeeds or fails on its own. */
static void
fhir_batch (ChevetTestServer *self,
            Request          *req,
            const char       *text,
            gsize             len,
            JsonObject       *root,
            Response         *resp)
{
  g_autoptr(GString) entries = g_string_new (NULL);
  g_autoptr(GString) body = NULL;
  JsonArray *array = NULL;
  gsize es = 0, ee = 0, i;

  if (json_object_has_member (root, "entry"))
    {
      if (!JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "entry"))
          || !json_text_find_member (text, len, 0, "entry", &es, &ee))
        {
          response_set_outcome (resp, SOUP_STATUS_BAD_REQUEST, "invalid", "entry is not an array");
          return;
        }
      array = json_object_get_array_member (root, "entry");
    }
  i = json_text_skip_ws (text, len, es + 1);
  for (guint n = 0; array != NULL && n < json_array_get_length (array); n++)
    {
      JsonNode *e = json_array_get_element (array, n);
      gsize end = json_text_skip_value (text, len, i);
      gsize rs = 0, re = 0;
      Response one = { 0, };

      one.headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      if ((gint) n == req->fail_entry)
        response_set_outcome (&one, SOUP_STATUS_INTERNAL_SERVER_ERROR, "exception",
                              "Injected fault: internal error");
      else if (!JSON_NODE_HOLDS_OBJECT (e))
        response_set_outcome (&one, SOUP_STATUS_BAD_REQUEST, "invalid", "An entry is not an object");
      else
        {
          json_text_find_member (text, len, i, "resource", &rs, &re);
          batch_entry (self, req, json_node_get_object (e), text, rs, re, &one);
        }

      if (entries->len > 0)
        g_string_append_c (entries, ',');
      g_string_append_printf (entries, "{\"response\":{\"status\":\"%u %s\"", one.status,
                              soup_status_get_phrase (one.status));
      if (one.status < 300)
        {
          const char *etag = soup_message_headers_get_one (one.headers, "ETag");

          if (etag != NULL)
            {
              g_string_append (entries, ",\"etag\":");
              json_append_string (entries, etag);
            }
          if (one.body != NULL)
            {
              g_autoptr(JsonNode) saved = server_parse_resource (g_bytes_get_data (one.body, NULL),
                                                                 g_bytes_get_size (one.body), NULL, NULL);
              JsonObject *o = saved != NULL ? json_node_get_object (saved) : NULL;
              g_autofree char *where = o != NULL
                ? g_strdup_printf ("%s/%s", json_object_get_string_member_with_default (o, "resourceType", ""),
                                   json_object_get_string_member_with_default (o, "id", ""))
                : NULL;

              if (where != NULL)
                {
                  g_string_append (entries, ",\"location\":");
                  json_append_string (entries, where);
                }
            }
          g_string_append (entries, "}}");
        }
      else
        {
          g_string_append (entries, ",\"outcome\":");
          g_string_append_len (entries, g_bytes_get_data (one.body, NULL), g_bytes_get_size (one.body));
          g_string_append (entries, "}}");
        }
      g_clear_pointer (&one.headers, soup_message_headers_unref);
      g_clear_pointer (&one.body, g_bytes_unref);
      g_free (one.content_type);

      i = json_text_skip_ws (text, len, end);
      if (i < len && text[i] == ',')
        i = json_text_skip_ws (text, len, i + 1);
    }
  body = bundle_new ("batch-response", -1, NULL, NULL, entries);
  response_set_json (resp, SOUP_STATUS_OK, body);
}

/* POST /auth/token: OAuth 2.0 client credentials (RFC 6749, 4.4). */
void
fhir_handle_token (ChevetTestServer *self,
                   Request          *req,
                   Response         *resp)
{
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *form_text = NULL;
  g_autofree char *basic_id = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GString) body = NULL;
  const char *auth = soup_message_headers_get_one (req->headers, "Authorization");
  const char *id, *secret, *error_code = NULL;
  gint64 *expiry;

  if (!g_str_equal (req->method, "POST"))
    {
      response_set_outcome (resp, SOUP_STATUS_METHOD_NOT_ALLOWED, "not-supported", "POST only");
      return;
    }
  self->token_requests++;
  form_text = g_strndup (g_bytes_get_data (req->body, NULL), g_bytes_get_size (req->body));
  form = soup_form_decode (form_text);
  id = g_hash_table_lookup (form, "client_id");
  secret = g_hash_table_lookup (form, "client_secret");
  if (auth != NULL && g_ascii_strncasecmp (auth, "Basic ", 6) == 0)
    {
      gsize n;
      g_autofree guchar *decoded = g_base64_decode (auth + 6, &n);
      char *colon;

      basic_id = g_strndup ((const char *) decoded, n);
      colon = strchr (basic_id, ':');
      if (colon != NULL)
        {
          *colon = '\0';
          id = basic_id;
          secret = colon + 1;
        }
    }

  if (g_strcmp0 (g_hash_table_lookup (form, "grant_type"), "client_credentials") != 0)
    error_code = "unsupported_grant_type";
  else if (self->client_id == NULL || g_strcmp0 (id, self->client_id) != 0
           || g_strcmp0 (secret, self->client_secret) != 0)
    error_code = "invalid_client";

  body = g_string_new ("{");
  if (error_code != NULL)
    {
      g_string_append (body, "\"error\":");
      json_append_string (body, error_code);
      g_string_append_c (body, '}');
      resp->status = g_str_equal (error_code, "invalid_client") ? SOUP_STATUS_UNAUTHORIZED
                                                                 : SOUP_STATUS_BAD_REQUEST;
      if (resp->status == SOUP_STATUS_UNAUTHORIZED)
        soup_message_headers_replace (resp->headers, "WWW-Authenticate", "Basic realm=\"token\"");
    }
  else
    {
      token = g_uuid_string_random ();
      expiry = g_new (gint64, 1);
      *expiry = g_get_monotonic_time () + (gint64) self->token_lifetime_s * G_USEC_PER_SEC;
      g_hash_table_replace (self->tokens, g_strdup (token), expiry);
      g_string_append (body, "\"access_token\":");
      json_append_string (body, token);
      g_string_append_printf (body, ",\"token_type\":\"Bearer\",\"expires_in\":%u}",
                              self->token_lifetime_s);
      resp->status = SOUP_STATUS_OK;
    }
  soup_message_headers_replace (resp->headers, "Cache-Control", "no-store");
  resp->content_type = g_strdup ("application/json");
  resp->body = g_bytes_new (body->str, body->len);
}

/* ---------------------------------------------------------------- routing */

static void
method_not_allowed (Response *resp)
{
  response_set_outcome (resp, SOUP_STATUS_METHOD_NOT_ALLOWED, "not-supported",
                        "Method not allowed here");
}

void
fhir_handle (ChevetTestServer *self,
             Request          *req,
             Response         *resp)
{
  char **seg = req->segments;
  guint n = req->n_segments;
  gboolean get = g_str_equal (req->method, "GET");
  const char *type = n > 0 ? seg[0] : NULL;
  Resource *r = NULL;

  if (n == 0)
    {
      if (g_str_equal (req->method, "POST"))
        fhir_transaction (self, req, resp);
      else
        method_not_allowed (resp);
      return;
    }
  if (n == 1 && g_str_equal (type, "metadata"))
    {
      if (get)
        fhir_metadata (self, resp);
      else
        method_not_allowed (resp);
      return;
    }
  if (n == 1 && g_str_equal (type, "_history"))
    {
      if (get)
        fhir_history (self, req, NULL, NULL, resp);
      else
        method_not_allowed (resp);
      return;
    }
  if (!chevet_fhir_is_resource_type (type)
      || (g_str_equal (type, "AuditEvent") && !(self->features & CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT)))
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-supported", "Unknown resource type");
      return;
    }
  if (n == 1)
    {
      if (get)
        fhir_search (self, req, type, resp);
      else if (g_str_equal (req->method, "POST"))
        fhir_create (self, req, type, resp);
      else
        method_not_allowed (resp);
      return;
    }
  if (n == 2 && g_str_equal (seg[1], "_history"))
    {
      if (get)
        fhir_history (self, req, type, NULL, resp);
      else
        method_not_allowed (resp);
      return;
    }
  if (n == 2 && g_str_equal (req->method, "PUT"))
    {
      fhir_update (self, req, type, seg[1], resp);
      return;
    }

  if (n > 4 || (n >= 3 && !g_str_equal (seg[2], "_history")))
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-found", "Unknown path");
      return;
    }
  r = server_lookup (self, type, seg[1]);
  if (r == NULL)
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-found", "Unknown resource");
      return;
    }
  if (n == 2 && get)
    fhir_read (self, req, r, resp);
  else if (n == 2 && g_str_equal (req->method, "DELETE"))
    fhir_delete (self, r, resp);
  else if (n == 3 && get)
    fhir_history (self, req, type, seg[1], resp);
  else if (n == 4 && get)
    fhir_vread (self, r, seg[3], resp);
  else
    method_not_allowed (resp);
}
