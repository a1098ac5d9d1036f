/* chevet-chart-format.h: how chart facts read on screen: dates, values, flags, codings
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "chevet-types.h"

G_BEGIN_DECLS

/* A FHIR date or dateTime in the locale ("%x"), to the precision recorded: a year, a
 * month and year, a day, or a day and time when @with_time. NULL for NULL. */
char       *chevet_chart_format_date         (const char      *date,
                                              gboolean         with_time);
/* "3/1/2024 – 3/9/2024", "Since 3/1/2024", or NULL when neither is known. */
char       *chevet_chart_format_period       (const char      *start,
                                              const char      *end,
                                              gboolean         with_time);
/* chevet_chart_item_format_value() with the locale's decimal separator. */
char       *chevet_chart_format_value        (ChevetChartItem *item);
/* A unit as people write it: UCUM's "Cel" reads "°C", "kg/m2" reads "kg/m²". NULL for
 * NULL or empty. */
const char *chevet_chart_format_unit         (const char      *unit);
/* An interpretation flag (H, L, HH, LL, A, AA, ...) as words, NULL for none or normal. When
 * not NULL, @icon_name and @css_class (both may be NULL) say how to mark it: an icon
 * and "warning" or "error". */
const char *chevet_chart_describe_flag       (const char      *flag,
                                              const char     **icon_name,
                                              const char     **css_class);
/* An allergy's criticality (high, low, unable-to-assess) as words, NULL when unrecorded. */
const char *chevet_chart_describe_criticality (const char    *criticality);
/* TRUE for a flag that says abnormal (anything but NULL, "" and N). */
gboolean    chevet_chart_flag_is_abnormal    (const char      *flag);
/* A code system URI as clinicians name it: "SNOMED CT", "ICD-10", "LOINC"; else the URI. */
const char *chevet_chart_system_name         (const char      *system);
/* The "system|code|display" lines of an item as "SNOMED CT 38341003 · ICD-10 I10". */
char       *chevet_chart_format_codes        (const char      *codes);
/* A status code (FHIR, lowercase with hyphens) as words: "entered-in-error" reads
 * "Entered in error". */
char       *chevet_chart_format_status       (const char      *status);
/* Joins the @n strings that follow, skipping NULL and empty ones, with " · "; NULL when
 * none is left. */
char       *chevet_chart_join                (guint            n,
                                              ...);

G_END_DECLS
