/* display-test-util.h: waiting on the main loop, shared by the display tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* How long a condition may take before the test fails; a file may define its own. */
#ifndef WAIT_SECONDS
#define WAIT_SECONDS 20
#endif

/* Keeps the main loop waking up while a condition is polled. */
static inline gboolean
display_test_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main loop until @cond holds; fails the test after WAIT_SECONDS. */
#define WAIT_UNTIL(cond)                                                              \
  G_STMT_START                                                                        \
  {                                                                                   \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;       \
    guint tick_ = g_timeout_add (10, display_test_tick, NULL);                        \
    while (!(cond))                                                                   \
      {                                                                               \
        if (g_get_monotonic_time () > deadline_)                                      \
          g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond);     \
        g_main_context_iteration (NULL, TRUE);                                        \
      }                                                                               \
    g_source_remove (tick_);                                                          \
  }                                                                                   \
  G_STMT_END

/* Runs whatever is ready on the main loop, without blocking. */
static inline void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Removes a test's temporary folder and everything in it (symbolic links, not what they
 * point to). */
static inline void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}
