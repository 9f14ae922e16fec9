#!/bin/sh
# raquet-sync provision and update make exactly the stick raquet-scan reads
# (docs/stick-layout.md); the IOC secret never goes to a stick; raquet-scan
# refuses a stick whose signed database set was tampered with.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc U=$T/usb S=$T/usb/RAQUET
sync_ioc "$I"
make_sigs "$T/sigs"
mkdir -p "$U"
exit_is "provision" 0 raquet-sync --ioc "$I" provision "$U" --unit 000.01.20.H57 --label "Phú Vang 01" --database "$T/sigs"
id=$(stick_id "$U")
is "  ... says what it made" "$(cat "$T/last.out")" "stick $id provisioned in $U/RAQUET: 2 units in its roster, 2 database files"
for f in stick.key stick.pub ioc.pub stick.json stick.sig roster.json roster.sig config db/MANIFEST db/MANIFEST.sig db/test.hdb db/test.ndb; do
	ok "  ... $f" test -f "$S/$f"
done
for d in results samples quarantine receipts; do ok "  ... $d/" test -d "$S/$d"; done
is "  ... stick.key is 0600" "$(stat -c %a "$S/stick.key")" 600
ok "  ... stick.json, roster.json and MANIFEST are signed by the IOC" sh -c "rq-testkeys verify '$I/ioc.pub' '$S/stick.json' && rq-testkeys verify '$I/ioc.pub' '$S/roster.json' && rq-testkeys verify '$I/ioc.pub' '$S/db/MANIFEST'"
is "  ... stick.json" "$(jq -c '[.format, .stick, .ioc, .label, .units, .db_manifest]' "$S/stick.json")" \
	"[\"raquet.stick/1\",\"$id\",\"$(key_id "$I/ioc.pub")\",\"Phú Vang 01\",[\"000.01.20.H57\"],true]"
is "  ... the roster: the stick's unit and the units below it" "$(jq -c '[.format, [.units[] | [.code, .name, .parent]]]' "$S/roster.json")" \
	'["raquet.roster/1",[["000.01.20.H57","UBND huyện Phú Vang",null],["000.01.21.H57","UBND xã Phú Thượng","000.01.20.H57"]]]'
is "  ... the MANIFEST (version 1 of this IOC, dated)" "$(cat "$S/db/MANIFEST")" "$(printf 'raquet-manifest/2\nversion 1\ndate %s\n%s %s test.hdb\n%s %s test.ndb' \
	"$(sed -n 's/^date \([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}[+-][0-9][0-9]:[0-9][0-9]\)$/\1/p' "$S/db/MANIFEST")" \
	"$(sha256sum "$T/sigs/test.hdb" | cut -d' ' -f1)" "$(stat -c %s "$T/sigs/test.hdb")" \
	"$(sha256sum "$T/sigs/test.ndb" | cut -d' ' -f1)" "$(stat -c %s "$T/sigs/test.ndb")")"
is "  ... the config comes from IOC/stick-config" "$(cat "$S/config")" "$(cat "$I/stick-config")"
ok "  ... registered in ioc.db" sh -c "raquet-sync --ioc '$I' status | grep -q '^$id  active'"
ok "the IOC secret key is not on the stick" sh -c "! test -e '$S/ioc.key' && ! grep -rqF \"\$(sed -n 2p '$I/ioc.key')\" '$U'"
ok "  ... no file on the stick holds its secret bytes" sh -c "! grep -rqaF \"\$(sed -n 2p '$I/ioc.key' | base64 -d | tail -c +69 | head -c 32 | base64)\" '$U'"

mkdir -p "$T/pc" && write_eicar "$T/pc/e.com"
exit_is "raquet-scan uses the provisioned stick" 1 raquet-scan --no-progress --no-summary --stick "$U" --unit 000.01.21.H57 --action report "$T/pc"
exit_is "  ... and refuses a unit outside its roster" 2 raquet-scan --no-progress --no-summary --stick "$U" --unit 000.00.12.H57 "$T/pc"

exit_is "provision refuses a stick of this IOC" 2 raquet-sync --ioc "$I" provision "$U" --unit 000.00.12.H57 --database "$T/sigs"
ok "  ... and says to update it" grep -q "is already stick $id of this IOC; use raquet-sync update" "$T/last.err"
mkdir -p "$T/other" && rq-testkeys ioc "$T/other" >/dev/null && make_stick "$T/other" "$T/foreign"
( cd "$T/foreign" && find . -type f -exec sha256sum {} + | sort ) > "$T/foreign.before"
exit_is "provision refuses another IOC's stick" 2 raquet-sync --ioc "$I" provision "$T/foreign" --unit 000.00.12.H57 --database "$T/sigs"
ok "  ... naming its key" grep -q "already holds a stick of another IOC (key $(key_id "$T/other/ioc.pub"))" "$T/last.err"
( cd "$T/foreign" && find . -type f -exec sha256sum {} + | sort ) > "$T/foreign.after"
ok "  ... and leaves it alone" cmp "$T/foreign.before" "$T/foreign.after"
exit_is "provision refuses an unknown unit" 2 raquet-sync --ioc "$I" provision "$T/u2" --unit NOPE --database "$T/sigs"
mkdir -p "$T/u2"
exit_is "provision refuses a database directory without databases" 2 raquet-sync --ioc "$I" provision "$T/u2" --unit 000.00.12.H57 --database "$T/pc"
ok "  ... saying so" grep -q "no ClamAV database files" "$T/last.err"
ok "  ... and leaves no stick behind" sh -c "! test -e '$T/u2/RAQUET/stick.json'"
exit_is "  ... so provisioning it again works" 0 raquet-sync --ioc "$I" provision "$T/u2" --unit 000.00.12.H57 --database "$T/sigs"
exit_is "provision without --unit is a usage error" 2 raquet-sync --ioc "$I" provision "$T/u3"

# Tampered database sets.
tampered() { # tampered DESCRIPTION MESSAGE: raquet-scan refuses, then restore
	exit_is "$1" 2 raquet-scan --no-progress --no-summary --stick "$U" --unit 000.01.20.H57 "$T/pc"
	ok "  ... $2" grep -q "refusing the stick's databases: .*$2" "$T/last.err"
	rm -rf "$S/db" && cp -a "$T/db.good" "$S/db"
}
cp -a "$S/db" "$T/db.good"
echo "Evil.Sig:0:*:41414141" >> "$S/db/test.ndb"; tampered "a changed database file" "test.ndb was changed"
echo "Extra:0:*:4242" > "$S/db/extra.ndb"; tampered "an extra database file" "extra.ndb is not in the signed MANIFEST"
rm "$S/db/test.hdb"; tampered "a missing database file" "test.hdb is missing"
sed -i 's/ test.ndb$/ test.ndx/' "$S/db/MANIFEST"; tampered "an edited MANIFEST" "MANIFEST: bad signature"
cp "$T/other/ioc.pub" "$T/w.pub"; rq-testkeys sign "$T/other" "$S/db/MANIFEST"; tampered "a MANIFEST signed by another key" "is signed by key"
rm "$S/db/MANIFEST.sig"; tampered "no MANIFEST.sig" "MANIFEST"
rm "$S/db/MANIFEST" "$S/db/MANIFEST.sig"; tampered "no MANIFEST on a provisioned stick" "MANIFEST"
exit_is "with -d, the stick's databases are not used (nor checked)" 1 raquet-scan --no-progress --no-summary --stick "$U" --unit 000.01.20.H57 -d "$T/sigs" --action report "$T/pc"

# update: new databases, roster and config; results kept.
raquet-sync --ioc "$I" unit add 000.01.25.H57 "UBND xã Phú Diên" --parent 000.01.20.H57 >/dev/null
echo "Raquet.Test.New:0:*:4e45574e4557" > "$T/sigs/new.ndb"
echo "scan = quick" >> "$I/stick-config"
ls "$S/results" > "$T/results.before"
exit_is "update" 0 raquet-sync --ioc "$I" update "$U" --database "$T/sigs"
is "  ... says what it did" "$(cat "$T/last.out")" "stick $id updated: 3 database files, 3 units in its roster"
ok "  ... new database, signed" sh -c "grep -q ' new.ndb$' '$S/db/MANIFEST' && test -f '$S/db/new.ndb' && rq-testkeys verify '$I/ioc.pub' '$S/db/MANIFEST'"
ok "  ... new unit in the roster" sh -c "jq -e '[.units[].code] | index(\"000.01.25.H57\")' '$S/roster.json' >/dev/null"
ok "  ... new config" grep -q "scan = quick" "$S/config"
ls "$S/results" > "$T/results.after"
ok "  ... results untouched" cmp "$T/results.before" "$T/results.after"
ok "  ... no leftovers" sh -c "! test -e '$S/db.new' && ! test -e '$S/db.old'"
exit_is "raquet-scan accepts the updated stick" 1 raquet-scan --no-progress --no-summary --stick "$U" --unit 000.01.25.H57 --action report "$T/pc"
exit_is "update of another IOC's stick is refused" 2 raquet-sync --ioc "$I" update "$T/foreign" --database "$T/sigs"
ok "  ... as not a stick of this IOC" grep -q "is not a stick of this IOC" "$T/last.err"

done_testing
