#!/bin/sh
# Issue 11 §3, signature rollback: db/MANIFEST carries a version and a date
# (raquet-manifest/2, sync/manifest.h), every result names the version it
# was scanned with, and the IOC flags a result numbered after the stick was
# given a newer set that names an older one, or none: put back an old set
# (still signed by the IOC, so raquet-scan takes it) and the scans it makes
# are imported, counted and flagged in raquet-sync status and the report's
# notes. A malformed version is refused like any other bad field.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc A=000.00.12.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb" $A || { echo "not ok 1 - an IOC and a stick"; exit 1; }
S=$(stick_id "$T/usb") K=$T/usb/RAQUET
mkdir -p "$T/clean" "$T/w" && echo clean > "$T/clean/a.txt"
flags() { sqlite3 "$I/ioc.db" "SELECT c.seq || ' ' || f.flag FROM scan_flags f JOIN scans c ON c.id = f.scan WHERE c.stick = '$S' ORDER BY 1"; }
# forge SEQ JQ: result 2 re-sealed as SEQ with its document edited by JQ,
# as the stick's holder could.
forge() {
	rm -rf "$T/doc" && rq-testkeys open -s "$K/stick.pub" "$I" "$K/results/$S-2.rqr" "$T/doc" >/dev/null &&
	jq ".record.seq = $1 | $2" "$T/doc/result.json" > "$T/w/result.json" &&
	rq-forge "$K" "$K/results" "$1" "$(date +%s)" "$T/w/result.json"
}

is "the provisioned stick's MANIFEST is version 1, dated" "$(sed -n '1,2p' "$K/db/MANIFEST" | tr '\n' ' ')" "raquet-manifest/2 version 1 "
ok "scan with the set the stick was given" scan_pc "$T/usb" $A SN-1 "$T/clean" --json "$T/r1.json"
is "  ... the result names it" "$(jq -c '[.engine.manifest_version, .engine.manifest_date]' "$T/r1.json")" \
	"$(sed -n 's/^date //p' "$K/db/MANIFEST" | jq -Rc '[1, .]')"
exit_is "import" 0 raquet-sync --ioc "$I" import "$T/usb"
is "  ... nothing flagged" "$(flags)" ""
cp -a "$K/db" "$T/db-v1"
exit_is "update the stick's databases" 0 raquet-sync --ioc "$I" update "$T/usb" --database "$T/sync-sigs"
is "  ... MANIFEST version 2" "$(sed -n 2p "$K/db/MANIFEST")" "version 2"
is "  ... ioc.db knows which set the stick had after which result" \
	"$(sqlite3 "$I/ioc.db" "SELECT version || ' after ' || after_seq FROM stick_manifests WHERE stick = '$S' ORDER BY version" | tr '\n' ' ')" "1 after 0 2 after 1 "
ok "scan with the new set" scan_pc "$T/usb" $A SN-2 "$T/clean" --json "$T/r2.json"
is "  ... the result names version 2" "$(jq .engine.manifest_version "$T/r2.json")" 2

rm -rf "$K/db" && cp -a "$T/db-v1" "$K/db"
ok "the old set put back: still signed by the IOC, raquet-scan takes it" scan_pc "$T/usb" $A SN-3 "$T/clean" --json "$T/r3.json"
is "  ... and says so in the result" "$(jq .engine.manifest_version "$T/r3.json")" 1
ok "a result naming no version (the stick's holder can write one)" forge 4 'del(.engine.manifest_version)'
ok "a result naming version 0 (a raquet-manifest/1 set)" forge 5 '.engine.manifest_version = 0'
exit_is "import: imported, not rejected" 0 raquet-sync --ioc "$I" import "$T/usb"
is "  ... the scans made with an older set or none are flagged" "$(flags)" "3 old-database
4 old-database
5 old-database"
raquet-sync --ioc "$I" status "$S" > "$T/st"
ok "  ... raquet-sync status says why" sh -c "grep -q '^flagged:     3 results$' '$T/st' &&
	grep -q '^  #3 old-database: the result names database version 1; the IOC gave the stick version 2 on ' '$T/st' &&
	grep -q '^  #4 old-database: the result names no database version; the IOC gave the stick version 2 on ' '$T/st'"
ok "  ... and its one-line summary" sh -c "raquet-sync --ioc '$I' status | grep -q '^$S .*  flagged 3$'"
exit_is "report" 0 raquet-report --ioc "$I" -o "$T/r.json"
is "  ... every scan counted (4 and 5 are SN-2 again)" "$(jq -c '.totals | [.scans, .devices_scanned]' "$T/r.json")" "[5,3]"
is "  ... the note names the old sets" "$(jq -r '.rows[2].note' "$T/r.json" | tr ';' '\n' | grep 'cũ hơn' | sed 's/^ //')" \
	"3 lượt quét dùng bộ mẫu nhận diện cũ hơn bộ IOC đã cấp cho thẻ"

# A version that is no count is a malformed result: refused, kept.
ok "a result naming version \"2\" (a string)" forge 6 '.engine.manifest_version = "2"'
ok "a result naming version -1" forge 7 '.engine.manifest_version = -1'
exit_is "import: both rejected" 1 raquet-sync --ioc "$I" import "$T/usb"
is "  ... saying why" "$(grep -c 'engine.manifest_version must be an integer >= 0 or null' "$T/last.out" "$T/last.err" | awk -F: '{s += $2} END {print s}')" 2

# raquet-scan refuses a version 2 MANIFEST whose head is malformed, even
# when the IOC signed it (only the IOC can make one; raquet-scan does not
# guess what a broken one means).
for head in 'version 0' 'version x' 'version 1x' 'version ' 'versio 1'; do
	{ echo raquet-manifest/2; echo "$head"; sed -n '3,$p' "$T/db-v1/MANIFEST"; } > "$K/db/MANIFEST" &&
		rq-testkeys sign "$I" "$K/db/MANIFEST"
	exit_is "a MANIFEST saying '$head' is refused" 2 raquet-scan --no-progress --no-summary --stick "$T/usb" --unit $A "$T/clean"
done
{ sed -n '1,2p' "$T/db-v1/MANIFEST"; echo 'date tomorrow'; sed -n '4,$p' "$T/db-v1/MANIFEST"; } > "$K/db/MANIFEST" &&
	rq-testkeys sign "$I" "$K/db/MANIFEST"
exit_is "a MANIFEST with a date that is no date is refused" 2 raquet-scan --no-progress --no-summary --stick "$T/usb" --unit $A "$T/clean"
ok "  ... as malformed" grep -q "db/MANIFEST is malformed" "$T/last.err"

done_testing
