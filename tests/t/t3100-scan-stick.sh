#!/bin/sh
# raquet-scan --stick: results and samples sealed to the stick, readable by
# the IOC key only, with the same detections as --json; the roster decides
# which units may be picked; --list shows records without their content.
. "$(dirname "$0")/../lib.sh"

make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb"
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
mkdir -p "$T/pc/Users/an/Downloads" && write_eicar "$T/pc/Users/an/Downloads/eicar.com" &&
	cp "$TESTFILES/clam.zip" "$T/pc/Users/an/Downloads/invoice.zip" && echo hi > "$T/pc/clean.txt"
fake_pc "$T/sys1" "SN-0001"

exit_is "a unit outside the roster is refused" 2 raquet-scan --no-progress --stick "$T/usb" --unit 999.99.99.X00 "$T/pc"
ok "  ... with a message naming it" grep -q "unit '999.99.99.X00' is not in the stick's signed roster" "$T/last.err"
ok "  ... and nothing was touched" test -f "$T/pc/Users/an/Downloads/eicar.com"
exit_is "--stick without --unit is a usage error" 2 raquet-scan --stick "$T/usb" "$T/pc"

exit_is "scan to the stick (quarantine from the stick's config)" 1 raquet-scan --no-progress \
	--stick "$T/usb" --unit 000.00.12.H57 --technician "Nguyễn Văn An" --identity-root "$T/sys1" \
	--json "$T/plain.json" "$T/pc"
ok "the record is announced" grep -q "^Record saved: .*/results/$id-1.rqr (#1)$" "$T/last.out"
ok "the infected files were quarantined on the stick" sh -c "! test -e '$T/pc/Users/an/Downloads/eicar.com'"
ok "two samples sealed" test -f "$S/samples/$id-1.rqs" -a -f "$S/samples/$id-2.rqs"

ok "the IOC opens the result" rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/open"
jq -S '[.detections[] | {path, signature, sha256, outcome}]' "$T/open/result.json" > "$T/sealed.det"
jq -S '[.detections[] | {path, signature, sha256, outcome}]' "$T/plain.json" > "$T/plain.det"
ok "same detections as --json" diff -u "$T/plain.det" "$T/sealed.det"
is "two detections" "$(jq length "$T/sealed.det")" 2
is "unit, technician, record inside the payload" \
	"$(jq -r '[.unit, .technician, .record.stick, .record.seq, .record.type] | join("|")' "$T/open/result.json")" \
	"000.00.12.H57|Nguyễn Văn An|$id|1|result"
ok "the device identity is in the result" jq -e '.device.id | length == 64' "$T/open/result.json"
ok "the scan log is sealed too" grep -q "eicar.com: Raquet.Test.Eicar.UNOFFICIAL FOUND" "$T/open/scan.log"
ok "a sample opens with its bytes" rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/samples/$id-1.rqs" "$T/s1"
ok "  ... meta.json names the file" jq -e '.signature and .sha256 and .copied' "$T/s1/meta.json"
ok "  ... sample.bin is the infected file" sh -c "sha256sum '$T/s1/sample.bin' | grep -q \$(jq -r .sha256 '$T/s1/meta.json')"

ok "nothing on the stick can open a record" sh -c "! grep -rlq 'IOC secret' '$T/usb'; ! test -e '$S/ioc.key'"
ok "no plaintext of the result on the stick" sh -c "! grep -rqa 'Nguyễn Văn An' '$S/results' '$S/samples'"

# The same PC scanned again: the next number, the same device id.
write_eicar "$T/pc/again.com"
exit_is "second scan" 1 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.13.H57 --identity-root "$T/sys1" --action report "$T/pc"
ok "  ... takes number 2" test -f "$S/results/$id-2.rqr"
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-2.rqr" "$T/open2" >/dev/null
is "  ... same device id" "$(jq -r .device.id "$T/open2/result.json")" "$(jq -r .device.id "$T/open/result.json")"

raquet-scan --stick "$T/usb" --list > "$T/list.out"
is "--list shows every record" "$(grep -c "$id-" "$T/list.out")" 4
ok "--list shows type, seq and time" grep -Eq "^result +2  20[0-9-]+T[0-9:]+[+-][0-9:]+ +[0-9]+ bytes  results/$id-2.rqr$" "$T/list.out"
ok "--list shows no content" sh -c "! grep -q 'eicar\|Raquet.Test' '$T/list.out'"

# A stick whose signed files were changed is refused.
cp "$S/roster.json" "$T/roster.bak"
sed -i 's/Sở Tài chính/Sở Giả mạo/' "$S/roster.json"
exit_is "a forged roster is refused" 2 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.12.H57 "$T/pc"
ok "  ... naming the file" grep -q "roster" "$T/last.err"
cp "$T/roster.bak" "$S/roster.json"
# Signed by the IOC, but no JSON object: refused (it was once used after
# being freed).
echo '["000.00.12.H57"]' > "$S/roster.json" && rq-testkeys sign "$T/ioc" "$S/roster.json"
exit_is "a signed roster that is no JSON object is refused" 2 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.12.H57 "$T/pc"
ok "  ... saying so" grep -q "roster.json: not a JSON object" "$T/last.err"
cp "$T/roster.bak" "$S/roster.json" && rq-testkeys sign "$T/ioc" "$S/roster.json"
printf 'action = explode\n' > "$S/config"
exit_is "a bad config value is refused" 2 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.12.H57 "$T/pc"
ok "  ... with its line" grep -q "config: line 1: bad value for action" "$T/last.err"

done_testing
