/* chevet-snapshot.h: small drawing helpers shared by the widgets that draw themselves
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @layout drawn with its top left corner at (@x, @y). */
static inline void
chevet_snapshot_append_layout_at (GtkSnapshot   *snapshot,
                                  PangoLayout   *layout,
                                  double         x,
                                  double         y,
                                  const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

G_END_DECLS
