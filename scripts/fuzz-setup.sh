#!/usr/bin/env bash
# The schema fuzzer's Python side (schemathesis, and pymongo for the "nothing stored for a
# 4xx" check), in a virtual environment cached by version outside the clone, so that a
# second run, or CI on the same machine, installs nothing. Prints the venv's bin directory.
#
#   scripts/fuzz-setup.sh            (npm run bench -- fuzz runs it itself)
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
PYMONGO_VERSION=4.20.0
VENV="${ITINERA_FUZZ_VENV:-$HOME/.cache/itinera/schemathesis-$SCHEMATHESIS_VERSION}"
STAMP="$VENV/.installed-schemathesis-$SCHEMATHESIS_VERSION-pymongo-$PYMONGO_VERSION"

if [ ! -f "$STAMP" ]; then
  echo "fuzz-setup: installing schemathesis $SCHEMATHESIS_VERSION and pymongo $PYMONGO_VERSION into $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "pymongo==$PYMONGO_VERSION" >&2
  touch "$STAMP"
fi
echo "$VENV/bin"
