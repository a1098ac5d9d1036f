/* chevet-audit-window.c: the audit trail, for administrators
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who did what, newest first, in a GtkColumnView: when (local time), account, the action
 * in words, the patient by name (administrators may read it; the id in a tooltip), the
 * outcome and the detail. Filters above: a patient (a name or identifier stands for every
 * patient it matches in the cache; an id as typed finds a patient the cache no longer
 * has), an account of the trail, an action, and a period of local days (the last 30 by
 * default; "All time" drops the bounds).
 *
 * A trail can hold millions of entries, so pages of PAGE_SIZE are read through the
 * session as the list is scrolled to its end ("load more" on the scrolled window's edge),
 * at the snapshot (max_seq) of the first page, so entries appended meanwhile (this view
 * records itself) do not shift the pages. Only the first page is counted.
 *
 * Break-the-glass entries carry a warning icon and bold words beside the warning colour:
 * they read without colour too. Verify, Export (FHIR AuditEvent NDJSON, recorded as
 * "audit-export" by the core) and the retention (months, kept in days) are here, the one
 * place administrators come for the trail. Opening the window is recorded
 * ("audit-view"). The window is destroyed on lock: no patient name outlives it.
 */
#define G_LOG_DOMAIN "chevet-audit-window"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-audit-window.h"

#define PAGE_SIZE 100

typedef enum
{
  PERIOD_TODAY,
  PERIOD_WEEK,
  PERIOD_MONTH,
  PERIOD_YEAR,
  PERIOD_ALL,
  PERIOD_CHOSEN,
} Period;

typedef enum
{
  COLUMN_TIME,
  COLUMN_ACCOUNT,
  COLUMN_ACTION,
  COLUMN_PATIENT,
  COLUMN_OUTCOME,
  COLUMN_DETAIL,
  N_COLUMNS
} Column;

struct _ChevetAuditWindow
{
  AdwWindow             parent_instance;

  ChevetSession        *session;
  GListStore           *model;
  GCancellable         *cancellable;           /* the page being read */
  GCancellable         *settings_cancellable;
  GCancellable         *op_cancellable;        /* verify, export, save */
  GtkFileChooserNative *chooser;
  char                **accounts;              /* the account dropdown's, after "All accounts" */
  gint64                total;
  gint64                max_seq;
  guint                 saved_months;
  gboolean              updating_dates;

  AdwWindowTitle       *window_title;
  GtkSpinner           *spinner;
  GtkRevealer          *verify_revealer;
  GtkWidget            *verify_box;
  GtkImage             *verify_icon;
  GtkLabel             *verify_label;
  GtkSearchEntry       *patient_entry;
  GtkDropDown          *account_dropdown;
  GtkDropDown          *action_dropdown;
  GtkDropDown          *period_dropdown;
  GtkMenuButton        *from_button;
  GtkMenuButton        *to_button;
  GtkCalendar          *from_calendar;
  GtkCalendar          *to_calendar;
  GtkLabel             *hint_label;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkColumnView        *column_view;
  AdwStatusPage        *error_page;
  GtkSpinButton        *retention_spin;
};

G_DEFINE_FINAL_TYPE (ChevetAuditWindow, chevet_audit_window, ADW_TYPE_WINDOW)

static void
update_actions (ChevetAuditWindow *self)
{
  gboolean op = self->op_cancellable != NULL;
  guint months = (guint) gtk_spin_button_get_value_as_int (self->retention_spin);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.verify", !op);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.export", !op && self->chooser == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.save-retention",
                                 !op && self->saved_months > 0 && months != self->saved_months);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), chevet_audit_window_get_busy (self));
  gtk_spinner_set_spinning (self->spinner, chevet_audit_window_get_busy (self));
}

static void
show_toast (ChevetAuditWindow *self,
            const char        *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* ------------------------------------------------------------------ dates */

static GDateTime *
calendar_day (GtkCalendar *calendar)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  int y, m, d;

  g_date_time_get_ymd (date, &y, &m, &d);
  return g_date_time_new_local (y, m, d, 0, 0, 0);
}

static void
update_date_buttons (ChevetAuditWindow *self)
{
  gboolean bounded = gtk_drop_down_get_selected (self->period_dropdown) != PERIOD_ALL;
  GtkCalendar *calendars[2] = { self->from_calendar, self->to_calendar };
  GtkMenuButton *buttons[2] = { self->from_button, self->to_button };

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GDateTime) day = calendar_day (calendars[i]);
      /* Translators: a day in the audit view's period; see g_date_time_format() */
      g_autofree char *text = g_date_time_format (day, _("%-d %b %Y"));

      gtk_menu_button_set_label (buttons[i], bounded ? text : "…");
      gtk_widget_set_sensitive (GTK_WIDGET (buttons[i]), bounded);
    }
}

static void
select_days (ChevetAuditWindow *self,
             GDateTime         *from,
             GDateTime         *to)
{
  self->updating_dates = TRUE;
  gtk_calendar_select_day (self->from_calendar, from);
  gtk_calendar_select_day (self->to_calendar, to);
  self->updating_dates = FALSE;
}

/* The filter's bounds: from the first day's local midnight to the last moment of the
 * last day, in UTC as the trail writes times. */
static void
dup_bounds (ChevetAuditWindow  *self,
            char              **from,
            char              **to)
{
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) last = NULL;
  g_autoptr(GDateTime) next = NULL;
  g_autoptr(GDateTime) end = NULL;

  *from = *to = NULL;
  if (gtk_drop_down_get_selected (self->period_dropdown) == PERIOD_ALL)
    return;
  first = calendar_day (self->from_calendar);
  last = calendar_day (self->to_calendar);
  if (g_date_time_compare (first, last) > 0)
    {
      GDateTime *swap = first;

      first = last;
      last = swap;
    }
  next = g_date_time_add_days (last, 1);
  end = g_date_time_add (next, -1000);  /* 23:59:59.999: times are kept to the millisecond */
  *from = chevet_audit_format_time (first);
  *to = chevet_audit_format_time (end);
}

/* ------------------------------------------------------------------ pages */

static void
update_count (ChevetAuditWindow *self)
{
  g_autofree char *count = NULL;

  if (self->total >= 0)
    /* Translators: the number of audit entries matching the filters */
    count = g_strdup_printf (ngettext ("%lld entry", "%lld entries", (gulong) self->total),
                             (long long) self->total);
  adw_window_title_set_subtitle (self->window_title, count);
}

static void
show_page_error (ChevetAuditWindow *self,
                 GError            *error)
{
  g_debug ("the audit trail could not be read: %s %d", g_quark_to_string (error->domain), error->code);
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

static void
on_page_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChevetAuditWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetAuditPage) page = NULL;
  gboolean first;

  page = chevet_session_query_audit_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  update_actions (self);
  if (page == NULL)
    {
      show_page_error (self, error);
      return;
    }

  first = page->total >= 0;
  if (first)
    {
      self->total = page->total;
      self->max_seq = page->max_seq;
      g_list_store_splice (self->model, 0, g_list_model_get_n_items (G_LIST_MODEL (self->model)),
                           page->items->pdata, page->items->len);
      update_count (self);
      gtk_stack_set_visible_child_name (self->stack, self->total > 0 ? "list" : "empty");
      if (page->more_patients)
        {
          g_autofree char *hint = g_strdup_printf (_("More than %u patients match: only the first %u are "
                                                     "shown. Type more of the name."),
                                                   CHEVET_SESSION_AUDIT_MAX_PATIENTS,
                                                   CHEVET_SESSION_AUDIT_MAX_PATIENTS);

          gtk_label_set_label (self->hint_label, hint);
        }
      gtk_widget_set_visible (GTK_WIDGET (self->hint_label), page->more_patients);
    }
  else
    g_list_store_splice (self->model, g_list_model_get_n_items (G_LIST_MODEL (self->model)), 0,
                         page->items->pdata, page->items->len);
}

static void
read_page (ChevetAuditWindow *self,
           guint              offset)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  guint account = gtk_drop_down_get_selected (self->account_dropdown);
  guint action = gtk_drop_down_get_selected (self->action_dropdown);
  ChevetAuditFilter filter = { 0 };

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  dup_bounds (self, &from, &to);
  filter.from = from;
  filter.to = to;
  if (self->accounts != NULL && account != GTK_INVALID_LIST_POSITION && account > 0 &&
      account <= g_strv_length (self->accounts))
    filter.account = self->accounts[account - 1];
  if (action != GTK_INVALID_LIST_POSITION && action > 0 && action <= CHEVET_AUDIT_N_ACTIONS)
    filter.action = chevet_audit_action_to_code (action - 1);
  filter.max_seq = offset > 0 ? self->max_seq : 0;
  chevet_session_query_audit_async (self->session, &filter,
                                    gtk_editable_get_text (GTK_EDITABLE (self->patient_entry)),
                                    offset, PAGE_SIZE, self->cancellable, on_page_read, g_object_ref (self));
  update_actions (self);
}

void
chevet_audit_window_reload (ChevetAuditWindow *self)
{
  g_return_if_fail (CHEVET_IS_AUDIT_WINDOW (self));

  read_page (self, 0);
}

static void
on_filter_changed (ChevetAuditWindow *self)
{
  chevet_audit_window_reload (self);
}

/* The next page, when the list is scrolled to its end and more entries match. */
static void
on_scrolled_edge_reached (ChevetAuditWindow *self,
                          GtkPositionType    position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  if (position != GTK_POS_BOTTOM || self->cancellable != NULL || self->total < 0 || n >= self->total)
    return;
  read_page (self, n);
}

static void
on_period_changed (ChevetAuditWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) from = NULL;
  int y, m, d;

  g_date_time_get_ymd (now, &y, &m, &d);
  today = g_date_time_new_local (y, m, d, 0, 0, 0);
  switch ((Period) gtk_drop_down_get_selected (self->period_dropdown))
    {
    case PERIOD_TODAY:
      from = g_date_time_ref (today);
      break;
    case PERIOD_WEEK:
      from = g_date_time_add_days (today, -6);
      break;
    case PERIOD_MONTH:
      from = g_date_time_add_days (today, -29);
      break;
    case PERIOD_YEAR:
      {
        g_autoptr(GDateTime) year_ago = g_date_time_add_years (today, -1);

        from = g_date_time_add_days (year_ago, 1);
      }
      break;
    case PERIOD_ALL:
    case PERIOD_CHOSEN:
    default:
      break;
    }
  if (from != NULL)
    select_days (self, from, today);
  update_date_buttons (self);
  chevet_audit_window_reload (self);
}

/* A day picked in a calendar: the period becomes the dates chosen. */
static void
on_day_selected (ChevetAuditWindow *self)
{
  if (self->updating_dates)
    return;
  if (gtk_drop_down_get_selected (self->period_dropdown) != PERIOD_CHOSEN)
    gtk_drop_down_set_selected (self->period_dropdown, PERIOD_CHOSEN);  /* reloads */
  else
    {
      update_date_buttons (self);
      chevet_audit_window_reload (self);
    }
}

/* ------------------------------------------------------------------ cells */

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == COLUMN_ACTION)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
      gtk_widget_set_visible (icon, FALSE);
      gtk_box_append (GTK_BOX (box), icon);
      gtk_box_append (GTK_BOX (box), label);
      gtk_list_item_set_child (list_item, box);
    }
  else
    gtk_list_item_set_child (list_item, label);
}

static void
set_class (GtkWidget  *widget,
           const char *name,
           gboolean    set)
{
  if (set)
    gtk_widget_add_css_class (widget, name);
  else
    gtk_widget_remove_css_class (widget, name);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  ChevetAuditItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  GtkWidget *label = column == COLUMN_ACTION ? gtk_widget_get_last_child (child) : child;
  gboolean break_glass = chevet_audit_item_get_break_glass (item);
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;

  switch (column)
    {
    case COLUMN_TIME:
      if (chevet_audit_item_get_time (item) != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (chevet_audit_item_get_time (item));

          /* Translators: when an audit entry was recorded; see g_date_time_format() */
          text = g_date_time_format (local, _("%-d %b %Y %H:%M:%S"));
        }
      else
        text = g_strdup (chevet_audit_item_get_time_text (item));
      tooltip = g_strdup (chevet_audit_item_get_time_text (item));
      break;
    case COLUMN_ACCOUNT:
      text = g_strdup (chevet_audit_item_get_account (item));
      break;
    case COLUMN_ACTION:
      text = g_strdup (chevet_audit_action_describe (chevet_audit_item_get_action (item)));
      gtk_widget_set_visible (gtk_widget_get_first_child (child), break_glass);
      set_class (child, "break-glass", break_glass);
      set_class (label, "heading", break_glass);
      break;
    case COLUMN_PATIENT:
      {
        const char *id = chevet_audit_item_get_patient_id (item);
        const char *name = chevet_audit_item_get_patient_name (item);

        if (id == NULL)
          text = g_strdup ("—");
        else if (name != NULL)
          {
            text = g_strdup (name);
            /* Translators: a tooltip in the audit view */
            tooltip = g_strdup_printf (_("Patient id: %s"), id);
          }
        else
          {
            text = g_strdup (id);
            /* Translators: a tooltip in the audit view */
            tooltip = g_strdup_printf (_("Patient id: %s (not in this workspace’s cache)"), id);
          }
        set_class (label, "heading", break_glass);
      }
      break;
    case COLUMN_OUTCOME:
      {
        const char *outcome = chevet_audit_item_get_outcome (item);

        text = g_strdup (chevet_audit_outcome_describe (outcome));
        set_class (label, "error", g_strcmp0 (outcome, "failure") == 0);
        set_class (label, "warning", g_strcmp0 (outcome, "denied") == 0);
      }
      break;
    case COLUMN_DETAIL:
      text = g_strdup (chevet_audit_item_get_detail (item));
      tooltip = g_strdup (chevet_audit_item_get_detail (item));
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_label (GTK_LABEL (label), text != NULL ? text : "");
  gtk_widget_set_tooltip_text (child, tooltip);
}

static void
add_column (ChevetAuditWindow *self,
            Column             column,
            const char        *title,
            gboolean           expand,
            int                fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *view_column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_append_column (self->column_view, view_column);
  g_object_unref (view_column);
}

/* ------------------------------------------------------------------ settings */

static guint
days_to_months (guint days)
{
  return MAX (1, (days * 12 + 182) / 365);
}

static guint
months_to_days (guint months)
{
  return (months * 365 + 6) / 12;
}

static void
on_settings_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChevetAuditWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetAuditSettings) settings = NULL;
  g_autoptr(GtkStringList) accounts = NULL;
  const char *selected = NULL;
  guint position = 0;

  settings = chevet_session_read_audit_settings_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->settings_cancellable);
  update_actions (self);
  if (settings == NULL)
    {
      show_page_error (self, error);
      return;
    }

  /* The account chosen stays chosen when the list is read again. */
  if (self->accounts != NULL && gtk_drop_down_get_selected (self->account_dropdown) > 0)
    selected = self->accounts[gtk_drop_down_get_selected (self->account_dropdown) - 1];
  accounts = gtk_string_list_new (NULL);
  gtk_string_list_append (accounts, _("All accounts"));
  for (guint i = 0; settings->accounts[i] != NULL; i++)
    {
      gtk_string_list_append (accounts, settings->accounts[i]);
      if (g_strcmp0 (selected, settings->accounts[i]) == 0)
        position = i + 1;
    }
  g_signal_handlers_block_by_func (self->account_dropdown, on_filter_changed, self);
  gtk_drop_down_set_model (self->account_dropdown, G_LIST_MODEL (accounts));
  gtk_drop_down_set_selected (self->account_dropdown, position);
  g_signal_handlers_unblock_by_func (self->account_dropdown, on_filter_changed, self);
  g_strfreev (self->accounts);
  self->accounts = g_steal_pointer (&settings->accounts);

  self->saved_months = days_to_months (settings->retention_days);
  gtk_spin_button_set_value (self->retention_spin, self->saved_months);
  update_actions (self);
}

static void
read_settings (ChevetAuditWindow *self)
{
  g_cancellable_cancel (self->settings_cancellable);
  g_clear_object (&self->settings_cancellable);
  self->settings_cancellable = g_cancellable_new ();
  chevet_session_read_audit_settings_async (self->session, self->settings_cancellable, on_settings_read,
                                            g_object_ref (self));
}

static void
on_retention_changed (ChevetAuditWindow *self)
{
  update_actions (self);
}

static void
on_retention_saved (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChevetAuditWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint months;

  if (!chevet_session_set_audit_retention_finish (CHEVET_SESSION (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->op_cancellable);
  if (error != NULL)
    show_toast (self, error->message);
  else
    {
      g_autofree char *message = NULL;

      months = (guint) gtk_spin_button_get_value_as_int (self->retention_spin);
      self->saved_months = months;
      message = g_strdup_printf (ngettext ("Audit entries are kept for %u month",
                                           "Audit entries are kept for %u months", months), months);
      show_toast (self, message);
      chevet_audit_window_reload (self);  /* the change is itself an entry */
    }
  update_actions (self);
}

static void
save_retention_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChevetAuditWindow *self = CHEVET_AUDIT_WINDOW (widget);
  guint months = (guint) gtk_spin_button_get_value_as_int (self->retention_spin);

  self->op_cancellable = g_cancellable_new ();
  chevet_session_set_audit_retention_async (self->session, months_to_days (months), self->op_cancellable,
                                            on_retention_saved, g_object_ref (self));
  update_actions (self);
}

/* ------------------------------------------------------------------ verify, export */

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChevetAuditWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree ChevetAuditReport *report = NULL;
  g_autofree char *text = NULL;
  gboolean intact;

  report = chevet_session_verify_audit_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->op_cancellable);
  update_actions (self);
  intact = report != NULL && report->problem == CHEVET_AUDIT_INTACT;
  text = report != NULL ? chevet_audit_report_describe (report) : g_strdup (error->message);
  gtk_label_set_label (self->verify_label, text);
  gtk_image_set_from_icon_name (self->verify_icon, intact ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  set_class (self->verify_box, "success", intact);
  set_class (self->verify_box, "error", !intact);
  gtk_revealer_set_reveal_child (self->verify_revealer, TRUE);
  g_debug ("audit verify from the view: problem %d", report != NULL ? (int) report->problem : -1);
}

static void
verify_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetAuditWindow *self = CHEVET_AUDIT_WINDOW (widget);

  self->op_cancellable = g_cancellable_new ();
  gtk_revealer_set_reveal_child (self->verify_revealer, FALSE);
  chevet_session_verify_audit_async (self->session, self->op_cancellable, on_verified, g_object_ref (self));
  update_actions (self);
}

static void
dismiss_verify_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  gtk_revealer_set_reveal_child (CHEVET_AUDIT_WINDOW (widget)->verify_revealer, FALSE);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChevetAuditWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 n = chevet_session_export_audit_finish (CHEVET_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->op_cancellable);
  update_actions (self);
  if (n < 0)
    {
      g_debug ("audit export failed: %s %d", g_quark_to_string (error->domain), error->code);
      show_toast (self, error->message);
      return;
    }
  {
    /* Translators: after the audit trail was saved as FHIR AuditEvent NDJSON */
    g_autofree char *message = g_strdup_printf (ngettext ("Exported %lld audit entry",
                                                          "Exported %lld audit entries", (gulong) n),
                                                (long long) n);

    show_toast (self, message);
  }
  chevet_audit_window_reload (self);  /* the export is itself an entry */
}

static void
close_chooser (ChevetAuditWindow *self)
{
  if (self->chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static void
on_chooser_response (ChevetAuditWindow *self,
                     int                response)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (self->chooser));
  close_chooser (self);
  if (file != NULL)
    {
      self->op_cancellable = g_cancellable_new ();
      chevet_session_export_audit_async (self->session, file, self->op_cancellable, on_exported,
                                         g_object_ref (self));
    }
  update_actions (self);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetAuditWindow *self = CHEVET_AUDIT_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  close_chooser (self);
  self->chooser = gtk_file_chooser_native_new (_("Export Audit Trail"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "audit-trail.ndjson");
  gtk_file_filter_set_name (filter, _("FHIR AuditEvent NDJSON"));
  gtk_file_filter_add_pattern (filter, "*.ndjson");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
  update_actions (self);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetAuditWindow *self = CHEVET_AUDIT_WINDOW (widget);

  read_settings (self);
  chevet_audit_window_reload (self);
}

static void
focus_patient_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (CHEVET_AUDIT_WINDOW (widget)->patient_entry));
}

/* ------------------------------------------------------------------ the window */

static void
chevet_audit_window_dispose (GObject *object)
{
  ChevetAuditWindow *self = (ChevetAuditWindow *) object;

  close_chooser (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->settings_cancellable);
  g_clear_object (&self->settings_cancellable);
  g_cancellable_cancel (self->op_cancellable);
  g_clear_object (&self->op_cancellable);
  /* Patient names go with the window, not with its last reference. */
  if (self->model != NULL)
    g_list_store_remove_all (self->model);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_AUDIT_WINDOW);
  g_clear_object (&self->model);
  g_clear_object (&self->session);
  g_clear_pointer (&self->accounts, g_strfreev);

  G_OBJECT_CLASS (chevet_audit_window_parent_class)->dispose (object);
}

static void
chevet_audit_window_class_init (ChevetAuditWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_audit_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-audit-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, verify_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, verify_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, verify_icon);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, verify_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, patient_entry);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, account_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, action_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, from_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, to_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, from_calendar);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, to_calendar);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, hint_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetAuditWindow, retention_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_period_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_day_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_scrolled_edge_reached);
  gtk_widget_class_bind_template_callback (widget_class, on_retention_changed);

  gtk_widget_class_install_action (widget_class, "audit.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "audit.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "audit.save-retention", NULL, save_retention_action);
  gtk_widget_class_install_action (widget_class, "audit.dismiss-verify", NULL, dismiss_verify_action);
  gtk_widget_class_install_action (widget_class, "audit.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "audit.focus-patient", NULL, focus_patient_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "audit.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "audit.focus-patient", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chevet_audit_window_init (ChevetAuditWindow *self)
{
  g_autoptr(GtkStringList) actions = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) accounts = gtk_string_list_new (NULL);
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->total = -1;
  self->model = g_list_store_new (CHEVET_TYPE_AUDIT_ITEM);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->model)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  add_column (self, COLUMN_TIME, _("Time"), FALSE, 170);
  add_column (self, COLUMN_ACCOUNT, _("Account"), FALSE, 120);
  add_column (self, COLUMN_ACTION, _("Action"), FALSE, 230);
  add_column (self, COLUMN_PATIENT, _("Patient"), FALSE, 220);
  add_column (self, COLUMN_OUTCOME, _("Outcome"), FALSE, 90);
  add_column (self, COLUMN_DETAIL, _("Detail"), TRUE, -1);

  /* Blocked until the window is filled: each would read the trail again. */
  g_signal_handlers_block_by_func (self->account_dropdown, on_filter_changed, self);
  g_signal_handlers_block_by_func (self->action_dropdown, on_filter_changed, self);
  g_signal_handlers_block_by_func (self->period_dropdown, on_period_changed, self);
  gtk_string_list_append (accounts, _("All accounts"));
  gtk_drop_down_set_model (self->account_dropdown, G_LIST_MODEL (accounts));
  gtk_string_list_append (actions, _("All actions"));
  for (guint i = 0; i < CHEVET_AUDIT_N_ACTIONS; i++)
    gtk_string_list_append (actions, chevet_audit_action_describe (chevet_audit_action_to_code (i)));
  gtk_drop_down_set_model (self->action_dropdown, G_LIST_MODEL (actions));
  gtk_drop_down_set_selected (self->period_dropdown, PERIOD_MONTH);
  g_signal_handlers_unblock_by_func (self->account_dropdown, on_filter_changed, self);
  g_signal_handlers_unblock_by_func (self->action_dropdown, on_filter_changed, self);
  g_signal_handlers_unblock_by_func (self->period_dropdown, on_period_changed, self);
  update_actions (self);
}

GtkWidget *
chevet_audit_window_new (GtkWindow     *parent,
                         ChevetSession *session)
{
  ChevetAuditWindow *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);

  self = g_object_new (CHEVET_TYPE_AUDIT_WINDOW, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  /* Reading the trail is itself recorded, queued before the first page so it shows. */
  chevet_session_record (session, CHEVET_AUDIT_AUDIT_VIEW, NULL, CHEVET_AUDIT_SUCCESS, NULL);
  read_settings (self);
  on_period_changed (self);  /* the last 30 days, and the first page */
  return GTK_WIDGET (self);
}

GListModel *
chevet_audit_window_get_model (ChevetAuditWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_AUDIT_WINDOW (self), NULL);
  return G_LIST_MODEL (self->model);
}

gint64
chevet_audit_window_get_total (ChevetAuditWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_AUDIT_WINDOW (self), -1);
  return self->total;
}

gboolean
chevet_audit_window_get_busy (ChevetAuditWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_AUDIT_WINDOW (self), FALSE);
  return self->cancellable != NULL || self->settings_cancellable != NULL || self->op_cancellable != NULL ||
         self->chooser != NULL;
}
