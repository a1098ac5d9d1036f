/* chevet-chart-view.c: a patient's chart: the banner that never scrolls, and its sections
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The banner (name, sex, age, identifier, allergies) sits above the section switcher,
 * outside every scrolled window. The summary is a handful of bounded boxed lists built
 * when a chart arrives; every other section is a ChevetChartSection: a GListStore of
 * ChevetChartEntry (a header line per group, then one small object per item) shown by
 * a GtkListView, so a chart with thousands of lines opens as fast as a small one.
 *
 * Clearing (on lock, or when no patient is chosen) empties the stores, removes the
 * summary and banner widgets and drops the chart: no patient string stays in the tree.
 */
#define G_LOG_DOMAIN "chevet-chart-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chevet-chart.h"
#include "chevet-chart-entry.h"
#include "chevet-chart-format.h"
#include "chevet-chart-row.h"
#include "chevet-chart-section.h"
#include "chevet-chart-view.h"
#include "chevet-note-dialog.h"
#include "chevet-patient.h"
#include "chevet-patient-row.h"
#include "chevet-trend-plot.h"
#include "chevet-vitals-dialog.h"
#include "chevet-window.h"

/* How many encounters the summary lists. */
#define SUMMARY_ENCOUNTERS 3

struct _ChevetChartView
{
  GtkWidget           parent_instance;

  ChevetSession      *session;
  ChevetChart        *chart;
  char               *patient_id;   /* the chart loading or shown */
  char               *section;
  char               *trend_code;
  GCancellable       *load_cancellable;
  GCancellable       *series_cancellable;
  /* Encounter id -> GPtrArray of the ChevetChartItem notes written during it (borrowed). */
  GHashTable         *notes_by_encounter;
  /* Open while a note or vital signs are written; destroyed on lock and clear. */
  ChevetNoteDialog   *note_dialog;
  ChevetVitalsDialog *vitals_dialog;

  GtkStack           *state_stack;
  GtkSpinner         *spinner;
  AdwStatusPage      *error_page;
  GtkBox             *banner;
  AdwAvatar          *avatar;
  GtkLabel           *name_label;
  GtkLabel           *deceased_label;
  GtkLabel           *details_label;
  GtkBox             *identifier_box;
  GtkLabel           *identifier_label;
  GtkFlowBox         *allergies_box;
  AdwViewStack       *view_stack;
  GtkScrolledWindow  *summary_scroll;
  GtkBox             *summary_box;
  ChevetChartSection *problems_section;
  ChevetChartSection *medications_section;
  ChevetChartSection *results_section;
  ChevetChartSection *encounters_section;
  ChevetChartSection *notes_section;
  ChevetChartSection *immunizations_section;
  GtkRevealer        *trend_revealer;
  GtkLabel           *trend_subtitle;
  ChevetTrendPlot    *trend_plot;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CHART,
  PROP_SECTION,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OUTBOX_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const section_names[] = {
  "summary", "problems", "medications", "results", "encounters", "notes", "immunizations",
};

G_DEFINE_FINAL_TYPE (ChevetChartView, chevet_chart_view, GTK_TYPE_WIDGET)

static void clear_content (ChevetChartView *self);

/* ------------------------------------------------------------------ helpers */

static gboolean
is_section_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (section_names); i++)
    if (g_strcmp0 (name, section_names[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
condition_is_active (ChevetChartItem *c)
{
  /* The store's own order puts these first (chevet-chart.c); a condition entered in
   * error or refuted is no problem of the patient's. */
  return (g_strcmp0 (c->status, "active") == 0 || g_strcmp0 (c->status, "recurrence") == 0 ||
          g_strcmp0 (c->status, "relapse") == 0) &&
         g_strcmp0 (c->flag, "entered-in-error") != 0 && g_strcmp0 (c->flag, "refuted") != 0;
}

static gboolean
medication_is_active (ChevetChartItem *m)
{
  return g_strcmp0 (m->status, "active") == 0;
}

static const char *
or_default (const char *s,
            const char *fallback)
{
  return s != NULL && *s != '\0' ? s : fallback;
}

static const char *
encounter_class_label (const char *code)
{
  if (code == NULL)
    return NULL;
  if (g_str_equal (code, "AMB"))
    return C_("encounter class", "Ambulatory");
  if (g_str_equal (code, "EMER"))
    return C_("encounter class", "Emergency");
  if (g_str_equal (code, "IMP") || g_str_equal (code, "ACUTE") || g_str_equal (code, "NONAC"))
    return C_("encounter class", "Inpatient");
  if (g_str_equal (code, "OBSENC"))
    return C_("encounter class", "Observation");
  if (g_str_equal (code, "HH"))
    return C_("encounter class", "Home visit");
  if (g_str_equal (code, "VR"))
    return C_("encounter class", "Virtual");
  if (g_str_equal (code, "FLD"))
    return C_("encounter class", "Field");
  return code;
}

static const char *
severity_label (const char *severity)
{
  if (g_strcmp0 (severity, "severe") == 0)
    return _("Severe reaction");
  if (g_strcmp0 (severity, "moderate") == 0)
    return _("Moderate reaction");
  if (g_strcmp0 (severity, "mild") == 0)
    return _("Mild reaction");
  return NULL;
}

/* Criticality, severity, reaction and any doubt about an allergy, in words. */
static char *
allergy_facts (ChevetChartItem *a)
{
  g_autofree char *status = NULL;
  g_autofree char *verification = NULL;

  if (a->status != NULL && g_strcmp0 (a->status, "active") != 0)
    status = chevet_chart_format_status (a->status);
  if (g_strcmp0 (a->end_date, "unconfirmed") == 0 || g_strcmp0 (a->end_date, "presumed") == 0)
    verification = chevet_chart_format_status ("unconfirmed");
  return chevet_chart_join (5, chevet_chart_describe_criticality (a->flag), severity_label (a->value), a->detail,
                            verification, status);
}

static char *
notes_count_label (guint n)
{
  return g_strdup_printf (ngettext ("%u note", "%u notes", n), n);
}

static void
remove_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    {
      if (GTK_IS_BOX (parent))
        gtk_box_remove (GTK_BOX (parent), child);
      else if (GTK_IS_FLOW_BOX (parent))
        gtk_flow_box_remove (GTK_FLOW_BOX (parent), child);
      else
        gtk_widget_unparent (child);
    }
}

static void
set_loading (ChevetChartView *self,
             gboolean         loading)
{
  gboolean was_loading = gtk_spinner_get_spinning (self->spinner);

  gtk_spinner_set_spinning (self->spinner, loading);
  if (loading != was_loading)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
update_actions (ChevetChartView *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.show-trend", self->chart != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.hide-trend",
                                 self->chart != NULL && self->trend_code != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.reload",
                                 self->patient_id != NULL && self->session != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.add-note",
                                 self->chart != NULL && self->session != NULL &&
                                 chevet_session_get_unlocked (self->session));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.add-vitals",
                                 self->chart != NULL && self->session != NULL &&
                                 chevet_session_get_unlocked (self->session));
}

/* ------------------------------------------------------------------ list rows */

static const char *
group_title (ChevetChartGroup group)
{
  switch (group)
    {
    case CHEVET_CHART_GROUP_ACTIVE_PROBLEMS:
      return _("Active Problems");
    case CHEVET_CHART_GROUP_RESOLVED_PROBLEMS:
      return _("Resolved and Inactive Problems");
    case CHEVET_CHART_GROUP_ACTIVE_MEDICATIONS:
      return _("Active Medications");
    case CHEVET_CHART_GROUP_STOPPED_MEDICATIONS:
      return _("Stopped Medications");
    case CHEVET_CHART_GROUP_VITALS:
      return _("Vital Signs");
    case CHEVET_CHART_GROUP_LABS:
      return _("Laboratory Results");
    case CHEVET_CHART_GROUP_ENCOUNTERS:
      return _("Encounters, Newest First");
    case CHEVET_CHART_GROUP_NOTES:
      return _("Clinical Notes");
    case CHEVET_CHART_GROUP_REPORTS:
      return _("Diagnostic Reports");
    case CHEVET_CHART_GROUP_IMMUNIZATIONS:
      return _("Immunizations");
    case CHEVET_CHART_GROUP_PROCEDURES:
      return _("Procedures");
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

static void
bind_problem (ChevetChartView *self,
              ChevetChartRow  *row,
              ChevetChartItem *c,
              gboolean         active)
{
  g_autofree char *period = chevet_chart_format_period (c->date, active ? NULL : c->end_date, FALSE);
  g_autofree char *onset = NULL;
  g_autofree char *status = NULL;
  g_autofree char *codes = chevet_chart_format_codes (c->codes);
  g_autofree char *codes_a11y = NULL;
  const char *title = or_default (c->display, _("Unnamed problem"));

  /* A doubtful diagnosis says so; a past one says how it ended. */
  if (c->flag != NULL && g_strcmp0 (c->flag, "confirmed") != 0)
    status = chevet_chart_format_status (c->flag);
  else if (active ? g_strcmp0 (c->status, "active") != 0 : g_strcmp0 (c->status, "resolved") != 0)
    status = chevet_chart_format_status (c->status);
  if (active && c->date != NULL)
    {
      g_autofree char *day = chevet_chart_format_date (c->date, FALSE);
      /* Translators: when a problem began */
      onset = g_strdup_printf (_("Onset %s"), day);
    }

  chevet_chart_row_set_title (row, title);
  chevet_chart_row_set_tag (row, status);
  chevet_chart_row_set_subtitle (row, c->extra);
  chevet_chart_row_set_meta (row, active ? onset : period);
  /* Translators: the accessible name of a button that shows a problem's codes */
  codes_a11y = g_strdup_printf (_("Show the codes of %s"), title);
  chevet_chart_row_set_details (row, _("Codes"), codes_a11y, codes);
}

static void
bind_medication (ChevetChartView *self,
                 ChevetChartRow  *row,
                 ChevetChartItem *m,
                 gboolean         active)
{
  g_autofree char *dose = chevet_chart_join (2, m->value, m->detail);
  g_autofree char *period = chevet_chart_format_period (m->date, m->end_date, FALSE);
  g_autofree char *who = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *status = NULL;

  if (m->extra != NULL)
    who = g_strcmp0 (m->category, "MedicationStatement") == 0
            /* Translators: who reported that the patient takes a medication */
            ? g_strdup_printf (_("Reported by %s"), m->extra)
            /* Translators: who prescribed a medication */
            : g_strdup_printf (_("Prescribed by %s"), m->extra);
  meta = chevet_chart_join (2, period, who);
  if (!active)
    status = chevet_chart_format_status (m->status);

  chevet_chart_row_set_title (row, or_default (m->display, _("Unnamed medication")));
  chevet_chart_row_set_tag (row, status);
  chevet_chart_row_set_subtitle (row, dose);
  chevet_chart_row_set_meta (row, meta);
}

static void
bind_result (ChevetChartView *self,
             ChevetChartRow  *row,
             ChevetChartItem *o)
{
  g_autofree char *value = chevet_chart_format_value (o);
  g_autofree char *date = chevet_chart_format_date (o->date, TRUE);

  chevet_chart_row_set_title (row, or_default (o->display, o->code));
  chevet_chart_row_set_meta (row, date);
  chevet_chart_row_set_value (row, value != NULL ? value : "—", chevet_chart_format_unit (o->unit), o->range);
  chevet_chart_row_set_flag (row, o->flag);
  chevet_chart_row_set_pending (row, o->pending);
  chevet_chart_row_set_conflict (row, o->conflict);
  chevet_chart_row_set_activatable (row, o->code != NULL);
}

static void
bind_encounter (ChevetChartView *self,
                ChevetChartRow  *row,
                ChevetChartItem *e)
{
  g_autofree char *period = chevet_chart_format_period (e->date, e->end_date, TRUE);
  g_autofree char *meta = chevet_chart_join (3, period, e->extra, e->value);
  g_autoptr(GString) text = NULL;
  g_autofree char *button = NULL;
  GPtrArray *notes = NULL;

  if (e->id != NULL && self->notes_by_encounter != NULL)
    notes = g_hash_table_lookup (self->notes_by_encounter, e->id);
  if (notes != NULL)
    {
      text = g_string_new (NULL);
      for (guint i = 0; i < notes->len; i++)
        {
          ChevetChartItem *n = g_ptr_array_index (notes, i);
          g_autofree char *heading = chevet_chart_join (2, or_default (n->value, n->display), n->detail);

          g_string_append_printf (text, "%s%s\n%s", i > 0 ? "\n\n" : "",
                                  heading != NULL ? heading : _("Note"),
                                  or_default (n->extra, _("No text was recorded.")));
        }
      button = notes_count_label (notes->len);
    }

  chevet_chart_row_set_icon (row, g_strcmp0 (e->category, "EMER") == 0 ? "dialog-warning-symbolic"
                                                                         : "x-office-calendar-symbolic");
  chevet_chart_row_set_title (row, or_default (e->display, _("Encounter")));
  chevet_chart_row_set_tag (row, encounter_class_label (e->category));
  chevet_chart_row_set_subtitle (row, e->detail);
  chevet_chart_row_set_meta (row, meta);
  chevet_chart_row_set_details (row, button, _("Show the notes written during this encounter"),
                                text != NULL ? text->str : NULL);
}

static void
bind_note (ChevetChartView *self,
           ChevetChartRow  *row,
           ChevetChartItem *n)
{
  g_autofree char *date = chevet_chart_format_date (n->date, TRUE);
  g_autofree char *status = NULL;
  g_autofree char *meta = NULL;
  const char *title = or_default (n->value, or_default (n->display, _("Note")));
  const char *kind = g_strcmp0 (n->display, title) != 0 ? n->display : NULL;

  if (n->status != NULL && g_strcmp0 (n->status, "current") != 0 && g_strcmp0 (n->status, "final") != 0)
    status = chevet_chart_format_status (n->status);
  meta = chevet_chart_join (3, date, n->detail, kind);

  chevet_chart_row_set_icon (row, "x-office-document-symbolic");
  chevet_chart_row_set_title (row, title);
  chevet_chart_row_set_tag (row, status);
  chevet_chart_row_set_pending (row, n->pending);
  chevet_chart_row_set_conflict (row, n->conflict);
  chevet_chart_row_set_meta (row, meta);
  if (n->extra != NULL)
    chevet_chart_row_set_text (row, n->extra);
  else
    chevet_chart_row_set_subtitle (row, _("No text was recorded."));
}

static void
bind_report (ChevetChartView *self,
             ChevetChartRow  *row,
             ChevetChartItem *r)
{
  g_autofree char *date = chevet_chart_format_date (r->date, TRUE);
  g_autofree char *status = NULL;
  g_autofree char *count = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *conclusion = NULL;

  if (r->detail != NULL)
    {
      g_auto(GStrv) ids = g_strsplit (r->detail, " ", -1);
      guint n = g_strv_length (ids);

      count = g_strdup_printf (ngettext ("%u result", "%u results", n), n);
    }
  if (r->status != NULL && g_strcmp0 (r->status, "final") != 0)
    status = chevet_chart_format_status (r->status);
  meta = chevet_chart_join (2, date, count);
  if (r->value != NULL)
    /* Translators: a diagnostic report's conclusion */
    conclusion = g_strdup_printf (_("Conclusion: %s"), r->value);

  chevet_chart_row_set_icon (row, "applications-science-symbolic");
  chevet_chart_row_set_title (row, or_default (r->display, _("Report")));
  chevet_chart_row_set_tag (row, status);
  chevet_chart_row_set_subtitle (row, conclusion);
  chevet_chart_row_set_meta (row, meta);
  chevet_chart_row_set_text (row, r->extra);
}

static void
bind_immunization (ChevetChartView *self,
                   ChevetChartRow  *row,
                   ChevetChartItem *i)
{
  g_autofree char *date = chevet_chart_format_date (i->date, FALSE);
  g_autofree char *lot = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *status = NULL;

  if (i->extra != NULL)
    /* Translators: a vaccine's lot number */
    lot = g_strdup_printf (_("Lot %s"), i->extra);
  meta = chevet_chart_join (3, date, i->detail, lot);
  if (i->status != NULL && g_strcmp0 (i->status, "completed") != 0)
    status = chevet_chart_format_status (i->status);

  chevet_chart_row_set_icon (row, "security-high-symbolic");
  chevet_chart_row_set_title (row, or_default (i->display, _("Vaccine")));
  chevet_chart_row_set_tag (row, status);
  chevet_chart_row_set_meta (row, meta);
}

static void
bind_procedure (ChevetChartView *self,
                ChevetChartRow  *row,
                ChevetChartItem *p)
{
  g_autofree char *period = chevet_chart_format_period (p->date, p->end_date, FALSE);
  g_autofree char *status = NULL;

  if (p->status != NULL && g_strcmp0 (p->status, "completed") != 0)
    status = chevet_chart_format_status (p->status);

  chevet_chart_row_set_icon (row, "emblem-system-symbolic");
  chevet_chart_row_set_title (row, or_default (p->display, _("Procedure")));
  chevet_chart_row_set_tag (row, status);
  chevet_chart_row_set_subtitle (row, p->detail);
  chevet_chart_row_set_meta (row, period);
}

static void
on_factory_setup (GtkListItemFactory *factory,
                  GtkListItem        *list_item,
                  ChevetChartView    *self)
{
  gtk_list_item_set_child (list_item, chevet_chart_row_new ());
  gtk_list_item_set_selectable (list_item, FALSE);
}

static void
on_factory_bind (GtkListItemFactory *factory,
                 GtkListItem        *list_item,
                 ChevetChartView    *self)
{
  ChevetChartRow *row = CHEVET_CHART_ROW (gtk_list_item_get_child (list_item));
  ChevetChartEntry *entry = gtk_list_item_get_item (list_item);
  ChevetChartGroup group = chevet_chart_entry_get_group (entry);
  ChevetChartItem *item = chevet_chart_entry_get_item (entry);

  chevet_chart_row_reset (row);
  gtk_list_item_set_activatable (list_item, FALSE);
  if (chevet_chart_entry_is_header (entry))
    {
      chevet_chart_row_set_header (row, group_title (group), chevet_chart_entry_get_n_items (entry));
      return;
    }

  chevet_chart_row_set_position (row, chevet_chart_entry_get_first (entry), chevet_chart_entry_get_last (entry));
  switch (group)
    {
    case CHEVET_CHART_GROUP_ACTIVE_PROBLEMS:
    case CHEVET_CHART_GROUP_RESOLVED_PROBLEMS:
      bind_problem (self, row, item, group == CHEVET_CHART_GROUP_ACTIVE_PROBLEMS);
      break;
    case CHEVET_CHART_GROUP_ACTIVE_MEDICATIONS:
    case CHEVET_CHART_GROUP_STOPPED_MEDICATIONS:
      bind_medication (self, row, item, group == CHEVET_CHART_GROUP_ACTIVE_MEDICATIONS);
      break;
    case CHEVET_CHART_GROUP_VITALS:
    case CHEVET_CHART_GROUP_LABS:
      bind_result (self, row, item);
      gtk_list_item_set_activatable (list_item, item->code != NULL);
      break;
    case CHEVET_CHART_GROUP_ENCOUNTERS:
      bind_encounter (self, row, item);
      break;
    case CHEVET_CHART_GROUP_NOTES:
      bind_note (self, row, item);
      break;
    case CHEVET_CHART_GROUP_REPORTS:
      bind_report (self, row, item);
      break;
    case CHEVET_CHART_GROUP_IMMUNIZATIONS:
      bind_immunization (self, row, item);
      break;
    case CHEVET_CHART_GROUP_PROCEDURES:
      bind_procedure (self, row, item);
      break;
    default:
      g_assert_not_reached ();
    }
  chevet_chart_row_update_accessible (row);
}

static void
on_factory_unbind (GtkListItemFactory *factory,
                   GtkListItem        *list_item,
                   ChevetChartView    *self)
{
  chevet_chart_row_reset (CHEVET_CHART_ROW (gtk_list_item_get_child (list_item)));
}

static void
setup_section (ChevetChartView    *self,
               ChevetChartSection *section,
               const char         *list_label)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect_object (factory, "setup", G_CALLBACK (on_factory_setup), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (on_factory_bind), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (on_factory_unbind), self, 0);
  chevet_chart_section_set_factory (section, factory);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chevet_chart_section_get_list_view (section)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, list_label,
                                  -1);
}

/* ------------------------------------------------------------------ filling */

typedef gboolean (*ItemFilter) (ChevetChartItem *item);

/* Adds @group's header and lines to @entries: the items of @items that @filter keeps
 * (or does not, when @keep is FALSE), in their order. Nothing for an empty group. */
static void
add_group (GPtrArray        *entries,
           ChevetChartGroup  group,
           GPtrArray        *items,
           ItemFilter        filter,
           gboolean          keep)
{
  g_autoptr(GArray) kept = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; items != NULL && i < items->len; i++)
    if (filter == NULL || !!filter (g_ptr_array_index (items, i)) == !!keep)
      g_array_append_val (kept, i);
  if (kept->len == 0)
    return;

  g_ptr_array_add (entries, chevet_chart_entry_new_header (group, kept->len));
  for (guint i = 0; i < kept->len; i++)
    g_ptr_array_add (entries, chevet_chart_entry_new_item (group, items, g_array_index (kept, guint, i),
                                                           i == 0, i == kept->len - 1));
}

static void
section_replace (ChevetChartSection *section,
                 GPtrArray          *entries)
{
  chevet_chart_section_set_items (section, entries->pdata, entries->len);
  chevet_chart_section_scroll_to_top (section);
  g_ptr_array_set_size (entries, 0);
}

static void
fill_sections (ChevetChartView *self)
{
  ChevetChart *chart = self->chart;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_object_unref);

  add_group (entries, CHEVET_CHART_GROUP_ACTIVE_PROBLEMS, chart->conditions, condition_is_active, TRUE);
  add_group (entries, CHEVET_CHART_GROUP_RESOLVED_PROBLEMS, chart->conditions, condition_is_active, FALSE);
  section_replace (self->problems_section, entries);

  add_group (entries, CHEVET_CHART_GROUP_ACTIVE_MEDICATIONS, chart->medications, medication_is_active, TRUE);
  add_group (entries, CHEVET_CHART_GROUP_STOPPED_MEDICATIONS, chart->medications, medication_is_active, FALSE);
  section_replace (self->medications_section, entries);

  add_group (entries, CHEVET_CHART_GROUP_VITALS, chart->vitals, NULL, TRUE);
  add_group (entries, CHEVET_CHART_GROUP_LABS, chart->labs, NULL, TRUE);
  section_replace (self->results_section, entries);

  add_group (entries, CHEVET_CHART_GROUP_ENCOUNTERS, chart->encounters, NULL, TRUE);
  section_replace (self->encounters_section, entries);

  add_group (entries, CHEVET_CHART_GROUP_NOTES, chart->documents, NULL, TRUE);
  add_group (entries, CHEVET_CHART_GROUP_REPORTS, chart->reports, NULL, TRUE);
  section_replace (self->notes_section, entries);

  add_group (entries, CHEVET_CHART_GROUP_IMMUNIZATIONS, chart->immunizations, NULL, TRUE);
  add_group (entries, CHEVET_CHART_GROUP_PROCEDURES, chart->procedures, NULL, TRUE);
  section_replace (self->immunizations_section, entries);
}

static GtkWidget *
allergy_pill (const char *icon_name,
              const char *title,
              const char *facts,
              const char *css_class,
              const char *tooltip)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *label = gtk_label_new (title);
  g_autofree char *a11y = chevet_chart_join (2, title, facts);

  gtk_widget_add_css_class (box, "allergy-pill");
  gtk_widget_add_css_class (box, css_class);
  gtk_widget_set_halign (box, GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_box_append (GTK_BOX (box), image);
  gtk_widget_add_css_class (label, "allergy-name");
  gtk_box_append (GTK_BOX (box), label);
  if (facts != NULL)
    {
      GtkWidget *details = gtk_label_new (facts);

      /* A long list of reactions wraps rather than widen the window. */
      gtk_label_set_wrap (GTK_LABEL (details), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (details), 60);
      gtk_label_set_xalign (GTK_LABEL (details), 0);
      gtk_widget_add_css_class (details, "allergy-facts");
      gtk_box_append (GTK_BOX (box), details);
    }
  gtk_widget_set_tooltip_text (box, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return box;
}

static void
add_to_flow_box (GtkFlowBox *flow_box,
                 GtkWidget  *child)
{
  GtkWidget *flow_child;

  gtk_flow_box_append (flow_box, child);
  /* Read-only facts: no tab stop on each pill. */
  flow_child = gtk_widget_get_parent (child);
  gtk_widget_set_focusable (flow_child, FALSE);
}

static void
fill_banner (ChevetChartView *self)
{
  ChevetChart *chart = self->chart;
  ChevetPatient *p = chart->patient;
  g_autofree char *sex = chevet_patient_format_sex (p);
  g_autofree char *age = chevet_patient_format_age (p, NULL);
  g_autofree char *birth_day = chevet_chart_format_date (chevet_patient_get_birth_date (p), FALSE);
  g_autofree char *born = NULL;
  g_autofree char *details = NULL;
  g_autofree char *avatar_text = NULL;
  const char *identifier = chevet_patient_get_identifier (p);

  if (birth_day != NULL)
    /* Translators: a birth date, in the banner */
    born = g_strdup_printf (_("Born %s"), birth_day);
  details = chevet_chart_join (3, sex, age, born);
  avatar_text = g_strjoin (" ", or_default (chevet_patient_get_given (p), ""),
                           or_default (chevet_patient_get_family (p), ""), NULL);

  gtk_label_set_label (self->name_label, or_default (chevet_patient_get_display_name (p), _("Unnamed patient")));
  gtk_label_set_label (self->details_label, details);
  gtk_label_set_label (self->identifier_label, identifier);
  gtk_widget_set_visible (GTK_WIDGET (self->identifier_box), identifier != NULL);
  adw_avatar_set_text (self->avatar, g_strstrip (avatar_text));

  if (chevet_patient_get_deceased (p))
    {
      g_autofree char *died = chevet_chart_format_date (chevet_patient_get_deceased_date (p), FALSE);
      g_autofree char *tag = died != NULL
                               /* Translators: a tag on a patient who has died, with the date */
                               ? g_strdup_printf (_("Deceased %s"), died)
                               /* Translators: a tag on a patient who has died */
                               : g_strdup (_("Deceased"));

      gtk_label_set_label (self->deceased_label, tag);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->deceased_label), chevet_patient_get_deceased (p));

  remove_children (GTK_WIDGET (self->allergies_box));
  for (guint i = 0; i < chart->allergies->len; i++)
    {
      ChevetChartItem *a = g_ptr_array_index (chart->allergies, i);
      g_autofree char *facts = allergy_facts (a);
      gboolean high = g_strcmp0 (a->flag, "high") == 0;

      add_to_flow_box (self->allergies_box,
                       allergy_pill (high ? "dialog-error-symbolic" : "dialog-warning-symbolic",
                                     or_default (a->display, _("Unnamed allergy")), facts,
                                     high ? "high" : "low", NULL));
    }
  if (chart->allergies->len == 0 && chart->no_known_allergies)
    add_to_flow_box (self->allergies_box,
                     allergy_pill ("emblem-ok-symbolic", _("No known allergies"), NULL, "none",
                                   _("The patient was asked: no allergy is known")));
  else if (chart->allergies->len == 0)
    add_to_flow_box (self->allergies_box,
                     allergy_pill ("dialog-warning-symbolic", _("Allergies not recorded"), NULL, "unknown",
                                   _("Nobody has recorded whether this patient has allergies: ask before prescribing")));
}

/* The summary: bounded boxed lists, in the spirit of the International Patient Summary. */

static GtkWidget *
summary_group (ChevetChartView *self,
               const char      *title,
               const char      *section,
               const char      *show_all_description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (section != NULL)
    {
      GtkWidget *button = gtk_button_new_with_label (_("Show All"));

      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      /* The target first: the action takes a parameter. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", section);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "chart.section");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, show_all_description,
                                      -1);
      gtk_widget_set_tooltip_text (button, show_all_description);
      adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), button);
    }
  gtk_box_append (self->summary_box, group);
  return group;
}

static AdwActionRow *
summary_row (GtkWidget  *group,
             const char *title,
             const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  /* Patient data is text, never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title != NULL ? title : "");
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return ADW_ACTION_ROW (row);
}

static void
summary_none (GtkWidget  *group,
              const char *text)
{
  AdwActionRow *row = summary_row (group, text, NULL);

  gtk_widget_add_css_class (GTK_WIDGET (row), "chart-none");
}

static void
row_add_icon (AdwActionRow *row,
              const char   *icon_name,
              const char   *css_class)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);

  if (css_class != NULL)
    gtk_widget_add_css_class (image, css_class);
  adw_action_row_add_prefix (row, image);
}

/* A value, its unit, and its flag in words beside an icon. */
static void
row_add_value (AdwActionRow    *row,
               ChevetChartItem *o)
{
  g_autofree char *value = chevet_chart_format_value (o);
  const char *icon_name = NULL;
  const char *css_class = NULL;
  const char *flag = chevet_chart_describe_flag (o->flag, &icon_name, &css_class);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *label;

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  if (flag != NULL)
    {
      GtkWidget *flag_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);

      gtk_widget_add_css_class (flag_box, "chart-flag");
      gtk_widget_add_css_class (flag_box, css_class);
      gtk_widget_set_margin_end (flag_box, 8);
      gtk_box_append (GTK_BOX (flag_box), gtk_image_new_from_icon_name (icon_name));
      gtk_box_append (GTK_BOX (flag_box), gtk_label_new (flag));
      gtk_box_append (GTK_BOX (box), flag_box);
    }
  label = gtk_label_new (value != NULL ? value : "—");
  gtk_widget_add_css_class (label, "chart-value");
  gtk_widget_add_css_class (label, "numeric");
  gtk_box_append (GTK_BOX (box), label);
  if (o->unit != NULL && value != NULL)
    {
      label = gtk_label_new (chevet_chart_format_unit (o->unit));
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }
  adw_action_row_add_suffix (row, box);
}

static void
summary_result_row (GtkWidget       *group,
                    ChevetChartItem *o,
                    gboolean         with_range)
{
  g_autofree char *date = chevet_chart_format_date (o->date, FALSE);
  g_autofree char *range = NULL;
  g_autofree char *subtitle = NULL;
  AdwActionRow *row;

  if (with_range && o->range != NULL)
    range = g_strdup_printf (_("Ref. %s"), o->range);
  subtitle = chevet_chart_join (2, date, range);
  row = summary_row (group, or_default (o->display, o->code), subtitle);
  row_add_value (row, o);
  if (o->code != NULL)
    {
      /* The row opens the value's trend. */
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", o->code);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "chart.show-trend");
      adw_action_row_add_suffix (row, gtk_image_new_from_icon_name ("go-next-symbolic"));
    }
}

static void
fill_summary (ChevetChartView *self)
{
  ChevetChart *chart = self->chart;
  GtkWidget *group;
  guint n;

  remove_children (GTK_WIDGET (self->summary_box));

  group = summary_group (self, _("Allergies and Intolerances"), NULL, NULL);
  for (guint i = 0; i < chart->allergies->len; i++)
    {
      ChevetChartItem *a = g_ptr_array_index (chart->allergies, i);
      g_autofree char *facts = allergy_facts (a);
      gboolean high = g_strcmp0 (a->flag, "high") == 0;
      AdwActionRow *row = summary_row (group, or_default (a->display, _("Unnamed allergy")), facts);

      row_add_icon (row, high ? "dialog-error-symbolic" : "dialog-warning-symbolic", high ? "error" : "allergy-low");
    }
  if (chart->allergies->len == 0 && chart->no_known_allergies)
    row_add_icon (summary_row (group, _("No known allergies"), _("The patient was asked: no allergy is known")),
                  "emblem-ok-symbolic", "success");
  else if (chart->allergies->len == 0)
    row_add_icon (summary_row (group, _("Allergies not recorded"),
                               _("Nobody has recorded whether this patient has allergies: ask before prescribing")),
                  "dialog-warning-symbolic", "warning");

  group = summary_group (self, _("Active Problems"), "problems", _("Show all problems"));
  n = 0;
  for (guint i = 0; i < chart->conditions->len; i++)
    {
      ChevetChartItem *c = g_ptr_array_index (chart->conditions, i);
      g_autofree char *day = NULL;
      g_autofree char *onset = NULL;

      if (!condition_is_active (c))
        continue;
      day = chevet_chart_format_date (c->date, FALSE);
      if (day != NULL)
        onset = g_strdup_printf (_("Onset %s"), day);
      summary_row (group, or_default (c->display, _("Unnamed problem")), onset);
      n++;
    }
  if (n == 0)
    summary_none (group, _("No active problem recorded"));

  group = summary_group (self, _("Current Medications"), "medications", _("Show all medications"));
  n = 0;
  for (guint i = 0; i < chart->medications->len; i++)
    {
      ChevetChartItem *m = g_ptr_array_index (chart->medications, i);
      g_autofree char *dose = NULL;

      if (!medication_is_active (m))
        continue;
      dose = chevet_chart_join (2, m->value, m->detail);
      summary_row (group, or_default (m->display, _("Unnamed medication")), dose);
      n++;
    }
  if (n == 0)
    summary_none (group, _("No current medication recorded"));

  group = summary_group (self, _("Latest Vital Signs"), "results", _("Show all vital signs and lab results"));
  for (guint i = 0; i < chart->vitals->len; i++)
    summary_result_row (group, g_ptr_array_index (chart->vitals, i), FALSE);
  if (chart->vitals->len == 0)
    summary_none (group, _("No vital sign recorded"));

  group = summary_group (self, _("Abnormal Lab Results"), "results", _("Show all vital signs and lab results"));
  n = 0;
  for (guint i = 0; i < chart->labs->len; i++)
    {
      ChevetChartItem *o = g_ptr_array_index (chart->labs, i);

      if (!chevet_chart_flag_is_abnormal (o->flag))
        continue;
      summary_result_row (group, o, TRUE);
      n++;
    }
  if (n == 0)
    summary_none (group, chart->labs->len > 0 ? _("The latest lab results are all within range")
                                              : _("No lab result recorded"));

  group = summary_group (self, _("Recent Encounters"), "encounters", _("Show all encounters"));
  for (guint i = 0; i < MIN (chart->encounters->len, SUMMARY_ENCOUNTERS); i++)
    {
      ChevetChartItem *e = g_ptr_array_index (chart->encounters, i);
      g_autofree char *day = chevet_chart_format_date (e->date, FALSE);
      g_autofree char *subtitle = chevet_chart_join (3, day, e->detail, e->value);
      AdwActionRow *row = summary_row (group, or_default (e->display, _("Encounter")), subtitle);
      const char *klass = encounter_class_label (e->category);

      if (klass != NULL)
        {
          GtkWidget *tag = gtk_label_new (klass);

          gtk_widget_add_css_class (tag, "tag");
          gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
          adw_action_row_add_suffix (row, tag);
        }
    }
  if (chart->encounters->len == 0)
    summary_none (group, _("No encounter recorded"));

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->summary_scroll), 0);
}

static void
index_notes (ChevetChartView *self)
{
  ChevetChart *chart = self->chart;

  self->notes_by_encounter = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                    (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < chart->documents->len; i++)
    {
      ChevetChartItem *n = g_ptr_array_index (chart->documents, i);
      GPtrArray *list;

      if (n->encounter == NULL)
        continue;
      list = g_hash_table_lookup (self->notes_by_encounter, n->encounter);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (self->notes_by_encounter, n->encounter, list);
        }
      g_ptr_array_add (list, n);
    }
}

static void
hide_trend (ChevetChartView *self)
{
  g_cancellable_cancel (self->series_cancellable);
  g_clear_object (&self->series_cancellable);
  g_clear_pointer (&self->trend_code, g_free);
  chevet_trend_plot_set_series (self->trend_plot, NULL, NULL, NULL);
  gtk_revealer_set_reveal_child (self->trend_revealer, FALSE);
  gtk_label_set_label (self->trend_subtitle, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->trend_plot),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Trend"),
                                  -1);
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self->trend_plot), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

static void
show_chart (ChevetChartView *self,
            ChevetChart     *chart)
{
  g_autoptr(GTimer) timer = g_timer_new ();

  clear_content (self);
  self->chart = chart;
  index_notes (self);
  fill_banner (self);
  fill_summary (self);
  fill_sections (self);
  set_loading (self, FALSE);
  gtk_stack_set_visible_child_name (self->state_stack, "chart");
  update_actions (self);
  g_debug ("chart shown in %.1f ms: %u encounters, %u notes, %u conditions",
           g_timer_elapsed (timer, NULL) * 1000, chart->encounters->len, chart->documents->len,
           chart->conditions->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHART]);
  chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_PATIENT, chevet_patient_get_id (chart->patient));
}

/* Everything shown of a patient goes; the state page stays as it is. */
static void
clear_content (ChevetChartView *self)
{
  hide_trend (self);
  chevet_chart_section_set_items (self->problems_section, NULL, 0);
  chevet_chart_section_set_items (self->medications_section, NULL, 0);
  chevet_chart_section_set_items (self->results_section, NULL, 0);
  chevet_chart_section_set_items (self->encounters_section, NULL, 0);
  chevet_chart_section_set_items (self->notes_section, NULL, 0);
  chevet_chart_section_set_items (self->immunizations_section, NULL, 0);
  remove_children (GTK_WIDGET (self->summary_box));
  remove_children (GTK_WIDGET (self->allergies_box));
  gtk_label_set_label (self->name_label, NULL);
  gtk_label_set_label (self->details_label, NULL);
  gtk_label_set_label (self->identifier_label, NULL);
  gtk_label_set_label (self->deceased_label, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->deceased_label), FALSE);
  adw_avatar_set_text (self->avatar, NULL);
  adw_status_page_set_description (self->error_page, NULL);
  g_clear_pointer (&self->notes_by_encounter, g_hash_table_unref);
  g_clear_pointer (&self->chart, chevet_chart_free);
}

/* ------------------------------------------------------------------ loading */

static void
chart_arrived (ChevetChartView *self,
               ChevetChart     *chart,
               GError          *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->load_cancellable);
  if (chart == NULL)
    {
      g_autofree char *message = g_markup_escape_text (error->message, -1);

      /* The message may name the record, never log it: the domain and code say enough. */
      g_debug ("a chart could not be opened: %s %d", g_quark_to_string (error->domain), error->code);
      clear_content (self);
      adw_status_page_set_description (self->error_page, message);
      set_loading (self, FALSE);
      gtk_stack_set_visible_child_name (self->state_stack, "error");
      update_actions (self);
      return;
    }
  show_chart (self, chart);
}

static void
on_chart_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChevetChartView) self = user_data;
  g_autoptr(GError) error = NULL;
  ChevetChart *chart;

  chart = chevet_session_open_chart_finish (CHEVET_SESSION (source), result, &error);
  chart_arrived (self, chart, error);
}

static void
on_chart_opened_with_reason (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(ChevetChartView) self = user_data;
  g_autoptr(GError) error = NULL;
  ChevetChart *chart;

  chart = chevet_session_break_glass_finish (CHEVET_SESSION (source), result, &error);
  chart_arrived (self, chart, error);
}

static void
start_loading (ChevetChartView *self,
               const char      *patient_id)
{
  gboolean had_chart;

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  had_chart = self->chart != NULL;
  clear_content (self);

  g_free (self->patient_id);
  self->patient_id = g_strdup (patient_id);
  self->load_cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  gtk_stack_set_visible_child_name (self->state_stack, "loading");
  update_actions (self);
  if (had_chart)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHART]);
}

void
chevet_chart_view_load (ChevetChartView *self,
                        const char      *patient_id)
{
  g_return_if_fail (CHEVET_IS_CHART_VIEW (self));
  g_return_if_fail (patient_id != NULL);
  g_return_if_fail (self->session != NULL);

  start_loading (self, patient_id);
  chevet_session_open_chart_async (self->session, patient_id, self->load_cancellable,
                                   on_chart_opened, g_object_ref (self));
}

void
chevet_chart_view_load_with_reason (ChevetChartView *self,
                                    const char      *patient_id,
                                    const char      *category,
                                    const char      *reason)
{
  g_return_if_fail (CHEVET_IS_CHART_VIEW (self));
  g_return_if_fail (patient_id != NULL);
  g_return_if_fail (self->session != NULL);

  start_loading (self, patient_id);
  chevet_session_break_glass_async (self->session, patient_id, category, reason,
                                    self->load_cancellable, on_chart_opened_with_reason,
                                    g_object_ref (self));
}

void
chevet_chart_view_clear (ChevetChartView *self)
{
  gboolean had_chart;

  g_return_if_fail (CHEVET_IS_CHART_VIEW (self));

  /* Before anything else: what was being typed goes with the chart. */
  chevet_chart_view_close_dialogs (self);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  had_chart = self->chart != NULL;
  clear_content (self);
  g_clear_pointer (&self->patient_id, g_free);
  set_loading (self, FALSE);
  gtk_stack_set_visible_child_name (self->state_stack, "empty");
  update_actions (self);
  if (had_chart)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHART]);
}

/* ------------------------------------------------------------------ trends */

static ChevetChartItem *
find_result (ChevetChartView *self,
             const char      *code)
{
  GPtrArray *lists[] = { self->chart->vitals, self->chart->labs };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        ChevetChartItem *o = g_ptr_array_index (lists[l], i);

        if (g_strcmp0 (o->code, code) == 0)
          return o;
      }
  return NULL;
}

static void
on_series_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChevetChartView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = NULL;
  ChevetChartItem *latest;

  series = chevet_session_read_series_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->series_cancellable);
  if (self->chart == NULL || self->trend_code == NULL || (latest = find_result (self, self->trend_code)) == NULL)
    return;
  if (series == NULL)
    {
      g_debug ("a series could not be read: %s %d", g_quark_to_string (error->domain), error->code);
      gtk_label_set_label (self->trend_subtitle, _("The earlier values could not be read"));
      chevet_trend_plot_set_series (self->trend_plot, NULL, NULL, NULL);
      return;
    }

  chevet_trend_plot_set_series (self->trend_plot, series, or_default (latest->display, latest->code),
                                chevet_chart_format_unit (latest->unit));
  if (series->len > 0)
    {
      ChevetChartItem *first = g_ptr_array_index (series, 0);
      g_autofree char *since = chevet_chart_format_date (first->date, FALSE);
      g_autofree char *count = g_strdup_printf (ngettext ("%u value", "%u values", series->len), series->len);
      g_autofree char *subtitle = since != NULL && series->len > 1
                                    /* Translators: “12 values since 3/1/2019” */
                                    ? g_strdup_printf (_("%s since %s"), count, since)
                                    : g_strdup (count);
      g_autofree char *description = chevet_chart_join (2, chevet_chart_format_unit (latest->unit), subtitle);

      gtk_label_set_label (self->trend_subtitle, subtitle);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->trend_plot),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description != NULL ? description : "",
                                      -1);
    }
  else
    gtk_label_set_label (self->trend_subtitle, _("No earlier value"));
}

static void
show_trend (ChevetChartView *self,
            const char      *code)
{
  ChevetChartItem *latest;
  g_autofree char *label = NULL;

  if (self->chart == NULL || self->session == NULL || (latest = find_result (self, code)) == NULL)
    return;

  g_cancellable_cancel (self->series_cancellable);
  g_clear_object (&self->series_cancellable);
  self->series_cancellable = g_cancellable_new ();
  g_free (self->trend_code);
  self->trend_code = g_strdup (code);

  /* Translators: the accessible name of the plot of one measurement over time */
  label = g_strdup_printf (_("Trend of %s"), or_default (latest->display, code));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->trend_plot),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_label_set_label (self->trend_subtitle, _("Reading earlier values…"));
  chevet_trend_plot_set_series (self->trend_plot, NULL, NULL, NULL);
  gtk_revealer_set_reveal_child (self->trend_revealer, TRUE);
  chevet_chart_view_set_section (self, "results");
  update_actions (self);
  {
    g_autofree char *section = g_strconcat ("trend:", code, NULL);

    chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_SECTION, section);
  }

  chevet_session_read_series_async (self->session, chevet_patient_get_id (self->chart->patient), code,
                                    self->series_cancellable, on_series_read, g_object_ref (self));
}

static void
on_results_section_activate (ChevetChartView    *self,
                             guint               position,
                             ChevetChartSection *section)
{
  g_autoptr(ChevetChartEntry) entry = g_list_model_get_item (chevet_chart_section_get_model (section), position);
  ChevetChartItem *item;

  if (entry == NULL || chevet_chart_entry_is_header (entry))
    return;
  item = chevet_chart_entry_get_item (entry);
  if (item->code != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "chart.show-trend", "s", item->code);
}

/* ------------------------------------------------------------------ actions */

static void
show_trend_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  show_trend (CHEVET_CHART_VIEW (widget), g_variant_get_string (parameter, NULL));
}

static void
hide_trend_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ChevetChartView *self = CHEVET_CHART_VIEW (widget);

  hide_trend (self);
  update_actions (self);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetChartView *self = CHEVET_CHART_VIEW (widget);
  g_autofree char *id = g_strdup (self->patient_id);

  if (id != NULL && self->session != NULL)
    chevet_chart_view_load (self, id);
}

/* Writing: a note, vital signs. The dialogs are modal over the window; on success the
 * chart is read again (showing what was written, "Waiting to be sent") and
 * "outbox-changed" says so, for the window's toast and its count of waiting items. */

static void
on_dialog_destroy (ChevetChartView *self,
                   GtkWidget       *dialog)
{
  if ((GtkWidget *) self->note_dialog == dialog)
    self->note_dialog = NULL;
  if ((GtkWidget *) self->vitals_dialog == dialog)
    self->vitals_dialog = NULL;
}

static void
on_note_saved (ChevetChartView *self)
{
  reload_action (GTK_WIDGET (self), NULL, NULL);
  g_signal_emit (self, signals[OUTBOX_CHANGED], 0,
                 _("Note saved. It will be sent when the server is reachable."));
}

static void
on_vitals_saved (ChevetChartView *self)
{
  reload_action (GTK_WIDGET (self), NULL, NULL);
  g_signal_emit (self, signals[OUTBOX_CHANGED], 0,
                 _("Vital signs saved. They will be sent when the server is reachable."));
}

static GtkWindow *
parent_window (ChevetChartView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

typedef GtkWidget *(*EntryDialogNew) (GtkWindow     *parent,
                                      ChevetSession *session,
                                      const char    *patient_id,
                                      GPtrArray     *encounters);

/* Presents the chart's note or vitals dialog (@slot), made with @new_dialog if none is
 * open; @on_saved follows its "saved". */
static void
present_entry_dialog (ChevetChartView *self,
                      gpointer        *slot,
                      EntryDialogNew   new_dialog,
                      GCallback        on_saved)
{
  GtkWidget *dialog;

  if (self->chart == NULL || self->session == NULL || !chevet_session_get_unlocked (self->session))
    return;
  if (*slot != NULL)
    {
      gtk_window_present (GTK_WINDOW (*slot));
      return;
    }
  dialog = new_dialog (parent_window (self), self->session,
                       chevet_patient_get_id (self->chart->patient), self->chart->encounters);
  *slot = dialog;
  g_signal_connect_object (dialog, "saved", on_saved, self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (on_dialog_destroy), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_note_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ChevetChartView *self = CHEVET_CHART_VIEW (widget);

  present_entry_dialog (self, (gpointer *) &self->note_dialog, chevet_note_dialog_new,
                        G_CALLBACK (on_note_saved));
  if (self->note_dialog != NULL)
    chevet_window_report (widget, CHEVET_TUTORIAL_EVENT_ACTION, "chart.add-note");
}

static void
add_vitals_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ChevetChartView *self = CHEVET_CHART_VIEW (widget);

  present_entry_dialog (self, (gpointer *) &self->vitals_dialog, chevet_vitals_dialog_new,
                        G_CALLBACK (on_vitals_saved));
}

/* Wipes and destroys the note and vitals dialogs, if open. */
void
chevet_chart_view_close_dialogs (ChevetChartView *self)
{
  g_return_if_fail (CHEVET_IS_CHART_VIEW (self));

  if (self->note_dialog != NULL)
    {
      ChevetNoteDialog *dialog = g_steal_pointer (&self->note_dialog);

      chevet_note_dialog_wipe (dialog);
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  if (self->vitals_dialog != NULL)
    {
      ChevetVitalsDialog *dialog = g_steal_pointer (&self->vitals_dialog);

      chevet_vitals_dialog_wipe (dialog);
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

GtkWindow *
chevet_chart_view_get_note_dialog (ChevetChartView *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_VIEW (self), NULL);
  return (GtkWindow *) self->note_dialog;
}

GtkWindow *
chevet_chart_view_get_vitals_dialog (ChevetChartView *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_VIEW (self), NULL);
  return (GtkWindow *) self->vitals_dialog;
}

static void
on_view_stack_visible_child_name (ChevetChartView *self,
                                  GParamSpec      *pspec,
                                  AdwViewStack    *stack)
{
  const char *name = adw_view_stack_get_visible_child_name (stack);

  if (name == NULL || g_strcmp0 (name, self->section) == 0)
    return;
  g_free (self->section);
  self->section = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECTION]);
  chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_SECTION, name);
}

static void
on_session_unlocked (ChevetChartView *self,
                     GParamSpec      *pspec,
                     ChevetSession   *session)
{
  /* Locked: nothing of the patient stays on screen, whoever forgets to clear. */
  if (!chevet_session_get_unlocked (session))
    chevet_chart_view_clear (self);
}

/* ------------------------------------------------------------------ GObject */

static void
chevet_chart_view_dispose (GObject *object)
{
  ChevetChartView *self = (ChevetChartView *) object;

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_cancellable_cancel (self->series_cancellable);
  g_clear_object (&self->series_cancellable);
  chevet_chart_view_close_dialogs (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_CHART_VIEW);
  g_clear_pointer (&self->notes_by_encounter, g_hash_table_unref);
  g_clear_pointer (&self->chart, chevet_chart_free);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (chevet_chart_view_parent_class)->dispose (object);
}

static void
chevet_chart_view_finalize (GObject *object)
{
  ChevetChartView *self = (ChevetChartView *) object;

  g_free (self->patient_id);
  g_free (self->section);
  g_free (self->trend_code);
  G_OBJECT_CLASS (chevet_chart_view_parent_class)->finalize (object);
}

static void
chevet_chart_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChevetChartView *self = CHEVET_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_CHART:
      g_value_set_pointer (value, self->chart);
      break;
    case PROP_SECTION:
      g_value_set_string (value, self->section);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, gtk_spinner_get_spinning (self->spinner));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_chart_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ChevetChartView *self = CHEVET_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      chevet_chart_view_set_session (self, g_value_get_object (value));
      break;
    case PROP_SECTION:
      chevet_chart_view_set_section (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_chart_view_class_init (ChevetChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_chart_view_dispose;
  object_class->finalize = chevet_chart_view_finalize;
  object_class->get_property = chevet_chart_view_get_property;
  object_class->set_property = chevet_chart_view_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CHEVET_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The ChevetChart shown, NULL while none is; notified when one is shown or dropped. */
  properties[PROP_CHART] =
    g_param_spec_pointer ("chart", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECTION] =
    g_param_spec_string ("section", NULL, NULL, "summary",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHEVET_TYPE_CHART_SECTION);
  g_type_ensure (CHEVET_TYPE_TREND_PLOT);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-chart-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, state_stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, error_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, banner);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, avatar);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, name_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, deceased_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, details_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, identifier_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, identifier_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, allergies_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, summary_scroll);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, summary_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, problems_section);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, medications_section);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, results_section);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, encounters_section);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, notes_section);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, immunizations_section);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, trend_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, trend_subtitle);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartView, trend_plot);
  gtk_widget_class_bind_template_callback (widget_class, on_view_stack_visible_child_name);
  gtk_widget_class_bind_template_callback (widget_class, on_results_section_activate);

  /* chart.section: a stateful action over the "section" property, Alt+1 … Alt+7. */
  gtk_widget_class_install_property_action (widget_class, "chart.section", "section");
  for (guint i = 0; i < G_N_ELEMENTS (section_names); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "chart.section", "s", section_names[i]);
  gtk_widget_class_install_action (widget_class, "chart.show-trend", "s", show_trend_action);
  gtk_widget_class_install_action (widget_class, "chart.hide-trend", NULL, hide_trend_action);
  gtk_widget_class_install_action (widget_class, "chart.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "chart.add-note", NULL, add_note_action);
  gtk_widget_class_install_action (widget_class, "chart.add-vitals", NULL, add_vitals_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "chart.add-note", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_V, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "chart.add-vitals", NULL);

  /* Something was written to the outbox; the argument is a sentence for a toast. */
  signals[OUTBOX_CHANGED] = g_signal_new ("outbox-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "chartview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chevet_chart_view_init (ChevetChartView *self)
{
  self->section = g_strdup ("summary");
  gtk_widget_init_template (GTK_WIDGET (self));

  setup_section (self, self->problems_section, _("Problems"));
  setup_section (self, self->medications_section, _("Medications"));
  setup_section (self, self->results_section, _("Vital signs and lab results"));
  setup_section (self, self->encounters_section, _("Encounters"));
  setup_section (self, self->notes_section, _("Notes and reports"));
  setup_section (self, self->immunizations_section, _("Immunizations and procedures"));
  /* A click on a result opens its trend; Enter does too, everywhere. */
  gtk_list_view_set_single_click_activate (chevet_chart_section_get_list_view (self->results_section), TRUE);

  adw_view_stack_set_visible_child_name (self->view_stack, self->section);
  gtk_stack_set_visible_child_name (self->state_stack, "empty");
  update_actions (self);
}

GtkWidget *
chevet_chart_view_new (void)
{
  return g_object_new (CHEVET_TYPE_CHART_VIEW, NULL);
}

void
chevet_chart_view_set_session (ChevetChartView *self,
                               ChevetSession   *session)
{
  g_return_if_fail (CHEVET_IS_CHART_VIEW (self));
  g_return_if_fail (session == NULL || CHEVET_IS_SESSION (session));

  if (self->session == session)
    return;
  chevet_chart_view_clear (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    g_signal_connect_object (session, "notify::unlocked", G_CALLBACK (on_session_unlocked),
                             self, G_CONNECT_SWAPPED);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

ChevetSession *
chevet_chart_view_get_session (ChevetChartView *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_VIEW (self), NULL);
  return self->session;
}

ChevetChart *
chevet_chart_view_get_chart (ChevetChartView *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_VIEW (self), NULL);
  return self->chart;
}

gboolean
chevet_chart_view_get_loading (ChevetChartView *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_VIEW (self), FALSE);
  return gtk_spinner_get_spinning (self->spinner);
}

const char *
chevet_chart_view_get_section (ChevetChartView *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_VIEW (self), NULL);
  return self->section;
}

void
chevet_chart_view_set_section (ChevetChartView *self,
                               const char      *name)
{
  g_return_if_fail (CHEVET_IS_CHART_VIEW (self));

  if (!is_section_name (name))
    {
      g_debug ("no chart section is called “%s”", name != NULL ? name : "(null)");
      return;
    }
  /* The stack's notify updates the property. */
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}
