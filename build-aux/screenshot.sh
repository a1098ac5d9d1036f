#!/bin/sh
# screenshot.sh: regenerate data/screenshots/main.png, the README's and AppStream's picture,
# and training-tutorial.png / training-tutorial-fr.png (a tutorial step, in English and French).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The workstation renders itself (its own widgets, drawn by GTK into a PNG) on a
# 300-patient synthetic clinic with a chart open, headless under Xvfb.
set -eu
cd "$(dirname "$0")/.."
build-aux/install-deps.sh test
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build tests/display/test-window tests/display/test-training-walkthrough >/dev/null
out="$PWD/data/screenshots/main.png"
xvfb-run -a -s "-screen 0 1280x800x24" env GSETTINGS_SCHEMA_DIR="$PWD/build/data" \
  GSETTINGS_BACKEND=memory GDK_BACKEND=x11 GSK_RENDERER=cairo ADW_DISABLE_PORTAL=1 \
  CHEVET_SCREENSHOT="$out" CHEVET_SCREENSHOT_OPEN=1 \
  build/tests/display/test-window -p /window/screenshot >/dev/null
rm -f "$out.unlock.png"
echo "$out"
xvfb-run -a -s "-screen 0 1280x800x24" env GSETTINGS_SCHEMA_DIR="$PWD/build/data" \
  GSETTINGS_BACKEND=memory GDK_BACKEND=x11 GSK_RENDERER=cairo ADW_DISABLE_PORTAL=1 \
  G_TEST_BUILDDIR="$PWD/build/tests" CHEVET_TRAINING_PNG_DIR="$PWD/data/screenshots" \
  build/tests/display/test-training-walkthrough -p /training/screenshot/english \
  -p /training/screenshot/french >/dev/null
echo "$PWD/data/screenshots/training-tutorial.png $PWD/data/screenshots/training-tutorial-fr.png"
