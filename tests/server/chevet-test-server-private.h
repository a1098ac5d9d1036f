/* chevet-test-server-private.h: what the server's data layer and its FHIR interactions share
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs in the server thread with self->lock held, unless said otherwise.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "chevet-test-server.h"

#define FHIR_JSON "application/fhir+json"

typedef struct _Resource Resource;

/* One version of a resource, as stored and as history shows it. */
typedef struct {
  Resource *resource;      /* not owned */
  guint     vid;
  gint64    last_updated;  /* ms since the epoch, UTC */
  const char *method;      /* "POST", "PUT" or "DELETE": how it was written */
  gboolean  deleted;
  gboolean  created;       /* the first version, or the first after a delete */
  char     *json;          /* NULL when deleted */
} Version;

struct _Resource {
  char      *type;
  char      *id;
  GPtrArray *versions;          /* Version, oldest first, owned */
  /* Search index of the current version */
  char      *patient_ref;       /* "Patient/x": .patient, or a .subject that is a Patient */
  char      *subject_ref;
  char      *organization_ref;  /* .managingOrganization */
  GPtrArray *identifiers;       /* "system|value" ("|value" without a system) */
  GPtrArray *tags;              /* meta.tag as "system|code" */
};

static inline Version *
resource_current (Resource *r)
{
  return g_ptr_array_index (r->versions, r->versions->len - 1);
}

typedef struct {
  GHashTable *by_id;  /* id -> Resource, owned */
  GPtrArray  *order;  /* Resource, in insertion order */
} TypeTable;

/* A query parameter: decoded name and value, and the pair as sent (for next links). */
typedef struct {
  char *name;
  char *value;
  char *raw;
} Param;

typedef struct {
  const char         *method;
  char              **segments;    /* the path below /fhir/, split on '/' */
  guint               n_segments;
  const char         *path;        /* the full path, e.g. "/fhir/Patient" */
  GPtrArray          *params;      /* Param, in order */
  SoupMessageHeaders *headers;
  GBytes             *body;
  gboolean            strict;      /* Prefer: handling=strict */
  gint                fail_entry;  /* a batch's entry to fail (ENTRY_500 fault), or -1 */
} Request;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;     /* extra response headers */
  char               *content_type;
  GBytes             *body;        /* NULL: no body */
} Response;

struct _ChevetTestServer
{
  GObject                      parent_instance;

  /* Set in new (), then read-only */
  ChevetTestCerts             *certs;
  ChevetTestCertKind           cert_kind;
  guint                        port;
  char                        *origin;     /* https://127.0.0.1:PORT */
  char                        *base_url;   /* origin + /fhir */
  char                        *token_url;
  GThread                     *thread;
  GMainContext                *context;
  GMainLoop                   *loop;

  /* Server thread only */
  SoupServer                  *soup;
  GPtrArray                   *pending;    /* Pending: paused messages */
  GPtrArray                   *stalled;    /* GIOStream kept open by STALL faults */

  /* Start-up handshake */
  GMutex                       start_lock;
  GCond                        start_cond;
  gboolean                     started;
  GError                      *start_error;

  /* Everything below is under lock */
  GMutex                       lock;
  GHashTable                  *types;        /* type -> TypeTable */
  GPtrArray                   *all_versions; /* Version, in write order (not owned) */
  guint64                      generation;   /* bumped by every write */
  /* The last search's matches, for its next pages while nothing was written: a sync
   * reads a type page by page, and scanning the whole type again for each page made the
   * test double, not the client, the bottleneck of the sync benchmark. */
  char                        *search_key;
  guint64                      search_generation;
  GPtrArray                   *search_matches;
  guint                        next_id;
  gint64                       last_instant;
  gint64                       frozen_clock; /* 0: the wall clock */
  ChevetTestServerFeatures     features;
  ChevetTestServerFeatures     unlisted;  /* working, but absent from /metadata */

  char                        *bearer_token;
  char                        *client_id;
  char                        *client_secret;
  guint                        token_lifetime_s;
  GHashTable                  *tokens;       /* token -> gint64 * expiry, monotonic us */
  guint                        token_requests;

  GQueue                       faults;
  ChevetTestServerRequestHook  hook;
  gpointer                     hook_data;
  guint                        request_count;
  GPtrArray                   *log;
};

/* chevet-test-server.c: the data layer */
TypeTable  *server_get_table       (ChevetTestServer  *self,
                                    const char        *type,
                                    gboolean           create);
Resource   *server_lookup          (ChevetTestServer  *self,
                                    const char        *type,
                                    const char        *id);
char       *server_new_id          (ChevetTestServer  *self,
                                    const char        *type);
/* Stores @text (one resource of @type whose parse is @root) as a new version of @id,
 * with the server's id and meta written into the stored text. @method (static) is what
 * history will show: "POST" or "PUT". */
Version    *server_store           (ChevetTestServer  *self,
                                    const char        *method,
                                    const char        *type,
                                    const char        *id,
                                    const char        *text,
                                    gsize              len,
                                    JsonObject        *root);
Version    *server_delete          (ChevetTestServer  *self,
                                    Resource          *r);
/* Parses one resource; @expected_type may be NULL. Error code INVALID. */
JsonNode   *server_parse_resource  (const char        *text,
                                    gsize              len,
                                    const char        *expected_type,
                                    GError           **error);
char       *format_instant         (gint64             ms);
/* A raw query string as Param (decoded; '+' stays a plus). */
GPtrArray  *server_parse_query     (const char        *raw);

/* Where the value of member @key of the JSON object starting at @text[@start] is:
 * [*value_start, *value_end). The text must be valid JSON (checked before). */
gboolean    json_text_find_member  (const char        *text,
                                    gsize              len,
                                    gsize              start,
                                    const char        *key,
                                    gsize             *value_start,
                                    gsize             *value_end);
gsize       json_text_skip_value   (const char        *text,
                                    gsize              len,
                                    gsize              i);
gsize       json_text_skip_ws      (const char        *text,
                                    gsize              len,
                                    gsize              i);
void        json_append_string     (GString           *out,
                                    const char        *s);

/* chevet-test-server-fhir.c: the FHIR interactions */
void        response_set_json      (Response          *resp,
                                    guint              status,
                                    GString           *body);
void        response_set_outcome   (Response          *resp,
                                    guint              status,
                                    const char        *code,
                                    const char        *diagnostics);
void        fhir_handle            (ChevetTestServer  *self,
                                    Request           *req,
                                    Response          *resp);
void        fhir_handle_token      (ChevetTestServer  *self,
                                    Request           *req,
                                    Response          *resp);
