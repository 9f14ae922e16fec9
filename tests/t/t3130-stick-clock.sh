#!/bin/sh
# Issue 11 §3, the live side of dates: a PC's clock is often wrong (a dead
# CMOS battery shows 2000), and the stick carries dates the IOC signed
# (stick.json, roster.json, db/MANIFEST, its receipt), before which no scan
# can have happened. raquet-scan --stick records both in the result
# ("clock": pc, ioc_min, behind; docs/result-format.md) and warns when the
# PC's clock is earlier; the scan goes on, and the result is sealed as
# always. Here the IOC's dates are put in the future instead of the PC's
# clock in the past: each file re-signed with the IOC's key, as only the
# IOC could.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc A=000.00.12.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb" $A || { echo "not ok 1 - an IOC and a stick"; exit 1; }
K=$T/usb/RAQUET
mkdir -p "$T/pc" && write_eicar "$T/pc/eicar.com" && fake_pc "$T/id" SN-1
scan() { raquet-scan --no-progress --no-summary --stick "$T/usb" --unit $A --identity-root "$T/id" \
	--action report --json "$T/r.json" "$T/pc"; }
clock() { jq -c '[.clock.behind, .clock.ioc_min]' "$T/r.json"; }
# future FILE JQ: FILE edited by JQ and signed again by the IOC.
future() { jq "$2" "$1" > "$1.new" && mv "$1.new" "$1" && rq-testkeys sign "$I" "$1"; }

exit_is "a scan on a PC whose clock is right" 1 scan
is "  ... the clock is not behind; ioc_min is the latest signed date" "$(clock)" \
	"$(jq -c '[false, .issued]' "$K/roster.json")"
ok "  ... pc is the scan's start" sh -c "test \"\$(jq -r .clock.pc '$T/r.json')\" = \"\$(jq -r .started '$T/r.json')\""
ok "  ... no warning" sh -c "! grep -q 'clock' '$T/last.err'"
exit_is "import: the IOC writes its receipt" 0 raquet-sync --ioc "$I" import "$T/usb"
exit_is "a scan after the import" 1 scan
is "  ... ioc_min is the receipt's date" "$(clock)" \
	"$(jq -c '[false, .issued]' "$K/receipts/$(key_id "$I/ioc.pub").json")"

future "$K/stick.json" '.issued = "2099-06-01T08:00:00+07:00"'
exit_is "stick.json issued in 2099: the scan goes on (EICAR found)" 1 scan
is "  ... the result records the clock behind" "$(clock)" '[true,"2099-06-01T08:00:00+07:00"]'
ok "  ... and warns on stderr" grep -q "^raquet-scan: warning: this PC's clock says .*, earlier than 2099-06-01T08:00:00+07:00, when the IOC last updated the stick; the result keeps both dates$" "$T/last.err"
is "  ... the record is sealed" "$(ls "$K/results" | grep -c '\.rqr$')" 3
exit_is "the launcher on that PC: the scan goes on" 1 timeout 60 env LC_ALL= LANG=en_US.UTF-8 \
	raquet-launcher --stick "$T/usb" --identity-root "$T/id" --unit $A --action report \
	--scan-path "$T/pc" </dev/null
ok "  ... its summary shows the clock warning, though the record was saved" sh -c \
	"grep -q '^Record saved on the stick as #4$' '$T/last.out' && grep -q \"raquet-scan: warning: this PC's clock says\" '$T/last.out'"
future "$K/roster.json" '.issued = "2099-07-01T00:00:00Z"'
exit_is "roster.json issued later still" 1 scan
is "  ... the latest date counts" "$(clock)" '[true,"2099-07-01T00:00:00Z"]'
{ sed -n 1,2p "$K/db/MANIFEST"; echo "date 2100-01-01T00:00:00-05:00"; sed -n '4,$p' "$K/db/MANIFEST"; } > "$K/db/MANIFEST.new" &&
	mv "$K/db/MANIFEST.new" "$K/db/MANIFEST" && rq-testkeys sign "$I" "$K/db/MANIFEST"
exit_is "db/MANIFEST dated 2100" 1 scan
is "  ... the MANIFEST's date counts too" "$(clock)" '[true,"2100-01-01T00:00:00-05:00"]'

# Dates that are no dates are not believed, and break nothing.
future "$K/stick.json" '.issued = "9999-99-99T99:99:99+99:99"'
future "$K/roster.json" '.issued = 12'
{ sed -n 1,2p "$K/db/MANIFEST"; echo "date 2026-01-01T00:00:00+07:00"; sed -n '4,$p' "$K/db/MANIFEST"; } > "$K/db/MANIFEST.new" &&
	mv "$K/db/MANIFEST.new" "$K/db/MANIFEST" && rq-testkeys sign "$I" "$K/db/MANIFEST"
rm -f "$K/receipts/"*
exit_is "stick.json and roster.json with no date in them" 1 scan
is "  ... only the MANIFEST's date is used" "$(clock)" '[false,"2026-01-01T00:00:00+07:00"]'

# A stick no IOC provisioned (tests/lib.sh make_stick: no dates, no
# MANIFEST): nothing to compare with.
make_ioc "$T/ioc2" && make_stick "$T/ioc2" "$T/bare" || exit 1
exit_is "a stick with no signed dates" 1 raquet-scan --no-progress --no-summary --stick "$T/bare" \
	--unit $A --identity-root "$T/id" --action report --json "$T/r.json" "$T/pc"
is "  ... clock recorded, nothing to be behind" "$(jq -c '[.clock.behind, .clock.ioc_min, .engine.manifest_version]' "$T/r.json")" '[false,null,null]'

done_testing
