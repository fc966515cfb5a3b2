#!/bin/sh
# Run by gen-sw.sh (Trunk's post_build hook) before it lists the files to precache: in a
# `cargo xtask build` (JUNTAS_SPLIT=1) it puts the lazily loaded parts of the wasm beside the app
# (xtask/src/split.rs). A plain `trunk build` or `trunk serve` makes one wasm; this does nothing.
set -eu
[ "${JUNTAS_SPLIT:-}" = 1 ] || exit 0
exec "${JUNTAS_XTASK:?run from cargo xtask build}" split-finish
