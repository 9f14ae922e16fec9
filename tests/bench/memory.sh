#!/bin/sh
# tests/bench/memory.sh: load time and peak memory on this machine with the
# signature set of the official one's size (sigs.sh's "full" profile, about
# 8.7 M signatures, in $RAQUET_BUILD/bench-sigs-full, shared with
# tests/vm/memory.sh). Not part of make check or make bench: it needs
# about 2.5 GiB of free memory and a few minutes of CPU.
#
# Runs, one after the other, each measured with /usr/bin/time (wall, user +
# system CPU seconds, peak RSS of the largest process) and tests/bench/pss.sh
# (peak PSS of the process and its workers together):
#   clamscan on an empty folder (its database load and compile)
#   raquet-scan -j1 and -jN (N = RAQUET_BENCH_JOBS, default 2) on a small
#   folder: EICAR, clam.exe and a clean file; the wall time is then the
#   database load, the check and the scan of three files. Both with
#   --memory=full (libclamav's defaults, as on a PC with 3 GiB or more),
#   then -jN with --memory=small (the mode of a 2 GiB PC).
# Both must find EICAR and clam.exe. Prints a Markdown table and the load
# average before and after each run; figures in docs/performance.md,
# "Memory with a signature set of real size".
set -eu
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
SCAN=$RAQUET_BUILD/bin/raquet-scan
JOBS=${RAQUET_BENCH_JOBS:-2}
DIR=$RAQUET_BUILD/bench-sigs-full
OUT=$DIR/out

die() { echo "memory: $*" >&2; exit 2; }
[ -x "$SCAN" ] || die "$SCAN not built (run make, or set RAQUET_BUILD)"
case $JOBS in '' | *[!0-9]* | 0) die "RAQUET_BENCH_JOBS must be a positive integer" ;; esac
RAQUET_BENCH_SIGSET=full "$HERE/sigs.sh" "$DIR"
DB=$DIR/db

rm -rf "$OUT"
mkdir -p "$OUT/empty" "$OUT/small"
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$OUT/small/eicar.com"
cp /usr/share/clamav-testfiles/clam.exe "$OUT/small/clam.exe"
printf 'nothing to see here\n' >"$OUT/small/clean.txt"
echo "memory: $(cat /proc/cpuinfo | grep -c '^processor') CPUs, $(awk '/^MemTotal/ {printf "%.0f MiB", $2 / 1024}' /proc/meminfo); $(clamscan --version)"
echo "memory: set $DB: $(cat "$DB"/*.?db "$DB"/*.?sb | wc -l) lines, $(du -sm --apparent-size "$DB" | cut -f1) MiB"
# A warm page cache: the figures are the load's, not the disk's.
cat "$DB"/* >/dev/null

# measure NAME WANT-EXIT COMMAND...: one run; a row in $OUT/rows.
measure() {
	name=$1 want=$2
	shift 2
	before=$(cut -d' ' -f1-3 /proc/loadavg)
	rc=0
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
	tpid=$!
	"$HERE/pss.sh" "$tpid" >"$OUT/$name.pss" &
	spid=$!
	wait "$tpid" || rc=$?
	wait "$spid"
	after=$(cut -d' ' -f1-3 /proc/loadavg)
	if [ "$rc" != "$want" ]; then
		tail -20 "$OUT/$name.err" >&2
		die "$name exited $rc, not $want"
	fi
	set -- $(tail -1 "$OUT/$name.time")
	printf '| %s | %s | %.1f | %.0f | %.0f | %s | %s |\n' "$name" "$1" "$(echo "$2 $3" | awk '{print $1 + $2}')" \
		"$(echo "$4" | awk '{print $1 / 1024}')" "$(awk '{print $1 / 1024}' "$OUT/$name.pss")" \
		"$before" "$after" | tee -a "$OUT/rows"
}

echo "| run | wall s | CPU s | peak RSS MiB | peak PSS MiB | load before | load after |"
echo "|---|---:|---:|---:|---:|---|---|"
measure clamscan 0 clamscan --no-summary -d "$DB" "$OUT/empty"
measure raquet-scan-j1 1 "$SCAN" --no-progress --memory=full -j1 -d "$DB" "$OUT/small"
measure "raquet-scan-j$JOBS" 1 "$SCAN" --no-progress --memory=full -j"$JOBS" -d "$DB" "$OUT/small"
measure "raquet-scan-j$JOBS-small" 1 "$SCAN" --no-progress --memory=small -j"$JOBS" -d "$DB" "$OUT/small"
for t in raquet-scan-j1 "raquet-scan-j$JOBS" "raquet-scan-j$JOBS-small"; do
	for f in eicar.com clam.exe; do
		grep -q "^$OUT/small/$f: .* FOUND\$" "$OUT/$t.out" || die "$t did not find $f"
	done
	! grep -q "clean.txt: .* FOUND" "$OUT/$t.out" || die "$t found the clean file"
done
echo "memory: every raquet-scan run found EICAR and clam.exe, and not the clean file"
