#!/bin/sh
# A result's started and finished are read by one function, lib/isotime.c:
# exactly "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM". A wrong but real date
# is evidence, imported and flagged (t4150); a date that is no date
# (February 29 of a common year, April 31) or a time written with a sign or
# a space is refused at import and kept in rejected/, never read as some
# other date (timegm turned February 30 into March 2, sscanf read "+ 7:00"
# as "+07:00"). unit test: test_isotime.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc A=000.00.12.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb" $A || { echo "not ok 1 - an IOC and a stick"; exit 1; }
mkdir -p "$T/clean" "$T/w" && echo clean > "$T/clean/a.txt"
S=$(stick_id "$T/usb") K=$T/usb/RAQUET

# redate SEQ STARTED: result SEQ re-sealed, as the stick's holder could,
# saying it started (and finished) at STARTED.
redate() {
	rm -rf "$T/doc" && rq-testkeys open -s "$K/stick.pub" "$I" "$K/results/$S-$1.rqr" "$T/doc" >/dev/null &&
	jq --arg t "$2" '.started = $t | .finished = $t' "$T/doc/result.json" > "$T/w/result.json" &&
	rm "$K/results/$S-$1.rqr" && rq-forge "$K" "$K/results" "$1" "$(date +%s)" "$T/w/result.json"
}
n=0
for when in 2024-02-29T10:00:00+07:00 2025-02-29T10:00:00+07:00 2026-04-31T10:00:00+07:00 \
	2026-11-28T-1:00:00+07:00 "2026-11-28T10:00:00+ 7:00"; do
	n=$((n + 1))
	ok "PC SN-$n scanned" scan_pc "$T/usb" $A SN-$n "$T/clean"
	ok "  ... its result re-sealed dated '$when'" redate $n "$when"
done
raquet-sync --ioc "$I" import "$T/usb" > "$T/out" 2>&1
is "import: exit 1, some records rejected" $? 1
is "  ... the leap day imported, the four others rejected" "$(tail -1 "$T/out")" \
	"stick $S: 1 imported, 0 already imported, 4 rejected"
is "  ... its date as written" "$(sqlite3 "$I/ioc.db" "SELECT seq, started FROM scans WHERE stick = '$S'")" \
	"1|2024-02-29T10:00:00+07:00"
raquet-sync --ioc "$I" status "$S" > "$T/st"
ok "  ... read as that day (flagged: before the stick was issued)" \
	grep -q '^  #1 date-before-issue: the result says it started at 2024-02-29 03:00:00 UTC' "$T/st"
for n in 2 3 4 5; do
	ok "result $n: rejected for its started time" \
		grep -q "^rejected results/$S-$n.rqr: result.json does not match its schema: started must be an ISO 8601 time with its UTC offset$" "$T/out"
	f=$I/rejected/$S/$S-$n.rqr.$(sha256sum "$K/results/$S-$n.rqr" | cut -c1-12)
	ok "  ... kept in rejected/, byte for byte, with its reason" sh -c "cmp '$K/results/$S-$n.rqr' '$f' && grep -q 'started must be' '$f.reason'"
done
is "  ... and listed as rejections in ioc.db" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM rejections WHERE stick = '$S'")" 4

done_testing
