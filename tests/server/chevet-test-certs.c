/* chevet-test-certs.c: a throw-away CA and server certificates for TLS tests, made with GnuTLS
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "chevet-test-certs"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "chevet-test-certs.h"

#define DAY (24 * 60 * 60)

/* One certificate and its key; the issuer is another Cert or itself. */
typedef struct {
  gnutls_x509_crt_t      crt;
  gnutls_x509_privkey_t  key;
} Cert;

static void
cert_clear (Cert *c)
{
  if (c->crt != NULL)
    gnutls_x509_crt_deinit (c->crt);
  if (c->key != NULL)
    gnutls_x509_privkey_deinit (c->key);
  c->crt = NULL;
  c->key = NULL;
}

static gboolean
check (int         ret,
       const char *what,
       GError    **error)
{
  if (ret >= 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GnuTLS %s: %s", what,
               gnutls_strerror (ret));
  return FALSE;
}

/* Creates @c with a new key, @cn as subject and the validity [@not_before, @not_after].
 * @names (NULL-terminated, may be NULL) go to subjectAltName: dotted quads as IP
 * addresses, everything else as DNS names. @issuer NULL means self-signed CA. */
static gboolean
cert_make (Cert        *c,
           const char  *cn,
           const char **names,
           time_t       not_before,
           time_t       not_after,
           Cert        *issuer,
           GError     **error)
{
  guchar serial[16];
  guchar key_id[64];
  size_t key_id_len = sizeof key_id;
  gboolean is_ca = issuer == NULL;

  if (!check (gnutls_x509_privkey_init (&c->key), "privkey_init", error)
      || !check (gnutls_x509_privkey_generate (c->key, GNUTLS_PK_ECDSA,
                                               GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                 "privkey_generate", error)
      || !check (gnutls_x509_crt_init (&c->crt), "crt_init", error)
      || !check (gnutls_x509_crt_set_version (c->crt, 3), "set_version", error)
      || !check (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), "rnd", error))
    return FALSE;

  serial[0] &= 0x7f;  /* a positive serial number */
  if (!check (gnutls_x509_crt_set_serial (c->crt, serial, sizeof serial), "set_serial", error)
      || !check (gnutls_x509_crt_set_activation_time (c->crt, not_before), "activation", error)
      || !check (gnutls_x509_crt_set_expiration_time (c->crt, not_after), "expiration", error)
      || !check (gnutls_x509_crt_set_dn_by_oid (c->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                                strlen (cn)), "set_dn", error)
      || !check (gnutls_x509_crt_set_key (c->crt, c->key), "set_key", error)
      || !check (gnutls_x509_crt_set_basic_constraints (c->crt, is_ca, -1), "basic_constraints",
                 error)
      || !check (gnutls_x509_crt_set_key_usage (c->crt, is_ca
                                                ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
                                                : GNUTLS_KEY_DIGITAL_SIGNATURE),
                 "key_usage", error)
      || !check (gnutls_x509_crt_get_key_id (c->crt, 0, key_id, &key_id_len), "get_key_id", error)
      || !check (gnutls_x509_crt_set_subject_key_id (c->crt, key_id, key_id_len),
                 "subject_key_id", error))
    return FALSE;

  if (!is_ca
      && !check (gnutls_x509_crt_set_key_purpose_oid (c->crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                 "key_purpose", error))
    return FALSE;

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      guchar ip[4];
      int ret;

      if (sscanf (names[i], "%hhu.%hhu.%hhu.%hhu", &ip[0], &ip[1], &ip[2], &ip[3]) == 4)
        ret = gnutls_x509_crt_set_subject_alt_name (c->crt, GNUTLS_SAN_IPADDRESS, ip, sizeof ip,
                                                    GNUTLS_FSAN_APPEND);
      else
        ret = gnutls_x509_crt_set_subject_alt_name (c->crt, GNUTLS_SAN_DNSNAME, names[i],
                                                    strlen (names[i]), GNUTLS_FSAN_APPEND);
      if (!check (ret, "subject_alt_name", error))
        return FALSE;
    }

  if (is_ca)
    return check (gnutls_x509_crt_sign2 (c->crt, c->crt, c->key, GNUTLS_DIG_SHA256, 0),
                  "sign", error);
  return check (gnutls_x509_crt_sign2 (c->crt, issuer->crt, issuer->key, GNUTLS_DIG_SHA256, 0),
                "sign", error);
}

static gboolean
write_datum (const char      *path,
             gnutls_datum_t  *d,
             int              mode,
             GError         **error)
{
  gboolean ok = g_file_set_contents_full (path, (const char *) d->data, d->size,
                                          G_FILE_SET_CONTENTS_CONSISTENT, mode, error);

  gnutls_free (d->data);
  d->data = NULL;
  return ok;
}

/* Writes @c's certificate to @cert_path and, if @key_path is not NULL, its key (PKCS#8,
 * which GIO reads whatever the key type). */
static gboolean
cert_save (Cert        *c,
           const char  *cert_path,
           const char  *key_path,
           GError     **error)
{
  gnutls_datum_t d = { NULL, 0 };

  if (!check (gnutls_x509_crt_export2 (c->crt, GNUTLS_X509_FMT_PEM, &d), "crt_export", error)
      || !write_datum (cert_path, &d, 0644, error))
    return FALSE;
  if (key_path == NULL)
    return TRUE;
  if (!check (gnutls_x509_privkey_export2_pkcs8 (c->key, GNUTLS_X509_FMT_PEM, NULL,
                                                 GNUTLS_PKCS_PLAIN, &d), "key_export", error))
    return FALSE;
  return write_datum (key_path, &d, 0600, error);
}

void
chevet_test_certs_free (ChevetTestCerts *certs)
{
  if (certs == NULL)
    return;
  g_free (certs->dir);
  g_free (certs->ca_file);
  for (guint i = 0; i < CHEVET_TEST_N_CERTS; i++)
    {
      g_free (certs->cert_file[i]);
      g_free (certs->key_file[i]);
    }
  g_free (certs);
}

ChevetTestCerts *
chevet_test_certs_generate (const char  *dir,
                            GError     **error)
{
  static const char * const file_names[CHEVET_TEST_N_CERTS] = {
    "server", "expired", "wrong-host", "unknown-ca",
  };
  const char *loopback[] = { "127.0.0.1", "localhost", NULL };
  const char *wrong[] = { "other.invalid", NULL };
  g_autoptr(ChevetTestCerts) certs = g_new0 (ChevetTestCerts, 1);
  g_autofree char *other_ca_file = NULL;
  Cert ca = { NULL, NULL }, other_ca = { NULL, NULL }, leaf[CHEVET_TEST_N_CERTS];
  time_t now = time (NULL);
  gboolean ok = FALSE;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  memset (leaf, 0, sizeof leaf);
  certs->dir = g_canonicalize_filename (dir, NULL);
  if (g_mkdir_with_parents (certs->dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", certs->dir, g_strerror (saved));
      return NULL;
    }
  certs->ca_file = g_build_filename (certs->dir, "ca.pem", NULL);
  other_ca_file = g_build_filename (certs->dir, "unknown-ca.pem", NULL);
  for (guint i = 0; i < CHEVET_TEST_N_CERTS; i++)
    {
      g_autofree char *c = g_strdup_printf ("%s-cert.pem", file_names[i]);
      g_autofree char *k = g_strdup_printf ("%s-key.pem", file_names[i]);

      certs->cert_file[i] = g_build_filename (certs->dir, c, NULL);
      certs->key_file[i] = g_build_filename (certs->dir, k, NULL);
    }

  if (!cert_make (&ca, "Chevet test CA", NULL, now - DAY, now + 365 * DAY, NULL, error)
      || !cert_make (&other_ca, "Unknown test CA", NULL, now - DAY, now + 365 * DAY, NULL, error)
      || !cert_make (&leaf[CHEVET_TEST_CERT_VALID], "127.0.0.1", loopback,
                     now - 3600, now + 30 * DAY, &ca, error)
      || !cert_make (&leaf[CHEVET_TEST_CERT_EXPIRED], "127.0.0.1", loopback,
                     now - 30 * DAY, now - DAY, &ca, error)
      || !cert_make (&leaf[CHEVET_TEST_CERT_WRONG_HOST], "other.invalid", wrong,
                     now - 3600, now + 30 * DAY, &ca, error)
      || !cert_make (&leaf[CHEVET_TEST_CERT_UNKNOWN_CA], "127.0.0.1", loopback,
                     now - 3600, now + 30 * DAY, &other_ca, error))
    goto out;

  if (!cert_save (&ca, certs->ca_file, NULL, error)
      || !cert_save (&other_ca, other_ca_file, NULL, error))
    goto out;
  for (guint i = 0; i < CHEVET_TEST_N_CERTS; i++)
    if (!cert_save (&leaf[i], certs->cert_file[i], certs->key_file[i], error))
      goto out;
  ok = TRUE;

out:
  cert_clear (&ca);
  cert_clear (&other_ca);
  for (guint i = 0; i < CHEVET_TEST_N_CERTS; i++)
    cert_clear (&leaf[i]);
  return ok ? g_steal_pointer (&certs) : NULL;
}
