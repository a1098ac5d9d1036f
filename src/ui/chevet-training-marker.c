/* chevet-training-marker.c: the "Training: synthetic patients" marker
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One widget so that the main window's header, the unlock page, the training hub and
 * the completion record all say the same words in the same colour (style.css,
 * .training-marker).
 */
#define G_LOG_DOMAIN "chevet-training-marker"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-training-marker.h"

struct _ChevetTrainingMarker
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (ChevetTrainingMarker, chevet_training_marker, GTK_TYPE_WIDGET)

const char *
chevet_training_marker_get_text (void)
{
  return _("Training: synthetic patients");
}

static void
chevet_training_marker_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (chevet_training_marker_parent_class)->dispose (object);
}

static void
chevet_training_marker_class_init (ChevetTrainingMarkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_training_marker_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "trainingmarker");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_STATUS);
}

static void
chevet_training_marker_init (ChevetTrainingMarker *self)
{
  GtkWidget *icon = gtk_image_new_from_icon_name ("applications-science-symbolic");
  GtkWidget *label = gtk_label_new (chevet_training_marker_get_text ());

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self), "training-marker");
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_widget_set_parent (icon, GTK_WIDGET (self));
  gtk_widget_set_parent (label, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  chevet_training_marker_get_text (), -1);
}

GtkWidget *
chevet_training_marker_new (void)
{
  return g_object_new (CHEVET_TYPE_TRAINING_MARKER, NULL);
}
