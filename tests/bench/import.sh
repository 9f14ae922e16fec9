#!/bin/sh
# tests/bench/import.sh: raquet-sync import throughput (issue 4). Generates
# N sealed result records (rq-genrecords) on a stick provisioned by a fresh
# IOC, imports them (all new), then imports the same stick again (all
# already imported). Prints a Markdown table row per run; targets: 3,000
# records/s new, 20,000 records/s duplicates (FAIL is printed, the exit
# status stays 0 as for the scan bench).
#
#   RAQUET_BUILD          build tree (default ./build)
#   RAQUET_BENCH_RECORDS  records (default 10000)
#   RAQUET_BENCH_DIR      work directory (default /var/tmp/raquet-bench-import)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
N=${RAQUET_BENCH_RECORDS:-10000}
W=${RAQUET_BENCH_DIR:-/var/tmp/raquet-bench-import}
SYNC=$RAQUET_BUILD/bin/raquet-sync
GEN=$RAQUET_BUILD/bin/rq-genrecords
[ -x "$SYNC" ] && [ -x "$GEN" ] || { echo "bench: build raquet-sync and rq-genrecords first" >&2; exit 2; }

rm -rf "$W" && mkdir -p "$W/sigs" "$W/usb"
echo 'Raquet.Bench:0:*:42454e43480a' > "$W/sigs/bench.ndb"
"$SYNC" --ioc "$W/ioc" init >/dev/null
"$SYNC" --ioc "$W/ioc" unit add 000.00.12.H57 "Sở Y tế" --informed >/dev/null
"$SYNC" --ioc "$W/ioc" provision "$W/usb" --unit 000.00.12.H57 --database "$W/sigs" >/dev/null
"$GEN" "$W/usb" "$N" $((N / 4))
sync

# Wall time is what the operator waits; CPU time (user + system) shows the
# cost on a machine that is busy with other work.
run() { # run LABEL TARGET: times one import, prints a table row
	/usr/bin/time -f '%e %U %S' -o "$W/time" "$SYNC" --ioc "$W/ioc" import "$W/usb" > "$W/out" ||
		{ cat "$W/out" >&2; exit 2; }
	awk -v l="$1" -v t="$2" -v n="$N" '{
		r = n / $1; c = n / ($2 + $3)
		printf "| import, %s | %d records | %.2f s (CPU %.2f s) | %.0f records/s (%.0f per CPU s) | %s (target %d/s) |\n",
		       l, n, $1, $2 + $3, r, c, (r >= t ? "ok" : "FAIL"), t }' "$W/time"
}
LOAD=$(cut -d' ' -f1 /proc/loadavg)
echo "| what | input | wall time | throughput | target |"
echo "|---|---|---:|---:|---|"
run "new records" 3000
run "same records again (duplicates)" 20000
grep -q "0 imported, $N already imported, 0 rejected" "$W/out" || { echo "bench: the second import was not all duplicates" >&2; exit 2; }
echo "(1-minute load average before the runs: $LOAD on $(nproc) CPUs; wall times only mean something when it is low)"
