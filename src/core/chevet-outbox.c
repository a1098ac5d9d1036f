/* chevet-outbox.c: notes and vital signs written offline, waiting to be sent to the server
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The resources are written here as JSON text by a small writer of our own, so decimals
 * are exactly what was measured ("38.5", never "38.500000000000001") and always use a "."
 * whatever the locale. Each one goes into the chart through chevet_import_put_resource,
 * the path an imported resource takes, so the projections are never duplicated here.
 * Nothing written to a log line or an error message holds note text or patient data:
 * only resource ids, item numbers and counts.
 */
#define G_LOG_DOMAIN "chevet-outbox"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "chevet-fhir.h"
#include "chevet-audit.h"
#include "chevet-outbox.h"
#include "chevet-store-private.h"

G_DEFINE_QUARK (chevet-outbox-error-quark, chevet_outbox_error)

#define LOCAL_ID_PREFIX   "local-"
#define MAX_NOTE_BYTES    (1024 * 1024)
#define MAX_ERROR_CHARS   500
#define FUTURE_TOLERANCE  (5 * G_TIME_SPAN_MINUTE)

#define LOINC "http://loinc.org"
#define UCUM  "http://unitsofmeasure.org"
#define VITALSIGNS_PROFILE "http://hl7.org/fhir/StructureDefinition/vitalsigns"

typedef struct
{
  const char        *name;     /* N_() */
  const char        *unit;     /* as people write it, also valueQuantity.unit */
  const char        *ucum;     /* valueQuantity.code */
  const char        *loinc;
  const char        *loinc_display;
  const char        *profile;  /* NULL for the two halves of blood pressure */
  int                decimals; /* written with at most this many */
  ChevetVitalLimits  limits;
} VitalInfo;

static const VitalInfo vital_info[CHEVET_VITAL_N_KINDS] = {
  [CHEVET_VITAL_SYSTOLIC] = { N_("Systolic blood pressure"), "mmHg", "mm[Hg]", "8480-6",
                              "Systolic blood pressure", NULL, 1, { 20, 300, 70, 220 } },
  [CHEVET_VITAL_DIASTOLIC] = { N_("Diastolic blood pressure"), "mmHg", "mm[Hg]", "8462-4",
                               "Diastolic blood pressure", NULL, 1, { 10, 200, 40, 130 } },
  [CHEVET_VITAL_HEART_RATE] = { N_("Heart rate"), "/min", "/min", "8867-4", "Heart rate",
                                "http://hl7.org/fhir/StructureDefinition/heartrate", 1,
                                { 15, 300, 40, 180 } },
  [CHEVET_VITAL_RESP_RATE] = { N_("Respiratory rate"), "/min", "/min", "9279-1", "Respiratory rate",
                               "http://hl7.org/fhir/StructureDefinition/resprate", 1,
                               { 3, 100, 8, 60 } },
  [CHEVET_VITAL_TEMPERATURE] = { N_("Temperature"), "°C", "Cel", "8310-5", "Body temperature",
                                 "http://hl7.org/fhir/StructureDefinition/bodytemp", 2,
                                 { 25, 45, 35, 40.5 } },
  [CHEVET_VITAL_SPO2] = { N_("Oxygen saturation"), "%", "%", "59408-5",
                          "Oxygen saturation in Arterial blood by Pulse oximetry",
                          "http://hl7.org/fhir/StructureDefinition/oxygensat", 1,
                          { 30, 100, 90, 100 } },
  [CHEVET_VITAL_WEIGHT] = { N_("Weight"), "kg", "kg", "29463-7", "Body weight",
                            "http://hl7.org/fhir/StructureDefinition/bodyweight", 3,
                            { 0.2, 650, 1, 250 } },
  [CHEVET_VITAL_HEIGHT] = { N_("Height"), "cm", "cm", "8302-2", "Body height",
                            "http://hl7.org/fhir/StructureDefinition/bodyheight", 1,
                            { 20, 275, 40, 220 } },
};

const ChevetVitalLimits *
chevet_vital_get_limits (ChevetVital kind)
{
  g_return_val_if_fail (kind < CHEVET_VITAL_N_KINDS, NULL);
  return &vital_info[kind].limits;
}

const char *
chevet_vital_get_name (ChevetVital kind)
{
  g_return_val_if_fail (kind < CHEVET_VITAL_N_KINDS, NULL);
  return _(vital_info[kind].name);
}

const char *
chevet_vital_get_unit (ChevetVital kind)
{
  g_return_val_if_fail (kind < CHEVET_VITAL_N_KINDS, NULL);
  return vital_info[kind].unit;
}

/* ------------------------------------------------------------------ numbers */

/* @v with at most @decimals decimals, trailing zeros dropped, "." as separator. */
static char *
format_decimal (double v,
                int    decimals)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char fmt[8];
  char *s, *end;

  g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
  s = g_strdup (g_ascii_formatd (buf, sizeof buf, fmt, v));
  if (strchr (s, '.') != NULL)
    {
      end = s + strlen (s) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  if (g_str_equal (s, "-0"))
    {
      g_free (s);
      s = g_strdup ("0");
    }
  return s;
}

/* The same for people: the locale's decimal separator. */
static char *
format_for_people (double v,
                   int    decimals)
{
  g_autofree char *s = format_decimal (v, decimals);
  const char *point = localeconv ()->decimal_point;
  GString *out;

  if (point == NULL || g_str_equal (point, "."))
    return g_steal_pointer (&s);
  out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    {
      if (*p == '.')
        g_string_append (out, point);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ vitals */

ChevetVitals *
chevet_vitals_new (void)
{
  return g_new0 (ChevetVitals, 1);
}

ChevetVitals *
chevet_vitals_copy (const ChevetVitals *vitals)
{
  ChevetVitals *copy;

  g_return_val_if_fail (vitals != NULL, NULL);

  copy = g_memdup2 (vitals, sizeof *vitals);
  if (copy->effective != NULL)
    g_date_time_ref (copy->effective);
  return copy;
}

void
chevet_vitals_free (ChevetVitals *vitals)
{
  if (vitals == NULL)
    return;
  g_clear_pointer (&vitals->effective, g_date_time_unref);
  g_free (vitals);
}

void
chevet_vitals_set (ChevetVitals *vitals,
                   ChevetVital   kind,
                   double        value)
{
  g_return_if_fail (vitals != NULL);
  g_return_if_fail (kind < CHEVET_VITAL_N_KINDS);
  vitals->values[kind] = value;
  vitals->given[kind] = TRUE;
}

void
chevet_vitals_unset (ChevetVitals *vitals,
                     ChevetVital   kind)
{
  g_return_if_fail (vitals != NULL);
  g_return_if_fail (kind < CHEVET_VITAL_N_KINDS);
  vitals->values[kind] = 0;
  vitals->given[kind] = FALSE;
}

void
chevet_vitals_set_effective (ChevetVitals *vitals,
                             GDateTime    *when)
{
  g_return_if_fail (vitals != NULL);
  if (when != NULL)
    g_date_time_ref (when);
  g_clear_pointer (&vitals->effective, g_date_time_unref);
  vitals->effective = when;
}

void
chevet_vital_warning_free (ChevetVitalWarning *warning)
{
  if (warning == NULL)
    return;
  g_free (warning->message);
  g_free (warning);
}

gboolean
chevet_vitals_check (const ChevetVitals  *vitals,
                     GPtrArray          **out_warnings,
                     GError             **error)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_vital_warning_free);
  gboolean any = FALSE;

  g_return_val_if_fail (vitals != NULL, FALSE);

  for (guint k = 0; k < CHEVET_VITAL_N_KINDS; k++)
    {
      const VitalInfo *info = &vital_info[k];
      double v = vitals->values[k];

      if (!vitals->given[k])
        continue;
      any = TRUE;
      if (!isfinite (v))
        {
          /* Translators: %s is a measurement, e.g. "Heart rate" */
          g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE,
                       _("%s: not a number"), _(info->name));
          return FALSE;
        }
      if (v < info->limits.impossible_min || v > info->limits.impossible_max)
        {
          g_autofree char *value = format_for_people (v, MAX (info->decimals, 3));
          g_autofree char *min = format_for_people (info->limits.impossible_min, 1);
          g_autofree char *max = format_for_people (info->limits.impossible_max, 1);

          /* Translators: measurement, value, unit, lowest, highest, unit:
           * "Temperature: 385 °C is not possible; accepted values are 25 to 45 °C" */
          g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE,
                       _("%s: %s %s is not possible; accepted values are %s to %s %s"),
                       _(info->name), value, info->unit, min, max, info->unit);
          return FALSE;
        }
    }
  if (!any)
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("No vital sign was given"));
      return FALSE;
    }
  if (vitals->given[CHEVET_VITAL_SYSTOLIC] != vitals->given[CHEVET_VITAL_DIASTOLIC])
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("Blood pressure: give both the systolic and the diastolic pressure"));
      return FALSE;
    }
  if (vitals->given[CHEVET_VITAL_SYSTOLIC] &&
      vitals->values[CHEVET_VITAL_DIASTOLIC] >= vitals->values[CHEVET_VITAL_SYSTOLIC])
    {
      g_autofree char *sys = format_for_people (vitals->values[CHEVET_VITAL_SYSTOLIC], 1);
      g_autofree char *dia = format_for_people (vitals->values[CHEVET_VITAL_DIASTOLIC], 1);

      /* Translators: the diastolic then the systolic pressure, in mmHg */
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE,
                   _("Blood pressure: the diastolic pressure (%s mmHg) must be lower than the systolic pressure (%s mmHg)"),
                   dia, sys);
      return FALSE;
    }

  for (guint k = 0; k < CHEVET_VITAL_N_KINDS; k++)
    {
      const VitalInfo *info = &vital_info[k];
      double v = vitals->values[k];

      if (vitals->given[k] && (v < info->limits.usual_min || v > info->limits.usual_max))
        {
          g_autofree char *value = format_for_people (v, MAX (info->decimals, 3));
          g_autofree char *min = format_for_people (info->limits.usual_min, 1);
          g_autofree char *max = format_for_people (info->limits.usual_max, 1);
          ChevetVitalWarning *w = g_new0 (ChevetVitalWarning, 1);

          w->kind = k;
          /* Translators: measurement, value, unit, lowest, highest, unit:
           * "Temperature: 34 °C is unusual (usually 35 to 40.5 °C); confirm it was measured so" */
          w->message = g_strdup_printf (_("%s: %s %s is unusual (usually %s to %s %s); confirm it was measured so"),
                                        _(info->name), value, info->unit, min, max, info->unit);
          g_ptr_array_add (warnings, w);
        }
    }
  if (out_warnings != NULL)
    *out_warnings = g_steal_pointer (&warnings);
  return TRUE;
}

/* ------------------------------------------------------------------ JSON text */

static void
json_string (GString    *out,
             const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

/* "name":"value", */
static void
json_member (GString    *out,
             const char *name,
             const char *value)
{
  json_string (out, name);
  g_string_append_c (out, ':');
  json_string (out, value);
}

static void
json_coding (GString    *out,
             const char *system,
             const char *code,
             const char *display)
{
  g_string_append_c (out, '{');
  json_member (out, "system", system);
  g_string_append_c (out, ',');
  json_member (out, "code", code);
  g_string_append_c (out, ',');
  json_member (out, "display", display);
  g_string_append_c (out, '}');
}

static void
json_identifier (GString    *out,
                 const char *uuid)
{
  g_autofree char *urn = g_strconcat ("urn:uuid:", uuid, NULL);

  g_string_append (out, ",\"identifier\":[{");
  json_member (out, "system", "urn:ietf:rfc:3986");
  g_string_append_c (out, ',');
  json_member (out, "value", urn);
  g_string_append (out, "}]");
}

static void
json_reference (GString    *out,
                const char *member,
                const char *type,
                const char *id)
{
  g_autofree char *ref = g_strdup_printf ("%s/%s", type, id);

  g_string_append_c (out, ',');
  json_string (out, member);
  g_string_append (out, ":{");
  json_member (out, "reference", ref);
  g_string_append_c (out, '}');
}

static void
json_quantity (GString    *out,
               ChevetVital kind,
               double      value)
{
  const VitalInfo *info = &vital_info[kind];
  g_autofree char *number = format_decimal (value, info->decimals);

  g_string_append (out, "\"valueQuantity\":{\"value\":");
  g_string_append (out, number);
  g_string_append_c (out, ',');
  json_member (out, "unit", info->unit);
  g_string_append_c (out, ',');
  json_member (out, "system", UCUM);
  g_string_append_c (out, ',');
  json_member (out, "code", info->ucum);
  g_string_append_c (out, '}');
}

/* FHIR instants and dateTimes: seconds, and the offset of @dt. */
static char *
format_instant (GDateTime *dt)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (dt);

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
format_date_time (GDateTime *dt)
{
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S%:z");
}

/* The stored body starts with {"resourceType":"<type>"; the resource in the chart or on the
 * server adds "id" after it and, with a version, meta.versionId (into the body's meta when
 * it has one, which is then the member right after resourceType). */
static char *
compose_resource (const char *body,
                  const char *type,
                  const char *id,
                  const char *version)
{
  g_autofree char *prefix = g_strdup_printf ("{\"resourceType\":\"%s\"", type);
  static const char meta[] = ",\"meta\":{";
  GString *out = g_string_new (prefix);
  const char *rest;

  g_assert (g_str_has_prefix (body, prefix));
  rest = body + strlen (prefix);
  g_string_append (out, ",\"id\":");
  json_string (out, id);
  if (version != NULL)
    {
      g_string_append (out, meta);
      json_member (out, "versionId", version);
      if (g_str_has_prefix (rest, meta))
        {
          g_string_append_c (out, ',');
          rest += strlen (meta);
        }
      else
        g_string_append_c (out, '}');
    }
  g_string_append (out, rest);
  return g_string_free (out, FALSE);
}

static char *
build_note (const char *uuid,
            const char *patient_id,
            const char *encounter_id,
            const char *text,
            const char *author,
            GDateTime  *now)
{
  GString *out = g_string_new ("{\"resourceType\":\"DocumentReference\"");
  g_autofree char *date = format_instant (now);
  g_autofree char *data = g_base64_encode ((const guchar *) text, strlen (text));

  json_identifier (out, uuid);
  g_string_append (out, ",\"status\":\"current\",\"docStatus\":\"final\",\"type\":{\"coding\":[");
  json_coding (out, LOINC, "11506-3", "Progress note");
  g_string_append (out, "],\"text\":\"Progress note\"},\"category\":[{\"coding\":[");
  json_coding (out, "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
               "clinical-note", "Clinical Note");
  g_string_append (out, "]}]");
  json_reference (out, "subject", "Patient", patient_id);
  g_string_append (out, ",\"date\":");
  json_string (out, date);
  g_string_append (out, ",\"author\":[{");
  json_member (out, "display", author);
  g_string_append (out, "}],\"content\":[{\"attachment\":{");
  json_member (out, "contentType", "text/plain;charset=utf-8");
  g_string_append_c (out, ',');
  json_member (out, "data", data);
  g_string_append_c (out, ',');
  json_member (out, "creation", date);
  g_string_append (out, "}}]");
  if (encounter_id != NULL)
    {
      g_autofree char *ref = g_strdup_printf ("Encounter/%s", encounter_id);

      g_string_append (out, ",\"context\":{\"encounter\":[{");
      json_member (out, "reference", ref);
      g_string_append (out, "}]}");
    }
  g_string_append_c (out, '}');
  /* The base64 copy of the note is wiped with the rest by the caller's free. */
  return g_string_free (out, FALSE);
}

/* One vital-signs Observation: blood pressure when @kind is SYSTOLIC (a panel with both
 * pressures as components), else one measurement. */
static char *
build_observation (const char         *uuid,
                   const char         *patient_id,
                   const char         *encounter_id,
                   const ChevetVitals *vitals,
                   ChevetVital         kind,
                   const char         *author,
                   GDateTime          *effective,
                   GDateTime          *now)
{
  GString *out = g_string_new ("{\"resourceType\":\"Observation\"");
  gboolean bp = kind == CHEVET_VITAL_SYSTOLIC;
  const VitalInfo *info = &vital_info[kind];
  g_autofree char *when = format_date_time (effective);
  g_autofree char *issued = format_instant (now);

  g_string_append (out, ",\"meta\":{\"profile\":[");
  json_string (out, VITALSIGNS_PROFILE);
  g_string_append_c (out, ',');
  json_string (out, bp ? "http://hl7.org/fhir/StructureDefinition/bp" : info->profile);
  g_string_append (out, "]}");
  json_identifier (out, uuid);
  g_string_append (out, ",\"status\":\"final\",\"category\":[{\"coding\":[");
  json_coding (out, "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs",
               "Vital Signs");
  g_string_append (out, "],\"text\":\"Vital Signs\"}],\"code\":{\"coding\":[");
  if (bp)
    json_coding (out, LOINC, "85354-9", "Blood pressure panel with all children optional");
  else
    json_coding (out, LOINC, info->loinc, info->loinc_display);
  /* The R4 oxygensat profile requires 2708-6 beside the pulse oximetry code. */
  if (kind == CHEVET_VITAL_SPO2)
    {
      g_string_append_c (out, ',');
      json_coding (out, LOINC, "2708-6", "Oxygen saturation in Arterial blood");
    }
  g_string_append (out, "],");
  json_member (out, "text", bp ? "Blood pressure" : info->loinc_display);
  g_string_append_c (out, '}');
  json_reference (out, "subject", "Patient", patient_id);
  if (encounter_id != NULL)
    json_reference (out, "encounter", "Encounter", encounter_id);
  g_string_append (out, ",\"effectiveDateTime\":");
  json_string (out, when);
  g_string_append (out, ",\"issued\":");
  json_string (out, issued);
  g_string_append (out, ",\"performer\":[{");
  json_member (out, "display", author);
  g_string_append (out, "}],");
  if (bp)
    {
      ChevetVital parts[] = { CHEVET_VITAL_SYSTOLIC, CHEVET_VITAL_DIASTOLIC };

      g_string_append (out, "\"component\":[");
      for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
        {
          g_string_append (out, i > 0 ? ",{\"code\":{\"coding\":[" : "{\"code\":{\"coding\":[");
          json_coding (out, LOINC, vital_info[parts[i]].loinc, vital_info[parts[i]].loinc_display);
          g_string_append (out, "]},");
          json_quantity (out, parts[i], vitals->values[parts[i]]);
          g_string_append_c (out, '}');
        }
      g_string_append_c (out, ']');
    }
  else
    json_quantity (out, kind, vitals->values[kind]);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ items */

struct _ChevetOutboxItem
{
  GObject           parent_instance;

  gint64            seq;
  char             *uuid;
  char             *group_uuid;
  ChevetOutboxKind  kind;
  gboolean          update;
  char             *type;
  char             *local_id;
  char             *patient;
  char             *encounter;
  char             *author;
  char             *body;
  char             *base_version;
  ChevetOutboxState state;
  guint             attempts;
  char             *last_error;
  GDateTime        *created;
  GDateTime        *updated;
  char             *server_id;
  char             *server_version;
  char             *server_json;
};

G_DEFINE_FINAL_TYPE (ChevetOutboxItem, chevet_outbox_item, G_TYPE_OBJECT)

static void
chevet_outbox_item_finalize (GObject *object)
{
  ChevetOutboxItem *self = (ChevetOutboxItem *) object;

  g_free (self->uuid);
  g_free (self->group_uuid);
  g_free (self->type);
  g_free (self->local_id);
  g_free (self->patient);
  g_free (self->encounter);
  g_free (self->author);
  g_free (self->body);
  g_free (self->base_version);
  g_free (self->last_error);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->updated, g_date_time_unref);
  g_free (self->server_id);
  g_free (self->server_version);
  g_free (self->server_json);
  G_OBJECT_CLASS (chevet_outbox_item_parent_class)->finalize (object);
}

static void
chevet_outbox_item_class_init (ChevetOutboxItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_outbox_item_finalize;
}

static void
chevet_outbox_item_init (ChevetOutboxItem *self)
{
}

#define ITEM_GETTER(ret, name, field) \
  ret chevet_outbox_item_get_##name (ChevetOutboxItem *self) \
  { \
    g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (self), (ret) 0); \
    return self->field; \
  }

ITEM_GETTER (gint64, seq, seq)
ITEM_GETTER (const char *, uuid, uuid)
ITEM_GETTER (const char *, group_uuid, group_uuid)
ITEM_GETTER (ChevetOutboxKind, kind, kind)
ITEM_GETTER (ChevetOutboxState, state, state)
ITEM_GETTER (const char *, resource_type, type)
ITEM_GETTER (const char *, local_id, local_id)
ITEM_GETTER (const char *, patient_id, patient)
ITEM_GETTER (const char *, encounter_id, encounter)
ITEM_GETTER (const char *, author, author)
ITEM_GETTER (const char *, body, body)
ITEM_GETTER (const char *, base_version, base_version)
ITEM_GETTER (guint, attempts, attempts)
ITEM_GETTER (const char *, last_error, last_error)
ITEM_GETTER (GDateTime *, created, created)
ITEM_GETTER (GDateTime *, updated, updated)
ITEM_GETTER (const char *, server_id, server_id)
ITEM_GETTER (const char *, server_version, server_version)
ITEM_GETTER (const char *, server_json, server_json)

gboolean
chevet_outbox_item_is_update (ChevetOutboxItem *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (self), FALSE);
  return self->update;
}

char *
chevet_outbox_item_dup_request_body (ChevetOutboxItem *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (self), NULL);

  if (self->update && self->server_id != NULL)
    return compose_resource (self->body, self->type, self->server_id, NULL);
  return g_strdup (self->body);
}

char *
chevet_outbox_item_dup_if_none_exist (ChevetOutboxItem *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (self), NULL);
  return g_strdup_printf ("identifier=urn:ietf:rfc:3986|urn:uuid:%s", self->uuid);
}

static const char * const state_names[] = { "waiting", "sending", "sent", "conflict", "failed" };
static const char * const kind_names[] = { "note", "vitals" };

const char *
chevet_outbox_state_to_string (ChevetOutboxState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

const char *
chevet_outbox_kind_to_string (ChevetOutboxKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

static int
index_of (const char * const *names,
          guint               n,
          const char         *name)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return 0;
}

static GDateTime *
date_time_from_usec (gint64 usec)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

#define ITEM_COLUMNS \
  "seq, uuid, group_uuid, kind, operation, type, local_id, patient, encounter, author, body, " \
  "base_version, state, attempts, last_error, created_at, updated_at, server_id, " \
  "server_version, server_json"

static char *
col (sqlite3_stmt *stmt,
     int           i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

static ChevetOutboxItem *
item_from_row (sqlite3_stmt *stmt)
{
  ChevetOutboxItem *self = g_object_new (CHEVET_TYPE_OUTBOX_ITEM, NULL);
  g_autofree char *kind = col (stmt, 3);
  g_autofree char *operation = col (stmt, 4);
  g_autofree char *state = col (stmt, 12);

  self->seq = sqlite3_column_int64 (stmt, 0);
  self->uuid = col (stmt, 1);
  self->group_uuid = col (stmt, 2);
  self->kind = index_of (kind_names, G_N_ELEMENTS (kind_names), kind);
  self->update = g_strcmp0 (operation, "update") == 0;
  self->type = col (stmt, 5);
  self->local_id = col (stmt, 6);
  self->patient = col (stmt, 7);
  self->encounter = col (stmt, 8);
  self->author = col (stmt, 9);
  self->body = col (stmt, 10);
  self->base_version = col (stmt, 11);
  self->state = index_of (state_names, G_N_ELEMENTS (state_names), state);
  self->attempts = sqlite3_column_int (stmt, 13);
  self->last_error = col (stmt, 14);
  self->created = date_time_from_usec (sqlite3_column_int64 (stmt, 15));
  self->updated = date_time_from_usec (sqlite3_column_int64 (stmt, 16));
  self->server_id = col (stmt, 17);
  self->server_version = col (stmt, 18);
  self->server_json = col (stmt, 19);
  return self;
}

static ChevetOutboxItem *
load_item (ChevetStore  *store,
           gint64        seq,
           GError      **error)
{
  ChevetOutboxItem *item = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = chevet_store_prepare (store, "SELECT " ITEM_COLUMNS " FROM outbox WHERE seq = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    item = item_from_row (stmt);
  else if (rc != SQLITE_DONE)
    chevet_store_set_sql_error (store, error);
  else
    g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_NOT_FOUND,
                 _("Outbox item %lld is no longer in the outbox"), (long long) seq);
  sqlite3_reset (stmt);
  return item;
}

/* Copies the row back into the caller's snapshot. */
static gboolean
refresh_item (ChevetStore       *store,
              ChevetOutboxItem  *item,
              GError           **error)
{
  g_autoptr(ChevetOutboxItem) fresh = load_item (store, item->seq, error);

  if (fresh == NULL)
    return FALSE;
#define TAKE(field) do { g_free (item->field); item->field = g_steal_pointer (&fresh->field); } while (0)
  TAKE (body);
  TAKE (base_version);
  TAKE (last_error);
  TAKE (server_id);
  TAKE (server_version);
  TAKE (server_json);
#undef TAKE
  item->update = fresh->update;
  item->state = fresh->state;
  item->attempts = fresh->attempts;
  g_clear_pointer (&item->updated, g_date_time_unref);
  item->updated = g_steal_pointer (&fresh->updated);
  return TRUE;
}

/* ------------------------------------------------------------------ transactions */

static gboolean
begin (ChevetStore  *store,
       GError      **error)
{
  return chevet_store_exec (store, "BEGIN IMMEDIATE", error);
}

static gboolean
commit_or_rollback (ChevetStore  *store,
                    gboolean      ok,
                    GError      **error)
{
  if (ok && chevet_store_exec (store, "COMMIT", error))
    return TRUE;
  sqlite3_exec (chevet_store_get_db (store), "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
check_patient_and_encounter (ChevetStore  *store,
                             const char   *patient_id,
                             const char   *encounter_id,
                             GError      **error)
{
  sqlite3_stmt *stmt;
  gboolean found;
  int rc;

  if (patient_id == NULL || !chevet_fhir_is_valid_id (patient_id))
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("Which patient? The patient id is missing or not valid"));
      return FALSE;
    }
  stmt = chevet_store_prepare (store, "SELECT 1 FROM patients WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      /* A resource id identifies no one: it may be quoted. */
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("There is no patient with the id “%s” in this workspace"), patient_id);
      return FALSE;
    }
  if (encounter_id == NULL)
    return TRUE;
  if (!chevet_fhir_is_valid_id (encounter_id))
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("The encounter id is not valid"));
      return FALSE;
    }
  stmt = chevet_store_prepare (store,
                               "SELECT 1 FROM encounters e JOIN resources r ON r.rid = e.rid "
                               "WHERE r.type = 'Encounter' AND r.id = ? AND e.patient = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, encounter_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, patient_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  found = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return FALSE;
    }
  if (!found)
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("There is no encounter with the id “%s” for this patient"), encounter_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_author (const char  *author,
              GError     **error)
{
  if (author == NULL || *author == '\0' || !g_utf8_validate (author, -1, NULL))
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("Who wrote it? The author is missing"));
      return FALSE;
    }
  return TRUE;
}

/* Inside a transaction: the outbox row, and the local copy in the chart. Returns the seq. */
static gint64
insert_item (ChevetStore       *store,
             const char        *uuid,
             const char        *group_uuid,
             ChevetOutboxKind   kind,
             const char        *type,
             const char        *patient_id,
             const char        *encounter_id,
             const char        *author,
             const char        *body,
             gint64             now,
             GError           **error)
{
  g_autofree char *local_id = g_strconcat (LOCAL_ID_PREFIX, uuid, NULL);
  g_autofree char *local = NULL;
  sqlite3_stmt *stmt;
  gint64 seq;

  stmt = chevet_store_prepare (store,
                               "INSERT INTO outbox (uuid, group_uuid, kind, type, local_id, patient, "
                               "encounter, author, body, created_at, updated_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, group_uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, kind_names[kind], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, local_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, patient_id, -1, SQLITE_STATIC);
  if (encounter_id != NULL)
    sqlite3_bind_text (stmt, 7, encounter_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, author, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, body, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 10, now);
  if (!chevet_store_step_done (store, stmt, error))
    return -1;
  seq = sqlite3_last_insert_rowid (chevet_store_get_db (store));

  local = compose_resource (body, type, local_id, NULL);
  if (!chevet_import_put_resource (store, local, "outbox", error))
    return -1;
  return seq;
}

ChevetOutboxItem *
chevet_outbox_add_note (ChevetStore  *store,
                        const char   *patient_id,
                        const char   *encounter_id,
                        const char   *text,
                        const char   *author,
                        GError      **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_autofree char *stripped = NULL;
  gint64 seq;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  stripped = text != NULL ? g_strstrip (g_strdup (text)) : NULL;
  if (stripped == NULL || *stripped == '\0')
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("The note is empty"));
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL) || strlen (text) > MAX_NOTE_BYTES)
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("The note must be UTF-8 text of at most 1 MB"));
      return NULL;
    }
  if (!check_author (author, error) ||
      !check_patient_and_encounter (store, patient_id, encounter_id, error))
    return NULL;

  body = build_note (uuid, patient_id, encounter_id, text, author, now);
  if (!begin (store, error))
    return NULL;
  seq = insert_item (store, uuid, uuid, CHEVET_OUTBOX_KIND_NOTE, "DocumentReference", patient_id,
                     encounter_id, author, body, g_date_time_to_unix (now) * G_USEC_PER_SEC +
                     g_date_time_get_microsecond (now), error);
  if (!commit_or_rollback (store, seq >= 0, error))
    return NULL;
  g_debug ("outbox item %" G_GINT64_FORMAT ": note for Patient/%s", seq, patient_id);
  return load_item (store, seq, error);
}

GPtrArray *
chevet_outbox_add_vitals (ChevetStore        *store,
                          const char         *patient_id,
                          const char         *encounter_id,
                          const ChevetVitals *vitals,
                          guint               confirmed_warnings,
                          const char         *author,
                          GError            **error)
{
  static const ChevetVital order[] = {
    CHEVET_VITAL_SYSTOLIC, CHEVET_VITAL_HEART_RATE, CHEVET_VITAL_RESP_RATE,
    CHEVET_VITAL_TEMPERATURE, CHEVET_VITAL_SPO2, CHEVET_VITAL_WEIGHT, CHEVET_VITAL_HEIGHT,
  };
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GString) unconfirmed = g_string_new (NULL);
  g_autofree char *group = g_uuid_string_random ();
  GDateTime *effective;
  gint64 now_usec;
  gboolean ok = TRUE;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);
  g_return_val_if_fail (vitals != NULL, NULL);

  if (!chevet_vitals_check (vitals, &warnings, error))
    return NULL;
  for (guint i = 0; i < warnings->len; i++)
    {
      ChevetVitalWarning *w = g_ptr_array_index (warnings, i);

      if ((confirmed_warnings & CHEVET_VITAL_FLAG (w->kind)) == 0)
        g_string_append_printf (unconfirmed, "%s%s", unconfirmed->len ? "\n" : "", w->message);
    }
  if (unconfirmed->len > 0)
    {
      g_set_error_literal (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_UNCONFIRMED,
                           unconfirmed->str);
      return NULL;
    }
  effective = vitals->effective != NULL ? vitals->effective : now;
  if (g_date_time_difference (effective, now) > FUTURE_TOLERANCE)
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID,
                   _("The time of the measurements is in the future"));
      return NULL;
    }
  if (!check_author (author, error) ||
      !check_patient_and_encounter (store, patient_id, encounter_id, error))
    return NULL;

  now_usec = g_date_time_to_unix (now) * G_USEC_PER_SEC + g_date_time_get_microsecond (now);
  if (!begin (store, error))
    return NULL;
  for (guint i = 0; ok && i < G_N_ELEMENTS (order); i++)
    {
      g_autofree char *uuid = NULL;
      g_autofree char *body = NULL;
      gint64 seq;

      if (!vitals->given[order[i]])
        continue;
      uuid = g_uuid_string_random ();
      body = build_observation (uuid, patient_id, encounter_id, vitals, order[i], author,
                                effective, now);
      seq = insert_item (store, uuid, group, CHEVET_OUTBOX_KIND_VITALS, "Observation", patient_id,
                         encounter_id, author, body, now_usec, error);
      ok = seq >= 0;
      g_array_append_val (seqs, seq);
    }
  if (!commit_or_rollback (store, ok, error))
    return NULL;
  for (guint i = 0; i < seqs->len; i++)
    {
      ChevetOutboxItem *item = load_item (store, g_array_index (seqs, gint64, i), error);

      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
    }
  g_debug ("outbox: %u vital-signs items for Patient/%s", items->len, patient_id);
  return g_steal_pointer (&items);
}

/* ------------------------------------------------------------------ reading */

GListModel *
chevet_outbox_list (ChevetStore  *store,
                    GError      **error)
{
  g_autoptr(GListStore) list = g_list_store_new (CHEVET_TYPE_OUTBOX_ITEM);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  stmt = chevet_store_prepare (store, "SELECT " ITEM_COLUMNS " FROM outbox ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(ChevetOutboxItem) item = item_from_row (stmt);

      g_list_store_append (list, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return NULL;
    }
  return G_LIST_MODEL (g_steal_pointer (&list));
}

ChevetOutboxItem *
chevet_outbox_next_waiting (ChevetStore  *store,
                            GError      **error)
{
  ChevetOutboxItem *item = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  stmt = chevet_store_prepare (store,
                               "SELECT " ITEM_COLUMNS " FROM outbox WHERE state = 'waiting' "
                               "ORDER BY seq LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    item = item_from_row (stmt);
  else if (rc != SQLITE_DONE)
    chevet_store_set_sql_error (store, error);
  sqlite3_reset (stmt);
  return item;
}

gint64
chevet_outbox_count (ChevetStore        *store,
                     ChevetOutboxState   state,
                     GError            **error)
{
  sqlite3_stmt *stmt;
  gint64 n = -1;

  g_return_val_if_fail (CHEVET_IS_STORE (store), -1);
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), -1);

  stmt = chevet_store_prepare (store, "SELECT count(*) FROM outbox WHERE state = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, state_names[state], -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    chevet_store_set_sql_error (store, error);
  sqlite3_reset (stmt);
  return n;
}

gint64
chevet_outbox_count_waiting (ChevetStore  *store,
                             GError      **error)
{
  gint64 waiting, sending;

  waiting = chevet_outbox_count (store, CHEVET_OUTBOX_STATE_WAITING, error);
  if (waiting < 0)
    return -1;
  sending = chevet_outbox_count (store, CHEVET_OUTBOX_STATE_SENDING, error);
  if (sending < 0)
    return -1;
  return waiting + sending;
}

gboolean
chevet_outbox_is_pending (ChevetStore *store,
                          const char  *type,
                          const char  *id)
{
  sqlite3_stmt *stmt;
  gboolean pending;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);

  stmt = chevet_store_prepare (store,
                               "SELECT 1 FROM outbox WHERE type = ? AND local_id = ? AND state <> 'sent'",
                               NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  pending = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return pending;
}

/* ------------------------------------------------------------------ state changes */

static gboolean
wrong_state (ChevetOutboxItem  *item,
             GError           **error)
{
  /* Translators: %s is a state name: waiting, sending, sent, conflict or failed */
  g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_WRONG_STATE,
               _("Outbox item %lld cannot change from the state “%s”"),
               (long long) item->seq, state_names[item->state]);
  return FALSE;
}

/* Makes sure the row is in @expected (the snapshot may be stale). */
static gboolean
require_state (ChevetStore        *store,
               ChevetOutboxItem   *item,
               ChevetOutboxState   expected,
               GError            **error)
{
  if (!refresh_item (store, item, error))
    return FALSE;
  if (item->state != expected)
    return wrong_state (item, error);
  return TRUE;
}

/* UPDATE ... WHERE seq = ?1 AND state = <expected>: one row changed, or a wrong state. */
static gboolean
step_one_row (ChevetStore       *store,
              sqlite3_stmt      *stmt,
              ChevetOutboxItem  *item,
              GError           **error)
{
  if (!chevet_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (chevet_store_get_db (store)) != 1)
    {
      refresh_item (store, item, NULL);
      return wrong_state (item, error);
    }
  return TRUE;
}

gboolean
chevet_outbox_mark_sending (ChevetStore       *store,
                            ChevetOutboxItem  *item,
                            GError           **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (item), FALSE);

  stmt = chevet_store_prepare (store,
                               "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
                               "updated_at = ?2 WHERE seq = ?1 AND state = 'waiting'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item->seq);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  return step_one_row (store, stmt, item, error) && refresh_item (store, item, error);
}

/* The server's resource as JSON: an object of the item's type with a valid id. Returns
 * its id and versionId (either may be NULL on failure). */
static gboolean
check_server_json (ChevetOutboxItem  *item,
                   const char        *json,
                   char             **out_id,
                   char             **out_version,
                   GError           **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o, *meta = NULL;
  JsonNode *n;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad;
  o = json_node_get_object (json_parser_get_root (parser));
  n = json_object_get_member (o, "resourceType");
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (n), item->type) != 0)
    goto bad;
  n = json_object_get_member (o, "id");
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING ||
      !chevet_fhir_is_valid_id (json_node_get_string (n)))
    goto bad;
  *out_id = g_strdup (json_node_get_string (n));
  n = json_object_get_member (o, "meta");
  if (n != NULL && JSON_NODE_HOLDS_OBJECT (n))
    meta = json_node_get_object (n);
  n = meta != NULL ? json_object_get_member (meta, "versionId") : NULL;
  *out_version = n != NULL && json_node_get_value_type (n) == G_TYPE_STRING
                 ? g_strdup (json_node_get_string (n)) : NULL;
  return TRUE;

bad:
  /* Translators: %s is a resource type */
  g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_BAD_SERVER_RESOURCE,
               _("The server’s answer is not a %s with an id"), item->type);
  return FALSE;
}

/* Inside a transaction: the chart drops the local copy and shows @json instead. */
static gboolean
replace_local_copy (ChevetStore       *store,
                    ChevetOutboxItem  *item,
                    const char        *json,
                    GError           **error)
{
  return chevet_import_delete_resource (store, item->type, item->local_id, error) &&
         chevet_import_put_resource (store, json, "server", error);
}

gboolean
chevet_outbox_mark_sent (ChevetStore       *store,
                         ChevetOutboxItem  *item,
                         const char        *server_id,
                         const char        *server_version,
                         const char        *server_json,
                         GError           **error)
{
  g_autofree char *json = NULL;
  g_autofree char *json_id = NULL;
  g_autofree char *json_version = NULL;
  sqlite3_stmt *stmt;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (item), FALSE);

  if (!chevet_fhir_is_valid_id (server_id))
    {
      g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_BAD_SERVER_RESOURCE,
                   _("The server gave no valid id for the resource sent"));
      return FALSE;
    }
  if (server_json != NULL)
    {
      if (!check_server_json (item, server_json, &json_id, &json_version, error))
        return FALSE;
      if (!g_str_equal (json_id, server_id))
        {
          g_set_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_BAD_SERVER_RESOURCE,
                       _("The server’s answer is about another resource than the one sent"));
          return FALSE;
        }
      json = g_strdup (server_json);
      if (server_version == NULL)
        server_version = json_version;
    }
  else
    json = compose_resource (item->body, item->type, server_id, server_version);

  if (!begin (store, error))
    return FALSE;
  ok = require_state (store, item, CHEVET_OUTBOX_STATE_SENDING, error) &&
       replace_local_copy (store, item, json, error) &&
       (stmt = chevet_store_prepare (store,
                                     "UPDATE outbox SET state = 'sent', server_id = ?2, "
                                     "server_version = ?3, server_json = NULL, last_error = NULL, "
                                     "updated_at = ?4 WHERE seq = ?1 AND state = 'sending'",
                                     error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, item->seq);
      sqlite3_bind_text (stmt, 2, server_id, -1, SQLITE_STATIC);
      if (server_version != NULL)
        sqlite3_bind_text (stmt, 3, server_version, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
      ok = step_one_row (store, stmt, item, error);
    }
  /* Sent for this patient, recorded with the change that says so. */
  ok = ok && chevet_audit_append (store, CHEVET_AUDIT_OUTBOX_SEND, item->patient, CHEVET_AUDIT_SUCCESS,
                                  item->type, error);
  if (!commit_or_rollback (store, ok, error))
    return FALSE;
  g_debug ("outbox item %" G_GINT64_FORMAT " sent: %s/%s", item->seq, item->type, server_id);
  return refresh_item (store, item, error);
}

gboolean
chevet_outbox_mark_conflict (ChevetStore       *store,
                             ChevetOutboxItem  *item,
                             const char        *server_json,
                             GError           **error)
{
  g_autofree char *id = NULL;
  g_autofree char *version = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (item), FALSE);

  if (!check_server_json (item, server_json, &id, &version, error))
    return FALSE;
  stmt = chevet_store_prepare (store,
                               "UPDATE outbox SET state = 'conflict', server_id = ?2, "
                               "server_version = ?3, server_json = ?4, updated_at = ?5 "
                               "WHERE seq = ?1 AND state = 'sending'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item->seq);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (version != NULL)
    sqlite3_bind_text (stmt, 3, version, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, server_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (!step_one_row (store, stmt, item, error))
    return FALSE;
  g_debug ("outbox item %" G_GINT64_FORMAT ": conflict with %s/%s", item->seq, item->type, id);
  return refresh_item (store, item, error);
}

gboolean
chevet_outbox_mark_failed (ChevetStore       *store,
                           ChevetOutboxItem  *item,
                           const char        *message,
                           gboolean           permanent,
                           GError           **error)
{
  g_autofree char *valid = NULL;
  g_autofree char *shortened = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (item), FALSE);

  valid = g_utf8_make_valid (message != NULL ? message : "", -1);
  shortened = g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), MAX_ERROR_CHARS));
  stmt = chevet_store_prepare (store,
                               "UPDATE outbox SET state = CASE WHEN ?3 OR attempts >= ?4 "
                               "THEN 'failed' ELSE 'waiting' END, "
                               "last_error = ?2, updated_at = ?5 "
                               "WHERE seq = ?1 AND state = 'sending'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item->seq);
  sqlite3_bind_text (stmt, 2, shortened, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, permanent ? 1 : 0);
  sqlite3_bind_int (stmt, 4, CHEVET_OUTBOX_MAX_ATTEMPTS);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (!step_one_row (store, stmt, item, error))
    return FALSE;
  return refresh_item (store, item, error);
}

gboolean
chevet_outbox_retry (ChevetStore       *store,
                     ChevetOutboxItem  *item,
                     GError           **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (item), FALSE);

  stmt = chevet_store_prepare (store,
                               "UPDATE outbox SET state = 'waiting', attempts = 0, updated_at = ?2 "
                               "WHERE seq = ?1 AND state = 'failed'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item->seq);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  return step_one_row (store, stmt, item, error) && refresh_item (store, item, error);
}

gint64
chevet_outbox_reset_sending (ChevetStore  *store,
                             GError      **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CHEVET_IS_STORE (store), -1);

  stmt = chevet_store_prepare (store,
                               "UPDATE outbox SET state = 'waiting', updated_at = ? WHERE state = 'sending'",
                               error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  if (!chevet_store_step_done (store, stmt, error))
    return -1;
  return sqlite3_changes (chevet_store_get_db (store));
}

gboolean
chevet_outbox_resolve_conflict (ChevetStore             *store,
                                ChevetOutboxItem        *item,
                                ChevetOutboxResolution   resolution,
                                GError                 **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  g_return_val_if_fail (CHEVET_IS_STORE (store), FALSE);
  g_return_val_if_fail (CHEVET_IS_OUTBOX_ITEM (item), FALSE);

  if (!begin (store, error))
    return FALSE;
  ok = require_state (store, item, CHEVET_OUTBOX_STATE_CONFLICT, error);
  if (ok && resolution == CHEVET_OUTBOX_TAKE_SERVER)
    {
      ok = replace_local_copy (store, item, item->server_json, error) &&
           (stmt = chevet_store_prepare (store,
                                         "UPDATE outbox SET state = 'sent', server_json = NULL, "
                                         "last_error = NULL, updated_at = ?2 "
                                         "WHERE seq = ?1 AND state = 'conflict'", error)) != NULL;
    }
  else if (ok)
    {
      /* Mine goes again, as an update of the server's version. */
      ok = (stmt = chevet_store_prepare (store,
                                         "UPDATE outbox SET state = 'waiting', operation = 'update', "
                                         "base_version = server_version, server_json = NULL, "
                                         "attempts = 0, last_error = NULL, updated_at = ?2 "
                                         "WHERE seq = ?1 AND state = 'conflict'", error)) != NULL;
    }
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, item->seq);
      sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
      ok = step_one_row (store, stmt, item, error);
    }
  if (!commit_or_rollback (store, ok, error))
    return FALSE;
  g_debug ("outbox item %" G_GINT64_FORMAT ": conflict resolved (%s)", item->seq,
           resolution == CHEVET_OUTBOX_TAKE_SERVER ? "server's version" : "mine");
  return refresh_item (store, item, error);
}
