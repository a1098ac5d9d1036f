/* chevet-test-certs.h: a throw-away CA and server certificates for TLS tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which server certificate a test server presents. All are ECDSA P-256. */
typedef enum {
  CHEVET_TEST_CERT_VALID,       /* 127.0.0.1 and localhost, signed by the test CA, valid now */
  CHEVET_TEST_CERT_EXPIRED,     /* the same names and CA, expired yesterday */
  CHEVET_TEST_CERT_WRONG_HOST,  /* only "other.invalid", signed by the test CA */
  CHEVET_TEST_CERT_UNKNOWN_CA,  /* 127.0.0.1 and localhost, signed by a second CA nobody trusts */
  CHEVET_TEST_N_CERTS
} ChevetTestCertKind;

typedef struct {
  char *dir;                             /* absolute */
  char *ca_file;                         /* the CA clients trust: <dir>/ca.pem */
  char *cert_file[CHEVET_TEST_N_CERTS];  /* PEM certificate, absolute path */
  char *key_file[CHEVET_TEST_N_CERTS];   /* PEM PKCS#8 key, absolute path */
} ChevetTestCerts;

/* Creates @dir (0700) if needed and writes a fresh CA, a second unknown CA and one
 * certificate per ChevetTestCertKind into it. Every path returned is absolute (a
 * relative path breaks GTlsFileDatabase). Takes a few milliseconds. */
ChevetTestCerts *chevet_test_certs_generate (const char       *dir,
                                             GError          **error);
void             chevet_test_certs_free     (ChevetTestCerts  *certs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetTestCerts, chevet_test_certs_free)

G_END_DECLS
