#!/bin/sh
# raquet-scan --restore reads like --list-quarantine (the folder after the
# id, or --quarantine-dir, or --stick), takes a unique prefix of an id (4
# hex digits or more), refuses an ambiguous one with the candidates, and
# says "already restored" for an entry restored before (issue 13).
. "$(dirname "$0")/../lib.sh"

make_sigs "$T/sigs"
Q=$T/q
mkdir -p "$T/pc/docs"
write_eicar "$T/pc/eicar.com"; cp -p "$TESTFILES/clam.exe" "$T/pc/docs/setup.exe"; cp -p "$T/pc/docs/setup.exe" "$T/setup.orig"
exit_is "two files quarantined" 1 raquet-scan -d "$T/sigs" --no-progress --action quarantine --quarantine-dir "$Q" "$T/pc"
exit_is "list" 0 raquet-scan --list-quarantine "$Q"
id=$(grep 'setup.exe$' "$T/last.out" | cut -d' ' -f1)
other=$(grep 'eicar.com$' "$T/last.out" | cut -d' ' -f1)
ok "  ... two ids" test ${#id} -eq 32 -a ${#other} -eq 32

# A prefix, and the folder after it as --list-quarantine takes it.
p=$(echo "$id" | cut -c1-8)
exit_is "restore PREFIX DIR" 0 raquet-scan --restore "$(echo "$p" | tr a-f A-F)" "$Q"
ok "  ... the right file, byte for byte" cmp "$T/setup.orig" "$T/pc/docs/setup.exe"
ok "  ... the other one still quarantined" sh -c "raquet-scan --list-quarantine '$Q' | grep -q '^$other '"
exit_is "restore it again" 2 raquet-scan --restore "$id" "$Q"
ok "  ... says it was already restored, when and where to" grep -q "quarantine entry $id was already restored (on 20[0-9-]*T[0-9:]*Z, to $T/pc/docs/setup.exe)" "$T/last.err"
exit_is "  ... by its prefix too" 2 raquet-scan --restore "$p" --quarantine-dir "$Q"
ok "  ... the same words" grep -q "quarantine entry $id was already restored" "$T/last.err"
ok "the listing does not show the note" sh -c "! raquet-scan --list-quarantine '$Q' | grep -q '$id'"

# Two entries under one prefix: a note whose id starts as the other's.
# The twin differs from it at the fifth digit, so that five digits settle it.
p4=$(echo "$other" | cut -c1-4)
d5=$(echo "$other" | cut -c5)
if [ "$d5" = 0 ]; then twin=${p4}1111111111111111111111111111; else twin=${p4}0000000000000000000000000000; fi
printf '2026-12-01T08:00:00Z\n/mnt/x\n' > "$Q/$twin.restored"
exit_is "an ambiguous prefix" 2 raquet-scan --restore "$p4" "$Q"
ok "  ... lists the candidates" sh -c "grep -q '$p4 is more than one quarantine entry (.*$other' '$T/last.err' && grep -q '$twin' '$T/last.err'"
ok "  ... and restores nothing" test ! -e "$T/pc/eicar.com"
exit_is "one more digit is enough" 0 raquet-scan --restore "$(echo "$other" | cut -c1-5)" "$Q"
ok "  ... restored" test -e "$T/pc/eicar.com"

# Bad ids and folders.
for bad in abc xyz12345 "$(printf 'ab\ncd')" "${id}0" "" "-12345"; do
	exit_is "id '$bad' refused" 2 raquet-scan --restore "$bad" "$Q"
done
ok "  ... saying what an id is" grep -q "not a quarantine id: give the id --list-quarantine shows (32 hex digits), or its first 4 digits or more" "$T/last.err"
exit_is "an unknown prefix" 2 raquet-scan --restore ffff0 "$Q"
ok "  ... says so" grep -q "no quarantine entry ffff0 in $Q" "$T/last.err"
exit_is "two folders" 2 raquet-scan --restore "$p" "$Q" "$T"
exit_is "a folder and --quarantine-dir" 2 raquet-scan --restore "$p" "$Q" --quarantine-dir "$Q"
ok "  ... says to give it once" grep -q "give the quarantine folder once" "$T/last.err"
exit_is "--list-quarantine with a PATH" 2 raquet-scan --list-quarantine "$Q" "$T"
exit_is "both commands at once" 2 raquet-scan --list-quarantine "$Q" --restore "$p"

# A hostile note: a control character in its path is shown escaped; an
# oversized one is no note.
printf '2026-12-01T08:00:00Z\n/mnt/\033[2Jx\n' > "$Q/$twin.restored"
exit_is "a note with an escape sequence" 2 raquet-scan --restore "$twin" "$Q"
ok "  ... printed escaped" grep -qF 'to /mnt/\x1b[2Jx)' "$T/last.err"
head -c 300000 /dev/zero | tr '\0' a > "$Q/$twin.restored"
exit_is "an oversized note" 2 raquet-scan --restore "$twin" "$Q"
ok "  ... is not believed" grep -q "no quarantine entry $twin" "$T/last.err"

# A stick's quarantine, by --stick.
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb"
write_eicar "$T/pc/again.com"
fake_pc "$T/sys-0" SN-0 && sed -i 's/OptiPlex 7090/Vostro 3020/' "$T/sys-0/sys/class/dmi/id/product_name"
exit_is "quarantined onto a stick" 1 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.12.H57 --action quarantine --identity-root "$T/sys-0" "$T/pc"
sid=$(raquet-scan --list-quarantine "$T/usb/RAQUET/quarantine" | grep 'again.com$' | cut -d' ' -f1)
exit_is "restore --stick DIR" 0 raquet-scan --restore "$(echo "$sid" | cut -c1-6)" --stick "$T/usb"
ok "  ... restored" test -e "$T/pc/again.com"

# The stick's list groups entries by PC: two PCs scanned onto the stick.
fake_pc "$T/sys-a" SN-A && fake_pc "$T/sys-b" SN-B && sed -i 's/OptiPlex 7090/ThinkCentre M70/' "$T/sys-b/sys/class/dmi/id/product_name"
mkdir -p "$T/pca" "$T/pcb"; write_eicar "$T/pca/a.com"; write_eicar "$T/pcb/b.com"; cp "$TESTFILES/clam.exe" "$T/pcb/c.exe"
exit_is "PC A onto the stick" 1 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.12.H57 --action quarantine --identity-root "$T/sys-a" "$T/pca"
exit_is "PC B onto the stick" 1 raquet-scan --no-progress --stick "$T/usb" --unit 000.00.12.H57 --action quarantine --identity-root "$T/sys-b" "$T/pcb"
exit_is "the stick's list" 0 raquet-scan --list-quarantine "$T/usb/RAQUET/quarantine"
heads=$(grep '^== PC ' "$T/last.out" | sed 's/(device [0-9a-f]*)/(device X)/; s/scanned [0-9-]* [0-9:]*/scanned D/')
# (sorted: the three scans may straddle a minute, which orders the groups)
is "  ... one heading per PC and scan, with its name, device and day" "$(echo "$heads" | sort)" \
	"$(printf '== PC OptiPlex 7090 (device X), scanned D ==\n== PC ThinkCentre M70 (device X), scanned D ==\n== PC Vostro 3020 (device X), scanned D ==')"
ok "  ... today's date" grep -q "^== PC OptiPlex 7090 (device [0-9a-f]\{12\}), scanned $(date +%F) [0-9:]* ==" "$T/last.out"
awk '/^== PC /{g = $0; next} {print g "|" $0}' "$T/last.out" > "$T/groups"
ok "  ... A's file under A" grep -q "OptiPlex.*|.*pca/a.com$" "$T/groups"
is "  ... B's two under B" "$(grep -c "ThinkCentre.*|.*pcb/" "$T/groups")" 2
is "  ... the earlier scan's two under its own" "$(grep -c '^== PC Vostro 3020 (device [0-9a-f]*), .*|.*/pc/' "$T/groups")" 2
note=$(ls "$T/usb/RAQUET/quarantine"/pc-*.txt | head -1)
sed -i 's/^computer .*/computer \x1b[2Jevil/' "$note"
exit_is "a note with an escape sequence in the name" 0 raquet-scan --list-quarantine "$T/usb/RAQUET/quarantine"
ok "  ... printed escaped" grep -qF '== PC \x1b[2Jevil' "$T/last.out"
printf 'not a note\n' > "$note"
exit_is "a note that is not one" 0 raquet-scan --list-quarantine "$T/usb/RAQUET/quarantine"
is "  ... is ignored: its entries are 'not recorded'" "$(grep -c '^== PC not recorded ==$' "$T/last.out")" 1

done_testing
