#!/bin/sh
# tests/vm/memory.sh: the guest's peak memory during a scan with the
# benchmark's 1,000,000 hash + 50,000 body signatures (tests/bench/sigs.sh)
# on the stick, booted on legacy BIOS with -m 2048, the RAM of the oldest
# office PCs. Not part of make check (the database load alone takes minutes
# under TCG); the figures go to docs/performance.md, "Image".
#
# RAQUET_BENCH_SIGSET=full: the set of the official one's size and shape
# (about 8.7 M signatures, some 600 MiB of text; docs/performance.md,
# "Memory with a signature set of real size"), kept apart in
# $RAQUET_BUILD/bench-sigs-full. It does not fit the image's default
# 128 MiB data partition: build the image with a larger one first
# (IMAGE_DATA_MIB=1024 make image); this script says so rather than fail
# inside the copy. The default timeout is then 5400 s: under TCG the load
# takes many minutes.
set -eu
cd "$(dirname "$0")/../.."
: "${RAQUET_BUILD:=$PWD/build}"
case ${RAQUET_BENCH_SIGSET:-bench} in
full) SIGS=$RAQUET_BUILD/bench-sigs-full timeout=5400 ;;
*) SIGS=$RAQUET_BUILD/bench-sigs timeout=1800 ;;
esac
tests/bench/sigs.sh "$SIGS"
IMG=${RAQUET_IMAGE:-$RAQUET_BUILD/raquet.img}
if [ -f "$IMG" ]; then
	# The data partition (1) must hold the set, with room for the MANIFEST,
	# records and quarantine (FAT32 clusters: count 1 MiB more per file).
	part=$(sfdisk -J "$IMG" | jq '.partitiontable.partitions[0].size / 2048 | floor')
	need=$(du -sm --apparent-size "$SIGS/db" | cut -f1)
	need=$((need + $(ls "$SIGS/db" | wc -l) + 32))
	if [ "$part" -lt "$need" ]; then
		echo "memory: $IMG's data partition has $part MiB, the set needs about $need MiB:" \
			"make the image with IMAGE_DATA_MIB=$(((need + 127) / 128 * 128)) (image/build.sh)" >&2
		exit 2
	fi
fi
RAQUET_VM=${RAQUET_VM:-bios} RAQUET_VM_MEM=2048 RAQUET_VM_DB=$SIGS/db \
	RAQUET_VM_LOGS=$RAQUET_BUILD/vm-memory RAQUET_VM_TIMEOUT=${RAQUET_VM_TIMEOUT:-$timeout} \
	RAQUET_BUILD=$RAQUET_BUILD tests/vm/run.sh
grep -h 'raquet-live: ' "$RAQUET_BUILD"/vm-memory/*.serial
