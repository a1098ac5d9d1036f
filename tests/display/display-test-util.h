/* display-test-util.h: waiting on the main loop, workspaces and windows, shared by the
 * display tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "../test-log.h"
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#ifndef G_SETTINGS_ENABLE_BACKEND
#define G_SETTINGS_ENABLE_BACKEND
#endif
#include <gio/gsettingsbackend.h>

#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-patient-list.h"
#include "chevet-patients-page.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

/* The application's settings schema, as the tests give it a memory backend. */
#define DISPLAY_SCHEMA_ID "io.github.chevet.Chevet"

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

/* Workspaces */

/* A new temporary folder from @tmpl (g_dir_make_tmp); *@path is a workspace path in it. */
static inline char *
display_make_tmpdir (const char  *tmpl,
                     char       **path)
{
  g_autoptr(GError) error = NULL;
  char *tmpdir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  *path = g_build_filename (tmpdir, "clinic", NULL);
  return tmpdir;
}

/* Removes the folder display_make_tmpdir made, and frees *@tmpdir and *@path. */
static inline void
display_remove_tmpdir (char **tmpdir,
                       char **path)
{
  remove_tree (*tmpdir);
  g_clear_pointer (tmpdir, g_free);
  g_clear_pointer (path, g_free);
}

/* NDJSON (NUL-terminated) of the @n patients @generator writes. */
static inline char *
display_generator_ndjson (ChevetGenerator *generator,
                          guint            n)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  chevet_generator_write_ndjson (generator, n, out, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, &error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* NDJSON of a generated clinic of @n patients, from @seed, as of 2026-01-15. */
static inline char *
display_generate_clinic (guint64 seed,
                         guint   n)
{
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (seed, "2026-01-15");

  return display_generator_ndjson (generator, n);
}

/* A new encrypted workspace at @path, @account its administrator, holding @ndjson when not
 * NULL (cheap key derivation when main set it so). */
static inline ChevetStore *
display_store_create (const char *path,
                      const char *name,
                      const char *account,
                      const char *passphrase,
                      const char *ndjson)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = chevet_store_create (path, name, account, passphrase, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  if (ndjson != NULL)
    {
      gboolean imported = chevet_store_import_data (store, ndjson, -1, "test.ndjson", NULL, &error);

      g_assert_no_error (error);
      g_assert_true (imported);
    }
  return g_steal_pointer (&store);
}

/* Windows */

/* A window (not yet shown) on the workspace at @path, with settings of its own in memory
 * (@width x @height when @width > 0); the caller owns the window, *@settings and *@session. */
static inline ChevetWindow *
display_window_new (const char     *path,
                    int             width,
                    int             height,
                    GSettings     **settings,
                    ChevetSession **session)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  *settings = g_settings_new_with_backend (DISPLAY_SCHEMA_ID, backend);
  if (width > 0)
    {
      g_settings_set_int (*settings, "window-width", width);
      g_settings_set_int (*settings, "window-height", height);
    }
  *session = chevet_session_new (path);
  return g_object_ref (chevet_window_new (NULL, *session, *settings));
}

/* The same window, presented, once the main loop has run what was ready. */
static inline ChevetWindow *
display_window_open (const char     *path,
                     int             width,
                     int             height,
                     GSettings     **settings,
                     ChevetSession **session)
{
  ChevetWindow *window = display_window_new (path, width, height, settings, session);

  gtk_window_present (GTK_WINDOW (window));
  drain_main_loop ();
  return window;
}

/* Drops the caller's *@session and waits until it is finalized: it goes once its last
 * queued job (closing the store) came back. */
static inline void
display_session_finalize (ChevetSession **session)
{
  ChevetSession *weak = *session;

  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  g_clear_object (session);
  WAIT_UNTIL (weak == NULL);
}

/* Destroys @window and checks nothing kept it, then lets *@session and *@settings go. */
static inline void
display_window_close (ChevetWindow   *window,
                      ChevetSession **session,
                      GSettings     **settings)
{
  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
  g_assert_finalize_object (window);
  display_session_finalize (session);
  g_clear_object (settings);
}

/* Unlocking */

/* Types @account and @passphrase on @window's unlock page. */
static inline void
display_unlock_type (ChevetWindow *window,
                     const char   *account,
                     const char   *passphrase)
{
  ChevetUnlockPage *page = display_template_child (window, CHEVET_TYPE_WINDOW, "unlock_page");

  gtk_editable_set_text (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "account_row"), account);
  gtk_editable_set_text (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row"), passphrase);
}

/* Types @account and @passphrase and activates unlock.unlock, without waiting. */
static inline void
display_unlock_start (ChevetWindow *window,
                      const char   *account,
                      const char   *passphrase)
{
  ChevetUnlockPage *page = display_template_child (window, CHEVET_TYPE_WINDOW, "unlock_page");

  display_unlock_type (window, account, passphrase);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "unlock.unlock", NULL));
}

/* Unlocks @window as @account and waits until its session is unlocked. */
static inline void
display_unlock (ChevetWindow *window,
                const char   *account,
                const char   *passphrase)
{
  display_unlock_start (window, account, passphrase);
  WAIT_UNTIL (chevet_session_get_unlocked (chevet_window_get_session (window)));
}

/* The window */

/* The application's style sheet, as the application loads it. */
static inline void
display_load_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, "/io/github/chevet/Chevet/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* Whether a window action is enabled, as a button bound to it would show: GTK 4.8 has no
 * other public way to ask for an action installed on a widget class. */
static inline gboolean
display_win_action_enabled (ChevetWindow *window,
                            const char   *name)
{
  AdwHeaderBar *header_bar = display_template_child (window, CHEVET_TYPE_WINDOW, "chart_header_bar");
  GtkWidget *button = gtk_button_new ();
  gboolean enabled;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), name);
  adw_header_bar_pack_end (header_bar, button);
  enabled = gtk_widget_get_sensitive (button);
  adw_header_bar_remove (header_bar, button);
  return enabled;
}

/* The position of @patient_id's row in @window's patient list, its rows read as needed. */
static inline guint
display_find_row (ChevetWindow *window,
                  const char   *patient_id)
{
  ChevetPatientsPage *page = display_template_child (window, CHEVET_TYPE_WINDOW, "patients_page");
  GListModel *rows = chevet_patients_page_get_rows (page);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(ChevetPatientItem) item = g_list_model_get_item (rows, i);

      if (chevet_patient_item_get_heading (item) != NULL)
        continue;
      WAIT_UNTIL (chevet_patient_item_get_loaded (item));
      if (g_strcmp0 (chevet_patient_get_id (chevet_patient_item_get_patient (item)), patient_id) == 0)
        return i;
    }
  g_error ("patient %s is not in the list", patient_id);
}

/* Activates @patient_id's row, as Enter or a click on it does. */
static inline void
display_activate_row (ChevetWindow *window,
                      const char   *patient_id)
{
  ChevetPatientsPage *page = display_template_child (window, CHEVET_TYPE_WINDOW, "patients_page");
  GtkWidget *list_view = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "list_view");

  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", display_find_row (window, patient_id)));
}
