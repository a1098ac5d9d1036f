/* display-test-util.h: waiting on the main loop, shared by the display tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "../test-log.h"
#include <glib/gstdio.h>
#include <gtk/gtk.h>

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

/* A template child that must exist. */
static inline gpointer
display_template_child (gpointer    widget,
                        GType       type,
                        const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

static inline void
display_frame_drawn (GdkFrameClock *clock,
                     gpointer       data)
{
  (*(guint *) data)++;
}

/* Iterates until @widget's frame clock has painted @n more frames. */
static inline void
display_wait_frames (GtkWidget *widget,
                     guint      n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint frames = 0;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (display_frame_drawn), &frames);
  gtk_widget_queue_draw (widget);
  WAIT_UNTIL (frames >= n);
  g_signal_handler_disconnect (clock, handler);
}

/* Renders @widget as drawn (after a few frames) into @dir/@name, a PNG to look at. */
static inline void
display_save_png (GtkWidget  *widget,
                  const char *dir,
                  const char *name)
{
  g_autofree char *file = g_build_filename (dir, name, NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width, height;

  display_wait_frames (widget, 3);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, file));
  g_test_message ("saved %s", file);
}
