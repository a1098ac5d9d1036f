/* chevet-break-glass-page.c: the barrier in front of a restricted chart
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shown instead of the chart of a patient whose record is restricted (v3 Confidentiality
 * R or V), before anything of the chart is read: the window hands it the patient from the
 * list, so it knows the name and the id and nothing else. Open Record stays disabled
 * until chevet_audit_check_break_glass accepts the category and the text, the same check
 * the core makes before recording, so the form and the audit trail cannot disagree.
 */
#define G_LOG_DOMAIN "chevet-break-glass-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "chevet-audit.h"
#include "chevet-break-glass-page.h"
#include "chevet-patient.h"

struct _ChevetBreakGlassPage
{
  GtkWidget       parent_instance;

  char           *patient_id;

  AdwStatusPage  *status_page;
  GtkLabel       *name_label;
  GtkLabel       *explanation_label;
  AdwComboRow    *category_row;
  GtkTextView    *reason_view;
  GtkLabel       *hint_label;
  GtkButton      *open_button;
};

enum {
  SIGNAL_OPEN,
  SIGNAL_CANCEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetBreakGlassPage, chevet_break_glass_page, GTK_TYPE_WIDGET)

static char *
dup_reason (ChevetBreakGlassPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->reason_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
get_category (ChevetBreakGlassPage *self)
{
  return chevet_audit_break_glass_category_code (adw_combo_row_get_selected (self->category_row));
}

static void
update_open (ChevetBreakGlassPage *self)
{
  g_autofree char *reason = dup_reason (self);
  g_autoptr(GError) error = NULL;
  gboolean ok = self->patient_id != NULL &&
                chevet_audit_check_break_glass (get_category (self), reason, &error);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "break-glass.open", ok);
  /* What is missing, once typing has started (an empty form needs no scolding). */
  gtk_label_set_label (self->hint_label, error != NULL && reason[0] != '\0' ? error->message : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), error != NULL && reason[0] != '\0');
}

static void
on_category_row_selected_changed (ChevetBreakGlassPage *self)
{
  update_open (self);
}

static void
on_reason_changed (ChevetBreakGlassPage *self)
{
  update_open (self);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetBreakGlassPage *self = CHEVET_BREAK_GLASS_PAGE (widget);
  g_autofree char *reason = dup_reason (self);
  g_autofree char *patient_id = g_strdup (self->patient_id);

  if (patient_id == NULL || !chevet_audit_check_break_glass (get_category (self), reason, NULL))
    return;
  g_signal_emit (self, signals[SIGNAL_OPEN], 0, patient_id, get_category (self), reason);
  /* The handler copied what it needs: the text is not kept in a widget any longer. */
  memset (reason, 0, strlen (reason));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_CANCEL], 0);
}

void
chevet_break_glass_page_set_patient (ChevetBreakGlassPage *self,
                                     ChevetPatient        *patient)
{
  g_return_if_fail (CHEVET_IS_BREAK_GLASS_PAGE (self));
  g_return_if_fail (CHEVET_IS_PATIENT (patient));

  chevet_break_glass_page_clear (self);
  self->patient_id = g_strdup (chevet_patient_get_id (patient));
  gtk_label_set_label (self->name_label, chevet_patient_get_display_name (patient));
  update_open (self);
}

const char *
chevet_break_glass_page_get_patient_id (ChevetBreakGlassPage *self)
{
  g_return_val_if_fail (CHEVET_IS_BREAK_GLASS_PAGE (self), NULL);
  return self->patient_id;
}

void
chevet_break_glass_page_clear (ChevetBreakGlassPage *self)
{
  g_return_if_fail (CHEVET_IS_BREAK_GLASS_PAGE (self));

  g_clear_pointer (&self->patient_id, g_free);
  gtk_label_set_label (self->name_label, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->reason_view), "", 0);
  adw_combo_row_set_selected (self->category_row, 0);
  update_open (self);
}

GtkWidget *
chevet_break_glass_page_get_category_row (ChevetBreakGlassPage *self)
{
  g_return_val_if_fail (CHEVET_IS_BREAK_GLASS_PAGE (self), NULL);
  return GTK_WIDGET (self->category_row);
}

GtkTextBuffer *
chevet_break_glass_page_get_reason_buffer (ChevetBreakGlassPage *self)
{
  g_return_val_if_fail (CHEVET_IS_BREAK_GLASS_PAGE (self), NULL);
  return gtk_text_view_get_buffer (self->reason_view);
}

static void
chevet_break_glass_page_dispose (GObject *object)
{
  ChevetBreakGlassPage *self = CHEVET_BREAK_GLASS_PAGE (object);

  if (self->reason_view != NULL)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->reason_view), "", 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_BREAK_GLASS_PAGE);
  g_clear_pointer (&self->patient_id, g_free);

  G_OBJECT_CLASS (chevet_break_glass_page_parent_class)->dispose (object);
}

static void
chevet_break_glass_page_class_init (ChevetBreakGlassPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_break_glass_page_dispose;

  /* (patient id, category code, reason): the strings live during the emission. */
  signals[SIGNAL_OPEN] =
    g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_CANCEL] =
    g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-break-glass-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, category_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, reason_view);
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, hint_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetBreakGlassPage, open_button);
  gtk_widget_class_bind_template_callback (widget_class, on_category_row_selected_changed);

  gtk_widget_class_install_action (widget_class, "break-glass.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "break-glass.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "break-glass.cancel", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
chevet_break_glass_page_init (ChevetBreakGlassPage *self)
{
  g_autoptr(GtkStringList) categories = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; chevet_audit_break_glass_category_code (i) != NULL; i++)
    gtk_string_list_append (categories, chevet_audit_break_glass_category_label (i));
  adw_combo_row_set_model (self->category_row, G_LIST_MODEL (categories));
  g_signal_connect_object (gtk_text_view_get_buffer (self->reason_view), "changed",
                           G_CALLBACK (on_reason_changed), self, G_CONNECT_SWAPPED);
  update_open (self);
}
