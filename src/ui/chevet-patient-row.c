/* chevet-patient-row.c: one line of the patient list
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows a ChevetPatientItem: a patient, a placeholder whose page is still being read
 * (grey bars, filled in place when the patient arrives), or a heading of the list.
 */
#define G_LOG_DOMAIN "chevet-patient-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <stdio.h>

#include "chevet-patient.h"
#include "chevet-patient-row.h"

struct _ChevetPatientRow
{
  GtkWidget      parent_instance;

  ChevetPatient     *patient;
  ChevetPatientItem *item;
  GSignalGroup      *item_signals;

  AdwAvatar     *avatar;
  GtkWidget     *text_box;
  GtkLabel      *heading_label;
  GtkLabel      *name_label;
  GtkLabel      *deceased_label;
  GtkLabel      *details_label;
  GtkLabel      *identifier_label;
};

enum {
  PROP_0,
  PROP_PATIENT,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetPatientRow, chevet_patient_row, GTK_TYPE_WIDGET)

char *
chevet_patient_format_sex (ChevetPatient *patient)
{
  const char *gender = chevet_patient_get_gender (patient);

  /* FHIR administrative gender codes. */
  if (g_strcmp0 (gender, "female") == 0)
    return g_strdup (_("Female"));
  if (g_strcmp0 (gender, "male") == 0)
    return g_strdup (_("Male"));
  if (g_strcmp0 (gender, "other") == 0)
    return g_strdup (_("Other sex"));
  if (g_strcmp0 (gender, "unknown") == 0)
    return g_strdup (_("Sex unknown"));
  return NULL;
}

char *
chevet_patient_format_birth_date (ChevetPatient *patient)
{
  const char *text = chevet_patient_get_birth_date (patient);
  g_autoptr(GDateTime) date = NULL;
  int y = 0, m = 0, d = 0, n;

  if (text == NULL || (n = sscanf (text, "%d-%d-%d", &y, &m, &d)) < 1 || y < 1 || y > 9999)
    return NULL;
  if (n == 1 || m < 1 || m > 12)
    return g_strdup_printf ("%d", y);
  if (n == 2 || d < 1 || d > 31 || (date = g_date_time_new_local (y, m, d, 0, 0, 0)) == NULL)
    {
      date = g_date_time_new_local (y, m, 1, 0, 0, 0);
      /* Translators: a birth date known to the month; see g_date_time_format() */
      return date != NULL ? g_date_time_format (date, _("%B %Y")) : NULL;
    }
  /* Translators: a birth date; see g_date_time_format() */
  return g_date_time_format (date, _("%-d %b %Y"));
}

char *
chevet_patient_format_age (ChevetPatient *patient,
                           GDateTime     *now)
{
  g_autoptr(GDateTime) today = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_local ();
  const char *birth = chevet_patient_get_birth_date (patient);
  int age = chevet_patient_get_age (patient, today);
  int y = 0, m = 0, d = 0;

  if (age < 0)
    return NULL;
  if (chevet_patient_get_deceased (patient))
    {
      if (chevet_patient_get_deceased_date (patient) == NULL)
        return NULL;
      /* Translators: the age of a patient when they died */
      return g_strdup_printf (ngettext ("died aged %d", "died aged %d", age), age);
    }
  /* Small children are aged in months, as clinicians do. */
  if (age < 2 && birth != NULL && sscanf (birth, "%d-%d-%d", &y, &m, &d) == 3)
    {
      int months = (g_date_time_get_year (today) - y) * 12 + g_date_time_get_month (today) - m;

      if (g_date_time_get_day_of_month (today) < d)
        months--;
      months = MAX (months, 0);
      return g_strdup_printf (ngettext ("%d month", "%d months", months), months);
    }
  return g_strdup_printf (ngettext ("%d year", "%d years", age), age);
}

static void
update (ChevetPatientRow *self)
{
  g_autofree char *sex = NULL;
  g_autofree char *birth = NULL;
  g_autofree char *age = NULL;
  g_autofree char *birth_age = NULL;
  g_autofree char *details = NULL;
  g_autofree char *avatar_text = NULL;
  g_autofree char *accessible = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  ChevetPatient *p = self->patient;
  gboolean deceased = p != NULL && chevet_patient_get_deceased (p);
  const char *heading = self->item != NULL ? chevet_patient_item_get_heading (self->item) : NULL;
  gboolean loading = self->item != NULL && !chevet_patient_item_get_loaded (self->item);

  gtk_label_set_label (self->heading_label, heading);
  gtk_widget_set_visible (GTK_WIDGET (self->heading_label), heading != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->avatar), heading == NULL);
  gtk_widget_set_visible (self->text_box, heading == NULL);
  /* Placeholders keep the line, so that rows do not change height as they fill in. */
  gtk_widget_set_visible (GTK_WIDGET (self->identifier_label),
                          heading == NULL && (p == NULL || chevet_patient_get_identifier (p) != NULL));
  if (loading)
    gtk_widget_add_css_class (GTK_WIDGET (self), "loading");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "loading");
  if (heading != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self), "heading-row");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "heading-row");

  if (p != NULL)
    {
      sex = chevet_patient_format_sex (p);
      birth = chevet_patient_format_birth_date (p);
      age = chevet_patient_format_age (p, NULL);
      if (sex != NULL)
        g_ptr_array_add (parts, sex);
      if (birth != NULL && age != NULL)
        /* Translators: a birth date then an age, as in “12 Mar 1984 (41 years)” */
        birth_age = g_strdup_printf (_("%s (%s)"), birth, age);
      if (birth_age != NULL)
        g_ptr_array_add (parts, birth_age);
      else if (birth != NULL)
        g_ptr_array_add (parts, birth);
      g_ptr_array_add (parts, NULL);
      details = g_strjoinv (" · ", (char **) parts->pdata);
      avatar_text = g_strjoin (" ",
                               chevet_patient_get_given (p) != NULL ? chevet_patient_get_given (p) : "",
                               chevet_patient_get_family (p) != NULL ? chevet_patient_get_family (p) : "",
                               NULL);
    }

  gtk_label_set_label (self->name_label, p != NULL ? chevet_patient_get_display_name (p) : NULL);
  gtk_label_set_label (self->details_label, details);
  gtk_label_set_label (self->identifier_label, p != NULL ? chevet_patient_get_identifier (p) : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->deceased_label), deceased);
  adw_avatar_set_text (self->avatar, avatar_text != NULL ? g_strstrip (avatar_text) : NULL);

  /* What a screen reader says for the row: name, details, identifier, deceased. */
  if (p != NULL)
    {
      const char *facts[] = {
        chevet_patient_get_display_name (p),
        details,
        chevet_patient_get_identifier (p),
        deceased ? _("Deceased") : NULL,
      };
      GString *label = g_string_new (NULL);
      guint i;

      for (i = 0; i < G_N_ELEMENTS (facts); i++)
        if (facts[i] != NULL && *facts[i] != '\0')
          g_string_append_printf (label, "%s%s", label->len > 0 ? ", " : "", facts[i]);
      accessible = g_string_free (label, FALSE);
    }
  else if (heading != NULL)
    accessible = g_strdup (heading);
  else if (loading)
    accessible = g_strdup (_("Loading patient…"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible != NULL ? accessible : "",
                                  -1);
}

static void
chevet_patient_row_dispose (GObject *object)
{
  ChevetPatientRow *self = (ChevetPatientRow *) object;
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_PATIENT_ROW);
  /* dispose_template only unparents the children it binds. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->item_signals != NULL)
    g_signal_group_set_target (self->item_signals, NULL);
  g_clear_object (&self->item_signals);
  g_clear_object (&self->item);
  g_clear_object (&self->patient);

  G_OBJECT_CLASS (chevet_patient_row_parent_class)->dispose (object);
}

static void
chevet_patient_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_PATIENT:
      g_value_set_object (value, self->patient);
      break;
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_PATIENT:
      chevet_patient_row_set_patient (self, g_value_get_object (value));
      break;
    case PROP_ITEM:
      chevet_patient_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_row_class_init (ChevetPatientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_patient_row_dispose;
  object_class->get_property = chevet_patient_row_get_property;
  object_class->set_property = chevet_patient_row_set_property;

  properties[PROP_PATIENT] =
    g_param_spec_object ("patient", NULL, NULL, CHEVET_TYPE_PATIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Sets "patient" and follows it as a placeholder fills in. */
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, CHEVET_TYPE_PATIENT_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-patient-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, text_box);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, heading_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, deceased_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPatientRow, identifier_label);
  gtk_widget_class_set_css_name (widget_class, "patientrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
on_item_changed (ChevetPatientRow *self)
{
  ChevetPatient *patient = chevet_patient_item_get_patient (self->item);

  if (g_set_object (&self->patient, patient))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
  update (self);
}

static void
chevet_patient_row_init (ChevetPatientRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->item_signals = g_signal_group_new (CHEVET_TYPE_PATIENT_ITEM);
  g_signal_group_connect_swapped (self->item_signals, "notify::loaded",
                                  G_CALLBACK (on_item_changed), self);
}

ChevetPatient *
chevet_patient_row_get_patient (ChevetPatientRow *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ROW (self), NULL);
  return self->patient;
}

void
chevet_patient_row_set_patient (ChevetPatientRow *self,
                                ChevetPatient    *patient)
{
  g_return_if_fail (CHEVET_IS_PATIENT_ROW (self));
  g_return_if_fail (!patient || CHEVET_IS_PATIENT (patient));

  if (self->item != NULL)
    {
      g_signal_group_set_target (self->item_signals, NULL);
      g_clear_object (&self->item);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
    }
  if (g_set_object (&self->patient, patient))
    {
      update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
    }
}

ChevetPatientItem *
chevet_patient_row_get_item (ChevetPatientRow *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ROW (self), NULL);
  return self->item;
}

void
chevet_patient_row_set_item (ChevetPatientRow  *self,
                             ChevetPatientItem *item)
{
  ChevetPatient *patient;

  g_return_if_fail (CHEVET_IS_PATIENT_ROW (self));
  g_return_if_fail (!item || CHEVET_IS_PATIENT_ITEM (item));

  if (!g_set_object (&self->item, item))
    return;
  g_signal_group_set_target (self->item_signals, item);
  patient = item != NULL ? chevet_patient_item_get_patient (item) : NULL;
  if (g_set_object (&self->patient, patient))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
