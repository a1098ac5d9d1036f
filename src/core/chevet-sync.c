/* chevet-sync.c: the sync engine: pages from a FHIR R4 server into the store, then the outbox
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One run: settings -> TLS and token -> /metadata -> Patient -> chart types -> referenced
 * types -> deletions from _history -> reconciliation of ids (when due or asked) ->
 * cursors -> outbox. Every page is imported with the
 * import's own code (verbatim bytes) and committed together with the meta keys that say
 * where the run is, so a run stopped anywhere resumes at the next page. The rules are in
 * src/DESIGN.md, "Sync". Logs carry phases, counts, HTTP statuses and URL paths, never a
 * query string (it can hold patient ids), a token or a resource.
 */
#define G_LOG_DOMAIN "chevet-sync"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "chevet-import.h"
#include "chevet-outbox.h"
#include "chevet-server-settings.h"
#include "chevet-store-private.h"
#include "chevet-audit.h"
#include "chevet-sync.h"

G_DEFINE_QUARK (chevet-sync-error-quark, chevet_sync_error)

G_DEFINE_ENUM_TYPE (ChevetSyncPhase, chevet_sync_phase,
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_PATIENTS, "patients"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_RESOURCES, "resources"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_HISTORY, "history"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_OUTBOX, "outbox"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_AUDIT, "audit"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_DONE, "done"),
  G_DEFINE_ENUM_VALUE (CHEVET_SYNC_PHASE_FAILED, "failed"))

#define FHIR_JSON          "application/fhir+json"
#define PATIENT_BATCH      50     /* ids in one "patient=" search */
#define NOTIFY_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BACKOFF_CAP_US     (30 * G_USEC_PER_SEC)
/* Reconciliation of ids (servers without _history, patients leaving a scope): at most
 * every this many syncs, or this often, or when asked. */
#define RECONCILE_EVERY_RUNS 10
#define RECONCILE_EVERY_S    (24 * 3600)

/* What /metadata says of one type. */
enum
{
  CAP_SEARCH        = 1 << 0,
  CAP_LAST_UPDATED  = 1 << 1,
  CAP_HISTORY_TYPE  = 1 << 2,
  CAP_SUMMARY_COUNT = 1 << 3,
  CAP_COND_CREATE   = 1 << 4,
  CAP_CREATE        = 1 << 5,
};

/* Request flags. */
enum
{
  HTTP_IDEMPOTENT = 1 << 0,  /* may be sent again after a lost connection or a 5xx */
  HTTP_NO_AUTH    = 1 << 1,
};

typedef enum
{
  PROP_0,
  PROP_PHASE,
  PROP_RESOURCES_DONE,
  PROP_RESOURCES_EXPECTED,
  PROP_RATE,
  PROP_LAST_ERROR,
  N_PROPS
} ChevetSyncProperty;

static GParamSpec *properties[N_PROPS];

/* The state the worker writes and the owner context reads. */
typedef struct
{
  ChevetSyncPhase phase;
  guint64         done;
  gint64          expected;
  double          rate;
  char           *last_error;
} State;

struct _ChevetSync
{
  GObject       parent_instance;

  char         *path;
  char         *account;
  char         *passphrase;  /* until the run opened the store */
  ChevetStore  *store;
  GMainContext *owner_context;

  guint         timeout_s;
  guint         max_tries;
  guint         page_size;
  guint         margin_s;
  guint         backoff_first_ms;
  guint         retry_after_cap_s;

  GMutex        lock;
  State         pending;      /* written by the worker, under lock */
  gboolean      flush_queued; /* under lock */
  gint64        last_flush;   /* worker only */
  State         shown;        /* owner context only */

  gboolean      running;
  gboolean      force_reconcile;
  gboolean      reconciled;
  guint         requests;
  guint64       deleted;
  guint         sent;
  guint         audit_batch;
  guint64       audit_sent;
  char         *audit_warning;
};

G_DEFINE_FINAL_TYPE (ChevetSync, chevet_sync, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ the TLS trust */

/* Trusts the clinic's CA and the system's: a chain the clinic's CA does not know is
 * checked against the system's trust; nothing else is ever relaxed. */
#define CHEVET_TYPE_SYNC_TRUST (chevet_sync_trust_get_type ())
G_DECLARE_FINAL_TYPE (ChevetSyncTrust, chevet_sync_trust, CHEVET, SYNC_TRUST, GTlsDatabase)

struct _ChevetSyncTrust
{
  GTlsDatabase  parent_instance;
  GTlsDatabase *clinic;
  GTlsDatabase *system;
};

G_DEFINE_FINAL_TYPE (ChevetSyncTrust, chevet_sync_trust, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
chevet_sync_trust_verify_chain (GTlsDatabase            *database,
                                GTlsCertificate         *chain,
                                const char              *purpose,
                                GSocketConnectable      *identity,
                                GTlsInteraction         *interaction,
                                GTlsDatabaseVerifyFlags  flags,
                                GCancellable            *cancellable,
                                GError                 **error)
{
  ChevetSyncTrust *self = CHEVET_SYNC_TRUST (database);
  GTlsCertificateFlags result;

  result = g_tls_database_verify_chain (self->clinic, chain, purpose, identity, interaction,
                                        flags, cancellable, error);
  if (result == G_TLS_CERTIFICATE_GENERIC_ERROR && error != NULL && *error != NULL)
    return result;
  if ((result & G_TLS_CERTIFICATE_UNKNOWN_CA) && self->system != NULL)
    return g_tls_database_verify_chain (self->system, chain, purpose, identity, interaction,
                                        flags, cancellable, error);
  return result;
}

static void
chevet_sync_trust_finalize (GObject *object)
{
  ChevetSyncTrust *self = CHEVET_SYNC_TRUST (object);

  g_clear_object (&self->clinic);
  g_clear_object (&self->system);
  G_OBJECT_CLASS (chevet_sync_trust_parent_class)->finalize (object);
}

static void
chevet_sync_trust_class_init (ChevetSyncTrustClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_sync_trust_finalize;
  G_TLS_DATABASE_CLASS (klass)->verify_chain = chevet_sync_trust_verify_chain;
}

static void
chevet_sync_trust_init (ChevetSyncTrust *self)
{
}

/* The clinic's PEM goes to a private temporary file (0600, absolute path) just long
 * enough for GTlsFileDatabase to load it. */
static GTlsDatabase *
trust_new (const char  *ca_pem,
           GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GTlsDatabase) clinic = NULL;
  ChevetSyncTrust *trust;
  int fd;

  fd = g_file_open_tmp ("chevet-ca-XXXXXX.pem", &tmp, &local);
  if (fd < 0)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_FAILED,
                   _("The clinic certificate could not be prepared: %s"), local->message);
      return NULL;
    }
  g_chmod (tmp, 0600);
  close (fd);
  if (!g_file_set_contents (tmp, ca_pem, -1, &local))
    {
      g_unlink (tmp);
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_FAILED,
                   _("The clinic certificate could not be prepared: %s"), local->message);
      return NULL;
    }
  g_assert (g_path_is_absolute (tmp));
  clinic = g_tls_file_database_new (tmp, &local);
  g_unlink (tmp);
  if (clinic == NULL)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SETTINGS,
                   _("The clinic certificate cannot be used: %s"), local->message);
      return NULL;
    }
  trust = g_object_new (CHEVET_TYPE_SYNC_TRUST, NULL);
  trust->clinic = g_steal_pointer (&clinic);
  trust->system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  return G_TLS_DATABASE (trust);
}

/* ------------------------------------------------------------------ state and notify */

static gboolean
flush_state (gpointer data)
{
  ChevetSync *self = data;
  State now = { 0, };
  gboolean phase, done, expected, rate, last_error;

  g_mutex_lock (&self->lock);
  now = self->pending;
  now.last_error = g_strdup (self->pending.last_error);
  self->flush_queued = FALSE;
  g_mutex_unlock (&self->lock);

  phase = now.phase != self->shown.phase;
  done = now.done != self->shown.done;
  expected = now.expected != self->shown.expected;
  rate = now.rate != self->shown.rate;
  last_error = g_strcmp0 (now.last_error, self->shown.last_error) != 0;
  g_free (self->shown.last_error);
  self->shown = now;

  g_object_freeze_notify (G_OBJECT (self));
  if (phase)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
  if (done)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESOURCES_DONE]);
  if (expected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESOURCES_EXPECTED]);
  if (rate)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
  if (last_error)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_REMOVE;
}

/* Worker side: queue one notification on the owner context, at most every 100 ms
 * unless @force (phase changes, the end). */
static void
state_changed (ChevetSync *self,
               gboolean    force)
{
  gint64 now = g_get_monotonic_time ();
  gboolean queue = FALSE;

  if (!force && now - self->last_flush < NOTIFY_INTERVAL_US)
    return;
  self->last_flush = now;
  g_mutex_lock (&self->lock);
  if (!self->flush_queued)
    queue = self->flush_queued = TRUE;
  g_mutex_unlock (&self->lock);
  if (queue)
    g_main_context_invoke_full (self->owner_context, G_PRIORITY_DEFAULT, flush_state,
                                g_object_ref (self), g_object_unref);
}

static void
set_phase (ChevetSync      *self,
           ChevetSyncPhase  phase)
{
  g_mutex_lock (&self->lock);
  self->pending.phase = phase;
  g_mutex_unlock (&self->lock);
  g_debug ("phase %s", chevet_sync_phase_to_string (phase));
  state_changed (self, TRUE);
}

/* ------------------------------------------------------------------ one run */

typedef struct
{
  ChevetSync           *self;
  ChevetStore          *store;
  ChevetServerSettings *settings;
  SoupSession          *session;
  GCancellable         *cancellable;
  char                 *base;        /* without a trailing "/" */
  char                 *origin;      /* scheme://host:port */
  char                 *host;        /* for messages */
  char                 *token;       /* bearer or OAuth access token */
  gint64                token_refresh_at;  /* monotonic; 0: never */
  gboolean              oauth;
  GHashTable           *caps;        /* type -> GUINT_TO_POINTER (CAP_*) */
  gboolean              history_system;
  gboolean              batch;        /* the server takes batch Bundles */
  char                 *run_start;   /* ISO 8601 UTC, the server's time at the start */
  char                 *resume_task;
  char                 *resume_next;
  gboolean              resuming;
  gboolean              scoped;
  gboolean              reconcile;    /* this run lists ids and deletes what is gone */
  gboolean              reconcile_all;  /* every type, history or not (asked by a person) */
  guint                 ids_mode;     /* 0 _elements=id, 1 _summary=true, 2 full pages */
  gint64                start_us;
  guint64               done;
  gint64                expected;
} Run;

static void
wipe_free (char *s)
{
  if (s != NULL)
    {
      memset (s, 0, strlen (s));
      g_free (s);
    }
}

static void
run_clear (Run *run)
{
  g_clear_object (&run->session);
  g_clear_pointer (&run->settings, chevet_server_settings_free);
  g_clear_pointer (&run->base, g_free);
  g_clear_pointer (&run->origin, g_free);
  g_clear_pointer (&run->host, g_free);
  g_clear_pointer (&run->token, wipe_free);
  g_clear_pointer (&run->caps, g_hash_table_unref);
  g_clear_pointer (&run->run_start, g_free);
  g_clear_pointer (&run->resume_task, g_free);
  g_clear_pointer (&run->resume_next, g_free);
}

static void
progress_add (Run     *run,
              guint64  n)
{
  ChevetSync *self = run->self;
  double seconds = (g_get_monotonic_time () - run->start_us) / (double) G_USEC_PER_SEC;

  run->done += n;
  g_mutex_lock (&self->lock);
  self->pending.done = run->done;
  self->pending.expected = run->expected;
  self->pending.rate = seconds > 0 ? run->done / seconds : 0;
  g_mutex_unlock (&self->lock);
  state_changed (self, FALSE);
}

/* The path of @url without its query: what logs and errors may show. */
static char *
url_path (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL)
    return g_strdup ("?");
  return g_strdup (g_uri_get_path (uri));
}

static char *
url_origin (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  int port;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  port = g_uri_get_port (uri);
  if (port < 0)
    port = g_str_equal (g_uri_get_scheme (uri), "https") ? 443 : 80;
  return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri), g_uri_get_host (uri), port);
}

static gboolean
same_origin (Run        *run,
             const char *url)
{
  g_autofree char *origin = url_origin (url);

  return origin != NULL && g_ascii_strcasecmp (origin, run->origin) == 0;
}

static gboolean
wait_cancellable (Run     *run,
                  gint64   usec,
                  GError **error)
{
  gint64 end = g_get_monotonic_time () + usec;

  for (;;)
    {
      gint64 left = end - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      if (left <= 0)
        return TRUE;
      g_usleep (MIN (left, 20000));
    }
}

/* Exponential back-off with jitter: first * 2^(try-1) * [0.5, 1.5), capped. */
static gint64
backoff_us (Run  *run,
            guint try)
{
  gint64 base = (gint64) run->self->backoff_first_ms * 1000 << MIN (try - 1, 16u);

  base = MIN (base, BACKOFF_CAP_US);
  return (gint64) (base * g_random_double_range (0.5, 1.5));
}

/* Retry-After: seconds or an HTTP date; -1 when absent or unreadable. Capped. */
static gint64
retry_after_us (Run                *run,
                SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Retry-After");
  gint64 cap = (gint64) run->self->retry_after_cap_s * G_USEC_PER_SEC;
  guint64 seconds;

  if (value == NULL)
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return MIN ((gint64) seconds * G_USEC_PER_SEC, cap);
  else
    {
      g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (value);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      if (when == NULL)
        return -1;
      return CLAMP (g_date_time_difference (when, now), 0, cap);
    }
}

static const char *
certificate_reason (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("it is signed by an authority this workstation does not trust");
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("it was issued for another host name");
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return _("it has expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("it is not valid yet");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return _("it has been revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return _("it uses an insecure algorithm");
  return _("it could not be verified");
}

/* A transport failure as the error a user can act on. */
static void
set_transport_error (Run                 *run,
                     GError              *cause,
                     GTlsCertificateFlags tls_flags,
                     GError             **error)
{
  if (g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) || tls_flags != 0)
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_CERTIFICATE,
                 _("The certificate of %s is not trusted: %s"), run->host,
                 certificate_reason (tls_flags));
  else if (cause->domain == G_TLS_ERROR)
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_CERTIFICATE,
                 _("No secure connection could be made with %s"), run->host);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
           || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NO_NETWORK,
                 _("No network: check this computer’s connection"));
  else if (cause->domain == G_RESOLVER_ERROR)
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_UNREACHABLE,
                 _("The server %s could not be found (no network, or a wrong address)"),
                 run->host);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_UNREACHABLE,
                 _("The server %s refused the connection"), run->host);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_UNREACHABLE,
                 _("The server %s did not answer in time"), run->host);
  else
    g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_UNREACHABLE,
                 _("The connection to %s was lost"), run->host);
}

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
} Reply;

static void
reply_free (Reply *r)
{
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static gboolean fetch_token (Run *run, GError **error);

/* One request, retried on lost connections, time-outs, 5xx, 429 and 503 (Retry-After
 * honoured), a 401 with OAuth refreshing the token once. Returns the reply for any other
 * status (the caller decides), or NULL with @error. */
static Reply *
http_send (Run         *run,
           const char  *method,
           const char  *url,
           const char  *content_type,
           GBytes      *body,
           const char  *extra_name,
           const char  *extra_value,
           guint        flags,
           GError     **error)
{
  ChevetSync *self = run->self;
  g_autofree char *path = url_path (url);
  gboolean refreshed = FALSE;

  for (guint try = 1;; try++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) local = NULL;
      SoupMessageHeaders *h;
      gint64 wait;
      guint status;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return NULL;
      if (!(flags & HTTP_NO_AUTH) && run->oauth
          && (run->token == NULL || g_get_monotonic_time () >= run->token_refresh_at)
          && !fetch_token (run, error))
        return NULL;

      msg = soup_message_new (method, url);
      if (msg == NULL)
        {
          g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                       _("The server gave an unusable link (%s)"), path);
          return NULL;
        }
      h = soup_message_get_request_headers (msg);
      soup_message_headers_replace (h, "Accept", FHIR_JSON);
      if (!(flags & HTTP_NO_AUTH) && run->token != NULL)
        {
          g_autofree char *auth = g_strconcat ("Bearer ", run->token, NULL);

          soup_message_headers_replace (h, "Authorization", auth);
          memset (auth, 0, strlen (auth));
        }
      if (extra_name != NULL)
        soup_message_headers_replace (h, extra_name, extra_value);
      if (body != NULL)
        soup_message_set_request_body_from_bytes (msg, content_type, body);

      bytes = soup_session_send_and_read (run->session, msg, run->cancellable, &local);
      self->requests++;
      if (bytes == NULL)
        {
          GTlsCertificateFlags tls = soup_message_get_tls_peer_certificate_errors (msg);

          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          g_debug ("%s %s: %s (try %u)", method, path,
                   local->domain == G_TLS_ERROR ? "TLS error" : "transport error", try);
          if (local->domain == G_TLS_ERROR || tls != 0 || !(flags & HTTP_IDEMPOTENT)
              || try >= self->max_tries)
            {
              set_transport_error (run, local, tls, error);
              return NULL;
            }
          if (!wait_cancellable (run, backoff_us (run, try), error))
            return NULL;
          continue;
        }

      status = soup_message_get_status (msg);
      g_debug ("%s %s: %u", method, path, status);
      if (status == SOUP_STATUS_UNAUTHORIZED && run->oauth && !refreshed
          && !(flags & HTTP_NO_AUTH))
        {
          refreshed = TRUE;
          g_clear_pointer (&run->token, wipe_free);
          try--;
          continue;
        }
      if ((status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
          && !(flags & HTTP_NO_AUTH))
        {
          g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_CREDENTIALS,
                       status == SOUP_STATUS_FORBIDDEN
                       ? _("The server %s refused access with these credentials (HTTP %u)")
                       : _("The server %s refused the credentials (HTTP %u)"),
                       run->host, status);
          return NULL;
        }
      if (status == 429 || status >= 500)
        {
          gboolean retry_ok = status == 429 || status == 503 || (flags & HTTP_IDEMPOTENT);

          if (!retry_ok || try >= self->max_tries)
            {
              g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                           status == 429
                           ? _("The server %s is busy (HTTP %u at %s)")
                           : _("The server %s failed (HTTP %u at %s)"),
                           run->host, status, path);
              return NULL;
            }
          wait = (status == 429 || status == 503)
            ? retry_after_us (run, soup_message_get_response_headers (msg)) : -1;
          if (wait < 0)
            wait = backoff_us (run, try);
          g_debug ("%s %s: waiting %" G_GINT64_FORMAT " ms before try %u", method, path,
                   wait / 1000, try + 1);
          if (!wait_cancellable (run, wait, error))
            return NULL;
          continue;
        }

      {
        Reply *r = g_new0 (Reply, 1);

        r->status = status;
        r->body = g_steal_pointer (&bytes);
        r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
        return r;
      }
    }
}

static Reply *
http_get (Run         *run,
          const char  *url,
          const char  *if_none_match,
          GError     **error)
{
  return http_send (run, "GET", url, NULL, NULL, if_none_match ? "If-None-Match" : NULL,
                    if_none_match, HTTP_IDEMPOTENT, error);
}

static JsonNode *
parse_json (GBytes      *body,
            const char  *where,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;

  if (data == NULL || !json_parser_load_from_data (parser, data, len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent data that is not valid JSON (%s)"), where);
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

static const char *
object_string (JsonObject *o,
               const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static JsonObject *
object_object (JsonObject *o,
               const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
object_array (JsonObject *o,
              const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* OAuth 2.0 client credentials: a form POST to the token URL. The secret is sent in the
 * body and never logged. */
static gboolean
fetch_token (Run     *run,
             GError **error)
{
  ChevetServerSettings *s = run->settings;
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) body = NULL;
  char *encoded;
  JsonObject *o;
  const char *token;
  JsonNode *expires;
  gint64 lifetime = 3600;

  g_hash_table_insert (form, "grant_type", "client_credentials");
  g_hash_table_insert (form, "client_id", (gpointer) chevet_server_settings_get_client_id (s));
  g_hash_table_insert (form, "client_secret", (gpointer) chevet_server_settings_get_client_secret (s));
  encoded = soup_form_encode_hash (form);
  body = g_bytes_new_with_free_func (encoded, strlen (encoded), (GDestroyNotify) wipe_free, encoded);
  reply = http_send (run, "POST", chevet_server_settings_get_token_url (s),
                     "application/x-www-form-urlencoded", body, NULL, NULL,
                     HTTP_IDEMPOTENT | HTTP_NO_AUTH, error);
  if (reply == NULL)
    return FALSE;
  if (reply->status == 400 || reply->status == 401 || reply->status == 403)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_CREDENTIALS,
                   _("The server %s refused the client id or secret (HTTP %u)"),
                   run->host, reply->status);
      return FALSE;
    }
  if (reply->status != 200)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                   _("The server %s failed to give a token (HTTP %u)"), run->host, reply->status);
      return FALSE;
    }
  root = parse_json (reply->body, _("token"), error);
  if (root == NULL)
    return FALSE;
  o = json_node_get_object (root);
  token = object_string (o, "access_token");
  if (token == NULL || strpbrk (token, "\r\n") != NULL)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server’s token answer has no access token"));
      return FALSE;
    }
  expires = json_object_get_member (o, "expires_in");
  if (expires != NULL && JSON_NODE_HOLDS_VALUE (expires)
      && json_node_get_value_type (expires) == G_TYPE_INT64)
    lifetime = MAX (json_node_get_int (expires), 1);
  g_clear_pointer (&run->token, wipe_free);
  run->token = g_strdup (token);
  /* refresh a little before it expires: at 90 % of its life, at most a minute early */
  run->token_refresh_at = g_get_monotonic_time ()
    + (lifetime - MIN (lifetime / 10 + 1, 60)) * G_USEC_PER_SEC;
  g_debug ("token obtained, valid %" G_GINT64_FORMAT " s", lifetime);
  return TRUE;
}

/* ------------------------------------------------------------------ store helpers */

static gboolean
begin (Run     *run,
       GError **error)
{
  return chevet_store_exec (run->store, "BEGIN IMMEDIATE", error);
}

static void
rollback (Run *run)
{
  sqlite3_exec (chevet_store_get_db (run->store), "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
commit (Run     *run,
        GError **error)
{
  if (chevet_store_exec (run->store, "COMMIT", error))
    return TRUE;
  rollback (run);
  return FALSE;
}

static gboolean
store_failed (GError  *cause,
              GError **error)
{
  g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_FAILED,
               _("The workspace could not be written: %s"), cause->message);
  return FALSE;
}

static char *
meta_key (const char *type,
          const char *what)
{
  return g_strdup_printf ("sync.%s.%s", type, what);
}

static char *
dup_meta (Run        *run,
          const char *key)
{
  return chevet_store_dup_meta (run->store, key, NULL);
}

static gboolean
delete_meta_prefix (Run        *run,
                    const char *like,
                    GError    **error)
{
  sqlite3_stmt *stmt = chevet_store_prepare (run->store, "DELETE FROM meta WHERE key LIKE ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, like, -1, SQLITE_TRANSIENT);
  return chevet_store_step_done (run->store, stmt, error);
}

static gboolean
resource_exists (Run        *run,
                 const char *type,
                 const char *id,
                 char      **last_updated)
{
  sqlite3_stmt *stmt = chevet_store_prepare (run->store,
    "SELECT last_updated FROM resources WHERE type = ? AND id = ?", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found && last_updated != NULL)
    *last_updated = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return found;
}

/* Up to PATIENT_BATCH patient ids after @after, from the cache (@new_only: those that
 * entered it during this run), in id order: deterministic, so a resumed run rebuilds
 * the same batches. */
static GPtrArray *
patient_batch (Run        *run,
               const char *after,
               gboolean    new_only)
{
  static const char all_sql[] =
    "SELECT id FROM resources WHERE type = 'Patient' AND id > ? ORDER BY id LIMIT ?";
  static const char new_sql[] =
    "SELECT id FROM sync_new_patients WHERE id > ? ORDER BY id LIMIT ?";
  sqlite3_stmt *stmt = chevet_store_prepare (run->store, new_only ? new_sql : all_sql, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 1, after, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, PATIENT_BATCH);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return ids;
}

/* ------------------------------------------------------------------ times */

static char *
iso_from_unix (gint64 seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static gint64
unix_from_iso (const char *iso)
{
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;

  return dt ? g_date_time_to_unix (dt) : -1;
}

/* Milliseconds since the epoch of an instant; G_MININT64 when unreadable. */
static gint64
ms_from_iso (const char *iso)
{
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;

  return dt ? g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000
            : G_MININT64;
}

/* ------------------------------------------------------------------ /metadata */

static void
read_capabilities (Run        *run,
                   JsonObject *cs)
{
  JsonArray *rest = object_array (cs, "rest");

  for (guint i = 0; rest != NULL && i < json_array_get_length (rest); i++)
    {
      JsonObject *r = json_array_get_object_element (rest, i);
      JsonArray *resources = object_array (r, "resource");
      JsonArray *interactions = object_array (r, "interaction");

      if (g_strcmp0 (object_string (r, "mode"), "server") != 0)
        continue;
      for (guint k = 0; interactions != NULL && k < json_array_get_length (interactions); k++)
        {
          const char *code = object_string (json_array_get_object_element (interactions, k), "code");

          if (g_strcmp0 (code, "history-system") == 0)
            run->history_system = TRUE;
          else if (g_strcmp0 (code, "batch") == 0)
            run->batch = TRUE;
        }
      for (guint k = 0; resources != NULL && k < json_array_get_length (resources); k++)
        {
          JsonObject *res = json_array_get_object_element (resources, k);
          JsonArray *inter = object_array (res, "interaction");
          JsonArray *params = object_array (res, "searchParam");
          JsonNode *cc = res ? json_object_get_member (res, "conditionalCreate") : NULL;
          const char *type = object_string (res, "type");
          guint caps = 0;

          if (type == NULL)
            continue;
          for (guint m = 0; inter != NULL && m < json_array_get_length (inter); m++)
            {
              const char *code = object_string (json_array_get_object_element (inter, m), "code");

              if (g_strcmp0 (code, "search-type") == 0)
                caps |= CAP_SEARCH;
              else if (g_strcmp0 (code, "history-type") == 0)
                caps |= CAP_HISTORY_TYPE;
              else if (g_strcmp0 (code, "create") == 0)
                caps |= CAP_CREATE;
            }
          for (guint m = 0; params != NULL && m < json_array_get_length (params); m++)
            {
              const char *name = object_string (json_array_get_object_element (params, m), "name");

              if (g_strcmp0 (name, "_lastUpdated") == 0)
                caps |= CAP_LAST_UPDATED;
              else if (g_strcmp0 (name, "_summary") == 0)
                caps |= CAP_SUMMARY_COUNT;
            }
          if (cc != NULL && JSON_NODE_HOLDS_VALUE (cc)
              && json_node_get_value_type (cc) == G_TYPE_BOOLEAN && json_node_get_boolean (cc))
            caps |= CAP_COND_CREATE;
          g_hash_table_insert (run->caps, g_strdup (type), GUINT_TO_POINTER (caps));
        }
    }
}

static guint
caps_of (Run        *run,
         const char *type)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (run->caps, type));
}

/* GET /metadata (If-None-Match with the ETag kept from last time); the reply's Date is
 * the server's time at the start of this run. */
static gboolean
connect_metadata (Run     *run,
                  GError **error)
{
  g_autofree char *url = g_strconcat (run->base, "/metadata", NULL);
  g_autofree char *etag = dup_meta (run, "sync.metadata.etag");
  g_autofree char *cached = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GDateTime) server_now = NULL;
  JsonObject *cs;
  const char *version;
  const char *date;

  reply = http_get (run, url, etag, error);
  if (reply == NULL)
    return FALSE;
  if (reply->status == SOUP_STATUS_NOT_MODIFIED && (cached = dup_meta (run, "sync.metadata.json")) != NULL)
    body = g_bytes_new_take (g_steal_pointer (&cached), strlen (cached));
  else if (reply->status == 200)
    body = g_bytes_ref (reply->body);
  else
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_SUPPORTED,
                   _("The server %s does not describe itself as a FHIR server (HTTP %u at /metadata)"),
                   run->host, reply->status);
      return FALSE;
    }
  root = parse_json (body, "/metadata", error);
  if (root == NULL)
    return FALSE;
  cs = json_node_get_object (root);
  version = object_string (cs, "fhirVersion");
  if (g_strcmp0 (object_string (cs, "resourceType"), "CapabilityStatement") != 0
      || version == NULL || !g_str_has_prefix (version, "4.0"))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_SUPPORTED,
                   _("The server %s is not a FHIR R4 server"), run->host);
      return FALSE;
    }
  read_capabilities (run, cs);
  if (!(caps_of (run, "Patient") & CAP_SEARCH))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_SUPPORTED,
                   _("The server %s does not offer a search of patients"), run->host);
      return FALSE;
    }
  if (reply->status == 200)
    {
      const char *new_etag = soup_message_headers_get_one (reply->headers, "ETag");
      g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

      chevet_store_set_meta (run->store, "sync.metadata.etag", new_etag, NULL);
      chevet_store_set_meta (run->store, "sync.metadata.json", new_etag ? text : NULL, NULL);
    }

  date = soup_message_headers_get_one (reply->headers, "Date");
  if (date != NULL)
    server_now = soup_date_time_new_from_http_string (date);
  if (server_now == NULL)
    {
      /* No Date: our own clock, pulled back by the margin once more */
      g_debug ("no Date header; using the local clock");
      server_now = g_date_time_new_now_utc ();
      server_now = g_date_time_add_seconds (g_steal_pointer (&server_now), -(double) run->self->margin_s);
    }
  run->run_start = iso_from_unix (g_date_time_to_unix (server_now));
  g_debug ("server capabilities: %u types, history-system %s", g_hash_table_size (run->caps),
           run->history_system ? "yes" : "no");
  return TRUE;
}

/* ------------------------------------------------------------------ pages */

static const char *
bundle_next (JsonObject *bundle)
{
  JsonArray *links = object_array (bundle, "link");

  for (guint i = 0; links != NULL && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);

      if (g_strcmp0 (object_string (l, "relation"), "next") == 0)
        return object_string (l, "url");
    }
  return NULL;
}

/* In a scoped incremental run, patients that are new to the cache get their whole
 * chart (their older resources are before the cursors). */
static gboolean
note_new_patients (Run        *run,
                   GBytes     *body,
                   const char *where,
                   GError    **error)
{
  g_autoptr(JsonNode) root = parse_json (body, where, error);
  JsonArray *entries;
  sqlite3_stmt *stmt;

  if (root == NULL)
    return FALSE;
  entries = object_array (json_node_get_object (root), "entry");
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *res = object_object (json_array_get_object_element (entries, i), "resource");
      const char *id = object_string (res, "id");

      if (id == NULL || g_strcmp0 (object_string (res, "resourceType"), "Patient") != 0
          || resource_exists (run, "Patient", id, NULL))
        continue;
      stmt = chevet_store_prepare (run->store,
                                   "INSERT OR IGNORE INTO sync_new_patients (id) VALUES (?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      if (!chevet_store_step_done (run->store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* One searchset page and the run's position, in one transaction. */
static gboolean
commit_page (Run         *run,
             const char  *task,
             Reply       *reply,
             const char  *where,
             gboolean     track_new_patients,
             char       **next_out,
             GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) root = NULL;
  ChevetImportStats stats = { 0, };
  gsize len = 0;
  const char *data = g_bytes_get_data (reply->body, &len);
  g_autofree char *text = g_strndup (data != NULL ? data : "", len);
  JsonObject *bundle;
  const char *next;

  *next_out = NULL;
  if (!begin (run, &local))
    return store_failed (local, error);
  if (track_new_patients && !note_new_patients (run, reply->body, where, error))
    {
      rollback (run);
      return FALSE;
    }
  if (!chevet_import_put_bundle (run->store, text, len, where, &stats, &root, &local))
    {
      rollback (run);
      if (local->domain == CHEVET_IMPORT_ERROR)
        g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                     _("The server sent invalid data: %s"), local->message);
      else
        store_failed (local, error);
      return FALSE;
    }
  bundle = json_node_get_object (root);
  if (g_strcmp0 (object_string (bundle, "resourceType"), "Bundle") != 0
      || g_strcmp0 (object_string (bundle, "type"), "searchset") != 0)
    {
      rollback (run);
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent invalid data: %s is not a search result"), where);
      return FALSE;
    }
  next = bundle_next (bundle);
  if (next != NULL && !same_origin (run, next))
    {
      rollback (run);
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent invalid data: the next page of %s is on another server"),
                   where);
      return FALSE;
    }
  if (!chevet_store_set_meta (run->store, "sync.task", task, &local)
      || !chevet_store_set_meta (run->store, "sync.next-url", next, &local)
      || !commit (run, &local))
    {
      rollback (run);
      return store_failed (local, error);
    }
  g_debug ("page of %s: %" G_GUINT64_FORMAT " resources (%" G_GUINT64_FORMAT " new, %"
           G_GUINT64_FORMAT " updated)", where, stats.read, stats.created, stats.updated);
  progress_add (run, stats.read);
  *next_out = g_strdup (next);
  return TRUE;
}

/* Resume: tasks run in a fixed order; everything before the saved task is done. Returns
 * FALSE when @task is to be skipped, else the URL to start from in @start. */
static gboolean
task_start (Run         *run,
            const char  *task,
            const char  *first_url,
            char       **start,
            gboolean    *resumed)
{
  *resumed = FALSE;
  if (run->resume_task != NULL)
    {
      if (!g_str_equal (run->resume_task, task))
        return FALSE;
      g_clear_pointer (&run->resume_task, g_free);
      if (run->resume_next == NULL)
        return FALSE;  /* it was complete */
      *start = g_steal_pointer (&run->resume_next);
      *resumed = TRUE;
      return TRUE;
    }
  *start = g_strdup (first_url);
  return TRUE;
}

/* Writes one page (in one transaction with the task's cursor) and gives the next URL. */
typedef gboolean (*CommitPage) (Run         *run,
                                const char  *task,
                                Reply       *reply,
                                const char  *where,
                                gpointer     data,
                                char       **next_out,
                                GError     **error);

/* Fetches one page. On the search's first page it may ask again with other parameters
 * (replacing *@url_inout), which then become where the search starts. NULL: plain GET. */
typedef Reply *(*FetchPage) (Run         *run,
                             char       **url_inout,
                             gboolean     first_page,
                             gpointer     data,
                             GError     **error);

/* Every page of one search or history, from @first_url or where a stopped run left it,
 * each fetched by @fetch_fn and written by @commit_fn. A saved page link the server no
 * longer knows starts it again. */
static gboolean
follow_pages (Run         *run,
              const char  *task,
              const char  *first_url,
              FetchPage    fetch_fn,
              CommitPage   commit_fn,
              gpointer     data,
              GError     **error)
{
  g_autofree char *first = g_strdup (first_url);
  g_autofree char *url = NULL;
  g_autofree char *where = url_path (first_url);
  gboolean resumed;

  if (!task_start (run, task, first, &url, &resumed))
    return TRUE;
  while (url != NULL)
    {
      g_autoptr(Reply) reply = NULL;
      g_autofree char *next = NULL;
      gboolean first_page = !resumed && g_str_equal (url, first);

      if (!g_str_has_prefix (url, "http") || !same_origin (run, url))
        {
          g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                       _("The server sent invalid data: the next page of %s is on another server"),
                       where);
          return FALSE;
        }
      reply = fetch_fn != NULL ? fetch_fn (run, &url, first_page, data, error)
                               : http_get (run, url, NULL, error);
      if (reply == NULL)
        return FALSE;
      if (first_page)
        {
          g_free (first);
          first = g_strdup (url);
        }
      if (resumed && reply->status >= 400 && reply->status < 500)
        {
          g_debug ("saved page of %s refused (%u); starting it again", where, reply->status);
          g_free (url);
          url = g_strdup (first);
          resumed = FALSE;
          continue;
        }
      resumed = FALSE;
      if (reply->status != 200)
        {
          g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                       _("The server %s failed (HTTP %u at %s)"), run->host, reply->status, where);
          return FALSE;
        }
      if (!commit_fn (run, task, reply, where, data, &next, error))
        return FALSE;
      g_free (url);
      url = g_steal_pointer (&next);
    }
  return TRUE;
}

static gboolean
commit_search_page (Run         *run,
                    const char  *task,
                    Reply       *reply,
                    const char  *where,
                    gpointer     data,
                    char       **next_out,
                    GError     **error)
{
  return commit_page (run, task, reply, where, GPOINTER_TO_INT (data), next_out, error);
}

/* Every page of one search. */
static gboolean
pull_task (Run         *run,
           const char  *task,
           const char  *first_url,
           gboolean     track_new_patients,
           GError     **error)
{
  return follow_pages (run, task, first_url, NULL, commit_search_page,
                       GINT_TO_POINTER (track_new_patients), error);
}

/* Bundle.total of Type?params&_summary=count, or -1. A @trial (the server does not list
 * _summary) is one try, never retried. */
static gint64
count_search (Run        *run,
              const char *type,
              const char *params,
              gboolean    trial)
{
  g_autofree char *url = g_strdup_printf ("%s/%s?%s%s_summary=count", run->base, type,
                                          params ? params : "", params && *params ? "&" : "");
  g_autoptr(Reply) reply = http_send (run, "GET", url, NULL, NULL, NULL, NULL,
                                      trial ? 0 : HTTP_IDEMPOTENT, NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonNode *total;

  if (reply == NULL || reply->status != 200)
    return -1;
  root = parse_json (reply->body, type, NULL);
  if (root == NULL)
    return -1;
  total = json_object_get_member (json_node_get_object (root), "total");
  if (total == NULL || !JSON_NODE_HOLDS_VALUE (total) || json_node_get_value_type (total) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (total);
}

static gboolean
is_patient_compartment (const char *type)
{
  static const char * const referenced[] = {
    "Patient", "Organization", "Practitioner", "PractitionerRole", "Location", "Medication",
  };

  for (guint i = 0; i < G_N_ELEMENTS (referenced); i++)
    if (g_str_equal (type, referenced[i]))
      return FALSE;
  return TRUE;
}

/* "&_lastUpdated=ge<cursor - margin>" for a type synced before, or NULL. */
static char *
since_param (Run        *run,
             const char *type)
{
  g_autofree char *key = meta_key (type, "cursor");
  g_autofree char *cursor = dup_meta (run, key);
  g_autofree char *since = NULL;
  gint64 t = unix_from_iso (cursor);

  if (t < 0 || !(caps_of (run, type) & CAP_LAST_UPDATED))
    return NULL;
  since = iso_from_unix (t - run->self->margin_s);
  return g_strdup_printf ("_lastUpdated=ge%s", since);
}

static gboolean
pull_type (Run        *run,
           const char *type,
           GError    **error)
{
  ChevetSync *self = run->self;
  const char *scope = chevet_server_settings_get_patient_scope (run->settings);
  g_autofree char *since = since_param (run, type);
  gboolean by_patient = run->scoped && is_patient_compartment (type);

  if (!(caps_of (run, type) & CAP_SEARCH))
    {
      g_debug ("%s: no search on this server, skipped", type);
      return TRUE;
    }

  if (!by_patient)
    {
      g_autoptr(GString) params = g_string_new (NULL);
      g_autofree char *url = NULL;

      if (g_str_equal (type, "Patient") && scope != NULL && *scope != '\0')
        g_string_append_printf (params, "%s&", scope);
      if (since != NULL)
        g_string_append_printf (params, "%s&", since);
      g_string_append_printf (params, "_count=%u", self->page_size);
      url = g_strdup_printf ("%s/%s?%s", run->base, type, params->str);
      return pull_task (run, type, url,
                        g_str_equal (type, "Patient") && since != NULL && run->scoped, error);
    }

  /* by batches of patient ids: every patient with the cursor, then new ones in full */
  for (guint pass = 0; pass < (since != NULL ? 2 : 1); pass++)
    {
      gboolean new_only = pass == 1;
      g_autofree char *after = g_strdup ("");

      for (;;)
        {
          g_autoptr(GPtrArray) ids = patient_batch (run, after, new_only);
          g_autoptr(GString) list = g_string_new (NULL);
          g_autofree char *task = NULL;
          g_autofree char *url = NULL;

          if (ids->len == 0)
            break;
          for (guint i = 0; i < ids->len; i++)
            g_string_append_printf (list, "%s%s", i ? "," : "", (char *) g_ptr_array_index (ids, i));
          task = g_strdup_printf ("%s|%s|%s", type, new_only ? "new" : "all", after);
          url = g_strdup_printf ("%s/%s?patient=%s%s%s&_count=%u", run->base, type, list->str,
                                 since != NULL && !new_only ? "&" : "",
                                 since != NULL && !new_only ? since : "", self->page_size);
          if (!pull_task (run, task, url, FALSE, error))
            return FALSE;
          g_free (after);
          after = g_strdup (g_ptr_array_index (ids, ids->len - 1));
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------------ deletions */

typedef struct
{
  GHashTable *types;  /* the synced types */
} HistoryScope;

/* DELETE entries of one history page: a resource goes when our copy is not newer than
 * the deletion. A deletion during this run may have shifted offset pages: that type
 * keeps its old cursor (see DESIGN.md). Resources in the page are not imported: the
 * searches fetched the current versions (a history holds old ones too). */
static gboolean
commit_history_page (Run         *run,
                     const char  *task,
                     Reply       *reply,
                     const char  *where,
                     GHashTable  *types,
                     char       **next_out,
                     GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) root = parse_json (reply->body, where, error);
  gint64 start_ms = unix_from_iso (run->run_start) * 1000;
  JsonObject *bundle;
  JsonArray *entries;
  const char *next;
  guint64 deleted = 0;

  *next_out = NULL;
  if (root == NULL)
    return FALSE;
  bundle = json_node_get_object (root);
  if (g_strcmp0 (object_string (bundle, "resourceType"), "Bundle") != 0
      || g_strcmp0 (object_string (bundle, "type"), "history") != 0)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent invalid data: %s is not a history"), where);
      return FALSE;
    }
  next = bundle_next (bundle);
  if (next != NULL && !same_origin (run, next))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent invalid data: the next page of %s is on another server"),
                   where);
      return FALSE;
    }
  if (!begin (run, &local))
    return store_failed (local, error);
  entries = object_array (bundle, "entry");
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);
      JsonObject *request = object_object (e, "request");
      JsonObject *response = object_object (e, "response");
      const char *url = object_string (request, "url");
      g_auto(GStrv) parts = NULL;
      g_autofree char *local_updated = NULL;
      gint64 when;

      if (g_strcmp0 (object_string (request, "method"), "DELETE") != 0 || url == NULL)
        continue;
      parts = g_strsplit (url, "/", 0);
      if (g_strv_length (parts) < 2)
        continue;
      {
        const char *type = parts[g_strv_length (parts) - 2];
        const char *id = parts[g_strv_length (parts) - 1];

        if (!g_hash_table_contains (types, type) || g_str_has_prefix (id, "local-"))
          continue;
        when = ms_from_iso (object_string (response, "lastModified"));
        if (when != G_MININT64 && when >= start_ms)
          {
            g_autofree char *key = meta_key (type, "shifted");

            if (!chevet_store_set_meta (run->store, key, "1", &local))
              {
                rollback (run);
                return store_failed (local, error);
              }
          }
        if (!resource_exists (run, type, id, &local_updated))
          continue;
        if (when != G_MININT64 && local_updated != NULL && ms_from_iso (local_updated) > when)
          continue;  /* ours is newer: it was created again after the deletion */
        if (!chevet_import_delete_resource (run->store, type, id, &local))
          {
            rollback (run);
            return store_failed (local, error);
          }
        deleted++;
      }
    }
  if (!chevet_store_set_meta (run->store, "sync.task", task, &local)
      || !chevet_store_set_meta (run->store, "sync.next-url", next, &local)
      || !commit (run, &local))
    {
      rollback (run);
      return store_failed (local, error);
    }
  run->self->deleted += deleted;
  if (deleted > 0)
    g_debug ("history page of %s: %" G_GUINT64_FORMAT " deleted", where, deleted);
  *next_out = g_strdup (next);
  return TRUE;
}

static gboolean
commit_history_page_cb (Run         *run,
                        const char  *task,
                        Reply       *reply,
                        const char  *where,
                        gpointer     data,
                        char       **next_out,
                        GError     **error)
{
  return commit_history_page (run, task, reply, where, data, next_out, error);
}

static gboolean
pull_history (Run         *run,
              const char  *task,
              const char  *first_url,
              GHashTable  *types,
              GError     **error)
{
  return follow_pages (run, task, first_url, NULL, commit_history_page_cb, types, error);
}

/* Deletions since the oldest cursor (or since this run started, on a first sync, which
 * still tells whether a deletion shifted pages): the system history when offered, else
 * each type's. A server without history gives no deletions (see DESIGN.md). */
static gboolean
pull_deletions (Run                *run,
                const char * const *types,
                GError            **error)
{
  g_autoptr(GHashTable) synced = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *cursor = dup_meta (run, "sync.history.cursor");
  g_autofree char *since = NULL;
  gint64 t = unix_from_iso (cursor);

  if (t < 0)
    t = unix_from_iso (run->run_start);
  since = iso_from_unix (t - run->self->margin_s);
  for (guint i = 0; types[i] != NULL; i++)
    g_hash_table_add (synced, (gpointer) types[i]);

  if (run->history_system)
    {
      g_autofree char *url = g_strdup_printf ("%s/_history?_since=%s&_count=%u", run->base,
                                              since, run->self->page_size);

      return pull_history (run, "_history", url, synced, error);
    }
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_autofree char *url = NULL;
      g_autofree char *task = NULL;

      if (!(caps_of (run, types[i]) & CAP_HISTORY_TYPE))
        continue;
      url = g_strdup_printf ("%s/%s/_history?_since=%s&_count=%u", run->base, types[i], since,
                             run->self->page_size);
      task = g_strdup_printf ("_history|%s", types[i]);
      if (!pull_history (run, task, url, synced, error))
        return FALSE;
    }
  return TRUE;
}

/* The run is complete: every type not shifted gets this run's start as its cursor, and
 * the run's own keys go, in one transaction. */
static gboolean
finish_pull (Run                *run,
             const char * const *types,
             GError            **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *reconciled_at = dup_meta (run, "sync.reconcile.at");

  if (!begin (run, &local))
    return store_failed (local, error);
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_autofree char *shifted_key = meta_key (types[i], "shifted");
      g_autofree char *shifted = dup_meta (run, shifted_key);
      g_autofree char *cursor_key = meta_key (types[i], "cursor");

      if (shifted != NULL)
        {
          g_debug ("%s: deleted on the server during this run; its cursor stays", types[i]);
          continue;
        }
      if (!chevet_store_set_meta (run->store, cursor_key, run->run_start, &local))
        goto failed;
    }
  if (run->reconcile || reconciled_at == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *iso = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");

      if (!chevet_store_set_meta (run->store, "sync.reconcile.at", iso, &local)
          || !chevet_store_set_meta (run->store, "sync.reconcile.runs", "0", &local))
        goto failed;
    }
  else
    {
      g_autofree char *runs = dup_meta (run, "sync.reconcile.runs");
      g_autofree char *more = NULL;
      guint64 n = 0;

      if (runs != NULL)
        g_ascii_string_to_unsigned (runs, 10, 0, G_MAXUINT32, &n, NULL);
      more = g_strdup_printf ("%" G_GUINT64_FORMAT, n + 1);
      if (!chevet_store_set_meta (run->store, "sync.reconcile.runs", more, &local))
        goto failed;
    }
  if (!chevet_store_set_meta (run->store, "sync.history.cursor", run->run_start, &local)
      || !chevet_store_set_meta (run->store, "sync.reconcile.run", NULL, &local)
      || !chevet_store_exec (run->store, "DELETE FROM sync_seen", &local)
      || !delete_meta_prefix (run, "sync.%.shifted", &local)
      || !chevet_store_set_meta (run->store, "sync.run-start", NULL, &local)
      || !chevet_store_set_meta (run->store, "sync.settings-fingerprint", NULL, &local)
      || !chevet_store_set_meta (run->store, "sync.task", NULL, &local)
      || !chevet_store_set_meta (run->store, "sync.next-url", NULL, &local)
      || !chevet_store_exec (run->store, "DELETE FROM sync_new_patients", &local)
      || !commit (run, &local))
    goto failed;
  return TRUE;

failed:
  rollback (run);
  return store_failed (local, error);
}

/* ------------------------------------------------------------------ reconciliation */

/* A server without history says nothing of deletions, and a patient who leaves the
 * scope is not deleted at all: the reconciliation lists the ids the server has (per type,
 * as the searches of the pull do), then deletes from the cache what it did not list,
 * after asking for those ids once more (an offset page may have slid during the
 * listing). Local outbox copies, resources of items not sent yet and, in a scoped sync,
 * patients with outbox items not sent stay. */

static gboolean
reconcile_wanted (Run        *run,
                  const char *type)
{
  if (!(caps_of (run, type) & CAP_SEARCH))
    return FALSE;
  if (run->reconcile_all)
    return TRUE;
  if (run->scoped && g_str_equal (type, "Patient"))
    return TRUE;  /* patients who left the scope: no history shows that */
  return !run->history_system && !(caps_of (run, type) & CAP_HISTORY_TYPE);
}

/* Whether this run reconciles: asked by a person, or due (RECONCILE_EVERY_RUNS syncs or
 * RECONCILE_EVERY_S since the last one). A resumed run keeps the stopped run's decision.
 * Never on a first sync: its cache holds only what it fetched. */
static gboolean
decide_reconcile (Run                *run,
                  const char * const *types,
                  GError            **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *saved = dup_meta (run, "sync.reconcile.run");
  g_autofree char *at = dup_meta (run, "sync.reconcile.at");
  g_autofree char *runs = dup_meta (run, "sync.reconcile.runs");
  g_autofree char *history = dup_meta (run, "sync.history.cursor");
  gboolean force = run->self->force_reconcile;
  gboolean any = FALSE;
  guint64 n = 0;
  gint64 last = unix_from_iso (at);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  run->reconcile_all = force || g_strcmp0 (saved, "all") == 0;
  if (run->resuming && saved == NULL && !force)
    return TRUE;
  for (guint i = 0; types[i] != NULL; i++)
    any = any || reconcile_wanted (run, types[i]);
  if (!any)
    return TRUE;
  if (runs != NULL)
    g_ascii_string_to_unsigned (runs, 10, 0, G_MAXUINT32, &n, NULL);
  if (saved != NULL || force)
    run->reconcile = TRUE;
  else if (history == NULL)
    run->reconcile = FALSE;
  else
    run->reconcile = last < 0 || now - last >= RECONCILE_EVERY_S || now < last
                     || n + 1 >= RECONCILE_EVERY_RUNS;
  if (run->reconcile
      && !chevet_store_set_meta (run->store, "sync.reconcile.run",
                                 run->reconcile_all ? "all" : "due", &local))
    return store_failed (local, error);
  if (run->reconcile)
    g_debug ("reconciliation of ids this run (%s)", run->reconcile_all ? "asked" : "due");
  return TRUE;
}

static char *
ids_url (Run        *run,
         const char *type,
         const char *params)
{
  static const char * const modes[] = { "_elements=id&", "_summary=true&", "" };

  return g_strdup_printf ("%s/%s?%s%s%s_count=%u", run->base, type,
                          params != NULL ? params : "", params != NULL && *params ? "&" : "",
                          modes[run->ids_mode], run->self->page_size);
}

/* The ids of @type in a searchset page, into @ids (a set) or, with @seen_type, into
 * sync_seen. */
static gboolean
read_ids (Run         *run,
          JsonObject  *bundle,
          const char  *type,
          const char  *where,
          GHashTable  *ids,
          GError     **error)
{
  JsonArray *entries = object_array (bundle, "entry");
  sqlite3_stmt *stmt;

  if (g_strcmp0 (object_string (bundle, "resourceType"), "Bundle") != 0
      || g_strcmp0 (object_string (bundle, "type"), "searchset") != 0)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent invalid data: %s is not a search result"), where);
      return FALSE;
    }
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *res = object_object (json_array_get_object_element (entries, i), "resource");
      const char *id = object_string (res, "id");

      if (id == NULL || g_strcmp0 (object_string (res, "resourceType"), type) != 0)
        continue;
      if (ids != NULL)
        {
          g_hash_table_add (ids, g_strdup (id));
          continue;
        }
      stmt = chevet_store_prepare (run->store,
                                   "INSERT OR IGNORE INTO sync_seen (type, id) VALUES (?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
      if (!chevet_store_step_done (run->store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* One page of ids into sync_seen, with the run's position, in one transaction. */
static gboolean
commit_ids_page (Run         *run,
                 const char  *task,
                 const char  *type,
                 Reply       *reply,
                 const char  *where,
                 char       **next_out,
                 GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) root = parse_json (reply->body, where, error);
  JsonObject *bundle;
  const char *next;

  *next_out = NULL;
  if (root == NULL)
    return FALSE;
  bundle = json_node_get_object (root);
  next = bundle_next (bundle);
  if (next != NULL && !same_origin (run, next))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent invalid data: the next page of %s is on another server"),
                   where);
      return FALSE;
    }
  if (!begin (run, &local))
    return store_failed (local, error);
  if (!read_ids (run, bundle, type, where, NULL, &local))
    {
      rollback (run);
      if (local->domain == CHEVET_SYNC_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return store_failed (local, error);
    }
  if (!chevet_store_set_meta (run->store, "sync.task", task, &local)
      || !chevet_store_set_meta (run->store, "sync.next-url", next, &local)
      || !commit (run, &local))
    {
      rollback (run);
      return store_failed (local, error);
    }
  *next_out = g_strdup (next);
  return TRUE;
}

/* GET that falls back from _elements=id to _summary=true to full resources when the
 * server refuses the parameter (a 400 on a first page is the trial). */
static Reply *
get_ids (Run         *run,
         const char  *type,
         const char  *params,
         char       **url_inout,
         gboolean     may_fall_back,
         GError     **error)
{
  for (;;)
    {
      Reply *reply = http_get (run, *url_inout, NULL, error);

      if (reply == NULL || reply->status != 400 || !may_fall_back || run->ids_mode >= 2)
        return reply;
      reply_free (reply);
      run->ids_mode++;
      g_debug ("%s: ids only refused; trying %s", type,
               run->ids_mode == 1 ? "_summary=true" : "full pages");
      g_free (*url_inout);
      *url_inout = ids_url (run, type, params);
    }
}

typedef struct
{
  const char *type;
  const char *params;
} IdsSearch;

static Reply *
fetch_ids_page (Run         *run,
                char       **url_inout,
                gboolean     first_page,
                gpointer     data,
                GError     **error)
{
  IdsSearch *search = data;

  return get_ids (run, search->type, search->params, url_inout, first_page, error);
}

static gboolean
commit_ids_page_cb (Run         *run,
                    const char  *task,
                    Reply       *reply,
                    const char  *where,
                    gpointer     data,
                    char       **next_out,
                    GError     **error)
{
  return commit_ids_page (run, task, ((IdsSearch *) data)->type, reply, where, next_out, error);
}

static gboolean
pull_ids (Run         *run,
          const char  *task,
          const char  *type,
          const char  *params,
          GError     **error)
{
  g_autofree char *first = ids_url (run, type, params);
  IdsSearch search = { type, params };

  return follow_pages (run, task, first, fetch_ids_page, commit_ids_page_cb, &search, error);
}

/* A patient who left the scope goes with the chart: the rows of the chart tables name
 * the patient. */
static gboolean
delete_patient_chart (Run         *run,
                      const char  *patient,
                      guint64     *deleted,
                      GError     **error)
{
  static const char sql[] =
    "SELECT type, id FROM resources WHERE rid IN ("
    " SELECT rid FROM conditions WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM medications WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM allergies WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM observations WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM encounters WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM immunizations WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM procedures WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM reports WHERE patient = ?1 UNION ALL"
    " SELECT rid FROM documents WHERE patient = ?1)";
  sqlite3_stmt *stmt = chevet_store_prepare (run->store, sql, error);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (found, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (found, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i + 1 < found->len; i += 2)
    {
      if (!chevet_import_delete_resource (run->store, found->pdata[i], found->pdata[i + 1], error))
        return FALSE;
      (*deleted)++;
    }
  return TRUE;
}

static gboolean
has_unsent_items (Run        *run,
                  const char *patient)
{
  sqlite3_stmt *stmt = chevet_store_prepare (run->store,
    "SELECT 1 FROM outbox WHERE patient = ? AND state <> 'sent' LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, patient, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* What the cache has of @type that the listing did not show, checked again by _id in
 * batches; what the server still does not give goes, one transaction per batch. */
static gboolean
reconcile_delete (Run         *run,
                  const char  *type,
                  const char  *scope_params,
                  GError     **error)
{
  static const char sql[] =
    "SELECT id FROM resources WHERE type = ?1 AND id NOT LIKE 'local-%'"
    " AND id NOT IN (SELECT id FROM sync_seen WHERE type = ?1)"
    " AND id NOT IN (SELECT local_id FROM outbox WHERE type = ?1 AND state <> 'sent')"
    " AND id NOT IN (SELECT server_id FROM outbox WHERE type = ?1 AND state <> 'sent'"
    "                AND server_id IS NOT NULL)"
    " ORDER BY id";
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  gboolean leaving_scope = run->scoped && g_str_equal (type, "Patient");
  sqlite3_stmt *stmt = chevet_store_prepare (run->store, sql, &local);
  guint64 deleted = 0;

  if (stmt == NULL)
    return store_failed (local, error);
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (candidates, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  for (guint start = 0; start < candidates->len; start += PATIENT_BATCH)
    {
      g_autoptr(GHashTable) live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GString) params = g_string_new (NULL);
      guint end = MIN (start + PATIENT_BATCH, candidates->len);
      g_autofree char *url = NULL;

      if (scope_params != NULL && *scope_params != '\0')
        g_string_append_printf (params, "%s&", scope_params);
      g_string_append (params, "_id=");
      for (guint i = start; i < end; i++)
        g_string_append_printf (params, "%s%s", i > start ? "," : "", (char *) candidates->pdata[i]);
      url = ids_url (run, type, params->str);
      /* PATIENT_BATCH ids fit in one page of page_size >= PATIENT_BATCH; follow pages anyway */
      while (url != NULL)
        {
          g_autoptr(Reply) reply = get_ids (run, type, params->str, &url, TRUE, error);
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *where = url_path (url);
          const char *next;

          if (reply == NULL)
            return FALSE;
          if (reply->status != 200)
            {
              g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                           _("The server %s failed (HTTP %u at %s)"), run->host, reply->status, where);
              return FALSE;
            }
          root = parse_json (reply->body, where, error);
          if (root == NULL || !read_ids (run, json_node_get_object (root), type, where, live, error))
            return FALSE;
          next = bundle_next (json_node_get_object (root));
          if (next != NULL && !same_origin (run, next))
            {
              g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                           _("The server sent invalid data: the next page of %s is on another server"),
                           where);
              return FALSE;
            }
          g_free (url);
          url = g_strdup (next);
        }

      if (!begin (run, &local))
        return store_failed (local, error);
      for (guint i = start; i < end; i++)
        {
          const char *id = candidates->pdata[i];

          if (g_hash_table_contains (live, id))
            continue;
          if (leaving_scope)
            {
              if (has_unsent_items (run, id))
                {
                  g_debug ("a patient outside the scope has items to send: kept");
                  continue;
                }
              if (!delete_patient_chart (run, id, &deleted, &local))
                goto failed;
            }
          if (!chevet_import_delete_resource (run->store, type, id, &local))
            goto failed;
          deleted++;
        }
      if (!commit (run, &local))
        goto failed;
    }
  run->self->deleted += deleted;
  g_debug ("%s: reconciled, %" G_GUINT64_FORMAT " deleted", type, deleted);
  return TRUE;

failed:
  rollback (run);
  return store_failed (local, error);
}

static gboolean
reconcile_type (Run         *run,
                const char  *type,
                GError     **error)
{
  g_autoptr(GError) local = NULL;
  const char *scope = chevet_server_settings_get_patient_scope (run->settings);
  const char *scope_params = g_str_equal (type, "Patient") && run->scoped ? scope : NULL;
  g_autofree char *delete_task = g_strdup_printf ("_reconcile|%s|delete", type);
  g_autofree char *dummy = NULL;
  gboolean resumed;

  if (run->scoped && is_patient_compartment (type))
    {
      g_autofree char *after = g_strdup ("");

      for (;;)
        {
          g_autoptr(GPtrArray) ids = patient_batch (run, after, FALSE);
          g_autoptr(GString) params = g_string_new ("patient=");
          g_autofree char *task = NULL;

          if (ids->len == 0)
            break;
          for (guint i = 0; i < ids->len; i++)
            g_string_append_printf (params, "%s%s", i ? "," : "", (char *) g_ptr_array_index (ids, i));
          task = g_strdup_printf ("_reconcile|%s|%s", type, after);
          if (!pull_ids (run, task, type, params->str, error))
            return FALSE;
          g_free (after);
          after = g_strdup (g_ptr_array_index (ids, ids->len - 1));
        }
    }
  else
    {
      g_autofree char *task = g_strdup_printf ("_reconcile|%s", type);

      if (!pull_ids (run, task, type, scope_params, error))
        return FALSE;
    }

  if (!task_start (run, delete_task, NULL, &dummy, &resumed))
    return TRUE;
  if (!reconcile_delete (run, type, scope_params, error))
    return FALSE;
  if (!begin (run, &local)
      || !chevet_store_set_meta (run->store, "sync.task", delete_task, &local)
      || !chevet_store_set_meta (run->store, "sync.next-url", NULL, &local)
      || !commit (run, &local))
    {
      rollback (run);
      return store_failed (local, error);
    }
  return TRUE;
}

/* Chart types first, then the referenced ones, Patient last: the batches of patient ids
 * of the chart types are the same as during the pull. */
static gboolean
reconcile_ids (Run                *run,
               const char * const *types,
               GError            **error)
{
  if (!run->reconcile)
    return TRUE;
  for (guint pass = 0; pass < 3; pass++)
    for (guint i = 0; types[i] != NULL; i++)
      {
        guint type_pass = g_str_equal (types[i], "Patient") ? 2
                          : is_patient_compartment (types[i]) ? 0 : 1;

        if (type_pass == pass && reconcile_wanted (run, types[i])
            && !reconcile_type (run, types[i], error))
          return FALSE;
      }
  run->self->reconciled = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------ outbox */

/* "W/\"3\"" -> "3" */
static char *
etag_version (const char *etag)
{
  const char *p;
  const char *q;

  if (etag == NULL)
    return NULL;
  p = g_str_has_prefix (etag, "W/") ? etag + 2 : etag;
  if (*p == '"')
    p++;
  q = strchr (p, '"');
  return q ? g_strndup (p, q - p) : g_strdup (p);
}

/* The OperationOutcome's first issue code, never its diagnostics (they may quote data). */
static char *
outcome_code (GBytes *body)
{
  g_autoptr(JsonNode) root = parse_json (body, "", NULL);
  JsonArray *issues;

  if (root == NULL)
    return NULL;
  issues = object_array (json_node_get_object (root), "issue");
  if (issues == NULL || json_array_get_length (issues) == 0)
    return NULL;
  return g_strdup (object_string (json_array_get_object_element (issues, 0), "code"));
}

/* TRUE when two resources say the same once "meta" (version, time: the server's) is
 * left out. Member order does not matter. */
static gboolean
same_content (const char *a,
              const char *b)
{
  g_autoptr(JsonParser) pa = json_parser_new ();
  g_autoptr(JsonParser) pb = json_parser_new ();
  JsonNode *ra;
  JsonNode *rb;

  if (a == NULL || b == NULL || !json_parser_load_from_data (pa, a, -1, NULL)
      || !json_parser_load_from_data (pb, b, -1, NULL))
    return FALSE;
  ra = json_parser_get_root (pa);
  rb = json_parser_get_root (pb);
  if (!JSON_NODE_HOLDS_OBJECT (ra) || !JSON_NODE_HOLDS_OBJECT (rb))
    return FALSE;
  json_object_remove_member (json_node_get_object (ra), "meta");
  json_object_remove_member (json_node_get_object (rb), "meta");
  return json_node_equal (ra, rb);
}

static gboolean
send_one (Run              *run,
          ChevetOutboxItem *item,
          GError          **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autofree char *request_body = chevet_outbox_item_dup_request_body (item);
  g_autofree char *if_none_exist = chevet_outbox_item_dup_if_none_exist (item);
  g_autoptr(GBytes) body = NULL;
  const char *type = chevet_outbox_item_get_resource_type (item);
  gboolean update = chevet_outbox_item_is_update (item);
  gboolean conditional = (caps_of (run, type) & CAP_COND_CREATE) != 0;
  g_autofree char *url = NULL;
  g_autofree char *if_match = NULL;
  g_autofree char *server_id = NULL;
  g_autofree char *server_version = NULL;
  g_autofree char *server_json = NULL;

  if (!chevet_outbox_mark_sending (run->store, item, &local))
    return store_failed (local, error);
  body = g_bytes_new (request_body, strlen (request_body));

  if (update)
    {
      url = g_strdup_printf ("%s/%s/%s", run->base, type, chevet_outbox_item_get_server_id (item));
      if_match = g_strdup_printf ("W/\"%s\"", chevet_outbox_item_get_base_version (item));
      /* not sent again after a lost answer: the retry would meet its own new version */
      reply = http_send (run, "PUT", url, FHIR_JSON, body, "If-Match", if_match, 0, &local);
    }
  else
    {
      url = g_strdup_printf ("%s/%s", run->base, type);
      /* Without conditional create, an item tried before may already be there: look for
       * its identifier first, so a retry never makes a second copy. */
      if (!conditional && chevet_outbox_item_get_attempts (item) > 1)
        {
          g_autofree char *search = g_strdup_printf ("%s?%s&_count=1", url, if_none_exist);
          g_autoptr(Reply) found = http_get (run, search, NULL, &local);
          g_autoptr(JsonNode) root = NULL;
          JsonArray *entries;

          if (found == NULL)
            goto transient;
          if (found->status == 200 && (root = parse_json (found->body, "", NULL)) != NULL
              && (entries = object_array (json_node_get_object (root), "entry")) != NULL
              && json_array_get_length (entries) > 0)
            {
              JsonObject *res = object_object (json_array_get_object_element (entries, 0), "resource");
              JsonObject *meta = object_object (res, "meta");
              JsonGenerator *gen = json_generator_new ();
              JsonNode *node = json_node_new (JSON_NODE_OBJECT);

              json_node_set_object (node, res);
              json_generator_set_root (gen, node);
              server_json = json_generator_to_data (gen, NULL);
              json_node_unref (node);
              g_object_unref (gen);
              server_id = g_strdup (object_string (res, "id"));
              server_version = g_strdup (object_string (meta, "versionId"));
              goto sent;
            }
        }
      reply = http_send (run, "POST", url, FHIR_JSON, body, "If-None-Exist", if_none_exist,
                         conditional ? HTTP_IDEMPOTENT : 0, &local);
    }
  if (reply == NULL)
    goto transient;

  if (reply->status == 200 || reply->status == 201)
    {
      g_autoptr(JsonNode) root = parse_json (reply->body, "", NULL);
      JsonObject *res = root ? json_node_get_object (root) : NULL;
      const char *location = soup_message_headers_get_one (reply->headers, "Location");

      if (res != NULL && g_strcmp0 (object_string (res, "resourceType"), type) == 0
          && object_string (res, "id") != NULL)
        {
          server_id = g_strdup (object_string (res, "id"));
          server_version = g_strdup (object_string (object_object (res, "meta"), "versionId"));
          server_json = g_strndup (g_bytes_get_data (reply->body, NULL), g_bytes_get_size (reply->body));
        }
      else if (location != NULL)
        {
          g_auto(GStrv) parts = NULL;
          g_autofree char *path = url_path (location);
          guint n;
          char **p;

          parts = g_strsplit (path, "/", 0);
          n = g_strv_length (parts);
          for (p = parts; *p != NULL; p++)
            if (g_str_equal (*p, type) && p[1] != NULL)
              {
                server_id = g_strdup (p[1]);
                if (p[2] != NULL && g_str_equal (p[2], "_history") && p[3] != NULL)
                  server_version = g_strdup (p[3]);
                break;
              }
          (void) n;
        }
      else if (update)
        server_id = g_strdup (chevet_outbox_item_get_server_id (item));
      if (server_version == NULL)
        server_version = etag_version (soup_message_headers_get_one (reply->headers, "ETag"));
      if (server_id == NULL)
        {
          g_set_error (&local, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                       _("The server accepted an item but did not say under which id"));
          goto transient;
        }
      goto sent;
    }

  if (reply->status == SOUP_STATUS_PRECONDITION_FAILED)
    {
      g_autofree char *read_url = g_strdup_printf ("%s/%s/%s", run->base, type,
                                                   chevet_outbox_item_get_server_id (item));
      g_autoptr(Reply) current = http_get (run, read_url, NULL, &local);

      if (current == NULL)
        goto transient;
      if (current->status != 200)
        {
          g_set_error (&local, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                       _("The server %s failed (HTTP %u at %s)"), run->host, current->status,
                       type);
          goto transient;
        }
      server_json = g_strndup (g_bytes_get_data (current->body, NULL), g_bytes_get_size (current->body));
      if (update && same_content (server_json, request_body))
        {
          /* our own earlier PUT, whose answer was lost: the server has exactly what we
           * send, so it is sent (not a conflict with ourselves) */
          g_autoptr(JsonNode) root = parse_json (current->body, "", NULL);
          JsonObject *meta = root ? object_object (json_node_get_object (root), "meta") : NULL;

          g_debug ("outbox item %" G_GINT64_FORMAT ": already on the server (412 on our own version)",
                   chevet_outbox_item_get_seq (item));
          server_id = g_strdup (chevet_outbox_item_get_server_id (item));
          server_version = g_strdup (object_string (meta, "versionId"));
          if (server_version == NULL)
            server_version = etag_version (soup_message_headers_get_one (current->headers, "ETag"));
          goto sent;
        }
      g_debug ("outbox item %" G_GINT64_FORMAT ": conflict (412)", chevet_outbox_item_get_seq (item));
      if (!chevet_outbox_mark_conflict (run->store, item, server_json, &local))
        return store_failed (local, error);
      return TRUE;
    }

  {
    g_autofree char *code = outcome_code (reply->body);
    g_autofree char *message = code != NULL
      ? g_strdup_printf (_("The server refused it (HTTP %u, %s)"), reply->status, code)
      : g_strdup_printf (_("The server refused it (HTTP %u)"), reply->status);

    g_debug ("outbox item %" G_GINT64_FORMAT ": refused (%u)", chevet_outbox_item_get_seq (item),
             reply->status);
    if (!chevet_outbox_mark_failed (run->store, item, message, TRUE, &local))
      return store_failed (local, error);
    return TRUE;
  }

sent:
  g_debug ("outbox item %" G_GINT64_FORMAT ": sent", chevet_outbox_item_get_seq (item));
  if (!chevet_outbox_mark_sent (run->store, item, server_id, server_version, server_json, &local))
    {
      if (local->domain == CHEVET_OUTBOX_ERROR)
        {
          g_clear_error (&local);
          if (!chevet_outbox_mark_sent (run->store, item, server_id, server_version, NULL, &local))
            return store_failed (local, error);
        }
      else
        return store_failed (local, error);
    }
  run->self->sent++;
  return TRUE;

transient:
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* left "sending": reset_sending puts it back next time */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  {
    g_autoptr(GError) mark_error = NULL;

    chevet_outbox_mark_failed (run->store, item, local->message, FALSE, &mark_error);
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
}

static gboolean
send_outbox (Run     *run,
             GError **error)
{
  for (;;)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(ChevetOutboxItem) item = chevet_outbox_next_waiting (run->store, &local);

      if (local != NULL)
        return store_failed (local, error);
      if (item == NULL)
        return TRUE;
      if (!send_one (run, item, error))
        return FALSE;
    }
}

/* ------------------------------------------------------------------ the audit trail */

/* The last entry of the trail now (0 when empty): what this run sends at most. Entries
 * recorded during the run, its own "sync" entry among them, go with the next one. */
static gint64
audit_last_seq (Run *run)
{
  sqlite3_stmt *stmt = chevet_store_prepare (run->store, "SELECT MAX(seq) FROM audit", NULL);
  gint64 seq = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return seq;
}

static gint64
audit_count_between (Run    *run,
                     gint64  after,
                     gint64  until)
{
  sqlite3_stmt *stmt = chevet_store_prepare (run->store,
    "SELECT COUNT(*) FROM audit WHERE seq > ? AND seq <= ?", NULL);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, after);
  sqlite3_bind_int64 (stmt, 2, until);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

typedef struct
{
  const char *workspace_id;
  gint64      until;
  GArray     *seqs;    /* gint64, in order */
  GPtrArray  *jsons;   /* the AuditEvents, in the same order */
} AuditBatch;

static gboolean
audit_collect (const ChevetAuditEntry  *entry,
               gpointer                 user_data,
               GError                 **error)
{
  AuditBatch *batch = user_data;

  if (entry->seq > batch->until)
    return TRUE;
  g_array_append_val (batch->seqs, entry->seq);
  g_ptr_array_add (batch->jsons, chevet_audit_entry_to_fhir_for_server (entry, batch->workspace_id));
  return TRUE;
}

/* The If-None-Exist search of entry @seq: its tag. */
static char *
audit_if_none_exist (Run    *run,
                     gint64  seq)
{
  g_autofree char *code = chevet_audit_entry_tag_code (chevet_store_get_workspace_id (run->store), seq);

  return g_strdup_printf ("_tag=%s|%s", CHEVET_AUDIT_TAG_SYSTEM, code);
}

/* "201 Created" -> 201; 0 when unreadable. */
static guint
status_of (const char *text)
{
  guint64 status = 0;
  g_autofree char *digits = text != NULL ? g_strndup (text, strspn (text, "0123456789")) : NULL;

  if (digits == NULL || !g_ascii_string_to_unsigned (digits, 10, 100, 599, &status, NULL))
    return 0;
  return (guint) status;
}

/* One batch Bundle. Returns how many entries, from the first, the server accepted (a
 * failed entry stops the count: the cursor only moves over consecutive successes), or
 * -1 with @error when the whole request failed. */
static gint
audit_send_batch (Run         *run,
                  AuditBatch  *batch,
                  gboolean     conditional,
                  GError     **error)
{
  g_autoptr(GString) bundle = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *response;
  JsonArray *entries;
  guint n = batch->seqs->len;
  guint ok = 0;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (bundle, "%s{\"resource\":%s,\"request\":{\"method\":\"POST\",\"url\":\"AuditEvent\"",
                              i > 0 ? "," : "", (const char *) g_ptr_array_index (batch->jsons, i));
      if (conditional)
        {
          g_autofree char *condition = audit_if_none_exist (run, g_array_index (batch->seqs, gint64, i));

          /* the tag's characters need no JSON escaping: a uuid, digits, ':', '|', '.' */
          g_string_append_printf (bundle, ",\"ifNoneExist\":\"%s\"", condition);
        }
      g_string_append (bundle, "}}");
    }
  g_string_append (bundle, "]}");
  body = g_string_free_to_bytes (g_steal_pointer (&bundle));

  /* with conditional creates a resend adds nothing, so it may be retried */
  reply = http_send (run, "POST", run->base, FHIR_JSON, body, NULL, NULL,
                     conditional ? HTTP_IDEMPOTENT : 0, error);
  if (reply == NULL)
    return -1;
  if (reply->status != 200)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                   _("The server %s refused the audit entries (HTTP %u)"), run->host, reply->status);
      return -1;
    }
  root = parse_json (reply->body, "/", error);
  if (root == NULL)
    return -1;
  response = json_node_get_object (root);
  entries = object_array (response, "entry");
  if (g_strcmp0 (object_string (response, "type"), "batch-response") != 0
      || entries == NULL || json_array_get_length (entries) != n)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_INVALID_DATA,
                   _("The server sent data that is not valid JSON (%s)"), "/");
      return -1;
    }
  for (ok = 0; ok < n; ok++)
    {
      JsonObject *entry = json_array_get_object_element (entries, ok);
      guint status = status_of (object_string (object_object (entry, "response"), "status"));

      if (status != 200 && status != 201)
        {
          g_debug ("audit entry %" G_GINT64_FORMAT ": refused in a batch (%u)",
                   g_array_index (batch->seqs, gint64, ok), status);
          g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                       _("The server %s refused audit entry %lld (HTTP %u)"), run->host,
                       (long long) g_array_index (batch->seqs, gint64, ok), status);
          break;
        }
    }
  return (gint) ok;
}

/* One POST per entry, in order; stops at the first failure. Returns the number sent. */
static gint
audit_send_each (Run         *run,
                 AuditBatch  *batch,
                 gboolean     conditional,
                 GError     **error)
{
  g_autofree char *url = g_strdup_printf ("%s/AuditEvent", run->base);
  guint i;

  for (i = 0; i < batch->seqs->len; i++)
    {
      const char *json = g_ptr_array_index (batch->jsons, i);
      gint64 seq = g_array_index (batch->seqs, gint64, i);
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
      g_autofree char *condition = conditional ? audit_if_none_exist (run, seq) : NULL;
      g_autoptr(Reply) reply = http_send (run, "POST", url, FHIR_JSON, body,
                                          conditional ? "If-None-Exist" : NULL, condition,
                                          conditional ? HTTP_IDEMPOTENT : 0, error);

      if (reply == NULL)
        break;
      if (reply->status != 200 && reply->status != 201)
        {
          g_debug ("audit entry %" G_GINT64_FORMAT ": refused (%u)", seq, reply->status);
          g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SERVER,
                       _("The server %s refused audit entry %lld (HTTP %u)"), run->host,
                       (long long) seq, reply->status);
          break;
        }
    }
  return (gint) i;
}

/* Sends the entries after the cursor up to @until, a batch at a time, moving the cursor
 * (meta "sync.audit-sent-seq", for the server in "sync.audit-server") after each answer
 * over what the server accepted. FALSE with @error when it stopped; the caller turns
 * anything but a cancellation into a warning. */
static gboolean
send_audit (Run     *run,
            gint64   until,
            GError **error)
{
  ChevetSync *self = run->self;
  g_autoptr(GError) local = NULL;
  g_autofree char *server = dup_meta (run, "sync.audit-server");
  g_autofree char *cursor_text = dup_meta (run, "sync.audit-sent-seq");
  gboolean conditional = (caps_of (run, "AuditEvent") & CAP_COND_CREATE) != 0;
  gint64 cursor = 0, expected;
  guint64 done = 0;

  /* another server has none of them: everything kept goes again */
  if (g_strcmp0 (server, run->base) == 0 && cursor_text != NULL)
    cursor = g_ascii_strtoll (cursor_text, NULL, 10);
  else if (!chevet_store_set_meta (run->store, "sync.audit-server", run->base, &local)
           || !chevet_store_set_meta (run->store, "sync.audit-sent-seq", "0", &local))
    return store_failed (local, error);

  expected = audit_count_between (run, cursor, until);
  g_debug ("audit: %" G_GINT64_FORMAT " entries to send after %" G_GINT64_FORMAT " (%s, %s)",
           expected, cursor, run->batch ? "batch" : "one by one",
           conditional ? "conditional" : "plain create");
  g_mutex_lock (&self->lock);
  self->pending.done = 0;
  self->pending.expected = expected;
  g_mutex_unlock (&self->lock);
  state_changed (self, TRUE);

  while (cursor < until)
    {
      g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GPtrArray) jsons = g_ptr_array_new_with_free_func (g_free);
      AuditBatch batch = { chevet_store_get_workspace_id (run->store), until, seqs, jsons };
      g_autofree char *text = NULL;
      GError *send_error = NULL;
      gint sent;

      /* cancelled: stop between batches, the cursor as the server last confirmed it */
      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      if (!chevet_audit_foreach (run->store, cursor, self->audit_batch, audit_collect, &batch, &local))
        return store_failed (local, error);
      if (seqs->len == 0)
        break;
      sent = run->batch ? audit_send_batch (run, &batch, conditional, &send_error)
                        : audit_send_each (run, &batch, conditional, &send_error);
      if (sent > 0)
        {
          cursor = g_array_index (seqs, gint64, sent - 1);
          text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
          if (!chevet_store_set_meta (run->store, "sync.audit-sent-seq", text, &local))
            {
              g_clear_error (&send_error);
              return store_failed (local, error);
            }
          done += sent;
          self->audit_sent += sent;
          g_mutex_lock (&self->lock);
          self->pending.done = done;
          g_mutex_unlock (&self->lock);
          state_changed (self, FALSE);
        }
      if (send_error != NULL)
        {
          g_debug ("audit: stopped after seq %" G_GINT64_FORMAT, cursor);
          g_propagate_error (error, send_error);
          return FALSE;
        }
    }
  g_debug ("audit: %" G_GUINT64_FORMAT " entries sent, cursor %" G_GINT64_FORMAT, done, cursor);
  return TRUE;
}

/* ------------------------------------------------------------------ the run */

static gboolean
check_settings (Run     *run,
                GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *base;

  /* A connection test brings its own (unsaved) settings and no store. */
  if (run->settings == NULL)
    run->settings = chevet_server_settings_load (run->store, &local);
  if (run->settings == NULL && local == NULL)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_CONFIGURED,
                   _("No server is set for this workspace"));
      return FALSE;
    }
  if (run->settings == NULL || !chevet_server_settings_validate (run->settings, &local))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SETTINGS,
                   _("The server settings cannot be used: %s"), local->message);
      return FALSE;
    }
  base = chevet_server_settings_get_base_url (run->settings);
  uri = g_uri_parse (base, G_URI_FLAGS_ENCODED, NULL);
  /* validate() already refused these; checked again right before connecting */
  if (uri == NULL || g_uri_get_host (uri) == NULL
      || !(g_str_equal (g_uri_get_scheme (uri), "https")
           || (g_str_equal (g_uri_get_scheme (uri), "http")
               && chevet_server_settings_get_allow_http_loopback (run->settings))))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_SETTINGS,
                   _("The server address must start with https://"));
      return FALSE;
    }
  run->base = g_strdup (base);
  while (g_str_has_suffix (run->base, "/"))
    run->base[strlen (run->base) - 1] = '\0';
  run->origin = url_origin (run->base);
  run->host = g_uri_get_port (uri) > 0
    ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
    : g_strdup (g_uri_get_host (uri));
  run->scoped = chevet_server_settings_get_patient_scope (run->settings) != NULL
    && *chevet_server_settings_get_patient_scope (run->settings) != '\0';
  return TRUE;
}

static gboolean
open_session (Run     *run,
              GError **error)
{
  ChevetSync *self = run->self;
  const char *ca = chevet_server_settings_get_ca_pem (run->settings);

  run->session = soup_session_new_with_options ("timeout", self->timeout_s,
                                                "idle-timeout", MAX (self->timeout_s, 10u),
                                                "user-agent", "Chevet/" VERSION " ",
                                                NULL);
  if (ca != NULL && *ca != '\0')
    {
      g_autoptr(GTlsDatabase) trust = trust_new (ca, error);

      if (trust == NULL)
        return FALSE;
      soup_session_set_tls_database (run->session, trust);
    }
  switch (chevet_server_settings_get_auth (run->settings))
    {
    case CHEVET_SERVER_AUTH_BEARER:
      run->token = g_strdup (chevet_server_settings_get_token (run->settings));
      break;
    case CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS:
      run->oauth = TRUE;
      break;
    case CHEVET_SERVER_AUTH_NONE:
    default:
      break;
    }
  return TRUE;
}

static void
checksum_field (GChecksum  *sum,
                const char *value,
                gboolean    secret)
{
  if (value != NULL && secret)
    {
      /* a secret enters only as its own digest */
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, value, -1);

      g_checksum_update (sum, (const guchar *) "#", 1);
      g_checksum_update (sum, (const guchar *) digest, -1);
    }
  else if (value != NULL)
    {
      g_checksum_update (sum, (const guchar *) "=", 1);
      g_checksum_update (sum, (const guchar *) value, -1);
    }
  g_checksum_update (sum, (const guchar *) "", 1);  /* NUL: the end of the field */
}

/* What a stopped run's saved links and batches depend on: the server, the scope, the
 * types and who asks (credentials may change what the server shows). One SHA-256; the
 * token and the client secret enter as their own digests, never in clear. */
static char *
settings_fingerprint (Run *run)
{
  ChevetServerSettings *s = run->settings;
  const char * const *types = chevet_server_settings_get_resource_types (s);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *auth = g_strdup_printf ("%d", chevet_server_settings_get_auth (s));

  checksum_field (sum, "chevet-sync-settings-1", FALSE);
  checksum_field (sum, run->base, FALSE);
  checksum_field (sum, chevet_server_settings_get_patient_scope (s), FALSE);
  for (guint i = 0; types != NULL && types[i] != NULL; i++)
    checksum_field (sum, types[i], FALSE);
  checksum_field (sum, auth, FALSE);
  checksum_field (sum, chevet_server_settings_get_token_url (s), FALSE);
  checksum_field (sum, chevet_server_settings_get_client_id (s), FALSE);
  checksum_field (sum, chevet_server_settings_get_token (s), TRUE);
  checksum_field (sum, chevet_server_settings_get_client_secret (s), TRUE);
  return g_strdup (g_checksum_get_string (sum));
}

/* A stopped run whose settings changed since is dropped: its saved page link, batches
 * and listed ids belong to other settings. The cache keeps what it committed, and
 * sync_new_patients too: those patients still lack their older chart resources. */
static gboolean
drop_stopped_run (Run     *run,
                  GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!begin (run, &local))
    return store_failed (local, error);
  if (!chevet_store_set_meta (run->store, "sync.run-start", NULL, &local)
      || !chevet_store_set_meta (run->store, "sync.task", NULL, &local)
      || !chevet_store_set_meta (run->store, "sync.next-url", NULL, &local)
      || !chevet_store_set_meta (run->store, "sync.reconcile.run", NULL, &local)
      || !delete_meta_prefix (run, "sync.%.shifted", &local)
      || !chevet_store_exec (run->store, "DELETE FROM sync_seen", &local)
      || !commit (run, &local))
    {
      rollback (run);
      return store_failed (local, error);
    }
  return TRUE;
}

static gboolean
prepare_run_state (Run     *run,
                   GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *saved_start = dup_meta (run, "sync.run-start");
  g_autofree char *saved_fp = dup_meta (run, "sync.settings-fingerprint");
  g_autofree char *fp = settings_fingerprint (run);

  if (saved_start != NULL && g_strcmp0 (saved_fp, fp) != 0)
    {
      g_debug ("the settings changed since the run stopped: starting again");
      if (!drop_stopped_run (run, error))
        return FALSE;
      g_clear_pointer (&saved_start, g_free);
    }
  if (saved_start != NULL)
    {
      /* resume: the earlier start is the safer cursor */
      g_free (run->run_start);
      run->run_start = g_steal_pointer (&saved_start);
      run->resume_task = dup_meta (run, "sync.task");
      run->resume_next = dup_meta (run, "sync.next-url");
      run->resuming = TRUE;
      g_debug ("resuming a stopped run");
    }
  else if (!begin (run, &local)
           || !chevet_store_set_meta (run->store, "sync.run-start", run->run_start, &local)
           || !chevet_store_set_meta (run->store, "sync.settings-fingerprint", fp, &local)
           || !commit (run, &local))
    {
      rollback (run);
      return store_failed (local, error);
    }
  return TRUE;
}

static gboolean
expect_counts (Run                *run,
               const char * const *types)
{
  const char *scope = chevet_server_settings_get_patient_scope (run->settings);

  /* only for a fresh, unscoped first sync: otherwise the total is unknown */
  run->expected = -1;
  if (run->resuming || run->scoped)
    return TRUE;
  run->expected = 0;
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_autofree char *since = since_param (run, types[i]);
      gint64 n;

      if (!(caps_of (run, types[i]) & CAP_SEARCH))
        continue;
      if (since != NULL)
        {
          run->expected = -1;
          return TRUE;
        }
      /* not listed: tried anyway (HAPI answers it without listing it), once and without
       * retries; the first refusal, or an answer without a total, ends the counting */
      n = count_search (run, types[i], g_str_equal (types[i], "Patient") ? scope : NULL,
                        !(caps_of (run, types[i]) & CAP_SUMMARY_COUNT));
      if (n < 0)
        {
          run->expected = -1;
          return TRUE;
        }
      run->expected += n;
    }
  return TRUE;
}

static gboolean
sync_run_in_context (ChevetSync   *self,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_autoptr(GError) local = NULL;
  Run run = { 0, };
  const char * const *types;
  const char *audit_state = NULL;  /* for the run's own entry: off, unsupported, sent, error */
  g_autofree char *audit_code = NULL;
  gint64 audit_until = 0;
  gboolean ok = FALSE;

  run.self = self;
  run.cancellable = cancellable;
  run.start_us = g_get_monotonic_time ();
  run.expected = -1;
  run.caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->requests = 0;
  self->deleted = 0;
  self->sent = 0;
  self->reconciled = FALSE;
  self->audit_sent = 0;
  g_clear_pointer (&self->audit_warning, g_free);

  g_mutex_lock (&self->lock);
  self->pending.done = 0;
  self->pending.expected = -1;
  self->pending.rate = 0;
  g_clear_pointer (&self->pending.last_error, g_free);
  g_mutex_unlock (&self->lock);
  set_phase (self, CHEVET_SYNC_PHASE_CONNECTING);

  if (self->store == NULL)
    {
      self->store = chevet_store_open (self->path, self->account, self->passphrase, error);
      g_clear_pointer (&self->passphrase, wipe_free);
      if (self->store == NULL)
        goto out;
    }
  run.store = self->store;
  /* Sealed: the training workspace never talks to a server, never sends its outbox nor
   * its audit trail. Refused before any connection. */
  if (chevet_store_is_training (run.store))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_TRAINING,
                   _("This is a training workspace: it never syncs with a server, and what is written in it stays in it"));
      goto out;
    }
  /* what exists before the run is what it sends */
  audit_until = audit_last_seq (&run);

  if (!check_settings (&run, error) || !open_session (&run, error)
      || !connect_metadata (&run, error) || !prepare_run_state (&run, error))
    goto out;
  if (chevet_outbox_reset_sending (run.store, &local) < 0)
    {
      store_failed (local, error);
      goto out;
    }
  types = chevet_server_settings_get_resource_types (run.settings);
  if (!decide_reconcile (&run, types, error))
    goto out;
  expect_counts (&run, types);

  set_phase (self, CHEVET_SYNC_PHASE_PATIENTS);
  if (!pull_type (&run, "Patient", error))
    goto out;
  set_phase (self, CHEVET_SYNC_PHASE_RESOURCES);
  for (guint pass = 0; pass < 2; pass++)  /* chart types, then the referenced ones */
    for (guint i = 0; types[i] != NULL; i++)
      if (!g_str_equal (types[i], "Patient")
          && is_patient_compartment (types[i]) == (pass == 0)
          && !pull_type (&run, types[i], error))
        goto out;
  set_phase (self, CHEVET_SYNC_PHASE_HISTORY);
  if (!pull_deletions (&run, types, error) || !reconcile_ids (&run, types, error)
      || !finish_pull (&run, types, error))
    goto out;

  set_phase (self, CHEVET_SYNC_PHASE_OUTBOX);
  if (!send_outbox (&run, error))
    goto out;

  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *iso = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");

    if (!chevet_store_set_meta (run.store, "last-sync", iso, &local))
      {
        store_failed (local, error);
        goto out;
      }
  }

  /* The audit trail, once the data are safe: a failure here is a warning, not the run's
   * failure (the next run tries again from the cursor); a cancellation stops the run. */
  if (!chevet_server_settings_get_send_audit (run.settings))
    audit_state = "off";
  else if (!(caps_of (&run, "AuditEvent") & CAP_CREATE))
    audit_state = "unsupported";
  else
    {
      set_phase (self, CHEVET_SYNC_PHASE_AUDIT);
      if (send_audit (&run, audit_until, &local))
        audit_state = "sent";
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          goto out;
        }
      else
        {
          audit_state = "error";
          audit_code = g_strdup_printf ("%s:%d", g_quark_to_string (local->domain), local->code);
          self->audit_warning = g_strdup_printf (_("The audit trail could not all be sent to the "
                                                   "server; the next sync tries again. %s"),
                                                 local->message);
          g_debug ("audit trail not sent: %s %d", g_quark_to_string (local->domain), local->code);
          g_clear_error (&local);
        }
    }
  ok = TRUE;

out:
  progress_add (&run, 0);
  g_debug ("run %s: %" G_GUINT64_FORMAT " resources, %u requests, %" G_GUINT64_FORMAT
           " deleted, %u sent", ok ? "done" : "stopped", run.done, self->requests,
           self->deleted, self->sent);
  /* The run in the audit trail: counts only, and the error's code when it stopped. */
  if (run.store != NULL)
    {
      g_autoptr(GError) audit_error = NULL;
      g_autofree char *detail = NULL;

      if (ok && audit_code != NULL)
        detail = g_strdup_printf ("resources=%" G_GUINT64_FORMAT " deleted=%" G_GUINT64_FORMAT
                                  " sent=%u audit-sent=%" G_GUINT64_FORMAT " audit-error=%s",
                                  run.done, self->deleted, self->sent, self->audit_sent, audit_code);
      else if (ok && g_strcmp0 (audit_state, "sent") == 0)
        detail = g_strdup_printf ("resources=%" G_GUINT64_FORMAT " deleted=%" G_GUINT64_FORMAT
                                  " sent=%u audit-sent=%" G_GUINT64_FORMAT,
                                  run.done, self->deleted, self->sent, self->audit_sent);
      else if (ok)
        detail = g_strdup_printf ("resources=%" G_GUINT64_FORMAT " deleted=%" G_GUINT64_FORMAT
                                  " sent=%u audit=%s", run.done, self->deleted, self->sent, audit_state);
      else
        detail = g_strdup_printf ("resources=%" G_GUINT64_FORMAT " error=%s:%d", run.done,
                                  error != NULL && *error != NULL ? g_quark_to_string ((*error)->domain) : "none",
                                  error != NULL && *error != NULL ? (*error)->code : 0);
      if (!chevet_audit_append (run.store, CHEVET_AUDIT_SYNC, NULL,
                                ok ? CHEVET_AUDIT_SUCCESS : CHEVET_AUDIT_FAILURE, detail, &audit_error))
        g_debug ("the sync could not be recorded in the audit trail: %s code %d",
                 g_quark_to_string (audit_error->domain), audit_error->code);
    }
  run_clear (&run);
  return ok;
}

gboolean
chevet_sync_run (ChevetSync    *self,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) local = NULL;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_SYNC (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  self->running = TRUE;
  g_main_context_push_thread_default (context);
  ok = sync_run_in_context (self, cancellable, &local);
  g_main_context_pop_thread_default (context);
  self->running = FALSE;

  g_mutex_lock (&self->lock);
  g_free (self->pending.last_error);
  self->pending.last_error = ok ? NULL : g_strdup (local->message);
  g_mutex_unlock (&self->lock);
  set_phase (self, ok ? CHEVET_SYNC_PHASE_DONE : CHEVET_SYNC_PHASE_FAILED);
  if (!ok)
    {
      g_debug ("failed: %s %d", g_quark_to_string (local->domain), local->code);
      g_propagate_error (error, g_steal_pointer (&local));
    }
  return ok;
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (chevet_sync_run (source, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
chevet_sync_run_async (ChevetSync          *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHEVET_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chevet_sync_run_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

gboolean
chevet_sync_run_finish (ChevetSync    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ connection test */

typedef struct
{
  ChevetServerSettings *settings;
  char                 *fhir_version;
  char                 *software;
} TestData;

static void
test_data_free (TestData *data)
{
  g_clear_pointer (&data->settings, chevet_server_settings_free);
  g_free (data->fhir_version);
  g_free (data->software);
  g_free (data);
}

/* The connecting phase of a run, without a store: settings checked, the same TLS trust
 * and authentication, then GET /metadata. Nothing is written anywhere. */
static gboolean
test_connection (ChevetSync   *self,
                 TestData     *data,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autofree char *url = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  Run run = { 0, };
  JsonObject *cs;
  JsonObject *software;
  const char *version;
  gboolean ok = FALSE;

  run.self = self;
  run.cancellable = cancellable;
  run.settings = chevet_server_settings_copy (data->settings);
  run.caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!check_settings (&run, error) || !open_session (&run, error))
    goto out;
  url = g_strconcat (run.base, "/metadata", NULL);
  /* a token is checked too: /metadata needs none, so the first search does */
  reply = http_get (&run, url, NULL, error);
  if (reply == NULL)
    goto out;
  if (reply->status != 200)
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_SUPPORTED,
                   _("The server %s does not describe itself as a FHIR server (HTTP %u at /metadata)"),
                   run.host, reply->status);
      goto out;
    }
  root = parse_json (reply->body, "/metadata", error);
  if (root == NULL)
    goto out;
  cs = json_node_get_object (root);
  version = object_string (cs, "fhirVersion");
  if (g_strcmp0 (object_string (cs, "resourceType"), "CapabilityStatement") != 0
      || version == NULL || !g_str_has_prefix (version, "4.0"))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_SUPPORTED,
                   _("The server %s is not a FHIR R4 server"), run.host);
      goto out;
    }
  read_capabilities (&run, cs);
  if (!(caps_of (&run, "Patient") & CAP_SEARCH))
    {
      g_set_error (error, CHEVET_SYNC_ERROR, CHEVET_SYNC_ERROR_NOT_SUPPORTED,
                   _("The server %s does not offer a search of patients"), run.host);
      goto out;
    }
  if (chevet_server_settings_get_auth (run.settings) != CHEVET_SERVER_AUTH_NONE)
    {
      /* the credentials: one patient id, nothing kept */
      g_autofree char *probe = g_strconcat (run.base, "/Patient?_count=1&_elements=id", NULL);
      g_autoptr(Reply) probed = http_get (&run, probe, NULL, error);

      if (probed == NULL)
        goto out;
    }
  software = object_object (cs, "software");
  data->fhir_version = g_strdup (version);
  if (software != NULL && object_string (software, "name") != NULL)
    data->software = object_string (software, "version") != NULL
      ? g_strdup_printf ("%s %s", object_string (software, "name"), object_string (software, "version"))
      : g_strdup (object_string (software, "name"));
  g_debug ("connection test: FHIR %s", version);
  ok = TRUE;

out:
  run_clear (&run);
  return ok;
}

static void
test_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ChevetSync) sync = NULL;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (context);
  sync = g_object_new (CHEVET_TYPE_SYNC, NULL);
  sync->max_tries = 2;
  sync->timeout_s = 15;
  ok = test_connection (sync, task_data, cancellable, &error);
  g_clear_object (&sync);
  g_main_context_pop_thread_default (context);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
chevet_sync_test_connection_async (const ChevetServerSettings *settings,
                                   GCancellable               *cancellable,
                                   GAsyncReadyCallback         callback,
                                   gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  TestData *data;

  g_return_if_fail (settings != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chevet_sync_test_connection_async);
  data = g_new0 (TestData, 1);
  data->settings = chevet_server_settings_copy (settings);
  g_task_set_task_data (task, data, (GDestroyNotify) test_data_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, test_thread);
}

gboolean
chevet_sync_test_connection_finish (GAsyncResult  *result,
                                    char         **fhir_version,
                                    char         **software,
                                    GError       **error)
{
  TestData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chevet_sync_test_connection_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (fhir_version != NULL)
    *fhir_version = g_strdup (data->fhir_version);
  if (software != NULL)
    *software = g_strdup (data->software);
  return TRUE;
}

/* ------------------------------------------------------------------ object */

ChevetSync *
chevet_sync_new (const char *workspace_path,
                 const char *account,
                 const char *passphrase)
{
  ChevetSync *self;

  g_return_val_if_fail (workspace_path != NULL && account != NULL && passphrase != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_SYNC, NULL);
  self->path = g_strdup (workspace_path);
  self->account = g_strdup (account);
  self->passphrase = g_strdup (passphrase);
  return self;
}

ChevetSync *
chevet_sync_new_for_store (ChevetStore *store)
{
  ChevetSync *self;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  self = g_object_new (CHEVET_TYPE_SYNC, NULL);
  self->store = g_object_ref (store);
  return self;
}

static void
chevet_sync_finalize (GObject *object)
{
  ChevetSync *self = CHEVET_SYNC (object);

  g_free (self->path);
  g_free (self->account);
  g_clear_pointer (&self->passphrase, wipe_free);
  g_clear_object (&self->store);
  g_main_context_unref (self->owner_context);
  g_free (self->pending.last_error);
  g_free (self->shown.last_error);
  g_free (self->audit_warning);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (chevet_sync_parent_class)->finalize (object);
}

static void
chevet_sync_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ChevetSync *self = CHEVET_SYNC (object);

  switch ((ChevetSyncProperty) prop_id)
    {
    case PROP_PHASE:
      g_value_set_enum (value, self->shown.phase);
      break;
    case PROP_RESOURCES_DONE:
      g_value_set_uint64 (value, self->shown.done);
      break;
    case PROP_RESOURCES_EXPECTED:
      g_value_set_int64 (value, self->shown.expected);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->shown.rate);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->shown.last_error);
      break;
    case PROP_0:
    case N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_sync_class_init (ChevetSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = chevet_sync_finalize;
  object_class->get_property = chevet_sync_get_property;

  properties[PROP_PHASE] =
    g_param_spec_enum ("phase", NULL, NULL, CHEVET_TYPE_SYNC_PHASE, CHEVET_SYNC_PHASE_IDLE, flags);
  properties[PROP_RESOURCES_DONE] =
    g_param_spec_uint64 ("resources-done", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_RESOURCES_EXPECTED] =
    g_param_spec_int64 ("resources-expected", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chevet_sync_init (ChevetSync *self)
{
  g_mutex_init (&self->lock);
  self->owner_context = g_main_context_ref_thread_default ();
  self->timeout_s = 30;
  self->max_tries = 5;
  self->page_size = 200;
  self->margin_s = 120;
  self->backoff_first_ms = 500;
  self->retry_after_cap_s = 60;
  self->audit_batch = 100;
  self->pending.expected = -1;
  self->shown.expected = -1;
}

ChevetSyncPhase
chevet_sync_get_phase (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), CHEVET_SYNC_PHASE_IDLE);
  return self->shown.phase;
}

guint64
chevet_sync_get_resources_done (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), 0);
  return self->shown.done;
}

gint64
chevet_sync_get_resources_expected (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), -1);
  return self->shown.expected;
}

double
chevet_sync_get_rate (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), 0);
  return self->shown.rate;
}

const char *
chevet_sync_get_last_error (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), NULL);
  return self->shown.last_error;
}

guint
chevet_sync_get_requests (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), 0);
  return self->requests;
}

guint64
chevet_sync_get_deleted (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), 0);
  return self->deleted;
}

guint
chevet_sync_get_sent (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), 0);
  return self->sent;
}

guint64
chevet_sync_get_audit_sent (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), 0);
  return self->audit_sent;
}

const char *
chevet_sync_get_audit_warning (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), NULL);
  return self->audit_warning;
}

void
chevet_sync_set_audit_batch_size (ChevetSync *self,
                                  guint       count)
{
  g_return_if_fail (CHEVET_IS_SYNC (self));
  g_return_if_fail (count > 0);
  self->audit_batch = count;
}

gboolean
chevet_sync_get_reconciled (ChevetSync *self)
{
  g_return_val_if_fail (CHEVET_IS_SYNC (self), FALSE);
  return self->reconciled;
}

void
chevet_sync_set_reconcile (ChevetSync *self,
                           gboolean    reconcile)
{
  g_return_if_fail (CHEVET_IS_SYNC (self));
  self->force_reconcile = reconcile;
}

void
chevet_sync_set_timeout (ChevetSync *self,
                         guint       seconds)
{
  g_return_if_fail (CHEVET_IS_SYNC (self) && seconds > 0);
  self->timeout_s = seconds;
}

void
chevet_sync_set_max_tries (ChevetSync *self,
                           guint       tries)
{
  g_return_if_fail (CHEVET_IS_SYNC (self) && tries > 0);
  self->max_tries = tries;
}

void
chevet_sync_set_page_size (ChevetSync *self,
                           guint       count)
{
  g_return_if_fail (CHEVET_IS_SYNC (self) && count > 0);
  self->page_size = count;
}

void
chevet_sync_set_cursor_margin (ChevetSync *self,
                               guint       seconds)
{
  g_return_if_fail (CHEVET_IS_SYNC (self));
  self->margin_s = seconds;
}

void
chevet_sync_set_backoff (ChevetSync *self,
                         guint       first_ms,
                         guint       retry_after_cap_s)
{
  g_return_if_fail (CHEVET_IS_SYNC (self));
  self->backoff_first_ms = first_ms;
  self->retry_after_cap_s = retry_after_cap_s;
}

const char *
chevet_sync_phase_to_string (ChevetSyncPhase phase)
{
  switch (phase)
    {
    case CHEVET_SYNC_PHASE_IDLE: return _("Idle");
    case CHEVET_SYNC_PHASE_CONNECTING: return _("Connecting");
    case CHEVET_SYNC_PHASE_PATIENTS: return _("Patients");
    case CHEVET_SYNC_PHASE_RESOURCES: return _("Charts");
    case CHEVET_SYNC_PHASE_HISTORY: return _("Deletions");
    case CHEVET_SYNC_PHASE_OUTBOX: return _("Sending");
    case CHEVET_SYNC_PHASE_AUDIT: return _("Sending the audit trail");
    case CHEVET_SYNC_PHASE_DONE: return _("Done");
    case CHEVET_SYNC_PHASE_FAILED: return _("Failed");
    default: return "?";
    }
}
