#!/bin/sh
# Trunk post_build hook: puts the lazily loaded parts of a split wasm beside the app, sets the wasm's real size for the start screen's progress bar and writes
# sw.js into the staging dir with the list of every file Trunk
# produced (hashed names) and a version derived from their contents.
set -eu
dir="${TRUNK_STAGING_DIR:?run from trunk}"
src="${TRUNK_SOURCE_DIR:-$PWD}"
# First the lazily loaded parts of a split build, so that the list below has them (Trunk runs the
# hooks of one stage at the same time, so this cannot be a hook of its own).
sh "$src/tools/split-hook.sh"
cd "$dir"
# Trunk 0.21 gives the start screen's progress bar the wasm's size from before wasm-opt (5.4 MB
# for a 3.7 MB file): the bar stopped at 69 % and jumped. Put the size of the file it serves.
for wasm in *_bg.wasm; do
  size=$(wc -c < "$wasm")
  sed -i "s|'/$wasm', [0-9]*,|'/$wasm', $size,|" index.html
  grep -q "'/$wasm', $size," index.html || { echo "gen-sw: the wasm's size is not in index.html" >&2; exit 1; }
done
files=$(find . -type f ! -name 'sw.js' ! -name 'sw-template.js' ! -name '*.br' ! -name '*.gz' | sed 's|^\./||' | sort)
# The worker's own code counts too: a new worker is a new version, whose cache it fills itself.
template="$src/public/sw-template.js"
test -f "$template" || { echo "gen-sw: no $template" >&2; exit 1; }
version=$(cat $files "$template" | sha256sum | cut -c1-16)
{
  printf "const VERSION = '%s';\n" "$version"
  printf "const PRECACHE = ["
  for f in $files; do printf "'/%s'," "$f"; done
  printf "];\n"
  cat "$template"
} > sw.js
echo "gen-sw: $(echo "$files" | wc -l) files precached, version $version; progress bar sized to the wasm"
