# tests/bench/workers.sh: sourced by run.sh (its variables and run()). The
# "Workers" figures of issue 14: how close raquet-scan -jN comes to what the
# cores can give, on three corpora: corpus.sh's (usr), /usr/share/doc (docs)
# and many small files (small).
#
# The ideal for -jN is clamscan's database load plus clamscan's scan time
# divided by the speed-up the cores give at that moment, which a probe
# measures right before every timed run: one sha256sum of a file of
# RAQUET_BENCH_PROBE_MB MiB (default 256) alone, then NPROC of them at once (speed-up = NPROC x alone / together);
# a corpus's figure is the median of its probes. On a machine shared with
# other work the probe sees the contention the scans see, so the ratio
# stays meaningful when the absolute times do not.

now() { date +%s.%N; }

# workers_probe CORPUS: appends "CORPUS alone together load speed-up" to
# $OUT/probe (seconds). The database load (clamscan on an empty folder) is
# measured by the first probe of each corpus only: it is sequential and
# does not depend on the cores.
workers_probe() {
	pb=$BENCH/probe.bin
	pbytes=$((${RAQUET_BENCH_PROBE_MB:-256} * 1048576))
	[ "$(stat -c %s "$pb" 2>/dev/null || echo 0)" = "$pbytes" ] ||
		head -c "$pbytes" /dev/zero >"$pb"
	cat "$pb" >/dev/null
	t0=$(now)
	sha256sum "$pb" >/dev/null
	t1=$(now)
	pids=
	i=0
	while [ "$i" -lt "$NPROC" ]; do
		sha256sum "$pb" >/dev/null &
		pids="$pids $!"
		i=$((i + 1))
	done
	for p in $pids; do wait "$p"; done
	t2=$(now)
	# The database load: clamscan on an empty folder, same signatures.
	if ! grep -q "^$1 " "$OUT/probe" 2>/dev/null; then
		mkdir -p "$BENCH/empty"
		clamscan -r --no-summary $LIMITS -d "$SIGS" "$BENCH/empty" >/dev/null
		t3=$(now)
	else
		t3=$(grep "^$1 " "$OUT/probe" | head -1 | awk -v t="$t2" '{printf "%.3f", t + $4}')
	fi
	echo "$1 $t0 $t1 $t2 $t3" | awk -v n="$NPROC" '{printf "%s %.3f %.3f %.3f %.3f\n", $1, $3 - $2, $4 - $3, $5 - $4, n * ($3 - $2) / ($4 - $3)}' >>"$OUT/probe"
	tail -1 "$OUT/probe" | awk -v n="$NPROC" '{printf "bench: probe before %s: sha256sum alone %.2f s, %d at once %.2f s: the cores give %.2fx; database load %.2f s\n", $1, $2, n, $3, n * $2 / $3, $4}'
}

# workers_corpus NAME: the three tools on $BENCH/NAME/files, RUNS times.
workers_corpus() {
	c=$1
	CORPUS=$BENCH/$c/files
	echo "bench: corpus $c: $CORPUS: $(find "$CORPUS" -type f | wc -l) files"
	r=1
	while [ "$r" -le "$RUNS" ]; do
		workers_probe "$c"
		run "$c-clamscan" clamscan -r --no-summary $LIMITS -d "$SIGS" "$CORPUS"
		workers_probe "$c"
		run "$c-clamscan-tmpfs" env TMPDIR=/dev/shm clamscan -r --no-summary $LIMITS \
			-d "$SIGS" "$CORPUS"
		workers_probe "$c"
		run "$c-raquet-scan-j1" "$SCAN" --no-progress -j1 $LIMITS -d "$SIGS" "$CORPUS"
		workers_probe "$c"
		run "$c-raquet-scan-j$NPROC" "$SCAN" --no-progress -j"$NPROC" $LIMITS -d "$SIGS" "$CORPUS"
		r=$((r + 1))
	done
	memory "$c-raquet-scan-j1" "$SCAN" --no-progress -j1 $LIMITS -d "$SIGS" "$CORPUS"
	memory "$c-raquet-scan-j$NPROC" "$SCAN" --no-progress -j"$NPROC" $LIMITS -d "$SIGS" "$CORPUS"
	for t in clamscan-tmpfs raquet-scan-j1 "raquet-scan-j$NPROC"; do
		if ! cmp -s "$OUT/$c-clamscan.found" "$OUT/$c-$t.found"; then
			echo "bench: DETECTIONS DIFFER between clamscan and $t on $c:" >&2
			diff "$OUT/$c-clamscan.found" "$OUT/$c-$t.found" | head -40 >&2
			exit 2
		fi
	done
	n=$(grep -c "^$CORPUS/infected/" "$OUT/$c-clamscan.found" || true)
	[ "$n" -ge 10 ] || die "only $n of the 10 planted infected files were detected in $c"
}

# workers_row CORPUS PREFIX: one line of figures for the awk below.
workers_row() {
	set -- "$1" "$2" "$BENCH/$1/files"
	[ "$1" = usr ] && set -- "$1" "$2" "$BENCH/files"
	st=$(find "$3" -type f -printf '%s\n' | awk '{n++; s+=$1} END {printf "%d %.0f", n, s}')
	grep "^$1 " "$OUT/probe" >"$OUT/probe.$1"
	pr="$(median 4 "$OUT/probe.$1") $(median 5 "$OUT/probe.$1")"
	med() { median "$1" "$OUT/$2$3"; }
	echo "$1 $st $pr $(med 1 "$2" clamscan.times) $(med 2 "$2" clamscan.times)" \
		"$(med 1 "$2" raquet-scan-j1.times) $(med 1 "$2" raquet-scan-j1.pss)" \
		"$(med 1 "$2" "raquet-scan-j$NPROC.times") $(med 1 "$2" "raquet-scan-j$NPROC.pss")" \
		"$(med 1 "$2" clamscan-tmpfs.times)"
}

workers_section() {
	echo
	echo "bench: Workers (issue 14): the three tools on two more corpora"
	for c in docs small; do
		workers_corpus "$c"
	done
	{
		workers_row usr ""
		workers_row docs docs-
		workers_row small small-
	} >"$OUT/workers.rows"
	echo
	awk -v n="$NPROC" '
	{
		c = $1; files = $2; mb = $3 / 1e6; load = $4; p = $5
		cl = $6; crss = $7 / 1024; j1 = $8; j1pss = $9 / 1024; jn = $10; jnpss = $11 / 1024
		ideal = load + (cl - load) / p
		lim = crss + 64 * (n - 1)
		if (NR == 1) {
			printf "| corpus | files | MB | cores give | db load s | clamscan s | -j1 s | -j1 vs clamscan | -j%d s | ideal -j%d s | -j%d of ideal | clamscan RSS MiB | -j1 PSS MiB | -j%d PSS MiB |\n", n, n, n, n
			print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		}
		printf "| %s | %d | %.0f | %.2fx | %.2f | %.2f | %.2f | %+.1f%% | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f |\n",
			c, files, mb, p, load, cl, j1, (j1 / cl - 1) * 100, jn, ideal, ideal / jn, crss, j1pss, jnpss
		# The same, against clamscan given a tmpfs for its temporary
		# files as raquet-scan takes one; and -jN against -j1.
		ct = $12; idealt = load + (ct - load) / p
		x[NR] = sprintf("| %s | %.2f | %.2f | %.2f | %.2f | %.2fx | %.2f |", c, ct, idealt, idealt / jn,
			(j1 / ct - 1) * 100, (j1 - load) / (jn - load), (j1 - load) / (jn - load) / p)
		t[NR] = sprintf("%s|%.2f|%+.1f|%.1f|%.1f|%d|%d|%d", c, ideal / jn, (j1 / cl - 1) * 100, jnpss, lim,
			ideal / jn >= 0.85, j1 <= cl * 1.05, jnpss <= lim)
	}
	function verdict(ok) { return ok ? "PASS" : "FAIL" }
	END {
		printf "\n(median of runs and of the probes before them; MB = 10^6 bytes; ideal = db load + (clamscan - db load) / cores give; PSS of the process and all its workers, sampled in a run of its own, not timed)\n\n"
		printf "| corpus | clamscan, TMPDIR=/dev/shm s | ideal -j%d s from it | -j%d of that ideal | -j1 vs it %% | -j%d scan speed-up over -j1 | of what the cores give |\n", n, n, n
		print "|---|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= NR; i++)
			print x[i]
		printf "\n(the speed-up leaves the db load out: (-j1 - load) / (-j%d - load))\n\n", n
		for (i = 1; i <= NR; i++) {
			split(t[i], f, "|")
			printf "target[%s]: -j%d at >= 0.85 of the ideal (goal 0.9): %.2f  %s\n", f[1], n, f[2], verdict(f[6])
			printf "target[%s]: -j1 at most 5%% slower than clamscan: %+.1f%%  %s\n", f[1], f[3], verdict(f[7])
			printf "target[%s]: -j%d peak PSS <= clamscan RSS + 64 MiB x %d (%.1f MiB): %.1f MiB  %s\n", f[1], n, n - 1, f[5], f[4], verdict(f[8])
		}
	}' "$OUT/workers.rows" | tee "$OUT/workers.md"
	echo "bench: 1-minute load average before each run: $(tr '\n' ' ' <"$OUT/loads")"
}
