#!/bin/sh
# tests/bench/pair.sh: what two scanners at once get from the cores, with
# the real alternative (issue 14, docs/performance.md "Workers"). For each
# corpus of a finished `make bench` directory: one clamscan on every file,
# then two clamscans at once on the two halves (every other file of the
# sorted list), then raquet-scan -j1 and -j2 on the whole. Prints one line
# per corpus: wall, user and system seconds of each. Not part of make
# check; run after `make bench` has written the corpora:
#
#   RAQUET_BUILD=build RAQUET_BENCH_DIR=/var/tmp/raquet-bench tests/bench/pair.sh [docs small usr]
set -eu
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
: "${RAQUET_BUILD:=$HERE/../../build}"
B=${RAQUET_BENCH_DIR:-/var/tmp/raquet-bench}
SCAN=$RAQUET_BUILD/bin/raquet-scan
L="--max-filesize=100M --max-scansize=400M"
W=$B/pair
[ -x "$SCAN" ] || { echo "pair: $SCAN not built" >&2; exit 2; }
[ -d "$B/db" ] || { echo "pair: no signatures in $B/db (run make bench first)" >&2; exit 2; }
[ $# -gt 0 ] || set -- docs small usr

# t NAME COMMAND...: runs COMMAND, keeps "wall user sys" in $W/$c/NAME
# (clamscan and raquet-scan exit 1 when they find something: not an error).
t() {
	n=$1; shift
	/usr/bin/time -f '%e %U %S' -o "$W/$c/$n" "$@" >/dev/null 2>&1 || true
	tail -1 "$W/$c/$n" >"$W/$c/$n.t"
}
for c in "$@"; do
	case $c in usr) D=$B/files ;; *) D=$B/$c/files ;; esac
	[ -d "$D" ] || { echo "pair: no corpus $D" >&2; exit 2; }
	mkdir -p "$W/$c"
	find "$D" -type f | sort >"$W/$c/all"
	awk 'NR % 2' "$W/$c/all" >"$W/$c/a.list"
	awk 'NR % 2 == 0' "$W/$c/all" >"$W/$c/b.list"
	find "$D" "$B/db" -type f -print0 | xargs -0 cat >/dev/null
	load=$(cut -d' ' -f1 /proc/loadavg)
	t whole clamscan --no-summary $L -d "$B/db" -f "$W/$c/all"
	s0=$(date +%s.%N)
	t a clamscan --no-summary $L -d "$B/db" -f "$W/$c/a.list" &
	t b clamscan --no-summary $L -d "$B/db" -f "$W/$c/b.list" &
	wait
	s1=$(date +%s.%N)
	t j1 "$SCAN" --no-progress -j1 $L -d "$B/db" "$D"
	t j2 "$SCAN" --no-progress -j2 $L -d "$B/db" "$D"
	echo "$c load=$load clamscan=[$(cat "$W/$c/whole.t")]" \
		"pair_wall=$(echo "$s1 $s0" | awk '{printf "%.2f", $1 - $2}')" \
		"half_a=[$(cat "$W/$c/a.t")] half_b=[$(cat "$W/$c/b.t")]" \
		"j1=[$(cat "$W/$c/j1.t")] j2=[$(cat "$W/$c/j2.t")]"
done
