/* test-log.h: every test binary logs to stderr, so that debug messages (the suite runs
 * with G_MESSAGES_DEBUG=all) never mix with the TAP lines on stdout
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

__attribute__((constructor)) static void
test_log_to_stderr (void)
{
  g_log_writer_default_set_use_stderr (TRUE);
}
