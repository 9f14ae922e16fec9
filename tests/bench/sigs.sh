#!/bin/sh
# tests/bench/sigs.sh DIR: makes (or reuses) the benchmark signature set in
# DIR/db: bench.hdb (RAQUET_BENCH_NHASH hash signatures, default 1,000,000,
# plus the real md5 of clam.exe) and bench.ndb (RAQUET_BENCH_NBODY body
# signatures, default 50,000, plus EICAR), written by gensigs.c, a fixed-seed
# generator that this script builds with cc. DIR/db.stamp records the
# generator version; a complete set with the same stamp is reused.
#
# RAQUET_BENCH_SIGSET=full: a set of the official ClamAV set's size and
# shape (about 8.7 M signatures; docs/performance.md, "Memory with a
# signature set of real size") for the memory measurements: the bench's
# two files with 4,600,000 md5 and 50,000 plain body signatures, and
# bench.hsb (1,400,000 sha256 file hashes), bench.mdb (2,000,000 md5 PE
# section hashes), bench.msb (300,000 sha256 section hashes), wild.ndb
# (200,000 body signatures with offsets and wildcards) and bench.ldb
# (150,000 logical signatures). Each count can be set alone:
# RAQUET_BENCH_NHSB, _NMDB, _NMSB, _NWILD, _NLDB (0 leaves the file out).
# The full set also gets one planted signature of each kind (plant.*), for
# clam.exe or EICAR, and clamscan --allmatch must find every one of them:
# proof that libclamav loaded each kind and matches with it.
set -eu
export LC_ALL=C

GEN_VERSION=2
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$1
CLAMEXE=/usr/share/clamav-testfiles/clam.exe
case ${RAQUET_BENCH_SIGSET:-bench} in
bench)
	NHASH=${RAQUET_BENCH_NHASH:-1000000} NBODY=${RAQUET_BENCH_NBODY:-50000}
	NHSB=${RAQUET_BENCH_NHSB:-0} NMDB=${RAQUET_BENCH_NMDB:-0} NMSB=${RAQUET_BENCH_NMSB:-0}
	NWILD=${RAQUET_BENCH_NWILD:-0} NLDB=${RAQUET_BENCH_NLDB:-0}
	;;
full)
	NHASH=${RAQUET_BENCH_NHASH:-4600000} NBODY=${RAQUET_BENCH_NBODY:-50000}
	NHSB=${RAQUET_BENCH_NHSB:-1400000} NMDB=${RAQUET_BENCH_NMDB:-2000000}
	NMSB=${RAQUET_BENCH_NMSB:-300000} NWILD=${RAQUET_BENCH_NWILD:-200000}
	NLDB=${RAQUET_BENCH_NLDB:-150000}
	;;
*)
	echo "sigs: RAQUET_BENCH_SIGSET must be bench or full, not '$RAQUET_BENCH_SIGSET'" >&2
	exit 2
	;;
esac
for v in NHASH NBODY NHSB NMDB NMSB NWILD NLDB; do
	eval "n=\$$v"
	case $n in
	'' | *[!0-9]*)
		echo "sigs: RAQUET_BENCH_$v must be a count, not '$n'" >&2
		exit 2
		;;
	esac
done
EXTRA=$((NHSB + NMDB + NMSB + NWILD + NLDB))

mkdir -p "$DIR"
md5=$(md5sum <"$CLAMEXE" | cut -c1-32)
size=$(stat -c %s "$CLAMEXE")
stamp="gen=$GEN_VERSION src=$(sha256sum <"$HERE/gensigs.c" | cut -c1-16) hash=$NHASH body=$NBODY clamexe=$md5:$size"
# The bench set's stamp stays as it was; the other kinds are added to it.
[ "$EXTRA" = 0 ] || stamp="$stamp hsb=$NHSB mdb=$NMDB msb=$NMSB wild=$NWILD ldb=$NLDB"
if [ -f "$DIR/db.stamp" ] && [ "$(cat "$DIR/db.stamp")" = "$stamp" ] &&
   [ -s "$DIR/db/bench.hdb" ] && [ -s "$DIR/db/bench.ndb" ]; then
	echo "sigs: reusing $DIR/db ($stamp)" >&2
	exit 0
fi

echo "sigs: generating $NHASH hash + $NBODY body + $EXTRA other signatures in $DIR/db" >&2
rm -rf "$DIR/db" "$DIR/db.tmp" "$DIR/db.stamp"
mkdir -p "$DIR/db.tmp"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$DIR/gensigs" "$HERE/gensigs.c"
if [ "$EXTRA" = 0 ]; then
	"$DIR/gensigs" "$DIR/db.tmp" "$NHASH" "$NBODY" "$md5" "$size"
else
	"$DIR/gensigs" "$DIR/db.tmp" "$NHASH" "$NBODY" "$md5" "$size" \
		"$NHSB" "$NMDB" "$NMSB" "$NWILD" "$NLDB"
fi

tmp=$DIR/sigcheck.tmp
rm -rf "$tmp"; mkdir -p "$tmp"
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$tmp/eicar.com"
cp "$CLAMEXE" "$tmp/clam.exe"
printf 'nothing to see here\n' >"$tmp/clean.txt"
want="$tmp/clam.exe: Raquet.Bench.ClamExe.UNOFFICIAL FOUND
$tmp/eicar.com: Raquet.Bench.Eicar.UNOFFICIAL FOUND"
allmatch=

# plant KIND LINE NAME: one real signature of KIND that clamscan must find.
plant() {
	printf '%s\n' "$2" >>"$DIR/db.tmp/plant.$1"
	want="$want
$3"
}
if [ "$EXTRA" != 0 ]; then
	allmatch=--allmatch
	# clam.exe's one section (sigtool --mdb prints its size and md5); it
	# starts the file, so its sha256 is that of the file's first bytes.
	sec=$(sigtool --mdb "$CLAMEXE" 2>&1 | sed -n 's/.*Section{0}: \([0-9]*\):\([0-9a-f]\{32\}\)$/\1 \2/p')
	set -- $sec
	if [ $# != 2 ] || [ "$(head -c "$1" "$CLAMEXE" | md5sum | cut -c1-32)" != "$2" ]; then
		echo "sigs: cannot find clam.exe's section (sigtool --mdb: '$sec')" >&2
		exit 2
	fi
	secsha=$(head -c "$1" "$CLAMEXE" | sha256sum | cut -c1-64)
	sha=$(sha256sum <"$CLAMEXE" | cut -c1-64)
	hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
	c="$tmp/clam.exe:" e="$tmp/eicar.com:"
	[ "$NHSB" = 0 ] || plant hsb "$sha:$size:Raquet.Bench.ClamExe.Sha256" \
		"$c Raquet.Bench.ClamExe.Sha256.UNOFFICIAL FOUND"
	[ "$NMDB" = 0 ] || plant mdb "$1:$2:Raquet.Bench.ClamExe.Section" \
		"$c Raquet.Bench.ClamExe.Section.UNOFFICIAL FOUND"
	[ "$NMSB" = 0 ] || plant msb "$1:$secsha:Raquet.Bench.ClamExe.SectionSha256" \
		"$c Raquet.Bench.ClamExe.SectionSha256.UNOFFICIAL FOUND"
	[ "$NWILD" = 0 ] || plant ndb \
		"Raquet.Bench.Eicar.Wild:0:*:$(hexof 'EICAR-')??$(hexof 'TANDARD'){4-12}$(hexof '-TEST-')*$(hexof '$H+H*')" \
		"$e Raquet.Bench.Eicar.Wild.UNOFFICIAL FOUND"
	[ "$NLDB" = 0 ] || plant ldb \
		"Raquet.Bench.ClamExe.Logical;Engine:51-255,Target:1;0&1;$(hexof KERNEL32.DLL);$(hexof CLAMessageBoxA)" \
		"$c Raquet.Bench.ClamExe.Logical.UNOFFICIAL FOUND"
fi

# clamscan must accept the set and find the real signatures with it.
rc=0
clamscan --no-summary $allmatch -d "$DIR/db.tmp" "$tmp/eicar.com" "$tmp/clam.exe" "$tmp/clean.txt" \
	>"$tmp/out" 2>"$tmp/err" || rc=$?
want=$(printf '%s\n' "$want" | sort)
got=$(grep ' FOUND$' "$tmp/out" | sort)
if [ "$rc" != 1 ] || [ "$got" != "$want" ]; then
	echo "sigs: clamscan does not accept the generated set (exit $rc):" >&2
	cat "$tmp/out" "$tmp/err" >&2
	echo "sigs: wanted:" >&2
	printf '%s\n' "$want" >&2
	exit 2
fi
rm -rf "$tmp"

mv "$DIR/db.tmp" "$DIR/db"
printf '%s\n' "$stamp" >"$DIR/db.stamp"
echo "sigs: done; $(wc -l <"$DIR/db/bench.hdb") hdb lines, $(wc -l <"$DIR/db/bench.ndb") ndb lines" >&2
[ "$EXTRA" = 0 ] || (cd "$DIR/db" && wc -l -- * >&2)
