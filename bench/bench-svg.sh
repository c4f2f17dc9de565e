#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Flame graph SVG benchmark: generates a big SVG (a py-spy-like profile exported by
# Pyrometer), then measures import speed and peak memory, and XML reading alone with our
# scanner and with GLib's GMarkupParseContext.
#
#   bench/bench-svg.sh [BUILD_DIR] [MB]      (default: build, 120 MB)
#
# BUILD_DIR must hold a configured, built tree (meson setup BUILD_DIR && ninja -C BUILD_DIR),
# preferably with -Dbuildtype=release or debugoptimized and without sanitizers.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-build}
size=${2:-120}
case $build in /*) ;; *) build=$root/$build ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -x "$build/bench/bench-svg" ]; then
  cp "$build/bench/bench-svg" "$work/bench-svg"
else
  cc=${CC:-cc}
  $cc -O2 -g -D_GNU_SOURCE -I"$build" -I"$root/src/libpyrometer" \
    $(pkg-config --cflags gio-2.0) \
    "$here/bench-svg.c" -o "$work/bench-svg" \
    "$build/src/libpyrometer/libpyrometer.a" "$build/src/protocol/libpyrometer-protocol.a" \
    $(pkg-config --libs gio-2.0) -lm -lpthread
fi

svg=$work/big.svg
echo "== flame graph SVG benchmark ($(nproc) cores)"
"$work/bench-svg" generate "$svg" "$size"
"$work/bench-svg" import "$svg"
"$work/bench-svg" parsers "$svg"
