/* chevet-cli-passphrase.h: read passphrases from a file or the terminal, and wipe them
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A NUL-terminated passphrase in a buffer of fixed size that is wiped when freed. */
typedef char ChevetCliSecret;

/* The longest passphrase accepted, in bytes. */
#define CHEVET_CLI_MAX_PASSPHRASE 1024

void             chevet_cli_secret_free              (ChevetCliSecret  *secret);

/* The first line of @path ("-" is standard input), without its line ending. */
ChevetCliSecret *chevet_cli_read_passphrase_file     (const char       *path,
                                                      GError          **error);

/* One line from the controlling terminal with echo off; @prompt goes to stderr.
 * @option names the option to use instead when there is no terminal. */
ChevetCliSecret *chevet_cli_read_passphrase_terminal (const char       *prompt,
                                                      const char       *option,
                                                      GError          **error);

/* From @path when set, else from the terminal. With @repeat_prompt (a new
 * passphrase), the terminal refuses fewer than @min_length characters, then asks
 * again and the two entries must match. Always UTF-8. */
ChevetCliSecret *chevet_cli_read_passphrase          (const char       *path,
                                                      const char       *option,
                                                      const char       *prompt,
                                                      const char       *repeat_prompt,
                                                      guint             min_length,
                                                      GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetCliSecret, chevet_cli_secret_free)

G_END_DECLS
