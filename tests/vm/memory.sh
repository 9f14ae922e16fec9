#!/bin/sh
# tests/vm/memory.sh: the guest's peak memory during a scan with the
# benchmark's 1,000,000 hash + 50,000 body signatures (tests/bench/sigs.sh)
# on the stick, booted on legacy BIOS with -m 2048, the RAM of the oldest
# office PCs. Not part of make check (the database load alone takes minutes
# under TCG); the figures go to docs/performance.md, "Image".
set -eu
cd "$(dirname "$0")/../.."
: "${RAQUET_BUILD:=$PWD/build}"
SIGS=$RAQUET_BUILD/bench-sigs
tests/bench/sigs.sh "$SIGS"
RAQUET_VM=${RAQUET_VM:-bios} RAQUET_VM_MEM=2048 RAQUET_VM_DB=$SIGS/db \
	RAQUET_VM_LOGS=$RAQUET_BUILD/vm-memory RAQUET_VM_TIMEOUT=${RAQUET_VM_TIMEOUT:-1800} \
	RAQUET_BUILD=$RAQUET_BUILD tests/vm/run.sh
grep -h 'raquet-live: ' "$RAQUET_BUILD"/vm-memory/*.serial
