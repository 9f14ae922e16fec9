#!/bin/sh
# tests/bench/records.sh: the sealed-record figures of `make bench` (issue 3):
# seal and open a 1 MiB result; verify and open 10,000 small results. Run by
# tests/bench/run.sh when present (or alone); prints a Markdown table for
# docs/performance.md and the target's verdict.
#
#   RAQUET_BUILD          build tree holding bin/rq-recbench (default ./build)
#   RAQUET_RECBENCH_RUNS  timed runs; the median is reported (default 5)
#   RAQUET_RECBENCH_N     small records per run (default 10000)
#
# rq-recbench works in memory on one thread, pinned to one CPU (taskset).
# Each figure is given in wall time and in the process's CPU time: on a
# machine busy with other work the wall figures drop, the CPU ones hold.
# The target (at least 5,000 small records/s verified and opened on one
# core) is judged on CPU time and printed as PASS or FAIL; like run.sh, a
# missed target does not change the exit status (2 when the bench fails).
set -eu
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${RAQUET_BUILD:=$TOP/build}"
RUNS=${RAQUET_RECBENCH_RUNS:-5}
N=${RAQUET_RECBENCH_N:-10000}
BENCH=$RAQUET_BUILD/bin/rq-recbench

die() { echo "records: $*" >&2; exit 2; }
[ -x "$BENCH" ] || die "$BENCH not built (run make, or set RAQUET_BUILD)"
case $RUNS in ''|*[!0-9]*|0) die "RAQUET_RECBENCH_RUNS must be a positive integer";; esac
case $N in ''|*[!0-9]*|0) die "RAQUET_RECBENCH_N must be a positive integer";; esac

PIN=
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "records: $BENCH, $RUNS run(s), median reported; ${PIN:-not pinned}"
echo "records: machine: $(nproc) CPUs, ${CPU:-unknown CPU}; load average before: $load"
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
$PIN "$BENCH" -n "$N" -r "$RUNS" >"$OUT" || die "rq-recbench failed"
echo "records: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

awk '
{ v[$1] = $2 }
# 12345 -> 12,345 (mawk has no %\047d)
function fmt(n,   s) {
	s = sprintf("%d", n)
	while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
	return s
}
END {
	if (!("small_read_per_cpu_s" in v)) { print "records: incomplete output" > "/dev/stderr"; exit 2 }
	print "| records (one core, in memory) | size | wall | CPU |"
	print "|---|---:|---:|---:|"
	printf "| seal a 1 MiB result | payload %s B, record %s B | %.1f ms | %.1f ms |\n",
		fmt(v["big_payload_bytes"]), fmt(v["big_record_bytes"]), v["big_seal_ms"], v["big_seal_cpu_ms"]
	printf "| verify + open it, read the archive | | %.1f ms | %.1f ms |\n",
		v["big_open_ms"], v["big_open_cpu_ms"]
	printf "| verify + open %s small results | result.json %s B, record %s B | %s /s | %s /s |\n",
		fmt(v["small_records"]), fmt(v["small_json_bytes"]), fmt(v["small_record_bytes"]),
		fmt(v["small_crypto_per_s"]), fmt(v["small_crypto_per_cpu_s"])
	printf "| ... and read each archive, check result.json | | %s /s | %s /s |\n",
		fmt(v["small_read_per_s"]), fmt(v["small_read_per_cpu_s"])
	printf "\n(median of %d runs; verify = Ed25519 over the whole record, open = sealed file key + secretstream)\n", v["runs"]
	r = v["small_read_per_cpu_s"]
	printf "\ntarget: >= 5000 small records/s verified and opened on one core (CPU time, archive read): %s/s  %s\n",
		fmt(r), (r >= 5000) ? "PASS" : "FAIL"
}' "$OUT"
