/* chevet-generator.h: deterministic synthetic rural clinic, as FHIR R4 NDJSON
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_GENERATOR (chevet_generator_get_type ())
G_DECLARE_FINAL_TYPE (ChevetGenerator, chevet_generator, CHEVET, GENERATOR, GObject)

/* Called every few patients with the number written so far. */
typedef void (*ChevetGeneratorProgress) (guint    patients_done,
                                         guint    patients_total,
                                         gpointer user_data);

/* Same seed and same reference date: the same bytes. Clinical dates are laid out
 * backwards from @reference_date (a local date, YYYY-MM-DD), so the data never look
 * stale; NULL means today. */
ChevetGenerator *chevet_generator_new          (guint64       seed,
                                                const char   *reference_date);

/* Only Patient resources (and the clinic): for search benchmarks at scale. */
void             chevet_generator_set_patients_only (ChevetGenerator *self,
                                                     gboolean         patients_only);

/* The training clinic: every resource carries the HTEST tag (chevet-fhir.h), which a
 * clinical workspace refuses to import. */
void             chevet_generator_set_training (ChevetGenerator *self,
                                                gboolean         training);

/* Writes the clinic (Organization, Practitioners) then, patient after patient, each
 * Patient followed by its chart resources, one resource per line. Memory stays flat. */
gboolean         chevet_generator_write_ndjson (ChevetGenerator         *self,
                                                guint                    n_patients,
                                                GOutputStream           *out,
                                                ChevetGeneratorProgress  progress,
                                                gpointer                 user_data,
                                                GCancellable            *cancellable,
                                                GError                 **error);

/* Resources written by the last call, per type: (char *type) -> GUINT_TO_POINTER (n). */
GHashTable      *chevet_generator_get_counts   (ChevetGenerator         *self);

/* Every family and given name a generated patient can have, whatever the seed: what
 * the privacy check of the test logs looks for (tests/privacy-check.c). */
GStrv            chevet_generator_dup_family_names (void);
GStrv            chevet_generator_dup_given_names  (void);

G_END_DECLS
