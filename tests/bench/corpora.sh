#!/bin/sh
# tests/bench/corpora.sh DIR: makes (or reuses) the two corpora of issue 14
# next to corpus.sh's (which must exist: its infected files are copied):
#
#   DIR/docs/files   documents and compressed files: every regular file of
#                    this machine's /usr/share/doc (many small texts and .gz),
#                    closer to a user profile than shared objects are;
#   DIR/small/files  many small files: RAQUET_BENCH_NSMALL (default 50,000)
#                    files of 1 to 8 KiB from gensmall.c (fixed seed).
#
# Both get DIR/files/infected/ copied in, so the detections are known. Each
# has a stamp (generator version and a hash of its list); a complete corpus
# with the same stamp is reused.
set -eu
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$1
NSMALL=${RAQUET_BENCH_NSMALL:-50000}
GEN_VERSION=1

[ -d "$DIR/files/infected" ] || { echo "corpora: run corpus.sh first" >&2; exit 2; }
case $NSMALL in ''|*[!0-9]*|0) echo "corpora: RAQUET_BENCH_NSMALL must be a positive integer" >&2; exit 2;; esac

# reuse NAME STAMP: true when DIR/NAME is complete with that stamp.
reuse() {
	[ -f "$DIR/$1/stamp" ] && [ "$(cat "$DIR/$1/stamp")" = "$2" ] && [ -d "$DIR/$1/files" ]
}
# finish NAME STAMP: adds the infected files, then makes DIR/NAME/files.tmp
# the corpus.
finish() {
	cp -R "$DIR/files/infected" "$DIR/$1/files.tmp/infected"
	chmod -R u+rwX,go+rX,go-w,a-s "$DIR/$1/files.tmp"
	mv "$DIR/$1/files.tmp" "$DIR/$1/files"
	printf '%s\n' "$2" >"$DIR/$1/stamp"
	echo "corpora: $1 done ($2)" >&2
}

# 1. /usr/share/doc: regular files only (its many symlinks point to other
#    packages' folders; neither scanner follows them inside a tree).
mkdir -p "$DIR/docs"
find /usr/share/doc -xdev -type f -size +0 -printf '%P\n' |
	awk '$0 !~ /[[:cntrl:]]/' | sort >"$DIR/docs/list.tmp"
stamp="gen=$GEN_VERSION list=$(sha256sum <"$DIR/docs/list.tmp" | cut -c1-16)"
if reuse docs "$stamp"; then
	echo "corpora: reusing $DIR/docs/files ($stamp)" >&2
else
	echo "corpora: copying /usr/share/doc to $DIR/docs/files" >&2
	rm -rf "$DIR/docs/files" "$DIR/docs/files.tmp" "$DIR/docs/stamp"
	mkdir -p "$DIR/docs/files.tmp/doc"
	tar -C /usr/share/doc -cf - --no-recursion --verbatim-files-from -T "$DIR/docs/list.tmp" |
		tar -C "$DIR/docs/files.tmp/doc" -xf - --no-same-owner --no-same-permissions
	finish docs "$stamp"
fi
rm -f "$DIR/docs/list.tmp"

# 2. Many small files.
stamp="gen=$GEN_VERSION src=$(sha256sum <"$HERE/gensmall.c" | cut -c1-16) n=$NSMALL"
if reuse small "$stamp"; then
	echo "corpora: reusing $DIR/small/files ($stamp)" >&2
else
	echo "corpora: writing $NSMALL small files to $DIR/small/files" >&2
	rm -rf "$DIR/small/files" "$DIR/small/files.tmp" "$DIR/small/stamp"
	mkdir -p "$DIR/small/files.tmp"
	${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$DIR/gensmall" "$HERE/gensmall.c"
	"$DIR/gensmall" "$DIR/small/files.tmp" "$NSMALL"
	finish small "$stamp"
fi
