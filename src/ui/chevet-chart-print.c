/* chevet-chart-print.c: the chart summary on paper or as PDF (GtkPrintOperation)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The summary follows the International Patient Summary: who the patient is, allergies
 * first and loud, active problems, current medications, latest vital signs, abnormal
 * latest lab results, recent encounters. The document is built as Pango markup before
 * the operation runs, so printing never reads the chart again (the dialog may outlive
 * it). begin-print lays the blocks out for the paper chosen and cuts pages between
 * blocks, or between lines of a block taller than a page; draw-page draws one page.
 *
 * Privacy: the job name, the debug messages and the errors never carry anything that
 * identifies the patient; only the paper does.
 */
#define G_LOG_DOMAIN "chevet-chart-print"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <langinfo.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-chart-format.h"
#include "chevet-chart-print.h"
#include "chevet-patient.h"
#include "chevet-training-marker.h"

#define MAX_CELLS          5
#define GUTTER             8.0   /* between the cells of a row, in points */
#define BAND_INSET        10.0   /* text inset in a tinted band (allergies) */
#define RECENT_ENCOUNTERS  5
#define EPSILON            0.01

/* Fonts, in points: sizes a clinician reads at arm's length. */
#define FONT_BODY     "Sans 9"
#define FONT_SMALL    "Sans 7.5"
#define FONT_EYEBROW  "Sans Bold 8"
#define FONT_NAME     "Sans Bold 20"
#define FONT_BADGE    "Sans Bold 9"
#define FONT_HEADING  "Sans Bold 11"
#define FONT_FIELD    "Sans 10.5"
#define FONT_ALLERGY  "Sans 9.5"

/* Colours as markup and as cairo RGB. */
#define MUTED  "#5e5c64"
#define RED    "#a51d2d"
#define AMBER  "#8f4700"

typedef enum
{
  BLOCK_TITLE,    /* page 1: what this is, the patient's name, the deceased flag */
  BLOCK_HEADING,  /* a section's title over a rule */
  BLOCK_ROW,      /* cells side by side */
} BlockKind;

typedef enum
{
  TONE_PLAIN,     /* a table row; also a heading's default */
  TONE_NOTE,      /* "None recorded", "3 other problems not shown" */
  TONE_COLUMNS,   /* column titles */
  TONE_LABELS,    /* banner field labels */
  TONE_FIELDS,    /* banner field values, over the banner's closing rule */
  TONE_ALERT,     /* an allergy; the allergy heading */
  TONE_CAUTION,   /* allergies not recorded */
  TONE_CALM,      /* no known allergies */
} Tone;

typedef struct
{
  BlockKind     kind;
  Tone          tone;
  gboolean      in_flow;         /* FALSE for what is only repeated on later pages */
  gboolean      keep_with_next;
  int           repeat[2];       /* blocks drawn first when this one starts a page, or -1 */
  const double *columns;         /* fractions of the width, NULL for one cell */
  guint         n_cells;
  char         *markup[MAX_CELLS];

  /* Laid out in begin-print, for the paper chosen. */
  PangoLayout  *layouts[MAX_CELLS];
  double        cell_x[MAX_CELLS];
  double        lead;            /* space above, dropped at the top of a page */
  double        pad_top;
  double        pad_bottom;      /* may run into the space above the footer */
  double        aux_y;           /* title: where the name starts */
  double        badge_w;
  double        badge_h;
  double        height;
} Block;

/* One piece of a block on a page: block offsets [from, to) drawn at page offset y. */
typedef struct
{
  guint  block;
  guint  page;
  double from;
  double to;
  double y;
} Slice;

typedef struct
{
  GPtrArray *blocks;
  GArray    *slices;
  guint      n_pages;
  char      *running;          /* markup: who this is, atop pages after the first */
  char      *footer;           /* markup: the caller's footer and the confidentiality line */
  char      *printed;          /* "Printed <time>" */
  double     running_height;
  double     footer_height;
  gboolean   async;            /* the dialog is up and run() has returned */
  GtkWindow *parent;           /* weak */
} PrintDoc;

/* What the user chose in the dialog last, kept for the next print of this session. */
static GtkPrintSettings *last_settings;
static GtkPageSetup *last_page_setup;

static const double columns_fields[] = { 0.16, 0.20, 0.24, 0.40 };
static const double columns_allergy[] = { 0.36, 0.20, 0.44 };
static const double columns_problem[] = { 0.74, 0.26 };
static const double columns_medication[] = { 0.38, 0.40, 0.22 };
static const double columns_vital[] = { 0.46, 0.30, 0.24 };
static const double columns_lab[] = { 0.29, 0.17, 0.18, 0.20, 0.16 };
static const double columns_encounter[] = { 0.15, 0.31, 0.32, 0.22 };

/* ------------------------------------------------------------------ dates */

/* The locale's date format, with a four-digit year: "%x" gives 03/12/38 in some locales,
 * and a birth year must not be a guess between 1938 and 2038. */
static char *
dup_date_format (void)
{
  const char *fmt = nl_langinfo (D_FMT);
  g_autofree char *utf8 = NULL;
  g_auto(GStrv) parts = NULL;

  if (fmt == NULL || *fmt == '\0' || strstr (fmt, "%y") == NULL)
    return g_strdup ("%x");
  utf8 = g_locale_to_utf8 (fmt, -1, NULL, NULL, NULL);
  if (utf8 == NULL)
    return g_strdup ("%x");
  parts = g_strsplit (utf8, "%y", -1);
  return g_strjoinv ("%Y", parts);
}

/* How much of a FHIR date or dateTime is known: 0 nothing, 1 the year, 2 the month,
 * 3 the day. */
static int
parse_date (const char *s,
            int        *year,
            int        *month,
            int        *day)
{
  int n;

  *year = *month = *day = 0;
  if (s == NULL)
    return 0;
  for (n = 0; n < 4; n++)
    if (!g_ascii_isdigit (s[n]))
      return 0;
  *year = g_ascii_digit_value (s[0]) * 1000 + g_ascii_digit_value (s[1]) * 100 +
          g_ascii_digit_value (s[2]) * 10 + g_ascii_digit_value (s[3]);
  if (*year < 1 || s[4] != '-' || !g_ascii_isdigit (s[5]) || !g_ascii_isdigit (s[6]))
    return *year >= 1 ? 1 : 0;
  *month = g_ascii_digit_value (s[5]) * 10 + g_ascii_digit_value (s[6]);
  if (*month < 1 || *month > 12)
    return 1;
  if (s[7] != '-' || !g_ascii_isdigit (s[8]) || !g_ascii_isdigit (s[9]))
    return 2;
  *day = g_ascii_digit_value (s[8]) * 10 + g_ascii_digit_value (s[9]);
  if (!g_date_valid_dmy (*day, *month, *year))
    return 2;
  return 3;
}

/* A FHIR date as the locale writes it, to the precision recorded; NULL for NULL. */
static char *
format_date (const char *date,
             const char *date_format)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  switch (parse_date (date, &y, &m, &d))
    {
    case 3:
      dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
      return g_date_time_format (dt, date_format);
    case 2:
      dt = g_date_time_new_utc (y, m, 1, 0, 0, 0);
      return g_date_time_format (dt, "%B %Y");
    case 1:
      return g_strdup_printf ("%04d", y);
    default:
      return g_strdup (date);
    }
}

/* Whole months from @from to @to (both full dates), or -1. */
static int
months_between (const char *from,
                const char *to)
{
  int y1, m1, d1, y2, m2, d2, months;

  if (parse_date (from, &y1, &m1, &d1) < 3 || parse_date (to, &y2, &m2, &d2) < 3)
    return -1;
  months = (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
  return months >= 0 ? months : -1;
}

/* ------------------------------------------------------------------ words */

static const char *
sex_label (const char *gender)
{
  if (g_strcmp0 (gender, "female") == 0)
    return _("Female");
  if (g_strcmp0 (gender, "male") == 0)
    return _("Male");
  if (g_strcmp0 (gender, "other") == 0)
    return _("Other");
  if (g_strcmp0 (gender, "unknown") == 0)
    return _("Unknown");
  return _("Not recorded");
}

static char *
dup_age (ChevetPatient *p,
         GDateTime     *now)
{
  int years = chevet_patient_get_age (p, NULL);

  if (years < 0)
    return g_strdup (_("Unknown"));
  if (years < 2)
    {
      g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
      const char *until = chevet_patient_get_deceased (p) ? chevet_patient_get_deceased_date (p) : today;
      int months = months_between (chevet_patient_get_birth_date (p), until);

      if (months >= 0)
        return g_strdup_printf (ngettext ("%d month", "%d months", months), months);
    }
  return g_strdup_printf (ngettext ("%d year", "%d years", years), years);
}

static const char *
severity_label (const char *severity)
{
  if (g_strcmp0 (severity, "severe") == 0)
    return _("Severe");
  if (g_strcmp0 (severity, "moderate") == 0)
    return _("Moderate");
  if (g_strcmp0 (severity, "mild") == 0)
    return _("Mild");
  return severity;
}

static gboolean
is_critical (const char *flag)
{
  return g_strcmp0 (flag, "HH") == 0 || g_strcmp0 (flag, "LL") == 0 || g_strcmp0 (flag, "AA") == 0;
}

/* Verification statuses that qualify what is printed, or NULL for a confirmed one. */
static const char *
verification_label (const char *status)
{
  if (g_strcmp0 (status, "unconfirmed") == 0)
    return _("unconfirmed");
  if (g_strcmp0 (status, "provisional") == 0)
    return _("provisional");
  if (g_strcmp0 (status, "differential") == 0)
    return _("differential");
  return NULL;
}

static gboolean
is_active_problem (ChevetChartItem *c)
{
  return g_strcmp0 (c->status, "active") == 0 || g_strcmp0 (c->status, "recurrence") == 0 ||
         g_strcmp0 (c->status, "relapse") == 0;
}

static gboolean
is_void (const char *verification)
{
  return g_strcmp0 (verification, "refuted") == 0 || g_strcmp0 (verification, "entered-in-error") == 0;
}

static guint
len_of (GPtrArray *items)
{
  return items != NULL ? items->len : 0;
}

static const char *
or_dash (const char *s)
{
  return s != NULL && *s != '\0' ? s : "—";
}

/* "7.2 %", "120/80 mmHg": the value as a person reads it, with its unit. */
static char *
dup_value_text (ChevetChartItem *item)
{
  g_autofree char *value = chevet_chart_item_format_value (item);

  if (value == NULL)
    return g_strdup (item->detail != NULL ? item->detail : "—");
  if (item->unit != NULL && *item->unit != '\0')
    return g_strdup_printf ("%s %s", value, item->unit);
  return g_steal_pointer (&value);
}

/* ------------------------------------------------------------------ document */

static void
block_free (Block *b)
{
  for (guint i = 0; i < MAX_CELLS; i++)
    {
      g_free (b->markup[i]);
      g_clear_object (&b->layouts[i]);
    }
  g_free (b);
}

static void
print_doc_free (PrintDoc *doc)
{
  g_clear_pointer (&doc->blocks, g_ptr_array_unref);
  g_clear_pointer (&doc->slices, g_array_unref);
  g_free (doc->running);
  g_free (doc->footer);
  g_free (doc->printed);
  g_clear_weak_pointer (&doc->parent);
  g_free (doc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PrintDoc, print_doc_free)

/* Adds a block; takes the markup strings (n_cells of them, any may be NULL). */
static int
doc_add (PrintDoc     *doc,
         BlockKind     kind,
         Tone          tone,
         const double *columns,
         guint         n_cells,
         char        **markup)
{
  Block *b = g_new0 (Block, 1);

  g_assert (n_cells >= 1 && n_cells <= MAX_CELLS);
  b->kind = kind;
  b->tone = tone;
  b->in_flow = TRUE;
  b->repeat[0] = b->repeat[1] = -1;
  b->columns = columns;
  b->n_cells = n_cells;
  for (guint i = 0; i < n_cells; i++)
    b->markup[i] = markup[i];
  g_ptr_array_add (doc->blocks, b);
  return doc->blocks->len - 1;
}

static Block *
doc_block (PrintDoc *doc,
           guint     i)
{
  return g_ptr_array_index (doc->blocks, i);
}

/* A section: its heading (with a muted @note: a count, a hint; may be NULL), then, when
 * it has @n_columns titles, their row. Rows added with section_row() repeat both, as
 * "continued", atop a page they start. */
typedef struct
{
  PrintDoc     *doc;
  const double *columns;
  guint         n_columns;
  int           repeat[2];
} Section;

static char *
heading_markup (const char *title,
                const char *note)
{
  if (note == NULL)
    return g_markup_printf_escaped ("%s", title);
  return g_markup_printf_escaped ("%s  <span font=\"" FONT_SMALL "\" weight=\"normal\" color=\"" MUTED "\">%s</span>",
                                  title, note);
}

static void
section_begin (Section            *s,
               PrintDoc           *doc,
               Tone                tone,
               const char         *title,
               const char         *note,
               const double       *columns,
               guint               n_columns,
               const char * const *column_titles)
{
  /* Translators: a section's title atop a page it runs onto, e.g. "Active problems (continued)" */
  g_autofree char *continued = g_strdup_printf (_("%s (continued)"), title);
  char *markup[MAX_CELLS] = { NULL, };
  int heading;

  s->doc = doc;
  s->columns = columns;
  s->n_columns = n_columns;
  s->repeat[0] = s->repeat[1] = -1;

  markup[0] = heading_markup (title, note);
  heading = doc_add (doc, BLOCK_HEADING, tone, NULL, 1, markup);
  doc_block (doc, heading)->keep_with_next = TRUE;

  markup[0] = heading_markup (continued, NULL);
  s->repeat[0] = doc_add (doc, BLOCK_HEADING, tone, NULL, 1, markup);
  doc_block (doc, s->repeat[0])->in_flow = FALSE;

  if (column_titles != NULL)
    {
      for (guint i = 0; i < n_columns; i++)
        markup[i] = g_markup_printf_escaped ("%s", column_titles[i]);
      s->repeat[1] = doc_add (doc, BLOCK_ROW, TONE_COLUMNS, columns, n_columns, markup);
      doc_block (doc, s->repeat[1])->keep_with_next = TRUE;
    }
}

/* Takes the markup strings. */
static void
section_row (Section *s,
             Tone     tone,
             char   **markup)
{
  int i = doc_add (s->doc, BLOCK_ROW, tone, s->columns, s->n_columns, markup);

  memcpy (doc_block (s->doc, i)->repeat, s->repeat, sizeof s->repeat);
}

/* A one-cell muted line inside a section (takes @text). */
static void
section_note (Section *s,
              Tone     tone,
              char    *text)
{
  g_autofree char *owned = text;
  char *markup[1];
  int i;

  if (tone == TONE_NOTE)
    markup[0] = g_markup_printf_escaped ("<i>%s</i>", text);
  else
    markup[0] = g_markup_printf_escaped ("<b>%s</b>", text);
  i = doc_add (s->doc, BLOCK_ROW, tone, NULL, 1, markup);
  memcpy (doc_block (s->doc, i)->repeat, s->repeat, sizeof s->repeat);
}

/* A cell: a main text, then an optional muted second line. */
static char *
cell_markup (const char *main_markup,
             const char *second)
{
  g_autofree char *escaped = NULL;

  if (second == NULL || *second == '\0')
    return g_strdup (main_markup);
  escaped = g_markup_escape_text (second, -1);
  return g_strdup_printf ("%s\n<span font=\"" FONT_SMALL "\" color=\"" MUTED "\">%s</span>",
                          main_markup, escaped);
}

static char *
cell_text (const char *text,
           const char *second)
{
  g_autofree char *escaped = g_markup_escape_text (or_dash (text), -1);

  return cell_markup (escaped, second);
}

static void
build_banner (PrintDoc      *doc,
              ChevetPatient *p,
              GDateTime     *now,
              const char    *date_format)
{
  const char *name = chevet_patient_get_display_name (p);
  g_autofree char *eyebrow = g_utf8_strup (_("Patient summary"), -1);
  g_autofree char *birth = format_date (chevet_patient_get_birth_date (p), date_format);
  g_autofree char *age = dup_age (p, now);
  char *markup[MAX_CELLS] = { NULL, };
  int i;

  markup[0] = g_markup_printf_escaped ("<span color=\"" MUTED "\">%s</span>", eyebrow);
  markup[1] = g_markup_printf_escaped ("%s", name != NULL ? name : _("Name not recorded"));
  if (chevet_patient_get_deceased (p))
    {
      g_autofree char *day = format_date (chevet_patient_get_deceased_date (p), date_format);

      if (day != NULL)
        /* Translators: the flag on a deceased patient's summary; %s is the date of death */
        markup[2] = g_markup_printf_escaped (_("DECEASED · %s"), day);
      else
        markup[2] = g_markup_printf_escaped ("%s", _("DECEASED"));
    }
  i = doc_add (doc, BLOCK_TITLE, TONE_PLAIN, NULL, 3, markup);
  doc_block (doc, i)->keep_with_next = TRUE;

  markup[0] = g_markup_printf_escaped ("%s", _("Sex"));
  markup[1] = g_markup_printf_escaped ("%s", chevet_patient_get_deceased (p) ? _("Age at death") : _("Age"));
  markup[2] = g_markup_printf_escaped ("%s", _("Date of birth"));
  markup[3] = g_markup_printf_escaped ("%s", _("Identifier"));
  i = doc_add (doc, BLOCK_ROW, TONE_LABELS, columns_fields, 4, markup);
  doc_block (doc, i)->keep_with_next = TRUE;

  markup[0] = g_markup_printf_escaped ("%s", sex_label (chevet_patient_get_gender (p)));
  markup[1] = g_markup_printf_escaped ("%s", age);
  markup[2] = g_markup_printf_escaped ("%s", birth != NULL ? birth : _("Unknown"));
  markup[3] = g_markup_printf_escaped ("%s", or_dash (chevet_patient_get_identifier (p)));
  i = doc_add (doc, BLOCK_ROW, TONE_FIELDS, columns_fields, 4, markup);
  doc_block (doc, i)->keep_with_next = TRUE;

  /* Pages after the first say whose they are, in case they come apart. */
  {
    g_autoptr(GString) running = g_string_new (NULL);
    g_autofree char *who = g_markup_printf_escaped ("<b>%s</b>", name != NULL ? name : _("Name not recorded"));

    g_string_append (running, who);
    if (birth != NULL)
      {
        /* Translators: in the header of later pages; %s is the date of birth */
        g_autofree char *born = g_strdup_printf (_("born %s"), birth);
        g_autofree char *escaped = g_markup_escape_text (born, -1);

        g_string_append_printf (running, "  ·  %s", escaped);
      }
    if (chevet_patient_get_identifier (p) != NULL)
      {
        g_autofree char *escaped = g_markup_escape_text (chevet_patient_get_identifier (p), -1);

        g_string_append_printf (running, "  ·  %s", escaped);
      }
    doc->running = g_string_free (g_steal_pointer (&running), FALSE);
  }
}

static void
build_allergies (PrintDoc    *doc,
                 ChevetChart *chart)
{
  guint n = len_of (chart->allergies);
  g_autofree char *count = n > 0 ? g_strdup_printf ("%u", n) : NULL;
  Section s;

  section_begin (&s, doc, TONE_ALERT, _("Allergies and intolerances"), count, columns_allergy, 3, NULL);
  if (n == 0)
    {
      if (chart->no_known_allergies)
        section_note (&s, TONE_CALM, g_strdup (_("No known allergies")));
      else
        section_note (&s, TONE_CAUTION, g_strdup (_("Allergies not recorded")));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      ChevetChartItem *a = g_ptr_array_index (chart->allergies, i);
      const char *criticality = chevet_chart_describe_criticality (a->flag);
      const char *severity = severity_label (a->value);
      g_autoptr(GString) qualifiers = g_string_new (NULL);
      g_autofree char *substance = g_markup_printf_escaped ("<b>%s</b>", or_dash (a->display));
      char *markup[MAX_CELLS] = { NULL, };

      if (g_strcmp0 (a->extra, "intolerance") == 0)
        g_string_append (qualifiers, _("intolerance"));
      if (verification_label (a->end_date) != NULL)
        g_string_append_printf (qualifiers, "%s%s", qualifiers->len ? ", " : "", verification_label (a->end_date));
      if (g_strcmp0 (a->status, "inactive") == 0 || g_strcmp0 (a->status, "resolved") == 0)
        g_string_append_printf (qualifiers, "%s%s", qualifiers->len ? ", " : "",
                                g_strcmp0 (a->status, "inactive") == 0 ? _("inactive") : _("resolved"));
      markup[0] = cell_markup (substance, qualifiers->str);

      if (g_strcmp0 (a->flag, "high") == 0)
        markup[1] = g_markup_printf_escaped ("<span color=\"" RED "\"><b>%s</b></span>", criticality);
      else
        markup[1] = g_markup_printf_escaped ("%s", or_dash (criticality));

      if (severity != NULL && a->detail != NULL)
        markup[2] = g_markup_printf_escaped ("<b>%s</b>: %s", severity, a->detail);
      else if (severity != NULL)
        markup[2] = g_markup_printf_escaped ("<b>%s</b>", severity);
      else
        markup[2] = g_markup_printf_escaped ("%s", or_dash (a->detail));
      section_row (&s, TONE_ALERT, markup);
    }
}

static void
build_problems (PrintDoc    *doc,
                ChevetChart *chart,
                const char  *date_format)
{
  const char * const titles[] = { _("Problem"), _("Since") };
  g_autofree char *count = NULL;
  guint n = len_of (chart->conditions), active = 0, others = 0, recorded = 0;
  Section s;

  for (guint i = 0; i < n; i++)
    {
      ChevetChartItem *c = g_ptr_array_index (chart->conditions, i);

      if (is_void (c->flag))
        continue;
      recorded++;
      if (is_active_problem (c))
        active++;
      else
        others++;
    }
  if (active > 0)
    count = g_strdup_printf ("%u", active);
  section_begin (&s, doc, TONE_PLAIN, _("Active problems"), count, columns_problem, 2,
                 active > 0 ? titles : NULL);
  if (active == 0)
    section_note (&s, TONE_NOTE, g_strdup (recorded == 0 ? _("None recorded") : _("No active problems")));
  for (guint i = 0; i < n; i++)
    {
      ChevetChartItem *c = g_ptr_array_index (chart->conditions, i);
      char *markup[MAX_CELLS] = { NULL, };
      g_autofree char *since = NULL;

      if (is_void (c->flag) || !is_active_problem (c))
        continue;
      since = format_date (c->date, date_format);
      markup[0] = cell_text (c->display, verification_label (c->flag));
      markup[1] = cell_text (since, NULL);
      section_row (&s, TONE_PLAIN, markup);
    }
  if (active > 0 && others > 0)
    section_note (&s, TONE_NOTE,
                  g_strdup_printf (ngettext ("%u other problem (resolved or inactive) not shown",
                                             "%u other problems (resolved or inactive) not shown", others),
                                   others));
}

static void
build_medications (PrintDoc    *doc,
                   ChevetChart *chart,
                   const char  *date_format)
{
  const char * const titles[] = { _("Medication"), _("Dosage"), _("Since") };
  g_autofree char *count = NULL;
  guint n = len_of (chart->medications), active = 0;
  Section s;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (((ChevetChartItem *) g_ptr_array_index (chart->medications, i))->status, "active") == 0)
      active++;
  if (active > 0)
    count = g_strdup_printf ("%u", active);
  section_begin (&s, doc, TONE_PLAIN, _("Current medications"), count, columns_medication, 3,
                 active > 0 ? titles : NULL);
  if (active == 0)
    section_note (&s, TONE_NOTE, g_strdup (n == 0 ? _("None recorded") : _("No current medications")));
  for (guint i = 0; i < n; i++)
    {
      ChevetChartItem *m = g_ptr_array_index (chart->medications, i);
      char *markup[MAX_CELLS] = { NULL, };
      g_autofree char *name = NULL;
      g_autofree char *since = NULL;

      if (g_strcmp0 (m->status, "active") != 0)
        continue;
      name = g_markup_printf_escaped ("<b>%s</b>", or_dash (m->display));
      since = format_date (m->date, date_format);
      markup[0] = g_strdup (name);
      markup[1] = cell_text (m->value != NULL ? m->value : _("Dosage not recorded"), m->detail);
      markup[2] = cell_text (since, m->extra);
      section_row (&s, TONE_PLAIN, markup);
    }
}

static void
build_vitals (PrintDoc    *doc,
              ChevetChart *chart,
              const char  *date_format)
{
  const char * const titles[] = { _("Vital sign"), _("Value"), _("Date") };
  guint n = len_of (chart->vitals);
  Section s;

  section_begin (&s, doc, TONE_PLAIN, _("Latest vital signs"), NULL, columns_vital, 3, n > 0 ? titles : NULL);
  if (n == 0)
    section_note (&s, TONE_NOTE, g_strdup (_("None recorded")));
  for (guint i = 0; i < n; i++)
    {
      ChevetChartItem *v = g_ptr_array_index (chart->vitals, i);
      g_autofree char *value = dup_value_text (v);
      g_autofree char *date = format_date (v->date, date_format);
      char *markup[MAX_CELLS] = { NULL, };

      markup[0] = cell_text (v->display, NULL);
      if (chevet_chart_flag_is_abnormal (v->flag))
        markup[1] = g_markup_printf_escaped ("<b>%s</b>  <span color=\"" RED "\"><b>%s</b></span>",
                                             value, chevet_chart_describe_flag (v->flag, NULL, NULL));
      else
        markup[1] = g_markup_printf_escaped ("<b>%s</b>", value);
      markup[2] = cell_text (date, NULL);
      section_row (&s, TONE_PLAIN, markup);
    }
}

static void
build_labs (PrintDoc    *doc,
            ChevetChart *chart,
            const char  *date_format)
{
  const char * const titles[] = { _("Test"), _("Result"), _("Reference range"), _("Flag"), _("Date") };
  guint n = len_of (chart->labs), abnormal = 0;
  Section s;

  for (guint i = 0; i < n; i++)
    if (chevet_chart_flag_is_abnormal (((ChevetChartItem *) g_ptr_array_index (chart->labs, i))->flag))
      abnormal++;
  section_begin (&s, doc, TONE_PLAIN, _("Abnormal lab results"),
                 n > 0 ? _("latest result of each test") : NULL, columns_lab, 5,
                 abnormal > 0 ? titles : NULL);
  if (n == 0)
    section_note (&s, TONE_NOTE, g_strdup (_("None recorded")));
  else if (abnormal == 0)
    section_note (&s, TONE_NOTE,
                  g_strdup_printf (ngettext ("No abnormal result among the latest results of %u test",
                                             "No abnormal result among the latest results of %u tests", n),
                                   n));
  for (guint i = 0; i < n; i++)
    {
      ChevetChartItem *l = g_ptr_array_index (chart->labs, i);
      g_autofree char *value = NULL;
      g_autofree char *date = NULL;
      char *markup[MAX_CELLS] = { NULL, };

      if (!chevet_chart_flag_is_abnormal (l->flag))
        continue;
      value = dup_value_text (l);
      date = format_date (l->date, date_format);
      markup[0] = cell_text (l->display, NULL);
      markup[1] = g_markup_printf_escaped ("<b>%s</b>", value);
      markup[2] = cell_text (l->range, NULL);
      if (is_critical (l->flag))
        markup[3] = g_markup_printf_escaped ("<span color=\"" RED "\"><b>%s</b></span>", chevet_chart_describe_flag (l->flag, NULL, NULL));
      else
        markup[3] = g_markup_printf_escaped ("<b>%s</b>", chevet_chart_describe_flag (l->flag, NULL, NULL));
      markup[4] = cell_text (date, NULL);
      section_row (&s, TONE_PLAIN, markup);
    }
}

static void
build_encounters (PrintDoc    *doc,
                  ChevetChart *chart,
                  const char  *date_format)
{
  const char * const titles[] = { _("Date"), _("Encounter"), _("Reason"), _("Location") };
  guint n = len_of (chart->encounters);
  guint shown = MIN (n, RECENT_ENCOUNTERS);
  g_autofree char *note = NULL;
  Section s;

  if (n > shown)
    /* Translators: next to "Recent encounters"; the numbers shown and recorded */
    note = g_strdup_printf (_("latest %u of %u"), shown, n);
  section_begin (&s, doc, TONE_PLAIN, _("Recent encounters"), note, columns_encounter, 4,
                 n > 0 ? titles : NULL);
  if (n == 0)
    section_note (&s, TONE_NOTE, g_strdup (_("None recorded")));
  for (guint i = 0; i < shown; i++)
    {
      ChevetChartItem *e = g_ptr_array_index (chart->encounters, i);
      g_autofree char *date = format_date (e->date, date_format);
      char *markup[MAX_CELLS] = { NULL, };

      markup[0] = cell_text (date, NULL);
      markup[1] = cell_text (e->display, NULL);
      markup[2] = cell_text (e->detail, NULL);
      markup[3] = cell_text (e->extra, NULL);
      section_row (&s, TONE_PLAIN, markup);
    }
}

static PrintDoc *
print_doc_new (ChevetChart           *chart,
               const char            *footer,
               ChevetChartPrintFlags  flags,
               GDateTime             *now)
{
  g_autoptr(PrintDoc) doc = g_new0 (PrintDoc, 1);
  g_autofree char *date_format = dup_date_format ();
  g_autofree char *day = g_date_time_format (now, date_format);
  g_autofree char *hour = g_date_time_format (now, "%X");
  g_autofree char *confidential = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *when = NULL;

  doc->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) block_free);
  doc->slices = g_array_new (FALSE, TRUE, sizeof (Slice));

  build_banner (doc, chart->patient, now, date_format);
  build_allergies (doc, chart);
  build_problems (doc, chart, date_format);
  build_medications (doc, chart, date_format);
  build_vitals (doc, chart, date_format);
  build_labs (doc, chart, date_format);
  build_encounters (doc, chart, date_format);

  when = g_strdup_printf ("%s %s", day != NULL ? day : "", hour != NULL ? hour : "");
  /* Translators: in the footer of every page; %s is the date and time of printing */
  printed = g_strdup_printf (_("Printed %s"), when);
  doc->printed = g_markup_escape_text (printed, -1);

  confidential = g_markup_printf_escaped ("<i>%s</i>", _("Confidential medical information"));
  if (footer != NULL && *footer != '\0')
    {
      g_autofree char *escaped = g_markup_escape_text (footer, -1);

      doc->footer = g_strdup_printf ("%s\n%s", escaped, confidential);
    }
  else
    doc->footer = g_steal_pointer (&confidential);
  if (flags & CHEVET_CHART_PRINT_TRAINING)
    {
      /* A synthetic chart on paper must not pass for a real one. */
      g_autofree char *marker = g_markup_printf_escaped ("<b>%s</b>\n", chevet_training_marker_get_text ());
      char *both = g_strconcat (marker, doc->footer, NULL);

      g_free (doc->footer);
      doc->footer = both;
    }
  return g_steal_pointer (&doc);
}

/* ------------------------------------------------------------------ layout */

static PangoLayout *
new_layout (GtkPrintContext *context,
            const char      *font,
            const char      *markup,
            double           width)
{
  PangoLayout *layout = gtk_print_context_create_pango_layout (context);
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, desc);
  if (width > 0)
    {
      pango_layout_set_width (layout, pango_units_from_double (width));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_set_markup (layout, markup, -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return pango_units_to_double (h);
}

static double
layout_width (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return pango_units_to_double (w);
}

static gboolean
tone_is_band (Tone tone)
{
  return tone == TONE_ALERT || tone == TONE_CAUTION || tone == TONE_CALM;
}

static const char *
row_font (Block *b)
{
  switch (b->tone)
    {
    case TONE_COLUMNS:
    case TONE_LABELS:
      return FONT_SMALL;
    case TONE_FIELDS:
      return FONT_FIELD;
    case TONE_ALERT:
    case TONE_CAUTION:
    case TONE_CALM:
      return FONT_ALLERGY;
    case TONE_PLAIN:
    case TONE_NOTE:
    default:
      return FONT_BODY;
    }
}

static void
layout_row (Block           *b,
            GtkPrintContext *context,
            double           width)
{
  double inset = tone_is_band (b->tone) ? BAND_INSET : 0;
  double inner = width - inset - (inset > 0 ? 6 : 0);
  double x = inset;
  double tallest = 0;

  for (guint i = 0; i < b->n_cells; i++)
    {
      double w = b->columns != NULL ? b->columns[i] * inner : inner;
      double text_w = w - (i + 1 < b->n_cells ? GUTTER : 0);

      b->layouts[i] = new_layout (context, row_font (b), b->markup[i] ? b->markup[i] : "", text_w);
      b->cell_x[i] = x;
      x += w;
      tallest = MAX (tallest, layout_height (b->layouts[i]));
    }

  switch (b->tone)
    {
    case TONE_COLUMNS:
      b->pad_top = 2;
      b->pad_bottom = 3;
      break;
    case TONE_LABELS:
      b->lead = 10;
      b->pad_top = 0;
      b->pad_bottom = 1;
      break;
    case TONE_FIELDS:
      b->pad_top = 0;
      b->pad_bottom = 9;   /* over the banner's closing rule */
      break;
    case TONE_ALERT:
    case TONE_CAUTION:
    case TONE_CALM:
      b->pad_top = 5;
      b->pad_bottom = 5;
      break;
    case TONE_NOTE:
      b->pad_top = 3;
      b->pad_bottom = 3;
      break;
    case TONE_PLAIN:
    default:
      b->pad_top = 3.5;
      b->pad_bottom = 3.5;
      break;
    }
  b->height = b->lead + b->pad_top + tallest + b->pad_bottom;
  b->pad_top += b->lead;
}

static void
layout_block (Block           *b,
              GtkPrintContext *context,
              double           width)
{
  switch (b->kind)
    {
    case BLOCK_TITLE:
      b->layouts[0] = new_layout (context, FONT_EYEBROW, b->markup[0], width);
      if (b->markup[2] != NULL)
        {
          b->layouts[2] = new_layout (context, FONT_BADGE, b->markup[2], -1);
          b->badge_w = layout_width (b->layouts[2]) + 14;
          b->badge_h = layout_height (b->layouts[2]) + 7;
        }
      b->layouts[1] = new_layout (context, FONT_NAME, b->markup[1],
                                  width - (b->badge_w > 0 ? b->badge_w + 12 : 0));
      b->aux_y = layout_height (b->layouts[0]) + 3;
      b->height = b->aux_y + MAX (layout_height (b->layouts[1]), b->badge_h);
      break;

    case BLOCK_HEADING:
      b->lead = 13;
      b->layouts[0] = new_layout (context, FONT_HEADING, b->markup[0], width);
      b->pad_top = b->lead;
      /* title, 2.5 pt, the rule, 4 pt */
      b->height = b->lead + layout_height (b->layouts[0]) + 2.5 + 1.2 + 4;
      break;

    case BLOCK_ROW:
    default:
      layout_row (b, context, width);
      break;
    }
}

/* Where lines of @b's cells are: is @y between two lines (or outside them) in all cells? */
static gboolean
is_between_lines (Block  *b,
                  double  y)
{
  for (guint i = 0; i < b->n_cells; i++)
    {
      PangoLayoutIter *iter;
      gboolean ok = TRUE;

      if (b->layouts[i] == NULL)
        continue;
      iter = pango_layout_get_iter (b->layouts[i]);
      do
        {
          PangoRectangle r;
          double top, bottom;

          pango_layout_iter_get_line_extents (iter, NULL, &r);
          top = b->pad_top + pango_units_to_double (r.y);
          bottom = top + pango_units_to_double (r.height);
          if (top + EPSILON < y && y < bottom - EPSILON)
            ok = FALSE;
        }
      while (ok && pango_layout_iter_next_line (iter));
      pango_layout_iter_free (iter);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* The lowest offset in (@from, @limit] where @b may be cut without cutting a line;
 * @from when there is none. Only rows are ever cut: titles and headings are small. */
static double
find_break (Block  *b,
            double  from,
            double  limit)
{
  double best = from;

  if (b->kind != BLOCK_ROW)
    return from;
  for (guint i = 0; i < b->n_cells; i++)
    {
      PangoLayoutIter *iter;

      if (b->layouts[i] == NULL)
        continue;
      iter = pango_layout_get_iter (b->layouts[i]);
      do
        {
          PangoRectangle r;
          double candidates[2];

          pango_layout_iter_get_line_extents (iter, NULL, &r);
          candidates[0] = b->pad_top + pango_units_to_double (r.y);
          candidates[1] = candidates[0] + pango_units_to_double (r.height);
          for (guint k = 0; k < 2; k++)
            if (candidates[k] > best + EPSILON && candidates[k] <= limit + EPSILON &&
                is_between_lines (b, candidates[k]))
              best = candidates[k];
        }
      while (pango_layout_iter_next_line (iter));
      pango_layout_iter_free (iter);
    }
  return best;
}

typedef struct
{
  PrintDoc *doc;
  guint     page;
  double    y;
  double    top;
  double    bottom;
  gboolean  fresh;   /* nothing of the flow on this page yet */
} Pager;

static void
pager_add (Pager  *pg,
           guint   block,
           double  from,
           double  to)
{
  Slice s = { block, pg->page, from, to, pg->y };

  g_array_append_val (pg->doc->slices, s);
  pg->y += to - from;
}

/* A new page; the section's heading and column titles again when @b is in one. */
static void
pager_new_page (Pager *pg,
                Block *b)
{
  pg->page++;
  pg->top = pg->doc->running_height;
  pg->y = pg->top;
  for (guint k = 0; k < G_N_ELEMENTS (b->repeat); k++)
    if (b->repeat[k] >= 0)
      {
        Block *r = doc_block (pg->doc, b->repeat[k]);

        pager_add (pg, b->repeat[k], r->kind == BLOCK_HEADING ? r->lead : 0, r->height);
      }
  pg->fresh = TRUE;
}

/* The height @i needs on its page: with what must stay with it. */
static double
chain_height (PrintDoc *doc,
              guint     i)
{
  double h = 0;

  for (; i < doc->blocks->len; i++)
    {
      Block *b = doc_block (doc, i);

      if (!b->in_flow)
        continue;
      h += b->height;
      if (!b->keep_with_next)
        break;
    }
  return h;
}

static void
paginate (PrintDoc *doc,
          double    page_height)
{
  Pager pg = { doc, 0, 0, 0, page_height - doc->footer_height, TRUE };

  g_array_set_size (doc->slices, 0);
  for (guint i = 0; i < doc->blocks->len; i++)
    {
      Block *b = doc_block (doc, i);
      double off = 0;

      if (!b->in_flow)
        continue;
      /* Keep a heading with its first rows, unless that could never fit on a page. */
      if (!pg.fresh && pg.y + chain_height (doc, i) > pg.bottom + EPSILON &&
          chain_height (doc, i) <= pg.bottom - doc->running_height)
        pager_new_page (&pg, b);
      if (pg.y <= pg.top + EPSILON)
        off = b->lead;   /* no space above what starts a page */

      for (;;)
        {
          double room = pg.bottom - pg.y;
          double cut;

          if (b->height - b->pad_bottom - off <= room + EPSILON)
            {
              pager_add (&pg, i, off, b->height);
              break;
            }
          cut = find_break (b, off, off + room);
          if (cut <= off + EPSILON)
            {
              if (!pg.fresh)
                {
                  pager_new_page (&pg, b);
                  continue;
                }
              /* One line taller than a whole page (or a page too small for anything):
               * nothing better than cutting it, and moving on. */
              cut = off + MAX (room, 12);
            }
          pager_add (&pg, i, off, cut);
          pg.fresh = FALSE;
          off = cut;
          pager_new_page (&pg, b);
        }
      pg.fresh = FALSE;
    }
  doc->n_pages = pg.page + 1;
}

/* ------------------------------------------------------------------ drawing */

static void
set_rgb (cairo_t *cr,
         guint32  rgb)
{
  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

#define INK        0x1e1e1e
#define HAIRLINE   0xd8d8d8
#define RULE       0x3d3846
#define ACCENT     0x1c3a5e
#define RED_RGB    0xa51d2d
#define RED_TINT   0xfbeaea
#define RED_LINE   0xf0c8c8
#define AMBER_RGB  0xc65d00
#define AMBER_TINT 0xfff1dc
#define CALM_RGB   0x6b8f71
#define CALM_TINT  0xeef4ef

static void
fill_rect (cairo_t *cr,
           guint32  rgb,
           double   x,
           double   y,
           double   w,
           double   h)
{
  set_rgb (cr, rgb);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
}

/* The lines of @layout (drawn at @x, @y) that start within [@from, @to): a row cut
 * between pages shows each line once, on one page, and a PDF's text has no copies. */
static void
show_lines (cairo_t     *cr,
            PangoLayout *layout,
            double       x,
            double       y,
            double       from,
            double       to)
{
  PangoLayoutIter *iter = pango_layout_get_iter (layout);

  do
    {
      PangoRectangle r;
      double top;

      pango_layout_iter_get_line_extents (iter, NULL, &r);
      top = y + pango_units_to_double (r.y);
      if (top >= from - EPSILON && top < to - EPSILON)
        {
          cairo_move_to (cr, x + pango_units_to_double (r.x),
                         y + pango_units_to_double (pango_layout_iter_get_baseline (iter)));
          pango_cairo_show_layout_line (cr, pango_layout_iter_get_line_readonly (iter));
        }
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
}

static void
draw_row (cairo_t *cr,
          Block   *b,
          double   width,
          double   from,
          double   to)
{
  switch (b->tone)
    {
    case TONE_ALERT:
      fill_rect (cr, RED_TINT, 0, 0, width, b->height);
      fill_rect (cr, RED_LINE, 0, b->height - 0.6, width, 0.6);
      fill_rect (cr, RED_RGB, 0, 0, 4, b->height);
      break;
    case TONE_CAUTION:
      fill_rect (cr, AMBER_TINT, 0, 0, width, b->height);
      fill_rect (cr, AMBER_RGB, 0, 0, 4, b->height);
      break;
    case TONE_CALM:
      fill_rect (cr, CALM_TINT, 0, 0, width, b->height);
      fill_rect (cr, CALM_RGB, 0, 0, 4, b->height);
      break;
    case TONE_PLAIN:
      fill_rect (cr, HAIRLINE, 0, b->height - 0.5, width, 0.5);
      break;
    case TONE_COLUMNS:
      fill_rect (cr, 0x9a9996, 0, b->height - 0.6, width, 0.6);
      break;
    case TONE_FIELDS:
      fill_rect (cr, RULE, 0, b->height - 1.5, width, 1.5);
      break;
    case TONE_NOTE:
    case TONE_LABELS:
    default:
      break;
    }

  for (guint i = 0; i < b->n_cells; i++)
    {
      switch (b->tone)
        {
        case TONE_COLUMNS:
        case TONE_LABELS:
        case TONE_NOTE:
          set_rgb (cr, 0x5e5c64);
          break;
        case TONE_CAUTION:
          set_rgb (cr, 0x8f4700);
          break;
        case TONE_PLAIN:
        case TONE_FIELDS:
        case TONE_ALERT:
        case TONE_CALM:
        default:
          set_rgb (cr, INK);
          break;
        }
      show_lines (cr, b->layouts[i], b->cell_x[i], b->pad_top, from, to);
    }
}

static void
draw_block (cairo_t *cr,
            Block   *b,
            double   width,
            double   from,
            double   to)
{
  switch (b->kind)
    {
    case BLOCK_TITLE:
      set_rgb (cr, INK);
      cairo_move_to (cr, 0, 0);
      pango_cairo_show_layout (cr, b->layouts[0]);
      cairo_move_to (cr, 0, b->aux_y);
      pango_cairo_show_layout (cr, b->layouts[1]);
      if (b->layouts[2] != NULL)
        {
          double x = width - b->badge_w;
          double y = b->aux_y + (layout_height (b->layouts[1]) - b->badge_h) / 2;

          fill_rect (cr, RULE, x, y, b->badge_w, b->badge_h);
          set_rgb (cr, 0xffffff);
          cairo_move_to (cr, x + 7, y + 3.5);
          pango_cairo_show_layout (cr, b->layouts[2]);
        }
      break;

    case BLOCK_HEADING:
      {
        double y = b->pad_top + layout_height (b->layouts[0]) + 2.5;
        gboolean alert = b->tone == TONE_ALERT;

        set_rgb (cr, alert ? RED_RGB : ACCENT);
        cairo_move_to (cr, 0, b->pad_top);
        pango_cairo_show_layout (cr, b->layouts[0]);
        fill_rect (cr, alert ? RED_RGB : ACCENT, 0, y, width, alert ? 1.2 : 0.8);
      }
      break;

    case BLOCK_ROW:
    default:
      draw_row (cr, b, width, from, to);
      break;
    }
}

/* The footer's left part (the caller's text, confidentiality) and right part (page,
 * time of printing), laid out for @width. */
static void
footer_layouts (PrintDoc         *doc,
                GtkPrintContext  *context,
                double            width,
                int               page,
                PangoLayout     **left,
                PangoLayout     **right)
{
  /* Translators: in the footer of every page, "Page 1 of 3" */
  g_autofree char *of = g_strdup_printf (_("Page %d of %d"), page + 1, MAX (doc->n_pages, 1));
  g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>\n", of);
  g_autofree char *both = g_strconcat (markup, doc->printed, NULL);

  *left = new_layout (context, FONT_SMALL, doc->footer, width * 0.66);
  *right = new_layout (context, FONT_SMALL, both, width * 0.32);
  pango_layout_set_alignment (*right, PANGO_ALIGN_RIGHT);
}

static void
on_begin_print (GtkPrintOperation *op,
                GtkPrintContext   *context,
                PrintDoc          *doc)
{
  double width = gtk_print_context_get_width (context);
  double height = gtk_print_context_get_height (context);
  g_autoptr(PangoLayout) left = NULL;
  g_autoptr(PangoLayout) right = NULL;
  g_autoptr(PangoLayout) running = NULL;

  /* The dialog may have changed the paper since the last run of this document. */
  for (guint i = 0; i < doc->blocks->len; i++)
    {
      Block *b = doc_block (doc, i);

      for (guint k = 0; k < MAX_CELLS; k++)
        g_clear_object (&b->layouts[k]);
      b->lead = b->pad_top = b->pad_bottom = b->badge_w = b->badge_h = 0;
      layout_block (b, context, width);
    }

  doc->n_pages = 999;
  footer_layouts (doc, context, width, 998, &left, &right);
  doc->footer_height = 12 + MAX (layout_height (left), layout_height (right));
  running = new_layout (context, FONT_SMALL, doc->running, width);
  doc->running_height = layout_height (running) + 4 + 0.6 + 12;

  paginate (doc, height);
  gtk_print_operation_set_n_pages (op, doc->n_pages);
  g_debug ("summary laid out: %u blocks on %u pages", doc->blocks->len, doc->n_pages);
}

static void
on_draw_page (GtkPrintOperation *op,
              GtkPrintContext   *context,
              int                page,
              PrintDoc          *doc)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double width = gtk_print_context_get_width (context);
  double height = gtk_print_context_get_height (context);
  g_autoptr(PangoLayout) left = NULL;
  g_autoptr(PangoLayout) right = NULL;
  double footer_y = height - doc->footer_height + 10;

  if (page > 0)
    {
      g_autoptr(PangoLayout) running = new_layout (context, FONT_SMALL, doc->running, width);

      set_rgb (cr, INK);
      cairo_move_to (cr, 0, 0);
      pango_cairo_show_layout (cr, running);
      fill_rect (cr, HAIRLINE, 0, layout_height (running) + 4, width, 0.6);
    }

  for (guint i = 0; i < doc->slices->len; i++)
    {
      Slice *s = &g_array_index (doc->slices, Slice, i);
      Block *b = doc_block (doc, s->block);
      gboolean whole = s->from <= b->lead + EPSILON && s->to >= b->height - EPSILON;

      if (s->page != (guint) page)
        continue;
      cairo_save (cr);
      if (!whole)
        {
          /* Only cut between lines (see find_break); the clip keeps the rest off. */
          cairo_rectangle (cr, -4, s->y, width + 8, s->to - s->from);
          cairo_clip (cr);
        }
      cairo_translate (cr, 0, s->y - s->from);
      draw_block (cr, b, width, s->from, s->to);
      cairo_restore (cr);
    }

  footer_layouts (doc, context, width, page, &left, &right);
  fill_rect (cr, HAIRLINE, 0, footer_y - 5, width, 0.6);
  set_rgb (cr, 0x5e5c64);
  cairo_move_to (cr, 0, footer_y);
  pango_cairo_show_layout (cr, left);
  cairo_move_to (cr, width * 0.68, footer_y);
  pango_cairo_show_layout (cr, right);
}

/* ------------------------------------------------------------------ running */

static void
remember_choices (GtkPrintOperation *op)
{
  g_set_object (&last_settings, gtk_print_operation_get_print_settings (op));
  g_set_object (&last_page_setup, gtk_print_operation_get_default_page_setup (op));
}

static void
on_done (GtkPrintOperation       *op,
         GtkPrintOperationResult  result,
         PrintDoc                *doc)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  /* Synchronous runs report through chevet_chart_print()'s return value. */
  if (!doc->async)
    return;
  if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    remember_choices (op);
  if (result != GTK_PRINT_OPERATION_RESULT_ERROR)
    return;

  gtk_print_operation_get_error (op, &error);
  g_debug ("printing failed: %s", error != NULL ? error->message : "?");
  dialog = adw_message_dialog_new (doc->parent, _("The chart summary could not be printed"),
                                   error != NULL ? error->message : NULL);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkPageSetup *
new_default_page_setup (void)
{
  GtkPageSetup *setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);

  gtk_page_setup_set_paper_size (setup, a4);
  gtk_page_setup_set_orientation (setup, GTK_PAGE_ORIENTATION_PORTRAIT);
  gtk_page_setup_set_top_margin (setup, 15, GTK_UNIT_MM);
  gtk_page_setup_set_bottom_margin (setup, 12, GTK_UNIT_MM);
  gtk_page_setup_set_left_margin (setup, 18, GTK_UNIT_MM);
  gtk_page_setup_set_right_margin (setup, 18, GTK_UNIT_MM);
  return setup;
}

gboolean
chevet_chart_print (GtkWindow             *parent,
                    ChevetChart           *chart,
                    const char            *footer,
                    ChevetChartPrintFlags  flags,
                    const char            *export_path,
                    GError               **error)
{
  g_autoptr(GtkPrintOperation) op = NULL;
  g_autoptr(GtkPageSetup) setup = NULL;
  g_autoptr(GDateTime) now = NULL;
  GtkPrintOperationResult result;
  PrintDoc *doc;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), FALSE);
  g_return_val_if_fail (chart != NULL, FALSE);
  g_return_val_if_fail (CHEVET_IS_PATIENT (chart->patient), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = g_date_time_new_now_local ();
  doc = print_doc_new (chart, footer, flags, now);
  g_set_weak_pointer (&doc->parent, parent);

  op = gtk_print_operation_new ();
  /* Job names reach the spooler and its logs: never the patient's name. */
  gtk_print_operation_set_job_name (op, _("Chart summary"));
  gtk_print_operation_set_unit (op, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (op, TRUE);
  setup = last_page_setup != NULL ? gtk_page_setup_copy (last_page_setup) : new_default_page_setup ();
  gtk_print_operation_set_default_page_setup (op, setup);
  g_signal_connect_data (op, "begin-print", G_CALLBACK (on_begin_print), doc,
                         (GClosureNotify) (void (*) (void)) print_doc_free, 0);
  g_signal_connect (op, "draw-page", G_CALLBACK (on_draw_page), doc);
  g_signal_connect (op, "done", G_CALLBACK (on_done), doc);

  if (export_path != NULL)
    {
      gtk_print_operation_set_export_filename (op, export_path);
      result = gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_EXPORT, parent, error);
    }
  else
    {
      if (last_settings != NULL)
        gtk_print_operation_set_print_settings (op, last_settings);
      gtk_print_operation_set_allow_async (op, TRUE);
      result = gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent, error);
      /* When in progress, GTK holds the operation until it is done, and our document
       * with it; on_done() reports from then on. */
      if (result == GTK_PRINT_OPERATION_RESULT_IN_PROGRESS)
        doc->async = TRUE;
      else if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
        remember_choices (op);
    }

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, GTK_PRINT_ERROR, GTK_PRINT_ERROR_GENERAL,
                             _("The chart summary could not be printed"));
      return FALSE;
    }
  return TRUE;
}
