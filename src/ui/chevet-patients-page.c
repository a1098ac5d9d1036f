/* chevet-patients-page.c: search the workspace's patients
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list shows a ChevetPatientList, which reads its rows a page at a time as the view
 * scrolls, so a workspace of 100,000 patients costs what the screen shows. With an empty
 * search, the recently opened patients come first under "Recent", above "All patients":
 * the view's model flattens a small store of those rows and the patient list.
 *
 * Every keystroke (debounced by GtkSearchEntry) starts a search that supersedes the one
 * in flight, so an earlier, slower answer can never replace a newer one. Resetting (on
 * lock) empties the list, the recent patients and the search text: no patient string
 * stays in the widget tree.
 *
 * Under the header, the sync state: when the workspace last synced (read from its meta
 * and refreshed every minute) and whether the network is down. While a sync runs (the
 * window hands its ChevetSync over), a progress bar with the phase, the resources done
 * and expected, the rate and the time left, and the sync button becomes Cancel.
 */
#define G_LOG_DOMAIN "chevet-patients-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chevet-patient.h"
#include "chevet-patient-list.h"
#include "chevet-patient-row.h"
#include "chevet-patients-page.h"
#include "chevet-sync.h"
#include "chevet-training-marker.h"
#include "chevet-window.h"

#define SYNC_REFRESH_SECONDS 60

struct _ChevetPatientsPage
{
  GtkWidget          parent_instance;

  ChevetSession     *session;
  GBindingGroup     *session_bindings;
  GNetworkMonitor   *network_monitor;
  ChevetSync        *sync;             /* the run shown, or NULL */
  gboolean           sync_offline;     /* the last sync found no network */
  GCancellable      *cancellable;      /* recent patients and sync state; cancelled on reset */
  GListStore        *recent_store;     /* ChevetPatientItem: headings and recent patients */
  GPtrArray         *pending_recent;   /* recent patients arrived during a search */
  GListModel        *rows;             /* what the view shows: recent_store then patient_list */
  char              *pending_query;
  char              *query;
  char              *last_sync;        /* NULL until read */
  gint64             n_waiting;        /* outbox items not yet sent; -1 until read */
  guint              recent_limit;
  guint              sync_timeout;
  gboolean           active;
  gboolean           searching;
  gboolean           show_end_title_buttons;

  ChevetPatientList *patient_list;
  AdwHeaderBar      *header_bar;
  AdwWindowTitle    *window_title;
  GtkButton         *lock_button;
  GtkButton         *sync_button;
  GtkButton         *tutorials_button;
  GtkWidget         *training_marker;
  GtkSearchEntry    *search_entry;
  GtkLabel          *count_label;
  GtkSpinner        *spinner;
  GtkLabel          *sync_label;
  GtkLabel          *waiting_label;
  GtkWidget         *offline_box;
  GtkWidget         *progress_box;
  GtkLabel          *progress_label;
  GtkProgressBar    *progress_bar;
  GtkStack          *content_stack;
  GtkScrolledWindow *scrolled_window;
  GtkGridView       *list_view;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_MODEL,
  PROP_QUERY,
  PROP_SEARCHING,
  PROP_RECENT_LIMIT,
  PROP_SHOW_END_TITLE_BUTTONS,
  N_PROPS
};

enum {
  PATIENT_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetPatientsPage, chevet_patients_page, GTK_TYPE_WIDGET)

static char *
format_count (guint64 n)
{
  /* The ' flag groups digits as the locale does: “2,034”, “2 034”. */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

static gboolean
text_is_empty (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));

  return *stripped == '\0';
}

static void
set_searching (ChevetPatientsPage *self,
               gboolean            searching)
{
  if (self->searching == searching)
    return;
  self->searching = searching;
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->list_view),
                               GTK_ACCESSIBLE_STATE_BUSY, searching,
                               -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCHING]);
}

static void
set_query (ChevetPatientsPage *self,
           const char         *query)
{
  if (g_strcmp0 (self->query, query) == 0)
    return;
  g_free (self->query);
  self->query = g_strdup (query);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
}

/* Recent patients */

static void scroll_to_top (ChevetPatientsPage *self);

static void
show_recent (ChevetPatientsPage *self,
             GPtrArray          *patients)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  gboolean at_top = adjustment == NULL || gtk_adjustment_get_value (adjustment) < 1;
  guint i;

  if (patients != NULL && patients->len > 0)
    {
      g_ptr_array_add (items, chevet_patient_item_new_heading (_("Recent")));
      for (i = 0; i < patients->len; i++)
        g_ptr_array_add (items, chevet_patient_item_new (g_ptr_array_index (patients, i)));
      g_ptr_array_add (items, chevet_patient_item_new_heading (_("All patients")));
    }
  g_list_store_splice (self->recent_store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->recent_store)),
                       items->pdata, items->len);
  /* GTK 4.8's list view leaves an empty gap where rows are inserted before the row it is
   * anchored to (the "Recent" heading vanished after a chart opened): a list that was at
   * the top is put back at its first row. */
  if (at_top)
    scroll_to_top (self);
}

static void
on_recent_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;
  ChevetPatientsPage *self;

  patients = chevet_session_list_recent_finish (CHEVET_SESSION (object), result, &error);
  /* A reset or a lock cancelled it: self may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CHEVET_PATIENTS_PAGE (user_data);
  if (patients == NULL)
    {
      g_debug ("listing recent patients failed: %s code %d",
               g_quark_to_string (error->domain), error->code);
      return;
    }
  g_debug ("%u recent patients", patients->len);

  /* Shown with the results of an empty search, not before them. */
  if (self->searching)
    {
      g_clear_pointer (&self->pending_recent, g_ptr_array_unref);
      self->pending_recent = g_steal_pointer (&patients);
    }
  else if (text_is_empty (self->query))
    show_recent (self, patients);
}

static void
start_recent (ChevetPatientsPage *self)
{
  g_assert (self->session != NULL);

  if (self->recent_limit == 0)
    {
      show_recent (self, NULL);
      return;
    }
  chevet_session_list_recent_async (self->session, self->recent_limit, self->cancellable,
                                    on_recent_done, self);
}

/* Sync state */

char *
chevet_patients_page_format_last_sync (const char *last_sync,
                                       GDateTime  *now)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = NULL;
  GTimeSpan minutes;
  int n;

  if (last_sync == NULL || *last_sync == '\0')
    return g_strdup (_("Never synced"));

  when = g_date_time_new_from_iso8601 (last_sync, utc);
  if (when == NULL)
    return g_strdup (_("Last sync unknown"));

  minutes = g_date_time_difference (now, when) / G_TIME_SPAN_MINUTE;
  /* A clock a little behind the server's reads as just now too. */
  if (minutes < 1)
    return g_strdup (_("Synced just now"));
  if (minutes < 60)
    {
      n = (int) minutes;
      return g_strdup_printf (ngettext ("Synced %d minute ago", "Synced %d minutes ago", n), n);
    }
  if (minutes < 24 * 60)
    {
      n = (int) (minutes / 60);
      return g_strdup_printf (ngettext ("Synced %d hour ago", "Synced %d hours ago", n), n);
    }
  n = (int) MIN (minutes / (24 * 60), G_MAXINT);
  return g_strdup_printf (ngettext ("Synced %d day ago", "Synced %d days ago", n), n);
}

static void
update_sync_state (ChevetPatientsPage *self)
{
  gboolean online = self->network_monitor == NULL ||
                    g_network_monitor_get_network_available (self->network_monitor);

  if (self->active && self->last_sync != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *text = chevet_patients_page_format_last_sync (self->last_sync, now);

      gtk_label_set_label (self->sync_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->sync_label), TRUE);
    }
  else
    {
      gtk_label_set_label (self->sync_label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->sync_label), FALSE);
    }
  gtk_widget_set_visible (self->offline_box, self->active && (!online || self->sync_offline));

  if (self->active && self->n_waiting > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%lld waiting to be sent",
                                                         "%lld waiting to be sent",
                                                         self->n_waiting),
                                               (long long) self->n_waiting);

      gtk_label_set_label (self->waiting_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), TRUE);
    }
  else
    {
      gtk_label_set_label (self->waiting_label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), FALSE);
    }
}

static void
on_count_waiting_done (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  ChevetPatientsPage *self;
  gint64 n;

  n = chevet_session_count_waiting_finish (CHEVET_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = CHEVET_PATIENTS_PAGE (user_data);
  if (n < 0)
    g_debug ("counting the outbox failed: %s code %d", g_quark_to_string (error->domain), error->code);
  self->n_waiting = n;
  update_sync_state (self);
}

/* Reads again how many outbox items wait to be sent (something was written). */
void
chevet_patients_page_refresh_outbox (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  if (!self->active || self->session == NULL || self->cancellable == NULL)
    return;
  chevet_session_count_waiting_async (self->session, self->cancellable, on_count_waiting_done, self);
}

static void
on_last_sync_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  ChevetPatientsPage *self;

  value = chevet_session_get_meta_finish (CHEVET_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CHEVET_PATIENTS_PAGE (user_data);
  if (value == NULL)
    g_debug ("reading the last sync time failed: %s code %d",
             g_quark_to_string (error->domain), error->code);
  g_free (self->last_sync);
  self->last_sync = g_steal_pointer (&value);
  update_sync_state (self);
}

static void
read_last_sync (ChevetPatientsPage *self)
{
  chevet_session_get_meta_async (self->session, "last-sync", self->cancellable,
                                 on_last_sync_done, self);
}

static gboolean
on_sync_timeout (gpointer data)
{
  ChevetPatientsPage *self = data;

  /* Read again: a sync (a later issue) may have run since, here or from chevet-cli. */
  read_last_sync (self);
  chevet_patients_page_refresh_outbox (self);
  return G_SOURCE_CONTINUE;
}

/* Sync progress */

static char *
format_duration (double seconds)
{
  guint minutes = (guint) (seconds / 60 + 0.5);

  if (seconds < 60)
    return g_strdup (_("less than a minute left"));
  return g_strdup_printf (ngettext ("about %u minute left", "about %u minutes left", minutes), minutes);
}

static void
update_progress (ChevetPatientsPage *self)
{
  g_autoptr(GString) text = NULL;
  ChevetSyncPhase phase;
  guint64 done;
  gint64 expected;
  double rate;

  if (self->sync == NULL)
    return;
  phase = chevet_sync_get_phase (self->sync);
  done = chevet_sync_get_resources_done (self->sync);
  expected = chevet_sync_get_resources_expected (self->sync);
  rate = chevet_sync_get_rate (self->sync);

  text = g_string_new (chevet_sync_phase_to_string (phase));
  if (done > 0 || expected > 0)
    {
      g_autofree char *n = format_count (done);

      if (expected > 0)
        {
          g_autofree char *total = format_count ((guint64) expected);

          g_string_append (text, " · ");
          /* Translators: resources received during a sync: “1,200 of 5,000” */
          g_string_append_printf (text, _("%s of %s"), n, total);
        }
      else
        g_string_append_printf (text, " · %s", n);
    }
  if (rate > 0.5)
    /* Translators: resources received per second */
    g_string_append_printf (text, _(" · %.0f/s"), rate);
  if (expected > 0 && rate > 0.5 && (guint64) expected > done)
    {
      g_autofree char *left = format_duration ((expected - done) / rate);

      g_string_append_printf (text, " · %s", left);
    }
  gtk_label_set_label (self->progress_label, text->str);

  if (expected > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, (double) done / expected));
  else
    gtk_progress_bar_pulse (self->progress_bar);
}

/* Shows the progress of @sync while it runs (NULL: no sync running, the usual header). */
void
chevet_patients_page_set_sync (ChevetPatientsPage *self,
                               ChevetSync         *sync)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));
  g_return_if_fail (!sync || CHEVET_IS_SYNC (sync));

  if (self->sync == sync)
    return;
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_set_object (&self->sync, sync);
  if (sync != NULL)
    {
      g_signal_connect_swapped (sync, "notify", G_CALLBACK (update_progress), self);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      update_progress (self);
    }
  else
    gtk_label_set_label (self->progress_label, NULL);
  gtk_widget_set_visible (self->progress_box, sync != NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->sync_button),
                                  sync != NULL ? "win.cancel-sync" : "win.sync");
  gtk_button_set_icon_name (self->sync_button,
                            sync != NULL ? "process-stop-symbolic" : "emblem-synchronizing-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sync_button),
                               sync != NULL ? _("Cancel Sync") : _("Send and Receive (Ctrl+R)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  sync != NULL ? _("Cancel the sync") : _("Send and receive records"),
                                  -1);
}

ChevetSync *
chevet_patients_page_get_sync (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), NULL);
  return self->sync;
}

/* The last sync found no network: "Offline" until one succeeds. */
void
chevet_patients_page_set_sync_offline (ChevetPatientsPage *self,
                                       gboolean            offline)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  self->sync_offline = !!offline;
  update_sync_state (self);
}

/* Search */

static void
show_results (ChevetPatientsPage *self)
{
  guint64 total = chevet_patient_list_get_total (self->patient_list);
  gboolean searching_text = !text_is_empty (self->query);
  g_autofree char *count = format_count (total);
  g_autofree char *text = NULL;

  if (searching_text)
    text = g_strdup_printf (ngettext ("%s match", "%s matches", total), count);
  else
    text = g_strdup_printf (ngettext ("%s patient", "%s patients", total), count);
  gtk_label_set_label (self->count_label, text);

  if (total == 0)
    gtk_stack_set_visible_child_name (self->content_stack, searching_text ? "no-match" : "empty");
  else
    gtk_stack_set_visible_child_name (self->content_stack, "list");
}

/* Through the list view's anchor: setting the adjustment while rows are being replaced
 * makes GTK 4.8 look for a row that is not there yet. */
static void
scroll_to_top (ChevetPatientsPage *self)
{
  if (g_list_model_get_n_items (self->rows) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", 0);
}

static void
on_search_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  ChevetPatientsPage *self;

  /* A newer search, a reset or a lock cancelled this one: self may be gone. */
  if (!chevet_patient_list_search_finish (CHEVET_PATIENT_LIST (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CHEVET_PATIENTS_PAGE (user_data);
  set_searching (self, FALSE);

  if (error != NULL)
    {
      g_autofree char *message = NULL;

      g_debug ("search failed: %s code %d", g_quark_to_string (error->domain), error->code);
      /* Translators: %s says why, e.g. “Database error: disk I/O error” */
      message = g_strdup_printf (_("The search failed: %s"), error->message);
      g_clear_pointer (&self->pending_recent, g_ptr_array_unref);
      show_recent (self, NULL);
      gtk_label_set_label (self->count_label, message);
      gtk_stack_set_visible_child_name (self->content_stack, "list");
      return;
    }

  set_query (self, self->pending_query);
  /* A running tutorial may wait for this search (its results are in). */
  chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_SEARCH, self->query);
  if (text_is_empty (self->query))
    {
      if (self->pending_recent != NULL)
        show_recent (self, self->pending_recent);
    }
  else
    show_recent (self, NULL);
  g_clear_pointer (&self->pending_recent, g_ptr_array_unref);

  scroll_to_top (self);
  show_results (self);
}

static void
start_search (ChevetPatientsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_assert (self->session != NULL);

  g_free (self->pending_query);
  self->pending_query = g_strdup (text);
  g_clear_pointer (&self->pending_recent, g_ptr_array_unref);
  set_searching (self, TRUE);

  /* Recent patients first, so that they are there when the list is. */
  if (text_is_empty (text))
    start_recent (self);
  chevet_patient_list_search_async (self->patient_list, text, on_search_done, self);
}

/* Activation */

static ChevetPatient *
dup_patient_at (ChevetPatientsPage *self,
                guint               position)
{
  g_autoptr(ChevetPatientItem) item = g_list_model_get_item (self->rows, position);
  ChevetPatient *patient = item != NULL ? chevet_patient_item_get_patient (item) : NULL;

  return patient != NULL ? g_object_ref (patient) : NULL;
}

static void
on_search_entry_search_changed (ChevetPatientsPage *self)
{
  if (self->active)
    start_search (self);
}

static void
on_search_entry_stop_search (ChevetPatientsPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
on_search_entry_activate (ChevetPatientsPage *self)
{
  guint n = g_list_model_get_n_items (self->rows);
  guint i;

  if (self->searching)
    return;
  /* Enter opens the first patient shown (past the “Recent” heading). */
  for (i = 0; i < MIN (n, 2); i++)
    {
      g_autoptr(ChevetPatient) patient = dup_patient_at (self, i);

      if (patient != NULL)
        {
          g_signal_emit (self, signals[PATIENT_ACTIVATED], 0, patient);
          return;
        }
    }
}

static gboolean
on_search_entry_key_pressed (ChevetPatientsPage    *self,
                             guint                  keyval,
                             guint                  keycode,
                             GdkModifierType        state,
                             GtkEventControllerKey *controller)
{
  /* Down from the search entry goes on into the list, as in a combo box. */
  if ((keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) &&
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) == 0)
    return chevet_patients_page_focus_list (self);
  return GDK_EVENT_PROPAGATE;
}

static void
on_list_view_activate (ChevetPatientsPage *self,
                       guint               position)
{
  g_autoptr(ChevetPatient) patient = dup_patient_at (self, position);

  /* Headings and rows still loading do nothing. */
  if (patient != NULL)
    g_signal_emit (self, signals[PATIENT_ACTIVATED], 0, patient);
}

/* Rows: a ChevetPatientRow per item; headings and rows still loading are not
 * activatable. (A GtkBuilderListItemFactory expression binding the list item's own
 * "activatable" trips a weak-reference bug of GTK 4.8 when the item is finalized.) */

static void
on_factory_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, g_object_new (CHEVET_TYPE_PATIENT_ROW, NULL));
}

static void
on_factory_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  ChevetPatientItem *item = gtk_list_item_get_item (list_item);
  GBinding *binding;

  chevet_patient_row_set_item (CHEVET_PATIENT_ROW (gtk_list_item_get_child (list_item)), item);
  binding = g_object_bind_property (item, "activatable", list_item, "activatable", G_BINDING_SYNC_CREATE);
  g_object_set_data (G_OBJECT (list_item), "chevet-activatable-binding", binding);
}

static void
on_factory_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (list_item), "chevet-activatable-binding");

  if (binding != NULL)
    g_binding_unbind (binding);
  chevet_patient_row_set_item (CHEVET_PATIENT_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* GObject */

static void
chevet_patients_page_dispose (GObject *object)
{
  ChevetPatientsPage *self = (ChevetPatientsPage *) object;
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->sync_timeout, g_source_remove);
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->sync);
  if (self->patient_list != NULL)
    chevet_patient_list_clear (self->patient_list);
  if (self->session_bindings != NULL)
    g_binding_group_set_source (self->session_bindings, NULL);
  g_clear_object (&self->session_bindings);
  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->network_monitor, self);
  g_clear_object (&self->network_monitor);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_PATIENTS_PAGE);
  /* dispose_template only unparents the children it binds. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->rows);
  g_clear_object (&self->recent_store);
  g_clear_pointer (&self->pending_recent, g_ptr_array_unref);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chevet_patients_page_parent_class)->dispose (object);
}

static void
chevet_patients_page_finalize (GObject *object)
{
  ChevetPatientsPage *self = (ChevetPatientsPage *) object;

  g_free (self->pending_query);
  g_free (self->query);
  g_free (self->last_sync);

  G_OBJECT_CLASS (chevet_patients_page_parent_class)->finalize (object);
}

static void
chevet_patients_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ChevetPatientsPage *self = CHEVET_PATIENTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_MODEL:
      g_value_set_object (value, self->patient_list);
      break;
    case PROP_QUERY:
      g_value_set_string (value, self->query);
      break;
    case PROP_SEARCHING:
      g_value_set_boolean (value, self->searching);
      break;
    case PROP_RECENT_LIMIT:
      g_value_set_uint (value, self->recent_limit);
      break;
    case PROP_SHOW_END_TITLE_BUTTONS:
      g_value_set_boolean (value, self->show_end_title_buttons);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patients_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ChevetPatientsPage *self = CHEVET_PATIENTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      chevet_patients_page_set_session (self, g_value_get_object (value));
      break;
    case PROP_RECENT_LIMIT:
      chevet_patients_page_set_recent_limit (self, g_value_get_uint (value));
      break;
    case PROP_SHOW_END_TITLE_BUTTONS:
      if (self->show_end_title_buttons != g_value_get_boolean (value))
        {
          self->show_end_title_buttons = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patients_page_class_init (ChevetPatientsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_patients_page_dispose;
  object_class->finalize = chevet_patients_page_finalize;
  object_class->get_property = chevet_patients_page_get_property;
  object_class->set_property = chevet_patients_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CHEVET_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Every patient the search matched: a ChevetPatientList. */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The search text of the results shown (not of the search in flight). */
  properties[PROP_QUERY] =
    g_param_spec_string ("query", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCHING] =
    g_param_spec_boolean ("searching", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How many recently opened patients head the list when not searching; 0 for none. */
  properties[PROP_RECENT_LIMIT] =
    g_param_spec_uint ("recent-limit", NULL, NULL, 0, G_MAXUINT, 20,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The header's window controls: only when the page fills the window (folded). */
  properties[PROP_SHOW_END_TITLE_BUTTONS] =
    g_param_spec_boolean ("show-end-title-buttons", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A patient was chosen in the list: the window opens the chart. */
  signals[PATIENT_ACTIVATED] =
    g_signal_new ("patient-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CHEVET_TYPE_PATIENT);

  g_type_ensure (CHEVET_TYPE_PATIENT_LIST);
  g_type_ensure (CHEVET_TYPE_PATIENT_ITEM);
  g_type_ensure (CHEVET_TYPE_PATIENT_ROW);
  g_type_ensure (CHEVET_TYPE_TRAINING_MARKER);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-patients-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, patient_list);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, header_bar);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, tutorials_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, training_marker);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, lock_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, sync_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, sync_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, offline_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, list_view);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_key_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_list_view_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_unbind);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
chevet_patients_page_init (ChevetPatientsPage *self)
{
  g_autoptr(GListStore) sections = NULL;
  g_autoptr(GtkSelectionModel) selection = NULL;

  self->recent_limit = 20;
  self->n_waiting = -1;
  self->show_end_title_buttons = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->recent_store = g_list_store_new (CHEVET_TYPE_PATIENT_ITEM);
  sections = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (sections, self->recent_store);
  g_list_store_append (sections, self->patient_list);
  self->rows = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&sections))));
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (self->rows)));
  gtk_grid_view_set_model (self->list_view, selection);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  g_object_bind_property (self, "searching", self->spinner, "spinning", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "searching", self->spinner, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "show-end-title-buttons", self->header_bar, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);

  self->session_bindings = g_binding_group_new ();
  g_binding_group_bind (self->session_bindings, "workspace-name", self->window_title, "title",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->session_bindings, "account", self->window_title, "subtitle",
                        G_BINDING_SYNC_CREATE);

  chevet_patients_page_set_network_monitor (self, g_network_monitor_get_default ());
}

/* API */

ChevetSession *
chevet_patients_page_get_session (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), NULL);
  return self->session;
}

void
chevet_patients_page_set_session (ChevetPatientsPage *self,
                                  ChevetSession      *session)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));
  g_return_if_fail (!session || CHEVET_IS_SESSION (session));

  if (self->session == session)
    return;
  chevet_patients_page_reset (self);
  g_set_object (&self->session, session);
  chevet_patient_list_set_session (self->patient_list, session);
  g_binding_group_set_source (self->session_bindings, session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/* Every patient the search shown matched (ChevetPatientItem), loaded as needed. */
GListModel *
chevet_patients_page_get_model (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), NULL);
  return G_LIST_MODEL (self->patient_list);
}

/* The rows of the view (ChevetPatientItem): the recent ones under their heading when
 * not searching, then every match. */
GListModel *
chevet_patients_page_get_rows (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), NULL);
  return self->rows;
}

const char *
chevet_patients_page_get_query (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), NULL);
  return self->query;
}

gboolean
chevet_patients_page_get_searching (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), FALSE);
  return self->searching;
}

guint
chevet_patients_page_get_recent_limit (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), 0);
  return self->recent_limit;
}

void
chevet_patients_page_set_recent_limit (ChevetPatientsPage *self,
                                       guint               limit)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  if (self->recent_limit == limit)
    return;
  self->recent_limit = limit;
  chevet_patients_page_refresh_recent (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECENT_LIMIT]);
}

/* Tests give a monitor of their own; otherwise GIO's default. */
void
chevet_patients_page_set_network_monitor (ChevetPatientsPage *self,
                                          GNetworkMonitor    *monitor)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));
  g_return_if_fail (!monitor || G_IS_NETWORK_MONITOR (monitor));

  if (self->network_monitor == monitor)
    return;
  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->network_monitor, self);
  g_set_object (&self->network_monitor, monitor);
  if (monitor != NULL)
    g_signal_connect_swapped (monitor, "notify::network-available",
                              G_CALLBACK (update_sync_state), self);
  update_sync_state (self);
}

/* Runs the current search again and reads the sync state, e.g. once the session is
 * unlocked. */
void
chevet_patients_page_reload (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));
  g_return_if_fail (self->session != NULL);

  self->active = TRUE;
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  start_search (self);
  read_last_sync (self);
  chevet_patients_page_refresh_outbox (self);
  if (self->sync_timeout == 0)
    self->sync_timeout = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, SYNC_REFRESH_SECONDS,
                                                     on_sync_timeout, self, NULL);
}

/* Reads the recently opened patients again (a chart was opened), when they are shown. */
void
chevet_patients_page_refresh_recent (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  if (!self->active || self->session == NULL)
    return;
  if (self->searching ? text_is_empty (self->pending_query) : text_is_empty (self->query))
    start_recent (self);
}

/* Forgets every patient: the list, the recent ones, the counts and the search text. */
void
chevet_patients_page_reset (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  self->active = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->sync_timeout, g_source_remove);
  chevet_patients_page_set_sync (self, NULL);
  self->sync_offline = FALSE;
  g_clear_pointer (&self->pending_query, g_free);
  g_clear_pointer (&self->pending_recent, g_ptr_array_unref);
  g_clear_pointer (&self->last_sync, g_free);
  self->n_waiting = -1;
  set_searching (self, FALSE);
  set_query (self, NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  chevet_patient_list_clear (self->patient_list);
  show_recent (self, NULL);
  gtk_label_set_label (self->count_label, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "list");
  update_sync_state (self);
}

/* A training workspace: the training marker above the list and the Tutorials button
 * (win.show-tutorials) in the header. */
void
chevet_patients_page_set_training (ChevetPatientsPage *self,
                                   gboolean            training)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  gtk_widget_set_visible (self->training_marker, training);
  gtk_widget_set_visible (GTK_WIDGET (self->tutorials_button), training);
}

void
chevet_patients_page_focus_search (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/* Moves the keyboard focus to the first row; FALSE when there is none. */
gboolean
chevet_patients_page_focus_list (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), FALSE);

  if (g_list_model_get_n_items (self->rows) == 0 ||
      !gtk_widget_get_mapped (GTK_WIDGET (self->list_view)))
    return FALSE;
  scroll_to_top (self);
  return gtk_widget_child_focus (GTK_WIDGET (self->list_view), GTK_DIR_TAB_FORWARD);
}
