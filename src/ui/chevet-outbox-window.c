/* chevet-outbox-window.c: what waits to be sent to the server, and what became of it
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per outbox item, oldest first: its kind, when it was written, its state in
 * words (with the last error of a failed or retried item) and its attempts. Never the
 * text of a note: the list is something to glance at over a shoulder. The outbox is
 * small (what one workstation wrote while offline), so a boxed GtkListBox bound to the
 * model read by the session is enough. The window is destroyed on lock.
 */
#define G_LOG_DOMAIN "chevet-outbox-window"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-outbox.h"
#include "chevet-outbox-window.h"

struct _ChevetOutboxWindow
{
  AdwWindow      parent_instance;

  ChevetSession *session;
  GCancellable  *cancellable;
  GListModel    *model;

  GtkStack      *stack;
  GtkSpinner    *spinner;
  AdwStatusPage *empty_page;
  AdwStatusPage *error_page;
  GtkListBox    *list_box;
};

G_DEFINE_FINAL_TYPE (ChevetOutboxWindow, chevet_outbox_window, ADW_TYPE_WINDOW)

const char *
chevet_outbox_state_describe (int state)
{
  switch ((ChevetOutboxState) state)
    {
    case CHEVET_OUTBOX_STATE_WAITING:
      return _("Waiting to be sent");
    case CHEVET_OUTBOX_STATE_SENDING:
      return _("Sending");
    case CHEVET_OUTBOX_STATE_SENT:
      return _("Sent");
    case CHEVET_OUTBOX_STATE_CONFLICT:
      return _("Conflict");
    case CHEVET_OUTBOX_STATE_FAILED:
      return _("Failed");
    default:
      return NULL;
    }
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  ChevetOutboxItem *o = item;
  ChevetOutboxState state = chevet_outbox_item_get_state (o);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *tag = gtk_label_new (chevet_outbox_state_describe (state));
  GtkWidget *icon;
  g_autoptr(GDateTime) local = g_date_time_to_local (chevet_outbox_item_get_created (o));
  /* Translators: when an outbox item was written; see g_date_time_format() */
  g_autofree char *when = g_date_time_format (local, _("%-d %b %Y %H:%M"));
  guint attempts = chevet_outbox_item_get_attempts (o);
  const char *last_error = chevet_outbox_item_get_last_error (o);
  g_autoptr(GString) subtitle = g_string_new (when);
  g_autofree char *a11y = NULL;
  gboolean note = chevet_outbox_item_get_kind (o) == CHEVET_OUTBOX_KIND_NOTE;

  if (attempts > 0)
    {
      /* Translators: how many times sending was tried */
      g_autofree char *tries = g_strdup_printf (ngettext ("%u attempt", "%u attempts", attempts), attempts);

      g_string_append_printf (subtitle, " · %s", tries);
    }
  if (last_error != NULL && *last_error != '\0' && state != CHEVET_OUTBOX_STATE_SENT)
    g_string_append_printf (subtitle, "\n%s", last_error);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), note ? _("Progress note") : _("Vital signs"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  icon = gtk_image_new_from_icon_name (note ? "x-office-document-symbolic" : "emblem-system-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  gtk_widget_add_css_class (tag, "tag");
  gtk_widget_add_css_class (tag, chevet_outbox_state_to_string (state));
  gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag);

  a11y = g_strdup_printf ("%s, %s, %s", note ? _("Progress note") : _("Vital signs"),
                          chevet_outbox_state_describe (state), subtitle->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return row;
}

static void
on_outbox_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChevetOutboxWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) model = NULL;

  model = chevet_session_list_outbox_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (model == NULL)
    {
      g_debug ("the outbox could not be read: %s %d", g_quark_to_string (error->domain), error->code);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  g_set_object (&self->model, model);
  gtk_list_box_bind_model (self->list_box, model, create_row, NULL, NULL);
  gtk_stack_set_visible_child_name (self->stack, g_list_model_get_n_items (model) > 0 ? "list" : "empty");
}

void
chevet_outbox_window_reload (ChevetOutboxWindow *self)
{
  g_return_if_fail (CHEVET_IS_OUTBOX_WINDOW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->spinner, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  chevet_session_list_outbox_async (self->session, self->cancellable, on_outbox_listed, g_object_ref (self));
}

static void
chevet_outbox_window_dispose (GObject *object)
{
  ChevetOutboxWindow *self = (ChevetOutboxWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_OUTBOX_WINDOW);
  g_clear_object (&self->model);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (chevet_outbox_window_parent_class)->dispose (object);
}

static void
chevet_outbox_window_class_init (ChevetOutboxWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_outbox_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-outbox-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, list_box);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chevet_outbox_window_init (ChevetOutboxWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
chevet_outbox_window_new (GtkWindow     *parent,
                          ChevetSession *session)
{
  ChevetOutboxWindow *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);

  self = g_object_new (CHEVET_TYPE_OUTBOX_WINDOW, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  chevet_outbox_window_reload (self);
  return GTK_WIDGET (self);
}

GListModel *
chevet_outbox_window_get_model (ChevetOutboxWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_WINDOW (self), NULL);
  return self->model;
}

gboolean
chevet_outbox_window_get_loading (ChevetOutboxWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_WINDOW (self), FALSE);
  return self->cancellable != NULL;
}
