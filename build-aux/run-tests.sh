#!/bin/sh
# run-tests.sh: install what is missing, build, and run the whole test suite.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Display tests run headless under Xvfb, inside a D-Bus session (which also carries the
# accessibility bus). Extra arguments go to `meson test` (e.g. --suite displayless).
#
# Every debug message is on (G_MESSAGES_DEBUG=all), so meson's log holds all that the
# programs would ever log; then the privacy check reads that log for any test patient's
# name or identifier (tests/privacy-check.c), as a suite of its own with its own log
# (meson-logs/privacy.txt, privacy.json), so testlog.json stays the suite's.
# CHEVET_BUILD_DIR picks another build folder (default: build).
set -eu
cd "$(dirname "$0")/.."
builddir="${CHEVET_BUILD_DIR:-build}"

build-aux/install-deps.sh test

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" -Dwerror=true >build-setup.log 2>&1 || { cat build-setup.log; exit 1; }
  rm -f build-setup.log
fi
ninja -C "$builddir" >"$builddir/ninja.log" 2>&1 || { cat "$builddir/ninja.log"; exit 1; }

export G_MESSAGES_DEBUG=all
status=0
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || status=$?
meson test -C "$builddir" --print-errorlogs --suite privacy --logbase privacy || status=$?
exit "$status"
