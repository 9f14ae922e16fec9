#!/bin/sh
# Where libclamav's temporary files go, and the scan from memory
# (docs/raquet-scan.md "Temporary files", docs/performance.md "Per-file
# costs"). libclamav makes and removes a "scantemp" directory for every
# file it scans: without $TMPDIR, raquet-scan puts them on a tmpfs
# (RAQUET_TEST_FAST_TMP stands in for /dev/shm) when it has room for
# jobs x max-scansize, else on /tmp; $TMPDIR always wins. Files up to
# 1 MiB are read whole and scanned from memory, bigger ones through their
# descriptor: both find what clamscan finds.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
mkdir -p "$T/pc/sub" "$T/fast" "$T/tiny" "$T/plain" "$T/mine"
write_eicar "$T/pc/eicar.com"
cp "$TESTFILES/clam.exe" "$T/pc/sub/" && cp "$TESTFILES/clam.zip" "$T/pc/"
echo clean >"$T/pc/clean.txt"
# Over 1 MiB: scanned through its descriptor (a stored zip, so that the
# EICAR inside is found only by opening the archive).
head -c 1600000 /dev/urandom >"$T/noise.bin"
(cd "$T" && cp pc/eicar.com . && zip -q -0 "$T/pc/sub/big.zip" noise.bin eicar.com)
ok "the big archive is over 1 MiB" test "$(stat -c %s "$T/pc/sub/big.zip")" -gt 1048576
# Exactly 1 MiB, the last size read into memory; one byte more is not.
head -c 1048508 /dev/zero >"$T/pc/edge-in.bin" && cat "$T/pc/eicar.com" >>"$T/pc/edge-in.bin"
head -c 1048509 /dev/zero >"$T/pc/edge-out.bin" && cat "$T/pc/eicar.com" >>"$T/pc/edge-out.bin"
is "the edge file is 1 MiB" "$(stat -c %s "$T/pc/edge-in.bin")" 1048576

mount -t tmpfs -o size=2g tmpfs "$T/fast" && at_exit "umount '$T/fast'"
mount -t tmpfs -o size=1m tmpfs "$T/tiny" && at_exit "umount '$T/tiny'"

clamscan -r --no-summary -d "$T/db" "$T/pc" 2>/dev/null | grep ' FOUND$' | sort >"$T/clam.found"
ok "clamscan finds the big archive" grep -q 'big.zip: ' "$T/clam.found"

# scan NAME FAST [ENV=VALUE...] -- ARGS...: raquet-scan with no $TMPDIR but
# the given ones, FAST as the tmpfs candidate, under strace: the
# directories it makes in $T/NAME.mkdir, the sorted detections in
# $T/NAME.found.
scan() {
	_name=$1 _fast=$2
	shift 2
	_env=
	while [ "$1" != -- ]; do _env="$_env $1"; shift; done
	shift
	env -u TMPDIR RAQUET_TEST_FAST_TMP="$_fast" ASAN_OPTIONS=detect_leaks=0 $_env strace -f -qq -e trace=mkdir \
		-o "$T/$_name.strace" raquet-scan --no-progress --no-summary -d "$T/db" "$@" \
		"$T/pc" >"$T/$_name.out" 2>"$T/$_name.err"
	_rc=$?
	grep ' FOUND$' "$T/$_name.out" | sort >"$T/$_name.found"
	grep -o 'mkdir("[^"]*scantemp[^"]*"' "$T/$_name.strace" | sed 's/^mkdir("//; s/"$//' \
		>"$T/$_name.mkdir"
	return $_rc
}
# under NAME DIR: every per-file directory of scan NAME was under
# DIR/raquet-scan.XXXXXX, and there was one per file at least.
under() {
	test "$(wc -l <"$T/$1.mkdir")" -ge 7 || { echo "# only $(wc -l <"$T/$1.mkdir") made"; return 1; }
	! grep -v "^$2/raquet-scan\.[A-Za-z0-9]\{6\}/" "$T/$1.mkdir"
}

for j in 1 2; do
	scan fast$j "$T/fast" -- -j$j
	is "-j$j, a tmpfs with room: exit status 1 (found)" "$?" 1
	ok "  ... per-file directories on the tmpfs" under fast$j "$T/fast"
	ok "  ... the same detections as clamscan" diff -u "$T/clam.found" "$T/fast$j.found"
	ok "  ... nothing left on the tmpfs" test -z "$(ls -A "$T/fast")"
done

scan tiny "$T/tiny" -- -j2
is "a tmpfs without room for 2 x max-scansize: exit status 1" "$?" 1
ok "  ... per-file directories under /tmp" under tiny /tmp
ok "  ... the same detections" diff -u "$T/clam.found" "$T/tiny.found"

# 2 x 300K fits in 1 MiB: the same small tmpfs is taken.
scan tinyfits "$T/tiny" -- -j2 --max-scansize=300K
ok "2 x 300K fits the 1 MiB tmpfs: per-file directories there" under tinyfits "$T/tiny"
ok "  ... nothing left there" test -z "$(ls -A "$T/tiny")"

scan plain "$T/plain" -- -j2
ok "not a tmpfs: per-file directories under /tmp" under plain /tmp
ok "  ... the same detections" diff -u "$T/clam.found" "$T/plain.found"

scan missing "$T/no-such-dir" -- -j2
ok "a missing candidate: per-file directories under /tmp" under missing /tmp

scan mine "$T/fast" TMPDIR="$T/mine" -- -j2
ok "\$TMPDIR wins over the tmpfs" under mine "$T/mine"
ok "  ... the same detections" diff -u "$T/clam.found" "$T/mine.found"
ok "  ... nothing left in \$TMPDIR" test -z "$(ls -A "$T/mine")"

# Both sides of the 1 MiB line, and the limits, as clamscan has them.
ok "the 1 MiB file is found" grep -q 'edge-in.bin: ' "$T/fast2.found"
ok "the 1 MiB + 1 byte file is found" grep -q 'edge-out.bin: ' "$T/fast2.found"
clamscan -r --no-summary --max-filesize=1000K --alert-exceeds-max -d "$T/db" "$T/pc" 2>/dev/null |
	grep ' FOUND$' | sort >"$T/clam.lim"
scan lim "$T/fast" -- -j2 --max-filesize=1000K --alert-exceeds-max
ok "under 1 MiB but over max-filesize: reported as clamscan does" \
	grep -q 'edge-in.bin: Heuristics.Limits.Exceeded' "$T/lim.found"
ok "  ... the same lines as clamscan" diff -u "$T/clam.lim" "$T/lim.found"

# From memory: scanning 300 small files maps and unmaps nothing per file
# (a descriptor scan has libclamav map each file and unmap it after: 300
# and more). LeakSanitizer cannot run under strace: off for these runs.
mkdir -p "$T/many"
i=0
while [ $i -lt 300 ]; do echo "file $i" >"$T/many/f$i.txt"; i=$((i + 1)); done
env RAQUET_TEST_FAST_TMP="$T/fast" ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=munmap -o "$T/many.strace" \
	raquet-scan --no-progress --no-summary -j1 -d "$T/db" "$T/many" >"$T/many.out" 2>&1
is "300 small files: exit status 0" "$?" 0
ok "  ... fewer than 150 munmap calls for 300 files ($(wc -l <"$T/many.strace"))" \
	test "$(wc -l <"$T/many.strace")" -lt 150

done_testing
