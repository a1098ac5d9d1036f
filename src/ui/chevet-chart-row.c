/* chevet-chart-row.c: the widget of one line of a chart section's list
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dumb view: the chart view decides every text as GtkListView binds the row, and
 * resets it on unbind, so a recycled row never shows a previous line's words. Lines of
 * one group draw as one card, like a boxed list, from their first and last classes.
 */
#define G_LOG_DOMAIN "chevet-chart-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chevet-chart-format.h"
#include "chevet-chart-row.h"

struct _ChevetChartRow
{
  GtkWidget         parent_instance;

  GtkBox           *header_box;
  GtkLabel         *header_title;
  GtkLabel         *header_count;
  GtkBox           *card;
  GtkImage         *icon;
  GtkLabel         *title;
  GtkLabel         *tag;
  GtkLabel         *subtitle;
  GtkLabel         *meta;
  GtkBox           *value_box;
  GtkLabel         *value;
  GtkLabel         *unit;
  GtkLabel         *range;
  GtkBox           *flag_box;
  GtkImage         *flag_icon;
  GtkLabel         *flag_label;
  GtkToggleButton  *details_button;
  AdwButtonContent *details_content;
  GtkRevealer      *details_revealer;
  GtkLabel         *details;
  GtkImage         *chevron;
  GtkLabel         *text;

  const char       *flag_class;
  char             *tag_text;   /* the status tag, without "Waiting to be sent" */
  gboolean          pending;
  gboolean          conflict;
};

G_DEFINE_FINAL_TYPE (ChevetChartRow, chevet_chart_row, GTK_TYPE_WIDGET)

/* A 16-pixel icon and the 12 pixels after it (chevet-chart-row.ui). */
#define ICON_INDENT 28

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gboolean shown = text != NULL && *text != '\0';

  gtk_label_set_label (label, shown ? text : NULL);
  gtk_widget_set_visible (GTK_WIDGET (label), shown);
}

/* Notes often end with a newline, which would show as an empty line. */
static void
set_text_label (GtkLabel   *label,
                const char *text)
{
  g_autofree char *trimmed = text != NULL ? g_strchomp (g_strdup (text)) : NULL;

  set_label (label, trimmed);
}

static void
chevet_chart_row_dispose (GObject *object)
{
  ChevetChartRow *self = (ChevetChartRow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_CHART_ROW);
  g_clear_pointer (&self->tag_text, g_free);
  G_OBJECT_CLASS (chevet_chart_row_parent_class)->dispose (object);
}

static void
chevet_chart_row_class_init (ChevetChartRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_chart_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-chart-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, header_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, header_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, header_count);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, card);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, icon);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, title);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, tag);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, meta);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, value_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, value);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, unit);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, range);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, flag_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, flag_icon);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, flag_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, details_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, details_content);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, details_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, details);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, chevron);
  gtk_widget_class_bind_template_child (widget_class, ChevetChartRow, text);
  gtk_widget_class_set_css_name (widget_class, "chartrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chevet_chart_row_init (ChevetChartRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
chevet_chart_row_new (void)
{
  return g_object_new (CHEVET_TYPE_CHART_ROW, NULL);
}

void
chevet_chart_row_reset (ChevetChartRow *self)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->header_box), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->card), TRUE);
  gtk_label_set_label (self->header_title, NULL);
  gtk_label_set_label (self->header_count, NULL);
  chevet_chart_row_set_position (self, FALSE, FALSE);
  chevet_chart_row_set_icon (self, NULL);
  chevet_chart_row_set_title (self, NULL);
  chevet_chart_row_set_tag (self, NULL);
  chevet_chart_row_set_pending (self, FALSE);
  chevet_chart_row_set_conflict (self, FALSE);
  chevet_chart_row_set_subtitle (self, NULL);
  chevet_chart_row_set_meta (self, NULL);
  chevet_chart_row_set_value (self, NULL, NULL, NULL);
  chevet_chart_row_set_flag (self, NULL);
  chevet_chart_row_set_text (self, NULL);
  chevet_chart_row_set_details (self, NULL, NULL, NULL);
  chevet_chart_row_set_activatable (self, FALSE);
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

void
chevet_chart_row_set_header (ChevetChartRow *self,
                             const char     *title,
                             guint           n_items)
{
  g_autofree char *count = NULL;

  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  count = g_strdup_printf ("%u", n_items);
  gtk_widget_set_visible (GTK_WIDGET (self->card), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->header_box), TRUE);
  gtk_label_set_label (self->header_title, title);
  gtk_label_set_label (self->header_count, count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title != NULL ? title : "",
                                  -1);
}

void
chevet_chart_row_set_position (ChevetChartRow *self,
                               gboolean        first,
                               gboolean        last)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  if (first)
    gtk_widget_add_css_class (GTK_WIDGET (self->card), "first");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->card), "first");
  if (last)
    gtk_widget_add_css_class (GTK_WIDGET (self->card), "last");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->card), "last");
}

void
chevet_chart_row_set_icon (ChevetChartRow *self,
                           const char     *icon_name)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), icon_name != NULL);
  /* Text under the line starts where the title does. */
  gtk_widget_set_margin_start (GTK_WIDGET (self->text), icon_name != NULL ? ICON_INDENT : 0);
  gtk_widget_set_margin_start (GTK_WIDGET (self->details_revealer), icon_name != NULL ? ICON_INDENT : 0);
}

void
chevet_chart_row_set_title (ChevetChartRow *self,
                            const char     *title)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  /* The title line stays, even empty, so the card keeps its height. */
  gtk_label_set_label (self->title, title);
}

/* One pill for the status and "Waiting to be sent" (or "Conflict"): no extra widget per
 * row (a list keeps up to 200 rows alive). */
static void
update_tag (ChevetChartRow *self)
{
  g_autofree char *text = NULL;
  const char *outbox = NULL;
  const char *tooltip = NULL;

  if (self->conflict)
    {
      outbox = _("Conflict");
      tooltip = _("The server has another version. Open the outbox to see both and choose.");
    }
  else if (self->pending)
    {
      outbox = _("Waiting to be sent");
      tooltip = _("Written on this workstation; sent when the server is reachable");
    }
  if (outbox != NULL)
    text = self->tag_text != NULL && *self->tag_text != '\0'
             /* Translators: a status, then "Waiting to be sent" or "Conflict" */
             ? g_strdup_printf (_("%s · %s"), self->tag_text, outbox)
             : g_strdup (outbox);
  set_label (self->tag, outbox != NULL ? text : self->tag_text);
  if (self->pending && !self->conflict)
    gtk_widget_add_css_class (GTK_WIDGET (self->tag), "pending");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->tag), "pending");
  if (self->conflict)
    gtk_widget_add_css_class (GTK_WIDGET (self->tag), "conflict");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->tag), "conflict");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->tag), tooltip);
}

void
chevet_chart_row_set_tag (ChevetChartRow *self,
                          const char     *tag)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  g_free (self->tag_text);
  self->tag_text = g_strdup (tag);
  update_tag (self);
}

void
chevet_chart_row_set_pending (ChevetChartRow *self,
                              gboolean        pending)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  self->pending = !!pending;
  update_tag (self);
}

gboolean
chevet_chart_row_get_pending (ChevetChartRow *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ROW (self), FALSE);
  return self->pending;
}

void
chevet_chart_row_set_conflict (ChevetChartRow *self,
                               gboolean        conflict)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  self->conflict = !!conflict;
  update_tag (self);
}

gboolean
chevet_chart_row_get_conflict (ChevetChartRow *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ROW (self), FALSE);
  return self->conflict;
}

void
chevet_chart_row_set_subtitle (ChevetChartRow *self,
                               const char     *subtitle)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));
  set_label (self->subtitle, subtitle);
}

void
chevet_chart_row_set_meta (ChevetChartRow *self,
                           const char     *meta)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));
  set_label (self->meta, meta);
}

void
chevet_chart_row_set_value (ChevetChartRow *self,
                            const char     *value,
                            const char     *unit,
                            const char     *range)
{
  g_autofree char *range_text = NULL;

  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  if (range != NULL && *range != '\0')
    /* Translators: a reference range, as in “Ref. 4.0–6.0 %” */
    range_text = g_strdup_printf (_("Ref. %s"), range);
  gtk_label_set_label (self->value, value);
  set_label (self->unit, value != NULL ? unit : NULL);
  set_label (self->range, range_text);
  gtk_widget_set_visible (GTK_WIDGET (self->value_box), value != NULL || range_text != NULL);
}

void
chevet_chart_row_set_flag (ChevetChartRow *self,
                           const char     *flag)
{
  const char *icon_name = NULL;
  const char *css_class = NULL;
  const char *text;

  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  text = chevet_chart_describe_flag (flag, &icon_name, &css_class);
  if (self->flag_class != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->flag_box), self->flag_class);
  self->flag_class = css_class;
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->flag_box), css_class);
  gtk_image_set_from_icon_name (self->flag_icon, icon_name);
  gtk_label_set_label (self->flag_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->flag_box), text != NULL);
}

void
chevet_chart_row_set_text (ChevetChartRow *self,
                           const char     *text)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));
  set_text_label (self->text, text);
}

void
chevet_chart_row_set_details (ChevetChartRow *self,
                              const char     *button_label,
                              const char     *button_description,
                              const char     *details)
{
  gboolean shown;

  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  shown = details != NULL && *details != '\0';
  gtk_toggle_button_set_active (self->details_button, FALSE);
  gtk_revealer_set_transition_duration (self->details_revealer, 0);
  gtk_revealer_set_reveal_child (self->details_revealer, FALSE);
  gtk_revealer_set_transition_duration (self->details_revealer, 200);
  set_text_label (self->details, shown ? details : NULL);
  adw_button_content_set_label (self->details_content, shown && button_label ? button_label : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->details_button), shown ? button_description : NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->details_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  shown && button_description ? button_description : "",
                                  -1);
  gtk_widget_set_visible (GTK_WIDGET (self->details_button), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->details_revealer), shown);
}

gboolean
chevet_chart_row_get_details_revealed (ChevetChartRow *self)
{
  g_return_val_if_fail (CHEVET_IS_CHART_ROW (self), FALSE);
  return gtk_toggle_button_get_active (self->details_button);
}

void
chevet_chart_row_set_details_revealed (ChevetChartRow *self,
                                       gboolean        revealed)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  /* Only a line with details has any to reveal. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->details_button)))
    gtk_toggle_button_set_active (self->details_button, revealed);
}

void
chevet_chart_row_set_activatable (ChevetChartRow *self,
                                  gboolean        activatable)
{
  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->chevron), activatable);
  if (activatable)
    gtk_widget_add_css_class (GTK_WIDGET (self->card), "activatable");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->card), "activatable");
}

static void
append_label (GString  *s,
              GtkLabel *label)
{
  const char *text = gtk_label_get_label (label);

  if (gtk_widget_get_visible (GTK_WIDGET (label)) && text != NULL && *text != '\0')
    g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "", text);
}

void
chevet_chart_row_update_accessible (ChevetChartRow *self)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_if_fail (CHEVET_IS_CHART_ROW (self));

  append_label (s, self->title);
  append_label (s, self->tag);
  if (gtk_widget_get_visible (GTK_WIDGET (self->value_box)))
    {
      append_label (s, self->value);
      append_label (s, self->unit);
      append_label (s, self->range);
    }
  if (gtk_widget_get_visible (GTK_WIDGET (self->flag_box)))
    append_label (s, self->flag_label);
  append_label (s, self->subtitle);
  append_label (s, self->meta);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, s->str,
                                  -1);
}
