/* chevet-patients-page.c: search the workspace's patients
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every keystroke (debounced by GtkSearchEntry) cancels the search in flight and starts
 * another on the session's worker, so an earlier, slower answer can never replace a newer
 * one. One search brings back CHEVET_PATIENTS_PAGE_SIZE patients and counts the rest.
 * Resetting (on lock) empties the list and the search text: no patient string stays in
 * the widget tree.
 */
#define G_LOG_DOMAIN "chevet-patients-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chevet-patient.h"
#include "chevet-patient-list.h"
#include "chevet-patient-row.h"
#include "chevet-patients-page.h"

struct _ChevetPatientsPage
{
  GtkWidget          parent_instance;

  ChevetSession     *session;
  GBindingGroup     *session_bindings;
  GCancellable      *search_cancellable;
  char              *pending_query;
  char              *query;
  gboolean           active;
  gboolean           searching;

  ChevetPatientList *patient_list;
  AdwWindowTitle    *window_title;
  GtkButton         *lock_button;
  GtkSearchEntry    *search_entry;
  GtkLabel          *count_label;
  GtkSpinner        *spinner;
  GtkStack          *content_stack;
  GtkScrolledWindow *scrolled_window;
  GtkListView       *list_view;
  GtkLabel          *limit_label;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_MODEL,
  PROP_QUERY,
  PROP_SEARCHING,
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

static void
show_results (ChevetPatientsPage *self)
{
  guint64 total = chevet_patient_list_get_total (self->patient_list);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->patient_list));
  g_autofree char *stripped = g_strstrip (g_strdup (self->query != NULL ? self->query : ""));
  gboolean searching_text = *stripped != '\0';
  g_autofree char *count = format_count (total);
  g_autofree char *text = NULL;

  if (searching_text)
    text = g_strdup_printf (ngettext ("%s match", "%s matches", total), count);
  else
    text = g_strdup_printf (ngettext ("%s patient", "%s patients", total), count);
  gtk_label_set_label (self->count_label, text);

  if (chevet_patient_list_is_partial (self->patient_list))
    {
      g_autofree char *limit = NULL;

      limit = g_strdup_printf (ngettext ("Showing the first %u of %s patient — refine your search to find the others",
                                         "Showing the first %u of %s patients — refine your search to find the others",
                                         total),
                               n, count);
      gtk_label_set_label (self->limit_label, limit);
      gtk_widget_set_visible (GTK_WIDGET (self->limit_label), TRUE);
    }
  else
    {
      gtk_label_set_label (self->limit_label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->limit_label), FALSE);
    }

  if (total == 0)
    gtk_stack_set_visible_child_name (self->content_stack, searching_text ? "no-match" : "empty");
  else
    gtk_stack_set_visible_child_name (self->content_stack, "list");
}

static void
on_search_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;
  ChevetPatientsPage *self;
  guint64 total = 0;

  patients = chevet_session_search_finish (CHEVET_SESSION (object), result, &total, &error);
  /* A newer search, a reset or a lock cancelled this one: self may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CHEVET_PATIENTS_PAGE (user_data);
  g_clear_object (&self->search_cancellable);
  set_searching (self, FALSE);

  if (patients == NULL)
    {
      g_autofree char *message = NULL;

      g_debug ("search failed: %s code %d", g_quark_to_string (error->domain), error->code);
      /* Translators: %s says why, e.g. “Database error: disk I/O error” */
      message = g_strdup_printf (_("The search failed: %s"), error->message);
      chevet_patient_list_clear (self->patient_list);
      gtk_label_set_label (self->count_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->limit_label), FALSE);
      return;
    }

  g_debug ("search: %u of %" G_GUINT64_FORMAT " patients", patients->len, total);
  chevet_patient_list_set_results (self->patient_list, patients, total);
  set_query (self, self->pending_query);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled_window), 0);
  show_results (self);
}

static void
start_search (ChevetPatientsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_assert (self->session != NULL);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();
  g_free (self->pending_query);
  self->pending_query = g_strdup (text);
  set_searching (self, TRUE);

  chevet_session_search_async (self->session, text, 0, CHEVET_PATIENTS_PAGE_SIZE,
                               self->search_cancellable, on_search_done, self);
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
  /* Enter opens the first match, when the search is settled. */
  if (!self->searching && g_list_model_get_n_items (G_LIST_MODEL (self->patient_list)) > 0)
    {
      g_autoptr(ChevetPatient) patient = g_list_model_get_item (G_LIST_MODEL (self->patient_list), 0);

      g_signal_emit (self, signals[PATIENT_ACTIVATED], 0, patient);
    }
}

static void
on_list_view_activate (ChevetPatientsPage *self,
                       guint               position)
{
  g_autoptr(ChevetPatient) patient = g_list_model_get_item (G_LIST_MODEL (self->patient_list), position);

  if (patient != NULL)
    g_signal_emit (self, signals[PATIENT_ACTIVATED], 0, patient);
}

static void
chevet_patients_page_dispose (GObject *object)
{
  ChevetPatientsPage *self = (ChevetPatientsPage *) object;
  GtkWidget *child;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (self->session_bindings != NULL)
    g_binding_group_set_source (self->session_bindings, NULL);
  g_clear_object (&self->session_bindings);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_PATIENTS_PAGE);
  /* dispose_template only unparents the children it binds. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chevet_patients_page_parent_class)->dispose (object);
}

static void
chevet_patients_page_finalize (GObject *object)
{
  ChevetPatientsPage *self = (ChevetPatientsPage *) object;

  g_free (self->pending_query);
  g_free (self->query);

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
  /* The patients shown: a ChevetPatientList. */
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
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A patient was chosen in the list: the chart opens (a later issue). */
  signals[PATIENT_ACTIVATED] =
    g_signal_new ("patient-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CHEVET_TYPE_PATIENT);

  g_type_ensure (CHEVET_TYPE_PATIENT_LIST);
  g_type_ensure (CHEVET_TYPE_PATIENT_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-patients-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, patient_list);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, lock_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientsPage, limit_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_list_view_activate);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
chevet_patients_page_init (ChevetPatientsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  g_object_bind_property (self, "searching", self->spinner, "spinning", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "searching", self->spinner, "visible", G_BINDING_SYNC_CREATE);

  self->session_bindings = g_binding_group_new ();
  g_binding_group_bind (self->session_bindings, "workspace-name", self->window_title, "title",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->session_bindings, "account", self->window_title, "subtitle",
                        G_BINDING_SYNC_CREATE);
}

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
  g_binding_group_set_source (self->session_bindings, session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

GListModel *
chevet_patients_page_get_model (ChevetPatientsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENTS_PAGE (self), NULL);
  return G_LIST_MODEL (self->patient_list);
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

/* Runs the current search again, e.g. once the session is unlocked. */
void
chevet_patients_page_reload (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));
  g_return_if_fail (self->session != NULL);

  self->active = TRUE;
  start_search (self);
}

/* Forgets every patient: the list, the counts and the search text. */
void
chevet_patients_page_reset (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  self->active = FALSE;
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->pending_query, g_free);
  set_searching (self, FALSE);
  set_query (self, NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  chevet_patient_list_clear (self->patient_list);
  gtk_label_set_label (self->count_label, NULL);
  gtk_label_set_label (self->limit_label, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->limit_label), FALSE);
  gtk_stack_set_visible_child_name (self->content_stack, "list");
}

void
chevet_patients_page_focus_search (ChevetPatientsPage *self)
{
  g_return_if_fail (CHEVET_IS_PATIENTS_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}
