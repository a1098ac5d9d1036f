/* privacy-check.c: no patient of the test data in the test suite's own output
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * build-aux/run-tests.sh runs the whole suite with G_MESSAGES_DEBUG=all, so every
 * g_debug of the programs reaches meson's log (meson-logs/testlog.txt holds each test's
 * stdout and stderr), then runs this check alone (suite "privacy", its own log). It
 * reads the log line by line and fails, printing the offending lines redacted, when a
 * line holds:
 *   - a generated identifier (MRN- and seven digits, the generator's format);
 *   - a generated patient's name: any given name of the generator's pools next to any of
 *     its family names ("Hélène Traoré", "TRAORÉ, Hélène"), or a family name of five
 *     letters or more within a few words of a given name. The pools, not the patients
 *     of some seeds: every seed the suite uses (tests, benchmarks, the test server, the
 *     CLI) draws from them, and a new seed needs no update here;
 *   - a Synthea patient's name (given next to family, or family within a few words of
 *     a given) or identifier value (its SSN, MRN, ...), read from the bundles in
 *     CHEVET_SHARED_FHIR when they are there.
 * Birth dates alone are not searched: a date is everywhere in a log; next to a name the
 * name is already caught. Family names are compared case-folded (the list writes them
 * in capitals), given names as written, so "amara" the account is not Amara the patient.
 *
 * --self-test plants a generated patient's name and identifier in a small log and
 * checks that the check fails on it (and passes on a clean one), without ever printing
 * the planted name: its own output lands in the log the real check reads.
 */
#define G_LOG_DOMAIN "privacy-check"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "chevet-generator.h"

/* How far apart a family and a given name may be and still name one person. */
#define NEAR_BYTES 32
/* What an offending line shows around its first finding. */
#define CONTEXT_BYTES 24

typedef struct
{
  GPtrArray *families;      /* case-folded */
  GPtrArray *givens;        /* as written */
  GPtrArray *identifiers;   /* exact values */
} Needles;

static void
needles_clear (Needles *n)
{
  g_clear_pointer (&n->families, g_ptr_array_unref);
  g_clear_pointer (&n->givens, g_ptr_array_unref);
  g_clear_pointer (&n->identifiers, g_ptr_array_unref);
}

static gboolean
contains (GPtrArray  *array,
          const char *s)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), s))
      return TRUE;
  return FALSE;
}

static void
add_family (Needles    *n,
            const char *family)
{
  char *folded = g_utf8_casefold (family, -1);

  if (*folded == '\0' || contains (n->families, folded))
    g_free (folded);
  else
    g_ptr_array_add (n->families, folded);
}

static void
add_given (Needles    *n,
           const char *given)
{
  /* "María José": each word is a given name of its own in a log line. */
  g_auto(GStrv) words = g_strsplit (given, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (g_utf8_strlen (words[i], -1) >= 3 && !contains (n->givens, words[i]))
      g_ptr_array_add (n->givens, g_strdup (words[i]));
}

static void
load_generator (Needles *n)
{
  g_auto(GStrv) families = chevet_generator_dup_family_names ();
  g_auto(GStrv) givens = chevet_generator_dup_given_names ();

  for (guint i = 0; families[i] != NULL; i++)
    add_family (n, families[i]);
  for (guint i = 0; givens[i] != NULL; i++)
    add_given (n, givens[i]);
}

static void
load_patient (Needles    *n,
              JsonObject *patient)
{
  JsonArray *names = json_object_has_member (patient, "name") ? json_object_get_array_member (patient, "name") : NULL;
  JsonArray *identifiers = json_object_has_member (patient, "identifier") ? json_object_get_array_member (patient, "identifier") : NULL;

  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    {
      JsonObject *name = json_array_get_object_element (names, i);
      JsonArray *given = json_object_has_member (name, "given") ? json_object_get_array_member (name, "given") : NULL;

      if (json_object_has_member (name, "family"))
        add_family (n, json_object_get_string_member (name, "family"));
      for (guint j = 0; given != NULL && j < json_array_get_length (given); j++)
        add_given (n, json_array_get_string_element (given, j));
    }
  for (guint i = 0; identifiers != NULL && i < json_array_get_length (identifiers); i++)
    {
      JsonObject *identifier = json_array_get_object_element (identifiers, i);
      const char *value = json_object_get_string_member_with_default (identifier, "value", "");

      if (strlen (value) >= 8 && !contains (n->identifiers, value))
        g_ptr_array_add (n->identifiers, g_strdup (value));
    }
}

/* The Patients of every Synthea bundle in @dir; none when it is absent. */
static guint
load_synthea (Needles    *n,
              const char *dir)
{
  g_autoptr(GDir) d = dir != NULL ? g_dir_open (dir, 0, NULL) : NULL;
  const char *file;
  guint patients = 0;

  while (d != NULL && (file = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *bundle;
      JsonArray *entries;

      if (!g_str_has_suffix (file, ".json") || !json_parser_load_from_file (parser, path, NULL))
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      bundle = json_node_get_object (json_parser_get_root (parser));
      if (!json_object_has_member (bundle, "entry"))
        continue;
      entries = json_object_get_array_member (bundle, "entry");
      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonObject *entry = json_array_get_object_element (entries, i);
          JsonObject *resource;

          if (!json_object_has_member (entry, "resource"))
            continue;
          resource = json_object_get_object_member (entry, "resource");
          if (g_strcmp0 (json_object_get_string_member_with_default (resource, "resourceType", ""), "Patient") == 0)
            {
              load_patient (n, resource);
              patients++;
            }
        }
    }
  return patients;
}

static gboolean
is_word_char (const char *p)
{
  gunichar c = g_utf8_get_char (p);

  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

/* Whether @needle occurs in @line as a whole word at @at (its start), both in the same
 * case (folded or not) as each other. */
static gboolean
is_word_at (const char *line,
            const char *at,
            gsize       length)
{
  if (at > line && is_word_char (g_utf8_prev_char (at)))
    return FALSE;
  if (at[length] != '\0' && is_word_char (at + length))
    return FALSE;
  return TRUE;
}

/* Each whole-word occurrence of @needle in @haystack: start offsets. */
static GArray *
find_words (const char *haystack,
            const char *needle)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize length = strlen (needle);
  const char *p = haystack;

  while ((p = strstr (p, needle)) != NULL)
    {
      if (is_word_at (haystack, p, length))
        {
          gsize offset = p - haystack;

          g_array_append_val (found, offset);
        }
      p += length;
    }
  return found;
}

static gboolean
is_mrn_at (const char *p)
{
  if (strncmp (p, "MRN-", 4) != 0)
    return FALSE;
  for (guint i = 4; i < 11; i++)
    if (!g_ascii_isdigit (p[i]))
      return FALSE;
  return !g_ascii_isdigit (p[11]);
}

/* Marks [start, end) of @line as found; the first finding's kind is kept. */
static void
mark (char       *redacted,
      gsize       start,
      gsize       end)
{
  for (gsize i = start; i < end; i++)
    redacted[i] = '\1';
}

/* The kind of leak in @line, or NULL; @redacted (a copy of @line) gets its leaked bytes
 * marked. @folded is @line case-folded; both are scanned in their own bytes. */
static const char *
check_line (Needles    *n,
            const char *line,
            char       *redacted)
{
  g_autofree char *folded = NULL;
  const char *kind = NULL;

  for (const char *p = strstr (line, "MRN-"); p != NULL; p = strstr (p + 4, "MRN-"))
    if (is_mrn_at (p))
      {
        mark (redacted, p - line, p - line + 11);
        kind = "generated identifier";
      }
  for (guint i = 0; i < n->identifiers->len; i++)
    {
      const char *id = g_ptr_array_index (n->identifiers, i);
      const char *p = strstr (line, id);

      if (p != NULL)
        {
          mark (redacted, p - line, p - line + strlen (id));
          kind = "identifier";
        }
    }

  /* Names: only lines with a given name as written need the folded search. */
  for (guint g = 0; g < n->givens->len; g++)
    {
      const char *given = g_ptr_array_index (n->givens, g);
      g_autoptr(GArray) at = NULL;

      if (strstr (line, given) == NULL)
        continue;
      at = find_words (line, given);
      if (at->len == 0)
        continue;
      if (folded == NULL)
        folded = g_utf8_casefold (line, -1);
      /* Case folding can change byte lengths (rarely: ß, some capitals). Then proximity
       * is measured on the folded line from the given name's folded offset. */
      for (guint f = 0; f < n->families->len; f++)
        {
          const char *family = g_ptr_array_index (n->families, f);
          g_autoptr(GArray) fat = NULL;
          gboolean long_family = g_utf8_strlen (family, -1) >= 5;

          if (strstr (folded, family) == NULL)
            continue;
          fat = find_words (folded, family);
          for (guint i = 0; i < at->len; i++)
            {
              g_autofree char *before = g_utf8_casefold (line, g_array_index (at, gsize, i));
              gsize gstart = strlen (before);
              gsize gend = gstart + strlen (given);

              for (guint j = 0; j < fat->len; j++)
                {
                  gsize fstart = g_array_index (fat, gsize, j);
                  gsize fend = fstart + strlen (family);
                  gsize gap = fstart >= gend ? fstart - gend : gstart >= fend ? gstart - fend : 0;

                  /* Any family right beside the given name ("Hélène Lê", "LÊ, Hélène"),
                   * a long one a few words away. */
                  if (gap <= 2 || (long_family && gap <= NEAR_BYTES))
                    {
                      gsize len = strlen (line);

                      mark (redacted, MIN (g_array_index (at, gsize, i), len),
                            MIN (g_array_index (at, gsize, i) + strlen (given), len));
                      if (strlen (folded) == len)
                        mark (redacted, fstart, fend);
                      kind = kind != NULL ? kind : "patient name";
                    }
                }
            }
        }
    }
  return kind;
}

/* Redacted: every marked byte run becomes "[REDACTED]", and only a little context
 * around the first one is shown (the rest of a long line may name other patients in a
 * way the check does not see; its own log must not repeat them). */
static char *
redact (const char *redacted)
{
  GString *out = g_string_new (NULL);
  const char *first = strchr (redacted, '\1');
  const char *from = first != NULL && first - redacted > CONTEXT_BYTES ? first - CONTEXT_BYTES : redacted;
  const char *to;
  const char *last = first;

  if (first == NULL)
    return g_string_free (out, FALSE);
  while (last[1] == '\1')
    last++;
  to = strlen (last) > CONTEXT_BYTES ? last + CONTEXT_BYTES : last + strlen (last);
  /* Whole characters only. */
  while (from > redacted && (*from & 0xc0) == 0x80)
    from--;
  while (*to != '\0' && (*to & 0xc0) == 0x80)
    to++;
  if (from > redacted)
    g_string_append (out, "...");
  for (const char *p = from; p < to; p++)
    {
      if (*p == '\1')
        {
          g_string_append (out, "[REDACTED]");
          while (p[1] == '\1')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }
  if (*to != '\0')
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

/* Number of offending lines in @path; -1 when it cannot be read. */
static gint64
check_file (Needles    *n,
            const char *path,
            gboolean    quiet)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
  g_autoptr(GDataInputStream) data = NULL;
  gint64 offending = 0;
  guint64 number = 0;
  char *line;

  if (in == NULL)
    {
      g_printerr ("privacy-check: cannot read %s: %s\n", path, error->message);
      return -1;
    }
  data = g_data_input_stream_new (G_INPUT_STREAM (in));
  while ((line = g_data_input_stream_read_line_utf8 (data, NULL, NULL, &error)) != NULL ||
         error != NULL)
    {
      g_autofree char *owned = line;
      g_autofree char *redacted = NULL;
      const char *kind;

      number++;
      if (line == NULL)
        {
          /* Not UTF-8: check what can be read of it. */
          g_clear_error (&error);
          continue;
        }
      redacted = g_strdup (line);
      kind = check_line (n, line, redacted);
      if (kind == NULL)
        continue;
      offending++;
      if (!quiet && offending <= 50)
        {
          g_autofree char *shown = redact (redacted);

          g_print ("%s:%" G_GUINT64_FORMAT ": %s: %s\n", path, number, kind, shown);
        }
    }
  if (!quiet && offending > 50)
    g_print ("... and %" G_GINT64_FORMAT " more lines\n", offending - 50);
  return offending;
}

static void
needles_load (Needles *n)
{
  n->families = g_ptr_array_new_with_free_func (g_free);
  n->givens = g_ptr_array_new_with_free_func (g_free);
  n->identifiers = g_ptr_array_new_with_free_func (g_free);
  load_generator (n);
}

/* The first generated patient's name and MRN, as the generator writes them. */
static void
first_generated_patient (char **given,
                         char **family,
                         char **mrn)
{
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (5, "2026-01-15");
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ndjson = NULL;
  g_auto(GStrv) lines = NULL;

  chevet_generator_set_patients_only (generator, TRUE);
  g_assert_true (chevet_generator_write_ndjson (generator, 1, out, NULL, NULL, NULL, &error));
  g_output_stream_write_all (out, "", 1, NULL, NULL, &error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  ndjson = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  lines = g_strsplit (ndjson, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *resource, *name;

      if (*lines[i] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      resource = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (resource, "resourceType"), "Patient") != 0)
        continue;
      name = json_array_get_object_element (json_object_get_array_member (resource, "name"), 0);
      *given = g_strdup (json_array_get_string_element (json_object_get_array_member (name, "given"), 0));
      *family = g_strdup (json_object_get_string_member (name, "family"));
      *mrn = g_strdup (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (resource, "identifier"), 0),
                                                      "value"));
      return;
    }
  g_assert_not_reached ();
}

static gint64
check_text (Needles    *n,
            const char *text)
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-privacy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "testlog.txt", NULL);
  gint64 found;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  found = check_file (n, path, TRUE);
  g_unlink (path);
  g_rmdir (dir);
  return found;
}

static int
self_test (void)
{
  Needles n = { 0 };
  g_autofree char *given = NULL;
  g_autofree char *family = NULL;
  g_autofree char *mrn = NULL;
  g_autofree char *capitals = NULL;
  g_autofree char *leak = NULL;
  g_autofree char *leak_mrn = NULL;
  g_autofree char *leak_list = NULL;
  const char *clean =
    "ok 1 /store/open/wrong-passphrase-fails\n"
    "(test-window:42): chevet-window-DEBUG: 12:00:00.000: opening the chart of patient chv-pat-000012\n"
    "(test-sync:7): chevet-sync-DEBUG: GET /Patient 200, 50 resources; account amara, dr.martin\n"
    "Martin Luther King Jr. Day falls in January\n";

  needles_load (&n);
  first_generated_patient (&given, &family, &mrn);
  capitals = g_utf8_strup (family, -1);

  leak = g_strdup_printf ("%s(test-x:1): chevet-window-DEBUG: opened %s %s\n", clean, given, family);
  leak_mrn = g_strdup_printf ("%sGET /Patient?identifier=%s 200\n", clean, mrn);
  leak_list = g_strdup_printf ("%srow: %s, %s · 54 years\n", clean, capitals, given);

  /* Never the planted values themselves in this output: it is in the log checked next. */
  g_print ("# planted: a generated full name, its MRN, and the list's FAMILY, Given form\n");
  g_assert_cmpint (check_text (&n, clean), ==, 0);
  g_assert_cmpint (check_text (&n, leak), ==, 1);
  g_assert_cmpint (check_text (&n, leak_mrn), ==, 1);
  g_assert_cmpint (check_text (&n, leak_list), ==, 1);
  needles_clear (&n);
  g_print ("privacy-check: the planted leaks were caught, the clean log passed\n");
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  Needles n = { 0 };
  gint64 total = 0;
  guint synthea;

  if (argc == 2 && g_str_equal (argv[1], "--self-test"))
    return self_test ();
  if (argc < 2)
    {
      g_printerr ("usage: privacy-check [--self-test | LOG...]\n");
      return 2;
    }

  needles_load (&n);
  synthea = load_synthea (&n, g_getenv ("CHEVET_SHARED_FHIR"));
  g_print ("privacy-check: %u family and %u given names, %u identifiers (%u Synthea patients)\n",
           n.families->len, n.givens->len, n.identifiers->len, synthea);
  for (int i = 1; i < argc; i++)
    {
      gint64 found = check_file (&n, argv[i], FALSE);

      if (found < 0)
        return 2;
      total += found;
    }
  needles_clear (&n);
  if (total > 0)
    {
      g_print ("privacy-check: %" G_GINT64_FORMAT " lines name a test patient\n", total);
      return 1;
    }
  g_print ("privacy-check: no test patient in the log\n");
  return 0;
}
