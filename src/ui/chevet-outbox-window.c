/* chevet-outbox-window.c: what waits to be sent to the server, and what became of it
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per outbox item, oldest first: its kind, when it was written, its state in
 * words (with the last error of a failed or retried item) and its attempts. Never the
 * text of a note: the list is something to glance at over a shoulder. The outbox is
 * small (what one workstation wrote while offline), so a boxed GtkListBox bound to the
 * model read by the session is enough. The window is destroyed on lock.
 *
 * A conflict (the server answered 412: someone changed the resource meanwhile) is an
 * activatable row. It opens the conflict page: both versions read as the chart reads
 * them (chevet_chart_item_new_from_json, on the worker), the fields that differ marked,
 * the raw JSON behind "Show FHIR", and two decisions: keep mine (sent again as an
 * update) or use the server's, which discards mine and so asks first. Nothing is
 * resolved without one of them. The page lives in this window, so lock, which destroys
 * the window, takes it (and an open confirmation) along.
 */
#define G_LOG_DOMAIN "chevet-outbox-window"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-chart.h"
#include "chevet-chart-format.h"
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
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkWidget            *back_button;
  AdwPreferencesGroup  *mine_group;
  AdwPreferencesGroup  *server_group;
  GtkExpander          *fhir_expander;
  GtkLabel             *mine_json_label;
  GtkLabel             *server_json_label;
  GtkWidget            *keep_button;
  GtkWidget            *take_button;

  /* The conflict shown, its rows (to remove them) and the question asked about it. */
  ChevetOutboxItem     *conflict_item;
  GCancellable         *conflict_cancellable;
  GCancellable         *resolve_cancellable;
  GPtrArray            *conflict_rows;
  GtkWidget            *confirmation;
  gboolean              resolving;
};

enum
{
  CONFLICT_RESOLVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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
      return _("Conflict: changed on the server");
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

  /* Only a conflict leads somewhere: to both versions and the choice. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), state == CHEVET_OUTBOX_STATE_CONFLICT);
  if (state == CHEVET_OUTBOX_STATE_CONFLICT)
    {
      GtkWidget *go = gtk_image_new_from_icon_name ("go-next-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (go), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), go);
      gtk_widget_set_tooltip_text (row, _("See both versions and choose one"));
    }

  a11y = g_strdup_printf ("%s, %s, %s", note ? _("Progress note") : _("Vital signs"),
                          chevet_outbox_state_describe (state), subtitle->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  if (state == CHEVET_OUTBOX_STATE_CONFLICT)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    _("See both versions and choose one"), -1);
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
  /* A conflict being read stays on screen; back shows the new list. */
  if (self->conflict_item == NULL)
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
  if (self->conflict_item == NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  chevet_session_list_outbox_async (self->session, self->cancellable, on_outbox_listed, g_object_ref (self));
}

/* The conflict page */

static void
update_conflict_actions (ChevetOutboxWindow *self)
{
  gboolean can_choose = self->conflict_item != NULL && !self->resolving &&
                        self->conflict_cancellable == NULL && self->confirmation == NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "outbox.keep-mine", can_choose);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "outbox.take-server", can_choose);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "outbox.back", self->conflict_item != NULL && !self->resolving);
}

/* Empties the page: no note text stays in a widget once it is left. */
static void
clear_conflict_page (ChevetOutboxWindow *self)
{
  if (self->conflict_rows != NULL)
    {
      for (guint i = 0; i < self->conflict_rows->len; i++)
        {
          GtkWidget *row = g_ptr_array_index (self->conflict_rows, i);
          GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

          if (group != NULL)
            adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
        }
      g_ptr_array_set_size (self->conflict_rows, 0);
    }
  if (self->mine_json_label != NULL)
    {
      gtk_label_set_label (self->mine_json_label, "");
      gtk_label_set_label (self->server_json_label, "");
      gtk_expander_set_expanded (self->fhir_expander, FALSE);
    }
}

static void
close_confirmation (ChevetOutboxWindow *self)
{
  if (self->confirmation != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->confirmation)));
}

static void
show_list (ChevetOutboxWindow *self)
{
  g_cancellable_cancel (self->conflict_cancellable);
  g_clear_object (&self->conflict_cancellable);
  close_confirmation (self);
  clear_conflict_page (self);
  g_clear_object (&self->conflict_item);
  self->resolving = FALSE;
  gtk_widget_set_visible (self->back_button, FALSE);
  adw_window_title_set_title (self->window_title, _("Outbox"));
  adw_window_title_set_subtitle (self->window_title, NULL);
  update_conflict_actions (self);
}

static GtkWidget *
add_field (ChevetOutboxWindow  *self,
           AdwPreferencesGroup *group,
           const char          *title,
           const char          *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value != NULL && *value != '\0' ? value : "—");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->conflict_rows, row);
  return row;
}

static void
mark_differs (GtkWidget *row)
{
  GtkWidget *tag = gtk_label_new (_("Differs"));

  gtk_widget_add_css_class (row, "conflict-differs");
  gtk_widget_add_css_class (tag, "tag");
  gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Differs from the other version"), -1);
}

/* One field of both versions, marked on both sides when they differ. */
static void
add_pair (ChevetOutboxWindow *self,
          const char         *title,
          const char         *mine,
          const char         *server)
{
  GtkWidget *mine_row = add_field (self, self->mine_group, title, mine);
  GtkWidget *server_row = add_field (self, self->server_group, title, server);

  if (g_strcmp0 (mine, server) != 0)
    {
      mark_differs (mine_row);
      mark_differs (server_row);
    }
}

static char *
format_observation_value (ChevetChartItem *o)
{
  g_autofree char *value = chevet_chart_format_value (o);
  const char *unit = chevet_chart_format_unit (o->unit);

  if (value == NULL)
    return g_strdup (o->detail);  /* why there is no value (dataAbsentReason) */
  if (unit == NULL)
    return g_steal_pointer (&value);
  /* Translators: a measured value and its unit, "38.5 °C" */
  return g_strdup_printf (_("%s %s"), value, unit);
}

static void
fill_conflict_page (ChevetOutboxWindow   *self,
                    ChevetOutboxConflict *conflict)
{
  ChevetChartItem *mine = conflict->mine;
  ChevetChartItem *server = conflict->server;
  g_autofree char *mine_date = chevet_chart_format_date (mine->date, TRUE);
  g_autofree char *server_date = chevet_chart_format_date (server->date, TRUE);
  g_autofree char *mine_status = chevet_chart_format_status (mine->status);
  g_autofree char *server_status = chevet_chart_format_status (server->status);
  g_autofree char *updated = chevet_chart_format_date (conflict->server_last_updated, TRUE);

  clear_conflict_page (self);
  if (chevet_outbox_item_get_kind (self->conflict_item) == CHEVET_OUTBOX_KIND_NOTE)
    {
      add_pair (self, _("Text"), mine->extra != NULL ? mine->extra : _("No text was recorded."),
                server->extra != NULL ? server->extra : _("No text was recorded."));
      add_pair (self, _("Date"), mine_date, server_date);
      add_pair (self, _("Author"), mine->detail, server->detail);
      if (g_strcmp0 (mine->status, server->status) != 0)
        add_pair (self, _("Status"), mine_status, server_status);
    }
  else
    {
      g_autofree char *mine_value = format_observation_value (mine);
      g_autofree char *server_value = format_observation_value (server);

      add_pair (self, _("Measurement"), mine->display, server->display);
      add_pair (self, _("Value"), mine_value, server_value);
      add_pair (self, _("Date"), mine_date, server_date);
      add_pair (self, _("Status"), mine_status, server_status);
    }
  add_field (self, self->server_group, _("Version on the server"), conflict->server_version);
  add_field (self, self->server_group, _("Last changed on the server"), updated);

  gtk_label_set_label (self->mine_json_label, conflict->mine_json);
  gtk_label_set_label (self->server_json_label, conflict->server_json);
}

static void
on_conflict_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChevetOutboxWindow) self = user_data;
  g_autoptr(ChevetOutboxConflict) conflict = NULL;
  g_autoptr(GError) error = NULL;

  conflict = chevet_session_read_conflict_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->conflict_cancellable);
  if (conflict == NULL)
    {
      g_debug ("outbox item %" G_GINT64_FORMAT ": conflict could not be read: %s %d",
               chevet_outbox_item_get_seq (self->conflict_item), g_quark_to_string (error->domain), error->code);
      show_list (self);
      gtk_stack_set_visible_child_name (self->stack, "list");
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("The two versions could not be read")));
      return;
    }
  fill_conflict_page (self, conflict);
  update_conflict_actions (self);
  gtk_stack_set_visible_child_name (self->stack, "conflict");
}

static void
show_conflict (ChevetOutboxWindow *self,
               ChevetOutboxItem   *item)
{
  gboolean note = chevet_outbox_item_get_kind (item) == CHEVET_OUTBOX_KIND_NOTE;

  g_assert (chevet_outbox_item_get_state (item) == CHEVET_OUTBOX_STATE_CONFLICT);

  show_list (self);
  self->conflict_item = g_object_ref (item);
  self->conflict_cancellable = g_cancellable_new ();
  gtk_widget_set_visible (self->back_button, TRUE);
  adw_window_title_set_title (self->window_title, _("Conflict"));
  adw_window_title_set_subtitle (self->window_title, note ? _("Progress note") : _("Vital signs"));
  update_conflict_actions (self);
  chevet_session_read_conflict_async (self->session, item, self->conflict_cancellable, on_conflict_read,
                                      g_object_ref (self));
}

static ChevetOutboxItem *
find_item (ChevetOutboxWindow *self,
           gint64              seq)
{
  for (guint i = 0; self->model != NULL && i < g_list_model_get_n_items (self->model); i++)
    {
      g_autoptr(ChevetOutboxItem) item = g_list_model_get_item (self->model, i);

      if (chevet_outbox_item_get_seq (item) == seq)
        return g_steal_pointer (&item);
    }
  return NULL;
}

static void
on_list_box_row_activated (ChevetOutboxWindow *self,
                           GtkListBoxRow      *row)
{
  g_autoptr(ChevetOutboxItem) item = NULL;

  if (self->model == NULL)
    return;
  item = g_list_model_get_item (self->model, gtk_list_box_row_get_index (row));
  if (item != NULL && chevet_outbox_item_get_state (item) == CHEVET_OUTBOX_STATE_CONFLICT)
    gtk_widget_activate_action (GTK_WIDGET (self), "outbox.show-conflict", "x",
                                chevet_outbox_item_get_seq (item));
}

static void
show_conflict_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ChevetOutboxWindow *self = CHEVET_OUTBOX_WINDOW (widget);
  g_autoptr(ChevetOutboxItem) item = find_item (self, g_variant_get_int64 (parameter));

  if (item == NULL || chevet_outbox_item_get_state (item) != CHEVET_OUTBOX_STATE_CONFLICT || self->resolving)
    return;
  show_conflict (self, item);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetOutboxWindow *self = CHEVET_OUTBOX_WINDOW (widget);

  show_list (self);
  if (self->cancellable != NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    gtk_stack_set_visible_child_name (self->stack, self->model != NULL && g_list_model_get_n_items (self->model) > 0
                                                     ? "list" : "empty");
}

static void
on_conflict_resolved (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ChevetOutboxWindow) self = user_data;
  g_autoptr(ChevetOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;
  const char *message;

  item = chevet_session_resolve_conflict_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->resolve_cancellable);
  self->resolving = FALSE;
  if (item == NULL)
    {
      /* Still in conflict (or changed under us): say so, keep the page, read the list again. */
      g_debug ("outbox conflict not resolved: %s %d", g_quark_to_string (error->domain), error->code);
      update_conflict_actions (self);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  message = chevet_outbox_item_get_state (item) == CHEVET_OUTBOX_STATE_SENT
              ? _("The server’s version is now in the chart")
              : _("Your version will be sent at the next sync");
  show_list (self);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
  chevet_outbox_window_reload (self);
  g_signal_emit (self, signals[CONFLICT_RESOLVED], 0, item);
}

static void
resolve (ChevetOutboxWindow     *self,
         ChevetOutboxResolution  resolution)
{
  g_assert (self->conflict_item != NULL);

  self->resolving = TRUE;
  update_conflict_actions (self);
  g_clear_object (&self->resolve_cancellable);
  self->resolve_cancellable = g_cancellable_new ();
  chevet_session_resolve_conflict_async (self->session, self->conflict_item, resolution,
                                         self->resolve_cancellable, on_conflict_resolved, g_object_ref (self));
}

static void
keep_mine_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  resolve (CHEVET_OUTBOX_WINDOW (widget), CHEVET_OUTBOX_KEEP_MINE);
}

static void
on_confirmation_response (ChevetOutboxWindow *self,
                          const char         *response,
                          AdwMessageDialog   *dialog)
{
  if ((GtkWidget *) dialog != self->confirmation)
    return;
  self->confirmation = NULL;
  if (g_strcmp0 (response, "discard") == 0 && self->conflict_item != NULL)
    resolve (self, CHEVET_OUTBOX_TAKE_SERVER);
  else
    update_conflict_actions (self);
}

static void
take_server_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ChevetOutboxWindow *self = CHEVET_OUTBOX_WINDOW (widget);
  gboolean note = chevet_outbox_item_get_kind (self->conflict_item) == CHEVET_OUTBOX_KIND_NOTE;
  GtkWidget *dialog;

  /* Discarding what a clinician wrote is asked about first; the question names no
   * patient and quotes no text. */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Discard Your Version?"),
                                   note ? _("Your version of this note is removed from this workstation and the chart shows the server’s version instead. This cannot be undone.")
                                        : _("Your version of this measurement is removed from this workstation and the chart shows the server’s version instead. This cannot be undone."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard My Version"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirmation_response), self, G_CONNECT_SWAPPED);
  self->confirmation = dialog;
  update_conflict_actions (self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
chevet_outbox_window_dispose (GObject *object)
{
  ChevetOutboxWindow *self = (ChevetOutboxWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->conflict_cancellable);
  g_clear_object (&self->conflict_cancellable);
  g_cancellable_cancel (self->resolve_cancellable);
  g_clear_object (&self->resolve_cancellable);
  close_confirmation (self);
  clear_conflict_page (self);
  g_clear_pointer (&self->conflict_rows, g_ptr_array_unref);
  g_clear_object (&self->conflict_item);
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
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, mine_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, server_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, fhir_expander);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, mine_json_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, server_json_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, keep_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetOutboxWindow, take_button);
  gtk_widget_class_bind_template_callback (widget_class, on_list_box_row_activated);

  /* A conflict: its page (by item seq), back to the list, and the two decisions. */
  gtk_widget_class_install_action (widget_class, "outbox.show-conflict", "x", show_conflict_action);
  gtk_widget_class_install_action (widget_class, "outbox.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "outbox.keep-mine", NULL, keep_mine_action);
  gtk_widget_class_install_action (widget_class, "outbox.take-server", NULL, take_server_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "outbox.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  /* Emitted with the item in its new state (sent, or waiting as an update) once a
   * person chose; the main window reads the chart again. */
  signals[CONFLICT_RESOLVED] = g_signal_new ("conflict-resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, CHEVET_TYPE_OUTBOX_ITEM);
}

static void
chevet_outbox_window_init (ChevetOutboxWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->conflict_rows = g_ptr_array_new ();
  update_conflict_actions (self);
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

/* The conflict shown on the conflict page, NULL on the list (for tests). */
ChevetOutboxItem *
chevet_outbox_window_get_conflict (ChevetOutboxWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_WINDOW (self), NULL);
  return self->conflict_item;
}

/* TRUE while a conflict is read or a decision is on its way to the store. */
gboolean
chevet_outbox_window_get_busy (ChevetOutboxWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_WINDOW (self), FALSE);
  return self->conflict_cancellable != NULL || self->resolving;
}

/* The question asked before discarding mine, while it is open (for tests). */
GtkWidget *
chevet_outbox_window_get_confirmation (ChevetOutboxWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_OUTBOX_WINDOW (self), NULL);
  return self->confirmation;
}
