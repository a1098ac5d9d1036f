/* chevet-chart.h: one patient's chart, read from the store's projection tables
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "chevet-types.h"

G_BEGIN_DECLS

/* One line of a chart section. Any string may be NULL. Dates are FHIR dates or
 * dateTimes as recorded (YYYY, YYYY-MM-DD or full ISO 8601). */
struct _ChevetChartItem
{
  char    *type;        /* resource type: Condition, Observation, ... */
  char    *id;          /* resource id */
  char    *code;        /* main code, e.g. a SNOMED CT or LOINC code */
  char    *system;      /* its code system URI */
  char    *display;     /* what to show: code display or text */
  char    *status;      /* clinical, verification or workflow status */
  char    *category;    /* vital-signs, laboratory, encounter class, ... */
  char    *date;        /* onset, authoredOn, effective, period start, occurrence */
  char    *end_date;    /* abatement, period end */
  char    *value;       /* "140/90 mmHg", "7.2 %", dose text, ... */
  char    *unit;
  char    *detail;      /* reaction, route, reason, location, ... */
  char    *flag;        /* interpretation (H, L, HH, LL, A) or criticality / severity */
  char    *range;       /* reference range as text, "4.0–6.0 %" */
  char    *encounter;   /* id of the Encounter it belongs to */
  char    *codes;       /* every coding, one per line: "system|code|display" */
  char    *extra;       /* note or report text, prescriber, location, ... */
  double   number;      /* numeric value when has_number */
  double   low;         /* reference range bounds when has_low / has_high */
  double   high;
  gboolean has_number;
  gboolean has_low;
  gboolean has_high;
  /* Written on this workstation and not yet on the server (see chevet-outbox.h). */
  gboolean pending;
  /* ... and the server has another version: a person must choose (outbox conflict). */
  gboolean conflict;
  /* Components (blood pressure: systolic, diastolic), ChevetChartItem; may be NULL. */
  GPtrArray *components;
};

struct _ChevetChart
{
  ChevetPatient *patient;
  /* GPtrArray of ChevetChartItem, most recent first. */
  GPtrArray *allergies;
  GPtrArray *conditions;
  GPtrArray *medications;
  GPtrArray *vitals;        /* latest value per code */
  GPtrArray *labs;          /* latest value per code */
  GPtrArray *encounters;
  GPtrArray *immunizations;
  GPtrArray *procedures;
  GPtrArray *reports;
  GPtrArray *documents;     /* notes: DocumentReference with inline text, Composition */
  /* TRUE when an AllergyIntolerance says "no known allergies" (as opposed to none recorded). */
  gboolean   no_known_allergies;
};

ChevetChart *chevet_store_read_chart        (ChevetStore   *store,
                                             const char    *patient_id,
                                             GError       **error);
/* All values of one code for a patient, oldest first, for trends. */
GPtrArray   *chevet_store_read_observations (ChevetStore   *store,
                                             const char    *patient_id,
                                             const char    *code,
                                             GError       **error);
ChevetChartItem *chevet_chart_item_new       (void);
void         chevet_chart_free              (ChevetChart   *chart);
/* The value as a person reads it: numbers rounded to what was measured, blood
 * pressure as systolic/diastolic. Without the unit. */
char        *chevet_chart_item_format_value (ChevetChartItem *item);
void         chevet_chart_item_free         (ChevetChartItem *item);
/* One resource's JSON read as the chart would show it, without a store (chevet-projection.c):
 * the outbox's conflict view. @version_id and @last_updated (may be NULL) receive its meta,
 * NULL when absent. NULL with @error when it is not a resource the chart shows. */
ChevetChartItem *chevet_chart_item_new_from_json (const char  *json,
                                                  char       **version_id,
                                                  char       **last_updated,
                                                  GError     **error);
/* A plain-text summary: banner, allergies, problems, medications, latest vitals and
 * labs, encounters. Translated. */
char        *chevet_chart_to_text           (ChevetChart   *chart,
                                             GDateTime     *now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetChart, chevet_chart_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetChartItem, chevet_chart_item_free)

G_END_DECLS
