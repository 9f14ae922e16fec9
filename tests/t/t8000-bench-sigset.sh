#!/bin/sh
# The benchmark's signature sets (tests/bench/sigs.sh, gensigs.c), small:
# the bench set keeps its bytes (make bench's figures stay comparable), the
# "full" profile writes every kind of the official set, libclamav loads
# each kind and matches with it (sigs.sh's planted signatures, clamscan
# --allmatch; raquet-scan finds them too), the same bytes on every run, and
# bad settings are refused. The real sizes are measured by
# tests/bench/memory.sh and tests/vm/memory.sh, not here.
. "$(dirname "$0")/../lib.sh"
SIGS=$TOP/tests/bench/sigs.sh

# The bench set as the generator of 868b9ae wrote it (1,000 + 100).
ok "bench profile generates" env RAQUET_BENCH_NHASH=1000 RAQUET_BENCH_NBODY=100 "$SIGS" "$T/b"
is "bench profile: only the two bench files" "$(ls "$T/b/db" | tr '\n' ' ')" "bench.hdb bench.ndb "
is "bench.hdb keeps its bytes" "$(sha256sum <"$T/b/db/bench.hdb" | cut -c1-64)" \
	"12480c8cd4cb9eb798ef140cce05a2d61cacfac35db2a7b6ab66e916a9b156cc"
is "bench.ndb keeps its bytes" "$(sha256sum <"$T/b/db/bench.ndb" | cut -c1-64)" \
	"be52c00dde7989a4d7eea89a35dec2d5b2b70df2f8b68abd129c1d2a6a1cdf49"

full() {
	env RAQUET_BENCH_SIGSET=full RAQUET_BENCH_NHASH=3000 RAQUET_BENCH_NBODY=100 \
		RAQUET_BENCH_NHSB=2000 RAQUET_BENCH_NMDB=2000 RAQUET_BENCH_NMSB=500 \
		RAQUET_BENCH_NWILD=3000 RAQUET_BENCH_NLDB=3000 "$@"
}
# sigs.sh fails unless clamscan --allmatch finds every planted signature.
ok "full profile: clamscan loads every kind and finds the planted signatures" full "$SIGS" "$T/f"
lines() { wc -l <"$T/f/db/$1" | tr -d ' '; }
is "bench.hdb: 3,000 md5 + clam.exe" "$(lines bench.hdb)" 3001
is "bench.ndb: 100 body + EICAR" "$(lines bench.ndb)" 101
is "bench.hsb: 2,000 sha256 file hashes" "$(lines bench.hsb)" 2000
is "bench.mdb: 2,000 PE section md5s" "$(lines bench.mdb)" 2000
is "bench.msb: 500 PE section sha256s" "$(lines bench.msb)" 500
is "wild.ndb: 3,000 body signatures with offsets and wildcards" "$(lines wild.ndb)" 3000
is "bench.ldb: 3,000 logical signatures" "$(lines bench.ldb)" 3000
for k in hsb mdb msb ndb ldb; do
	is "one planted signature in plant.$k" "$(lines plant.$k)" 1
done
ok "wild.ndb uses offsets and every kind of wildcard" sh -c "
	f='$T/f/db/wild.ndb'
	for p in ':EP+' ':EOF-' ':[0-9]*,[0-9]*:' ':\*:' '??' '{[0-9]*}' '{[0-9]*-[0-9]*}' '[0-9a-f]\*[0-9a-f]' '([0-9a-f][0-9a-f]|' '[0-9a-f]?[0-9a-f]'; do
		grep -q -- \"\$p\" \"\$f\" || { echo \"no \$p\"; exit 1; }
	done"
ok "bench.ldb: targets, expressions and subsignature offsets" sh -c "
	f='$T/f/db/bench.ldb'
	for p in 'Target:1;' 'Target:0;' 'Target:3;' ';(0|1)&' ';EP+[0-9]*:' ';EOF-[0-9]*:'; do
		grep -q -- \"\$p\" \"\$f\" || { echo \"no \$p\"; exit 1; }
	done"

# raquet-scan's engine (engine.c) loads the set and finds both files.
mkdir -p "$T/pc" && write_eicar "$T/pc/eicar.com" && cp "$TESTFILES/clam.exe" "$T/pc/" &&
	echo clean >"$T/pc/clean.txt"
exit_is "raquet-scan with the full set" 1 raquet-scan --no-progress -j2 -d "$T/f/db" "$T/pc"
ok "... finds EICAR and clam.exe, and not the clean file" sh -c "
	grep -q '^$T/pc/eicar.com: .* FOUND\$' '$T/last.out' &&
	grep -q '^$T/pc/clam.exe: .* FOUND\$' '$T/last.out' &&
	! grep -q 'clean.txt: .* FOUND' '$T/last.out'"

ok "the same bytes on a second run" full "$SIGS" "$T/g"
ok "... every file" sh -c "cd '$T/f/db' && for x in *; do cmp \"\$x\" '$T/g/db/'\"\$x\" || exit 1; done &&
	[ \$(ls '$T/f/db' | wc -l) = \$(ls '$T/g/db' | wc -l) ]"
full "$SIGS" "$T/f" 2>"$T/reuse.err"
ok "a complete set is reused" grep -q "sigs: reusing $T/f/db" "$T/reuse.err"

# Bad settings are refused before anything is written.
exit_is "an unknown profile" 2 env RAQUET_BENCH_SIGSET=huge "$SIGS" "$T/x1"
ok "... is named" grep -q "RAQUET_BENCH_SIGSET must be bench or full, not 'huge'" "$T/last.err"
exit_is "a count that is not a number" 2 full env RAQUET_BENCH_NMDB=12k "$SIGS" "$T/x2"
ok "... is named" grep -q "RAQUET_BENCH_NMDB must be a count, not '12k'" "$T/last.err"
exit_is "a negative count" 2 full env RAQUET_BENCH_NLDB=-5 "$SIGS" "$T/x3"
exit_is "an absurd count" 2 full env RAQUET_BENCH_NHSB=1000000000 "$SIGS" "$T/x4"
ok "... is named by the generator" grep -q "NHSB must be a count from 0 to 100000000, not '1000000000'" "$T/last.err"
ok "... and nothing is kept of them" sh -c "! [ -e '$T/x1/db' ] && ! [ -e '$T/x2/db' ] && ! [ -e '$T/x3/db' ] && ! [ -e '$T/x4/db' ]"

# tests/vm/memory.sh refuses an image whose data partition cannot hold the
# set, before it boots anything.
truncate -s 40M "$T/small.img" &&
	printf 'label: gpt\n1 : start=2048, size=32768, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' |
	sfdisk --quiet "$T/small.img" >/dev/null
mkdir -p "$T/vmb" && cp -r "$T/f" "$T/vmb/bench-sigs-full"
exit_is "vm/memory.sh with a 16 MiB data partition" 2 \
	full env RAQUET_BUILD="$T/vmb" RAQUET_IMAGE="$T/small.img" "$TOP/tests/vm/memory.sh"
ok "... says how to build a larger one" grep -q "make the image with IMAGE_DATA_MIB=" "$T/last.err"
ok "... and booted nothing" test ! -e "$T/vmb/vm-memory"
done_testing
