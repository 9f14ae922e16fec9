#!/bin/sh
# docs/office-guide.md as written: its ```sh blocks run in order, each one
# a test, on a scratch IOC, so the guide cannot drift from the programs.
# The guide's stick /media/usb is a folder here and /var/lib/clamav the test
# signatures; its ```csv block is units.csv. A block after
# "<!-- t4200: not run: why -->" is shown only; one after
# "<!-- t4200: needs settings -->" needs `raquet-sync settings` (issue 13,
# another part of it): until that command exists the block is reported as
# skipped, by that one test only.
. "$(dirname "$0")/../lib.sh"

GUIDE=$TOP/docs/office-guide.md
W=$T/work
mkdir -p "$W" "$T/usb" && make_sigs "$T/sigs" || exit 1
export RAQUET_IOC="$T/ioc"
unset RAQUET_PASSPHRASE

# Splits the guide into $T/block.N (sh blocks, paths replaced) with
# $T/block.N.mark (the marker before it, if any); the csv block goes to
# $W/units.csv.
awk -v dir="$T" -v usb="$T/usb" -v sigs="$T/sigs" -v csv="$W/units.csv" '
	/^<!-- t4200: / { mark = $0; next }
	/^```sh$/ { n++; f = dir "/block." n; inblk = 1; if (mark != "") print mark > (f ".mark"); mark = ""; next }
	/^```csv$/ { incsv = 1; next }
	/^```$/ { if (inblk) close(f); inblk = 0; incsv = 0; next }
	inblk { gsub("/media/usb", usb); gsub("/var/lib/clamav", sigs); print > f; next }
	incsv { print > csv; next }
	/^[^<]/ { mark = "" }
' "$GUIDE"
nblocks=$(ls "$T"/block.* | grep -c '/block\.[0-9]*$')
ok "the guide has its blocks" test "$nblocks" -ge 12
ok "  ... and units.csv" test -s "$W/units.csv"

has_settings() { raquet-sync settings list >/dev/null 2>&1; }
i=1
while [ $i -le "$nblocks" ]; do
	b=$T/block.$i first=$(grep -v '^ *#' "$b" | head -1)
	mark=$(cat "$b.mark" 2>/dev/null)
	case $mark in
	*"not run:"*) ;;
	*"needs settings"*)
		if has_settings; then
			ok "block $i: $first" sh -c "cd '$W' && sh -e '$b' >'$T/out.$i' 2>&1" || cat "$T/out.$i" | sed 's/^/# /'
		else
			echo "ok $((_n + 1)) # skip block $i needs raquet-sync settings (not in this tree yet)"
			_n=$((_n + 1))
		fi ;;
	*) ok "block $i: $first" sh -c "cd '$W' && sh -e '$b' >'$T/out.$i' 2>&1" || sed 's/^/# /' "$T/out.$i" ;;
	esac
	i=$((i + 1))
done

# What the blocks did, seen from ioc.db.
is "the units the guide made" "$(sqlite3 "$RAQUET_IOC/ioc.db" "SELECT code || ':' || coalesce(parent, '-') FROM units ORDER BY code" | tr '\n' ' ')" \
	"000.00.12.H57:- 000.00.13.H57:- 000.01.20.H57:- 000.01.21.H57:000.01.20.H57 000.01.23.H57:000.01.20.H57 "
is "  ... Phú Vang renamed" "$(sqlite3 "$RAQUET_IOC/ioc.db" "SELECT name FROM units WHERE code = '000.01.20.H57'")" "UBND thị xã Phú Vang"
is "the stick, provisioned and revoked" "$(sqlite3 "$RAQUET_IOC/ioc.db" "SELECT label, revoked IS NOT NULL FROM sticks")" "Phú Vang 01|1"
ok "the reports were written" test -s "$W/phu-luc.docx" -a -s "$W/phu-vang.xlsx"

done_testing
