#!/bin/sh
# tests/bench/pss.sh PID: samples, about five times a second until PID ends,
# the proportional set size (Pss, /proc/N/smaps_rollup) of PID and all its
# descendants together, and prints the peak in KiB. PSS, not RSS: worker
# processes share the compiled engine copy-on-write, and PSS counts each
# shared page once across them, where a sum of RSS would count it per
# worker. Sampling is a measurement, not a wait: it may miss a short peak.
set -u
root=$1
peak=0
# tree PID: PID and its descendants, from the kernel's children lists.
tree() {
	echo "$1"
	for _t in /proc/"$1"/task/*/children; do
		for _c in $(cat "$_t" 2>/dev/null); do
			tree "$_c"
		done
	done
}
while [ -d "/proc/$root" ]; do
	files=
	for p in $(tree "$root"); do
		files="$files /proc/$p/smaps_rollup"
	done
	# A process may end between listing and reading: awk skips it.
	now=$(awk '/^Pss:/ {s += $2} END {print s + 0}' $files 2>/dev/null)
	[ "${now:-0}" -gt "$peak" ] && peak=$now
	sleep 0.2
done
echo "$peak"
