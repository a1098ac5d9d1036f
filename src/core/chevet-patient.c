/* chevet-patient.c: one patient as the patient list and the banner show it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "chevet-patient"

#include "config.h"

#include <stdio.h>

#include "chevet-fhir.h"
#include "chevet-patient.h"
#include "chevet-store-private.h"

struct _ChevetPatient
{
  GObject   parent_instance;

  char     *id;
  char     *family;
  char     *given;
  char     *display_name;
  char     *gender;
  char     *birth_date;
  char     *identifier;
  char     *deceased_date;
  char     *organization;
  char     *security;
  char     *confidentiality;
  gboolean  deceased;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_GENDER,
  PROP_BIRTH_DATE,
  PROP_IDENTIFIER,
  PROP_DECEASED,
  PROP_RESTRICTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetPatient, chevet_patient, G_TYPE_OBJECT)

static void
chevet_patient_finalize (GObject *object)
{
  ChevetPatient *self = (ChevetPatient *) object;

  g_free (self->id);
  g_free (self->family);
  g_free (self->given);
  g_free (self->display_name);
  g_free (self->gender);
  g_free (self->birth_date);
  g_free (self->identifier);
  g_free (self->deceased_date);
  g_free (self->organization);
  g_free (self->security);
  g_free (self->confidentiality);

  G_OBJECT_CLASS (chevet_patient_parent_class)->finalize (object);
}

static void
chevet_patient_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChevetPatient *self = CHEVET_PATIENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_GENDER:
      g_value_set_string (value, self->gender);
      break;
    case PROP_BIRTH_DATE:
      g_value_set_string (value, self->birth_date);
      break;
    case PROP_IDENTIFIER:
      g_value_set_string (value, self->identifier);
      break;
    case PROP_DECEASED:
      g_value_set_boolean (value, self->deceased);
      break;
    case PROP_RESTRICTED:
      g_value_set_boolean (value, chevet_patient_is_restricted (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_class_init (ChevetPatientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chevet_patient_finalize;
  object_class->get_property = chevet_patient_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_GENDER] =
    g_param_spec_string ("gender", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BIRTH_DATE] =
    g_param_spec_string ("birth-date", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDENTIFIER] =
    g_param_spec_string ("identifier", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DECEASED] =
    g_param_spec_boolean ("deceased", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RESTRICTED] =
    g_param_spec_boolean ("restricted", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chevet_patient_init (ChevetPatient *self)
{
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

/* Columns: id, family, given, gender, birth_date, deceased, deceased_date, identifier,
 * organization, security, confidentiality (see PATIENT_COLUMNS in chevet-store.c). */
ChevetPatient *
chevet_patient_new_from_row (sqlite3_stmt *stmt)
{
  ChevetPatient *self = g_object_new (CHEVET_TYPE_PATIENT, NULL);

  self->id = dup_column (stmt, 0);
  self->family = dup_column (stmt, 1);
  self->given = dup_column (stmt, 2);
  self->gender = dup_column (stmt, 3);
  self->birth_date = dup_column (stmt, 4);
  self->deceased = sqlite3_column_int (stmt, 5) != 0;
  self->deceased_date = dup_column (stmt, 6);
  self->identifier = dup_column (stmt, 7);
  self->organization = dup_column (stmt, 8);
  self->security = dup_column (stmt, 9);
  self->confidentiality = dup_column (stmt, 10);

  /* Family name in capitals first, as charts and wristbands print it. */
  if (self->family != NULL && self->given != NULL)
    {
      g_autofree char *upper = g_utf8_strup (self->family, -1);
      self->display_name = g_strdup_printf ("%s, %s", upper, self->given);
    }
  else if (self->family != NULL)
    self->display_name = g_utf8_strup (self->family, -1);
  else if (self->given != NULL)
    self->display_name = g_strdup (self->given);
  else
    self->display_name = g_strdup ("?");
  return self;
}

#define GETTER(field) \
  const char * \
  chevet_patient_get_##field (ChevetPatient *self) \
  { \
    g_return_val_if_fail (CHEVET_IS_PATIENT (self), NULL); \
    return self->field; \
  }

GETTER (id)
GETTER (family)
GETTER (given)
GETTER (display_name)
GETTER (gender)
GETTER (birth_date)
GETTER (identifier)
GETTER (deceased_date)
GETTER (organization)
GETTER (security)
GETTER (confidentiality)

gboolean
chevet_patient_is_restricted (ChevetPatient *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT (self), FALSE);
  return chevet_fhir_confidentiality_is_restricted (self->confidentiality);
}

gboolean
chevet_patient_get_deceased (ChevetPatient *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT (self), FALSE);
  return self->deceased;
}

int
chevet_patient_get_age (ChevetPatient *self,
                        GDateTime     *when)
{
  g_autoptr(GDateTime) now = NULL;
  int y = 0, m = 1, d = 1, n, age;

  g_return_val_if_fail (CHEVET_IS_PATIENT (self), -1);

  if (self->birth_date == NULL)
    return -1;
  n = sscanf (self->birth_date, "%d-%d-%d", &y, &m, &d);
  if (n < 1)
    return -1;
  now = when != NULL ? g_date_time_ref (when) : g_date_time_new_now_local ();
  /* The dead do not grow older: age at death. */
  if (self->deceased_date != NULL)
    {
      int dy = 0, dm = 1, dd = 1;

      if (sscanf (self->deceased_date, "%d-%d-%d", &dy, &dm, &dd) >= 1)
        {
          g_date_time_unref (now);
          now = g_date_time_new_utc (dy, CLAMP (dm, 1, 12), CLAMP (dd, 1, 28), 0, 0, 0);
        }
    }
  age = g_date_time_get_year (now) - y;
  if (g_date_time_get_month (now) < m ||
      (g_date_time_get_month (now) == m && g_date_time_get_day_of_month (now) < d))
    age--;
  return MAX (age, 0);
}
