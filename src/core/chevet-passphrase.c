/* chevet-passphrase.c: the passphrase policy applied to every new passphrase
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Our own checks first (length in characters, the account name), then libpwquality's,
 * which include cracklib's dictionary check. libpwquality is configured in code from its
 * built-in defaults and never from /etc/security/pwquality.conf: the same passphrase is
 * accepted on every workstation, whatever the system administrator set for logins.
 * Its messages are not shown: each refusal gets one of our own sentences.
 */
#define G_LOG_DOMAIN "chevet-passphrase"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <pwquality.h>
#include <sodium.h>
#include <string.h>

#include "chevet-passphrase.h"

G_DEFINE_QUARK (chevet-passphrase-error-quark, chevet_passphrase_error)

/* cracklib's shortest word worth looking up in its dictionary. */
#define CORE_MIN_LENGTH 6

static char *dictionary_for_testing;

void
chevet_passphrase_set_dictionary_for_testing (const char *path)
{
  g_free (dictionary_for_testing);
  dictionary_for_testing = g_strdup (path);
}

static pwquality_settings_t *
settings_new (int min_length)
{
  pwquality_settings_t *pwq = pwquality_default_settings ();

  if (pwq == NULL)
    return NULL;
  /* No credits: with them, a digit or a capital would count as an extra character and
   * minlen would no longer mean characters. */
  pwquality_set_int_value (pwq, PWQ_SETTING_MIN_LENGTH, min_length);
  pwquality_set_int_value (pwq, PWQ_SETTING_DIG_CREDIT, 0);
  pwquality_set_int_value (pwq, PWQ_SETTING_UP_CREDIT, 0);
  pwquality_set_int_value (pwq, PWQ_SETTING_LOW_CREDIT, 0);
  pwquality_set_int_value (pwq, PWQ_SETTING_OTH_CREDIT, 0);
  /* Ours compares with the account name, case-insensitively and in any script. */
  pwquality_set_int_value (pwq, PWQ_SETTING_USER_CHECK, 0);
  pwquality_set_int_value (pwq, PWQ_SETTING_GECOS_CHECK, 0);
  pwquality_set_int_value (pwq, PWQ_SETTING_DICT_CHECK, 1);
  if (dictionary_for_testing != NULL)
    pwquality_set_str_value (pwq, PWQ_SETTING_DICT_PATH, dictionary_for_testing);
  return pwq;
}

/* cracklib's reason, in English or as cracklib translated it. */
static gboolean
is_cracklib_reason (const char *reason,
                    const char *msgid)
{
  return g_strcmp0 (reason, msgid) == 0 || g_strcmp0 (reason, g_dgettext ("cracklib", msgid)) == 0;
}

static void
set_error (GError               **error,
           ChevetPassphraseError  code,
           const char            *account)
{
  switch (code)
    {
    case CHEVET_PASSPHRASE_ERROR_TOO_SHORT:
      g_set_error (error, CHEVET_PASSPHRASE_ERROR, code,
                   g_dngettext (GETTEXT_PACKAGE,
                                "This passphrase is too short: use at least %d character (a few words make a good passphrase)",
                                "This passphrase is too short: use at least %d characters (a few words make a good passphrase)",
                                CHEVET_PASSPHRASE_MIN_LENGTH),
                   CHEVET_PASSPHRASE_MIN_LENGTH);
      break;
    case CHEVET_PASSPHRASE_ERROR_CONTAINS_ACCOUNT:
      g_set_error (error, CHEVET_PASSPHRASE_ERROR, code,
                   _("This passphrase contains the account name “%s”: choose one without it"),
                   account);
      break;
    case CHEVET_PASSPHRASE_ERROR_COMMON:
      g_set_error_literal (error, CHEVET_PASSPHRASE_ERROR, code,
                           _("This passphrase is a common password or a dictionary word: "
                             "add more words"));
      break;
    case CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE:
      g_set_error_literal (error, CHEVET_PASSPHRASE_ERROR, code,
                           _("This passphrase is too simple: it has too few different characters "
                             "or follows a pattern such as “abcd” or “1234”"));
      break;
    case CHEVET_PASSPHRASE_ERROR_NO_DICTIONARY:
      g_set_error_literal (error, CHEVET_PASSPHRASE_ERROR, code,
                           _("Cannot check the passphrase: the dictionary of common passwords "
                             "is missing (install the “cracklib-runtime” package)"));
      break;
    case CHEVET_PASSPHRASE_ERROR_FAILED:
    default:
      g_set_error_literal (error, CHEVET_PASSPHRASE_ERROR, CHEVET_PASSPHRASE_ERROR_FAILED,
                           _("Cannot check the passphrase: not enough memory"));
      break;
    }
}

/* Runs libpwquality on @text: its score (0-100), or -1 with the refusal's code. */
static int
run_pwquality (const char            *text,
               int                    min_length,
               ChevetPassphraseError *out_code)
{
  pwquality_settings_t *pwq = settings_new (min_length);
  char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
  void *aux = NULL;
  int r;

  if (pwq == NULL)
    {
      *out_code = CHEVET_PASSPHRASE_ERROR_FAILED;
      return -1;
    }
  r = pwquality_check (pwq, text, NULL, NULL, &aux);
  if (r >= 0)
    {
      pwquality_free_settings (pwq);
      return MIN (r, 100);
    }

  switch (r)
    {
    case PWQ_ERROR_CRACKLIB_CHECK:
      if (is_cracklib_reason (aux, "error loading dictionary"))
        *out_code = CHEVET_PASSPHRASE_ERROR_NO_DICTIONARY;
      else if (is_cracklib_reason (aux, "it is based on a dictionary word") ||
               is_cracklib_reason (aux, "it is based on a (reversed) dictionary word"))
        *out_code = CHEVET_PASSPHRASE_ERROR_COMMON;
      else if (is_cracklib_reason (aux, "it is WAY too short") ||
               is_cracklib_reason (aux, "it is too short"))
        *out_code = CHEVET_PASSPHRASE_ERROR_TOO_SHORT;
      else
        *out_code = CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE;
      break;
    case PWQ_ERROR_MIN_LENGTH:
    case PWQ_ERROR_EMPTY_PASSWORD:
      *out_code = CHEVET_PASSPHRASE_ERROR_TOO_SHORT;
      break;
    case PWQ_ERROR_BAD_WORDS:
      *out_code = CHEVET_PASSPHRASE_ERROR_COMMON;
      break;
    case PWQ_ERROR_MEM_ALLOC:
    case PWQ_ERROR_FATAL_FAILURE:
      *out_code = CHEVET_PASSPHRASE_ERROR_FAILED;
      break;
    default:
      /* Palindrome, repeats, sequences, case changes only, too few classes, ... */
      *out_code = CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE;
      break;
    }
  /* Frees what pwquality_check may have allocated in @aux; the text is not used. */
  pwquality_strerror (buf, sizeof buf, r, aux);
  pwquality_free_settings (pwq);
  return -1;
}

/* The word inside a passphrase like "password1234" or "monkeymonkey12": the letters
 * without the digits and symbols around them, and a word said twice said once. cracklib
 * looks words up whole, and at 12 characters these pass it. NULL when there is no such
 * word or it is the passphrase itself. */
static char *
dup_core_word (const char *text)
{
  const char *start = text, *end = text + strlen (text);
  g_autofree char *core = NULL;
  glong n;

  while (*start != '\0' && !g_unichar_isalpha (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  while (end > start && !g_unichar_isalpha (g_utf8_get_char (g_utf8_prev_char (end))))
    end = g_utf8_prev_char (end);
  core = g_strndup (start, end - start);
  n = strlen (core);
  for (glong period = 1; period <= n / 2; period++)
    {
      gboolean repeats = n % period == 0;

      for (glong i = period; repeats && i < n; i++)
        repeats = core[i] == core[i - period];
      if (repeats)
        {
          core[period] = '\0';
          break;
        }
    }
  if (g_utf8_strlen (core, -1) < CORE_MIN_LENGTH || strcmp (core, text) == 0)
    return NULL;
  return g_steal_pointer (&core);
}

static gboolean
contains_account (const char *folded,
                  const char *account)
{
  g_autofree char *name = NULL;
  g_autofree char *reversed = NULL;

  /* One or two letters would match half the passphrases there are. */
  if (account == NULL || !g_utf8_validate (account, -1, NULL) || g_utf8_strlen (account, -1) < 3)
    return FALSE;
  name = g_utf8_casefold (account, -1);
  reversed = g_utf8_strreverse (name, -1);
  return strstr (folded, name) != NULL || strstr (folded, reversed) != NULL;
}

gboolean
chevet_passphrase_check (const char  *account,
                         const char  *passphrase,
                         guint       *out_score,
                         GError     **error)
{
  g_autofree char *nfc = NULL;
  g_autofree char *folded = NULL;
  g_autofree char *core = NULL;
  ChevetPassphraseError code = CHEVET_PASSPHRASE_ERROR_FAILED;
  int score;

  if (out_score != NULL)
    *out_score = 0;
  if (passphrase == NULL || !g_utf8_validate (passphrase, -1, NULL))
    {
      set_error (error, CHEVET_PASSPHRASE_ERROR_TOO_SHORT, account);
      return FALSE;
    }
  /* The form the key is derived from (chevet-store.c). */
  nfc = g_utf8_normalize (passphrase, -1, G_NORMALIZE_NFC);
  if (g_utf8_strlen (nfc, -1) < CHEVET_PASSPHRASE_MIN_LENGTH)
    {
      set_error (error, CHEVET_PASSPHRASE_ERROR_TOO_SHORT, account);
      goto refused;
    }
  folded = g_utf8_casefold (nfc, -1);
  if (contains_account (folded, account))
    {
      set_error (error, CHEVET_PASSPHRASE_ERROR_CONTAINS_ACCOUNT, account);
      goto refused;
    }
  score = run_pwquality (nfc, CHEVET_PASSPHRASE_MIN_LENGTH, &code);
  if (score < 0)
    {
      set_error (error, code, account);
      goto refused;
    }
  core = dup_core_word (folded);
  if (core != NULL && run_pwquality (core, CORE_MIN_LENGTH, &code) < 0 &&
      code == CHEVET_PASSPHRASE_ERROR_COMMON)
    {
      set_error (error, CHEVET_PASSPHRASE_ERROR_COMMON, account);
      goto refused;
    }

  sodium_memzero (nfc, strlen (nfc));
  sodium_memzero (folded, strlen (folded));
  if (core != NULL)
    sodium_memzero (core, strlen (core));
  if (out_score != NULL)
    *out_score = score;
  return TRUE;

refused:
  sodium_memzero (nfc, strlen (nfc));
  if (folded != NULL)
    sodium_memzero (folded, strlen (folded));
  if (core != NULL)
    sodium_memzero (core, strlen (core));
  return FALSE;
}
