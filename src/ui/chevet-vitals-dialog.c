/* chevet-vitals-dialog.c: record a set of vital signs, saved offline in the outbox
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per measurement of chevet-outbox.h, its unit beside the field. Values are
 * read as the user's locale writes them ("38,5" in French; "." is always accepted) and
 * checked as they are typed: an impossible value (chevet_vitals_check) marks its field
 * and says the accepted range, and Save stays insensitive. Unusual values are asked
 * about on Save (an AdwMessageDialog lists them) and saved only once confirmed, with
 * exactly those warnings confirmed. Nothing is remembered: wipe() (the window's lock
 * path) empties every field before the dialog is destroyed.
 */
#define G_LOG_DOMAIN "chevet-vitals-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-note-dialog.h"
#include "chevet-vitals-dialog.h"

/* A measurement time this far ahead of the clock is refused. */
#define FUTURE_SLACK_SECONDS (5 * 60)

struct _ChevetVitalsDialog
{
  AdwWindow         parent_instance;

  ChevetSession    *session;
  char             *patient_id;
  GPtrArray        *encounter_ids;
  GCancellable     *cancellable;
  ChevetVitals     *vitals;         /* what the fields say, when valid */
  GPtrArray        *warnings;       /* ChevetVitalWarning of vitals */
  AdwMessageDialog *confirmation;
  gboolean          busy;
  gboolean          valid;

  AdwActionRow     *rows[CHEVET_VITAL_N_KINDS];
  GtkEntry         *entries[CHEVET_VITAL_N_KINDS];

  AdwPreferencesGroup *values_group;
  GtkLabel         *error_label;
  AdwActionRow     *time_row;
  GtkEntry         *time_entry;
  AdwComboRow      *encounter_row;
  GtkButton        *save_button;
};

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetVitalsDialog, chevet_vitals_dialog, ADW_TYPE_WINDOW)

gboolean
chevet_vitals_parse_number (const char *text,
                            const char *decimal_point,
                            double     *value)
{
  g_autoptr(GString) normal = g_string_new (NULL);
  g_autofree char *stripped = NULL;
  gsize dp_len;
  gboolean seen_digit = FALSE;
  gboolean seen_point = FALSE;
  const char *p;
  char *end = NULL;
  double v;

  g_return_val_if_fail (value != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  if (decimal_point == NULL || *decimal_point == '\0')
    decimal_point = localeconv ()->decimal_point;
  if (decimal_point == NULL || *decimal_point == '\0')
    decimal_point = ".";
  dp_len = strlen (decimal_point);
  stripped = g_strstrip (g_strdup (text));

  for (p = stripped; *p != '\0';)
    {
      if (g_ascii_isdigit (*p))
        {
          g_string_append_c (normal, *p);
          seen_digit = TRUE;
          p++;
        }
      else if (*p == '.' || strncmp (p, decimal_point, dp_len) == 0)
        {
          if (seen_point)
            return FALSE;
          seen_point = TRUE;
          g_string_append_c (normal, '.');
          p += *p == '.' ? 1 : dp_len;
        }
      else
        return FALSE;
    }
  if (!seen_digit)
    return FALSE;
  v = g_ascii_strtod (normal->str, &end);
  if (end == NULL || *end != '\0' || !isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static gboolean
text_is_blank_or_null (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

/* A number as this locale writes it, without useless zeros. */
static char *
format_number (double v)
{
  return g_strdup_printf ("%g", v);
}

static char *
usual_range (ChevetVital kind)
{
  const ChevetVitalLimits *limits = chevet_vital_get_limits (kind);
  g_autofree char *min = format_number (limits->usual_min);
  g_autofree char *max = format_number (limits->usual_max);

  /* Translators: the usual range of a measurement: lowest, highest, unit */
  return g_strdup_printf (_("Usually %s to %s %s"), min, max, chevet_vital_get_unit (kind));
}

static void
set_field_error (GtkWidget    *entry,
                 AdwActionRow *row,
                 const char   *message,
                 const char   *normal_subtitle)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (entry, "error");
      gtk_widget_add_css_class (GTK_WIDGET (row), "field-error");
      adw_action_row_set_subtitle (row, message);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                      -1);
      gtk_accessible_update_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_remove_css_class (entry, "error");
      gtk_widget_remove_css_class (GTK_WIDGET (row), "field-error");
      adw_action_row_set_subtitle (row, normal_subtitle);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

static void
show_error (ChevetVitalsDialog *self,
            const char         *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_save (ChevetVitalsDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "vitals.save",
                                 self->valid && !self->busy && self->session != NULL);
}

/* Today at the HH:MM typed, or NULL. */
static GDateTime *
parse_time (const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  guint hours, minutes;
  char extra;

  if (sscanf (stripped, "%2u:%2u%c", &hours, &minutes, &extra) != 2 || hours > 23 || minutes > 59)
    return NULL;
  return g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                g_date_time_get_day_of_month (now), hours, minutes, 0);
}

static void
validate (ChevetVitalsDialog *self)
{
  g_autoptr(ChevetVitals) vitals = chevet_vitals_new ();
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gboolean bad = FALSE;
  gboolean any = FALSE;

  for (guint k = 0; k < CHEVET_VITAL_N_KINDS; k++)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entries[k]));
      g_autofree char *usual = usual_range (k);
      g_autoptr(GError) field_error = NULL;
      double v;

      if (text_is_blank_or_null (text))
        {
          set_field_error (GTK_WIDGET (self->entries[k]), self->rows[k], NULL, usual);
          continue;
        }
      any = TRUE;
      if (!chevet_vitals_parse_number (text, NULL, &v))
        {
          g_autofree char *example = format_number (38.5);
          /* Translators: %s is an example number, written as the locale writes it */
          g_autofree char *message = g_strdup_printf (_("Type a number, such as %s"), example);

          set_field_error (GTK_WIDGET (self->entries[k]), self->rows[k], message, usual);
          bad = TRUE;
          continue;
        }
      {
        g_autoptr(ChevetVitals) single = chevet_vitals_new ();

        chevet_vitals_set (single, k, v);
        if (!chevet_vitals_check (single, NULL, &field_error) &&
            g_error_matches (field_error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE))
          {
            set_field_error (GTK_WIDGET (self->entries[k]), self->rows[k], field_error->message, usual);
            bad = TRUE;
            continue;
          }
      }
      set_field_error (GTK_WIDGET (self->entries[k]), self->rows[k], NULL, usual);
      chevet_vitals_set (vitals, k, v);
    }

  when = parse_time (gtk_editable_get_text (GTK_EDITABLE (self->time_entry)));
  if (when == NULL)
    {
      set_field_error (GTK_WIDGET (self->time_entry), self->time_row,
                       _("Type the time as hours and minutes, such as 14:30"),
                       _("Today, 24-hour clock (HH:MM)"));
      bad = TRUE;
    }
  else if (g_date_time_difference (when, now) > FUTURE_SLACK_SECONDS * G_TIME_SPAN_SECOND)
    {
      set_field_error (GTK_WIDGET (self->time_entry), self->time_row,
                       _("This time is still to come today"),
                       _("Today, 24-hour clock (HH:MM)"));
      bad = TRUE;
    }
  else
    {
      set_field_error (GTK_WIDGET (self->time_entry), self->time_row, NULL,
                       _("Today, 24-hour clock (HH:MM)"));
      chevet_vitals_set_effective (vitals, when);
    }

  show_error (self, NULL);
  if (!bad && any && !chevet_vitals_check (vitals, &warnings, &error))
    {
      /* Across fields: half a blood pressure, diastolic above systolic. */
      show_error (self, error->message);
      bad = TRUE;
    }

  g_clear_pointer (&self->vitals, chevet_vitals_free);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  self->valid = !bad && any;
  if (self->valid)
    {
      self->vitals = g_steal_pointer (&vitals);
      self->warnings = g_steal_pointer (&warnings);
    }
  update_save (self);
}

static void
set_busy (ChevetVitalsDialog *self,
          gboolean            busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->values_group), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->time_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->encounter_row), !busy);
  update_save (self);
}

static void
on_vitals_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChevetVitalsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  items = chevet_session_add_vitals_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  if (items == NULL)
    {
      g_debug ("the vital signs could not be saved: %s %d", g_quark_to_string (error->domain), error->code);
      show_error (self, error->message);
      return;
    }
  g_debug ("vital signs saved as %u outbox items", items->len);
  g_signal_emit (self, signals[SAVED], 0);
  chevet_vitals_dialog_wipe (self);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save (ChevetVitalsDialog *self,
      guint               confirmed)
{
  guint position = adw_combo_row_get_selected (self->encounter_row);
  const char *encounter_id = NULL;

  if (position != GTK_INVALID_LIST_POSITION && position < self->encounter_ids->len)
    encounter_id = g_ptr_array_index (self->encounter_ids, position);
  show_error (self, NULL);
  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();
  chevet_session_add_vitals_async (self->session, self->patient_id, encounter_id, self->vitals, confirmed,
                                   self->cancellable, on_vitals_added, g_object_ref (self));
}

static void
on_confirmation_response (ChevetVitalsDialog *self,
                          const char         *response,
                          AdwMessageDialog   *dialog)
{
  guint confirmed = 0;

  self->confirmation = NULL;
  if (g_strcmp0 (response, "save") != 0 || !self->valid)
    {
      /* Back to the fields, to correct them. */
      if (self->warnings != NULL && self->warnings->len > 0)
        gtk_widget_grab_focus (GTK_WIDGET (self->entries[((ChevetVitalWarning *) self->warnings->pdata[0])->kind]));
      return;
    }
  /* Exactly what the user saw and confirmed. */
  for (guint i = 0; i < self->warnings->len; i++)
    confirmed |= CHEVET_VITAL_FLAG (((ChevetVitalWarning *) self->warnings->pdata[i])->kind);
  save (self, confirmed);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetVitalsDialog *self = CHEVET_VITALS_DIALOG (widget);
  g_autoptr(GString) body = NULL;
  GtkWidget *dialog;

  validate (self);
  if (!self->valid || self->busy || self->confirmation != NULL)
    return;
  if (self->warnings == NULL || self->warnings->len == 0)
    {
      save (self, 0);
      return;
    }

  body = g_string_new (NULL);
  for (guint i = 0; i < self->warnings->len; i++)
    g_string_append_printf (body, "%s%s", i > 0 ? "\n\n" : "",
                            ((ChevetVitalWarning *) self->warnings->pdata[i])->message);
  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   ngettext ("Save an Unusual Value?", "Save Unusual Values?",
                                             self->warnings->len),
                                   body->str);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "correct", _("_Correct"),
                                    "save", _("_Save Anyway"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "correct");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "correct");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirmation_response), self, G_CONNECT_SWAPPED);
  self->confirmation = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
chevet_vitals_dialog_close_request (GtkWindow *window)
{
  chevet_vitals_dialog_wipe (CHEVET_VITALS_DIALOG (window));
  return GTK_WINDOW_CLASS (chevet_vitals_dialog_parent_class)->close_request (window);
}

static void
chevet_vitals_dialog_dispose (GObject *object)
{
  ChevetVitalsDialog *self = (ChevetVitalsDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->confirmation != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->confirmation)));
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_VITALS_DIALOG);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (chevet_vitals_dialog_parent_class)->dispose (object);
}

static void
chevet_vitals_dialog_finalize (GObject *object)
{
  ChevetVitalsDialog *self = (ChevetVitalsDialog *) object;

  g_free (self->patient_id);
  g_clear_pointer (&self->encounter_ids, g_ptr_array_unref);
  g_clear_pointer (&self->vitals, chevet_vitals_free);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  G_OBJECT_CLASS (chevet_vitals_dialog_parent_class)->finalize (object);
}

static void
chevet_vitals_dialog_class_init (ChevetVitalsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = chevet_vitals_dialog_dispose;
  object_class->finalize = chevet_vitals_dialog_finalize;
  window_class->close_request = chevet_vitals_dialog_close_request;

  /* The vital signs were saved (the dialog then closes). */
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-vitals-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetVitalsDialog, values_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetVitalsDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetVitalsDialog, time_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetVitalsDialog, time_entry);
  gtk_widget_class_bind_template_child (widget_class, ChevetVitalsDialog, encounter_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetVitalsDialog, save_button);

  gtk_widget_class_install_action (widget_class, "vitals.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "vitals.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "vitals.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chevet_vitals_dialog_init (ChevetVitalsDialog *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M");

  gtk_widget_init_template (GTK_WIDGET (self));
  self->encounter_ids = g_ptr_array_new_with_free_func (g_free);

  for (guint k = 0; k < CHEVET_VITAL_N_KINDS; k++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *entry = gtk_entry_new ();
      GtkWidget *unit = gtk_label_new (chevet_vital_get_unit (k));
      g_autofree char *usual = usual_range (k);
      /* Translators: the accessible name of a field: measurement, then unit */
      g_autofree char *a11y = g_strdup_printf (_("%s in %s"), chevet_vital_get_name (k), chevet_vital_get_unit (k));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), chevet_vital_get_name (k));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), usual);
      gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 6);
      gtk_editable_set_max_width_chars (GTK_EDITABLE (entry), 6);
      gtk_editable_set_alignment (GTK_EDITABLE (entry), 1);
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      gtk_widget_add_css_class (entry, "numeric");
      /* The unit is always in sight, a fixed width so the fields line up. */
      gtk_label_set_xalign (GTK_LABEL (unit), 0);
      gtk_label_set_width_chars (GTK_LABEL (unit), 5);
      gtk_widget_add_css_class (unit, "dim-label");
      gtk_accessible_update_property (GTK_ACCESSIBLE (unit), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), unit);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), entry);
      adw_preferences_group_add (self->values_group, row);
      g_signal_connect_object (entry, "changed", G_CALLBACK (validate), self, G_CONNECT_SWAPPED);
      self->rows[k] = ADW_ACTION_ROW (row);
      self->entries[k] = GTK_ENTRY (entry);
    }

  gtk_editable_set_text (GTK_EDITABLE (self->time_entry), time);
  g_signal_connect_object (self->time_entry, "changed", G_CALLBACK (validate), self, G_CONNECT_SWAPPED);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->save_button));
  validate (self);
}

GtkWidget *
chevet_vitals_dialog_new (GtkWindow     *parent,
                          ChevetSession *session,
                          const char    *patient_id,
                          GPtrArray     *encounters)
{
  ChevetVitalsDialog *self;
  g_autoptr(GtkStringList) choices = NULL;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_VITALS_DIALOG, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  self->patient_id = g_strdup (patient_id);
  choices = chevet_encounter_choices_new (encounters, self->encounter_ids);
  adw_combo_row_set_model (self->encounter_row, G_LIST_MODEL (choices));
  adw_combo_row_set_selected (self->encounter_row, 0);
  update_save (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->entries[0]));
  return GTK_WIDGET (self);
}

GtkEditable *
chevet_vitals_dialog_get_entry (ChevetVitalsDialog *self,
                                ChevetVital         kind)
{
  g_return_val_if_fail (CHEVET_IS_VITALS_DIALOG (self), NULL);
  g_return_val_if_fail (kind < CHEVET_VITAL_N_KINDS, NULL);
  return GTK_EDITABLE (self->entries[kind]);
}

GtkWidget *
chevet_vitals_dialog_get_row (ChevetVitalsDialog *self,
                              ChevetVital         kind)
{
  g_return_val_if_fail (CHEVET_IS_VITALS_DIALOG (self), NULL);
  g_return_val_if_fail (kind < CHEVET_VITAL_N_KINDS, NULL);
  return GTK_WIDGET (self->rows[kind]);
}

AdwMessageDialog *
chevet_vitals_dialog_get_confirmation (ChevetVitalsDialog *self)
{
  g_return_val_if_fail (CHEVET_IS_VITALS_DIALOG (self), NULL);
  return self->confirmation;
}

gboolean
chevet_vitals_dialog_get_busy (ChevetVitalsDialog *self)
{
  g_return_val_if_fail (CHEVET_IS_VITALS_DIALOG (self), FALSE);
  return self->busy;
}

void
chevet_vitals_dialog_wipe (ChevetVitalsDialog *self)
{
  g_return_if_fail (CHEVET_IS_VITALS_DIALOG (self));

  g_cancellable_cancel (self->cancellable);
  if (self->confirmation != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->confirmation)));
  for (guint k = 0; k < CHEVET_VITAL_N_KINDS; k++)
    gtk_editable_set_text (GTK_EDITABLE (self->entries[k]), "");
  show_error (self, NULL);
  adw_combo_row_set_model (self->encounter_row, NULL);
  g_ptr_array_set_size (self->encounter_ids, 0);
}
