#!/bin/sh
# Issue 11 §3: a person holding one stick's key cannot make the IOC's import
# cost unbounded work, memory or disk, nor block the stick's genuine
# records. Every record here is signed and sealed with the stick's own key
# (tests/helpers/rq-forge.c), so only its content is hostile.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc U=000.00.12.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb" $U && sync_stick "$I" "$T/usb2" $U
S=$(stick_id "$T/usb") R=$T/usb/RAQUET/results K=$T/usb/RAQUET
mkdir -p "$T/pc" "$T/w" && write_eicar "$T/pc/eicar.com"
ok "two genuine scans on the stick" sh -c "$(command -v raquet-scan) --version >/dev/null"
scan_pc "$T/usb" $U SN-1 "$T/pc" --action report && scan_pc "$T/usb" $U SN-2 "$T/pc" --action report
rq-testkeys open -s "$K/stick.pub" "$I" "$R/$S-1.rqr" "$T/doc" >/dev/null
# doc SEQ: a genuine document renumbered SEQ, in $T/w/result.json.
doc() { jq ".record.seq = $1" "$T/doc/result.json" > "$T/w/result.json"; }
NOW=1795000000

# 8 MiB of "[{},{},...]": 2.8 million objects, gigabytes once json-c builds them.
{ printf '['; yes '{},' | tr -d '\n' | head -c 8388600; printf '{}]'; } > "$T/w/result.json"
ok "an 8 MiB [{},{},...] result.json in a small record" rq-forge "$K" "$R" 3 $NOW "$T/w/result.json"
ok "  ... the record is small" test "$(stat -c %s "$R/$S-3.rqr")" -lt 100000
doc 4 && ok "created = INT64_MAX" rq-forge "$K" "$R" 4 9223372036854775807 "$T/w/result.json"
doc 5 && ok "created before 1970" rq-forge "$K" "$R" 5 -86400 "$T/w/result.json"
doc 6 && head -c 110000000 /dev/zero > "$T/w/scan.log" &&
	ok "a scan log that expands to 110 MB" rq-forge "$K" "$R" 6 $NOW "$T/w/result.json" "$T/w/scan.log"
{ printf '{"a":'; yes '[' | head -n 100 | tr -d '\n'; yes ']' | head -n 100 | tr -d '\n'; printf '}'; } > "$T/w/result.json"
ok "a result.json nested 100 deep" rq-forge "$K" "$R" 7 $NOW "$T/w/result.json"
printf '{"format": "raquet.result/1", /* " */ "unit": "x"}' > "$T/w/result.json"
ok "a result.json with a comment" rq-forge "$K" "$R" 8 $NOW "$T/w/result.json"
# A sample whose meta.json is 2 MiB.
{ printf '{"pad": "'; head -c 2097152 /dev/zero | tr '\0' a; printf '"}'; } > "$T/w/meta.json"
ok "a sample whose meta.json is 2 MiB" rq-forge --sample "$K" "$K/samples" 1 $NOW "$T/w/meta.json"
doc 9007199254740993 && ok "sequence number 2^53 + 1" rq-forge "$K" "$R" 9007199254740993 $NOW "$T/w/result.json"
# A sparse 2 GiB file costs nothing on the stick.
truncate -s 2G "$R/$S-10.rqr"

/usr/bin/time -f '%M %e' -o "$T/rss" raquet-sync --ioc "$I" import "$T/usb" >"$T/last.out" 2>"$T/last.err"
is "import: the genuine records are imported, the rest rejected (exit 1)" "$?" 1
O=$T/last.out
is "  ... two imported, nine rejected" "$(tail -1 "$O")" "stick $S: 2 imported, 0 already imported, 9 rejected"
rss=$(tail -1 "$T/rss" | cut -d' ' -f1) secs=$(tail -1 "$T/rss" | cut -d' ' -f2)
echo "# import: max RSS $rss KiB, $secs s"
ok "  ... in bounded memory (max RSS under 400 MiB)" test "$rss" -lt 409600
ok "  ... and quickly (under 60 s, even under ASan)" awk "BEGIN { exit !($secs < 60) }"
ok "[{},{},...]: refused before it is built" grep -q "^rejected results/$S-3.rqr: result.json is too big to import: more than 300000 objects and arrays$" "$O"
ok "created = INT64_MAX: a clean rejection" grep -q "^rejected results/$S-4.rqr: record: malformed header: creation time 9223372036854775807 is outside 1970 to 9999$" "$O"
ok "created before 1970: the same" grep -q "^rejected results/$S-5.rqr: record: malformed header: creation time -86400 is outside 1970 to 9999$" "$O"
ok "a payload over its type's bound" grep -q "^rejected results/$S-6.rqr: payload: oversize member scan.log (more than 100663296 bytes in all)$" "$O"
ok "nested too deep" grep -q "^rejected results/$S-7.rqr: result.json is nested too deep to import: more than 32 levels$" "$O"
ok "a comment (which could hide strings from the count)" grep -q "^rejected results/$S-8.rqr: result.json is not strict JSON: byte 0x2f at offset 30$" "$O"
ok "meta.json over 1 MiB" grep -q "^rejected samples/$S-1.rqs: meta.json is too big to import: 2097163 bytes, at most 1048576$" "$O"
ok "sequence number over 2^53" grep -q "^rejected results/$S-9007199254740993.rqr: record: malformed header: sequence number 9007199254740993 (at most 9007199254740992)$" "$O"
ok "the sparse 2 GiB file" grep -q "^rejected results/$S-10.rqr: $S-10.rqr is too large (2147483648 bytes, at most 67130592)$" "$O"
is "no record row has a date outside 1970-9999" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM records WHERE created NOT GLOB '[12][0-9][0-9][0-9]-*'")" 0

# The sparse file is not copied whole into rejected/.
head1=$(head -c 1048576 /dev/zero | sha256sum | cut -d' ' -f1)
kept=$I/rejected/$S/$S-10.rqr.$(echo "$head1" | cut -c1-12)
is "the sparse file: its first MiB is kept" "$(stat -c %s "$kept" 2>&1)" 1048576
ok "  ... rejected/ holds a few MiB, not 2 GiB" test "$(du -sk "$I/rejected" | cut -f1)" -lt 16384
ok "  ... the note gives the true size and the kept bytes' sha256" grep -q "^only the first 1048576 of its 2147483648 bytes are kept here; their sha256 is $head1$" "$kept.reason"
ok "  ... after the reason itself" grep -q "is too large (2147483648 bytes" "$kept.reason"
is "  ... ioc.db has the kept bytes' sha256" "$(sqlite3 "$I/ioc.db" "SELECT sha256 FROM rejections WHERE file = 'results/$S-10.rqr'")" "$head1"
ok "a rejected record of a record's size is kept whole" cmp "$R/$S-3.rqr" "$I/rejected/$S/$S-3.rqr.$(sha256sum "$R/$S-3.rqr" | cut -c1-12)"

# Forged gaps: 72 of them, more than the 64 that blocked every record of
# the stick before; genuine records around them import, the gaps are ranges.
S2=$(stick_id "$T/usb2")
i=0 && while [ $i -le 70 ]; do
	rq-genrecords "$T/usb2" 1 10 $U $((10 + 2 * i)) || break
	i=$((i + 1))
done
scan_pc "$T/usb2" $U SN-3 "$T/pc" --action report
# A genuine result may be big: 50,000 detections (850,000 values, far
# under the bounds) must still import.
jq '.record.seq = 153 | .record.stick = $s | .totals.detections = 50000 | .status = "infected-not-cleaned"
    | .detections = [range(50000) as $i | .detections[0] + {path: "/mnt/c/x/\($i).exe"}]' \
	--arg s "$S2" "$T/doc/result.json" > "$T/w/result.json"
ok "a result with 50,000 detections" rq-forge "$T/usb2/RAQUET" "$T/usb2/RAQUET/results" 153 $NOW "$T/w/result.json"
exit_is "a stick with 72 gaps imports" 0 raquet-sync --ioc "$I" import "$T/usb2"
is "  ... every record" "$(tail -1 "$T/last.out")" "stick $S2: 73 imported, 0 already imported, 0 rejected"
is "  ... the 50,000 detections too" "$(sqlite3 "$I/ioc.db" "SELECT ndetections, (SELECT count(*) FROM detections WHERE scan = scans.id) FROM scans WHERE stick = '$S2' AND seq = 153")" "50000|50000"
is "  ... the gaps listed, as ranges" "$(grep -c "^gap: result " "$T/last.out")" 72
ok "  ... the first one" grep -q "^gap: result 1-9 are missing$" "$T/last.out"
ok "  ... a single number" grep -q "^gap: result 11 is missing$" "$T/last.out"
is "  ... in ioc.db" "$(sqlite3 "$I/ioc.db" "SELECT count(*), sum(last_seq - first_seq + 1) FROM gaps WHERE stick = '$S2'")" "72|80"
ok "  ... and in the receipt" jq -e '.gaps.result | length == 72 and .[0] == [1, 9]' "$T/usb2/RAQUET/receipts/$(key_id "$I/ioc.pub").json"

# Per stick: one import opens at most RAQUET_IMPORT_STICK_MAX bytes of
# payload (4 GiB by default); the records past it wait for the next import.
sync_stick "$I" "$T/usb3" $U && S3=$(stick_id "$T/usb3") K3=$T/usb3/RAQUET
for n in 1 2 3; do
	head -c 1000000 /dev/urandom > "$T/w/sample.bin"
	jq -n --arg s "$S3" --arg u $U --argjson n $n --arg h "$(sha256sum "$T/w/sample.bin" | cut -c1-64)" \
		'{format: "raquet.sample/1", record: {stick: $s, seq: $n, type: "sample"}, unit: $u,
		  path: "/mnt/c/x\($n).exe", path_escaped: false, signature: "Test.Sample",
		  sha256: $h, size: 1000000, copied: true}' > "$T/w/meta.json"
	rq-forge --sample "$K3" "$K3/samples" $n $NOW "$T/w/meta.json" "$T/w/sample.bin" >/dev/null || break
done
exit_is "with a budget of 2.5 MB, an import takes two 1 MB samples" 1 env RAQUET_IMPORT_STICK_MAX=2500000 raquet-sync --ioc "$I" import "$T/usb3"
is "  ... and rejects the third, unopened" "$(tail -1 "$T/last.out")" "stick $S3: 2 imported, 0 already imported, 1 rejected"
ok "  ... saying why" grep -q "^rejected samples/$S3-3.rqs: not opened: this import has already opened [0-9]* bytes of this stick's records, at most 2500000 at a time; import the stick again for the rest$" "$T/last.out"
exit_is "the next import takes it" 0 raquet-sync --ioc "$I" import "$T/usb3"
is "  ... and only it" "$(tail -1 "$T/last.out")" "stick $S3: 1 imported, 2 already imported, 0 rejected"
is "  ... three samples stored" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM samples WHERE stick = '$S3' AND stored IS NOT NULL")" 3

done_testing
