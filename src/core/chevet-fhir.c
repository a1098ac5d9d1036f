/* chevet-fhir.c: small FHIR R4 helpers: resource types, ids, dates, references, text folding
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "chevet-fhir"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chevet-fhir.h"

/* Every resource type of FHIR R4 (4.0.1), sorted for bsearch. */
static const char * const resource_types[] = {
  "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
  "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
  "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
  "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
  "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition",
  "Composition", "ConceptMap", "Condition", "Consent", "Contract", "Coverage",
  "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue", "Device",
  "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement",
  "DiagnosticReport", "DocumentManifest", "DocumentReference", "EffectEvidenceSynthesis",
  "Encounter", "Endpoint", "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare",
  "EventDefinition", "Evidence", "EvidenceVariable", "ExampleScenario",
  "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal", "GraphDefinition", "Group",
  "GuidanceResponse", "HealthcareService", "ImagingStudy", "Immunization",
  "ImmunizationEvaluation", "ImmunizationRecommendation", "ImplementationGuide",
  "InsurancePlan", "Invoice", "Library", "Linkage", "List", "Location", "Measure",
  "MeasureReport", "Media", "Medication", "MedicationAdministration", "MedicationDispense",
  "MedicationKnowledge", "MedicationRequest", "MedicationStatement", "MedicinalProduct",
  "MedicinalProductAuthorization", "MedicinalProductContraindication",
  "MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
  "MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
  "MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader",
  "MolecularSequence", "NamingSystem", "NutritionOrder", "Observation",
  "ObservationDefinition", "OperationDefinition", "OperationOutcome", "Organization",
  "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice",
  "PaymentReconciliation", "Person", "PlanDefinition", "Practitioner", "PractitionerRole",
  "Procedure", "Provenance", "Questionnaire", "QuestionnaireResponse", "RelatedPerson",
  "RequestGroup", "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy",
  "ResearchSubject", "RiskAssessment", "RiskEvidenceSynthesis", "Schedule",
  "SearchParameter", "ServiceRequest", "Slot", "Specimen", "SpecimenDefinition",
  "StructureDefinition", "StructureMap", "Subscription", "Substance",
  "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
  "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification",
  "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities", "TestReport",
  "TestScript", "ValueSet", "VerificationResult", "VisionPrescription",
};

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

gboolean
chevet_fhir_is_resource_type (const char *type)
{
  if (type == NULL)
    return FALSE;
  return bsearch (&type, resource_types, G_N_ELEMENTS (resource_types),
                  sizeof (char *), compare_strings) != NULL;
}

gboolean
chevet_fhir_is_valid_id (const char *id)
{
  gsize n = 0;

  if (id == NULL)
    return FALSE;
  for (const char *p = id; *p; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return n >= 1 && n <= 64;
}

static gboolean
read_digits (const char **p,
             int          n,
             int         *out)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + ((*p)[i] - '0');
    }
  *p += n;
  *out = v;
  return TRUE;
}

gboolean
chevet_fhir_is_valid_date (const char *value)
{
  const char *p = value;
  int year, month, day, hour, minute, second, tzh, tzm;

  if (value == NULL || !read_digits (&p, 4, &year) || year < 1)
    return FALSE;
  if (*p == '\0')
    return TRUE;
  if (*p++ != '-' || !read_digits (&p, 2, &month) || month < 1 || month > 12)
    return FALSE;
  if (*p == '\0')
    return TRUE;
  if (*p++ != '-' || !read_digits (&p, 2, &day) || day < 1 ||
      day > g_date_get_days_in_month (month, year))
    return FALSE;
  if (*p == '\0')
    return TRUE;
  if (*p++ != 'T' || !read_digits (&p, 2, &hour) || hour > 23 || *p++ != ':' ||
      !read_digits (&p, 2, &minute) || minute > 59)
    return FALSE;
  /* Seconds are required by FHIR dateTime, but some servers omit them: accept. */
  if (*p == ':')
    {
      p++;
      if (!read_digits (&p, 2, &second) || second > 60)
        return FALSE;
      if (*p == '.')
        {
          p++;
          if (!g_ascii_isdigit (*p))
            return FALSE;
          while (g_ascii_isdigit (*p))
            p++;
        }
    }
  if (*p == 'Z')
    return p[1] == '\0';
  if (*p != '+' && *p != '-')
    return FALSE;
  p++;
  if (!read_digits (&p, 2, &tzh) || tzh > 14 || *p++ != ':' ||
      !read_digits (&p, 2, &tzm) || tzm > 59)
    return FALSE;
  return *p == '\0';
}

gboolean
chevet_fhir_parse_reference (const char  *reference,
                             char       **type,
                             char       **id)
{
  g_auto(GStrv) parts = NULL;
  guint n;

  *type = *id = NULL;
  if (reference == NULL || reference[0] == '#' || g_str_has_prefix (reference, "urn:"))
    return FALSE;
  parts = g_strsplit (reference, "/", -1);
  n = g_strv_length (parts);
  /* Type/id/_history/version */
  if (n >= 4 && g_str_equal (parts[n - 2], "_history"))
    n -= 2;
  if (n < 2 || !chevet_fhir_is_resource_type (parts[n - 2]) ||
      !chevet_fhir_is_valid_id (parts[n - 1]))
    return FALSE;
  *type = g_strdup (parts[n - 2]);
  *id = g_strdup (parts[n - 1]);
  return TRUE;
}

static GDateTime *
parse_instant (const char *s)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  gsize len = strlen (s);

  if (len == 4 || len == 7 || len == 10)
    {
      g_autofree char *full = g_strdup_printf ("%s%sT00:00:00Z", s,
                                               len == 4 ? "-01-01" : len == 7 ? "-01" : "");
      return g_date_time_new_from_iso8601 (full, utc);
    }
  return g_date_time_new_from_iso8601 (s, utc);
}

int
chevet_fhir_compare_instants (const char *a,
                              const char *b)
{
  g_autoptr(GDateTime) da = NULL;
  g_autoptr(GDateTime) db = NULL;

  if (g_strcmp0 (a, b) == 0)
    return 0;
  da = parse_instant (a);
  db = parse_instant (b);
  if (da == NULL || db == NULL)
    return g_strcmp0 (a, b);
  return g_date_time_compare (da, db);
}

int
chevet_fhir_compare_versions (const char *a,
                              const char *b)
{
  guint64 na, nb;

  if (g_ascii_string_to_unsigned (a, 10, 0, G_MAXUINT64, &na, NULL) &&
      g_ascii_string_to_unsigned (b, 10, 0, G_MAXUINT64, &nb, NULL))
    return na < nb ? -1 : na > nb ? 1 : 0;
  return g_strcmp0 (a, b);
}

char *
chevet_fhir_fold (const char *text)
{
  g_autofree char *nfkd = NULL;
  g_autoptr(GString) bare = NULL;

  if (text == NULL)
    return g_strdup ("");
  nfkd = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  if (nfkd == NULL)
    return g_strdup ("");
  bare = g_string_sized_new (strlen (nfkd));
  for (const char *p = nfkd; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType t = g_unichar_type (c);

      if (t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK ||
          t == G_UNICODE_ENCLOSING_MARK)
        continue;
      g_string_append_unichar (bare, c);
    }
  return g_utf8_casefold (bare->str, bare->len);
}

int
chevet_fhir_confidentiality_rank (const char *system,
                                  const char *code)
{
  static const char ranks[] = "ULMNRV";
  const char *at;

  /* Only this code system: "R" or "V" elsewhere means something else entirely. */
  if (g_strcmp0 (system, "http://terminology.hl7.org/CodeSystem/v3-Confidentiality") != 0 &&
      g_strcmp0 (system, "http://hl7.org/fhir/v3/Confidentiality") != 0)
    return 0;
  if (code == NULL || code[0] == '\0' || code[1] != '\0' || (at = strchr (ranks, code[0])) == NULL)
    return 0;
  return (int) (at - ranks) + 1;
}

gboolean
chevet_fhir_confidentiality_is_restricted (const char *code)
{
  return g_strcmp0 (code, "R") == 0 || g_strcmp0 (code, "V") == 0;
}

static gboolean
codings_hold_training_tag (JsonObject *meta,
                           const char *member)
{
  JsonNode *node = json_object_get_member (meta, member);
  JsonArray *codings;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  codings = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (codings); i++)
    {
      JsonNode *c = json_array_get_element (codings, i);
      JsonObject *o;

      if (!JSON_NODE_HOLDS_OBJECT (c))
        continue;
      o = json_node_get_object (c);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "system", NULL),
                     CHEVET_FHIR_TRAINING_TAG_SYSTEM) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (o, "code", NULL),
                     CHEVET_FHIR_TRAINING_TAG_CODE) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
chevet_fhir_is_training_data (JsonObject *resource)
{
  JsonNode *meta;

  if (resource == NULL)
    return FALSE;
  meta = json_object_get_member (resource, "meta");
  if (meta == NULL || !JSON_NODE_HOLDS_OBJECT (meta))
    return FALSE;
  return codings_hold_training_tag (json_node_get_object (meta), "tag") ||
         codings_hold_training_tag (json_node_get_object (meta), "security");
}
