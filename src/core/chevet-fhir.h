/* chevet-fhir.h: small FHIR R4 helpers: resource types, ids, dates, references, text folding
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean  chevet_fhir_is_resource_type (const char *type);
gboolean  chevet_fhir_is_valid_id      (const char *id);
/* FHIR date (YYYY, YYYY-MM, YYYY-MM-DD), dateTime or instant: real calendar dates only. */
gboolean  chevet_fhir_is_valid_date    (const char *value);
/* Splits "Patient/123", "https://x/fhir/Patient/123" or "Patient/123/_history/2" into
 * type and id (both newly allocated). FALSE for other references (#contained, urn:...). */
gboolean  chevet_fhir_parse_reference  (const char *reference,
                                        char      **type,
                                        char      **id);
/* Compares two FHIR instants or dateTimes in time (time zones honoured). */
int       chevet_fhir_compare_instants (const char *a,
                                        const char *b);
/* Compares versionIds: numerically when both are whole numbers, else as strings. */
int       chevet_fhir_compare_versions (const char *a,
                                        const char *b);
/* Case- and accent-insensitive form for search: NFKD, combining marks dropped, casefolded. */
char     *chevet_fhir_fold             (const char *text);

/* The v3 Confidentiality codes of meta.security, least to most restrictive: U, L, M, N,
 * R (restricted), V (very restricted). The code system is
 * http://terminology.hl7.org/CodeSystem/v3-Confidentiality, or its older URI
 * http://hl7.org/fhir/v3/Confidentiality (DSTU2 and early R4 servers still send it).
 * Returns the rank (1 for U ... 6 for V) of one label, 0 when it is not one of them. */
int       chevet_fhir_confidentiality_rank (const char *system,
                                            const char *code);
/* TRUE for R and V: the chart is opened only with a reason (break-the-glass). */
gboolean  chevet_fhir_confidentiality_is_restricted (const char *code);

/* The tag the training workspace's data carry: HL7 v3 ActReason HTEST, "test health
 * data". */
#define CHEVET_FHIR_TRAINING_TAG_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ActReason"
#define CHEVET_FHIR_TRAINING_TAG_CODE   "HTEST"
/* TRUE when @resource's meta.tag (or meta.security) holds that code. */
gboolean     chevet_fhir_is_training_data          (JsonObject  *resource);

G_END_DECLS
