/* chevet-chart-format.c: how chart facts read on screen: dates, values, flags, codings
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dates and numbers follow the locale. The C locale is not one a person reads (its
 * "%x" has a two-digit year), so there dates are ISO 8601.
 */
#define G_LOG_DOMAIN "chevet-chart-format"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-chart-format.h"

static gboolean
locale_is_c (void)
{
  const char *name = setlocale (LC_TIME, NULL);

  return name == NULL || strcmp (name, "C") == 0 || strcmp (name, "POSIX") == 0 ||
         g_str_has_prefix (name, "C.");
}

char *
chevet_chart_format_date (const char *date,
                          gboolean    with_time)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) local = NULL;
  int y = 0, m = 0, d = 0;
  gsize len;

  if (date == NULL || *date == '\0')
    return NULL;
  len = strlen (date);

  if (len == 4 && sscanf (date, "%4d", &y) == 1)
    return g_strdup_printf ("%d", y);
  if (len == 7 && sscanf (date, "%4d-%2d", &y, &m) == 2)
    {
      dt = g_date_time_new_local (y, m, 1, 0, 0, 0);
      /* Translators: a date known to the month; see g_date_time_format() */
      return dt != NULL ? g_date_time_format (dt, _("%B %Y")) : g_strdup (date);
    }
  if (len == 10 && sscanf (date, "%4d-%2d-%2d", &y, &m, &d) == 3)
    {
      dt = g_date_time_new_local (y, m, d, 0, 0, 0);
      with_time = FALSE;
    }
  else
    {
      g_autoptr(GDateTime) parsed = NULL;

      local = g_time_zone_new_local ();
      parsed = g_date_time_new_from_iso8601 (date, local);
      if (parsed != NULL)
        dt = g_date_time_to_local (parsed);
    }
  if (dt == NULL)
    return g_strndup (date, 10);

  if (locale_is_c ())
    return g_date_time_format (dt, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d");
  /* Translators: a date then a time of day; %x is the date as the locale writes it,
   * see g_date_time_format() */
  return g_date_time_format (dt, with_time ? _("%x %H:%M") : "%x");
}

/* The time of day of a dateTime, when it has one. */
static char *
format_time (const char *date)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) dt = NULL;

  if (date == NULL || strlen (date) <= 10 || (parsed = g_date_time_new_from_iso8601 (date, local)) == NULL)
    return NULL;
  dt = g_date_time_to_local (parsed);
  return g_date_time_format (dt, "%H:%M");
}

char *
chevet_chart_format_period (const char *start,
                            const char *end,
                            gboolean    with_time)
{
  g_autofree char *from = chevet_chart_format_date (start, with_time);
  g_autofree char *to = chevet_chart_format_date (end, with_time);

  if (from != NULL && to != NULL)
    {
      g_autofree char *from_day = chevet_chart_format_date (start, FALSE);
      g_autofree char *to_day = chevet_chart_format_date (end, FALSE);
      g_autofree char *to_time = with_time ? format_time (end) : NULL;

      if (strcmp (from, to) == 0)
        return g_steal_pointer (&from);
      /* Within one day, the end is a time. */
      if (to_time != NULL && strcmp (from_day, to_day) == 0)
        return g_strdup_printf (_("%s – %s"), from, to_time);
      /* Translators: a period from a date to another */
      return g_strdup_printf (_("%s – %s"), from, to);
    }
  if (from != NULL)
    /* Translators: a period that started at a date and has not ended */
    return g_strdup_printf (_("Since %s"), from);
  if (to != NULL)
    /* Translators: a period whose start is unknown */
    return g_strdup_printf (_("Until %s"), to);
  return NULL;
}

char *
chevet_chart_format_value (ChevetChartItem *item)
{
  char *value = chevet_chart_item_format_value (item);
  const char *point = localeconv ()->decimal_point;
  GString *s;

  if (value == NULL || point == NULL || strcmp (point, ".") == 0 || strchr (value, '.') == NULL)
    return value;

  /* Only a point between two digits is a decimal point. */
  s = g_string_sized_new (strlen (value) + 4);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '.' && p > value && g_ascii_isdigit (p[-1]) && g_ascii_isdigit (p[1]))
        g_string_append (s, point);
      else
        g_string_append_c (s, *p);
    }
  g_free (value);
  return g_string_free (s, FALSE);
}

const char *
chevet_chart_format_unit (const char *unit)
{
  static const struct
  {
    const char *ucum;
    const char *text;
  } units[] = {
    { "Cel", "°C" },
    { "[degF]", "°F" },
    { "mm[Hg]", "mmHg" },
    { "kg/m2", "kg/m²" },
    { "m2", "m²" },
    { "10*9/L", "×10⁹/L" },
    { "10*12/L", "×10¹²/L" },
    { "10*3/uL", "×10³/µL" },
    { "10*6/uL", "×10⁶/µL" },
    { "/uL", "/µL" },
    { "uL", "µL" },
    { "umol/L", "µmol/L" },
    { "ug/L", "µg/L" },
    { "ug/dL", "µg/dL" },
    { "[IU]/L", "IU/L" },
    { "{beats}/min", "/min" },
    { "{breaths}/min", "/min" },
  };

  if (unit == NULL || *unit == '\0')
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (unit, units[i].ucum) == 0)
      return units[i].text;
  return unit;
}

gboolean
chevet_chart_flag_is_abnormal (const char *flag)
{
  return flag != NULL && *flag != '\0' && strcmp (flag, "N") != 0;
}

const char *
chevet_chart_describe_flag (const char  *flag,
                            const char **icon_name,
                            const char **css_class)
{
  static const struct
  {
    const char *flag;
    const char *text;
    const char *icon;
    const char *css;
  } flags[] = {
    { "H", N_("High"), "go-up-symbolic", "warning" },
    { "L", N_("Low"), "go-down-symbolic", "warning" },
    { "HH", N_("Critically high"), "go-top-symbolic", "error" },
    { "HU", N_("Significantly high"), "go-top-symbolic", "error" },
    { "LL", N_("Critically low"), "go-bottom-symbolic", "error" },
    { "LU", N_("Significantly low"), "go-bottom-symbolic", "error" },
    { "A", N_("Abnormal"), "dialog-warning-symbolic", "warning" },
    { "AA", N_("Critically abnormal"), "dialog-warning-symbolic", "error" },
    { "POS", N_("Positive"), "dialog-warning-symbolic", "warning" },
    { "DET", N_("Detected"), "dialog-warning-symbolic", "warning" },
    { "R", N_("Resistant"), "dialog-warning-symbolic", "warning" },
    { ">", N_("Above the measurable range"), "go-top-symbolic", "warning" },
    { "<", N_("Below the measurable range"), "go-bottom-symbolic", "warning" },
  };
  const char *icon = "dialog-warning-symbolic";
  const char *css = "warning";
  const char *text = flag;

  if (!chevet_chart_flag_is_abnormal (flag))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (strcmp (flag, flags[i].flag) == 0)
      {
        text = _(flags[i].text);
        icon = flags[i].icon;
        css = flags[i].css;
        break;
      }
  if (icon_name != NULL)
    *icon_name = icon;
  if (css_class != NULL)
    *css_class = css;
  return text;
}

const char *
chevet_chart_system_name (const char *system)
{
  static const struct
  {
    const char *uri;
    const char *name;
  } systems[] = {
    { "http://snomed.info/sct", "SNOMED CT" },
    { "urn:oid:2.16.840.1.113883.6.96", "SNOMED CT" },
    { "http://hl7.org/fhir/sid/icd-10", "ICD-10" },
    { "urn:oid:2.16.840.1.113883.6.3", "ICD-10" },
    { "http://hl7.org/fhir/sid/icd-10-cm", "ICD-10-CM" },
    { "urn:oid:2.16.840.1.113883.6.90", "ICD-10-CM" },
    { "http://hl7.org/fhir/sid/icd-9-cm", "ICD-9-CM" },
    { "http://id.who.int/icd/release/11/mms", "ICD-11" },
    { "http://id.who.int/icd11/mms", "ICD-11" },
    { "http://loinc.org", "LOINC" },
    { "urn:oid:2.16.840.1.113883.6.1", "LOINC" },
    { "http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm" },
    { "http://www.whocc.no/atc", "ATC" },
    { "http://hl7.org/fhir/sid/cvx", "CVX" },
    { "http://hl7.org/fhir/sid/ndc", "NDC" },
    { "http://unitsofmeasure.org", "UCUM" },
    { "http://www.ama-assn.org/go/cpt", "CPT" },
    { "http://terminology.hl7.org/CodeSystem/icd-o-3", "ICD-O-3" },
  };

  if (system == NULL || *system == '\0')
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (systems); i++)
    if (strcmp (system, systems[i].uri) == 0)
      return systems[i].name;
  return system;
}

char *
chevet_chart_format_codes (const char *codes)
{
  g_auto(GStrv) lines = NULL;
  GString *out;

  if (codes == NULL || *codes == '\0')
    return NULL;
  lines = g_strsplit (codes, "\n", -1);
  out = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (lines[i], "|", 3);
      const char *name;

      if (g_strv_length (parts) < 2 || *parts[1] == '\0')
        continue;
      name = chevet_chart_system_name (parts[0]);
      if (out->len > 0)
        g_string_append (out, " · ");
      if (name != NULL)
        g_string_append_printf (out, "%s %s", name, parts[1]);
      else
        g_string_append (out, parts[1]);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

char *
chevet_chart_format_status (const char *status)
{
  static const struct
  {
    const char *code;
    const char *text;
  } statuses[] = {
    { "active", N_("Active") },
    { "inactive", N_("Inactive") },
    { "resolved", N_("Resolved") },
    { "remission", N_("In remission") },
    { "recurrence", N_("Recurrence") },
    { "relapse", N_("Relapse") },
    { "completed", N_("Completed") },
    { "stopped", N_("Stopped") },
    { "on-hold", N_("On hold") },
    { "cancelled", N_("Cancelled") },
    { "entered-in-error", N_("Entered in error") },
    { "draft", N_("Draft") },
    { "unknown", N_("Status unknown") },
    { "not-done", N_("Not done") },
    { "not-taken", N_("Not taken") },
    { "intended", N_("Intended") },
    { "in-progress", N_("In progress") },
    { "preparation", N_("In preparation") },
    { "finished", N_("Finished") },
    { "planned", N_("Planned") },
    { "arrived", N_("Arrived") },
    { "confirmed", N_("Confirmed") },
    { "unconfirmed", N_("Unconfirmed") },
    { "provisional", N_("Provisional") },
    { "differential", N_("Differential") },
    { "refuted", N_("Refuted") },
    { "final", N_("Final") },
    { "preliminary", N_("Preliminary") },
    { "amended", N_("Amended") },
    { "corrected", N_("Corrected") },
    { "registered", N_("Registered") },
    { "partial", N_("Partial") },
    { "current", N_("Current") },
    { "superseded", N_("Superseded") },
  };
  char *text;

  if (status == NULL || *status == '\0')
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (strcmp (status, statuses[i].code) == 0)
      return g_strdup (_(statuses[i].text));

  /* A code we do not know: readable all the same. */
  text = g_strdup (status);
  g_strdelimit (text, "-_", ' ');
  text[0] = g_ascii_toupper (text[0]);
  return text;
}

char *
chevet_chart_join (guint n,
                   ...)
{
  GString *out = g_string_new (NULL);
  va_list args;

  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      const char *s = va_arg (args, const char *);

      if (s == NULL || *s == '\0')
        continue;
      if (out->len > 0)
        g_string_append (out, " · ");
      g_string_append (out, s);
    }
  va_end (args);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

const char *
chevet_chart_describe_criticality (const char *criticality)
{
  if (g_strcmp0 (criticality, "high") == 0)
    return _("High criticality");
  if (g_strcmp0 (criticality, "low") == 0)
    return _("Low criticality");
  if (g_strcmp0 (criticality, "unable-to-assess") == 0)
    return _("Criticality not assessed");
  return NULL;
}
