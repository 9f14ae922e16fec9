#!/bin/sh
# raquet-sync import refuses, with a clear reason each, every record it must
# not let in; keeps each refused file in the IOC; imports the rest (exit 1);
# and a second import changes nothing.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc B=000.01.20.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb1" 000.00.12.H57 && sync_stick "$I" "$T/usb2" $B
S1=$(stick_id "$T/usb1") S2=$(stick_id "$T/usb2")
R1=$T/usb1/RAQUET/results R2=$T/usb2/RAQUET/results
mkdir -p "$T/pc" && write_eicar "$T/pc/eicar.com" && fake_pc "$T/sys" SN-9
scan() { raquet-scan --no-progress --no-summary --action report --identity-root "$T/sys" --stick "$@" "$T/pc" >/dev/null 2>&1; [ $? -le 1 ]; }
ok "a good scan on each stick" sh -c "$(command -v raquet-scan) --version >/dev/null"
scan "$T/usb1" --unit 000.00.12.H57 && scan "$T/usb2" --unit $B && scan "$T/usb2" --unit $B

# Documents sealed by stick 2's own key (so only their content is wrong).
rq-testkeys open -s "$T/usb2/RAQUET/stick.pub" "$I" "$R2/$S2-1.rqr" "$T/doc" >/dev/null
seal2() { # seal2 SEQ JQFILTER: a result record number SEQ with the document changed
	jq "$2 | .record.seq = $1" "$T/doc/result.json" > "$T/w/result.json" &&
	rq-testkeys seal "$T/usb2/RAQUET" "$R2" "$T/w/result.json" >/dev/null &&
	test -f "$R2/$S2-$1.rqr"
}
mkdir -p "$T/w"
ok "a record whose unit is not in the stick's roster" seal2 3 '.unit = "000.00.12.H57"'
ok "a record whose document breaks the schema" seal2 4 '.status = "mostly-fine"'
ok "a record whose document lacks a field" seal2 5 'del(.volumes)'
# Sealed to another IOC's key, signed by stick 2's key.
mkdir -p "$T/other" "$T/fake" && rq-testkeys ioc "$T/other" >/dev/null &&
	cp "$T/usb2/RAQUET/stick.key" "$T/fake/" && cp "$T/other/ioc.pub" "$T/fake/"
jq '.record.seq = 6' "$T/doc/result.json" > "$T/w/result.json"
ok "a record sealed to another IOC's key" sh -c "rq-testkeys seal '$T/fake' '$R2' '$T/w/result.json' >/dev/null && test -f '$R2/$S2-6.rqr'"
# Damaged files.
cp "$R2/$S2-1.rqr" "$R2/$S2-7.rqr"
seal2 8 . && truncate -s 300 "$R2/$S2-8.rqr"
head -c 2000 /dev/urandom > "$R2/$S2-9.rqr"
seal2 10 . && size=$(stat -c %s "$R2/$S2-10.rqr") && flip_byte "$R2/$S2-10.rqr" $((size - 1))
cp "$R2/$S2-3.rqr" "$R2/$S2-12.rqr"
cp "$R1/$S1-1.rqr" "$R2/$S1-1.rqr"
: > "$R2/$S2-11.rqr"

exit_is "import with bad records: the rest imports, exit 1" 1 raquet-sync --ioc "$I" import "$T/usb2"
O=$T/last.out
is "  ... two imported, eleven rejected" "$(tail -1 "$O")" "stick $S2: 2 imported, 0 already imported, 11 rejected"
ok "unit not in the roster" grep -q "^rejected results/$S2-3.rqr: unit code 000.00.12.H57 is not in the stick's roster$" "$O"
ok "document not matching the schema" grep -q "^rejected results/$S2-4.rqr: result.json does not match its schema: status must be" "$O"
ok "  ... a missing field too" grep -q "^rejected results/$S2-5.rqr: result.json does not match its schema: volumes must be an array" "$O"
ok "wrong IOC key" grep -q "^rejected results/$S2-6.rqr: wrong IOC key: the record is sealed to key $(key_id "$T/other/ioc.pub"), this IOC is $(key_id "$I/ioc.pub")" "$O"
ok "a copy of a record imported in the same run" grep -q "^rejected results/$S2-7.rqr: replayed record: the same bytes were imported before as results/$S2-1.rqr" "$O"
ok "a record under another number's name" grep -q "^rejected results/$S2-12.rqr: the file name does not match the record, which is result 3 of its stick" "$O"
ok "truncated" grep -q "^rejected results/$S2-8.rqr: truncated record" "$O"
ok "garbage" grep -q "^rejected results/$S2-9.rqr: not a raquet record (bad magic)" "$O"
ok "bad signature" grep -q "^rejected results/$S2-10.rqr: bad signature" "$O"
ok "moved from another stick's folder" grep -q "^rejected results/$S1-1.rqr: record moved from another stick's folder: it was made by stick $S1, this is stick $S2" "$O"
ok "empty file" grep -q "^rejected results/$S2-11.rqr: empty file" "$O"
ok "stderr says where rejected files are kept" grep -q "11 files rejected; kept in $I/rejected/$S2/" "$T/last.err"
is "every rejected file is kept, with its reason" "$(ls "$I/rejected/$S2" | grep -vc '\.reason$')" 11
ok "  ... the garbage byte for byte" cmp "$R2/$S2-9.rqr" "$I/rejected/$S2/$S2-9.rqr.$(sha256sum "$R2/$S2-9.rqr" | cut -c1-12)"
ok "  ... and the reason beside it" grep -q "bad magic" "$I/rejected/$S2/$S2-9.rqr.$(sha256sum "$R2/$S2-9.rqr" | cut -c1-12).reason"
is "rejections are in ioc.db" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM rejections WHERE stick = '$S2'")" 11
ok "the receipt lists them" sh -c "jq -e '.rejected | length == 11' '$T/usb2/RAQUET/receipts/'*.json"

sum1=$(ioc_data_sum "$I")
exit_is "importing the same stick again" 1 raquet-sync --ioc "$I" import "$T/usb2"
is "  ... imports nothing new" "$(tail -1 "$T/last.out")" "stick $S2: 0 imported, 2 already imported, 11 rejected"
is "  ... and changes nothing" "$(ioc_data_sum "$I")" "$sum1"

# A replay of an imported record under another name.
exit_is "stick 1 imports" 0 raquet-sync --ioc "$I" import "$T/usb1"
cp "$R1/$S1-1.rqr" "$R1/$S1-2.rqr"
exit_is "a replayed record with a new file name" 1 raquet-sync --ioc "$I" import "$T/usb1"
ok "  ... is named as such" grep -q "^rejected results/$S1-2.rqr: replayed record: the same bytes were imported before as results/$S1-1.rqr" "$T/last.out"
rm "$R1/$S1-2.rqr"

# Revoked stick.
scan "$T/usb1" --unit 000.00.12.H57
exit_is "revoke stick 1" 0 raquet-sync --ioc "$I" revoke "$S1" --yes
exit_is "revoking twice is an error" 2 raquet-sync --ioc "$I" revoke "$S1" --yes
exit_is "a revoked stick's new record is rejected" 1 raquet-sync --ioc "$I" import "$T/usb1"
ok "  ... saying so" grep -q "^rejected results/$S1-2.rqr: stick $S1 was revoked on 20" "$T/last.out"
ok "  ... while its imported record stays imported" grep -q "1 already imported" "$T/last.out"
exit_is "update refuses a revoked stick" 2 raquet-sync --ioc "$I" update "$T/usb1" --database "$T/sync-sigs"

# A stick signed with this IOC's key but never registered in ioc.db.
make_stick "$I" "$T/usb3" && scan "$T/usb3" --unit 000.00.12.H57
exit_is "an unknown stick's records are rejected" 1 raquet-sync --ioc "$I" import "$T/usb3"
ok "  ... as from an unknown stick" grep -q "^rejected results/.*-1.rqr: unknown stick $(stick_id "$T/usb3") (not provisioned by this IOC)" "$T/last.out"
# A stick of another IOC altogether.
make_stick "$T/other" "$T/usb4"
exit_is "another IOC's stick is refused whole" 2 raquet-sync --ioc "$I" import "$T/usb4"
ok "  ... with a clear message" grep -q "is not a stick of this IOC" "$T/last.err"
exit_is "import of a directory that is no stick" 2 raquet-sync --ioc "$I" import "$T/pc"

done_testing
