#!/bin/sh
# Runs the fast suite: every C unit test binary, then every shell test, as TAP
# under prove. RAQUET_BUILD names the build tree (build/ or build-san/).
set -eu
cd "$(dirname "$0")/.."
: "${RAQUET_BUILD:=$PWD/build}"
export RAQUET_BUILD
units=$(ls "$RAQUET_BUILD"/tests/*.t 2>/dev/null || true)
if [ -n "$units" ]; then
	prove --timer -j2 --exec '' $units
fi
prove --timer -j2 ${RAQUET_TESTS:-tests/t/t*.sh}
