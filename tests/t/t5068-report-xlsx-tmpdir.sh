#!/bin/sh
# raquet-report's XLSX and its temporary files: libxlsxwriter 1.1.4 writes
# every sheet through temporary files (in TMPDIR, else /dev/shm or /tmp)
# and does not check those writes. Whatever room the temporary directory
# has, the report is the whole workbook or an error that says why, with no
# file left behind (868b9ae wrote a workbook with empty or cut parts and
# exited 0 once the directory was full).
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
ok "fixture ioc.db" "$TOP/tests/fixtures/report-ioc.sh" "$I"
R() { raquet-report --ioc "$I" --date 2026-11-28 "$@"; }
# Each part's length, CRC and name, but the creation time's (docProps/core.xml).
parts() { unzip -v "$1" | awk '$8 ~ /\.(xml|rels)$/ && $8 != "docProps/core.xml" {print $1, $7, $8}'; }

exit_is "with room, the whole workbook" 0 R -o "$T/ref.xlsx"
parts "$T/ref.xlsx" >"$T/ref.parts"
ok "  ... its device sheet among its parts" grep -q ' xl/worksheets/sheet4.xml$' "$T/ref.parts"

# A tmpfs of one page for the temporary files, grown a page at a time until
# the workbook fits: every size in between runs out of room somewhere else.
mkdir "$T/tmp"
ok "a small tmpfs" mount -t tmpfs -o size=4k,mode=1777 tmpfs "$T/tmp"
at_exit "umount '$T/tmp'"
bad="" refused=0 whole=0 pages=1
while [ $whole = 0 ] && [ $pages -le 256 ]; do
	mount -o remount,size=$((pages * 4))k "$T/tmp" || { bad="$bad remount"; break; }
	rm -f "$T/r.xlsx"
	if TMPDIR=$T/tmp R -o "$T/r.xlsx" 2>"$T/r.err"; then
		parts "$T/r.xlsx" >"$T/r.parts"
		if cmp -s "$T/ref.parts" "$T/r.parts"; then whole=$pages; else bad="$bad $pages:cut"; fi
	elif [ -e "$T/r.xlsx" ]; then
		bad="$bad $pages:file-left"
	elif grep -Eq 'temporary file|tmpfile' "$T/r.err"; then
		refused=$((refused + 1))
	else
		bad="$bad $pages:$(head -1 "$T/r.err")"
	fi
	[ -z "$(ls -A "$T/tmp")" ] || bad="$bad $pages:temporary-files-left"
	pages=$((pages + 1))
done
echo "# refused at $refused sizes, whole from $whole pages"
is "every size: the whole workbook, or an error and no file" "$bad" ""
ok "  ... a directory too small was refused" test "$refused" -gt 0
ok "  ... and one with room enough gave the whole workbook" test "$whole" -gt 0

done_testing
