#!/bin/sh
# Trunk post_build hook: writes sw.js into the staging dir with the list of every file Trunk
# produced (hashed names) and a version derived from their contents.
set -eu
dir="${TRUNK_STAGING_DIR:?run from trunk}"
cd "$dir"
files=$(find . -type f ! -name 'sw.js' ! -name 'sw-template.js' ! -name '*.br' ! -name '*.gz' | sed 's|^\./||' | sort)
version=$(cat $files | sha256sum | cut -c1-16)
{
  printf "const VERSION = '%s';\n" "$version"
  printf "const PRECACHE = ["
  for f in $files; do printf "'/%s'," "$f"; done
  printf "];\n"
  cat "${TRUNK_SOURCE_DIR:-..}/public/sw-template.js"
} > sw.js
echo "gen-sw: $(echo "$files" | wc -l) files precached, version $version"
