/* chevet-note-dialog.c: write a progress note, saved offline in the outbox
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A modal window over the chart: the text, and optionally the encounter it belongs
 * to. Saving goes through the session's worker (chevet_outbox_add_note); on success the
 * dialog emits "saved" and closes, on failure it shows the error and keeps the text.
 * The text never leaves the dialog except to the session: no log line carries it, and
 * wipe() (the window's lock path) empties the buffer before the dialog is destroyed.
 */
#define G_LOG_DOMAIN "chevet-note-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-chart.h"
#include "chevet-chart-format.h"
#include "chevet-note-dialog.h"
#include "chevet-outbox.h"
#include "chevet-window.h"

/* How many recent encounters the choice offers. */
#define N_ENCOUNTERS 10

struct _ChevetNoteDialog
{
  AdwWindow       parent_instance;

  ChevetSession  *session;
  char           *patient_id;
  GPtrArray      *encounter_ids;  /* char *, index = position in encounter_row */
  GCancellable   *cancellable;
  gboolean        busy;

  AdwComboRow    *encounter_row;
  GtkTextView    *text_view;
  GtkLabel       *error_label;
  GtkButton      *save_button;
};

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetNoteDialog, chevet_note_dialog, ADW_TYPE_WINDOW)

GtkStringList *
chevet_encounter_choices_new (GPtrArray *encounters,
                              GPtrArray *ids)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  /* Translators: no encounter chosen for a note or vital signs */
  gtk_string_list_append (list, C_("encounter", "None"));
  g_ptr_array_add (ids, NULL);
  for (guint i = 0; encounters != NULL && i < encounters->len && i < N_ENCOUNTERS; i++)
    {
      ChevetChartItem *e = g_ptr_array_index (encounters, i);
      g_autofree char *date = chevet_chart_format_date (e->date, FALSE);
      g_autofree char *label = NULL;

      if (e->id == NULL)
        continue;
      label = chevet_chart_join (2, date, e->display != NULL ? e->display : _("Encounter"));
      gtk_string_list_append (list, label);
      g_ptr_array_add (ids, g_strdup (e->id));
    }
  return list;
}

static gboolean
text_is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static char *
dup_text (ChevetNoteDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
update_save (ChevetNoteDialog *self)
{
  g_autofree char *text = dup_text (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "note.save",
                                 !self->busy && self->session != NULL && !text_is_blank (text));
}

static void
set_busy (ChevetNoteDialog *self,
          gboolean          busy)
{
  self->busy = busy;
  gtk_text_view_set_editable (self->text_view, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->encounter_row), !busy);
  update_save (self);
}

static void
show_error (ChevetNoteDialog *self,
            const char       *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
on_note_added (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChevetNoteDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetOutboxItem) item = NULL;

  item = chevet_session_add_note_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  if (item == NULL)
    {
      /* Domain and code only: the message may quote what was typed. */
      g_debug ("the note could not be saved: %s %d", g_quark_to_string (error->domain), error->code);
      show_error (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
      return;
    }
  g_debug ("note saved as outbox item %" G_GINT64_FORMAT, chevet_outbox_item_get_seq (item));
  g_signal_emit (self, signals[SAVED], 0);
  chevet_window_report (GTK_WIDGET (self), CHEVET_TUTORIAL_EVENT_ACTION, "note.save");
  chevet_note_dialog_wipe (self);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetNoteDialog *self = CHEVET_NOTE_DIALOG (widget);
  g_autofree char *text = dup_text (self);
  guint position = adw_combo_row_get_selected (self->encounter_row);
  const char *encounter_id = NULL;

  if (self->busy || self->session == NULL || text_is_blank (text))
    return;
  if (position != GTK_INVALID_LIST_POSITION && position < self->encounter_ids->len)
    encounter_id = g_ptr_array_index (self->encounter_ids, position);

  show_error (self, NULL);
  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();
  chevet_session_add_note_async (self->session, self->patient_id, encounter_id, text,
                                 self->cancellable, on_note_added, g_object_ref (self));
}

static void
on_buffer_changed (ChevetNoteDialog *self)
{
  update_save (self);
}

static gboolean
chevet_note_dialog_close_request (GtkWindow *window)
{
  chevet_note_dialog_wipe (CHEVET_NOTE_DIALOG (window));
  return GTK_WINDOW_CLASS (chevet_note_dialog_parent_class)->close_request (window);
}

static void
chevet_note_dialog_dispose (GObject *object)
{
  ChevetNoteDialog *self = (ChevetNoteDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_NOTE_DIALOG);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (chevet_note_dialog_parent_class)->dispose (object);
}

static void
chevet_note_dialog_finalize (GObject *object)
{
  ChevetNoteDialog *self = (ChevetNoteDialog *) object;

  g_free (self->patient_id);
  g_clear_pointer (&self->encounter_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (chevet_note_dialog_parent_class)->finalize (object);
}

static void
chevet_note_dialog_class_init (ChevetNoteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = chevet_note_dialog_dispose;
  object_class->finalize = chevet_note_dialog_finalize;
  window_class->close_request = chevet_note_dialog_close_request;

  /* The note was saved (the dialog then closes). */
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-note-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetNoteDialog, encounter_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetNoteDialog, text_view);
  gtk_widget_class_bind_template_child (widget_class, ChevetNoteDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetNoteDialog, save_button);

  gtk_widget_class_install_action (widget_class, "note.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "note.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "note.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chevet_note_dialog_init (ChevetNoteDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->encounter_ids = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (on_buffer_changed), self, G_CONNECT_SWAPPED);
  update_save (self);
}

GtkWidget *
chevet_note_dialog_new (GtkWindow     *parent,
                        ChevetSession *session,
                        const char    *patient_id,
                        GPtrArray     *encounters)
{
  ChevetNoteDialog *self;
  g_autoptr(GtkStringList) choices = NULL;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_NOTE_DIALOG, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  self->patient_id = g_strdup (patient_id);
  choices = chevet_encounter_choices_new (encounters, self->encounter_ids);
  adw_combo_row_set_model (self->encounter_row, G_LIST_MODEL (choices));
  adw_combo_row_set_selected (self->encounter_row, 0);
  update_save (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  return GTK_WIDGET (self);
}

void
chevet_note_dialog_wipe (ChevetNoteDialog *self)
{
  g_return_if_fail (CHEVET_IS_NOTE_DIALOG (self));

  g_cancellable_cancel (self->cancellable);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  show_error (self, NULL);
  adw_combo_row_set_model (self->encounter_row, NULL);
  g_ptr_array_set_size (self->encounter_ids, 0);
}

gboolean
chevet_note_dialog_get_busy (ChevetNoteDialog *self)
{
  g_return_val_if_fail (CHEVET_IS_NOTE_DIALOG (self), FALSE);
  return self->busy;
}
