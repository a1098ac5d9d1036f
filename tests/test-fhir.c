/* test-fhir.c: FHIR helpers: dates, ids, references, folding for search
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-log.h"

#include "chevet-fhir.h"

static void
test_dates (void)
{
  const char *good[] = { "2021", "2021-02", "2021-02-28", "2020-02-29", "2021-02-28T10:15:00Z",
                         "2021-02-28T10:15:00.123+02:00", "1900-01-01T00:00:00-05:00" };
  const char *bad[] = { "2021-02-30", "2021-13-01", "2019-02-29", "21-02-01", "2021-02-28T25:00:00Z",
                        "2021-02-28T10:15:00", "2021-02-28 10:15:00Z", "yesterday", "", "2021-00" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (chevet_fhir_is_valid_date (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (chevet_fhir_is_valid_date (bad[i]));
}

static void
test_types_and_ids (void)
{
  g_assert_true (chevet_fhir_is_resource_type ("Patient"));
  g_assert_true (chevet_fhir_is_resource_type ("VisionPrescription"));
  g_assert_true (chevet_fhir_is_resource_type ("Account"));
  g_assert_false (chevet_fhir_is_resource_type ("patient"));
  g_assert_false (chevet_fhir_is_resource_type ("Foo"));
  g_assert_true (chevet_fhir_is_valid_id ("a-1.B"));
  g_assert_false (chevet_fhir_is_valid_id (""));
  g_assert_false (chevet_fhir_is_valid_id ("a/b"));
  g_assert_false (chevet_fhir_is_valid_id ("0123456789012345678901234567890123456789012345678901234567890123456789"));
}

static void
test_references (void)
{
  struct { const char *ref, *type, *id; } cases[] = {
    { "Patient/123", "Patient", "123" },
    { "https://fhir.example/r4/Patient/abc-1", "Patient", "abc-1" },
    { "Observation/o1/_history/3", "Observation", "o1" },
    { "#contained", NULL, NULL },
    { "urn:uuid:5e6b", NULL, NULL },
    { "Nothing/1", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *type = NULL;
      g_autofree char *id = NULL;
      gboolean ok = chevet_fhir_parse_reference (cases[i].ref, &type, &id);

      g_assert_cmpint (ok, ==, cases[i].type != NULL);
      g_assert_cmpstr (type, ==, cases[i].type);
      g_assert_cmpstr (id, ==, cases[i].id);
    }
}

static void
test_ordering (void)
{
  g_assert_cmpint (chevet_fhir_compare_versions ("9", "10"), <, 0);
  g_assert_cmpint (chevet_fhir_compare_versions ("10", "10"), ==, 0);
  /* The same instant in two time zones is the same instant. */
  g_assert_cmpint (chevet_fhir_compare_instants ("2024-01-01T12:00:00+02:00", "2024-01-01T10:00:00Z"), ==, 0);
  g_assert_cmpint (chevet_fhir_compare_instants ("2024-01-01T12:00:00Z", "2024-01-01T12:00:01Z"), <, 0);
}

static void
test_fold (void)
{
  const char *pairs[][2] = {
    { "Hélène", "helene" }, { "ZOÉ", "zoe" }, { "Nguyễn", "nguyen" }, { "Müller", "muller" },
    { "François", "francois" }, { "Adélaïde", "adelaide" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *f = chevet_fhir_fold (pairs[i][0]);

      g_assert_cmpstr (f, ==, pairs[i][1]);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fhir/dates/calendar-checked", test_dates);
  g_test_add_func ("/fhir/types-and-ids", test_types_and_ids);
  g_test_add_func ("/fhir/references/parsed", test_references);
  g_test_add_func ("/fhir/versions-and-instants/ordered", test_ordering);
  g_test_add_func ("/fhir/fold/case-and-accents", test_fold);
  return g_test_run ();
}
