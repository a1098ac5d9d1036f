/* chevet-server-settings.h: the FHIR server this workspace syncs with, kept in the encrypted store
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One ChevetServerSettings per workspace, saved as rows "server.*" of the store's `meta`
 * table, so the token and the client secret exist only inside the SQLCipher database:
 * never in GSettings, on a command line, in a log line or in an error message.
 *
 * Typical use (the sync engine, on its own connection):
 *
 *   g_autoptr(ChevetServerSettings) s = chevet_server_settings_load (store, &error);
 *   if (s == NULL && error == NULL)  -> not configured yet
 *   chevet_server_settings_validate (s, &error);   // re-check before connecting
 *
 * and the preferences UI: _new() or _load(), the setters, then _save(), which validates
 * first and writes nothing when a field is wrong (the error code says which field).
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_SERVER_SETTINGS_ERROR (chevet_server_settings_error_quark ())

/* One code per field, so a form can point at the field at fault. Messages are translated,
 * name the field and never contain a token, a secret or the URL itself. */
typedef enum
{
  CHEVET_SERVER_SETTINGS_ERROR_URL,            /* base URL missing, not https, user:password, fragment */
  CHEVET_SERVER_SETTINGS_ERROR_CA,             /* clinic CA bundle: no certificate, or a private key in it */
  CHEVET_SERVER_SETTINGS_ERROR_TOKEN,          /* bearer token empty or not a valid header value */
  CHEVET_SERVER_SETTINGS_ERROR_TOKEN_URL,      /* OAuth token URL: same rules as the base URL */
  CHEVET_SERVER_SETTINGS_ERROR_CLIENT_ID,      /* client id empty or with control characters */
  CHEVET_SERVER_SETTINGS_ERROR_CLIENT_SECRET,  /* client secret empty or with control characters */
  CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE,  /* patient search unreadable or with a forbidden parameter */
  CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES, /* unknown or unsupported type, or Patient left out */
  CHEVET_SERVER_SETTINGS_ERROR_DAMAGED,        /* what is stored cannot be read back */
} ChevetServerSettingsError;

typedef enum
{
  CHEVET_SERVER_AUTH_NONE,
  CHEVET_SERVER_AUTH_BEARER,              /* a fixed token: "Authorization: Bearer <token>" */
  CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS,  /* OAuth 2.0 client credentials at the token URL */
} ChevetServerAuth;

#define CHEVET_TYPE_SERVER_SETTINGS (chevet_server_settings_get_type ())

GType                 chevet_server_settings_get_type        (void) G_GNUC_CONST;
GQuark                chevet_server_settings_error_quark     (void);

/* The types synced when none are chosen: every type the chart projects (Patient,
 * AllergyIntolerance, Condition, MedicationRequest, MedicationStatement, Observation,
 * Encounter, Immunization, Procedure, DiagnosticReport, DocumentReference, Composition). */
const char * const   *chevet_server_settings_default_resource_types   (void);
/* What may be chosen: the defaults plus the types chart resources refer to and the
 * store keeps verbatim (Organization, Practitioner, PractitionerRole, Location,
 * Medication). Anything else is refused. */
const char * const   *chevet_server_settings_supported_resource_types (void);

ChevetServerSettings *chevet_server_settings_new             (void);
ChevetServerSettings *chevet_server_settings_copy            (const ChevetServerSettings *self);
/* Wipes the secrets before freeing. */
void                  chevet_server_settings_free            (ChevetServerSettings *self);

/* The FHIR base URL, e.g. https://fhir.example.org/r4 (saved without a trailing "/"). */
const char           *chevet_server_settings_get_base_url    (const ChevetServerSettings *self);
void                  chevet_server_settings_set_base_url    (ChevetServerSettings *self,
                                                              const char           *url);
/* Plain http:// is refused unless this development flag is set AND the host is a
 * loopback address (127.0.0.0/8, ::1, localhost). It is saved, so the sync engine can
 * check it again before it connects. */
gboolean              chevet_server_settings_get_allow_http_loopback (const ChevetServerSettings *self);
void                  chevet_server_settings_set_allow_http_loopback (ChevetServerSettings *self,
                                                                      gboolean              allow);

/* The clinic's CA bundle as PEM text (NULL: the system's trusted CAs). It must hold at
 * least one certificate and no private key. The sync engine writes it to a file and
 * trusts it with g_tls_file_database_new (absolute path). */
const char           *chevet_server_settings_get_ca_pem      (const ChevetServerSettings *self);
void                  chevet_server_settings_set_ca_pem      (ChevetServerSettings *self,
                                                              const char           *pem);
/* The number of certificates in @pem, or 0 with @error set (CHEVET_SERVER_SETTINGS_ERROR_CA). */
guint                 chevet_server_settings_count_certificates (const char  *pem,
                                                                 GError     **error);

ChevetServerAuth      chevet_server_settings_get_auth        (const ChevetServerSettings *self);
void                  chevet_server_settings_set_auth_none   (ChevetServerSettings *self);
void                  chevet_server_settings_set_auth_bearer (ChevetServerSettings *self,
                                                              const char           *token);
void                  chevet_server_settings_set_auth_client_credentials (ChevetServerSettings *self,
                                                                          const char           *token_url,
                                                                          const char           *client_id,
                                                                          const char           *client_secret);
/* Secrets: for the sync engine only. Never log or display them; show
 * chevet_server_settings_describe() instead. NULL when the auth kind has none. */
const char           *chevet_server_settings_get_token       (const ChevetServerSettings *self);
const char           *chevet_server_settings_get_client_secret (const ChevetServerSettings *self);
const char           *chevet_server_settings_get_token_url   (const ChevetServerSettings *self);
const char           *chevet_server_settings_get_client_id   (const ChevetServerSettings *self);

/* The patients to sync, as a FHIR search on Patient without the "?": e.g.
 * "organization=Organization/123" or "_tag=http://clinic.example|ward-2". NULL or empty
 * means every patient the server gives. Paging and format parameters (_count, _format,
 * _summary, _elements, _offset, _page, _getpages, _getpagesoffset, _bundletype,
 * _include, _revinclude, _contained, _total) are the sync engine's, and refused. */
const char           *chevet_server_settings_get_patient_scope (const ChevetServerSettings *self);
void                  chevet_server_settings_set_patient_scope (ChevetServerSettings *self,
                                                                const char           *query);

/* The resource types to sync (NULL-terminated, never NULL: the defaults when unset). */
const char * const   *chevet_server_settings_get_resource_types (const ChevetServerSettings *self);
/* NULL resets to the defaults. Duplicates are dropped. */
void                  chevet_server_settings_set_resource_types (ChevetServerSettings *self,
                                                                 const char * const   *types);

/* Whether sync sends the audit trail (FHIR AuditEvent) to the server, when its
 * CapabilityStatement allows creating AuditEvents. On by default. */
gboolean              chevet_server_settings_get_send_audit  (const ChevetServerSettings *self);
void                  chevet_server_settings_set_send_audit  (ChevetServerSettings *self,
                                                              gboolean              send);

/* Checks every field; the first wrong one sets @error. */
gboolean              chevet_server_settings_validate        (const ChevetServerSettings *self,
                                                              GError                    **error);

/* NULL without @error when the workspace has no server yet. */
ChevetServerSettings *chevet_server_settings_load            (ChevetStore          *store,
                                                              GError              **error);
/* Administrators only (CHEVET_STORE_ERROR_NOT_ALLOWED, asked of the database now, the
 * refusal recorded); validates, then replaces the saved settings in one transaction. */
gboolean              chevet_server_settings_save            (const ChevetServerSettings *self,
                                                              ChevetStore                *store,
                                                              GError                    **error);

/* A few translated lines for people, secrets shown only as "set" / "not set". */
char                 *chevet_server_settings_describe        (const ChevetServerSettings *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetServerSettings, chevet_server_settings_free)

G_END_DECLS
