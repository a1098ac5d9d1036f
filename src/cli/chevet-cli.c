/* chevet-cli.c: chevet-cli, the headless command line over a Chevet workspace
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chevet-cli"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "chevet-audit.h"
#include "chevet-chart.h"
#include "chevet-cli-passphrase.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-outbox.h"
#include "chevet-passphrase.h"
#include "chevet-patient.h"
#include "chevet-server-settings.h"
#include "chevet-store.h"
#include "chevet-training.h"
#include "chevet-sync.h"

/* Exit statuses: 1 when the work failed, 2 when the command line was wrong, 3-7 sync
 * errors (see cmd_sync), 8 when "audit verify" found the trail broken, 9 when the
 * account's role does not allow it (or it would leave no administrator), 10 when failed
 * unlocks impose a wait. */
#define EXIT_USAGE 2
#define EXIT_AUDIT_BROKEN 8
#define EXIT_NOT_ALLOWED 9
#define EXIT_TOO_SOON 10

/* Progress lines on stderr at most this often, in microseconds. */
#define PROGRESS_INTERVAL G_USEC_PER_SEC

typedef struct
{
  const char *name;
  const char *summary;  /* N_() */
  int (*run) (int    argc,
              char **argv);
} CliCommand;

/* Options shared by the commands that open a workspace. GOption writes into these. */
static char *opt_workspace;
static char *opt_account;
static char *opt_passphrase_file;
static char *opt_new_passphrase_file;

static const GOptionEntry workspace_entries[] = {
  { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, &opt_workspace,
    N_("The workspace directory (default: the “clinic” workspace in the user data directory)"),
    N_("PATH") },
  { "account", 'a', 0, G_OPTION_ARG_STRING, &opt_account,
    N_("The account that opens the workspace (required)"), N_("NAME") },
  { "passphrase-file", 'p', 0, G_OPTION_ARG_FILENAME, &opt_passphrase_file,
    N_("Read the account’s passphrase from the first line of FILE (“-” for standard input) "
       "instead of asking on the terminal"),
    N_("FILE") },
  { NULL }
};

static const GOptionEntry new_passphrase_entries[] = {
  { "new-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_new_passphrase_file,
    N_("Read the new passphrase from the first line of FILE instead of asking on the terminal"),
    N_("FILE") },
  { NULL }
};

static void
print_error (const char *message)
{
  g_printerr ("chevet-cli: %s\n", message);
}

static int
usage_error (const char *message)
{
  print_error (message);
  /* Translators: %s is the command, e.g. "chevet-cli import" */
  g_printerr (_("Try “%s --help” for more information.\n"), g_get_prgname ());
  return EXIT_USAGE;
}

static int
fail (GError *error)
{
  print_error (error->message);
  if (g_error_matches (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED) ||
      g_error_matches (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_LAST_ADMINISTRATOR))
    return EXIT_NOT_ALLOWED;
  if (g_error_matches (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON))
    return EXIT_TOO_SOON;
  return EXIT_FAILURE;
}

static GOptionContext *
command_context_new (const char *parameter_string,
                     const char *summary)
{
  GOptionContext *context;

  context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  return context;
}

/* Parses the options of one command; on failure, prints why and returns FALSE. */
static gboolean
parse_command_line (GOptionContext   *context,
                    int              *argc,
                    char           ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      usage_error (error->message);
      return FALSE;
    }
  return TRUE;
}

/* Writes @text to stdout with tabs, line breaks and other control characters turned
 * into spaces, so that one field stays one field. */
static void
print_field (const char *text)
{
  const char *p;

  if (text == NULL)
    return;

  for (p = text; *p != '\0'; p++)
    putchar (g_ascii_iscntrl (*p) ? ' ' : *p);
}

/* Workspaces */

static char *
dup_workspace_path (void)
{
  if (opt_workspace != NULL)
    return g_strdup (opt_workspace);
  return chevet_store_dup_default_path ("clinic");
}

static gboolean
check_account_given (void)
{
  if (opt_account == NULL || *opt_account == '\0')
    {
      usage_error (_("Which account? Give it with --account NAME"));
      return FALSE;
    }
  return TRUE;
}

/* Opens the workspace as --account. The passphrase comes from --passphrase-file or
 * the terminal; it is handed back in @passphrase_out when the caller needs it again,
 * and wiped otherwise. */
static ChevetStore *
open_workspace (ChevetCliSecret **passphrase_out,
                GError          **error)
{
  g_autoptr(ChevetCliSecret) passphrase = NULL;
  g_autofree char *path = dup_workspace_path ();
  g_autofree char *prompt = NULL;
  g_auto(GStrv) accounts = NULL;
  ChevetStore *store;

  g_assert (opt_account != NULL);

  /* Listing the key slots needs no passphrase: say "not a workspace" or "no such
   * account" before asking for one. */
  accounts = chevet_store_dup_accounts (path, error);
  if (accounts == NULL)
    return NULL;

  if (!g_strv_contains ((const char * const *) accounts, opt_account))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT,
                   _("The workspace %s has no account “%s”"), display, opt_account);
      return NULL;
    }

  /* Say "wait" before asking for a passphrase that could not be tried anyway. */
  if (!chevet_store_check_unlock_delay (path, opt_account, error))
    return NULL;

  /* Translators: %s is an account name */
  prompt = g_strdup_printf (_("Passphrase for %s: "), opt_account);
  passphrase = chevet_cli_read_passphrase (opt_passphrase_file, "--passphrase-file",
                                           prompt, NULL, 0, error);
  if (passphrase == NULL)
    return NULL;

  store = chevet_store_open (path, opt_account, passphrase, error);
  if (store == NULL)
    {
      /* Recorded in the audit trail at the next unlock (the database is not open). */
      if (g_error_matches (*error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE))
        chevet_audit_note_failed_unlock (path, opt_account, "wrong-passphrase", NULL);
      return NULL;
    }
  if (!chevet_audit_unlocked (store, error))
    {
      g_object_unref (store);
      return NULL;
    }
  if (passphrase_out != NULL)
    *passphrase_out = g_steal_pointer (&passphrase);

  return store;
}

static ChevetCliSecret *
read_new_passphrase (const char  *file,
                     const char  *option,
                     const char  *account,
                     GError     **error)
{
  g_autoptr(ChevetCliSecret) passphrase = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *repeat_prompt = NULL;

  /* Translators: %s is an account name */
  prompt = g_strdup_printf (_("New passphrase for %s: "), account);
  /* Translators: %s is an account name */
  repeat_prompt = g_strdup_printf (_("Repeat the new passphrase for %s: "), account);

  passphrase = chevet_cli_read_passphrase (file, option, prompt, repeat_prompt,
                                           CHEVET_STORE_MIN_PASSPHRASE, error);
  /* The policy's reason now, before any work; the store checks again. */
  if (passphrase == NULL || !chevet_passphrase_check (account, passphrase, NULL, error))
    return NULL;
  return g_steal_pointer (&passphrase);
}

/* init */

static int
cmd_init (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetCliSecret) passphrase = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autofree char *name = NULL;
  gboolean training = FALSE;
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name,
      N_("The workspace’s name, as people see it (default: “Clinic”)"), N_("NAME") },
    { "training", 0, 0, G_OPTION_ARG_NONE, &training,
      N_("Make a training workspace with the training clinic in it (synthetic patients, "
         "always the same, dated from today): the only kind trainee accounts open, sealed "
         "from any server (for good: a workspace stays clinical or training)"), NULL },
    { NULL }
  };

  context = command_context_new (NULL, _("Create an encrypted workspace with its first account, "
                                         "an administrator."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("init takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;

  path = dup_workspace_path ();
  display = g_filename_display_name (path);

  /* Before asking for a passphrase twice. */
  if (chevet_store_exists (path))
    {
      g_autofree char *message = g_strdup_printf (_("There already is a Chevet workspace in %s"),
                                                  display);
      print_error (message);
      return EXIT_FAILURE;
    }

  passphrase = read_new_passphrase (opt_passphrase_file, "--passphrase-file", opt_account, &error);
  if (passphrase == NULL)
    return fail (error);

  if (training && name == NULL)
    store = chevet_training_create (path, opt_account, passphrase, NULL, &error);
  else if (training)
    {
      store = chevet_store_create_training (path, name, opt_account, passphrase, &error);
      if (store != NULL && !chevet_training_populate (store, NULL, NULL, &error))
        g_clear_object (&store);
    }
  else
    store = chevet_store_create (path, name != NULL ? name : _("Clinic"), opt_account, passphrase,
                                 &error);
  g_clear_pointer (&passphrase, chevet_cli_secret_free);
  if (store == NULL)
    return fail (error);

  /* Translators: the first %s is a workspace name, the second a directory, the third an account */
  g_print (_("Created the workspace “%s” in %s for the account “%s”.\n"),
           chevet_store_get_name (store), display, chevet_store_get_account (store));
  return EXIT_SUCCESS;
}

/* import */

typedef struct
{
  const char *display;
  gint64      last;
  gboolean    tty;
  gboolean    shown;
} Progress;

static void
progress_init (Progress   *progress,
               const char *display)
{
  progress->display = display;
  progress->last = g_get_monotonic_time ();
  progress->tty = isatty (STDERR_FILENO);
  progress->shown = FALSE;
}

static gboolean
progress_due (Progress *progress)
{
  gint64 now = g_get_monotonic_time ();

  if (now - progress->last < PROGRESS_INTERVAL)
    return FALSE;
  progress->last = now;
  return TRUE;
}

static void
progress_show (Progress   *progress,
               const char *line)
{
  /* On a terminal, one line rewritten in place; elsewhere, one line each time. */
  if (progress->tty)
    g_printerr ("\r\033[K%s", line);
  else
    g_printerr ("%s\n", line);
  progress->shown = TRUE;
}

static void
progress_done (Progress *progress)
{
  if (progress->tty && progress->shown)
    g_printerr ("\r\033[K");
  progress->shown = FALSE;
}

static void
on_import_progress (guint64  resources_read,
                    guint64  bytes_read,
                    gpointer user_data)
{
  Progress *progress = user_data;
  g_autofree char *line = NULL;

  if (!progress_due (progress))
    return;

  /* Translators: %s is a file name */
  line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %llu resource", "%s: %llu resources",
                                       (unsigned long) MIN (resources_read, G_MAXULONG)),
                          progress->display, (unsigned long long) resources_read);
  progress_show (progress, line);
}

static int
cmd_import (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  int i;

  context = command_context_new (_("FILE…"),
                                 _("Import FHIR R4 Bundles, resources or NDJSON files.\n\n"
                                   "Each file is imported whole or not at all. The import stops "
                                   "at the first file that fails; the files before it stay "
                                   "imported."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    return usage_error (_("Which files? Give at least one FILE to import"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  for (i = 1; i < argc; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);
      g_autofree char *display = g_filename_display_name (argv[i]);
      ChevetImportStats stats = { 0 };
      Progress progress;
      gboolean ok;

      progress_init (&progress, display);
      ok = chevet_store_import_file (store, file, &stats, on_import_progress, &progress,
                                     NULL, &error);
      progress_done (&progress);
      if (!ok)
        return fail (error);

      /* Translators: %s is a file name; the numbers count resources */
      printf (_("%s: %llu read, %llu created, %llu updated, %llu unchanged, "
                "%llu older ignored, %llu deleted"),
              display,
              (unsigned long long) stats.read,
              (unsigned long long) stats.created,
              (unsigned long long) stats.updated,
              (unsigned long long) stats.unchanged,
              (unsigned long long) stats.older,
              (unsigned long long) stats.deleted);
      if (stats.skipped > 0)
        /* Translators: continues the line above: entries without a resource to keep */
        printf (_(", %llu skipped"), (unsigned long long) stats.skipped);
      putchar ('\n');
      fflush (stdout);
    }

  return EXIT_SUCCESS;
}

/* generate */

static void
on_generate_progress (guint    patients_done,
                      guint    patients_total,
                      gpointer user_data)
{
  Progress *progress = user_data;
  g_autofree char *line = NULL;

  if (!progress_due (progress))
    return;

  /* Translators: progress of the generator, e.g. "120/1000 patients" */
  line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u/%u patient", "%u/%u patients",
                                       patients_total),
                          patients_done, patients_total);
  progress_show (progress, line);
}

static gboolean
parse_unsigned (const char  *option,
                const char  *text,
                guint64      min,
                guint64      max,
                guint64     *out_value)
{
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, out_value, &error))
    {
      /* Translators: %s is an option name, then the reason */
      g_autofree char *message = g_strdup_printf (_("Invalid value for %s: %s"), option,
                                                  error->message);
      usage_error (message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_valid_date (const char *text)
{
  guint64 year, month, day;
  char year_text[5], month_text[3], day_text[3];

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;

  memcpy (year_text, text, 4);
  year_text[4] = '\0';
  memcpy (month_text, text + 5, 2);
  month_text[2] = '\0';
  memcpy (day_text, text + 8, 2);
  day_text[2] = '\0';

  return g_ascii_string_to_unsigned (year_text, 10, 1, 9999, &year, NULL) &&
         g_ascii_string_to_unsigned (month_text, 10, 1, 12, &month, NULL) &&
         g_ascii_string_to_unsigned (day_text, 10, 1, 31, &day, NULL) &&
         g_date_valid_dmy (day, month, year);
}

static guint64
sum_counts (GHashTable *counts)
{
  GHashTableIter iter;
  gpointer value;
  guint64 total = 0;

  if (counts == NULL)
    return 0;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += GPOINTER_TO_UINT (value);
  return total;
}

static int
cmd_generate (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetGenerator) generator = NULL;
  g_autoptr(GOutputStream) base = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *patients_text = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *reference_date = NULL;
  g_autofree char *output = NULL;
  g_autofree char *tmp_path = NULL;
  gboolean patients_only = FALSE;
  guint64 n_patients;
  guint64 seed;
  guint64 total;
  Progress progress;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "patients", 0, 0, G_OPTION_ARG_STRING, &patients_text,
      N_("How many patients to generate (required)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      N_("The random seed: the same seed and date give the same output (required)"), N_("S") },
    { "reference-date", 0, 0, G_OPTION_ARG_STRING, &reference_date,
      N_("Lay clinical dates out backwards from this date (default: today)"), N_("YYYY-MM-DD") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to FILE instead of standard output"), N_("FILE") },
    { "patients-only", 0, 0, G_OPTION_ARG_NONE, &patients_only,
      N_("Only the clinic and its Patient resources, no charts"), NULL },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Write a synthetic rural clinic as FHIR R4 NDJSON, one "
                                   "resource per line. The data are made up; no workspace "
                                   "is opened."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("generate takes no arguments"));
  if (patients_text == NULL)
    return usage_error (_("How many patients? Give --patients N"));
  if (seed_text == NULL)
    return usage_error (_("Which seed? Give --seed S"));
  if (!parse_unsigned ("--patients", patients_text, 0, G_MAXUINT, &n_patients))
    return EXIT_USAGE;
  if (!parse_unsigned ("--seed", seed_text, 0, G_MAXUINT64, &seed))
    return EXIT_USAGE;
  if (reference_date != NULL && !is_valid_date (reference_date))
    return usage_error (_("Invalid value for --reference-date: expected a date as YYYY-MM-DD"));

  if (output != NULL)
    {
      /* Write next to the target and rename at the end, so a failure leaves no
       * truncated file behind and never damages an existing one. */
      int fd;

      tmp_path = g_strdup_printf ("%s.XXXXXX", output);
      fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0666);
      if (fd < 0)
        {
          int saved_errno = errno;
          g_autofree char *display = g_filename_display_name (output);
          g_autofree char *message = NULL;

          message = g_strdup_printf (_("Cannot write %s: %s"), display, g_strerror (saved_errno));
          print_error (message);
          return EXIT_FAILURE;
        }
      base = g_unix_output_stream_new (fd, TRUE);
    }
  else
    {
      base = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
    }
  out = g_buffered_output_stream_new_sized (base, 64 * 1024);

  generator = chevet_generator_new (seed, reference_date);
  chevet_generator_set_patients_only (generator, patients_only);

  progress_init (&progress, NULL);
  ok = chevet_generator_write_ndjson (generator, (guint) n_patients, out,
                                      on_generate_progress, &progress, NULL, &error);
  progress_done (&progress);
  if (ok)
    ok = g_output_stream_close (out, NULL, &error);
  else
    g_output_stream_close (out, NULL, NULL);

  if (ok && tmp_path != NULL && g_rename (tmp_path, output) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (output);

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write %s: %s"), display, g_strerror (saved_errno));
      ok = FALSE;
    }

  if (!ok)
    {
      if (tmp_path != NULL)
        g_unlink (tmp_path);
      return fail (error);
    }

  total = sum_counts (chevet_generator_get_counts (generator));
  /* Translators: a summary on stderr, e.g. "Wrote 1234 resources for 10 patients." */
  g_printerr (g_dngettext (GETTEXT_PACKAGE,
                           "Wrote %llu resources for %u patient.\n",
                           "Wrote %llu resources for %u patients.\n",
                           (unsigned long) n_patients),
              (unsigned long long) total, (guint) n_patients);
  return EXIT_SUCCESS;
}

/* patients */

static int
cmd_patients (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *search = NULL;
  g_autofree char *limit_text = NULL;
  guint64 limit = 50;
  gint64 total;
  guint i;
  const GOptionEntry entries[] = {
    { "search", 's', 0, G_OPTION_ARG_STRING, &search,
      N_("Only patients whose name or identifier starts with TEXT, ignoring case and "
         "accents, or born on a date given as YYYY-MM-DD or DD/MM/YYYY"),
      N_("TEXT") },
    { "limit", 'l', 0, G_OPTION_ARG_STRING, &limit_text,
      N_("Print at most N patients, 0 for all (default: 50)"), N_("N") },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("List patients, one a line: id, name, gender, birth date "
                                   "and identifier, separated by tabs. The number of patients "
                                   "that match goes to standard error."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("patients takes no arguments; search with --search TEXT"));
  if (limit_text != NULL && !parse_unsigned ("--limit", limit_text, 0, G_MAXUINT, &limit))
    return EXIT_USAGE;
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  patients = chevet_store_search_patients (store, search != NULL ? search : "", 0,
                                           limit == 0 ? G_MAXUINT : (guint) limit, &error);
  if (patients == NULL)
    return fail (error);

  total = chevet_store_count_patients (store, search != NULL ? search : "", &error);
  if (total < 0 || !chevet_audit_searched (store, total, &error))
    return fail (error);

  for (i = 0; i < patients->len; i++)
    {
      ChevetPatient *patient = g_ptr_array_index (patients, i);

      print_field (chevet_patient_get_id (patient));
      putchar ('\t');
      print_field (chevet_patient_get_display_name (patient));
      putchar ('\t');
      print_field (chevet_patient_get_gender (patient));
      putchar ('\t');
      print_field (chevet_patient_get_birth_date (patient));
      putchar ('\t');
      print_field (chevet_patient_get_identifier (patient));
      putchar ('\n');
    }
  fflush (stdout);

  g_printerr (g_dngettext (GETTEXT_PACKAGE, "%lld patient matches\n", "%lld patients match\n",
                           (unsigned long) MIN (total, G_MAXLONG)),
              (long long) total);
  return EXIT_SUCCESS;
}

/* chart */

static int
cmd_chart (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *category = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *reason_file = NULL;
  const GOptionEntry entries[] = {
    { "break-glass", 0, 0, G_OPTION_ARG_STRING, &category,
      N_("Open a restricted record (break the glass) for a reason of CATEGORY: emergency, "
         "care (a patient under your care), consent (the patient’s consent) or other"),
      N_("CATEGORY") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why you need the restricted record now (with “other”, at least three words); "
         "it is recorded in the audit trail and reviewed"),
      N_("TEXT") },
    { "reason-file", 0, 0, G_OPTION_ARG_FILENAME, &reason_file,
      N_("Read the reason from FILE (“-” for standard input) instead of --reason, so that it "
         "does not show in the list of running programs"),
      N_("FILE") },
    { NULL }
  };

  context = command_context_new (_("PATIENT_ID"),
                                 _("Print a patient’s chart as text: allergies, problems, "
                                   "medications, latest vital signs and results, encounters. "
                                   "A restricted record (confidentiality R or V) is printed "
                                   "only with --break-glass and --reason, recorded as "
                                   "break-the-glass access."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return usage_error (_("Which patient? Give one PATIENT_ID (see “chevet-cli patients”)"));
  if (reason != NULL && reason_file != NULL)
    return usage_error (_("Give the reason once: --reason TEXT or --reason-file FILE"));
  if (reason_file != NULL)
    {
      if (g_strcmp0 (reason_file, "-") == 0)
        {
          g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
          g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

          if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
            return fail (error);
          reason = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                              g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
        }
      else if (!g_file_get_contents (reason_file, &reason, NULL, &error))
        return fail (error);
      g_strstrip (reason);
    }
  if ((category == NULL) != (reason == NULL))
    return usage_error (_("Give --break-glass CATEGORY and --reason TEXT (or --reason-file FILE) together"));
  if (category != NULL && !chevet_audit_check_break_glass (category, reason, &error))
    return usage_error (error->message);
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  /* Without a reason, a restricted chart is not even read (the attempt is recorded). */
  if (category == NULL && !chevet_audit_check_chart_access (store, argv[1], FALSE, &error))
    {
      if (!g_error_matches (error, CHEVET_AUDIT_ERROR, CHEVET_AUDIT_ERROR_RESTRICTED))
        return fail (error);
      print_error (error->message);
      g_printerr (_("To open it, give --break-glass CATEGORY --reason TEXT (see “%s --help”).\n"),
                  g_get_prgname ());
      return EXIT_FAILURE;
    }

  chart = chevet_store_read_chart (store, argv[1], &error);
  if (chart == NULL && error != NULL)
    return fail (error);
  if (chart != NULL && chart->patient != NULL)
    {
      /* With a reason: break-glass, then chart-open, one transaction. */
      if (category != NULL
          ? !chevet_audit_break_glass (store, argv[1], category, reason, &error)
          : !chevet_audit_append (store, CHEVET_AUDIT_CHART_OPEN, argv[1], CHEVET_AUDIT_SUCCESS, NULL, &error))
        return fail (error);
    }
  if (chart == NULL || chart->patient == NULL)
    {
      /* A resource id identifies no one, so it may appear in a message. */
      g_autofree char *message = g_strdup_printf (_("No patient with the id “%s”"), argv[1]);

      print_error (message);
      return EXIT_FAILURE;
    }

  text = chevet_chart_to_text (chart, NULL);
  fputs (text, stdout);
  if (*text != '\0' && !g_str_has_suffix (text, "\n"))
    putchar ('\n');
  fflush (stdout);
  return EXIT_SUCCESS;
}

/* stats */

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
cmd_stats (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **types = NULL;
  guint n_types, i;

  context = command_context_new (NULL,
                                 _("Count the resources in the workspace: one line per resource "
                                   "type, “TYPE COUNT”, sorted by type."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("stats takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  counts = chevet_store_count_resources (store, &error);
  if (counts == NULL)
    return fail (error);

  types = (const char **) g_hash_table_get_keys_as_array (counts, &n_types);
  qsort (types, n_types, sizeof (char *), compare_strings);
  for (i = 0; i < n_types; i++)
    printf ("%s %u\n", types[i], GPOINTER_TO_UINT (g_hash_table_lookup (counts, types[i])));
  fflush (stdout);
  return EXIT_SUCCESS;
}

/* server */

/* The longest secret read from a file, in bytes (a JWT bearer token can be long). */
#define MAX_SECRET_FILE 16384

static void
free_secret_text (char *text)
{
  if (text == NULL)
    return;
  sodium_memzero (text, strlen (text));
  g_free (text);
}

typedef char SecretText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretText, free_secret_text)

/* A secret from a file: the whole file, without the line ending after it. Never from
 * the command line, where other users of the computer could read it. */
static SecretText *
read_secret_file (const char  *path,
                  const char  *option,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = g_filename_display_name (path);
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      /* Translators: an option such as --token-file, then a file name, then why */
      g_set_error (error, G_IO_ERROR, local_error->code, _("%s: cannot read %s: %s"), option,
                   display, local_error->message);
      return NULL;
    }
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    contents[--len] = '\0';
  if (len == 0 || len > MAX_SECRET_FILE || strlen (contents) != len || strchr (contents, '\n') != NULL)
    {
      sodium_memzero (contents, len);
      g_free (contents);
      /* Translators: an option such as --token-file, then a file name */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: %s must hold the secret alone, on one line"), option, display);
      return NULL;
    }
  return contents;
}

static int
cmd_server_show (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetServerSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  context = command_context_new (_("[set] [OPTION…]"),
                                 _("Show the FHIR server this workspace syncs with; secrets are "
                                   "shown only as “set” or “not set”.\n\n"
                                   "Change it with “chevet-cli server set” (see "
                                   "“chevet-cli server set --help”)."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("server takes no arguments; change the settings with “server set”"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  settings = chevet_server_settings_load (store, &error);
  if (settings == NULL && error != NULL)
    return fail (error);
  if (settings == NULL)
    {
      g_print ("%s\n", _("No server is set: this workspace does not sync yet."));
      return EXIT_SUCCESS;
    }
  text = chevet_server_settings_describe (settings);
  fputs (text, stdout);
  fflush (stdout);
  return EXIT_SUCCESS;
}

static int
cmd_server_set (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetServerSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretText) token = NULL;
  g_autoptr(SecretText) client_secret = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *ca_pem = NULL;
  g_autofree char *token_file = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret_file = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *patients = NULL;
  g_autofree char *types = NULL;
  g_autofree char *text = NULL;
  g_autofree char *send_audit = NULL;
  gboolean no_ca = FALSE, no_auth = FALSE, allow_http_loopback = FALSE;
  gboolean client_options;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      N_("The FHIR base URL (https:// only)"), N_("URL") },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the clinic’s CA certificates in FILE (PEM) for this server"), N_("FILE") },
    { "no-ca", 0, 0, G_OPTION_ARG_NONE, &no_ca,
      N_("Forget the clinic CA: trust the system’s authorities only"), NULL },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file,
      N_("Authenticate with the bearer token in FILE"), N_("FILE") },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id,
      N_("Authenticate with OAuth client credentials: the client id"), N_("CLIENT_ID") },
    { "client-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &client_secret_file,
      N_("The OAuth client secret, read from FILE"), N_("FILE") },
    { "token-url", 0, 0, G_OPTION_ARG_STRING, &token_url,
      N_("The OAuth token endpoint (https:// only)"), N_("URL") },
    { "no-auth", 0, 0, G_OPTION_ARG_NONE, &no_auth,
      N_("Send no credentials"), NULL },
    { "patients", 0, 0, G_OPTION_ARG_STRING, &patients,
      N_("Sync only the patients this FHIR search finds, e.g. organization=Organization/123 "
         "(empty: every patient). A patient who joins it later comes with the whole chart; "
         "one who leaves it is removed with the chart at the next reconciliation (see "
         "“sync --reconcile”), unless notes or vital signs are still to be sent"), N_("QUERY") },
    { "types", 0, 0, G_OPTION_ARG_STRING, &types,
      N_("The resource types to sync, separated by commas (empty: the chart’s types)"),
      N_("T1,T2,…") },
    { "allow-http-loopback", 0, 0, G_OPTION_ARG_NONE, &allow_http_loopback,
      N_("For development: accept plain http:// to this computer (127.0.0.1, ::1, localhost). "
         "Give it each time; it is saved so sync checks it again"), NULL },
    { "send-audit", 0, 0, G_OPTION_ARG_STRING, &send_audit,
      N_("Send the audit trail to the server at the end of each sync, when the server accepts "
         "AuditEvent resources (yes, the default, or no)"), N_("yes|no") },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Set the FHIR server this workspace syncs with. Options not "
                                   "given keep their saved value, except --allow-http-loopback. "
                                   "Secrets are read from files, never from the command line, "
                                   "and kept only in the encrypted workspace."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("server set takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;
  client_options = client_id != NULL || client_secret_file != NULL || token_url != NULL;
  if ((token_file != NULL) + client_options + no_auth > 1)
    return usage_error (_("Give one kind of authentication: --token-file, the client credentials "
                          "options, or --no-auth"));
  if (ca_file != NULL && no_ca)
    return usage_error (_("Give --ca or --no-ca, not both"));
  if (send_audit != NULL && !g_str_equal (send_audit, "yes") && !g_str_equal (send_audit, "no"))
    return usage_error (_("--send-audit takes yes or no"));

  /* Files first: a typo costs no passphrase. */
  if (token_file != NULL && (token = read_secret_file (token_file, "--token-file", &error)) == NULL)
    return fail (error);
  if (client_secret_file != NULL &&
      (client_secret = read_secret_file (client_secret_file, "--client-secret-file", &error)) == NULL)
    return fail (error);
  if (ca_file != NULL && !g_file_get_contents (ca_file, &ca_pem, NULL, &error))
    return fail (error);

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  settings = chevet_server_settings_load (store, &error);
  if (settings == NULL && error != NULL)
    return fail (error);
  if (settings == NULL)
    settings = chevet_server_settings_new ();

  if (url != NULL)
    chevet_server_settings_set_base_url (settings, url);
  chevet_server_settings_set_allow_http_loopback (settings, allow_http_loopback);
  if (ca_pem != NULL)
    chevet_server_settings_set_ca_pem (settings, ca_pem);
  if (no_ca)
    chevet_server_settings_set_ca_pem (settings, NULL);
  if (no_auth)
    chevet_server_settings_set_auth_none (settings);
  if (token != NULL)
    chevet_server_settings_set_auth_bearer (settings, token);
  if (client_options)
    {
      gboolean was_cc = chevet_server_settings_get_auth (settings) == CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS;
      g_autoptr(SecretText) old_secret = NULL;
      g_autofree char *old_id = NULL;
      g_autofree char *old_url = NULL;

      if (!was_cc && (client_id == NULL || client_secret == NULL || token_url == NULL))
        return usage_error (_("Client credentials need --client-id, --client-secret-file and --token-url"));
      old_secret = g_strdup (chevet_server_settings_get_client_secret (settings));
      old_id = g_strdup (chevet_server_settings_get_client_id (settings));
      old_url = g_strdup (chevet_server_settings_get_token_url (settings));
      chevet_server_settings_set_auth_client_credentials (settings,
                                                          token_url != NULL ? token_url : old_url,
                                                          client_id != NULL ? client_id : old_id,
                                                          client_secret != NULL ? client_secret : old_secret);
    }
  if (send_audit != NULL)
    chevet_server_settings_set_send_audit (settings, g_str_equal (send_audit, "yes"));
  if (patients != NULL)
    chevet_server_settings_set_patient_scope (settings, patients);
  if (types != NULL)
    {
      g_auto(GStrv) list = g_strsplit (types, ",", -1);

      chevet_server_settings_set_resource_types (settings, *g_strstrip (types) != '\0'
                                                 ? (const char * const *) list : NULL);
    }

  if (!chevet_server_settings_save (settings, store, &error))
    return fail (error);
  text = chevet_server_settings_describe (settings);
  fputs (text, stdout);
  fflush (stdout);
  return EXIT_SUCCESS;
}

static int
cmd_server (int    argc,
            char **argv)
{
  /* "server" shows, "server set" changes; "server show" is accepted too. */
  if (argc >= 2 && (g_str_equal (argv[1], "set") || g_str_equal (argv[1], "show")))
    {
      g_autofree char *prgname = g_strdup_printf ("%s %s", g_get_prgname (), argv[1]);
      gboolean set = g_str_equal (argv[1], "set");

      g_set_prgname (prgname);
      argv[1] = prgname;
      return set ? cmd_server_set (argc - 1, argv + 1) : cmd_server_show (argc - 1, argv + 1);
    }
  return cmd_server_show (argc, argv);
}

/* outbox */

static int
cmd_outbox (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GListModel) items = NULL;
  g_autoptr(GError) error = NULL;
  gint64 waiting;

  context = command_context_new (NULL,
                                 _("List what was written on this workstation for the server, "
                                   "oldest first, one item a line: order, time written, kind, "
                                   "state, attempts and last error, separated by tabs. No "
                                   "patient data is printed. The number still to send goes to "
                                   "standard error."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("outbox takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  items = chevet_outbox_list (store, &error);
  if (items == NULL)
    return fail (error);
  waiting = chevet_outbox_count_waiting (store, &error);
  if (waiting < 0)
    return fail (error);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(ChevetOutboxItem) item = g_list_model_get_item (items, i);
      g_autoptr(GDateTime) local = g_date_time_to_local (chevet_outbox_item_get_created (item));
      g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");

      printf ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%u\t", chevet_outbox_item_get_seq (item), when,
              chevet_outbox_kind_to_string (chevet_outbox_item_get_kind (item)),
              chevet_outbox_state_to_string (chevet_outbox_item_get_state (item)),
              chevet_outbox_item_get_attempts (item));
      print_field (chevet_outbox_item_get_last_error (item));
      putchar ('\n');
    }
  fflush (stdout);
  g_printerr (g_dngettext (GETTEXT_PACKAGE, "%lld item waiting to be sent\n",
                           "%lld items waiting to be sent\n", (unsigned long) MIN (waiting, G_MAXLONG)),
              (long long) waiting);
  return EXIT_SUCCESS;
}

/* note */

static int
cmd_note_add (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *encounter = NULL;
  g_autofree char *text_file = NULL;
  g_autofree char *text = NULL;
  const GOptionEntry entries[] = {
    { "patient", 0, 0, G_OPTION_ARG_STRING, &patient,
      N_("The patient’s id (required; see “chevet-cli patients”)"), N_("PATIENT_ID") },
    { "encounter", 0, 0, G_OPTION_ARG_STRING, &encounter,
      N_("The id of the encounter the note belongs to"), N_("ENCOUNTER_ID") },
    { "text-file", 0, 0, G_OPTION_ARG_FILENAME, &text_file,
      N_("The note, as UTF-8 text in FILE (required)"), N_("FILE") },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Write a progress note in a patient’s chart. It is saved at "
                                   "once, shown in the chart, and waits in the outbox until it "
                                   "is sent to the server. The account given with --account is "
                                   "its author."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("note add takes no arguments"));
  if (patient == NULL)
    return usage_error (_("Which patient? Give --patient ID"));
  if (text_file == NULL)
    return usage_error (_("Which note? Give --text-file FILE"));
  if (!check_account_given ())
    return EXIT_USAGE;
  if (!g_file_get_contents (text_file, &text, NULL, &error))
    return fail (error);

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  item = chevet_outbox_add_note (store, patient, encounter, text, opt_account, &error);
  if (item == NULL)
    return fail (error);
  /* Translators: %lld is the item's number in the outbox */
  g_print (_("Saved the note; it is item %lld of the outbox, waiting to be sent.\n"),
           (long long) chevet_outbox_item_get_seq (item));
  return EXIT_SUCCESS;
}

/* sync */

/* Exit statuses of "sync", by what the user can do about it (also in --help). */
enum
{
  EXIT_SYNC_NETWORK     = 3,
  EXIT_SYNC_TLS         = 4,
  EXIT_SYNC_CREDENTIALS = 5,
  EXIT_SYNC_SERVER      = 6,
  EXIT_SYNC_DATA        = 7,
};

typedef struct
{
  GMainLoop *loop;
  gboolean   ok;
  GError    *error;
  gint64     last_print;
  int        last_phase;
} SyncProgress;

static void
sync_print (ChevetSync *sync,
            gboolean    force)
{
  gint64 expected = chevet_sync_get_resources_expected (sync);
  guint64 done = chevet_sync_get_resources_done (sync);
  const char *phase = chevet_sync_phase_to_string (chevet_sync_get_phase (sync));

  (void) force;
  if (expected >= 0)
    /* Translators: phase, resources done, resources expected, rate */
    g_printerr (_("%s: %llu/%lld resources, %.0f/s\n"),
                phase, (unsigned long long) done, (long long) expected, chevet_sync_get_rate (sync));
  else
    /* Translators: phase, resources done, rate */
    g_printerr (_("%s: %llu resources, %.0f/s\n"),
                phase, (unsigned long long) done, chevet_sync_get_rate (sync));
}

static void
on_sync_notify (ChevetSync   *sync,
                GParamSpec   *pspec,
                SyncProgress *p)
{
  gint64 now = g_get_monotonic_time ();
  int phase = chevet_sync_get_phase (sync);

  if (phase == p->last_phase && now - p->last_print < G_USEC_PER_SEC / 2)
    return;
  p->last_phase = phase;
  p->last_print = now;
  sync_print (sync, FALSE);
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncProgress *p = user_data;

  p->ok = chevet_sync_run_finish (CHEVET_SYNC (source), result, &p->error);
  g_main_loop_quit (p->loop);
}

static int
sync_exit_status (const GError *error)
{
  if (error->domain != CHEVET_SYNC_ERROR)
    return EXIT_FAILURE;
  switch ((ChevetSyncError) error->code)
    {
    case CHEVET_SYNC_ERROR_NO_NETWORK:
    case CHEVET_SYNC_ERROR_UNREACHABLE:
      return EXIT_SYNC_NETWORK;
    case CHEVET_SYNC_ERROR_CERTIFICATE:
      return EXIT_SYNC_TLS;
    case CHEVET_SYNC_ERROR_CREDENTIALS:
      return EXIT_SYNC_CREDENTIALS;
    case CHEVET_SYNC_ERROR_SERVER:
    case CHEVET_SYNC_ERROR_NOT_SUPPORTED:
      return EXIT_SYNC_SERVER;
    case CHEVET_SYNC_ERROR_INVALID_DATA:
      return EXIT_SYNC_DATA;
    case CHEVET_SYNC_ERROR_NOT_CONFIGURED:
    case CHEVET_SYNC_ERROR_SETTINGS:
    case CHEVET_SYNC_ERROR_TRAINING:
    case CHEVET_SYNC_ERROR_FAILED:
    default:
      return EXIT_FAILURE;
    }
}

static int
cmd_sync (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetSync) sync = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  SyncProgress progress = { 0, };
  gboolean reconcile = FALSE;
  const GOptionEntry entries[] = {
    { "reconcile", 0, 0, G_OPTION_ARG_NONE, &reconcile,
      N_("Also compare every type’s ids with the server’s and remove from the workspace what "
         "the server no longer has (done on its own every 10 syncs or 24 hours for servers "
         "without history, and for patients who left the patient scope)"), NULL },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Fill the workspace from its FHIR server (see “server set”), "
                                   "then send the outbox. A sync that was stopped resumes where "
                                   "it stopped. Progress goes to stderr."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
                                    _("Exit status: 0 done, 1 other failure, 2 usage, 3 network "
                                      "(no network, server unreachable or too slow), 4 certificate "
                                      "not trusted, 5 credentials refused, 6 server error, 7 invalid "
                                      "data from the server."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("sync takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  /* the engine works on this connection, in its own thread; nothing here touches it */
  sync = chevet_sync_new_for_store (store);
  chevet_sync_set_reconcile (sync, reconcile);
  loop = g_main_loop_new (NULL, FALSE);
  progress.loop = loop;
  progress.last_phase = -1;
  g_signal_connect (sync, "notify", G_CALLBACK (on_sync_notify), &progress);
  chevet_sync_run_async (sync, NULL, on_sync_done, &progress);
  g_main_loop_run (loop);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  sync_print (sync, TRUE);
  if (!progress.ok)
    {
      int status = sync_exit_status (progress.error);

      print_error (progress.error->message);
      g_error_free (progress.error);
      return status;
    }
  if (chevet_sync_get_audit_sent (sync) > 0)
    {
      guint64 n = chevet_sync_get_audit_sent (sync);

      g_printerr (g_dngettext (GETTEXT_PACKAGE, "%llu audit entry sent to the server\n",
                               "%llu audit entries sent to the server\n", (gulong) MIN (n, G_MAXULONG)),
                  (unsigned long long) n);
    }
  /* the data are synced; only the audit trail is late (the next sync tries again) */
  if (chevet_sync_get_audit_warning (sync) != NULL)
    g_printerr (_("Warning: %s\n"), chevet_sync_get_audit_warning (sync));
  return EXIT_SUCCESS;
}

static int dispatch (const CliCommand *commands,
                     const char       *summary,
                     gboolean          top_level,
                     int               argc,
                     char            **argv);

static const CliCommand note_commands[] = {
  { "add", N_("Write a progress note in a chart"), cmd_note_add },
  { NULL }
};

static int
cmd_note (int    argc,
          char **argv)
{
  return dispatch (note_commands, _("Notes written on this workstation."), FALSE, argc, argv);
}

/* vitals */

/* A number as typed: "38.5" or "38,5". */
static gboolean
parse_measure (const char *option,
               const char *text,
               double     *out)
{
  g_autofree char *copy = g_strdelimit (g_strstrip (g_strdup (text)), ",", '.');
  char *end = NULL;

  *out = g_ascii_strtod (copy, &end);
  if (*copy == '\0' || end == NULL || *end != '\0')
    {
      /* Translators: %s is an option name */
      g_autofree char *message = g_strdup_printf (_("Invalid value for %s: expected a number"), option);

      usage_error (message);
      return FALSE;
    }
  return TRUE;
}

static int
cmd_vitals_add (int    argc,
                char **argv)
{
  static const struct { const char *option; ChevetVital kind; } options[] = {
    { "--systolic", CHEVET_VITAL_SYSTOLIC }, { "--diastolic", CHEVET_VITAL_DIASTOLIC },
    { "--heart-rate", CHEVET_VITAL_HEART_RATE }, { "--resp-rate", CHEVET_VITAL_RESP_RATE },
    { "--temperature", CHEVET_VITAL_TEMPERATURE }, { "--spo2", CHEVET_VITAL_SPO2 },
    { "--weight", CHEVET_VITAL_WEIGHT }, { "--height", CHEVET_VITAL_HEIGHT },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetVitals) vitals = chevet_vitals_new ();
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *encounter = NULL;
  g_autofree char *time_text = NULL;
  char *values[G_N_ELEMENTS (options)] = { NULL };
  gboolean confirm = FALSE;
  guint confirmed = 0;
  int status = EXIT_SUCCESS;
  const GOptionEntry entries[] = {
    { "patient", 0, 0, G_OPTION_ARG_STRING, &patient,
      N_("The patient’s id (required; see “chevet-cli patients”)"), N_("PATIENT_ID") },
    { "encounter", 0, 0, G_OPTION_ARG_STRING, &encounter,
      N_("The id of the encounter the measurements belong to"), N_("ENCOUNTER_ID") },
    { "systolic", 0, 0, G_OPTION_ARG_STRING, &values[0], N_("Systolic blood pressure, mmHg"), N_("N") },
    { "diastolic", 0, 0, G_OPTION_ARG_STRING, &values[1], N_("Diastolic blood pressure, mmHg"), N_("N") },
    { "heart-rate", 0, 0, G_OPTION_ARG_STRING, &values[2], N_("Heart rate, beats per minute"), N_("N") },
    { "resp-rate", 0, 0, G_OPTION_ARG_STRING, &values[3], N_("Respiratory rate, breaths per minute"), N_("N") },
    { "temperature", 0, 0, G_OPTION_ARG_STRING, &values[4], N_("Body temperature, °C"), N_("C") },
    { "spo2", 0, 0, G_OPTION_ARG_STRING, &values[5], N_("Oxygen saturation (pulse oximetry), %"), N_("N") },
    { "weight", 0, 0, G_OPTION_ARG_STRING, &values[6], N_("Body weight, kg"), N_("KG") },
    { "height", 0, 0, G_OPTION_ARG_STRING, &values[7], N_("Body height, cm"), N_("CM") },
    { "time", 0, 0, G_OPTION_ARG_STRING, &time_text,
      N_("When they were measured, ISO 8601 (default: now)"), N_("TIME") },
    { "confirm", 0, 0, G_OPTION_ARG_NONE, &confirm,
      N_("Save values that are unusual but possible, after checking them"), NULL },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Record vital signs in a patient’s chart. Impossible values "
                                   "are refused; unusual ones are printed and saved only with "
                                   "--confirm. They are saved at once, shown in the chart, and "
                                   "wait in the outbox until they are sent to the server."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    status = EXIT_USAGE;
  else if (argc > 1)
    status = usage_error (_("vitals add takes no arguments"));
  else if (patient == NULL)
    status = usage_error (_("Which patient? Give --patient ID"));
  for (guint i = 0; status == EXIT_SUCCESS && i < G_N_ELEMENTS (options); i++)
    {
      double v;

      if (values[i] == NULL)
        continue;
      if (!parse_measure (options[i].option, values[i], &v))
        status = EXIT_USAGE;
      else
        chevet_vitals_set (vitals, options[i].kind, v);
    }
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    g_free (values[i]);
  if (status != EXIT_SUCCESS)
    return status;
  if (time_text != NULL)
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (time_text, local);

      if (when == NULL)
        return usage_error (_("Invalid value for --time: expected a time as YYYY-MM-DDTHH:MM"));
      chevet_vitals_set_effective (vitals, when);
    }
  if (!check_account_given ())
    return EXIT_USAGE;

  /* Checked before asking for a passphrase. */
  if (!chevet_vitals_check (vitals, &warnings, &error))
    return fail (error);
  for (guint i = 0; i < warnings->len; i++)
    {
      ChevetVitalWarning *w = g_ptr_array_index (warnings, i);

      /* Translators: a warning about an unusual value, on stderr */
      g_printerr (_("chevet-cli: warning: %s\n"), w->message);
      confirmed |= CHEVET_VITAL_FLAG (w->kind);
    }
  if (warnings->len > 0 && !confirm)
    {
      print_error (_("Nothing saved: check the values above, then give --confirm to save them"));
      return EXIT_FAILURE;
    }

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  items = chevet_outbox_add_vitals (store, patient, encounter, vitals, confirmed, opt_account, &error);
  if (items == NULL)
    return fail (error);
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "Saved %u observation; it waits in the outbox to be sent.\n",
                        "Saved %u observations; they wait in the outbox to be sent.\n", items->len),
           items->len);
  return EXIT_SUCCESS;
}

static const CliCommand vitals_commands[] = {
  { "add", N_("Record vital signs in a chart"), cmd_vitals_add },
  { NULL }
};

static int
cmd_vitals (int    argc,
            char **argv)
{
  return dispatch (vitals_commands, _("Vital signs recorded on this workstation."), FALSE, argc, argv);
}

/* account */

static gboolean
parse_role (const char *text,
            ChevetRole *out_role)
{
  if (chevet_role_from_string (text, out_role))
    return TRUE;
  {
    /* Translators: %s is what the user typed; keep the three role names in English */
    g_autofree char *message = g_strdup_printf (_("Unknown role “%s”: give administrator, "
                                                  "clinician or trainee"), text);
    usage_error (message);
  }
  return FALSE;
}

static const char account_exit_statuses[] =
  N_("Exit status: 0 done, 1 failure, 2 usage, 9 not allowed (only an administrator manages "
     "accounts; the last administrator stays), 10 too many failed unlocks: wait.");

static int
cmd_account_add (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetCliSecret) passphrase = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *role_text = NULL;
  ChevetRole role = CHEVET_ROLE_CLINICIAN;
  const GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role_text,
      N_("administrator, clinician (the default) or trainee (only in a training workspace)"),
      N_("ROLE") },
    { NULL }
  };

  context = command_context_new (_("NAME"),
                                 _("Give another account its own passphrase to open the "
                                   "workspace, with a role. The account given with --account, "
                                   "an administrator, opens it first."));
  g_option_context_set_description (context, _(account_exit_statuses));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, new_passphrase_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return usage_error (_("Which account? Give one NAME to add"));
  if (role_text != NULL && !parse_role (role_text, &role))
    return EXIT_USAGE;
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  /* Before asking for a passphrase that could not be used. */
  if (chevet_store_get_role (store) != CHEVET_ROLE_ADMINISTRATOR)
    {
      g_set_error (&error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("Only an administrator can add or remove accounts, change roles or reset "
                     "passphrases: “%s” is not an administrator"), opt_account);
      return fail (error);
    }

  passphrase = read_new_passphrase (opt_new_passphrase_file, "--new-passphrase-file", argv[1],
                                    &error);
  if (passphrase == NULL)
    return fail (error);

  if (!chevet_store_add_account (store, argv[1], role, passphrase, &error))
    return fail (error);

  /* Translators: the first %s is an account name, the second a role ("Clinician") */
  g_print (_("Added the account “%s” (%s).\n"), argv[1], chevet_role_get_label (role));
  return EXIT_SUCCESS;
}

static int
cmd_account_remove (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;

  context = command_context_new (_("NAME"),
                                 _("Remove an account: its passphrase no longer opens the "
                                   "workspace. The account given with --account, an "
                                   "administrator, opens it first."));
  g_option_context_set_description (context, _(account_exit_statuses));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return usage_error (_("Which account? Give one NAME to remove"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  if (!chevet_store_remove_account (store, argv[1], &error))
    return fail (error);

  /* Translators: %s is an account name */
  g_print (_("Removed the account “%s”.\n"), argv[1]);
  return EXIT_SUCCESS;
}

static int
cmd_account_role (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  ChevetRole role;

  context = command_context_new (_("NAME ROLE"),
                                 _("Give an account another role: administrator, clinician or "
                                   "trainee (only in a training workspace). The account given "
                                   "with --account, an administrator, opens the workspace "
                                   "first."));
  g_option_context_set_description (context, _(account_exit_statuses));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 3)
    return usage_error (_("Which account and role? Give NAME and ROLE"));
  if (!parse_role (argv[2], &role))
    return EXIT_USAGE;
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);

  if (!chevet_store_set_role (store, argv[1], role, &error))
    return fail (error);

  /* Translators: the first %s is an account name, the second a role ("Clinician") */
  g_print (_("The account “%s” is now: %s.\n"), argv[1], chevet_role_get_label (role));
  return EXIT_SUCCESS;
}

static int
cmd_account_reset (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetCliSecret) passphrase = NULL;
  g_autoptr(GError) error = NULL;

  context = command_context_new (_("NAME"),
                                 _("Give another account a new passphrase without its old one "
                                   "(it was forgotten); the old one stops working. The account "
                                   "given with --account, an administrator, opens the workspace "
                                   "first."));
  g_option_context_set_description (context, _(account_exit_statuses));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, new_passphrase_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return usage_error (_("Which account? Give the NAME of the account whose passphrase is to be reset"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  if (chevet_store_get_role (store) != CHEVET_ROLE_ADMINISTRATOR)
    {
      g_set_error (&error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED,
                   _("Only an administrator can add or remove accounts, change roles or reset "
                     "passphrases: “%s” is not an administrator"), opt_account);
      return fail (error);
    }

  passphrase = read_new_passphrase (opt_new_passphrase_file, "--new-passphrase-file", argv[1],
                                    &error);
  if (passphrase == NULL)
    return fail (error);

  if (!chevet_store_reset_passphrase (store, argv[1], passphrase, &error))
    return fail (error);

  /* Translators: %s is an account name */
  g_print (_("The passphrase of the account “%s” was reset.\n"), argv[1]);
  return EXIT_SUCCESS;
}

static int
cmd_account_passphrase (int    argc,
                        char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetCliSecret) old_passphrase = NULL;
  g_autoptr(ChevetCliSecret) new_passphrase = NULL;
  g_autoptr(GError) error = NULL;

  context = command_context_new (NULL, _("Change the passphrase of the account given with "
                                         "--account: the old one opens the workspace, then the "
                                         "new one replaces it."));
  g_option_context_set_description (context, _(account_exit_statuses));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, new_passphrase_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("account passphrase takes no arguments; the account is --account NAME"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (&old_passphrase, &error);
  if (store == NULL)
    return fail (error);

  new_passphrase = read_new_passphrase (opt_new_passphrase_file, "--new-passphrase-file",
                                        opt_account, &error);
  if (new_passphrase == NULL)
    return fail (error);

  if (!chevet_store_change_passphrase (store, old_passphrase, new_passphrase, &error))
    return fail (error);

  /* Translators: %s is an account name */
  g_print (_("Changed the passphrase of the account “%s”.\n"), opt_account);
  return EXIT_SUCCESS;
}

static int
cmd_account_list (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) accounts = NULL;
  g_autofree char *path = NULL;
  guint i;

  context = command_context_new (NULL, _("List the accounts that can open the workspace, one a "
                                         "line. Without --account, the names only, and no "
                                         "passphrase is needed; with it, that account opens the "
                                         "workspace and each line is name, role and creation "
                                         "date (UTC, empty for accounts made before roles), "
                                         "separated by tabs."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("account list takes no arguments"));

  if (opt_account == NULL)
    {
      path = dup_workspace_path ();
      accounts = chevet_store_dup_accounts (path, &error);
      if (accounts == NULL)
        return fail (error);
      for (i = 0; accounts[i] != NULL; i++)
        {
          print_field (accounts[i]);
          putchar ('\n');
        }
      fflush (stdout);
      return EXIT_SUCCESS;
    }

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  infos = chevet_store_list_accounts (store, &error);
  if (infos == NULL)
    return fail (error);
  for (i = 0; i < infos->len; i++)
    {
      ChevetAccountInfo *info = g_ptr_array_index (infos, i);

      print_field (info->name);
      putchar ('\t');
      print_field (chevet_role_to_string (info->role));
      putchar ('\t');
      if (info->created > 0)
        {
          g_autoptr(GDateTime) created = g_date_time_new_from_unix_utc (info->created / G_USEC_PER_SEC);
          g_autofree char *text = created != NULL ? g_date_time_format (created, "%Y-%m-%dT%H:%M:%SZ") : NULL;

          print_field (text);
        }
      putchar ('\n');
    }
  fflush (stdout);
  return EXIT_SUCCESS;
}

static const CliCommand account_commands[] = {
  { "list", N_("List the accounts, with their roles when --account is given"), cmd_account_list },
  { "add", N_("Add an account with its own passphrase and a role"), cmd_account_add },
  { "remove", N_("Remove an account"), cmd_account_remove },
  { "role", N_("Change an account’s role"), cmd_account_role },
  { "passphrase", N_("Change your own passphrase"), cmd_account_passphrase },
  { "passwd", N_("The same as “passphrase”"), cmd_account_passphrase },
  { "reset", N_("Give another account a new passphrase (administrators)"), cmd_account_reset },
  { NULL }
};

static int
cmd_account (int    argc,
             char **argv)
{
  return dispatch (account_commands,
                   _("Manage the accounts that can open a workspace. Each account has its own "
                     "passphrase and a role: administrators manage accounts, clinicians work "
                     "in charts, trainees open only a training workspace. None of these "
                     "commands re-encrypts the data."),
                   FALSE, argc, argv);
}

/* audit */

static int
cmd_audit_verify (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  ChevetAuditReport report;

  context = command_context_new (NULL,
                                 _("Check the audit trail’s hash chain: every entry, from the "
                                   "first kept to the last. Exits 0 when it is intact, 8 naming "
                                   "the first bad entry when it is not."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("audit verify takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  if (!chevet_audit_verify (store, &report, &error))
    return fail (error);
  text = chevet_audit_report_describe (&report);
  if (report.problem != CHEVET_AUDIT_INTACT)
    {
      print_error (text);
      return EXIT_AUDIT_BROKEN;
    }
  g_print ("%s\n", text);
  return EXIT_SUCCESS;
}

typedef struct
{
  guint64 n;
} ListData;

static gboolean
print_entry (const ChevetAuditEntry  *entry,
             gpointer                 user_data,
             GError                 **error)
{
  ListData *data = user_data;

  printf ("%" G_GINT64_FORMAT "\t", entry->seq);
  print_field (entry->time);
  putchar ('\t');
  print_field (entry->account);
  putchar ('\t');
  print_field (entry->action);
  putchar ('\t');
  print_field (entry->patient != NULL ? entry->patient : "-");
  putchar ('\t');
  print_field (entry->outcome);
  putchar ('\t');
  print_field (entry->detail != NULL ? entry->detail : "-");
  putchar ('\n');
  data->n++;
  return TRUE;
}

static int
cmd_audit_list (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after_text = NULL;
  g_autofree char *limit_text = NULL;
  guint64 after = 0, limit = 0;
  ListData data = { 0 };
  const GOptionEntry entries[] = {
    { "after", 0, 0, G_OPTION_ARG_STRING, &after_text,
      N_("Only the entries after entry number SEQ"), N_("SEQ") },
    { "limit", 'l', 0, G_OPTION_ARG_STRING, &limit_text,
      N_("At most N entries (default: all)"), N_("N") },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("List the audit trail, oldest first, one entry a line: "
                                   "“SEQ TIME ACCOUNT ACTION PATIENT OUTCOME DETAIL”, separated "
                                   "by tabs, “-” for none."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("audit list takes no arguments"));
  if ((after_text != NULL && !parse_unsigned ("--after", after_text, 0, G_MAXINT64, &after)) ||
      (limit_text != NULL && !parse_unsigned ("--limit", limit_text, 0, G_MAXINT64, &limit)))
    return EXIT_USAGE;
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  if (!chevet_audit_check_administrator (store, &error) ||
      !chevet_audit_foreach (store, (gint64) after, limit, print_entry, &data, &error))
    return fail (error);
  fflush (stdout);
  return EXIT_SUCCESS;
}

static int
cmd_audit_export (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GOutputStream) buffered = NULL;
  g_autofree char *output = NULL;
  guint64 n = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to FILE (created with mode 0600) instead of standard output"), N_("FILE") },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Write the audit trail as FHIR R4 AuditEvent resources, one "
                                   "JSON object a line (NDJSON). The export is itself recorded."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("audit export takes no arguments; name the file with --output"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  if (output != NULL && !g_str_equal (output, "-"))
    {
      int fd = g_open (output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          int saved_errno = errno;
          g_autofree char *display = g_filename_display_name (output);
          g_autofree char *message = g_strdup_printf (_("Could not write “%s”: %s"), display,
                                                      g_strerror (saved_errno));

          print_error (message);
          return EXIT_FAILURE;
        }
      out = g_unix_output_stream_new (fd, TRUE);
    }
  else
    out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  buffered = g_buffered_output_stream_new_sized (out, 1 << 16);
  if (!chevet_audit_export_fhir (store, buffered, &n, NULL, &error) ||
      !g_output_stream_close (buffered, NULL, &error))
    return fail (error);
  g_printerr (g_dngettext (GETTEXT_PACKAGE, "%llu audit event written\n", "%llu audit events written\n",
                           (unsigned long) MIN (n, G_MAXLONG)), (unsigned long long) n);
  return EXIT_SUCCESS;
}

static int
cmd_audit_prune (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) before = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *retention_text = NULL;
  guint64 days = 0, n = 0;
  const GOptionEntry entries[] = {
    { "retention-days", 0, 0, G_OPTION_ARG_STRING, &retention_text,
      N_("Keep DAYS days from now on (saved in the workspace; default 365)"), N_("DAYS") },
    { "before", 0, 0, G_OPTION_ARG_STRING, &before_text,
      N_("Remove the entries recorded before TIME (ISO 8601, e.g. 2026-01-01T00:00:00Z) "
         "instead of those past the retention"), N_("TIME") },
    { NULL }
  };

  context = command_context_new (NULL,
                                 _("Remove the oldest audit entries, past the retention (12 months "
                                   "unless set). The chain stays verifiable: it then starts from "
                                   "the last entry removed."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("audit prune takes no arguments"));
  if (retention_text != NULL && !parse_unsigned ("--retention-days", retention_text, 1, 36600, &days))
    return EXIT_USAGE;
  if (before_text != NULL && (before = g_date_time_new_from_iso8601 (before_text, NULL)) == NULL)
    return usage_error (_("--before takes an ISO 8601 time with a time zone, e.g. 2026-01-01T00:00:00Z"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  if (days > 0 && !chevet_audit_set_retention_days (store, (guint) days, &error))
    return fail (error);
  if (!chevet_audit_check_administrator (store, &error) ||
      !chevet_audit_prune (store, before, &n, &error))
    return fail (error);
  g_print (g_dngettext (GETTEXT_PACKAGE, "%llu audit entry removed; retention %u days\n",
                        "%llu audit entries removed; retention %u days\n",
                        (unsigned long) MIN (n, G_MAXLONG)),
           (unsigned long long) n, chevet_audit_get_retention_days (store));
  return EXIT_SUCCESS;
}

static const CliCommand audit_commands[] = {
  { "verify", N_("Check the hash chain; name the first bad entry"), cmd_audit_verify },
  { "list", N_("List the entries"), cmd_audit_list },
  { "export", N_("Write FHIR AuditEvent NDJSON"), cmd_audit_export },
  { "prune", N_("Remove entries past the retention"), cmd_audit_prune },
  { NULL }
};

static int
cmd_audit (int    argc,
           char **argv)
{
  return dispatch (audit_commands,
                   _("The workspace’s audit trail: who unlocked, opened which chart, searched, "
                     "printed, synced, when. Entries are chained by hashes, so an edited, "
                     "removed, inserted or reordered entry is found by “verify”."),
                   FALSE, argc, argv);
}

/* training */

static int
cmd_training_reset (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;

  context = command_context_new (NULL,
                                 _("Put the training workspace back in its initial state, dated "
                                   "from today: every note and vital sign written in it and the "
                                   "recent patients go; accounts, trainees’ progress and the audit "
                                   "trail stay. Administrators only."));
  g_option_context_add_main_entries (context, workspace_entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    return usage_error (_("training reset takes no arguments"));
  if (!check_account_given ())
    return EXIT_USAGE;

  store = open_workspace (NULL, &error);
  if (store == NULL)
    return fail (error);
  if (!chevet_training_reset (store, NULL, &error))
    return fail (error);
  g_print (_("The training workspace is back in its initial state.\n"));
  return EXIT_SUCCESS;
}

static const CliCommand training_commands[] = {
  { "reset", N_("Put the training clinic back in its initial state"), cmd_training_reset },
  { NULL }
};

static int
cmd_training (int    argc,
              char **argv)
{
  return dispatch (training_commands,
                   _("The training workspace (made with “init --training”): synthetic patients "
                     "for the guided tutorials, sealed from any server."),
                   FALSE, argc, argv);
}

static const CliCommand commands[] = {
  { "init", N_("Create an encrypted workspace"), cmd_init },
  { "import", N_("Import FHIR R4 Bundles, resources or NDJSON files"), cmd_import },
  { "generate", N_("Write a synthetic clinic as FHIR R4 NDJSON"), cmd_generate },
  { "patients", N_("List or search patients"), cmd_patients },
  { "chart", N_("Print a patient’s chart"), cmd_chart },
  { "stats", N_("Count resources by type"), cmd_stats },
  { "account", N_("List, add or remove accounts, change roles and passphrases"), cmd_account },
  { "server", N_("Show or set the FHIR server to sync with"), cmd_server },
  { "outbox", N_("List what waits to be sent to the server"), cmd_outbox },
  { "note", N_("Write a progress note in a chart"), cmd_note },
  { "vitals", N_("Record vital signs in a chart"), cmd_vitals },
  { "sync", N_("Sync the workspace with its FHIR server and send the outbox"), cmd_sync },
  { "audit", N_("Verify, list, export or prune the audit trail"), cmd_audit },
  { "training", N_("Reset the training workspace"), cmd_training },
  { NULL }
};

/* Runs the command named by the first argument; @argv[0] is the program, or the
 * program and the commands before, as in "chevet-cli account". */
static int
dispatch (const CliCommand *table,
          const char       *summary,
          gboolean          top_level,
          int               argc,
          char            **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *prgname = NULL;
  g_autofree char *hint = NULL;
  gboolean version = FALSE;
  const CliCommand *command;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_string_append (description, _("Commands:"));
  g_string_append_c (description, '\n');
  for (command = table; command->name != NULL; command++)
    g_string_append_printf (description, "  %-10s %s\n", command->name, _(command->summary));
  g_string_append_c (description, '\n');
  hint = g_strdup_printf (_("Run “%s COMMAND --help” for the options of a command."),
                          g_get_prgname ());
  g_string_append (description, hint);

  context = command_context_new (_("COMMAND [OPTION…]"), summary);
  g_option_context_set_description (context, description->str);
  /* Stop at the command: the options after it are the command's. */
  g_option_context_set_strict_posix (context, TRUE);
  if (top_level)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_command_line (context, &argc, &argv))
    return EXIT_USAGE;

  if (version)
    {
      g_print ("chevet-cli %s\n", VERSION);
      return EXIT_SUCCESS;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_USAGE;
    }

  for (command = table; command->name != NULL; command++)
    {
      if (g_str_equal (command->name, argv[1]))
        break;
    }

  if (command->name == NULL)
    {
      /* Translators: %s is what the user typed as a command */
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);

      return usage_error (message);
    }

  /* Usage lines and messages name the command: "chevet-cli account add". */
  prgname = g_strdup_printf ("%s %s", g_get_prgname (), command->name);
  g_set_prgname (prgname);
  argv[1] = prgname;

  return command->run (argc - 1, argv + 1);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char **args = NULL;
  int status;
  int i;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("chevet-cli");
  /* stdout is data (NDJSON, `stats` lines, exports) that scripts read: debug and info
   * messages (G_MESSAGES_DEBUG) go to stderr with the errors, never in between. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (sodium_init () < 0)
    {
      print_error (_("Cannot initialize libsodium"));
      return EXIT_FAILURE;
    }

  /* GOption rearranges and shortens the vector it parses: hand it a copy so the
   * strings stay owned by main. */
  args = g_new0 (char *, argc + 1);
  for (i = 0; i < argc; i++)
    args[i] = argv[i];

  status = dispatch (commands,
                     _("Work with a Chevet workspace from the command line: an encrypted "
                       "cache of FHIR R4 data."),
                     TRUE, argc, args);

  g_clear_pointer (&opt_workspace, g_free);
  g_clear_pointer (&opt_account, g_free);
  g_clear_pointer (&opt_passphrase_file, g_free);
  g_clear_pointer (&opt_new_passphrase_file, g_free);

  return status;
}
