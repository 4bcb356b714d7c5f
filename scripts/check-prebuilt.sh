#!/usr/bin/env bash
# Rebuilds every committed prebuilt binary into a temporary directory and fails if any
# committed file differs from its rebuild (or is missing on either side).
#
#   scripts/check-prebuilt.sh            # all components
#   scripts/check-prebuilt.sh firmware   # only the named ones
#
# Each component is "name|build command (gets the output dir as \$OUT)|committed dir".
set -euo pipefail
cd "$(dirname "$0")/.."

COMPONENTS=(
  "firmware|npx tsx scripts/build-firmware.ts --out \"\$OUT\"|firmware/build"
  "stub|npx tsx scripts/build-stub.ts --out \"\$OUT\"|stub/build"
)

wanted=("$@")
tmp="$(mktemp -d "${TMPDIR:-/tmp}/espalgo-prebuilt.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
status=0
checked=0

for spec in "${COMPONENTS[@]}"; do
  IFS='|' read -r name cmd committed <<<"$spec"
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  checked=$((checked + 1))
  OUT="$tmp/$name"
  mkdir -p "$OUT"
  echo "check-prebuilt: rebuilding $name into $OUT"
  if ! OUT="$OUT" bash -c "$cmd"; then
    echo "check-prebuilt: FAIL: the $name build failed (command: $cmd)" >&2
    status=1
    continue
  fi
  if [ ! -d "$committed" ]; then
    echo "check-prebuilt: FAIL: $committed does not exist; run the $name build and commit its output" >&2
    status=1
    continue
  fi
  differ=0
  while IFS= read -r -d '' f; do
    rel="${f#"$OUT"/}"
    if [ ! -f "$committed/$rel" ]; then
      echo "check-prebuilt: FAIL: $committed/$rel is produced by the build but not committed" >&2
      differ=1
    elif ! cmp -s "$f" "$committed/$rel"; then
      echo "check-prebuilt: FAIL: $committed/$rel differs from its rebuild ($(cmp "$f" "$committed/$rel" 2>&1 | head -1))" >&2
      differ=1
    fi
  done < <(find "$OUT" -type f -print0 | sort -z)
  while IFS= read -r -d '' f; do
    rel="${f#"$committed"/}"
    if [ ! -f "$OUT/$rel" ]; then
      echo "check-prebuilt: FAIL: $committed/$rel is committed but the build no longer produces it" >&2
      differ=1
    fi
  done < <(find "$committed" -type f -print0 | sort -z)
  if [ "$differ" -ne 0 ]; then
    echo "check-prebuilt: $name: committed files are stale; rebuild with: ${cmd//\$OUT/$committed} and commit them" >&2
    status=1
  else
    echo "check-prebuilt: $name: OK ($(find "$OUT" -type f | wc -l) files identical)"
  fi
done

if [ "$checked" -eq 0 ]; then
  echo "check-prebuilt: no component matched: ${wanted[*]}" >&2
  exit 2
fi
exit "$status"
