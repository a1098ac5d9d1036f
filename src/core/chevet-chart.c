/* chevet-chart.c: one patient's chart, read from the store's projection tables
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A chart is one indexed query per section (patient, date) whatever the chart's size;
 * latest values per code use SQLite's max() bare-column rule on (patient, code, date).
 */
#define G_LOG_DOMAIN "chevet-chart"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"

ChevetChartItem *
chevet_chart_item_new (void)
{
  return g_new0 (ChevetChartItem, 1);
}

void
chevet_chart_item_free (ChevetChartItem *item)
{
  if (item == NULL)
    return;
  g_free (item->type);
  g_free (item->id);
  g_free (item->code);
  g_free (item->system);
  g_free (item->display);
  g_free (item->status);
  g_free (item->category);
  g_free (item->date);
  g_free (item->end_date);
  g_free (item->value);
  g_free (item->unit);
  g_free (item->detail);
  g_free (item->flag);
  g_free (item->range);
  g_free (item->encounter);
  g_free (item->codes);
  g_free (item->extra);
  g_clear_pointer (&item->components, g_ptr_array_unref);
  g_free (item);
}

void
chevet_chart_free (ChevetChart *chart)
{
  if (chart == NULL)
    return;
  g_clear_object (&chart->patient);
  g_clear_pointer (&chart->allergies, g_ptr_array_unref);
  g_clear_pointer (&chart->conditions, g_ptr_array_unref);
  g_clear_pointer (&chart->medications, g_ptr_array_unref);
  g_clear_pointer (&chart->vitals, g_ptr_array_unref);
  g_clear_pointer (&chart->labs, g_ptr_array_unref);
  g_clear_pointer (&chart->encounters, g_ptr_array_unref);
  g_clear_pointer (&chart->immunizations, g_ptr_array_unref);
  g_clear_pointer (&chart->procedures, g_ptr_array_unref);
  g_clear_pointer (&chart->reports, g_ptr_array_unref);
  g_clear_pointer (&chart->documents, g_ptr_array_unref);
  g_free (chart);
}

#define ITEM_COLUMNS \
  "t.rid, r.type, r.id, t.code, t.system, t.display, t.status, t.category, t.date, " \
  "t.end_date, t.value, t.unit, t.number, t.low, t.high, t.detail, t.flag, t.range, " \
  "t.encounter, t.codes, t.extra, " \
  "(SELECT MAX(CASE o.state WHEN 'conflict' THEN 2 ELSE 1 END) FROM outbox o " \
  "WHERE o.type = r.type AND o.local_id = r.id AND o.state <> 'sent')"

static char *
col (sqlite3_stmt *stmt,
     int           i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

static ChevetChartItem *
item_from_row (sqlite3_stmt *stmt)
{
  ChevetChartItem *item = chevet_chart_item_new ();

  item->type = col (stmt, 1);
  item->id = col (stmt, 2);
  item->code = col (stmt, 3);
  item->system = col (stmt, 4);
  item->display = col (stmt, 5);
  item->status = col (stmt, 6);
  item->category = col (stmt, 7);
  item->date = col (stmt, 8);
  item->end_date = col (stmt, 9);
  item->value = col (stmt, 10);
  item->unit = col (stmt, 11);
  item->has_number = sqlite3_column_type (stmt, 12) != SQLITE_NULL;
  item->number = sqlite3_column_double (stmt, 12);
  item->has_low = sqlite3_column_type (stmt, 13) != SQLITE_NULL;
  item->low = sqlite3_column_double (stmt, 13);
  item->has_high = sqlite3_column_type (stmt, 14) != SQLITE_NULL;
  item->high = sqlite3_column_double (stmt, 14);
  item->detail = col (stmt, 15);
  item->flag = col (stmt, 16);
  item->range = col (stmt, 17);
  item->encounter = col (stmt, 18);
  item->codes = col (stmt, 19);
  item->extra = col (stmt, 20);
  /* NULL: not in the outbox (or sent); 1: waiting to be sent; 2: in conflict. */
  item->pending = sqlite3_column_int (stmt, 21) != 0;
  item->conflict = sqlite3_column_int (stmt, 21) == 2;
  return item;
}

static gboolean
load_components (ChevetStore      *store,
                 gint64            rid,
                 ChevetChartItem  *item,
                 GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = chevet_store_prepare (store,
                               "SELECT code, system, display, value, unit, number, low, high, flag, range "
                               "FROM observation_components WHERE rid = ? ORDER BY position", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ChevetChartItem *c = chevet_chart_item_new ();

      c->code = col (stmt, 0);
      c->system = col (stmt, 1);
      c->display = col (stmt, 2);
      c->value = col (stmt, 3);
      c->unit = col (stmt, 4);
      c->has_number = sqlite3_column_type (stmt, 5) != SQLITE_NULL;
      c->number = sqlite3_column_double (stmt, 5);
      c->has_low = sqlite3_column_type (stmt, 6) != SQLITE_NULL;
      c->low = sqlite3_column_double (stmt, 6);
      c->has_high = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
      c->high = sqlite3_column_double (stmt, 7);
      c->flag = col (stmt, 8);
      c->range = col (stmt, 9);
      if (item->components == NULL)
        item->components = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
      g_ptr_array_add (item->components, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return FALSE;
    }
  return TRUE;
}

/* Runs @sql (bound to @patient as ?1 and, when set, @arg as ?2) into a list of items. */
static GPtrArray *
query_items (ChevetStore  *store,
             const char   *sql,
             const char   *patient,
             const char   *arg,
             gboolean      with_components,
             GError      **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
  g_autoptr(GArray) rids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = chevet_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient, -1, SQLITE_TRANSIENT);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 2, arg, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rid = sqlite3_column_int64 (stmt, 0);

      g_ptr_array_add (items, item_from_row (stmt));
      g_array_append_val (rids, rid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      chevet_store_set_sql_error (store, error);
      return NULL;
    }
  /* Components after the walk: the statement cache hands out one statement per SQL. */
  for (guint i = 0; with_components && i < items->len; i++)
    if (!load_components (store, g_array_index (rids, gint64, i), g_ptr_array_index (items, i), error))
      return NULL;
  return g_steal_pointer (&items);
}

#define SECTION_SQL(table, order) \
  "SELECT " ITEM_COLUMNS " FROM " table " t JOIN resources r ON r.rid = t.rid " \
  "WHERE t.patient = ?1 ORDER BY " order

/* Latest value per code, for one category of observation. */
#define LATEST_SQL \
  "SELECT " ITEM_COLUMNS ", max(t.date) FROM observations t JOIN resources r ON r.rid = t.rid " \
  "WHERE t.patient = ?1 AND t.category = ?2 GROUP BY t.code ORDER BY t.display"

/* "No known allergy" and its narrower kinds (SNOMED CT). */
static gboolean
is_no_known_allergy (const char *code)
{
  return g_strcmp0 (code, "716186003") == 0 || g_strcmp0 (code, "409137002") == 0 ||
         g_strcmp0 (code, "429625007") == 0 || g_strcmp0 (code, "428607008") == 0 ||
         g_strcmp0 (code, "428197003") == 0;
}

ChevetChart *
chevet_store_read_chart (ChevetStore  *store,
                         const char   *patient_id,
                         GError      **error)
{
  g_autoptr(ChevetChart) chart = g_new0 (ChevetChart, 1);
  g_autoptr(GPtrArray) allergies = NULL;

  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  chart->patient = chevet_store_dup_patient (store, patient_id, error);
  if (chart->patient == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_INVALID,
                     _("There is no patient with the id “%s” in this workspace"), patient_id);
      return NULL;
    }

  allergies = query_items (store, SECTION_SQL ("allergies", "t.flag = 'high' DESC, t.date DESC"),
                           patient_id, NULL, FALSE, error);
  if (allergies == NULL)
    return NULL;
  chart->allergies = g_ptr_array_new_with_free_func ((GDestroyNotify) chevet_chart_item_free);
  for (guint i = 0; i < allergies->len; i++)
    {
      ChevetChartItem *a = g_ptr_array_index (allergies, i);

      /* For allergies, end_date holds the verification status (see chevet-projection.c). */
      if (g_strcmp0 (a->end_date, "entered-in-error") == 0 || g_strcmp0 (a->end_date, "refuted") == 0)
        continue;
      if (is_no_known_allergy (a->code))
        {
          chart->no_known_allergies = TRUE;
          continue;
        }
      g_ptr_array_add (chart->allergies, g_ptr_array_steal_index (allergies, i--));
    }
  /* A recorded allergy outweighs an older "no known allergies". */
  if (chart->allergies->len > 0)
    chart->no_known_allergies = FALSE;

  if (!(chart->conditions = query_items (store,
                                         SECTION_SQL ("conditions",
                                                      "t.status IN ('active', 'recurrence', 'relapse') DESC, t.date DESC"),
                                         patient_id, NULL, FALSE, error)) ||
      !(chart->medications = query_items (store,
                                          SECTION_SQL ("medications", "t.status = 'active' DESC, t.date DESC"),
                                          patient_id, NULL, FALSE, error)) ||
      !(chart->vitals = query_items (store, LATEST_SQL, patient_id, "vital-signs", TRUE, error)) ||
      !(chart->labs = query_items (store, LATEST_SQL, patient_id, "laboratory", TRUE, error)) ||
      !(chart->encounters = query_items (store, SECTION_SQL ("encounters", "t.date DESC"),
                                         patient_id, NULL, FALSE, error)) ||
      !(chart->immunizations = query_items (store, SECTION_SQL ("immunizations", "t.date DESC"),
                                            patient_id, NULL, FALSE, error)) ||
      !(chart->procedures = query_items (store, SECTION_SQL ("procedures", "t.date DESC"),
                                         patient_id, NULL, FALSE, error)) ||
      !(chart->reports = query_items (store, SECTION_SQL ("reports", "t.date DESC"),
                                      patient_id, NULL, FALSE, error)) ||
      !(chart->documents = query_items (store, SECTION_SQL ("documents", "t.date DESC"),
                                        patient_id, NULL, FALSE, error)))
    return NULL;
  g_debug ("chart read: %u conditions, %u medications, %u encounters",
           chart->conditions->len, chart->medications->len, chart->encounters->len);
  return g_steal_pointer (&chart);
}

GPtrArray *
chevet_store_read_observations (ChevetStore  *store,
                                const char   *patient_id,
                                const char   *code,
                                GError      **error)
{
  g_return_val_if_fail (CHEVET_IS_STORE (store), NULL);

  return query_items (store,
                      "SELECT " ITEM_COLUMNS " FROM observations t JOIN resources r ON r.rid = t.rid "
                      "WHERE t.patient = ?1 AND t.code = ?2 ORDER BY t.date",
                      patient_id, code, TRUE, error);
}

/* ------------------------------------------------------------------ text */

/* A measured number as a person reads it: at most three significant decimals. */
static char *
format_measure (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double a = fabs (v);
  const char *fmt = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g";
  char *s = g_strdup (g_ascii_formatd (buf, sizeof buf, fmt, v));

  /* 7.20 -> 7.2, 12.0 -> 12 */
  if (strchr (s, '.') != NULL && strchr (s, 'e') == NULL)
    {
      char *end = s + strlen (s) - 1;

      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  return s;
}

char *
chevet_chart_item_format_value (ChevetChartItem *item)
{
  g_autoptr(GString) s = NULL;

  if (item->components != NULL && item->components->len > 0)
    {
      s = g_string_new (NULL);
      for (guint i = 0; i < item->components->len; i++)
        {
          ChevetChartItem *c = g_ptr_array_index (item->components, i);
          g_autofree char *v = c->has_number ? format_measure (c->number) : g_strdup (c->value);

          g_string_append_printf (s, "%s%s", i ? "/" : "", v ?: "?");
        }
      return g_string_free (g_steal_pointer (&s), FALSE);
    }
  if (item->has_number && (item->value == NULL || g_ascii_isdigit (item->value[0]) || item->value[0] == '-'))
    return format_measure (item->number);
  return g_strdup (item->value);
}

static const char *
gender_label (const char *gender)
{
  if (g_strcmp0 (gender, "male") == 0)
    return _("male");
  if (g_strcmp0 (gender, "female") == 0)
    return _("female");
  if (g_strcmp0 (gender, "other") == 0)
    return _("other");
  return _("sex unknown");
}

static const char *
or_dash (const char *s)
{
  return s != NULL ? s : "—";
}

/* The first ten characters: the date of a dateTime. */
static char *
day_of (const char *date)
{
  return date != NULL ? g_strndup (date, 10) : g_strdup ("—");
}

static void
append_item_line (GString         *out,
                  ChevetChartItem *item,
                  gboolean         with_range)
{
  g_autofree char *day = day_of (item->date);

  g_autofree char *value = chevet_chart_item_format_value (item);

  g_string_append_printf (out, "  %-10s  %s", day, or_dash (item->display));
  if (value != NULL)
    g_string_append_printf (out, "  %s%s%s", value, item->unit ? " " : "", item->unit ?: "");
  if (with_range && item->range != NULL)
    g_string_append_printf (out, "  (%s)", item->range);
  if (item->flag != NULL && g_strcmp0 (item->flag, "N") != 0)
    g_string_append_printf (out, "  [%s]", item->flag);
  if (item->conflict)
    g_string_append_printf (out, "  (%s)", _("conflict: changed on the server"));
  else if (item->pending)
    g_string_append_printf (out, "  (%s)", _("waiting to be sent"));
  g_string_append_c (out, '\n');
}

char *
chevet_chart_to_text (ChevetChart *chart,
                      GDateTime   *now)
{
  GString *out = g_string_new (NULL);
  ChevetPatient *p = chart->patient;
  int age = chevet_patient_get_age (p, now);
  guint shown;

  g_string_append_printf (out, "%s\n", chevet_patient_get_display_name (p));
  if (age >= 0)
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%s, %d year (born %s)",
                                              "%s, %d years (born %s)", age),
                            gender_label (chevet_patient_get_gender (p)), age,
                            chevet_patient_get_birth_date (p));
  else
    g_string_append_printf (out, _("%s, birth date unknown"), gender_label (chevet_patient_get_gender (p)));
  if (chevet_patient_get_identifier (p) != NULL)
    g_string_append_printf (out, " — %s", chevet_patient_get_identifier (p));
  g_string_append_c (out, '\n');
  if (chevet_patient_get_deceased (p))
    {
      if (chevet_patient_get_deceased_date (p) != NULL)
        {
          g_autofree char *day = day_of (chevet_patient_get_deceased_date (p));
          g_string_append_printf (out, _("DECEASED (%s)\n"), day);
        }
      else
        g_string_append_printf (out, "%s\n", _("DECEASED"));
    }

  g_string_append_printf (out, "\n%s\n", _("Allergies"));
  if (chart->allergies->len == 0)
    g_string_append_printf (out, "  %s\n",
                            chart->no_known_allergies ? _("No known allergies")
                                                      : _("Allergies not recorded"));
  for (guint i = 0; i < chart->allergies->len; i++)
    {
      ChevetChartItem *a = g_ptr_array_index (chart->allergies, i);

      g_string_append_printf (out, "  ! %s", or_dash (a->display));
      if (g_strcmp0 (a->flag, "high") == 0)
        g_string_append_printf (out, " — %s", _("high criticality"));
      if (a->value != NULL)
        g_string_append_printf (out, " — %s", a->value);
      if (a->detail != NULL)
        g_string_append_printf (out, ": %s", a->detail);
      g_string_append_c (out, '\n');
    }

  g_string_append_printf (out, "\n%s\n", _("Problems"));
  if (chart->conditions->len == 0)
    g_string_append_printf (out, "  %s\n", _("None recorded"));
  for (guint i = 0; i < chart->conditions->len; i++)
    {
      ChevetChartItem *c = g_ptr_array_index (chart->conditions, i);
      g_autofree char *day = day_of (c->date);

      g_string_append_printf (out, "  %-10s  %-9s %s", day, or_dash (c->status), or_dash (c->display));
      if (c->end_date != NULL)
        {
          g_autofree char *end = day_of (c->end_date);
          g_string_append_printf (out, _(" (until %s)"), end);
        }
      g_string_append_c (out, '\n');
    }

  g_string_append_printf (out, "\n%s\n", _("Medications"));
  if (chart->medications->len == 0)
    g_string_append_printf (out, "  %s\n", _("None recorded"));
  for (guint i = 0; i < chart->medications->len; i++)
    {
      ChevetChartItem *m = g_ptr_array_index (chart->medications, i);
      g_autofree char *day = day_of (m->date);

      g_string_append_printf (out, "  %-10s  %-9s %s", day, or_dash (m->status), or_dash (m->display));
      if (m->value != NULL)
        g_string_append_printf (out, " — %s", m->value);
      g_string_append_c (out, '\n');
    }

  g_string_append_printf (out, "\n%s\n", _("Latest vital signs"));
  if (chart->vitals->len == 0)
    g_string_append_printf (out, "  %s\n", _("None recorded"));
  for (guint i = 0; i < chart->vitals->len; i++)
    append_item_line (out, g_ptr_array_index (chart->vitals, i), FALSE);

  g_string_append_printf (out, "\n%s\n", _("Latest lab results"));
  if (chart->labs->len == 0)
    g_string_append_printf (out, "  %s\n", _("None recorded"));
  for (guint i = 0; i < chart->labs->len; i++)
    append_item_line (out, g_ptr_array_index (chart->labs, i), TRUE);

  shown = MIN (chart->encounters->len, 10);
  if (chart->encounters->len > shown)
    {
      /* Translators: %u and %u are counts of encounters */
      g_autofree char *title = g_strdup_printf (_("Encounters (latest %u of %u)"), shown, chart->encounters->len);

      g_string_append_printf (out, "\n%s\n", title);
    }
  else
    g_string_append_printf (out, "\n%s\n", _("Encounters"));
  if (chart->encounters->len == 0)
    g_string_append_printf (out, "  %s\n", _("None recorded"));
  for (guint i = 0; i < shown; i++)
    {
      ChevetChartItem *e = g_ptr_array_index (chart->encounters, i);
      g_autofree char *day = day_of (e->date);

      g_string_append_printf (out, "  %-10s  %s", day, or_dash (e->display));
      if (e->detail != NULL)
        g_string_append_printf (out, " — %s", e->detail);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
