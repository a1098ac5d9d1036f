#!/bin/sh
# install-deps.sh: install the Debian 12 packages Chevet needs to build, run and test.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Idempotent and quiet: it does nothing (and prints nothing) when all is installed.
# Usage: build-aux/install-deps.sh [build|test]
set -eu

BUILD="meson ninja-build pkg-config gcc libc6-dev libgtk-4-dev libadwaita-1-dev \
libsoup-3.0-dev libjson-glib-dev libsqlcipher-dev libsodium-dev gettext \
desktop-file-utils appstream libglib2.0-dev-bin glib-networking libgtk-4-bin librsvg2-common \
libpwquality-dev cracklib-runtime"
TEST="libsqlite3-dev libgnutls28-dev xvfb xauth dbus at-spi2-core binutils flatpak-builder poppler-utils python3-dogtail \
libglib2.0-bin"

want="$BUILD"
[ "${1:-build}" = test ] && want="$BUILD $TEST"

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
