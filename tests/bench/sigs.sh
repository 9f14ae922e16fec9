#!/bin/sh
# tests/bench/sigs.sh DIR: makes (or reuses) the benchmark signature set in
# DIR/db: bench.hdb (RAQUET_BENCH_NHASH hash signatures, default 1,000,000,
# plus the real md5 of clam.exe) and bench.ndb (RAQUET_BENCH_NBODY body
# signatures, default 50,000, plus EICAR), written by gensigs.c, a fixed-seed
# generator that this script builds with cc. DIR/db.stamp records the
# generator version; a complete set with the same stamp is reused.
set -eu
export LC_ALL=C

GEN_VERSION=1
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$1
NHASH=${RAQUET_BENCH_NHASH:-1000000}
NBODY=${RAQUET_BENCH_NBODY:-50000}
CLAMEXE=/usr/share/clamav-testfiles/clam.exe

mkdir -p "$DIR"
md5=$(md5sum <"$CLAMEXE" | cut -c1-32)
size=$(stat -c %s "$CLAMEXE")
stamp="gen=$GEN_VERSION src=$(sha256sum <"$HERE/gensigs.c" | cut -c1-16) hash=$NHASH body=$NBODY clamexe=$md5:$size"
if [ -f "$DIR/db.stamp" ] && [ "$(cat "$DIR/db.stamp")" = "$stamp" ] &&
   [ -s "$DIR/db/bench.hdb" ] && [ -s "$DIR/db/bench.ndb" ]; then
	echo "sigs: reusing $DIR/db ($stamp)" >&2
	exit 0
fi

echo "sigs: generating $NHASH hash + $NBODY body signatures in $DIR/db" >&2
rm -rf "$DIR/db" "$DIR/db.tmp" "$DIR/db.stamp"
mkdir -p "$DIR/db.tmp"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$DIR/gensigs" "$HERE/gensigs.c"
"$DIR/gensigs" "$DIR/db.tmp" "$NHASH" "$NBODY" "$md5" "$size"

# clamscan must accept the set and find the two real signatures with it.
tmp=$DIR/sigcheck.tmp
rm -rf "$tmp"; mkdir -p "$tmp"
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$tmp/eicar.com"
cp "$CLAMEXE" "$tmp/clam.exe"
printf 'nothing to see here\n' >"$tmp/clean.txt"
rc=0
clamscan --no-summary -d "$DIR/db.tmp" "$tmp/eicar.com" "$tmp/clam.exe" "$tmp/clean.txt" \
	>"$tmp/out" 2>"$tmp/err" || rc=$?
want="$tmp/clam.exe: Raquet.Bench.ClamExe.UNOFFICIAL FOUND
$tmp/eicar.com: Raquet.Bench.Eicar.UNOFFICIAL FOUND"
got=$(grep ' FOUND$' "$tmp/out" | sort)
if [ "$rc" != 1 ] || [ "$got" != "$want" ]; then
	echo "sigs: clamscan does not accept the generated set (exit $rc):" >&2
	cat "$tmp/out" "$tmp/err" >&2
	exit 2
fi
rm -rf "$tmp"

mv "$DIR/db.tmp" "$DIR/db"
printf '%s\n' "$stamp" >"$DIR/db.stamp"
echo "sigs: done; $(wc -l <"$DIR/db/bench.hdb") hdb lines, $(wc -l <"$DIR/db/bench.ndb") ndb lines" >&2
