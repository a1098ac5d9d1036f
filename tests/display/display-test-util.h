/* display-test-util.h: waiting on the main loop, shared by the display tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

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
