/* chevet-chart-section.c: one long section of the chart: a list, or its empty state
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list view sits straight in a scrollable clamp, so it stays virtual: a chart with
 * hundreds of encounters or notes makes a bounded number of row widgets (GTK 4.8 keeps
 * up to 200 around the visible ones), not one per line. Even that costs a few tens of
 * milliseconds, so a section off screen lets go of its list when it changes, and takes
 * it back when shown: opening a chart builds only the rows of the section in view.
 */
#define G_LOG_DOMAIN "chevet-chart-section"

#include "config.h"

#include <adwaita.h>

#include "chevet-chart-section.h"

struct _ChevetChartSection
{
  GtkWidget          parent_instance;

  GListStore        *store;
  GtkNoSelection    *selection;   /* over the store, or over nothing while detached */
  char              *empty_icon_name;
  char              *empty_title;
  char              *empty_description;

  GtkStack          *stack;
  AdwStatusPage     *status_page;
  GtkScrolledWindow *scrolled_window;
  GtkListView       *list_view;
};

enum {
  PROP_0,
  PROP_EMPTY,
  PROP_EMPTY_ICON_NAME,
  PROP_EMPTY_TITLE,
  PROP_EMPTY_DESCRIPTION,
  N_PROPS
};

enum {
  ACTIVATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetChartSection, chevet_chart_section, GTK_TYPE_WIDGET)

static void
update_empty (ChevetChartSection *self)
{
  gboolean was_empty = chevet_chart_section_get_empty (self);
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
  if (empty != was_empty)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
}

static void
attach (ChevetChartSection *self)
{
  if (gtk_no_selection_get_model (self->selection) == NULL)
    gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->store));
}

static void
chevet_chart_section_map (GtkWidget *widget)
{
  attach (CHEVET_CHART_SECTION (widget));
  GTK_WIDGET_CLASS (chevet_chart_section_parent_class)->map (widget);
}

static void
on_list_view_activate (ChevetChartSection *self,
                       guint               position,
                       GtkListView        *list_view)
{
  g_signal_emit (self, signals[ACTIVATE], 0, position);
}

static void
chevet_chart_section_dispose (GObject *object)
{
  ChevetChartSection *self = (ChevetChartSection *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_CHART_SECTION);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (chevet_chart_section_parent_class)->dispose (object);
}

static void
chevet_chart_section_finalize (GObject *object)
{
  ChevetChartSection *self = (ChevetChartSection *) object;

  g_free (self->empty_icon_name);
  g_free (self->empty_title);
  g_free (self->empty_description);
  G_OBJECT_CLASS (chevet_chart_section_parent_class)->finalize (object);
}

static void
chevet_chart_section_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ChevetChartSection *self = CHEVET_CHART_SECTION (object);

  switch (prop_id)
    {
    case PROP_EMPTY:
      g_value_set_boolean (value, chevet_chart_section_get_empty (self));
      break;
    case PROP_EMPTY_ICON_NAME:
      g_value_set_string (value, self->empty_icon_name);
      break;
    case PROP_EMPTY_TITLE:
      g_value_set_string (value, self->empty_title);
      break;
    case PROP_EMPTY_DESCRIPTION:
      g_value_set_string (value, self->empty_description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_string (ChevetChartSection *self,
            char              **field,
            const GValue       *value,
            int                 prop)
{
  const char *s = g_value_get_string (value);

  if (g_strcmp0 (*field, s) == 0)
    return;
  g_free (*field);
  *field = g_strdup (s);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
chevet_chart_section_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ChevetChartSection *self = CHEVET_CHART_SECTION (object);

  switch (prop_id)
    {
    case PROP_EMPTY_ICON_NAME:
      set_string (self, &self->empty_icon_name, value, prop_id);
      break;
    case PROP_EMPTY_TITLE:
      set_string (self, &self->empty_title, value, prop_id);
      break;
    case PROP_EMPTY_DESCRIPTION:
      set_string (self, &self->empty_description, value, prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_chart_section_class_init (ChevetChartSectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_chart_section_dispose;
  object_class->finalize = chevet_chart_section_finalize;
  object_class->get_property = chevet_chart_section_get_property;
  object_class->set_property = chevet_chart_section_set_property;
  widget_class->map = chevet_chart_section_map;

  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMPTY_ICON_NAME] =
    g_param_spec_string ("empty-icon-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMPTY_TITLE] =
    g_param_spec_string ("empty-title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMPTY_DESCRIPTION] =
    g_param_spec_string ("empty-description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A line of the list was activated (Enter, or a click on an activatable line). */
  signals[ACTIVATE] =
    g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-chart-section.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetChartSection, stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartSection, status_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartSection, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartSection, list_view);
  gtk_widget_class_bind_template_callback (widget_class, on_list_view_activate);
}

static void
chevet_chart_section_init (ChevetChartSection *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->store = g_list_store_new (G_TYPE_OBJECT);
  self->selection = gtk_no_selection_new (NULL);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_empty (self);
}

void
chevet_chart_section_set_items (ChevetChartSection *self,
                                gpointer           *items,
                                guint               n_items)
{
  g_return_if_fail (CHEVET_IS_CHART_SECTION (self));
  g_return_if_fail (items != NULL || n_items == 0);

  /* Off screen, the list view lets go first: it builds no row for the new lines. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_no_selection_set_model (self->selection, NULL);
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items, n_items);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    attach (self);
  update_empty (self);
}

GListModel *
chevet_chart_section_get_model (ChevetChartSection *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_SECTION (self), NULL);
  return G_LIST_MODEL (self->store);
}

void
chevet_chart_section_set_factory (ChevetChartSection *self,
                                  GtkListItemFactory *factory)
{
  g_return_if_fail (CHEVET_IS_CHART_SECTION (self));
  gtk_list_view_set_factory (self->list_view, factory);
}

GtkListView *
chevet_chart_section_get_list_view (ChevetChartSection *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_SECTION (self), NULL);
  return self->list_view;
}

gboolean
chevet_chart_section_get_empty (ChevetChartSection *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_SECTION (self), TRUE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") != 0;
}

void
chevet_chart_section_scroll_to_top (ChevetChartSection *self)
{
  GtkAdjustment *adjustment;

  g_return_if_fail (CHEVET_IS_CHART_SECTION (self));
  adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
}
