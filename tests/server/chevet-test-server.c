/* chevet-test-server.c: the test FHIR server: thread, data, auth, faults, request log
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer runs in its own thread and GMainContext. Each request is logged, shown to
 * the request hook, then checked against the fault queue and the authentication mode,
 * and handed to the FHIR interactions (chevet-test-server-fhir.c), which fill a Response
 * with the data lock held. Delivery then applies gzip and response faults.
 *
 * The data: per type, resources by id in insertion order, each with every version.
 * lastUpdated comes from the wall clock in ms, strictly increasing between writes
 * (unless set_clock freezes it), so "_lastUpdated=gt<last seen>" is exact here.
 * Stored text is the client's bytes with the server's id and meta spliced in, never a
 * reprint (a reprint would turn 0.1 into 0.10000000000000001).
 *
 * Nothing is logged unless CHEVET_TEST_SERVER_DEBUG is set, and then only the method
 * and the path, never the query (it can hold an identifier).
 */
#define G_LOG_DOMAIN "chevet-test-server"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chevet-fhir.h"
#include "chevet-generator.h"
#include "chevet-test-server-private.h"

G_DEFINE_QUARK (chevet-test-server-error-quark, chevet_test_server_error)

typedef struct {
  ChevetTestFaultKind  kind;
  char                *path_prefix;
  guint                times;
  guint                param;
} Fault;

/* A paused message waiting for a timeout (SLOW) or an idle (DROP, STALL). */
typedef struct {
  ChevetTestServer  *self;
  SoupServerMessage *msg;
  GSource           *source;
  ChevetTestFaultKind kind;
  guint              param;
  GBytes            *wire;   /* DROP: the whole response as bytes */
  gboolean           gone;   /* the client went away */
} Pending;

struct _ChevetTestServerClass
{
  GObjectClass parent_class;
};

G_DEFINE_FINAL_TYPE (ChevetTestServer, chevet_test_server, G_TYPE_OBJECT)

/* ---------------------------------------------------------------- small helpers */

static void
fault_free (Fault *f)
{
  g_free (f->path_prefix);
  g_free (f);
}

static void
version_free (Version *v)
{
  g_free (v->json);
  g_free (v);
}

static void
resource_free (Resource *r)
{
  g_free (r->type);
  g_free (r->id);
  g_ptr_array_unref (r->versions);
  g_free (r->patient_ref);
  g_free (r->subject_ref);
  g_free (r->organization_ref);
  g_ptr_array_unref (r->identifiers);
  g_ptr_array_unref (r->tags);
  g_free (r);
}

static void
type_table_free (TypeTable *t)
{
  g_ptr_array_unref (t->order);
  g_hash_table_unref (t->by_id);
  g_free (t);
}

static void
param_free (Param *p)
{
  g_free (p->name);
  g_free (p->value);
  g_free (p->raw);
  g_free (p);
}

void
chevet_test_request_free (ChevetTestRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->line);
  g_free (request->if_none_match);
  g_free (request->if_match);
  g_free (request->if_none_exist);
  g_free (request->accept_encoding);
  g_free (request->prefer);
  g_free (request);
}

static ChevetTestRequest *
request_copy (const ChevetTestRequest *r)
{
  ChevetTestRequest *c = g_new0 (ChevetTestRequest, 1);

  c->line = g_strdup (r->line);
  c->if_none_match = g_strdup (r->if_none_match);
  c->if_match = g_strdup (r->if_match);
  c->if_none_exist = g_strdup (r->if_none_exist);
  c->accept_encoding = g_strdup (r->accept_encoding);
  c->prefer = g_strdup (r->prefer);
  c->has_authorization = r->has_authorization;
  return c;
}

char *
format_instant (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", s, (int) (ms % 1000));
}

void
json_append_string (GString    *out,
                    const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++)
    {
      guchar c = *s;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* ---------------------------------------------------------------- JSON text scanner */

gsize
json_text_skip_ws (const char *t,
                   gsize       len,
                   gsize       i)
{
  while (i < len && g_ascii_isspace (t[i]))
    i++;
  return i;
}

static gsize
skip_string (const char *t,
             gsize       len,
             gsize       i)
{
  for (i++; i < len; i++)
    {
      if (t[i] == '\\')
        i++;
      else if (t[i] == '"')
        return i + 1;
    }
  return len;
}

/* Index just past the value at @i (after white space). */
gsize
json_text_skip_value (const char *t,
                      gsize       len,
                      gsize       i)
{
  int depth = 0;

  i = json_text_skip_ws (t, len, i);
  if (i >= len)
    return len;
  if (t[i] == '"')
    return skip_string (t, len, i);
  if (t[i] != '{' && t[i] != '[')
    {
      while (i < len && strchr (",}] \t\r\n", t[i]) == NULL)
        i++;
      return i;
    }
  while (i < len)
    {
      if (t[i] == '"')
        {
          i = skip_string (t, len, i);
          continue;
        }
      if (t[i] == '{' || t[i] == '[')
        depth++;
      else if ((t[i] == '}' || t[i] == ']') && --depth == 0)
        return i + 1;
      i++;
    }
  return len;
}

gboolean
json_text_find_member (const char *t,
                       gsize       len,
                       gsize       start,
                       const char *key,
                       gsize      *value_start,
                       gsize      *value_end)
{
  gsize key_len = strlen (key);
  gsize i = json_text_skip_ws (t, len, start);

  if (i >= len || t[i] != '{')
    return FALSE;
  i++;
  while (TRUE)
    {
      gsize k, vs, ve;

      i = json_text_skip_ws (t, len, i);
      if (i >= len || t[i] != '"')
        return FALSE;
      k = i;
      i = skip_string (t, len, i);
      i = json_text_skip_ws (t, len, i);
      if (i >= len || t[i] != ':')
        return FALSE;
      vs = json_text_skip_ws (t, len, i + 1);
      ve = json_text_skip_value (t, len, vs);
      if (i - k >= key_len + 2 && t[k + key_len + 1] == '"'
          && memcmp (t + k + 1, key, key_len) == 0)
        {
          *value_start = vs;
          *value_end = ve;
          return TRUE;
        }
      i = json_text_skip_ws (t, len, ve);
      if (i >= len || t[i] != ',')
        return FALSE;
      i++;
    }
}

/* Sets member @key of the object @text to the JSON @value: in place if present, else
 * right after member @after (if present), else first. */
static void
splice_member (GString    *text,
               const char *key,
               const char *value,
               const char *after)
{
  gsize vs, ve;

  if (json_text_find_member (text->str, text->len, 0, key, &vs, &ve))
    {
      g_string_erase (text, vs, ve - vs);
      g_string_insert (text, vs, value);
    }
  else
    {
      g_autoptr(GString) member = g_string_new (NULL);

      json_append_string (member, key);
      g_string_append_printf (member, ":%s", value);
      if (after != NULL && json_text_find_member (text->str, text->len, 0, after, &vs, &ve))
        {
          g_string_prepend_c (member, ',');
          g_string_insert (text, ve, member->str);
        }
      else
        {
          gsize open = json_text_skip_ws (text->str, text->len, 0);
          gsize next = json_text_skip_ws (text->str, text->len, open + 1);

          if (text->str[next] != '}')
            g_string_append_c (member, ',');
          g_string_insert (text, open + 1, member->str);
        }
    }
}

/* ---------------------------------------------------------------- data layer */

JsonNode *
server_parse_resource (const char  *text,
                       gsize        len,
                       const char  *expected_type,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonObject *root;
  const char *type;

  if (!g_utf8_validate (text, len, NULL) || !json_parser_load_from_data (parser, text, len, &local))
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID,
                   "Not valid JSON%s%s", local ? ": " : "", local ? local->message : "");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID,
                   "A resource must be a JSON object");
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_string_member_with_default (root, "resourceType", NULL);
  if (type == NULL || !chevet_fhir_is_resource_type (type)
      || (expected_type != NULL && g_strcmp0 (type, expected_type) != 0))
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID,
                   "resourceType is %s, expected %s", type ? type : "missing",
                   expected_type ? expected_type : "an R4 resource type");
      return NULL;
    }
  if (json_object_has_member (root, "id")
      && (!JSON_NODE_HOLDS_VALUE (json_object_get_member (root, "id"))
          || !chevet_fhir_is_valid_id (json_object_get_string_member (root, "id"))))
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID,
                   "Invalid id");
      return NULL;
    }
  if (json_object_has_member (root, "meta") && !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "meta")))
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID,
                   "meta must be an object");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

TypeTable *
server_get_table (ChevetTestServer *self,
                  const char       *type,
                  gboolean          create)
{
  TypeTable *t = g_hash_table_lookup (self->types, type);

  if (t == NULL && create)
    {
      t = g_new0 (TypeTable, 1);
      t->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) resource_free);
      t->order = g_ptr_array_new ();
      g_hash_table_insert (self->types, g_strdup (type), t);
    }
  return t;
}

Resource *
server_lookup (ChevetTestServer *self,
               const char       *type,
               const char       *id)
{
  TypeTable *t = server_get_table (self, type, FALSE);

  return t != NULL ? g_hash_table_lookup (t->by_id, id) : NULL;
}

char *
server_new_id (ChevetTestServer *self,
               const char       *type)
{
  while (TRUE)
    {
      char *id = g_strdup_printf ("%u", ++self->next_id);

      if (server_lookup (self, type, id) == NULL)
        return id;
      g_free (id);
    }
}

static gint64
server_now (ChevetTestServer *self)
{
  gint64 now;

  if (self->frozen_clock != 0)
    return self->frozen_clock;
  now = MAX (g_get_real_time () / 1000, self->last_instant + 1);
  self->last_instant = now;
  return now;
}

static const char *
member_reference (JsonObject *o,
                  const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (n), "reference", NULL);
}

/* "system|value" for each object of the array @member of @o. */
static void
index_tokens (GPtrArray  *out,
              JsonObject *o,
              const char *member,
              const char *value_member)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, member) : NULL;
  JsonArray *a;

  g_ptr_array_set_size (out, 0);
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return;
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *eo;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        continue;
      eo = json_node_get_object (e);
      g_ptr_array_add (out, g_strdup_printf ("%s|%s",
                                             json_object_get_string_member_with_default (eo, "system", ""),
                                             json_object_get_string_member_with_default (eo, value_member, "")));
    }
}

static void
index_resource (Resource   *r,
                JsonObject *root)
{
  const char *patient = member_reference (root, "patient");
  const char *subject = member_reference (root, "subject");
  JsonNode *meta = json_object_get_member (root, "meta");

  g_free (r->patient_ref);
  g_free (r->subject_ref);
  g_free (r->organization_ref);
  if (patient == NULL && subject != NULL && g_str_has_prefix (subject, "Patient/"))
    patient = subject;
  r->patient_ref = g_strdup (patient);
  r->subject_ref = g_strdup (subject);
  r->organization_ref = g_strdup (member_reference (root, "managingOrganization"));
  index_tokens (r->identifiers, root, "identifier", "value");
  index_tokens (r->tags, meta != NULL && JSON_NODE_HOLDS_OBJECT (meta)
                         ? json_node_get_object (meta) : NULL, "tag", "code");
}

static Resource *
server_ensure_resource (ChevetTestServer *self,
                        const char       *type,
                        const char       *id)
{
  TypeTable *t = server_get_table (self, type, TRUE);
  Resource *r = g_hash_table_lookup (t->by_id, id);

  if (r == NULL)
    {
      r = g_new0 (Resource, 1);
      r->type = g_strdup (type);
      r->id = g_strdup (id);
      r->versions = g_ptr_array_new_with_free_func ((GDestroyNotify) version_free);
      r->identifiers = g_ptr_array_new_with_free_func (g_free);
      r->tags = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (t->by_id, r->id, r);
      g_ptr_array_add (t->order, r);
    }
  return r;
}

static Version *
add_version (ChevetTestServer *self,
             Resource         *r,
             const char       *method)
{
  gboolean deleted = g_str_equal (method, "DELETE");
  Version *v = g_new0 (Version, 1);
  Version *prev = r->versions->len > 0 ? resource_current (r) : NULL;

  v->resource = r;
  v->vid = prev != NULL ? prev->vid + 1 : 1;
  v->method = method;
  v->deleted = deleted;
  v->created = !deleted && (prev == NULL || prev->deleted);
  v->last_updated = server_now (self);
  g_ptr_array_add (r->versions, v);
  g_ptr_array_add (self->all_versions, v);
  self->generation++;
  return v;
}

Version *
server_store (ChevetTestServer *self,
              const char       *method,
              const char       *type,
              const char       *id,
              const char       *text,
              gsize             len,
              JsonObject       *root)
{
  Resource *r = server_ensure_resource (self, type, id);
  Version *v = add_version (self, r, method);
  g_autoptr(GString) stored = NULL;
  g_autoptr(GString) quoted_id = g_string_new (NULL);
  g_autoptr(JsonNode) meta_node = NULL;
  g_autofree char *instant = format_instant (v->last_updated);
  g_autofree char *vid = g_strdup_printf ("%u", v->vid);
  g_autofree char *meta_text = NULL;
  JsonObject *meta;

  gsize start = json_text_skip_ws (text, len, 0);

  while (len > start && g_ascii_isspace (text[len - 1]))
    len--;
  stored = g_string_new_len (text + start, len - start);

  /* meta keeps the client's tags, security and profiles; only its strings are
   * reprinted, which json-glib does faithfully. */
  if (json_object_has_member (root, "meta"))
    meta_node = json_node_copy (json_object_get_member (root, "meta"));
  else
    {
      meta_node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (meta_node, json_object_new ());
    }
  meta = json_node_get_object (meta_node);
  json_object_set_string_member (meta, "versionId", vid);
  json_object_set_string_member (meta, "lastUpdated", instant);
  meta_text = json_to_string (meta_node, FALSE);

  json_append_string (quoted_id, id);
  splice_member (stored, "id", quoted_id->str, "resourceType");
  splice_member (stored, "meta", meta_text, "id");

  json_object_set_string_member (root, "id", id);
  json_object_set_member (root, "meta", g_steal_pointer (&meta_node));
  index_resource (r, root);
  v->json = g_string_free (g_steal_pointer (&stored), FALSE);
  return v;
}

Version *
server_delete (ChevetTestServer *self,
               Resource         *r)
{
  g_assert (!resource_current (r)->deleted);
  return add_version (self, r, "DELETE");
}

/* ---------------------------------------------------------------- request handling */

GPtrArray *
server_parse_query (const char *raw)
{
  GPtrArray *params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);
  g_auto(GStrv) pairs = NULL;

  if (raw == NULL || *raw == '\0')
    return params;
  pairs = g_strsplit (raw, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *eq = strchr (pairs[i], '=');
      g_autofree char *name = eq ? g_strndup (pairs[i], eq - pairs[i]) : g_strdup (pairs[i]);
      Param *p;

      if (pairs[i][0] == '\0')
        continue;
      p = g_new0 (Param, 1);
      /* '+' stays a plus: FHIR clients send time zones as "+02:00" far more often than
       * spaces as '+'. */
      p->name = g_uri_unescape_string (name, NULL);
      p->value = g_uri_unescape_string (eq ? eq + 1 : "", NULL);
      p->raw = g_strdup (pairs[i]);
      if (p->name == NULL || p->value == NULL)
        {
          param_free (p);
          continue;
        }
      g_ptr_array_add (params, p);
    }
  return params;
}

static void
response_clear (Response *resp)
{
  g_clear_pointer (&resp->headers, soup_message_headers_unref);
  g_clear_pointer (&resp->content_type, g_free);
  g_clear_pointer (&resp->body, g_bytes_unref);
}

static gboolean
check_auth (ChevetTestServer   *self,
            SoupMessageHeaders *headers,
            Response           *resp)
{
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *token;
  gint64 *expiry;

  if (self->bearer_token == NULL && self->client_id == NULL)
    return TRUE;
  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    {
      response_set_outcome (resp, SOUP_STATUS_UNAUTHORIZED, "login", "Authentication required");
      soup_message_headers_replace (resp->headers, "WWW-Authenticate", "Bearer realm=\"fhir\"");
      return FALSE;
    }
  token = auth + 7;
  if (self->bearer_token != NULL && g_strcmp0 (token, self->bearer_token) == 0)
    return TRUE;
  expiry = g_hash_table_lookup (self->tokens, token);
  if (expiry != NULL && *expiry > g_get_monotonic_time ())
    return TRUE;
  response_set_outcome (resp, SOUP_STATUS_UNAUTHORIZED, "login",
                        expiry != NULL ? "The access token has expired" : "Unknown access token");
  soup_message_headers_replace (resp->headers, "WWW-Authenticate",
                                "Bearer realm=\"fhir\", error=\"invalid_token\"");
  return FALSE;
}

/* The first queued fault for @path, used once; NULL if none. */
static gboolean
take_fault (ChevetTestServer *self,
            const char       *method,
            const char       *path,
            Fault            *out)
{
  gboolean to_base = g_str_equal (method, "POST")
    && (g_strcmp0 (path, "/fhir") == 0 || g_strcmp0 (path, "/fhir/") == 0);

  for (GList *l = self->faults.head; l != NULL; l = l->next)
    {
      Fault *f = l->data;

      if (f->path_prefix != NULL && !g_str_has_prefix (path, f->path_prefix))
        continue;
      if (f->kind == CHEVET_TEST_FAULT_ENTRY_500 && !to_base)
        continue;
      *out = *f;
      out->path_prefix = NULL;
      if (--f->times == 0)
        {
          g_queue_delete_link (&self->faults, l);
          fault_free (f);
        }
      return TRUE;
    }
  return FALSE;
}

static void
log_request (ChevetTestServer  *self,
             SoupServerMessage *msg,
             const char        *line)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  ChevetTestRequest *r = g_new0 (ChevetTestRequest, 1);

  r->line = g_strdup (line);
  r->if_none_match = g_strdup (soup_message_headers_get_one (h, "If-None-Match"));
  r->if_match = g_strdup (soup_message_headers_get_one (h, "If-Match"));
  r->if_none_exist = g_strdup (soup_message_headers_get_one (h, "If-None-Exist"));
  r->accept_encoding = g_strdup (soup_message_headers_get_list (h, "Accept-Encoding"));
  r->prefer = g_strdup (soup_message_headers_get_list (h, "Prefer"));
  r->has_authorization = soup_message_headers_get_one (h, "Authorization") != NULL;
  g_ptr_array_add (self->log, r);
}

/* Fills @resp for the request; the data lock is held. */
static void
handle_locked (ChevetTestServer  *self,
               SoupServerMessage *msg,
               const char        *path,
               const char        *raw_query,
               gint               fail_entry,
               Response          *resp)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  g_autoptr(GPtrArray) params = server_parse_query (raw_query);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_auto(GStrv) segments = NULL;
  const char *prefer = soup_message_headers_get_list (h, "Prefer");
  Request req = { 0, };

  req.method = soup_server_message_get_method (msg);
  req.path = path;
  req.params = params;
  req.headers = h;
  req.body = body;
  req.strict = prefer != NULL && strstr (prefer, "handling=strict") != NULL;
  req.fail_entry = fail_entry;

  if (g_strcmp0 (path, "/auth/token") == 0)
    {
      fhir_handle_token (self, &req, resp);
      return;
    }
  if (g_strcmp0 (path, "/fhir") != 0 && !g_str_has_prefix (path, "/fhir/"))
    {
      response_set_outcome (resp, SOUP_STATUS_NOT_FOUND, "not-found", "Not a FHIR path");
      return;
    }
  if (g_strcmp0 (path, "/fhir/metadata") != 0 && !check_auth (self, h, resp))
    return;

  segments = g_strsplit (path[5] == '/' ? path + 6 : "", "/", -1);
  req.segments = segments;
  req.n_segments = g_strv_length (segments);
  /* "/fhir/" and "/fhir" are the same base */
  if (req.n_segments == 1 && segments[0][0] == '\0')
    req.n_segments = 0;
  fhir_handle (self, &req, resp);
}

/* The response as it goes on the wire (HTTP/1.1), for DROP. */
static GBytes *
response_to_wire (SoupServerMessage *msg)
{
  GString *s = g_string_new (NULL);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_response_body (msg));

  g_string_append_printf (s, "HTTP/1.1 %u %s\r\n", soup_server_message_get_status (msg),
                          soup_server_message_get_reason_phrase (msg));
  soup_message_headers_iter_init (&iter, h);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Content-Length") != 0)
      g_string_append_printf (s, "%s: %s\r\n", name, value);
  g_string_append_printf (s, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", g_bytes_get_size (body));
  g_string_append_len (s, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return g_string_free_to_bytes (s);
}

static GBytes *
gzip_bytes (GBytes *in)
{
  g_autoptr(GZlibCompressor) zc = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (zc));

  if (!g_output_stream_write_all (out, g_bytes_get_data (in, NULL), g_bytes_get_size (in),
                                  NULL, NULL, NULL)
      || !g_output_stream_close (out, NULL, NULL))
    g_assert_not_reached ();  /* in memory, it cannot fail */
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static void
response_apply (SoupServerMessage *msg,
                Response          *resp,
                gboolean           gzip)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  /* libsoup 3.2 has no phrase for 429 */
  soup_server_message_set_status (msg, resp->status,
                                  resp->status == 429 ? "Too Many Requests" : NULL);
  soup_message_headers_iter_init (&iter, resp->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    soup_message_headers_append (out, name, value);
  if (resp->body != NULL && resp->content_type != NULL)
    {
      g_autoptr(GBytes) body = gzip ? gzip_bytes (resp->body) : g_bytes_ref (resp->body);

      if (gzip)
        soup_message_headers_replace (out, "Content-Encoding", "gzip");
      soup_server_message_set_response (msg, resp->content_type, SOUP_MEMORY_COPY,
                                        g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
}

static void
pending_free (Pending *p)
{
  if (p->source != NULL)
    {
      g_source_destroy (p->source);
      g_source_unref (p->source);
    }
  g_signal_handlers_disconnect_by_data (p->msg, p);
  g_object_unref (p->msg);
  g_clear_pointer (&p->wire, g_bytes_unref);
  g_free (p);
}

static gboolean
pending_run (gpointer data)
{
  Pending *p = data;
  ChevetTestServer *self = p->self;

  if (p->gone)
    ;
  else if (p->kind == CHEVET_TEST_FAULT_SLOW)
    soup_server_message_unpause (p->msg);
  else
    {
      /* Stealing may free the message: pending_free holds the last reference. */
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (p->msg);

      if (stream != NULL && p->kind == CHEVET_TEST_FAULT_DROP)
        {
          gsize n = MIN (p->param, g_bytes_get_size (p->wire));

          g_output_stream_write_all (g_io_stream_get_output_stream (stream),
                                     g_bytes_get_data (p->wire, NULL), n, NULL, NULL, NULL);
          g_output_stream_flush (g_io_stream_get_output_stream (stream), NULL, NULL);
          g_io_stream_close (stream, NULL, NULL);
        }
      else if (stream != NULL)
        g_ptr_array_add (self->stalled, g_steal_pointer (&stream));
    }
  g_ptr_array_remove_fast (self->pending, p);  /* frees p, and destroys the source */
  return G_SOURCE_REMOVE;
}

static void
pending_on_gone (SoupServerMessage *msg,
                 Pending           *p)
{
  p->gone = TRUE;
}

static void
defer (ChevetTestServer    *self,
       SoupServerMessage   *msg,
       ChevetTestFaultKind  kind,
       guint                param)
{
  Pending *p = g_new0 (Pending, 1);

  p->self = self;
  p->msg = g_object_ref (msg);
  p->kind = kind;
  p->param = param;
  if (kind == CHEVET_TEST_FAULT_DROP)
    p->wire = response_to_wire (msg);
  g_signal_connect (msg, "disconnected", G_CALLBACK (pending_on_gone), p);
  p->source = kind == CHEVET_TEST_FAULT_SLOW ? g_timeout_source_new (param) : g_idle_source_new ();
  g_source_set_callback (p->source, pending_run, p, NULL);
  g_source_attach (p->source, self->context);
  g_ptr_array_add (self->pending, p);
  soup_server_message_pause (msg);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  ChevetTestServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *raw_query = g_uri_get_query (soup_server_message_get_uri (msg));
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *accept;
  g_autofree char *line = g_strdup_printf ("%s %s%s%s", method, path, raw_query ? "?" : "",
                                           raw_query ? raw_query : "");
  ChevetTestServerRequestHook hook;
  gpointer hook_data;
  Response resp = { 0, };
  Fault fault = { 0, };
  gboolean faulty;
  guint number;

  if (g_getenv ("CHEVET_TEST_SERVER_DEBUG") != NULL)
    g_message ("%s %s", method, path);  /* never the query: it may hold an identifier */

  g_mutex_lock (&self->lock);
  number = self->request_count++;
  log_request (self, msg, line);
  hook = self->hook;
  hook_data = self->hook_data;
  g_mutex_unlock (&self->lock);

  if (hook != NULL)
    hook (self, method, path, raw_query, number, hook_data);

  resp.headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_mutex_lock (&self->lock);
  faulty = take_fault (self, method, path, &fault);
  if (faulty && fault.kind == CHEVET_TEST_FAULT_STATUS_500)
    response_set_outcome (&resp, SOUP_STATUS_INTERNAL_SERVER_ERROR, "exception",
                          "Injected fault: internal error");
  else if (faulty && (fault.kind == CHEVET_TEST_FAULT_STATUS_503
                      || fault.kind == CHEVET_TEST_FAULT_STATUS_429))
    {
      g_autofree char *after = g_strdup_printf ("%u", fault.param);

      if (fault.kind == CHEVET_TEST_FAULT_STATUS_503)
        response_set_outcome (&resp, SOUP_STATUS_SERVICE_UNAVAILABLE, "transient",
                              "Injected fault: unavailable");
      else
        response_set_outcome (&resp, 429, "throttled",
                              "Injected fault: too many requests");
      soup_message_headers_replace (resp.headers, "Retry-After", after);
    }
  else if (!faulty || fault.kind != CHEVET_TEST_FAULT_STALL)
    handle_locked (self, msg, path, raw_query,
                   faulty && fault.kind == CHEVET_TEST_FAULT_ENTRY_500 ? (gint) fault.param : -1,
                   &resp);
  g_mutex_unlock (&self->lock);

  if (faulty && fault.kind == CHEVET_TEST_FAULT_STALL)
    {
      response_clear (&resp);
      defer (self, msg, fault.kind, 0);
      return;
    }
  if (faulty && fault.kind == CHEVET_TEST_FAULT_INVALID_BODY && resp.body != NULL)
    {
      GBytes *half = g_bytes_new_from_bytes (resp.body, 0, g_bytes_get_size (resp.body) / 2);

      g_bytes_unref (resp.body);
      resp.body = half;
      resp.status = SOUP_STATUS_OK;
    }

  accept = soup_message_headers_get_list (h, "Accept-Encoding");
  response_apply (msg, &resp, resp.body != NULL && accept != NULL
                  && soup_header_contains (accept, "gzip"));
  response_clear (&resp);
  if (faulty && (fault.kind == CHEVET_TEST_FAULT_SLOW || fault.kind == CHEVET_TEST_FAULT_DROP))
    defer (self, msg, fault.kind, fault.param);
}

/* ---------------------------------------------------------------- the server thread */

static void
signal_started (ChevetTestServer *self,
                GError           *error)
{
  g_mutex_lock (&self->start_lock);
  self->started = TRUE;
  self->start_error = error;
  g_cond_signal (&self->start_cond);
  g_mutex_unlock (&self->start_lock);
}

static gpointer
server_thread (gpointer data)
{
  ChevetTestServer *self = data;
  g_autoptr(GTlsCertificate) cert = NULL;
  GError *error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  cert = g_tls_certificate_new_from_files (self->certs->cert_file[self->cert_kind],
                                           self->certs->key_file[self->cert_kind], &error);
  if (cert != NULL)
    {
      self->soup = soup_server_new ("tls-certificate", cert, NULL);
      soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
      if (soup_server_listen_local (self->soup, self->port,
                                    SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY,
                                    &error))
        {
          uris = soup_server_get_uris (self->soup);
          self->port = g_uri_get_port (uris->data);
          g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
          /* before any request can need them */
          self->origin = g_strdup_printf ("https://127.0.0.1:%u", self->port);
          self->base_url = g_strconcat (self->origin, "/fhir", NULL);
          self->token_url = g_strconcat (self->origin, "/auth/token", NULL);
        }
    }
  signal_started (self, error);
  if (error == NULL)
    g_main_loop_run (self->loop);

  /* Shutting down: forget paused messages, close stalled connections, then the server. */
  g_ptr_array_set_size (self->pending, 0);
  for (guint i = 0; i < self->stalled->len; i++)
    g_io_stream_close (g_ptr_array_index (self->stalled, i), NULL, NULL);
  g_ptr_array_set_size (self->stalled, 0);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
chevet_test_server_stop (ChevetTestServer *self)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));
  g_return_if_fail (g_thread_self () != self->thread);

  if (self->thread == NULL)
    return;
  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
}

/* ---------------------------------------------------------------- GObject */

static void
chevet_test_server_finalize (GObject *object)
{
  ChevetTestServer *self = CHEVET_TEST_SERVER (object);

  chevet_test_server_stop (self);
  g_clear_pointer (&self->certs, chevet_test_certs_free);
  g_free (self->origin);
  g_free (self->base_url);
  g_free (self->token_url);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_ptr_array_unref (self->pending);
  g_ptr_array_unref (self->stalled);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->start_lock);
  g_cond_clear (&self->start_cond);
  g_clear_pointer (&self->search_matches, g_ptr_array_unref);
  g_free (self->search_key);
  g_ptr_array_unref (self->all_versions);
  g_hash_table_unref (self->types);
  g_free (self->bearer_token);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_hash_table_unref (self->tokens);
  g_queue_clear_full (&self->faults, (GDestroyNotify) fault_free);
  g_ptr_array_unref (self->log);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (chevet_test_server_parent_class)->finalize (object);
}

static void
chevet_test_server_class_init (ChevetTestServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_test_server_finalize;
}

static void
chevet_test_server_init (ChevetTestServer *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->start_lock);
  g_cond_init (&self->start_cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  self->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) type_table_free);
  self->all_versions = g_ptr_array_new ();
  self->features = CHEVET_TEST_SERVER_FEATURE_ALL;
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->token_lifetime_s = 300;
  g_queue_init (&self->faults);
  self->log = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_test_request_free);
}

/* ---------------------------------------------------------------- public API */

ChevetTestServer *
chevet_test_server_new (const char          *dir,
                        ChevetTestCertKind   cert,
                        guint                port,
                        GError             **error)
{
  g_autoptr(ChevetTestServer) self = NULL;
  g_autoptr(ChevetTestCerts) certs = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (cert < CHEVET_TEST_N_CERTS, NULL);
  g_return_val_if_fail (port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  certs = chevet_test_certs_generate (dir, error);
  if (certs == NULL)
    return NULL;

  self = g_object_new (CHEVET_TYPE_TEST_SERVER, NULL);
  self->certs = g_steal_pointer (&certs);
  self->cert_kind = cert;
  self->port = port;
  self->thread = g_thread_new ("chevet-test-server", server_thread, self);

  g_mutex_lock (&self->start_lock);
  while (!self->started)
    g_cond_wait (&self->start_cond, &self->start_lock);
  g_mutex_unlock (&self->start_lock);
  if (self->start_error != NULL)
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_START,
                   "The test server could not start: %s", self->start_error->message);
      return NULL;  /* finalize joins the thread */
    }
  return g_steal_pointer (&self);
}

const char *
chevet_test_server_get_base_url (ChevetTestServer *self)
{
  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);
  return self->base_url;
}

const char *
chevet_test_server_get_token_url (ChevetTestServer *self)
{
  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);
  return self->token_url;
}

const char *
chevet_test_server_get_ca_file (ChevetTestServer *self)
{
  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);
  return self->certs->ca_file;
}

guint
chevet_test_server_get_port (ChevetTestServer *self)
{
  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), 0);
  return self->port;
}

static int
compare_str_ptrs (const void *a,
                  const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Stores one resource given as text; the caller holds the lock. */
static gboolean
put_locked (ChevetTestServer  *self,
            const char        *text,
            gsize              len,
            GError           **error)
{
  g_autoptr(JsonNode) node = server_parse_resource (text, len, NULL, error);
  JsonObject *root;
  const char *id;

  if (node == NULL)
    return FALSE;
  root = json_node_get_object (node);
  id = json_object_get_string_member_with_default (root, "id", NULL);
  if (id == NULL)
    {
      g_set_error (error, CHEVET_TEST_SERVER_ERROR, CHEVET_TEST_SERVER_ERROR_INVALID,
                   "The resource has no id");
      return FALSE;
    }
  server_store (self, "PUT", json_object_get_string_member (root, "resourceType"), id, text, len,
                root);
  return TRUE;
}

gboolean
chevet_test_server_load_generated (ChevetTestServer  *self,
                                   guint64            seed,
                                   guint              n_patients,
                                   const char        *reference_date,
                                   GError           **error)
{
  g_autoptr(ChevetGenerator) gen = chevet_generator_new (seed, reference_date);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  const char *data, *p, *end;
  gint64 saved_clock;
  gsize len;
  gboolean ok = TRUE;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chevet_generator_write_ndjson (gen, n_patients, out, NULL, NULL, NULL, error)
      || !g_output_stream_close (out, NULL, error))
    return FALSE;
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  data = g_bytes_get_data (bytes, &len);
  end = data + len;

  /* One instant for the whole load, as after a bulk import; later writes come after it. */
  g_mutex_lock (&self->lock);
  saved_clock = self->frozen_clock;
  if (saved_clock == 0)
    self->frozen_clock = server_now (self);
  for (p = data; ok && p < end; )
    {
      const char *nl = memchr (p, '\n', end - p);

      if (nl == NULL)
        nl = end;
      if (nl > p)
        ok = put_locked (self, p, nl - p, error);
      p = nl + 1;
    }
  self->frozen_clock = saved_clock;
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
chevet_test_server_put_resource (ChevetTestServer  *self,
                                 const char        *json,
                                 GError           **error)
{
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  ok = put_locked (self, json, strlen (json), error);
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
chevet_test_server_delete_resource (ChevetTestServer *self,
                                    const char       *type,
                                    const char       *id)
{
  Resource *r;
  gboolean deleted = FALSE;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), FALSE);
  g_return_val_if_fail (type != NULL && id != NULL, FALSE);

  g_mutex_lock (&self->lock);
  r = server_lookup (self, type, id);
  if (r != NULL && !resource_current (r)->deleted)
    {
      server_delete (self, r);
      deleted = TRUE;
    }
  g_mutex_unlock (&self->lock);
  return deleted;
}

static guint
count_live (TypeTable *t)
{
  guint n = 0;

  for (guint i = 0; t != NULL && i < t->order->len; i++)
    if (!resource_current (g_ptr_array_index (t->order, i))->deleted)
      n++;
  return n;
}

guint
chevet_test_server_count (ChevetTestServer *self,
                          const char       *type)
{
  guint n = 0;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  if (type != NULL)
    n = count_live (server_get_table (self, type, FALSE));
  else
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->types);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        n += count_live (value);
    }
  g_mutex_unlock (&self->lock);
  return n;
}

char *
chevet_test_server_dup_resource_json (ChevetTestServer *self,
                                      const char       *type,
                                      const char       *id)
{
  Resource *r;
  char *json = NULL;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);
  g_return_val_if_fail (type != NULL && id != NULL, NULL);

  g_mutex_lock (&self->lock);
  r = server_lookup (self, type, id);
  if (r != NULL)
    json = g_strdup (resource_current (r)->json);
  g_mutex_unlock (&self->lock);
  return json;
}

GStrv
chevet_test_server_dup_ids (ChevetTestServer *self,
                            const char       *type)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  TypeTable *t;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);
  g_return_val_if_fail (type != NULL, NULL);

  g_mutex_lock (&self->lock);
  t = server_get_table (self, type, FALSE);
  for (guint i = 0; t != NULL && i < t->order->len; i++)
    {
      Resource *r = g_ptr_array_index (t->order, i);

      if (!resource_current (r)->deleted)
        g_strv_builder_add (b, r->id);
    }
  g_mutex_unlock (&self->lock);
  return g_strv_builder_end (b);
}

GStrv
chevet_test_server_dup_types (ChevetTestServer *self)
{
  g_autofree const char **keys = NULL;
  GStrv types;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  keys = (const char **) g_hash_table_get_keys_as_array (self->types, NULL);
  types = g_strdupv ((char **) keys);
  g_mutex_unlock (&self->lock);
  qsort (types, g_strv_length (types), sizeof (char *), compare_str_ptrs);
  return types;
}

void
chevet_test_server_set_clock (ChevetTestServer *self,
                              gint64            unix_ms)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  self->frozen_clock = unix_ms;
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_set_features (ChevetTestServer         *self,
                                 ChevetTestServerFeatures  features)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  self->features = features & (CHEVET_TEST_SERVER_FEATURE_ALL | CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT);
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_set_unlisted_features (ChevetTestServer         *self,
                                          ChevetTestServerFeatures  features)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  self->unlisted = features & (CHEVET_TEST_SERVER_FEATURE_ALL | CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT);
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_set_bearer_token (ChevetTestServer *self,
                                     const char       *token)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  g_free (self->bearer_token);
  self->bearer_token = g_strdup (token);
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_set_oauth_client (ChevetTestServer *self,
                                     const char       *client_id,
                                     const char       *client_secret,
                                     guint             lifetime_s)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));
  g_return_if_fail (client_id == NULL || client_secret != NULL);

  g_mutex_lock (&self->lock);
  g_free (self->client_id);
  g_free (self->client_secret);
  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
  self->token_lifetime_s = lifetime_s;
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_expire_tokens (ChevetTestServer *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    *(gint64 *) value = 0;
  g_mutex_unlock (&self->lock);
}

guint
chevet_test_server_get_token_requests (ChevetTestServer *self)
{
  guint n;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->token_requests;
  g_mutex_unlock (&self->lock);
  return n;
}

void
chevet_test_server_add_fault (ChevetTestServer    *self,
                              ChevetTestFaultKind  kind,
                              const char          *path_prefix,
                              guint                times,
                              guint                param)
{
  Fault *f;

  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));
  g_return_if_fail (kind <= CHEVET_TEST_FAULT_ENTRY_500);
  g_return_if_fail (times > 0);

  f = g_new0 (Fault, 1);
  f->kind = kind;
  f->path_prefix = g_strdup (path_prefix);
  f->times = times;
  f->param = param;
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->faults, f);
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_clear_faults (ChevetTestServer *self)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  g_queue_clear_full (&self->faults, (GDestroyNotify) fault_free);
  g_mutex_unlock (&self->lock);
}

void
chevet_test_server_set_request_hook (ChevetTestServer            *self,
                                     ChevetTestServerRequestHook  hook,
                                     gpointer                     user_data)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  self->hook = hook;
  self->hook_data = user_data;
  g_mutex_unlock (&self->lock);
}

guint
chevet_test_server_get_request_count (ChevetTestServer *self)
{
  guint n;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->request_count;
  g_mutex_unlock (&self->lock);
  return n;
}

GPtrArray *
chevet_test_server_dup_log (ChevetTestServer *self)
{
  GPtrArray *log;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  log = g_ptr_array_new_full (self->log->len, (GDestroyNotify) chevet_test_request_free);
  for (guint i = 0; i < self->log->len; i++)
    g_ptr_array_add (log, request_copy (g_ptr_array_index (self->log, i)));
  g_mutex_unlock (&self->lock);
  return log;
}

guint
chevet_test_server_count_requests (ChevetTestServer *self,
                                   const char       *prefix)
{
  guint n = 0;

  g_return_val_if_fail (CHEVET_IS_TEST_SERVER (self), 0);
  g_return_val_if_fail (prefix != NULL, 0);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->log->len; i++)
    if (g_str_has_prefix (((ChevetTestRequest *) g_ptr_array_index (self->log, i))->line, prefix))
      n++;
  g_mutex_unlock (&self->lock);
  return n;
}

void
chevet_test_server_reset_log (ChevetTestServer *self)
{
  g_return_if_fail (CHEVET_IS_TEST_SERVER (self));

  g_mutex_lock (&self->lock);
  g_ptr_array_set_size (self->log, 0);
  self->request_count = 0;
  self->token_requests = 0;
  g_mutex_unlock (&self->lock);
}
