#!/bin/sh
# tests/bench/corpus.sh DIR: makes (or reuses) the benchmark corpus in DIR.
#
# The corpus is a deterministic selection of real files from this machine's
# /usr (shared libraries, programs, documentation, translations, Python
# modules, images, PDFs, HTML, compressed files and archives), copied with
# their relative paths under DIR/files/usr/..., until it holds at least
# RAQUET_BENCH_MB MiB (default 520), plus a few infected files under
# DIR/files/infected/ (EICAR in several forms, copies of ClamAV's clam.exe).
#
# Deterministic: the candidates are listed with LC_ALL=C and sorted; each kind
# of file has a quota (scaled with RAQUET_BENCH_MB) and is sampled with a fixed stride over that sorted list;
# so the same installed packages give the same corpus. DIR/stamp records the
# generator version and a hash of the selection; a complete corpus with the
# same stamp is reused, anything else is rebuilt from scratch.
set -eu
export LC_ALL=C

GEN_VERSION=2
DIR=$1
TARGET_MB=${RAQUET_BENCH_MB:-520}
MAX_FILE=$((40 * 1024 * 1024))     # keep every file well under --max-filesize
TESTFILES=/usr/share/clamav-testfiles
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

mkdir -p "$DIR"
[ -r "$TESTFILES/clam.exe" ] || {
	echo "corpus: $TESTFILES/clam.exe missing (apt-get install clamav-testfiles)" >&2
	exit 2
}

# 1. Candidates: every regular, non-empty file of /usr on its file system,
#    size <= MAX_FILE, path without control characters or tabs; not
#    /usr/local (machine-specific) nor ClamAV's test files (added on purpose
#    below, so the set of detections is known).
list=$DIR/list.tmp
find /usr -xdev \( -path /usr/local -o -path "$TESTFILES" \) -prune -o \
	-type f -size +0 -printf '%s\t%p\n' |
	awk -F'\t' -v max="$MAX_FILE" 'NF == 2 && $1 <= max && $2 !~ /[[:cntrl:]]/' |
	sort -t"$(printf '\t')" -k2,2 >"$list.all"

# 2. Selection: classify, take each class up to its quota with a fixed stride
#    over its sorted list, then fill from the rest until TARGET_MB.
awk -F'\t' -v target="$TARGET_MB" '
function cls(p,   b) {
	b = p; sub(/.*\//, "", b)
	if (p ~ /^\/usr\/lib\/python3/)                       return "python"
	if (p ~ /^\/usr\/lib\// && b ~ /\.so(\.[0-9.]+)?$/)    return "so"
	if (p ~ /^\/usr\/(s?bin|libexec)\//)                  return "bin"
	if (p ~ /^\/usr\/share\/doc\//)                       return "doc"
	if (p ~ /^\/usr\/share\/locale\//)                    return "locale"
	if (b ~ /\.(png|svg|svgz|jpg|jpeg|gif|ico|pdf|ttf|otf|pfb)$/) return "media"
	if (b ~ /\.(html|htm|js|css|xml|txt|json)$/)          return "web"
	if (b ~ /\.(jar|zip|gz|tgz|xz|bz2|zst|whl|deb|7z)$/)  return "archive"
	return "other"
}
BEGIN {
	MiB = 1048576
	q["so"] = 150; q["bin"] = 90; q["doc"] = 50; q["locale"] = 30
	q["python"] = 40; q["media"] = 40; q["web"] = 20; q["archive"] = 40
	q["other"] = 0
	order = "so bin doc locale python media web archive"
}
{
	c = cls($2); n[c]++; sz[c, n[c]] = $1; pa[c, n[c]] = $2; tot[c] += $1
	all++; asz[all] = $1; apa[all] = $2
}
END {
	total = 0; nc = split(order, cs, " ")
	for (i = 1; i <= nc; i++) {
		c = cs[i]; quota = q[c] * MiB * target / 520; got = 0
		k = (tot[c] > quota) ? int((tot[c] + quota - 1) / quota) : 1
		for (j = 1; j <= n[c] && got < quota; j += k) {
			if (got + sz[c, j] > quota + 4 * MiB) continue
			sel[pa[c, j]] = 1; got += sz[c, j]
		}
		total += got
		printf "corpus:   %-8s %6.1f MiB of %7.1f MiB\n", c, got / MiB, tot[c] / MiB > "/dev/stderr"
	}
	need = target * MiB - total; rest = 0
	for (j = 1; j <= all; j++) if (!(apa[j] in sel)) rest += asz[j]
	k = (need > 0 && rest > need) ? int(rest / need) : 1
	for (pass = 1; pass <= 2 && total < target * MiB; pass++) {
		for (j = 1; j <= all && total < target * MiB; j++) {
			if (apa[j] in sel) continue
			if (pass == 1 && j % k != 0) continue
			sel[apa[j]] = 1; total += asz[j]
		}
	}
	printf "corpus:   fill     -> %6.1f MiB selected\n", total / MiB > "/dev/stderr"
	if (total < target * MiB) {
		printf "corpus: only %.1f MiB of files in /usr, need %d MiB\n", total / MiB, target > "/dev/stderr"
		exit 3
	}
	for (j = 1; j <= all; j++) if (apa[j] in sel) print substr(apa[j], 2)
}' "$list.all" >"$list"
rm -f "$list.all"

stamp="gen=$GEN_VERSION target=$TARGET_MB list=$(sha256sum <"$list" | cut -c1-16) clamexe=$(md5sum <"$TESTFILES/clam.exe" | cut -c1-32)"
if [ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$stamp" ] && [ -d "$DIR/files" ]; then
	echo "corpus: reusing $DIR/files ($stamp)" >&2
	rm -f "$list"
	exit 0
fi

echo "corpus: building $DIR/files" >&2
rm -rf "$DIR/files" "$DIR/files.tmp" "$DIR/stamp"
mkdir -p "$DIR/files.tmp"
# Copy with relative paths; hard links inside the selection stay hard links.
tar -C / -cf - --no-recursion --verbatim-files-from -T "$list" |
	tar -C "$DIR/files.tmp" -xf - --no-same-owner --no-same-permissions
chmod -R u+rwX,go+rX,go-w,a-s "$DIR/files.tmp"

# 3. Infected files: the set of detections the three scanners must agree on.
inf=$DIR/files.tmp/infected
mkdir -p "$inf/deep/a/b/c" "$inf/docs"
printf '%s' "$EICAR" >"$inf/eicar.com"
printf '%s\n' "$EICAR" >"$inf/eicar.txt"
printf '%s' "$EICAR" >"$inf/deep/a/b/c/eicar.bin"
cp "$TESTFILES/clam.exe" "$inf/clam.exe"
cp "$TESTFILES/clam.exe" "$inf/deep/setup.exe"
cp "$TESTFILES/clam.exe" "$inf/deep/a/b/update.exe"
cp "$TESTFILES/clam.zip" "$inf/clam.zip"           # clam.exe inside a zip
cp "$TESTFILES/clam.tar.gz" "$inf/clam.tar.gz"     # ... and a tar.gz
# EICAR at the end of 256 KiB of text, and inside a tar.gz made here.
{ yes 'raquet bench: ordinary text before the test string' | head -c 262144
  printf '%s\n' "$EICAR"; } >"$inf/docs/report.txt"
mkdir -p "$DIR/eicar.tmp"
printf '%s' "$EICAR" >"$DIR/eicar.tmp/eicar.com"
tar -C "$DIR/eicar.tmp" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	-cf - eicar.com | gzip -n -9 >"$inf/docs/eicar.tar.gz"
rm -rf "$DIR/eicar.tmp"
chmod -R u+rwX,go+rX,go-w "$inf"

mv "$DIR/files.tmp" "$DIR/files"
mv "$list" "$DIR/list"
printf '%s\n' "$stamp" >"$DIR/stamp"
echo "corpus: done ($stamp)" >&2
