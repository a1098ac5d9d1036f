/* chevet-test-server.h: an in-memory FHIR R4 server over HTTPS, for tests and the demo
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A test double, not a product server. It listens on 127.0.0.1 (random port) and runs
 * in its own thread with its own GMainContext, so a test may use a synchronous client
 * on its main thread. Every function here is thread-safe. JSON only, base path /fhir.
 *
 * What it implements, and how it differs from a real server, is described in
 * chevet-test-server.c.
 */
#pragma once

#include <gio/gio.h>

#include "chevet-test-certs.h"

G_BEGIN_DECLS

#define CHEVET_TEST_SERVER_ERROR (chevet_test_server_error_quark ())

typedef enum {
  CHEVET_TEST_SERVER_ERROR_START,    /* TLS or listening failed */
  CHEVET_TEST_SERVER_ERROR_INVALID,  /* not a FHIR resource (JSON, resourceType, id) */
} ChevetTestServerError;

/* Features a real server may lack; all are on by default. Switching one off removes it
 * from /metadata and makes the server answer like one that never had it. */
typedef enum {
  CHEVET_TEST_SERVER_FEATURE_HISTORY            = 1 << 0,  /* _history: else 404 */
  CHEVET_TEST_SERVER_FEATURE_SUMMARY_COUNT      = 1 << 1,  /* _summary=count: else 400 */
  CHEVET_TEST_SERVER_FEATURE_SORT               = 1 << 2,  /* _sort: else 400 */
  CHEVET_TEST_SERVER_FEATURE_CONDITIONAL_CREATE = 1 << 3,  /* If-None-Exist: else ignored */
  CHEVET_TEST_SERVER_FEATURE_ETAG               = 1 << 4,  /* ETag, If-None-Match, If-Match:
                                                            * else no ETag, both ignored */
  CHEVET_TEST_SERVER_FEATURE_ELEMENTS           = 1 << 5,  /* _elements=id (entries with
                                                            * only resourceType, id and a
                                                            * SUBSETTED tag): else 400 */
  CHEVET_TEST_SERVER_FEATURE_BATCH              = 1 << 6,  /* batch Bundles POSTed to the base,
                                                            * each entry on its own: else 400 */
  CHEVET_TEST_SERVER_FEATURE_ALL                = (1 << 7) - 1,  /* the default */
  /* Off by default, not in ALL: a server that keeps a client's audit trail is a choice. */
  CHEVET_TEST_SERVER_FEATURE_AUDIT_EVENT        = 1 << 7,  /* AuditEvent listed with create, and
                                                            * checked (resourceType, recorded,
                                                            * agent, source.observer) and kept:
                                                            * else 404 */
} ChevetTestServerFeatures;

/* Faults, queued first in first out. A request takes the first queued fault whose path
 * prefix matches its path (NULL matches every path); a fault is dropped once used
 * @times times. STATUS_* and STALL happen instead of the request (nothing changes);
 * DROP, SLOW and INVALID_BODY happen to its response (the request took effect). */
typedef enum {
  CHEVET_TEST_FAULT_DROP,          /* send @param bytes of the response (status line and
                                    * headers included), then close the connection */
  CHEVET_TEST_FAULT_STATUS_500,    /* 500 with an OperationOutcome */
  CHEVET_TEST_FAULT_STATUS_503,    /* 503, Retry-After: @param seconds */
  CHEVET_TEST_FAULT_STATUS_429,    /* 429, Retry-After: @param seconds */
  CHEVET_TEST_FAULT_SLOW,          /* answer after @param milliseconds */
  CHEVET_TEST_FAULT_INVALID_BODY,  /* 200 with the JSON body cut in half */
  CHEVET_TEST_FAULT_STALL,         /* never answer; the connection stays open until stop */
  CHEVET_TEST_FAULT_ENTRY_500,     /* only a batch POSTed to the base takes it: its entry
                                    * number @param (from 0) fails with 500 and is not
                                    * written, the others take effect */
} ChevetTestFaultKind;

/* One logged request. Header fields are NULL when the header was absent. */
typedef struct {
  char     *line;               /* "GET /fhir/Patient?_count=10" (query as sent) */
  char     *if_none_match;
  char     *if_match;
  char     *if_none_exist;
  char     *accept_encoding;
  char     *prefer;
  gboolean  has_authorization;
} ChevetTestRequest;

void chevet_test_request_free (ChevetTestRequest *request);

#define CHEVET_TYPE_TEST_SERVER (chevet_test_server_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTestServer, chevet_test_server, CHEVET, TEST_SERVER, GObject)

/* Called in the server thread before each request is handled (the data lock is not
 * held, so it may change data). @request_number counts from 0 since the last reset. */
typedef void (*ChevetTestServerRequestHook) (ChevetTestServer *server,
                                             const char       *method,
                                             const char       *path,
                                             const char       *query,
                                             guint             request_number,
                                             gpointer          user_data);

GQuark            chevet_test_server_error_quark       (void);

/* Writes fresh certificates into @dir (see chevet-test-certs.h), presents @cert and
 * listens on 127.0.0.1:@port (0: a random port). Returns once it accepts connections. */
ChevetTestServer *chevet_test_server_new               (const char       *dir,
                                                        ChevetTestCertKind cert,
                                                        guint             port,
                                                        GError          **error);
/* Stops listening, closes every connection and joins the thread; finalize does it too. */
void              chevet_test_server_stop              (ChevetTestServer *self);

const char       *chevet_test_server_get_base_url      (ChevetTestServer *self); /* https://127.0.0.1:P/fhir */
const char       *chevet_test_server_get_token_url     (ChevetTestServer *self); /* https://127.0.0.1:P/auth/token */
const char       *chevet_test_server_get_ca_file       (ChevetTestServer *self); /* absolute */
guint             chevet_test_server_get_port          (ChevetTestServer *self);

/* Data. The server sets meta.versionId (1, 2, ...) and meta.lastUpdated (UTC, ms).
 * load_generated stores the generator's clinic (src/core/chevet-generator.h) as version 1,
 * all with one lastUpdated (a bulk load); later writes are strictly later. */
gboolean          chevet_test_server_load_generated    (ChevetTestServer *self,
                                                        guint64           seed,
                                                        guint             n_patients,
                                                        const char       *reference_date,
                                                        GError          **error);
/* Creates or updates (a new version) the resource @json, which must have an id. */
gboolean          chevet_test_server_put_resource      (ChevetTestServer *self,
                                                        const char       *json,
                                                        GError          **error);
/* Deletes (a new, deleted version); FALSE if there was no live resource. */
gboolean          chevet_test_server_delete_resource   (ChevetTestServer *self,
                                                        const char       *type,
                                                        const char       *id);
/* Live (not deleted) resources of @type, or of every type if @type is NULL. */
guint             chevet_test_server_count             (ChevetTestServer *self,
                                                        const char       *type);
/* The current JSON, or NULL if unknown or deleted. */
char             *chevet_test_server_dup_resource_json (ChevetTestServer *self,
                                                        const char       *type,
                                                        const char       *id);
/* Ids of the live resources of @type, in insertion order. */
GStrv             chevet_test_server_dup_ids           (ChevetTestServer *self,
                                                        const char       *type);
/* Types with at least one resource, deleted or not, sorted. */
GStrv             chevet_test_server_dup_types         (ChevetTestServer *self);
/* 0: the wall clock (never going back, and strictly increasing between writes).
 * Anything else: every later write gets exactly this instant (ms since the epoch). */
void              chevet_test_server_set_clock         (ChevetTestServer *self,
                                                        gint64            unix_ms);

void              chevet_test_server_set_features      (ChevetTestServer *self,
                                                        ChevetTestServerFeatures features);
/* Features that keep working but that /metadata does not list (as HAPI answers
 * _summary=count without listing it). None by default. */
void              chevet_test_server_set_unlisted_features (ChevetTestServer *self,
                                                        ChevetTestServerFeatures features);

/* Authentication of /fhir (except /fhir/metadata). With neither a bearer token nor an
 * OAuth client, none. Failures are 401 with WWW-Authenticate: Bearer. */
void              chevet_test_server_set_bearer_token  (ChevetTestServer *self,
                                                        const char       *token);
/* OAuth 2.0 client credentials at the token URL (form or HTTP Basic credentials);
 * tokens live @lifetime_s seconds. NULL @client_id switches it off. */
void              chevet_test_server_set_oauth_client  (ChevetTestServer *self,
                                                        const char       *client_id,
                                                        const char       *client_secret,
                                                        guint             lifetime_s);
/* Every token issued so far becomes expired. */
void              chevet_test_server_expire_tokens     (ChevetTestServer *self);
guint             chevet_test_server_get_token_requests (ChevetTestServer *self);

void              chevet_test_server_add_fault         (ChevetTestServer *self,
                                                        ChevetTestFaultKind kind,
                                                        const char       *path_prefix,
                                                        guint             times,
                                                        guint             param);
void              chevet_test_server_clear_faults      (ChevetTestServer *self);

void              chevet_test_server_set_request_hook  (ChevetTestServer *self,
                                                        ChevetTestServerRequestHook hook,
                                                        gpointer          user_data);

/* Requests since the last reset, and their log (ChevetTestRequest, owned by the array). */
guint             chevet_test_server_get_request_count (ChevetTestServer *self);
GPtrArray        *chevet_test_server_dup_log           (ChevetTestServer *self);
/* Logged requests whose line starts with @prefix, e.g. "GET /fhir/Patient?". */
guint             chevet_test_server_count_requests    (ChevetTestServer *self,
                                                        const char       *prefix);
void              chevet_test_server_reset_log         (ChevetTestServer *self);

G_END_DECLS
