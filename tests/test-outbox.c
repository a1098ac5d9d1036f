/* test-outbox.c: notes and vital signs written offline, in the chart at once, sent later
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-fhir.h"
#include "chevet-import.h"
#include "chevet-outbox.h"
#include "chevet-server-settings.h"
#include "chevet-store-private.h"
#include "chevet-test-util.h"

/* Words that occur nowhere but in the note we write. */
#define NOTE_TEXT "Patient seen for cough. Quokka-Zanzibar marker: lungs clear, “é” ok.\nPlan: fluids."
#define NOTE_MARKER "Quokka-Zanzibar"

static const char chart_ndjson[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Okafor\",\"given\":[\"Ada\"]}],"
  "\"gender\":\"female\",\"birthDate\":\"1984-03-12\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"Berg\",\"given\":[\"Lars\"]}],"
  "\"gender\":\"male\",\"birthDate\":\"1950-01-01\"}\n"
  "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
  "\"subject\":{\"reference\":\"Patient/p1\"},\"period\":{\"start\":\"2024-05-01T09:00:00Z\"}}\n"
  "{\"resourceType\":\"Encounter\",\"id\":\"e2\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
  "\"subject\":{\"reference\":\"Patient/p2\"},\"period\":{\"start\":\"2024-05-01T09:00:00Z\"}}\n";

static ChevetStore *
chart_store_new (char **path)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = test_store_new (path);

  g_assert_true (chevet_store_import_data (store, chart_ndjson, -1, "chart.ndjson", NULL, &error));
  g_assert_no_error (error);
  return store;
}

static ChevetStore *
reopen (const char *path)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);

  g_assert_no_error (error);
  return store;
}

static guint
outbox_length (ChevetStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) list = chevet_outbox_list (store, &error);

  g_assert_no_error (error);
  return g_list_model_get_n_items (list);
}

static ChevetChart *
read_chart (ChevetStore *store,
            const char  *patient)
{
  g_autoptr(GError) error = NULL;
  ChevetChart *chart = chevet_store_read_chart (store, patient, &error);

  g_assert_no_error (error);
  g_assert_nonnull (chart);
  return chart;
}

static ChevetChartItem *
find_item (GPtrArray  *items,
           const char *code)
{
  for (guint i = 0; i < items->len; i++)
    if (g_strcmp0 (((ChevetChartItem *) items->pdata[i])->code, code) == 0)
      return items->pdata[i];
  return NULL;
}

static ChevetVitals *
vitals_new (ChevetVital first,
            ...)
{
  ChevetVitals *v = chevet_vitals_new ();
  va_list ap;
  int kind;

  va_start (ap, first);
  for (kind = first; kind >= 0; kind = va_arg (ap, int))
    chevet_vitals_set (v, kind, va_arg (ap, double));
  va_end (ap);
  return v;
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *json)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* ------------------------------------------------------------------ notes */

static void
test_note_in_chart_and_survives_reopen (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) item = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GListModel) list = NULL;
  g_autoptr(ChevetOutboxItem) first = NULL;
  g_autoptr(GError) error = NULL;
  ChevetChartItem *doc;

  item = chevet_outbox_add_note (store, "p1", "e1", NOTE_TEXT, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  g_assert_cmpint (chevet_outbox_item_get_state (item), ==, CHEVET_OUTBOX_STATE_WAITING);
  g_assert_cmpint (chevet_outbox_item_get_kind (item), ==, CHEVET_OUTBOX_KIND_NOTE);
  g_assert_cmpstr (chevet_outbox_item_get_resource_type (item), ==, "DocumentReference");
  g_assert_true (g_uuid_string_is_valid (chevet_outbox_item_get_uuid (item)));
  g_assert_cmpuint (chevet_outbox_item_get_attempts (item), ==, 0);
  g_assert_true (chevet_outbox_is_pending (store, "DocumentReference", chevet_outbox_item_get_local_id (item)));
  g_assert_cmpint (chevet_outbox_count_waiting (store, NULL), ==, 1);
  g_assert_finalize_object (store);

  store = reopen (path);
  list = chevet_outbox_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  first = g_list_model_get_item (list, 0);
  g_assert_cmpstr (chevet_outbox_item_get_uuid (first), ==, chevet_outbox_item_get_uuid (item));
  g_assert_cmpstr (chevet_outbox_item_get_patient_id (first), ==, "p1");
  g_assert_cmpstr (chevet_outbox_item_get_encounter_id (first), ==, "e1");
  g_assert_cmpstr (chevet_outbox_item_get_author (first), ==, TEST_ACCOUNT);

  /* The chart shows the note at once, marked as waiting to be sent. */
  chart = read_chart (store, "p1");
  g_assert_cmpuint (chart->documents->len, ==, 1);
  doc = g_ptr_array_index (chart->documents, 0);
  g_assert_true (doc->pending);
  g_assert_cmpstr (doc->id, ==, chevet_outbox_item_get_local_id (item));
  g_assert_cmpstr (doc->code, ==, "11506-3");
  g_assert_cmpstr (doc->extra, ==, NOTE_TEXT);
  g_assert_cmpstr (doc->encounter, ==, "e1");
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

static void
test_note_refusals_save_nothing (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(GError) error = NULL;
  struct {
    const char *patient, *encounter, *text;
  } cases[] = {
    { "p1", NULL, "" },
    { "p1", NULL, "  \n\t " },
    { "p1", NULL, NULL },
    { "nobody", NULL, NOTE_TEXT },
    { "p1", "e2", NOTE_TEXT },       /* another patient's encounter */
    { "p1", "no-such", NOTE_TEXT },
    { "bad id!", NULL, NOTE_TEXT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ChevetOutboxItem *item = chevet_outbox_add_note (store, cases[i].patient, cases[i].encounter,
                                                       cases[i].text, TEST_ACCOUNT, &error);

      g_assert_null (item);
      g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_null (strstr (error->message, NOTE_MARKER));
      g_clear_error (&error);
    }
  g_assert_null (chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, "", &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID);
  g_assert_cmpuint (outbox_length (store), ==, 0);
  g_assert_cmpuint (test_count (store, "DocumentReference"), ==, 0);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_note_fhir_shape (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) item = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *urn = NULL;
  g_autofree char *none_exist = NULL;
  g_autofree guchar *decoded = NULL;
  JsonObject *r, *coding, *identifier, *attachment;
  gsize len;

  item = chevet_outbox_add_note (store, "p1", "e1", NOTE_TEXT, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  r = parse_object (parser, chevet_outbox_item_get_body (item));
  g_assert_cmpstr (json_object_get_string_member (r, "resourceType"), ==, "DocumentReference");
  g_assert_false (json_object_has_member (r, "id"));  /* the server gives it */
  g_assert_cmpstr (json_object_get_string_member (r, "status"), ==, "current");
  g_assert_cmpstr (json_object_get_string_member (r, "docStatus"), ==, "final");
  coding = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (r, "type"), "coding"), 0);
  g_assert_cmpstr (json_object_get_string_member (coding, "system"), ==, "http://loinc.org");
  g_assert_cmpstr (json_object_get_string_member (coding, "code"), ==, "11506-3");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "category")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "subject"), "reference"), ==, "Patient/p1");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (json_object_get_object_member (r, "context"), "encounter"), 0),
                     "reference"), ==, "Encounter/e1");
  g_assert_true (chevet_fhir_is_valid_date (json_object_get_string_member (r, "date")));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (r, "author"), 0),
                                                  "display"), ==, TEST_ACCOUNT);
  identifier = json_array_get_object_element (json_object_get_array_member (r, "identifier"), 0);
  urn = g_strconcat ("urn:uuid:", chevet_outbox_item_get_uuid (item), NULL);
  g_assert_cmpstr (json_object_get_string_member (identifier, "system"), ==, "urn:ietf:rfc:3986");
  g_assert_cmpstr (json_object_get_string_member (identifier, "value"), ==, urn);
  attachment = json_object_get_object_member (json_array_get_object_element (json_object_get_array_member (r, "content"), 0),
                                              "attachment");
  g_assert_cmpstr (json_object_get_string_member (attachment, "contentType"), ==, "text/plain;charset=utf-8");
  decoded = g_base64_decode (json_object_get_string_member (attachment, "data"), &len);
  g_assert_cmpmem (decoded, len, NOTE_TEXT, strlen (NOTE_TEXT));
  none_exist = chevet_outbox_item_dup_if_none_exist (item);
  g_assert_cmpstr (none_exist, ==, g_strconcat ("identifier=urn:ietf:rfc:3986|", urn, NULL));
  g_clear_object (&store);
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ vitals */

static void
test_vitals_impossible_refused (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  struct {
    ChevetVitals *v;
    const char   *words[4];
  } cases[] = {
    { vitals_new (CHEVET_VITAL_TEMPERATURE, 385.0, -1), { "Temperature", "385", "°C", "25 to 45" } },
    { vitals_new (CHEVET_VITAL_WEIGHT, 7000.0, -1), { "Weight", "7000", "kg", "650" } },
    { vitals_new (CHEVET_VITAL_HEIGHT, 1.75, -1), { "Height", "1.75", "cm", "20" } },
    { vitals_new (CHEVET_VITAL_SPO2, 101.0, -1), { "Oxygen saturation", "101", "%", "100" } },
    { vitals_new (CHEVET_VITAL_HEART_RATE, 0.0, -1), { "Heart rate", "0", "/min", "15" } },
    { vitals_new (CHEVET_VITAL_SYSTOLIC, 80.0, CHEVET_VITAL_DIASTOLIC, 120.0, -1),
      { "diastolic", "120", "80", "mmHg" } },
    { vitals_new (CHEVET_VITAL_TEMPERATURE, 37.0, CHEVET_VITAL_RESP_RATE, 500.0, -1),
      { "Respiratory rate", "500", "/min", "100" } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChevetVitals) v = cases[i].v;
      GPtrArray *items;

      g_assert_false (chevet_vitals_check (v, NULL, &error));
      g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE);
      g_clear_error (&error);
      items = chevet_outbox_add_vitals (store, "p1", NULL, v, CHEVET_VITALS_CONFIRM_ALL, TEST_ACCOUNT, &error);
      g_assert_null (items);
      g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE);
      g_test_message ("%s", error->message);
      for (guint w = 0; w < G_N_ELEMENTS (cases[i].words); w++)
        g_assert_nonnull (strstr (error->message, cases[i].words[w]));
      g_clear_error (&error);
    }

  /* Half a blood pressure, or nothing at all. */
  {
    g_autoptr(ChevetVitals) half = vitals_new (CHEVET_VITAL_SYSTOLIC, 120.0, -1);
    g_autoptr(ChevetVitals) none = chevet_vitals_new ();

    g_assert_false (chevet_vitals_check (half, NULL, &error));
    g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (chevet_vitals_check (none, NULL, &error));
    g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_INVALID);
    g_clear_error (&error);
  }

  g_assert_cmpuint (outbox_length (store), ==, 0);
  chart = read_chart (store, "p1");
  g_assert_cmpuint (chart->vitals->len, ==, 0);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_vitals_unusual_needs_confirmation (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetVitals) v = vitals_new (CHEVET_VITAL_TEMPERATURE, 34.0, CHEVET_VITAL_HEART_RATE, 25.0,
                                          CHEVET_VITAL_WEIGHT, 70.0, -1);
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  ChevetVitalWarning *w;

  g_assert_true (chevet_vitals_check (v, &warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (warnings->len, ==, 2);
  w = g_ptr_array_index (warnings, 0);
  g_assert_cmpint (w->kind, ==, CHEVET_VITAL_HEART_RATE);
  g_assert_nonnull (strstr (w->message, "25"));
  w = g_ptr_array_index (warnings, 1);
  g_assert_cmpint (w->kind, ==, CHEVET_VITAL_TEMPERATURE);
  g_assert_nonnull (strstr (w->message, "Temperature"));
  g_assert_nonnull (strstr (w->message, "34 °C"));

  /* Not confirmed, or only one of the two: refused, nothing saved. */
  g_assert_null (chevet_outbox_add_vitals (store, "p1", NULL, v, 0, TEST_ACCOUNT, &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_UNCONFIRMED);
  g_assert_nonnull (strstr (error->message, "Temperature"));
  g_clear_error (&error);
  g_assert_null (chevet_outbox_add_vitals (store, "p1", NULL, v, CHEVET_VITAL_FLAG (CHEVET_VITAL_TEMPERATURE),
                                           TEST_ACCOUNT, &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_UNCONFIRMED);
  g_assert_null (strstr (error->message, "Temperature"));
  g_assert_nonnull (strstr (error->message, "Heart rate"));
  g_clear_error (&error);
  g_assert_cmpuint (outbox_length (store), ==, 0);

  items = chevet_outbox_add_vitals (store, "p1", NULL, v,
                                    CHEVET_VITAL_FLAG (CHEVET_VITAL_TEMPERATURE) |
                                    CHEVET_VITAL_FLAG (CHEVET_VITAL_HEART_RATE),
                                    TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 3);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_vitals_in_chart_and_order (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = chart_store_new (&path);
  g_autoptr(ChevetVitals) v = vitals_new (CHEVET_VITAL_SYSTOLIC, 128.0, CHEVET_VITAL_DIASTOLIC, 82.0,
                                          CHEVET_VITAL_TEMPERATURE, 38.5, CHEVET_VITAL_SPO2, 97.0, -1);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(ChevetOutboxItem) note1 = NULL;
  g_autoptr(ChevetOutboxItem) note2 = NULL;
  g_autoptr(ChevetOutboxItem) next = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GListModel) list = NULL;
  g_autoptr(GError) error = NULL;
  ChevetChartItem *bp, *temp;
  gint64 last = 0;
  const char *expected_kinds[] = { "note", "vitals", "vitals", "vitals", "note" };

  note1 = chevet_outbox_add_note (store, "p1", NULL, "first", TEST_ACCOUNT, &error);
  items = chevet_outbox_add_vitals (store, "p1", "e1", v, 0, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 3);  /* blood pressure is one panel */
  note2 = chevet_outbox_add_note (store, "p1", NULL, "second", TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  /* One entry of vitals, one group. */
  g_assert_cmpstr (chevet_outbox_item_get_group_uuid (items->pdata[0]), ==,
                   chevet_outbox_item_get_group_uuid (items->pdata[2]));
  g_assert_cmpstr (chevet_outbox_item_get_uuid (items->pdata[0]), !=,
                   chevet_outbox_item_get_uuid (items->pdata[1]));
  g_assert_finalize_object (store);

  store = reopen (path);
  list = chevet_outbox_list (store, &error);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(ChevetOutboxItem) it = g_list_model_get_item (list, i);

      g_assert_cmpint (chevet_outbox_item_get_seq (it), >, last);
      last = chevet_outbox_item_get_seq (it);
      g_assert_cmpstr (chevet_outbox_kind_to_string (chevet_outbox_item_get_kind (it)), ==, expected_kinds[i]);
    }
  next = chevet_outbox_next_waiting (store, &error);
  g_assert_cmpstr (chevet_outbox_item_get_uuid (next), ==, chevet_outbox_item_get_uuid (note1));
  g_assert_cmpint (chevet_outbox_count_waiting (store, NULL), ==, 5);

  chart = read_chart (store, "p1");
  g_assert_cmpuint (chart->vitals->len, ==, 3);
  bp = find_item (chart->vitals, "85354-9");
  g_assert_nonnull (bp);
  g_assert_true (bp->pending);
  g_assert_cmpuint (bp->components->len, ==, 2);
  g_assert_cmpstr (bp->encounter, ==, "e1");
  {
    g_autofree char *value = chevet_chart_item_format_value (bp);
    g_assert_cmpstr (value, ==, "128/82");
  }
  temp = find_item (chart->vitals, "8310-5");
  g_assert_true (temp->pending);
  g_assert_cmpfloat (temp->number, ==, 38.5);
  g_assert_cmpuint (chart->documents->len, ==, 2);
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

static const char *
quantity_code (JsonObject *r)
{
  return json_object_get_string_member (json_object_get_object_member (r, "valueQuantity"), "code");
}

static void
test_vitals_fhir_shape (void)
{
  static const struct { const char *loinc, *ucum, *profile; } expected[] = {
    { "85354-9", "mm[Hg]", "http://hl7.org/fhir/StructureDefinition/bp" },
    { "8867-4", "/min", "http://hl7.org/fhir/StructureDefinition/heartrate" },
    { "9279-1", "/min", "http://hl7.org/fhir/StructureDefinition/resprate" },
    { "8310-5", "Cel", "http://hl7.org/fhir/StructureDefinition/bodytemp" },
    { "59408-5", "%", "http://hl7.org/fhir/StructureDefinition/oxygensat" },
    { "29463-7", "kg", "http://hl7.org/fhir/StructureDefinition/bodyweight" },
    { "8302-2", "cm", "http://hl7.org/fhir/StructureDefinition/bodyheight" },
  };
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetVitals) v = vitals_new (CHEVET_VITAL_SYSTOLIC, 120.0, CHEVET_VITAL_DIASTOLIC, 80.0,
                                          CHEVET_VITAL_HEART_RATE, 72.0, CHEVET_VITAL_RESP_RATE, 16.0,
                                          CHEVET_VITAL_TEMPERATURE, 36.6, CHEVET_VITAL_SPO2, 98.0,
                                          CHEVET_VITAL_WEIGHT, 72.35, CHEVET_VITAL_HEIGHT, 171.5, -1);
  g_autoptr(GDateTime) when = g_date_time_new_local (2024, 5, 1, 9, 30, 0);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  chevet_vitals_set_effective (v, when);
  items = chevet_outbox_add_vitals (store, "p1", "e1", v, 0, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < items->len; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *body = chevet_outbox_item_get_body (items->pdata[i]);
      JsonObject *r = parse_object (parser, body);
      JsonObject *code = json_object_get_object_member (r, "code");
      JsonObject *coding = json_array_get_object_element (json_object_get_array_member (code, "coding"), 0);
      JsonObject *category = json_array_get_object_element (json_object_get_array_member (r, "category"), 0);
      JsonObject *cat_coding = json_array_get_object_element (json_object_get_array_member (category, "coding"), 0);
      JsonObject *identifier = json_array_get_object_element (json_object_get_array_member (r, "identifier"), 0);
      JsonArray *profiles = json_object_get_array_member (json_object_get_object_member (r, "meta"), "profile");
      g_autofree char *urn = g_strconcat ("urn:uuid:", chevet_outbox_item_get_uuid (items->pdata[i]), NULL);

      g_test_message ("%s", body);
      g_assert_cmpstr (json_object_get_string_member (r, "resourceType"), ==, "Observation");
      g_assert_cmpstr (json_object_get_string_member (r, "status"), ==, "final");
      g_assert_cmpstr (json_object_get_string_member (cat_coding, "system"), ==,
                       "http://terminology.hl7.org/CodeSystem/observation-category");
      g_assert_cmpstr (json_object_get_string_member (cat_coding, "code"), ==, "vital-signs");
      g_assert_cmpstr (json_object_get_string_member (coding, "system"), ==, "http://loinc.org");
      g_assert_cmpstr (json_object_get_string_member (coding, "code"), ==, expected[i].loinc);
      g_assert_cmpstr (json_object_get_string_member (identifier, "system"), ==, "urn:ietf:rfc:3986");
      g_assert_cmpstr (json_object_get_string_member (identifier, "value"), ==, urn);
      g_assert_cmpstr (json_array_get_string_element (profiles, 0), ==,
                       "http://hl7.org/fhir/StructureDefinition/vitalsigns");
      g_assert_cmpstr (json_array_get_string_element (profiles, 1), ==, expected[i].profile);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "subject"), "reference"), ==,
                       "Patient/p1");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "encounter"), "reference"), ==,
                       "Encounter/e1");
      g_assert_true (chevet_fhir_is_valid_date (json_object_get_string_member (r, "effectiveDateTime")));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (r, "effectiveDateTime"), "2024-05-01T09:30:00"));
      if (i == 0)
        {
          JsonArray *components = json_object_get_array_member (r, "component");
          JsonObject *sys = json_array_get_object_element (components, 0);
          JsonObject *dia = json_array_get_object_element (components, 1);

          g_assert_false (json_object_has_member (r, "valueQuantity"));
          g_assert_cmpuint (json_array_get_length (components), ==, 2);
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                             json_object_get_array_member (json_object_get_object_member (sys, "code"), "coding"), 0),
                             "code"), ==, "8480-6");
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                             json_object_get_array_member (json_object_get_object_member (dia, "code"), "coding"), 0),
                             "code"), ==, "8462-4");
          g_assert_cmpstr (quantity_code (sys), ==, "mm[Hg]");
          g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (sys, "valueQuantity"), "system"), ==,
                           "http://unitsofmeasure.org");
          g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (dia, "valueQuantity"), "value"), ==, 80);
        }
      else
        {
          g_assert_cmpstr (quantity_code (r), ==, expected[i].ucum);
          g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "valueQuantity"), "system"), ==,
                           "http://unitsofmeasure.org");
        }
      if (g_str_equal (expected[i].loinc, "59408-5"))
        g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                           json_object_get_array_member (code, "coding"), 1), "code"), ==, "2708-6");
    }
  /* Decimals as measured, never reprinted as 36.600000000000001. */
  g_assert_nonnull (strstr (chevet_outbox_item_get_body (items->pdata[3]), "\"value\":36.6,"));
  g_assert_nonnull (strstr (chevet_outbox_item_get_body (items->pdata[5]), "\"value\":72.35,"));
  g_assert_nonnull (strstr (chevet_outbox_item_get_body (items->pdata[1]), "\"value\":72,"));
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_vitals_numbers_locale_independent (void)
{
  static const char * const locales[] = { "fr_FR.UTF-8", "fr_FR.utf8", "de_DE.UTF-8", "de_DE.utf8" };
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetVitals) v = vitals_new (CHEVET_VITAL_TEMPERATURE, 38.5, CHEVET_VITAL_WEIGHT, 72.35, -1);
  g_autoptr(ChevetVitals) hot = vitals_new (CHEVET_VITAL_TEMPERATURE, 385.5, -1);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *printed = NULL;
  const char *set = NULL;

  for (guint i = 0; set == NULL && i < G_N_ELEMENTS (locales); i++)
    set = setlocale (LC_NUMERIC, locales[i]);
  if (set == NULL)
    {
      g_test_skip ("no locale with a decimal comma (fr_FR.UTF-8, de_DE.UTF-8) is installed");
      return;
    }
  printed = g_strdup_printf ("%.1f", 38.5);
  g_assert_cmpstr (printed, ==, "38,5");

  store = chart_store_new (&path);
  items = chevet_outbox_add_vitals (store, "p1", NULL, v, 0, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (chevet_outbox_item_get_body (items->pdata[0]), "\"value\":38.5,"));
  g_assert_nonnull (strstr (chevet_outbox_item_get_body (items->pdata[1]), "\"value\":72.35,"));
  parse_object (parser, chevet_outbox_item_get_body (items->pdata[0]));
  /* Messages for people follow the locale. */
  g_assert_false (chevet_vitals_check (hot, NULL, &error));
  g_assert_nonnull (strstr (error->message, "385,5"));
  setlocale (LC_NUMERIC, "C");
  g_clear_object (&store);
  test_rm_rf (path);
}

/* ------------------------------------------------------------------ sync */

static ChevetOutboxItem *
next_sending (ChevetStore *store)
{
  g_autoptr(GError) error = NULL;
  ChevetOutboxItem *item = chevet_outbox_next_waiting (store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (item);
  g_assert_true (chevet_outbox_mark_sending (store, item, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_item_get_state (item), ==, CHEVET_OUTBOX_STATE_SENDING);
  return item;
}

static char *
server_copy (ChevetOutboxItem *item,
             const char       *id,
             const char       *version,
             const char       *extra)
{
  /* What a server answers: the body with its id, meta and, maybe, something it added. */
  const char *body = chevet_outbox_item_get_body (item);
  const char *type = chevet_outbox_item_get_resource_type (item);
  g_autofree char *prefix = g_strdup_printf ("{\"resourceType\":\"%s\"", type);

  g_assert_true (g_str_has_prefix (body, prefix));
  return g_strdup_printf ("{\"resourceType\":\"%s\",\"id\":\"%s\",\"meta\":{\"versionId\":\"%s\","
                          "\"lastUpdated\":\"2024-06-01T10:00:00Z\"}%s%s", type, id, version,
                          extra != NULL ? extra : "", body + strlen (prefix));
}

static void
test_mark_sent_replaces_local_copy (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetVitals) v = vitals_new (CHEVET_VITAL_HEART_RATE, 64.0, -1);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(ChevetOutboxItem) sending = NULL;
  g_autoptr(ChevetOutboxItem) obs = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *local_id = NULL;
  g_autofree char *json = NULL;
  g_autofree char *stored = NULL;
  ChevetChartItem *doc;

  note = chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, TEST_ACCOUNT, &error);
  items = chevet_outbox_add_vitals (store, "p1", NULL, v, 0, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  local_id = g_strdup (chevet_outbox_item_get_local_id (note));

  /* Not yet sending: mark_sent is refused. */
  g_assert_false (chevet_outbox_mark_sent (store, note, "srv-1", "1", NULL, &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_WRONG_STATE);
  g_clear_error (&error);

  sending = next_sending (store);
  g_assert_cmpstr (chevet_outbox_item_get_uuid (sending), ==, chevet_outbox_item_get_uuid (note));
  g_assert_cmpuint (chevet_outbox_item_get_attempts (sending), ==, 1);
  g_assert_cmpint (chevet_outbox_count_waiting (store, NULL), ==, 2);

  /* A server answer about something else is refused and changes nothing. */
  json = server_copy (sending, "srv-1", "1", ",\"description\":\"from server\"");
  g_assert_false (chevet_outbox_mark_sent (store, sending, "srv-2", "1", json, &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_BAD_SERVER_RESOURCE);
  g_clear_error (&error);
  g_assert_true (chevet_outbox_is_pending (store, "DocumentReference", local_id));

  g_assert_true (chevet_outbox_mark_sent (store, sending, "srv-1", NULL, json, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_item_get_state (sending), ==, CHEVET_OUTBOX_STATE_SENT);
  g_assert_cmpstr (chevet_outbox_item_get_server_id (sending), ==, "srv-1");
  g_assert_cmpstr (chevet_outbox_item_get_server_version (sending), ==, "1");
  g_assert_false (chevet_outbox_is_pending (store, "DocumentReference", local_id));
  g_assert_null (chevet_store_dup_resource_json (store, "DocumentReference", local_id, NULL));
  stored = chevet_store_dup_resource_json (store, "DocumentReference", "srv-1", NULL);
  g_assert_cmpstr (stored, ==, json);

  /* The observation, answered without a body: the sent resource under the server's id. */
  obs = next_sending (store);
  g_assert_true (chevet_outbox_mark_sent (store, obs, "obs-77", "3", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&stored, g_free);
  stored = chevet_store_dup_resource_json (store, "Observation", "obs-77", NULL);
  g_assert_nonnull (strstr (stored, "\"id\":\"obs-77\",\"meta\":{\"versionId\":\"3\",\"profile\":"));
  g_assert_cmpint (chevet_outbox_count_waiting (store, NULL), ==, 0);
  g_assert_null (chevet_outbox_next_waiting (store, &error));
  g_assert_no_error (error);

  chart = read_chart (store, "p1");
  g_assert_cmpuint (chart->documents->len, ==, 1);
  doc = g_ptr_array_index (chart->documents, 0);
  g_assert_cmpstr (doc->id, ==, "srv-1");
  g_assert_false (doc->pending);
  g_assert_cmpstr (doc->value, ==, "from server");
  g_assert_cmpuint (chart->vitals->len, ==, 1);
  g_assert_cmpstr (((ChevetChartItem *) chart->vitals->pdata[0])->id, ==, "obs-77");
  g_assert_false (((ChevetChartItem *) chart->vitals->pdata[0])->pending);
  g_assert_cmpuint (test_count (store, "DocumentReference"), ==, 1);
  g_assert_cmpuint (test_count (store, "Observation"), ==, 1);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_conflict_keeps_both (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(ChevetOutboxItem) sending = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *theirs2 = NULL;
  g_autofree char *request = NULL;
  ChevetChartItem *doc;

  note = chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, TEST_ACCOUNT, &error);
  sending = next_sending (store);
  theirs = server_copy (sending, "srv-9", "3", ",\"description\":\"edited on the server\"");
  g_assert_false (chevet_outbox_mark_conflict (store, sending, "{\"resourceType\":\"Patient\",\"id\":\"x\"}", &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_BAD_SERVER_RESOURCE);
  g_clear_error (&error);
  g_assert_true (chevet_outbox_mark_conflict (store, sending, theirs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_item_get_state (sending), ==, CHEVET_OUTBOX_STATE_CONFLICT);
  g_assert_cmpstr (chevet_outbox_item_get_server_json (sending), ==, theirs);
  g_assert_cmpstr (chevet_outbox_item_get_server_version (sending), ==, "3");
  g_assert_null (chevet_outbox_next_waiting (store, &error));
  g_assert_cmpint (chevet_outbox_count (store, CHEVET_OUTBOX_STATE_CONFLICT, NULL), ==, 1);

  /* Both kept: mine in the chart, still pending; theirs in the item. */
  chart = read_chart (store, "p1");
  g_assert_cmpuint (chart->documents->len, ==, 1);
  doc = g_ptr_array_index (chart->documents, 0);
  g_assert_true (doc->pending);
  g_assert_cmpstr (doc->extra, ==, NOTE_TEXT);
  g_clear_pointer (&chart, chevet_chart_free);

  /* Only a decision resolves it. Keep mine: sent again as an update of their version. */
  g_assert_false (chevet_outbox_mark_sent (store, sending, "srv-9", "4", NULL, &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_WRONG_STATE);
  g_clear_error (&error);
  g_assert_true (chevet_outbox_resolve_conflict (store, sending, CHEVET_OUTBOX_KEEP_MINE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_item_get_state (sending), ==, CHEVET_OUTBOX_STATE_WAITING);
  g_assert_true (chevet_outbox_item_is_update (sending));
  g_assert_cmpstr (chevet_outbox_item_get_base_version (sending), ==, "3");
  request = chevet_outbox_item_dup_request_body (sending);
  g_assert_true (g_str_has_prefix (request, "{\"resourceType\":\"DocumentReference\",\"id\":\"srv-9\","));
  g_clear_object (&sending);

  /* Another conflict; this time take theirs. */
  sending = next_sending (store);
  g_assert_cmpuint (chevet_outbox_item_get_attempts (sending), ==, 1);
  theirs2 = server_copy (sending, "srv-9", "5", ",\"description\":\"edited again\"");
  g_assert_true (chevet_outbox_mark_conflict (store, sending, theirs2, &error));
  g_assert_true (chevet_outbox_resolve_conflict (store, sending, CHEVET_OUTBOX_TAKE_SERVER, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chevet_outbox_item_get_state (sending), ==, CHEVET_OUTBOX_STATE_SENT);
  chart = read_chart (store, "p1");
  g_assert_cmpuint (chart->documents->len, ==, 1);
  doc = g_ptr_array_index (chart->documents, 0);
  g_assert_false (doc->pending);
  g_assert_cmpstr (doc->id, ==, "srv-9");
  g_assert_cmpstr (doc->value, ==, "edited again");
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_failures_and_retry (void)
{
  g_autofree char *path = NULL;
  g_autoptr(ChevetStore) store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(ChevetOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;

  note = chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, TEST_ACCOUNT, &error);
  for (guint i = 1; i < CHEVET_OUTBOX_MAX_ATTEMPTS; i++)
    {
      g_autoptr(ChevetOutboxItem) attempt = next_sending (store);

      g_assert_true (chevet_outbox_mark_failed (store, attempt, "HTTP 503", FALSE, &error));
      g_assert_no_error (error);
      g_assert_cmpint (chevet_outbox_item_get_state (attempt), ==, CHEVET_OUTBOX_STATE_WAITING);
      g_assert_cmpuint (chevet_outbox_item_get_attempts (attempt), ==, i);
      g_assert_cmpstr (chevet_outbox_item_get_last_error (attempt), ==, "HTTP 503");
    }
  /* The last attempt allowed fails too: a person must look. */
  item = next_sending (store);
  g_assert_true (chevet_outbox_mark_failed (store, item, "HTTP 503", FALSE, &error));
  g_assert_cmpint (chevet_outbox_item_get_state (item), ==, CHEVET_OUTBOX_STATE_FAILED);
  g_assert_null (chevet_outbox_next_waiting (store, NULL));
  g_assert_true (chevet_outbox_is_pending (store, "DocumentReference", chevet_outbox_item_get_local_id (item)));
  g_assert_true (chevet_outbox_retry (store, item, &error));
  g_assert_cmpint (chevet_outbox_item_get_state (item), ==, CHEVET_OUTBOX_STATE_WAITING);
  g_assert_cmpuint (chevet_outbox_item_get_attempts (item), ==, 0);
  g_clear_object (&item);

  /* A permanent failure stops at once; a crash while sending is undone at start. */
  item = next_sending (store);
  g_assert_true (chevet_outbox_mark_failed (store, item, "HTTP 422 (invalid)", TRUE, &error));
  g_assert_cmpint (chevet_outbox_item_get_state (item), ==, CHEVET_OUTBOX_STATE_FAILED);
  g_assert_true (chevet_outbox_retry (store, item, &error));
  g_clear_object (&item);
  item = next_sending (store);
  g_assert_cmpint (chevet_outbox_reset_sending (store, &error), ==, 1);
  g_clear_object (&item);
  item = chevet_outbox_next_waiting (store, &error);
  g_assert_nonnull (item);
  g_assert_false (chevet_outbox_retry (store, item, &error));
  g_assert_error (error, CHEVET_OUTBOX_ERROR, CHEVET_OUTBOX_ERROR_WRONG_STATE);
  g_clear_object (&store);
  test_rm_rf (path);
}

static void
test_migration_from_v2 (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(ChevetServerSettings) settings = chevet_server_settings_new ();
  g_autoptr(ChevetServerSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  sqlite3_stmt *stmt = NULL;

  /* What version 2 of the schema had: no outbox. Its data stay. */
  g_assert_true (chevet_store_exec (store, "DROP TABLE outbox; PRAGMA user_version = 2", &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_set_meta (store, "last-sync", "2024-06-01T10:00:00Z", &error));
  g_assert_finalize_object (store);

  store = reopen (path);
  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store), "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, CHEVET_STORE_SCHEMA_VERSION);
  g_assert_cmpint (CHEVET_STORE_SCHEMA_VERSION, >=, 4);
  sqlite3_finalize (stmt);
  text = chevet_store_dup_meta (store, "last-sync", &error);
  g_assert_cmpstr (text, ==, "2024-06-01T10:00:00Z");
  g_assert_cmpuint (test_count (store, "Patient"), ==, 2);

  note = chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  chevet_server_settings_set_base_url (settings, "https://fhir.clinic.example/r4");
  g_assert_true (chevet_server_settings_save (settings, store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  store = reopen (path);
  g_assert_cmpuint (outbox_length (store), ==, 1);
  loaded = chevet_server_settings_load (store, &error);
  g_assert_cmpstr (chevet_server_settings_get_base_url (loaded), ==, "https://fhir.clinic.example/r4");
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

static gboolean
table_exists (ChevetStore *store,
              const char  *name)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store),
                                       "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

static void
test_migration_from_v3 (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_true (table_exists (store, "sync_new_patients"));
  g_assert_true (table_exists (store, "sync_seen"));
  note = chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, TEST_ACCOUNT, &error);
  g_assert_no_error (error);

  /* Version 3 without the sync tables: they come with version 4, and the outbox stays */
  g_assert_true (chevet_store_exec (store, "DROP TABLE sync_new_patients; DROP TABLE sync_seen;"
                                    "PRAGMA user_version = 3", &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  store = reopen (path);
  g_assert_true (table_exists (store, "sync_new_patients"));
  g_assert_true (table_exists (store, "sync_seen"));
  g_assert_cmpuint (outbox_length (store), ==, 1);

  /* Version 3 where the first sync engine had made sync_new_patients itself (with a row) */
  g_assert_true (chevet_store_exec (store, "DROP TABLE sync_seen; INSERT INTO sync_new_patients VALUES ('p1');"
                                    "PRAGMA user_version = 3", &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  store = reopen (path);
  g_assert_true (table_exists (store, "sync_seen"));
  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store), "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, CHEVET_STORE_SCHEMA_VERSION);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (chevet_store_get_db (store), "SELECT count(*) FROM sync_new_patients", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  sqlite3_finalize (stmt);
  g_assert_finalize_object (store);
  test_rm_rf (path);
}

static void
test_note_text_not_in_files (void)
{
  g_autofree char *path = NULL;
  ChevetStore *store = chart_store_new (&path);
  g_autoptr(ChevetOutboxItem) note = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  note = chevet_outbox_add_note (store, "p1", NULL, NOTE_TEXT, TEST_ACCOUNT, &error);
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  dir = g_dir_open (path, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
      g_assert_null (memmem (contents, len, NOTE_MARKER, strlen (NOTE_MARKER)));
    }
  test_rm_rf (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/outbox/note/in-chart-pending-and-survives-reopen", test_note_in_chart_and_survives_reopen);
  g_test_add_func ("/outbox/note/refusals-save-nothing", test_note_refusals_save_nothing);
  g_test_add_func ("/outbox/note/fhir-shape", test_note_fhir_shape);
  g_test_add_func ("/outbox/note/text-not-in-workspace-files", test_note_text_not_in_files);
  g_test_add_func ("/outbox/vitals/impossible-refused-naming-field", test_vitals_impossible_refused);
  g_test_add_func ("/outbox/vitals/unusual-needs-confirmation", test_vitals_unusual_needs_confirmation);
  g_test_add_func ("/outbox/vitals/in-chart-pending-in-order", test_vitals_in_chart_and_order);
  g_test_add_func ("/outbox/vitals/fhir-shape", test_vitals_fhir_shape);
  g_test_add_func ("/outbox/vitals/numbers-locale-independent", test_vitals_numbers_locale_independent);
  g_test_add_func ("/outbox/sync/mark-sent-replaces-local-copy", test_mark_sent_replaces_local_copy);
  g_test_add_func ("/outbox/sync/conflict-keeps-both-until-decided", test_conflict_keeps_both);
  g_test_add_func ("/outbox/sync/failures-retry-and-reset", test_failures_and_retry);
  g_test_add_func ("/outbox/migration-from-v2", test_migration_from_v2);
  g_test_add_func ("/outbox/migration-from-v3-sync-tables", test_migration_from_v3);
  return g_test_run ();
}
