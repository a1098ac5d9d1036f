/* chevet-import.h: FHIR R4 Bundles and NDJSON into the store
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_IMPORT_ERROR (chevet_import_error_quark ())

typedef enum
{
  CHEVET_IMPORT_ERROR_MALFORMED,      /* not JSON, or not the JSON shape FHIR requires */
  CHEVET_IMPORT_ERROR_MISSING,        /* a required element is absent (resourceType, id, ...) */
  CHEVET_IMPORT_ERROR_INVALID_VALUE,  /* wrong value type, impossible date, bad id */
  CHEVET_IMPORT_ERROR_UNKNOWN_TYPE,   /* not a FHIR R4 resource type */
  CHEVET_IMPORT_ERROR_TOO_LARGE,      /* a line, resource or string over the limits */
  CHEVET_IMPORT_ERROR_UNSUPPORTED,    /* a Bundle type or request we cannot apply */
  CHEVET_IMPORT_ERROR_TRAINING,       /* training data (HTEST) offered to a clinical workspace */
} ChevetImportError;

/* Limits on input, so no file can exhaust memory. */
#define CHEVET_IMPORT_MAX_RESOURCE_BYTES (64 * 1024 * 1024)  /* one NDJSON line or resource */
#define CHEVET_IMPORT_MAX_STRING_BYTES   (16 * 1024 * 1024)  /* one JSON string value */

struct _ChevetImportStats
{
  guint64 read;       /* resources read from the input */
  guint64 created;    /* new (type, id) in the store */
  guint64 updated;    /* a newer version replaced an older one */
  guint64 unchanged;  /* the same version was already there */
  guint64 older;      /* an older version, ignored: the store keeps the newer one */
  guint64 deleted;    /* DELETE entries applied */
  guint64 skipped;    /* entries without a resource to keep (search outcomes) */
};

typedef void (*ChevetImportProgress) (guint64  resources_read,
                                      guint64  bytes_read,
                                      gpointer user_data);

GQuark   chevet_import_error_quark (void);

/* One file: a Bundle or a single resource (JSON), or NDJSON (one resource per line,
 * streamed). The whole file is one transaction: it imports whole or not at all. Errors
 * name the file and the line or entry. @stats may be NULL. */
gboolean chevet_store_import_file  (ChevetStore          *store,
                                    GFile                *file,
                                    ChevetImportStats    *stats,
                                    ChevetImportProgress  progress,
                                    gpointer              user_data,
                                    GCancellable         *cancellable,
                                    GError              **error);

/* The same from memory; @origin names the data in error messages. */
gboolean chevet_store_import_data  (ChevetStore          *store,
                                    const char           *data,
                                    gssize                length,
                                    const char           *origin,
                                    ChevetImportStats    *stats,
                                    GError              **error);

G_END_DECLS
