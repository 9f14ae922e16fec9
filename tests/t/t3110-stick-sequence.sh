#!/bin/sh
# The sequence goes on from the highest number the stick knows of, in its
# results/ and samples/ or in the IOC's signed receipt (issue 11 §1): a
# stick whose records were deleted after an import never reuses a number the
# IOC holds. Names with numbers beyond 2^53 (RECORD_SEQ_MAX, which no stick
# reaches) are planted or damaged: ignored with a warning, they use nothing
# up. Receipts that do not verify, or are not this stick's, raise nothing.
. "$(dirname "$0")/../lib.sh"

UNIT=000.00.12.H57
pc() { rm -rf "$T/pc" && mkdir -p "$T/pc" && write_eicar "$T/pc/eicar.com"; }
# scan ACTION STICKDIR: one scan of the infected PC.
scan() { pc && raquet-scan --no-progress --no-summary --stick "$2" --unit $UNIT --action "$1" "$T/pc"; }
wipe() { rm -rf "$1/results" "$1/samples"; } # what deleting them on Windows does, marks included

# --- a real import's receipt ------------------------------------------------------
I=$T/ioc-sync
ok "an IOC and a stick from raquet-sync" sh -c "raquet-sync --ioc '$I' init >/dev/null &&
	raquet-sync --ioc '$I' unit add $UNIT 'Sở Y tế' >/dev/null"
ok "  ... provisioned" sync_stick "$I" "$T/usb1" $UNIT
R1=$T/usb1/RAQUET
id1=$(stick_id "$T/usb1")
exit_is "scan 1 (quarantine: a sample)" 1 scan quarantine "$T/usb1"
exit_is "scan 2" 1 scan quarantine "$T/usb1"
ok "  ... results 1, 2 and samples 1, 2" test -f "$R1/results/$id1-2.rqr" -a -f "$R1/samples/$id1-2.rqs"
exit_is "the IOC imports them" 0 raquet-sync --ioc "$I" import "$T/usb1"
ok "  ... and writes its receipt" sh -c "ls '$R1/receipts/'*.json"
wipe "$R1"
exit_is "records deleted from the stick, scan 3" 1 scan quarantine "$T/usb1"
ok "  ... takes result number 3, not 1 again" test -f "$R1/results/$id1-3.rqr"
ok "  ... and sample number 3" test -f "$R1/samples/$id1-3.rqs"
ok "  ... no number reused" test ! -e "$R1/results/$id1-1.rqr" -a ! -e "$R1/samples/$id1-1.rqs"
exit_is "the IOC imports the new ones" 0 raquet-sync --ioc "$I" import "$T/usb1"
ok "  ... as new, none rejected" grep -q "2 imported, 0 already imported, 0 rejected" "$T/last.out"

# --- receipts made here, signed by the IOC key ---------------------------------------
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" || exit 1
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
ioc=$(key_id "$T/ioc/ioc.pub")
mkdir -p "$S/receipts"
# receipt FILE STICK RESULTS SAMPLES: a receipt in sync/receipt.c's format.
receipt() {
	printf '{"format":"raquet.receipt/1","ioc":"%s","stick":"%s","issued":"2026-12-01T10:00:00+07:00",' "$ioc" "$2" > "$1"
	printf '"import":{"imported":3,"already_imported":0,"rejected":0},' >> "$1"
	printf '"records":{"result":%s,"sample":%s},"gaps":{"result":[],"sample":[]},"rejected":[]}\n' "$3" "$4" >> "$1"
}
RC=$S/receipts/$ioc.json
receipt "$RC" "$id" '[[1,3],[5,41]]' '[[1,7]]' && rq-testkeys sign "$T/ioc" "$RC"
exit_is "a receipt listing results up to 41, samples up to 7" 1 scan quarantine "$T/usb"
ok "  ... the result is number 42" grep -q "^Record saved: .*/results/$id-42.rqr (#42)$" "$T/last.out"
ok "  ... the sample number 8" test -f "$S/samples/$id-8.rqs"
ok "  ... no warning" test ! -s "$T/last.err"
wipe "$S"
exit_is "records and marks gone again" 1 scan report "$T/usb"
ok "  ... the receipt still keeps them above 41" grep -q "(#42)$" "$T/last.out"

# A receipt changed after the IOC signed it raises nothing.
wipe "$S"
receipt "$RC" "$id" '[[1,900]]' '[[1,900]]'
exit_is "a receipt changed after signing" 1 scan report "$T/usb"
ok "  ... is ignored, with a warning" grep -q "warning: .*receipts/$ioc.json ignored" "$T/last.err"
ok "  ... the sequence starts from the stick's own records" grep -q "(#1)$" "$T/last.out"
# Signed, but another stick's.
receipt "$RC" 0123456789abcdef '[[1,900]]' '[[1,900]]' && rq-testkeys sign "$T/ioc" "$RC"
exit_is "another stick's receipt" 1 scan report "$T/usb"
ok "  ... is ignored, with a warning" grep -q "receipts/$ioc.json ignored: not a receipt for this stick" "$T/last.err"
ok "  ... raises nothing" grep -q "(#2)$" "$T/last.out"
# Signed, with ranges no IOC writes.
receipt "$RC" "$id" '[[1,18446744073709551615],[5,2],[0,9],"x"]' '[[1,9007199254740993]]' && rq-testkeys sign "$T/ioc" "$RC"
exit_is "a receipt with absurd ranges" 1 scan report "$T/usb"
ok "  ... warns" grep -q "a result range that is no sequence of numbers was ignored" "$T/last.err"
ok "  ... raises nothing" grep -q "(#3)$" "$T/last.out"
rm -f "$RC" "$S/receipts/$ioc.sig"

# --- absurd names ---------------------------------------------------------------------
touch "$S/results/$id-18446744073709551615.rqr"
exit_is "a planted results/ID-18446744073709551615.rqr" 1 scan report "$T/usb"
ok "  ... is ignored, with a warning" grep -q "warning: .*results/$id-18446744073709551615.rqr ignored: its number is beyond 9007199254740992" "$T/last.err"
ok "  ... the record is saved as the next number" grep -q "^Record saved: .*/results/$id-4.rqr (#4)$" "$T/last.out"
touch "$S/results/$id-9007199254740993.rqr" "$S/samples/$id-99999999999999999.rqs"
exit_is "just beyond 2^53, results and samples" 1 scan quarantine "$T/usb"
ok "  ... both ignored with warnings" sh -c "grep -q '$id-9007199254740993.rqr ignored' '$T/last.err' && grep -q 'samples/$id-99999999999999999.rqs ignored' '$T/last.err'"
ok "  ... result 5 and a sample saved" sh -c "grep -q '(#5)$' '$T/last.out' && ls '$S/samples/' | grep -q '^$id-[0-9]\\.rqs$'"
printf '18446744073709551615\n' > "$S/results/.$id.rqr.last"
exit_is "a planted high-water mark beyond 2^53" 1 scan report "$T/usb"
ok "  ... is ignored" grep -q "(#6)$" "$T/last.out"
touch "$S/results/0123456789abcdef-18446744073709551615.rqr"
exit_is "another stick's absurd name" 1 scan report "$T/usb"
ok "  ... is none of this stick's business (no warning about it)" sh -c "! grep -q 0123456789abcdef '$T/last.err'"
# 2^53 itself is a number a stick may hold: the last one. Then the
# sequence is used up, and the scan refuses before acting (t1050).
touch "$S/results/$id-9007199254740992.rqr"
exit_is "the last number taken" 2 scan delete "$T/usb"
ok "  ... refused: sequence numbers exhausted" grep -q "sequence numbers exhausted" "$T/last.err"
ok "  ... the file still there" test -f "$T/pc/eicar.com"

done_testing
