/* test-cli.c: chevet-cli end to end, run as a user would run it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chevet-test"

#include "config.h"

#include "test-log.h"

#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "chevet-audit.h"
#include "chevet-store-private.h"

/* Each unlock costs a deliberate Argon2id derivation (~0.5 s): the tests share one
 * workspace, built once, and open it only as often as what they prove requires. */

#define ADMIN_PASSPHRASE "correct horse battery staple"
#define NURSE_PASSPHRASE "night shift on ward two"
#define WRONG_PASSPHRASE "this is not the passphrase"

static const char *cli_path;
static char *shared_dir;

typedef struct
{
  int   status;  /* exit status, or -1 when killed by a signal */
  char *out;
  char *err;
} CliResult;

static void
cli_result_free (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliResult, cli_result_free)

static gboolean
have_cli (void)
{
  if (cli_path == NULL)
    {
      g_test_skip ("CHEVET_CLI is not set: run this test through “meson test”");
      return FALSE;
    }
  return TRUE;
}

/* A new session has no controlling terminal: the CLI can never block on /dev/tty,
 * and the no-terminal case is real even when the tests run from a terminal. */
static void
child_setup (gpointer user_data)
{
  setsid ();
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;

  return g_strndup (data != NULL ? data : "", size);
}

/* Runs chevet-cli with the NULL-terminated arguments, standard input an empty pipe. */
/* Removes, in place, the lines of GLib's debug and info messages (G_MESSAGES_DEBUG, as
 * build-aux/run-tests.sh sets it): "(chevet-cli COMMAND:PID): DOMAIN-DEBUG: TIME: text". */
static void
drop_debug_lines (char *err)
{
  g_autoptr(GRegex) regex = g_regex_new ("^\\(chevet-cli[^:]*:[0-9]+\\): [^ ]*-(DEBUG|INFO): .*\\n?",
                                         G_REGEX_MULTILINE, 0, NULL);
  g_autofree char *kept = g_regex_replace_literal (regex, err, -1, 0, "", 0, NULL);

  g_assert_nonnull (kept);
  memcpy (err, kept, strlen (kept) + 1);
}

static CliResult *
run_cliv (const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) line = g_string_new ("chevet-cli");
  CliResult *result;
  guint i;

  g_ptr_array_add (argv, (char *) cli_path);
  for (i = 0; args[i] != NULL; i++)
    {
      g_ptr_array_add (argv, (char *) args[i]);
      g_string_append_printf (line, " %s", args[i]);
    }
  g_ptr_array_add (argv, NULL);
  g_test_message ("%s", line->str);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* Untranslated messages, UTF-8 output. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");

  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                             &error);
  g_assert_no_error (error);
  g_subprocess_communicate (subprocess, empty, NULL, &out, &err, &error);
  g_assert_no_error (error);

  result = g_new0 (CliResult, 1);
  result->out = bytes_to_string (out);
  result->err = bytes_to_string (err);
  result->status = g_subprocess_get_if_exited (subprocess)
                   ? g_subprocess_get_exit_status (subprocess) : -1;
  /* All of stderr goes to the log (the suite's privacy check reads it, debug messages
   * included); the assertions see what a person reads: the errors. */
  g_test_message ("exit %d; stderr: %s", result->status, result->err);
  drop_debug_lines (result->err);
  return result;
}

static CliResult *
run_cli (const char *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return run_cliv ((const char * const *) args->pdata);
}

static gboolean
contains_casefold (const char *haystack,
                   const char *needle)
{
  g_autofree char *h = g_utf8_casefold (haystack, -1);
  g_autofree char *n = g_utf8_casefold (needle, -1);

  return strstr (h, n) != NULL;
}

static char *
write_file (const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (shared_dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* The shared workspace */

typedef struct
{
  char       *workspace;
  char       *admin_file;
  char       *wrong_file;
  char       *ndjson;
  GHashTable *counts;      /* resourceType -> lines of that type in the NDJSON */
  char       *patient_id;
  char       *family;      /* as written in the data, accents and all */
  char       *query;       /* ASCII, other case, prefix of family */
  char       *stats;       /* stdout of "stats" after the import */
} Clinic;

static Clinic *clinic;

static void
clinic_free (Clinic *c)
{
  g_free (c->workspace);
  g_free (c->admin_file);
  g_free (c->wrong_file);
  g_free (c->ndjson);
  g_clear_pointer (&c->counts, g_hash_table_unref);
  g_free (c->patient_id);
  g_free (c->family);
  g_free (c->query);
  g_free (c->stats);
  g_free (c);
}

/* How well a family name tests accent folding: 2 with an accent in the first four
 * letters (the query), 1 with an accent further on, 0 without. */
static int
family_rank (const char *family)
{
  g_autofree char *ascii = g_str_to_ascii (family, "C");
  g_autofree char *prefix = g_utf8_substring (family, 0, MIN (g_utf8_strlen (family, -1), 4));
  g_autofree char *prefix_ascii = g_str_to_ascii (prefix, "C");

  if (!g_str_equal (prefix, prefix_ascii) && strlen (prefix_ascii) >= 4)
    return 2;
  if (!g_str_equal (family, ascii))
    return 1;
  return 0;
}

/* Counts the lines of each resourceType and picks a patient to look for, preferring a
 * family name with accents. */
static void
read_generated (Clinic *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  int best_rank = -1;
  guint i;

  g_file_get_contents (c->ndjson, &contents, NULL, &error);
  g_assert_no_error (error);

  c->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *resource;
      const char *type;
      guint n;

      if (*lines[i] == '\0')
        continue;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      resource = json_node_get_object (json_parser_get_root (parser));
      type = json_object_get_string_member (resource, "resourceType");
      g_assert_nonnull (type);

      n = GPOINTER_TO_UINT (g_hash_table_lookup (c->counts, type));
      g_hash_table_replace (c->counts, g_strdup (type), GUINT_TO_POINTER (n + 1));

      if (g_str_equal (type, "Patient") && json_object_has_member (resource, "name"))
        {
          JsonArray *names = json_object_get_array_member (resource, "name");
          JsonObject *name;
          const char *family;
          int rank;

          if (names == NULL || json_array_get_length (names) == 0)
            continue;
          name = json_array_get_object_element (names, 0);
          family = json_object_get_string_member_with_default (name, "family", NULL);
          if (family == NULL || strlen (family) < 2)
            continue;

          rank = family_rank (family);
          if (c->family == NULL || rank > best_rank)
            {
              g_free (c->family);
              g_free (c->patient_id);
              c->family = g_strdup (family);
              c->patient_id = g_strdup (json_object_get_string_member (resource, "id"));
              best_rank = rank;
            }
        }
    }

  g_assert_nonnull (c->family);
  g_assert_nonnull (c->patient_id);
}

static char *
make_query (const char *family)
{
  g_autofree char *ascii = g_str_to_ascii (family, "C");
  g_autofree char *prefix = g_strndup (ascii, MIN (strlen (ascii), 4));
  char *query = g_ascii_strdown (prefix, -1);

  if (g_str_equal (query, prefix))
    {
      g_free (query);
      query = g_ascii_strup (prefix, -1);
    }
  return query;
}

static Clinic *
ensure_clinic (void)
{
  g_autoptr(CliResult) r = NULL;
  Clinic *c;

  if (clinic != NULL)
    return clinic;

  c = g_new0 (Clinic, 1);
  c->workspace = g_build_filename (shared_dir, "clinic", NULL);
  c->admin_file = write_file ("admin.pass", ADMIN_PASSPHRASE "\n");
  c->wrong_file = write_file ("wrong.pass", WRONG_PASSPHRASE "\n");
  c->ndjson = g_build_filename (shared_dir, "clinic.ndjson", NULL);

  r = run_cli ("init", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--name", "Test clinic", NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (g_file_test (c->workspace, G_FILE_TEST_IS_DIR));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("generate", "--patients", "8", "--seed", "20240601",
               "--reference-date", "2024-06-01", "--output", c->ndjson, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (r->out, ==, "");
  g_clear_pointer (&r, cli_result_free);
  read_generated (c);
  c->query = make_query (c->family);

  r = run_cli ("import", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, c->ndjson, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (g_str_has_prefix (r->out, c->ndjson));
  g_assert_nonnull (strstr (r->out, " read, "));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("stats", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  c->stats = g_steal_pointer (&r->out);

  clinic = c;
  return clinic;
}

/* Tests */

static const char * const command_names[] = {
  "init", "import", "generate", "patients", "chart", "stats", "account", "server", "outbox",
  "note", "vitals", "audit", NULL
};

static void
test_help_lists_commands (void)
{
  static const char * const account_commands[] = { "add", "remove", "passwd", "passphrase", "list",
                                                   "role", "reset", NULL };
  g_autoptr(CliResult) r = NULL;
  guint i;

  if (!have_cli ())
    return;

  r = run_cli ("--help", NULL);
  g_assert_cmpint (r->status, ==, 0);
  for (i = 0; command_names[i] != NULL; i++)
    {
      g_autofree char *entry = g_strdup_printf ("\n  %s ", command_names[i]);

      g_assert_nonnull (strstr (r->out, entry));
    }
  g_clear_pointer (&r, cli_result_free);

  for (i = 0; command_names[i] != NULL; i++)
    {
      g_autofree char *usage = g_strdup_printf ("chevet-cli %s", command_names[i]);

      r = run_cli (command_names[i], "--help", NULL);
      g_assert_cmpint (r->status, ==, 0);
      g_assert_nonnull (strstr (r->out, "Usage:"));
      g_assert_nonnull (strstr (r->out, usage));
      g_clear_pointer (&r, cli_result_free);
    }

  for (i = 0; account_commands[i] != NULL; i++)
    {
      g_autofree char *usage = g_strdup_printf ("chevet-cli account %s", account_commands[i]);

      r = run_cli ("account", account_commands[i], "--help", NULL);
      g_assert_cmpint (r->status, ==, 0);
      g_assert_nonnull (strstr (r->out, usage));
      g_clear_pointer (&r, cli_result_free);
    }
}

static void
test_usage_errors_exit_2 (void)
{
  g_autoptr(CliResult) r = NULL;

  if (!have_cli ())
    return;

  r = run_cli (NULL, NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("frobnicate", NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_assert_true (g_str_has_prefix (r->err, "chevet-cli: "));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("stats", "--no-such-option", NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_clear_pointer (&r, cli_result_free);

  /* A workspace needs an account to open it. */
  r = run_cli ("stats", "--workspace", shared_dir, NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_assert_nonnull (strstr (r->err, "--account"));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("generate", "--seed", "1", NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("generate", "--patients", "1", "--seed", "1", "--reference-date", "2024-02-30", NULL);
  g_assert_cmpint (r->status, ==, 2);
}

static void
test_generate_is_deterministic (void)
{
  g_autoptr(CliResult) a = NULL;
  g_autoptr(CliResult) b = NULL;
  g_autoptr(CliResult) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;

  if (!have_cli ())
    return;

  a = run_cli ("generate", "--patients", "3", "--seed", "7", "--reference-date", "2024-06-01", NULL);
  b = run_cli ("generate", "--patients", "3", "--seed", "7", "--reference-date", "2024-06-01", NULL);
  g_assert_cmpint (a->status, ==, 0);
  g_assert_cmpint (b->status, ==, 0);
  g_assert_cmpstr (a->out, !=, "");
  g_assert_cmpstr (a->out, ==, b->out);

  path = g_build_filename (shared_dir, "three.ndjson", NULL);
  c = run_cli ("generate", "--patients", "3", "--seed", "7", "--reference-date", "2024-06-01",
               "--output", path, NULL);
  g_assert_cmpint (c->status, ==, 0);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, a->out);
}

static void
test_no_terminal_says_use_passphrase_file (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *fresh = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();

  /* Standard input is a pipe and there is no controlling terminal. */
  r = run_cli ("stats", "--workspace", c->workspace, "--account", "admin", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_cmpstr (r->out, ==, "");
  g_assert_true (g_str_has_prefix (r->err, "chevet-cli: "));
  g_assert_nonnull (strstr (r->err, "terminal"));
  g_assert_nonnull (strstr (r->err, "--passphrase-file"));
  g_clear_pointer (&r, cli_result_free);

  fresh = g_build_filename (shared_dir, "never-created", NULL);
  r = run_cli ("init", "--workspace", fresh, "--account", "admin", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "--passphrase-file"));
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
}

static void
test_stats_match_generated_counts (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GRegex) regex = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *previous = NULL;
  GHashTableIter iter;
  gpointer key, value;
  Clinic *c;
  guint i;

  if (!have_cli ())
    return;
  c = ensure_clinic ();

  regex = g_regex_new ("^([A-Z][A-Za-z]+) ([0-9]+)$", 0, 0, NULL);
  lines = g_strsplit (c->stats, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  g_assert_cmpstr (lines[g_strv_length (lines) - 1], ==, "");

  for (i = 0; lines[i + 1] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *type = NULL;
      g_autofree char *count = NULL;
      guint expected;

      if (!g_regex_match (regex, lines[i], 0, &match))
        g_error ("stats line “%s” is not “<Type> <count>”", lines[i]);
      type = g_match_info_fetch (match, 1);
      count = g_match_info_fetch (match, 2);

      /* Sorted by type name. */
      if (previous != NULL)
        g_assert_cmpint (strcmp (previous, type), <, 0);
      g_free (previous);
      previous = g_strdup (type);

      expected = GPOINTER_TO_UINT (g_hash_table_lookup (c->counts, type));
      g_assert_cmpuint (g_ascii_strtoull (count, NULL, 10), ==, expected);
      g_hash_table_add (seen, (char *) g_intern_string (type));
    }

  g_hash_table_iter_init (&iter, c->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (!g_hash_table_contains (seen, g_intern_string (key)))
        g_error ("stats lists no %s, the data hold %u", (char *) key, GPOINTER_TO_UINT (value));
    }
  g_assert_cmpuint (g_hash_table_size (c->counts), >=, 3);
}

static void
test_search_ignores_case_and_accents (void)
{
  g_autoptr(CliResult) r = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean found = FALSE;
  Clinic *c;
  guint i;

  if (!have_cli ())
    return;
  c = ensure_clinic ();
  g_test_message ("looking for patient %s with “%s”", c->patient_id, c->query);

  r = run_cli ("patients", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--search", c->query, "--limit", "0", NULL);
  g_assert_cmpint (r->status, ==, 0);

  lines = g_strsplit (r->out, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;

      if (*lines[i] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", -1);
      g_assert_cmpuint (g_strv_length (fields), ==, 5);
      if (g_str_equal (fields[0], c->patient_id))
        {
          found = TRUE;
          g_assert_true (contains_casefold (fields[1], c->family));
        }
    }
  g_assert_true (found);
  g_assert_nonnull (strstr (r->err, " match"));
  /* The count is on stderr, never patient data. */
  g_assert_false (contains_casefold (r->err, c->family));
}

static void
test_chart_prints_name_and_sections (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autoptr(CliResult) missing = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();

  r = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, c->patient_id, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (contains_casefold (r->out, c->family));
  /* Section headers stand on their own line. */
  g_assert_nonnull (strstr (r->out, "\nAllergies\n"));
  g_assert_nonnull (strstr (r->out, "\nProblems\n"));
  g_assert_false (contains_casefold (r->err, c->family));

  missing = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                     "--passphrase-file", c->admin_file, "no-such-patient", NULL);
  g_assert_cmpint (missing->status, ==, 1);
  g_assert_cmpstr (missing->out, ==, "");
  g_assert_true (g_str_has_prefix (missing->err, "chevet-cli: "));
  g_assert_nonnull (strstr (missing->err, "no-such-patient"));
}

static gboolean
collect_action (const ChevetAuditEntry *entry,
                gpointer                user_data,
                GError                **error)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s|%s|%s|%s", entry->action, entry->patient ?: "",
                                               entry->outcome, entry->detail ?: ""));
  return TRUE;
}

/* chv-pat-000007 of a generated clinic has a restricted record (the generator's rule). */
static void
test_chart_restricted_needs_break_glass (void)
{
  g_autoptr(CliResult) refused = NULL;
  g_autoptr(CliResult) half = NULL;
  g_autoptr(CliResult) unknown = NULL;
  g_autoptr(CliResult) opened = NULL;
  g_autoptr(CliResult) help = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GPtrArray) trail = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *id = "chv-pat-000007";
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();

  refused = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                     "--passphrase-file", c->admin_file, id, NULL);
  g_assert_cmpint (refused->status, ==, 1);
  g_assert_cmpstr (refused->out, ==, "");
  g_assert_true (contains_casefold (refused->err, "restricted"));
  g_assert_nonnull (strstr (refused->err, "--break-glass"));

  half = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                  "--passphrase-file", c->admin_file, "--break-glass", "emergency", id, NULL);
  g_assert_cmpint (half->status, ==, 2);
  g_assert_cmpstr (half->out, ==, "");
  unknown = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                     "--passphrase-file", c->admin_file, "--break-glass", "curiosity",
                     "--reason", "just looking", id, NULL);
  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "curiosity"));

  opened = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                    "--passphrase-file", c->admin_file, "--break-glass", "care",
                    "--reason", "Seen today in clinic", id, NULL);
  g_assert_cmpint (opened->status, ==, 0);
  g_assert_nonnull (strstr (opened->out, "\nProblems\n"));
  /* The reason is the clinician's: it is not echoed anywhere. */
  g_assert_null (strstr (opened->err, "Seen today"));

  /* The reason from a file, out of the list of running programs. */
  {
    g_autofree char *reason_path = g_build_filename (g_get_tmp_dir (), "chevet-test-reason.txt", NULL);
    g_autoptr(CliResult) from_file = NULL;
    g_autoptr(CliResult) both = NULL;

    g_assert_true (g_file_set_contents (reason_path, "Called to the ward at night\n", -1, NULL));
    from_file = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                         "--passphrase-file", c->admin_file, "--break-glass", "emergency",
                         "--reason-file", reason_path, id, NULL);
    g_assert_cmpint (from_file->status, ==, 0);
    g_assert_nonnull (strstr (from_file->out, "\nProblems\n"));
    both = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                    "--passphrase-file", c->admin_file, "--break-glass", "emergency",
                    "--reason", "twice", "--reason-file", reason_path, id, NULL);
    g_assert_cmpint (both->status, ==, 2);
    g_remove (reason_path);
  }

  help = run_cli ("chart", "--help", NULL);
  g_assert_nonnull (strstr (help->out, "--break-glass"));
  g_assert_nonnull (strstr (help->out, "--reason"));
  g_assert_nonnull (strstr (help->out, "--reason-file"));

  store = chevet_store_open (c->workspace, "admin", ADMIN_PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_audit_foreach (store, 0, 0, collect_action, trail, &error));
  g_assert_no_error (error);
  g_assert_true (g_ptr_array_find_with_equal_func (trail, "chart-open|chv-pat-000007|denied|restricted",
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (trail, "break-glass|chv-pat-000007|success|"
                                                   "category=care reason=Seen today in clinic",
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (trail, "chart-open|chv-pat-000007|success|break-glass",
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (trail, "break-glass|chv-pat-000007|success|"
                                                   "category=emergency reason=Called to the ward at night",
                                                   g_str_equal, NULL));
}

static void
test_wrong_passphrase_and_unknown_account_differ (void)
{
  g_autoptr(CliResult) wrong = NULL;
  g_autoptr(CliResult) unknown = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();

  wrong = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
                   "--passphrase-file", c->wrong_file, c->patient_id, NULL);
  g_assert_cmpint (wrong->status, ==, 1);
  g_assert_cmpstr (wrong->out, ==, "");
  g_assert_true (g_str_has_prefix (wrong->err, "chevet-cli: "));
  g_assert_true (contains_casefold (wrong->err, "passphrase"));
  g_assert_true (contains_casefold (wrong->err, "wrong") ||
                 contains_casefold (wrong->err, "incorrect") ||
                 contains_casefold (wrong->err, "does not match"));
  g_assert_false (contains_casefold (wrong->err, c->family));

  unknown = run_cli ("chart", "--workspace", c->workspace, "--account", "nobody",
                     "--passphrase-file", c->admin_file, c->patient_id, NULL);
  g_assert_cmpint (unknown->status, ==, 1);
  g_assert_cmpstr (unknown->out, ==, "");
  g_assert_nonnull (strstr (unknown->err, "nobody"));
  g_assert_cmpstr (unknown->err, !=, wrong->err);
  g_assert_false (contains_casefold (unknown->err, "wrong"));
}

static void
test_not_a_workspace (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *empty = g_build_filename (shared_dir, "not-a-workspace", NULL);
  g_autofree char *pass = NULL;

  if (!have_cli ())
    return;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  pass = write_file ("any.pass", ADMIN_PASSPHRASE "\n");

  r = run_cli ("stats", "--workspace", empty, "--account", "admin",
               "--passphrase-file", pass, NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_cmpstr (r->out, ==, "");
  g_assert_true (contains_casefold (r->err, "not a Chevet workspace"));
}

static void
test_malformed_import_names_line_and_changes_nothing (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autoptr(CliResult) after = NULL;
  g_autofree char *broken = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();

  /* A good resource, then a line cut short: the file imports whole or not at all. */
  broken = write_file ("broken.ndjson",
                       "{\"resourceType\":\"Patient\",\"id\":\"broken-1\","
                       "\"name\":[{\"family\":\"Zzyzx\",\"given\":[\"Ann\"]}]}\n"
                       "{\"resourceType\":\"Observation\",\"id\":\n");

  r = run_cli ("import", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, broken, NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_true (g_str_has_prefix (r->err, "chevet-cli: "));
  g_assert_nonnull (strstr (r->err, "broken.ndjson"));
  g_assert_nonnull (strstr (r->err, "line 2"));
  g_assert_cmpstr (r->out, ==, "");

  after = run_cli ("stats", "--workspace", c->workspace, "--account", "admin",
                   "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (after->status, ==, 0);
  g_assert_cmpstr (after->out, ==, c->stats);
}

static void
test_added_account_opens_workspace (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *nurse_file = NULL;
  g_auto(GStrv) accounts = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();
  nurse_file = write_file ("nurse.pass", NURSE_PASSPHRASE "\n");

  r = run_cli ("account", "add", "nurse", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--new-passphrase-file", nurse_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("stats", "--workspace", c->workspace, "--account", "nurse",
               "--passphrase-file", nurse_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (r->out, ==, c->stats);
  g_clear_pointer (&r, cli_result_free);

  /* Listing needs no passphrase. */
  r = run_cli ("account", "list", "--workspace", c->workspace, NULL);
  g_assert_cmpint (r->status, ==, 0);
  accounts = g_strsplit (r->out, "\n", -1);
  g_assert_true (g_strv_contains ((const char * const *) accounts, "admin"));
  g_assert_true (g_strv_contains ((const char * const *) accounts, "nurse"));
}

static void
test_account_roles (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *clerk_file = NULL;
  g_autofree char *fresh_file = NULL;
  g_autofree char *weak_file = NULL;
  g_autofree char *admin_line = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();
  clerk_file = write_file ("clerk.pass", "blue tractor in the rain\n");
  fresh_file = write_file ("fresh.pass", "a quiet morning by the well\n");
  weak_file = write_file ("weak.pass", "password1234\n");

  /* The policy's own sentence, before anything is changed. */
  r = run_cli ("account", "add", "weak", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--new-passphrase-file", weak_file, NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "common password"));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("account", "add", "clerk", "--role", "clinician", "--workspace", c->workspace,
               "--account", "admin", "--passphrase-file", c->admin_file,
               "--new-passphrase-file", clerk_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "clerk"));
  g_clear_pointer (&r, cli_result_free);

  /* With --account: names, roles and creation dates. */
  r = run_cli ("account", "list", "--workspace", c->workspace, "--account", "clerk",
               "--passphrase-file", clerk_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (g_str_has_prefix (r->out, "admin\tadministrator\t20"));
  g_assert_nonnull (strstr (r->out, "\nclerk\tclinician\t20"));
  g_clear_pointer (&r, cli_result_free);

  /* A clinician manages no accounts: exit 9. */
  r = run_cli ("account", "add", "other", "--workspace", c->workspace, "--account", "clerk",
               "--passphrase-file", clerk_file, "--new-passphrase-file", fresh_file, NULL);
  g_assert_cmpint (r->status, ==, 9);
  g_assert_nonnull (strstr (r->err, "administrator"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("account", "role", "clerk", "administrator", "--workspace", c->workspace,
               "--account", "clerk", "--passphrase-file", clerk_file, NULL);
  g_assert_cmpint (r->status, ==, 9);
  g_clear_pointer (&r, cli_result_free);
  /* Nor the server settings. */
  r = run_cli ("server", "set", "--url", "https://fhir.clerk.example/r4", "--workspace", c->workspace,
               "--account", "clerk", "--passphrase-file", clerk_file, NULL);
  g_assert_cmpint (r->status, ==, 9);
  g_assert_nonnull (strstr (r->err, "server settings"));
  g_clear_pointer (&r, cli_result_free);

  /* No trainee in a clinical workspace; no workspace without an administrator. */
  r = run_cli ("account", "role", "clerk", "trainee", "--workspace", c->workspace,
               "--account", "admin", "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 9);
  g_assert_nonnull (strstr (r->err, "training workspace"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("account", "role", "admin", "clinician", "--workspace", c->workspace,
               "--account", "admin", "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 9);
  g_assert_nonnull (strstr (r->err, "last administrator"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("account", "role", "clerk", "boss", "--workspace", c->workspace,
               "--account", "admin", "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_clear_pointer (&r, cli_result_free);

  /* The administrator resets the clerk's forgotten passphrase. */
  r = run_cli ("account", "reset", "clerk", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--new-passphrase-file", fresh_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("stats", "--workspace", c->workspace, "--account", "clerk",
               "--passphrase-file", clerk_file, NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("stats", "--workspace", c->workspace, "--account", "clerk",
               "--passphrase-file", fresh_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (r->out, ==, c->stats);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("account", "remove", "clerk", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("account", "list", "--workspace", c->workspace, NULL);
  g_assert_null (strstr (r->out, "clerk"));
}

static void
test_account_too_soon (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *pass = NULL;
  g_autofree char *trainee_file = NULL;
  guint i;

  if (!have_cli ())
    return;
  workspace = g_build_filename (shared_dir, "training", NULL);
  pass = write_file ("instructor.pass", ADMIN_PASSPHRASE "\n");
  trainee_file = write_file ("trainee.pass", NURSE_PASSPHRASE "\n");

  r = run_cli ("init", "--training", "--workspace", workspace, "--account", "instructor",
               "--passphrase-file", pass, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("account", "add", "ama", "--role", "trainee", "--workspace", workspace,
               "--account", "instructor", "--passphrase-file", pass,
               "--new-passphrase-file", trainee_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);

  /* Four wrong passphrases, then a wait, said with exit 10 and before any prompt. */
  for (i = 0; i < 4; i++)
    {
      g_clear_pointer (&r, cli_result_free);
      r = run_cli ("stats", "--workspace", workspace, "--account", "ama",
                   "--passphrase-file", pass, NULL);
      g_assert_cmpint (r->status, ==, 1);
    }
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("stats", "--workspace", workspace, "--account", "ama",
               "--passphrase-file", trainee_file, NULL);
  g_assert_cmpint (r->status, ==, 10);
  g_assert_nonnull (strstr (r->err, "4 failed attempts: try again in"));
  g_clear_pointer (&r, cli_result_free);
  /* Only that account waits. */
  r = run_cli ("stats", "--workspace", workspace, "--account", "instructor",
               "--passphrase-file", pass, NULL);
  g_assert_cmpint (r->status, ==, 0);
}


#define CLI_TOKEN "tok-cli-7c6b5a-SECRET"

static void
assert_not_in_workspace (const char *workspace,
                         const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (workspace, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (workspace, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_get_contents (file, &contents, &len, NULL))
        g_assert_null (memmem (contents, len, needle, strlen (needle)));
    }
}

static void
test_server_set_and_show (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *token_file = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();
  token_file = write_file ("token", CLI_TOKEN "\n");

  r = run_cli ("server", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "No server"));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("server", "set", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--url", "https://fhir.clinic.example/r4",
               "--token-file", token_file, "--patients", "organization=Organization/1",
               "--types", "Patient,Observation,DocumentReference", NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("server", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "https://fhir.clinic.example/r4"));
  g_assert_nonnull (strstr (r->out, "Bearer token: set"));
  g_assert_nonnull (strstr (r->out, "organization=Organization/1"));
  g_assert_null (strstr (r->out, CLI_TOKEN));
  g_assert_null (strstr (r->err, CLI_TOKEN));
  g_clear_pointer (&r, cli_result_free);

  /* Each refusal names its field and leaves the saved settings alone. */
  r = run_cli ("server", "set", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--url", "http://127.0.0.1:8080/fhir", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "Server URL"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("server", "set", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--types", "Patient,Frobnication", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "Frobnication"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("server", "set", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--patients", "_count=10", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "_count"));
  g_clear_pointer (&r, cli_result_free);
  /* A secret is never taken from the command line. */
  r = run_cli ("server", "set", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--token", CLI_TOKEN, NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("server", "set", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--url", "http://127.0.0.1:8080/fhir",
               "--allow-http-loopback", NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "http://127.0.0.1:8080/fhir"));
  g_assert_nonnull (strstr (r->out, "development"));
  /* Options not given kept their value. */
  g_assert_nonnull (strstr (r->out, "Bearer token: set"));
  g_assert_nonnull (strstr (r->out, "Patient, Observation, DocumentReference"));
  g_assert_null (strstr (r->out, CLI_TOKEN));
  assert_not_in_workspace (c->workspace, CLI_TOKEN);
}

static int
count_lines (const char *text)
{
  int n = 0;

  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void
test_note_and_vitals (void)
{
  g_autoptr(CliResult) r = NULL;
  g_autofree char *note_file = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) fields = NULL;
  Clinic *c;

  if (!have_cli ())
    return;
  c = ensure_clinic ();
  note_file = write_file ("note.txt", "Wombat-Xylophone check: ear infection resolved.\n");

  r = run_cli ("note", "add", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--patient", c->patient_id,
               "--text-file", note_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);

  /* Impossible: refused with the reason, before any passphrase is asked for. */
  r = run_cli ("vitals", "add", "--account", "admin", "--workspace", c->workspace,
               "--patient", c->patient_id, "--temperature", "385", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "Temperature"));
  g_assert_nonnull (strstr (r->err, "385"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("vitals", "add", "--account", "admin", "--workspace", c->workspace,
               "--patient", c->patient_id, "--weight", "7000", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "Weight"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("vitals", "add", "--account", "admin", "--workspace", c->workspace,
               "--patient", c->patient_id, "--temperature", "hot", NULL);
  g_assert_cmpint (r->status, ==, 2);
  g_clear_pointer (&r, cli_result_free);

  /* Unusual: printed, saved only with --confirm. */
  r = run_cli ("vitals", "add", "--account", "admin", "--workspace", c->workspace,
               "--passphrase-file", c->admin_file, "--patient", c->patient_id,
               "--temperature", "34", "--heart-rate", "70", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "34 °C"));
  g_assert_nonnull (strstr (r->err, "--confirm"));
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("vitals", "add", "--account", "admin", "--workspace", c->workspace,
               "--passphrase-file", c->admin_file, "--patient", c->patient_id,
               "--temperature", "34,2", "--heart-rate", "70", "--systolic", "124",
               "--diastolic", "78", "--confirm", NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("outbox", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpint (count_lines (r->out), ==, 4);
  g_assert_null (strstr (r->out, "Wombat"));
  g_assert_nonnull (strstr (r->err, "4 items waiting"));
  lines = g_strsplit (r->out, "\n", -1);
  fields = g_strsplit (lines[0], "\t", -1);
  g_assert_cmpuint (g_strv_length (fields), ==, 6);
  g_assert_cmpstr (fields[2], ==, "note");
  g_assert_cmpstr (fields[3], ==, "waiting");
  g_assert_cmpstr (fields[4], ==, "0");
  g_clear_pointer (&fields, g_strfreev);
  fields = g_strsplit (lines[3], "\t", -1);
  g_assert_cmpstr (fields[2], ==, "vitals");
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, c->patient_id, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "124/78 mmHg  (waiting to be sent)"));
  g_assert_nonnull (strstr (r->out, "34.2 °C  (waiting to be sent)"));
}


/* The audit trail through the CLI: chart and search recorded (never the search text),
 * a wrong passphrase recorded at the next unlock, FHIR export, verify intact then broken. */
static void
test_audit_verify_and_export (void)
{
  Clinic *c;
  g_autoptr(CliResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autofree char *export = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean seen_chart = FALSE, seen_query = FALSE, seen_failed = FALSE;
  guint i;

  if (!have_cli ())
    return;
  c = ensure_clinic ();
  export = g_build_filename (shared_dir, "audit.ndjson", NULL);

  r = run_cli ("patients", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--search", c->query, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("chart", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, c->patient_id, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_clear_pointer (&r, cli_result_free);
  r = run_cli ("stats", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->wrong_file, NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("audit", "verify", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "intact"));
  g_clear_pointer (&r, cli_result_free);

  r = run_cli ("audit", "export", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, "--output", export, NULL);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->err, "audit events written"));
  g_clear_pointer (&r, cli_result_free);
  g_assert_true (g_file_get_contents (export, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (contains_casefold (contents, c->query));
  g_assert_false (contains_casefold (contents, c->family));
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o;
      const char *code;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (o, "resourceType"), ==, "AuditEvent");
      code = json_object_get_string_member (json_object_get_object_member (o, "type"), "code");
      if (g_str_equal (code, "110110") && strstr (lines[i], c->patient_id) != NULL)
        seen_chart = TRUE;
      if (g_str_equal (code, "110112"))
        seen_query = TRUE;
      if (g_str_equal (code, "110114") && g_str_equal (json_object_get_string_member (o, "outcome"), "4"))
        seen_failed = TRUE;
    }
  g_assert_true (seen_chart);
  g_assert_true (seen_query);
  g_assert_true (seen_failed);

  /* Someone edits entry 2 with sqlite3 and the key: verify names it and exits 8. */
  store = chevet_store_open (c->workspace, "admin", ADMIN_PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_store_exec (store, "DROP TRIGGER audit_no_update;"
                                           "UPDATE audit SET account = 'nobody' WHERE seq = 2", &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  r = run_cli ("audit", "verify", "--workspace", c->workspace, "--account", "admin",
               "--passphrase-file", c->admin_file, NULL);
  g_assert_cmpint (r->status, ==, 8);
  g_assert_nonnull (strstr (r->err, "broken at entry 2:"));
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFile *child;

      while (g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) && child != NULL)
        remove_tree (child);
    }
  g_file_delete (file, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  cli_path = g_getenv ("CHEVET_CLI");
  shared_dir = g_dir_make_tmp ("chevet-test-cli-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/cli/help/lists-every-command", test_help_lists_commands);
  g_test_add_func ("/cli/usage/errors-exit-2", test_usage_errors_exit_2);
  g_test_add_func ("/cli/generate/same-seed-same-bytes", test_generate_is_deterministic);
  g_test_add_func ("/cli/open/no-terminal-says-use-passphrase-file",
                   test_no_terminal_says_use_passphrase_file);
  g_test_add_func ("/cli/import/stats-match-generated-counts", test_stats_match_generated_counts);
  g_test_add_func ("/cli/patients/search-ignores-case-and-accents",
                   test_search_ignores_case_and_accents);
  g_test_add_func ("/cli/chart/prints-name-and-sections", test_chart_prints_name_and_sections);
  g_test_add_func ("/cli/chart/restricted-needs-break-glass", test_chart_restricted_needs_break_glass);
  g_test_add_func ("/cli/open/wrong-passphrase-differs-from-unknown-account",
                   test_wrong_passphrase_and_unknown_account_differ);
  g_test_add_func ("/cli/open/not-a-workspace", test_not_a_workspace);
  g_test_add_func ("/cli/import/malformed-names-line-and-changes-nothing",
                   test_malformed_import_names_line_and_changes_nothing);
  g_test_add_func ("/cli/account/added-account-opens-workspace",
                   test_added_account_opens_workspace);
  g_test_add_func ("/cli/account/roles-reset-and-refusals", test_account_roles);
  g_test_add_func ("/cli/account/training-workspace-and-too-soon", test_account_too_soon);
  /* After the tests that compare "stats" with the import: these add resources. */
  g_test_add_func ("/cli/server/set-show-secrets-hidden-errors-name-field", test_server_set_and_show);
  g_test_add_func ("/cli/note-and-vitals/saved-listed-pending-in-chart", test_note_and_vitals);
  /* Last: it breaks the shared workspace's audit trail on purpose. */
  g_test_add_func ("/cli/audit/verify-export-and-tampering", test_audit_verify_and_export);

  status = g_test_run ();

  g_clear_pointer (&clinic, clinic_free);
  if (shared_dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (shared_dir);

      remove_tree (dir);
      g_clear_pointer (&shared_dir, g_free);
    }
  return status;
}
