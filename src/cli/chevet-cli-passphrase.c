/* chevet-cli-passphrase.c: read passphrases from a file or the terminal, and wipe them
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "chevet-cli"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "chevet-cli-passphrase.h"

/* Room for the longest passphrase, a CR LF line ending and the NUL. Every secret has
 * this size, so freeing can wipe all of it, including what followed the first line. */
#define SECRET_SIZE (CHEVET_CLI_MAX_PASSPHRASE + 3)

static ChevetCliSecret *
secret_new (void)
{
  return g_malloc0 (SECRET_SIZE);
}

void
chevet_cli_secret_free (ChevetCliSecret *secret)
{
  if (secret == NULL)
    return;

  sodium_memzero (secret, SECRET_SIZE);
  g_free (secret);
}

/* Ends the secret at @len bytes and wipes everything after. */
static void
secret_truncate (ChevetCliSecret *secret,
                 gsize            len)
{
  g_assert (len < SECRET_SIZE);
  sodium_memzero (secret + len, SECRET_SIZE - len);
}

ChevetCliSecret *
chevet_cli_read_passphrase_file (const char  *path,
                                 GError     **error)
{
  g_autoptr(ChevetCliSecret) secret = secret_new ();
  g_autofree char *display = NULL;
  gboolean from_stdin;
  gboolean eof = FALSE;
  gsize len = 0;
  gsize line_len;
  char *newline;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  from_stdin = g_str_equal (path, "-");

  if (from_stdin)
    fd = STDIN_FILENO;
  else
    fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read the passphrase file %s: %s"),
                   display, g_strerror (saved_errno));
      return NULL;
    }

  /* Read until the first line ending, the end of the file, or a full buffer. */
  while (!eof && len < SECRET_SIZE - 1 && memchr (secret, '\n', len) == NULL)
    {
      gssize n = read (fd, secret + len, SECRET_SIZE - 1 - len);

      if (n < 0 && errno == EINTR)
        continue;

      if (n < 0)
        {
          int saved_errno = errno;

          if (!from_stdin)
            close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot read the passphrase file %s: %s"),
                       display, g_strerror (saved_errno));
          return NULL;
        }

      if (n == 0)
        eof = TRUE;
      len += n;
    }

  if (!from_stdin)
    close (fd);

  newline = memchr (secret, '\n', len);
  if (newline == NULL && !eof)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The passphrase in %s is longer than %d bytes"),
                   display, CHEVET_CLI_MAX_PASSPHRASE);
      return NULL;
    }

  line_len = newline != NULL ? (gsize) (newline - secret) : len;
  if (line_len > 0 && secret[line_len - 1] == '\r')
    line_len--;
  secret_truncate (secret, line_len);

  if (line_len > CHEVET_CLI_MAX_PASSPHRASE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The passphrase in %s is longer than %d bytes"),
                   display, CHEVET_CLI_MAX_PASSPHRASE);
      return NULL;
    }

  if (line_len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The first line of %s is empty: it must hold the passphrase"),
                   display);
      return NULL;
    }

  if (memchr (secret, '\0', line_len) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The passphrase in %s contains a NUL byte"), display);
      return NULL;
    }

  /* The workstation hands the store UTF-8: so must a file, or the same passphrase
   * would open the workspace in one program and not in the other. */
  if (!g_utf8_validate (secret, line_len, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The passphrase in %s is not valid UTF-8"), display);
      return NULL;
    }

  return g_steal_pointer (&secret);
}

/* While echo is off, a signal that ends the program must not leave the terminal
 * without echo: the handler restores it, then lets the signal do what it does. */
static const int restore_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction saved_actions[G_N_ELEMENTS (restore_signals)];
static struct termios saved_termios;
static volatile sig_atomic_t tty_fd = -1;

static void
restore_terminal_and_raise (int signum)
{
  if (tty_fd >= 0)
    tcsetattr (tty_fd, TCSANOW, &saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
catch_signals (void)
{
  struct sigaction action;
  gsize i;

  memset (&action, 0, sizeof action);
  action.sa_handler = restore_terminal_and_raise;
  sigemptyset (&action.sa_mask);

  for (i = 0; i < G_N_ELEMENTS (restore_signals); i++)
    sigaction (restore_signals[i], &action, &saved_actions[i]);
}

static void
release_signals (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (restore_signals); i++)
    sigaction (restore_signals[i], &saved_actions[i], NULL);
}

/* A terminal types in the locale's character set; the store takes UTF-8, as the
 * workstation gives it. Converts @secret in place, wiping the intermediate copy. */
static gboolean
to_utf8 (ChevetCliSecret  *secret,
         gsize             len,
         GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  char *converted;
  gsize converted_len = 0;

  if (g_get_charset (NULL))
    {
      if (g_utf8_validate (secret, len, NULL))
        return TRUE;

      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The passphrase is not valid UTF-8"));
      return FALSE;
    }

  converted = g_locale_to_utf8 (secret, len, NULL, &converted_len, &local_error);
  if (converted == NULL || converted_len > CHEVET_CLI_MAX_PASSPHRASE)
    {
      if (converted != NULL)
        {
          sodium_memzero (converted, converted_len);
          g_free (converted);
        }
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The passphrase cannot be converted to UTF-8"));
      return FALSE;
    }

  memcpy (secret, converted, converted_len);
  secret_truncate (secret, converted_len);
  sodium_memzero (converted, converted_len);
  g_free (converted);
  return TRUE;
}

ChevetCliSecret *
chevet_cli_read_passphrase_terminal (const char  *prompt,
                                     const char  *option,
                                     GError     **error)
{
  g_autoptr(ChevetCliSecret) secret = secret_new ();
  struct termios quiet;
  gboolean too_long = FALSE;
  gboolean eof = FALSE;
  int read_errno = 0;
  gsize len = 0;
  int fd;

  g_return_val_if_fail (prompt != NULL, NULL);
  g_return_val_if_fail (option != NULL, NULL);

  fd = g_open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 || !isatty (fd) || tcgetattr (fd, &saved_termios) != 0)
    {
      if (fd >= 0)
        close (fd);
      /* Translators: %s is an option name, e.g. --passphrase-file */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("There is no terminal to ask for the passphrase: "
                     "use %s FILE to read it from the first line of FILE"),
                   option);
      return NULL;
    }

  quiet = saved_termios;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL | ICANON;

  /* Echo off before the prompt: what is typed after the prompt is kept, what was
   * typed before (and echoed) is discarded. */
  tty_fd = fd;
  catch_signals ();
  tcsetattr (fd, TCSAFLUSH, &quiet);

  fputs (prompt, stderr);
  fflush (stderr);

  /* A terminal in canonical mode hands over whole lines; read byte by byte so that
   * nothing after the line ending is consumed, and drain over-long lines. */
  for (;;)
    {
      char c;
      gssize n = read (fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          read_errno = errno;
          break;
        }
      if (n == 0)
        {
          eof = TRUE;
          break;
        }
      if (c == '\n')
        break;
      if (len < CHEVET_CLI_MAX_PASSPHRASE)
        secret[len++] = c;
      else
        too_long = TRUE;
    }

  tcsetattr (fd, TCSANOW, &saved_termios);
  release_signals ();
  tty_fd = -1;
  close (fd);

  if (eof && len == 0)
    {
      /* Ctrl+D: the newline the user expected was never echoed. */
      fputc ('\n', stderr);
    }

  if (read_errno != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (read_errno),
                   _("Cannot read the passphrase from the terminal: %s"),
                   g_strerror (read_errno));
      return NULL;
    }

  if (too_long)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The passphrase is longer than %d bytes"),
                   CHEVET_CLI_MAX_PASSPHRASE);
      return NULL;
    }

  if (len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("No passphrase entered"));
      return NULL;
    }

  if (memchr (secret, '\0', len) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The passphrase contains a NUL byte"));
      return NULL;
    }

  if (!to_utf8 (secret, len, error))
    return NULL;

  return g_steal_pointer (&secret);
}

ChevetCliSecret *
chevet_cli_read_passphrase (const char  *path,
                            const char  *option,
                            const char  *prompt,
                            const char  *repeat_prompt,
                            guint        min_length,
                            GError     **error)
{
  g_autoptr(ChevetCliSecret) first = NULL;
  g_autoptr(ChevetCliSecret) second = NULL;

  if (path != NULL)
    return chevet_cli_read_passphrase_file (path, error);

  first = chevet_cli_read_passphrase_terminal (prompt, option, error);
  if (first == NULL)
    return NULL;

  if (repeat_prompt == NULL)
    return g_steal_pointer (&first);

  /* Say it now rather than after the second entry. The store checks again. */
  if (g_utf8_strlen (first, -1) < (glong) min_length)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("A passphrase must be at least %d characters long"), (int) min_length);
      return NULL;
    }

  second = chevet_cli_read_passphrase_terminal (repeat_prompt, option, error);
  if (second == NULL)
    return NULL;

  if (strcmp (first, second) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The two passphrases do not match"));
      return NULL;
    }

  return g_steal_pointer (&first);
}
