#!/bin/sh
# raquet-sync end to end: an IOC with units, two sticks provisioned by it,
# real raquet-scan runs on several PCs (some twice) sealed to the sticks,
# both imported, and every unit total of the appendix checked.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
A=000.00.12.H57 B=000.01.20.H57 C=000.01.21.H57
scan() { scan_pc "$@"; } # tests/lib.sh
ok "init and three units" sync_ioc "$I"
ok "stick 1 for $A" sync_stick "$I" "$T/usb1" $A
ok "stick 2 for $B (and, through the roster, $C)" sync_stick "$I" "$T/usb2" $B
S1=$(stick_id "$T/usb1") S2=$(stick_id "$T/usb2")

mkdir -p "$T/pc1" "$T/pc2" "$T/pc3" "$T/pc4" "$T/pc5"
write_eicar "$T/pc1/eicar.com"; echo clean > "$T/pc2/a.txt"
write_eicar "$T/pc3/eicar.com"; cp "$TESTFILES/clam.exe" "$T/pc3/setup.exe"
echo clean > "$T/pc4/b.txt"; cp "$TESTFILES/clam.exe" "$T/pc5/x.exe"
ok "pc1 on stick 1, report only" scan "$T/usb1" $A SN-1 "$T/pc1" --action report
ok "pc1 again, quarantined (latest: cleaned)" scan "$T/usb1" $A SN-1 "$T/pc1"
ok "pc2 on stick 1, clean" scan "$T/usb1" $A SN-2 "$T/pc2"
ok "pc3 on stick 2 for $C, report only" scan "$T/usb2" $C SN-3 "$T/pc3" --action report
twice() { scan "$@" && scan "$@"; }
ok "pc4 on stick 2, clean, twice" twice "$T/usb2" $B SN-4 "$T/pc4"
ok "pc5 on stick 2, quarantined" scan "$T/usb2" $B SN-5 "$T/pc5"

exit_is "import stick 1" 0 raquet-sync --ioc "$I" import "$T/usb1"
is "  ... says what it did" "$(tail -1 "$T/last.out")" "stick $S1: 4 imported, 0 already imported, 0 rejected"
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"
is "  ... says what it did" "$(tail -1 "$T/last.out")" "stick $S2: 5 imported, 0 already imported, 0 rejected"
ok "a signed receipt on each stick" sh -c "test -f '$T/usb1/RAQUET/receipts/$(key_id "$I/ioc.pub").json' &&
	rq-testkeys verify '$I/ioc.pub' '$T/usb2/RAQUET/receipts/$(key_id "$I/ioc.pub").json'"
is "the receipt lists the records" "$(jq -c .records "$T/usb2/RAQUET/receipts/"*.json)" '{"result":[[1,4]],"sample":[[1,1]]}'
is "samples are kept under the IOC by sha256" "$(find "$I/samples" -type f | wc -l)" 2
ok "  ... byte for byte" test -f "$I/samples/$(sha256sum "$TESTFILES/clam.exe" | cut -c1-2)/$(sha256sum "$TESTFILES/clam.exe" | cut -d' ' -f1)"

# Every total (sync/totals.sql), for the province and per unit.
# units_informed|units_active|devices_scanned|infected|cleaned|not_cleaned|files_found|files_handled|weak
is "province totals" "$(sync_query "$I" totals)" "2|3|5|3|2|1|4|2|0"
is "unit $A totals" "$(sync_query "$I" totals '' '' $A)" "1|1|2|1|1|0|1|1|0"
is "unit $B (with $C) totals" "$(sync_query "$I" totals '' '' $B)" "1|2|3|2|1|1|3|1|0"
is "unit $C totals" "$(sync_query "$I" totals '' '' $C)" "0|1|1|1|0|1|2|0|0"
is "not cleaned, with reasons" "$(sync_query "$I" not_cleaned_reasons)" "report-only|1"
is "top signatures with device counts" "$(sync_query "$I" top_signatures | tr '\n' ' ')" \
	"Raquet.Test.ClamExe.UNOFFICIAL|2|2 Raquet.Test.Eicar.UNOFFICIAL|2|2 "
today=$(date +%F) tomorrow=$(date -d tomorrow +%F) yesterday=$(date -d yesterday +%F)
is "a period that holds the scans" "$(sync_query "$I" totals "$today" "$today")" "2|3|5|3|2|1|4|2|0"
is "a period after them" "$(sync_query "$I" totals "$tomorrow" '')" "2|0|0|0|0|0|0|0|0"
is "a period before them" "$(sync_query "$I" totals '' "$yesterday")" "2|0|0|0|0|0|0|0|0"
is "a device scanned twice is one device" "$(sqlite3 "$I/ioc.db" 'SELECT count(*) FROM devices')" 5
is "  ... with both scans kept" "$(sqlite3 "$I/ioc.db" 'SELECT count(*) FROM scans')" 7

raquet-sync --ioc "$I" status > "$T/status"
ok "status lists both sticks" sh -c "grep -q '^$S1  active .* 3 results .* 1 samples .* 0 missing' '$T/status' && grep -q '^$S2  active .* 4 results' '$T/status'"
exit_is "status of one stick" 0 raquet-sync --ioc "$I" status "$S2"
ok "  ... with its units and gaps" sh -c "grep -q '^units: *$B' '$T/last.out' && grep -q '^gaps: *none' '$T/last.out'"
ok "unit list shows the Vietnamese names" sh -c "raquet-sync --ioc '$I' unit list | grep -q 'UBND xã Phú Thượng'"

done_testing
