/* test-generator.c: the synthetic clinic is deterministic, valid and self-consistent
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-log.h"

#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "chevet-generator.h"

#define REF_DATE   "2024-03-15"
#define N_PATIENTS 150

static GBytes *
generate (guint64      seed,
          const char  *ref,
          guint        n,
          gboolean     patients_only,
          GHashTable **counts_out)
{
  g_autoptr(ChevetGenerator) gen = chevet_generator_new (seed, ref);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  chevet_generator_set_patients_only (gen, patients_only);
  g_assert_true (chevet_generator_write_ndjson (gen, n, out, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  if (counts_out != NULL)
    *counts_out = g_hash_table_ref (chevet_generator_get_counts (gen));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* Every line, parsed; @bytes ends with a newline. */
static GPtrArray *
parse_lines (GBytes *bytes)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  const char *p = data;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpuint (len, >, 0);
  g_assert_cmpint (data[len - 1], ==, '\n');
  while (p < data + len)
    {
      const char *nl = memchr (p, '\n', data + len - p);
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (nl);
      g_assert_true (json_parser_load_from_data (parser, p, nl - p, &error));
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_ptr_array_add (nodes, json_node_copy (json_parser_get_root (parser)));
      p = nl + 1;
    }
  return nodes;
}

static gboolean
is_valid_id (const char *id)
{
  gsize n = strlen (id);

  if (n < 1 || n > 64)
    return FALSE;
  for (const char *s = id; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '.')
      return FALSE;
  return TRUE;
}

static void
test_deterministic (void)
{
  g_autoptr(GBytes) a = generate (42, REF_DATE, 60, FALSE, NULL);
  g_autoptr(GBytes) b = generate (42, REF_DATE, 60, FALSE, NULL);
  g_autoptr(GBytes) c = generate (43, REF_DATE, 60, FALSE, NULL);
  g_autoptr(GBytes) d = generate (42, "2024-03-16", 60, FALSE, NULL);

  g_assert_true (g_bytes_equal (a, b));
  g_assert_false (g_bytes_equal (a, c));
  g_assert_false (g_bytes_equal (a, d));
}

/* Collects every "reference" string under @node. */
static void
collect_refs (JsonNode  *node,
              GPtrArray *refs)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (obj);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *child = json_object_get_member (obj, l->data);

          if (g_str_equal (l->data, "reference") && JSON_NODE_HOLDS_VALUE (child))
            g_ptr_array_add (refs, (gpointer) json_node_get_string (child));
          else
            collect_refs (child, refs);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (arr); i++)
        collect_refs (json_array_get_element (arr, i), refs);
    }
}

static const char * const date_keys[] = {
  "birthDate", "deceasedDateTime", "effectiveDateTime", "onsetDateTime", "abatementDateTime",
  "recordedDate", "authoredOn", "occurrenceDateTime", "performedDateTime", "issued", "date",
  "start", "end", "lastUpdated",
};

static void
check_date (const char *s,
            const char *ref)
{
  guint y, m, d;

  g_assert_cmpuint (strlen (s), >=, 10);
  g_assert_cmpint (sscanf (s, "%4u-%2u-%2u", &y, &m, &d), ==, 3);
  g_assert_true (g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y));
  if (strlen (s) > 10)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (s, NULL);

      g_assert_nonnull (dt);
    }
  g_assert_cmpint (strncmp (s, ref, 10), <=, 0);
}

static void
check_dates (JsonNode   *node,
             const char *ref,
             guint      *n_checked)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (obj);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *child = json_object_get_member (obj, l->data);

          if (g_strv_contains (date_keys, l->data) && JSON_NODE_HOLDS_VALUE (child))
            {
              check_date (json_node_get_string (child), ref);
              (*n_checked)++;
            }
          else
            check_dates (child, ref, n_checked);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (arr); i++)
        check_dates (json_array_get_element (arr, i), ref, n_checked);
    }
}

static gboolean
has_non_ascii (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s >= 0x80)
      return TRUE;
  return FALSE;
}

static const char *
first_code (JsonObject *obj,
            const char *member)
{
  JsonObject *cc;
  JsonArray *codings;

  if (!json_object_has_member (obj, member))
    return NULL;
  cc = json_object_get_object_member (obj, member);
  codings = json_object_get_array_member (cc, "coding");
  return json_object_get_string_member (json_array_get_object_element (codings, 0), "code");
}

static gboolean
is_lab (JsonObject *obs)
{
  JsonArray *cats;

  if (!json_object_has_member (obs, "category"))
    return FALSE;
  cats = json_object_get_array_member (obs, "category");
  for (guint i = 0; i < json_array_get_length (cats); i++)
    {
      JsonObject *cat = json_array_get_object_element (cats, i);
      JsonArray *codings = json_object_get_array_member (cat, "coding");
      const char *code = json_object_get_string_member (json_array_get_object_element (codings, 0), "code");

      if (g_str_equal (code, "laboratory"))
        return TRUE;
    }
  return FALSE;
}

static void
check_blood_pressure (JsonObject *obs)
{
  JsonArray *comps;
  gboolean sys = FALSE, dia = FALSE;

  g_assert_false (json_object_has_member (obs, "valueQuantity"));
  comps = json_object_get_array_member (obs, "component");
  g_assert_nonnull (comps);
  for (guint i = 0; i < json_array_get_length (comps); i++)
    {
      JsonObject *comp = json_array_get_object_element (comps, i);
      const char *code = first_code (comp, "code");

      g_assert_true (json_object_has_member (comp, "valueQuantity"));
      sys |= g_str_equal (code, "8480-6");
      dia |= g_str_equal (code, "8462-4");
    }
  g_assert_true (sys && dia);
}

/* The interpretation must follow from the value and the reference range. */
static void
check_lab (JsonObject *obs,
           guint      *n_high)
{
  JsonObject *range, *vq;
  double value, low, high;
  const char *interp;

  if (!json_object_has_member (obs, "valueQuantity")
      || !json_object_has_member (obs, "referenceRange"))
    return;
  vq = json_object_get_object_member (obs, "valueQuantity");
  value = json_object_get_double_member (vq, "value");
  range = json_array_get_object_element (json_object_get_array_member (obs, "referenceRange"), 0);
  low = json_object_get_double_member (json_object_get_object_member (range, "low"), "value");
  high = json_object_get_double_member (json_object_get_object_member (range, "high"), "value");
  g_assert_true (json_object_has_member (obs, "interpretation"));
  interp = json_object_get_string_member (
      json_array_get_object_element (
          json_object_get_array_member (
              json_array_get_object_element (json_object_get_array_member (obs, "interpretation"), 0),
              "coding"),
          0),
      "code");

  if (value > high)
    {
      g_assert_true (g_str_equal (interp, "H") || g_str_equal (interp, "HH"));
      (*n_high)++;
    }
  else if (value < low)
    g_assert_true (g_str_equal (interp, "L") || g_str_equal (interp, "LL"));
  else
    g_assert_cmpstr (interp, ==, "N");
}

static void
test_consistent (void)
{
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GBytes) bytes = generate (7, REF_DATE, N_PATIENTS, FALSE, &counts);
  g_autoptr(GPtrArray) nodes = parse_lines (bytes);
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) per_type = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) refs = g_ptr_array_new ();
  guint n_dates = 0, n_bp = 0, n_labs = 0, n_high = 0, n_accented = 0;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < nodes->len; i++)
    {
      JsonObject *obj = json_node_get_object (nodes->pdata[i]);
      const char *type = json_object_get_string_member (obj, "resourceType");
      const char *id = json_object_get_string_member (obj, "id");
      char *k;

      g_assert_nonnull (type);
      g_assert_nonnull (id);
      g_assert_true (is_valid_id (id));
      k = g_strdup_printf ("%s/%s", type, id);
      g_assert_false (g_hash_table_contains (keys, k));
      g_hash_table_add (keys, k);
      g_hash_table_insert (per_type, (gpointer) type,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (per_type, type)) + 1));

      g_assert_true (json_object_has_member (obj, "meta"));
      collect_refs (nodes->pdata[i], refs);
      check_dates (nodes->pdata[i], REF_DATE, &n_dates);

      if (g_str_equal (type, "Patient"))
        {
          JsonObject *name = json_array_get_object_element (json_object_get_array_member (obj, "name"), 0);
          JsonArray *given = json_object_get_array_member (name, "given");

          if (has_non_ascii (json_object_get_string_member (name, "family"))
              || has_non_ascii (json_array_get_string_element (given, 0)))
            n_accented++;
        }
      else if (g_str_equal (type, "Observation"))
        {
          const char *code = first_code (obj, "code");

          if (g_str_equal (code, "85354-9"))
            {
              check_blood_pressure (obj);
              n_bp++;
            }
          if (is_lab (obj))
            {
              check_lab (obj, &n_high);
              n_labs++;
            }
        }
    }

  for (guint i = 0; i < refs->len; i++)
    if (!g_hash_table_contains (keys, refs->pdata[i]))
      g_error ("Dangling reference %s", (const char *) refs->pdata[i]);

  g_assert_cmpuint (g_hash_table_size (counts), ==, g_hash_table_size (per_type));
  g_hash_table_iter_init (&iter, per_type);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)), ==, GPOINTER_TO_UINT (value));

  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (per_type, "Patient")), ==, N_PATIENTS);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (per_type, "Practitioner")), ==, 6);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (per_type, "Organization")), ==, 1);
  g_assert_cmpuint (n_accented, >, 0);
  g_assert_cmpuint (n_dates, >, N_PATIENTS);
  g_test_message ("%u resources, %u refs, %u dates, %u BP, %u labs (%u high), %u accented",
                  nodes->len, refs->len, n_dates, n_bp, n_labs, n_high, n_accented);
}

static void
test_patients_only (void)
{
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GBytes) bytes = generate (7, REF_DATE, 40, TRUE, &counts);
  g_autoptr(GPtrArray) nodes = parse_lines (bytes);

  g_assert_cmpuint (nodes->len, ==, 1 + 6 + 40);
  for (guint i = 0; i < nodes->len; i++)
    {
      JsonObject *obj = json_node_get_object (nodes->pdata[i]);
      const char *type = json_object_get_string_member (obj, "resourceType");

      g_assert_true (g_str_equal (type, "Patient") || g_str_equal (type, "Organization")
                     || g_str_equal (type, "Practitioner"));
    }
  g_assert_cmpuint (g_hash_table_size (counts), ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "Patient")), ==, 40);
}

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  guint *calls = user_data;

  g_assert_cmpuint (done, <=, total);
  calls[0]++;
  calls[1] = done;
}

static void
test_progress_and_cancel (void)
{
  g_autoptr(ChevetGenerator) gen = chevet_generator_new (1, NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint calls[2] = { 0, 0 };

  chevet_generator_set_patients_only (gen, TRUE);
  g_assert_true (chevet_generator_write_ndjson (gen, 250, out, on_progress, calls, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls[0], ==, 3);
  g_assert_cmpuint (calls[1], ==, 250);

  g_cancellable_cancel (cancellable);
  g_assert_false (chevet_generator_write_ndjson (gen, 250, out, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Vital signs agree with each other: where weight, height and BMI were measured at the
 * same encounter, BMI = weight / height². */
static void
test_bmi_consistent (void)
{
  g_autoptr(GBytes) bytes = generate (11, "2026-01-15", 150, FALSE, NULL);
  g_autoptr(GPtrArray) nodes = parse_lines (bytes);
  g_autoptr(GHashTable) by_encounter = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  guint checked = 0;
  GHashTableIter iter;
  double *v;

  for (guint i = 0; i < nodes->len; i++)
    {
      JsonObject *o = json_node_get_object (nodes->pdata[i]);
      const char *code, *enc;
      double *slot;
      int k;

      if (!g_str_equal (json_object_get_string_member (o, "resourceType"), "Observation") ||
          !json_object_has_member (o, "valueQuantity") || !json_object_has_member (o, "encounter"))
        continue;
      code = json_object_get_string_member (json_array_get_object_element (
        json_object_get_array_member (json_object_get_object_member (o, "code"), "coding"), 0), "code");
      k = g_str_equal (code, "29463-7") ? 0 : g_str_equal (code, "8302-2") ? 1 : g_str_equal (code, "39156-5") ? 2 : -1;
      if (k < 0)
        continue;
      enc = json_object_get_string_member (json_object_get_object_member (o, "encounter"), "reference");
      slot = g_hash_table_lookup (by_encounter, enc);
      if (slot == NULL)
        {
          slot = g_new0 (double, 3);
          g_hash_table_insert (by_encounter, (gpointer) enc, slot);
        }
      slot[k] = json_object_get_double_member (json_object_get_object_member (o, "valueQuantity"), "value");
    }
  g_hash_table_iter_init (&iter, by_encounter);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    if (v[0] > 0 && v[1] > 0 && v[2] > 0)
      {
        double bmi = v[0] / ((v[1] / 100) * (v[1] / 100));

        /* Weight and height are rounded to 0.1 before BMI is computed. */
        g_assert_cmpfloat_with_epsilon (v[2], bmi, 0.3);
        g_assert_cmpfloat (v[2], >, 8);
        g_assert_cmpfloat (v[2], <, 60);
        checked++;
      }
  g_assert_cmpuint (checked, >, 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/generator/deterministic", test_deterministic);
  g_test_add_func ("/generator/consistent", test_consistent);
  g_test_add_func ("/generator/patients-only", test_patients_only);
  g_test_add_func ("/generator/vitals/bmi-agrees-with-weight-and-height", test_bmi_consistent);
  g_test_add_func ("/generator/progress-and-cancel", test_progress_and_cancel);

  return g_test_run ();
}
