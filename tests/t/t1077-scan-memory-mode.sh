#!/bin/sh
# raquet-scan --memory (scanner/engine_memory.c): in small mode libclamav's
# Aho-Corasick trie stops at depth 2, which takes much less memory with
# many body and logical signatures and finds the same files; auto picks it
# below 3 GiB of RAM (RAQUET_TEST_MEMTOTAL_MIB stands in for the RAM).
# The signatures: tests/bench/sigs.sh's full profile, small (20,000
# logical and 20,000 wildcarded body signatures), with its planted ones.
. "$(dirname "$0")/../lib.sh"

ok "the signature set" env RAQUET_BENCH_SIGSET=full RAQUET_BENCH_NHASH=1000 \
	RAQUET_BENCH_NBODY=100 RAQUET_BENCH_NHSB=100 RAQUET_BENCH_NMDB=100 RAQUET_BENCH_NMSB=100 \
	RAQUET_BENCH_NWILD=20000 RAQUET_BENCH_NLDB=20000 "$TOP/tests/bench/sigs.sh" "$T/sigs"
DB=$T/sigs/db
mkdir -p "$T/pc/sub" && write_eicar "$T/pc/eicar.com" && cp "$TESTFILES/clam.exe" "$T/pc/sub/" &&
	cp "$TESTFILES/clam.zip" "$T/pc/" && echo clean >"$T/pc/clean.txt"

# scan NAME [ENV=VALUE...] -- ARGS...: raquet-scan -j2 on the PC folder;
# its peak RSS (KiB, the largest process) in $T/NAME.rss, the sorted
# detection lines in $T/NAME.found.
scan() {
	_name=$1; shift
	_env=
	while [ "$1" != -- ]; do _env="$_env $1"; shift; done
	shift
	env $_env /usr/bin/time -f %M -o "$T/$_name.rss" raquet-scan --no-progress --no-summary -j2 \
		-d "$DB" "$@" "$T/pc" >"$T/$_name.out" 2>"$T/$_name.err"
	_rc=$?
	grep ' FOUND$' "$T/$_name.out" | sort >"$T/$_name.found"
	return $_rc
}
rss() { tail -1 "$T/$1.rss"; }

exit_is "full mode finds the infected files" 1 scan full -- --memory=full
exit_is "small mode too" 1 scan small -- --memory=small
ok "... the same detections" diff -u "$T/full.found" "$T/small.found"
is "... all three infected files" "$(cut -d: -f1 "$T/small.found" | sort -u | wc -l | tr -d ' ')" 3
ok "... and clamscan's" sh -c "clamscan --no-summary -r -d '$DB' '$T/pc' | grep ' FOUND\$' | sort | diff -u - '$T/small.found'"
ok "small mode takes at least 40 MiB less ($(rss small) against $(rss full) KiB)" \
	test "$(($(rss full) - $(rss small)))" -gt 40960

# auto: small below 3 GiB of RAM, full above.
exit_is "auto with 2 GiB of RAM" 1 scan auto2g RAQUET_TEST_MEMTOTAL_MIB=2048 -- --memory=auto
exit_is "auto with 8 GiB of RAM" 1 scan auto8g RAQUET_TEST_MEMTOTAL_MIB=8192 --
ok "... the same detections" sh -c "diff -u '$T/full.found' '$T/auto2g.found' && diff -u '$T/full.found' '$T/auto8g.found'"
ok "... 2 GiB is small mode ($(rss auto2g) KiB), 8 GiB full ($(rss auto8g) KiB)" \
	test "$(($(rss auto8g) - $(rss auto2g)))" -gt 40960

exit_is "an unknown mode is refused" 2 raquet-scan --no-progress --memory=tiny -d "$DB" "$T/pc"
ok "... and named" grep -q -- "--memory wants auto, small or full" "$T/last.err"
exit_is "an empty mode is refused" 2 raquet-scan --no-progress --memory= -d "$DB" "$T/pc"
done_testing
