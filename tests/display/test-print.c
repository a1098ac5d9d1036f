/* test-print.c: the printed chart summary, exported as PDF and read back
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test imports a few FHIR resources into a fresh encrypted workspace (cheap key
 * derivation), reads one chart, exports its summary the way "Export as PDF" does, and
 * reads the PDF back with poppler's pdftotext and pdfinfo (package poppler-utils; the
 * tests skip without them). With CHEVET_PRINT_PNG=FILE.png, the first test also renders
 * page 1 of its summary there (pdftoppm), to look at.
 */
#define G_LOG_DOMAIN "test-print"

#include "config.h"

#include "display-test-util.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-chart-print.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-store.h"

#define ACCOUNT    "dr.martin"
#define PASSPHRASE "correct horse battery staple"
#define FOOTER     "Maison de santé des Tilleuls · dr.martin"

#define PATIENT(id, family, given, extra)                                                        \
  "{\"resourceType\":\"Patient\",\"id\":\"" id "\","                                            \
  "\"identifier\":[{\"system\":\"urn:example:mrn\",\"value\":\"MRN-" id "\"}],"                 \
  "\"name\":[{\"family\":\"" family "\",\"given\":[\"" given "\"]}]" extra "}\n"

#define ENCOUNTER(n, day)                                                                        \
  "{\"resourceType\":\"Encounter\",\"id\":\"e" n "\",\"status\":\"finished\","                  \
  "\"class\":{\"code\":\"AMB\"},\"type\":[{\"text\":\"General consultation\"}],"                 \
  "\"subject\":{\"reference\":\"Patient/p1\"},\"period\":{\"start\":\"" day "T09:00:00+01:00\"}," \
  "\"reasonCode\":[{\"text\":\"Visit reason " n "\"}],"                                          \
  "\"location\":[{\"location\":{\"display\":\"Room " n "\"}}]}\n"

static const char clinic_ndjson[] =
  /* p1: a full chart */
  PATIENT ("p1", "Dupré", "Hélène", ",\"gender\":\"female\",\"birthDate\":\"1938-03-12\"")
  "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a1\",\"patient\":{\"reference\":\"Patient/p1\"},"
  "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},\"verificationStatus\":{\"coding\":[{\"code\":\"confirmed\"}]},"
  "\"criticality\":\"high\",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"764146007\","
  "\"display\":\"Penicillin\"}]},\"recordedDate\":\"2001-05-04\","
  "\"reaction\":[{\"manifestation\":[{\"text\":\"Anaphylaxis\"}],\"severity\":\"severe\"},"
  "{\"manifestation\":[{\"text\":\"Urticaria\"}],\"severity\":\"moderate\"}]}\n"
  "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a2\",\"patient\":{\"reference\":\"Patient/p1\"},"
  "\"type\":\"intolerance\",\"criticality\":\"low\",\"code\":{\"text\":\"Codeine\"},"
  "\"reaction\":[{\"manifestation\":[{\"text\":\"Nausea\"}],\"severity\":\"mild\"}]}\n"
  "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},"
  "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"38341003\",\"display\":\"Hypertension\"}]},"
  "\"onsetDateTime\":\"2015-06-01\"}\n"
  "{\"resourceType\":\"Condition\",\"id\":\"c2\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},\"verificationStatus\":{\"coding\":[{\"code\":\"provisional\"}]},"
  "\"code\":{\"text\":\"Type 2 diabetes mellitus\"},\"onsetDateTime\":\"2019-11\"}\n"
  "{\"resourceType\":\"Condition\",\"id\":\"c3\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"clinicalStatus\":{\"coding\":[{\"code\":\"resolved\"}]},"
  "\"code\":{\"text\":\"Acute bronchitis\"},\"onsetDateTime\":\"2020-01-10\",\"abatementDateTime\":\"2020-02-01\"}\n"
  "{\"resourceType\":\"Condition\",\"id\":\"c4\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},\"verificationStatus\":{\"coding\":[{\"code\":\"refuted\"}]},"
  "\"code\":{\"text\":\"Refuted asthma\"},\"onsetDateTime\":\"2021-01-10\"}\n"
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"m1\",\"status\":\"active\",\"intent\":\"order\","
  "\"subject\":{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2021-01-10\","
  "\"medicationCodeableConcept\":{\"text\":\"Amlodipine 5 mg oral tablet\"},"
  "\"requester\":{\"display\":\"Dr Anne Martin\"},"
  "\"dosageInstruction\":[{\"text\":\"1 tablet once daily\",\"route\":{\"text\":\"Oral\"}}]}\n"
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"m2\",\"status\":\"stopped\",\"intent\":\"order\","
  "\"subject\":{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2018-01-10\","
  "\"medicationCodeableConcept\":{\"text\":\"Lisinopril 10 mg oral tablet\"},"
  "\"dosageInstruction\":[{\"text\":\"1 tablet in the morning\"}]}\n"
  "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"category\":[{\"coding\":[{\"code\":\"laboratory\"}]}],"
  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\",\"display\":\"Hemoglobin A1c\"}]},"
  "\"effectiveDateTime\":\"2024-01-15T08:30:00+01:00\",\"valueQuantity\":{\"value\":8.1,\"unit\":\"%\"},"
  "\"referenceRange\":[{\"low\":{\"value\":4.0},\"high\":{\"value\":6.0}}],"
  "\"interpretation\":[{\"coding\":[{\"code\":\"H\"}]}]}\n"
  "{\"resourceType\":\"Observation\",\"id\":\"o2\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"category\":[{\"coding\":[{\"code\":\"laboratory\"}]}],"
  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2951-2\",\"display\":\"Sodium\"}]},"
  "\"effectiveDateTime\":\"2024-01-15\",\"valueQuantity\":{\"value\":140,\"unit\":\"mmol/L\"},"
  "\"referenceRange\":[{\"low\":{\"value\":135},\"high\":{\"value\":145}}],"
  "\"interpretation\":[{\"coding\":[{\"code\":\"N\"}]}]}\n"
  "{\"resourceType\":\"Observation\",\"id\":\"o3\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"category\":[{\"coding\":[{\"code\":\"laboratory\"}]}],"
  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"6298-4\",\"display\":\"Potassium\"}]},"
  "\"effectiveDateTime\":\"2024-01-15\",\"valueQuantity\":{\"value\":6.9,\"unit\":\"mmol/L\"},"
  "\"referenceRange\":[{\"low\":{\"value\":3.5},\"high\":{\"value\":5.1}}],"
  "\"interpretation\":[{\"coding\":[{\"code\":\"HH\"}]}]}\n"
  "{\"resourceType\":\"Observation\",\"id\":\"o4\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"category\":[{\"coding\":[{\"code\":\"vital-signs\"}]}],"
  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\",\"display\":\"Blood pressure panel\"}]},"
  "\"effectiveDateTime\":\"2024-01-15\",\"component\":["
  "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\",\"display\":\"Diastolic\"}]},"
  "\"valueQuantity\":{\"value\":95,\"unit\":\"mm[Hg]\"},\"interpretation\":[{\"coding\":[{\"code\":\"H\"}]}]},"
  "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\",\"display\":\"Systolic\"}]},"
  "\"valueQuantity\":{\"value\":150,\"unit\":\"mm[Hg]\"},\"interpretation\":[{\"coding\":[{\"code\":\"H\"}]}]}]}\n"
  "{\"resourceType\":\"Observation\",\"id\":\"o5\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"},"
  "\"category\":[{\"coding\":[{\"code\":\"vital-signs\"}]}],"
  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\",\"display\":\"Body weight\"}]},"
  "\"effectiveDateTime\":\"2024-01-15\",\"valueQuantity\":{\"value\":71.5,\"unit\":\"kg\"}}\n"
  ENCOUNTER ("1", "2023-01-10") ENCOUNTER ("2", "2023-03-10") ENCOUNTER ("3", "2023-05-10")
  ENCOUNTER ("4", "2023-07-10") ENCOUNTER ("5", "2023-09-10") ENCOUNTER ("6", "2023-11-10")
  ENCOUNTER ("7", "2024-01-15")
  /* p2: nothing recorded about allergies */
  PATIENT ("p2", "Martin", "Jean-Pierre", ",\"gender\":\"male\",\"birthDate\":\"1972-09-05\"")
  /* p3: no known allergies, deceased */
  PATIENT ("p3", "Lenoir", "Paul", ",\"gender\":\"male\",\"birthDate\":\"1940-06-30\","
                                   "\"deceasedDateTime\":\"2020-01-15\"")
  "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a3\",\"patient\":{\"reference\":\"Patient/p3\"},"
  "\"verificationStatus\":{\"coding\":[{\"code\":\"confirmed\"}]},"
  "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"716186003\","
  "\"display\":\"No known allergy\"}]}}\n";

typedef struct
{
  char        *tmpdir;
  ChevetStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;

  f->tmpdir = display_make_tmpdir ("chevet-test-print-XXXXXX", &path);
  f->store = display_store_create (path, "Maison de santé", ACCOUNT, PASSPHRASE, clinic_ndjson);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->store);
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

/* Tools */

static gboolean
have_poppler (void)
{
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_autofree char *pdfinfo = g_find_program_in_path ("pdfinfo");

  if (pdftotext == NULL || pdfinfo == NULL)
    {
      g_test_skip ("pdftotext and pdfinfo (package poppler-utils) are needed to read the PDF back");
      return FALSE;
    }
  return TRUE;
}

static char *
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", argv[0], error->message, err);
  return out;
}

static char *
pdf_text (const char *pdf)
{
  const char * const argv[] = { "pdftotext", "-enc", "UTF-8", pdf, "-", NULL };

  return run_tool (argv);
}

static guint
pdf_pages (const char *pdf)
{
  const char * const argv[] = { "pdfinfo", pdf, NULL };
  g_autofree char *info = run_tool (argv);
  const char *pages = strstr (info, "\nPages:");

  g_assert_nonnull (pages);
  return (guint) g_ascii_strtoull (pages + strlen ("\nPages:") + strspn (pages + strlen ("\nPages:"), " "), NULL, 10);
}

static guint
count_of (const char *haystack,
          const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
assert_before (const char *text,
               const char *first,
               const char *then)
{
  const char *a = strstr (text, first);
  const char *b = strstr (text, then);

  if (a == NULL || b == NULL || a >= b)
    g_error ("expected “%s” before “%s” in:\n%s", first, then, text);
}

#define assert_has(text, needle)                                     \
  G_STMT_START                                                       \
  {                                                                  \
    if (strstr ((text), (needle)) == NULL)                           \
      g_error ("expected “%s” in the summary:\n%s", (needle), (text)); \
  }                                                                  \
  G_STMT_END

#define assert_lacks(text, needle)                                   \
  G_STMT_START                                                       \
  {                                                                  \
    if (strstr ((text), (needle)) != NULL)                           \
      g_error ("did not expect “%s” in the summary:\n%s", (needle), (text)); \
  }                                                                  \
  G_STMT_END

/* Exports @patient_id's summary to a PDF in the fixture's folder, checks it is one. */
static char *
export_chart (Fixture    *f,
              const char *patient_id)
{
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  char *pdf = g_build_filename (f->tmpdir, "summary.pdf", NULL);
  gsize length;

  chart = chevet_store_read_chart (f->store, patient_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (chart);
  g_remove (pdf);
  g_assert_true (chevet_chart_print (NULL, chart, FOOTER, CHEVET_CHART_PRINT_NONE, pdf, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (pdf, &bytes, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (memcmp (bytes, "%PDF", 4) == 0);
  return pdf;
}

/* Tests */

static void
test_summary (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  const char *png = g_getenv ("CHEVET_PRINT_PNG");

  if (!have_poppler ())
    return;
  pdf = export_chart (f, "p1");
  text = pdf_text (pdf);

  /* Who: the name (family upper-cased), sex, age, a four-digit birth year, identifier. */
  assert_has (text, "DUPRÉ, Hélène");
  assert_has (text, "PATIENT SUMMARY");
  assert_has (text, "Female");
  assert_has (text, "years");
  assert_has (text, "1938");
  assert_has (text, "MRN-p1");
  assert_lacks (text, "DECEASED");

  /* The International Patient Summary's order, allergies first. */
  assert_before (text, "DUPRÉ", "Allergies");
  assert_before (text, "Allergies", "Active problems");
  assert_before (text, "Active problems", "Current medications");
  assert_before (text, "Current medications", "Latest vital signs");
  assert_before (text, "Latest vital signs", "Abnormal lab results");
  assert_before (text, "Abnormal lab results", "Recent encounters");

  /* Allergies, loud and complete. */
  assert_has (text, "Penicillin");
  assert_has (text, "High criticality");
  assert_has (text, "Severe");
  assert_has (text, "Anaphylaxis, Urticaria");
  assert_has (text, "Codeine");
  assert_has (text, "intolerance");
  assert_lacks (text, "Allergies not recorded");
  assert_lacks (text, "No known allergies");

  /* Active problems only; refuted ones never. */
  assert_has (text, "Hypertension");
  assert_has (text, "Type 2 diabetes mellitus");
  assert_has (text, "provisional");
  assert_lacks (text, "Acute bronchitis");
  assert_lacks (text, "Refuted asthma");
  assert_has (text, "1 other problem (resolved or inactive) not shown");

  /* Current medications with their dose, route and prescriber; stopped ones not. */
  assert_has (text, "Amlodipine 5 mg oral tablet");
  assert_has (text, "1 tablet once daily");
  assert_has (text, "Oral");
  assert_has (text, "Dr Anne Martin");
  assert_lacks (text, "Lisinopril");

  /* Vital signs: blood pressure as systolic/diastolic. */
  assert_has (text, "150/95 mm[Hg]");
  assert_has (text, "71.5 kg");

  /* Abnormal labs with their range and flag; normal ones left out. */
  assert_has (text, "Hemoglobin A1c");
  assert_has (text, "8.1 %");
  assert_has (text, "4–6");
  assert_has (text, "High");
  assert_has (text, "Potassium");
  assert_has (text, "Critically high");
  assert_lacks (text, "Sodium");

  /* The last five encounters, most recent first. */
  assert_has (text, "Visit reason 7");
  assert_has (text, "Visit reason 3");
  assert_has (text, "Room 7");
  assert_has (text, "latest 5 of 7");
  assert_lacks (text, "Visit reason 2");
  assert_lacks (text, "Visit reason 1");
  assert_before (text, "Visit reason 7", "Visit reason 3");

  /* The footer. */
  assert_has (text, FOOTER);
  assert_has (text, "Confidential medical information");
  assert_has (text, "Page 1 of 1");
  assert_has (text, "Printed ");
  g_assert_cmpuint (pdf_pages (pdf), ==, 1);

  if (png != NULL)
    {
      g_autofree char *prefix = g_strndup (png, g_str_has_suffix (png, ".png") ? strlen (png) - 4 : strlen (png));
      const char * const argv[] = { "pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, prefix, NULL };
      g_autofree char *out = run_tool (argv);

      g_test_message ("page 1 rendered to %s.png", prefix);
    }
}

static void
test_allergies_not_recorded (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;

  if (!have_poppler ())
    return;
  pdf = export_chart (f, "p2");
  text = pdf_text (pdf);
  assert_has (text, "MARTIN, Jean-Pierre");
  assert_has (text, "Allergies not recorded");
  assert_lacks (text, "No known allergies");
  assert_before (text, "Allergies not recorded", "Active problems");
  /* Empty sections say so rather than vanish. */
  assert_has (text, "None recorded");
}

static void
test_no_known_allergies (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;

  if (!have_poppler ())
    return;
  pdf = export_chart (f, "p3");
  text = pdf_text (pdf);
  assert_has (text, "LENOIR, Paul");
  assert_has (text, "No known allergies");
  assert_lacks (text, "Allergies not recorded");
  assert_lacks (text, "No known allergy\n");
}

static void
test_deceased (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;

  if (!have_poppler ())
    return;
  pdf = export_chart (f, "p3");
  text = pdf_text (pdf);
  assert_has (text, "DECEASED");
  assert_has (text, "2020");
  assert_has (text, "Age at death");
  /* Born 1940-06-30, died 2020-01-15. */
  assert_has (text, "79 years");
}

static void
test_infant_age_in_months (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) birth = g_date_time_add_days (now, -160);
  g_autofree char *day = g_date_time_format (birth, "%Y-%m-%d");
  g_autofree char *ndjson = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_poppler ())
    return;
  ndjson = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"p5\",\"name\":[{\"family\":\"Petit\"}],"
                            "\"gender\":\"female\",\"birthDate\":\"%s\"}\n", day);
  g_assert_true (chevet_store_import_data (f->store, ndjson, -1, "infant.ndjson", NULL, &error));
  g_assert_no_error (error);
  pdf = export_chart (f, "p5");
  text = pdf_text (pdf);
  assert_has (text, "PETIT");
  /* 160 days: five months, whatever the months' lengths. */
  assert_has (text, "5 months");
  assert_lacks (text, "0 years");
}

static void
import_many (Fixture *f,
             guint    problems,
             guint    words)
{
  g_autoptr(GString) ndjson = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= problems; i++)
    g_string_append_printf (ndjson,
                            "{\"resourceType\":\"Condition\",\"id\":\"many%u\",\"subject\":{\"reference\":\"Patient/p2\"},"
                            "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},"
                            "\"code\":{\"text\":\"Chronic problem %03u\"},\"onsetDateTime\":\"2010-01-%02u\"}\n",
                            i, i, 1 + i % 28);
  if (words > 0)
    {
      g_string_append (ndjson, "{\"resourceType\":\"Condition\",\"id\":\"long\",\"subject\":{\"reference\":\"Patient/p2\"},"
                               "\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},\"code\":{\"text\":\"");
      for (guint i = 1; i <= words; i++)
        g_string_append_printf (ndjson, "w%04u ", i);
      g_string_append (ndjson, "\"},\"onsetDateTime\":\"2011-01-01\"}\n");
    }
  g_assert_true (chevet_store_import_data (f->store, ndjson->str, ndjson->len, "many.ndjson", NULL, &error));
  g_assert_no_error (error);
}

static void
test_long_chart_spans_pages (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  guint pages;

  if (!have_poppler ())
    return;
  import_many (f, 300, 0);
  pdf = export_chart (f, "p2");
  text = pdf_text (pdf);
  pages = pdf_pages (pdf);
  g_assert_cmpuint (pages, >, 1);

  /* Every page numbered out of the total, every problem printed once. */
  for (guint i = 1; i <= pages; i++)
    {
      g_autofree char *page = g_strdup_printf ("Page %u of %u", i, pages);

      assert_has (text, page);
    }
  for (guint i = 1; i <= 300; i++)
    {
      g_autofree char *problem = g_strdup_printf ("Chronic problem %03u\n", i);

      g_assert_cmpuint (count_of (text, problem), ==, 1);
    }
  /* Later pages say whose they are, and which section runs on. */
  g_assert_cmpuint (count_of (text, "MARTIN, Jean-Pierre"), ==, pages);
  assert_has (text, "Active problems (continued)");
  g_assert_cmpuint (count_of (text, FOOTER), ==, pages);
  g_assert_cmpuint (count_of (text, "Confidential medical information"), ==, pages);
}

static void
test_tall_row_breaks_between_lines (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;

  if (!have_poppler ())
    return;
  /* One problem whose name is longer than a page: cut between its lines, each once. */
  import_many (f, 0, 1500);
  pdf = export_chart (f, "p2");
  text = pdf_text (pdf);
  g_assert_cmpuint (pdf_pages (pdf), >, 1);
  for (guint i = 1; i <= 1500; i++)
    {
      g_autofree char *word = g_strdup_printf ("w%04u", i);

      if (count_of (text, word) != 1)
        g_error ("“%s” printed %u times", word, count_of (text, word));
    }
}

static void
test_no_patient_data_in_metadata (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *pdf = NULL;
  g_autofree char *info = NULL;

  if (!have_poppler ())
    return;
  pdf = export_chart (f, "p1");
  {
    const char * const argv[] = { "pdfinfo", pdf, NULL };

    info = run_tool (argv);
  }
  g_assert_null (strstr (info, "Dupr"));
  g_assert_null (strstr (info, "DUPR"));
  g_assert_null (strstr (info, "Hélène"));
  g_assert_null (strstr (info, "MRN-p1"));
  g_assert_null (strstr (info, "1938"));
}

static void
test_unwritable_path_fails (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (f->tmpdir, "no-such-folder", "summary.pdf", NULL);

  chart = chevet_store_read_chart (f->store, "p1", &error);
  g_assert_no_error (error);
  g_assert_false (chevet_chart_print (NULL, chart, FOOTER, CHEVET_CHART_PRINT_NONE, pdf, &error));
  g_assert_error (error, GTK_PRINT_ERROR, GTK_PRINT_ERROR_GENERAL);
  /* The message names no patient. */
  g_assert_null (strstr (error->message, "Dupr"));
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static void
test_dialog (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  g_autoptr(GtkPageSetup) setup = NULL;
  GtkWindow *dialog = NULL;
  GType dialog_type = 0;
  gboolean embed = FALSE;

  gtk_window_present (window);
  chart = chevet_store_read_chart (f->store, "p1", &error);
  g_assert_no_error (error);
  g_assert_true (chevet_chart_print (window, chart, FOOTER, CHEVET_CHART_PRINT_NONE, NULL, &error));
  g_assert_no_error (error);
  /* The dialog lives on without the chart. */
  g_clear_pointer (&chart, chevet_chart_free);

  /* GtkPrintUnixDialog, by name and properties: its header needs gtk4-unix-print. */
  WAIT_UNTIL ((dialog_type = g_type_from_name ("GtkPrintUnixDialog")) != 0 &&
              (dialog = find_toplevel (dialog_type)) != NULL);
  g_assert_true (gtk_window_get_transient_for (dialog) == window);
  g_object_get (dialog, "embed-page-setup", &embed, "page-setup", &setup, NULL);
  g_assert_true (embed);
  g_assert_cmpstr (gtk_paper_size_get_name (gtk_page_setup_get_paper_size (setup)), ==, GTK_PAPER_NAME_A4);
  g_assert_cmpint (gtk_page_setup_get_orientation (setup), ==, GTK_PAGE_ORIENTATION_PORTRAIT);
  g_assert_cmpfloat (gtk_page_setup_get_left_margin (setup, GTK_UNIT_MM), >=, 10);

  /* Cancelling is not an error: no message follows. */
  gtk_window_close (dialog);
  WAIT_UNTIL (find_toplevel (dialog_type) == NULL);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  /* Not G_TEST_OPTION_ISOLATE_DIRS: see test-window.c. Each test has its own folder. */
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);

  g_test_add ("/print/export/summary-has-every-section-in-order", Fixture, NULL,
              fixture_setup, test_summary, fixture_teardown);
  g_test_add ("/print/export/allergies-not-recorded-says-so", Fixture, NULL,
              fixture_setup, test_allergies_not_recorded, fixture_teardown);
  g_test_add ("/print/export/no-known-allergies-says-so", Fixture, NULL,
              fixture_setup, test_no_known_allergies, fixture_teardown);
  g_test_add ("/print/export/deceased-is-flagged", Fixture, NULL,
              fixture_setup, test_deceased, fixture_teardown);
  g_test_add ("/print/export/infant-age-in-months", Fixture, NULL,
              fixture_setup, test_infant_age_in_months, fixture_teardown);
  g_test_add ("/print/export/long-chart-spans-numbered-pages", Fixture, NULL,
              fixture_setup, test_long_chart_spans_pages, fixture_teardown);
  g_test_add ("/print/export/tall-row-breaks-between-lines", Fixture, NULL,
              fixture_setup, test_tall_row_breaks_between_lines, fixture_teardown);
  g_test_add ("/print/export/no-patient-data-in-metadata", Fixture, NULL,
              fixture_setup, test_no_patient_data_in_metadata, fixture_teardown);
  g_test_add ("/print/export/unwritable-path-fails", Fixture, NULL,
              fixture_setup, test_unwritable_path_fails, fixture_teardown);
  g_test_add ("/print/dialog/a4-page-setup-and-cancel-is-no-error", Fixture, NULL,
              fixture_setup, test_dialog, fixture_teardown);

  return g_test_run ();
}
