#!/bin/sh
# The clean-file cache (docs/raquet-scan.md "Clean-file cache"): a
# confirming rescan with the same signatures reads no file it found clean
# before and that did not change; detected, changed and restored-mtime
# files are always scanned; a signature change empties it; --no-cache; a
# corrupt, truncated, oversized or foreign cache file is ignored whole and
# replaced; the same holds on NTFS through ntfs-3g; a cache that cannot be
# written only warns; on a stick it lives
# in RAQUET/cache and reveals no name.
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/db"
mkdir -p "$T/pc/docs" "$T/pc/Tài liệu"
for i in 1 2 3 4 5 6 7 8 9 10; do echo "báo cáo số $i" > "$T/pc/docs/report$i.txt"; done
echo "ghi chú" > "$T/pc/Tài liệu/ghi chú.txt"
# As long as EICAR, clean: it will later become EICAR behind the cache's back.
printf '%68s' '' | tr ' ' A > "$T/pc/docs/same-size.txt"
write_eicar "$T/pc/eicar.com"
CLEAN=12

scan() { raquet-scan --no-progress --no-summary -d "$T/db" "$@"; }
cached() { jq -r .totals.cached "$1"; }
# reads_of TRACE: the scanned tree's files that were read (read, pread,
# mmap on a descriptor of that file), from strace -y's output.
reads_of() { grep -E '^[0-9]+ +(read|pread64|mmap)\(' "$1" | grep -o "<$T/pc/[^>]*>" | sort -u; }
traced() { _o=$1; shift; strace -f -y -o "$_o" -e trace=read,pread64,mmap "$@"; }

# --- first scan fills the cache, the rescan reads no clean file ---
traced "$T/trace1" raquet-scan --no-progress --no-summary -d "$T/db" --cache "$T/c" --json "$T/r1.json" "$T/pc" >"$T/out1" 2>&1
is "first scan: nothing from the cache" "$(cached "$T/r1.json")" 0
is "  ... the first scan reads every file" "$(reads_of "$T/trace1" | wc -l)" $((CLEAN + 1))
ok "  ... the cache holds a key (0600) and one volume file" sh -c \
	"test \"\$(stat -c %a '$T/c/key')\" = 600 && test \$(ls '$T/c' | grep -c '^[0-9a-f]\{32\}\.rqc\$') = 1"
ok "  ... and no name or path of the scanned files" sh -c \
	"! grep -rqaF -e report -e 'ghi chú' -e docs -e '$T' '$T/c'"

traced "$T/trace2" raquet-scan --no-progress --no-summary -d "$T/db" --cache "$T/c" --json "$T/r2.json" "$T/pc" >"$T/out2" 2>&1
is "rescan: every clean file from the cache" "$(cached "$T/r2.json")" $CLEAN
is "  ... the only file read is the detected one" "$(reads_of "$T/trace2")" "<$T/pc/eicar.com>"
ok "  ... which is still reported" grep -q "eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/out2"
is "  ... totals still count every file" "$(jq -r '[.totals.files, .totals.detections] | join(" ")' "$T/r2.json")" "$((CLEAN + 1)) 1"
exit_is "  ... and the exit status says found" 1 scan --cache "$T/c" "$T/pc"
raquet-scan --no-progress -d "$T/db" --cache "$T/c" "$T/pc" > "$T/sum" 2>&1
ok "  ... the summary says how many came from the cache" grep -qx "Files from the clean-file cache: $CLEAN" "$T/sum"

# --- content changed, size and times restored: its ctime changed ---
before=$(stat -c '%s %Y' "$T/pc/docs/same-size.txt")
mtime=$(stat -c %y "$T/pc/docs/same-size.txt")
write_eicar "$T/pc/docs/same-size.txt" && touch -d "$mtime" "$T/pc/docs/same-size.txt"
is "the changed file has the same size and mtime" "$(stat -c '%s %Y' "$T/pc/docs/same-size.txt")" "$before"
exit_is "a file changed behind the cache's back is scanned" 1 scan --cache "$T/c" --json "$T/r3.json" "$T/pc"
ok "  ... and detected" grep -q "same-size.txt: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/last.out"
is "  ... the others still from the cache" "$(cached "$T/r3.json")" $((CLEAN - 1))
printf '%68s' '' | tr ' ' A > "$T/pc/docs/same-size.txt"

# --- a new clean file is added; a detected file never is ---
echo new > "$T/pc/docs/new.txt"
scan --cache "$T/c" "$T/pc" >/dev/null 2>&1
scan --cache "$T/c" --json "$T/r4.json" "$T/pc" >/dev/null 2>&1
is "new and restored clean files join the cache" "$(cached "$T/r4.json")" $((CLEAN + 1))

# --- any signature change empties it ---
cp -a "$T/db" "$T/db2" && echo "Raquet.Test.Other:0:*:0102030405060708090a" > "$T/db2/more.ndb"
exit_is "another signature set" 1 raquet-scan --no-progress -d "$T/db2" --cache "$T/c" --json "$T/r5.json" "$T/pc"
is "  ... takes nothing from the cache" "$(cached "$T/r5.json")" 0
touch -d '2001-01-01' "$T/db/test.hdb"
scan --cache "$T/c" --json "$T/r6.json" "$T/pc" >/dev/null 2>&1
is "a database file touched: nothing from the cache" "$(cached "$T/r6.json")" 0
scan --cache "$T/c" --max-filesize 10M --json "$T/r7.json" "$T/pc" >/dev/null 2>&1
is "other size limits: nothing from the cache" "$(cached "$T/r7.json")" 0
ok "  ... and the cache of the old set is gone" test "$(ls "$T/c" | grep -c 'rqc$')" = 1
scan --cache "$T/c" --max-filesize 10M --json "$T/r8.json" "$T/pc" >/dev/null 2>&1
is "  ... the same set again: from the cache" "$(cached "$T/r8.json")" $((CLEAN + 1))

# --- --no-cache ---
(cd "$T/c" && sha256sum * ) > "$T/c.sum"
exit_is "--no-cache" 1 scan --no-cache --json "$T/r9.json" "$T/pc"
is "  ... takes nothing from a cache" "$(cached "$T/r9.json")" 0
exit_is "--no-cache with --cache is a usage error" 2 scan --no-cache --cache "$T/c" "$T/pc"
ok "  ... neither touched the cache" sh -c "cd '$T/c' && sha256sum -c --quiet '$T/c.sum'"

# --- corrupt, truncated, oversized and foreign cache files ---
L=--max-filesize
f=$(ls "$T/c"/*.rqc)
bad_case() { # NAME COMMAND...: damage the cache file, rescan, expect it ignored and replaced
	_what=$1; shift
	rm -f "$T/bad.json"
	cp "$f" "$T/good.rqc" && "$@"
	is "$_what: the damage is done" "$?" 0
	scan --cache "$T/c" $L 10M --json "$T/bad.json" "$T/pc" >"$T/bad.out" 2>"$T/bad.err"
	is "$_what: nothing from the cache" "$(cached "$T/bad.json")" 0
	ok "  ... with a warning" grep -q "warning: clean-file cache .*rqc ignored" "$T/bad.err"
	ok "  ... the detection still reported" grep -q "eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/bad.out"
	scan --cache "$T/c" $L 10M --json "$T/bad2.json" "$T/pc" >/dev/null 2>&1
	is "  ... replaced by a good one" "$(cached "$T/bad2.json")" $((CLEAN + 1))
}
size=$(stat -c %s "$f")
bad_case "one entry byte flipped" flip_byte "$f" 70
bad_case "the MAC flipped" flip_byte "$f" $((size - 1))
bad_case "truncated" truncate -s $((size - 16)) "$f"
bad_case "empty" truncate -s 0 "$f"
bad_case "oversized (40 MiB)" truncate -s 40M "$f"
# A good file written with another cache's key: its MAC does not verify.
mkdir -p "$T/other" && scan --cache "$T/other" $L 10M "$T/pc" >/dev/null 2>&1
bad_case "another cache's file" sh -c "cp '$T/other/'*.rqc '$f'"
bad_case "a symlink in its place" sh -c "rm '$f' && ln -s '$T/good.rqc' '$f'"
printf 'short' > "$T/c/key"
scan --cache "$T/c" $L 10M --json "$T/k.json" "$T/pc" >/dev/null 2>"$T/k.err"
is "a damaged key: the cache starts empty" "$(cached "$T/k.json")" 0
ok "  ... with a warning" grep -q "warning: the clean-file cache's key .* is damaged" "$T/k.err"
is "  ... a new 32-byte key" "$(stat -c '%s %a' "$T/c/key")" "32 600"
ln -s "$T/c" "$T/clink"
exit_is "a cache directory that is a symlink is not used" 1 scan --cache "$T/clink" --json "$T/l.json" "$T/pc"
ok "  ... with a warning" grep -q "warning: scanning without the clean-file cache" "$T/last.err"

# --- on NTFS through ntfs-3g: ctime is NTFS's change time, also honest ---
truncate -s 16M "$T/ntfs.img" && mkntfs -F -q -f "$T/ntfs.img" >/dev/null 2>&1 && mkdir -p "$T/nt" &&
	ntfs-3g "$T/ntfs.img" "$T/nt" && at_exit "umount '$T/nt'"
ok "an NTFS volume is mounted with ntfs-3g" mountpoint -q "$T/nt"
printf '%68s' '' | tr ' ' A > "$T/nt/same-size.txt" && echo "báo cáo" > "$T/nt/report.txt"
scan --cache "$T/cn" --json "$T/n1.json" "$T/nt" >/dev/null 2>&1
scan --cache "$T/cn" --json "$T/n2.json" "$T/nt" >/dev/null 2>&1
is "NTFS rescan: both files from the cache" "$(cached "$T/n2.json")" 2
mtime=$(stat -c %y "$T/nt/same-size.txt")
write_eicar "$T/nt/same-size.txt" && touch -d "$mtime" "$T/nt/same-size.txt"
exit_is "NTFS: changed, size and mtime restored: scanned" 1 scan --cache "$T/cn" --json "$T/n3.json" "$T/nt"
ok "  ... and detected" grep -q "same-size.txt: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/last.out"
is "  ... the other still from the cache" "$(cached "$T/n3.json")" 1

# --- on a stick: RAQUET/cache; a cache that cannot be written only warns ---
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb"
S=$T/usb/RAQUET
printf 'action = report\nscan = full\n' > "$S/config"
stick() { raquet-scan --no-progress --no-summary --stick "$T/usb" --unit 000.00.12.H57 "$@"; }
exit_is "stick scan" 1 stick --json "$T/s1.json" "$T/pc"
ok "  ... the cache is in RAQUET/cache" sh -c "test -f '$S/cache/key' && ls '$S/cache' | grep -q 'rqc\$'"
exit_is "stick rescan" 1 stick --json "$T/s2.json" "$T/pc"
is "  ... from the stick's cache" "$(cached "$T/s2.json")" $((CLEAN + 1))
exit_is "stick scan with --no-cache" 1 stick --no-cache --json "$T/s3.json" "$T/pc"
is "  ... takes nothing from it" "$(cached "$T/s3.json")" 0
mount --bind "$S/cache" "$S/cache" && at_exit "umount '$S/cache'" && mount -o remount,bind,ro "$S/cache"
echo "newer" > "$T/pc/docs/newer.txt"
exit_is "a read-only cache: the scan still goes on and is sealed" 1 stick --json "$T/s4.json" "$T/pc"
ok "  ... the record was saved" grep -q "^Record saved: " "$T/last.out"
ok "  ... a warning says the cache was not saved" grep -q "warning: the clean-file cache was not saved" "$T/last.err"
is "  ... what it holds was still used" "$(cached "$T/s4.json")" $((CLEAN + 1))

done_testing
