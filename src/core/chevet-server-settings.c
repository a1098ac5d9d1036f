/* chevet-server-settings.c: the FHIR server this workspace syncs with, kept in the encrypted store
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saved as rows of `meta` whose keys start with "server.", replaced together in one
 * transaction. The token and the client secret are wiped from memory when a settings
 * value is freed, and no message ever quotes them (nor the URLs, which might carry
 * credentials a user pasted by mistake).
 */
#define G_LOG_DOMAIN "chevet-server-settings"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "chevet-fhir.h"
#include "chevet-audit.h"
#include "chevet-server-settings.h"
#include "chevet-store-private.h"

G_DEFINE_QUARK (chevet-server-settings-error-quark, chevet_server_settings_error)

#define MAX_URL_BYTES    2048
#define MAX_TOKEN_BYTES  16384
#define MAX_SECRET_BYTES 4096
#define MAX_SCOPE_BYTES  2048

struct _ChevetServerSettings
{
  char             *base_url;
  gboolean          allow_http_loopback;
  char             *ca_pem;
  ChevetServerAuth  auth;
  char             *token;          /* secret */
  char             *token_url;
  char             *client_id;
  char             *client_secret;  /* secret */
  char             *patient_scope;
  char            **resource_types; /* NULL: the defaults */
  gboolean          send_audit;     /* the audit trail goes to the server when it allows it */
};

G_DEFINE_BOXED_TYPE (ChevetServerSettings, chevet_server_settings,
                     chevet_server_settings_copy, chevet_server_settings_free)

static const char * const default_types[] = {
  "Patient", "AllergyIntolerance", "Condition", "MedicationRequest", "MedicationStatement",
  "Observation", "Encounter", "Immunization", "Procedure", "DiagnosticReport",
  "DocumentReference", "Composition", NULL
};

static const char * const supported_types[] = {
  "Patient", "AllergyIntolerance", "Condition", "MedicationRequest", "MedicationStatement",
  "Observation", "Encounter", "Immunization", "Procedure", "DiagnosticReport",
  "DocumentReference", "Composition",
  /* Referred to by chart resources; kept verbatim, not projected. */
  "Organization", "Practitioner", "PractitionerRole", "Location", "Medication", NULL
};

/* Search parameters that shape the response rather than choose patients: the sync engine
 * sets them itself. */
static const char * const forbidden_scope_params[] = {
  "_count", "_format", "_summary", "_elements", "_offset", "_page", "_getpages",
  "_getpagesoffset", "_bundletype", "_include", "_revinclude", "_contained", "_total",
  "_pretty", NULL
};

const char * const *
chevet_server_settings_default_resource_types (void)
{
  return default_types;
}

const char * const *
chevet_server_settings_supported_resource_types (void)
{
  return supported_types;
}

static void
free_secret (char *secret)
{
  if (secret == NULL)
    return;
  sodium_memzero (secret, strlen (secret));
  g_free (secret);
}

ChevetServerSettings *
chevet_server_settings_new (void)
{
  ChevetServerSettings *self = g_new0 (ChevetServerSettings, 1);

  self->send_audit = TRUE;
  return self;
}

ChevetServerSettings *
chevet_server_settings_copy (const ChevetServerSettings *self)
{
  ChevetServerSettings *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = chevet_server_settings_new ();
  copy->base_url = g_strdup (self->base_url);
  copy->allow_http_loopback = self->allow_http_loopback;
  copy->ca_pem = g_strdup (self->ca_pem);
  copy->auth = self->auth;
  copy->token = g_strdup (self->token);
  copy->token_url = g_strdup (self->token_url);
  copy->client_id = g_strdup (self->client_id);
  copy->client_secret = g_strdup (self->client_secret);
  copy->patient_scope = g_strdup (self->patient_scope);
  copy->resource_types = g_strdupv (self->resource_types);
  copy->send_audit = self->send_audit;
  return copy;
}

void
chevet_server_settings_free (ChevetServerSettings *self)
{
  if (self == NULL)
    return;
  g_free (self->base_url);
  g_free (self->ca_pem);
  free_secret (self->token);
  g_free (self->token_url);
  g_free (self->client_id);
  free_secret (self->client_secret);
  g_free (self->patient_scope);
  g_strfreev (self->resource_types);
  g_free (self);
}

/* ------------------------------------------------------------------ accessors */

const char *
chevet_server_settings_get_base_url (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->base_url;
}

void
chevet_server_settings_set_base_url (ChevetServerSettings *self,
                                     const char           *url)
{
  g_autofree char *trimmed = url != NULL ? g_strstrip (g_strdup (url)) : NULL;
  gsize n;

  g_return_if_fail (self != NULL);

  /* "https://x/fhir/" and "https://x/fhir" are one server. */
  if (trimmed != NULL)
    {
      n = strlen (trimmed);
      while (n > 0 && trimmed[n - 1] == '/' && !g_str_has_suffix (trimmed, "://"))
        trimmed[--n] = '\0';
    }
  g_free (self->base_url);
  self->base_url = trimmed != NULL && *trimmed != '\0' ? g_steal_pointer (&trimmed) : NULL;
}

gboolean
chevet_server_settings_get_send_audit (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->send_audit;
}

void
chevet_server_settings_set_send_audit (ChevetServerSettings *self,
                                       gboolean              send)
{
  g_return_if_fail (self != NULL);
  self->send_audit = !!send;
}

gboolean
chevet_server_settings_get_allow_http_loopback (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->allow_http_loopback;
}

void
chevet_server_settings_set_allow_http_loopback (ChevetServerSettings *self,
                                                gboolean              allow)
{
  g_return_if_fail (self != NULL);
  self->allow_http_loopback = !!allow;
}

const char *
chevet_server_settings_get_ca_pem (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ca_pem;
}

void
chevet_server_settings_set_ca_pem (ChevetServerSettings *self,
                                   const char           *pem)
{
  g_return_if_fail (self != NULL);
  g_free (self->ca_pem);
  self->ca_pem = pem != NULL && *pem != '\0' ? g_strdup (pem) : NULL;
}

ChevetServerAuth
chevet_server_settings_get_auth (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, CHEVET_SERVER_AUTH_NONE);
  return self->auth;
}

static void
clear_auth (ChevetServerSettings *self)
{
  g_clear_pointer (&self->token, free_secret);
  g_clear_pointer (&self->client_secret, free_secret);
  g_clear_pointer (&self->token_url, g_free);
  g_clear_pointer (&self->client_id, g_free);
  self->auth = CHEVET_SERVER_AUTH_NONE;
}

void
chevet_server_settings_set_auth_none (ChevetServerSettings *self)
{
  g_return_if_fail (self != NULL);
  clear_auth (self);
}

void
chevet_server_settings_set_auth_bearer (ChevetServerSettings *self,
                                        const char           *token)
{
  g_return_if_fail (self != NULL);
  clear_auth (self);
  self->auth = CHEVET_SERVER_AUTH_BEARER;
  self->token = g_strdup (token);
}

void
chevet_server_settings_set_auth_client_credentials (ChevetServerSettings *self,
                                                    const char           *token_url,
                                                    const char           *client_id,
                                                    const char           *client_secret)
{
  g_return_if_fail (self != NULL);
  clear_auth (self);
  self->auth = CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS;
  self->token_url = token_url != NULL ? g_strstrip (g_strdup (token_url)) : NULL;
  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
}

const char *
chevet_server_settings_get_token (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->token;
}

const char *
chevet_server_settings_get_client_secret (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_secret;
}

const char *
chevet_server_settings_get_token_url (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->token_url;
}

const char *
chevet_server_settings_get_client_id (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_id;
}

const char *
chevet_server_settings_get_patient_scope (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->patient_scope;
}

void
chevet_server_settings_set_patient_scope (ChevetServerSettings *self,
                                          const char           *query)
{
  g_autofree char *trimmed = query != NULL ? g_strstrip (g_strdup (query)) : NULL;
  const char *start = trimmed;

  g_return_if_fail (self != NULL);

  if (start != NULL && *start == '?')
    start++;
  g_free (self->patient_scope);
  self->patient_scope = start != NULL && *start != '\0' ? g_strdup (start) : NULL;
}

const char * const *
chevet_server_settings_get_resource_types (const ChevetServerSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->resource_types != NULL ? (const char * const *) self->resource_types : default_types;
}

void
chevet_server_settings_set_resource_types (ChevetServerSettings *self,
                                           const char * const   *types)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;

  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->resource_types, g_strfreev);
  if (types == NULL)
    return;
  builder = g_strv_builder_new ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_autofree char *t = g_strstrip (g_strdup (types[i]));

      if (*t == '\0' || g_hash_table_contains (seen, t))
        continue;
      g_strv_builder_add (builder, t);
      g_hash_table_add (seen, g_steal_pointer (&t));
    }
  self->resource_types = g_strv_builder_end (builder);
}

/* ------------------------------------------------------------------ validation */

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* @field is the translated name of the field; the URL itself is never quoted. */
static gboolean
check_url (const char  *url,
           const char  *field,
           gboolean     allow_query,
           gboolean     allow_http_loopback,
           int          code,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme, *host;

  if (url == NULL || *url == '\0')
    {
      /* Translators: %s is a field name, "Server URL" or "Token URL" */
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: give the address (https://…)"), field);
      return FALSE;
    }
  if (strlen (url) > MAX_URL_BYTES || !g_utf8_validate (url, -1, NULL) ||
      (uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL)) == NULL)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: not a valid address"), field);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: only https:// addresses are accepted"), field);
      return FALSE;
    }
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: the host name is missing"), field);
      return FALSE;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: must not contain a user name or password; use the authentication settings instead"),
                   field);
      return FALSE;
    }
  if (g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: must not contain a fragment (#…)"), field);
      return FALSE;
    }
  if (!allow_query && g_uri_get_query (uri) != NULL)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: must not contain a query (?…); choose patients with the patient search instead"),
                   field);
      return FALSE;
    }
  if (g_str_equal (scheme, "http"))
    {
      gboolean loopback = is_loopback_host (host);

      if (!loopback)
        {
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                       _("%s: plain http:// is refused; use https://"), field);
          return FALSE;
        }
      if (!allow_http_loopback)
        {
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                       _("%s: plain http:// is refused; to this computer it is accepted only when allowed explicitly, for development"),
                       field);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
has_control (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

guint
chevet_server_settings_count_certificates (const char  *pem,
                                           GError     **error)
{
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  static const char end[] = "-----END CERTIFICATE-----";
  const char *p = pem;
  guint n = 0;

  if (pem == NULL || !g_utf8_validate (pem, -1, NULL))
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA,
                   _("Clinic CA: not a PEM text file"));
      return 0;
    }
  if (strstr (pem, "PRIVATE KEY-----") != NULL)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA,
                   _("Clinic CA: the file holds a private key; give only the CA certificates"));
      return 0;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA,
                   _("Clinic CA: cannot be checked, TLS support is not available (glib-networking is missing)"));
      return 0;
    }
  while ((p = strstr (p, begin)) != NULL)
    {
      const char *stop = strstr (p, end);
      g_autoptr(GTlsCertificate) cert = NULL;
      g_autoptr(GError) local_error = NULL;

      if (stop == NULL)
        {
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA,
                       _("Clinic CA: certificate %u is cut short"), n + 1);
          return 0;
        }
      stop += strlen (end);
      cert = g_tls_certificate_new_from_pem (p, stop - p, &local_error);
      if (cert == NULL)
        {
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA,
                       _("Clinic CA: certificate %u cannot be read (%s)"), n + 1,
                       local_error->message);
          return 0;
        }
      n++;
      p = stop;
    }
  if (n == 0)
    g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_CA,
                 _("Clinic CA: no certificate found (a PEM file with “BEGIN CERTIFICATE” is expected)"));
  return n;
}

static gboolean
check_scope (const char  *scope,
             GError     **error)
{
  g_autoptr(GHashTable) params = NULL;
  g_auto(GStrv) pairs = NULL;

  if (scope == NULL)
    return TRUE;
  if (strlen (scope) > MAX_SCOPE_BYTES || !g_utf8_validate (scope, -1, NULL) || has_control (scope) ||
      (params = g_uri_parse_params (scope, -1, "&", G_URI_PARAMS_NONE, NULL)) == NULL)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE,
                   _("Patient search: not a valid search (name=value&name=value)"));
      return FALSE;
    }
  /* The table keeps one value per name; every pair must be checked, so split again. */
  pairs = g_strsplit (scope, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *eq = strchr (pairs[i], '=');
      g_autofree char *raw_name = g_strndup (pairs[i], eq != NULL ? (gsize) (eq - pairs[i]) : strlen (pairs[i]));
      g_autofree char *name = g_uri_unescape_string (raw_name, NULL);
      g_autofree char *base = NULL;

      if (*pairs[i] == '\0')
        continue;
      if (name == NULL || *name == '\0')
        {
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE,
                       _("Patient search: a parameter has no name"));
          return FALSE;
        }
      for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.' && *p != ':')
          {
            g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE,
                         _("Patient search: a parameter name may hold only letters, digits, “_”, “-”, “.” and “:”"));
            return FALSE;
          }
      /* "_count:x" or "_include.y" are still _count and _include. */
      base = g_strndup (name, strcspn (name, ":."));
      if (g_strv_contains (forbidden_scope_params, base))
        {
          /* Translators: %s is a search parameter name such as _count */
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE,
                       _("Patient search: “%s” is set by Chevet when it syncs and cannot be given"),
                       base);
          return FALSE;
        }
      if (eq == NULL || eq[1] == '\0')
        {
          /* Translators: %s is a search parameter name; its value is never shown */
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE,
                       _("Patient search: “%s” has no value"), name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_types (const char * const  *types,
             GError             **error)
{
  gboolean has_patient = FALSE;

  for (guint i = 0; types[i] != NULL; i++)
    {
      if (!chevet_fhir_is_resource_type (types[i]))
        {
          g_autofree char *shown = g_utf8_make_valid (types[i], MIN (strlen (types[i]), 64));

          /* Translators: %s is what was typed as a resource type */
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES,
                       _("Resource types: “%s” is not a FHIR R4 resource type"), shown);
          return FALSE;
        }
      if (!g_strv_contains (supported_types, types[i]))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) supported_types);

          /* Translators: the first %s is a resource type, the second a list of them */
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES,
                       _("Resource types: Chevet cannot sync %s resources (it can sync %s)"),
                       types[i], list);
          return FALSE;
        }
      has_patient = has_patient || g_str_equal (types[i], "Patient");
    }
  if (!has_patient)
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES,
                   _("Resource types: Patient must be among them"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_text (const char  *value,
            gsize        max,
            gboolean     ascii_token,
            const char  *field,
            int          code,
            GError     **error)
{
  if (value == NULL || *value == '\0')
    {
      /* Translators: %s is a field name such as "Bearer token" */
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code, _("%s: not set"), field);
      return FALSE;
    }
  if (strlen (value) > max || !g_utf8_validate (value, -1, NULL) || has_control (value))
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                   _("%s: too long, or holds line breaks or other control characters"), field);
      return FALSE;
    }
  if (ascii_token)
    for (const char *p = value; *p; p++)
      if (*p <= 0x20 || *p >= 0x7f)
        {
          g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, code,
                       _("%s: only printable ASCII characters without spaces are accepted"), field);
          return FALSE;
        }
  return TRUE;
}

gboolean
chevet_server_settings_validate (const ChevetServerSettings  *self,
                                 GError                     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!check_url (self->base_url, _("Server URL"), FALSE, self->allow_http_loopback,
                  CHEVET_SERVER_SETTINGS_ERROR_URL, error))
    return FALSE;
  if (self->ca_pem != NULL && chevet_server_settings_count_certificates (self->ca_pem, error) == 0)
    return FALSE;
  switch (self->auth)
    {
    case CHEVET_SERVER_AUTH_NONE:
      break;
    case CHEVET_SERVER_AUTH_BEARER:
      if (!check_text (self->token, MAX_TOKEN_BYTES, TRUE, _("Bearer token"),
                       CHEVET_SERVER_SETTINGS_ERROR_TOKEN, error))
        return FALSE;
      break;
    case CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS:
      if (!check_url (self->token_url, _("Token URL"), TRUE, self->allow_http_loopback,
                      CHEVET_SERVER_SETTINGS_ERROR_TOKEN_URL, error) ||
          !check_text (self->client_id, 1024, FALSE, _("Client id"),
                       CHEVET_SERVER_SETTINGS_ERROR_CLIENT_ID, error) ||
          !check_text (self->client_secret, MAX_SECRET_BYTES, FALSE, _("Client secret"),
                       CHEVET_SERVER_SETTINGS_ERROR_CLIENT_SECRET, error))
        return FALSE;
      break;
    default:
      g_assert_not_reached ();
    }
  if (!check_scope (self->patient_scope, error))
    return FALSE;
  return check_types (chevet_server_settings_get_resource_types (self), error);
}

/* ------------------------------------------------------------------ store */

static const char *
auth_name (ChevetServerAuth auth)
{
  switch (auth)
    {
    case CHEVET_SERVER_AUTH_NONE:
      return "none";
    case CHEVET_SERVER_AUTH_BEARER:
      return "bearer";
    case CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS:
      return "client-credentials";
    default:
      g_assert_not_reached ();
    }
}

ChevetServerSettings *
chevet_server_settings_load (ChevetStore  *store,
                             GError      **error)
{
  g_autoptr(ChevetServerSettings) self = chevet_server_settings_new ();
  g_autofree char *auth = NULL;
  g_autofree char *types = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  stmt = chevet_store_prepare (store,
                               "SELECT key, value FROM meta WHERE key >= 'server.' AND key < 'server/'",
                               error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0) + strlen ("server.");
      const char *value = (const char *) sqlite3_column_text (stmt, 1);
      char **slot = NULL;

      if (g_str_equal (key, "url"))
        slot = &self->base_url;
      else if (g_str_equal (key, "ca"))
        slot = &self->ca_pem;
      else if (g_str_equal (key, "auth"))
        slot = &auth;
      else if (g_str_equal (key, "token"))
        slot = &self->token;
      else if (g_str_equal (key, "token-url"))
        slot = &self->token_url;
      else if (g_str_equal (key, "client-id"))
        slot = &self->client_id;
      else if (g_str_equal (key, "client-secret"))
        slot = &self->client_secret;
      else if (g_str_equal (key, "patients"))
        slot = &self->patient_scope;
      else if (g_str_equal (key, "types"))
        slot = &types;
      else if (g_str_equal (key, "allow-http-loopback"))
        self->allow_http_loopback = g_strcmp0 (value, "1") == 0;
      else if (g_str_equal (key, "send-audit"))
        self->send_audit = g_strcmp0 (value, "0") != 0;  /* absent (older workspaces): on */
      if (slot != NULL && value != NULL)
        {
          g_free (*slot);
          *slot = g_strdup (value);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return NULL;
    }
  if (self->base_url == NULL)
    return NULL;

  if (auth == NULL || g_str_equal (auth, "none"))
    self->auth = CHEVET_SERVER_AUTH_NONE;
  else if (g_str_equal (auth, "bearer"))
    self->auth = CHEVET_SERVER_AUTH_BEARER;
  else if (g_str_equal (auth, "client-credentials"))
    self->auth = CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS;
  else
    {
      g_set_error (error, CHEVET_SERVER_SETTINGS_ERROR, CHEVET_SERVER_SETTINGS_ERROR_DAMAGED,
                   _("The saved server settings name an unknown kind of authentication"));
      return NULL;
    }
  if (types != NULL)
    self->resource_types = g_strsplit (types, ",", -1);
  return g_steal_pointer (&self);
}

static gboolean
put (ChevetStore  *store,
     const char   *key,
     const char   *value,
     GError      **error)
{
  if (value == NULL)
    return TRUE;
  return chevet_store_set_meta (store, key, value, error);
}

static gboolean
save_rows (const ChevetServerSettings  *self,
           ChevetStore                 *store,
           GError                     **error)
{
  g_autofree char *types = NULL;
  sqlite3_stmt *stmt;

  stmt = chevet_store_prepare (store, "DELETE FROM meta WHERE key >= 'server.' AND key < 'server/'", error);
  if (stmt == NULL || !chevet_store_step_done (store, stmt, error))
    return FALSE;
  if (self->resource_types != NULL)
    types = g_strjoinv (",", self->resource_types);
  return put (store, "server.url", self->base_url, error) &&
         put (store, "server.allow-http-loopback", self->allow_http_loopback ? "1" : "0", error) &&
         put (store, "server.ca", self->ca_pem, error) &&
         put (store, "server.auth", auth_name (self->auth), error) &&
         put (store, "server.token", self->token, error) &&
         put (store, "server.token-url", self->token_url, error) &&
         put (store, "server.client-id", self->client_id, error) &&
         put (store, "server.client-secret", self->client_secret, error) &&
         put (store, "server.patients", self->patient_scope, error) &&
         put (store, "server.types", types, error) &&
         put (store, "server.send-audit", self->send_audit ? "1" : "0", error);
}

gboolean
chevet_server_settings_save (const ChevetServerSettings  *self,
                             ChevetStore                 *store,
                             GError                     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  if (chevet_store_is_training (store))
    {
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("A training workspace has no server: it never syncs"));
      return FALSE;
    }
  /* The server decides where patient data go and with which credentials: administrators
   * only, asked of the database now. The refusal is recorded. */
  if (!chevet_store_is_administrator_now (store, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!chevet_audit_append (store, CHEVET_AUDIT_SETTINGS, NULL, CHEVET_AUDIT_DENIED, "server", &local_error))
        g_message ("A refused settings change could not be recorded: %s code %d",
                   g_quark_to_string (local_error->domain), local_error->code);
      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("Only an administrator can change the server settings: “%s” is not an administrator"),
                   chevet_store_get_account (store));
      return FALSE;
    }
  if (!chevet_server_settings_validate (self, error))
    return FALSE;
  if (!chevet_store_exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  /* Who changed the server settings, in the same transaction (never what they hold). */
  if (!save_rows (self, store, error) ||
      !chevet_audit_append (store, CHEVET_AUDIT_SETTINGS, NULL, CHEVET_AUDIT_SUCCESS, "server", error) ||
      !chevet_store_exec (store, "COMMIT", error))
    {
      sqlite3_exec (chevet_store_get_db (store), "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  g_debug ("server settings saved (authentication: %s)", auth_name (self->auth));
  return TRUE;
}

/* ------------------------------------------------------------------ describe */

/* The URL without any user:password, should one have slipped in. */
static char *
display_url (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  if (uri == NULL)
    return g_strdup (url != NULL ? _("(invalid)") : _("not set"));
  if (g_uri_get_userinfo (uri) == NULL)
    return g_strdup (url);
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), g_uri_get_path (uri), g_uri_get_query (uri),
                     g_uri_get_fragment (uri));
}

static const char *
set_or_not (const char *secret)
{
  return secret != NULL && *secret != '\0' ? _("set") : _("not set");
}

char *
chevet_server_settings_describe (const ChevetServerSettings *self)
{
  GString *out = g_string_new (NULL);
  g_autofree char *url = NULL;
  g_autofree char *types = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  url = display_url (self->base_url);
  g_string_append_printf (out, _("Server URL: %s\n"), url);
  if (self->allow_http_loopback)
    g_string_append_printf (out, "%s\n", _("Plain HTTP to this computer: allowed (development only)"));
  if (self->ca_pem != NULL)
    {
      guint n = chevet_server_settings_count_certificates (self->ca_pem, NULL);

      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "Clinic CA: %u certificate\n",
                                                "Clinic CA: %u certificates\n", n), n);
    }
  else
    g_string_append_printf (out, "%s\n", _("Clinic CA: none, the system’s trusted authorities"));
  switch (self->auth)
    {
    case CHEVET_SERVER_AUTH_NONE:
      g_string_append_printf (out, "%s\n", _("Authentication: none"));
      break;
    case CHEVET_SERVER_AUTH_BEARER:
      g_string_append_printf (out, "%s\n", _("Authentication: bearer token"));
      g_string_append_printf (out, _("Bearer token: %s\n"), set_or_not (self->token));
      break;
    case CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS:
      {
        g_autofree char *token_url = display_url (self->token_url);

        g_string_append_printf (out, "%s\n", _("Authentication: OAuth client credentials"));
        g_string_append_printf (out, _("Token URL: %s\n"), token_url);
        g_string_append_printf (out, _("Client id: %s\n"), self->client_id ?: _("not set"));
        g_string_append_printf (out, _("Client secret: %s\n"), set_or_not (self->client_secret));
      }
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append_printf (out, _("Patients: %s\n"),
                          self->patient_scope != NULL ? self->patient_scope : _("all"));
  types = g_strjoinv (", ", (char **) chevet_server_settings_get_resource_types (self));
  g_string_append_printf (out, _("Resource types: %s\n"), types);
  g_string_append_printf (out, "%s\n", self->send_audit
                          ? _("Audit trail: sent to the server when it accepts AuditEvent")
                          : _("Audit trail: not sent to the server"));
  return g_string_free (out, FALSE);
}
