#!/bin/sh
# run-tests.sh: install what is missing, build, and run the whole test suite.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Display tests run headless under Xvfb, inside a D-Bus session (which also carries the
# accessibility bus). Extra arguments go to `meson test` (e.g. --suite displayless).
set -eu
cd "$(dirname "$0")/.."

build-aux/install-deps.sh test

if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=true >build-setup.log 2>&1 || { cat build-setup.log; exit 1; }
  rm -f build-setup.log
fi
ninja -C build >build/ninja.log 2>&1 || { cat build/ninja.log; exit 1; }

exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  meson test -C build --print-errorlogs --num-processes 2 "$@"
